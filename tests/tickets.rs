//! Tickets end to end, through the real binary: an administrator designs a type (form and a
//! two-step workflow with a gateway on form data), an agent opens a ticket from a visitor's
//! chat, each step lands on the right to-do list and is completed by its candidate, a
//! republish leaves a running ticket on its version, bad input is refused whole, and another
//! tenant sees none of it.

mod common;

use common::tickets::{CREATE_TYPE, OPEN, PUBLISH};
use common::{Location, Server, WAIT, error_code};
use futures::{SinkExt, StreamExt};
use hotline_domain::access::BuiltInRole;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

const COMPLETE: &str =
    "mutation($input: CompleteTicketTaskInput!) { completeTicketTask(input: $input) { lastPosition } }";
const COMMENT: &str = "mutation($input: CommentTicketInput!) { commentTicket(input: $input) { lastPosition } }";
const TYPES: &str = "{ ticketTypes { id name version steps { id name assignee fields { key access } } } }";
const TICKET: &str = "query($id: UUID!) { ticket(id: $id) { id number typeName version title status values \
     starterName conversationId tasks { token stepId stepName candidateKind candidateName mine fields { key access } } \
     history { kind actorName stepName text } } }";
const TODOS: &str = "{ myTicketTodos { ticketId number title typeName token stepName } }";
const TICKETS: &str = "query($filter: TicketFilter) { tickets(filter: $filter) { total items { id number status } } }";

fn data(response: Value) -> Value {
    assert!(response["errors"].is_null(), "unexpected errors: {response}");
    response["data"].clone()
}

fn form() -> Value {
    json!({ "type": "default", "components": [
        { "type": "textfield", "key": "subject", "label": "Subject", "validate": { "required": true, "maxLength": 80 } },
        { "type": "number", "key": "amount", "label": "Amount", "validate": { "min": 0 } },
        { "type": "textarea", "key": "note", "label": "Note" },
        { "type": "checkbox", "key": "approved", "label": "Approved" },
    ] })
}

/// Start → Handle (the starter: amount and note) → a gateway: over 1,000 goes to Approve
/// (the supervisors: `approved` required), otherwise straight to the end.
fn two_step_workflow(handle_name: &str) -> String {
    let supervisor = BuiltInRole::Supervisor.id();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:hotline="https://hotline.example/schema/bpmn" id="Definitions_1">
  <bpmn:process id="refund" isExecutable="true">
    <bpmn:startEvent id="start" name="Opened" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="handle" />
    <bpmn:userTask id="handle" name="{handle_name}" hotline:assignee="starter" hotline:fields="amount=required,note=editable" />
    <bpmn:sequenceFlow id="f2" sourceRef="handle" targetRef="big" />
    <bpmn:exclusiveGateway id="big" name="Over 1,000?" default="f4" />
    <bpmn:sequenceFlow id="f3" sourceRef="big" targetRef="approve">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${{amount &gt; 1000}}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="big" targetRef="end" />
    <bpmn:userTask id="approve" name="Approve" hotline:assignee="role:{supervisor}" hotline:fields="approved=required,note=editable" hotline:due="PT4H" />
    <bpmn:sequenceFlow id="f5" sourceRef="approve" targetRef="end" />
    <bpmn:endEvent id="end" name="Done" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="d"><bpmndi:BPMNPlane id="p" bpmnElement="refund" /></bpmndi:BPMNDiagram>
</bpmn:definitions>"#
    )
}

/// A workflow that cannot run: a task nothing leads to, and a gateway with no way out.
const BROKEN_WORKFLOW: &str = r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="p">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gate" />
    <bpmn:exclusiveGateway id="gate" name="Dead end" />
    <bpmn:userTask id="lost" name="Lost task" />
    <bpmn:sequenceFlow id="f2" sourceRef="lost" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"#;

async fn demo_login(server: &Server, username: &str) -> String {
    server.login("demo", username, server.demo_password.as_deref().expect("a demo password")).await
}

/// A visitor's web chat; returns its conversation id once the server has acknowledged the
/// first message.
async fn visitor_chat(server: &Server) -> String {
    let url = format!("{}/chat/ws?tenant=demo", server.base_url.replacen("http", "ws", 1));
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.expect("the visitor connects");
    let hello = json!({ "type": "hello", "name": "Vera", "email": "vera@example.com", "language": "en" });
    socket.send(Message::Text(hello.to_string().into())).await.unwrap();
    let message = json!({ "type": "message", "clientId": Uuid::now_v7().to_string(), "text": "My refund is late" });
    socket.send(Message::Text(message.to_string().into())).await.unwrap();
    loop {
        let frame = tokio::time::timeout(WAIT, socket.next()).await.expect("a frame").expect("open").expect("a frame");
        let Message::Text(text) = frame else { continue };
        let frame: Value = serde_json::from_str(text.as_str()).unwrap();
        assert_ne!(frame["type"], "error", "{frame}");
        if frame["type"] == "ack" {
            return frame["conversationId"].as_str().expect("a conversation id").to_owned();
        }
    }
}

async fn todos(server: &Server, token: &str) -> Vec<Value> {
    data(server.graphql(Some(token), TODOS, json!({})).await)["myTicketTodos"].as_array().unwrap().clone()
}

async fn ticket(server: &Server, token: &str, id: &str) -> Value {
    data(server.graphql(Some(token), TICKET, json!({ "id": id })).await)["ticket"].clone()
}

async fn complete(server: &Server, token: &str, ticket_id: &str, token_id: &Value, values: Value) -> Value {
    let input = json!({ "input": { "ticketId": ticket_id, "token": token_id, "values": values } });
    server.graphql(Some(token), COMPLETE, input).await
}

#[tokio::test]
async fn a_ticket_from_a_chat_moves_through_two_steps_on_two_to_do_lists() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let agent = demo_login(&server, "agent1").await;
    let supervisor = demo_login(&server, "supervisor").await;

    let input = json!({ "input": { "name": "Refund", "description": "Money back", "form": form() } });
    let type_id = data(server.graphql(Some(&admin), CREATE_TYPE, input).await)["createTicketType"]["aggregateId"]
        .as_str()
        .unwrap()
        .to_owned();

    // A workflow that cannot run is refused with every problem named, and nothing is published.
    let refused = server
        .graphql(Some(&admin), PUBLISH, json!({ "input": { "typeId": type_id, "bpmnXml": BROKEN_WORKFLOW } }))
        .await;
    assert_eq!(error_code(&refused), "ticket_type.invalid_workflow", "{refused}");
    let message = refused["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("Lost task") && message.contains("Dead end"), "{message}");
    // Not published yet: no ticket can be opened of it.
    let early = json!({ "input": { "typeId": type_id, "title": "Too early", "values": { "subject": "x" } } });
    assert_eq!(error_code(&server.graphql(Some(&agent), OPEN, early).await), "ticket_type.not_published");

    let publish = json!({ "input": { "typeId": type_id, "bpmnXml": two_step_workflow("Handle") } });
    data(server.graphql(Some(&admin), PUBLISH, publish).await);
    let types = data(server.graphql(Some(&agent), TYPES, json!({})).await);
    let refund = &types["ticketTypes"][0];
    assert_eq!((refund["name"].as_str(), refund["version"].as_u64()), (Some("Refund"), Some(1)));
    let steps: Vec<&str> =
        refund["steps"].as_array().unwrap().iter().map(|step| step["name"].as_str().unwrap()).collect();
    assert_eq!(steps, ["Handle", "Approve"]);

    // The agent opens a ticket from a visitor's chat; bad values are refused field by field.
    let conversation_id = visitor_chat(&server).await;
    let bad = json!({ "input": { "typeId": type_id, "title": "Refund for Vera", "conversationId": conversation_id,
        "values": { "amount": "lots", "colour": "red" } } });
    let refused = server.graphql(Some(&agent), OPEN, bad).await;
    assert_eq!(error_code(&refused), "ticket.invalid_values", "{refused}");
    let fields: Vec<&str> = refused["errors"][0]["extensions"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|problem| problem["field"].as_str().unwrap())
        .collect();
    for field in ["subject", "amount", "colour"] {
        assert!(fields.contains(&field), "{field} in {refused}");
    }
    let unknown_chat = json!({ "input": { "typeId": type_id, "title": "x", "conversationId": Uuid::now_v7(),
        "values": { "subject": "x" } } });
    assert_eq!(error_code(&server.graphql(Some(&agent), OPEN, unknown_chat).await), "ticket.origin_not_found");

    let open = json!({ "input": { "typeId": type_id, "title": "Refund for Vera", "conversationId": conversation_id,
        "values": { "subject": "Late refund" } } });
    let ticket_id =
        data(server.graphql(Some(&agent), OPEN, open).await)["openTicket"]["aggregateId"].as_str().unwrap().to_owned();
    let opened = ticket(&server, &agent, &ticket_id).await;
    assert_eq!(opened["status"], "OPEN");
    assert_eq!(opened["conversationId"], conversation_id.as_str());
    assert!(opened["number"].as_str().unwrap().starts_with('T'), "{opened}");
    let handle = &opened["tasks"][0];
    assert_eq!((handle["stepName"].as_str(), handle["mine"].as_bool()), (Some("Handle"), Some(true)));
    assert_eq!(handle["candidateKind"], "USER");

    // Data scope: agents see the tickets they are involved in, the administrator every one.
    let agent2 = demo_login(&server, "agent2").await;
    assert!(ticket(&server, &agent2, &ticket_id).await.is_null());
    assert_eq!(data(server.graphql(Some(&agent2), TICKETS, json!({})).await)["tickets"]["total"], 0);
    let comment = json!({ "input": { "ticketId": ticket_id, "text": "Not mine" } });
    assert_eq!(error_code(&server.graphql(Some(&agent2), COMMENT, comment).await), "ticket.not_found");
    assert!(ticket(&server, &supervisor, &ticket_id).await.is_null(), "not the supervisors' step yet");
    assert_eq!(ticket(&server, &admin, &ticket_id).await["id"], ticket_id.as_str());

    // Step one is on the agent's list only.
    let mine = todos(&server, &agent).await;
    assert_eq!(mine.len(), 1);
    assert_eq!(
        (mine[0]["ticketId"].as_str(), mine[0]["stepName"].as_str()),
        (Some(ticket_id.as_str()), Some("Handle"))
    );
    assert!(todos(&server, &supervisor).await.is_empty());
    // The supervisor cannot do the agent's step; a value the step does not let you edit is refused.
    let refused = complete(&server, &supervisor, &ticket_id, &handle["token"], json!({ "amount": 5000 })).await;
    assert_eq!(error_code(&refused), "ticket.not_your_task", "{refused}");
    let refused =
        complete(&server, &agent, &ticket_id, &handle["token"], json!({ "amount": 5000, "approved": true })).await;
    assert_eq!(error_code(&refused), "ticket.invalid_values", "{refused}");

    data(
        complete(&server, &agent, &ticket_id, &handle["token"], json!({ "amount": 5000, "note": "Paid by card" }))
            .await,
    );
    // Over 1,000: step two is the supervisors'.
    assert!(todos(&server, &agent).await.is_empty());
    let theirs = todos(&server, &supervisor).await;
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0]["stepName"], "Approve");
    let moved = ticket(&server, &supervisor, &ticket_id).await;
    let approve = &moved["tasks"][0];
    assert_eq!(
        (approve["candidateKind"].as_str(), approve["candidateName"].as_str()),
        (Some("ROLE"), Some("Supervisor"))
    );
    // Completing the same step twice finds nothing the second time.
    let stale = complete(&server, &agent, &ticket_id, &handle["token"], json!({ "amount": 1 })).await;
    assert_eq!(error_code(&stale), "ticket.no_such_task", "{stale}");
    // `approved` is required at this step.
    let refused = complete(&server, &supervisor, &ticket_id, &approve["token"], json!({})).await;
    assert_eq!(error_code(&refused), "ticket.invalid_values", "{refused}");

    let comment = json!({ "input": { "ticketId": ticket_id, "text": "Checked with finance" } });
    data(server.graphql(Some(&supervisor), COMMENT, comment).await);
    data(complete(&server, &supervisor, &ticket_id, &approve["token"], json!({ "approved": true })).await);
    let done = ticket(&server, &agent, &ticket_id).await;
    assert_eq!(done["status"], "FINISHED", "{done}");
    assert_eq!(
        done["values"],
        json!({ "subject": "Late refund", "amount": 5000, "note": "Paid by card", "approved": true })
    );
    assert!(done["tasks"].as_array().unwrap().is_empty());
    let history: Vec<(&str, &str)> = done["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| (entry["kind"].as_str().unwrap(), entry["stepName"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        history,
        [
            ("opened", ""),
            ("task_completed", "Handle"),
            ("commented", ""),
            ("task_completed", "Approve"),
            ("finished", "")
        ]
    );
    assert!(todos(&server, &supervisor).await.is_empty());

    // The chat's tickets, as a screen pop would list them.
    let of_chat =
        data(server.graphql(Some(&agent), TICKETS, json!({ "filter": { "conversationId": conversation_id } })).await);
    assert_eq!(of_chat["tickets"]["total"], 1);
    assert_eq!(of_chat["tickets"]["items"][0]["id"], ticket_id.as_str());
}

#[tokio::test]
async fn a_running_ticket_keeps_its_version_and_other_tenants_see_nothing() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let agent = demo_login(&server, "agent1").await;
    let input = json!({ "input": { "name": "Refund", "description": "", "form": form() } });
    let type_id = data(server.graphql(Some(&admin), CREATE_TYPE, input).await)["createTicketType"]["aggregateId"]
        .as_str()
        .unwrap()
        .to_owned();
    let publish = |name: &str| json!({ "input": { "typeId": type_id, "bpmnXml": two_step_workflow(name) } });
    data(server.graphql(Some(&admin), PUBLISH, publish("Handle")).await);
    let open = json!({ "input": { "typeId": type_id, "title": "Old", "values": { "subject": "On version 1" } } });
    let old_id =
        data(server.graphql(Some(&agent), OPEN, open).await)["openTicket"]["aggregateId"].as_str().unwrap().to_owned();

    // Republished with the first step renamed: the running ticket stays on version 1.
    data(server.graphql(Some(&admin), PUBLISH, publish("Investigate")).await);
    let old = ticket(&server, &agent, &old_id).await;
    assert_eq!((old["version"].as_u64(), old["tasks"][0]["stepName"].as_str()), (Some(1), Some("Handle")));
    data(complete(&server, &agent, &old_id, &old["tasks"][0]["token"], json!({ "amount": 10 })).await);
    assert_eq!(ticket(&server, &agent, &old_id).await["status"], "FINISHED");
    let open = json!({ "input": { "typeId": type_id, "title": "New", "values": { "subject": "On version 2" } } });
    let new_id =
        data(server.graphql(Some(&agent), OPEN, open).await)["openTicket"]["aggregateId"].as_str().unwrap().to_owned();
    let new = ticket(&server, &agent, &new_id).await;
    assert_eq!((new["version"].as_u64(), new["tasks"][0]["stepName"].as_str()), (Some(2), Some("Investigate")));

    // Another tenant: no types, no tickets, nothing to complete or comment on.
    let tenant = json!({ "input": { "slug": "acme", "name": "Acme", "admin": { "username": "boss", "displayName": "Boss", "password": "acme password 1" } } });
    data(
        server
            .graphql(
                Some(&admin),
                "mutation($input: CreateTenantInput!) { createTenant(input: $input) { aggregateId } }",
                tenant,
            )
            .await,
    );
    let boss = server.login("acme", "boss", "acme password 1").await;
    assert_eq!(data(server.graphql(Some(&boss), TYPES, json!({})).await)["ticketTypes"], json!([]));
    assert_eq!(data(server.graphql(Some(&boss), TICKETS, json!({})).await)["tickets"]["total"], 0);
    assert!(ticket(&server, &boss, &new_id).await.is_null());
    assert!(todos(&server, &boss).await.is_empty());
    let refused = complete(&server, &boss, &new_id, &new["tasks"][0]["token"], json!({ "amount": 1 })).await;
    assert_eq!(error_code(&refused), "ticket.not_found", "{refused}");
    let comment = json!({ "input": { "ticketId": new_id, "text": "Ours now" } });
    assert_eq!(error_code(&server.graphql(Some(&boss), COMMENT, comment).await), "ticket.not_found");
    let stolen = json!({ "input": { "typeId": type_id, "title": "x", "values": { "subject": "x" } } });
    assert_eq!(error_code(&server.graphql(Some(&boss), OPEN, stolen).await), "ticket_type.not_found");
}

/// Start → a one-second timer → "Follow up" (the starter) → end.
const TIMER_WORKFLOW: &str = r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="p">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait" name="A second later">
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT1S</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="follow" />
    <bpmn:userTask id="follow" name="Follow up" />
    <bpmn:sequenceFlow id="f3" sourceRef="follow" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"#;

#[tokio::test]
async fn a_workflow_timer_fires_by_itself_and_the_next_step_opens() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let agent = demo_login(&server, "agent1").await;
    let input = json!({ "input": { "name": "Follow-up", "description": "", "form": form() } });
    let type_id = data(server.graphql(Some(&admin), CREATE_TYPE, input).await)["createTicketType"]["aggregateId"]
        .as_str()
        .unwrap()
        .to_owned();
    data(
        server
            .graphql(Some(&admin), PUBLISH, json!({ "input": { "typeId": type_id, "bpmnXml": TIMER_WORKFLOW } }))
            .await,
    );
    let open = json!({ "input": { "typeId": type_id, "title": "Call back tomorrow", "values": { "subject": "x" } } });
    let ticket_id =
        data(server.graphql(Some(&agent), OPEN, open).await)["openTicket"]["aggregateId"].as_str().unwrap().to_owned();
    // Waiting on the timer: no task yet.
    assert!(ticket(&server, &agent, &ticket_id).await["tasks"].as_array().unwrap().is_empty());

    let deadline = tokio::time::Instant::now() + WAIT;
    let moved = loop {
        let current = ticket(&server, &agent, &ticket_id).await;
        if !current["tasks"].as_array().unwrap().is_empty() {
            break current;
        }
        assert!(tokio::time::Instant::now() < deadline, "the timer never fired: {current}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(moved["tasks"][0]["stepName"], "Follow up");
    let kinds: Vec<&str> =
        moved["history"].as_array().unwrap().iter().map(|entry| entry["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["opened", "timer_fired"]);
    assert_eq!(todos(&server, &agent).await.len(), 1);
}
