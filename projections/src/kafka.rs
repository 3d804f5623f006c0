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
use hotline_domain::EventEnvelope;
use hotline_infra::kafka::{self, KafkaSettings};
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::{Offset, TopicPartitionList};
use sqlx::{AnyConnection, AnyPool, Row};
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
    upsert_mark(connection, name, FLOOR, position, 0).await
}

/// Moves a mark up to `position` and counts `events` more applied events under it.
async fn upsert_mark(
    connection: &mut AnyConnection,
    name: &str,
    tenant: &str,
    position: u64,
    events: u64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO projection_tenant_marks (name, tenant_id, position, events) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (name, tenant_id) DO UPDATE SET position = excluded.position, \
         events = projection_tenant_marks.events + excluded.events \
         WHERE projection_tenant_marks.position < excluded.position",
    )
    .bind(name)
    .bind(tenant)
    .bind(to_i64(position))
    .bind(to_i64(events))
    .execute(&mut *connection)
    .await?;
    Ok(())
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

    async fn consume_with(&mut self, consumer: &StreamConsumer) -> Result<(), ProjectorError> {
        let mut batches = consumer.stream().ready_chunks(BATCH_SIZE);
        let mut assignment_tick = tokio::time::interval(ASSIGNMENT_REFRESH);
        loop {
            let chunk = tokio::select! {
                biased;
                _ = self.shutdown.changed() => return Ok(()),
                _ = assignment_tick.tick() => {
                    ASSIGNED_PARTITIONS.store(consumer.assignment()?.count(), Ordering::Relaxed);
                    continue;
                }
                chunk = batches.next() => chunk,
            };
            let Some(chunk) = chunk else { return Ok(()) };
            let mut messages = Vec::with_capacity(chunk.len());
            for message in chunk {
                messages.push(message?);
            }
            let events = decode_all(&messages);
            let mut connection = self.pool.acquire().await?;
            apply_batch(&mut connection, &self.projections, &events).await?;
            consumer.store_offsets(&next_offsets(&messages)?)?;
        }
    }
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
/// its per-tenant marks), and moves their marks and checkpoints: one transaction for all, so
/// a batch costs one commit however many projections there are.
pub(crate) async fn apply_batch(
    connection: &mut AnyConnection,
    projections: &[Arc<dyn Projection>],
    events: &[EventEnvelope],
) -> ProjectionResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let mut transaction = begin_write(connection).await?;
    for projection in projections {
        apply_fresh(&mut transaction, projection.as_ref(), events).await?;
    }
    transaction.commit().await?;
    Ok(())
}

/// Inside the caller's transaction: what `projection` has not applied of `events`.
async fn apply_fresh(
    connection: &mut AnyConnection,
    projection: &dyn Projection,
    events: &[EventEnvelope],
) -> ProjectionResult<()> {
    let name = projection.name();
    let floor = mark(connection, name, FLOOR).await?;
    let mut marks: HashMap<Uuid, u64> = HashMap::new();
    for event in events {
        if let std::collections::hash_map::Entry::Vacant(vacant) = marks.entry(event.tenant_id) {
            vacant.insert(mark(connection, name, &event.tenant_id.to_string()).await?.max(floor));
        }
    }
    let mut fresh = Vec::with_capacity(events.len());
    // Per tenant: the last position applied now, and how many events.
    let mut applied: HashMap<Uuid, (u64, u64)> = HashMap::new();
    for event in events {
        let tenant_mark = marks.get_mut(&event.tenant_id).expect("every tenant's mark was read");
        if event.global_position > *tenant_mark {
            *tenant_mark = event.global_position;
            let entry = applied.entry(event.tenant_id).or_default();
            *entry = (event.global_position, entry.1 + 1);
            fresh.push(event.clone());
        }
    }
    if fresh.is_empty() {
        return Ok(());
    }
    // Projections expect positions in ascending order; a batch from several partitions is
    // only ordered per tenant.
    fresh.sort_by_key(|event| event.global_position);
    projection.apply(connection, "", &fresh).await?;
    for (tenant_id, (position, count)) in &applied {
        upsert_mark(connection, name, &tenant_id.to_string(), *position, *count).await?;
    }
    let highest = fresh.last().expect("not empty").global_position;
    sqlx::query("UPDATE projection_checkpoints SET position = $1, updated_at = $2 WHERE name = $3 AND position < $1")
        .bind(to_i64(highest))
        .bind(chrono::Utc::now().timestamp_micros())
        .bind(name)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

async fn mark(connection: &mut AnyConnection, name: &str, tenant: &str) -> ProjectionResult<u64> {
    let row = sqlx::query("SELECT position FROM projection_tenant_marks WHERE name = $1 AND tenant_id = $2")
        .bind(name)
        .bind(tenant)
        .fetch_optional(&mut *connection)
        .await?;
    let Some(row) = row else { return Ok(0) };
    let position: i64 = row.try_get("position")?;
    u64::try_from(position)
        .map_err(|_| ProjectionError::CorruptRow(format!("mark of {name} for {tenant} is {position}")))
}
