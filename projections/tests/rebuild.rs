//! `rebuild`: replay into fresh tables and swap, alone and under a running runner.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::{Backend, TIME_LIMIT, TestEnv, change_password, create_tenant, create_user, dump_table};
use hotline_domain::identity::Role;
use hotline_projections::{
    Projection, ProjectionRunner, TenantsProjection, UserFilter, UsersProjection, all_projections, checkpoint,
    count_users, list_tenants, list_users, prepare_read_models, rebuild,
};
use sqlx::AnyPool;
use uuid::Uuid;

const USER_COLUMNS: &str = "tenant_id, user_id, username, username_key, display_name, role_ids, org_unit_id, locked_until, created_at, updated_at, position";
const TENANT_COLUMNS: &str = "tenant_id, slug, name, parent_tenant_id, created_at, position";

async fn dump_read_models(pool: &AnyPool) -> (Vec<String>, Vec<String>) {
    (
        dump_table(pool, "users", USER_COLUMNS, "tenant_id, user_id").await,
        dump_table(pool, "tenants", TENANT_COLUMNS, "tenant_id").await,
    )
}

/// Index names on a live table, sorted (SQLite: only explicit indexes).
async fn index_names(env: &TestEnv, table: &str) -> Vec<String> {
    let sql = match env.backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 AND sql IS NOT NULL ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1 ORDER BY indexname"
        }
    };
    sqlx::query_scalar(sql).bind(table).fetch_all(&env.pool).await.unwrap()
}

async fn write_identity_history(env: &TestEnv) -> u64 {
    let (acme, _) = create_tenant(&env.store, "acme").await;
    let (globex, _) = create_tenant(&env.store, "globex").await;
    let mut users = Vec::new();
    for (tenant_id, username) in [(acme, "ann"), (acme, "Bob"), (globex, "carl"), (globex, "dora"), (acme, "eve")] {
        users.push((tenant_id, create_user(&env.store, tenant_id, username, &[Role::Agent]).await.0));
    }
    change_password(&env.store, acme, users[0].1).await;
    change_password(&env.store, globex, users[3].1).await;
    change_password(&env.store, acme, users[0].1).await.1
}

async fn rebuild_produces_the_same_rows_as_the_live_run(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let head = write_identity_history(&env).await;
    let runner = ProjectionRunner::start(env.store.clone(), env.pool.clone(), all_projections(env.keys.clone()));
    assert!(runner.wait_for(head, TIME_LIMIT).await);
    runner.shutdown().await;
    let live = dump_read_models(&env.pool).await;
    assert_eq!(live.0.len(), 5);
    assert_eq!(live.1.len(), 2);

    // Twice: the second swap must find the index names the first one left free.
    for _ in 0..2 {
        for projection in all_projections(env.keys.clone()) {
            let report = rebuild(env.store.as_ref(), &env.pool, projection.as_ref(), 0).await.unwrap();
            assert_eq!((report.projection, report.events, report.position), (projection.name(), head, head));
            assert_eq!(checkpoint(&env.pool, projection.name()).await.unwrap(), Some(head));
        }
        assert_eq!(dump_read_models(&env.pool).await, live, "the rebuilt rows are the live rows");
    }
    let (users_index, users_primary_key) = match backend {
        Backend::Sqlite => (vec!["users_by_username"], vec![]),
        Backend::Postgres => (vec!["users_by_username"], vec!["users_pkey"]),
    };
    let mut expected_indexes: Vec<&str> = users_index.into_iter().chain(users_primary_key).collect();
    expected_indexes.sort();
    assert_eq!(index_names(&env, "users").await, expected_indexes);
    let leftovers: Vec<String> = sqlx::query_scalar(match backend {
        Backend::Sqlite => "SELECT name FROM sqlite_master WHERE name LIKE '%rebuild%'",
        Backend::Postgres => "SELECT relname::text FROM pg_class WHERE relname LIKE '%rebuild%'",
    })
    .fetch_all(&env.pool)
    .await
    .unwrap();
    assert!(leftovers.is_empty(), "nothing of the rebuild is left: {leftovers:?}");

    // A runner started after the rebuild continues from the rebuilt checkpoint.
    let acme = hotline_domain::identity::tenant_id_for_slug("acme");
    let (_, position) = create_user(&env.store, acme, "fred", &[Role::Agent]).await;
    let runner = ProjectionRunner::start(env.store.clone(), env.pool.clone(), all_projections(env.keys.clone()));
    assert!(runner.wait_for(position, TIME_LIMIT).await);
    assert_eq!(count_users(&env.pool, acme).await.unwrap(), 4);
    runner.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebuild_produces_the_same_rows_as_the_live_run_on_sqlite() {
    rebuild_produces_the_same_rows_as_the_live_run(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebuild_produces_the_same_rows_as_the_live_run_on_postgres() {
    rebuild_produces_the_same_rows_as_the_live_run(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebuild_from_a_position_applies_only_later_events() {
    let env = TestEnv::new(Backend::Sqlite).await;
    create_tenant(&env.store, "acme").await;
    let (_, globex_position) = create_tenant(&env.store, "globex").await;
    let (_, initech_position) = create_tenant(&env.store, "initech").await;

    let report = rebuild(env.store.as_ref(), &env.pool, &TenantsProjection, globex_position).await.unwrap();
    assert_eq!((report.events, report.position), (1, initech_position));
    let slugs: Vec<String> =
        list_tenants(&env.pool, 10, None).await.unwrap().into_iter().map(|tenant| tenant.slug).collect();
    assert_eq!(slugs, ["initech"]);
    assert_eq!(checkpoint(&env.pool, "tenants").await.unwrap(), Some(initech_position));

    // Past the head: empty tables, checkpoint where it was asked to start.
    let report = rebuild(env.store.as_ref(), &env.pool, &UsersProjection, initech_position).await.unwrap();
    assert_eq!((report.events, report.position), (0, initech_position));
    assert_eq!(checkpoint(&env.pool, "users").await.unwrap(), Some(initech_position));
}

/// Every user name of a tenant, read page by page as the API would.
async fn all_usernames(pool: &AnyPool, tenant_id: Uuid) -> Vec<String> {
    let mut usernames = Vec::new();
    loop {
        let page =
            list_users(pool, tenant_id, &UserFilter::All, 37, usernames.last().map(String::as_str)).await.unwrap();
        if page.is_empty() {
            return usernames;
        }
        usernames.extend(page.into_iter().map(|user| user.username));
    }
}

async fn rebuild_under_a_running_runner_loses_and_duplicates_no_row(backend: Backend) {
    const USERS: usize = 240;
    let env = TestEnv::new(backend).await;
    let (acme, _) = create_tenant(&env.store, "acme").await;
    let (globex, _) = create_tenant(&env.store, "globex").await;
    prepare_read_models(&env.pool, &all_projections(env.keys.clone())).await.unwrap();
    let runner = ProjectionRunner::start(env.store.clone(), env.pool.clone(), all_projections(env.keys.clone()));

    let writer = {
        let store = env.store.clone();
        tokio::spawn(async move {
            let mut expected = (BTreeSet::new(), BTreeSet::new());
            for number in 0..USERS {
                let username = format!("user{number:04}");
                if number % 3 == 0 {
                    create_user(&store, globex, &username, &[Role::Agent]).await;
                    expected.1.insert(username);
                } else {
                    create_user(&store, acme, &username, &[Role::Agent]).await;
                    expected.0.insert(username);
                }
                if number % 16 == 0 {
                    tokio::task::yield_now().await;
                }
            }
            expected
        })
    };
    let writing_done = Arc::new(AtomicBool::new(false));
    // Queries run through every swap: none may fail, and a count never goes backwards (the
    // swapped-in table is never behind the one it replaces).
    let reader = {
        let pool = env.pool.clone();
        let writing_done = Arc::clone(&writing_done);
        tokio::spawn(async move {
            let mut last_count = 0;
            let mut reads = 0;
            while !writing_done.load(Ordering::SeqCst) {
                let count = count_users(&pool, acme).await.expect("count works during a rebuild");
                assert!(count >= last_count, "acme's user count went from {last_count} back to {count}");
                last_count = count;
                list_users(&pool, acme, &UserFilter::All, 20, None).await.expect("list works during a rebuild");
                reads += 1;
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            }
            reads
        })
    };

    let mut rebuilds = 0;
    while !writer.is_finished() || rebuilds < 2 {
        for projection in [&UsersProjection as &dyn Projection, &TenantsProjection] {
            rebuild(env.store.as_ref(), &env.pool, projection, 0).await.expect("the rebuild succeeds");
        }
        rebuilds += 1;
    }
    let (expected_acme, expected_globex) = writer.await.unwrap();
    let head = env.store.head_position().await.unwrap();
    assert!(runner.wait_for(head, TIME_LIMIT).await, "the runner catches up after the swaps");
    writing_done.store(true, Ordering::SeqCst);
    assert!(reader.await.unwrap() > 0);

    for (tenant_id, expected) in [(acme, expected_acme), (globex, expected_globex)] {
        let usernames = all_usernames(&env.pool, tenant_id).await;
        let distinct: BTreeSet<String> = usernames.iter().cloned().collect();
        assert_eq!(distinct.len(), usernames.len(), "no user is listed twice");
        assert_eq!(distinct, expected, "every user is there, and only those");
        assert_eq!(count_users(&env.pool, tenant_id).await.unwrap(), expected.len() as u64);
    }
    for status in runner.status() {
        assert_eq!(status.position, head, "{status:?}");
        assert_eq!(checkpoint(&env.pool, status.name).await.unwrap(), Some(head));
    }
    runner.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebuild_under_a_running_runner_loses_and_duplicates_no_row_on_sqlite() {
    rebuild_under_a_running_runner_loses_and_duplicates_no_row(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebuild_under_a_running_runner_loses_and_duplicates_no_row_on_postgres() {
    rebuild_under_a_running_runner_loses_and_duplicates_no_row(Backend::Postgres).await;
}
