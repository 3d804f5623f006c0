//! The `conversations` and `conversation_messages` read models: every text-channel contact
//! (web chat now, the messaging channels later) and its messages, for the agent desk, the
//! supervisor and the screen pop's contact history.
//!
//! Rows are folded from the `hotline.conversation.*` events. The ACD's
//! `hotline.acd.contact_transferred` and `hotline.acd.contact_overflowed` move a
//! conversation's `queue_id` too: for a chat the ACD's contact id is the conversation id, so
//! an ACD event whose contact is not a conversation (a call, say) updates no row.
//!
//! Idempotency: a conversation row remembers the global position of the last event folded
//! into it, and every update is guarded by it; a message row is written once (`ON CONFLICT
//! DO NOTHING` on its seq). Applying a range of events twice leaves the same rows.
//!
//! Contact history matches a customer by visitor id, or by email (ignoring case and
//! surrounding spaces) or phone (digits and `+` only, so `+86 138-0013` and `+861380013`
//! match), whatever the channel. Every query takes the caller's tenant id and filters on it.

use std::fmt::Write as _;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::acd::{self, AcdEvent, CONTACT_OVERFLOWED, CONTACT_TRANSFERRED, Channel};
use hotline_domain::conversation::{
    self, ASSIGNED, Attachment, Author, CLOSED, ClosedBy, ConversationEvent, MESSAGE_POSTED, RATED, STARTED,
    TRANSFERRED,
};
use hotline_domain::{DomainEvent, EventEnvelope};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Row};
use uuid::Uuid;

use crate::identity::MAX_PAGE_SIZE;
use crate::rows::{enum_column, execute_all, optional_uuid_column, sql, time_column, to_i64, to_u64, uuid_column};
use crate::runner::{Projection, ProjectionError, ProjectionResult};

pub const CONVERSATIONS_TABLE: &str = "conversations";
pub const CONVERSATION_MESSAGES_TABLE: &str = "conversation_messages";

/// A conversation's `last_message_text` keeps this many characters of the message.
pub const LAST_MESSAGE_PREVIEW_CHARS: usize = 200;

/// Where a conversation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    /// Waiting in a queue for an agent (also after a transfer).
    Queued,
    /// An agent has it.
    Assigned,
    Closed,
}

impl ConversationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationStatus::Queued => "queued",
            ConversationStatus::Assigned => "assigned",
            ConversationStatus::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "queued" => Some(ConversationStatus::Queued),
            "assigned" => Some(ConversationStatus::Assigned),
            "closed" => Some(ConversationStatus::Closed),
            _ => None,
        }
    }
}

/// Who wrote a message, or who closed a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    Visitor,
    Agent,
    System,
}

impl Party {
    pub fn as_str(self) -> &'static str {
        match self {
            Party::Visitor => "visitor",
            Party::Agent => "agent",
            Party::System => "system",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "visitor" => Some(Party::Visitor),
            "agent" => Some(Party::Agent),
            "system" => Some(Party::System),
            _ => None,
        }
    }
}

/// A conversation as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationView {
    pub tenant_id: Uuid,
    pub conversation_id: Uuid,
    pub channel: Channel,
    pub status: ConversationStatus,
    /// The queue it waits or waited in (moved by transfers and overflows).
    pub queue_id: Uuid,
    /// The agent who has it; once closed, the agent who had it then (if any).
    pub agent_id: Option<Uuid>,
    pub visitor_id: Uuid,
    pub visitor_name: Option<String>,
    pub visitor_email: Option<String>,
    pub visitor_phone: Option<String>,
    pub visitor_language: Option<String>,
    pub started_at: DateTime<Utc>,
    /// When it was last assigned.
    pub assigned_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<Party>,
    pub disposition: Option<String>,
    /// 1 to 5, once the visitor rated it.
    pub rating_score: Option<u8>,
    pub rating_comment: Option<String>,
    pub message_count: u32,
    /// The last message's first [`LAST_MESSAGE_PREVIEW_CHARS`] characters; for a message with a
    /// file and no text, the file's name.
    pub last_message_text: Option<String>,
    pub last_message_at: Option<DateTime<Utc>>,
    /// Global position of the last event folded into this row.
    pub position: u64,
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub tenant_id: Uuid,
    pub conversation_id: Uuid,
    /// 1, 2, 3, ... in the conversation.
    pub seq: u32,
    /// The id the sender's client gave the message.
    pub client_id: String,
    pub author_kind: Party,
    /// The agent who wrote it, when `author_kind` is `agent`.
    pub agent_id: Option<Uuid>,
    pub text: Option<String>,
    pub attachment: Option<Attachment>,
    pub at: DateTime<Utc>,
}

/// Which conversations [`list_conversations`] returns; `None` fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConversationFilter {
    pub status: Option<ConversationStatus>,
    pub queue_id: Option<Uuid>,
    pub agent_id: Option<Uuid>,
}

/// Projects conversation streams (and the ACD's queue moves) into `conversations` and
/// `conversation_messages`.
pub struct ConversationsProjection;

const CREATE_CONVERSATIONS: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     conversation_id TEXT NOT NULL, \
     channel TEXT NOT NULL, \
     status TEXT NOT NULL, \
     queue_id TEXT NOT NULL, \
     agent_id TEXT, \
     visitor_id TEXT NOT NULL, \
     visitor_name TEXT, \
     visitor_email TEXT, \
     visitor_phone TEXT, \
     visitor_language TEXT, \
     email_key TEXT, \
     phone_key TEXT, \
     started_at BIGINT NOT NULL, \
     assigned_at BIGINT, \
     closed_at BIGINT, \
     closed_by TEXT, \
     disposition TEXT, \
     rating_score BIGINT, \
     rating_comment TEXT, \
     message_count BIGINT NOT NULL, \
     last_message_text TEXT, \
     last_message_at BIGINT, \
     position BIGINT NOT NULL, \
     PRIMARY KEY (tenant_id, conversation_id))";

const CREATE_CONVERSATIONS_INDEXES: [&str; 5] = [
    "CREATE INDEX IF NOT EXISTS {table}_by_started ON {table} (tenant_id, started_at)",
    "CREATE INDEX IF NOT EXISTS {table}_by_agent ON {table} (tenant_id, agent_id, status)",
    "CREATE INDEX IF NOT EXISTS {table}_by_visitor ON {table} (tenant_id, visitor_id)",
    "CREATE INDEX IF NOT EXISTS {table}_by_email ON {table} (tenant_id, email_key)",
    "CREATE INDEX IF NOT EXISTS {table}_by_phone ON {table} (tenant_id, phone_key)",
];

const CREATE_MESSAGES: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     conversation_id TEXT NOT NULL, \
     seq BIGINT NOT NULL, \
     client_id TEXT NOT NULL, \
     author_kind TEXT NOT NULL, \
     agent_id TEXT, \
     text TEXT, \
     attachment_id TEXT, \
     attachment_name TEXT, \
     attachment_content_type TEXT, \
     attachment_size BIGINT, \
     at BIGINT NOT NULL, \
     PRIMARY KEY (tenant_id, conversation_id, seq))";

const INSERT_CONVERSATION: &str = "INSERT INTO {table} (tenant_id, conversation_id, channel, status, queue_id, \
     agent_id, visitor_id, visitor_name, visitor_email, visitor_phone, visitor_language, email_key, phone_key, \
     started_at, assigned_at, closed_at, closed_by, disposition, rating_score, rating_comment, message_count, \
     last_message_text, last_message_at, position) \
     VALUES ($1, $2, $3, 'queued', $4, NULL, $5, $6, $7, $8, $9, $10, $11, $12, NULL, NULL, NULL, NULL, NULL, NULL, \
     0, NULL, NULL, $13) \
     ON CONFLICT (tenant_id, conversation_id) DO NOTHING";

const INSERT_MESSAGE: &str = "INSERT INTO {table} (tenant_id, conversation_id, seq, client_id, author_kind, \
     agent_id, text, attachment_id, attachment_name, attachment_content_type, attachment_size, at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
     ON CONFLICT (tenant_id, conversation_id, seq) DO NOTHING";

// Every update is guarded by the row's position; `$1` is always the event's position.
const GUARD: &str = "WHERE tenant_id = $2 AND conversation_id = $3 AND position < $1";

const NOTE_MESSAGE: &str = "UPDATE {table} SET position = $1, message_count = $4, last_message_text = $5, \
     last_message_at = $6";

const ASSIGN: &str = "UPDATE {table} SET position = $1, status = 'assigned', agent_id = $4, assigned_at = $5";

const TRANSFER_TO_AGENT: &str = "UPDATE {table} SET position = $1, status = 'queued', agent_id = NULL";

const TRANSFER_TO_QUEUE: &str = "UPDATE {table} SET position = $1, status = 'queued', agent_id = NULL, queue_id = $4";

const CLOSE: &str = "UPDATE {table} SET position = $1, status = 'closed', agent_id = $4, closed_at = $5, \
     closed_by = $6, disposition = $7";

const RATE: &str = "UPDATE {table} SET position = $1, rating_score = $4, rating_comment = $5";

const MOVE_QUEUE: &str = "UPDATE {table} SET position = $1, queue_id = $4";

const CONVERSATION_COLUMNS: &str = "tenant_id, conversation_id, channel, status, queue_id, agent_id, visitor_id, \
     visitor_name, visitor_email, visitor_phone, visitor_language, started_at, assigned_at, closed_at, closed_by, \
     disposition, rating_score, rating_comment, message_count, last_message_text, last_message_at, position";

const MESSAGE_COLUMNS: &str = "tenant_id, conversation_id, seq, client_id, author_kind, agent_id, text, \
     attachment_id, attachment_name, attachment_content_type, attachment_size, at";

/// A guarded update of one conversation row.
fn guarded(template: &str, suffix: &str) -> String {
    sql(&format!("{template} {GUARD}"), CONVERSATIONS_TABLE, suffix)
}

/// The statements of one `apply`, named with its suffix.
struct Statements {
    insert_conversation: String,
    insert_message: String,
    note_message: String,
    assign: String,
    transfer_to_agent: String,
    transfer_to_queue: String,
    close: String,
    rate: String,
    move_queue: String,
}

impl Statements {
    fn new(suffix: &str) -> Self {
        Self {
            insert_conversation: sql(INSERT_CONVERSATION, CONVERSATIONS_TABLE, suffix),
            insert_message: sql(INSERT_MESSAGE, CONVERSATION_MESSAGES_TABLE, suffix),
            note_message: guarded(NOTE_MESSAGE, suffix),
            assign: guarded(ASSIGN, suffix),
            transfer_to_agent: guarded(TRANSFER_TO_AGENT, suffix),
            transfer_to_queue: guarded(TRANSFER_TO_QUEUE, suffix),
            close: guarded(CLOSE, suffix),
            rate: guarded(RATE, suffix),
            move_queue: guarded(MOVE_QUEUE, suffix),
        }
    }
}

/// The channel's name as its serde form (`chat`, `voice`, ...).
fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Voice => "voice",
        Channel::Chat => "chat",
        Channel::Email => "email",
        Channel::Messaging => "messaging",
    }
}

fn parse_channel(text: &str) -> Option<Channel> {
    match text {
        "voice" => Some(Channel::Voice),
        "chat" => Some(Channel::Chat),
        "email" => Some(Channel::Email),
        "messaging" => Some(Channel::Messaging),
        _ => None,
    }
}

/// An email as contact history matches it: trimmed and lower-cased; `None` when blank.
fn email_key(email: Option<&str>) -> Option<String> {
    email.map(|email| email.trim().to_lowercase()).filter(|key| !key.is_empty())
}

/// A phone number as contact history matches it: only its digits and `+`; `None` when
/// nothing is left.
fn phone_key(phone: Option<&str>) -> Option<String> {
    phone
        .map(|phone| phone.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect::<String>())
        .filter(|key| key.chars().any(|c| c.is_ascii_digit()))
}

/// What `last_message_text` shows of a message.
fn preview(text: Option<&str>, attachment: Option<&Attachment>) -> Option<String> {
    text.or(attachment.map(|attachment| attachment.name.as_str()))
        .map(|text| text.chars().take(LAST_MESSAGE_PREVIEW_CHARS).collect())
}

fn handled(envelope: &&EventEnvelope) -> bool {
    match envelope.stream_id.context() {
        conversation::CONTEXT => {
            matches!(envelope.event_type.as_str(), STARTED | MESSAGE_POSTED | ASSIGNED | TRANSFERRED | CLOSED | RATED)
        }
        acd::CONTEXT => matches!(envelope.event_type.as_str(), CONTACT_TRANSFERRED | CONTACT_OVERFLOWED),
        _ => false,
    }
}

#[async_trait]
impl Projection for ConversationsProjection {
    fn name(&self) -> &'static str {
        "conversations"
    }

    fn tables(&self) -> &'static [&'static str] {
        &[CONVERSATIONS_TABLE, CONVERSATION_MESSAGES_TABLE]
    }

    async fn create_tables(&self, connection: &mut AnyConnection, suffix: &str) -> ProjectionResult<()> {
        let mut statements = vec![sql(CREATE_CONVERSATIONS, CONVERSATIONS_TABLE, suffix)];
        statements.extend(CREATE_CONVERSATIONS_INDEXES.iter().map(|index| sql(index, CONVERSATIONS_TABLE, suffix)));
        statements.push(sql(CREATE_MESSAGES, CONVERSATION_MESSAGES_TABLE, suffix));
        execute_all(connection, &statements).await
    }

    async fn apply(
        &self,
        connection: &mut AnyConnection,
        suffix: &str,
        events: &[EventEnvelope],
    ) -> ProjectionResult<()> {
        let statements = Statements::new(suffix);
        for envelope in events.iter().filter(handled) {
            let position = envelope.global_position;
            let tenant_id = envelope.tenant_id.to_string();
            if envelope.stream_id.context() == acd::CONTEXT {
                let event = AcdEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
                    .map_err(|source| ProjectionError::Upcast { position, source })?;
                let (contact_id, queue_id) = match event {
                    AcdEvent::ContactTransferred(transferred) => (transferred.contact_id, transferred.queue_id),
                    AcdEvent::ContactOverflowed(overflowed) => (overflowed.contact_id, overflowed.to_queue_id),
                    _ => continue,
                };
                // A contact that is no conversation (a call) matches no row.
                sqlx::query(AssertSqlSafe(statements.move_queue.as_str()))
                    .bind(to_i64(position))
                    .bind(tenant_id)
                    .bind(contact_id.to_string())
                    .bind(queue_id.to_string())
                    .execute(&mut *connection)
                    .await?;
                continue;
            }
            let event =
                ConversationEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
                    .map_err(|source| ProjectionError::Upcast { position, source })?;
            apply_conversation_event(connection, &statements, position, tenant_id, event).await?;
        }
        Ok(())
    }
}

async fn apply_conversation_event(
    connection: &mut AnyConnection,
    statements: &Statements,
    event_position: u64,
    tenant_id: String,
    event: ConversationEvent,
) -> ProjectionResult<()> {
    let position = to_i64(event_position);
    // Every guarded update binds the position, the tenant and the conversation first.
    let update = |statement: &str, conversation_id: Uuid| {
        sqlx::query(AssertSqlSafe(statement.to_owned()))
            .bind(position)
            .bind(tenant_id.clone())
            .bind(conversation_id.to_string())
    };
    match event {
        ConversationEvent::Started(started) => {
            let visitor = started.visitor;
            sqlx::query(AssertSqlSafe(statements.insert_conversation.as_str()))
                .bind(tenant_id.clone())
                .bind(started.conversation_id.to_string())
                .bind(channel_name(started.channel))
                .bind(started.queue_id.to_string())
                .bind(visitor.visitor_id.to_string())
                .bind(visitor.name)
                .bind(visitor.email.clone())
                .bind(visitor.phone.clone())
                .bind(visitor.language)
                .bind(email_key(visitor.email.as_deref()))
                .bind(phone_key(visitor.phone.as_deref()))
                .bind(started.at.timestamp_micros())
                .bind(position)
                .execute(&mut *connection)
                .await?;
        }
        ConversationEvent::MessagePosted(posted) => {
            let (author_kind, agent_id) = match posted.author {
                Author::Visitor => (Party::Visitor, None),
                Author::Agent { agent_id } => (Party::Agent, Some(agent_id.to_string())),
                Author::System => (Party::System, None),
            };
            let attachment = posted.attachment.as_ref();
            let size = attachment
                .map(|attachment| {
                    i64::try_from(attachment.size).map_err(|_| ProjectionError::Apply {
                        position: event_position,
                        reason: format!("attachment size {} is too large", attachment.size),
                    })
                })
                .transpose()?;
            sqlx::query(AssertSqlSafe(statements.insert_message.as_str()))
                .bind(tenant_id.clone())
                .bind(posted.conversation_id.to_string())
                .bind(i64::from(posted.seq))
                .bind(posted.client_id.clone())
                .bind(author_kind.as_str())
                .bind(agent_id)
                .bind(posted.text.clone())
                .bind(attachment.map(|attachment| attachment.attachment_id.to_string()))
                .bind(attachment.map(|attachment| attachment.name.clone()))
                .bind(attachment.map(|attachment| attachment.content_type.clone()))
                .bind(size)
                .bind(posted.at.timestamp_micros())
                .execute(&mut *connection)
                .await?;
            update(&statements.note_message, posted.conversation_id)
                .bind(i64::from(posted.seq))
                .bind(preview(posted.text.as_deref(), attachment))
                .bind(posted.at.timestamp_micros())
                .execute(&mut *connection)
                .await?;
        }
        ConversationEvent::Assigned(assigned) => {
            update(&statements.assign, assigned.conversation_id)
                .bind(assigned.agent_id.to_string())
                .bind(assigned.at.timestamp_micros())
                .execute(&mut *connection)
                .await?;
        }
        ConversationEvent::Transferred(transferred) => {
            match transferred.to_queue_id {
                Some(queue_id) => {
                    update(&statements.transfer_to_queue, transferred.conversation_id)
                        .bind(queue_id.to_string())
                        .execute(&mut *connection)
                        .await?
                }
                // The ACD's `contact_transferred` names the queue the contact waits in.
                None => {
                    update(&statements.transfer_to_agent, transferred.conversation_id).execute(&mut *connection).await?
                }
            };
        }
        ConversationEvent::Closed(closed) => {
            let by = match closed.by {
                ClosedBy::Visitor => Party::Visitor,
                ClosedBy::Agent { .. } => Party::Agent,
                ClosedBy::System => Party::System,
            };
            update(&statements.close, closed.conversation_id)
                .bind(closed.agent_id.map(|agent_id| agent_id.to_string()))
                .bind(closed.at.timestamp_micros())
                .bind(by.as_str())
                .bind(closed.disposition)
                .execute(&mut *connection)
                .await?;
        }
        ConversationEvent::Rated(rated) => {
            update(&statements.rate, rated.conversation_id)
                .bind(i64::from(rated.score))
                .bind(rated.comment)
                .execute(&mut *connection)
                .await?;
        }
    }
    Ok(())
}

fn optional_time_column(row: &AnyRow, column: &str) -> ProjectionResult<Option<DateTime<Utc>>> {
    let micros: Option<i64> = row.try_get(column)?;
    micros
        .map(|micros| {
            DateTime::from_timestamp_micros(micros)
                .ok_or_else(|| ProjectionError::CorruptRow(format!("{column} {micros} is out of range")))
        })
        .transpose()
}

fn conversation_from_row(row: &AnyRow) -> ProjectionResult<ConversationView> {
    let closed_by: Option<String> = row.try_get("closed_by")?;
    let rating_score: Option<i64> = row.try_get("rating_score")?;
    let message_count: i64 = row.try_get("message_count")?;
    Ok(ConversationView {
        tenant_id: uuid_column(row, "tenant_id")?,
        conversation_id: uuid_column(row, "conversation_id")?,
        channel: enum_column(row, "channel", parse_channel)?,
        status: enum_column(row, "status", ConversationStatus::parse)?,
        queue_id: uuid_column(row, "queue_id")?,
        agent_id: optional_uuid_column(row, "agent_id")?,
        visitor_id: uuid_column(row, "visitor_id")?,
        visitor_name: row.try_get("visitor_name")?,
        visitor_email: row.try_get("visitor_email")?,
        visitor_phone: row.try_get("visitor_phone")?,
        visitor_language: row.try_get("visitor_language")?,
        started_at: time_column(row, "started_at")?,
        assigned_at: optional_time_column(row, "assigned_at")?,
        closed_at: optional_time_column(row, "closed_at")?,
        closed_by: closed_by
            .map(|text| Party::parse(&text).ok_or_else(|| ProjectionError::CorruptRow(format!("closed_by {text:?}"))))
            .transpose()?,
        disposition: row.try_get("disposition")?,
        rating_score: rating_score
            .map(|score| u8::try_from(score).map_err(|_| ProjectionError::CorruptRow(format!("rating {score}"))))
            .transpose()?,
        rating_comment: row.try_get("rating_comment")?,
        message_count: u32::try_from(message_count)
            .map_err(|_| ProjectionError::CorruptRow(format!("message_count {message_count}")))?,
        last_message_text: row.try_get("last_message_text")?,
        last_message_at: optional_time_column(row, "last_message_at")?,
        position: to_u64("position", row.try_get("position")?)?,
    })
}

fn message_from_row(row: &AnyRow) -> ProjectionResult<MessageView> {
    let seq: i64 = row.try_get("seq")?;
    let attachment = match optional_uuid_column(row, "attachment_id")? {
        Some(attachment_id) => {
            let size: Option<i64> = row.try_get("attachment_size")?;
            let size = size.unwrap_or_default();
            Some(Attachment {
                attachment_id,
                name: row.try_get::<Option<String>, _>("attachment_name")?.unwrap_or_default(),
                content_type: row.try_get::<Option<String>, _>("attachment_content_type")?.unwrap_or_default(),
                size: u64::try_from(size)
                    .map_err(|_| ProjectionError::CorruptRow(format!("attachment size {size}")))?,
            })
        }
        None => None,
    };
    Ok(MessageView {
        tenant_id: uuid_column(row, "tenant_id")?,
        conversation_id: uuid_column(row, "conversation_id")?,
        seq: u32::try_from(seq).map_err(|_| ProjectionError::CorruptRow(format!("seq {seq}")))?,
        client_id: row.try_get("client_id")?,
        author_kind: enum_column(row, "author_kind", Party::parse)?,
        agent_id: optional_uuid_column(row, "agent_id")?,
        text: row.try_get("text")?,
        attachment,
        at: time_column(row, "at")?,
    })
}

/// A page size as SQL binds it: capped at [`MAX_PAGE_SIZE`].
fn page_limit(limit: usize) -> i64 {
    i64::try_from(limit.min(MAX_PAGE_SIZE as usize)).expect("the cap fits")
}

fn page_offset(offset: usize) -> i64 {
    i64::try_from(offset).unwrap_or(i64::MAX)
}

/// Newest first; the id breaks ties so that pages never overlap.
const NEWEST_FIRST: &str = "ORDER BY started_at DESC, conversation_id DESC";

/// One conversation of the caller's tenant; `None` also when it is another tenant's.
pub async fn get_conversation(
    pool: &AnyPool,
    tenant_id: Uuid,
    conversation_id: Uuid,
) -> ProjectionResult<Option<ConversationView>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {CONVERSATION_COLUMNS} FROM {CONVERSATIONS_TABLE} WHERE tenant_id = $1 AND conversation_id = $2"
    )))
    .bind(tenant_id.to_string())
    .bind(conversation_id.to_string())
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(conversation_from_row).transpose()
}

/// The messages of a conversation of the caller's tenant with a seq after `after_seq` (0:
/// from the first), in seq order: at most `limit` (capped at [`MAX_PAGE_SIZE`]).
pub async fn list_messages(
    pool: &AnyPool,
    tenant_id: Uuid,
    conversation_id: Uuid,
    after_seq: u32,
    limit: usize,
) -> ProjectionResult<Vec<MessageView>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {MESSAGE_COLUMNS} FROM {CONVERSATION_MESSAGES_TABLE} \
         WHERE tenant_id = $1 AND conversation_id = $2 AND seq > $3 ORDER BY seq LIMIT $4"
    )))
    .bind(tenant_id.to_string())
    .bind(conversation_id.to_string())
    .bind(i64::from(after_seq))
    .bind(page_limit(limit))
    .fetch_all(pool)
    .await?;
    rows.iter().map(message_from_row).collect()
}

/// The conversations an agent of the caller's tenant has now (status `assigned`), newest first.
pub async fn open_conversations_of_agent(
    pool: &AnyPool,
    tenant_id: Uuid,
    agent_id: Uuid,
) -> ProjectionResult<Vec<ConversationView>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {CONVERSATION_COLUMNS} FROM {CONVERSATIONS_TABLE} \
         WHERE tenant_id = $1 AND agent_id = $2 AND status = 'assigned' {NEWEST_FIRST}"
    )))
    .bind(tenant_id.to_string())
    .bind(agent_id.to_string())
    .fetch_all(pool)
    .await?;
    rows.iter().map(conversation_from_row).collect()
}

/// The screen pop's contact history: the caller's tenant's conversations of the same
/// customer, on any channel, newest first, at most `limit` (capped at [`MAX_PAGE_SIZE`]).
/// The same customer is the same visitor id, or the same email (ignoring case) or phone
/// (ignoring everything but digits and `+`) where those are given and not blank.
/// `exclude_conversation_id` (the conversation on screen) is left out.
pub async fn customer_history(
    pool: &AnyPool,
    tenant_id: Uuid,
    visitor_id: Uuid,
    email: Option<&str>,
    phone: Option<&str>,
    exclude_conversation_id: Option<Uuid>,
    limit: usize,
) -> ProjectionResult<Vec<ConversationView>> {
    let email = email_key(email);
    let phone = phone_key(phone);
    let mut same_customer = String::from("visitor_id = $3");
    let mut next = 4;
    if email.is_some() {
        let _ = write!(same_customer, " OR email_key = ${next}");
        next += 1;
    }
    if phone.is_some() {
        let _ = write!(same_customer, " OR phone_key = ${next}");
        next += 1;
    }
    let mut query = sqlx::query(AssertSqlSafe(format!(
        "SELECT {CONVERSATION_COLUMNS} FROM {CONVERSATIONS_TABLE} \
         WHERE tenant_id = $1 AND conversation_id <> $2 AND ({same_customer}) {NEWEST_FIRST} LIMIT ${next}"
    )))
    .bind(tenant_id.to_string())
    .bind(exclude_conversation_id.map(|id| id.to_string()).unwrap_or_default())
    .bind(visitor_id.to_string());
    if let Some(email) = email {
        query = query.bind(email);
    }
    if let Some(phone) = phone {
        query = query.bind(phone);
    }
    let rows = query.bind(page_limit(limit)).fetch_all(pool).await?;
    rows.iter().map(conversation_from_row).collect()
}

/// The caller's tenant's conversations that `filter` admits, newest first: at most `limit`
/// (capped at [`MAX_PAGE_SIZE`]) after skipping `offset`.
pub async fn list_conversations(
    pool: &AnyPool,
    tenant_id: Uuid,
    filter: &ConversationFilter,
    limit: usize,
    offset: usize,
) -> ProjectionResult<Vec<ConversationView>> {
    let mut conditions = String::from("tenant_id = $1");
    let mut values: Vec<String> = vec![tenant_id.to_string()];
    let mut add = |column: &str, value: String| {
        values.push(value);
        let _ = write!(conditions, " AND {column} = ${}", values.len());
    };
    if let Some(status) = filter.status {
        add("status", status.as_str().to_owned());
    }
    if let Some(queue_id) = filter.queue_id {
        add("queue_id", queue_id.to_string());
    }
    if let Some(agent_id) = filter.agent_id {
        add("agent_id", agent_id.to_string());
    }
    let (limit_parameter, offset_parameter) = (values.len() + 1, values.len() + 2);
    let statement = format!(
        "SELECT {CONVERSATION_COLUMNS} FROM {CONVERSATIONS_TABLE} WHERE {conditions} {NEWEST_FIRST} \
         LIMIT ${limit_parameter} OFFSET ${offset_parameter}"
    );
    let mut query = sqlx::query(AssertSqlSafe(statement));
    for value in values {
        query = query.bind(value);
    }
    let rows = query.bind(page_limit(limit)).bind(page_offset(offset)).fetch_all(pool).await?;
    rows.iter().map(conversation_from_row).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_details_match_loosely() {
        assert_eq!(email_key(Some("  Ann@Example.COM ")).as_deref(), Some("ann@example.com"));
        assert_eq!(email_key(Some("   ")), None);
        assert_eq!(email_key(None), None);
        assert_eq!(phone_key(Some("+86 (138) 0013-8000")).as_deref(), Some("+8613800138000"));
        assert_eq!(phone_key(Some(" - ")), None);
        assert_eq!(phone_key(Some("+")), None);
    }

    #[test]
    fn the_preview_is_the_text_or_the_file_name() {
        let attachment = Attachment {
            attachment_id: Uuid::nil(),
            name: "invoice.pdf".into(),
            content_type: "application/pdf".into(),
            size: 10,
        };
        assert_eq!(preview(None, Some(&attachment)).as_deref(), Some("invoice.pdf"));
        assert_eq!(preview(Some("see this"), Some(&attachment)).as_deref(), Some("see this"));
        let long = "é".repeat(LAST_MESSAGE_PREVIEW_CHARS + 5);
        assert_eq!(preview(Some(&long), None).map(|text| text.chars().count()), Some(LAST_MESSAGE_PREVIEW_CHARS));
    }

    #[test]
    fn names_round_trip() {
        for status in [ConversationStatus::Queued, ConversationStatus::Assigned, ConversationStatus::Closed] {
            assert_eq!(ConversationStatus::parse(status.as_str()), Some(status));
        }
        for party in [Party::Visitor, Party::Agent, Party::System] {
            assert_eq!(Party::parse(party.as_str()), Some(party));
        }
        for channel in [Channel::Voice, Channel::Chat, Channel::Email, Channel::Messaging] {
            assert_eq!(parse_channel(channel_name(channel)), Some(channel));
            assert_eq!(serde_json::to_value(channel).unwrap(), channel_name(channel));
        }
    }
}
