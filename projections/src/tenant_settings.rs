//! The `tenant_settings` read model: what the web app's header and footer show of a tenant
//! (organisation name, logo, copyright line, public hotline number, website), and the time
//! zone its mails and exports write times in.
//!
//! A tenant has a row from its creation on: until its settings are first updated, the
//! organisation name is the tenant's name and every other field is empty. Every write is
//! guarded by the event's global position, so applying a range twice changes nothing.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::identity::tenant::{TENANT_CREATED, TENANT_SETTINGS_UPDATED, TenantEvent, TenantSettings};
use hotline_domain::{DomainEvent, EventEnvelope};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Row};
use uuid::Uuid;

use crate::rows::{execute_all, has_column, sql, time_column, to_i64, to_u64, uuid_column};
use crate::runner::{Projection, ProjectionError, ProjectionResult};

pub const TENANT_SETTINGS_TABLE: &str = "tenant_settings";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantSettingsView {
    pub tenant_id: Uuid,
    pub organisation_name: String,
    pub logo_url: String,
    pub copyright: String,
    pub hotline_number: String,
    pub website_url: String,
    /// An IANA time zone; empty: UTC.
    pub time_zone: String,
    pub updated_at: DateTime<Utc>,
    /// Global position of the last event folded into this row.
    pub position: u64,
}

/// Projects tenant streams into `tenant_settings`.
pub struct TenantSettingsProjection;

const CREATE_SETTINGS: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL PRIMARY KEY, \
     organisation_name TEXT NOT NULL, \
     logo_url TEXT NOT NULL, \
     copyright TEXT NOT NULL, \
     hotline_number TEXT NOT NULL, \
     website_url TEXT NOT NULL, \
     updated_at BIGINT NOT NULL, \
     position BIGINT NOT NULL, \
     time_zone TEXT NOT NULL DEFAULT '')";

const UPSERT_SETTINGS: &str = "INSERT INTO {table} \
     (tenant_id, organisation_name, logo_url, copyright, hotline_number, website_url, updated_at, position, \
     time_zone) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
     ON CONFLICT (tenant_id) DO UPDATE SET organisation_name = excluded.organisation_name, \
     logo_url = excluded.logo_url, copyright = excluded.copyright, hotline_number = excluded.hotline_number, \
     website_url = excluded.website_url, updated_at = excluded.updated_at, position = excluded.position, \
     time_zone = excluded.time_zone \
     WHERE {table}.position < excluded.position";

const SETTINGS_COLUMNS: &str =
    "tenant_id, organisation_name, logo_url, copyright, hotline_number, website_url, updated_at, position, time_zone";

#[async_trait]
impl Projection for TenantSettingsProjection {
    fn name(&self) -> &'static str {
        "tenant_settings"
    }

    fn tables(&self) -> &'static [&'static str] {
        &[TENANT_SETTINGS_TABLE]
    }

    async fn create_tables(&self, connection: &mut AnyConnection, suffix: &str) -> ProjectionResult<()> {
        execute_all(connection, &[sql(CREATE_SETTINGS, TENANT_SETTINGS_TABLE, suffix)]).await?;
        // Tables made before time zones lack the column: no tenant had one (UTC).
        let table = sql("{table}", TENANT_SETTINGS_TABLE, suffix);
        if !has_column(connection, &table, "time_zone").await? {
            sqlx::query(AssertSqlSafe(format!("ALTER TABLE {table} ADD COLUMN time_zone TEXT NOT NULL DEFAULT ''")))
                .execute(&mut *connection)
                .await?;
        }
        Ok(())
    }

    async fn apply(
        &self,
        connection: &mut AnyConnection,
        suffix: &str,
        events: &[EventEnvelope],
    ) -> ProjectionResult<()> {
        let upsert = sql(UPSERT_SETTINGS, TENANT_SETTINGS_TABLE, suffix);
        let handled = |envelope: &&EventEnvelope| {
            matches!(envelope.event_type.as_str(), TENANT_CREATED | TENANT_SETTINGS_UPDATED)
        };
        for envelope in events.iter().filter(handled) {
            let position = envelope.global_position;
            let event = TenantEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
                .map_err(|source| ProjectionError::Upcast { position, source })?;
            let (tenant_id, settings) = match event {
                TenantEvent::TenantCreated(created) => {
                    (created.tenant_id, TenantSettings { organisation_name: created.name, ..TenantSettings::default() })
                }
                TenantEvent::TenantSettingsUpdated(updated) => (updated.tenant_id, updated.settings()),
            };
            sqlx::query(AssertSqlSafe(upsert.as_str()))
                .bind(tenant_id.to_string())
                .bind(settings.organisation_name)
                .bind(settings.logo_url)
                .bind(settings.copyright)
                .bind(settings.hotline_number)
                .bind(settings.website_url)
                .bind(envelope.occurred_at.timestamp_micros())
                .bind(to_i64(position))
                .bind(settings.time_zone)
                .execute(&mut *connection)
                .await?;
        }
        Ok(())
    }
}

fn settings_from_row(row: &AnyRow) -> ProjectionResult<TenantSettingsView> {
    Ok(TenantSettingsView {
        tenant_id: uuid_column(row, "tenant_id")?,
        organisation_name: row.try_get("organisation_name")?,
        logo_url: row.try_get("logo_url")?,
        copyright: row.try_get("copyright")?,
        hotline_number: row.try_get("hotline_number")?,
        website_url: row.try_get("website_url")?,
        time_zone: row.try_get("time_zone")?,
        updated_at: time_column(row, "updated_at")?,
        position: to_u64("position", row.try_get("position")?)?,
    })
}

/// The settings of the caller's tenant; `None` before the tenant's creation is projected.
pub async fn get_tenant_settings(pool: &AnyPool, tenant_id: Uuid) -> ProjectionResult<Option<TenantSettingsView>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {SETTINGS_COLUMNS} FROM {TENANT_SETTINGS_TABLE} WHERE tenant_id = $1"
    )))
    .bind(tenant_id.to_string())
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(settings_from_row).transpose()
}
