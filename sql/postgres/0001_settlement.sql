-- Settlement system of record: transfers, their event outbox, chain cursors,
-- relay submissions and reconciliation results.
-- Money is NUMERIC(78,0): every unsigned 256-bit integer fits, no floats.
-- Hashes and addresses are 0x-prefixed lowercase hex.

-- +goose Up
CREATE TABLE transfers (
    row_id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                TEXT          NOT NULL UNIQUE,
    src_chain         TEXT          NOT NULL,
    dst_chain         TEXT          NOT NULL,
    seq               BIGINT        CHECK (seq > 0),
    status            TEXT          NOT NULL CHECK (status IN
                          ('submitted', 'source_committed', 'delivered', 'finished', 'refunded', 'rejected')),
    sender            TEXT          NOT NULL,
    receiver          TEXT          NOT NULL,
    denom             TEXT          NOT NULL,
    amount            NUMERIC(78,0) NOT NULL CHECK (amount > 0),
    fee               NUMERIC(78,0) NOT NULL CHECK (fee >= 0),
    timeout_height    BIGINT        NOT NULL DEFAULT 0,
    timeout_time_ms   BIGINT        NOT NULL DEFAULT 0,
    client_id         TEXT          NOT NULL DEFAULT '',
    client_ref        TEXT,

    source_height     BIGINT,
    source_tx_hash    TEXT          NOT NULL,
    source_time       TIMESTAMPTZ,
    source_relayer    TEXT,

    delivery_height   BIGINT,
    delivery_tx_hash  TEXT,
    delivery_time     TIMESTAMPTZ,
    delivery_relayer  TEXT,
    receipt_status    TEXT          CHECK (receipt_status IN ('ok', 'failed', 'timeout')),
    receipt_code      BIGINT        NOT NULL DEFAULT 0,

    confirm_height    BIGINT,
    confirm_tx_hash   TEXT,
    confirm_time      TIMESTAMPTZ,
    confirm_relayer   TEXT,

    reject_code       BIGINT        NOT NULL DEFAULT 0,
    source_attempts   INTEGER       NOT NULL DEFAULT 0,
    delivery_attempts INTEGER       NOT NULL DEFAULT 0,
    confirm_attempts  INTEGER       NOT NULL DEFAULT 0,
    last_error        TEXT          NOT NULL DEFAULT '',

    created_at        TIMESTAMPTZ   NOT NULL,
    updated_at        TIMESTAMPTZ   NOT NULL,
    status_at         TIMESTAMPTZ   NOT NULL,

    -- A status the chains do not back cannot be stored, whatever writes it.
    CONSTRAINT transfers_source_evidence CHECK (status IN ('submitted', 'rejected')
        OR (seq IS NOT NULL AND source_height IS NOT NULL)),
    CONSTRAINT transfers_delivery_evidence CHECK (status NOT IN ('delivered', 'finished', 'refunded')
        OR (delivery_height IS NOT NULL AND delivery_tx_hash IS NOT NULL AND receipt_status IS NOT NULL)),
    CONSTRAINT transfers_confirm_evidence CHECK (status NOT IN ('finished', 'refunded')
        OR (confirm_height IS NOT NULL AND confirm_tx_hash IS NOT NULL)),
    CONSTRAINT transfers_outcome_matches_receipt CHECK (
        (status <> 'finished' OR receipt_status = 'ok')
        AND (status <> 'refunded' OR receipt_status IN ('failed', 'timeout')))
);

CREATE UNIQUE INDEX transfers_packet_key ON transfers (src_chain, dst_chain, seq) WHERE seq IS NOT NULL;
CREATE UNIQUE INDEX transfers_source_tx ON transfers (src_chain, source_tx_hash);
CREATE UNIQUE INDEX transfers_client_ref ON transfers (client_id, client_ref) WHERE client_ref IS NOT NULL;
CREATE INDEX transfers_sender ON transfers (sender, row_id);
CREATE INDEX transfers_receiver ON transfers (receiver, row_id);
CREATE INDEX transfers_route ON transfers (src_chain, dst_chain, row_id);
CREATE INDEX transfers_status ON transfers (status, row_id);
CREATE INDEX transfers_waiting ON transfers (status, status_at)
    WHERE status IN ('submitted', 'source_committed', 'delivered');

-- The outbox. seq comes from transfer_event_seq inside the writing
-- transaction, so it is gap-free and follows commit order (a sequence would
-- leave gaps on rollback and let a later seq commit first).
CREATE TABLE transfer_events (
    seq         BIGINT      PRIMARY KEY,
    transfer_id TEXT        NOT NULL,
    src_chain   TEXT        NOT NULL,
    dst_chain   TEXT        NOT NULL,
    sender      TEXT        NOT NULL,
    receiver    TEXT        NOT NULL,
    status      TEXT        NOT NULL,
    payload     JSONB       NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX transfer_events_transfer ON transfer_events (transfer_id, seq);
CREATE INDEX transfer_events_sender ON transfer_events (sender, seq);
CREATE INDEX transfer_events_receiver ON transfer_events (receiver, seq);
CREATE INDEX transfer_events_route ON transfer_events (src_chain, dst_chain, seq);

CREATE TABLE transfer_event_seq (
    singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    seq       BIGINT  NOT NULL
);
INSERT INTO transfer_event_seq (seq) VALUES (0);

CREATE TABLE chain_cursors (
    chain      TEXT        PRIMARY KEY,
    height     BIGINT      NOT NULL CHECK (height >= 0),
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE relay_submissions (
    row_id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    chain      TEXT        NOT NULL,
    tx_hash    TEXT        NOT NULL,
    kind       TEXT        NOT NULL CHECK (kind IN ('recv', 'ack', 'update_client')),
    signer     TEXT        NOT NULL,
    nonce      BIGINT      NOT NULL,
    batch_size INTEGER     NOT NULL CHECK (batch_size >= 0),
    status     TEXT        NOT NULL CHECK (status IN ('pending', 'included', 'failed', 'dropped')),
    attempts   INTEGER     NOT NULL DEFAULT 0,
    height     BIGINT      NOT NULL DEFAULT 0,
    error      TEXT        NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (chain, tx_hash)
);
CREATE INDEX relay_submissions_signer ON relay_submissions (chain, signer, nonce);
CREATE INDEX relay_submissions_status ON relay_submissions (status, row_id);

CREATE TABLE reconciliations (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    checked_at TIMESTAMPTZ   NOT NULL,
    src_chain  TEXT          NOT NULL,
    dst_chain  TEXT          NOT NULL,
    denom      TEXT          NOT NULL,
    escrow     NUMERIC(78,0) NOT NULL CHECK (escrow >= 0),
    vouchers   NUMERIC(78,0) NOT NULL CHECK (vouchers >= 0),
    in_flight  NUMERIC(78,0) NOT NULL CHECK (in_flight >= 0),
    ok         BOOLEAN       NOT NULL,
    detail     TEXT          NOT NULL DEFAULT ''
);
CREATE INDEX reconciliations_route ON reconciliations (src_chain, dst_chain, denom, id);
