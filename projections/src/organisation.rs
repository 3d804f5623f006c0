//! The `org_units` read model: every organisation unit of every tenant, with its depth and
//! its materialised path, so that a subtree is one indexed query (data scopes ask "this unit
//! and everything below it" on every scoped read).
//!
//! `path` is `/<root id>/<child id>/.../<unit id>/`: a unit is at or below `u` exactly when
//! its path starts with `u`'s path. Paths hold only hex digits, `-` and `/`, so `LIKE
//! '<path>%'` means the same on SQLite and PostgreSQL whatever the collation. A move rewrites
//! the prefix of the whole subtree in one `UPDATE`.
//!
//! Idempotency: a tenant's organisation is one stream (`org-<tenant>`), so instead of
//! guarding every row (a move touches rows whose own last event may be newer), the
//! projection keeps the last applied stream version per tenant in `org_versions` and skips
//! events at or below it. Applying a range twice therefore changes nothing the second time.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::organisation::{
    self, Dimension, OrganisationEvent, UNIT_CREATED, UNIT_MOVED, UNIT_REMOVED, UNIT_RENAMED, UnitKind,
};
use hotline_domain::{DomainEvent, EventEnvelope};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Row};
use uuid::Uuid;

use crate::rows::{
    enum_column, execute_all, optional_uuid_column, parse_uuid, sql, time_column, to_i64, to_u64, uuid_column,
};
use crate::runner::{Projection, ProjectionError, ProjectionResult};

pub const ORG_UNITS_TABLE: &str = "org_units";
/// The last stream version of `org-<tenant>` applied, per tenant.
pub const ORG_VERSIONS_TABLE: &str = "org_versions";

/// An organisation unit as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgUnitView {
    pub tenant_id: Uuid,
    pub unit_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub name: String,
    pub kind: UnitKind,
    pub dimension: Dimension,
    /// 0 for a root.
    pub depth: u32,
    /// From the root down to this unit, both included.
    pub path: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Global position of the last event that changed this row.
    pub position: u64,
}

/// Projects `org-<tenant>` streams into `org_units`.
pub struct OrgUnitsProjection;

const CREATE_UNITS: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     unit_id TEXT NOT NULL, \
     parent_id TEXT, \
     name TEXT NOT NULL, \
     name_key TEXT NOT NULL, \
     kind TEXT NOT NULL, \
     dimension TEXT NOT NULL, \
     depth BIGINT NOT NULL, \
     path TEXT NOT NULL, \
     created_at BIGINT NOT NULL, \
     updated_at BIGINT NOT NULL, \
     position BIGINT NOT NULL, \
     PRIMARY KEY (tenant_id, unit_id))";

const CREATE_UNITS_BY_PATH: &str = "CREATE INDEX IF NOT EXISTS {table}_by_path ON {table} (tenant_id, path)";

const CREATE_VERSIONS: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL PRIMARY KEY, \
     stream_version BIGINT NOT NULL, \
     position BIGINT NOT NULL)";

const SELECT_VERSION: &str = "SELECT stream_version FROM {table} WHERE tenant_id = $1";

const UPSERT_VERSION: &str = "INSERT INTO {table} (tenant_id, stream_version, position) VALUES ($1, $2, $3) \
     ON CONFLICT (tenant_id) DO UPDATE SET stream_version = excluded.stream_version, position = excluded.position";

const SELECT_PLACE: &str = "SELECT path, depth FROM {table} WHERE tenant_id = $1 AND unit_id = $2";

const INSERT_UNIT: &str = "INSERT INTO {table} \
     (tenant_id, unit_id, parent_id, name, name_key, kind, dimension, depth, path, created_at, updated_at, position) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
     ON CONFLICT (tenant_id, unit_id) DO NOTHING";

const RENAME_UNIT: &str = "UPDATE {table} SET name = $1, name_key = $2, updated_at = $3, position = $4 \
     WHERE tenant_id = $5 AND unit_id = $6";

// `$2` is the length of the old path plus one: `substr` keeps what follows the old prefix.
const MOVE_SUBTREE: &str = "UPDATE {table} SET path = $1 || substr(path, $2), depth = depth + $3, \
     updated_at = $4, position = $5 WHERE tenant_id = $6 AND path LIKE $7";

const SET_PARENT: &str = "UPDATE {table} SET parent_id = $1 WHERE tenant_id = $2 AND unit_id = $3";

const DELETE_UNIT: &str = "DELETE FROM {table} WHERE tenant_id = $1 AND unit_id = $2";

const UNIT_COLUMNS: &str =
    "tenant_id, unit_id, parent_id, name, kind, dimension, depth, path, created_at, updated_at, position";

/// Where a unit sits: its path and depth.
struct Place {
    path: String,
    depth: i64,
}

/// The place of a unit under `parent` (`None`: a root).
fn place_under(parent: Option<&Place>, unit_id: Uuid) -> Place {
    match parent {
        Some(parent) => Place { path: format!("{}{unit_id}/", parent.path), depth: parent.depth + 1 },
        None => Place { path: format!("/{unit_id}/"), depth: 0 },
    }
}

async fn place_of(
    connection: &mut AnyConnection,
    select_place: &str,
    tenant_id: Uuid,
    unit_id: Uuid,
) -> ProjectionResult<Option<Place>> {
    let row = sqlx::query(AssertSqlSafe(select_place))
        .bind(tenant_id.to_string())
        .bind(unit_id.to_string())
        .fetch_optional(&mut *connection)
        .await?;
    row.map(|row| Ok(Place { path: row.try_get("path")?, depth: row.try_get("depth")? })).transpose()
}

/// The parent's place; a parent missing from the read model (only after a rebuild that
/// started in the middle of the log) leaves the unit a root, rather than stopping the projection.
async fn parent_place(
    connection: &mut AnyConnection,
    select_place: &str,
    tenant_id: Uuid,
    parent_id: Option<Uuid>,
) -> ProjectionResult<Option<Place>> {
    let Some(parent_id) = parent_id else { return Ok(None) };
    let place = place_of(connection, select_place, tenant_id, parent_id).await?;
    if place.is_none() {
        tracing::warn!(%tenant_id, %parent_id, "organisation unit's parent is not in the read model");
    }
    Ok(place)
}

#[async_trait]
impl Projection for OrgUnitsProjection {
    fn name(&self) -> &'static str {
        "org_units"
    }

    fn tables(&self) -> &'static [&'static str] {
        &[ORG_UNITS_TABLE, ORG_VERSIONS_TABLE]
    }

    async fn create_tables(&self, connection: &mut AnyConnection, suffix: &str) -> ProjectionResult<()> {
        let statements = [
            sql(CREATE_UNITS, ORG_UNITS_TABLE, suffix),
            sql(CREATE_UNITS_BY_PATH, ORG_UNITS_TABLE, suffix),
            sql(CREATE_VERSIONS, ORG_VERSIONS_TABLE, suffix),
        ];
        execute_all(connection, &statements).await
    }

    async fn apply(
        &self,
        connection: &mut AnyConnection,
        suffix: &str,
        events: &[EventEnvelope],
    ) -> ProjectionResult<()> {
        let select_version = sql(SELECT_VERSION, ORG_VERSIONS_TABLE, suffix);
        let upsert_version = sql(UPSERT_VERSION, ORG_VERSIONS_TABLE, suffix);
        let select_place = sql(SELECT_PLACE, ORG_UNITS_TABLE, suffix);
        let insert_unit = sql(INSERT_UNIT, ORG_UNITS_TABLE, suffix);
        let rename_unit = sql(RENAME_UNIT, ORG_UNITS_TABLE, suffix);
        let move_subtree = sql(MOVE_SUBTREE, ORG_UNITS_TABLE, suffix);
        let set_parent = sql(SET_PARENT, ORG_UNITS_TABLE, suffix);
        let delete_unit = sql(DELETE_UNIT, ORG_UNITS_TABLE, suffix);
        let handled = |envelope: &&EventEnvelope| {
            envelope.stream_id.context() == organisation::CONTEXT
                && matches!(envelope.event_type.as_str(), UNIT_CREATED | UNIT_RENAMED | UNIT_MOVED | UNIT_REMOVED)
        };
        for envelope in events.iter().filter(handled) {
            let position = envelope.global_position;
            let tenant_id = envelope.tenant_id;
            let applied_version: Option<i64> = sqlx::query_scalar(AssertSqlSafe(select_version.as_str()))
                .bind(tenant_id.to_string())
                .fetch_optional(&mut *connection)
                .await?;
            if applied_version.is_some_and(|applied| applied >= to_i64(envelope.stream_version)) {
                continue;
            }
            let event =
                OrganisationEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
                    .map_err(|source| ProjectionError::Upcast { position, source })?;
            let occurred_at = envelope.occurred_at.timestamp_micros();
            match event {
                OrganisationEvent::UnitCreated(created) => {
                    let parent = parent_place(connection, &select_place, tenant_id, created.parent_id).await?;
                    let place = place_under(parent.as_ref(), created.unit_id);
                    sqlx::query(AssertSqlSafe(insert_unit.as_str()))
                        .bind(tenant_id.to_string())
                        .bind(created.unit_id.to_string())
                        .bind(created.parent_id.map(|parent_id| parent_id.to_string()))
                        .bind(created.name.clone())
                        .bind(created.name.to_lowercase())
                        .bind(created.kind.as_str())
                        .bind(created.dimension.as_str())
                        .bind(place.depth)
                        .bind(place.path)
                        .bind(occurred_at)
                        .bind(occurred_at)
                        .bind(to_i64(position))
                        .execute(&mut *connection)
                        .await?;
                }
                OrganisationEvent::UnitRenamed(renamed) => {
                    sqlx::query(AssertSqlSafe(rename_unit.as_str()))
                        .bind(renamed.name.clone())
                        .bind(renamed.name.to_lowercase())
                        .bind(occurred_at)
                        .bind(to_i64(position))
                        .bind(tenant_id.to_string())
                        .bind(renamed.unit_id.to_string())
                        .execute(&mut *connection)
                        .await?;
                }
                OrganisationEvent::UnitMoved(moved) => {
                    if let Some(old) = place_of(connection, &select_place, tenant_id, moved.unit_id).await? {
                        let parent = parent_place(connection, &select_place, tenant_id, moved.parent_id).await?;
                        let new = place_under(parent.as_ref(), moved.unit_id);
                        let keep_from = i32::try_from(old.path.len() + 1)
                            .map_err(|_| ProjectionError::Apply { position, reason: "path too long".into() })?;
                        sqlx::query(AssertSqlSafe(move_subtree.as_str()))
                            .bind(new.path)
                            .bind(keep_from)
                            .bind(new.depth - old.depth)
                            .bind(occurred_at)
                            .bind(to_i64(position))
                            .bind(tenant_id.to_string())
                            .bind(format!("{}%", old.path))
                            .execute(&mut *connection)
                            .await?;
                        sqlx::query(AssertSqlSafe(set_parent.as_str()))
                            .bind(moved.parent_id.map(|parent_id| parent_id.to_string()))
                            .bind(tenant_id.to_string())
                            .bind(moved.unit_id.to_string())
                            .execute(&mut *connection)
                            .await?;
                    }
                }
                OrganisationEvent::UnitRemoved(removed) => {
                    sqlx::query(AssertSqlSafe(delete_unit.as_str()))
                        .bind(tenant_id.to_string())
                        .bind(removed.unit_id.to_string())
                        .execute(&mut *connection)
                        .await?;
                }
            }
            sqlx::query(AssertSqlSafe(upsert_version.as_str()))
                .bind(tenant_id.to_string())
                .bind(to_i64(envelope.stream_version))
                .bind(to_i64(position))
                .execute(&mut *connection)
                .await?;
        }
        Ok(())
    }
}

fn unit_from_row(row: &AnyRow) -> ProjectionResult<OrgUnitView> {
    let path_text: String = row.try_get("path")?;
    let path = path_text.split('/').filter(|part| !part.is_empty()).map(parse_uuid).collect::<ProjectionResult<_>>()?;
    let depth: i64 = row.try_get("depth")?;
    Ok(OrgUnitView {
        tenant_id: uuid_column(row, "tenant_id")?,
        unit_id: uuid_column(row, "unit_id")?,
        parent_id: optional_uuid_column(row, "parent_id")?,
        name: row.try_get("name")?,
        kind: enum_column(row, "kind", UnitKind::parse)?,
        dimension: enum_column(row, "dimension", Dimension::parse)?,
        depth: u32::try_from(depth).map_err(|_| ProjectionError::CorruptRow(format!("depth {depth}")))?,
        path,
        created_at: time_column(row, "created_at")?,
        updated_at: time_column(row, "updated_at")?,
        position: to_u64("position", row.try_get("position")?)?,
    })
}

/// The units of the caller's tenant, optionally of one dimension, ordered by dimension,
/// depth and name (so every parent comes before its children).
pub async fn list_org_units(
    pool: &AnyPool,
    tenant_id: Uuid,
    dimension: Option<Dimension>,
) -> ProjectionResult<Vec<OrgUnitView>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {UNIT_COLUMNS} FROM {ORG_UNITS_TABLE} WHERE tenant_id = $1 AND ($2 = '' OR dimension = $2) \
         ORDER BY dimension, depth, name_key, unit_id"
    )))
    .bind(tenant_id.to_string())
    .bind(dimension.map(Dimension::as_str).unwrap_or(""))
    .fetch_all(pool)
    .await?;
    rows.iter().map(unit_from_row).collect()
}

/// One unit of the caller's tenant; `None` also when it belongs to another tenant.
pub async fn get_org_unit(pool: &AnyPool, tenant_id: Uuid, unit_id: Uuid) -> ProjectionResult<Option<OrgUnitView>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {UNIT_COLUMNS} FROM {ORG_UNITS_TABLE} WHERE tenant_id = $1 AND unit_id = $2"
    )))
    .bind(tenant_id.to_string())
    .bind(unit_id.to_string())
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(unit_from_row).transpose()
}

/// The unit and every unit below it, of the caller's tenant, nearest first: what a data
/// scope of "department and below" covers. Empty when the unit is not in the tenant.
pub async fn units_at_and_below(pool: &AnyPool, tenant_id: Uuid, unit_id: Uuid) -> ProjectionResult<Vec<Uuid>> {
    let ids: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT unit_id FROM {ORG_UNITS_TABLE} WHERE tenant_id = $1 AND path LIKE \
         (SELECT path FROM {ORG_UNITS_TABLE} WHERE tenant_id = $1 AND unit_id = $2) || '%' \
         ORDER BY depth, unit_id"
    )))
    .bind(tenant_id.to_string())
    .bind(unit_id.to_string())
    .fetch_all(pool)
    .await?;
    ids.iter().map(|id| parse_uuid(id)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_childs_path_extends_its_parents() {
        let root = place_under(None, Uuid::from_u128(1));
        assert_eq!(root.path, "/00000000-0000-0000-0000-000000000001/");
        assert_eq!(root.depth, 0);
        let child = place_under(Some(&root), Uuid::from_u128(2));
        assert!(child.path.starts_with(&root.path));
        assert_eq!(child.depth, 1);
        assert!(!child.path.contains(['%', '_']), "no LIKE wildcard can appear in a path");
    }
}
