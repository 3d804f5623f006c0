//! What the voice benchmarks share: `hotline serve` as a child process with SIP on a free
//! loopback port, provisioned through GraphQL; sipp answering machines; sipp callers; and
//! the CPU time of a process.
//!
//! sipp must be on the PATH (`scripts/test.sh` installs Debian's sip-tester). The server is
//! this binary (`hotline bench` runs inside `hotline`), or `HOTLINE_BENCH_BINARY` when set
//! (the benchmarks' own tests, which run in a test executable, point it at `hotline`).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::{Value, json};
use uuid::Uuid;

/// The access number the benchmarks call, routed to the demo queue.
pub const ACCESS_NUMBER: &str = "4000";

/// `hotline serve` as a child process of this very binary; killed when dropped.
pub struct HotlineProcess {
    child: Child,
    base_url: String,
    pub sip_address: String,
    password: String,
    http: reqwest::Client,
}

impl HotlineProcess {
    pub async fn start(data_dir: &Path) -> anyhow::Result<Self> {
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
        Ok(Self {
            child,
            base_url: base_url.context("hotline serve printed no address")?,
            sip_address: sip_address.context("hotline serve printed no SIP address")?,
            password: password.context("hotline serve printed no demo password")?,
            http: {
                let _ = rustls::crypto::ring::default_provider().install_default();
                reqwest::Client::new()
            },
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub async fn graphql(&self, token: Option<&str>, query: &str, variables: Value) -> anyhow::Result<Value> {
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

    /// Logs a demo-tenant user in; `None` as the password means the demo users' own.
    pub async fn login(&self, username: &str, password: Option<&str>) -> anyhow::Result<String> {
        let login = self
            .graphql(
                None,
                "mutation($u: String!, $p: String!) { login(tenant: \"demo\", username: $u, password: $p) { token } }",
                json!({ "u": username, "p": password.unwrap_or(&self.password) }),
            )
            .await?;
        Ok(login["login"]["token"].as_str().context("a token")?.to_owned())
    }

    /// A trunk from 127.0.0.1 and [`ACCESS_NUMBER`] to the demo queue; returns the
    /// administrator's token.
    pub async fn provision(&self) -> anyhow::Result<String> {
        let token = self.login("admin", None).await?;
        self.graphql(
            Some(&token),
            "mutation($input: TrunkInput!) { defineTrunk(input: $input) { id } }",
            json!({ "input": { "name": "Benchmark carrier", "peers": ["127.0.0.1"] } }),
        )
        .await?;
        self.graphql(
            Some(&token),
            "mutation($input: AccessNumberInput!) { assignAccessNumber(input: $input) { number } }",
            json!({ "input": { "number": ACCESS_NUMBER, "queueId": demo_queue(), "description": "Benchmark" } }),
        )
        .await?;
        Ok(token)
    }

    /// The server's `/metrics` sample called `name` (labels included, e.g.
    /// `hotline_rtp_packets_received_total{from="caller"}`).
    pub async fn metric(&self, name: &str) -> anyhow::Result<f64> {
        let text = self.http.get(format!("{}/metrics", self.base_url)).send().await?.text().await?;
        text.lines()
            .find_map(|line| line.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
            .and_then(|value| value.trim().parse().ok())
            .with_context(|| format!("/metrics has no {name}"))
    }
}

impl Drop for HotlineProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The demo tenant's queue, which the demo agents serve.
pub fn demo_queue() -> Uuid {
    Uuid::new_v5(&hotline_domain::identity::tenant_id_for_slug("demo"), b"first-queue")
}

/// A free UDP port on loopback (free when asked: the caller binds it soon after).
pub fn free_udp_port() -> anyhow::Result<u16> {
    Ok(std::net::UdpSocket::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// `sipp` with the options every run shares: loopback, no keyboard; niced, since the peers
/// stand for phones and carriers on other machines and should take what the server leaves.
pub fn sipp() -> Command {
    let mut command = Command::new("nice");
    command.args(["-n", "10", "sipp", "-i", "127.0.0.1", "-nostdin"]);
    command
}

/// Runs sipp to completion; fails with what it printed when it did not succeed.
pub fn run_sipp(command: &mut Command, what: &str) -> anyhow::Result<Output> {
    let output = command.stdout(Stdio::null()).output().context("running sipp (install Debian's sip-tester)")?;
    if !output.status.success() {
        bail!("sipp ({what}) failed ({}): {}", output.status, String::from_utf8_lossy(&output.stderr));
    }
    Ok(output)
}

/// sipp's `uas` scenario on a free loopback port, answering every call (and echoing RTP
/// when asked); killed when dropped.
pub struct SippAnsweringMachine {
    child: Child,
    pub address: String,
    pub port: u16,
    /// Where it takes RTP (echoed when asked).
    pub media_port: u16,
}

impl SippAnsweringMachine {
    pub fn start() -> anyhow::Result<Self> {
        Self::spawn(false)
    }

    /// Answers every call and sends every RTP packet it receives back to its sender.
    pub fn echoing() -> anyhow::Result<Self> {
        Self::spawn(true)
    }

    fn spawn(echo: bool) -> anyhow::Result<Self> {
        let port = free_udp_port()?;
        let media_port = free_udp_port()?;
        let child = sipp()
            .args(["-sn", "uas", "-p", &port.to_string(), "-mp", &media_port.to_string()])
            .args(if echo { &["-rtp_echo"][..] } else { &[] })
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("running sipp (install Debian's sip-tester)")?;
        // sipp binds at once; a moment lets it reach its receive loop.
        std::thread::sleep(Duration::from_millis(300));
        Ok(Self { child, address: format!("127.0.0.1:{port}"), port, media_port })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for SippAnsweringMachine {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The CPU time (user and system) a process has used so far, from `/proc/PID/stat`.
pub fn cpu_time(pid: u32) -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).context("reading /proc/PID/stat")?;
    // The command name may hold spaces; the fields after its closing parenthesis do not.
    let fields: Vec<&str> = stat.rsplit_once(')').context("a stat line")?.1.split_whitespace().collect();
    let ticks = |index: usize| -> anyhow::Result<u64> { Ok(fields.get(index).context("a stat field")?.parse()?) };
    // utime and stime are the 14th and 15th fields; after the name, the 12th and 13th.
    let clock_ticks = 100; // USER_HZ on Linux.
    Ok(Duration::from_millis((ticks(11)? + ticks(12)?) * 1000 / clock_ticks))
}
