//! `kafka-latency`: from a command to its event at a Kafka consumer, through the relay.
//!
//! A scratch embedded store, the real `Dispatcher`, and the relay (`Lease::Exclusive`)
//! publishing to a fresh topic on a tansu broker on loopback. A consumer in a group of its
//! own is subscribed, holds every partition and has seen a warm-up event before the clock
//! starts. Then, one at a time, a `CreateUser` command (a new stream each, so the figures do
//! not grow with a stream's length) is timed from just before `dispatch` until the consumer
//! receives the message whose `ce_id` is the id of the event the command appended. The
//! baseline, in the same round on the same broker: a tiny message produced with a
//! `FutureProducer` of the same settings, timed until a consumer like the first one receives
//! it (the broker's and the clients' floor).

use std::time::{Duration, Instant};

use anyhow::Context;
use hotline_command_api::dispatcher::{DEFAULT_MAX_PAYLOAD_BYTES, Dispatcher};
use hotline_domain::identity::user::User;
use hotline_infra::database::{self, DatabaseLocation};
use hotline_infra::kafka::ensure_topic;
use hotline_infra::kafka::relay::{self, Lease};
use hotline_infra::store::{Scope, SharedEventStore};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use tokio::sync::watch;
use uuid::Uuid;

use crate::BenchOptions;
use crate::kafka::{Broker, await_message, consumer_at_end};
use crate::measure::median;
use crate::report::{BenchReport, Latency, Measurement, Role, milliseconds, thousands};
use crate::scratch::ScratchDirectory;
use crate::workload::{self, CreateUser};

const DEFAULT_ROUND_TRIPS: usize = 1_000;
/// The target: p99 at most 100 ms from the command to a Kafka consumer.
const TARGET_P99: Duration = Duration::from_millis(100);
/// How long one message may take before the run fails.
const MESSAGE_LIMIT: Duration = Duration::from_secs(10);
/// Warm-up attempts (each a message waited for up to a second) before a consumer counts as
/// positioned.
const WARM_UP_ATTEMPTS: usize = 30;

struct Round {
    delivery: Vec<Duration>,
    dispatch: Vec<Duration>,
    raw: Vec<Duration>,
}

pub(crate) async fn run(options: &BenchOptions) -> anyhow::Result<BenchReport> {
    let round_trips = options.scaled(DEFAULT_ROUND_TRIPS, 20);
    let mut report = BenchReport::new(
        "kafka-latency",
        format!(
            "{} `CreateUser` commands one after another through the real `Dispatcher` (embedded store, `synchronous = \
             FULL`), each timed until a Kafka consumer (own group, positioned at the end) receives its event from \
             the relay, on a tansu broker (in memory, loopback); against one tiny message at a time from a raw \
             `FutureProducer` with the same settings to a consumer on the same broker; {} rounds, each on a fresh \
             store and broker.",
            thousands(round_trips as f64),
            options.rounds,
        ),
    );
    let mut rounds = Vec::new();
    for _ in 0..options.rounds.max(1) {
        rounds.push(round(options, round_trips).await?);
    }
    let p99 = |samples: &[Duration]| Latency::of("x", samples.to_vec()).map(|latency| latency.p99).unwrap_or_default();
    let ratios = rounds
        .iter()
        .map(|round| p99(&round.delivery).as_secs_f64() / p99(&round.raw).as_secs_f64().max(f64::EPSILON))
        .collect::<Vec<_>>();
    // The round with the median p99 of the system; its baseline and dispatch times with it.
    rounds.sort_by_key(|round| p99(&round.delivery));
    let middle = rounds.swap_remove((rounds.len() - 1) / 2);
    let delivery_p99 = p99(&middle.delivery);
    let raw_p99 = p99(&middle.raw);
    report.measure(measurement(Role::System, "command → event at a Kafka consumer, via the relay", middle.delivery));
    report.measure(measurement(
        Role::Baseline,
        "raw FutureProducer → consumer, one tiny message at a time",
        middle.raw,
    ));
    report.measure(measurement(
        Role::Diagnostic,
        "the dispatch alone (durable append), within the system's round trips",
        middle.dispatch,
    ));
    report.ratio_of_rounds("system p99 / raw producer → consumer p99", &ratios);
    report.checks.push(crate::report::Check {
        target: format!("p99 ≤ {} ms (command → Kafka consumer)", TARGET_P99.as_millis()),
        measured: milliseconds(delivery_p99),
        met: delivery_p99 <= TARGET_P99,
    });
    report.note(format!(
        "the relay waits for the store's head to move, reads the new event, encodes it and hands it to a producer \
         with `linger.ms=5` (the baseline's producer lingers as long); median of the round ratios {:.2}, \
         the median round's p99s {} against {}",
        median(&ratios),
        milliseconds(delivery_p99),
        milliseconds(raw_p99),
    ));
    Ok(report)
}

fn measurement(role: Role, label: &str, samples: Vec<Duration>) -> Measurement {
    Measurement {
        role,
        label: label.to_owned(),
        operations: samples.len() as u64,
        unit: if role == Role::Baseline { "messages" } else { "commands" },
        elapsed: samples.iter().sum(),
        latency: Latency::of("round trip", samples),
    }
}

async fn round(options: &BenchOptions, round_trips: usize) -> anyhow::Result<Round> {
    let scratch = ScratchDirectory::create(&options.work_dir)?;
    let database = database::open(&DatabaseLocation::Embedded { data_dir: scratch.path().to_owned() }).await?;
    let dispatcher = Dispatcher::new(database.events.clone(), DEFAULT_MAX_PAYLOAD_BYTES);
    let now = chrono::Utc::now();
    let tenant_id = workload::create_tenant(&dispatcher, "bench", now).await?;
    let broker = Broker::start().await?;

    let settings = broker.settings("bench.latency");
    ensure_topic(&settings).await?;
    let (stop, shutdown) = watch::channel(false);
    let (progress, relay_task) = relay::start(
        database.events.clone(),
        database.checkpoints.clone(),
        settings.clone(),
        Lease::Exclusive,
        shutdown,
    );
    let consumer = consumer_at_end(&settings).await?;
    // Commands prepared before the clock: the warm-up ones first.
    let mut commands = workload::create_user_commands(tenant_id, round_trips + WARM_UP_ATTEMPTS, now).into_iter();
    let mut positioned = false;
    for _ in 0..WARM_UP_ATTEMPTS {
        let command = commands.next().expect("enough warm-up commands");
        let (event_id, _) = dispatch(&dispatcher, &database.events, command).await?;
        if await_message(&consumer, "ce_id", event_id.to_string().as_bytes(), Duration::from_secs(1)).await? {
            positioned = true;
            break;
        }
    }
    anyhow::ensure!(
        positioned,
        "the consumer saw none of {WARM_UP_ATTEMPTS} warm-up events (relay at {})",
        progress.published()
    );

    let deadline = Instant::now() + options.phase_time_limit;
    let mut delivery = Vec::with_capacity(round_trips);
    let mut dispatch_times = Vec::with_capacity(round_trips);
    for command in commands.take(round_trips) {
        if Instant::now() >= deadline {
            break;
        }
        let started = Instant::now();
        let (event_id, dispatched) = dispatch(&dispatcher, &database.events, command).await?;
        let arrived = await_message(&consumer, "ce_id", event_id.to_string().as_bytes(), MESSAGE_LIMIT).await?;
        anyhow::ensure!(arrived, "event {event_id} did not reach the consumer within {MESSAGE_LIMIT:?}");
        delivery.push(started.elapsed());
        dispatch_times.push(dispatched.duration_since(started));
    }
    stop.send_replace(true);
    relay_task.await?;
    drop(consumer);

    let raw = raw_round_trips(&broker, round_trips, options.phase_time_limit).await?;
    drop(broker);
    database.read_models.close().await;
    Ok(Round { delivery, dispatch: dispatch_times, raw })
}

/// Dispatches the command; returns the id of the event it appended and when the dispatch
/// returned. The id is read back from the store (a local read, well under a millisecond).
async fn dispatch(
    dispatcher: &Dispatcher,
    store: &SharedEventStore,
    command: CreateUser,
) -> anyhow::Result<(Uuid, Instant)> {
    let outcome = dispatcher.dispatch::<User>(&command.meta, &command.command).await?;
    let dispatched = Instant::now();
    let position = outcome.last_position.context("a new user's command appends an event")?;
    let event = store.read_all(Scope::Global, position - 1, 1).await?;
    let event = event.first().context("the appended event is in the log")?;
    Ok((event.id, dispatched))
}

/// One tiny message at a time from a producer with the relay's settings, each timed until
/// a consumer positioned at the end of the topic receives it.
async fn raw_round_trips(broker: &Broker, round_trips: usize, time_limit: Duration) -> anyhow::Result<Vec<Duration>> {
    let settings = broker.settings("bench.latency-raw");
    ensure_topic(&settings).await?;
    let producer: FutureProducer = settings.producer_config().create()?;
    let consumer = consumer_at_end(&settings).await?;
    let ids = (0..round_trips + WARM_UP_ATTEMPTS).map(|_| Uuid::now_v7().to_string()).collect::<Vec<_>>();
    let send = |id: &str| {
        let headers = OwnedHeaders::new().insert(Header { key: "bench_id", value: Some(id.as_bytes()) });
        let record = FutureRecord::to(&settings.topic).key("bench").payload("{}").headers(headers);
        producer.send_result(record).map_err(|(error, _)| error)
    };
    let mut ids = ids.iter();
    let mut positioned = false;
    for _ in 0..WARM_UP_ATTEMPTS {
        let id = ids.next().expect("enough warm-up ids");
        let delivery = send(id)?;
        if await_message(&consumer, "bench_id", id.as_bytes(), Duration::from_secs(1)).await? {
            positioned = true;
        }
        delivery.await?.map_err(|(error, _)| error)?;
        if positioned {
            break;
        }
    }
    anyhow::ensure!(positioned, "the raw consumer saw none of {WARM_UP_ATTEMPTS} warm-up messages");
    let deadline = Instant::now() + time_limit;
    let mut latencies = Vec::with_capacity(round_trips);
    for id in ids.take(round_trips) {
        if Instant::now() >= deadline {
            break;
        }
        let started = Instant::now();
        let delivery = send(id)?;
        let arrived = await_message(&consumer, "bench_id", id.as_bytes(), MESSAGE_LIMIT).await?;
        anyhow::ensure!(arrived, "message {id} did not reach the consumer within {MESSAGE_LIMIT:?}");
        latencies.push(started.elapsed());
        delivery.await?.map_err(|(error, _)| error)?;
    }
    Ok(latencies)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn times_commands_to_a_consumer_when_tansu_is_installed() {
        if crate::kafka::tansu_binary().is_none() {
            eprintln!("skipped: tansu not found (PATH or {})", crate::kafka::TANSU_VARIABLE);
            return;
        }
        let options = BenchOptions { scale: 0.001, rounds: 1, ..BenchOptions::default() };
        let report = run(&options).await.unwrap();
        assert_eq!(report.measurements[0].operations, 20, "{report}");
        assert_eq!(report.measurements[1].operations, 20, "{report}");
        assert_eq!(report.checks.len(), 1);
    }
}
