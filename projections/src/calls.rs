//! The `calls` read model: one row per voice call, every tenant's, folded from the call
//! events (`hotline.call.*`), for the call records page and the softphone bar.
//!
//! - `arrived`: a `waiting` row with the access number, the queue and the caller's number
//!   as the event has it, sealed (key id and ciphertext). It is opened when queried, with
//!   the caller's key: once the caller is forgotten (the key destroyed), it reads as nothing;
//! - `agent_ringing`: `ringing` that agent (the leg is kept, so that its failure is known);
//!   `agent_leg_failed` of that leg: `waiting` again;
//! - `answered`: `connected` to the agent; the first answer sets `answered_at` and the wait;
//! - `held` / `resumed`: `held` / `connected`;
//! - `transferred`: `waiting` again (in the target queue, for a transfer to a queue); the
//!   agent stays the last one connected until another answers;
//! - `recording_stored` (it may come after the end): the recording and its length;
//! - `consult_started` (the connected agent consults another, the caller on hold):
//!   `consult_agent_id` the consulted agent, `consult_status` `ringing`; `consult_answered`:
//!   `connected`; `consult_ended`: both cleared; `consult_completed` (attended transfer): the
//!   consulted agent is the call's agent, `connected`, and the consultation is cleared;
//! - `ended`: `ended`, with the cause and the durations the event worked out (a consultation
//!   still open is cleared).
//!
//! Outbound calls (`direction` `outbound`, no queue): `dialed` makes the row, with our caller
//! id as the access number and the number dialled, sealed, in the caller's columns; the
//! agent's own phone rings (`ringing`), their answer makes it `dialing` (the customer's
//! phone rings), `callee_answered` `connected`, with the answer time and the wait.
//!
//! Tables made before consultations get `consult_agent_id` and `consult_status` on start
//! (`''`: none), as tables made before outbound calls get `direction`.
//!
//! Two ACD events move a call to another queue: `contact_overflowed` and
//! `contact_transferred` (a call's ACD contact id is its call id).
//!
//! Idempotency: a call is one stream (`call-<id>`), so each row keeps the last stream version
//! applied to it and skips events at or below it; the ACD events it takes are guarded the same
//! way by the version of the tenant's ACD stream (`acd_version`).

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::acd::{self, AcdEvent, CONTACT_OVERFLOWED, CONTACT_TRANSFERRED};
use hotline_domain::call::{self, CallDirection, CallEvent, CallTransferTarget, EndCause, Sealed};
use hotline_domain::{DomainEvent, EventEnvelope};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Row};
use uuid::Uuid;

use crate::rows::{execute_all, has_column, optional_uuid_column, sql, time_column, to_i64, to_u64, uuid_column};
use crate::runner::table_name;
use crate::runner::{Projection, ProjectionError, ProjectionResult};

pub const CALLS_TABLE: &str = "calls";
/// The most calls one page lists.
pub const MAX_CALLS_PER_PAGE: u32 = 200;

/// Where a call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallRowStatus {
    /// Queued, waiting for an agent.
    Waiting,
    /// An agent's phone rings.
    Ringing,
    /// Outbound: the agent is on the line, the customer's phone rings.
    Dialing,
    Connected,
    Held,
    Ended,
}

impl CallRowStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CallRowStatus::Waiting => "waiting",
            CallRowStatus::Ringing => "ringing",
            CallRowStatus::Dialing => "dialing",
            CallRowStatus::Connected => "connected",
            CallRowStatus::Held => "held",
            CallRowStatus::Ended => "ended",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Waiting, Self::Ringing, Self::Dialing, Self::Connected, Self::Held, Self::Ended]
            .into_iter()
            .find(|status| status.as_str() == text)
    }
}

/// Where a consultation (attended transfer) of a call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsultStatus {
    /// The consulted agent's phone rings.
    Ringing,
    /// The two agents talk, the caller on hold.
    Connected,
}

impl ConsultStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsultStatus::Ringing => "ringing",
            ConsultStatus::Connected => "connected",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Ringing, Self::Connected].into_iter().find(|status| status.as_str() == text)
    }
}

/// A call as the read model holds it; the caller's number is still sealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallView {
    pub tenant_id: Uuid,
    pub call_id: Uuid,
    pub status: CallRowStatus,
    pub direction: CallDirection,
    /// The number the caller dialled; on an outbound call, our caller id.
    pub access_number: String,
    /// The customer's number (the caller's, or the one dialled), sealed with their key.
    pub caller: Sealed,
    /// `None` on an outbound call.
    pub queue_id: Option<Uuid>,
    /// The agent connected now, or the last one connected.
    pub agent_id: Option<Uuid>,
    /// The agent whose phone rings, while it rings.
    pub ringing_agent_id: Option<Uuid>,
    pub arrived_at: DateTime<Utc>,
    /// The first answer.
    pub answered_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// `caller_hung_up`, `agent_hung_up`, `abandoned` or `failed`.
    pub end_cause: Option<String>,
    /// From arrival to the first answer (known once answered), or to the end.
    pub wait_ms: Option<u64>,
    /// Known once ended.
    pub talk_ms: Option<u64>,
    pub hold_ms: Option<u64>,
    pub recording_id: Option<Uuid>,
    pub recording_ms: Option<u64>,
    /// The agent consulted now (attended transfer), while a consultation is in progress.
    pub consult_agent_id: Option<Uuid>,
    /// Where that consultation is; `None` when there is none.
    pub consult_status: Option<ConsultStatus>,
}

/// A row as `apply` keeps it between reading and writing it back.
#[derive(Debug, Clone)]
struct CallRow {
    view: CallView,
    ringing_leg_id: Option<Uuid>,
    version: i64,
    acd_version: i64,
}

/// Projects the call events into `calls`.
pub struct CallsProjection;

const CREATE_CALLS: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     call_id TEXT NOT NULL, \
     version BIGINT NOT NULL, \
     acd_version BIGINT NOT NULL, \
     status TEXT NOT NULL, \
     access_number TEXT NOT NULL, \
     caller_key_id TEXT NOT NULL, \
     caller_ciphertext TEXT NOT NULL, \
     queue_id TEXT NOT NULL, \
     direction TEXT NOT NULL DEFAULT 'inbound', \
     agent_id TEXT NULL, \
     ringing_agent_id TEXT NULL, \
     ringing_leg_id TEXT NULL, \
     arrived_at BIGINT NOT NULL, \
     answered_at BIGINT NULL, \
     ended_at BIGINT NULL, \
     end_cause TEXT NULL, \
     wait_ms BIGINT NULL, \
     talk_ms BIGINT NULL, \
     hold_ms BIGINT NULL, \
     recording_id TEXT NULL, \
     recording_ms BIGINT NULL, \
     consult_agent_id TEXT NOT NULL DEFAULT '', \
     consult_status TEXT NOT NULL DEFAULT '', \
     PRIMARY KEY (tenant_id, call_id))";

const CREATE_BY_ARRIVAL: &str =
    "CREATE INDEX IF NOT EXISTS {table}_by_arrival ON {table} (tenant_id, arrived_at, call_id)";
const CREATE_BY_AGENT: &str =
    "CREATE INDEX IF NOT EXISTS {table}_by_agent ON {table} (tenant_id, agent_id, arrived_at, call_id)";
const CREATE_BY_RINGING_AGENT: &str =
    "CREATE INDEX IF NOT EXISTS {table}_by_ringing_agent ON {table} (tenant_id, ringing_agent_id)";
const CREATE_BY_RECORDING: &str =
    "CREATE INDEX IF NOT EXISTS {table}_by_recording ON {table} (tenant_id, recording_id)";
/// Made after the columns are added to an older table.
const CREATE_BY_CONSULT_AGENT: &str =
    "CREATE INDEX IF NOT EXISTS {table}_by_consult_agent ON {table} (tenant_id, consult_agent_id)";

const COLUMNS: &str = "tenant_id, call_id, version, acd_version, status, access_number, caller_key_id, \
     caller_ciphertext, queue_id, direction, agent_id, ringing_agent_id, ringing_leg_id, arrived_at, answered_at, \
     ended_at, end_cause, wait_ms, talk_ms, hold_ms, recording_id, recording_ms, consult_agent_id, consult_status";

const SELECT_ROW: &str = "SELECT tenant_id, call_id, version, acd_version, status, access_number, caller_key_id, \
     caller_ciphertext, queue_id, direction, agent_id, ringing_agent_id, ringing_leg_id, arrived_at, answered_at, \
     ended_at, end_cause, wait_ms, talk_ms, hold_ms, recording_id, recording_ms, consult_agent_id, consult_status \
     FROM {table} WHERE tenant_id = $1 AND call_id = $2";

const UPSERT_ROW: &str = "INSERT INTO {table} (tenant_id, call_id, version, acd_version, status, access_number, \
     caller_key_id, caller_ciphertext, queue_id, direction, agent_id, ringing_agent_id, ringing_leg_id, \
     arrived_at, answered_at, ended_at, end_cause, wait_ms, talk_ms, hold_ms, recording_id, recording_ms, \
     consult_agent_id, consult_status) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, \
     $23, $24) \
     ON CONFLICT (tenant_id, call_id) DO UPDATE SET version = excluded.version, \
     acd_version = excluded.acd_version, status = excluded.status, access_number = excluded.access_number, \
     caller_key_id = excluded.caller_key_id, caller_ciphertext = excluded.caller_ciphertext, \
     queue_id = excluded.queue_id, direction = excluded.direction, agent_id = excluded.agent_id, ringing_agent_id = excluded.ringing_agent_id, \
     ringing_leg_id = excluded.ringing_leg_id, arrived_at = excluded.arrived_at, \
     answered_at = excluded.answered_at, ended_at = excluded.ended_at, end_cause = excluded.end_cause, \
     wait_ms = excluded.wait_ms, talk_ms = excluded.talk_ms, hold_ms = excluded.hold_ms, \
     recording_id = excluded.recording_id, recording_ms = excluded.recording_ms, \
     consult_agent_id = excluded.consult_agent_id, consult_status = excluded.consult_status";

fn handled(envelope: &&EventEnvelope) -> bool {
    let context = envelope.stream_id.context();
    (context == call::CONTEXT && envelope.event_type.starts_with("hotline.call."))
        || (context == acd::CONTEXT
            && (envelope.event_type == CONTACT_OVERFLOWED || envelope.event_type == CONTACT_TRANSFERRED))
}

fn end_cause_name(cause: EndCause) -> String {
    serde_json::to_value(cause).ok().and_then(|value| value.as_str().map(str::to_owned)).unwrap_or_default()
}

fn direction_name(direction: CallDirection) -> &'static str {
    match direction {
        CallDirection::Inbound => "inbound",
        CallDirection::Outbound => "outbound",
    }
}

fn parse_direction(text: &str) -> Option<CallDirection> {
    [CallDirection::Inbound, CallDirection::Outbound].into_iter().find(|direction| direction_name(*direction) == text)
}

/// The row's state after one call event (the row exists, and the event is new to it).
fn fold_call_event(row: &mut CallRow, event: CallEvent) {
    let view = &mut row.view;
    match event {
        CallEvent::Arrived(_) | CallEvent::Dialed(_) | CallEvent::CalleeFailed(_) => {}
        // The dialling agent picked their phone up: the customer's phone rings.
        CallEvent::Answered(answered) if view.direction == CallDirection::Outbound && view.answered_at.is_none() => {
            view.status = CallRowStatus::Dialing;
            view.agent_id = Some(answered.agent_id);
            view.ringing_agent_id = None;
            row.ringing_leg_id = None;
        }
        CallEvent::CalleeAnswered(answered) => {
            view.status = CallRowStatus::Connected;
            view.agent_id = Some(answered.agent_id);
            view.answered_at = Some(answered.at);
            view.wait_ms = Some(answered.waited_ms);
        }
        CallEvent::AgentRinging(ringing) => {
            if matches!(view.status, CallRowStatus::Waiting | CallRowStatus::Ringing) {
                view.status = CallRowStatus::Ringing;
                view.ringing_agent_id = Some(ringing.agent_id);
                row.ringing_leg_id = Some(ringing.leg_id);
            }
        }
        CallEvent::AgentLegFailed(failed) => {
            if row.ringing_leg_id == Some(failed.leg_id) {
                row.ringing_leg_id = None;
                view.ringing_agent_id = None;
                if view.status == CallRowStatus::Ringing {
                    view.status = CallRowStatus::Waiting;
                }
            }
        }
        CallEvent::Answered(answered) => {
            view.status = CallRowStatus::Connected;
            view.agent_id = Some(answered.agent_id);
            view.ringing_agent_id = None;
            row.ringing_leg_id = None;
            if view.answered_at.is_none() {
                view.answered_at = Some(answered.at);
                view.wait_ms = Some(answered.waited_ms);
            }
        }
        CallEvent::Held(_) => {
            if view.status == CallRowStatus::Connected {
                view.status = CallRowStatus::Held;
            }
        }
        CallEvent::Resumed(_) => {
            if view.status == CallRowStatus::Held {
                view.status = CallRowStatus::Connected;
            }
        }
        CallEvent::Transferred(transferred) => {
            view.status = CallRowStatus::Waiting;
            view.ringing_agent_id = None;
            row.ringing_leg_id = None;
            if let CallTransferTarget::Queue { queue_id } = transferred.to {
                view.queue_id = Some(queue_id);
            }
        }
        CallEvent::RecordingStored(stored) => {
            view.recording_id = Some(stored.recording_id);
            view.recording_ms = Some(stored.duration_ms);
        }
        CallEvent::ConsultStarted(started) => {
            view.consult_agent_id = Some(started.consulted_agent_id);
            view.consult_status = Some(ConsultStatus::Ringing);
        }
        CallEvent::ConsultAnswered(answered) => {
            if view.consult_agent_id == Some(answered.consulted_agent_id) {
                view.consult_status = Some(ConsultStatus::Connected);
            }
        }
        CallEvent::ConsultEnded(_) => {
            view.consult_agent_id = None;
            view.consult_status = None;
        }
        CallEvent::ConsultCompleted(completed) => {
            view.status = CallRowStatus::Connected;
            view.agent_id = Some(completed.to_agent_id);
            view.consult_agent_id = None;
            view.consult_status = None;
        }
        CallEvent::Ended(ended) => {
            view.status = CallRowStatus::Ended;
            view.consult_agent_id = None;
            view.consult_status = None;
            view.ringing_agent_id = None;
            row.ringing_leg_id = None;
            view.agent_id = ended.agent_id.or(view.agent_id);
            view.ended_at = Some(ended.at);
            view.end_cause = Some(end_cause_name(ended.cause));
            view.wait_ms = Some(ended.wait_ms);
            view.talk_ms = Some(ended.talk_ms);
            view.hold_ms = Some(ended.hold_ms);
        }
    }
}

/// The rows one `apply` has read or changed, written back at its end.
struct Batch<'a> {
    select: String,
    rows: HashMap<(Uuid, Uuid), Option<CallRow>>,
    changed: Vec<(Uuid, Uuid)>,
    connection: &'a mut AnyConnection,
}

impl Batch<'_> {
    async fn row(&mut self, tenant_id: Uuid, call_id: Uuid) -> ProjectionResult<Option<&mut CallRow>> {
        let key = (tenant_id, call_id);
        if !self.rows.contains_key(&key) {
            let row = sqlx::query(AssertSqlSafe(self.select.as_str()))
                .bind(tenant_id.to_string())
                .bind(call_id.to_string())
                .fetch_optional(&mut *self.connection)
                .await?;
            let row = row.as_ref().map(row_from_db).transpose()?;
            self.rows.insert(key, row);
        }
        Ok(self.rows.get_mut(&key).and_then(Option::as_mut))
    }

    fn touched(&mut self, tenant_id: Uuid, call_id: Uuid) {
        if !self.changed.contains(&(tenant_id, call_id)) {
            self.changed.push((tenant_id, call_id));
        }
    }
}

#[async_trait]
impl Projection for CallsProjection {
    fn name(&self) -> &'static str {
        "calls"
    }

    fn tables(&self) -> &'static [&'static str] {
        &[CALLS_TABLE]
    }

    async fn create_tables(&self, connection: &mut AnyConnection, suffix: &str) -> ProjectionResult<()> {
        let statements = [
            sql(CREATE_CALLS, CALLS_TABLE, suffix),
            sql(CREATE_BY_ARRIVAL, CALLS_TABLE, suffix),
            sql(CREATE_BY_AGENT, CALLS_TABLE, suffix),
            sql(CREATE_BY_RINGING_AGENT, CALLS_TABLE, suffix),
            sql(CREATE_BY_RECORDING, CALLS_TABLE, suffix),
        ];
        execute_all(connection, &statements).await?;
        // Tables made before outbound calls lack the direction: every call in them came in.
        let table = table_name(CALLS_TABLE, suffix);
        if !has_column(connection, &table, "direction").await? {
            let add = format!("ALTER TABLE {table} ADD COLUMN direction TEXT NOT NULL DEFAULT 'inbound'");
            sqlx::query(AssertSqlSafe(add)).execute(&mut *connection).await?;
        }
        // Tables made before consultations lack them: no call in them has one.
        for column in ["consult_agent_id", "consult_status"] {
            if !has_column(connection, &table, column).await? {
                let add = format!("ALTER TABLE {table} ADD COLUMN {column} TEXT NOT NULL DEFAULT ''");
                sqlx::query(AssertSqlSafe(add)).execute(&mut *connection).await?;
            }
        }
        execute_all(connection, &[sql(CREATE_BY_CONSULT_AGENT, CALLS_TABLE, suffix)]).await?;
        Ok(())
    }

    async fn apply(
        &self,
        connection: &mut AnyConnection,
        suffix: &str,
        events: &[EventEnvelope],
    ) -> ProjectionResult<()> {
        let mut batch = Batch {
            select: sql(SELECT_ROW, CALLS_TABLE, suffix),
            rows: HashMap::new(),
            changed: Vec::new(),
            connection: &mut *connection,
        };
        for envelope in events.iter().filter(handled) {
            let position = envelope.global_position;
            let tenant_id = envelope.tenant_id;
            let version = to_i64(envelope.stream_version);
            if envelope.stream_id.context() == acd::CONTEXT {
                let event = AcdEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
                    .map_err(|source| ProjectionError::Upcast { position, source })?;
                let (contact_id, queue_id) = match event {
                    AcdEvent::ContactOverflowed(overflowed) => (overflowed.contact_id, overflowed.to_queue_id),
                    AcdEvent::ContactTransferred(transferred) => (transferred.contact_id, transferred.queue_id),
                    _ => continue,
                };
                // Chat contacts have no row: only calls move.
                let Some(row) = batch.row(tenant_id, contact_id).await? else { continue };
                if version <= row.acd_version {
                    continue;
                }
                row.acd_version = version;
                row.view.queue_id = Some(queue_id);
                batch.touched(tenant_id, contact_id);
                continue;
            }
            let event = CallEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
                .map_err(|source| ProjectionError::Upcast { position, source })?;
            let call_id = envelope.stream_id.aggregate_id();
            let key = (tenant_id, call_id);
            let first = match event {
                CallEvent::Arrived(arrived) => Some((
                    CallDirection::Inbound,
                    arrived.access_number,
                    arrived.caller,
                    Some(arrived.queue_id),
                    arrived.at,
                )),
                CallEvent::Dialed(dialed) => {
                    Some((CallDirection::Outbound, dialed.caller_id, dialed.callee, None, dialed.at))
                }
                event => {
                    // Without its first event (a log that starts mid-call), a call has no row.
                    let Some(row) = batch.row(tenant_id, call_id).await? else { continue };
                    if version <= row.version {
                        continue;
                    }
                    row.version = version;
                    fold_call_event(row, event);
                    batch.touched(tenant_id, call_id);
                    None
                }
            };
            if let Some((direction, access_number, caller, queue_id, at)) = first {
                if batch.row(tenant_id, call_id).await?.is_some() {
                    continue;
                }
                let view = CallView {
                    tenant_id,
                    call_id,
                    status: CallRowStatus::Waiting,
                    direction,
                    access_number,
                    caller,
                    queue_id,
                    agent_id: None,
                    ringing_agent_id: None,
                    arrived_at: at,
                    answered_at: None,
                    ended_at: None,
                    end_cause: None,
                    wait_ms: None,
                    talk_ms: None,
                    hold_ms: None,
                    recording_id: None,
                    recording_ms: None,
                    consult_agent_id: None,
                    consult_status: None,
                };
                batch.rows.insert(key, Some(CallRow { view, ringing_leg_id: None, version, acd_version: 0 }));
                batch.touched(tenant_id, call_id);
            }
        }
        let upsert = sql(UPSERT_ROW, CALLS_TABLE, suffix);
        for key in std::mem::take(&mut batch.changed) {
            let Some(Some(row)) = batch.rows.get(&key) else { continue };
            write_row(batch.connection, &upsert, row).await?;
        }
        Ok(())
    }
}

fn optional_u64(value: Option<u64>) -> Option<i64> {
    value.map(to_i64)
}

async fn write_row(connection: &mut AnyConnection, upsert: &str, row: &CallRow) -> ProjectionResult<()> {
    let view = &row.view;
    let uuid = |id: Option<Uuid>| id.map(|id| id.to_string());
    let micros = |at: Option<DateTime<Utc>>| at.map(|at| at.timestamp_micros());
    sqlx::query(AssertSqlSafe(upsert))
        .bind(view.tenant_id.to_string())
        .bind(view.call_id.to_string())
        .bind(row.version)
        .bind(row.acd_version)
        .bind(view.status.as_str())
        .bind(view.access_number.clone())
        .bind(view.caller.key_id.to_string())
        .bind(view.caller.ciphertext.clone())
        // The column predates outbound calls and is NOT NULL in older databases: '' is none.
        .bind(view.queue_id.map(|id| id.to_string()).unwrap_or_default())
        .bind(direction_name(view.direction))
        .bind(uuid(view.agent_id))
        .bind(uuid(view.ringing_agent_id))
        .bind(uuid(row.ringing_leg_id))
        .bind(view.arrived_at.timestamp_micros())
        .bind(micros(view.answered_at))
        .bind(micros(view.ended_at))
        .bind(view.end_cause.clone())
        .bind(optional_u64(view.wait_ms))
        .bind(optional_u64(view.talk_ms))
        .bind(optional_u64(view.hold_ms))
        .bind(uuid(view.recording_id))
        .bind(optional_u64(view.recording_ms))
        // '' is none, as for `queue_id`.
        .bind(uuid(view.consult_agent_id).unwrap_or_default())
        .bind(view.consult_status.map_or("", ConsultStatus::as_str))
        .execute(&mut *connection)
        .await?;
    Ok(())
}

fn optional_time_column(row: &AnyRow, column: &str) -> ProjectionResult<Option<DateTime<Utc>>> {
    let micros: Option<i64> = row.try_get(column)?;
    micros
        .map(|micros| {
            DateTime::from_timestamp_micros(micros)
                .ok_or_else(|| ProjectionError::CorruptRow(format!("{column} {micros} is out of range")))
        })
        .transpose()
}

fn optional_u64_column(row: &AnyRow, column: &str) -> ProjectionResult<Option<u64>> {
    let value: Option<i64> = row.try_get(column)?;
    value.map(|value| to_u64(column, value)).transpose()
}

fn view_from_row(row: &AnyRow) -> ProjectionResult<CallView> {
    let status: String = row.try_get("status")?;
    Ok(CallView {
        tenant_id: uuid_column(row, "tenant_id")?,
        call_id: uuid_column(row, "call_id")?,
        status: CallRowStatus::parse(&status)
            .ok_or_else(|| ProjectionError::CorruptRow(format!("status {status:?} is unknown")))?,
        access_number: row.try_get("access_number")?,
        caller: Sealed { key_id: uuid_column(row, "caller_key_id")?, ciphertext: row.try_get("caller_ciphertext")? },
        queue_id: {
            let queue_id: String = row.try_get("queue_id")?;
            if queue_id.is_empty() { None } else { Some(uuid_column(row, "queue_id")?) }
        },
        direction: {
            let direction: String = row.try_get("direction")?;
            parse_direction(&direction)
                .ok_or_else(|| ProjectionError::CorruptRow(format!("direction {direction:?} is unknown")))?
        },
        agent_id: optional_uuid_column(row, "agent_id")?,
        ringing_agent_id: optional_uuid_column(row, "ringing_agent_id")?,
        arrived_at: time_column(row, "arrived_at")?,
        answered_at: optional_time_column(row, "answered_at")?,
        ended_at: optional_time_column(row, "ended_at")?,
        end_cause: row.try_get("end_cause")?,
        wait_ms: optional_u64_column(row, "wait_ms")?,
        talk_ms: optional_u64_column(row, "talk_ms")?,
        hold_ms: optional_u64_column(row, "hold_ms")?,
        recording_id: optional_uuid_column(row, "recording_id")?,
        recording_ms: optional_u64_column(row, "recording_ms")?,
        consult_agent_id: {
            let consult_agent_id: String = row.try_get("consult_agent_id")?;
            if consult_agent_id.is_empty() { None } else { Some(uuid_column(row, "consult_agent_id")?) }
        },
        consult_status: {
            let consult_status: String = row.try_get("consult_status")?;
            if consult_status.is_empty() {
                None
            } else {
                Some(ConsultStatus::parse(&consult_status).ok_or_else(|| {
                    ProjectionError::CorruptRow(format!("consult status {consult_status:?} is unknown"))
                })?)
            }
        },
    })
}

fn row_from_db(row: &AnyRow) -> ProjectionResult<CallRow> {
    Ok(CallRow {
        view: view_from_row(row)?,
        ringing_leg_id: optional_uuid_column(row, "ringing_leg_id")?,
        version: row.try_get("version")?,
        acd_version: row.try_get("acd_version")?,
    })
}

/// One of the tenant's calls.
pub async fn get_call(pool: &AnyPool, tenant_id: Uuid, call_id: Uuid) -> ProjectionResult<Option<CallView>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM {CALLS_TABLE} WHERE tenant_id = $1 AND call_id = $2"
    )))
    .bind(tenant_id.to_string())
    .bind(call_id.to_string())
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(view_from_row).transpose()
}

/// The tenant's calls, newest first by arrival: those that arrived before `before` (all,
/// without it), only those `agent_id` was (last) connected to when given; at most `limit`
/// (capped at [`MAX_CALLS_PER_PAGE`]).
pub async fn list_calls(
    pool: &AnyPool,
    tenant_id: Uuid,
    agent_id: Option<Uuid>,
    before: Option<DateTime<Utc>>,
    limit: u32,
) -> ProjectionResult<Vec<CallView>> {
    let mut conditions = vec!["tenant_id = $1".to_owned()];
    let mut next = 2;
    if agent_id.is_some() {
        conditions.push(format!("agent_id = ${next}"));
        next += 1;
    }
    if before.is_some() {
        conditions.push(format!("arrived_at < ${next}"));
        next += 1;
    }
    let statement = format!(
        "SELECT {COLUMNS} FROM {CALLS_TABLE} WHERE {} ORDER BY arrived_at DESC, call_id DESC LIMIT ${next}",
        conditions.join(" AND ")
    );
    let mut query = sqlx::query(AssertSqlSafe(statement)).bind(tenant_id.to_string());
    if let Some(agent_id) = agent_id {
        query = query.bind(agent_id.to_string());
    }
    if let Some(before) = before {
        query = query.bind(before.timestamp_micros());
    }
    let rows = query.bind(i64::from(limit.min(MAX_CALLS_PER_PAGE))).fetch_all(pool).await?;
    rows.iter().map(view_from_row).collect()
}

/// The agent's call now: ringing their phone, or connected to them (held or not); else a
/// call (not ended) on which they are consulted (`consult_agent_id`, while ringing or
/// connected), so the consulted agent's softphone bar shows the consultation. The agent's own
/// call comes first; the newest, should there be more than one.
pub async fn current_call_of_agent(
    pool: &AnyPool,
    tenant_id: Uuid,
    agent_id: Uuid,
) -> ProjectionResult<Option<CallView>> {
    const OWN: &str = "((ringing_agent_id = $2 AND status = 'ringing') \
         OR (agent_id = $2 AND status IN ('dialing', 'connected', 'held')))";
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM {CALLS_TABLE} WHERE tenant_id = $1 AND \
         ({OWN} OR (consult_agent_id = $2 AND consult_status <> '' AND status <> 'ended')) \
         ORDER BY CASE WHEN {OWN} THEN 0 ELSE 1 END, arrived_at DESC, call_id DESC LIMIT 1"
    )))
    .bind(tenant_id.to_string())
    .bind(agent_id.to_string())
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(view_from_row).transpose()
}

/// The tenant's call a recording belongs to.
pub async fn call_of_recording(
    pool: &AnyPool,
    tenant_id: Uuid,
    recording_id: Uuid,
) -> ProjectionResult<Option<CallView>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM {CALLS_TABLE} WHERE tenant_id = $1 AND recording_id = $2"
    )))
    .bind(tenant_id.to_string())
    .bind(recording_id.to_string())
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(view_from_row).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_back_as_written() {
        for status in [
            CallRowStatus::Waiting,
            CallRowStatus::Ringing,
            CallRowStatus::Dialing,
            CallRowStatus::Connected,
            CallRowStatus::Held,
            CallRowStatus::Ended,
        ] {
            assert_eq!(CallRowStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(CallRowStatus::parse("lost"), None);
        assert_eq!(end_cause_name(EndCause::CallerHungUp), "caller_hung_up");
        assert_eq!(end_cause_name(EndCause::Unanswered), "unanswered");
        for status in [ConsultStatus::Ringing, ConsultStatus::Connected] {
            assert_eq!(ConsultStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(ConsultStatus::parse(""), None);
        for direction in [CallDirection::Inbound, CallDirection::Outbound] {
            assert_eq!(parse_direction(direction_name(direction)), Some(direction));
        }
    }
}
