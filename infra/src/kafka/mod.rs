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
use hotline_schemas::cloudevents::{self, CloudEventError, KafkaAttributes};
use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{BorrowedMessage, Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::{FutureProducer, Producer as _};
use uuid::Uuid;

use crate::store::StoredEvent;

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
    let results = admin.create_topics([&topic], &options).await;
    // Dropping an admin client joins its polling thread, which wakes every 100 ms: that wait
    // would hold up the relay's and the projector's start for nothing.
    tokio::task::spawn_blocking(move || drop(admin));
    for result in results? {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((_, code)) => return Err(KafkaError::AdminOp(code)),
        }
    }
    Ok(())
}

/// A producer of these settings, ready to send. librdkafka asks for an idempotent producer's
/// id when a metadata response arrives while a broker connection is up, or else on a 500 ms
/// timer; a new producer's own first requests come before its connections are up, so its
/// first messages would wait half a second or a whole one. A few metadata requests, the later
/// ones over open connections, get the id within about 100 ms (measured against tansu).
pub async fn ready_producer(settings: &KafkaSettings) -> Result<FutureProducer, KafkaError> {
    let producer: FutureProducer = settings.producer_config().create()?;
    let (asking, topic) = (producer.clone(), settings.topic.clone());
    let asked = tokio::task::spawn_blocking(move || -> Result<(), KafkaError> {
        for _ in 0..METADATA_REQUESTS {
            asking.client().fetch_metadata(Some(&topic), METADATA_TIMEOUT)?;
            std::thread::sleep(METADATA_REQUEST_GAP);
        }
        Ok(())
    });
    asked.await.map_err(|_| KafkaError::Canceled)??;
    Ok(producer)
}

const METADATA_REQUESTS: usize = 3;
const METADATA_REQUEST_GAP: Duration = Duration::from_millis(20);
const METADATA_TIMEOUT: Duration = Duration::from_secs(10);

/// The message key of an event: its tenant, so a tenant's order holds in one partition.
pub fn message_key(tenant_id: Uuid) -> [u8; 36] {
    let mut key = [0u8; 36];
    tenant_id.hyphenated().encode_lower(&mut key);
    key
}

/// The headers and value of an event's message ([`cloudevents::to_kafka_binary`]), from the
/// event as stored: the payload's stored text is the value as it is, never parsed (it is the
/// same text `to_kafka_binary` writes, see [`crate::chain::payload_text`]).
pub fn encode_stored(event: StoredEvent) -> (OwnedHeaders, Vec<u8>) {
    let attributes = KafkaAttributes {
        id: event.id,
        event_type: &event.event_type,
        schema_version: event.schema_version,
        tenant_id: event.tenant_id,
        stream_id: &event.stream_id,
        stream_version: event.stream_version,
        global_position: event.global_position,
        occurred_at: event.occurred_at,
        recorded_at: event.recorded_at,
        actor: &event.actor,
        correlation_id: event.correlation_id,
        causation_id: event.causation_id,
        prev_hash: &event.prev_hash,
        hash: &event.hash,
    };
    let headers = headers(&attributes);
    (headers, event.payload_json.into_bytes())
}

/// The `ce_*` headers, copied straight into librdkafka's list.
fn headers(attributes: &KafkaAttributes<'_>) -> OwnedHeaders {
    let mut headers = Some(OwnedHeaders::new_with_capacity(HEADERS));
    cloudevents::write_kafka_headers(attributes, |name, text| {
        // `insert` takes the list by value and hands it back.
        let list = headers.take().expect("put back after every insert");
        headers = Some(list.insert(Header { key: name, value: Some(text.as_bytes()) }));
    });
    headers.expect("put back after every insert")
}

/// Headers per message (see `cloudevents::to_kafka_binary`).
const HEADERS: usize = 17;

/// The envelope a message carries.
pub fn decode(message: &BorrowedMessage<'_>) -> Result<EventEnvelope, CloudEventError> {
    let headers =
        message.headers().map(|headers| headers.iter().filter_map(|header| Some((header.key, header.value?))));
    cloudevents::from_kafka_binary(headers.into_iter().flatten(), message.payload().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use hotline_domain::{Actor, StreamId};
    use serde_json::json;

    use super::*;

    #[test]
    fn a_stored_event_encodes_as_its_envelope_maps_to_cloudevents() {
        let at = chrono::DateTime::from_timestamp_micros(1_767_225_600_123_456).expect("in range");
        let envelope = EventEnvelope {
            id: Uuid::now_v7(),
            event_type: "hotline.user.created".into(),
            schema_version: 2,
            tenant_id: Uuid::now_v7(),
            stream_id: StreamId::new("user", Uuid::now_v7()),
            stream_version: 3,
            global_position: 42,
            occurred_at: at,
            recorded_at: at + chrono::Duration::microseconds(7),
            actor: Actor::system("relay-test"),
            correlation_id: Uuid::now_v7(),
            causation_id: Uuid::now_v7(),
            payload: json!({"b": [1, 2.5], "a": "你好 \"quoted\""}),
            prev_hash: "0".repeat(64),
            hash: "f".repeat(64),
        };
        let stored = StoredEvent::from(&envelope);
        let (expected_headers, expected_value) = cloudevents::to_kafka_binary(&envelope);
        let (headers, value) = encode_stored(stored);
        assert_eq!(value, expected_value);
        let headers: Vec<(&str, String)> = headers
            .iter()
            .map(|header| (header.key, String::from_utf8(header.value.expect("a value").to_vec()).expect("UTF-8")))
            .collect();
        assert_eq!(headers, expected_headers);
        let decoded =
            cloudevents::from_kafka_binary(headers.iter().map(|(name, text)| (*name, text.as_bytes())), &value)
                .expect("decodes");
        assert_eq!(decoded, envelope);
    }
}
