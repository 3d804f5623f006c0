//! The real binary over real HTTP and WebSocket: log-in, commands, queries, subscriptions,
//! permissions, tenant isolation and bad input.

mod common;

use common::{Location, Server, error_code};
use futures::{SinkExt, StreamExt};
use hotline_domain::access::BuiltInRole;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use uuid::Uuid;

const CREATE_USER: &str =
    "mutation($input: CreateUserInput!) { createUser(input: $input) { aggregateId lastPosition duplicate } }";
const CREATE_TENANT: &str =
    "mutation($input: CreateTenantInput!) { createTenant(input: $input) { aggregateId lastPosition duplicate } }";

fn new_user(username: &str, roles: &[BuiltInRole]) -> Value {
    let role_ids: Vec<String> = roles.iter().map(|role| role.id().to_string()).collect();
    json!({ "input": { "username": username, "displayName": "Test User", "password": "a long password", "roleIds": role_ids } })
}

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let server = Server::start(&Location::embedded());
    let health = server.http.get(format!("{}/health", server.base_url)).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert!(server.head_position().await > 0, "the demo tenant's events are in the log");
    let metrics = server.http.get(format!("{}/metrics", server.base_url)).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("hotline_projection_lag_events"), "{metrics}");
}

#[tokio::test]
async fn an_admin_creates_a_user_who_logs_in_and_is_listed() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let created = server.graphql(Some(&admin), CREATE_USER, new_user("ann", &[BuiltInRole::Agent])).await;
    assert!(created["errors"].is_null(), "{created}");
    let users = server.graphql(Some(&admin), "{ users { username roleIds } }", json!({})).await;
    let names: Vec<&str> =
        users["data"]["users"].as_array().unwrap().iter().map(|user| user["username"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["admin", "agent1", "agent2", "ann", "supervisor"],
        "the mutation waited for the read model: {users}"
    );

    let ann = server.login("demo", "ann", "a long password").await;
    let me = server.graphql(Some(&ann), "{ me { username roleIds } }", json!({})).await;
    assert_eq!(me["data"]["me"], json!({ "username": "ann", "roleIds": [BuiltInRole::Agent.id()] }));
    // An agent may not list users nor create them.
    assert_eq!(error_code(&server.graphql(Some(&ann), "{ users { username } }", json!({})).await), "auth.forbidden");
    assert_eq!(
        error_code(&server.graphql(Some(&ann), CREATE_USER, new_user("bob", &[BuiltInRole::Agent])).await),
        "auth.forbidden"
    );
}

#[tokio::test]
async fn a_user_changes_their_password_and_the_old_one_stops_working() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let created = server.graphql(Some(&admin), CREATE_USER, new_user("ann", &[BuiltInRole::Agent])).await;
    let user_id = created["data"]["createUser"]["aggregateId"].as_str().unwrap().to_owned();
    let ann = server.login("demo", "ann", "a long password").await;
    let change = "mutation($input: ChangePasswordInput!) { changePassword(input: $input) { streamVersion } }";
    let wrong_current = json!({ "input": { "userId": user_id, "currentPassword": "not my password", "newPassword": "another long one" } });
    assert_eq!(error_code(&server.graphql(Some(&ann), change, wrong_current).await), "auth.invalid_credentials");
    let too_short =
        json!({ "input": { "userId": user_id, "currentPassword": "a long password", "newPassword": "short" } });
    assert_eq!(error_code(&server.graphql(Some(&ann), change, too_short).await), "auth.password_policy");
    let good = json!({ "input": { "userId": user_id, "currentPassword": "a long password", "newPassword": "another long one" } });
    let changed = server.graphql(Some(&ann), change, good).await;
    assert_eq!(changed["data"]["changePassword"]["streamVersion"], 2, "{changed}");
    server.login("demo", "ann", "another long one").await;
    let old = server
        .graphql(
            None,
            "mutation { login(tenant: \"demo\", username: \"ann\", password: \"a long password\") { token } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&old), "auth.invalid_credentials");
}

#[tokio::test]
async fn graphql_errors_carry_stable_codes() {
    let server = Server::start(&Location::embedded());
    let unauthenticated = server.graphql(None, "{ users { username } }", json!({})).await;
    assert_eq!(error_code(&unauthenticated), "auth.unauthenticated");
    let forged = server.graphql(Some("not.a-token"), "{ users { username } }", json!({})).await;
    assert_eq!(error_code(&forged), "auth.unauthenticated");
    let syntax = server.graphql(None, "{ users { ", json!({})).await;
    assert_eq!(error_code(&syntax), "graphql.invalid_request");
    let admin = server.demo_admin_token().await;
    let taken = server.graphql(Some(&admin), CREATE_USER, new_user("admin", &[BuiltInRole::Agent])).await;
    assert_eq!(error_code(&taken), "user.username_taken");
    let bad_name = server.graphql(Some(&admin), CREATE_USER, new_user("a b", &[BuiltInRole::Agent])).await;
    assert_eq!(error_code(&bad_name), "user.invalid_username");
}

#[tokio::test]
async fn one_tenant_never_sees_or_changes_another_tenants_data() {
    let server = Server::start(&Location::embedded());
    let platform = server.demo_admin_token().await;
    let tenant = json!({ "input": { "slug": "acme", "name": "Acme", "admin": { "username": "boss", "displayName": "Boss", "password": "acme password 1" } } });
    let created = server.graphql(Some(&platform), CREATE_TENANT, tenant).await;
    assert!(created["errors"].is_null(), "{created}");
    let acme = server.login("acme", "boss", "acme password 1").await;
    server.graphql(Some(&acme), CREATE_USER, new_user("acme-agent", &[BuiltInRole::Agent])).await;
    server.graphql(Some(&platform), CREATE_USER, new_user("demo-agent", &[BuiltInRole::Agent])).await;

    let acme_users = server.graphql(Some(&acme), "{ users { username } }", json!({})).await;
    assert_eq!(acme_users["data"]["users"], json!([{ "username": "acme-agent" }, { "username": "boss" }]));
    let demo_users = server.graphql(Some(&platform), "{ users { username } }", json!({})).await;
    let demo_names: Vec<&str> =
        demo_users["data"]["users"].as_array().unwrap().iter().map(|user| user["username"].as_str().unwrap()).collect();
    assert_eq!(demo_names, ["admin", "agent1", "agent2", "demo-agent", "supervisor"]);

    // Reading a demo user by id from acme finds nothing.
    let demo_me = server.graphql(Some(&platform), "{ me { id } }", json!({})).await;
    let demo_admin_id = demo_me["data"]["me"]["id"].as_str().unwrap();
    let probe = server
        .graphql(Some(&acme), "query($id: UUID!) { user(id: $id) { username } }", json!({ "id": demo_admin_id }))
        .await;
    assert_eq!(probe["data"]["user"], Value::Null, "{probe}");
    // The log is per tenant too.
    let acme_events = server.graphql(Some(&acme), "{ events(first: 500) { tenantId } }", json!({})).await;
    let acme_id = created["data"]["createTenant"]["aggregateId"].as_str().unwrap();
    assert!(
        acme_events["data"]["events"].as_array().unwrap().iter().all(|event| event["tenantId"] == acme_id),
        "{acme_events}"
    );
    // Changing a demo user's password from acme does not touch the demo user.
    let change = "mutation($input: ChangePasswordInput!) { changePassword(input: $input) { streamVersion } }";
    let attack = json!({ "input": { "userId": demo_admin_id, "newPassword": "owned by acme!" } });
    assert!(server.graphql(Some(&acme), change, attack).await["errors"].is_array());
    server.login("demo", "admin", server.demo_password.as_deref().unwrap()).await;
    // A tenant administrator sees their own tenant (and those below it), not the platform's.
    let acme_tenants = server.graphql(Some(&acme), "{ tenants { slug } }", json!({})).await;
    assert_eq!(acme_tenants["data"]["tenants"], json!([{ "slug": "acme" }]), "{acme_tenants}");
}

#[tokio::test]
async fn rest_bad_input_gets_problem_json_and_appends_nothing() {
    let server = Server::start_with(&Location::embedded(), &[("HOTLINE_MAX_PAYLOAD_BYTES", "2048")]);
    let token = server.demo_admin_token().await;
    let head = server.head_position().await;
    let url = format!("{}/api/commands", server.base_url);
    let post = |body: String| {
        server.http.post(&url).bearer_auth(&token).header("content-type", "application/json").body(body).send()
    };

    let malformed = post("{\"type\": ".to_owned()).await.unwrap();
    assert_eq!(malformed.status(), 400);
    assert_eq!(malformed.headers()["content-type"], "application/problem+json");
    assert_eq!(malformed.json::<Value>().await.unwrap()["code"], "request.malformed_json");

    let unknown = post(json!({ "type": "user.teleport", "payload": {} }).to_string()).await.unwrap();
    assert_eq!(unknown.json::<Value>().await.unwrap()["code"], "command.unknown_type");

    let invalid = post(json!({ "type": "user.create", "payload": { "username": 5 } }).to_string()).await.unwrap();
    assert_eq!(invalid.json::<Value>().await.unwrap()["code"], "command.invalid");

    let huge_body =
        json!({ "type": "user.create", "payload": { "username": "x", "filler": "y".repeat(20 * 1024) } }).to_string();
    let too_large = post(huge_body).await.unwrap();
    assert_eq!(too_large.status(), 413);
    assert_eq!(too_large.json::<Value>().await.unwrap()["code"], "command.payload_too_large");

    let no_token = server.http.post(&url).json(&json!({ "type": "user.create", "payload": {} })).send().await.unwrap();
    assert_eq!(no_token.status(), 401);
    assert_eq!(no_token.json::<Value>().await.unwrap()["code"], "auth.unauthenticated");

    let unknown_tenant = server
        .http
        .post(format!("{}/api/login", server.base_url))
        .json(&json!({ "tenant": "nowhere", "username": "admin", "password": "whatever it is" }))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown_tenant.status(), 401);
    assert_eq!(unknown_tenant.json::<Value>().await.unwrap()["code"], "auth.invalid_credentials");

    assert_eq!(server.head_position().await, head, "no bad request appended anything");
}

#[tokio::test]
async fn the_same_command_id_over_rest_is_applied_once() {
    let server = Server::start(&Location::embedded());
    let token = server.demo_admin_token().await;
    let command = json!({
        "type": "user.create",
        "commandId": Uuid::now_v7(),
        "payload": { "username": "ann", "displayName": "Ann", "password": "a long password", "roleIds": [BuiltInRole::Agent.id()] }
    });
    let url = format!("{}/api/commands", server.base_url);
    let first = server.http.post(&url).bearer_auth(&token).json(&command).send().await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let head = server.head_position().await;
    let second = server.http.post(&url).bearer_auth(&token).json(&command).send().await.unwrap();
    assert_eq!(second.status(), 200);
    let second: Value = second.json().await.unwrap();
    assert_eq!(second["duplicate"], true);
    assert_eq!(first["lastPosition"], second["lastPosition"]);
    assert_eq!(server.head_position().await, head);
}

/// graphql-ws: catch up from position 0, then receive a live event, in order.
#[tokio::test]
async fn a_subscription_catches_up_then_receives_live_events() {
    let server = Server::start(&Location::embedded());
    let token = server.demo_admin_token().await;
    let ws_url = format!("{}/graphql/ws", server.base_url.replace("http://", "ws://"));
    let mut request = ws_url.into_client_request().unwrap();
    request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("websocket connect");
    let send = |value: Value| Message::Text(value.to_string().into());
    socket
        .send(send(json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } })))
        .await
        .unwrap();
    let ack = next_json(&mut socket).await;
    assert_eq!(ack["type"], "connection_ack");
    socket
        .send(send(json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { events(fromPosition: 0) { globalPosition type } }" } })))
        .await
        .unwrap();
    // The demo tenant's two events (tenant created, admin created) come first.
    let mut positions = Vec::new();
    let mut types = Vec::new();
    while types.len() < 2 {
        let message = next_json(&mut socket).await;
        assert_eq!(message["type"], "next", "{message}");
        positions.push(message["payload"]["data"]["events"]["globalPosition"].as_u64().unwrap());
        types.push(message["payload"]["data"]["events"]["type"].as_str().unwrap().to_owned());
    }
    assert_eq!(types, ["hotline.tenant.created", "hotline.user.created"]);
    server.graphql(Some(&token), CREATE_USER, new_user("ann", &[BuiltInRole::Agent])).await;
    let live = next_json(&mut socket).await;
    assert_eq!(live["payload"]["data"]["events"]["type"], "hotline.user.created");
    assert!(live["payload"]["data"]["events"]["globalPosition"].as_u64().unwrap() > positions[1]);
}

async fn next_json<S>(socket: &mut S) -> Value
where
    S: futures::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let message =
            tokio::time::timeout(common::WAIT, socket.next()).await.expect("a message in time").expect("open").unwrap();
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

#[tokio::test]
async fn every_rest_command_type_is_known_and_the_new_contexts_work_over_rest() {
    let server = Server::start(&Location::embedded());
    let token = server.demo_admin_token().await;
    let url = format!("{}/api/commands", server.base_url);
    for command_type in hotline_command_api::rest::COMMAND_TYPES {
        let response = server
            .http
            .post(&url)
            .bearer_auth(&token)
            .json(&json!({ "type": command_type, "payload": {} }))
            .send()
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "command.invalid", "{command_type}: {body}");
    }
    let unit = json!({ "type": "org.create_unit", "payload": { "name": "Support centre", "kind": "centre", "dimension": "reporting" } });
    let created = server.http.post(&url).bearer_auth(&token).json(&unit).send().await.unwrap();
    assert_eq!(created.status(), 201);
    let dictionary =
        json!({ "type": "dictionary.create", "payload": { "code": "reason", "name": "Reasons", "valueType": "text" } });
    assert_eq!(server.http.post(&url).bearer_auth(&token).json(&dictionary).send().await.unwrap().status(), 201);
    let entries = json!({ "type": "dictionary.set_entries", "payload": { "code": "reason", "entries": [{ "code": "billing", "label": "Billing" }] } });
    assert_eq!(server.http.post(&url).bearer_auth(&token).json(&entries).send().await.unwrap().status(), 201);
    // REST answers once the command is in the log; the read models follow a moment later.
    let mut read = Value::Null;
    for _ in 0..100 {
        read = server
            .graphql(Some(&token), "{ orgUnits { name } dictionaries { code entries { code label } } }", json!({}))
            .await;
        let dictionary_read = read["data"]["dictionaries"].as_array().is_some_and(|dictionaries| {
            dictionaries.iter().any(|dictionary| {
                dictionary["code"] == "reason" && dictionary["entries"].as_array().is_some_and(|e| !e.is_empty())
            })
        });
        let unit_read = read["data"]["orgUnits"].as_array().is_some_and(|units| !units.is_empty());
        if dictionary_read && unit_read {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(read["data"]["orgUnits"], json!([{ "name": "Support centre" }]), "{read}");
    // Beside the demo's own code lists (dispositions and canned replies for the chat desk).
    let reason = read["data"]["dictionaries"].as_array().unwrap().iter().find(|d| d["code"] == "reason").cloned();
    assert_eq!(reason, Some(json!({ "code": "reason", "entries": [{ "code": "billing", "label": "Billing" }] })));
}
