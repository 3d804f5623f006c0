//! Given-when-then tests of the ACD decider, one per routing rule, and property tests of
//! replay determinism and of the routing invariants under random command sequences.

use chrono::TimeZone;
use proptest::prelude::*;

use super::*;
use crate::DomainEvent;

const TENANT: Uuid = Uuid::from_u128(1);
const SUPPORT: Uuid = Uuid::from_u128(0x100);
const BILLING: Uuid = Uuid::from_u128(0x101);
const SPILLOVER: Uuid = Uuid::from_u128(0x102);

fn agent_id(number: u128) -> Uuid {
    Uuid::from_u128(0xA000 + number)
}

fn contact_id(number: u128) -> Uuid {
    Uuid::from_u128(0xC000 + number)
}

fn time(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0).unwrap() + chrono::Duration::seconds(seconds)
}

fn command(at: i64, action: AcdAction) -> AcdCommand {
    AcdCommand { tenant_id: TENANT, at: time(at), action }
}

fn queue(queue_id: Uuid, strategy: RoutingStrategy) -> QueueDefinition {
    QueueDefinition {
        queue_id,
        name: format!("queue {}", queue_id.as_u128()),
        strategy,
        required_skill: None,
        customer_priority: false,
        sticky_agent_seconds: None,
        overflow: None,
        offer_timeout_seconds: 20,
    }
}

fn profile(number: u128, queues: &[Uuid], skills: &[(&str, u8)]) -> AgentProfile {
    AgentProfile {
        agent_id: agent_id(number),
        capacity: BTreeMap::from([(Channel::Voice, 1), (Channel::Chat, 3)]),
        skills: skills.iter().map(|(skill, level)| ((*skill).to_owned(), *level)).collect(),
        queue_ids: queues.iter().copied().collect(),
    }
}

fn define(at: i64, definition: QueueDefinition) -> AcdCommand {
    command(at, AcdAction::DefineQueue(definition))
}

fn register(at: i64, agent: AgentProfile) -> AcdCommand {
    command(at, AcdAction::RegisterAgent(agent))
}

fn presence(at: i64, agent: u128, presence: Presence) -> AcdCommand {
    command(at, AcdAction::SetPresence { agent_id: agent_id(agent), presence })
}

fn available(at: i64, agent: u128) -> AcdCommand {
    presence(at, agent, Presence::Available)
}

fn enqueue(
    at: i64,
    contact: u128,
    channel: Channel,
    queue_id: Uuid,
    priority: u8,
    customer: Option<&str>,
) -> AcdCommand {
    command(
        at,
        AcdAction::EnqueueContact {
            contact_id: contact_id(contact),
            channel,
            queue_id,
            priority,
            customer_key: customer.map(str::to_owned),
        },
    )
}

fn chat(at: i64, contact: u128) -> AcdCommand {
    enqueue(at, contact, Channel::Chat, SUPPORT, 0, None)
}

fn accept(at: i64, contact: u128, agent: u128) -> AcdCommand {
    command(at, AcdAction::AcceptOffer { contact_id: contact_id(contact), agent_id: agent_id(agent) })
}

fn reject(at: i64, contact: u128, agent: u128) -> AcdCommand {
    command(at, AcdAction::RejectOffer { contact_id: contact_id(contact), agent_id: agent_id(agent) })
}

fn finish(at: i64, contact: u128, agent: u128) -> AcdCommand {
    command(
        at,
        AcdAction::FinishContact { contact_id: contact_id(contact), agent_id: agent_id(agent), after_call_work: false },
    )
}

fn tick(at: i64) -> AcdCommand {
    command(at, AcdAction::Tick)
}

/// Decides each command on the state the previous ones left; panics on a refusal.
fn given(commands: &[AcdCommand]) -> AcdState {
    commands.iter().fold(AcdState::default(), |state, command| {
        let events = Acd::decide(&state, command).unwrap_or_else(|error| panic!("{command:?}: {error}"));
        events.iter().fold(state, Acd::evolve)
    })
}

fn when(state: &AcdState, command: &AcdCommand) -> Vec<AcdEvent> {
    Acd::decide(state, command).unwrap_or_else(|error| panic!("{command:?}: {error}"))
}

/// The (contact, agent, rule) of each offer among `events`.
fn offers(events: &[AcdEvent]) -> Vec<(Uuid, Uuid, OfferRule)> {
    events
        .iter()
        .filter_map(|event| match event {
            AcdEvent::ContactOffered(offered) => Some((offered.contact_id, offered.agent_id, offered.reason.rule)),
            _ => None,
        })
        .collect()
}

fn offer(contact: u128, agent: u128, rule: OfferRule) -> (Uuid, Uuid, OfferRule) {
    (contact_id(contact), agent_id(agent), rule)
}

/// Support queue (given strategy) with agents 1..=count registered and made available, agent
/// `n` at second `n`, so agent 1 has been idle longest.
fn support_with_agents(strategy: RoutingStrategy, count: u128) -> Vec<AcdCommand> {
    let mut commands = vec![define(0, queue(SUPPORT, strategy))];
    for number in 1..=count {
        commands.push(register(0, profile(number, &[SUPPORT], &[])));
        commands.push(available(number as i64, number));
    }
    commands
}

#[test]
fn given_agents_idle_for_different_times_when_a_contact_arrives_then_the_longest_idle_gets_it() {
    let mut commands = support_with_agents(RoutingStrategy::LongestIdle, 3);
    // Agent 1 finishes a chat at second 50: now agent 2 has been idle longest.
    commands.extend([chat(40, 1), accept(41, 1, 1), finish(50, 1, 1)]);
    let state = given(&commands);
    let events = when(&state, &chat(60, 2));
    assert_eq!(offers(&events), [offer(2, 2, OfferRule::Strategy)]);
    let AcdEvent::ContactOffered(offered) = &events[1] else { panic!("expected an offer: {events:?}") };
    assert_eq!(offered.reason.strategy, RoutingStrategy::LongestIdle);
    assert_eq!(offered.reason.agent_idle_since, time(2));
    assert_eq!(offered.expires_at, time(80));
    assert_eq!(Acd::stream_id(&chat(0, 1)), StreamId::new("acd", TENANT));
}

#[test]
fn given_a_skill_level_queue_when_a_contact_arrives_then_the_most_skilled_eligible_agent_gets_it() {
    let billing = QueueDefinition {
        required_skill: Some(SkillRequirement { skill: "billing".into(), minimum_level: 3 }),
        ..queue(BILLING, RoutingStrategy::SkillLevel)
    };
    let state = given(&[
        define(0, billing),
        register(0, profile(1, &[BILLING], &[("billing", 4)])),
        register(0, profile(2, &[BILLING], &[("billing", 9)])),
        register(0, profile(3, &[BILLING], &[("billing", 2)])),
        register(0, profile(4, &[BILLING], &[])),
        available(1, 1),
        available(2, 2),
        available(3, 3),
        available(4, 4),
    ]);
    let events = when(&state, &enqueue(10, 1, Channel::Voice, BILLING, 0, None));
    assert_eq!(offers(&events), [offer(1, 2, OfferRule::Strategy)]);
    let AcdEvent::ContactOffered(offered) = &events[1] else { panic!("expected an offer") };
    assert_eq!(offered.reason.skill_level, Some(9));
    // Agents 3 (level 2) and 4 (no skill) never get a billing contact.
    let state = events.iter().fold(state, Acd::evolve);
    let events = when(&state, &enqueue(11, 2, Channel::Voice, BILLING, 0, None));
    assert_eq!(offers(&events), [offer(2, 1, OfferRule::Strategy)]);
    let state = events.iter().fold(state, Acd::evolve);
    assert!(offers(&when(&state, &enqueue(12, 3, Channel::Voice, BILLING, 0, None))).is_empty());
}

#[test]
fn given_a_round_robin_queue_when_contacts_arrive_then_agents_take_turns_in_id_order() {
    let mut state = given(&support_with_agents(RoutingStrategy::RoundRobin, 3));
    let mut offered_to = Vec::new();
    for number in 1..=4 {
        let events = when(&state, &enqueue(10 + number as i64, number, Channel::Voice, SUPPORT, 0, None));
        offered_to.extend(offers(&events).into_iter().map(|(_, agent, _)| agent));
        state = events.iter().fold(state, Acd::evolve);
        let answer = vec![accept(20, number, (number - 1) % 3 + 1), finish(21, number, (number - 1) % 3 + 1)];
        for command in answer {
            state = when(&state, &command).iter().fold(state, Acd::evolve);
        }
    }
    assert_eq!(offered_to, [agent_id(1), agent_id(2), agent_id(3), agent_id(1)]);
}

/// Agent 2 served customer "c-42" before; agent 1 is free and idle longer.
fn sticky_setup() -> AcdState {
    let sticky = QueueDefinition { sticky_agent_seconds: Some(30), ..queue(SUPPORT, RoutingStrategy::LongestIdle) };
    given(&[
        define(0, sticky),
        register(0, profile(1, &[SUPPORT], &[])),
        register(0, profile(2, &[SUPPORT], &[])),
        available(1, 2),
        enqueue(2, 1, Channel::Voice, SUPPORT, 0, Some("c-42")),
        accept(3, 1, 2),
        // Agent 2 is on a voice call with someone else when the customer comes back.
        finish(10, 1, 2),
        enqueue(11, 2, Channel::Voice, SUPPORT, 0, None),
        accept(12, 2, 2),
        available(13, 1),
    ])
}

#[test]
fn given_a_returning_customer_when_their_agent_is_free_then_it_gets_the_contact_over_longer_idle_agents() {
    let state = given_more(sticky_setup(), &[finish(20, 2, 2)]);
    let events = when(&state, &enqueue(21, 3, Channel::Voice, SUPPORT, 0, Some("c-42")));
    assert_eq!(offers(&events), [offer(3, 2, OfferRule::StickyAgent)]);
}

#[test]
fn given_a_returning_customer_when_their_agent_frees_up_within_the_timeout_then_it_still_gets_the_contact() {
    let state = sticky_setup();
    let events = when(&state, &enqueue(20, 3, Channel::Voice, SUPPORT, 0, Some("c-42")));
    assert!(offers(&events).is_empty(), "agent 1 is free but the contact waits for agent 2: {events:?}");
    let AcdEvent::ContactQueued(queued) = &events[0] else { panic!("expected ContactQueued") };
    assert_eq!((queued.reserved_for, queued.reserved_until), (Some(agent_id(2)), Some(time(50))));
    let state = events.iter().fold(state, Acd::evolve);
    let events = when(&state, &finish(45, 2, 2));
    assert_eq!(offers(&events), [offer(3, 2, OfferRule::StickyAgent)]);
}

#[test]
fn given_a_returning_customer_when_the_sticky_timeout_passes_then_another_agent_gets_the_contact() {
    let state = given_more(sticky_setup(), &[enqueue(20, 3, Channel::Voice, SUPPORT, 0, Some("c-42"))]);
    assert!(when(&state, &tick(49)).is_empty());
    let events = when(&state, &tick(50));
    assert_eq!(
        events[0],
        AcdEvent::StickyWaitEnded(StickyWaitEnded { contact_id: contact_id(3), agent_id: agent_id(2), at: time(50) })
    );
    assert_eq!(offers(&events), [offer(3, 1, OfferRule::Strategy)]);
}

fn given_more(state: AcdState, commands: &[AcdCommand]) -> AcdState {
    commands.iter().fold(state, |state, command| when(&state, command).iter().fold(state, Acd::evolve))
}

#[test]
fn given_customer_priority_when_an_agent_becomes_free_then_the_vip_goes_first() {
    for customer_priority in [true, false] {
        let definition = QueueDefinition { customer_priority, ..queue(SUPPORT, RoutingStrategy::LongestIdle) };
        let state = given(&[
            define(0, definition),
            register(0, profile(1, &[SUPPORT], &[])),
            enqueue(1, 1, Channel::Voice, SUPPORT, 0, None),
            enqueue(2, 2, Channel::Voice, SUPPORT, 9, None),
        ]);
        let first = if customer_priority { 2 } else { 1 };
        assert_eq!(state.waiting_in(SUPPORT, Channel::Voice)[0], contact_id(first));
        let events = when(&state, &available(3, 1));
        assert_eq!(offers(&events), [offer(first, 1, OfferRule::NextForFreedAgent)], "priority {customer_priority}");
    }
}

#[test]
fn given_an_overflow_queue_when_a_contact_waits_its_time_then_it_moves_and_is_offered_there() {
    let support = QueueDefinition {
        overflow: Some(Overflow { after_seconds: 30, to_queue_id: SPILLOVER }),
        ..queue(SUPPORT, RoutingStrategy::LongestIdle)
    };
    let state = given(&[
        define(0, queue(SPILLOVER, RoutingStrategy::LongestIdle)),
        define(0, support),
        register(0, profile(1, &[SUPPORT], &[])),
        register(0, profile(2, &[SPILLOVER], &[])),
        available(1, 2),
        chat(10, 1),
    ]);
    assert!(when(&state, &tick(39)).is_empty());
    let events = when(&state, &tick(40));
    assert_eq!(
        events[0],
        AcdEvent::ContactOverflowed(ContactOverflowed {
            contact_id: contact_id(1),
            from_queue_id: SUPPORT,
            to_queue_id: SPILLOVER,
            reserved_for: None,
            reserved_until: None,
            overflow_at: None,
            overflow_to_queue_id: None,
            at: time(40),
        })
    );
    assert_eq!(offers(&events), [offer(1, 2, OfferRule::Strategy)]);
}

#[test]
fn given_an_offer_when_it_times_out_then_the_agent_is_not_ready_and_another_agent_gets_it() {
    let state = given_more(given(&support_with_agents(RoutingStrategy::LongestIdle, 2)), &[chat(10, 1)]);
    assert_eq!(
        state.contacts[&contact_id(1)].status,
        ContactStatus::Offered { agent_id: agent_id(1), expires_at: time(30) }
    );
    assert!(when(&state, &tick(29)).is_empty());
    let events = when(&state, &tick(30));
    assert_eq!(
        events[..2],
        [
            AcdEvent::OfferTimedOut(OfferAnswered { contact_id: contact_id(1), agent_id: agent_id(1), at: time(30) }),
            AcdEvent::AgentPresenceChanged(AgentPresenceChanged {
                agent_id: agent_id(1),
                previous: Presence::Available,
                presence: Presence::NotReady { reason: MISSED_OFFER_REASON.into() },
                at: time(30),
            }),
        ]
    );
    assert_eq!(offers(&events), [offer(1, 2, OfferRule::Strategy)]);
    let state = events.iter().fold(state, Acd::evolve);
    assert_eq!(refusal(&state, &accept(31, 1, 1)), "acd.no_such_offer");
}

fn transfer(at: i64, contact: u128, agent: u128, to: TransferTarget) -> AcdCommand {
    command(at, AcdAction::TransferContact { contact_id: contact_id(contact), agent_id: agent_id(agent), to })
}

#[test]
fn given_an_assigned_chat_when_transferred_to_a_queue_then_an_agent_there_gets_it() {
    let mut commands = support_with_agents(RoutingStrategy::LongestIdle, 1);
    commands.extend([
        define(0, queue(BILLING, RoutingStrategy::LongestIdle)),
        register(0, profile(2, &[BILLING], &[])),
        available(5, 2),
        chat(10, 1),
        accept(11, 1, 1),
    ]);
    let state = given(&commands);
    let events = when(&state, &transfer(20, 1, 1, TransferTarget::Queue { queue_id: BILLING }));
    let AcdEvent::ContactTransferred(transferred) = &events[0] else { panic!("expected a transfer: {events:?}") };
    assert_eq!((transferred.queue_id, transferred.reserved_for), (BILLING, None));
    assert_eq!(offers(&events), [offer(1, 2, OfferRule::Strategy)]);
    let state = given_more(state, &[transfer(20, 1, 1, TransferTarget::Queue { queue_id: BILLING })]);
    assert!(state.agents[&agent_id(1)].contacts.is_empty(), "the first agent's capacity is free again");
}

#[test]
fn given_a_transfer_to_a_busy_agent_when_the_reservation_ends_then_anyone_in_the_queue_gets_it() {
    let mut commands = support_with_agents(RoutingStrategy::LongestIdle, 3);
    commands.extend([presence(4, 3, Presence::Break { reason: "lunch".into() }), chat(10, 1), accept(11, 1, 1)]);
    let state = given(&commands);
    // Agent 3 is on a break: the chat waits for them, although agent 2 is free.
    let to_three = transfer(20, 1, 1, TransferTarget::Agent { agent_id: agent_id(3) });
    let events = when(&state, &to_three);
    assert_eq!(offers(&events), []);
    let state = given_more(state, &[to_three]);
    assert_eq!(state.next_deadline(), Some(time(20 + i64::from(TRANSFER_RESERVATION_SECONDS))));
    let events = when(&state, &tick(20 + i64::from(TRANSFER_RESERVATION_SECONDS)));
    assert!(matches!(events[0], AcdEvent::StickyWaitEnded(_)));
    assert_eq!(offers(&events)[0].1, agent_id(2));
    // Had agent 3 come back in time, it would have been theirs.
    let state = given_more(given(&commands), &[transfer(20, 1, 1, TransferTarget::Agent { agent_id: agent_id(3) })]);
    assert_eq!(offers(&when(&state, &available(30, 3))), [offer(1, 3, OfferRule::StickyAgent)]);
}

fn refusal(state: &AcdState, command: &AcdCommand) -> &'static str {
    Acd::decide(state, command).expect_err("the command should be refused").code
}

fn hand_over(at: i64, contact: u128, from: u128, to: u128) -> AcdCommand {
    command(
        at,
        AcdAction::HandOverContact {
            contact_id: contact_id(contact),
            from_agent_id: agent_id(from),
            to_agent_id: agent_id(to),
        },
    )
}

fn voice(at: i64, contact: u128, customer: Option<&str>) -> AcdCommand {
    enqueue(at, contact, Channel::Voice, SUPPORT, 0, customer)
}

#[test]
fn given_an_attended_transfer_when_the_call_is_handed_over_then_the_voice_load_moves_with_it() {
    let mut commands = support_with_agents(RoutingStrategy::LongestIdle, 2);
    commands.extend([
        voice(10, 1, Some("c-1")),
        accept(11, 1, 1),
        // Agent 2 is consulted: the phone side makes them busy.
        presence(12, 2, Presence::Busy),
        // Another call waits: agent 1 is at voice capacity, agent 2 is busy.
        voice(15, 2, None),
    ]);
    let state = given(&commands);
    assert_eq!(state.waiting_in(SUPPORT, Channel::Voice), [contact_id(2)]);
    let events = when(&state, &hand_over(20, 1, 1, 2));
    assert_eq!(
        events[0],
        AcdEvent::ContactHandedOver(ContactHandedOver {
            contact_id: contact_id(1),
            queue_id: SUPPORT,
            channel: Channel::Voice,
            from_agent_id: agent_id(1),
            to_agent_id: agent_id(2),
            at: time(20),
        })
    );
    // Agent 1 has room again: the waiting call is theirs.
    assert_eq!(offers(&events), [offer(2, 1, OfferRule::NextForFreedAgent)]);
    let state = events.iter().fold(state, Acd::evolve);
    assert_eq!(state.contacts[&contact_id(1)].status, ContactStatus::Assigned { agent_id: agent_id(2) });
    assert_eq!(state.agents[&agent_id(2)].contacts, BTreeMap::from([(contact_id(1), Channel::Voice)]));
    assert_eq!(state.agents[&agent_id(1)].load(Channel::Voice), 1, "the offered call");
    assert_eq!(state.agents[&agent_id(1)].idle_since, time(20));
    assert_eq!(state.last_agent_by_customer.get("c-1"), Some(&agent_id(2)));
    assert_eq!(state.agents[&agent_id(2)].presence, Presence::Busy, "the presence is left as it was");

    // Agent 2 is available again but holds the handed-over call: a new call is not theirs.
    let state = given_more(state, &[available(21, 2)]);
    assert!(state.free_agents_in(SUPPORT, Channel::Voice).is_empty());
    let events = when(&state, &voice(22, 3, None));
    assert_eq!(offers(&events), []);
    let state = events.iter().fold(state, Acd::evolve);
    // Once agent 2 finishes it, the waiting call goes to them.
    let events = when(&state, &finish(30, 1, 2));
    assert_eq!(offers(&events), [offer(3, 2, OfferRule::NextForFreedAgent)]);

    // The audit maps the hand-over back to its command and finds the same decision.
    let mut replayed = AcdState::default();
    let mut batches = Vec::new();
    for command in commands.iter().chain([&hand_over(20, 1, 1, 2)]) {
        let decided = when(&replayed, command);
        replayed = decided.iter().fold(replayed, Acd::evolve);
        batches.push(decided);
    }
    assert_eq!(
        audit::command_behind(batches.last().unwrap()),
        Some(AcdAction::HandOverContact {
            contact_id: contact_id(1),
            from_agent_id: agent_id(1),
            to_agent_id: agent_id(2),
        })
    );
    assert_eq!(audit::verify(TENANT, &batches), Ok(batches.len()));
    for event in batches.iter().flatten() {
        let read = AcdEvent::from_stored(event.event_type(), event.schema_version(), &event.to_payload()).unwrap();
        assert_eq!(&read, event);
    }
}

#[test]
fn given_handed_over_chats_when_the_agent_goes_beyond_capacity_then_they_are_accepted_and_nothing_more_offered() {
    let mut commands = support_with_agents(RoutingStrategy::LongestIdle, 2);
    // Fewest chats first, then idle longest: agents 1 and 2 take turns.
    commands.extend([chat(11, 1), chat(12, 2), chat(13, 3), chat(14, 4)]);
    commands.extend([accept(20, 1, 1), accept(20, 2, 2), accept(20, 3, 1), accept(20, 4, 2)]);
    let state = given(&commands);
    let state = given_more(state, &[hand_over(30, 2, 2, 1), hand_over(31, 4, 2, 1)]);
    assert_eq!(state.agents[&agent_id(1)].load(Channel::Chat), 4, "one over the capacity of three");
    assert_eq!(state.agents[&agent_id(2)].load(Channel::Chat), 0);
    // The over-full agent is offered nothing; the other one takes the next chats.
    let events = when(&state, &chat(32, 5));
    assert_eq!(offers(&events), [offer(5, 2, OfferRule::Strategy)]);
    let state = given_more(state, &[chat(32, 5), chat(33, 6), chat(34, 7), chat(35, 8)]);
    assert_eq!(state.waiting_in(SUPPORT, Channel::Chat), [contact_id(8)]);
    // Agent 1 finishing one chat is still at capacity: the waiting chat stays.
    let events = when(&state, &finish(40, 1, 1));
    assert_eq!(offers(&events), []);
}

#[test]
fn a_hand_over_is_refused_unless_the_contact_is_the_first_agents_and_the_second_is_another_registered_agent() {
    let mut commands = support_with_agents(RoutingStrategy::LongestIdle, 2);
    commands.push(voice(10, 1, None));
    let offered = given(&commands);
    assert_eq!(refusal(&offered, &hand_over(11, 1, 1, 2)), "acd.not_assigned", "offered, not accepted");
    let state = given_more(offered, &[accept(11, 1, 1)]);
    assert_eq!(refusal(&state, &hand_over(12, 1, 2, 1)), "acd.not_assigned", "someone else's contact");
    assert_eq!(refusal(&state, &hand_over(12, 9, 1, 2)), "acd.contact_not_found");
    assert_eq!(refusal(&state, &hand_over(12, 1, 1, 9)), "acd.agent_not_found");
    assert_eq!(refusal(&state, &hand_over(12, 1, 1, 1)), "acd.hand_over_to_self");
}

#[test]
fn given_an_offer_when_rejected_then_another_agent_gets_it_and_the_same_agent_only_when_no_other_is_free() {
    let state = given_more(given(&support_with_agents(RoutingStrategy::LongestIdle, 2)), &[chat(10, 1)]);
    let events = when(&state, &reject(11, 1, 1));
    assert_eq!(offers(&events), [offer(1, 2, OfferRule::Strategy)]);
    let state = events.iter().fold(state, Acd::evolve);
    let events = when(&state, &reject(12, 1, 2));
    // Both declined; agent 1 (idle longer) gets it again rather than nobody.
    assert_eq!(offers(&events), [offer(1, 1, OfferRule::OnlyDeclinedAgentsFree)]);
}

#[test]
fn given_chat_capacity_three_when_four_chats_arrive_then_three_are_offered_and_the_fourth_waits() {
    let mut state = given(&support_with_agents(RoutingStrategy::LongestIdle, 1));
    let mut offered = Vec::new();
    for number in 1..=4 {
        let events = when(&state, &chat(10 + number as i64, number));
        offered.extend(offers(&events));
        state = events.iter().fold(state, Acd::evolve);
    }
    assert_eq!(offered.len(), 3);
    assert_eq!(state.waiting_in(SUPPORT, Channel::Chat), [contact_id(4)]);
    assert_eq!(state.agents[&agent_id(1)].load(Channel::Chat), 3);
    // Voice capacity is separate: a call still reaches the agent.
    let events = when(&state, &enqueue(20, 5, Channel::Voice, SUPPORT, 0, None));
    assert_eq!(offers(&events), [offer(5, 1, OfferRule::Strategy)]);
    // Finishing one chat lets the waiting one in.
    let state = given_more(state, &[accept(21, 1, 1)]);
    let events = when(&state, &finish(22, 1, 1));
    assert_eq!(offers(&events), [offer(4, 1, OfferRule::NextForFreedAgent)]);
}

#[test]
fn given_agents_not_ready_on_break_or_offline_when_contacts_arrive_then_they_get_nothing() {
    let state = given(&[
        define(0, queue(SUPPORT, RoutingStrategy::LongestIdle)),
        register(0, profile(1, &[SUPPORT], &[])),
        register(0, profile(2, &[SUPPORT], &[])),
        register(0, profile(3, &[SUPPORT], &[])),
        presence(1, 1, Presence::NotReady { reason: "training".into() }),
        presence(1, 2, Presence::Break { reason: "lunch".into() }),
        presence(1, 3, Presence::AfterCallWork),
    ]);
    let events = when(&state, &chat(10, 1));
    assert!(offers(&events).is_empty());
    let state = events.iter().fold(state, Acd::evolve);
    assert!(state.free_agents_in(SUPPORT, Channel::Chat).is_empty());
    let events = when(&state, &available(20, 2));
    assert_eq!(offers(&events), [offer(1, 2, OfferRule::NextForFreedAgent)]);
}

#[test]
fn refuses_bad_commands_with_stable_codes() {
    let state = given_more(given(&support_with_agents(RoutingStrategy::LongestIdle, 1)), &[chat(10, 1)]);
    assert_eq!(refusal(&state, &register(11, profile(1, &[SUPPORT], &[]))), "acd.agent_exists");
    assert_eq!(refusal(&state, &register(11, profile(9, &[BILLING], &[]))), "acd.queue_not_found");
    assert_eq!(refusal(&state, &register(11, profile(9, &[SUPPORT], &[("billing", 11)]))), "acd.invalid_skill_level");
    assert_eq!(refusal(&state, &accept(11, 1, 2)), "acd.no_such_offer");
    assert_eq!(refusal(&state, &finish(11, 1, 1)), "acd.not_assigned");
    assert_eq!(refusal(&state, &presence(11, 1, Presence::Offline)), "acd.agent_has_contacts");
    assert_eq!(refusal(&state, &chat(11, 1)), "acd.contact_exists");
    assert_eq!(refusal(&state, &enqueue(11, 2, Channel::Chat, SUPPORT, 10, None)), "acd.invalid_priority");
    let loops = QueueDefinition {
        overflow: Some(Overflow { after_seconds: 5, to_queue_id: SUPPORT }),
        ..queue(SUPPORT, RoutingStrategy::LongestIdle)
    };
    assert_eq!(refusal(&state, &define(11, loops)), "acd.overflow_to_itself");
    let mut shrunk = profile(1, &[SUPPORT], &[]);
    shrunk.capacity.insert(Channel::Chat, 0);
    assert_eq!(refusal(&state, &command(11, AcdAction::UpdateAgent(shrunk))), "acd.capacity_below_load");
    let state = given_more(state, &[accept(12, 1, 1)]);
    assert_eq!(
        refusal(&state, &command(13, AcdAction::AbandonContact { contact_id: contact_id(1) })),
        "acd.contact_assigned"
    );
}

#[test]
fn every_event_reads_back_from_its_payload() {
    let mut events = Vec::new();
    let commands = [
        support_with_agents(RoutingStrategy::LongestIdle, 2),
        vec![
            enqueue(10, 1, Channel::Chat, SUPPORT, 3, Some("c-1")),
            reject(11, 1, 1),
            tick(40),
            command(41, AcdAction::AbandonContact { contact_id: contact_id(1) }),
        ],
    ]
    .concat();
    let mut state = AcdState::default();
    for command in &commands {
        let decided = when(&state, command);
        state = decided.iter().fold(state, Acd::evolve);
        events.extend(decided);
    }
    for event in &events {
        let read = AcdEvent::from_stored(event.event_type(), event.schema_version(), &event.to_payload()).unwrap();
        assert_eq!(&read, event);
    }
    assert!(matches!(AcdEvent::from_stored("hotline.acd.nope", 1, &Value::Null), Err(UpcastError::UnknownType(_))));
}

// ---- properties ----

const AGENTS: u128 = 4;
const CONTACTS: u128 = 10;

#[derive(Debug, Clone)]
enum Operation {
    Presence { agent: u128, presence: u8 },
    Enqueue { contact: u128, queue: u8, voice: bool, priority: u8, customer: u8 },
    Accept { contact: u128 },
    Reject { contact: u128 },
    Finish { contact: u128, after_call_work: bool },
    Abandon { contact: u128 },
    Tick { seconds: i64 },
    Skills { agent: u128, level: u8, queues: u8 },
    Transfer { contact: u128, to_agent: Option<u128>, queue: u8 },
    HandOver { contact: u128, to_agent: u128 },
}

fn operation() -> impl Strategy<Value = Operation> {
    let agent = 1..=AGENTS;
    let contact = 1..=CONTACTS;
    prop_oneof![
        3 => (agent.clone(), 0..6u8).prop_map(|(agent, presence)| Operation::Presence { agent, presence }),
        5 => (contact.clone(), 0..3u8, any::<bool>(), 0..=9u8, 0..4u8).prop_map(|(contact, queue, voice, priority, customer)| {
            Operation::Enqueue { contact, queue, voice, priority, customer }
        }),
        4 => contact.clone().prop_map(|contact| Operation::Accept { contact }),
        2 => contact.clone().prop_map(|contact| Operation::Reject { contact }),
        3 => (contact.clone(), any::<bool>()).prop_map(|(contact, after_call_work)| Operation::Finish { contact, after_call_work }),
        1 => contact.clone().prop_map(|contact| Operation::Abandon { contact }),
        2 => (1..40i64).prop_map(|seconds| Operation::Tick { seconds }),
        1 => (agent.clone(), 1..=10u8, 1..8u8).prop_map(|(agent, level, queues)| Operation::Skills { agent, level, queues }),
        1 => (contact.clone(), proptest::option::of(agent.clone()), 0..3u8).prop_map(|(contact, to_agent, queue)| Operation::Transfer { contact, to_agent, queue }),
        1 => (contact, agent).prop_map(|(contact, to_agent)| Operation::HandOver { contact, to_agent }),
    ]
}

const QUEUES: [Uuid; 3] = [SUPPORT, BILLING, SPILLOVER];

/// Three queues, one per strategy, with sticky agent, priority, a skill and overflow.
fn property_setup() -> Vec<AcdCommand> {
    let spillover = QueueDefinition { customer_priority: true, ..queue(SPILLOVER, RoutingStrategy::RoundRobin) };
    let support = QueueDefinition {
        sticky_agent_seconds: Some(15),
        overflow: Some(Overflow { after_seconds: 25, to_queue_id: SPILLOVER }),
        ..queue(SUPPORT, RoutingStrategy::LongestIdle)
    };
    let billing = QueueDefinition {
        required_skill: Some(SkillRequirement { skill: "billing".into(), minimum_level: 4 }),
        customer_priority: true,
        overflow: Some(Overflow { after_seconds: 30, to_queue_id: SUPPORT }),
        ..queue(BILLING, RoutingStrategy::SkillLevel)
    };
    let mut commands = vec![define(0, spillover), define(0, support), define(0, billing)];
    for number in 1..=AGENTS {
        let queues: Vec<Uuid> = QUEUES.iter().copied().take((number % 3 + 1) as usize).collect();
        let mut agent = profile(number, &queues, &[("billing", (number * 3 % 10 + 1) as u8)]);
        agent.capacity.insert(Channel::Chat, (number % 3 + 1) as u32);
        commands.push(register(0, agent));
    }
    commands
}

/// Turns an operation into a command, using the state to name the agent an offer or an
/// assignment is with (so most answers are valid).
fn to_command(state: &AcdState, operation: &Operation, at: i64) -> AcdCommand {
    let holder = |contact: u128| match state.contacts.get(&contact_id(contact)).map(|c| c.status) {
        Some(ContactStatus::Offered { agent_id, .. } | ContactStatus::Assigned { agent_id }) => agent_id,
        _ => agent_id(1),
    };
    let action = match operation.clone() {
        Operation::Presence { agent, presence } => AcdAction::SetPresence {
            agent_id: agent_id(agent),
            presence: match presence {
                0 => Presence::Offline,
                1 | 2 => Presence::Available,
                3 => Presence::NotReady { reason: "coaching".into() },
                4 => Presence::Break { reason: "lunch".into() },
                _ => Presence::AfterCallWork,
            },
        },
        Operation::Enqueue { contact, queue, voice, priority, customer } => AcdAction::EnqueueContact {
            contact_id: contact_id(contact),
            channel: if voice { Channel::Voice } else { Channel::Chat },
            queue_id: QUEUES[queue as usize],
            priority,
            customer_key: (customer > 0).then(|| format!("customer {customer}")),
        },
        Operation::Accept { contact } => {
            AcdAction::AcceptOffer { contact_id: contact_id(contact), agent_id: holder(contact) }
        }
        Operation::Reject { contact } => {
            AcdAction::RejectOffer { contact_id: contact_id(contact), agent_id: holder(contact) }
        }
        Operation::Finish { contact, after_call_work } => {
            AcdAction::FinishContact { contact_id: contact_id(contact), agent_id: holder(contact), after_call_work }
        }
        Operation::Abandon { contact } => AcdAction::AbandonContact { contact_id: contact_id(contact) },
        Operation::Tick { .. } => AcdAction::Tick,
        Operation::Skills { agent, level, queues } => {
            let queue_ids: Vec<Uuid> =
                QUEUES.iter().enumerate().filter(|(index, _)| queues & (1 << index) != 0).map(|(_, id)| *id).collect();
            let mut updated = profile(agent, &queue_ids, &[("billing", level)]);
            updated.capacity.insert(Channel::Chat, u32::from(level % 3) + 1);
            AcdAction::UpdateAgent(updated)
        }
        Operation::Transfer { contact, to_agent, queue } => AcdAction::TransferContact {
            contact_id: contact_id(contact),
            agent_id: holder(contact),
            to: match to_agent {
                Some(agent) => TransferTarget::Agent { agent_id: agent_id(agent) },
                None => TransferTarget::Queue { queue_id: QUEUES[queue as usize] },
            },
        },
        Operation::HandOver { contact, to_agent } => AcdAction::HandOverContact {
            contact_id: contact_id(contact),
            from_agent_id: holder(contact),
            to_agent_id: agent_id(to_agent),
        },
    };
    command(at, action)
}

/// The setup and the operations decided in turn, as the log holds them: one batch of events
/// per command that appended any.
fn batches(operations: &[Operation]) -> Vec<Vec<AcdEvent>> {
    let mut state = AcdState::default();
    let mut batches = Vec::new();
    let mut at = 1;
    let mut commands = property_setup();
    for operation in operations {
        at += match operation {
            Operation::Tick { seconds } => *seconds,
            _ => 1,
        };
        commands.push(to_command(&given_from(&commands), operation, at));
    }
    for command in commands {
        if let Ok(events) = Acd::decide(&state, &command)
            && !events.is_empty()
        {
            state = events.iter().fold(state, Acd::evolve);
            batches.push(events);
        }
    }
    batches
}

/// The state after the commands, skipping refused ones.
fn given_from(commands: &[AcdCommand]) -> AcdState {
    commands.iter().fold(AcdState::default(), |state, command| match Acd::decide(&state, command) {
        Ok(events) => events.iter().fold(state, Acd::evolve),
        Err(_) => state,
    })
}

/// Runs the setup and the operations; returns every command decided and every event.
fn run(operations: &[Operation]) -> (Vec<AcdCommand>, Vec<AcdEvent>, AcdState) {
    let mut commands = property_setup();
    let mut state = given(&commands);
    let mut history: Vec<AcdEvent> = Vec::new();
    let mut at = 1;
    for operation in operations {
        at += match operation {
            Operation::Tick { seconds } => *seconds,
            _ => 1,
        };
        let command = to_command(&state, operation, at);
        if let Ok(events) = Acd::decide(&state, &command) {
            for event in &events {
                check_event_against(&state, event);
                state = Acd::evolve(state, event);
                history.push(event.clone());
            }
        }
        commands.push(command);
    }
    (commands, history, state)
}

/// Checked on the state just before the event: an offer goes to an available agent with room, for a waiting contact, and only to the
/// sticky agent while the contact is reserved.
fn check_event_against(state: &AcdState, event: &AcdEvent) {
    if let AcdEvent::ContactOffered(offered) = event {
        let agent = &state.agents[&offered.agent_id];
        let contact = &state.contacts[&offered.contact_id];
        assert_eq!(agent.presence, Presence::Available, "offered to an agent who is not available: {offered:?}");
        assert!(agent.has_room(offered.channel), "offered beyond capacity: {offered:?}");
        assert!(agent.queue_ids.contains(&contact.queue_id), "offered outside the agent's queues: {offered:?}");
        assert_eq!(contact.status, ContactStatus::Waiting, "offered a contact that was not waiting: {offered:?}");
        assert!(contact.reserved_for.is_none_or(|sticky| sticky == offered.agent_id), "sticky broken: {offered:?}");
    }
}

fn assert_invariants(state: &AcdState, history: &[AcdEvent]) {
    // None lost, none doubled: the contacts in the ACD are exactly those queued and not yet
    // finished or abandoned, each in one place.
    let mut live = BTreeSet::new();
    for event in history {
        match event {
            AcdEvent::ContactQueued(queued) => assert!(live.insert(queued.contact_id), "queued twice"),
            AcdEvent::ContactFinished(ContactFinished { contact_id, .. })
            | AcdEvent::ContactAbandoned(ContactAbandoned { contact_id, .. }) => assert!(live.remove(contact_id)),
            _ => {}
        }
    }
    assert_eq!(state.contacts.keys().copied().collect::<BTreeSet<_>>(), live);
    let waiting_indexed: usize = state.waiting.values().map(BTreeSet::len).sum();
    let waiting = state.contacts.values().filter(|contact| contact.status == ContactStatus::Waiting).count();
    assert_eq!(waiting_indexed, waiting, "every waiting contact is indexed once");
    for contact in state.contacts.values() {
        let holders: Vec<Uuid> = state
            .agents
            .values()
            .filter(|agent| agent.contacts.contains_key(&contact.contact_id))
            .map(|agent| agent.agent_id)
            .collect();
        match contact.status {
            ContactStatus::Waiting => assert!(holders.is_empty(), "a waiting contact is held: {contact:?}"),
            ContactStatus::Offered { agent_id, .. } | ContactStatus::Assigned { agent_id } => {
                assert_eq!(holders, [agent_id], "a contact is with exactly its one agent")
            }
        }
    }
    // A hand-over is accepted whatever the receiving agent's load: only offers are bounded.
    let handed_to: BTreeSet<Uuid> = history
        .iter()
        .filter_map(|event| match event {
            AcdEvent::ContactHandedOver(handed) => Some(handed.to_agent_id),
            _ => None,
        })
        .collect();
    for agent in state.agents.values().filter(|agent| !handed_to.contains(&agent.agent_id)) {
        for channel in agent.contacts.values() {
            assert!(agent.load(*channel) <= agent.capacity_for(*channel), "{} over capacity", agent.agent_id);
        }
    }
    // Settled: no contact waits while an agent who may take it is free (checked by brute
    // force, which also checks the free-agent index).
    for contact in state.contacts.values().filter(|contact| contact.status == ContactStatus::Waiting) {
        let definition = &state.queues[&contact.queue_id].definition;
        for agent in state.agents.values() {
            let may_take = agent.queue_ids.contains(&contact.queue_id)
                && contact.reserved_for.is_none_or(|sticky| sticky == agent.agent_id)
                && state::agent_rank(definition, agent, contact.channel).is_some();
            assert!(!may_take, "contact {} waits while agent {} is free", contact.contact_id, agent.agent_id);
        }
    }
    for ((queue_id, channel), ranks) in &state.free_agents {
        let definition = &state.queues[queue_id].definition;
        for rank in ranks {
            let agent = &state.agents[&rank.agent_id];
            assert_eq!(state::agent_rank(definition, agent, *channel), Some(*rank), "stale free-agent index entry");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn replaying_the_log_and_deciding_again_gives_identical_events(
        operations in proptest::collection::vec(operation(), 1..80),
    ) {
        let (commands, history, state) = run(&operations);
        // The log, read back through the stored payloads, rebuilds the same state.
        let stored: Vec<AcdEvent> = history
            .iter()
            .map(|event| AcdEvent::from_stored(event.event_type(), event.schema_version(), &event.to_payload()).unwrap())
            .collect();
        let setup_events: Vec<AcdEvent> = {
            let mut state = AcdState::default();
            let mut events = Vec::new();
            for command in property_setup() {
                let decided = Acd::decide(&state, &command).unwrap();
                state = decided.iter().fold(state, Acd::evolve);
                events.extend(decided);
            }
            events
        };
        let replayed = Acd::replay(setup_events.iter().chain(&stored));
        prop_assert_eq!(&replayed, &state);
        // Deciding the same commands again from nothing gives the same events, in order.
        let mut again = AcdState::default();
        let mut decided_again = Vec::new();
        for command in &commands {
            if let Ok(events) = Acd::decide(&again, command) {
                again = events.iter().fold(again, Acd::evolve);
                decided_again.extend(events);
            }
        }
        prop_assert_eq!(decided_again, [setup_events, history].concat());
    }

    #[test]
    fn every_logged_batch_is_what_deciding_its_command_again_gives(
        operations in proptest::collection::vec(operation(), 1..60),
    ) {
        let batches = batches(&operations);
        prop_assert_eq!(audit::verify(TENANT, &batches), Ok(batches.len()));
        // A tampered decision is found: the first offer sent to someone else.
        let mut tampered = batches.clone();
        let offer = tampered.iter_mut().flatten().find_map(|event| match event {
            AcdEvent::ContactOffered(offered) => Some(offered),
            _ => None,
        });
        if let Some(offered) = offer {
            offered.agent_id = agent_id(99);
            prop_assert!(audit::verify(TENANT, &tampered).is_err());
        }
    }

    #[test]
    fn random_commands_keep_the_routing_invariants(operations in proptest::collection::vec(operation(), 1..120)) {
        let mut state = given(&property_setup());
        let mut history = Vec::new();
        let mut at = 1;
        for operation in &operations {
            at += match operation {
                Operation::Tick { seconds } => *seconds,
                _ => 1,
            };
            let command = to_command(&state, operation, at);
            if let Ok(events) = Acd::decide(&state, &command) {
                for event in &events {
                    check_event_against(&state, event);
                    state = Acd::evolve(state, event);
                    history.push(event.clone());
                }
            }
            assert_invariants(&state, &history);
        }
    }
}
