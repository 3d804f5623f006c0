//! The event catalogue: every event type this build writes, its current schema version, its
//! bounded context, what it means, and the fields of its payload with their JSON kinds.
//!
//! The catalogue is generated from the domain, not written by hand: one sample event per
//! variant of every context's `Event` enum is turned into its payload with
//! `DomainEvent::to_payload`, and the kinds are read off the JSON. The published copy is
//! `schemas/events.json`; tests fail when the two differ, and fail harder when the change
//! would break a reader of the log (see [`breaking_changes`]). After an intended, compatible
//! change, rewrite the file with `HOTLINE_UPDATE_SCHEMAS=1 cargo test -p hotline-schemas`.
//!
//! Field kinds: `uuid`, `timestamp` (RFC 3339), `string`, `integer`, `number`, `boolean`,
//! `array`, `object`. A kind ending in `|null` marks a field the domain reads back when it is
//! null (an `Option` in the Rust type); this is found by asking the domain's own reader, so
//! it cannot drift from the code.

use std::collections::BTreeMap;
use std::fmt;

use chrono::DateTime;
use std::collections::BTreeMap as Map;

use hotline_domain::access::permissions::DataScope;
use hotline_domain::access::role::{self, BuiltInRole, RoleDefinition, RoleEvent};
use hotline_domain::acd::{
    self, AcdEvent, AgentPresenceChanged, AgentProfile, AgentRegistered, Channel, ContactAbandoned, ContactFinished,
    ContactHandedOver, ContactOffered, ContactOverflowed, ContactQueued, ContactTransferred, OfferAnswered,
    OfferReason, OfferRule, Overflow, Presence, QueueDefined, QueueDefinition, RoutingStrategy, SkillRequirement,
    StickyWaitEnded, TransferTarget,
};
use hotline_domain::call::{
    self, AgentLegFailed, AgentRinging, CallAnswered, CallArrived, CallDialed, CallEnded, CallEvent, CallMoment,
    CallTransferTarget, CallTransferred, CalleeAnswered, CalleeFailed, ConsultAnswered, ConsultCompleted, ConsultEnded,
    ConsultStarted, EndCause, LegFailure, RecordingStored,
};
use hotline_domain::chat_widget::{self, FaqEntry, WidgetConfigured, WidgetSettings};
use hotline_domain::conversation::{
    self, Assigned, Attachment, Author, Closed, ClosedBy, ConversationEvent, MessagePosted, Rated, Started,
    Transferred, Visitor,
};
use hotline_domain::customer::{
    self, Condition, ConditionOp, CustomerEvent, CustomerQuery, FieldDefinition, FieldType, FieldsDefined, Forgotten,
    ProfileSealed, QueryDeleted, SavedQueriesEvent, SavedQuery, Sealed,
};
use hotline_domain::dictionary::{self, DictionaryCreated, DictionaryEntry, DictionaryEvent, EntriesSet, ValueType};
use hotline_domain::identity::tenant::{self, TenantCreated, TenantEvent, TenantSettingsUpdated};
use hotline_domain::identity::user::{
    self, LockedOut, LoginFailed, PasswordChanged, SessionsRevoked, UserCreated, UserEvent, UserUpdated,
};
use hotline_domain::knowledge::article::{
    self as knowledge_article, ArticleContent, ArticleDeleted, ArticlePushed, ArticleWritten,
    Attachment as KnowledgeAttachment, AttachmentKind, QuizQuestion,
};
use hotline_domain::knowledge::{
    ArticleEvent, CategoriesDefined, Category, GapResolved, GapsEvent, ReaderArticle, ReaderEvent, SearchMissed,
    Template, TemplateDeleted, TemplatesEvent, categories as knowledge_categories, gaps as knowledge_gaps,
    reader as knowledge_reader, templates as knowledge_templates,
};
use hotline_domain::organisation::{
    self, Dimension, OrganisationEvent, UnitCreated, UnitKind, UnitMoved, UnitRemoved, UnitRenamed,
};
use hotline_domain::telephony::{
    self, AccessNumberAssigned, AccessNumberReleased, ExtensionPasswordRotated, ExtensionProvisioned, ExtensionRemoved,
    ExtensionUpdated, MusicAdded, MusicRemoved, QueueMusicSet, TelephonyEvent, TrunkDefinition, TrunkRegistration,
    TrunkRemoved,
};
use hotline_domain::ticket::queries::{
    self as ticket_queries, DueFilter, SavedTicketQuery, StatusFilter, TicketQueriesEvent, TicketQuery, TicketSort,
    WaitingOn,
};
use hotline_domain::ticket::ticket_type::{
    ExportTemplate, ExportTemplateAdded, ExportTemplateRemoved, FormUpdated, Published, Renamed, RulesUpdated,
    ServiceSecretRotated, TemplateFormat, TypeCreated,
};
use hotline_domain::ticket::{
    self, Cancelled, Candidate, Commented, LinkSent, MailReceived, Opened, Origin, Resumed, ServiceFailed,
    ServiceRetried, ServiceReturned, Step, TaskCompleted, TaskOverdue, TaskReminded, TicketEvent, TicketTypeEvent,
    parse_bpmn, ticket_type,
};
use hotline_domain::webhook::{
    self, EndpointDisabled, EndpointRef, EndpointRegistered, EndpointSettings, EndpointUpdated, SecretRotated,
    WebhookEvent,
};
use hotline_domain::{DomainEvent, UpcastError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// What `schemas/events.json` says about itself.
pub const CATALOGUE_NOTE: &str = "Generated from hotline-domain by the tests of hotline-schemas; do not edit. \
     After a compatible change: HOTLINE_UPDATE_SCHEMAS=1 cargo test -p hotline-schemas";

/// Marks a field kind the domain also reads as null.
pub const NULLABLE_SUFFIX: &str = "|null";

/// The published event catalogue, as in `schemas/events.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalogue {
    pub note: String,
    /// Sorted by type name.
    pub events: Vec<EventSchema>,
}

/// One event type at its current schema version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventSchema {
    /// `hotline.<context>.<event>`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The schema version this build writes.
    pub version: u32,
    /// The bounded context, which is also the `<context>` of the event's stream id.
    pub context: String,
    pub description: String,
    /// Payload field name to kind, e.g. `"user_id": "uuid"`.
    pub fields: BTreeMap<String, String>,
}

impl Catalogue {
    /// The text of `schemas/events.json`: pretty JSON ending in a line break.
    pub fn to_json_text(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("plain data serialises");
        text.push('\n');
        text
    }

    pub fn event(&self, event_type: &str) -> Option<&EventSchema> {
        self.events.iter().find(|event| event.event_type == event_type)
    }
}

/// The catalogue of this build, generated from the domain's events.
pub fn catalogue() -> Catalogue {
    let mut events: Vec<EventSchema> = samples().iter().map(Sample::schema).collect();
    events.sort_by(|left, right| left.event_type.cmp(&right.event_type));
    Catalogue { note: CATALOGUE_NOTE.to_owned(), events }
}

/// A change from a published catalogue that would break a reader of events already written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BreakingChange {
    TypeRemoved {
        event_type: String,
    },
    VersionWentDown {
        event_type: String,
        published: u32,
        generated: u32,
    },
    FieldRemoved {
        event_type: String,
        version: u32,
        field: String,
    },
    FieldKindChanged {
        event_type: String,
        version: u32,
        field: String,
        published: String,
        generated: String,
    },
    /// Events of this version already in the log lack the field, so they would not read.
    RequiredFieldAdded {
        event_type: String,
        version: u32,
        field: String,
    },
}

impl fmt::Display for BreakingChange {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BreakingChange::TypeRemoved { event_type } => {
                write!(formatter, "{event_type} is no longer in the catalogue")
            }
            BreakingChange::VersionWentDown { event_type, published, generated } => {
                write!(formatter, "{event_type} went down from v{published} to v{generated}")
            }
            BreakingChange::FieldRemoved { event_type, version, field } => {
                write!(formatter, "{event_type} v{version} lost field {field:?}")
            }
            BreakingChange::FieldKindChanged { event_type, version, field, published, generated } => {
                write!(formatter, "{event_type} v{version} field {field:?} changed from {published} to {generated}")
            }
            BreakingChange::RequiredFieldAdded { event_type, version, field } => write!(
                formatter,
                "{event_type} v{version} gained field {field:?}, which its events already in the log lack"
            ),
        }
    }
}

/// What in `generated` would break readers of events written under `published`.
///
/// Adding a type, bumping a version (with whatever field changes), adding a nullable field
/// and rewording a description are compatible.
pub fn breaking_changes(published: &Catalogue, generated: &Catalogue) -> Vec<BreakingChange> {
    let mut changes = Vec::new();
    for old in &published.events {
        let event_type = old.event_type.clone();
        let Some(new) = generated.event(&old.event_type) else {
            changes.push(BreakingChange::TypeRemoved { event_type });
            continue;
        };
        if new.version < old.version {
            changes.push(BreakingChange::VersionWentDown {
                event_type,
                published: old.version,
                generated: new.version,
            });
            continue;
        }
        if new.version > old.version {
            continue;
        }
        let version = old.version;
        for (field, old_kind) in &old.fields {
            match new.fields.get(field) {
                None => changes.push(BreakingChange::FieldRemoved {
                    event_type: event_type.clone(),
                    version,
                    field: field.clone(),
                }),
                Some(new_kind) if new_kind != old_kind => changes.push(BreakingChange::FieldKindChanged {
                    event_type: event_type.clone(),
                    version,
                    field: field.clone(),
                    published: old_kind.clone(),
                    generated: new_kind.clone(),
                }),
                Some(_) => {}
            }
        }
        for (field, new_kind) in &new.fields {
            if !old.fields.contains_key(field) && !new_kind.ends_with(NULLABLE_SUFFIX) {
                changes.push(BreakingChange::RequiredFieldAdded {
                    event_type: event_type.clone(),
                    version,
                    field: field.clone(),
                });
            }
        }
    }
    changes
}

/// Reads a stored event with a context's `DomainEvent::from_stored` and writes it back.
type Reader = fn(&str, u32, &Value) -> Result<Value, UpcastError>;

fn read_and_write_back<E: DomainEvent>(
    event_type: &str,
    schema_version: u32,
    payload: &Value,
) -> Result<Value, UpcastError> {
    E::from_stored(event_type, schema_version, payload).map(|event| event.to_payload())
}

/// One sample event of one variant, with what the catalogue says about it.
struct Sample {
    context: &'static str,
    description: &'static str,
    event_type: &'static str,
    schema_version: u32,
    payload: Value,
    read: Reader,
}

impl Sample {
    fn new<E: DomainEvent>(context: &'static str, description: &'static str, event: E) -> Self {
        Self {
            context,
            description,
            event_type: event.event_type(),
            schema_version: event.schema_version(),
            payload: event.to_payload(),
            read: read_and_write_back::<E>,
        }
    }

    fn schema(&self) -> EventSchema {
        let fields = match &self.payload {
            Value::Object(fields) => {
                fields.iter().map(|(name, value)| (name.clone(), self.field_kind(name, value))).collect()
            }
            other => panic!("the payload of {} is not a JSON object: {other}", self.event_type),
        };
        EventSchema {
            event_type: self.event_type.to_owned(),
            version: self.schema_version,
            context: self.context.to_owned(),
            description: self.description.to_owned(),
            fields,
        }
    }

    /// The field's kind, marked nullable when the domain reads the sample back with it null.
    fn field_kind(&self, name: &str, value: &Value) -> String {
        let kind = json_kind(value);
        let mut payload_with_null = self.payload.clone();
        payload_with_null[name] = Value::Null;
        let reads_null = (self.read)(self.event_type, self.schema_version, &payload_with_null).is_ok();
        if reads_null && !value.is_null() { format!("{kind}{NULLABLE_SUFFIX}") } else { kind.to_owned() }
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(number) if number.is_i64() || number.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(text) if is_canonical_uuid(text) => "uuid",
        Value::String(text) if DateTime::parse_from_rfc3339(text).is_ok() => "timestamp",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn is_canonical_uuid(text: &str) -> bool {
    Uuid::parse_str(text).is_ok_and(|uuid| uuid.hyphenated().to_string() == text)
}

/// One sample per event variant of every context. Optional fields are filled (`Some`), so
/// that their kind shows; string samples are chosen not to look like a uuid or a time.
///
/// A new variant must get a sample here: `samples_cover_every_event_variant` fails otherwise.
fn samples() -> Vec<Sample> {
    let tenant_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001);
    let user_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0002);
    let mut samples = vec![
        Sample::new(
            tenant::CONTEXT,
            "A tenant was created with a unique slug, optionally under a parent tenant.",
            TenantEvent::TenantCreated(TenantCreated {
                tenant_id,
                slug: "acme".into(),
                name: "Acme Ltd".into(),
                parent_tenant_id: Some(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0003)),
            }),
        ),
        Sample::new(
            user::CONTEXT,
            "A user was created in a tenant with a unique user name, a display name, role ids, an \
             optional organisation unit, an optional e-mail address (reminders reach them there) and the \
             id of their first password credential (the hash stays in the secret store). Version 1 \
             carried built-in role names in `roles`.",
            UserEvent::UserCreated(UserCreated {
                user_id,
                username: "ann".into(),
                display_name: "Ann Lee".into(),
                role_ids: vec![BuiltInRole::Agent.id()],
                org_unit_id: Some(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0006)),
                credential_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0004),
                email: Some("ann@acme.example".into()),
            }),
        ),
        Sample::new(
            user::CONTEXT,
            "A user's password was changed: the event names the new credential in the secret \
             store, never the hash.",
            UserEvent::PasswordChanged(PasswordChanged {
                credential_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0005),
            }),
        ),
        Sample::new(
            user::CONTEXT,
            "A user's display name, roles, organisation unit or e-mail address changed (the new values, \
             all of them; events from before addresses have none).",
            UserEvent::UserUpdated(UserUpdated {
                display_name: "Ann Lee-Wong".into(),
                role_ids: vec![BuiltInRole::Supervisor.id()],
                org_unit_id: Some(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0006)),
                email: Some("ann.wong@acme.example".into()),
            }),
        ),
        Sample::new(
            user::CONTEXT,
            "A log-in with a wrong password; failures in a row lead to a lock-out.",
            UserEvent::LoginFailed(LoginFailed { at: sample_time() }),
        ),
        Sample::new(
            user::CONTEXT,
            "Too many failed log-ins: the user cannot log in until the time given.",
            UserEvent::LockedOut(LockedOut { until: sample_time() }),
        ),
        Sample::new(
            user::CONTEXT,
            "A successful log-in after failures reset the count of failures.",
            UserEvent::FailedLoginsCleared,
        ),
        Sample::new(user::CONTEXT, "An administrator lifted a lock-out.", UserEvent::Unlocked),
        Sample::new(
            user::CONTEXT,
            "Log out everywhere: every session started before the time given ended.",
            UserEvent::SessionsRevoked(SessionsRevoked { at: sample_time() }),
        ),
        Sample::new(
            role::CONTEXT,
            "A tenant defined a role: a name, permissions and data scopes per resource.",
            RoleEvent::RoleCreated(sample_role()),
        ),
        Sample::new(
            role::CONTEXT,
            "A role's definition changed (the whole new definition).",
            RoleEvent::RoleUpdated(sample_role()),
        ),
        Sample::new(
            tenant::CONTEXT,
            "A tenant's settings changed: the organisation name, logo URL, copyright line, public \
             hotline number and website URL that the web app's header and footer show, the support \
             address ticket mail comes from (events from before the address have none) and the IANA time \
             zone mails and exports write times in (empty, and absent in events from before it: UTC).",
            TenantEvent::TenantSettingsUpdated(TenantSettingsUpdated {
                tenant_id,
                organisation_name: "Acme Care".into(),
                logo_url: "https://acme.example/logo.svg".into(),
                copyright: "(c) Acme Ltd".into(),
                hotline_number: "+86 400 123 4567".into(),
                website_url: "https://acme.example".into(),
                support_email: Some("care@acme.example".into()),
                time_zone: Some("Asia/Shanghai".into()),
            }),
        ),
        Sample::new(
            organisation::CONTEXT,
            "An organisation unit (centre, sub-centre, department or team) was created in one \
             dimension (reporting, level or jurisdiction), under a parent of that dimension or as a root.",
            OrganisationEvent::UnitCreated(UnitCreated {
                unit_id: sample_unit_id(),
                parent_id: Some(sample_parent_unit_id()),
                name: "Billing".into(),
                kind: UnitKind::Department,
                dimension: Dimension::Reporting,
            }),
        ),
        Sample::new(
            organisation::CONTEXT,
            "An organisation unit was renamed (with its previous name).",
            OrganisationEvent::UnitRenamed(UnitRenamed {
                unit_id: sample_unit_id(),
                previous_name: "Billing".into(),
                name: "Invoicing".into(),
            }),
        ),
        Sample::new(
            organisation::CONTEXT,
            "An organisation unit moved, with its whole subtree, under another parent of its \
             dimension (null: it became a root).",
            OrganisationEvent::UnitMoved(UnitMoved {
                unit_id: sample_unit_id(),
                previous_parent_id: Some(sample_parent_unit_id()),
                parent_id: Some(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0010)),
            }),
        ),
        Sample::new(
            organisation::CONTEXT,
            "An organisation unit without sub-units was removed (with the name it had).",
            OrganisationEvent::UnitRemoved(UnitRemoved { unit_id: sample_unit_id(), name: "Invoicing".into() }),
        ),
        Sample::new(
            dictionary::CONTEXT,
            "A dictionary (a typed code list) was created with a code unique in the tenant, a name \
             and the type of its entry codes (text, number or boolean).",
            DictionaryEvent::DictionaryCreated(DictionaryCreated {
                dictionary_id: sample_dictionary_id(),
                code: "call_reasons".into(),
                name: "Call reasons".into(),
                value_type: ValueType::Text,
            }),
        ),
        Sample::new(
            dictionary::CONTEXT,
            "A dictionary's entries were replaced by the list given (code, label, sort order, enabled).",
            DictionaryEvent::EntriesSet(EntriesSet {
                dictionary_id: sample_dictionary_id(),
                entries: vec![DictionaryEntry {
                    code: "billing".into(),
                    label: "Billing question".into(),
                    sort_order: 1,
                    enabled: true,
                }],
            }),
        ),
    ];
    samples.extend(acd_samples());
    samples.extend(conversation_samples());
    samples.push(Sample::new(
        chat_widget::CONTEXT,
        "A tenant's web chat widget was configured: its queue, organisation name, colour, logo, intro, \
         welcome line, questions and answers, offline messages and prompt, and default language (all of them).",
        WidgetConfigured {
            settings: WidgetSettings {
                queue_id: Some(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0022)),
                organisation_name: "Acme Care".into(),
                primary_color: "#1677ff".into(),
                logo_url: Some("https://acme.example/logo.svg".into()),
                intro: "We answer within a minute.".into(),
                welcome: "Hello! How can we help?".into(),
                faq: vec![FaqEntry { question: "Opening hours?".into(), answer: "Nine to six.".into() }],
                offline_messages: true,
                offline_prompt: "Leave a message and we will reply.".into(),
                default_language: "zh-CN".into(),
            },
        },
    ));
    samples.extend(customer_samples());
    samples.extend(knowledge_samples());
    samples.extend(webhook_samples());
    samples.extend(telephony_samples());
    samples.extend(call_samples());
    samples.extend(ticket_samples());
    samples
}

/// One sample per ticket event: a type designed and published, and a ticket opened from a
/// chat, moved on by a task, a timer and a service, commented and cancelled.
fn ticket_samples() -> Vec<Sample> {
    let user_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0002);
    let type_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0071);
    let ticket_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0072);
    let conversation_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0073);
    let at = sample_time();
    let form = serde_json::json!({ "type": "default", "components": [
        { "type": "textfield", "key": "subject", "label": "Subject", "validate": { "required": true } },
    ] });
    let bpmn_xml = r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"><bpmn:process id="p"><bpmn:startEvent id="start"/><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="handle"/><bpmn:userTask id="handle" name="Handle"/><bpmn:sequenceFlow id="f2" sourceRef="handle" targetRef="end"/><bpmn:endEvent id="end"/></bpmn:process></bpmn:definitions>"#;
    let workflow = parse_bpmn(bpmn_xml).expect("the sample workflow parses");
    let values = |subject: &str| {
        let mut values = serde_json::Map::new();
        values.insert("subject".into(), Value::from(subject));
        values
    };
    const RULES: &str = "if (values.subject === 'test') error('subject', 'Not a real subject');";
    let handle = Step::TaskActivated {
        token: 1,
        node: "handle".into(),
        candidate: Candidate::User(user_id),
        due_at: None,
        remind_at: None,
    };
    let resumed = |steps| Resumed { ticket_id, token: 2, steps, at };
    vec![
        Sample::new(
            ticket_type::CONTEXT,
            "A ticket type was created with its draft form (a form-js schema); it opens tickets once a workflow \
             is published.",
            TicketTypeEvent::Created(TypeCreated {
                type_id,
                name: "Refund".into(),
                description: "Money back to a customer".into(),
                form: form.clone(),
                at,
            }),
        ),
        Sample::new(
            ticket_type::CONTEXT,
            "A ticket type's draft form was replaced; it takes effect with the next publish.",
            TicketTypeEvent::FormUpdated(FormUpdated { type_id, form: form.clone(), at }),
        ),
        Sample::new(
            ticket_type::CONTEXT,
            "A workflow was published as the type's next version: the BPMN XML as designed, the workflow the \
             engine runs (nodes, flows, conditions, assignees, field access per step) and the form and its \
             rules frozen with it (`rules` absent or null: none). Running tickets keep the version they \
             opened on.",
            TicketTypeEvent::Published(Published {
                type_id,
                version: 1,
                bpmn_xml: bpmn_xml.into(),
                workflow,
                form,
                rules: Some(RULES.into()),
                at,
            }),
        ),
        Sample::new(
            ticket_type::CONTEXT,
            "A ticket type's draft form rules (JavaScript that calculates fields and refuses input, run \
             in the browser and again on the server) were replaced; empty for none. They take effect with \
             the next publish.",
            TicketTypeEvent::RulesUpdated(RulesUpdated { type_id, script: RULES.into(), at }),
        ),
        Sample::new(
            ticket_type::CONTEXT,
            "The secret the type's service tasks sign their calls with (Standard Webhooks) was created or \
             replaced; the old one stops working. The event names where the secret is kept, never the secret.",
            TicketTypeEvent::ServiceSecretRotated(ServiceSecretRotated {
                type_id,
                secret_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_00a7),
                at,
            }),
        ),
        Sample::new(
            ticket_type::CONTEXT,
            "A Word (`docx`) or Excel (`xlsx`) template was added to the type: tickets of it export through \
             it. The file is a blob beside the log (`blob_id`); `placeholders` are the names it uses \
             (`ticket.<part>` and `field.<key>`), read when it was uploaded.",
            TicketTypeEvent::ExportTemplateAdded(ExportTemplateAdded {
                type_id,
                template: ExportTemplate {
                    template_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_00b1),
                    name: "Refund letter".into(),
                    format: TemplateFormat::Docx,
                    blob_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_00b2),
                    file_name: "Refund letter.docx".into(),
                    size: 18_432,
                    placeholders: vec!["ticket.number".into(), "field.amount".into()],
                },
                at,
            }),
        ),
        Sample::new(
            ticket_type::CONTEXT,
            "An export template was removed from the type; its file (`blob_id`) is deleted.",
            TicketTypeEvent::ExportTemplateRemoved(ExportTemplateRemoved {
                type_id,
                template_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_00b1),
                blob_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_00b2),
                at,
            }),
        ),
        Sample::new(
            ticket_type::CONTEXT,
            "A ticket type was renamed or its description changed.",
            TicketTypeEvent::Renamed(Renamed { type_id, name: "Refunds".into(), description: "Money back".into(), at }),
        ),
        Sample::new(
            ticket::CONTEXT,
            "A ticket was opened on a type's published version with its first values, from a conversation or \
             a call or neither; `steps` are the workflow engine's moves up to the first waits (tasks activated \
             with their candidate, gateway choices), recorded so that replay never decides again.",
            TicketEvent::Opened(Opened {
                ticket_id,
                type_id,
                version: 1,
                number: ticket::ticket_number(ticket_id),
                title: "Refund for Vera".into(),
                values: values("Late refund"),
                starter: user_id,
                origin: Some(Origin::Conversation(conversation_id)),
                steps: vec![Step::TokenPassed { token: 0, node: "start".into() }, handle],
                at,
            }),
        ),
        Sample::new(
            ticket::CONTEXT,
            "A user task was completed by its candidate with the values the step let them edit; `steps` are the \
             engine's moves from there (the token resumed under a new id, the next tasks, the end). `by` is the \
             user; when an outside collaborator did it through their mailed link, `by` is the nil id and \
             `collaborator` their address (absent otherwise).",
            TicketEvent::TaskCompleted(TaskCompleted {
                ticket_id,
                token: 1,
                node: "handle".into(),
                by: Uuid::nil(),
                collaborator: Some("supplier@example.com".into()),
                values: values("Refund sent"),
                steps: vec![
                    Step::Resumed { token: 1, node: "handle".into(), next: 2 },
                    Step::TokenEnded { token: 2, node: "end".into() },
                    Step::Finished,
                ],
                at,
            }),
        ),
        Sample::new(
            ticket::CONTEXT,
            "A timer of the ticket's workflow fired at its due time, and the token waiting on it moved on.",
            TicketEvent::TimerFired(resumed(vec![Step::Resumed { token: 2, node: "wait".into(), next: 3 }])),
        ),
        Sample::new(
            ticket::CONTEXT,
            "A service task's signed call to an outside system was answered: `values` are what the answer \
             set (checked against the form; absent for none), and the token waiting on it moved on.",
            TicketEvent::ServiceDone(ServiceReturned {
                ticket_id,
                token: 2,
                values: Some(values("Refund approved by finance")),
                steps: vec![Step::Resumed { token: 2, node: "notify".into(), next: 3 }],
                at,
            }),
        ),
        Sample::new(
            ticket::CONTEXT,
            "Calling a service task failed for good (every retry, or an answer retrying cannot change): \
             `error` says why, `attempts` how many calls were made. The ticket waits there until someone \
             retries.",
            TicketEvent::ServiceFailed(ServiceFailed {
                ticket_id,
                token: 2,
                node: "notify".into(),
                error: "HTTP 503: maintenance".into(),
                attempts: 7,
                at,
            }),
        ),
        Sample::new(
            ticket::CONTEXT,
            "Someone asked for a failed service call to be made again: a new round of calls starts.",
            TicketEvent::ServiceRetried(ServiceRetried { ticket_id, token: 2, node: "notify".into(), by: user_id, at }),
        ),
        Sample::new(
            ticket::CONTEXT,
            "A signed link to the task `token` waits at, valid until `expires_at`, was mailed to its outside \
             collaborator (`address`). `by` is who asked for it again; null when the system sent it as the task \
             started.",
            TicketEvent::LinkSent(LinkSent {
                ticket_id,
                token: 1,
                node: "quote".into(),
                address: "supplier@example.com".into(),
                expires_at: at + chrono::Duration::days(7),
                by: Some(user_id),
                at,
            }),
        ),
        Sample::new(
            ticket::CONTEXT,
            "Someone commented on the ticket.",
            TicketEvent::Commented(Commented { ticket_id, author: user_id, text: "Checked with finance.".into(), at }),
        ),
        Sample::new(
            ticket::CONTEXT,
            "The ticket was cancelled with a reason; its open tasks leave every to-do list.",
            TicketEvent::Cancelled(Cancelled { ticket_id, by: user_id, reason: "Opened twice".into(), at }),
        ),
        Sample::new(
            ticket::CONTEXT,
            "A task's reminder time came (its due time less the step's reminder): whoever may do it \
             (`candidate`) is told, by mail today.",
            TicketEvent::TaskReminded(TaskReminded {
                ticket_id,
                token: 1,
                node: "approve".into(),
                candidate: Candidate::Role(BuiltInRole::Supervisor.id()),
                due_at: at + chrono::Duration::hours(4),
                at,
            }),
        ),
        Sample::new(
            ticket::CONTEXT,
            "A task passed its due time: whoever may do it is told, and so is the step's escalation \
             (`escalated_to`, when it has one).",
            TicketEvent::TaskOverdue(TaskOverdue {
                ticket_id,
                token: 1,
                node: "approve".into(),
                candidate: Candidate::Role(BuiltInRole::Supervisor.id()),
                escalated_to: Some(Candidate::User(user_id)),
                due_at: at,
                at: at + chrono::Duration::minutes(1),
            }),
        ),
        Sample::new(
            ticket::CONTEXT,
            "A mail naming the ticket's number in its subject reached the support address and joined \
             the ticket: its sender, the user that address belongs to (if any), subject, new text and \
             Message-ID (a mail delivered twice joins once).",
            TicketEvent::MailReceived(MailReceived {
                ticket_id,
                from: "ann@acme.example".into(),
                author: Some(user_id),
                subject: format!("Re: [{}] Refund for Vera", ticket::ticket_number(ticket_id)),
                text: "Refund sent, the customer confirmed.".into(),
                message_id: "<c0ffee@acme.example>".into(),
                at,
            }),
        ),
        Sample::new(
            ticket_queries::CONTEXT,
            "A user saved a ticket query (the whole of it): a name, whether it is shared with the tenant, \
             and what it searches for (status, type, text, whose work an open task waits on, deadlines, \
             conditions on form values) with a sort.",
            TicketQueriesEvent::Saved(SavedTicketQuery {
                query_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0074),
                name: "Large refunds due soon".into(),
                owner_id: user_id,
                shared: true,
                body: TicketQuery {
                    status: Some(StatusFilter::Open),
                    type_id: Some(type_id),
                    text: Some("refund".into()),
                    started_by_me: false,
                    waiting_on: Some(WaitingOn::User { user_id }),
                    due: Some(DueFilter::Within { hours: 8 }),
                    conditions: vec![Condition {
                        field: "amount".into(),
                        op: ConditionOp::Between,
                        value: Some("500".into()),
                        value_to: Some("5000".into()),
                    }],
                    sort: Some(TicketSort::Due),
                    sort_descending: false,
                },
            }),
        ),
        Sample::new(
            ticket_queries::CONTEXT,
            "A saved ticket query was deleted by its owner; its id stays theirs.",
            TicketQueriesEvent::Deleted(QueryDeleted {
                query_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0074),
                owner_id: user_id,
            }),
        ),
    ]
}

/// One sample per call event: a call that waited, rang an agent who did not answer, was
/// answered by another, held, transferred, ended and recorded.
fn call_samples() -> Vec<Sample> {
    let call_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0081);
    let leg_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0082);
    let agent_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0021);
    let queue_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0022);
    let consult_leg_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0085);
    let consulted_agent_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0025);
    let at = sample_time();
    let moment = CallMoment { call_id, agent_id, at };
    vec![
        Sample::new(
            call::CONTEXT,
            "A call arrived from a trunk at an access number and waits in the queue the number routes to (the \
             call id is its ACD contact id). The caller's number is sealed with the caller's own key.",
            CallEvent::Arrived(CallArrived {
                call_id,
                trunk_id: Some(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0074)),
                access_number: "+862150001000".into(),
                caller: hotline_domain::customer::Sealed {
                    key_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0083),
                    ciphertext: "c2VhbGVkIG51bWJlcg==".into(),
                },
                queue_id,
                at,
            }),
        ),
        Sample::new(
            call::CONTEXT,
            "The phone of the agent the ACD offered the call to is ringing (one agent leg).",
            CallEvent::AgentRinging(AgentRinging {
                call_id,
                leg_id,
                agent_id,
                extension_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0071),
                at,
            }),
        ),
        Sample::new(
            call::CONTEXT,
            "An agent leg did not connect: `no_answer`, `busy`, `declined` or `unreachable` (no phone registered).",
            CallEvent::AgentLegFailed(AgentLegFailed { call_id, leg_id, agent_id, failure: LegFailure::Busy, at }),
        ),
        Sample::new(
            call::CONTEXT,
            "The agent's phone answered: the legs are bridged. `waited_ms` counts from the arrival, or from the \
             last transfer.",
            CallEvent::Answered(CallAnswered { call_id, leg_id, agent_id, waited_ms: 12_000, at }),
        ),
        Sample::new(call::CONTEXT, "The agent put the caller on hold (music plays).", CallEvent::Held(moment.clone())),
        Sample::new(call::CONTEXT, "The agent took the caller off hold.", CallEvent::Resumed(moment)),
        Sample::new(
            call::CONTEXT,
            "The agent handed the call on to a queue or to an agent; it waits and rings again there.",
            CallEvent::Transferred(CallTransferred {
                call_id,
                from_agent_id: agent_id,
                to: CallTransferTarget::Queue { queue_id },
                at,
            }),
        ),
        Sample::new(
            call::CONTEXT,
            "A call's recording (both directions) was stored, compressed and sealed with a key of its own; \
             the event names it and gives its length and stored size.",
            CallEvent::RecordingStored(RecordingStored {
                call_id,
                recording_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0084),
                duration_ms: 95_000,
                bytes: 700_000,
                at,
            }),
        ),
        Sample::new(
            call::CONTEXT,
            "The call ended: `caller_hung_up` (the customer hung up), `agent_hung_up`, `abandoned` (the caller \
             hung up before any answer), `failed` or `unanswered` (the number an agent called did not answer), \
             with the agent then connected and the time waiting, talking (holds included) and on hold.",
            CallEvent::Ended(CallEnded {
                call_id,
                cause: EndCause::CallerHungUp,
                agent_id: Some(agent_id),
                wait_ms: 12_000,
                talk_ms: 95_000,
                hold_ms: 5_000,
                at,
            }),
        ),
        Sample::new(
            call::CONTEXT,
            "An agent called a number out through a trunk (click to dial), showing `caller_id`; the agent's own \
             phone rings first (an `agent_ringing` follows). The number is sealed with the customer's own key.",
            CallEvent::Dialed(CallDialed {
                call_id,
                agent_id,
                trunk_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0074),
                caller_id: "+862150001000".into(),
                callee: hotline_domain::customer::Sealed {
                    key_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0083),
                    ciphertext: "c2VhbGVkIG51bWJlcg==".into(),
                },
                at,
            }),
        ),
        Sample::new(
            call::CONTEXT,
            "The customer an agent called out to answered: the call is connected. `waited_ms` counts from the dial.",
            CallEvent::CalleeAnswered(CalleeAnswered { call_id, agent_id, waited_ms: 14_000, at }),
        ),
        Sample::new(
            call::CONTEXT,
            "The customer an agent called out to did not answer: `no_answer`, `busy`, `declined` or `unreachable`; \
             the call then ends `unanswered`.",
            CallEvent::CalleeFailed(CalleeFailed { call_id, agent_id, failure: LegFailure::NoAnswer, at }),
        ),
        Sample::new(
            call::CONTEXT,
            "The connected agent (`agent_id`) consults another agent (attended transfer, step one), the caller \
             on hold: the consulted agent's phone rings on leg `leg_id`.",
            CallEvent::ConsultStarted(ConsultStarted {
                call_id,
                leg_id: consult_leg_id,
                agent_id,
                consulted_agent_id,
                extension_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0086),
                at,
            }),
        ),
        Sample::new(
            call::CONTEXT,
            "The consulted agent's phone answered: the two agents talk, the caller on hold.",
            CallEvent::ConsultAnswered(ConsultAnswered { call_id, leg_id: consult_leg_id, consulted_agent_id, at }),
        ),
        Sample::new(
            call::CONTEXT,
            "The consultation ended without a transfer: cancelled or hung up by either agent (`failure` null), or \
             the consulted phone did not connect (`no_answer`, `busy`, `declined` or `unreachable`). The first \
             agent has the caller again.",
            CallEvent::ConsultEnded(ConsultEnded {
                call_id,
                leg_id: consult_leg_id,
                consulted_agent_id,
                failure: Some(LegFailure::NoAnswer),
                at,
            }),
        ),
        Sample::new(
            call::CONTEXT,
            "Attended transfer completed: the consulted agent (`to_agent_id`) takes the call over at once, the \
             hold ends and talk time runs on.",
            CallEvent::ConsultCompleted(ConsultCompleted {
                call_id,
                leg_id: consult_leg_id,
                from_agent_id: agent_id,
                to_agent_id: consulted_agent_id,
                at,
            }),
        ),
    ]
}

/// One sample per ACD event (a routing scope of one agent, one queue and one contact).
fn acd_samples() -> Vec<Sample> {
    let agent_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0021);
    let queue_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0022);
    let overflow_queue_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0023);
    let contact_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0024);
    let other_agent_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0025);
    let at = sample_time();
    let later = at + chrono::Duration::seconds(30);
    let profile = AgentProfile {
        agent_id,
        capacity: Map::from([(Channel::Voice, 1), (Channel::Chat, 3)]),
        skills: Map::from([("billing".to_owned(), 7)]),
        queue_ids: [queue_id].into(),
    };
    let answered = OfferAnswered { contact_id, agent_id, at };
    vec![
        Sample::new(
            acd::CONTEXT,
            "An agent joined the ACD (offline) with capacity per channel, skills with levels (1 to 10) and queues.",
            AcdEvent::AgentRegistered(AgentRegistered { agent: profile.clone(), at }),
        ),
        Sample::new(
            acd::CONTEXT,
            "An agent's capacity, skills or queues changed (the new profile, all of it).",
            AcdEvent::AgentUpdated(AgentRegistered { agent: profile, at }),
        ),
        Sample::new(
            acd::CONTEXT,
            "An agent's presence changed (offline, available, not ready or break with a reason, busy, \
             after-call work); an offer that timed out sets the agent not ready, \"missed offer\".",
            AcdEvent::AgentPresenceChanged(AgentPresenceChanged {
                agent_id,
                previous: Presence::Available,
                presence: Presence::Break { reason: "lunch".into() },
                at,
            }),
        ),
        Sample::new(
            acd::CONTEXT,
            "A queue was defined or redefined: routing strategy, required skill, customer priority, sticky \
             agent timeout, overflow and offer timeout.",
            AcdEvent::QueueDefined(QueueDefined {
                queue: QueueDefinition {
                    queue_id,
                    name: "Billing".into(),
                    strategy: RoutingStrategy::SkillLevel,
                    required_skill: Some(SkillRequirement { skill: "billing".into(), minimum_level: 3 }),
                    customer_priority: true,
                    sticky_agent_seconds: Some(60),
                    overflow: Some(Overflow { after_seconds: 120, to_queue_id: overflow_queue_id }),
                    offer_timeout_seconds: 20,
                },
                at,
            }),
        ),
        Sample::new(
            acd::CONTEXT,
            "A contact of any channel was queued with its customer priority; it may wait for the customer's \
             last agent until a time, and overflows at a time into another queue.",
            AcdEvent::ContactQueued(ContactQueued {
                contact_id,
                channel: Channel::Chat,
                queue_id,
                priority: 9,
                customer_key: Some("customer 42".into()),
                reserved_for: Some(agent_id),
                reserved_until: Some(later),
                overflow_at: Some(later),
                overflow_to_queue_id: Some(overflow_queue_id),
                at,
            }),
        ),
        Sample::new(
            acd::CONTEXT,
            "A contact was offered to an agent until a time, with the reason: the rule that chose the agent \
             and the facts it weighed (strategy, idle since, load, skill level, priority, queued at).",
            AcdEvent::ContactOffered(ContactOffered {
                contact_id,
                agent_id,
                queue_id,
                channel: Channel::Chat,
                expires_at: later,
                reason: OfferReason {
                    rule: OfferRule::StickyAgent,
                    strategy: RoutingStrategy::SkillLevel,
                    agent_idle_since: at,
                    agent_load: 1,
                    skill_level: Some(7),
                    contact_priority: 9,
                    contact_queued_at: at,
                },
                at,
            }),
        ),
        Sample::new(
            acd::CONTEXT,
            "The agent accepted the offer: the contact is theirs.",
            AcdEvent::OfferAccepted(answered.clone()),
        ),
        Sample::new(
            acd::CONTEXT,
            "The agent rejected the offer: the contact waits again and goes to another agent first.",
            AcdEvent::OfferRejected(answered.clone()),
        ),
        Sample::new(
            acd::CONTEXT,
            "The offer expired unanswered: the contact waits again and goes to another agent first.",
            AcdEvent::OfferTimedOut(answered),
        ),
        Sample::new(
            acd::CONTEXT,
            "A contact stopped waiting for the customer's last agent: any agent of the queue may take it.",
            AcdEvent::StickyWaitEnded(StickyWaitEnded { contact_id, agent_id, at }),
        ),
        Sample::new(
            acd::CONTEXT,
            "A contact waited its queue's overflow time and moved to the overflow queue.",
            AcdEvent::ContactOverflowed(ContactOverflowed {
                contact_id,
                from_queue_id: queue_id,
                to_queue_id: overflow_queue_id,
                reserved_for: Some(agent_id),
                reserved_until: Some(later),
                overflow_at: Some(later),
                overflow_to_queue_id: Some(queue_id),
                at,
            }),
        ),
        Sample::new(
            acd::CONTEXT,
            "The agent finished the contact: its capacity is free again.",
            AcdEvent::ContactFinished(ContactFinished { contact_id, agent_id, at }),
        ),
        Sample::new(
            acd::CONTEXT,
            "The customer left before an agent accepted (the agent it was offered to, if any).",
            AcdEvent::ContactAbandoned(ContactAbandoned { contact_id, queue_id, agent_id: Some(agent_id), at }),
        ),
        Sample::new(
            acd::CONTEXT,
            "An agent handed an assigned contact on, to a queue or to a named agent: it waits again in a queue, \
             reserved for that agent until a time, and overflows at a time into another queue.",
            AcdEvent::ContactTransferred(ContactTransferred {
                contact_id,
                from_agent_id: agent_id,
                to: TransferTarget::Agent { agent_id: other_agent_id },
                queue_id,
                reserved_for: Some(other_agent_id),
                reserved_until: Some(later),
                overflow_at: Some(later),
                overflow_to_queue_id: Some(overflow_queue_id),
                at,
            }),
        ),
        Sample::new(
            acd::CONTEXT,
            "An attended transfer completed: the assigned contact moved at once, without queueing, from its agent \
             to the agent they consulted, whatever that agent's presence or load; it stays in its queue.",
            AcdEvent::ContactHandedOver(ContactHandedOver {
                contact_id,
                queue_id,
                channel: Channel::Voice,
                from_agent_id: agent_id,
                to_agent_id: other_agent_id,
                at,
            }),
        ),
    ]
}

/// One sample per conversation event (one web chat from its start to its rating).
fn conversation_samples() -> Vec<Sample> {
    let conversation_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0031);
    let queue_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0022);
    let agent_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0021);
    let other_agent_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0025);
    let at = sample_time();
    vec![
        Sample::new(
            conversation::CONTEXT,
            "A customer started a conversation on a text channel, in a queue, with a priority and what they \
             said about themselves (visitor id, name, email, phone, language).",
            ConversationEvent::Started(Started {
                conversation_id,
                channel: Channel::Chat,
                queue_id,
                visitor: Visitor {
                    visitor_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0032),
                    name: Some("Wang Fang".into()),
                    email: Some("fang@example.com".into()),
                    phone: Some("+86 138 0013 8000".into()),
                    language: Some("zh-CN".into()),
                },
                priority: 9,
                at,
            }),
        ),
        Sample::new(
            conversation::CONTEXT,
            "A message was posted in a conversation by the visitor, an agent or the system, numbered from 1 \
             with no gap, with the client's own id, text, a stored file or both.",
            ConversationEvent::MessagePosted(MessagePosted {
                conversation_id,
                seq: 1,
                client_id: "message 7".into(),
                author: Author::Agent { agent_id },
                text: Some("Your invoice is attached.".into()),
                attachment: Some(Attachment {
                    attachment_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0033),
                    name: "invoice.pdf".into(),
                    content_type: "application/pdf".into(),
                    size: 48_213,
                }),
                at,
            }),
        ),
        Sample::new(
            conversation::CONTEXT,
            "An agent accepted the conversation's offer from the ACD: the conversation is theirs.",
            ConversationEvent::Assigned(Assigned { conversation_id, agent_id, at }),
        ),
        Sample::new(
            conversation::CONTEXT,
            "The conversation's agent handed it on, to a queue or to another agent: it waits again.",
            ConversationEvent::Transferred(Transferred {
                conversation_id,
                from_agent_id: agent_id,
                to_queue_id: Some(queue_id),
                to_agent_id: Some(other_agent_id),
                at,
            }),
        ),
        Sample::new(
            conversation::CONTEXT,
            "The conversation was closed by the visitor, its agent (with a disposition code) or the system, \
             with the agent who had it, if any.",
            ConversationEvent::Closed(Closed {
                conversation_id,
                by: ClosedBy::Agent { agent_id },
                disposition: Some("resolved".into()),
                agent_id: Some(agent_id),
                at,
            }),
        ),
        Sample::new(
            conversation::CONTEXT,
            "The visitor rated the closed conversation, 1 to 5, with an optional comment.",
            ConversationEvent::Rated(Rated {
                conversation_id,
                score: 5,
                comment: Some("Quick and friendly.".into()),
                at,
            }),
        ),
    ]
}

/// One sample per customer event: a profile, the tenant's fields and a saved query.
fn customer_samples() -> Vec<Sample> {
    let user_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0002);
    let customer_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0041);
    let key_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0042);
    let query_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0043);
    let at = sample_time();
    let profile =
        |ciphertext: &str| ProfileSealed { customer_id, sealed: Sealed { key_id, ciphertext: ciphertext.into() }, at };
    vec![
        Sample::new(
            customer::CONTEXT,
            "A customer was created: the profile's values (built-in and tenant-defined fields) are sealed \
             with the customer's own key, and the event carries only the sealed form and the key's id.",
            CustomerEvent::Created(profile("bm9uY2UgYW5kIGNpcGhlcnRleHQ=")),
        ),
        Sample::new(
            customer::CONTEXT,
            "A customer's profile changed: the new values, all of them, sealed with the customer's own key.",
            CustomerEvent::Updated(profile("YW5vdGhlciBub25jZSBhbmQgY2lwaGVydGV4dA==")),
        ),
        Sample::new(
            customer::CONTEXT,
            "A customer was forgotten: their key (named here) was destroyed, so the personal data sealed \
             with it in earlier events can no longer be read, and the read models drop it.",
            CustomerEvent::Forgotten(Forgotten { customer_id, key_id, at }),
        ),
        Sample::new(
            customer::FIELDS_CONTEXT,
            "A tenant defined its own customer fields (key, label, type, required, length, enabled, sort \
             order), the whole list; a key keeps its type for ever.",
            FieldsDefined {
                fields: vec![FieldDefinition {
                    key: "vip_level".into(),
                    label: "VIP level".into(),
                    field_type: FieldType::Number,
                    required: false,
                    max_length: Some(10),
                    enabled: true,
                    sort_order: 1,
                }],
            },
        ),
        Sample::new(
            customer::QUERIES_CONTEXT,
            "A user saved a customer query (the whole of it): a name, the conditions on customer fields that \
             must all hold, a sort, and whether it is shared with the tenant.",
            SavedQueriesEvent::Saved(SavedQuery {
                query_id,
                name: "VIP customers".into(),
                owner_id: user_id,
                shared: true,
                body: CustomerQuery {
                    conditions: vec![Condition {
                        field: "vip_level".into(),
                        op: ConditionOp::Between,
                        value: Some("3".into()),
                        value_to: Some("9".into()),
                    }],
                    sort_field: Some("name".into()),
                    sort_descending: false,
                },
            }),
        ),
        Sample::new(
            customer::QUERIES_CONTEXT,
            "A saved customer query was deleted by its owner; its id stays theirs.",
            SavedQueriesEvent::Deleted(QueryDeleted { query_id, owner_id: user_id }),
        ),
    ]
}

/// One sample per knowledge event: an article, the category tree, a template, a reader and
/// a search that found nothing.
fn knowledge_samples() -> Vec<Sample> {
    let user_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0002);
    let article_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0051);
    let category_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0052);
    let template_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0053);
    let blob_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0054);
    let at = sample_time();
    let reader = ReaderArticle { user_id, article_id, at };
    vec![
        Sample::new(
            knowledge_article::CONTEXT,
            "A knowledge article was written: created (revision 1) or revised as a whole, a draft or published, \
             with its category, title, keywords, summary, sanitised HTML body, attachments (documents with the \
             blob of their extracted text, audio, files) and quiz questions.",
            ArticleEvent::Written(ArticleWritten {
                article_id,
                revision: 1,
                content: ArticleContent {
                    category_id: Some(category_id),
                    title: "退款流程 Refund process".into(),
                    keywords: vec!["退款".into(), "refund".into()],
                    summary: "How a refund is requested and how long it takes.".into(),
                    body_html: "<p>Refunds reach the card in 3 working days.</p>".into(),
                    attachments: vec![KnowledgeAttachment {
                        blob_id,
                        name: "refund-policy.pdf".into(),
                        content_type: "application/pdf".into(),
                        size: 48_213,
                        kind: AttachmentKind::Document,
                        text_blob_id: Some(Uuid::new_v5(&blob_id, b"text")),
                        text_chars: 5_120,
                    }],
                    quiz: vec![QuizQuestion {
                        question_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0055),
                        text: "How long does a refund take?".into(),
                        options: vec!["1 day".into(), "3 working days".into()],
                        correct_options: vec![1],
                        explanation: "See the first paragraph.".into(),
                    }],
                    published: true,
                },
                at,
            }),
        ),
        Sample::new(
            knowledge_article::CONTEXT,
            "A knowledge article was deleted: readers and search no longer find it.",
            ArticleEvent::Deleted(ArticleDeleted { article_id, at }),
        ),
        Sample::new(
            knowledge_article::CONTEXT,
            "A published article was pushed to users' knowledge inboxes, with a note.",
            ArticleEvent::Pushed(ArticlePushed {
                article_id,
                user_ids: vec![user_id],
                note: "New policy from today.".into(),
                at,
            }),
        ),
        Sample::new(
            knowledge_categories::CONTEXT,
            "A tenant's knowledge category tree was saved, the whole of it (ids, parents, names, sort order).",
            CategoriesDefined {
                categories: vec![Category { category_id, parent_id: None, name: "Billing".into(), sort_order: 1 }],
                at,
            },
        ),
        Sample::new(
            knowledge_templates::CONTEXT,
            "A knowledge article template was created or replaced: its name and sanitised HTML body.",
            TemplatesEvent::Saved(Template {
                template_id,
                name: "Question and answer".into(),
                body_html: "<h2>Question</h2><p></p><h2>Answer</h2><p></p>".into(),
                at,
            }),
        ),
        Sample::new(
            knowledge_templates::CONTEXT,
            "A knowledge article template was deleted.",
            TemplatesEvent::Deleted(TemplateDeleted { template_id, at }),
        ),
        Sample::new(
            knowledge_reader::CONTEXT,
            "A reader marked an article as a favourite.",
            ReaderEvent::Favourited(reader.clone()),
        ),
        Sample::new(
            knowledge_reader::CONTEXT,
            "A reader took an article off their favourites.",
            ReaderEvent::Unfavourited(reader.clone()),
        ),
        Sample::new(
            knowledge_reader::CONTEXT,
            "A reader opened an article pushed to them.",
            ReaderEvent::PushRead(reader),
        ),
        Sample::new(
            knowledge_gaps::CONTEXT,
            "A knowledge search found nothing (the query normalised: trimmed, lower case, single spaces); a \
             reader repeating it within 30 minutes is not recorded again.",
            GapsEvent::SearchMissed(SearchMissed { query: "lost card abroad".into(), user_id, at }),
        ),
        Sample::new(
            knowledge_gaps::CONTEXT,
            "A query on the knowledge-to-add list was answered by an article, or dismissed (no article).",
            GapsEvent::Resolved(GapResolved { query: "lost card abroad".into(), article_id: Some(article_id), at }),
        ),
    ]
}

/// One sample per webhook endpoint event. The secret itself is never in the log: only its id.
fn webhook_samples() -> Vec<Sample> {
    let endpoint_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0061);
    let secret_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0062);
    let settings = EndpointSettings {
        url: "https://crm.example.com/hotline/webhooks".into(),
        event_types: vec!["hotline.conversation.*".into(), "hotline.user.created".into()],
        description: "CRM sync".into(),
    };
    vec![
        Sample::new(
            webhook::CONTEXT,
            "A webhook endpoint was registered: the URL that receives the tenant's events, the event-type filter \
             (exact types or `hotline.<context>.*`; empty takes every event), a description, and the id of its \
             signing secret in the secret store (never the secret).",
            WebhookEvent::Registered(EndpointRegistered { endpoint_id, settings: settings.clone(), secret_id }),
        ),
        Sample::new(
            webhook::CONTEXT,
            "A webhook endpoint's URL, filter or description was changed (the whole settings).",
            WebhookEvent::Updated(EndpointUpdated { endpoint_id, settings }),
        ),
        Sample::new(
            webhook::CONTEXT,
            "A webhook endpoint was disabled, by an administrator (`administrator`) or because its receiver \
             answered 410 Gone (`gone`): no new events are delivered to it.",
            WebhookEvent::Disabled(EndpointDisabled { endpoint_id, reason: "gone".into() }),
        ),
        Sample::new(
            webhook::CONTEXT,
            "A disabled webhook endpoint was enabled again.",
            WebhookEvent::Enabled(EndpointRef { endpoint_id }),
        ),
        Sample::new(
            webhook::CONTEXT,
            "A webhook endpoint was deleted; its deliveries stop.",
            WebhookEvent::Deleted(EndpointRef { endpoint_id }),
        ),
        Sample::new(
            webhook::CONTEXT,
            "A webhook endpoint's signing secret was replaced; the event names the new secret's id.",
            WebhookEvent::SecretRotated(SecretRotated { endpoint_id, secret_id }),
        ),
    ]
}

/// One sample per telephony directory event. Passwords are never in the log: only their ids.
fn telephony_samples() -> Vec<Sample> {
    let extension_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0071);
    let secret_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0072);
    let user_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0073);
    let trunk_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0074);
    let queue_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0022);
    let music_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0075);
    let trunk = TrunkDefinition {
        trunk_id,
        name: "Carrier A".into(),
        peers: vec!["192.0.2.10".into(), "198.51.100.0/24".into()],
        outbound_address: Some("sip.carrier.example:5060".into()),
        registration: Some(TrunkRegistration {
            registrar: "reg.carrier.example".into(),
            username: "acme".into(),
            secret_id,
        }),
    };
    vec![
        Sample::new(
            telephony::CONTEXT,
            "An extension was provisioned: its number (2 to 8 digits), display name, the user it belongs to \
             (if any) and the id of its SIP password in the secret store (never the password).",
            TelephonyEvent::ExtensionProvisioned(ExtensionProvisioned {
                extension_id,
                number: "8001".into(),
                display_name: "Front desk".into(),
                user_id: Some(user_id),
                secret_id,
            }),
        ),
        Sample::new(
            telephony::CONTEXT,
            "An extension's display name, user or enabled flag changed (all three, as they are now).",
            TelephonyEvent::ExtensionUpdated(ExtensionUpdated {
                extension_id,
                display_name: "Reception".into(),
                user_id: Some(user_id),
                enabled: false,
            }),
        ),
        Sample::new(
            telephony::CONTEXT,
            "An extension's SIP password was replaced; the event names the new password's id.",
            TelephonyEvent::ExtensionPasswordRotated(ExtensionPasswordRotated { extension_id, secret_id }),
        ),
        Sample::new(
            telephony::CONTEXT,
            "An extension was removed; its number is free again.",
            TelephonyEvent::ExtensionRemoved(ExtensionRemoved { extension_id }),
        ),
        Sample::new(
            telephony::CONTEXT,
            "A trunk was defined: its name, the IP addresses or CIDR networks its calls come from, where calls \
             out go (host or host:port), and how Hotline registers with the carrier (registrar, user name and \
             the id of the password in the secret store), if it does.",
            TelephonyEvent::TrunkDefined(trunk.clone()),
        ),
        Sample::new(
            telephony::CONTEXT,
            "A trunk was changed (the whole definition; the registration names the password in force).",
            TelephonyEvent::TrunkUpdated(trunk),
        ),
        Sample::new(
            telephony::CONTEXT,
            "A trunk was removed.",
            TelephonyEvent::TrunkRemoved(TrunkRemoved { trunk_id }),
        ),
        Sample::new(
            telephony::CONTEXT,
            "An access number (1 to 32 digits, optionally led by +) was assigned: calls to it wait in the \
             queue named; when a trunk is named, only calls arriving on that trunk.",
            TelephonyEvent::AccessNumberAssigned(AccessNumberAssigned {
                number: "+4930123456".into(),
                queue_id,
                trunk_id: Some(trunk_id),
                description: "Sales line".into(),
            }),
        ),
        Sample::new(
            telephony::CONTEXT,
            "An access number was released; calls to it are no longer taken.",
            TelephonyEvent::AccessNumberReleased(AccessNumberReleased { number: "+4930123456".into() }),
        ),
        Sample::new(
            telephony::CONTEXT,
            "A music file for waiting and held callers was added: its name and length; its samples (μ-law, \
             8 kHz) are the blob with the file's id.",
            TelephonyEvent::MusicAdded(MusicAdded { music_id, name: "Spring waltz".into(), duration_ms: 30_000 }),
        ),
        Sample::new(
            telephony::CONTEXT,
            "A queue's callers now hear this music while they wait or are held (no music id: the built-in chime).",
            TelephonyEvent::QueueMusicSet(QueueMusicSet { queue_id, music_id: Some(music_id) }),
        ),
        Sample::new(
            telephony::CONTEXT,
            "A music file was removed (no queue played it).",
            TelephonyEvent::MusicRemoved(MusicRemoved { music_id }),
        ),
    ]
}

fn sample_unit_id() -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0008)
}

fn sample_parent_unit_id() -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0009)
}

fn sample_dictionary_id() -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0011)
}

fn sample_time() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_micros(1_790_000_000_000_000).expect("a valid time")
}

fn sample_role() -> RoleDefinition {
    RoleDefinition {
        role_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0007),
        name: "Night shift".into(),
        description: "Agents of the night shift".into(),
        permissions: vec!["menu.workbench".into(), "softphone".into()],
        data_scopes: Map::from([("users".to_owned(), DataScope::OwnDepartment)]),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::PathBuf;

    use super::*;

    /// The `<context>` of `hotline.<context>.<event>`, if the name has that shape.
    fn context_of_type_name(event_type: &str) -> Option<&str> {
        let rest = event_type.strip_prefix("hotline.")?;
        let (context, event) = rest.split_once('.')?;
        let is_snake_case = |word: &str| {
            word.starts_with(|first: char| first.is_ascii_lowercase())
                && !word.ends_with('_')
                && !word.contains("__")
                && word.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_')
        };
        (is_snake_case(context) && is_snake_case(event)).then_some(context)
    }

    /// The distinct type names of a set of catalogued events (for messages and checks).
    fn type_names(catalogue: &Catalogue) -> BTreeSet<&str> {
        catalogue.events.iter().map(|event| event.event_type.as_str()).collect()
    }

    const UPDATE_VARIABLE: &str = "HOTLINE_UPDATE_SCHEMAS";
    const UPCASTER_HINT: &str = "bump the schema version and add an upcaster instead";

    fn checked_in_path() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("events.json")
    }

    fn update_requested() -> bool {
        std::env::var(UPDATE_VARIABLE).is_ok_and(|value| value == "1")
    }

    /// The checked-in catalogue, or `None` when there is no file yet.
    fn checked_in() -> Option<(String, Catalogue)> {
        let text = match std::fs::read_to_string(checked_in_path()) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return None,
            Err(error) => panic!("cannot read {}: {error}", checked_in_path().display()),
        };
        let published = serde_json::from_str(&text).unwrap_or_else(|error| {
            panic!(
                "{} is not a catalogue ({error}); regenerate it with {UPDATE_VARIABLE}=1 cargo test -p hotline-schemas",
                checked_in_path().display()
            )
        });
        Some((text, published))
    }

    fn breaking_change_report(changes: &[BreakingChange]) -> String {
        let list: Vec<String> = changes.iter().map(|change| format!("  - {change}")).collect();
        format!(
            "breaking change to the published event catalogue:\n{}\nevents already in the log keep their shape: {UPCASTER_HINT}",
            list.join("\n")
        )
    }

    /// Rewrites the file atomically, so a test reading it at the same time sees old or new.
    fn write_checked_in(text: &str) {
        let temporary = checked_in_path().with_extension("json.tmp");
        std::fs::write(&temporary, text).expect("write the new catalogue");
        std::fs::rename(&temporary, checked_in_path()).expect("replace events.json");
    }

    #[test]
    fn catalogue_matches_checked_in_file() {
        let generated = catalogue();
        let generated_text = generated.to_json_text();
        let checked_in = checked_in();
        if let Some((text, _)) = &checked_in
            && *text == generated_text
        {
            return;
        }
        if update_requested() {
            if let Some((_, published)) = &checked_in {
                let changes = breaking_changes(published, &generated);
                assert!(changes.is_empty(), "{}", breaking_change_report(&changes));
            }
            write_checked_in(&generated_text);
            return;
        }
        let published = checked_in.map(|(_, published)| published);
        panic!(
            "schemas/events.json is not the catalogue this build generates; types that differ: {:?}\n\
             generated catalogue:\n{generated_text}\n\
             if the change is intended and compatible, rewrite the file with \
             {UPDATE_VARIABLE}=1 cargo test -p hotline-schemas and commit it",
            differing_types(published.as_ref(), &generated),
        );
    }

    /// The type names whose entries differ (added, removed or changed); empty when only the
    /// note or the layout of the file differs.
    fn differing_types<'a>(published: Option<&'a Catalogue>, generated: &'a Catalogue) -> BTreeSet<&'a str> {
        let published_types = published.map(type_names).unwrap_or_default();
        published_types
            .union(&type_names(generated))
            .copied()
            .filter(|event_type| {
                published.and_then(|published| published.event(event_type)) != generated.event(event_type)
            })
            .collect()
    }

    #[test]
    fn no_breaking_change() {
        let Some((_, published)) = checked_in() else {
            panic!("schemas/events.json is missing; create it with {UPDATE_VARIABLE}=1 cargo test -p hotline-schemas");
        };
        let changes = breaking_changes(&published, &catalogue());
        assert!(changes.is_empty(), "{}", breaking_change_report(&changes));
    }

    #[test]
    fn every_catalogued_type_reads_back_with_from_stored() {
        for sample in samples() {
            let read = (sample.read)(sample.event_type, sample.schema_version, &sample.payload)
                .unwrap_or_else(|error| panic!("{} cannot be read back: {error}", sample.event_type));
            assert_eq!(read, sample.payload, "{} reads back differently", sample.event_type);
        }
    }

    #[test]
    fn every_version_up_to_the_current_one_has_a_reader() {
        // Events of every version ever written stay in the log, so each older version needs
        // an upcaster. The payload may be refused as malformed, but the version must be known.
        for sample in samples() {
            for version in 1..=sample.schema_version {
                match (sample.read)(sample.event_type, version, &sample.payload) {
                    Err(error @ (UpcastError::UnknownType(_) | UpcastError::UnknownVersion { .. })) => {
                        panic!("{} v{version} has no reader: {error}", sample.event_type)
                    }
                    Ok(_) | Err(UpcastError::BadPayload { .. }) => {}
                }
            }
        }
    }

    #[test]
    fn type_names_are_hotline_context_snake_case() {
        let generated = catalogue();
        for event in &generated.events {
            let context = context_of_type_name(&event.event_type);
            assert_eq!(
                context,
                Some(event.context.as_str()),
                "{} must be named hotline.{}.<snake_case>",
                event.event_type,
                event.context
            );
        }
        assert_eq!(type_names(&generated).len(), generated.events.len(), "two variants share a type name");
        assert_eq!(context_of_type_name("hotline.user.password_changed"), Some("user"));
        for bad in
            ["hotline.user", "hotline.User.created", "acme.user.created", "hotline.user.created_", "hotline.user.a.b"]
        {
            assert_eq!(context_of_type_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn samples_cover_every_event_variant() {
        // The matches are exhaustive on purpose: a new variant stops this test compiling until
        // it has an index here, and then fails it until it has a sample in `samples()`.
        let mut tenant_variants = [false; 2];
        let mut organisation_variants = [false; 4];
        let mut dictionary_variants = [false; 2];
        let mut user_variants = [false; 8];
        let mut role_variants = [false; 2];
        let mut acd_variants = [false; 15];
        let mut conversation_variants = [false; 6];
        let mut chat_widget_variants = [false; 1];
        let mut customer_variants = [false; 3];
        let mut customer_fields_variants = [false; 1];
        let mut customer_queries_variants = [false; 2];
        let mut knowledge_variants = [false; 11];
        let mut webhook_variants = [false; 6];
        let mut telephony_variants = [false; 12];
        let mut call_variants = [false; 16];
        for sample in samples() {
            let (event_type, version, payload) = (sample.event_type, sample.schema_version, &sample.payload);
            if let Ok(event) = TenantEvent::from_stored(event_type, version, payload) {
                match event {
                    TenantEvent::TenantCreated(_) => tenant_variants[0] = true,
                    TenantEvent::TenantSettingsUpdated(_) => tenant_variants[1] = true,
                }
            }
            if let Ok(event) = UserEvent::from_stored(event_type, version, payload) {
                match event {
                    UserEvent::UserCreated(_) => user_variants[0] = true,
                    UserEvent::PasswordChanged(_) => user_variants[1] = true,
                    UserEvent::UserUpdated(_) => user_variants[2] = true,
                    UserEvent::LoginFailed(_) => user_variants[3] = true,
                    UserEvent::LockedOut(_) => user_variants[4] = true,
                    UserEvent::FailedLoginsCleared => user_variants[5] = true,
                    UserEvent::Unlocked => user_variants[6] = true,
                    UserEvent::SessionsRevoked(_) => user_variants[7] = true,
                }
            }
            if let Ok(event) = OrganisationEvent::from_stored(event_type, version, payload) {
                match event {
                    OrganisationEvent::UnitCreated(_) => organisation_variants[0] = true,
                    OrganisationEvent::UnitRenamed(_) => organisation_variants[1] = true,
                    OrganisationEvent::UnitMoved(_) => organisation_variants[2] = true,
                    OrganisationEvent::UnitRemoved(_) => organisation_variants[3] = true,
                }
            }
            if let Ok(event) = DictionaryEvent::from_stored(event_type, version, payload) {
                match event {
                    DictionaryEvent::DictionaryCreated(_) => dictionary_variants[0] = true,
                    DictionaryEvent::EntriesSet(_) => dictionary_variants[1] = true,
                }
            }
            if let Ok(event) = AcdEvent::from_stored(event_type, version, payload) {
                let index = match event {
                    AcdEvent::AgentRegistered(_) => 0,
                    AcdEvent::AgentUpdated(_) => 1,
                    AcdEvent::AgentPresenceChanged(_) => 2,
                    AcdEvent::QueueDefined(_) => 3,
                    AcdEvent::ContactQueued(_) => 4,
                    AcdEvent::ContactOffered(_) => 5,
                    AcdEvent::OfferAccepted(_) => 6,
                    AcdEvent::OfferRejected(_) => 7,
                    AcdEvent::OfferTimedOut(_) => 8,
                    AcdEvent::StickyWaitEnded(_) => 9,
                    AcdEvent::ContactOverflowed(_) => 10,
                    AcdEvent::ContactFinished(_) => 11,
                    AcdEvent::ContactAbandoned(_) => 12,
                    AcdEvent::ContactTransferred(_) => 13,
                    AcdEvent::ContactHandedOver(_) => 14,
                };
                acd_variants[index] = true;
            }
            if let Ok(event) = ConversationEvent::from_stored(event_type, version, payload) {
                let index = match event {
                    ConversationEvent::Started(_) => 0,
                    ConversationEvent::MessagePosted(_) => 1,
                    ConversationEvent::Assigned(_) => 2,
                    ConversationEvent::Transferred(_) => 3,
                    ConversationEvent::Closed(_) => 4,
                    ConversationEvent::Rated(_) => 5,
                };
                conversation_variants[index] = true;
            }
            if let Ok(event) = WidgetConfigured::from_stored(event_type, version, payload) {
                // A struct, not an enum: this stops compiling if it ever grows variants.
                let WidgetConfigured { .. } = event;
                chat_widget_variants[0] = true;
            }
            if let Ok(event) = CustomerEvent::from_stored(event_type, version, payload) {
                let index = match event {
                    CustomerEvent::Created(_) => 0,
                    CustomerEvent::Updated(_) => 1,
                    CustomerEvent::Forgotten(_) => 2,
                };
                customer_variants[index] = true;
            }
            if let Ok(event) = FieldsDefined::from_stored(event_type, version, payload) {
                // A struct, not an enum: this stops compiling if it ever grows variants.
                let FieldsDefined { .. } = event;
                customer_fields_variants[0] = true;
            }
            if let Ok(event) = SavedQueriesEvent::from_stored(event_type, version, payload) {
                let index = match event {
                    SavedQueriesEvent::Saved(_) => 0,
                    SavedQueriesEvent::Deleted(_) => 1,
                };
                customer_queries_variants[index] = true;
            }
            if let Ok(event) = ArticleEvent::from_stored(event_type, version, payload) {
                let index = match event {
                    ArticleEvent::Written(_) => 0,
                    ArticleEvent::Deleted(_) => 1,
                    ArticleEvent::Pushed(_) => 2,
                };
                knowledge_variants[index] = true;
            }
            if let Ok(event) = CategoriesDefined::from_stored(event_type, version, payload) {
                // A struct, not an enum: this stops compiling if it ever grows variants.
                let CategoriesDefined { .. } = event;
                knowledge_variants[3] = true;
            }
            if let Ok(event) = TemplatesEvent::from_stored(event_type, version, payload) {
                let index = match event {
                    TemplatesEvent::Saved(_) => 4,
                    TemplatesEvent::Deleted(_) => 5,
                };
                knowledge_variants[index] = true;
            }
            if let Ok(event) = ReaderEvent::from_stored(event_type, version, payload) {
                let index = match event {
                    ReaderEvent::Favourited(_) => 6,
                    ReaderEvent::Unfavourited(_) => 7,
                    ReaderEvent::PushRead(_) => 8,
                };
                knowledge_variants[index] = true;
            }
            if let Ok(event) = GapsEvent::from_stored(event_type, version, payload) {
                let index = match event {
                    GapsEvent::SearchMissed(_) => 9,
                    GapsEvent::Resolved(_) => 10,
                };
                knowledge_variants[index] = true;
            }
            if let Ok(event) = WebhookEvent::from_stored(event_type, version, payload) {
                let index = match event {
                    WebhookEvent::Registered(_) => 0,
                    WebhookEvent::Updated(_) => 1,
                    WebhookEvent::Disabled(_) => 2,
                    WebhookEvent::Enabled(_) => 3,
                    WebhookEvent::Deleted(_) => 4,
                    WebhookEvent::SecretRotated(_) => 5,
                };
                webhook_variants[index] = true;
            }
            if let Ok(event) = TelephonyEvent::from_stored(event_type, version, payload) {
                let index = match event {
                    TelephonyEvent::ExtensionProvisioned(_) => 0,
                    TelephonyEvent::ExtensionUpdated(_) => 1,
                    TelephonyEvent::ExtensionPasswordRotated(_) => 2,
                    TelephonyEvent::ExtensionRemoved(_) => 3,
                    TelephonyEvent::TrunkDefined(_) => 4,
                    TelephonyEvent::TrunkUpdated(_) => 5,
                    TelephonyEvent::TrunkRemoved(_) => 6,
                    TelephonyEvent::AccessNumberAssigned(_) => 7,
                    TelephonyEvent::AccessNumberReleased(_) => 8,
                    TelephonyEvent::MusicAdded(_) => 9,
                    TelephonyEvent::MusicRemoved(_) => 10,
                    TelephonyEvent::QueueMusicSet(_) => 11,
                };
                telephony_variants[index] = true;
            }
            if let Ok(event) = CallEvent::from_stored(event_type, version, payload) {
                let index = match event {
                    CallEvent::Arrived(_) => 0,
                    CallEvent::AgentRinging(_) => 1,
                    CallEvent::AgentLegFailed(_) => 2,
                    CallEvent::Answered(_) => 3,
                    CallEvent::Held(_) => 4,
                    CallEvent::Resumed(_) => 5,
                    CallEvent::Transferred(_) => 6,
                    CallEvent::RecordingStored(_) => 7,
                    CallEvent::Ended(_) => 8,
                    CallEvent::Dialed(_) => 9,
                    CallEvent::CalleeAnswered(_) => 10,
                    CallEvent::CalleeFailed(_) => 11,
                    CallEvent::ConsultStarted(_) => 12,
                    CallEvent::ConsultAnswered(_) => 13,
                    CallEvent::ConsultEnded(_) => 14,
                    CallEvent::ConsultCompleted(_) => 15,
                };
                call_variants[index] = true;
            }
            if let Ok(event) = RoleEvent::from_stored(event_type, version, payload) {
                match event {
                    RoleEvent::RoleCreated(_) => role_variants[0] = true,
                    RoleEvent::RoleUpdated(_) => role_variants[1] = true,
                }
            }
        }
        assert!(tenant_variants.iter().all(|covered| *covered), "a TenantEvent variant has no sample");
        assert!(organisation_variants.iter().all(|covered| *covered), "an OrganisationEvent variant has no sample");
        assert!(dictionary_variants.iter().all(|covered| *covered), "a DictionaryEvent variant has no sample");
        assert!(user_variants.iter().all(|covered| *covered), "a UserEvent variant has no sample");
        assert!(role_variants.iter().all(|covered| *covered), "a RoleEvent variant has no sample");
        assert!(acd_variants.iter().all(|covered| *covered), "an AcdEvent variant has no sample");
        assert!(conversation_variants.iter().all(|covered| *covered), "a ConversationEvent variant has no sample");
        assert!(chat_widget_variants.iter().all(|covered| *covered), "WidgetConfigured has no sample");
        assert!(customer_variants.iter().all(|covered| *covered), "a CustomerEvent variant has no sample");
        assert!(customer_fields_variants.iter().all(|covered| *covered), "FieldsDefined has no sample");
        assert!(customer_queries_variants.iter().all(|covered| *covered), "a SavedQueriesEvent variant has no sample");
        assert!(knowledge_variants.iter().all(|covered| *covered), "a knowledge event variant has no sample");
        assert!(webhook_variants.iter().all(|covered| *covered), "a webhook event variant has no sample");
        assert!(telephony_variants.iter().all(|covered| *covered), "a telephony event variant has no sample");
        assert!(call_variants.iter().all(|covered| *covered), "a call event variant has no sample");
    }

    #[test]
    fn field_kinds_are_read_off_the_payload_and_options_are_nullable() {
        let generated = catalogue();
        let tenant_created = generated.event(tenant::TENANT_CREATED).unwrap();
        assert_eq!(tenant_created.fields["tenant_id"], "uuid");
        assert_eq!(tenant_created.fields["slug"], "string");
        assert_eq!(tenant_created.fields["parent_tenant_id"], "uuid|null");
        let user_created = generated.event(user::USER_CREATED).unwrap();
        assert_eq!(user_created.fields["role_ids"], "array");
        for event in &generated.events {
            for (field, kind) in &event.fields {
                assert!(!kind.starts_with("null"), "the sample of {} leaves {field} null: fill it", event.event_type);
            }
        }
        assert_eq!(json_kind(&serde_json::json!(3)), "integer");
        assert_eq!(json_kind(&serde_json::json!(0.5)), "number");
        assert_eq!(json_kind(&serde_json::json!(true)), "boolean");
        assert_eq!(json_kind(&serde_json::json!({})), "object");
        assert_eq!(json_kind(&serde_json::json!("2024-05-01T12:00:00.000001Z")), "timestamp");
        assert_eq!(json_kind(&serde_json::json!("0190F1E2-3A4B-7C5D-8E6F-0A1B2C3D4E5F")), "string");
    }

    fn schema(event_type: &str, version: u32, fields: &[(&str, &str)]) -> EventSchema {
        EventSchema {
            event_type: event_type.to_owned(),
            version,
            context: "user".to_owned(),
            description: "a test event".to_owned(),
            fields: fields.iter().map(|(name, kind)| (name.to_string(), kind.to_string())).collect(),
        }
    }

    fn catalogue_of(events: Vec<EventSchema>) -> Catalogue {
        Catalogue { note: CATALOGUE_NOTE.to_owned(), events }
    }

    #[test]
    fn breaking_changes_flags_removed_types_lower_versions_and_changed_fields() {
        let published = catalogue_of(vec![
            schema("hotline.user.created", 2, &[("user_id", "uuid")]),
            schema("hotline.user.renamed", 1, &[("name", "string")]),
            schema("hotline.user.retired", 1, &[]),
            schema("hotline.user.tagged", 1, &[("tag", "string"), ("by", "uuid")]),
        ]);
        let generated = catalogue_of(vec![
            schema("hotline.user.created", 1, &[("user_id", "uuid")]),
            schema("hotline.user.renamed", 1, &[("name", "object"), ("since", "timestamp")]),
            schema("hotline.user.tagged", 1, &[("by", "uuid|null")]),
        ]);
        let messages: Vec<String> = breaking_changes(&published, &generated).iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "hotline.user.created went down from v2 to v1",
                "hotline.user.renamed v1 field \"name\" changed from string to object",
                "hotline.user.renamed v1 gained field \"since\", which its events already in the log lack",
                "hotline.user.retired is no longer in the catalogue",
                "hotline.user.tagged v1 field \"by\" changed from uuid to uuid|null",
                "hotline.user.tagged v1 lost field \"tag\"",
            ]
        );
        assert!(breaking_change_report(&breaking_changes(&published, &generated)).contains(UPCASTER_HINT));
    }

    #[test]
    fn breaking_changes_allows_new_types_version_bumps_and_nullable_fields() {
        let published = catalogue_of(vec![
            schema("hotline.user.created", 1, &[("user_id", "uuid"), ("name", "string")]),
            schema("hotline.user.renamed", 1, &[("name", "string")]),
        ]);
        let mut reworded = schema("hotline.user.renamed", 1, &[("name", "string"), ("note", "string|null")]);
        reworded.description = "reworded".to_owned();
        let generated = catalogue_of(vec![
            schema("hotline.user.created", 2, &[("user_id", "uuid"), ("name", "object")]),
            reworded,
            schema("hotline.user.deleted", 1, &[("user_id", "uuid")]),
        ]);
        assert_eq!(breaking_changes(&published, &generated), []);
    }
}
