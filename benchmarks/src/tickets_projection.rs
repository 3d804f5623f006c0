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
//!
//! On the rebuilt read model it then times the ticket list: pages of 50 tickets matching two
//! conditions on form values (a category, and a price above a bound: a saved query's shape)
//! against the plain list page (the status filter alone), one query at a time.

use std::time::Instant;

use hotline_domain::ticket::queries::{Condition, ConditionOp};
use hotline_infra::database::{self, DatabaseLocation};
use hotline_infra::store::SharedEventStore;
use hotline_projections::tickets::{self as read_model, TicketFilter, TicketScope, TicketStatus, TicketsProjection};
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
/// List queries timed in each of the two list phases.
const LIST_QUERIES: usize = 300;
/// A list page, as the web app asks for one.
const PAGE: u32 = 50;

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
    let queries = options.scaled(LIST_QUERIES, 10);
    let finished = |_| TicketFilter { status: Some(TicketStatus::Finished), ..TicketFilter::default() };
    let plain = list(&database.read_models, queries, finished, false).await?;
    let with_history = list(&database.read_models, queries, finished, true).await?;
    let by_values = list(&database.read_models, queries, value_filter, false).await?;
    let plain = report
        .measure(plain.into_measurement(
            Role::Baseline,
            format!("ticket list: find_tickets, status filter alone, pages of {PAGE}"),
            "queries",
            1,
            "query",
        ))
        .clone();
    let by_values = report
        .measure(by_values.into_measurement(
            Role::System,
            format!("ticket list: find_tickets, two conditions on form values, pages of {PAGE}"),
            "queries",
            1,
            "query",
        ))
        .clone();
    let with_history = report
        .measure(with_history.into_measurement(
            Role::Diagnostic,
            format!("ticket list: find_tickets, status filter alone, pages of {PAGE}, each row's history read too"),
            "queries",
            1,
            "query",
        ))
        .clone();
    report.ratio_of_rounds(
        "value conditions / status alone (queries/s)",
        &[by_values.per_second() / plain.per_second().max(f64::EPSILON)],
    );
    report.ratio_of_rounds(
        "status alone / with each row's history (queries/s)",
        &[plain.per_second() / with_history.per_second().max(f64::EPSILON)],
    );
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

/// Query `index` of the value-condition phase: one of the form's four categories and a
/// price above a bound, varied so that no two queries in a row ask the same.
fn value_filter(index: usize) -> TicketFilter {
    let condition =
        |field: &str, op, value: String| Condition { field: field.to_owned(), op, value: Some(value), value_to: None };
    TicketFilter {
        status: Some(TicketStatus::Finished),
        conditions: vec![
            condition("category", ConditionOp::Equals, ["billing", "delivery", "product", "other"][index % 4].into()),
            condition("price", ConditionOp::GreaterThan, (50 + (index * 7) % 300).to_string()),
        ],
        ..TicketFilter::default()
    }
}

/// `queries` list pages one after another, each filtered by `filter(index)`, in a snapshot of
/// its own as the GraphQL query reads them; each must find tickets. `with_history` also reads
/// each listed ticket's history, as the list did when its rows carried it.
async fn list(
    read_models: &AnyPool,
    queries: usize,
    filter: impl Fn(usize) -> TicketFilter,
    with_history: bool,
) -> anyhow::Result<Timed> {
    let filters: Vec<TicketFilter> = (0..queries).map(filter).collect();
    let tenant_id = hotline_domain::identity::tenant_id_for_slug("bench-tickets");
    let mut latencies = Vec::with_capacity(queries);
    let started = Instant::now();
    for filter in &filters {
        let began = Instant::now();
        let mut snapshot = read_model::snapshot(read_models).await?;
        let (page, total) =
            read_model::find_tickets(&mut snapshot, tenant_id, &TicketScope::All, filter, 0, PAGE).await?;
        if with_history {
            for ticket in &page {
                read_model::ticket_history(&mut *snapshot, tenant_id, ticket.ticket_id).await?;
            }
        }
        snapshot.commit().await?;
        latencies.push(began.elapsed());
        anyhow::ensure!(!page.is_empty() && total > 0, "a list query found no ticket: {filter:?}");
    }
    Ok(Timed { completed: queries, elapsed: started.elapsed(), latencies })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_small_run_rebuilds_every_ticket_and_reports_the_floor() {
        let options = BenchOptions { scale: 0.002, rounds: 1, ..BenchOptions::default() };
        let report = run(&options).await.unwrap();
        assert_eq!(report.measurements.len(), 7);
        assert!(report.measurements.iter().all(|measurement| measurement.operations > 0), "{report}");
        assert_eq!(report.ratios.len(), 3);
        assert_eq!(report.checks.len(), 1);
    }
}
