//! The distributed event store: PostgreSQL, shared by any number of Hotline processes.
//!
//! # Ordering: one global serialisation point
//! A sequence would hand out positions at insert while rows become visible at commit, so a
//! reader that has seen position 11 could miss a position-10 event that commits a moment
//! later (the trap ARCHITECTURE.md warns about). This store avoids it by construction: every
//! append transaction *first* locks the single row of `event_log_head`
//! (`SELECT ... FOR UPDATE`), takes its positions from `last_position`, and writes the new
//! value back before it commits. The row lock is held until commit, so appenders of every
//! process run one after the other; PostgreSQL makes a commit visible before it releases the
//! transaction's locks, so the next appender only gets its positions once the previous
//! events are readable. Hence:
//! - commit order is position order: a reader that sees position `n + 1` also sees `n`, and
//!   a plain `WHERE global_position > $cursor` never skips an event;
//! - a rolled-back append also rolls back its increment: positions have no gaps;
//! - every transaction takes this lock before any other, so appenders cannot deadlock;
//! - each tenant's previous hash (`tenant_heads`), stream versions and command ids are read
//!   under the same lock, so they are never stale.
//!
//! The price is one global serialisation point: across all processes and tenants, only one
//! append transaction is in flight at a time, and its length (a few round trips plus the
//! commit's WAL flush) bounds throughput. The in-process group commit recovers most of it:
//! one writer task per process takes every queued append into one transaction, so a busy
//! process pays one lock hand-over and one flush for up to `MAX_BATCH` (256) appends. Per-tenant
//! advisory locks with a `pg_snapshot_xmin` high-water mark for global readers would let
//! tenants append in parallel; they are worth their complexity only when measurements say so.
//!
//! # Batches
//! A batch is one transaction: per request the command id is checked (a repeat gets the first
//! outcome back with `duplicate: true`), then the expected version (a refusal does not abort
//! its neighbours), then its events are sealed into the tenant's chain and inserted with one
//! `UNNEST` statement. If the transaction fails as a whole (say, a reused event id) and the
//! batch held several requests, each is retried on its own so only the culprit gets the error.
//!
//! # Values
//! Payloads are stored as `json` (not `jsonb`), which keeps the exact text that was hashed,
//! and read back with `payload::text`. Times are `timestamptz`, which keeps the microseconds
//! the envelope holds, so hashes verify after a round trip.
//!
//! # Head
//! [`EventStore::head`] moves after local commits, and after commits of other processes: the
//! append transaction calls `pg_notify('hotline_events', last_position)`, which PostgreSQL
//! delivers at commit, and a listener task follows that channel. Notifications sent while the
//! listener reconnects are lost, so the task also re-reads the head every second.

use std::borrow::Cow;
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use futures::StreamExt;
use futures::stream::BoxStream;
use hotline_domain::{EventEnvelope, StreamId};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgDatabaseError, PgListener, PgNotification, PgPool, PgPoolOptions, PgRow};
use sqlx::{
    AssertSqlSafe, ColumnIndex, Decode, PgConnection, PgExecutor, Postgres, QueryBuilder, Row, SqlSafeStr, Type,
};
use tokio::sync::{oneshot, watch};
use uuid::Uuid;

use super::batch::{
    AppendTransaction, BatchWriter, CommandRecord, SealedEvent, WriterQueue, advance_head, append_in_transaction,
    run_writer,
};
use super::{
    AppendOutcome, AppendRequest, Direction, EventStore, LogFilter, Scope, StoreError, StoreResult, StoredEvent,
};
use crate::chain::GENESIS_HASH;

const SELECT_EVENTS: &str = "SELECT global_position, event_id, tenant_id, stream_id, stream_version, event_type, \
     schema_version, occurred_at, recorded_at, actor, correlation_id, causation_id, payload::text AS payload, \
     prev_hash, hash FROM events";

/// One statement for all events of a request, whatever their number (no bound-parameter limit).
const INSERT_EVENTS: &str = "INSERT INTO events (global_position, event_id, tenant_id, stream_id, stream_version, \
     event_type, schema_version, occurred_at, recorded_at, actor, correlation_id, causation_id, payload, prev_hash, \
     hash) \
     SELECT global_position, event_id, tenant_id, stream_id, stream_version, event_type, schema_version, occurred_at, \
     recorded_at, actor, correlation_id, causation_id, payload::json, prev_hash, hash \
     FROM UNNEST($1::bigint[], $2::uuid[], $3::uuid[], $4::text[], $5::bigint[], $6::text[], $7::int[], \
     $8::timestamptz[], $9::timestamptz[], $10::text[], $11::uuid[], $12::uuid[], $13::text[], $14::text[], \
     $15::text[]) \
     AS new_events (global_position, event_id, tenant_id, stream_id, stream_version, event_type, schema_version, \
     occurred_at, recorded_at, actor, correlation_id, causation_id, payload, prev_hash, hash)";

/// The channel `pg_notify` announces new heads on.
const HEAD_CHANNEL: &str = "hotline_events";

/// How often the listener re-reads the head, to recover notifications lost while it reconnected.
const HEAD_REFRESH_INTERVAL: Duration = Duration::from_secs(1);

/// Connections of the pool: the writer task uses one at a time, readers share the rest.
const POOL_CONNECTIONS: u32 = 10;

/// The database holds read models (with their own migrations) too, so the store keeps its
/// migration history in a table of its own.
const MIGRATIONS_TABLE: &str = "_hotline_event_store_migrations";

pub struct PostgresEventStore {
    pool: PgPool,
    writer: WriterQueue,
    head: watch::Receiver<u64>,
    /// Dropped with the store, which stops the listener task.
    _stop_listener: oneshot::Sender<()>,
}

fn migrator() -> Migrator {
    let mut migrator = Migrator::with_migrations(vec![
        Migration::new(
            1,
            Cow::Borrowed("event store"),
            MigrationType::Simple,
            AssertSqlSafe(include_str!("../../migrations/postgres/0001_event_store.sql")).into_sql_str(),
            false,
        ),
        Migration::new(
            2,
            Cow::Borrowed("log filter indexes"),
            MigrationType::Simple,
            AssertSqlSafe(include_str!("../../migrations/postgres/0002_log_filter_indexes.sql")).into_sql_str(),
            false,
        ),
    ]);
    // Set before the first run, so no history exists under another name.
    migrator.dangerous_set_table_name(MIGRATIONS_TABLE);
    migrator
}

impl PostgresEventStore {
    /// Connects to the database at `url` (`postgres://...`), applies the store's migrations,
    /// and starts the writer task and the head listener.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new().max_connections(POOL_CONNECTIONS).connect_with(options.clone()).await?;
        // The writer's own connection: appends never wait behind readers for a connection.
        let writer_pool = PgPoolOptions::new().max_connections(1).connect_with(options).await?;
        migrator().run(&pool).await?;

        // Listen before reading the head, so no commit falls between the two unseen.
        let mut listener = PgListener::connect(url).await?;
        listener.listen(HEAD_CHANNEL).await?;
        let last_position = read_head(&pool).await?;

        let (head_sender, head) = watch::channel(last_position);
        let head_sender = Arc::new(head_sender);
        let (writer, jobs) = WriterQueue::new();
        tokio::spawn(run_writer(PostgresWriter(writer_pool), jobs, head_sender.clone()));
        let (stop_listener, stop) = oneshot::channel();
        tokio::spawn(follow_head(url.to_owned(), listener, pool.clone(), head_sender, stop));
        Ok(Self { pool, writer, head, _stop_listener: stop_listener })
    }

    /// The store's pool, for the secret store and tools that share the database.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

async fn read_head(executor: impl PgExecutor<'_>) -> StoreResult<u64> {
    let last_position: i64 =
        sqlx::query_scalar("SELECT last_position FROM event_log_head WHERE id = 1").fetch_one(executor).await?;
    Ok(last_position as u64)
}

/// Follows commits of every process: notifications as they come, and a re-read of the head
/// every [`HEAD_REFRESH_INTERVAL`]. Ends when the store is dropped.
async fn follow_head(
    url: String,
    listener: PgListener,
    pool: PgPool,
    head: Arc<watch::Sender<u64>>,
    mut stop: oneshot::Receiver<()>,
) {
    let mut notifications: Option<BoxStream<'static, Result<PgNotification, sqlx::Error>>> =
        Some(listener.into_stream().boxed());
    let mut refresh = tokio::time::interval(HEAD_REFRESH_INTERVAL);
    refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = &mut stop => return,
            notification = next_notification(&mut notifications) => match notification {
                Some(Ok(notification)) => match notification.payload().parse::<u64>() {
                    Ok(position) => advance_head(&head, position),
                    Err(_) => {
                        tracing::warn!(payload = notification.payload(), "ignoring a malformed head notification");
                    }
                },
                Some(Err(error)) => {
                    // The listener reconnects by itself after a dropped connection; an error
                    // here means it could not, and its stream has ended.
                    tracing::warn!(%error, "head listener failed, reconnecting");
                    notifications = None;
                }
                None => notifications = None,
            },
            _ = refresh.tick() => {
                match read_head(&pool).await {
                    Ok(position) => advance_head(&head, position),
                    Err(error) => tracing::debug!(%error, "could not re-read the head"),
                }
                if notifications.is_none() {
                    notifications = listen(&url).await;
                }
            }
        }
    }
}

async fn next_notification(
    notifications: &mut Option<BoxStream<'static, Result<PgNotification, sqlx::Error>>>,
) -> Option<Result<PgNotification, sqlx::Error>> {
    match notifications {
        Some(stream) => stream.next().await,
        None => std::future::pending().await,
    }
}

async fn listen(url: &str) -> Option<BoxStream<'static, Result<PgNotification, sqlx::Error>>> {
    let attempt = async {
        let mut listener = PgListener::connect(url).await?;
        listener.listen(HEAD_CHANNEL).await?;
        Ok::<_, sqlx::Error>(listener)
    };
    match attempt.await {
        Ok(listener) => Some(listener.into_stream().boxed()),
        Err(error) => {
            tracing::debug!(%error, "head listener could not reconnect yet");
            None
        }
    }
}

/// The writer task, with a pool of one connection of its own.
struct PostgresWriter(PgPool);

/// A batch's transaction.
struct PostgresAppend<'c>(&'c mut PgConnection);

#[async_trait]
impl BatchWriter for PostgresWriter {
    async fn write_batch(&mut self, requests: &[&AppendRequest]) -> StoreResult<Vec<StoreResult<AppendOutcome>>> {
        let mut transaction = self.0.begin().await?;
        // First statement of every append transaction: the global lock (see the module doc).
        let last_position: i64 = sqlx::query_scalar("SELECT last_position FROM event_log_head WHERE id = 1 FOR UPDATE")
            .fetch_one(&mut *transaction)
            .await?;
        let written =
            append_in_transaction(&mut PostgresAppend(&mut transaction), requests, last_position as u64).await?;
        if written.last_position > last_position as u64 {
            for (tenant_id, last_hash) in &written.tenant_heads {
                sqlx::query(
                    "INSERT INTO tenant_heads (tenant_id, last_hash) VALUES ($1, $2) \
                     ON CONFLICT (tenant_id) DO UPDATE SET last_hash = EXCLUDED.last_hash",
                )
                .bind(tenant_id)
                .bind(last_hash)
                .execute(&mut *transaction)
                .await?;
            }
            sqlx::query("UPDATE event_log_head SET last_position = $1 WHERE id = 1")
                .bind(written.last_position as i64)
                .execute(&mut *transaction)
                .await?;
            // Delivered to listeners when (and only if) the transaction commits.
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(HEAD_CHANNEL)
                .bind(written.last_position.to_string())
                .execute(&mut *transaction)
                .await?;
        }
        transaction.commit().await?;
        Ok(written.results)
    }
}

#[async_trait]
impl AppendTransaction for PostgresAppend<'_> {
    async fn command_outcomes(&mut self, keys: &[(Uuid, Uuid)]) -> StoreResult<HashMap<(Uuid, Uuid), AppendOutcome>> {
        let rows = sqlx::query(
            "SELECT c.tenant_id, c.command_id, c.stream_version, c.first_position, c.last_position \
             FROM commands c JOIN UNNEST($1::uuid[], $2::uuid[]) AS wanted(tenant_id, command_id) \
             ON c.tenant_id = wanted.tenant_id AND c.command_id = wanted.command_id",
        )
        .bind(keys.iter().map(|(tenant_id, _)| *tenant_id).collect::<Vec<_>>())
        .bind(keys.iter().map(|(_, command_id)| *command_id).collect::<Vec<_>>())
        .fetch_all(&mut *self.0)
        .await?;
        Ok(rows
            .iter()
            .map(|row| ((row.get("tenant_id"), row.get("command_id")), command_outcome_from_row(row)))
            .collect())
    }

    async fn stream_versions(&mut self, keys: &[(Uuid, StreamId)]) -> StoreResult<HashMap<(Uuid, StreamId), u64>> {
        // A correlated MAX per stream is one index seek on (tenant_id, stream_id, stream_version).
        let rows = sqlx::query(
            "SELECT wanted.tenant_id, wanted.stream_id, (SELECT MAX(e.stream_version) FROM events e \
             WHERE e.tenant_id = wanted.tenant_id AND e.stream_id = wanted.stream_id) AS version \
             FROM UNNEST($1::uuid[], $2::text[]) AS wanted(tenant_id, stream_id)",
        )
        .bind(keys.iter().map(|(tenant_id, _)| *tenant_id).collect::<Vec<_>>())
        .bind(keys.iter().map(|(_, stream_id)| stream_id.as_str().to_owned()).collect::<Vec<_>>())
        .fetch_all(&mut *self.0)
        .await?;
        let mut found = HashMap::new();
        for row in rows {
            let Some(version) = row.get::<Option<i64>, _>("version") else { continue };
            let stream_id = StreamId::from_str(row.get("stream_id"))
                .map_err(|error| StoreError::Corrupt { position: 0, reason: error.to_string() })?;
            found.insert((row.get("tenant_id"), stream_id), version as u64);
        }
        Ok(found)
    }

    async fn tenant_head(&mut self, tenant_id: Uuid) -> StoreResult<String> {
        tenant_head(&mut *self.0, tenant_id).await
    }

    async fn insert_events(&mut self, sealed: &[SealedEvent]) -> StoreResult<()> {
        insert_events(self.0, sealed).await
    }

    async fn record_commands(&mut self, records: &[CommandRecord]) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO commands (tenant_id, command_id, stream_id, stream_version, first_position, last_position) \
             SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[])",
        )
        .bind(records.iter().map(|record| record.tenant_id).collect::<Vec<_>>())
        .bind(records.iter().map(|record| record.command_id).collect::<Vec<_>>())
        .bind(records.iter().map(|record| record.stream_id.as_str().to_owned()).collect::<Vec<_>>())
        .bind(records.iter().map(|record| record.outcome.stream_version as i64).collect::<Vec<_>>())
        .bind(records.iter().map(|record| record.outcome.positions.map(|(first, _)| first as i64)).collect::<Vec<_>>())
        .bind(records.iter().map(|record| record.outcome.positions.map(|(_, last)| last as i64)).collect::<Vec<_>>())
        .execute(&mut *self.0)
        .await?;
        Ok(())
    }
}

async fn find_command(
    executor: impl PgExecutor<'_>,
    tenant_id: Uuid,
    command_id: Uuid,
) -> StoreResult<Option<AppendOutcome>> {
    let row = sqlx::query(
        "SELECT stream_version, first_position, last_position FROM commands WHERE tenant_id = $1 AND command_id = $2",
    )
    .bind(tenant_id)
    .bind(command_id)
    .fetch_optional(executor)
    .await?;
    Ok(row.map(|row| command_outcome_from_row(&row)))
}

fn command_outcome_from_row(row: &PgRow) -> AppendOutcome {
    let first: Option<i64> = row.get("first_position");
    let last: Option<i64> = row.get("last_position");
    AppendOutcome {
        stream_version: row.get::<i64, _>("stream_version") as u64,
        positions: first.zip(last).map(|(first, last)| (first as u64, last as u64)),
        duplicate: true,
    }
}

async fn stream_version_of(executor: impl PgExecutor<'_>, tenant_id: Uuid, stream_id: &StreamId) -> StoreResult<u64> {
    let version: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(stream_version), 0) FROM events WHERE tenant_id = $1 AND stream_id = $2",
    )
    .bind(tenant_id)
    .bind(stream_id.as_str())
    .fetch_one(executor)
    .await?;
    Ok(version as u64)
}

async fn tenant_head(executor: impl PgExecutor<'_>, tenant_id: Uuid) -> StoreResult<String> {
    let hash: Option<String> = sqlx::query_scalar("SELECT last_hash FROM tenant_heads WHERE tenant_id = $1")
        .bind(tenant_id)
        .fetch_optional(executor)
        .await?;
    Ok(hash.unwrap_or_else(|| GENESIS_HASH.to_owned()))
}

async fn insert_events(connection: &mut PgConnection, sealed: &[SealedEvent]) -> StoreResult<()> {
    if sealed.is_empty() {
        return Ok(());
    }
    let envelopes = || sealed.iter().map(|event| &event.envelope);
    // Cut to microseconds as the hash does (`timestamp_micros` floors); the envelope's times
    // normally are already, but a `NewEvent` built by hand may carry nanoseconds.
    let micros = |time: DateTime<Utc>| time.trunc_subsecs(6);
    sqlx::query(INSERT_EVENTS)
        .bind(envelopes().map(|envelope| envelope.global_position as i64).collect::<Vec<_>>())
        .bind(envelopes().map(|envelope| envelope.id).collect::<Vec<_>>())
        .bind(envelopes().map(|envelope| envelope.tenant_id).collect::<Vec<_>>())
        .bind(envelopes().map(|envelope| envelope.stream_id.as_str().to_owned()).collect::<Vec<_>>())
        .bind(envelopes().map(|envelope| envelope.stream_version as i64).collect::<Vec<_>>())
        .bind(envelopes().map(|envelope| envelope.event_type.clone()).collect::<Vec<_>>())
        // `int` holds the u32 bit for bit: versions above i32::MAX are stored negative and
        // read back unchanged.
        .bind(envelopes().map(|envelope| envelope.schema_version as i32).collect::<Vec<_>>())
        .bind(envelopes().map(|envelope| micros(envelope.occurred_at)).collect::<Vec<_>>())
        .bind(envelopes().map(|envelope| micros(envelope.recorded_at)).collect::<Vec<_>>())
        .bind(envelopes().map(|envelope| envelope.actor.to_string()).collect::<Vec<_>>())
        .bind(envelopes().map(|envelope| envelope.correlation_id).collect::<Vec<_>>())
        .bind(envelopes().map(|envelope| envelope.causation_id).collect::<Vec<_>>())
        .bind(sealed.iter().map(|event| event.payload_text.clone()).collect::<Vec<_>>())
        .bind(envelopes().map(|envelope| envelope.prev_hash.clone()).collect::<Vec<_>>())
        .bind(envelopes().map(|envelope| envelope.hash.clone()).collect::<Vec<_>>())
        .execute(&mut *connection)
        .await
        .map_err(|error| duplicate_event_or(error, sealed))?;
    Ok(())
}

/// Names the event id when the insert broke the event id's uniqueness.
fn duplicate_event_or(error: sqlx::Error, sealed: &[SealedEvent]) -> StoreError {
    let Some(database_error) = error.as_database_error() else {
        return StoreError::Database(error);
    };
    let is_event_id_clash = database_error.is_unique_violation()
        && database_error.constraint().is_some_and(|constraint| constraint.contains("event_id"));
    if !is_event_id_clash {
        return StoreError::Database(error);
    }
    // PostgreSQL names the clashing key in the detail: `Key (event_id)=(<uuid>) already exists.`
    let named = database_error
        .try_downcast_ref::<PgDatabaseError>()
        .and_then(|postgres_error| postgres_error.detail())
        .and_then(|detail| detail.split_once("=(")?.1.split_once(')').map(|(id, _)| id.to_owned()))
        .and_then(|id| Uuid::parse_str(&id).ok());
    match named.or_else(|| sealed.first().map(|event| event.envelope.id)) {
        Some(event_id) => StoreError::DuplicateEventId(event_id),
        None => StoreError::Database(error),
    }
}

/// Reads one column (by name or index), reporting a value that does not decode as corruption
/// at `position`.
fn column<'row, T>(
    row: &'row PgRow,
    position: u64,
    column: impl ColumnIndex<PgRow> + std::fmt::Display,
) -> StoreResult<T>
where
    T: Decode<'row, Postgres> + Type<Postgres>,
{
    row.try_get(&column).map_err(|error| StoreError::Corrupt { position, reason: format!("{column}: {error}") })
}

fn envelope_from_row(row: &PgRow) -> StoreResult<EventEnvelope> {
    let position = row.try_get::<i64, _>("global_position")? as u64;
    let corrupt = |reason: String| StoreError::Corrupt { position, reason };
    let stream_id: String = column(row, position, "stream_id")?;
    let actor: String = column(row, position, "actor")?;
    let payload_text: String = column(row, position, "payload")?;
    Ok(EventEnvelope {
        id: column(row, position, "event_id")?,
        event_type: column(row, position, "event_type")?,
        schema_version: column::<i32>(row, position, "schema_version")? as u32,
        tenant_id: column(row, position, "tenant_id")?,
        stream_id: StreamId::from_str(&stream_id).map_err(|error| corrupt(error.to_string()))?,
        stream_version: column::<i64>(row, position, "stream_version")? as u64,
        global_position: position,
        occurred_at: column(row, position, "occurred_at")?,
        recorded_at: column(row, position, "recorded_at")?,
        actor: actor.parse().map_err(corrupt)?,
        correlation_id: column(row, position, "correlation_id")?,
        causation_id: column(row, position, "causation_id")?,
        payload: serde_json::from_str(&payload_text).map_err(|error| corrupt(format!("payload: {error}")))?,
        prev_hash: column(row, position, "prev_hash")?,
        hash: column(row, position, "hash")?,
    })
}

/// A row of [`SELECT_EVENTS`] as stored, for the relay's whole-log reads; columns by index
/// (in the order `SELECT_EVENTS` names them), which spares a name lookup per column and row.
fn stored_from_row(row: &PgRow) -> StoreResult<StoredEvent> {
    let position = row.try_get::<i64, _>(0)? as u64;
    Ok(StoredEvent {
        global_position: position,
        id: column(row, position, 1)?,
        tenant_id: column(row, position, 2)?,
        stream_id: column(row, position, 3)?,
        stream_version: column::<i64>(row, position, 4)? as u64,
        event_type: column(row, position, 5)?,
        schema_version: column::<i32>(row, position, 6)? as u32,
        occurred_at: column(row, position, 7)?,
        recorded_at: column(row, position, 8)?,
        actor: column(row, position, 9)?,
        correlation_id: column(row, position, 10)?,
        causation_id: column(row, position, 11)?,
        payload_json: column(row, position, 12)?,
        prev_hash: column(row, position, 13)?,
        hash: column(row, position, 14)?,
    })
}

fn envelopes_from_rows(rows: Vec<PgRow>) -> StoreResult<Vec<EventEnvelope>> {
    rows.iter().map(envelope_from_row).collect()
}

fn select_events(tail: &str) -> String {
    format!("{SELECT_EVENTS} {tail}")
}

#[async_trait]
impl EventStore for PostgresEventStore {
    async fn append(&self, request: AppendRequest) -> StoreResult<AppendOutcome> {
        self.writer.append(request).await
    }

    async fn read_stream(
        &self,
        tenant_id: Uuid,
        stream_id: &StreamId,
        direction: Direction,
        from_version: u64,
        limit: usize,
    ) -> StoreResult<Vec<EventEnvelope>> {
        let sql = match direction {
            Direction::Forwards => select_events(
                "WHERE tenant_id = $1 AND stream_id = $2 AND stream_version >= $3 ORDER BY stream_version ASC LIMIT $4",
            ),
            Direction::Backwards => select_events(
                "WHERE tenant_id = $1 AND stream_id = $2 AND stream_version <= $3 \
                 ORDER BY stream_version DESC LIMIT $4",
            ),
        };
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(tenant_id)
            .bind(stream_id.as_str())
            .bind(from_version.min(i64::MAX as u64) as i64)
            .bind(limit.min(i64::MAX as usize) as i64)
            .fetch_all(&self.pool)
            .await?;
        envelopes_from_rows(rows)
    }

    async fn read_all(&self, scope: Scope, after_position: u64, limit: usize) -> StoreResult<Vec<EventEnvelope>> {
        let after_position = after_position.min(i64::MAX as u64) as i64;
        let limit = limit.min(i64::MAX as usize) as i64;
        // Safe without a high-water mark: commit order is position order (see the module doc).
        let rows = match scope {
            Scope::Global => {
                sqlx::query(AssertSqlSafe(select_events(
                    "WHERE global_position > $1 ORDER BY global_position LIMIT $2",
                )))
                .bind(after_position)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
            Scope::Tenant(tenant_id) => {
                sqlx::query(AssertSqlSafe(select_events(
                    "WHERE tenant_id = $1 AND global_position > $2 ORDER BY global_position LIMIT $3",
                )))
                .bind(tenant_id)
                .bind(after_position)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
        };
        envelopes_from_rows(rows)
    }

    async fn read_all_stored(&self, after_position: u64, limit: usize) -> StoreResult<Vec<StoredEvent>> {
        let rows =
            sqlx::query(AssertSqlSafe(select_events("WHERE global_position > $1 ORDER BY global_position LIMIT $2")))
                .bind(after_position.min(i64::MAX as u64) as i64)
                .bind(limit.min(i64::MAX as usize) as i64)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(stored_from_row).collect()
    }

    async fn read_filtered(
        &self,
        tenant_id: Uuid,
        filter: &LogFilter,
        after_position: u64,
        limit: usize,
    ) -> StoreResult<Vec<EventEnvelope>> {
        let mut query = QueryBuilder::<Postgres>::new(select_events("WHERE tenant_id = "));
        query.push_bind(tenant_id);
        query.push(" AND global_position > ").push_bind(after_position.min(i64::MAX as u64) as i64);
        if let Some(to_position) = filter.to_position {
            query.push(" AND global_position <= ").push_bind(to_position.min(i64::MAX as u64) as i64);
        }
        for (column, values) in
            [("event_type", &filter.event_types), ("stream_id", &filter.stream_ids), ("actor", &filter.actors)]
        {
            if !values.is_empty() {
                query.push(format_args!(" AND {column} = ANY(")).push_bind(values.clone()).push(")");
            }
        }
        if let Some(from_time) = filter.from_time {
            query.push(" AND recorded_at >= ").push_bind(from_time);
        }
        if let Some(to_time) = filter.to_time {
            query.push(" AND recorded_at <= ").push_bind(to_time);
        }
        query.push(" ORDER BY global_position LIMIT ").push_bind(limit.min(i64::MAX as usize) as i64);
        let rows = query.build().fetch_all(&self.pool).await?;
        envelopes_from_rows(rows)
    }

    async fn stream_version(&self, tenant_id: Uuid, stream_id: &StreamId) -> StoreResult<u64> {
        stream_version_of(&self.pool, tenant_id, stream_id).await
    }

    async fn command_outcome(&self, tenant_id: Uuid, command_id: Uuid) -> StoreResult<Option<AppendOutcome>> {
        find_command(&self.pool, tenant_id, command_id).await
    }

    async fn tenants(&self) -> StoreResult<Vec<Uuid>> {
        // A tenant gets its head row with its first event, in the same transaction.
        Ok(sqlx::query_scalar("SELECT tenant_id FROM tenant_heads ORDER BY tenant_id").fetch_all(&self.pool).await?)
    }

    fn head(&self) -> watch::Receiver<u64> {
        self.head.clone()
    }

    async fn head_position(&self) -> StoreResult<u64> {
        // The row only changes inside append transactions, so a committed value means every
        // position up to it is committed and readable.
        read_head(&self.pool).await
    }
}
