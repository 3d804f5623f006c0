//! The webhook service: registering, changing, disabling, deleting endpoints and rotating
//! their secrets (commands through the dispatcher), listing endpoints and deliveries, and
//! redelivering one. Every method needs `integration.webhooks` and works in the caller's
//! tenant only.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use hotline_domain::webhook::{self, EndpointSettings, Webhook, WebhookAction, WebhookCommand};
use hotline_infra::checkpoints::ProcessCheckpoints;
use hotline_infra::secrets::SecretStore;
use sqlx::AnyPool;
use tokio::sync::watch;
use uuid::Uuid;

use super::delivery::{
    Delivery, DeliveryConfig, DeliveryFilter, DeliveryStatus, DeliveryStore, EndpointEntry, Endpoints, Engine,
    http_client, new_secret,
};
use crate::auth::Session;
use crate::dispatcher::{CommandMeta, CommandOutcome, Dispatcher};
use crate::error::ApiError;

/// Managing the tenant's webhooks and reading their deliveries.
pub const PERMISSION: &str = "integration.webhooks";
/// How long a command waits for the follower to fold its event, so the caller reads its write.
const READ_YOUR_WRITES: Duration = Duration::from_secs(2);
/// The code of a URL whose address webhooks may not reach.
pub const ADDRESS_NOT_ALLOWED: &str = "webhook.address_not_allowed";
/// The most deliveries one page lists.
pub const MAX_PAGE: u64 = 200;

/// Every event type of the catalogue, for checking a filter's patterns.
static KNOWN_EVENT_TYPES: LazyLock<Vec<String>> = LazyLock::new(|| {
    hotline_schemas::catalogue::catalogue().events.into_iter().map(|event| event.event_type).collect()
});

/// A registered endpoint and the secret it signs with, shown this once.
#[derive(Debug, Clone)]
pub struct RegisteredEndpoint {
    pub endpoint: EndpointEntry,
    pub secret: String,
}

#[derive(Clone)]
pub struct WebhookService {
    engine: Engine,
}

fn store_error(error: hotline_infra::store::StoreError) -> ApiError {
    ApiError::from(error)
}

impl WebhookService {
    /// Creates the delivery table; deliveries start with [`WebhookService::start_delivery`].
    pub async fn open(
        dispatcher: Arc<Dispatcher>,
        secrets: Arc<dyn SecretStore>,
        pool: AnyPool,
        config: DeliveryConfig,
    ) -> Result<Self, ApiError> {
        let deliveries = DeliveryStore::open(pool).await.map_err(store_error)?;
        let client = http_client(&config)
            .map_err(|error| ApiError::internal(format!("building the webhook HTTP client: {error}")))?;
        let (followed, _) = watch::channel(0);
        let engine =
            Engine { dispatcher, secrets, deliveries, endpoints: Endpoints::default(), config, followed, client };
        Ok(Self { engine })
    }

    /// Starts following the log and delivering (once per process).
    pub fn start_delivery(&self, checkpoints: ProcessCheckpoints) {
        tokio::spawn(self.engine.clone().follow(checkpoints));
    }

    fn meta(session: &Session, now: DateTime<Utc>) -> Result<CommandMeta, ApiError> {
        session.require(PERMISSION)?;
        Ok(CommandMeta::new(Uuid::now_v7(), session.tenant_id, session.actor(), now))
    }

    /// Waits (bounded) until the follower has folded what the command appended.
    async fn wait_for_follower(&self, outcome: &CommandOutcome) {
        let Some(position) = outcome.last_position else { return };
        let mut followed = self.engine.followed.subscribe();
        let _ = tokio::time::timeout(READ_YOUR_WRITES, followed.wait_for(|seen| *seen >= position)).await;
    }

    /// The endpoint of the caller's tenant, not deleted.
    fn endpoint(&self, session: &Session, endpoint_id: Uuid) -> Result<EndpointEntry, ApiError> {
        self.engine
            .endpoints
            .get(endpoint_id)
            .filter(|entry| entry.tenant_id == session.tenant_id && !entry.endpoint.deleted)
            .ok_or_else(|| {
                ApiError::new(StatusCode::NOT_FOUND, "webhook.endpoint_not_found", format!("no webhook {endpoint_id}"))
            })
    }

    async fn command(
        &self,
        session: &Session,
        endpoint_id: Uuid,
        action: WebhookAction,
        now: DateTime<Utc>,
    ) -> Result<EndpointEntry, ApiError> {
        let meta = Self::meta(session, now)?;
        if !matches!(action, WebhookAction::Register { .. }) {
            self.endpoint(session, endpoint_id)?;
        }
        let outcome =
            self.engine.dispatcher.dispatch::<Webhook>(&meta, &WebhookCommand { endpoint_id, action }).await?;
        self.wait_for_follower(&outcome).await;
        self.engine.endpoints.get(endpoint_id).ok_or_else(|| {
            ApiError::internal("the webhook was saved but the delivery follower has not seen it yet; list it again")
        })
    }

    /// Refuses a URL whose host is, or resolves only to, an address deliveries may not reach.
    async fn check_address(&self, url: &str) -> Result<(), ApiError> {
        self.engine.config.addresses.check_url(url).await.map_err(|refused| {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ADDRESS_NOT_ALLOWED, refused.to_string())
        })
    }

    /// Registers an endpoint; the secret is in the answer and nowhere else that can be read.
    pub async fn register(
        &self,
        session: &Session,
        settings: EndpointSettings,
        now: DateTime<Utc>,
    ) -> Result<RegisteredEndpoint, ApiError> {
        session.require(PERMISSION)?;
        check_known_event_types(&settings.event_types)?;
        webhook::validate_settings(&settings)?;
        self.check_address(&settings.url).await?;
        let secret = new_secret();
        let secret_id = Uuid::now_v7();
        self.engine.secrets.put(session.tenant_id, secret_id, &secret).await.map_err(store_error)?;
        let endpoint_id = Uuid::now_v7();
        let endpoint = self.command(session, endpoint_id, WebhookAction::Register { settings, secret_id }, now).await?;
        Ok(RegisteredEndpoint { endpoint, secret })
    }

    pub async fn update(
        &self,
        session: &Session,
        endpoint_id: Uuid,
        settings: EndpointSettings,
        now: DateTime<Utc>,
    ) -> Result<EndpointEntry, ApiError> {
        session.require(PERMISSION)?;
        check_known_event_types(&settings.event_types)?;
        webhook::validate_settings(&settings)?;
        self.check_address(&settings.url).await?;
        self.command(session, endpoint_id, WebhookAction::Update { settings }, now).await
    }

    /// Enables or disables an endpoint (an administrator's decision).
    pub async fn set_enabled(
        &self,
        session: &Session,
        endpoint_id: Uuid,
        enabled: bool,
        now: DateTime<Utc>,
    ) -> Result<EndpointEntry, ApiError> {
        let action =
            if enabled { WebhookAction::Enable } else { WebhookAction::Disable { reason: "administrator".to_owned() } };
        self.command(session, endpoint_id, action, now).await
    }

    pub async fn delete(&self, session: &Session, endpoint_id: Uuid, now: DateTime<Utc>) -> Result<(), ApiError> {
        let entry = self.command(session, endpoint_id, WebhookAction::Delete, now).await?;
        if let Err(error) = self.engine.secrets.delete(session.tenant_id, entry.endpoint.secret_id).await {
            tracing::warn!(%error, %endpoint_id, "deleting a deleted webhook's secret");
        }
        Ok(())
    }

    /// Replaces the endpoint's secret; the new one is in the answer, the old one is destroyed.
    pub async fn rotate_secret(
        &self,
        session: &Session,
        endpoint_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<RegisteredEndpoint, ApiError> {
        session.require(PERMISSION)?;
        let old_secret_id = self.endpoint(session, endpoint_id)?.endpoint.secret_id;
        let secret = new_secret();
        let secret_id = Uuid::now_v7();
        self.engine.secrets.put(session.tenant_id, secret_id, &secret).await.map_err(store_error)?;
        let endpoint = self.command(session, endpoint_id, WebhookAction::RotateSecret { secret_id }, now).await?;
        if let Err(error) = self.engine.secrets.delete(session.tenant_id, old_secret_id).await {
            tracing::warn!(%error, %endpoint_id, "deleting a rotated webhook secret");
        }
        Ok(RegisteredEndpoint { endpoint, secret })
    }

    /// The tenant's endpoints (not deleted), oldest first.
    pub fn endpoints(&self, session: &Session) -> Result<Vec<EndpointEntry>, ApiError> {
        session.require(PERMISSION)?;
        Ok(self.engine.endpoints.of_tenant(session.tenant_id))
    }

    /// A page of the tenant's deliveries (newest event first) and whether more follow.
    pub async fn deliveries(
        &self,
        session: &Session,
        filter: &DeliveryFilter,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Delivery>, bool), ApiError> {
        session.require(PERMISSION)?;
        let limit = limit.clamp(1, MAX_PAGE);
        let mut page =
            self.engine.deliveries.list(session.tenant_id, filter, offset, limit).await.map_err(store_error)?;
        let more = page.len() as u64 > limit;
        page.truncate(limit as usize);
        Ok((page, more))
    }

    /// Sends a delivery again (a dead-lettered one, typically), from its first try.
    pub async fn redeliver(
        &self,
        session: &Session,
        delivery_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Delivery, ApiError> {
        session.require(PERMISSION)?;
        let not_found =
            || ApiError::new(StatusCode::NOT_FOUND, "webhook.delivery_not_found", format!("no delivery {delivery_id}"));
        let deliveries = &self.engine.deliveries;
        let delivery =
            deliveries.get(session.tenant_id, delivery_id).await.map_err(store_error)?.ok_or_else(not_found)?;
        let active = self.engine.endpoints.get(delivery.endpoint_id).is_some_and(|entry| entry.endpoint.is_active());
        if !active {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "webhook.endpoint_disabled",
                "the delivery's endpoint is disabled or deleted: enable it first",
            ));
        }
        if delivery.status != DeliveryStatus::Pending || delivery.attempts > 0 {
            deliveries.requeue(session.tenant_id, delivery_id, now).await.map_err(store_error)?;
        }
        self.engine.endpoints.wake(delivery.endpoint_id);
        deliveries.get(session.tenant_id, delivery_id).await.map_err(store_error)?.ok_or_else(not_found)
    }
}

/// Refuses a pattern that matches no event type of the catalogue (a typo would otherwise
/// silently receive nothing).
fn check_known_event_types(patterns: &[String]) -> Result<(), ApiError> {
    webhook::validate_event_types(patterns)?;
    for pattern in patterns {
        let known =
            KNOWN_EVENT_TYPES.iter().any(|event_type| webhook::wants(std::slice::from_ref(pattern), event_type));
        if !known {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "webhook.unknown_event_type",
                format!("{pattern:?} matches no event type of the catalogue"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_must_name_catalogued_types() {
        assert!(check_known_event_types(&["hotline.user.created".into(), "hotline.conversation.*".into()]).is_ok());
        assert_eq!(
            check_known_event_types(&["hotline.user.exploded".into()]).unwrap_err().code,
            "webhook.unknown_event_type"
        );
        assert_eq!(
            check_known_event_types(&["hotline.nothing.*".into()]).unwrap_err().code,
            "webhook.unknown_event_type"
        );
        assert_eq!(check_known_event_types(&["user".into()]).unwrap_err().code, "webhook.invalid_event_type");
    }
}
