//! The documented command line, run as a user would: migrate, replay, audit verify, events
//! tail, and clear errors with a non-zero exit on bad input.

mod common;

use std::process::Command;

use common::{BINARY, Location, Server, run_cli};
use serde_json::json;

fn stderr_of(location: &Location, args: &[&str]) -> (bool, String) {
    let mut command = Command::new(BINARY);
    command.args(args).env("HOTLINE_LOG", "warn");
    location.apply(&mut command);
    let output = command.output().expect("running hotline");
    (output.status.success(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[tokio::test]
async fn replay_rebuilds_a_projection_that_the_server_then_serves() {
    let location = Location::embedded();
    let (migrated, _) = run_cli(&location, &["migrate"]);
    assert!(migrated);
    let mut server = Server::start(&location);
    let token = server.demo_admin_token().await;
    let created = server.create_agent(&token, "ann", "Ann").await;
    assert!(created["errors"].is_null(), "{created}");
    server.kill();

    let (listed, names) = run_cli(&location, &["replay", "--list"]);
    assert!(listed);
    assert_eq!(
        names.lines().collect::<Vec<_>>(),
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
    let (rebuilt, report) = run_cli(&location, &["replay", "users"]);
    assert!(rebuilt, "{report}");
    assert!(report.starts_with("users: ") && report.contains(" events applied"), "{report}");

    let server = Server::start(&location);
    let token = server.demo_admin_token().await;
    let users = server.graphql(Some(&token), "{ users { username } }", json!({})).await;
    let names: Vec<&str> =
        users["data"]["users"].as_array().unwrap().iter().map(|user| user["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["admin", "agent1", "agent2", "ann", "supervisor"]);
    // While the server runs, replay refuses to share the data folder.
    let (shared, message) = stderr_of(&location, &["replay", "users"]);
    assert!(!shared);
    assert!(message.contains("another hotline process is using"), "{message}");
    // Reading tools work beside it.
    let ann_position = created["data"]["createUser"]["lastPosition"].as_u64().expect("a position");
    let from = (ann_position - 1).to_string();
    let (tailed, lines) = run_cli(&location, &["events", "tail", "--tenant", "demo", "--from", &from]);
    assert!(tailed);
    assert_eq!(lines.lines().count(), 1, "{lines}");
}

#[test]
fn bad_input_on_the_command_line_exits_non_zero_with_a_plain_message() {
    let location = Location::embedded();
    let (ok, message) = stderr_of(&location, &["replay", "nope"]);
    assert!(!ok);
    assert!(message.contains("unknown projection \"nope\""), "{message}");
    let (ok, message) = stderr_of(&location, &["audit", "verify"]);
    assert!(!ok);
    assert!(message.contains("there is no event log"), "{message}");
    let (ok, message) = stderr_of(&location, &["bench", "no-such-bench"]);
    assert!(!ok);
    assert!(message.contains("no-such-bench"), "{message}");
    let (ok, message) = stderr_of(&location, &["serve", "--listen", "not-an-address"]);
    assert!(!ok);
    assert!(message.contains("invalid value"), "{message}");
}
