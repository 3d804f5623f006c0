//! The event store: one trait, two implementations.
//!
//! Both stores give the same guarantees, checked by one conformance suite
//! (`infra/tests/conformance.rs`):
//! - appends are atomic per request and checked against the stream's expected version;
//! - global positions start at 1, have no gaps, and a reader never sees position `n + 1`
//!   before position `n` is readable (commit order equals position order);
//! - each tenant's events form a hash chain (see [`crate::chain`]);
//! - a command id is recorded with its append, so a repeated command appends nothing and
//!   gets the first outcome back.

mod batch;
pub mod postgres;
pub mod sqlite;
mod subscription;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::{Actor, EventEnvelope, ExpectedVersion, NewEvent, StreamId};
use tokio::sync::watch;
use uuid::Uuid;

pub use subscription::subscribe;

/// One atomic append to one stream.
#[derive(Debug, Clone)]
pub struct AppendRequest {
    pub tenant_id: Uuid,
    pub stream_id: StreamId,
    pub expected_version: ExpectedVersion,
    pub actor: Actor,
    pub correlation_id: Uuid,
    pub causation_id: Uuid,
    /// When set, the store records it with the events and refuses to append for it twice.
    pub command_id: Option<Uuid>,
    pub events: Vec<NewEvent>,
}

/// What an append did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AppendOutcome {
    pub stream_version: u64,
    /// Positions of the first and last appended event; `None` when nothing was appended.
    pub positions: Option<(u64, u64)>,
    /// True when the command id had already been appended: nothing new was written and this
    /// is the outcome of the first append.
    pub duplicate: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Forwards,
    Backwards,
}

/// Which of one tenant's events a filtered read returns ([`EventStore::read_filtered`]).
///
/// A list left empty admits every value; the conditions are combined with AND. Times are the
/// store's `recorded_at` (the `recordedtime` CloudEvents attribute), both bounds inclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// Actors as written in the envelope (`user:<id>`, `system:<name>`).
    pub actors: Vec<String>,
    pub event_types: Vec<String>,
    pub stream_ids: Vec<String>,
    pub from_time: Option<DateTime<Utc>>,
    pub to_time: Option<DateTime<Utc>>,
    /// The highest global position to return (inclusive).
    pub to_position: Option<u64>,
}

impl LogFilter {
    /// Whether the event passes the filter: what the stores do in SQL, for checks and tests.
    pub fn admits(&self, envelope: &EventEnvelope) -> bool {
        let listed = |values: &[String], value: &str| values.is_empty() || values.iter().any(|listed| listed == value);
        listed(&self.actors, &envelope.actor.to_string())
            && listed(&self.event_types, &envelope.event_type)
            && listed(&self.stream_ids, envelope.stream_id.as_str())
            && self.from_time.is_none_or(|from| envelope.recorded_at >= from)
            && self.to_time.is_none_or(|to| envelope.recorded_at <= to)
            && self.to_position.is_none_or(|to| envelope.global_position <= to)
    }
}

/// An event as the store keeps it: the envelope's fields, the payload still its stored JSON
/// text ([`crate::chain::payload_text`]). For readers that pass the log on without looking
/// inside the payloads (the Kafka relay): decoding and re-encoding them would cost more than
/// the rest of the read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub id: Uuid,
    pub event_type: String,
    pub schema_version: u32,
    pub tenant_id: Uuid,
    pub stream_id: String,
    pub stream_version: u64,
    pub global_position: u64,
    pub occurred_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    /// `<kind>:<id>`, as stored.
    pub actor: String,
    pub correlation_id: Uuid,
    pub causation_id: Uuid,
    pub payload_json: String,
    pub prev_hash: String,
    pub hash: String,
}

impl From<&EventEnvelope> for StoredEvent {
    /// The envelope as a store keeps it: the payload as its canonical text.
    fn from(envelope: &EventEnvelope) -> Self {
        Self {
            id: envelope.id,
            event_type: envelope.event_type.clone(),
            schema_version: envelope.schema_version,
            tenant_id: envelope.tenant_id,
            stream_id: envelope.stream_id.as_str().to_owned(),
            stream_version: envelope.stream_version,
            global_position: envelope.global_position,
            occurred_at: envelope.occurred_at,
            recorded_at: envelope.recorded_at,
            actor: envelope.actor.to_string(),
            correlation_id: envelope.correlation_id,
            causation_id: envelope.causation_id,
            payload_json: crate::chain::payload_text(&envelope.payload),
            prev_hash: envelope.prev_hash.clone(),
            hash: envelope.hash.clone(),
        }
    }
}

/// Which part of the log to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    Tenant(Uuid),
}

impl Scope {
    pub fn admits(&self, envelope: &EventEnvelope) -> bool {
        match self {
            Scope::Global => true,
            Scope::Tenant(tenant_id) => envelope.tenant_id == *tenant_id,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("stream {stream_id} is at version {actual}, the append expected {expected}")]
    WrongExpectedVersion { stream_id: StreamId, expected: ExpectedVersion, actual: u64 },
    #[error("event id {0} is already in the store")]
    DuplicateEventId(Uuid),
    #[error("stored event at position {position} is unreadable: {reason}")]
    Corrupt { position: u64, reason: String },
    #[error("the store is shutting down")]
    Closed,
    #[error("another hotline process is using {0}")]
    DataDirInUse(std::path::PathBuf),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    pub fn is_conflict(&self) -> bool {
        matches!(self, StoreError::WrongExpectedVersion { .. })
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

#[async_trait]
pub trait EventStore: Send + Sync + 'static {
    /// Appends the request's events atomically, or none of them.
    async fn append(&self, request: AppendRequest) -> StoreResult<AppendOutcome>;

    /// Reads a stream. Forwards: versions `>= from_version` ascending; backwards: versions
    /// `<= from_version` descending (`u64::MAX` for the end).
    async fn read_stream(
        &self,
        tenant_id: Uuid,
        stream_id: &StreamId,
        direction: Direction,
        from_version: u64,
        limit: usize,
    ) -> StoreResult<Vec<EventEnvelope>>;

    /// Events with a global position `> after_position`, ascending, at most `limit`.
    async fn read_all(&self, scope: Scope, after_position: u64, limit: usize) -> StoreResult<Vec<EventEnvelope>>;

    /// [`read_all`](Self::read_all) of the whole log, each event as stored (payload undecoded).
    async fn read_all_stored(&self, after_position: u64, limit: usize) -> StoreResult<Vec<StoredEvent>>;

    /// One tenant's events with a global position `> after_position` that pass `filter`,
    /// ascending, at most `limit`. The filter runs in SQL on indexes (by type, actor, stream
    /// and recorded time), so a narrow filter does not read the tenant's whole log.
    async fn read_filtered(
        &self,
        tenant_id: Uuid,
        filter: &LogFilter,
        after_position: u64,
        limit: usize,
    ) -> StoreResult<Vec<EventEnvelope>>;

    /// The current version of a stream (0 when it does not exist).
    async fn stream_version(&self, tenant_id: Uuid, stream_id: &StreamId) -> StoreResult<u64>;

    /// The outcome recorded for a command id, if it was appended.
    async fn command_outcome(&self, tenant_id: Uuid, command_id: Uuid) -> StoreResult<Option<AppendOutcome>>;

    /// Every tenant that has at least one event.
    async fn tenants(&self) -> StoreResult<Vec<Uuid>>;

    /// The highest readable global position, pushed after every commit (also commits made by
    /// other processes, where the store can see them).
    fn head(&self) -> watch::Receiver<u64>;

    /// The last position readable right now.
    async fn head_position(&self) -> StoreResult<u64>;
}

/// The store handle the rest of the system passes around.
pub type SharedEventStore = Arc<dyn EventStore>;
