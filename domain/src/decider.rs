//! The decider contract every bounded context implements.
//!
//! `decide(state, command)` says which events a command causes (or why it is refused);
//! `evolve(state, event)` folds one event into the state. Both are pure, so loading a
//! stream and deciding again always gives the same answer.

use serde_json::Value;

use crate::envelope::StreamId;

/// A bounded context's events, as they are written to and read from the log.
pub trait DomainEvent: Sized {
    /// `hotline.<context>.<event>`.
    fn event_type(&self) -> &'static str;

    /// The schema version this build writes for this event.
    fn schema_version(&self) -> u32;

    fn to_payload(&self) -> Value;

    /// Reads a stored event, upcasting older schema versions to the current shape.
    fn from_stored(event_type: &str, schema_version: u32, payload: &Value) -> Result<Self, UpcastError>;
}

/// A command that targets exactly one stream.
pub trait Decider {
    type State: Default + Send;
    type Command: Send + Sync;
    type Event: DomainEvent + Send;

    /// The stream the command is decided against.
    fn stream_id(command: &Self::Command) -> StreamId;

    fn decide(state: &Self::State, command: &Self::Command) -> Result<Vec<Self::Event>, DomainError>;

    fn evolve(state: Self::State, event: &Self::Event) -> Self::State;

    /// Folds events in order into the default state.
    fn replay<'a>(events: impl IntoIterator<Item = &'a Self::Event>) -> Self::State
    where
        Self::Event: 'a,
    {
        events.into_iter().fold(Self::State::default(), Self::evolve)
    }
}

/// A rule the command broke. `code` is stable (`<context>.<snake_case>`) and listed in the
/// error catalogue; `message` is for a person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DomainError {
    pub code: &'static str,
    pub message: String,
}

impl DomainError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

/// One field's problem with a command's input, so that an editor can point at the field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self { field: field.to_owned(), message: message.into() }
    }
}

/// A stored event that this build cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpcastError {
    #[error("unknown event type {0:?}")]
    UnknownType(String),
    #[error("event type {event_type:?} has no schema version {schema_version} in this build")]
    UnknownVersion { event_type: String, schema_version: u32 },
    #[error("payload of {event_type:?} v{schema_version} does not match its schema: {reason}")]
    BadPayload { event_type: String, schema_version: u32, reason: String },
}

impl UpcastError {
    pub fn bad_payload(event_type: &str, schema_version: u32, error: impl std::fmt::Display) -> Self {
        Self::BadPayload { event_type: event_type.to_owned(), schema_version, reason: error.to_string() }
    }

    /// Refuses a type outside `known` or a version other than 1: for contexts whose events
    /// are all still at their first version.
    pub fn check_first_version(known: &[&str], event_type: &str, schema_version: u32) -> Result<(), Self> {
        if !known.contains(&event_type) {
            return Err(UpcastError::UnknownType(event_type.to_owned()));
        }
        if schema_version != 1 {
            return Err(UpcastError::UnknownVersion { event_type: event_type.to_owned(), schema_version });
        }
        Ok(())
    }
}

/// Reads a stored payload as `T` and wraps it in its event variant.
pub fn read_payload<T: serde::de::DeserializeOwned, E>(
    event_type: &str,
    schema_version: u32,
    payload: &serde_json::Value,
    variant: fn(T) -> E,
) -> Result<E, UpcastError> {
    serde_json::from_value(payload.clone())
        .map(variant)
        .map_err(|error| UpcastError::bad_payload(event_type, schema_version, error))
}
