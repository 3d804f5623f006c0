//! `chat-websockets`: ten thousand visitors' chat WebSockets open at once on loopback, and how
//! long a visitor's message takes to reach the agent's feed meanwhile.
//!
//! System: the real chat router (`/chat/ws?tenant=…`, `ChatService` with its live hub) in an
//! axum server on 127.0.0.1, over a scratch embedded database (SQLite, `synchronous = FULL`),
//! with the projection runner following the log as `hotline serve` runs it. One tenant, one
//! agent in one queue (not available: the conversations wait in the queue, and a visitor's
//! messages are posted whether or not an agent took the chat). Set-up, not timed, in two
//! stages each bounded by the phase time limit: N visitors connect and say `hello`, 100 at a
//! time (below the listen backlog); then each sends a first `message`, 500 at a time, which
//! starts its conversation and queues it in the tenant's ACD. Timed phase: every connection
//! stays open, and M messages go out from visitors chosen at random, paced at 300 a second;
//! a message's latency runs from just before the visitor's socket send until its
//! `hotline.conversation.message_posted` event (matched by `client_id`) arrives on a
//! `LiveHub::subscribe(Topic::Tenant(tenant))` receiver: the feed the agent's GraphQL
//! subscriptions read. The GraphQL-over-WebSocket hop from there to the agent's browser is not
//! included (`subscription-latency` measures that path). The visitors' `ack`s of the same
//! messages are timed too, as a diagnostic.
//!
//! Baseline, in the same run and the same runtime: a bare axum WebSocket echo with N
//! connections open and the same M messages at the same pace; a message's latency runs from
//! the send until its echo is back at the client.
//!
//! Clients and servers share this process, so N is capped to what its open-files limit
//! allows: every connection costs two descriptors (the client's and the server's).

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::Router;
use axum::extract::WebSocketUpgrade;
use axum::extract::ws::Message as ServerMessage;
use axum::routing::get;
use chrono::Utc;
use futures::{SinkExt, StreamExt};
use hotline_command_api::chat::ChatService;
use hotline_command_api::dispatcher::{DEFAULT_MAX_PAYLOAD_BYTES, Dispatcher};
use hotline_command_api::identity::NewUser;
use hotline_command_api::live::{LiveHub, LiveItem, Topic};
use hotline_command_api::{IdentityService, TokenSigner};
use hotline_domain::access::BuiltInRole;
use hotline_domain::conversation::MESSAGE_POSTED;
use hotline_domain::identity::user_id_for_username;
use hotline_infra::database::{self, DatabaseLocation};
use hotline_projections::{ProjectionRunner, all_projections, prepare_read_models};
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::BenchOptions;
use crate::measure::median;
use crate::report::{BenchReport, Check, Latency, Measurement, Role, milliseconds, thousands};
use crate::scratch::ScratchDirectory;

const DEFAULT_VISITORS: usize = 10_000;
const MINIMUM_VISITORS: usize = 50;
const DEFAULT_MESSAGES: usize = 3_000;
const MINIMUM_MESSAGES: usize = 30;
/// The timed phase's pace, whatever the scale.
const MESSAGES_PER_SECOND: f64 = 300.0;
/// Connections being set up at once: below the listen backlog of 128 that
/// `tokio::net::TcpListener::bind` gives (as in `hotline serve`), so the accept queue never
/// overflows and no SYN waits a second to be retried.
const CONNECT_CONCURRENCY: usize = 100;
/// The target: p99 from the widget to the agent's subscription at most 50 ms.
const TARGET_P99: Duration = Duration::from_millis(50);
/// Descriptors kept for everything but the connections (database files, runtime, stdio).
const DESCRIPTOR_RESERVE: u64 = 500;
/// First messages in flight at once (no accept queue is involved any more).
const START_CONCURRENCY: usize = 500;
/// The clients' read buffer (tungstenite's default is 128 KiB; visitors' frames are small).
const CLIENT_READ_BUFFER_BYTES: usize = 4096;
/// How long closed connections may take to give their descriptors back.
const CLOSE_TIME_LIMIT: Duration = Duration::from_secs(30);
const TENANT: &str = "bench";
const AGENT: &str = "agent";
const PASSWORD: &str = "benchmark password";
const TEXT: &str = "Hello, where is my parcel? It was due yesterday.";

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub(crate) async fn run(options: &BenchOptions) -> anyhow::Result<BenchReport> {
    let requested = options.scaled(DEFAULT_VISITORS, MINIMUM_VISITORS);
    let messages = options.scaled(DEFAULT_MESSAGES, MINIMUM_MESSAGES);
    let descriptor_limit = std::fs::read_to_string("/proc/self/limits").ok().and_then(|text| open_files_limit(&text));
    let reserve = DESCRIPTOR_RESERVE.max(open_descriptors().unwrap_or(0) as u64 + 200);
    let visitors = match descriptor_limit {
        Some(limit) => requested.min(usize::try_from(limit.saturating_sub(reserve) / 2).unwrap_or(usize::MAX)).max(1),
        None => requested,
    };
    let mut report = BenchReport::new(
        "chat-websockets",
        format!(
            "{} visitor WebSockets open at once on loopback (set-up, not timed: connect and `hello`, \
             {CONNECT_CONCURRENCY} at a time, then a first `message` each, which starts a conversation, \
             {START_CONCURRENCY} at a time), then {} messages from visitors chosen at random, paced at \
             {MESSAGES_PER_SECOND:.0}/s, each timed from the visitor's socket send to its `message_posted` event on \
             the agent's live feed (`LiveHub`, `Topic::Tenant`); the real chat router over the embedded store \
             (SQLite, `synchronous = FULL`); baseline a bare axum WebSocket echo with as many connections and the \
             same messages; {} rounds.",
            thousands(visitors as f64),
            thousands(messages as f64),
            options.rounds,
        ),
    );
    if visitors < requested {
        report.note(format!(
            "{} visitors instead of {}: clients and server share this process, every connection costs two \
             descriptors, and the open-files limit is {} ({reserve} kept for the rest)",
            thousands(visitors as f64),
            thousands(requested as f64),
            thousands(descriptor_limit.unwrap_or_default() as f64),
        ));
    }

    let mut system_rounds = Vec::new();
    let mut echo_rounds = Vec::new();
    let mut loads = Vec::new();
    for round in 0..options.rounds.max(1) {
        loads.push(load_average());
        let scratch = ScratchDirectory::create(&options.work_dir)?;
        let system = system_round(options, &scratch, round, visitors, messages).await?;
        drop(scratch);
        let echo = echo_round(options, round, visitors, messages).await?;
        system_rounds.push(system);
        echo_rounds.push(echo);
    }
    let ratios: Vec<f64> = system_rounds
        .iter()
        .zip(&echo_rounds)
        .map(|(system, echo)| echo.timed.p99().as_secs_f64() / system.timed.p99().as_secs_f64().max(f64::EPSILON))
        .collect();
    report.note(format!(
        "p99 round by round: system {}; echo {}; load average (1 min) at the start of each round: {}",
        system_rounds.iter().map(|round| milliseconds(round.timed.p99())).collect::<Vec<_>>().join(", "),
        echo_rounds.iter().map(|round| milliseconds(round.timed.p99())).collect::<Vec<_>>().join(", "),
        loads.join(", "),
    ));
    let system = median_round(system_rounds);
    let echo = median_round(echo_rounds);

    let system_p99 = system.timed.p99();
    let lost = system.timed.lost();
    let complete = lost == 0 && system.connected == visitors && system.senders == visitors;
    let mut measured = format!("{:.2} ms", system_p99.as_secs_f64() * 1000.0);
    if lost > 0 {
        measured.push_str(&format!(", {lost} messages not arrived"));
    }
    if system.connected < visitors || system.senders < visitors {
        measured.push_str(&format!(
            ", {} of {} visitors connected, {} with a conversation",
            thousands(system.connected as f64),
            thousands(visitors as f64),
            thousands(system.senders as f64),
        ));
    }
    system.note(&mut report, "system (median round)");
    echo.note(&mut report, "echo (median round)");
    report.measure(system.timed.measurement(
        Role::System,
        format!(
            "visitor WebSocket send → `message_posted` on the agent's hub feed, {} visitors connected",
            thousands(system.connected as f64)
        ),
    ));
    report.measure(echo.timed.measurement(
        Role::Baseline,
        format!("bare axum WebSocket echo, send → echo back, {} connections", thousands(echo.connected as f64)),
    ));
    if let Some(acks) = &system.acks {
        report.measure(acks.measurement(
            Role::Diagnostic,
            "the same messages: send → `ack` back at the visitor (after the command and a read of the conversation)"
                .to_owned(),
        ));
    }
    for stage in system.stages.iter().chain(&echo.stages) {
        report.measure(stage.measurement());
    }
    report.ratio_of_rounds("baseline p99 / system p99 (bare echo / chat)", &ratios);
    let inverted: Vec<f64> = ratios.iter().map(|ratio| 1.0 / ratio.max(f64::EPSILON)).collect();
    report.note(format!(
        "the same ratio to three places, round by round: {}; inverted, the chat's p99 is {:.0} times the bare \
         echo's (median of the rounds)",
        ratios.iter().map(|ratio| format!("{ratio:.3}")).collect::<Vec<_>>().join(", "),
        median(&inverted),
    ));
    report.note(format!(
        "set-up 2 runs at the rate one tenant's new chats are queued: a first message starts its conversation, \
         whose reaction appends to the tenant's one ACD stream, one command at a time; {} conversations/s here",
        thousands(
            system
                .stages
                .get(1)
                .map_or(0.0, |stage| stage.latencies.len() as f64 / stage.elapsed.as_secs_f64().max(f64::EPSILON))
        ),
    ));
    report.checks.push(Check {
        target: format!(
            "p99 ≤ {} ms (widget → agent's subscription), {} visitors connected",
            TARGET_P99.as_millis(),
            thousands(visitors as f64)
        ),
        measured,
        met: complete && system_p99 <= TARGET_P99,
    });
    report.note(
        "the system's latency ends where the agent's GraphQL subscriptions read (the live hub's tenant feed, \
         after the message's command committed, its event was read back from the log and fanned out); the \
         graphql-ws hop from there to the agent's browser is not included; the baseline's latency is a full \
         round trip back to the client",
    );
    report.note(
        "the server runs the chat router, the live hub and the projection runner, as `hotline serve` does; the \
         background chat reactor is not started (the service runs a command's reactions itself; the reactor \
         only repeats them as no-ops after a crash); the agent is not available, so every conversation waits \
         in the queue, and a message is posted all the same",
    );
    Ok(report)
}

/// The soft `Max open files` of `/proc/<pid>/limits`; `None` when unlimited or unreadable.
fn open_files_limit(limits: &str) -> Option<u64> {
    let line = limits.lines().find(|line| line.starts_with("Max open files"))?;
    line.trim_start_matches("Max open files").split_whitespace().next()?.parse().ok()
}

fn open_descriptors() -> Option<usize> {
    Some(std::fs::read_dir("/proc/self/fd").ok()?.count())
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

/// What one round of one side (the chat or the echo) gave.
struct Round {
    stages: Vec<Stage>,
    /// Connections open through the timed phase.
    connected: usize,
    /// Of those, the ones the timed messages were sent from (visitors with a conversation).
    senders: usize,
    timed: Timed,
    /// The chat's acknowledgements of the same messages, back at the visitors.
    acks: Option<Timed>,
}

impl Round {
    fn note(&self, report: &mut BenchReport, label: &str) {
        let timed = &self.timed;
        let mut note = format!(
            "{label}: {} of {} messages sent in {:.2} s, paced at {MESSAGES_PER_SECOND:.0}/s ({}/s achieved), {} \
             arrived",
            thousands(timed.dispatched as f64),
            thousands(timed.planned as f64),
            timed.sending.as_secs_f64(),
            thousands(timed.dispatched as f64 / timed.sending.as_secs_f64().max(f64::EPSILON)),
            thousands(timed.latencies.len() as f64),
        );
        for stage in &self.stages {
            if stage.failures > 0 || stage.not_started > 0 {
                note.push_str(&format!(
                    "; {}: {} failed, {} not started in the phase time limit{}",
                    stage.label,
                    stage.failures,
                    stage.not_started,
                    stage
                        .first_failure
                        .as_deref()
                        .map(|error| format!(" (first failure: {error})"))
                        .unwrap_or_default()
                ));
            }
        }
        if timed.error_frames > 0 {
            note.push_str(&format!("; {} error frames from the server", timed.error_frames));
        }
        if timed.closed_early > 0 {
            note.push_str(&format!("; {} connections closed by the server", timed.closed_early));
        }
        if timed.lagged > 0 {
            note.push_str(&format!("; the hub feed lagged by {} items", timed.lagged));
        }
        report.note(note);
    }
}

fn median_round(mut rounds: Vec<Round>) -> Round {
    rounds.sort_by_key(|round| round.timed.p99());
    rounds.swap_remove((rounds.len() - 1) / 2)
}

/// A step of the untimed set-up, over every connection.
struct Stage {
    label: String,
    unit: &'static str,
    elapsed: Duration,
    /// One per connection that completed the step.
    latencies: Vec<Duration>,
    failures: usize,
    first_failure: Option<String>,
    /// Not begun before the phase time limit.
    not_started: usize,
}

impl Stage {
    fn measurement(&self) -> Measurement {
        Measurement {
            role: Role::Diagnostic,
            label: self.label.clone(),
            operations: self.latencies.len() as u64,
            unit: self.unit,
            elapsed: self.elapsed,
            latency: Latency::of("connection", self.latencies.clone()),
        }
    }
}

/// How one connection's step of a stage went.
enum Outcome {
    Done(Duration),
    Failed(String),
    NotStarted,
}

/// Runs `step` once per item, `concurrency` at a time, each in a task of its own. A step
/// returns what it leaves (a socket, if any) and how it went.
async fn stage<In, Out, Step, Stepping>(
    label: String,
    unit: &'static str,
    items: Vec<In>,
    concurrency: usize,
    step: Step,
) -> (Stage, Vec<(Out, bool)>)
where
    In: Send + 'static,
    Out: Send + 'static,
    Step: Fn(usize, In) -> Stepping,
    Stepping: Future<Output = (Option<Out>, Outcome)> + Send + 'static,
{
    let started = Instant::now();
    let results: Vec<(Option<Out>, Outcome)> = futures::stream::iter(items.into_iter().enumerate())
        .map(|(index, item)| tokio::spawn(step(index, item)))
        .buffer_unordered(concurrency)
        .filter_map(|joined| async move { joined.ok() })
        .collect()
        .await;
    let mut stage = Stage {
        label,
        unit,
        elapsed: started.elapsed(),
        latencies: vec![],
        failures: 0,
        first_failure: None,
        not_started: 0,
    };
    let mut left = Vec::with_capacity(results.len());
    for (output, outcome) in results {
        let done = match outcome {
            Outcome::Done(latency) => {
                stage.latencies.push(latency);
                true
            }
            Outcome::Failed(error) => {
                stage.failures += 1;
                stage.first_failure.get_or_insert(error);
                false
            }
            Outcome::NotStarted => {
                stage.not_started += 1;
                false
            }
        };
        if let Some(output) = output {
            left.push((output, done));
        }
    }
    (stage, left)
}

/// Runs `step` unless `deadline` has passed, and stops it there.
async fn within<T>(deadline: Instant, step: impl Future<Output = anyhow::Result<T>>) -> (Option<T>, Outcome) {
    if Instant::now() >= deadline {
        return (None, Outcome::NotStarted);
    }
    let began = Instant::now();
    match tokio::time::timeout_at(deadline.into(), step).await {
        Ok(Ok(value)) => (Some(value), Outcome::Done(began.elapsed())),
        Ok(Err(error)) => (None, Outcome::Failed(format!("{error:#}"))),
        Err(_elapsed) => (None, Outcome::Failed("the phase time limit passed".to_owned())),
    }
}

/// The timed phase.
struct Timed {
    planned: usize,
    /// Messages handed to a connection to send.
    dispatched: usize,
    /// From the phase's start to the last dispatch.
    sending: Duration,
    /// From the phase's start to the last arrival.
    elapsed: Duration,
    /// One per arrived message.
    latencies: Vec<Duration>,
    error_frames: usize,
    closed_early: usize,
    lagged: u64,
}

impl Timed {
    fn lost(&self) -> usize {
        self.dispatched.saturating_sub(self.latencies.len())
    }

    fn p99(&self) -> Duration {
        Latency::of("message", self.latencies.clone()).map(|latency| latency.p99).unwrap_or(Duration::MAX)
    }

    fn measurement(&self, role: Role, label: String) -> Measurement {
        Measurement {
            role,
            label,
            operations: self.latencies.len() as u64,
            unit: "messages",
            elapsed: self.elapsed,
            latency: Latency::of("message", self.latencies.clone()),
        }
    }
}

/// Send and arrival times of the timed messages, by client id.
#[derive(Default)]
struct Tracker {
    sent: Mutex<HashMap<String, Instant>>,
    arrivals: Mutex<Arrivals>,
}

#[derive(Default)]
struct Arrivals {
    latencies: Vec<Duration>,
    last: Option<Instant>,
}

impl Tracker {
    /// Called just before the message goes into the socket.
    fn sending(&self, client_id: &str, at: Instant) {
        self.sent.lock().expect("tracker lock poisoned").insert(client_id.to_owned(), at);
    }

    /// A message arrived at `at`; ids not sent in the timed phase are ignored.
    fn arrived(&self, client_id: &str, at: Instant) {
        let Some(sent) = self.sent.lock().expect("tracker lock poisoned").remove(client_id) else { return };
        let mut arrivals = self.arrivals.lock().expect("tracker lock poisoned");
        arrivals.latencies.push(at.saturating_duration_since(sent));
        arrivals.last = Some(at);
    }

    fn arrived_count(&self) -> usize {
        self.arrivals.lock().expect("tracker lock poisoned").latencies.len()
    }

    fn take(&self) -> Arrivals {
        std::mem::take(&mut *self.arrivals.lock().expect("tracker lock poisoned"))
    }
}

/// Counters the connections share.
#[derive(Default)]
struct Counters {
    error_frames: AtomicUsize,
    closed_early: AtomicUsize,
}

/// SplitMix64: a small deterministic generator, so the chat and the echo send from the same
/// connections in the same order.
struct Random(u64);

impl Random {
    fn below(&mut self, bound: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut mixed = self.0;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((mixed ^ (mixed >> 31)) % bound as u64) as usize
    }
}

/// One round of the chat on a fresh data folder.
async fn system_round(
    options: &BenchOptions,
    scratch: &ScratchDirectory,
    round: usize,
    visitors: usize,
    messages: usize,
) -> anyhow::Result<Round> {
    let database = database::open(&DatabaseLocation::Embedded { data_dir: scratch.path().to_owned() }).await?;
    let keys = hotline_infra::keys::SubjectKeys::new(database.secrets.clone());
    prepare_read_models(&database.read_models, &all_projections(keys.clone())).await?;
    let dispatcher = Arc::new(Dispatcher::new(database.events.clone(), DEFAULT_MAX_PAYLOAD_BYTES));
    let signer = TokenSigner::load_or_create(database.secrets.as_ref()).await?;
    let identity = IdentityService::new(dispatcher.clone(), database.secrets.clone(), signer.clone());
    let hub = LiveHub::start(database.events.clone()).await?;
    let chat = ChatService::new(dispatcher, hub.clone(), database.blobs.clone(), signer);
    let projections =
        ProjectionRunner::start(database.events.clone(), database.read_models.clone(), all_projections(keys));
    let agent = NewUser {
        username: AGENT.into(),
        display_name: "Benchmark agent".into(),
        password: PASSWORD.into(),
        role_ids: vec![BuiltInRole::Agent.id()],
        org_unit_id: None,
        email: None,
    };
    let tenant_id = identity.bootstrap_tenant(TENANT, "Benchmark", vec![agent], Utc::now()).await?;
    chat.bootstrap_routing(tenant_id, "General", &[user_id_for_username(tenant_id, AGENT)], Utc::now()).await?;

    let app = hotline_command_api::chat::http::router(chat, identity);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = Arc::new(format!("ws://{}/chat/ws?tenant={TENANT}", listener.local_addr()?));
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let descriptors_before = open_descriptors();
    let deadline = Instant::now() + options.phase_time_limit;
    let (connecting, connected) = stage(
        format!("set-up 1: connect and `hello`, {CONNECT_CONCURRENCY} at a time"),
        "visitors",
        (0..visitors).collect(),
        CONNECT_CONCURRENCY,
        move |_, index| within(deadline, open_visitor(url.clone(), index)),
    )
    .await;
    let deadline = Instant::now() + options.phase_time_limit;
    let (starting, clients) = stage(
        format!("set-up 2: a first `message` (starts the conversation, queues it), {START_CONCURRENCY} at a time"),
        "conversations",
        connected.into_iter().map(|(socket, _)| socket).collect(),
        START_CONCURRENCY,
        move |index, mut socket: Socket| async move {
            let (_, outcome) = within(deadline, first_message(&mut socket, index)).await;
            (Some(socket), outcome)
        },
    )
    .await;

    // Let the projections catch up with the set-up, so that the timed phase does not pay for
    // it; bounded by what is left of the set-up phase.
    let head = database.events.head_position().await?;
    let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_secs(1));
    projections.wait_for(head, left).await;

    // The agent's feed: what `deskEvents` and `conversationMessages` read.
    let tracker = Arc::new(Tracker::default());
    let lagged = Arc::new(AtomicU64::new(0));
    let mut feed = hub.subscribe(Topic::Tenant(tenant_id));
    let feed_task = {
        let tracker = tracker.clone();
        let lagged = lagged.clone();
        tokio::spawn(async move {
            loop {
                match feed.recv().await {
                    Ok(LiveItem::Event(envelope)) => {
                        let at = Instant::now();
                        if envelope.event_type == MESSAGE_POSTED
                            && let Some(client_id) = envelope.payload.get("client_id").and_then(Value::as_str)
                        {
                            tracker.arrived(client_id, at);
                        }
                    }
                    Ok(LiveItem::Typing { .. }) => {}
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        lagged.fetch_add(missed, Ordering::Relaxed);
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        })
    };

    let acks = Arc::new(Tracker::default());
    let connections = Connections::drive(clients, &tracker, Some(&acks), Side::Chat);
    let (connected, senders) = (connections.senders.len(), connections.may_send.len());
    let (mut timed, acks) = connections.send_paced(options, round, messages, &tracker, Some(&acks)).await;
    timed.lagged = lagged.load(Ordering::Relaxed);
    connections.close(&mut timed, descriptors_before).await;
    feed_task.abort();
    server.abort();
    projections.shutdown().await;
    Ok(Round { stages: vec![connecting, starting], connected, senders, timed, acks })
}

/// One round of the bare echo.
async fn echo_round(
    options: &BenchOptions,
    round: usize,
    connections: usize,
    messages: usize,
) -> anyhow::Result<Round> {
    let app = Router::new().route("/echo", get(echo));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = Arc::new(format!("ws://{}/echo", listener.local_addr()?));
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let descriptors_before = open_descriptors();
    let deadline = Instant::now() + options.phase_time_limit;
    let (connecting, clients) = stage(
        format!("echo set-up: connect, {CONNECT_CONCURRENCY} at a time"),
        "connections",
        (0..connections).collect(),
        CONNECT_CONCURRENCY,
        move |_, _: usize| within(deadline, connect(url.clone())),
    )
    .await;
    let tracker = Arc::new(Tracker::default());
    let connections = Connections::drive(clients, &tracker, None, Side::Echo);
    let (connected, senders) = (connections.senders.len(), connections.may_send.len());
    let (mut timed, _) = connections.send_paced(options, round, messages, &tracker, None).await;
    connections.close(&mut timed, descriptors_before).await;
    server.abort();
    Ok(Round { stages: vec![connecting], connected, senders, timed, acks: None })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// Arrivals are seen on the hub feed; the visitor's `ack`s are timed as a diagnostic.
    Chat,
    /// Arrivals are the echoes back at the client.
    Echo,
}

/// The open connections of the timed phase, each driven by a task of its own.
struct Connections {
    senders: Vec<mpsc::UnboundedSender<String>>,
    /// The connections that send timed messages (visitors whose conversation started).
    may_send: Vec<usize>,
    tasks: Vec<JoinHandle<()>>,
    counters: Arc<Counters>,
}

impl Connections {
    fn drive(clients: Vec<(Socket, bool)>, tracker: &Arc<Tracker>, acks: Option<&Arc<Tracker>>, side: Side) -> Self {
        let counters = Arc::new(Counters::default());
        let mut connections =
            Connections { senders: vec![], may_send: vec![], tasks: vec![], counters: counters.clone() };
        for (index, (socket, may_send)) in clients.into_iter().enumerate() {
            let (sender, receiver) = mpsc::unbounded_channel();
            connections.senders.push(sender);
            if may_send {
                connections.may_send.push(index);
            }
            let task = drive_connection(socket, receiver, tracker.clone(), acks.cloned(), counters.clone(), side);
            connections.tasks.push(tokio::spawn(task));
        }
        connections
    }

    /// Hands `messages` messages to connections chosen at random, paced, and waits for their
    /// arrivals until the phase time limit.
    async fn send_paced(
        &self,
        options: &BenchOptions,
        round: usize,
        messages: usize,
        tracker: &Tracker,
        acks: Option<&Arc<Tracker>>,
    ) -> (Timed, Option<Timed>) {
        let mut timed = Timed {
            planned: messages,
            dispatched: 0,
            sending: Duration::ZERO,
            elapsed: Duration::ZERO,
            latencies: vec![],
            error_frames: 0,
            closed_early: 0,
            lagged: 0,
        };
        let started = Instant::now();
        let deadline = started + options.phase_time_limit;
        if !self.may_send.is_empty() {
            let interval = Duration::from_secs_f64(1.0 / MESSAGES_PER_SECOND);
            // The same seed for the chat and the echo of a round: the same connections send.
            let mut random = Random(0x5eed_0000 + round as u64);
            for index in 0..messages {
                let due = started + interval * index as u32;
                if due >= deadline {
                    break;
                }
                tokio::time::sleep_until(due.into()).await;
                let connection = self.may_send[random.below(self.may_send.len())];
                if self.senders[connection].send(format!("r{round}-m{index}")).is_ok() {
                    timed.dispatched += 1;
                }
            }
            timed.sending = started.elapsed();
            let all_arrived = |tracker: &Tracker| tracker.arrived_count() >= timed.dispatched;
            while !(all_arrived(tracker) && acks.is_none_or(|acks| all_arrived(acks))) && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        let finish = |tracker: &Tracker| {
            let arrivals = tracker.take();
            Timed {
                elapsed: arrivals.last.map_or_else(|| started.elapsed(), |last| last.duration_since(started)),
                latencies: arrivals.latencies,
                ..timed
            }
        };
        (finish(tracker), acks.map(|acks| finish(acks)))
    }

    /// Closes every connection (each sends a close frame when its sender is dropped) and
    /// waits until the server's ends have given their descriptors back too.
    async fn close(self, timed: &mut Timed, descriptors_before: Option<usize>) {
        drop(self.senders);
        let closing = Instant::now() + CLOSE_TIME_LIMIT;
        for task in self.tasks {
            if tokio::time::timeout_at(closing.into(), task).await.is_err() {
                break;
            }
        }
        timed.error_frames = self.counters.error_frames.load(Ordering::Relaxed);
        timed.closed_early = self.counters.closed_early.load(Ordering::Relaxed);
        if let Some(before) = descriptors_before {
            while open_descriptors().is_some_and(|open| open > before + 50) && Instant::now() < closing {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

/// One client connection in the timed phase: sends what it is handed, times what comes back
/// (echoes, or the chat's `ack`s), and closes when its sender is dropped.
async fn drive_connection(
    mut socket: Socket,
    mut outgoing: mpsc::UnboundedReceiver<String>,
    tracker: Arc<Tracker>,
    acks: Option<Arc<Tracker>>,
    counters: Arc<Counters>,
    side: Side,
) {
    loop {
        tokio::select! {
            next = outgoing.recv() => {
                let Some(client_id) = next else { break };
                let frame = json!({ "type": "message", "clientId": client_id, "text": TEXT }).to_string();
                let now = Instant::now();
                tracker.sending(&client_id, now);
                if let Some(acks) = &acks {
                    acks.sending(&client_id, now);
                }
                if socket.send(Message::Text(frame.into())).await.is_err() {
                    counters.closed_early.fetch_add(1, Ordering::Relaxed);
                    return;
                }
            }
            incoming = socket.next() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    let at = Instant::now();
                    let Ok(frame) = serde_json::from_str::<Value>(text.as_str()) else { continue };
                    let client_id = frame["clientId"].as_str();
                    match (frame["type"].as_str(), client_id, side, &acks) {
                        (Some("error"), ..) => {
                            counters.error_frames.fetch_add(1, Ordering::Relaxed);
                        }
                        (Some("message"), Some(client_id), Side::Echo, _) => tracker.arrived(client_id, at),
                        (Some("ack"), Some(client_id), Side::Chat, Some(acks)) => acks.arrived(client_id, at),
                        _ => {}
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => {
                    counters.closed_early.fetch_add(1, Ordering::Relaxed);
                    return;
                }
            },
        }
    }
    // A close frame, then the server's answer and the end of the stream.
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        if socket.close(None).await.is_ok() {
            while let Some(Ok(_)) = socket.next().await {}
        }
    })
    .await;
}

/// A WebSocket client as a browser opens one: no Nagle delay; a small read buffer (this
/// process holds every client as well as the server).
async fn connect(url: Arc<String>) -> anyhow::Result<Socket> {
    let config = WebSocketConfig::default().read_buffer_size(CLIENT_READ_BUFFER_BYTES);
    let (socket, _) = tokio_tungstenite::connect_async_with_config(url.as_str(), Some(config), true).await?;
    Ok(socket)
}

/// A visitor as the widget opens one: connected, `hello`, `welcome`.
async fn open_visitor(url: Arc<String>, index: usize) -> anyhow::Result<Socket> {
    let mut socket = connect(url).await?;
    let hello = json!({ "type": "hello", "name": format!("Visitor {index}"), "language": "en" });
    socket.send(Message::Text(hello.to_string().into())).await?;
    next_frame(&mut socket, |frame| frame["type"] == "welcome").await?;
    Ok(socket)
}

/// A visitor's first message, which starts the conversation; done when it is acknowledged.
async fn first_message(socket: &mut Socket, index: usize) -> anyhow::Result<()> {
    let client_id = format!("first-{index}");
    let message = json!({ "type": "message", "clientId": client_id, "text": TEXT });
    socket.send(Message::Text(message.to_string().into())).await?;
    next_frame(socket, |frame| frame["type"] == "ack" && frame["clientId"] == client_id.as_str()).await?;
    Ok(())
}

/// Reads frames until one matches `wanted`; an `error` frame fails.
async fn next_frame(socket: &mut Socket, wanted: impl Fn(&Value) -> bool) -> anyhow::Result<Value> {
    loop {
        let message = socket.next().await.context("the server closed the connection")??;
        let Message::Text(text) = message else { continue };
        let frame: Value = serde_json::from_str(text.as_str())?;
        anyhow::ensure!(frame["type"] != "error", "the server answered an error: {frame}");
        if wanted(&frame) {
            return Ok(frame);
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_soft_open_files_limit_is_read_from_proc_limits() {
        let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                      Max open files            20000                40000                files     \n";
        assert_eq!(open_files_limit(limits), Some(20_000));
        assert_eq!(open_files_limit("Max open files            unlimited            unlimited            files"), None);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_small_run_delivers_every_message_and_reports_the_target() {
        let options = BenchOptions { scale: 0.005, rounds: 1, ..BenchOptions::default() };
        let report = run(&options).await.unwrap();
        let system = report.measurements.iter().find(|measurement| measurement.role == Role::System).unwrap();
        let baseline = report.measurements.iter().find(|measurement| measurement.role == Role::Baseline).unwrap();
        assert_eq!(system.operations, MINIMUM_MESSAGES as u64, "{report}");
        assert_eq!(baseline.operations, MINIMUM_MESSAGES as u64, "{report}");
        assert!(system.label.contains(&format!("{MINIMUM_VISITORS} visitors connected")), "{report}");
        assert_eq!(report.checks.len(), 1);
        assert!(report.ratios.iter().all(|ratio| ratio.value.is_finite() && ratio.value > 0.0), "{report}");
    }
}
