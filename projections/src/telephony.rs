//! The telephony directory read models: `telephony_extensions`, `telephony_trunks`,
//! `telephony_access_numbers`, `telephony_music` (music files) and `telephony_queue_music`
//! (what each queue plays), every tenant's, folded from `hotline.telephony.*`.
//!
//! The administration page lists them, and the SIP server looks up what it needs per call
//! or registration: an extension by number ([`extension_for_login`]) or by user
//! ([`extension_of_user`]), every tenant's trunks to match a source address against their
//! peers ([`all_trunks`]), where an access number goes ([`access_number_route`]), and the
//! music a queue plays ([`queue_music`]).
//! Passwords are not here: rows name their secret's id in the secret store.
//!
//! Idempotency: a tenant's directory is one stream (`telephony-<tenant>`), so, as
//! `queue_stats` does, the projection keeps the last applied stream version per tenant in
//! `telephony_versions` and skips events at or below it.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::telephony::{self, TelephonyEvent};
use hotline_domain::{DomainEvent, EventEnvelope};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Row};
use uuid::Uuid;

use crate::rows::{execute_all, optional_uuid_column, sql, time_column, to_i64, uuid_column};
use crate::runner::{Projection, ProjectionError, ProjectionResult};

pub const TELEPHONY_EXTENSIONS_TABLE: &str = "telephony_extensions";
pub const TELEPHONY_TRUNKS_TABLE: &str = "telephony_trunks";
pub const TELEPHONY_ACCESS_NUMBERS_TABLE: &str = "telephony_access_numbers";
pub const TELEPHONY_MUSIC_TABLE: &str = "telephony_music";
pub const TELEPHONY_QUEUE_MUSIC_TABLE: &str = "telephony_queue_music";
/// The last stream version of `telephony-<tenant>` applied, per tenant.
pub const TELEPHONY_VERSIONS_TABLE: &str = "telephony_versions";

/// An extension as the administration page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionView {
    pub tenant_id: Uuid,
    pub extension_id: Uuid,
    pub number: String,
    pub display_name: String,
    pub user_id: Option<Uuid>,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// How Hotline registers with a trunk's carrier (the password is in the secret store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrunkRegistrationView {
    pub registrar: String,
    pub username: String,
    pub secret_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrunkView {
    pub tenant_id: Uuid,
    pub trunk_id: Uuid,
    pub name: String,
    pub peers: Vec<String>,
    pub outbound_address: Option<String>,
    pub registration: Option<TrunkRegistrationView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessNumberView {
    pub tenant_id: Uuid,
    pub number: String,
    pub queue_id: Uuid,
    pub trunk_id: Option<Uuid>,
    pub description: String,
}

/// A music file for waiting and held callers (its samples are the blob with its id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MusicView {
    pub tenant_id: Uuid,
    pub music_id: Uuid,
    pub name: String,
    pub duration_ms: u64,
    pub added_at: DateTime<Utc>,
}

/// The music a queue plays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueMusicView {
    pub queue_id: Uuid,
    pub music_id: Uuid,
}

/// What the SIP server needs to let a phone register as an extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtensionLogin {
    pub tenant_id: Uuid,
    pub extension_id: Uuid,
    pub number: String,
    pub display_name: String,
    pub user_id: Option<Uuid>,
    /// The SIP password's id in the secret store.
    pub secret_id: Uuid,
    pub enabled: bool,
}

/// A trunk's peers, for matching the source address of an inbound call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrunkPeer {
    pub tenant_id: Uuid,
    pub trunk_id: Uuid,
    pub name: String,
    /// IP addresses or CIDR networks.
    pub peers: Vec<String>,
    pub outbound_address: Option<String>,
}

/// Where calls to an access number go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessNumberRoute {
    pub tenant_id: Uuid,
    pub number: String,
    pub queue_id: Uuid,
    /// Only calls arriving on this trunk; `None`: on any of the tenant's trunks.
    pub trunk_id: Option<Uuid>,
}

/// Projects the telephony directory into its three tables.
pub struct TelephonyProjection;

const CREATE_EXTENSIONS: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     extension_id TEXT NOT NULL, \
     number TEXT NOT NULL, \
     display_name TEXT NOT NULL, \
     user_id TEXT NULL, \
     secret_id TEXT NOT NULL, \
     enabled BIGINT NOT NULL, \
     created_at BIGINT NOT NULL, \
     updated_at BIGINT NOT NULL, \
     PRIMARY KEY (tenant_id, extension_id))";

const CREATE_EXTENSIONS_BY_NUMBER: &str = "CREATE INDEX IF NOT EXISTS {table}_by_number ON {table} (tenant_id, number)";

const CREATE_EXTENSIONS_BY_USER: &str = "CREATE INDEX IF NOT EXISTS {table}_by_user ON {table} (tenant_id, user_id)";

const CREATE_TRUNKS: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     trunk_id TEXT NOT NULL, \
     name TEXT NOT NULL, \
     name_key TEXT NOT NULL, \
     peers TEXT NOT NULL, \
     outbound_address TEXT NULL, \
     registrar TEXT NULL, \
     registration_username TEXT NULL, \
     registration_secret_id TEXT NULL, \
     PRIMARY KEY (tenant_id, trunk_id))";

const CREATE_ACCESS_NUMBERS: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     number TEXT NOT NULL, \
     queue_id TEXT NOT NULL, \
     trunk_id TEXT NULL, \
     description TEXT NOT NULL, \
     PRIMARY KEY (tenant_id, number))";

const CREATE_MUSIC: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     music_id TEXT NOT NULL, \
     name TEXT NOT NULL, \
     duration_ms BIGINT NOT NULL, \
     added_at BIGINT NOT NULL, \
     PRIMARY KEY (tenant_id, music_id))";

const CREATE_QUEUE_MUSIC: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     queue_id TEXT NOT NULL, \
     music_id TEXT NOT NULL, \
     PRIMARY KEY (tenant_id, queue_id))";

const CREATE_VERSIONS: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL PRIMARY KEY, \
     stream_version BIGINT NOT NULL, \
     position BIGINT NOT NULL)";

const SELECT_VERSION: &str = "SELECT stream_version FROM {table} WHERE tenant_id = $1";

const UPSERT_VERSION: &str = "INSERT INTO {table} (tenant_id, stream_version, position) VALUES ($1, $2, $3) \
     ON CONFLICT (tenant_id) DO UPDATE SET stream_version = excluded.stream_version, position = excluded.position";

const UPSERT_EXTENSION: &str = "INSERT INTO {table} \
     (tenant_id, extension_id, number, display_name, user_id, secret_id, enabled, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7) \
     ON CONFLICT (tenant_id, extension_id) DO UPDATE SET number = excluded.number, \
     display_name = excluded.display_name, user_id = excluded.user_id, secret_id = excluded.secret_id, \
     enabled = excluded.enabled, created_at = excluded.created_at, updated_at = excluded.updated_at";

const UPDATE_EXTENSION: &str = "UPDATE {table} SET display_name = $1, user_id = $2, enabled = $3, updated_at = $4 \
     WHERE tenant_id = $5 AND extension_id = $6";

const ROTATE_EXTENSION: &str =
    "UPDATE {table} SET secret_id = $1, updated_at = $2 WHERE tenant_id = $3 AND extension_id = $4";

const DELETE_EXTENSION: &str = "DELETE FROM {table} WHERE tenant_id = $1 AND extension_id = $2";

const UPSERT_TRUNK: &str = "INSERT INTO {table} (tenant_id, trunk_id, name, name_key, peers, outbound_address, \
     registrar, registration_username, registration_secret_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
     ON CONFLICT (tenant_id, trunk_id) DO UPDATE SET name = excluded.name, name_key = excluded.name_key, \
     peers = excluded.peers, outbound_address = excluded.outbound_address, registrar = excluded.registrar, \
     registration_username = excluded.registration_username, \
     registration_secret_id = excluded.registration_secret_id";

const DELETE_TRUNK: &str = "DELETE FROM {table} WHERE tenant_id = $1 AND trunk_id = $2";

const UPSERT_ACCESS_NUMBER: &str = "INSERT INTO {table} (tenant_id, number, queue_id, trunk_id, description) \
     VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (tenant_id, number) DO UPDATE SET queue_id = excluded.queue_id, trunk_id = excluded.trunk_id, \
     description = excluded.description";

const DELETE_ACCESS_NUMBER: &str = "DELETE FROM {table} WHERE tenant_id = $1 AND number = $2";

const UPSERT_MUSIC: &str = "INSERT INTO {table} (tenant_id, music_id, name, duration_ms, added_at) \
     VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (tenant_id, music_id) DO UPDATE SET name = excluded.name, duration_ms = excluded.duration_ms, \
     added_at = excluded.added_at";

const DELETE_MUSIC: &str = "DELETE FROM {table} WHERE tenant_id = $1 AND music_id = $2";

const UPSERT_QUEUE_MUSIC: &str = "INSERT INTO {table} (tenant_id, queue_id, music_id) VALUES ($1, $2, $3) \
     ON CONFLICT (tenant_id, queue_id) DO UPDATE SET music_id = excluded.music_id";

const DELETE_QUEUE_MUSIC: &str = "DELETE FROM {table} WHERE tenant_id = $1 AND queue_id = $2";

const EXTENSION_COLUMNS: &str =
    "tenant_id, extension_id, number, display_name, user_id, secret_id, enabled, created_at, updated_at";

const TRUNK_COLUMNS: &str =
    "tenant_id, trunk_id, name, peers, outbound_address, registrar, registration_username, registration_secret_id";

const ACCESS_NUMBER_COLUMNS: &str = "tenant_id, number, queue_id, trunk_id, description";

/// The statements of one `apply`, named with its suffix.
struct Statements {
    upsert_extension: String,
    update_extension: String,
    rotate_extension: String,
    delete_extension: String,
    upsert_trunk: String,
    delete_trunk: String,
    upsert_access_number: String,
    delete_access_number: String,
    upsert_music: String,
    delete_music: String,
    upsert_queue_music: String,
    delete_queue_music: String,
}

impl Statements {
    fn new(suffix: &str) -> Self {
        Self {
            upsert_extension: sql(UPSERT_EXTENSION, TELEPHONY_EXTENSIONS_TABLE, suffix),
            update_extension: sql(UPDATE_EXTENSION, TELEPHONY_EXTENSIONS_TABLE, suffix),
            rotate_extension: sql(ROTATE_EXTENSION, TELEPHONY_EXTENSIONS_TABLE, suffix),
            delete_extension: sql(DELETE_EXTENSION, TELEPHONY_EXTENSIONS_TABLE, suffix),
            upsert_trunk: sql(UPSERT_TRUNK, TELEPHONY_TRUNKS_TABLE, suffix),
            delete_trunk: sql(DELETE_TRUNK, TELEPHONY_TRUNKS_TABLE, suffix),
            upsert_access_number: sql(UPSERT_ACCESS_NUMBER, TELEPHONY_ACCESS_NUMBERS_TABLE, suffix),
            delete_access_number: sql(DELETE_ACCESS_NUMBER, TELEPHONY_ACCESS_NUMBERS_TABLE, suffix),
            upsert_music: sql(UPSERT_MUSIC, TELEPHONY_MUSIC_TABLE, suffix),
            delete_music: sql(DELETE_MUSIC, TELEPHONY_MUSIC_TABLE, suffix),
            upsert_queue_music: sql(UPSERT_QUEUE_MUSIC, TELEPHONY_QUEUE_MUSIC_TABLE, suffix),
            delete_queue_music: sql(DELETE_QUEUE_MUSIC, TELEPHONY_QUEUE_MUSIC_TABLE, suffix),
        }
    }
}

fn handled(envelope: &&EventEnvelope) -> bool {
    envelope.stream_id.context() == telephony::CONTEXT && envelope.event_type.starts_with("hotline.telephony.")
}

#[async_trait]
impl Projection for TelephonyProjection {
    fn name(&self) -> &'static str {
        "telephony"
    }

    fn tables(&self) -> &'static [&'static str] {
        &[
            TELEPHONY_EXTENSIONS_TABLE,
            TELEPHONY_TRUNKS_TABLE,
            TELEPHONY_ACCESS_NUMBERS_TABLE,
            TELEPHONY_MUSIC_TABLE,
            TELEPHONY_QUEUE_MUSIC_TABLE,
            TELEPHONY_VERSIONS_TABLE,
        ]
    }

    async fn create_tables(&self, connection: &mut AnyConnection, suffix: &str) -> ProjectionResult<()> {
        let statements = [
            sql(CREATE_EXTENSIONS, TELEPHONY_EXTENSIONS_TABLE, suffix),
            sql(CREATE_EXTENSIONS_BY_NUMBER, TELEPHONY_EXTENSIONS_TABLE, suffix),
            sql(CREATE_EXTENSIONS_BY_USER, TELEPHONY_EXTENSIONS_TABLE, suffix),
            sql(CREATE_TRUNKS, TELEPHONY_TRUNKS_TABLE, suffix),
            sql(CREATE_ACCESS_NUMBERS, TELEPHONY_ACCESS_NUMBERS_TABLE, suffix),
            sql(CREATE_MUSIC, TELEPHONY_MUSIC_TABLE, suffix),
            sql(CREATE_QUEUE_MUSIC, TELEPHONY_QUEUE_MUSIC_TABLE, suffix),
            sql(CREATE_VERSIONS, TELEPHONY_VERSIONS_TABLE, suffix),
        ];
        execute_all(connection, &statements).await
    }

    async fn apply(
        &self,
        connection: &mut AnyConnection,
        suffix: &str,
        events: &[EventEnvelope],
    ) -> ProjectionResult<()> {
        let select_version = sql(SELECT_VERSION, TELEPHONY_VERSIONS_TABLE, suffix);
        let statements = Statements::new(suffix);
        // Per tenant: the stream version applied (before this batch, then as it goes), and
        // the position of the last event this batch applied.
        let mut versions: HashMap<Uuid, (i64, Option<i64>)> = HashMap::new();
        for envelope in events.iter().filter(handled) {
            let position = envelope.global_position;
            let tenant_id = envelope.tenant_id;
            let stream_version = to_i64(envelope.stream_version);
            let version = match versions.get_mut(&tenant_id) {
                Some(version) => version,
                None => {
                    let applied: Option<i64> = sqlx::query_scalar(AssertSqlSafe(select_version.as_str()))
                        .bind(tenant_id.to_string())
                        .fetch_optional(&mut *connection)
                        .await?;
                    versions.entry(tenant_id).or_insert((applied.unwrap_or(0), None))
                }
            };
            if stream_version <= version.0 {
                continue;
            }
            *version = (stream_version, Some(to_i64(position)));
            let event = TelephonyEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
                .map_err(|source| ProjectionError::Upcast { position, source })?;
            apply_event(connection, &statements, tenant_id, envelope.occurred_at.timestamp_micros(), event).await?;
        }
        let upsert_version = sql(UPSERT_VERSION, TELEPHONY_VERSIONS_TABLE, suffix);
        for (tenant_id, (stream_version, position)) in versions {
            let Some(position) = position else { continue };
            sqlx::query(AssertSqlSafe(upsert_version.as_str()))
                .bind(tenant_id.to_string())
                .bind(stream_version)
                .bind(position)
                .execute(&mut *connection)
                .await?;
        }
        Ok(())
    }
}

async fn apply_event(
    connection: &mut AnyConnection,
    statements: &Statements,
    tenant_id: Uuid,
    occurred_at: i64,
    event: TelephonyEvent,
) -> ProjectionResult<()> {
    let tenant = tenant_id.to_string();
    let query = match event {
        TelephonyEvent::ExtensionProvisioned(provisioned) => {
            sqlx::query(AssertSqlSafe(statements.upsert_extension.as_str()))
                .bind(tenant)
                .bind(provisioned.extension_id.to_string())
                .bind(provisioned.number)
                .bind(provisioned.display_name)
                .bind(provisioned.user_id.map(|user_id| user_id.to_string()))
                .bind(provisioned.secret_id.to_string())
                .bind(occurred_at)
        }
        TelephonyEvent::ExtensionUpdated(updated) => sqlx::query(AssertSqlSafe(statements.update_extension.as_str()))
            .bind(updated.display_name)
            .bind(updated.user_id.map(|user_id| user_id.to_string()))
            .bind(i64::from(updated.enabled))
            .bind(occurred_at)
            .bind(tenant)
            .bind(updated.extension_id.to_string()),
        TelephonyEvent::ExtensionPasswordRotated(rotated) => {
            sqlx::query(AssertSqlSafe(statements.rotate_extension.as_str()))
                .bind(rotated.secret_id.to_string())
                .bind(occurred_at)
                .bind(tenant)
                .bind(rotated.extension_id.to_string())
        }
        TelephonyEvent::ExtensionRemoved(removed) => sqlx::query(AssertSqlSafe(statements.delete_extension.as_str()))
            .bind(tenant)
            .bind(removed.extension_id.to_string()),
        TelephonyEvent::TrunkDefined(trunk) | TelephonyEvent::TrunkUpdated(trunk) => {
            let peers = serde_json::to_string(&trunk.peers).expect("a list of strings serialises");
            let registration = trunk.registration;
            let name_key = trunk.name.to_lowercase();
            sqlx::query(AssertSqlSafe(statements.upsert_trunk.as_str()))
                .bind(tenant)
                .bind(trunk.trunk_id.to_string())
                .bind(trunk.name)
                .bind(name_key)
                .bind(peers)
                .bind(trunk.outbound_address)
                .bind(registration.as_ref().map(|registration| registration.registrar.clone()))
                .bind(registration.as_ref().map(|registration| registration.username.clone()))
                .bind(registration.as_ref().map(|registration| registration.secret_id.to_string()))
        }
        TelephonyEvent::TrunkRemoved(removed) => {
            sqlx::query(AssertSqlSafe(statements.delete_trunk.as_str())).bind(tenant).bind(removed.trunk_id.to_string())
        }
        TelephonyEvent::AccessNumberAssigned(assigned) => {
            sqlx::query(AssertSqlSafe(statements.upsert_access_number.as_str()))
                .bind(tenant)
                .bind(assigned.number)
                .bind(assigned.queue_id.to_string())
                .bind(assigned.trunk_id.map(|trunk_id| trunk_id.to_string()))
                .bind(assigned.description)
        }
        TelephonyEvent::AccessNumberReleased(released) => {
            sqlx::query(AssertSqlSafe(statements.delete_access_number.as_str())).bind(tenant).bind(released.number)
        }
        TelephonyEvent::MusicAdded(added) => sqlx::query(AssertSqlSafe(statements.upsert_music.as_str()))
            .bind(tenant)
            .bind(added.music_id.to_string())
            .bind(added.name)
            .bind(to_i64(added.duration_ms))
            .bind(occurred_at),
        TelephonyEvent::MusicRemoved(removed) => {
            sqlx::query(AssertSqlSafe(statements.delete_music.as_str())).bind(tenant).bind(removed.music_id.to_string())
        }
        TelephonyEvent::QueueMusicSet(set) => match set.music_id {
            Some(music_id) => sqlx::query(AssertSqlSafe(statements.upsert_queue_music.as_str()))
                .bind(tenant)
                .bind(set.queue_id.to_string())
                .bind(music_id.to_string()),
            None => sqlx::query(AssertSqlSafe(statements.delete_queue_music.as_str()))
                .bind(tenant)
                .bind(set.queue_id.to_string()),
        },
    };
    query.execute(&mut *connection).await?;
    Ok(())
}

fn enabled_column(row: &AnyRow) -> ProjectionResult<bool> {
    Ok(row.try_get::<i64, _>("enabled")? != 0)
}

fn extension_from_row(row: &AnyRow) -> ProjectionResult<ExtensionView> {
    Ok(ExtensionView {
        tenant_id: uuid_column(row, "tenant_id")?,
        extension_id: uuid_column(row, "extension_id")?,
        number: row.try_get("number")?,
        display_name: row.try_get("display_name")?,
        user_id: optional_uuid_column(row, "user_id")?,
        enabled: enabled_column(row)?,
        created_at: time_column(row, "created_at")?,
        updated_at: time_column(row, "updated_at")?,
    })
}

fn login_from_row(row: &AnyRow) -> ProjectionResult<ExtensionLogin> {
    Ok(ExtensionLogin {
        tenant_id: uuid_column(row, "tenant_id")?,
        extension_id: uuid_column(row, "extension_id")?,
        number: row.try_get("number")?,
        display_name: row.try_get("display_name")?,
        user_id: optional_uuid_column(row, "user_id")?,
        secret_id: uuid_column(row, "secret_id")?,
        enabled: enabled_column(row)?,
    })
}

fn peers_column(row: &AnyRow) -> ProjectionResult<Vec<String>> {
    let text: String = row.try_get("peers")?;
    serde_json::from_str(&text).map_err(|error| ProjectionError::CorruptRow(format!("peers {text:?}: {error}")))
}

fn trunk_from_row(row: &AnyRow) -> ProjectionResult<TrunkView> {
    let registrar: Option<String> = row.try_get("registrar")?;
    let username: Option<String> = row.try_get("registration_username")?;
    let secret_id = optional_uuid_column(row, "registration_secret_id")?;
    let registration = match (registrar, username, secret_id) {
        (Some(registrar), Some(username), Some(secret_id)) => {
            Some(TrunkRegistrationView { registrar, username, secret_id })
        }
        _ => None,
    };
    Ok(TrunkView {
        tenant_id: uuid_column(row, "tenant_id")?,
        trunk_id: uuid_column(row, "trunk_id")?,
        name: row.try_get("name")?,
        peers: peers_column(row)?,
        outbound_address: row.try_get("outbound_address")?,
        registration,
    })
}

fn access_number_from_row(row: &AnyRow) -> ProjectionResult<AccessNumberView> {
    Ok(AccessNumberView {
        tenant_id: uuid_column(row, "tenant_id")?,
        number: row.try_get("number")?,
        queue_id: uuid_column(row, "queue_id")?,
        trunk_id: optional_uuid_column(row, "trunk_id")?,
        description: row.try_get("description")?,
    })
}

/// The tenant's extensions, by number (shorter numbers first, so 9 comes before 10).
pub async fn list_extensions(pool: &AnyPool, tenant_id: Uuid) -> ProjectionResult<Vec<ExtensionView>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {EXTENSION_COLUMNS} FROM {TELEPHONY_EXTENSIONS_TABLE} WHERE tenant_id = $1 \
         ORDER BY LENGTH(number), number"
    )))
    .bind(tenant_id.to_string())
    .fetch_all(pool)
    .await?;
    rows.iter().map(extension_from_row).collect()
}

pub async fn get_extension(
    pool: &AnyPool,
    tenant_id: Uuid,
    extension_id: Uuid,
) -> ProjectionResult<Option<ExtensionView>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {EXTENSION_COLUMNS} FROM {TELEPHONY_EXTENSIONS_TABLE} WHERE tenant_id = $1 AND extension_id = $2"
    )))
    .bind(tenant_id.to_string())
    .bind(extension_id.to_string())
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(extension_from_row).transpose()
}

/// The tenant's trunks, by name (ignoring case).
pub async fn list_trunks(pool: &AnyPool, tenant_id: Uuid) -> ProjectionResult<Vec<TrunkView>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {TRUNK_COLUMNS} FROM {TELEPHONY_TRUNKS_TABLE} WHERE tenant_id = $1 ORDER BY name_key, trunk_id"
    )))
    .bind(tenant_id.to_string())
    .fetch_all(pool)
    .await?;
    rows.iter().map(trunk_from_row).collect()
}

pub async fn get_trunk(pool: &AnyPool, tenant_id: Uuid, trunk_id: Uuid) -> ProjectionResult<Option<TrunkView>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {TRUNK_COLUMNS} FROM {TELEPHONY_TRUNKS_TABLE} WHERE tenant_id = $1 AND trunk_id = $2"
    )))
    .bind(tenant_id.to_string())
    .bind(trunk_id.to_string())
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(trunk_from_row).transpose()
}

/// The tenant's access numbers, by number.
pub async fn list_access_numbers(pool: &AnyPool, tenant_id: Uuid) -> ProjectionResult<Vec<AccessNumberView>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {ACCESS_NUMBER_COLUMNS} FROM {TELEPHONY_ACCESS_NUMBERS_TABLE} WHERE tenant_id = $1 ORDER BY number"
    )))
    .bind(tenant_id.to_string())
    .fetch_all(pool)
    .await?;
    rows.iter().map(access_number_from_row).collect()
}

pub async fn get_access_number(
    pool: &AnyPool,
    tenant_id: Uuid,
    number: &str,
) -> ProjectionResult<Option<AccessNumberView>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {ACCESS_NUMBER_COLUMNS} FROM {TELEPHONY_ACCESS_NUMBERS_TABLE} WHERE tenant_id = $1 AND number = $2"
    )))
    .bind(tenant_id.to_string())
    .bind(number)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(access_number_from_row).transpose()
}

/// A read-model error as the SIP server's lookups report it: a database error as it is, an
/// unreadable row as a decode error.
fn into_sqlx(error: ProjectionError) -> sqlx::Error {
    match error {
        ProjectionError::Database(error) => error,
        other => sqlx::Error::Decode(other.to_string().into()),
    }
}

/// The extension with this number in the tenant (enabled or not: the caller decides).
pub async fn extension_for_login(
    pool: &sqlx::AnyPool,
    tenant_id: Uuid,
    number: &str,
) -> Result<Option<ExtensionLogin>, sqlx::Error> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {EXTENSION_COLUMNS} FROM {TELEPHONY_EXTENSIONS_TABLE} WHERE tenant_id = $1 AND number = $2"
    )))
    .bind(tenant_id.to_string())
    .bind(number)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(login_from_row).transpose().map_err(into_sqlx)
}

/// The extension of this user in the tenant (a user has at most one).
pub async fn extension_of_user(
    pool: &sqlx::AnyPool,
    tenant_id: Uuid,
    user_id: Uuid,
) -> Result<Option<ExtensionLogin>, sqlx::Error> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {EXTENSION_COLUMNS} FROM {TELEPHONY_EXTENSIONS_TABLE} WHERE tenant_id = $1 AND user_id = $2"
    )))
    .bind(tenant_id.to_string())
    .bind(user_id.to_string())
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(login_from_row).transpose().map_err(into_sqlx)
}

/// Every trunk of every tenant (the SIP server matches a source address against their peers).
pub async fn all_trunks(pool: &sqlx::AnyPool) -> Result<Vec<TrunkPeer>, sqlx::Error> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {TRUNK_COLUMNS} FROM {TELEPHONY_TRUNKS_TABLE} ORDER BY tenant_id, trunk_id"
    )))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            trunk_from_row(row).map(|trunk| TrunkPeer {
                tenant_id: trunk.tenant_id,
                trunk_id: trunk.trunk_id,
                name: trunk.name,
                peers: trunk.peers,
                outbound_address: trunk.outbound_address,
            })
        })
        .collect::<ProjectionResult<_>>()
        .map_err(into_sqlx)
}

/// Every tenant's trunks that register with their carrier (the SIP server keeps them registered).
pub async fn registering_trunks(pool: &sqlx::AnyPool) -> Result<Vec<TrunkView>, sqlx::Error> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {TRUNK_COLUMNS} FROM {TELEPHONY_TRUNKS_TABLE} WHERE registrar IS NOT NULL ORDER BY tenant_id, trunk_id"
    )))
    .fetch_all(pool)
    .await?;
    rows.iter().map(trunk_from_row).collect::<ProjectionResult<_>>().map_err(into_sqlx)
}

/// Where calls to this access number of the tenant go.
pub async fn access_number_route(
    pool: &sqlx::AnyPool,
    tenant_id: Uuid,
    number: &str,
) -> Result<Option<AccessNumberRoute>, sqlx::Error> {
    let view = get_access_number(pool, tenant_id, number).await.map_err(into_sqlx)?;
    Ok(view.map(|view| AccessNumberRoute {
        tenant_id: view.tenant_id,
        number: view.number,
        queue_id: view.queue_id,
        trunk_id: view.trunk_id,
    }))
}

/// The tenant's music files, by name.
pub async fn list_music(pool: &AnyPool, tenant_id: Uuid) -> ProjectionResult<Vec<MusicView>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT tenant_id, music_id, name, duration_ms, added_at FROM {TELEPHONY_MUSIC_TABLE} \
         WHERE tenant_id = $1 ORDER BY name, music_id"
    )))
    .bind(tenant_id.to_string())
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(MusicView {
                tenant_id: uuid_column(row, "tenant_id")?,
                music_id: uuid_column(row, "music_id")?,
                name: row.try_get("name")?,
                duration_ms: u64::try_from(row.try_get::<i64, _>("duration_ms")?).unwrap_or_default(),
                added_at: time_column(row, "added_at")?,
            })
        })
        .collect()
}

/// Which queue of the tenant plays which music (queues not listed play the chime).
pub async fn list_queue_music(pool: &AnyPool, tenant_id: Uuid) -> ProjectionResult<Vec<QueueMusicView>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT queue_id, music_id FROM {TELEPHONY_QUEUE_MUSIC_TABLE} WHERE tenant_id = $1 ORDER BY queue_id"
    )))
    .bind(tenant_id.to_string())
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(QueueMusicView { queue_id: uuid_column(row, "queue_id")?, music_id: uuid_column(row, "music_id")? })
        })
        .collect()
}

/// The music a queue of the tenant plays, if it has its own.
pub async fn queue_music(pool: &AnyPool, tenant_id: Uuid, queue_id: Uuid) -> Result<Option<Uuid>, sqlx::Error> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT music_id FROM {TELEPHONY_QUEUE_MUSIC_TABLE} WHERE tenant_id = $1 AND queue_id = $2"
    )))
    .bind(tenant_id.to_string())
    .bind(queue_id.to_string())
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(|row| uuid_column(row, "music_id")).transpose().map_err(into_sqlx)
}
