//! The schema, its shared state, and its axum routes.

use std::time::Duration;

use async_graphql::http::GraphiQLSource;
use async_graphql::{Context, Data, Schema};
use async_graphql_axum::{GraphQLProtocol, GraphQLRequest, GraphQLResponse, GraphQLWebSocket};
use axum::Router;
use axum::extract::{State, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use hotline_command_api::{ApiError, CommandOutcome, IdentityService, Session};
use hotline_infra::store::SharedEventStore;
use hotline_projections::RunnerHandle;
use sqlx::AnyPool;

use crate::error::{ensure_codes, graphql_error};
use crate::identity::{IdentityMutation, IdentityQuery};
use crate::log::{LogQuery, LogSubscription};

// Each bounded context contributes its part of every root.
#[derive(async_graphql::MergedObject, Default)]
pub struct QueryRoot(IdentityQuery, LogQuery);

#[derive(async_graphql::MergedObject, Default)]
pub struct MutationRoot(IdentityMutation);

#[derive(async_graphql::MergedSubscription, Default)]
pub struct SubscriptionRoot(LogSubscription);

pub type HotlineSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// What every resolver may use.
#[derive(Clone)]
pub struct GraphqlState {
    pub identity: IdentityService,
    pub read_models: AnyPool,
    pub projections: RunnerHandle,
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

fn bearer_session(identity: &IdentityService, authorization: Option<&str>) -> Result<Option<Session>, ApiError> {
    match authorization {
        None => Ok(None),
        Some(value) => {
            let token = value.strip_prefix("Bearer ").ok_or_else(ApiError::unauthenticated)?;
            identity.authenticate(token.trim(), Utc::now()).map(Some)
        }
    }
}

async fn execute(State(route): State<RouteState>, headers: HeaderMap, request: GraphQLRequest) -> GraphQLResponse {
    let authorization = headers.get(axum::http::header::AUTHORIZATION).and_then(|value| value.to_str().ok());
    let mut request = request.into_inner();
    match bearer_session(&route.identity, authorization) {
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

async fn websocket(State(route): State<RouteState>, protocol: GraphQLProtocol, upgrade: WebSocketUpgrade) -> Response {
    upgrade.protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS).on_upgrade(move |socket| {
        let identity = route.identity.clone();
        GraphQLWebSocket::new(socket, route.schema.clone(), protocol)
            .on_connection_init(move |payload| async move {
                let authorization = payload
                    .get("authorization")
                    .or_else(|| payload.get("Authorization"))
                    .and_then(|value| value.as_str());
                let mut data = Data::default();
                if let Some(session) = bearer_session(&identity, authorization).map_err(graphql_error)? {
                    data.insert(session);
                }
                Ok(data)
            })
            .serve()
    })
}
