//! Delivering events to webhook endpoints: signing (Standard Webhooks), the delivery table,
//! the log follower that queues deliveries, and one worker per endpoint that sends them.
//!
//! The follower keeps an in-memory map of endpoints, so the hot path needs no read model. At
//! start it folds only the webhook events up to its checkpoint (`process_checkpoints`, name
//! `webhooks`), read per tenant through the store's type index (`EventStore::read_filtered`),
//! not the whole log; then it follows the log from the checkpoint, queueing each event for
//! the matching endpoints and folding the webhook events it meets. A delivery row is keyed by
//! (endpoint, event), so queueing the same event twice after a crash is harmless.
//!
//! Each endpoint has its own worker task, which sends one delivery at a time: a receiver
//! that answers 500 or hangs until the timeout only delays its own deliveries. A delivery is
//! claimed with an optimistic update of its attempt count, so two processes never send the
//! same attempt twice. Deliveries reach only the addresses the [`super::address`] policy
//! allows, and follow no redirect.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use hmac::{Hmac, KeyInit, Mac};
use hotline_domain::webhook::{self, Endpoint, Webhook, WebhookAction, WebhookCommand, WebhookEvent};
use hotline_domain::{Actor, Decider, DomainEvent, EventEnvelope};
use hotline_infra::checkpoints::ProcessCheckpoints;
use hotline_infra::secrets::SecretStore;
use hotline_infra::store::{LogFilter, Scope, SharedEventStore, StoreResult, subscribe};
use sha2::Sha256;
use sqlx::{AnyPool, Executor, Row};
use tokio::sync::{Notify, watch};
use uuid::Uuid;

use super::address::{self, AddressPolicy, GuardedResolver};
use crate::dispatcher::{CommandMeta, Dispatcher};

/// The follower's name in `process_checkpoints`.
pub const CHECKPOINT_NAME: &str = "webhooks";
/// What a secret shown to the integrator starts with.
pub const SECRET_PREFIX: &str = "whsec_";
/// Random bytes in a new secret.
const SECRET_BYTES: usize = 32;
/// Webhook events read per page while the endpoints are loaded at start.
const LOAD_PAGE: usize = 1000;
/// How long a claimed attempt is reserved beyond its timeout before another worker may take it.
const CLAIM_MARGIN: Duration = Duration::from_secs(30);
/// The longest a worker sleeps without looking at its deliveries again (another process may
/// have queued or redelivered some).
const IDLE_POLL: Duration = Duration::from_secs(1);
const CONTENT_TYPE: &str = "application/cloudevents+json";

/// How deliveries are retried, how long a receiver is waited for, and where they may go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryConfig {
    /// The wait before each retry: a delivery is tried `1 + retry_schedule.len()` times, then
    /// it is dead-lettered.
    pub retry_schedule: Vec<Duration>,
    /// One request's timeout.
    pub timeout: Duration,
    /// Public addresses, plus the networks the operator allows.
    pub addresses: AddressPolicy,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        let minutes = |minutes: u64| Duration::from_secs(60 * minutes);
        Self {
            retry_schedule: vec![
                Duration::from_secs(5),
                Duration::from_secs(30),
                minutes(2),
                minutes(10),
                minutes(60),
                minutes(6 * 60),
            ],
            timeout: Duration::from_secs(10),
            addresses: AddressPolicy::default(),
        }
    }
}

impl DeliveryConfig {
    /// The defaults overridden by a comma-separated schedule in milliseconds
    /// (`HOTLINE_WEBHOOK_RETRY_SCHEDULE_MS`), a timeout in milliseconds
    /// (`HOTLINE_WEBHOOK_TIMEOUT_MS`) and comma-separated CIDRs that deliveries may reach
    /// besides public addresses (`HOTLINE_WEBHOOK_ALLOWED_NETWORKS`).
    pub fn from_values(
        retry_schedule_ms: Option<&str>,
        timeout_ms: Option<&str>,
        allowed_networks: Option<&str>,
    ) -> Result<Self, String> {
        let mut config = Self::default();
        if let Some(networks) = allowed_networks {
            config.addresses = AddressPolicy::parse(networks)?;
        }
        if let Some(schedule) = retry_schedule_ms.map(str::trim).filter(|text| !text.is_empty()) {
            config.retry_schedule = schedule
                .split(',')
                .map(|part| part.trim().parse::<u64>().map(Duration::from_millis))
                .collect::<Result<_, _>>()
                .map_err(|error| format!("the webhook retry schedule {schedule:?} is not milliseconds: {error}"))?;
        }
        if let Some(timeout) = timeout_ms.map(str::trim).filter(|text| !text.is_empty()) {
            let millis: u64 = timeout
                .parse()
                .map_err(|error| format!("the webhook timeout {timeout:?} is not milliseconds: {error}"))?;
            config.timeout = Duration::from_millis(millis.max(1));
        }
        Ok(config)
    }
}

/// The client deliveries are sent with: it connects only where the address policy allows
/// (names through [`GuardedResolver`]) and follows no redirect, so a receiver cannot bounce a
/// delivery to an internal address.
pub(crate) fn http_client(config: &DeliveryConfig) -> reqwest::Result<reqwest::Client> {
    // reqwest's rustls takes the process's crypto provider; ring is ours. Installing it a
    // second time (another service, a test) is refused harmlessly.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .connect_timeout(config.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(GuardedResolver::new(config.addresses.clone()))
        .user_agent(concat!("hotline-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// What a failed request is recorded as: the guard's refusal when it stopped the connection.
pub(crate) fn request_error_text(error: reqwest::Error) -> String {
    let error = error.without_url();
    if error.is_timeout() {
        return "the receiver did not answer in time".to_owned();
    }
    match address::refusal_in(&error) {
        Some(refused) => refused.to_string(),
        None => error.to_string(),
    }
}

/// A fresh signing secret, `whsec_<base64 of 32 random bytes>`.
pub fn new_secret() -> String {
    let bytes: [u8; SECRET_BYTES] = rand::random();
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// The HMAC key of a secret: the base64 after `whsec_`.
pub fn secret_key(secret: &str) -> Option<Vec<u8>> {
    STANDARD.decode(secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret)).ok().filter(|key| !key.is_empty())
}

/// The `webhook-signature` header: `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`.
pub fn sign(key: &[u8], message_id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Not yet sent, or waiting for its next try.
    Pending,
    Delivered,
    /// Every try failed (or the receiver answered 410): in the dead-letter list.
    Dead,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Dead => "dead",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "delivered" => DeliveryStatus::Delivered,
            "dead" => DeliveryStatus::Dead,
            _ => DeliveryStatus::Pending,
        }
    }
}

/// One event on its way to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub delivery_id: Uuid,
    pub tenant_id: Uuid,
    pub endpoint_id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    pub position: u64,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_response_status: Option<u16>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// The delivery of an event to an endpoint has one id, so queueing it twice is one row.
pub fn delivery_id(endpoint_id: Uuid, event_id: Uuid) -> Uuid {
    Uuid::new_v5(&endpoint_id, event_id.as_bytes())
}

fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

fn from_millis(value: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(value).unwrap_or_default()
}

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS webhook_deliveries (\
     delivery_id TEXT NOT NULL PRIMARY KEY, \
     tenant_id TEXT NOT NULL, \
     endpoint_id TEXT NOT NULL, \
     event_id TEXT NOT NULL, \
     event_type TEXT NOT NULL, \
     position BIGINT NOT NULL, \
     status TEXT NOT NULL, \
     attempts BIGINT NOT NULL, \
     next_attempt_at BIGINT NOT NULL, \
     last_status BIGINT, \
     last_error TEXT, \
     created_at BIGINT NOT NULL, \
     updated_at BIGINT NOT NULL, \
     delivered_at BIGINT, \
     UNIQUE (endpoint_id, event_id))";
const CREATE_DUE_INDEX: &str = "CREATE INDEX IF NOT EXISTS webhook_deliveries_due \
     ON webhook_deliveries (endpoint_id, status, next_attempt_at)";
const CREATE_TENANT_INDEX: &str =
    "CREATE INDEX IF NOT EXISTS webhook_deliveries_tenant ON webhook_deliveries (tenant_id, position)";
const COLUMNS: &str = "delivery_id, tenant_id, endpoint_id, event_id, event_type, position, status, attempts, \
     next_attempt_at, last_status, last_error, created_at, updated_at, delivered_at";

/// The `webhook_deliveries` table: operational state beside the read models, not history.
#[derive(Clone)]
pub struct DeliveryStore {
    pool: AnyPool,
}

/// Which deliveries a page lists.
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    pub endpoint_id: Option<Uuid>,
    pub status: Option<DeliveryStatus>,
}

impl DeliveryStore {
    pub async fn open(pool: AnyPool) -> StoreResult<Self> {
        pool.execute(CREATE_TABLE).await?;
        pool.execute(CREATE_DUE_INDEX).await?;
        pool.execute(CREATE_TENANT_INDEX).await?;
        Ok(Self { pool })
    }

    fn read(row: &sqlx::any::AnyRow) -> StoreResult<Delivery> {
        let uuid = |column: &str| -> StoreResult<Uuid> {
            let text: String = row.try_get(column)?;
            Ok(Uuid::parse_str(&text).unwrap_or_default())
        };
        Ok(Delivery {
            delivery_id: uuid("delivery_id")?,
            tenant_id: uuid("tenant_id")?,
            endpoint_id: uuid("endpoint_id")?,
            event_id: uuid("event_id")?,
            event_type: row.try_get("event_type")?,
            position: row.try_get::<i64, _>("position")?.max(0) as u64,
            status: DeliveryStatus::parse(&row.try_get::<String, _>("status")?),
            attempts: u32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(u32::MAX),
            next_attempt_at: from_millis(row.try_get("next_attempt_at")?),
            last_response_status: row
                .try_get::<Option<i64>, _>("last_status")?
                .and_then(|status| u16::try_from(status).ok()),
            last_error: row.try_get("last_error")?,
            created_at: from_millis(row.try_get("created_at")?),
            updated_at: from_millis(row.try_get("updated_at")?),
            delivered_at: row.try_get::<Option<i64>, _>("delivered_at")?.map(from_millis),
        })
    }

    /// Queues an event for an endpoint; a second call for the same pair changes nothing.
    pub async fn enqueue(&self, endpoint_id: Uuid, envelope: &EventEnvelope, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO webhook_deliveries (delivery_id, tenant_id, endpoint_id, event_id, event_type, position, \
             status, attempts, next_attempt_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7, $7) ON CONFLICT DO NOTHING",
        )
        .bind(delivery_id(endpoint_id, envelope.id).to_string())
        .bind(envelope.tenant_id.to_string())
        .bind(endpoint_id.to_string())
        .bind(envelope.id.to_string())
        .bind(envelope.event_type.clone())
        .bind(i64::try_from(envelope.global_position).unwrap_or(i64::MAX))
        .bind(millis(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The endpoint's pending delivery that is due first, if one is due at `now`.
    async fn next_due(&self, endpoint_id: Uuid, now: DateTime<Utc>) -> StoreResult<Option<Delivery>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM webhook_deliveries WHERE endpoint_id = $1 AND status = 'pending' \
             AND next_attempt_at <= $2 ORDER BY next_attempt_at, position LIMIT 1"
        )))
        .bind(endpoint_id.to_string())
        .bind(millis(now))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(Self::read).transpose()
    }

    /// When the endpoint's next pending delivery is due, if it has one.
    async fn next_due_at(&self, endpoint_id: Uuid) -> StoreResult<Option<DateTime<Utc>>> {
        let row = sqlx::query(
            "SELECT MIN(next_attempt_at) AS due FROM webhook_deliveries WHERE endpoint_id = $1 AND status = 'pending'",
        )
        .bind(endpoint_id.to_string())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<Option<i64>, _>("due")?.map(from_millis))
    }

    /// Takes the delivery's next attempt for this worker: false when another took it first.
    async fn claim(&self, delivery: &Delivery, until: DateTime<Utc>, now: DateTime<Utc>) -> StoreResult<bool> {
        let result = sqlx::query(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = $1, updated_at = $2 \
             WHERE delivery_id = $3 AND attempts = $4 AND status = 'pending'",
        )
        .bind(millis(until))
        .bind(millis(now))
        .bind(delivery.delivery_id.to_string())
        .bind(i64::from(delivery.attempts))
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Records an attempt's result: delivered, waiting for `next_attempt_at`, or dead.
    async fn record(
        &self,
        delivery_id: Uuid,
        status: DeliveryStatus,
        next_attempt_at: DateTime<Utc>,
        response_status: Option<u16>,
        error: Option<String>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let delivered_at = (status == DeliveryStatus::Delivered).then_some(millis(now));
        sqlx::query(
            "UPDATE webhook_deliveries SET status = $1, next_attempt_at = $2, last_status = $3, last_error = $4, \
             updated_at = $5, delivered_at = COALESCE($6, delivered_at) WHERE delivery_id = $7",
        )
        .bind(status.as_str())
        .bind(millis(next_attempt_at))
        .bind(response_status.map(i64::from))
        .bind(error)
        .bind(millis(now))
        .bind(delivered_at)
        .bind(delivery_id.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn get(&self, tenant_id: Uuid, delivery_id: Uuid) -> StoreResult<Option<Delivery>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM webhook_deliveries WHERE delivery_id = $1 AND tenant_id = $2"
        )))
        .bind(delivery_id.to_string())
        .bind(tenant_id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(Self::read).transpose()
    }

    /// Puts a delivery back in the queue, due now, with its attempts counted afresh.
    pub async fn requeue(&self, tenant_id: Uuid, delivery_id: Uuid, now: DateTime<Utc>) -> StoreResult<bool> {
        let result = sqlx::query(
            "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $1, updated_at = $1 \
             WHERE delivery_id = $2 AND tenant_id = $3",
        )
        .bind(millis(now))
        .bind(delivery_id.to_string())
        .bind(tenant_id.to_string())
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// A page of the tenant's deliveries, newest event first; `limit + 1` rows are read so the
    /// caller knows whether there is a next page.
    pub async fn list(
        &self,
        tenant_id: Uuid,
        filter: &DeliveryFilter,
        offset: u64,
        limit: u64,
    ) -> StoreResult<Vec<Delivery>> {
        let mut conditions = vec!["tenant_id = $1".to_owned()];
        let mut values = vec![tenant_id.to_string()];
        if let Some(endpoint_id) = filter.endpoint_id {
            values.push(endpoint_id.to_string());
            conditions.push(format!("endpoint_id = ${}", values.len()));
        }
        if let Some(status) = filter.status {
            values.push(status.as_str().to_owned());
            conditions.push(format!("status = ${}", values.len()));
        }
        let sql = format!(
            "SELECT {COLUMNS} FROM webhook_deliveries WHERE {} ORDER BY position DESC, endpoint_id \
             LIMIT {} OFFSET {}",
            conditions.join(" AND "),
            limit + 1,
            offset
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for value in values {
            query = query.bind(value);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(Self::read).collect()
    }
}

/// An endpoint as the follower last saw it, with its tenant and times.
#[derive(Debug, Clone)]
pub struct EndpointEntry {
    pub tenant_id: Uuid,
    pub endpoint: Endpoint,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    wake: Arc<Notify>,
}

/// Every event type of the webhook context, from the event catalogue (generated from the
/// domain's events, so a new webhook event is never missed).
fn webhook_event_types() -> Vec<String> {
    let prefix = format!("hotline.{}.", webhook::CONTEXT);
    let mut event_types: Vec<String> = hotline_schemas::catalogue::catalogue()
        .events
        .into_iter()
        .map(|event| event.event_type)
        .filter(|event_type| event_type.starts_with(&prefix))
        .collect();
    event_types.sort();
    event_types.dedup();
    event_types
}

/// Every endpoint folded from the log, shared by the follower, the workers and the service.
#[derive(Clone, Default)]
pub struct Endpoints(Arc<RwLock<HashMap<Uuid, EndpointEntry>>>);

impl Endpoints {
    pub fn get(&self, endpoint_id: Uuid) -> Option<EndpointEntry> {
        self.0.read().expect("endpoint map lock poisoned").get(&endpoint_id).cloned()
    }

    /// Forgets every endpoint (a load that failed half-way starts again from nothing).
    fn clear(&self) {
        self.0.write().expect("endpoint map lock poisoned").clear();
    }

    /// The tenant's endpoints that are not deleted, oldest first.
    pub fn of_tenant(&self, tenant_id: Uuid) -> Vec<EndpointEntry> {
        let map = self.0.read().expect("endpoint map lock poisoned");
        let mut entries: Vec<EndpointEntry> =
            map.values().filter(|entry| entry.tenant_id == tenant_id && !entry.endpoint.deleted).cloned().collect();
        entries.sort_by_key(|entry| (entry.created_at, entry.endpoint.endpoint_id));
        entries
    }

    /// The active endpoints of the tenant that want this event type.
    fn matching(&self, tenant_id: Uuid, event_type: &str) -> Vec<(Uuid, Arc<Notify>)> {
        let map = self.0.read().expect("endpoint map lock poisoned");
        map.values()
            .filter(|entry| {
                entry.tenant_id == tenant_id && entry.endpoint.is_active() && entry.endpoint.wants(event_type)
            })
            .map(|entry| (entry.endpoint.endpoint_id, entry.wake.clone()))
            .collect()
    }

    /// Folds a webhook event; returns the endpoint's id when it was just registered.
    fn apply(&self, envelope: &EventEnvelope) -> Option<Uuid> {
        let event = match WebhookEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload) {
            Ok(event) => event,
            Err(error) => {
                tracing::error!(%error, position = envelope.global_position, "a webhook event cannot be read");
                return None;
            }
        };
        let endpoint_id = envelope.stream_id.aggregate_id();
        let mut map = self.0.write().expect("endpoint map lock poisoned");
        let previous = map.get(&endpoint_id);
        let state = webhook::WebhookState { endpoint: previous.map(|entry| entry.endpoint.clone()) };
        let endpoint = Webhook::evolve(state, &event).endpoint?;
        let (created_at, wake) = match previous {
            Some(entry) => (entry.created_at, entry.wake.clone()),
            None => (envelope.occurred_at, Arc::new(Notify::new())),
        };
        let registered = matches!(event, WebhookEvent::Registered(_)) && previous.is_none();
        wake.notify_one();
        map.insert(
            endpoint_id,
            EndpointEntry {
                tenant_id: envelope.tenant_id,
                endpoint,
                created_at,
                updated_at: envelope.occurred_at,
                wake,
            },
        );
        registered.then_some(endpoint_id)
    }

    /// Wakes the endpoint's worker (a redelivery was queued).
    pub fn wake(&self, endpoint_id: Uuid) {
        if let Some(entry) = self.get(endpoint_id) {
            entry.wake.notify_one();
        }
    }
}

/// What the follower and the workers share.
#[derive(Clone)]
pub(crate) struct Engine {
    pub dispatcher: Arc<Dispatcher>,
    pub secrets: Arc<dyn SecretStore>,
    pub deliveries: DeliveryStore,
    pub endpoints: Endpoints,
    pub config: DeliveryConfig,
    pub followed: watch::Sender<u64>,
    pub client: reqwest::Client,
}

impl Engine {
    fn store(&self) -> &SharedEventStore {
        self.dispatcher.store()
    }

    /// Follows the log for ever: loads the endpoints as they stood at the checkpoint, then
    /// queues every later event for the matching endpoints and folds the webhook events.
    pub(crate) async fn follow(self, checkpoints: ProcessCheckpoints) {
        let checkpoint = match checkpoints.load(CHECKPOINT_NAME).await {
            Ok(position) => position,
            Err(error) => {
                tracing::error!(%error, "the webhook follower cannot read its checkpoint; webhooks are not delivered");
                return;
            }
        };
        let registered = loop {
            match self.load_endpoints(checkpoint).await {
                Ok(registered) => break registered,
                Err(error) => {
                    tracing::warn!(%error, "the webhook follower cannot load its endpoints; trying again");
                    self.endpoints.clear();
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        };
        for endpoint_id in registered {
            tokio::spawn(self.clone().work(endpoint_id));
        }
        let mut position = checkpoint;
        let mut saved = checkpoint;
        self.followed.send_replace(position);
        loop {
            let mut events = subscribe(self.store().clone(), Scope::Global, position);
            while let Some(item) = events.next().await {
                let envelope = match item {
                    Ok(envelope) => envelope,
                    Err(error) => {
                        tracing::warn!(%error, "the webhook follower lost the log; resuming");
                        break;
                    }
                };
                let queued = match self.queue(&envelope).await {
                    Some(count) => count > 0,
                    // The database refused: read this event again after a pause.
                    None => break,
                };
                if envelope.stream_id.context() == webhook::CONTEXT
                    && let Some(endpoint_id) = self.endpoints.apply(&envelope)
                {
                    tokio::spawn(self.clone().work(endpoint_id));
                }
                position = envelope.global_position;
                self.followed.send_replace(position);
                if position > saved && (queued || position - saved >= 100) {
                    match checkpoints.save(CHECKPOINT_NAME, position).await {
                        Ok(()) => saved = position,
                        Err(error) => tracing::warn!(%error, "saving the webhook follower's checkpoint"),
                    }
                }
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    /// Folds every tenant's webhook events up to `checkpoint` into the map of endpoints:
    /// the ids of the endpoints registered, whose workers the caller starts.
    async fn load_endpoints(&self, checkpoint: u64) -> StoreResult<Vec<Uuid>> {
        let mut registered = Vec::new();
        if checkpoint == 0 {
            return Ok(registered);
        }
        let filter =
            LogFilter { event_types: webhook_event_types(), to_position: Some(checkpoint), ..LogFilter::default() };
        for tenant_id in self.store().tenants().await? {
            let mut after = 0;
            loop {
                let page = self.store().read_filtered(tenant_id, &filter, after, LOAD_PAGE).await?;
                registered.extend(page.iter().filter_map(|envelope| self.endpoints.apply(envelope)));
                match page.last() {
                    Some(last) if page.len() == LOAD_PAGE => after = last.global_position,
                    _ => break,
                }
            }
        }
        Ok(registered)
    }

    /// Queues the event for every matching endpoint of its tenant: how many, or `None` if the
    /// database failed.
    async fn queue(&self, envelope: &EventEnvelope) -> Option<usize> {
        let matching = self.endpoints.matching(envelope.tenant_id, &envelope.event_type);
        for (endpoint_id, wake) in &matching {
            if let Err(error) = self.deliveries.enqueue(*endpoint_id, envelope, Utc::now()).await {
                tracing::warn!(%error, %endpoint_id, "queueing a webhook delivery");
                return None;
            }
            wake.notify_one();
        }
        Some(matching.len())
    }

    /// One endpoint's worker: sends its due deliveries one at a time until it is deleted.
    async fn work(self, endpoint_id: Uuid) {
        loop {
            let Some(entry) = self.endpoints.get(endpoint_id) else { return };
            if entry.endpoint.deleted {
                return;
            }
            let mut wait = IDLE_POLL;
            if entry.endpoint.enabled {
                let now = Utc::now();
                match self.deliveries.next_due(endpoint_id, now).await {
                    Ok(Some(delivery)) => {
                        self.attempt(&entry, delivery).await;
                        continue;
                    }
                    Ok(None) => {
                        if let Ok(Some(due)) = self.deliveries.next_due_at(endpoint_id).await {
                            wait = wait.min((due - now).to_std().unwrap_or_default());
                        }
                    }
                    Err(error) => tracing::warn!(%error, %endpoint_id, "reading webhook deliveries"),
                }
            }
            let _ = tokio::time::timeout(wait, entry.wake.notified()).await;
        }
    }

    async fn attempt(&self, entry: &EndpointEntry, delivery: Delivery) {
        let now = Utc::now();
        let until = now + self.config.timeout + CLAIM_MARGIN;
        match self.deliveries.claim(&delivery, until, now).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(error) => {
                tracing::warn!(%error, "claiming a webhook delivery");
                // The database is failing: do not spin on the same delivery.
                tokio::time::sleep(IDLE_POLL).await;
                return;
            }
        }
        let attempts = delivery.attempts + 1;
        let result = self.send(entry, &delivery).await;
        let now = Utc::now();
        let (status, next, response_status, error) = match result {
            Ok(code) if (200..300).contains(&code) => (DeliveryStatus::Delivered, now, Some(code), None),
            Ok(410) => {
                self.disable_gone(entry).await;
                (DeliveryStatus::Dead, now, Some(410), Some("the receiver answered 410 Gone".to_owned()))
            }
            outcome => {
                let (code, error) = match outcome {
                    Ok(code) => (Some(code), format!("the receiver answered {code}")),
                    Err(error) => (None, error),
                };
                match self.config.retry_schedule.get(attempts as usize - 1) {
                    Some(wait) => (DeliveryStatus::Pending, now + *wait, code, Some(error)),
                    None => (DeliveryStatus::Dead, now, code, Some(error)),
                }
            }
        };
        if status == DeliveryStatus::Dead {
            tracing::warn!(delivery_id = %delivery.delivery_id, endpoint_id = %entry.endpoint.endpoint_id, attempts, "a webhook delivery is dead-lettered");
        }
        if let Err(error) =
            self.deliveries.record(delivery.delivery_id, status, next, response_status, error, now).await
        {
            tracing::warn!(%error, "recording a webhook delivery's attempt");
        }
    }

    /// Sends one attempt; the HTTP status, or why there was none.
    async fn send(&self, entry: &EndpointEntry, delivery: &Delivery) -> Result<u16, String> {
        let page = self
            .store()
            .read_all(Scope::Tenant(delivery.tenant_id), delivery.position.saturating_sub(1), 1)
            .await
            .map_err(|error| format!("reading the event: {error}"))?;
        let Some(envelope) = page.into_iter().next().filter(|envelope| envelope.id == delivery.event_id) else {
            return Err("the event is not in the log".to_owned());
        };
        let secret = self
            .secrets
            .get(entry.tenant_id, entry.endpoint.secret_id)
            .await
            .map_err(|error| format!("reading the signing secret: {error}"))?
            .ok_or_else(|| "the signing secret is missing".to_owned())?;
        let key = secret_key(&secret).ok_or_else(|| "the signing secret is unreadable".to_owned())?;
        let body = serde_json::to_vec(&hotline_schemas::cloudevents::to_cloudevent(&envelope))
            .expect("a JSON value always serialises");
        let message_id = envelope.id.to_string();
        let timestamp = Utc::now().timestamp();
        let signature = sign(&key, &message_id, timestamp, &body);
        // The resolver guards names; an IP literal is never resolved, so it is checked here.
        self.config.addresses.check_literal(&entry.endpoint.settings.url).map_err(|refused| refused.to_string())?;
        let response = self
            .client
            .post(&entry.endpoint.settings.url)
            .timeout(self.config.timeout)
            .header("content-type", CONTENT_TYPE)
            .header("webhook-id", message_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await
            .map_err(request_error_text)?;
        Ok(response.status().as_u16())
    }

    /// A receiver that answers 410 Gone wants no more: the endpoint is disabled.
    async fn disable_gone(&self, entry: &EndpointEntry) {
        let meta = CommandMeta::new(Uuid::now_v7(), entry.tenant_id, Actor::system("webhooks"), Utc::now());
        let command = WebhookCommand {
            endpoint_id: entry.endpoint.endpoint_id,
            action: WebhookAction::Disable { reason: "gone".to_owned() },
        };
        if let Err(error) = self.dispatcher.dispatch::<Webhook>(&meta, &command).await {
            tracing::warn!(%error, endpoint_id = %entry.endpoint.endpoint_id, "disabling a gone webhook endpoint");
        }
    }
}

#[cfg(test)]
mod tests {
    use hotline_domain::webhook::EndpointSettings;
    use serde_json::Value;

    use super::*;

    #[test]
    fn signature_matches_the_standard_webhooks_test_vector() {
        let key = secret_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let signature = sign(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, br#"{"test": 2432232314}"#);
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn new_secrets_are_prefixed_random_and_decode_to_32_bytes() {
        let secret = new_secret();
        assert!(secret.starts_with("whsec_"));
        assert_eq!(secret_key(&secret).unwrap().len(), 32);
        assert_ne!(secret, new_secret());
        assert_eq!(secret_key("whsec_not base64!"), None);
    }

    #[test]
    fn the_schedule_and_timeout_come_from_milliseconds() {
        let config = DeliveryConfig::from_values(Some("50, 100,200"), Some("300"), None).unwrap();
        assert_eq!(config.retry_schedule, [50, 100, 200].map(Duration::from_millis));
        assert_eq!(config.timeout, Duration::from_millis(300));
        assert_eq!(DeliveryConfig::from_values(None, None, None).unwrap(), DeliveryConfig::default());
        assert!(DeliveryConfig::from_values(Some("5s"), None, None).is_err());
    }

    #[test]
    fn the_allowed_networks_come_from_cidrs_and_a_bad_one_is_an_error() {
        let config = DeliveryConfig::from_values(None, None, Some("10.20.0.0/16,127.0.0.1/32")).unwrap();
        assert_eq!(config.addresses, AddressPolicy::parse("10.20.0.0/16, 127.0.0.1").unwrap());
        assert_eq!(config.addresses.check("10.20.9.9".parse().unwrap()), Ok(()));
        let error = DeliveryConfig::from_values(None, None, Some("10.20.0.0/16,10.300.0.0/16")).unwrap_err();
        assert!(error.contains("\"10.300.0.0/16\" is not a CIDR"), "{error}");
    }

    /// A listener on 127.0.0.1 that answers every request with `response` and counts them.
    async fn answering(response: &'static str) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = requests.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let mut buffer = [0; 4096];
                let _ = socket.read(&mut buffer).await;
                let _ = socket.write_all(response.as_bytes()).await;
            }
        });
        (format!("127.0.0.1:{port}"), requests)
    }

    #[tokio::test]
    async fn the_client_connects_to_names_only_at_allowed_addresses() {
        let (address, requests) = answering("HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n").await;
        let port = address.rsplit(':').next().unwrap();
        let refusing = http_client(&DeliveryConfig::default()).unwrap();
        let error = refusing.post(format!("http://localhost:{port}/hook")).send().await.unwrap_err();
        let text = request_error_text(error);
        assert!(text.starts_with("localhost resolves to ") && text.contains("loopback"), "{text}");
        assert_eq!(requests.load(std::sync::atomic::Ordering::SeqCst), 0, "nothing reached the receiver");

        let config = DeliveryConfig::from_values(None, None, Some("127.0.0.0/8")).unwrap();
        let allowing = http_client(&config).unwrap();
        let response = allowing.post(format!("http://localhost:{port}/hook")).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 204);
    }

    #[tokio::test]
    async fn the_client_follows_no_redirect() {
        let (target, followed) = answering("HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n").await;
        let redirect: &'static str = Box::leak(
            format!(
                "HTTP/1.1 307 Temporary Redirect\r\nlocation: http://{target}/internal\r\ncontent-length: 0\r\n\r\n"
            )
            .into_boxed_str(),
        );
        let (redirecting, _) = answering(redirect).await;
        let config = DeliveryConfig::from_values(None, None, Some("127.0.0.0/8")).unwrap();
        let response = http_client(&config).unwrap().post(format!("http://{redirecting}/hook")).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 307, "a redirect is the receiver's answer: a failed attempt");
        assert_eq!(followed.load(std::sync::atomic::Ordering::SeqCst), 0, "the redirect was not followed");
    }

    #[tokio::test]
    async fn https_addresses_are_sent_over_tls() {
        use tokio::io::AsyncReadExt;
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder().build().expect("a client with rustls");
        // A plain-TCP listener that reads what the client opens with: a TLS ClientHello is a
        // handshake record, first byte 0x16.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let first_byte = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            socket.read_u8().await.unwrap()
        });
        let sent = client.post(format!("https://{address}/hook")).timeout(Duration::from_secs(5)).send();
        let (_, first_byte) = tokio::join!(sent, first_byte);
        assert_eq!(first_byte.unwrap(), 0x16, "the client opened with a TLS handshake");
    }

    #[test]
    fn the_webhook_event_types_are_every_type_of_the_context() {
        let event_types = webhook_event_types();
        for event_type in [
            webhook::ENDPOINT_REGISTERED,
            webhook::ENDPOINT_UPDATED,
            webhook::ENDPOINT_DISABLED,
            webhook::ENDPOINT_ENABLED,
            webhook::ENDPOINT_DELETED,
            webhook::SECRET_ROTATED,
        ] {
            assert!(event_types.iter().any(|listed| listed == event_type), "{event_type} in {event_types:?}");
        }
        assert!(event_types.iter().all(|event_type| event_type.starts_with("hotline.webhook.")), "{event_types:?}");
    }

    /// An event store that records what is read from it.
    struct CountingStore {
        inner: SharedEventStore,
        /// The scope and `after_position` of every `read_all`.
        read_all_calls: std::sync::Mutex<Vec<(Scope, u64)>>,
        /// Every event `read_filtered` returned.
        filtered: std::sync::Mutex<Vec<EventEnvelope>>,
    }

    #[async_trait::async_trait]
    impl hotline_infra::store::EventStore for CountingStore {
        async fn append(
            &self,
            request: hotline_infra::store::AppendRequest,
        ) -> StoreResult<hotline_infra::store::AppendOutcome> {
            self.inner.append(request).await
        }

        async fn read_stream(
            &self,
            tenant_id: Uuid,
            stream_id: &hotline_domain::StreamId,
            direction: hotline_infra::store::Direction,
            from_version: u64,
            limit: usize,
        ) -> StoreResult<Vec<EventEnvelope>> {
            self.inner.read_stream(tenant_id, stream_id, direction, from_version, limit).await
        }

        async fn read_all(&self, scope: Scope, after_position: u64, limit: usize) -> StoreResult<Vec<EventEnvelope>> {
            self.read_all_calls.lock().unwrap().push((scope, after_position));
            self.inner.read_all(scope, after_position, limit).await
        }

        async fn read_all_stored(
            &self,
            after_position: u64,
            limit: usize,
        ) -> StoreResult<Vec<hotline_infra::store::StoredEvent>> {
            self.inner.read_all_stored(after_position, limit).await
        }

        async fn read_filtered(
            &self,
            tenant_id: Uuid,
            filter: &LogFilter,
            after_position: u64,
            limit: usize,
        ) -> StoreResult<Vec<EventEnvelope>> {
            let page = self.inner.read_filtered(tenant_id, filter, after_position, limit).await?;
            self.filtered.lock().unwrap().extend(page.iter().cloned());
            Ok(page)
        }

        async fn stream_version(&self, tenant_id: Uuid, stream_id: &hotline_domain::StreamId) -> StoreResult<u64> {
            self.inner.stream_version(tenant_id, stream_id).await
        }

        async fn command_outcome(
            &self,
            tenant_id: Uuid,
            command_id: Uuid,
        ) -> StoreResult<Option<hotline_infra::store::AppendOutcome>> {
            self.inner.command_outcome(tenant_id, command_id).await
        }

        async fn tenants(&self) -> StoreResult<Vec<Uuid>> {
            self.inner.tenants().await
        }

        fn head(&self) -> watch::Receiver<u64> {
            self.inner.head()
        }

        async fn head_position(&self) -> StoreResult<u64> {
            self.inner.head_position().await
        }
    }

    async fn append(
        store: &SharedEventStore,
        tenant_id: Uuid,
        stream_id: hotline_domain::StreamId,
        event: (&str, Value),
    ) {
        let (event_type, payload) = event;
        let new_event = hotline_domain::NewEvent::new(Uuid::now_v7(), event_type, 1, Utc::now(), payload);
        store
            .append(hotline_infra::store::AppendRequest {
                tenant_id,
                stream_id,
                expected_version: hotline_domain::ExpectedVersion::Any,
                actor: Actor::system("test"),
                correlation_id: Uuid::now_v7(),
                causation_id: Uuid::now_v7(),
                command_id: None,
                events: vec![new_event],
            })
            .await
            .unwrap();
    }

    fn webhook_event(event: WebhookEvent) -> (&'static str, Value) {
        (event.event_type(), event.to_payload())
    }

    fn settings(url: &str, event_types: &[&str]) -> EndpointSettings {
        EndpointSettings {
            url: url.to_owned(),
            event_types: event_types.iter().map(|event_type| (*event_type).to_owned()).collect(),
            description: String::new(),
        }
    }

    fn registered(endpoint_id: Uuid, settings: EndpointSettings) -> (&'static str, Value) {
        webhook_event(WebhookEvent::Registered(webhook::EndpointRegistered {
            endpoint_id,
            settings,
            secret_id: Uuid::now_v7(),
        }))
    }

    #[tokio::test]
    async fn the_follower_loads_only_webhook_events_up_to_its_checkpoint_then_follows_from_it() {
        sqlx::any::install_default_drivers();
        let dir = std::env::temp_dir().join(format!("hotline-webhook-follower-{}", Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let sqlite = hotline_infra::store::sqlite::SqliteEventStore::open(&dir.join("events.db")).await.unwrap();
        let counting = Arc::new(CountingStore {
            inner: Arc::new(sqlite),
            read_all_calls: Default::default(),
            filtered: Default::default(),
        });
        let store: SharedEventStore = counting.clone();
        let (tenant_one, tenant_two) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let (endpoint_a, endpoint_b, endpoint_c, endpoint_d) =
            (Uuid::from_u128(0xa), Uuid::from_u128(0xb), Uuid::from_u128(0xc), Uuid::from_u128(0xd));
        let noise = async |tenant_id: Uuid, count: usize| {
            for _ in 0..count {
                let stream_id = hotline_domain::StreamId::new("noise", Uuid::now_v7());
                append(&store, tenant_id, stream_id, ("hotline.noise.happened", serde_json::json!({}))).await;
            }
        };

        // Before the checkpoint: endpoints registered, changed and deleted among other events.
        let user_created = ["hotline.user.created"];
        append(
            &store,
            tenant_one,
            webhook::stream_id(endpoint_a),
            registered(endpoint_a, settings("https://a.example/hook", &user_created)),
        )
        .await;
        noise(tenant_one, 20).await;
        append(
            &store,
            tenant_two,
            webhook::stream_id(endpoint_b),
            registered(endpoint_b, settings("https://b.example/old", &[])),
        )
        .await;
        append(
            &store,
            tenant_one,
            webhook::stream_id(endpoint_c),
            registered(endpoint_c, settings("https://c.example/hook", &[])),
        )
        .await;
        noise(tenant_two, 20).await;
        let updated = WebhookEvent::Updated(webhook::EndpointUpdated {
            endpoint_id: endpoint_b,
            settings: settings("https://b.example/new", &[]),
        });
        append(&store, tenant_two, webhook::stream_id(endpoint_b), webhook_event(updated)).await;
        let deleted = WebhookEvent::Deleted(webhook::EndpointRef { endpoint_id: endpoint_c });
        append(&store, tenant_one, webhook::stream_id(endpoint_c), webhook_event(deleted)).await;
        noise(tenant_one, 10).await;
        let checkpoint = store.head_position().await.unwrap();

        // After it: an event for endpoint A, a new endpoint D and an event for D and B.
        noise(tenant_one, 3).await;
        let user_stream = hotline_domain::StreamId::new("user", Uuid::now_v7());
        append(&store, tenant_one, user_stream, ("hotline.user.created", serde_json::json!({}))).await;
        append(
            &store,
            tenant_two,
            webhook::stream_id(endpoint_d),
            registered(endpoint_d, settings("https://d.example/hook", &[])),
        )
        .await;
        noise(tenant_two, 1).await;
        let head = store.head_position().await.unwrap();

        let pool = sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .connect(&format!("sqlite://{}?mode=rwc", dir.join("readmodels.db").display()))
            .await
            .unwrap();
        let checkpoints = ProcessCheckpoints::open(pool.clone()).await.unwrap();
        checkpoints.save(CHECKPOINT_NAME, checkpoint).await.unwrap();
        let config = DeliveryConfig::default();
        let (followed, _) = watch::channel(0);
        let engine = Engine {
            dispatcher: Arc::new(Dispatcher::new(store.clone(), 1 << 20)),
            secrets: Arc::new(hotline_infra::secrets::SqliteSecretStore(
                sqlx::SqlitePool::connect_lazy("sqlite::memory:").unwrap(),
            )),
            deliveries: DeliveryStore::open(pool).await.unwrap(),
            endpoints: Endpoints::default(),
            client: http_client(&config).unwrap(),
            config,
            followed,
        };
        let mut progress = engine.followed.subscribe();
        tokio::spawn(engine.clone().follow(checkpoints));
        tokio::time::timeout(Duration::from_secs(10), progress.wait_for(|position| *position >= head))
            .await
            .expect("the follower reached the head")
            .unwrap();

        // It read the log only from its checkpoint, and before it only the webhook events.
        let read_all_calls = counting.read_all_calls.lock().unwrap().clone();
        assert!(read_all_calls.contains(&(Scope::Global, checkpoint)), "{read_all_calls:?}");
        assert!(read_all_calls.iter().all(|(_, after)| *after >= checkpoint), "{read_all_calls:?}");
        let filtered = counting.filtered.lock().unwrap().clone();
        assert_eq!(filtered.len(), 5, "the five webhook events before the checkpoint: {filtered:?}");
        assert!(
            filtered
                .iter()
                .all(|envelope| envelope.global_position <= checkpoint
                    && envelope.stream_id.context() == webhook::CONTEXT)
        );

        // And knows the endpoints as the whole log leaves them.
        let endpoint = |endpoint_id| engine.endpoints.get(endpoint_id).expect("a known endpoint").endpoint;
        assert_eq!(endpoint(endpoint_a).settings.url, "https://a.example/hook");
        assert_eq!(endpoint(endpoint_b).settings.url, "https://b.example/new");
        assert!(endpoint(endpoint_c).deleted);
        assert_eq!(endpoint(endpoint_d).settings.url, "https://d.example/hook");
        assert_eq!(engine.endpoints.of_tenant(tenant_two).len(), 2);

        // Only events after the checkpoint were queued, each for the endpoints that want it.
        let queued = |tenant_id| {
            let deliveries = engine.deliveries.clone();
            async move {
                let mut page = deliveries.list(tenant_id, &DeliveryFilter::default(), 0, 100).await.unwrap();
                page.sort_by_key(|delivery| (delivery.position, delivery.endpoint_id));
                page.into_iter().map(|delivery| (delivery.endpoint_id, delivery.event_type)).collect::<Vec<_>>()
            }
        };
        assert_eq!(queued(tenant_one).await, [(endpoint_a, "hotline.user.created".to_owned())]);
        assert_eq!(
            queued(tenant_two).await,
            [
                (endpoint_b, webhook::ENDPOINT_REGISTERED.to_owned()),
                (endpoint_b, "hotline.noise.happened".to_owned()),
                (endpoint_d, "hotline.noise.happened".to_owned()),
            ]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn a_delivery_is_queued_once_and_found_when_due() {
        sqlx::any::install_default_drivers();
        let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect("sqlite::memory:").await.unwrap();
        let store = DeliveryStore::open(pool).await.unwrap();
        let tenant_id = Uuid::from_u128(1);
        let endpoint_id = Uuid::from_u128(2);
        let envelope = EventEnvelope {
            id: Uuid::from_u128(3),
            event_type: "hotline.user.created".into(),
            schema_version: 1,
            tenant_id,
            stream_id: hotline_domain::StreamId::new("user", Uuid::from_u128(4)),
            stream_version: 1,
            global_position: 7,
            occurred_at: Utc::now(),
            recorded_at: Utc::now(),
            actor: Actor::system("test"),
            correlation_id: Uuid::from_u128(5),
            causation_id: Uuid::from_u128(5),
            payload: serde_json::json!({}),
            prev_hash: String::new(),
            hash: String::new(),
        };
        let now = Utc::now();
        store.enqueue(endpoint_id, &envelope, now).await.unwrap();
        store.enqueue(endpoint_id, &envelope, now).await.unwrap();
        let listed = store.list(tenant_id, &DeliveryFilter::default(), 0, 10).await.unwrap();
        assert_eq!(listed.len(), 1);
        let due = store.next_due(endpoint_id, now).await.unwrap().unwrap();
        assert_eq!((due.position, due.attempts, due.status), (7, 0, DeliveryStatus::Pending));
        assert!(store.claim(&due, now + chrono::Duration::seconds(40), now).await.unwrap());
        assert!(!store.claim(&due, now, now).await.unwrap(), "an attempt is claimed once");
        assert!(store.next_due(endpoint_id, now).await.unwrap().is_none());
        store.record(due.delivery_id, DeliveryStatus::Dead, now, Some(500), Some("boom".into()), now).await.unwrap();
        let dead = DeliveryFilter { endpoint_id: Some(endpoint_id), status: Some(DeliveryStatus::Dead) };
        let listed = store.list(tenant_id, &dead, 0, 10).await.unwrap();
        assert_eq!(listed[0].last_response_status, Some(500));
        assert!(store.list(Uuid::from_u128(9), &DeliveryFilter::default(), 0, 10).await.unwrap().is_empty());
        assert!(store.requeue(tenant_id, due.delivery_id, now).await.unwrap());
        assert_eq!(store.next_due(endpoint_id, now).await.unwrap().unwrap().attempts, 0);
    }
}
