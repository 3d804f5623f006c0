//! What the benchmarks send: identity commands and user histories, built before the clock
//! starts, with the real deciders and the real event payloads.
//!
//! The commands go through `Dispatcher::dispatch::<User>` directly, not through the identity
//! service, so no password is hashed: a command names a made-up credential id, which is all
//! the event records anyway. Hashing would measure argon2, not the store.

use chrono::{DateTime, Utc};
use hotline_command_api::dispatcher::{CommandMeta, Dispatcher};
use hotline_domain::access::BuiltInRole;
use hotline_domain::identity::tenant::{Tenant, TenantCommand};
use hotline_domain::identity::user::{User, UserCommand, UserEvent, UserState};
use hotline_domain::identity::{tenant_id_for_slug, user_id_for_username};
use hotline_domain::{Actor, Decider, DomainEvent, EventEnvelope, ExpectedVersion, NewEvent};
use hotline_infra::store::{AppendRequest, EventStore, Scope};
use uuid::Uuid;

/// Events read per page when the log is read back.
const READ_PAGE: usize = 10_000;

pub(crate) fn bench_actor() -> Actor {
    Actor::system("bench")
}

/// Creates the tenant `slug` through the dispatcher, so that user commands find it.
pub(crate) async fn create_tenant(dispatcher: &Dispatcher, slug: &str, now: DateTime<Utc>) -> anyhow::Result<Uuid> {
    let tenant_id = tenant_id_for_slug(slug);
    let meta = CommandMeta::new(Uuid::now_v7(), tenant_id, bench_actor(), now);
    let command = TenantCommand::CreateTenant {
        slug: slug.to_owned(),
        name: format!("Benchmark {slug}"),
        parent_tenant_id: None,
    };
    dispatcher.dispatch::<Tenant>(&meta, &command).await?;
    Ok(tenant_id)
}

/// A `CreateUser` command: one `hotline.user.created` event on a stream of its own.
pub(crate) struct CreateUser {
    pub meta: CommandMeta,
    pub command: UserCommand,
}

/// `count` commands creating users `agent-0`, `agent-1`, ... of the tenant (distinct streams).
pub(crate) fn create_user_commands(tenant_id: Uuid, count: usize, now: DateTime<Utc>) -> Vec<CreateUser> {
    (0..count)
        .map(|number| CreateUser {
            meta: CommandMeta::new(Uuid::now_v7(), tenant_id, bench_actor(), now),
            command: create_user_command(tenant_id, &format!("agent-{number}")),
        })
        .collect()
}

/// The one place that knows the shape of `CreateUser`: an agent with a fresh credential id.
fn create_user_command(tenant_id: Uuid, username: &str) -> UserCommand {
    UserCommand::CreateUser {
        tenant_id,
        username: username.to_owned(),
        display_name: format!("Agent {username}"),
        role_ids: vec![BuiltInRole::Agent.id()],
        org_unit_id: None,
        credential_id: Uuid::now_v7(),
        email: None,
    }
}

/// One append request for a new user stream: `user.created`, then `events - 1`
/// `user.password_changed`, decided by the user decider itself.
pub(crate) fn user_history(tenant_id: Uuid, username: &str, events: usize, now: DateTime<Utc>) -> AppendRequest {
    debug_assert!(events >= 1);
    let create = create_user_command(tenant_id, username);
    let mut history = User::decide(&UserState::default(), &create).expect("a new agent with a valid name is created");
    let mut state = User::replay(&history);
    let user_id = user_id_for_username(tenant_id, username);
    while history.len() < events {
        let change = UserCommand::ChangePassword { user_id, credential_id: Uuid::now_v7() };
        let changed = User::decide(&state, &change).expect("an existing user may change the password");
        state = changed.iter().fold(state, User::evolve);
        history.extend(changed);
    }
    append_request(tenant_id, &create, &history, now)
}

/// One append request for a new user stream: `user.created`, then `events - 1`
/// `user.updated` (display name and role changes, each different from the one before, so the
/// user decider emits an event for every one), decided by the user decider itself.
pub(crate) fn user_history_with_updates(
    tenant_id: Uuid,
    username: &str,
    events: usize,
    now: DateTime<Utc>,
) -> AppendRequest {
    debug_assert!(events >= 1);
    let create = create_user_command(tenant_id, username);
    let mut history = User::decide(&UserState::default(), &create).expect("a new agent with a valid name is created");
    let mut state = User::replay(&history);
    let user_id = user_id_for_username(tenant_id, username);
    let roles = [BuiltInRole::Supervisor, BuiltInRole::Agent, BuiltInRole::Auditor];
    let mut change = 0;
    while history.len() < events {
        change += 1;
        let update = UserCommand::UpdateUser {
            user_id,
            display_name: format!("Agent {username} ({change})"),
            role_ids: vec![roles[change % roles.len()].id()],
            org_unit_id: None,
            email: None,
        };
        let updated = User::decide(&state, &update).expect("an existing user may be updated");
        debug_assert_eq!(updated.len(), 1, "every update changes the display name");
        state = updated.iter().fold(state, User::evolve);
        history.extend(updated);
    }
    append_request(tenant_id, &create, &history, now)
}

fn append_request(tenant_id: Uuid, create: &UserCommand, history: &[UserEvent], now: DateTime<Utc>) -> AppendRequest {
    let command_id = Uuid::now_v7();
    AppendRequest {
        tenant_id,
        stream_id: User::stream_id(create),
        expected_version: ExpectedVersion::NoStream,
        actor: bench_actor(),
        correlation_id: command_id,
        causation_id: command_id,
        command_id: Some(command_id),
        events: history.iter().map(|event| new_event(event, now)).collect(),
    }
}

fn new_event(event: &UserEvent, now: DateTime<Utc>) -> NewEvent {
    NewEvent::new(Uuid::now_v7(), event.event_type(), event.schema_version(), now, event.to_payload())
}

/// Dispatches one `CreateUser` command.
pub(crate) async fn dispatch_create_user(dispatcher: &Dispatcher, item: CreateUser) -> anyhow::Result<()> {
    dispatcher.dispatch::<User>(&item.meta, &item.command).await?;
    Ok(())
}

/// The whole log, in position order (not timed: it feeds the baselines the same rows).
pub(crate) async fn read_log(store: &dyn EventStore) -> anyhow::Result<Vec<EventEnvelope>> {
    let mut log = Vec::new();
    loop {
        let after = log.last().map(|envelope: &EventEnvelope| envelope.global_position).unwrap_or(0);
        let page = store.read_all(Scope::Global, after, READ_PAGE).await?;
        let page_len = page.len();
        log.extend(page);
        if page_len < READ_PAGE {
            return Ok(log);
        }
    }
}
