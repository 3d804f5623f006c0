//! Administration of routing and the widget: queues, agents' routing profiles, and the chat
//! widget's settings with the snippet that embeds it. Everything here needs `acd.admin`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use async_graphql::{Context, Object};
use axum::http::StatusCode;
use chrono::Utc;
use hotline_command_api::chat::ChatService;
use hotline_command_api::chat::admin::ADMIN_PERMISSION;
use hotline_command_api::{ApiError, Session};
use hotline_domain::acd::{AgentProfile, Overflow, QueueDefinition, SkillRequirement};
use hotline_projections::UserFilter;
use uuid::Uuid;

use super::types::{AcdAgent, AcdQueue, AcdQueueInput, AgentRoutingInput, ChatWidgetInput, ChatWidgetSettings};
use crate::error::{OrGraphqlError, graphql_error};
use crate::identity::query::read_model_error;
use crate::schema::{GraphqlState, RequestOrigin, session};

/// A count from GraphQL as the domain takes it: out of range becomes a value the domain
/// refuses with its own code (a timeout over a day, a capacity over the limit).
fn count(value: i32) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// A level from GraphQL: out of range becomes 0, which the domain refuses.
fn level(value: i32) -> u8 {
    u8::try_from(value).unwrap_or(0)
}

fn invalid(message: &str) -> async_graphql::Error {
    graphql_error(ApiError::invalid_command(message))
}

fn queue_definition(queue_id: Uuid, input: AcdQueueInput) -> async_graphql::Result<QueueDefinition> {
    let required_skill = match (input.required_skill, input.minimum_skill_level) {
        (Some(skill), minimum_level) => Some(SkillRequirement { skill, minimum_level: minimum_level.map_or(1, level) }),
        (None, None) => None,
        (None, Some(_)) => return Err(invalid("minimumSkillLevel needs requiredSkill")),
    };
    let overflow = match (input.overflow_after_seconds, input.overflow_queue_id) {
        (Some(after_seconds), Some(to_queue_id)) => Some(Overflow { after_seconds: count(after_seconds), to_queue_id }),
        (None, None) => None,
        _ => return Err(invalid("overflowAfterSeconds and overflowQueueId go together")),
    };
    Ok(QueueDefinition {
        queue_id,
        name: input.name,
        strategy: input.strategy.into(),
        required_skill,
        customer_priority: input.customer_priority,
        sticky_agent_seconds: input.sticky_agent_seconds.map(count),
        overflow,
        offer_timeout_seconds: count(input.offer_timeout_seconds),
    })
}

fn agent_profile(input: AgentRoutingInput) -> AgentProfile {
    AgentProfile {
        agent_id: input.agent_id,
        capacity: input.capacity.into_iter().map(|entry| (entry.channel.into(), count(entry.capacity))).collect(),
        skills: input.skills.into_iter().map(|entry| (entry.skill, level(entry.level))).collect::<BTreeMap<_, _>>(),
        queue_ids: input.queue_ids.into_iter().collect::<BTreeSet<_>>(),
    }
}

/// `<script src="{origin}/widget/hotline-chat.js" data-tenant="{slug}" async></script>`, the
/// origin being the one the request came to (empty when unknown: a path on the same site).
async fn snippet(context: &Context<'_>, state: &GraphqlState, session: &Session) -> async_graphql::Result<String> {
    let origin = context.data_opt::<RequestOrigin>().map(|origin| origin.0.as_str()).unwrap_or_default();
    let slug = hotline_projections::get_tenant(&state.read_models, session.tenant_id)
        .await
        .map_err(read_model_error)?
        .map(|tenant| tenant.slug)
        .unwrap_or_default();
    Ok(format!(r#"<script src="{origin}/widget/hotline-chat.js" data-tenant="{slug}" async></script>"#))
}

#[derive(Default)]
pub struct AdminQuery;

#[Object]
impl AdminQuery {
    /// The tenant's queues, by name. Needs `acd.admin`.
    async fn acd_queues(&self, context: &Context<'_>) -> async_graphql::Result<Vec<AcdQueue>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        session.require(ADMIN_PERMISSION).or_graphql_error()?;
        let mut queues: Vec<AcdQueue> = state
            .chat
            .queues(session)
            .await
            .or_graphql_error()?
            .iter()
            .map(|queue| AcdQueue::from(&queue.definition))
            .collect();
        queues.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then(a.id.cmp(&b.id)));
        Ok(queues)
    }

    /// The tenant's users (the first 500 by user name) with their routing profiles; users
    /// without one yet are `registered: false`. Agents the first page does not reach follow.
    /// Needs `acd.admin`.
    async fn acd_agents(&self, context: &Context<'_>) -> async_graphql::Result<Vec<AcdAgent>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let mut agents: HashMap<Uuid, _> = state
            .chat
            .agents(session)
            .await
            .or_graphql_error()?
            .into_iter()
            .map(|agent| (agent.agent_id, agent))
            .collect();
        let users = hotline_projections::list_users(
            &state.read_models,
            session.tenant_id,
            &UserFilter::All,
            hotline_projections::MAX_PAGE_SIZE,
            None,
        )
        .await
        .map_err(read_model_error)?;
        let mut listed = Vec::with_capacity(users.len() + agents.len());
        for user in users {
            listed.push(match agents.remove(&user.user_id) {
                Some(agent) => AcdAgent::of_agent(&agent, user.display_name, user.username),
                None => AcdAgent::of_user(user.user_id, user.display_name, user.username),
            });
        }
        let mut rest: Vec<_> = agents.into_values().collect();
        rest.sort_by_key(|agent| agent.agent_id);
        for agent in rest {
            let user = hotline_projections::get_user(&state.read_models, session.tenant_id, agent.agent_id)
                .await
                .map_err(read_model_error)?;
            let (name, username) = match user {
                Some(user) => (user.display_name, user.username),
                None => (state.chat.display_name(session.tenant_id, agent.agent_id).await, String::new()),
            };
            listed.push(AcdAgent::of_agent(&agent, name, username));
        }
        Ok(listed)
    }

    /// The chat widget's settings (the defaults until first saved) and its snippet. Needs
    /// `acd.admin`.
    async fn chat_widget(&self, context: &Context<'_>) -> async_graphql::Result<ChatWidgetSettings> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let settings = state.chat.widget_settings_for(session).await.or_graphql_error()?;
        Ok(ChatWidgetSettings::new(settings, snippet(context, state, session).await?))
    }
}

#[derive(Default)]
pub struct AdminMutation;

#[Object]
impl AdminMutation {
    /// Defines a queue (`input.id` absent: a new one, named after the command id) or
    /// redefines it. Needs `acd.admin`.
    async fn define_acd_queue(
        &self,
        context: &Context<'_>,
        command_id: Option<Uuid>,
        input: AcdQueueInput,
    ) -> async_graphql::Result<AcdQueue> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        session.require(ADMIN_PERMISSION).or_graphql_error()?;
        let command_id = command_id.unwrap_or_else(Uuid::now_v7);
        let queue_id = input.id.unwrap_or_else(|| ChatService::queue_id_for_command(command_id));
        let definition = queue_definition(queue_id, input)?;
        let defined = state.chat.define_queue(session, command_id, definition, Utc::now()).await.or_graphql_error()?;
        Ok(AcdQueue::from(&defined))
    }

    /// Gives a user of your tenant a routing profile (capacity per channel, skills, queues),
    /// or changes it. Needs `acd.admin`.
    async fn set_agent_routing(
        &self,
        context: &Context<'_>,
        command_id: Option<Uuid>,
        input: AgentRoutingInput,
    ) -> async_graphql::Result<AcdAgent> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        session.require(ADMIN_PERMISSION).or_graphql_error()?;
        let command_id = command_id.unwrap_or_else(Uuid::now_v7);
        let user = hotline_projections::get_user(&state.read_models, session.tenant_id, input.agent_id)
            .await
            .map_err(read_model_error)?
            .ok_or_else(|| {
                graphql_error(ApiError::new(
                    StatusCode::NOT_FOUND,
                    "user.not_found",
                    format!("no user {} in your tenant", input.agent_id),
                ))
            })?;
        let agent = state
            .chat
            .set_agent_routing(session, command_id, agent_profile(input), Utc::now())
            .await
            .or_graphql_error()?;
        Ok(AcdAgent::of_agent(&agent, user.display_name, user.username))
    }

    /// Saves the chat widget's settings (all of them). Needs `acd.admin`.
    async fn update_chat_widget(
        &self,
        context: &Context<'_>,
        command_id: Option<Uuid>,
        input: ChatWidgetInput,
    ) -> async_graphql::Result<ChatWidgetSettings> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let command_id = command_id.unwrap_or_else(Uuid::now_v7);
        let settings =
            state.chat.configure_widget(session, command_id, input.into(), Utc::now()).await.or_graphql_error()?;
        Ok(ChatWidgetSettings::new(settings, snippet(context, state, session).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::types::{ChannelCapacityInput, ContactChannel, RoutingStrategy as Strategy};

    fn input() -> AcdQueueInput {
        AcdQueueInput {
            id: None,
            name: "Sales".into(),
            strategy: Strategy::SkillLevel,
            required_skill: None,
            minimum_skill_level: None,
            customer_priority: true,
            sticky_agent_seconds: Some(30),
            overflow_after_seconds: None,
            overflow_queue_id: None,
            offer_timeout_seconds: 20,
        }
    }

    #[test]
    fn a_queue_input_becomes_a_definition_and_back() {
        let queue_id = Uuid::from_u128(1);
        let overflow_to = Uuid::from_u128(2);
        let definition = queue_definition(
            queue_id,
            AcdQueueInput {
                required_skill: Some("billing".into()),
                overflow_after_seconds: Some(90),
                overflow_queue_id: Some(overflow_to),
                ..input()
            },
        )
        .unwrap();
        assert_eq!(definition.required_skill, Some(SkillRequirement { skill: "billing".into(), minimum_level: 1 }));
        assert_eq!(definition.overflow, Some(Overflow { after_seconds: 90, to_queue_id: overflow_to }));
        let queue = AcdQueue::from(&definition);
        assert_eq!(
            (queue.id, queue.minimum_skill_level, queue.overflow_queue_id),
            (queue_id, Some(1), Some(overflow_to))
        );
        assert_eq!(queue.strategy, Strategy::SkillLevel);
    }

    #[test]
    fn half_given_pairs_are_refused_and_out_of_range_numbers_left_to_the_domain() {
        let half_overflow = AcdQueueInput { overflow_after_seconds: Some(60), ..input() };
        assert!(queue_definition(Uuid::nil(), half_overflow).is_err());
        let level_without_skill = AcdQueueInput { minimum_skill_level: Some(3), ..input() };
        assert!(queue_definition(Uuid::nil(), level_without_skill).is_err());
        let negative = queue_definition(Uuid::nil(), AcdQueueInput { offer_timeout_seconds: -1, ..input() }).unwrap();
        assert_eq!(negative.offer_timeout_seconds, u32::MAX, "over a day: the domain refuses it");
        assert_eq!(level(300), 0);
        let profile = agent_profile(AgentRoutingInput {
            agent_id: Uuid::nil(),
            capacity: vec![ChannelCapacityInput { channel: ContactChannel::Chat, capacity: -2 }],
            skills: vec![],
            queue_ids: vec![Uuid::nil(), Uuid::nil()],
        });
        assert_eq!(profile.capacity.get(&hotline_domain::acd::Channel::Chat), Some(&u32::MAX));
        assert_eq!(profile.queue_ids.len(), 1);
    }
}
