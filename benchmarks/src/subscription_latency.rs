//! `subscription-latency`: from a command to its event on a GraphQL subscription, over
//! loopback, through the real server (axum, async-graphql over graphql-ws, the projection
//! runner and the SQLite store of the embedded mode).
//!
//! One client at a time sends a command (a new role, so every command decides against a
//! fresh stream and the figures do not grow with a stream's length) and waits until its event
//! arrives on an open `events` subscription. Measured in the same run, for the ratio:
//! the same command alone (append with its fsync, nobody waiting for the event) and a bare
//! WebSocket echo on the same server (the transport's floor).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::extract::WebSocketUpgrade;
use axum::extract::ws::Message as ServerMessage;
use axum::routing::get;
use chrono::Utc;
use futures::{SinkExt, StreamExt};
use hotline_command_api::chat::ChatService;
use hotline_command_api::dispatcher::{DEFAULT_MAX_PAYLOAD_BYTES, Dispatcher};
use hotline_command_api::identity::NewUser;
use hotline_command_api::live::LiveHub;
use hotline_command_api::{IdentityService, Session, TokenSigner};
use hotline_domain::access::BuiltInRole;
use hotline_domain::access::role::RoleDefinition;
use hotline_infra::database::{self, DatabaseLocation};
use hotline_projections::{ProjectionRunner, all_projections, prepare_read_models};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use uuid::Uuid;

use crate::BenchOptions;
use crate::measure::median;
use crate::report::{BenchReport, Latency, Measurement, Role, thousands};
use crate::scratch::ScratchDirectory;

const DEFAULT_ROUND_TRIPS: usize = 1_000;
/// The target for the embedded mode: p99 at most 10 ms.
const TARGET_P99: Duration = Duration::from_millis(10);
const PASSWORD: &str = "benchmark password";

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub(crate) async fn run(options: &BenchOptions) -> anyhow::Result<BenchReport> {
    let round_trips = options.scaled(DEFAULT_ROUND_TRIPS, 20);
    let mut report = BenchReport::new(
        "subscription-latency",
        format!(
            "{} commands one after another, each waiting for its event on an open graphql-ws `events` \
             subscription, through the real server on loopback (embedded mode: SQLite, `synchronous = FULL`); \
             {} rounds.",
            thousands(round_trips as f64),
            options.rounds,
        ),
    );
    let mut delivery_rounds = Vec::new();
    let mut command_rounds = Vec::new();
    let mut echo_rounds = Vec::new();
    for _ in 0..options.rounds.max(1) {
        let scratch = ScratchDirectory::create(&options.work_dir)?;
        let (delivery, command, echo) = round(options, &scratch, round_trips).await?;
        delivery_rounds.push(delivery);
        command_rounds.push(command);
        echo_rounds.push(echo);
    }
    let middle = |rounds: &mut Vec<Vec<Duration>>| {
        rounds.sort_by_key(|samples| Latency::of("x", samples.clone()).map(|latency| latency.p50));
        rounds.swap_remove(rounds.len() / 2)
    };
    let ratios: Vec<f64> = delivery_rounds
        .iter()
        .zip(&command_rounds)
        .map(|(delivery, command)| p50(delivery).as_secs_f64() / p50(command).as_secs_f64().max(f64::EPSILON))
        .collect();
    let delivery = middle(&mut delivery_rounds);
    let command = middle(&mut command_rounds);
    let echo = middle(&mut echo_rounds);
    let delivery_p99 = Latency::of("command", delivery.clone()).map(|latency| latency.p99).unwrap_or_default();
    report.measure(measurement(Role::System, "command → event on the GraphQL subscription", "commands", delivery));
    report.measure(measurement(
        Role::Baseline,
        "the same command alone (durable append, nobody waits)",
        "commands",
        command,
    ));
    report.measure(measurement(Role::Diagnostic, "WebSocket echo on the same server", "messages", echo));
    report.ratio_of_rounds("system p50 / command alone p50", &ratios);
    report.checks.push(crate::report::Check {
        target: format!("p99 ≤ {} ms (command → subscription)", TARGET_P99.as_millis()),
        measured: format!("{:.2} ms", delivery_p99.as_secs_f64() * 1000.0),
        met: delivery_p99 <= TARGET_P99,
    });
    report.note(format!(
        "what the subscription adds to a command is the system's latency minus the baseline's: the store's \
         notification after commit, one read of the new event, and one WebSocket message; median of the round \
         ratios {:.2}",
        median(&ratios)
    ));
    Ok(report)
}

fn p50(samples: &[Duration]) -> Duration {
    Latency::of("x", samples.to_vec()).map(|latency| latency.p50).unwrap_or_default()
}

fn measurement(role: Role, label: &str, unit: &'static str, samples: Vec<Duration>) -> Measurement {
    let elapsed = samples.iter().sum();
    Measurement {
        role,
        label: label.to_owned(),
        operations: samples.len() as u64,
        unit,
        elapsed,
        latency: Latency::of("round trip", samples),
    }
}

/// One round on a fresh data folder: (delivery, command alone, echo) latencies.
async fn round(
    options: &BenchOptions,
    scratch: &ScratchDirectory,
    round_trips: usize,
) -> anyhow::Result<(Vec<Duration>, Vec<Duration>, Vec<Duration>)> {
    let database = database::open(&DatabaseLocation::Embedded { data_dir: scratch.path().to_owned() }).await?;
    let keys = hotline_infra::keys::SubjectKeys::new(database.secrets.clone());
    prepare_read_models(&database.read_models, &all_projections(keys.clone())).await?;
    let dispatcher = Arc::new(Dispatcher::new(database.events.clone(), DEFAULT_MAX_PAYLOAD_BYTES));
    let signer = TokenSigner::load_or_create(database.secrets.as_ref()).await?;
    let identity = IdentityService::new(dispatcher.clone(), database.secrets.clone(), signer.clone());
    let hub = LiveHub::start(database.events.clone()).await?;
    let chat = ChatService::new(dispatcher.clone(), hub, database.blobs.clone(), signer);
    let customers = hotline_command_api::customers::CustomerService::new(dispatcher.clone(), keys.clone());
    let webhooks = hotline_command_api::webhooks::WebhookService::open(
        dispatcher.clone(),
        database.secrets.clone(),
        database.read_models.clone(),
        Default::default(),
    )
    .await?;
    let knowledge = hotline_command_api::knowledge::KnowledgeService::new(dispatcher, database.blobs.clone());
    let (knowledge_index, _indexer) = hotline_projections::knowledge_index::KnowledgeIndexer::start(
        hotline_infra::search::KnowledgeIndex::in_memory()?,
        database.events.clone(),
        database.blobs.clone(),
    );
    let projections =
        ProjectionRunner::start(database.events.clone(), database.read_models.clone(), all_projections(keys));
    let admin = NewUser {
        username: "admin".into(),
        display_name: "Benchmark administrator".into(),
        password: PASSWORD.into(),
        role_ids: vec![BuiltInRole::Administrator.id()],
        org_unit_id: None,
        email: None,
    };
    identity.bootstrap_tenant("bench", "Benchmark", vec![admin], Utc::now()).await?;
    let logged_in = identity.login("bench", "admin", PASSWORD, Utc::now()).await?;

    let app = hotline_graphql::router(hotline_graphql::GraphqlState {
        identity: identity.clone(),
        read_models: database.read_models.clone(),
        projections: projections.clone(),
        chat,
        customers,
        tickets: hotline_command_api::TicketService::new(
            identity.dispatcher().clone(),
            database.secrets.clone(),
            database.blobs.clone(),
        ),
        knowledge,
        knowledge_index,
        webhooks,
        phones: std::sync::Arc::new(hotline_graphql::NoPhones),
        call_control: std::sync::Arc::new(hotline_graphql::NoCalls),
        blobs: database.blobs.clone(),
        outbox: hotline_infra::mail::outbox::Outbox::open(database.read_models.clone()).await?,
    })
    .route("/echo", get(echo));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let role = |name: String| RoleDefinition {
        role_id: Uuid::now_v7(),
        name,
        description: String::new(),
        permissions: vec!["menu.workbench".into()],
        data_scopes: BTreeMap::new(),
    };
    let session = &logged_in.session;

    let mut subscription = subscribe(&format!("ws://{address}/graphql/ws"), &logged_in.token).await?;
    let deadline = Instant::now() + options.phase_time_limit;
    let mut delivery = Vec::with_capacity(round_trips);
    for index in 0..round_trips {
        if Instant::now() > deadline {
            break;
        }
        let started = Instant::now();
        create_role(&identity, session, role(format!("delivery {index}"))).await?;
        next_event(&mut subscription).await?;
        delivery.push(started.elapsed());
    }
    drop(subscription);

    let mut command = Vec::with_capacity(round_trips);
    for index in 0..round_trips {
        if Instant::now() > deadline + options.phase_time_limit {
            break;
        }
        let started = Instant::now();
        create_role(&identity, session, role(format!("alone {index}"))).await?;
        command.push(started.elapsed());
    }

    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{address}/echo")).await?;
    let mut echo = Vec::with_capacity(round_trips);
    for index in 0..round_trips {
        let started = Instant::now();
        socket.send(Message::Text(index.to_string().into())).await?;
        socket.next().await.context("the echo socket closed")??;
        echo.push(started.elapsed());
    }
    server.abort();
    projections.shutdown().await;
    Ok((delivery, command, echo))
}

async fn create_role(identity: &IdentityService, session: &Session, definition: RoleDefinition) -> anyhow::Result<()> {
    identity.save_role(session, Uuid::now_v7(), definition, true, Utc::now()).await?;
    Ok(())
}

async fn echo(upgrade: WebSocketUpgrade) -> axum::response::Response {
    upgrade.on_upgrade(|mut socket| async move {
        while let Some(Ok(message)) = socket.recv().await {
            if matches!(message, ServerMessage::Close(_)) || socket.send(message).await.is_err() {
                return;
            }
        }
    })
}

/// Opens a graphql-ws subscription to the tenant's new roles.
async fn subscribe(url: &str, token: &str) -> anyhow::Result<Socket> {
    let mut request = url.into_client_request()?;
    request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse()?);
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
    let send = |value: Value| Message::Text(value.to_string().into());
    socket
        .send(send(json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } })))
        .await?;
    let ack = next_json(&mut socket).await?;
    anyhow::ensure!(ack["type"] == "connection_ack", "no connection_ack: {ack}");
    let query = "subscription { events(fromPosition: 0, types: [\"hotline.role.created\"]) { globalPosition } }";
    socket.send(send(json!({ "id": "1", "type": "subscribe", "payload": { "query": query } }))).await?;
    Ok(socket)
}

async fn next_event(socket: &mut Socket) -> anyhow::Result<Value> {
    let message = next_json(socket).await?;
    anyhow::ensure!(message["type"] == "next", "expected an event: {message}");
    Ok(message)
}

async fn next_json(socket: &mut Socket) -> anyhow::Result<Value> {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .context("no message within 10 s")?
            .context("the subscription closed")??;
        if let Message::Text(text) = message {
            return Ok(serde_json::from_str(&text)?);
        }
    }
}
