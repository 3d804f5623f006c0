//! Identity read models: `tenants` and `users`, and the queries the API runs on them.
//!
//! Rows are folded from the identity events, decoded through the domain types (so an old
//! schema version is upcast exactly as the command side reads it). Every row remembers the
//! global position of the last event folded into it, and every write is guarded by it, so
//! applying a range of events twice leaves the same rows.
//!
//! Tenant isolation is in the queries: each user query takes the caller's tenant id and
//! filters on it, so no code path can read another tenant's users by forgetting a filter.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::identity::tenant::{TENANT_CREATED, TenantEvent};
use hotline_domain::identity::user::{LOCKED_OUT, PASSWORD_CHANGED, UNLOCKED, USER_CREATED, USER_UPDATED, UserEvent};
use hotline_domain::{DomainEvent, EventEnvelope};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Row};
use uuid::Uuid;

use crate::rows::{execute_all, like_escaped, parse_uuid, sql, to_i64, to_u64};
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

const USER_COLUMNS: &str =
    "tenant_id, user_id, username, display_name, role_ids, org_unit_id, locked_until, created_at, updated_at, position";

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
                        .bind(to_i64(position))
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

    /// Applies a batch with few statements, and with exactly the rows that applying its events
    /// one by one (each guarded by the row's position) would leave:
    ///
    /// 1. The users created in the batch that have no row yet (every one, in a rebuild) are
    ///    inserted with multi-row `INSERT ... ON CONFLICT DO NOTHING RETURNING`, with the
    ///    batch's later events of the user already folded in: one write per user. A creation
    ///    overwrites every column, so of several creations of one user only the last matters.
    /// 2. The creations of users that have a row are multi-row upserts guarded by position.
    /// 3. For every user not inserted in step 1, the batch's other events folded into one patch, applied with
    ///    multi-row `UPDATE ... FROM`: the last `user.updated` (it carries the whole display
    ///    name, role ids and org unit), the last lock-out or unlock (`locked_until` only) and
    ///    the last event of any kind (`updated_at`, `position`). Each part is guarded by the
    ///    row's position on its own, so a part whose event the row already holds is skipped,
    ///    as that event would be one by one; a creation earlier in the batch has moved the
    ///    row's position already, so the events before it are skipped too.
    async fn apply(
        &self,
        connection: &mut AnyConnection,
        suffix: &str,
        events: &[EventEnvelope],
    ) -> ProjectionResult<()> {
        // `hotline.user.password_changed` stays handled although the row holds no password
        // material: the row's `position` and `updated_at` are "the last event folded into this
        // row", which callers compare with the position their own command returned (see the
        // runner tests). In a patch it costs nothing but the event's decoding.
        let handled = |envelope: &&EventEnvelope| {
            matches!(
                envelope.event_type.as_str(),
                USER_CREATED | USER_UPDATED | PASSWORD_CHANGED | LOCKED_OUT | UNLOCKED
            )
        };
        let mut creations: Vec<CreatedRow> = Vec::new();
        let mut creation_of: HashMap<(String, String), usize> = HashMap::new();
        let mut patches: Vec<UserPatch> = Vec::new();
        let mut patch_of: HashMap<(String, String), usize> = HashMap::new();
        for envelope in events.iter().filter(handled) {
            let position = envelope.global_position;
            let event = UserEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
                .map_err(|source| ProjectionError::Upcast { position, source })?;
            let occurred_at = envelope.occurred_at.timestamp_micros();
            let tenant_id = envelope.tenant_id.to_string();
            let position = to_i64(position);
            if let UserEvent::UserCreated(created) = event {
                let row = CreatedRow {
                    tenant_id,
                    user_id: created.user_id.to_string(),
                    username_key: created.username.to_lowercase(),
                    username: created.username,
                    display_name: created.display_name,
                    role_ids: uuids_text(&created.role_ids),
                    org_unit_id: created.org_unit_id.map(|id| id.to_string()),
                    occurred_at,
                    position,
                };
                let key = (row.tenant_id.clone(), row.user_id.clone());
                match creation_of.get(&key) {
                    Some(&index) => creations[index] = row,
                    None => {
                        creation_of.insert(key, creations.len());
                        creations.push(row);
                    }
                }
                continue;
            }
            // The user stream's aggregate id is the user id.
            let key = (tenant_id, envelope.stream_id.aggregate_id().to_string());
            let index = *patch_of.entry(key.clone()).or_insert_with(|| {
                patches.push(UserPatch::new(key.0, key.1));
                patches.len() - 1
            });
            let patch = &mut patches[index];
            // Positions only grow within a batch: every part keeps its last event.
            patch.position = position;
            patch.updated_at = occurred_at;
            match event {
                UserEvent::UserUpdated(updated) => {
                    patch.update = Some(UpdateParts {
                        position,
                        display_name: updated.display_name,
                        role_ids: uuids_text(&updated.role_ids),
                        org_unit_id: updated.org_unit_id.map(|id| id.to_string()),
                    });
                }
                UserEvent::LockedOut(locked) => patch.lock = Some((position, Some(locked.until.timestamp_micros()))),
                UserEvent::Unlocked => patch.lock = Some((position, None)),
                // A password change (see above) moves only `updated_at` and `position`.
                _ => {}
            }
        }
        let table = table_name(USERS_TABLE, suffix);
        // Users created in this batch, with the batch's later events folded in, are inserted
        // where no row exists yet (always so in a rebuild): one write per user. The rows that
        // exist already take the exact path below: the creation's guarded upsert, then the patch.
        let mut inserted: HashSet<(String, String)> = HashSet::new();
        for chunk in creations.chunks(ROWS_PER_STATEMENT) {
            let statement = insert_users_sql(&table, chunk.len());
            let mut query = sqlx::query(AssertSqlSafe(statement));
            for row in chunk {
                let key = (row.tenant_id.clone(), row.user_id.clone());
                let later =
                    patch_of.get(&key).map(|&index| &patches[index]).filter(|patch| patch.position > row.position);
                let update =
                    later.and_then(|patch| patch.update.as_ref()).filter(|update| update.position > row.position);
                let lock = later.and_then(|patch| patch.lock).filter(|(position, _)| *position > row.position);
                query = query
                    .bind(row.tenant_id.as_str())
                    .bind(row.user_id.as_str())
                    .bind(row.username.as_str())
                    .bind(row.username_key.as_str())
                    .bind(update.map_or(row.display_name.as_str(), |update| update.display_name.as_str()))
                    .bind(update.map_or(row.role_ids.as_str(), |update| update.role_ids.as_str()))
                    .bind(update.map_or(row.org_unit_id.as_deref(), |update| update.org_unit_id.as_deref()))
                    .bind(lock.and_then(|(_, until)| until))
                    .bind(row.occurred_at)
                    .bind(later.map_or(row.occurred_at, |patch| patch.updated_at))
                    .bind(later.map_or(row.position, |patch| patch.position));
            }
            for inserted_row in query.fetch_all(&mut *connection).await? {
                inserted.insert((inserted_row.try_get("tenant_id")?, inserted_row.try_get("user_id")?));
            }
        }
        let existing: Vec<&CreatedRow> =
            creations.iter().filter(|row| !inserted.contains(&(row.tenant_id.clone(), row.user_id.clone()))).collect();
        for chunk in existing.chunks(ROWS_PER_STATEMENT) {
            let statement = upsert_users_sql(&table, chunk.len());
            let mut query = sqlx::query(AssertSqlSafe(statement));
            for row in chunk {
                query = query
                    .bind(row.tenant_id.as_str())
                    .bind(row.user_id.as_str())
                    .bind(row.username.as_str())
                    .bind(row.username_key.as_str())
                    .bind(row.display_name.as_str())
                    .bind(row.role_ids.as_str())
                    .bind(row.org_unit_id.as_deref())
                    .bind(row.occurred_at)
                    .bind(row.position);
            }
            query.execute(&mut *connection).await?;
        }
        let patches: Vec<&UserPatch> = patches
            .iter()
            .filter(|patch| !inserted.contains(&(patch.tenant_id.clone(), patch.user_id.clone())))
            .collect();
        for chunk in patches.chunks(ROWS_PER_STATEMENT) {
            let statement = patch_users_sql(&table, chunk.len());
            let mut query = sqlx::query(AssertSqlSafe(statement));
            for patch in chunk {
                let update = patch.update.as_ref();
                query = query
                    .bind(patch.tenant_id.as_str())
                    .bind(patch.user_id.as_str())
                    .bind(update.map(|update| update.position))
                    .bind(update.map(|update| update.display_name.as_str()))
                    .bind(update.map(|update| update.role_ids.as_str()))
                    .bind(update.and_then(|update| update.org_unit_id.as_deref()))
                    .bind(patch.lock.map(|(position, _)| position))
                    .bind(patch.lock.and_then(|(_, until)| until))
                    .bind(patch.position)
                    .bind(patch.updated_at);
            }
            query.execute(&mut *connection).await?;
        }
        Ok(())
    }
}

/// Inserts `rows` new rows of 11 parameters (every column), skipping the users that have a
/// row already, and returns the keys of the rows it inserted.
fn insert_users_sql(table: &str, rows: usize) -> String {
    let mut statement = format!(
        "INSERT INTO {table} (tenant_id, user_id, username, username_key, display_name, role_ids, org_unit_id, \
         locked_until, created_at, updated_at, position) VALUES "
    );
    for row in 0..rows {
        let first = row * 11;
        let separator = if row == 0 { "" } else { ", " };
        let [a, b, c, d, e, f, g, h, i, j, k] = std::array::from_fn(|offset| first + offset + 1);
        let _ = write!(statement, "{separator}(${a}, ${b}, ${c}, ${d}, ${e}, ${f}, ${g}, ${h}, ${i}, ${j}, ${k})");
    }
    statement.push_str(" ON CONFLICT (tenant_id, user_id) DO NOTHING RETURNING tenant_id, user_id");
    statement
}

/// Rows per multi-row statement: at most 11 parameters per row keeps a statement at 11,000
/// parameters, below SQLite's limit (32,766) and PostgreSQL's (65,535).
const ROWS_PER_STATEMENT: usize = 1_000;

/// A `user.created` event, as its row.
struct CreatedRow {
    tenant_id: String,
    user_id: String,
    username: String,
    username_key: String,
    display_name: String,
    role_ids: String,
    org_unit_id: Option<String>,
    occurred_at: i64,
    position: i64,
}

/// A user's other events of one batch, folded: each part holds its last event's values and
/// position.
struct UserPatch {
    tenant_id: String,
    user_id: String,
    /// The last `user.updated`.
    update: Option<UpdateParts>,
    /// The last lock-out (`Some(until)`) or unlock (`None`), and its position.
    lock: Option<(i64, Option<i64>)>,
    /// The last event's position and time.
    position: i64,
    updated_at: i64,
}

struct UpdateParts {
    position: i64,
    display_name: String,
    role_ids: String,
    org_unit_id: Option<String>,
}

impl UserPatch {
    fn new(tenant_id: String, user_id: String) -> Self {
        Self { tenant_id, user_id, update: None, lock: None, position: 0, updated_at: 0 }
    }
}

/// `UPSERT_USER` for `rows` rows of 9 parameters: tenant id, user id, user name, its key,
/// display name, role ids, org unit, time (created and updated) and position.
fn upsert_users_sql(table: &str, rows: usize) -> String {
    let mut statement = format!(
        "INSERT INTO {table} (tenant_id, user_id, username, username_key, display_name, role_ids, org_unit_id, \
         locked_until, created_at, updated_at, position) VALUES "
    );
    for row in 0..rows {
        let first = row * 9;
        let separator = if row == 0 { "" } else { ", " };
        let [a, b, c, d, e, f, g, h, i] = std::array::from_fn(|offset| first + offset + 1);
        let _ = write!(statement, "{separator}(${a}, ${b}, ${c}, ${d}, ${e}, ${f}, ${g}, NULL, ${h}, ${h}, ${i})");
    }
    let _ = write!(
        statement,
        " ON CONFLICT (tenant_id, user_id) DO UPDATE SET username = excluded.username, \
         username_key = excluded.username_key, display_name = excluded.display_name, role_ids = excluded.role_ids, \
         org_unit_id = excluded.org_unit_id, locked_until = NULL, created_at = excluded.created_at, \
         updated_at = excluded.updated_at, position = excluded.position WHERE {table}.position < excluded.position"
    );
    statement
}

/// One `UPDATE ... FROM` for `rows` patches of 10 parameters: tenant id, user id, the
/// update's position, display name, role ids and org unit, the lock's position and
/// `locked_until`, the last event's position and time. A part whose position is NULL (no
/// such event) or not after the row's is left as it is. The first row's casts type the
/// columns for PostgreSQL.
fn patch_users_sql(table: &str, rows: usize) -> String {
    let mut statement = String::from(
        "WITH patch (tenant_id, user_id, update_position, display_name, role_ids, org_unit_id, lock_position, \
         locked_until, position, updated_at) AS (VALUES ",
    );
    for row in 0..rows {
        let first = row * 10;
        let [a, b, c, d, e, f, g, h, i, j] = std::array::from_fn(|offset| first + offset + 1);
        if row == 0 {
            let _ = write!(
                statement,
                "(CAST(${a} AS TEXT), CAST(${b} AS TEXT), CAST(${c} AS BIGINT), CAST(${d} AS TEXT), \
                 CAST(${e} AS TEXT), CAST(${f} AS TEXT), CAST(${g} AS BIGINT), CAST(${h} AS BIGINT), \
                 CAST(${i} AS BIGINT), CAST(${j} AS BIGINT))"
            );
        } else {
            let _ = write!(statement, ", (${a}, ${b}, ${c}, ${d}, ${e}, ${f}, ${g}, ${h}, ${i}, ${j})");
        }
    }
    let _ = write!(
        statement,
        ") UPDATE {table} SET \
         display_name = CASE WHEN {table}.position < patch.update_position THEN patch.display_name \
         ELSE {table}.display_name END, \
         role_ids = CASE WHEN {table}.position < patch.update_position THEN patch.role_ids ELSE {table}.role_ids END, \
         org_unit_id = CASE WHEN {table}.position < patch.update_position THEN patch.org_unit_id \
         ELSE {table}.org_unit_id END, \
         locked_until = CASE WHEN {table}.position < patch.lock_position THEN patch.locked_until \
         ELSE {table}.locked_until END, \
         updated_at = patch.updated_at, position = patch.position \
         FROM patch WHERE {table}.tenant_id = patch.tenant_id AND {table}.user_id = patch.user_id \
         AND {table}.position < patch.position"
    );
    statement
}

fn uuids_text(ids: &[Uuid]) -> String {
    serde_json::to_string(ids).expect("uuids serialise")
}

fn micros_to_time(micros: i64) -> ProjectionResult<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| ProjectionError::CorruptRow(format!("timestamp {micros} is out of range")))
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
        position: to_u64("position", row.try_get("position")?)?,
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
        position: to_u64("position", row.try_get("position")?)?,
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

/// The caller's tenant's users whose user name or display name holds `text` (ignoring case),
/// ordered by user name: at most `first` (capped at [`MAX_PAGE_SIZE`]). For the pickers of
/// forms, which any agent uses, so no data scope applies.
pub async fn search_users(pool: &AnyPool, tenant_id: Uuid, text: &str, first: u32) -> ProjectionResult<Vec<UserView>> {
    let pattern = format!("%{}%", like_escaped(&text.trim().to_lowercase()));
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM {USERS_TABLE} WHERE tenant_id = $1 \
         AND (username_key LIKE $2 ESCAPE '\\' OR LOWER(display_name) LIKE $2 ESCAPE '\\') \
         ORDER BY username_key LIMIT $3"
    )))
    .bind(tenant_id.to_string())
    .bind(pattern)
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
