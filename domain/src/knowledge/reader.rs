//! What one reader keeps of the knowledge base: favourite articles, and which pushed
//! articles they have read. One stream per user (`knowledge_reader-<user>`), so readers never
//! contend. Whether the article exists is the service's check.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::{Decider, DomainError, DomainEvent, StreamId, UpcastError, read_payload};

pub const CONTEXT: &str = "knowledge_reader";

pub const FAVOURITED: &str = "hotline.knowledge_reader.favourited";
pub const UNFAVOURITED: &str = "hotline.knowledge_reader.unfavourited";
pub const PUSH_READ: &str = "hotline.knowledge_reader.push_read";

const EVENT_TYPES: [&str; 3] = [FAVOURITED, UNFAVOURITED, PUSH_READ];

/// Favourites per reader.
pub const MAX_FAVOURITES: usize = 500;

pub fn stream_id(user_id: Uuid) -> StreamId {
    StreamId::new(CONTEXT, user_id)
}

/// The event payload of every reader event: which article, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReaderArticle {
    pub user_id: Uuid,
    pub article_id: Uuid,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReaderEvent {
    Favourited(ReaderArticle),
    Unfavourited(ReaderArticle),
    /// The reader opened an article that was pushed to them.
    PushRead(ReaderArticle),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderCommand {
    pub user_id: Uuid,
    pub article_id: Uuid,
    pub at: DateTime<Utc>,
    pub action: ReaderAction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReaderAction {
    SetFavourite(bool),
    MarkPushRead,
}

impl DomainEvent for ReaderEvent {
    fn event_type(&self) -> &'static str {
        match self {
            ReaderEvent::Favourited(_) => FAVOURITED,
            ReaderEvent::Unfavourited(_) => UNFAVOURITED,
            ReaderEvent::PushRead(_) => PUSH_READ,
        }
    }

    fn schema_version(&self) -> u32 {
        1
    }

    fn to_payload(&self) -> Value {
        let (ReaderEvent::Favourited(event) | ReaderEvent::Unfavourited(event) | ReaderEvent::PushRead(event)) = self;
        serde_json::to_value(event).expect("plain struct serialises")
    }

    fn from_stored(event_type: &str, schema_version: u32, payload: &Value) -> Result<Self, UpcastError> {
        UpcastError::check_first_version(&EVENT_TYPES, event_type, schema_version)?;
        match event_type {
            FAVOURITED => read_payload(event_type, 1, payload, ReaderEvent::Favourited),
            UNFAVOURITED => read_payload(event_type, 1, payload, ReaderEvent::Unfavourited),
            _ => read_payload(event_type, 1, payload, ReaderEvent::PushRead),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReaderState {
    pub favourites: BTreeSet<Uuid>,
}

pub struct Reader;

impl Decider for Reader {
    type State = ReaderState;
    type Command = ReaderCommand;
    type Event = ReaderEvent;

    fn stream_id(command: &ReaderCommand) -> StreamId {
        stream_id(command.user_id)
    }

    fn decide(state: &ReaderState, command: &ReaderCommand) -> Result<Vec<ReaderEvent>, DomainError> {
        let payload = ReaderArticle { user_id: command.user_id, article_id: command.article_id, at: command.at };
        let event = match command.action {
            ReaderAction::SetFavourite(true) if state.favourites.contains(&command.article_id) => None,
            ReaderAction::SetFavourite(true) => {
                if state.favourites.len() >= MAX_FAVOURITES {
                    return Err(DomainError::new(
                        "knowledge.too_many_favourites",
                        format!("a reader keeps at most {MAX_FAVOURITES} favourites: remove one first"),
                    ));
                }
                Some(ReaderEvent::Favourited(payload))
            }
            ReaderAction::SetFavourite(false) => {
                state.favourites.contains(&command.article_id).then_some(ReaderEvent::Unfavourited(payload))
            }
            // Each push of an article is read anew: the service asks only when the reader's
            // inbox shows it unread.
            ReaderAction::MarkPushRead => Some(ReaderEvent::PushRead(payload)),
        };
        Ok(event.into_iter().collect())
    }

    fn evolve(mut state: ReaderState, event: &ReaderEvent) -> ReaderState {
        match event {
            ReaderEvent::Favourited(event) => {
                state.favourites.insert(event.article_id);
            }
            ReaderEvent::Unfavourited(event) => {
                state.favourites.remove(&event.article_id);
            }
            ReaderEvent::PushRead(_) => {}
        }
        state
    }
}
