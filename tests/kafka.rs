//! The distributed mode against a real Kafka-protocol broker (tansu, started per test on a
//! free loopback port): the relay's messages as an integrator sees them (also through an
//! outside client, Python's confluent-kafka), a broker that is down, a relay that is killed,
//! and two projector processes sharing the partitions while one of them is killed.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Location, Server};
use futures::StreamExt;
use rdkafka::ClientConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Headers, Message};
use serde_json::{Value, json};
use uuid::Uuid;

const CREATE_TENANT: &str = "mutation($input: CreateTenantInput!) { createTenant(input: $input) { aggregateId } }";
const CREATE_USER: &str = "mutation($input: CreateUserInput!) { createUser(input: $input) { lastPosition } }";
const DEADLINE: Duration = Duration::from_secs(60);
/// The projectors' consumer session timeout (`session.timeout.ms` in infra/src/kafka).
const PROJECTOR_SESSION_TIMEOUT: Duration = Duration::from_secs(10);

/// A tansu broker in memory on a loopback port; killed when dropped.
struct Broker {
    child: Child,
    address: String,
}

impl Broker {
    fn start() -> Self {
        Self::start_on(free_port())
    }

    fn start_on(port: u16) -> Self {
        let url = format!("tcp://127.0.0.1:{port}");
        let child = Command::new(tansu())
            .args(["broker", "--listener-url", &url, "--advertised-listener-url", &url])
            .args(["--storage-engine", "memory://tansu/"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting tansu (scripts/test.sh installs it)");
        let address = format!("127.0.0.1:{port}");
        let started = Instant::now();
        while TcpStream::connect(&address).is_err() {
            assert!(started.elapsed() < DEADLINE, "tansu did not listen on {address}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Broker { child, address }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tansu() -> String {
    std::env::var("HOTLINE_TEST_TANSU").unwrap_or_else(|_| "tansu".to_owned())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The environment that points a node at the broker and at this test's own topic.
fn kafka_env(brokers: &str, topic: &str) -> Vec<(&'static str, String)> {
    vec![
        ("HOTLINE_KAFKA_BROKERS", brokers.to_owned()),
        ("HOTLINE_KAFKA_TOPIC", topic.to_owned()),
        ("HOTLINE_KAFKA_PARTITIONS", "4".to_owned()),
    ]
}

fn start(location: &Location, environment: &[(&'static str, String)]) -> Server {
    let pairs: Vec<(&str, &str)> = environment.iter().map(|(name, value)| (*name, value.as_str())).collect();
    Server::start_with(location, &pairs)
}

/// One message as an integrator reads it.
#[derive(Debug, Clone)]
struct Received {
    key: String,
    partition: i32,
    headers: BTreeMap<String, String>,
    value: Value,
}

impl Received {
    fn position(&self) -> u64 {
        self.headers["ce_position"].parse().expect("ce_position is a decimal")
    }
}

/// Reads the topic from the start (a fresh group) until every position up to `head` was
/// seen at least once; returns every message read, duplicates included.
async fn read_topic_until(brokers: &str, topic: &str, head: u64) -> Vec<Received> {
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", format!("test-{}", Uuid::now_v7()))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .expect("a consumer");
    consumer.subscribe(&[topic]).expect("subscribing");
    let mut stream = consumer.stream();
    let mut received = Vec::new();
    let mut positions = HashSet::new();
    let started = Instant::now();
    while (1..=head).any(|position| !positions.contains(&position)) {
        let left = DEADLINE.saturating_sub(started.elapsed());
        let message = tokio::time::timeout(left, stream.next())
            .await
            .unwrap_or_else(|_| panic!("positions up to {head} did not all arrive; got {} messages", received.len()))
            .expect("the stream goes on");
        // The relay creates the topic when it first reaches the broker; until then the
        // subscription reports the topic unknown, which is not a failure of the relay.
        let message = match message {
            Err(KafkaError::MessageConsumption(RDKafkaErrorCode::UnknownTopicOrPartition)) => continue,
            other => other.expect("a message"),
        };
        let headers = message
            .headers()
            .map(|headers| {
                headers
                    .iter()
                    .map(|header| {
                        (header.key.to_owned(), String::from_utf8(header.value.unwrap_or_default().to_vec()).unwrap())
                    })
                    .collect()
            })
            .unwrap_or_default();
        let one = Received {
            key: String::from_utf8(message.key().unwrap_or_default().to_vec()).unwrap(),
            partition: message.partition(),
            headers,
            value: serde_json::from_slice(message.payload().unwrap_or_default()).expect("the value is JSON"),
        };
        positions.insert(one.position());
        received.push(one);
    }
    received
}

/// The demo tenant's administrator creates `count` agents named `{prefix}{n}`.
async fn create_agents(server: &Server, token: &str, prefix: &str, count: usize) {
    for n in 0..count {
        let created = server.create_agent(token, &format!("{prefix}{n}"), "Agent").await;
        assert!(created["errors"].is_null(), "{created}");
    }
}

#[tokio::test]
async fn the_relay_publishes_every_event_with_cloudevents_headers_that_an_outside_client_reads() {
    let broker = Broker::start();
    let topic = format!("hotline.events.{}", Uuid::now_v7().simple());
    let server = start(&Location::embedded(), &kafka_env(&broker.address, &topic));
    let token = server.demo_admin_token().await;
    create_agents(&server, &token, "relayed", 3).await;
    let head = server.head_position().await;

    let received = read_topic_until(&broker.address, &topic, head).await;
    let tenant = hotline_domain::identity::tenant_id_for_slug("demo").to_string();
    let mut by_position = BTreeMap::new();
    for message in &received {
        by_position.insert(message.position(), message.clone());
    }
    assert_eq!(by_position.keys().copied().collect::<Vec<_>>(), (1..=head).collect::<Vec<_>>());
    for (position, message) in &by_position {
        assert_eq!(message.key, tenant, "the key is the tenant");
        assert_eq!(message.headers["ce_specversion"], "1.0");
        assert_eq!(message.headers["ce_source"], format!("/hotline/tenants/{tenant}"));
        assert!(message.headers["ce_type"].starts_with("hotline."), "{:?}", message.headers);
        assert!(message.headers["ce_subject"].contains('-'), "the subject is the stream id");
        assert!(Uuid::parse_str(&message.headers["ce_id"]).is_ok());
        assert!(chrono::DateTime::parse_from_rfc3339(&message.headers["ce_time"]).is_ok());
        assert_eq!(message.headers["content-type"], "application/json");
        assert!(message.value.is_object() || message.value.is_null(), "position {position}: {:?}", message.value);
    }
    // One tenant, one partition: its order holds.
    let partitions: HashSet<i32> = received.iter().map(|message| message.partition).collect();
    assert_eq!(partitions.len(), 1, "one tenant's events share a partition");

    // The same messages through a client this project did not write.
    let output = Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/kafka_reader.py"))
        .args([&broker.address, &topic, &head.to_string()])
        .output()
        .expect("running python3 (scripts/test.sh installs confluent-kafka)");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let lines: Vec<Value> =
        String::from_utf8(output.stdout).unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    let mut seen_by_python = BTreeMap::new();
    for line in &lines {
        seen_by_python.insert(line["headers"]["ce_position"].as_str().unwrap().parse::<u64>().unwrap(), line.clone());
    }
    assert_eq!(seen_by_python.keys().copied().collect::<Vec<_>>(), (1..=head).collect::<Vec<_>>());
    for (position, line) in &seen_by_python {
        let ours = &by_position[position];
        assert_eq!(line["key"], json!(tenant));
        assert_eq!(line["headers"]["ce_id"], json!(ours.headers["ce_id"]));
        assert_eq!(line["headers"]["ce_type"], json!(ours.headers["ce_type"]));
        assert_eq!(line["value"], ours.value);
    }
}

#[tokio::test]
async fn commands_commit_while_the_broker_is_down_and_the_relay_catches_up_also_after_a_kill() {
    let port = free_port();
    let brokers = format!("127.0.0.1:{port}");
    let topic = format!("hotline.events.{}", Uuid::now_v7().simple());
    let location = Location::embedded();
    let environment = kafka_env(&brokers, &topic);
    let mut server = start(&location, &environment);
    let token = server.demo_admin_token().await;
    // No broker yet: the commands still commit.
    create_agents(&server, &token, "offline", 3).await;
    let broker = Broker::start_on(port);
    let head = server.head_position().await;
    let received = read_topic_until(&broker.address, &topic, head).await;
    assert!(received.iter().all(|message| message.position() <= head));

    // Killed without a chance to save its checkpoint: after the restart it publishes what it
    // had not, and maybe some again (consumers deduplicate by id), but loses nothing.
    server.kill();
    let server = start(&location, &environment);
    let token = server.demo_admin_token().await;
    create_agents(&server, &token, "restarted", 2).await;
    let head = server.head_position().await;
    let received = read_topic_until(&broker.address, &topic, head).await;
    let ids: HashSet<&str> = received.iter().map(|message| message.headers["ce_id"].as_str()).collect();
    assert_eq!(ids.len() as u64, head, "every event once, after deduplication by id");
}

/// The partitions a projector node says it owns, from its `/metrics`.
async fn assigned_partitions(node: &Server) -> usize {
    let metrics = node.http.get(format!("{}/metrics", node.base_url)).send().await.unwrap().text().await.unwrap();
    metrics
        .lines()
        .find_map(|line| line.strip_prefix("hotline_kafka_assigned_partitions "))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0)
}

/// How many events the `users` projection applied, per the projector's own count.
async fn applied_by_users_projection(pool: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar("SELECT COALESCE(SUM(events), 0)::BIGINT FROM projection_tenant_marks WHERE name = 'users'")
        .fetch_one(pool)
        .await
        .unwrap_or(0)
}

#[tokio::test]
async fn projector_nodes_share_the_partitions_and_take_over_a_killed_ones_without_loss_or_double_apply() {
    let broker = Broker::start();
    let topic = format!("hotline.events.{}", Uuid::now_v7().simple());
    let location = Location::postgres().await;
    let Location::Postgres(url) = &location else { unreachable!() };
    let environment = kafka_env(&broker.address, &topic);
    let with_role = |role: &'static str| {
        let mut environment = environment.clone();
        environment.push(("HOTLINE_ROLE", role.to_owned()));
        environment
    };
    let api = start(&location, &with_role("api"));
    // Two relays: one holds the lease and publishes, the other stands by.
    let _relay = start(&location, &with_role("relay"));
    let _standby_relay = start(&location, &with_role("relay"));
    let mut first = start(&location, &with_role("projector"));
    let second = start(&location, &with_role("projector"));
    let platform = api.demo_admin_token().await;

    // Several tenants, so that the partitions (4) all have work.
    let mut tenants = Vec::new();
    for n in 0..6 {
        let slug = format!("tenant{n}");
        let input = json!({ "input": { "slug": slug, "name": slug, "admin": { "username": "boss", "displayName": "Boss", "password": "a long password" } } });
        let created = api.graphql(Some(&platform), CREATE_TENANT, input).await;
        assert!(created["errors"].is_null(), "{created}");
        tenants.push(slug);
    }
    let mut tokens = Vec::new();
    for slug in &tenants {
        tokens.push(api.login(slug, "boss", "a long password").await);
    }
    let agent = hotline_domain::access::BuiltInRole::Agent.id().to_string();
    let create_round = |round: usize| {
        let api = &api;
        let tokens = &tokens;
        let agent = &agent;
        async move {
            for token in tokens {
                let input = json!({ "input": { "username": format!("agent{round}"), "displayName": "Agent", "password": "a long password", "roleIds": [agent] } });
                let created = api.graphql(Some(token), CREATE_USER, input).await;
                assert!(created["errors"].is_null(), "{created}");
            }
        }
    };
    // Both projectors own partitions: they share the work.
    let started = Instant::now();
    loop {
        let (mine, theirs) = (assigned_partitions(&first).await, assigned_partitions(&second).await);
        if mine > 0 && theirs > 0 && mine + theirs == 4 {
            break;
        }
        assert!(started.elapsed() < DEADLINE, "the two projectors never shared the partitions");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for round in 0..5 {
        create_round(round).await;
    }
    // One projector is killed in the middle of the work; once its session has expired, a
    // replacement starts (as an orchestrator would) and the survivor and the replacement own
    // every partition between them. The replacement waits for the expiry: tansu evicts a dead
    // member only when another one joins, and a join before the expiry would hand the dead
    // member partitions again (ARCHITECTURE.md, "Distributed mode").
    first.kill();
    tokio::time::sleep(PROJECTOR_SESSION_TIMEOUT + Duration::from_secs(3)).await;
    let third = start(&location, &with_role("projector"));
    let started = Instant::now();
    loop {
        let (second_owns, third_owns) = (assigned_partitions(&second).await, assigned_partitions(&third).await);
        if second_owns > 0 && third_owns > 0 && second_owns + third_owns == 4 {
            break;
        }
        assert!(
            started.elapsed() < DEADLINE,
            "the dead projector's partitions were not handed over: the survivor owns {second_owns}, the \
             replacement {third_owns}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for round in 5..10 {
        create_round(round).await;
    }

    let pool = sqlx::PgPool::connect(url).await.unwrap();
    let head = api.head_position().await;
    let started = Instant::now();
    while applied_by_users_projection(&pool).await < head as i64 {
        assert!(
            started.elapsed() < DEADLINE,
            "the projectors did not catch up: {} of {head} applied",
            applied_by_users_projection(&pool).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Every event applied exactly once: no more than the log holds, even after the
    // redelivery that follows a rebalance.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(applied_by_users_projection(&pool).await, head as i64, "no event applied twice");
    // The standby relay published nothing: every position is on the topic exactly once.
    let received = read_topic_until(&broker.address, &topic, head).await;
    let positions: HashSet<u64> = received.iter().map(Received::position).collect();
    assert_eq!((received.len(), positions.len()), (head as usize, head as usize), "one relay published");
    for (slug, token) in tenants.iter().zip(&tokens) {
        let users = api.graphql(Some(token), "{ users { username } }", json!({})).await;
        let names: HashSet<&str> =
            users["data"]["users"].as_array().unwrap().iter().map(|user| user["username"].as_str().unwrap()).collect();
        assert_eq!(names.len(), 11, "{slug}: the administrator and ten agents, each once: {users}");
    }
}

#[test]
fn a_role_other_than_all_without_the_distributed_mode_is_refused_with_a_plain_message() {
    let location = Location::embedded();
    let mut command = Command::new(common::BINARY);
    command.args(["serve", "--listen", "127.0.0.1:0", "--role", "projector"]).env("HOTLINE_LOG", "warn");
    location.apply(&mut command);
    let output = command.env_remove("HOTLINE_KAFKA_BROKERS").output().expect("running hotline");
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("HOTLINE_KAFKA_BROKERS") && message.contains("PostgreSQL"), "{message}");

    let bad_partitions = Command::new(common::BINARY)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("HOTLINE_DATA_DIR", location.data_dir().unwrap())
        .env("HOTLINE_KAFKA_BROKERS", "127.0.0.1:1")
        .env("HOTLINE_KAFKA_PARTITIONS", "none")
        .output()
        .expect("running hotline");
    assert!(!bad_partitions.status.success());
    assert!(String::from_utf8_lossy(&bad_partitions.stderr).contains("HOTLINE_KAFKA_PARTITIONS"));
}
