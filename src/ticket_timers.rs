//! Fires tickets' workflow timers, records their tasks' SLA stages and makes their service
//! calls when they fall due: each second, the due timers of every tenant (the `ticket_timers`
//! read model) become `FireTimer` commands, the tasks whose reminder or due time has come
//! (`ticket_tasks`) become `CheckSla` commands, as the system, and the wanted service calls
//! (`ticket_services`) go to the [`ServiceCaller`], which makes each once it is due. Each command id is derived from what fell
//! due, so two API nodes doing the same append it once, and an item still listed because
//! the read model lags is done again harmlessly.
//!
//! Every hour it also deletes the files uploaded for ticket forms that were never sent
//! ([`TicketService::sweep_unclaimed_files`]); several nodes doing so delete each file once.

use std::time::Duration;

use chrono::{DateTime, Utc};
use hotline_command_api::TicketService;
use hotline_command_api::tickets::services::ServiceCaller;
use hotline_projections::tickets::{due_service_calls, due_sla_checks, due_timers};
use sqlx::AnyPool;

/// How often due timers are looked for: a timer fires at most this late.
const TICK: Duration = Duration::from_secs(1);
/// Timers fired (and SLA checks made) per tick at most; the rest wait for the next one.
const PER_TICK: u32 = 200;
/// How often files uploaded for forms never sent are looked for.
const SWEEP_EVERY: Duration = Duration::from_secs(3600);

/// Starts the timer task; `clock` says what time it is (the system clock in production).
pub fn start(tickets: TicketService, services: ServiceCaller, read_models: AnyPool, clock: fn() -> DateTime<Utc>) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(TICK);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut swept_at: Option<tokio::time::Instant> = None;
        loop {
            interval.tick().await;
            tick(&tickets, &services, &read_models, clock()).await;
            if swept_at.is_none_or(|at| at.elapsed() >= SWEEP_EVERY) {
                swept_at = Some(tokio::time::Instant::now());
                match tickets.sweep_unclaimed_files(clock()).await {
                    Ok(0) => {}
                    Ok(deleted) => tracing::info!(deleted, "deleted files uploaded for ticket forms never sent"),
                    Err(error) => tracing::warn!(%error, "deleting files uploaded for ticket forms never sent"),
                }
            }
        }
    });
}

async fn tick(tickets: &TicketService, services: &ServiceCaller, read_models: &AnyPool, now: DateTime<Utc>) {
    match due_timers(read_models, now, PER_TICK).await {
        Ok(due) => {
            for timer in due {
                if let Err(error) = tickets.fire_timer(timer.tenant_id, timer.ticket_id, timer.token, now).await {
                    tracing::warn!(%error, ticket_id = %timer.ticket_id, token = timer.token, "firing a ticket timer");
                }
            }
        }
        Err(error) => tracing::warn!(%error, "reading the due ticket timers"),
    }
    match due_sla_checks(read_models, now, PER_TICK).await {
        Ok(due) => {
            for check in due {
                let checked = tickets.check_sla(check.tenant_id, check.ticket_id, check.token, check.due_at, now).await;
                if let Err(error) = checked {
                    tracing::warn!(%error, ticket_id = %check.ticket_id, token = check.token, "checking a ticket task's SLA");
                }
            }
        }
        Err(error) => tracing::warn!(%error, "reading the tasks whose SLA is due"),
    }
    match due_service_calls(read_models, now, PER_TICK).await {
        Ok(due) => {
            for call in due {
                services.call_if_due(call.tenant_id, call.ticket_id, call.token, call.due_at);
            }
        }
        Err(error) => tracing::warn!(%error, "reading the wanted service calls"),
    }
}
