//! Identity read models: `tenants` and `users`, and the queries the API runs on them.
//!
//! Rows are folded from the identity events, decoded through the domain types (so an old
//! schema version is upcast exactly as the command side reads it). Every row remembers the
//! global position of the last event folded into it, and every write is guarded by it, so
//! applying a range of events twice leaves the same rows.
//!
//! Tenant isolation is in the queries: each user query takes the caller's tenant id and
//! filters on it, so no code path can read another tenant's users by forgetting a filter.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::identity::Role;
use hotline_domain::identity::tenant::{TENANT_CREATED, TenantEvent};
use hotline_domain::identity::user::{PASSWORD_CHANGED, USER_CREATED, UserEvent};
use hotline_domain::{DomainEvent, EventEnvelope};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Row};
use uuid::Uuid;

use crate::runner::{Projection, ProjectionError, ProjectionResult, table_name};

/// The largest page a list query returns, whatever `first` asks for.
pub const MAX_PAGE_SIZE: u32 = 500;

pub const TENANTS_TABLE: &str = "tenants";
pub const USERS_TABLE: &str = "users";

/// A tenant as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantView {
    pub tenant_id: Uuid,
    pub slug: String,
    pub name: String,
    pub parent_tenant_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// Global position of the last event folded into this row.
    pub position: u64,
}

/// A user as the API shows it. No password material: `credential_id` only names the hash
/// in the secret store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub tenant_id: Uuid,
    pub user_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub credential_id: Uuid,
    pub created_at: DateTime<Utc>,
    /// When the last event folded into this row happened.
    pub updated_at: DateTime<Utc>,
    /// Global position of the last event folded into this row.
    pub position: u64,
}

/// Projects tenant streams into `tenants`.
pub struct TenantsProjection;

/// Projects user streams into `users`.
pub struct UsersProjection;

const CREATE_TENANTS: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL PRIMARY KEY, \
     slug TEXT NOT NULL, \
     name TEXT NOT NULL, \
     parent_tenant_id TEXT, \
     created_at BIGINT NOT NULL, \
     position BIGINT NOT NULL)";

const CREATE_TENANTS_BY_SLUG: &str = "CREATE INDEX IF NOT EXISTS {table}_by_slug ON {table} (slug)";

const UPSERT_TENANT: &str = "INSERT INTO {table} (tenant_id, slug, name, parent_tenant_id, created_at, position) \
     VALUES ($1, $2, $3, $4, $5, $6) \
     ON CONFLICT (tenant_id) DO UPDATE SET slug = excluded.slug, name = excluded.name, \
     parent_tenant_id = excluded.parent_tenant_id, created_at = excluded.created_at, position = excluded.position \
     WHERE {table}.position < excluded.position";

const TENANT_COLUMNS: &str = "tenant_id, slug, name, parent_tenant_id, created_at, position";

// `username_key` is the lower-cased user name: user names are unique per tenant ignoring
// case (the user id derives from it), so it orders and pages users without ties.
const CREATE_USERS: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     user_id TEXT NOT NULL, \
     username TEXT NOT NULL, \
     username_key TEXT NOT NULL, \
     display_name TEXT NOT NULL, \
     roles TEXT NOT NULL, \
     credential_id TEXT NOT NULL, \
     created_at BIGINT NOT NULL, \
     updated_at BIGINT NOT NULL, \
     position BIGINT NOT NULL, \
     PRIMARY KEY (tenant_id, user_id))";

const CREATE_USERS_BY_USERNAME: &str =
    "CREATE INDEX IF NOT EXISTS {table}_by_username ON {table} (tenant_id, username_key)";

const UPSERT_USER: &str = "INSERT INTO {table} \
     (tenant_id, user_id, username, username_key, display_name, roles, credential_id, created_at, updated_at, position) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
     ON CONFLICT (tenant_id, user_id) DO UPDATE SET username = excluded.username, \
     username_key = excluded.username_key, display_name = excluded.display_name, roles = excluded.roles, \
     credential_id = excluded.credential_id, created_at = excluded.created_at, updated_at = excluded.updated_at, \
     position = excluded.position \
     WHERE {table}.position < excluded.position";

const CHANGE_CREDENTIAL: &str = "UPDATE {table} SET credential_id = $1, updated_at = $2, position = $3 \
     WHERE tenant_id = $4 AND user_id = $5 AND position < $3";

const USER_COLUMNS: &str =
    "tenant_id, user_id, username, display_name, roles, credential_id, created_at, updated_at, position";

fn sql(template: &str, table: &str, suffix: &str) -> String {
    template.replace("{table}", &table_name(table, suffix))
}

async fn execute_all(connection: &mut AnyConnection, statements: &[String]) -> ProjectionResult<()> {
    for statement in statements {
        sqlx::query(AssertSqlSafe(statement.as_str())).execute(&mut *connection).await?;
    }
    Ok(())
}

#[async_trait]
impl Projection for TenantsProjection {
    fn name(&self) -> &'static str {
        "tenants"
    }

    fn tables(&self) -> &'static [&'static str] {
        &[TENANTS_TABLE]
    }

    async fn create_tables(&self, connection: &mut AnyConnection, suffix: &str) -> ProjectionResult<()> {
        let statements =
            [sql(CREATE_TENANTS, TENANTS_TABLE, suffix), sql(CREATE_TENANTS_BY_SLUG, TENANTS_TABLE, suffix)];
        execute_all(connection, &statements).await
    }

    async fn apply(
        &self,
        connection: &mut AnyConnection,
        suffix: &str,
        events: &[EventEnvelope],
    ) -> ProjectionResult<()> {
        let upsert = sql(UPSERT_TENANT, TENANTS_TABLE, suffix);
        for envelope in events.iter().filter(|envelope| envelope.event_type == TENANT_CREATED) {
            let position = envelope.global_position;
            let event = TenantEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
                .map_err(|source| ProjectionError::Upcast { position, source })?;
            match event {
                TenantEvent::TenantCreated(created) => {
                    sqlx::query(AssertSqlSafe(upsert.as_str()))
                        .bind(created.tenant_id.to_string())
                        .bind(created.slug)
                        .bind(created.name)
                        .bind(created.parent_tenant_id.map(|parent| parent.to_string()))
                        .bind(envelope.occurred_at.timestamp_micros())
                        .bind(position_to_i64(position))
                        .execute(&mut *connection)
                        .await?;
                }
            }
        }
        Ok(())
    }
}

#[async_trait]
impl Projection for UsersProjection {
    fn name(&self) -> &'static str {
        "users"
    }

    fn tables(&self) -> &'static [&'static str] {
        &[USERS_TABLE]
    }

    async fn create_tables(&self, connection: &mut AnyConnection, suffix: &str) -> ProjectionResult<()> {
        let statements = [sql(CREATE_USERS, USERS_TABLE, suffix), sql(CREATE_USERS_BY_USERNAME, USERS_TABLE, suffix)];
        execute_all(connection, &statements).await
    }

    async fn apply(
        &self,
        connection: &mut AnyConnection,
        suffix: &str,
        events: &[EventEnvelope],
    ) -> ProjectionResult<()> {
        let upsert = sql(UPSERT_USER, USERS_TABLE, suffix);
        let change_credential = sql(CHANGE_CREDENTIAL, USERS_TABLE, suffix);
        let handled =
            |envelope: &&EventEnvelope| matches!(envelope.event_type.as_str(), USER_CREATED | PASSWORD_CHANGED);
        for envelope in events.iter().filter(handled) {
            let position = envelope.global_position;
            let event = UserEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
                .map_err(|source| ProjectionError::Upcast { position, source })?;
            let occurred_at = envelope.occurred_at.timestamp_micros();
            match event {
                UserEvent::UserCreated(created) => {
                    let roles = serde_json::to_string(&created.roles).expect("roles serialise");
                    sqlx::query(AssertSqlSafe(upsert.as_str()))
                        .bind(envelope.tenant_id.to_string())
                        .bind(created.user_id.to_string())
                        .bind(created.username.clone())
                        .bind(created.username.to_lowercase())
                        .bind(created.display_name)
                        .bind(roles)
                        .bind(created.credential_id.to_string())
                        .bind(occurred_at)
                        .bind(occurred_at)
                        .bind(position_to_i64(position))
                        .execute(&mut *connection)
                        .await?;
                }
                UserEvent::PasswordChanged(changed) => {
                    // The user stream's aggregate id is the user id.
                    sqlx::query(AssertSqlSafe(change_credential.as_str()))
                        .bind(changed.credential_id.to_string())
                        .bind(occurred_at)
                        .bind(position_to_i64(position))
                        .bind(envelope.tenant_id.to_string())
                        .bind(envelope.stream_id.aggregate_id().to_string())
                        .execute(&mut *connection)
                        .await?;
                }
            }
        }
        Ok(())
    }
}

fn position_to_i64(position: u64) -> i64 {
    i64::try_from(position).expect("global positions stay below i64::MAX")
}

fn parse_uuid(text: &str) -> ProjectionResult<Uuid> {
    Uuid::parse_str(text).map_err(|error| ProjectionError::CorruptRow(format!("uuid {text:?}: {error}")))
}

fn micros_to_time(micros: i64) -> ProjectionResult<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| ProjectionError::CorruptRow(format!("timestamp {micros} is out of range")))
}

fn row_position(row: &AnyRow) -> ProjectionResult<u64> {
    let position: i64 = row.try_get("position")?;
    u64::try_from(position).map_err(|_| ProjectionError::CorruptRow(format!("position {position}")))
}

fn page_limit(first: u32) -> i64 {
    i64::from(first.min(MAX_PAGE_SIZE))
}

fn tenant_from_row(row: &AnyRow) -> ProjectionResult<TenantView> {
    let parent: Option<String> = row.try_get("parent_tenant_id")?;
    Ok(TenantView {
        tenant_id: parse_uuid(&row.try_get::<String, _>("tenant_id")?)?,
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
        parent_tenant_id: parent.as_deref().map(parse_uuid).transpose()?,
        created_at: micros_to_time(row.try_get("created_at")?)?,
        position: row_position(row)?,
    })
}

fn user_from_row(row: &AnyRow) -> ProjectionResult<UserView> {
    let roles_text: String = row.try_get("roles")?;
    let roles = serde_json::from_str(&roles_text)
        .map_err(|error| ProjectionError::CorruptRow(format!("roles {roles_text:?}: {error}")))?;
    Ok(UserView {
        tenant_id: parse_uuid(&row.try_get::<String, _>("tenant_id")?)?,
        user_id: parse_uuid(&row.try_get::<String, _>("user_id")?)?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        roles,
        credential_id: parse_uuid(&row.try_get::<String, _>("credential_id")?)?,
        created_at: micros_to_time(row.try_get("created_at")?)?,
        updated_at: micros_to_time(row.try_get("updated_at")?)?,
        position: row_position(row)?,
    })
}

/// The caller's own tenant.
pub async fn get_tenant(pool: &AnyPool, tenant_id: Uuid) -> ProjectionResult<Option<TenantView>> {
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {TENANT_COLUMNS} FROM {TENANTS_TABLE} WHERE tenant_id = $1")))
        .bind(tenant_id.to_string())
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(tenant_from_row).transpose()
}

/// Every tenant, ordered by slug: for platform administrators (the caller checks the role).
/// Returns at most `first` (capped at [`MAX_PAGE_SIZE`]) tenants whose slug sorts after
/// `after_slug`.
pub async fn list_tenants(pool: &AnyPool, first: u32, after_slug: Option<&str>) -> ProjectionResult<Vec<TenantView>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {TENANT_COLUMNS} FROM {TENANTS_TABLE} WHERE slug > $1 ORDER BY slug LIMIT $2"
    )))
    .bind(after_slug.unwrap_or(""))
    .bind(page_limit(first))
    .fetch_all(pool)
    .await?;
    rows.iter().map(tenant_from_row).collect()
}

/// One user of the caller's tenant; `None` also when the user belongs to another tenant.
pub async fn get_user(pool: &AnyPool, tenant_id: Uuid, user_id: Uuid) -> ProjectionResult<Option<UserView>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM {USERS_TABLE} WHERE tenant_id = $1 AND user_id = $2"
    )))
    .bind(tenant_id.to_string())
    .bind(user_id.to_string())
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(user_from_row).transpose()
}

/// The caller's tenant's users, ordered by user name ignoring case: at most `first` (capped at
/// [`MAX_PAGE_SIZE`]) users whose name sorts after `after_username` (the last name of the
/// previous page).
pub async fn list_users(
    pool: &AnyPool,
    tenant_id: Uuid,
    first: u32,
    after_username: Option<&str>,
) -> ProjectionResult<Vec<UserView>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM {USERS_TABLE} WHERE tenant_id = $1 AND username_key > $2 \
         ORDER BY username_key LIMIT $3"
    )))
    .bind(tenant_id.to_string())
    .bind(after_username.map(str::to_lowercase).unwrap_or_default())
    .bind(page_limit(first))
    .fetch_all(pool)
    .await?;
    rows.iter().map(user_from_row).collect()
}

/// How many users the caller's tenant has.
pub async fn count_users(pool: &AnyPool, tenant_id: Uuid) -> ProjectionResult<u64> {
    let count: i64 =
        sqlx::query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM {USERS_TABLE} WHERE tenant_id = $1")))
            .bind(tenant_id.to_string())
            .fetch_one(pool)
            .await?;
    u64::try_from(count).map_err(|_| ProjectionError::CorruptRow(format!("count {count}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_size_is_capped_not_refused() {
        assert_eq!(page_limit(0), 0);
        assert_eq!(page_limit(20), 20);
        assert_eq!(page_limit(u32::MAX), i64::from(MAX_PAGE_SIZE));
    }

    #[test]
    fn templates_name_the_suffixed_table() {
        assert_eq!(
            sql(CREATE_USERS_BY_USERNAME, USERS_TABLE, "__rebuild"),
            "CREATE INDEX IF NOT EXISTS users__rebuild_by_username ON users__rebuild (tenant_id, username_key)"
        );
    }
}
