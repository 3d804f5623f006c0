//! The web chat service: visitors, agents at the desk, supervisors and administrators.
//!
//! Two streams move together: a conversation (`conversation-<id>`, what was said) and the
//! tenant's ACD (`acd-<tenant>`, who serves it; the ACD contact id is the conversation id).
//! A change to one causes a command to the other ([`reactions`]): the service runs that
//! command itself, right after its own, so the caller sees both; the reactor process runs it
//! again from the log after a crash in between, and the deterministic command id makes the
//! second run a no-op.
//!
//! Layout: [`visitor`] (visitor tokens, the widget's operations), [`desk`] (the agent's
//! presence, offers and conversations; the supervisor's live board), [`admin`] (queues,
//! agents' routing, widget settings), [`reactions`] (the process manager), [`http`] (the
//! visitor WebSocket, uploads and downloads).

pub mod admin;
pub mod desk;
pub mod http;
pub mod reactions;
pub mod visitor;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use hotline_domain::acd::{Acd, AcdAction, AcdCommand, AcdState};
use hotline_domain::conversation::{Conversation, ConversationAction, ConversationCommand, ConversationState};
use hotline_domain::identity::user::{self, User};
use hotline_domain::{Actor, EventEnvelope, StreamId};
use hotline_infra::blobs::BlobStore;
use hotline_infra::store::Scope;
use uuid::Uuid;

use crate::auth::TokenSigner;
use crate::dispatcher::{CachedStreams, CommandMeta, CommandOutcome, Dispatcher};
use crate::error::ApiError;
use crate::live::LiveHub;

/// The largest upload, in bytes.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
/// What may be uploaded: pictures, PDF, plain text, and office documents.
pub const ALLOWED_UPLOAD_TYPES: [&str; 8] = [
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
];

#[derive(Clone)]
pub struct ChatService {
    inner: Arc<Inner>,
}

struct Inner {
    dispatcher: Arc<Dispatcher>,
    acd: CachedStreams<Acd>,
    hub: LiveHub,
    blobs: BlobStore,
    signer: TokenSigner,
    /// Display names of users by id; a name changes rarely and a stale one only shows.
    names: RwLock<HashMap<Uuid, String>>,
}

impl ChatService {
    pub fn new(dispatcher: Arc<Dispatcher>, hub: LiveHub, blobs: BlobStore, signer: TokenSigner) -> Self {
        let acd = CachedStreams::new(dispatcher.clone());
        Self { inner: Arc::new(Inner { dispatcher, acd, hub, blobs, signer, names: RwLock::new(HashMap::new()) }) }
    }

    pub fn hub(&self) -> &LiveHub {
        &self.inner.hub
    }

    pub fn blobs(&self) -> &BlobStore {
        &self.inner.blobs
    }

    pub fn dispatcher(&self) -> &Arc<Dispatcher> {
        &self.inner.dispatcher
    }

    /// Reads the tenant's routing state, up to date with the log.
    pub async fn read_acd<R>(&self, tenant_id: Uuid, read: impl FnOnce(&AcdState) -> R) -> Result<R, ApiError> {
        self.inner.acd.read(tenant_id, &hotline_domain::acd::stream_id(tenant_id), read).await
    }

    /// The tenants whose ACD this process has loaded (the ticker's round).
    pub fn acd_tenants(&self) -> Vec<Uuid> {
        self.inner.acd.cached_streams().iter().map(StreamId::aggregate_id).collect()
    }

    /// A routing command from another channel's adapter (the SIP server's calls), through
    /// the same cached ACD stream and reactions as chat's own.
    pub async fn route_contact(&self, meta: &CommandMeta, action: AcdAction) -> Result<CommandOutcome, ApiError> {
        self.acd_command(meta, action).await
    }

    async fn acd_command(&self, meta: &CommandMeta, action: AcdAction) -> Result<CommandOutcome, ApiError> {
        let command = AcdCommand { tenant_id: meta.tenant_id, at: meta.occurred_at, action };
        let (outcome, _) = self.inner.acd.dispatch(meta, &command).await?;
        self.react_to(meta.tenant_id, &outcome).await;
        Ok(outcome)
    }

    async fn conversation_command(
        &self,
        meta: &CommandMeta,
        conversation_id: Uuid,
        action: ConversationAction,
    ) -> Result<CommandOutcome, ApiError> {
        let command = ConversationCommand { tenant_id: meta.tenant_id, conversation_id, at: meta.occurred_at, action };
        let outcome = self.inner.dispatcher.dispatch::<Conversation>(meta, &command).await?;
        self.react_to(meta.tenant_id, &outcome).await;
        Ok(outcome)
    }

    /// Runs the reactions to what a command appended, now, so that the caller's next read
    /// sees them. A failure is logged: the reactor will run them again from the log.
    async fn react_to(&self, tenant_id: Uuid, outcome: &CommandOutcome) {
        let (Some(first), Some(last)) = (outcome.first_position, outcome.last_position) else { return };
        let appended = match self
            .inner
            .dispatcher
            .store()
            .read_all(Scope::Tenant(tenant_id), first - 1, usize::try_from(last - first + 1).unwrap_or(1))
            .await
        {
            Ok(appended) => appended,
            Err(error) => {
                tracing::warn!(%error, "reading back a command's events for its reactions");
                return;
            }
        };
        for envelope in appended {
            if let Err(error) = self.react(&envelope).await {
                tracing::warn!(%error, position = envelope.global_position, "a reaction failed; the reactor retries it");
            }
        }
    }

    /// Runs the commands an event causes; see [`reactions::reactions_to`].
    pub async fn react(&self, envelope: &EventEnvelope) -> Result<(), ApiError> {
        for reaction in reactions::reactions_to(envelope) {
            let meta = CommandMeta {
                command_id: reaction.command_id,
                tenant_id: envelope.tenant_id,
                actor: Actor::system(reactions::ACTOR),
                occurred_at: envelope.occurred_at,
                correlation_id: envelope.correlation_id,
                causation_id: envelope.id,
            };
            let result = match reaction.command {
                reactions::Command::Acd(action) => {
                    let command = AcdCommand { tenant_id: envelope.tenant_id, at: envelope.occurred_at, action };
                    self.inner.acd.dispatch(&meta, &command).await.map(|_| ())
                }
                reactions::Command::Conversation { conversation_id, action } => {
                    let command = ConversationCommand {
                        tenant_id: envelope.tenant_id,
                        conversation_id,
                        at: envelope.occurred_at,
                        action,
                    };
                    self.inner.dispatcher.dispatch::<Conversation>(&meta, &command).await.map(|_| ())
                }
            };
            match result {
                Ok(()) => {}
                // The other side moved on already (the contact was finished, the
                // conversation is not a chat): nothing left to do.
                Err(error) if reaction.settled_by.contains(&error.code) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }

    /// Times out offers, ends sticky waits and overflows contacts whose time has come.
    pub async fn tick(&self, tenant_id: Uuid, now: DateTime<Utc>) -> Result<(), ApiError> {
        let due = self.read_acd(tenant_id, |state| state.next_deadline().is_some_and(|at| at <= now)).await?;
        if due {
            let meta = CommandMeta::new(Uuid::now_v7(), tenant_id, Actor::system("acd-ticker"), now);
            self.acd_command(&meta, AcdAction::Tick).await?;
        }
        Ok(())
    }

    pub(crate) async fn conversation_state(
        &self,
        tenant_id: Uuid,
        conversation_id: Uuid,
    ) -> Result<(ConversationState, u64), ApiError> {
        let stream_id = hotline_domain::conversation::stream_id(conversation_id);
        self.inner.dispatcher.load::<Conversation>(tenant_id, &stream_id).await
    }

    /// A conversation's events, oldest first.
    pub async fn conversation_events(
        &self,
        tenant_id: Uuid,
        conversation_id: Uuid,
    ) -> Result<Vec<EventEnvelope>, ApiError> {
        let stream_id = hotline_domain::conversation::stream_id(conversation_id);
        let mut events = Vec::new();
        loop {
            let page = self
                .inner
                .dispatcher
                .store()
                .read_stream(
                    tenant_id,
                    &stream_id,
                    hotline_infra::store::Direction::Forwards,
                    events.len() as u64 + 1,
                    1000,
                )
                .await?;
            let done = page.len() < 1000;
            events.extend(page);
            if done {
                return Ok(events);
            }
        }
    }

    /// A user's display name (their user name if the stream cannot be read).
    pub async fn display_name(&self, tenant_id: Uuid, user_id: Uuid) -> String {
        if let Some(name) = self.inner.names.read().expect("names lock poisoned").get(&user_id) {
            return name.clone();
        }
        let stream_id = StreamId::new(user::CONTEXT, user_id);
        let name = match self.inner.dispatcher.load::<User>(tenant_id, &stream_id).await {
            Ok((state, _)) if state.created.is_some() => state.display_name,
            _ => return user_id.to_string(),
        };
        self.inner.names.write().expect("names lock poisoned").insert(user_id, name.clone());
        name
    }
}
