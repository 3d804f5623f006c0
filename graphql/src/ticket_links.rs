//! The API of the outside collaborator's page (`/collaborate#<link>` in the web app): no
//! session, the signed link is the credential. It travels in the `X-Ticket-Link` header,
//! never in a URL, so that no proxy or access log keeps it while it is valid (the page reads
//! it from the address's fragment, which browsers do not send).
//!
//! - `GET /api/ticket-link`: the ticket, the step and the part of its form the step shows,
//!   with the values of those fields and the names of the ids they hold;
//! - `POST /api/ticket-link` with `{"values": {...}}`: completes the step;
//! - `POST /api/ticket-link/files` (the raw file, its name in `X-File-Name`): keeps a file
//!   for one of the step's upload fields → 201 the value the field holds for it;
//! - `GET /api/ticket-link/files/{blobId}`: a file the fields shown hold.
//!
//! Errors are problem+json: `ticket.link_invalid` (404, also for a missing header),
//! `ticket.link_expired` (410), `ticket.no_such_task` and `ticket.closed` (409: done
//! already, or closed), and `ticket.invalid_values` (422, naming the fields).

use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use hotline_command_api::ApiError;
use hotline_command_api::auth::LinkClaims;
use hotline_command_api::files::upload_name;
use hotline_domain::ticket::FieldAccess;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::identity::mutation::READ_YOUR_WRITES_TIMEOUT;
use crate::schema::GraphqlState;
use crate::ticket_fields::{
    FieldOptionKind, TicketLabels, content_type, created, download_of, file_body_limit, reference_labels,
};
use crate::ticket_query_field::query_labels;

pub fn router(state: GraphqlState) -> Router {
    Router::new()
        .route("/api/ticket-link", get(show).post(complete))
        .route("/api/ticket-link/files", post(upload))
        .layer(file_body_limit())
        .route("/api/ticket-link/files/{blob_id}", get(download))
        .with_state(state)
}

/// The header the page sends its link in.
pub const LINK_HEADER: &str = "x-ticket-link";

/// The claims of the request's link, if it is genuine and live.
fn claims_of(state: &GraphqlState, headers: &HeaderMap, now: chrono::DateTime<Utc>) -> Result<LinkClaims, ApiError> {
    let link = headers.get(LINK_HEADER).and_then(|value| value.to_str().ok()).unwrap_or_default();
    state.identity.signer().verify_link(link.trim(), now)
}

/// The statuses a person at a browser should see: the domain says 422 for every refusal.
fn for_the_page(error: ApiError) -> ApiError {
    let status = match error.code {
        "ticket.link_invalid" => StatusCode::NOT_FOUND,
        "ticket.link_expired" | "ticket.link_superseded" => StatusCode::GONE,
        "ticket.no_such_task" | "ticket.closed" | "ticket.not_your_task" => StatusCode::CONFLICT,
        _ => return error,
    };
    ApiError { status, ..error }
}

async fn show(State(state): State<GraphqlState>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    let claims = claims_of(&state, &headers, Utc::now())?;
    let task = state.tickets.collaborator_task(&claims).await.map_err(for_the_page)?;
    let organisation = hotline_projections::get_tenant_settings(&state.read_models, claims.tenant_id)
        .await
        .map_err(|error| ApiError::internal(format!("reading the tenant's settings: {error}")))?
        .map(|settings| settings.organisation_name)
        .unwrap_or_default();
    let fields: Vec<Value> =
        task.fields.iter().map(|(key, access)| json!({"key": key, "access": access_name(*access)})).collect();
    let references: Vec<Value> = reference_labels(&state, claims.tenant_id, &task.references, TicketLabels::NumberOnly)
        .await?
        .into_iter()
        .map(|option| {
            let kind = match option.kind {
                FieldOptionKind::User => "USER",
                FieldOptionKind::Group => "GROUP",
                FieldOptionKind::Department => "DEPARTMENT",
                FieldOptionKind::Ticket => "TICKET",
            };
            json!({"kind": kind, "id": option.id, "label": option.label, "parentId": option.parent_id})
        })
        .collect();
    let query_labels = query_labels(&state, claims.tenant_id, &task.query_values).await?;
    let query_labels: Vec<Value> = query_labels
        .into_iter()
        .map(|label| json!({"field": label.field, "value": label.value, "label": label.label}))
        .collect();
    Ok(Json(json!({
        "organisation": organisation,
        "ticketNumber": task.ticket_number,
        "title": task.title,
        "stepName": task.step_name,
        "address": task.address,
        "expiresAt": task.expires_at,
        "form": task.form,
        "fields": fields,
        "values": task.values,
        "references": references,
        "queryLabels": query_labels,
    })))
}

/// As GraphQL's `FieldAccessKind` names it, so the page shares the web app's form code.
fn access_name(access: FieldAccess) -> &'static str {
    match access {
        FieldAccess::Hidden => "HIDDEN",
        FieldAccess::ReadOnly => "READ_ONLY",
        FieldAccess::Editable => "EDITABLE",
        FieldAccess::Required => "REQUIRED",
    }
}

#[derive(Deserialize)]
struct Completion {
    values: Map<String, Value>,
}

async fn complete(
    State(state): State<GraphqlState>,
    headers: HeaderMap,
    body: Result<Json<Completion>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let now = Utc::now();
    let claims = claims_of(&state, &headers, now)?;
    let Json(Completion { values }) = body.map_err(ApiError::from)?;
    let outcome = state.tickets.complete_by_link(&claims, values, now).await.map_err(for_the_page)?;
    // Whoever looks at the ticket next (the collaborator reloading, an agent) sees the step done.
    state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
    Ok(Json(json!({"completed": true})))
}

async fn upload(State(state): State<GraphqlState>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let claims = claims_of(&state, &headers, Utc::now())?;
    let name = upload_name(&headers);
    let file = state
        .tickets
        .store_file_by_link(&claims, &name, content_type(&headers), body.to_vec())
        .await
        .map_err(for_the_page)?;
    Ok(created(file))
}

async fn download(
    State(state): State<GraphqlState>,
    Path(blob_id): Path<Uuid>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let claims = claims_of(&state, &headers, Utc::now())?;
    download_of(state.tickets.link_file(&claims, blob_id).await.map_err(for_the_page)?, blob_id)
}
