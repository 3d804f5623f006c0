//! Every benchmark runs end to end at a tiny scale and reports a system, a baseline, a ratio
//! and its targets. (Needs PostgreSQL on 127.0.0.1:5432, as the other integration tests,
//! tansu and sipp on the PATH, and the `hotline` binary that `cargo test --workspace` builds
//! beside this test: `call-setup` runs it as `hotline serve`.)

use hotline_benchmarks::{BENCHMARKS, BenchOptions, Role};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_benchmark_reports_system_baseline_ratio_and_targets() {
    // target/debug/deps/smoke-… → target/debug/hotline
    let test_binary = std::env::current_exe().unwrap();
    let hotline = test_binary.parent().and_then(|deps| deps.parent()).unwrap().join("hotline");
    assert!(hotline.exists(), "{} is missing: run `cargo test --workspace`, which builds it", hotline.display());
    // SAFETY: set before any benchmark starts a thread that reads the environment.
    unsafe { std::env::set_var("HOTLINE_BENCH_BINARY", &hotline) };
    let options = BenchOptions { scale: 0.01, rounds: 1, ..BenchOptions::default() };
    for name in BENCHMARKS {
        let report =
            hotline_benchmarks::run(name, options.clone()).await.unwrap_or_else(|error| panic!("{name}: {error:#}"));
        assert_eq!(report.name, *name);
        for role in [Role::System, Role::Baseline] {
            assert!(report.measurements.iter().any(|measurement| measurement.role == role), "{name} lacks {role:?}");
        }
        assert!(report.measurements.iter().all(|measurement| measurement.operations > 0), "{name}: {report}");
        assert!(report.ratios.iter().all(|ratio| ratio.value.is_finite() && ratio.value > 0.0), "{name}: {report}");
        assert!(!report.checks.is_empty(), "{name} checks no target");
        assert!(report.to_markdown().contains("| target | measured | met |"));
    }
}
