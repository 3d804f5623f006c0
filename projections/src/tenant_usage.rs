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

use std::collections::HashMap;

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
use crate::runner::{Projection, ProjectionResult, table_name};

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

/// Adds a batch's counts to a tenant's row (opening it if needed) and moves its position; the
/// counts were taken only from events newer than the row's position (see `apply`).
const ADD_COUNTS: &str = "INSERT INTO {table} (tenant_id, seats, minutes, messages, position) \
     VALUES ($1, $2, 0, $3, $4) \
     ON CONFLICT (tenant_id) DO UPDATE SET seats = {table}.seats + excluded.seats, \
     messages = {table}.messages + excluded.messages, position = excluded.position \
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

    /// Folds the batch per tenant as applying its events one by one would (each guarded by
    /// the row's position), then writes each changed tenant once: one read and one upsert per
    /// tenant, not a statement per event.
    async fn apply(
        &self,
        connection: &mut AnyConnection,
        suffix: &str,
        events: &[EventEnvelope],
    ) -> ProjectionResult<()> {
        let table = table_name(TENANT_USAGE_TABLE, suffix);
        let mut tenants: HashMap<Uuid, Counted> = HashMap::new();
        for envelope in events {
            // Only the event type counts, not the payload, so every schema version of
            // `hotline.user.created` is a seat (and of `message_posted` a message).
            if matches!(envelope.event_type.as_str(), TENANT_CREATED | USER_CREATED | MESSAGE_POSTED) {
                tenants.entry(envelope.tenant_id).or_default();
            }
        }
        if tenants.is_empty() {
            return Ok(());
        }
        let mut query = sqlx::query(AssertSqlSafe(format!(
            "SELECT tenant_id, position FROM {table} WHERE tenant_id IN ({})",
            (1..=tenants.len()).map(|number| format!("${number}")).collect::<Vec<_>>().join(", ")
        )));
        for tenant_id in tenants.keys() {
            query = query.bind(tenant_id.to_string());
        }
        for row in query.fetch_all(&mut *connection).await? {
            let tenant_id = uuid_column(&row, "tenant_id")?;
            if let Some(counted) = tenants.get_mut(&tenant_id) {
                counted.position = Some(to_u64("position", row.try_get("position")?)?);
            }
        }
        for envelope in events {
            let Some(counted) = tenants.get_mut(&envelope.tenant_id) else { continue };
            counted.fold(&envelope.event_type, envelope.global_position);
        }
        let add_counts = sql(ADD_COUNTS, TENANT_USAGE_TABLE, suffix);
        for (tenant_id, counted) in tenants {
            let Some(position) = counted.position.filter(|_| counted.changed) else { continue };
            sqlx::query(AssertSqlSafe(add_counts.as_str()))
                .bind(tenant_id.to_string())
                .bind(to_i64(counted.seats))
                .bind(to_i64(counted.messages))
                .bind(to_i64(position))
                .execute(&mut *connection)
                .await?;
        }
        Ok(())
    }
}

/// One tenant's counts in a batch, folded as one-by-one application would leave its row.
#[derive(Debug, Default)]
struct Counted {
    /// The row's position: read before the batch, then moved by each counted event (`None`
    /// while the tenant has no row).
    position: Option<u64>,
    seats: u64,
    messages: u64,
    changed: bool,
}

impl Counted {
    fn fold(&mut self, event_type: &str, position: u64) {
        let (seats, messages) = match event_type {
            TENANT_CREATED => (0, 0),
            USER_CREATED => (1, 0),
            MESSAGE_POSTED => (0, 1),
            _ => return,
        };
        match self.position {
            // No row yet: the first counted event opens it at its position (an opening
            // `tenant.created` counts nothing; on an existing row it changes nothing).
            None => self.position = Some(position),
            Some(row_position) if row_position < position && event_type != TENANT_CREATED => {
                self.position = Some(position);
            }
            Some(_) => return,
        }
        self.seats += seats;
        self.messages += messages;
        self.changed = true;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(row_position: Option<u64>, events: &[(&str, u64)]) -> Counted {
        let mut counted = Counted { position: row_position, ..Counted::default() };
        for (event_type, position) in events {
            counted.fold(event_type, *position);
        }
        counted
    }

    #[test]
    fn a_new_tenant_is_opened_by_its_first_event_and_counts_the_rest() {
        let counted = folded(None, &[(TENANT_CREATED, 1), (USER_CREATED, 2), (USER_CREATED, 3), (MESSAGE_POSTED, 4)]);
        assert_eq!((counted.position, counted.seats, counted.messages, counted.changed), (Some(4), 2, 1, true));
    }

    #[test]
    fn events_the_row_has_counted_already_count_nothing_again() {
        let counted = folded(Some(3), &[(USER_CREATED, 2), (USER_CREATED, 3), (USER_CREATED, 5), (TENANT_CREATED, 6)]);
        assert_eq!((counted.position, counted.seats, counted.messages, counted.changed), (Some(5), 1, 0, true));
        let replayed = folded(Some(5), &[(USER_CREATED, 2), (USER_CREATED, 5)]);
        assert!(!replayed.changed, "a redelivered range changes nothing");
    }

    #[test]
    fn an_existing_account_ignores_its_opening_again() {
        let counted = folded(Some(10), &[(TENANT_CREATED, 11), ("hotline.user.updated", 12)]);
        assert_eq!((counted.position, counted.changed), (Some(10), false));
    }
}
