-- The event log. Positions are handed out under the row lock of `event_log_head` (below), so
-- commit order is position order, also across processes, and positions have no gaps.
CREATE TABLE IF NOT EXISTS events (
    global_position BIGINT      PRIMARY KEY,
    event_id        UUID        NOT NULL CONSTRAINT events_event_id_unique UNIQUE,
    tenant_id       UUID        NOT NULL,
    stream_id       TEXT        NOT NULL,
    stream_version  BIGINT      NOT NULL,
    event_type      TEXT        NOT NULL,
    schema_version  INT         NOT NULL,
    occurred_at     TIMESTAMPTZ NOT NULL, -- microseconds, the precision of the envelope
    recorded_at     TIMESTAMPTZ NOT NULL,
    actor           TEXT        NOT NULL,
    correlation_id  UUID        NOT NULL,
    causation_id    UUID        NOT NULL,
    payload         JSON        NOT NULL, -- json, not jsonb: keeps the exact text that was hashed
    prev_hash       TEXT        NOT NULL,
    hash            TEXT        NOT NULL,
    CONSTRAINT events_stream_version_unique UNIQUE (tenant_id, stream_id, stream_version)
);
CREATE INDEX IF NOT EXISTS events_by_tenant ON events (tenant_id, global_position);

-- The last position handed out. Every append transaction locks this one row first: the lock
-- serialises appenders (of every process) until commit, and a rollback undoes the increment.
CREATE TABLE IF NOT EXISTS event_log_head (
    id            INT    PRIMARY KEY CHECK (id = 1),
    last_position BIGINT NOT NULL
);
INSERT INTO event_log_head (id, last_position) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;

-- The hash of each tenant's last event, so an append need not search the log for it.
CREATE TABLE IF NOT EXISTS tenant_heads (
    tenant_id UUID PRIMARY KEY,
    last_hash TEXT NOT NULL
);

-- One row per command id that appended, written in the append's transaction.
CREATE TABLE IF NOT EXISTS commands (
    tenant_id      UUID   NOT NULL,
    command_id     UUID   NOT NULL,
    stream_id      TEXT   NOT NULL,
    stream_version BIGINT NOT NULL,
    first_position BIGINT,
    last_position  BIGINT,
    PRIMARY KEY (tenant_id, command_id)
);

-- Secrets kept out of the log (argon2 password hashes), named by the id the events carry.
CREATE TABLE IF NOT EXISTS credentials (
    tenant_id     UUID NOT NULL,
    credential_id UUID NOT NULL,
    secret        TEXT NOT NULL,
    PRIMARY KEY (tenant_id, credential_id)
);
