//! kill -9 of the real binary during a write burst, on both stores: every acknowledged event
//! is there after a restart, and the hash chain verifies. Then tampering with a stored row
//! makes `hotline audit verify` fail at that row's position.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Location, Server, run_cli};
use hotline_domain::access::BuiltInRole;
use serde_json::{Value, json};

/// Clients writing at once, and acknowledgements to wait for before the kill.
const CLIENTS: usize = 8;
const ACKS_BEFORE_KILL: usize = 150;

async fn burst_then_kill(location: Location) {
    let mut server = Server::start(&location);
    let token = server.demo_admin_token().await;
    let acknowledged: Arc<Mutex<BTreeMap<u64, String>>> = Arc::default();
    let url = format!("{}/api/commands", server.base_url);
    let mut writers = Vec::new();
    for client in 0..CLIENTS {
        let (http, url, token, acknowledged) = (server.http.clone(), url.clone(), token.clone(), acknowledged.clone());
        writers.push(tokio::spawn(async move {
            for attempt in 0.. {
                let command = json!({
                    "type": "user.create",
                    "payload": { "username": format!("u{client}-{attempt}"), "displayName": "Burst", "password": "a long password", "roleIds": [BuiltInRole::Agent.id()] }
                });
                let Ok(response) = http.post(&url).bearer_auth(&token).json(&command).send().await else { return };
                if response.status() != 201 {
                    return;
                }
                let Ok(body) = response.json::<Value>().await else { return };
                let position = body["lastPosition"].as_u64().expect("an acknowledged append has a position");
                acknowledged.lock().unwrap().insert(position, body["streamId"].as_str().unwrap().to_owned());
            }
        }));
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while acknowledged.lock().unwrap().len() < ACKS_BEFORE_KILL {
        assert!(tokio::time::Instant::now() < deadline, "the burst was too slow");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill(); // SIGKILL: no graceful shutdown, writes in flight are cut off.
    for writer in writers {
        let _ = writer.await;
    }
    let acknowledged = acknowledged.lock().unwrap().clone();

    let (intact, report) = run_cli(&location, &["audit", "verify"]);
    assert!(intact, "the chain verifies after the crash:\n{report}");
    let (listed, lines) = run_cli(&location, &["events", "tail"]);
    assert!(listed);
    let stored: BTreeMap<u64, String> = lines
        .lines()
        .map(|line| {
            let event: Value = serde_json::from_str(line).unwrap();
            (event["position"].as_str().unwrap().parse().unwrap(), event["subject"].as_str().unwrap().to_owned())
        })
        .collect();
    for (position, stream_id) in &acknowledged {
        assert_eq!(stored.get(position), Some(stream_id), "acknowledged event at {position} survived the crash");
    }
    let positions: Vec<u64> = stored.keys().copied().collect();
    assert_eq!(positions, (1..=positions.len() as u64).collect::<Vec<_>>(), "positions have no gap");

    // The server starts again on the same data and keeps appending after the crash.
    let server = Server::start(&location);
    let token = server.demo_admin_token().await;
    let after = server.create_agent(&token, "after-crash", "After").await;
    assert_eq!(after["data"]["createUser"]["lastPosition"].as_u64(), Some(positions.len() as u64 + 1), "{after}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_keeps_every_acknowledged_event_through_kill_9() {
    burst_then_kill(Location::embedded()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_keeps_every_acknowledged_event_through_kill_9() {
    burst_then_kill(Location::postgres().await).await;
}

async fn tamper_is_found_at_its_position(location: Location, tamper: impl AsyncFnOnce(&Location, u64)) {
    let mut server = Server::start(&location);
    let token = server.demo_admin_token().await;
    let mut positions = Vec::new();
    for name in ["ann", "bob", "cyd"] {
        let created = server.create_agent(&token, name, "X").await;
        positions.push(created["data"]["createUser"]["lastPosition"].as_u64().unwrap_or_else(|| panic!("{created}")));
    }
    server.kill();
    let (intact, report) = run_cli(&location, &["audit", "verify", "--tenant", "demo"]);
    assert!(intact, "{report}");
    // Tamper with bob, between ann and cyd.
    let bob = positions[1];
    tamper(&location, bob).await;
    let (intact, report) = run_cli(&location, &["audit", "verify", "--tenant", "demo"]);
    assert!(!intact, "verify must fail after tampering:\n{report}");
    assert!(report.contains(&format!("BROKEN at position {bob}")), "{report}");
}

#[tokio::test]
async fn audit_verify_names_a_tampered_sqlite_row() {
    tamper_is_found_at_its_position(Location::embedded(), async |location, position| {
        let path = location.data_dir().unwrap().join("events.db");
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await.unwrap();
        sqlx::query("UPDATE events SET payload = replace(payload, 'X', 'Y') WHERE global_position = ?")
            .bind(position as i64)
            .execute(&pool)
            .await
            .unwrap();
    })
    .await;
}

#[tokio::test]
async fn audit_verify_names_a_tampered_postgres_row() {
    tamper_is_found_at_its_position(Location::postgres().await, async |location, position| {
        let Location::Postgres(url) = location else { unreachable!() };
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query("UPDATE events SET payload = replace(payload::text, 'X', 'Y')::json WHERE global_position = $1")
            .bind(position as i64)
            .execute(&pool)
            .await
            .unwrap();
    })
    .await;
}
