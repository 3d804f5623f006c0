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
#[cfg(test)]
mod tests;
pub mod ticket_type;
pub mod workflow;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

pub use bpmn::{parse_bpmn, parse_duration};
pub use condition::Condition;
pub use engine::{Candidate, Instance, Step, Token, TokenId, Wait};
pub use form::{FieldAccess, FieldKind, FormField, FormSpec, validate_values};
pub use ticket_type::{TicketType, TicketTypeAction, TicketTypeCommand, TicketTypeEvent, TicketTypeState};
pub use workflow::{Assignee, Flow, Node, NodeKind, UserTask, Workflow, validate};

use crate::{Decider, DomainError, DomainEvent, FieldError, StreamId, UpcastError, read_payload};

pub const CONTEXT: &str = "ticket";

pub const OPENED: &str = "hotline.ticket.opened";
pub const TASK_COMPLETED: &str = "hotline.ticket.task_completed";
pub const TIMER_FIRED: &str = "hotline.ticket.timer_fired";
pub const SERVICE_DONE: &str = "hotline.ticket.service_done";
pub const COMMENTED: &str = "hotline.ticket.commented";
pub const CANCELLED: &str = "hotline.ticket.cancelled";

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_COMMENT_CHARS: usize = 4000;
pub const MAX_REASON_CHARS: usize = 1000;

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

/// Who is completing a task, with the roles and units they hold (resolved by the service).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Performer {
    pub user_id: Uuid,
    pub role_ids: Vec<Uuid>,
    pub org_unit_ids: Vec<Uuid>,
}

impl Performer {
    pub fn matches(&self, candidate: &Candidate) -> bool {
        match candidate {
            Candidate::User(user) => *user == self.user_id,
            Candidate::Role(role) => self.role_ids.contains(role),
            Candidate::OrgUnit(unit) => self.org_unit_ids.contains(unit),
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
        starter: Uuid,
        origin: Option<Origin>,
    },
    CompleteTask {
        token: TokenId,
        values: Map<String, Value>,
        performer: Performer,
        workflow: Workflow,
        form: FormSpec,
    },
    FireTimer {
        token: TokenId,
        workflow: Workflow,
    },
    ServiceDone {
        token: TokenId,
        workflow: Workflow,
    },
    Comment {
        text: String,
        author: Uuid,
    },
    Cancel {
        reason: String,
        by: Uuid,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TicketEvent {
    Opened(Opened),
    TaskCompleted(TaskCompleted),
    TimerFired(Resumed),
    ServiceDone(Resumed),
    Commented(Commented),
    Cancelled(Cancelled),
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
    pub by: Uuid,
    /// Only the values submitted with this completion.
    pub values: Map<String, Value>,
    pub steps: Vec<Step>,
    pub at: DateTime<Utc>,
}

/// A timer fired or a service task returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resumed {
    pub ticket_id: Uuid,
    pub token: TokenId,
    pub steps: Vec<Step>,
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
}

const EVENT_TYPES: [&str; 6] = [OPENED, TASK_COMPLETED, TIMER_FIRED, SERVICE_DONE, COMMENTED, CANCELLED];

impl DomainEvent for TicketEvent {
    fn event_type(&self) -> &'static str {
        match self {
            TicketEvent::Opened(_) => OPENED,
            TicketEvent::TaskCompleted(_) => TASK_COMPLETED,
            TicketEvent::TimerFired(_) => TIMER_FIRED,
            TicketEvent::ServiceDone(_) => SERVICE_DONE,
            TicketEvent::Commented(_) => COMMENTED,
            TicketEvent::Cancelled(_) => CANCELLED,
        }
    }

    fn schema_version(&self) -> u32 {
        1
    }

    fn to_payload(&self) -> Value {
        let payload = match self {
            TicketEvent::Opened(event) => serde_json::to_value(event),
            TicketEvent::TaskCompleted(event) => serde_json::to_value(event),
            TicketEvent::TimerFired(event) | TicketEvent::ServiceDone(event) => serde_json::to_value(event),
            TicketEvent::Commented(event) => serde_json::to_value(event),
            TicketEvent::Cancelled(event) => serde_json::to_value(event),
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
            _ => read_payload(event_type, 1, payload, TicketEvent::Cancelled),
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
        // Workflow commands and cancelling need a running ticket; comments are welcome after.
        let needs_open = !matches!(command.action, TicketAction::Open { .. } | TicketAction::Comment { .. });
        if needs_open && state.status != Status::Open {
            return Err(DomainError::new("ticket.closed", format!("ticket {ticket_id} is no longer open")));
        }
        let starter = state.starter.unwrap_or_default();
        let event = match &command.action {
            TicketAction::Open { type_id, version, workflow, form, title, values, starter, origin } => {
                if state.status != Status::NotOpened {
                    return Err(DomainError::new("ticket.exists", format!("ticket {ticket_id} exists")));
                }
                let title = bounded(title, 1, MAX_TITLE_CHARS, "ticket.invalid_title", "a title")?;
                let errors = validate_values(form, values, &|_| FieldAccess::Editable);
                if !errors.is_empty() {
                    return Err(invalid_values(&errors));
                }
                let steps = engine::start(workflow, values, *starter, at)?;
                TicketEvent::Opened(Opened {
                    ticket_id,
                    type_id: *type_id,
                    version: *version,
                    number: ticket_number(ticket_id),
                    title,
                    values: values.clone(),
                    starter: *starter,
                    origin: *origin,
                    steps,
                    at,
                })
            }
            TicketAction::CompleteTask { token, values, performer, workflow, form } => {
                let no_task = || DomainError::new("ticket.no_such_task", format!("no open task with token {token}"));
                let waiting = state.instance.tokens.get(token).ok_or_else(no_task)?;
                let Wait::Task { candidate, .. } = &waiting.wait else { return Err(no_task()) };
                if !performer.matches(candidate) {
                    return Err(DomainError::new("ticket.not_your_task", "this task is assigned to someone else"));
                }
                let Some(NodeKind::UserTask(task)) = workflow.node(&waiting.node).map(|node| &node.kind) else {
                    return Err(DomainError::new(
                        "ticket.broken_workflow",
                        format!("the workflow has no user task {}", waiting.node),
                    ));
                };
                let errors = validate_values(form, values, &|key| task.access(key));
                if !errors.is_empty() {
                    return Err(invalid_values(&errors));
                }
                let mut merged = state.values.clone();
                merged.extend(values.clone());
                let steps = engine::complete_task(workflow, &state.instance, *token, &merged, starter, at)?;
                TicketEvent::TaskCompleted(TaskCompleted {
                    ticket_id,
                    token: *token,
                    node: waiting.node.clone(),
                    by: performer.user_id,
                    values: values.clone(),
                    steps,
                    at,
                })
            }
            TicketAction::FireTimer { token, workflow } => {
                let steps = engine::fire_timer(workflow, &state.instance, *token, &state.values, starter, at)?;
                TicketEvent::TimerFired(Resumed { ticket_id, token: *token, steps, at })
            }
            TicketAction::ServiceDone { token, workflow } => {
                let steps = engine::service_done(workflow, &state.instance, *token, &state.values, starter, at)?;
                TicketEvent::ServiceDone(Resumed { ticket_id, token: *token, steps, at })
            }
            TicketAction::Comment { text, author } => {
                let text = bounded(text, 1, MAX_COMMENT_CHARS, "ticket.invalid_comment", "a comment")?;
                TicketEvent::Commented(Commented { ticket_id, author: *author, text, at })
            }
            TicketAction::Cancel { reason, by } => {
                let reason = bounded(reason, 0, MAX_REASON_CHARS, "ticket.invalid_reason", "a reason")?;
                TicketEvent::Cancelled(Cancelled { ticket_id, by: *by, reason, at })
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
            TicketEvent::TimerFired(resumed) | TicketEvent::ServiceDone(resumed) => &resumed.steps[..],
            TicketEvent::Commented(_) => &[],
            TicketEvent::Cancelled(_) => {
                state.status = Status::Cancelled;
                &[]
            }
        };
        for step in steps {
            state.instance.apply(step);
        }
        if state.instance.finished && state.status == Status::Open {
            state.status = Status::Finished;
        }
        state
    }
}
