//! ACD (automatic contact distribution): one router for every channel. A contact is a
//! contact, whether a chat, a call or an email; it waits in a queue and is offered to an agent
//! who may accept it, reject it or let the offer time out.
//!
//! The whole routing scope of a tenant (agents, queues, waiting contacts, offers) is ONE
//! stream, `acd-<tenant id>`: a routing decision weighs every free agent of a queue against
//! every waiting contact, so they must be decided against one consistent state.
//!
//! Every command carries its time (`at`); the decider has no clock. Time passes only through
//! commands: `Tick` is how offers time out, sticky waits end and contacts overflow. After any
//! change, waiting contacts are matched to free agents inside `decide`, and each match is a
//! `ContactOffered` event carrying its reason, so replaying the log gives the same decisions.
//!
//! Rules:
//! - an agent is offered contacts only while `available`, and holds at most its capacity per
//!   channel (offers count: an offered contact reserves the capacity);
//! - a contact is offered to one agent at a time; when an agent rejects an offer or lets it
//!   time out, the contact goes to another free agent, and back to the same one only when no
//!   other is free; an agent who lets an offer time out is set `not ready` ("missed offer");
//! - the queue's strategy picks among free agents: longest idle (fewest contacts on the
//!   channel, then idle longest, then agent id), skill level (highest level of the queue's
//!   skill first, then as longest idle) or round robin (the next agent id after the last one
//!   offered, wrapping);
//! - customer priority (VIP first) orders a queue's waiting contacts, then the time they
//!   were first queued; when an agent becomes free, it takes the most urgent contact of all
//!   its queues;
//! - sticky agent: a returning customer's contact waits up to the queue's sticky timeout for
//!   the agent who last accepted one of theirs, if that agent is logged in and in the queue;
//! - overflow: a contact still waiting N seconds after entering a queue moves to another;
//! - hand-over (an attended transfer completed): an assigned contact moves from its agent to
//!   the agent they consulted at once, without queueing and whatever that agent's presence or
//!   load (they agreed on the phone); the first agent's room is free again.
//!
//! Ties are broken by ids (a total order); all maps are ordered, so nothing depends on hash
//! iteration. Free agents are indexed per queue and channel in the order of the queue's
//! strategy, and waiting contacts per queue and channel in their order, so a decision looks
//! at the first few entries of an index, not at every agent.

pub mod audit;
mod routing;
mod state;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::{Decider, DomainError, DomainEvent, StreamId, UpcastError, read_payload};

pub use state::{AcdState, Agent, Contact, ContactStatus, Queue};

pub const CONTEXT: &str = "acd";

pub const AGENT_REGISTERED: &str = "hotline.acd.agent_registered";
pub const AGENT_UPDATED: &str = "hotline.acd.agent_updated";
pub const AGENT_PRESENCE_CHANGED: &str = "hotline.acd.agent_presence_changed";
pub const QUEUE_DEFINED: &str = "hotline.acd.queue_defined";
pub const CONTACT_QUEUED: &str = "hotline.acd.contact_queued";
pub const CONTACT_OFFERED: &str = "hotline.acd.contact_offered";
pub const OFFER_ACCEPTED: &str = "hotline.acd.offer_accepted";
pub const OFFER_REJECTED: &str = "hotline.acd.offer_rejected";
pub const OFFER_TIMED_OUT: &str = "hotline.acd.offer_timed_out";
pub const STICKY_WAIT_ENDED: &str = "hotline.acd.sticky_wait_ended";
pub const CONTACT_OVERFLOWED: &str = "hotline.acd.contact_overflowed";
pub const CONTACT_FINISHED: &str = "hotline.acd.contact_finished";
pub const CONTACT_ABANDONED: &str = "hotline.acd.contact_abandoned";
pub const CONTACT_TRANSFERRED: &str = "hotline.acd.contact_transferred";
pub const CONTACT_HANDED_OVER: &str = "hotline.acd.contact_handed_over";

/// Skill levels run from 1 (novice) to 10 (expert).
pub const MAX_SKILL_LEVEL: u8 = 10;
/// The most contacts of one channel an agent may hold at once.
pub const MAX_CAPACITY_PER_CHANNEL: u32 = 20;
/// Customer priorities run from 0 (normal) to 9 (most important).
pub const MAX_PRIORITY: u8 = 9;
/// How long a contact transferred to a named agent waits for that agent before any agent of
/// the queue may take it.
pub const TRANSFER_RESERVATION_SECONDS: u32 = 60;
/// The presence reason given to an agent who let an offer time out.
pub const MISSED_OFFER_REASON: &str = "missed offer";

/// The stream holding a tenant's whole routing scope.
pub fn stream_id(tenant_id: Uuid) -> StreamId {
    StreamId::new(CONTEXT, tenant_id)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Voice,
    Chat,
    Email,
    Messaging,
}

/// What an agent is doing, as the agent (or a supervisor) set it. Only `available` agents
/// are offered contacts; `busy` is work outside the ACD (a direct call, say).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Presence {
    #[default]
    Offline,
    Available,
    NotReady {
        reason: String,
    },
    Break {
        reason: String,
    },
    Busy,
    AfterCallWork,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoutingStrategy {
    LongestIdle,
    SkillLevel,
    RoundRobin,
}

/// An agent's routing profile, as registered or updated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentProfile {
    pub agent_id: Uuid,
    /// Contacts of each channel the agent can hold at once; a channel left out is 0.
    pub capacity: BTreeMap<Channel, u32>,
    /// Skill name to level (1..=10).
    pub skills: BTreeMap<String, u8>,
    pub queue_ids: BTreeSet<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillRequirement {
    pub skill: String,
    pub minimum_level: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overflow {
    pub after_seconds: u32,
    pub to_queue_id: Uuid,
}

/// A queue's routing rules, as defined or redefined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueDefinition {
    pub queue_id: Uuid,
    pub name: String,
    pub strategy: RoutingStrategy,
    /// Agents below this skill level are not offered the queue's contacts.
    pub required_skill: Option<SkillRequirement>,
    /// VIP first: waiting contacts are ordered by customer priority before waiting time.
    pub customer_priority: bool,
    /// How long a returning customer's contact waits for their last agent.
    pub sticky_agent_seconds: Option<u32>,
    pub overflow: Option<Overflow>,
    pub offer_timeout_seconds: u32,
}

/// One command to a tenant's ACD, at the time it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcdCommand {
    pub tenant_id: Uuid,
    pub at: DateTime<Utc>,
    pub action: AcdAction,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AcdAction {
    /// A new agent starts `offline`.
    RegisterAgent(AgentProfile),
    UpdateAgent(AgentProfile),
    SetPresence {
        agent_id: Uuid,
        presence: Presence,
    },
    DefineQueue(QueueDefinition),
    EnqueueContact {
        contact_id: Uuid,
        channel: Channel,
        queue_id: Uuid,
        /// 0 (normal) to 9.
        priority: u8,
        /// Who the customer is, for sticky agent: an opaque customer id, not a phone number or an
        /// email (the log must not hold personal data it cannot forget).
        customer_key: Option<String>,
    },
    AcceptOffer {
        contact_id: Uuid,
        agent_id: Uuid,
    },
    RejectOffer {
        contact_id: Uuid,
        agent_id: Uuid,
    },
    /// The customer left (hung up, closed the chat) before an agent accepted.
    AbandonContact {
        contact_id: Uuid,
    },
    /// The agent is done with the contact; `after_call_work` puts them into wrap-up.
    FinishContact {
        contact_id: Uuid,
        agent_id: Uuid,
        after_call_work: bool,
    },
    /// The agent hands an assigned contact on: to a queue, or to a named agent (who gets it
    /// first for [`TRANSFER_RESERVATION_SECONDS`], in a queue of theirs, then anyone there).
    TransferContact {
        contact_id: Uuid,
        agent_id: Uuid,
        to: TransferTarget,
    },
    /// An attended transfer completed: the contact moves from the agent who has it to the one
    /// they consulted, at once and without queueing — the consulted agent already agreed on the
    /// phone. Any presence of theirs is accepted (they may have been made busy while consulted),
    /// and their capacity is not checked.
    HandOverContact {
        contact_id: Uuid,
        from_agent_id: Uuid,
        to_agent_id: Uuid,
    },
    /// Time passes: offers time out, sticky waits end, contacts overflow.
    Tick,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TransferTarget {
    Queue { queue_id: Uuid },
    Agent { agent_id: Uuid },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AcdEvent {
    AgentRegistered(AgentRegistered),
    AgentUpdated(AgentRegistered),
    AgentPresenceChanged(AgentPresenceChanged),
    QueueDefined(QueueDefined),
    ContactQueued(ContactQueued),
    ContactOffered(ContactOffered),
    OfferAccepted(OfferAnswered),
    OfferRejected(OfferAnswered),
    OfferTimedOut(OfferAnswered),
    StickyWaitEnded(StickyWaitEnded),
    ContactOverflowed(ContactOverflowed),
    ContactFinished(ContactFinished),
    ContactAbandoned(ContactAbandoned),
    ContactTransferred(ContactTransferred),
    ContactHandedOver(ContactHandedOver),
}

/// An agent's profile as registered or updated (all of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentRegistered {
    pub agent: AgentProfile,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentPresenceChanged {
    pub agent_id: Uuid,
    pub previous: Presence,
    pub presence: Presence,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueDefined {
    pub queue: QueueDefinition,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactQueued {
    pub contact_id: Uuid,
    pub channel: Channel,
    pub queue_id: Uuid,
    pub priority: u8,
    pub customer_key: Option<String>,
    /// The sticky agent the contact waits for, and until when.
    pub reserved_for: Option<Uuid>,
    pub reserved_until: Option<DateTime<Utc>>,
    /// When it moves to the queue's overflow queue if still waiting, and which queue that is.
    pub overflow_at: Option<DateTime<Utc>>,
    pub overflow_to_queue_id: Option<Uuid>,
    pub at: DateTime<Utc>,
}

/// Why this agent got this contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferRule {
    /// The queue's strategy ranked this agent first among the free agents.
    Strategy,
    /// The customer's last agent, within the queue's sticky timeout.
    StickyAgent,
    /// The agent became free and this was the most urgent contact waiting in its queues.
    NextForFreedAgent,
    /// Only agents who had already rejected or missed this contact were free.
    OnlyDeclinedAgentsFree,
}

/// The reason carried by every offer: the rule that applied and the facts it weighed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferReason {
    pub rule: OfferRule,
    pub strategy: RoutingStrategy,
    /// Since when the agent had been idle (last contact finished, or became available).
    pub agent_idle_since: DateTime<Utc>,
    /// Contacts of this channel the agent held before this offer.
    pub agent_load: u32,
    /// The agent's level in the queue's required skill, if the queue requires one.
    pub skill_level: Option<u8>,
    pub contact_priority: u8,
    pub contact_queued_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactOffered {
    pub contact_id: Uuid,
    pub agent_id: Uuid,
    pub queue_id: Uuid,
    pub channel: Channel,
    pub expires_at: DateTime<Utc>,
    pub reason: OfferReason,
    pub at: DateTime<Utc>,
}

/// An offer accepted, rejected or timed out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferAnswered {
    pub contact_id: Uuid,
    pub agent_id: Uuid,
    pub at: DateTime<Utc>,
}

/// The contact stops waiting for its sticky agent; any agent of the queue may now take it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StickyWaitEnded {
    pub contact_id: Uuid,
    pub agent_id: Uuid,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactOverflowed {
    pub contact_id: Uuid,
    pub from_queue_id: Uuid,
    pub to_queue_id: Uuid,
    pub reserved_for: Option<Uuid>,
    pub reserved_until: Option<DateTime<Utc>>,
    pub overflow_at: Option<DateTime<Utc>>,
    pub overflow_to_queue_id: Option<Uuid>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactFinished {
    pub contact_id: Uuid,
    pub agent_id: Uuid,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactAbandoned {
    pub contact_id: Uuid,
    pub queue_id: Uuid,
    /// The agent it was offered to when the customer left, if any.
    pub agent_id: Option<Uuid>,
    pub at: DateTime<Utc>,
}

/// An assigned contact handed on by its agent; it waits again, in `queue_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactTransferred {
    pub contact_id: Uuid,
    pub from_agent_id: Uuid,
    pub to: TransferTarget,
    pub queue_id: Uuid,
    /// The named agent it waits for first, and until when.
    pub reserved_for: Option<Uuid>,
    pub reserved_until: Option<DateTime<Utc>>,
    pub overflow_at: Option<DateTime<Utc>>,
    pub overflow_to_queue_id: Option<Uuid>,
    pub at: DateTime<Utc>,
}

/// An assigned contact moved from one agent to another at once (attended transfer): it stays
/// assigned, now to `to_agent_id`, in its queue and channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactHandedOver {
    pub contact_id: Uuid,
    /// The contact's queue.
    pub queue_id: Uuid,
    pub channel: Channel,
    pub from_agent_id: Uuid,
    pub to_agent_id: Uuid,
    pub at: DateTime<Utc>,
}

const EVENT_TYPES: [&str; 15] = [
    AGENT_REGISTERED,
    AGENT_UPDATED,
    AGENT_PRESENCE_CHANGED,
    QUEUE_DEFINED,
    CONTACT_QUEUED,
    CONTACT_OFFERED,
    OFFER_ACCEPTED,
    OFFER_REJECTED,
    OFFER_TIMED_OUT,
    STICKY_WAIT_ENDED,
    CONTACT_OVERFLOWED,
    CONTACT_FINISHED,
    CONTACT_ABANDONED,
    CONTACT_TRANSFERRED,
    CONTACT_HANDED_OVER,
];

impl DomainEvent for AcdEvent {
    fn event_type(&self) -> &'static str {
        match self {
            AcdEvent::AgentRegistered(_) => AGENT_REGISTERED,
            AcdEvent::AgentUpdated(_) => AGENT_UPDATED,
            AcdEvent::AgentPresenceChanged(_) => AGENT_PRESENCE_CHANGED,
            AcdEvent::QueueDefined(_) => QUEUE_DEFINED,
            AcdEvent::ContactQueued(_) => CONTACT_QUEUED,
            AcdEvent::ContactOffered(_) => CONTACT_OFFERED,
            AcdEvent::OfferAccepted(_) => OFFER_ACCEPTED,
            AcdEvent::OfferRejected(_) => OFFER_REJECTED,
            AcdEvent::OfferTimedOut(_) => OFFER_TIMED_OUT,
            AcdEvent::StickyWaitEnded(_) => STICKY_WAIT_ENDED,
            AcdEvent::ContactOverflowed(_) => CONTACT_OVERFLOWED,
            AcdEvent::ContactFinished(_) => CONTACT_FINISHED,
            AcdEvent::ContactAbandoned(_) => CONTACT_ABANDONED,
            AcdEvent::ContactTransferred(_) => CONTACT_TRANSFERRED,
            AcdEvent::ContactHandedOver(_) => CONTACT_HANDED_OVER,
        }
    }

    fn schema_version(&self) -> u32 {
        1
    }

    fn to_payload(&self) -> Value {
        let payload = match self {
            AcdEvent::AgentRegistered(event) | AcdEvent::AgentUpdated(event) => serde_json::to_value(event),
            AcdEvent::AgentPresenceChanged(event) => serde_json::to_value(event),
            AcdEvent::QueueDefined(event) => serde_json::to_value(event),
            AcdEvent::ContactQueued(event) => serde_json::to_value(event),
            AcdEvent::ContactOffered(event) => serde_json::to_value(event),
            AcdEvent::OfferAccepted(event) | AcdEvent::OfferRejected(event) | AcdEvent::OfferTimedOut(event) => {
                serde_json::to_value(event)
            }
            AcdEvent::StickyWaitEnded(event) => serde_json::to_value(event),
            AcdEvent::ContactOverflowed(event) => serde_json::to_value(event),
            AcdEvent::ContactFinished(event) => serde_json::to_value(event),
            AcdEvent::ContactAbandoned(event) => serde_json::to_value(event),
            AcdEvent::ContactTransferred(event) => serde_json::to_value(event),
            AcdEvent::ContactHandedOver(event) => serde_json::to_value(event),
        };
        payload.expect("plain struct serialises")
    }

    fn from_stored(event_type: &str, schema_version: u32, payload: &Value) -> Result<Self, UpcastError> {
        UpcastError::check_first_version(&EVENT_TYPES, event_type, schema_version)?;
        match event_type {
            AGENT_REGISTERED => read_payload(event_type, 1, payload, AcdEvent::AgentRegistered),
            AGENT_UPDATED => read_payload(event_type, 1, payload, AcdEvent::AgentUpdated),
            AGENT_PRESENCE_CHANGED => read_payload(event_type, 1, payload, AcdEvent::AgentPresenceChanged),
            QUEUE_DEFINED => read_payload(event_type, 1, payload, AcdEvent::QueueDefined),
            CONTACT_QUEUED => read_payload(event_type, 1, payload, AcdEvent::ContactQueued),
            CONTACT_OFFERED => read_payload(event_type, 1, payload, AcdEvent::ContactOffered),
            OFFER_ACCEPTED => read_payload(event_type, 1, payload, AcdEvent::OfferAccepted),
            OFFER_REJECTED => read_payload(event_type, 1, payload, AcdEvent::OfferRejected),
            OFFER_TIMED_OUT => read_payload(event_type, 1, payload, AcdEvent::OfferTimedOut),
            STICKY_WAIT_ENDED => read_payload(event_type, 1, payload, AcdEvent::StickyWaitEnded),
            CONTACT_OVERFLOWED => read_payload(event_type, 1, payload, AcdEvent::ContactOverflowed),
            CONTACT_FINISHED => read_payload(event_type, 1, payload, AcdEvent::ContactFinished),
            CONTACT_TRANSFERRED => read_payload(event_type, 1, payload, AcdEvent::ContactTransferred),
            CONTACT_HANDED_OVER => read_payload(event_type, 1, payload, AcdEvent::ContactHandedOver),
            _ => read_payload(event_type, 1, payload, AcdEvent::ContactAbandoned),
        }
    }
}

fn validate_profile(profile: &AgentProfile, state: &AcdState) -> Result<(), DomainError> {
    if let Some((channel, capacity)) =
        profile.capacity.iter().find(|(_, capacity)| **capacity > MAX_CAPACITY_PER_CHANNEL)
    {
        return Err(DomainError::new(
            "acd.invalid_capacity",
            format!("{channel:?} capacity {capacity} is over the limit of {MAX_CAPACITY_PER_CHANNEL}"),
        ));
    }
    for (skill, level) in &profile.skills {
        validate_skill_name(skill)?;
        validate_skill_level(*level)?;
    }
    if let Some(unknown) = profile.queue_ids.iter().find(|queue_id| !state.queues.contains_key(queue_id)) {
        return Err(queue_not_found(*unknown));
    }
    Ok(())
}

fn validate_skill_name(skill: &str) -> Result<(), DomainError> {
    if skill.trim().is_empty() || skill.trim() != skill || skill.chars().count() > 64 {
        return Err(DomainError::new(
            "acd.invalid_skill",
            "a skill name is 1 to 64 characters with no leading or trailing spaces",
        ));
    }
    Ok(())
}

fn validate_skill_level(level: u8) -> Result<(), DomainError> {
    if !(1..=MAX_SKILL_LEVEL).contains(&level) {
        return Err(DomainError::new(
            "acd.invalid_skill_level",
            format!("a skill level is 1 to {MAX_SKILL_LEVEL}, not {level}"),
        ));
    }
    Ok(())
}

fn validate_queue(queue: &QueueDefinition, state: &AcdState) -> Result<(), DomainError> {
    let name = queue.name.trim();
    if name.is_empty() || name != queue.name || name.chars().count() > 120 {
        return Err(DomainError::new(
            "acd.invalid_queue_name",
            "a queue name is 1 to 120 characters with no leading or trailing spaces",
        ));
    }
    if let Some(requirement) = &queue.required_skill {
        validate_skill_name(&requirement.skill)?;
        validate_skill_level(requirement.minimum_level)?;
    }
    let timeouts = [
        Some(queue.offer_timeout_seconds),
        queue.sticky_agent_seconds,
        queue.overflow.as_ref().map(|o| o.after_seconds),
    ];
    if timeouts.into_iter().flatten().any(|seconds| seconds == 0 || seconds > 86_400) {
        return Err(DomainError::new("acd.invalid_timeout", "timeouts are 1 second to 1 day"));
    }
    if let Some(overflow) = &queue.overflow {
        if overflow.to_queue_id == queue.queue_id {
            return Err(DomainError::new("acd.overflow_to_itself", "a queue cannot overflow into itself"));
        }
        if !state.queues.contains_key(&overflow.to_queue_id) {
            return Err(queue_not_found(overflow.to_queue_id));
        }
    }
    Ok(())
}

fn queue_not_found(queue_id: Uuid) -> DomainError {
    DomainError::new("acd.queue_not_found", format!("no queue {queue_id}"))
}

fn agent_not_found(agent_id: Uuid) -> DomainError {
    DomainError::new("acd.agent_not_found", format!("no agent {agent_id}"))
}

fn contact_not_found(contact_id: Uuid) -> DomainError {
    DomainError::new("acd.contact_not_found", format!("no contact {contact_id} is queued, offered or assigned"))
}

pub struct Acd;

impl Decider for Acd {
    type State = AcdState;
    type Command = AcdCommand;
    type Event = AcdEvent;

    fn stream_id(command: &AcdCommand) -> StreamId {
        stream_id(command.tenant_id)
    }

    fn decide(state: &AcdState, command: &AcdCommand) -> Result<Vec<AcdEvent>, DomainError> {
        routing::decide(state, command)
    }

    fn evolve(state: AcdState, event: &AcdEvent) -> AcdState {
        state.evolve(event)
    }
}

#[cfg(test)]
mod tests;
