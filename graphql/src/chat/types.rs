//! The GraphQL types of web chat and routing (docs/chat.md, "Agent side"), and their
//! conversions from the ACD's state, the chat service's views and the read models.

use async_graphql::{Enum, InputObject, SimpleObject};
use chrono::{DateTime, Utc};
use hotline_command_api::chat::desk::ChannelLoad;
use hotline_domain::acd::{Agent, Presence, QueueDefinition};
use hotline_domain::chat_widget::WidgetSettings;
use hotline_projections::{ConversationView, MessageView};
use uuid::Uuid;

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum PresenceState {
    Offline,
    Available,
    NotReady,
    Break,
    Busy,
    AfterCallWork,
}

impl PresenceState {
    pub fn of(presence: &Presence) -> Self {
        match presence {
            Presence::Offline => PresenceState::Offline,
            Presence::Available => PresenceState::Available,
            Presence::NotReady { .. } => PresenceState::NotReady,
            Presence::Break { .. } => PresenceState::Break,
            Presence::Busy => PresenceState::Busy,
            Presence::AfterCallWork => PresenceState::AfterCallWork,
        }
    }

    /// The domain's presence; `NOT_READY` and `BREAK` carry the reason (the ACD refuses a
    /// blank one).
    pub fn to_presence(self, reason: Option<String>) -> Presence {
        match self {
            PresenceState::Offline => Presence::Offline,
            PresenceState::Available => Presence::Available,
            PresenceState::NotReady => Presence::NotReady { reason: reason.unwrap_or_default() },
            PresenceState::Break => Presence::Break { reason: reason.unwrap_or_default() },
            PresenceState::Busy => Presence::Busy,
            PresenceState::AfterCallWork => Presence::AfterCallWork,
        }
    }
}

/// What an agent is doing, since when.
#[derive(SimpleObject, Clone, Debug)]
pub struct AgentPresence {
    pub state: PresenceState,
    /// Why the agent is not ready or on a break.
    pub reason: Option<String>,
    pub since: Option<DateTime<Utc>>,
}

impl AgentPresence {
    pub fn new(presence: &Presence, since: Option<DateTime<Utc>>) -> Self {
        let reason = match presence {
            Presence::NotReady { reason } | Presence::Break { reason } => Some(reason.clone()),
            _ => None,
        };
        Self { state: PresenceState::of(presence), reason, since }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "hotline_domain::acd::Channel")]
pub enum ContactChannel {
    Voice,
    Chat,
    Email,
    Messaging,
}

/// How many contacts of a channel an agent may hold, and holds now (offers count).
#[derive(SimpleObject, Clone, Debug)]
pub struct ChannelCapacity {
    pub channel: ContactChannel,
    pub capacity: u32,
    pub load: u32,
}

impl From<&ChannelLoad> for ChannelCapacity {
    fn from(load: &ChannelLoad) -> Self {
        Self { channel: load.channel.into(), capacity: load.capacity, load: load.load }
    }
}

#[derive(SimpleObject, Clone, Debug)]
pub struct AgentSkill {
    pub skill: String,
    /// 1 (novice) to 10 (expert).
    pub level: u8,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct QueueRef {
    pub id: Uuid,
    pub name: String,
}

/// A contact offered to the caller, waiting for accept or reject until `expiresAt`.
#[derive(SimpleObject, Clone, Debug)]
pub struct ContactOffer {
    pub contact_id: Uuid,
    /// The conversation of a text contact (its id is the contact id).
    pub conversation_id: Uuid,
    pub channel: ContactChannel,
    pub queue: QueueRef,
    pub expires_at: DateTime<Utc>,
    pub visitor_name: Option<String>,
}

/// The caller as an agent: presence, routing profile, offers and open conversations.
#[derive(SimpleObject, Clone, Debug)]
pub struct AgentDesk {
    pub agent_id: Uuid,
    /// False until an administrator gives the user a routing profile.
    pub registered: bool,
    pub presence: AgentPresence,
    pub capacity: Vec<ChannelCapacity>,
    pub skills: Vec<AgentSkill>,
    pub queues: Vec<QueueRef>,
    pub offers: Vec<ContactOffer>,
    /// The conversations the agent has now, newest first.
    pub conversations: Vec<ConversationSummary>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "hotline_projections::ConversationStatus")]
pub enum ConversationStatus {
    Queued,
    Assigned,
    Closed,
}

/// Who the customer says they are.
#[derive(SimpleObject, Clone, Debug)]
pub struct Visitor {
    pub visitor_id: Uuid,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub language: Option<String>,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct ConversationSummary {
    pub id: Uuid,
    pub channel: ContactChannel,
    pub status: ConversationStatus,
    pub queue: QueueRef,
    /// The agent who has it; once closed, the agent who had it then.
    pub agent_id: Option<Uuid>,
    pub agent_name: Option<String>,
    pub visitor: Visitor,
    pub started_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub disposition: Option<String>,
    pub rating_score: Option<u8>,
    pub last_message_text: Option<String>,
    pub message_count: u32,
}

impl ConversationSummary {
    pub fn new(view: &ConversationView, queue_name: String, agent_name: Option<String>) -> Self {
        Self {
            id: view.conversation_id,
            channel: view.channel.into(),
            status: view.status.into(),
            queue: QueueRef { id: view.queue_id, name: queue_name },
            agent_id: view.agent_id,
            agent_name,
            visitor: Visitor {
                visitor_id: view.visitor_id,
                name: view.visitor_name.clone(),
                email: view.visitor_email.clone(),
                phone: view.visitor_phone.clone(),
                language: view.visitor_language.clone(),
            },
            started_at: view.started_at,
            closed_at: view.closed_at,
            disposition: view.disposition.clone(),
            rating_score: view.rating_score,
            last_message_text: view.last_message_text.clone(),
            message_count: view.message_count,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "hotline_projections::Party")]
pub enum MessageAuthorKind {
    Visitor,
    Agent,
    System,
}

/// A file posted in a conversation; `url` serves it to agents with their session cookie.
#[derive(SimpleObject, Clone, Debug)]
pub struct Attachment {
    pub id: Uuid,
    pub name: String,
    pub content_type: String,
    pub size: u64,
    pub url: String,
}

impl From<&hotline_domain::conversation::Attachment> for Attachment {
    fn from(attachment: &hotline_domain::conversation::Attachment) -> Self {
        Self {
            id: attachment.attachment_id,
            name: attachment.name.clone(),
            content_type: attachment.content_type.clone(),
            size: attachment.size,
            url: hotline_command_api::chat::http::file_url(attachment.attachment_id),
        }
    }
}

#[derive(SimpleObject, Clone, Debug)]
pub struct ChatMessage {
    /// 1, 2, 3, ... in the conversation, with no gap.
    pub seq: u32,
    /// The sender's own id of the message.
    pub client_id: String,
    pub author_kind: MessageAuthorKind,
    /// The agent's display name, or the name the visitor gave.
    pub author_name: Option<String>,
    pub text: Option<String>,
    pub attachment: Option<Attachment>,
    pub at: DateTime<Utc>,
}

impl ChatMessage {
    pub fn from_view(view: &MessageView, author_name: Option<String>) -> Self {
        Self {
            seq: view.seq,
            client_id: view.client_id.clone(),
            author_kind: view.author_kind.into(),
            author_name,
            text: view.text.clone(),
            attachment: view.attachment.as_ref().map(Attachment::from),
            at: view.at,
        }
    }
}

#[derive(SimpleObject, Clone, Debug)]
pub struct Conversation {
    pub summary: ConversationSummary,
    /// Every message, in seq order.
    pub messages: Vec<ChatMessage>,
    pub rating_comment: Option<String>,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct CannedReply {
    pub code: String,
    pub text: String,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct Disposition {
    pub code: String,
    pub label: String,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct TransferAgent {
    pub agent_id: Uuid,
    pub name: String,
    pub presence: PresenceState,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct TransferTargets {
    pub queues: Vec<QueueRef>,
    /// Registered agents other than the caller.
    pub agents: Vec<TransferAgent>,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct LiveQueue {
    pub queue: QueueRef,
    pub waiting: u32,
    pub offered: u32,
    /// How long the longest-waiting contact has waited (0 when none waits).
    pub longest_wait_seconds: u32,
    pub agents_available: u32,
    pub agents_logged_in: u32,
    pub answered_today: u64,
    pub abandoned_today: u64,
    /// The share (0 to 1) of today's answered contacts accepted within the service level
    /// target (20 seconds); null before the first.
    pub service_level: Option<f64>,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct LiveAgent {
    pub agent_id: Uuid,
    pub name: String,
    pub presence: AgentPresence,
    pub load: Vec<ChannelCapacity>,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct LiveBoard {
    pub queues: Vec<LiveQueue>,
    pub agents: Vec<LiveAgent>,
    pub at: DateTime<Utc>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "hotline_domain::acd::RoutingStrategy")]
pub enum RoutingStrategy {
    LongestIdle,
    SkillLevel,
    RoundRobin,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct AcdQueue {
    pub id: Uuid,
    pub name: String,
    pub strategy: RoutingStrategy,
    pub required_skill: Option<String>,
    pub minimum_skill_level: Option<u8>,
    pub customer_priority: bool,
    pub sticky_agent_seconds: Option<u32>,
    pub overflow_after_seconds: Option<u32>,
    pub overflow_queue_id: Option<Uuid>,
    pub offer_timeout_seconds: u32,
}

impl From<&QueueDefinition> for AcdQueue {
    fn from(queue: &QueueDefinition) -> Self {
        Self {
            id: queue.queue_id,
            name: queue.name.clone(),
            strategy: queue.strategy.into(),
            required_skill: queue.required_skill.as_ref().map(|requirement| requirement.skill.clone()),
            minimum_skill_level: queue.required_skill.as_ref().map(|requirement| requirement.minimum_level),
            customer_priority: queue.customer_priority,
            sticky_agent_seconds: queue.sticky_agent_seconds,
            overflow_after_seconds: queue.overflow.as_ref().map(|overflow| overflow.after_seconds),
            overflow_queue_id: queue.overflow.as_ref().map(|overflow| overflow.to_queue_id),
            offer_timeout_seconds: queue.offer_timeout_seconds,
        }
    }
}

#[derive(InputObject, Debug)]
pub struct AcdQueueInput {
    /// Absent: a new queue.
    pub id: Option<Uuid>,
    pub name: String,
    pub strategy: RoutingStrategy,
    pub required_skill: Option<String>,
    /// 1 to 10; 1 when a skill is required without a level.
    pub minimum_skill_level: Option<i32>,
    pub customer_priority: bool,
    pub sticky_agent_seconds: Option<i32>,
    /// With `overflowQueueId`: move a contact still waiting after this many seconds.
    pub overflow_after_seconds: Option<i32>,
    pub overflow_queue_id: Option<Uuid>,
    pub offer_timeout_seconds: i32,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct AcdAgent {
    pub agent_id: Uuid,
    pub name: String,
    pub username: String,
    /// False for a user with no routing profile yet.
    pub registered: bool,
    pub presence: AgentPresence,
    pub capacity: Vec<ChannelCapacity>,
    pub skills: Vec<AgentSkill>,
    pub queue_ids: Vec<Uuid>,
}

impl AcdAgent {
    pub fn of_agent(agent: &Agent, name: String, username: String) -> Self {
        Self {
            agent_id: agent.agent_id,
            name,
            username,
            registered: true,
            presence: AgentPresence::new(&agent.presence, Some(agent.presence_since)),
            capacity: agent
                .capacity
                .iter()
                .map(|(channel, capacity)| ChannelCapacity {
                    channel: (*channel).into(),
                    capacity: *capacity,
                    load: agent.load(*channel),
                })
                .collect(),
            skills: skills(&agent.skills),
            queue_ids: agent.queue_ids.iter().copied().collect(),
        }
    }

    pub fn of_user(agent_id: Uuid, name: String, username: String) -> Self {
        Self {
            agent_id,
            name,
            username,
            registered: false,
            presence: AgentPresence::new(&Presence::Offline, None),
            capacity: vec![],
            skills: vec![],
            queue_ids: vec![],
        }
    }
}

pub fn skills<'a>(skills: impl IntoIterator<Item = (&'a String, &'a u8)>) -> Vec<AgentSkill> {
    skills.into_iter().map(|(skill, level)| AgentSkill { skill: skill.clone(), level: *level }).collect()
}

#[derive(InputObject, Debug)]
pub struct ChannelCapacityInput {
    pub channel: ContactChannel,
    /// 0 to 20.
    pub capacity: i32,
}

#[derive(InputObject, Debug)]
pub struct AgentSkillInput {
    pub skill: String,
    /// 1 to 10.
    pub level: i32,
}

#[derive(InputObject, Debug)]
pub struct AgentRoutingInput {
    /// A user of your tenant.
    pub agent_id: Uuid,
    /// A channel left out is 0.
    pub capacity: Vec<ChannelCapacityInput>,
    pub skills: Vec<AgentSkillInput>,
    pub queue_ids: Vec<Uuid>,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct FaqEntry {
    pub question: String,
    pub answer: String,
}

#[derive(InputObject, Debug)]
pub struct FaqEntryInput {
    pub question: String,
    pub answer: String,
}

#[derive(SimpleObject, Clone, Debug)]
pub struct ChatWidgetSettings {
    /// Where the widget's chats queue.
    pub queue_id: Option<Uuid>,
    pub organisation_name: String,
    pub primary_color: String,
    pub logo_url: Option<String>,
    pub intro: String,
    pub welcome: String,
    pub faq: Vec<FaqEntry>,
    pub offline_messages: bool,
    pub offline_prompt: String,
    pub default_language: String,
    /// The `<script>` tag that adds the widget to a site.
    pub snippet: String,
}

impl ChatWidgetSettings {
    pub fn new(settings: WidgetSettings, snippet: String) -> Self {
        Self {
            queue_id: settings.queue_id,
            organisation_name: settings.organisation_name,
            primary_color: settings.primary_color,
            logo_url: settings.logo_url,
            intro: settings.intro,
            welcome: settings.welcome,
            faq: settings
                .faq
                .into_iter()
                .map(|entry| FaqEntry { question: entry.question, answer: entry.answer })
                .collect(),
            offline_messages: settings.offline_messages,
            offline_prompt: settings.offline_prompt,
            default_language: settings.default_language,
            snippet,
        }
    }
}

#[derive(InputObject, Debug)]
pub struct ChatWidgetInput {
    pub queue_id: Uuid,
    pub organisation_name: String,
    /// `#rrggbb`.
    pub primary_color: String,
    pub logo_url: Option<String>,
    pub intro: String,
    pub welcome: String,
    pub faq: Vec<FaqEntryInput>,
    pub offline_messages: bool,
    pub offline_prompt: String,
    /// `en`, `zh-CN` or `zh-TW`.
    pub default_language: String,
}

impl From<ChatWidgetInput> for WidgetSettings {
    fn from(input: ChatWidgetInput) -> Self {
        Self {
            queue_id: Some(input.queue_id),
            organisation_name: input.organisation_name,
            primary_color: input.primary_color,
            logo_url: input.logo_url,
            intro: input.intro,
            welcome: input.welcome,
            faq: input
                .faq
                .into_iter()
                .map(|entry| hotline_domain::chat_widget::FaqEntry { question: entry.question, answer: entry.answer })
                .collect(),
            offline_messages: input.offline_messages,
            offline_prompt: input.offline_prompt,
            default_language: input.default_language,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum DeskEventKind {
    /// A contact was offered to you.
    Offered,
    /// An offer to you was accepted, rejected, timed out or withdrawn (the customer left).
    OfferEnded,
    /// A conversation was assigned to you.
    Assigned,
    /// You transferred a conversation to a queue or another agent.
    TransferredAway,
    Closed,
    Rated,
    /// Your presence or routing profile changed (or the stream resynchronised): refetch.
    PresenceChanged,
    VisitorTyping,
    Message,
}

/// What changed for the caller as an agent.
#[derive(SimpleObject, Clone, Debug)]
pub struct DeskEvent {
    pub kind: DeskEventKind,
    pub conversation_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
}
