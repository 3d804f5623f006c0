-- The audit log's filters (`read_filtered`): by type, by actor and by recorded time within a
-- tenant. A stream filter uses the (tenant_id, stream_id, stream_version) constraint's index.
CREATE INDEX IF NOT EXISTS events_by_tenant_type ON events (tenant_id, event_type, global_position);
CREATE INDEX IF NOT EXISTS events_by_tenant_actor ON events (tenant_id, actor, global_position);
CREATE INDEX IF NOT EXISTS events_by_tenant_recorded ON events (tenant_id, recorded_at);
