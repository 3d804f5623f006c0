//! Every permission rule of the GraphQL API, as a table: a user whose role lacks the
//! permission is refused with `auth.forbidden`; a user whose role holds only that permission
//! gets past the check (the answer may still be another error, never `auth.forbidden`).

mod common;

use common::{Location, Server};
use hotline_domain::access::BuiltInRole;
use serde_json::{Value, json};

/// One guarded operation: its document, variables, and the permission it needs.
struct Rule {
    permission: &'static str,
    document: &'static str,
    variables: fn(&Fixture) -> Value,
}

/// Ids the operations act on.
struct Fixture {
    agent_id: String,
}

fn rules() -> Vec<Rule> {
    vec![
        Rule { permission: "menu.admin.users", document: "{ users { id } }", variables: |_| json!({}) },
        Rule { permission: "menu.admin.tenants", document: "{ tenants { id } }", variables: |_| json!({}) },
        Rule { permission: "audit.read", document: "{ events { id } }", variables: |_| json!({}) },
        Rule { permission: "menu.admin", document: "{ projections { name } }", variables: |_| json!({}) },
        Rule {
            permission: "user.create",
            document: "mutation($input: CreateUserInput!) { createUser(input: $input) { aggregateId } }",
            variables: |_| {
                json!({ "input": { "username": "new-one", "displayName": "New", "password": "a long password",
                    "roleIds": [BuiltInRole::Agent.id()] } })
            },
        },
        Rule {
            permission: "user.edit",
            document: "mutation($input: UpdateUserInput!) { updateUser(input: $input) { streamVersion } }",
            variables: |fixture| json!({ "input": { "userId": fixture.agent_id, "displayName": "Renamed", "roleIds": [BuiltInRole::Agent.id()] } }),
        },
        Rule {
            permission: "user.edit",
            document: "mutation($id: UUID) { logoutEverywhere(userId: $id) { streamVersion } }",
            variables: |fixture| json!({ "id": fixture.agent_id }),
        },
        Rule {
            permission: "user.unlock",
            document: "mutation($id: UUID!) { unlockUser(userId: $id) { streamVersion } }",
            variables: |fixture| json!({ "id": fixture.agent_id }),
        },
        Rule {
            permission: "user.reset_password",
            document: "mutation($input: ChangePasswordInput!) { changePassword(input: $input) { streamVersion } }",
            variables: |fixture| json!({ "input": { "userId": fixture.agent_id, "newPassword": "another long one" } }),
        },
        Rule {
            permission: "role.edit",
            document: "mutation($input: RoleInput!) { saveRole(input: $input) { aggregateId } }",
            variables: |_| json!({ "input": { "name": "Some role", "permissions": ["menu.workbench"] } }),
        },
        Rule { permission: "menu.desk", document: "{ myDesk { registered } }", variables: |_| json!({}) },
        Rule {
            permission: "menu.desk",
            document: "mutation { setPresence(state: AVAILABLE) { registered } }",
            variables: |_| json!({}),
        },
        Rule { permission: "menu.desk", document: "{ transferTargets { queues { id } } }", variables: |_| json!({}) },
        Rule { permission: "chat.supervise", document: "{ liveBoard { at } }", variables: |_| json!({}) },
        Rule { permission: "acd.admin", document: "{ acdQueues { id } }", variables: |_| json!({}) },
        Rule { permission: "acd.admin", document: "{ acdAgents { agentId } }", variables: |_| json!({}) },
        Rule { permission: "acd.admin", document: "{ chatWidget { snippet } }", variables: |_| json!({}) },
        Rule {
            permission: "acd.admin",
            document: "mutation($i: AcdQueueInput!) { defineAcdQueue(input: $i) { id } }",
            variables: |_| {
                json!({ "i": { "name": "Permission test", "strategy": "ROUND_ROBIN", "customerPriority": false,
                    "offerTimeoutSeconds": 20 } })
            },
        },
        Rule {
            permission: "acd.admin",
            document: "mutation($i: AgentRoutingInput!) { setAgentRouting(input: $i) { agentId } }",
            variables: |fixture| {
                json!({ "i": { "agentId": fixture.agent_id, "capacity": [{ "channel": "CHAT", "capacity": 2 }],
                    "skills": [], "queueIds": [] } })
            },
        },
        Rule {
            permission: "tenant.create",
            document: "mutation($input: CreateTenantInput!) { createTenant(input: $input) { aggregateId } }",
            variables: |_| json!({ "input": { "slug": "sub-tenant", "name": "Sub tenant" } }),
        },
        Rule { permission: "menu.admin.telephony", document: "{ extensions { id } }", variables: |_| json!({}) },
        Rule { permission: "menu.admin.telephony", document: "{ trunks { id } }", variables: |_| json!({}) },
        Rule { permission: "menu.admin.telephony", document: "{ accessNumbers { number } }", variables: |_| json!({}) },
        Rule {
            permission: "telephony.admin",
            document: "mutation($i: ExtensionInput!) { provisionExtension(input: $i) { password } }",
            variables: |_| json!({ "i": { "number": "8999", "displayName": "Permission test" } }),
        },
        Rule {
            permission: "telephony.admin",
            document: "mutation($i: TrunkInput!) { defineTrunk(input: $i) { id } }",
            variables: |_| json!({ "i": { "name": "Permission test", "peers": ["192.0.2.1"] } }),
        },
        Rule {
            permission: "telephony.admin",
            document: "mutation($n: String!) { releaseAccessNumber(number: $n) }",
            variables: |_| json!({ "n": "4000" }),
        },
    ]
}

fn code(response: &Value) -> Option<&str> {
    response["errors"][0]["extensions"]["code"].as_str()
}

#[tokio::test]
async fn every_guarded_operation_needs_exactly_its_permission() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let agent = server.create_agent(&admin, "target-agent", "Target").await;
    let fixture = Fixture { agent_id: agent["data"]["createUser"]["aggregateId"].as_str().unwrap().to_owned() };
    let save_role = "mutation($input: RoleInput!) { saveRole(input: $input) { aggregateId } }";
    let create_user = "mutation($input: CreateUserInput!) { createUser(input: $input) { aggregateId } }";

    for (index, rule) in rules().into_iter().enumerate() {
        // Two users: one whose role holds only this permission, one whose role holds none.
        for (holds, permissions) in [(true, vec![rule.permission]), (false, vec![])] {
            let role = server
                .graphql(
                    Some(&admin),
                    save_role,
                    json!({ "input": { "name": format!("r{index}-{holds}"), "permissions": permissions,
                    "dataScopes": [{ "resource": "users", "scope": "ALL" }] } }),
                )
                .await;
            let role_id =
                role["data"]["saveRole"]["aggregateId"].as_str().unwrap_or_else(|| panic!("{role}")).to_owned();
            let username = format!("u{index}-{holds}");
            let user = json!({ "input": { "username": username, "displayName": "U", "password": "a long password", "roleIds": [role_id] } });
            let created = server.graphql(Some(&admin), create_user, user).await;
            assert!(created["errors"].is_null(), "{created}");
            let token = server.login("demo", &username, "a long password").await;
            let response = server.graphql(Some(&token), rule.document, (rule.variables)(&fixture)).await;
            if holds {
                assert_ne!(
                    code(&response),
                    Some("auth.forbidden"),
                    "{} with {}: {response}",
                    rule.document,
                    rule.permission
                );
            } else {
                assert_eq!(
                    code(&response),
                    Some("auth.forbidden"),
                    "{} without {}: {response}",
                    rule.document,
                    rule.permission
                );
            }
        }
    }
}

#[tokio::test]
async fn anonymous_callers_get_only_log_in() {
    let server = Server::start(&Location::embedded());
    let fixture = Fixture { agent_id: uuid::Uuid::nil().to_string() };
    for rule in rules() {
        let response = server.graphql(None, rule.document, (rule.variables)(&fixture)).await;
        assert_eq!(code(&response), Some("auth.unauthenticated"), "{}: {response}", rule.document);
    }
    for document in [
        "{ me { id } }",
        "{ myMenus { key } }",
        "{ myWidgets { key } }",
        "{ roles { id } }",
        "{ permissionCatalogue { key } }",
    ] {
        let response = server.graphql(None, document, json!({})).await;
        assert_eq!(code(&response), Some("auth.unauthenticated"), "{document}: {response}");
    }
}
