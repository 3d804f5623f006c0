//! The routing scope as the decider knows it, and how each event changes it.
//!
//! Besides agents, queues and contacts, the state keeps indexes that `evolve` maintains so
//! that a decision reads a few entries instead of scanning: free agents per (queue, channel)
//! in the queue's strategy order, waiting contacts per (queue, channel) in service order, and
//! the deadlines a `Tick` looks for. They are derived from the events only, so replaying the
//! log rebuilds them exactly.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{AcdEvent, AgentProfile, Channel, ContactQueued, Presence, QueueDefinition, RoutingStrategy};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    pub agent_id: Uuid,
    pub capacity: BTreeMap<Channel, u32>,
    pub skills: BTreeMap<String, u8>,
    pub queue_ids: BTreeSet<Uuid>,
    pub presence: Presence,
    /// When the agent entered the current presence (for "time in state").
    pub presence_since: DateTime<Utc>,
    /// When the agent last finished a contact or became available, whichever is later.
    pub idle_since: DateTime<Utc>,
    /// The contacts offered to or assigned to the agent, with their channels.
    pub contacts: BTreeMap<Uuid, Channel>,
}

impl Agent {
    pub(crate) fn new(profile: &AgentProfile, at: DateTime<Utc>) -> Self {
        Self {
            agent_id: profile.agent_id,
            capacity: profile.capacity.clone(),
            skills: profile.skills.clone(),
            queue_ids: profile.queue_ids.clone(),
            presence: Presence::Offline,
            presence_since: at,
            idle_since: at,
            contacts: BTreeMap::new(),
        }
    }

    pub fn profile(&self) -> AgentProfile {
        AgentProfile {
            agent_id: self.agent_id,
            capacity: self.capacity.clone(),
            skills: self.skills.clone(),
            queue_ids: self.queue_ids.clone(),
        }
    }

    /// Contacts of `channel` the agent holds (offered or assigned).
    pub fn load(&self, channel: Channel) -> u32 {
        self.contacts.values().filter(|held| **held == channel).count() as u32
    }

    pub fn capacity_for(&self, channel: Channel) -> u32 {
        self.capacity.get(&channel).copied().unwrap_or(0)
    }

    pub fn has_room(&self, channel: Channel) -> bool {
        self.load(channel) < self.capacity_for(channel)
    }

    pub fn skill_level(&self, skill: &str) -> Option<u8> {
        self.skills.get(skill).copied()
    }

    pub(crate) fn apply(&mut self, event: &AcdEvent) {
        match event {
            AcdEvent::AgentUpdated(updated) => {
                self.capacity = updated.agent.capacity.clone();
                self.skills = updated.agent.skills.clone();
                self.queue_ids = updated.agent.queue_ids.clone();
            }
            AcdEvent::AgentPresenceChanged(changed) => {
                if changed.presence == Presence::Available && self.presence != Presence::Available {
                    self.idle_since = changed.at;
                }
                self.presence = changed.presence.clone();
                self.presence_since = changed.at;
            }
            AcdEvent::ContactOffered(offered) => {
                self.contacts.insert(offered.contact_id, offered.channel);
            }
            AcdEvent::OfferRejected(answer) | AcdEvent::OfferTimedOut(answer) => {
                self.contacts.remove(&answer.contact_id);
            }
            AcdEvent::ContactFinished(finished) => {
                self.contacts.remove(&finished.contact_id);
                self.idle_since = finished.at;
            }
            AcdEvent::ContactAbandoned(abandoned) => {
                self.contacts.remove(&abandoned.contact_id);
            }
            AcdEvent::ContactTransferred(transferred) => {
                self.contacts.remove(&transferred.contact_id);
                self.idle_since = transferred.at;
            }
            AcdEvent::ContactHandedOver(handed) if handed.from_agent_id == self.agent_id => {
                self.contacts.remove(&handed.contact_id);
                self.idle_since = handed.at;
            }
            AcdEvent::ContactHandedOver(handed) if handed.to_agent_id == self.agent_id => {
                self.contacts.insert(handed.contact_id, handed.channel);
            }
            _ => {}
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queue {
    pub definition: QueueDefinition,
    /// The agents who list this queue.
    pub members: BTreeSet<Uuid>,
    /// The agent of the queue's last offer (where round robin continues).
    pub last_offered_agent: Option<Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactStatus {
    Waiting,
    Offered { agent_id: Uuid, expires_at: DateTime<Utc> },
    Assigned { agent_id: Uuid },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub contact_id: Uuid,
    pub channel: Channel,
    pub queue_id: Uuid,
    pub priority: u8,
    pub customer_key: Option<String>,
    /// When it was first queued (waiting time counts from here, across overflows).
    pub queued_at: DateTime<Utc>,
    /// When it entered its current queue.
    pub queue_entered_at: DateTime<Utc>,
    pub reserved_for: Option<Uuid>,
    pub reserved_until: Option<DateTime<Utc>>,
    pub overflow_at: Option<DateTime<Utc>>,
    pub overflow_to_queue_id: Option<Uuid>,
    /// Agents who rejected the contact or let its offer time out.
    pub declined_by: BTreeSet<Uuid>,
    pub status: ContactStatus,
}

impl Contact {
    pub(crate) fn queued(queued: &ContactQueued) -> Self {
        Self {
            contact_id: queued.contact_id,
            channel: queued.channel,
            queue_id: queued.queue_id,
            priority: queued.priority,
            customer_key: queued.customer_key.clone(),
            queued_at: queued.at,
            queue_entered_at: queued.at,
            reserved_for: queued.reserved_for,
            reserved_until: queued.reserved_until,
            overflow_at: queued.overflow_at,
            overflow_to_queue_id: queued.overflow_to_queue_id,
            declined_by: BTreeSet::new(),
            status: ContactStatus::Waiting,
        }
    }

    /// Applies the event; `false` when the contact leaves the ACD.
    pub(crate) fn apply(&mut self, event: &AcdEvent) -> bool {
        match event {
            AcdEvent::ContactOffered(offered) => {
                self.status = ContactStatus::Offered { agent_id: offered.agent_id, expires_at: offered.expires_at };
            }
            AcdEvent::OfferAccepted(answer) => self.status = ContactStatus::Assigned { agent_id: answer.agent_id },
            AcdEvent::ContactHandedOver(handed) => {
                self.status = ContactStatus::Assigned { agent_id: handed.to_agent_id };
            }
            AcdEvent::OfferRejected(answer) | AcdEvent::OfferTimedOut(answer) => {
                self.status = ContactStatus::Waiting;
                self.declined_by.insert(answer.agent_id);
                self.reserved_for = None;
                self.reserved_until = None;
            }
            AcdEvent::StickyWaitEnded(_) => {
                self.reserved_for = None;
                self.reserved_until = None;
            }
            AcdEvent::ContactOverflowed(overflowed) => {
                self.queue_id = overflowed.to_queue_id;
                self.queue_entered_at = overflowed.at;
                self.reserved_for = overflowed.reserved_for;
                self.reserved_until = overflowed.reserved_until;
                self.overflow_at = overflowed.overflow_at;
                self.overflow_to_queue_id = overflowed.overflow_to_queue_id;
            }
            AcdEvent::ContactTransferred(transferred) => {
                self.status = ContactStatus::Waiting;
                self.queue_id = transferred.queue_id;
                self.queue_entered_at = transferred.at;
                self.declined_by.clear();
                self.reserved_for = transferred.reserved_for;
                self.reserved_until = transferred.reserved_until;
                self.overflow_at = transferred.overflow_at;
                self.overflow_to_queue_id = transferred.overflow_to_queue_id;
            }
            AcdEvent::ContactFinished(_) | AcdEvent::ContactAbandoned(_) => return false,
            _ => {}
        }
        true
    }
}

/// A free agent's place in a queue's order: smallest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct AgentRank {
    pub skill: Reverse<u8>,
    pub load: u32,
    pub idle_since: DateTime<Utc>,
    pub agent_id: Uuid,
}

impl AgentRank {
    /// The key of an agent in a round-robin queue: the agent id alone.
    pub fn round_robin(agent_id: Uuid) -> Self {
        Self { skill: Reverse(0), load: 0, idle_since: DateTime::<Utc>::MIN_UTC, agent_id }
    }
}

/// A waiting contact's place in a queue: smallest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct WaitingRank {
    pub priority: Reverse<u8>,
    pub queued_at: DateTime<Utc>,
    pub contact_id: Uuid,
}

pub(crate) fn meets_skill(definition: &QueueDefinition, agent: &Agent) -> bool {
    definition
        .required_skill
        .as_ref()
        .is_none_or(|required| agent.skill_level(&required.skill).is_some_and(|level| level >= required.minimum_level))
}

/// The agent's rank in the queue for `channel`, if the agent may be offered one now
/// (membership is the caller's to check).
pub(crate) fn agent_rank(definition: &QueueDefinition, agent: &Agent, channel: Channel) -> Option<AgentRank> {
    if agent.presence != Presence::Available || !agent.has_room(channel) || !meets_skill(definition, agent) {
        return None;
    }
    let rank = match definition.strategy {
        RoutingStrategy::RoundRobin => AgentRank::round_robin(agent.agent_id),
        RoutingStrategy::LongestIdle => AgentRank {
            skill: Reverse(0),
            load: agent.load(channel),
            idle_since: agent.idle_since,
            agent_id: agent.agent_id,
        },
        RoutingStrategy::SkillLevel => {
            let level = definition.required_skill.as_ref().and_then(|required| agent.skill_level(&required.skill));
            AgentRank {
                skill: Reverse(level.unwrap_or(0)),
                load: agent.load(channel),
                idle_since: agent.idle_since,
                agent_id: agent.agent_id,
            }
        }
    };
    Some(rank)
}

pub(crate) fn waiting_rank(definition: &QueueDefinition, contact: &Contact) -> WaitingRank {
    let priority = if definition.customer_priority { contact.priority } else { 0 };
    WaitingRank { priority: Reverse(priority), queued_at: contact.queued_at, contact_id: contact.contact_id }
}

/// The agents whose state the event changes (a hand-over changes two).
pub(crate) fn touched_agents(event: &AcdEvent) -> [Option<Uuid>; 2] {
    let agent_id = match event {
        AcdEvent::AgentRegistered(registered) | AcdEvent::AgentUpdated(registered) => Some(registered.agent.agent_id),
        AcdEvent::AgentPresenceChanged(changed) => Some(changed.agent_id),
        AcdEvent::ContactOffered(offered) => Some(offered.agent_id),
        AcdEvent::OfferRejected(answer) | AcdEvent::OfferTimedOut(answer) => Some(answer.agent_id),
        AcdEvent::ContactFinished(finished) => Some(finished.agent_id),
        AcdEvent::ContactAbandoned(abandoned) => abandoned.agent_id,
        AcdEvent::ContactTransferred(transferred) => Some(transferred.from_agent_id),
        AcdEvent::QueueDefined(_)
        | AcdEvent::ContactQueued(_)
        | AcdEvent::OfferAccepted(_)
        | AcdEvent::StickyWaitEnded(_)
        | AcdEvent::ContactOverflowed(_) => None,
        AcdEvent::ContactHandedOver(handed) => return [Some(handed.from_agent_id), Some(handed.to_agent_id)],
    };
    [agent_id, None]
}

/// The contact whose state the event changes, if any.
pub(crate) fn touched_contact(event: &AcdEvent) -> Option<Uuid> {
    match event {
        AcdEvent::ContactQueued(queued) => Some(queued.contact_id),
        AcdEvent::ContactOffered(offered) => Some(offered.contact_id),
        AcdEvent::OfferAccepted(answer) | AcdEvent::OfferRejected(answer) | AcdEvent::OfferTimedOut(answer) => {
            Some(answer.contact_id)
        }
        AcdEvent::StickyWaitEnded(ended) => Some(ended.contact_id),
        AcdEvent::ContactOverflowed(overflowed) => Some(overflowed.contact_id),
        AcdEvent::ContactFinished(finished) => Some(finished.contact_id),
        AcdEvent::ContactAbandoned(abandoned) => Some(abandoned.contact_id),
        AcdEvent::ContactTransferred(transferred) => Some(transferred.contact_id),
        AcdEvent::ContactHandedOver(handed) => Some(handed.contact_id),
        AcdEvent::AgentRegistered(_)
        | AcdEvent::AgentUpdated(_)
        | AcdEvent::AgentPresenceChanged(_)
        | AcdEvent::QueueDefined(_) => None,
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AcdState {
    pub agents: BTreeMap<Uuid, Agent>,
    pub queues: BTreeMap<Uuid, Queue>,
    /// Contacts waiting, offered or assigned; a finished or abandoned contact leaves.
    pub contacts: BTreeMap<Uuid, Contact>,
    /// The agent who last accepted a contact of each customer (for sticky agent).
    pub last_agent_by_customer: BTreeMap<String, Uuid>,
    pub(crate) free_agents: BTreeMap<(Uuid, Channel), BTreeSet<AgentRank>>,
    pub(crate) waiting: BTreeMap<(Uuid, Channel), BTreeSet<WaitingRank>>,
    pub(crate) offer_deadlines: BTreeSet<(DateTime<Utc>, Uuid)>,
    pub(crate) sticky_deadlines: BTreeSet<(DateTime<Utc>, Uuid)>,
    pub(crate) overflow_deadlines: BTreeSet<(DateTime<Utc>, Uuid)>,
}

impl AcdState {
    /// Contacts of a queue waiting for an agent, in the order they will be served.
    pub fn waiting_in(&self, queue_id: Uuid, channel: Channel) -> Vec<Uuid> {
        self.waiting.get(&(queue_id, channel)).into_iter().flatten().map(|rank| rank.contact_id).collect()
    }

    /// Agents of a queue who could be offered a contact of `channel` now, best first (for
    /// round robin: in agent id order, before the rotation is applied).
    pub fn free_agents_in(&self, queue_id: Uuid, channel: Channel) -> Vec<Uuid> {
        self.free_agents.get(&(queue_id, channel)).into_iter().flatten().map(|rank| rank.agent_id).collect()
    }

    /// The earliest time at which a `Tick` would change something (an offer times out, a
    /// sticky wait ends, a contact overflows), if any.
    pub fn next_deadline(&self) -> Option<DateTime<Utc>> {
        [&self.offer_deadlines, &self.sticky_deadlines, &self.overflow_deadlines]
            .into_iter()
            .filter_map(|deadlines| deadlines.first().map(|(at, _)| *at))
            .min()
    }

    pub(crate) fn evolve(mut self, event: &AcdEvent) -> Self {
        match event {
            AcdEvent::QueueDefined(defined) => self.define_queue(&defined.queue),
            AcdEvent::ContactOffered(offered) => {
                if let Some(queue) = self.queues.get_mut(&offered.queue_id) {
                    queue.last_offered_agent = Some(offered.agent_id);
                }
            }
            AcdEvent::OfferAccepted(accepted) => {
                let customer_key = self.contacts.get(&accepted.contact_id).and_then(|c| c.customer_key.clone());
                if let Some(customer_key) = customer_key {
                    self.last_agent_by_customer.insert(customer_key, accepted.agent_id);
                }
            }
            // The agent who took the contact over is the customer's last agent now.
            AcdEvent::ContactHandedOver(handed) => {
                let customer_key = self.contacts.get(&handed.contact_id).and_then(|c| c.customer_key.clone());
                if let Some(customer_key) = customer_key {
                    self.last_agent_by_customer.insert(customer_key, handed.to_agent_id);
                }
            }
            _ => {}
        }
        for agent_id in touched_agents(event).into_iter().flatten() {
            self.evolve_agent(agent_id, event);
        }
        if let Some(contact_id) = touched_contact(event) {
            self.evolve_contact(contact_id, event);
        }
        self
    }

    fn evolve_agent(&mut self, agent_id: Uuid, event: &AcdEvent) {
        if let AcdEvent::AgentRegistered(registered) = event {
            let agent = Agent::new(&registered.agent, registered.at);
            self.set_membership(agent_id, &BTreeSet::new(), &agent.queue_ids);
            self.index_agent(&agent);
            self.agents.insert(agent_id, agent);
            return;
        }
        let Some(mut agent) = self.agents.remove(&agent_id) else {
            debug_assert!(false, "an event names agent {agent_id}, who is not registered");
            return;
        };
        self.unindex_agent(&agent);
        if let AcdEvent::AgentUpdated(updated) = event {
            self.set_membership(agent_id, &agent.queue_ids, &updated.agent.queue_ids);
        }
        agent.apply(event);
        self.index_agent(&agent);
        self.agents.insert(agent_id, agent);
    }

    fn set_membership(&mut self, agent_id: Uuid, before: &BTreeSet<Uuid>, after: &BTreeSet<Uuid>) {
        for queue_id in before.difference(after) {
            if let Some(queue) = self.queues.get_mut(queue_id) {
                queue.members.remove(&agent_id);
            }
        }
        for queue_id in after.difference(before) {
            if let Some(queue) = self.queues.get_mut(queue_id) {
                queue.members.insert(agent_id);
            }
        }
    }

    fn evolve_contact(&mut self, contact_id: Uuid, event: &AcdEvent) {
        if let AcdEvent::ContactQueued(queued) = event {
            let contact = Contact::queued(queued);
            self.index_contact(&contact);
            self.contacts.insert(contact_id, contact);
            return;
        }
        let Some(mut contact) = self.contacts.remove(&contact_id) else {
            debug_assert!(false, "an event names contact {contact_id}, which is not in the ACD");
            return;
        };
        self.unindex_contact(&contact);
        if contact.apply(event) {
            self.index_contact(&contact);
            self.contacts.insert(contact_id, contact);
        }
    }

    fn define_queue(&mut self, definition: &QueueDefinition) {
        let queue_id = definition.queue_id;
        let queue = self.queues.entry(queue_id).or_insert_with(|| Queue {
            definition: definition.clone(),
            members: BTreeSet::new(),
            last_offered_agent: None,
        });
        queue.definition = definition.clone();
        // The order of both indexes depends on the definition: rebuild this queue's.
        self.free_agents.retain(|(indexed_queue, _), _| *indexed_queue != queue_id);
        let members: Vec<Uuid> = queue.members.iter().copied().collect();
        for agent_id in members {
            if let Some(agent) = self.agents.get(&agent_id) {
                for &channel in agent.capacity.keys() {
                    if let Some(rank) = agent_rank(definition, agent, channel) {
                        self.free_agents.entry((queue_id, channel)).or_default().insert(rank);
                    }
                }
            }
        }
        let waiting: Vec<Uuid> = self
            .waiting
            .iter()
            .filter(|((indexed_queue, _), _)| *indexed_queue == queue_id)
            .flat_map(|(_, ranks)| ranks.iter().map(|rank| rank.contact_id))
            .collect();
        self.waiting.retain(|(indexed_queue, _), _| *indexed_queue != queue_id);
        for contact_id in waiting {
            if let Some(contact) = self.contacts.get(&contact_id) {
                let rank = waiting_rank(definition, contact);
                self.waiting.entry((queue_id, contact.channel)).or_default().insert(rank);
            }
        }
    }

    fn agent_entries(&self, agent: &Agent) -> Vec<((Uuid, Channel), AgentRank)> {
        let mut entries = Vec::new();
        for queue_id in &agent.queue_ids {
            let Some(queue) = self.queues.get(queue_id) else { continue };
            for &channel in agent.capacity.keys() {
                if let Some(rank) = agent_rank(&queue.definition, agent, channel) {
                    entries.push(((*queue_id, channel), rank));
                }
            }
        }
        entries
    }

    fn index_agent(&mut self, agent: &Agent) {
        for (key, rank) in self.agent_entries(agent) {
            self.free_agents.entry(key).or_default().insert(rank);
        }
    }

    fn unindex_agent(&mut self, agent: &Agent) {
        for (key, rank) in self.agent_entries(agent) {
            if let Some(ranks) = self.free_agents.get_mut(&key) {
                ranks.remove(&rank);
                if ranks.is_empty() {
                    self.free_agents.remove(&key);
                }
            }
        }
    }

    fn index_contact(&mut self, contact: &Contact) {
        match contact.status {
            ContactStatus::Waiting => {
                if let Some(queue) = self.queues.get(&contact.queue_id) {
                    let rank = waiting_rank(&queue.definition, contact);
                    self.waiting.entry((contact.queue_id, contact.channel)).or_default().insert(rank);
                }
                if let Some(until) = contact.reserved_until {
                    self.sticky_deadlines.insert((until, contact.contact_id));
                }
                if let Some(overflow_at) = contact.overflow_at {
                    self.overflow_deadlines.insert((overflow_at, contact.contact_id));
                }
            }
            ContactStatus::Offered { expires_at, .. } => {
                self.offer_deadlines.insert((expires_at, contact.contact_id));
            }
            ContactStatus::Assigned { .. } => {}
        }
    }

    fn unindex_contact(&mut self, contact: &Contact) {
        match contact.status {
            ContactStatus::Waiting => {
                let key = (contact.queue_id, contact.channel);
                if let (Some(queue), Some(ranks)) = (self.queues.get(&contact.queue_id), self.waiting.get_mut(&key)) {
                    ranks.remove(&waiting_rank(&queue.definition, contact));
                    if ranks.is_empty() {
                        self.waiting.remove(&key);
                    }
                }
                if let Some(until) = contact.reserved_until {
                    self.sticky_deadlines.remove(&(until, contact.contact_id));
                }
                if let Some(overflow_at) = contact.overflow_at {
                    self.overflow_deadlines.remove(&(overflow_at, contact.contact_id));
                }
            }
            ContactStatus::Offered { expires_at, .. } => {
                self.offer_deadlines.remove(&(expires_at, contact.contact_id));
            }
            ContactStatus::Assigned { .. } => {}
        }
    }
}
