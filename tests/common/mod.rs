//! Shared harness of the end-to-end tests: the real `hotline` binary on a free port, talked
//! to over real HTTP and WebSocket; [`smtp`] is mail's side of it.

#![allow(dead_code)] // each test file uses a different part of the harness

pub mod smtp;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use uuid::Uuid;

pub const BINARY: &str = env!("CARGO_BIN_EXE_hotline");

/// GraphQL documents several ticket tests send.
pub mod tickets {
    pub const CREATE_TYPE: &str =
        "mutation($input: CreateTicketTypeInput!) { createTicketType(input: $input) { aggregateId } }";
    pub const PUBLISH: &str =
        "mutation($input: PublishTicketWorkflowInput!) { publishTicketWorkflow(input: $input) { lastPosition } }";
    pub const OPEN: &str = "mutation($input: OpenTicketInput!) { openTicket(input: $input) { aggregateId } }";
    /// Start → "Review" (whoever opened the ticket) → end.
    pub const REVIEW_BY_STARTER: &str = r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:hotline="https://hotline.example/schema/bpmn" id="d">
  <bpmn:process id="p">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
    <bpmn:userTask id="review" name="Review" hotline:assignee="starter" />
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"#;
    /// Sets the tenant's settings (the support address mail comes from).
    pub const SETTINGS: &str =
        "mutation($input: UpdateTenantSettingsInput!) { updateTenantSettings(input: $input) { lastPosition } }";

    /// Creates the text dictionary `code` with `entries` (`[{code, label, ...}]`), which
    /// forms' query fields offer.
    pub async fn create_dictionary(server: &super::Server, token: &str, code: &str, entries: serde_json::Value) {
        let create = "mutation($input: CreateDictionaryInput!) { createDictionary(input: $input) { aggregateId } }";
        let set =
            "mutation($input: SetDictionaryEntriesInput!) { setDictionaryEntries(input: $input) { aggregateId } }";
        let dictionary = serde_json::json!({ "input": { "code": code, "name": code, "valueType": "TEXT" } });
        let entries = serde_json::json!({ "input": { "code": code, "entries": entries } });
        for (document, variables) in [(create, dictionary), (set, entries)] {
            let answer = server.graphql(Some(token), document, variables).await;
            assert!(answer["errors"].is_null(), "creating the dictionary {code}: {answer}");
        }
    }
}

/// Where a test server keeps its data.
#[derive(Clone, Debug)]
pub enum Location {
    Embedded(PathBuf),
    Postgres(String),
}

impl Location {
    pub fn embedded() -> Self {
        let dir = std::env::temp_dir().join(format!("hotline-e2e-{}", Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).expect("creating a temp dir");
        Location::Embedded(dir)
    }

    /// A fresh database on the test PostgreSQL server.
    pub async fn postgres() -> Self {
        let admin_url = std::env::var("HOTLINE_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let name = format!("hotline_e2e_{}", Uuid::now_v7().simple());
        let admin = sqlx::PgPool::connect(&admin_url).await.expect("connecting to the test PostgreSQL");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .expect("creating a database");
        let (base, _) = admin_url.rsplit_once('/').expect("a database URL has a path");
        Location::Postgres(format!("{base}/{name}"))
    }

    pub fn apply(&self, command: &mut Command) {
        match self {
            Location::Embedded(dir) => {
                command.env("HOTLINE_DATA_DIR", dir).env_remove("HOTLINE_DATABASE_URL");
            }
            Location::Postgres(url) => {
                // The node's own files (the search index) go beside each test's database.
                let database = url.rsplit('/').next().unwrap_or("postgres");
                let dir = std::env::temp_dir().join(format!("hotline-e2e-{database}"));
                command.env("HOTLINE_DATABASE_URL", url).env("HOTLINE_DATA_DIR", dir);
            }
        }
    }

    pub fn data_dir(&self) -> Option<&Path> {
        match self {
            Location::Embedded(dir) => Some(dir),
            Location::Postgres(_) => None,
        }
    }
}

pub struct Server {
    pub child: Child,
    pub base_url: String,
    pub demo_password: Option<String>,
    /// Where its SIP server listens (UDP and TCP), when SIP is on.
    pub sip_address: Option<String>,
    /// Where its SMTP listener for replies listens, when it is on.
    pub smtp_address: Option<String>,
    pub http: reqwest::Client,
}

impl Server {
    pub fn start(location: &Location) -> Self {
        Self::start_with(location, &[])
    }

    /// Starts `hotline serve --listen 127.0.0.1:0` and reads the address and demo password it
    /// prints.
    pub fn start_with(location: &Location, environment: &[(&str, &str)]) -> Self {
        let mut command = Command::new(BINARY);
        command.args(["serve", "--listen", "127.0.0.1:0"]).stdout(Stdio::piped()).stderr(Stdio::inherit());
        command
            .env("HOTLINE_LOG", std::env::var("HOTLINE_TEST_LOG").unwrap_or_else(|_| "warn".into()))
            .env("HOTLINE_SIP_LISTEN", "127.0.0.1:0")
            .env("HOTLINE_SMTP_LISTEN", "127.0.0.1:0");
        location.apply(&mut command);
        for (name, value) in environment {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("starting hotline serve");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let mut base_url = None;
        let mut demo_password = None;
        let mut sip_address = None;
        let mut smtp_address = None;
        for line in lines.by_ref() {
            let line = line.expect("reading the server's stdout");
            if let Some(rest) = line.strip_prefix("hotline: listening on ") {
                base_url = Some(rest.split_whitespace().next().expect("an address").to_owned());
            }
            if let Some(address) = line.strip_prefix("hotline: SIP on udp and tcp ") {
                sip_address = Some(address.trim().to_owned());
            }
            if let Some(address) = line.strip_prefix("hotline: SMTP for replies to tickets on ") {
                smtp_address = Some(address.trim().to_owned());
            }
            if line.starts_with("hotline: demo log-in") {
                demo_password = line.rsplit('"').nth(1).map(str::to_owned);
            }
            if line == "hotline: ready" {
                break;
            }
        }
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let base_url = base_url.expect("the server printed its address");
        Self { child, base_url, demo_password, sip_address, smtp_address, http: http_client() }
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub async fn graphql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .http
            .post(format!("{}/graphql", self.base_url))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("POST /graphql").json().await.expect("a JSON response")
    }

    pub async fn login(&self, tenant: &str, username: &str, password: &str) -> String {
        let response = self
            .graphql(
                None,
                "mutation($t: String!, $u: String!, $p: String!) { login(tenant: $t, username: $u, password: $p) { token } }",
                json!({ "t": tenant, "u": username, "p": password }),
            )
            .await;
        response["data"]["login"]["token"].as_str().unwrap_or_else(|| panic!("log-in failed: {response}")).to_owned()
    }

    pub async fn demo_admin_token(&self) -> String {
        let password = self.demo_password.clone().expect("the demo tenant was created");
        self.login("demo", "admin", &password).await
    }

    /// Creates an agent (password "a long password") through GraphQL; returns the response.
    pub async fn create_agent(&self, token: &str, username: &str, display_name: &str) -> Value {
        let query = "mutation($input: CreateUserInput!) { createUser(input: $input) { aggregateId lastPosition } }";
        let input = json!({ "input": {
            "username": username, "displayName": display_name, "password": "a long password",
            "roleIds": [hotline_domain::access::BuiltInRole::Agent.id()],
        } });
        self.graphql(Some(token), query, input).await
    }

    pub async fn head_position(&self) -> u64 {
        let ready: Value =
            self.http.get(format!("{}/ready", self.base_url)).send().await.unwrap().json().await.unwrap();
        ready["headPosition"].as_u64().expect("headPosition")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// An HTTP client. reqwest is built with rustls but without a crypto provider (the binary
/// picks ring), so a test process installs ring too before its first client.
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// The code of the first GraphQL error.
pub fn error_code(response: &Value) -> &str {
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error with a code: {response}"))
}

/// Runs a CLI command of the binary against a location; returns (exit success, stdout).
pub fn run_cli(location: &Location, args: &[&str]) -> (bool, String) {
    let mut command = Command::new(BINARY);
    command.args(args).env("HOTLINE_LOG", "warn");
    location.apply(&mut command);
    let output = command.output().expect("running hotline");
    (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned())
}

pub const WAIT: Duration = Duration::from_secs(10);
