//! `kafka-catch-up`: the Kafka projector catching up on a topic, against the local runner
//! catching up on the store.
//!
//! A scratch embedded store is filled with 100,000 identity events (`user.created` +
//! `user.updated`, which the `users` projection applies), and the relay publishes them to a
//! fresh topic on a tansu broker on loopback (not timed; its rate is a diagnostic). Then
//! `hotline_projections::kafka::start` with every projection (`all_projections`) in a fresh
//! consumer group, on a fresh SQLite read-model file (prepared before the clock), is timed
//! until every projection's `projection_tenant_marks.events` add up to all the events. The
//! baseline, in the same round: the local `ProjectionRunner` with the same projections on
//! another fresh read-model file, following the same store, timed until every projection's
//! checkpoint reaches the head. Diagnostics: both again with the `users` projection alone
//! (each in a fresh group or on a fresh file), to show what one projection costs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hotline_infra::database::{self, Database, DatabaseLocation};
use hotline_infra::kafka::relay::{self, Lease};
use hotline_infra::kafka::{KafkaSettings, ensure_topic};
use hotline_projections::{Projection, ProjectionRunner, all_projections, prepare_read_models};
use sqlx::AnyPool;
use tokio::sync::watch;
use uuid::Uuid;

use crate::BenchOptions;
use crate::kafka::{Broker, PARTITIONS, fill_users};
use crate::measure::{Timed, median_round};
use crate::report::{BenchReport, Role, thousands};
use crate::scratch::ScratchDirectory;

const DEFAULT_EVENTS: usize = 100_000;
const EVENTS_PER_USER: usize = 5;
const TENANTS: usize = 8;
/// The target: the projector applies at least 50,000 events/s from Kafka.
const TARGET_EVENTS_PER_SECOND: f64 = 50_000.0;
/// How often the marks are read while the projector runs.
const POLL: Duration = Duration::from_millis(20);

struct Round {
    projector: Timed,
    runner: Timed,
    relay: Timed,
    /// From the projector's start to its first committed batch (joining the group, fetching).
    first_batch: Duration,
    users_from_kafka: Timed,
    users_from_store: Timed,
}

pub(crate) async fn run(options: &BenchOptions) -> anyhow::Result<BenchReport> {
    let events = options.scaled(DEFAULT_EVENTS, 500);
    let projections = hotline_projections::PROJECTION_NAMES.len();
    let mut report = BenchReport::new(
        "kafka-catch-up",
        format!(
            "the Kafka projector (`hotline_projections::kafka::start`, all {projections} projections, a fresh consumer \
             group) catching up on a {PARTITIONS}-partition topic of {} identity events ({TENANTS} tenants, \
             `user.created` + `user.updated`) on a tansu broker (in memory, loopback) into a fresh SQLite read-model \
             file, until every projection counted every event; against the local `ProjectionRunner` with the same \
             projections catching up on the store the events came from; {} rounds, each on a fresh store and broker.",
            thousands(events as f64),
            options.rounds,
        ),
    );
    let mut rounds = Vec::new();
    for _ in 0..options.rounds.max(1) {
        rounds.push(round(options, events).await?);
    }
    let ratios =
        rounds.iter().map(|round| round.projector.rate() / round.runner.rate().max(f64::EPSILON)).collect::<Vec<_>>();
    let first_batches =
        rounds.iter().map(|round| format!("{:.2} s", round.first_batch.as_secs_f64())).collect::<Vec<_>>().join(", ");
    let (mut projectors, mut runners, mut relays) = (vec![], vec![], vec![]);
    let (mut users_from_kafka, mut users_from_store) = (vec![], vec![]);
    for round in rounds {
        projectors.push(round.projector);
        runners.push(round.runner);
        relays.push(round.relay);
        users_from_kafka.push(round.users_from_kafka);
        users_from_store.push(round.users_from_store);
    }
    let projector = report
        .measure(median_round(projectors).into_measurement(
            Role::System,
            "Kafka projector, all projections, from its start until every mark counts every event",
            "events",
            1,
            "catch-up",
        ))
        .clone();
    report.measure(median_round(runners).into_measurement(
        Role::Baseline,
        "local ProjectionRunner, same projections, from the store",
        "events",
        1,
        "catch-up",
    ));
    report.measure(median_round(users_from_kafka).into_measurement(
        Role::Diagnostic,
        "Kafka projector, the `users` projection alone",
        "events",
        1,
        "catch-up",
    ));
    report.measure(median_round(users_from_store).into_measurement(
        Role::Diagnostic,
        "local ProjectionRunner, the `users` projection alone",
        "events",
        1,
        "catch-up",
    ));
    report.measure(median_round(relays).into_measurement(
        Role::Diagnostic,
        "relay publishing the events first (not timed in the ratio)",
        "events",
        1,
        "catch-up",
    ));
    report.ratio_of_rounds("Kafka projector / local runner (events/s)", &ratios);
    report.check_rate(&projector, TARGET_EVENTS_PER_SECOND);
    report.note(format!(
        "time from the projector's start to its first committed batch (joining the group, getting partitions, \
         first fetch), round by round: {first_batches}; it is inside the system's time"
    ));
    report.note(
        "every projection sees every event: the projector applies each batch of up to 1,000 messages to every \
         projection in one read-model transaction, which also moves each projection's per-tenant marks",
    );
    Ok(report)
}

async fn round(options: &BenchOptions, events: usize) -> anyhow::Result<Round> {
    let scratch = ScratchDirectory::create(&options.work_dir)?;
    let source = database::open(&DatabaseLocation::Embedded { data_dir: scratch.file("source") }).await?;
    fill_users(&source.events, events, EVENTS_PER_USER, TENANTS, options.phase_time_limit).await?;
    let broker = Broker::start().await?;
    let settings = broker.settings("bench.catch-up");
    ensure_topic(&settings).await?;

    // Publish every event first.
    let (stop_relay, relay_shutdown) = watch::channel(false);
    let started = Instant::now();
    let (progress, relay_task) = relay::start(
        source.events.clone(),
        source.checkpoints.clone(),
        settings.clone(),
        Lease::Exclusive,
        relay_shutdown,
    );
    let deadline = started + options.phase_time_limit;
    while progress.published() < events as u64 {
        anyhow::ensure!(
            Instant::now() < deadline,
            "the relay published {} of {events} events within the phase time limit",
            progress.published()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let relay = Timed { completed: events, elapsed: started.elapsed(), latencies: vec![] };
    stop_relay.send_replace(true);
    relay_task.await?;

    // The system: the Kafka projector with every projection; then, as a diagnostic, with
    // the `users` projection alone (a fresh group, from the start of the topic again).
    let (projector, first_batch) = from_kafka(options, &scratch, &settings, "projector", events, None).await?;
    let (users_from_kafka, _) =
        from_kafka(options, &scratch, &settings, "projector-users", events, Some("users")).await?;
    drop(broker);

    // The baseline: the local runner on the same store, the same projections.
    let runner = from_store(options, &scratch, &source, "runner", events, None).await?;
    let users_from_store = from_store(options, &scratch, &source, "runner-users", events, Some("users")).await?;
    source.read_models.close().await;
    Ok(Round { projector, runner, relay, first_batch, users_from_kafka, users_from_store })
}

/// Every projection, or only the one named.
fn projections_of(database: &Database, only: Option<&str>) -> Vec<Arc<dyn Projection>> {
    let keys = hotline_infra::keys::SubjectKeys::new(database.secrets.clone());
    let mut projections = all_projections(keys);
    projections.retain(|projection| only.is_none_or(|name| projection.name() == name));
    projections
}

/// Times the Kafka projector in a fresh group on a fresh read-model file until every
/// projection's marks count `events`; also returns when its first batch was committed.
async fn from_kafka(
    options: &BenchOptions,
    scratch: &ScratchDirectory,
    settings: &KafkaSettings,
    folder: &str,
    events: usize,
    only: Option<&str>,
) -> anyhow::Result<(Timed, Duration)> {
    let target = open_read_models(scratch, folder).await?;
    let projections = projections_of(&target, only);
    let names = projections.iter().map(|projection| projection.name().to_owned()).collect::<Vec<_>>();
    prepare_read_models(&target.read_models, &projections).await?;
    let (stop_projector, projector_shutdown) = watch::channel(false);
    let started = Instant::now();
    let projector_task = hotline_projections::kafka::start(
        settings.clone(),
        format!("bench-projector-{}", Uuid::now_v7()),
        target.read_models.clone(),
        projections,
        projector_shutdown,
    );
    let deadline = started + options.phase_time_limit;
    let mut first_batch = None;
    let mut counted;
    loop {
        counted = least_counted(&target.read_models, &names).await?;
        if first_batch.is_none() && most_counted(&target.read_models).await? > 0 {
            first_batch = Some(started.elapsed());
        }
        if counted >= events as u64 || Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    let elapsed = started.elapsed();
    stop_projector.send_replace(true);
    projector_task.await?;
    target.read_models.close().await;
    let timed = Timed { completed: counted.min(events as u64) as usize, elapsed, latencies: vec![] };
    Ok((timed, first_batch.unwrap_or(elapsed)))
}

/// Times the local runner on a fresh read-model file until every checkpoint reaches the head.
async fn from_store(
    options: &BenchOptions,
    scratch: &ScratchDirectory,
    source: &Database,
    folder: &str,
    events: usize,
    only: Option<&str>,
) -> anyhow::Result<Timed> {
    let local = open_read_models(scratch, folder).await?;
    let projections = projections_of(&local, only);
    prepare_read_models(&local.read_models, &projections).await?;
    let started = Instant::now();
    let runner = ProjectionRunner::start(source.events.clone(), local.read_models.clone(), projections);
    let caught_up = runner.wait_for(events as u64, options.phase_time_limit).await;
    let elapsed = started.elapsed();
    runner.shutdown().await;
    let applied = if caught_up { events } else { least_checkpoint(&local.read_models).await? as usize };
    local.read_models.close().await;
    Ok(Timed { completed: applied, elapsed, latencies: vec![] })
}

/// A fresh embedded database beside the source, for its read-model file.
async fn open_read_models(scratch: &ScratchDirectory, name: &str) -> anyhow::Result<Database> {
    Ok(database::open(&DatabaseLocation::Embedded { data_dir: scratch.file(name) }).await?)
}

/// The fewest events any of the projections has counted in its per-tenant marks.
async fn least_counted(pool: &AnyPool, names: &[String]) -> anyhow::Result<u64> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT name, CAST(SUM(events) AS BIGINT) FROM projection_tenant_marks WHERE tenant_id <> '*' GROUP BY name",
    )
    .fetch_all(pool)
    .await?;
    let least = names
        .iter()
        .map(|name| rows.iter().find(|(row_name, _)| row_name == name).map_or(0, |(_, events)| *events))
        .min()
        .unwrap_or(0);
    Ok(u64::try_from(least).unwrap_or(0))
}

/// The most events any projection has counted (above zero once a first batch committed).
async fn most_counted(pool: &AnyPool) -> anyhow::Result<i64> {
    let most: Option<i64> =
        sqlx::query_scalar("SELECT CAST(MAX(events) AS BIGINT) FROM projection_tenant_marks").fetch_one(pool).await?;
    Ok(most.unwrap_or(0))
}

/// The lowest checkpoint of the local runner's projections.
async fn least_checkpoint(pool: &AnyPool) -> anyhow::Result<u64> {
    let least: Option<i64> =
        sqlx::query_scalar("SELECT CAST(MIN(position) AS BIGINT) FROM projection_checkpoints").fetch_one(pool).await?;
    Ok(u64::try_from(least.unwrap_or(0)).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn catches_up_from_kafka_when_tansu_is_installed() {
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
