//! Outgoing webhooks: the tenant's endpoints, their deliveries (with the dead-letter list),
//! and the mutations that manage them. Everything needs `integration.webhooks`, checked by
//! the webhook service.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use hotline_command_api::webhooks::{
    Delivery, DeliveryFilter, DeliveryStatus as ServiceStatus, EndpointEntry, RegisteredEndpoint,
};
use hotline_domain::webhook::EndpointSettings;
use uuid::Uuid;

use crate::error::OrGraphqlError;
use crate::schema::{GraphqlState, session};

/// An endpoint that receives the tenant's events.
#[derive(SimpleObject, Clone)]
pub struct WebhookEndpoint {
    pub id: Uuid,
    pub url: String,
    /// Patterns (`hotline.user.created`, `hotline.user.*`); empty receives every event.
    pub event_types: Vec<String>,
    pub description: String,
    pub enabled: bool,
    /// `administrator`, or `gone` when the receiver answered 410; null while enabled.
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<EndpointEntry> for WebhookEndpoint {
    fn from(entry: EndpointEntry) -> Self {
        let endpoint = entry.endpoint;
        Self {
            id: endpoint.endpoint_id,
            url: endpoint.settings.url,
            event_types: endpoint.settings.event_types,
            description: endpoint.settings.description,
            enabled: endpoint.enabled,
            disabled_reason: endpoint.disabled_reason,
            created_at: entry.created_at,
            updated_at: entry.updated_at,
        }
    }
}

/// An endpoint with its signing secret (`whsec_...`), shown only in this answer.
#[derive(SimpleObject)]
pub struct WebhookWithSecret {
    pub endpoint: WebhookEndpoint,
    pub secret: String,
}

impl From<RegisteredEndpoint> for WebhookWithSecret {
    fn from(registered: RegisteredEndpoint) -> Self {
        Self { endpoint: registered.endpoint.into(), secret: registered.secret }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "WebhookDeliveryStatus")]
pub enum DeliveryStatus {
    /// Not sent yet, or waiting for its next try.
    Pending,
    Delivered,
    /// Every try failed (or the receiver answered 410): the dead-letter list.
    Dead,
}

impl From<ServiceStatus> for DeliveryStatus {
    fn from(status: ServiceStatus) -> Self {
        match status {
            ServiceStatus::Pending => DeliveryStatus::Pending,
            ServiceStatus::Delivered => DeliveryStatus::Delivered,
            ServiceStatus::Dead => DeliveryStatus::Dead,
        }
    }
}

impl From<DeliveryStatus> for ServiceStatus {
    fn from(status: DeliveryStatus) -> Self {
        match status {
            DeliveryStatus::Pending => ServiceStatus::Pending,
            DeliveryStatus::Delivered => ServiceStatus::Delivered,
            DeliveryStatus::Dead => ServiceStatus::Dead,
        }
    }
}

/// One event on its way to one endpoint.
#[derive(SimpleObject)]
pub struct WebhookDelivery {
    pub id: Uuid,
    pub endpoint_id: Uuid,
    /// The event's id, also the `webhook-id` header.
    pub event_id: Uuid,
    pub event_type: String,
    pub position: u64,
    pub status: DeliveryStatus,
    /// Tries so far (a redelivery counts afresh).
    pub attempts: u32,
    /// When it is tried next, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_response_status: Option<u16>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<Delivery> for WebhookDelivery {
    fn from(delivery: Delivery) -> Self {
        let status = DeliveryStatus::from(delivery.status);
        Self {
            id: delivery.delivery_id,
            endpoint_id: delivery.endpoint_id,
            event_id: delivery.event_id,
            event_type: delivery.event_type,
            position: delivery.position,
            status,
            attempts: delivery.attempts,
            next_attempt_at: (status == DeliveryStatus::Pending).then_some(delivery.next_attempt_at),
            last_response_status: delivery.last_response_status,
            last_error: delivery.last_error,
            created_at: delivery.created_at,
            updated_at: delivery.updated_at,
            delivered_at: delivery.delivered_at,
        }
    }
}

#[derive(SimpleObject)]
pub struct WebhookDeliveryPage {
    pub nodes: Vec<WebhookDelivery>,
    /// Pass as `after` for the next page.
    pub end_cursor: Option<String>,
    pub has_next_page: bool,
}

#[derive(InputObject)]
pub struct WebhookInput {
    /// An absolute http:// or https:// address.
    pub url: String,
    /// `hotline.<context>.<event>` or `hotline.<context>.*`; empty or absent receives every event.
    #[graphql(default)]
    pub event_types: Vec<String>,
    #[graphql(default)]
    pub description: String,
}

impl From<WebhookInput> for EndpointSettings {
    fn from(input: WebhookInput) -> Self {
        Self { url: input.url, event_types: input.event_types, description: input.description }
    }
}

fn cursor_offset(after: Option<String>) -> async_graphql::Result<u64> {
    match after {
        None => Ok(0),
        Some(cursor) => cursor.parse().map_err(|_| {
            crate::error::graphql_error(hotline_command_api::ApiError::invalid_command(format!(
                "the cursor {cursor:?} is not one this query returned"
            )))
        }),
    }
}

#[derive(Default)]
pub struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// Your tenant's webhook endpoints, oldest first. Needs `integration.webhooks`.
    async fn webhook_endpoints(&self, context: &Context<'_>) -> async_graphql::Result<Vec<WebhookEndpoint>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let entries = state.webhooks.endpoints(session).or_graphql_error()?;
        Ok(entries.into_iter().map(WebhookEndpoint::from).collect())
    }

    /// Your tenant's deliveries, newest event first; `status: DEAD` is the dead-letter list.
    /// Needs `integration.webhooks`.
    async fn webhook_deliveries(
        &self,
        context: &Context<'_>,
        endpoint_id: Option<Uuid>,
        status: Option<DeliveryStatus>,
        #[graphql(default = 50)] first: u32,
        after: Option<String>,
    ) -> async_graphql::Result<WebhookDeliveryPage> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let offset = cursor_offset(after)?;
        let filter = DeliveryFilter { endpoint_id, status: status.map(ServiceStatus::from) };
        let (page, has_next_page) =
            state.webhooks.deliveries(session, &filter, offset, u64::from(first)).await.or_graphql_error()?;
        let end_cursor = (!page.is_empty()).then(|| (offset + page.len() as u64).to_string());
        Ok(WebhookDeliveryPage {
            nodes: page.into_iter().map(WebhookDelivery::from).collect(),
            end_cursor,
            has_next_page,
        })
    }
}

#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Registers an endpoint; the answer holds its signing secret, shown this once.
    async fn register_webhook(
        &self,
        context: &Context<'_>,
        input: WebhookInput,
    ) -> async_graphql::Result<WebhookWithSecret> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let registered = state.webhooks.register(session, input.into(), Utc::now()).await.or_graphql_error()?;
        Ok(registered.into())
    }

    /// Replaces an endpoint's URL, filter and description.
    async fn update_webhook(
        &self,
        context: &Context<'_>,
        id: Uuid,
        input: WebhookInput,
    ) -> async_graphql::Result<WebhookEndpoint> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let entry = state.webhooks.update(session, id, input.into(), Utc::now()).await.or_graphql_error()?;
        Ok(entry.into())
    }

    /// Enables or disables an endpoint (a disabled one receives no new events).
    async fn set_webhook_enabled(
        &self,
        context: &Context<'_>,
        id: Uuid,
        enabled: bool,
    ) -> async_graphql::Result<WebhookEndpoint> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let entry = state.webhooks.set_enabled(session, id, enabled, Utc::now()).await.or_graphql_error()?;
        Ok(entry.into())
    }

    /// Deletes an endpoint and its secret; returns its id.
    async fn delete_webhook(&self, context: &Context<'_>, id: Uuid) -> async_graphql::Result<ID> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        state.webhooks.delete(session, id, Utc::now()).await.or_graphql_error()?;
        Ok(ID(id.to_string()))
    }

    /// Replaces an endpoint's signing secret; the answer holds the new one, shown this once.
    async fn rotate_webhook_secret(&self, context: &Context<'_>, id: Uuid) -> async_graphql::Result<WebhookWithSecret> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let rotated = state.webhooks.rotate_secret(session, id, Utc::now()).await.or_graphql_error()?;
        Ok(rotated.into())
    }

    /// Sends a delivery again from its first try (a dead-lettered one, typically).
    async fn redeliver_webhook(
        &self,
        context: &Context<'_>,
        delivery_id: Uuid,
    ) -> async_graphql::Result<WebhookDelivery> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let delivery = state.webhooks.redeliver(session, delivery_id, Utc::now()).await.or_graphql_error()?;
        Ok(delivery.into())
    }
}
