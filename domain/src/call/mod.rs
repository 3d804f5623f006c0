//! A voice call: one stream per call, `call-<call id>`, with every state of its legs.
//!
//! The caller's leg arrives from a trunk at an access number and waits in the ACD (the call
//! id is the ACD contact id: queueing, offers and their answers are the ACD's events). While
//! an agent is offered the call, the agent's phone rings (`agent_ringing`); the phone answers
//! (`answered`) or does not (`agent_leg_failed`: no answer, busy, declined, unreachable), and
//! the ACD offers the call again. A connected call can be held and resumed, transferred to a
//! queue or an agent (it rings again there), recorded, and ends once with a cause and its
//! durations (waiting, talking, on hold), worked out here from the events' own times.
//!
//! The caller's number is personal data: the event carries it sealed with the caller's own
//! key ([`Sealed`]), so forgetting the caller makes it unreadable everywhere.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

pub use crate::customer::Sealed;
use crate::{Decider, DomainError, DomainEvent, StreamId, UpcastError, read_payload};

pub const CONTEXT: &str = "call";

pub const ARRIVED: &str = "hotline.call.arrived";
pub const AGENT_RINGING: &str = "hotline.call.agent_ringing";
pub const AGENT_LEG_FAILED: &str = "hotline.call.agent_leg_failed";
pub const ANSWERED: &str = "hotline.call.answered";
pub const HELD: &str = "hotline.call.held";
pub const RESUMED: &str = "hotline.call.resumed";
pub const TRANSFERRED: &str = "hotline.call.transferred";
pub const RECORDING_STORED: &str = "hotline.call.recording_stored";
pub const ENDED: &str = "hotline.call.ended";

const EVENT_TYPES: [&str; 9] =
    [ARRIVED, AGENT_RINGING, AGENT_LEG_FAILED, ANSWERED, HELD, RESUMED, TRANSFERRED, RECORDING_STORED, ENDED];

/// The longest access number (E.164 is 15 digits; room for prefixes).
pub const MAX_NUMBER_CHARS: usize = 32;

pub fn stream_id(call_id: Uuid) -> StreamId {
    StreamId::new(CONTEXT, call_id)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallCommand {
    pub tenant_id: Uuid,
    pub call_id: Uuid,
    pub at: DateTime<Utc>,
    pub action: CallAction,
}

/// Why an agent's leg did not connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegFailure {
    NoAnswer,
    Busy,
    Declined,
    /// No phone registered, or it could not be reached.
    Unreachable,
}

/// Why a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndCause {
    /// The caller hung up after an agent answered.
    CallerHungUp,
    AgentHungUp,
    /// The caller hung up before any agent answered.
    Abandoned,
    /// The network or a peer failed (no media, a SIP error).
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CallTransferTarget {
    Queue { queue_id: Uuid },
    Agent { agent_id: Uuid },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallAction {
    Arrive { trunk_id: Option<Uuid>, access_number: String, caller: Sealed, queue_id: Uuid },
    RingAgent { leg_id: Uuid, agent_id: Uuid, extension_id: Uuid },
    FailAgentLeg { leg_id: Uuid, failure: LegFailure },
    Answer { leg_id: Uuid },
    Hold,
    Resume,
    Transfer { to: CallTransferTarget },
    StoreRecording { recording_id: Uuid, duration_ms: u64, bytes: u64 },
    End { cause: EndCause },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CallEvent {
    Arrived(CallArrived),
    AgentRinging(AgentRinging),
    AgentLegFailed(AgentLegFailed),
    Answered(CallAnswered),
    Held(CallMoment),
    Resumed(CallMoment),
    Transferred(CallTransferred),
    RecordingStored(RecordingStored),
    Ended(CallEnded),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallArrived {
    pub call_id: Uuid,
    pub trunk_id: Option<Uuid>,
    pub access_number: String,
    pub caller: Sealed,
    pub queue_id: Uuid,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentRinging {
    pub call_id: Uuid,
    pub leg_id: Uuid,
    pub agent_id: Uuid,
    pub extension_id: Uuid,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentLegFailed {
    pub call_id: Uuid,
    pub leg_id: Uuid,
    pub agent_id: Uuid,
    pub failure: LegFailure,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallAnswered {
    pub call_id: Uuid,
    pub leg_id: Uuid,
    pub agent_id: Uuid,
    /// How long the caller waited since arriving (first answer) or since the transfer.
    pub waited_ms: u64,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallMoment {
    pub call_id: Uuid,
    pub agent_id: Uuid,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallTransferred {
    pub call_id: Uuid,
    pub from_agent_id: Uuid,
    pub to: CallTransferTarget,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordingStored {
    pub call_id: Uuid,
    pub recording_id: Uuid,
    pub duration_ms: u64,
    pub bytes: u64,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallEnded {
    pub call_id: Uuid,
    pub cause: EndCause,
    /// The agent connected when it ended, if any.
    pub agent_id: Option<Uuid>,
    /// From arrival to the first answer (or to the end, if never answered).
    pub wait_ms: u64,
    /// Connected time, holds included.
    pub talk_ms: u64,
    pub hold_ms: u64,
    pub at: DateTime<Utc>,
}

/// Where the call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CallStatus {
    #[default]
    None,
    /// Waiting for an agent (queued, or ringing one).
    Waiting,
    Connected {
        agent_id: Uuid,
        held_since: Option<DateTime<Utc>>,
    },
    Ended,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallState {
    pub status: CallStatus,
    pub arrived_at: Option<DateTime<Utc>>,
    /// Since when the caller waits for the next answer (arrival, or a transfer).
    pub waiting_since: Option<DateTime<Utc>>,
    pub first_answered_at: Option<DateTime<Utc>>,
    /// The agent legs ringing now, with their agents.
    pub ringing: Vec<(Uuid, Uuid)>,
    pub talk_ms: u64,
    pub hold_ms: u64,
    pub connected_since: Option<DateTime<Utc>>,
}

fn millis_between(from: DateTime<Utc>, to: DateTime<Utc>) -> u64 {
    u64::try_from((to - from).num_milliseconds()).unwrap_or(0)
}

impl DomainEvent for CallEvent {
    fn event_type(&self) -> &'static str {
        match self {
            CallEvent::Arrived(_) => ARRIVED,
            CallEvent::AgentRinging(_) => AGENT_RINGING,
            CallEvent::AgentLegFailed(_) => AGENT_LEG_FAILED,
            CallEvent::Answered(_) => ANSWERED,
            CallEvent::Held(_) => HELD,
            CallEvent::Resumed(_) => RESUMED,
            CallEvent::Transferred(_) => TRANSFERRED,
            CallEvent::RecordingStored(_) => RECORDING_STORED,
            CallEvent::Ended(_) => ENDED,
        }
    }

    fn schema_version(&self) -> u32 {
        1
    }

    fn to_payload(&self) -> Value {
        let payload = match self {
            CallEvent::Arrived(event) => serde_json::to_value(event),
            CallEvent::AgentRinging(event) => serde_json::to_value(event),
            CallEvent::AgentLegFailed(event) => serde_json::to_value(event),
            CallEvent::Answered(event) => serde_json::to_value(event),
            CallEvent::Held(event) | CallEvent::Resumed(event) => serde_json::to_value(event),
            CallEvent::Transferred(event) => serde_json::to_value(event),
            CallEvent::RecordingStored(event) => serde_json::to_value(event),
            CallEvent::Ended(event) => serde_json::to_value(event),
        };
        payload.expect("plain struct serialises")
    }

    fn from_stored(event_type: &str, schema_version: u32, payload: &Value) -> Result<Self, UpcastError> {
        UpcastError::check_first_version(&EVENT_TYPES, event_type, schema_version)?;
        match event_type {
            ARRIVED => read_payload(event_type, 1, payload, CallEvent::Arrived),
            AGENT_RINGING => read_payload(event_type, 1, payload, CallEvent::AgentRinging),
            AGENT_LEG_FAILED => read_payload(event_type, 1, payload, CallEvent::AgentLegFailed),
            ANSWERED => read_payload(event_type, 1, payload, CallEvent::Answered),
            HELD => read_payload(event_type, 1, payload, CallEvent::Held),
            RESUMED => read_payload(event_type, 1, payload, CallEvent::Resumed),
            TRANSFERRED => read_payload(event_type, 1, payload, CallEvent::Transferred),
            RECORDING_STORED => read_payload(event_type, 1, payload, CallEvent::RecordingStored),
            _ => read_payload(event_type, 1, payload, CallEvent::Ended),
        }
    }
}

pub struct Call;

fn refuse(code: &'static str, message: impl Into<String>) -> DomainError {
    DomainError::new(code, message)
}

impl Decider for Call {
    type State = CallState;
    type Command = CallCommand;
    type Event = CallEvent;

    fn stream_id(command: &CallCommand) -> StreamId {
        stream_id(command.call_id)
    }

    fn decide(state: &CallState, command: &CallCommand) -> Result<Vec<CallEvent>, DomainError> {
        let call_id = command.call_id;
        let at = command.at;
        if let CallAction::Arrive { trunk_id, access_number, caller, queue_id } = &command.action {
            if state.status != CallStatus::None {
                return Err(refuse("call.exists", format!("call {call_id} exists")));
            }
            let valid_number = !access_number.is_empty()
                && access_number.len() <= MAX_NUMBER_CHARS
                && access_number.strip_prefix('+').unwrap_or(access_number).bytes().all(|byte| byte.is_ascii_digit());
            if !valid_number {
                return Err(refuse("call.invalid_number", "an access number is digits with an optional leading +"));
            }
            return Ok(vec![CallEvent::Arrived(CallArrived {
                call_id,
                trunk_id: *trunk_id,
                access_number: access_number.clone(),
                caller: caller.clone(),
                queue_id: *queue_id,
                at,
            })]);
        }
        // A recording is complete only once the call is over, so it may be stored after the end.
        let recording_after_end =
            state.status == CallStatus::Ended && matches!(command.action, CallAction::StoreRecording { .. });
        let connected_agent = match state.status {
            CallStatus::None => return Err(refuse("call.not_found", format!("no call {call_id}"))),
            CallStatus::Ended if !recording_after_end => {
                return Err(refuse("call.ended", format!("call {call_id} has ended")));
            }
            CallStatus::Ended => None,
            CallStatus::Waiting => None,
            CallStatus::Connected { agent_id, .. } => Some(agent_id),
        };
        let held_since = match state.status {
            CallStatus::Connected { held_since, .. } => held_since,
            _ => None,
        };
        let not_connected = || refuse("call.not_connected", format!("call {call_id} is not connected to an agent"));
        let ringing_agent =
            |leg_id: Uuid| {
                state.ringing.iter().find(|(ringing, _)| *ringing == leg_id).map(|(_, agent_id)| *agent_id).ok_or_else(
                    || refuse("call.leg_not_ringing", format!("leg {leg_id} of call {call_id} is not ringing")),
                )
            };
        let event = match &command.action {
            CallAction::Arrive { .. } => unreachable!("handled above"),
            CallAction::RingAgent { leg_id, agent_id, extension_id } => {
                if connected_agent.is_some() {
                    return Err(refuse("call.already_connected", format!("call {call_id} is connected")));
                }
                if state.ringing.iter().any(|(ringing, _)| ringing == leg_id) {
                    return Ok(vec![]);
                }
                CallEvent::AgentRinging(AgentRinging {
                    call_id,
                    leg_id: *leg_id,
                    agent_id: *agent_id,
                    extension_id: *extension_id,
                    at,
                })
            }
            CallAction::FailAgentLeg { leg_id, failure } => {
                let agent_id = ringing_agent(*leg_id)?;
                CallEvent::AgentLegFailed(AgentLegFailed { call_id, leg_id: *leg_id, agent_id, failure: *failure, at })
            }
            CallAction::Answer { leg_id } => {
                let agent_id = ringing_agent(*leg_id)?;
                let waited_ms = state.waiting_since.map_or(0, |since| millis_between(since, at));
                CallEvent::Answered(CallAnswered { call_id, leg_id: *leg_id, agent_id, waited_ms, at })
            }
            CallAction::Hold => {
                let agent_id = connected_agent.ok_or_else(not_connected)?;
                if held_since.is_some() {
                    return Ok(vec![]);
                }
                CallEvent::Held(CallMoment { call_id, agent_id, at })
            }
            CallAction::Resume => {
                let agent_id = connected_agent.ok_or_else(not_connected)?;
                if held_since.is_none() {
                    return Ok(vec![]);
                }
                CallEvent::Resumed(CallMoment { call_id, agent_id, at })
            }
            CallAction::Transfer { to } => {
                let from_agent_id = connected_agent.ok_or_else(not_connected)?;
                if *to == (CallTransferTarget::Agent { agent_id: from_agent_id }) {
                    return Err(refuse(
                        "call.transfer_to_self",
                        "a call cannot be transferred to the agent who has it",
                    ));
                }
                CallEvent::Transferred(CallTransferred { call_id, from_agent_id, to: *to, at })
            }
            CallAction::StoreRecording { recording_id, duration_ms, bytes } => {
                CallEvent::RecordingStored(RecordingStored {
                    call_id,
                    recording_id: *recording_id,
                    duration_ms: *duration_ms,
                    bytes: *bytes,
                    at,
                })
            }
            CallAction::End { cause } => {
                let arrived_at = state.arrived_at.unwrap_or(at);
                let wait_ms = millis_between(arrived_at, state.first_answered_at.unwrap_or(at));
                let connected_ms = state.connected_since.map_or(0, |since| millis_between(since, at));
                let open_hold_ms = held_since.map_or(0, |since| millis_between(since, at));
                let cause = match (*cause, state.first_answered_at) {
                    // Hanging up before any answer is abandoning, whatever the signalling said.
                    (EndCause::CallerHungUp, None) => EndCause::Abandoned,
                    (cause, _) => cause,
                };
                CallEvent::Ended(CallEnded {
                    call_id,
                    cause,
                    agent_id: connected_agent,
                    wait_ms,
                    talk_ms: state.talk_ms + connected_ms,
                    hold_ms: state.hold_ms + open_hold_ms,
                    at,
                })
            }
        };
        Ok(vec![event])
    }

    fn evolve(mut state: CallState, event: &CallEvent) -> CallState {
        match event {
            CallEvent::Arrived(arrived) => {
                state.status = CallStatus::Waiting;
                state.arrived_at = Some(arrived.at);
                state.waiting_since = Some(arrived.at);
            }
            CallEvent::AgentRinging(ringing) => state.ringing.push((ringing.leg_id, ringing.agent_id)),
            CallEvent::AgentLegFailed(failed) => state.ringing.retain(|(leg_id, _)| *leg_id != failed.leg_id),
            CallEvent::Answered(answered) => {
                state.ringing.clear();
                state.status = CallStatus::Connected { agent_id: answered.agent_id, held_since: None };
                state.first_answered_at.get_or_insert(answered.at);
                state.waiting_since = None;
                state.connected_since = Some(answered.at);
            }
            CallEvent::Held(held) => {
                if let CallStatus::Connected { agent_id, .. } = state.status {
                    state.status = CallStatus::Connected { agent_id, held_since: Some(held.at) };
                }
            }
            CallEvent::Resumed(resumed) => {
                if let CallStatus::Connected { agent_id, held_since: Some(since) } = state.status {
                    state.hold_ms += millis_between(since, resumed.at);
                    state.status = CallStatus::Connected { agent_id, held_since: None };
                }
            }
            CallEvent::Transferred(transferred) => {
                if let CallStatus::Connected { held_since, .. } = state.status {
                    state.hold_ms += held_since.map_or(0, |since| millis_between(since, transferred.at));
                }
                if let Some(since) = state.connected_since.take() {
                    state.talk_ms += millis_between(since, transferred.at);
                }
                state.status = CallStatus::Waiting;
                state.waiting_since = Some(transferred.at);
            }
            CallEvent::RecordingStored(_) => {}
            CallEvent::Ended(_) => {
                state.status = CallStatus::Ended;
                state.ringing.clear();
            }
        }
        state
    }
}

#[cfg(test)]
mod tests;
