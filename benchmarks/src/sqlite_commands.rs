//! `sqlite-commands`: single-event commands from 64 concurrent clients, through the real
//! `Dispatcher` into a durable `SqliteEventStore`, against 64 concurrent tasks that INSERT
//! the same rows one durable transaction each (what a store without group commit does).
//!
//! Two diagnostics explain the result: the store's `append` alone from 64 clients (no
//! dispatcher reads), and the cost of one sqlx statement round trip and one fsync.

use std::sync::Arc;
use std::time::Instant;

use hotline_command_api::dispatcher::{DEFAULT_MAX_PAYLOAD_BYTES, Dispatcher};
use hotline_domain::identity::user::USER_CREATED;
use hotline_infra::store::sqlite::SqliteEventStore;
use hotline_infra::store::{EventStore, SharedEventStore};
use sqlx::SqlitePool;

use crate::BenchOptions;
use crate::baseline::{self, Row};
use crate::measure::{Timed, median_round, probe_fsync, run_clients};
use crate::report::{BenchReport, Latency, Role, milliseconds, thousands};
use crate::scratch::ScratchDirectory;
use crate::workload;

const CLIENTS: usize = 64;
const DEFAULT_COMMANDS: usize = 16_000;
const TARGET_COMMANDS_PER_SECOND: f64 = 10_000.0;
/// Connections of the baseline's pool, as many as the store's read pool. SQLite has one
/// writer at a time and no group commit, so the pool size hardly changes the baseline's
/// rate (1, 4, 16 and 64 were tried); more connections only wait on each other's lock.
const BASELINE_POOL_CONNECTIONS: u32 = 4;
const FSYNC_PROBES: usize = 1_000;
const ROUND_TRIPS: usize = 5_000;

struct Round {
    system: Timed,
    system_commits: u64,
    store_alone: Timed,
    store_alone_commits: u64,
    baseline: Timed,
}

pub(crate) async fn run(options: &BenchOptions) -> anyhow::Result<BenchReport> {
    let commands = options.scaled(DEFAULT_COMMANDS, CLIENTS);
    let mut report = BenchReport::new(
        "sqlite-commands",
        format!(
            "{} `CreateUser` commands per round (one `{USER_CREATED}` event each, each on a stream of its own) \
             from {CLIENTS} concurrent clients; SQLite in WAL mode with `synchronous = FULL`; {} rounds.",
            thousands(commands as f64),
            options.rounds,
        ),
    );

    let mut rounds = Vec::with_capacity(options.rounds);
    for _ in 0..options.rounds.max(1) {
        let scratch = ScratchDirectory::create(&options.work_dir)?;
        rounds.push(round(options, &scratch, commands).await?);
    }
    let ratios = rounds.iter().map(|round| round.system.rate() / round.baseline.rate()).collect::<Vec<_>>();
    let alone_ratios = rounds.iter().map(|round| round.store_alone.rate() / round.baseline.rate()).collect::<Vec<_>>();
    let dispatcher_shares =
        rounds.iter().map(|round| round.system.rate() / round.store_alone.rate()).collect::<Vec<_>>();
    let system_commits = median_commits(&rounds, |round| (&round.system, round.system_commits));
    let store_alone_commits = median_commits(&rounds, |round| (&round.store_alone, round.store_alone_commits));
    let (mut systems, mut alones, mut baselines) = (vec![], vec![], vec![]);
    for round in rounds {
        systems.push(round.system);
        alones.push(round.store_alone);
        baselines.push(round.baseline);
    }

    let system = report
        .measure(median_round(systems).into_measurement(
            Role::System,
            format!("Dispatcher → SqliteEventStore, {CLIENTS} clients"),
            "commands",
            1,
            "command",
        ))
        .clone();
    report.measure(median_round(baselines).into_measurement(
        Role::Baseline,
        format!("single-row INSERT, own transaction each, {CLIENTS} tasks, SqlitePool({BASELINE_POOL_CONNECTIONS})"),
        "commands",
        1,
        "insert",
    ));
    let alone = report
        .measure(median_round(alones).into_measurement(
            Role::Diagnostic,
            format!("SqliteEventStore::append alone, {CLIENTS} clients"),
            "commands",
            1,
            "append",
        ))
        .clone();

    // What a commit and a statement cost on this machine, to read the commit figures against.
    let scratch = ScratchDirectory::create(&options.work_dir)?;
    let fsync = probe_fsync(scratch.path(), FSYNC_PROBES, options.phase_time_limit).await?;
    let fsync_p50 = Latency::of("fsync", fsync.latencies.clone()).map(|latency| latency.p50).unwrap_or_default();
    report.measure(fsync.into_measurement(
        Role::Diagnostic,
        "disk: append 4 KiB + fdatasync, one writer",
        "fsyncs",
        1,
        "fsync",
    ));
    let round_trips = statement_round_trips(&scratch, ROUND_TRIPS).await?;
    let round_trip_p50 =
        Latency::of("statement", round_trips.latencies.clone()).map(|latency| latency.p50).unwrap_or_default();
    report.measure(round_trips.into_measurement(
        Role::Diagnostic,
        "sqlx SQLite statement round trip (point read), one connection",
        "statements",
        1,
        "statement",
    ));

    report.ratio_of_rounds("system / baseline (commands/s)", &ratios);
    report.ratio_of_rounds("store alone / baseline", &alone_ratios);
    report.ratio_of_rounds("system / store alone (what the dispatcher's reads leave)", &dispatcher_shares);
    report.check_rate(&system, TARGET_COMMANDS_PER_SECOND);
    report.note_commits("system (median round)", system_commits, &system);
    report.note_commits("store alone (median round)", store_alone_commits, &alone);
    report.note(format!(
        "here one fsync takes {} and one sqlx statement round trip {} (p50, alone); the store's writer issues a \
         handful of set-based statements per batch (command ids, stream versions, tenant heads, one multi-row \
         insert of events, one of command records), so a commit costs about one fsync plus those inserts",
        milliseconds(fsync_p50),
        milliseconds(round_trip_p50),
    ));
    Ok(report)
}

async fn round(options: &BenchOptions, scratch: &ScratchDirectory, commands: usize) -> anyhow::Result<Round> {
    // The system: the dispatcher loads, decides and appends; the store's writer task takes
    // whatever is queued into one transaction.
    let store = Arc::new(SqliteEventStore::open(&scratch.file("events.sqlite3")).await?);
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
    drop(dispatcher);
    store.pool().close().await;
    drop(store);

    // The store alone, without the dispatcher's two reads per command: what the writer task
    // and its group commit cost by themselves.
    let store_alone = Arc::new(SqliteEventStore::open(&scratch.file("store-alone.sqlite3")).await?);
    let requests = (0..commands)
        .map(|number| workload::user_history(tenant_id, &format!("agent-{number}"), 1, now))
        .collect::<Vec<_>>();
    let appending_store = store_alone.clone();
    let store_alone_timed = run_clients(CLIENTS, requests, options.phase_time_limit, move |request| {
        let store = appending_store.clone();
        async move {
            store.append(request).await?;
            Ok(())
        }
    })
    .await?;
    let store_alone_commits = count_commits(store_alone.pool()).await?;
    store_alone.pool().close().await;
    drop(store_alone);

    // The baseline: the same rows, one durable INSERT transaction each, from as many tasks.
    let pool = baseline::sqlite_pool(&scratch.file("baseline.sqlite3"), BASELINE_POOL_CONNECTIONS).await?;
    let inserting_pool = pool.clone();
    let baseline = run_clients(CLIENTS, rows, options.phase_time_limit, move |row| {
        let pool = inserting_pool.clone();
        async move { baseline::sqlite_insert(&pool, &row).await }
    })
    .await?;
    pool.close().await;
    Ok(Round { system, system_commits, store_alone: store_alone_timed, store_alone_commits, baseline })
}

/// The commit count of the round whose rate is the median one.
fn median_commits(rounds: &[Round], phase: impl Fn(&Round) -> (&Timed, u64)) -> u64 {
    let mut by_rate = rounds.iter().map(phase).collect::<Vec<_>>();
    by_rate.sort_by(|left, right| left.0.rate().total_cmp(&right.0.rate()));
    by_rate.get((by_rate.len().max(1) - 1) / 2).map(|(_, commits)| *commits).unwrap_or(0)
}

/// Transactions the writer committed for the measured appends: every event of a batch
/// carries the batch's `recorded_at`, so distinct values count batches (the tenant's own
/// event, appended before the clock started, is left out).
pub(crate) async fn count_commits(pool: &SqlitePool) -> anyhow::Result<u64> {
    let commits: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT recorded_at) FROM events WHERE event_type <> 'hotline.tenant.created'",
    )
    .fetch_one(pool)
    .await?;
    Ok(commits as u64)
}

/// `count` point reads of the kind the writer issues per request (a stream's version), on
/// one connection to an empty store-shaped file.
async fn statement_round_trips(scratch: &ScratchDirectory, count: usize) -> anyhow::Result<Timed> {
    let mut connection = baseline::sqlite_connection(&scratch.file("round-trips.sqlite3")).await?;
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(count);
    for number in 0..count {
        let begun = Instant::now();
        let _version: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(stream_version), 0) FROM events WHERE tenant_id = ? AND stream_id = ?",
        )
        .bind("tenant")
        .bind(format!("user-{number}"))
        .fetch_one(&mut connection)
        .await?;
        latencies.push(begun.elapsed());
    }
    Ok(Timed { completed: count, elapsed: started.elapsed(), latencies })
}
