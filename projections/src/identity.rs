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
use hotline_domain::identity::tenant::{TENANT_CREATED, TenantEvent};
use hotline_domain::identity::user::{LOCKED_OUT, PASSWORD_CHANGED, UNLOCKED, USER_CREATED, USER_UPDATED, UserEvent};
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

/// A user as the API shows it. No password material: not even the credential id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub tenant_id: Uuid,
    pub user_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role_ids: Vec<Uuid>,
    pub org_unit_id: Option<Uuid>,
    /// Set while a lock-out lasts (it may have passed: compare with the clock).
    pub locked_until: Option<DateTime<Utc>>,
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
     role_ids TEXT NOT NULL, \
     org_unit_id TEXT, \
     locked_until BIGINT, \
     created_at BIGINT NOT NULL, \
     updated_at BIGINT NOT NULL, \
     position BIGINT NOT NULL, \
     PRIMARY KEY (tenant_id, user_id))";

const CREATE_USERS_BY_USERNAME: &str =
    "CREATE INDEX IF NOT EXISTS {table}_by_username ON {table} (tenant_id, username_key)";

const UPSERT_USER: &str = "INSERT INTO {table} \
     (tenant_id, user_id, username, username_key, display_name, role_ids, org_unit_id, locked_until, created_at, \
     updated_at, position) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9, $10) \
     ON CONFLICT (tenant_id, user_id) DO UPDATE SET username = excluded.username, \
     username_key = excluded.username_key, display_name = excluded.display_name, role_ids = excluded.role_ids, \
     org_unit_id = excluded.org_unit_id, locked_until = NULL, created_at = excluded.created_at, \
     updated_at = excluded.updated_at, position = excluded.position \
     WHERE {table}.position < excluded.position";

const UPDATE_USER: &str = "UPDATE {table} SET display_name = $1, role_ids = $2, org_unit_id = $3, updated_at = $4, \
     position = $5 WHERE tenant_id = $6 AND user_id = $7 AND position < $5";

/// For the events that change only the row's time and position (a password change), or the
/// lock-out.
const TOUCH_USER: &str = "UPDATE {table} SET updated_at = $1, position = $2 \
     WHERE tenant_id = $3 AND user_id = $4 AND position < $2";

const SET_LOCKED_UNTIL: &str = "UPDATE {table} SET locked_until = $1, updated_at = $2, position = $3 \
     WHERE tenant_id = $4 AND user_id = $5 AND position < $3";

const USER_COLUMNS: &str =
    "tenant_id, user_id, username, display_name, role_ids, org_unit_id, locked_until, created_at, updated_at, position";

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
                // Settings are the `tenant_settings` projection's (projections/src/tenant_settings.rs).
                TenantEvent::TenantSettingsUpdated(_) => {}
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
        let update = sql(UPDATE_USER, USERS_TABLE, suffix);
        let touch = sql(TOUCH_USER, USERS_TABLE, suffix);
        let set_locked_until = sql(SET_LOCKED_UNTIL, USERS_TABLE, suffix);
        let handled = |envelope: &&EventEnvelope| {
            matches!(
                envelope.event_type.as_str(),
                USER_CREATED | USER_UPDATED | PASSWORD_CHANGED | LOCKED_OUT | UNLOCKED
            )
        };
        for envelope in events.iter().filter(handled) {
            let position = envelope.global_position;
            let event = UserEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
                .map_err(|source| ProjectionError::Upcast { position, source })?;
            let occurred_at = envelope.occurred_at.timestamp_micros();
            let tenant_id = envelope.tenant_id.to_string();
            // The user stream's aggregate id is the user id.
            let user_id = envelope.stream_id.aggregate_id().to_string();
            let position = position_to_i64(position);
            match event {
                UserEvent::UserCreated(created) => {
                    sqlx::query(AssertSqlSafe(upsert.as_str()))
                        .bind(tenant_id)
                        .bind(created.user_id.to_string())
                        .bind(created.username.clone())
                        .bind(created.username.to_lowercase())
                        .bind(created.display_name)
                        .bind(uuids_text(&created.role_ids))
                        .bind(created.org_unit_id.map(|id| id.to_string()))
                        .bind(occurred_at)
                        .bind(occurred_at)
                        .bind(position)
                        .execute(&mut *connection)
                        .await?;
                }
                UserEvent::UserUpdated(updated) => {
                    sqlx::query(AssertSqlSafe(update.as_str()))
                        .bind(updated.display_name)
                        .bind(uuids_text(&updated.role_ids))
                        .bind(updated.org_unit_id.map(|id| id.to_string()))
                        .bind(occurred_at)
                        .bind(position)
                        .bind(tenant_id)
                        .bind(user_id)
                        .execute(&mut *connection)
                        .await?;
                }
                UserEvent::LockedOut(locked) => {
                    sqlx::query(AssertSqlSafe(set_locked_until.as_str()))
                        .bind(Some(locked.until.timestamp_micros()))
                        .bind(occurred_at)
                        .bind(position)
                        .bind(tenant_id)
                        .bind(user_id)
                        .execute(&mut *connection)
                        .await?;
                }
                UserEvent::Unlocked => {
                    sqlx::query(AssertSqlSafe(set_locked_until.as_str()))
                        .bind(None::<i64>)
                        .bind(occurred_at)
                        .bind(position)
                        .bind(tenant_id)
                        .bind(user_id)
                        .execute(&mut *connection)
                        .await?;
                }
                _ => {
                    sqlx::query(AssertSqlSafe(touch.as_str()))
                        .bind(occurred_at)
                        .bind(position)
                        .bind(tenant_id)
                        .bind(user_id)
                        .execute(&mut *connection)
                        .await?;
                }
            }
        }
        Ok(())
    }
}

fn uuids_text(ids: &[Uuid]) -> String {
    serde_json::to_string(ids).expect("uuids serialise")
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
    let role_ids_text: String = row.try_get("role_ids")?;
    let role_ids = serde_json::from_str(&role_ids_text)
        .map_err(|error| ProjectionError::CorruptRow(format!("role_ids {role_ids_text:?}: {error}")))?;
    let org_unit_id: Option<String> = row.try_get("org_unit_id")?;
    let locked_until: Option<i64> = row.try_get("locked_until")?;
    Ok(UserView {
        tenant_id: parse_uuid(&row.try_get::<String, _>("tenant_id")?)?,
        user_id: parse_uuid(&row.try_get::<String, _>("user_id")?)?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        role_ids,
        org_unit_id: org_unit_id.as_deref().map(parse_uuid).transpose()?,
        locked_until: locked_until.map(micros_to_time).transpose()?,
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

/// Which of the tenant's users a query may return: the caller's data scope, made concrete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserFilter {
    /// Every user of the tenant.
    All,
    /// Only this user.
    Only(Uuid),
    /// Users of these organisation units, and this user.
    UnitsAndSelf { units: Vec<Uuid>, user_id: Uuid },
}

impl UserFilter {
    /// Whether a user row is inside this filter.
    pub fn admits(&self, view: &UserView) -> bool {
        match self {
            UserFilter::All => true,
            UserFilter::Only(user_id) => view.user_id == *user_id,
            UserFilter::UnitsAndSelf { units, user_id } => {
                view.user_id == *user_id || view.org_unit_id.is_some_and(|unit| units.contains(&unit))
            }
        }
    }
}

/// The caller's tenant's users that `filter` admits, ordered by user name ignoring case: at
/// most `first` (capped at [`MAX_PAGE_SIZE`]) users whose name sorts after `after_username`
/// (the last name of the previous page).
pub async fn list_users(
    pool: &AnyPool,
    tenant_id: Uuid,
    filter: &UserFilter,
    first: u32,
    after_username: Option<&str>,
) -> ProjectionResult<Vec<UserView>> {
    // Unit ids are uuids we render ourselves, so inlining them is safe; the rest is bound.
    let scope = match filter {
        UserFilter::All => String::new(),
        UserFilter::Only(user_id) => format!(" AND user_id = '{user_id}'"),
        UserFilter::UnitsAndSelf { units, user_id } => {
            let units: Vec<String> = units.iter().map(|unit| format!("'{unit}'")).collect();
            if units.is_empty() {
                format!(" AND user_id = '{user_id}'")
            } else {
                format!(" AND (user_id = '{user_id}' OR org_unit_id IN ({}))", units.join(", "))
            }
        }
    };
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM {USERS_TABLE} WHERE tenant_id = $1 AND username_key > $2{scope} \
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
