//! Tickets' form rules end to end, through the real binary: rules that loop or do not compile
//! are refused with a clear message and nothing is saved; published rules calculate fields
//! and refuse input when a ticket is opened, and a rule that throws says so.

mod common;

use common::{Location, Server, error_code};
use serde_json::{Value, json};

const CREATE_TYPE: &str =
    "mutation($input: CreateTicketTypeInput!) { createTicketType(input: $input) { aggregateId } }";
const UPDATE_TYPE: &str =
    "mutation($input: UpdateTicketTypeInput!) { updateTicketType(input: $input) { lastPosition } }";
const PUBLISH: &str =
    "mutation($input: PublishTicketWorkflowInput!) { publishTicketWorkflow(input: $input) { lastPosition } }";
const OPEN: &str = "mutation($input: OpenTicketInput!) { openTicket(input: $input) { aggregateId } }";
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
