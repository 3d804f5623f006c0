//! A tenant's article templates: a name and a body that a writer starts an article from.
//! Names are unique in the tenant (ignoring case), so one stream holds them all.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::{MAX_BODY_BYTES, MAX_TITLE_CHARS, bounded_text, invalid};
use crate::{Decider, DomainError, DomainEvent, FieldError, StreamId, UpcastError, read_payload};

pub const CONTEXT: &str = "knowledge_templates";

pub const SAVED: &str = "hotline.knowledge_templates.saved";
pub const DELETED: &str = "hotline.knowledge_templates.deleted";

const EVENT_TYPES: [&str; 2] = [SAVED, DELETED];

/// Templates per tenant.
pub const MAX_TEMPLATES: usize = 200;

pub fn stream_id(tenant_id: Uuid) -> StreamId {
    StreamId::new(CONTEXT, tenant_id)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    pub template_id: Uuid,
    pub name: String,
    /// Sanitised HTML.
    pub body_html: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateDeleted {
    pub template_id: Uuid,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TemplatesEvent {
    /// Created or replaced as a whole.
    Saved(Template),
    Deleted(TemplateDeleted),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplatesCommand {
    Save { tenant_id: Uuid, template: Template },
    Delete { tenant_id: Uuid, template_id: Uuid, at: DateTime<Utc> },
}

impl DomainEvent for TemplatesEvent {
    fn event_type(&self) -> &'static str {
        match self {
            TemplatesEvent::Saved(_) => SAVED,
            TemplatesEvent::Deleted(_) => DELETED,
        }
    }

    fn schema_version(&self) -> u32 {
        1
    }

    fn to_payload(&self) -> Value {
        let payload = match self {
            TemplatesEvent::Saved(event) => serde_json::to_value(event),
            TemplatesEvent::Deleted(event) => serde_json::to_value(event),
        };
        payload.expect("plain struct serialises")
    }

    fn from_stored(event_type: &str, schema_version: u32, payload: &Value) -> Result<Self, UpcastError> {
        UpcastError::check_first_version(&EVENT_TYPES, event_type, schema_version)?;
        match event_type {
            SAVED => read_payload(event_type, 1, payload, TemplatesEvent::Saved),
            _ => read_payload(event_type, 1, payload, TemplatesEvent::Deleted),
        }
    }
}

/// The tenant's templates by id.
pub type TemplatesState = BTreeMap<Uuid, Template>;

pub struct Templates;

impl Decider for Templates {
    type State = TemplatesState;
    type Command = TemplatesCommand;
    type Event = TemplatesEvent;

    fn stream_id(command: &TemplatesCommand) -> StreamId {
        match command {
            TemplatesCommand::Save { tenant_id, .. } | TemplatesCommand::Delete { tenant_id, .. } => {
                stream_id(*tenant_id)
            }
        }
    }

    fn decide(state: &TemplatesState, command: &TemplatesCommand) -> Result<Vec<TemplatesEvent>, DomainError> {
        match command {
            TemplatesCommand::Save { template, .. } => {
                let mut problems = Vec::new();
                let name = bounded_text("name", &template.name, MAX_TITLE_CHARS, true, &mut problems);
                if template.body_html.len() > MAX_BODY_BYTES {
                    problems.push(FieldError::new("bodyHtml", format!("is longer than {MAX_BODY_BYTES} bytes")));
                }
                let clash = state.values().any(|other| {
                    other.template_id != template.template_id && other.name.to_lowercase() == name.to_lowercase()
                });
                if clash {
                    problems.push(FieldError::new("name", format!("a template is named {name:?} already")));
                }
                if !state.contains_key(&template.template_id) && state.len() >= MAX_TEMPLATES {
                    problems.push(FieldError::new("name", format!("a tenant has at most {MAX_TEMPLATES} templates")));
                }
                if !problems.is_empty() {
                    return Err(invalid("knowledge.invalid_template", &problems));
                }
                let saved = Template { name, ..template.clone() };
                let unchanged = state
                    .get(&template.template_id)
                    .is_some_and(|current| current.name == saved.name && current.body_html == saved.body_html);
                Ok(if unchanged { vec![] } else { vec![TemplatesEvent::Saved(saved)] })
            }
            TemplatesCommand::Delete { template_id, at, .. } => {
                if !state.contains_key(template_id) {
                    return Ok(vec![]);
                }
                Ok(vec![TemplatesEvent::Deleted(TemplateDeleted { template_id: *template_id, at: *at })])
            }
        }
    }

    fn evolve(mut state: TemplatesState, event: &TemplatesEvent) -> TemplatesState {
        match event {
            TemplatesEvent::Saved(template) => {
                state.insert(template.template_id, template.clone());
            }
            TemplatesEvent::Deleted(deleted) => {
                state.remove(&deleted.template_id);
            }
        }
        state
    }
}
