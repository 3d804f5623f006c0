//! Outgoing webhooks end to end, through the real binary: receivers started by the test on
//! 127.0.0.1 get signed CloudEvents (Standard Webhooks headers); a receiver that fails or hangs
//! is retried, dead-lettered and redelivered without holding up the others; the filter and the
//! tenant boundary hold; a 410 disables its endpoint. Internal addresses are refused unless
//! the operator allows their network, at registration and again when a delivery connects.

mod common;

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use common::{Location, Server, error_code};
use hotline_command_api::webhooks::delivery::{secret_key, sign};
use serde_json::{Value, json};

/// What a receiver got: the headers that matter and the body.
#[derive(Clone, Debug)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    content_type: String,
    body: Vec<u8>,
}

impl Received {
    fn event(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

#[derive(Clone, Default)]
struct Receiver {
    good: Arc<Mutex<Vec<Received>>>,
    flaky: Arc<Mutex<Vec<Received>>>,
    /// The status `/flaky` answers.
    flaky_status: Arc<AtomicU16>,
}

fn received(headers: &HeaderMap, body: Bytes) -> Received {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_default().to_owned();
    Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        content_type: header("content-type"),
        body: body.to_vec(),
    }
}

async fn good(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    receiver.good.lock().unwrap().push(received(&headers, body));
    StatusCode::NO_CONTENT
}

async fn flaky(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    receiver.flaky.lock().unwrap().push(received(&headers, body));
    StatusCode::from_u16(receiver.flaky_status.load(Ordering::SeqCst)).unwrap()
}

async fn hang() -> StatusCode {
    tokio::time::sleep(Duration::from_secs(60)).await;
    StatusCode::OK
}

async fn gone() -> StatusCode {
    StatusCode::GONE
}

/// Starts the receivers; returns their shared record and base URL.
async fn start_receiver() -> (Receiver, String) {
    let receiver = Receiver::default();
    receiver.flaky_status.store(500, Ordering::SeqCst);
    let app = Router::new()
        .route("/good", post(good))
        .route("/flaky", post(flaky))
        .route("/hang", post(hang))
        .route("/gone", post(gone))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (receiver, format!("http://{address}"))
}

async fn gql(server: &Server, token: &str, query: &str, variables: Value) -> Value {
    let response = server.graphql(Some(token), query, variables).await;
    assert!(response.get("errors").is_none(), "{query}: {response}");
    response["data"].clone()
}

/// The test receivers listen on 127.0.0.1, which webhooks reach only when it is allowed.
const LOOPBACK: &str = "127.0.0.0/8";

const REGISTER: &str = "mutation($input: WebhookInput!) { registerWebhook(input: $input) { secret endpoint { id url eventTypes enabled disabledReason } } }";
const DELIVERIES: &str = "query($e: UUID, $s: WebhookDeliveryStatus) { webhookDeliveries(endpointId: $e, status: $s, first: 100) { nodes { id eventId eventType status attempts lastResponseStatus lastError } hasNextPage endCursor } }";

async fn register(server: &Server, token: &str, url: &str, event_types: &[&str]) -> (String, String) {
    let input = json!({ "input": { "url": url, "eventTypes": event_types, "description": "test" } });
    let data = gql(server, token, REGISTER, input).await;
    let registered = &data["registerWebhook"];
    (registered["endpoint"]["id"].as_str().unwrap().to_owned(), registered["secret"].as_str().unwrap().to_owned())
}

async fn wait_until<T>(what: &str, timeout: Duration, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(started.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn verifies(received: &Received, secret: &str) -> bool {
    let key = secret_key(secret).expect("a whsec_ secret");
    let timestamp: i64 = received.timestamp.parse().expect("a unix timestamp");
    sign(&key, &received.id, timestamp, &received.body) == received.signature
}

#[tokio::test]
async fn deliveries_are_signed_filtered_retried_dead_lettered_redelivered_and_stay_in_their_tenant() {
    deliveries_end_to_end(Location::embedded()).await;
}

#[tokio::test]
async fn deliveries_work_the_same_on_postgresql() {
    deliveries_end_to_end(Location::postgres().await).await;
}

async fn deliveries_end_to_end(location: Location) {
    let (receiver, base) = start_receiver().await;
    let server = Server::start_with(
        &location,
        &[
            ("HOTLINE_WEBHOOK_RETRY_SCHEDULE_MS", "50,100,200"),
            ("HOTLINE_WEBHOOK_TIMEOUT_MS", "300"),
            ("HOTLINE_WEBHOOK_ALLOWED_NETWORKS", LOOPBACK),
        ],
    );
    let admin = server.demo_admin_token().await;

    // Malformed input and missing permission are refused with codes.
    let bad_url = json!({ "input": { "url": "ftp://example.com/hook" } });
    assert_eq!(error_code(&server.graphql(Some(&admin), REGISTER, bad_url).await), "webhook.invalid_url");
    let typo = json!({ "input": { "url": format!("{base}/good"), "eventTypes": ["hotline.usr.*"] } });
    assert_eq!(error_code(&server.graphql(Some(&admin), REGISTER, typo).await), "webhook.unknown_event_type");
    let shape = json!({ "input": { "url": format!("{base}/good"), "eventTypes": ["user.created"] } });
    assert_eq!(error_code(&server.graphql(Some(&admin), REGISTER, shape).await), "webhook.invalid_event_type");
    let agent = server.login("demo", "agent1", server.demo_password.as_deref().unwrap()).await;
    let forbidden = json!({ "input": { "url": format!("{base}/good") } });
    assert_eq!(error_code(&server.graphql(Some(&agent), REGISTER, forbidden).await), "auth.forbidden");
    assert_eq!(
        error_code(&server.graphql(Some(&agent), "{ webhookEndpoints { id } }", json!({})).await),
        "auth.forbidden"
    );

    // A receiver that hangs and one that fails are registered first, for every event.
    let (hanging, _) = register(&server, &admin, &format!("{base}/hang"), &[]).await;
    let (flaky_endpoint, flaky_secret) = register(&server, &admin, &format!("{base}/flaky"), &[]).await;
    let (good_endpoint, good_secret) = register(&server, &admin, &format!("{base}/good"), &["hotline.user.*"]).await;
    let endpoints = gql(&server, &admin, "{ webhookEndpoints { id url eventTypes enabled } }", json!({})).await;
    let listed: Vec<&str> =
        endpoints["webhookEndpoints"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(listed, [hanging.as_str(), flaky_endpoint.as_str(), good_endpoint.as_str()]);

    // A dictionary (filtered out for the good receiver), then a user (wanted by it).
    let dictionary = "mutation($input: CreateDictionaryInput!) { createDictionary(input: $input) { aggregateId } }";
    let input = json!({ "input": { "code": "webhook_test", "name": "Webhook test", "valueType": "TEXT" } });
    gql(&server, &admin, dictionary, input).await;
    let created = server.create_agent(&admin, "hooked", "Hooked agent").await;
    assert!(created.get("errors").is_none(), "{created}");
    let created_at = Instant::now();

    // The good receiver gets the user's event promptly although the others fail or hang.
    let delivered = wait_until("the good delivery", Duration::from_secs(10), async || {
        receiver.good.lock().unwrap().first().cloned()
    })
    .await;
    assert!(created_at.elapsed() < Duration::from_secs(3), "held up for {:?}", created_at.elapsed());
    let event = delivered.event();
    assert_eq!(event["type"], "hotline.user.created", "{event}");
    assert_eq!(event["specversion"], "1.0");
    assert_eq!(event["data"]["username"], "hooked");
    assert_eq!(delivered.id, event["id"].as_str().unwrap(), "webhook-id is the event id");
    assert_eq!(delivered.content_type, "application/cloudevents+json");
    let now = chrono::Utc::now().timestamp();
    assert!((delivered.timestamp.parse::<i64>().unwrap() - now).abs() < 60);
    assert!(delivered.signature.starts_with("v1,"));
    assert!(verifies(&delivered, &good_secret), "the signature verifies with the secret shown at registration");
    assert!(!verifies(&delivered, &flaky_secret), "and with no other secret");

    // The flaky receiver: 1 try + 3 retries, then the dead-letter list.
    let dead = wait_until("the dead letters", Duration::from_secs(15), async || {
        let variables = json!({ "e": flaky_endpoint, "s": "DEAD" });
        let nodes = gql(&server, &admin, DELIVERIES, variables).await["webhookDeliveries"]["nodes"].clone();
        let types: Vec<&str> = nodes.as_array()?.iter().filter_map(|node| node["eventType"].as_str()).collect();
        (types.contains(&"hotline.dictionary.created") && types.contains(&"hotline.user.created")).then_some(nodes)
    })
    .await;
    let dead_user = dead.as_array().unwrap().iter().find(|node| node["eventType"] == "hotline.user.created").unwrap();
    assert_eq!(dead_user["status"], "DEAD");
    assert_eq!(dead_user["attempts"], 4);
    assert_eq!(dead_user["lastResponseStatus"], 500);
    let tries = receiver.flaky.lock().unwrap().iter().filter(|got| got.id == dead_user["eventId"]).count();
    assert_eq!(tries, 4);

    // The hanging receiver ends dead-lettered too, on timeouts.
    let hung = wait_until("the hanging receiver's dead letter", Duration::from_secs(20), async || {
        let variables = json!({ "e": hanging, "s": "DEAD" });
        let nodes = gql(&server, &admin, DELIVERIES, variables).await["webhookDeliveries"]["nodes"].clone();
        nodes.as_array()?.iter().find(|node| node["eventType"] == "hotline.user.created").cloned()
    })
    .await;
    assert!(hung["lastError"].as_str().unwrap().contains("in time"), "{hung}");

    // Fixed, the dead letter is redelivered once.
    receiver.flaky_status.store(200, Ordering::SeqCst);
    let redeliver = "mutation($d: UUID!) { redeliverWebhook(deliveryId: $d) { id status attempts } }";
    let again = gql(&server, &admin, redeliver, json!({ "d": dead_user["id"] })).await;
    assert_eq!(again["redeliverWebhook"]["status"], "PENDING");
    wait_until("the redelivery", Duration::from_secs(10), async || {
        let variables = json!({ "e": flaky_endpoint, "s": "DELIVERED" });
        let nodes = gql(&server, &admin, DELIVERIES, variables).await["webhookDeliveries"]["nodes"].clone();
        nodes.as_array()?.iter().any(|node| node["id"] == dead_user["id"] && node["attempts"] == 1).then_some(())
    })
    .await;
    let last = receiver.flaky.lock().unwrap().last().cloned().unwrap();
    assert_eq!(last.id, dead_user["eventId"].as_str().unwrap());
    assert!(verifies(&last, &flaky_secret));

    // Another tenant's events never reach this tenant's endpoints.
    let tenant = "mutation($input: CreateTenantInput!) { createTenant(input: $input) { aggregateId } }";
    let input = json!({"input": {"slug": "other", "name": "Other", "admin": {
        "username": "boss", "displayName": "Boss", "password": "a long password"}}});
    gql(&server, &admin, tenant, input).await;
    let other = server.login("other", "boss", "a long password").await;
    assert!(server.create_agent(&other, "stranger", "Stranger").await.get("errors").is_none());
    assert_eq!(
        gql(&server, &other, "{ webhookEndpoints { id } }", json!({})).await["webhookEndpoints"],
        json!([]),
        "the other tenant sees no endpoint of this one"
    );
    let redeliver_foreign = server.graphql(Some(&other), redeliver, json!({ "d": dead_user["id"] })).await;
    assert_eq!(error_code(&redeliver_foreign), "webhook.delivery_not_found");
    // A later event of this tenant arrives after the other tenant's: nothing of theirs came first.
    server.create_agent(&admin, "hooked2", "Hooked again").await;
    wait_until("the second user", Duration::from_secs(10), async || {
        let got = receiver.good.lock().unwrap();
        got.iter().any(|got| got.event()["data"]["username"] == "hooked2").then_some(())
    })
    .await;
    let demo_tenant = hotline_domain::identity::tenant_id_for_slug("demo").to_string();
    for got in receiver.good.lock().unwrap().iter() {
        let event = got.event();
        assert_eq!(event["tenantid"], demo_tenant.as_str(), "{event}");
        assert!(event["type"].as_str().unwrap().starts_with("hotline.user."), "the filter holds: {event}");
    }
    for got in receiver.flaky.lock().unwrap().iter() {
        assert_eq!(got.event()["tenantid"], demo_tenant.as_str());
    }
}

#[tokio::test]
async fn a_receiver_answering_410_disables_its_endpoint_and_secrets_rotate() {
    let (receiver, base) = start_receiver().await;
    let server = Server::start_with(
        &Location::embedded(),
        &[
            ("HOTLINE_WEBHOOK_RETRY_SCHEDULE_MS", "50"),
            ("HOTLINE_WEBHOOK_TIMEOUT_MS", "1000"),
            ("HOTLINE_WEBHOOK_ALLOWED_NETWORKS", LOOPBACK),
        ],
    );
    let admin = server.demo_admin_token().await;
    let (gone_endpoint, _) = register(&server, &admin, &format!("{base}/gone"), &["hotline.user.created"]).await;
    let (good_endpoint, first_secret) =
        register(&server, &admin, &format!("{base}/good"), &["hotline.user.created"]).await;
    let rotate = "mutation($id: UUID!) { rotateWebhookSecret(id: $id) { secret endpoint { id } } }";
    let rotated = gql(&server, &admin, rotate, json!({ "id": good_endpoint })).await;
    let new_secret = rotated["rotateWebhookSecret"]["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, first_secret);

    server.create_agent(&admin, "first", "First").await;
    let endpoint = wait_until("the endpoint to be disabled", Duration::from_secs(10), async || {
        let endpoints = gql(&server, &admin, "{ webhookEndpoints { id enabled disabledReason } }", json!({})).await;
        let found =
            endpoints["webhookEndpoints"].as_array()?.iter().find(|e| e["id"] == gone_endpoint.as_str())?.clone();
        (found["enabled"] == false).then_some(found)
    })
    .await;
    assert_eq!(endpoint["disabledReason"], "gone");
    let delivered = wait_until("the good delivery", Duration::from_secs(10), async || {
        receiver.good.lock().unwrap().first().cloned()
    })
    .await;
    assert!(verifies(&delivered, &new_secret), "signed with the rotated secret");
    assert!(!verifies(&delivered, &first_secret));

    // Updating the filter, then deleting: the endpoint is gone from the list.
    let update = "mutation($id: UUID!, $input: WebhookInput!) { updateWebhook(id: $id, input: $input) { eventTypes } }";
    let input =
        json!({ "id": good_endpoint, "input": { "url": format!("{base}/good"), "eventTypes": ["hotline.user.*"] } });
    assert_eq!(gql(&server, &admin, update, input).await["updateWebhook"]["eventTypes"], json!(["hotline.user.*"]));
    gql(&server, &admin, "mutation($id: UUID!) { deleteWebhook(id: $id) }", json!({ "id": good_endpoint })).await;
    let endpoints = gql(&server, &admin, "{ webhookEndpoints { id } }", json!({})).await;
    assert_eq!(endpoints["webhookEndpoints"], json!([{ "id": gone_endpoint }]));
    let again = server.graphql(Some(&admin), rotate, json!({ "id": good_endpoint })).await;
    assert_eq!(error_code(&again), "webhook.endpoint_not_found");
}

#[tokio::test]
async fn internal_addresses_are_refused_unless_their_network_is_allowed() {
    let location = Location::embedded();
    let (receiver, base) = start_receiver().await;
    let port = base.rsplit(':').next().unwrap().to_owned();
    let refused = |response: &Value| {
        assert_eq!(error_code(response), "webhook.address_not_allowed", "{response}");
        response["errors"][0]["message"].as_str().unwrap().to_owned()
    };

    // An operator's allow-list lets the LAN (here: loopback) in; other internal ranges stay out.
    let mut lan = Server::start_with(&location, &[("HOTLINE_WEBHOOK_ALLOWED_NETWORKS", LOOPBACK)]);
    let admin = lan.demo_admin_token().await;
    let (by_name, _) = register(&lan, &admin, &format!("http://localhost:{port}/good"), &["hotline.user.*"]).await;
    let (by_address, _) = register(&lan, &admin, &format!("{base}/good"), &["hotline.user.*"]).await;
    let metadata = json!({ "input": { "url": "http://169.254.169.254/latest/meta-data/" } });
    let message = refused(&lan.graphql(Some(&admin), REGISTER, metadata).await);
    assert!(message.contains("169.254.169.254") && message.contains("link-local"), "{message}");
    lan.kill();

    // Without it: IP literals in internal ranges, their IPv6 forms and names resolving only to
    // them are refused, at registration and on update.
    let server = Server::start_with(
        &location,
        &[("HOTLINE_WEBHOOK_RETRY_SCHEDULE_MS", "50"), ("HOTLINE_WEBHOOK_TIMEOUT_MS", "1000")],
    );
    let admin = server.demo_admin_token().await;
    for url in [
        "http://127.0.0.1:1/x",
        "http://169.254.169.254/",
        "http://10.0.0.8/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[fd00::1]/hook",
        "http://localhost:1/x",
    ] {
        refused(&server.graphql(Some(&admin), REGISTER, json!({ "input": { "url": url } })).await);
    }
    let update = "mutation($id: UUID!, $input: WebhookInput!) { updateWebhook(id: $id, input: $input) { url } }";
    let input = json!({ "id": by_name, "input": { "url": "http://192.168.1.1/hook" } });
    refused(&server.graphql(Some(&admin), update, input).await);

    // Endpoints registered while loopback was allowed: their deliveries fail at connection
    // time, with the reason in the delivery, and nothing reaches the receiver.
    server.create_agent(&admin, "guarded", "Guarded").await;
    for endpoint in [&by_name, &by_address] {
        let dead = wait_until("the refused delivery", Duration::from_secs(10), async || {
            let variables = json!({ "e": endpoint, "s": "DEAD" });
            let nodes = gql(&server, &admin, DELIVERIES, variables).await["webhookDeliveries"]["nodes"].clone();
            nodes.as_array()?.iter().find(|node| node["eventType"] == "hotline.user.created").cloned()
        })
        .await;
        assert_eq!(dead["attempts"], 2, "{dead}");
        assert_eq!(dead["lastResponseStatus"], Value::Null, "{dead}");
        let error = dead["lastError"].as_str().unwrap();
        assert!(error.contains("loopback range") && error.contains("public addresses"), "{error}");
    }
    let by_name_error = gql(&server, &admin, DELIVERIES, json!({ "e": by_name, "s": "DEAD" })).await;
    let error = by_name_error["webhookDeliveries"]["nodes"][0]["lastError"].as_str().unwrap().to_owned();
    assert!(error.starts_with("localhost resolves to "), "the resolver refused the name: {error}");
    assert!(receiver.good.lock().unwrap().is_empty(), "no delivery reached the receiver");
}
