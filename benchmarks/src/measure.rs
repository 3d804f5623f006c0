//! Timing: concurrent clients that each work through their share of prepared items, and a
//! probe of the disk's fsync rate (the floor under every durable commit).

use std::future::Future;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::report::{Latency, Measurement, Role};

/// What a timed phase completed.
pub(crate) struct Timed {
    /// Items completed before the time limit.
    pub completed: usize,
    pub elapsed: Duration,
    /// One per completed item.
    pub latencies: Vec<Duration>,
}

impl Timed {
    /// Items per second.
    pub fn rate(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds == 0.0 { 0.0 } else { self.completed as f64 / seconds }
    }

    /// The measurement of this phase; each item counts as `units_per_item` of `unit`.
    pub fn into_measurement(
        self,
        role: Role,
        label: impl Into<String>,
        unit: &'static str,
        units_per_item: usize,
        per: &'static str,
    ) -> Measurement {
        Measurement {
            role,
            label: label.into(),
            operations: (self.completed * units_per_item) as u64,
            unit,
            elapsed: self.elapsed,
            latency: Latency::of(per, self.latencies),
        }
    }
}

/// The round with the median rate (of an even number, the lower of the middle two): one
/// slow or fast round, say while a neighbour compiles, does not decide the result.
pub(crate) fn median_round(mut rounds: Vec<Timed>) -> Timed {
    debug_assert!(!rounds.is_empty());
    rounds.sort_by(|left, right| left.rate().total_cmp(&right.rate()));
    rounds.swap_remove((rounds.len() - 1) / 2)
}

/// The median of `values` (of an even number, the mean of the middle two).
pub(crate) fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) { (sorted[middle - 1] + sorted[middle]) / 2.0 } else { sorted[middle] }
}

/// Runs `clients` concurrent tasks. Item `i` goes to client `i % clients`; each client works
/// through its items in order, one at a time, and stops taking new items once `time_limit`
/// has passed since the start. Items are prepared before the clock starts, so building them
/// is not measured. The first error stops the phase.
pub(crate) async fn run_clients<Item, Operation, Outcome>(
    clients: usize,
    items: Vec<Item>,
    time_limit: Duration,
    operation: Operation,
) -> anyhow::Result<Timed>
where
    Item: Send + 'static,
    Operation: Fn(Item) -> Outcome + Send + Sync + 'static,
    Outcome: Future<Output = anyhow::Result<()>> + Send + 'static,
{
    debug_assert!(clients > 0);
    let mut shares: Vec<Vec<Item>> = (0..clients).map(|_| Vec::with_capacity(items.len() / clients + 1)).collect();
    for (index, item) in items.into_iter().enumerate() {
        shares[index % clients].push(item);
    }
    let operation = Arc::new(operation);
    let started = Instant::now();
    let deadline = started + time_limit;
    let mut tasks = Vec::with_capacity(clients);
    for share in shares {
        let operation = operation.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(share.len());
            for item in share {
                if Instant::now() >= deadline {
                    break;
                }
                let begun = Instant::now();
                operation(item).await?;
                latencies.push(begun.elapsed());
            }
            Ok::<_, anyhow::Error>(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    let elapsed = started.elapsed();
    Ok(Timed { completed: latencies.len(), elapsed, latencies })
}

/// Appends 4 KiB to a file in `directory` and `fdatasync`s it, `count` times (or until
/// `time_limit`): how many durable commits per second the disk allows one writer.
pub(crate) async fn probe_fsync(directory: &Path, count: usize, time_limit: Duration) -> anyhow::Result<Timed> {
    let path = directory.join("fsync-probe");
    let timed = tokio::task::spawn_blocking(move || -> anyhow::Result<Timed> {
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&path)?;
        let block = [0x5a_u8; 4096];
        let started = Instant::now();
        let mut latencies = Vec::with_capacity(count);
        for _ in 0..count {
            if started.elapsed() >= time_limit {
                break;
            }
            let begun = Instant::now();
            file.write_all(&block)?;
            file.sync_data()?;
            latencies.push(begun.elapsed());
        }
        let elapsed = started.elapsed();
        std::fs::remove_file(&path)?;
        Ok(Timed { completed: latencies.len(), elapsed, latencies })
    })
    .await??;
    Ok(timed)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn every_item_is_handled_once_and_timed() {
        let handled = Arc::new(AtomicUsize::new(0));
        let counter = handled.clone();
        let timed = run_clients(4, (0..10).collect::<Vec<usize>>(), Duration::from_secs(10), move |item| {
            let counter = counter.clone();
            async move {
                counter.fetch_add(item, Ordering::SeqCst);
                Ok(())
            }
        })
        .await
        .unwrap();
        assert_eq!(timed.completed, 10);
        assert_eq!(timed.latencies.len(), 10);
        assert_eq!(handled.load(Ordering::SeqCst), (0..10).sum::<usize>());
    }

    #[test]
    fn the_median_round_is_the_middle_rate() {
        let round = |completed| Timed { completed, elapsed: Duration::from_secs(1), latencies: vec![] };
        assert_eq!(median_round(vec![round(5), round(1), round(9)]).completed, 5);
        assert_eq!(median_round(vec![round(5), round(1)]).completed, 1);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0]), 2.5);
    }

    #[tokio::test]
    async fn a_phase_stops_taking_items_at_its_time_limit() {
        let timed = run_clients(1, vec![(); 1000], Duration::from_millis(30), |()| async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            Ok(())
        })
        .await
        .unwrap();
        assert!(timed.completed < 10, "completed {}", timed.completed);
    }
}
