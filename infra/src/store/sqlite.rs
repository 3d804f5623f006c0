//! The embedded event store: one SQLite file in WAL mode.
//!
//! One writer task owns the only write connection. It takes every append that is queued
//! when it becomes free into one `BEGIN IMMEDIATE` transaction, so concurrent commands share
//! one fsync (group commit, `synchronous = FULL`: an acknowledged append survives a crash).
//! Because there is one writer, commit order is position order and positions have no gaps.
//! Reads go through a separate pool; WAL lets them run beside the writer.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::DateTime;
use hotline_domain::{EventEnvelope, StreamId};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Connection, QueryBuilder, Row, SqlSafeStr, Sqlite, SqliteConnection};
use tokio::sync::watch;
use uuid::Uuid;

use super::batch::{
    AppendTransaction, BatchWriter, CommandRecord, SealedEvent, WriterQueue, append_in_transaction, run_writer,
};
use super::{
    AppendOutcome, AppendRequest, Direction, EventStore, LogFilter, Scope, StoreError, StoreResult, StoredEvent,
};
use crate::chain::GENESIS_HASH;

const COLUMNS: &str = "global_position, event_id, tenant_id, stream_id, stream_version, event_type, schema_version, \
     occurred_at, recorded_at, actor, correlation_id, causation_id, payload, prev_hash, hash";

/// Rows per INSERT statement: 15 columns each, well under SQLite's 32,766 bound parameters.
const ROWS_PER_INSERT: usize = 500;

pub struct SqliteEventStore {
    readers: SqlitePool,
    writer: WriterQueue,
    head: watch::Receiver<u64>,
}

fn migrator() -> Migrator {
    Migrator::with_migrations(vec![
        Migration::new(
            1,
            Cow::Borrowed("event store"),
            MigrationType::Simple,
            AssertSqlSafe(include_str!("../../migrations/sqlite/0001_event_store.sql")).into_sql_str(),
            false,
        ),
        Migration::new(
            2,
            Cow::Borrowed("log filter indexes"),
            MigrationType::Simple,
            AssertSqlSafe(include_str!("../../migrations/sqlite/0002_log_filter_indexes.sql")).into_sql_str(),
            false,
        ),
    ])
}

/// The connection settings every connection to the events file uses.
pub fn connect_options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true)
}

impl SqliteEventStore {
    /// Opens (creating if needed) the event store in the SQLite file at `path`, applies its
    /// migrations and starts the writer task.
    pub async fn open(path: &Path) -> StoreResult<Self> {
        let options = connect_options(path);
        let mut writer_connection = SqliteConnection::connect_with(&options).await?;
        migrator().run(&mut writer_connection).await?;
        let readers = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
        let last_position: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(global_position), 0) FROM events").fetch_one(&readers).await?;
        let (head_sender, head) = watch::channel(last_position as u64);
        let (writer, jobs) = WriterQueue::new();
        tokio::spawn(run_writer(SqliteWriter(writer_connection), jobs, Arc::new(head_sender)));
        Ok(Self { readers, writer, head })
    }

    /// The read pool, for the secret store and tools that share the file.
    pub fn pool(&self) -> &SqlitePool {
        &self.readers
    }
}

/// The writer task's connection: the only one that writes.
struct SqliteWriter(SqliteConnection);

/// A batch's transaction on the writer connection.
struct SqliteAppend<'c>(&'c mut SqliteConnection);

#[async_trait]
impl BatchWriter for SqliteWriter {
    async fn write_batch(&mut self, requests: &[&AppendRequest]) -> StoreResult<Vec<StoreResult<AppendOutcome>>> {
        let mut transaction = self.0.begin_with("BEGIN IMMEDIATE").await?;
        let last_position: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(global_position), 0) FROM events")
            .fetch_one(&mut *transaction)
            .await?;
        let written =
            append_in_transaction(&mut SqliteAppend(&mut transaction), requests, last_position as u64).await?;
        transaction.commit().await?;
        Ok(written.results)
    }
}

/// Keys per statement when a batch looks many up at once: 2 parameters each, far below
/// SQLite's limit of bound parameters.
const KEYS_PER_LOOKUP: usize = 500;

#[async_trait]
impl AppendTransaction for SqliteAppend<'_> {
    async fn command_outcomes(&mut self, keys: &[(Uuid, Uuid)]) -> StoreResult<HashMap<(Uuid, Uuid), AppendOutcome>> {
        let mut found = HashMap::new();
        for chunk in keys.chunks(KEYS_PER_LOOKUP) {
            let mut lookup = QueryBuilder::<Sqlite>::new("WITH wanted(tenant_id, command_id) AS (");
            lookup.push_values(chunk, |mut row, (tenant_id, command_id)| {
                row.push_bind(tenant_id.to_string()).push_bind(command_id.to_string());
            });
            lookup.push(
                ") SELECT c.tenant_id, c.command_id, c.stream_version, c.first_position, c.last_position \
                 FROM commands c JOIN wanted w ON c.tenant_id = w.tenant_id AND c.command_id = w.command_id",
            );
            for row in lookup.build().fetch_all(&mut *self.0).await? {
                let key = (parse_uuid_column(&row, "tenant_id")?, parse_uuid_column(&row, "command_id")?);
                found.insert(key, command_outcome_from_row(&row));
            }
        }
        Ok(found)
    }

    async fn stream_versions(&mut self, keys: &[(Uuid, StreamId)]) -> StoreResult<HashMap<(Uuid, StreamId), u64>> {
        let mut found = HashMap::new();
        for chunk in keys.chunks(KEYS_PER_LOOKUP) {
            let mut lookup = QueryBuilder::<Sqlite>::new("WITH wanted(tenant_id, stream_id) AS (");
            lookup.push_values(chunk, |mut row, (tenant_id, stream_id)| {
                row.push_bind(tenant_id.to_string()).push_bind(stream_id.as_str().to_owned());
            });
            // A correlated MAX per stream is one index seek on (tenant_id, stream_id, stream_version).
            lookup.push(
                ") SELECT w.tenant_id, w.stream_id, (SELECT MAX(e.stream_version) FROM events e \
                 WHERE e.tenant_id = w.tenant_id AND e.stream_id = w.stream_id) AS version FROM wanted w",
            );
            for row in lookup.build().fetch_all(&mut *self.0).await? {
                let Some(version) = row.get::<Option<i64>, _>("version") else { continue };
                let stream_id: &str = row.get("stream_id");
                let stream_id = StreamId::from_str(stream_id)
                    .map_err(|error| StoreError::Corrupt { position: 0, reason: error.to_string() })?;
                found.insert((parse_uuid_column(&row, "tenant_id")?, stream_id), version as u64);
            }
        }
        Ok(found)
    }

    async fn tenant_head(&mut self, tenant_id: Uuid) -> StoreResult<String> {
        tenant_head(self.0, tenant_id).await
    }

    async fn insert_events(&mut self, sealed: &[SealedEvent]) -> StoreResult<()> {
        insert_events(self.0, sealed).await
    }

    async fn record_commands(&mut self, records: &[CommandRecord]) -> StoreResult<()> {
        for chunk in records.chunks(KEYS_PER_LOOKUP) {
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO commands (tenant_id, command_id, stream_id, stream_version, first_position, last_position) ",
            );
            insert.push_values(chunk, |mut row, record| {
                row.push_bind(record.tenant_id.to_string())
                    .push_bind(record.command_id.to_string())
                    .push_bind(record.stream_id.as_str().to_owned())
                    .push_bind(record.outcome.stream_version as i64)
                    .push_bind(record.outcome.positions.map(|(first, _)| first as i64))
                    .push_bind(record.outcome.positions.map(|(_, last)| last as i64));
            });
            insert.build().execute(&mut *self.0).await?;
        }
        Ok(())
    }
}

fn parse_uuid_column(row: &SqliteRow, column: &str) -> StoreResult<Uuid> {
    Uuid::parse_str(row.get::<&str, _>(column))
        .map_err(|error| StoreError::Corrupt { position: 0, reason: format!("{column}: {error}") })
}

async fn find_command(
    connection: &mut SqliteConnection,
    tenant_id: Uuid,
    command_id: Uuid,
) -> StoreResult<Option<AppendOutcome>> {
    let row = sqlx::query(
        "SELECT stream_version, first_position, last_position FROM commands WHERE tenant_id = ? AND command_id = ?",
    )
    .bind(tenant_id.to_string())
    .bind(command_id.to_string())
    .fetch_optional(&mut *connection)
    .await?;
    Ok(row.map(|row| command_outcome_from_row(&row)))
}

fn command_outcome_from_row(row: &SqliteRow) -> AppendOutcome {
    let first: Option<i64> = row.get("first_position");
    let last: Option<i64> = row.get("last_position");
    AppendOutcome {
        stream_version: row.get::<i64, _>("stream_version") as u64,
        positions: first.zip(last).map(|(first, last)| (first as u64, last as u64)),
        duplicate: true,
    }
}

async fn stream_version_of(
    connection: &mut SqliteConnection,
    tenant_id: Uuid,
    stream_id: &StreamId,
) -> StoreResult<u64> {
    let version: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(stream_version), 0) FROM events WHERE tenant_id = ? AND stream_id = ?")
            .bind(tenant_id.to_string())
            .bind(stream_id.as_str())
            .fetch_one(&mut *connection)
            .await?;
    Ok(version as u64)
}

async fn tenant_head(connection: &mut SqliteConnection, tenant_id: Uuid) -> StoreResult<String> {
    let hash: Option<String> =
        sqlx::query_scalar("SELECT hash FROM events WHERE tenant_id = ? ORDER BY global_position DESC LIMIT 1")
            .bind(tenant_id.to_string())
            .fetch_optional(&mut *connection)
            .await?;
    Ok(hash.unwrap_or_else(|| GENESIS_HASH.to_owned()))
}

async fn insert_events(connection: &mut SqliteConnection, sealed: &[SealedEvent]) -> StoreResult<()> {
    for chunk in sealed.chunks(ROWS_PER_INSERT) {
        let mut insert = QueryBuilder::<Sqlite>::new(format!("INSERT INTO events ({COLUMNS}) "));
        insert.push_values(chunk, |mut row, event| {
            let envelope = &event.envelope;
            row.push_bind(envelope.global_position as i64)
                .push_bind(envelope.id.to_string())
                .push_bind(envelope.tenant_id.to_string())
                .push_bind(envelope.stream_id.as_str().to_owned())
                .push_bind(envelope.stream_version as i64)
                .push_bind(envelope.event_type.clone())
                .push_bind(envelope.schema_version as i64)
                .push_bind(envelope.occurred_at.timestamp_micros())
                .push_bind(envelope.recorded_at.timestamp_micros())
                .push_bind(envelope.actor.to_string())
                .push_bind(envelope.correlation_id.to_string())
                .push_bind(envelope.causation_id.to_string())
                .push_bind(event.payload_text.clone())
                .push_bind(envelope.prev_hash.clone())
                .push_bind(envelope.hash.clone());
        });
        insert.build().execute(&mut *connection).await.map_err(|error| duplicate_event_or(error, chunk))?;
    }
    Ok(())
}

/// Names the event id when the insert broke the event id's uniqueness.
fn duplicate_event_or(error: sqlx::Error, chunk: &[SealedEvent]) -> StoreError {
    let is_event_id_clash = error
        .as_database_error()
        .map(|database_error| database_error.is_unique_violation() && database_error.message().contains("event_id"))
        .unwrap_or(false);
    match chunk.first() {
        Some(first) if is_event_id_clash => StoreError::DuplicateEventId(first.envelope.id),
        _ => StoreError::Database(error),
    }
}

fn envelope_from_row(row: &SqliteRow) -> StoreResult<EventEnvelope> {
    let position = row.get::<i64, _>("global_position") as u64;
    let corrupt = |reason: String| StoreError::Corrupt { position, reason };
    let uuid = |column: &str| {
        Uuid::parse_str(row.get::<&str, _>(column)).map_err(|error| corrupt(format!("{column}: {error}")))
    };
    let micros = |column: &str| {
        DateTime::from_timestamp_micros(row.get::<i64, _>(column))
            .ok_or_else(|| corrupt(format!("{column} out of range")))
    };
    let payload_text: &str = row.get("payload");
    Ok(EventEnvelope {
        id: uuid("event_id")?,
        event_type: row.get("event_type"),
        schema_version: row.get::<i64, _>("schema_version") as u32,
        tenant_id: uuid("tenant_id")?,
        stream_id: StreamId::from_str(row.get("stream_id")).map_err(|error| corrupt(error.to_string()))?,
        stream_version: row.get::<i64, _>("stream_version") as u64,
        global_position: position,
        occurred_at: micros("occurred_at")?,
        recorded_at: micros("recorded_at")?,
        actor: row.get::<&str, _>("actor").parse().map_err(corrupt)?,
        correlation_id: uuid("correlation_id")?,
        causation_id: uuid("causation_id")?,
        payload: serde_json::from_str(payload_text).map_err(|error| corrupt(format!("payload: {error}")))?,
        prev_hash: row.get("prev_hash"),
        hash: row.get("hash"),
    })
}

/// A row of [`COLUMNS`] as stored; columns by index, for the relay's whole-log reads.
fn stored_from_row(row: &SqliteRow) -> StoreResult<StoredEvent> {
    let position = row.get::<i64, _>(0) as u64;
    let corrupt = |reason: String| StoreError::Corrupt { position, reason };
    let uuid = |index: usize| Uuid::parse_str(row.get::<&str, _>(index)).map_err(|error| corrupt(error.to_string()));
    let micros = |index: usize| {
        DateTime::from_timestamp_micros(row.get::<i64, _>(index)).ok_or_else(|| corrupt("time out of range".into()))
    };
    Ok(StoredEvent {
        global_position: position,
        id: uuid(1)?,
        tenant_id: uuid(2)?,
        stream_id: row.get(3),
        stream_version: row.get::<i64, _>(4) as u64,
        event_type: row.get(5),
        schema_version: row.get::<i64, _>(6) as u32,
        occurred_at: micros(7)?,
        recorded_at: micros(8)?,
        actor: row.get(9),
        correlation_id: uuid(10)?,
        causation_id: uuid(11)?,
        payload_json: row.get(12),
        prev_hash: row.get(13),
        hash: row.get(14),
    })
}

fn envelopes_from_rows(rows: Vec<SqliteRow>) -> StoreResult<Vec<EventEnvelope>> {
    rows.iter().map(envelope_from_row).collect()
}

#[async_trait]
impl EventStore for SqliteEventStore {
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
                "WHERE tenant_id = ? AND stream_id = ? AND stream_version >= ? ORDER BY stream_version ASC LIMIT ?",
            ),
            Direction::Backwards => select_events(
                "WHERE tenant_id = ? AND stream_id = ? AND stream_version <= ? ORDER BY stream_version DESC LIMIT ?",
            ),
        };
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(tenant_id.to_string())
            .bind(stream_id.as_str())
            .bind(from_version.min(i64::MAX as u64) as i64)
            .bind(limit.min(i64::MAX as usize) as i64)
            .fetch_all(&self.readers)
            .await?;
        envelopes_from_rows(rows)
    }

    async fn read_all(&self, scope: Scope, after_position: u64, limit: usize) -> StoreResult<Vec<EventEnvelope>> {
        let after_position = after_position.min(i64::MAX as u64) as i64;
        let limit = limit.min(i64::MAX as usize) as i64;
        let rows = match scope {
            Scope::Global => {
                sqlx::query(AssertSqlSafe(select_events("WHERE global_position > ? ORDER BY global_position LIMIT ?")))
                    .bind(after_position)
                    .bind(limit)
                    .fetch_all(&self.readers)
                    .await?
            }
            Scope::Tenant(tenant_id) => {
                sqlx::query(AssertSqlSafe(select_events(
                    "WHERE tenant_id = ? AND global_position > ? ORDER BY global_position LIMIT ?",
                )))
                .bind(tenant_id.to_string())
                .bind(after_position)
                .bind(limit)
                .fetch_all(&self.readers)
                .await?
            }
        };
        envelopes_from_rows(rows)
    }

    async fn read_all_stored(&self, after_position: u64, limit: usize) -> StoreResult<Vec<StoredEvent>> {
        let rows =
            sqlx::query(AssertSqlSafe(select_events("WHERE global_position > ? ORDER BY global_position LIMIT ?")))
                .bind(after_position.min(i64::MAX as u64) as i64)
                .bind(limit.min(i64::MAX as usize) as i64)
                .fetch_all(&self.readers)
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
        // Without statistics SQLite prefers the index in position order (no sort) and scans the
        // tenant's log; a filter names the index that narrows it most: a stream's events are
        // few, a type or an actor next, then a time range. The matches are sorted by position.
        let index = if !filter.stream_ids.is_empty() {
            " INDEXED BY sqlite_autoindex_events_2" // UNIQUE (tenant_id, stream_id, stream_version)
        } else if !filter.event_types.is_empty() {
            " INDEXED BY events_by_tenant_type"
        } else if !filter.actors.is_empty() {
            " INDEXED BY events_by_tenant_actor"
        } else if filter.from_time.is_some() || filter.to_time.is_some() {
            " INDEXED BY events_by_tenant_recorded"
        } else {
            ""
        };
        let mut query = QueryBuilder::<Sqlite>::new(format!("SELECT {COLUMNS} FROM events{index} WHERE tenant_id = "));
        query.push_bind(tenant_id.to_string());
        query.push(" AND global_position > ").push_bind(after_position.min(i64::MAX as u64) as i64);
        if let Some(to_position) = filter.to_position {
            query.push(" AND global_position <= ").push_bind(to_position.min(i64::MAX as u64) as i64);
        }
        for (column, values) in
            [("event_type", &filter.event_types), ("stream_id", &filter.stream_ids), ("actor", &filter.actors)]
        {
            if values.is_empty() {
                continue;
            }
            query.push(format_args!(" AND {column} IN ("));
            let mut list = query.separated(", ");
            for value in values {
                list.push_bind(value.clone());
            }
            query.push(")");
        }
        if let Some(from_time) = filter.from_time {
            query.push(" AND recorded_at >= ").push_bind(from_time.timestamp_micros());
        }
        if let Some(to_time) = filter.to_time {
            query.push(" AND recorded_at <= ").push_bind(to_time.timestamp_micros());
        }
        query.push(" ORDER BY global_position LIMIT ").push_bind(limit.min(i64::MAX as usize) as i64);
        let rows = query.build().fetch_all(&self.readers).await?;
        envelopes_from_rows(rows)
    }

    async fn stream_version(&self, tenant_id: Uuid, stream_id: &StreamId) -> StoreResult<u64> {
        let mut connection = self.readers.acquire().await?;
        stream_version_of(&mut connection, tenant_id, stream_id).await
    }

    async fn command_outcome(&self, tenant_id: Uuid, command_id: Uuid) -> StoreResult<Option<AppendOutcome>> {
        let mut connection = self.readers.acquire().await?;
        find_command(&mut connection, tenant_id, command_id).await
    }

    async fn tenants(&self) -> StoreResult<Vec<Uuid>> {
        let ids: Vec<String> = sqlx::query_scalar("SELECT DISTINCT tenant_id FROM events ORDER BY tenant_id")
            .fetch_all(&self.readers)
            .await?;
        ids.iter()
            .map(|id| {
                Uuid::parse_str(id).map_err(|error| StoreError::Corrupt { position: 0, reason: error.to_string() })
            })
            .collect()
    }

    fn head(&self) -> watch::Receiver<u64> {
        self.head.clone()
    }

    async fn head_position(&self) -> StoreResult<u64> {
        let position: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(global_position), 0) FROM events").fetch_one(&self.readers).await?;
        Ok(position as u64)
    }
}

fn select_events(tail: &str) -> String {
    format!("SELECT {COLUMNS} FROM events {tail}")
}
