//! One conformance suite for every event store.
//!
//! Each behaviour is written once, as a `check_*` function over a [`SharedEventStore`], and
//! run against SQLite (a fresh data folder under the system temp folder) and PostgreSQL (a
//! fresh database on the server at `HOTLINE_TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`). Both stores are opened through
//! `database::open`, as the binary opens them. A test is named `<behaviour>::<store>`.
//!
//! Every check is bounded in events and in time ([`TIME_LIMIT`]).

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use futures::stream::BoxStream;
use hotline_domain::{Actor, EventEnvelope, ExpectedVersion, NewEvent, StreamId};
use hotline_infra::blobs::{BlobInfo, BlobStore};
use hotline_infra::chain::{ChainBreak, ChainVerifier};
use hotline_infra::database::{self, Database, DatabaseKind, DatabaseLocation};
use hotline_infra::store::postgres::PostgresEventStore;
use hotline_infra::store::{
    AppendOutcome, AppendRequest, Direction, LogFilter, Scope, SharedEventStore, StoreError, StoreResult, StoredEvent,
    subscribe,
};
use serde_json::json;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection, SqliteConnection};
use tokio::sync::Barrier;
use uuid::Uuid;

/// No check may take longer; a hang is a failure, not a stuck test run.
const TIME_LIMIT: Duration = Duration::from_secs(120);

const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

// ---------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Backend {
    Sqlite,
    Postgres,
}

/// Where a fixture's data lives, to tamper with it and to remove it afterwards.
enum Location {
    Sqlite { data_dir: PathBuf },
    Postgres { admin_url: String, database_name: String, url: String },
}

/// A fresh, empty store of one backend, removed (best effort) when dropped.
struct Fixture {
    database: Option<Database>,
    location: Location,
}

impl Fixture {
    async fn new(backend: Backend) -> Self {
        let location = match backend {
            Backend::Sqlite => {
                let data_dir = std::env::temp_dir().join(format!("hotline-conformance-{}", Uuid::now_v7().simple()));
                Location::Sqlite { data_dir }
            }
            Backend::Postgres => {
                let admin_url =
                    std::env::var("HOTLINE_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned());
                let database_name = format!("hotline_test_{}", Uuid::now_v7().simple());
                let mut admin =
                    PgConnection::connect(&admin_url).await.expect("the test PostgreSQL server is reachable");
                admin
                    .execute(AssertSqlSafe(format!("CREATE DATABASE {database_name}")))
                    .await
                    .expect("the test database can be created");
                admin.close().await.ok();
                let url = url_of_database(&admin_url, &database_name);
                Location::Postgres { admin_url, database_name, url }
            }
        };
        let database_location = match &location {
            Location::Sqlite { data_dir } => DatabaseLocation::Embedded { data_dir: data_dir.clone() },
            Location::Postgres { url, .. } => DatabaseLocation::Postgres { url: url.clone() },
        };
        let database = database::open(&database_location).await.expect("the store opens");
        Self { database: Some(database), location }
    }

    fn database(&self) -> &Database {
        self.database.as_ref().expect("present until the fixture is dropped")
    }

    fn store(&self) -> SharedEventStore {
        self.database().events.clone()
    }

    fn postgres_url(&self) -> &str {
        match &self.location {
            Location::Postgres { url, .. } => url,
            Location::Sqlite { .. } => panic!("not a PostgreSQL fixture"),
        }
    }

    /// Rewrites a stored payload behind the store's back, as an attacker with database
    /// access would.
    async fn replace_stored_payload(&self, position: u64, payload_text: &str) {
        match &self.location {
            Location::Sqlite { data_dir } => {
                let options = SqliteConnectOptions::new().filename(data_dir.join("events.db"));
                let mut connection = SqliteConnection::connect_with(&options).await.expect("the events file opens");
                let updated = sqlx::query("UPDATE events SET payload = ? WHERE global_position = ?")
                    .bind(payload_text)
                    .bind(position as i64)
                    .execute(&mut connection)
                    .await
                    .expect("the row can be updated");
                assert_eq!(updated.rows_affected(), 1);
                connection.close().await.ok();
            }
            Location::Postgres { url, .. } => {
                let mut connection = PgConnection::connect(url).await.expect("the test database is reachable");
                let updated = sqlx::query("UPDATE events SET payload = $1::json WHERE global_position = $2")
                    .bind(payload_text)
                    .bind(position as i64)
                    .execute(&mut connection)
                    .await
                    .expect("the row can be updated");
                assert_eq!(updated.rows_affected(), 1);
                connection.close().await.ok();
            }
        }
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        // Close the store first: its background tasks end when it goes.
        drop(self.database.take());
        match &self.location {
            Location::Sqlite { data_dir } => {
                let _ = std::fs::remove_dir_all(data_dir);
            }
            Location::Postgres { admin_url, database_name, .. } => {
                let admin_url = admin_url.clone();
                let statement = format!("DROP DATABASE IF EXISTS {database_name} WITH (FORCE)");
                // Drop runs inside the test's runtime, which cannot block on a future: use a
                // runtime of its own on a thread of its own.
                let cleanup = std::thread::spawn(move || {
                    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                        return;
                    };
                    runtime.block_on(async {
                        if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                            let _ = admin.execute(AssertSqlSafe(statement)).await;
                            let _ = admin.close().await;
                        }
                    });
                });
                let _ = cleanup.join();
            }
        }
    }
}

/// The URL of `database_name` on the server of `server_url`.
fn url_of_database(server_url: &str, database_name: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (server_url, None),
    };
    let authority_start = base.find("://").map(|index| index + 3).unwrap_or(0);
    let server = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{database_name}?{query}"),
        None => format!("{server}/{database_name}"),
    }
}

/// Runs a check against a fresh store of each backend: `<name>::sqlite`, `<name>::postgres`.
macro_rules! conformance_test {
    ($name:ident, |$fixture:ident| $check:expr) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let $fixture = Fixture::new(Backend::Sqlite).await;
                within_time_limit($check).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                let $fixture = Fixture::new(Backend::Postgres).await;
                within_time_limit($check).await;
            }
        }
    };
}

async fn within_time_limit(check: impl Future<Output = ()>) {
    tokio::time::timeout(TIME_LIMIT, check).await.expect("the check finishes within its time limit");
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// A time with non-zero microseconds, to show they survive the round trip.
fn occurred_at() -> DateTime<Utc> {
    DateTime::from_timestamp_micros(1_767_225_600_123_456).expect("in range")
}

fn new_event(label: &str, number: u64) -> NewEvent {
    NewEvent::new(
        Uuid::now_v7(),
        "hotline.test.noted",
        1,
        occurred_at(),
        json!({
            "label": label,
            "number": number,
            "ratio": 0.1,
            "text": "grüß dich, 你好 \"quoted\"",
            "nested": { "b": [1, 2], "a": null },
        }),
    )
}

fn new_events(label: &str, count: usize) -> Vec<NewEvent> {
    (0..count).map(|number| new_event(label, number as u64)).collect()
}

fn new_stream() -> StreamId {
    StreamId::new("ticket", Uuid::now_v7())
}

fn append_request(
    tenant_id: Uuid,
    stream_id: &StreamId,
    expected_version: ExpectedVersion,
    events: Vec<NewEvent>,
) -> AppendRequest {
    AppendRequest {
        tenant_id,
        stream_id: stream_id.clone(),
        expected_version,
        actor: Actor::system("conformance"),
        correlation_id: Uuid::now_v7(),
        causation_id: Uuid::now_v7(),
        command_id: None,
        events,
    }
}

/// Every event of `scope`, read in pages of `page_size`.
async fn read_everything(store: &SharedEventStore, scope: Scope, page_size: usize) -> Vec<EventEnvelope> {
    let mut everything = Vec::new();
    let mut cursor = 0;
    loop {
        let page = store.read_all(scope, cursor, page_size).await.expect("the log is readable");
        assert!(page.len() <= page_size, "a page holds at most its limit");
        let Some(last) = page.last() else {
            return everything;
        };
        cursor = last.global_position;
        everything.extend(page);
    }
}

/// Walks a tenant's chain; `Ok` holds the number of events verified.
async fn verify_tenant_chain(store: &SharedEventStore, tenant_id: Uuid) -> Result<u64, ChainBreak> {
    let mut verifier = ChainVerifier::default();
    for envelope in read_everything(store, Scope::Tenant(tenant_id), 100).await {
        verifier.check(&envelope)?;
    }
    Ok(verifier.verified())
}

/// Takes `count` events off a subscription, then checks that nothing more arrives.
async fn take_events(
    mut subscription: BoxStream<'static, StoreResult<EventEnvelope>>,
    count: usize,
) -> Vec<EventEnvelope> {
    let mut received = Vec::with_capacity(count);
    while received.len() < count {
        let next = tokio::time::timeout(Duration::from_secs(60), subscription.next())
            .await
            .unwrap_or_else(|_| panic!("event {} of {count} arrived in time", received.len() + 1));
        received.push(next.expect("the subscription is open").expect("the subscription reads"));
    }
    let extra = tokio::time::timeout(Duration::from_millis(300), subscription.next()).await;
    assert!(extra.is_err(), "no event arrives twice or out of nowhere: {extra:?}");
    received
}

fn assert_positions_are_one_to(envelopes: &[EventEnvelope], last: u64) {
    let positions: Vec<u64> = envelopes.iter().map(|envelope| envelope.global_position).collect();
    let expected: Vec<u64> = (1..=last).collect();
    assert_eq!(positions, expected, "positions run from 1 to {last}, in order, without gaps or repeats");
}

fn assert_wrong_version(
    result: StoreResult<AppendOutcome>,
    stream_id: &StreamId,
    expected: ExpectedVersion,
    actual: u64,
) {
    match result {
        Err(error @ StoreError::WrongExpectedVersion { .. }) => {
            assert!(error.is_conflict());
            let StoreError::WrongExpectedVersion {
                stream_id: refused_stream,
                expected: refused_expected,
                actual: found,
            } = error
            else {
                unreachable!("matched above");
            };
            assert_eq!(&refused_stream, stream_id);
            assert_eq!(refused_expected, expected);
            assert_eq!(found, actual, "the error names the stream's actual version");
        }
        other => panic!("expected a version conflict (expected {expected}, actual {actual}), got {other:?}"),
    }
}

/// Every event of one tenant that passes `filter`, read with `read_filtered` in pages.
async fn read_filtered_everything(
    store: &SharedEventStore,
    tenant_id: Uuid,
    filter: &LogFilter,
    page_size: usize,
) -> Vec<EventEnvelope> {
    let mut everything: Vec<EventEnvelope> = Vec::new();
    let mut cursor = 0;
    loop {
        let page = store.read_filtered(tenant_id, filter, cursor, page_size).await.expect("the filtered read succeeds");
        assert!(page.len() <= page_size, "a page holds at most its limit");
        let Some(last) = page.last() else { return everything };
        cursor = last.global_position;
        everything.extend(page);
    }
}

async fn check_filtered_reads(store: SharedEventStore) {
    let (tenant_id, other_tenant) = (Uuid::now_v7(), Uuid::now_v7());
    let (alice, bob) = (Actor::user(Uuid::now_v7()), Actor::system("importer"));
    let streams = [new_stream(), new_stream(), new_stream()];
    for round in 0..6 {
        for (index, stream_id) in streams.iter().enumerate() {
            let mut request = append_request(
                tenant_id,
                stream_id,
                ExpectedVersion::Any,
                vec![NewEvent::new(
                    Uuid::now_v7(),
                    if index == 1 { "hotline.test.closed" } else { "hotline.test.noted" },
                    1,
                    occurred_at(),
                    json!({ "round": round }),
                )],
            );
            request.actor = if (round + index) % 2 == 0 { alice.clone() } else { bob.clone() };
            store.append(request).await.expect("the append succeeds");
            // The other tenant writes the same types and stream ids with the same actors.
            let mut foreign = append_request(other_tenant, stream_id, ExpectedVersion::Any, new_events("other", 1));
            foreign.actor = alice.clone();
            store.append(foreign).await.expect("the append succeeds");
        }
    }
    let everything = read_everything(&store, Scope::Tenant(tenant_id), 1000).await;
    assert_eq!(everything.len(), 18);
    let middle = &everything[8];
    let filters = [
        LogFilter::default(),
        LogFilter { event_types: vec!["hotline.test.closed".into()], ..Default::default() },
        LogFilter { actors: vec![alice.to_string()], ..Default::default() },
        LogFilter { stream_ids: vec![streams[0].to_string(), streams[2].to_string()], ..Default::default() },
        LogFilter {
            actors: vec![bob.to_string()],
            event_types: vec!["hotline.test.noted".into(), "hotline.test.unknown".into()],
            ..Default::default()
        },
        LogFilter { from_time: Some(middle.recorded_at), ..Default::default() },
        LogFilter { to_time: Some(middle.recorded_at), ..Default::default() },
        LogFilter { from_time: Some(middle.recorded_at), to_time: Some(middle.recorded_at), ..Default::default() },
        LogFilter { to_position: Some(middle.global_position), ..Default::default() },
        LogFilter { event_types: vec!["hotline.test.nothing".into()], ..Default::default() },
    ];
    for filter in &filters {
        let expected: Vec<EventEnvelope> =
            everything.iter().filter(|envelope| filter.admits(envelope)).cloned().collect();
        for page_size in [1, 4, 100] {
            let found = read_filtered_everything(&store, tenant_id, filter, page_size).await;
            assert_eq!(found, expected, "{filter:?} in pages of {page_size}");
        }
    }
    assert!(!read_filtered_everything(&store, tenant_id, &filters[5], 100).await.is_empty());
    assert_eq!(read_filtered_everything(&store, tenant_id, &filters[1], 100).await.len(), 6);
    let after_middle =
        store.read_filtered(tenant_id, &LogFilter::default(), middle.global_position, 100).await.unwrap();
    assert_eq!(after_middle, everything[9..], "only events after the cursor");
    let foreign = read_filtered_everything(&store, other_tenant, &LogFilter::default(), 100).await;
    assert!(foreign.iter().all(|envelope| envelope.tenant_id == other_tenant) && foreign.len() == 18);
}

// ---------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------

async fn check_append_and_read_stream(store: SharedEventStore) {
    let tenant_id = Uuid::now_v7();
    let stream_id = new_stream();
    let events = new_events("read", 5);
    let outcome = store
        .append(append_request(tenant_id, &stream_id, ExpectedVersion::NoStream, events.clone()))
        .await
        .expect("the append succeeds");
    assert_eq!(outcome, AppendOutcome { stream_version: 5, positions: Some((1, 5)), duplicate: false });

    let forwards = store.read_stream(tenant_id, &stream_id, Direction::Forwards, 1, 100).await.unwrap();
    assert_eq!(forwards.len(), 5);
    for (index, (envelope, event)) in forwards.iter().zip(&events).enumerate() {
        assert_eq!(envelope.id, event.id);
        assert_eq!(envelope.stream_version, index as u64 + 1);
        assert_eq!(envelope.global_position, index as u64 + 1);
        assert_eq!(envelope.tenant_id, tenant_id);
        assert_eq!(envelope.stream_id, stream_id);
        assert_eq!(envelope.event_type, event.event_type);
        assert_eq!(envelope.schema_version, event.schema_version);
        assert_eq!(envelope.payload, event.payload, "the payload round-trips");
        assert_eq!(envelope.occurred_at, occurred_at(), "microseconds round-trip");
        assert_eq!(envelope.recorded_at, forwards[0].recorded_at, "one append, one recorded time");
        assert_eq!(envelope.actor, Actor::system("conformance"));
    }

    let versions =
        |envelopes: Vec<EventEnvelope>| envelopes.iter().map(|envelope| envelope.stream_version).collect::<Vec<_>>();
    let middle = store.read_stream(tenant_id, &stream_id, Direction::Forwards, 3, 2).await.unwrap();
    assert_eq!(versions(middle), vec![3, 4]);
    let newest = store.read_stream(tenant_id, &stream_id, Direction::Backwards, u64::MAX, 2).await.unwrap();
    assert_eq!(versions(newest), vec![5, 4]);
    let backwards_from_three = store.read_stream(tenant_id, &stream_id, Direction::Backwards, 3, 10).await.unwrap();
    assert_eq!(versions(backwards_from_three), vec![3, 2, 1]);
    let past_the_end = store.read_stream(tenant_id, &stream_id, Direction::Forwards, 6, 10).await.unwrap();
    assert!(past_the_end.is_empty());
    let other_tenant = store.read_stream(Uuid::now_v7(), &stream_id, Direction::Forwards, 1, 10).await.unwrap();
    assert!(other_tenant.is_empty(), "a stream belongs to its tenant");

    let all = read_everything(&store, Scope::Global, 100).await;
    assert_eq!(all, forwards, "the log and the stream hold the same envelopes");
    assert_eq!(store.stream_version(tenant_id, &stream_id).await.unwrap(), 5);
    assert_eq!(store.stream_version(tenant_id, &new_stream()).await.unwrap(), 0);
    assert_eq!(store.head_position().await.unwrap(), 5);
    assert_eq!(*store.head().borrow(), 5, "the head moves before the append returns");
    assert_eq!(store.tenants().await.unwrap(), vec![tenant_id]);
}

async fn check_expected_versions(store: SharedEventStore) {
    let tenant_id = Uuid::now_v7();
    let stream_id = new_stream();
    let append =
        |expected: ExpectedVersion| store.append(append_request(tenant_id, &stream_id, expected, new_events("v", 1)));

    assert_eq!(append(ExpectedVersion::NoStream).await.unwrap().stream_version, 1);
    assert_wrong_version(append(ExpectedVersion::NoStream).await, &stream_id, ExpectedVersion::NoStream, 1);
    assert_wrong_version(append(ExpectedVersion::Exact(0)).await, &stream_id, ExpectedVersion::Exact(0), 1);
    assert_eq!(append(ExpectedVersion::Exact(1)).await.unwrap().stream_version, 2);
    assert_wrong_version(append(ExpectedVersion::Exact(1)).await, &stream_id, ExpectedVersion::Exact(1), 2);
    assert_wrong_version(append(ExpectedVersion::Exact(7)).await, &stream_id, ExpectedVersion::Exact(7), 2);
    assert_eq!(append(ExpectedVersion::Any).await.unwrap().stream_version, 3);

    let other_stream = new_stream();
    let exact_zero = store
        .append(append_request(tenant_id, &other_stream, ExpectedVersion::Exact(0), new_events("v", 2)))
        .await
        .unwrap();
    assert_eq!(exact_zero.stream_version, 2, "Exact(0) means: no stream yet");
    let any_on_new =
        store.append(append_request(tenant_id, &new_stream(), ExpectedVersion::Any, new_events("v", 1))).await;
    assert_eq!(any_on_new.unwrap().stream_version, 1);

    // Refused appends wrote nothing: 3 + 2 + 1 events, positions 1 to 6.
    assert_eq!(store.stream_version(tenant_id, &stream_id).await.unwrap(), 3);
    assert_positions_are_one_to(&read_everything(&store, Scope::Global, 100).await, 6);
    assert_eq!(store.head_position().await.unwrap(), 6);
}

async fn check_racing_writers_on_one_stream(store: SharedEventStore) {
    const WRITERS: usize = 16;
    const ROUNDS: u64 = 3;
    let tenant_id = Uuid::now_v7();
    let stream_id = new_stream();
    store
        .append(append_request(tenant_id, &stream_id, ExpectedVersion::NoStream, new_events("race", 1)))
        .await
        .unwrap();
    for round in 1..=ROUNDS {
        let barrier = Arc::new(Barrier::new(WRITERS));
        let mut writers = Vec::new();
        for _ in 0..WRITERS {
            let store = store.clone();
            let stream_id = stream_id.clone();
            let barrier = barrier.clone();
            writers.push(tokio::spawn(async move {
                barrier.wait().await;
                let request =
                    append_request(tenant_id, &stream_id, ExpectedVersion::Exact(round), new_events("race", 1));
                store.append(request).await
            }));
        }
        let mut winners = 0;
        for writer in writers {
            match writer.await.expect("the writer task ends") {
                Ok(outcome) => {
                    winners += 1;
                    assert_eq!(outcome.stream_version, round + 1);
                }
                result => assert_wrong_version(result, &stream_id, ExpectedVersion::Exact(round), round + 1),
            }
        }
        assert_eq!(winners, 1, "exactly one writer wins round {round}");
    }
    assert_eq!(store.stream_version(tenant_id, &stream_id).await.unwrap(), ROUNDS + 1);
    assert_positions_are_one_to(&read_everything(&store, Scope::Global, 100).await, ROUNDS + 1);
}

async fn check_subscribers_see_concurrent_writers_once_in_order(store: SharedEventStore) {
    const WRITERS: usize = 16;
    const APPENDS_PER_WRITER: usize = 50;
    let tenants = [Uuid::now_v7(), Uuid::now_v7()];

    // Subscribers start before the first append and follow the log live.
    let global = subscribe(store.clone(), Scope::Global, 0);
    let first_tenant = subscribe(store.clone(), Scope::Tenant(tenants[0]), 0);

    let events_of_writer: usize = (0..APPENDS_PER_WRITER).map(|append| 1 + append % 2).sum();
    let total = WRITERS * events_of_writer;
    let first_tenant_total = WRITERS.div_ceil(2) * events_of_writer;
    let global_reader = tokio::spawn(take_events(global, total));
    let tenant_reader = tokio::spawn(take_events(first_tenant, first_tenant_total));

    let mut writers = Vec::new();
    for writer in 0..WRITERS {
        let store = store.clone();
        let tenant_id = tenants[writer % 2];
        writers.push(tokio::spawn(async move {
            let stream_id = new_stream();
            let mut event_ids = Vec::new();
            let mut version = 0;
            for append in 0..APPENDS_PER_WRITER {
                let events = new_events("load", 1 + append % 2);
                event_ids.extend(events.iter().map(|event| event.id));
                let request = append_request(tenant_id, &stream_id, ExpectedVersion::Exact(version), events);
                version = store.append(request).await.expect("the append succeeds").stream_version;
            }
            (tenant_id, event_ids)
        }));
    }
    let mut ids_by_tenant: HashMap<Uuid, HashSet<Uuid>> = HashMap::new();
    for writer in writers {
        let (tenant_id, event_ids) = writer.await.expect("the writer task ends");
        ids_by_tenant.entry(tenant_id).or_default().extend(event_ids);
    }

    let seen = global_reader.await.expect("the global subscriber ends");
    assert_positions_are_one_to(&seen, total as u64);
    let seen_ids: HashSet<Uuid> = seen.iter().map(|envelope| envelope.id).collect();
    let all_ids: HashSet<Uuid> = ids_by_tenant.values().flatten().copied().collect();
    assert_eq!(seen_ids, all_ids, "the global subscriber sees every appended event");

    let seen_by_tenant = tenant_reader.await.expect("the tenant subscriber ends");
    assert!(seen_by_tenant.iter().all(|envelope| envelope.tenant_id == tenants[0]), "only the tenant's events");
    assert!(
        seen_by_tenant.windows(2).all(|pair| pair[0].global_position < pair[1].global_position),
        "the tenant's events arrive in position order"
    );
    let tenant_ids: HashSet<Uuid> = seen_by_tenant.iter().map(|envelope| envelope.id).collect();
    assert_eq!(tenant_ids, ids_by_tenant[&tenants[0]], "the tenant subscriber sees every event of its tenant");
}

async fn check_read_all_pages(store: SharedEventStore) {
    let tenants = [Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7()];
    let mut writers = Vec::new();
    for (index, tenant_id) in tenants.into_iter().enumerate() {
        let store = store.clone();
        writers.push(tokio::spawn(async move {
            for append in 0..20 {
                let request = append_request(
                    tenant_id,
                    &new_stream(),
                    ExpectedVersion::NoStream,
                    new_events("page", 1 + (append + index) % 3),
                );
                store.append(request).await.expect("the append succeeds");
            }
        }));
    }
    for writer in writers {
        writer.await.expect("the writer task ends");
    }
    let head = store.head_position().await.unwrap();
    let reference = read_everything(&store, Scope::Global, 10_000).await;
    assert_positions_are_one_to(&reference, head);

    for page_size in [1, 7, 64] {
        assert_eq!(read_everything(&store, Scope::Global, page_size).await, reference, "global pages of {page_size}");
        for tenant_id in tenants {
            let expected: Vec<EventEnvelope> =
                reference.iter().filter(|envelope| envelope.tenant_id == tenant_id).cloned().collect();
            let paged = read_everything(&store, Scope::Tenant(tenant_id), page_size).await;
            assert_eq!(paged, expected, "pages of {page_size} of one tenant");
        }
    }
    // The relay's read: the same events, each payload as its stored text.
    let mut stored = Vec::new();
    loop {
        let page = store.read_all_stored(stored.last().map_or(0, |event: &StoredEvent| event.global_position), 7).await;
        let page = page.expect("the stored read succeeds");
        let page_len = page.len();
        stored.extend(page);
        if page_len < 7 {
            break;
        }
    }
    assert_eq!(stored.len(), reference.len());
    for (stored, envelope) in stored.iter().zip(&reference) {
        assert_eq!(*stored, StoredEvent::from(envelope), "the stored form of position {}", envelope.global_position);
    }
    assert!(store.read_all(Scope::Global, head, 10).await.unwrap().is_empty(), "nothing after the head");
    let mut stored_tenants = store.tenants().await.unwrap();
    stored_tenants.sort();
    let mut expected_tenants = tenants.to_vec();
    expected_tenants.sort();
    assert_eq!(stored_tenants, expected_tenants);
}

async fn check_command_idempotency(store: SharedEventStore) {
    let tenant_id = Uuid::now_v7();
    let stream_id = new_stream();
    let command_id = Uuid::now_v7();
    let with_command = |expected: ExpectedVersion, count: usize| AppendRequest {
        command_id: Some(command_id),
        ..append_request(tenant_id, &stream_id, expected, new_events("command", count))
    };

    let first = store.append(with_command(ExpectedVersion::NoStream, 2)).await.unwrap();
    assert_eq!(first, AppendOutcome { stream_version: 2, positions: Some((1, 2)), duplicate: false });
    // The repeat would fail its version check; the command id is checked first.
    let repeat = store.append(with_command(ExpectedVersion::NoStream, 3)).await.unwrap();
    assert_eq!(repeat, AppendOutcome { duplicate: true, ..first.clone() });
    let recorded = store.command_outcome(tenant_id, command_id).await.unwrap().expect("the command is recorded");
    assert_eq!((recorded.stream_version, recorded.positions), (first.stream_version, first.positions));
    assert_eq!(store.stream_version(tenant_id, &stream_id).await.unwrap(), 2, "the repeat appended nothing");
    assert_eq!(store.head_position().await.unwrap(), 2);
    assert!(store.command_outcome(tenant_id, Uuid::now_v7()).await.unwrap().is_none());

    // The same command id is another command in another tenant.
    let other_tenant = Uuid::now_v7();
    let elsewhere = AppendRequest {
        command_id: Some(command_id),
        ..append_request(other_tenant, &stream_id, ExpectedVersion::NoStream, new_events("command", 1))
    };
    assert!(!store.append(elsewhere).await.unwrap().duplicate);

    // Concurrent repeats of one new command: one appends, every other gets its outcome.
    let racing_command = Uuid::now_v7();
    let racing_stream = new_stream();
    let mut attempts = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        let request = AppendRequest {
            command_id: Some(racing_command),
            ..append_request(tenant_id, &racing_stream, ExpectedVersion::Any, new_events("command", 1))
        };
        attempts.push(tokio::spawn(async move { store.append(request).await }));
    }
    let mut outcomes = Vec::new();
    for attempt in attempts {
        outcomes.push(attempt.await.expect("the task ends").expect("every attempt succeeds"));
    }
    assert_eq!(outcomes.iter().filter(|outcome| !outcome.duplicate).count(), 1, "one attempt appends");
    assert!(outcomes.iter().all(|outcome| outcome.positions == outcomes[0].positions && outcome.stream_version == 1));
    assert_eq!(store.stream_version(tenant_id, &racing_stream).await.unwrap(), 1);
    assert_positions_are_one_to(&read_everything(&store, Scope::Global, 100).await, 4);
}

async fn check_duplicate_event_id(store: SharedEventStore) {
    let tenant_id = Uuid::now_v7();
    let original = new_event("original", 0);
    store
        .append(append_request(tenant_id, &new_stream(), ExpectedVersion::NoStream, vec![original.clone()]))
        .await
        .unwrap();

    // Queued together, so they likely share a transaction: only the culprit fails.
    let culprit_stream = new_stream();
    let mut appends = Vec::new();
    for index in 0..20 {
        let events = if index == 10 { vec![original.clone(), new_event("fresh", 0)] } else { new_events("fresh", 1) };
        let stream_id = if index == 10 { culprit_stream.clone() } else { new_stream() };
        let store = store.clone();
        appends.push(tokio::spawn(async move {
            store.append(append_request(tenant_id, &stream_id, ExpectedVersion::NoStream, events)).await
        }));
    }
    for (index, append) in appends.into_iter().enumerate() {
        let result = append.await.expect("the task ends");
        if index == 10 {
            assert!(
                matches!(result, Err(StoreError::DuplicateEventId(id)) if id == original.id),
                "the reused id is named: {result:?}"
            );
        } else {
            assert!(result.is_ok(), "a neighbour of the culprit succeeds: {result:?}");
        }
    }
    assert_eq!(store.stream_version(tenant_id, &culprit_stream).await.unwrap(), 0, "the culprit appended nothing");

    // One request that repeats an id within itself.
    let twice = new_event("twice", 0);
    let repeated_within = store
        .append(append_request(tenant_id, &new_stream(), ExpectedVersion::Any, vec![twice.clone(), twice.clone()]))
        .await;
    assert!(matches!(repeated_within, Err(StoreError::DuplicateEventId(id)) if id == twice.id), "{repeated_within:?}");

    assert_positions_are_one_to(&read_everything(&store, Scope::Global, 100).await, 20);
    assert_eq!(verify_tenant_chain(&store, tenant_id).await, Ok(20), "the refused appends left the chain whole");
}

async fn check_hash_chain(store: SharedEventStore, fixture: &Fixture) {
    let tenants = [Uuid::now_v7(), Uuid::now_v7()];
    let mut writers = Vec::new();
    for writer in 0..8 {
        let store = store.clone();
        let tenant_id = tenants[writer % 2];
        writers.push(tokio::spawn(async move {
            let stream_id = new_stream();
            for append in 0..10 {
                let request =
                    append_request(tenant_id, &stream_id, ExpectedVersion::Any, new_events("chain", 1 + append % 2));
                store.append(request).await.expect("the append succeeds");
            }
        }));
    }
    for writer in writers {
        writer.await.expect("the writer task ends");
    }
    let total = store.head_position().await.unwrap();
    assert_eq!(total, 8 * 15);
    let mut verified = 0;
    for tenant_id in store.tenants().await.unwrap() {
        verified += verify_tenant_chain(&store, tenant_id).await.expect("an untouched chain verifies");
    }
    assert_eq!(verified, total, "every event belongs to a verified chain");

    let first_tenant_events = read_everything(&store, Scope::Tenant(tenants[0]), 100).await;
    let tampered_position = first_tenant_events[first_tenant_events.len() / 2].global_position;
    fixture.replace_stored_payload(tampered_position, r#"{"label":"forged","number":1}"#).await;

    let broken = verify_tenant_chain(&store, tenants[0]).await.expect_err("the tampered chain fails");
    assert!(matches!(broken, ChainBreak::TamperedEvent { .. }), "{broken:?}");
    assert_eq!(broken.position(), tampered_position, "verification names the tampered event");
    assert_eq!(verify_tenant_chain(&store, tenants[1]).await, Ok(total - first_tenant_events.len() as u64));
}

async fn check_secrets_and_read_models(database: &Database, expected_kind: DatabaseKind) {
    assert_eq!(database.kind, expected_kind);
    let tenant_id = Uuid::now_v7();
    let credential_id = Uuid::now_v7();
    database.secrets.put(tenant_id, credential_id, "$argon2id$v=19$example").await.unwrap();
    assert_eq!(
        database.secrets.get(tenant_id, credential_id).await.unwrap().as_deref(),
        Some("$argon2id$v=19$example")
    );
    assert_eq!(database.secrets.get(Uuid::now_v7(), credential_id).await.unwrap(), None);

    let read_models = &database.read_models;
    read_models.execute("CREATE TABLE conformance_agents (name TEXT NOT NULL)").await.unwrap();
    read_models.execute("INSERT INTO conformance_agents (name) VALUES ('ada'), ('grace')").await.unwrap();
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM conformance_agents").fetch_one(read_models).await.unwrap();
    assert_eq!(count, 2);
    if expected_kind == DatabaseKind::Sqlite {
        let journal_mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(read_models).await.unwrap();
        assert_eq!(journal_mode, "wal");
    }
}

// ---------------------------------------------------------------------------------------
// The suite, against every store
// ---------------------------------------------------------------------------------------

conformance_test!(appends_and_reads_a_stream_forwards_and_backwards, |fixture| {
    check_append_and_read_stream(fixture.store())
});
conformance_test!(refuses_appends_whose_expected_version_is_wrong_and_appends_nothing, |fixture| {
    check_expected_versions(fixture.store())
});
conformance_test!(exactly_one_of_racing_writers_with_the_same_expected_version_wins, |fixture| {
    check_racing_writers_on_one_stream(fixture.store())
});
conformance_test!(subscribers_see_every_event_of_concurrent_writers_once_in_position_order, |fixture| {
    check_subscribers_see_concurrent_writers_once_in_order(fixture.store())
});
conformance_test!(read_all_pages_return_every_event_exactly_once, |fixture| check_read_all_pages(fixture.store()));
conformance_test!(filtered_reads_return_exactly_the_tenants_matching_events_in_pages, |fixture| {
    check_filtered_reads(fixture.store())
});
conformance_test!(repeated_command_id_appends_nothing_and_returns_the_first_outcome, |fixture| {
    check_command_idempotency(fixture.store())
});
conformance_test!(duplicate_event_id_is_refused_without_failing_batched_appends, |fixture| {
    check_duplicate_event_id(fixture.store())
});
conformance_test!(hash_chain_verifies_and_names_the_tampered_position, |fixture| {
    check_hash_chain(fixture.store(), &fixture)
});
conformance_test!(unclaimed_uploads_older_than_the_cut_off_are_swept_and_claimed_ones_kept, |fixture| {
    check_unclaimed_uploads(&fixture.database().blobs)
});

/// Files kept for a form not sent yet: claimed ones stay, the others go once old enough, in
/// their tenant only.
async fn check_unclaimed_uploads(blobs: &BlobStore) {
    let (tenant, other_tenant) = (Uuid::now_v7(), Uuid::now_v7());
    let kept_at = DateTime::parse_from_rfc3339("2026-11-29T08:00:00Z").unwrap().to_utc();
    let file = |name: &str| BlobInfo {
        blob_id: Uuid::now_v7(),
        name: name.into(),
        content_type: "application/pdf".into(),
        size: 3,
    };
    let (sent, given_up, recent, uploaded) =
        (file("sent.pdf"), file("given-up.pdf"), file("recent.pdf"), file("old.pdf"));
    for (info, at) in [(&sent, kept_at), (&given_up, kept_at), (&recent, kept_at + chrono::Duration::hours(23))] {
        blobs.put_unclaimed(tenant, info, vec![1, 2, 3], at).await.unwrap();
    }
    // Files that never were unclaimed (a chat attachment, say) are no business of the sweep.
    blobs.put(tenant, &uploaded, vec![4]).await.unwrap();
    assert!(blobs.claim(tenant, sent.blob_id).await.unwrap(), "the file is there");
    assert!(blobs.claim(tenant, sent.blob_id).await.unwrap(), "claiming twice only answers");
    assert!(!blobs.claim(other_tenant, given_up.blob_id).await.unwrap(), "not another tenant's");
    // The sweep is told the cut-off: files kept before it go.
    let cut_off = kept_at + chrono::Duration::minutes(1);
    assert_eq!(blobs.sweep_unclaimed(cut_off, 100).await.unwrap(), 1);
    assert!(blobs.info(tenant, sent.blob_id).await.unwrap().is_some());
    assert!(blobs.info(tenant, given_up.blob_id).await.unwrap().is_none(), "kept before the cut-off");
    assert!(blobs.info(tenant, recent.blob_id).await.unwrap().is_some(), "kept after it");
    assert!(blobs.info(tenant, uploaded.blob_id).await.unwrap().is_some());
    assert!(!blobs.claim(tenant, given_up.blob_id).await.unwrap(), "a swept file cannot be claimed");
    assert_eq!(blobs.sweep_unclaimed(cut_off, 100).await.unwrap(), 0, "nothing more to sweep");
    assert_eq!(blobs.sweep_unclaimed(kept_at + chrono::Duration::hours(24), 100).await.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn embedded_database_keeps_secrets_and_read_models() {
    let fixture = Fixture::new(Backend::Sqlite).await;
    within_time_limit(check_secrets_and_read_models(fixture.database(), DatabaseKind::Sqlite)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_database_keeps_secrets_and_read_models() {
    let fixture = Fixture::new(Backend::Postgres).await;
    within_time_limit(check_secrets_and_read_models(fixture.database(), DatabaseKind::Postgres)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn embedded_data_dir_refuses_a_second_process() {
    let mut fixture = Fixture::new(Backend::Sqlite).await;
    let Location::Sqlite { data_dir } = &fixture.location else { unreachable!("a SQLite fixture") };
    let location = DatabaseLocation::Embedded { data_dir: data_dir.clone() };
    let Err(error) = database::open(&location).await else {
        panic!("a second open of a locked data folder must fail");
    };
    let message = error.to_string();
    assert!(message.contains("another hotline process is using"), "{message}");
    assert!(message.contains(&data_dir.display().to_string()), "the message names the folder: {message}");

    // Once the first holder closes, the folder opens again, with its data.
    let first = fixture.database.take().expect("open");
    let stream_id = new_stream();
    let tenant_id = Uuid::now_v7();
    first
        .events
        .append(append_request(tenant_id, &stream_id, ExpectedVersion::NoStream, new_events("lock", 1)))
        .await
        .unwrap();
    drop(first);
    let reopened = database::open(&location).await.expect("the released folder opens");
    assert_eq!(reopened.events.stream_version(tenant_id, &stream_id).await.unwrap(), 1);
    fixture.database = Some(reopened);
}

// ---------------------------------------------------------------------------------------
// PostgreSQL only: the ordering trap, with several processes
// ---------------------------------------------------------------------------------------

/// Two stores on two pools append as two processes would, while a third polls `read_all`
/// from its last position: positions it sees must be exactly last + 1, every time. A store
/// whose positions come from a sequence fails this: a later position commits first, the
/// reader moves past the earlier one, and never sees it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_reader_never_skips_an_event_appended_by_two_processes() {
    const WRITERS_PER_PROCESS: usize = 6;
    const APPENDS_PER_WRITER: usize = 40;
    let fixture = Fixture::new(Backend::Postgres).await;
    let reader = fixture.store();
    let processes: Vec<SharedEventStore> = vec![
        Arc::new(PostgresEventStore::connect(fixture.postgres_url()).await.unwrap()),
        Arc::new(PostgresEventStore::connect(fixture.postgres_url()).await.unwrap()),
    ];
    let events_of_writer: usize = (0..APPENDS_PER_WRITER).map(|append| 1 + append % 3).sum();
    let total = (processes.len() * WRITERS_PER_PROCESS * events_of_writer) as u64;
    let tenants = [Uuid::now_v7(), Uuid::now_v7()];

    within_time_limit(async {
        let polling_reader = tokio::spawn({
            let reader = reader.clone();
            async move {
                let mut last_position = 0;
                while last_position < total {
                    let page = reader.read_all(Scope::Global, last_position, 64).await.expect("the log is readable");
                    if page.is_empty() {
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                    for envelope in page {
                        assert_eq!(
                            envelope.global_position,
                            last_position + 1,
                            "the reader skipped from {last_position} to {}",
                            envelope.global_position
                        );
                        last_position = envelope.global_position;
                    }
                }
                last_position
            }
        });
        let mut writers = Vec::new();
        for (process_index, process) in processes.iter().enumerate() {
            for writer in 0..WRITERS_PER_PROCESS {
                let store = process.clone();
                let tenant_id = tenants[(process_index + writer) % 2];
                writers.push(tokio::spawn(async move {
                    let stream_id = new_stream();
                    for append in 0..APPENDS_PER_WRITER {
                        let request = append_request(
                            tenant_id,
                            &stream_id,
                            ExpectedVersion::Any,
                            new_events("trap", 1 + append % 3),
                        );
                        store.append(request).await.expect("the append succeeds");
                    }
                }));
            }
        }
        for writer in writers {
            writer.await.expect("the writer task ends");
        }
        assert_eq!(polling_reader.await.expect("the reader ends"), total);

        // Every process learns of the others' commits (notifications, or the periodic re-read).
        for store in processes.iter().chain([&reader]) {
            let mut head = store.head();
            let reached =
                tokio::time::timeout(Duration::from_secs(5), head.wait_for(|position| *position >= total)).await;
            assert!(reached.is_ok(), "the head of every process reaches {total}");
            assert_eq!(store.head_position().await.unwrap(), total);
        }
        let mut verified = 0;
        for tenant_id in tenants {
            verified += verify_tenant_chain(&reader, tenant_id).await.expect("both processes kept each chain whole");
        }
        assert_eq!(verified, total);
    })
    .await;
}

#[test]
fn test_database_url_replaces_only_the_database_name() {
    assert_eq!(
        url_of_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(url_of_database("postgres://u:p@host/db?sslmode=disable", "x"), "postgres://u:p@host/x?sslmode=disable");
    assert_eq!(url_of_database("postgres://host", "x"), "postgres://host/x");
}
