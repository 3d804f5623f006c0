//! The dispatcher: the one path by which a command becomes events.
//!
//! load the stream → fold it with `evolve` → `decide` → append with the version that was
//! loaded as the expected version. A concurrent writer makes the append fail with a
//! conflict; the dispatcher then loads again and decides again (a few times). A command id
//! that was already appended returns the first outcome and appends nothing: the store
//! records command ids in the append's transaction, and the dispatcher looks one up only
//! when the decision refuses or is empty, so the common path costs one read and one append.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, Utc};
use hotline_domain::identity::tenant;
use hotline_domain::{Actor, Decider, DomainEvent, ExpectedVersion, NewEvent, StreamId};
use hotline_infra::store::{AppendOutcome, AppendRequest, Direction, SharedEventStore};
use serde::Serialize;
use uuid::Uuid;

use crate::error::ApiError;

/// Loads and conflicts retried before the command is refused as retryable. Every conflict
/// means another command on the stream won, so N contenders all finish within N attempts.
const MAX_ATTEMPTS: u32 = 16;
/// Events read per page when loading a stream.
const LOAD_PAGE: usize = 1000;
/// The default limit of one event's payload, in bytes of JSON text.
pub const DEFAULT_MAX_PAYLOAD_BYTES: usize = 1024 * 1024;

/// Who sends a command, for whom, and when: everything the domain must not find out itself.
#[derive(Debug, Clone)]
pub struct CommandMeta {
    pub command_id: Uuid,
    pub tenant_id: Uuid,
    pub actor: Actor,
    pub occurred_at: DateTime<Utc>,
    pub correlation_id: Uuid,
    pub causation_id: Uuid,
}

impl CommandMeta {
    /// A command that starts its own correlation: correlation and causation are its own id.
    pub fn new(command_id: Uuid, tenant_id: Uuid, actor: Actor, occurred_at: DateTime<Utc>) -> Self {
        Self { command_id, tenant_id, actor, occurred_at, correlation_id: command_id, causation_id: command_id }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommandOutcome {
    pub command_id: Uuid,
    pub stream_id: String,
    pub stream_version: u64,
    pub first_position: Option<u64>,
    pub last_position: Option<u64>,
    /// True when this command id had been handled before: nothing new was appended.
    pub duplicate: bool,
}

impl CommandOutcome {
    fn from_append(command_id: Uuid, stream_id: &StreamId, outcome: AppendOutcome) -> Self {
        Self {
            command_id,
            stream_id: stream_id.to_string(),
            stream_version: outcome.stream_version,
            first_position: outcome.positions.map(|(first, _)| first),
            last_position: outcome.positions.map(|(_, last)| last),
            duplicate: outcome.duplicate,
        }
    }
}

pub struct Dispatcher {
    store: SharedEventStore,
    max_payload_bytes: usize,
    /// Tenants known to exist; a tenant is never deleted, so a hit stays true.
    known_tenants: RwLock<HashSet<Uuid>>,
}

impl Dispatcher {
    pub fn new(store: SharedEventStore, max_payload_bytes: usize) -> Self {
        Self { store, max_payload_bytes, known_tenants: RwLock::new(HashSet::new()) }
    }

    pub fn store(&self) -> &SharedEventStore {
        &self.store
    }

    pub fn max_payload_bytes(&self) -> usize {
        self.max_payload_bytes
    }

    /// Decides `command` against its stream and appends what it causes.
    pub async fn dispatch<D: Decider>(
        &self,
        meta: &CommandMeta,
        command: &D::Command,
    ) -> Result<CommandOutcome, ApiError> {
        self.dispatch_loaded::<D>(meta, command, None).await
    }

    /// As [`Dispatcher::dispatch`], deciding first against `loaded`, the stream's state and
    /// version the caller already folded (with [`Dispatcher::load`]) to prepare the command,
    /// instead of reading the stream again. Should the stream have moved on since, the append
    /// conflicts and the next attempt loads it afresh, as any concurrent command would.
    #[tracing::instrument(skip_all, fields(command_id = %meta.command_id, tenant_id = %meta.tenant_id))]
    pub async fn dispatch_loaded<D: Decider>(
        &self,
        meta: &CommandMeta,
        command: &D::Command,
        mut loaded: Option<(D::State, u64)>,
    ) -> Result<CommandOutcome, ApiError> {
        let stream_id = D::stream_id(command);
        let creates_its_tenant = stream_id == StreamId::new(tenant::CONTEXT, meta.tenant_id);
        if !creates_its_tenant {
            self.ensure_tenant_exists(meta.tenant_id).await?;
        }
        for attempt in 0..MAX_ATTEMPTS {
            if attempt > 0 {
                // Jitter spreads contenders over different group commits.
                tokio::time::sleep(std::time::Duration::from_micros(rand::random_range(0..=500 * u64::from(attempt))))
                    .await;
            }
            let (state, version) = match loaded.take() {
                Some(loaded) => loaded,
                None => self.load::<D>(meta.tenant_id, &stream_id).await?,
            };
            // A repeated command usually decides differently the second time (the user now
            // exists); only then, or when it decides nothing, is its id looked up. A repeat
            // that decides events is caught by the store, in the append's transaction.
            let decided = match D::decide(&state, command) {
                Ok(decided) => decided,
                Err(rule) => return self.earlier_outcome(meta, &stream_id).await?.ok_or_else(|| rule.into()),
            };
            let events =
                decided.iter().map(|event| self.new_event(meta, event)).collect::<Result<Vec<_>, ApiError>>()?;
            if events.is_empty() {
                if let Some(earlier) = self.earlier_outcome(meta, &stream_id).await? {
                    return Ok(earlier);
                }
                let outcome = AppendOutcome { stream_version: version, positions: None, duplicate: false };
                return Ok(CommandOutcome::from_append(meta.command_id, &stream_id, outcome));
            }
            let request = AppendRequest {
                tenant_id: meta.tenant_id,
                stream_id: stream_id.clone(),
                expected_version: ExpectedVersion::Exact(version),
                actor: meta.actor.clone(),
                correlation_id: meta.correlation_id,
                causation_id: meta.causation_id,
                command_id: Some(meta.command_id),
                events,
            };
            match self.store.append(request).await {
                Ok(outcome) => {
                    if creates_its_tenant {
                        self.known_tenants.write().expect("tenant cache lock poisoned").insert(meta.tenant_id);
                    }
                    return Ok(CommandOutcome::from_append(meta.command_id, &stream_id, outcome));
                }
                Err(error) if error.is_conflict() => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(ApiError::conflict(format!("stream {stream_id} kept changing; retry the command")))
    }

    /// The outcome recorded for this command id, if an earlier copy of it was appended.
    async fn earlier_outcome(
        &self,
        meta: &CommandMeta,
        stream_id: &StreamId,
    ) -> Result<Option<CommandOutcome>, ApiError> {
        let previous = self.store.command_outcome(meta.tenant_id, meta.command_id).await?;
        Ok(previous.map(|previous| CommandOutcome::from_append(meta.command_id, stream_id, previous)))
    }

    /// Folds a stream into its state; returns the state and the stream's version.
    pub async fn load<D: Decider>(&self, tenant_id: Uuid, stream_id: &StreamId) -> Result<(D::State, u64), ApiError> {
        let mut state = D::State::default();
        let mut version = 0;
        loop {
            let page =
                self.store.read_stream(tenant_id, stream_id, Direction::Forwards, version + 1, LOAD_PAGE).await?;
            let page_len = page.len();
            for envelope in page {
                let event = D::Event::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
                    .map_err(|error| ApiError::unreadable_event(envelope.global_position, error))?;
                state = D::evolve(state, &event);
                version = envelope.stream_version;
            }
            if page_len < LOAD_PAGE {
                return Ok((state, version));
            }
        }
    }

    /// Refuses with `tenant.not_found` unless the tenant exists.
    pub async fn ensure_tenant_exists(&self, tenant_id: Uuid) -> Result<(), ApiError> {
        if self.known_tenants.read().expect("tenant cache lock poisoned").contains(&tenant_id) {
            return Ok(());
        }
        let version = self.store.stream_version(tenant_id, &StreamId::new(tenant::CONTEXT, tenant_id)).await?;
        if version == 0 {
            return Err(ApiError::tenant_not_found(tenant_id));
        }
        self.known_tenants.write().expect("tenant cache lock poisoned").insert(tenant_id);
        Ok(())
    }

    fn new_event(&self, meta: &CommandMeta, event: &impl DomainEvent) -> Result<NewEvent, ApiError> {
        let payload = event.to_payload();
        let size = serde_json::to_string(&payload).map(|text| text.len()).unwrap_or(usize::MAX);
        if size > self.max_payload_bytes {
            return Err(ApiError::payload_too_large(size, self.max_payload_bytes));
        }
        Ok(NewEvent::new(Uuid::now_v7(), event.event_type(), event.schema_version(), meta.occurred_at, payload))
    }
}

/// A stream's folded state kept in memory, for streams every command of a tenant goes to
/// (the ACD's routing scope): folding thousands of events per command would be the cost,
/// not deciding.
struct CachedState<S> {
    state: S,
    version: u64,
}

type SharedCachedState<S> = Arc<tokio::sync::Mutex<CachedState<S>>>;

/// The dispatcher's path for hot streams: the state stays in memory between commands and is
/// brought up to date with only the events appended since (by another process, say); commands
/// on one stream take turns on its lock, so none of them conflicts with another from here.
pub struct CachedStreams<D: Decider> {
    dispatcher: Arc<Dispatcher>,
    streams: Mutex<HashMap<StreamId, SharedCachedState<D::State>>>,
}

impl<D: Decider> CachedStreams<D>
where
    D::State: Send + 'static,
{
    pub fn new(dispatcher: Arc<Dispatcher>) -> Self {
        Self { dispatcher, streams: Mutex::new(HashMap::new()) }
    }

    pub fn dispatcher(&self) -> &Arc<Dispatcher> {
        &self.dispatcher
    }

    fn entry(&self, stream_id: &StreamId) -> SharedCachedState<D::State> {
        let mut streams = self.streams.lock().expect("stream cache lock poisoned");
        streams
            .entry(stream_id.clone())
            .or_insert_with(|| {
                Arc::new(tokio::sync::Mutex::new(CachedState { state: D::State::default(), version: 0 }))
            })
            .clone()
    }

    /// Folds the events appended after the cached version into the cached state.
    async fn catch_up(
        &self,
        tenant_id: Uuid,
        stream_id: &StreamId,
        cached: &mut CachedState<D::State>,
    ) -> Result<(), ApiError> {
        loop {
            let page = self
                .dispatcher
                .store
                .read_stream(tenant_id, stream_id, Direction::Forwards, cached.version + 1, LOAD_PAGE)
                .await?;
            let page_len = page.len();
            for envelope in page {
                let event = D::Event::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
                    .map_err(|error| ApiError::unreadable_event(envelope.global_position, error))?;
                cached.state = D::evolve(std::mem::take(&mut cached.state), &event);
                cached.version = envelope.stream_version;
            }
            if page_len < LOAD_PAGE {
                return Ok(());
            }
        }
    }

    /// Reads the stream's current state (caught up with the store first).
    pub async fn read<R>(
        &self,
        tenant_id: Uuid,
        stream_id: &StreamId,
        read: impl FnOnce(&D::State) -> R,
    ) -> Result<R, ApiError> {
        let entry = self.entry(stream_id);
        let mut cached = entry.lock().await;
        self.catch_up(tenant_id, stream_id, &mut cached).await?;
        Ok(read(&cached.state))
    }

    /// Decides `command` against the cached state and appends what it causes; returns the
    /// outcome and the events decided (empty for a repeated command id).
    #[tracing::instrument(skip_all, fields(command_id = %meta.command_id, tenant_id = %meta.tenant_id))]
    pub async fn dispatch(
        &self,
        meta: &CommandMeta,
        command: &D::Command,
    ) -> Result<(CommandOutcome, Vec<D::Event>), ApiError> {
        let stream_id = D::stream_id(command);
        self.dispatcher.ensure_tenant_exists(meta.tenant_id).await?;
        let entry = self.entry(&stream_id);
        let mut cached = entry.lock().await;
        for _ in 0..MAX_ATTEMPTS {
            self.catch_up(meta.tenant_id, &stream_id, &mut cached).await?;
            let decided = match D::decide(&cached.state, command) {
                Ok(decided) => decided,
                Err(rule) => {
                    let earlier = self.dispatcher.earlier_outcome(meta, &stream_id).await?;
                    return earlier.map(|outcome| (outcome, Vec::new())).ok_or_else(|| rule.into());
                }
            };
            if decided.is_empty() {
                let outcome = match self.dispatcher.earlier_outcome(meta, &stream_id).await? {
                    Some(earlier) => earlier,
                    None => CommandOutcome::from_append(
                        meta.command_id,
                        &stream_id,
                        AppendOutcome { stream_version: cached.version, positions: None, duplicate: false },
                    ),
                };
                return Ok((outcome, decided));
            }
            let events = decided
                .iter()
                .map(|event| self.dispatcher.new_event(meta, event))
                .collect::<Result<Vec<_>, ApiError>>()?;
            let request = AppendRequest {
                tenant_id: meta.tenant_id,
                stream_id: stream_id.clone(),
                expected_version: ExpectedVersion::Exact(cached.version),
                actor: meta.actor.clone(),
                correlation_id: meta.correlation_id,
                causation_id: meta.causation_id,
                command_id: Some(meta.command_id),
                events,
            };
            match self.dispatcher.store.append(request).await {
                Ok(outcome) if outcome.duplicate => {
                    return Ok((CommandOutcome::from_append(meta.command_id, &stream_id, outcome), Vec::new()));
                }
                Ok(outcome) => {
                    for event in &decided {
                        cached.state = D::evolve(std::mem::take(&mut cached.state), event);
                    }
                    cached.version = outcome.stream_version;
                    return Ok((CommandOutcome::from_append(meta.command_id, &stream_id, outcome), decided));
                }
                // Another process appended: catch up and decide again.
                Err(error) if error.is_conflict() => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(ApiError::conflict(format!("stream {stream_id} kept changing; retry the command")))
    }

    /// The streams cached so far (the ticker visits them).
    pub fn cached_streams(&self) -> Vec<StreamId> {
        self.streams.lock().expect("stream cache lock poisoned").keys().cloned().collect()
    }
}
