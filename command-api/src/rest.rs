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
use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use hotline_domain::access::permissions::DataScope;
use hotline_domain::access::role::RoleDefinition;
use hotline_domain::dictionary::{DictionaryEntry, ValueType};
use hotline_domain::identity::tenant::TenantSettings;
use hotline_domain::organisation::{Dimension, UnitKind};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::Session;
use crate::dictionary::DictionaryService;
use crate::dispatcher::CommandOutcome;
use crate::error::ApiError;
use crate::identity::{IdentityService, NewUser, UserChanges};
use crate::organisation::{NewUnit, OrganisationService};
use crate::tenant_settings::TenantSettingsService;

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
    #[serde(default)]
    email: Option<String>,
}

impl CreateUserPayload {
    fn into_new_user(self) -> NewUser {
        NewUser {
            username: self.username,
            display_name: self.display_name,
            password: self.password,
            role_ids: self.role_ids,
            org_unit_id: self.org_unit_id,
            email: self.email,
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
pub const COMMAND_TYPES: &[&str] = &[
    "tenant.create",
    "tenant.update_settings",
    "user.create",
    "user.update",
    "user.change_password",
    "user.unlock",
    "user.logout_everywhere",
    "role.save",
    "org.create_unit",
    "org.rename_unit",
    "org.move_unit",
    "org.remove_unit",
    "dictionary.create",
    "dictionary.set_entries",
];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UpdateUserPayload {
    user_id: Uuid,
    display_name: String,
    role_ids: Vec<Uuid>,
    org_unit_id: Option<Uuid>,
    #[serde(default)]
    email: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UserIdPayload {
    user_id: Uuid,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SaveRolePayload {
    /// Left out to create a role.
    role_id: Option<Uuid>,
    name: String,
    #[serde(default)]
    description: String,
    permissions: Vec<String>,
    #[serde(default)]
    data_scopes: BTreeMap<String, DataScope>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CreateUnitPayload {
    parent_id: Option<Uuid>,
    name: String,
    kind: UnitKind,
    dimension: Dimension,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RenameUnitPayload {
    unit_id: Uuid,
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MoveUnitPayload {
    unit_id: Uuid,
    new_parent_id: Option<Uuid>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UnitIdPayload {
    unit_id: Uuid,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CreateDictionaryPayload {
    code: String,
    name: String,
    value_type: ValueType,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EntryPayload {
    code: String,
    label: String,
    #[serde(default)]
    sort_order: i32,
    #[serde(default = "enabled_by_default")]
    enabled: bool,
}

fn enabled_by_default() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SetEntriesPayload {
    code: String,
    entries: Vec<EntryPayload>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SettingsPayload {
    organisation_name: String,
    logo_url: String,
    copyright: String,
    hotline_number: String,
    website_url: String,
    /// Absent keeps the current address; empty clears it.
    #[serde(default)]
    support_email: Option<String>,
    /// An IANA time zone: absent keeps the current one; empty is UTC.
    #[serde(default)]
    time_zone: Option<String>,
}

async fn command(
    State(identity): State<IdentityService>,
    headers: HeaderMap,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let request: CommandRequest = parse(body?.0)?;
    let session = session_from_headers(&identity, &headers).await?;
    let command_id = request.command_id.unwrap_or_else(Uuid::now_v7);
    let (aggregate_id, outcome) =
        dispatch(&identity, &session, &request.command_type, command_id, request.payload, Utc::now()).await?;
    let status = if outcome.duplicate { StatusCode::OK } else { StatusCode::CREATED };
    let mut body = serde_json::to_value(&outcome).expect("an outcome serialises");
    body["aggregateId"] = json!(aggregate_id);
    Ok((status, Json(body)))
}

/// Parses a command's payload by its type and hands it to the service of its context.
async fn dispatch(
    identity: &IdentityService,
    session: &Session,
    command_type: &str,
    command_id: Uuid,
    payload: Value,
    now: DateTime<Utc>,
) -> Result<(Uuid, CommandOutcome), ApiError> {
    let dispatcher = Arc::clone(identity.dispatcher());
    match command_type {
        "tenant.create" => {
            let payload: CreateTenantPayload = parse(payload)?;
            let admin = payload.admin.map(CreateUserPayload::into_new_user);
            identity.create_tenant(session, command_id, &payload.slug, &payload.name, admin, now).await
        }
        "tenant.update_settings" => {
            let payload: SettingsPayload = parse(payload)?;
            let settings = TenantSettings {
                organisation_name: payload.organisation_name,
                logo_url: payload.logo_url,
                copyright: payload.copyright,
                hotline_number: payload.hotline_number,
                website_url: payload.website_url,
                support_email: String::new(),
                time_zone: String::new(),
            };
            let outcome = TenantSettingsService::new(dispatcher)
                .update_settings(session, command_id, settings, payload.support_email, payload.time_zone, now)
                .await?;
            Ok((session.tenant_id, outcome))
        }
        "user.create" => {
            let payload: CreateUserPayload = parse(payload)?;
            identity.create_user(session, command_id, payload.into_new_user(), now).await
        }
        "user.update" => {
            let payload: UpdateUserPayload = parse(payload)?;
            let changes = UserChanges {
                user_id: payload.user_id,
                display_name: payload.display_name,
                role_ids: payload.role_ids,
                org_unit_id: payload.org_unit_id,
                email: payload.email,
            };
            Ok((payload.user_id, identity.update_user(session, command_id, changes, now).await?))
        }
        "user.change_password" => {
            let payload: ChangePasswordPayload = parse(payload)?;
            let outcome = identity
                .change_password(
                    session,
                    command_id,
                    payload.user_id,
                    payload.current_password.as_deref(),
                    &payload.new_password,
                    now,
                )
                .await?;
            Ok((payload.user_id, outcome))
        }
        "user.unlock" => {
            let payload: UserIdPayload = parse(payload)?;
            Ok((payload.user_id, identity.unlock_user(session, command_id, payload.user_id, now).await?))
        }
        "user.logout_everywhere" => {
            let payload: UserIdPayload = parse(payload)?;
            Ok((payload.user_id, identity.revoke_sessions(session, command_id, payload.user_id, now).await?))
        }
        "role.save" => {
            let payload: SaveRolePayload = parse(payload)?;
            let create = payload.role_id.is_none();
            let role_id = payload.role_id.unwrap_or_else(|| Uuid::new_v5(&command_id, b"role"));
            let definition = RoleDefinition {
                role_id,
                name: payload.name,
                description: payload.description,
                permissions: payload.permissions,
                data_scopes: payload.data_scopes,
            };
            Ok((role_id, identity.save_role(session, command_id, definition, create, now).await?))
        }
        "org.create_unit" => {
            let payload: CreateUnitPayload = parse(payload)?;
            let unit = NewUnit {
                parent_id: payload.parent_id,
                name: payload.name,
                kind: payload.kind,
                dimension: payload.dimension,
            };
            OrganisationService::new(dispatcher).create_unit(session, command_id, unit, now).await
        }
        "org.rename_unit" => {
            let payload: RenameUnitPayload = parse(payload)?;
            let service = OrganisationService::new(dispatcher);
            Ok((payload.unit_id, service.rename_unit(session, command_id, payload.unit_id, payload.name, now).await?))
        }
        "org.move_unit" => {
            let payload: MoveUnitPayload = parse(payload)?;
            let service = OrganisationService::new(dispatcher);
            let outcome = service.move_unit(session, command_id, payload.unit_id, payload.new_parent_id, now).await?;
            Ok((payload.unit_id, outcome))
        }
        "org.remove_unit" => {
            let payload: UnitIdPayload = parse(payload)?;
            let service = OrganisationService::new(dispatcher);
            Ok((payload.unit_id, service.remove_unit(session, command_id, payload.unit_id, now).await?))
        }
        "dictionary.create" => {
            let payload: CreateDictionaryPayload = parse(payload)?;
            DictionaryService::new(dispatcher)
                .create_dictionary(session, command_id, payload.code, payload.name, payload.value_type, now)
                .await
        }
        "dictionary.set_entries" => {
            let payload: SetEntriesPayload = parse(payload)?;
            let entries = payload
                .entries
                .into_iter()
                .map(|entry| DictionaryEntry {
                    code: entry.code,
                    label: entry.label,
                    sort_order: entry.sort_order,
                    enabled: entry.enabled,
                })
                .collect();
            DictionaryService::new(dispatcher).set_entries(session, command_id, &payload.code, entries, now).await
        }
        other => Err(ApiError::unknown_command(other)),
    }
}

fn parse<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|error| ApiError::invalid_command(error.to_string()))
}
