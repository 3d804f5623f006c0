//! The query functions the API calls: tenant isolation and paging.

mod common;

use common::{Backend, TIME_LIMIT, TestEnv, create_tenant, create_user};
use hotline_domain::identity::Role;
use hotline_projections::UserFilter;
use hotline_projections::{
    ProjectionRunner, all_projections, count_users, get_tenant, get_user, list_tenants, list_users,
};
use uuid::Uuid;

async fn queries_never_return_another_tenants_rows(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let (acme, _) = create_tenant(&env.store, "acme").await;
    let (globex, _) = create_tenant(&env.store, "globex").await;
    let (acme_ann, _) = create_user(&env.store, acme, "ann", &[Role::Agent]).await;
    create_user(&env.store, acme, "bob", &[Role::Agent]).await;
    // The same user name in another tenant is another user.
    let (globex_ann, head) = create_user(&env.store, globex, "ann", &[Role::TenantAdmin]).await;
    assert_ne!(acme_ann, globex_ann);
    let runner = ProjectionRunner::start(env.store.clone(), env.pool.clone(), all_projections(env.keys.clone()));
    assert!(runner.wait_for(head, TIME_LIMIT).await);

    assert!(get_user(&env.pool, acme, acme_ann).await.unwrap().is_some());
    assert!(get_user(&env.pool, globex, acme_ann).await.unwrap().is_none(), "acme's user is invisible to globex");
    assert!(get_user(&env.pool, acme, globex_ann).await.unwrap().is_none(), "globex's user is invisible to acme");

    let acme_users = list_users(&env.pool, acme, &UserFilter::All, 10, None).await.unwrap();
    assert!(acme_users.iter().all(|user| user.tenant_id == acme));
    assert_eq!(acme_users.len(), 2);
    let globex_users = list_users(&env.pool, globex, &UserFilter::All, 10, None).await.unwrap();
    assert_eq!(globex_users.len(), 1);
    assert_eq!(
        (globex_users[0].tenant_id, globex_users[0].role_ids.as_slice()),
        (globex, &[Role::TenantAdmin.built_in().id()][..])
    );

    assert_eq!(count_users(&env.pool, acme).await.unwrap(), 2);
    assert_eq!(count_users(&env.pool, globex).await.unwrap(), 1);
    assert_eq!(count_users(&env.pool, Uuid::now_v7()).await.unwrap(), 0);
    assert!(list_users(&env.pool, Uuid::now_v7(), &UserFilter::All, 10, None).await.unwrap().is_empty());

    assert_eq!(get_tenant(&env.pool, globex).await.unwrap().map(|tenant| tenant.slug), Some("globex".to_owned()));
    assert!(get_tenant(&env.pool, Uuid::now_v7()).await.unwrap().is_none());
    runner.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_never_return_another_tenants_rows_on_sqlite() {
    queries_never_return_another_tenants_rows(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_never_return_another_tenants_rows_on_postgres() {
    queries_never_return_another_tenants_rows(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_users_pages_by_user_name_ignoring_case() {
    let env = TestEnv::new(Backend::Sqlite).await;
    let (acme, _) = create_tenant(&env.store, "acme").await;
    let mut head = 0;
    for username in ["carl", "Ann", "bob", "Dave", "eve"] {
        head = create_user(&env.store, acme, username, &[Role::Agent]).await.1;
    }
    let runner = ProjectionRunner::start(env.store.clone(), env.pool.clone(), all_projections(env.keys.clone()));
    assert!(runner.wait_for(head, TIME_LIMIT).await);

    let mut pages = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = list_users(&env.pool, acme, &UserFilter::All, 2, after.as_deref()).await.unwrap();
        if page.is_empty() {
            break;
        }
        after = page.last().map(|user| user.username.clone());
        pages.push(page.into_iter().map(|user| user.username).collect::<Vec<_>>());
    }
    assert_eq!(pages, [vec!["Ann", "bob"], vec!["carl", "Dave"], vec!["eve"]]);
    assert!(
        list_users(&env.pool, acme, &UserFilter::All, 0, None).await.unwrap().is_empty(),
        "first = 0 asks for nothing"
    );
    assert_eq!(
        list_users(&env.pool, acme, &UserFilter::All, u32::MAX, None).await.unwrap().len(),
        5,
        "first is capped, not refused"
    );
    runner.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_tenants_pages_by_slug() {
    let env = TestEnv::new(Backend::Sqlite).await;
    let mut head = 0;
    for slug in ["initech", "acme", "globex"] {
        head = create_tenant(&env.store, slug).await.1;
    }
    let runner = ProjectionRunner::start(env.store.clone(), env.pool.clone(), all_projections(env.keys.clone()));
    assert!(runner.wait_for(head, TIME_LIMIT).await);

    let slugs = |tenants: Vec<hotline_projections::TenantView>| {
        tenants.into_iter().map(|tenant| tenant.slug).collect::<Vec<_>>()
    };
    assert_eq!(slugs(list_tenants(&env.pool, 2, None).await.unwrap()), ["acme", "globex"]);
    assert_eq!(slugs(list_tenants(&env.pool, 2, Some("globex")).await.unwrap()), ["initech"]);
    assert!(list_tenants(&env.pool, 2, Some("initech")).await.unwrap().is_empty());
    runner.shutdown().await;
}
