//! The GraphQL object types shared by several contexts.

use async_graphql::{Json, SimpleObject};
use chrono::{DateTime, Utc};
use hotline_domain::EventEnvelope;
use uuid::Uuid;

/// One event of the log, with its whole envelope.
#[derive(SimpleObject, Clone)]
#[graphql(name = "Event")]
pub struct EventObject {
    pub id: Uuid,
    #[graphql(name = "type")]
    pub event_type: String,
    pub schema_version: u32,
    pub tenant_id: Uuid,
    pub stream_id: String,
    pub stream_version: u64,
    pub global_position: u64,
    pub occurred_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub actor: String,
    pub correlation_id: Uuid,
    pub causation_id: Uuid,
    pub payload: Json<serde_json::Value>,
    pub prev_hash: String,
    pub hash: String,
}

impl From<EventEnvelope> for EventObject {
    fn from(envelope: EventEnvelope) -> Self {
        Self {
            id: envelope.id,
            event_type: envelope.event_type,
            schema_version: envelope.schema_version,
            tenant_id: envelope.tenant_id,
            stream_id: envelope.stream_id.to_string(),
            stream_version: envelope.stream_version,
            global_position: envelope.global_position,
            occurred_at: envelope.occurred_at,
            recorded_at: envelope.recorded_at,
            actor: envelope.actor.to_string(),
            correlation_id: envelope.correlation_id,
            causation_id: envelope.causation_id,
            payload: Json(envelope.payload),
            prev_hash: envelope.prev_hash,
            hash: envelope.hash,
        }
    }
}

/// What a mutation did to the log.
#[derive(SimpleObject, Clone)]
pub struct CommandResult {
    pub command_id: Uuid,
    pub stream_id: String,
    pub stream_version: u64,
    pub first_position: Option<u64>,
    pub last_position: Option<u64>,
    /// True when this command id had been handled before and nothing new was appended.
    pub duplicate: bool,
    /// The id of what the command was about (tenant, user, role, ...).
    pub aggregate_id: Uuid,
}

impl CommandResult {
    pub fn new(aggregate_id: Uuid, outcome: hotline_command_api::CommandOutcome) -> Self {
        Self {
            command_id: outcome.command_id,
            stream_id: outcome.stream_id,
            stream_version: outcome.stream_version,
            first_position: outcome.first_position,
            last_position: outcome.last_position,
            duplicate: outcome.duplicate,
            aggregate_id,
        }
    }
}
