//! `sqlite-batch-append`: appends of 1,000 events per request, one request at a time, into a
//! durable `SqliteEventStore`, against per-row INSERTs of the same rows in one transaction
//! per 1,000 through one connection.
//!
//! Two diagnostics split the store's time: the hash chain alone (CPU), and the store's own
//! statement shape (multi-row INSERTs of 500 rows) without its checks and hashing.

use std::sync::Arc;
use std::time::Instant;

use hotline_infra::chain::{event_hash, payload_text};
use hotline_infra::store::EventStore;
use hotline_infra::store::sqlite::SqliteEventStore;
use tokio::sync::Mutex;

use crate::BenchOptions;
use crate::baseline::{self, Row};
use crate::measure::{Timed, median_round, run_clients};
use crate::report::{BenchReport, Role, thousands};
use crate::scratch::ScratchDirectory;
use crate::workload;

pub(crate) const EVENTS_PER_REQUEST: usize = 1_000;
pub(crate) const DEFAULT_REQUESTS: usize = 200;
const TARGET_EVENTS_PER_SECOND: f64 = 100_000.0;
const TARGET_RATIO: f64 = 0.5;
/// Rows per INSERT statement of the SQLite store (`ROWS_PER_INSERT` in its source).
const STORE_ROWS_PER_INSERT: usize = 500;

struct Round {
    system: Timed,
    hashing: Timed,
    store_statements: Timed,
    baseline: Timed,
}

pub(crate) async fn run(options: &BenchOptions) -> anyhow::Result<BenchReport> {
    let requests = options.scaled(DEFAULT_REQUESTS, 2);
    let mut report = BenchReport::new(
        "sqlite-batch-append",
        format!(
            "{} append requests of {} events per round (one new user stream per request: `user.created` then \
             `user.password_changed`), sent one after the other; SQLite in WAL mode with `synchronous = FULL`; \
             {} rounds.",
            thousands(requests as f64),
            thousands(EVENTS_PER_REQUEST as f64),
            options.rounds,
        ),
    );
    let mut rounds = Vec::with_capacity(options.rounds);
    for _ in 0..options.rounds.max(1) {
        let scratch = ScratchDirectory::create(&options.work_dir)?;
        rounds.push(round(options, &scratch, requests).await?);
    }
    let ratios = rounds.iter().map(|round| round.system.rate() / round.baseline.rate()).collect::<Vec<_>>();
    let (mut systems, mut hashings, mut statements, mut baselines) = (vec![], vec![], vec![], vec![]);
    for round in rounds {
        systems.push(round.system);
        hashings.push(round.hashing);
        statements.push(round.store_statements);
        baselines.push(round.baseline);
    }
    let per_request = "request of 1,000 events";
    let system = report
        .measure(median_round(systems).into_measurement(
            Role::System,
            "SqliteEventStore::append, 1,000 events per request",
            "events",
            EVENTS_PER_REQUEST,
            per_request,
        ))
        .clone();
    report.measure(median_round(baselines).into_measurement(
        Role::Baseline,
        "per-row INSERT, one transaction per 1,000, one connection",
        "events",
        EVENTS_PER_REQUEST,
        "transaction of 1,000 rows",
    ));
    report.measure(median_round(statements).into_measurement(
        Role::Diagnostic,
        "the store's statements alone: 500-row INSERTs, one transaction per 1,000",
        "events",
        EVENTS_PER_REQUEST,
        "transaction of 1,000 rows",
    ));
    report.measure(median_round(hashings).into_measurement(
        Role::Diagnostic,
        "the hash chain alone: payload text + SHA-256 per event (CPU)",
        "events",
        EVENTS_PER_REQUEST,
        per_request,
    ));
    let ratio = report.ratio_of_rounds("system / baseline (events/s)", &ratios);
    report.check_rate(&system, TARGET_EVENTS_PER_SECOND);
    report.check_ratio("system / baseline", ratio, TARGET_RATIO);
    Ok(report)
}

async fn round(options: &BenchOptions, scratch: &ScratchDirectory, requests: usize) -> anyhow::Result<Round> {
    let store = Arc::new(SqliteEventStore::open(&scratch.file("events.sqlite3")).await?);
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
    let chunks = Arc::new(chunk_rows(rows, EVENTS_PER_REQUEST));

    let hashing = hash_chunks(&chunks);

    let connection = Arc::new(Mutex::new(baseline::sqlite_connection(&scratch.file("statements.sqlite3")).await?));
    let store_statements = run_clients(1, (0..chunks.len()).collect(), options.phase_time_limit, {
        let chunks = chunks.clone();
        move |index| {
            let (connection, chunks) = (connection.clone(), chunks.clone());
            async move {
                let mut connection = connection.lock().await;
                baseline::sqlite_insert_multi_row_transaction(&mut connection, &chunks[index], STORE_ROWS_PER_INSERT)
                    .await
            }
        }
    })
    .await?;

    let connection = Arc::new(Mutex::new(baseline::sqlite_connection(&scratch.file("baseline.sqlite3")).await?));
    let baseline = run_clients(1, (0..chunks.len()).collect(), options.phase_time_limit, move |index| {
        let (connection, chunks) = (connection.clone(), chunks.clone());
        async move { baseline::sqlite_insert_transaction(&mut *connection.lock().await, &chunks[index]).await }
    })
    .await?;
    Ok(Round { system, hashing, store_statements, baseline })
}

/// What sealing costs in CPU: the payload's canonical text and the chained SHA-256, per event.
fn hash_chunks(chunks: &[Vec<Row>]) -> Timed {
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(chunks.len());
    for chunk in chunks {
        let begun = Instant::now();
        for row in chunk {
            let hash = event_hash(&row.envelope, &payload_text(&row.envelope.payload));
            debug_assert_eq!(hash, row.envelope.hash);
        }
        latencies.push(begun.elapsed());
    }
    Timed { completed: chunks.len(), elapsed: started.elapsed(), latencies }
}

/// Splits rows into consecutive chunks of `size` (a request's events are consecutive).
pub(crate) fn chunk_rows(rows: Vec<Row>, size: usize) -> Vec<Vec<Row>> {
    let mut chunks = Vec::with_capacity(rows.len() / size + 1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        chunks.push(rows.by_ref().take(size).collect());
    }
    chunks
}
