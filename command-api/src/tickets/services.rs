//! Service tasks: the signed HTTP call a workflow makes to an outside system (docs/tickets.md).
//!
//! A ticket whose token reaches a service task waits there; `hotline serve` hands each wanted
//! call (the `ticket_services` read model) to [`ServiceCaller::call_if_due`]. The call is a
//! JSON `POST` of the ticket to the task's URL, signed like our webhooks (Standard Webhooks:
//! `webhook-id`, `webhook-timestamp`, `webhook-signature`) with the type's own secret. A 2xx
//! answer may set form values (`{"values": {...}}`), which are checked against the form and
//! recorded with `hotline.ticket.service_done`; the workflow then moves on and can route on
//! them. A network error, a timeout, 408, 429 or 5xx is retried on the webhooks' schedule;
//! any other answer, values the form refuses, or the last retry's failure records
//! `hotline.ticket.service_failed`, and the ticket waits until someone retries (a new round).
//!
//! Calls reach only the addresses the webhooks' address policy allows and follow no
//! redirect. Attempts are counted in `ticket_service_attempts`, one row per call (ticket,
//! token, round), claimed with an optimistic update: two nodes never make the same attempt,
//! and a restart resumes the schedule where it was. A node remembers when each call it saw
//! waiting out a back-off may next be tried, so that until then the call costs nothing (no
//! stream load, no query) on each tick.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use hotline_domain::ticket::{
    self, NodeKind, Status, Ticket, TicketState, TicketType, TokenId, ticket_number, ticket_type,
};
use serde_json::{Map, Value, json};
use sqlx::{AnyPool, Row};
use tokio::sync::Semaphore;
use uuid::Uuid;

use super::TicketService;
use crate::error::ApiError;
use crate::webhooks::DeliveryConfig;
use crate::webhooks::delivery::{http_client, request_error_text, secret_key, sign};

const CREATE_ATTEMPTS: &str = "CREATE TABLE IF NOT EXISTS ticket_service_attempts (\
     call_id TEXT NOT NULL PRIMARY KEY, \
     attempts BIGINT NOT NULL, \
     next_attempt_at BIGINT NOT NULL, \
     last_error TEXT NULL)";

/// How long a claimed attempt is reserved beyond its timeout before another node may take it.
const CLAIM_MARGIN: Duration = Duration::from_secs(30);
/// Calls made at once at most; more wait for a free slot.
const CONCURRENT_CALLS: usize = 16;
/// Remembered back-offs beyond which the memory is pruned of the passed ones (calls whose
/// ticket was closed while they waited are never looked at again).
const BACKOFFS_KEPT: usize = 10_000;
/// The largest answer read; a longer one is refused.
const MAX_ANSWER_BYTES: usize = 256 * 1024;
/// How much of a refusing answer's body goes into the recorded error.
const ERROR_BODY_CHARS: usize = 300;

/// How one attempt ended.
enum Attempt {
    /// The receiver answered 2xx with these values.
    Answered(Map<String, Value>),
    /// Worth trying again later.
    Retry(String),
    /// Trying again cannot help.
    Fail(String),
}

/// What claiming a call's next attempt gave.
enum Claim {
    Attempt(u32),
    /// Not due before this time (microseconds).
    NotBefore(i64),
}

/// Makes the calls of service tasks; cheap to clone.
#[derive(Clone)]
pub struct ServiceCaller {
    tickets: TicketService,
    pool: AnyPool,
    client: reqwest::Client,
    config: DeliveryConfig,
    slots: Arc<Semaphore>,
    /// What time it is (the system clock in production).
    clock: fn() -> DateTime<Utc>,
    /// The calls (ticket, token) this node is busy with, so a slow receiver is not asked twice.
    busy: Arc<Mutex<HashSet<(Uuid, TokenId)>>>,
    /// Calls waiting out a back-off: since when the call is wanted (a person's retry is
    /// wanted anew, and is not held back by the last round's back-off) and the time, in
    /// microseconds, before which the attempts table says it is not due.
    backoffs: Arc<Mutex<HashMap<(Uuid, TokenId), Backoff>>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Backoff {
    wanted_since: DateTime<Utc>,
    not_before: i64,
}

impl Backoff {
    /// Whether the call wanted since `wanted_since` is still held back at `now`.
    fn holds(&self, wanted_since: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        self.wanted_since == wanted_since && self.not_before > micros(now)
    }
}

fn database(error: sqlx::Error) -> ApiError {
    tracing::error!(%error, "the service call attempts table");
    ApiError::internal("the service call attempts cannot be read or written")
}

fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

fn later(at: DateTime<Utc>, wait: Duration) -> i64 {
    micros(at) + i64::try_from(wait.as_micros()).unwrap_or(i64::MAX / 2)
}

/// The call's id: the same for every attempt of a round, so a receiver can drop a repeat.
pub fn call_id(ticket_id: Uuid, token: TokenId, round: u32) -> Uuid {
    Uuid::new_v5(&ticket_id, format!("service-call-{token}-{round}").as_bytes())
}

impl ServiceCaller {
    /// Makes the attempts table if needed. Calls share the webhooks' retry schedule,
    /// timeout and address policy (`config`).
    pub async fn open(
        tickets: TicketService,
        pool: AnyPool,
        config: DeliveryConfig,
        clock: fn() -> DateTime<Utc>,
    ) -> Result<Self, ApiError> {
        sqlx::query(CREATE_ATTEMPTS).execute(&pool).await.map_err(database)?;
        let client = http_client(&config)
            .map_err(|error| ApiError::internal(format!("building the service call client: {error}")))?;
        Ok(Self {
            tickets,
            pool,
            client,
            config,
            slots: Arc::new(Semaphore::new(CONCURRENT_CALLS)),
            clock,
            busy: Arc::default(),
            backoffs: Arc::default(),
        })
    }

    fn backoffs(&self) -> std::sync::MutexGuard<'_, HashMap<(Uuid, TokenId), Backoff>> {
        self.backoffs.lock().expect("service call back-offs lock poisoned")
    }

    /// Remembers that the call is not due before `not_before` (microseconds).
    fn hold_back(&self, call: (Uuid, TokenId), wanted_since: DateTime<Utc>, not_before: i64) {
        let now = micros((self.clock)());
        let mut backoffs = self.backoffs();
        if backoffs.len() >= BACKOFFS_KEPT {
            backoffs.retain(|_, backoff| backoff.not_before > now);
        }
        backoffs.insert(call, Backoff { wanted_since, not_before });
    }

    /// Makes the call the ticket's token waits on, in the background, if its next attempt is
    /// due and this node claims it; returns at once.
    /// `wanted_since` is when the read model says the call became wanted.
    pub fn call_if_due(&self, tenant_id: Uuid, ticket_id: Uuid, token: TokenId, wanted_since: DateTime<Utc>) {
        let now = (self.clock)();
        let held_back =
            self.backoffs().get(&(ticket_id, token)).is_some_and(|backoff| backoff.holds(wanted_since, now));
        if held_back || !self.busy.lock().expect("busy calls lock poisoned").insert((ticket_id, token)) {
            return;
        }
        let caller = self.clone();
        tokio::spawn(async move {
            if let Ok(_slot) = caller.slots.acquire().await
                && let Err(error) = caller.attempt(tenant_id, ticket_id, token, wanted_since, (caller.clock)()).await
            {
                tracing::warn!(error = %error.message, %ticket_id, token, "calling a ticket's service task");
            }
            caller.busy.lock().expect("busy calls lock poisoned").remove(&(ticket_id, token));
        });
    }

    async fn attempt(
        &self,
        tenant_id: Uuid,
        ticket_id: Uuid,
        token: TokenId,
        wanted_since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        self.backoffs().remove(&(ticket_id, token));
        let dispatcher = self.tickets.dispatcher();
        let (state, _) = dispatcher.load::<Ticket>(tenant_id, &ticket::stream_id(ticket_id)).await?;
        // The read model may lag: the log says whether the call is still wanted.
        let wanted = state.services.get(&token).filter(|call| !call.failed && state.status == Status::Open);
        let Some(call) = wanted else { return Ok(()) };
        let round = call.round;
        let id = call_id(ticket_id, token, round);
        let attempt = match self.claim(id, now).await? {
            Claim::Attempt(attempt) => attempt,
            Claim::NotBefore(next) => {
                self.hold_back((ticket_id, token), wanted_since, next);
                return Ok(());
            }
        };
        let outcome = self.call(tenant_id, ticket_id, token, &state, id, attempt, now).await?;
        let error = match outcome {
            Attempt::Answered(values) => {
                match self.tickets.service_done(tenant_id, ticket_id, token, round, values, now).await {
                    Ok(_) => return self.forget(id).await,
                    Err(refused) if refused.code == "ticket.invalid_values" => {
                        format!("the answer's values were refused: {}", refused.message)
                    }
                    Err(other) => return Err(other),
                }
            }
            Attempt::Retry(error) => match self.config.retry_schedule.get(attempt as usize - 1) {
                Some(wait) => {
                    let next = later(now, *wait);
                    self.retry_later(id, next, &error).await?;
                    self.hold_back((ticket_id, token), wanted_since, next);
                    return Ok(());
                }
                None => error,
            },
            Attempt::Fail(error) => error,
        };
        tracing::warn!(%ticket_id, token, round, attempt, %error, "a ticket's service call failed");
        self.tickets.fail_service(tenant_id, ticket_id, token, round, error, attempt, now).await?;
        self.forget(id).await
    }

    /// Claims the call's next attempt if it is due: its number (1 for the first), else when
    /// it is due (or when the node that claimed it may be given up on).
    async fn claim(&self, id: Uuid, now: DateTime<Utc>) -> Result<Claim, ApiError> {
        sqlx::query(
            "INSERT INTO ticket_service_attempts (call_id, attempts, next_attempt_at) VALUES ($1, 0, 0) \
             ON CONFLICT (call_id) DO NOTHING",
        )
        .bind(id.to_string())
        .execute(&self.pool)
        .await
        .map_err(database)?;
        let row = sqlx::query("SELECT attempts, next_attempt_at FROM ticket_service_attempts WHERE call_id = $1")
            .bind(id.to_string())
            .fetch_one(&self.pool)
            .await
            .map_err(database)?;
        let (attempts, next): (i64, i64) =
            (row.try_get("attempts").map_err(database)?, row.try_get("next_attempt_at").map_err(database)?);
        if next > micros(now) {
            return Ok(Claim::NotBefore(next));
        }
        let claimed = sqlx::query(
            "UPDATE ticket_service_attempts SET attempts = attempts + 1, next_attempt_at = $1 \
             WHERE call_id = $2 AND attempts = $3",
        )
        .bind(later(now, self.config.timeout + CLAIM_MARGIN))
        .bind(id.to_string())
        .bind(attempts)
        .execute(&self.pool)
        .await
        .map_err(database)?;
        Ok(match claimed.rows_affected() {
            1 => Claim::Attempt(u32::try_from(attempts + 1).unwrap_or(u32::MAX)),
            // Another node claimed it just now: whatever it decides, look again next time.
            _ => Claim::NotBefore(micros(now)),
        })
    }

    async fn retry_later(&self, id: Uuid, at: i64, error: &str) -> Result<(), ApiError> {
        sqlx::query("UPDATE ticket_service_attempts SET next_attempt_at = $1, last_error = $2 WHERE call_id = $3")
            .bind(at)
            .bind(error)
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(database)?;
        Ok(())
    }

    /// The call is over (answered or failed): its attempts need not be kept.
    async fn forget(&self, id: Uuid) -> Result<(), ApiError> {
        sqlx::query("DELETE FROM ticket_service_attempts WHERE call_id = $1")
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(database)?;
        Ok(())
    }

    /// One attempt: the signed request and what its answer means.
    #[allow(clippy::too_many_arguments)]
    async fn call(
        &self,
        tenant_id: Uuid,
        ticket_id: Uuid,
        token: TokenId,
        state: &TicketState,
        id: Uuid,
        attempt: u32,
        now: DateTime<Utc>,
    ) -> Result<Attempt, ApiError> {
        let Some(type_id) = state.type_id else { return Ok(Attempt::Fail("the ticket has no type".into())) };
        let Some(waiting) = state.instance.tokens.get(&token) else { return Ok(Attempt::Fail("no such token".into())) };
        let definition = self.tickets.definition(tenant_id, type_id, state.version).await?;
        let Some(node) = definition.workflow.node(&waiting.node) else {
            return Ok(Attempt::Fail(format!("the workflow has no node {}", waiting.node)));
        };
        let NodeKind::ServiceTask { url } = &node.kind else {
            return Ok(Attempt::Fail(format!("{} is not a service task", waiting.node)));
        };
        let Some(key) = self.signing_key(tenant_id, type_id).await? else {
            return Ok(Attempt::Fail(
                "the ticket type has no signing secret for service calls: create one in its designer \
                 (Service calls), then retry"
                    .into(),
            ));
        };
        let body = json!({
            "type": "hotline.ticket.service_call",
            "tenantId": tenant_id,
            "ticket": {
                "id": ticket_id,
                "number": ticket_number(ticket_id),
                "title": state.title,
                "typeId": type_id,
                "version": state.version,
                "values": state.values,
            },
            "task": { "id": node.id, "name": node.name, "token": token },
            "round": state.services.get(&token).map_or(0, |call| call.round),
            "attempt": attempt,
        });
        let body = serde_json::to_vec(&body).expect("JSON values serialise");
        let timestamp = now.timestamp();
        let request = self
            .client
            .post(url)
            .timeout(self.config.timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", id.to_string())
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", sign(&key, &id.to_string(), timestamp, &body))
            .body(body);
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => return Ok(Attempt::Retry(request_error_text(error))),
        };
        let status = response.status();
        let answer = match read_answer(response).await {
            Ok(answer) => answer,
            Err(error) => return Ok(Attempt::Retry(error)),
        };
        let text = String::from_utf8_lossy(&answer);
        if !status.is_success() {
            let error =
                format!("HTTP {}: {}", status.as_u16(), text.trim().chars().take(ERROR_BODY_CHARS).collect::<String>());
            let retry = status.is_server_error()
                || status == reqwest::StatusCode::REQUEST_TIMEOUT
                || status == reqwest::StatusCode::TOO_MANY_REQUESTS;
            return Ok(if retry { Attempt::Retry(error) } else { Attempt::Fail(error) });
        }
        Ok(match answer_values(&answer) {
            Ok(values) => Attempt::Answered(values),
            Err(error) => Attempt::Fail(error),
        })
    }

    async fn signing_key(&self, tenant_id: Uuid, type_id: Uuid) -> Result<Option<Vec<u8>>, ApiError> {
        let dispatcher = self.tickets.dispatcher();
        let (type_state, _) = dispatcher.load::<TicketType>(tenant_id, &ticket_type::stream_id(type_id)).await?;
        let Some(secret_id) = type_state.service_secret_id else { return Ok(None) };
        Ok(self.tickets.secrets.get(tenant_id, secret_id).await?.as_deref().and_then(secret_key))
    }
}

/// The answer's body, refused past [`MAX_ANSWER_BYTES`].
async fn read_answer(mut response: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(request_error_text)? {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(format!("the answer is larger than {} KB", MAX_ANSWER_BYTES / 1024));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The values a 2xx answer sets: none for an empty body, else `values` of a JSON object.
fn answer_values(answer: &[u8]) -> Result<Map<String, Value>, String> {
    if answer.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    let parsed: Value = serde_json::from_slice(answer).map_err(|error| format!("the answer is not JSON: {error}"))?;
    match parsed {
        Value::Object(mut object) => match object.remove("values") {
            None | Some(Value::Null) => Ok(Map::new()),
            Some(Value::Object(values)) => Ok(values),
            Some(_) => Err("the answer's `values` is not an object".into()),
        },
        _ => Err("the answer is not a JSON object".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_back_off_holds_its_round_until_it_passes_but_never_a_persons_retry() {
        let wanted_since = DateTime::from_timestamp(1_000, 0).unwrap();
        let now = DateTime::from_timestamp(2_000, 0).unwrap();
        let backoff = Backoff { wanted_since, not_before: later(now, Duration::from_secs(60)) };
        assert!(backoff.holds(wanted_since, now));
        assert!(!backoff.holds(wanted_since, now + chrono::Duration::seconds(60)), "due again");
        assert!(!backoff.holds(now, now), "a retry is wanted since it was asked for");
    }

    #[test]
    fn an_answer_sets_values_only_through_a_values_object() {
        assert_eq!(answer_values(b"").unwrap(), Map::new());
        assert_eq!(answer_values(b" \n").unwrap(), Map::new());
        assert_eq!(answer_values(br#"{"ok": true}"#).unwrap(), Map::new());
        assert_eq!(answer_values(br#"{"values": null}"#).unwrap(), Map::new());
        let values = answer_values(br#"{"values": {"amount": 5}}"#).unwrap();
        assert_eq!(Value::Object(values), json!({"amount": 5}));
        assert!(answer_values(b"OK").unwrap_err().contains("not JSON"));
        assert!(answer_values(b"[1]").unwrap_err().contains("not a JSON object"));
        assert!(answer_values(br#"{"values": [1]}"#).unwrap_err().contains("not an object"));
    }

    #[test]
    fn every_round_of_a_call_has_its_own_id() {
        let ticket = Uuid::from_u128(7);
        assert_eq!(call_id(ticket, 1, 0), call_id(ticket, 1, 0));
        assert_ne!(call_id(ticket, 1, 0), call_id(ticket, 1, 1));
        assert_ne!(call_id(ticket, 1, 0), call_id(ticket, 2, 0));
    }
}
