//! `decide` for the ACD: checks the command, emits its own events, then matches what the
//! change made possible (a new contact, a freed agent, a contact back in its queue).
//!
//! A decision cannot change the state it reads, yet a command may cause several offers that
//! each depend on the ones before (an agent with room for three chats takes three contacts).
//! So the decision keeps an overlay: copies of the few agents and contacts its events have
//! touched so far, changed by the same `apply` functions `evolve` uses. A lookup reads the
//! overlay first and the state's indexes second, skipping index entries the overlay has
//! made stale; the overlay's own agents and contacts are weighed beside them.
//!
//! After every command the routing is settled: no contact waits while an agent who may take
//! it (member of its queue, available, with room on its channel, skilled enough, and the
//! sticky agent if it is reserved for one) is free.

use std::collections::BTreeMap;
use std::ops::Bound::{Excluded, Unbounded};

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::state::{AgentRank, WaitingRank, agent_rank, meets_skill, touched_agents, touched_contact, waiting_rank};
use super::{
    AcdAction, AcdCommand, AcdEvent, AcdState, Agent, AgentPresenceChanged, AgentRegistered, Channel, Contact,
    ContactAbandoned, ContactFinished, ContactHandedOver, ContactOffered, ContactOverflowed, ContactQueued,
    ContactStatus, ContactTransferred, MAX_PRIORITY, MISSED_OFFER_REASON, OfferAnswered, OfferReason, OfferRule,
    Presence, QueueDefined, QueueDefinition, RoutingStrategy, StickyWaitEnded, TRANSFER_RESERVATION_SECONDS,
    TransferTarget, agent_not_found, contact_not_found, queue_not_found, validate_profile, validate_queue,
};
use crate::DomainError;

pub(super) fn decide(state: &AcdState, command: &AcdCommand) -> Result<Vec<AcdEvent>, DomainError> {
    let at = command.at;
    let mut decision = Decision::new(state, at);
    match &command.action {
        AcdAction::RegisterAgent(profile) => {
            if state.agents.contains_key(&profile.agent_id) {
                return Err(DomainError::new("acd.agent_exists", format!("agent {} is registered", profile.agent_id)));
            }
            validate_profile(profile, state)?;
            // A new agent is offline: there is nothing to match yet.
            decision.push(AcdEvent::AgentRegistered(AgentRegistered { agent: profile.clone(), at }));
        }
        AcdAction::UpdateAgent(profile) => {
            let agent = state.agents.get(&profile.agent_id).ok_or_else(|| agent_not_found(profile.agent_id))?;
            validate_profile(profile, state)?;
            if let Some(channel) = agent
                .contacts
                .values()
                .find(|channel| agent.load(**channel) > profile.capacity.get(*channel).copied().unwrap_or(0))
            {
                return Err(DomainError::new(
                    "acd.capacity_below_load",
                    format!("the agent holds more {channel:?} contacts than the new capacity allows"),
                ));
            }
            if agent.profile() == *profile {
                return Ok(vec![]);
            }
            decision.push(AcdEvent::AgentUpdated(AgentRegistered { agent: profile.clone(), at }));
            decision.settle_agent(profile.agent_id);
        }
        AcdAction::SetPresence { agent_id, presence } => {
            let agent = state.agents.get(agent_id).ok_or_else(|| agent_not_found(*agent_id))?;
            if let Presence::NotReady { reason } | Presence::Break { reason } = presence
                && (reason.trim().is_empty() || reason.trim() != reason || reason.chars().count() > 80)
            {
                return Err(DomainError::new(
                    "acd.invalid_presence_reason",
                    "a not-ready or break reason is 1 to 80 characters with no leading or trailing spaces",
                ));
            }
            if agent.presence == *presence {
                return Ok(vec![]);
            }
            if *presence == Presence::Offline && !agent.contacts.is_empty() {
                return Err(DomainError::new(
                    "acd.agent_has_contacts",
                    "an agent holding offered or assigned contacts cannot go offline; finish them first",
                ));
            }
            decision.push(AcdEvent::AgentPresenceChanged(AgentPresenceChanged {
                agent_id: *agent_id,
                previous: agent.presence.clone(),
                presence: presence.clone(),
                at,
            }));
            decision.settle_agent(*agent_id);
        }
        AcdAction::DefineQueue(definition) => {
            validate_queue(definition, state)?;
            let existing = state.queues.get(&definition.queue_id);
            if existing.is_some_and(|queue| queue.definition == *definition) {
                return Ok(vec![]);
            }
            decision.push(AcdEvent::QueueDefined(QueueDefined { queue: definition.clone(), at }));
            if existing.is_some() {
                decision.settle_queue(definition.queue_id);
            }
        }
        AcdAction::EnqueueContact { contact_id, channel, queue_id, priority, customer_key } => {
            if state.contacts.contains_key(contact_id) {
                return Err(DomainError::new("acd.contact_exists", format!("contact {contact_id} is in the ACD")));
            }
            let queue = state.queues.get(queue_id).ok_or_else(|| queue_not_found(*queue_id))?;
            if *priority > MAX_PRIORITY {
                return Err(DomainError::new(
                    "acd.invalid_priority",
                    format!("a customer priority is 0 to {MAX_PRIORITY}, not {priority}"),
                ));
            }
            if let Some(key) = customer_key
                && (key.is_empty() || key.chars().count() > 200)
            {
                return Err(DomainError::new("acd.invalid_customer_key", "a customer key is 1 to 200 characters"));
            }
            let (reserved_for, reserved_until) =
                decision.sticky_reservation(&queue.definition, customer_key.as_deref(), *channel);
            decision.push(AcdEvent::ContactQueued(ContactQueued {
                contact_id: *contact_id,
                channel: *channel,
                queue_id: *queue_id,
                priority: *priority,
                customer_key: customer_key.clone(),
                reserved_for,
                reserved_until,
                overflow_at: overflow_at(&queue.definition, at),
                overflow_to_queue_id: queue.definition.overflow.as_ref().map(|overflow| overflow.to_queue_id),
                at,
            }));
            decision.settle_contact(*contact_id);
        }
        AcdAction::AcceptOffer { contact_id, agent_id } => {
            check_offer(state, *contact_id, *agent_id)?;
            decision.push(AcdEvent::OfferAccepted(OfferAnswered { contact_id: *contact_id, agent_id: *agent_id, at }));
        }
        AcdAction::RejectOffer { contact_id, agent_id } => {
            check_offer(state, *contact_id, *agent_id)?;
            decision.push(AcdEvent::OfferRejected(OfferAnswered { contact_id: *contact_id, agent_id: *agent_id, at }));
            decision.settle_contact(*contact_id);
            decision.settle_agent(*agent_id);
        }
        AcdAction::AbandonContact { contact_id } => {
            let contact = state.contacts.get(contact_id).ok_or_else(|| contact_not_found(*contact_id))?;
            let agent_id = match contact.status {
                ContactStatus::Waiting => None,
                ContactStatus::Offered { agent_id, .. } => Some(agent_id),
                ContactStatus::Assigned { .. } => {
                    return Err(DomainError::new(
                        "acd.contact_assigned",
                        "the contact is with an agent: the agent finishes it",
                    ));
                }
            };
            decision.push(AcdEvent::ContactAbandoned(ContactAbandoned {
                contact_id: *contact_id,
                queue_id: contact.queue_id,
                agent_id,
                at,
            }));
            if let Some(agent_id) = agent_id {
                decision.settle_agent(agent_id);
            }
        }
        AcdAction::FinishContact { contact_id, agent_id, after_call_work } => {
            let contact = state.contacts.get(contact_id).ok_or_else(|| contact_not_found(*contact_id))?;
            if contact.status != (ContactStatus::Assigned { agent_id: *agent_id }) {
                return Err(DomainError::new(
                    "acd.not_assigned",
                    format!("contact {contact_id} is not assigned to agent {agent_id}"),
                ));
            }
            decision.push(AcdEvent::ContactFinished(ContactFinished {
                contact_id: *contact_id,
                agent_id: *agent_id,
                at,
            }));
            let presence = state.agents.get(agent_id).map(|agent| agent.presence.clone());
            if *after_call_work && presence == Some(Presence::Available) {
                decision.push(AcdEvent::AgentPresenceChanged(AgentPresenceChanged {
                    agent_id: *agent_id,
                    previous: Presence::Available,
                    presence: Presence::AfterCallWork,
                    at,
                }));
            }
            decision.settle_agent(*agent_id);
        }
        AcdAction::TransferContact { contact_id, agent_id, to } => {
            let contact = state.contacts.get(contact_id).ok_or_else(|| contact_not_found(*contact_id))?;
            if contact.status != (ContactStatus::Assigned { agent_id: *agent_id }) {
                return Err(DomainError::new(
                    "acd.not_assigned",
                    format!("contact {contact_id} is not assigned to agent {agent_id}"),
                ));
            }
            let (queue_id, reserved_for) = match *to {
                TransferTarget::Queue { queue_id } => {
                    state.queues.get(&queue_id).ok_or_else(|| queue_not_found(queue_id))?;
                    (queue_id, None)
                }
                TransferTarget::Agent { agent_id: target } => {
                    if target == *agent_id {
                        return Err(DomainError::new("acd.transfer_to_self", "an agent cannot transfer to themselves"));
                    }
                    let target_agent = state.agents.get(&target).ok_or_else(|| agent_not_found(target))?;
                    // The target's own queue keeps the contact if the target does not take it;
                    // the current queue first, if the target serves it.
                    let queue_id = if target_agent.queue_ids.contains(&contact.queue_id) {
                        contact.queue_id
                    } else {
                        *target_agent.queue_ids.first().ok_or_else(|| {
                            DomainError::new(
                                "acd.agent_without_queue",
                                format!("agent {target} serves no queue, so cannot be transferred to"),
                            )
                        })?
                    };
                    (queue_id, Some(target))
                }
            };
            let definition = &state.queues.get(&queue_id).ok_or_else(|| queue_not_found(queue_id))?.definition;
            decision.push(AcdEvent::ContactTransferred(ContactTransferred {
                contact_id: *contact_id,
                from_agent_id: *agent_id,
                to: *to,
                queue_id,
                reserved_for,
                reserved_until: reserved_for.map(|_| seconds_after(at, TRANSFER_RESERVATION_SECONDS)),
                overflow_at: overflow_at(definition, at),
                overflow_to_queue_id: definition.overflow.as_ref().map(|overflow| overflow.to_queue_id),
                at,
            }));
            decision.settle_contact(*contact_id);
            decision.settle_agent(*agent_id);
        }
        AcdAction::HandOverContact { contact_id, from_agent_id, to_agent_id } => {
            let contact = state.contacts.get(contact_id).ok_or_else(|| contact_not_found(*contact_id))?;
            if contact.status != (ContactStatus::Assigned { agent_id: *from_agent_id }) {
                return Err(DomainError::new(
                    "acd.not_assigned",
                    format!("contact {contact_id} is not assigned to agent {from_agent_id}"),
                ));
            }
            if to_agent_id == from_agent_id {
                return Err(DomainError::new(
                    "acd.hand_over_to_self",
                    "an agent cannot hand a contact over to themselves",
                ));
            }
            if !state.agents.contains_key(to_agent_id) {
                return Err(agent_not_found(*to_agent_id));
            }
            decision.push(AcdEvent::ContactHandedOver(ContactHandedOver {
                contact_id: *contact_id,
                queue_id: contact.queue_id,
                channel: contact.channel,
                from_agent_id: *from_agent_id,
                to_agent_id: *to_agent_id,
                at,
            }));
            decision.settle_agent(*from_agent_id);
        }
        AcdAction::Tick => decision.tick(),
    }
    Ok(decision.events)
}

fn check_offer(state: &AcdState, contact_id: Uuid, agent_id: Uuid) -> Result<(), DomainError> {
    let contact = state.contacts.get(&contact_id).ok_or_else(|| contact_not_found(contact_id))?;
    match contact.status {
        ContactStatus::Offered { agent_id: offered_to, .. } if offered_to == agent_id => Ok(()),
        _ => Err(DomainError::new(
            "acd.no_such_offer",
            format!("contact {contact_id} is not on offer to agent {agent_id} (answered, timed out or withdrawn)"),
        )),
    }
}

fn seconds_after(at: DateTime<Utc>, seconds: u32) -> DateTime<Utc> {
    at + Duration::seconds(i64::from(seconds))
}

fn overflow_at(definition: &QueueDefinition, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    definition.overflow.as_ref().map(|overflow| seconds_after(at, overflow.after_seconds))
}

/// Which kind of deadline a `Tick` found due; the order breaks ties between kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Timer {
    Offer,
    Sticky,
    Overflow,
}

/// One decision in progress: the state it reads, and the overlay of what its events changed.
struct Decision<'a> {
    state: &'a AcdState,
    at: DateTime<Utc>,
    agents: BTreeMap<Uuid, Agent>,
    /// `None`: the contact left the ACD in this decision.
    contacts: BTreeMap<Uuid, Option<Contact>>,
    /// Queue definitions made in this decision (the state's indexes of those queues are stale).
    definitions: BTreeMap<Uuid, QueueDefinition>,
    round_robin_last: BTreeMap<Uuid, Uuid>,
    events: Vec<AcdEvent>,
}

impl<'a> Decision<'a> {
    fn new(state: &'a AcdState, at: DateTime<Utc>) -> Self {
        Self {
            state,
            at,
            agents: BTreeMap::new(),
            contacts: BTreeMap::new(),
            definitions: BTreeMap::new(),
            round_robin_last: BTreeMap::new(),
            events: Vec::new(),
        }
    }

    fn agent(&self, agent_id: Uuid) -> Option<&Agent> {
        self.agents.get(&agent_id).or_else(|| self.state.agents.get(&agent_id))
    }

    fn contact(&self, contact_id: Uuid) -> Option<&Contact> {
        match self.contacts.get(&contact_id) {
            Some(overlay) => overlay.as_ref(),
            None => self.state.contacts.get(&contact_id),
        }
    }

    fn definition(&self, queue_id: Uuid) -> Option<&QueueDefinition> {
        self.definitions.get(&queue_id).or_else(|| self.state.queues.get(&queue_id).map(|queue| &queue.definition))
    }

    /// Records the event and applies it to the overlay, as `evolve` will to the state.
    fn push(&mut self, event: AcdEvent) {
        match &event {
            AcdEvent::QueueDefined(defined) => {
                self.definitions.insert(defined.queue.queue_id, defined.queue.clone());
            }
            AcdEvent::ContactOffered(offered) => {
                self.round_robin_last.insert(offered.queue_id, offered.agent_id);
            }
            _ => {}
        }
        for agent_id in touched_agents(&event).into_iter().flatten() {
            let changed = match &event {
                AcdEvent::AgentRegistered(registered) => Some(Agent::new(&registered.agent, registered.at)),
                _ => self.agent(agent_id).cloned().map(|mut agent| {
                    agent.apply(&event);
                    agent
                }),
            };
            if let Some(agent) = changed {
                self.agents.insert(agent_id, agent);
            }
        }
        if let Some(contact_id) = touched_contact(&event) {
            let changed = match &event {
                AcdEvent::ContactQueued(queued) => Some(Some(Contact::queued(queued))),
                _ => self.contact(contact_id).cloned().map(|mut contact| contact.apply(&event).then_some(contact)),
            };
            if let Some(contact) = changed {
                self.contacts.insert(contact_id, contact);
            }
        }
        self.events.push(event);
    }

    /// The sticky agent a new contact of `customer_key` waits for, and until when.
    fn sticky_reservation(
        &self,
        definition: &QueueDefinition,
        customer_key: Option<&str>,
        channel: Channel,
    ) -> (Option<Uuid>, Option<DateTime<Utc>>) {
        let (Some(seconds), Some(customer_key)) = (definition.sticky_agent_seconds, customer_key) else {
            return (None, None);
        };
        let Some(agent) =
            self.state.last_agent_by_customer.get(customer_key).and_then(|agent_id| self.agent(*agent_id))
        else {
            return (None, None);
        };
        let could_take_it = agent.presence != Presence::Offline
            && agent.queue_ids.contains(&definition.queue_id)
            && meets_skill(definition, agent)
            && agent.capacity_for(channel) > 0;
        if !could_take_it {
            return (None, None);
        }
        (Some(agent.agent_id), Some(seconds_after(self.at, seconds)))
    }

    fn offer(&mut self, contact_id: Uuid, agent_id: Uuid, rule: OfferRule) {
        let contact = self.contact(contact_id).expect("offers are made for contacts in the ACD");
        let agent = self.agent(agent_id).expect("offers are made to registered agents");
        let definition = self.definition(contact.queue_id).expect("a contact's queue exists");
        debug_assert_eq!(contact.status, ContactStatus::Waiting);
        debug_assert!(agent.presence == Presence::Available && agent.has_room(contact.channel));
        let event = ContactOffered {
            contact_id,
            agent_id,
            queue_id: contact.queue_id,
            channel: contact.channel,
            expires_at: seconds_after(self.at, definition.offer_timeout_seconds),
            reason: OfferReason {
                rule,
                strategy: definition.strategy,
                agent_idle_since: agent.idle_since,
                agent_load: agent.load(contact.channel),
                skill_level: definition.required_skill.as_ref().and_then(|required| agent.skill_level(&required.skill)),
                contact_priority: contact.priority,
                contact_queued_at: contact.queued_at,
            },
            at: self.at,
        };
        self.push(AcdEvent::ContactOffered(event));
    }

    /// Offers the contact to the best free agent, if it is waiting and one is free.
    fn settle_contact(&mut self, contact_id: Uuid) {
        let Some(contact) = self.contact(contact_id) else { return };
        if contact.status != ContactStatus::Waiting {
            return;
        }
        if let Some((agent_id, rule)) = self.best_agent_for(contact) {
            self.offer(contact_id, agent_id, rule);
        }
    }

    /// Offers the agent the most urgent waiting contacts of its queues while it has room.
    fn settle_agent(&mut self, agent_id: Uuid) {
        loop {
            let Some(agent) = self.agent(agent_id) else { return };
            if agent.presence != Presence::Available {
                return;
            }
            let Some((contact_id, rule)) = self.best_contact_for(agent) else { return };
            self.offer(contact_id, agent_id, rule);
        }
    }

    /// Matches every waiting contact of a redefined queue, in the queue's new order.
    fn settle_queue(&mut self, queue_id: Uuid) {
        let Some(definition) = self.definition(queue_id) else { return };
        let mut waiting: Vec<WaitingRank> = self
            .state
            .waiting
            .iter()
            .filter(|((indexed_queue, _), _)| *indexed_queue == queue_id)
            .flat_map(|(_, ranks)| ranks.iter())
            .filter_map(|rank| self.contact(rank.contact_id))
            .filter(|contact| contact.status == ContactStatus::Waiting && contact.queue_id == queue_id)
            .map(|contact| waiting_rank(definition, contact))
            .collect();
        waiting.sort();
        for rank in waiting {
            self.settle_contact(rank.contact_id);
        }
    }

    fn best_agent_for(&self, contact: &Contact) -> Option<(Uuid, OfferRule)> {
        let definition = self.definition(contact.queue_id)?;
        let is_free = |agent_id: Uuid| {
            self.agent(agent_id).is_some_and(|agent| {
                agent.queue_ids.contains(&contact.queue_id) && agent_rank(definition, agent, contact.channel).is_some()
            })
        };
        if let Some(sticky_agent) = contact.reserved_for {
            return is_free(sticky_agent).then_some((sticky_agent, OfferRule::StickyAgent));
        }
        if let Some(agent_id) =
            self.best_free_agent(definition, contact.channel, |agent_id| !contact.declined_by.contains(&agent_id))
        {
            return Some((agent_id, OfferRule::Strategy));
        }
        // No one else is free: back to an agent who declined it rather than leave it waiting.
        let declined = contact.declined_by.iter().copied().filter(|agent_id| is_free(*agent_id));
        let best = declined.min_by_key(|agent_id| {
            let agent = self.agent(*agent_id).expect("checked by is_free");
            self.order(definition, agent_rank(definition, agent, contact.channel).expect("checked by is_free"))
        })?;
        Some((best, OfferRule::OnlyDeclinedAgentsFree))
    }

    /// Where round robin continues in the queue: after its last offered agent.
    fn round_robin_cursor(&self, definition: &QueueDefinition) -> Option<Uuid> {
        if definition.strategy != RoutingStrategy::RoundRobin {
            return None;
        }
        self.round_robin_last
            .get(&definition.queue_id)
            .copied()
            .or_else(|| self.state.queues.get(&definition.queue_id).and_then(|queue| queue.last_offered_agent))
    }

    /// The sort key of a free agent in the queue: its rank, rotated for round robin so the
    /// agents after the cursor come first.
    fn order(&self, definition: &QueueDefinition, rank: AgentRank) -> (bool, AgentRank) {
        let wrapped = self.round_robin_cursor(definition).is_some_and(|cursor| rank.agent_id <= cursor);
        (wrapped, rank)
    }

    /// The first free agent of the queue in its strategy's order that `wanted` accepts.
    fn best_free_agent(
        &self,
        definition: &QueueDefinition,
        channel: Channel,
        wanted: impl Fn(Uuid) -> bool,
    ) -> Option<Uuid> {
        let queue_id = definition.queue_id;
        let mut best: Option<(bool, AgentRank)> = None;
        let mut consider = |candidate: (bool, AgentRank)| {
            if best.is_none_or(|current| candidate < current) {
                best = Some(candidate);
            }
        };
        let untouched = |agent_id: Uuid| !self.agents.contains_key(&agent_id) && wanted(agent_id);
        if self.definitions.contains_key(&queue_id) {
            // Redefined in this decision: the index has the old order. Rare (an administrator's
            // change), so the members are ranked afresh.
            let members = self.state.queues.get(&queue_id).into_iter().flat_map(|queue| queue.members.iter());
            for agent_id in members.copied().filter(|agent_id| untouched(*agent_id)) {
                let agent = &self.state.agents[&agent_id];
                if let Some(rank) = agent_rank(definition, agent, channel) {
                    consider(self.order(definition, rank));
                }
            }
        } else if let Some(index) = self.state.free_agents.get(&(queue_id, channel)) {
            let first = match self.round_robin_cursor(definition) {
                Some(cursor) => {
                    let pivot = AgentRank::round_robin(cursor);
                    index
                        .range((Excluded(pivot), Unbounded))
                        .chain(index.range(..=pivot))
                        .find(|rank| untouched(rank.agent_id))
                }
                None => index.iter().find(|rank| untouched(rank.agent_id)),
            };
            if let Some(rank) = first {
                consider(self.order(definition, *rank));
            }
        }
        for (agent_id, agent) in &self.agents {
            if agent.queue_ids.contains(&queue_id)
                && wanted(*agent_id)
                && let Some(rank) = agent_rank(definition, agent, channel)
            {
                consider(self.order(definition, rank));
            }
        }
        best.map(|(_, rank)| rank.agent_id)
    }

    /// The most urgent waiting contact the agent may take, across its queues and channels:
    /// contacts it has not declined first, then priority (where the queue uses it), then
    /// waiting time.
    fn best_contact_for(&self, agent: &Agent) -> Option<(Uuid, OfferRule)> {
        let mut best: Option<(bool, WaitingRank, OfferRule)> = None;
        let mut consider = |declined: bool, rank: WaitingRank, contact: &Contact| {
            if best.is_none_or(|(best_declined, best_rank, _)| (declined, rank) < (best_declined, best_rank)) {
                let rule = if contact.reserved_for == Some(agent.agent_id) {
                    OfferRule::StickyAgent
                } else if declined {
                    OfferRule::OnlyDeclinedAgentsFree
                } else {
                    OfferRule::NextForFreedAgent
                };
                best = Some((declined, rank, rule));
            }
        };
        let may_take = |contact: &Contact| contact.reserved_for.is_none_or(|sticky| sticky == agent.agent_id);
        for &queue_id in &agent.queue_ids {
            let Some(definition) = self.definition(queue_id) else { continue };
            if !meets_skill(definition, agent) {
                continue;
            }
            let redefined = self.definitions.contains_key(&queue_id);
            for &channel in agent.capacity.keys() {
                if !agent.has_room(channel) {
                    continue;
                }
                for rank in self.state.waiting.get(&(queue_id, channel)).into_iter().flatten() {
                    if self.contacts.contains_key(&rank.contact_id) {
                        continue;
                    }
                    let contact = &self.state.contacts[&rank.contact_id];
                    if !may_take(contact) {
                        continue;
                    }
                    let declined = contact.declined_by.contains(&agent.agent_id);
                    let rank = if redefined { waiting_rank(definition, contact) } else { *rank };
                    consider(declined, rank, contact);
                    if !declined && !redefined {
                        break;
                    }
                }
                for contact in self.contacts.values().flatten() {
                    if contact.status == ContactStatus::Waiting
                        && contact.queue_id == queue_id
                        && contact.channel == channel
                        && may_take(contact)
                    {
                        let declined = contact.declined_by.contains(&agent.agent_id);
                        consider(declined, waiting_rank(definition, contact), contact);
                    }
                }
            }
        }
        best.map(|(_, rank, rule)| (rank.contact_id, rule))
    }

    /// Time passes: every deadline up to `at` is handled in time order, then the contacts it
    /// sent back to waiting are matched.
    fn tick(&mut self) {
        let until = (self.at, Uuid::from_u128(u128::MAX));
        let mut due: Vec<(DateTime<Utc>, Timer, Uuid)> = Vec::new();
        let timers = [
            (Timer::Offer, &self.state.offer_deadlines),
            (Timer::Sticky, &self.state.sticky_deadlines),
            (Timer::Overflow, &self.state.overflow_deadlines),
        ];
        for (timer, deadlines) in timers {
            due.extend(deadlines.range(..=until).map(|(when, contact_id)| (*when, timer, *contact_id)));
        }
        due.sort();
        let mut to_settle = Vec::new();
        for (when, timer, contact_id) in due {
            let Some(contact) = self.contact(contact_id).cloned() else { continue };
            match (timer, contact.status) {
                (Timer::Offer, ContactStatus::Offered { agent_id, expires_at }) if expires_at == when => {
                    self.push(AcdEvent::OfferTimedOut(OfferAnswered { contact_id, agent_id, at: self.at }));
                    if self.agent(agent_id).is_some_and(|agent| agent.presence == Presence::Available) {
                        self.push(AcdEvent::AgentPresenceChanged(AgentPresenceChanged {
                            agent_id,
                            previous: Presence::Available,
                            presence: Presence::NotReady { reason: MISSED_OFFER_REASON.to_owned() },
                            at: self.at,
                        }));
                    }
                    to_settle.push(contact_id);
                }
                (Timer::Sticky, ContactStatus::Waiting) if contact.reserved_until == Some(when) => {
                    if let Some(agent_id) = contact.reserved_for {
                        self.push(AcdEvent::StickyWaitEnded(StickyWaitEnded { contact_id, agent_id, at: self.at }));
                        to_settle.push(contact_id);
                    }
                }
                (Timer::Overflow, ContactStatus::Waiting) if contact.overflow_at == Some(when) => {
                    let Some(to_queue_id) = contact.overflow_to_queue_id else { continue };
                    let Some(target) = self.definition(to_queue_id).cloned() else { continue };
                    let (reserved_for, reserved_until) =
                        self.sticky_reservation(&target, contact.customer_key.as_deref(), contact.channel);
                    self.push(AcdEvent::ContactOverflowed(ContactOverflowed {
                        contact_id,
                        from_queue_id: contact.queue_id,
                        to_queue_id,
                        reserved_for,
                        reserved_until,
                        overflow_at: overflow_at(&target, self.at),
                        overflow_to_queue_id: target.overflow.as_ref().map(|overflow| overflow.to_queue_id),
                        at: self.at,
                    }));
                    to_settle.push(contact_id);
                }
                _ => {}
            }
        }
        for contact_id in to_settle {
            self.settle_contact(contact_id);
        }
    }
}
