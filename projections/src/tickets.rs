//! The tickets read models, folded from `hotline.ticket_type.*` and `hotline.ticket.*`:
//!
//! - `ticket_types`: each type as the designer edits it (draft form, last published XML,
//!   version, the published version's steps);
//! - `ticket_type_versions`: every published version's workflow and form, immutable, which a
//!   ticket's detail and this projection's task rows read;
//! - `tickets`: one row per ticket (values, status, origin, history);
//! - `ticket_tasks`: the open user tasks (a parallel branch gives several), with who may
//!   complete them and their SLA (reminder and due time, the next SLA check, overdue): the
//!   to-do lists are queries on it, and so is the SLA task of `hotline serve`;
//! - `ticket_timers`: the timers tickets wait on, with their due time, which the timer task
//!   of `hotline serve` fires when due;
//! - `ticket_services`: the service tasks tickets wait on, with when a call is wanted (none
//!   once it failed for good), which the service caller of `hotline serve` makes;
//! - `ticket_people`: who opened, acted on or commented on each ticket, for the data scope
//!   on tickets (see [`TicketScope`]).
//!
//! Idempotency: each type and ticket row keeps the stream version it has applied, and events
//! at or below it are skipped. Names (of users, roles, units) are not copied here: the API
//! looks them up when it answers, so a renamed user shows under the new name.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hotline_domain::ticket::queries::{
    Condition, ConditionOp, SavedTicketQuery, TicketQueries, TicketQuery, TicketSort,
};
use hotline_domain::ticket::ticket_type::{ExportTemplate, TemplateFormat};
use hotline_domain::ticket::{
    self, Assignee, Candidate, FieldAccess, Member, NodeKind, Origin, ROLE_FORMS, Step, TicketEvent, TicketTypeEvent,
    Workflow, ticket_type,
};
use hotline_domain::{DomainEvent, EventEnvelope};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, AnyPool, AssertSqlSafe, Executor, Row, Transaction};
use uuid::Uuid;

use crate::identity::USERS_TABLE;
use crate::rows::{
    execute_all, has_column, like_escaped, optional_uuid_column, sql, time_column, to_i64, to_u64, uuid_column,
};
use crate::runner::{Projection, ProjectionError, ProjectionResult, is_sqlite, table_name};
use crate::saved_queries;

pub const TICKET_TYPES_TABLE: &str = "ticket_types";
pub const TICKET_TYPE_VERSIONS_TABLE: &str = "ticket_type_versions";
pub const TICKETS_TABLE: &str = "tickets";
pub const TICKET_TASKS_TABLE: &str = "ticket_tasks";
pub const TICKET_TIMERS_TABLE: &str = "ticket_timers";
pub const TICKET_PEOPLE_TABLE: &str = "ticket_people";
pub const TICKET_SERVICES_TABLE: &str = "ticket_services";
pub const TICKET_SAVED_QUERIES_TABLE: &str = "ticket_saved_queries";
pub const TICKET_EXPORT_TEMPLATES_TABLE: &str = "ticket_export_templates";

/// The most tickets one page returns.
pub const MAX_TICKETS_PER_PAGE: u32 = 200;

/// A field's access at one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldRuleView {
    pub key: String,
    pub access: FieldAccess,
}

/// A user task of a published version, as the designer and the ticket detail show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketStepView {
    pub id: String,
    pub name: String,
    /// As the workflow writes it: `starter`, `user:<id>`, `role:<id>`, `unit:<id>`, `field:<key>`.
    pub assignee: String,
    pub due_seconds: Option<u64>,
    pub fields: Vec<FieldRuleView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketTypeView {
    pub tenant_id: Uuid,
    pub type_id: Uuid,
    pub name: String,
    pub description: String,
    /// The draft form-js schema.
    pub form: Value,
    pub workflow_xml: Option<String>,
    /// The form-js schema of the published version (the draft may have moved on since).
    pub published_form: Option<Value>,
    /// The draft's form rules (JavaScript); empty for none.
    pub rules: String,
    /// The published version's form rules.
    pub published_rules: Option<String>,
    /// When the type's signing secret for service calls was last made; `None`: none yet.
    pub service_secret_rotated_at: Option<DateTime<Utc>>,
    /// The published version; 0 before the first publish.
    pub version: u32,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub steps: Vec<TicketStepView>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    Open,
    Finished,
    Cancelled,
}

impl TicketStatus {
    fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Open => "open",
            TicketStatus::Finished => "finished",
            TicketStatus::Cancelled => "cancelled",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "open" => Some(TicketStatus::Open),
            "finished" => Some(TicketStatus::Finished),
            "cancelled" => Some(TicketStatus::Cancelled),
            _ => None,
        }
    }
}

/// One line of a ticket's history, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketHistoryEntry {
    pub at: DateTime<Utc>,
    /// `opened`, `task_completed`, `timer_fired`, `service_done`, `service_failed`,
    /// `service_retried`, `link_sent`, `commented`, `cancelled`, `finished`, `reminded`,
    /// `overdue`, `mail_received`.
    pub kind: String,
    /// The user who acted; `None` for the system (a timer, the end of the workflow), for
    /// mail from outside and for outside collaborators.
    pub actor_id: Option<Uuid>,
    pub step_name: Option<String>,
    pub text: Option<String>,
    /// `overdue`: who the task was escalated to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalated_to: Option<Candidate>,
    /// `mail_received`: the sender's address; `task_completed` by an outside collaborator:
    /// theirs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

impl TicketHistoryEntry {
    fn new(kind: &str, at: DateTime<Utc>, actor_id: Option<Uuid>) -> Self {
        Self { at, kind: kind.to_owned(), actor_id, step_name: None, text: None, escalated_to: None, from: None }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketView {
    pub tenant_id: Uuid,
    pub ticket_id: Uuid,
    pub number: String,
    pub type_id: Uuid,
    pub type_name: String,
    pub version: u32,
    pub title: String,
    pub status: TicketStatus,
    pub values: Map<String, Value>,
    pub starter_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub conversation_id: Option<Uuid>,
    pub call_id: Option<Uuid>,
}

/// An open user task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketTaskView {
    pub ticket_id: Uuid,
    pub token: u32,
    pub step_id: String,
    pub step_name: String,
    pub candidate: Candidate,
    pub activated_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    pub remind_at: Option<DateTime<Utc>>,
    pub overdue: bool,
    pub fields: Vec<FieldRuleView>,
    /// An outside collaborator's task: when the latest link mailed for it expires.
    pub link_expires_at: Option<DateTime<Utc>>,
}

/// A service task a ticket waits on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketServiceCallView {
    pub ticket_id: Uuid,
    pub token: u32,
    pub step_id: String,
    pub step_name: String,
    pub url: String,
    /// Since when the ticket has waited there.
    pub called_at: DateTime<Utc>,
    /// Why the call failed for good; `None` while it is being made.
    pub error: Option<String>,
}

/// A task on someone's to-do list, with what the list shows of its ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketTodoView {
    pub ticket_id: Uuid,
    pub number: String,
    pub title: String,
    pub type_name: String,
    pub token: u32,
    pub step_name: String,
    pub activated_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
}

/// Which tickets a list shows, and in which order; every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketFilter {
    pub status: Option<TicketStatus>,
    pub type_id: Option<Uuid>,
    /// In the number or the title, case-insensitively.
    pub text: Option<String>,
    pub starter_id: Option<Uuid>,
    pub conversation_id: Option<Uuid>,
    /// An open task of the ticket waits on these people.
    pub waiting_on: Option<WaitingOn>,
    /// An open task of the ticket has a deadline in this window.
    pub due: Option<DueWindow>,
    /// On form values (see [`hotline_domain::ticket::queries`]); check them with
    /// `TicketQuery::check` first.
    pub conditions: Vec<Condition>,
    /// The form fields the reader may not see, by key, with the versions (type, version)
    /// whose forms per role hide them: a condition on such a field holds for no ticket of
    /// those versions, so that a search never tells what a hidden field holds.
    pub hidden_fields: BTreeMap<String, Vec<(Uuid, u32)>>,
    /// `None`: the most recently changed first.
    pub sort: Option<TicketSort>,
    pub sort_descending: bool,
}

/// Whose work an open task waits on, for [`TicketFilter::waiting_on`].
#[derive(Debug, Clone, PartialEq)]
pub enum WaitingOn {
    /// A task the member may complete (theirs, their roles' or their units').
    MayComplete(Member),
    User(Uuid),
    Role(Uuid),
    Unit(Uuid),
    /// Any outside collaborator.
    External,
}

/// A deadline window, for [`TicketFilter::due`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueWindow {
    /// Due before `now`.
    Overdue { now: DateTime<Utc> },
    /// Due from `now` to `until`.
    Between { now: DateTime<Utc>, until: DateTime<Utc> },
}

pub struct TicketsProjection;

const CREATE_TYPES: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     type_id TEXT NOT NULL, \
     name TEXT NOT NULL, \
     description TEXT NOT NULL, \
     form TEXT NOT NULL, \
     workflow_xml TEXT NULL, \
     published_form TEXT NULL, \
     rules TEXT NOT NULL, \
     published_rules TEXT NULL, \
     service_secret_at BIGINT NULL, \
     version BIGINT NOT NULL, \
     published_at BIGINT NULL, \
     updated_at BIGINT NOT NULL, \
     steps TEXT NOT NULL, \
     stream_version BIGINT NOT NULL, \
     PRIMARY KEY (tenant_id, type_id))";

const CREATE_VERSIONS: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     type_id TEXT NOT NULL, \
     version BIGINT NOT NULL, \
     workflow TEXT NOT NULL, \
     form TEXT NOT NULL, \
     rules TEXT NULL, \
     PRIMARY KEY (tenant_id, type_id, version))";

const CREATE_TICKETS: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     ticket_id TEXT NOT NULL, \
     number TEXT NOT NULL, \
     type_id TEXT NOT NULL, \
     version BIGINT NOT NULL, \
     title TEXT NOT NULL, \
     folded_text TEXT NOT NULL, \
     status TEXT NOT NULL, \
     field_values TEXT NOT NULL, \
     starter_id TEXT NOT NULL, \
     created_at BIGINT NOT NULL, \
     updated_at BIGINT NOT NULL, \
     conversation_id TEXT NULL, \
     call_id TEXT NULL, \
     history TEXT NOT NULL, \
     stream_version BIGINT NOT NULL, \
     PRIMARY KEY (tenant_id, ticket_id))";

const INDEX_TICKETS: &str = "CREATE INDEX IF NOT EXISTS {table}_by_update ON {table} (tenant_id, updated_at)";

/// The list pages filter by status far more often than not (open tickets, the default).
const INDEX_TICKETS_BY_STATUS: &str =
    "CREATE INDEX IF NOT EXISTS {table}_by_status ON {table} (tenant_id, status, updated_at)";

const INDEX_TICKETS_BY_NUMBER: &str = "CREATE INDEX IF NOT EXISTS {table}_by_number ON {table} (tenant_id, number)";

const CREATE_TASKS: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     ticket_id TEXT NOT NULL, \
     token BIGINT NOT NULL, \
     step_id TEXT NOT NULL, \
     step_name TEXT NOT NULL, \
     candidate_kind TEXT NOT NULL, \
     candidate_id TEXT NOT NULL, \
     activated_at BIGINT NOT NULL, \
     due_at BIGINT NULL, \
     remind_at BIGINT NULL, \
     next_sla_at BIGINT NULL, \
     overdue BIGINT NOT NULL, \
     fields TEXT NOT NULL, \
     link_expires_at BIGINT NULL, \
     PRIMARY KEY (tenant_id, ticket_id, token))";

const INDEX_TASKS: &str =
    "CREATE INDEX IF NOT EXISTS {table}_by_candidate ON {table} (tenant_id, candidate_kind, candidate_id)";

const INDEX_TASKS_SLA: &str = "CREATE INDEX IF NOT EXISTS {table}_by_sla ON {table} (next_sla_at)";

const CREATE_TIMERS: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     ticket_id TEXT NOT NULL, \
     token BIGINT NOT NULL, \
     node TEXT NOT NULL, \
     due_at BIGINT NOT NULL, \
     PRIMARY KEY (tenant_id, ticket_id, token))";

const INDEX_TIMERS: &str = "CREATE INDEX IF NOT EXISTS {table}_by_due ON {table} (due_at)";

/// `call_at` is when a call is wanted: the wait's start, a retry's time, or none once the
/// call failed for good (`error`).
const CREATE_SERVICES: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     ticket_id TEXT NOT NULL, \
     token BIGINT NOT NULL, \
     node TEXT NOT NULL, \
     step_name TEXT NOT NULL, \
     url TEXT NOT NULL, \
     called_at BIGINT NOT NULL, \
     call_at BIGINT NULL, \
     error TEXT NULL, \
     PRIMARY KEY (tenant_id, ticket_id, token))";

const INDEX_SERVICES: &str = "CREATE INDEX IF NOT EXISTS {table}_by_call ON {table} (call_at)";

const CREATE_EXPORT_TEMPLATES: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     type_id TEXT NOT NULL, \
     template_id TEXT NOT NULL, \
     name TEXT NOT NULL, \
     format TEXT NOT NULL, \
     blob_id TEXT NOT NULL, \
     file_name TEXT NOT NULL, \
     size BIGINT NOT NULL, \
     placeholders TEXT NOT NULL, \
     added_at BIGINT NOT NULL, \
     PRIMARY KEY (tenant_id, type_id, template_id))";

const CREATE_PEOPLE: &str = "CREATE TABLE IF NOT EXISTS {table} (\
     tenant_id TEXT NOT NULL, \
     ticket_id TEXT NOT NULL, \
     user_id TEXT NOT NULL, \
     PRIMARY KEY (tenant_id, ticket_id, user_id))";

const INDEX_PEOPLE: &str = "CREATE INDEX IF NOT EXISTS {table}_by_user ON {table} (tenant_id, user_id)";

/// Which tickets a reader may see: their data scope on `tickets`, made concrete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketScope {
    All,
    /// The tickets `reader` opened, acted on or may act on now (a task for them, one of their
    /// roles or their unit), and those that people of `units` opened or acted on.
    Involving {
        reader: Member,
        units: Vec<Uuid>,
    },
}

/// A timer that is due (or will be): what firing it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueTimer {
    pub tenant_id: Uuid,
    pub ticket_id: Uuid,
    pub token: u32,
    pub due_at: DateTime<Utc>,
}

const TICKET_COLUMNS: &str = "t.tenant_id, t.ticket_id, t.number, t.type_id, COALESCE(y.name, '') AS type_name, \
     t.version, t.title, t.status, t.field_values, t.starter_id, t.created_at, t.updated_at, t.conversation_id, \
     t.call_id";

fn handled(envelope: &&EventEnvelope) -> bool {
    let context = envelope.stream_id.context();
    (context == ticket::CONTEXT && envelope.event_type.starts_with("hotline.ticket."))
        || (context == ticket_type::CONTEXT && envelope.event_type.starts_with("hotline.ticket_type."))
        || saved_queries::handles::<TicketQueries>(envelope)
}

fn json_text(value: &impl Serialize) -> String {
    serde_json::to_string(value).expect("read-model values serialise")
}

fn json_column<T: serde::de::DeserializeOwned>(row: &AnyRow, column: &str) -> ProjectionResult<T> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|error| ProjectionError::CorruptRow(format!("{column}: {error}")))
}

fn version_column(row: &AnyRow, column: &str) -> ProjectionResult<u32> {
    let value = to_u64(column, row.try_get(column)?)?;
    u32::try_from(value).map_err(|_| ProjectionError::CorruptRow(format!("{column} is {value}")))
}

fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// How a step's assignee reads in the workflow's XML.
fn assignee_text(assignee: &Assignee) -> String {
    match assignee {
        Assignee::Starter => "starter".to_owned(),
        Assignee::User(id) => format!("user:{id}"),
        Assignee::Role(id) => format!("role:{id}"),
        Assignee::OrgUnit(id) => format!("unit:{id}"),
        Assignee::FormField(key) => format!("field:{key}"),
        Assignee::External(address) => format!("external:{address}"),
        Assignee::ExternalField(key) => format!("external-field:{key}"),
    }
}

fn field_rules(fields: &std::collections::BTreeMap<String, FieldAccess>) -> Vec<FieldRuleView> {
    fields.iter().map(|(key, access)| FieldRuleView { key: key.clone(), access: *access }).collect()
}

/// The user tasks of a workflow, in document order.
fn steps_of(workflow: &Workflow) -> Vec<TicketStepView> {
    workflow
        .nodes
        .iter()
        .filter_map(|node| match &node.kind {
            NodeKind::UserTask(task) => Some(TicketStepView {
                id: node.id.clone(),
                name: node.name.clone(),
                assignee: assignee_text(&task.assignee),
                due_seconds: task.due_seconds,
                fields: field_rules(&task.fields),
            }),
            _ => None,
        })
        .collect()
}

/// A candidate as its kind and id columns (an outside collaborator's id is their address).
fn candidate_parts(candidate: &Candidate) -> (&'static str, String) {
    match candidate {
        Candidate::User(id) => ("user", id.to_string()),
        Candidate::Role(id) => ("role", id.to_string()),
        Candidate::OrgUnit(id) => ("org_unit", id.to_string()),
        Candidate::External(address) => ("external", address.clone()),
    }
}

fn candidate_from_parts(kind: &str, id: String) -> Option<Candidate> {
    let uuid = || Uuid::parse_str(&id).ok();
    match kind {
        "user" => Some(Candidate::User(uuid()?)),
        "role" => Some(Candidate::Role(uuid()?)),
        "org_unit" => Some(Candidate::OrgUnit(uuid()?)),
        "external" => Some(Candidate::External(id)),
        _ => None,
    }
}

/// A ticket row this batch read or made: events change it in memory, and it is written back
/// once, when the batch ends.
struct CachedTicket {
    row: TicketRow,
    /// The last event applied to it.
    stream_version: i64,
    updated_at: DateTime<Utc>,
    /// Changed since it was read.
    dirty: bool,
    /// Opened in this batch: the columns that never change, inserted with the row at the end.
    opened: Option<OpenedColumns>,
}

/// A ticket row's columns set once, at opening.
struct OpenedColumns {
    number: String,
    title: String,
    starter_id: Uuid,
    created_at: DateTime<Utc>,
    conversation_id: Option<String>,
    call_id: Option<String>,
}

/// A task row to insert at the end of the batch (unless its token moves on before).
struct PendingTask {
    step_id: String,
    step_name: String,
    candidate_kind: String,
    candidate_id: String,
    activated_at: i64,
    due_at: Option<i64>,
    remind_at: Option<i64>,
    fields: String,
}

/// A value bound into a multi-row statement.
enum Cell {
    Text(Option<String>),
    Int(Option<i64>),
}

/// The most rows one multi-row statement carries (SQLite allows 32,766 parameters).
const ROWS_PER_STATEMENT: usize = 500;

/// `($1, $2), ($3, $4)`: `rows` groups of `width` placeholders.
fn placeholders(rows: usize, width: usize) -> String {
    (0..rows)
        .map(|row| {
            let cells: Vec<String> = (1..=width).map(|column| format!("${}", row * width + column)).collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs `statement(placeholders)` over `rows` of `width` cells, `ROWS_PER_STATEMENT` at a time.
async fn execute_rows(
    connection: &mut AnyConnection,
    rows: Vec<Vec<Cell>>,
    width: usize,
    statement: impl Fn(&str) -> String,
) -> ProjectionResult<()> {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Cell>> = rows.by_ref().take(ROWS_PER_STATEMENT).collect();
        let text = statement(&placeholders(chunk.len(), width));
        let mut query = sqlx::query(AssertSqlSafe(text));
        for cell in chunk.into_iter().flatten() {
            query = match cell {
                Cell::Text(value) => query.bind(value),
                Cell::Int(value) => query.bind(value),
            };
        }
        query.execute(&mut *connection).await?;
    }
    Ok(())
}

/// What a batch needs again and again: the statements, the workflows read so far, the ticket
/// rows it has touched (in the order it touched them) and the people it has recorded.
///
/// Rows are written set-wise: the batch's ticket rows are read in one statement per 500
/// before its events are applied, and new rows (tickets, people, tasks) go in with one
/// multi-row statement per kind at the end; a task opened and done within the batch is never
/// written. Each statement is a round trip to the database's worker, which is what costs.
struct Batch<'a> {
    suffix: &'a str,
    workflows: HashMap<(Uuid, Uuid, u32), Workflow>,
    tickets: HashMap<(Uuid, Uuid), CachedTicket>,
    touched: Vec<(Uuid, Uuid)>,
    /// Tickets looked for before the events were applied: one not in `tickets` has no row.
    looked_up: HashSet<(Uuid, Uuid)>,
    people: HashSet<(Uuid, Uuid, Uuid)>,
    /// People recorded in this batch, to insert at its end.
    new_people: Vec<(Uuid, Uuid, Uuid)>,
    /// Task rows to insert, and task rows of earlier batches to delete.
    new_tasks: BTreeMap<(Uuid, Uuid, u32), PendingTask>,
    done_tasks: Vec<(Uuid, Uuid, u32)>,
}

impl<'a> Batch<'a> {
    fn new(suffix: &'a str) -> Self {
        Self {
            suffix,
            workflows: HashMap::new(),
            tickets: HashMap::new(),
            touched: Vec::new(),
            looked_up: HashSet::new(),
            people: HashSet::new(),
            new_people: Vec::new(),
            new_tasks: BTreeMap::new(),
            done_tasks: Vec::new(),
        }
    }

    /// Reads the rows of the tickets `events` name, a statement per tenant and 500 tickets.
    async fn look_up(&mut self, connection: &mut AnyConnection, events: &[&EventEnvelope]) -> ProjectionResult<()> {
        let mut wanted: BTreeMap<Uuid, BTreeSet<Uuid>> = BTreeMap::new();
        for envelope in events.iter().filter(|envelope| envelope.stream_id.context() == ticket::CONTEXT) {
            let key = (envelope.tenant_id, envelope.stream_id.aggregate_id());
            if self.looked_up.insert(key) && !self.tickets.contains_key(&key) {
                wanted.entry(key.0).or_default().insert(key.1);
            }
        }
        for (tenant_id, tickets) in wanted {
            let tickets: Vec<Uuid> = tickets.into_iter().collect();
            for chunk in tickets.chunks(ROWS_PER_STATEMENT) {
                let ids: Vec<String> = (0..chunk.len()).map(|index| format!("${}", index + 2)).collect();
                let select = self.sql(
                    &format!(
                        "SELECT ticket_id, type_id, version, status, field_values, history, updated_at, stream_version \
                         FROM {{table}} WHERE tenant_id = $1 AND ticket_id IN ({})",
                        ids.join(", ")
                    ),
                    TICKETS_TABLE,
                );
                let mut query = sqlx::query(AssertSqlSafe(select)).bind(tenant_id.to_string());
                for ticket_id in chunk {
                    query = query.bind(ticket_id.to_string());
                }
                for row in query.fetch_all(&mut *connection).await? {
                    let cached = cached_from_row(&row)?;
                    self.remember((tenant_id, uuid_column(&row, "ticket_id")?), cached);
                }
            }
        }
        Ok(())
    }

    /// Writes the task rows opened and closed so far: before a statement that reads or
    /// changes task rows, and at the end.
    async fn flush_tasks(&mut self, connection: &mut AnyConnection) -> ProjectionResult<()> {
        let done: Vec<Vec<Cell>> = std::mem::take(&mut self.done_tasks)
            .into_iter()
            .map(|(tenant_id, ticket_id, token)| {
                vec![
                    Cell::Text(Some(tenant_id.to_string())),
                    Cell::Text(Some(ticket_id.to_string())),
                    Cell::Int(Some(i64::from(token))),
                ]
            })
            .collect();
        let delete =
            self.sql("DELETE FROM {table} WHERE (tenant_id, ticket_id, token) IN (VALUES {rows})", TICKET_TASKS_TABLE);
        execute_rows(connection, done, 3, |rows| delete.replace("{rows}", rows)).await?;
        let new: Vec<Vec<Cell>> = std::mem::take(&mut self.new_tasks)
            .into_iter()
            .map(|((tenant_id, ticket_id, token), task)| {
                vec![
                    Cell::Text(Some(tenant_id.to_string())),
                    Cell::Text(Some(ticket_id.to_string())),
                    Cell::Int(Some(i64::from(token))),
                    Cell::Text(Some(task.step_id)),
                    Cell::Text(Some(task.step_name)),
                    Cell::Text(Some(task.candidate_kind)),
                    Cell::Text(Some(task.candidate_id)),
                    Cell::Int(Some(task.activated_at)),
                    Cell::Int(task.due_at),
                    Cell::Int(task.remind_at),
                    Cell::Int(task.remind_at.or(task.due_at)),
                    Cell::Int(Some(0)),
                    Cell::Text(Some(task.fields)),
                ]
            })
            .collect();
        let insert = self.sql(
            "INSERT INTO {table} (tenant_id, ticket_id, token, step_id, step_name, candidate_kind, candidate_id, \
             activated_at, due_at, remind_at, next_sla_at, overdue, fields) VALUES {rows} \
             ON CONFLICT (tenant_id, ticket_id, token) DO NOTHING",
            TICKET_TASKS_TABLE,
        );
        execute_rows(connection, new, 13, |rows| insert.replace("{rows}", rows)).await
    }

    fn sql(&self, template: &str, table: &str) -> String {
        sql(template, table, self.suffix)
    }

    fn remember(&mut self, key: (Uuid, Uuid), cached: CachedTicket) {
        self.touched.push(key);
        self.tickets.insert(key, cached);
    }

    /// Writes what the batch changed: task rows, people, new tickets, changed tickets.
    async fn flush(&mut self, connection: &mut AnyConnection) -> ProjectionResult<()> {
        self.flush_tasks(connection).await?;
        let people: Vec<Vec<Cell>> = std::mem::take(&mut self.new_people)
            .into_iter()
            .map(|(tenant_id, ticket_id, user_id)| {
                vec![
                    Cell::Text(Some(tenant_id.to_string())),
                    Cell::Text(Some(ticket_id.to_string())),
                    Cell::Text(Some(user_id.to_string())),
                ]
            })
            .collect();
        let insert_people = self.sql(
            "INSERT INTO {table} (tenant_id, ticket_id, user_id) VALUES {rows} \
             ON CONFLICT (tenant_id, ticket_id, user_id) DO NOTHING",
            TICKET_PEOPLE_TABLE,
        );
        execute_rows(connection, people, 3, |rows| insert_people.replace("{rows}", rows)).await?;
        let mut opened = Vec::new();
        for key in &self.touched {
            let cached = &self.tickets[key];
            match &cached.opened {
                Some(columns) => opened.push(opened_cells(*key, cached, columns)),
                None if cached.dirty => write_row(connection, self, key.0, key.1, cached).await?,
                None => {}
            }
        }
        let insert_tickets = self.sql(
            "INSERT INTO {table} (tenant_id, ticket_id, number, type_id, version, title, folded_text, status, \
             field_values, starter_id, created_at, updated_at, conversation_id, call_id, history, stream_version) \
             VALUES {rows} ON CONFLICT (tenant_id, ticket_id) DO NOTHING",
            TICKETS_TABLE,
        );
        execute_rows(connection, opened, 16, |rows| insert_tickets.replace("{rows}", rows)).await
    }

    /// The workflow of a published version (from this projection's own versions table).
    async fn workflow(
        &mut self,
        connection: &mut AnyConnection,
        tenant_id: Uuid,
        type_id: Uuid,
        version: u32,
    ) -> ProjectionResult<&Workflow> {
        let key = (tenant_id, type_id, version);
        if !self.workflows.contains_key(&key) {
            let select = self.sql(
                "SELECT workflow FROM {table} WHERE tenant_id = $1 AND type_id = $2 AND version = $3",
                TICKET_TYPE_VERSIONS_TABLE,
            );
            let row = sqlx::query(AssertSqlSafe(select))
                .bind(tenant_id.to_string())
                .bind(type_id.to_string())
                .bind(i64::from(version))
                .fetch_optional(&mut *connection)
                .await?
                .ok_or_else(|| {
                    ProjectionError::CorruptRow(format!("ticket type {type_id} has no published version {version}"))
                })?;
            self.workflows.insert(key, json_column(&row, "workflow")?);
        }
        Ok(&self.workflows[&key])
    }
}

#[async_trait]
impl Projection for TicketsProjection {
    fn name(&self) -> &'static str {
        "tickets"
    }

    fn tables(&self) -> &'static [&'static str] {
        &[
            TICKET_TYPES_TABLE,
            TICKET_TYPE_VERSIONS_TABLE,
            TICKETS_TABLE,
            TICKET_TASKS_TABLE,
            TICKET_TIMERS_TABLE,
            TICKET_PEOPLE_TABLE,
            TICKET_SERVICES_TABLE,
            TICKET_SAVED_QUERIES_TABLE,
            TICKET_EXPORT_TEMPLATES_TABLE,
        ]
    }

    async fn create_tables(&self, connection: &mut AnyConnection, suffix: &str) -> ProjectionResult<()> {
        execute_all(
            connection,
            &[
                sql(CREATE_TYPES, TICKET_TYPES_TABLE, suffix),
                sql(CREATE_VERSIONS, TICKET_TYPE_VERSIONS_TABLE, suffix),
                sql(CREATE_TICKETS, TICKETS_TABLE, suffix),
                sql(INDEX_TICKETS, TICKETS_TABLE, suffix),
                sql(INDEX_TICKETS_BY_NUMBER, TICKETS_TABLE, suffix),
                sql(INDEX_TICKETS_BY_STATUS, TICKETS_TABLE, suffix),
                sql(CREATE_TASKS, TICKET_TASKS_TABLE, suffix),
                sql(INDEX_TASKS, TICKET_TASKS_TABLE, suffix),
                sql(CREATE_TIMERS, TICKET_TIMERS_TABLE, suffix),
                sql(INDEX_TIMERS, TICKET_TIMERS_TABLE, suffix),
                sql(CREATE_PEOPLE, TICKET_PEOPLE_TABLE, suffix),
                sql(INDEX_PEOPLE, TICKET_PEOPLE_TABLE, suffix),
                sql(CREATE_SERVICES, TICKET_SERVICES_TABLE, suffix),
                sql(INDEX_SERVICES, TICKET_SERVICES_TABLE, suffix),
                sql(CREATE_EXPORT_TEMPLATES, TICKET_EXPORT_TEMPLATES_TABLE, suffix),
            ],
        )
        .await?;
        execute_all(connection, &saved_queries::create_statements(TICKET_SAVED_QUERIES_TABLE, suffix)).await?;
        // Type tables made before form rules lack them: no type had any.
        let types = table_name(TICKET_TYPES_TABLE, suffix);
        if !has_column(connection, &types, "rules").await? {
            for add in ["rules TEXT NOT NULL DEFAULT ''", "published_rules TEXT NULL"] {
                sqlx::query(AssertSqlSafe(format!("ALTER TABLE {types} ADD COLUMN {add}")))
                    .execute(&mut *connection)
                    .await?;
            }
            let versions = table_name(TICKET_TYPE_VERSIONS_TABLE, suffix);
            sqlx::query(AssertSqlSafe(format!("ALTER TABLE {versions} ADD COLUMN rules TEXT NULL")))
                .execute(&mut *connection)
                .await?;
        }
        // Type tables made before service secrets lack the column: no type had one.
        if !has_column(connection, &types, "service_secret_at").await? {
            sqlx::query(AssertSqlSafe(format!("ALTER TABLE {types} ADD COLUMN service_secret_at BIGINT NULL")))
                .execute(&mut *connection)
                .await?;
        }
        // Task tables made before reminders lack the SLA columns: none of their tasks has a
        // reminder, and the next SLA check of each is its due time.
        let table = table_name(TICKET_TASKS_TABLE, suffix);
        if !has_column(connection, &table, "next_sla_at").await? {
            for add in ["remind_at BIGINT NULL", "next_sla_at BIGINT NULL", "overdue BIGINT NOT NULL DEFAULT 0"] {
                sqlx::query(AssertSqlSafe(format!("ALTER TABLE {table} ADD COLUMN {add}")))
                    .execute(&mut *connection)
                    .await?;
            }
            sqlx::query(AssertSqlSafe(format!("UPDATE {table} SET next_sla_at = due_at")))
                .execute(&mut *connection)
                .await?;
        }
        // Task tables made before outside collaborators lack their links: no task had one.
        if !has_column(connection, &table, "link_expires_at").await? {
            sqlx::query(AssertSqlSafe(format!("ALTER TABLE {table} ADD COLUMN link_expires_at BIGINT NULL")))
                .execute(&mut *connection)
                .await?;
        }
        execute_all(connection, &[sql(INDEX_TASKS_SLA, TICKET_TASKS_TABLE, suffix)]).await
    }

    async fn apply(
        &self,
        connection: &mut AnyConnection,
        suffix: &str,
        events: &[EventEnvelope],
    ) -> ProjectionResult<()> {
        let mut batch = Batch::new(suffix);
        let handled: Vec<&EventEnvelope> = events.iter().filter(handled).collect();
        batch.look_up(connection, &handled).await?;
        for envelope in handled {
            let position = envelope.global_position;
            if saved_queries::handles::<TicketQueries>(envelope) {
                saved_queries::apply::<TicketQueries>(connection, TICKET_SAVED_QUERIES_TABLE, suffix, envelope).await?;
            } else if envelope.stream_id.context() == ticket_type::CONTEXT {
                let event =
                    TicketTypeEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
                        .map_err(|source| ProjectionError::Upcast { position, source })?;
                apply_type_event(connection, &batch, envelope, event).await?;
            } else {
                let event = TicketEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
                    .map_err(|source| ProjectionError::Upcast { position, source })?;
                apply_ticket_event(connection, &mut batch, envelope, event).await?;
            }
        }
        batch.flush(connection).await?;
        Ok(())
    }
}

/// The stream version a row has applied (0 without a row).
async fn applied_version(
    connection: &mut AnyConnection,
    select: &str,
    tenant_id: Uuid,
    id: Uuid,
) -> ProjectionResult<u64> {
    let version: Option<i64> = sqlx::query_scalar(AssertSqlSafe(select))
        .bind(tenant_id.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *connection)
        .await?;
    to_u64("stream_version", version.unwrap_or(0))
}

async fn apply_type_event(
    connection: &mut AnyConnection,
    batch: &Batch<'_>,
    envelope: &EventEnvelope,
    event: TicketTypeEvent,
) -> ProjectionResult<()> {
    let tenant = envelope.tenant_id;
    let stream_version = to_i64(envelope.stream_version);
    let select =
        batch.sql("SELECT stream_version FROM {table} WHERE tenant_id = $1 AND type_id = $2", TICKET_TYPES_TABLE);
    let type_id = match &event {
        TicketTypeEvent::Created(created) => created.type_id,
        TicketTypeEvent::FormUpdated(updated) => updated.type_id,
        TicketTypeEvent::Published(published) => published.type_id,
        TicketTypeEvent::Renamed(renamed) => renamed.type_id,
        TicketTypeEvent::RulesUpdated(updated) => updated.type_id,
        TicketTypeEvent::ServiceSecretRotated(rotated) => rotated.type_id,
        TicketTypeEvent::ExportTemplateAdded(added) => added.type_id,
        TicketTypeEvent::ExportTemplateRemoved(removed) => removed.type_id,
    };
    if applied_version(connection, &select, tenant, type_id).await? >= envelope.stream_version {
        return Ok(());
    }
    let (tenant, id) = (tenant.to_string(), type_id.to_string());
    match event {
        TicketTypeEvent::Created(created) => {
            let insert = batch.sql(
                "INSERT INTO {table} (tenant_id, type_id, name, description, form, workflow_xml, published_form, \
                 rules, published_rules, service_secret_at, version, published_at, updated_at, steps, \
                 stream_version) VALUES ($1, $2, $3, $4, $5, NULL, NULL, '', NULL, NULL, 0, NULL, $6, '[]', $7)",
                TICKET_TYPES_TABLE,
            );
            sqlx::query(AssertSqlSafe(insert))
                .bind(tenant)
                .bind(id)
                .bind(created.name)
                .bind(created.description)
                .bind(json_text(&created.form))
                .bind(micros(created.at))
                .bind(stream_version)
                .execute(&mut *connection)
                .await?;
        }
        TicketTypeEvent::FormUpdated(updated) => {
            let update = batch.sql(
                "UPDATE {table} SET form = $1, updated_at = $2, stream_version = $3 \
                 WHERE tenant_id = $4 AND type_id = $5",
                TICKET_TYPES_TABLE,
            );
            sqlx::query(AssertSqlSafe(update))
                .bind(json_text(&updated.form))
                .bind(micros(updated.at))
                .bind(stream_version)
                .bind(tenant)
                .bind(id)
                .execute(&mut *connection)
                .await?;
        }
        TicketTypeEvent::RulesUpdated(updated) => {
            let update = batch.sql(
                "UPDATE {table} SET rules = $1, updated_at = $2, stream_version = $3 WHERE tenant_id = $4 AND type_id = $5",
                TICKET_TYPES_TABLE,
            );
            sqlx::query(AssertSqlSafe(update))
                .bind(updated.script)
                .bind(micros(updated.at))
                .bind(stream_version)
                .bind(tenant)
                .bind(id)
                .execute(&mut *connection)
                .await?;
        }
        TicketTypeEvent::ServiceSecretRotated(rotated) => {
            let update = batch.sql(
                "UPDATE {table} SET service_secret_at = $1, stream_version = $2 WHERE tenant_id = $3 AND type_id = $4",
                TICKET_TYPES_TABLE,
            );
            sqlx::query(AssertSqlSafe(update))
                .bind(micros(rotated.at))
                .bind(stream_version)
                .bind(tenant)
                .bind(id)
                .execute(&mut *connection)
                .await?;
        }
        TicketTypeEvent::ExportTemplateAdded(added) => {
            let template = added.template;
            let insert = batch.sql(
                "INSERT INTO {table} (tenant_id, type_id, template_id, name, format, blob_id, file_name, size, \
                 placeholders, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (tenant_id, type_id, template_id) DO NOTHING",
                TICKET_EXPORT_TEMPLATES_TABLE,
            );
            sqlx::query(AssertSqlSafe(insert))
                .bind(tenant.clone())
                .bind(id.clone())
                .bind(template.template_id.to_string())
                .bind(template.name)
                .bind(template.format.name())
                .bind(template.blob_id.to_string())
                .bind(template.file_name)
                .bind(i64::try_from(template.size).unwrap_or(i64::MAX))
                .bind(json_text(&template.placeholders))
                .bind(micros(added.at))
                .execute(&mut *connection)
                .await?;
            touch_type(connection, batch, &tenant, &id, added.at, stream_version).await?;
        }
        TicketTypeEvent::ExportTemplateRemoved(removed) => {
            let delete = batch.sql(
                "DELETE FROM {table} WHERE tenant_id = $1 AND type_id = $2 AND template_id = $3",
                TICKET_EXPORT_TEMPLATES_TABLE,
            );
            sqlx::query(AssertSqlSafe(delete))
                .bind(tenant.clone())
                .bind(id.clone())
                .bind(removed.template_id.to_string())
                .execute(&mut *connection)
                .await?;
            touch_type(connection, batch, &tenant, &id, removed.at, stream_version).await?;
        }
        TicketTypeEvent::Renamed(renamed) => {
            let update = batch.sql(
                "UPDATE {table} SET name = $1, description = $2, updated_at = $3, stream_version = $4 \
                 WHERE tenant_id = $5 AND type_id = $6",
                TICKET_TYPES_TABLE,
            );
            sqlx::query(AssertSqlSafe(update))
                .bind(renamed.name)
                .bind(renamed.description)
                .bind(micros(renamed.at))
                .bind(stream_version)
                .bind(tenant)
                .bind(id)
                .execute(&mut *connection)
                .await?;
        }
        TicketTypeEvent::Published(published) => {
            let update = batch.sql(
                "UPDATE {table} SET workflow_xml = $1, version = $2, published_at = $3, updated_at = $3, \
                 steps = $4, published_form = $5, published_rules = $6, stream_version = $7 \
                 WHERE tenant_id = $8 AND type_id = $9",
                TICKET_TYPES_TABLE,
            );
            sqlx::query(AssertSqlSafe(update))
                .bind(published.bpmn_xml)
                .bind(i64::from(published.version))
                .bind(micros(published.at))
                .bind(json_text(&steps_of(&published.workflow)))
                .bind(json_text(&published.form))
                .bind(published.rules.clone())
                .bind(stream_version)
                .bind(tenant.clone())
                .bind(id.clone())
                .execute(&mut *connection)
                .await?;
            let insert = batch.sql(
                "INSERT INTO {table} (tenant_id, type_id, version, workflow, form, rules) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, type_id, version) DO NOTHING",
                TICKET_TYPE_VERSIONS_TABLE,
            );
            sqlx::query(AssertSqlSafe(insert))
                .bind(tenant)
                .bind(id)
                .bind(i64::from(published.version))
                .bind(json_text(&published.workflow))
                .bind(json_text(&published.form))
                .bind(published.rules)
                .execute(&mut *connection)
                .await?;
        }
    }
    Ok(())
}

/// Marks the type changed by an event that only touched its side tables.
async fn touch_type(
    connection: &mut AnyConnection,
    batch: &Batch<'_>,
    tenant: &str,
    type_id: &str,
    at: DateTime<Utc>,
    stream_version: i64,
) -> ProjectionResult<()> {
    let update = batch.sql(
        "UPDATE {table} SET updated_at = $1, stream_version = $2 WHERE tenant_id = $3 AND type_id = $4",
        TICKET_TYPES_TABLE,
    );
    sqlx::query(AssertSqlSafe(update))
        .bind(micros(at))
        .bind(stream_version)
        .bind(tenant.to_owned())
        .bind(type_id.to_owned())
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// A ticket row's changing part, read before an event and written back after it.
struct TicketRow {
    type_id: Uuid,
    version: u32,
    status: TicketStatus,
    values: Map<String, Value>,
    history: Vec<TicketHistoryEntry>,
}

async fn apply_ticket_event(
    connection: &mut AnyConnection,
    batch: &mut Batch<'_>,
    envelope: &EventEnvelope,
    event: TicketEvent,
) -> ProjectionResult<()> {
    let tenant_id = envelope.tenant_id;
    let stream_version = to_i64(envelope.stream_version);
    // The ticket, and the person who acted (the system fires timers and ends services).
    let (ticket_id, person) = match &event {
        TicketEvent::Opened(opened) => (opened.ticket_id, Some(opened.starter)),
        // An outside collaborator is no user: the nil id is not recorded as a person.
        TicketEvent::TaskCompleted(completed) => {
            (completed.ticket_id, Some(completed.by).filter(|_| completed.collaborator.is_none()))
        }
        TicketEvent::TimerFired(resumed) => (resumed.ticket_id, None),
        TicketEvent::ServiceDone(returned) => (returned.ticket_id, None),
        TicketEvent::ServiceFailed(failed) => (failed.ticket_id, None),
        TicketEvent::ServiceRetried(retried) => (retried.ticket_id, Some(retried.by)),
        TicketEvent::Commented(commented) => (commented.ticket_id, Some(commented.author)),
        TicketEvent::Cancelled(cancelled) => (cancelled.ticket_id, Some(cancelled.by)),
        TicketEvent::TaskReminded(reminded) => (reminded.ticket_id, None),
        TicketEvent::TaskOverdue(overdue) => (overdue.ticket_id, None),
        TicketEvent::MailReceived(mail) => (mail.ticket_id, mail.author),
        TicketEvent::LinkSent(sent) => (sent.ticket_id, sent.by),
    };
    if let TicketEvent::Opened(opened) = event {
        // A ticket's first event: its row exists only if this event was applied already.
        if batch.tickets.contains_key(&(tenant_id, ticket_id)) {
            return Ok(());
        }
        let origin = opened.origin;
        let (conversation_id, call_id) = match origin {
            Some(Origin::Conversation(id)) => (Some(id.to_string()), None),
            Some(Origin::Call(id)) => (None, Some(id.to_string())),
            None => (None, None),
        };
        let history = vec![TicketHistoryEntry::new("opened", opened.at, Some(opened.starter))];
        record_person(batch, tenant_id, ticket_id, person);
        let mut row = TicketRow {
            type_id: opened.type_id,
            version: opened.version,
            status: TicketStatus::Open,
            values: opened.values,
            history,
        };
        apply_steps(connection, batch, tenant_id, ticket_id, &mut row, &opened.steps, opened.at).await?;
        let columns = OpenedColumns {
            number: opened.number,
            title: opened.title,
            starter_id: opened.starter,
            created_at: opened.at,
            conversation_id,
            call_id,
        };
        let cached = CachedTicket { row, stream_version, updated_at: opened.at, dirty: true, opened: Some(columns) };
        batch.remember((tenant_id, ticket_id), cached);
        return Ok(());
    }
    // Every ticket the batch names was looked up before its events were applied.
    let applied = batch.tickets.get(&(tenant_id, ticket_id)).map(|cached| cached.stream_version);
    let Some(applied) = applied else {
        return Err(ProjectionError::CorruptRow(format!("ticket {ticket_id} was not opened")));
    };
    if applied >= stream_version {
        return Ok(());
    }
    record_person(batch, tenant_id, ticket_id, person);
    let cached = batch.tickets.remove(&(tenant_id, ticket_id)).expect("just read into the batch");
    let opened = cached.opened;
    let mut row = cached.row;
    let at = match event {
        TicketEvent::Opened(_) => unreachable!("handled above"),
        TicketEvent::TaskCompleted(completed) => {
            let step_name = step_name(connection, batch, tenant_id, &row, &completed.node).await?;
            row.values.extend(completed.values);
            let by = Some(completed.by).filter(|_| completed.collaborator.is_none());
            row.history.push(TicketHistoryEntry {
                step_name,
                from: completed.collaborator,
                ..TicketHistoryEntry::new("task_completed", completed.at, by)
            });
            apply_steps(connection, batch, tenant_id, ticket_id, &mut row, &completed.steps, completed.at).await?;
            completed.at
        }
        TicketEvent::TimerFired(resumed) => {
            row.history.push(TicketHistoryEntry::new("timer_fired", resumed.at, None));
            apply_steps(connection, batch, tenant_id, ticket_id, &mut row, &resumed.steps, resumed.at).await?;
            resumed.at
        }
        TicketEvent::ServiceDone(returned) => {
            let node = returned.steps.iter().find_map(|step| match step {
                Step::Resumed { token, node, .. } if *token == returned.token => Some(node.clone()),
                _ => None,
            });
            let step_name = match node {
                Some(node) => step_name(connection, batch, tenant_id, &row, &node).await?,
                None => None,
            };
            row.values.extend(returned.values.unwrap_or_default());
            row.history
                .push(TicketHistoryEntry { step_name, ..TicketHistoryEntry::new("service_done", returned.at, None) });
            apply_steps(connection, batch, tenant_id, ticket_id, &mut row, &returned.steps, returned.at).await?;
            returned.at
        }
        TicketEvent::ServiceFailed(failed) => {
            let step_name = step_name(connection, batch, tenant_id, &row, &failed.node).await?;
            row.history.push(TicketHistoryEntry {
                step_name,
                text: Some(failed.error.clone()),
                ..TicketHistoryEntry::new("service_failed", failed.at, None)
            });
            let call = WaitRow { table: TICKET_SERVICES_TABLE, tenant_id, ticket_id, token: failed.token };
            update_wait(connection, batch, call, SERVICE_COLUMNS, None::<i64>, Some(failed.error)).await?;
            failed.at
        }
        TicketEvent::ServiceRetried(retried) => {
            let step_name = step_name(connection, batch, tenant_id, &row, &retried.node).await?;
            row.history.push(TicketHistoryEntry {
                step_name,
                ..TicketHistoryEntry::new("service_retried", retried.at, Some(retried.by))
            });
            let call = WaitRow { table: TICKET_SERVICES_TABLE, tenant_id, ticket_id, token: retried.token };
            let call_at = Some(micros(retried.at));
            update_wait(connection, batch, call, SERVICE_COLUMNS, call_at, None::<String>).await?;
            retried.at
        }
        TicketEvent::LinkSent(sent) => {
            let step_name = step_name(connection, batch, tenant_id, &row, &sent.node).await?;
            row.history.push(TicketHistoryEntry {
                step_name,
                text: Some(sent.address),
                ..TicketHistoryEntry::new("link_sent", sent.at, sent.by)
            });
            batch.flush_tasks(connection).await?;
            let update = batch.sql(
                "UPDATE {table} SET link_expires_at = $1 WHERE tenant_id = $2 AND ticket_id = $3 AND token = $4",
                TICKET_TASKS_TABLE,
            );
            sqlx::query(AssertSqlSafe(update))
                .bind(micros(sent.expires_at))
                .bind(tenant_id.to_string())
                .bind(ticket_id.to_string())
                .bind(i64::from(sent.token))
                .execute(&mut *connection)
                .await?;
            sent.at
        }
        TicketEvent::Commented(commented) => {
            row.history.push(TicketHistoryEntry {
                text: Some(commented.text),
                ..TicketHistoryEntry::new("commented", commented.at, Some(commented.author))
            });
            commented.at
        }
        TicketEvent::TaskReminded(reminded) => {
            let step_name = step_name(connection, batch, tenant_id, &row, &reminded.node).await?;
            row.history
                .push(TicketHistoryEntry { step_name, ..TicketHistoryEntry::new("reminded", reminded.at, None) });
            let task = WaitRow { table: TICKET_TASKS_TABLE, tenant_id, ticket_id, token: reminded.token };
            // The next check is the due time.
            update_wait(connection, batch, task, SLA_COLUMNS, Some(micros(reminded.due_at)), 0i64).await?;
            reminded.at
        }
        TicketEvent::TaskOverdue(overdue) => {
            let step_name = step_name(connection, batch, tenant_id, &row, &overdue.node).await?;
            row.history.push(TicketHistoryEntry {
                step_name,
                escalated_to: overdue.escalated_to,
                ..TicketHistoryEntry::new("overdue", overdue.at, None)
            });
            let task = WaitRow { table: TICKET_TASKS_TABLE, tenant_id, ticket_id, token: overdue.token };
            // Overdue is the last SLA stage: no check is left.
            update_wait(connection, batch, task, SLA_COLUMNS, None::<i64>, 1i64).await?;
            overdue.at
        }
        TicketEvent::MailReceived(mail) => {
            row.history.push(TicketHistoryEntry {
                text: Some(mail.text),
                from: Some(mail.from),
                ..TicketHistoryEntry::new("mail_received", mail.at, mail.author)
            });
            mail.at
        }
        TicketEvent::Cancelled(cancelled) => {
            row.status = TicketStatus::Cancelled;
            row.history.push(TicketHistoryEntry {
                text: Some(cancelled.reason),
                ..TicketHistoryEntry::new("cancelled", cancelled.at, Some(cancelled.by))
            });
            close_waits(connection, batch, tenant_id, ticket_id).await?;
            cancelled.at
        }
    };
    batch
        .tickets
        .insert((tenant_id, ticket_id), CachedTicket { row, stream_version, updated_at: at, dirty: true, opened });
    Ok(())
}

/// The cells of a ticket opened in the batch, as it stands at the batch's end.
fn opened_cells(key: (Uuid, Uuid), cached: &CachedTicket, columns: &OpenedColumns) -> Vec<Cell> {
    let row = &cached.row;
    let folded = format!("{} {}", columns.number, columns.title).to_lowercase();
    vec![
        Cell::Text(Some(key.0.to_string())),
        Cell::Text(Some(key.1.to_string())),
        Cell::Text(Some(columns.number.clone())),
        Cell::Text(Some(row.type_id.to_string())),
        Cell::Int(Some(i64::from(row.version))),
        Cell::Text(Some(columns.title.clone())),
        Cell::Text(Some(folded)),
        Cell::Text(Some(row.status.as_str().to_owned())),
        Cell::Text(Some(json_text(&row.values))),
        Cell::Text(Some(columns.starter_id.to_string())),
        Cell::Int(Some(micros(columns.created_at))),
        Cell::Int(Some(micros(cached.updated_at))),
        Cell::Text(columns.conversation_id.clone()),
        Cell::Text(columns.call_id.clone()),
        Cell::Text(Some(json_text(&row.history))),
        Cell::Int(Some(cached.stream_version)),
    ]
}

/// Records that `person` acted on the ticket (once per batch), for the data scope on tickets.
fn record_person(batch: &mut Batch<'_>, tenant_id: Uuid, ticket_id: Uuid, person: Option<Uuid>) {
    if let Some(person) = person.filter(|person| batch.people.insert((tenant_id, ticket_id, *person))) {
        batch.new_people.push((tenant_id, ticket_id, person));
    }
}

/// The name of a node of the version the ticket runs on.
async fn step_name(
    connection: &mut AnyConnection,
    batch: &mut Batch<'_>,
    tenant_id: Uuid,
    row: &TicketRow,
    node: &str,
) -> ProjectionResult<Option<String>> {
    let workflow = batch.workflow(connection, tenant_id, row.type_id, row.version).await?;
    Ok(workflow.nodes.iter().find(|candidate| candidate.id == node).map(|found| found.name.clone()))
}

/// A task's next SLA check, and whether it is overdue (0 or 1).
const SLA_COLUMNS: [&str; 2] = ["next_sla_at", "overdue"];
/// When a service call is wanted, and why it failed for good.
const SERVICE_COLUMNS: [&str; 2] = ["call_at", "error"];

/// A token's row in one of the wait tables (tasks, services).
struct WaitRow<'a> {
    table: &'a str,
    tenant_id: Uuid,
    ticket_id: Uuid,
    token: u32,
}

/// Sets two columns of a waiting token's row: a task's next SLA check and whether it is
/// overdue, or when a service call is wanted and why it failed.
async fn update_wait<A, B>(
    connection: &mut AnyConnection,
    batch: &mut Batch<'_>,
    row: WaitRow<'_>,
    columns: [&str; 2],
    first: A,
    second: B,
) -> ProjectionResult<()>
where
    A: for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Send,
    B: for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Send,
{
    batch.flush_tasks(connection).await?;
    let [first_column, second_column] = columns;
    let update = batch.sql(
        &format!(
            "UPDATE {{table}} SET {first_column} = $1, {second_column} = $2 \
             WHERE tenant_id = $3 AND ticket_id = $4 AND token = $5"
        ),
        row.table,
    );
    sqlx::query(AssertSqlSafe(update))
        .bind(first)
        .bind(second)
        .bind(row.tenant_id.to_string())
        .bind(row.ticket_id.to_string())
        .bind(i64::from(row.token))
        .execute(&mut *connection)
        .await?;
    Ok(())
}

fn cached_from_row(row: &AnyRow) -> ProjectionResult<CachedTicket> {
    let ticket = TicketRow {
        type_id: uuid_column(row, "type_id")?,
        version: version_column(row, "version")?,
        status: crate::rows::enum_column(row, "status", TicketStatus::parse)?,
        values: json_column(row, "field_values")?,
        history: json_column(row, "history")?,
    };
    Ok(CachedTicket {
        row: ticket,
        stream_version: row.try_get("stream_version")?,
        updated_at: time_column(row, "updated_at")?,
        dirty: false,
        opened: None,
    })
}

async fn write_row(
    connection: &mut AnyConnection,
    batch: &Batch<'_>,
    tenant_id: Uuid,
    ticket_id: Uuid,
    cached: &CachedTicket,
) -> ProjectionResult<()> {
    let row = &cached.row;
    let update = batch.sql(
        "UPDATE {table} SET status = $1, field_values = $2, history = $3, updated_at = $4, stream_version = $5 \
         WHERE tenant_id = $6 AND ticket_id = $7",
        TICKETS_TABLE,
    );
    sqlx::query(AssertSqlSafe(update))
        .bind(row.status.as_str())
        .bind(json_text(&row.values))
        .bind(json_text(&row.history))
        .bind(micros(cached.updated_at))
        .bind(cached.stream_version)
        .bind(tenant_id.to_string())
        .bind(ticket_id.to_string())
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// Removes a ticket's open tasks, timers and service calls (it finished or was cancelled).
async fn close_waits(
    connection: &mut AnyConnection,
    batch: &mut Batch<'_>,
    tenant_id: Uuid,
    ticket_id: Uuid,
) -> ProjectionResult<()> {
    batch.flush_tasks(connection).await?;
    for table in WAIT_TABLES {
        let delete = batch.sql("DELETE FROM {table} WHERE tenant_id = $1 AND ticket_id = $2", table);
        sqlx::query(AssertSqlSafe(delete))
            .bind(tenant_id.to_string())
            .bind(ticket_id.to_string())
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}

/// The tables of what a token waits on, a row per waiting token.
const WAIT_TABLES: [&str; 3] = [TICKET_TASKS_TABLE, TICKET_TIMERS_TABLE, TICKET_SERVICES_TABLE];

/// Folds the engine's steps into the task rows: an activated task opens a row, a resumed
/// token closes its row, and the end of the workflow finishes the ticket.
async fn apply_steps(
    connection: &mut AnyConnection,
    batch: &mut Batch<'_>,
    tenant_id: Uuid,
    ticket_id: Uuid,
    row: &mut TicketRow,
    steps: &[Step],
    at: DateTime<Utc>,
) -> ProjectionResult<()> {
    let insert_timer = batch.sql(
        "INSERT INTO {table} (tenant_id, ticket_id, token, node, due_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (tenant_id, ticket_id, token) DO NOTHING",
        TICKET_TIMERS_TABLE,
    );
    let insert_service = batch.sql(
        "INSERT INTO {table} (tenant_id, ticket_id, token, node, step_name, url, called_at, call_at, error) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, NULL) ON CONFLICT (tenant_id, ticket_id, token) DO NOTHING",
        TICKET_SERVICES_TABLE,
    );
    let deletes = WAIT_TABLES
        .map(|table| batch.sql("DELETE FROM {table} WHERE tenant_id = $1 AND ticket_id = $2 AND token = $3", table));
    for step in steps {
        match step {
            Step::TaskActivated { token, node, candidate, due_at, remind_at } => {
                let workflow = batch.workflow(connection, tenant_id, row.type_id, row.version).await?;
                let (name, fields) = match workflow.nodes.iter().find(|candidate| &candidate.id == node) {
                    Some(found) => match &found.kind {
                        NodeKind::UserTask(task) => (found.name.clone(), field_rules(&task.fields)),
                        _ => (found.name.clone(), Vec::new()),
                    },
                    None => (node.clone(), Vec::new()),
                };
                let (kind, candidate_id) = candidate_parts(candidate);
                let task = PendingTask {
                    step_id: node.clone(),
                    step_name: name,
                    candidate_kind: kind.to_owned(),
                    candidate_id,
                    activated_at: micros(at),
                    due_at: due_at.map(micros),
                    remind_at: remind_at.map(micros),
                    fields: json_text(&fields),
                };
                batch.new_tasks.insert((tenant_id, ticket_id, *token), task);
            }
            Step::TimerStarted { token, node, due_at } => {
                sqlx::query(AssertSqlSafe(insert_timer.as_str()))
                    .bind(tenant_id.to_string())
                    .bind(ticket_id.to_string())
                    .bind(i64::from(*token))
                    .bind(node.clone())
                    .bind(micros(*due_at))
                    .execute(&mut *connection)
                    .await?;
            }
            Step::ServiceCalled { token, node, url } => {
                let workflow = batch.workflow(connection, tenant_id, row.type_id, row.version).await?;
                let name = workflow.node(node).map_or_else(|| node.clone(), |found| found.name.clone());
                sqlx::query(AssertSqlSafe(insert_service.as_str()))
                    .bind(tenant_id.to_string())
                    .bind(ticket_id.to_string())
                    .bind(i64::from(*token))
                    .bind(node.clone())
                    .bind(name)
                    .bind(url.clone())
                    .bind(micros(at))
                    .execute(&mut *connection)
                    .await?;
            }
            // The token waited on a task, a timer or a service: that wait is over.
            Step::Resumed { token, node, .. } => {
                let workflow = batch.workflow(connection, tenant_id, row.type_id, row.version).await?;
                // Only the table of what the node waits on holds its row (all, should the
                // version somehow lack the node).
                let waited_in = match workflow.node(node).map(|found| &found.kind) {
                    Some(NodeKind::UserTask(_)) => Some(TICKET_TASKS_TABLE),
                    Some(NodeKind::Timer { .. }) => Some(TICKET_TIMERS_TABLE),
                    Some(NodeKind::ServiceTask { .. }) => Some(TICKET_SERVICES_TABLE),
                    _ => None,
                };
                for (table, delete) in WAIT_TABLES.iter().zip(&deletes) {
                    if waited_in.is_some_and(|waited_in| waited_in != *table) {
                        continue;
                    }
                    // A task row is written at the batch's end: one opened in this batch
                    // never is.
                    if *table == TICKET_TASKS_TABLE {
                        if batch.new_tasks.remove(&(tenant_id, ticket_id, *token)).is_none() {
                            batch.done_tasks.push((tenant_id, ticket_id, *token));
                        }
                        continue;
                    }
                    sqlx::query(AssertSqlSafe(delete.as_str()))
                        .bind(tenant_id.to_string())
                        .bind(ticket_id.to_string())
                        .bind(i64::from(*token))
                        .execute(&mut *connection)
                        .await?;
                }
            }
            // The workflow finishes once no token is left: every wait's row went with its
            // token's `Resumed`.
            Step::Finished => {
                row.status = TicketStatus::Finished;
                row.history.push(TicketHistoryEntry::new("finished", at, None));
            }
            Step::TokenPassed { .. }
            | Step::GatewayChose { .. }
            | Step::TokensSplit { .. }
            | Step::TokenArrived { .. }
            | Step::TokensJoined { .. }
            | Step::TokenEnded { .. } => {}
        }
    }
    Ok(())
}

fn type_from_row(row: &AnyRow) -> ProjectionResult<TicketTypeView> {
    let published_at: Option<i64> = row.try_get("published_at")?;
    Ok(TicketTypeView {
        tenant_id: uuid_column(row, "tenant_id")?,
        type_id: uuid_column(row, "type_id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        form: json_column(row, "form")?,
        workflow_xml: row.try_get("workflow_xml")?,
        published_form: row
            .try_get::<Option<String>, _>("published_form")?
            .map(|text| serde_json::from_str(&text))
            .transpose()
            .map_err(|error| ProjectionError::CorruptRow(format!("published_form: {error}")))?,
        rules: row.try_get("rules")?,
        published_rules: row.try_get("published_rules")?,
        service_secret_rotated_at: row
            .try_get::<Option<i64>, _>("service_secret_at")?
            .and_then(DateTime::from_timestamp_micros),
        version: version_column(row, "version")?,
        published_at: published_at.and_then(DateTime::from_timestamp_micros),
        updated_at: time_column(row, "updated_at")?,
        steps: json_column(row, "steps")?,
    })
}

const TYPE_COLUMNS: &str = "tenant_id, type_id, name, description, form, workflow_xml, published_form, rules, \
     published_rules, service_secret_at, version, published_at, updated_at, steps";

/// The tenant's ticket types, by name.
pub async fn list_ticket_types(pool: &AnyPool, tenant_id: Uuid) -> ProjectionResult<Vec<TicketTypeView>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {TYPE_COLUMNS} FROM {TICKET_TYPES_TABLE} WHERE tenant_id = $1 ORDER BY name, type_id"
    )))
    .bind(tenant_id.to_string())
    .fetch_all(pool)
    .await?;
    rows.iter().map(type_from_row).collect()
}

pub async fn get_ticket_type(
    pool: &AnyPool,
    tenant_id: Uuid,
    type_id: Uuid,
) -> ProjectionResult<Option<TicketTypeView>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {TYPE_COLUMNS} FROM {TICKET_TYPES_TABLE} WHERE tenant_id = $1 AND type_id = $2"
    )))
    .bind(tenant_id.to_string())
    .bind(type_id.to_string())
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(type_from_row).transpose()
}

/// An export template of a ticket type.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportTemplateView {
    pub type_id: Uuid,
    pub template: ExportTemplate,
    pub added_at: DateTime<Utc>,
}

/// The type's export templates, by name; all the tenant's with `type_id` `None`.
pub async fn export_templates(
    pool: &AnyPool,
    tenant_id: Uuid,
    type_id: Option<Uuid>,
) -> ProjectionResult<Vec<ExportTemplateView>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT type_id, template_id, name, format, blob_id, file_name, size, placeholders, added_at \
         FROM {TICKET_EXPORT_TEMPLATES_TABLE} WHERE tenant_id = $1 AND ($2 IS NULL OR type_id = $2) \
         ORDER BY name, template_id"
    )))
    .bind(tenant_id.to_string())
    .bind(type_id.map(|id| id.to_string()))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            let format: String = row.try_get("format")?;
            Ok(ExportTemplateView {
                type_id: uuid_column(row, "type_id")?,
                template: ExportTemplate {
                    template_id: uuid_column(row, "template_id")?,
                    name: row.try_get("name")?,
                    format: TemplateFormat::from_name(&format)
                        .ok_or_else(|| ProjectionError::CorruptRow(format!("format: {format}")))?,
                    blob_id: uuid_column(row, "blob_id")?,
                    file_name: row.try_get("file_name")?,
                    size: to_u64("size", row.try_get("size")?)?,
                    placeholders: json_column(row, "placeholders")?,
                },
                added_at: time_column(row, "added_at")?,
            })
        })
        .collect()
}

/// The form of a published version, as tickets of it fill it in.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionForm {
    /// The form-js schema.
    pub form: Value,
    /// The form rules (JavaScript), if the version has any.
    pub rules: Option<String>,
}

/// The published versions (type, version) of the tenant whose forms may have forms per
/// role: those whose schema names them (a cheap sieve; the form itself says for sure).
pub async fn versions_with_role_forms<'c>(
    reader: impl Executor<'c, Database = Any>,
    tenant_id: Uuid,
) -> ProjectionResult<Vec<(Uuid, u32)>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT type_id, version FROM {TICKET_TYPE_VERSIONS_TABLE} WHERE tenant_id = $1 AND form LIKE $2"
    )))
    .bind(tenant_id.to_string())
    .bind(format!("%\"{ROLE_FORMS}\"%"))
    .fetch_all(reader)
    .await?;
    rows.iter()
        .map(|row| {
            let version: i64 = row.try_get("version")?;
            Ok((uuid_column(row, "type_id")?, u32::try_from(version).unwrap_or_default()))
        })
        .collect()
}

/// The form and rules of a published version.
pub async fn ticket_form<'c>(
    reader: impl Executor<'c, Database = Any>,
    tenant_id: Uuid,
    type_id: Uuid,
    version: u32,
) -> ProjectionResult<Option<VersionForm>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT form, rules FROM {TICKET_TYPE_VERSIONS_TABLE} WHERE tenant_id = $1 AND type_id = $2 AND version = $3"
    )))
    .bind(tenant_id.to_string())
    .bind(type_id.to_string())
    .bind(i64::from(version))
    .fetch_optional(reader)
    .await?;
    row.map(|row| Ok(VersionForm { form: json_column(&row, "form")?, rules: row.try_get("rules")? })).transpose()
}

fn ticket_from_row(row: &AnyRow) -> ProjectionResult<TicketView> {
    Ok(TicketView {
        tenant_id: uuid_column(row, "tenant_id")?,
        ticket_id: uuid_column(row, "ticket_id")?,
        number: row.try_get("number")?,
        type_id: uuid_column(row, "type_id")?,
        type_name: row.try_get("type_name")?,
        version: version_column(row, "version")?,
        title: row.try_get("title")?,
        status: crate::rows::enum_column(row, "status", TicketStatus::parse)?,
        values: json_column(row, "field_values")?,
        starter_id: uuid_column(row, "starter_id")?,
        created_at: time_column(row, "created_at")?,
        updated_at: time_column(row, "updated_at")?,
        conversation_id: optional_uuid_column(row, "conversation_id")?,
        call_id: optional_uuid_column(row, "call_id")?,
    })
}

/// What happened to a ticket, oldest first (empty for a ticket the tenant lacks). Read on its
/// own: a list never needs it, and it grows with every step.
pub async fn ticket_history<'c>(
    reader: impl Executor<'c, Database = Any>,
    tenant_id: Uuid,
    ticket_id: Uuid,
) -> ProjectionResult<Vec<TicketHistoryEntry>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT history FROM {TICKETS_TABLE} WHERE tenant_id = $1 AND ticket_id = $2"
    )))
    .bind(tenant_id.to_string())
    .bind(ticket_id.to_string())
    .fetch_optional(reader)
    .await?;
    row.map_or(Ok(Vec::new()), |row| json_column(&row, "history"))
}

fn tickets_from() -> String {
    format!(
        "FROM {TICKETS_TABLE} t LEFT JOIN {TICKET_TYPES_TABLE} y ON y.tenant_id = t.tenant_id AND y.type_id = t.type_id"
    )
}

/// Text parameters of a query, numbered as they are added.
#[derive(Default)]
struct Binds(Vec<String>);

impl Binds {
    /// Adds a parameter; returns its placeholder.
    fn add(&mut self, value: String) -> String {
        self.0.push(value);
        format!("${}", self.0.len())
    }

    /// `(a, b, ...)` of new parameters.
    fn list(&mut self, ids: &[Uuid]) -> String {
        let placeholders: Vec<String> = ids.iter().map(|id| self.add(id.to_string())).collect();
        format!("({})", placeholders.join(", "))
    }

    fn bind_to<'q>(
        self,
        mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
        for value in self.0 {
            query = query.bind(value);
        }
        query
    }
}

/// The tasks of alias `k` that `owner` may complete: theirs by user, role or unit.
fn may_complete(owner: &Member, binds: &mut Binds) -> String {
    let mut alternatives =
        vec![format!("(k.candidate_kind = 'user' AND k.candidate_id = {})", binds.add(owner.user_id.to_string()))];
    for (kind, ids) in [("role", &owner.role_ids), ("org_unit", &owner.org_unit_ids)] {
        if !ids.is_empty() {
            alternatives.push(format!("(k.candidate_kind = '{kind}' AND k.candidate_id IN {})", binds.list(ids)));
        }
    }
    format!("({})", alternatives.join(" OR "))
}

/// The condition on tickets of alias `t` that `scope` lets a reader see.
fn visible(scope: &TicketScope, binds: &mut Binds) -> String {
    let TicketScope::Involving { reader, units } = scope else { return "1 = 1".to_owned() };
    let mut alternatives = vec![
        format!(
            "EXISTS (SELECT 1 FROM {TICKET_PEOPLE_TABLE} p WHERE p.tenant_id = t.tenant_id \
             AND p.ticket_id = t.ticket_id AND p.user_id = {})",
            binds.add(reader.user_id.to_string())
        ),
        format!(
            "EXISTS (SELECT 1 FROM {TICKET_TASKS_TABLE} k WHERE k.tenant_id = t.tenant_id \
             AND k.ticket_id = t.ticket_id AND {})",
            may_complete(reader, binds)
        ),
    ];
    if !units.is_empty() {
        alternatives.push(format!(
            "EXISTS (SELECT 1 FROM {TICKET_PEOPLE_TABLE} p JOIN {USERS_TABLE} u \
             ON u.tenant_id = p.tenant_id AND u.user_id = p.user_id \
             WHERE p.tenant_id = t.tenant_id AND p.ticket_id = t.ticket_id AND u.org_unit_id IN {})",
            binds.list(units)
        ));
    }
    format!("({})", alternatives.join(" OR "))
}

/// A read-only transaction in which every read sees the read models as one batch left them:
/// a ticket's row, tasks and service calls then agree (a projection batch commits them
/// together, but separate reads could fall on either side of a commit).
pub async fn snapshot(pool: &AnyPool) -> ProjectionResult<Transaction<'static, Any>> {
    let mut transaction = pool.begin().await?;
    // SQLite's deferred transaction reads one snapshot from its first read on; PostgreSQL's
    // default isolation takes a new one per statement.
    if !is_sqlite(&transaction) {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").execute(&mut *transaction).await?;
    }
    Ok(transaction)
}

/// One ticket of the tenant, if `scope` lets the reader see it.
pub async fn get_ticket<'c>(
    reader: impl Executor<'c, Database = Any>,
    tenant_id: Uuid,
    ticket_id: Uuid,
    scope: &TicketScope,
) -> ProjectionResult<Option<TicketView>> {
    let mut binds = Binds::default();
    let tenant = binds.add(tenant_id.to_string());
    let ticket = binds.add(ticket_id.to_string());
    let visible = visible(scope, &mut binds);
    let query = sqlx::query(AssertSqlSafe(format!(
        "SELECT {TICKET_COLUMNS} {} WHERE t.tenant_id = {tenant} AND t.ticket_id = {ticket} AND {visible}",
        tickets_from()
    )));
    let row = binds.bind_to(query).fetch_optional(reader).await?;
    row.as_ref().map(ticket_from_row).transpose()
}

/// A page of the tenant's tickets that `scope` lets the reader see and `filter` picks, in the
/// filter's order, with how many there are in all.
pub async fn find_tickets(
    connection: &mut AnyConnection,
    tenant_id: Uuid,
    scope: &TicketScope,
    filter: &TicketFilter,
    offset: u32,
    limit: u32,
) -> ProjectionResult<(Vec<TicketView>, u64)> {
    let dialect = if is_sqlite(connection) { Dialect::Sqlite } else { Dialect::Postgres };
    let mut binds = Binds::default();
    let mut conditions = vec![format!("t.tenant_id = {}", binds.add(tenant_id.to_string()))];
    if let Some(status) = filter.status {
        conditions.push(format!("t.status = {}", binds.add(status.as_str().to_owned())));
    }
    if let Some(type_id) = filter.type_id {
        conditions.push(format!("t.type_id = {}", binds.add(type_id.to_string())));
    }
    if let Some(starter_id) = filter.starter_id {
        conditions.push(format!("t.starter_id = {}", binds.add(starter_id.to_string())));
    }
    if let Some(conversation_id) = filter.conversation_id {
        conditions.push(format!("t.conversation_id = {}", binds.add(conversation_id.to_string())));
    }
    if let Some(text) = filter.text.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
        let pattern = binds.add(format!("%{}%", like_escaped(&text.to_lowercase())));
        conditions.push(format!("t.folded_text LIKE {pattern} ESCAPE '\\'"));
    }
    let mut task_conditions = Vec::new();
    if let Some(waiting_on) = &filter.waiting_on {
        task_conditions.push(waiting_on_condition(waiting_on, &mut binds));
    }
    if let Some(due) = filter.due {
        task_conditions.push(due_condition(due, &mut binds));
    }
    if !task_conditions.is_empty() {
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM {TICKET_TASKS_TABLE} k WHERE k.tenant_id = t.tenant_id \
             AND k.ticket_id = t.ticket_id AND {})",
            task_conditions.join(" AND ")
        ));
    }
    for condition in &filter.conditions {
        conditions.push(dialect.value_condition(condition, &mut binds));
        if let Some(versions) = filter.hidden_fields.get(&condition.field).filter(|versions| !versions.is_empty()) {
            let hiding: Vec<String> = versions
                .iter()
                .map(|(type_id, version)| {
                    let type_id = binds.add(type_id.to_string());
                    let version = binds.add(version.to_string());
                    format!("(t.type_id = {type_id} AND t.version = CAST({version} AS BIGINT))")
                })
                .collect();
            conditions.push(format!("NOT ({})", hiding.join(" OR ")));
        }
    }
    conditions.push(visible(scope, &mut binds));
    let clause = conditions.join(" AND ");
    let count = sqlx::query(AssertSqlSafe(format!("SELECT COUNT(*) AS total FROM {TICKETS_TABLE} t WHERE {clause}")));
    let total: i64 = Binds(binds.0.clone()).bind_to(count).fetch_one(&mut *connection).await?.try_get("total")?;
    let page = sqlx::query(AssertSqlSafe(format!(
        "SELECT {TICKET_COLUMNS} {} WHERE {clause} ORDER BY {} LIMIT {} OFFSET {}",
        tickets_from(),
        order_by(filter.sort, filter.sort_descending),
        limit.min(MAX_TICKETS_PER_PAGE),
        offset
    )));
    let rows = binds.bind_to(page).fetch_all(&mut *connection).await?;
    Ok((rows.iter().map(ticket_from_row).collect::<ProjectionResult<_>>()?, to_u64("count", total)?))
}

impl TicketFilter {
    /// The filter a ticket query gives when `reader` runs it at `now` ("mine" and "due
    /// within" depend on both).
    pub fn of_query(query: &TicketQuery, reader: &Member, now: DateTime<Utc>) -> Self {
        use hotline_domain::ticket::queries::{DueFilter, StatusFilter, WaitingOn as Waiting};
        TicketFilter {
            status: query.status.map(|status| match status {
                StatusFilter::Open => TicketStatus::Open,
                StatusFilter::Finished => TicketStatus::Finished,
                StatusFilter::Cancelled => TicketStatus::Cancelled,
            }),
            type_id: query.type_id,
            text: query.text.clone(),
            starter_id: query.started_by_me.then_some(reader.user_id),
            conversation_id: None,
            waiting_on: query.waiting_on.map(|waiting_on| match waiting_on {
                Waiting::Me => WaitingOn::MayComplete(reader.clone()),
                Waiting::User { user_id } => WaitingOn::User(user_id),
                Waiting::Role { role_id } => WaitingOn::Role(role_id),
                Waiting::Unit { org_unit_id } => WaitingOn::Unit(org_unit_id),
                Waiting::External => WaitingOn::External,
            }),
            due: query.due.map(|due| match due {
                DueFilter::Overdue => DueWindow::Overdue { now },
                DueFilter::Within { hours } => {
                    DueWindow::Between { now, until: now + chrono::Duration::hours(i64::from(hours)) }
                }
            }),
            conditions: query.conditions.clone(),
            hidden_fields: BTreeMap::new(),
            sort: query.sort,
            sort_descending: query.sort_descending,
        }
    }
}

/// The condition on open tasks of alias `k` that they wait on these people.
fn waiting_on_condition(waiting_on: &WaitingOn, binds: &mut Binds) -> String {
    let (kind, id) = match waiting_on {
        WaitingOn::MayComplete(member) => return may_complete(member, binds),
        WaitingOn::External => return "k.candidate_kind = 'external'".to_owned(),
        WaitingOn::User(id) => ("user", id),
        WaitingOn::Role(id) => ("role", id),
        WaitingOn::Unit(id) => ("org_unit", id),
    };
    format!("(k.candidate_kind = '{kind}' AND k.candidate_id = {})", binds.add(id.to_string()))
}

/// The condition on open tasks of alias `k` that their due time is in the window.
fn due_condition(due: DueWindow, binds: &mut Binds) -> String {
    let mut at = |time: DateTime<Utc>| format!("CAST({} AS BIGINT)", binds.add(time.timestamp_micros().to_string()));
    match due {
        DueWindow::Overdue { now } => format!("k.due_at < {}", at(now)),
        DueWindow::Between { now, until } => format!("k.due_at >= {} AND k.due_at <= {}", at(now), at(until)),
    }
}

fn order_by(sort: Option<TicketSort>, descending: bool) -> String {
    let direction = if descending { "DESC" } else { "ASC" };
    match sort {
        None => "t.updated_at DESC, t.ticket_id".to_owned(),
        Some(TicketSort::Updated) => format!("t.updated_at {direction}, t.ticket_id"),
        Some(TicketSort::Created) => format!("t.created_at {direction}, t.ticket_id"),
        Some(TicketSort::Number) => format!("t.number {direction}, t.ticket_id"),
        // Tickets without a deadline come last either way.
        Some(TicketSort::Due) => {
            let earliest = format!(
                "(SELECT MIN(k.due_at) FROM {TICKET_TASKS_TABLE} k \
                 WHERE k.tenant_id = t.tenant_id AND k.ticket_id = t.ticket_id)"
            );
            format!("CASE WHEN {earliest} IS NULL THEN 1 ELSE 0 END, {earliest} {direction}, t.ticket_id")
        }
    }
}

/// The SQL dialect of the read models: form values are JSON text, read with each one's
/// JSON functions.
#[derive(Clone, Copy)]
enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// The value of form field `key` as text (NULL when absent or JSON null); `key` is bound.
    fn text(self, key: &str, binds: &mut Binds) -> String {
        match self {
            Dialect::Sqlite => {
                format!("CAST(json_extract(t.field_values, {}) AS TEXT)", binds.add(format!("$.\"{key}\"")))
            }
            Dialect::Postgres => format!("(CAST(t.field_values AS JSONB) ->> {})", binds.add(key.to_owned())),
        }
    }

    /// The value of form field `key` as a number when it is a JSON number, else NULL.
    fn number(self, key: &str, binds: &mut Binds) -> String {
        match self {
            Dialect::Sqlite => {
                let path = binds.add(format!("$.\"{key}\""));
                format!(
                    "(CASE WHEN json_type(t.field_values, {path}) IN ('integer', 'real') \
                     THEN json_extract(t.field_values, {path}) END)"
                )
            }
            Dialect::Postgres => {
                let key = binds.add(key.to_owned());
                format!(
                    "(CASE WHEN jsonb_typeof(CAST(t.field_values AS JSONB) -> {key}) = 'number' \
                     THEN CAST(CAST(t.field_values AS JSONB) ->> {key} AS DOUBLE PRECISION) END)"
                )
            }
        }
    }

    /// Text compared in code-point order (ISO dates and times sort right), whatever the
    /// database's collation.
    fn ordered(self, text: String) -> String {
        match self {
            Dialect::Sqlite => text,
            Dialect::Postgres => format!("{text} COLLATE \"C\""),
        }
    }

    /// The condition on tickets of alias `t` that one form value meets `condition`. A value
    /// that reads as a number compares with JSON numbers; any other compares as text
    /// (ignoring case for equals, contains and starts with).
    fn value_condition(self, condition: &Condition, binds: &mut Binds) -> String {
        let key = condition.field.as_str();
        let text = self.text(key, binds);
        let value = condition.value().unwrap_or_default().trim().to_owned();
        let numeric = value.parse::<f64>().is_ok_and(f64::is_finite);
        let number_of = |binds: &mut Binds, value: String| format!("CAST({} AS DOUBLE PRECISION)", binds.add(value));
        match condition.op {
            ConditionOp::IsEmpty => format!("({text} IS NULL OR {text} = '' OR {text} = '[]')"),
            ConditionOp::NotEmpty => format!("({text} IS NOT NULL AND {text} <> '' AND {text} <> '[]')"),
            ConditionOp::Contains | ConditionOp::StartsWith => {
                let escaped = like_escaped(&value.to_lowercase());
                let pattern =
                    if condition.op == ConditionOp::Contains { format!("%{escaped}%") } else { format!("{escaped}%") };
                format!("LOWER({text}) LIKE {} ESCAPE '\\'", binds.add(pattern))
            }
            ConditionOp::Equals if numeric => {
                let number = self.number(key, binds);
                let folded = binds.add(value.to_lowercase());
                format!("({number} = {} OR LOWER({text}) = {folded})", number_of(binds, value))
            }
            ConditionOp::Equals => format!("LOWER({text}) = {}", binds.add(value.to_lowercase())),
            ConditionOp::GreaterThan | ConditionOp::LessThan | ConditionOp::Between => {
                let (lowest, highest) = match condition.op {
                    ConditionOp::GreaterThan => (Some((value, ">")), None),
                    ConditionOp::LessThan => (None, Some((value, "<"))),
                    _ => {
                        (Some((value, ">=")), Some((condition.value_to().unwrap_or_default().trim().to_owned(), "<=")))
                    }
                };
                let subject = if numeric { self.number(key, binds) } else { self.ordered(text) };
                let mut bounds = Vec::new();
                for (bound, operator) in lowest.into_iter().chain(highest) {
                    let bound = if numeric { number_of(binds, bound) } else { self.ordered(binds.add(bound)) };
                    bounds.push(format!("{subject} {operator} {bound}"));
                }
                format!("({})", bounds.join(" AND "))
            }
        }
    }
}

/// The saved ticket queries `user_id` sees in the caller's tenant: their own and the shared
/// ones, ordered by name.
pub async fn list_saved_ticket_queries(
    pool: &AnyPool,
    tenant_id: Uuid,
    user_id: Uuid,
) -> ProjectionResult<Vec<SavedTicketQuery>> {
    saved_queries::list(pool, TICKET_SAVED_QUERIES_TABLE, tenant_id, user_id).await
}

/// One saved ticket query of the caller's tenant, when `user_id` sees it (theirs, or shared).
pub async fn get_saved_ticket_query(
    pool: &AnyPool,
    tenant_id: Uuid,
    user_id: Uuid,
    query_id: Uuid,
) -> ProjectionResult<Option<SavedTicketQuery>> {
    saved_queries::get(pool, TICKET_SAVED_QUERIES_TABLE, tenant_id, user_id, query_id).await
}

fn task_from_row(row: &AnyRow) -> ProjectionResult<TicketTaskView> {
    let kind: String = row.try_get("candidate_kind")?;
    let candidate = candidate_from_parts(&kind, row.try_get("candidate_id")?)
        .ok_or_else(|| ProjectionError::CorruptRow(format!("candidate {kind:?}")))?;
    let due_at: Option<i64> = row.try_get("due_at")?;
    let link_expires_at: Option<i64> = row.try_get("link_expires_at")?;
    let remind_at: Option<i64> = row.try_get("remind_at")?;
    let overdue: i64 = row.try_get("overdue")?;
    Ok(TicketTaskView {
        ticket_id: uuid_column(row, "ticket_id")?,
        token: version_column(row, "token")?,
        step_id: row.try_get("step_id")?,
        step_name: row.try_get("step_name")?,
        candidate,
        activated_at: time_column(row, "activated_at")?,
        due_at: due_at.and_then(DateTime::from_timestamp_micros),
        remind_at: remind_at.and_then(DateTime::from_timestamp_micros),
        overdue: overdue != 0,
        fields: json_column(row, "fields")?,
        link_expires_at: link_expires_at.and_then(DateTime::from_timestamp_micros),
    })
}

/// A ticket's open tasks, oldest first.
pub async fn ticket_tasks<'c>(
    reader: impl Executor<'c, Database = Any>,
    tenant_id: Uuid,
    ticket_id: Uuid,
) -> ProjectionResult<Vec<TicketTaskView>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT ticket_id, token, step_id, step_name, candidate_kind, candidate_id, activated_at, due_at, remind_at, \
         overdue, fields, link_expires_at FROM {TICKET_TASKS_TABLE} WHERE tenant_id = $1 AND ticket_id = $2 ORDER BY token"
    )))
    .bind(tenant_id.to_string())
    .bind(ticket_id.to_string())
    .fetch_all(reader)
    .await?;
    rows.iter().map(task_from_row).collect()
}

/// The service tasks a ticket waits on, oldest first.
pub async fn ticket_service_calls<'c>(
    reader: impl Executor<'c, Database = Any>,
    tenant_id: Uuid,
    ticket_id: Uuid,
) -> ProjectionResult<Vec<TicketServiceCallView>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT ticket_id, token, node, step_name, url, called_at, error FROM {TICKET_SERVICES_TABLE} \
         WHERE tenant_id = $1 AND ticket_id = $2 ORDER BY token"
    )))
    .bind(tenant_id.to_string())
    .bind(ticket_id.to_string())
    .fetch_all(reader)
    .await?;
    rows.iter().map(service_call_from_row).collect()
}

fn service_call_from_row(row: &AnyRow) -> ProjectionResult<TicketServiceCallView> {
    Ok(TicketServiceCallView {
        ticket_id: uuid_column(row, "ticket_id")?,
        token: version_column(row, "token")?,
        step_id: row.try_get("node")?,
        step_name: row.try_get("step_name")?,
        url: row.try_get("url")?,
        called_at: time_column(row, "called_at")?,
        error: row.try_get("error")?,
    })
}

/// A service call a ticket waits on, with what a list shows of the ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingServiceCallView {
    pub call: TicketServiceCallView,
    pub number: String,
    pub title: String,
    pub type_name: String,
}

/// The tenant's tickets' service calls (only those failed for good with `failed_only`): the
/// failed first, then the longest waiting; and how many there are.
pub async fn pending_service_calls(
    pool: &AnyPool,
    tenant_id: Uuid,
    failed_only: bool,
    offset: u32,
    limit: u32,
) -> ProjectionResult<(Vec<PendingServiceCallView>, u64)> {
    let failed = if failed_only { " AND s.error IS NOT NULL" } else { "" };
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT s.ticket_id, s.token, s.node, s.step_name, s.url, s.called_at, s.error, t.number, t.title, \
         COALESCE(y.name, '') AS type_name FROM {TICKET_SERVICES_TABLE} s \
         JOIN {TICKETS_TABLE} t ON t.tenant_id = s.tenant_id AND t.ticket_id = s.ticket_id \
         LEFT JOIN {TICKET_TYPES_TABLE} y ON y.tenant_id = t.tenant_id AND y.type_id = t.type_id \
         WHERE s.tenant_id = $1{failed} \
         ORDER BY CASE WHEN s.error IS NULL THEN 1 ELSE 0 END, s.called_at, s.ticket_id, s.token LIMIT $2 OFFSET $3"
    )))
    .bind(tenant_id.to_string())
    .bind(i64::from(limit))
    .bind(i64::from(offset))
    .fetch_all(pool)
    .await?;
    let total: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM {TICKET_SERVICES_TABLE} s WHERE s.tenant_id = $1{failed}"
    )))
    .bind(tenant_id.to_string())
    .fetch_one(pool)
    .await?;
    let calls = rows
        .iter()
        .map(|row| {
            Ok(PendingServiceCallView {
                call: service_call_from_row(row)?,
                number: row.try_get("number")?,
                title: row.try_get("title")?,
                type_name: row.try_get("type_name")?,
            })
        })
        .collect::<ProjectionResult<_>>()?;
    Ok((calls, to_u64("total", total)?))
}

/// Service calls of every tenant that are wanted by `now` (not failed for good), the
/// longest waiting first.
pub async fn due_service_calls(pool: &AnyPool, now: DateTime<Utc>, limit: u32) -> ProjectionResult<Vec<DueTimer>> {
    due_rows(pool, TICKET_SERVICES_TABLE, "call_at", now, limit).await
}

/// The open tasks `owner` may complete: theirs by user, one of their roles or their unit;
/// the most urgent first (by due time, then the oldest).
pub async fn todos(pool: &AnyPool, tenant_id: Uuid, owner: &Member) -> ProjectionResult<Vec<TicketTodoView>> {
    let mut binds = Binds::default();
    let tenant = binds.add(tenant_id.to_string());
    let mine = may_complete(owner, &mut binds);
    let query = binds.bind_to(sqlx::query(AssertSqlSafe(format!(
        "SELECT k.ticket_id, t.number, t.title, COALESCE(y.name, '') AS type_name, k.token, k.step_name, \
         k.activated_at, k.due_at \
         FROM {TICKET_TASKS_TABLE} k \
         JOIN {TICKETS_TABLE} t ON t.tenant_id = k.tenant_id AND t.ticket_id = k.ticket_id \
         LEFT JOIN {TICKET_TYPES_TABLE} y ON y.tenant_id = t.tenant_id AND y.type_id = t.type_id \
         WHERE k.tenant_id = {tenant} AND {mine} \
         ORDER BY CASE WHEN k.due_at IS NULL THEN 1 ELSE 0 END, k.due_at, k.activated_at, t.number"
    ))));
    let rows = query.fetch_all(pool).await?;
    rows.iter()
        .map(|row| {
            let due_at: Option<i64> = row.try_get("due_at")?;
            Ok(TicketTodoView {
                ticket_id: uuid_column(row, "ticket_id")?,
                number: row.try_get("number")?,
                title: row.try_get("title")?,
                type_name: row.try_get("type_name")?,
                token: version_column(row, "token")?,
                step_name: row.try_get("step_name")?,
                activated_at: time_column(row, "activated_at")?,
                due_at: due_at.and_then(DateTime::from_timestamp_micros),
            })
        })
        .collect()
}

/// Open tasks of every tenant whose next SLA check (the reminder, then the due time) has
/// come by `now`, the longest waiting first; `due_at` is the time of that check.
pub async fn due_sla_checks(pool: &AnyPool, now: DateTime<Utc>, limit: u32) -> ProjectionResult<Vec<DueTimer>> {
    due_rows(pool, TICKET_TASKS_TABLE, "next_sla_at", now, limit).await
}

/// The ticket of a tenant with this number (replies by mail name it in their subject).
pub async fn ticket_by_number(pool: &AnyPool, tenant_id: Uuid, number: &str) -> ProjectionResult<Option<Uuid>> {
    let id: Option<String> = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT ticket_id FROM {TICKETS_TABLE} WHERE tenant_id = $1 AND number = $2"
    )))
    .bind(tenant_id.to_string())
    .bind(number)
    .fetch_optional(pool)
    .await?;
    id.as_deref().map(crate::rows::parse_uuid).transpose()
}

/// Timers of every tenant due at `now` or before, the longest overdue first.
pub async fn due_timers(pool: &AnyPool, now: DateTime<Utc>, limit: u32) -> ProjectionResult<Vec<DueTimer>> {
    due_rows(pool, TICKET_TIMERS_TABLE, "due_at", now, limit).await
}

/// The rows of `table` whose time `column` has come by `now`, the earliest first.
async fn due_rows(
    pool: &AnyPool,
    table: &str,
    column: &str,
    now: DateTime<Utc>,
    limit: u32,
) -> ProjectionResult<Vec<DueTimer>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT tenant_id, ticket_id, token, {column} FROM {table} WHERE {column} <= $1 \
         ORDER BY {column}, tenant_id, ticket_id, token LIMIT {limit}"
    )))
    .bind(micros(now))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(DueTimer {
                tenant_id: uuid_column(row, "tenant_id")?,
                ticket_id: uuid_column(row, "ticket_id")?,
                token: version_column(row, "token")?,
                due_at: time_column(row, column)?,
            })
        })
        .collect()
}
