//! `kafka-relay`: the relay's throughput from the store to Kafka, against a raw producer.
//!
//! A scratch PostgreSQL event store (the distributed mode's, where the relay runs) is filled
//! with 100,000 identity events (not timed); then `hotline_infra::kafka::relay`
//! (`Lease::Exclusive`: one relay, so no lock to take) publishes the whole log to a fresh
//! topic on a tansu broker on loopback, timed until
//! `RelayProgress::published()` reaches the head, i.e. until the broker acknowledged every
//! event. The baseline, in the same round on the same broker: an rdkafka `FutureProducer`
//! with the same settings (`KafkaSettings::producer_config`) sends the same events, encoded
//! before the clock starts, to another fresh topic, timed until every delivery is
//! acknowledged. What the relay adds is reading the log, encoding each event, and its
//! bookkeeping (ordered acknowledgements, checkpoints). Diagnostics: the log read alone and
//! the encoding alone, measured on the same events while preparing the baseline. Both
//! producers are made with `kafka::ready_producer`, so neither waits on librdkafka's timer
//! for its producer id (up to a second, which would otherwise decide the ratio).

use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use hotline_infra::database::{self, DatabaseLocation};
use hotline_infra::kafka::relay::{self, Lease};
use hotline_infra::kafka::{self, KafkaSettings, ensure_topic};
use hotline_infra::store::{EventStore, StoredEvent};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::OwnedHeaders;
use rdkafka::producer::FutureRecord;
use tokio::sync::watch;

use crate::BenchOptions;
use crate::kafka::{Broker, PARTITIONS, SeparateCores, fill_users};
use crate::measure::{Timed, median_round};
use crate::report::{BenchReport, Role, thousands};
use crate::scratch::ScratchDatabase;

const DEFAULT_EVENTS: usize = 100_000;
const EVENTS_PER_USER: usize = 10;
const TENANTS: usize = 8;
/// The target: the relay publishes at least 70 % of what a raw producer does.
const TARGET_RATIO: f64 = 0.7;

struct Round {
    relay: Timed,
    raw: Timed,
    /// Cores busy on the whole machine (every process) during the relay's and the raw
    /// producer's phases, when /proc/stat is readable.
    relay_cores: Option<f64>,
    raw_cores: Option<f64>,
    read: Timed,
    encode: Timed,
    fill: Timed,
}

pub(crate) async fn run(options: &BenchOptions) -> anyhow::Result<BenchReport> {
    let events = options.scaled(DEFAULT_EVENTS, 500);
    let mut report = BenchReport::new(
        "kafka-relay",
        format!(
            "the relay (`Lease::Exclusive`) publishing a scratch PostgreSQL event store (the distributed mode's) of {} \
             identity events ({TENANTS} tenants, `user.created` + `user.updated`) to a fresh {PARTITIONS}-partition topic on a tansu broker \
             (in memory, loopback), until the broker acknowledged every event; against a raw `FutureProducer` with \
             the same settings sending the same events, encoded beforehand; {} rounds, each on a fresh store and \
             broker.",
            thousands(events as f64),
            options.rounds,
        ),
    );
    // The broker on a core of its own, the process under test (relay and raw producer alike)
    // on the others: what the relay gets when the broker runs elsewhere, as in production.
    let separate = SeparateCores::pin();
    let mut rounds = Vec::new();
    for _ in 0..options.rounds.max(1) {
        rounds.push(round(options, events, separate.as_ref().map(|pinned| pinned.broker_core)).await?);
    }
    let placement = match &separate {
        Some(pinned) => format!(
            "this process (relay and raw producer alike) on cores {}, the broker on core {} alone, PostgreSQL \
             unpinned",
            pinned.ours(),
            pinned.broker_core
        ),
        None => "every process on every core (one core, or no taskset)".to_owned(),
    };
    drop(separate);
    let ratios = rounds.iter().map(|round| round.relay.rate() / round.raw.rate().max(f64::EPSILON)).collect::<Vec<_>>();
    let busy = |cores: Option<f64>| cores.map_or("–".to_owned(), |cores| format!("{cores:.2}"));
    let busy_rounds: Vec<String> =
        rounds.iter().map(|round| format!("{} / {}", busy(round.relay_cores), busy(round.raw_cores))).collect();
    let cores = machine_cores().unwrap_or(0);
    let (mut relays, mut raws, mut encodes, mut fills) = (vec![], vec![], vec![], vec![]);
    let mut reads = vec![];
    for round in rounds {
        relays.push(round.relay);
        raws.push(round.raw);
        reads.push(round.read);
        encodes.push(round.encode);
        fills.push(round.fill);
    }
    let relay = median_round(relays);
    let relay_complete = relay.completed == events;
    report.measure(relay.into_measurement(
        Role::System,
        "relay: store → Kafka, until published() = head",
        "events",
        1,
        "event",
    ));
    report.measure(median_round(raws).into_measurement(
        Role::Baseline,
        "raw FutureProducer, same settings, pre-encoded messages",
        "events",
        1,
        "event",
    ));
    report.measure(median_round(reads).into_measurement(
        Role::Diagnostic,
        "the log read alone, as stored (read_all_stored, pages of 1,000)",
        "events",
        1,
        "event",
    ));
    report.measure(median_round(encodes).into_measurement(
        Role::Diagnostic,
        "kafka::encode_stored alone (CloudEvents binary mode), in memory",
        "events",
        1,
        "event",
    ));
    report.measure(median_round(fills).into_measurement(
        Role::Diagnostic,
        "fill: PostgresEventStore::append, 64 clients (not part of the ratio)",
        "events",
        1,
        "event",
    ));
    let ratio = report.ratio_of_rounds("relay / raw producer (events/s)", &ratios);
    report.check_ratio("relay / raw producer (events/s)", ratio, TARGET_RATIO);
    if !relay_complete {
        report.note(format!(
            "the median round's relay did not publish all {} events within the phase time limit",
            thousands(events as f64)
        ));
    }
    report.note(format!("placement: {placement}"));
    report.note(format!(
        "cores busy on the whole machine ({cores} in all; broker, database and this process) during the relay / \
         the raw producer, round by round: {}",
        busy_rounds.join(", ")
    ));
    report.note(
        "both producers use `KafkaSettings::producer_config()`: idempotent, `acks=all`, gapless, `linger.ms=5`, lz4; \
         the relay keeps at most 50,000 messages in flight and reads the log as stored (payloads never parsed), 1,000 events a page",
    );
    Ok(report)
}

async fn round(options: &BenchOptions, events: usize, broker_core: Option<usize>) -> anyhow::Result<Round> {
    let scratch = ScratchDatabase::create(&options.postgres_url).await?;
    let database = database::open(&DatabaseLocation::Postgres { url: scratch.url() }).await?;
    let fill = fill_users(&database.events, events, EVENTS_PER_USER, TENANTS, options.phase_time_limit).await?;
    let broker = Broker::start_on(broker_core).await?;

    // The baseline's messages, encoded before any clock starts.
    let started = Instant::now();
    let log = read_stored_log(database.events.as_ref()).await?;
    let read = Timed { completed: log.len(), elapsed: started.elapsed(), latencies: vec![] };
    let started = Instant::now();
    let messages = log
        .into_iter()
        .map(|event| {
            let key = kafka::message_key(event.tenant_id);
            let (headers, value) = kafka::encode_stored(event);
            (key, headers, value)
        })
        .collect::<Vec<_>>();
    let encode = Timed { completed: messages.len(), elapsed: started.elapsed(), latencies: vec![] };

    let relay_settings = broker.settings("bench.relay");
    ensure_topic(&relay_settings).await?;
    let (stop, shutdown) = watch::channel(false);
    let cpu_before = machine_cpu();
    let started = Instant::now();
    let (progress, task) =
        relay::start(database.events.clone(), database.checkpoints.clone(), relay_settings, Lease::Exclusive, shutdown);
    let deadline = started + options.phase_time_limit;
    while progress.published() < events as u64 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let relay = Timed {
        completed: progress.published().min(events as u64) as usize,
        elapsed: started.elapsed(),
        latencies: vec![],
    };
    let relay_cores = busy_cores(cpu_before, machine_cpu());
    stop.send_replace(true);
    task.await?;

    let raw_settings = broker.settings("bench.raw");
    ensure_topic(&raw_settings).await?;
    let cpu_before = machine_cpu();
    let raw = produce_all(&raw_settings, messages, options.phase_time_limit).await?;
    let raw_cores = busy_cores(cpu_before, machine_cpu());
    drop(broker);
    database.read_models.close().await;
    drop(database);
    scratch.remove().await?;
    Ok(Round { relay, raw, relay_cores, raw_cores, read, encode, fill })
}

/// The machine's busy and total CPU time so far, in clock ticks over all cores (the first
/// line of /proc/stat: user, nice, system, idle, iowait, irq, softirq, steal).
fn machine_cpu() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let ticks: Vec<u64> =
        stat.lines().next()?.split_whitespace().skip(1).take(8).map_while(|n| n.parse().ok()).collect();
    let idle = ticks.get(3)? + ticks.get(4)?;
    let total: u64 = ticks.iter().sum();
    Some((total - idle, total))
}

/// The machine's cores, also while this process is pinned to some of them (`cpuN` lines of
/// /proc/stat).
fn machine_cores() -> Option<usize> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let cores = stat
        .lines()
        .filter(|line| line.starts_with("cpu") && line.as_bytes().get(3).is_some_and(u8::is_ascii_digit))
        .count();
    (cores > 0).then_some(cores)
}

/// How many cores were busy on average between two readings of [`machine_cpu`].
fn busy_cores(before: Option<(u64, u64)>, after: Option<(u64, u64)>) -> Option<f64> {
    let ((busy_before, total_before), (busy_after, total_after)) = (before?, after?);
    let cores = machine_cores()? as f64;
    let total = total_after.checked_sub(total_before).filter(|total| *total > 0)?;
    Some(busy_after.saturating_sub(busy_before) as f64 / total as f64 * cores)
}

/// The whole log as stored, in the relay's pages.
async fn read_stored_log(store: &dyn EventStore) -> anyhow::Result<Vec<StoredEvent>> {
    let mut log: Vec<StoredEvent> = Vec::new();
    loop {
        let page = store.read_all_stored(log.last().map_or(0, |event| event.global_position), 1_000).await?;
        let page_len = page.len();
        log.extend(page);
        if page_len < 1_000 {
            return Ok(log);
        }
    }
}

/// Sends every message as the relay does (waiting a moment when the producer's queue is
/// full) and waits for every acknowledgement; the producer is made inside the clock, as the
/// relay makes its own.
async fn produce_all(
    settings: &KafkaSettings,
    messages: Vec<([u8; 36], OwnedHeaders, Vec<u8>)>,
    time_limit: Duration,
) -> anyhow::Result<Timed> {
    let started = Instant::now();
    let deadline = started + time_limit;
    let producer = kafka::ready_producer(settings).await?;
    let mut deliveries = FuturesUnordered::new();
    for (key, headers, value) in messages {
        if Instant::now() >= deadline {
            break;
        }
        let mut record = FutureRecord::to(&settings.topic).key(&key[..]).payload(&value).headers(headers);
        loop {
            match producer.send_result(record) {
                Ok(delivery) => {
                    deliveries.push(delivery);
                    break;
                }
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), returned)) => {
                    record = returned;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                Err((error, _)) => return Err(error.into()),
            }
        }
    }
    let mut acknowledged = 0;
    while let Some(delivery) = deliveries.next().await {
        match delivery {
            Ok(Ok(_)) => acknowledged += 1,
            Ok(Err((error, _))) => return Err(error.into()),
            Err(_cancelled) => anyhow::bail!("a delivery was cancelled"),
        }
    }
    Ok(Timed { completed: acknowledged, elapsed: started.elapsed(), latencies: vec![] })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn relays_a_small_store_when_tansu_is_installed() {
        if crate::kafka::tansu_binary().is_none() {
            eprintln!("skipped: tansu not found (PATH or {})", crate::kafka::TANSU_VARIABLE);
            return;
        }
        let options = BenchOptions { scale: 0.001, rounds: 1, ..BenchOptions::default() };
        let report = run(&options).await.unwrap();
        assert_eq!(report.measurements[0].operations, 500, "{report}");
        assert_eq!(report.measurements[1].operations, 500, "{report}");
        assert_eq!(report.checks.len(), 1);
    }
}
