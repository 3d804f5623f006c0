//! The customer spreadsheets over HTTP: `GET /api/customers/template.xlsx`,
//! `POST /api/customers/import`, `GET /api/customers/export.xlsx?query=<id>`, with the
//! session cookie or a bearer token (docs/customers.md).

use std::collections::HashSet;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use hotline_command_api::customers::excel::{self, MAX_IMPORT_BYTES};
use hotline_command_api::customers::service::{EXPORT_PERMISSION, IMPORT_PERMISSION, MENU_PERMISSION};
use hotline_command_api::rest::session_from_headers;
use hotline_command_api::{ApiError, Session};
use hotline_projections::customers as read_model;
use serde::Deserialize;
use uuid::Uuid;

use crate::schema::GraphqlState;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// The most customers one export holds.
const MAX_EXPORT_ROWS: usize = 100_000;

pub fn router(state: GraphqlState) -> Router {
    Router::new()
        .route("/api/customers/template.xlsx", get(template))
        .route("/api/customers/import", post(import))
        .route("/api/customers/export.xlsx", get(export))
        .layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES + 1024))
        .with_state(state)
}

async fn session(state: &GraphqlState, headers: &HeaderMap, permission: &str) -> Result<Session, ApiError> {
    let session = session_from_headers(&state.identity, headers).await?;
    session.require(permission)?;
    Ok(session)
}

fn spreadsheet(bytes: Vec<u8>, file_name: &str) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(XLSX));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

fn sheet_failure(error: excel::SheetError) -> ApiError {
    ApiError::internal(format!("writing the spreadsheet: {error}"))
}

async fn template(State(state): State<GraphqlState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let session = session(&state, &headers, MENU_PERMISSION).await?;
    let fields = state.customers.fields(session.tenant_id).await?;
    Ok(spreadsheet(excel::template(&fields).map_err(sheet_failure)?, "customers-template.xlsx"))
}

async fn import(State(state): State<GraphqlState>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let session = session(&state, &headers, IMPORT_PERMISSION).await?;
    if body.len() > MAX_IMPORT_BYTES {
        return Err(ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "customer.import_too_large",
            format!("the file is over {} MB", MAX_IMPORT_BYTES / 1024 / 1024),
        ));
    }
    // Every customer's clash keys, so a row that repeats a known customer is reported (in the
    // form `duplicate_keys` gives a row's).
    let known = read_model::duplicate_keys(&state.read_models, session.tenant_id)
        .await
        .map_err(|error| ApiError::internal(error.to_string()))?;
    let existing: HashSet<String> = known
        .phones
        .iter()
        .map(|phone| format!("phone:{phone}"))
        .chain(known.id_cards.iter().map(|id_card| format!("id:{id_card}")))
        .collect();
    let command_id = Uuid::now_v7();
    let report = state.customers.import(&session, command_id, &body, &existing, Utc::now()).await?;
    Ok(axum::Json(report).into_response())
}

#[derive(Deserialize)]
struct ExportQuery {
    query: Option<Uuid>,
}

async fn export(
    State(state): State<GraphqlState>,
    headers: HeaderMap,
    Query(export): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let session = session(&state, &headers, EXPORT_PERMISSION).await?;
    let fields = state.customers.fields(session.tenant_id).await?;
    let read_error = |error: hotline_projections::ProjectionError| ApiError::internal(error.to_string());
    let (conditions, sort) = match export.query {
        None => (Vec::new(), None),
        Some(query_id) => {
            let query = read_model::get_saved_query(&state.read_models, session.tenant_id, session.user_id, query_id)
                .await
                .map_err(read_error)?
                .ok_or_else(|| {
                    ApiError::new(axum::http::StatusCode::NOT_FOUND, "customer.invalid_query", "no such saved query")
                })?;
            (query.body.conditions, query.body.sort_field.map(|field| (field, query.body.sort_descending)))
        }
    };
    let (customers, _) = read_model::find_customers(
        &state.read_models,
        session.tenant_id,
        &conditions,
        &hotline_domain::customer::field_types(&fields),
        sort.as_ref().map(|(field, descending)| (field.as_str(), *descending)),
        MAX_EXPORT_ROWS,
        0,
    )
    .await
    .map_err(read_error)?;
    let rows: Vec<_> =
        customers.into_iter().filter(|customer| !customer.forgotten).map(|customer| customer.values).collect();
    Ok(spreadsheet(excel::export(&fields, &rows).map_err(sheet_failure)?, "customers.xlsx"))
}
