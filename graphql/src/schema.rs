//! The schema, its shared state, and its axum routes.

use std::sync::Arc;
use std::time::Duration;

use async_graphql::http::GraphiQLSource;
use async_graphql::{Context, Data, Schema};
use async_graphql_axum::{GraphQLProtocol, GraphQLRequest, GraphQLResponse, GraphQLWebSocket};
use axum::Router;
use axum::extract::{State, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use hotline_command_api::chat::ChatService;
use hotline_command_api::customers::CustomerService;
use hotline_command_api::knowledge::KnowledgeService;
use hotline_command_api::rest::token_from_headers;
use hotline_command_api::tickets::TicketService;
use hotline_command_api::webhooks::WebhookService;
use hotline_command_api::{ApiError, CommandOutcome, IdentityService, Session};
use hotline_infra::blobs::BlobStore;
use hotline_infra::mail::outbox::Outbox;
use hotline_infra::store::SharedEventStore;
use hotline_projections::RunnerHandle;
use hotline_projections::knowledge_index::KnowledgeIndexer;
use sqlx::AnyPool;
use uuid::Uuid;

use crate::calls::{CallMutation, CallQuery};
use crate::chat::{ChatMutation, ChatQuery, ChatSubscription};
use crate::customers::{CustomerMutation, CustomerQuery};
use crate::dictionary::{DictionaryMutation, DictionaryQuery};
use crate::error::{ensure_codes, graphql_error};
use crate::forks::{ForkMutation, ForkQuery};
use crate::identity::{IdentityMutation, IdentityQuery};
use crate::knowledge::{KnowledgeMutation, KnowledgeQueryRoot};
use crate::log::{LogMutation, LogQuery, LogSubscription};
use crate::mail_outbox::{MailOutboxMutation, MailOutboxQuery};
use crate::music::{MusicMutation, MusicQuery};
use crate::organisation::{OrganisationMutation, OrganisationQuery};
use crate::settings::{SettingsMutation, SettingsQuery};
use crate::telephony::{TelephonyMutation, TelephonyQuery};
use crate::ticket_fields::TicketFieldsQuery;
use crate::ticket_queries::{TicketQueriesMutation, TicketQueriesQuery};
use crate::ticket_query_field::TicketQueryFieldQuery;
use crate::tickets::{TicketMutation, TicketQuery};
use crate::webhooks::{WebhookMutation, WebhookQuery};

// Each bounded context contributes its part of every root.
#[derive(async_graphql::MergedObject, Default)]
pub struct QueryRoot(
    IdentityQuery,
    LogQuery,
    OrganisationQuery,
    DictionaryQuery,
    SettingsQuery,
    ChatQuery,
    CustomerQuery,
    KnowledgeQueryRoot,
    WebhookQuery,
    TelephonyQuery,
    MusicQuery,
    ForkQuery,
    CallQuery,
    TicketQuery,
    TicketQueriesQuery,
    TicketFieldsQuery,
    TicketQueryFieldQuery,
    MailOutboxQuery,
);

#[derive(async_graphql::MergedObject, Default)]
pub struct MutationRoot(
    IdentityMutation,
    OrganisationMutation,
    DictionaryMutation,
    SettingsMutation,
    ChatMutation,
    CustomerMutation,
    KnowledgeMutation,
    WebhookMutation,
    TelephonyMutation,
    MusicMutation,
    LogMutation,
    ForkMutation,
    CallMutation,
    TicketMutation,
    TicketQueriesMutation,
    MailOutboxMutation,
);

#[derive(async_graphql::MergedSubscription, Default)]
pub struct SubscriptionRoot(LogSubscription, ChatSubscription);

pub type HotlineSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// What every resolver may use.
#[derive(Clone)]
pub struct GraphqlState {
    pub identity: IdentityService,
    pub read_models: AnyPool,
    pub projections: RunnerHandle,
    /// Web chat and routing: the desk, the live board, queues and the widget.
    pub chat: ChatService,
    pub customers: CustomerService,
    /// Ticket types and tickets (keeps published workflow versions in memory).
    pub tickets: TicketService,
    pub knowledge: KnowledgeService,
    /// The knowledge search index, and how far it has followed the log.
    pub knowledge_index: KnowledgeIndexer,
    /// Outgoing webhooks: endpoints, deliveries, redelivery.
    pub webhooks: WebhookService,
    /// Which desk phones are registered with this process's SIP server.
    pub phones: Arc<dyn RegisteredPhones>,
    /// The calls in progress in this process's SIP server, for the softphone bar's controls.
    pub call_control: Arc<dyn CallControl>,
    /// Files kept beside the log (music files here; attachments and recordings through
    /// their services).
    pub blobs: BlobStore,
    /// The mail waiting to go out, and what went (administrators' view).
    pub outbox: Outbox,
}

/// What an agent does to their call from the softphone bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallInstruction {
    Hold,
    Resume,
    /// A blind transfer: the agent's leg ends and the call waits for the target.
    TransferToAgent(Uuid),
    TransferToQueue(Uuid),
    HangUp,
    /// Attended transfer, step one: consult this agent (the caller is held).
    Consult(Uuid),
    /// Back to the caller, without a transfer.
    CancelConsult,
    /// The consulted agent takes the call over.
    CompleteTransfer,
}

/// Why a call instruction was not carried out; `code` is a catalogued error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallControlError {
    pub code: &'static str,
    pub message: String,
}

/// The SIP server's calls, as the API steers them. The call task checks that `agent_id` is
/// the agent connected to the call, carries the instruction out and records it in the log
/// before this returns.
#[async_trait::async_trait]
pub trait CallControl: Send + Sync + 'static {
    async fn instruct(
        &self,
        tenant_id: Uuid,
        call_id: Uuid,
        agent_id: Uuid,
        instruction: CallInstruction,
    ) -> Result<(), CallControlError>;

    /// Calls `number` out through a trunk (`None`: the tenant's default) for the agent, whose
    /// phone rings first; returns the call's id once `dialed` is in the log.
    async fn dial(
        &self,
        tenant_id: Uuid,
        agent_id: Uuid,
        number: &str,
        trunk_id: Option<Uuid>,
    ) -> Result<Uuid, CallControlError>;
}

/// No SIP server in this process.
pub struct NoCalls;

#[async_trait::async_trait]
impl CallControl for NoCalls {
    async fn instruct(&self, _: Uuid, call_id: Uuid, _: Uuid, _: CallInstruction) -> Result<(), CallControlError> {
        Err(CallControlError { code: "call.not_found", message: format!("call {call_id} is not in progress here") })
    }

    async fn dial(&self, _: Uuid, _: Uuid, _: &str, _: Option<Uuid>) -> Result<Uuid, CallControlError> {
        Err(CallControlError { code: "call.no_phone", message: "this server takes no phones (SIP is off)".to_owned() })
    }
}

/// The SIP registrar's live view: registrations are kept in memory by the SIP server, not in
/// the log (a phone refreshes every few minutes), so the API asks it.
pub trait RegisteredPhones: Send + Sync + 'static {
    /// The tenant's extension numbers with a phone registered now.
    fn registered(&self, tenant_id: Uuid) -> Vec<String>;
    /// Where the registration of the tenant's trunk with its carrier stands, if this
    /// process registers it.
    fn carrier_registration(&self, tenant_id: Uuid, trunk_id: Uuid) -> Option<CarrierRegistrationStatus>;
}

/// No SIP server in this process: no phone is registered here.
pub struct NoPhones;

impl RegisteredPhones for NoPhones {
    fn registered(&self, _tenant_id: Uuid) -> Vec<String> {
        Vec::new()
    }

    fn carrier_registration(&self, _tenant_id: Uuid, _trunk_id: Uuid) -> Option<CarrierRegistrationStatus> {
        None
    }
}

#[derive(async_graphql::Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum CarrierRegistrationState {
    /// Sent; no final answer yet.
    Registering,
    Registered,
    /// Refused or unanswered; retried with growing pauses (15 s, then up to 5 minutes).
    Failed,
}

/// A trunk's registration with its carrier, as the SIP server sees it now.
#[derive(async_graphql::SimpleObject, Clone, Debug, PartialEq, Eq)]
pub struct CarrierRegistrationStatus {
    pub state: CarrierRegistrationState,
    /// Why it failed: the carrier's answer, or the error.
    pub detail: Option<String>,
    /// When the state began.
    pub since: DateTime<Utc>,
    /// When a registration runs out unless refreshed (refreshed at three quarters).
    pub expires_at: Option<DateTime<Utc>>,
}

impl GraphqlState {
    pub fn store(&self) -> &SharedEventStore {
        self.identity.dispatcher().store()
    }

    /// Lets a mutation's caller read its own write: waits (bounded) until the read models
    /// have applied the events the command appended.
    pub async fn wait_for_read_models(&self, outcome: &CommandOutcome, timeout: Duration) {
        if let Some(last_position) = outcome.last_position {
            self.projections.wait_for(last_position, timeout).await;
        }
    }
}

/// Where a request came to, as `scheme://host[:port]` (empty when unknown), for addresses
/// the API hands out (the chat widget's snippet).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestOrigin(pub String);

impl RequestOrigin {
    /// From `X-Forwarded-Proto`/`X-Forwarded-Host` (behind a proxy) or `Host`; a host that is
    /// not a plain host name or address with an optional port is ignored, since the origin
    /// ends up in HTML.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).map(str::trim);
        let first = |value: &str| value.split(',').next().unwrap_or_default().trim().to_owned();
        let host = header("x-forwarded-host").map(first).or_else(|| header("host").map(str::to_owned));
        let Some(host) = host.filter(|host| {
            !host.is_empty()
                && host.len() <= 255
                && host.bytes().all(|byte| byte.is_ascii_alphanumeric() || b".-:[]".contains(&byte))
        }) else {
            return Self::default();
        };
        let scheme = match header("x-forwarded-proto").map(first).as_deref() {
            Some("https") => "https",
            _ => "http",
        };
        Self(format!("{scheme}://{host}"))
    }
}

/// The caller's session, or `auth.unauthenticated`.
pub fn session<'a>(context: &'a Context<'_>) -> async_graphql::Result<&'a Session> {
    context.data_opt::<Session>().ok_or_else(|| graphql_error(ApiError::unauthenticated()))
}

pub fn build_schema(state: GraphqlState) -> HotlineSchema {
    Schema::build(QueryRoot::default(), MutationRoot::default(), SubscriptionRoot::default())
        .data(state)
        .limit_depth(16)
        .limit_complexity(1000)
        .finish()
}

/// The schema in SDL, as checked in at `schemas/graphql/schema.graphql`.
pub fn sdl() -> String {
    Schema::build(QueryRoot::default(), MutationRoot::default(), SubscriptionRoot::default()).finish().sdl()
}

#[derive(Clone)]
struct RouteState {
    schema: HotlineSchema,
    identity: IdentityService,
}

/// `/graphql` (POST queries and mutations; GET serves GraphiQL) and `/graphql/ws`
/// (subscriptions over graphql-ws; authenticate in `connection_init` with
/// `{"authorization": "Bearer <token>"}`).
pub fn router(state: GraphqlState) -> Router {
    let identity = state.identity.clone();
    let schema = build_schema(state);
    Router::new()
        .route("/graphql", get(graphiql).post(execute))
        .route("/graphql/ws", get(websocket))
        .with_state(RouteState { schema, identity })
}

async fn graphiql() -> impl IntoResponse {
    Html(GraphiQLSource::build().endpoint("/graphql").subscription_endpoint("/graphql/ws").finish())
}

/// The session of a request's token, `None` without a token.
async fn token_session(identity: &IdentityService, token: Option<&str>) -> Result<Option<Session>, ApiError> {
    match token {
        None => Ok(None),
        Some(token) => identity.authenticate(token, Utc::now()).await.map(Some),
    }
}

async fn execute(State(route): State<RouteState>, headers: HeaderMap, request: GraphQLRequest) -> GraphQLResponse {
    let mut request = request.into_inner().data(RequestOrigin::from_headers(&headers));
    match token_session(&route.identity, token_from_headers(&headers)).await {
        Ok(Some(session)) => request = request.data(session),
        Ok(None) => {}
        Err(error) => {
            let mut response =
                async_graphql::Response::from_errors(vec![graphql_error(error).into_server_error(Default::default())]);
            ensure_codes(&mut response);
            return response.into();
        }
    }
    let mut response = route.schema.execute(request).await;
    ensure_codes(&mut response);
    response.into()
}

async fn websocket(
    State(route): State<RouteState>,
    headers: HeaderMap,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    let cookie_token = token_from_headers(&headers).map(str::to_owned);
    upgrade.protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS).on_upgrade(move |socket| {
        let identity = route.identity.clone();
        GraphQLWebSocket::new(socket, route.schema.clone(), protocol)
            .on_connection_init(move |payload| async move {
                let authorization = payload
                    .get("authorization")
                    .or_else(|| payload.get("Authorization"))
                    .and_then(|value| value.as_str())
                    .map(|value| value.strip_prefix("Bearer ").unwrap_or(value).trim().to_owned());
                // Browsers cannot set headers on a WebSocket: the session cookie came with the upgrade.
                let token = authorization.or(cookie_token);
                let mut data = Data::default();
                if let Some(session) = token_session(&identity, token.as_deref()).await.map_err(graphql_error)? {
                    data.insert(session);
                }
                Ok(data)
            })
            .serve()
    })
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn origin(headers: &[(&'static str, &'static str)]) -> String {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, HeaderValue::from_static(value));
        }
        RequestOrigin::from_headers(&map).0
    }

    #[test]
    fn the_origin_comes_from_the_host_or_the_proxy_and_never_carries_markup() {
        assert_eq!(origin(&[("host", "example.com:8080")]), "http://example.com:8080");
        assert_eq!(
            origin(&[
                ("host", "10.0.0.1"),
                ("x-forwarded-host", "chat.example.com, proxy"),
                ("x-forwarded-proto", "https")
            ]),
            "https://chat.example.com"
        );
        assert_eq!(origin(&[("host", "[::1]:80"), ("x-forwarded-proto", "gopher")]), "http://[::1]:80");
        assert_eq!(origin(&[("host", "evil.com\"><script>")]), "");
        assert_eq!(origin(&[]), "");
    }
}
