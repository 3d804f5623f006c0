//! Web chat and routing for agents, supervisors and administrators (docs/chat.md, "Agent
//! side"): the agent's desk, conversations and their live messages, the supervisor's live
//! board, and the administration of queues, agents' routing and the widget.
//!
//! Resolvers call the [`ChatService`](hotline_command_api::chat::ChatService) (which checks
//! the permissions of every command and of the ACD's live state) and read conversations from
//! the `conversations` read model. Live updates come from the process's live hub, not from
//! polling.
//!
//! Layout: [`types`] (the GraphQL types), [`desk`] (the agent: `myDesk`, conversations,
//! offers, messages, `deskEvents`), [`supervisor`] (`liveBoard`), [`admin`] (queues, agents'
//! routing, the widget).

pub mod admin;
pub mod desk;
pub mod supervisor;
pub mod types;

use std::collections::{HashMap, HashSet};

use axum::http::StatusCode;
use hotline_command_api::{ApiError, Session};
use hotline_domain::DomainEvent;
use hotline_domain::conversation::{Author, ConversationEvent, MessagePosted};
use hotline_projections::{ConversationView, UserFilter, UserView};
use uuid::Uuid;

use crate::error::{OrGraphqlError, graphql_error};
use crate::identity::mutation::READ_YOUR_WRITES_TIMEOUT;
use crate::identity::query::read_model_error;
use crate::schema::GraphqlState;
use types::{ChatMessage, ConversationSummary, MessageAuthorKind};

pub use admin::{AdminMutation, AdminQuery};
pub use desk::{DeskMutation, DeskQuery, DeskSubscription};
pub use supervisor::{SupervisorQuery, SupervisorSubscription};

#[derive(async_graphql::MergedObject, Default)]
pub struct ChatQuery(DeskQuery, SupervisorQuery, AdminQuery);

#[derive(async_graphql::MergedObject, Default)]
pub struct ChatMutation(DeskMutation, AdminMutation);

#[derive(async_graphql::MergedSubscription, Default)]
pub struct ChatSubscription(DeskSubscription, SupervisorSubscription);

/// Above this many names, one page of the users read model is cheaper than a query each.
const NAMES_ONE_BY_ONE: usize = 8;

pub(crate) fn conversation_not_found(conversation_id: Uuid) -> async_graphql::Error {
    graphql_error(ApiError::new(
        StatusCode::NOT_FOUND,
        "conversation.not_found",
        format!("no conversation {conversation_id}"),
    ))
}

/// Lets a mutation's caller read its own write when the service does not say where its
/// events ended: waits (bounded) until the read models reach the head of the log.
pub(crate) async fn catch_up_read_models(state: &GraphqlState) {
    match state.store().head_position().await {
        Ok(head) => {
            state.projections.wait_for(head, READ_YOUR_WRITES_TIMEOUT).await;
        }
        Err(error) => tracing::warn!(%error, "reading the head of the log"),
    }
}

/// The names of the tenant's queues, by id, from the ACD's live state.
pub(crate) async fn queue_names(state: &GraphqlState, tenant_id: Uuid) -> async_graphql::Result<HashMap<Uuid, String>> {
    state
        .chat
        .read_acd(tenant_id, |acd| acd.queues.iter().map(|(id, queue)| (*id, queue.definition.name.clone())).collect())
        .await
        .or_graphql_error()
}

/// The tenant's users among `ids` (from the users read model), by id.
pub(crate) async fn users_by_id(
    state: &GraphqlState,
    tenant_id: Uuid,
    ids: &HashSet<Uuid>,
) -> async_graphql::Result<HashMap<Uuid, UserView>> {
    let mut found = HashMap::new();
    if ids.len() > NAMES_ONE_BY_ONE {
        let page = hotline_projections::list_users(
            &state.read_models,
            tenant_id,
            &UserFilter::All,
            hotline_projections::MAX_PAGE_SIZE,
            None,
        )
        .await
        .map_err(read_model_error)?;
        found.extend(page.into_iter().filter(|user| ids.contains(&user.user_id)).map(|user| (user.user_id, user)));
    }
    for id in ids {
        if found.contains_key(id) {
            continue;
        }
        if let Some(user) =
            hotline_projections::get_user(&state.read_models, tenant_id, *id).await.map_err(read_model_error)?
        {
            found.insert(*id, user);
        }
    }
    Ok(found)
}

/// Display names of users, by id; a user the read model does not have (yet) gets the name
/// the chat service knows.
pub(crate) async fn display_names(
    state: &GraphqlState,
    tenant_id: Uuid,
    ids: impl IntoIterator<Item = Uuid>,
) -> async_graphql::Result<HashMap<Uuid, String>> {
    let ids: HashSet<Uuid> = ids.into_iter().collect();
    let users = users_by_id(state, tenant_id, &ids).await?;
    let mut names = HashMap::with_capacity(ids.len());
    for id in ids {
        let name = match users.get(&id) {
            Some(user) => user.display_name.clone(),
            None => state.chat.display_name(tenant_id, id).await,
        };
        names.insert(id, name);
    }
    Ok(names)
}

/// Summaries of conversations of the caller's tenant, with queue and agent names.
pub(crate) async fn summaries(
    state: &GraphqlState,
    tenant_id: Uuid,
    views: &[ConversationView],
) -> async_graphql::Result<Vec<ConversationSummary>> {
    if views.is_empty() {
        return Ok(vec![]);
    }
    let queues = queue_names(state, tenant_id).await?;
    let names = display_names(state, tenant_id, views.iter().filter_map(|view| view.agent_id)).await?;
    Ok(views
        .iter()
        .map(|view| {
            let queue_name = queues.get(&view.queue_id).cloned().unwrap_or_default();
            let agent_name = view.agent_id.and_then(|agent_id| names.get(&agent_id).cloned());
            ConversationSummary::new(view, queue_name, agent_name)
        })
        .collect())
}

/// A conversation of the caller's tenant from the read model; when it is not there, waits
/// (bounded) for the read models to catch up with the log and looks again, so a conversation
/// just announced by a live event is found.
pub(crate) async fn read_conversation(
    state: &GraphqlState,
    tenant_id: Uuid,
    conversation_id: Uuid,
) -> async_graphql::Result<Option<ConversationView>> {
    let get = || hotline_projections::get_conversation(&state.read_models, tenant_id, conversation_id);
    if let Some(view) = get().await.map_err(read_model_error)? {
        return Ok(Some(view));
    }
    catch_up_read_models(state).await;
    get().await.map_err(read_model_error)
}

/// The summary of a conversation the caller may read, or `conversation.not_found`.
pub(crate) async fn summary_of(
    state: &GraphqlState,
    session: &Session,
    conversation_id: Uuid,
) -> async_graphql::Result<ConversationSummary> {
    let view = read_conversation(state, session.tenant_id, conversation_id)
        .await?
        .ok_or_else(|| conversation_not_found(conversation_id))?;
    Ok(summaries(state, session.tenant_id, std::slice::from_ref(&view)).await?.remove(0))
}

/// Refuses, as not found, a conversation the caller may not read (not theirs, another
/// tenant's, or none).
pub(crate) async fn ensure_readable(
    state: &GraphqlState,
    session: &Session,
    conversation_id: Uuid,
) -> async_graphql::Result<()> {
    if state.chat.may_read_conversation(session, conversation_id).await.or_graphql_error()? {
        Ok(())
    } else {
        Err(conversation_not_found(conversation_id))
    }
}

/// A message as it was posted (from the log), with its author's name.
pub(crate) async fn message_from_posted(
    state: &GraphqlState,
    tenant_id: Uuid,
    posted: &MessagePosted,
    visitor_name: Option<&str>,
    names: &mut HashMap<Uuid, String>,
) -> ChatMessage {
    let (author_kind, author_name) = match &posted.author {
        Author::Visitor => (MessageAuthorKind::Visitor, visitor_name.map(str::to_owned)),
        Author::System => (MessageAuthorKind::System, None),
        Author::Agent { agent_id } => {
            if !names.contains_key(agent_id) {
                let name = match display_names(state, tenant_id, [*agent_id]).await {
                    Ok(mut found) => found.remove(agent_id),
                    Err(_) => None,
                };
                let name = match name {
                    Some(name) => name,
                    None => state.chat.display_name(tenant_id, *agent_id).await,
                };
                names.insert(*agent_id, name);
            }
            (MessageAuthorKind::Agent, names.get(agent_id).cloned())
        }
    };
    ChatMessage {
        seq: posted.seq,
        client_id: posted.client_id.clone(),
        author_kind,
        author_name,
        text: posted.text.clone(),
        attachment: posted.attachment.as_ref().map(types::Attachment::from),
        at: posted.at,
    }
}

/// One message of a conversation, read from the log (the source of truth) when the read
/// model does not have it yet.
pub(crate) async fn message_from_log(
    state: &GraphqlState,
    tenant_id: Uuid,
    conversation_id: Uuid,
    seq: u32,
) -> async_graphql::Result<ChatMessage> {
    let events = state.chat.conversation_events(tenant_id, conversation_id).await.or_graphql_error()?;
    let mut visitor_name = None;
    for envelope in &events {
        let Ok(event) =
            ConversationEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
        else {
            continue;
        };
        match event {
            ConversationEvent::Started(started) => visitor_name = started.visitor.name,
            ConversationEvent::MessagePosted(posted) if posted.seq == seq => {
                let mut names = HashMap::new();
                return Ok(message_from_posted(state, tenant_id, &posted, visitor_name.as_deref(), &mut names).await);
            }
            _ => {}
        }
    }
    Err(graphql_error(ApiError::internal(format!("message {seq} of conversation {conversation_id} is missing"))))
}
