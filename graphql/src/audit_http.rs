//! The audit export over HTTP: `GET /api/audit/export?from=..&to=..` streams the caller's
//! tenant's events as CloudEvents JSON Lines (`application/x-ndjson`), each with its
//! `prevhash` and `hash`, for holders of `audit.export` (docs/audit.md). `from` and `to` are
//! each a global position (digits) or an RFC 3339 time (the store's recorded time); both
//! bounds are inclusive.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use hotline_command_api::ApiError;
use hotline_command_api::rest::session_from_headers;
use hotline_infra::store::{LogFilter, SharedEventStore};
use serde::Deserialize;
use uuid::Uuid;

use crate::schema::GraphqlState;

/// The permission the export needs.
pub const EXPORT_PERMISSION: &str = "audit.export";

/// Events read (and sent as one chunk) at a time.
const EXPORT_PAGE: usize = 1000;

pub fn router(state: GraphqlState) -> Router {
    Router::new().route("/api/audit/export", get(export)).with_state(state)
}

#[derive(Deserialize)]
struct ExportQuery {
    from: Option<String>,
    to: Option<String>,
}

/// One end of the exported range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportBound {
    Position(u64),
    Time(DateTime<Utc>),
}

impl ExportBound {
    /// Digits are a global position; anything else must be an RFC 3339 time.
    pub fn parse(text: &str) -> Result<Self, String> {
        if !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit()) {
            return text.parse().map(ExportBound::Position).map_err(|error| format!("{text:?}: {error}"));
        }
        DateTime::parse_from_rfc3339(text)
            .map(|time| ExportBound::Time(time.with_timezone(&Utc)))
            .map_err(|_| format!("{text:?} is neither a global position nor an RFC 3339 time"))
    }
}

/// The cursor to read after and the filter of an export from `from` to `to`.
pub fn export_range(from: Option<ExportBound>, to: Option<ExportBound>) -> Result<(u64, LogFilter), String> {
    let mut filter = LogFilter::default();
    let mut after = 0;
    match from {
        Some(ExportBound::Position(position)) => after = position.saturating_sub(1),
        Some(ExportBound::Time(time)) => filter.from_time = Some(time),
        None => {}
    }
    match to {
        Some(ExportBound::Position(position)) => filter.to_position = Some(position),
        Some(ExportBound::Time(time)) => filter.to_time = Some(time),
        None => {}
    }
    if let (Some(from), Some(to)) = (filter.from_time, filter.to_time)
        && from > to
    {
        return Err(format!("from ({from}) is after to ({to})"));
    }
    if let Some(to) = filter.to_position
        && to < after
    {
        return Err(format!("from ({}) is after to ({to})", after + 1));
    }
    Ok((after, filter))
}

fn bad_filter(message: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "audit.invalid_filter", message)
}

async fn export(
    State(state): State<GraphqlState>,
    headers: HeaderMap,
    Query(query): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let session = session_from_headers(&state.identity, &headers).await?;
    session.require(EXPORT_PERMISSION)?;
    let bound = |text: Option<String>| text.map(|text| ExportBound::parse(&text)).transpose().map_err(bad_filter);
    let (after, filter) = export_range(bound(query.from)?, bound(query.to)?).map_err(bad_filter)?;
    tracing::info!(tenant = %session.tenant_id, user = %session.user_id, after, "audit export");
    let body = Body::from_stream(export_lines(state.store().clone(), session.tenant_id, filter, after));
    let mut response = body.into_response();
    let response_headers = response.headers_mut();
    response_headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-ndjson"));
    response_headers
        .insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"audit-export.jsonl\""));
    Ok(response)
}

/// The tenant's events after `after` that pass `filter`, as chunks of CloudEvents JSON lines,
/// read one page at a time while the client takes them.
fn export_lines(
    store: SharedEventStore,
    tenant_id: Uuid,
    filter: LogFilter,
    after: u64,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    futures::stream::unfold(Some(after), move |cursor| {
        let (store, filter) = (store.clone(), filter.clone());
        async move {
            let cursor = cursor?;
            match store.read_filtered(tenant_id, &filter, cursor, EXPORT_PAGE).await {
                Err(error) => {
                    tracing::error!(%error, "audit export failed");
                    Some((Err(std::io::Error::other(error.to_string())), None))
                }
                Ok(page) if page.is_empty() => None,
                Ok(page) => {
                    let next = (page.len() == EXPORT_PAGE).then(|| page.last().map(|last| last.global_position));
                    let mut chunk = String::new();
                    for envelope in &page {
                        chunk.push_str(&hotline_schemas::cloudevents::to_json_line(envelope));
                    }
                    Some((Ok(Bytes::from(chunk)), next.flatten()))
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_positions_or_times_and_from_may_not_pass_to() {
        assert_eq!(ExportBound::parse("12"), Ok(ExportBound::Position(12)));
        assert!(matches!(ExportBound::parse("2026-01-01T00:00:00Z"), Ok(ExportBound::Time(_))));
        assert!(ExportBound::parse("yesterday").is_err());
        let (after, filter) = export_range(Some(ExportBound::Position(5)), Some(ExportBound::Position(9))).unwrap();
        assert_eq!((after, filter.to_position), (4, Some(9)));
        assert!(export_range(Some(ExportBound::Position(10)), Some(ExportBound::Position(3))).is_err());
        let late = ExportBound::parse("2026-02-01T00:00:00Z").unwrap();
        let early = ExportBound::parse("2026-01-01T00:00:00Z").unwrap();
        assert!(export_range(Some(late), Some(early)).is_err());
    }
}
