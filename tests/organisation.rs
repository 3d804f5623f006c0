//! Tenant administration through the real binary: the organisation tree (moves, cycles),
//! dictionaries, tenant settings and usage; permissions; and tenant isolation.

mod common;

use common::{Location, Server, error_code};
use serde_json::{Value, json};
use uuid::Uuid;

const CREATE_UNIT: &str =
    "mutation($input: CreateOrgUnitInput!) { createOrgUnit(input: $input) { aggregateId lastPosition duplicate } }";
const RENAME_UNIT: &str = "mutation($input: RenameOrgUnitInput!) { renameOrgUnit(input: $input) { streamVersion } }";
const MOVE_UNIT: &str = "mutation($input: MoveOrgUnitInput!) { moveOrgUnit(input: $input) { streamVersion } }";
const REMOVE_UNIT: &str = "mutation($input: RemoveOrgUnitInput!) { removeOrgUnit(input: $input) { streamVersion } }";
const ORG_UNITS: &str = "query($dimension: OrgDimension) { orgUnits(dimension: $dimension) { id parentId name kind dimension depth path } }";
const CREATE_DICTIONARY: &str =
    "mutation($input: CreateDictionaryInput!) { createDictionary(input: $input) { aggregateId } }";
const SET_ENTRIES: &str =
    "mutation($input: SetDictionaryEntriesInput!) { setDictionaryEntries(input: $input) { aggregateId } }";
const DICTIONARIES: &str = "{ dictionaries { code name valueType entries { code label sortOrder enabled } } }";
const UPDATE_SETTINGS: &str =
    "mutation($input: UpdateTenantSettingsInput!) { updateTenantSettings(input: $input) { aggregateId } }";
const SETTINGS: &str = "{ tenantSettings { organisationName logoUrl copyright hotlineNumber websiteUrl } }";
const USAGE: &str = "{ tenantUsage { seats minutes messages } }";
const CREATE_TENANT: &str = "mutation($input: CreateTenantInput!) { createTenant(input: $input) { aggregateId } }";

/// Runs a request that must succeed; returns its `data`.
async fn ok(server: &Server, token: &str, query: &str, variables: Value) -> Value {
    let response = server.graphql(Some(token), query, variables).await;
    assert!(response["errors"].is_null(), "{query} failed: {response}");
    response["data"].clone()
}

/// Creates a unit; returns its id.
async fn create_unit(
    server: &Server,
    token: &str,
    parent: Option<&str>,
    name: &str,
    kind: &str,
    dimension: &str,
) -> String {
    let input = json!({ "input": { "parentId": parent, "name": name, "kind": kind, "dimension": dimension } });
    let data = ok(server, token, CREATE_UNIT, input).await;
    data["createOrgUnit"]["aggregateId"].as_str().expect("a unit id").to_owned()
}

fn unit<'a>(units: &'a Value, id: &str) -> &'a Value {
    units["orgUnits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|unit| unit["id"] == id)
        .unwrap_or_else(|| panic!("{id} in {units}"))
}

fn settings_input(website: &str) -> Value {
    json!({ "input": {
        "organisationName": "Demo Care Line",
        "logoUrl": "https://demo.example/logo.svg",
        "copyright": "(c) 2025 Demo Ltd",
        "hotlineNumber": "+86 400-800 1234",
        "websiteUrl": website,
    } })
}

async fn agent_token(server: &Server, admin: &str, username: &str) -> String {
    let created = server.create_agent(admin, username, "Agent Under Test").await;
    assert!(created["errors"].is_null(), "{created}");
    server.login("demo", username, "a long password").await
}

#[tokio::test]
async fn an_admin_builds_a_four_level_tree_moves_a_unit_and_cannot_make_a_cycle() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let centre = create_unit(&server, &admin, None, "Head office", "CENTRE", "REPORTING").await;
    let north = create_unit(&server, &admin, Some(&centre), "North", "SUB_CENTRE", "REPORTING").await;
    let billing = create_unit(&server, &admin, Some(&north), "Billing", "DEPARTMENT", "REPORTING").await;
    let night = create_unit(&server, &admin, Some(&billing), "Night shift", "TEAM", "REPORTING").await;
    let south = create_unit(&server, &admin, Some(&centre), "South", "SUB_CENTRE", "REPORTING").await;

    // The mutations waited for the read model: the tree reads back at once.
    let units = ok(&server, &admin, ORG_UNITS, json!({ "dimension": "REPORTING" })).await;
    let names: Vec<&str> =
        units["orgUnits"].as_array().unwrap().iter().map(|unit| unit["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Head office", "North", "South", "Billing", "Night shift"]);
    assert_eq!(unit(&units, &night)["depth"], 3);
    assert_eq!(unit(&units, &night)["kind"], "TEAM");
    assert_eq!(unit(&units, &night)["path"], json!([centre, north, billing, night]));

    // Billing moves, with its team, from North to South.
    ok(&server, &admin, MOVE_UNIT, json!({ "input": { "unitId": billing, "newParentId": south } })).await;
    let units = ok(&server, &admin, ORG_UNITS, json!({})).await;
    assert_eq!(unit(&units, &billing)["parentId"], json!(south));
    assert_eq!(unit(&units, &night)["path"], json!([centre, south, billing, night]));

    // Under its own descendant, or itself: a cycle, refused, nothing changes.
    let cycle =
        server.graphql(Some(&admin), MOVE_UNIT, json!({ "input": { "unitId": centre, "newParentId": night } })).await;
    assert_eq!(error_code(&cycle), "org.cycle");
    let onto_itself =
        server.graphql(Some(&admin), MOVE_UNIT, json!({ "input": { "unitId": south, "newParentId": south } })).await;
    assert_eq!(error_code(&onto_itself), "org.cycle");
    assert_eq!(unit(&ok(&server, &admin, ORG_UNITS, json!({})).await, &centre)["parentId"], Value::Null);

    // Dimensions never mix.
    let grade = create_unit(&server, &admin, None, "Grade A", "CENTRE", "LEVEL").await;
    let across =
        server.graphql(Some(&admin), MOVE_UNIT, json!({ "input": { "unitId": north, "newParentId": grade } })).await;
    assert_eq!(error_code(&across), "org.dimension_mismatch");
    let levels = ok(&server, &admin, ORG_UNITS, json!({ "dimension": "LEVEL" })).await;
    assert_eq!(levels["orgUnits"].as_array().unwrap().len(), 1);

    // A unit with sub-units stays; a leaf can be renamed and removed.
    let with_children = server.graphql(Some(&admin), REMOVE_UNIT, json!({ "input": { "unitId": billing } })).await;
    assert_eq!(error_code(&with_children), "org.has_children");
    let clash =
        server.graphql(Some(&admin), RENAME_UNIT, json!({ "input": { "unitId": south, "name": "north" } })).await;
    assert_eq!(error_code(&clash), "org.name_taken");
    ok(&server, &admin, RENAME_UNIT, json!({ "input": { "unitId": night, "name": "Day shift" } })).await;
    assert_eq!(unit(&ok(&server, &admin, ORG_UNITS, json!({})).await, &night)["name"], "Day shift");
    ok(&server, &admin, REMOVE_UNIT, json!({ "input": { "unitId": night } })).await;
    let units = ok(&server, &admin, ORG_UNITS, json!({})).await;
    assert!(units["orgUnits"].as_array().unwrap().iter().all(|unit| unit["id"] != night.as_str()), "{units}");

    // Retrying a create with its command id creates nothing new and names the same unit.
    let command_id = Uuid::now_v7();
    let input = json!({ "input": { "commandId": command_id, "name": "East", "kind": "SUB_CENTRE", "dimension": "REPORTING", "parentId": centre } });
    let first = ok(&server, &admin, CREATE_UNIT, input.clone()).await;
    let again = ok(&server, &admin, CREATE_UNIT, input).await;
    assert_eq!(again["createOrgUnit"]["duplicate"], true);
    assert_eq!(first["createOrgUnit"]["aggregateId"], again["createOrgUnit"]["aggregateId"]);
}

#[tokio::test]
async fn an_admin_defines_a_dictionary_that_agents_can_read() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let created = ok(
        &server,
        &admin,
        CREATE_DICTIONARY,
        json!({ "input": { "code": "call_reasons", "name": "Call reasons", "valueType": "TEXT" } }),
    )
    .await;
    assert!(created["createDictionary"]["aggregateId"].is_string());
    let entries = json!({ "input": { "code": "call_reasons", "entries": [
        { "code": "outage", "label": "Service outage", "sortOrder": 2 },
        { "code": "billing", "label": "Billing question", "sortOrder": 1 },
        { "code": "spam", "label": "Spam", "sortOrder": 3, "enabled": false },
    ] } });
    ok(&server, &admin, SET_ENTRIES, entries).await;

    let taken = server
        .graphql(
            Some(&admin),
            CREATE_DICTIONARY,
            json!({ "input": { "code": "CALL_REASONS", "name": "Again", "valueType": "NUMBER" } }),
        )
        .await;
    assert_eq!(error_code(&taken), "dictionary.code_taken");
    let duplicate = json!({ "input": { "code": "call_reasons", "entries": [
        { "code": "billing", "label": "Billing" }, { "code": "billing", "label": "Billing again" },
    ] } });
    assert_eq!(
        error_code(&server.graphql(Some(&admin), SET_ENTRIES, duplicate).await),
        "dictionary.duplicate_entry_code"
    );
    let missing = json!({ "input": { "code": "nowhere", "entries": [] } });
    assert_eq!(error_code(&server.graphql(Some(&admin), SET_ENTRIES, missing).await), "dictionary.not_found");

    // Forms show the lists to agents: any user of the tenant reads them.
    let agent = agent_token(&server, &admin, "reader").await;
    let lists = ok(&server, &agent, DICTIONARIES, json!({})).await;
    assert_eq!(
        tenant_own(&lists["dictionaries"]),
        json!([{ "code": "call_reasons", "name": "Call reasons", "valueType": "TEXT", "entries": [
            { "code": "billing", "label": "Billing question", "sortOrder": 1, "enabled": true },
            { "code": "outage", "label": "Service outage", "sortOrder": 2, "enabled": true },
            { "code": "spam", "label": "Spam", "sortOrder": 3, "enabled": false },
        ] }])
    );
}

#[tokio::test]
async fn an_admin_updates_the_tenant_settings_and_an_agent_reads_them_back() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let agent = agent_token(&server, &admin, "reader").await;
    let before = ok(&server, &agent, SETTINGS, json!({})).await;
    assert_eq!(before["tenantSettings"]["organisationName"], "Demo Contact Centre", "{before}");
    assert_eq!(before["tenantSettings"]["websiteUrl"], "");

    ok(&server, &admin, UPDATE_SETTINGS, settings_input("https://demo.example")).await;
    let after = ok(&server, &agent, SETTINGS, json!({})).await;
    assert_eq!(
        after["tenantSettings"],
        json!({
            "organisationName": "Demo Care Line",
            "logoUrl": "https://demo.example/logo.svg",
            "copyright": "(c) 2025 Demo Ltd",
            "hotlineNumber": "+86 400-800 1234",
            "websiteUrl": "https://demo.example",
        })
    );
    let bad_url = server.graphql(Some(&admin), UPDATE_SETTINGS, settings_input("demo.example")).await;
    assert_eq!(error_code(&bad_url), "tenant.invalid_url");
    let mut bad_number = settings_input("");
    bad_number["input"]["hotlineNumber"] = json!("call us");
    assert_eq!(
        error_code(&server.graphql(Some(&admin), UPDATE_SETTINGS, bad_number).await),
        "tenant.invalid_hotline_number"
    );

    // Usage: a seat per user created; minutes and messages wait for voice and chat.
    let users = ok(&server, &admin, "{ users(first: 500) { id } }", json!({})).await;
    let usage = ok(&server, &admin, USAGE, json!({})).await;
    assert_eq!(usage["tenantUsage"]["seats"], users["users"].as_array().unwrap().len());
    assert_eq!(
        (usage["tenantUsage"]["minutes"].as_u64(), usage["tenantUsage"]["messages"].as_u64()),
        (Some(0), Some(0))
    );
}

#[tokio::test]
async fn a_user_without_the_permissions_is_forbidden_and_appends_nothing() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let centre = create_unit(&server, &admin, None, "Head office", "CENTRE", "REPORTING").await;
    ok(
        &server,
        &admin,
        CREATE_DICTIONARY,
        json!({ "input": { "code": "reasons", "name": "Reasons", "valueType": "TEXT" } }),
    )
    .await;
    let agent = agent_token(&server, &admin, "plain-agent").await;
    let head = server.head_position().await;

    let attempts = [
        (CREATE_UNIT, json!({ "input": { "name": "Mine", "kind": "TEAM", "dimension": "REPORTING" } })),
        (RENAME_UNIT, json!({ "input": { "unitId": centre, "name": "Mine" } })),
        (MOVE_UNIT, json!({ "input": { "unitId": centre } })),
        (REMOVE_UNIT, json!({ "input": { "unitId": centre } })),
        (CREATE_DICTIONARY, json!({ "input": { "code": "mine", "name": "Mine", "valueType": "TEXT" } })),
        (SET_ENTRIES, json!({ "input": { "code": "reasons", "entries": [] } })),
        (UPDATE_SETTINGS, settings_input("")),
        (ORG_UNITS, json!({})),
        (USAGE, json!({})),
    ];
    for (query, variables) in attempts {
        let response = server.graphql(Some(&agent), query, variables).await;
        assert_eq!(error_code(&response), "auth.forbidden", "{query}: {response}");
    }
    assert_eq!(server.head_position().await, head, "no refused command appended anything");
    assert_eq!(error_code(&server.graphql(None, SETTINGS, json!({})).await), "auth.unauthenticated");
}

#[tokio::test]
async fn a_second_tenant_sees_and_changes_none_of_the_first_tenants_administration() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let centre = create_unit(&server, &admin, None, "Head office", "CENTRE", "REPORTING").await;
    ok(
        &server,
        &admin,
        CREATE_DICTIONARY,
        json!({ "input": { "code": "reasons", "name": "Reasons", "valueType": "TEXT" } }),
    )
    .await;
    ok(&server, &admin, UPDATE_SETTINGS, settings_input("https://demo.example")).await;

    let tenant = json!({ "input": { "slug": "acme", "name": "Acme", "admin": { "username": "boss", "displayName": "Boss", "password": "acme password 1" } } });
    ok(&server, &admin, CREATE_TENANT, tenant).await;
    let boss = server.login("acme", "boss", "acme password 1").await;

    assert_eq!(ok(&server, &boss, ORG_UNITS, json!({})).await["orgUnits"], json!([]));
    assert_eq!(ok(&server, &boss, DICTIONARIES, json!({})).await["dictionaries"], json!([]));
    let settings = ok(&server, &boss, SETTINGS, json!({})).await;
    assert_eq!(settings["tenantSettings"]["organisationName"], "Acme");
    assert_eq!(settings["tenantSettings"]["websiteUrl"], "");
    assert_eq!(ok(&server, &boss, USAGE, json!({})).await["tenantUsage"]["seats"], 1);

    // Reaching for the first tenant's rows by id or code finds nothing to change.
    let rename =
        server.graphql(Some(&boss), RENAME_UNIT, json!({ "input": { "unitId": centre, "name": "Ours" } })).await;
    assert_eq!(error_code(&rename), "org.unit_not_found");
    let remove = server.graphql(Some(&boss), REMOVE_UNIT, json!({ "input": { "unitId": centre } })).await;
    assert_eq!(error_code(&remove), "org.unit_not_found");
    let under = json!({ "input": { "parentId": centre, "name": "Inside", "kind": "TEAM", "dimension": "REPORTING" } });
    assert_eq!(error_code(&server.graphql(Some(&boss), CREATE_UNIT, under).await), "org.parent_not_found");
    let entries = json!({ "input": { "code": "reasons", "entries": [{ "code": "x", "label": "Taken over" }] } });
    assert_eq!(error_code(&server.graphql(Some(&boss), SET_ENTRIES, entries).await), "dictionary.not_found");
    // Codes are per tenant: acme may use the same one.
    ok(
        &server,
        &boss,
        CREATE_DICTIONARY,
        json!({ "input": { "code": "reasons", "name": "Acme reasons", "valueType": "NUMBER" } }),
    )
    .await;

    // The first tenant's administration is as it was.
    let units = ok(&server, &admin, ORG_UNITS, json!({})).await;
    assert_eq!(unit(&units, &centre)["name"], "Head office");
    assert_eq!(units["orgUnits"].as_array().unwrap().len(), 1);
    let lists = ok(&server, &admin, DICTIONARIES, json!({})).await;
    assert_eq!(
        tenant_own(&lists["dictionaries"]),
        json!([{ "code": "reasons", "name": "Reasons", "valueType": "TEXT", "entries": [] }])
    );
    assert_eq!(ok(&server, &admin, SETTINGS, json!({})).await["tenantSettings"]["organisationName"], "Demo Care Line");
}

/// The dictionaries a test made, without the demo's starter lists for the chat desk.
fn tenant_own(dictionaries: &Value) -> Value {
    let own: Vec<Value> = dictionaries
        .as_array()
        .expect("a list of dictionaries")
        .iter()
        .filter(|dictionary| {
            !["dispositions", "canned_replies"].contains(&dictionary["code"].as_str().unwrap_or_default())
        })
        .cloned()
        .collect();
    Value::Array(own)
}
