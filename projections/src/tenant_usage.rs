//! The `tenant_usage` read model: per tenant, the counters billing charges for.
//!
//! - `seats`: users ever created in the tenant (a `hotline.user.created` event each). Seats
//!   are what the tenant set up, not who logged in.
//! - `messages`: messages posted in conversations (web chat now, the messaging channels
//!   later), by visitors, agents and the system alike: a `hotline.conversation.message_posted`
//!   event each. A message resent with the same client id posts no event, so counts once.
//! - `minutes`: talk minutes of voice calls. It stays 0 until the voice context exists: its
//!   events will increment it here, so billing reads one row per tenant whatever the channel.
//!
//! Counting is made idempotent by the row's position: an event increments a counter only
//! if it is newer than the last event counted for the tenant. Events reach a projection in
//! global position order, so a range applied twice is not counted twice.

use async_trait::async_trait;
use hotline_domain::EventEnvelope;
use hotline_domain::conversation::MESSAGE_POSTED;
use hotline_domain::identity::tenant::TENANT_CREATED;
use hotline_domain::identity::user::USER_CREATED;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Row};
use uuid::Uuid;

use crate::rows::{execute_all, sql, to_i64, to_u64, uuid_column};
use crate::runner::{Projection, ProjectionResult};

pub const TENANT_USAGE_TABLE: &str = "tenant_usage";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantUsageView {
    pub tenant_id: Uuid,
    /// Users created in the tenant.
    pub seats: u64,
    /// Talk minutes; 0 until voice exists.
    pub minutes: u64,
    /// Messages posted in conversations.
    pub messages: u64,
}

/// Counts per tenant into `tenant_usage`.
pub struct TenantUsageProjection;

const CREATE_USAGE: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL PRIMARY KEY, \
     seats BIGINT NOT NULL, \
     minutes BIGINT NOT NULL, \
     messages BIGINT NOT NULL, \
     position BIGINT NOT NULL)";

const OPEN_ACCOUNT: &str = "INSERT INTO {table} (tenant_id, seats, minutes, messages, position) \
     VALUES ($1, 0, 0, 0, $2) ON CONFLICT (tenant_id) DO NOTHING";

const COUNT_SEAT: &str = "INSERT INTO {table} (tenant_id, seats, minutes, messages, position) \
     VALUES ($1, 1, 0, 0, $2) \
     ON CONFLICT (tenant_id) DO UPDATE SET seats = {table}.seats + 1, position = excluded.position \
     WHERE {table}.position < excluded.position";

const COUNT_MESSAGE: &str = "INSERT INTO {table} (tenant_id, seats, minutes, messages, position) \
     VALUES ($1, 0, 0, 1, $2) \
     ON CONFLICT (tenant_id) DO UPDATE SET messages = {table}.messages + 1, position = excluded.position \
     WHERE {table}.position < excluded.position";

const USAGE_COLUMNS: &str = "tenant_id, seats, minutes, messages";

#[async_trait]
impl Projection for TenantUsageProjection {
    fn name(&self) -> &'static str {
        "tenant_usage"
    }

    fn tables(&self) -> &'static [&'static str] {
        &[TENANT_USAGE_TABLE]
    }

    async fn create_tables(&self, connection: &mut AnyConnection, suffix: &str) -> ProjectionResult<()> {
        execute_all(connection, &[sql(CREATE_USAGE, TENANT_USAGE_TABLE, suffix)]).await
    }

    async fn apply(
        &self,
        connection: &mut AnyConnection,
        suffix: &str,
        events: &[EventEnvelope],
    ) -> ProjectionResult<()> {
        let open_account = sql(OPEN_ACCOUNT, TENANT_USAGE_TABLE, suffix);
        let count_seat = sql(COUNT_SEAT, TENANT_USAGE_TABLE, suffix);
        let count_message = sql(COUNT_MESSAGE, TENANT_USAGE_TABLE, suffix);
        for envelope in events {
            // Only the event type counts, not the payload, so every schema version of
            // `hotline.user.created` is a seat (and of `message_posted` a message).
            let statement = match envelope.event_type.as_str() {
                TENANT_CREATED => &open_account,
                USER_CREATED => &count_seat,
                MESSAGE_POSTED => &count_message,
                _ => continue,
            };
            sqlx::query(AssertSqlSafe(statement.as_str()))
                .bind(envelope.tenant_id.to_string())
                .bind(to_i64(envelope.global_position))
                .execute(&mut *connection)
                .await?;
        }
        Ok(())
    }
}

fn usage_from_row(row: &AnyRow) -> ProjectionResult<TenantUsageView> {
    Ok(TenantUsageView {
        tenant_id: uuid_column(row, "tenant_id")?,
        seats: to_u64("seats", row.try_get("seats")?)?,
        minutes: to_u64("minutes", row.try_get("minutes")?)?,
        messages: to_u64("messages", row.try_get("messages")?)?,
    })
}

/// The counters of the caller's tenant (all 0 for a tenant nothing was counted for yet).
pub async fn get_tenant_usage(pool: &AnyPool, tenant_id: Uuid) -> ProjectionResult<TenantUsageView> {
    let row =
        sqlx::query(AssertSqlSafe(format!("SELECT {USAGE_COLUMNS} FROM {TENANT_USAGE_TABLE} WHERE tenant_id = $1")))
            .bind(tenant_id.to_string())
            .fetch_optional(pool)
            .await?;
    match row {
        Some(row) => usage_from_row(&row),
        None => Ok(TenantUsageView { tenant_id, seats: 0, minutes: 0, messages: 0 }),
    }
}
