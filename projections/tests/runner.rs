//! The projection runner against a real event store and real read-model databases.

mod common;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use common::{
    Backend, TIME_LIMIT, TestEnv, append_unreadable_user_event, change_password, create_tenant, create_user, eventually,
};
use hotline_domain::EventEnvelope;
use hotline_domain::identity::Role;
use hotline_projections::runner::BATCH_SIZE;
use hotline_projections::{
    Projection, ProjectionResult, ProjectionRunner, UserFilter, UsersProjection, all_projections, checkpoint,
    get_tenant, get_user, list_users,
};
use sqlx::AnyConnection;
use tokio::sync::watch;

async fn builds_read_models_from_the_log_then_follows_live_events(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let (acme, _) = create_tenant(&env.store, "acme").await;
    let (globex, _) = create_tenant(&env.store, "globex").await;
    let (ann, _) = create_user(&env.store, acme, "ann", &[Role::Agent, Role::Supervisor]).await;
    let (bob, _) = create_user(&env.store, acme, "bob", &[Role::TenantAdmin]).await;
    create_user(&env.store, globex, "carl", &[Role::Agent]).await;
    let (_, password_position) = change_password(&env.store, acme, ann).await;

    let runner = ProjectionRunner::start(env.store.clone(), env.pool.clone(), all_projections(env.keys.clone()));
    assert!(runner.wait_for(password_position, TIME_LIMIT).await, "catches up with the log");

    let tenant = get_tenant(&env.pool, acme).await.unwrap().expect("acme is projected");
    assert_eq!((tenant.slug.as_str(), tenant.name.as_str(), tenant.parent_tenant_id), ("acme", "Tenant acme", None));
    let users = list_users(&env.pool, acme, &UserFilter::All, 10, None).await.unwrap();
    assert_eq!(users.iter().map(|user| user.username.as_str()).collect::<Vec<_>>(), ["ann", "bob"]);
    let ann_view = &users[0];
    assert_eq!(ann_view.user_id, ann);
    let mut expected = vec![Role::Supervisor.built_in().id(), Role::Agent.built_in().id()];
    expected.sort();
    assert_eq!(ann_view.role_ids, expected);
    assert_eq!(ann_view.position, password_position, "the password change is folded in");
    assert!(ann_view.updated_at >= ann_view.created_at);

    // Live: an append after the catch-up shows up too.
    let (dave, dave_position) = create_user(&env.store, acme, "dave", &[Role::Agent]).await;
    assert!(runner.wait_for(dave_position, TIME_LIMIT).await, "follows live appends");
    let dave_view = get_user(&env.pool, acme, dave).await.unwrap().expect("dave is projected");
    assert_eq!(dave_view.username, "dave");
    assert_eq!(
        get_user(&env.pool, acme, bob).await.unwrap().map(|user| user.role_ids),
        Some(vec![Role::TenantAdmin.built_in().id()])
    );

    // The checkpoints in the database are the positions the handle reports.
    for status in runner.status() {
        assert_eq!(status.position, dave_position, "{status:?}");
        assert_eq!(status.lag, 0, "{status:?}");
        assert_eq!(checkpoint(&env.pool, status.name).await.unwrap(), Some(dave_position));
    }
    runner.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn builds_read_models_from_the_log_then_follows_live_events_on_sqlite() {
    builds_read_models_from_the_log_then_follows_live_events(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn builds_read_models_from_the_log_then_follows_live_events_on_postgres() {
    builds_read_models_from_the_log_then_follows_live_events(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarted_runner_continues_from_its_checkpoint() {
    let env = TestEnv::new(Backend::Sqlite).await;
    let (acme, _) = create_tenant(&env.store, "acme").await;
    let (_, first_position) = create_user(&env.store, acme, "ann", &[Role::Agent]).await;
    let runner = ProjectionRunner::start(env.store.clone(), env.pool.clone(), all_projections(env.keys.clone()));
    assert!(runner.wait_for(first_position, TIME_LIMIT).await);
    runner.shutdown().await;

    let (_, second_position) = create_user(&env.store, acme, "bob", &[Role::Agent]).await;
    assert_eq!(checkpoint(&env.pool, "users").await.unwrap(), Some(first_position), "a stopped runner applies nothing");

    let restarted = ProjectionRunner::start(env.store.clone(), env.pool.clone(), all_projections(env.keys.clone()));
    assert!(restarted.wait_for(second_position, TIME_LIMIT).await);
    assert_eq!(list_users(&env.pool, acme, &UserFilter::All, 10, None).await.unwrap().len(), 2);
    restarted.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_last_handle_stops_the_runner() {
    let env = TestEnv::new(Backend::Sqlite).await;
    let (acme, first_position) = create_tenant(&env.store, "acme").await;
    let runner = ProjectionRunner::start(env.store.clone(), env.pool.clone(), all_projections(env.keys.clone()));
    let clone = runner.clone();
    assert!(runner.wait_for(first_position, TIME_LIMIT).await);
    drop(runner);
    assert!(clone.wait_for(first_position, TIME_LIMIT).await, "a remaining clone keeps the runner alive");
    drop(clone);
    // The tasks see the signal between batches; give them a moment to stop.
    tokio::time::sleep(Duration::from_millis(200)).await;

    create_user(&env.store, acme, "ann", &[Role::Agent]).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(checkpoint(&env.pool, "users").await.unwrap(), Some(first_position));
    assert_eq!(hotline_projections::count_users(&env.pool, acme).await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catches_up_with_more_events_than_one_batch() {
    let env = TestEnv::new(Backend::Sqlite).await;
    let (acme, _) = create_tenant(&env.store, "acme").await;
    let mut last_position = 0;
    for number in 0..(BATCH_SIZE + 50) {
        last_position = create_user(&env.store, acme, &format!("user{number:05}"), &[Role::Agent]).await.1;
    }
    let runner = ProjectionRunner::start(env.store.clone(), env.pool.clone(), all_projections(env.keys.clone()));
    assert!(runner.wait_for(last_position, TIME_LIMIT).await);
    assert_eq!(hotline_projections::count_users(&env.pool, acme).await.unwrap(), (BATCH_SIZE + 50) as u64);
    runner.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_for_returns_once_caught_up_and_false_on_timeout() {
    let env = TestEnv::new(Backend::Sqlite).await;
    let runner = ProjectionRunner::start(env.store.clone(), env.pool.clone(), all_projections(env.keys.clone()));
    assert!(runner.wait_for(0, TIME_LIMIT).await, "an empty log is caught up at once");

    let waiter = {
        let runner = runner.clone();
        tokio::spawn(async move { runner.wait_for(1, TIME_LIMIT).await })
    };
    let (acme, position) = create_tenant(&env.store, "acme").await;
    assert_eq!(position, 1);
    assert!(waiter.await.unwrap(), "the waiter wakes when the projection passes the position");
    assert!(get_tenant(&env.pool, acme).await.unwrap().is_some(), "the write is readable once wait_for returned");

    assert!(!runner.wait_for(2, Duration::from_millis(200)).await, "no event at 2 yet");
    runner.shutdown().await;
    assert!(!runner.wait_for(2, Duration::from_millis(200)).await, "a stopped runner never gets there");
}

/// The users projection, held at a gate before each batch.
struct GatedUsers {
    open: watch::Receiver<bool>,
}

#[async_trait]
impl Projection for GatedUsers {
    fn name(&self) -> &'static str {
        UsersProjection.name()
    }

    fn tables(&self) -> &'static [&'static str] {
        UsersProjection.tables()
    }

    async fn create_tables(&self, connection: &mut AnyConnection, suffix: &str) -> ProjectionResult<()> {
        UsersProjection.create_tables(connection, suffix).await
    }

    async fn apply(
        &self,
        connection: &mut AnyConnection,
        suffix: &str,
        events: &[EventEnvelope],
    ) -> ProjectionResult<()> {
        let mut open = self.open.clone();
        open.wait_for(|is_open| *is_open).await.expect("the gate outlives the runner");
        UsersProjection.apply(connection, suffix, events).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_and_metrics_report_lag_against_the_store_head() {
    let env = TestEnv::new(Backend::Sqlite).await;
    let (acme, _) = create_tenant(&env.store, "acme").await;
    let mut head = 0;
    for username in ["ann", "bob", "carl", "dave"] {
        head = create_user(&env.store, acme, username, &[Role::Agent]).await.1;
    }
    assert_eq!(head, 5);

    let (gate, open) = watch::channel(false);
    let runner = ProjectionRunner::start(env.store.clone(), env.pool.clone(), vec![Arc::new(GatedUsers { open })]);
    assert!(!runner.wait_for(head, Duration::from_millis(300)).await, "the gate holds the projection back");
    let status = runner.status();
    assert_eq!(status.len(), 1);
    assert_eq!((status[0].name, status[0].position, status[0].head, status[0].lag), ("users", 0, 5, 5));
    let metrics = runner.prometheus_text();
    assert!(metrics.contains("\nhotline_event_store_head_position 5\n"), "{metrics}");
    assert!(metrics.contains("\nhotline_projection_position{projection=\"users\"} 0\n"), "{metrics}");
    assert!(metrics.contains("\nhotline_projection_lag_events{projection=\"users\"} 5\n"), "{metrics}");
    assert!(metrics.contains("# TYPE hotline_projection_lag_events gauge\n"), "{metrics}");

    gate.send_replace(true);
    assert!(runner.wait_for(head, TIME_LIMIT).await);
    let status = runner.status();
    assert_eq!((status[0].position, status[0].head, status[0].lag), (5, 5, 0));
    assert!(runner.prometheus_text().contains("\nhotline_projection_lag_events{projection=\"users\"} 0\n"));
    runner.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_event_moves_neither_read_model_nor_checkpoint() {
    let env = TestEnv::new(Backend::Sqlite).await;
    let (acme, _) = create_tenant(&env.store, "acme").await;
    let (_, ann_position) = create_user(&env.store, acme, "ann", &[Role::Agent]).await;
    let runner = ProjectionRunner::start(env.store.clone(), env.pool.clone(), vec![Arc::new(UsersProjection)]);
    assert!(runner.wait_for(ann_position, TIME_LIMIT).await);

    let (bob, _) = create_user(&env.store, acme, "bob", &[Role::Agent]).await;
    let poison_position = append_unreadable_user_event(&env.store, acme).await;
    let (carl, _) = create_user(&env.store, acme, "carl", &[Role::Agent]).await;

    eventually("the projection to report the poison event", || async {
        runner.status()[0]
            .last_error
            .as_deref()
            .is_some_and(|error| error.contains(&format!("position {poison_position}")))
    })
    .await;
    assert!(!runner.wait_for(poison_position, Duration::from_millis(300)).await, "the projection stops at the poison");

    // Whatever batch the poison event landed in was rolled back as a whole: the checkpoint
    // is before it, and the rows are exactly those of the committed batches.
    let position = checkpoint(&env.pool, "users").await.unwrap().expect("the checkpoint exists");
    assert!(position < poison_position, "checkpoint {position} passed the poison at {poison_position}");
    assert_eq!(runner.status()[0].position, position);
    let bob_is_projected = get_user(&env.pool, acme, bob).await.unwrap().is_some();
    assert_eq!(bob_is_projected, position > ann_position, "bob's row and the checkpoint move together");
    assert!(get_user(&env.pool, acme, carl).await.unwrap().is_none(), "nothing after the poison is applied");
    runner.shutdown().await;
}
