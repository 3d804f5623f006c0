//! The customer read models: profiles opened with their keys and found by every operator on
//! every field type, updates replacing values, forgetting (also across a rebuild after the
//! key was destroyed), tenant isolation, duplicates, the screen pop, saved queries, and
//! idempotence; and how long applying 10,000 creations takes (printed).

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use common::{Backend, TIME_LIMIT, TestEnv, apply_again, create_tenant, decide_and_append, dump_table};
use hotline_domain::customer::{
    self, Condition, ConditionOp, Customer, CustomerAction, CustomerCommand, CustomerEvent, CustomerFields,
    CustomerQuery, DefineFields, FieldDefinition, FieldType, ProfileSealed, SavedQueries, SavedQueriesCommand,
    SavedQuery, Sealed, check_conditions, field_types, validate_values,
};
use hotline_domain::{Actor, DomainEvent, EventEnvelope, StreamId};
use hotline_infra::keys::{SubjectKeys, seal};
use hotline_infra::store::{Scope, SharedEventStore};
use hotline_projections::runner::begin_write;
use hotline_projections::{
    CustomerView, CustomersProjection, PROJECTION_NAMES, Projection, ProjectionRunner, RunnerHandle, all_projections,
    customers_by_phone_or_email, duplicate_keys, duplicates, find_customers, get_customer, get_saved_query,
    list_saved_queries, projection_by_name, rebuild,
};
use sqlx::AnyPool;
use uuid::Uuid;

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-05-01T08:00:00Z").expect("a time").with_timezone(&Utc)
        + Duration::seconds(seconds)
}

fn id(number: u128) -> Uuid {
    Uuid::from_u128(number)
}

const C1: u128 = 0xc001;
const C2: u128 = 0xc002;
const C3: u128 = 0xc003;
const C4: u128 = 0xc004;
const G1: u128 = 0xc101;
const ANN: u128 = 0xa001;
const BOB: u128 = 0xa002;

const ANN_ID_CARD: &str = "11010519491231002x";

fn field(key: &str, field_type: FieldType) -> FieldDefinition {
    FieldDefinition {
        key: key.into(),
        label: key.to_uppercase(),
        field_type,
        required: false,
        max_length: None,
        enabled: true,
        sort_order: 0,
    }
}

fn tenant_fields() -> Vec<FieldDefinition> {
    vec![
        field("vip_level", FieldType::Number),
        field("balance", FieldType::Money),
        field("birthday", FieldType::Date),
        field("call_after", FieldType::Time),
        field("id_card", FieldType::IdCard),
        field("city", FieldType::Text),
        field("email", FieldType::Text),
    ]
}

fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(key, value)| ((*key).to_owned(), (*value).to_owned())).collect()
}

async fn define_fields(store: &SharedEventStore, tenant_id: Uuid) -> u64 {
    decide_and_append::<CustomerFields>(store, tenant_id, DefineFields { tenant_id, fields: tenant_fields() }).await
}

/// What the customer's key seals: the validated (normalised) values, as a JSON object.
fn sealed(key: &[u8; 32], key_id: Uuid, profile: &BTreeMap<String, String>) -> Sealed {
    Sealed { key_id, ciphertext: seal(key, &serde_json::to_vec(profile).expect("values serialise")) }
}

fn normalised(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    validate_values(&tenant_fields(), &values(pairs)).expect("the test's values are valid")
}

fn key_id_of(customer: u128) -> Uuid {
    id(0xe000_0000 + customer)
}

/// Creates a customer as the service does: a new key, the values validated and sealed with it.
async fn create(env: &TestEnv, tenant_id: Uuid, customer: u128, seconds: i64, pairs: &[(&str, &str)]) -> u64 {
    let key_id = key_id_of(customer);
    let key = env.keys.create(tenant_id, key_id).await.expect("the key is stored");
    let profile = normalised(pairs);
    let action =
        CustomerAction::Create { sealed: sealed(&key, key_id, &profile), values: profile, fields: tenant_fields() };
    let command = CustomerCommand { tenant_id, customer_id: id(customer), at: at(seconds), action };
    decide_and_append::<Customer>(&env.store, tenant_id, command).await
}

async fn update(env: &TestEnv, tenant_id: Uuid, customer: u128, seconds: i64, pairs: &[(&str, &str)]) -> u64 {
    let key_id = key_id_of(customer);
    let key = env.keys.get(tenant_id, key_id).await.expect("the store reads").expect("the key exists");
    let profile = normalised(pairs);
    let action =
        CustomerAction::Update { sealed: sealed(&key, key_id, &profile), values: profile, fields: tenant_fields() };
    let command = CustomerCommand { tenant_id, customer_id: id(customer), at: at(seconds), action };
    decide_and_append::<Customer>(&env.store, tenant_id, command).await
}

/// Forgets a customer as the service does: destroys the key, then records it.
async fn forget(env: &TestEnv, tenant_id: Uuid, customer: u128, seconds: i64) -> u64 {
    env.keys.destroy(tenant_id, key_id_of(customer)).await.expect("the key is destroyed");
    let command =
        CustomerCommand { tenant_id, customer_id: id(customer), at: at(seconds), action: CustomerAction::Forget };
    decide_and_append::<Customer>(&env.store, tenant_id, command).await
}

async fn started_runner(env: &TestEnv, head: u64) -> RunnerHandle {
    let runner = ProjectionRunner::start(env.store.clone(), env.pool.clone(), all_projections(env.keys.clone()));
    assert!(runner.wait_for(head, TIME_LIMIT).await, "the projections reach position {head}");
    runner
}

fn ids(customers: &[CustomerView]) -> Vec<Uuid> {
    customers.iter().map(|customer| customer.customer_id).collect()
}

fn condition(field: &str, op: ConditionOp, value: Option<&str>, value_to: Option<&str>) -> Condition {
    Condition { field: field.into(), op, value: value.map(str::to_owned), value_to: value_to.map(str::to_owned) }
}

/// The ids `conditions` find in acme, in the default order (newest first).
async fn found(pool: &AnyPool, tenant_id: Uuid, conditions: &[Condition]) -> Vec<Uuid> {
    check_conditions(&tenant_fields(), conditions).expect("the test's conditions are valid");
    let types = field_types(&tenant_fields());
    let (customers, total) = find_customers(pool, tenant_id, conditions, &types, None, 100, 0).await.unwrap();
    assert_eq!(total, customers.len() as u64);
    ids(&customers)
}

fn ann() -> Vec<(&'static str, &'static str)> {
    vec![
        ("name", "Ann Lee"),
        ("gender", "female"),
        ("phone", "+86 138 0013 8000"),
        ("vip_level", "3"),
        ("balance", "1200.5"),
        ("birthday", "1990-02-28"),
        ("call_after", "9:30"),
        ("id_card", ANN_ID_CARD),
        ("city", "Hangzhou"),
        ("email", "Ann@Example.com"),
    ]
}

fn bob() -> Vec<(&'static str, &'static str)> {
    vec![
        ("name", "Bob Chen"),
        ("gender", "male"),
        ("phone", "139-0000-0000"),
        ("vip_level", "10"),
        ("balance", "99"),
        ("birthday", "1985-07-01"),
        ("call_after", "14:00"),
        ("city", "Xi'an"),
    ]
}

fn cai() -> Vec<(&'static str, &'static str)> {
    vec![("name", "Cai Wu"), ("city", "50%_off")]
}

/// acme: C1 Ann, C2 Bob, C3 Cai; globex: G1 with Ann's phone, email and ID card.
async fn write_customers(env: &TestEnv) -> (Uuid, Uuid, u64) {
    let (acme, _) = create_tenant(&env.store, "acme").await;
    let (globex, _) = create_tenant(&env.store, "globex").await;
    define_fields(&env.store, acme).await;
    define_fields(&env.store, globex).await;
    create(env, acme, C1, 0, &ann()).await;
    create(env, acme, C2, 10, &bob()).await;
    create(env, acme, C3, 20, &cai()).await;
    let head =
        create(env, globex, G1, 30, &[("name", "Gail"), ("phone", "8613800138000"), ("id_card", ANN_ID_CARD)]).await;
    (acme, globex, head)
}

async fn customers_are_found_by_every_operator_and_type(backend: Backend) {
    use ConditionOp::*;
    let env = TestEnv::new(backend).await;
    let pool = &env.pool;
    let (acme, globex, head) = write_customers(&env).await;
    let runner = started_runner(&env, head).await;

    let c1 = get_customer(pool, acme, id(C1)).await.unwrap().expect("C1 is projected");
    assert!(!c1.forgotten);
    assert_eq!((c1.name.as_deref(), c1.phone.as_deref()), (Some("Ann Lee"), Some("+86 138 0013 8000")));
    assert_eq!(c1.values, normalised(&ann()), "the opened, normalised values");
    assert_eq!((c1.values["balance"].as_str(), c1.values["call_after"].as_str()), ("1200.50", "09:30:00"));
    assert_eq!((c1.created_at, c1.updated_at), (at(0), at(0)));

    let (c1, c2, c3) = (id(C1), id(C2), id(C3));
    // Text (and phone, ID card, gender): ignoring case; LIKE's wildcards taken literally.
    assert_eq!(found(pool, acme, &[condition("name", Equals, Some("ann lee"), None)]).await, [c1]);
    assert_eq!(found(pool, acme, &[condition("name", Contains, Some("CHEN"), None)]).await, [c2]);
    assert_eq!(found(pool, acme, &[condition("name", StartsWith, Some("c"), None)]).await, [c3]);
    assert_eq!(found(pool, acme, &[condition("name", Contains, Some("E"), None)]).await, [c2, c1]);
    assert_eq!(found(pool, acme, &[condition("city", Contains, Some("%_"), None)]).await, [c3]);
    assert!(found(pool, acme, &[condition("city", Contains, Some("_a"), None)]).await.is_empty(), "_ is no wildcard");
    assert_eq!(found(pool, acme, &[condition("city", StartsWith, Some("50%"), None)]).await, [c3]);
    assert_eq!(found(pool, acme, &[condition("gender", Equals, Some("Female"), None)]).await, [c1]);
    assert_eq!(found(pool, acme, &[condition("phone", StartsWith, Some("139"), None)]).await, [c2]);
    assert_eq!(found(pool, acme, &[condition("id_card", Equals, Some(ANN_ID_CARD), None)]).await, [c1]);
    assert_eq!(found(pool, acme, &[condition("email", Equals, Some("ann@example.COM"), None)]).await, [c1]);
    assert_eq!(found(pool, acme, &[condition("id_card", IsEmpty, None, None)]).await, [c3, c2]);
    assert_eq!(found(pool, acme, &[condition("phone", NotEmpty, None, None)]).await, [c2, c1]);
    // Numbers and money, by value.
    assert_eq!(found(pool, acme, &[condition("vip_level", GreaterThan, Some("5"), None)]).await, [c2]);
    assert_eq!(found(pool, acme, &[condition("vip_level", LessThan, Some("5"), None)]).await, [c1]);
    assert_eq!(found(pool, acme, &[condition("vip_level", Equals, Some("3.0"), None)]).await, [c1]);
    assert_eq!(found(pool, acme, &[condition("vip_level", Between, Some("3"), Some("10"))]).await, [c2, c1]);
    assert_eq!(found(pool, acme, &[condition("balance", Equals, Some("1200.50"), None)]).await, [c1]);
    assert_eq!(found(pool, acme, &[condition("balance", LessThan, Some("100"), None)]).await, [c2]);
    assert_eq!(found(pool, acme, &[condition("balance", Between, Some("99.01"), Some("2000"))]).await, [c1]);
    assert_eq!(found(pool, acme, &[condition("balance", IsEmpty, None, None)]).await, [c3]);
    // Dates and times, as their normalised text.
    assert_eq!(found(pool, acme, &[condition("birthday", Equals, Some("1990-02-28"), None)]).await, [c1]);
    assert_eq!(found(pool, acme, &[condition("birthday", LessThan, Some("1990-01-01"), None)]).await, [c2]);
    assert_eq!(found(pool, acme, &[condition("birthday", GreaterThan, Some("1985-07-01"), None)]).await, [c1]);
    let eighties = condition("birthday", Between, Some("1980-01-01"), Some("1989-12-31"));
    assert_eq!(found(pool, acme, std::slice::from_ref(&eighties)).await, [c2]);
    assert_eq!(found(pool, acme, &[condition("call_after", Equals, Some("9:30"), None)]).await, [c1]);
    assert_eq!(found(pool, acme, &[condition("call_after", GreaterThan, Some("09:30"), None)]).await, [c2]);
    assert_eq!(found(pool, acme, &[condition("call_after", Between, Some("09:00"), Some("12:00:00"))]).await, [c1]);
    assert_eq!(found(pool, acme, &[condition("call_after", NotEmpty, None, None)]).await, [c2, c1]);
    // Several conditions: all must hold.
    let both = [condition("vip_level", NotEmpty, None, None), condition("city", StartsWith, Some("xi"), None)];
    assert_eq!(found(pool, acme, &both).await, [c2]);
    assert!(found(pool, acme, &[eighties, condition("gender", Equals, Some("female"), None)]).await.is_empty());

    // Sorting by a field's value, customers without one last; paging with the total.
    let types = field_types(&tenant_fields());
    let sorted = |field: &'static str, descending: bool| {
        let (pool, types) = (pool.clone(), types.clone());
        async move { ids(&find_customers(&pool, acme, &[], &types, Some((field, descending)), 10, 0).await.unwrap().0) }
    };
    assert_eq!(sorted("vip_level", false).await, [c1, c2, c3], "3 < 10 as numbers; no value last");
    assert_eq!(sorted("vip_level", true).await, [c2, c1, c3]);
    assert_eq!(sorted("name", false).await, [c1, c2, c3]);
    assert_eq!(sorted("name", true).await, [c3, c2, c1]);
    assert_eq!(sorted("birthday", false).await, [c2, c1, c3]);
    let (page, total) = find_customers(pool, acme, &[], &types, None, 1, 1).await.unwrap();
    assert_eq!((ids(&page), total), (vec![c2], 3), "newest first by default");
    let anyone = [condition("name", NotEmpty, None, None)];
    let (page, total) = find_customers(pool, acme, &anyone, &types, Some(("name", false)), 2, 0).await.unwrap();
    assert_eq!((ids(&page), total), (vec![c1, c2], 3));

    // Duplicates: by the phone's digits or the ID card ignoring case; the screen pop.
    assert_eq!(ids(&duplicates(pool, acme, Some("86-138-0013-8000"), None).await.unwrap()), [c1]);
    assert_eq!(ids(&duplicates(pool, acme, None, Some(&ANN_ID_CARD.to_uppercase())).await.unwrap()), [c1]);
    assert_eq!(ids(&duplicates(pool, acme, Some("13900000000"), Some(ANN_ID_CARD)).await.unwrap()), [c1, c2]);
    assert!(duplicates(pool, acme, Some(" - "), Some(" ")).await.unwrap().is_empty(), "blank details match nobody");
    assert!(duplicates(pool, acme, None, None).await.unwrap().is_empty());
    let keys = duplicate_keys(pool, acme).await.unwrap();
    assert!(keys.phones.contains("8613800138000") && keys.phones.contains("13900000000"));
    assert_eq!(keys.id_cards.into_iter().collect::<Vec<_>>(), [ANN_ID_CARD.to_uppercase()]);
    assert_eq!(ids(&customers_by_phone_or_email(pool, acme, None, Some(" ANN@example.com ")).await.unwrap()), [c1]);
    assert_eq!(ids(&customers_by_phone_or_email(pool, acme, Some("(139) 0000 0000"), None).await.unwrap()), [c2]);
    assert!(customers_by_phone_or_email(pool, acme, Some(""), Some("nobody@example.com")).await.unwrap().is_empty());

    // Tenant isolation: globex's customer has Ann's phone and ID card, and stays globex's.
    assert!(get_customer(pool, globex, c1).await.unwrap().is_none());
    assert!(get_customer(pool, acme, id(G1)).await.unwrap().is_none());
    assert_eq!(ids(&duplicates(pool, globex, Some("+8613800138000"), Some(ANN_ID_CARD)).await.unwrap()), [id(G1)]);
    assert_eq!(ids(&customers_by_phone_or_email(pool, globex, Some("8613800138000"), None).await.unwrap()), [id(G1)]);
    assert_eq!(found(pool, globex, &[condition("name", NotEmpty, None, None)]).await, [id(G1)]);
    let (everyone, total) = find_customers(pool, globex, &[], &types, None, 10, 0).await.unwrap();
    assert_eq!((ids(&everyone), total), (vec![id(G1)], 1));
    assert!(find_customers(pool, Uuid::now_v7(), &[], &types, None, 10, 0).await.unwrap().0.is_empty());

    // An update replaces every value.
    let position = update(&env, acme, C2, 100, &[("name", "Bob Chen"), ("city", "Beijing")]).await;
    assert!(runner.wait_for(position, TIME_LIMIT).await);
    let updated = get_customer(pool, acme, c2).await.unwrap().unwrap();
    assert_eq!(updated.values, values(&[("name", "Bob Chen"), ("city", "Beijing")]));
    assert_eq!((updated.phone, updated.created_at, updated.updated_at), (None, at(10), at(100)));
    assert!(found(pool, acme, &[condition("vip_level", GreaterThan, Some("5"), None)]).await.is_empty());
    assert_eq!(found(pool, acme, &[condition("city", Equals, Some("beijing"), None)]).await, [c2]);
    assert!(duplicates(pool, acme, Some("13900000000"), None).await.unwrap().is_empty(), "the old phone is gone");
    assert_eq!(found(pool, acme, &[condition("phone", IsEmpty, None, None)]).await, [c3, c2]);
    runner.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_are_found_by_every_operator_and_type_on_sqlite() {
    customers_are_found_by_every_operator_and_type(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_are_found_by_every_operator_and_type_on_postgres() {
    customers_are_found_by_every_operator_and_type(Backend::Postgres).await;
}

const CUSTOMER_COLUMNS: &str = "tenant_id, customer_id, forgotten, name, phone, phone_key, id_card_key, created_at, \
     updated_at, values_json, position";
const VALUE_COLUMNS: &str = "tenant_id, customer_id, key, text_value, folded_value, number_value";
const QUERY_COLUMNS: &str = "tenant_id, query_id, owner_id, name, shared, definition_json, deleted, position";

async fn dump_all(pool: &AnyPool) -> Vec<Vec<String>> {
    vec![
        dump_table(pool, "customers", CUSTOMER_COLUMNS, "tenant_id, customer_id").await,
        dump_table(pool, "customer_values", VALUE_COLUMNS, "tenant_id, customer_id, key").await,
        dump_table(pool, "customer_field_types", "tenant_id, key, field_type, position", "tenant_id, key").await,
        dump_table(pool, "customer_saved_queries", QUERY_COLUMNS, "tenant_id, query_id").await,
    ]
}

/// The rows of the tenant's read models that hold any of `data` (ignoring case), and the
/// customer's value rows: none once the customer is forgotten.
async fn traces_of(pool: &AnyPool, tenant_id: Uuid, customer_id: Uuid, data: &[&str]) -> Vec<String> {
    let tenant = tenant_id.to_string();
    let value_row = format!("{tenant}|{customer_id}|");
    let tables = dump_all(pool).await;
    let mut traces: Vec<String> = tables[1].iter().filter(|row| row.starts_with(&value_row)).cloned().collect();
    for row in tables.into_iter().flatten().filter(|row| row.starts_with(&tenant)) {
        if data.iter().any(|text| row.to_lowercase().contains(&text.to_lowercase())) {
            traces.push(row);
        }
    }
    traces
}

fn customers_projection(env: &TestEnv) -> Vec<Arc<dyn Projection>> {
    vec![Arc::new(CustomersProjection::new(env.keys.clone()))]
}

async fn forgotten_customers_lose_their_data_everywhere_even_after_a_rebuild(backend: Backend) {
    use ConditionOp::*;
    let env = TestEnv::new(backend).await;
    let pool = &env.pool;
    let (acme, _, _) = write_customers(&env).await;
    let runner = started_runner(&env, env.store.head_position().await.unwrap()).await;
    assert!(get_customer(pool, acme, id(C1)).await.unwrap().is_some_and(|customer| !customer.forgotten));

    let position = forget(&env, acme, C1, 50).await;
    assert!(runner.wait_for(position, TIME_LIMIT).await);
    let forgotten = get_customer(pool, acme, id(C1)).await.unwrap().expect("a forgotten customer still shows");
    assert!(forgotten.forgotten);
    assert!(forgotten.values.is_empty());
    assert_eq!((forgotten.name, forgotten.phone), (None, None));
    assert_eq!((forgotten.created_at, forgotten.updated_at), (at(0), at(50)));
    let ann_data =
        ["Ann Lee", "+86 138 0013 8000", "8613800138000", ANN_ID_CARD, "Hangzhou", "ann@example.com", "1200.5"];
    assert_eq!(traces_of(pool, acme, id(C1), &ann_data).await, Vec::<String>::new());
    // Queries do not find it; the list without conditions shows it, as forgotten.
    assert!(found(pool, acme, &[condition("name", Contains, Some("ann"), None)]).await.is_empty());
    assert_eq!(found(pool, acme, &[condition("name", NotEmpty, None, None)]).await, [id(C3), id(C2)]);
    assert_eq!(found(pool, acme, &[condition("id_card", IsEmpty, None, None)]).await, [id(C3), id(C2)]);
    let types = field_types(&tenant_fields());
    let (everyone, total) = find_customers(pool, acme, &[], &types, None, 10, 0).await.unwrap();
    assert_eq!((ids(&everyone), total), (vec![id(C3), id(C2), id(C1)], 3));
    assert!(everyone[2].forgotten && everyone[2].values.is_empty());
    assert!(duplicates(pool, acme, Some("+86 138 0013 8000"), Some(ANN_ID_CARD)).await.unwrap().is_empty());
    assert!(customers_by_phone_or_email(pool, acme, None, Some("ann@example.com")).await.unwrap().is_empty());
    // Forgetting dropped the key from the cache too.
    assert_eq!(env.keys.get(acme, key_id_of(C1)).await.unwrap(), None);

    // C3's key is destroyed before its forgetting is recorded (the service stopped between the
    // two); C4's profile was sealed with another key than the one it names.
    env.keys.destroy(acme, key_id_of(C3)).await.unwrap();
    let key_id = key_id_of(C4);
    env.keys.create(acme, key_id).await.unwrap();
    let profile = normalised(&[("name", "Quinn"), ("city", "Wuhan")]);
    let wrongly_sealed = sealed(&[9; 32], key_id, &profile);
    let action = CustomerAction::Create { values: profile, fields: tenant_fields(), sealed: wrongly_sealed };
    let command = CustomerCommand { tenant_id: acme, customer_id: id(C4), at: at(60), action };
    let head = decide_and_append::<Customer>(&env.store, acme, command).await;
    assert!(runner.wait_for(head, TIME_LIMIT).await);
    runner.shutdown().await;
    assert!(get_customer(pool, acme, id(C4)).await.unwrap().unwrap().forgotten, "a profile that does not open");
    assert_eq!(traces_of(pool, acme, id(C4), &["Quinn", "Wuhan"]).await, Vec::<String>::new());
    assert!(!get_customer(pool, acme, id(C3)).await.unwrap().unwrap().forgotten, "applied while the key was there");

    // The whole log, every prefix and every suffix once more: nothing changes.
    let live = dump_all(pool).await;
    let events = env.store.read_all(Scope::Global, 0, 10_000).await.unwrap();
    let ranges = (1..=events.len()).map(|end| &events[..end]).chain((1..events.len()).map(|start| &events[start..]));
    for range in ranges {
        apply_again(pool, &customers_projection(&env), range).await;
        let (first, last) = (range[0].global_position, range[range.len() - 1].global_position);
        assert_eq!(dump_all(pool).await, live, "applying positions {first} to {last} again changed a row");
    }

    // A rebuild, with C1's and C3's keys destroyed: both show as forgotten, with no data.
    rebuild(env.store.as_ref(), pool, customers_projection(&env)[0].as_ref(), 0).await.unwrap();
    let rebuilt = dump_all(pool).await;
    let c3_values = format!("{acme}|{}|", id(C3));
    let live_values_but_c3: Vec<String> = live[1].iter().filter(|row| !row.starts_with(&c3_values)).cloned().collect();
    assert_eq!(rebuilt[1], live_values_but_c3, "the other customers' values are the same");
    assert_eq!(rebuilt[2..], live[2..], "the field types and saved queries are the same");
    assert_eq!(traces_of(pool, acme, id(C1), &ann_data).await, Vec::<String>::new());
    assert_eq!(traces_of(pool, acme, id(C3), &["Cai Wu", "50%_off"]).await, Vec::<String>::new());
    for customer in [C1, C3, C4] {
        let view = get_customer(pool, acme, id(customer)).await.unwrap().expect("still listed");
        assert!(view.forgotten && view.values.is_empty() && view.name.is_none(), "{view:?}");
    }
    assert_eq!(get_customer(pool, acme, id(C1)).await.unwrap().unwrap().updated_at, at(50));
    assert_eq!(found(pool, acme, &[condition("name", NotEmpty, None, None)]).await, [id(C2)]);
    assert_eq!(get_customer(pool, acme, id(C2)).await.unwrap().unwrap().values, normalised(&bob()));
    // Rebuilding again gives the same rows (and finds the index names free).
    rebuild(env.store.as_ref(), pool, customers_projection(&env)[0].as_ref(), 0).await.unwrap();
    assert_eq!(dump_all(pool).await, rebuilt);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forgotten_customers_lose_their_data_everywhere_even_after_a_rebuild_on_sqlite() {
    forgotten_customers_lose_their_data_everywhere_even_after_a_rebuild(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forgotten_customers_lose_their_data_everywhere_even_after_a_rebuild_on_postgres() {
    forgotten_customers_lose_their_data_everywhere_even_after_a_rebuild(Backend::Postgres).await;
}

#[tokio::test]
async fn projections_are_found_by_their_unique_names() {
    let env = TestEnv::new(Backend::Sqlite).await;
    let names: Vec<&str> = all_projections(env.keys.clone()).iter().map(|projection| projection.name()).collect();
    assert_eq!(names, PROJECTION_NAMES);
    assert_eq!(
        names,
        [
            "tenants",
            "users",
            "roles",
            "org_units",
            "dictionaries",
            "tenant_settings",
            "tenant_usage",
            "conversations",
            "queue_stats",
            "customers",
            "knowledge",
            "telephony",
            "calls",
            "tickets",
            "mail_addresses"
        ]
    );
    let by_name = |name: &str| projection_by_name(name, env.keys.clone()).map(|projection| projection.tables());
    assert_eq!(by_name("users"), Some(&["users"][..]));
    assert_eq!(
        by_name("customers"),
        Some(&["customers", "customer_values", "customer_field_types", "customer_saved_queries"][..])
    );
    assert!(by_name("nope").is_none());
}

fn saved_query(query: u128, owner: u128, name: &str, shared: bool) -> SavedQuery {
    SavedQuery {
        query_id: id(query),
        name: name.into(),
        owner_id: id(owner),
        shared,
        body: CustomerQuery {
            conditions: vec![condition("vip_level", ConditionOp::GreaterThan, Some("5"), None)],
            sort_field: Some("name".into()),
            sort_descending: true,
        },
    }
}

async fn save(store: &SharedEventStore, tenant_id: Uuid, query: SavedQuery) -> u64 {
    let by_user = query.owner_id;
    decide_and_append::<SavedQueries>(store, tenant_id, SavedQueriesCommand::Save { tenant_id, query, by_user }).await
}

fn query_ids(queries: &[SavedQuery]) -> Vec<Uuid> {
    queries.iter().map(|query| query.query_id).collect()
}

async fn saved_queries_are_listed_to_their_owner_and_when_shared_to_everyone(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let pool = &env.pool;
    let store = &env.store;
    let (acme, _) = create_tenant(store, "acme").await;
    let (globex, _) = create_tenant(store, "globex").await;
    save(store, acme, saved_query(1, ANN, "VIPs", false)).await;
    save(store, acme, saved_query(2, ANN, "Big spenders", true)).await;
    save(store, acme, saved_query(3, BOB, "Bob's VIPs", false)).await;
    let head = save(store, globex, saved_query(4, ANN, "Globex VIPs", true)).await;
    let runner = started_runner(&env, head).await;

    assert_eq!(query_ids(&list_saved_queries(pool, acme, id(ANN)).await.unwrap()), [id(2), id(1)], "by name");
    assert_eq!(query_ids(&list_saved_queries(pool, acme, id(BOB)).await.unwrap()), [id(2), id(3)]);
    assert_eq!(list_saved_queries(pool, acme, id(ANN)).await.unwrap()[1], saved_query(1, ANN, "VIPs", false));
    assert_eq!(
        get_saved_query(pool, acme, id(BOB), id(2)).await.unwrap(),
        Some(saved_query(2, ANN, "Big spenders", true))
    );
    assert_eq!(get_saved_query(pool, acme, id(BOB), id(1)).await.unwrap(), None, "Ann's own query");
    assert_eq!(get_saved_query(pool, acme, id(ANN), id(4)).await.unwrap(), None, "globex's");
    assert_eq!(query_ids(&list_saved_queries(pool, globex, id(BOB)).await.unwrap()), [id(4)]);

    // Re-saved unshared, then deleted: gone for Bob, then for Ann too.
    let position = save(store, acme, saved_query(2, ANN, "Big spenders", false)).await;
    assert!(runner.wait_for(position, TIME_LIMIT).await);
    assert_eq!(query_ids(&list_saved_queries(pool, acme, id(BOB)).await.unwrap()), [id(3)]);
    let delete = SavedQueriesCommand::Delete { tenant_id: acme, query_id: id(2), by_user: id(ANN) };
    let position = decide_and_append::<SavedQueries>(store, acme, delete).await;
    assert!(runner.wait_for(position, TIME_LIMIT).await);
    runner.shutdown().await;
    assert_eq!(query_ids(&list_saved_queries(pool, acme, id(ANN)).await.unwrap()), [id(1)]);
    assert_eq!(get_saved_query(pool, acme, id(ANN), id(2)).await.unwrap(), None);

    // Applying the log again (its `saved` events too) does not bring the deleted one back.
    let live = dump_all(pool).await;
    let events = store.read_all(Scope::Global, 0, 10_000).await.unwrap();
    for end in 1..=events.len() {
        apply_again(pool, &customers_projection(&env), &events[..end]).await;
    }
    assert_eq!(dump_all(pool).await, live);
    rebuild(store.as_ref(), pool, customers_projection(&env)[0].as_ref(), 0).await.unwrap();
    assert_eq!(dump_all(pool).await, live);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_queries_are_listed_to_their_owner_and_when_shared_to_everyone_on_sqlite() {
    saved_queries_are_listed_to_their_owner_and_when_shared_to_everyone(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_queries_are_listed_to_their_owner_and_when_shared_to_everyone_on_postgres() {
    saved_queries_are_listed_to_their_owner_and_when_shared_to_everyone(Backend::Postgres).await;
}

/// A created event as the store would hand it over, without the store.
fn created_envelope(tenant_id: Uuid, position: u64, event: CustomerEvent) -> EventEnvelope {
    let CustomerEvent::Created(ProfileSealed { customer_id, .. }) = &event else { panic!("a creation") };
    EventEnvelope {
        id: Uuid::now_v7(),
        event_type: event.event_type().to_owned(),
        schema_version: event.schema_version(),
        tenant_id,
        stream_id: StreamId::new(customer::CONTEXT, *customer_id),
        stream_version: 1,
        global_position: position,
        occurred_at: at(0),
        recorded_at: at(0),
        actor: Actor::system("test"),
        correlation_id: Uuid::now_v7(),
        causation_id: Uuid::now_v7(),
        payload: event.to_payload(),
        prev_hash: String::new(),
        hash: String::new(),
    }
}

/// Applies `events` to the live tables in the runner's batches, one transaction each.
async fn apply_in_batches(pool: &AnyPool, projection: &dyn Projection, events: &[EventEnvelope]) {
    let mut connection = pool.acquire().await.expect("a connection");
    for batch in events.chunks(hotline_projections::runner::BATCH_SIZE) {
        let mut transaction = begin_write(&mut connection).await.expect("a transaction");
        projection.apply(&mut transaction, "", batch).await.expect("the batch applies");
        transaction.commit().await.expect("the batch commits");
    }
}

/// Not a benchmark with a threshold: prints how long the projection takes over an import's
/// worth of creations, with the keys cached (as right after an import) and not (a rebuild).
async fn applying_ten_thousand_creations_is_measured(backend: Backend) {
    const CUSTOMERS: u64 = 10_000;
    let env = TestEnv::new(backend).await;
    let (acme, _) = create_tenant(&env.store, "acme").await;
    define_fields(&env.store, acme).await;
    let fields = env.store.read_all(Scope::Global, 0, 10).await.unwrap();

    let started = Instant::now();
    let mut events = Vec::new();
    for number in 0..CUSTOMERS {
        let key_id = Uuid::now_v7();
        let key = env.keys.create(acme, key_id).await.expect("the key is stored");
        let phone = format!("+86 138 {:04} {:04}", number / 10_000, number % 10_000);
        let vip_level = (number % 7).to_string();
        let profile = normalised(&[
            ("name", &format!("Customer {number}")),
            ("gender", if number % 2 == 0 { "female" } else { "male" }),
            ("phone", &phone),
            ("vip_level", &vip_level),
            ("city", if number % 3 == 0 { "Hangzhou" } else { "Xi'an" }),
            ("email", &format!("customer{number}@example.com")),
        ]);
        let event = CustomerEvent::Created(ProfileSealed {
            customer_id: Uuid::now_v7(),
            sealed: sealed(&key, key_id, &profile),
            at: at(number as i64),
        });
        events.push(created_envelope(acme, 1_000 + number, event));
    }
    let made = started.elapsed();

    let projection = CustomersProjection::new(env.keys.clone());
    let mut connection = env.pool.acquire().await.unwrap();
    projection.create_tables(&mut connection, "").await.unwrap();
    drop(connection);
    apply_in_batches(&env.pool, &projection, &fields).await;
    let started = Instant::now();
    apply_in_batches(&env.pool, &projection, &events).await;
    let warm = started.elapsed();

    // Again, into emptied tables, with nothing cached: every key is read from the store.
    for table in ["customers", "customer_values"] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}"))).execute(&env.pool).await.unwrap();
    }
    let cold = CustomersProjection::new(SubjectKeys::new(env.secrets.clone()));
    let started = Instant::now();
    apply_in_batches(&env.pool, &cold, &events).await;
    let cold_elapsed = started.elapsed();

    let types = field_types(&tenant_fields());
    let started = Instant::now();
    let conditions = [condition("vip_level", ConditionOp::GreaterThan, Some("4"), None)];
    let (page, total) =
        find_customers(&env.pool, acme, &conditions, &types, Some(("name", false)), 50, 0).await.unwrap();
    let queried = started.elapsed();
    let started = Instant::now();
    let (_, everyone) = find_customers(&env.pool, acme, &[], &types, None, 50, 0).await.unwrap();
    let listed = started.elapsed();
    let started = Instant::now();
    let popped = customers_by_phone_or_email(&env.pool, acme, None, Some("customer777@example.com")).await.unwrap();
    let screen_pop = started.elapsed();
    assert_eq!((page.len(), total, everyone, popped.len()), (50, 2_856, CUSTOMERS, 1));
    println!(
        "customers on {backend:?}: {CUSTOMERS} creations (keys made in {made:.2?}) applied in {warm:.2?} with the keys cached \
         ({:.0}/s), {cold_elapsed:.2?} reading every key ({:.0}/s); a condition and a sort over them {queried:.2?}, \
         the newest page {listed:.2?}, the screen pop by email {screen_pop:.2?}",
        CUSTOMERS as f64 / warm.as_secs_f64(),
        CUSTOMERS as f64 / cold_elapsed.as_secs_f64(),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applying_ten_thousand_creations_is_measured_on_sqlite() {
    applying_ten_thousand_creations_is_measured(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applying_ten_thousand_creations_is_measured_on_postgres() {
    applying_ten_thousand_creations_is_measured(Backend::Postgres).await;
}
