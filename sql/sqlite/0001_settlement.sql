-- Settlement system of record, the SQLite twin of postgres/0001_settlement.sql.
-- Money is decimal TEXT (checked to be digits, at most 78 of them), times are
-- INTEGER unix microseconds, booleans INTEGER 0/1. Tables are STRICT.

-- +goose Up
CREATE TABLE transfers (
    row_id            INTEGER PRIMARY KEY,
    id                TEXT    NOT NULL UNIQUE,
    src_chain         TEXT    NOT NULL,
    dst_chain         TEXT    NOT NULL,
    seq               INTEGER CHECK (seq > 0),
    status            TEXT    NOT NULL CHECK (status IN
                          ('submitted', 'source_committed', 'delivered', 'finished', 'refunded', 'rejected')),
    sender            TEXT    NOT NULL,
    receiver          TEXT    NOT NULL,
    denom             TEXT    NOT NULL,
    amount            TEXT    NOT NULL CHECK (length(amount) <= 78 AND amount GLOB '[1-9]*' AND amount NOT GLOB '*[^0-9]*'),
    fee               TEXT    NOT NULL CHECK (length(fee) <= 78 AND (fee = '0' OR (fee GLOB '[1-9]*' AND fee NOT GLOB '*[^0-9]*'))),
    timeout_height    INTEGER NOT NULL DEFAULT 0,
    timeout_time_ms   INTEGER NOT NULL DEFAULT 0,
    client_id         TEXT    NOT NULL DEFAULT '',
    client_ref        TEXT,

    source_height     INTEGER,
    source_tx_hash    TEXT    NOT NULL,
    source_time       INTEGER,
    source_relayer    TEXT,

    delivery_height   INTEGER,
    delivery_tx_hash  TEXT,
    delivery_time     INTEGER,
    delivery_relayer  TEXT,
    receipt_status    TEXT    CHECK (receipt_status IN ('ok', 'failed', 'timeout')),
    receipt_code      INTEGER NOT NULL DEFAULT 0,

    confirm_height    INTEGER,
    confirm_tx_hash   TEXT,
    confirm_time      INTEGER,
    confirm_relayer   TEXT,

    reject_code       INTEGER NOT NULL DEFAULT 0,
    source_attempts   INTEGER NOT NULL DEFAULT 0,
    delivery_attempts INTEGER NOT NULL DEFAULT 0,
    confirm_attempts  INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT    NOT NULL DEFAULT '',

    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    status_at         INTEGER NOT NULL,

    CONSTRAINT transfers_source_evidence CHECK (status IN ('submitted', 'rejected')
        OR (seq IS NOT NULL AND source_height IS NOT NULL)),
    CONSTRAINT transfers_delivery_evidence CHECK (status NOT IN ('delivered', 'finished', 'refunded')
        OR (delivery_height IS NOT NULL AND delivery_tx_hash IS NOT NULL AND receipt_status IS NOT NULL)),
    CONSTRAINT transfers_confirm_evidence CHECK (status NOT IN ('finished', 'refunded')
        OR (confirm_height IS NOT NULL AND confirm_tx_hash IS NOT NULL)),
    CONSTRAINT transfers_outcome_matches_receipt CHECK (
        (status <> 'finished' OR receipt_status = 'ok')
        AND (status <> 'refunded' OR receipt_status IN ('failed', 'timeout')))
) STRICT;

CREATE UNIQUE INDEX transfers_packet_key ON transfers (src_chain, dst_chain, seq) WHERE seq IS NOT NULL;
CREATE UNIQUE INDEX transfers_source_tx ON transfers (src_chain, source_tx_hash);
CREATE UNIQUE INDEX transfers_client_ref ON transfers (client_id, client_ref) WHERE client_ref IS NOT NULL;
CREATE INDEX transfers_sender ON transfers (sender, row_id);
CREATE INDEX transfers_receiver ON transfers (receiver, row_id);
CREATE INDEX transfers_route ON transfers (src_chain, dst_chain, row_id);
CREATE INDEX transfers_status ON transfers (status, row_id);
CREATE INDEX transfers_waiting ON transfers (status, status_at)
    WHERE status IN ('submitted', 'source_committed', 'delivered');

CREATE TABLE transfer_events (
    seq         INTEGER PRIMARY KEY,
    transfer_id TEXT    NOT NULL,
    src_chain   TEXT    NOT NULL,
    dst_chain   TEXT    NOT NULL,
    sender      TEXT    NOT NULL,
    receiver    TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    payload     TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX transfer_events_transfer ON transfer_events (transfer_id, seq);
CREATE INDEX transfer_events_sender ON transfer_events (sender, seq);
CREATE INDEX transfer_events_receiver ON transfer_events (receiver, seq);
CREATE INDEX transfer_events_route ON transfer_events (src_chain, dst_chain, seq);

CREATE TABLE transfer_event_seq (
    singleton INTEGER PRIMARY KEY DEFAULT 1 CHECK (singleton = 1),
    seq       INTEGER NOT NULL
) STRICT;
INSERT INTO transfer_event_seq (seq) VALUES (0);

CREATE TABLE chain_cursors (
    chain      TEXT    PRIMARY KEY,
    height     INTEGER NOT NULL CHECK (height >= 0),
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE relay_submissions (
    row_id     INTEGER PRIMARY KEY,
    chain      TEXT    NOT NULL,
    tx_hash    TEXT    NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('recv', 'ack', 'update_client')),
    signer     TEXT    NOT NULL,
    nonce      INTEGER NOT NULL,
    batch_size INTEGER NOT NULL CHECK (batch_size >= 0),
    status     TEXT    NOT NULL CHECK (status IN ('pending', 'included', 'failed', 'dropped')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    height     INTEGER NOT NULL DEFAULT 0,
    error      TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (chain, tx_hash)
) STRICT;
CREATE INDEX relay_submissions_signer ON relay_submissions (chain, signer, nonce);
CREATE INDEX relay_submissions_status ON relay_submissions (status, row_id);

CREATE TABLE reconciliations (
    id         INTEGER PRIMARY KEY,
    checked_at INTEGER NOT NULL,
    src_chain  TEXT    NOT NULL,
    dst_chain  TEXT    NOT NULL,
    denom      TEXT    NOT NULL,
    escrow     TEXT    NOT NULL CHECK (length(escrow) <= 78 AND escrow NOT GLOB '*[^0-9]*' AND escrow <> ''),
    vouchers   TEXT    NOT NULL CHECK (length(vouchers) <= 78 AND vouchers NOT GLOB '*[^0-9]*' AND vouchers <> ''),
    in_flight  TEXT    NOT NULL CHECK (length(in_flight) <= 78 AND in_flight NOT GLOB '*[^0-9]*' AND in_flight <> ''),
    ok         INTEGER NOT NULL CHECK (ok IN (0, 1)),
    detail     TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX reconciliations_route ON reconciliations (src_chain, dst_chain, denom, id);
