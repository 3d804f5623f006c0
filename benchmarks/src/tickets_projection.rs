//! `tickets-projection`: `hotline_projections::rebuild` of the `tickets` projection (ticket
//! types, versions, tickets, tasks, people) from a SQLite store of 10,000 tickets into the
//! SQLite read-model file, against reading the same events with `read_all` paging alone (the
//! floor: a rebuild must read them all).
//!
//! The store holds one ticket type (created, its rules set, a two-task workflow published)
//! and its tickets, each opened with 5 or 6 of the form's 10 fields filled (2 more calculated)
//! and its two tasks completed: `ticket.opened` and two `ticket.task_completed`, decided by
//! the real deciders, so every event moves the ticket's row, its tasks and its people. Both
//! files are opened the way `hotline serve` opens them (`database::open`, embedded mode). A
//! diagnostic times the projection's `apply` alone, on the events already in memory, in
//! transactions of the rebuild's batch size.

use std::time::Instant;

use hotline_infra::database::{self, DatabaseLocation};
use hotline_infra::store::SharedEventStore;
use hotline_projections::tickets::TicketsProjection;
use sqlx::AnyPool;
use uuid::Uuid;

use crate::BenchOptions;
use crate::measure::Timed;
use crate::projection_rebuild::{FILL_CLIENTS, RebuildRounds, append_all, apply_alone, read_floor};
use crate::report::{BenchReport, Role, thousands};
use crate::scratch::ScratchDirectory;
use crate::workload;

const DEFAULT_TICKETS: usize = 10_000;
/// `ticket.opened` and two `ticket.task_completed`.
const EVENTS_PER_TICKET: usize = 3;
/// The type's `created`, `rules_updated` and `published`.
const TYPE_EVENTS: usize = 3;
/// Set here, not by an issue: a catch-up of a million ticket events (a large tenant's
/// year) in under two minutes.
const TARGET_EVENTS_PER_SECOND: f64 = 10_000.0;

struct Round {
    rebuild: Timed,
    read_floor: Timed,
    apply_alone: Timed,
}

pub(crate) async fn run(options: &BenchOptions) -> anyhow::Result<BenchReport> {
    let tickets = options.scaled(DEFAULT_TICKETS, 20);
    let events = TYPE_EVENTS + tickets * EVENTS_PER_TICKET;
    let mut report = BenchReport::new(
        "tickets-projection",
        format!(
            "rebuild of the `tickets` projection from a SQLite store of {} events (one ticket type with a \
             two-task workflow; {} tickets, each opened with 5 or 6 of its form's 10 fields filled and 2 \
             calculated, and both tasks completed) into the SQLite read-model file, both opened as `hotline serve` \
             opens them; {} rounds on the same filled store.",
            thousands(events as f64),
            thousands(tickets as f64),
            options.rounds,
        ),
    );
    let scratch = ScratchDirectory::create(&options.work_dir)?;
    let database = database::open(&DatabaseLocation::Embedded { data_dir: scratch.path().to_owned() }).await?;
    let fill = fill(options, &database.events, tickets).await?;
    anyhow::ensure!(
        fill.completed == tickets,
        "filling the store stopped at the time limit after {} of {tickets} tickets; raise the limit or lower the scale",
        fill.completed
    );
    let fill_measurement = fill.into_measurement(
        Role::Diagnostic,
        format!("fill: SqliteEventStore::append, {EVENTS_PER_TICKET} events per request, {FILL_CLIENTS} clients"),
        "events",
        EVENTS_PER_TICKET,
        "request",
    );

    let mut rounds = RebuildRounds::default();
    for _ in 0..options.rounds.max(1) {
        let round = round(&database.events, &database.read_models).await?;
        rounds.push(round.rebuild, round.read_floor, round.apply_alone);
    }
    let rebuild = rounds.report(&mut report, "tickets", "TicketsProjection");
    report.measure(fill_measurement);
    report.check_rate(&rebuild, TARGET_EVENTS_PER_SECOND);
    let (finished, open_tasks): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM tickets WHERE status = 'finished'), (SELECT COUNT(*) FROM ticket_tasks)",
    )
    .fetch_one(&database.read_models)
    .await?;
    anyhow::ensure!(
        finished as usize == tickets && open_tasks == 0,
        "the rebuilt read model holds {finished} finished tickets and {open_tasks} open tasks; {tickets} tickets \
         were finished"
    );
    report.note(format!(
        "the rebuilt `tickets` table holds all {} tickets, finished, and `ticket_tasks` no open task (checked after \
         the last round)",
        thousands(finished as f64)
    ));
    database.read_models.close().await;
    Ok(report)
}

/// Appends the type, then every ticket's history from many clients at once, in big
/// group-commit batches. The type goes first: the projection reads a ticket's workflow from
/// the published version's row.
async fn fill(options: &BenchOptions, store: &SharedEventStore, tickets: usize) -> anyhow::Result<Timed> {
    let now = chrono::Utc::now();
    let tenant_id = hotline_domain::identity::tenant_id_for_slug("bench-tickets");
    let type_id = Uuid::now_v7();
    store.append(workload::ticket_type_history(tenant_id, type_id, now)).await?;
    // A few dozen agents open the tickets and do their tasks.
    let starters: Vec<Uuid> = (0..50).map(|_| Uuid::now_v7()).collect();
    let requests = (0..tickets)
        .map(|number| workload::ticket_history(tenant_id, type_id, starters[number % starters.len()], number, now))
        .collect::<Vec<_>>();
    append_all(options, store, requests).await
}

/// The read floor, the rebuild, and the apply alone on the pages the floor read.
async fn round(store: &SharedEventStore, read_models: &AnyPool) -> anyhow::Result<Round> {
    let (read_floor, pages) = read_floor(store).await?;
    let started = Instant::now();
    let rebuilt = hotline_projections::rebuild(store.as_ref(), read_models, &TicketsProjection, 0).await?;
    // One rebuild is one operation: its duration is the elapsed column, not a latency.
    let rebuild = Timed { completed: rebuilt.events as usize, elapsed: started.elapsed(), latencies: vec![] };
    let apply_alone = apply_alone(read_models, &TicketsProjection, &pages).await?;
    Ok(Round { rebuild, read_floor, apply_alone })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_small_run_rebuilds_every_ticket_and_reports_the_floor() {
        let options = BenchOptions { scale: 0.002, rounds: 1, ..BenchOptions::default() };
        let report = run(&options).await.unwrap();
        assert_eq!(report.measurements.len(), 4);
        assert!(report.measurements.iter().all(|measurement| measurement.operations > 0), "{report}");
        assert_eq!(report.ratios.len(), 1);
        assert_eq!(report.checks.len(), 1);
    }
}
