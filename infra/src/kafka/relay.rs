//! The relay: publishes every committed event to Kafka, in log order, at least once.
//!
//! - **Where it resumes.** Its checkpoint ([`ProcessCheckpoints`], name [`CHECKPOINT`]) is
//!   the highest position up to which every event has been acknowledged by the broker
//!   (`acks=all`). After a crash it publishes again from there, so an event may reach Kafka
//!   twice, never zero times; consumers deduplicate by event id or by position per tenant.
//! - **Order.** The producer is idempotent with the gapless guarantee: within a partition
//!   its own retries neither reorder nor duplicate. If a message fails anyway (the broker
//!   was away longer than `message.timeout.ms`), the relay drops the producer and starts
//!   over from its checkpoint, so a partition never shows a later event without the
//!   earlier ones of the same tenant.
//! - **One relay at a time.** With PostgreSQL, a relay publishes only while it holds the
//!   session-level advisory lock [`LEASE_KEY`] on a connection of its own; other nodes wait
//!   for it. If that connection dies, the server releases the lock and the relay stops
//!   publishing at its next lease check (every [`LEASE_CHECK`]); a successor may overlap it
//!   for at most that long, which costs duplicates, not order within a tenant's partition.
//!   The embedded mode has one process per data folder, so it needs no lease.
//! - **A broker that is down** does not stop commands: they commit to the store; the relay
//!   retries with a growing delay and catches up when the broker returns.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::stream::FuturesOrdered;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::OwnedHeaders;
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord, Producer};
use sqlx::{Connection, PgConnection};
use tokio::sync::watch;

use super::{KafkaSettings, encode_stored, ensure_topic, message_key, ready_producer};
use crate::checkpoints::ProcessCheckpoints;
use crate::store::SharedEventStore;

/// The relay's name in `process_checkpoints`.
pub const CHECKPOINT: &str = "kafka-relay";

/// The advisory lock that makes one relay active (any constant; this one spells "hotrelay").
pub const LEASE_KEY: i64 = 0x686f_7472_656c_6179;

/// How often a lease holder checks that its lock connection is alive.
pub const LEASE_CHECK: Duration = Duration::from_secs(2);

/// Messages handed to the producer and not yet acknowledged, at most.
const IN_FLIGHT: usize = 50_000;

/// How often the checkpoint is written while events flow.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);

const FIRST_RETRY_DELAY: Duration = Duration::from_millis(200);
const LAST_RETRY_DELAY: Duration = Duration::from_secs(10);

/// Who may publish: everyone (embedded) or the holder of a PostgreSQL advisory lock.
#[derive(Debug, Clone)]
pub enum Lease {
    /// One process owns the data folder: nobody to exclude.
    Exclusive,
    /// The lock lives on a connection to this database.
    PostgresAdvisoryLock { url: String },
}

/// How far the relay is, for metrics and tests.
#[derive(Debug, Clone, Default)]
pub struct RelayProgress(Arc<AtomicU64>);

impl RelayProgress {
    /// The position up to which every event is acknowledged by Kafka.
    pub fn published(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }
}

/// Starts the relay in the background; it runs until `shutdown` turns true.
pub fn start(
    store: SharedEventStore,
    checkpoints: ProcessCheckpoints,
    settings: KafkaSettings,
    lease: Lease,
    shutdown: watch::Receiver<bool>,
) -> (RelayProgress, tokio::task::JoinHandle<()>) {
    let progress = RelayProgress::default();
    let relay = Relay { store, checkpoints, settings, lease, shutdown, progress: progress.clone() };
    (progress, tokio::spawn(relay.run()))
}

struct Relay {
    store: SharedEventStore,
    checkpoints: ProcessCheckpoints,
    settings: KafkaSettings,
    lease: Lease,
    shutdown: watch::Receiver<bool>,
    progress: RelayProgress,
}

#[derive(Debug, thiserror::Error)]
enum RelayError {
    #[error("Kafka: {0}")]
    Kafka(#[from] KafkaError),
    #[error("event store: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("lease: {0}")]
    Lease(#[from] sqlx::Error),
    #[error("the lease connection was lost")]
    LeaseLost,
    #[error("the log subscription ended")]
    SubscriptionEnded,
}

enum Ended {
    Shutdown,
}

impl Relay {
    async fn run(mut self) {
        let mut retry_delay = FIRST_RETRY_DELAY;
        loop {
            if *self.shutdown.borrow_and_update() {
                return;
            }
            let started = Instant::now();
            match self.hold_lease_and_publish().await {
                Ok(Ended::Shutdown) => return,
                Err(error) => {
                    tracing::warn!(%error, retry_in_ms = retry_delay.as_millis() as u64, "kafka relay stopped; starting over from its checkpoint");
                }
            }
            if started.elapsed() > LAST_RETRY_DELAY * 3 {
                retry_delay = FIRST_RETRY_DELAY;
            }
            tokio::select! {
                () = tokio::time::sleep(retry_delay) => {}
                _ = self.shutdown.changed() => return,
            }
            retry_delay = (retry_delay * 2).min(LAST_RETRY_DELAY);
        }
    }

    async fn hold_lease_and_publish(&mut self) -> Result<Ended, RelayError> {
        match self.lease.clone() {
            Lease::Exclusive => self.publish(None).await,
            Lease::PostgresAdvisoryLock { url } => {
                let mut connection = PgConnection::connect(&url).await?;
                loop {
                    let held: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
                        .bind(LEASE_KEY)
                        .fetch_one(&mut connection)
                        .await?;
                    if held {
                        break;
                    }
                    tokio::select! {
                        () = tokio::time::sleep(LEASE_CHECK) => {}
                        _ = self.shutdown.changed() => return Ok(Ended::Shutdown),
                    }
                }
                tracing::info!("kafka relay: holding the lease; publishing");
                let ended = self.publish(Some(&mut connection)).await;
                // Closing the connection releases the lock even if unlocking fails.
                let _ = connection.close().await;
                ended
            }
        }
    }

    /// Publishes from the checkpoint until shutdown or an error.
    async fn publish(&mut self, mut lease: Option<&mut PgConnection>) -> Result<Ended, RelayError> {
        ensure_topic(&self.settings).await?;
        let producer = ready_producer(&self.settings).await?;
        let mut acknowledged = self.checkpoints.load(CHECKPOINT).await?;
        let mut saved = acknowledged;
        self.progress.0.store(acknowledged, Ordering::Release);
        // Reading and encoding run in their own task, beside the sending: on two cores that
        // overlap is most of the relay's speed.
        let (chunks, mut encoded_chunks) = tokio::sync::mpsc::channel(ENCODED_CHUNKS_AHEAD);
        let encoder = AbortOnDrop(tokio::spawn(encode_log(self.store.clone(), acknowledged, chunks)));
        let mut in_flight = FuturesOrdered::new();
        let mut lease_check = tokio::time::interval(LEASE_CHECK);
        let mut checkpoint_tick = tokio::time::interval(CHECKPOINT_EVERY);
        let outcome = loop {
            tokio::select! {
                biased;
                _ = self.shutdown.changed() => break Ok(Ended::Shutdown),
                Some((position, delivered)) = in_flight.next() => {
                    match delivered {
                        Ok(()) => {
                            acknowledged = position;
                            self.progress.0.store(acknowledged, Ordering::Release);
                        }
                        Err(error) => break Err(error),
                    }
                }
                _ = checkpoint_tick.tick() => {
                    if acknowledged > saved {
                        self.checkpoints.save(CHECKPOINT, acknowledged).await?;
                        saved = acknowledged;
                    }
                }
                _ = lease_check.tick(), if lease.is_some() => {
                    let connection = lease.as_deref_mut().expect("checked by the guard");
                    if sqlx::query("SELECT 1").execute(connection).await.is_err() {
                        break Err(RelayError::LeaseLost);
                    }
                }
                chunk = encoded_chunks.recv(), if in_flight.len() < IN_FLIGHT => {
                    let Some(chunk) = chunk else { break Err(RelayError::SubscriptionEnded) };
                    for message in chunk? {
                        let delivery = send(&producer, &self.settings.topic, message).await?;
                        in_flight.push_back(delivery);
                    }
                }
            }
        };
        drop(encoder);
        if matches!(outcome, Ok(Ended::Shutdown)) {
            // Let what is on its way arrive, so a clean stop publishes nothing twice.
            let _ = producer.flush(Duration::from_secs(5));
            while let Some((position, Ok(()))) = in_flight.next().await {
                acknowledged = position;
            }
        }
        // What the broker acknowledged is kept even when the relay stops on an error.
        if acknowledged > saved {
            self.checkpoints.save(CHECKPOINT, acknowledged).await?;
        }
        outcome
    }
}

/// Encoded chunks the encoder may run ahead of the producer.
const ENCODED_CHUNKS_AHEAD: usize = 4;

/// One event, ready to produce.
struct EncodedEvent {
    position: u64,
    key: [u8; 36],
    headers: OwnedHeaders,
    value: Vec<u8>,
}

/// Events per read of the log.
const PAGE_SIZE: usize = 1_000;

/// Follows the log from `after` and sends it on, encoded, a page at a time, until the
/// receiver is gone or the store fails (the error is sent on too). Events are read as stored:
/// the payload text goes into the message as it is, never parsed.
async fn encode_log(
    store: SharedEventStore,
    mut after: u64,
    chunks: tokio::sync::mpsc::Sender<Result<Vec<EncodedEvent>, RelayError>>,
) {
    let mut head = store.head();
    loop {
        head.borrow_and_update();
        let page = match store.read_all_stored(after, PAGE_SIZE).await {
            Ok(page) => page,
            Err(error) => {
                let _ = chunks.send(Err(error.into())).await;
                return;
            }
        };
        let caught_up = page.len() < PAGE_SIZE;
        if let Some(last) = page.last() {
            after = last.global_position;
            let encoded = page
                .into_iter()
                .map(|event| {
                    let (position, key) = (event.global_position, message_key(event.tenant_id));
                    let (headers, value) = encode_stored(event);
                    EncodedEvent { position, key, headers, value }
                })
                .collect();
            if chunks.send(Ok(encoded)).await.is_err() {
                return;
            }
        }
        if caught_up {
            tokio::select! {
                changed = head.changed() => if changed.is_err() { return },
                () = chunks.closed() => return,
            }
        }
    }
}

/// Aborts the task when dropped, so an encoder never outlives its relay attempt.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Hands one event to the producer; the future says when the broker has it.
async fn send(
    producer: &FutureProducer,
    topic: &str,
    message: EncodedEvent,
) -> Result<impl Future<Output = (u64, Result<(), RelayError>)> + use<>, RelayError> {
    let EncodedEvent { position, key, headers, value } = message;
    let mut record = FutureRecord::to(topic).key(&key[..]).payload(&value).headers(headers);
    let delivery: DeliveryFuture = loop {
        match producer.send_result(record) {
            Ok(delivery) => break delivery,
            // The producer's own queue is full: give the broker a moment.
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), returned)) => {
                record = returned;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            Err((error, _)) => return Err(error.into()),
        }
    };
    Ok(async move {
        let result = match delivery.await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err((error, _))) => Err(error.into()),
            Err(_cancelled) => Err(KafkaError::Canceled.into()),
        };
        (position, result)
    })
}
