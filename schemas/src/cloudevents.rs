//! The CloudEvents 1.0 mapping of [`EventEnvelope`] (JSON event format, structured mode).
//!
//! One envelope is one CloudEvent and back, with nothing lost: every envelope field has
//! exactly one attribute, so `from_cloudevent(&to_cloudevent(&envelope)) == envelope`, and
//! the `hash` chain of an exported log still verifies after the round trip.
//!
//! | envelope field    | attribute         | written as                                          |
//! |-------------------|-------------------|-----------------------------------------------------|
//! | —                 | `specversion`     | `"1.0"`                                             |
//! | `id`              | `id`              | UUID string                                         |
//! | `tenant_id`       | `source`          | `/hotline/tenants/{tenant_id}`                      |
//! | `event_type`      | `type`            | `hotline.<context>.<event>`                         |
//! | `stream_id`       | `subject`         | `<context>-<uuid>`                                  |
//! | `occurred_at`     | `time`            | RFC 3339, UTC, six fractional digits, `Z`           |
//! | —                 | `datacontenttype` | `"application/json"`                                |
//! | `tenant_id`       | `tenantid`        | UUID string (the same tenant as `source`)           |
//! | `stream_version`  | `streamversion`   | decimal string                                      |
//! | `global_position` | `position`        | decimal string                                      |
//! | `schema_version`  | `schemaversion`   | integer                                             |
//! | `recorded_at`     | `recordedtime`    | RFC 3339, as `time`                                 |
//! | `actor`           | `actor`           | `<kind>:<id>`                                       |
//! | `correlation_id`  | `correlationid`   | UUID string                                         |
//! | `causation_id`    | `causationid`     | UUID string                                         |
//! | `prev_hash`       | `prevhash`        | 64 lowercase hex digits                             |
//! | `hash`            | `hash`            | 64 lowercase hex digits                             |
//! | `payload`         | `data`            | the payload JSON, as stored                         |
//!
//! Choices, and why:
//! - The schema version is the `schemaversion` extension, and `dataschema` is not written.
//!   A `dataschema` URI (`urn:hotline:schema:<type>:v<n>`) would repeat `type` and would have
//!   to be parsed back and kept consistent with it; one attribute per field keeps the mapping
//!   1:1 and lets routers filter on the version without parsing a URI. Readers ignore a
//!   `dataschema` some intermediary may add.
//! - `streamversion` and `position` are decimal strings because a CloudEvents `Integer` is a
//!   signed 32-bit number and both are `u64`. `schemaversion` is an `Integer`. On read all
//!   three accept either a JSON integer or a decimal string, since binary-mode transports
//!   (Kafka and HTTP headers) carry every attribute as a string.
//! - `tenantid` duplicates the tenant in `source` so consumers can filter on it directly; the
//!   reader refuses an event whose `source` names another tenant.
//! - Times are written to the microsecond: the precision envelopes keep and the hash covers.
//! - Extension names follow the CloudEvents naming rule (`a-z0-9`, at most 20 characters).
//! - Attributes this mapping does not know (a broker's `traceparent`, say) are ignored on read.

use chrono::{DateTime, SecondsFormat, Utc};
use hotline_domain::{Actor, EventEnvelope, StreamId};
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// The only CloudEvents version this mapping writes and reads.
pub const SPEC_VERSION: &str = "1.0";

/// The content type of `data`: Hotline payloads are JSON.
pub const DATA_CONTENT_TYPE: &str = "application/json";

const SOURCE_PREFIX: &str = "/hotline/tenants/";

/// A JSON value that is not a Hotline event in CloudEvents form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloudEventError {
    #[error("a CloudEvent line must be JSON: {0}")]
    InvalidJson(String),
    #[error("a CloudEvent in JSON format is an object, not {0}")]
    NotAnObject(&'static str),
    #[error("specversion {0:?} is not supported: this mapping reads CloudEvents \"1.0\"")]
    UnsupportedSpecVersion(String),
    #[error("attribute {0:?} is missing")]
    MissingAttribute(&'static str),
    #[error("attribute {name:?} is invalid: {reason}")]
    InvalidAttribute { name: &'static str, reason: String },
}

impl CloudEventError {
    fn invalid(name: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidAttribute { name, reason: reason.into() }
    }
}

/// The `source` attribute of a tenant's events.
pub fn source_for_tenant(tenant_id: Uuid) -> String {
    format!("{SOURCE_PREFIX}{tenant_id}")
}

/// The envelope as a CloudEvent in the JSON event format.
pub fn to_cloudevent(envelope: &EventEnvelope) -> Value {
    json!({
        "specversion": SPEC_VERSION,
        "id": envelope.id.to_string(),
        "source": source_for_tenant(envelope.tenant_id),
        "type": envelope.event_type,
        "subject": envelope.stream_id.as_str(),
        "time": format_time(envelope.occurred_at),
        "datacontenttype": DATA_CONTENT_TYPE,
        "tenantid": envelope.tenant_id.to_string(),
        "streamversion": envelope.stream_version.to_string(),
        "position": envelope.global_position.to_string(),
        "schemaversion": envelope.schema_version,
        "recordedtime": format_time(envelope.recorded_at),
        "actor": envelope.actor.to_string(),
        "correlationid": envelope.correlation_id.to_string(),
        "causationid": envelope.causation_id.to_string(),
        "prevhash": envelope.prev_hash,
        "hash": envelope.hash,
        "data": envelope.payload,
    })
}

/// One line of a JSON Lines export: the CloudEvent, compact, ending in `\n`.
///
/// serde_json escapes line breaks inside strings, so the only `\n` is the last byte.
pub fn to_json_line(envelope: &EventEnvelope) -> String {
    let mut line = to_cloudevent(envelope).to_string();
    line.push('\n');
    line
}

/// Reads one line of a JSON Lines export back (the trailing line break is optional).
pub fn from_json_line(line: &str) -> Result<EventEnvelope, CloudEventError> {
    let value: Value = serde_json::from_str(line.trim_end_matches(['\n', '\r']))
        .map_err(|error| CloudEventError::InvalidJson(error.to_string()))?;
    match value {
        // The line is ours to take apart: `data` moves into the envelope without a copy.
        Value::Object(mut attributes) => {
            let data = attributes.remove("data");
            envelope_from_json(&attributes, data)
        }
        other => Err(CloudEventError::NotAnObject(json_kind(&other))),
    }
}

/// Reads a CloudEvent written by [`to_cloudevent`] (or by anyone following the same mapping).
pub fn from_cloudevent(cloudevent: &Value) -> Result<EventEnvelope, CloudEventError> {
    match cloudevent {
        Value::Object(attributes) => envelope_from_json(attributes, attributes.get("data").cloned()),
        other => Err(CloudEventError::NotAnObject(json_kind(other))),
    }
}

/// The structured mode: attributes are JSON values, `data` the payload.
fn envelope_from_json(attributes: &Map<String, Value>, data: Option<Value>) -> Result<EventEnvelope, CloudEventError> {
    if attributes.contains_key("data_base64") {
        return Err(CloudEventError::invalid("data_base64", "Hotline payloads are JSON and travel in \"data\""));
    }
    let lookup = |name: &str| {
        attributes.get(name).map(|value| match value {
            Value::String(text) => Attribute::Text(text),
            other => Attribute::Json(other),
        })
    };
    envelope_from(&lookup, data.ok_or(CloudEventError::MissingAttribute("data"))?)
}

/// An attribute as a mode carries it: binary modes carry only text.
#[derive(Clone, Copy)]
enum Attribute<'a> {
    Text(&'a str),
    Json(&'a Value),
}

/// Both modes' attributes by name, without `data`.
type Lookup<'l, 'a> = dyn Fn(&str) -> Option<Attribute<'a>> + 'l;

/// The envelope from its attributes and payload: one set of rules for both modes.
fn envelope_from(attributes: &Lookup<'_, '_>, payload: Value) -> Result<EventEnvelope, CloudEventError> {
    let spec_version = string(attributes, "specversion")?;
    if spec_version != SPEC_VERSION {
        return Err(CloudEventError::UnsupportedSpecVersion(spec_version.to_owned()));
    }
    if attributes("datacontenttype").is_some() {
        let content_type = string(attributes, "datacontenttype")?;
        let media_type = content_type.split(';').next().unwrap_or_default().trim();
        if !media_type.eq_ignore_ascii_case(DATA_CONTENT_TYPE) {
            return Err(CloudEventError::invalid(
                "datacontenttype",
                format!("{content_type:?} is not {DATA_CONTENT_TYPE:?}"),
            ));
        }
    }

    let tenant_id = uuid(attributes, "tenantid")?;
    let source = string(attributes, "source")?;
    let mut expected_tenant = [0u8; 36];
    let expected_tenant: &str = tenant_id.hyphenated().encode_lower(&mut expected_tenant);
    if source.strip_prefix(SOURCE_PREFIX) != Some(expected_tenant) {
        let expected_source = source_for_tenant(tenant_id);
        return Err(CloudEventError::invalid(
            "source",
            format!("{source:?} does not name the tenant of tenantid: expected {expected_source:?}"),
        ));
    }

    let event_type = string(attributes, "type")?;
    if event_type.is_empty() {
        return Err(CloudEventError::invalid("type", "must not be empty"));
    }
    let stream_id: StreamId = string(attributes, "subject")?
        .parse()
        .map_err(|error| CloudEventError::invalid("subject", format!("{error}")))?;
    let schema_version = u32::try_from(unsigned(attributes, "schemaversion")?)
        .map_err(|_| CloudEventError::invalid("schemaversion", "does not fit in 32 bits"))?;
    let actor: Actor =
        string(attributes, "actor")?.parse().map_err(|reason: String| CloudEventError::invalid("actor", reason))?;

    Ok(EventEnvelope {
        id: uuid(attributes, "id")?,
        event_type: event_type.to_owned(),
        schema_version,
        tenant_id,
        stream_id,
        stream_version: unsigned(attributes, "streamversion")?,
        global_position: unsigned(attributes, "position")?,
        occurred_at: time(attributes, "time")?,
        recorded_at: time(attributes, "recordedtime")?,
        actor,
        correlation_id: uuid(attributes, "correlationid")?,
        causation_id: uuid(attributes, "causationid")?,
        payload,
        prev_hash: sha256_hex(attributes, "prevhash")?,
        hash: sha256_hex(attributes, "hash")?,
    })
}

/// The prefix of every CloudEvents attribute header in Kafka's binary content mode.
pub const KAFKA_HEADER_PREFIX: &str = "ce_";

/// The envelope in the CloudEvents Kafka protocol binding, binary content mode: every
/// attribute of [`to_cloudevent`] but `data` as a `ce_<name>` header (numbers as decimal
/// strings), the content type as `content-type`, and the payload JSON as the message value.
pub fn to_kafka_binary(envelope: &EventEnvelope) -> (Vec<(&'static str, String)>, Vec<u8>) {
    let mut headers = Vec::with_capacity(KAFKA_ATTRIBUTES);
    write_kafka_headers(&KafkaAttributes::of(envelope), |name, text| headers.push((name, text.to_owned())));
    (headers, serde_json::to_vec(&envelope.payload).expect("a JSON value always serialises"))
}

/// Every field of an event but its payload, borrowed from wherever the event is: an envelope,
/// or a row read as stored (the relay passes the stored payload text on without decoding it).
#[derive(Clone, Copy)]
pub struct KafkaAttributes<'a> {
    pub id: Uuid,
    pub event_type: &'a str,
    pub schema_version: u32,
    pub tenant_id: Uuid,
    pub stream_id: &'a str,
    pub stream_version: u64,
    pub global_position: u64,
    pub occurred_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    /// `<kind>:<id>`: an [`Actor`] or its stored text.
    pub actor: &'a dyn std::fmt::Display,
    pub correlation_id: Uuid,
    pub causation_id: Uuid,
    pub prev_hash: &'a str,
    pub hash: &'a str,
}

impl<'a> KafkaAttributes<'a> {
    pub fn of(envelope: &'a EventEnvelope) -> Self {
        Self {
            id: envelope.id,
            event_type: &envelope.event_type,
            schema_version: envelope.schema_version,
            tenant_id: envelope.tenant_id,
            stream_id: envelope.stream_id.as_str(),
            stream_version: envelope.stream_version,
            global_position: envelope.global_position,
            occurred_at: envelope.occurred_at,
            recorded_at: envelope.recorded_at,
            actor: &envelope.actor,
            correlation_id: envelope.correlation_id,
            causation_id: envelope.causation_id,
            prev_hash: &envelope.prev_hash,
            hash: &envelope.hash,
        }
    }
}

/// The headers of [`to_kafka_binary`], in its order, each given to `header` as it is formatted
/// from one scratch buffer (the relay copies it straight into its message).
pub fn write_kafka_headers(event: &KafkaAttributes<'_>, mut header: impl FnMut(&'static str, &str)) {
    let mut uuid_buffer = Uuid::encode_buffer();
    let mut uuid = |name: &'static str, id: Uuid, header: &mut dyn FnMut(&'static str, &str)| {
        header(name, id.hyphenated().encode_lower(&mut uuid_buffer));
    };
    let mut scratch = String::with_capacity(64);
    let mut formatted =
        |name: &'static str, write: &dyn Fn(&mut String), header: &mut dyn FnMut(&'static str, &str)| {
            scratch.clear();
            write(&mut scratch);
            header(name, &scratch);
        };
    header("ce_specversion", SPEC_VERSION);
    uuid("ce_id", event.id, &mut header);
    formatted(
        "ce_source",
        &|out| {
            out.push_str(SOURCE_PREFIX);
            out.push_str(event.tenant_id.hyphenated().encode_lower(&mut Uuid::encode_buffer()));
        },
        &mut header,
    );
    header("ce_type", event.event_type);
    header("ce_subject", event.stream_id);
    formatted("ce_time", &|out| write_time(out, event.occurred_at), &mut header);
    header("content-type", DATA_CONTENT_TYPE);
    uuid("ce_tenantid", event.tenant_id, &mut header);
    formatted("ce_streamversion", &|out| write_number(out, event.stream_version), &mut header);
    formatted("ce_position", &|out| write_number(out, event.global_position), &mut header);
    formatted("ce_schemaversion", &|out| write_number(out, u64::from(event.schema_version)), &mut header);
    formatted("ce_recordedtime", &|out| write_time(out, event.recorded_at), &mut header);
    formatted("ce_actor", &|out| write_display(out, event.actor), &mut header);
    uuid("ce_correlationid", event.correlation_id, &mut header);
    uuid("ce_causationid", event.causation_id, &mut header);
    header("ce_prevhash", event.prev_hash);
    header("ce_hash", event.hash);
}

fn write_number(out: &mut String, number: u64) {
    write_display(out, &number);
}

fn write_display(out: &mut String, value: &dyn std::fmt::Display) {
    use std::fmt::Write as _;
    write!(out, "{value}").expect("writing to a String cannot fail");
}

/// [`format_time`] into `out`, without chrono's general formatter for the usual case.
fn write_time(out: &mut String, time: DateTime<Utc>) {
    use chrono::{Datelike as _, Timelike as _};
    use std::fmt::Write as _;
    let nanos = time.nanosecond();
    if (0..=9999).contains(&time.year()) && nanos < 1_000_000_000 {
        write!(
            out,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
            time.year(),
            time.month(),
            time.day(),
            time.hour(),
            time.minute(),
            time.second(),
            nanos / 1_000
        )
        .expect("writing to a String cannot fail");
    } else {
        out.push_str(&format_time(time));
    }
}

/// Reads a Kafka message written by [`to_kafka_binary`] (or by anyone following the Kafka
/// protocol binding's binary mode). Headers other than `ce_*` and `content-type` are ignored.
/// The projector's hot path: headers are looked up in place, nothing is copied but the fields.
pub fn from_kafka_binary<'a>(
    headers: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    value: &[u8],
) -> Result<EventEnvelope, CloudEventError> {
    let mut attributes: Vec<(&'a str, &'a str)> = Vec::with_capacity(KAFKA_ATTRIBUTES);
    for (name, bytes) in headers {
        let attribute = if let Some(attribute) = name.strip_prefix(KAFKA_HEADER_PREFIX) {
            attribute
        } else if name.eq_ignore_ascii_case("content-type") {
            "datacontenttype"
        } else {
            continue;
        };
        let text = std::str::from_utf8(bytes)
            .map_err(|_| CloudEventError::InvalidJson(format!("header {name:?} is not UTF-8")))?;
        attributes.push((attribute, text));
    }
    let data = serde_json::from_slice(value).map_err(|error| CloudEventError::InvalidJson(error.to_string()))?;
    // A header given twice counts as its last value, as a map would keep it.
    let lookup = |name: &str| {
        attributes.iter().rev().find(|(attribute, _)| *attribute == name).map(|(_, text)| Attribute::Text(text))
    };
    envelope_from(&lookup, data)
}

/// The headers [`to_kafka_binary`] writes.
const KAFKA_ATTRIBUTES: usize = 17;

fn format_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn string<'a>(attributes: &Lookup<'_, 'a>, name: &'static str) -> Result<&'a str, CloudEventError> {
    match attributes(name) {
        None => Err(CloudEventError::MissingAttribute(name)),
        Some(Attribute::Text(text)) => Ok(text),
        Some(Attribute::Json(other)) => {
            Err(CloudEventError::invalid(name, format!("must be a string, not {}", json_kind(other))))
        }
    }
}

fn uuid(attributes: &Lookup<'_, '_>, name: &'static str) -> Result<Uuid, CloudEventError> {
    let text = string(attributes, name)?;
    Uuid::parse_str(text).map_err(|error| CloudEventError::invalid(name, format!("{text:?} is not a UUID: {error}")))
}

fn time(attributes: &Lookup<'_, '_>, name: &'static str) -> Result<DateTime<Utc>, CloudEventError> {
    let text = string(attributes, name)?;
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|error| CloudEventError::invalid(name, format!("{text:?} is not an RFC 3339 time: {error}")))
}

/// A non-negative integer written either as a JSON integer or as a decimal string.
fn unsigned(attributes: &Lookup<'_, '_>, name: &'static str) -> Result<u64, CloudEventError> {
    match attributes(name) {
        None => Err(CloudEventError::MissingAttribute(name)),
        Some(Attribute::Json(Value::Number(number))) => number
            .as_u64()
            .ok_or_else(|| CloudEventError::invalid(name, format!("{number} is not a non-negative integer"))),
        Some(Attribute::Text(text)) if !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit()) => {
            text.parse().map_err(|_| CloudEventError::invalid(name, format!("{text:?} does not fit in 64 bits")))
        }
        Some(Attribute::Text(text)) => {
            Err(CloudEventError::invalid(name, format!("{text:?} is not a non-negative integer or a decimal string")))
        }
        Some(Attribute::Json(other)) => {
            Err(CloudEventError::invalid(name, format!("{other} is not a non-negative integer or a decimal string")))
        }
    }
}

fn sha256_hex(attributes: &Lookup<'_, '_>, name: &'static str) -> Result<String, CloudEventError> {
    let text = string(attributes, name)?;
    let is_sha256_hex =
        text.len() == 64 && text.bytes().all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte));
    if !is_sha256_hex {
        return Err(CloudEventError::invalid(name, format!("{text:?} is not a SHA-256 in 64 lowercase hex digits")));
    }
    Ok(text.to_owned())
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use hotline_domain::ActorKind;

    const ZERO_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";
    const SOME_HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    fn time_micros(micros: i64) -> DateTime<Utc> {
        Utc.timestamp_micros(micros).single().expect("in range")
    }

    fn golden_envelope() -> EventEnvelope {
        EventEnvelope {
            id: Uuid::parse_str("0190f1e2-3a4b-7c5d-8e6f-0a1b2c3d4e5f").unwrap(),
            event_type: "hotline.user.created".into(),
            schema_version: 1,
            tenant_id: Uuid::parse_str("6a2f1c9e-7d3b-5e4a-9c8b-1d2e3f4a5b6c").unwrap(),
            stream_id: "user-1b4e28ba-2fa1-5d3b-a3f5-7c9e0b2d4f6a".parse().unwrap(),
            stream_version: 1,
            global_position: 42,
            occurred_at: time_micros(1_714_566_896_789_012),
            recorded_at: time_micros(1_714_566_896_790_001),
            actor: Actor::system("bootstrap"),
            correlation_id: Uuid::from_u128(0x11),
            causation_id: Uuid::from_u128(0x22),
            payload: json!({
                "user_id": "1b4e28ba-2fa1-5d3b-a3f5-7c9e0b2d4f6a",
                "username": "ann",
                "display_name": "Ann Lee",
                "roles": ["agent"],
                "credential_id": "00000000-0000-0000-0000-00000000000a",
            }),
            prev_hash: ZERO_HASH.into(),
            hash: SOME_HASH.into(),
        }
    }

    /// Envelopes that differ in every field, with payloads chosen to stress JSON.
    fn varied_envelopes() -> Vec<EventEnvelope> {
        let payloads = [
            json!({}),
            json!(null),
            json!({"name": "王小明 — Zoë 🚀", "note": "line one\nline \"two\"\t\\ end", "emoji": "👩🏽‍💻"}),
            json!({"outer": {"inner": {"list": [1, "two", null, true, {"deep": [[], {}]}]}}}),
            json!({"max": u64::MAX, "min": i64::MIN, "float": 0.1, "tiny": 5e-324, "negative_zero": -0.0}),
            json!([1, 2, 3]),
            json!("a bare string payload"),
        ];
        let actors = [
            Actor::user(Uuid::from_u128(7)),
            Actor::system("bootstrap"),
            Actor { kind: ActorKind::Agent, id: "agent-7".into() },
            Actor { kind: ActorKind::Integration, id: "wechat:公众号".into() },
        ];
        let times =
            [time_micros(0), time_micros(1_714_566_896_000_000), time_micros(-1), time_micros(253_402_300_799_999_999)];
        payloads
            .into_iter()
            .enumerate()
            .map(|(index, payload)| {
                let number = index as u128 + 1;
                EventEnvelope {
                    id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + number),
                    event_type: format!("hotline.test.event_{index}"),
                    schema_version: [1, 2, 7, u32::MAX][index % 4],
                    tenant_id: Uuid::from_u128(1000 + number),
                    stream_id: StreamId::new(
                        ["user", "tenant", "chat_room"][index % 3],
                        Uuid::from_u128(2000 + number),
                    ),
                    stream_version: [1, 2, u64::MAX][index % 3],
                    global_position: [1, 999_999_999_999, u64::MAX, 3][index % 4],
                    occurred_at: times[index % times.len()],
                    recorded_at: times[(index + 1) % times.len()],
                    actor: actors[index % actors.len()].clone(),
                    correlation_id: Uuid::from_u128(3000 + number),
                    causation_id: Uuid::from_u128(4000 + number),
                    payload,
                    prev_hash: if index == 0 { ZERO_HASH.into() } else { format!("{index:064x}") },
                    hash: format!("{:064x}", number * 0xabcdef),
                }
            })
            .collect()
    }

    #[test]
    fn every_envelope_round_trips_through_cloudevents_and_json_lines() {
        for envelope in varied_envelopes() {
            let cloudevent = to_cloudevent(&envelope);
            assert_eq!(from_cloudevent(&cloudevent).unwrap(), envelope, "{cloudevent}");
            let line = to_json_line(&envelope);
            assert_eq!(from_json_line(&line).unwrap(), envelope, "{line}");
        }
    }

    #[test]
    fn golden_example_maps_every_field() {
        let cloudevent = to_cloudevent(&golden_envelope());
        let attributes = cloudevent.as_object().unwrap();
        let expect = |name: &str, value: Value| assert_eq!(attributes[name], value, "attribute {name}");
        expect("specversion", json!("1.0"));
        expect("id", json!("0190f1e2-3a4b-7c5d-8e6f-0a1b2c3d4e5f"));
        expect("source", json!("/hotline/tenants/6a2f1c9e-7d3b-5e4a-9c8b-1d2e3f4a5b6c"));
        expect("type", json!("hotline.user.created"));
        expect("subject", json!("user-1b4e28ba-2fa1-5d3b-a3f5-7c9e0b2d4f6a"));
        expect("time", json!("2024-05-01T12:34:56.789012Z"));
        expect("datacontenttype", json!("application/json"));
        expect("tenantid", json!("6a2f1c9e-7d3b-5e4a-9c8b-1d2e3f4a5b6c"));
        expect("streamversion", json!("1"));
        expect("position", json!("42"));
        expect("schemaversion", json!(1));
        expect("recordedtime", json!("2024-05-01T12:34:56.790001Z"));
        expect("actor", json!("system:bootstrap"));
        expect("correlationid", json!("00000000-0000-0000-0000-000000000011"));
        expect("causationid", json!("00000000-0000-0000-0000-000000000022"));
        expect("prevhash", json!(ZERO_HASH));
        expect("hash", json!(SOME_HASH));
        expect("data", golden_envelope().payload);
        assert_eq!(attributes.len(), 18, "no attribute beyond the mapping: {cloudevent}");

        let expected_line = concat!(
            r#"{"actor":"system:bootstrap","causationid":"00000000-0000-0000-0000-000000000022","#,
            r#""correlationid":"00000000-0000-0000-0000-000000000011","#,
            r#""data":{"credential_id":"00000000-0000-0000-0000-00000000000a","display_name":"Ann Lee","#,
            r#""roles":["agent"],"user_id":"1b4e28ba-2fa1-5d3b-a3f5-7c9e0b2d4f6a","username":"ann"},"#,
            r#""datacontenttype":"application/json","#,
            r#""hash":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","#,
            r#""id":"0190f1e2-3a4b-7c5d-8e6f-0a1b2c3d4e5f","position":"42","#,
            r#""prevhash":"0000000000000000000000000000000000000000000000000000000000000000","#,
            r#""recordedtime":"2024-05-01T12:34:56.790001Z","schemaversion":1,"#,
            r#""source":"/hotline/tenants/6a2f1c9e-7d3b-5e4a-9c8b-1d2e3f4a5b6c","specversion":"1.0","#,
            r#""streamversion":"1","subject":"user-1b4e28ba-2fa1-5d3b-a3f5-7c9e0b2d4f6a","#,
            r#""tenantid":"6a2f1c9e-7d3b-5e4a-9c8b-1d2e3f4a5b6c","time":"2024-05-01T12:34:56.789012Z","#,
            r#""type":"hotline.user.created"}"#,
            "\n",
        );
        assert_eq!(to_json_line(&golden_envelope()), expected_line);
    }

    #[test]
    fn hash_and_prev_hash_are_carried_unchanged() {
        for envelope in varied_envelopes() {
            let cloudevent = to_cloudevent(&envelope);
            assert_eq!(cloudevent["hash"], json!(envelope.hash));
            assert_eq!(cloudevent["prevhash"], json!(envelope.prev_hash));
            let read = from_cloudevent(&cloudevent).unwrap();
            assert_eq!((read.prev_hash, read.hash), (envelope.prev_hash, envelope.hash));
        }
    }

    #[test]
    fn extension_names_follow_the_cloudevents_naming_rule() {
        let cloudevent = to_cloudevent(&golden_envelope());
        for (name, value) in cloudevent.as_object().unwrap() {
            if name == "data" {
                continue;
            }
            let name_is_valid =
                name.len() <= 20 && name.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit());
            assert!(name_is_valid, "attribute name {name:?}");
            let value_fits_in_cloudevents_integer = value.as_i64().is_some_and(|number| i32::try_from(number).is_ok());
            assert!(value.is_string() || value_fits_in_cloudevents_integer, "attribute {name} = {value}");
        }
    }

    #[test]
    fn reads_numbers_written_as_integers_or_strings_and_ignores_unknown_attributes() {
        let mut cloudevent = to_cloudevent(&golden_envelope());
        cloudevent["streamversion"] = json!(1);
        cloudevent["position"] = json!(42);
        cloudevent["schemaversion"] = json!("1");
        cloudevent["traceparent"] = json!("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        cloudevent["dataschema"] = json!("urn:hotline:schema:hotline.user.created:v1");
        cloudevent["datacontenttype"] = json!("application/json; charset=utf-8");
        assert_eq!(from_cloudevent(&cloudevent).unwrap(), golden_envelope());
        cloudevent.as_object_mut().unwrap().remove("datacontenttype");
        assert_eq!(from_cloudevent(&cloudevent).unwrap(), golden_envelope());
    }

    fn read_with(change: impl FnOnce(&mut Map<String, Value>)) -> Result<EventEnvelope, CloudEventError> {
        let mut cloudevent = to_cloudevent(&golden_envelope());
        change(cloudevent.as_object_mut().unwrap());
        from_cloudevent(&cloudevent)
    }

    fn assert_invalid(result: Result<EventEnvelope, CloudEventError>, attribute: &str) {
        match result {
            Err(CloudEventError::InvalidAttribute { name, .. }) if name == attribute => {}
            other => panic!("expected attribute {attribute:?} to be invalid, got {other:?}"),
        }
    }

    #[test]
    fn rejects_a_wrong_specversion() {
        let error = read_with(|attributes| {
            attributes.insert("specversion".into(), json!("0.3"));
        })
        .unwrap_err();
        assert_eq!(error, CloudEventError::UnsupportedSpecVersion("0.3".into()));
        assert!(error.to_string().contains("\"1.0\""), "{error}");
    }

    #[test]
    fn rejects_a_missing_id() {
        let error = read_with(|attributes| {
            attributes.remove("id");
        })
        .unwrap_err();
        assert_eq!(error, CloudEventError::MissingAttribute("id"));
        assert_eq!(error.to_string(), "attribute \"id\" is missing");
    }

    #[test]
    fn rejects_a_bad_stream_id() {
        for bad in ["user", "User-1b4e28ba-2fa1-5d3b-a3f5-7c9e0b2d4f6a", "user-not-a-uuid"] {
            assert_invalid(
                read_with(|attributes| {
                    attributes.insert("subject".into(), json!(bad));
                }),
                "subject",
            );
        }
    }

    #[test]
    fn rejects_every_other_missing_or_malformed_attribute() {
        for name in [
            "specversion",
            "source",
            "type",
            "subject",
            "time",
            "tenantid",
            "streamversion",
            "position",
            "schemaversion",
            "recordedtime",
            "actor",
            "correlationid",
            "causationid",
            "prevhash",
            "hash",
            "data",
        ] {
            let error = read_with(|attributes| {
                attributes.remove(name);
            })
            .unwrap_err();
            assert_eq!(error, CloudEventError::MissingAttribute(name));
        }
        let malformed = [
            ("id", json!("not-a-uuid")),
            ("id", json!(7)),
            ("source", json!("/hotline/tenants/00000000-0000-0000-0000-000000000001")),
            ("type", json!("")),
            ("time", json!("2024-05-01 12:34:56")),
            ("tenantid", json!("acme")),
            ("streamversion", json!("-1")),
            ("position", json!(-1)),
            ("position", json!("18446744073709551616")),
            ("schemaversion", json!(4_294_967_296_u64)),
            ("recordedtime", json!(1_714_566_896)),
            ("actor", json!("robot:r2d2")),
            ("correlationid", json!("")),
            ("causationid", json!(null)),
            ("prevhash", json!("abc")),
            ("hash", json!(SOME_HASH.to_uppercase())),
            ("datacontenttype", json!("application/xml")),
            ("data_base64", json!("aGVsbG8=")),
        ];
        for (name, value) in malformed {
            assert_invalid(
                read_with(|attributes| {
                    attributes.insert(name.into(), value);
                }),
                name,
            );
        }
        assert_eq!(from_cloudevent(&json!([])).unwrap_err(), CloudEventError::NotAnObject("an array"));
        assert!(matches!(from_json_line("{not json"), Err(CloudEventError::InvalidJson(_))));
    }

    #[test]
    fn a_json_line_is_one_line() {
        for envelope in varied_envelopes() {
            let line = to_json_line(&envelope);
            assert!(line.ends_with('\n'));
            assert_eq!(line.matches('\n').count(), 1, "{line}");
        }
    }

    #[test]
    fn kafka_binary_mode_round_trips_every_envelope() {
        for envelope in varied_envelopes().into_iter().chain([golden_envelope()]) {
            let (headers, value) = to_kafka_binary(&envelope);
            // Exactly the structured mode's attributes, as headers.
            let Value::Object(attributes) = to_cloudevent(&envelope) else { panic!("an object") };
            let mut expected: Vec<String> = attributes
                .keys()
                .filter(|name| *name != "data")
                .map(|name| if name == "datacontenttype" { "content-type".to_owned() } else { format!("ce_{name}") })
                .collect();
            let mut names: Vec<String> = headers.iter().map(|(name, _)| (*name).to_owned()).collect();
            expected.sort();
            names.sort();
            assert_eq!(names, expected);
            assert!(
                headers
                    .iter()
                    .any(|(name, text)| *name == "ce_position" && *text == envelope.global_position.to_string())
            );
            let read = from_kafka_binary(headers.iter().map(|(name, text)| (*name, text.as_bytes())), &value)
                .expect("reads back");
            assert_eq!(read, envelope);
        }
    }

    #[test]
    fn the_fast_time_format_is_the_rfc_3339_one() {
        let times = [0, 1, 999_999, 1_714_566_896_789_012, -1, -62_135_596_800_000_000, 253_402_300_799_999_999];
        for micros in times {
            let time = time_micros(micros);
            let mut written = String::new();
            write_time(&mut written, time);
            assert_eq!(written, format_time(time), "{micros}");
        }
    }

    #[test]
    fn kafka_binary_mode_refuses_a_missing_attribute() {
        let (headers, value) = to_kafka_binary(&golden_envelope());
        let without_type = headers.iter().filter(|(name, _)| *name != "ce_type");
        let error = from_kafka_binary(without_type.map(|(name, text)| (*name, text.as_bytes())), &value);
        assert_eq!(error, Err(CloudEventError::MissingAttribute("type")));
    }
}
