//! What the Kafka benchmarks (`kafka_relay`, `kafka_latency`, `kafka_catch_up`) share: a
//! tansu broker started as a child process on a free loopback port (killed when dropped),
//! settings naming a fresh topic, a store filled with user histories, and a consumer
//! positioned at the end of a topic.
//!
//! tansu is found at `HOTLINE_BENCH_TANSU` or as `tansu` on the PATH (`scripts/test.sh`
//! installs it). It keeps its topics in memory (`memory://tansu/`), has no topic
//! auto-creation (topics are made with [`hotline_infra::kafka::ensure_topic`]) and no
//! transactions.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures::StreamExt;
use hotline_infra::kafka::KafkaSettings;
use hotline_infra::store::SharedEventStore;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::{BorrowedMessage, Headers, Message};
use uuid::Uuid;

use crate::measure::{Timed, run_clients};
use crate::workload;

/// The environment variable that names the tansu binary (default: `tansu` on the PATH).
pub(crate) const TANSU_VARIABLE: &str = "HOTLINE_BENCH_TANSU";

/// How long the broker may take to listen, and a consumer to get its partitions.
const START_LIMIT: Duration = Duration::from_secs(30);

/// Partitions of every benchmark topic (the relay's default).
pub(crate) const PARTITIONS: i32 = KafkaSettings::DEFAULT_PARTITIONS;

/// Concurrent appenders while filling a store, so that group commit takes big batches.
const FILL_CLIENTS: usize = 64;

/// The tansu binary: `HOTLINE_BENCH_TANSU`, else the first `tansu` on the PATH.
pub(crate) fn tansu_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(TANSU_VARIABLE) {
        let path = PathBuf::from(path);
        return path.is_file().then_some(path);
    }
    std::env::split_paths(&std::env::var_os("PATH")?).map(|folder| folder.join("tansu")).find(|path| path.is_file())
}

/// A tansu broker in memory on a loopback port; killed when dropped, also on an error.
pub(crate) struct Broker {
    child: Child,
    address: String,
}

/// The broker on a core of its own and this process (every thread, also those started later)
/// on the others, as when the broker runs on another machine; undone when dropped. Only on a
/// machine of two cores or more, with util-linux's `taskset`.
pub(crate) struct SeparateCores {
    pub broker_core: usize,
    cores: usize,
}

impl SeparateCores {
    pub fn pin() -> Option<Self> {
        let cores = std::thread::available_parallelism().ok()?.get();
        if cores < 2 {
            return None;
        }
        let pinned = Self { broker_core: cores - 1, cores };
        pinned.set_affinity(&format!("0-{}", cores - 2)).then_some(pinned)
    }

    /// This process's cores, as taskset writes them.
    pub fn ours(&self) -> String {
        format!("0-{}", self.cores - 2)
    }

    fn set_affinity(&self, cores: &str) -> bool {
        Command::new("taskset")
            .args(["-a", "-p", "-c", cores, &std::process::id().to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    }
}

impl Drop for SeparateCores {
    fn drop(&mut self) {
        self.set_affinity(&format!("0-{}", self.cores - 1));
    }
}

impl Broker {
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_on(None).await
    }

    /// A broker, on `core` alone when given (see [`SeparateCores`]).
    pub async fn start_on(core: Option<usize>) -> anyhow::Result<Self> {
        let binary = tansu_binary().with_context(|| {
            format!(
                "the Kafka benchmarks need the tansu broker: put `tansu` on the PATH or name it in {TANSU_VARIABLE}"
            )
        })?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let url = format!("tcp://127.0.0.1:{port}");
        let mut command = match core {
            Some(core) => {
                let mut taskset = Command::new("taskset");
                taskset.args(["-c", &core.to_string()]).arg(&binary);
                taskset
            }
            None => Command::new(&binary),
        };
        let child = command
            .args(["broker", "--listener-url", &url, "--advertised-listener-url", &url])
            .args(["--storage-engine", "memory://tansu/"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        // From here on, dropping `broker` kills the child.
        let mut broker = Broker { child, address: format!("127.0.0.1:{port}") };
        let started = Instant::now();
        while TcpStream::connect(&broker.address).is_err() {
            if let Some(status) = broker.child.try_wait()? {
                anyhow::bail!("tansu exited before listening on {}: {status}", broker.address);
            }
            anyhow::ensure!(started.elapsed() < START_LIMIT, "tansu did not listen on {} within 30 s", broker.address);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(broker)
    }

    /// Settings for a fresh topic `<prefix>.<uuid>` on this broker.
    pub fn settings(&self, prefix: &str) -> KafkaSettings {
        let mut settings = KafkaSettings::new(self.address.clone());
        settings.topic = format!("{prefix}.{}", Uuid::now_v7().simple());
        settings.partitions = PARTITIONS;
        settings
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Appends `events` events to the store: user histories (`user.created`, then
/// `user.updated`), `events_per_user` each, over `tenants` tenants, from many clients at
/// once. Returns what was appended; the last request may be shorter so the total is exact.
pub(crate) async fn fill_users(
    store: &SharedEventStore,
    events: usize,
    events_per_user: usize,
    tenants: usize,
    time_limit: Duration,
) -> anyhow::Result<Timed> {
    let now = chrono::Utc::now();
    let tenant_ids = (0..tenants)
        .map(|number| hotline_domain::identity::tenant_id_for_slug(&format!("bench-{number}")))
        .collect::<Vec<_>>();
    let mut requests = Vec::with_capacity(events / events_per_user + 1);
    let mut left = events;
    while left > 0 {
        let number = requests.len();
        let size = left.min(events_per_user);
        requests.push(workload::user_history_with_updates(
            tenant_ids[number % tenants],
            &format!("agent-{number}"),
            size,
            now,
        ));
        left -= size;
    }
    let appending_store = Arc::clone(store);
    let timed = run_clients(FILL_CLIENTS, requests, time_limit, move |request| {
        let store = Arc::clone(&appending_store);
        async move {
            store.append(request).await?;
            Ok(())
        }
    })
    .await?;
    let head = store.head_position().await?;
    anyhow::ensure!(
        head as usize == events,
        "filling the store stopped at the time limit at {head} of {events} events; raise the limit or lower the scale"
    );
    Ok(Timed { completed: events, elapsed: timed.elapsed, latencies: vec![] })
}

/// A consumer in a group of its own, subscribed to `topic`, that starts at the end
/// (`auto.offset.reset = latest`), returned once it holds the topic's partitions.
/// Messages produced before its offsets are resolved may still be skipped: warm it up
/// with [`await_message`] before timing.
pub(crate) async fn consumer_at_end(settings: &KafkaSettings) -> anyhow::Result<StreamConsumer> {
    let consumer: StreamConsumer = settings
        .client_config()
        .set("group.id", format!("hotline-bench-{}", Uuid::now_v7()))
        .set("auto.offset.reset", "latest")
        .set("enable.auto.commit", "false")
        .set("fetch.wait.max.ms", "10")
        .set("session.timeout.ms", "10000")
        .set("heartbeat.interval.ms", "1000")
        .create()?;
    consumer.subscribe(&[&settings.topic])?;
    let started = Instant::now();
    loop {
        // Polling drives the group protocol; nothing is produced yet, so nothing is lost.
        if let Ok(message) = tokio::time::timeout(Duration::from_millis(100), consumer.recv()).await {
            message?;
        }
        if consumer.assignment()?.count() == PARTITIONS as usize {
            return Ok(consumer);
        }
        anyhow::ensure!(
            started.elapsed() < START_LIMIT,
            "the consumer got no partitions of {} in 30 s",
            settings.topic
        );
    }
}

/// Waits, at most `limit`, for a message whose header `name` is `value`; skips others.
/// True when it came.
pub(crate) async fn await_message(
    consumer: &StreamConsumer,
    name: &str,
    value: &[u8],
    limit: Duration,
) -> anyhow::Result<bool> {
    let deadline = tokio::time::Instant::now() + limit;
    let mut stream = consumer.stream();
    loop {
        let Ok(message) = tokio::time::timeout_at(deadline, stream.next()).await else { return Ok(false) };
        let message = message.context("the consumer's stream ended")??;
        if header(&message, name) == Some(value) {
            return Ok(true);
        }
    }
}

/// The value of the message's header `name`.
pub(crate) fn header<'a>(message: &'a BorrowedMessage<'_>, name: &str) -> Option<&'a [u8]> {
    message.headers()?.iter().find(|header| header.key == name)?.value
}
