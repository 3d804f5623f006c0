//! The agent's desk: presence, offers, conversations and their messages, canned replies and
//! dispositions, transfers; `deskEvents` and `conversationMessages` live.

use std::collections::{HashMap, HashSet, VecDeque};

use async_graphql::{Context, Object, Subscription};
use axum::http::StatusCode;
use chrono::Utc;
use futures::Stream;
use hotline_command_api::chat::desk::{DESK_PERMISSION, DeskView};
use hotline_command_api::live::{LiveItem, Topic, TypingAuthor};
use hotline_command_api::{ApiError, Session};
use hotline_domain::acd::{self, AcdEvent, Channel, TransferTarget};
use hotline_domain::conversation::{self, ConversationEvent};
use hotline_domain::{DomainEvent, EventEnvelope};
use hotline_projections::{MAX_PAGE_SIZE, MessageView, Party};
use tokio::sync::broadcast;
use uuid::Uuid;

use super::types::{
    AgentDesk, AgentPresence, CannedReply, ChannelCapacity, ChatMessage, ContactOffer, Conversation,
    ConversationSummary, DeskEvent, DeskEventKind, Disposition, PresenceState, QueueRef, TransferAgent,
    TransferTargets, skills,
};
use super::{
    catch_up_read_models, display_names, ensure_readable, message_from_log, message_from_posted, read_conversation,
    summaries, summary_of,
};
use crate::error::{OrGraphqlError, graphql_error};
use crate::identity::mutation::READ_YOUR_WRITES_TIMEOUT;
use crate::identity::query::read_model_error;
use crate::schema::{GraphqlState, session};

/// The dictionary of canned replies (entry code → code, label → text).
pub const CANNED_REPLIES_DICTIONARY: &str = "canned_replies";
/// The dictionary of the codes an agent closes a conversation with.
pub const DISPOSITIONS_DICTIONARY: &str = "dispositions";
/// The most earlier conversations `customerHistory` returns.
const HISTORY_LIMIT: usize = 50;

/// The desk as GraphQL shows it: the ACD's live view, the agent's open conversations from
/// the read model, and each offer's conversation.
async fn agent_desk(state: &GraphqlState, session: &Session, view: DeskView) -> async_graphql::Result<AgentDesk> {
    let open = hotline_projections::open_conversations_of_agent(&state.read_models, session.tenant_id, view.agent_id)
        .await
        .map_err(read_model_error)?;
    let conversations = summaries(state, session.tenant_id, &open).await?;
    let mut offers = Vec::with_capacity(view.offers.len());
    for offer in &view.offers {
        let conversation =
            hotline_projections::get_conversation(&state.read_models, session.tenant_id, offer.contact_id)
                .await
                .map_err(read_model_error)?;
        offers.push(ContactOffer {
            contact_id: offer.contact_id,
            conversation_id: offer.contact_id,
            channel: offer.channel.into(),
            queue: QueueRef { id: offer.queue_id, name: offer.queue_name.clone() },
            expires_at: offer.expires_at,
            visitor_name: conversation.and_then(|conversation| conversation.visitor_name),
        });
    }
    offers.sort_by_key(|offer| offer.expires_at);
    Ok(AgentDesk {
        agent_id: view.agent_id,
        registered: view.registered,
        presence: AgentPresence::new(&view.presence, view.presence_since),
        capacity: view.load.iter().map(ChannelCapacity::from).collect(),
        skills: skills(view.skills.iter().map(|(skill, level)| (skill, level))),
        queues: view.queues.iter().map(|(id, name)| QueueRef { id: *id, name: name.clone() }).collect(),
        offers,
        conversations,
    })
}

/// Messages of the read model with their authors' names.
async fn messages(
    state: &GraphqlState,
    tenant_id: Uuid,
    views: &[MessageView],
    visitor_name: Option<&str>,
) -> async_graphql::Result<Vec<ChatMessage>> {
    let names = display_names(state, tenant_id, views.iter().filter_map(|view| view.agent_id)).await?;
    Ok(views
        .iter()
        .map(|view| {
            let author_name = match view.author_kind {
                Party::Visitor => visitor_name.map(str::to_owned),
                Party::Agent => view.agent_id.and_then(|agent_id| names.get(&agent_id).cloned()),
                Party::System => None,
            };
            ChatMessage::from_view(view, author_name)
        })
        .collect())
}

/// The enabled entries of a dictionary as (code, label); none when there is no such
/// dictionary.
async fn dictionary_entries(
    state: &GraphqlState,
    tenant_id: Uuid,
    code: &str,
) -> async_graphql::Result<Vec<(String, String)>> {
    let dictionary =
        hotline_projections::get_dictionary(&state.read_models, tenant_id, code).await.map_err(read_model_error)?;
    Ok(dictionary
        .map(|dictionary| {
            dictionary
                .entries
                .into_iter()
                .filter(|entry| entry.enabled)
                .map(|entry| (entry.code, entry.label))
                .collect()
        })
        .unwrap_or_default())
}

#[derive(Default)]
pub struct DeskQuery;

#[Object]
impl DeskQuery {
    /// You as an agent: presence, routing profile, offers and open conversations. Needs
    /// `menu.desk`.
    async fn my_desk(&self, context: &Context<'_>) -> async_graphql::Result<AgentDesk> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let view = state.chat.desk(session).await.or_graphql_error()?;
        agent_desk(state, session, view).await
    }

    /// A conversation with its messages: one you were ever assigned, or any with
    /// `chat.supervise`. Otherwise `conversation.not_found`.
    async fn conversation(&self, context: &Context<'_>, id: Uuid) -> async_graphql::Result<Option<Conversation>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        ensure_readable(state, session, id).await?;
        let view =
            read_conversation(state, session.tenant_id, id).await?.ok_or_else(|| super::conversation_not_found(id))?;
        let summary = summaries(state, session.tenant_id, std::slice::from_ref(&view)).await?.remove(0);
        let mut all = Vec::new();
        loop {
            let after = all.last().map_or(0, |message: &MessageView| message.seq);
            let page = hotline_projections::list_messages(
                &state.read_models,
                session.tenant_id,
                id,
                after,
                MAX_PAGE_SIZE as usize,
            )
            .await
            .map_err(read_model_error)?;
            let done = page.len() < MAX_PAGE_SIZE as usize;
            all.extend(page);
            if done {
                break;
            }
        }
        let messages = messages(state, session.tenant_id, &all, view.visitor_name.as_deref()).await?;
        Ok(Some(Conversation { summary, messages, rating_comment: view.rating_comment }))
    }

    /// Earlier contacts of the same customer (same visitor, email or phone), newest first,
    /// without this one. The same permission as `conversation`.
    async fn customer_history(
        &self,
        context: &Context<'_>,
        conversation_id: Uuid,
    ) -> async_graphql::Result<Vec<ConversationSummary>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        ensure_readable(state, session, conversation_id).await?;
        let view = read_conversation(state, session.tenant_id, conversation_id)
            .await?
            .ok_or_else(|| super::conversation_not_found(conversation_id))?;
        let history = hotline_projections::customer_history(
            &state.read_models,
            session.tenant_id,
            view.visitor_id,
            view.visitor_email.as_deref(),
            view.visitor_phone.as_deref(),
            Some(conversation_id),
            HISTORY_LIMIT,
        )
        .await
        .map_err(read_model_error)?;
        summaries(state, session.tenant_id, &history).await
    }

    /// The enabled entries of the dictionary `canned_replies` (the label is the text).
    async fn canned_replies(&self, context: &Context<'_>) -> async_graphql::Result<Vec<CannedReply>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let entries = dictionary_entries(state, session.tenant_id, CANNED_REPLIES_DICTIONARY).await?;
        Ok(entries.into_iter().map(|(code, text)| CannedReply { code, text }).collect())
    }

    /// The enabled entries of the dictionary `dispositions`.
    async fn dispositions(&self, context: &Context<'_>) -> async_graphql::Result<Vec<Disposition>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let entries = dictionary_entries(state, session.tenant_id, DISPOSITIONS_DICTIONARY).await?;
        Ok(entries.into_iter().map(|(code, label)| Disposition { code, label }).collect())
    }

    /// The queues and the other registered agents a conversation may be transferred to.
    /// Needs `menu.desk`.
    async fn transfer_targets(&self, context: &Context<'_>) -> async_graphql::Result<TransferTargets> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let board = state.chat.transfer_targets(session).await.or_graphql_error()?;
        let others: Vec<_> = board.agents.iter().filter(|agent| agent.agent_id != session.user_id).collect();
        let names = display_names(state, session.tenant_id, others.iter().map(|agent| agent.agent_id)).await?;
        let mut queues: Vec<QueueRef> =
            board.queues.iter().map(|queue| QueueRef { id: queue.queue_id, name: queue.name.clone() }).collect();
        queues.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then(a.id.cmp(&b.id)));
        let mut agents: Vec<TransferAgent> = others
            .iter()
            .map(|agent| TransferAgent {
                agent_id: agent.agent_id,
                name: names.get(&agent.agent_id).cloned().unwrap_or_default(),
                presence: PresenceState::of(&agent.presence),
            })
            .collect();
        agents.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then(a.agent_id.cmp(&b.agent_id)));
        Ok(TransferTargets { queues, agents })
    }
}

#[derive(Default)]
pub struct DeskMutation;

#[Object]
impl DeskMutation {
    /// Sets your presence; `NOT_READY` and `BREAK` need a reason. Needs `menu.desk` and a
    /// routing profile (`acd.not_an_agent` otherwise).
    async fn set_presence(
        &self,
        context: &Context<'_>,
        command_id: Option<Uuid>,
        state: PresenceState,
        reason: Option<String>,
    ) -> async_graphql::Result<AgentDesk> {
        let (graphql, session) = (context.data::<GraphqlState>()?, session(context)?);
        let command_id = command_id.unwrap_or_else(Uuid::now_v7);
        let view = graphql
            .chat
            .set_presence(session, command_id, state.to_presence(reason), Utc::now())
            .await
            .or_graphql_error()?;
        agent_desk(graphql, session, view).await
    }

    /// Accepts a contact offered to you; returns its conversation, now assigned to you.
    async fn accept_offer(
        &self,
        context: &Context<'_>,
        command_id: Option<Uuid>,
        contact_id: Uuid,
    ) -> async_graphql::Result<ConversationSummary> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let command_id = command_id.unwrap_or_else(Uuid::now_v7);
        state.chat.accept_offer(session, command_id, contact_id, Utc::now()).await.or_graphql_error()?;
        catch_up_read_models(state).await;
        summary_of(state, session, contact_id).await
    }

    /// Rejects a contact offered to you; it goes to another agent.
    async fn reject_offer(
        &self,
        context: &Context<'_>,
        command_id: Option<Uuid>,
        contact_id: Uuid,
    ) -> async_graphql::Result<AgentDesk> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let command_id = command_id.unwrap_or_else(Uuid::now_v7);
        let view = state.chat.reject_offer(session, command_id, contact_id, Utc::now()).await.or_graphql_error()?;
        agent_desk(state, session, view).await
    }

    /// Posts a message in a conversation of yours: text, an uploaded file
    /// (`POST /chat/agent-upload`), or both. The same `clientId` again posts nothing and
    /// returns the first message.
    async fn send_chat_message(
        &self,
        context: &Context<'_>,
        command_id: Option<Uuid>,
        conversation_id: Uuid,
        client_id: String,
        text: Option<String>,
        attachment_id: Option<Uuid>,
    ) -> async_graphql::Result<ChatMessage> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let command_id = command_id.unwrap_or_else(Uuid::now_v7);
        let seq = state
            .chat
            .send_agent_message(session, command_id, conversation_id, &client_id, text, attachment_id, Utc::now())
            .await
            .or_graphql_error()?;
        catch_up_read_models(state).await;
        let page =
            hotline_projections::list_messages(&state.read_models, session.tenant_id, conversation_id, seq - 1, 1)
                .await
                .map_err(read_model_error)?;
        match page.first() {
            Some(view) if view.seq == seq => {
                let visitor_name = match view.author_kind {
                    Party::Visitor => read_conversation(state, session.tenant_id, conversation_id)
                        .await?
                        .and_then(|conversation| conversation.visitor_name),
                    _ => None,
                };
                Ok(messages(state, session.tenant_id, std::slice::from_ref(view), visitor_name.as_deref())
                    .await?
                    .remove(0))
            }
            _ => message_from_log(state, session.tenant_id, conversation_id, seq).await,
        }
    }

    /// Hands a conversation of yours to a queue or to another agent (exactly one of the two).
    async fn transfer_conversation(
        &self,
        context: &Context<'_>,
        command_id: Option<Uuid>,
        conversation_id: Uuid,
        to_queue_id: Option<Uuid>,
        to_agent_id: Option<Uuid>,
    ) -> async_graphql::Result<ConversationSummary> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let command_id = command_id.unwrap_or_else(Uuid::now_v7);
        let target = match (to_queue_id, to_agent_id) {
            (Some(queue_id), None) => TransferTarget::Queue { queue_id },
            (None, Some(agent_id)) => TransferTarget::Agent { agent_id },
            _ => {
                return Err(graphql_error(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "conversation.invalid_transfer",
                    "a transfer goes to one queue (toQueueId) or to one other agent (toAgentId)",
                )));
            }
        };
        state.chat.transfer(session, command_id, conversation_id, target, Utc::now()).await.or_graphql_error()?;
        catch_up_read_models(state).await;
        summary_of(state, session, conversation_id).await
    }

    /// Closes a conversation of yours with a disposition code (`conversation.invalid_disposition`
    /// without one).
    async fn close_conversation(
        &self,
        context: &Context<'_>,
        command_id: Option<Uuid>,
        conversation_id: Uuid,
        disposition: String,
    ) -> async_graphql::Result<ConversationSummary> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let command_id = command_id.unwrap_or_else(Uuid::now_v7);
        state
            .chat
            .close_by_agent(session, command_id, conversation_id, disposition, Utc::now())
            .await
            .or_graphql_error()?;
        catch_up_read_models(state).await;
        summary_of(state, session, conversation_id).await
    }

    /// You are typing in a conversation of yours: the visitor sees "… is typing" (nothing is
    /// stored). Send at most every two seconds while typing.
    async fn send_typing(&self, context: &Context<'_>, conversation_id: Uuid) -> async_graphql::Result<bool> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        state.chat.agent_typing(session, conversation_id).await.or_graphql_error()?;
        Ok(true)
    }
}

#[derive(Default)]
pub struct DeskSubscription;

#[Subscription]
impl DeskSubscription {
    /// What changes for you as an agent: offers, assignments, transfers, your conversations'
    /// messages, closes and ratings, your presence, the visitor typing. Refetch `myDesk` on
    /// any kind but `VISITOR_TYPING` and `MESSAGE`. Needs `menu.desk`.
    async fn desk_events(&self, context: &Context<'_>) -> async_graphql::Result<impl Stream<Item = DeskEvent> + use<>> {
        let state = context.data::<GraphqlState>()?.clone();
        let session = session(context)?.clone();
        session.require(DESK_PERMISSION).or_graphql_error()?;
        // Listen first, then read where things stand, so nothing falls between the two.
        let live = state.chat.hub().subscribe(Topic::Tenant(session.tenant_id));
        let mut watch = DeskWatch { state, session, live, offered: HashMap::new(), mine: HashSet::new() };
        watch.seed().await?;
        Ok(futures::stream::unfold(watch, |mut watch| async move { watch.next().await.map(|event| (event, watch)) }))
    }

    /// A conversation's messages after `afterSeq`: first those already posted, then each new
    /// one as it is posted, each once, in seq order. The same permission as `conversation`.
    async fn conversation_messages(
        &self,
        context: &Context<'_>,
        conversation_id: Uuid,
        #[graphql(default_with = "Some(0)")] after_seq: Option<u32>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<ChatMessage>> + use<>> {
        let state = context.data::<GraphqlState>()?.clone();
        let session = session(context)?.clone();
        ensure_readable(&state, &session, conversation_id).await?;
        // Listen first, then read the log: an event committed in between is in both, and the
        // stream version tells the copy apart.
        let live =
            state.chat.hub().subscribe(Topic::Stream(session.tenant_id, conversation::stream_id(conversation_id)));
        let mut watch = MessageWatch {
            state,
            tenant_id: session.tenant_id,
            conversation_id,
            live,
            after_seq: after_seq.unwrap_or(0),
            sent_version: 0,
            backlog: VecDeque::new(),
            visitor_name: None,
            names: HashMap::new(),
        };
        watch.catch_up().await?;
        // A supervisor may read any conversation of their tenant: one with nothing in the
        // tenant's log is none of theirs.
        if watch.sent_version == 0 {
            return Err(super::conversation_not_found(conversation_id));
        }
        Ok(futures::stream::unfold(watch, |mut watch| async move { watch.next().await.map(|item| (item, watch)) }))
    }
}

fn desk_event(kind: DeskEventKind, conversation_id: Option<Uuid>, contact_id: Option<Uuid>) -> DeskEvent {
    DeskEvent { kind, conversation_id, contact_id }
}

/// The conversation of a contact: text channels' contacts are conversations of the same id.
fn conversation_of(contact_id: Uuid, channel: Option<Channel>) -> Option<Uuid> {
    match channel {
        Some(Channel::Chat | Channel::Messaging) | None => Some(contact_id),
        Some(Channel::Voice | Channel::Email) => None,
    }
}

/// The state of one `deskEvents` stream.
struct DeskWatch {
    state: GraphqlState,
    session: Session,
    live: broadcast::Receiver<LiveItem>,
    /// Contacts on offer to the agent, with their channels.
    offered: HashMap<Uuid, Channel>,
    /// The agent's conversations (kept after they close, for their rating).
    mine: HashSet<Uuid>,
}

impl DeskWatch {
    /// Where the agent stands now: their offers (ACD) and conversations (ACD and read model).
    async fn seed(&mut self) -> async_graphql::Result<()> {
        let desk = self.state.chat.desk(&self.session).await.or_graphql_error()?;
        let open = hotline_projections::open_conversations_of_agent(
            &self.state.read_models,
            self.session.tenant_id,
            self.session.user_id,
        )
        .await
        .map_err(read_model_error)?;
        self.offered.extend(desk.offers.iter().map(|offer| (offer.contact_id, offer.channel)));
        self.mine.extend(desk.assigned);
        self.mine.extend(open.iter().map(|conversation| conversation.conversation_id));
        Ok(())
    }

    async fn next(&mut self) -> Option<DeskEvent> {
        loop {
            match self.live.recv().await {
                Ok(LiveItem::Event(envelope)) => {
                    if let Some(event) = self.on_event(&envelope) {
                        // The hub tells of an event as it is committed; the desk answers most
                        // events by reading the read models, so it hears of one only once
                        // they hold it (a rating read too early would never show).
                        if event.kind != DeskEventKind::Message {
                            self.state.projections.wait_for(envelope.global_position, READ_YOUR_WRITES_TIMEOUT).await;
                        }
                        return Some(event);
                    }
                }
                Ok(LiveItem::Typing { conversation_id, author: TypingAuthor::Visitor }) => {
                    if self.mine.contains(&conversation_id) {
                        return Some(desk_event(DeskEventKind::VisitorTyping, Some(conversation_id), None));
                    }
                }
                Ok(LiveItem::Typing { .. }) => {}
                // Too far behind the hub: what was missed is unknown, so start over from where
                // things stand and tell the desk to refetch.
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    if let Err(error) = self.seed().await {
                        tracing::warn!(error = %error.message, "resynchronising desk events");
                    }
                    return Some(desk_event(DeskEventKind::PresenceChanged, None, None));
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    fn on_event(&mut self, envelope: &EventEnvelope) -> Option<DeskEvent> {
        let me = self.session.user_id;
        match envelope.stream_id.context() {
            acd::CONTEXT => {
                let event =
                    AcdEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload).ok()?;
                match event {
                    AcdEvent::ContactOffered(offered) if offered.agent_id == me => {
                        self.offered.insert(offered.contact_id, offered.channel);
                        let conversation_id = conversation_of(offered.contact_id, Some(offered.channel));
                        Some(desk_event(DeskEventKind::Offered, conversation_id, Some(offered.contact_id)))
                    }
                    AcdEvent::OfferAccepted(answer)
                    | AcdEvent::OfferRejected(answer)
                    | AcdEvent::OfferTimedOut(answer)
                        if answer.agent_id == me || self.offered.contains_key(&answer.contact_id) =>
                    {
                        let channel = self.offered.remove(&answer.contact_id);
                        let conversation_id = conversation_of(answer.contact_id, channel);
                        Some(desk_event(DeskEventKind::OfferEnded, conversation_id, Some(answer.contact_id)))
                    }
                    AcdEvent::ContactAbandoned(abandoned)
                        if abandoned.agent_id == Some(me) || self.offered.contains_key(&abandoned.contact_id) =>
                    {
                        let channel = self.offered.remove(&abandoned.contact_id);
                        let conversation_id = conversation_of(abandoned.contact_id, channel);
                        Some(desk_event(DeskEventKind::OfferEnded, conversation_id, Some(abandoned.contact_id)))
                    }
                    AcdEvent::AgentPresenceChanged(changed) if changed.agent_id == me => {
                        Some(desk_event(DeskEventKind::PresenceChanged, None, None))
                    }
                    // A new or changed routing profile changes the desk as much.
                    AcdEvent::AgentRegistered(registered) | AcdEvent::AgentUpdated(registered)
                        if registered.agent.agent_id == me =>
                    {
                        Some(desk_event(DeskEventKind::PresenceChanged, None, None))
                    }
                    _ => None,
                }
            }
            conversation::CONTEXT => {
                let event =
                    ConversationEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
                        .ok()?;
                match event {
                    ConversationEvent::Assigned(assigned) if assigned.agent_id == me => {
                        self.mine.insert(assigned.conversation_id);
                        Some(desk_event(DeskEventKind::Assigned, Some(assigned.conversation_id), None))
                    }
                    ConversationEvent::Transferred(transferred) if transferred.from_agent_id == me => {
                        self.mine.remove(&transferred.conversation_id);
                        Some(desk_event(DeskEventKind::TransferredAway, Some(transferred.conversation_id), None))
                    }
                    ConversationEvent::Closed(closed) if self.mine.contains(&closed.conversation_id) => {
                        Some(desk_event(DeskEventKind::Closed, Some(closed.conversation_id), None))
                    }
                    ConversationEvent::Rated(rated) if self.mine.remove(&rated.conversation_id) => {
                        Some(desk_event(DeskEventKind::Rated, Some(rated.conversation_id), None))
                    }
                    ConversationEvent::MessagePosted(posted) if self.mine.contains(&posted.conversation_id) => {
                        Some(desk_event(DeskEventKind::Message, Some(posted.conversation_id), None))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// The state of one `conversationMessages` stream.
struct MessageWatch {
    state: GraphqlState,
    tenant_id: Uuid,
    conversation_id: Uuid,
    live: broadcast::Receiver<LiveItem>,
    /// The last seq sent (or the client's `afterSeq`).
    after_seq: u32,
    /// The last stream version looked at.
    sent_version: u64,
    backlog: VecDeque<ChatMessage>,
    visitor_name: Option<String>,
    names: HashMap<Uuid, String>,
}

impl MessageWatch {
    /// Reads the conversation from the log and queues what the client lacks.
    async fn catch_up(&mut self) -> async_graphql::Result<()> {
        let events =
            self.state.chat.conversation_events(self.tenant_id, self.conversation_id).await.or_graphql_error()?;
        for envelope in &events {
            self.take(envelope).await;
        }
        Ok(())
    }

    async fn take(&mut self, envelope: &EventEnvelope) {
        // The hub's stream topics are not per tenant: another tenant's stream of the same id
        // is none of the caller's business.
        if envelope.tenant_id != self.tenant_id || envelope.stream_version <= self.sent_version {
            return;
        }
        self.sent_version = envelope.stream_version;
        let Ok(event) =
            ConversationEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
        else {
            return;
        };
        match event {
            ConversationEvent::Started(started) => self.visitor_name = started.visitor.name,
            ConversationEvent::MessagePosted(posted) if posted.seq > self.after_seq => {
                self.after_seq = posted.seq;
                let message = message_from_posted(
                    &self.state,
                    self.tenant_id,
                    &posted,
                    self.visitor_name.as_deref(),
                    &mut self.names,
                )
                .await;
                self.backlog.push_back(message);
            }
            _ => {}
        }
    }

    async fn next(&mut self) -> Option<async_graphql::Result<ChatMessage>> {
        loop {
            if let Some(message) = self.backlog.pop_front() {
                return Some(Ok(message));
            }
            match self.live.recv().await {
                Ok(LiveItem::Event(envelope)) => self.take(&envelope).await,
                Ok(LiveItem::Typing { .. }) => {}
                // Too far behind the hub: read what was missed from the log.
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    if let Err(error) = self.catch_up().await {
                        return Some(Err(error));
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}
