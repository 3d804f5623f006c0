//! Tickets' automation end to end, through the real binary.
//!
//! - Form rules: rules that loop or do not compile are refused with a clear message and
//!   nothing is saved; published rules calculate fields and refuse input when a ticket is
//!   opened, and a rule that throws says so.
//! - Service tasks: a receiver the test starts on 127.0.0.1 gets signed calls (Standard
//!   Webhooks, the type's own secret); its answer sets values a gateway routes on; a failing
//!   receiver is retried, then the failure is recorded and a person's retry starts a new round.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use common::tickets::{CREATE_TYPE, OPEN, PUBLISH};
use common::{Location, Server, error_code};
use hotline_command_api::webhooks::delivery::{secret_key, sign};
use serde_json::{Value, json};

const UPDATE_TYPE: &str =
    "mutation($input: UpdateTicketTypeInput!) { updateTicketType(input: $input) { lastPosition } }";
const TYPES: &str = "{ ticketTypes { id rules publishedRules } }";
const TICKET: &str = "query($id: UUID!) { ticket(id: $id) { values rules } }";

const WORKFLOW: &str = r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="p"><bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="handle" />
    <bpmn:userTask id="handle" name="Handle" /><bpmn:sequenceFlow id="f2" sourceRef="handle" targetRef="end" />
    <bpmn:endEvent id="end" /></bpmn:process></bpmn:definitions>"#;

const RULES: &str = "values.total = (values.price || 0) * (values.quantity || 0);\n\
                     if (values.total > 1000 && !values.reason) error('reason', 'Say why above 1,000');\n\
                     if (values.reason === 'boom') throw new Error('no reason like that');";

fn data(response: Value) -> Value {
    assert!(response["errors"].is_null(), "unexpected errors: {response}");
    response["data"].clone()
}

fn form() -> Value {
    json!({ "type": "default", "components": [
        { "type": "number", "key": "price", "label": "Price" },
        { "type": "number", "key": "quantity", "label": "Quantity" },
        { "type": "number", "key": "total", "label": "Total", "readonly": true },
        { "type": "textfield", "key": "reason", "label": "Reason" },
    ] })
}

fn create(rules: &str) -> Value {
    json!({ "input": { "name": "Orders", "description": "", "form": form(), "rules": rules } })
}

#[tokio::test]
async fn rules_are_tried_before_saving_and_run_when_a_ticket_is_opened() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;

    // Rules that loop or do not compile are refused, and no type is made.
    let looping = server.graphql(Some(&admin), CREATE_TYPE, create("while (true) {}")).await;
    assert_eq!(error_code(&looping), "ticket_type.rules_failed", "{looping}");
    let message = looping["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("ran longer than 250 ms"), "{message}");
    let broken = server.graphql(Some(&admin), CREATE_TYPE, create("values.total = ;")).await;
    assert_eq!(error_code(&broken), "ticket_type.rules_failed", "{broken}");
    assert!(broken["errors"][0]["message"].as_str().unwrap().contains("do not compile"), "{broken}");
    assert_eq!(data(server.graphql(Some(&admin), TYPES, json!({})).await)["ticketTypes"], json!([]));

    let type_id =
        data(server.graphql(Some(&admin), CREATE_TYPE, create(RULES)).await)["createTicketType"]["aggregateId"].clone();
    data(server.graphql(Some(&admin), PUBLISH, json!({ "input": { "typeId": type_id, "bpmnXml": WORKFLOW } })).await);
    let types = data(server.graphql(Some(&admin), TYPES, json!({})).await);
    assert_eq!(
        (types["ticketTypes"][0]["rules"].as_str(), types["ticketTypes"][0]["publishedRules"].as_str()),
        (Some(RULES), Some(RULES))
    );

    // A draft whose rules loop is refused whole: the published rules stay, and so does the name.
    let update = json!({ "input": { "typeId": type_id, "name": "Renamed", "description": "", "form": form(),
        "rules": "for (;;) {}" } });
    assert_eq!(error_code(&server.graphql(Some(&admin), UPDATE_TYPE, update).await), "ticket_type.rules_failed");
    let types = data(server.graphql(Some(&admin), "{ ticketTypes { name rules } }", json!({})).await);
    assert_eq!(
        (types["ticketTypes"][0]["name"].as_str(), types["ticketTypes"][0]["rules"].as_str()),
        (Some("Orders"), Some(RULES))
    );

    let open = |values: Value| json!({ "input": { "typeId": type_id, "title": "Order", "values": values } });
    // The rules refuse input by field.
    let refused = server.graphql(Some(&admin), OPEN, open(json!({ "price": 600, "quantity": 2 }))).await;
    assert_eq!(error_code(&refused), "ticket.invalid_values", "{refused}");
    assert_eq!(
        refused["errors"][0]["extensions"]["fields"],
        json!([{ "field": "reason", "message": "Say why above 1,000" }])
    );
    // A rule that throws says which, and where.
    let threw = server.graphql(Some(&admin), OPEN, open(json!({ "price": 1, "quantity": 1, "reason": "boom" }))).await;
    assert_eq!(error_code(&threw), "ticket_type.rules_failed", "{threw}");
    let message = threw["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("threw an error: Error: no reason like that (line 3)"), "{message}");
    // Calculated fields are recorded, even over what the browser sent.
    let opened = server
        .graphql(Some(&admin), OPEN, open(json!({ "price": 600, "quantity": 2, "total": 5, "reason": "bulk" })))
        .await;
    let ticket_id = data(opened)["openTicket"]["aggregateId"].clone();
    let ticket = data(server.graphql(Some(&admin), TICKET, json!({ "id": ticket_id })).await)["ticket"].clone();
    assert_eq!(ticket["values"]["total"], 1200, "{ticket}");
    assert_eq!(ticket["rules"], RULES, "the browser runs the version's rules too");
}

// ---------------------------------------------------------------- service tasks

/// A call the receiver got: its path, Standard Webhooks headers and body.
#[derive(Clone, Debug)]
struct Call {
    path: String,
    id: String,
    timestamp: String,
    signature: String,
    body: Value,
    raw: Vec<u8>,
}

type Calls = Arc<Mutex<Vec<Call>>>;

/// `/lookup` answers values, `/busy` 503, `/reject` 400, `/silly` a value the form refuses.
async fn receive(
    State(calls): State<Calls>,
    Path(path): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_default().to_owned();
    calls.lock().unwrap().push(Call {
        path: path.clone(),
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        raw: body.to_vec(),
    });
    match path.as_str() {
        "lookup" => (StatusCode::OK, json!({ "values": { "amount": 500 } }).to_string()),
        "busy" => (StatusCode::SERVICE_UNAVAILABLE, "maintenance".into()),
        "silly" => (StatusCode::OK, json!({ "values": { "amount": "lots" } }).to_string()),
        _ => (StatusCode::BAD_REQUEST, "bad ticket".into()),
    }
}

async fn start_receiver() -> (Calls, String) {
    let calls = Calls::default();
    let app = Router::new().route("/{path}", post(receive)).with_state(calls.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (calls, format!("http://{address}"))
}

fn service_workflow(url: &str) -> String {
    format!(
        r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:hotline="https://hotline.example/bpmn" id="d">
  <bpmn:process id="p"><bpmn:startEvent id="start" />
    <bpmn:serviceTask id="lookup" name="Look up the order" hotline:url="{url}" />
    <bpmn:exclusiveGateway id="g" default="small" />
    <bpmn:userTask id="approve" name="Approve" /><bpmn:userTask id="handle" name="Handle" />
    <bpmn:endEvent id="e1" /><bpmn:endEvent id="e2" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="lookup" />
    <bpmn:sequenceFlow id="f1" sourceRef="lookup" targetRef="g" />
    <bpmn:sequenceFlow id="large" sourceRef="g" targetRef="approve"><bpmn:conditionExpression>amount &gt; 100</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="small" sourceRef="g" targetRef="handle" />
    <bpmn:sequenceFlow id="f2" sourceRef="approve" targetRef="e1" /><bpmn:sequenceFlow id="f3" sourceRef="handle" targetRef="e2" />
  </bpmn:process></bpmn:definitions>"#
    )
}

const ROTATE: &str = "mutation($id: UUID!) { rotateTicketServiceSecret(typeId: $id) { secret rotatedAt } }";
const RETRY: &str = "mutation($input: RetryTicketServiceInput!) { retryTicketService(input: $input) { lastPosition } }";
const SERVICE_TICKET: &str = "query($id: UUID!) { ticket(id: $id) { number status values tasks { stepName } \
     serviceCalls { token stepName url failed error } history { kind stepName text actorName } } }";

/// A published type whose workflow calls `url` first.
async fn service_type(server: &Server, token: &str, url: &str) -> Value {
    let form = json!({ "type": "default", "components": [
        { "type": "textfield", "key": "subject", "label": "Subject" },
        { "type": "number", "key": "amount", "label": "Amount" },
    ] });
    let input = json!({ "input": { "name": format!("Orders {url}"), "description": "", "form": form } });
    let type_id =
        data(server.graphql(Some(token), CREATE_TYPE, input).await)["createTicketType"]["aggregateId"].clone();
    let publish = json!({ "input": { "typeId": type_id, "bpmnXml": service_workflow(url) } });
    data(server.graphql(Some(token), PUBLISH, publish).await);
    type_id
}

async fn open_ticket(server: &Server, token: &str, type_id: &Value) -> Value {
    let input = json!({ "input": { "typeId": type_id, "title": "Order 42", "values": { "subject": "Refund" } } });
    data(server.graphql(Some(token), OPEN, input).await)["openTicket"]["aggregateId"].clone()
}

/// Polls the ticket until `done` holds (the server calls on its one-second tick).
async fn ticket_when(server: &Server, token: &str, id: &Value, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let ticket = data(server.graphql(Some(token), SERVICE_TICKET, json!({ "id": id })).await)["ticket"].clone();
        if done(&ticket) {
            return ticket;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "timed out waiting for {what}: {ticket}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn failed(ticket: &Value) -> bool {
    ticket["serviceCalls"][0]["failed"] == true
}

fn calls_to(calls: &Calls, path: &str) -> Vec<Call> {
    calls.lock().unwrap().iter().filter(|call| call.path == path).cloned().collect()
}

#[tokio::test]
async fn service_tasks_make_signed_calls_whose_answers_route_the_workflow_and_failures_wait_for_a_retry() {
    let (calls, base) = start_receiver().await;
    let server = Server::start_with(
        &Location::embedded(),
        &[
            ("HOTLINE_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8"),
            ("HOTLINE_WEBHOOK_RETRY_SCHEDULE_MS", "50,50"),
            ("HOTLINE_WEBHOOK_TIMEOUT_MS", "2000"),
        ],
    );
    let admin = server.demo_admin_token().await;
    let lookup = service_type(&server, &admin, &format!("{base}/lookup")).await;

    // Without a signing secret nothing is sent: the call fails and says what to do.
    let first = open_ticket(&server, &admin, &lookup).await;
    let ticket = ticket_when(&server, &admin, &first, "the unsigned call to fail", failed).await;
    let error = ticket["serviceCalls"][0]["error"].as_str().unwrap();
    assert!(error.contains("no signing secret"), "{error}");
    assert_eq!(ticket["serviceCalls"][0]["stepName"], "Look up the order");
    assert!(calls_to(&calls, "lookup").is_empty(), "an unsigned call never leaves");
    let retry = |id: &Value, token: &Value| json!({ "input": { "ticketId": id, "token": token } });
    let token = ticket["serviceCalls"][0]["token"].clone();

    // Only a designer makes a secret; the admin's is shown once and signs the retried call.
    server.create_agent(&admin, "svc-agent", "Agent").await;
    let agent_token = server.login("demo", "svc-agent", "a long password").await;
    let forbidden = server.graphql(Some(&agent_token), ROTATE, json!({ "id": lookup })).await;
    assert_eq!(error_code(&forbidden), "auth.forbidden", "{forbidden}");
    let rotated = data(server.graphql(Some(&admin), ROTATE, json!({ "id": lookup })).await);
    let secret = rotated["rotateTicketServiceSecret"]["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    let types = data(server.graphql(Some(&admin), "{ ticketTypes { id serviceSecretRotatedAt } }", json!({})).await);
    let listed = types["ticketTypes"].as_array().unwrap().iter().find(|found| found["id"] == lookup).unwrap().clone();
    assert!(listed["serviceSecretRotatedAt"].is_string(), "{listed}");

    // Administrators see the failed call among all tickets' calls; agents do not.
    let calls_query = "query($failedOnly: Boolean!) { ticketServiceCalls(failedOnly: $failedOnly) { total \
         items { ticketId number token stepName error } } }";
    let waiting = data(server.graphql(Some(&admin), calls_query, json!({ "failedOnly": true })).await);
    let page = &waiting["ticketServiceCalls"];
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!((&page["items"][0]["ticketId"], &page["items"][0]["token"]), (&first, &token), "{page}");
    assert!(page["items"][0]["error"].as_str().unwrap().contains("no signing secret"), "{page}");
    assert_eq!(page["items"][0]["number"], ticket["number"]);
    let forbidden = server.graphql(Some(&agent_token), calls_query, json!({ "failedOnly": false })).await;
    assert_eq!(error_code(&forbidden), "auth.forbidden", "{forbidden}");

    data(server.graphql(Some(&admin), RETRY, retry(&first, &token)).await);
    // The ticket's row (values, history) and its tasks are read by separate queries, so a
    // poll can see the new task before the row: wait on the row, which is read first.
    let answered =
        |ticket: &Value| ticket["history"].as_array().unwrap().iter().any(|entry| entry["kind"] == "service_done");
    let ticket = ticket_when(&server, &admin, &first, "the answer", answered).await;
    assert_eq!(ticket["tasks"][0]["stepName"], "Approve", "{ticket}");
    assert_eq!(ticket["values"]["amount"], 500, "the answer's value is recorded: {ticket}");
    assert_eq!(ticket["serviceCalls"], json!([]), "{ticket}");
    let kinds: Vec<&str> =
        ticket["history"].as_array().unwrap().iter().map(|entry| entry["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["opened", "service_failed", "service_retried", "service_done"], "{ticket}");
    let made = calls_to(&calls, "lookup");
    assert_eq!(made.len(), 1, "{made:?}");
    let call = &made[0];
    let key = secret_key(&secret).unwrap();
    assert_eq!(
        sign(&key, &call.id, call.timestamp.parse().unwrap(), &call.raw),
        call.signature,
        "signed with the secret"
    );
    assert_eq!(call.body["ticket"]["id"], first);
    assert_eq!(call.body["ticket"]["values"]["subject"], "Refund");
    assert_eq!((call.body["task"]["id"].as_str(), call.body["round"].as_u64()), (Some("lookup"), Some(1)));

    // A new ticket runs straight through once the type has its secret.
    let second = open_ticket(&server, &admin, &lookup).await;
    ticket_when(&server, &admin, &second, "the second answer", |ticket| ticket["tasks"][0]["stepName"] == "Approve")
        .await;
    let refused = server.graphql(Some(&admin), RETRY, retry(&second, &json!(9))).await;
    assert_eq!(error_code(&refused), "ticket.no_such_service", "{refused}");

    // A busy receiver is tried three times (the first call and two retries), then the
    // failure is recorded; a person's retry is a new round with a new call id.
    let busy = service_type(&server, &admin, &format!("{base}/busy")).await;
    data(server.graphql(Some(&admin), ROTATE, json!({ "id": busy })).await);
    let third = open_ticket(&server, &admin, &busy).await;
    let ticket = ticket_when(&server, &admin, &third, "the busy receiver to fail", failed).await;
    assert_eq!(ticket["serviceCalls"][0]["error"], "HTTP 503: maintenance", "{ticket}");
    let made = calls_to(&calls, "busy");
    assert_eq!(made.len(), 3, "{made:?}");
    assert!(made.iter().all(|call| call.id == made[0].id), "retries of one round share the call id");
    let token = ticket["serviceCalls"][0]["token"].clone();
    data(server.graphql(Some(&admin), RETRY, retry(&third, &token)).await);
    let again = server.graphql(Some(&admin), RETRY, retry(&third, &token)).await;
    assert_eq!(error_code(&again), "ticket.service_not_failed", "{again}");
    ticket_when(&server, &admin, &third, "the second round to fail", failed).await;
    let made = calls_to(&calls, "busy");
    assert_eq!(made.len(), 6, "{made:?}");
    assert_ne!(made[3].id, made[0].id, "a new round is a new call");

    // A refusal is not retried, and neither are values the form refuses.
    for (path, expected) in [("reject", "HTTP 400: bad ticket"), ("silly", "the answer's values were refused")] {
        let type_id = service_type(&server, &admin, &format!("{base}/{path}")).await;
        data(server.graphql(Some(&admin), ROTATE, json!({ "id": type_id })).await);
        let id = open_ticket(&server, &admin, &type_id).await;
        let ticket = ticket_when(&server, &admin, &id, path, failed).await;
        let error = ticket["serviceCalls"][0]["error"].as_str().unwrap();
        assert!(error.starts_with(expected), "{error}");
        assert_eq!(calls_to(&calls, path).len(), 1, "{path} is called once");
        assert_eq!(ticket["status"], "OPEN");
    }
}
