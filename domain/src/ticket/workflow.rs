//! A ticket type's workflow: the BPMN subset Hotline runs, as a flat graph of nodes and
//! sequence flows, and the checks a workflow must pass before it is published.
//!
//! Nodes inside sub-processes are kept in the same list, with `parent` naming the enclosing
//! sub-process: BPMN ids are unique in a document, so one flat map serves every scope.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::condition::Condition;
use super::form::{FieldAccess, FieldKind, FormSpec, ReferenceKind};
use crate::DomainError;

/// The most nodes one workflow may hold.
pub const MAX_NODES: usize = 500;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Workflow {
    pub nodes: Vec<Node>,
    pub flows: Vec<Flow>,
    /// What the group and department fields of the version's form name, for tasks assigned
    /// by a field (`field:<key>`); any other field names a user. Bound from the form when a
    /// version is loaded ([`Workflow::bind_form`]), not part of the published event.
    #[serde(skip)]
    pub field_targets: BTreeMap<String, ReferenceKind>,
}

impl Workflow {
    /// Records which fields of `form` hold a user group or a department, so that a task
    /// assigned by such a field goes to that group or department.
    pub fn bind_form(&mut self, form: &FormSpec) {
        self.field_targets = form
            .fields
            .iter()
            .filter_map(|field| match field.kind {
                FieldKind::Group => Some((field.key.clone(), ReferenceKind::Group)),
                FieldKind::Department => Some((field.key.clone(), ReferenceKind::Department)),
                _ => None,
            })
            .collect();
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub id: String,
    pub name: String,
    /// The enclosing sub-process; `None` at the top level.
    pub parent: Option<String>,
    pub kind: NodeKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NodeKind {
    Start,
    End,
    UserTask(UserTask),
    ExclusiveGateway { default_flow: Option<String> },
    ParallelGateway,
    Timer { seconds: u64 },
    ServiceTask { url: String },
    SubProcess,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserTask {
    pub assignee: Assignee,
    /// Fields not listed are read-only at this task.
    pub fields: BTreeMap<String, FieldAccess>,
    /// The SLA: the task is due this long after it is activated.
    pub due_seconds: Option<u64>,
    /// A reminder goes to whoever may do the task this long before it is due.
    #[serde(default)]
    pub remind_seconds: Option<u64>,
    /// Who else is told when the task is overdue, besides whoever may do it.
    #[serde(default)]
    pub escalate: Option<Assignee>,
    /// How long a link mailed to the outside collaborator doing the task lives; `None`:
    /// [`DEFAULT_LINK_SECONDS`].
    #[serde(default)]
    pub link_seconds: Option<u64>,
}

/// A collaborator's link lives seven days unless the step says otherwise.
pub const DEFAULT_LINK_SECONDS: u64 = 7 * 24 * 3600;
/// A step's link lives at least an hour and at most 90 days.
pub const LINK_SECONDS: std::ops::RangeInclusive<u64> = 3600..=90 * 24 * 3600;

impl UserTask {
    pub fn access(&self, key: &str) -> FieldAccess {
        self.fields.get(key).copied().unwrap_or(FieldAccess::ReadOnly)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Assignee {
    /// The user who opened the ticket.
    Starter,
    User(Uuid),
    Role(Uuid),
    OrgUnit(Uuid),
    /// The form field (key) whose value is a user id (or, for a group or department field, the
    /// group's or department's), read when the task is activated.
    FormField(String),
    /// Someone outside the organisation, by e-mail address: they are mailed a signed,
    /// expiring link to the task's form.
    External(String),
    /// Like [`Assignee::External`], with the address read from a form field (key) when the
    /// task is activated.
    ExternalField(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flow {
    pub id: String,
    pub source: String,
    pub target: String,
    pub condition: Option<Condition>,
}

impl Node {
    /// How messages name the node: its name, else its id.
    pub fn label(&self) -> &str {
        if self.name.trim().is_empty() { &self.id } else { &self.name }
    }
}

impl Workflow {
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|node| node.id == id)
    }

    pub fn flow(&self, id: &str) -> Option<&Flow> {
        self.flows.iter().find(|flow| flow.id == id)
    }

    /// Outgoing flows of a node, in document order.
    pub fn outgoing<'a>(&'a self, node: &'a str) -> impl Iterator<Item = &'a Flow> + 'a {
        self.flows.iter().filter(move |flow| flow.source == node)
    }

    pub fn incoming<'a>(&'a self, node: &'a str) -> impl Iterator<Item = &'a Flow> + 'a {
        self.flows.iter().filter(move |flow| flow.target == node)
    }

    /// The start event of a scope (`None`: the top level).
    pub fn start_of(&self, scope: Option<&str>) -> Option<&Node> {
        self.nodes.iter().find(|node| node.parent.as_deref() == scope && node.kind == NodeKind::Start)
    }
}

fn label<'a>(workflow: &'a Workflow, id: &'a str) -> &'a str {
    workflow.node(id).map_or(id, Node::label)
}

/// Checks a workflow against the rules the engine relies on, and against the form it runs
/// with. Reports every problem at once, in one `ticket_type.invalid_workflow`.
pub fn validate(workflow: &Workflow, form: &FormSpec) -> Result<(), DomainError> {
    if workflow.nodes.len() > MAX_NODES {
        return Err(DomainError::new(
            "ticket_type.invalid_workflow",
            format!("a workflow holds at most {MAX_NODES} nodes, this one has {}", workflow.nodes.len()),
        ));
    }
    let mut problems: Vec<String> = Vec::new();
    let mut seen = BTreeSet::new();
    for node in &workflow.nodes {
        if !seen.insert(node.id.as_str()) {
            problems.push(format!("id {} is used twice", node.id));
        }
    }
    check_scopes(workflow, &mut problems);
    let mut flow_ok = BTreeSet::new();
    for flow in &workflow.flows {
        match (workflow.node(&flow.source), workflow.node(&flow.target)) {
            (Some(source), Some(target)) if source.parent == target.parent => {
                flow_ok.insert(flow.id.as_str());
            }
            (Some(source), Some(target)) => problems.push(format!(
                "flow {} leaves its scope: {} and {} are not in the same (sub-)process",
                flow.id,
                source.label(),
                target.label()
            )),
            (None, _) => {
                problems.push(format!("flow {} comes from a node that does not exist ({})", flow.id, flow.source))
            }
            (_, None) => {
                problems.push(format!("flow {} goes to a node that does not exist ({})", flow.id, flow.target))
            }
        }
    }
    for node in &workflow.nodes {
        check_node(workflow, node, form, &mut problems);
    }
    check_paths(workflow, &mut problems);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(DomainError::new("ticket_type.invalid_workflow", problems.join("; ")))
    }
}

fn check_scopes(workflow: &Workflow, problems: &mut Vec<String>) {
    let mut scopes: Vec<Option<&Node>> = vec![None];
    scopes.extend(workflow.nodes.iter().filter(|node| node.kind == NodeKind::SubProcess).map(Some));
    for scope in scopes {
        let scope_id = scope.map(|node| node.id.as_str());
        let in_scope = || workflow.nodes.iter().filter(move |node| node.parent.as_deref() == scope_id);
        let starts = in_scope().filter(|node| node.kind == NodeKind::Start).count();
        let ends = in_scope().filter(|node| node.kind == NodeKind::End).count();
        let name = scope.map_or_else(|| "the process".to_owned(), |node| format!("sub-process {}", node.label()));
        if starts != 1 {
            problems.push(format!("{name} must have exactly one start event, it has {starts}"));
        }
        if ends == 0 {
            problems.push(format!("{name} has no end event"));
        }
    }
    for node in &workflow.nodes {
        if let Some(parent) = &node.parent
            && workflow.node(parent).is_none_or(|parent| parent.kind != NodeKind::SubProcess)
        {
            problems.push(format!("{} is inside {parent}, which is not a sub-process", node.label()));
        }
    }
}

fn check_node(workflow: &Workflow, node: &Node, form: &FormSpec, problems: &mut Vec<String>) {
    let name = node.label();
    let incoming = workflow.incoming(&node.id).count();
    let outgoing: Vec<&Flow> = workflow.outgoing(&node.id).collect();
    match &node.kind {
        NodeKind::Start => {
            if incoming > 0 {
                problems.push(format!("start event {name} has incoming flows"));
            }
            if outgoing.len() != 1 {
                problems.push(format!("start event {name} must have exactly one outgoing flow"));
            }
        }
        NodeKind::End => {
            if !outgoing.is_empty() {
                problems.push(format!("end event {name} has outgoing flows"));
            }
            if incoming == 0 {
                problems.push(format!("end event {name} has no incoming flow"));
            }
        }
        kind => {
            if incoming == 0 {
                problems.push(format!("{name} has no incoming flow"));
            }
            let single = matches!(
                kind,
                NodeKind::UserTask(_) | NodeKind::Timer { .. } | NodeKind::ServiceTask { .. } | NodeKind::SubProcess
            );
            let gateway = matches!(kind, NodeKind::ExclusiveGateway { .. } | NodeKind::ParallelGateway);
            if outgoing.is_empty() {
                let what = if gateway { "gateway" } else { "node" };
                problems.push(format!("{what} {name} has no way out"));
            } else if single && outgoing.len() > 1 {
                problems.push(format!("{name} must have exactly one outgoing flow (use a gateway to branch)"));
            }
        }
    }
    match &node.kind {
        NodeKind::ExclusiveGateway { default_flow } => {
            if let Some(default) = default_flow
                && !outgoing.iter().any(|flow| &flow.id == default)
            {
                problems.push(format!("gateway {name}: default flow {default} is not one of its outgoing flows"));
            }
            if outgoing.len() > 1 {
                for flow in &outgoing {
                    if flow.condition.is_none() && default_flow.as_ref() != Some(&flow.id) {
                        problems.push(format!(
                            "gateway {name}: flow {} to {} has no condition and is not the default",
                            flow.id,
                            label(workflow, &flow.target)
                        ));
                    }
                }
            }
        }
        NodeKind::UserTask(task) => {
            for key in task.fields.keys() {
                if form.field(key).is_none() {
                    problems.push(format!("user task {name} lists field {key}, which is not in the form"));
                }
            }
            // An outside collaborator's page offers no search of the organisation's people,
            // units, tickets or query results (nor should it): they may read such fields only.
            if matches!(task.assignee, Assignee::External(_) | Assignee::ExternalField(_)) {
                for (key, access) in &task.fields {
                    let searched = form.field(key).is_some_and(|field| {
                        matches!(
                            field.kind,
                            FieldKind::User
                                | FieldKind::Group
                                | FieldKind::Department
                                | FieldKind::Relation
                                | FieldKind::Query
                        )
                    });
                    if searched && *access >= FieldAccess::Editable {
                        problems.push(format!(
                            "user task {name} is for an outside collaborator, who cannot search this \
                             organisation's users, groups, departments, tickets or query results: field \
                             {key} may only be read there"
                        ));
                    }
                }
            }
            if let Assignee::FormField(key) | Assignee::ExternalField(key) = &task.assignee {
                match form.field(key) {
                    None => {
                        problems.push(format!("user task {name} is assigned by field {key}, which is not in the form"))
                    }
                    Some(field) if field.multiple => problems
                        .push(format!("user task {name} is assigned by field {key}, which holds several values")),
                    Some(field)
                        if !matches!(
                            field.kind,
                            FieldKind::Text
                                | FieldKind::Hidden
                                | FieldKind::User
                                | FieldKind::Group
                                | FieldKind::Department
                                | FieldKind::Other
                        ) =>
                    {
                        problems.push(format!(
                            "user task {name} is assigned by field {key}, which names no person, group or department"
                        ))
                    }
                    Some(_) => {}
                }
            }
            match &task.escalate {
                Some(Assignee::FormField(key)) if form.field(key).is_none() => {
                    problems.push(format!("user task {name} escalates by field {key}, which is not in the form"))
                }
                // Escalation is within the organisation: an outsider cannot take a task over.
                Some(Assignee::External(_) | Assignee::ExternalField(_)) => problems.push(format!(
                    "user task {name} escalates to an outside collaborator; escalate to a person, role or unit"
                )),
                _ => {}
            }
            match (task.remind_seconds, task.due_seconds) {
                (Some(_), None) => problems.push(format!("user task {name} has a reminder but no due time")),
                (Some(remind), Some(due)) if remind >= due => problems
                    .push(format!("user task {name}: the reminder must come after the task starts, before it is due")),
                _ => {}
            }
            if task.escalate.is_some() && task.due_seconds.is_none() {
                problems.push(format!("user task {name} escalates but has no due time"));
            }
            if let Some(seconds) = task.link_seconds {
                if !matches!(task.assignee, Assignee::External(_) | Assignee::ExternalField(_)) {
                    problems.push(format!(
                        "user task {name} sets a link lifetime but is not done by an outside collaborator"
                    ));
                } else if !LINK_SECONDS.contains(&seconds) {
                    problems.push(format!("user task {name}: a link lives from an hour to 90 days"));
                }
            }
        }
        _ => {}
    }
}

/// Every node is reachable from its scope's start and can reach one of its scope's ends.
fn check_paths(workflow: &Workflow, problems: &mut Vec<String>) {
    let mut forward: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut backward: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for flow in &workflow.flows {
        forward.entry(flow.source.as_str()).or_default().push(flow.target.as_str());
        backward.entry(flow.target.as_str()).or_default().push(flow.source.as_str());
    }
    let reached = |roots: Vec<&str>, edges: &BTreeMap<&str, Vec<&str>>| -> BTreeSet<String> {
        let mut seen: BTreeSet<String> = roots.iter().map(|root| (*root).to_owned()).collect();
        let mut queue: VecDeque<&str> = roots.into_iter().collect();
        while let Some(id) = queue.pop_front() {
            for next in edges.get(id).into_iter().flatten() {
                if seen.insert((*next).to_owned()) {
                    queue.push_back(next);
                }
            }
        }
        seen
    };
    let starts: Vec<&str> =
        workflow.nodes.iter().filter(|node| node.kind == NodeKind::Start).map(|node| node.id.as_str()).collect();
    let ends: Vec<&str> =
        workflow.nodes.iter().filter(|node| node.kind == NodeKind::End).map(|node| node.id.as_str()).collect();
    // Flows never cross scopes (checked above), so one search over all scopes at once stays
    // within each scope.
    let from_start = reached(starts, &forward);
    let to_end = reached(ends, &backward);
    for node in &workflow.nodes {
        if !from_start.contains(&node.id) {
            problems.push(format!("{} cannot be reached from the start", node.label()));
        }
        if !to_end.contains(&node.id) {
            problems.push(format!("{} cannot reach an end", node.label()));
        }
    }
}
