-- The event log. Positions come from the one writer task, so commit order is position order.
CREATE TABLE IF NOT EXISTS events (
    global_position INTEGER PRIMARY KEY,
    event_id        TEXT    NOT NULL UNIQUE,
    tenant_id       TEXT    NOT NULL,
    stream_id       TEXT    NOT NULL,
    stream_version  INTEGER NOT NULL,
    event_type      TEXT    NOT NULL,
    schema_version  INTEGER NOT NULL,
    occurred_at     INTEGER NOT NULL, -- microseconds since the Unix epoch
    recorded_at     INTEGER NOT NULL,
    actor           TEXT    NOT NULL,
    correlation_id  TEXT    NOT NULL,
    causation_id    TEXT    NOT NULL,
    payload         TEXT    NOT NULL, -- the exact JSON text that was hashed
    prev_hash       TEXT    NOT NULL,
    hash            TEXT    NOT NULL,
    UNIQUE (tenant_id, stream_id, stream_version)
);
CREATE INDEX IF NOT EXISTS events_by_tenant ON events (tenant_id, global_position);

-- One row per command id that appended, written in the append's transaction.
CREATE TABLE IF NOT EXISTS commands (
    tenant_id      TEXT    NOT NULL,
    command_id     TEXT    NOT NULL,
    stream_id      TEXT    NOT NULL,
    stream_version INTEGER NOT NULL,
    first_position INTEGER,
    last_position  INTEGER,
    PRIMARY KEY (tenant_id, command_id)
);

-- Secrets kept out of the log (argon2 password hashes), named by the id the events carry.
CREATE TABLE IF NOT EXISTS credentials (
    tenant_id     TEXT NOT NULL,
    credential_id TEXT NOT NULL,
    secret        TEXT NOT NULL,
    PRIMARY KEY (tenant_id, credential_id)
);
