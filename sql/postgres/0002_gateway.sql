-- The gateway's own records: API keys and the idempotency records of
-- submissions. Hashes are 0x-prefixed lowercase hex, as in 0001.

-- +goose Up
-- A key's secret is never stored, only its SHA-256.
CREATE TABLE api_keys (
    id           TEXT        PRIMARY KEY,
    client_id    TEXT        NOT NULL CHECK (client_id <> ''),
    hash         TEXT        NOT NULL,
    rate_per_sec INTEGER     NOT NULL DEFAULT 0 CHECK (rate_per_sec >= 0),
    burst        INTEGER     NOT NULL DEFAULT 0 CHECK (burst >= 0),
    created_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX api_keys_client ON api_keys (client_id, created_at);

-- One row per (client, Idempotency-Key). locked_until is the lease of the
-- gateway working on it: past it, another gateway may claim the row and
-- resume from what it recorded.
CREATE TABLE gateway_requests (
    client_id    TEXT        NOT NULL,
    key          TEXT        NOT NULL,
    body_hash    TEXT        NOT NULL,
    state        TEXT        NOT NULL CHECK (state IN ('pending', 'sent', 'done')),
    chain        TEXT,
    tx_hash      TEXT,
    raw_tx       BYTEA,
    transfer_id  TEXT,
    status       INTEGER     CHECK (status BETWEEN 100 AND 599),
    response     BYTEA,
    locked_until TIMESTAMPTZ NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (client_id, key),
    -- A sent request can be resumed only from the transaction it signed.
    CONSTRAINT gateway_requests_sent_tx CHECK (state <> 'sent'
        OR (chain IS NOT NULL AND tx_hash IS NOT NULL AND raw_tx IS NOT NULL)),
    -- A done request is replayed, so its answer must be there.
    CONSTRAINT gateway_requests_done_response CHECK (state <> 'done'
        OR (status IS NOT NULL AND response IS NOT NULL))
);
CREATE INDEX gateway_requests_purge ON gateway_requests (state, created_at);
