-- One row of `baseline_events`, as a naive store would write it.
INSERT INTO baseline_events (global_position, event_id, tenant_id, stream_id, stream_version, event_type,
                             schema_version, occurred_at, recorded_at, actor, correlation_id, causation_id,
                             payload, prev_hash, hash)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::json, $14, $15)
