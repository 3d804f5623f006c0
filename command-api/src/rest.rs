//! The REST surface: health, readiness, log-in and the generic command endpoint.
//!
//! `POST /api/commands` takes `{"type": "...", "commandId": "...", "payload": {...}}`, so
//! integrators can send any command without GraphQL. Every failure is problem+json.

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::Session;
use crate::error::ApiError;
use crate::identity::{IdentityService, NewUser};

pub fn router(identity: IdentityService) -> Router {
    let body_limit = identity.dispatcher().max_payload_bytes() + 16 * 1024;
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/api/login", post(login))
        .route("/api/commands", post(command))
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(identity)
}

async fn health() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// Ready when the event store answers.
async fn ready(State(identity): State<IdentityService>) -> Result<Json<Value>, ApiError> {
    let head = identity.dispatcher().store().head_position().await?;
    Ok(Json(json!({ "status": "ready", "headPosition": head })))
}

/// The name of the session cookie (HttpOnly, SameSite=Strict) that log-in sets.
pub const SESSION_COOKIE: &str = "hotline_session";

/// The request's token: the `Authorization: Bearer` header, else the session cookie.
pub fn token_from_headers(headers: &HeaderMap) -> Option<&str> {
    let bearer = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .map(|value| value.strip_prefix("Bearer ").unwrap_or(value).trim());
    bearer.or_else(|| {
        headers.get_all(axum::http::header::COOKIE).iter().filter_map(|value| value.to_str().ok()).find_map(|cookies| {
            cookies.split(';').find_map(|cookie| cookie.trim().strip_prefix(SESSION_COOKIE)?.strip_prefix('='))
        })
    })
}

/// The `Set-Cookie` value that starts a browser session with `token`.
pub fn session_cookie(token: &str, max_age_seconds: i64) -> String {
    format!("{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_seconds}")
}

/// The `Set-Cookie` value that ends the browser session.
pub fn cleared_session_cookie() -> String {
    session_cookie("", 0)
}

/// The request's session, or `auth.unauthenticated`.
pub async fn session_from_headers(identity: &IdentityService, headers: &HeaderMap) -> Result<Session, ApiError> {
    let token = token_from_headers(headers).ok_or_else(ApiError::unauthenticated)?;
    identity.authenticate(token, Utc::now()).await
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "command.payload_too_large",
                "the request body is over the size limit",
            );
        }
        ApiError::malformed_json(rejection.body_text())
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LoginRequest {
    tenant: String,
    username: String,
    password: String,
}

async fn login(
    State(identity): State<IdentityService>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let request: LoginRequest = parse(body?.0)?;
    let logged_in = identity.login(&request.tenant, &request.username, &request.password, Utc::now()).await?;
    let session = &logged_in.session;
    let cookie = session_cookie(&logged_in.token, (session.expires_at - session.issued_at).num_seconds());
    let body = json!({
        "token": logged_in.token,
        "tenantId": session.tenant_id,
        "userId": session.user_id,
        "permissions": session.access.permissions,
        "expiresAt": session.expires_at,
    });
    Ok(([(axum::http::header::SET_COOKIE, cookie)], Json(body)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CommandRequest {
    #[serde(rename = "type")]
    command_type: String,
    command_id: Option<Uuid>,
    payload: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CreateTenantPayload {
    slug: String,
    name: String,
    admin: Option<CreateUserPayload>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CreateUserPayload {
    username: String,
    display_name: String,
    password: String,
    /// Ignored for a tenant's first administrator, who is always an administrator.
    #[serde(default)]
    role_ids: Vec<Uuid>,
    org_unit_id: Option<Uuid>,
}

impl CreateUserPayload {
    fn into_new_user(self) -> NewUser {
        NewUser {
            username: self.username,
            display_name: self.display_name,
            password: self.password,
            role_ids: self.role_ids,
            org_unit_id: self.org_unit_id,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ChangePasswordPayload {
    user_id: Uuid,
    current_password: Option<String>,
    new_password: String,
}

/// The command types this endpoint knows, as `<context>.<verb>`.
pub const COMMAND_TYPES: &[&str] = &["tenant.create", "user.create", "user.change_password"];

async fn command(
    State(identity): State<IdentityService>,
    headers: HeaderMap,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let request: CommandRequest = parse(body?.0)?;
    let session = session_from_headers(&identity, &headers).await?;
    let command_id = request.command_id.unwrap_or_else(Uuid::now_v7);
    let now = Utc::now();
    let (aggregate_id, outcome) = match request.command_type.as_str() {
        "tenant.create" => {
            let payload: CreateTenantPayload = parse(request.payload)?;
            let admin = payload.admin.map(CreateUserPayload::into_new_user);
            identity.create_tenant(&session, command_id, &payload.slug, &payload.name, admin, now).await?
        }
        "user.create" => {
            let payload: CreateUserPayload = parse(request.payload)?;
            identity.create_user(&session, command_id, payload.into_new_user(), now).await?
        }
        "user.change_password" => {
            let payload: ChangePasswordPayload = parse(request.payload)?;
            let outcome = identity
                .change_password(
                    &session,
                    command_id,
                    payload.user_id,
                    payload.current_password.as_deref(),
                    &payload.new_password,
                    now,
                )
                .await?;
            (payload.user_id, outcome)
        }
        other => return Err(ApiError::unknown_command(other)),
    };
    let status = if outcome.duplicate { StatusCode::OK } else { StatusCode::CREATED };
    let mut body = serde_json::to_value(&outcome).expect("an outcome serialises");
    body["aggregateId"] = json!(aggregate_id);
    Ok((status, Json(body)))
}

fn parse<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|error| ApiError::invalid_command(error.to_string()))
}
