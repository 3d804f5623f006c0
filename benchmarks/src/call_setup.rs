//! `call-setup`: how fast calls from a trunk are set up and torn down through `hotline serve`,
//! against sipp calling a bare sipp answering machine in the same run.
//!
//! System: this very binary started as `hotline serve` (embedded, a scratch data folder, SIP
//! on a free loopback port), with a trunk from 127.0.0.1 and an access number routed to the
//! demo queue, provisioned through GraphQL. sipp's built-in `uac` scenario places N calls to
//! the access number, at most 20 at once and as fast as they complete: INVITE with a PCMU
//! offer, 100 and 200 (Hotline answers at once and queues the call with music), ACK, BYE,
//! 200. Each call is four commands in the log (arrived, queued, ended, abandoned: nobody is
//! available) and a media session with its two UDP ports. Baseline: the same sipp `uac` run
//! against sipp's `uas` scenario, which answers from memory and keeps nothing.
//!
//! sipp must be on the PATH (`scripts/test.sh` installs Debian's sip-tester). The server is
//! this binary (`hotline bench` runs inside `hotline`), or `HOTLINE_BENCH_BINARY` when set
//! (the benchmarks' own tests, which run in a test executable, point it at `hotline`).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::BenchOptions;
use crate::report::{BenchReport, Measurement, Role};
use crate::scratch::ScratchDirectory;

/// Calls per round at scale 1.
const CALLS: usize = 2_000;
/// Calls in progress at once.
const CONCURRENT: usize = 20;
const ACCESS_NUMBER: &str = "4000";

pub async fn run(options: &BenchOptions) -> anyhow::Result<BenchReport> {
    let calls = options.scaled(CALLS, 20);
    let mut report = BenchReport::new(
        "call-setup",
        format!(
            "{calls} calls from sipp to an access number, {CONCURRENT} at a time: through `hotline serve` \
             (answered, queued with music, hung up: 4 commands and a media session each) against sipp's own \
             answering machine"
        ),
    );
    let mut ratios = Vec::new();
    let mut systems = Vec::new();
    let mut baselines = Vec::new();
    for _ in 0..options.rounds {
        let work = ScratchDirectory::create(&options.work_dir)?;
        let server = HotlineProcess::start(work.path()).await?;
        server.provision().await?;
        let system = place_calls(&server.sip_address, calls, options.phase_time_limit)?;
        drop(server);
        let answering_machine = SippAnsweringMachine::start()?;
        let baseline = place_calls(&answering_machine.address, calls, options.phase_time_limit)?;
        ratios.push(per_second(calls, system) / per_second(calls, baseline));
        systems.push(system);
        baselines.push(baseline);
    }
    let median = |mut durations: Vec<Duration>| {
        durations.sort_unstable();
        durations[durations.len() / 2]
    };
    report.measure(Measurement {
        role: Role::System,
        label: "sipp uac → hotline serve (B2BUA, ACD, log)".into(),
        operations: calls as u64,
        unit: "calls",
        elapsed: median(systems),
        latency: None,
    });
    report.measure(Measurement {
        role: Role::Baseline,
        label: "sipp uac → sipp uas".into(),
        operations: calls as u64,
        unit: "calls",
        elapsed: median(baselines),
        latency: None,
    });
    report.ratio_of_rounds("hotline / bare sipp answering machine (calls/s)", &ratios);
    // The issue sets no rate for set-up; what must hold is that every call went through
    // (`place_calls` fails the run otherwise).
    report.checks.push(crate::report::Check {
        target: format!("every call set up and torn down ({} rounds of {calls})", options.rounds),
        measured: format!("{} of {}", calls * options.rounds, calls * options.rounds),
        met: true,
    });
    report.note(
        "Both sides share the machine's two cores with sipp itself; each Hotline call writes four events \
         (group-committed SQLite, synchronous = FULL) and opens and closes an RTP socket.",
    );
    Ok(report)
}

fn per_second(calls: usize, elapsed: Duration) -> f64 {
    calls as f64 / elapsed.as_secs_f64().max(f64::EPSILON)
}

/// Runs sipp's `uac` scenario against `address` until `calls` calls completed; fails if any did not.
fn place_calls(address: &str, calls: usize, limit: Duration) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let output = Command::new("sipp")
        .arg(address)
        .args(["-sn", "uac", "-s", ACCESS_NUMBER, "-i", "127.0.0.1", "-nostdin"])
        .args(["-m", &calls.to_string(), "-l", &CONCURRENT.to_string(), "-r", "10000", "-rp", "1000"])
        .args(["-timeout", &format!("{}s", limit.as_secs().max(1)), "-timeout_error"])
        .stdout(Stdio::null())
        .output()
        .context("running sipp (install Debian's sip-tester)")?;
    let elapsed = started.elapsed();
    if !output.status.success() {
        bail!(
            "sipp against {address}: not every call completed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(elapsed)
}

/// `hotline serve` as a child process of this very binary; killed when dropped.
struct HotlineProcess {
    child: Child,
    base_url: String,
    sip_address: String,
    password: String,
    http: reqwest::Client,
}

impl HotlineProcess {
    async fn start(data_dir: &Path) -> anyhow::Result<Self> {
        let binary = match std::env::var_os("HOTLINE_BENCH_BINARY") {
            Some(binary) => binary.into(),
            None => std::env::current_exe().context("finding this binary")?,
        };
        let mut child = Command::new(binary)
            .args(["serve", "--listen", "127.0.0.1:0", "--sip-listen", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(data_dir)
            .env("HOTLINE_LOG", "error")
            .env_remove("HOTLINE_DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting hotline serve")?;
        let stdout = child.stdout.take().expect("piped");
        let (mut base_url, mut sip_address, mut password) = (None, None, None);
        let mut lines = BufReader::new(stdout).lines();
        for line in lines.by_ref() {
            let line = line?;
            if let Some(rest) = line.strip_prefix("hotline: listening on ") {
                base_url = rest.split_whitespace().next().map(str::to_owned);
            } else if let Some(rest) = line.strip_prefix("hotline: SIP on udp and tcp ") {
                sip_address = Some(rest.trim().to_owned());
            } else if line.starts_with("hotline: demo log-in") {
                password = line.rsplit('"').nth(1).map(str::to_owned);
            } else if line == "hotline: ready" {
                break;
            }
        }
        std::thread::spawn(move || for _ in lines {});
        let process = Self {
            child,
            base_url: base_url.context("hotline serve printed no address")?,
            sip_address: sip_address.context("hotline serve printed no SIP address")?,
            password: password.context("hotline serve printed no demo password")?,
            http: {
                let _ = rustls::crypto::ring::default_provider().install_default();
                reqwest::Client::new()
            },
        };
        Ok(process)
    }

    async fn graphql(&self, token: Option<&str>, query: &str, variables: Value) -> anyhow::Result<Value> {
        let mut request = self
            .http
            .post(format!("{}/graphql", self.base_url))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response: Value = request.send().await?.json().await?;
        if !response["errors"].is_null() {
            bail!("{query}: {response}");
        }
        Ok(response["data"].clone())
    }

    /// A trunk from 127.0.0.1 and the access number to the demo queue.
    async fn provision(&self) -> anyhow::Result<()> {
        let login = self
            .graphql(
                None,
                "mutation($p: String!) { login(tenant: \"demo\", username: \"admin\", password: $p) { token } }",
                json!({ "p": self.password }),
            )
            .await?;
        let token = login["login"]["token"].as_str().context("a token")?.to_owned();
        self.graphql(
            Some(&token),
            "mutation($input: TrunkInput!) { defineTrunk(input: $input) { id } }",
            json!({ "input": { "name": "Benchmark carrier", "peers": ["127.0.0.1"] } }),
        )
        .await?;
        let tenant = hotline_domain::identity::tenant_id_for_slug("demo");
        let queue = Uuid::new_v5(&tenant, b"first-queue");
        self.graphql(
            Some(&token),
            "mutation($input: AccessNumberInput!) { assignAccessNumber(input: $input) { number } }",
            json!({ "input": { "number": ACCESS_NUMBER, "queueId": queue, "description": "Benchmark" } }),
        )
        .await?;
        Ok(())
    }
}

impl Drop for HotlineProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// sipp's `uas` scenario on a free loopback port, answering every call; killed when dropped.
struct SippAnsweringMachine {
    child: Child,
    address: String,
}

impl SippAnsweringMachine {
    fn start() -> anyhow::Result<Self> {
        let port = std::net::UdpSocket::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new("sipp")
            .args(["-sn", "uas", "-i", "127.0.0.1", "-p", &port.to_string(), "-nostdin"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("running sipp (install Debian's sip-tester)")?;
        // sipp binds at once; a moment lets it reach its receive loop.
        std::thread::sleep(Duration::from_millis(300));
        Ok(Self { child, address: format!("127.0.0.1:{port}") })
    }
}

impl Drop for SippAnsweringMachine {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
