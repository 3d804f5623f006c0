//! What both stores share on the write path: the queue that turns many concurrent appends
//! into one transaction (group commit), the writer task that drains it, the per-request
//! checks inside the batch's transaction, and the sealing of new events into envelopes.
//! The stores supply only their SQL ([`AppendTransaction`], [`BatchWriter`]).

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::{EventEnvelope, StreamId};
use tokio::sync::{mpsc, oneshot, watch};
use uuid::Uuid;

use super::{AppendOutcome, AppendRequest, StoreError, StoreResult};
use crate::chain::{event_hash, payload_text};

/// Requests taken into one transaction at most; bounds the time a batch holds the lock.
const MAX_BATCH: usize = 256;

pub(crate) struct AppendJob {
    pub request: AppendRequest,
    pub reply: oneshot::Sender<StoreResult<AppendOutcome>>,
}

/// The sending side of a store's writer task.
#[derive(Clone)]
pub(crate) struct WriterQueue {
    sender: mpsc::Sender<AppendJob>,
}

impl WriterQueue {
    pub fn new() -> (Self, mpsc::Receiver<AppendJob>) {
        let (sender, receiver) = mpsc::channel(4 * MAX_BATCH);
        (Self { sender }, receiver)
    }

    pub async fn append(&self, request: AppendRequest) -> StoreResult<AppendOutcome> {
        let (reply, outcome) = oneshot::channel();
        self.sender.send(AppendJob { request, reply }).await.map_err(|_| StoreError::Closed)?;
        outcome.await.map_err(|_| StoreError::Closed)?
    }
}

/// Waits for one job, then takes whatever else is already queued, up to [`MAX_BATCH`].
async fn next_batch(receiver: &mut mpsc::Receiver<AppendJob>) -> Option<Vec<AppendJob>> {
    let first = receiver.recv().await?;
    let mut jobs = vec![first];
    while jobs.len() < MAX_BATCH {
        match receiver.try_recv() {
            Ok(job) => jobs.push(job),
            Err(_) => break,
        }
    }
    Some(jobs)
}

/// Writes one batch of requests in one transaction of the store's database.
#[async_trait]
pub(crate) trait BatchWriter: Send {
    /// `Ok` holds one result per request (a refused request does not abort the others);
    /// `Err` means the transaction failed and nothing was written.
    async fn write_batch(&mut self, requests: &[&AppendRequest]) -> StoreResult<Vec<StoreResult<AppendOutcome>>>;
}

/// The writer task: takes what is queued, writes it as one batch, moves the head, replies.
pub(crate) async fn run_writer(
    mut writer: impl BatchWriter,
    mut jobs: mpsc::Receiver<AppendJob>,
    head: Arc<watch::Sender<u64>>,
) {
    while let Some(batch) = next_batch(&mut jobs).await {
        let requests: Vec<&AppendRequest> = batch.iter().map(|job| &job.request).collect();
        let results = match writer.write_batch(&requests).await {
            Ok(results) => results,
            // One bad request (say, a reused event id) must not fail its neighbours: retry
            // each on its own so only the culprit gets the error.
            Err(_) if batch.len() > 1 => {
                let mut results = Vec::with_capacity(batch.len());
                for request in &requests {
                    results.push(match writer.write_batch(&[request]).await {
                        Ok(mut single) => single.remove(0),
                        Err(error) => Err(error),
                    });
                }
                results
            }
            Err(error) => vec![Err(error)],
        };
        let highest = results
            .iter()
            .filter_map(|result| result.as_ref().ok().and_then(|outcome| outcome.positions))
            .map(|(_, last)| last)
            .max();
        if let Some(highest) = highest {
            advance_head(&head, highest);
        }
        for (job, result) in batch.into_iter().zip(results) {
            let _ = job.reply.send(result);
        }
    }
}

/// Moves the head forwards only: local commits, notifications and re-reads arrive in any order.
pub(crate) fn advance_head(head: &watch::Sender<u64>, position: u64) {
    head.send_if_modified(|current| {
        let moved = position > *current;
        if moved {
            *current = position;
        }
        moved
    });
}

/// The statements of an append transaction that differ between the stores. Each works on
/// the whole batch at once, so a batch costs a handful of statements, not a few per request.
#[async_trait]
pub(crate) trait AppendTransaction: Send {
    /// The recorded outcomes of those (tenant, command id) pairs that were appended before.
    async fn command_outcomes(&mut self, keys: &[(Uuid, Uuid)]) -> StoreResult<HashMap<(Uuid, Uuid), AppendOutcome>>;
    /// The current versions of those (tenant, stream) pairs that exist.
    async fn stream_versions(&mut self, keys: &[(Uuid, StreamId)]) -> StoreResult<HashMap<(Uuid, StreamId), u64>>;
    /// The hash of the tenant's last committed event, or the genesis hash.
    async fn tenant_head(&mut self, tenant_id: Uuid) -> StoreResult<String>;
    async fn insert_events(&mut self, sealed: &[SealedEvent]) -> StoreResult<()>;
    async fn record_commands(&mut self, records: &[CommandRecord]) -> StoreResult<()>;
}

/// A command id and what its append did, written in the append's transaction.
pub(crate) struct CommandRecord {
    pub tenant_id: Uuid,
    pub command_id: Uuid,
    pub stream_id: StreamId,
    pub outcome: AppendOutcome,
}

/// What a batch wrote, for the store to finish its transaction with.
pub(crate) struct WrittenBatch {
    pub results: Vec<StoreResult<AppendOutcome>>,
    /// The new last hash of every tenant the batch appended to.
    pub tenant_heads: HashMap<Uuid, String>,
    pub last_position: u64,
}

/// Checks each request on its own (command id, expected version), seals the accepted ones
/// and inserts them, all inside the caller's transaction, from `last_position` on. Requests
/// of one batch see each other: a later one on the same stream sees the earlier one's
/// events, a repeated command id gets the first one's outcome.
pub(crate) async fn append_in_transaction(
    transaction: &mut impl AppendTransaction,
    requests: &[&AppendRequest],
    last_position: u64,
) -> StoreResult<WrittenBatch> {
    let command_keys: Vec<(Uuid, Uuid)> = requests
        .iter()
        .filter_map(|request| request.command_id.map(|command_id| (request.tenant_id, command_id)))
        .collect();
    let mut known_commands =
        if command_keys.is_empty() { HashMap::new() } else { transaction.command_outcomes(&command_keys).await? };
    let mut stream_keys: Vec<(Uuid, StreamId)> =
        requests.iter().map(|request| (request.tenant_id, request.stream_id.clone())).collect();
    stream_keys.sort();
    stream_keys.dedup();
    let mut versions = transaction.stream_versions(&stream_keys).await?;

    let mut next_position = last_position + 1;
    let mut heads: HashMap<Uuid, String> = HashMap::new();
    let mut appended_tenants: Vec<Uuid> = Vec::new();
    let mut sealed_events: Vec<SealedEvent> = Vec::new();
    let mut command_records: Vec<CommandRecord> = Vec::new();
    let recorded_at = now_micros();
    let mut results = Vec::with_capacity(requests.len());
    for request in requests {
        if let Some(command_id) = request.command_id
            && let Some(previous) = known_commands.get(&(request.tenant_id, command_id))
        {
            results.push(Ok(AppendOutcome { duplicate: true, ..previous.clone() }));
            continue;
        }
        let stream_key = (request.tenant_id, request.stream_id.clone());
        let current_version = versions.get(&stream_key).copied().unwrap_or(0);
        if !request.expected_version.is_satisfied_by(current_version) {
            results.push(Err(StoreError::WrongExpectedVersion {
                stream_id: request.stream_id.clone(),
                expected: request.expected_version,
                actual: current_version,
            }));
            continue;
        }
        let prev_hash = match heads.get(&request.tenant_id) {
            Some(hash) => hash.clone(),
            None => transaction.tenant_head(request.tenant_id).await?,
        };
        let sealed = seal(request, current_version, next_position, &prev_hash, recorded_at);
        let outcome = outcome_of(current_version, &sealed);
        heads.insert(request.tenant_id, sealed.last().map_or(prev_hash, |last| last.envelope.hash.clone()));
        if let Some(last) = sealed.last() {
            next_position = last.envelope.global_position + 1;
            versions.insert(stream_key, last.envelope.stream_version);
            if !appended_tenants.contains(&request.tenant_id) {
                appended_tenants.push(request.tenant_id);
            }
        }
        if let Some(command_id) = request.command_id {
            known_commands
                .insert((request.tenant_id, command_id), AppendOutcome { duplicate: true, ..outcome.clone() });
            command_records.push(CommandRecord {
                tenant_id: request.tenant_id,
                command_id,
                stream_id: request.stream_id.clone(),
                outcome: outcome.clone(),
            });
        }
        sealed_events.extend(sealed);
        results.push(Ok(outcome));
    }
    if !sealed_events.is_empty() {
        transaction.insert_events(&sealed_events).await?;
    }
    if !command_records.is_empty() {
        transaction.record_commands(&command_records).await?;
    }
    heads.retain(|tenant_id, _| appended_tenants.contains(tenant_id));
    Ok(WrittenBatch { results, tenant_heads: heads, last_position: next_position - 1 })
}

/// An envelope ready to insert, with the exact payload text that was hashed.
pub(crate) struct SealedEvent {
    pub envelope: EventEnvelope,
    pub payload_text: String,
}

/// Turns a request's new events into chained envelopes.
/// `current_version` is the stream's version before the append, `first_position` the global
/// position of the first event, `prev_hash` the hash of the tenant's last event.
fn seal(
    request: &AppendRequest,
    current_version: u64,
    first_position: u64,
    prev_hash: &str,
    recorded_at: DateTime<Utc>,
) -> Vec<SealedEvent> {
    let mut prev_hash = prev_hash.to_owned();
    let mut sealed = Vec::with_capacity(request.events.len());
    for (offset, event) in request.events.iter().enumerate() {
        let offset = offset as u64;
        let mut envelope = EventEnvelope {
            id: event.id,
            event_type: event.event_type.clone(),
            schema_version: event.schema_version,
            tenant_id: request.tenant_id,
            stream_id: request.stream_id.clone(),
            stream_version: current_version + offset + 1,
            global_position: first_position + offset,
            occurred_at: event.occurred_at,
            recorded_at,
            actor: request.actor.clone(),
            correlation_id: request.correlation_id,
            causation_id: request.causation_id,
            payload: event.payload.clone(),
            prev_hash,
            hash: String::new(),
        };
        let text = payload_text(&envelope.payload);
        envelope.hash = event_hash(&envelope, &text);
        prev_hash = envelope.hash.clone();
        sealed.push(SealedEvent { envelope, payload_text: text });
    }
    sealed
}

/// The outcome of a successful, non-duplicate append.
fn outcome_of(current_version: u64, sealed: &[SealedEvent]) -> AppendOutcome {
    match (sealed.first(), sealed.last()) {
        (Some(first), Some(last)) => AppendOutcome {
            stream_version: last.envelope.stream_version,
            positions: Some((first.envelope.global_position, last.envelope.global_position)),
            duplicate: false,
        },
        _ => AppendOutcome { stream_version: current_version, positions: None, duplicate: false },
    }
}

/// The store's clock for `recorded_at`, cut to the microseconds both stores keep.
fn now_micros() -> DateTime<Utc> {
    use chrono::SubsecRound;
    Utc::now().trunc_subsecs(6)
}
