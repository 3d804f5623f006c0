//! `postgres-append`: the two shapes of the SQLite benchmarks against `PostgresEventStore`,
//! each against raw INSERTs of the same rows into `baseline_events`, a plain table of the
//! same shape in the same database:
//! 1. single-event commands through the `Dispatcher` from 64 clients, against single-row
//!    INSERTs (each its own transaction) from 64 tasks;
//! 2. appends of 1,000 events per request, one at a time, against per-row INSERTs in one
//!    transaction per 1,000 through one connection.
//!
//! Each shape of each round gets a fresh database, so the store and its baseline both start
//! from empty tables.

use std::sync::Arc;
use std::time::Instant;

use hotline_command_api::dispatcher::{DEFAULT_MAX_PAYLOAD_BYTES, Dispatcher};
use hotline_domain::identity::user::USER_CREATED;
use hotline_infra::store::postgres::PostgresEventStore;
use hotline_infra::store::{EventStore, SharedEventStore};
use sqlx::{Connection, PgConnection, PgPool};
use tokio::sync::Mutex;

use crate::BenchOptions;
use crate::baseline::{self, Row};
use crate::measure::{Timed, median_round, run_clients};
use crate::report::{BenchReport, Latency, Role, milliseconds, thousands};
use crate::scratch::ScratchDatabase;
use crate::sqlite_batch_append::{DEFAULT_REQUESTS, EVENTS_PER_REQUEST, chunk_rows};
use crate::workload;

const CLIENTS: usize = 64;
const DEFAULT_COMMANDS: usize = 16_000;
const TARGET_RATIO: f64 = 0.5;
/// The store's pool has 10 connections; the baseline gets as many.
const BASELINE_POOL_CONNECTIONS: u32 = 10;
const ROUND_TRIPS: usize = 2_000;

struct CommandsRound {
    system: Timed,
    system_commits: u64,
    store_alone: Timed,
    baseline: Timed,
    round_trips: Timed,
}

struct BatchRound {
    system: Timed,
    baseline: Timed,
}

pub(crate) async fn run(options: &BenchOptions) -> anyhow::Result<BenchReport> {
    let commands = options.scaled(DEFAULT_COMMANDS, CLIENTS);
    let requests = options.scaled(DEFAULT_REQUESTS, 2);
    let mut report = BenchReport::new(
        "postgres-append",
        format!(
            "PostgreSQL (`synchronous_commit = on`, `fsync = on`), per round: (1) {} `CreateUser` commands from \
             {CLIENTS} clients through the Dispatcher; (2) {} append requests of {} events, one after the other. \
             Baseline: the same rows into `baseline_events` (`LIKE events INCLUDING ALL`) in the same database; \
             {} rounds.",
            thousands(commands as f64),
            thousands(requests as f64),
            thousands(EVENTS_PER_REQUEST as f64),
            options.rounds,
        ),
    );

    let mut commands_rounds = Vec::with_capacity(options.rounds);
    let mut batch_rounds = Vec::with_capacity(options.rounds);
    for _ in 0..options.rounds.max(1) {
        let database = ScratchDatabase::create(&options.postgres_url).await?;
        let outcome = commands_round(options, &database.url(), commands).await;
        let removed = database.remove().await;
        commands_rounds.push(outcome?);
        removed?;

        let database = ScratchDatabase::create(&options.postgres_url).await?;
        let outcome = batch_round(options, &database.url(), requests).await;
        let removed = database.remove().await;
        batch_rounds.push(outcome?);
        removed?;
    }

    let command_ratios =
        commands_rounds.iter().map(|round| round.system.rate() / round.baseline.rate()).collect::<Vec<_>>();
    let alone_ratios =
        commands_rounds.iter().map(|round| round.store_alone.rate() / round.baseline.rate()).collect::<Vec<_>>();
    let batch_ratios = batch_rounds.iter().map(|round| round.system.rate() / round.baseline.rate()).collect::<Vec<_>>();
    let mut commits_by_rate =
        commands_rounds.iter().map(|round| (round.system.rate(), round.system_commits)).collect::<Vec<_>>();
    commits_by_rate.sort_by(|left, right| left.0.total_cmp(&right.0));
    let system_commits = commits_by_rate[(commits_by_rate.len() - 1) / 2].1;

    let (mut systems, mut alones, mut baselines, mut round_trips) = (vec![], vec![], vec![], vec![]);
    for round in commands_rounds {
        systems.push(round.system);
        alones.push(round.store_alone);
        baselines.push(round.baseline);
        round_trips.push(round.round_trips);
    }
    let commands_system = report
        .measure(median_round(systems).into_measurement(
            Role::System,
            format!("(1) Dispatcher → PostgresEventStore, {CLIENTS} clients"),
            "commands",
            1,
            "command",
        ))
        .clone();
    report.measure(median_round(baselines).into_measurement(
        Role::Baseline,
        format!("(1) single-row INSERT, own transaction each, {CLIENTS} tasks, PgPool({BASELINE_POOL_CONNECTIONS})"),
        "commands",
        1,
        "insert",
    ));
    report.measure(median_round(alones).into_measurement(
        Role::Diagnostic,
        format!("(1) PostgresEventStore::append alone, {CLIENTS} clients"),
        "commands",
        1,
        "append",
    ));

    let round_trips = median_round(round_trips);
    let round_trip_p50 =
        Latency::of("statement", round_trips.latencies.clone()).map(|latency| latency.p50).unwrap_or_default();
    report.measure(round_trips.into_measurement(
        Role::Diagnostic,
        "sqlx PostgreSQL statement round trip (point read), one connection",
        "statements",
        1,
        "statement",
    ));

    let (mut systems, mut baselines) = (vec![], vec![]);
    for round in batch_rounds {
        systems.push(round.system);
        baselines.push(round.baseline);
    }
    report.measure(median_round(systems).into_measurement(
        Role::System,
        "(2) PostgresEventStore::append, 1,000 events per request",
        "events",
        EVENTS_PER_REQUEST,
        "request of 1,000 events",
    ));
    report.measure(median_round(baselines).into_measurement(
        Role::Baseline,
        "(2) per-row INSERT, one transaction per 1,000, one connection",
        "events",
        EVENTS_PER_REQUEST,
        "transaction of 1,000 rows",
    ));

    let commands_ratio = report.ratio_of_rounds("(1) system / baseline (commands/s)", &command_ratios);
    report.ratio_of_rounds("(1) store alone / baseline", &alone_ratios);
    let batch_ratio = report.ratio_of_rounds("(2) system / baseline (events/s)", &batch_ratios);
    report.check_ratio("(1) commands: system / baseline", commands_ratio, TARGET_RATIO);
    report.check_ratio("(2) batches: system / baseline", batch_ratio, TARGET_RATIO);
    report.note_commits("(1) system (median round)", system_commits, &commands_system);
    report.note(format!(
        "(1) one statement round trip takes {} here (p50, alone); the writer runs each batch on its own \
         connection as a handful of set-based statements (command ids, stream versions, tenant heads, one \
         UNNEST insert of events, one of command records) under the global position lock, while the \
         baseline's {BASELINE_POOL_CONNECTIONS} connections commit in parallel and PostgreSQL shares their WAL \
         flushes",
        milliseconds(round_trip_p50)
    ));
    Ok(report)
}

async fn commands_round(options: &BenchOptions, url: &str, commands: usize) -> anyhow::Result<CommandsRound> {
    let store = Arc::new(PostgresEventStore::connect(url).await?);
    let shared: SharedEventStore = store.clone();
    let dispatcher = Arc::new(Dispatcher::new(shared, DEFAULT_MAX_PAYLOAD_BYTES));
    let now = chrono::Utc::now();
    let tenant_id = workload::create_tenant(&dispatcher, "bench", now).await?;
    let items = workload::create_user_commands(tenant_id, commands, now);
    let timed_dispatcher = dispatcher.clone();
    let system = run_clients(CLIENTS, items, options.phase_time_limit, move |item| {
        let dispatcher = timed_dispatcher.clone();
        async move { workload::dispatch_create_user(&dispatcher, item).await }
    })
    .await?;
    let system_commits = count_commits(store.pool()).await?;
    let rows: Vec<Row> = workload::read_log(store.as_ref())
        .await?
        .into_iter()
        .filter(|envelope| envelope.event_type == USER_CREATED)
        .map(Row::from)
        .collect();

    // The store alone, without the dispatcher's reads, on new streams of another tenant in
    // the same log.
    let other_tenant = hotline_domain::identity::tenant_id_for_slug("bench-alone");
    let requests = (0..commands)
        .map(|number| workload::user_history(other_tenant, &format!("agent-{number}"), 1, now))
        .collect::<Vec<_>>();
    let appending_store = store.clone();
    let store_alone = run_clients(CLIENTS, requests, options.phase_time_limit, move |request| {
        let store = appending_store.clone();
        async move {
            store.append(request).await?;
            Ok(())
        }
    })
    .await?;
    drop(dispatcher);
    store.pool().close().await;
    drop(store);

    let pool = baseline::postgres_pool(url, BASELINE_POOL_CONNECTIONS).await?;
    let inserting_pool = pool.clone();
    let baseline = run_clients(CLIENTS, rows, options.phase_time_limit, move |row| {
        let pool = inserting_pool.clone();
        async move { baseline::postgres_insert(&pool, &row).await }
    })
    .await?;
    pool.close().await;
    let round_trips = statement_round_trips(url, ROUND_TRIPS).await?;
    Ok(CommandsRound { system, system_commits, store_alone, baseline, round_trips })
}

async fn batch_round(options: &BenchOptions, url: &str, requests: usize) -> anyhow::Result<BatchRound> {
    let store = Arc::new(PostgresEventStore::connect(url).await?);
    let now = chrono::Utc::now();
    let tenant_id = hotline_domain::identity::tenant_id_for_slug("bench");
    let items = (0..requests)
        .map(|number| workload::user_history(tenant_id, &format!("agent-{number}"), EVENTS_PER_REQUEST, now))
        .collect::<Vec<_>>();
    let appending_store = store.clone();
    let system = run_clients(1, items, options.phase_time_limit, move |request| {
        let store = appending_store.clone();
        async move {
            store.append(request).await?;
            Ok(())
        }
    })
    .await?;
    let rows: Vec<Row> = workload::read_log(store.as_ref()).await?.into_iter().map(Row::from).collect();
    store.pool().close().await;
    drop(store);

    let pool = baseline::postgres_pool(url, 1).await?;
    pool.close().await;
    let connection = Arc::new(Mutex::new(PgConnection::connect(url).await?));
    let chunks = Arc::new(chunk_rows(rows, EVENTS_PER_REQUEST));
    let baseline = run_clients(1, (0..chunks.len()).collect(), options.phase_time_limit, move |index| {
        let (connection, chunks) = (connection.clone(), chunks.clone());
        async move { baseline::postgres_insert_transaction(&mut *connection.lock().await, &chunks[index]).await }
    })
    .await?;
    Ok(BatchRound { system, baseline })
}

/// `count` point reads of the kind the writer issues per request (a stream's version), on
/// one connection.
async fn statement_round_trips(url: &str, count: usize) -> anyhow::Result<Timed> {
    let mut connection = PgConnection::connect(url).await?;
    let tenant_id = hotline_domain::identity::tenant_id_for_slug("bench");
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(count);
    for number in 0..count {
        let begun = Instant::now();
        let _version: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(stream_version), 0) FROM events WHERE tenant_id = $1 AND stream_id = $2",
        )
        .bind(tenant_id)
        .bind(format!("user-{number}"))
        .fetch_one(&mut connection)
        .await?;
        latencies.push(begun.elapsed());
    }
    let elapsed = started.elapsed();
    connection.close().await?;
    Ok(Timed { completed: count, elapsed, latencies })
}

/// Transactions the writer committed for the measured commands (see
/// [`crate::sqlite_commands::count_commits`]).
async fn count_commits(pool: &PgPool) -> anyhow::Result<u64> {
    let commits: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT recorded_at) FROM events WHERE event_type <> 'hotline.tenant.created'",
    )
    .fetch_one(pool)
    .await?;
    Ok(commits as u64)
}
