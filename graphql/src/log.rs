//! The event log itself: paged and filtered reads for auditors, live subscriptions, a
//! stream as of a time, forks of projections for analysts, and how far the projections are.

use async_graphql::{Context, InputObject, Object, SimpleObject, Subscription};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use futures::{Stream, StreamExt};
use hotline_command_api::ApiError;
use hotline_domain::StreamId;
use hotline_infra::store::{LogFilter, Scope, subscribe};
use hotline_projections::ProjectionError;
use hotline_projections::runner::{ForkBound, fork};

use crate::error::{OrGraphqlError, graphql_error};
use crate::identity::query::page_size;
use crate::schema::{GraphqlState, session};
use crate::types::EventObject;

/// The most values one list of a filter may hold.
const MAX_FILTER_VALUES: usize = 100;

/// Events read per page when a resolver walks a stream.
const STREAM_PAGE: usize = 1000;

#[derive(SimpleObject, Clone)]
pub struct ProjectionStatus {
    pub name: String,
    pub position: u64,
    pub head: u64,
    pub lag: u64,
}

/// Which events `auditLog` returns. Lists left out admit every value; conditions combine
/// with AND. `from` and `to` bound the time the store recorded the event (`recordedAt`),
/// both inclusive.
#[derive(InputObject, Default, Clone)]
pub struct AuditLogFilter {
    /// Actors as the envelope writes them: `user:<id>`, `system:<name>`.
    pub actors: Option<Vec<String>>,
    pub types: Option<Vec<String>>,
    /// Stream ids (`<context>-<uuid>`).
    pub streams: Option<Vec<String>>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// One page of the audit log. Pass `nextCursor` as `after` for the next page.
#[derive(SimpleObject)]
pub struct AuditLogPage {
    pub items: Vec<EventObject>,
    /// The global position of the last item (or the cursor given, when the page is empty).
    pub next_cursor: String,
    /// True when more events match after this page.
    pub has_more: bool,
}

/// A stream as it was at a time: its version then and its events up to it.
#[derive(SimpleObject)]
pub struct StreamAsOf {
    pub stream_id: String,
    pub at: DateTime<Utc>,
    /// The stream's version at `at` (0: it did not exist yet).
    pub version: u64,
    /// Its events recorded at or before `at` with a version above `afterVersion`, oldest first.
    pub events: Vec<EventObject>,
    /// True when more events up to `at` follow this page.
    pub has_more: bool,
}

/// What `forkProjection` built.
#[derive(SimpleObject)]
pub struct ForkResult {
    pub projection: String,
    pub name: String,
    /// The fork's tables (`<table>__fork_<name>`).
    pub tables: Vec<String>,
    /// Events read from the log.
    pub events: u64,
    /// The last position applied.
    pub position: u64,
}

/// Which events the `events` subscription sends.
#[derive(InputObject, Default, Clone)]
pub struct EventFilter {
    pub types: Option<Vec<String>>,
    /// Stream ids (`<context>-<uuid>`).
    pub streams: Option<Vec<String>>,
    /// Start after this global position (0: from the start).
    pub from_position: Option<u64>,
}

fn bad_filter(message: impl Into<String>) -> async_graphql::Error {
    graphql_error(ApiError::new(StatusCode::BAD_REQUEST, "audit.invalid_filter", message))
}

fn bad_cursor(message: impl Into<String>) -> async_graphql::Error {
    graphql_error(ApiError::new(StatusCode::BAD_REQUEST, "audit.invalid_cursor", message))
}

fn bad_fork(message: impl Into<String>) -> async_graphql::Error {
    graphql_error(ApiError::new(StatusCode::BAD_REQUEST, "audit.invalid_fork", message))
}

fn list(values: Option<Vec<String>>, name: &str) -> async_graphql::Result<Vec<String>> {
    let values = values.unwrap_or_default();
    if values.len() > MAX_FILTER_VALUES {
        return Err(bad_filter(format!("{name} holds at most {MAX_FILTER_VALUES} values")));
    }
    Ok(values)
}

impl AuditLogFilter {
    fn into_log_filter(self) -> async_graphql::Result<LogFilter> {
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from > to
        {
            return Err(bad_filter(format!("from ({from}) is after to ({to})")));
        }
        Ok(LogFilter {
            actors: list(self.actors, "actors")?,
            event_types: list(self.types, "types")?,
            stream_ids: list(self.streams, "streams")?,
            from_time: self.from,
            to_time: self.to,
            to_position: None,
        })
    }
}

fn store_error(error: hotline_infra::store::StoreError) -> async_graphql::Error {
    graphql_error(error.into())
}

fn projection_error(error: ProjectionError) -> async_graphql::Error {
    match error {
        ProjectionError::InvalidFork(message) => bad_fork(message),
        other => graphql_error(ApiError::internal(other.to_string())),
    }
}

#[derive(Default)]
pub struct LogQuery;

#[Object]
impl LogQuery {
    /// Your tenant's events after `after` (a global position), oldest first, optionally only
    /// some types. Holders of `audit.read`.
    async fn events(
        &self,
        context: &Context<'_>,
        #[graphql(default = 0)] after: u64,
        #[graphql(default = 100)] first: usize,
        types: Option<Vec<String>>,
    ) -> async_graphql::Result<Vec<EventObject>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        session.require("audit.read").or_graphql_error()?;
        let first = page_size(first)? as usize;
        let filter = LogFilter { event_types: list(types, "types")?, ..Default::default() };
        let page = state.store().read_filtered(session.tenant_id, &filter, after, first).await.map_err(store_error)?;
        Ok(page.into_iter().map(EventObject::from).collect())
    }

    /// Your tenant's audit log, filtered in the store by actor, type, stream and recorded
    /// time, oldest first, `first` (1 to 500) at a time. `after` is the `nextCursor` of the
    /// previous page (a global position). Holders of `audit.read`.
    async fn audit_log(
        &self,
        context: &Context<'_>,
        filter: Option<AuditLogFilter>,
        after: Option<String>,
        #[graphql(default = 100)] first: usize,
    ) -> async_graphql::Result<AuditLogPage> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        session.require("audit.read").or_graphql_error()?;
        let first = page_size(first)? as usize;
        let filter = filter.unwrap_or_default().into_log_filter()?;
        let cursor = match after.as_deref() {
            None | Some("") => 0,
            Some(text) => text
                .parse::<u64>()
                .map_err(|_| bad_cursor(format!("{text:?} is not a cursor of this log (a global position)")))?,
        };
        if cursor > 0 {
            let head = state.store().head_position().await.map_err(store_error)?;
            if cursor > head {
                return Err(bad_cursor(format!("cursor {cursor} is beyond the end of the log ({head})")));
            }
        }
        let mut page =
            state.store().read_filtered(session.tenant_id, &filter, cursor, first + 1).await.map_err(store_error)?;
        let has_more = page.len() > first;
        page.truncate(first);
        let next_cursor = page.last().map_or(cursor, |last| last.global_position).to_string();
        Ok(AuditLogPage { items: page.into_iter().map(EventObject::from).collect(), next_cursor, has_more })
    }

    /// A stream of your tenant as it was at `at`: its version then and its events recorded
    /// up to that time, `first` (1 to 500) after `afterVersion`. Holders of `audit.read`.
    async fn stream_as_of(
        &self,
        context: &Context<'_>,
        stream_id: String,
        at: DateTime<Utc>,
        #[graphql(default = 0)] after_version: u64,
        #[graphql(default = 100)] first: usize,
    ) -> async_graphql::Result<StreamAsOf> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        session.require("audit.read").or_graphql_error()?;
        let first = page_size(first)? as usize;
        let parsed: StreamId = stream_id.parse().map_err(|error: hotline_domain::StreamIdError| bad_filter(error.0))?;
        let filter = LogFilter { stream_ids: vec![parsed.to_string()], to_time: Some(at), ..Default::default() };
        let (mut events, mut has_more, mut version, mut cursor) = (Vec::new(), false, 0, 0);
        loop {
            let page = state
                .store()
                .read_filtered(session.tenant_id, &filter, cursor, STREAM_PAGE)
                .await
                .map_err(store_error)?;
            let exhausted = page.len() < STREAM_PAGE;
            for envelope in page {
                cursor = envelope.global_position;
                version = envelope.stream_version;
                if envelope.stream_version > after_version {
                    if events.len() < first {
                        events.push(EventObject::from(envelope));
                    } else {
                        has_more = true;
                    }
                }
            }
            if exhausted {
                break;
            }
        }
        Ok(StreamAsOf { stream_id: parsed.to_string(), at, version, events, has_more })
    }

    /// Where each projection stands against the head of the log. Holders of `menu.admin`.
    async fn projections(&self, context: &Context<'_>) -> async_graphql::Result<Vec<ProjectionStatus>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        session.require("menu.admin").or_graphql_error()?;
        Ok(state
            .projections
            .status()
            .into_iter()
            .map(|status| ProjectionStatus {
                name: status.name.to_string(),
                position: status.position,
                head: status.head,
                lag: status.lag,
            })
            .collect())
    }
}

#[derive(Default)]
pub struct LogMutation;

#[Object]
impl LogMutation {
    /// Builds a projection's tables as `<table>__fork_<name>` from the log up to `toPosition`
    /// or `toTime` (exactly one), leaving the live tables alone; a fork of the same name is
    /// replaced. `name`: 1 to 32 lowercase letters, digits and underscores. Holders of
    /// `platform.forks`.
    async fn fork_projection(
        &self,
        context: &Context<'_>,
        projection: String,
        name: String,
        to_position: Option<u64>,
        to_time: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<ForkResult> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        session.require(crate::forks::FORK_PERMISSION).or_graphql_error()?;
        let bound = match (to_position, to_time) {
            (Some(position), None) => ForkBound::Position(position),
            (None, Some(time)) => ForkBound::Time(time),
            _ => return Err(bad_fork("give exactly one of toPosition and toTime")),
        };
        let Some(runner_projection) = state.projections.projection(&projection) else {
            return Err(bad_fork(format!("no projection {projection:?}")));
        };
        let made_by = session.actor().to_string();
        let report =
            fork(state.store().as_ref(), &state.read_models, runner_projection.as_ref(), &name, bound, &made_by)
                .await
                .map_err(projection_error)?;
        let suffix = hotline_projections::runner::fork_suffix(&name).map_err(projection_error)?;
        Ok(ForkResult {
            projection: report.projection.to_owned(),
            name: report.name,
            tables: runner_projection.tables().iter().map(|table| format!("{table}{suffix}")).collect(),
            events: report.events,
            position: report.position,
        })
    }
}

#[derive(Default)]
pub struct LogSubscription;

#[Subscription]
impl LogSubscription {
    /// Every event of your tenant after the position given (0: from the start), catching up
    /// and then live, in position order, with no gap and no repeat. Resume after a
    /// disconnect by passing the last `globalPosition` you saw. `filter` keeps only some
    /// types or streams; `filter.fromPosition` wins over `fromPosition`, and the bare `types`
    /// argument is the older spelling of `filter.types`. Holders of `audit.read` only.
    async fn events(
        &self,
        context: &Context<'_>,
        filter: Option<EventFilter>,
        #[graphql(default = 0)] from_position: u64,
        types: Option<Vec<String>>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<EventObject>> + use<>> {
        let state = context.data::<GraphqlState>()?;
        let session = session(context)?;
        session.require("audit.read").map_err(graphql_error)?;
        let filter = filter.unwrap_or_default();
        let from_position = filter.from_position.unwrap_or(from_position);
        let types = match (filter.types, types) {
            (Some(listed), _) | (None, Some(listed)) => list(Some(listed), "types")?,
            (None, None) => Vec::new(),
        };
        let streams = list(filter.streams, "streams")?;
        let stream = subscribe(state.store().clone(), Scope::Tenant(session.tenant_id), from_position);
        Ok(stream.filter_map(move |item| {
            let keep = match &item {
                Ok(envelope) => {
                    (types.is_empty() || types.contains(&envelope.event_type))
                        && (streams.is_empty() || streams.iter().any(|stream| stream == envelope.stream_id.as_str()))
                }
                Err(_) => true,
            };
            let item = item.map(EventObject::from).map_err(|error| graphql_error(ApiError::from(error)));
            async move { keep.then_some(item) }
        }))
    }
}
