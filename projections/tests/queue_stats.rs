//! The `queue_stats` read model: answered within and outside the service level target,
//! abandoned, overflow and transfer moving a wait to another queue, days in UTC, tenant
//! isolation, and idempotence (a batch replayed, a range applied twice, or a rebuild, counts
//! nothing twice).

mod common;

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use common::{Backend, TIME_LIMIT, TestEnv, append, apply_again, create_tenant, dump_table, new_events};
use hotline_domain::ExpectedVersion;
use hotline_domain::acd::{
    self, AcdEvent, Channel, ContactAbandoned, ContactFinished, ContactOverflowed, ContactQueued, ContactTransferred,
    OfferAnswered, TransferTarget,
};
use hotline_infra::store::{Scope, SharedEventStore};
use hotline_projections::{
    Projection, ProjectionRunner, QueueDayStats, QueueStatsProjection, SERVICE_LEVEL_TARGET_SECONDS, all_projections,
    queue_stats_for_day, rebuild,
};
use sqlx::AnyPool;
use uuid::Uuid;

const DAY: &str = "2025-03-01T00:00:00Z";

/// `seconds` after midnight UTC of the first day.
fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(DAY).expect("a time").with_timezone(&Utc) + Duration::seconds(seconds)
}

fn hms(hours: i64, minutes: i64, seconds: i64) -> i64 {
    hours * 3_600 + minutes * 60 + seconds
}

fn day(number: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 3, number).expect("a date")
}

fn id(number: u128) -> Uuid {
    Uuid::from_u128(number)
}

const Q1: u128 = 0x9001;
const Q2: u128 = 0x9002;
const A1: u128 = 0xa001;
const A2: u128 = 0xa002;

fn queued(contact: u128, queue: u128, seconds: i64) -> AcdEvent {
    AcdEvent::ContactQueued(ContactQueued {
        contact_id: id(contact),
        channel: Channel::Chat,
        queue_id: id(queue),
        priority: 0,
        customer_key: None,
        reserved_for: None,
        reserved_until: None,
        overflow_at: None,
        overflow_to_queue_id: None,
        at: at(seconds),
    })
}

fn answered(contact: u128, agent: u128, seconds: i64) -> OfferAnswered {
    OfferAnswered { contact_id: id(contact), agent_id: id(agent), at: at(seconds) }
}

fn accepted(contact: u128, agent: u128, seconds: i64) -> AcdEvent {
    AcdEvent::OfferAccepted(answered(contact, agent, seconds))
}

fn abandoned(contact: u128, queue: u128, seconds: i64) -> AcdEvent {
    AcdEvent::ContactAbandoned(ContactAbandoned {
        contact_id: id(contact),
        queue_id: id(queue),
        agent_id: None,
        at: at(seconds),
    })
}

fn overflowed(contact: u128, from: u128, to: u128, seconds: i64) -> AcdEvent {
    AcdEvent::ContactOverflowed(ContactOverflowed {
        contact_id: id(contact),
        from_queue_id: id(from),
        to_queue_id: id(to),
        reserved_for: None,
        reserved_until: None,
        overflow_at: None,
        overflow_to_queue_id: None,
        at: at(seconds),
    })
}

fn transferred(contact: u128, from_agent: u128, queue: u128, seconds: i64) -> AcdEvent {
    AcdEvent::ContactTransferred(ContactTransferred {
        contact_id: id(contact),
        from_agent_id: id(from_agent),
        to: TransferTarget::Queue { queue_id: id(queue) },
        queue_id: id(queue),
        reserved_for: None,
        reserved_until: None,
        overflow_at: None,
        overflow_to_queue_id: None,
        at: at(seconds),
    })
}

/// Appends the ACD's events to the tenant's routing stream; returns the last position.
async fn append_acd(store: &SharedEventStore, tenant_id: Uuid, events: &[AcdEvent]) -> u64 {
    append(store, tenant_id, acd::stream_id(tenant_id), ExpectedVersion::Any, new_events(events)).await
}

/// The queue a contact waits in now, if it waits.
async fn waiting_in(pool: &AnyPool, tenant_id: Uuid, contact: u128) -> Option<Uuid> {
    let queue_id: Option<String> =
        sqlx::query_scalar("SELECT queue_id FROM queue_contact_waits WHERE tenant_id = $1 AND contact_id = $2")
            .bind(tenant_id.to_string())
            .bind(id(contact).to_string())
            .fetch_optional(pool)
            .await
            .unwrap();
    queue_id.map(|queue_id| Uuid::parse_str(&queue_id).unwrap())
}

fn stats(
    tenant_id: Uuid,
    queue: u128,
    day: NaiveDate,
    [queued, answered, answered_in_target, abandoned, total_answer_wait_ms]: [u64; 5],
) -> QueueDayStats {
    QueueDayStats {
        tenant_id,
        queue_id: id(queue),
        day,
        queued,
        answered,
        answered_in_target,
        abandoned,
        total_answer_wait_ms,
    }
}

/// acme's day (see the expectations in `queue_stats_count_answers_abandons_and_moves`), and
/// a globex contact with acme's ids. Returns the tenants and the head.
async fn write_routing_history(env: &TestEnv, check_waits: bool) -> (Uuid, Uuid, u64) {
    let store = &env.store;
    let (acme, _) = create_tenant(store, "acme").await;
    let (globex, _) = create_tenant(store, "globex").await;
    let runner = check_waits
        .then(|| ProjectionRunner::start(store.clone(), env.pool.clone(), all_projections(env.keys.clone())));
    append_acd(
        store,
        acme,
        &[
            // 1: answered after 15 s, within target.
            queued(1, Q1, hms(8, 0, 0)),
            accepted(1, A1, hms(8, 0, 15)),
            // 2: rejected once, answered after 45 s, outside target.
            queued(2, Q1, hms(8, 1, 0)),
            AcdEvent::OfferRejected(answered(2, A1, hms(8, 1, 20))),
            accepted(2, A2, hms(8, 1, 45)),
            // 3: the customer leaves after 30 s.
            queued(3, Q1, hms(8, 2, 0)),
            abandoned(3, Q1, hms(8, 2, 30)),
            // 4: overflows to Q2 after 30 s, answered there 50 s after it was first queued.
            queued(4, Q1, hms(8, 3, 0)),
            overflowed(4, Q1, Q2, hms(8, 3, 30)),
        ],
    )
    .await;
    if let Some(runner) = &runner {
        let head = env.store.head_position().await.unwrap();
        assert!(runner.wait_for(head, TIME_LIMIT).await);
        assert_eq!(waiting_in(&env.pool, acme, 4).await, Some(id(Q2)), "the overflow moved the wait");
        assert_eq!(waiting_in(&env.pool, acme, 1).await, None, "an answered contact waits no more");
        assert_eq!(waiting_in(&env.pool, acme, 3).await, None, "an abandoned contact waits no more");
    }
    append_acd(
        store,
        acme,
        &[
            accepted(4, A2, hms(8, 3, 50)),
            // 1 again: transferred to Q2 (queued there), answered 10 s later.
            transferred(1, A1, Q2, hms(8, 5, 0)),
            accepted(1, A2, hms(8, 5, 10)),
            AcdEvent::ContactFinished(ContactFinished { contact_id: id(1), agent_id: id(A2), at: at(hms(8, 6, 0)) }),
            // 6: queued before midnight, answered after: answered on the second day.
            queued(6, Q1, hms(23, 59, 50)),
            accepted(6, A1, hms(24, 0, 5)),
            // 7: still waiting.
            queued(7, Q2, hms(24, 1, 0)),
        ],
    )
    .await;
    let head = append_acd(store, globex, &[queued(1, Q1, hms(8, 0, 0)), abandoned(1, Q1, hms(8, 0, 30))]).await;
    if let Some(runner) = runner {
        runner.shutdown().await;
    }
    (acme, globex, head)
}

async fn queue_stats_count_answers_abandons_and_moves(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let pool = &env.pool;
    let (acme, globex, head) = write_routing_history(&env, true).await;
    let runner = ProjectionRunner::start(env.store.clone(), env.pool.clone(), all_projections(env.keys.clone()));
    assert!(runner.wait_for(head, TIME_LIMIT).await);
    assert_eq!(SERVICE_LEVEL_TARGET_SECONDS, 20);

    // [queued, answered, answered_in_target, abandoned, total_answer_wait_ms]
    let first_day = queue_stats_for_day(pool, acme, day(1)).await.unwrap();
    assert_eq!(
        first_day,
        [
            stats(acme, Q1, day(1), [5, 2, 1, 1, 15_000 + 45_000]),
            stats(acme, Q2, day(1), [1, 2, 1, 0, 50_000 + 10_000]),
        ]
    );
    assert_eq!(first_day[0].service_level(), Some(0.5));
    assert_eq!(first_day[1].average_answer_wait_ms(), Some(30_000.0));
    let second_day = queue_stats_for_day(pool, acme, day(2)).await.unwrap();
    assert_eq!(second_day, [stats(acme, Q1, day(2), [0, 1, 1, 0, 15_000]), stats(acme, Q2, day(2), [1, 0, 0, 0, 0])]);
    assert_eq!((second_day[0].service_level(), second_day[1].service_level()), (Some(1.0), None));
    assert!(queue_stats_for_day(pool, acme, day(3)).await.unwrap().is_empty());
    assert_eq!(waiting_in(pool, acme, 7).await, Some(id(Q2)));
    assert_eq!(waiting_in(pool, acme, 1).await, None);

    // globex used the same contact and queue ids: its counts are its own.
    assert_eq!(queue_stats_for_day(pool, globex, day(1)).await.unwrap(), [stats(globex, Q1, day(1), [1, 0, 0, 1, 0])]);
    assert!(queue_stats_for_day(pool, Uuid::now_v7(), day(1)).await.unwrap().is_empty());
    runner.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_stats_count_answers_abandons_and_moves_on_sqlite() {
    queue_stats_count_answers_abandons_and_moves(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_stats_count_answers_abandons_and_moves_on_postgres() {
    queue_stats_count_answers_abandons_and_moves(Backend::Postgres).await;
}

async fn dump_all(env: &TestEnv) -> Vec<Vec<String>> {
    vec![
        dump_table(
            &env.pool,
            "queue_daily_stats",
            "tenant_id, queue_id, day, queued, answered, answered_in_target, abandoned, total_answer_wait_ms, position",
            "tenant_id, day, queue_id",
        )
        .await,
        dump_table(
            &env.pool,
            "queue_contact_waits",
            "tenant_id, contact_id, queue_id, queued_at, position",
            "tenant_id, contact_id",
        )
        .await,
        dump_table(&env.pool, "queue_stats_versions", "tenant_id, stream_version, position", "tenant_id").await,
    ]
}

async fn replaying_or_rebuilding_counts_nothing_twice(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let (acme, _, head) = write_routing_history(&env, false).await;
    let runner = ProjectionRunner::start(env.store.clone(), env.pool.clone(), all_projections(env.keys.clone()));
    assert!(runner.wait_for(head, TIME_LIMIT).await);
    runner.shutdown().await;
    let live = dump_all(&env).await;
    assert_eq!((live[0].len(), live[1].len(), live[2].len()), (5, 1, 2), "{live:?}");
    let expected = queue_stats_for_day(&env.pool, acme, day(1)).await.unwrap();

    // The whole log again, as one batch, twice.
    let projections: Vec<Arc<dyn Projection>> = vec![Arc::new(QueueStatsProjection)];
    let events = env.store.read_all(Scope::Global, 0, 10_000).await.unwrap();
    for _ in 0..2 {
        apply_again(&env.pool, &projections, &events).await;
        assert_eq!(queue_stats_for_day(&env.pool, acme, day(1)).await.unwrap(), expected, "a replay counted again");
    }
    // Every prefix and every suffix once more.
    let ranges = (1..=events.len()).map(|end| &events[..end]).chain((1..events.len()).map(|start| &events[start..]));
    for range in ranges {
        apply_again(&env.pool, &projections, range).await;
        let (first, last) = (range[0].global_position, range[range.len() - 1].global_position);
        assert_eq!(dump_all(&env).await, live, "applying positions {first} to {last} again changed a row");
    }

    // Twice: the second rebuild must find the names the first one left free.
    for _ in 0..2 {
        let report = rebuild(env.store.as_ref(), &env.pool, &QueueStatsProjection, 0).await.unwrap();
        assert_eq!(report.position, head);
        assert_eq!(dump_all(&env).await, live, "a rebuild differs from the live run");
    }
    assert_eq!(queue_stats_for_day(&env.pool, acme, day(1)).await.unwrap(), expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replaying_or_rebuilding_counts_nothing_twice_on_sqlite() {
    replaying_or_rebuilding_counts_nothing_twice(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replaying_or_rebuilding_counts_nothing_twice_on_postgres() {
    replaying_or_rebuilding_counts_nothing_twice(Backend::Postgres).await;
}
