//! The `queue_stats` read model: per queue and UTC day, what the supervisor's live view
//! shows of the ACD: contacts queued, answered (and how many within the service level
//! target), abandoned, and the total time answered contacts waited.
//!
//! Folded from the ACD's events (`hotline.acd.*`):
//! - `contact_queued`: queued + 1 in its queue on the day it was queued; the contact now
//!   waits (a row in `queue_contact_waits`, with when it was queued);
//! - `contact_overflowed`: the wait moves to the new queue, keeping its start (the contact
//!   was queued once: it is not queued again in the new queue);
//! - `contact_transferred`: queued + 1 in the new queue; the wait starts again there;
//! - `offer_accepted`: answered + 1 in the queue the contact waited in, on the day of the
//!   accept, and within target when it waited at most [`SERVICE_LEVEL_TARGET_SECONDS`]; the
//!   wait ends;
//! - `contact_abandoned`: abandoned + 1 in its queue on the day it was abandoned; the wait
//!   ends.
//! - `contact_handed_over` (an attended transfer completed): no count changes; the contact
//!   stays answered, only its agent changes, so the event is not even read.
//!
//! A contact whose wait began before the events the read model holds (only after a rebuild
//! that started in the middle of the log) counts nothing when answered.
//!
//! Idempotency: a tenant's ACD is one stream (`acd-<tenant>`), so, as `org_units` does, the
//! projection keeps the last applied stream version per tenant in `queue_stats_versions` and
//! skips events at or below it: a range applied twice counts nothing the second time.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use hotline_domain::acd::{
    self, AcdEvent, CONTACT_ABANDONED, CONTACT_OVERFLOWED, CONTACT_QUEUED, CONTACT_TRANSFERRED, OFFER_ACCEPTED,
};
use hotline_domain::{DomainEvent, EventEnvelope};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Row};
use uuid::Uuid;

use crate::rows::{execute_all, sql, to_i64, to_u64, uuid_column};
use crate::runner::{Projection, ProjectionError, ProjectionResult};

pub const QUEUE_DAILY_STATS_TABLE: &str = "queue_daily_stats";
/// The contacts waiting now, with their queue and when their wait began.
pub const QUEUE_CONTACT_WAITS_TABLE: &str = "queue_contact_waits";
/// The last stream version of `acd-<tenant>` applied, per tenant.
pub const QUEUE_STATS_VERSIONS_TABLE: &str = "queue_stats_versions";

/// A contact answered within this many seconds of being queued is answered within target
/// (the service level: answered within target / answered).
pub const SERVICE_LEVEL_TARGET_SECONDS: u32 = 20;

/// One queue's counters for one UTC day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueDayStats {
    pub tenant_id: Uuid,
    pub queue_id: Uuid,
    pub day: NaiveDate,
    /// Contacts that entered the queue (queued or transferred to it) that day.
    pub queued: u64,
    /// Contacts of the queue an agent accepted that day.
    pub answered: u64,
    /// Of `answered`, those that waited at most [`SERVICE_LEVEL_TARGET_SECONDS`].
    pub answered_in_target: u64,
    /// Contacts whose customer left the queue that day before an agent accepted.
    pub abandoned: u64,
    /// What the answered contacts waited, in total, in milliseconds.
    pub total_answer_wait_ms: u64,
}

impl QueueDayStats {
    /// The share of answered contacts answered within target (0 to 1); `None` when none was
    /// answered.
    pub fn service_level(&self) -> Option<f64> {
        (self.answered > 0).then(|| self.answered_in_target as f64 / self.answered as f64)
    }

    /// The average speed of answer, in milliseconds; `None` when none was answered.
    pub fn average_answer_wait_ms(&self) -> Option<f64> {
        (self.answered > 0).then(|| self.total_answer_wait_ms as f64 / self.answered as f64)
    }
}

/// Projects the ACD's contact events into `queue_daily_stats`.
pub struct QueueStatsProjection;

const CREATE_STATS: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     queue_id TEXT NOT NULL, \
     day TEXT NOT NULL, \
     queued BIGINT NOT NULL, \
     answered BIGINT NOT NULL, \
     answered_in_target BIGINT NOT NULL, \
     abandoned BIGINT NOT NULL, \
     total_answer_wait_ms BIGINT NOT NULL, \
     position BIGINT NOT NULL, \
     PRIMARY KEY (tenant_id, day, queue_id))";

const CREATE_WAITS: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     contact_id TEXT NOT NULL, \
     queue_id TEXT NOT NULL, \
     queued_at BIGINT NOT NULL, \
     position BIGINT NOT NULL, \
     PRIMARY KEY (tenant_id, contact_id))";

const CREATE_VERSIONS: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL PRIMARY KEY, \
     stream_version BIGINT NOT NULL, \
     position BIGINT NOT NULL)";

const SELECT_VERSION: &str = "SELECT stream_version FROM {table} WHERE tenant_id = $1";

const UPSERT_VERSION: &str = "INSERT INTO {table} (tenant_id, stream_version, position) VALUES ($1, $2, $3) \
     ON CONFLICT (tenant_id) DO UPDATE SET stream_version = excluded.stream_version, position = excluded.position";

const ADD_COUNTS: &str = "INSERT INTO {table} (tenant_id, queue_id, day, queued, answered, answered_in_target, \
     abandoned, total_answer_wait_ms, position) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
     ON CONFLICT (tenant_id, day, queue_id) DO UPDATE SET queued = {table}.queued + excluded.queued, \
     answered = {table}.answered + excluded.answered, \
     answered_in_target = {table}.answered_in_target + excluded.answered_in_target, \
     abandoned = {table}.abandoned + excluded.abandoned, \
     total_answer_wait_ms = {table}.total_answer_wait_ms + excluded.total_answer_wait_ms, \
     position = excluded.position";

const START_WAIT: &str = "INSERT INTO {table} (tenant_id, contact_id, queue_id, queued_at, position) \
     VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (tenant_id, contact_id) DO UPDATE SET queue_id = excluded.queue_id, \
     queued_at = excluded.queued_at, position = excluded.position";

const MOVE_WAIT: &str = "UPDATE {table} SET queue_id = $1, position = $2 WHERE tenant_id = $3 AND contact_id = $4";

const END_WAIT: &str = "DELETE FROM {table} WHERE tenant_id = $1 AND contact_id = $2 RETURNING queue_id, queued_at";

const STATS_COLUMNS: &str =
    "tenant_id, queue_id, day, queued, answered, answered_in_target, abandoned, total_answer_wait_ms";

/// A batch's additions to one row of `queue_daily_stats`.
#[derive(Debug, Default)]
struct Counts {
    queued: i64,
    answered: i64,
    answered_in_target: i64,
    abandoned: i64,
    total_answer_wait_ms: i64,
    position: i64,
}

/// The statements of one `apply`, named with its suffix.
struct Statements {
    start_wait: String,
    move_wait: String,
    end_wait: String,
}

fn day_of(at: DateTime<Utc>) -> String {
    at.date_naive().format("%Y-%m-%d").to_string()
}

/// How long a contact queued at `queued_at` (microseconds) waited until `answered_at`, in
/// milliseconds (0 if the clocks disagree).
fn wait_ms(queued_at: i64, answered_at: DateTime<Utc>) -> i64 {
    (answered_at.timestamp_micros() - queued_at).max(0) / 1_000
}

fn in_target(wait_ms: i64) -> bool {
    wait_ms <= i64::from(SERVICE_LEVEL_TARGET_SECONDS) * 1_000
}

fn handled(envelope: &&EventEnvelope) -> bool {
    envelope.stream_id.context() == acd::CONTEXT
        && matches!(
            envelope.event_type.as_str(),
            CONTACT_QUEUED | CONTACT_OVERFLOWED | CONTACT_TRANSFERRED | OFFER_ACCEPTED | CONTACT_ABANDONED
        )
}

#[async_trait]
impl Projection for QueueStatsProjection {
    fn name(&self) -> &'static str {
        "queue_stats"
    }

    fn tables(&self) -> &'static [&'static str] {
        &[QUEUE_DAILY_STATS_TABLE, QUEUE_CONTACT_WAITS_TABLE, QUEUE_STATS_VERSIONS_TABLE]
    }

    async fn create_tables(&self, connection: &mut AnyConnection, suffix: &str) -> ProjectionResult<()> {
        let statements = [
            sql(CREATE_STATS, QUEUE_DAILY_STATS_TABLE, suffix),
            sql(CREATE_WAITS, QUEUE_CONTACT_WAITS_TABLE, suffix),
            sql(CREATE_VERSIONS, QUEUE_STATS_VERSIONS_TABLE, suffix),
        ];
        execute_all(connection, &statements).await
    }

    /// Waits are written event by event (an accept reads the wait its queueing wrote); the
    /// counters are summed over the batch and written once per queue and day, and the
    /// versions once per tenant, at the end.
    async fn apply(
        &self,
        connection: &mut AnyConnection,
        suffix: &str,
        events: &[EventEnvelope],
    ) -> ProjectionResult<()> {
        let select_version = sql(SELECT_VERSION, QUEUE_STATS_VERSIONS_TABLE, suffix);
        let statements = Statements {
            start_wait: sql(START_WAIT, QUEUE_CONTACT_WAITS_TABLE, suffix),
            move_wait: sql(MOVE_WAIT, QUEUE_CONTACT_WAITS_TABLE, suffix),
            end_wait: sql(END_WAIT, QUEUE_CONTACT_WAITS_TABLE, suffix),
        };
        // Per tenant: the stream version applied (before this batch, then as it goes), and
        // whether this batch moved it.
        let mut versions: HashMap<Uuid, (i64, Option<i64>)> = HashMap::new();
        let mut counts: BTreeMap<(Uuid, Uuid, String), Counts> = BTreeMap::new();
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
            let event = AcdEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
                .map_err(|source| ProjectionError::Upcast { position, source })?;
            let counted = apply_event(connection, &statements, tenant_id, to_i64(position), event).await?;
            if let Some((queue_id, day, add)) = counted {
                let entry = counts.entry((tenant_id, queue_id, day)).or_default();
                entry.queued += add.queued;
                entry.answered += add.answered;
                entry.answered_in_target += add.answered_in_target;
                entry.abandoned += add.abandoned;
                entry.total_answer_wait_ms += add.total_answer_wait_ms;
                entry.position = add.position;
            }
        }
        let add_counts = sql(ADD_COUNTS, QUEUE_DAILY_STATS_TABLE, suffix);
        for ((tenant_id, queue_id, day), counts) in counts {
            sqlx::query(AssertSqlSafe(add_counts.as_str()))
                .bind(tenant_id.to_string())
                .bind(queue_id.to_string())
                .bind(day)
                .bind(counts.queued)
                .bind(counts.answered)
                .bind(counts.answered_in_target)
                .bind(counts.abandoned)
                .bind(counts.total_answer_wait_ms)
                .bind(counts.position)
                .execute(&mut *connection)
                .await?;
        }
        let upsert_version = sql(UPSERT_VERSION, QUEUE_STATS_VERSIONS_TABLE, suffix);
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

/// Applies one event to the waits; returns what it adds to which queue and day.
async fn apply_event(
    connection: &mut AnyConnection,
    statements: &Statements,
    tenant_id: Uuid,
    position: i64,
    event: AcdEvent,
) -> ProjectionResult<Option<(Uuid, String, Counts)>> {
    let start_wait = |contact_id: Uuid, queue_id: Uuid, at: DateTime<Utc>| {
        sqlx::query(AssertSqlSafe(statements.start_wait.as_str()))
            .bind(tenant_id.to_string())
            .bind(contact_id.to_string())
            .bind(queue_id.to_string())
            .bind(at.timestamp_micros())
            .bind(position)
    };
    let counted = match event {
        AcdEvent::ContactQueued(queued) => {
            start_wait(queued.contact_id, queued.queue_id, queued.at).execute(&mut *connection).await?;
            Some((queued.queue_id, day_of(queued.at), Counts { queued: 1, position, ..Counts::default() }))
        }
        AcdEvent::ContactTransferred(transferred) => {
            start_wait(transferred.contact_id, transferred.queue_id, transferred.at).execute(&mut *connection).await?;
            Some((transferred.queue_id, day_of(transferred.at), Counts { queued: 1, position, ..Counts::default() }))
        }
        AcdEvent::ContactOverflowed(overflowed) => {
            sqlx::query(AssertSqlSafe(statements.move_wait.as_str()))
                .bind(overflowed.to_queue_id.to_string())
                .bind(position)
                .bind(tenant_id.to_string())
                .bind(overflowed.contact_id.to_string())
                .execute(&mut *connection)
                .await?;
            None
        }
        AcdEvent::OfferAccepted(accepted) => {
            let wait: Option<AnyRow> = sqlx::query(AssertSqlSafe(statements.end_wait.as_str()))
                .bind(tenant_id.to_string())
                .bind(accepted.contact_id.to_string())
                .fetch_optional(&mut *connection)
                .await?;
            match wait {
                Some(wait) => {
                    let queue_id = uuid_column(&wait, "queue_id")?;
                    let waited = wait_ms(wait.try_get("queued_at")?, accepted.at);
                    let counts = Counts {
                        answered: 1,
                        answered_in_target: i64::from(in_target(waited)),
                        total_answer_wait_ms: waited,
                        position,
                        ..Counts::default()
                    };
                    Some((queue_id, day_of(accepted.at), counts))
                }
                None => None,
            }
        }
        AcdEvent::ContactAbandoned(abandoned) => {
            sqlx::query(AssertSqlSafe(statements.end_wait.as_str()))
                .bind(tenant_id.to_string())
                .bind(abandoned.contact_id.to_string())
                .fetch_optional(&mut *connection)
                .await?;
            Some((abandoned.queue_id, day_of(abandoned.at), Counts { abandoned: 1, position, ..Counts::default() }))
        }
        // Not read (see `handled`): a hand-over changes no count.
        AcdEvent::ContactHandedOver(_) => None,
        _ => None,
    };
    Ok(counted)
}

fn stats_from_row(row: &AnyRow) -> ProjectionResult<QueueDayStats> {
    let day: String = row.try_get("day")?;
    Ok(QueueDayStats {
        tenant_id: uuid_column(row, "tenant_id")?,
        queue_id: uuid_column(row, "queue_id")?,
        day: NaiveDate::parse_from_str(&day, "%Y-%m-%d")
            .map_err(|error| ProjectionError::CorruptRow(format!("day {day:?}: {error}")))?,
        queued: to_u64("queued", row.try_get("queued")?)?,
        answered: to_u64("answered", row.try_get("answered")?)?,
        answered_in_target: to_u64("answered_in_target", row.try_get("answered_in_target")?)?,
        abandoned: to_u64("abandoned", row.try_get("abandoned")?)?,
        total_answer_wait_ms: to_u64("total_answer_wait_ms", row.try_get("total_answer_wait_ms")?)?,
    })
}

/// The counters of every queue of the caller's tenant that had any on `day` (UTC), by
/// queue id. A queue with no contact that day has no entry.
pub async fn queue_stats_for_day(
    pool: &AnyPool,
    tenant_id: Uuid,
    day: NaiveDate,
) -> ProjectionResult<Vec<QueueDayStats>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {STATS_COLUMNS} FROM {QUEUE_DAILY_STATS_TABLE} WHERE tenant_id = $1 AND day = $2 ORDER BY queue_id"
    )))
    .bind(tenant_id.to_string())
    .bind(day.format("%Y-%m-%d").to_string())
    .fetch_all(pool)
    .await?;
    rows.iter().map(stats_from_row).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(answered: u64, answered_in_target: u64, total_answer_wait_ms: u64) -> QueueDayStats {
        QueueDayStats {
            tenant_id: Uuid::nil(),
            queue_id: Uuid::nil(),
            day: NaiveDate::from_ymd_opt(2025, 3, 1).expect("a date"),
            queued: 4,
            answered,
            answered_in_target,
            abandoned: 0,
            total_answer_wait_ms,
        }
    }

    #[test]
    fn service_level_is_the_share_answered_in_target() {
        assert_eq!(stats(0, 0, 0).service_level(), None);
        assert_eq!(stats(0, 0, 0).average_answer_wait_ms(), None);
        assert_eq!(stats(4, 3, 40_000).service_level(), Some(0.75));
        assert_eq!(stats(4, 3, 40_000).average_answer_wait_ms(), Some(10_000.0));
    }

    #[test]
    fn the_target_includes_its_last_millisecond() {
        let queued_at = DateTime::parse_from_rfc3339("2025-03-01T23:59:50Z").unwrap().with_timezone(&Utc);
        let answered = queued_at + chrono::Duration::seconds(i64::from(SERVICE_LEVEL_TARGET_SECONDS));
        let waited = wait_ms(queued_at.timestamp_micros(), answered);
        assert_eq!(waited, 20_000);
        assert!(in_target(waited));
        assert!(!in_target(waited + 1));
        assert_eq!(day_of(queued_at), "2025-03-01");
        assert_eq!(day_of(answered), "2025-03-02");
        assert_eq!(wait_ms(answered.timestamp_micros(), queued_at), 0, "a negative wait counts as none");
    }
}
