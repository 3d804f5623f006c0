//! The tickets read models: types as designed and published, tickets with their open tasks
//! (two at once on parallel branches), to-do lists by user, role and unit, filters, tenant
//! isolation, and idempotence (a range applied twice, or a rebuild, leaves the same rows).

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use common::{
    Backend, TIME_LIMIT, TestEnv, assert_replays_change_nothing, create_tenant, decide_and_append, dump_table,
};
use hotline_domain::ticket::queries::{
    Condition, ConditionOp, SavedTicketQueries, SavedTicketQuery, TicketQueriesCommand, TicketQuery, TicketSort,
};
use hotline_domain::ticket::ticket_type::{ExportTemplate, TemplateFormat};
use hotline_domain::ticket::{
    FormSpec, Member, Origin, Performer, Ticket, TicketAction, TicketCommand, TicketType, TicketTypeAction,
    TicketTypeCommand, TokenId, Workflow, parse_bpmn,
};
use hotline_projections::tickets::{
    DueWindow, TicketFilter, TicketScope, TicketStatus, TicketsProjection, WaitingOn, due_sla_checks, export_templates,
    find_tickets, get_saved_ticket_query, get_ticket, get_ticket_type, list_saved_ticket_queries, snapshot,
    ticket_by_number, ticket_form, ticket_history, ticket_tasks, todos,
};
use hotline_projections::{ProjectionRunner, all_projections};
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// `find_tickets` on a connection of the pool.
async fn find(
    pool: &sqlx::AnyPool,
    tenant_id: Uuid,
    scope: &TicketScope,
    filter: &TicketFilter,
    offset: u32,
    limit: u32,
) -> hotline_projections::runner::ProjectionResult<(Vec<hotline_projections::tickets::TicketView>, u64)> {
    find_tickets(&mut pool.acquire().await.unwrap(), tenant_id, scope, filter, offset, limit).await
}

fn id(number: u128) -> Uuid {
    Uuid::from_u128(number)
}

const TYPE: u128 = 0x7e01;
const TICKET_1: u128 = 0x71c1;
const TICKET_2: u128 = 0x71c2;
const TICKET_3: u128 = 0x71c3;
const STARTER: u128 = 0xa001;
const CALLER: u128 = 0xa002;
const CHECKERS: u128 = 0x2001;
const CONVERSATION: u128 = 0xc001;

fn at(minutes: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 0).unwrap() + Duration::minutes(minutes)
}

fn form() -> Value {
    json!({ "type": "default", "components": [
        { "type": "textfield", "key": "subject", "label": "Subject", "validate": { "required": true } },
        { "type": "textarea", "key": "note", "label": "Note" },
    ] })
}

/// Start → split → "Check" (the checkers' role, due in an hour, reminded 15 minutes before)
/// and "Call back" (a user)
/// → join → end.
fn workflow_xml() -> String {
    format!(
        r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:hotline="https://hotline.example/schema/bpmn" id="d">
  <bpmn:process id="p">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="split" />
    <bpmn:parallelGateway id="split" />
    <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="check" />
    <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="call" />
    <bpmn:userTask id="check" name="Check" hotline:assignee="role:{checkers}" hotline:fields="note=editable" hotline:due="PT1H" hotline:remind="PT15M" />
    <bpmn:userTask id="call" name="Call back" hotline:assignee="user:{caller}" />
    <bpmn:sequenceFlow id="f4" sourceRef="check" targetRef="join" />
    <bpmn:sequenceFlow id="f5" sourceRef="call" targetRef="join" />
    <bpmn:parallelGateway id="join" />
    <bpmn:sequenceFlow id="f6" sourceRef="join" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"#,
        checkers = id(CHECKERS),
        caller = id(CALLER)
    )
}

fn subject(text: &str) -> Map<String, Value> {
    let mut values = Map::new();
    values.insert("subject".into(), Value::from(text));
    values
}

fn performer(user: u128, roles: &[u128]) -> Member {
    Member { user_id: id(user), role_ids: roles.iter().copied().map(id).collect(), org_unit_ids: Vec::new() }
}

struct Written {
    acme: Uuid,
    globex: Uuid,
    head: u64,
}

async fn type_command(env: &TestEnv, tenant: Uuid, minute: i64, action: TicketTypeAction) -> u64 {
    let command = TicketTypeCommand { tenant_id: tenant, type_id: id(TYPE), at: at(minute), action };
    decide_and_append::<TicketType>(&env.store, tenant, command).await
}

async fn ticket_command(env: &TestEnv, tenant: Uuid, ticket: u128, minute: i64, action: TicketAction) -> u64 {
    let command = TicketCommand { tenant_id: tenant, ticket_id: id(ticket), at: at(minute), action };
    decide_and_append::<Ticket>(&env.store, tenant, command).await
}

fn open(workflow: &Workflow, title: &str, origin: Option<Origin>) -> TicketAction {
    TicketAction::Open {
        type_id: id(TYPE),
        version: 1,
        workflow: workflow.clone(),
        form: FormSpec::from_form_js(&form()).unwrap(),
        title: title.into(),
        values: subject(title),
        computed: Map::new(),
        starter: id(STARTER),
        starter_roles: Vec::new(),
        origin,
    }
}

fn complete(workflow: &Workflow, token: TokenId, values: Map<String, Value>, who: Member) -> TicketAction {
    TicketAction::CompleteTask {
        token,
        values,
        computed: Map::new(),
        performer: Performer::User(who),
        workflow: workflow.clone(),
        form: FormSpec::from_form_js(&form()).unwrap(),
    }
}

const LETTER: u128 = 0xe1;
const SHEET: u128 = 0xe2;

fn add_template(template: u128, name: &str) -> TicketTypeAction {
    let format = if name == "Sheet" { TemplateFormat::Xlsx } else { TemplateFormat::Docx };
    TicketTypeAction::AddExportTemplate {
        template: ExportTemplate {
            template_id: id(template),
            name: name.into(),
            format,
            blob_id: id(template + 0x100),
            file_name: format!("{name}.{}", format.name()),
            size: 2048,
            placeholders: vec!["ticket.number".into(), "field.subject".into()],
        },
    }
}

/// acme: a type published once, with an export template (a second one added and removed); ticket 1 from a conversation, its "Check" done (the
/// "Call back" still open) and commented; ticket 2 cancelled. globex: the same type id and
/// ticket 1 id, opened.
async fn write_tickets(env: &TestEnv) -> Written {
    let (acme, _) = create_tenant(&env.store, "acme").await;
    let (globex, _) = create_tenant(&env.store, "globex").await;
    let workflow = parse_bpmn(&workflow_xml()).unwrap();
    for tenant in [acme, globex] {
        let create = TicketTypeAction::Create { name: "Refund".into(), description: "".into(), form: form() };
        type_command(env, tenant, 0, create).await;
        type_command(env, tenant, 1, TicketTypeAction::Publish { bpmn_xml: workflow_xml() }).await;
        type_command(env, tenant, 1, add_template(LETTER, "Letter")).await;
    }
    type_command(env, acme, 1, add_template(SHEET, "Sheet")).await;
    type_command(env, acme, 1, TicketTypeAction::RemoveExportTemplate { template_id: id(SHEET) }).await;
    let conversation = Some(Origin::Conversation(id(CONVERSATION)));
    ticket_command(env, acme, TICKET_1, 2, open(&workflow, "Late refund", conversation)).await;
    ticket_command(env, acme, TICKET_2, 3, open(&workflow, "Twice", None)).await;
    ticket_command(env, globex, TICKET_1, 4, open(&workflow, "Globex refund", None)).await;
    // Tokens: 0 start, split into 1 (check) and 2 (call).
    let mut note = Map::new();
    note.insert("note".into(), Value::from("Checked"));
    ticket_command(env, acme, TICKET_1, 5, complete(&workflow, 1, note, performer(0xa009, &[CHECKERS]))).await;
    let comment = TicketAction::Comment { text: "Waiting for the customer".into(), author: id(CALLER) };
    ticket_command(env, acme, TICKET_1, 6, comment).await;
    let cancel = TicketAction::Cancel { reason: "Opened twice".into(), by: id(STARTER) };
    let head = ticket_command(env, acme, TICKET_2, 7, cancel).await;
    Written { acme, globex, head }
}

async fn tickets_read_as_their_events_left_them(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let pool = &env.pool;
    let Written { acme, globex, head } = write_tickets(&env).await;
    let runner = ProjectionRunner::start(env.store.clone(), env.pool.clone(), all_projections(env.keys.clone()));
    assert!(runner.wait_for(head, TIME_LIMIT).await);

    let refund = get_ticket_type(pool, acme, id(TYPE)).await.unwrap().expect("the type");
    let templates = export_templates(pool, acme, Some(id(TYPE))).await.unwrap();
    assert_eq!(templates.len(), 1, "the sheet was removed: {templates:?}");
    assert_eq!((templates[0].template.name.as_str(), templates[0].template.format), ("Letter", TemplateFormat::Docx));
    assert_eq!(templates[0].template.placeholders, ["ticket.number", "field.subject"]);
    assert_eq!((templates[0].template.blob_id, templates[0].template.size), (id(LETTER + 0x100), 2048));
    assert_eq!(export_templates(pool, acme, None).await.unwrap(), templates);
    assert!(export_templates(pool, Uuid::now_v7(), Some(id(TYPE))).await.unwrap().is_empty(), "another tenant's");
    assert_eq!((refund.version, refund.published_form.as_ref()), (1, Some(&form())));
    let steps: Vec<(&str, &str)> =
        refund.steps.iter().map(|step| (step.name.as_str(), step.assignee.as_str())).collect();
    assert_eq!(
        steps,
        [("Check", format!("role:{}", id(CHECKERS)).as_str()), ("Call back", &format!("user:{}", id(CALLER)))]
    );
    assert_eq!(refund.steps[0].due_seconds, Some(3600));
    assert_eq!(ticket_form(pool, acme, id(TYPE), 1).await.unwrap().map(|version| version.form), Some(form()));

    let first = get_ticket(pool, acme, id(TICKET_1), &TicketScope::All).await.unwrap().expect("ticket 1");
    assert_eq!((first.status, first.type_name.as_str()), (TicketStatus::Open, "Refund"));
    assert_eq!(first.conversation_id, Some(id(CONVERSATION)));
    assert_eq!(first.values, {
        let mut values = subject("Late refund");
        values.insert("note".into(), Value::from("Checked"));
        values
    });
    let history = ticket_history(pool, acme, id(TICKET_1)).await.unwrap();
    let kinds: Vec<&str> = history.iter().map(|entry| entry.kind.as_str()).collect();
    assert_eq!(kinds, ["opened", "task_completed", "commented"]);
    assert_eq!(history[1].step_name.as_deref(), Some("Check"));
    assert_eq!(ticket_history(pool, Uuid::now_v7(), id(TICKET_1)).await.unwrap(), [], "per tenant");
    assert_eq!(first.updated_at, at(6));
    let open_tasks = ticket_tasks(pool, acme, id(TICKET_1)).await.unwrap();
    assert_eq!(open_tasks.iter().map(|task| task.step_name.as_str()).collect::<Vec<_>>(), ["Call back"]);
    // The detail's reads can share one snapshot.
    let mut reading = snapshot(pool).await.unwrap();
    let seen = get_ticket(&mut *reading, acme, id(TICKET_1), &TicketScope::All).await.unwrap();
    assert_eq!(seen.as_ref(), Some(&first));
    assert_eq!(ticket_tasks(&mut *reading, acme, id(TICKET_1)).await.unwrap(), open_tasks);
    reading.commit().await.unwrap();

    // Before "Check" was done, both branches were open: globex's ticket shows them still.
    let both = ticket_tasks(pool, globex, id(TICKET_1)).await.unwrap();
    assert_eq!(both.iter().map(|task| task.step_name.as_str()).collect::<Vec<_>>(), ["Check", "Call back"]);
    assert_eq!(both[0].due_at, Some(at(4) + Duration::hours(1)));

    let cancelled = get_ticket(pool, acme, id(TICKET_2), &TicketScope::All).await.unwrap().expect("ticket 2");
    assert_eq!(cancelled.status, TicketStatus::Cancelled);
    assert!(ticket_tasks(pool, acme, id(TICKET_2)).await.unwrap().is_empty());

    // To-dos: the caller has ticket 1's call back; the checkers have nothing left in acme but
    // globex's check (in globex only).
    let caller = performer(CALLER, &[]);
    let mine = todos(pool, acme, &caller).await.unwrap();
    assert_eq!(
        mine.iter().map(|todo| (todo.title.as_str(), todo.step_name.as_str())).collect::<Vec<_>>(),
        [("Late refund", "Call back")]
    );
    let checker = performer(0xa009, &[CHECKERS]);
    assert!(todos(pool, acme, &checker).await.unwrap().is_empty());
    let theirs = todos(pool, globex, &checker).await.unwrap();
    assert_eq!(theirs.iter().map(|todo| todo.step_name.as_str()).collect::<Vec<_>>(), ["Check"]);

    // Filters.
    let every = TicketFilter::default();
    let (page, total) = find(pool, acme, &TicketScope::All, &every, 0, 50).await.unwrap();
    assert_eq!((total, page.len()), (2, 2));
    assert_eq!(page[0].ticket_id, id(TICKET_2), "the most recently changed first");
    let open_only = TicketFilter { status: Some(TicketStatus::Open), ..TicketFilter::default() };
    assert_eq!(find(pool, acme, &TicketScope::All, &open_only, 0, 50).await.unwrap().1, 1);
    let by_text = TicketFilter { text: Some("LATE".into()), ..TicketFilter::default() };
    let (found, _) = find(pool, acme, &TicketScope::All, &by_text, 0, 50).await.unwrap();
    assert_eq!(found.iter().map(|ticket| ticket.ticket_id).collect::<Vec<_>>(), [id(TICKET_1)]);
    let wildcard = TicketFilter { text: Some("%".into()), ..TicketFilter::default() };
    assert_eq!(find(pool, acme, &TicketScope::All, &wildcard, 0, 50).await.unwrap().1, 0, "% is no wildcard");
    let by_number = TicketFilter { text: Some(first.number.to_lowercase()), ..TicketFilter::default() };
    assert_eq!(find(pool, acme, &TicketScope::All, &by_number, 0, 50).await.unwrap().1, 1);
    let of_chat = TicketFilter { conversation_id: Some(id(CONVERSATION)), ..TicketFilter::default() };
    assert_eq!(find(pool, acme, &TicketScope::All, &of_chat, 0, 50).await.unwrap().1, 1);
    let second_page = find(pool, acme, &TicketScope::All, &every, 1, 1).await.unwrap();
    assert_eq!((second_page.0.len(), second_page.1, second_page.0[0].ticket_id), (1, 2, id(TICKET_1)));

    // Data scope: a reader sees the tickets they opened, acted on or may act on now.
    let involving = |user: u128, roles: &[u128], units: &[u128]| TicketScope::Involving {
        reader: performer(user, roles),
        units: units.iter().copied().map(id).collect(),
    };
    let every = &every;
    let seen = |scope: TicketScope| async move {
        let (page, total) = find(pool, acme, &scope, every, 0, 50).await.unwrap();
        assert_eq!(total, page.len() as u64);
        let mut ids: Vec<Uuid> = page.iter().map(|ticket| ticket.ticket_id).collect();
        ids.sort();
        ids
    };
    assert_eq!(seen(involving(STARTER, &[], &[])).await, [id(TICKET_1), id(TICKET_2)], "the starter opened both");
    assert_eq!(seen(involving(CALLER, &[], &[])).await, [id(TICKET_1)], "a task for the caller, and a comment");
    assert_eq!(seen(involving(0xa009, &[], &[])).await, [id(TICKET_1)], "the checker completed a task");
    assert!(seen(involving(0xa010, &[], &[0x0a11])).await.is_empty(), "a stranger, with a unit nobody is in");
    let stranger = involving(0xa010, &[], &[]);
    assert_eq!(get_ticket(pool, acme, id(TICKET_1), &stranger).await.unwrap(), None);
    assert!(get_ticket(pool, acme, id(TICKET_1), &involving(CALLER, &[], &[])).await.unwrap().is_some());
    // globex's checkers may act on its ticket now, so they see it.
    let (theirs, _) = find(pool, globex, &involving(0xa010, &[CHECKERS], &[]), every, 0, 50).await.unwrap();
    assert_eq!(theirs.len(), 1);

    // Tenant isolation: globex's ticket 1 has globex's title, and a third tenant sees nothing.
    let theirs = get_ticket(pool, globex, id(TICKET_1), &TicketScope::All).await.unwrap().expect("globex's ticket");
    assert_eq!(theirs.title, "Globex refund");
    assert_eq!(find(pool, Uuid::now_v7(), &TicketScope::All, every, 0, 50).await.unwrap().1, 0);
    assert_eq!(get_ticket(pool, Uuid::now_v7(), id(TICKET_1), &TicketScope::All).await.unwrap(), None);
    runner.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tickets_read_as_their_events_left_them_on_sqlite() {
    tickets_read_as_their_events_left_them(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tickets_read_as_their_events_left_them_on_postgres() {
    tickets_read_as_their_events_left_them(Backend::Postgres).await;
}

/// The one open task with an SLA (globex's "Check", opened at minute 4: reminder at 49, due
/// at 64) is listed for its reminder, then for its due time, then no more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_is_due_for_its_reminder_then_its_due_time() {
    let env = TestEnv::new(Backend::Sqlite).await;
    let Written { globex, head, .. } = write_tickets(&env).await;
    let runner = ProjectionRunner::start(env.store.clone(), env.pool.clone(), all_projections(env.keys.clone()));
    assert!(runner.wait_for(head, TIME_LIMIT).await);
    let pool = &env.pool;
    let due = |minute| async move {
        due_sla_checks(pool, at(minute), 10)
            .await
            .unwrap()
            .into_iter()
            .map(|check| (check.token, check.due_at))
            .collect::<Vec<_>>()
    };
    assert_eq!(due(48).await, []);
    assert_eq!(due(49).await, [(1, at(49))]);
    let workflow = parse_bpmn(&workflow_xml()).unwrap();
    let check = || TicketAction::CheckSla { token: 1, workflow: workflow.clone() };
    let reminded = ticket_command(&env, globex, TICKET_1, 50, check()).await;
    assert!(runner.wait_for(reminded, TIME_LIMIT).await);
    assert_eq!(due(63).await, [], "the reminder went out; the next check is the due time");
    assert_eq!(due(64).await, [(1, at(64))]);
    let overdue = ticket_command(&env, globex, TICKET_1, 65, check()).await;
    assert!(runner.wait_for(overdue, TIME_LIMIT).await);
    assert_eq!(due(10_000).await, []);
    let task =
        ticket_tasks(pool, globex, id(TICKET_1)).await.unwrap().into_iter().find(|task| task.token == 1).unwrap();
    assert_eq!((task.remind_at, task.due_at, task.overdue), (Some(at(49)), Some(at(64)), true));
    let ticket = get_ticket(pool, globex, id(TICKET_1), &TicketScope::All).await.unwrap().unwrap();
    let history = ticket_history(pool, globex, id(TICKET_1)).await.unwrap();
    let kinds: Vec<&str> = history.iter().map(|entry| entry.kind.as_str()).collect();
    assert_eq!(kinds, ["opened", "reminded", "overdue"]);
    assert_eq!(history[1].step_name.as_deref(), Some("Check"));
    assert_eq!(ticket_by_number(pool, globex, &ticket.number).await.unwrap(), Some(id(TICKET_1)));
    assert_eq!(ticket_by_number(pool, Uuid::now_v7(), &ticket.number).await.unwrap(), None, "numbers are per tenant");
}

/// Opened, reminded and overdue before the projection runs: one batch holds the task's
/// opening and the statements that change its row, which must find it written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_changed_in_the_batch_that_opened_it_keeps_every_change() {
    let env = TestEnv::new(Backend::Sqlite).await;
    let Written { globex, .. } = write_tickets(&env).await;
    let workflow = parse_bpmn(&workflow_xml()).unwrap();
    // Opened after the last statement of `write_tickets` that writes task rows (a cancel).
    ticket_command(&env, globex, TICKET_3, 8, open(&workflow, "Late one", None)).await;
    let check = || TicketAction::CheckSla { token: 1, workflow: workflow.clone() };
    ticket_command(&env, globex, TICKET_3, 54, check()).await;
    let head = ticket_command(&env, globex, TICKET_3, 69, check()).await;
    // A rebuild applies the whole log as one batch.
    let report = hotline_projections::rebuild(env.store.as_ref(), &env.pool, &TicketsProjection, 0).await.unwrap();
    assert_eq!(report.position, head);
    let history = ticket_history(&env.pool, globex, id(TICKET_3)).await.unwrap();
    let kinds: Vec<&str> = history.iter().map(|entry| entry.kind.as_str()).collect();
    assert_eq!(kinds, ["opened", "reminded", "overdue"]);
    let due: Vec<(Uuid, u32)> = due_sla_checks(&env.pool, at(10_000), 10)
        .await
        .unwrap()
        .into_iter()
        .map(|check| (check.ticket_id, check.token))
        .collect();
    assert!(!due.contains(&(id(TICKET_3), 1)), "the overdue task has no check left: {due:?}");
}

async fn dump_all(env: &TestEnv) -> Vec<Vec<String>> {
    vec![
        dump_table(
            &env.pool,
            "ticket_types",
            "tenant_id, type_id, name, description, form, workflow_xml, published_form, version, published_at, \
             updated_at, steps, stream_version",
            "tenant_id, type_id",
        )
        .await,
        dump_table(
            &env.pool,
            "ticket_type_versions",
            "tenant_id, type_id, version, workflow, form",
            "tenant_id, type_id",
        )
        .await,
        dump_table(
            &env.pool,
            "tickets",
            "tenant_id, ticket_id, number, type_id, version, title, folded_text, status, field_values, starter_id, \
             created_at, updated_at, conversation_id, call_id, history, stream_version",
            "tenant_id, ticket_id",
        )
        .await,
        dump_table(&env.pool, "ticket_people", "tenant_id, ticket_id, user_id", "tenant_id, ticket_id, user_id").await,
        dump_table(
            &env.pool,
            "ticket_export_templates",
            "tenant_id, type_id, template_id, name, format, blob_id, file_name, size, placeholders, added_at",
            "tenant_id, template_id",
        )
        .await,
        dump_table(
            &env.pool,
            "ticket_tasks",
            "tenant_id, ticket_id, token, step_id, step_name, candidate_kind, candidate_id, activated_at, due_at, \
             fields",
            "tenant_id, ticket_id, token",
        )
        .await,
    ]
}

async fn replaying_or_rebuilding_changes_nothing(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let Written { head, .. } = write_tickets(&env).await;
    let runner = ProjectionRunner::start(env.store.clone(), env.pool.clone(), all_projections(env.keys.clone()));
    assert!(runner.wait_for(head, TIME_LIMIT).await);
    runner.shutdown().await;
    let live = dump_all(&env).await;
    assert_eq!(live.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 3, 5, 2, 3], "{live:?}");

    assert_replays_change_nothing(&env, Arc::new(TicketsProjection), head, dump_all).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replaying_or_rebuilding_changes_nothing_on_sqlite() {
    replaying_or_rebuilding_changes_nothing(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replaying_or_rebuilding_changes_nothing_on_postgres() {
    replaying_or_rebuilding_changes_nothing(Backend::Postgres).await;
}

const AMOUNTS_TYPE: u128 = 0x7e02;
const HANDLER: u128 = 0xa0a1;
const SMALL: u128 = 0x71d1;
const LARGE: u128 = 0x71d2;
const BLANK: u128 = 0x71d3;

fn amounts_form() -> Value {
    json!({ "type": "default", "components": [
        { "type": "textfield", "key": "subject", "label": "Subject" },
        { "type": "number", "key": "amount", "label": "Amount" },
        { "type": "textfield", "key": "visit_on", "label": "Visit on" },
    ] })
}

/// One user task for the handler, due two hours after it starts.
fn amounts_xml() -> String {
    format!(
        r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:hotline="https://hotline.example/schema/bpmn" id="d">
  <bpmn:process id="p">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="handle" />
    <bpmn:userTask id="handle" name="Handle" hotline:assignee="user:{handler}" hotline:due="PT2H" />
    <bpmn:sequenceFlow id="f2" sourceRef="handle" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"#,
        handler = id(HANDLER)
    )
}

/// Three tickets of one type, opened at minutes 10, 20 and 30 (each due two hours later):
/// "Small" (amount 50, visit 2026-03-01), "Large" (amount 500, visit 2026-09-15) and "Blank"
/// (no amount, no visit).
async fn write_amounts(env: &TestEnv, tenant: Uuid) -> u64 {
    let command =
        |minute, action| TicketTypeCommand { tenant_id: tenant, type_id: id(AMOUNTS_TYPE), at: at(minute), action };
    let create = TicketTypeAction::Create { name: "Claims".into(), description: "".into(), form: amounts_form() };
    decide_and_append::<TicketType>(&env.store, tenant, command(0, create)).await;
    let publish = TicketTypeAction::Publish { bpmn_xml: amounts_xml() };
    decide_and_append::<TicketType>(&env.store, tenant, command(1, publish)).await;
    let workflow = parse_bpmn(&amounts_xml()).unwrap();
    let mut head = 0;
    for (ticket, minute, title, amount, visit) in [
        (SMALL, 10, "Small", Some(50), Some("2026-03-01")),
        (LARGE, 20, "Large", Some(500), Some("2026-09-15")),
        (BLANK, 30, "Blank", None, None),
    ] {
        let mut values = subject(title);
        if let Some(amount) = amount {
            values.insert("amount".into(), Value::from(amount));
        }
        if let Some(visit) = visit {
            values.insert("visit_on".into(), Value::from(visit));
        }
        let action = TicketAction::Open {
            type_id: id(AMOUNTS_TYPE),
            version: 1,
            workflow: workflow.clone(),
            form: FormSpec::from_form_js(&amounts_form()).unwrap(),
            title: title.into(),
            values,
            computed: Map::new(),
            starter: id(STARTER),
            starter_roles: Vec::new(),
            origin: None,
        };
        head = ticket_command(env, tenant, ticket, minute, action).await;
    }
    head
}

async fn ticket_queries_pick_by_values_tasks_and_deadlines(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let pool = &env.pool;
    let (tenant, _) = create_tenant(&env.store, "initech").await;
    write_amounts(&env, tenant).await;
    let owner = id(0xa0b1);
    let saved = |query_id: u128, name: &str, shared: bool, body: TicketQuery| TicketQueriesCommand::Save {
        tenant_id: tenant,
        query: SavedTicketQuery { query_id: id(query_id), name: name.into(), owner_id: owner, shared, body },
        by_user: owner,
    };
    let large = TicketQuery {
        conditions: vec![condition("amount", ConditionOp::GreaterThan, Some("100"), None)],
        sort: Some(TicketSort::Number),
        ..TicketQuery::default()
    };
    decide_and_append::<SavedTicketQueries>(&env.store, tenant, saved(0x51, "Large ones", true, large.clone())).await;
    decide_and_append::<SavedTicketQueries>(&env.store, tenant, saved(0x52, "Private", false, TicketQuery::default()))
        .await;
    let head = decide_and_append::<SavedTicketQueries>(
        &env.store,
        tenant,
        TicketQueriesCommand::Delete { tenant_id: tenant, query_id: id(0x52), by_user: owner },
    )
    .await;
    let runner = ProjectionRunner::start(env.store.clone(), env.pool.clone(), all_projections(env.keys.clone()));
    assert!(runner.wait_for(head, TIME_LIMIT).await);

    let titles = |filter: TicketFilter| async move {
        let (page, total) = find(pool, tenant, &TicketScope::All, &filter, 0, 50).await.unwrap();
        assert_eq!(total, page.len() as u64);
        page.into_iter().map(|ticket| ticket.title).collect::<Vec<_>>()
    };
    let on_values = |conditions: Vec<Condition>| TicketFilter {
        conditions,
        sort: Some(TicketSort::Created),
        ..TicketFilter::default()
    };
    use ConditionOp::*;
    let cases = [
        (vec![condition("amount", GreaterThan, Some("100"), None)], vec!["Large"]),
        (vec![condition("amount", LessThan, Some("100"), None)], vec!["Small"]),
        (vec![condition("amount", Between, Some("50"), Some("500"))], vec!["Small", "Large"]),
        (vec![condition("amount", Equals, Some("500.0"), None)], vec!["Large"]),
        (vec![condition("amount", IsEmpty, None, None)], vec!["Blank"]),
        (vec![condition("amount", NotEmpty, None, None)], vec!["Small", "Large"]),
        (vec![condition("subject", Equals, Some("SMALL"), None)], vec!["Small"]),
        (vec![condition("subject", Contains, Some("a"), None)], vec!["Small", "Large", "Blank"]),
        (vec![condition("subject", StartsWith, Some("l"), None)], vec!["Large"]),
        (vec![condition("subject", Contains, Some("%"), None)], vec![]),
        (vec![condition("visit_on", LessThan, Some("2026-06-01"), None)], vec!["Small"]),
        (vec![condition("visit_on", Between, Some("2026-01-01"), Some("2026-12-31"))], vec!["Small", "Large"]),
        (
            vec![condition("amount", NotEmpty, None, None), condition("visit_on", GreaterThan, Some("2026-06"), None)],
            vec!["Large"],
        ),
        (vec![condition("missing", NotEmpty, None, None)], vec![]),
    ];
    for (conditions, expected) in cases {
        assert_eq!(titles(on_values(conditions.clone())).await, expected, "{conditions:?}");
    }
    // A condition on a field hidden from the reader holds for no ticket of the versions that
    // hide it, whether it asks for a value or for none.
    let hiding = |op: ConditionOp, versions: Vec<(Uuid, u32)>| TicketFilter {
        hidden_fields: BTreeMap::from([("amount".to_owned(), versions)]),
        ..on_values(vec![condition("amount", op, None, None)])
    };
    assert!(titles(hiding(NotEmpty, vec![(id(AMOUNTS_TYPE), 1)])).await.is_empty());
    assert!(titles(hiding(IsEmpty, vec![(id(AMOUNTS_TYPE), 1)])).await.is_empty());
    assert_eq!(titles(hiding(NotEmpty, vec![(id(AMOUNTS_TYPE), 2), (id(STARTER), 1)])).await, ["Small", "Large"]);

    // Whose work: all three wait on the handler.
    let waiting = |waiting_on: WaitingOn| TicketFilter {
        waiting_on: Some(waiting_on),
        sort: Some(TicketSort::Created),
        ..TicketFilter::default()
    };
    assert_eq!(titles(waiting(WaitingOn::User(id(HANDLER)))).await, ["Small", "Large", "Blank"]);
    assert_eq!(titles(waiting(WaitingOn::MayComplete(performer(HANDLER, &[])))).await.len(), 3);
    assert!(titles(waiting(WaitingOn::MayComplete(performer(STARTER, &[CHECKERS])))).await.is_empty());
    assert!(titles(waiting(WaitingOn::Role(id(CHECKERS)))).await.is_empty());
    assert!(titles(waiting(WaitingOn::External)).await.is_empty());

    // Deadlines: due at 2:10, 2:20 and 2:30.
    let due = |window: DueWindow| TicketFilter { due: Some(window), ..TicketFilter::default() };
    let minutes = |minute: i64| at(minute);
    assert_eq!(titles(due(DueWindow::Overdue { now: minutes(135) })).await, ["Small"]);
    assert_eq!(
        titles(due(DueWindow::Between { now: minutes(135), until: minutes(155) })).await,
        ["Blank", "Large"],
        "the most recently changed first"
    );
    let by_due = |descending| TicketFilter {
        sort: Some(TicketSort::Due),
        sort_descending: descending,
        ..TicketFilter::default()
    };
    assert_eq!(titles(by_due(false)).await, ["Small", "Large", "Blank"]);
    assert_eq!(titles(by_due(true)).await, ["Blank", "Large", "Small"]);

    // A saved query gives the filter the list runs; only shared or own queries are listed.
    let (listed, mine) = (
        list_saved_ticket_queries(pool, tenant, id(0xa0c1)).await.unwrap(),
        list_saved_ticket_queries(pool, tenant, owner).await.unwrap(),
    );
    assert_eq!(listed.iter().map(|query| query.name.as_str()).collect::<Vec<_>>(), ["Large ones"]);
    assert_eq!(mine.len(), 1, "the private query was deleted");
    assert_eq!(listed[0].body, large);
    let filter = TicketFilter::of_query(&listed[0].body, &performer(0xa0c1, &[]), at(0));
    assert_eq!(titles(filter).await, ["Large"]);
    assert!(get_saved_ticket_query(pool, tenant, owner, id(0x52)).await.unwrap().is_none());
    assert!(get_saved_ticket_query(pool, Uuid::now_v7(), owner, id(0x51)).await.unwrap().is_none(), "per tenant");
    runner.shutdown().await;
}

fn condition(field: &str, op: ConditionOp, value: Option<&str>, value_to: Option<&str>) -> Condition {
    Condition { field: field.into(), op, value: value.map(str::to_owned), value_to: value_to.map(str::to_owned) }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_queries_pick_by_values_tasks_and_deadlines_on_sqlite() {
    ticket_queries_pick_by_values_tasks_and_deadlines(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_queries_pick_by_values_tasks_and_deadlines_on_postgres() {
    ticket_queries_pick_by_values_tasks_and_deadlines(Backend::Postgres).await;
}
