//! The `roles` read model: the roles a tenant defined (built-in roles are code, not rows;
//! the API lists them beside these).

use std::collections::BTreeMap;

use async_trait::async_trait;
use hotline_domain::access::permissions::DataScope;
use hotline_domain::access::role::{ROLE_CREATED, ROLE_UPDATED, RoleDefinition, RoleEvent};
use hotline_domain::{DomainEvent, EventEnvelope};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Row};
use uuid::Uuid;

use crate::rows::{execute_all, sql, to_i64, uuid_column};
use crate::runner::{Projection, ProjectionError, ProjectionResult};

pub const ROLES_TABLE: &str = "roles";

/// Projects role streams into `roles`.
pub struct RolesProjection;

const CREATE_ROLES: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     role_id TEXT NOT NULL, \
     name TEXT NOT NULL, \
     description TEXT NOT NULL, \
     permissions TEXT NOT NULL, \
     data_scopes TEXT NOT NULL, \
     position BIGINT NOT NULL, \
     PRIMARY KEY (tenant_id, role_id))";

const UPSERT_ROLE: &str = "INSERT INTO {table} (tenant_id, role_id, name, description, permissions, data_scopes, position) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) \
     ON CONFLICT (tenant_id, role_id) DO UPDATE SET name = excluded.name, description = excluded.description, \
     permissions = excluded.permissions, data_scopes = excluded.data_scopes, position = excluded.position \
     WHERE {table}.position < excluded.position";

#[async_trait]
impl Projection for RolesProjection {
    fn name(&self) -> &'static str {
        "roles"
    }

    fn tables(&self) -> &'static [&'static str] {
        &[ROLES_TABLE]
    }

    async fn create_tables(&self, connection: &mut AnyConnection, suffix: &str) -> ProjectionResult<()> {
        execute_all(connection, &[sql(CREATE_ROLES, ROLES_TABLE, suffix)]).await
    }

    async fn apply(
        &self,
        connection: &mut AnyConnection,
        suffix: &str,
        events: &[EventEnvelope],
    ) -> ProjectionResult<()> {
        let upsert = sql(UPSERT_ROLE, ROLES_TABLE, suffix);
        let handled = |envelope: &&EventEnvelope| matches!(envelope.event_type.as_str(), ROLE_CREATED | ROLE_UPDATED);
        for envelope in events.iter().filter(handled) {
            let position = envelope.global_position;
            let event = RoleEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
                .map_err(|source| ProjectionError::Upcast { position, source })?;
            let (RoleEvent::RoleCreated(definition) | RoleEvent::RoleUpdated(definition)) = event;
            sqlx::query(AssertSqlSafe(upsert.as_str()))
                .bind(envelope.tenant_id.to_string())
                .bind(definition.role_id.to_string())
                .bind(definition.name)
                .bind(definition.description)
                .bind(serde_json::to_string(&definition.permissions).expect("strings serialise"))
                .bind(serde_json::to_string(&definition.data_scopes).expect("scopes serialise"))
                .bind(to_i64(position))
                .execute(&mut *connection)
                .await?;
        }
        Ok(())
    }
}

fn role_from_row(row: &AnyRow) -> ProjectionResult<RoleDefinition> {
    let corrupt =
        |what: &str, error: &dyn std::fmt::Display| ProjectionError::CorruptRow(format!("role {what}: {error}"));
    let permissions: String = row.try_get("permissions")?;
    let data_scopes: String = row.try_get("data_scopes")?;
    Ok(RoleDefinition {
        role_id: uuid_column(row, "role_id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        permissions: serde_json::from_str(&permissions).map_err(|error| corrupt("permissions", &error))?,
        data_scopes: serde_json::from_str::<BTreeMap<String, DataScope>>(&data_scopes)
            .map_err(|error| corrupt("data scopes", &error))?,
    })
}

/// The roles the caller's tenant defined, by name.
pub async fn list_roles(pool: &AnyPool, tenant_id: Uuid) -> ProjectionResult<Vec<RoleDefinition>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT role_id, name, description, permissions, data_scopes FROM {ROLES_TABLE} WHERE tenant_id = $1 ORDER BY name"
    )))
    .bind(tenant_id.to_string())
    .fetch_all(pool)
    .await?;
    rows.iter().map(role_from_row).collect()
}
