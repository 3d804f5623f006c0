//! The baselines: the same rows the store wrote, written as a naive store would, with plain
//! per-row `INSERT` statements into a table of the same shape (same columns, keys and
//! indexes), with the same durability settings.

use std::path::Path;

use hotline_domain::EventEnvelope;
use hotline_infra::chain::payload_text;
use hotline_infra::store::sqlite::connect_options;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::SqlitePoolOptions;
use sqlx::{
    Connection, PgConnection, PgExecutor, PgPool, QueryBuilder, Sqlite, SqliteConnection, SqliteExecutor, SqlitePool,
};

/// The event store's own SQLite schema, so the baseline table is the store's table.
const SQLITE_SCHEMA: &str = include_str!("../../infra/migrations/sqlite/0001_event_store.sql");
const SQLITE_INSERT_EVENT: &str = include_str!("sql/sqlite_insert_event.sql");
/// The head of a multi-row insert into the store's `events`; `VALUES` follow.
const SQLITE_INSERT_EVENTS_HEAD: &str = "INSERT INTO events (global_position, event_id, tenant_id, stream_id, \
     stream_version, event_type, schema_version, occurred_at, recorded_at, actor, correlation_id, causation_id, payload, \
     prev_hash, hash) ";
const SQLITE_CREATE_CUSTOMERS: &str = include_str!("sql/sqlite_create_customers.sql");
const SQLITE_INSERT_CUSTOMER: &str = include_str!("sql/sqlite_insert_customer.sql");
const POSTGRES_CREATE_BASELINE: &str = include_str!("sql/postgres_create_baseline.sql");
const POSTGRES_INSERT_EVENT: &str = include_str!("sql/postgres_insert_event.sql");

/// One stored event with the exact payload text the store keeps, ready to insert.
pub(crate) struct Row {
    pub envelope: EventEnvelope,
    pub payload_text: String,
}

impl From<EventEnvelope> for Row {
    fn from(envelope: EventEnvelope) -> Self {
        let payload_text = payload_text(&envelope.payload);
        Self { envelope, payload_text }
    }
}

/// A pool of `connections` to a fresh SQLite file with the store's schema and the store's
/// connection settings (WAL, `synchronous = FULL`, busy timeout).
pub(crate) async fn sqlite_pool(path: &Path, connections: u32) -> anyhow::Result<SqlitePool> {
    let pool = SqlitePoolOptions::new().max_connections(connections).connect_with(connect_options(path)).await?;
    sqlx::raw_sql(SQLITE_SCHEMA).execute(&pool).await?;
    Ok(pool)
}

/// One connection to a fresh SQLite file, as [`sqlite_pool`].
pub(crate) async fn sqlite_connection(path: &Path) -> anyhow::Result<SqliteConnection> {
    let mut connection = SqliteConnection::connect_with(&connect_options(path)).await?;
    sqlx::raw_sql(SQLITE_SCHEMA).execute(&mut connection).await?;
    Ok(connection)
}

/// One `INSERT`; run on a pool it is its own (durable) transaction.
pub(crate) async fn sqlite_insert<'executor>(
    executor: impl SqliteExecutor<'executor>,
    row: &Row,
) -> anyhow::Result<()> {
    let envelope = &row.envelope;
    sqlx::query(SQLITE_INSERT_EVENT)
        .bind(envelope.global_position as i64)
        .bind(envelope.id.to_string())
        .bind(envelope.tenant_id.to_string())
        .bind(envelope.stream_id.as_str())
        .bind(envelope.stream_version as i64)
        .bind(envelope.event_type.as_str())
        .bind(envelope.schema_version as i64)
        .bind(envelope.occurred_at.timestamp_micros())
        .bind(envelope.recorded_at.timestamp_micros())
        .bind(envelope.actor.to_string())
        .bind(envelope.correlation_id.to_string())
        .bind(envelope.causation_id.to_string())
        .bind(row.payload_text.as_str())
        .bind(envelope.prev_hash.as_str())
        .bind(envelope.hash.as_str())
        .execute(executor)
        .await?;
    Ok(())
}

/// `rows` as one transaction of per-row `INSERT`s.
pub(crate) async fn sqlite_insert_transaction(connection: &mut SqliteConnection, rows: &[Row]) -> anyhow::Result<()> {
    let mut transaction = connection.begin_with("BEGIN IMMEDIATE").await?;
    for row in rows {
        sqlite_insert(&mut *transaction, row).await?;
    }
    transaction.commit().await?;
    Ok(())
}

/// `rows` as one transaction of multi-row `INSERT`s of `rows_per_statement` rows each: the
/// statement shape the SQLite store itself uses, without its checks and hashing.
pub(crate) async fn sqlite_insert_multi_row_transaction(
    connection: &mut SqliteConnection,
    rows: &[Row],
    rows_per_statement: usize,
) -> anyhow::Result<()> {
    let mut transaction = connection.begin_with("BEGIN IMMEDIATE").await?;
    for chunk in rows.chunks(rows_per_statement) {
        let mut insert = QueryBuilder::<Sqlite>::new(SQLITE_INSERT_EVENTS_HEAD);
        insert.push_values(chunk, |mut values, row| {
            let envelope = &row.envelope;
            values
                .push_bind(envelope.global_position as i64)
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
                .push_bind(row.payload_text.clone())
                .push_bind(envelope.prev_hash.clone())
                .push_bind(envelope.hash.clone());
        });
        insert.build().execute(&mut *transaction).await?;
    }
    transaction.commit().await?;
    Ok(())
}

/// One customer as a naive store keeps it: the profile's values as JSON text.
pub(crate) struct CustomerRow {
    pub customer_id: String,
    pub tenant_id: String,
    pub profile: String,
}

/// One connection to a fresh SQLite file with a plain `customers` table, with the store's
/// connection settings (WAL, `synchronous = FULL`, busy timeout).
pub(crate) async fn sqlite_customers_connection(path: &Path) -> anyhow::Result<SqliteConnection> {
    let mut connection = SqliteConnection::connect_with(&connect_options(path)).await?;
    sqlx::raw_sql(SQLITE_CREATE_CUSTOMERS).execute(&mut connection).await?;
    Ok(connection)
}

/// `rows` as one transaction of prepared per-row `INSERT`s into `customers`.
pub(crate) async fn sqlite_insert_customers_transaction(
    connection: &mut SqliteConnection,
    rows: &[CustomerRow],
) -> anyhow::Result<()> {
    let mut transaction = connection.begin_with("BEGIN IMMEDIATE").await?;
    for row in rows {
        sqlx::query(SQLITE_INSERT_CUSTOMER)
            .bind(row.customer_id.as_str())
            .bind(row.tenant_id.as_str())
            .bind(row.profile.as_str())
            .execute(&mut *transaction)
            .await?;
    }
    transaction.commit().await?;
    Ok(())
}

/// Creates `baseline_events` (shaped like the store's `events`) in the store's database, and
/// returns a pool of `connections` to it.
pub(crate) async fn postgres_pool(url: &str, connections: u32) -> anyhow::Result<PgPool> {
    let pool = PgPoolOptions::new().max_connections(connections).connect(url).await?;
    sqlx::raw_sql(POSTGRES_CREATE_BASELINE).execute(&pool).await?;
    Ok(pool)
}

/// One `INSERT`; run on a pool it is its own (durable: `synchronous_commit = on`) transaction.
pub(crate) async fn postgres_insert<'executor>(executor: impl PgExecutor<'executor>, row: &Row) -> anyhow::Result<()> {
    let envelope = &row.envelope;
    sqlx::query(POSTGRES_INSERT_EVENT)
        .bind(envelope.global_position as i64)
        .bind(envelope.id)
        .bind(envelope.tenant_id)
        .bind(envelope.stream_id.as_str())
        .bind(envelope.stream_version as i64)
        .bind(envelope.event_type.as_str())
        .bind(envelope.schema_version as i32)
        .bind(envelope.occurred_at)
        .bind(envelope.recorded_at)
        .bind(envelope.actor.to_string())
        .bind(envelope.correlation_id)
        .bind(envelope.causation_id)
        .bind(row.payload_text.as_str())
        .bind(envelope.prev_hash.as_str())
        .bind(envelope.hash.as_str())
        .execute(executor)
        .await?;
    Ok(())
}

/// `rows` as one transaction of per-row `INSERT`s.
pub(crate) async fn postgres_insert_transaction(connection: &mut PgConnection, rows: &[Row]) -> anyhow::Result<()> {
    let mut transaction = connection.begin().await?;
    for row in rows {
        postgres_insert(&mut *transaction, row).await?;
    }
    transaction.commit().await?;
    Ok(())
}
