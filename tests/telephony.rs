//! The telephony directory over GraphQL, through the real binary: extensions (the password
//! shown once, rotated, removed), trunks and access numbers with their rules' codes, the
//! permissions (an agent may neither read nor change it), and the tenant boundary.

mod common;

use common::{Location, Server, error_code};
use serde_json::{Value, json};

async fn gql(server: &Server, token: &str, query: &str, variables: Value) -> Value {
    let response = server.graphql(Some(token), query, variables).await;
    assert!(response.get("errors").is_none(), "{query}: {response}");
    response["data"].clone()
}

const PROVISION: &str = "mutation($input: ExtensionInput!) { provisionExtension(input: $input) { password extension { id number displayName userId enabled createdAt } } }";
const UPDATE: &str = "mutation($id: UUID!, $input: ExtensionChangeInput!) { updateExtension(id: $id, input: $input) { id displayName userId enabled } }";
const ROTATE: &str = "mutation($id: UUID!) { rotateExtensionPassword(id: $id) { password extension { id number } } }";
const REMOVE: &str = "mutation($id: UUID!) { removeExtension(id: $id) }";
const DEFINE_TRUNK: &str = "mutation($input: TrunkInput!) { defineTrunk(input: $input) { id name peers outboundAddress registration { registrar username } } }";
const UPDATE_TRUNK: &str = "mutation($id: UUID!, $input: TrunkInput!) { updateTrunk(id: $id, input: $input) { id name peers outboundAddress registration { registrar username } } }";
const REMOVE_TRUNK: &str = "mutation($id: UUID!) { removeTrunk(id: $id) }";
const ASSIGN: &str =
    "mutation($input: AccessNumberInput!) { assignAccessNumber(input: $input) { number queueId trunkId description } }";
const RELEASE: &str = "mutation($n: String!) { releaseAccessNumber(number: $n) }";
const DIRECTORY: &str = "{ extensions { id number displayName userId enabled createdAt } trunks { id name peers outboundAddress registration { registrar username } } accessNumbers { number queueId trunkId description } }";

fn is_sip_password(value: &Value) -> bool {
    value.as_str().is_some_and(|password| password.len() == 20 && password.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[tokio::test]
async fn administrators_keep_the_telephony_directory_and_agents_cannot_see_it() {
    let location = Location::embedded();
    let server = Server::start(&location);
    let admin = server.demo_admin_token().await;

    // Provision: the password is in the answer, 20 letters and digits.
    let agent = server.create_agent(&admin, "ext_agent", "Extension Agent").await;
    let agent_id = agent["data"]["createUser"]["aggregateId"].as_str().unwrap_or_else(|| panic!("{agent}")).to_owned();
    let input = json!({ "input": { "number": "8001", "displayName": "Front desk", "userId": agent_id } });
    let provisioned = gql(&server, &admin, PROVISION, input).await["provisionExtension"].clone();
    assert!(is_sip_password(&provisioned["password"]), "{provisioned}");
    let extension = &provisioned["extension"];
    let extension_id = extension["id"].as_str().unwrap().to_owned();
    assert_eq!(
        (extension["number"].as_str(), extension["userId"].as_str(), extension["enabled"].as_bool()),
        (Some("8001"), Some(agent_id.as_str()), Some(true))
    );
    let second = json!({ "input": { "number": "12", "displayName": "Lobby" } });
    let lobby = gql(&server, &admin, PROVISION, second).await["provisionExtension"].clone();
    assert_eq!(lobby["extension"]["userId"], Value::Null);

    // The rules answer with their codes.
    for (input, code) in [
        (json!({ "number": "8001", "displayName": "Again" }), "telephony.extension_number_taken"),
        (json!({ "number": "1", "displayName": "Short" }), "telephony.invalid_extension_number"),
        (json!({ "number": "8002", "displayName": "" }), "telephony.invalid_display_name"),
        (json!({ "number": "8002", "displayName": "Twice", "userId": agent_id }), "telephony.user_has_extension"),
        (json!({ "number": "8002", "displayName": "Nobody", "userId": uuid::Uuid::now_v7() }), "user.not_found"),
    ] {
        let response = server.graphql(Some(&admin), PROVISION, json!({ "input": input })).await;
        assert_eq!(error_code(&response), code, "{input}");
    }

    // Listed by number; an update answers with the change.
    let listed = gql(&server, &admin, DIRECTORY, json!({})).await;
    let numbers: Vec<&str> = listed["extensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|extension| extension["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["12", "8001"]);
    let change = json!({ "id": extension_id, "input": { "displayName": "Reception", "enabled": false } });
    let updated = gql(&server, &admin, UPDATE, change).await["updateExtension"].clone();
    assert_eq!(updated, json!({ "id": extension_id, "displayName": "Reception", "userId": null, "enabled": false }));

    // Rotate: a new password, the same extension.
    let rotated = gql(&server, &admin, ROTATE, json!({ "id": extension_id })).await["rotateExtensionPassword"].clone();
    assert!(is_sip_password(&rotated["password"]));
    assert_ne!(rotated["password"], provisioned["password"]);
    assert_eq!(rotated["extension"]["number"], "8001");

    // Trunks and access numbers.
    let trunk_input = json!({ "input": {
        "name": "Carrier A",
        "peers": ["192.0.2.10", "198.51.100.0/24"],
        "outboundAddress": "sip.carrier.example:5060",
        "registration": { "registrar": "reg.carrier.example", "username": "acme", "password": "s3cret" },
    } });
    let trunk = gql(&server, &admin, DEFINE_TRUNK, trunk_input).await["defineTrunk"].clone();
    let trunk_id = trunk["id"].as_str().unwrap().to_owned();
    assert_eq!(trunk["registration"], json!({ "registrar": "reg.carrier.example", "username": "acme" }));
    let bad_peers = json!({ "input": { "name": "Carrier B", "peers": ["sip.carrier.example"] } });
    assert_eq!(error_code(&server.graphql(Some(&admin), DEFINE_TRUNK, bad_peers).await), "telephony.invalid_peers");
    let no_password = json!({ "input": { "name": "Carrier B", "peers": ["203.0.113.1"],
        "registration": { "registrar": "reg.b.example", "username": "b" } } });
    assert_eq!(
        error_code(&server.graphql(Some(&admin), DEFINE_TRUNK, no_password).await),
        "telephony.registration_password_required"
    );
    // An update without the password keeps the registration.
    let update_input = json!({ "id": trunk_id, "input": {
        "name": "Carrier A",
        "peers": ["192.0.2.10"],
        "registration": { "registrar": "reg2.carrier.example:5061", "username": "acme" },
    } });
    let updated_trunk = gql(&server, &admin, UPDATE_TRUNK, update_input).await["updateTrunk"].clone();
    assert_eq!(updated_trunk["peers"], json!(["192.0.2.10"]));
    assert_eq!(updated_trunk["outboundAddress"], Value::Null);
    assert_eq!(updated_trunk["registration"]["registrar"], "reg2.carrier.example:5061");

    let queue_id = uuid::Uuid::now_v7().to_string();
    let assign =
        json!({ "input": { "number": "+4930123", "queueId": queue_id, "trunkId": trunk_id, "description": "Sales" } });
    let assigned = gql(&server, &admin, ASSIGN, assign).await["assignAccessNumber"].clone();
    assert_eq!(
        assigned,
        json!({ "number": "+4930123", "queueId": queue_id, "trunkId": trunk_id, "description": "Sales" })
    );
    let on_extension = json!({ "input": { "number": "8001", "queueId": queue_id, "description": "" } });
    assert_eq!(error_code(&server.graphql(Some(&admin), ASSIGN, on_extension).await), "telephony.access_number_taken");
    let in_use = server.graphql(Some(&admin), REMOVE_TRUNK, json!({ "id": trunk_id })).await;
    assert_eq!(error_code(&in_use), "telephony.trunk_in_use");
    let listed = gql(&server, &admin, DIRECTORY, json!({})).await;
    assert_eq!(listed["trunks"].as_array().unwrap().len(), 1);
    assert_eq!(listed["accessNumbers"], json!([assigned]));

    // An agent may neither read nor change the directory.
    let agent_token = server.login("demo", "ext_agent", "a long password").await;
    for (query, variables) in [
        ("{ extensions { id } }", json!({})),
        ("{ trunks { id } }", json!({})),
        ("{ accessNumbers { number } }", json!({})),
        (REMOVE, json!({ "id": extension_id })),
        (PROVISION, json!({ "input": { "number": "8100", "displayName": "Mine" } })),
    ] {
        let refused = server.graphql(Some(&agent_token), query, variables).await;
        assert_eq!(error_code(&refused), "auth.forbidden", "{query}");
    }

    // Another tenant sees none of this, and cannot touch it.
    let tenant = "mutation($input: CreateTenantInput!) { createTenant(input: $input) { aggregateId } }";
    let other_input = json!({"input": {"slug": "other", "name": "Other", "admin": {
        "username": "boss", "displayName": "Boss", "password": "a long password"}}});
    gql(&server, &admin, tenant, other_input).await;
    let other = server.login("other", "boss", "a long password").await;
    let foreign = gql(&server, &other, DIRECTORY, json!({})).await;
    assert_eq!(foreign, json!({ "extensions": [], "trunks": [], "accessNumbers": [] }));
    let remove_foreign = server.graphql(Some(&other), REMOVE, json!({ "id": extension_id })).await;
    assert_eq!(error_code(&remove_foreign), "telephony.extension_not_found");
    // Its own 8001 is its own.
    let own = json!({ "input": { "number": "8001", "displayName": "Other desk" } });
    gql(&server, &other, PROVISION, own).await;
    assert_eq!(gql(&server, &admin, DIRECTORY, json!({})).await["extensions"].as_array().unwrap().len(), 2);

    // Release, remove the trunk, remove the extensions.
    assert_eq!(gql(&server, &admin, RELEASE, json!({ "n": "+4930123" })).await["releaseAccessNumber"], true);
    assert_eq!(gql(&server, &admin, REMOVE_TRUNK, json!({ "id": trunk_id })).await["removeTrunk"], true);
    assert_eq!(gql(&server, &admin, REMOVE, json!({ "id": extension_id })).await["removeExtension"], true);
    let again = server.graphql(Some(&admin), REMOVE, json!({ "id": extension_id })).await;
    assert_eq!(error_code(&again), "telephony.extension_not_found");
    let listed = gql(&server, &admin, DIRECTORY, json!({})).await;
    assert_eq!(listed["extensions"].as_array().unwrap().len(), 1);
    assert_eq!(listed["extensions"][0]["number"], "12");
    assert_eq!((listed["trunks"].clone(), listed["accessNumbers"].clone()), (json!([]), json!([])));
}
