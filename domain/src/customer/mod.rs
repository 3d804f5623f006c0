//! Customers: profiles with built-in fields (name, gender, phone) and any number of fields a
//! tenant defines (text, number, money, date, time, phone, ID-card number).
//!
//! Personal data never enters the log in clear. The service validates a profile's values
//! here ([`validate_values`]), seals them with the customer's own key, and the events carry only
//! the sealed form and the key's id. Forgetting a customer destroys the key (outside the log)
//! and records [`Forgotten`]: the log keeps every event and still verifies, but what they held
//! can no longer be read anywhere, and the read models drop what they had.
//!
//! Streams: `customer-<id>` per customer; `customer_fields-<tenant>` for the tenant's field
//! definitions, replaced as a whole. The domain cannot read sealed data, so a command carries
//! the plaintext values (to be validated against the definitions it also carries) beside
//! their sealed form.

mod fields;
pub mod queries;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

pub use fields::{
    BUILT_IN_FIELDS, CONTEXT as FIELDS_CONTEXT, CustomerFields, DefineFields, FIELDS_DEFINED, FieldDefinition,
    FieldError, FieldType, FieldsDefined, FieldsState, GENDERS, MAX_FIELDS, fields_stream_id, validate_id_card,
    validate_values,
};
pub use queries::{
    CONTEXT as QUERIES_CONTEXT, Condition, ConditionOp, CustomerQueries, CustomerQuery, MAX_CONDITIONS,
    MAX_QUERY_NAME_CHARS, QUERY_DELETED, QUERY_SAVED, QueryDeleted, SavedQueries, SavedQueriesCommand,
    SavedQueriesEvent, SavedQueriesState, SavedQuery, check_conditions, check_sort_field, field_types,
    queries_stream_id,
};

use crate::{Decider, DomainError, DomainEvent, StreamId, UpcastError, read_payload};

pub const CONTEXT: &str = "customer";

pub const CREATED: &str = "hotline.customer.created";
pub const UPDATED: &str = "hotline.customer.updated";
pub const FORGOTTEN: &str = "hotline.customer.forgotten";

pub fn stream_id(customer_id: Uuid) -> StreamId {
    StreamId::new(CONTEXT, customer_id)
}

/// Values sealed with one customer's key: opaque here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    pub key_id: Uuid,
    /// Base64 of nonce and ciphertext.
    pub ciphertext: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerCommand {
    pub tenant_id: Uuid,
    pub customer_id: Uuid,
    pub at: DateTime<Utc>,
    pub action: CustomerAction,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerAction {
    Create { values: BTreeMap<String, String>, fields: Vec<FieldDefinition>, sealed: Sealed },
    Update { values: BTreeMap<String, String>, fields: Vec<FieldDefinition>, sealed: Sealed },
    Forget,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CustomerEvent {
    Created(ProfileSealed),
    Updated(ProfileSealed),
    Forgotten(Forgotten),
}

/// A profile's values, sealed (all of them: an update replaces the whole profile).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileSealed {
    pub customer_id: Uuid,
    pub sealed: Sealed,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forgotten {
    pub customer_id: Uuid,
    /// The key that was destroyed.
    pub key_id: Uuid,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Status {
    #[default]
    NotCreated,
    Active,
    Forgotten,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerState {
    pub status: Status,
    pub key_id: Option<Uuid>,
}

const EVENT_TYPES: [&str; 3] = [CREATED, UPDATED, FORGOTTEN];

impl DomainEvent for CustomerEvent {
    fn event_type(&self) -> &'static str {
        match self {
            CustomerEvent::Created(_) => CREATED,
            CustomerEvent::Updated(_) => UPDATED,
            CustomerEvent::Forgotten(_) => FORGOTTEN,
        }
    }

    fn schema_version(&self) -> u32 {
        1
    }

    fn to_payload(&self) -> Value {
        let payload = match self {
            CustomerEvent::Created(event) | CustomerEvent::Updated(event) => serde_json::to_value(event),
            CustomerEvent::Forgotten(event) => serde_json::to_value(event),
        };
        payload.expect("plain struct serialises")
    }

    fn from_stored(event_type: &str, schema_version: u32, payload: &Value) -> Result<Self, UpcastError> {
        UpcastError::check_first_version(&EVENT_TYPES, event_type, schema_version)?;
        match event_type {
            CREATED => read_payload(event_type, 1, payload, CustomerEvent::Created),
            UPDATED => read_payload(event_type, 1, payload, CustomerEvent::Updated),
            _ => read_payload(event_type, 1, payload, CustomerEvent::Forgotten),
        }
    }
}

fn invalid_values(errors: &[FieldError]) -> DomainError {
    let listed: Vec<String> = errors.iter().map(|error| format!("{}: {}", error.field, error.message)).collect();
    DomainError::new("customer.invalid_values", listed.join("; "))
}

pub struct Customer;

impl Decider for Customer {
    type State = CustomerState;
    type Command = CustomerCommand;
    type Event = CustomerEvent;

    fn stream_id(command: &CustomerCommand) -> StreamId {
        stream_id(command.customer_id)
    }

    fn decide(state: &CustomerState, command: &CustomerCommand) -> Result<Vec<CustomerEvent>, DomainError> {
        let (customer_id, at) = (command.customer_id, command.at);
        let not_found = || DomainError::new("customer.not_found", format!("no customer {customer_id}"));
        let forgotten = || DomainError::new("customer.forgotten", "the customer was forgotten; their data is gone");
        let event = match &command.action {
            CustomerAction::Create { values, fields, sealed } => {
                match state.status {
                    Status::NotCreated => {}
                    Status::Active => {
                        return Err(DomainError::new("customer.exists", format!("customer {customer_id} exists")));
                    }
                    Status::Forgotten => return Err(forgotten()),
                }
                validate_values(fields, values).map_err(|errors| invalid_values(&errors))?;
                CustomerEvent::Created(ProfileSealed { customer_id, sealed: sealed.clone(), at })
            }
            CustomerAction::Update { values, fields, sealed } => {
                match state.status {
                    Status::NotCreated => return Err(not_found()),
                    Status::Forgotten => return Err(forgotten()),
                    Status::Active => {}
                }
                if state.key_id != Some(sealed.key_id) {
                    return Err(DomainError::new("customer.wrong_key", "a profile is sealed with its customer's key"));
                }
                validate_values(fields, values).map_err(|errors| invalid_values(&errors))?;
                CustomerEvent::Updated(ProfileSealed { customer_id, sealed: sealed.clone(), at })
            }
            CustomerAction::Forget => match (state.status, state.key_id) {
                (Status::NotCreated, _) | (_, None) => return Err(not_found()),
                (Status::Forgotten, _) => return Ok(vec![]),
                (Status::Active, Some(key_id)) => CustomerEvent::Forgotten(Forgotten { customer_id, key_id, at }),
            },
        };
        Ok(vec![event])
    }

    fn evolve(mut state: CustomerState, event: &CustomerEvent) -> CustomerState {
        match event {
            CustomerEvent::Created(created) => {
                state.status = Status::Active;
                state.key_id = Some(created.sealed.key_id);
            }
            CustomerEvent::Updated(_) => {}
            CustomerEvent::Forgotten(_) => state.status = Status::Forgotten,
        }
        state
    }
}
