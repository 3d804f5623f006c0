//! The tenant stream: a tenant is created once, with a unique slug.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::{tenant_id_for_slug, validate_text};
use crate::{Decider, DomainError, DomainEvent, StreamId, UpcastError};

pub const CONTEXT: &str = "tenant";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantCommand {
    CreateTenant { slug: String, name: String, parent_tenant_id: Option<Uuid> },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TenantEvent {
    TenantCreated(TenantCreated),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantCreated {
    pub tenant_id: Uuid,
    pub slug: String,
    pub name: String,
    pub parent_tenant_id: Option<Uuid>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TenantState {
    pub created: Option<TenantCreated>,
}

pub const TENANT_CREATED: &str = "hotline.tenant.created";

impl DomainEvent for TenantEvent {
    fn event_type(&self) -> &'static str {
        match self {
            TenantEvent::TenantCreated(_) => TENANT_CREATED,
        }
    }

    fn schema_version(&self) -> u32 {
        1
    }

    fn to_payload(&self) -> Value {
        match self {
            TenantEvent::TenantCreated(created) => serde_json::to_value(created).expect("plain struct serialises"),
        }
    }

    fn from_stored(event_type: &str, schema_version: u32, payload: &Value) -> Result<Self, UpcastError> {
        match (event_type, schema_version) {
            (TENANT_CREATED, 1) => serde_json::from_value(payload.clone())
                .map(TenantEvent::TenantCreated)
                .map_err(|error| UpcastError::bad_payload(event_type, schema_version, error)),
            (TENANT_CREATED, _) => {
                Err(UpcastError::UnknownVersion { event_type: event_type.to_owned(), schema_version })
            }
            _ => Err(UpcastError::UnknownType(event_type.to_owned())),
        }
    }
}

pub struct Tenant;

impl Decider for Tenant {
    type State = TenantState;
    type Command = TenantCommand;
    type Event = TenantEvent;

    fn stream_id(command: &TenantCommand) -> StreamId {
        match command {
            TenantCommand::CreateTenant { slug, .. } => StreamId::new(CONTEXT, tenant_id_for_slug(slug)),
        }
    }

    fn decide(state: &TenantState, command: &TenantCommand) -> Result<Vec<TenantEvent>, DomainError> {
        match command {
            TenantCommand::CreateTenant { slug, name, parent_tenant_id } => {
                if state.created.is_some() {
                    return Err(DomainError::new("tenant.slug_taken", format!("a tenant with slug {slug:?} exists")));
                }
                let slug_is_valid = (2..=40).contains(&slug.len())
                    && slug.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
                    && !slug.starts_with('-')
                    && !slug.ends_with('-');
                if !slug_is_valid {
                    return Err(DomainError::new(
                        "tenant.invalid_slug",
                        "a slug is 2 to 40 lowercase letters, digits and inner hyphens",
                    ));
                }
                validate_text("tenant name", name, 120, "tenant.invalid_name")?;
                Ok(vec![TenantEvent::TenantCreated(TenantCreated {
                    tenant_id: tenant_id_for_slug(slug),
                    slug: slug.clone(),
                    name: name.clone(),
                    parent_tenant_id: *parent_tenant_id,
                })])
            }
        }
    }

    fn evolve(mut state: TenantState, event: &TenantEvent) -> TenantState {
        match event {
            TenantEvent::TenantCreated(created) => state.created = Some(created.clone()),
        }
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create(slug: &str) -> TenantCommand {
        TenantCommand::CreateTenant { slug: slug.into(), name: "Acme".into(), parent_tenant_id: None }
    }

    #[test]
    fn given_nothing_when_create_then_tenant_created_with_id_from_slug() {
        let events = Tenant::decide(&TenantState::default(), &create("acme")).unwrap();
        let TenantEvent::TenantCreated(created) = &events[0];
        assert_eq!(created.tenant_id, tenant_id_for_slug("acme"));
        assert_eq!(Tenant::stream_id(&create("acme")).aggregate_id(), created.tenant_id);
    }

    #[test]
    fn given_created_when_create_again_then_slug_taken() {
        let events = Tenant::decide(&TenantState::default(), &create("acme")).unwrap();
        let state = Tenant::replay(&events);
        assert_eq!(Tenant::decide(&state, &create("acme")).unwrap_err().code, "tenant.slug_taken");
    }

    #[test]
    fn rejects_bad_slugs_and_names() {
        for slug in ["a", "Acme", "acme-", "ac me", ""] {
            assert_eq!(Tenant::decide(&TenantState::default(), &create(slug)).unwrap_err().code, "tenant.invalid_slug");
        }
        let blank_name = TenantCommand::CreateTenant { slug: "acme".into(), name: " ".into(), parent_tenant_id: None };
        assert_eq!(Tenant::decide(&TenantState::default(), &blank_name).unwrap_err().code, "tenant.invalid_name");
    }

    #[test]
    fn stored_events_round_trip_and_unknown_ones_are_refused() {
        let event = Tenant::decide(&TenantState::default(), &create("acme")).unwrap().remove(0);
        let read = TenantEvent::from_stored(event.event_type(), 1, &event.to_payload()).unwrap();
        assert_eq!(read, event);
        assert!(matches!(
            TenantEvent::from_stored("hotline.tenant.nope", 1, &Value::Null),
            Err(UpcastError::UnknownType(_))
        ));
        assert!(matches!(
            TenantEvent::from_stored(TENANT_CREATED, 9, &event.to_payload()),
            Err(UpcastError::UnknownVersion { .. })
        ));
    }
}
