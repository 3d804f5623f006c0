//! The audit export over HTTP: `GET /api/audit/export` streams the caller's tenant's events
//! as CloudEvents JSON Lines (`application/x-ndjson`), each with its `prevhash` and `hash`,
//! for holders of `audit.export` (docs/audit.md). The range: `from` and `to`, each a global
//! position (digits) or an RFC 3339 time (the store's recorded time), and `from_time` and
//! `to_time` (RFC 3339 only); every bound is inclusive. The filters of `auditLog`:
//! `types`, `stream` and `actor`, each a comma-separated list. A malformed value is a 400
//! problem+json naming the parameter.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use hotline_command_api::ApiError;
use hotline_command_api::rest::session_from_headers;
use hotline_domain::{Actor, StreamId};
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

/// The most values one list parameter holds, as in `auditLog`.
const MAX_LIST_VALUES: usize = 100;

/// An unknown parameter is refused: a misspelt filter (`type=`) must not export everything.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ExportQuery {
    from: Option<String>,
    to: Option<String>,
    from_time: Option<String>,
    to_time: Option<String>,
    types: Option<String>,
    stream: Option<String>,
    actor: Option<String>,
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

/// Keeps only the events of these types, streams and actors (each list at most 100 values,
/// an empty list keeping every value), for the HTTP export and `hotline events export`. The
/// error names the parameter and the value.
pub fn filter_lists(
    filter: &mut LogFilter,
    event_types: &[String],
    stream_ids: &[String],
    actors: &[String],
) -> Result<(), String> {
    let checked =
        |name: &str, values: &[String], check: fn(&str) -> Result<String, String>| -> Result<Vec<String>, String> {
            if values.len() > MAX_LIST_VALUES {
                return Err(format!("{name}: at most {MAX_LIST_VALUES} values"));
            }
            values.iter().map(|value| check(value).map_err(|why| format!("{name}: {why}"))).collect()
        };
    filter.event_types = checked("types", event_types, event_type)?;
    filter.stream_ids = checked("stream", stream_ids, |value| {
        value
            .parse::<StreamId>()
            .map(|stream_id| stream_id.to_string())
            .map_err(|_| format!("{value:?} is not a stream id (<context>-<uuid>)"))
    })?;
    filter.actors = checked("actor", actors, |value| value.parse::<Actor>().map(|actor| actor.to_string()))?;
    Ok(())
}

/// `hotline.<context>.<event>`, lower-case letters, digits and `_`.
fn event_type(value: &str) -> Result<String, String> {
    let word = |part: &str| {
        !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_')
    };
    let parts: Vec<&str> = value.split('.').collect();
    if parts.len() == 3 && parts[0] == "hotline" && word(parts[1]) && word(parts[2]) {
        Ok(value.to_owned())
    } else {
        Err(format!("{value:?} is not an event type (hotline.<context>.<event>)"))
    }
}

/// A comma-separated parameter as its values; absent or empty is no value.
fn comma_list(text: Option<&str>) -> Vec<String> {
    text.filter(|text| !text.is_empty()).map(|text| text.split(',').map(str::to_owned).collect()).unwrap_or_default()
}

/// Sets a time bound from `name`, refusing a second one (`from` holding a time already).
fn time_bound(bound: &mut Option<DateTime<Utc>>, name: &str, text: &str) -> Result<(), String> {
    let time = DateTime::parse_from_rfc3339(text)
        .map_err(|_| format!("{name}: {text:?} is not an RFC 3339 time"))?
        .with_timezone(&Utc);
    if bound.is_some() {
        return Err(format!("{name}: the range already has this bound (from or to is a time)"));
    }
    *bound = Some(time);
    Ok(())
}

/// The cursor and the filter of an export request.
fn export_request(query: &ExportQuery) -> Result<(u64, LogFilter), String> {
    let bound = |name: &str, text: &Option<String>| {
        text.as_deref().map(ExportBound::parse).transpose().map_err(|why| format!("{name}: {why}"))
    };
    let (after, mut filter) = export_range(bound("from", &query.from)?, bound("to", &query.to)?)?;
    if let Some(text) = &query.from_time {
        time_bound(&mut filter.from_time, "from_time", text)?;
    }
    if let Some(text) = &query.to_time {
        time_bound(&mut filter.to_time, "to_time", text)?;
    }
    if let (Some(from), Some(to)) = (filter.from_time, filter.to_time)
        && from > to
    {
        return Err(format!("the start time ({from}) is after the end time ({to})"));
    }
    filter_lists(
        &mut filter,
        &comma_list(query.types.as_deref()),
        &comma_list(query.stream.as_deref()),
        &comma_list(query.actor.as_deref()),
    )?;
    Ok((after, filter))
}

fn bad_filter(message: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "audit.invalid_filter", message)
}

async fn export(
    State(state): State<GraphqlState>,
    headers: HeaderMap,
    query: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let session = session_from_headers(&state.identity, &headers).await?;
    session.require(EXPORT_PERMISSION)?;
    let Query(query) = query.map_err(|rejection| bad_filter(rejection.body_text()))?;
    let (after, filter) = export_request(&query).map_err(bad_filter)?;
    let filtered = !(filter.event_types.is_empty() && filter.stream_ids.is_empty() && filter.actors.is_empty());
    tracing::info!(tenant = %session.tenant_id, user = %session.user_id, after, filtered, "audit export");
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

    fn request(pairs: &[(&str, &str)]) -> Result<(u64, LogFilter), String> {
        let mut query = ExportQuery::default();
        for (name, value) in pairs {
            let value = Some((*value).to_owned());
            match *name {
                "from" => query.from = value,
                "to" => query.to = value,
                "from_time" => query.from_time = value,
                "to_time" => query.to_time = value,
                "types" => query.types = value,
                "stream" => query.stream = value,
                "actor" => query.actor = value,
                other => panic!("no parameter {other}"),
            }
        }
        export_request(&query)
    }

    #[test]
    fn the_filters_of_the_audit_log_are_parameters_and_a_bad_value_names_its_parameter() {
        let stream = "user-0190d3f4-7a1b-7c2d-8e3f-405162738495";
        let (after, filter) = request(&[
            ("from", "3"),
            ("to_time", "2026-02-01T00:00:00+08:00"),
            ("types", "hotline.user.created,hotline.user.updated"),
            ("stream", stream),
            ("actor", "user:42,system:webhooks"),
        ])
        .unwrap();
        assert_eq!(after, 2);
        assert_eq!(filter.event_types, ["hotline.user.created", "hotline.user.updated"]);
        assert_eq!(filter.stream_ids, [stream]);
        assert_eq!(filter.actors, ["user:42", "system:webhooks"]);
        assert_eq!(filter.to_time, Some("2026-01-31T16:00:00Z".parse().unwrap()));
        let (_, empty) = request(&[("types", ""), ("stream", "")]).unwrap();
        assert_eq!(empty, LogFilter::default());

        for (pairs, parameter) in [
            (&[("types", "hotline.user.created,user")][..], "types:"),
            (&[("types", "hotline.user.*")][..], "types:"),
            (&[("stream", "user-42")][..], "stream:"),
            (&[("actor", "nobody")][..], "actor:"),
            (&[("from_time", "yesterday")][..], "from_time:"),
            (&[("to_time", "2026-13-01T00:00:00Z")][..], "to_time:"),
            (&[("from", "2026-01-01T00:00:00Z"), ("from_time", "2026-01-01T00:00:00Z")][..], "from_time:"),
            (&[("from", "soon")][..], "from:"),
        ] {
            let error = request(pairs).unwrap_err();
            assert!(error.starts_with(parameter), "{pairs:?}: {error}");
        }
        let backwards = request(&[("from_time", "2026-02-01T00:00:00Z"), ("to", "2026-01-01T00:00:00Z")]);
        assert!(backwards.unwrap_err().contains("after the end time"));
        let many = vec!["hotline.user.created"; 101].join(",");
        assert!(request(&[("types", &many)]).unwrap_err().contains("at most 100"));
    }
}
