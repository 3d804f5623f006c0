//! `hotline-benchmarks`: the benchmarks run by `hotline bench <name>`.
//!
//! Every benchmark measures the system and a baseline in the same run, on the same machine,
//! and reports their ratio: machines are noisy and shared, so an absolute figure alone means
//! little. The baseline is what a naive implementation would do with the same rows (plain
//! INSERTs) or the floor the system cannot beat (reading the log alone). Work is bounded in
//! count (scaled by [`BenchOptions::scale`]) and in time (each timed phase stops at
//! [`BenchOptions::phase_time_limit`]); nothing leaves 127.0.0.1. Scratch SQLite files and
//! PostgreSQL databases are created fresh for each run and removed after it.
//!
//! This crate measures; it must not tune or change what it measures.
//!
//! Layout:
//! - [`report`]: `BenchReport` (a small table on `Display`, and `to_markdown()`).
//! - `measure`: concurrent clients with latencies, and the disk's fsync rate.
//! - `workload`: the commands and append requests the benchmarks send.
//! - `baseline`: the raw INSERTs the stores are compared with.
//! - `scratch`: throw-away SQLite directories and PostgreSQL databases.
//! - one module per benchmark: `sqlite_commands`, `sqlite_batch_append`, `postgres_append`,
//!   `projection_rebuild`, `tickets_projection`, `subscription_latency`, `acd_decision`,
//!   `ticket_rules`, `chat_websockets`, `customer_import`, `knowledge_search`, `kafka_relay`,
//!   `kafka_latency`, `kafka_catch_up`, `call_setup` and `concurrent_calls` (which run this
//!   binary as `hotline serve` and sipp beside it).
//! - `voice`: what the voice benchmarks share: the server process, sipp, CPU time.
//! - `kafka`: what the Kafka benchmarks share: a tansu broker as a child process on loopback
//!   (`tansu` on the PATH or `HOTLINE_BENCH_TANSU`), fresh topics, positioned consumers.

mod acd_decision;
mod baseline;
mod call_setup;
mod chat_websockets;
mod concurrent_calls;
mod customer_import;
mod kafka;
mod kafka_catch_up;
mod kafka_latency;
mod kafka_relay;
mod knowledge_search;
mod measure;
mod postgres_append;
mod projection_rebuild;
pub mod report;
mod scratch;
mod sqlite_batch_append;
mod sqlite_commands;
mod subscription_latency;
mod ticket_rules;
mod tickets_projection;
mod voice;
mod workload;

use std::path::PathBuf;
use std::time::Duration;

pub use report::{BenchReport, Check, Latency, Measurement, Role};

/// The benchmarks [`run`] knows, in the order `hotline bench all` would run them.
pub const BENCHMARKS: &[&str] = &[
    "sqlite-commands",
    "sqlite-batch-append",
    "postgres-append",
    "projection-rebuild",
    "tickets-projection",
    "subscription-latency",
    "acd-decision",
    "ticket-rules",
    "chat-websockets",
    "customer-import",
    "knowledge-search",
    "kafka-relay",
    "kafka-latency",
    "kafka-catch-up",
    "call-setup",
    "concurrent-calls",
];

/// How much work a run does and where it keeps its scratch data.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Multiplies every benchmark's default amount of work (1.0 is the documented run; tests
    /// use a few hundredths).
    pub scale: f64,
    /// Each benchmark runs this many rounds, each on fresh files or databases; the tables
    /// show the median round, and ratios are the median of the per-round ratios.
    pub rounds: usize,
    /// Each timed phase stops issuing work after this long and reports what it completed.
    pub phase_time_limit: Duration,
    /// Where the scratch SQLite files go (a fresh directory inside it, removed afterwards).
    /// It should be on the disk the store would use: fsync cost is what is measured.
    pub work_dir: PathBuf,
    /// The PostgreSQL server, without a database name: each run creates its own database
    /// `hotline_bench_<uuid>` there and drops it afterwards.
    pub postgres_url: String,
}

impl Default for BenchOptions {
    fn default() -> Self {
        Self {
            scale: 1.0,
            rounds: 3,
            phase_time_limit: Duration::from_secs(60),
            work_dir: std::env::temp_dir(),
            postgres_url: "postgres://postgres@127.0.0.1:5432".to_owned(),
        }
    }
}

impl BenchOptions {
    /// `default_count` scaled, and never below `minimum`.
    pub(crate) fn scaled(&self, default_count: usize, minimum: usize) -> usize {
        ((default_count as f64 * self.scale).round() as usize).max(minimum)
    }
}

/// Runs the benchmark called `name` (one of [`BENCHMARKS`]).
pub async fn run(name: &str, options: BenchOptions) -> anyhow::Result<BenchReport> {
    match name {
        "sqlite-commands" => sqlite_commands::run(&options).await,
        "sqlite-batch-append" => sqlite_batch_append::run(&options).await,
        "postgres-append" => postgres_append::run(&options).await,
        "projection-rebuild" => projection_rebuild::run(&options).await,
        "tickets-projection" => tickets_projection::run(&options).await,
        "subscription-latency" => subscription_latency::run(&options).await,
        "acd-decision" => acd_decision::run(&options).await,
        "ticket-rules" => ticket_rules::run(&options).await,
        "chat-websockets" => chat_websockets::run(&options).await,
        "customer-import" => customer_import::run(&options).await,
        "knowledge-search" => knowledge_search::run(&options).await,
        "kafka-relay" => kafka_relay::run(&options).await,
        "kafka-latency" => kafka_latency::run(&options).await,
        "kafka-catch-up" => kafka_catch_up::run(&options).await,
        "call-setup" => call_setup::run(&options).await,
        "concurrent-calls" => concurrent_calls::run(&options).await,
        unknown => anyhow::bail!("no benchmark {unknown:?}; the benchmarks are: {}", BENCHMARKS.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn refuses_an_unknown_benchmark_and_names_the_known_ones() {
        let error = run("nope", BenchOptions::default()).await.unwrap_err().to_string();
        assert!(error.contains("sqlite-commands"), "{error}");
    }

    #[test]
    fn scaled_counts_never_fall_below_their_minimum() {
        let options = BenchOptions { scale: 0.001, ..BenchOptions::default() };
        assert_eq!(options.scaled(16_000, 64), 64);
        assert_eq!(BenchOptions::default().scaled(16_000, 64), 16_000);
    }
}
