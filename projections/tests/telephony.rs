//! The telephony directory read models: extensions, trunks and access numbers as their
//! events leave them, the SIP server's lookups, tenant isolation, and idempotence (a range
//! applied twice, or a rebuild, leaves the same rows).

mod common;

use std::sync::Arc;

use common::{
    Backend, TIME_LIMIT, TestEnv, assert_replays_change_nothing, create_tenant, decide_and_append, dump_table,
};
use hotline_domain::telephony::{
    AccessNumberAssigned, RegistrationInput, Telephony, TelephonyAction, TelephonyCommand, TrunkInput,
};
use hotline_projections::telephony::{
    AccessNumberRoute, ExtensionLogin, TrunkPeer, access_number_route, all_trunks, extension_for_login,
    extension_of_user, get_extension, list_access_numbers, list_extensions, list_trunks,
};
use hotline_projections::{ProjectionRunner, TelephonyProjection, all_projections};
use uuid::Uuid;

fn id(number: u128) -> Uuid {
    Uuid::from_u128(number)
}

const EXTENSION_1: u128 = 0xe001;
const EXTENSION_2: u128 = 0xe002;
const EXTENSION_3: u128 = 0xe003;
const SECRET_1: u128 = 0x5001;
const SECRET_2: u128 = 0x5002;
const SECRET_3: u128 = 0x5003;
const SECRET_4: u128 = 0x5004;
const USER_1: u128 = 0xa001;
const USER_2: u128 = 0xa002;
const TRUNK_1: u128 = 0x7001;
const TRUNK_2: u128 = 0x7002;
const QUEUE: u128 = 0x9001;

fn provision(extension: u128, number: &str, user: Option<u128>, secret: u128) -> TelephonyAction {
    TelephonyAction::ProvisionExtension {
        extension_id: id(extension),
        number: number.to_owned(),
        display_name: format!("Desk {number}"),
        user_id: user.map(id),
        secret_id: id(secret),
    }
}

fn trunk(trunk: u128, name: &str, peers: &[&str], registration: Option<RegistrationInput>) -> TrunkInput {
    TrunkInput {
        trunk_id: id(trunk),
        name: name.to_owned(),
        peers: peers.iter().map(|peer| (*peer).to_owned()).collect(),
        outbound_address: Some(format!("{}.carrier.example:5060", name.to_lowercase())),
        registration,
    }
}

fn assign(number: &str, trunk: Option<u128>) -> TelephonyAction {
    TelephonyAction::AssignAccessNumber(AccessNumberAssigned {
        number: number.to_owned(),
        queue_id: id(QUEUE),
        trunk_id: trunk.map(id),
        description: format!("Line {number}"),
    })
}

/// acme: three extensions (one removed, one disabled and rotated), two trunks (one
/// registering, then updated), two access numbers (one released). globex: the same numbers
/// and ids with its own rows. Returns (acme, globex, head position).
async fn write_directory(env: &TestEnv) -> (Uuid, Uuid, u64) {
    let store = &env.store;
    let (acme, _) = create_tenant(store, "acme").await;
    let (globex, _) = create_tenant(store, "globex").await;
    let registration = RegistrationInput {
        registrar: "reg.carrier.example".into(),
        username: "acme".into(),
        secret_id: Some(id(SECRET_4)),
    };
    let acme_actions = vec![
        provision(EXTENSION_1, "8001", Some(USER_1), SECRET_1),
        provision(EXTENSION_2, "10", Some(USER_2), SECRET_2),
        provision(EXTENSION_3, "99", None, SECRET_3),
        TelephonyAction::DefineTrunk(trunk(TRUNK_1, "Zeta", &["192.0.2.10"], None)),
        TelephonyAction::DefineTrunk(trunk(TRUNK_2, "alpha", &["198.51.100.0/24"], Some(registration))),
        assign("+4930123", Some(TRUNK_1)),
        assign("4000", None),
        TelephonyAction::UpdateExtension {
            extension_id: id(EXTENSION_2),
            display_name: "Night line".into(),
            user_id: Some(id(USER_2)),
            enabled: false,
        },
        TelephonyAction::RotateExtensionPassword { extension_id: id(EXTENSION_2), secret_id: id(SECRET_3) },
        TelephonyAction::RemoveExtension { extension_id: id(EXTENSION_3) },
        TelephonyAction::ReleaseAccessNumber { number: "4000".into() },
        TelephonyAction::UpdateTrunk(trunk(
            TRUNK_2,
            "Alpha",
            &["198.51.100.0/24", "2001:db8::/32"],
            Some(RegistrationInput {
                registrar: "reg.carrier.example".into(),
                username: "acme2".into(),
                secret_id: None,
            }),
        )),
    ];
    for action in acme_actions {
        decide_and_append::<Telephony>(store, acme, TelephonyCommand { tenant_id: acme, action }).await;
    }
    let globex_actions = vec![
        provision(EXTENSION_1, "8001", None, SECRET_1),
        TelephonyAction::DefineTrunk(trunk(TRUNK_1, "Globex", &["203.0.113.7"], None)),
        assign("4000", None),
    ];
    let mut head = 0;
    for action in globex_actions {
        head = decide_and_append::<Telephony>(store, globex, TelephonyCommand { tenant_id: globex, action }).await;
    }
    (acme, globex, head)
}

async fn the_directory_reads_as_its_events_left_it(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let pool = &env.pool;
    let (acme, globex, head) = write_directory(&env).await;
    let runner = ProjectionRunner::start(env.store.clone(), env.pool.clone(), all_projections(env.keys.clone()));
    assert!(runner.wait_for(head, TIME_LIMIT).await);

    let extensions = list_extensions(pool, acme).await.unwrap();
    let numbers: Vec<&str> = extensions.iter().map(|extension| extension.number.as_str()).collect();
    assert_eq!(numbers, ["10", "8001"], "by number, shorter first; 99 was removed");
    assert_eq!(extensions[0].display_name, "Night line");
    assert!(!extensions[0].enabled);
    assert!(extensions[1].enabled);
    assert!(extensions[0].updated_at >= extensions[0].created_at);
    assert_eq!(get_extension(pool, acme, id(EXTENSION_3)).await.unwrap(), None);

    assert_eq!(
        extension_for_login(pool, acme, "10").await.unwrap(),
        Some(ExtensionLogin {
            tenant_id: acme,
            extension_id: id(EXTENSION_2),
            number: "10".into(),
            display_name: "Night line".into(),
            user_id: Some(id(USER_2)),
            secret_id: id(SECRET_3),
            enabled: false,
        })
    );
    assert_eq!(extension_for_login(pool, acme, "99").await.unwrap(), None);
    let of_user = extension_of_user(pool, acme, id(USER_1)).await.unwrap().expect("user 1 has 8001");
    assert_eq!((of_user.number.as_str(), of_user.secret_id), ("8001", id(SECRET_1)));
    assert_eq!(extension_of_user(pool, globex, id(USER_1)).await.unwrap(), None, "globex's 8001 has no user");
    assert_eq!(extension_for_login(pool, globex, "8001").await.unwrap().map(|login| login.tenant_id), Some(globex));

    let trunks = list_trunks(pool, acme).await.unwrap();
    let names: Vec<&str> = trunks.iter().map(|trunk| trunk.name.as_str()).collect();
    assert_eq!(names, ["Alpha", "Zeta"], "by name, ignoring case");
    assert_eq!(trunks[0].peers, ["198.51.100.0/24", "2001:db8::/32"]);
    let registration = trunks[0].registration.as_ref().expect("alpha registers");
    assert_eq!(
        (registration.registrar.as_str(), registration.username.as_str(), registration.secret_id),
        ("reg.carrier.example", "acme2", id(SECRET_4)),
        "the update kept the password"
    );
    assert_eq!(trunks[1].registration, None);
    assert_eq!(trunks[1].outbound_address.as_deref(), Some("zeta.carrier.example:5060"));

    let mut every_trunk = all_trunks(pool).await.unwrap();
    every_trunk.sort_by_key(|trunk| (trunk.tenant_id == globex, trunk.name.clone()));
    assert_eq!(every_trunk.len(), 3);
    assert_eq!(
        every_trunk[2],
        TrunkPeer {
            tenant_id: globex,
            trunk_id: id(TRUNK_1),
            name: "Globex".into(),
            peers: vec!["203.0.113.7".into()],
            outbound_address: Some("globex.carrier.example:5060".into()),
        }
    );

    let numbers = list_access_numbers(pool, acme).await.unwrap();
    assert_eq!(numbers.iter().map(|number| number.number.as_str()).collect::<Vec<_>>(), ["+4930123"]);
    assert_eq!(numbers[0].description, "Line +4930123");
    assert_eq!(
        access_number_route(pool, acme, "+4930123").await.unwrap(),
        Some(AccessNumberRoute {
            tenant_id: acme,
            number: "+4930123".into(),
            queue_id: id(QUEUE),
            trunk_id: Some(id(TRUNK_1)),
        })
    );
    assert_eq!(access_number_route(pool, acme, "4000").await.unwrap(), None, "released");
    assert_eq!(access_number_route(pool, globex, "4000").await.unwrap().map(|route| route.trunk_id), Some(None));
    assert!(list_extensions(pool, Uuid::now_v7()).await.unwrap().is_empty());
    runner.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_directory_reads_as_its_events_left_it_on_sqlite() {
    the_directory_reads_as_its_events_left_it(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_directory_reads_as_its_events_left_it_on_postgres() {
    the_directory_reads_as_its_events_left_it(Backend::Postgres).await;
}

async fn dump_all(env: &TestEnv) -> Vec<Vec<String>> {
    vec![
        dump_table(
            &env.pool,
            "telephony_extensions",
            "tenant_id, extension_id, number, display_name, user_id, secret_id, enabled, created_at, updated_at",
            "tenant_id, extension_id",
        )
        .await,
        dump_table(
            &env.pool,
            "telephony_trunks",
            "tenant_id, trunk_id, name, peers, outbound_address, registrar, registration_username, \
             registration_secret_id",
            "tenant_id, trunk_id",
        )
        .await,
        dump_table(
            &env.pool,
            "telephony_access_numbers",
            "tenant_id, number, queue_id, trunk_id, description",
            "tenant_id, number",
        )
        .await,
        dump_table(&env.pool, "telephony_versions", "tenant_id, stream_version, position", "tenant_id").await,
    ]
}

async fn replaying_or_rebuilding_changes_nothing(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let (_, _, head) = write_directory(&env).await;
    let runner = ProjectionRunner::start(env.store.clone(), env.pool.clone(), all_projections(env.keys.clone()));
    assert!(runner.wait_for(head, TIME_LIMIT).await);
    runner.shutdown().await;
    let live = dump_all(&env).await;
    assert_eq!(live.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3, 2, 2], "{live:?}");

    assert_replays_change_nothing(&env, Arc::new(TelephonyProjection), head, dump_all).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replaying_or_rebuilding_changes_nothing_on_sqlite() {
    replaying_or_rebuilding_changes_nothing(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replaying_or_rebuilding_changes_nothing_on_postgres() {
    replaying_or_rebuilding_changes_nothing(Backend::Postgres).await;
}
