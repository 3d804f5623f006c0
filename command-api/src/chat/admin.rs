//! Administration of routing and the widget: queues, agents' routing profiles, and the
//! widget's settings. Every command needs `acd.admin`.

use chrono::{DateTime, Utc};
use hotline_domain::acd::{AcdAction, Agent, AgentProfile, Queue, QueueDefinition};
use hotline_domain::chat_widget::{ChatWidget, ConfigureWidget, WidgetSettings};
use uuid::Uuid;

use super::ChatService;
use crate::auth::Session;
use crate::dispatcher::CommandMeta;
use crate::error::ApiError;

pub const ADMIN_PERMISSION: &str = "acd.admin";

impl ChatService {
    fn admin_meta(session: &Session, command_id: Uuid, now: DateTime<Utc>) -> Result<CommandMeta, ApiError> {
        session.require(ADMIN_PERMISSION)?;
        Ok(CommandMeta::new(command_id, session.tenant_id, session.actor(), now))
    }

    /// The id a queue created by this command gets (a retried command names the same queue).
    pub fn queue_id_for_command(command_id: Uuid) -> Uuid {
        Uuid::new_v5(&command_id, b"acd-queue")
    }

    /// Defines a queue or redefines it (same id); returns it as it now stands.
    pub async fn define_queue(
        &self,
        session: &Session,
        command_id: Uuid,
        definition: QueueDefinition,
        now: DateTime<Utc>,
    ) -> Result<QueueDefinition, ApiError> {
        let meta = Self::admin_meta(session, command_id, now)?;
        let queue_id = definition.queue_id;
        self.acd_command(&meta, AcdAction::DefineQueue(definition)).await?;
        self.read_acd(session.tenant_id, |state| state.queues.get(&queue_id).map(|queue| queue.definition.clone()))
            .await?
            .ok_or_else(|| ApiError::internal("a defined queue is missing"))
    }

    /// Gives a user a routing profile, or changes it.
    pub async fn set_agent_routing(
        &self,
        session: &Session,
        command_id: Uuid,
        profile: AgentProfile,
        now: DateTime<Utc>,
    ) -> Result<Agent, ApiError> {
        let meta = Self::admin_meta(session, command_id, now)?;
        let agent_id = profile.agent_id;
        let registered = self.read_acd(session.tenant_id, |state| state.agents.contains_key(&agent_id)).await?;
        let action = if registered { AcdAction::UpdateAgent(profile) } else { AcdAction::RegisterAgent(profile) };
        self.acd_command(&meta, action).await?;
        self.read_acd(session.tenant_id, |state| state.agents.get(&agent_id).cloned())
            .await?
            .ok_or_else(|| ApiError::internal("a registered agent is missing"))
    }

    pub async fn queues(&self, session: &Session) -> Result<Vec<Queue>, ApiError> {
        if !session.has(ADMIN_PERMISSION) {
            session.require(super::desk::DESK_PERMISSION)?;
        }
        self.read_acd(session.tenant_id, |state| state.queues.values().cloned().collect()).await
    }

    pub async fn agents(&self, session: &Session) -> Result<Vec<Agent>, ApiError> {
        session.require(ADMIN_PERMISSION)?;
        self.read_acd(session.tenant_id, |state| state.agents.values().cloned().collect()).await
    }

    pub async fn configure_widget(
        &self,
        session: &Session,
        command_id: Uuid,
        settings: WidgetSettings,
        now: DateTime<Utc>,
    ) -> Result<WidgetSettings, ApiError> {
        let meta = Self::admin_meta(session, command_id, now)?;
        if let Some(queue_id) = settings.queue_id {
            let exists = self.read_acd(session.tenant_id, |state| state.queues.contains_key(&queue_id)).await?;
            if !exists {
                return Err(ApiError::new(
                    axum::http::StatusCode::NOT_FOUND,
                    "acd.queue_not_found",
                    format!("no queue {queue_id}"),
                ));
            }
        }
        let command = ConfigureWidget { tenant_id: session.tenant_id, settings: settings.clone() };
        self.dispatcher().dispatch::<ChatWidget>(&meta, &command).await?;
        Ok(settings)
    }

    pub async fn widget_settings_for(&self, session: &Session) -> Result<WidgetSettings, ApiError> {
        session.require(ADMIN_PERMISSION)?;
        self.widget_settings(session.tenant_id).await
    }
}

impl ChatService {
    /// A first queue for a new tenant, the given agents in it (one voice call and three chats
    /// at once), the widget pointing at it, and starter dispositions and canned replies: what
    /// a tenant needs to take its first chat.
    /// Parts already there are left as they are, so it can run on every start.
    pub async fn bootstrap_routing(
        &self,
        tenant_id: Uuid,
        queue_name: &str,
        agent_ids: &[Uuid],
        now: DateTime<Utc>,
    ) -> Result<Uuid, ApiError> {
        use hotline_domain::Actor;
        use hotline_domain::acd::{Channel, RoutingStrategy};
        let actor = Actor::system("bootstrap");
        let meta = |purpose: &str| {
            CommandMeta::new(Uuid::new_v5(&tenant_id, purpose.as_bytes()), tenant_id, actor.clone(), now)
        };
        let queue_id = Uuid::new_v5(&tenant_id, b"first-queue");
        let exists = self.read_acd(tenant_id, |state| state.queues.contains_key(&queue_id)).await?;
        if !exists {
            let definition = QueueDefinition {
                queue_id,
                name: queue_name.to_owned(),
                strategy: RoutingStrategy::LongestIdle,
                required_skill: None,
                customer_priority: true,
                sticky_agent_seconds: Some(30),
                overflow: None,
                offer_timeout_seconds: 30,
            };
            self.acd_command(&meta("first-queue"), AcdAction::DefineQueue(definition)).await?;
        }
        for agent_id in agent_ids {
            let registered = self.read_acd(tenant_id, |state| state.agents.contains_key(agent_id)).await?;
            if !registered {
                let profile = AgentProfile {
                    agent_id: *agent_id,
                    capacity: [(Channel::Voice, 1), (Channel::Chat, 3)].into(),
                    skills: Default::default(),
                    queue_ids: [queue_id].into(),
                };
                self.acd_command(&meta(&format!("first-agent:{agent_id}")), AcdAction::RegisterAgent(profile)).await?;
            }
        }
        self.bootstrap_code_list(
            tenant_id,
            "dispositions",
            "Dispositions",
            &[
                ("resolved", "Resolved"),
                ("follow_up", "Needs follow-up"),
                ("transferred_offline", "Handed to another team"),
                ("no_response", "Customer stopped answering"),
                ("spam", "Spam"),
            ],
            now,
        )
        .await?;
        self.bootstrap_code_list(
            tenant_id,
            "canned_replies",
            "Canned replies",
            &[
                ("greeting", "Hello! Thank you for contacting us. How can I help you today?"),
                ("order_number", "Could you give me your order number, please?"),
                ("checking", "Thank you. Let me check that for you; it will take a moment."),
                ("closing", "Is there anything else I can help you with?"),
            ],
            now,
        )
        .await?;
        let mut settings = self.widget_settings(tenant_id).await?;
        if settings.queue_id.is_none() {
            settings.queue_id = Some(queue_id);
            let command = ConfigureWidget { tenant_id, settings };
            self.dispatcher().dispatch::<ChatWidget>(&meta("first-widget"), &command).await?;
        }
        Ok(queue_id)
    }

    /// A code list the desk reads (dispositions, canned replies), unless the tenant has one.
    async fn bootstrap_code_list(
        &self,
        tenant_id: Uuid,
        code: &str,
        name: &str,
        entries: &[(&str, &str)],
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        use hotline_domain::Actor;
        use hotline_domain::dictionary::{self, Dictionary, DictionaryCommand, DictionaryEntry, ValueType};
        let dictionary_id = dictionary::dictionary_id_for_code(tenant_id, code);
        let stream_id = hotline_domain::StreamId::new(dictionary::CONTEXT, dictionary_id);
        let (state, _) = self.dispatcher().load::<Dictionary>(tenant_id, &stream_id).await?;
        if state.created.is_some() {
            return Ok(());
        }
        let meta = |purpose: &str| {
            let command_id = Uuid::new_v5(&dictionary_id, purpose.as_bytes());
            CommandMeta::new(command_id, tenant_id, Actor::system("bootstrap"), now)
        };
        let create = DictionaryCommand::CreateDictionary {
            tenant_id,
            code: code.to_owned(),
            name: name.to_owned(),
            value_type: ValueType::Text,
        };
        self.dispatcher().dispatch::<Dictionary>(&meta("create"), &create).await?;
        let entries = entries
            .iter()
            .zip(1..)
            .map(|((code, label), sort_order)| DictionaryEntry {
                code: (*code).to_owned(),
                label: (*label).to_owned(),
                sort_order,
                enabled: true,
            })
            .collect();
        self.dispatcher()
            .dispatch::<Dictionary>(&meta("entries"), &DictionaryCommand::SetEntries { dictionary_id, entries })
            .await?;
        Ok(())
    }
}
