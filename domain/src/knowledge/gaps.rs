//! Knowledge to add: searches that found nothing, per tenant, until a writer answers one
//! with an article or dismisses it.
//!
//! A reader who repeats the same fruitless search within [`REPEAT_WINDOW_MINUTES`] is
//! counted once, so the list ranks what many people miss, not who searched most. The state
//! holds only open gaps.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::{Decider, DomainError, DomainEvent, StreamId, UpcastError, read_payload};

pub const CONTEXT: &str = "knowledge_gaps";

pub const SEARCH_MISSED: &str = "hotline.knowledge_gaps.search_missed";
pub const RESOLVED: &str = "hotline.knowledge_gaps.resolved";

const EVENT_TYPES: [&str; 2] = [SEARCH_MISSED, RESOLVED];

/// A repeated miss by the same reader within this many minutes is not recorded again.
pub const REPEAT_WINDOW_MINUTES: i64 = 30;
/// Queries are kept to this many characters.
pub const MAX_QUERY_CHARS: usize = 200;

pub fn stream_id(tenant_id: Uuid) -> StreamId {
    StreamId::new(CONTEXT, tenant_id)
}

/// Trimmed, lower case, single spaces, at most [`MAX_QUERY_CHARS`] characters: two readers
/// who typed the same words miss the same gap.
pub fn normalise_query(query: &str) -> String {
    let words: Vec<&str> = query.split_whitespace().collect();
    words.join(" ").to_lowercase().chars().take(MAX_QUERY_CHARS).collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchMissed {
    /// Normalised ([`normalise_query`]).
    pub query: String,
    pub user_id: Uuid,
    pub at: DateTime<Utc>,
}

/// The gap was answered by an article, or dismissed (no article).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GapResolved {
    pub query: String,
    pub article_id: Option<Uuid>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum GapsEvent {
    SearchMissed(SearchMissed),
    Resolved(GapResolved),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GapsCommand {
    RecordMiss { tenant_id: Uuid, query: String, user_id: Uuid, at: DateTime<Utc> },
    Resolve { tenant_id: Uuid, query: String, article_id: Option<Uuid>, at: DateTime<Utc> },
}

impl DomainEvent for GapsEvent {
    fn event_type(&self) -> &'static str {
        match self {
            GapsEvent::SearchMissed(_) => SEARCH_MISSED,
            GapsEvent::Resolved(_) => RESOLVED,
        }
    }

    fn schema_version(&self) -> u32 {
        1
    }

    fn to_payload(&self) -> Value {
        let payload = match self {
            GapsEvent::SearchMissed(event) => serde_json::to_value(event),
            GapsEvent::Resolved(event) => serde_json::to_value(event),
        };
        payload.expect("plain struct serialises")
    }

    fn from_stored(event_type: &str, schema_version: u32, payload: &Value) -> Result<Self, UpcastError> {
        UpcastError::check_first_version(&EVENT_TYPES, event_type, schema_version)?;
        match event_type {
            SEARCH_MISSED => read_payload(event_type, 1, payload, GapsEvent::SearchMissed),
            _ => read_payload(event_type, 1, payload, GapsEvent::Resolved),
        }
    }
}

/// Open gaps by normalised query: when each reader last missed it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GapsState {
    pub open: BTreeMap<String, BTreeMap<Uuid, DateTime<Utc>>>,
}

pub struct Gaps;

impl Decider for Gaps {
    type State = GapsState;
    type Command = GapsCommand;
    type Event = GapsEvent;

    fn stream_id(command: &GapsCommand) -> StreamId {
        match command {
            GapsCommand::RecordMiss { tenant_id, .. } | GapsCommand::Resolve { tenant_id, .. } => stream_id(*tenant_id),
        }
    }

    fn decide(state: &GapsState, command: &GapsCommand) -> Result<Vec<GapsEvent>, DomainError> {
        match command {
            GapsCommand::RecordMiss { query, user_id, at, .. } => {
                let query = normalise_query(query);
                if query.is_empty() {
                    return Ok(vec![]);
                }
                let recently = state
                    .open
                    .get(&query)
                    .and_then(|readers| readers.get(user_id))
                    .is_some_and(|last| *at - *last < Duration::minutes(REPEAT_WINDOW_MINUTES));
                if recently {
                    return Ok(vec![]);
                }
                Ok(vec![GapsEvent::SearchMissed(SearchMissed { query, user_id: *user_id, at: *at })])
            }
            GapsCommand::Resolve { query, article_id, at, .. } => {
                let query = normalise_query(query);
                if !state.open.contains_key(&query) {
                    return Err(DomainError::new(
                        "knowledge.gap_not_found",
                        format!("{query:?} is not on the knowledge-to-add list"),
                    ));
                }
                Ok(vec![GapsEvent::Resolved(GapResolved { query, article_id: *article_id, at: *at })])
            }
        }
    }

    fn evolve(mut state: GapsState, event: &GapsEvent) -> GapsState {
        match event {
            GapsEvent::SearchMissed(missed) => {
                state.open.entry(missed.query.clone()).or_default().insert(missed.user_id, missed.at);
            }
            GapsEvent::Resolved(resolved) => {
                state.open.remove(&resolved.query);
            }
        }
        state
    }
}
