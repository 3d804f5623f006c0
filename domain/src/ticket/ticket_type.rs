//! Ticket types: a name, a draft form (form-js schema) with its rules (JavaScript) and
//! published versions of a workflow (BPMN XML) together with the form and rules each version
//! runs with.
//!
//! Stream `ticket_type-<id>`. Publishing parses and validates the BPMN against the current
//! draft form and freezes both as the next version; tickets keep the version they opened
//! with, so a later publish never changes a running ticket. A type also holds the id of the
//! secret its service tasks sign their calls with (the secret itself is in the secret store),
//! and its export templates: Word or Excel files (kept in the blob store) whose placeholders
//! name the ticket's parts and its form's fields.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::bpmn::parse_bpmn;
use super::form::{FormSpec, check_mobile_layout, pattern_regex};
use super::workflow::{Workflow, validate};
use crate::{Decider, DomainError, DomainEvent, StreamId, UpcastError, read_payload};

pub const CONTEXT: &str = "ticket_type";

pub const CREATED: &str = "hotline.ticket_type.created";
pub const FORM_UPDATED: &str = "hotline.ticket_type.form_updated";
pub const PUBLISHED: &str = "hotline.ticket_type.published";
pub const RENAMED: &str = "hotline.ticket_type.renamed";
pub const RULES_UPDATED: &str = "hotline.ticket_type.rules_updated";
pub const SERVICE_SECRET_ROTATED: &str = "hotline.ticket_type.service_secret_rotated";
pub const EXPORT_TEMPLATE_ADDED: &str = "hotline.ticket_type.export_template_added";
pub const EXPORT_TEMPLATE_REMOVED: &str = "hotline.ticket_type.export_template_removed";

pub const MAX_NAME_CHARS: usize = 80;
pub const MAX_DESCRIPTION_CHARS: usize = 500;
/// The largest BPMN document (and form schema) accepted, in bytes.
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;
/// The largest rules script accepted, in bytes.
pub const MAX_RULES_BYTES: usize = 64 * 1024;
/// The most export templates a type keeps.
pub const MAX_EXPORT_TEMPLATES: usize = 20;
/// The most placeholders one template may use.
pub const MAX_TEMPLATE_PLACEHOLDERS: usize = 500;

/// The ticket's own parts an export template's placeholders may name, each as
/// `ticket.<part>` (`ticket.number`).
pub const TICKET_PLACEHOLDERS: [&str; 10] =
    ["number", "title", "type", "status", "opened_at", "updated_at", "opened_by", "step", "due_at", "exported_at"];
/// A placeholder `ticket.<part>` stands for a part of the ticket.
pub const TICKET_PLACEHOLDER_PREFIX: &str = "ticket.";
/// A placeholder `field.<key>` stands for the value of the form field `key`.
pub const FIELD_PLACEHOLDER_PREFIX: &str = "field.";

pub fn stream_id(type_id: Uuid) -> StreamId {
    StreamId::new(CONTEXT, type_id)
}

#[derive(Debug, Clone, PartialEq)]
pub struct TicketTypeCommand {
    pub tenant_id: Uuid,
    pub type_id: Uuid,
    pub at: DateTime<Utc>,
    pub action: TicketTypeAction,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TicketTypeAction {
    Create {
        name: String,
        description: String,
        form: Value,
    },
    /// Replaces the draft form; it takes effect with the next publish.
    UpdateForm {
        form: Value,
    },
    Publish {
        bpmn_xml: String,
    },
    Rename {
        name: String,
        description: String,
    },
    /// Replaces the draft's form rules (JavaScript; empty for none), which the service has
    /// compiled and tried; they take effect with the next publish.
    UpdateRules {
        script: String,
    },
    /// Service tasks sign their calls with the secret stored under `secret_id` from now on;
    /// the service put it in the secret store and shows it once.
    RotateServiceSecret {
        secret_id: Uuid,
    },
    /// A Word or Excel template tickets of the type export through; the service stored its
    /// file and read its placeholders.
    AddExportTemplate {
        template: ExportTemplate,
    },
    RemoveExportTemplate {
        template_id: Uuid,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateFormat {
    Docx,
    Xlsx,
}

impl TemplateFormat {
    /// The format's name, as stored and as its files' extension.
    pub fn name(self) -> &'static str {
        match self {
            TemplateFormat::Docx => "docx",
            TemplateFormat::Xlsx => "xlsx",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        [TemplateFormat::Docx, TemplateFormat::Xlsx].into_iter().find(|format| format.name() == name)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportTemplate {
    pub template_id: Uuid,
    pub name: String,
    pub format: TemplateFormat,
    /// Where the file is in the blob store.
    pub blob_id: Uuid,
    pub file_name: String,
    pub size: u64,
    /// The placeholder names the file uses (`ticket.number`, `field.order_number`).
    pub placeholders: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TicketTypeEvent {
    Created(TypeCreated),
    FormUpdated(FormUpdated),
    Published(Published),
    Renamed(Renamed),
    RulesUpdated(RulesUpdated),
    ServiceSecretRotated(ServiceSecretRotated),
    ExportTemplateAdded(ExportTemplateAdded),
    ExportTemplateRemoved(ExportTemplateRemoved),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportTemplateAdded {
    pub type_id: Uuid,
    pub template: ExportTemplate,
    pub at: DateTime<Utc>,
}

/// The template is gone; its file may be deleted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportTemplateRemoved {
    pub type_id: Uuid,
    pub template_id: Uuid,
    pub blob_id: Uuid,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypeCreated {
    pub type_id: Uuid,
    pub name: String,
    pub description: String,
    pub form: Value,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormUpdated {
    pub type_id: Uuid,
    pub form: Value,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Published {
    pub type_id: Uuid,
    pub version: u32,
    pub bpmn_xml: String,
    pub workflow: Workflow,
    /// The form this version runs with.
    pub form: Value,
    /// The form rules this version runs with (added later: absent means none).
    #[serde(default)]
    pub rules: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RulesUpdated {
    pub type_id: Uuid,
    /// JavaScript; empty for none.
    pub script: String,
    pub at: DateTime<Utc>,
}

/// The type's service calls are signed with a new secret; the old one no longer works.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceSecretRotated {
    pub type_id: Uuid,
    /// Where the secret is in the secret store (never the secret itself).
    pub secret_id: Uuid,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Renamed {
    pub type_id: Uuid,
    pub name: String,
    pub description: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TypeStatus {
    #[default]
    NotCreated,
    Active,
}

/// Only what `decide` needs: the draft form (raw, to freeze on publish, and parsed, to
/// validate against) and the version counter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketTypeState {
    pub status: TypeStatus,
    pub name: String,
    pub form: Value,
    pub form_spec: FormSpec,
    /// The draft's form rules; empty for none.
    pub rules: String,
    /// The latest published version; 0 before the first publish.
    pub version: u32,
    /// The secret service calls are signed with, if one was made.
    pub service_secret_id: Option<Uuid>,
    pub export_templates: Vec<ExportTemplate>,
}

const EVENT_TYPES: [&str; 8] = [
    CREATED,
    FORM_UPDATED,
    PUBLISHED,
    RENAMED,
    RULES_UPDATED,
    SERVICE_SECRET_ROTATED,
    EXPORT_TEMPLATE_ADDED,
    EXPORT_TEMPLATE_REMOVED,
];

impl DomainEvent for TicketTypeEvent {
    fn event_type(&self) -> &'static str {
        match self {
            TicketTypeEvent::Created(_) => CREATED,
            TicketTypeEvent::FormUpdated(_) => FORM_UPDATED,
            TicketTypeEvent::Published(_) => PUBLISHED,
            TicketTypeEvent::Renamed(_) => RENAMED,
            TicketTypeEvent::RulesUpdated(_) => RULES_UPDATED,
            TicketTypeEvent::ServiceSecretRotated(_) => SERVICE_SECRET_ROTATED,
            TicketTypeEvent::ExportTemplateAdded(_) => EXPORT_TEMPLATE_ADDED,
            TicketTypeEvent::ExportTemplateRemoved(_) => EXPORT_TEMPLATE_REMOVED,
        }
    }

    fn schema_version(&self) -> u32 {
        1
    }

    fn to_payload(&self) -> Value {
        let payload = match self {
            TicketTypeEvent::Created(event) => serde_json::to_value(event),
            TicketTypeEvent::FormUpdated(event) => serde_json::to_value(event),
            TicketTypeEvent::Published(event) => serde_json::to_value(event),
            TicketTypeEvent::Renamed(event) => serde_json::to_value(event),
            TicketTypeEvent::RulesUpdated(event) => serde_json::to_value(event),
            TicketTypeEvent::ServiceSecretRotated(event) => serde_json::to_value(event),
            TicketTypeEvent::ExportTemplateAdded(event) => serde_json::to_value(event),
            TicketTypeEvent::ExportTemplateRemoved(event) => serde_json::to_value(event),
        };
        payload.expect("plain struct serialises")
    }

    fn from_stored(event_type: &str, schema_version: u32, payload: &Value) -> Result<Self, UpcastError> {
        UpcastError::check_first_version(&EVENT_TYPES, event_type, schema_version)?;
        match event_type {
            CREATED => read_payload(event_type, 1, payload, TicketTypeEvent::Created),
            FORM_UPDATED => read_payload(event_type, 1, payload, TicketTypeEvent::FormUpdated),
            PUBLISHED => read_payload(event_type, 1, payload, TicketTypeEvent::Published),
            RENAMED => read_payload(event_type, 1, payload, TicketTypeEvent::Renamed),
            RULES_UPDATED => read_payload(event_type, 1, payload, TicketTypeEvent::RulesUpdated),
            SERVICE_SECRET_ROTATED => read_payload(event_type, 1, payload, TicketTypeEvent::ServiceSecretRotated),
            EXPORT_TEMPLATE_ADDED => read_payload(event_type, 1, payload, TicketTypeEvent::ExportTemplateAdded),
            _ => read_payload(event_type, 1, payload, TicketTypeEvent::ExportTemplateRemoved),
        }
    }
}

fn check_name(name: &str, description: &str) -> Result<(String, String), DomainError> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_NAME_CHARS {
        return Err(DomainError::new(
            "ticket_type.invalid_name",
            format!("a name has 1 to {MAX_NAME_CHARS} characters"),
        ));
    }
    let description = description.trim();
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(DomainError::new(
            "ticket_type.invalid_description",
            format!("a description has at most {MAX_DESCRIPTION_CHARS} characters"),
        ));
    }
    Ok((name.to_owned(), description.to_owned()))
}

fn check_form(form: &Value) -> Result<FormSpec, DomainError> {
    if form.to_string().len() > MAX_DOCUMENT_BYTES {
        return Err(DomainError::new("ticket_type.too_large", "a form schema is at most 1 MB"));
    }
    let spec = FormSpec::from_form_js(form)?;
    check_mobile_layout(&spec, form)?;
    // The server checks patterns too, so it must be able to read them.
    for field in &spec.fields {
        if let Some(pattern) = field.pattern.as_deref()
            && let Err(error) = pattern_regex(pattern)
        {
            return Err(DomainError::new(
                "ticket_type.invalid_form",
                format!("field {}: the pattern {pattern} cannot be checked: {error}", field.key),
            ));
        }
    }
    Ok(spec)
}

/// `<table>.<column>` of a placeholder `field.<table>.<column>`, when the form has such a
/// dynamic list and column: it stands for that column of each of the list's rows.
pub fn table_column<'a>(form: &FormSpec, key: &'a str) -> Option<(&'a str, &'a str)> {
    // Keys may hold dots themselves: every split is tried.
    key.match_indices('.').map(|(at, _)| (&key[..at], &key[at + 1..])).find(|(table, column)| {
        form.field(table).is_some_and(|field| field.table_columns.iter().any(|known| known == column))
    })
}

/// A template's name and placeholders, checked against the type's templates and draft form.
fn check_template(state: &TicketTypeState, template: &ExportTemplate) -> Result<ExportTemplate, DomainError> {
    let name = template.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(DomainError::new(
            "ticket_type.invalid_template",
            format!("a template's name has 1 to {MAX_NAME_CHARS} characters"),
        ));
    }
    if state.export_templates.iter().any(|known| known.name.to_lowercase() == name.to_lowercase()) {
        return Err(DomainError::new(
            "ticket_type.template_name_taken",
            format!("the type has a template named {name:?} already"),
        ));
    }
    if state.export_templates.len() >= MAX_EXPORT_TEMPLATES {
        return Err(DomainError::new(
            "ticket_type.too_many_templates",
            format!("a type keeps at most {MAX_EXPORT_TEMPLATES} templates; remove one first"),
        ));
    }
    if template.placeholders.len() > MAX_TEMPLATE_PLACEHOLDERS {
        return Err(DomainError::new(
            "ticket_type.invalid_template",
            format!("a template uses at most {MAX_TEMPLATE_PLACEHOLDERS} placeholders"),
        ));
    }
    for placeholder in &template.placeholders {
        let known = if let Some(key) = placeholder.strip_prefix(FIELD_PLACEHOLDER_PREFIX) {
            state.form_spec.field(key).is_some() || table_column(&state.form_spec, key).is_some()
        } else if let Some(part) = placeholder.strip_prefix(TICKET_PLACEHOLDER_PREFIX) {
            TICKET_PLACEHOLDERS.contains(&part)
        } else {
            false
        };
        if !known {
            let parts = TICKET_PLACEHOLDERS.iter().map(|part| format!("{TICKET_PLACEHOLDER_PREFIX}{part}"));
            let fields = state.form_spec.fields.iter().flat_map(|field| {
                let columns = field.table_columns.iter().map(|column| format!("{}.{column}", field.key));
                std::iter::once(field.key.clone()).chain(columns).map(|key| format!("{FIELD_PLACEHOLDER_PREFIX}{key}"))
            });
            let allowed: Vec<String> = parts.chain(fields).collect();
            return Err(DomainError::new(
                "ticket_type.invalid_template",
                format!(
                    "the template's placeholder {{{{{placeholder}}}}} names nothing of this type; it may use {}",
                    allowed.iter().map(|name| format!("{{{{{name}}}}}")).collect::<Vec<_>>().join(", ")
                ),
            ));
        }
    }
    Ok(ExportTemplate { name: name.to_owned(), ..template.clone() })
}

pub struct TicketType;

impl Decider for TicketType {
    type State = TicketTypeState;
    type Command = TicketTypeCommand;
    type Event = TicketTypeEvent;

    fn stream_id(command: &TicketTypeCommand) -> StreamId {
        stream_id(command.type_id)
    }

    fn decide(state: &TicketTypeState, command: &TicketTypeCommand) -> Result<Vec<TicketTypeEvent>, DomainError> {
        let (type_id, at) = (command.type_id, command.at);
        let exists = state.status == TypeStatus::Active;
        if !exists && !matches!(command.action, TicketTypeAction::Create { .. }) {
            return Err(DomainError::new("ticket_type.not_found", format!("no ticket type {type_id}")));
        }
        let event = match &command.action {
            TicketTypeAction::Create { name, description, form } => {
                if exists {
                    return Err(DomainError::new("ticket_type.exists", format!("ticket type {type_id} exists")));
                }
                let (name, description) = check_name(name, description)?;
                check_form(form)?;
                TicketTypeEvent::Created(TypeCreated { type_id, name, description, form: form.clone(), at })
            }
            TicketTypeAction::UpdateForm { form } => {
                check_form(form)?;
                TicketTypeEvent::FormUpdated(FormUpdated { type_id, form: form.clone(), at })
            }
            TicketTypeAction::Publish { bpmn_xml } => {
                if bpmn_xml.len() > MAX_DOCUMENT_BYTES {
                    return Err(DomainError::new("ticket_type.too_large", "a BPMN document is at most 1 MB"));
                }
                let workflow = parse_bpmn(bpmn_xml)?;
                validate(&workflow, &state.form_spec)?;
                TicketTypeEvent::Published(Published {
                    type_id,
                    version: state.version + 1,
                    bpmn_xml: bpmn_xml.clone(),
                    workflow,
                    form: state.form.clone(),
                    rules: Some(state.rules.clone()).filter(|rules| !rules.trim().is_empty()),
                    at,
                })
            }
            TicketTypeAction::Rename { name, description } => {
                let (name, description) = check_name(name, description)?;
                TicketTypeEvent::Renamed(Renamed { type_id, name, description, at })
            }
            TicketTypeAction::UpdateRules { script } => {
                if script.len() > MAX_RULES_BYTES {
                    return Err(DomainError::new("ticket_type.too_large", "form rules are at most 64 KB"));
                }
                if *script == state.rules {
                    return Ok(vec![]);
                }
                TicketTypeEvent::RulesUpdated(RulesUpdated { type_id, script: script.clone(), at })
            }
            TicketTypeAction::RotateServiceSecret { secret_id } => {
                if state.service_secret_id == Some(*secret_id) {
                    return Ok(vec![]);
                }
                TicketTypeEvent::ServiceSecretRotated(ServiceSecretRotated { type_id, secret_id: *secret_id, at })
            }
            TicketTypeAction::AddExportTemplate { template } => {
                if state.export_templates.iter().any(|known| known.template_id == template.template_id) {
                    return Ok(vec![]);
                }
                let template = check_template(state, template)?;
                TicketTypeEvent::ExportTemplateAdded(ExportTemplateAdded { type_id, template, at })
            }
            TicketTypeAction::RemoveExportTemplate { template_id } => {
                let template = state
                    .export_templates
                    .iter()
                    .find(|template| template.template_id == *template_id)
                    .ok_or_else(|| {
                        DomainError::new("ticket_type.template_not_found", format!("no export template {template_id}"))
                    })?;
                TicketTypeEvent::ExportTemplateRemoved(ExportTemplateRemoved {
                    type_id,
                    template_id: *template_id,
                    blob_id: template.blob_id,
                    at,
                })
            }
        };
        Ok(vec![event])
    }

    fn evolve(mut state: TicketTypeState, event: &TicketTypeEvent) -> TicketTypeState {
        // A stored form was valid when it was decided; should a later build read it
        // differently, the draft is treated as empty rather than failing the fold.
        let spec = |form: &Value| FormSpec::from_form_js(form).unwrap_or_default();
        match event {
            TicketTypeEvent::Created(created) => {
                state.status = TypeStatus::Active;
                state.name = created.name.clone();
                state.form_spec = spec(&created.form);
                state.form = created.form.clone();
            }
            TicketTypeEvent::FormUpdated(updated) => {
                state.form_spec = spec(&updated.form);
                state.form = updated.form.clone();
            }
            TicketTypeEvent::Published(published) => state.version = published.version,
            TicketTypeEvent::Renamed(renamed) => state.name = renamed.name.clone(),
            TicketTypeEvent::RulesUpdated(updated) => state.rules = updated.script.clone(),
            TicketTypeEvent::ServiceSecretRotated(rotated) => state.service_secret_id = Some(rotated.secret_id),
            TicketTypeEvent::ExportTemplateAdded(added) => state.export_templates.push(added.template.clone()),
            TicketTypeEvent::ExportTemplateRemoved(removed) => {
                state.export_templates.retain(|template| template.template_id != removed.template_id);
            }
        }
        state
    }
}
