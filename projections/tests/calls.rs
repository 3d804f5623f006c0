//! The `calls` read model: each call as its events left it (ringing, connected, held,
//! transferred, moved by the ACD, ended, recorded; called out to), the call records' and the
//! softphone bar's queries, tenant isolation, idempotence (a range applied twice, or a
//! rebuild, leaves the same rows), a table made before outbound calls gaining its column,
//! consultations (attended transfer: cancelled, failed, completed; the consulted agent's
//! softphone bar) and a table made before consultations gaining their columns.

mod common;

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::{
    Backend, TIME_LIMIT, TestEnv, append, assert_replays_change_nothing, create_tenant, decide_and_append, dump_table,
    new_events,
};
use hotline_domain::ExpectedVersion;
use hotline_domain::acd::{self, AcdEvent, ContactOverflowed};
use hotline_domain::call::{
    Call, CallAction, CallCommand, CallDirection, CallTransferTarget, EndCause, LegFailure, Sealed,
};
use hotline_projections::calls::{
    CallRowStatus, CallsProjection, ConsultStatus, call_of_recording, current_call_of_agent, get_call, list_calls,
};
use hotline_projections::{ProjectionRunner, all_projections};
use uuid::Uuid;

fn id(number: u128) -> Uuid {
    Uuid::from_u128(number)
}

const CALL_A: u128 = 0xca11_000a;
const CALL_B: u128 = 0xca11_000b;
const CALL_C: u128 = 0xca11_000c;
const CALL_D: u128 = 0xca11_000d;
const CALL_E: u128 = 0xca11_000e;
const CALL_F: u128 = 0xca11_000f;
const CALL_G: u128 = 0xca11_0010;
const AGENT_1: u128 = 0xa001;
const AGENT_2: u128 = 0xa002;
const AGENT_3: u128 = 0xa003;
const AGENT_4: u128 = 0xa004;
const QUEUE_1: u128 = 0x9001;
const QUEUE_2: u128 = 0x9002;
const QUEUE_3: u128 = 0x9003;
const RECORDING: u128 = 0x4ec0;

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

fn at(seconds: i64) -> DateTime<Utc> {
    start() + Duration::seconds(seconds)
}

fn caller(number: u128) -> Sealed {
    Sealed { key_id: id(0x6e00 + number), ciphertext: format!("sealed-{number}") }
}

/// Runs the call's actions, each at its second; returns the position of the last event.
async fn call(env: &TestEnv, tenant_id: Uuid, call: u128, actions: Vec<(i64, CallAction)>) -> u64 {
    let mut position = 0;
    for (second, action) in actions {
        let command = CallCommand { tenant_id, call_id: id(call), at: at(second), action };
        position = decide_and_append::<Call>(&env.store, tenant_id, command).await;
    }
    position
}

fn arrive(second: i64, queue: u128) -> (i64, CallAction) {
    let action = CallAction::Arrive {
        trunk_id: None,
        access_number: "4000".into(),
        caller: caller(u128::try_from(second).unwrap()),
        queue_id: id(queue),
    };
    (second, action)
}

fn ring(second: i64, leg: u128, agent: u128) -> (i64, CallAction) {
    (second, CallAction::RingAgent { leg_id: id(leg), agent_id: id(agent), extension_id: id(0xe000 + agent) })
}

fn answer(second: i64, leg: u128) -> (i64, CallAction) {
    (second, CallAction::Answer { leg_id: id(leg) })
}

/// Agent 4 calls a customer out; the agent's own phone is leg `leg`.
fn dial(second: i64, leg: u128) -> (i64, CallAction) {
    let action = CallAction::Dial {
        trunk_id: id(0x7001),
        caller_id: "4000".into(),
        callee: caller(u128::try_from(second).unwrap()),
        agent_id: id(AGENT_4),
        leg_id: id(leg),
        extension_id: id(0xe000 + AGENT_4),
    };
    (second, action)
}

/// acme: A (rung busy at agent 1, answered by agent 2, held, resumed, ended by the caller,
/// recorded), B (ringing agent 1), C (held by agent 2), D (abandoned), E (answered by agent
/// 3, transferred to queue 2, overflowed by the ACD to queue 3), F (agent 4 calling out: their
/// phone answered, the customer's rings), G (agent 4's call out, the customer busy).
/// globex: a call with A's id.
/// Returns (acme, globex, head position).
async fn write_calls(env: &TestEnv) -> (Uuid, Uuid, u64) {
    let (acme, _) = create_tenant(&env.store, "acme").await;
    let (globex, _) = create_tenant(&env.store, "globex").await;
    let a = vec![
        arrive(0, QUEUE_1),
        ring(2, 0x1e01, AGENT_1),
        (3, CallAction::FailAgentLeg { leg_id: id(0x1e01), failure: LegFailure::Busy }),
        ring(4, 0x1e02, AGENT_2),
        answer(5, 0x1e02),
        (10, CallAction::Hold),
        (12, CallAction::Resume),
        (20, CallAction::End { cause: EndCause::CallerHungUp }),
        (21, CallAction::StoreRecording { recording_id: id(RECORDING), duration_ms: 15_040, bytes: 120_000 }),
    ];
    call(env, acme, CALL_A, a).await;
    call(env, acme, CALL_B, vec![arrive(60, QUEUE_1), ring(61, 0x1e03, AGENT_1)]).await;
    call(
        env,
        acme,
        CALL_C,
        vec![arrive(120, QUEUE_1), ring(121, 0x1e04, AGENT_2), answer(122, 0x1e04), (125, CallAction::Hold)],
    )
    .await;
    call(env, acme, CALL_D, vec![arrive(180, QUEUE_1), (190, CallAction::End { cause: EndCause::CallerHungUp })]).await;
    let e = vec![
        arrive(240, QUEUE_1),
        ring(241, 0x1e05, AGENT_3),
        answer(242, 0x1e05),
        (250, CallAction::Transfer { to: CallTransferTarget::Queue { queue_id: id(QUEUE_2) } }),
    ];
    call(env, acme, CALL_E, e).await;
    let overflowed = AcdEvent::ContactOverflowed(ContactOverflowed {
        contact_id: id(CALL_E),
        from_queue_id: id(QUEUE_2),
        to_queue_id: id(QUEUE_3),
        reserved_for: None,
        reserved_until: None,
        overflow_at: None,
        overflow_to_queue_id: None,
        at: at(280),
    });
    // A chat contact's overflow touches no call.
    let chat_overflowed =
        AcdEvent::ContactOverflowed(ContactOverflowed { contact_id: id(0xc4a7), ..overflowed_of(&overflowed) });
    append(
        &env.store,
        acme,
        acd::stream_id(acme),
        ExpectedVersion::NoStream,
        new_events(&[overflowed, chat_overflowed]),
    )
    .await;
    call(
        env,
        acme,
        CALL_G,
        vec![dial(300, 0x1e06), answer(301, 0x1e06), (330, CallAction::FailCallee { failure: LegFailure::Busy })],
    )
    .await;
    call(env, acme, CALL_F, vec![dial(360, 0x1e07), answer(362, 0x1e07)]).await;
    let head = call(env, globex, CALL_A, vec![arrive(30, QUEUE_1)]).await;
    (acme, globex, head)
}

fn overflowed_of(event: &AcdEvent) -> ContactOverflowed {
    let AcdEvent::ContactOverflowed(overflowed) = event else { unreachable!("an overflow") };
    overflowed.clone()
}

async fn calls_read_as_their_events_left_them(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let pool = &env.pool;
    let (acme, globex, head) = write_calls(&env).await;
    let runner = ProjectionRunner::start(env.store.clone(), env.pool.clone(), all_projections(env.keys.clone()));
    assert!(runner.wait_for(head, TIME_LIMIT).await);

    let a = get_call(pool, acme, id(CALL_A)).await.unwrap().expect("call A");
    assert_eq!(a.status, CallRowStatus::Ended);
    assert_eq!(a.access_number, "4000");
    assert_eq!(a.caller, caller(0));
    assert_eq!((a.queue_id, a.direction), (Some(id(QUEUE_1)), CallDirection::Inbound));
    assert_eq!(a.agent_id, Some(id(AGENT_2)));
    assert_eq!(a.ringing_agent_id, None);
    assert_eq!((a.arrived_at, a.answered_at, a.ended_at), (at(0), Some(at(5)), Some(at(20))));
    assert_eq!(a.end_cause.as_deref(), Some("caller_hung_up"));
    assert_eq!((a.wait_ms, a.talk_ms, a.hold_ms), (Some(5_000), Some(15_000), Some(2_000)));
    assert_eq!((a.recording_id, a.recording_ms), (Some(id(RECORDING)), Some(15_040)));

    let b = get_call(pool, acme, id(CALL_B)).await.unwrap().expect("call B");
    assert_eq!((b.status, b.ringing_agent_id, b.agent_id), (CallRowStatus::Ringing, Some(id(AGENT_1)), None));
    assert_eq!((b.answered_at, b.wait_ms, b.talk_ms), (None, None, None));

    let c = get_call(pool, acme, id(CALL_C)).await.unwrap().expect("call C");
    assert_eq!((c.status, c.agent_id, c.wait_ms), (CallRowStatus::Held, Some(id(AGENT_2)), Some(2_000)));

    let d = get_call(pool, acme, id(CALL_D)).await.unwrap().expect("call D");
    assert_eq!((d.status, d.end_cause.as_deref(), d.agent_id), (CallRowStatus::Ended, Some("abandoned"), None));
    assert_eq!((d.answered_at, d.wait_ms, d.talk_ms), (None, Some(10_000), Some(0)));

    let e = get_call(pool, acme, id(CALL_E)).await.unwrap().expect("call E");
    assert_eq!((e.status, e.agent_id, e.queue_id), (CallRowStatus::Waiting, Some(id(AGENT_3)), Some(id(QUEUE_3))));

    // Calls out: no queue, our caller id as the access number, the number dialled sealed.
    let f = get_call(pool, acme, id(CALL_F)).await.unwrap().expect("call F");
    assert_eq!(
        (f.direction, f.status, f.agent_id, f.queue_id),
        (CallDirection::Outbound, CallRowStatus::Dialing, Some(id(AGENT_4)), None)
    );
    assert_eq!((f.access_number.as_str(), &f.caller, f.answered_at), ("4000", &caller(360), None));
    let g = get_call(pool, acme, id(CALL_G)).await.unwrap().expect("call G");
    assert_eq!(
        (g.status, g.end_cause.as_deref(), g.agent_id),
        (CallRowStatus::Ended, Some("unanswered"), Some(id(AGENT_4)))
    );
    assert_eq!((g.answered_at, g.wait_ms, g.talk_ms), (None, Some(30_000), Some(0)));

    // The softphone bar: ringing, or connected (held or not).
    let current = |agent: u128| current_call_of_agent(pool, acme, id(agent));
    assert_eq!(current(AGENT_1).await.unwrap().map(|call| call.call_id), Some(id(CALL_B)));
    assert_eq!(current(AGENT_2).await.unwrap().map(|call| call.call_id), Some(id(CALL_C)));
    assert_eq!(current(AGENT_3).await.unwrap(), None, "E waits after its transfer");
    assert_eq!(current(AGENT_4).await.unwrap().map(|call| call.call_id), Some(id(CALL_F)), "dialing");
    assert_eq!(current_call_of_agent(pool, globex, id(AGENT_1)).await.unwrap(), None);

    // Call records: newest first, per agent, before a time, a page at a time.
    let ids = |calls: Vec<hotline_projections::calls::CallView>| {
        calls.into_iter().map(|call| call.call_id).collect::<Vec<_>>()
    };
    assert_eq!(
        ids(list_calls(pool, acme, None, None, 50).await.unwrap()),
        [id(CALL_F), id(CALL_G), id(CALL_E), id(CALL_D), id(CALL_C), id(CALL_B), id(CALL_A)]
    );
    assert_eq!(ids(list_calls(pool, acme, None, None, 2).await.unwrap()), [id(CALL_F), id(CALL_G)]);
    assert_eq!(ids(list_calls(pool, acme, None, Some(at(120)), 50).await.unwrap()), [id(CALL_B), id(CALL_A)]);
    assert_eq!(ids(list_calls(pool, acme, Some(id(AGENT_2)), None, 50).await.unwrap()), [id(CALL_C), id(CALL_A)]);
    assert_eq!(ids(list_calls(pool, acme, Some(id(AGENT_2)), Some(at(100)), 50).await.unwrap()), [id(CALL_A)]);
    assert!(list_calls(pool, acme, Some(id(AGENT_1)), None, 50).await.unwrap().is_empty(), "agent 1 never answered");

    // Tenants are apart: globex's call with A's id is its own.
    let globex_calls = list_calls(pool, globex, None, None, 50).await.unwrap();
    assert_eq!(globex_calls.len(), 1);
    assert_eq!((globex_calls[0].call_id, globex_calls[0].status), (id(CALL_A), CallRowStatus::Waiting));
    assert_eq!(globex_calls[0].arrived_at, at(30));
    assert_eq!(call_of_recording(pool, acme, id(RECORDING)).await.unwrap().map(|call| call.call_id), Some(id(CALL_A)));
    assert_eq!(call_of_recording(pool, globex, id(RECORDING)).await.unwrap(), None);
    assert!(list_calls(pool, Uuid::now_v7(), None, None, 50).await.unwrap().is_empty());
    runner.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_read_as_their_events_left_them_on_sqlite() {
    calls_read_as_their_events_left_them(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_read_as_their_events_left_them_on_postgres() {
    calls_read_as_their_events_left_them(Backend::Postgres).await;
}

async fn dump_calls(env: &TestEnv) -> Vec<String> {
    dump_table(
        &env.pool,
        "calls",
        "tenant_id, call_id, version, acd_version, status, access_number, caller_key_id, caller_ciphertext, \
         queue_id, direction, agent_id, ringing_agent_id, ringing_leg_id, arrived_at, answered_at, ended_at, end_cause, \
         wait_ms, talk_ms, hold_ms, recording_id, recording_ms, consult_agent_id, consult_status",
        "tenant_id, call_id",
    )
    .await
}

async fn replaying_or_rebuilding_changes_nothing(backend: Backend) {
    let env = TestEnv::new(backend).await;
    write_calls(&env).await;
    let (initech, _) = create_tenant(&env.store, "initech").await;
    let mut head = 0;
    for phase in 1..=CONSULT_PHASES {
        head = write_consults(&env, initech, phase).await;
    }
    let runner = ProjectionRunner::start(env.store.clone(), env.pool.clone(), all_projections(env.keys.clone()));
    assert!(runner.wait_for(head, TIME_LIMIT).await);
    runner.shutdown().await;
    let live = dump_calls(&env).await;
    assert_eq!(live.len(), 11, "{live:?}");

    assert_replays_change_nothing(&env, Arc::new(CallsProjection), head, dump_calls).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replaying_or_rebuilding_changes_nothing_on_sqlite() {
    replaying_or_rebuilding_changes_nothing(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replaying_or_rebuilding_changes_nothing_on_postgres() {
    replaying_or_rebuilding_changes_nothing(Backend::Postgres).await;
}

/// A `calls` table as releases before outbound calls made it: no `direction` column.
const CALLS_BEFORE_OUTBOUND: &str = "CREATE TABLE calls (tenant_id TEXT NOT NULL, call_id TEXT NOT NULL, \
     version BIGINT NOT NULL, acd_version BIGINT NOT NULL, status TEXT NOT NULL, access_number TEXT NOT NULL, \
     caller_key_id TEXT NOT NULL, caller_ciphertext TEXT NOT NULL, queue_id TEXT NOT NULL, agent_id TEXT NULL, \
     ringing_agent_id TEXT NULL, ringing_leg_id TEXT NULL, arrived_at BIGINT NOT NULL, answered_at BIGINT NULL, \
     ended_at BIGINT NULL, end_cause TEXT NULL, wait_ms BIGINT NULL, talk_ms BIGINT NULL, hold_ms BIGINT NULL, \
     recording_id TEXT NULL, recording_ms BIGINT NULL, PRIMARY KEY (tenant_id, call_id))";

async fn an_older_calls_table_gains_the_direction(backend: Backend) {
    let env = TestEnv::new(backend).await;
    sqlx::query(CALLS_BEFORE_OUTBOUND).execute(&env.pool).await.unwrap();
    let (acme, _, head) = write_calls(&env).await;
    let runner = ProjectionRunner::start(env.store.clone(), env.pool.clone(), all_projections(env.keys.clone()));
    assert!(runner.wait_for(head, TIME_LIMIT).await);
    runner.shutdown().await;
    let a = get_call(&env.pool, acme, id(CALL_A)).await.unwrap().expect("call A");
    let f = get_call(&env.pool, acme, id(CALL_F)).await.unwrap().expect("call F");
    assert_eq!((a.direction, f.direction, f.queue_id), (CallDirection::Inbound, CallDirection::Outbound, None));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_calls_table_gains_the_direction_on_sqlite() {
    an_older_calls_table_gains_the_direction(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_calls_table_gains_the_direction_on_postgres() {
    an_older_calls_table_gains_the_direction(Backend::Postgres).await;
}

const CALL_H: u128 = 0xca11_0011;
const CALL_I: u128 = 0xca11_0012;
const CALL_J: u128 = 0xca11_0013;
const CONSULT_PHASES: u8 = 5;

/// The connected agent consults `agent` on leg `leg`.
fn consult(second: i64, leg: u128, agent: u128) -> (i64, CallAction) {
    (second, CallAction::Consult { leg_id: id(leg), agent_id: id(agent), extension_id: id(0xe000 + agent) })
}

/// Consultations, in phases (each returns the position of its last event):
/// 1. H: agent 1 consults agent 2, who does not answer, then again, answers, and the
///    consultation is cancelled (agent 1 has the caller back). I: agent 3 consults agent 4,
///    whose phone rings;
/// 2. I: agent 4 answers;
/// 3. I: the transfer completes: agent 4 has the call;
/// 4. J: agent 2 consults agent 4 (who has I, older);
/// 5. J: the caller hangs up during the consultation.
async fn write_consults(env: &TestEnv, tenant_id: Uuid, phase: u8) -> u64 {
    match phase {
        1 => {
            let h = vec![
                arrive(0, QUEUE_1),
                ring(1, 0x2e01, AGENT_1),
                answer(2, 0x2e01),
                (10, CallAction::Hold),
                consult(11, 0x2e02, AGENT_2),
                (13, CallAction::EndConsult { leg_id: id(0x2e02), failure: Some(LegFailure::NoAnswer) }),
                consult(14, 0x2e03, AGENT_2),
                (15, CallAction::AnswerConsult { leg_id: id(0x2e03) }),
                (20, CallAction::EndConsult { leg_id: id(0x2e03), failure: None }),
                (21, CallAction::Resume),
            ];
            call(env, tenant_id, CALL_H, h).await;
            let i = vec![
                arrive(100, QUEUE_1),
                ring(101, 0x2e04, AGENT_3),
                answer(102, 0x2e04),
                (110, CallAction::Hold),
                consult(111, 0x2e05, AGENT_4),
            ];
            call(env, tenant_id, CALL_I, i).await
        }
        2 => call(env, tenant_id, CALL_I, vec![(115, CallAction::AnswerConsult { leg_id: id(0x2e05) })]).await,
        3 => call(env, tenant_id, CALL_I, vec![(130, CallAction::CompleteConsult { leg_id: id(0x2e05) })]).await,
        4 => {
            let j = vec![
                arrive(200, QUEUE_1),
                ring(201, 0x2e06, AGENT_2),
                answer(202, 0x2e06),
                (210, CallAction::Hold),
                consult(211, 0x2e07, AGENT_4),
            ];
            call(env, tenant_id, CALL_J, j).await
        }
        _ => call(env, tenant_id, CALL_J, vec![(220, CallAction::End { cause: EndCause::CallerHungUp })]).await,
    }
}

async fn consultations_show_on_the_call_and_on_the_consulted_agents_bar(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let pool = &env.pool;
    let (initech, _) = create_tenant(&env.store, "initech").await;
    let runner = ProjectionRunner::start(env.store.clone(), env.pool.clone(), all_projections(env.keys.clone()));
    let current = |agent: u128| current_call_of_agent(pool, initech, id(agent));
    let call_id = |view: Option<hotline_projections::calls::CallView>| view.map(|view| view.call_id);

    // 1. A consultation cancelled (after one the consulted phone did not answer): none left.
    let head = write_consults(&env, initech, 1).await;
    assert!(runner.wait_for(head, TIME_LIMIT).await);
    let h = get_call(pool, initech, id(CALL_H)).await.unwrap().expect("call H");
    assert_eq!((h.status, h.agent_id), (CallRowStatus::Connected, Some(id(AGENT_1))));
    assert_eq!((h.consult_agent_id, h.consult_status), (None, None));
    assert_eq!(call_id(current(AGENT_2).await.unwrap()), None, "agent 2 is no longer consulted");
    assert_eq!(call_id(current(AGENT_1).await.unwrap()), Some(id(CALL_H)));
    // I: agent 4's phone rings for the consultation, the caller on hold.
    let i = get_call(pool, initech, id(CALL_I)).await.unwrap().expect("call I");
    assert_eq!((i.status, i.agent_id), (CallRowStatus::Held, Some(id(AGENT_3))));
    assert_eq!((i.consult_agent_id, i.consult_status), (Some(id(AGENT_4)), Some(ConsultStatus::Ringing)));
    let on_bar = current(AGENT_4).await.unwrap().expect("the consulted agent's bar shows the consultation");
    assert_eq!((on_bar.call_id, on_bar.consult_status), (id(CALL_I), Some(ConsultStatus::Ringing)));
    assert_eq!(call_id(current(AGENT_3).await.unwrap()), Some(id(CALL_I)));

    // 2. Agent 4 answers: the agents talk.
    let head = write_consults(&env, initech, 2).await;
    assert!(runner.wait_for(head, TIME_LIMIT).await);
    let i = get_call(pool, initech, id(CALL_I)).await.unwrap().expect("call I");
    assert_eq!((i.status, i.consult_status), (CallRowStatus::Held, Some(ConsultStatus::Connected)));
    let on_bar = current(AGENT_4).await.unwrap().expect("still consulted");
    assert_eq!((on_bar.call_id, on_bar.consult_status), (id(CALL_I), Some(ConsultStatus::Connected)));

    // 3. The transfer completes: the call is agent 4's, connected; agent 3 is free.
    let head = write_consults(&env, initech, 3).await;
    assert!(runner.wait_for(head, TIME_LIMIT).await);
    let i = get_call(pool, initech, id(CALL_I)).await.unwrap().expect("call I");
    assert_eq!((i.status, i.agent_id), (CallRowStatus::Connected, Some(id(AGENT_4))));
    assert_eq!((i.consult_agent_id, i.consult_status), (None, None));
    assert_eq!((i.answered_at, i.wait_ms), (Some(at(102)), Some(2_000)), "the first answer stays");
    assert_eq!(call_id(current(AGENT_4).await.unwrap()), Some(id(CALL_I)));
    assert_eq!(call_id(current(AGENT_3).await.unwrap()), None);
    assert_eq!(
        list_calls(pool, initech, Some(id(AGENT_4)), None, 50).await.unwrap().len(),
        1,
        "the call is in agent 4's records"
    );

    // 4. Agent 4 is consulted on a newer call while they have I: their own call comes first.
    let head = write_consults(&env, initech, 4).await;
    assert!(runner.wait_for(head, TIME_LIMIT).await);
    let j = get_call(pool, initech, id(CALL_J)).await.unwrap().expect("call J");
    assert_eq!((j.consult_agent_id, j.consult_status), (Some(id(AGENT_4)), Some(ConsultStatus::Ringing)));
    assert_eq!(call_id(current(AGENT_4).await.unwrap()), Some(id(CALL_I)));
    assert_eq!(call_id(current(AGENT_2).await.unwrap()), Some(id(CALL_J)));

    // 5. The caller hangs up during the consultation: it ends with the call.
    let head = write_consults(&env, initech, 5).await;
    assert!(runner.wait_for(head, TIME_LIMIT).await);
    let j = get_call(pool, initech, id(CALL_J)).await.unwrap().expect("call J");
    assert_eq!((j.status, j.consult_agent_id, j.consult_status), (CallRowStatus::Ended, None, None));
    assert_eq!(call_id(current(AGENT_2).await.unwrap()), None);
    runner.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consultations_show_on_the_call_and_on_the_consulted_agents_bar_on_sqlite() {
    consultations_show_on_the_call_and_on_the_consulted_agents_bar(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consultations_show_on_the_call_and_on_the_consulted_agents_bar_on_postgres() {
    consultations_show_on_the_call_and_on_the_consulted_agents_bar(Backend::Postgres).await;
}

/// A `calls` table as releases before consultations made it: no consult columns.
const CALLS_BEFORE_CONSULT: &str = "CREATE TABLE calls (tenant_id TEXT NOT NULL, call_id TEXT NOT NULL, \
     version BIGINT NOT NULL, acd_version BIGINT NOT NULL, status TEXT NOT NULL, access_number TEXT NOT NULL, \
     caller_key_id TEXT NOT NULL, caller_ciphertext TEXT NOT NULL, queue_id TEXT NOT NULL, \
     direction TEXT NOT NULL DEFAULT 'inbound', agent_id TEXT NULL, \
     ringing_agent_id TEXT NULL, ringing_leg_id TEXT NULL, arrived_at BIGINT NOT NULL, answered_at BIGINT NULL, \
     ended_at BIGINT NULL, end_cause TEXT NULL, wait_ms BIGINT NULL, talk_ms BIGINT NULL, hold_ms BIGINT NULL, \
     recording_id TEXT NULL, recording_ms BIGINT NULL, PRIMARY KEY (tenant_id, call_id))";

async fn an_older_calls_table_gains_the_consult_columns(backend: Backend) {
    let env = TestEnv::new(backend).await;
    sqlx::query(CALLS_BEFORE_CONSULT).execute(&env.pool).await.unwrap();
    let (initech, _) = create_tenant(&env.store, "initech").await;
    // A row the older release wrote, for a call whose events this log does not hold.
    let old_call = id(0xca11_0fff);
    sqlx::query(
        "INSERT INTO calls (tenant_id, call_id, version, acd_version, status, access_number, caller_key_id, \
         caller_ciphertext, queue_id, direction, agent_id, arrived_at) \
         VALUES ($1, $2, 3, 0, 'connected', '4000', $3, 'sealed-old', $4, 'inbound', $5, $6)",
    )
    .bind(initech.to_string())
    .bind(old_call.to_string())
    .bind(caller(0xfff).key_id.to_string())
    .bind(id(QUEUE_1).to_string())
    .bind(id(AGENT_4).to_string())
    .bind(at(50).timestamp_micros())
    .execute(&env.pool)
    .await
    .unwrap();
    let head = write_consults(&env, initech, 1).await;
    let runner = ProjectionRunner::start(env.store.clone(), env.pool.clone(), all_projections(env.keys.clone()));
    assert!(runner.wait_for(head, TIME_LIMIT).await);
    runner.shutdown().await;
    let old = get_call(&env.pool, initech, old_call).await.unwrap().expect("the older row");
    assert_eq!((old.status, old.consult_agent_id, old.consult_status), (CallRowStatus::Connected, None, None));
    let i = get_call(&env.pool, initech, id(CALL_I)).await.unwrap().expect("call I");
    assert_eq!((i.consult_agent_id, i.consult_status), (Some(id(AGENT_4)), Some(ConsultStatus::Ringing)));
    // Agent 4's own (older) call comes before the consultation.
    let current = current_call_of_agent(&env.pool, initech, id(AGENT_4)).await.unwrap();
    assert_eq!(current.map(|call| call.call_id), Some(old_call));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_calls_table_gains_the_consult_columns_on_sqlite() {
    an_older_calls_table_gains_the_consult_columns(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_calls_table_gains_the_consult_columns_on_postgres() {
    an_older_calls_table_gains_the_consult_columns(Backend::Postgres).await;
}
