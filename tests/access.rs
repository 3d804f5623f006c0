//! Roles, permissions, menus, data scopes, lock-out and sessions, through the real binary.

mod common;

use common::{Location, Server, error_code};
use hotline_domain::access::BuiltInRole;
use serde_json::{Value, json};

const SAVE_ROLE: &str = "mutation($input: RoleInput!) { saveRole(input: $input) { aggregateId } }";
const CREATE_USER: &str = "mutation($input: CreateUserInput!) { createUser(input: $input) { aggregateId } }";

fn keys(menus: &Value) -> Vec<String> {
    let mut found = Vec::new();
    for item in menus.as_array().unwrap() {
        found.push(item["key"].as_str().unwrap().to_owned());
        if let Some(children) = item.get("children") {
            found.extend(keys(children));
        }
    }
    found
}

#[tokio::test]
async fn a_custom_role_shows_exactly_its_menus_and_allows_exactly_its_actions() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let role = server
        .graphql(
            Some(&admin),
            SAVE_ROLE,
            json!({ "input": { "name": "User clerk", "permissions": ["menu.workbench", "menu.admin", "menu.admin.users", "user.create"],
                "dataScopes": [{ "resource": "users", "scope": "ALL" }] } }),
        )
        .await;
    let role_id = role["data"]["saveRole"]["aggregateId"].as_str().unwrap_or_else(|| panic!("{role}")).to_owned();
    let created = server
        .graphql(
            Some(&admin),
            CREATE_USER,
            json!({ "input": { "username": "clerk", "displayName": "Clerk", "password": "a long password", "roleIds": [role_id] } }),
        )
        .await;
    assert!(created["errors"].is_null(), "{created}");

    let clerk = server.login("demo", "clerk", "a long password").await;
    let menus = server.graphql(Some(&clerk), "{ myMenus { key children { key } } }", json!({})).await;
    assert_eq!(keys(&menus["data"]["myMenus"]), ["menu.workbench", "menu.admin", "menu.admin.users"], "{menus}");
    let widgets = server.graphql(Some(&clerk), "{ myWidgets { key } }", json!({})).await;
    assert_eq!(widgets["data"]["myWidgets"], json!([{ "key": "my-profile" }]));
    // Allowed: list and create users. Not allowed: edit users, roles, the audit log.
    assert!(server.graphql(Some(&clerk), "{ users { username } }", json!({})).await["errors"].is_null());
    let new_agent = server.create_agent(&clerk, "agent9", "Agent nine").await;
    assert!(new_agent["errors"].is_null(), "{new_agent}");
    let agent_id = new_agent["data"]["createUser"]["aggregateId"].as_str().unwrap();
    let update = json!({ "input": { "userId": agent_id, "displayName": "X", "roleIds": [BuiltInRole::Agent.id()] } });
    let denied = server
        .graphql(
            Some(&clerk),
            "mutation($input: UpdateUserInput!) { updateUser(input: $input) { streamVersion } }",
            update,
        )
        .await;
    assert_eq!(error_code(&denied), "auth.forbidden");
    let denied =
        server.graphql(Some(&clerk), SAVE_ROLE, json!({ "input": { "name": "Mine", "permissions": [] } })).await;
    assert_eq!(error_code(&denied), "auth.forbidden");
    assert_eq!(error_code(&server.graphql(Some(&clerk), "{ events { type } }", json!({})).await), "auth.forbidden");
    // A clerk may not hand out the platform administrator role.
    let escalate = json!({ "input": { "username": "boss2", "displayName": "B", "password": "a long password",
        "roleIds": [BuiltInRole::PlatformAdministrator.id()] } });
    assert_eq!(error_code(&server.graphql(Some(&clerk), CREATE_USER, escalate).await), "auth.forbidden");

    // Taking the permission away applies at once, to the session already open.
    server
        .graphql(
            Some(&admin),
            SAVE_ROLE,
            json!({ "input": { "roleId": role_id, "name": "User clerk", "permissions": ["menu.workbench"] } }),
        )
        .await;
    assert_eq!(error_code(&server.graphql(Some(&clerk), "{ users { username } }", json!({})).await), "auth.forbidden");
}

#[tokio::test]
async fn the_built_in_roles_open_what_they_should() {
    let server = Server::start(&Location::embedded());
    let password = server.demo_password.clone().unwrap();
    let agent = server.login("demo", "agent1", &password).await;
    let menus = server.graphql(Some(&agent), "{ myMenus { key } me { permissions } }", json!({})).await;
    assert_eq!(
        menus["data"]["myMenus"],
        json!([
            { "key": "menu.workbench" },
            { "key": "menu.desk" },
            { "key": "menu.customers" },
            { "key": "menu.calls" },
            { "key": "menu.tickets" },
            { "key": "menu.knowledge" },
            { "key": "menu.address_book" }
        ])
    );
    let permissions = hotline_domain::access::BuiltInRole::Agent.definition().permissions;
    let mut expected: Vec<&str> = permissions.iter().map(String::as_str).collect();
    expected.sort();
    assert_eq!(menus["data"]["me"]["permissions"], json!(expected));
    // An agent's data scope is their own record.
    assert_eq!(error_code(&server.graphql(Some(&agent), "{ users { username } }", json!({})).await), "auth.forbidden");
    let supervisor = server.login("demo", "supervisor", &password).await;
    // A supervisor without an organisation unit sees only themself.
    let users = server.graphql(Some(&supervisor), "{ users { username } }", json!({})).await;
    assert_eq!(users["data"]["users"], json!([{ "username": "supervisor" }]), "{users}");
    let admin = server.demo_admin_token().await;
    let roles = server
        .graphql(Some(&admin), "{ roles { name builtIn } permissionCatalogue { key kind parentKey } }", json!({}))
        .await;
    assert_eq!(roles["data"]["roles"].as_array().unwrap().len(), 5, "{roles}");
    assert!(roles["data"]["permissionCatalogue"].as_array().unwrap().len() > 20);
    let bad = server
        .graphql(Some(&admin), SAVE_ROLE, json!({ "input": { "name": "X", "permissions": ["launch.rockets"] } }))
        .await;
    assert_eq!(error_code(&bad), "role.unknown_permission");
    let built_in = json!({ "input": { "roleId": BuiltInRole::Agent.id(), "name": "Agent", "permissions": [] } });
    assert_eq!(error_code(&server.graphql(Some(&admin), SAVE_ROLE, built_in).await), "role.built_in");
}

#[tokio::test]
async fn five_bad_passwords_lock_a_user_out_until_an_administrator_unlocks_them() {
    let server = Server::start(&Location::embedded());
    let password = server.demo_password.clone().unwrap();
    let login = "mutation($p: String!) { login(tenant: \"demo\", username: \"agent2\", password: $p) { token } }";
    for attempt in 1..=5 {
        let failed = server.graphql(None, login, json!({ "p": "wrong password!" })).await;
        let expected = if attempt < 5 { "auth.invalid_credentials" } else { "auth.locked_out" };
        assert_eq!(error_code(&failed), expected, "attempt {attempt}");
    }
    // Even the right password is refused while locked out.
    assert_eq!(error_code(&server.graphql(None, login, json!({ "p": password })).await), "auth.locked_out");
    let admin = server.demo_admin_token().await;
    let users = server.graphql(Some(&admin), "{ users { id username lockedUntil } }", json!({})).await;
    let agent2 =
        users["data"]["users"].as_array().unwrap().iter().find(|user| user["username"] == "agent2").unwrap().clone();
    assert!(agent2["lockedUntil"].is_string(), "{agent2}");
    let unlocked = server
        .graphql(
            Some(&admin),
            "mutation($id: UUID!) { unlockUser(userId: $id) { streamVersion } }",
            json!({ "id": agent2["id"] }),
        )
        .await;
    assert!(unlocked["errors"].is_null(), "{unlocked}");
    assert!(server.graphql(None, login, json!({ "p": password })).await["errors"].is_null());
}

#[tokio::test]
async fn log_out_everywhere_ends_every_session_and_cookies_work_in_a_browser() {
    let server = Server::start(&Location::embedded());
    let password = server.demo_password.clone().unwrap();
    let first = server.login("demo", "agent1", &password).await;
    let second = server.login("demo", "agent1", &password).await;
    // The log-in also set an HttpOnly cookie, usable instead of the bearer header.
    let response = server
        .http
        .post(format!("{}/graphql", server.base_url))
        .json(&json!({ "query": "mutation($p: String!) { login(tenant: \"demo\", username: \"agent1\", password: $p) { token } }", "variables": { "p": password } }))
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let cookie_pair = cookie.split(';').next().unwrap().to_owned();
    let me_by_cookie = |cookie: String| {
        server
            .http
            .post(format!("{}/graphql", server.base_url))
            .header("cookie", cookie)
            .json(&json!({ "query": "{ me { username } }" }))
            .send()
    };
    let me: Value = me_by_cookie(cookie_pair.clone()).await.unwrap().json().await.unwrap();
    assert_eq!(me["data"]["me"]["username"], "agent1", "{me}");

    let ended = server.graphql(Some(&first), "mutation { logoutEverywhere { streamVersion } }", json!({})).await;
    assert!(ended["errors"].is_null(), "{ended}");
    for token in [&first, &second] {
        assert_eq!(
            error_code(&server.graphql(Some(token), "{ me { username } }", json!({})).await),
            "auth.unauthenticated"
        );
    }
    let me: Value = me_by_cookie(cookie_pair).await.unwrap().json().await.unwrap();
    assert_eq!(error_code(&me), "auth.unauthenticated");
    // A new log-in works again.
    let third = server.login("demo", "agent1", &password).await;
    assert!(server.graphql(Some(&third), "{ me { username } }", json!({})).await["errors"].is_null());
}
