//! Ticket searches and saved ticket queries end to end, through the real binary: the list
//! filters on form values, whose work waits and deadlines; a query saved by one user is
//! listed for others only when shared, only its owner changes it, bad queries are refused
//! with `ticket_queries.invalid`, and another tenant sees none of them.

mod common;

use common::tickets::{CREATE_TYPE, OPEN, PUBLISH};
use common::{Location, Server, error_code};
use serde_json::{Value, json};
use uuid::Uuid;

const TICKETS: &str = "query($filter: TicketFilter) { tickets(filter: $filter) { total items { title } } }";
const SAVE: &str = "mutation($input: SavedTicketQueryInput!) { saveTicketQuery(input: $input) { id name shared mine \
     filter { status typeId text startedByMe waitingOn { kind id } due { kind hours } \
     conditions { field op value valueTo } sort sortDescending } } }";
const SAVED: &str = "{ savedTicketQueries { id name shared mine filter { conditions { field op value } } } }";
const DELETE: &str = "mutation($id: UUID!) { deleteTicketQuery(id: $id) }";

fn data(response: Value) -> Value {
    assert!(response["errors"].is_null(), "unexpected errors: {response}");
    response["data"].clone()
}

/// Start → "Handle" (whoever opened the ticket, due in a day) → end.
const WORKFLOW: &str = r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:hotline="https://hotline.example/schema/bpmn" id="d">
  <bpmn:process id="p">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="handle" />
    <bpmn:userTask id="handle" name="Handle" hotline:assignee="starter" hotline:due="P1D" />
    <bpmn:sequenceFlow id="f2" sourceRef="handle" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"#;

async fn titles(server: &Server, token: &str, filter: Value) -> Vec<String> {
    let found = data(server.graphql(Some(token), TICKETS, json!({ "filter": filter })).await);
    let items = found["tickets"]["items"].as_array().unwrap();
    assert_eq!(found["tickets"]["total"].as_u64(), Some(items.len() as u64));
    items.iter().map(|item| item["title"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn the_ticket_list_filters_on_values_work_and_deadlines_and_keeps_saved_queries() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let demo_password = server.demo_password.clone().expect("a demo password");
    let agent = server.login("demo", "agent1", &demo_password).await;

    let form = json!({ "type": "default", "components": [
        { "type": "textfield", "key": "subject", "label": "Subject" },
        { "type": "number", "key": "amount", "label": "Amount" },
    ] });
    let input = json!({ "input": { "name": "Claims", "description": "", "form": form } });
    let type_id =
        data(server.graphql(Some(&admin), CREATE_TYPE, input).await)["createTicketType"]["aggregateId"].clone();
    data(server.graphql(Some(&admin), PUBLISH, json!({ "input": { "typeId": type_id, "bpmnXml": WORKFLOW } })).await);
    for (token, title, amount) in [(&admin, "Small", 50), (&admin, "Large", 500), (&agent, "Agent's", 900)] {
        let open = json!({ "input": { "typeId": type_id, "title": title,
            "values": { "subject": title, "amount": amount } } });
        data(server.graphql(Some(token), OPEN, open).await);
    }

    // Filters: on form values, whose work waits, deadlines, and a sort.
    let created = |mut filter: Value| {
        filter["sort"] = json!("CREATED");
        filter
    };
    let over_100 = json!({ "conditions": [{ "field": "amount", "op": "GREATER_THAN", "value": "100" }] });
    assert_eq!(titles(&server, &admin, created(over_100.clone())).await, ["Large", "Agent's"]);
    let between = json!({ "conditions": [{ "field": "amount", "op": "BETWEEN", "value": "10", "valueTo": "600" }],
        "sort": "NUMBER", "sortDescending": false });
    assert_eq!(titles(&server, &admin, between).await.len(), 2);
    let mine = json!({ "waitingOn": { "kind": "ME" } });
    assert_eq!(titles(&server, &agent, mine.clone()).await, ["Agent's"], "the agent's task only");
    assert_eq!(titles(&server, &admin, created(mine)).await, ["Small", "Large"]);
    assert!(titles(&server, &admin, json!({ "due": { "kind": "OVERDUE" } })).await.is_empty());
    assert_eq!(titles(&server, &admin, json!({ "due": { "kind": "WITHIN", "hours": 25 } })).await.len(), 3);
    assert!(titles(&server, &admin, json!({ "due": { "kind": "WITHIN", "hours": 23 } })).await.is_empty());

    // Bad filters are refused with what is wrong, in the list and when saving.
    for bad in [
        json!({ "conditions": [{ "field": "amount", "op": "BETWEEN", "value": "1" }] }),
        json!({ "conditions": [{ "field": "a b", "op": "IS_EMPTY" }] }),
        json!({ "due": { "kind": "WITHIN" } }),
        json!({ "waitingOn": { "kind": "USER" } }),
    ] {
        let refused = server.graphql(Some(&admin), TICKETS, json!({ "filter": bad })).await;
        assert_eq!(error_code(&refused), "ticket_queries.invalid", "{refused}");
        let save = json!({ "input": { "name": "Bad", "shared": false, "filter": bad } });
        assert_eq!(error_code(&server.graphql(Some(&admin), SAVE, save).await), "ticket_queries.invalid");
    }
    let with_chat = json!({ "input": { "name": "Chat", "shared": false,
        "filter": { "conversationId": Uuid::now_v7() } } });
    assert_eq!(error_code(&server.graphql(Some(&admin), SAVE, with_chat).await), "ticket_queries.invalid");

    // A shared query is listed for the agent (not theirs); a private one is not.
    let large = json!({ "input": { "name": "Large claims", "shared": true,
        "filter": { "typeId": type_id, "waitingOn": { "kind": "ROLE", "id": Uuid::now_v7() },
            "due": { "kind": "WITHIN", "hours": 4 }, "conditions": over_100["conditions"], "sort": "DUE" } } });
    let saved = data(server.graphql(Some(&admin), SAVE, large).await)["saveTicketQuery"].clone();
    assert_eq!((saved["shared"].as_bool(), saved["mine"].as_bool()), (Some(true), Some(true)));
    assert_eq!(saved["filter"]["conditions"][0]["value"], "100");
    assert_eq!(saved["filter"]["due"], json!({ "kind": "WITHIN", "hours": 4 }));
    assert_eq!(saved["filter"]["sort"], "DUE");
    let private = json!({ "input": { "name": "Mine only", "shared": false, "filter": { "startedByMe": true } } });
    let private_id = data(server.graphql(Some(&admin), SAVE, private).await)["saveTicketQuery"]["id"].clone();
    let listed = data(server.graphql(Some(&agent), SAVED, json!({})).await)["savedTicketQueries"].clone();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!((listed[0]["name"].as_str(), listed[0]["mine"].as_bool()), (Some("Large claims"), Some(false)));

    // Only the owner re-saves or deletes; names are unique per owner, ignoring case.
    let taken = json!({ "input": { "name": "LARGE CLAIMS", "shared": false, "filter": {} } });
    assert_eq!(error_code(&server.graphql(Some(&admin), SAVE, taken.clone()).await), "ticket_queries.name_taken");
    data(server.graphql(Some(&agent), SAVE, taken).await);
    let hijack = json!({ "input": { "id": saved["id"], "name": "Ours", "shared": true, "filter": {} } });
    assert_eq!(error_code(&server.graphql(Some(&agent), SAVE, hijack).await), "ticket_queries.not_owner");
    let delete = server.graphql(Some(&agent), DELETE, json!({ "id": saved["id"] })).await;
    assert_eq!(error_code(&delete), "ticket_queries.not_owner");
    assert_eq!(
        data(server.graphql(Some(&admin), DELETE, json!({ "id": private_id })).await)["deleteTicketQuery"],
        true
    );
    let admins = data(server.graphql(Some(&admin), SAVED, json!({})).await)["savedTicketQueries"].clone();
    let names: Vec<&str> = admins.as_array().unwrap().iter().map(|query| query["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Large claims"], "the agent's own query is private, the deleted one gone");

    // Another tenant sees no queries and none of these tickets.
    let tenant = json!({ "input": { "slug": "acme", "name": "Acme",
        "admin": { "username": "boss", "displayName": "Boss", "password": "acme password 1" } } });
    let create_tenant = "mutation($input: CreateTenantInput!) { createTenant(input: $input) { aggregateId } }";
    data(server.graphql(Some(&admin), create_tenant, tenant).await);
    let boss = server.login("acme", "boss", "acme password 1").await;
    assert_eq!(data(server.graphql(Some(&boss), SAVED, json!({})).await)["savedTicketQueries"], json!([]));
    assert!(titles(&server, &boss, over_100).await.is_empty());
    let foreign = server.graphql(Some(&boss), DELETE, json!({ "id": saved["id"] })).await;
    assert_eq!(error_code(&foreign), "ticket_queries.not_found");
}
