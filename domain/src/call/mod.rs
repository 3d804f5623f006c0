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
//! An outbound call starts when an agent dials a number (`dialed`, click to dial): the
//! agent's own phone rings first (`agent_ringing`, then `answered` when the agent picks it
//! up), then the number is called through a trunk; the customer answers (`callee_answered`:
//! connected from here on, as an inbound call is after its answer) or not (`callee_failed`,
//! and the call ends `unanswered`).
//!
//! A connected agent can consult another agent (attended transfer): the caller is put on hold
//! (`held`, recorded first), the consulted agent's phone rings on a leg of its own
//! (`consult_started`) and answers (`consult_answered`). The consultation then ends without a
//! transfer (`consult_ended`: cancelled, either agent hung up, or the consulted phone did not
//! connect, with its failure), and the first agent has the caller again; or it completes
//! (`consult_completed`): the consulted agent takes the call over at once, without waiting
//! again, the open hold is closed, and talk time runs on. One consultation at a time, and none
//! of a call being transferred meanwhile.
//!
//! The customer's number (the caller's, or the one dialled) is personal data: the event
//! carries it sealed with the customer's own key ([`Sealed`]), so forgetting the customer
//! makes it unreadable everywhere.

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
pub const DIALED: &str = "hotline.call.dialed";
pub const CALLEE_ANSWERED: &str = "hotline.call.callee_answered";
pub const CALLEE_FAILED: &str = "hotline.call.callee_failed";
pub const CONSULT_STARTED: &str = "hotline.call.consult_started";
pub const CONSULT_ANSWERED: &str = "hotline.call.consult_answered";
pub const CONSULT_ENDED: &str = "hotline.call.consult_ended";
pub const CONSULT_COMPLETED: &str = "hotline.call.consult_completed";

const EVENT_TYPES: [&str; 16] = [
    ARRIVED,
    AGENT_RINGING,
    AGENT_LEG_FAILED,
    ANSWERED,
    HELD,
    RESUMED,
    TRANSFERRED,
    RECORDING_STORED,
    ENDED,
    DIALED,
    CALLEE_ANSWERED,
    CALLEE_FAILED,
    CONSULT_STARTED,
    CONSULT_ANSWERED,
    CONSULT_ENDED,
    CONSULT_COMPLETED,
];

/// The longest access number (E.164 is 15 digits; room for prefixes).
pub const MAX_NUMBER_CHARS: usize = 32;

/// Whether a number is one we can call or be called at: digits with an optional leading +,
/// at most [`MAX_NUMBER_CHARS`].
pub fn is_valid_number(number: &str) -> bool {
    !number.is_empty()
        && number.len() <= MAX_NUMBER_CHARS
        && number.strip_prefix('+').unwrap_or(number).bytes().all(|byte| byte.is_ascii_digit())
        && number != "+"
}

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
    /// The customer hung up after an agent answered (the caller, or the one called out to).
    CallerHungUp,
    /// The agent hung up (on an outbound call, also before the customer answered, or by not
    /// picking up their own phone).
    AgentHungUp,
    /// The caller hung up before any agent answered.
    Abandoned,
    /// The network or a peer failed (no media, a SIP error).
    Failed,
    /// An outbound call's number did not answer, was busy or declined.
    Unanswered,
}

/// Who called whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallDirection {
    /// A customer called in through a trunk.
    #[default]
    Inbound,
    /// An agent called a customer out through a trunk.
    Outbound,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CallTransferTarget {
    Queue { queue_id: Uuid },
    Agent { agent_id: Uuid },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallAction {
    Arrive {
        trunk_id: Option<Uuid>,
        access_number: String,
        caller: Sealed,
        queue_id: Uuid,
    },
    /// An agent calls `callee` out through a trunk, showing `caller_id`; the agent's own
    /// phone rings first (leg `leg_id`).
    Dial {
        trunk_id: Uuid,
        caller_id: String,
        callee: Sealed,
        agent_id: Uuid,
        leg_id: Uuid,
        extension_id: Uuid,
    },
    /// The customer called out to answered.
    AnswerCallee,
    /// The customer called out to did not answer (busy, declined, no answer): the call ends.
    FailCallee {
        failure: LegFailure,
    },
    RingAgent {
        leg_id: Uuid,
        agent_id: Uuid,
        extension_id: Uuid,
    },
    FailAgentLeg {
        leg_id: Uuid,
        failure: LegFailure,
    },
    Answer {
        leg_id: Uuid,
    },
    Hold,
    Resume,
    Transfer {
        to: CallTransferTarget,
    },
    StoreRecording {
        recording_id: Uuid,
        duration_ms: u64,
        bytes: u64,
    },
    End {
        cause: EndCause,
    },
    /// The connected agent consults another agent (attended transfer, step one): the consulted
    /// agent's phone rings on leg `leg_id`. The caller is on hold meanwhile (the SIP side records
    /// `Hold` first).
    Consult {
        leg_id: Uuid,
        agent_id: Uuid,
        extension_id: Uuid,
    },
    /// The consulted agent's phone answered.
    AnswerConsult {
        leg_id: Uuid,
    },
    /// The consultation ended without a transfer: cancelled, hung up by either agent, or the
    /// consulted phone did not connect (`failure`).
    EndConsult {
        leg_id: Uuid,
        failure: Option<LegFailure>,
    },
    /// Attended transfer completed: the consulted agent takes the call over.
    CompleteConsult {
        leg_id: Uuid,
    },
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
    Dialed(CallDialed),
    CalleeAnswered(CalleeAnswered),
    CalleeFailed(CalleeFailed),
    ConsultStarted(ConsultStarted),
    ConsultAnswered(ConsultAnswered),
    ConsultEnded(ConsultEnded),
    ConsultCompleted(ConsultCompleted),
}

/// The connected agent consults another agent: the consulted agent's phone rings on `leg_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsultStarted {
    pub call_id: Uuid,
    pub leg_id: Uuid,
    /// The consulting agent, connected to the caller.
    pub agent_id: Uuid,
    pub consulted_agent_id: Uuid,
    /// The consulted agent's phone.
    pub extension_id: Uuid,
    pub at: DateTime<Utc>,
}

/// The consulted agent's phone answered: the two agents talk, the caller on hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsultAnswered {
    pub call_id: Uuid,
    pub leg_id: Uuid,
    pub consulted_agent_id: Uuid,
    pub at: DateTime<Utc>,
}

/// The consultation ended without a transfer; `failure` when the consulted phone did not
/// connect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsultEnded {
    pub call_id: Uuid,
    pub leg_id: Uuid,
    pub consulted_agent_id: Uuid,
    pub failure: Option<LegFailure>,
    pub at: DateTime<Utc>,
}

/// Attended transfer completed: `to_agent_id` (the consulted agent) has the caller now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsultCompleted {
    pub call_id: Uuid,
    pub leg_id: Uuid,
    pub from_agent_id: Uuid,
    pub to_agent_id: Uuid,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallDialed {
    pub call_id: Uuid,
    pub agent_id: Uuid,
    pub trunk_id: Uuid,
    /// Our number the customer sees (an access number of the tenant; empty: none shown).
    pub caller_id: String,
    /// The number dialled, sealed with the customer's key.
    pub callee: Sealed,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalleeAnswered {
    pub call_id: Uuid,
    pub agent_id: Uuid,
    /// From the dial to the customer's answer.
    pub waited_ms: u64,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalleeFailed {
    pub call_id: Uuid,
    pub agent_id: Uuid,
    pub failure: LegFailure,
    pub at: DateTime<Utc>,
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
    /// Waiting for an agent (queued, or ringing one; on an outbound call, the dialling
    /// agent's phone rings).
    Waiting,
    /// Outbound: the agent is on the line and the customer's phone rings.
    Dialing {
        agent_id: Uuid,
    },
    Connected {
        agent_id: Uuid,
        held_since: Option<DateTime<Utc>>,
    },
    Ended,
}

/// A consultation in progress: the consulted agent's leg, and whether it answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Consultation {
    pub leg_id: Uuid,
    /// The consulted agent.
    pub agent_id: Uuid,
    pub answered: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallState {
    pub status: CallStatus,
    pub direction: CallDirection,
    pub arrived_at: Option<DateTime<Utc>>,
    /// Since when the caller waits for the next answer (arrival, or a transfer).
    pub waiting_since: Option<DateTime<Utc>>,
    pub first_answered_at: Option<DateTime<Utc>>,
    /// The agent legs ringing now, with their agents.
    pub ringing: Vec<(Uuid, Uuid)>,
    pub talk_ms: u64,
    pub hold_ms: u64,
    pub connected_since: Option<DateTime<Utc>>,
    /// The consultation in progress, if any.
    pub consult: Option<Consultation>,
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
            CallEvent::Dialed(_) => DIALED,
            CallEvent::CalleeAnswered(_) => CALLEE_ANSWERED,
            CallEvent::CalleeFailed(_) => CALLEE_FAILED,
            CallEvent::ConsultStarted(_) => CONSULT_STARTED,
            CallEvent::ConsultAnswered(_) => CONSULT_ANSWERED,
            CallEvent::ConsultEnded(_) => CONSULT_ENDED,
            CallEvent::ConsultCompleted(_) => CONSULT_COMPLETED,
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
            CallEvent::Dialed(event) => serde_json::to_value(event),
            CallEvent::CalleeAnswered(event) => serde_json::to_value(event),
            CallEvent::CalleeFailed(event) => serde_json::to_value(event),
            CallEvent::ConsultStarted(event) => serde_json::to_value(event),
            CallEvent::ConsultAnswered(event) => serde_json::to_value(event),
            CallEvent::ConsultEnded(event) => serde_json::to_value(event),
            CallEvent::ConsultCompleted(event) => serde_json::to_value(event),
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
            DIALED => read_payload(event_type, 1, payload, CallEvent::Dialed),
            CALLEE_ANSWERED => read_payload(event_type, 1, payload, CallEvent::CalleeAnswered),
            CALLEE_FAILED => read_payload(event_type, 1, payload, CallEvent::CalleeFailed),
            CONSULT_STARTED => read_payload(event_type, 1, payload, CallEvent::ConsultStarted),
            CONSULT_ANSWERED => read_payload(event_type, 1, payload, CallEvent::ConsultAnswered),
            CONSULT_ENDED => read_payload(event_type, 1, payload, CallEvent::ConsultEnded),
            CONSULT_COMPLETED => read_payload(event_type, 1, payload, CallEvent::ConsultCompleted),
            _ => read_payload(event_type, 1, payload, CallEvent::Ended),
        }
    }
}

pub struct Call;

impl Call {
    /// The end of the call, with its durations worked out from the state's times.
    fn ended(
        state: &CallState,
        call_id: Uuid,
        cause: EndCause,
        agent_id: Option<Uuid>,
        at: DateTime<Utc>,
    ) -> CallEvent {
        let arrived_at = state.arrived_at.unwrap_or(at);
        let wait_ms = millis_between(arrived_at, state.first_answered_at.unwrap_or(at));
        let connected_ms = state.connected_since.map_or(0, |since| millis_between(since, at));
        let held_since = match state.status {
            CallStatus::Connected { held_since, .. } => held_since,
            _ => None,
        };
        let open_hold_ms = held_since.map_or(0, |since| millis_between(since, at));
        CallEvent::Ended(CallEnded {
            call_id,
            cause,
            agent_id,
            wait_ms,
            talk_ms: state.talk_ms + connected_ms,
            hold_ms: state.hold_ms + open_hold_ms,
            at,
        })
    }
}

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
            if !is_valid_number(access_number) {
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
        if let CallAction::Dial { trunk_id, caller_id, callee, agent_id, leg_id, extension_id } = &command.action {
            if state.status != CallStatus::None {
                return Err(refuse("call.exists", format!("call {call_id} exists")));
            }
            if !caller_id.is_empty() && !is_valid_number(caller_id) {
                return Err(refuse("call.invalid_number", "a caller id is digits with an optional leading +"));
            }
            return Ok(vec![
                CallEvent::Dialed(CallDialed {
                    call_id,
                    agent_id: *agent_id,
                    trunk_id: *trunk_id,
                    caller_id: caller_id.clone(),
                    callee: callee.clone(),
                    at,
                }),
                CallEvent::AgentRinging(AgentRinging {
                    call_id,
                    leg_id: *leg_id,
                    agent_id: *agent_id,
                    extension_id: *extension_id,
                    at,
                }),
            ]);
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
            CallStatus::Waiting | CallStatus::Dialing { .. } => None,
            CallStatus::Connected { agent_id, .. } => Some(agent_id),
        };
        let dialing_agent = match state.status {
            CallStatus::Dialing { agent_id } => Some(agent_id),
            _ => None,
        };
        let not_dialing = || refuse("call.not_dialing", format!("call {call_id} is not calling a customer"));
        let held_since = match state.status {
            CallStatus::Connected { held_since, .. } => held_since,
            _ => None,
        };
        let not_connected = || refuse("call.not_connected", format!("call {call_id} is not connected to an agent"));
        let consult_in_progress =
            || refuse("call.consult_in_progress", format!("a consultation is in progress on call {call_id}"));
        let consultation = |leg_id: Uuid| {
            state.consult.filter(|consult| consult.leg_id == leg_id).ok_or_else(|| {
                refuse("call.not_consulting", format!("call {call_id} has no consultation on leg {leg_id}"))
            })
        };
        let ringing_agent =
            |leg_id: Uuid| {
                state.ringing.iter().find(|(ringing, _)| *ringing == leg_id).map(|(_, agent_id)| *agent_id).ok_or_else(
                    || refuse("call.leg_not_ringing", format!("leg {leg_id} of call {call_id} is not ringing")),
                )
            };
        let event = match &command.action {
            CallAction::Arrive { .. } | CallAction::Dial { .. } => unreachable!("handled above"),
            CallAction::AnswerCallee => {
                let agent_id = dialing_agent.ok_or_else(not_dialing)?;
                let waited_ms = state.arrived_at.map_or(0, |since| millis_between(since, at));
                CallEvent::CalleeAnswered(CalleeAnswered { call_id, agent_id, waited_ms, at })
            }
            CallAction::FailCallee { failure } => {
                let agent_id = dialing_agent.ok_or_else(not_dialing)?;
                let failed = CallEvent::CalleeFailed(CalleeFailed { call_id, agent_id, failure: *failure, at });
                let ended = Self::ended(state, call_id, EndCause::Unanswered, Some(agent_id), at);
                return Ok(vec![failed, ended]);
            }
            CallAction::RingAgent { leg_id, agent_id, extension_id } => {
                if connected_agent.is_some() || dialing_agent.is_some() {
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
                if state.consult.is_some() {
                    return Err(consult_in_progress());
                }
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
                let cause = match (*cause, state.first_answered_at) {
                    // Hanging up before any answer is abandoning, whatever the signalling said.
                    (EndCause::CallerHungUp, None) => EndCause::Abandoned,
                    (cause, _) => cause,
                };
                Self::ended(state, call_id, cause, connected_agent.or(dialing_agent), at)
            }
            CallAction::Consult { leg_id, agent_id: consulted_agent_id, extension_id } => {
                let agent_id = connected_agent.ok_or_else(not_connected)?;
                if state.consult.is_some() {
                    return Err(consult_in_progress());
                }
                if *consulted_agent_id == agent_id {
                    return Err(refuse("call.consult_self", "an agent cannot consult themselves"));
                }
                CallEvent::ConsultStarted(ConsultStarted {
                    call_id,
                    leg_id: *leg_id,
                    agent_id,
                    consulted_agent_id: *consulted_agent_id,
                    extension_id: *extension_id,
                    at,
                })
            }
            CallAction::AnswerConsult { leg_id } => {
                let consult = consultation(*leg_id)?;
                if consult.answered {
                    return Ok(vec![]);
                }
                CallEvent::ConsultAnswered(ConsultAnswered {
                    call_id,
                    leg_id: *leg_id,
                    consulted_agent_id: consult.agent_id,
                    at,
                })
            }
            CallAction::EndConsult { leg_id, failure } => {
                let consult = consultation(*leg_id)?;
                CallEvent::ConsultEnded(ConsultEnded {
                    call_id,
                    leg_id: *leg_id,
                    consulted_agent_id: consult.agent_id,
                    failure: *failure,
                    at,
                })
            }
            CallAction::CompleteConsult { leg_id } => {
                let consult = consultation(*leg_id)?;
                if !consult.answered {
                    return Err(refuse(
                        "call.consult_not_answered",
                        format!("the consulted agent has not answered leg {leg_id} of call {call_id}"),
                    ));
                }
                let from_agent_id = connected_agent.ok_or_else(not_connected)?;
                CallEvent::ConsultCompleted(ConsultCompleted {
                    call_id,
                    leg_id: *leg_id,
                    from_agent_id,
                    to_agent_id: consult.agent_id,
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
            CallEvent::Dialed(dialed) => {
                state.status = CallStatus::Waiting;
                state.direction = CallDirection::Outbound;
                state.arrived_at = Some(dialed.at);
            }
            // The dialling agent picked their phone up: the customer's phone rings next.
            CallEvent::Answered(answered)
                if state.direction == CallDirection::Outbound && state.first_answered_at.is_none() =>
            {
                state.ringing.clear();
                state.status = CallStatus::Dialing { agent_id: answered.agent_id };
            }
            CallEvent::CalleeAnswered(answered) => {
                state.status = CallStatus::Connected { agent_id: answered.agent_id, held_since: None };
                state.first_answered_at = Some(answered.at);
                state.connected_since = Some(answered.at);
            }
            CallEvent::CalleeFailed(_) => {}
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
                state.consult = None;
            }
            CallEvent::ConsultStarted(started) => {
                state.consult = Some(Consultation {
                    leg_id: started.leg_id,
                    agent_id: started.consulted_agent_id,
                    answered: false,
                });
            }
            CallEvent::ConsultAnswered(answered) => {
                if let Some(consult) = state.consult.as_mut().filter(|consult| consult.leg_id == answered.leg_id) {
                    consult.answered = true;
                }
            }
            CallEvent::ConsultEnded(_) => state.consult = None,
            // The caller stays connected (talk time runs on); the hold ends with the hand-over.
            CallEvent::ConsultCompleted(completed) => {
                state.consult = None;
                if let CallStatus::Connected { held_since: Some(since), .. } = state.status {
                    state.hold_ms += millis_between(since, completed.at);
                }
                state.status = CallStatus::Connected { agent_id: completed.to_agent_id, held_since: None };
            }
        }
        state
    }
}

/// Recorded audio as it leaves the media relay for the spool: plain data shared by the relay
/// (which cuts it) and the recording store (which seals and keeps it).
pub mod recording {
    /// Which direction of a call a recorded chunk is.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Side {
        /// What the caller (or the customer called out to) said.
        Caller,
        Agent,
    }

    /// Part of one direction of a recording: μ-law samples from sample `start` of the call's
    /// timeline (8 kHz, from the first bridge).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Chunk {
        pub side: Side,
        pub start: u64,
        pub samples: Vec<u8>,
    }
}

#[cfg(test)]
mod tests;
