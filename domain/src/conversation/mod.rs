//! Conversations: one customer contact on a text channel (web chat now; WeChat, SMS and the
//! app channels reuse it), from the first message to the rating.
//!
//! One stream per conversation, `conversation-<id>`. The ACD decides who serves it (its
//! contact id is the conversation id); this stream records what happened in it: started,
//! each message (numbered from 1 with no gap), assigned, transferred, closed with a
//! disposition, rated. Typing indicators are not events.
//!
//! A message carries the client's own id: posting the same client id again posts nothing,
//! so a visitor whose connection dropped can resend whatever was not acknowledged.

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::acd::Channel;
use crate::{Decider, DomainError, DomainEvent, StreamId, UpcastError, read_payload};

pub const CONTEXT: &str = "conversation";

pub const STARTED: &str = "hotline.conversation.started";
pub const MESSAGE_POSTED: &str = "hotline.conversation.message_posted";
pub const ASSIGNED: &str = "hotline.conversation.assigned";
pub const TRANSFERRED: &str = "hotline.conversation.transferred";
pub const CLOSED: &str = "hotline.conversation.closed";
pub const RATED: &str = "hotline.conversation.rated";

pub const MAX_TEXT_CHARS: usize = 4000;
pub const MAX_CLIENT_ID_CHARS: usize = 64;
pub const MAX_DISPOSITION_CHARS: usize = 64;
pub const MAX_RATING_COMMENT_CHARS: usize = 1000;
pub const MAX_VISITOR_FIELD_CHARS: usize = 200;

pub fn stream_id(conversation_id: Uuid) -> StreamId {
    StreamId::new(CONTEXT, conversation_id)
}

/// Who the customer says they are. `visitor_id` is the opaque id the channel gives them
/// (the widget's visitor token); the rest is what they typed, if anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Visitor {
    pub visitor_id: Uuid,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub language: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Author {
    Visitor,
    Agent { agent_id: Uuid },
    System,
}

/// A file already stored (uploads are stored first, then posted by id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub attachment_id: Uuid,
    pub name: String,
    pub content_type: String,
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClosedBy {
    Visitor,
    Agent { agent_id: Uuid },
    System,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationCommand {
    pub tenant_id: Uuid,
    pub conversation_id: Uuid,
    pub at: DateTime<Utc>,
    pub action: ConversationAction,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConversationAction {
    Start {
        channel: Channel,
        queue_id: Uuid,
        visitor: Visitor,
        /// 0 (normal) to 9, passed on to the ACD.
        priority: u8,
    },
    PostMessage {
        client_id: String,
        author: Author,
        text: Option<String>,
        attachment: Option<Attachment>,
    },
    /// The ACD's accepted offer, recorded here.
    Assign {
        agent_id: Uuid,
    },
    Transfer {
        agent_id: Uuid,
        to_queue_id: Option<Uuid>,
        to_agent_id: Option<Uuid>,
    },
    Close {
        by: ClosedBy,
        /// Required when an agent closes.
        disposition: Option<String>,
    },
    Rate {
        score: u8,
        comment: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConversationEvent {
    Started(Started),
    MessagePosted(MessagePosted),
    Assigned(Assigned),
    Transferred(Transferred),
    Closed(Closed),
    Rated(Rated),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Started {
    pub conversation_id: Uuid,
    pub channel: Channel,
    pub queue_id: Uuid,
    pub visitor: Visitor,
    pub priority: u8,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagePosted {
    pub conversation_id: Uuid,
    /// 1, 2, 3, ... in this conversation.
    pub seq: u32,
    pub client_id: String,
    pub author: Author,
    pub text: Option<String>,
    pub attachment: Option<Attachment>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assigned {
    pub conversation_id: Uuid,
    pub agent_id: Uuid,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transferred {
    pub conversation_id: Uuid,
    pub from_agent_id: Uuid,
    pub to_queue_id: Option<Uuid>,
    pub to_agent_id: Option<Uuid>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closed {
    pub conversation_id: Uuid,
    pub by: ClosedBy,
    pub disposition: Option<String>,
    /// Whether an agent had it when it closed (the ACD then finishes the contact, otherwise
    /// the visitor gave up waiting).
    pub agent_id: Option<Uuid>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rated {
    pub conversation_id: Uuid,
    pub score: u8,
    pub comment: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Status {
    #[default]
    NotStarted,
    Queued,
    Assigned,
    Closed,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConversationState {
    pub status: Status,
    pub channel: Option<Channel>,
    pub queue_id: Option<Uuid>,
    pub agent_id: Option<Uuid>,
    pub visitor: Visitor,
    pub messages: u32,
    /// Client id to seq, so a resent message is recognised.
    pub client_ids: BTreeMap<String, u32>,
    pub rated: bool,
}

impl ConversationState {
    /// The seq a client id was posted under, if it was.
    pub fn seq_of(&self, client_id: &str) -> Option<u32> {
        self.client_ids.get(client_id).copied()
    }
}

const EVENT_TYPES: [&str; 6] = [STARTED, MESSAGE_POSTED, ASSIGNED, TRANSFERRED, CLOSED, RATED];

impl DomainEvent for ConversationEvent {
    fn event_type(&self) -> &'static str {
        match self {
            ConversationEvent::Started(_) => STARTED,
            ConversationEvent::MessagePosted(_) => MESSAGE_POSTED,
            ConversationEvent::Assigned(_) => ASSIGNED,
            ConversationEvent::Transferred(_) => TRANSFERRED,
            ConversationEvent::Closed(_) => CLOSED,
            ConversationEvent::Rated(_) => RATED,
        }
    }

    fn schema_version(&self) -> u32 {
        1
    }

    fn to_payload(&self) -> Value {
        let payload = match self {
            ConversationEvent::Started(event) => serde_json::to_value(event),
            ConversationEvent::MessagePosted(event) => serde_json::to_value(event),
            ConversationEvent::Assigned(event) => serde_json::to_value(event),
            ConversationEvent::Transferred(event) => serde_json::to_value(event),
            ConversationEvent::Closed(event) => serde_json::to_value(event),
            ConversationEvent::Rated(event) => serde_json::to_value(event),
        };
        payload.expect("plain struct serialises")
    }

    fn from_stored(event_type: &str, schema_version: u32, payload: &Value) -> Result<Self, UpcastError> {
        UpcastError::check_first_version(&EVENT_TYPES, event_type, schema_version)?;
        match event_type {
            STARTED => read_payload(event_type, 1, payload, ConversationEvent::Started),
            MESSAGE_POSTED => read_payload(event_type, 1, payload, ConversationEvent::MessagePosted),
            ASSIGNED => read_payload(event_type, 1, payload, ConversationEvent::Assigned),
            TRANSFERRED => read_payload(event_type, 1, payload, ConversationEvent::Transferred),
            CLOSED => read_payload(event_type, 1, payload, ConversationEvent::Closed),
            _ => read_payload(event_type, 1, payload, ConversationEvent::Rated),
        }
    }
}

fn refuse(code: &'static str, message: impl Into<String>) -> DomainError {
    DomainError::new(code, message)
}

fn optional_text(value: &Option<String>, max_chars: usize, what: &str) -> Result<(), DomainError> {
    match value {
        Some(text) if text.chars().count() > max_chars => {
            Err(refuse("conversation.invalid_message", format!("{what} is longer than {max_chars} characters")))
        }
        _ => Ok(()),
    }
}

fn validate_visitor(visitor: &Visitor) -> Result<(), DomainError> {
    for (field, what) in [(&visitor.name, "a name"), (&visitor.email, "an email"), (&visitor.phone, "a phone")] {
        optional_text(field, MAX_VISITOR_FIELD_CHARS, what)?;
    }
    optional_text(&visitor.language, 16, "a language")
}

fn validate_message(
    client_id: &str,
    text: &Option<String>,
    attachment: &Option<Attachment>,
) -> Result<(), DomainError> {
    if client_id.is_empty() || client_id.chars().count() > MAX_CLIENT_ID_CHARS {
        return Err(refuse("conversation.invalid_message", "a client id is 1 to 64 characters"));
    }
    match (text, attachment) {
        (None, None) => Err(refuse("conversation.invalid_message", "a message has text, a file, or both")),
        (Some(text), _) if text.trim().is_empty() => {
            Err(refuse("conversation.invalid_message", "a message's text is not blank"))
        }
        _ => optional_text(text, MAX_TEXT_CHARS, "a message"),
    }
}

pub struct Conversation;

impl Decider for Conversation {
    type State = ConversationState;
    type Command = ConversationCommand;
    type Event = ConversationEvent;

    fn stream_id(command: &ConversationCommand) -> StreamId {
        stream_id(command.conversation_id)
    }

    fn decide(state: &ConversationState, command: &ConversationCommand) -> Result<Vec<ConversationEvent>, DomainError> {
        let (conversation_id, at) = (command.conversation_id, command.at);
        let not_found = || refuse("conversation.not_found", format!("no conversation {conversation_id}"));
        let open = || match state.status {
            Status::NotStarted => Err(not_found()),
            Status::Closed => Err(refuse("conversation.closed", "the conversation is closed")),
            Status::Queued | Status::Assigned => Ok(()),
        };
        let event = match &command.action {
            ConversationAction::Start { channel, queue_id, visitor, priority } => {
                if state.status != Status::NotStarted {
                    return Ok(vec![]);
                }
                validate_visitor(visitor)?;
                if *priority > crate::acd::MAX_PRIORITY {
                    return Err(refuse("conversation.invalid_priority", "a priority is 0 to 9"));
                }
                ConversationEvent::Started(Started {
                    conversation_id,
                    channel: *channel,
                    queue_id: *queue_id,
                    visitor: visitor.clone(),
                    priority: *priority,
                    at,
                })
            }
            ConversationAction::PostMessage { client_id, author, text, attachment } => {
                if state.status == Status::NotStarted {
                    return Err(not_found());
                }
                if state.client_ids.contains_key(client_id) {
                    return Ok(vec![]);
                }
                open()?;
                validate_message(client_id, text, attachment)?;
                if let Author::Agent { agent_id } = author
                    && state.agent_id != Some(*agent_id)
                {
                    return Err(refuse("conversation.not_your_conversation", "the conversation is another agent's"));
                }
                ConversationEvent::MessagePosted(MessagePosted {
                    conversation_id,
                    seq: state.messages + 1,
                    client_id: client_id.clone(),
                    author: author.clone(),
                    text: text.clone(),
                    attachment: attachment.clone(),
                    at,
                })
            }
            ConversationAction::Assign { agent_id } => {
                open()?;
                if state.agent_id == Some(*agent_id) && state.status == Status::Assigned {
                    return Ok(vec![]);
                }
                ConversationEvent::Assigned(Assigned { conversation_id, agent_id: *agent_id, at })
            }
            ConversationAction::Transfer { agent_id, to_queue_id, to_agent_id } => {
                open()?;
                if state.status != Status::Assigned {
                    return Err(refuse("conversation.not_assigned", "only an assigned conversation is transferred"));
                }
                if state.agent_id != Some(*agent_id) {
                    return Err(refuse("conversation.not_your_conversation", "the conversation is another agent's"));
                }
                if to_queue_id.is_some() == to_agent_id.is_some() || *to_agent_id == Some(*agent_id) {
                    return Err(refuse(
                        "conversation.invalid_transfer",
                        "a transfer goes to one queue or to one other agent",
                    ));
                }
                ConversationEvent::Transferred(Transferred {
                    conversation_id,
                    from_agent_id: *agent_id,
                    to_queue_id: *to_queue_id,
                    to_agent_id: *to_agent_id,
                    at,
                })
            }
            ConversationAction::Close { by, disposition } => {
                if state.status == Status::Closed {
                    return Ok(vec![]);
                }
                open()?;
                if let ClosedBy::Agent { agent_id } = by {
                    if state.agent_id != Some(*agent_id) || state.status != Status::Assigned {
                        return Err(refuse(
                            "conversation.not_your_conversation",
                            "the conversation is another agent's",
                        ));
                    }
                    let valid = disposition.as_ref().is_some_and(|code| {
                        !code.trim().is_empty() && code.trim() == code && code.chars().count() <= MAX_DISPOSITION_CHARS
                    });
                    if !valid {
                        return Err(refuse(
                            "conversation.invalid_disposition",
                            "an agent closes with a disposition code of 1 to 64 characters",
                        ));
                    }
                }
                let agent_id = (state.status == Status::Assigned).then_some(state.agent_id).flatten();
                ConversationEvent::Closed(Closed {
                    conversation_id,
                    by: by.clone(),
                    disposition: disposition.clone(),
                    agent_id,
                    at,
                })
            }
            ConversationAction::Rate { score, comment } => {
                match state.status {
                    Status::NotStarted => return Err(not_found()),
                    Status::Closed => {}
                    Status::Queued | Status::Assigned => {
                        return Err(refuse("conversation.not_closed", "a conversation is rated after it closes"));
                    }
                }
                if state.rated {
                    return Err(refuse("conversation.already_rated", "the conversation is rated already"));
                }
                if !(1..=5).contains(score) {
                    return Err(refuse("conversation.invalid_rating", "a rating is 1 to 5"));
                }
                optional_text(comment, MAX_RATING_COMMENT_CHARS, "a comment")?;
                ConversationEvent::Rated(Rated { conversation_id, score: *score, comment: comment.clone(), at })
            }
        };
        Ok(vec![event])
    }

    fn evolve(mut state: ConversationState, event: &ConversationEvent) -> ConversationState {
        match event {
            ConversationEvent::Started(started) => {
                state.status = Status::Queued;
                state.channel = Some(started.channel);
                state.queue_id = Some(started.queue_id);
                state.visitor = started.visitor.clone();
            }
            ConversationEvent::MessagePosted(posted) => {
                state.messages = posted.seq;
                state.client_ids.insert(posted.client_id.clone(), posted.seq);
            }
            ConversationEvent::Assigned(assigned) => {
                state.status = Status::Assigned;
                state.agent_id = Some(assigned.agent_id);
            }
            ConversationEvent::Transferred(transferred) => {
                state.status = Status::Queued;
                state.agent_id = None;
                if let Some(queue_id) = transferred.to_queue_id {
                    state.queue_id = Some(queue_id);
                }
            }
            ConversationEvent::Closed(_) => state.status = Status::Closed,
            ConversationEvent::Rated(_) => state.rated = true,
        }
        state
    }
}
