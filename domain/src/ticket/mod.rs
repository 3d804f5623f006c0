//! Tickets: typed work items whose fields come from a form-js form and whose life follows a
//! BPMN workflow, both defined by their ticket type and frozen per published version.
//!
//! Owns:
//! - [`form`]: the server's reading of a form-js schema and the checks of submitted values;
//! - [`workflow`], [`bpmn`], [`condition`]: the workflow model, its BPMN parser, its
//!   validator and the condition language on sequence flows;
//! - [`engine`]: the pure token engine, whose decisions are recorded as steps;
//! - [`ticket_type`]: the `ticket_type-<id>` aggregate (draft form, published versions);
//! - [`Ticket`]: the `ticket-<id>` aggregate.
//!
//! The domain does no I/O: the service loads the published version a ticket runs on and
//! passes its workflow and form in each command. A ticket always runs on the version it
//! opened with, so republishing a type never disturbs a running ticket.

pub mod bpmn;
pub mod condition;
pub mod engine;
pub mod form;
pub mod queries;
pub mod role_forms;
#[cfg(test)]
mod tests;
pub mod ticket_type;
pub mod workflow;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

pub use bpmn::{parse_bpmn, parse_duration};
pub use condition::Condition;
pub use engine::{Candidate, Instance, Step, Token, TokenId, Wait, candidate_of};
pub use form::{
    Approval, Approver, Decision, FieldAccess, FieldKind, FieldReference, FileValue, FormField, FormSpec,
    MAX_APPROVAL_COMMENT_CHARS, MAX_RICH_TEXT_CHARS, MOBILE_LAYOUT, QuerySource, QueryValue, ReferenceKind,
    check_computed, check_mobile_layout, is_phone_number, query_values, references, stamp_approvals, validate_values,
    validate_with_calculated,
};
pub use role_forms::{EVERYONE_ELSE, ROLE_FORMS, RoleForms, shown_schema};
pub use ticket_type::{TicketType, TicketTypeAction, TicketTypeCommand, TicketTypeEvent, TicketTypeState};
pub use workflow::{Assignee, DEFAULT_LINK_SECONDS, Flow, LINK_SECONDS, Node, NodeKind, UserTask, Workflow, validate};

use crate::{Decider, DomainError, DomainEvent, FieldError, StreamId, UpcastError, read_payload};

pub const CONTEXT: &str = "ticket";

pub const OPENED: &str = "hotline.ticket.opened";
pub const TASK_COMPLETED: &str = "hotline.ticket.task_completed";
pub const TIMER_FIRED: &str = "hotline.ticket.timer_fired";
pub const SERVICE_DONE: &str = "hotline.ticket.service_done";
pub const COMMENTED: &str = "hotline.ticket.commented";
pub const CANCELLED: &str = "hotline.ticket.cancelled";
pub const TASK_REMINDED: &str = "hotline.ticket.task_reminded";
pub const TASK_OVERDUE: &str = "hotline.ticket.task_overdue";
pub const MAIL_RECEIVED: &str = "hotline.ticket.mail_received";
pub const SERVICE_FAILED: &str = "hotline.ticket.service_failed";
pub const SERVICE_RETRIED: &str = "hotline.ticket.service_retried";
pub const LINK_SENT: &str = "hotline.ticket.link_sent";

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_COMMENT_CHARS: usize = 4000;
pub const MAX_REASON_CHARS: usize = 1000;
/// A mail reply's text is kept up to this length (the rest is cut, not refused: a long
/// quoted thread must not lose the reply).
pub const MAX_MAIL_TEXT_CHARS: usize = 20_000;
pub const MAX_MAIL_SUBJECT_CHARS: usize = 500;
/// A failed service call's error is kept up to this length.
pub const MAX_SERVICE_ERROR_CHARS: usize = 2000;

pub fn stream_id(ticket_id: Uuid) -> StreamId {
    StreamId::new(CONTEXT, ticket_id)
}

/// Crockford's base32 alphabet: no I, L, O or U, so a number read aloud or retyped survives.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A ticket's human number: "T" and ten base32 characters of the id's last 50 bits (a
/// UUIDv7's random part). Replies by e-mail find their ticket by it in the subject.
pub fn ticket_number(ticket_id: Uuid) -> String {
    let bits = ticket_id.as_u128() & ((1u128 << 50) - 1);
    let mut number = String::with_capacity(11);
    number.push('T');
    for index in (0..10).rev() {
        number.push(CROCKFORD[((bits >> (index * 5)) & 31) as usize] as char);
    }
    number
}

/// Where a ticket was opened from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Origin {
    Conversation(Uuid),
    Call(Uuid),
}

/// A user, with the roles and units they hold (resolved by the service: their unit and every
/// unit above it, so that a unit's task is its sub-units' people's too): who may do a task is
/// matched against them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user_id: Uuid,
    pub role_ids: Vec<Uuid>,
    pub org_unit_ids: Vec<Uuid>,
}

impl Member {
    pub fn matches(&self, candidate: &Candidate) -> bool {
        match candidate {
            Candidate::User(user) => *user == self.user_id,
            Candidate::Role(role) => self.role_ids.contains(role),
            Candidate::OrgUnit(unit) => self.org_unit_ids.contains(unit),
            Candidate::External(_) => false,
        }
    }
}

/// Who is completing a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Performer {
    User(Member),
    /// An outside collaborator, through a genuine link mailed to `address` that expires at
    /// `link_expires_at` (the service checked its signature; the ticket checks the rest).
    Collaborator {
        address: String,
        link_expires_at: DateTime<Utc>,
    },
}

impl Performer {
    /// What the performer may do with the field `key` at `task`: what the step allows,
    /// narrowed by their roles' forms. The step's form is made for an outside collaborator,
    /// who holds no role.
    pub fn access(&self, task: &UserTask, form: &FormSpec, key: &str) -> FieldAccess {
        match self {
            Performer::User(member) => task.access(key).within(form.role_access(key, &member.role_ids)),
            Performer::Collaborator { .. } => task.access(key),
        }
    }

    pub fn matches(&self, candidate: &Candidate) -> bool {
        match (self, candidate) {
            (Performer::User(member), _) => member.matches(candidate),
            (Performer::Collaborator { address, .. }, Candidate::External(invited)) => address == invited,
            (Performer::Collaborator { .. }, _) => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TicketCommand {
    pub tenant_id: Uuid,
    pub ticket_id: Uuid,
    pub at: DateTime<Utc>,
    pub action: TicketAction,
}

/// Commands carry the workflow (and form) of the version the ticket runs on: the service
/// loads it, the domain cannot.
#[derive(Debug, Clone, PartialEq)]
pub enum TicketAction {
    Open {
        type_id: Uuid,
        version: u32,
        workflow: Workflow,
        form: FormSpec,
        title: String,
        values: Map<String, Value>,
        /// What the type's rules calculated (the service ran them): checked against the form
        /// only, whatever the step's access, and recorded with the values.
        computed: Map<String, Value>,
        starter: Uuid,
        /// The starter's roles, whose forms say which fields they may fill.
        starter_roles: Vec<Uuid>,
        origin: Option<Origin>,
    },
    CompleteTask {
        token: TokenId,
        values: Map<String, Value>,
        computed: Map<String, Value>,
        performer: Performer,
        workflow: Workflow,
        form: FormSpec,
    },
    FireTimer {
        token: TokenId,
        workflow: Workflow,
    },
    /// The service task `token` waits at was called and answered; `values` (from its answer)
    /// are checked against the form and recorded before the workflow moves on, so a gateway
    /// after the task can route on them.
    ServiceDone {
        token: TokenId,
        values: Map<String, Value>,
        workflow: Workflow,
        form: FormSpec,
    },
    /// Calling the service task `token` waits at failed for good (every retry, or a refusal
    /// that retrying cannot change): the ticket keeps waiting there until someone retries.
    FailService {
        token: TokenId,
        error: String,
        attempts: u32,
    },
    /// Someone asks for a failed service call to be made again.
    RetryService {
        token: TokenId,
        by: Uuid,
    },
    /// Mail the outside collaborator of the task `token` waits at a link valid until
    /// `expires_at`. `by` is the person asking for it again; `None` is the system, at the
    /// task's start, and sends at most one link per task (a follower may ask twice).
    SendLink {
        token: TokenId,
        expires_at: DateTime<Utc>,
        by: Option<Uuid>,
    },
    Comment {
        text: String,
        author: Uuid,
    },
    Cancel {
        reason: String,
        by: Uuid,
    },
    /// Checks the SLA of the task `token` waits at, at the command's time: records the
    /// reminder or the overdue task, whichever has come and was not recorded yet.
    CheckSla {
        token: TokenId,
        workflow: Workflow,
    },
    /// A mail that names this ticket's number in its subject arrived. `author` is the user
    /// whose address sent it, if any.
    ReceiveMail {
        from: String,
        author: Option<Uuid>,
        subject: String,
        text: String,
        message_id: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TicketEvent {
    Opened(Opened),
    TaskCompleted(TaskCompleted),
    TimerFired(Resumed),
    ServiceDone(ServiceReturned),
    Commented(Commented),
    Cancelled(Cancelled),
    TaskReminded(TaskReminded),
    TaskOverdue(TaskOverdue),
    MailReceived(MailReceived),
    ServiceFailed(ServiceFailed),
    ServiceRetried(ServiceRetried),
    LinkSent(LinkSent),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opened {
    pub ticket_id: Uuid,
    pub type_id: Uuid,
    pub version: u32,
    pub number: String,
    pub title: String,
    pub values: Map<String, Value>,
    pub starter: Uuid,
    pub origin: Option<Origin>,
    pub steps: Vec<Step>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskCompleted {
    pub ticket_id: Uuid,
    pub token: TokenId,
    pub node: String,
    /// The user; the nil id when an outside collaborator did it (`collaborator`).
    pub by: Uuid,
    /// The outside collaborator's address, when they did it through their link (added with
    /// collaborators: absent in older events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collaborator: Option<String>,
    /// Only the values submitted with this completion.
    pub values: Map<String, Value>,
    pub steps: Vec<Step>,
    pub at: DateTime<Utc>,
}

/// A timer fired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resumed {
    pub ticket_id: Uuid,
    pub token: TokenId,
    pub steps: Vec<Step>,
    pub at: DateTime<Utc>,
}

/// A service task was called and answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceReturned {
    pub ticket_id: Uuid,
    pub token: TokenId,
    /// The values its answer set (added later: absent in older events, meaning none).
    #[serde(default)]
    pub values: Option<Map<String, Value>>,
    pub steps: Vec<Step>,
    pub at: DateTime<Utc>,
}

/// Calling a service task failed for good; the ticket waits there until someone retries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceFailed {
    pub ticket_id: Uuid,
    pub token: TokenId,
    pub node: String,
    /// What went wrong: the receiver's status and answer, or the network's error.
    pub error: String,
    /// How many calls were made.
    pub attempts: u32,
    pub at: DateTime<Utc>,
}

/// Someone asked for a failed service call to be made again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceRetried {
    pub ticket_id: Uuid,
    pub token: TokenId,
    pub node: String,
    pub by: Uuid,
    pub at: DateTime<Utc>,
}

/// A link to the task `token` waits at went to its outside collaborator by mail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkSent {
    pub ticket_id: Uuid,
    pub token: TokenId,
    pub node: String,
    pub address: String,
    pub expires_at: DateTime<Utc>,
    /// Who asked for it again; `None`: sent by the system when the task started.
    pub by: Option<Uuid>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Commented {
    pub ticket_id: Uuid,
    pub author: Uuid,
    pub text: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cancelled {
    pub ticket_id: Uuid,
    pub by: Uuid,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// The reminder before a task's due time was sent for: whoever may do it is told.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskReminded {
    pub ticket_id: Uuid,
    pub token: TokenId,
    pub node: String,
    pub candidate: Candidate,
    pub due_at: DateTime<Utc>,
    pub at: DateTime<Utc>,
}

/// A task passed its due time: whoever may do it is told, and `escalated_to` too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskOverdue {
    pub ticket_id: Uuid,
    pub token: TokenId,
    pub node: String,
    pub candidate: Candidate,
    pub escalated_to: Option<Candidate>,
    pub due_at: DateTime<Utc>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MailReceived {
    pub ticket_id: Uuid,
    /// The sender's address.
    pub from: String,
    /// The user that address belongs to, if any.
    pub author: Option<Uuid>,
    pub subject: String,
    pub text: String,
    /// The mail's `Message-ID`, so a mail delivered twice joins once.
    pub message_id: String,
    pub at: DateTime<Utc>,
}

/// How far a task's SLA has gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SlaStage {
    Reminded,
    Overdue,
}

/// A service task a token waits at: which call it is on (each retry is a new round, so a
/// receiver can tell a retry asked for by a person from a redelivery of the same call) and
/// whether that call failed for good.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServiceCall {
    pub round: u32,
    pub failed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Status {
    #[default]
    NotOpened,
    Open,
    Finished,
    Cancelled,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketState {
    pub status: Status,
    pub type_id: Option<Uuid>,
    pub version: u32,
    pub title: String,
    pub values: Map<String, Value>,
    pub starter: Option<Uuid>,
    pub instance: Instance,
    /// The SLA stage each waiting task has reached.
    pub sla: BTreeMap<TokenId, SlaStage>,
    /// Message ids of the mails already joined.
    pub mail_ids: BTreeSet<String>,
    /// The service tasks tokens wait at.
    pub services: BTreeMap<TokenId, ServiceCall>,
    /// When the latest link mailed for each waiting outside collaborator's task expires.
    pub links: BTreeMap<TokenId, DateTime<Utc>>,
}

const EVENT_TYPES: [&str; 12] = [
    OPENED,
    TASK_COMPLETED,
    TIMER_FIRED,
    SERVICE_DONE,
    COMMENTED,
    CANCELLED,
    TASK_REMINDED,
    TASK_OVERDUE,
    MAIL_RECEIVED,
    SERVICE_FAILED,
    SERVICE_RETRIED,
    LINK_SENT,
];

impl DomainEvent for TicketEvent {
    fn event_type(&self) -> &'static str {
        match self {
            TicketEvent::Opened(_) => OPENED,
            TicketEvent::TaskCompleted(_) => TASK_COMPLETED,
            TicketEvent::TimerFired(_) => TIMER_FIRED,
            TicketEvent::ServiceDone(_) => SERVICE_DONE,
            TicketEvent::Commented(_) => COMMENTED,
            TicketEvent::Cancelled(_) => CANCELLED,
            TicketEvent::TaskReminded(_) => TASK_REMINDED,
            TicketEvent::TaskOverdue(_) => TASK_OVERDUE,
            TicketEvent::MailReceived(_) => MAIL_RECEIVED,
            TicketEvent::ServiceFailed(_) => SERVICE_FAILED,
            TicketEvent::ServiceRetried(_) => SERVICE_RETRIED,
            TicketEvent::LinkSent(_) => LINK_SENT,
        }
    }

    fn schema_version(&self) -> u32 {
        1
    }

    fn to_payload(&self) -> Value {
        let payload = match self {
            TicketEvent::Opened(event) => serde_json::to_value(event),
            TicketEvent::TaskCompleted(event) => serde_json::to_value(event),
            TicketEvent::TimerFired(event) => serde_json::to_value(event),
            TicketEvent::ServiceDone(event) => serde_json::to_value(event),
            TicketEvent::Commented(event) => serde_json::to_value(event),
            TicketEvent::Cancelled(event) => serde_json::to_value(event),
            TicketEvent::TaskReminded(event) => serde_json::to_value(event),
            TicketEvent::TaskOverdue(event) => serde_json::to_value(event),
            TicketEvent::MailReceived(event) => serde_json::to_value(event),
            TicketEvent::ServiceFailed(event) => serde_json::to_value(event),
            TicketEvent::ServiceRetried(event) => serde_json::to_value(event),
            TicketEvent::LinkSent(event) => serde_json::to_value(event),
        };
        payload.expect("plain struct serialises")
    }

    fn from_stored(event_type: &str, schema_version: u32, payload: &Value) -> Result<Self, UpcastError> {
        UpcastError::check_first_version(&EVENT_TYPES, event_type, schema_version)?;
        match event_type {
            OPENED => read_payload(event_type, 1, payload, TicketEvent::Opened),
            TASK_COMPLETED => read_payload(event_type, 1, payload, TicketEvent::TaskCompleted),
            TIMER_FIRED => read_payload(event_type, 1, payload, TicketEvent::TimerFired),
            SERVICE_DONE => read_payload(event_type, 1, payload, TicketEvent::ServiceDone),
            COMMENTED => read_payload(event_type, 1, payload, TicketEvent::Commented),
            CANCELLED => read_payload(event_type, 1, payload, TicketEvent::Cancelled),
            TASK_REMINDED => read_payload(event_type, 1, payload, TicketEvent::TaskReminded),
            TASK_OVERDUE => read_payload(event_type, 1, payload, TicketEvent::TaskOverdue),
            MAIL_RECEIVED => read_payload(event_type, 1, payload, TicketEvent::MailReceived),
            SERVICE_FAILED => read_payload(event_type, 1, payload, TicketEvent::ServiceFailed),
            SERVICE_RETRIED => read_payload(event_type, 1, payload, TicketEvent::ServiceRetried),
            _ => read_payload(event_type, 1, payload, TicketEvent::LinkSent),
        }
    }
}

fn invalid_values(errors: &[FieldError]) -> DomainError {
    let listed: Vec<String> = errors.iter().map(|error| format!("{}: {}", error.field, error.message)).collect();
    DomainError::new("ticket.invalid_values", listed.join("; "))
}

fn bounded(text: &str, min: usize, max: usize, code: &'static str, what: &str) -> Result<String, DomainError> {
    let text = text.trim();
    let chars = text.chars().count();
    if chars < min || chars > max {
        return Err(DomainError::new(code, format!("{what} has {min} to {max} characters")));
    }
    Ok(text.to_owned())
}

fn cut(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

/// The service task `token` waits at, and its call.
fn waiting_service(state: &TicketState, token: TokenId) -> Result<(String, ServiceCall), DomainError> {
    match (state.instance.tokens.get(&token), state.services.get(&token)) {
        (Some(waiting), Some(call)) if waiting.wait == Wait::Service => Ok((waiting.node.clone(), *call)),
        _ => Err(DomainError::new("ticket.no_such_service", format!("token {token} is not waiting at a service task"))),
    }
}

/// The step and the address of the outside collaborator's task `token` waits at.
fn external_task(state: &TicketState, token: TokenId) -> Result<(String, String), DomainError> {
    match state.instance.tokens.get(&token) {
        Some(Token { node, wait: Wait::Task { candidate: Candidate::External(address), .. } }) => {
            Ok((node.clone(), address.clone()))
        }
        Some(Token { wait: Wait::Task { .. }, .. }) => Err(DomainError::new(
            "ticket.not_external",
            format!("the task of token {token} is not done by an outside collaborator"),
        )),
        _ => Err(DomainError::new("ticket.no_such_task", format!("no open task with token {token}"))),
    }
}

/// A collaborator's link still opens the task: it is the latest one sent for it (see
/// [`check_latest_link`]) and it has not expired.
fn check_link(
    state: &TicketState,
    token: TokenId,
    link_expires_at: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Result<(), DomainError> {
    check_latest_link(state, token, link_expires_at)?;
    if at >= link_expires_at {
        return Err(DomainError::new("ticket.link_expired", "this link has expired; ask for a new one"));
    }
    Ok(())
}

/// The link expiring at `link_expires_at` is the latest sent for the task of `token` (a link
/// for an earlier task at the same step has another token). Sending a new link revokes the
/// earlier ones: each expires at its own time, which names it.
pub fn check_latest_link(
    state: &TicketState,
    token: TokenId,
    link_expires_at: DateTime<Utc>,
) -> Result<(), DomainError> {
    match state.links.get(&token) {
        None => return Err(DomainError::new("ticket.link_invalid", "no link was sent for this task")),
        Some(latest) if *latest != link_expires_at => {
            return Err(DomainError::new(
                "ticket.link_superseded",
                "a newer link was sent for this step: use the one in the latest mail",
            ));
        }
        Some(_) => {}
    }
    Ok(())
}

/// The next SLA stage of the task `token` waits at, if it has come by `at`. A task that
/// became overdue before its reminder went out is only reported overdue.
fn check_sla(
    state: &TicketState,
    ticket_id: Uuid,
    token: TokenId,
    workflow: &Workflow,
    at: DateTime<Utc>,
) -> Result<TicketEvent, DomainError> {
    let no_task = || DomainError::new("ticket.no_such_task", format!("no open task with token {token}"));
    let waiting = state.instance.tokens.get(&token).ok_or_else(no_task)?;
    let Wait::Task { candidate, due_at: Some(due_at), remind_at } = &waiting.wait else {
        return Err(DomainError::new("ticket.sla_not_due", format!("the task of token {token} has no due time")));
    };
    let (candidate, due_at, node) = (candidate.clone(), *due_at, waiting.node.clone());
    let reached = state.sla.get(&token).copied();
    if at >= due_at && reached < Some(SlaStage::Overdue) {
        let escalate = match workflow.node(&node).map(|node| &node.kind) {
            Some(NodeKind::UserTask(task)) => task.escalate.as_ref(),
            _ => None,
        };
        let starter = state.starter.unwrap_or_default();
        let escalated_to = escalate.and_then(|assignee| candidate_of(assignee, &state.values, starter, workflow));
        return Ok(TicketEvent::TaskOverdue(TaskOverdue {
            ticket_id,
            token,
            node,
            candidate,
            escalated_to,
            due_at,
            at,
        }));
    }
    if remind_at.is_some_and(|remind_at| at >= remind_at) && reached.is_none() {
        return Ok(TicketEvent::TaskReminded(TaskReminded { ticket_id, token, node, candidate, due_at, at }));
    }
    Err(DomainError::new("ticket.sla_not_due", format!("nothing about the task of token {token} is due at {at}")))
}

pub struct Ticket;

impl Decider for Ticket {
    type State = TicketState;
    type Command = TicketCommand;
    type Event = TicketEvent;

    fn stream_id(command: &TicketCommand) -> StreamId {
        stream_id(command.ticket_id)
    }

    fn decide(state: &TicketState, command: &TicketCommand) -> Result<Vec<TicketEvent>, DomainError> {
        let (ticket_id, at) = (command.ticket_id, command.at);
        let opened = !matches!(command.action, TicketAction::Open { .. });
        if opened && state.status == Status::NotOpened {
            return Err(DomainError::new("ticket.not_found", format!("no ticket {ticket_id}")));
        }
        // Workflow commands and cancelling need a running ticket; comments and mail are
        // welcome after.
        let needs_open = !matches!(
            command.action,
            TicketAction::Open { .. } | TicketAction::Comment { .. } | TicketAction::ReceiveMail { .. }
        );
        if needs_open && state.status != Status::Open {
            return Err(DomainError::new("ticket.closed", format!("ticket {ticket_id} is no longer open")));
        }
        let starter = state.starter.unwrap_or_default();
        let event = match &command.action {
            TicketAction::Open {
                type_id,
                version,
                workflow,
                form,
                title,
                values,
                computed,
                starter,
                starter_roles,
                origin,
            } => {
                if state.status != Status::NotOpened {
                    return Err(DomainError::new("ticket.exists", format!("ticket {ticket_id} exists")));
                }
                let title = bounded(title, 1, MAX_TITLE_CHARS, "ticket.invalid_title", "a title")?;
                let mut values = values.clone();
                stamp_approvals(form, &mut values, &Map::new(), Approver::User(*starter), at);
                values.extend(computed.clone());
                // What the rules calculated counts as filled in, whatever the starter's roles.
                let access = |key: &str| {
                    if computed.contains_key(key) {
                        FieldAccess::Editable
                    } else {
                        form.role_access(key, starter_roles)
                    }
                };
                let errors = validate_values(form, &values, &access);
                if !errors.is_empty() {
                    return Err(invalid_values(&errors));
                }
                let steps = engine::start(workflow, &values, *starter, at)?;
                TicketEvent::Opened(Opened {
                    ticket_id,
                    type_id: *type_id,
                    version: *version,
                    number: ticket_number(ticket_id),
                    title,
                    values,
                    starter: *starter,
                    origin: *origin,
                    steps,
                    at,
                })
            }
            TicketAction::CompleteTask { token, values, computed, performer, workflow, form } => {
                let no_task = || DomainError::new("ticket.no_such_task", format!("no open task with token {token}"));
                let waiting = state.instance.tokens.get(token).ok_or_else(no_task)?;
                let Wait::Task { candidate, .. } = &waiting.wait else { return Err(no_task()) };
                if !performer.matches(candidate) {
                    return Err(DomainError::new("ticket.not_your_task", "this task is assigned to someone else"));
                }
                if let Performer::Collaborator { link_expires_at, .. } = performer {
                    check_link(state, *token, *link_expires_at, at)?;
                }
                let Some(NodeKind::UserTask(task)) = workflow.node(&waiting.node).map(|node| &node.kind) else {
                    return Err(DomainError::new(
                        "ticket.broken_workflow",
                        format!("the workflow has no user task {}", waiting.node),
                    ));
                };
                let access = |key: &str| performer.access(task, form, key);
                let mut errors = validate_with_calculated(form, values, computed, &access);
                errors.extend(check_computed(form, computed));
                if !errors.is_empty() {
                    return Err(invalid_values(&errors));
                }
                let mut values = values.clone();
                let approver = match performer {
                    Performer::User(member) => Approver::User(member.user_id),
                    Performer::Collaborator { address, .. } => Approver::Collaborator(address),
                };
                stamp_approvals(form, &mut values, &state.values, approver, at);
                values.extend(computed.clone());
                let mut merged = state.values.clone();
                merged.extend(values.clone());
                let steps = engine::complete_task(workflow, &state.instance, *token, &merged, starter, at)?;
                let (by, collaborator) = match performer {
                    Performer::User(member) => (member.user_id, None),
                    Performer::Collaborator { address, .. } => (Uuid::nil(), Some(address.clone())),
                };
                TicketEvent::TaskCompleted(TaskCompleted {
                    ticket_id,
                    token: *token,
                    node: waiting.node.clone(),
                    by,
                    collaborator,
                    values,
                    steps,
                    at,
                })
            }
            TicketAction::FireTimer { token, workflow } => {
                let steps = engine::fire_timer(workflow, &state.instance, *token, &state.values, starter, at)?;
                TicketEvent::TimerFired(Resumed { ticket_id, token: *token, steps, at })
            }
            TicketAction::ServiceDone { token, values, workflow, form } => {
                let errors = check_computed(form, values);
                if !errors.is_empty() {
                    return Err(invalid_values(&errors));
                }
                let mut merged = state.values.clone();
                merged.extend(values.clone());
                let steps = engine::service_done(workflow, &state.instance, *token, &merged, starter, at)?;
                let values = Some(values.clone()).filter(|values| !values.is_empty());
                TicketEvent::ServiceDone(ServiceReturned { ticket_id, token: *token, values, steps, at })
            }
            TicketAction::FailService { token, error, attempts } => {
                let (node, call) = waiting_service(state, *token)?;
                if call.failed {
                    return Ok(vec![]);
                }
                let error = cut(error.trim(), MAX_SERVICE_ERROR_CHARS);
                TicketEvent::ServiceFailed(ServiceFailed {
                    ticket_id,
                    token: *token,
                    node,
                    error,
                    attempts: *attempts,
                    at,
                })
            }
            TicketAction::RetryService { token, by } => {
                let (node, call) = waiting_service(state, *token)?;
                if !call.failed {
                    return Err(DomainError::new(
                        "ticket.service_not_failed",
                        "this service call has not failed: it is still being made",
                    ));
                }
                TicketEvent::ServiceRetried(ServiceRetried { ticket_id, token: *token, node, by: *by, at })
            }
            TicketAction::SendLink { token, expires_at, by } => {
                let (node, address) = external_task(state, *token)?;
                if by.is_none() && state.links.contains_key(token) {
                    return Ok(vec![]);
                }
                if *expires_at <= at {
                    return Err(DomainError::new("ticket.invalid_link", "a link must expire after it is sent"));
                }
                TicketEvent::LinkSent(LinkSent {
                    ticket_id,
                    token: *token,
                    node,
                    address,
                    expires_at: *expires_at,
                    by: *by,
                    at,
                })
            }
            TicketAction::Comment { text, author } => {
                let text = bounded(text, 1, MAX_COMMENT_CHARS, "ticket.invalid_comment", "a comment")?;
                TicketEvent::Commented(Commented { ticket_id, author: *author, text, at })
            }
            TicketAction::Cancel { reason, by } => {
                let reason = bounded(reason, 0, MAX_REASON_CHARS, "ticket.invalid_reason", "a reason")?;
                TicketEvent::Cancelled(Cancelled { ticket_id, by: *by, reason, at })
            }
            TicketAction::CheckSla { token, workflow } => check_sla(state, ticket_id, *token, workflow, at)?,
            TicketAction::ReceiveMail { from, author, subject, text, message_id } => {
                if state.mail_ids.contains(message_id) {
                    return Ok(vec![]);
                }
                let from = crate::email::parse_address(from, "ticket.invalid_sender")?;
                TicketEvent::MailReceived(MailReceived {
                    ticket_id,
                    from,
                    author: *author,
                    subject: cut(subject.trim(), MAX_MAIL_SUBJECT_CHARS),
                    text: cut(text.trim(), MAX_MAIL_TEXT_CHARS),
                    message_id: message_id.clone(),
                    at,
                })
            }
        };
        Ok(vec![event])
    }

    fn evolve(mut state: TicketState, event: &TicketEvent) -> TicketState {
        let steps = match event {
            TicketEvent::Opened(opened) => {
                state.status = Status::Open;
                state.type_id = Some(opened.type_id);
                state.version = opened.version;
                state.title = opened.title.clone();
                state.values = opened.values.clone();
                state.starter = Some(opened.starter);
                &opened.steps[..]
            }
            TicketEvent::TaskCompleted(completed) => {
                state.values.extend(completed.values.clone());
                &completed.steps[..]
            }
            TicketEvent::TimerFired(resumed) => &resumed.steps[..],
            TicketEvent::ServiceDone(returned) => {
                state.values.extend(returned.values.clone().unwrap_or_default());
                &returned.steps[..]
            }
            TicketEvent::Commented(_) => &[],
            TicketEvent::Cancelled(_) => {
                state.status = Status::Cancelled;
                &[]
            }
            TicketEvent::TaskReminded(reminded) => {
                state.sla.insert(reminded.token, SlaStage::Reminded);
                &[]
            }
            TicketEvent::TaskOverdue(overdue) => {
                state.sla.insert(overdue.token, SlaStage::Overdue);
                &[]
            }
            TicketEvent::MailReceived(mail) => {
                state.mail_ids.insert(mail.message_id.clone());
                &[]
            }
            TicketEvent::ServiceFailed(failed) => {
                state.services.entry(failed.token).or_default().failed = true;
                &[]
            }
            TicketEvent::ServiceRetried(retried) => {
                let call = state.services.entry(retried.token).or_default();
                call.round += 1;
                call.failed = false;
                &[]
            }
            TicketEvent::LinkSent(sent) => {
                state.links.insert(sent.token, sent.expires_at);
                &[]
            }
        };
        for step in steps {
            state.instance.apply(step);
        }
        // A token that stopped waiting takes its SLA stage and its service call with it.
        let instance = &state.instance;
        state.sla.retain(|token, _| instance.tokens.contains_key(token));
        state.services.retain(|token, _| instance.tokens.contains_key(token));
        state.links.retain(|token, _| instance.tokens.contains_key(token));
        for (token, waiting) in &instance.tokens {
            if waiting.wait == Wait::Service {
                state.services.entry(*token).or_default();
            }
        }
        if state.instance.finished && state.status == Status::Open {
            state.status = Status::Finished;
        }
        state
    }
}
