//! `UsersProjection::apply` on a whole batch (multi-row writes, folded updates) leaves exactly
//! the rows that applying the same events one at a time leaves, also over rows that exist.

mod common;

use chrono::Utc;
use common::{Backend, TestEnv, append, change_password, create_tenant, create_user, dump_table, new_events};
use hotline_domain::identity::Role;
use hotline_domain::identity::user::{CONTEXT, MAX_FAILED_LOGINS, User, UserCommand, UserEvent};
use hotline_domain::{Decider, DomainEvent, EventEnvelope, ExpectedVersion, StreamId};
use hotline_infra::store::{Direction, Scope, SharedEventStore};
use hotline_projections::runner::begin_write;
use hotline_projections::{Projection, UsersProjection};
use uuid::Uuid;

const USER_COLUMNS: &str = "tenant_id, user_id, username, username_key, display_name, role_ids, org_unit_id, locked_until, created_at, updated_at, position";

/// Decides `command` on the user's stream as it stands and appends what it decides.
async fn decide(store: &SharedEventStore, tenant_id: Uuid, user_id: Uuid, command: UserCommand) {
    let stream_id = StreamId::new(CONTEXT, user_id);
    let stored = store.read_stream(tenant_id, &stream_id, Direction::Forwards, 1, 1_000).await.expect("stream reads");
    let history: Vec<UserEvent> = stored
        .iter()
        .map(|envelope| UserEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload))
        .collect::<Result<_, _>>()
        .expect("stored user events decode");
    let events = User::decide(&User::replay(&history), &command).expect("the command is accepted");
    assert!(!events.is_empty(), "{command:?} decides something");
    let version = stored.last().map(|envelope| envelope.stream_version).unwrap_or(0);
    append(store, tenant_id, stream_id, ExpectedVersion::Exact(version), new_events(&events)).await;
}

fn update(user_id: Uuid, display_name: &str, roles: &[Role], org_unit_id: Option<Uuid>) -> UserCommand {
    UserCommand::UpdateUser {
        user_id,
        display_name: display_name.to_owned(),
        role_ids: roles.iter().map(|role| role.built_in().id()).collect(),
        org_unit_id,
        email: None,
    }
}

async fn lock_out(store: &SharedEventStore, tenant_id: Uuid, user_id: Uuid) {
    for _ in 0..MAX_FAILED_LOGINS {
        decide(store, tenant_id, user_id, UserCommand::RecordFailedLogin { user_id, at: Utc::now() }).await;
    }
}

/// Creates, several updates of one user (some back to back, some between other users'
/// events), lock-outs, unlocks and a password change, in two tenants.
async fn mixed_log(store: &SharedEventStore) -> Vec<EventEnvelope> {
    let (acme, _) = create_tenant(store, "acme").await;
    let (globex, _) = create_tenant(store, "globex").await;
    let (ann, _) = create_user(store, acme, "Ann", &[Role::Agent]).await;
    let (bob, _) = create_user(store, acme, "bob", &[Role::Agent]).await;
    let unit = Uuid::now_v7();
    decide(store, acme, ann, update(ann, "Ann One", &[Role::Supervisor], None)).await;
    decide(store, acme, ann, update(ann, "Ann Two", &[Role::Agent, Role::Supervisor], Some(unit))).await;
    decide(store, acme, ann, update(ann, "Ann Three", &[Role::Agent], Some(unit))).await;
    let (cid, _) = create_user(store, globex, "cid", &[Role::TenantAdmin]).await;
    lock_out(store, acme, bob).await;
    decide(store, acme, bob, update(bob, "Bob Locked", &[Role::Supervisor], None)).await;
    decide(store, acme, bob, UserCommand::Unlock { user_id: bob }).await;
    decide(store, acme, bob, update(bob, "Bob Free", &[Role::Agent], None)).await;
    decide(store, acme, ann, update(ann, "Ann Four", &[Role::Auditor], None)).await;
    change_password(store, globex, cid).await;
    lock_out(store, globex, cid).await;
    let (dan, _) = create_user(store, acme, "dan", &[Role::Agent]).await;
    lock_out(store, acme, dan).await;
    decide(store, acme, dan, UserCommand::Unlock { user_id: dan }).await;
    lock_out(store, acme, dan).await;
    decide(store, acme, dan, update(dan, "Dan Later", &[Role::Agent], Some(unit))).await;
    change_password(store, acme, ann).await;
    store.read_all(Scope::Global, 0, 10_000).await.expect("the log reads")
}

async fn apply(env: &TestEnv, suffix: &str, events: &[EventEnvelope]) {
    let mut connection = env.pool.acquire().await.expect("a connection");
    let mut transaction = begin_write(&mut connection).await.expect("a transaction");
    UsersProjection.apply(&mut transaction, suffix, events).await.expect("the events apply");
    transaction.commit().await.expect("the batch commits");
}

async fn apply_one_by_one(env: &TestEnv, suffix: &str, events: &[EventEnvelope]) {
    for event in events {
        apply(env, suffix, std::slice::from_ref(event)).await;
    }
}

async fn rows(env: &TestEnv, suffix: &str) -> Vec<String> {
    dump_table(&env.pool, &format!("users{suffix}"), USER_COLUMNS, "tenant_id, user_id").await
}

async fn a_batch_gives_the_rows_of_its_events_one_by_one(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let log = mixed_log(&env.store).await;
    let mut connection = env.pool.acquire().await.expect("a connection");
    for suffix in ["__one", "__batch", "__mixed"] {
        UsersProjection.create_tables(&mut connection, suffix).await.expect("tables");
    }
    drop(connection);

    apply_one_by_one(&env, "__one", &log).await;
    let expected = rows(&env, "__one").await;
    assert_eq!(expected.len(), 4, "{expected:#?}");
    assert!(expected.iter().any(|row| row.contains("|Ann Four|")), "{expected:#?}");
    assert!(expected.iter().any(|row| row.contains("|Bob Free|") && row.contains("|NULL|")), "{expected:#?}");

    apply(&env, "__batch", &log).await;
    assert_eq!(rows(&env, "__batch").await, expected, "one batch");

    // Over rows that exist: the first half one by one, then the whole log again as one batch
    // (creations of existing users, updates the rows already hold).
    let half = log.len() / 2;
    apply_one_by_one(&env, "__mixed", &log[..half]).await;
    apply(&env, "__mixed", &log).await;
    assert_eq!(rows(&env, "__mixed").await, expected, "half one by one, then all as a batch");

    // Re-applying a range is idempotent.
    apply(&env, "__batch", &log[half / 2..half + half / 2]).await;
    apply(&env, "__batch", &log[1..]).await;
    assert_eq!(rows(&env, "__batch").await, expected, "ranges applied twice");
}

#[tokio::test]
async fn a_batch_gives_the_rows_of_its_events_one_by_one_sqlite() {
    a_batch_gives_the_rows_of_its_events_one_by_one(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_batch_gives_the_rows_of_its_events_one_by_one_postgres() {
    a_batch_gives_the_rows_of_its_events_one_by_one(Backend::Postgres).await;
}
