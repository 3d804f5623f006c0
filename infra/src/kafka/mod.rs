//! Kafka, the bus of the distributed mode: settings, the topic, and the message format.
//!
//! Every committed event goes to one topic (default `hotline.events`) as a CloudEvent in the
//! Kafka protocol binding's binary mode ([`hotline_schemas::cloudevents::to_kafka_binary`]):
//! the key is the tenant id, so one tenant's events stay in one partition and in log order;
//! the value is the payload JSON; every other envelope field is a `ce_*` header. The
//! [`relay`] publishes; projections and integrators read with consumer groups.
//!
//! Only what plain Apache Kafka offers is used: an idempotent producer (no transactions),
//! explicit topic creation (no auto-creation), consumer groups with manually stored
//! offsets. Consumers must deduplicate (by event id, or by position per tenant), because the
//! relay may publish an event again after a crash.

pub mod relay;

use std::time::Duration;

use hotline_domain::EventEnvelope;
use hotline_schemas::cloudevents::{self, CloudEventError};
use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{BorrowedMessage, Header, Headers, Message, OwnedHeaders};

/// The environment variable naming the brokers; the distributed mode's switch for the bus.
pub const BROKERS_VARIABLE: &str = "HOTLINE_KAFKA_BROKERS";

/// Where the bus is and what it is called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaSettings {
    /// `host:port[,host:port...]`.
    pub brokers: String,
    pub topic: String,
    /// Partitions of the topic when the relay creates it (an existing topic keeps its own).
    pub partitions: i32,
    pub replication: i32,
}

impl KafkaSettings {
    pub const DEFAULT_TOPIC: &str = "hotline.events";
    pub const DEFAULT_PARTITIONS: i32 = 12;

    pub fn new(brokers: impl Into<String>) -> Self {
        Self {
            brokers: brokers.into(),
            topic: Self::DEFAULT_TOPIC.to_owned(),
            partitions: Self::DEFAULT_PARTITIONS,
            replication: 1,
        }
    }

    /// From `HOTLINE_KAFKA_BROKERS` (none: no Kafka), `HOTLINE_KAFKA_TOPIC`,
    /// `HOTLINE_KAFKA_PARTITIONS` and `HOTLINE_KAFKA_REPLICATION`.
    pub fn from_env() -> Result<Option<Self>, String> {
        let Ok(brokers) = std::env::var(BROKERS_VARIABLE) else { return Ok(None) };
        if brokers.trim().is_empty() {
            return Ok(None);
        }
        let mut settings = Self::new(brokers.trim());
        if let Ok(topic) = std::env::var("HOTLINE_KAFKA_TOPIC") {
            settings.topic = topic;
        }
        let number = |name: &str, default: i32| -> Result<i32, String> {
            match std::env::var(name) {
                Ok(text) => match text.parse::<i32>() {
                    Ok(value) if value >= 1 => Ok(value),
                    _ => Err(format!("{name} must be a whole number of at least 1, not {text:?}")),
                },
                Err(_) => Ok(default),
            }
        };
        settings.partitions = number("HOTLINE_KAFKA_PARTITIONS", settings.partitions)?;
        settings.replication = number("HOTLINE_KAFKA_REPLICATION", settings.replication)?;
        Ok(Some(settings))
    }

    /// The client configuration every Hotline client starts from.
    pub fn client_config(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        config.set("bootstrap.servers", &self.brokers).set("log_level", "4");
        config
    }

    /// A producer that neither reorders nor duplicates on its own retries, and never gives
    /// up on a message silently (a gap would be fatal, so the relay starts over instead).
    pub fn producer_config(&self) -> ClientConfig {
        let mut config = self.client_config();
        config
            // Java clients hash keys with murmur2: the same tenant lands in the same partition
            // whichever client produced it.
            .set("partitioner", "murmur2_random")
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("enable.gapless.guarantee", "true")
            .set("linger.ms", "5")
            .set("compression.type", "lz4")
            // Never time a message out: the gapless guarantee does not cover timeouts, and a
            // relay has nothing better to do than wait for the broker.
            .set("message.timeout.ms", "0");
        config
    }

    /// A consumer in `group` that stores offsets only when told to.
    pub fn consumer_config(&self, group: &str) -> ClientConfig {
        let mut config = self.client_config();
        config
            .set("group.id", group)
            .set("enable.auto.commit", "true")
            .set("auto.commit.interval.ms", "200")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            // Kafka answers a fetch as soon as data arrives; brokers that wait the whole
            // interval (tansu) would otherwise add half a second to every event.
            .set("fetch.wait.max.ms", "10")
            .set("session.timeout.ms", "10000")
            .set("heartbeat.interval.ms", "1000");
        config
    }
}

/// Creates the topic unless it exists (Kafka may have auto-creation off; tansu has none).
pub async fn ensure_topic(settings: &KafkaSettings) -> Result<(), KafkaError> {
    let admin: AdminClient<DefaultClientContext> = settings.client_config().create()?;
    let topic = NewTopic::new(&settings.topic, settings.partitions, TopicReplication::Fixed(settings.replication));
    let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)));
    for result in admin.create_topics([&topic], &options).await? {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((_, code)) => return Err(KafkaError::AdminOp(code)),
        }
    }
    Ok(())
}

/// The message key of an envelope: its tenant, so a tenant's order holds in one partition.
pub fn message_key(envelope: &EventEnvelope) -> [u8; 36] {
    let mut key = [0u8; 36];
    envelope.tenant_id.hyphenated().encode_lower(&mut key);
    key
}

/// The headers and value of an envelope's message.
pub fn encode(envelope: &EventEnvelope) -> (OwnedHeaders, Vec<u8>) {
    let mut headers = Some(OwnedHeaders::new_with_capacity(HEADERS));
    let value = cloudevents::write_kafka_binary(envelope, |name, text| {
        // `insert` takes the list by value and hands it back.
        let list = headers.take().expect("put back after every insert");
        headers = Some(list.insert(Header { key: name, value: Some(text.as_bytes()) }));
    });
    (headers.expect("put back after every insert"), value)
}

/// Headers per message (see `cloudevents::to_kafka_binary`).
const HEADERS: usize = 17;

/// The envelope a message carries.
pub fn decode(message: &BorrowedMessage<'_>) -> Result<EventEnvelope, CloudEventError> {
    let headers =
        message.headers().map(|headers| headers.iter().filter_map(|header| Some((header.key, header.value?))));
    cloudevents::from_kafka_binary(headers.into_iter().flatten(), message.payload().unwrap_or_default())
}
