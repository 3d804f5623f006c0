use chrono::{Duration, TimeZone};

use super::*;

const TENANT: Uuid = Uuid::from_u128(1);
const CALL: Uuid = Uuid::from_u128(2);
const QUEUE: Uuid = Uuid::from_u128(3);
const AGENT: Uuid = Uuid::from_u128(4);
const OTHER_AGENT: Uuid = Uuid::from_u128(5);
const EXTENSION: Uuid = Uuid::from_u128(6);

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap() + Duration::seconds(seconds)
}

fn leg(n: u128) -> Uuid {
    Uuid::from_u128(100 + n)
}

fn caller() -> Sealed {
    Sealed { key_id: Uuid::from_u128(9), ciphertext: "c2VhbGVk".into() }
}

/// Applies commands in order; panics on a refusal.
fn run(commands: &[(i64, CallAction)]) -> (CallState, Vec<CallEvent>) {
    let mut state = CallState::default();
    let mut all = Vec::new();
    for (seconds, action) in commands {
        let command = CallCommand { tenant_id: TENANT, call_id: CALL, at: at(*seconds), action: action.clone() };
        let events = Call::decide(&state, &command).unwrap_or_else(|error| panic!("{action:?}: {error}"));
        for event in &events {
            state = Call::evolve(state, event);
        }
        all.extend(events);
    }
    (state, all)
}

fn refusal(state: &CallState, seconds: i64, action: CallAction) -> &'static str {
    let command = CallCommand { tenant_id: TENANT, call_id: CALL, at: at(seconds), action };
    Call::decide(state, &command).expect_err("refused").code
}

fn arrive() -> CallAction {
    CallAction::Arrive { trunk_id: None, access_number: "+4940123".into(), caller: caller(), queue_id: QUEUE }
}

fn ring(n: u128, agent_id: Uuid) -> CallAction {
    CallAction::RingAgent { leg_id: leg(n), agent_id, extension_id: EXTENSION }
}

#[test]
fn a_call_waits_rings_an_agent_who_does_not_answer_then_one_who_does_and_ends_with_its_durations() {
    let (state, events) = run(&[
        (0, arrive()),
        (5, ring(1, OTHER_AGENT)),
        (25, CallAction::FailAgentLeg { leg_id: leg(1), failure: LegFailure::NoAnswer }),
        (26, ring(2, AGENT)),
        (30, CallAction::Answer { leg_id: leg(2) }),
        (40, CallAction::Hold),
        (50, CallAction::Resume),
        (90, CallAction::End { cause: EndCause::AgentHungUp }),
        (91, CallAction::StoreRecording { recording_id: Uuid::from_u128(7), duration_ms: 60_000, bytes: 480_000 }),
    ]);
    let types: Vec<&str> = events.iter().map(DomainEvent::event_type).collect();
    assert_eq!(
        types,
        [ARRIVED, AGENT_RINGING, AGENT_LEG_FAILED, AGENT_RINGING, ANSWERED, HELD, RESUMED, ENDED, RECORDING_STORED]
    );
    let CallEvent::Answered(answered) = &events[4] else { panic!() };
    assert_eq!((answered.agent_id, answered.waited_ms), (AGENT, 30_000));
    let CallEvent::Ended(ended) = &events[7] else { panic!() };
    assert_eq!(
        (ended.cause, ended.agent_id, ended.wait_ms, ended.talk_ms, ended.hold_ms),
        (EndCause::AgentHungUp, Some(AGENT), 30_000, 60_000, 10_000)
    );
    assert_eq!(state.status, CallStatus::Ended);
    assert_eq!(refusal(&state, 95, CallAction::Hold), "call.ended");
}

#[test]
fn a_caller_who_hangs_up_before_an_answer_abandons_the_call() {
    let (_, events) =
        run(&[(0, arrive()), (3, ring(1, AGENT)), (12, CallAction::End { cause: EndCause::CallerHungUp })]);
    let CallEvent::Ended(ended) = events.last().unwrap() else { panic!() };
    assert_eq!((ended.cause, ended.agent_id, ended.wait_ms, ended.talk_ms), (EndCause::Abandoned, None, 12_000, 0));
}

#[test]
fn a_transfer_waits_again_and_counts_talk_and_hold_across_agents() {
    let (state, events) = run(&[
        (0, arrive()),
        (1, ring(1, AGENT)),
        (2, CallAction::Answer { leg_id: leg(1) }),
        (10, CallAction::Hold),
        (12, CallAction::Transfer { to: CallTransferTarget::Agent { agent_id: OTHER_AGENT } }),
        (13, ring(2, OTHER_AGENT)),
        (15, CallAction::Answer { leg_id: leg(2) }),
        (25, CallAction::End { cause: EndCause::CallerHungUp }),
    ]);
    let CallEvent::Answered(second) = &events[6] else { panic!() };
    assert_eq!((second.agent_id, second.waited_ms), (OTHER_AGENT, 3_000));
    let CallEvent::Ended(ended) = events.last().unwrap() else { panic!() };
    assert_eq!(
        (ended.cause, ended.agent_id, ended.wait_ms, ended.talk_ms, ended.hold_ms),
        (EndCause::CallerHungUp, Some(OTHER_AGENT), 2_000, 20_000, 2_000)
    );
    assert_eq!(state.status, CallStatus::Ended);
}

#[test]
fn commands_out_of_turn_are_refused_with_their_codes() {
    let empty = CallState::default();
    assert_eq!(refusal(&empty, 0, CallAction::Hold), "call.not_found");
    let bad_number =
        CallAction::Arrive { trunk_id: None, access_number: "12a".into(), caller: caller(), queue_id: QUEUE };
    assert_eq!(refusal(&empty, 0, bad_number), "call.invalid_number");

    let (waiting, _) = run(&[(0, arrive()), (1, ring(1, AGENT))]);
    assert_eq!(refusal(&waiting, 2, arrive()), "call.exists");
    assert_eq!(refusal(&waiting, 2, CallAction::Hold), "call.not_connected");
    assert_eq!(refusal(&waiting, 2, CallAction::Answer { leg_id: leg(9) }), "call.leg_not_ringing");
    assert_eq!(
        refusal(&waiting, 2, CallAction::Transfer { to: CallTransferTarget::Queue { queue_id: QUEUE } }),
        "call.not_connected"
    );

    let (connected, _) = run(&[(0, arrive()), (1, ring(1, AGENT)), (2, CallAction::Answer { leg_id: leg(1) })]);
    assert_eq!(refusal(&connected, 3, ring(2, OTHER_AGENT)), "call.already_connected");
    assert_eq!(
        refusal(&connected, 3, CallAction::Transfer { to: CallTransferTarget::Agent { agent_id: AGENT } }),
        "call.transfer_to_self"
    );
}

#[test]
fn repeated_commands_append_nothing_and_events_replay_from_their_payloads() {
    let (state, events) = run(&[(0, arrive()), (1, ring(1, AGENT)), (2, CallAction::Answer { leg_id: leg(1) })]);
    let again = CallCommand { tenant_id: TENANT, call_id: CALL, at: at(3), action: CallAction::Resume };
    assert!(Call::decide(&state, &again).unwrap().is_empty(), "resuming a call not on hold");
    let stored: Vec<CallEvent> = events
        .iter()
        .map(|event| CallEvent::from_stored(event.event_type(), 1, &event.to_payload()).unwrap())
        .collect();
    assert_eq!(stored, events);
    assert_eq!(Call::replay(&stored), state);
}

const TRUNK: Uuid = Uuid::from_u128(7);

fn dial() -> CallAction {
    CallAction::Dial {
        trunk_id: TRUNK,
        caller_id: "+4940123".into(),
        callee: caller(),
        agent_id: AGENT,
        leg_id: leg(1),
        extension_id: EXTENSION,
    }
}

#[test]
fn an_outbound_call_rings_the_agent_then_the_customer_and_counts_talk_from_the_customers_answer() {
    let (state, events) = run(&[
        (0, dial()),
        (3, CallAction::Answer { leg_id: leg(1) }),
        (10, CallAction::AnswerCallee),
        (20, CallAction::Hold),
        (25, CallAction::Resume),
        (70, CallAction::End { cause: EndCause::CallerHungUp }),
    ]);
    let types: Vec<&str> = events.iter().map(DomainEvent::event_type).collect();
    assert_eq!(types, [DIALED, AGENT_RINGING, ANSWERED, CALLEE_ANSWERED, HELD, RESUMED, ENDED]);
    assert_eq!(state.direction, CallDirection::Outbound);
    let CallEvent::CalleeAnswered(answered) = &events[3] else { panic!("{events:?}") };
    assert_eq!(answered.waited_ms, 10_000, "from the dial to the customer's answer");
    let CallEvent::Ended(ended) = events.last().unwrap() else { panic!("{events:?}") };
    assert_eq!(
        (ended.cause, ended.agent_id, ended.wait_ms, ended.talk_ms, ended.hold_ms),
        (EndCause::CallerHungUp, Some(AGENT), 10_000, 60_000, 5_000)
    );
}

#[test]
fn an_outbound_call_the_customer_does_not_answer_ends_unanswered() {
    let (state, events) = run(&[
        (0, dial()),
        (3, CallAction::Answer { leg_id: leg(1) }),
        (33, CallAction::FailCallee { failure: LegFailure::Busy }),
    ]);
    assert_eq!(state.status, CallStatus::Ended);
    let CallEvent::CalleeFailed(failed) = &events[3] else { panic!("{events:?}") };
    assert_eq!((failed.agent_id, failed.failure), (AGENT, LegFailure::Busy));
    let CallEvent::Ended(ended) = &events[4] else { panic!("{events:?}") };
    assert_eq!(
        (ended.cause, ended.agent_id, ended.wait_ms, ended.talk_ms),
        (EndCause::Unanswered, Some(AGENT), 33_000, 0)
    );
}

#[test]
fn an_outbound_call_cannot_be_held_before_the_customer_answers_nor_answered_twice() {
    let (state, _) = run(&[(0, dial()), (3, CallAction::Answer { leg_id: leg(1) })]);
    assert_eq!(state.status, CallStatus::Dialing { agent_id: AGENT });
    assert_eq!(refusal(&state, 4, CallAction::Hold), "call.not_connected");
    assert_eq!(refusal(&state, 4, dial()), "call.exists");
    let (connected, _) = run(&[(0, dial()), (3, CallAction::Answer { leg_id: leg(1) }), (5, CallAction::AnswerCallee)]);
    assert_eq!(refusal(&connected, 6, CallAction::AnswerCallee), "call.not_dialing");
    let (inbound, _) = run(&[(0, arrive())]);
    assert_eq!(refusal(&inbound, 1, CallAction::FailCallee { failure: LegFailure::NoAnswer }), "call.not_dialing");
    // The agent hanging up while the customer's phone rings ends the call, the agent's.
    let (_, events) = run(&[
        (0, dial()),
        (3, CallAction::Answer { leg_id: leg(1) }),
        (9, CallAction::End { cause: EndCause::AgentHungUp }),
    ]);
    let CallEvent::Ended(ended) = events.last().unwrap() else { panic!("{events:?}") };
    assert_eq!((ended.cause, ended.agent_id, ended.talk_ms), (EndCause::AgentHungUp, Some(AGENT), 0));
}

#[test]
fn numbers_are_digits_with_an_optional_leading_plus() {
    assert!(is_valid_number("+8613800138000"));
    assert!(is_valid_number("010"));
    for bad in ["", "+", "12a", "+1 2", &"1".repeat(MAX_NUMBER_CHARS + 1)] {
        assert!(!is_valid_number(bad), "{bad}");
    }
}

const CONSULTED: Uuid = Uuid::from_u128(8);
const CONSULTED_EXTENSION: Uuid = Uuid::from_u128(10);

fn consult(n: u128, agent_id: Uuid) -> CallAction {
    CallAction::Consult { leg_id: leg(n), agent_id, extension_id: CONSULTED_EXTENSION }
}

/// Arrives at 0, rings AGENT at 1, AGENT answers at 2.
fn connected_call() -> Vec<(i64, CallAction)> {
    vec![(0, arrive()), (1, ring(1, AGENT)), (2, CallAction::Answer { leg_id: leg(1) })]
}

#[test]
fn a_completed_consult_hands_the_call_over_and_counts_the_hold_until_then() {
    let mut commands = connected_call();
    commands.extend([
        (10, CallAction::Hold),
        (11, consult(2, CONSULTED)),
        (15, CallAction::AnswerConsult { leg_id: leg(2) }),
        (30, CallAction::CompleteConsult { leg_id: leg(2) }),
    ]);
    let (state, events) = run(&commands);
    let types: Vec<&str> = events.iter().map(DomainEvent::event_type).collect();
    assert_eq!(types, [ARRIVED, AGENT_RINGING, ANSWERED, HELD, CONSULT_STARTED, CONSULT_ANSWERED, CONSULT_COMPLETED]);
    let CallEvent::ConsultStarted(started) = &events[4] else { panic!("{events:?}") };
    assert_eq!(
        (started.leg_id, started.agent_id, started.consulted_agent_id, started.extension_id),
        (leg(2), AGENT, CONSULTED, CONSULTED_EXTENSION)
    );
    let CallEvent::ConsultAnswered(answered) = &events[5] else { panic!("{events:?}") };
    assert_eq!((answered.leg_id, answered.consulted_agent_id), (leg(2), CONSULTED));
    let CallEvent::ConsultCompleted(completed) = &events[6] else { panic!("{events:?}") };
    assert_eq!((completed.leg_id, completed.from_agent_id, completed.to_agent_id), (leg(2), AGENT, CONSULTED));
    assert_eq!(state.status, CallStatus::Connected { agent_id: CONSULTED, held_since: None });
    assert_eq!(state.consult, None);
    assert_eq!(state.hold_ms, 20_000, "the hold from 10 s ends with the hand-over at 30 s");
    assert_eq!(state.connected_since, Some(at(2)), "the caller stays connected");

    // The consulted agent has the call now: they hold, resume, and it ends theirs.
    commands.extend([
        (40, CallAction::Hold),
        (45, CallAction::Resume),
        (62, CallAction::End { cause: EndCause::AgentHungUp }),
    ]);
    let (_, events) = run(&commands);
    let CallEvent::Ended(ended) = events.last().unwrap() else { panic!("{events:?}") };
    assert_eq!(
        (ended.cause, ended.agent_id, ended.wait_ms, ended.talk_ms, ended.hold_ms),
        (EndCause::AgentHungUp, Some(CONSULTED), 2_000, 60_000, 25_000)
    );
}

#[test]
fn a_consult_that_ends_leaves_the_call_with_the_first_agent_who_can_consult_again() {
    let mut commands = connected_call();
    commands.extend([
        (10, CallAction::Hold),
        (11, consult(2, CONSULTED)),
        (20, CallAction::EndConsult { leg_id: leg(2), failure: Some(LegFailure::Busy) }),
        (21, consult(3, CONSULTED)),
        (23, CallAction::AnswerConsult { leg_id: leg(3) }),
        (30, CallAction::EndConsult { leg_id: leg(3), failure: None }),
        (31, CallAction::Resume),
    ]);
    let (state, events) = run(&commands);
    let CallEvent::ConsultEnded(failed) = &events[5] else { panic!("{events:?}") };
    assert_eq!((failed.leg_id, failed.consulted_agent_id, failed.failure), (leg(2), CONSULTED, Some(LegFailure::Busy)));
    let CallEvent::ConsultEnded(cancelled) = &events[8] else { panic!("{events:?}") };
    assert_eq!((cancelled.leg_id, cancelled.failure), (leg(3), None));
    assert_eq!(state.consult, None);
    assert_eq!(state.status, CallStatus::Connected { agent_id: AGENT, held_since: None });
    assert_eq!(state.hold_ms, 21_000);
    // A transfer is possible again once the consultation is over.
    let transfer = CallCommand {
        tenant_id: TENANT,
        call_id: CALL,
        at: at(32),
        action: CallAction::Transfer { to: CallTransferTarget::Queue { queue_id: QUEUE } },
    };
    assert!(Call::decide(&state, &transfer).is_ok());
}

#[test]
fn a_consult_needs_a_connected_call_one_at_a_time_and_another_agent() {
    let (waiting, _) = run(&[(0, arrive()), (1, ring(1, AGENT))]);
    assert_eq!(refusal(&waiting, 2, consult(2, CONSULTED)), "call.not_connected");

    let (connected, _) = run(&connected_call());
    assert_eq!(refusal(&connected, 3, consult(2, AGENT)), "call.consult_self");
    for action in [
        CallAction::AnswerConsult { leg_id: leg(2) },
        CallAction::EndConsult { leg_id: leg(2), failure: None },
        CallAction::CompleteConsult { leg_id: leg(2) },
    ] {
        assert_eq!(refusal(&connected, 3, action), "call.not_consulting");
    }

    let mut commands = connected_call();
    commands.push((3, consult(2, CONSULTED)));
    let (consulting, _) = run(&commands);
    assert_eq!(consulting.consult, Some(Consultation { leg_id: leg(2), agent_id: CONSULTED, answered: false }));
    assert_eq!(refusal(&consulting, 4, consult(3, OTHER_AGENT)), "call.consult_in_progress");
    assert_eq!(
        refusal(&consulting, 4, CallAction::Transfer { to: CallTransferTarget::Queue { queue_id: QUEUE } }),
        "call.consult_in_progress"
    );
    assert_eq!(refusal(&consulting, 4, CallAction::CompleteConsult { leg_id: leg(2) }), "call.consult_not_answered");
    assert_eq!(refusal(&consulting, 4, CallAction::AnswerConsult { leg_id: leg(9) }), "call.not_consulting");
    assert_eq!(
        refusal(&consulting, 4, CallAction::EndConsult { leg_id: leg(9), failure: None }),
        "call.not_consulting"
    );
    assert_eq!(refusal(&consulting, 4, CallAction::CompleteConsult { leg_id: leg(9) }), "call.not_consulting");

    commands.push((5, CallAction::AnswerConsult { leg_id: leg(2) }));
    let (answered, _) = run(&commands);
    let again = CallCommand {
        tenant_id: TENANT,
        call_id: CALL,
        at: at(6),
        action: CallAction::AnswerConsult { leg_id: leg(2) },
    };
    assert!(Call::decide(&answered, &again).unwrap().is_empty(), "answering the consult twice");
    assert_eq!(refusal(&answered, 6, consult(3, OTHER_AGENT)), "call.consult_in_progress");

    // The call ending ends the consultation with it.
    commands.push((7, CallAction::End { cause: EndCause::CallerHungUp }));
    let (ended, _) = run(&commands);
    assert_eq!(ended.consult, None);
    assert_eq!(refusal(&ended, 8, CallAction::CompleteConsult { leg_id: leg(2) }), "call.ended");
}

#[test]
fn consult_events_replay_from_their_payloads() {
    let mut commands = connected_call();
    commands.extend([
        (10, CallAction::Hold),
        (11, consult(2, CONSULTED)),
        (12, CallAction::EndConsult { leg_id: leg(2), failure: Some(LegFailure::NoAnswer) }),
        (13, consult(3, CONSULTED)),
        (15, CallAction::AnswerConsult { leg_id: leg(3) }),
        (30, CallAction::CompleteConsult { leg_id: leg(3) }),
    ]);
    let (state, events) = run(&commands);
    let stored: Vec<CallEvent> = events
        .iter()
        .map(|event| CallEvent::from_stored(event.event_type(), 1, &event.to_payload()).unwrap())
        .collect();
    assert_eq!(stored, events);
    assert_eq!(Call::replay(&stored), state);
}
