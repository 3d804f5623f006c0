//! Tickets: ticket types (designed in the web app: a form-js form and a BPMN workflow,
//! published in versions), tickets, their open tasks and the caller's to-dos.
//!
//! Reading tickets needs `menu.tickets`; reading types also `menu.admin.ticket_types`, since
//! the designer lists them. Changing a type needs `ticket_type.edit`; opening and cancelling
//! a ticket, and retrying a failed service call, `ticket.create`; completing a task is for the task's candidates (checked by the
//! domain), commenting for any holder of `menu.tickets`. Which tickets a user sees, comments
//! on or cancels follows their data scope on `tickets` (see `TicketScope`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use async_graphql::{ComplexObject, Context, Enum, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use hotline_command_api::tickets::{
    CREATE_PERMISSION, MENU_PERMISSION, TYPES_MENU_PERMISSION, TicketService, TypeDraft,
};
use hotline_command_api::{ApiError, Session};
use hotline_domain::access::{BuiltInRole, DataScope};
use hotline_domain::saved_queries::Condition;
use hotline_domain::ticket::{Candidate, FieldAccess, Member, Origin, shown_schema};
use hotline_projections::tickets::{
    self as read_model, FieldRuleView, TicketFilter as ReadFilter, TicketScope, TicketServiceCallView,
    TicketStatus as ReadStatus, TicketStepView, TicketTaskView, TicketTodoView, TicketTypeView, TicketView,
    VersionForm,
};
use serde_json::{Map, Value};
use sqlx::AnyConnection;
use uuid::Uuid;

use crate::error::{OrGraphqlError, graphql_error};
use crate::identity::mutation::READ_YOUR_WRITES_TIMEOUT;
use crate::identity::query::read_model_error;
use crate::schema::{GraphqlState, session};
use crate::ticket_export::{TicketExportTemplate, export_templates_of};
use crate::ticket_fields::{FieldOption, ticket_references};
use crate::ticket_queries::TicketFilter;
use crate::ticket_query_field::{QueryLabel, ticket_query_labels};
use crate::types::CommandResult;

/// Who may do what with a form field at one step.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "TicketFieldAccess")]
pub enum FieldAccessKind {
    Hidden,
    ReadOnly,
    Editable,
    Required,
}

impl From<FieldAccess> for FieldAccessKind {
    fn from(access: FieldAccess) -> Self {
        match access {
            FieldAccess::Hidden => FieldAccessKind::Hidden,
            FieldAccess::ReadOnly => FieldAccessKind::ReadOnly,
            FieldAccess::Editable => FieldAccessKind::Editable,
            FieldAccess::Required => FieldAccessKind::Required,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum TicketStatus {
    Open,
    Finished,
    Cancelled,
}

impl From<ReadStatus> for TicketStatus {
    fn from(status: ReadStatus) -> Self {
        match status {
            ReadStatus::Open => TicketStatus::Open,
            ReadStatus::Finished => TicketStatus::Finished,
            ReadStatus::Cancelled => TicketStatus::Cancelled,
        }
    }
}

impl From<TicketStatus> for ReadStatus {
    fn from(status: TicketStatus) -> Self {
        match status {
            TicketStatus::Open => ReadStatus::Open,
            TicketStatus::Finished => ReadStatus::Finished,
            TicketStatus::Cancelled => ReadStatus::Cancelled,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum TicketCandidateKind {
    User,
    Role,
    OrgUnit,
    /// An outside collaborator, by e-mail address (the name); they work through mailed links.
    External,
}

#[derive(SimpleObject, Clone)]
pub struct TicketFieldRule {
    pub key: String,
    pub access: FieldAccessKind,
}

fn rules(fields: Vec<FieldRuleView>) -> Vec<TicketFieldRule> {
    fields.into_iter().map(|rule| TicketFieldRule { key: rule.key, access: rule.access.into() }).collect()
}

#[derive(SimpleObject, Clone)]
pub struct TicketStep {
    pub id: String,
    pub name: String,
    /// `starter`, `user:<id>`, `role:<id>`, `unit:<id>` or `field:<key>`, as the workflow says.
    pub assignee: String,
    /// The step's deadline after it starts (its SLA), in seconds.
    pub due_seconds: Option<u64>,
    pub fields: Vec<TicketFieldRule>,
}

impl From<TicketStepView> for TicketStep {
    fn from(step: TicketStepView) -> Self {
        Self {
            id: step.id,
            name: step.name,
            assignee: step.assignee,
            due_seconds: step.due_seconds,
            fields: rules(step.fields),
        }
    }
}

#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct TicketType {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    /// The draft form (a form-js schema) edited in the designer; publishing freezes it into
    /// that version.
    pub form: Json<Value>,
    /// The last published BPMN 2.0 XML; null before the first publish.
    pub workflow_xml: Option<String>,
    /// The form-js schema of the published version as stored, with its forms per role; read
    /// through `publishedForm`, which shows each caller what they may see.
    #[graphql(skip)]
    pub published_schema: Option<Value>,
    /// The draft's form rules (JavaScript); empty for none.
    pub rules: String,
    /// The published version's form rules, which new tickets run; null for none.
    pub published_rules: Option<String>,
    /// When the type's signing secret for service calls was last created or rotated; null:
    /// none yet (service calls fail until one exists).
    pub service_secret_rotated_at: Option<DateTime<Utc>>,
    /// The published version; 0 before the first publish (a type cannot open tickets before).
    pub version: u32,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// The user tasks of the published version, in document order.
    pub steps: Vec<TicketStep>,
}

impl From<TicketTypeView> for TicketType {
    fn from(view: TicketTypeView) -> Self {
        Self {
            id: view.type_id,
            name: view.name,
            description: view.description,
            form: Json(view.form),
            workflow_xml: view.workflow_xml,
            published_schema: view.published_form,
            rules: view.rules,
            published_rules: view.published_rules,
            service_secret_rotated_at: view.service_secret_rotated_at,
            version: view.version,
            published_at: view.published_at,
            updated_at: view.updated_at,
            steps: view.steps.into_iter().map(TicketStep::from).collect(),
        }
    }
}

#[derive(SimpleObject, Clone)]
pub struct TicketTask {
    pub token: u32,
    pub step_id: String,
    pub step_name: String,
    pub candidate_kind: TicketCandidateKind,
    /// The nil id for an outside collaborator.
    pub candidate_id: Uuid,
    /// The user's display name, the role's or the unit's name, the collaborator's address.
    pub candidate_name: String,
    pub activated_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    /// When whoever may do the task is reminded of it.
    pub remind_at: Option<DateTime<Utc>>,
    /// Past its due time (whoever may do it, and the escalation, were told).
    pub overdue: bool,
    /// Whether the caller may complete this task.
    pub mine: bool,
    /// Field access at this step; keys not listed are read-only.
    pub fields: Vec<TicketFieldRule>,
    /// An outside collaborator's task: when the latest link mailed for it expires (null until
    /// one is sent).
    pub link_expires_at: Option<DateTime<Utc>>,
}

/// A service task the ticket waits on.
#[derive(SimpleObject, Clone)]
pub struct TicketServiceCall {
    pub token: u32,
    pub step_name: String,
    pub url: String,
    /// The last call failed for good; `retryTicketService` calls it again.
    pub failed: bool,
    /// Why it failed (the receiver's status and answer, or the network's error).
    pub error: Option<String>,
    /// Since when the ticket has waited there.
    pub since: DateTime<Utc>,
}

impl From<TicketServiceCallView> for TicketServiceCall {
    fn from(view: TicketServiceCallView) -> Self {
        Self {
            token: view.token,
            step_name: view.step_name,
            url: view.url,
            failed: view.error.is_some(),
            error: view.error,
            since: view.called_at,
        }
    }
}

/// A type's new signing secret for service calls.
#[derive(SimpleObject)]
pub struct RotatedTicketServiceSecret {
    /// Shown this once: the receiver verifies service calls with it.
    pub secret: String,
    pub rotated_at: DateTime<Utc>,
}

#[derive(SimpleObject, Clone)]
pub struct TicketHistoryEntry {
    pub at: DateTime<Utc>,
    /// `opened`, `task_completed`, `timer_fired`, `service_done`, `service_failed` (`text`:
    /// the error), `service_retried`, `link_sent` (`text`: the address), `commented`,
    /// `cancelled`, `finished`, `reminded`, `overdue` (`text`: who it was escalated to) or
    /// `mail_received` (`text`: the reply).
    pub kind: String,
    /// Empty for the system; for mail, the user whose address sent it, else the address; for
    /// an outside collaborator, their address.
    pub actor_name: String,
    pub step_name: Option<String>,
    pub text: Option<String>,
}

#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Ticket {
    pub id: Uuid,
    /// The ticket's number, for people and for replies by mail.
    pub number: String,
    pub type_id: Uuid,
    pub type_name: String,
    pub version: u32,
    pub title: String,
    pub status: TicketStatus,
    /// Form values by field key.
    pub values: Json<Map<String, Value>>,
    /// The form-js schema of the version this ticket runs on.
    pub form: Json<Value>,
    /// The form rules of that version (JavaScript), which the browser runs as the user types;
    /// null for none.
    pub rules: Option<String>,
    pub starter_name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub conversation_id: Option<Uuid>,
    pub call_id: Option<Uuid>,
    /// The open tasks (several while parallel branches run).
    pub tasks: Vec<TicketTask>,
    /// The service tasks this ticket waits on: being called, or failed and waiting for a retry.
    pub service_calls: Vec<TicketServiceCall>,
}

#[ComplexObject]
impl TicketType {
    /// The form-js schema of the published version, which new tickets fill in (the draft may
    /// have changed since), without the fields your roles' forms hide from you; null before
    /// the first publish.
    async fn published_form(&self, context: &Context<'_>) -> async_graphql::Result<Option<Json<Value>>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let Some(schema) = &self.published_schema else { return Ok(None) };
        let definition = state.tickets.definition(session.tenant_id, self.id, self.version).await.or_graphql_error()?;
        let hidden = definition.form.hidden_from(&session.access.role_ids);
        Ok(Some(Json(shown_schema(schema.clone(), &|key| !hidden.contains(key)))))
    }

    /// What your roles' forms let you do with each field of the published form you may see
    /// when you open a ticket: `EDITABLE` or `READ_ONLY`. Empty before the first publish.
    async fn start_fields(&self, context: &Context<'_>) -> async_graphql::Result<Vec<TicketFieldRule>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        if self.version == 0 {
            return Ok(Vec::new());
        }
        let definition = state.tickets.definition(session.tenant_id, self.id, self.version).await.or_graphql_error()?;
        let form = &definition.form;
        Ok(form
            .fields
            .iter()
            .map(|field| (field, form.role_access(&field.key, &session.access.role_ids)))
            .filter(|(_, access)| *access != FieldAccess::Hidden)
            .map(|(field, access)| TicketFieldRule { key: field.key.clone(), access: access.into() })
            .collect())
    }

    /// The Word and Excel templates tickets of this type export through, by name.
    async fn export_templates(&self, context: &Context<'_>) -> async_graphql::Result<Vec<TicketExportTemplate>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        export_templates_of(state, session.tenant_id, self.id).await
    }
}

#[ComplexObject]
impl Ticket {
    /// The templates of the ticket's type, which `GET /api/tickets/{id}/export/{templateId}`
    /// fills with this ticket.
    async fn export_templates(&self, context: &Context<'_>) -> async_graphql::Result<Vec<TicketExportTemplate>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        export_templates_of(state, session.tenant_id, self.type_id).await
    }

    /// The names of the users, user groups, departments and tickets the values' pickers hold
    /// (tickets only when your scope holds them), so that the form shows names, not ids.
    async fn references(&self, context: &Context<'_>) -> async_graphql::Result<Vec<FieldOption>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        ticket_references(state, session, self.type_id, self.version, &self.values).await
    }

    /// The labels of the values the form's query fields hold (a dictionary entry's label, a
    /// customer's name).
    async fn query_labels(&self, context: &Context<'_>) -> async_graphql::Result<Vec<QueryLabel>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        ticket_query_labels(state, session, self.type_id, self.version, &self.values).await
    }

    /// What happened to the ticket, oldest first. Read only when asked for: lists seldom show
    /// it, and it grows with every step.
    async fn history(&self, context: &Context<'_>) -> async_graphql::Result<Vec<TicketHistoryEntry>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let entries = read_model::ticket_history(&state.read_models, session.tenant_id, self.id)
            .await
            .map_err(read_model_error)?;
        let mut names = Names::new(state, session.tenant_id);
        let mut history = Vec::with_capacity(entries.len());
        for entry in entries {
            let actor_name = match (entry.actor_id, entry.from) {
                (Some(actor_id), _) => names.user(actor_id).await?,
                (None, Some(from)) => from,
                (None, None) => String::new(),
            };
            let text = match entry.escalated_to {
                Some(escalated_to) => Some(names.candidate(&escalated_to).await?),
                None => entry.text,
            };
            history.push(TicketHistoryEntry {
                at: entry.at,
                kind: entry.kind,
                actor_name,
                step_name: entry.step_name,
                text,
            });
        }
        Ok(history)
    }
}

/// A service call a ticket waits on, across the tenant's tickets.
#[derive(SimpleObject)]
pub struct PendingTicketServiceCall {
    pub ticket_id: Uuid,
    pub number: String,
    pub title: String,
    pub type_name: String,
    pub token: u32,
    pub step_name: String,
    pub url: String,
    /// Since when the ticket has waited there.
    pub called_at: DateTime<Utc>,
    /// Why it failed for good; null while it is being called.
    pub error: Option<String>,
}

#[derive(SimpleObject)]
pub struct PendingTicketServiceCallPage {
    pub items: Vec<PendingTicketServiceCall>,
    pub total: u64,
}

#[derive(SimpleObject)]
pub struct TicketPage {
    pub items: Vec<Ticket>,
    pub total: u64,
}

#[derive(SimpleObject)]
pub struct TicketTodo {
    pub ticket_id: Uuid,
    pub number: String,
    pub title: String,
    pub type_name: String,
    pub token: u32,
    pub step_name: String,
    pub activated_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
}

impl From<TicketTodoView> for TicketTodo {
    fn from(view: TicketTodoView) -> Self {
        Self {
            ticket_id: view.ticket_id,
            number: view.number,
            title: view.title,
            type_name: view.type_name,
            token: view.token,
            step_name: view.step_name,
            activated_at: view.activated_at,
            due_at: view.due_at,
        }
    }
}

/// Names of users, roles and units, each looked up once per request.
struct Names<'a> {
    state: &'a GraphqlState,
    tenant_id: Uuid,
    users: HashMap<Uuid, String>,
    roles: Option<HashMap<Uuid, String>>,
    units: HashMap<Uuid, String>,
}

impl<'a> Names<'a> {
    fn new(state: &'a GraphqlState, tenant_id: Uuid) -> Self {
        Self { state, tenant_id, users: HashMap::new(), roles: None, units: HashMap::new() }
    }

    async fn user(&mut self, user_id: Uuid) -> async_graphql::Result<String> {
        if let Some(name) = self.users.get(&user_id) {
            return Ok(name.clone());
        }
        let user = hotline_projections::get_user(&self.state.read_models, self.tenant_id, user_id)
            .await
            .map_err(read_model_error)?;
        let name = user.map(|user| user.display_name).unwrap_or_else(|| user_id.to_string());
        self.users.insert(user_id, name.clone());
        Ok(name)
    }

    async fn candidate(&mut self, candidate: &Candidate) -> async_graphql::Result<String> {
        match candidate {
            Candidate::User(user_id) => self.user(*user_id).await,
            Candidate::Role(role_id) => {
                if self.roles.is_none() {
                    let roles = hotline_projections::access::list_roles(&self.state.read_models, self.tenant_id)
                        .await
                        .map_err(read_model_error)?;
                    // Built-in roles live in the code, not in the read model.
                    let built_in = BuiltInRole::ALL.into_iter().map(BuiltInRole::definition);
                    self.roles = Some(built_in.chain(roles).map(|role| (role.role_id, role.name)).collect());
                }
                let roles = self.roles.as_ref().expect("just loaded");
                Ok(roles.get(role_id).cloned().unwrap_or_else(|| role_id.to_string()))
            }
            Candidate::OrgUnit(unit_id) => {
                if let Some(name) = self.units.get(unit_id) {
                    return Ok(name.clone());
                }
                let unit = hotline_projections::get_org_unit(&self.state.read_models, self.tenant_id, *unit_id)
                    .await
                    .map_err(read_model_error)?;
                let name = unit.map(|unit| unit.name).unwrap_or_else(|| unit_id.to_string());
                self.units.insert(*unit_id, name.clone());
                Ok(name)
            }
            Candidate::External(address) => Ok(address.clone()),
        }
    }
}

/// A candidate's kind and id; an outside collaborator has the nil id (their name is their
/// address).
fn candidate_parts(candidate: &Candidate) -> (TicketCandidateKind, Uuid) {
    match candidate {
        Candidate::User(id) => (TicketCandidateKind::User, *id),
        Candidate::Role(id) => (TicketCandidateKind::Role, *id),
        Candidate::OrgUnit(id) => (TicketCandidateKind::OrgUnit, *id),
        Candidate::External(_) => (TicketCandidateKind::External, Uuid::nil()),
    }
}

/// The caller, as the domain matches them against a task's candidate.
fn performer(session: &Session) -> Member {
    Member {
        user_id: session.user_id,
        role_ids: session.access.role_ids.clone(),
        org_unit_ids: session.access.org_units.clone(),
    }
}

/// What a ticket's detail shows, as read in one snapshot of the read models.
struct DetailRows {
    view: TicketView,
    version_form: Option<VersionForm>,
    tasks: Vec<TicketTaskView>,
    service_calls: Vec<TicketServiceCallView>,
}

/// Reads the rest of the detail of each ticket in the snapshot its rows came from.
async fn detail_rows(
    snapshot: &mut AnyConnection,
    tenant_id: Uuid,
    views: Vec<TicketView>,
) -> async_graphql::Result<Vec<DetailRows>> {
    let mut details = Vec::with_capacity(views.len());
    // A page's tickets run on a few versions: each version's form is read (and decoded) once.
    let mut forms: HashMap<(Uuid, u32), Option<VersionForm>> = HashMap::new();
    for view in views {
        let version_form = match forms.get(&(view.type_id, view.version)) {
            Some(form) => form.clone(),
            None => {
                let form = read_model::ticket_form(&mut *snapshot, tenant_id, view.type_id, view.version)
                    .await
                    .map_err(read_model_error)?;
                forms.insert((view.type_id, view.version), form.clone());
                form
            }
        };
        let tasks =
            read_model::ticket_tasks(&mut *snapshot, tenant_id, view.ticket_id).await.map_err(read_model_error)?;
        let service_calls = read_model::ticket_service_calls(&mut *snapshot, tenant_id, view.ticket_id)
            .await
            .map_err(read_model_error)?;
        details.push(DetailRows { view, version_form, tasks, service_calls });
    }
    Ok(details)
}

/// A ticket with what the detail shows: its version's form and open tasks (the history is read
/// when asked for).
/// Names are looked up once the snapshot is closed, so no request holds two connections.
/// What the caller may see of it: the form and values without the fields their roles' forms
/// hide, and each task's field access narrowed by those forms.
async fn ticket_detail(session: &Session, names: &mut Names<'_>, rows: DetailRows) -> async_graphql::Result<Ticket> {
    let DetailRows { view, version_form, tasks: task_views, service_calls } = rows;
    let definition =
        names.state.tickets.definition(session.tenant_id, view.type_id, view.version).await.or_graphql_error()?;
    let roles = &session.access.role_ids;
    let hidden = definition.form.hidden_from(roles);
    let (form, rules) = version_form.map_or((Value::Null, None), |version| {
        (shown_schema(version.form, &|key| !hidden.contains(key)), version.rules)
    });
    let mut tasks = Vec::with_capacity(task_views.len());
    for mut task in task_views {
        for rule in &mut task.fields {
            rule.access = rule.access.within(definition.form.role_access(&rule.key, roles));
        }
        tasks.push(task_of(session, names, task).await?);
    }
    let service_calls = service_calls.into_iter().map(TicketServiceCall::from).collect();
    Ok(Ticket {
        id: view.ticket_id,
        number: view.number,
        type_id: view.type_id,
        type_name: view.type_name,
        version: view.version,
        title: view.title,
        status: view.status.into(),
        values: Json(definition.form.visible_values(view.values, roles)),
        form: Json(form),
        rules,
        starter_name: names.user(view.starter_id).await?,
        created_at: view.created_at,
        updated_at: view.updated_at,
        conversation_id: view.conversation_id,
        call_id: view.call_id,
        tasks,
        service_calls,
    })
}

async fn task_of(session: &Session, names: &mut Names<'_>, task: TicketTaskView) -> async_graphql::Result<TicketTask> {
    let (candidate_kind, candidate_id) = candidate_parts(&task.candidate);
    Ok(TicketTask {
        token: task.token,
        step_id: task.step_id,
        step_name: task.step_name,
        candidate_kind,
        candidate_id,
        candidate_name: names.candidate(&task.candidate).await?,
        activated_at: task.activated_at,
        due_at: task.due_at,
        remind_at: task.remind_at,
        overdue: task.overdue,
        mine: performer(session).matches(&task.candidate),
        fields: rules(task.fields),
        link_expires_at: task.link_expires_at,
    })
}

/// A ticket with its tasks, service calls and names, if the caller's scope holds it.
pub(crate) async fn read_ticket(
    state: &GraphqlState,
    session: &Session,
    id: Uuid,
) -> async_graphql::Result<Option<Ticket>> {
    let scope = scope(state, session).await?;
    let mut snapshot = read_model::snapshot(&state.read_models).await.map_err(read_model_error)?;
    let Some(view) =
        read_model::get_ticket(&mut *snapshot, session.tenant_id, id, &scope).await.map_err(read_model_error)?
    else {
        return Ok(None);
    };
    let rows = detail_rows(&mut snapshot, session.tenant_id, vec![view]).await?.pop().expect("one ticket's rows");
    drop(snapshot);
    let mut names = Names::new(state, session.tenant_id);
    Ok(Some(ticket_detail(session, &mut names, rows).await?))
}

/// The fields `conditions` name that the caller's roles' forms hide, with the versions that
/// hide them: the list must not tell what such a field holds.
async fn hidden_fields(
    state: &GraphqlState,
    session: &Session,
    conditions: &[Condition],
) -> async_graphql::Result<BTreeMap<String, Vec<(Uuid, u32)>>> {
    let mut hidden: BTreeMap<String, Vec<(Uuid, u32)>> = BTreeMap::new();
    if conditions.is_empty() {
        return Ok(hidden);
    }
    let versions =
        read_model::versions_with_role_forms(&state.read_models, session.tenant_id).await.map_err(read_model_error)?;
    for (type_id, version) in versions {
        let definition = state.tickets.definition(session.tenant_id, type_id, version).await.or_graphql_error()?;
        let hidden_here = definition.form.hidden_from(&session.access.role_ids);
        let fields: BTreeSet<&str> = conditions.iter().map(|condition| condition.field.as_str()).collect();
        for field in fields.into_iter().filter(|field| hidden_here.contains(field)) {
            hidden.entry(field.to_owned()).or_default().push((type_id, version));
        }
    }
    Ok(hidden)
}

/// The caller's data scope on tickets, made concrete for the read model.
pub(crate) async fn scope(state: &GraphqlState, session: &Session) -> async_graphql::Result<TicketScope> {
    let reader = performer(session);
    let units = match (session.access.scope_of("tickets"), session.access.org_unit_id) {
        (DataScope::All, _) => return Ok(TicketScope::All),
        (DataScope::Own, _) | (_, None) => Vec::new(),
        (DataScope::OwnDepartment, Some(unit)) => vec![unit],
        (DataScope::DepartmentAndBelow, Some(unit)) => {
            hotline_projections::organisation::units_at_and_below(&state.read_models, session.tenant_id, unit)
                .await
                .map_err(read_model_error)?
        }
    };
    Ok(TicketScope::Involving { reader, units })
}

/// The ticket, if the caller may see it; `ticket.not_found` otherwise (whether it exists in
/// another scope or tenant is not told).
async fn visible_ticket(state: &GraphqlState, session: &Session, ticket_id: Uuid) -> async_graphql::Result<TicketView> {
    let scope = scope(state, session).await?;
    read_model::get_ticket(&state.read_models, session.tenant_id, ticket_id, &scope)
        .await
        .map_err(read_model_error)?
        .ok_or_else(|| {
            graphql_error(ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                "ticket.not_found",
                format!("no ticket {ticket_id}"),
            ))
        })
}

fn require_any(session: &Session, permissions: &[&str]) -> async_graphql::Result<()> {
    if permissions.iter().any(|permission| session.has(permission)) {
        Ok(())
    } else {
        Err(graphql_error(ApiError::forbidden_without(permissions[0])))
    }
}

#[derive(Default)]
pub struct TicketQuery;

#[Object]
impl TicketQuery {
    /// Your tenant's ticket types, by name. Needs `menu.tickets` or `menu.admin.ticket_types`.
    async fn ticket_types(&self, context: &Context<'_>) -> async_graphql::Result<Vec<TicketType>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        require_any(session, &[MENU_PERMISSION, TYPES_MENU_PERMISSION])?;
        let views =
            read_model::list_ticket_types(&state.read_models, session.tenant_id).await.map_err(read_model_error)?;
        Ok(views.into_iter().map(TicketType::from).collect())
    }

    async fn ticket_type(&self, context: &Context<'_>, id: Uuid) -> async_graphql::Result<Option<TicketType>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        require_any(session, &[MENU_PERMISSION, TYPES_MENU_PERMISSION])?;
        let view =
            read_model::get_ticket_type(&state.read_models, session.tenant_id, id).await.map_err(read_model_error)?;
        Ok(view.map(TicketType::from))
    }

    /// A page of your tenant's tickets, most recently changed first. Needs `menu.tickets`.
    async fn tickets(
        &self,
        context: &Context<'_>,
        filter: Option<TicketFilter>,
        #[graphql(default = 0)] offset: u32,
        #[graphql(default = 50, validator(minimum = 1, maximum = 200))] limit: u32,
    ) -> async_graphql::Result<TicketPage> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        session.require(MENU_PERMISSION).or_graphql_error()?;
        let (query, conversation_id) = filter.unwrap_or_default().into_query()?;
        let read_filter = ReadFilter {
            conversation_id,
            hidden_fields: hidden_fields(state, session, &query.conditions).await?,
            ..ReadFilter::of_query(&query, &performer(session), Utc::now())
        };
        let scope = scope(state, session).await?;
        let mut snapshot = read_model::snapshot(&state.read_models).await.map_err(read_model_error)?;
        let (views, total) =
            read_model::find_tickets(&mut snapshot, session.tenant_id, &scope, &read_filter, offset, limit)
                .await
                .map_err(read_model_error)?;
        let details = detail_rows(&mut snapshot, session.tenant_id, views).await?;
        drop(snapshot);
        let mut names = Names::new(state, session.tenant_id);
        let mut items = Vec::with_capacity(details.len());
        for rows in details {
            items.push(ticket_detail(session, &mut names, rows).await?);
        }
        Ok(TicketPage { items, total })
    }

    /// One ticket of your tenant. Needs `menu.tickets`.
    async fn ticket(&self, context: &Context<'_>, id: Uuid) -> async_graphql::Result<Option<Ticket>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        session.require(MENU_PERMISSION).or_graphql_error()?;
        read_ticket(state, session, id).await
    }

    /// Every ticket's service calls, for administrators of ticket types
    /// (`menu.admin.ticket_types`): those failed for good first (`retryTicketService` calls
    /// them again), then those being called, the longest waiting first.
    async fn ticket_service_calls(
        &self,
        context: &Context<'_>,
        #[graphql(default = false)] failed_only: bool,
        #[graphql(default = 0)] offset: u32,
        #[graphql(default = 50, validator(minimum = 1, maximum = 200))] limit: u32,
    ) -> async_graphql::Result<PendingTicketServiceCallPage> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        session.require(TYPES_MENU_PERMISSION).or_graphql_error()?;
        let (calls, total) =
            read_model::pending_service_calls(&state.read_models, session.tenant_id, failed_only, offset, limit)
                .await
                .map_err(read_model_error)?;
        let items = calls
            .into_iter()
            .map(|view| PendingTicketServiceCall {
                ticket_id: view.call.ticket_id,
                number: view.number,
                title: view.title,
                type_name: view.type_name,
                token: view.call.token,
                step_name: view.call.step_name,
                url: view.call.url,
                called_at: view.call.called_at,
                error: view.call.error,
            })
            .collect();
        Ok(PendingTicketServiceCallPage { items, total })
    }

    /// The open tasks you may complete (yours, your roles' and your unit's), most urgent
    /// first. Needs `menu.tickets`.
    async fn my_ticket_todos(&self, context: &Context<'_>) -> async_graphql::Result<Vec<TicketTodo>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        session.require(MENU_PERMISSION).or_graphql_error()?;
        let owner = performer(session);
        let views = read_model::todos(&state.read_models, session.tenant_id, &owner).await.map_err(read_model_error)?;
        Ok(views.into_iter().map(TicketTodo::from).collect())
    }
}

#[derive(InputObject)]
pub struct CreateTicketTypeInput {
    pub command_id: Option<Uuid>,
    /// 1 to 80 characters.
    pub name: String,
    /// At most 500 characters.
    pub description: String,
    /// A form-js schema.
    pub form: Json<Value>,
    /// Form rules: JavaScript run with `values`, `step` and `error(field, message)`, in the
    /// browser and again on the server (docs/tickets.md).
    pub rules: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateTicketTypeInput {
    pub command_id: Option<Uuid>,
    pub type_id: Uuid,
    pub name: String,
    pub description: String,
    /// The new draft form; running tickets keep the form of their version.
    pub form: Json<Value>,
    /// The new draft rules (empty: none); absent keeps them. Refused when they do not compile
    /// or do not finish in time on an empty form.
    pub rules: Option<String>,
}

#[derive(InputObject)]
pub struct PublishTicketWorkflowInput {
    pub command_id: Option<Uuid>,
    pub type_id: Uuid,
    /// BPMN 2.0 XML (at most 1 MB) in the subset the engine runs.
    pub bpmn_xml: String,
}

#[derive(InputObject)]
pub struct OpenTicketInput {
    pub command_id: Option<Uuid>,
    pub type_id: Uuid,
    /// 1 to 200 characters.
    pub title: String,
    /// Form values by field key.
    pub values: Json<Map<String, Value>>,
    /// The chat conversation the ticket comes from.
    pub conversation_id: Option<Uuid>,
    /// The call the ticket comes from.
    pub call_id: Option<Uuid>,
}

#[derive(InputObject)]
pub struct CompleteTicketTaskInput {
    pub command_id: Option<Uuid>,
    pub ticket_id: Uuid,
    pub token: u32,
    /// Values of the fields this step lets you edit.
    pub values: Json<Map<String, Value>>,
}

#[derive(InputObject)]
pub struct CommentTicketInput {
    pub command_id: Option<Uuid>,
    pub ticket_id: Uuid,
    /// 1 to 4,000 characters.
    pub text: String,
}

#[derive(InputObject)]
pub struct CancelTicketInput {
    pub command_id: Option<Uuid>,
    pub ticket_id: Uuid,
    pub reason: String,
}

#[derive(InputObject)]
pub struct RetryTicketServiceInput {
    pub command_id: Option<Uuid>,
    pub ticket_id: Uuid,
    /// The token waiting at the failed service task (`TicketServiceCall.token`).
    pub token: u32,
}

#[derive(InputObject)]
pub struct SendTicketLinkInput {
    pub command_id: Option<Uuid>,
    pub ticket_id: Uuid,
    /// The token waiting at the outside collaborator's task (`TicketTask.token`).
    pub token: u32,
}

fn draft(name: String, description: String, form: Json<Value>, rules: Option<String>) -> TypeDraft {
    TypeDraft { name, description, form: form.0, rules }
}

fn command_id(given: Option<Uuid>) -> Uuid {
    given.unwrap_or_else(Uuid::now_v7)
}

fn service<'a>(context: &'a Context<'_>) -> async_graphql::Result<(&'a GraphqlState, &'a Session, &'a TicketService)> {
    let state = context.data::<GraphqlState>()?;
    Ok((state, session(context)?, &state.tickets))
}

/// The origin a ticket names, once it is known to be one of the tenant's contacts.
async fn origin(
    state: &GraphqlState,
    session: &Session,
    conversation_id: Option<Uuid>,
    call_id: Option<Uuid>,
) -> async_graphql::Result<Option<Origin>> {
    let not_found = |what: &str, id: Uuid| {
        graphql_error(ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "ticket.origin_not_found",
            format!("there is no {what} {id} in this tenant"),
        ))
    };
    match (conversation_id, call_id) {
        (Some(_), Some(_)) => {
            Err(graphql_error(ApiError::invalid_command("a ticket comes from one conversation or one call, not both")))
        }
        (Some(id), None) => {
            let found = hotline_projections::get_conversation(&state.read_models, session.tenant_id, id)
                .await
                .map_err(read_model_error)?;
            found.map(|_| Some(Origin::Conversation(id))).ok_or_else(|| not_found("conversation", id))
        }
        (None, Some(id)) => {
            let found = hotline_projections::calls::get_call(&state.read_models, session.tenant_id, id)
                .await
                .map_err(read_model_error)?;
            found.map(|_| Some(Origin::Call(id))).ok_or_else(|| not_found("call", id))
        }
        (None, None) => Ok(None),
    }
}

#[derive(Default)]
pub struct TicketMutation;

#[Object]
impl TicketMutation {
    /// A new ticket type with its draft form (`ticket_type.edit`). `aggregateId` is its id.
    async fn create_ticket_type(
        &self,
        context: &Context<'_>,
        input: CreateTicketTypeInput,
    ) -> async_graphql::Result<CommandResult> {
        let (state, session, tickets) = service(context)?;
        let (type_id, outcome) = tickets
            .create_type(
                session,
                command_id(input.command_id),
                draft(input.name, input.description, input.form, input.rules),
                Utc::now(),
            )
            .await
            .or_graphql_error()?;
        state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
        Ok(CommandResult::new(type_id, outcome))
    }

    /// Renames a type and replaces its draft form (`ticket_type.edit`).
    async fn update_ticket_type(
        &self,
        context: &Context<'_>,
        input: UpdateTicketTypeInput,
    ) -> async_graphql::Result<CommandResult> {
        let (state, session, tickets) = service(context)?;
        let outcome = tickets
            .update_type(
                session,
                command_id(input.command_id),
                input.type_id,
                draft(input.name, input.description, input.form, input.rules),
                Utc::now(),
            )
            .await
            .or_graphql_error()?;
        state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
        Ok(CommandResult::new(input.type_id, outcome))
    }

    /// Publishes a workflow as the type's next version (`ticket_type.edit`). Refused with
    /// every problem listed when the workflow cannot run; running tickets keep their version.
    async fn publish_ticket_workflow(
        &self,
        context: &Context<'_>,
        input: PublishTicketWorkflowInput,
    ) -> async_graphql::Result<CommandResult> {
        let (state, session, tickets) = service(context)?;
        let outcome = tickets
            .publish(session, command_id(input.command_id), input.type_id, input.bpmn_xml, Utc::now())
            .await
            .or_graphql_error()?;
        state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
        Ok(CommandResult::new(input.type_id, outcome))
    }

    /// Opens a ticket on the type's published version (`ticket.create`). `aggregateId` is
    /// the ticket's id.
    async fn open_ticket(&self, context: &Context<'_>, input: OpenTicketInput) -> async_graphql::Result<CommandResult> {
        let (state, session, tickets) = service(context)?;
        session.require(CREATE_PERMISSION).or_graphql_error()?;
        let origin = origin(state, session, input.conversation_id, input.call_id).await?;
        let (ticket_id, outcome) = tickets
            .open(session, command_id(input.command_id), input.type_id, input.title, input.values.0, origin, Utc::now())
            .await
            .or_graphql_error()?;
        state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
        Ok(CommandResult::new(ticket_id, outcome))
    }

    /// Completes an open task with the values its step lets you edit; only the task's
    /// candidates may.
    async fn complete_ticket_task(
        &self,
        context: &Context<'_>,
        input: CompleteTicketTaskInput,
    ) -> async_graphql::Result<CommandResult> {
        let (state, session, tickets) = service(context)?;
        let outcome = tickets
            .complete_task(
                session,
                command_id(input.command_id),
                input.ticket_id,
                input.token,
                input.values.0,
                Utc::now(),
            )
            .await
            .or_graphql_error()?;
        state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
        Ok(CommandResult::new(input.ticket_id, outcome))
    }

    async fn comment_ticket(
        &self,
        context: &Context<'_>,
        input: CommentTicketInput,
    ) -> async_graphql::Result<CommandResult> {
        let (state, session, tickets) = service(context)?;
        session.require(MENU_PERMISSION).or_graphql_error()?;
        visible_ticket(state, session, input.ticket_id).await?;
        let outcome = tickets
            .comment(session, command_id(input.command_id), input.ticket_id, input.text, Utc::now())
            .await
            .or_graphql_error()?;
        state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
        Ok(CommandResult::new(input.ticket_id, outcome))
    }

    /// Creates or replaces the type's signing secret for service calls (`ticket_type.edit`);
    /// the old one stops working at once. The secret is in the answer and nowhere else.
    async fn rotate_ticket_service_secret(
        &self,
        context: &Context<'_>,
        type_id: Uuid,
    ) -> async_graphql::Result<RotatedTicketServiceSecret> {
        let (state, session, tickets) = service(context)?;
        let now = Utc::now();
        let rotated = tickets.rotate_service_secret(session, type_id, now).await.or_graphql_error()?;
        state.wait_for_read_models(&rotated.outcome, READ_YOUR_WRITES_TIMEOUT).await;
        Ok(RotatedTicketServiceSecret { secret: rotated.secret, rotated_at: now })
    }

    /// Removes an export template from the type, and its file (`ticket_type.edit`).
    async fn remove_ticket_export_template(
        &self,
        context: &Context<'_>,
        type_id: Uuid,
        template_id: Uuid,
    ) -> async_graphql::Result<TicketType> {
        let (state, session, tickets) = service(context)?;
        let outcome = tickets
            .remove_export_template(session, Uuid::now_v7(), type_id, template_id, Utc::now())
            .await
            .or_graphql_error()?;
        state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
        let view = read_model::get_ticket_type(&state.read_models, session.tenant_id, type_id)
            .await
            .map_err(read_model_error)?
            .ok_or_else(|| {
                graphql_error(ApiError::new(
                    axum::http::StatusCode::NOT_FOUND,
                    "ticket_type.not_found",
                    format!("no ticket type {type_id}"),
                ))
            })?;
        Ok(view.into())
    }

    /// Calls a failed service task again (`ticket.create`): a new round of calls, retried on
    /// the same schedule.
    async fn retry_ticket_service(
        &self,
        context: &Context<'_>,
        input: RetryTicketServiceInput,
    ) -> async_graphql::Result<CommandResult> {
        let (state, session, tickets) = service(context)?;
        session.require(CREATE_PERMISSION).or_graphql_error()?;
        visible_ticket(state, session, input.ticket_id).await?;
        let outcome = tickets
            .retry_service(session, command_id(input.command_id), input.ticket_id, input.token, Utc::now())
            .await
            .or_graphql_error()?;
        state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
        Ok(CommandResult::new(input.ticket_id, outcome))
    }

    /// Mails an outside collaborator's task a new link, valid for seven days
    /// (`ticket.create`).
    async fn send_ticket_link(
        &self,
        context: &Context<'_>,
        input: SendTicketLinkInput,
    ) -> async_graphql::Result<CommandResult> {
        let (state, session, tickets) = service(context)?;
        session.require(CREATE_PERMISSION).or_graphql_error()?;
        visible_ticket(state, session, input.ticket_id).await?;
        let outcome = tickets
            .send_link(session, command_id(input.command_id), input.ticket_id, input.token, Utc::now())
            .await
            .or_graphql_error()?;
        state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
        Ok(CommandResult::new(input.ticket_id, outcome))
    }

    /// Cancels an open ticket (`ticket.create`).
    async fn cancel_ticket(
        &self,
        context: &Context<'_>,
        input: CancelTicketInput,
    ) -> async_graphql::Result<CommandResult> {
        let (state, session, tickets) = service(context)?;
        session.require(CREATE_PERMISSION).or_graphql_error()?;
        visible_ticket(state, session, input.ticket_id).await?;
        let outcome = tickets
            .cancel(session, command_id(input.command_id), input.ticket_id, input.reason, Utc::now())
            .await
            .or_graphql_error()?;
        state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
        Ok(CommandResult::new(input.ticket_id, outcome))
    }
}
