//! `ticket-rules`: the cost of a ticket type's form rules on the server. 2,000 runs, one after
//! another, of `hotline_infra::rules::run` (a fresh QuickJS runtime per run, its time and
//! memory limits set, the values in and out as JSON) on a four-line rule (a calculation, two
//! refusals, a default) over a form of 10 fields, with the values agents fill in when they
//! open tickets, at the `start` step.
//!
//! Baseline, in the same round on the same values: the server's own check of them against
//! the form, `hotline_domain::ticket::validate_values` (every field editable, as when a
//! ticket is opened), which every command with values runs anyway. The ratio says how many
//! such checks one rules run costs. A diagnostic runs an empty script the same way: what a
//! run costs before the rules themselves (the runtime, its context, the values as JSON).

use std::time::{Duration, Instant};

use hotline_domain::ticket::{FieldAccess, FormSpec, validate_values};
use serde_json::{Map, Value};

use crate::BenchOptions;
use crate::measure::{Timed, median_round};
use crate::report::{BenchReport, Check, Latency, Role, thousands};
use crate::workload::{TICKET_RULES, ticket_form, ticket_values};

const DEFAULT_RUNS: usize = 2_000;
/// Set here, not by an issue: a rules run should stay well below one command's durable
/// append (about 1 ms, see `subscription-latency`), which every opened ticket pays anyway.
const TARGET_P99: Duration = Duration::from_millis(1);
/// Distinct value sets the runs cycle through.
const VALUE_SETS: usize = 500;

pub(crate) async fn run(options: &BenchOptions) -> anyhow::Result<BenchReport> {
    let runs = options.scaled(DEFAULT_RUNS, 20);
    let form = FormSpec::from_form_js(&ticket_form())?;
    let inputs: Vec<Map<String, Value>> = (0..VALUE_SETS).map(ticket_values).collect();
    let mut report = BenchReport::new(
        "ticket-rules",
        format!(
            "{} runs one after another of a ticket type's form rules ({} lines: a calculation, two refusals, a \
             default) over a form of {} fields, each in a fresh QuickJS runtime as the server runs them, against \
             the server's own check of the same values against the form; {} rounds.",
            thousands(runs as f64),
            TICKET_RULES.lines().count(),
            form.fields.len(),
            options.rounds,
        ),
    );
    // The rules and the checks are blocking CPU work: off the executor, as the server runs them.
    let rounds = tokio::task::spawn_blocking({
        let options = options.clone();
        move || -> anyhow::Result<Vec<(Timed, Timed, Timed)>> {
            (0..options.rounds.max(1))
                .map(|_| {
                    let rules = rules_runs(TICKET_RULES, &inputs, runs, options.phase_time_limit)?;
                    let checks = validations(&form, &inputs, runs, options.phase_time_limit)?;
                    let empty = rules_runs("", &inputs, runs, options.phase_time_limit)?;
                    Ok((rules, checks, empty))
                })
                .collect()
        }
    })
    .await??;
    let ratios: Vec<f64> = rounds.iter().map(|(rules, checks, _)| checks.rate() / rules.rate()).collect();
    let (mut rules_rounds, mut check_rounds, mut empty_rounds) = (Vec::new(), Vec::new(), Vec::new());
    for (rules, checks, empty) in rounds {
        rules_rounds.push(rules);
        check_rounds.push(checks);
        empty_rounds.push(empty);
    }
    let (rules, checks, empty) = (median_round(rules_rounds), median_round(check_rounds), median_round(empty_rounds));
    let rules_latency = Latency::of("run", rules.latencies.clone()).expect("at least one run");
    let checks_latency = Latency::of("check", checks.latencies.clone()).expect("at least one check");
    let empty_latency = Latency::of("run", empty.latencies.clone()).expect("at least one run");
    let micros = |duration: Duration| format!("{:.1} µs", duration.as_secs_f64() * 1e6);
    report.note(format!(
        "in microseconds (the table rounds to 0.01 ms): rules p50 {}, p99 {}; check p50 {}, p99 {}; empty script \
         p50 {}, p99 {}",
        micros(rules_latency.p50),
        micros(rules_latency.p99),
        micros(checks_latency.p50),
        micros(checks_latency.p99),
        micros(empty_latency.p50),
        micros(empty_latency.p99),
    ));
    report.note(
        "every run of the rules calculated `total` and `urgent` and refused nothing, and no check found a problem: \
         the values are ones the form and the rules accept, as most tickets' are",
    );
    report.measure(rules.into_measurement(
        Role::System,
        "hotline_infra::rules::run, fresh QuickJS runtime per run",
        "runs",
        1,
        "run",
    ));
    report.measure(checks.into_measurement(
        Role::Baseline,
        "validate_values of the same values (every field editable)",
        "runs",
        1,
        "check",
    ));
    report.measure(empty.into_measurement(
        Role::Diagnostic,
        "hotline_infra::rules::run of an empty script (runtime, context, JSON)",
        "runs",
        1,
        "run",
    ));
    report.ratio_of_rounds("check / rules (runs/s): checks per rules run", &ratios);
    report.checks.push(Check {
        target: format!("p99 ≤ {} ms per rules run", TARGET_P99.as_millis()),
        measured: format!("{:.3} ms", rules_latency.p99.as_secs_f64() * 1000.0),
        met: rules_latency.p99 <= TARGET_P99,
    });
    Ok(report)
}

/// `runs` rules runs over the value sets (cycled), each checked to calculate and accept.
fn rules_runs(script: &str, inputs: &[Map<String, Value>], runs: usize, time_limit: Duration) -> anyhow::Result<Timed> {
    timed(inputs, runs, time_limit, |values| {
        let outcome = hotline_infra::rules::run(script, values, "start")?;
        anyhow::ensure!(
            (script.is_empty() || outcome.computed.contains_key("total")) && outcome.errors.is_empty(),
            "the rules did not calculate and accept as expected: {outcome:?}"
        );
        Ok(())
    })
}

/// `runs` checks of the same value sets against the form.
fn validations(
    form: &FormSpec,
    inputs: &[Map<String, Value>],
    runs: usize,
    time_limit: Duration,
) -> anyhow::Result<Timed> {
    timed(inputs, runs, time_limit, |values| {
        let errors = validate_values(form, values, &|_| FieldAccess::Editable);
        anyhow::ensure!(errors.is_empty(), "the form refused the benchmark's values: {errors:?}");
        Ok(())
    })
}

/// Times `each` over the value sets (cycled) `runs` times, or until `time_limit`.
fn timed(
    inputs: &[Map<String, Value>],
    runs: usize,
    time_limit: Duration,
    mut each: impl FnMut(&Map<String, Value>) -> anyhow::Result<()>,
) -> anyhow::Result<Timed> {
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(runs);
    for values in inputs.iter().cycle().take(runs) {
        if started.elapsed() >= time_limit {
            break;
        }
        let begun = Instant::now();
        each(values)?;
        latencies.push(begun.elapsed());
    }
    Ok(Timed { completed: latencies.len(), elapsed: started.elapsed(), latencies })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_small_run_reports_rules_checks_and_the_target() {
        let options = BenchOptions { scale: 0.01, rounds: 1, ..BenchOptions::default() };
        let report = run(&options).await.unwrap();
        assert_eq!(report.measurements.len(), 3);
        assert!(report.measurements.iter().all(|measurement| measurement.operations >= 20), "{report}");
        assert_eq!(report.checks.len(), 1);
    }
}
