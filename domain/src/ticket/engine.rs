//! The token engine that runs a ticket through its workflow: pure and deterministic.
//!
//! A decision (start, complete a task, fire a timer, a service returned) moves tokens until
//! each waits (at a user task, a timer, a service task or a parallel join) or the process
//! finishes, and says what happened as [`Step`]s. The ticket's state is the fold of those
//! steps with [`Instance::apply`], which never evaluates a condition or reads a form value:
//! every choice (the flow a gateway took, the user a field assignee named) is in the steps,
//! so replaying an old ticket gives the same state even if the rules would now say otherwise.
//! The engine itself builds its result by applying each step to a copy of the instance as it
//! emits it, so the live state and the replayed state cannot drift apart.

use std::collections::{BTreeMap, VecDeque};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::form::ReferenceKind;
use super::workflow::{Assignee, Node, NodeKind, Workflow};
use crate::DomainError;

pub type TokenId = u32;

/// How many steps one decision may take before the workflow is judged to loop without
/// waiting anywhere.
pub const STEP_BUDGET: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Step {
    /// A token moves through a node that does not hold it (start, gateway, sub-process
    /// boundary). Creates the token if it is new.
    TokenPassed {
        token: TokenId,
        node: String,
    },
    /// A token that waited (task, timer, service) is consumed and `next` moves on from its
    /// node: a new id, so that a second completion of the same task finds nothing to complete.
    Resumed {
        token: TokenId,
        node: String,
        next: TokenId,
    },
    TaskActivated {
        token: TokenId,
        node: String,
        candidate: Candidate,
        due_at: Option<DateTime<Utc>>,
        /// When a reminder is due (added with reminders: absent in older events).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        remind_at: Option<DateTime<Utc>>,
    },
    TimerStarted {
        token: TokenId,
        node: String,
        due_at: DateTime<Utc>,
    },
    ServiceCalled {
        token: TokenId,
        node: String,
        url: String,
    },
    /// An exclusive gateway's choice.
    GatewayChose {
        token: TokenId,
        node: String,
        flow: String,
    },
    /// A parallel gateway consumed `consumed` and created one token per outgoing flow.
    TokensSplit {
        node: String,
        consumed: TokenId,
        tokens: Vec<TokenId>,
    },
    /// A token reached a parallel join along `flow` and waits for the other branches.
    TokenArrived {
        token: TokenId,
        node: String,
        flow: String,
    },
    /// A parallel join consumed one token per incoming flow and created `token`.
    TokensJoined {
        node: String,
        consumed: Vec<TokenId>,
        token: TokenId,
    },
    TokenEnded {
        token: TokenId,
        node: String,
    },
    Finished,
}

/// Who may complete a task, resolved when the task was activated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Candidate {
    User(Uuid),
    Role(Uuid),
    OrgUnit(Uuid),
    /// An outside collaborator's e-mail address (in `id`): they complete the task through a
    /// link mailed to them, never as a user.
    External(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Wait {
    Task {
        candidate: Candidate,
        due_at: Option<DateTime<Utc>>,
        remind_at: Option<DateTime<Utc>>,
    },
    Timer {
        due_at: DateTime<Utc>,
    },
    Service,
    /// Waiting at a parallel join, having arrived along `flow`.
    Join {
        flow: String,
    },
    /// Between two nodes within one decision; never left at the end of one.
    Moving,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    pub node: String,
    pub wait: Wait,
}

/// A running workflow. The join bookkeeping is the tokens waiting with [`Wait::Join`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Instance {
    pub tokens: BTreeMap<TokenId, Token>,
    pub next_token: TokenId,
    pub finished: bool,
}

impl Instance {
    fn put(&mut self, token: TokenId, node: &str, wait: Wait) {
        self.tokens.insert(token, Token { node: node.to_owned(), wait });
        self.next_token = self.next_token.max(token + 1);
    }

    pub fn apply(&mut self, step: &Step) {
        match step {
            Step::TokenPassed { token, node } => self.put(*token, node, Wait::Moving),
            Step::Resumed { token, node, next } => {
                self.tokens.remove(token);
                self.put(*next, node, Wait::Moving);
            }
            Step::TaskActivated { token, node, candidate, due_at, remind_at } => self.put(
                *token,
                node,
                Wait::Task { candidate: candidate.clone(), due_at: *due_at, remind_at: *remind_at },
            ),
            Step::TimerStarted { token, node, due_at } => self.put(*token, node, Wait::Timer { due_at: *due_at }),
            Step::ServiceCalled { token, node, .. } => self.put(*token, node, Wait::Service),
            Step::TokenArrived { token, node, flow } => self.put(*token, node, Wait::Join { flow: flow.clone() }),
            Step::GatewayChose { .. } => {}
            Step::TokensSplit { node, consumed, tokens } => {
                self.tokens.remove(consumed);
                for token in tokens {
                    self.tokens.insert(*token, Token { node: node.clone(), wait: Wait::Moving });
                    self.next_token = self.next_token.max(token + 1);
                }
            }
            Step::TokensJoined { node, consumed, token } => {
                for consumed in consumed {
                    self.tokens.remove(consumed);
                }
                self.tokens.insert(*token, Token { node: node.clone(), wait: Wait::Moving });
                self.next_token = self.next_token.max(token + 1);
            }
            Step::TokenEnded { token, .. } => {
                self.tokens.remove(token);
            }
            Step::Finished => {
                self.tokens.clear();
                self.finished = true;
            }
        }
    }

    pub fn active_tasks(&self) -> impl Iterator<Item = (TokenId, &Token)> {
        self.tokens.iter().filter(|(_, token)| matches!(token.wait, Wait::Task { .. })).map(|(id, token)| (*id, token))
    }
}

/// What a decision needs besides the instance: the values and who started the ticket.
struct Run<'a> {
    workflow: &'a Workflow,
    values: &'a Map<String, Value>,
    starter: Uuid,
    at: DateTime<Utc>,
    instance: Instance,
    steps: Vec<Step>,
    /// Tokens to move along a flow (flow id), in order.
    queue: VecDeque<(TokenId, String)>,
}

fn broken(message: impl Into<String>) -> DomainError {
    DomainError::new("ticket.broken_workflow", message)
}

impl<'a> Run<'a> {
    fn new(
        workflow: &'a Workflow,
        instance: &Instance,
        values: &'a Map<String, Value>,
        starter: Uuid,
        at: DateTime<Utc>,
    ) -> Self {
        Run { workflow, values, starter, at, instance: instance.clone(), steps: Vec::new(), queue: VecDeque::new() }
    }

    fn emit(&mut self, step: Step) -> Result<(), DomainError> {
        if self.steps.len() >= STEP_BUDGET {
            return Err(DomainError::new(
                "ticket.workflow_loops",
                format!("the workflow took more than {STEP_BUDGET} steps without waiting anywhere"),
            ));
        }
        self.instance.apply(&step);
        self.steps.push(step);
        Ok(())
    }

    fn node(&self, id: &str) -> Result<&'a Node, DomainError> {
        self.workflow.node(id).ok_or_else(|| broken(format!("the workflow has no node {id}")))
    }

    fn new_token(&self) -> TokenId {
        self.instance.next_token
    }

    /// Queues the token along the node's single (first) outgoing flow.
    fn leave(&mut self, token: TokenId, node: &Node) -> Result<(), DomainError> {
        let flow = self
            .workflow
            .outgoing(&node.id)
            .next()
            .ok_or_else(|| DomainError::new("ticket.no_way_out", format!("{} has no way out", node.label())))?;
        self.queue.push_back((token, flow.id.clone()));
        Ok(())
    }

    /// Moves queued tokens until each waits or ends.
    fn drain(mut self) -> Result<Vec<Step>, DomainError> {
        while let Some((token, flow_id)) = self.queue.pop_front() {
            let flow = self.workflow.flow(&flow_id).ok_or_else(|| broken(format!("no flow {flow_id}")))?;
            let node = self.node(&flow.target)?;
            self.enter(token, node, Some(flow_id))?;
        }
        Ok(self.steps)
    }

    fn enter(&mut self, token: TokenId, node: &'a Node, via: Option<String>) -> Result<(), DomainError> {
        let id = node.id.clone();
        match &node.kind {
            NodeKind::Start => {
                self.emit(Step::TokenPassed { token, node: id })?;
                self.leave(token, node)?;
            }
            NodeKind::End => {
                self.emit(Step::TokenEnded { token, node: id })?;
                match &node.parent {
                    Some(scope) => {
                        let still_inside = self.instance.tokens.values().any(|other| self.inside(&other.node, scope));
                        if !still_inside {
                            let sub_process = self.node(scope)?;
                            let leaving = self.new_token();
                            self.emit(Step::TokenPassed { token: leaving, node: scope.clone() })?;
                            self.leave(leaving, sub_process)?;
                        }
                    }
                    None if self.instance.tokens.is_empty() => self.emit(Step::Finished)?,
                    None => {}
                }
            }
            NodeKind::UserTask(task) => {
                let candidate =
                    candidate_of(&task.assignee, self.values, self.starter, self.workflow).ok_or_else(|| {
                        DomainError::new(
                            "ticket.no_assignee",
                            format!(
                                "{}: the field naming the assignee holds no user, group, department or e-mail address",
                                node.label()
                            ),
                        )
                    })?;
                let due_at = task.due_seconds.map(|seconds| self.at + seconds_to_duration(seconds));
                let remind_at = due_at
                    .zip(task.remind_seconds)
                    .map(|(due_at, before)| (due_at - seconds_to_duration(before)).max(self.at));
                self.emit(Step::TaskActivated { token, node: id, candidate, due_at, remind_at })?;
            }
            NodeKind::Timer { seconds } => {
                let due_at = self.at + seconds_to_duration(*seconds);
                self.emit(Step::TimerStarted { token, node: id, due_at })?;
            }
            NodeKind::ServiceTask { url } => self.emit(Step::ServiceCalled { token, node: id, url: url.clone() })?,
            NodeKind::ExclusiveGateway { default_flow } => {
                self.emit(Step::TokenPassed { token, node: id.clone() })?;
                let chosen = self
                    .workflow
                    .outgoing(&node.id)
                    .filter(|flow| default_flow.as_ref() != Some(&flow.id))
                    .find(|flow| flow.condition.as_ref().is_none_or(|condition| condition.evaluate(self.values)))
                    .map(|flow| flow.id.clone())
                    .or_else(|| default_flow.clone())
                    .ok_or_else(|| {
                        DomainError::new(
                            "ticket.no_way_out",
                            format!("no condition of gateway {} holds and it has no default flow", node.label()),
                        )
                    })?;
                self.emit(Step::GatewayChose { token, node: id, flow: chosen.clone() })?;
                self.queue.push_back((token, chosen));
            }
            NodeKind::ParallelGateway => self.parallel(token, node, via)?,
            NodeKind::SubProcess => {
                self.emit(Step::TokenPassed { token, node: id.clone() })?;
                let start = self
                    .workflow
                    .start_of(Some(&id))
                    .ok_or_else(|| broken(format!("sub-process {} has no start", node.label())))?;
                self.enter(token, start, None)?;
            }
        }
        Ok(())
    }

    fn parallel(&mut self, token: TokenId, node: &'a Node, via: Option<String>) -> Result<(), DomainError> {
        let incoming: Vec<&str> = self.workflow.incoming(&node.id).map(|flow| flow.id.as_str()).collect();
        let mut current = token;
        if incoming.len() > 1 {
            let via = via.unwrap_or_default();
            // The earliest waiting token on each other incoming flow (BTreeMap order: lowest id).
            let mut consumed = vec![token];
            for flow in incoming.iter().filter(|flow| **flow != via) {
                let waiting = self.instance.tokens.iter().find(|(_, waiting)| {
                    waiting.node == node.id && waiting.wait == Wait::Join { flow: (*flow).to_owned() }
                });
                match waiting {
                    Some((id, _)) => consumed.push(*id),
                    None => {
                        return self.emit(Step::TokenArrived { token, node: node.id.clone(), flow: via });
                    }
                }
            }
            current = self.new_token();
            self.emit(Step::TokensJoined { node: node.id.clone(), consumed, token: current })?;
        } else {
            self.emit(Step::TokenPassed { token, node: node.id.clone() })?;
        }
        let outgoing: Vec<String> = self.workflow.outgoing(&node.id).map(|flow| flow.id.clone()).collect();
        if outgoing.len() > 1 {
            let first = self.new_token();
            let tokens: Vec<TokenId> = (first..).take(outgoing.len()).collect();
            self.emit(Step::TokensSplit { node: node.id.clone(), consumed: current, tokens: tokens.clone() })?;
            self.queue.extend(tokens.into_iter().zip(outgoing));
        } else {
            self.leave(current, node)?;
        }
        Ok(())
    }

    /// Whether a node lies (at any depth) inside the sub-process `scope`.
    fn inside(&self, node: &str, scope: &str) -> bool {
        let mut parent = self.workflow.node(node).and_then(|node| node.parent.as_deref());
        while let Some(id) = parent {
            if id == scope {
                return true;
            }
            parent = self.workflow.node(id).and_then(|node| node.parent.as_deref());
        }
        false
    }
}

/// Who an assignee names, given the ticket's values and its starter; `None` when a form
/// field should name someone (or hold an address) and does not. A field names a user, or the
/// group or department its kind says (`workflow.field_targets`).
pub fn candidate_of(
    assignee: &Assignee,
    values: &Map<String, Value>,
    starter: Uuid,
    workflow: &Workflow,
) -> Option<Candidate> {
    Some(match assignee {
        Assignee::Starter => Candidate::User(starter),
        Assignee::User(user) => Candidate::User(*user),
        Assignee::Role(role) => Candidate::Role(*role),
        Assignee::OrgUnit(unit) => Candidate::OrgUnit(*unit),
        Assignee::FormField(key) => {
            let id = values.get(key).and_then(Value::as_str).and_then(|text| Uuid::parse_str(text).ok())?;
            match workflow.field_targets.get(key) {
                Some(ReferenceKind::Group) => Candidate::Role(id),
                Some(ReferenceKind::Department) => Candidate::OrgUnit(id),
                _ => Candidate::User(id),
            }
        }
        Assignee::External(address) => Candidate::External(address.clone()),
        Assignee::ExternalField(key) => Candidate::External(
            crate::email::parse_address(values.get(key).and_then(Value::as_str)?, "ticket.no_assignee").ok()?,
        ),
    })
}

fn seconds_to_duration(seconds: u64) -> Duration {
    // Durations beyond i64 seconds are not meaningful; clamp instead of overflowing.
    Duration::try_seconds(i64::try_from(seconds).unwrap_or(i64::MAX / 1000)).unwrap_or(Duration::MAX)
}

/// Starts a workflow: token 0 at the start event, run until every token waits or it finishes.
pub fn start(
    workflow: &Workflow,
    values: &Map<String, Value>,
    starter: Uuid,
    at: DateTime<Utc>,
) -> Result<Vec<Step>, DomainError> {
    let start = workflow.start_of(None).ok_or_else(|| broken("the workflow has no start event"))?;
    let mut run = Run::new(workflow, &Instance::default(), values, starter, at);
    run.enter(0, start, None)?;
    run.drain()
}

fn resume(
    workflow: &Workflow,
    instance: &Instance,
    token: TokenId,
    values: &Map<String, Value>,
    starter: Uuid,
    at: DateTime<Utc>,
) -> Result<Vec<Step>, DomainError> {
    let node_id = &instance.tokens[&token].node;
    let mut run = Run::new(workflow, instance, values, starter, at);
    let node = run.node(node_id)?;
    let next = run.new_token();
    run.emit(Step::Resumed { token, node: node.id.clone(), next })?;
    run.leave(next, node)?;
    run.drain()
}

/// Completes the user task `token` waits at. `values` are the ticket's values with this
/// completion merged in (gateways ahead decide on them).
pub fn complete_task(
    workflow: &Workflow,
    instance: &Instance,
    token: TokenId,
    values: &Map<String, Value>,
    starter: Uuid,
    at: DateTime<Utc>,
) -> Result<Vec<Step>, DomainError> {
    match instance.tokens.get(&token) {
        Some(Token { wait: Wait::Task { .. }, .. }) => resume(workflow, instance, token, values, starter, at),
        _ => Err(DomainError::new("ticket.no_such_task", format!("token {token} is not waiting at a task"))),
    }
}

/// Fires the timer `token` waits at, once it is due.
pub fn fire_timer(
    workflow: &Workflow,
    instance: &Instance,
    token: TokenId,
    values: &Map<String, Value>,
    starter: Uuid,
    at: DateTime<Utc>,
) -> Result<Vec<Step>, DomainError> {
    match instance.tokens.get(&token) {
        Some(Token { wait: Wait::Timer { due_at }, .. }) if at < *due_at => {
            Err(DomainError::new("ticket.timer_not_due", format!("the timer of token {token} is due at {due_at}")))
        }
        Some(Token { wait: Wait::Timer { .. }, .. }) => resume(workflow, instance, token, values, starter, at),
        _ => Err(DomainError::new("ticket.no_such_timer", format!("token {token} is not waiting at a timer"))),
    }
}

/// Records that the service task `token` waits at has returned.
pub fn service_done(
    workflow: &Workflow,
    instance: &Instance,
    token: TokenId,
    values: &Map<String, Value>,
    starter: Uuid,
    at: DateTime<Utc>,
) -> Result<Vec<Step>, DomainError> {
    match instance.tokens.get(&token) {
        Some(Token { wait: Wait::Service, .. }) => resume(workflow, instance, token, values, starter, at),
        _ => Err(DomainError::new("ticket.no_such_service", format!("token {token} is not waiting at a service task"))),
    }
}
