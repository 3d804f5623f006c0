//! The distributed mode's projector: every projection fed from Kafka by one consumer group.
//!
//! Each projector node joins the consumer group (default `hotline.projections`) on the
//! relay's topic; Kafka shares the partitions among the nodes and, when a node dies, gives
//! its partitions to the others. A partition holds whole tenants in log order, so the
//! projections see each tenant's events in order, which is all they need (their rows are
//! per tenant).
//!
//! Neither loss nor double application:
//! - **No double apply.** Each projection keeps, per tenant, the position of the last event
//!   it applied and how many it applied (`projection_tenant_marks`), written in the same
//!   transaction as its rows. An
//!   event at or below its tenant's mark is skipped: a redelivery after a rebalance, a crash
//!   before the offsets were committed, or the relay publishing again after its own crash
//!   all land here. A rebuild raises a floor (the `*` row) to the position it replayed to.
//! - **No loss.** Offsets are stored only after every projection has committed the batch;
//!   a failing batch drops the consumer, which rejoins from the last committed offsets.
//!
//! Status and read-your-writes on other nodes read the same tables
//! ([`crate::ProjectionRunner::follow_distributed`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;
use futures::future::BoxFuture;
use hotline_domain::EventEnvelope;
use hotline_infra::kafka::{self, KafkaSettings};
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::{Offset, TopicPartitionList};
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Row};
use tokio::sync::watch;
use uuid::Uuid;

use crate::runner::{BATCH_SIZE, Projection, ProjectionError, ProjectionResult, begin_write, prepare_read_models};

/// The consumer group projector nodes join unless told otherwise.
pub const DEFAULT_GROUP: &str = "hotline.projections";

/// The mark row that holds a projection's floor (everything at or below it is applied).
const FLOOR: &str = "*";

/// Partitions this process's projector owns right now (one projector per process).
static ASSIGNED_PARTITIONS: AtomicUsize = AtomicUsize::new(0);

const ASSIGNMENT_REFRESH: Duration = Duration::from_millis(500);

/// The partitions this process's projector owns, as a Prometheus gauge (for `/metrics`).
pub fn prometheus_text() -> String {
    format!(
        "# HELP hotline_kafka_assigned_partitions Partitions of the event topic this node's projector owns.\n\
         # TYPE hotline_kafka_assigned_partitions gauge\n\
         hotline_kafka_assigned_partitions {}\n",
        ASSIGNED_PARTITIONS.load(Ordering::Relaxed)
    )
}

const FIRST_RETRY_DELAY: Duration = Duration::from_millis(200);
const LAST_RETRY_DELAY: Duration = Duration::from_secs(10);

/// Creates the per-tenant marks table if it does not exist.
pub(crate) async fn ensure_marks_table(connection: &mut AnyConnection) -> Result<(), sqlx::Error> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS projection_tenant_marks (\
         name TEXT NOT NULL, tenant_id TEXT NOT NULL, position BIGINT NOT NULL, \
         events BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (name, tenant_id))",
    )
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// Sets a projection's floor to `position` (never lowers it), inside the caller's transaction.
pub(crate) async fn raise_floor(connection: &mut AnyConnection, name: &str, position: u64) -> Result<(), sqlx::Error> {
    upsert_marks(connection, &[(name, FLOOR.to_owned(), position, 0)]).await
}

/// How many projections have applied the tenant's events up to `position`.
pub(crate) async fn marks_reached(pool: &AnyPool, tenant_id: Uuid, position: u64) -> Result<usize, sqlx::Error> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT name) FROM projection_tenant_marks \
         WHERE (tenant_id = $1 OR tenant_id = $2) AND position >= $3",
    )
    .bind(tenant_id.to_string())
    .bind(FLOOR)
    .bind(to_i64(position))
    .fetch_one(pool)
    .await?;
    Ok(usize::try_from(count).unwrap_or(0))
}

fn to_i64(position: u64) -> i64 {
    i64::try_from(position).expect("global positions stay below i64::MAX")
}

/// Starts the projector in the background; it runs until `shutdown` turns true.
pub fn start(
    settings: KafkaSettings,
    group: String,
    pool: AnyPool,
    projections: Vec<Arc<dyn Projection>>,
    shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let projector = Projector { settings, group, pool, projections, shutdown };
        projector.run().await;
    })
}

struct Projector {
    settings: KafkaSettings,
    group: String,
    pool: AnyPool,
    projections: Vec<Arc<dyn Projection>>,
    shutdown: watch::Receiver<bool>,
}

#[derive(Debug, thiserror::Error)]
enum ProjectorError {
    #[error("Kafka: {0}")]
    Kafka(#[from] rdkafka::error::KafkaError),
    #[error("projection: {0}")]
    Projection(#[from] ProjectionError),
    #[error("read-model database: {0}")]
    Database(#[from] sqlx::Error),
}

impl Projector {
    async fn run(mut self) {
        let mut retry_delay = FIRST_RETRY_DELAY;
        loop {
            if *self.shutdown.borrow_and_update() {
                return;
            }
            match self.consume().await {
                Ok(()) => return,
                Err(error) => {
                    tracing::warn!(%error, retry_in_ms = retry_delay.as_millis() as u64, "kafka projector stopped; rejoining from the committed offsets");
                }
            }
            tokio::select! {
                () = tokio::time::sleep(retry_delay) => {}
                _ = self.shutdown.changed() => return,
            }
            retry_delay = (retry_delay * 2).min(LAST_RETRY_DELAY);
        }
    }

    /// Consumes until shutdown (Ok) or an error.
    async fn consume(&mut self) -> Result<(), ProjectorError> {
        prepare_read_models(&self.pool, &self.projections).await?;
        kafka::ensure_topic(&self.settings).await?;
        let consumer: StreamConsumer = self.settings.consumer_config(&self.group).create()?;
        consumer.subscribe(&[&self.settings.topic])?;
        let outcome = self.consume_with(&consumer).await;
        // Leaving the group at once hands the partitions over without waiting for the
        // session to time out; stored offsets are committed on the way out.
        consumer.unsubscribe();
        ASSIGNED_PARTITIONS.store(0, Ordering::Relaxed);
        outcome
    }

    /// Applies batches one after the other, in order, and stores each batch's offsets once it
    /// committed. While a batch is being applied (the database's work), the next one is
    /// fetched and decoded (this task's work), so the two overlap.
    async fn consume_with(&mut self, consumer: &StreamConsumer) -> Result<(), ProjectorError> {
        let mut batches = consumer.stream().ready_chunks(BATCH_SIZE);
        let mut assignment_tick = tokio::time::interval(ASSIGNMENT_REFRESH);
        let mut applying: Option<BoxFuture<'static, Result<TopicPartitionList, ProjectorError>>> = None;
        let mut next: Option<(Vec<EventEnvelope>, TopicPartitionList)> = None;
        loop {
            if applying.is_none()
                && let Some((events, offsets)) = next.take()
            {
                let (pool, projections) = (self.pool.clone(), self.projections.clone());
                applying = Some(Box::pin(async move {
                    let mut connection = pool.acquire().await?;
                    apply_batch(&mut connection, &projections, events).await?;
                    Ok(offsets)
                }));
            }
            tokio::select! {
                biased;
                _ = self.shutdown.changed() => {
                    // What is being applied commits and counts, so a clean stop redelivers nothing.
                    if let Some(applying) = applying.take() {
                        store_owned_offsets(consumer, &applying.await?)?;
                    }
                    return Ok(());
                }
                offsets = async { applying.as_mut().expect("guarded").await }, if applying.is_some() => {
                    applying = None;
                    store_owned_offsets(consumer, &offsets?)?;
                }
                _ = assignment_tick.tick() => {
                    ASSIGNED_PARTITIONS.store(consumer.assignment()?.count(), Ordering::Relaxed);
                }
                chunk = batches.next(), if next.is_none() => {
                    let Some(chunk) = chunk else { return Ok(()) };
                    let mut messages = Vec::with_capacity(chunk.len());
                    for message in chunk {
                        messages.push(message?);
                    }
                    next = Some((decode_all(&messages), next_offsets(&messages)?));
                }
            }
        }
    }
}

/// Stores the offsets of the partitions this consumer still owns: a rebalance may have taken
/// some away while their batch was being applied, and their new owner skips what was applied
/// here by the marks.
fn store_owned_offsets(
    consumer: &StreamConsumer,
    offsets: &TopicPartitionList,
) -> Result<(), rdkafka::error::KafkaError> {
    let owned = consumer.assignment()?;
    let mut still_owned = TopicPartitionList::with_capacity(offsets.count());
    for element in offsets.elements() {
        if owned.find_partition(element.topic(), element.partition()).is_some() {
            still_owned.add_partition_offset(element.topic(), element.partition(), element.offset())?;
        }
    }
    if still_owned.count() > 0 {
        consumer.store_offsets(&still_owned)?;
    }
    Ok(())
}

/// The batch's events; a message that is not one of ours is logged and left out (it would
/// otherwise stop every projection forever).
fn decode_all(messages: &[BorrowedMessage<'_>]) -> Vec<EventEnvelope> {
    messages
        .iter()
        .filter_map(|message| match kafka::decode(message) {
            Ok(envelope) => Some(envelope),
            Err(error) => {
                tracing::error!(partition = message.partition(), offset = message.offset(), %error, "skipping a message that is not a Hotline event");
                None
            }
        })
        .collect()
}

/// The offsets to store: one past the last message of each partition in the batch.
fn next_offsets(messages: &[BorrowedMessage<'_>]) -> Result<TopicPartitionList, rdkafka::error::KafkaError> {
    let mut last: HashMap<(&str, i32), i64> = HashMap::new();
    for message in messages {
        let offset = last.entry((message.topic(), message.partition())).or_insert(message.offset());
        *offset = (*offset).max(message.offset());
    }
    let mut list = TopicPartitionList::with_capacity(last.len());
    for ((topic, partition), offset) in last {
        list.add_partition_offset(topic, partition, Offset::Offset(offset + 1))?;
    }
    Ok(list)
}

/// Applies the batch to every projection, each only the events it has not applied yet (by
/// its per-tenant marks), and moves their marks and checkpoints: one transaction for all, and
/// a fixed number of statements for the marks (one read, one multi-row upsert), so a batch
/// costs about the same however many projections and tenants it touches.
pub(crate) async fn apply_batch(
    connection: &mut AnyConnection,
    projections: &[Arc<dyn Projection>],
    mut events: Vec<EventEnvelope>,
) -> ProjectionResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    // Projections expect positions in ascending order; a batch from several partitions is
    // only ordered per tenant.
    events.sort_by_key(|event| event.global_position);
    let mut tenants: Vec<Uuid> = events.iter().map(|event| event.tenant_id).collect();
    tenants.sort_unstable();
    tenants.dedup();
    let mut transaction = begin_write(connection).await?;
    let names: Vec<&'static str> = projections.iter().map(|projection| projection.name()).collect();
    let marks = read_marks(&mut transaction, &names, &tenants).await?;
    let mut moved_marks = Vec::new();
    let mut checkpoints: Vec<(u64, &'static str)> = Vec::new();
    for projection in projections {
        let name = projection.name();
        let floor = marks.get(&(name, FLOOR.to_owned())).copied().unwrap_or(0);
        // Per tenant: the last position applied (read, then moved) and how many events now.
        let mut applied: HashMap<Uuid, (u64, u64)> = HashMap::with_capacity(tenants.len());
        for tenant_id in &tenants {
            let mark = marks.get(&(name, tenant_id.to_string())).copied().unwrap_or(0).max(floor);
            applied.insert(*tenant_id, (mark, 0));
        }
        let is_fresh = |event: &EventEnvelope, applied: &mut HashMap<Uuid, (u64, u64)>| {
            let (mark, count) = applied.get_mut(&event.tenant_id).expect("every tenant's mark was read");
            let fresh = event.global_position > *mark;
            if fresh {
                *mark = event.global_position;
                *count += 1;
            }
            fresh
        };
        let fresh: Vec<bool> = events.iter().map(|event| is_fresh(event, &mut applied)).collect();
        let fresh_count = fresh.iter().filter(|fresh| **fresh).count();
        if fresh_count == 0 {
            continue;
        }
        if fresh_count == events.len() {
            // The usual case: nothing redelivered, so the batch goes as it is, uncopied.
            projection.apply(&mut transaction, "", &events).await?;
        } else {
            let only_fresh: Vec<EventEnvelope> =
                events.iter().zip(&fresh).filter(|(_, fresh)| **fresh).map(|(event, _)| event.clone()).collect();
            projection.apply(&mut transaction, "", &only_fresh).await?;
        }
        let highest = events.iter().zip(&fresh).rev().find(|(_, fresh)| **fresh).expect("one is fresh").0;
        checkpoints.push((highest.global_position, name));
        moved_marks.extend(
            applied
                .into_iter()
                .filter(|(_, (_, count))| *count > 0)
                .map(|(tenant_id, (position, count))| (name, tenant_id.to_string(), position, count)),
        );
    }
    upsert_marks(&mut transaction, &moved_marks).await?;
    move_checkpoints(&mut transaction, checkpoints).await?;
    transaction.commit().await?;
    Ok(())
}

/// The marks of these projections for these tenants and their floors, by (projection, tenant).
async fn read_marks(
    connection: &mut AnyConnection,
    names: &[&'static str],
    tenants: &[Uuid],
) -> ProjectionResult<HashMap<(&'static str, String), u64>> {
    let mut marks = HashMap::with_capacity(names.len() * (tenants.len() + 1));
    for tenants in tenants.chunks(MARK_TENANTS_PER_STATEMENT) {
        // `name IN (..) AND tenant_id IN (..)` walks the primary key, both on SQLite and PostgreSQL.
        let names_list = placeholders(1, names.len());
        let tenants_list = placeholders(names.len() + 1, tenants.len() + 1);
        let statement = format!(
            "SELECT name, tenant_id, position FROM projection_tenant_marks              WHERE name IN ({names_list}) AND tenant_id IN ({tenants_list})"
        );
        let mut query = sqlx::query(AssertSqlSafe(statement));
        for name in names {
            query = query.bind(*name);
        }
        query = query.bind(FLOOR);
        for tenant_id in tenants {
            query = query.bind(tenant_id.to_string());
        }
        for row in query.fetch_all(&mut *connection).await? {
            let name: String = row.try_get("name")?;
            let tenant: String = row.try_get("tenant_id")?;
            let position: i64 = row.try_get("position")?;
            let position = u64::try_from(position)
                .map_err(|_| ProjectionError::CorruptRow(format!("mark of {name} for {tenant} is {position}")))?;
            if let Some(name) = names.iter().find(|known| **known == name) {
                marks.insert((*name, tenant), position);
            }
        }
    }
    Ok(marks)
}

/// Tenants per marks statement: far below both databases' limits on bound parameters.
const MARK_TENANTS_PER_STATEMENT: usize = 1_000;
/// Mark rows per upsert statement (four parameters each).
const MARK_ROWS_PER_STATEMENT: usize = 500;

/// Moves marks up and counts the events applied under them, many rows per statement.
async fn upsert_marks(connection: &mut AnyConnection, marks: &[(&str, String, u64, u64)]) -> Result<(), sqlx::Error> {
    for chunk in marks.chunks(MARK_ROWS_PER_STATEMENT) {
        let values =
            (0..chunk.len()).map(|row| format!("({})", placeholders(row * 4 + 1, 4))).collect::<Vec<_>>().join(", ");
        let statement = format!(
            "INSERT INTO projection_tenant_marks (name, tenant_id, position, events) VALUES {values} \
             ON CONFLICT (name, tenant_id) DO UPDATE SET position = excluded.position, \
             events = projection_tenant_marks.events + excluded.events \
             WHERE projection_tenant_marks.position < excluded.position"
        );
        let mut query = sqlx::query(AssertSqlSafe(statement));
        for (name, tenant, position, events) in chunk {
            query = query.bind(*name).bind(tenant.as_str()).bind(to_i64(*position)).bind(to_i64(*events));
        }
        query.execute(&mut *connection).await?;
    }
    Ok(())
}

/// Moves each projection's checkpoint (what `status` shows) to the highest position it applied:
/// one statement per distinct position, which is one for a batch every projection took whole.
async fn move_checkpoints(
    connection: &mut AnyConnection,
    mut checkpoints: Vec<(u64, &'static str)>,
) -> Result<(), sqlx::Error> {
    checkpoints.sort_unstable();
    let now = chrono::Utc::now().timestamp_micros();
    for same_position in checkpoints.chunk_by(|a, b| a.0 == b.0) {
        let position = same_position[0].0;
        let statement = format!(
            "UPDATE projection_checkpoints SET position = $1, updated_at = $2 \
             WHERE name IN ({}) AND position < $1",
            placeholders(3, same_position.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(statement)).bind(to_i64(position)).bind(now);
        for (_, name) in same_position {
            query = query.bind(*name);
        }
        query.execute(&mut *connection).await?;
    }
    Ok(())
}

/// `$first, $first+1, ...`: `count` numbered placeholders (both databases read `$n` through sqlx's Any driver).
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|number| format!("${number}")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use async_trait::async_trait;
    use chrono::{DateTime, Utc};
    use hotline_domain::{Actor, StreamId};

    use super::*;
    use crate::runner::table_name;

    /// Counts how many times each event was applied: a double apply shows as a 2.
    struct Applications(&'static str);

    #[async_trait]
    impl Projection for Applications {
        fn name(&self) -> &'static str {
            self.0
        }

        fn tables(&self) -> &'static [&'static str] {
            &[]
        }

        async fn create_tables(&self, connection: &mut AnyConnection, suffix: &str) -> ProjectionResult<()> {
            let sql = format!(
                "CREATE TABLE IF NOT EXISTS {} (position BIGINT PRIMARY KEY, times BIGINT NOT NULL)",
                table_name(self.0, suffix)
            );
            sqlx::query(AssertSqlSafe(sql)).execute(&mut *connection).await?;
            Ok(())
        }

        async fn apply(
            &self,
            connection: &mut AnyConnection,
            suffix: &str,
            events: &[EventEnvelope],
        ) -> ProjectionResult<()> {
            assert!(events.is_sorted_by_key(|event| event.global_position), "positions ascend");
            let sql = format!(
                "INSERT INTO {0} (position, times) VALUES ($1, 1) \
                 ON CONFLICT (position) DO UPDATE SET times = {0}.times + 1",
                table_name(self.0, suffix)
            );
            for event in events {
                sqlx::query(AssertSqlSafe(sql.as_str()))
                    .bind(event.global_position as i64)
                    .execute(&mut *connection)
                    .await?;
            }
            Ok(())
        }
    }

    fn event(tenant: u128, position: u64) -> EventEnvelope {
        let at = DateTime::<Utc>::from_timestamp_micros(1_700_000_000_000_000).expect("valid time");
        EventEnvelope {
            id: Uuid::from_u128(u128::from(position)),
            event_type: "hotline.test.happened".to_owned(),
            schema_version: 1,
            tenant_id: Uuid::from_u128(tenant),
            stream_id: StreamId::new("test", Uuid::from_u128(tenant)),
            stream_version: position,
            global_position: position,
            occurred_at: at,
            recorded_at: at,
            actor: Actor::system("test"),
            correlation_id: Uuid::nil(),
            causation_id: Uuid::nil(),
            payload: serde_json::json!({}),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    async fn applications(pool: &AnyPool, table: &str) -> Vec<(i64, i64)> {
        sqlx::query_as(AssertSqlSafe(format!("SELECT position, times FROM {table} ORDER BY position")))
            .fetch_all(pool)
            .await
            .unwrap()
    }

    async fn marks(pool: &AnyPool, name: &str) -> Vec<(String, i64, i64)> {
        sqlx::query_as(
            "SELECT tenant_id, position, events FROM projection_tenant_marks WHERE name = $1 ORDER BY tenant_id",
        )
        .bind(name)
        .fetch_all(pool)
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn redelivered_and_floored_events_are_applied_once_by_every_projection() {
        sqlx::any::install_default_drivers();
        let directory = std::env::temp_dir().join(format!("hotline-kafka-batch-{}", Uuid::now_v7()));
        std::fs::create_dir_all(&directory).unwrap();
        let pool = AnyPool::connect(&format!("sqlite://{}/readmodels.db?mode=rwc", directory.display())).await.unwrap();
        let projections: Vec<Arc<dyn Projection>> =
            vec![Arc::new(Applications("first")), Arc::new(Applications("second"))];
        prepare_read_models(&pool, &projections).await.unwrap();
        let mut connection = pool.acquire().await.unwrap();

        // Two tenants, positions out of order across partitions.
        apply_batch(&mut connection, &projections, vec![event(1, 1), event(2, 2), event(1, 3)]).await.unwrap();
        // A redelivery overlapping the first batch, then one of a batch only partly new.
        apply_batch(&mut connection, &projections, vec![event(2, 4), event(1, 3), event(2, 2), event(1, 5)])
            .await
            .unwrap();
        apply_batch(&mut connection, &projections, vec![event(1, 1), event(2, 2)]).await.unwrap();
        // A rebuild of `second` up to 10: its floor skips what the rebuild holds.
        raise_floor(&mut connection, "second", 10).await.unwrap();
        apply_batch(&mut connection, &projections, vec![event(3, 8), event(3, 11)]).await.unwrap();
        drop(connection);

        let once = |positions: &[i64]| positions.iter().map(|position| (*position, 1)).collect::<Vec<_>>();
        assert_eq!(applications(&pool, "first").await, once(&[1, 2, 3, 4, 5, 8, 11]));
        assert_eq!(applications(&pool, "second").await, once(&[1, 2, 3, 4, 5, 11]));
        let tenant = |id: u128| Uuid::from_u128(id).to_string();
        assert_eq!(
            marks(&pool, "first").await,
            vec![(tenant(1), 5, 3), (tenant(2), 4, 2), (tenant(3), 11, 2)],
            "marks count each applied event once"
        );
        assert_eq!(
            marks(&pool, "second").await,
            vec![("*".to_owned(), 10, 0), (tenant(1), 5, 3), (tenant(2), 4, 2), (tenant(3), 11, 1)]
        );
        assert_eq!(crate::runner::checkpoint(&pool, "first").await.unwrap(), Some(11));
        pool.close().await;
        let _ = std::fs::remove_dir_all(&directory);
    }
}
