//! What both stores share on the write path: the queue that turns many concurrent appends
//! into one transaction (group commit), and the sealing of new events into envelopes.

use chrono::{DateTime, Utc};
use hotline_domain::EventEnvelope;
use tokio::sync::{mpsc, oneshot};

use super::{AppendOutcome, AppendRequest, StoreError, StoreResult};
use crate::chain::{event_hash, payload_text};

/// Requests taken into one transaction at most; bounds the time a batch holds the lock.
pub(crate) const MAX_BATCH: usize = 256;

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
pub(crate) async fn next_batch(receiver: &mut mpsc::Receiver<AppendJob>) -> Option<Vec<AppendJob>> {
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

/// An envelope ready to insert, with the exact payload text that was hashed.
pub(crate) struct SealedEvent {
    pub envelope: EventEnvelope,
    pub payload_text: String,
}

/// Turns a request's new events into chained envelopes.
/// `current_version` is the stream's version before the append, `first_position` the global
/// position of the first event, `prev_hash` the hash of the tenant's last event.
pub(crate) fn seal(
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
pub(crate) fn outcome_of(current_version: u64, sealed: &[SealedEvent]) -> AppendOutcome {
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
pub(crate) fn now_micros() -> DateTime<Utc> {
    use chrono::SubsecRound;
    Utc::now().trunc_subsecs(6)
}
