//! The read models of tenant administration: organisation units (paths and subtree
//! queries through moves), dictionaries, tenant settings and usage counters. Each runs on
//! SQLite and PostgreSQL, is scoped to the caller's tenant, and is idempotent (a range of
//! events applied twice, or a rebuild, gives the same rows).

mod common;

use std::sync::Arc;

use chrono::Utc;
use common::{Backend, TIME_LIMIT, TestEnv, append, create_tenant, dump_table};
use hotline_domain::dictionary::{Dictionary, DictionaryCommand, DictionaryEntry, ValueType, dictionary_id_for_code};
use hotline_domain::identity::tenant::{Tenant, TenantCommand, TenantSettings};
use hotline_domain::identity::user::{User, UserCommand};
use hotline_domain::organisation::{Dimension, Organisation, OrganisationCommand, UnitKind};
use hotline_domain::{Decider, DomainEvent, ExpectedVersion, NewEvent};
use hotline_infra::store::{Direction, Scope, SharedEventStore};
use hotline_projections::{
    DictionariesProjection, OrgUnitsProjection, Projection, ProjectionRunner, RunnerHandle, TenantSettingsProjection,
    TenantUsageProjection, all_projections, get_dictionary, get_org_unit, get_tenant_settings, get_tenant_usage,
    list_dictionaries, list_org_units, rebuild, units_at_and_below,
};
use uuid::Uuid;

/// Loads the command's stream, decides with `D`, and appends what it decided; returns the
/// position of the last event appended.
async fn decide_and_append<D: Decider>(store: &SharedEventStore, tenant_id: Uuid, command: D::Command) -> u64 {
    let stream_id = D::stream_id(&command);
    let stored = store.read_stream(tenant_id, &stream_id, Direction::Forwards, 1, 10_000).await.expect("stream reads");
    let history: Vec<D::Event> = stored
        .iter()
        .map(|envelope| D::Event::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload))
        .collect::<Result<_, _>>()
        .expect("stored events decode");
    let state = D::replay(&history);
    let events = D::decide(&state, &command).unwrap_or_else(|error| panic!("the command is accepted: {error}"));
    let new_events = events
        .iter()
        .map(|event| {
            NewEvent::new(Uuid::now_v7(), event.event_type(), event.schema_version(), Utc::now(), event.to_payload())
        })
        .collect();
    let version = stored.last().map(|envelope| envelope.stream_version).unwrap_or(0);
    append(store, tenant_id, stream_id, ExpectedVersion::Exact(version), new_events).await
}

fn unit(number: u128) -> Uuid {
    Uuid::from_u128(0xa000 + number)
}

async fn create_unit(
    store: &SharedEventStore,
    tenant_id: Uuid,
    number: u128,
    parent: Option<u128>,
    name: &str,
    dimension: Dimension,
) -> u64 {
    let command = OrganisationCommand::CreateUnit {
        tenant_id,
        unit_id: unit(number),
        parent_id: parent.map(unit),
        name: name.to_owned(),
        kind: UnitKind::Department,
        dimension,
    };
    decide_and_append::<Organisation>(store, tenant_id, command).await
}

async fn move_unit(store: &SharedEventStore, tenant_id: Uuid, number: u128, new_parent: Option<u128>) -> u64 {
    let command =
        OrganisationCommand::MoveUnit { tenant_id, unit_id: unit(number), new_parent_id: new_parent.map(unit) };
    decide_and_append::<Organisation>(store, tenant_id, command).await
}

async fn start(env: &TestEnv, head: u64) -> RunnerHandle {
    let runner = ProjectionRunner::start(env.store.clone(), env.pool.clone(), all_projections(env.keys.clone()));
    assert!(runner.wait_for(head, TIME_LIMIT).await, "the projections reach position {head}");
    runner
}

/// acme: reporting 1 > 2 > 3 > 4 and 1 > 5, level root 6; globex: reporting root 7.
async fn write_organisations(store: &SharedEventStore) -> (Uuid, Uuid, u64) {
    let (acme, _) = create_tenant(store, "acme").await;
    let (globex, _) = create_tenant(store, "globex").await;
    create_unit(store, acme, 1, None, "Head office", Dimension::Reporting).await;
    create_unit(store, acme, 2, Some(1), "North", Dimension::Reporting).await;
    create_unit(store, acme, 3, Some(2), "Billing", Dimension::Reporting).await;
    create_unit(store, acme, 4, Some(3), "Night shift", Dimension::Reporting).await;
    create_unit(store, acme, 5, Some(1), "South", Dimension::Reporting).await;
    create_unit(store, acme, 6, None, "Grade A", Dimension::Level).await;
    let head = create_unit(store, globex, 7, None, "Globex HQ", Dimension::Reporting).await;
    (acme, globex, head)
}

async fn org_units_follow_moves_renames_and_removals(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let (acme, globex, head) = write_organisations(&env.store).await;
    let runner = start(&env, head).await;
    let pool = &env.pool;

    let reporting = list_org_units(pool, acme, Some(Dimension::Reporting)).await.unwrap();
    assert_eq!(
        reporting.iter().map(|view| view.name.as_str()).collect::<Vec<_>>(),
        ["Head office", "North", "South", "Billing", "Night shift"]
    );
    let night_shift = get_org_unit(pool, acme, unit(4)).await.unwrap().expect("unit 4 is projected");
    assert_eq!((night_shift.depth, night_shift.path.clone()), (3, vec![unit(1), unit(2), unit(3), unit(4)]));
    assert_eq!(night_shift.parent_id, Some(unit(3)));
    assert_eq!(units_at_and_below(pool, acme, unit(2)).await.unwrap(), [unit(2), unit(3), unit(4)]);
    assert_eq!(list_org_units(pool, acme, None).await.unwrap().len(), 6);
    assert_eq!(list_org_units(pool, acme, Some(Dimension::Level)).await.unwrap()[0].unit_id, unit(6));

    // Tenants never see each other's units, not even by id.
    assert_eq!(list_org_units(pool, globex, None).await.unwrap().len(), 1);
    assert!(units_at_and_below(pool, globex, unit(2)).await.unwrap().is_empty());
    assert!(units_at_and_below(pool, acme, unit(7)).await.unwrap().is_empty());
    assert!(get_org_unit(pool, globex, unit(1)).await.unwrap().is_none());

    // Billing moves, with its team, from North to South.
    let position = move_unit(&env.store, acme, 3, Some(5)).await;
    assert!(runner.wait_for(position, TIME_LIMIT).await);
    assert_eq!(units_at_and_below(pool, acme, unit(2)).await.unwrap(), [unit(2)]);
    assert_eq!(units_at_and_below(pool, acme, unit(5)).await.unwrap(), [unit(5), unit(3), unit(4)]);
    let night_shift = get_org_unit(pool, acme, unit(4)).await.unwrap().unwrap();
    assert_eq!(night_shift.path, [unit(1), unit(5), unit(3), unit(4)]);
    assert_eq!(get_org_unit(pool, acme, unit(3)).await.unwrap().unwrap().parent_id, Some(unit(5)));

    // To the top: the subtree's depths shrink with it.
    let position = move_unit(&env.store, acme, 3, None).await;
    assert!(runner.wait_for(position, TIME_LIMIT).await);
    let night_shift = get_org_unit(pool, acme, unit(4)).await.unwrap().unwrap();
    assert_eq!((night_shift.depth, night_shift.path), (1, vec![unit(3), unit(4)]));
    assert_eq!(units_at_and_below(pool, acme, unit(1)).await.unwrap(), [unit(1), unit(2), unit(5)]);

    let rename = OrganisationCommand::RenameUnit { tenant_id: acme, unit_id: unit(4), name: "Day shift".into() };
    let position = decide_and_append::<Organisation>(&env.store, acme, rename).await;
    assert!(runner.wait_for(position, TIME_LIMIT).await);
    assert_eq!(get_org_unit(pool, acme, unit(4)).await.unwrap().unwrap().name, "Day shift");

    let remove = OrganisationCommand::RemoveUnit { tenant_id: acme, unit_id: unit(4) };
    let position = decide_and_append::<Organisation>(&env.store, acme, remove).await;
    assert!(runner.wait_for(position, TIME_LIMIT).await);
    assert!(get_org_unit(pool, acme, unit(4)).await.unwrap().is_none());
    assert_eq!(units_at_and_below(pool, acme, unit(3)).await.unwrap(), [unit(3)]);
    runner.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn org_units_follow_moves_renames_and_removals_on_sqlite() {
    org_units_follow_moves_renames_and_removals(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn org_units_follow_moves_renames_and_removals_on_postgres() {
    org_units_follow_moves_renames_and_removals(Backend::Postgres).await;
}

fn entry(code: &str, label: &str, sort_order: i32, enabled: bool) -> DictionaryEntry {
    DictionaryEntry { code: code.into(), label: label.into(), sort_order, enabled }
}

async fn create_dictionary(store: &SharedEventStore, tenant_id: Uuid, code: &str, value_type: ValueType) -> u64 {
    let command =
        DictionaryCommand::CreateDictionary { tenant_id, code: code.into(), name: format!("List {code}"), value_type };
    decide_and_append::<Dictionary>(store, tenant_id, command).await
}

async fn set_entries(store: &SharedEventStore, tenant_id: Uuid, code: &str, entries: Vec<DictionaryEntry>) -> u64 {
    let command = DictionaryCommand::SetEntries { dictionary_id: dictionary_id_for_code(tenant_id, code), entries };
    decide_and_append::<Dictionary>(store, tenant_id, command).await
}

async fn dictionaries_are_per_tenant_and_entries_replace_the_list(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let (acme, _) = create_tenant(&env.store, "acme").await;
    let (globex, _) = create_tenant(&env.store, "globex").await;
    create_dictionary(&env.store, acme, "reasons", ValueType::Text).await;
    create_dictionary(&env.store, acme, "Flags", ValueType::Boolean).await;
    create_dictionary(&env.store, globex, "reasons", ValueType::Number).await;
    set_entries(&env.store, acme, "reasons", vec![entry("billing", "Billing", 2, true), entry("old", "Old", 9, false)])
        .await;
    let head = set_entries(
        &env.store,
        acme,
        "reasons",
        vec![
            entry("outage", "Outage", 1, true),
            entry("billing", "Billing question", 2, true),
            entry("spam", "Spam", 2, false),
        ],
    )
    .await;
    let runner = start(&env, head).await;

    let acme_lists = list_dictionaries(&env.pool, acme).await.unwrap();
    assert_eq!(acme_lists.iter().map(|list| list.code.as_str()).collect::<Vec<_>>(), ["Flags", "reasons"]);
    let reasons = &acme_lists[1];
    assert_eq!(reasons.value_type, ValueType::Text);
    assert_eq!(
        reasons.entries,
        [
            entry("outage", "Outage", 1, true),
            entry("billing", "Billing question", 2, true),
            entry("spam", "Spam", 2, false)
        ],
        "the second list replaced the first, ordered by sort order and code"
    );
    assert!(acme_lists[0].entries.is_empty());
    let by_code = get_dictionary(&env.pool, acme, "REASONS").await.unwrap().expect("codes ignore case");
    assert_eq!(&by_code, reasons);

    let globex_lists = list_dictionaries(&env.pool, globex).await.unwrap();
    assert_eq!(globex_lists.len(), 1);
    assert_eq!((globex_lists[0].value_type, globex_lists[0].entries.len()), (ValueType::Number, 0));
    assert!(get_dictionary(&env.pool, globex, "flags").await.unwrap().is_none());
    runner.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dictionaries_are_per_tenant_and_entries_replace_the_list_on_sqlite() {
    dictionaries_are_per_tenant_and_entries_replace_the_list(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dictionaries_are_per_tenant_and_entries_replace_the_list_on_postgres() {
    dictionaries_are_per_tenant_and_entries_replace_the_list(Backend::Postgres).await;
}

fn acme_settings() -> TenantSettings {
    TenantSettings {
        organisation_name: "Acme Care".into(),
        logo_url: "https://acme.example/logo.svg".into(),
        copyright: "(c) Acme".into(),
        hotline_number: "+86 400 123".into(),
        website_url: "https://acme.example".into(),
        support_email: String::new(),
        time_zone: "Asia/Shanghai".into(),
    }
}

async fn create_user(store: &SharedEventStore, tenant_id: Uuid, username: &str) -> u64 {
    let command = UserCommand::CreateUser {
        tenant_id,
        username: username.into(),
        display_name: format!("User {username}"),
        role_ids: vec![hotline_domain::access::BuiltInRole::Agent.id()],
        org_unit_id: None,
        credential_id: Uuid::now_v7(),
        email: None,
    };
    decide_and_append::<User>(store, tenant_id, command).await
}

async fn settings_and_usage_are_per_tenant(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let (acme, _) = create_tenant(&env.store, "acme").await;
    let (globex, _) = create_tenant(&env.store, "globex").await;
    let update =
        TenantCommand::UpdateSettings { tenant_id: acme, settings: acme_settings(), keep_support_email: false };
    decide_and_append::<Tenant>(&env.store, acme, update).await;
    for username in ["ann", "bob", "carl"] {
        create_user(&env.store, acme, username).await;
    }
    let head = create_user(&env.store, globex, "dora").await;
    let runner = start(&env, head).await;

    let settings = get_tenant_settings(&env.pool, acme).await.unwrap().expect("acme has settings");
    assert_eq!(
        (settings.organisation_name.as_str(), settings.logo_url.as_str(), settings.hotline_number.as_str()),
        ("Acme Care", "https://acme.example/logo.svg", "+86 400 123")
    );
    assert_eq!(settings.time_zone, "Asia/Shanghai");
    let defaults = get_tenant_settings(&env.pool, globex).await.unwrap().expect("globex has default settings");
    assert_eq!((defaults.organisation_name.as_str(), defaults.website_url.as_str()), ("Tenant globex", ""));
    assert_eq!(defaults.time_zone, "", "UTC until set");
    assert!(get_tenant_settings(&env.pool, Uuid::now_v7()).await.unwrap().is_none());

    let usage = get_tenant_usage(&env.pool, acme).await.unwrap();
    assert_eq!((usage.seats, usage.minutes, usage.messages), (3, 0, 0));
    assert_eq!(get_tenant_usage(&env.pool, globex).await.unwrap().seats, 1);
    assert_eq!(get_tenant_usage(&env.pool, Uuid::now_v7()).await.unwrap().seats, 0);
    runner.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_and_usage_are_per_tenant_on_sqlite() {
    settings_and_usage_are_per_tenant(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_and_usage_are_per_tenant_on_postgres() {
    settings_and_usage_are_per_tenant(Backend::Postgres).await;
}

/// Each projection's tables, with the columns and order to compare them by.
const DUMPS: &[(&str, &str, &str)] = &[
    ("org_units", "tenant_id, unit_id, parent_id, name, kind, dimension, depth, path, position", "tenant_id, unit_id"),
    ("org_versions", "tenant_id, stream_version, position", "tenant_id"),
    (
        "dictionaries",
        "tenant_id, dictionary_id, code, name, value_type, updated_at, position",
        "tenant_id, dictionary_id",
    ),
    (
        "dictionary_entries",
        "tenant_id, dictionary_id, code, label, sort_order, enabled",
        "tenant_id, dictionary_id, code",
    ),
    ("tenant_settings", "tenant_id, organisation_name, logo_url, hotline_number, position", "tenant_id"),
    ("tenant_usage", "tenant_id, seats, minutes, messages, position", "tenant_id"),
];

async fn dump_all(env: &TestEnv) -> Vec<Vec<String>> {
    let mut dumps = Vec::new();
    for (table, columns, order_by) in DUMPS {
        dumps.push(dump_table(&env.pool, table, columns, order_by).await);
    }
    dumps
}

fn tenant_admin_projections() -> Vec<Arc<dyn Projection>> {
    vec![
        Arc::new(OrgUnitsProjection),
        Arc::new(DictionariesProjection),
        Arc::new(TenantSettingsProjection),
        Arc::new(TenantUsageProjection),
    ]
}

async fn applying_the_log_twice_or_rebuilding_changes_nothing(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let (acme, globex, _) = write_organisations(&env.store).await;
    move_unit(&env.store, acme, 3, Some(5)).await;
    move_unit(&env.store, acme, 2, Some(5)).await;
    // Replaying the first move again without the version guard would put 3 back under 5.
    move_unit(&env.store, acme, 3, None).await;
    create_dictionary(&env.store, globex, "reasons", ValueType::Text).await;
    set_entries(&env.store, globex, "reasons", vec![entry("a", "A", 1, true)]).await;
    set_entries(&env.store, globex, "reasons", vec![entry("b", "B", 1, true)]).await;
    let update =
        TenantCommand::UpdateSettings { tenant_id: acme, settings: acme_settings(), keep_support_email: false };
    decide_and_append::<Tenant>(&env.store, acme, update).await;
    let head = create_user(&env.store, acme, "ann").await;
    let runner = start(&env, head).await;
    runner.shutdown().await;
    let live = dump_all(&env).await;
    assert_eq!(live[0].len(), 7, "every unit is projected: {:?}", live[0]);

    // Every prefix and every suffix of the log once more: every row stays as it was.
    let events = env.store.read_all(Scope::Global, 0, 10_000).await.unwrap();
    let ranges = (1..=events.len()).map(|end| &events[..end]).chain((1..events.len()).map(|start| &events[start..]));
    for range in ranges {
        let mut connection = env.pool.acquire().await.unwrap();
        let mut transaction = hotline_projections::runner::begin_write(&mut connection).await.unwrap();
        for projection in tenant_admin_projections() {
            projection.apply(&mut transaction, "", range).await.unwrap();
        }
        transaction.commit().await.unwrap();
        drop(connection);
        let (first, last) = (range[0].global_position, range[range.len() - 1].global_position);
        assert_eq!(dump_all(&env).await, live, "applying positions {first} to {last} again changed a row");
    }

    for projection in tenant_admin_projections() {
        rebuild(env.store.as_ref(), &env.pool, projection.as_ref(), 0).await.unwrap();
    }
    assert_eq!(dump_all(&env).await, live, "a rebuild differs from the live run");
    // The rebuilt tables keep serving the same answers.
    assert_eq!(units_at_and_below(&env.pool, acme, unit(5)).await.unwrap(), [unit(5), unit(2)]);
    assert_eq!(units_at_and_below(&env.pool, acme, unit(3)).await.unwrap(), [unit(3), unit(4)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applying_the_log_twice_or_rebuilding_changes_nothing_on_sqlite() {
    applying_the_log_twice_or_rebuilding_changes_nothing(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applying_the_log_twice_or_rebuilding_changes_nothing_on_postgres() {
    applying_the_log_twice_or_rebuilding_changes_nothing(Backend::Postgres).await;
}

/// Whom a ticket step for a unit is mailed to: the members of the unit and of every unit
/// below it, in this tenant only.
async fn a_units_mail_reaches_its_sub_units(backend: Backend) {
    use hotline_domain::ticket::Candidate;
    use hotline_projections::mail_addresses::mail_recipients;
    let env = TestEnv::new(backend).await;
    let (acme, globex, _) = write_organisations(&env.store).await;
    let mut head = 0;
    for (tenant_id, username, unit_number) in [
        (acme, "north", 2),
        (acme, "billing", 3),
        (acme, "night", 4),
        (acme, "south", 5),
        (acme, "head", 1),
        (globex, "other", 7),
    ] {
        let command = UserCommand::CreateUser {
            tenant_id,
            username: username.to_owned(),
            display_name: username.to_owned(),
            role_ids: vec![hotline_domain::access::BuiltInRole::Agent.id()],
            org_unit_id: Some(unit(unit_number)),
            credential_id: Uuid::now_v7(),
            email: Some(format!("{username}@example.com")),
        };
        head = decide_and_append::<User>(&env.store, tenant_id, command).await;
    }
    let _runner = start(&env, head).await;
    let mailed = |candidate: Candidate| {
        let pool = env.pool.clone();
        async move {
            let recipients = mail_recipients(&pool, acme, &[candidate]).await.unwrap();
            recipients.into_iter().map(|recipient| recipient.display_name).collect::<Vec<_>>()
        }
    };
    assert_eq!(mailed(Candidate::OrgUnit(unit(2))).await, ["billing", "night", "north"]);
    assert_eq!(mailed(Candidate::OrgUnit(unit(4))).await, ["night"]);
    assert_eq!(mailed(Candidate::OrgUnit(unit(7))).await, Vec::<String>::new(), "another tenant's unit");
}

#[tokio::test]
async fn a_units_mail_reaches_its_sub_units_on_sqlite() {
    a_units_mail_reaches_its_sub_units(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_units_mail_reaches_its_sub_units_on_postgres() {
    a_units_mail_reaches_its_sub_units(Backend::Postgres).await;
}
