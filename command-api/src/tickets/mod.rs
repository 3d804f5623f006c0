//! The ticket service: ticket types (form and workflow, published in versions) and tickets
//! that run on one version from opening to the end.
//!
//! The domain cannot read the log, so the service hands it what a command needs: the
//! published workflow and form of the ticket's version (read from the type's stream, and
//! kept in memory: a published version never changes), and who the performer is (their
//! roles and unit, from the session).
//!
//! [`services`] makes the calls of service tasks to outside systems; [`links`] lets outside
//! collaborators do their tasks through signed links; [`templates`] keeps the types' export
//! templates; [`references`] checks what pickers and uploads point at and keeps the files.

pub mod links;
pub mod references;
pub mod services;
pub mod templates;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use hotline_domain::ticket::queries::{SavedTicketQueries, SavedTicketQuery, TicketQueriesCommand};
use hotline_domain::ticket::{
    self, FieldKind, FormSpec, Member, NodeKind, Origin, Performer, Ticket, TicketAction, TicketCommand, TicketType,
    TicketTypeAction, TicketTypeCommand, TicketTypeEvent, TokenId, Workflow, ticket_type, validate_with_calculated,
};
use hotline_domain::{Actor, DomainEvent, FieldError};
use hotline_infra::blobs::BlobStore;
use hotline_infra::rules::{self, RulesError, RulesOutcome};
use hotline_infra::secrets::SecretStore;
use hotline_infra::store::Direction;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::auth::Session;
use crate::dispatcher::{CommandMeta, CommandOutcome, Dispatcher};
use crate::error::{ApiError, FieldProblem};
use crate::knowledge::service::sanitise_html;

pub const MENU_PERMISSION: &str = "menu.tickets";
pub const CREATE_PERMISSION: &str = "ticket.create";
pub const TYPES_MENU_PERMISSION: &str = "menu.admin.ticket_types";
pub const TYPES_EDIT_PERMISSION: &str = "ticket_type.edit";

/// Who fires tickets' timers and records their SLA stages, in the log.
pub const TIMERS_ACTOR: &str = "ticket-timers";
/// Who joins mail replies to tickets, in the log.
pub const MAIL_ACTOR: &str = "mail";
/// Who records the answers and failures of service tasks' calls, in the log.
pub const SERVICES_ACTOR: &str = "ticket-services";

/// The step name the rules see when a ticket is opened.
pub const RULES_AT_START: &str = "start";

/// Events read at once when looking for a published version.
const READ_PAGE: usize = 100;

/// A published version: what tickets of that version run on.
pub struct Definition {
    pub workflow: Workflow,
    pub form: FormSpec,
    /// The form as designed (form-js), which `form` reads.
    pub schema: Value,
    /// The form rules (JavaScript), if the version has any.
    pub rules: Option<String>,
}

/// A type's editable part, as the designer saves it.
pub struct TypeDraft {
    pub name: String,
    pub description: String,
    /// A form-js schema.
    pub form: Value,
    /// Form rules (JavaScript, see `hotline_infra::rules`); empty for none, `None` to keep
    /// them as they are.
    pub rules: Option<String>,
}

fn rules_failed(error: RulesError) -> ApiError {
    ApiError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, "ticket_type.rules_failed", error.to_string())
}

/// Runs rules off the async executor (they are CPU-bound for up to their time limit).
async fn run_script(script: &str, values: &Map<String, Value>, step: &str) -> Result<RulesOutcome, RulesError> {
    let (script, values, step) = (script.to_owned(), values.clone(), step.to_owned());
    tokio::task::spawn_blocking(move || rules::run(&script, &values, &step))
        .await
        .unwrap_or_else(|error| Err(RulesError::Threw(format!("the rules task failed: {error}"))))
}

/// Runs a version's rules; no rules compute nothing.
/// Rich text fields keep only HTML safe to show (the knowledge base's allow-list): whoever
/// sent it (a browser, the rules or an outside system), others read it in theirs.
fn sanitise_rich_text(form: &FormSpec, values: &mut Map<String, Value>) {
    for field in form.fields.iter().filter(|field| field.kind == FieldKind::RichText) {
        if let Some(Value::String(html)) = values.get_mut(&field.key) {
            *html = sanitise_html(html);
        }
    }
}

async fn run_rules(rules: Option<&str>, values: &Map<String, Value>, step: &str) -> Result<RulesOutcome, ApiError> {
    match rules {
        Some(script) => run_script(script, values, step).await.map_err(rules_failed),
        None => Ok(RulesOutcome::default()),
    }
}

/// Checks rules before they are saved: they must compile, and finish on an empty form within
/// the time and memory limits. A rule that throws on missing values is the designer's to
/// judge: it is reported when a ticket meets it.
async fn try_rules(script: &str) -> Result<(), ApiError> {
    if script.trim().is_empty() {
        return Ok(());
    }
    match run_script(script, &Map::new(), RULES_AT_START).await {
        Ok(_) | Err(RulesError::Threw(_)) => Ok(()),
        Err(error) => Err(rules_failed(error)),
    }
}

/// Field errors of the rules, as the API reports invalid values.
fn rule_errors(outcome: &RulesOutcome) -> Result<(), ApiError> {
    if outcome.errors.is_empty() {
        return Ok(());
    }
    Err(invalid_values(outcome.errors.iter().map(|(field, message)| FieldError::new(field, message.clone())).collect()))
}

/// A mail that names a ticket in its subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    pub from: String,
    pub author: Option<Uuid>,
    pub subject: String,
    pub text: String,
    pub message_id: String,
}

/// Published versions by (tenant, type, version).
type Definitions = Mutex<HashMap<(Uuid, Uuid, u32), Arc<Definition>>>;

#[derive(Clone)]
pub struct TicketService {
    dispatcher: Arc<Dispatcher>,
    /// Where the types' signing secrets for service calls are kept.
    secrets: Arc<dyn SecretStore>,
    /// Where the types' export templates are kept.
    blobs: BlobStore,
    definitions: Arc<Definitions>,
}

/// A type's new signing secret for service calls, shown this once.
pub struct RotatedServiceSecret {
    pub secret: String,
    pub outcome: CommandOutcome,
}

fn invalid_values(errors: Vec<FieldError>) -> ApiError {
    let listed: Vec<String> = errors.iter().map(|error| format!("{}: {}", error.field, error.message)).collect();
    ApiError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, "ticket.invalid_values", listed.join("; ")).with_fields(
        errors.into_iter().map(|error| FieldProblem { field: error.field, message: error.message }).collect(),
    )
}

/// The later of two outcomes' positions, so that a caller waiting for read models after a
/// service call made of several commands waits for all of them.
fn merged(mut first: CommandOutcome, second: CommandOutcome) -> CommandOutcome {
    first.last_position = first.last_position.max(second.last_position);
    first.first_position = first.first_position.or(second.first_position);
    first.duplicate &= second.duplicate;
    first
}

impl TicketService {
    pub fn new(dispatcher: Arc<Dispatcher>, secrets: Arc<dyn SecretStore>, blobs: BlobStore) -> Self {
        Self { dispatcher, secrets, blobs, definitions: Arc::default() }
    }

    pub fn dispatcher(&self) -> &Arc<Dispatcher> {
        &self.dispatcher
    }

    async fn dispatch_type(
        &self,
        session: &Session,
        command_id: Uuid,
        type_id: Uuid,
        action: TicketTypeAction,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        let meta = CommandMeta::new(command_id, session.tenant_id, session.actor(), now);
        let command = TicketTypeCommand { tenant_id: session.tenant_id, type_id, at: now, action };
        self.dispatcher.dispatch::<TicketType>(&meta, &command).await
    }

    /// A new ticket type with its draft form; it opens tickets once a workflow is published.
    pub async fn create_type(
        &self,
        session: &Session,
        command_id: Uuid,
        draft: TypeDraft,
        now: DateTime<Utc>,
    ) -> Result<(Uuid, CommandOutcome), ApiError> {
        session.require(TYPES_EDIT_PERMISSION)?;
        // Derived from the command id, so that a retried request finds the type it made.
        let type_id = Uuid::new_v5(&command_id, session.tenant_id.as_bytes());
        let TypeDraft { name, description, form, rules } = draft;
        let rules = rules.filter(|rules| !rules.trim().is_empty());
        if let Some(rules) = &rules {
            try_rules(rules).await?;
        }
        self.check_query_sources(session.tenant_id, &form).await?;
        self.check_role_forms(session.tenant_id, &form).await?;
        let action = TicketTypeAction::Create { name, description, form };
        let created = self.dispatch_type(session, command_id, type_id, action, now).await?;
        let Some(script) = rules else { return Ok((type_id, created)) };
        let ruled = self.update_rules(session, command_id, type_id, script, now).await?;
        Ok((type_id, merged(created, ruled)))
    }

    /// Renames a type and replaces its draft form and, when given, its rules (three events at
    /// most: an unchanged part appends nothing). Rules that do not compile or do not finish
    /// are refused before anything is saved.
    pub async fn update_type(
        &self,
        session: &Session,
        command_id: Uuid,
        type_id: Uuid,
        draft: TypeDraft,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        session.require(TYPES_EDIT_PERMISSION)?;
        let TypeDraft { name, description, form, rules } = draft;
        if let Some(rules) = &rules {
            try_rules(rules).await?;
        }
        self.check_query_sources(session.tenant_id, &form).await?;
        self.check_role_forms(session.tenant_id, &form).await?;
        let renamed = self
            .dispatch_type(session, command_id, type_id, TicketTypeAction::Rename { name, description }, now)
            .await?;
        let form_command_id = Uuid::new_v5(&command_id, b"form");
        let updated =
            self.dispatch_type(session, form_command_id, type_id, TicketTypeAction::UpdateForm { form }, now).await?;
        let Some(script) = rules else { return Ok(merged(renamed, updated)) };
        let ruled = self.update_rules(session, command_id, type_id, script, now).await?;
        Ok(merged(merged(renamed, updated), ruled))
    }

    /// Replaces the draft's rules, already tried (part of saving a draft, whose command id
    /// it derives its own from).
    async fn update_rules(
        &self,
        session: &Session,
        command_id: Uuid,
        type_id: Uuid,
        script: String,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        let rules_command_id = Uuid::new_v5(&command_id, b"rules");
        let action = TicketTypeAction::UpdateRules { script };
        self.dispatch_type(session, rules_command_id, type_id, action, now).await
    }

    /// Publishes a workflow as the type's next version, with the draft form as it is now.
    pub async fn publish(
        &self,
        session: &Session,
        command_id: Uuid,
        type_id: Uuid,
        bpmn_xml: String,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        session.require(TYPES_EDIT_PERMISSION)?;
        self.dispatch_type(session, command_id, type_id, TicketTypeAction::Publish { bpmn_xml }, now).await
    }

    /// Makes a new signing secret for the type's service calls; the old one stops working at
    /// once and is destroyed. The secret is in the answer and in the secret store, nowhere else.
    pub async fn rotate_service_secret(
        &self,
        session: &Session,
        type_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<RotatedServiceSecret, ApiError> {
        session.require(TYPES_EDIT_PERMISSION)?;
        let stream_id = ticket_type::stream_id(type_id);
        let (state, _) = self.dispatcher.load::<TicketType>(session.tenant_id, &stream_id).await?;
        let secret = crate::webhooks::delivery::new_secret();
        let secret_id = Uuid::now_v7();
        self.secrets.put(session.tenant_id, secret_id, &secret).await?;
        let action = TicketTypeAction::RotateServiceSecret { secret_id };
        let outcome = match self.dispatch_type(session, Uuid::now_v7(), type_id, action, now).await {
            Ok(outcome) => outcome,
            Err(error) => {
                // Refused (no such type): the new secret must not linger.
                if let Err(error) = self.secrets.delete(session.tenant_id, secret_id).await {
                    tracing::warn!(%error, %type_id, "deleting an unused service secret");
                }
                return Err(error);
            }
        };
        if let Some(old) = state.service_secret_id
            && let Err(error) = self.secrets.delete(session.tenant_id, old).await
        {
            tracing::warn!(%error, %type_id, "deleting a rotated service secret");
        }
        Ok(RotatedServiceSecret { secret, outcome })
    }

    /// The workflow and form of a published version, read once from the type's stream.
    pub async fn definition(&self, tenant_id: Uuid, type_id: Uuid, version: u32) -> Result<Arc<Definition>, ApiError> {
        let key = (tenant_id, type_id, version);
        if let Some(found) = self.definitions.lock().expect("definitions lock poisoned").get(&key) {
            return Ok(found.clone());
        }
        let store = self.dispatcher.store();
        let stream_id = ticket_type::stream_id(type_id);
        let mut from = 1;
        loop {
            let page = store.read_stream(tenant_id, &stream_id, Direction::Forwards, from, READ_PAGE).await?;
            for envelope in &page {
                from = envelope.stream_version + 1;
                if envelope.event_type != ticket_type::PUBLISHED {
                    continue;
                }
                let event =
                    TicketTypeEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
                        .map_err(|error| ApiError::unreadable_event(envelope.global_position, error))?;
                let TicketTypeEvent::Published(published) = event else { continue };
                if published.version != version {
                    continue;
                }
                let form = FormSpec::from_form_js(&published.form)?;
                let mut workflow = published.workflow;
                workflow.bind_form(&form);
                let definition =
                    Arc::new(Definition { workflow, form, schema: published.form, rules: published.rules });
                self.definitions.lock().expect("definitions lock poisoned").insert(key, definition.clone());
                return Ok(definition);
            }
            if page.len() < READ_PAGE {
                return Err(ApiError::new(
                    axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                    "ticket_type.not_published",
                    format!("ticket type {type_id} has no published version {version}"),
                ));
            }
        }
    }

    /// Opens a ticket on the type's latest published version; returns the ticket's id.
    #[allow(clippy::too_many_arguments)]
    pub async fn open(
        &self,
        session: &Session,
        command_id: Uuid,
        type_id: Uuid,
        title: String,
        values: Map<String, Value>,
        origin: Option<Origin>,
        now: DateTime<Utc>,
    ) -> Result<(Uuid, CommandOutcome), ApiError> {
        session.require(CREATE_PERMISSION)?;
        let (type_state, _) =
            self.dispatcher.load::<TicketType>(session.tenant_id, &ticket_type::stream_id(type_id)).await?;
        if type_state.status == ticket_type::TypeStatus::NotCreated {
            return Err(ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                "ticket_type.not_found",
                format!("no ticket type {type_id}"),
            ));
        }
        if type_state.version == 0 {
            return Err(ApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "ticket_type.not_published",
                "publish the type's workflow before opening tickets of it",
            ));
        }
        let definition = self.definition(session.tenant_id, type_id, type_state.version).await?;
        let mut values = values;
        sanitise_rich_text(&definition.form, &mut values);
        let roles = &session.access.role_ids;
        let mut outcome = run_rules(definition.rules.as_deref(), &values, RULES_AT_START).await?;
        let access = |key: &str| definition.form.role_access(key, roles);
        let errors = validate_with_calculated(&definition.form, &values, &outcome.computed, &access);
        if !errors.is_empty() {
            return Err(invalid_values(errors));
        }
        rule_errors(&outcome)?;
        sanitise_rich_text(&definition.form, &mut outcome.computed);
        self.check_references(session.tenant_id, &definition.form, &[&values, &outcome.computed], &Map::new()).await?;
        let ticket_id = Uuid::new_v5(&command_id, session.tenant_id.as_bytes());
        let action = TicketAction::Open {
            type_id,
            version: type_state.version,
            workflow: definition.workflow.clone(),
            form: definition.form.clone(),
            title,
            values,
            computed: outcome.computed,
            starter: session.user_id,
            starter_roles: session.access.role_ids.clone(),
            origin,
        };
        let outcome = self.dispatch_ticket(session, command_id, ticket_id, action, now).await?;
        Ok((ticket_id, outcome))
    }

    async fn dispatch_ticket(
        &self,
        session: &Session,
        command_id: Uuid,
        ticket_id: Uuid,
        action: TicketAction,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        let meta = CommandMeta::new(command_id, session.tenant_id, session.actor(), now);
        let command = TicketCommand { tenant_id: session.tenant_id, ticket_id, at: now, action };
        self.dispatcher.dispatch::<Ticket>(&meta, &command).await
    }

    /// Completes the user task `token` with the values its step lets the performer edit.
    pub async fn complete_task(
        &self,
        session: &Session,
        command_id: Uuid,
        ticket_id: Uuid,
        token: TokenId,
        values: Map<String, Value>,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        session.require(MENU_PERMISSION)?;
        let performer = Performer::User(Member {
            user_id: session.user_id,
            role_ids: session.access.role_ids.clone(),
            org_unit_ids: session.access.org_units.clone(),
        });
        let meta = CommandMeta::new(command_id, session.tenant_id, session.actor(), now);
        self.complete(meta, ticket_id, token, values, performer).await
    }

    /// Completes a task for a user or an outside collaborator: the step's field access and
    /// the rules first, so that every field in error is named at once; the domain decides
    /// again and refuses what is not the performer's to do.
    async fn complete(
        &self,
        meta: CommandMeta,
        ticket_id: Uuid,
        token: TokenId,
        values: Map<String, Value>,
        performer: Performer,
    ) -> Result<CommandOutcome, ApiError> {
        let (tenant_id, now) = (meta.tenant_id, meta.occurred_at);
        let (state, version) = self.dispatcher.load::<Ticket>(tenant_id, &ticket::stream_id(ticket_id)).await?;
        let Some(type_id) = state.type_id else {
            return Err(ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                "ticket.not_found",
                format!("no ticket {ticket_id}"),
            ));
        };
        let definition = self.definition(tenant_id, type_id, state.version).await?;
        let mut values = values;
        sanitise_rich_text(&definition.form, &mut values);
        let step = state.instance.tokens.get(&token).and_then(|waiting| {
            definition.workflow.nodes.iter().find(|node| node.id == waiting.node).and_then(|node| match &node.kind {
                NodeKind::UserTask(task) => Some(task),
                _ => None,
            })
        });
        // The rules see the ticket as it would be after this step, and may calculate fields
        // (which the browser then need not send, though the step requires them).
        let node = state.instance.tokens.get(&token).map(|waiting| waiting.node.clone()).unwrap_or_default();
        let mut after = state.values.clone();
        after.extend(values.clone());
        let mut outcome = run_rules(definition.rules.as_deref(), &after, &node).await?;
        if let Some(task) = step {
            let access = |key: &str| performer.access(task, &definition.form, key);
            let errors = validate_with_calculated(&definition.form, &values, &outcome.computed, &access);
            if !errors.is_empty() {
                return Err(invalid_values(errors));
            }
        }
        rule_errors(&outcome)?;
        sanitise_rich_text(&definition.form, &mut outcome.computed);
        self.check_references(tenant_id, &definition.form, &[&values, &outcome.computed], &state.values).await?;
        let action = TicketAction::CompleteTask {
            token,
            values,
            computed: outcome.computed,
            performer,
            workflow: definition.workflow.clone(),
            form: definition.form.clone(),
        };
        let command = TicketCommand { tenant_id, ticket_id, at: now, action };
        self.dispatcher.dispatch_loaded::<Ticket>(&meta, &command, Some((state, version))).await
    }

    /// Dispatches a command of the system (not of a user) on a ticket, built from the
    /// workflow of the version the ticket runs on.
    async fn dispatch_as_system(
        &self,
        tenant_id: Uuid,
        ticket_id: Uuid,
        command_id: Uuid,
        actor: &str,
        now: DateTime<Utc>,
        action: impl FnOnce(&Definition) -> TicketAction,
    ) -> Result<CommandOutcome, ApiError> {
        let (state, version) = self.dispatcher.load::<Ticket>(tenant_id, &ticket::stream_id(ticket_id)).await?;
        let Some(type_id) = state.type_id else {
            return Err(ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                "ticket.not_found",
                format!("no ticket {ticket_id}"),
            ));
        };
        let definition = self.definition(tenant_id, type_id, state.version).await?;
        let meta = CommandMeta::new(command_id, tenant_id, Actor::system(actor), now);
        let command = TicketCommand { tenant_id, ticket_id, at: now, action: action(&definition) };
        self.dispatcher.dispatch_loaded::<Ticket>(&meta, &command, Some((state, version))).await
    }

    /// Fires a due timer of a ticket, as the system. The command id is the timer's own, so
    /// that several processes firing the same timer append it once.
    pub async fn fire_timer(
        &self,
        tenant_id: Uuid,
        ticket_id: Uuid,
        token: TokenId,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        let command_id = Uuid::new_v5(&ticket_id, format!("timer-{token}").as_bytes());
        self.dispatch_as_system(tenant_id, ticket_id, command_id, TIMERS_ACTOR, now, |definition| {
            TicketAction::FireTimer { token, workflow: definition.workflow.clone() }
        })
        .await
    }

    /// Records the SLA stage (reminder, overdue) that task `token` has reached, as the
    /// system. `check_at` is the time the check was due (the read model's next SLA check):
    /// it makes the command id, so processes checking the same task at once append once.
    pub async fn check_sla(
        &self,
        tenant_id: Uuid,
        ticket_id: Uuid,
        token: TokenId,
        check_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        let command_id = Uuid::new_v5(&ticket_id, format!("sla-{token}-{}", check_at.timestamp_micros()).as_bytes());
        self.dispatch_as_system(tenant_id, ticket_id, command_id, TIMERS_ACTOR, now, |definition| {
            TicketAction::CheckSla { token, workflow: definition.workflow.clone() }
        })
        .await
    }

    /// Joins a mail to its ticket, as the system: mail is not authenticated, so `author`
    /// (the user whose address sent it) is what the mail claims. The message id makes the
    /// command id: a mail delivered twice joins once.
    pub async fn receive_mail(
        &self,
        tenant_id: Uuid,
        ticket_id: Uuid,
        mail: ReceivedMail,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        let command_id = Uuid::new_v5(&ticket_id, format!("mail-{}", mail.message_id).as_bytes());
        let ReceivedMail { from, author, subject, text, message_id } = mail;
        self.dispatch_as_system(tenant_id, ticket_id, command_id, MAIL_ACTOR, now, |_| TicketAction::ReceiveMail {
            from,
            author,
            subject,
            text,
            message_id,
        })
        .await
    }

    /// Records a service call's answer, as the system: its values are checked against the
    /// form, and the workflow moves on. `round` (the call's) makes the command id.
    pub async fn service_done(
        &self,
        tenant_id: Uuid,
        ticket_id: Uuid,
        token: TokenId,
        round: u32,
        values: Map<String, Value>,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        let command_id = Uuid::new_v5(&ticket_id, format!("service-done-{token}-{round}").as_bytes());
        self.dispatch_as_system(tenant_id, ticket_id, command_id, SERVICES_ACTOR, now, |definition| {
            let mut values = values;
            sanitise_rich_text(&definition.form, &mut values);
            TicketAction::ServiceDone {
                token,
                values,
                workflow: definition.workflow.clone(),
                form: definition.form.clone(),
            }
        })
        .await
    }

    /// Records that a service call failed for good, as the system; the ticket waits there
    /// until someone retries.
    #[allow(clippy::too_many_arguments)]
    pub async fn fail_service(
        &self,
        tenant_id: Uuid,
        ticket_id: Uuid,
        token: TokenId,
        round: u32,
        error: String,
        attempts: u32,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        let command_id = Uuid::new_v5(&ticket_id, format!("service-failed-{token}-{round}").as_bytes());
        self.dispatch_as_system(tenant_id, ticket_id, command_id, SERVICES_ACTOR, now, |_| TicketAction::FailService {
            token,
            error,
            attempts,
        })
        .await
    }

    /// Calls a failed service task again (`ticket.create`).
    pub async fn retry_service(
        &self,
        session: &Session,
        command_id: Uuid,
        ticket_id: Uuid,
        token: TokenId,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        session.require(CREATE_PERMISSION)?;
        let action = TicketAction::RetryService { token, by: session.user_id };
        self.dispatch_ticket(session, command_id, ticket_id, action, now).await
    }

    pub async fn comment(
        &self,
        session: &Session,
        command_id: Uuid,
        ticket_id: Uuid,
        text: String,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        session.require(MENU_PERMISSION)?;
        let action = TicketAction::Comment { text, author: session.user_id };
        self.dispatch_ticket(session, command_id, ticket_id, action, now).await
    }

    /// Saves one of the caller's ticket queries (a new one, or the whole of one of theirs).
    pub async fn save_query(
        &self,
        session: &Session,
        command_id: Uuid,
        query: SavedTicketQuery,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        session.require(MENU_PERMISSION)?;
        let meta = CommandMeta::new(command_id, session.tenant_id, session.actor(), now);
        let command = TicketQueriesCommand::Save { tenant_id: session.tenant_id, query, by_user: session.user_id };
        self.dispatcher.dispatch::<SavedTicketQueries>(&meta, &command).await
    }

    pub async fn delete_query(
        &self,
        session: &Session,
        command_id: Uuid,
        query_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        session.require(MENU_PERMISSION)?;
        let meta = CommandMeta::new(command_id, session.tenant_id, session.actor(), now);
        let command = TicketQueriesCommand::Delete { tenant_id: session.tenant_id, query_id, by_user: session.user_id };
        self.dispatcher.dispatch::<SavedTicketQueries>(&meta, &command).await
    }

    /// Cancels an open ticket: its open tasks leave every to-do list.
    pub async fn cancel(
        &self,
        session: &Session,
        command_id: Uuid,
        ticket_id: Uuid,
        reason: String,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        session.require(CREATE_PERMISSION)?;
        let action = TicketAction::Cancel { reason, by: session.user_id };
        self.dispatch_ticket(session, command_id, ticket_id, action, now).await
    }
}
