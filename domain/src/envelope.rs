//! The event envelope: the metadata every stored event carries around its payload.
//!
//! The field set is fixed by the architecture (and mapped 1:1 to CloudEvents 1.0 in
//! `hotline-schemas`). Times are kept to whole microseconds so that what is hashed at write
//! time is exactly what is read back from either store.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One event as it sits in the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventEnvelope {
    /// UUIDv7, unique across the store.
    pub id: Uuid,
    /// `hotline.<context>.<event>`, e.g. `hotline.user.created` (the context is the stream's).
    pub event_type: String,
    pub schema_version: u32,
    pub tenant_id: Uuid,
    pub stream_id: StreamId,
    /// 1 for the first event of a stream, gap-free within the stream.
    pub stream_version: u64,
    /// 1 for the first event of the store, gap-free, in commit order.
    pub global_position: u64,
    /// When it happened, as the command said (the domain has no clock).
    pub occurred_at: DateTime<Utc>,
    /// When the store committed it.
    pub recorded_at: DateTime<Utc>,
    pub actor: Actor,
    pub correlation_id: Uuid,
    pub causation_id: Uuid,
    pub payload: serde_json::Value,
    /// Hex SHA-256 of the tenant's previous event (64 zeros for a tenant's first event).
    pub prev_hash: String,
    /// Hex SHA-256 over `prev_hash` and the canonical envelope.
    pub hash: String,
}

/// An event decided but not yet stored: the store adds positions, times and hashes.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub id: Uuid,
    pub event_type: String,
    pub schema_version: u32,
    pub occurred_at: DateTime<Utc>,
    pub payload: serde_json::Value,
}

impl NewEvent {
    /// Builds a new event; `occurred_at` is cut to microseconds, the precision both stores keep.
    pub fn new(
        id: Uuid,
        event_type: impl Into<String>,
        schema_version: u32,
        occurred_at: DateTime<Utc>,
        payload: serde_json::Value,
    ) -> Self {
        Self { id, event_type: event_type.into(), schema_version, occurred_at: occurred_at.trunc_subsecs(6), payload }
    }
}

/// What an append expects of the stream's current version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExpectedVersion {
    /// No check.
    Any,
    /// The stream must not exist yet.
    NoStream,
    /// The stream's last event must have exactly this version (0 means: no stream).
    Exact(u64),
}

impl ExpectedVersion {
    /// Whether a stream currently at `current` (0 = no stream) satisfies this expectation.
    pub fn is_satisfied_by(self, current: u64) -> bool {
        match self {
            ExpectedVersion::Any => true,
            ExpectedVersion::NoStream => current == 0,
            ExpectedVersion::Exact(expected) => current == expected,
        }
    }
}

impl fmt::Display for ExpectedVersion {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpectedVersion::Any => formatter.write_str("any"),
            ExpectedVersion::NoStream => formatter.write_str("no stream"),
            ExpectedVersion::Exact(version) => write!(formatter, "{version}"),
        }
    }
}

/// `<context>-<uuid>`: the context names the bounded context, the uuid the aggregate.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StreamId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stream id {0:?} is not of the form <context>-<uuid> (context: lowercase letters, digits and '_')")]
pub struct StreamIdError(pub String);

impl StreamId {
    pub fn new(context: &str, id: Uuid) -> Self {
        debug_assert!(is_context_name(context), "context {context:?} is not a valid stream context");
        Self(format!("{context}-{id}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The bounded context part (`user` of `user-0190...`).
    pub fn context(&self) -> &str {
        self.0.split_once('-').map(|(context, _)| context).expect("validated on construction")
    }

    /// The aggregate id part.
    pub fn aggregate_id(&self) -> Uuid {
        let (_, id) = self.0.split_once('-').expect("validated on construction");
        Uuid::parse_str(id).expect("validated on construction")
    }
}

fn is_context_name(context: &str) -> bool {
    !context.is_empty()
        && context.len() <= 40
        && context.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_')
}

impl FromStr for StreamId {
    type Err = StreamIdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let Some((context, id)) = text.split_once('-') else {
            return Err(StreamIdError(text.to_owned()));
        };
        let uuid_is_canonical = Uuid::parse_str(id).map(|uuid| uuid.hyphenated().to_string() == id).unwrap_or(false);
        if !is_context_name(context) || !uuid_is_canonical {
            return Err(StreamIdError(text.to_owned()));
        }
        Ok(Self(text.to_owned()))
    }
}

impl TryFrom<String> for StreamId {
    type Error = StreamIdError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<StreamId> for String {
    fn from(stream_id: StreamId) -> Self {
        stream_id.0
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// Who caused an event: written `<kind>:<id>` (e.g. `user:0190...`, `system:bootstrap`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Actor {
    pub kind: ActorKind,
    pub id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActorKind {
    User,
    Agent,
    System,
    Integration,
}

impl ActorKind {
    fn as_str(self) -> &'static str {
        match self {
            ActorKind::User => "user",
            ActorKind::Agent => "agent",
            ActorKind::System => "system",
            ActorKind::Integration => "integration",
        }
    }
}

impl Actor {
    pub fn user(id: Uuid) -> Self {
        Self { kind: ActorKind::User, id: id.to_string() }
    }

    pub fn system(name: &str) -> Self {
        Self { kind: ActorKind::System, id: name.to_owned() }
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}:{}", self.kind.as_str(), self.id)
    }
}

impl FromStr for Actor {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (kind, id) = text.split_once(':').ok_or_else(|| format!("actor {text:?} is not <kind>:<id>"))?;
        let kind = match kind {
            "user" => ActorKind::User,
            "agent" => ActorKind::Agent,
            "system" => ActorKind::System,
            "integration" => ActorKind::Integration,
            other => return Err(format!("unknown actor kind {other:?}")),
        };
        if id.is_empty() || id.len() > 200 {
            return Err(format!("actor id of {text:?} must be 1 to 200 characters"));
        }
        Ok(Self { kind, id: id.to_owned() })
    }
}

impl TryFrom<String> for Actor {
    type Error = String;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<Actor> for String {
    fn from(actor: Actor) -> Self {
        actor.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_id_round_trips_and_rejects_malformed_ids() {
        let id = Uuid::from_u128(7);
        let stream_id = StreamId::new("user", id);
        assert_eq!(stream_id.context(), "user");
        assert_eq!(stream_id.aggregate_id(), id);
        assert_eq!(stream_id.as_str().parse::<StreamId>().unwrap(), stream_id);
        for bad in [
            "user",
            "User-00000000-0000-0000-0000-000000000007",
            "user-nope",
            "-x",
            "user-00000000000000000000000000000007",
        ] {
            assert!(bad.parse::<StreamId>().is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn actor_is_written_kind_colon_id() {
        let actor: Actor = "system:bootstrap".parse().unwrap();
        assert_eq!(actor, Actor::system("bootstrap"));
        assert_eq!(actor.to_string(), "system:bootstrap");
        assert!("robot:x".parse::<Actor>().is_err());
        assert!("user:".parse::<Actor>().is_err());
    }

    #[test]
    fn expected_version_checks() {
        assert!(ExpectedVersion::Any.is_satisfied_by(5));
        assert!(ExpectedVersion::NoStream.is_satisfied_by(0));
        assert!(!ExpectedVersion::NoStream.is_satisfied_by(1));
        assert!(ExpectedVersion::Exact(3).is_satisfied_by(3));
        assert!(!ExpectedVersion::Exact(3).is_satisfied_by(4));
    }
}
