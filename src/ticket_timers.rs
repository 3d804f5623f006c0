//! Fires tickets' workflow timers when they fall due: each second, the due timers of every
//! tenant (the `ticket_timers` read model) become `FireTimer` commands, as the system. A
//! timer's command id is derived from the timer, so two API nodes firing the same timer
//! append it once, and a timer still listed because the read model lags is fired again
//! harmlessly.

use std::time::Duration;

use chrono::{DateTime, Utc};
use hotline_command_api::TicketService;
use hotline_projections::tickets::due_timers;
use sqlx::AnyPool;

/// How often due timers are looked for: a timer fires at most this late.
const TICK: Duration = Duration::from_secs(1);
/// Timers fired per tick at most; the rest wait for the next one.
const PER_TICK: u32 = 200;

/// Starts the timer task; `clock` says what time it is (the system clock in production).
pub fn start(tickets: TicketService, read_models: AnyPool, clock: fn() -> DateTime<Utc>) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(TICK);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            let now = clock();
            let due = match due_timers(&read_models, now, PER_TICK).await {
                Ok(due) => due,
                Err(error) => {
                    tracing::warn!(%error, "reading the due ticket timers");
                    continue;
                }
            };
            for timer in due {
                if let Err(error) = tickets.fire_timer(timer.tenant_id, timer.ticket_id, timer.token, now).await {
                    tracing::warn!(%error, ticket_id = %timer.ticket_id, token = timer.token, "firing a ticket timer");
                }
            }
        }
    });
}
