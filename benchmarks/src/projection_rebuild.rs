//! `projection-rebuild`: `hotline_projections::rebuild` of the users projection from a
//! SQLite store of 200,000 identity events into the SQLite read-model file, against reading
//! the same events with `read_all` paging alone (the floor: a rebuild must read them all).
//!
//! Both files are opened the way `hotline serve` opens them (`database::open`, embedded mode).
//! Diagnostics split the rebuild's time: the projection's `apply` alone, on events already in
//! memory, in transactions of the rebuild's batch size; and the rebuild's loop re-enacted
//! (read a page, apply it, commit) with its reads and applies timed apart.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hotline_domain::EventEnvelope;
use hotline_infra::database::{self, DatabaseLocation};
use hotline_infra::store::{AppendRequest, Scope, SharedEventStore};
use hotline_projections::runner::{BATCH_SIZE, begin_write};
use hotline_projections::{Projection, UsersProjection};
use sqlx::{AnyPool, AssertSqlSafe};

use crate::BenchOptions;
use crate::measure::{Timed, median_round, run_clients};
use crate::report::{BenchReport, Measurement, Role, thousands};
use crate::scratch::ScratchDirectory;
use crate::workload;

const DEFAULT_EVENTS: usize = 200_000;
/// Events per user: `user.created`, then `user.updated` (display name and role changes).
const EVENTS_PER_USER: usize = 5;
const TENANTS: usize = 4;
/// Concurrent appenders while filling, so that group commit takes big batches.
pub(crate) const FILL_CLIENTS: usize = 256;
const TARGET_EVENTS_PER_SECOND: f64 = 100_000.0;
/// Table suffix of the diagnostics' tables, beside the live and the `__rebuild` tables.
const APPLY_ALONE_SUFFIX: &str = "__bench";

struct Round {
    rebuild: Timed,
    read_floor: Timed,
    apply_alone: Timed,
    rebuild_loop: RebuildLoop,
}

/// The rebuild's main loop re-enacted without the swap: read a page, apply it, commit.
struct RebuildLoop {
    timed: Timed,
    reading: Duration,
    applying: Duration,
}

pub(crate) async fn run(options: &BenchOptions) -> anyhow::Result<BenchReport> {
    let users = options.scaled(DEFAULT_EVENTS, EVENTS_PER_USER * TENANTS) / EVENTS_PER_USER;
    let events = users * EVENTS_PER_USER;
    let mut report = BenchReport::new(
        "projection-rebuild",
        format!(
            "rebuild of the `users` projection from a SQLite store of {} events ({} users in {TENANTS} tenants: \
             `user.created` and {} `user.updated` (display name and role) each) into the SQLite read-model file, both opened \
             as `hotline serve` opens them; {} rounds on the same filled store.",
            thousands(events as f64),
            thousands(users as f64),
            EVENTS_PER_USER - 1,
            options.rounds,
        ),
    );
    let scratch = ScratchDirectory::create(&options.work_dir)?;
    let database = database::open(&DatabaseLocation::Embedded { data_dir: scratch.path().to_owned() }).await?;
    let fill = fill(options, &database.events, users).await?;
    anyhow::ensure!(
        fill.completed == users,
        "filling the store stopped at the time limit after {} of {users} users; raise the limit or lower the scale",
        fill.completed
    );
    let fill_measurement = fill.into_measurement(
        Role::Diagnostic,
        format!("fill: SqliteEventStore::append, {EVENTS_PER_USER} events per request, {FILL_CLIENTS} clients"),
        "events",
        EVENTS_PER_USER,
        "request",
    );

    let mut rounds: Vec<Round> = Vec::with_capacity(options.rounds);
    for _ in 0..options.rounds.max(1) {
        rounds.push(round(&database.events, &database.read_models).await?);
    }
    // How the median rebuild's time splits, from the loop measured in the same round.
    rounds.sort_by(|left, right| left.rebuild.rate().total_cmp(&right.rebuild.rate()));
    let split = {
        let median = &rounds[(rounds.len() - 1) / 2];
        let seconds = |duration: Duration| duration.as_secs_f64();
        let rebuild_seconds = seconds(median.rebuild.elapsed);
        let share = |duration: Duration| 100.0 * seconds(duration) / rebuild_seconds;
        let rest = median.rebuild.elapsed.saturating_sub(median.rebuild_loop.timed.elapsed);
        format!(
            "where the median rebuild's {rebuild_seconds:.2} s go (its round's re-enacted loop): reading pages \
             {:.2} s ({:.0} %), applying them {:.2} s ({:.0} %), the rest (setup, tail and swap of the tables, \
             and noise) {:.2} s ({:.0} %)",
            seconds(median.rebuild_loop.reading),
            share(median.rebuild_loop.reading),
            seconds(median.rebuild_loop.applying),
            share(median.rebuild_loop.applying),
            seconds(rest),
            share(rest),
        )
    };
    let (mut rebuilds, mut loops) = (RebuildRounds::default(), vec![]);
    for round in rounds {
        rebuilds.push(round.rebuild, round.read_floor, round.apply_alone);
        loops.push(round.rebuild_loop.timed);
    }
    let rebuild = rebuilds.report(&mut report, "users", "UsersProjection");
    report.measure(median_round(loops).into_measurement(
        Role::Diagnostic,
        "rebuild's loop without the swap: read_all + apply + commit per page",
        "events",
        1,
        "page",
    ));
    report.measure(fill_measurement);
    report.check_rate(&rebuild, TARGET_EVENTS_PER_SECOND);
    report.note(split);
    let users_in_read_model: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&database.read_models).await?;
    anyhow::ensure!(
        users_in_read_model as usize == users,
        "the rebuilt read model holds {users_in_read_model} users, {users} were created"
    );
    report.note(format!(
        "the rebuilt `users` table holds all {} users (checked after the last round)",
        thousands(users_in_read_model as f64)
    ));
    database.read_models.close().await;
    Ok(report)
}

/// Appends every user's history, from many clients at once, in big group-commit batches.
/// What a rebuild benchmark measures each round: the rebuild, the read floor and the apply
/// alone (the users and tickets projections report them alike).
#[derive(Default)]
pub(crate) struct RebuildRounds {
    rebuilds: Vec<Timed>,
    floors: Vec<Timed>,
    applies: Vec<Timed>,
}

impl RebuildRounds {
    pub(crate) fn push(&mut self, rebuild: Timed, read_floor: Timed, apply_alone: Timed) {
        self.rebuilds.push(rebuild);
        self.floors.push(read_floor);
        self.applies.push(apply_alone);
    }

    /// Reports the medians and the rebuild / floor ratio of the rounds; returns the rebuild's
    /// measurement, for the target check.
    pub(crate) fn report(self, report: &mut BenchReport, projection: &str, apply_type: &str) -> Measurement {
        let ratios: Vec<f64> =
            self.rebuilds.iter().zip(&self.floors).map(|(rebuild, floor)| rebuild.rate() / floor.rate()).collect();
        let rebuild = report
            .measure(median_round(self.rebuilds).into_measurement(
                Role::System,
                format!("hotline_projections::rebuild({projection}), whole log"),
                "events",
                1,
                "rebuild",
            ))
            .clone();
        report.measure(median_round(self.floors).into_measurement(
            Role::Baseline,
            "read_all paging alone, 1,000 per page (the floor)",
            "events",
            1,
            "page of 1,000 events",
        ));
        report.measure(median_round(self.applies).into_measurement(
            Role::Diagnostic,
            format!("{apply_type}::apply alone, events in memory, 1,000 per transaction"),
            "events",
            1,
            "transaction of 1,000 events",
        ));
        report.ratio_of_rounds("rebuild / read floor (events/s)", &ratios);
        rebuild
    }
}

async fn fill(options: &BenchOptions, store: &SharedEventStore, users: usize) -> anyhow::Result<Timed> {
    let now = chrono::Utc::now();
    let tenant_ids = (0..TENANTS)
        .map(|number| hotline_domain::identity::tenant_id_for_slug(&format!("bench-{number}")))
        .collect::<Vec<_>>();
    let requests = (0..users)
        .map(|number| {
            workload::user_history_with_updates(
                tenant_ids[number % TENANTS],
                &format!("agent-{number}"),
                EVENTS_PER_USER,
                now,
            )
        })
        .collect::<Vec<_>>();
    append_all(options, store, requests).await
}

/// Appends the requests from many clients at once, so group commit takes big batches.
pub(crate) async fn append_all(
    options: &BenchOptions,
    store: &SharedEventStore,
    requests: Vec<AppendRequest>,
) -> anyhow::Result<Timed> {
    let appending_store = Arc::clone(store);
    run_clients(FILL_CLIENTS, requests, options.phase_time_limit, move |request| {
        let store = Arc::clone(&appending_store);
        async move {
            store.append(request).await?;
            Ok(())
        }
    })
    .await
}

async fn round(store: &SharedEventStore, read_models: &AnyPool) -> anyhow::Result<Round> {
    let (read_floor, pages) = read_floor(store).await?;

    let started = Instant::now();
    let rebuilt = hotline_projections::rebuild(store.as_ref(), read_models, &UsersProjection, 0).await?;
    let elapsed = started.elapsed();
    // One rebuild is one operation: its duration is the elapsed column, not a latency.
    let rebuild = Timed { completed: rebuilt.events as usize, elapsed, latencies: vec![] };

    let apply_alone = apply_alone(read_models, &UsersProjection, &pages).await?;
    let rebuild_loop = rebuild_loop(store, read_models).await?;
    Ok(Round { rebuild, read_floor, apply_alone, rebuild_loop })
}

/// The floor: every page a rebuild reads, and nothing else. Returns the pages too, for the
/// apply-alone diagnostic.
pub(crate) async fn read_floor(store: &SharedEventStore) -> anyhow::Result<(Timed, Vec<Vec<EventEnvelope>>)> {
    let started = Instant::now();
    let mut cursor = 0;
    let mut pages = Vec::new();
    let mut latencies = Vec::new();
    loop {
        let begun = Instant::now();
        let page = store.read_all(Scope::Global, cursor, BATCH_SIZE).await?;
        latencies.push(begun.elapsed());
        let Some(last) = page.last() else { break };
        cursor = last.global_position;
        let full = page.len() == BATCH_SIZE;
        pages.push(page);
        if !full {
            break;
        }
    }
    let events_read = pages.iter().map(Vec::len).sum();
    Ok((Timed { completed: events_read, elapsed: started.elapsed(), latencies }, pages))
}

/// Reads and applies page after page into tables of their own, as `rebuild` does before its
/// swap, timing the reads and the applies apart.
async fn rebuild_loop(store: &SharedEventStore, read_models: &AnyPool) -> anyhow::Result<RebuildLoop> {
    let mut connection = read_models.acquire().await?;
    let projection = UsersProjection;
    drop_apply_alone_tables(&mut connection, &projection).await?;
    projection.create_tables(&mut connection, APPLY_ALONE_SUFFIX).await?;
    let started = Instant::now();
    let (mut reading, mut applying) = (Duration::ZERO, Duration::ZERO);
    let mut cursor = 0;
    let mut events = 0;
    loop {
        let begun = Instant::now();
        let page = store.read_all(Scope::Global, cursor, BATCH_SIZE).await?;
        reading += begun.elapsed();
        let Some(last) = page.last() else { break };
        cursor = last.global_position;
        events += page.len();
        let begun = Instant::now();
        let mut transaction = begin_write(&mut connection).await?;
        projection.apply(&mut transaction, APPLY_ALONE_SUFFIX, &page).await?;
        transaction.commit().await?;
        applying += begun.elapsed();
        if page.len() < BATCH_SIZE {
            break;
        }
    }
    let timed = Timed { completed: events, elapsed: started.elapsed(), latencies: vec![] };
    drop_apply_alone_tables(&mut connection, &projection).await?;
    Ok(RebuildLoop { timed, reading, applying })
}

/// The projection's `apply` on events already read, one transaction per page, into tables of
/// their own (dropped afterwards).
pub(crate) async fn apply_alone(
    read_models: &AnyPool,
    projection: &dyn Projection,
    pages: &[Vec<EventEnvelope>],
) -> anyhow::Result<Timed> {
    let mut connection = read_models.acquire().await?;
    drop_apply_alone_tables(&mut connection, projection).await?;
    projection.create_tables(&mut connection, APPLY_ALONE_SUFFIX).await?;
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(pages.len());
    for page in pages {
        let begun = Instant::now();
        let mut transaction = begin_write(&mut connection).await?;
        projection.apply(&mut transaction, APPLY_ALONE_SUFFIX, page).await?;
        transaction.commit().await?;
        latencies.push(begun.elapsed());
    }
    let events_applied = pages.iter().map(Vec::len).sum();
    let timed = Timed { completed: events_applied, elapsed: started.elapsed(), latencies };
    drop_apply_alone_tables(&mut connection, projection).await?;
    Ok(timed)
}

async fn drop_apply_alone_tables(
    connection: &mut sqlx::AnyConnection,
    projection: &dyn Projection,
) -> anyhow::Result<()> {
    for table in projection.tables() {
        let sql = format!("DROP TABLE IF EXISTS {table}{APPLY_ALONE_SUFFIX}");
        sqlx::query(AssertSqlSafe(sql)).execute(&mut *connection).await?;
    }
    Ok(())
}
