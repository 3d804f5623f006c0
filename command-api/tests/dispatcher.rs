//! The dispatcher against a real SQLite store: idempotency, conflicts, metadata, bad input.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::Utc;
use hotline_command_api::{CommandMeta, Dispatcher};
use hotline_domain::access::BuiltInRole;
use hotline_domain::identity::tenant::{Tenant, TenantCommand};
use hotline_domain::identity::user::{User, UserCommand};
use hotline_domain::identity::{tenant_id_for_slug, user_id_for_username};
use hotline_domain::{Actor, ExpectedVersion, NewEvent, StreamId};
use hotline_infra::store::sqlite::SqliteEventStore;
use hotline_infra::store::{AppendRequest, Direction, Scope, SharedEventStore};
use uuid::Uuid;

async fn store() -> SharedEventStore {
    let dir: PathBuf = std::env::temp_dir().join(format!("hotline-dispatcher-{}", Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    Arc::new(SqliteEventStore::open(&dir.join("events.db")).await.unwrap())
}

fn meta(tenant_id: Uuid) -> CommandMeta {
    CommandMeta::new(Uuid::now_v7(), tenant_id, Actor::system("test"), Utc::now())
}

async fn tenant(dispatcher: &Dispatcher, slug: &str) -> Uuid {
    let tenant_id = tenant_id_for_slug(slug);
    let command = TenantCommand::CreateTenant { slug: slug.into(), name: "Acme".into(), parent_tenant_id: None };
    dispatcher.dispatch::<Tenant>(&meta(tenant_id), &command).await.unwrap();
    tenant_id
}

fn create_user(tenant_id: Uuid, username: &str) -> UserCommand {
    UserCommand::CreateUser {
        tenant_id,
        username: username.into(),
        display_name: "Ann".into(),
        role_ids: vec![BuiltInRole::Agent.id()],
        org_unit_id: None,
        credential_id: Uuid::now_v7(),
        email: None,
    }
}

#[tokio::test]
async fn same_command_id_twice_gives_the_same_outcome_and_appends_nothing() {
    let store = store().await;
    let dispatcher = Dispatcher::new(store.clone(), 1024 * 1024);
    let tenant_id = tenant(&dispatcher, "acme").await;
    let meta = meta(tenant_id);
    let first = dispatcher.dispatch::<User>(&meta, &create_user(tenant_id, "ann")).await.unwrap();
    let head = store.head_position().await.unwrap();
    let second = dispatcher.dispatch::<User>(&meta, &create_user(tenant_id, "ann")).await.unwrap();
    assert!(!first.duplicate);
    assert!(second.duplicate);
    assert_eq!((first.first_position, first.stream_version), (second.first_position, second.stream_version));
    assert_eq!(store.head_position().await.unwrap(), head);
}

#[tokio::test]
async fn records_tenant_actor_correlation_and_causation() {
    let store = store().await;
    let dispatcher = Dispatcher::new(store.clone(), 1024 * 1024);
    let tenant_id = tenant(&dispatcher, "acme").await;
    let mut meta = meta(tenant_id);
    meta.actor = Actor::user(Uuid::from_u128(42));
    meta.correlation_id = Uuid::from_u128(7);
    meta.causation_id = Uuid::from_u128(8);
    let outcome = dispatcher.dispatch::<User>(&meta, &create_user(tenant_id, "ann")).await.unwrap();
    let events = store.read_all(Scope::Tenant(tenant_id), outcome.first_position.unwrap() - 1, 10).await.unwrap();
    let event = &events[0];
    assert_eq!(event.tenant_id, tenant_id);
    assert_eq!(event.actor, Actor::user(Uuid::from_u128(42)));
    assert_eq!((event.correlation_id, event.causation_id), (Uuid::from_u128(7), Uuid::from_u128(8)));
    assert_eq!(
        event.occurred_at,
        hotline_domain::NewEvent::new(Uuid::nil(), "x", 1, meta.occurred_at, serde_json::Value::Null).occurred_at
    );
}

#[tokio::test]
async fn concurrent_password_changes_on_one_user_are_retried_not_lost() {
    let store = store().await;
    let dispatcher = Arc::new(Dispatcher::new(store.clone(), 1024 * 1024));
    let tenant_id = tenant(&dispatcher, "acme").await;
    dispatcher.dispatch::<User>(&meta(tenant_id), &create_user(tenant_id, "ann")).await.unwrap();
    let user_id = user_id_for_username(tenant_id, "ann");
    let changes = (0..12).map(|_| {
        let dispatcher = dispatcher.clone();
        tokio::spawn(async move {
            let command = UserCommand::ChangePassword { user_id, credential_id: Uuid::now_v7() };
            dispatcher.dispatch::<User>(&meta(tenant_id), &command).await
        })
    });
    for change in futures::future::join_all(changes).await {
        change.unwrap().unwrap();
    }
    let stream = StreamId::new("user", user_id);
    assert_eq!(store.stream_version(tenant_id, &stream).await.unwrap(), 13);
}

#[tokio::test]
async fn a_state_loaded_before_the_stream_moved_on_is_loaded_again_not_trusted() {
    let store = store().await;
    let dispatcher = Dispatcher::new(store.clone(), 1024 * 1024);
    let tenant_id = tenant(&dispatcher, "acme").await;
    dispatcher.dispatch::<User>(&meta(tenant_id), &create_user(tenant_id, "ann")).await.unwrap();
    let user_id = user_id_for_username(tenant_id, "ann");
    let stream = StreamId::new("user", user_id);
    let loaded = dispatcher.load::<User>(tenant_id, &stream).await.unwrap();
    assert_eq!(loaded.1, 1);
    let change = || UserCommand::ChangePassword { user_id, credential_id: Uuid::now_v7() };
    // Another command lands between the caller's load and its dispatch.
    dispatcher.dispatch::<User>(&meta(tenant_id), &change()).await.unwrap();
    let outcome = dispatcher.dispatch_loaded::<User>(&meta(tenant_id), &change(), Some(loaded)).await.unwrap();
    assert_eq!(outcome.stream_version, 3, "appended after the other change, not over it");
    // A fresh state is used as it is: one load fewer, the same result.
    let fresh = dispatcher.load::<User>(tenant_id, &stream).await.unwrap();
    let outcome = dispatcher.dispatch_loaded::<User>(&meta(tenant_id), &change(), Some(fresh)).await.unwrap();
    assert_eq!(outcome.stream_version, 4);
}

#[tokio::test]
async fn a_rule_broken_or_an_unknown_tenant_appends_nothing() {
    let store = store().await;
    let dispatcher = Dispatcher::new(store.clone(), 1024 * 1024);
    let tenant_id = tenant(&dispatcher, "acme").await;
    dispatcher.dispatch::<User>(&meta(tenant_id), &create_user(tenant_id, "ann")).await.unwrap();
    let head = store.head_position().await.unwrap();

    let taken = dispatcher.dispatch::<User>(&meta(tenant_id), &create_user(tenant_id, "ANN")).await.unwrap_err();
    assert_eq!(taken.code, "user.username_taken");
    let stranger = Uuid::from_u128(99);
    let unknown = dispatcher.dispatch::<User>(&meta(stranger), &create_user(stranger, "bob")).await.unwrap_err();
    assert_eq!(unknown.code, "tenant.not_found");
    assert_eq!(store.head_position().await.unwrap(), head);
}

#[tokio::test]
async fn a_payload_over_the_limit_is_refused_before_anything_is_appended() {
    let store = store().await;
    let dispatcher = Dispatcher::new(store.clone(), 200);
    let tenant_id = tenant(&dispatcher, "acme").await;
    let head = store.head_position().await.unwrap();
    let mut command = create_user(tenant_id, "ann");
    if let UserCommand::CreateUser { display_name, .. } = &mut command {
        *display_name = "x".repeat(100);
    }
    let refused = dispatcher.dispatch::<User>(&meta(tenant_id), &command).await.unwrap_err();
    assert_eq!(refused.code, "command.payload_too_large");
    assert_eq!(store.head_position().await.unwrap(), head);
}

#[tokio::test]
async fn a_stream_holding_an_unknown_event_type_is_refused_with_a_clear_code() {
    let store = store().await;
    let dispatcher = Dispatcher::new(store.clone(), 1024 * 1024);
    let tenant_id = tenant(&dispatcher, "acme").await;
    let user_id = user_id_for_username(tenant_id, "ann");
    let stream_id = StreamId::new("user", user_id);
    store
        .append(AppendRequest {
            tenant_id,
            stream_id: stream_id.clone(),
            expected_version: ExpectedVersion::NoStream,
            actor: Actor::system("test"),
            correlation_id: Uuid::now_v7(),
            causation_id: Uuid::now_v7(),
            command_id: None,
            events: vec![NewEvent::new(
                Uuid::now_v7(),
                "hotline.user.teleported",
                1,
                Utc::now(),
                serde_json::json!({}),
            )],
        })
        .await
        .unwrap();
    let head = store.head_position().await.unwrap();
    let command = UserCommand::ChangePassword { user_id, credential_id: Uuid::now_v7() };
    let refused = dispatcher.dispatch::<User>(&meta(tenant_id), &command).await.unwrap_err();
    assert_eq!(refused.code, "event.unknown_type");
    assert_eq!(store.head_position().await.unwrap(), head);
    let stored = store.read_stream(tenant_id, &stream_id, Direction::Forwards, 1, 10).await.unwrap();
    assert_eq!(stored.len(), 1);
}
