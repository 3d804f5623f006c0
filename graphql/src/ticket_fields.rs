//! What the pickers and uploads of ticket forms need from the server:
//! - `ticketFieldOptions(kind, search, first)`: the tenant's users, user groups (roles),
//!   departments (organisation units, the whole tree) or tickets (within the caller's scope)
//!   to choose from (`menu.tickets` or `ticket.create`);
//! - the names of the ids a ticket's values hold (`Ticket.references`, and the collaborator
//!   page's `references`), so that a form shows names, not ids;
//! - files: `POST /api/ticket-files` (the raw file as the body, its name percent-encoded in
//!   `X-File-Name`) → 201 the value an upload field holds for it; `GET
//!   /api/tickets/{ticketId}/files/{blobId}` downloads a file the ticket's values hold, for a
//!   caller whose scope holds the ticket. The collaborator's page has the same two (in
//!   [`crate::ticket_links`]), with the link as the credential.

use std::collections::{BTreeSet, HashMap};

use async_graphql::{Context, Enum, Object, SimpleObject};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hotline_command_api::files::{file_response, upload_name};
use hotline_command_api::rest::session_from_headers;
use hotline_command_api::tickets::references::MAX_FILE_BYTES;
use hotline_command_api::tickets::{CREATE_PERMISSION, MENU_PERMISSION};
use hotline_command_api::{ApiError, Session};
use hotline_domain::access::role::BuiltInRole;
use hotline_domain::ticket::{FieldReference, ReferenceKind, references, ticket_number};
use hotline_infra::blobs::BlobInfo;
use hotline_projections::tickets::{self as read_model, TicketFilter, TicketScope};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::error::{OrGraphqlError, graphql_error};
use crate::identity::query::{page_size, read_model_error};
use crate::schema::{GraphqlState, session};
use crate::tickets::scope;

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "TicketFieldOptionKind")]
pub enum FieldOptionKind {
    User,
    /// A user group: one of the tenant's roles.
    Group,
    /// An organisation unit.
    Department,
    Ticket,
}

/// One choice of a picker, or the name of an id a ticket's values hold.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
#[graphql(name = "TicketFieldOption")]
pub struct FieldOption {
    pub kind: FieldOptionKind,
    pub id: Uuid,
    /// A user's display name, a group's or unit's name, a ticket's number and title.
    pub label: String,
    /// A department's parent unit (the tree), null otherwise.
    pub parent_id: Option<Uuid>,
}

/// How tickets that values name are labelled: with their title for a user whose scope holds
/// them, by number only for an outside collaborator (titles stay inside the organisation).
pub(crate) enum TicketLabels<'a> {
    Scoped(&'a TicketScope),
    NumberOnly,
}

fn read_failed(error: impl std::fmt::Display) -> ApiError {
    ApiError::internal(format!("reading names for a ticket's fields: {error}"))
}

fn ticket_label(number: &str, title: &str) -> String {
    format!("{number} · {title}")
}

/// The names of what `found` points at, once each; ids that name nothing the tenant (or the
/// caller's scope) has are left out. Files carry their own names in the values.
pub(crate) async fn reference_labels(
    state: &GraphqlState,
    tenant_id: Uuid,
    found: &[FieldReference],
    tickets: TicketLabels<'_>,
) -> Result<Vec<FieldOption>, ApiError> {
    let pool = &state.read_models;
    let wanted: BTreeSet<(ReferenceKind, Uuid)> = found.iter().map(|found| (found.kind, found.id)).collect();
    let mut custom_roles: Option<HashMap<Uuid, String>> = None;
    let mut labels = Vec::new();
    for (kind, id) in wanted {
        let option = |kind, label: String, parent_id| FieldOption { kind, id, label, parent_id };
        let label = match kind {
            ReferenceKind::User => hotline_projections::get_user(pool, tenant_id, id)
                .await
                .map_err(read_failed)?
                .map(|user| option(FieldOptionKind::User, user.display_name, None)),
            ReferenceKind::Group => match BuiltInRole::from_id(id) {
                Some(built_in) => Some(option(FieldOptionKind::Group, built_in.definition().name, None)),
                None => {
                    if custom_roles.is_none() {
                        let roles =
                            hotline_projections::access::list_roles(pool, tenant_id).await.map_err(read_failed)?;
                        custom_roles = Some(roles.into_iter().map(|role| (role.role_id, role.name)).collect());
                    }
                    custom_roles
                        .as_ref()
                        .and_then(|roles| roles.get(&id))
                        .map(|name| option(FieldOptionKind::Group, name.clone(), None))
                }
            },
            ReferenceKind::Department => hotline_projections::organisation::get_org_unit(pool, tenant_id, id)
                .await
                .map_err(read_failed)?
                .map(|unit| option(FieldOptionKind::Department, unit.name, unit.parent_id)),
            ReferenceKind::Ticket => match tickets {
                TicketLabels::Scoped(scope) => read_model::get_ticket(pool, tenant_id, id, scope)
                    .await
                    .map_err(read_failed)?
                    .map(|ticket| option(FieldOptionKind::Ticket, ticket_label(&ticket.number, &ticket.title), None)),
                TicketLabels::NumberOnly => Some(option(FieldOptionKind::Ticket, ticket_number(id), None)),
            },
            ReferenceKind::File => None,
        };
        labels.extend(label);
    }
    Ok(labels)
}

/// The names of the ids a ticket's values hold, for a user whose scope holds the ticket.
pub(crate) async fn ticket_references(
    state: &GraphqlState,
    session: &Session,
    type_id: Uuid,
    version: u32,
    values: &Map<String, Value>,
) -> async_graphql::Result<Vec<FieldOption>> {
    let definition = state.tickets.definition(session.tenant_id, type_id, version).await.or_graphql_error()?;
    let found = references(&definition.form, values);
    if found.is_empty() {
        return Ok(Vec::new());
    }
    let scope = scope(state, session).await?;
    reference_labels(state, session.tenant_id, &found, TicketLabels::Scoped(&scope)).await.map_err(graphql_error)
}

fn require_ticket_user(session: &Session) -> Result<(), ApiError> {
    if session.has(MENU_PERMISSION) { Ok(()) } else { session.require(CREATE_PERMISSION) }
}

/// Lower-cased `label` holds lower-cased `search` (an empty search holds everything).
fn matches(label: &str, search: &str) -> bool {
    search.is_empty() || label.to_lowercase().contains(search)
}

#[derive(Default)]
pub struct TicketFieldsQuery;

#[Object]
impl TicketFieldsQuery {
    /// What a ticket form's picker offers: users or user groups whose name holds `search`,
    /// departments (the whole tree when `search` is empty, parents before children), or the
    /// tickets within your scope whose number or title holds it, most recently changed first.
    /// Holders of `menu.tickets` or `ticket.create`.
    async fn ticket_field_options(
        &self,
        context: &Context<'_>,
        kind: FieldOptionKind,
        search: Option<String>,
        #[graphql(default = 50)] first: usize,
    ) -> async_graphql::Result<Vec<FieldOption>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        require_ticket_user(session).or_graphql_error()?;
        let first = page_size(first)?;
        let search = search.unwrap_or_default().trim().to_lowercase();
        let (pool, tenant_id) = (&state.read_models, session.tenant_id);
        let option = |kind, id, label, parent_id| FieldOption { kind, id, label, parent_id };
        let options: Vec<FieldOption> = match kind {
            FieldOptionKind::User => hotline_projections::search_users(pool, tenant_id, &search, first)
                .await
                .map_err(read_model_error)?
                .into_iter()
                .map(|user| option(kind, user.user_id, user.display_name, None))
                .collect(),
            FieldOptionKind::Group => {
                let custom =
                    hotline_projections::access::list_roles(pool, tenant_id).await.map_err(read_model_error)?;
                BuiltInRole::ALL
                    .into_iter()
                    .filter(|role| *role != BuiltInRole::PlatformAdministrator)
                    .map(BuiltInRole::definition)
                    .chain(custom)
                    .filter(|role| matches(&role.name, &search))
                    .take(first as usize)
                    .map(|role| option(kind, role.role_id, role.name, None))
                    .collect()
            }
            FieldOptionKind::Department => hotline_projections::organisation::list_org_units(pool, tenant_id, None)
                .await
                .map_err(read_model_error)?
                .into_iter()
                .filter(|unit| matches(&unit.name, &search))
                .map(|unit| option(kind, unit.unit_id, unit.name, unit.parent_id))
                .collect(),
            FieldOptionKind::Ticket => {
                let scope = scope(state, session).await?;
                let filter = TicketFilter { text: Some(search), ..TicketFilter::default() };
                let mut snapshot = read_model::snapshot(pool).await.map_err(read_model_error)?;
                let (tickets, _) = read_model::find_tickets(&mut snapshot, tenant_id, &scope, &filter, 0, first)
                    .await
                    .map_err(read_model_error)?;
                tickets
                    .into_iter()
                    .map(|ticket| option(kind, ticket.ticket_id, ticket_label(&ticket.number, &ticket.title), None))
                    .collect()
            }
        };
        Ok(options)
    }
}

pub fn router(state: GraphqlState) -> Router {
    Router::new()
        .route("/api/ticket-files", post(upload))
        .layer(file_body_limit())
        .route("/api/tickets/{ticket_id}/files/{blob_id}", get(download))
        .with_state(state)
}

/// A little over the files' limit, so that the service answers a too-large file itself.
pub(crate) fn file_body_limit() -> DefaultBodyLimit {
    DefaultBodyLimit::max(MAX_FILE_BYTES + 1024)
}

pub(crate) fn content_type(headers: &HeaderMap) -> &str {
    headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or_default()
}

pub(crate) fn created(file: impl serde::Serialize) -> Response {
    (StatusCode::CREATED, axum::Json(json!(file))).into_response()
}

fn no_such_file(blob_id: Uuid) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "ticket.file_not_found", format!("no file {blob_id} in this ticket"))
}

pub(crate) fn download_of(found: Option<(BlobInfo, Vec<u8>)>, blob_id: Uuid) -> Result<Response, ApiError> {
    let (info, bytes) = found.ok_or_else(|| no_such_file(blob_id))?;
    Ok(file_response(&info, bytes, false))
}

async fn upload(State(state): State<GraphqlState>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let session = session_from_headers(&state.identity, &headers).await?;
    let file =
        state.tickets.store_file(&session, &upload_name(&headers), content_type(&headers), body.to_vec()).await?;
    Ok(created(file))
}

async fn download(
    State(state): State<GraphqlState>,
    Path((ticket_id, blob_id)): Path<(Uuid, Uuid)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let session = session_from_headers(&state.identity, &headers).await?;
    session.require(MENU_PERMISSION)?;
    let scope = scope(&state, &session).await.map_err(|error| ApiError::internal(error.message))?;
    let ticket = read_model::get_ticket(&state.read_models, session.tenant_id, ticket_id, &scope)
        .await
        .map_err(|error| ApiError::internal(format!("reading ticket {ticket_id}: {error}")))?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "ticket.not_found", format!("no ticket {ticket_id}")))?;
    let definition = state.tickets.definition(session.tenant_id, ticket.type_id, ticket.version).await?;
    // A file in a field the caller's roles' forms hide is not theirs to read.
    let values = definition.form.visible_values(ticket.values, &session.access.role_ids);
    let found = state.tickets.ticket_file(session.tenant_id, &definition.form, &values, blob_id).await?;
    download_of(found, blob_id)
}
