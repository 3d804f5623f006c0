//! Fixtures shared by the projection tests: a fresh event store and read-model database per
//! test, and helpers that append identity events decided by the domain deciders.
//!
//! The event store is always SQLite (in a temp folder); the read models are SQLite
//! (`readmodels.db` beside it, with the pragmas `infra::database` uses) or PostgreSQL (a fresh
//! database `hotline_test_<uuid>` on `HOTLINE_TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`).

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use hotline_domain::identity::Role;
use hotline_domain::identity::tenant::{Tenant, TenantCommand, TenantState};
use hotline_domain::identity::user::{User, UserCommand, UserEvent};
use hotline_domain::identity::{tenant_id_for_slug, user_id_for_username};
use hotline_domain::{Actor, Decider, DomainEvent, ExpectedVersion, NewEvent, StreamId};
use hotline_infra::keys::SubjectKeys;
use hotline_infra::secrets::{SecretStore, SqliteSecretStore};
use hotline_infra::store::sqlite::SqliteEventStore;
use hotline_infra::store::{AppendRequest, Direction, SharedEventStore};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, AssertSqlSafe, Connection, Executor, PgConnection};
use uuid::Uuid;

/// No wait in a test may take longer; a hang is a failure.
pub const TIME_LIMIT: Duration = Duration::from_secs(30);

const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh event store and read-model database, removed (best effort) when dropped.
pub struct TestEnv {
    pub store: SharedEventStore,
    /// The event store's credentials, where the customers' keys are kept (as `hotline serve` does).
    pub secrets: Arc<dyn SecretStore>,
    pub keys: SubjectKeys,
    pub pool: AnyPool,
    pub backend: Backend,
    directory: PathBuf,
    postgres: Option<(String, String)>,
}

impl TestEnv {
    pub async fn new(backend: Backend) -> Self {
        sqlx::any::install_default_drivers();
        let directory = std::env::temp_dir().join(format!("hotline-projections-{}", Uuid::now_v7().simple()));
        std::fs::create_dir_all(&directory).expect("the temp folder is writable");
        let store = SqliteEventStore::open(&directory.join("events.db")).await.expect("the event store opens");
        let secrets: Arc<dyn SecretStore> = Arc::new(SqliteSecretStore(store.pool().clone()));
        let keys = SubjectKeys::new(secrets.clone());
        let (pool, postgres) = match backend {
            Backend::Sqlite => (sqlite_read_models(&directory).await, None),
            Backend::Postgres => {
                let admin_url =
                    std::env::var("HOTLINE_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned());
                let database_name = format!("hotline_test_{}", Uuid::now_v7().simple());
                let mut admin =
                    PgConnection::connect(&admin_url).await.expect("the test PostgreSQL server is reachable");
                admin
                    .execute(AssertSqlSafe(format!("CREATE DATABASE {database_name}")))
                    .await
                    .expect("the test database can be created");
                admin.close().await.ok();
                let url = url_of_database(&admin_url, &database_name);
                let pool =
                    AnyPoolOptions::new().max_connections(6).connect(&url).await.expect("the test database opens");
                (pool, Some((admin_url, database_name)))
            }
        };
        Self { store: Arc::new(store), secrets, keys, pool, backend, directory, postgres }
    }
}

async fn sqlite_read_models(directory: &std::path::Path) -> AnyPool {
    let url = format!("sqlite://{}/readmodels.db?mode=rwc", directory.display());
    AnyPoolOptions::new()
        .max_connections(8)
        .after_connect(|connection, _metadata| {
            Box::pin(async move {
                connection.execute("PRAGMA busy_timeout = 10000").await?;
                connection.execute("PRAGMA journal_mode = WAL").await?;
                connection.execute("PRAGMA synchronous = NORMAL").await?;
                Ok(())
            })
        })
        .connect(&url)
        .await
        .expect("the read-model file opens")
}

fn url_of_database(admin_url: &str, database_name: &str) -> String {
    let (without_query, query) = match admin_url.split_once('?') {
        Some((url, query)) => (url, Some(query)),
        None => (admin_url, None),
    };
    let (server, _database) = without_query.rsplit_once('/').expect("a postgres URL names a database");
    match query {
        Some(query) => format!("{server}/{database_name}?{query}"),
        None => format!("{server}/{database_name}"),
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.directory);
        if let Some((admin_url, database_name)) = self.postgres.take() {
            // Drop cannot await; a short-lived thread with its own runtime removes the database.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                runtime.block_on(async move {
                    if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                        let drop = format!("DROP DATABASE IF EXISTS {database_name} WITH (FORCE)");
                        let _ = admin.execute(AssertSqlSafe(drop)).await;
                        let _ = admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

pub fn new_events<E: DomainEvent>(events: &[E]) -> Vec<NewEvent> {
    events
        .iter()
        .map(|event| {
            NewEvent::new(Uuid::now_v7(), event.event_type(), event.schema_version(), Utc::now(), event.to_payload())
        })
        .collect()
}

/// Appends events to one stream; returns the position of the last one.
pub async fn append(
    store: &SharedEventStore,
    tenant_id: Uuid,
    stream_id: StreamId,
    expected_version: ExpectedVersion,
    events: Vec<NewEvent>,
) -> u64 {
    let request = AppendRequest {
        tenant_id,
        stream_id,
        expected_version,
        actor: Actor::system("test"),
        correlation_id: Uuid::now_v7(),
        causation_id: Uuid::now_v7(),
        command_id: None,
        events,
    };
    let outcome = store.append(request).await.expect("the append succeeds");
    outcome.positions.expect("events were appended").1
}

/// Creates a tenant through the tenant decider; returns its id and the event's position.
pub async fn create_tenant(store: &SharedEventStore, slug: &str) -> (Uuid, u64) {
    let command =
        TenantCommand::CreateTenant { slug: slug.to_owned(), name: format!("Tenant {slug}"), parent_tenant_id: None };
    let events = Tenant::decide(&TenantState::default(), &command).expect("the tenant can be created");
    let tenant_id = tenant_id_for_slug(slug);
    let position =
        append(store, tenant_id, Tenant::stream_id(&command), ExpectedVersion::NoStream, new_events(&events)).await;
    (tenant_id, position)
}

/// Creates a user through the user decider; returns its id and the event's position.
pub async fn create_user(store: &SharedEventStore, tenant_id: Uuid, username: &str, roles: &[Role]) -> (Uuid, u64) {
    let command = UserCommand::CreateUser {
        tenant_id,
        username: username.to_owned(),
        display_name: format!("User {username}"),
        role_ids: roles.iter().map(|role| role.built_in().id()).collect(),
        org_unit_id: None,
        credential_id: Uuid::now_v7(),
        email: None,
    };
    let events = User::decide(&Default::default(), &command).expect("the user can be created");
    let position =
        append(store, tenant_id, User::stream_id(&command), ExpectedVersion::NoStream, new_events(&events)).await;
    (user_id_for_username(tenant_id, username), position)
}

/// Changes a user's password through the user decider (loading the stream first); returns
/// the new credential id and the event's position.
pub async fn change_password(store: &SharedEventStore, tenant_id: Uuid, user_id: Uuid) -> (Uuid, u64) {
    let stream_id = StreamId::new(hotline_domain::identity::user::CONTEXT, user_id);
    let stored = store.read_stream(tenant_id, &stream_id, Direction::Forwards, 1, 1_000).await.expect("stream reads");
    let history: Vec<UserEvent> = stored
        .iter()
        .map(|envelope| UserEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload))
        .collect::<Result<_, _>>()
        .expect("stored user events decode");
    let state = User::replay(&history);
    let credential_id = Uuid::now_v7();
    let command = UserCommand::ChangePassword { user_id, credential_id };
    let events = User::decide(&state, &command).expect("the password can be changed");
    let version = stored.last().map(|envelope| envelope.stream_version).unwrap_or(0);
    let position = append(store, tenant_id, stream_id, ExpectedVersion::Exact(version), new_events(&events)).await;
    (credential_id, position)
}

/// A `hotline.user.created` event whose payload no build can read: a poison event.
pub async fn append_unreadable_user_event(store: &SharedEventStore, tenant_id: Uuid) -> u64 {
    let event = NewEvent::new(
        Uuid::now_v7(),
        hotline_domain::identity::user::USER_CREATED,
        1,
        Utc::now(),
        serde_json::json!({ "not": "a user" }),
    );
    append(store, tenant_id, StreamId::new("user", Uuid::now_v7()), ExpectedVersion::NoStream, vec![event]).await
}

/// Every row of a table as text, ordered, for comparing two builds of a read model.
pub async fn dump_table(pool: &AnyPool, table: &str, columns: &str, order_by: &str) -> Vec<String> {
    let concatenated = columns
        .split(',')
        .map(|column| format!("COALESCE(CAST({} AS TEXT), 'NULL')", column.trim()))
        .collect::<Vec<_>>()
        .join(" || '|' || ");
    sqlx::query_scalar(AssertSqlSafe(format!("SELECT {concatenated} FROM {table} ORDER BY {order_by}")))
        .fetch_all(pool)
        .await
        .expect("the table reads")
}

/// Polls `condition` until it holds or [`TIME_LIMIT`] passes.
pub async fn eventually<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + TIME_LIMIT;
    while !condition().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Loads the command's stream, decides with `D`, and appends what it decided; returns the
/// position of the last event appended (the command must decide at least one event).
pub async fn decide_and_append<D: Decider>(store: &SharedEventStore, tenant_id: Uuid, command: D::Command) -> u64 {
    let stream_id = D::stream_id(&command);
    let stored = store.read_stream(tenant_id, &stream_id, Direction::Forwards, 1, 10_000).await.expect("stream reads");
    let history: Vec<D::Event> = stored
        .iter()
        .map(|envelope| D::Event::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload))
        .collect::<Result<_, _>>()
        .expect("stored events decode");
    let state = D::replay(&history);
    let events = D::decide(&state, &command).unwrap_or_else(|error| panic!("the command is accepted: {error}"));
    let version = stored.last().map(|envelope| envelope.stream_version).unwrap_or(0);
    append(store, tenant_id, stream_id, ExpectedVersion::Exact(version), new_events(&events)).await
}

/// Applies `events` again, in one transaction, to the live tables of every projection given.
pub async fn apply_again(
    pool: &AnyPool,
    projections: &[Arc<dyn hotline_projections::Projection>],
    events: &[hotline_domain::EventEnvelope],
) {
    let mut connection = pool.acquire().await.expect("a connection");
    let mut transaction = hotline_projections::runner::begin_write(&mut connection).await.expect("a transaction");
    for projection in projections {
        projection.apply(&mut transaction, "", events).await.expect("the events apply again");
    }
    transaction.commit().await.expect("the transaction commits");
}

/// Checks that `projection` is idempotent: the whole log applied again, then every suffix of
/// it, then a rebuild from zero (to `head`) each leave `dump` reading what the live run left.
pub async fn assert_replays_change_nothing<T: PartialEq + std::fmt::Debug>(
    env: &TestEnv,
    projection: Arc<dyn hotline_projections::Projection>,
    head: u64,
    dump: impl AsyncFn(&TestEnv) -> T,
) {
    let live = dump(env).await;
    let projections = [projection.clone()];
    let events = env.store.read_all(hotline_infra::store::Scope::Global, 0, 10_000).await.expect("the log reads");
    apply_again(&env.pool, &projections, &events).await;
    assert_eq!(dump(env).await, live, "the whole log again changed a row");
    for start in 1..events.len() {
        apply_again(&env.pool, &projections, &events[start..]).await;
        assert_eq!(dump(env).await, live, "applying from event {start} again changed a row");
    }
    let report =
        hotline_projections::rebuild(env.store.as_ref(), &env.pool, projection.as_ref(), 0).await.expect("a rebuild");
    assert_eq!(report.position, head);
    assert_eq!(dump(env).await, live, "a rebuild differs from the live run");
}
