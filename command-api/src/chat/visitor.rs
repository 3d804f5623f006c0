//! The visitor's side: who they are (a signed token, no account), the widget's settings, and
//! what they may do in their own conversations.

use chrono::{DateTime, Utc};
use hotline_domain::acd::{Channel, Presence};
use hotline_domain::chat_widget::{ChatWidget, WidgetSettings};
use hotline_domain::conversation::{Attachment, Author, ClosedBy, ConversationAction, Status, Visitor};
use hotline_domain::identity::tenant::{self, Tenant};
use hotline_domain::identity::tenant_id_for_slug;
use hotline_domain::{Actor, StreamId};
use uuid::Uuid;

use super::ChatService;
use crate::auth::VisitorClaims;
use crate::dispatcher::CommandMeta;
use crate::error::ApiError;

/// A visitor, as the WebSocket knows them once `hello` is through.
#[derive(Debug, Clone)]
pub struct VisitorSession {
    pub claims: VisitorClaims,
    pub token: String,
    /// What the visitor told us about themselves (kept on the conversations they start).
    pub profile: Visitor,
}

/// The widget's settings as a visitor's browser receives them.
#[derive(Debug, Clone)]
pub struct WidgetView {
    pub settings: WidgetSettings,
    /// Whether an agent of the widget's queue is available right now.
    pub agents_available: bool,
}

impl ChatService {
    /// The tenant of a slug, if it exists.
    pub async fn tenant_of_slug(&self, slug: &str) -> Result<Uuid, ApiError> {
        let tenant_id = tenant_id_for_slug(slug);
        self.dispatcher().ensure_tenant_exists(tenant_id).await.map_err(|_| {
            ApiError::new(axum::http::StatusCode::NOT_FOUND, "tenant.not_found", format!("no tenant {slug:?}"))
        })?;
        Ok(tenant_id)
    }

    /// The visitor of a token, or a new visitor when there is no token.
    pub fn visitor(&self, tenant_id: Uuid, token: Option<&str>) -> Result<(VisitorClaims, String), ApiError> {
        match token {
            Some(token) => {
                let claims = self.inner.signer.verify_visitor(token)?;
                if claims.tenant_id != tenant_id {
                    return Err(ApiError::new(
                        axum::http::StatusCode::UNAUTHORIZED,
                        "chat.bad_token",
                        "the visitor token is for another tenant",
                    ));
                }
                Ok((claims, token.to_owned()))
            }
            None => {
                let claims = VisitorClaims { tenant_id, visitor_id: Uuid::now_v7() };
                Ok((claims, self.inner.signer.issue_visitor(&claims)))
            }
        }
    }

    /// The tenant's widget settings, or the defaults named after the tenant.
    pub async fn widget_settings(&self, tenant_id: Uuid) -> Result<WidgetSettings, ApiError> {
        let stream_id = hotline_domain::chat_widget::stream_id(tenant_id);
        let (state, _) = self.dispatcher().load::<ChatWidget>(tenant_id, &stream_id).await?;
        if let Some(settings) = state.settings {
            return Ok(settings);
        }
        let (tenant, _) =
            self.dispatcher().load::<Tenant>(tenant_id, &StreamId::new(tenant::CONTEXT, tenant_id)).await?;
        let name = tenant.effective_settings().map(|settings| settings.organisation_name).unwrap_or_default();
        Ok(WidgetSettings::default_for(&name))
    }

    pub async fn widget(&self, tenant_id: Uuid) -> Result<WidgetView, ApiError> {
        let settings = self.widget_settings(tenant_id).await?;
        let agents_available =
            match settings.queue_id {
                None => false,
                Some(queue_id) => {
                    self.read_acd(tenant_id, |state| {
                        state.queues.get(&queue_id).is_some_and(|queue| {
                            queue.members.iter().filter_map(|agent_id| state.agents.get(agent_id)).any(|agent| {
                                agent.presence == Presence::Available && agent.capacity_for(Channel::Chat) > 0
                            })
                        })
                    })
                    .await?
                }
            };
        Ok(WidgetView { settings, agents_available })
    }

    fn visitor_meta(visitor: &VisitorSession, command_id: Uuid, now: DateTime<Utc>) -> CommandMeta {
        let actor = Actor::system(&format!("visitor:{}", visitor.claims.visitor_id));
        CommandMeta::new(command_id, visitor.claims.tenant_id, actor, now)
    }

    /// The visitor's conversation, refused as not found when it is someone else's.
    async fn own_conversation(
        &self,
        visitor: &VisitorSession,
        conversation_id: Uuid,
    ) -> Result<hotline_domain::conversation::ConversationState, ApiError> {
        let (state, _) = self.conversation_state(visitor.claims.tenant_id, conversation_id).await?;
        if state.status == Status::NotStarted || state.visitor.visitor_id != visitor.claims.visitor_id {
            return Err(ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                "conversation.not_found",
                format!("no conversation {conversation_id}"),
            ));
        }
        Ok(state)
    }

    /// Posts a visitor's message, starting a conversation first when `conversation_id` is
    /// none or closed. Returns the conversation and the message's seq; a client id already
    /// posted returns its first seq and posts nothing.
    pub async fn post_visitor_message(
        &self,
        visitor: &VisitorSession,
        conversation_id: Option<Uuid>,
        client_id: &str,
        text: Option<String>,
        attachment_id: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<(Uuid, u32), ApiError> {
        let tenant_id = visitor.claims.tenant_id;
        let open = match conversation_id {
            Some(conversation_id) => {
                let state = self.own_conversation(visitor, conversation_id).await?;
                (state.status != Status::Closed || state.seq_of(client_id).is_some()).then_some(conversation_id)
            }
            None => None,
        };
        let conversation_id = match open {
            Some(conversation_id) => conversation_id,
            None => {
                // Named after the first message: resending it before the answer came starts
                // the same conversation, not a second one.
                let conversation_id = Uuid::new_v5(&visitor.claims.visitor_id, format!("chat:{client_id}").as_bytes());
                let queue_id = self.widget_settings(tenant_id).await?.queue_id.ok_or_else(|| {
                    ApiError::new(
                        axum::http::StatusCode::SERVICE_UNAVAILABLE,
                        "chat_widget.no_queue",
                        "the chat has no queue yet; an administrator sets one in the widget settings",
                    )
                })?;
                let start = ConversationAction::Start {
                    channel: Channel::Chat,
                    queue_id,
                    visitor: Visitor { visitor_id: visitor.claims.visitor_id, ..visitor.profile.clone() },
                    priority: 0,
                };
                let meta = Self::visitor_meta(visitor, Uuid::new_v5(&conversation_id, b"start"), now);
                self.conversation_command(&meta, conversation_id, start).await?;
                conversation_id
            }
        };
        let attachment = match attachment_id {
            None => None,
            Some(attachment_id) => Some(self.attachment(tenant_id, attachment_id).await?),
        };
        let action = ConversationAction::PostMessage {
            client_id: client_id.to_owned(),
            author: Author::Visitor,
            text,
            attachment,
        };
        let meta = Self::visitor_meta(visitor, Uuid::now_v7(), now);
        self.conversation_command(&meta, conversation_id, action).await?;
        let (state, _) = self.conversation_state(tenant_id, conversation_id).await?;
        let seq = state.seq_of(client_id).ok_or_else(|| ApiError::internal("a posted message has no seq"))?;
        Ok((conversation_id, seq))
    }

    pub async fn close_by_visitor(
        &self,
        visitor: &VisitorSession,
        conversation_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        self.own_conversation(visitor, conversation_id).await?;
        let meta = Self::visitor_meta(visitor, Uuid::now_v7(), now);
        let action = ConversationAction::Close { by: ClosedBy::Visitor, disposition: None };
        self.conversation_command(&meta, conversation_id, action).await.map(|_| ())
    }

    pub async fn rate(
        &self,
        visitor: &VisitorSession,
        conversation_id: Uuid,
        score: u8,
        comment: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        self.own_conversation(visitor, conversation_id).await?;
        let meta = Self::visitor_meta(visitor, Uuid::now_v7(), now);
        self.conversation_command(&meta, conversation_id, ConversationAction::Rate { score, comment }).await.map(|_| ())
    }

    /// An uploaded file of the tenant, as a message attachment.
    pub(crate) async fn attachment(&self, tenant_id: Uuid, attachment_id: Uuid) -> Result<Attachment, ApiError> {
        let info = self.blobs().info(tenant_id, attachment_id).await?.ok_or_else(|| {
            ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                "chat.attachment_not_found",
                format!("no uploaded file {attachment_id}"),
            )
        })?;
        Ok(Attachment { attachment_id, name: info.name, content_type: info.content_type, size: info.size })
    }
}
