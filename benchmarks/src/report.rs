//! What a benchmark found: the system's and the baseline's measurements, their ratios, the
//! targets and whether they were met, and notes on what dominates the time.

use std::fmt;
use std::time::Duration;

/// What a measurement is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Hotline's own code path.
    System,
    /// What the system is compared with, in the same run.
    Baseline,
    /// Measured to explain the others (a component alone, the disk's fsync rate).
    Diagnostic,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::Baseline => "baseline",
            Role::Diagnostic => "diagnostic",
        }
    }
}

/// Latency of single operations (a command, a request of 1,000 events).
#[derive(Debug, Clone, PartialEq)]
pub struct Latency {
    /// What one operation is, e.g. "command".
    pub per: &'static str,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Latency {
    /// The percentiles of `samples`; `None` when there are none.
    pub fn of(per: &'static str, mut samples: Vec<Duration>) -> Option<Latency> {
        if samples.is_empty() {
            return None;
        }
        samples.sort_unstable();
        let at = |fraction: f64| {
            let index = ((samples.len() as f64 * fraction).ceil() as usize).clamp(1, samples.len()) - 1;
            samples[index]
        };
        Some(Latency { per, p50: at(0.50), p99: at(0.99), max: samples[samples.len() - 1] })
    }
}

/// One timed phase: `operations` units of work done in `elapsed`.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    pub role: Role,
    /// What ran, e.g. "Dispatcher → SqliteEventStore".
    pub label: String,
    pub operations: u64,
    /// The unit the rate is in, e.g. "commands", "events".
    pub unit: &'static str,
    pub elapsed: Duration,
    pub latency: Option<Latency>,
}

impl Measurement {
    pub fn per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds == 0.0 { 0.0 } else { self.operations as f64 / seconds }
    }
}

/// A target of the issue, and what this run measured against it.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// e.g. "≥ 10,000 commands/s".
    pub target: String,
    /// e.g. "10,406 commands/s".
    pub measured: String,
    pub met: bool,
}

/// A named ratio of two measurements, e.g. "system / baseline".
#[derive(Debug, Clone, PartialEq)]
pub struct Ratio {
    pub label: String,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BenchReport {
    pub name: &'static str,
    /// One sentence: what was measured, how much of it, how.
    pub summary: String,
    pub measurements: Vec<Measurement>,
    pub ratios: Vec<Ratio>,
    pub checks: Vec<Check>,
    /// Findings that explain the figures (commits per second, events per commit, ...).
    pub notes: Vec<String>,
}

impl BenchReport {
    pub fn new(name: &'static str, summary: impl Into<String>) -> Self {
        Self { name, summary: summary.into(), measurements: vec![], ratios: vec![], checks: vec![], notes: vec![] }
    }

    /// Whether every target was met.
    pub fn all_met(&self) -> bool {
        self.checks.iter().all(|check| check.met)
    }

    pub(crate) fn measure(&mut self, measurement: Measurement) -> &Measurement {
        self.measurements.push(measurement);
        self.measurements.last().expect("just pushed")
    }

    /// Records the median of ratios measured round by round (a system phase and its baseline
    /// run back to back, so they share the machine's mood), and notes every round's value.
    pub(crate) fn ratio_of_rounds(&mut self, label: impl Into<String>, per_round: &[f64]) -> f64 {
        let label = label.into();
        let value = crate::measure::median(per_round);
        if per_round.len() > 1 {
            let values = per_round.iter().map(|ratio| format!("{ratio:.2}")).collect::<Vec<_>>().join(", ");
            self.note(format!("{label}, round by round: {values} (the table shows their median)"));
        }
        self.ratios.push(Ratio { label, value });
        value
    }

    /// Checks an absolute rate: at least `target` `unit`/s.
    pub(crate) fn check_rate(&mut self, measurement: &Measurement, target: f64) {
        let rate = measurement.per_second();
        self.checks.push(Check {
            target: format!("≥ {} {}/s ({})", thousands(target), measurement.unit, measurement.label),
            measured: format!("{} {}/s", thousands(rate), measurement.unit),
            met: rate >= target,
        });
    }

    /// Checks a ratio of the system to its baseline: at least `target`.
    pub(crate) fn check_ratio(&mut self, label: &str, ratio: f64, target: f64) {
        self.checks.push(Check {
            target: format!("{label} ≥ {target:.2}"),
            measured: format!("{ratio:.2}"),
            met: ratio >= target,
        });
    }

    pub(crate) fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// Notes how many transactions a measured phase took and how much each carried.
    pub(crate) fn note_commits(&mut self, label: &str, commits: u64, measurement: &Measurement) {
        let seconds = measurement.elapsed.as_secs_f64().max(f64::EPSILON);
        let commits_or_one = commits.max(1);
        self.note(format!(
            "{label}: {} commits in {seconds:.2} s ({} commits/s, {:.1} {} and {} per commit)",
            thousands(commits as f64),
            thousands(commits as f64 / seconds),
            measurement.operations as f64 / commits_or_one as f64,
            measurement.unit,
            milliseconds(Duration::from_secs_f64(seconds / commits_or_one as f64)),
        ));
    }

    /// The report as Markdown: a heading, the summary, and one table each for the
    /// measurements, the ratios and the targets.
    pub fn to_markdown(&self) -> String {
        let mut markdown = format!("### `{}`\n\n{}\n\n", self.name, self.summary);
        markdown.push_str("| | what | count | seconds | per second | p50 | p99 | max |\n");
        markdown.push_str("|---|---|---:|---:|---:|---:|---:|---:|\n");
        for measurement in &self.measurements {
            let (p50, p99, max) = latency_cells(measurement.latency.as_ref());
            markdown.push_str(&format!(
                "| {} | {} | {} {} | {:.2} | {} {}/s | {p50} | {p99} | {max} |\n",
                measurement.role.as_str(),
                measurement.label,
                thousands(measurement.operations as f64),
                measurement.unit,
                measurement.elapsed.as_secs_f64(),
                thousands(measurement.per_second()),
                measurement.unit,
            ));
        }
        if !self.ratios.is_empty() {
            markdown.push_str("\n| ratio | value |\n|---|---:|\n");
            for ratio in &self.ratios {
                markdown.push_str(&format!("| {} | {:.2} |\n", ratio.label, ratio.value));
            }
        }
        if !self.checks.is_empty() {
            markdown.push_str("\n| target | measured | met |\n|---|---:|---|\n");
            for check in &self.checks {
                let met = if check.met { "**met**" } else { "**not met**" };
                markdown.push_str(&format!("| {} | {} | {met} |\n", check.target, check.measured));
            }
        }
        if !self.notes.is_empty() {
            markdown.push('\n');
            for note in &self.notes {
                markdown.push_str(&format!("- {note}\n"));
            }
        }
        markdown
    }
}

impl fmt::Display for BenchReport {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(formatter, "{}: {}", self.name, self.summary)?;
        let width = self.measurements.iter().map(|measurement| measurement.label.chars().count()).max().unwrap_or(4);
        writeln!(
            formatter,
            "  {:<10} {:<width$} {:>10} {:>8} {:>12} {:>9} {:>9} {:>9}",
            "", "what", "count", "seconds", "per second", "p50", "p99", "max"
        )?;
        for measurement in &self.measurements {
            let (p50, p99, max) = latency_cells(measurement.latency.as_ref());
            writeln!(
                formatter,
                "  {:<10} {:<width$} {:>10} {:>8.2} {:>12} {:>9} {:>9} {:>9}",
                measurement.role.as_str(),
                measurement.label,
                measurement.operations,
                measurement.elapsed.as_secs_f64(),
                thousands(measurement.per_second()),
                p50,
                p99,
                max,
            )?;
        }
        for ratio in &self.ratios {
            writeln!(formatter, "  ratio      {}: {:.2}", ratio.label, ratio.value)?;
        }
        for check in &self.checks {
            let met = if check.met { "met" } else { "NOT MET" };
            writeln!(formatter, "  target     {}: {met} (measured {})", check.target, check.measured)?;
        }
        for note in &self.notes {
            writeln!(formatter, "  note       {note}")?;
        }
        Ok(())
    }
}

fn latency_cells(latency: Option<&Latency>) -> (String, String, String) {
    match latency {
        Some(latency) => (milliseconds(latency.p50), milliseconds(latency.p99), milliseconds(latency.max)),
        None => ("–".to_owned(), "–".to_owned(), "–".to_owned()),
    }
}

pub(crate) fn milliseconds(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}

/// A rate or count rounded to a whole number, with thousands separated by commas.
pub(crate) fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.4), "999");
        assert_eq!(thousands(10_406.0), "10,406");
        assert_eq!(thousands(1_234_567.0), "1,234,567");
    }

    #[test]
    fn latency_percentiles_are_nearest_rank() {
        let samples = (1..=100).map(Duration::from_millis).collect();
        let latency = Latency::of("command", samples).unwrap();
        assert_eq!(latency.p50, Duration::from_millis(50));
        assert_eq!(latency.p99, Duration::from_millis(99));
        assert_eq!(latency.max, Duration::from_millis(100));
        assert_eq!(Latency::of("command", vec![]), None);
    }

    #[test]
    fn report_shows_ratio_and_whether_targets_were_met() {
        let measurement = |role, operations| Measurement {
            role,
            label: "x".into(),
            operations,
            unit: "events",
            elapsed: Duration::from_secs(1),
            latency: None,
        };
        let mut report = BenchReport::new("demo", "a demo");
        let system = report.measure(measurement(Role::System, 3000)).clone();
        let baseline = report.measure(measurement(Role::Baseline, 1000)).clone();
        let ratio = report.ratio_of_rounds("system / baseline", &[system.per_second() / baseline.per_second()]);
        report.check_ratio("system / baseline", ratio, 0.5);
        report.check_rate(&system, 10_000.0);
        assert!((ratio - 3.0).abs() < 1e-9);
        assert!(!report.all_met());
        let markdown = report.to_markdown();
        assert!(markdown.contains("| system / baseline | 3.00 |"), "{markdown}");
        assert!(markdown.contains("**not met**"), "{markdown}");
        assert!(report.to_string().contains("NOT MET"));
    }
}
