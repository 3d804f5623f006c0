-- A plain table shaped like the event store's `events` (same columns, keys and indexes), in
-- the same database, for the raw INSERT baseline.
CREATE TABLE baseline_events (LIKE events INCLUDING ALL)
