//! Forks of projections for analysts, over GraphQL: which forks the read-model database
//! holds (`projectionForks`) and dropping one (`dropProjectionFork`). `forkProjection` (in
//! [`crate::log`]) builds them and calls [`record_fork`] here.
//!
//! A fork's tables are `<table>__fork_<name>` beside the live tables, holding every
//! tenant's rows (ARCHITECTURE.md "Read side"); the tables themselves are the truth of
//! which forks exist. What they do not say (the projection's bound, the position reached,
//! when it was made) is kept in `projection_forks`, written when the mutation builds a
//! fork: a fork made with `hotline replay --into` has no row there, and those fields are
//! null for it.
//!
//! Who may: holders of `platform.forks` (the platform administrator), as for
//! `forkProjection`: forks are the platform's tables, holding every tenant's rows, so a
//! tenant's administrator may neither list, make nor drop them. Nothing here reads a
//! fork's rows.

use async_graphql::{Context, Object, SimpleObject};

/// What listing, making and dropping forks needs.
pub(crate) const FORK_PERMISSION: &str = "platform.forks";
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use hotline_command_api::{ApiError, Session};
use hotline_projections::runner::{FORK_SUFFIX_PREFIX, ForkReport, list_forks, validate_fork_name};
use hotline_projections::{Projection, RunnerHandle};
use sqlx::{AnyPool, AssertSqlSafe, Row};

use crate::error::{OrGraphqlError, graphql_error};
use crate::schema::{GraphqlState, session};

const CREATE_FORKS_TABLE: &str = "CREATE TABLE IF NOT EXISTS projection_forks (\
     projection TEXT NOT NULL, \
     name TEXT NOT NULL, \
     to_position BIGINT, \
     to_time_micros BIGINT, \
     position BIGINT NOT NULL, \
     events BIGINT NOT NULL, \
     created_at_micros BIGINT NOT NULL, \
     created_by TEXT NOT NULL, \
     PRIMARY KEY (projection, name))";

const UPSERT_FORK: &str = "INSERT INTO projection_forks \
     (projection, name, to_position, to_time_micros, position, events, created_at_micros, created_by) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
     ON CONFLICT (projection, name) DO UPDATE SET to_position = excluded.to_position, \
     to_time_micros = excluded.to_time_micros, position = excluded.position, events = excluded.events, \
     created_at_micros = excluded.created_at_micros, created_by = excluded.created_by";

const SELECT_FORKS: &str =
    "SELECT projection, name, to_position, to_time_micros, position, events, created_at_micros FROM projection_forks";

const DELETE_FORK: &str = "DELETE FROM projection_forks WHERE projection = $1 AND name = $2";

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

/// The bound `forkProjection` was given, as recorded.
pub struct RecordedBound {
    pub to_position: Option<u64>,
    pub to_time: Option<DateTime<Utc>>,
}

fn database_error(error: sqlx::Error) -> async_graphql::Error {
    graphql_error(ApiError::internal(format!("read-model database error: {error}")))
}

fn bad_fork(message: impl Into<String>) -> async_graphql::Error {
    graphql_error(ApiError::new(StatusCode::BAD_REQUEST, "audit.invalid_fork", message))
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn to_u64(value: Option<i64>) -> Option<u64> {
    value.and_then(|value| u64::try_from(value).ok())
}

fn from_micros(micros: Option<i64>) -> Option<DateTime<Utc>> {
    micros.and_then(DateTime::<Utc>::from_timestamp_micros)
}

async fn ensure_forks_table(pool: &AnyPool) -> Result<(), sqlx::Error> {
    sqlx::query(CREATE_FORKS_TABLE).execute(pool).await.map(|_| ())
}

/// Records what a fork was built to, after `forkProjection` built it. The fork exists
/// whatever happens here, so a failure only leaves those fields null in the list.
pub async fn record_fork(pool: &AnyPool, session: &Session, report: &ForkReport, bound: RecordedBound) {
    let recorded = async {
        ensure_forks_table(pool).await?;
        sqlx::query(UPSERT_FORK)
            .bind(report.projection)
            .bind(report.name.as_str())
            .bind(bound.to_position.map(to_i64))
            .bind(bound.to_time.map(|time| time.timestamp_micros()))
            .bind(to_i64(report.position))
            .bind(to_i64(report.events))
            .bind(Utc::now().timestamp_micros())
            .bind(session.actor().to_string())
            .execute(pool)
            .await
    }
    .await;
    if let Err(error) = recorded {
        tracing::warn!(projection = report.projection, fork = %report.name, %error, "fork built but not recorded");
    }
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
    ensure_forks_table(pool).await.map_err(database_error)?;
    let rows = sqlx::query(SELECT_FORKS).fetch_all(pool).await.map_err(database_error)?;
    for row in rows {
        let projection: String = row.try_get("projection").map_err(database_error)?;
        let name: String = row.try_get("name").map_err(database_error)?;
        let Some(fork) = forks.iter_mut().find(|fork| fork.projection == projection && fork.name == name) else {
            continue;
        };
        fork.to_position = to_u64(row.try_get("to_position").map_err(database_error)?);
        fork.to_time = from_micros(row.try_get("to_time_micros").map_err(database_error)?);
        fork.position = to_u64(row.try_get("position").map_err(database_error)?);
        fork.events = to_u64(row.try_get("events").map_err(database_error)?);
        fork.created_at = from_micros(row.try_get("created_at_micros").map_err(database_error)?);
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
    /// `hotline replay --into`), by projection and name. The bound, position, event count
    /// and time are null for a fork made by the CLI. Holders of `platform.forks`.
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
        let mut connection = state.read_models.acquire().await.map_err(database_error)?;
        for table in &fork.tables {
            // The names come from the projection's own tables and a validated fork name.
            sqlx::query(AssertSqlSafe(format!("DROP TABLE IF EXISTS {table}")))
                .execute(&mut *connection)
                .await
                .map_err(database_error)?;
        }
        sqlx::query(DELETE_FORK)
            .bind(projection.as_str())
            .bind(name.as_str())
            .execute(&mut *connection)
            .await
            .map_err(database_error)?;
        tracing::info!(projection = %projection, fork = %name, actor = %session.actor(), "projection fork dropped");
        Ok(fork)
    }
}
