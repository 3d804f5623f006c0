//! What the benchmarks send: identity commands and user histories, and a ticket type with
//! its tickets' form, rules and histories, built before the clock starts, with the real
//! deciders and the real event payloads.
//!
//! The commands go through `Dispatcher::dispatch::<User>` directly, not through the identity
//! service, so no password is hashed: a command names a made-up credential id, which is all
//! the event records anyway. Hashing would measure argon2, not the store.

use chrono::{DateTime, Utc};
use hotline_command_api::dispatcher::{CommandMeta, Dispatcher};
use hotline_domain::access::BuiltInRole;
use hotline_domain::identity::tenant::{Tenant, TenantCommand};
use hotline_domain::identity::user::{User, UserCommand, UserState};
use hotline_domain::identity::{tenant_id_for_slug, user_id_for_username};
use hotline_domain::ticket::{
    Member, Performer, Ticket, TicketAction, TicketCommand, TicketState, TicketType, TicketTypeAction,
    TicketTypeCommand, TicketTypeState,
};
use hotline_domain::{Actor, Decider, DomainEvent, EventEnvelope, ExpectedVersion, NewEvent, StreamId};
use hotline_infra::store::{AppendRequest, EventStore, Scope};
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// Events read per page when the log is read back.
const READ_PAGE: usize = 10_000;

pub(crate) fn bench_actor() -> Actor {
    Actor::system("bench")
}

/// Creates the tenant `slug` through the dispatcher, so that user commands find it.
pub(crate) async fn create_tenant(dispatcher: &Dispatcher, slug: &str, now: DateTime<Utc>) -> anyhow::Result<Uuid> {
    let tenant_id = tenant_id_for_slug(slug);
    let meta = CommandMeta::new(Uuid::now_v7(), tenant_id, bench_actor(), now);
    let command = TenantCommand::CreateTenant {
        slug: slug.to_owned(),
        name: format!("Benchmark {slug}"),
        parent_tenant_id: None,
    };
    dispatcher.dispatch::<Tenant>(&meta, &command).await?;
    Ok(tenant_id)
}

/// A `CreateUser` command: one `hotline.user.created` event on a stream of its own.
pub(crate) struct CreateUser {
    pub meta: CommandMeta,
    pub command: UserCommand,
}

/// `count` commands creating users `agent-0`, `agent-1`, ... of the tenant (distinct streams).
pub(crate) fn create_user_commands(tenant_id: Uuid, count: usize, now: DateTime<Utc>) -> Vec<CreateUser> {
    (0..count)
        .map(|number| CreateUser {
            meta: CommandMeta::new(Uuid::now_v7(), tenant_id, bench_actor(), now),
            command: create_user_command(tenant_id, &format!("agent-{number}")),
        })
        .collect()
}

/// The one place that knows the shape of `CreateUser`: an agent with a fresh credential id.
fn create_user_command(tenant_id: Uuid, username: &str) -> UserCommand {
    UserCommand::CreateUser {
        tenant_id,
        username: username.to_owned(),
        display_name: format!("Agent {username}"),
        role_ids: vec![BuiltInRole::Agent.id()],
        org_unit_id: None,
        credential_id: Uuid::now_v7(),
        email: None,
    }
}

/// One append request for a new user stream: `user.created`, then `events - 1`
/// `user.password_changed`, decided by the user decider itself.
pub(crate) fn user_history(tenant_id: Uuid, username: &str, events: usize, now: DateTime<Utc>) -> AppendRequest {
    debug_assert!(events >= 1);
    let create = create_user_command(tenant_id, username);
    let mut history = User::decide(&UserState::default(), &create).expect("a new agent with a valid name is created");
    let mut state = User::replay(&history);
    let user_id = user_id_for_username(tenant_id, username);
    while history.len() < events {
        let change = UserCommand::ChangePassword { user_id, credential_id: Uuid::now_v7() };
        let changed = User::decide(&state, &change).expect("an existing user may change the password");
        state = changed.iter().fold(state, User::evolve);
        history.extend(changed);
    }
    append_request(tenant_id, User::stream_id(&create), &history, now)
}

/// One append request for a new user stream: `user.created`, then `events - 1`
/// `user.updated` (display name and role changes, each different from the one before, so the
/// user decider emits an event for every one), decided by the user decider itself.
pub(crate) fn user_history_with_updates(
    tenant_id: Uuid,
    username: &str,
    events: usize,
    now: DateTime<Utc>,
) -> AppendRequest {
    debug_assert!(events >= 1);
    let create = create_user_command(tenant_id, username);
    let mut history = User::decide(&UserState::default(), &create).expect("a new agent with a valid name is created");
    let mut state = User::replay(&history);
    let user_id = user_id_for_username(tenant_id, username);
    let roles = [BuiltInRole::Supervisor, BuiltInRole::Agent, BuiltInRole::Auditor];
    let mut change = 0;
    while history.len() < events {
        change += 1;
        let update = UserCommand::UpdateUser {
            user_id,
            display_name: format!("Agent {username} ({change})"),
            role_ids: vec![roles[change % roles.len()].id()],
            org_unit_id: None,
            email: None,
        };
        let updated = User::decide(&state, &update).expect("an existing user may be updated");
        debug_assert_eq!(updated.len(), 1, "every update changes the display name");
        state = updated.iter().fold(state, User::evolve);
        history.extend(updated);
    }
    append_request(tenant_id, User::stream_id(&create), &history, now)
}

/// One append request creating `stream_id` with `history`.
fn append_request(
    tenant_id: Uuid,
    stream_id: StreamId,
    history: &[impl DomainEvent],
    now: DateTime<Utc>,
) -> AppendRequest {
    let command_id = Uuid::now_v7();
    AppendRequest {
        tenant_id,
        stream_id,
        expected_version: ExpectedVersion::NoStream,
        actor: bench_actor(),
        correlation_id: command_id,
        causation_id: command_id,
        command_id: Some(command_id),
        events: history.iter().map(|event| new_event(event, now)).collect(),
    }
}

fn new_event(event: &impl DomainEvent, now: DateTime<Utc>) -> NewEvent {
    NewEvent::new(Uuid::now_v7(), event.event_type(), event.schema_version(), now, event.to_payload())
}

/// Dispatches one `CreateUser` command.
pub(crate) async fn dispatch_create_user(dispatcher: &Dispatcher, item: CreateUser) -> anyhow::Result<()> {
    dispatcher.dispatch::<User>(&item.meta, &item.command).await?;
    Ok(())
}

/// The whole log, in position order (not timed: it feeds the baselines the same rows).
pub(crate) async fn read_log(store: &dyn EventStore) -> anyhow::Result<Vec<EventEnvelope>> {
    let mut log = Vec::new();
    loop {
        let after = log.last().map(|envelope: &EventEnvelope| envelope.global_position).unwrap_or(0);
        let page = store.read_all(Scope::Global, after, READ_PAGE).await?;
        let page_len = page.len();
        log.extend(page);
        if page_len < READ_PAGE {
            return Ok(log);
        }
    }
}

/// The form rules of the benchmarks' ticket type, as a designer writes them: a calculation,
/// two refusals, and a default that depends on the step.
pub(crate) const TICKET_RULES: &str = "values.total = (values.price || 0) * (values.quantity || 0);\n\
     if (values.total > 1000 && !values.reason) error('reason', 'Say why above 1,000');\n\
     if (values.quantity > 100 && values.category !== 'product') error('quantity', 'Only products by the 100');\n\
     if (step === 'start' && values.urgent === undefined) values.urgent = values.total > 5000;";

/// The workflow of the benchmarks' ticket type: start → review (due in a day) → resolve →
/// end, both tasks the starter's.
const TICKET_WORKFLOW: &str = r#"<bpmn:definitions id="d"
    xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:hotline="https://hotline.example/bpmn">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
    <bpmn:userTask id="review" name="Review" hotline:fields="approved=required, reason=editable" hotline:due="P1D" />
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="resolve" />
    <bpmn:userTask id="resolve" name="Resolve" hotline:fields="resolution=required" />
    <bpmn:sequenceFlow id="f3" sourceRef="resolve" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"#;

/// The benchmarks' ticket form (form-js): 10 fields of the usual kinds, with bounds.
pub(crate) fn ticket_form() -> Value {
    json!({ "type": "default", "components": [
        { "type": "text", "text": "# Order problem" },
        { "type": "textfield", "key": "customer", "label": "Customer",
          "validate": { "required": true, "minLength": 2, "maxLength": 80 } },
        { "type": "textfield", "key": "email", "label": "E-mail", "validate": { "maxLength": 120 } },
        { "type": "select", "key": "category", "label": "Category", "validate": { "required": true },
          "values": [{ "label": "Billing", "value": "billing" }, { "label": "Delivery", "value": "delivery" },
                     { "label": "Product", "value": "product" }, { "label": "Other", "value": "other" }] },
        { "type": "number", "key": "price", "label": "Price", "validate": { "min": 0, "max": 100000 } },
        { "type": "number", "key": "quantity", "label": "Quantity", "validate": { "min": 1, "max": 1000 } },
        { "type": "number", "key": "total", "label": "Total", "readonly": true },
        { "type": "textfield", "key": "reason", "label": "Reason", "validate": { "maxLength": 500 } },
        { "type": "checkbox", "key": "urgent", "label": "Urgent" },
        { "type": "checkbox", "key": "approved", "label": "Approved" },
        { "type": "textarea", "key": "resolution", "label": "Resolution", "validate": { "maxLength": 2000 } },
    ] })
}

/// What an agent fills in when opening ticket `number`: 5 or 6 of the form's fields, varied,
/// and accepted by [`TICKET_RULES`] (a reason whenever the total passes 1,000, for about half
/// of them). `total` and `urgent` are left to the rules.
pub(crate) fn ticket_values(number: usize) -> Map<String, Value> {
    let price = 5 + (number * 37) % 400;
    let quantity = 1 + number % 12;
    let category = ["billing", "delivery", "product", "other"][number % 4];
    let mut values = json!({
        "customer": format!("Customer {number}"),
        "email": format!("customer{number}@example.com"),
        "category": category,
        "price": price,
        "quantity": quantity,
    });
    if price * quantity > 1000 {
        values["reason"] = json!(format!("Bulk order {number}, agreed on the phone"));
    }
    values.as_object().expect("an object").clone()
}

/// One append request creating the ticket type `type_id`: created with [`ticket_form`], its
/// rules set to [`TICKET_RULES`], and version 1 published with [`TICKET_WORKFLOW`], decided
/// by the ticket-type decider itself.
pub(crate) fn ticket_type_history(tenant_id: Uuid, type_id: Uuid, now: DateTime<Utc>) -> AppendRequest {
    let actions = [
        TicketTypeAction::Create { name: "Order problem".into(), description: String::new(), form: ticket_form() },
        TicketTypeAction::UpdateRules { script: TICKET_RULES.into() },
        TicketTypeAction::Publish { bpmn_xml: TICKET_WORKFLOW.into() },
    ];
    let mut state = TicketTypeState::default();
    let mut history = Vec::new();
    for action in actions {
        let command = TicketTypeCommand { tenant_id, type_id, at: now, action };
        let decided = TicketType::decide(&state, &command).expect("the benchmark's ticket type is valid");
        state = decided.iter().fold(state, TicketType::evolve);
        history.extend(decided);
    }
    append_request(tenant_id, hotline_domain::ticket::ticket_type::stream_id(type_id), &history, now)
}

/// One append request for a new ticket of the type [`ticket_type_history`] made: opened by
/// `starter` with [`ticket_values`] (and the total the rules calculate), then its review and
/// its resolve task completed, decided by the ticket decider itself: `ticket.opened` and two
/// `ticket.task_completed`, the ticket finished.
pub(crate) fn ticket_history(
    tenant_id: Uuid,
    type_id: Uuid,
    starter: Uuid,
    number: usize,
    now: DateTime<Utc>,
) -> AppendRequest {
    let workflow = hotline_domain::ticket::parse_bpmn(TICKET_WORKFLOW).expect("the benchmark's workflow parses");
    let form = hotline_domain::ticket::FormSpec::from_form_js(&ticket_form()).expect("the benchmark's form parses");
    let values = ticket_values(number);
    let total = values["price"].as_u64().unwrap_or(0) * values["quantity"].as_u64().unwrap_or(0);
    let ticket_id = Uuid::now_v7();
    let performer = Performer::User(Member { user_id: starter, role_ids: vec![], org_unit_ids: vec![] });
    let mut state = TicketState::default();
    let mut history = Vec::new();
    let mut decide = |state: &mut TicketState, minutes: i64, action: TicketAction| {
        let command = TicketCommand { tenant_id, ticket_id, at: now + chrono::Duration::minutes(minutes), action };
        let decided = Ticket::decide(state, &command).expect("the benchmark's ticket commands are valid");
        *state = decided.iter().fold(std::mem::take(state), Ticket::evolve);
        history.extend(decided);
    };
    let open = TicketAction::Open {
        type_id,
        version: 1,
        workflow: workflow.clone(),
        form: form.clone(),
        title: format!("Order problem {number}"),
        values,
        computed: json!({ "total": total, "urgent": total > 5000 }).as_object().expect("an object").clone(),
        starter,
        starter_roles: Vec::new(),
        origin: None,
    };
    decide(&mut state, 0, open);
    let completions = [json!({ "approved": true }), json!({ "resolution": format!("Refunded, order {number}") })];
    for (minutes, values) in (30..).step_by(30).zip(completions) {
        let (token, _) = state.instance.active_tasks().next().expect("a task is open");
        let complete = TicketAction::CompleteTask {
            token,
            values: values.as_object().expect("an object").clone(),
            computed: Map::new(),
            performer: performer.clone(),
            workflow: workflow.clone(),
            form: form.clone(),
        };
        decide(&mut state, minutes, complete);
    }
    debug_assert_eq!(state.status, hotline_domain::ticket::Status::Finished);
    append_request(tenant_id, hotline_domain::ticket::stream_id(ticket_id), &history, now)
}
