//! The `mail_addresses` read model: users' e-mail addresses and each tenant's support
//! address, folded from `hotline.user.*` and `hotline.tenant.settings_updated`.
//!
//! A projection of its own rather than columns of `users` and `tenant_settings`: addresses
//! came after those read models, and a new projection builds itself from the start of the
//! log on a deployment that already has them, with no migration. Mail uses it to find a
//! task's recipients, the user a reply came from and the tenant a mail was sent to.

use std::collections::HashMap;

use async_trait::async_trait;
use hotline_domain::identity::tenant::{TENANT_SETTINGS_UPDATED, TenantEvent};
use hotline_domain::identity::user::{USER_CREATED, USER_UPDATED, UserEvent};
use hotline_domain::ticket::Candidate;
use hotline_domain::{DomainEvent, EventEnvelope};
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Row};
use uuid::Uuid;

use crate::identity::USERS_TABLE;
use crate::organisation::ORG_UNITS_TABLE;
use crate::rows::{execute_all, parse_uuid, sql, to_i64, uuid_column};
use crate::runner::{Projection, ProjectionError, ProjectionResult};

pub const USER_MAIL_TABLE: &str = "user_mail_addresses";
pub const TENANT_MAIL_TABLE: &str = "tenant_mail_addresses";

/// Addresses compare without case (the local part is case-sensitive in theory, never in
/// practice); `address_key` is the lower-cased address.
const CREATE_USER_MAIL: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     user_id TEXT NOT NULL, \
     address TEXT NULL, \
     address_key TEXT NULL, \
     position BIGINT NOT NULL, \
     PRIMARY KEY (tenant_id, user_id))";

const INDEX_USER_MAIL: &str = "CREATE INDEX IF NOT EXISTS {table}_by_address ON {table} (tenant_id, address_key)";

const CREATE_TENANT_MAIL: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL PRIMARY KEY, \
     address TEXT NULL, \
     address_key TEXT NULL, \
     position BIGINT NOT NULL)";

const INDEX_TENANT_MAIL: &str = "CREATE INDEX IF NOT EXISTS {table}_by_address ON {table} (address_key)";

const UPSERT: &str = "INSERT INTO {table} ({key_columns}, address, address_key, position) VALUES ({key_values}) \
     ON CONFLICT ({key_columns}) DO UPDATE SET address = excluded.address, address_key = excluded.address_key, \
     position = excluded.position WHERE {table}.position < excluded.position";

/// Projects addresses into `user_mail_addresses` and `tenant_mail_addresses`.
pub struct MailAddressesProjection;

#[async_trait]
impl Projection for MailAddressesProjection {
    fn name(&self) -> &'static str {
        "mail_addresses"
    }

    fn tables(&self) -> &'static [&'static str] {
        &[USER_MAIL_TABLE, TENANT_MAIL_TABLE]
    }

    async fn create_tables(&self, connection: &mut AnyConnection, suffix: &str) -> ProjectionResult<()> {
        let statements = [
            sql(CREATE_USER_MAIL, USER_MAIL_TABLE, suffix),
            sql(INDEX_USER_MAIL, USER_MAIL_TABLE, suffix),
            sql(CREATE_TENANT_MAIL, TENANT_MAIL_TABLE, suffix),
            sql(INDEX_TENANT_MAIL, TENANT_MAIL_TABLE, suffix),
        ];
        execute_all(connection, &statements).await
    }

    async fn apply(
        &self,
        connection: &mut AnyConnection,
        suffix: &str,
        events: &[EventEnvelope],
    ) -> ProjectionResult<()> {
        let upsert_user = sql(UPSERT, USER_MAIL_TABLE, suffix)
            .replace("{key_columns}", "tenant_id, user_id")
            .replace("{key_values}", "$1, $2, $3, $4, $5");
        let upsert_tenant = sql(UPSERT, TENANT_MAIL_TABLE, suffix)
            .replace("{key_columns}", "tenant_id")
            .replace("{key_values}", "$1, $2, $3, $4");
        for envelope in events {
            let position = envelope.global_position;
            let upcast = |source| ProjectionError::Upcast { position, source };
            let tenant_id = envelope.tenant_id.to_string();
            match envelope.event_type.as_str() {
                USER_CREATED | USER_UPDATED => {
                    let address =
                        match UserEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
                            .map_err(upcast)?
                        {
                            UserEvent::UserCreated(created) => created.email,
                            UserEvent::UserUpdated(updated) => updated.email,
                            _ => continue,
                        };
                    sqlx::query(AssertSqlSafe(upsert_user.as_str()))
                        .bind(tenant_id)
                        .bind(envelope.stream_id.aggregate_id().to_string())
                        .bind(address.clone())
                        .bind(address.map(|address| address.to_lowercase()))
                        .bind(to_i64(position))
                        .execute(&mut *connection)
                        .await?;
                }
                TENANT_SETTINGS_UPDATED => {
                    let TenantEvent::TenantSettingsUpdated(updated) =
                        TenantEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
                            .map_err(upcast)?
                    else {
                        continue;
                    };
                    sqlx::query(AssertSqlSafe(upsert_tenant.as_str()))
                        .bind(updated.tenant_id.to_string())
                        .bind(updated.support_email.clone())
                        .bind(updated.support_email.map(|address| address.to_lowercase()))
                        .bind(to_i64(position))
                        .execute(&mut *connection)
                        .await?;
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// Someone mail about a task goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailRecipient {
    pub user_id: Uuid,
    pub display_name: String,
    pub address: String,
}

/// The addresses of these users of a tenant (those that have one).
pub async fn user_addresses(
    pool: &AnyPool,
    tenant_id: Uuid,
    user_ids: &[Uuid],
) -> ProjectionResult<HashMap<Uuid, String>> {
    if user_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let placeholders: Vec<String> = (0..user_ids.len()).map(|index| format!("${}", index + 2)).collect();
    let mut query = sqlx::query(AssertSqlSafe(format!(
        "SELECT user_id, address FROM {USER_MAIL_TABLE} WHERE tenant_id = $1 AND address IS NOT NULL \
         AND user_id IN ({})",
        placeholders.join(", ")
    )))
    .bind(tenant_id.to_string());
    for user_id in user_ids {
        query = query.bind(user_id.to_string());
    }
    let rows = query.fetch_all(pool).await?;
    rows.iter().map(|row| Ok((uuid_column(row, "user_id")?, row.try_get("address")?))).collect()
}

/// The user of a tenant with this address, if exactly one has it.
pub async fn user_by_address(pool: &AnyPool, tenant_id: Uuid, address: &str) -> ProjectionResult<Option<Uuid>> {
    let ids: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT user_id FROM {USER_MAIL_TABLE} WHERE tenant_id = $1 AND address_key = $2 LIMIT 2"
    )))
    .bind(tenant_id.to_string())
    .bind(address.to_lowercase())
    .fetch_all(pool)
    .await?;
    match &ids[..] {
        [only] => parse_uuid(only).map(Some),
        _ => Ok(None),
    }
}

/// A tenant's support address.
pub async fn support_address(pool: &AnyPool, tenant_id: Uuid) -> ProjectionResult<Option<String>> {
    let address: Option<Option<String>> =
        sqlx::query_scalar(AssertSqlSafe(format!("SELECT address FROM {TENANT_MAIL_TABLE} WHERE tenant_id = $1")))
            .bind(tenant_id.to_string())
            .fetch_optional(pool)
            .await?;
    Ok(address.flatten())
}

/// The tenant whose support address this is, if exactly one has it.
pub async fn tenant_by_support_address(pool: &AnyPool, address: &str) -> ProjectionResult<Option<Uuid>> {
    let ids: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT tenant_id FROM {TENANT_MAIL_TABLE} WHERE address_key = $1 LIMIT 2"
    )))
    .bind(address.to_lowercase())
    .fetch_all(pool)
    .await?;
    match &ids[..] {
        [only] => parse_uuid(only).map(Some),
        _ => Ok(None),
    }
}

/// The users with an address whom any of `candidates` names: the user, the holders of the
/// role, the members of the unit and of the units below it. Ordered by user name, each once. Outside collaborators are
/// no users: whoever mails them has their address in the candidate already.
pub async fn mail_recipients(
    pool: &AnyPool,
    tenant_id: Uuid,
    candidates: &[Candidate],
) -> ProjectionResult<Vec<MailRecipient>> {
    let mut conditions = Vec::new();
    let mut binds = vec![tenant_id.to_string()];
    for candidate in candidates {
        let (condition, value) = match candidate {
            Candidate::User(user) => ("u.user_id = ${}".to_owned(), user.to_string()),
            // `role_ids` is a JSON array of ids: the quoted id matches one element exactly.
            Candidate::Role(role) => ("u.role_ids LIKE ${}".to_owned(), format!("%\"{role}\"%")),
            // The unit's members and those of the units below it (its path is theirs' prefix).
            Candidate::OrgUnit(unit) => (
                format!(
                    "u.org_unit_id IN (SELECT below.unit_id FROM {ORG_UNITS_TABLE} below \
                     WHERE below.tenant_id = $1 AND below.path LIKE (SELECT chosen.path FROM {ORG_UNITS_TABLE} chosen \
                     WHERE chosen.tenant_id = $1 AND chosen.unit_id = ${{}}) || '%')"
                ),
                unit.to_string(),
            ),
            Candidate::External(_) => continue,
        };
        binds.push(value);
        conditions.push(condition.replace("{}", &binds.len().to_string()));
    }
    if conditions.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = sqlx::query(AssertSqlSafe(format!(
        "SELECT u.user_id, u.display_name, m.address FROM {USERS_TABLE} u \
         JOIN {USER_MAIL_TABLE} m ON m.tenant_id = u.tenant_id AND m.user_id = u.user_id \
         WHERE u.tenant_id = $1 AND m.address IS NOT NULL AND ({}) ORDER BY u.username_key",
        conditions.join(" OR ")
    )));
    for value in binds {
        query = query.bind(value);
    }
    let rows = query.fetch_all(pool).await?;
    rows.iter()
        .map(|row| {
            Ok(MailRecipient {
                user_id: uuid_column(row, "user_id")?,
                display_name: row.try_get("display_name")?,
                address: row.try_get("address")?,
            })
        })
        .collect()
}
