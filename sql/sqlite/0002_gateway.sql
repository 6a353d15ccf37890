-- The gateway's own records, the SQLite twin of postgres/0002_gateway.sql.
-- Times are INTEGER unix microseconds, hashes 0x-prefixed lowercase hex TEXT,
-- as in 0001. Tables are STRICT.

-- +goose Up
CREATE TABLE api_keys (
    id           TEXT    PRIMARY KEY,
    client_id    TEXT    NOT NULL CHECK (client_id <> ''),
    hash         TEXT    NOT NULL,
    rate_per_sec INTEGER NOT NULL DEFAULT 0 CHECK (rate_per_sec >= 0),
    burst        INTEGER NOT NULL DEFAULT 0 CHECK (burst >= 0),
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER
) STRICT;
CREATE INDEX api_keys_client ON api_keys (client_id, created_at);

CREATE TABLE gateway_requests (
    client_id    TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    body_hash    TEXT    NOT NULL,
    state        TEXT    NOT NULL CHECK (state IN ('pending', 'sent', 'done')),
    chain        TEXT,
    tx_hash      TEXT,
    raw_tx       BLOB,
    transfer_id  TEXT,
    status       INTEGER CHECK (status BETWEEN 100 AND 599),
    response     BLOB,
    locked_until INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (client_id, key),
    CONSTRAINT gateway_requests_sent_tx CHECK (state <> 'sent'
        OR (chain IS NOT NULL AND tx_hash IS NOT NULL AND raw_tx IS NOT NULL)),
    CONSTRAINT gateway_requests_done_response CHECK (state <> 'done'
        OR (status IS NOT NULL AND response IS NOT NULL))
) STRICT, WITHOUT ROWID;
CREATE INDEX gateway_requests_purge ON gateway_requests (state, created_at);
