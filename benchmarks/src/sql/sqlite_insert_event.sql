-- One row of the event store's `events` table, as a naive store would write it.
INSERT INTO events (global_position, event_id, tenant_id, stream_id, stream_version, event_type, schema_version,
                    occurred_at, recorded_at, actor, correlation_id, causation_id, payload, prev_hash, hash)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
