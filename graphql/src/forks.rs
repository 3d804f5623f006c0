//! Forks of projections for analysts, over GraphQL: which forks the read-model database
//! holds (`projectionForks`) and dropping one (`dropProjectionFork`). `forkProjection` (in
//! [`crate::log`]) builds them.
//!
//! A fork's tables are `<table>__fork_<name>` beside the live tables, holding every
//! tenant's rows (ARCHITECTURE.md "Read side"); the tables themselves are the truth of
//! which forks exist. What they do not say (the projection's bound, the position reached,
//! when it was made) is the fork's record, written by `hotline_projections::runner::fork`
//! for the mutation and the CLI alike (null only for forks older than the records).
//!
//! Who may: holders of `platform.forks` (the platform administrator), as for
//! `forkProjection`: forks are the platform's tables, holding every tenant's rows, so a
//! tenant's administrator may neither list, make nor drop them. Nothing here reads a
//! fork's rows.

use async_graphql::{Context, Object, SimpleObject};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use hotline_command_api::ApiError;
use hotline_projections::runner::{
    FORK_SUFFIX_PREFIX, ForkBound, drop_projection_fork, fork_records, list_forks, validate_fork_name,
};
use hotline_projections::{Projection, RunnerHandle};
use sqlx::AnyPool;

use crate::error::{OrGraphqlError, graphql_error};
use crate::schema::{GraphqlState, session};

/// What listing, making and dropping forks needs.
pub(crate) const FORK_PERMISSION: &str = "platform.forks";

/// A fork of one projection.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct ProjectionFork {
    pub projection: String,
    pub name: String,
    /// Its tables (`<table>__fork_<name>`).
    pub tables: Vec<String>,
    /// The bound it was built to, when by position.
    pub to_position: Option<u64>,
    /// The bound it was built to, when by time (the events recorded at or before it).
    pub to_time: Option<DateTime<Utc>>,
    /// The last position applied (0: the bound was before the first event).
    pub position: Option<u64>,
    /// Events read from the log.
    pub events: Option<u64>,
    pub created_at: Option<DateTime<Utc>>,
}

fn bad_fork(message: impl Into<String>) -> async_graphql::Error {
    graphql_error(ApiError::new(StatusCode::BAD_REQUEST, "audit.invalid_fork", message))
}

/// Every fork of every running projection, by projection and name: the fork tables found
/// in the database, with what was recorded when they were built.
pub async fn projection_forks(
    pool: &AnyPool,
    projections: &RunnerHandle,
) -> async_graphql::Result<Vec<ProjectionFork>> {
    let listings = list_forks(pool).await.map_err(|error| graphql_error(ApiError::internal(error.to_string())))?;
    let running: Vec<_> =
        projections.status().into_iter().filter_map(|status| projections.projection(status.name)).collect();
    let mut forks: Vec<ProjectionFork> = Vec::new();
    for listing in listings {
        for projection in &running {
            let tables = fork_tables(projection.as_ref(), &listing.name, &listing.tables);
            if tables.is_empty() {
                continue;
            }
            forks.push(ProjectionFork {
                projection: projection.name().to_owned(),
                name: listing.name.clone(),
                tables,
                to_position: None,
                to_time: None,
                position: None,
                events: None,
                created_at: None,
            });
        }
    }
    for record in fork_records(pool).await.map_err(|error| graphql_error(ApiError::internal(error.to_string())))? {
        let Some(fork) = forks.iter_mut().find(|fork| fork.projection == record.projection && fork.name == record.name)
        else {
            continue;
        };
        match record.bound {
            ForkBound::Position(position) => fork.to_position = Some(position),
            ForkBound::Time(time) => fork.to_time = Some(time),
        }
        fork.position = Some(record.position);
        fork.events = Some(record.events);
        fork.created_at = Some(record.made_at);
    }
    forks.sort_by(|left, right| (&left.projection, &left.name).cmp(&(&right.projection, &right.name)));
    Ok(forks)
}

/// The tables of `existing` that are the fork `name` of `projection`, in the projection's
/// table order.
fn fork_tables(projection: &dyn Projection, name: &str, existing: &[String]) -> Vec<String> {
    let suffix = format!("{FORK_SUFFIX_PREFIX}{name}");
    projection
        .tables()
        .iter()
        .map(|table| format!("{table}{suffix}"))
        .filter(|table| existing.contains(table))
        .collect()
}

#[derive(Default)]
pub struct ForkQuery;

#[Object]
impl ForkQuery {
    /// The forks of projections in the read-model database (made by `forkProjection` or
    /// `hotline replay --into`), by projection and name, with the bound each was built to.
    /// Holders of `platform.forks`.
    async fn projection_forks(&self, context: &Context<'_>) -> async_graphql::Result<Vec<ProjectionFork>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        session.require(FORK_PERMISSION).or_graphql_error()?;
        projection_forks(&state.read_models, &state.projections).await
    }
}

#[derive(Default)]
pub struct ForkMutation;

#[Object]
impl ForkMutation {
    /// Drops the fork `name` of `projection` (its tables); the live tables and the other
    /// projections' forks of the same name stay. Returns the fork as it was.
    /// `audit.invalid_fork` for an unknown projection, a bad name or no such fork. Holders of
    /// `platform.forks`.
    async fn drop_projection_fork(
        &self,
        context: &Context<'_>,
        projection: String,
        name: String,
    ) -> async_graphql::Result<ProjectionFork> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        session.require(FORK_PERMISSION).or_graphql_error()?;
        validate_fork_name(&name).map_err(|error| bad_fork(error.to_string()))?;
        if state.projections.projection(&projection).is_none() {
            return Err(bad_fork(format!("no projection {projection:?}")));
        }
        let forks = projection_forks(&state.read_models, &state.projections).await?;
        let Some(fork) = forks.into_iter().find(|fork| fork.projection == projection && fork.name == name) else {
            return Err(bad_fork(format!("no fork {name:?} of the projection {projection:?}")));
        };
        let runner_projection = state.projections.projection(&projection).expect("checked above");
        drop_projection_fork(&state.read_models, runner_projection.as_ref(), &name)
            .await
            .map_err(|error| graphql_error(ApiError::internal(error.to_string())))?;
        tracing::info!(projection = %projection, fork = %name, actor = %session.actor(), "projection fork dropped");
        Ok(fork)
    }
}
