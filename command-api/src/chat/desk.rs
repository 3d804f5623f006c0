//! The agent's desk (presence, offers, their conversations) and the supervisor's live board,
//! both read from the ACD's state in memory, so they are current to the last event.

use chrono::{DateTime, Utc};
use hotline_domain::acd::{AcdAction, AcdState, Channel, ContactStatus, Presence, TransferTarget};
use hotline_domain::conversation::{Author, ClosedBy, ConversationAction, Status};
use uuid::Uuid;

use super::ChatService;
use crate::auth::Session;
use crate::dispatcher::CommandMeta;
use crate::error::ApiError;

/// The permission of the agent desktop.
pub const DESK_PERMISSION: &str = "menu.desk";
/// The permission of the supervisor's live view.
pub const SUPERVISE_PERMISSION: &str = "chat.supervise";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelLoad {
    pub channel: Channel,
    pub capacity: u32,
    pub load: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferView {
    pub contact_id: Uuid,
    pub channel: Channel,
    pub queue_id: Uuid,
    pub queue_name: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskView {
    pub agent_id: Uuid,
    /// False until an administrator gives the user a routing profile.
    pub registered: bool,
    pub presence: Presence,
    pub presence_since: Option<DateTime<Utc>>,
    pub load: Vec<ChannelLoad>,
    pub skills: Vec<(String, u8)>,
    pub queues: Vec<(Uuid, String)>,
    pub offers: Vec<OfferView>,
    /// Contacts the agent has accepted and not finished.
    pub assigned: Vec<Uuid>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LiveQueueView {
    pub queue_id: Uuid,
    pub name: String,
    pub waiting: u32,
    pub offered: u32,
    /// When the longest-waiting contact was first queued.
    pub oldest_waiting_since: Option<DateTime<Utc>>,
    pub agents_available: u32,
    pub agents_logged_in: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LiveAgentView {
    pub agent_id: Uuid,
    pub presence: Presence,
    pub presence_since: DateTime<Utc>,
    pub load: Vec<ChannelLoad>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LiveBoardView {
    pub queues: Vec<LiveQueueView>,
    pub agents: Vec<LiveAgentView>,
}

fn loads(agent: &hotline_domain::acd::Agent) -> Vec<ChannelLoad> {
    agent
        .capacity
        .iter()
        .map(|(channel, capacity)| ChannelLoad { channel: *channel, capacity: *capacity, load: agent.load(*channel) })
        .collect()
}

fn desk_of(state: &AcdState, agent_id: Uuid) -> DeskView {
    let Some(agent) = state.agents.get(&agent_id) else {
        return DeskView {
            agent_id,
            registered: false,
            presence: Presence::Offline,
            presence_since: None,
            load: vec![],
            skills: vec![],
            queues: vec![],
            offers: vec![],
            assigned: vec![],
        };
    };
    let queue_name = |queue_id: &Uuid| state.queues.get(queue_id).map(|queue| queue.definition.name.clone());
    let mut offers = Vec::new();
    let mut assigned = Vec::new();
    for contact_id in agent.contacts.keys() {
        let Some(contact) = state.contacts.get(contact_id) else { continue };
        match contact.status {
            ContactStatus::Offered { expires_at, .. } => offers.push(OfferView {
                contact_id: *contact_id,
                channel: contact.channel,
                queue_id: contact.queue_id,
                queue_name: queue_name(&contact.queue_id).unwrap_or_default(),
                expires_at,
            }),
            ContactStatus::Assigned { .. } => assigned.push(*contact_id),
            ContactStatus::Waiting => {}
        }
    }
    DeskView {
        agent_id,
        registered: true,
        presence: agent.presence.clone(),
        presence_since: Some(agent.presence_since),
        load: loads(agent),
        skills: agent.skills.iter().map(|(skill, level)| (skill.clone(), *level)).collect(),
        queues: agent.queue_ids.iter().filter_map(|id| Some((*id, queue_name(id)?))).collect(),
        offers,
        assigned,
    }
}

fn live_board(state: &AcdState) -> LiveBoardView {
    let queues = state
        .queues
        .values()
        .map(|queue| {
            let queue_id = queue.definition.queue_id;
            let contacts = state.contacts.values().filter(|contact| contact.queue_id == queue_id);
            let (mut waiting, mut offered, mut oldest) = (0, 0, None::<DateTime<Utc>>);
            for contact in contacts {
                match contact.status {
                    ContactStatus::Waiting => {
                        waiting += 1;
                        oldest = Some(oldest.map_or(contact.queued_at, |at| at.min(contact.queued_at)));
                    }
                    ContactStatus::Offered { .. } => offered += 1,
                    ContactStatus::Assigned { .. } => {}
                }
            }
            let members: Vec<_> = queue.members.iter().filter_map(|agent_id| state.agents.get(agent_id)).collect();
            LiveQueueView {
                queue_id,
                name: queue.definition.name.clone(),
                waiting,
                offered,
                oldest_waiting_since: oldest,
                agents_available: members.iter().filter(|agent| agent.presence == Presence::Available).count() as u32,
                agents_logged_in: members.iter().filter(|agent| agent.presence != Presence::Offline).count() as u32,
            }
        })
        .collect();
    let agents = state
        .agents
        .values()
        .map(|agent| LiveAgentView {
            agent_id: agent.agent_id,
            presence: agent.presence.clone(),
            presence_since: agent.presence_since,
            load: loads(agent),
        })
        .collect();
    LiveBoardView { queues, agents }
}

impl ChatService {
    fn agent_meta(session: &Session, command_id: Uuid, now: DateTime<Utc>) -> Result<CommandMeta, ApiError> {
        session.require(DESK_PERMISSION)?;
        Ok(CommandMeta::new(command_id, session.tenant_id, session.actor(), now))
    }

    /// An agent's command to the ACD; a user with no routing profile is told so plainly.
    async fn agent_acd_command(
        &self,
        session: &Session,
        meta: &CommandMeta,
        action: AcdAction,
    ) -> Result<(), ApiError> {
        let registered = self.read_acd(session.tenant_id, |state| state.agents.contains_key(&session.user_id)).await?;
        if !registered {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "acd.not_an_agent",
                "you have no routing profile yet; an administrator gives you queues and capacity",
            ));
        }
        self.acd_command(meta, action).await.map(|_| ())
    }

    pub async fn desk(&self, session: &Session) -> Result<DeskView, ApiError> {
        session.require(DESK_PERMISSION)?;
        self.read_acd(session.tenant_id, |state| desk_of(state, session.user_id)).await
    }

    pub async fn set_presence(
        &self,
        session: &Session,
        command_id: Uuid,
        presence: Presence,
        now: DateTime<Utc>,
    ) -> Result<DeskView, ApiError> {
        let meta = Self::agent_meta(session, command_id, now)?;
        self.agent_acd_command(session, &meta, AcdAction::SetPresence { agent_id: session.user_id, presence }).await?;
        self.desk(session).await
    }

    /// Accepts an offer; the conversation is assigned to the agent before this returns.
    pub async fn accept_offer(
        &self,
        session: &Session,
        command_id: Uuid,
        contact_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        let meta = Self::agent_meta(session, command_id, now)?;
        let action = AcdAction::AcceptOffer { contact_id, agent_id: session.user_id };
        self.agent_acd_command(session, &meta, action).await
    }

    pub async fn reject_offer(
        &self,
        session: &Session,
        command_id: Uuid,
        contact_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<DeskView, ApiError> {
        let meta = Self::agent_meta(session, command_id, now)?;
        let action = AcdAction::RejectOffer { contact_id, agent_id: session.user_id };
        self.agent_acd_command(session, &meta, action).await?;
        self.desk(session).await
    }

    /// Whether the caller may read the conversation: its agent, or a supervisor.
    pub async fn may_read_conversation(&self, session: &Session, conversation_id: Uuid) -> Result<bool, ApiError> {
        if session.has(SUPERVISE_PERMISSION) {
            // Any conversation of the supervisor's own tenant (the store reads per tenant).
            let (state, _) = self.conversation_state(session.tenant_id, conversation_id).await?;
            return Ok(state.status != Status::NotStarted);
        }
        if !session.has(DESK_PERMISSION) {
            return Ok(false);
        }
        // An agent reads the conversations they were ever assigned: the stream says who.
        let events = self.conversation_events(session.tenant_id, conversation_id).await?;
        let agent = session.user_id.to_string();
        Ok(events.iter().any(|envelope| {
            envelope.event_type == hotline_domain::conversation::ASSIGNED
                && envelope.payload.get("agent_id").and_then(|id| id.as_str()) == Some(agent.as_str())
        }))
    }

    /// Posts an agent's message; returns its seq (the first one's, for a repeated client id).
    #[allow(clippy::too_many_arguments)]
    pub async fn send_agent_message(
        &self,
        session: &Session,
        command_id: Uuid,
        conversation_id: Uuid,
        client_id: &str,
        text: Option<String>,
        attachment_id: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<u32, ApiError> {
        let meta = Self::agent_meta(session, command_id, now)?;
        let attachment = match attachment_id {
            None => None,
            Some(attachment_id) => Some(self.attachment(session.tenant_id, attachment_id).await?),
        };
        let action = ConversationAction::PostMessage {
            client_id: client_id.to_owned(),
            author: Author::Agent { agent_id: session.user_id },
            text,
            attachment,
        };
        self.conversation_command(&meta, conversation_id, action).await?;
        let (state, _) = self.conversation_state(session.tenant_id, conversation_id).await?;
        state.seq_of(client_id).ok_or_else(|| ApiError::internal("a posted message has no seq"))
    }

    /// Hands the conversation to a queue or another agent. The target is checked against the
    /// routing first, so a transfer the ACD would refuse is refused before it is recorded.
    pub async fn transfer(
        &self,
        session: &Session,
        command_id: Uuid,
        conversation_id: Uuid,
        to: TransferTarget,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        let meta = Self::agent_meta(session, command_id, now)?;
        let target_problem = self
            .read_acd(session.tenant_id, |state| match to {
                TransferTarget::Queue { queue_id } => {
                    (!state.queues.contains_key(&queue_id)).then_some(("acd.queue_not_found", "no such queue"))
                }
                TransferTarget::Agent { agent_id } => match state.agents.get(&agent_id) {
                    None => Some(("acd.agent_not_found", "no such agent")),
                    Some(agent) if agent.queue_ids.is_empty() => {
                        Some(("acd.agent_without_queue", "the agent serves no queue"))
                    }
                    Some(_) => None,
                },
            })
            .await?;
        if let Some((code, message)) = target_problem {
            let status = if code.ends_with("not_found") {
                axum::http::StatusCode::NOT_FOUND
            } else {
                axum::http::StatusCode::UNPROCESSABLE_ENTITY
            };
            return Err(ApiError::new(status, code, message));
        }
        let (to_queue_id, to_agent_id) = match to {
            TransferTarget::Queue { queue_id } => (Some(queue_id), None),
            TransferTarget::Agent { agent_id } => (None, Some(agent_id)),
        };
        let action = ConversationAction::Transfer { agent_id: session.user_id, to_queue_id, to_agent_id };
        self.conversation_command(&meta, conversation_id, action).await.map(|_| ())
    }

    pub async fn close_by_agent(
        &self,
        session: &Session,
        command_id: Uuid,
        conversation_id: Uuid,
        disposition: String,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        let meta = Self::agent_meta(session, command_id, now)?;
        let action = ConversationAction::Close {
            by: ClosedBy::Agent { agent_id: session.user_id },
            disposition: Some(disposition),
        };
        self.conversation_command(&meta, conversation_id, action).await.map(|_| ())
    }

    /// Whether the conversation is open and the caller's (for typing indicators).
    pub async fn is_agent_of(&self, session: &Session, conversation_id: Uuid) -> Result<bool, ApiError> {
        let (state, _) = self.conversation_state(session.tenant_id, conversation_id).await?;
        Ok(state.status == Status::Assigned && state.agent_id == Some(session.user_id))
    }

    /// Tells the visitor that the agent is typing (never stored).
    pub async fn agent_typing(&self, session: &Session, conversation_id: Uuid) -> Result<(), ApiError> {
        session.require(DESK_PERMISSION)?;
        if !self.is_agent_of(session, conversation_id).await? {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "conversation.not_your_conversation",
                "you can type only in your own open conversations",
            ));
        }
        let name = self.display_name(session.tenant_id, session.user_id).await;
        self.hub().publish_typing(
            session.tenant_id,
            hotline_domain::conversation::stream_id(conversation_id),
            conversation_id,
            crate::live::TypingAuthor::Agent { agent_id: session.user_id, name },
        );
        Ok(())
    }

    pub async fn live_board(&self, session: &Session) -> Result<LiveBoardView, ApiError> {
        session.require(SUPERVISE_PERMISSION)?;
        self.read_acd(session.tenant_id, live_board).await
    }

    /// Queues and agents a conversation may be transferred to.
    pub async fn transfer_targets(&self, session: &Session) -> Result<LiveBoardView, ApiError> {
        session.require(DESK_PERMISSION)?;
        self.read_acd(session.tenant_id, live_board).await
    }
}
