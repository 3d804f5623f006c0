//! The pickers and uploads of ticket forms, end to end through the real binary: the options
//! an agent chooses from (users, user groups, departments, tickets in their scope), a file
//! uploaded then named by a ticket's values, the names a ticket shows for the ids it holds,
//! and the server refusing ids that name nothing of the tenant (another tenant's user, a made
//! up file) before anything is recorded; a step assigned by a department field goes to the
//! department chosen. A file downloads only through a ticket that holds it, for whoever may
//! see that ticket. Query fields offer the dictionary entries or customers their designer
//! configured, and hold only enabled entries and the tenant's own, unforgotten customers.
//! Rich text keeps only safe HTML, and an approval records who decided, whatever the browser
//! says.

mod common;

use common::tickets::{CREATE_TYPE, OPEN, PUBLISH, REVIEW_BY_STARTER as WORKFLOW, create_dictionary};
use common::{Location, Server, error_code};
use hotline_domain::access::BuiltInRole;
use serde_json::{Value, json};

const OPTIONS: &str = "query($kind: TicketFieldOptionKind!, $search: String) { \
     ticketFieldOptions(kind: $kind, search: $search) { kind id label parentId } }";
const TICKET: &str = "query($id: UUID!) { ticket(id: $id) { number values references { kind id label parentId } } }";
const CREATE_UNIT: &str = "mutation($input: CreateOrgUnitInput!) { createOrgUnit(input: $input) { aggregateId } }";
const ME: &str = "{ me { id } }";

fn data(response: Value) -> Value {
    assert!(response["errors"].is_null(), "unexpected errors: {response}");
    response["data"].clone()
}

fn labels(options: &Value) -> Vec<String> {
    options.as_array().unwrap().iter().map(|option| option["label"].as_str().unwrap().to_owned()).collect()
}

async fn upload(server: &Server, token: &str, name: &str, bytes: &[u8]) -> (u16, Value) {
    let response = server
        .http
        .post(format!("{}/api/ticket-files", server.base_url))
        .bearer_auth(token)
        .header("content-type", "application/pdf")
        .header("x-file-name", name)
        .body(bytes.to_vec())
        .send()
        .await
        .expect("POST ticket-files");
    (response.status().as_u16(), response.json().await.expect("a JSON answer"))
}

async fn get(server: &Server, token: &str, path: &str) -> reqwest::Response {
    server.http.get(format!("{}{path}", server.base_url)).bearer_auth(token).send().await.expect("GET")
}

#[tokio::test]
async fn pickers_and_uploads_hold_ids_the_tenant_has_and_show_their_names() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let demo_password = server.demo_password.clone().expect("a demo password");
    let agent = server.login("demo", "agent1", &demo_password).await;
    let agent_id = data(server.graphql(Some(&agent), ME, json!({})).await)["me"]["id"].as_str().unwrap().to_owned();
    let unit = json!({ "input": { "name": "Complaints desk", "kind": "DEPARTMENT", "dimension": "REPORTING" } });
    let unit_id = data(server.graphql(Some(&admin), CREATE_UNIT, unit).await)["createOrgUnit"]["aggregateId"].clone();
    let unit_id = unit_id.as_str().unwrap().to_owned();
    let supervisors = BuiltInRole::Supervisor.id().to_string();

    let form = json!({ "type": "default", "components": [
        { "type": "hotline-user", "key": "owner", "label": "Owner" },
        { "type": "hotline-group", "key": "team", "label": "Team" },
        { "type": "hotline-department", "key": "unit", "label": "Department" },
        { "type": "hotline-tree", "key": "region", "label": "Region", "tree": [
            { "value": "gd", "label": "Guangdong", "children": [{ "value": "sz", "label": "Shenzhen" }] }
        ] },
        { "type": "hotline-relation", "key": "related", "label": "Related", "multiple": true },
        { "type": "hotline-upload", "key": "evidence", "label": "Evidence", "multiple": true },
    ] });
    let input = json!({ "input": { "name": "Complaint", "description": "", "form": form } });
    let type_id = data(server.graphql(Some(&admin), CREATE_TYPE, input).await)["createTicketType"]["aggregateId"]
        .as_str()
        .unwrap()
        .to_owned();
    data(server.graphql(Some(&admin), PUBLISH, json!({ "input": { "typeId": type_id, "bpmnXml": WORKFLOW } })).await);

    // What an agent picks from: users by name, groups (no platform role), the unit tree.
    let options = |kind: &str, search: &str| json!({ "kind": kind, "search": search });
    let users = data(server.graphql(Some(&agent), OPTIONS, options("USER", "AGENT1")).await);
    let users = &users["ticketFieldOptions"];
    assert!(users.as_array().unwrap().iter().any(|user| user["id"] == agent_id.as_str()), "{users}");
    let groups = data(server.graphql(Some(&agent), OPTIONS, options("GROUP", "")).await);
    let group_ids: Vec<&str> =
        groups["ticketFieldOptions"].as_array().unwrap().iter().map(|group| group["id"].as_str().unwrap()).collect();
    assert!(group_ids.contains(&supervisors.as_str()));
    assert!(!group_ids.contains(&BuiltInRole::PlatformAdministrator.id().to_string().as_str()));
    let units = data(server.graphql(Some(&agent), OPTIONS, options("DEPARTMENT", "")).await);
    assert!(labels(&units["ticketFieldOptions"]).contains(&"Complaints desk".to_owned()), "{units}");

    // A file is kept first; the form names it.
    let (status, file) = upload(&server, &agent, "scan%20one.pdf", b"%PDF-1.7 scanned").await;
    assert_eq!(status, 201, "{file}");
    assert_eq!((file["name"].as_str(), file["size"].as_u64()), (Some("scan one.pdf"), Some(16)));
    assert_eq!(file["contentType"], "application/pdf");
    let (status, refused) = upload(&server, &agent, "empty.pdf", b"").await;
    assert_eq!((status, refused["code"].as_str()), (422, Some("ticket.invalid_file")));

    let open = |title: &str, values: Value| json!({ "input": { "typeId": type_id, "title": title, "values": values } });
    let first = open(
        "Noisy neighbours",
        json!({
            "owner": agent_id, "team": supervisors, "unit": unit_id, "region": "sz", "evidence": [file.clone()]
        }),
    );
    let first_id =
        data(server.graphql(Some(&agent), OPEN, first).await)["openTicket"]["aggregateId"].as_str().unwrap().to_owned();
    let ticket = data(server.graphql(Some(&agent), TICKET, json!({ "id": first_id })).await)["ticket"].clone();
    let number = ticket["number"].as_str().unwrap().to_owned();
    let mut named = labels(&ticket["references"]);
    named.sort();
    assert_eq!(named, ["Complaints desk", "Demo agent one", "Supervisor"], "{ticket}");

    // A second ticket relates to the first, which the agent finds by its title.
    let found = data(server.graphql(Some(&agent), OPTIONS, options("TICKET", "noisy")).await);
    assert_eq!(found["ticketFieldOptions"][0]["id"], first_id.as_str());
    let second = open("Noise again", json!({ "related": [first_id] }));
    let second_id = data(server.graphql(Some(&agent), OPEN, second).await)["openTicket"]["aggregateId"]
        .as_str()
        .unwrap()
        .to_owned();
    let ticket = data(server.graphql(Some(&agent), TICKET, json!({ "id": second_id })).await)["ticket"].clone();
    assert_eq!(labels(&ticket["references"]), [format!("{number} · Noisy neighbours")]);

    // Ids that name nothing of this tenant are refused, each field named; nothing is opened.
    let other_tenant = json!({ "input": { "slug": "acme", "name": "Acme",
        "admin": { "username": "boss", "displayName": "Boss", "password": "acme password 1" } } });
    let create_tenant = "mutation($input: CreateTenantInput!) { createTenant(input: $input) { aggregateId } }";
    data(server.graphql(Some(&admin), create_tenant, other_tenant).await);
    let boss = server.login("acme", "boss", "acme password 1").await;
    let boss_id = data(server.graphql(Some(&boss), ME, json!({})).await)["me"]["id"].as_str().unwrap().to_owned();
    let made_up = json!({ "blobId": "00000000-0000-0000-0000-00000000f11e", "name": "x.pdf", "size": 1,
        "contentType": "application/pdf" });
    let refused = server
        .graphql(
            Some(&agent),
            OPEN,
            open(
                "Forged",
                json!({
                    "owner": boss_id, "unit": supervisors, "related": [unit_id], "evidence": [made_up]
                }),
            ),
        )
        .await;
    assert_eq!(error_code(&refused), "ticket.invalid_values", "{refused}");
    let mut fields: Vec<&str> = refused["errors"][0]["extensions"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|field| field["field"].as_str().unwrap())
        .collect();
    fields.sort();
    assert_eq!(fields, ["evidence", "owner", "related", "unit"]);
    let malformed = server.graphql(Some(&agent), OPEN, open("Bad", json!({ "owner": [agent_id] }))).await;
    assert_eq!(error_code(&malformed), "ticket.invalid_values");
    // The other tenant's admin cannot upload into, or pick from, this one.
    let theirs = data(server.graphql(Some(&boss), OPTIONS, options("DEPARTMENT", "")).await);
    assert!(!labels(&theirs["ticketFieldOptions"]).contains(&"Complaints desk".to_owned()), "{theirs}");

    // A step assigned by the department field goes to the department chosen.
    let dispatch_form = json!({ "type": "default", "components": [
        { "type": "hotline-department", "key": "unit", "label": "Department" }
    ] });
    let input = json!({ "input": { "name": "Dispatch", "description": "", "form": dispatch_form } });
    let dispatch = data(server.graphql(Some(&admin), CREATE_TYPE, input).await)["createTicketType"]["aggregateId"]
        .as_str()
        .unwrap()
        .to_owned();
    let by_field = WORKFLOW.replace(r#"hotline:assignee="starter""#, r#"hotline:assignee="field:unit""#);
    data(server.graphql(Some(&admin), PUBLISH, json!({ "input": { "typeId": dispatch, "bpmnXml": by_field } })).await);
    let open_dispatch =
        json!({ "input": { "typeId": dispatch, "title": "Streetlight out", "values": { "unit": unit_id } } });
    let dispatched = data(server.graphql(Some(&agent), OPEN, open_dispatch).await)["openTicket"]["aggregateId"].clone();
    let tasks = "query($id: UUID!) { ticket(id: $id) { tasks { candidateKind candidateId candidateName } } }";
    let task =
        data(server.graphql(Some(&admin), tasks, json!({ "id": dispatched })).await)["ticket"]["tasks"][0].clone();
    assert_eq!(
        (task["candidateKind"].as_str(), task["candidateId"].as_str(), task["candidateName"].as_str()),
        (Some("ORG_UNIT"), Some(unit_id.as_str()), Some("Complaints desk")),
        "{task}"
    );
    // It is the department's sub-units' people's to do too: agent1, moved to a team under it.
    let mine = "query($id: UUID!) { ticket(id: $id) { tasks { mine } } }";
    let is_mine = |answer: Value| data(answer)["ticket"]["tasks"][0]["mine"].as_bool().unwrap();
    assert!(!is_mine(server.graphql(Some(&agent), mine, json!({ "id": dispatched })).await), "agent1 has no unit yet");
    let team =
        json!({ "input": { "name": "Night shift", "kind": "TEAM", "dimension": "REPORTING", "parentId": unit_id } });
    let team_id = data(server.graphql(Some(&admin), CREATE_UNIT, team).await)["createOrgUnit"]["aggregateId"].clone();
    let me = data(server.graphql(Some(&agent), "{ me { displayName roleIds } }", json!({})).await)["me"].clone();
    let update = "mutation($input: UpdateUserInput!) { updateUser(input: $input) { lastPosition } }";
    let moved = json!({ "input": { "userId": agent_id, "displayName": me["displayName"], "roleIds": me["roleIds"],
        "orgUnitId": team_id } });
    data(server.graphql(Some(&admin), update, moved).await);
    let mut mine_now = false;
    for _ in 0..50 {
        mine_now = is_mine(server.graphql(Some(&agent), mine, json!({ "id": dispatched })).await);
        if mine_now {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(mine_now, "a step for the department is a sub-unit member's to do");

    // The file downloads through its ticket, for those who may see the ticket.
    let blob = file["blobId"].as_str().unwrap();
    let download = get(&server, &agent, &format!("/api/tickets/{first_id}/files/{blob}")).await;
    assert_eq!(download.status(), 200);
    assert!(download.headers()["content-disposition"].to_str().unwrap().contains("scan"));
    assert_eq!(download.bytes().await.unwrap().as_ref(), b"%PDF-1.7 scanned");
    let not_held = get(&server, &agent, &format!("/api/tickets/{second_id}/files/{blob}")).await;
    assert_eq!(not_held.status(), 404);
    assert_eq!(not_held.json::<Value>().await.unwrap()["code"], "ticket.file_not_found");
    let elsewhere = get(&server, &boss, &format!("/api/tickets/{first_id}/files/{blob}")).await;
    assert_eq!(elsewhere.status(), 404);
    assert_eq!(elsewhere.json::<Value>().await.unwrap()["code"], "ticket.not_found");
}

const QUERY_OPTIONS: &str = "query($typeId: UUID!, $field: String!, $search: String) { \
     ticketQueryOptions(typeId: $typeId, version: 1, field: $field, search: $search) { value label details } }";

fn error_fields(response: &Value) -> Vec<String> {
    let mut fields: Vec<String> = response["errors"][0]["extensions"]["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("expected field errors: {response}"))
        .iter()
        .map(|field| field["field"].as_str().unwrap().to_owned())
        .collect();
    fields.sort();
    fields
}

async fn create_customer(server: &Server, token: &str, values: &[(&str, &str)]) -> String {
    let create = "mutation($v: [FieldValueInput!]!) { createCustomer(values: $v) { id } }";
    let values: Vec<Value> = values.iter().map(|(key, value)| json!({ "key": key, "value": value })).collect();
    let created = data(server.graphql(Some(token), create, json!({ "v": values })).await);
    created["createCustomer"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn query_fields_offer_what_their_designer_configured_and_hold_only_what_the_tenant_has() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let demo_password = server.demo_password.clone().expect("a demo password");
    let agent = server.login("demo", "agent1", &demo_password).await;

    // A dictionary of regions (one entry disabled) and customers with a city.
    let entries = json!([
        { "code": "east", "label": "East China", "sortOrder": 1 },
        { "code": "north", "label": "North China", "sortOrder": 2 },
        { "code": "west", "label": "West China", "sortOrder": 3, "enabled": false },
    ]);
    create_dictionary(&server, &admin, "regions", entries).await;
    let define = "mutation($f: [CustomerFieldInput!]!) { defineCustomerFields(fields: $f) { key } }";
    let city = json!([{ "key": "city", "label": "City", "fieldType": "TEXT", "required": false, "enabled": true,
        "sortOrder": 0 }]);
    data(server.graphql(Some(&admin), define, json!({ "f": city })).await);
    let zhang =
        create_customer(&server, &admin, &[("name", "Zhang San"), ("phone", "138 0013 8000"), ("city", "Shanghai")])
            .await;
    create_customer(&server, &admin, &[("name", "Li Si"), ("phone", "139 0000 0000"), ("city", "Beijing")]).await;
    let wang =
        create_customer(&server, &admin, &[("name", "Wang Wu"), ("phone", "137 1111 2222"), ("city", "shanghai")])
            .await;

    // A form naming sources the tenant does not have is refused when saved.
    let query_field = |extra: Value| {
        let mut field = json!({ "type": "hotline-query", "key": "q", "label": "Q" });
        field.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        json!({ "input": { "name": "Broken", "description": "", "form": { "components": [field] } } })
    };
    let broken = [
        json!({ "source": "dictionary", "dictionary": "planets" }),
        json!({ "source": "customers", "conditions": [{ "field": "planet", "op": "equals", "value": "Mars" }] }),
        json!({ "source": "customers", "conditions": [{ "field": "city", "op": "greater_than", "value": "3" }] }),
        json!({ "source": "customers", "columns": ["planet"] }),
    ];
    for extra in broken {
        let refused = server.graphql(Some(&admin), CREATE_TYPE, query_field(extra.clone())).await;
        assert_eq!(error_code(&refused), "ticket_type.invalid_form", "{extra}: {refused}");
    }

    let form = json!({ "type": "default", "components": [
        { "type": "hotline-query", "key": "region", "label": "Region", "source": "dictionary", "dictionary": "regions" },
        { "type": "hotline-query", "key": "client", "label": "Client", "source": "customers",
          "conditions": [{ "field": "city", "op": "equals", "value": "Shanghai" }], "columns": ["phone", "city"] },
    ] });
    let input = json!({ "input": { "name": "Visit", "description": "", "form": form } });
    let type_id = data(server.graphql(Some(&admin), CREATE_TYPE, input).await)["createTicketType"]["aggregateId"]
        .as_str()
        .unwrap()
        .to_owned();
    data(server.graphql(Some(&admin), PUBLISH, json!({ "input": { "typeId": type_id, "bpmnXml": WORKFLOW } })).await);

    // The agent is offered enabled entries, and the Shanghai customers with their columns.
    let query = |field: &str, search: &str| json!({ "typeId": type_id, "field": field, "search": search });
    let offered = data(server.graphql(Some(&agent), QUERY_OPTIONS, query("region", "")).await);
    assert_eq!(labels(&offered["ticketQueryOptions"]), ["East China", "North China"], "{offered}");
    let offered = data(server.graphql(Some(&agent), QUERY_OPTIONS, query("region", "NORTH")).await);
    assert_eq!(offered["ticketQueryOptions"][0]["value"], "north");
    let offered = data(server.graphql(Some(&agent), QUERY_OPTIONS, query("client", "")).await);
    assert_eq!(labels(&offered["ticketQueryOptions"]), ["Wang Wu", "Zhang San"], "{offered}");
    assert_eq!(offered["ticketQueryOptions"][1]["details"], json!(["138 0013 8000", "Shanghai"]));
    for search in ["zhang", "0013"] {
        let offered = data(server.graphql(Some(&agent), QUERY_OPTIONS, query("client", search)).await);
        assert_eq!(labels(&offered["ticketQueryOptions"]), ["Zhang San"], "{search}: {offered}");
    }
    let unknown = server.graphql(Some(&agent), QUERY_OPTIONS, query("title", "")).await;
    assert_eq!(error_code(&unknown), "ticket.no_such_query_field");

    // A ticket holds the code and the id, and shows their labels.
    let open = |values: Value| json!({ "input": { "typeId": type_id, "title": "Visit", "values": values } });
    let opened = data(server.graphql(Some(&agent), OPEN, open(json!({ "region": "east", "client": zhang }))).await);
    let ticket_id = opened["openTicket"]["aggregateId"].as_str().unwrap().to_owned();
    let labelled = "query($id: UUID!) { ticket(id: $id) { queryLabels { field value label } } }";
    let ticket = data(server.graphql(Some(&agent), labelled, json!({ "id": ticket_id })).await);
    assert_eq!(
        ticket["ticket"]["queryLabels"],
        json!([
            { "field": "region", "value": "east", "label": "East China" },
            { "field": "client", "value": zhang, "label": "Zhang San" },
        ])
    );

    // A disabled entry, an unknown code, another tenant's or a forgotten customer: refused.
    let other_tenant = json!({ "input": { "slug": "acme", "name": "Acme",
        "admin": { "username": "boss", "displayName": "Boss", "password": "acme password 1" } } });
    let create_tenant = "mutation($input: CreateTenantInput!) { createTenant(input: $input) { aggregateId } }";
    data(server.graphql(Some(&admin), create_tenant, other_tenant).await);
    let boss = server.login("acme", "boss", "acme password 1").await;
    let theirs = create_customer(&server, &boss, &[("name", "Zhang San")]).await;
    let refused = server.graphql(Some(&agent), OPEN, open(json!({ "region": "west", "client": theirs }))).await;
    assert_eq!(error_code(&refused), "ticket.invalid_values", "{refused}");
    assert_eq!(error_fields(&refused), ["client", "region"]);
    let refused = server.graphql(Some(&agent), OPEN, open(json!({ "region": "south" }))).await;
    assert_eq!(error_fields(&refused), ["region"]);
    let forget = "mutation($id: UUID!) { forgetCustomer(id: $id) { id } }";
    data(server.graphql(Some(&admin), forget, json!({ "id": wang })).await);
    let refused = server.graphql(Some(&agent), OPEN, open(json!({ "client": wang }))).await;
    assert_eq!(error_fields(&refused), ["client"]);
    let offered = data(server.graphql(Some(&agent), QUERY_OPTIONS, query("client", "")).await);
    assert_eq!(labels(&offered["ticketQueryOptions"]), ["Zhang San"], "a forgotten customer is not offered");
    // The other tenant cannot run this tenant's field.
    let foreign = server.graphql(Some(&boss), QUERY_OPTIONS, query("region", "")).await;
    assert!(!foreign["errors"].is_null(), "{foreign}");
}

/// Start → "Check" (any agent; `salary` and `note` editable at the step) → end.
fn check_by_agents() -> String {
    let agents = BuiltInRole::Agent.id();
    format!(
        r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:hotline="https://hotline.example/schema/bpmn" id="d">
  <bpmn:process id="p">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check" />
    <bpmn:userTask id="check" name="Check" hotline:assignee="role:{agents}" hotline:fields="salary=editable,note=editable" />
    <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"#
    )
}

#[tokio::test]
async fn a_roles_form_hides_and_locks_fields_on_every_read_and_write() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let demo_password = server.demo_password.clone().expect("a demo password");
    let agent = server.login("demo", "agent1", &demo_password).await;
    let agents = BuiltInRole::Agent.id().to_string();
    let form = |role_forms: Value| {
        json!({ "type": "default", "roleForms": role_forms, "components": [
            { "type": "textfield", "key": "subject", "label": "Subject" },
            { "type": "number", "key": "salary", "label": "Salary" },
            { "type": "textfield", "key": "note", "label": "Note" },
        ] })
    };
    let create =
        |role_forms: Value| json!({ "input": { "name": "Hire", "description": "", "form": form(role_forms) } });

    // Forms for roles the tenant lacks, or naming fields the form lacks, are refused.
    let unknown_role = server.graphql(Some(&admin), CREATE_TYPE, create(json!({ uuid_text(7): {} }))).await;
    assert_eq!(error_code(&unknown_role), "ticket_type.invalid_form");
    let unknown_field = server.graphql(Some(&admin), CREATE_TYPE, create(json!({ "*": { "bonus": "hidden" } }))).await;
    assert_eq!(error_code(&unknown_field), "ticket_type.invalid_form");

    let role_forms = json!({ agents.clone(): { "salary": "hidden", "note": "readonly" } });
    let type_id =
        data(server.graphql(Some(&admin), CREATE_TYPE, create(role_forms)).await)["createTicketType"]["aggregateId"]
            .as_str()
            .unwrap()
            .to_owned();
    let publish = json!({ "input": { "typeId": type_id, "bpmnXml": check_by_agents() } });
    data(server.graphql(Some(&admin), PUBLISH, publish).await);

    // What an agent opens a ticket with: no salary, a note they may only read.
    let start = "query($id: UUID!) { ticketType(id: $id) { publishedForm startFields { key access } } }";
    let seen = data(server.graphql(Some(&agent), start, json!({ "id": type_id })).await)["ticketType"].clone();
    let keys: Vec<&str> =
        seen["publishedForm"]["components"].as_array().unwrap().iter().map(|c| c["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["subject", "note"]);
    assert!(seen["publishedForm"]["roleForms"].is_null(), "{seen}");
    assert_eq!(
        seen["startFields"],
        json!([{ "key": "subject", "access": "EDITABLE" }, { "key": "note", "access": "READ_ONLY" }])
    );
    let admin_sees = data(server.graphql(Some(&admin), start, json!({ "id": type_id })).await)["ticketType"].clone();
    assert_eq!(admin_sees["startFields"].as_array().unwrap().len(), 3);

    let open = |title: &str, values: Value| json!({ "input": { "typeId": type_id, "title": title, "values": values } });
    let refused = server.graphql(Some(&agent), OPEN, open("Mine", json!({ "subject": "x", "salary": 1 }))).await;
    assert_eq!(error_code(&refused), "ticket.invalid_values");
    let opened = server.graphql(Some(&admin), OPEN, open("Offer", json!({ "subject": "Offer", "salary": 9000 }))).await;
    let ticket_id = data(opened)["openTicket"]["aggregateId"].as_str().unwrap().to_owned();

    // The agent's read of the ticket (theirs to check) lacks the salary everywhere.
    let read = "query($id: UUID!) { ticket(id: $id) { values form tasks { token fields { key access } } } }";
    let theirs = data(server.graphql(Some(&agent), read, json!({ "id": ticket_id })).await)["ticket"].clone();
    assert_eq!(theirs["values"], json!({ "subject": "Offer" }));
    assert!(!theirs["form"].to_string().contains("salary"), "{theirs}");
    assert_eq!(
        theirs["tasks"][0]["fields"],
        json!([{ "key": "note", "access": "READ_ONLY" }, { "key": "salary", "access": "HIDDEN" }])
    );
    let full = data(server.graphql(Some(&admin), read, json!({ "id": ticket_id })).await)["ticket"].clone();
    assert_eq!(full["values"]["salary"], json!(9000));
    // A search on the salary tells the agent nothing either way.
    let list = "query($filter: TicketFilter) { tickets(filter: $filter) { total } }";
    for op in ["NOT_EMPTY", "IS_EMPTY"] {
        let filter = json!({ "filter": { "conditions": [{ "field": "salary", "op": op }] } });
        assert_eq!(data(server.graphql(Some(&agent), list, filter.clone()).await)["tickets"]["total"], 0, "{op}");
    }
    let filter = json!({ "filter": { "conditions": [{ "field": "salary", "op": "NOT_EMPTY" }] } });
    assert_eq!(data(server.graphql(Some(&admin), list, filter).await)["tickets"]["total"], 1);

    // The step lets the note be edited, the agent's form does not.
    let complete = "mutation($input: CompleteTicketTaskInput!) { completeTicketTask(input: $input) { lastPosition } }";
    let token = theirs["tasks"][0]["token"].clone();
    let with_note = json!({ "input": { "ticketId": ticket_id, "token": token, "values": { "note": "fine" } } });
    assert_eq!(error_code(&server.graphql(Some(&agent), complete, with_note).await), "ticket.invalid_values");
    let done = json!({ "input": { "ticketId": ticket_id, "token": token, "values": {} } });
    data(server.graphql(Some(&agent), complete, done).await);
    let after = data(server.graphql(Some(&admin), read, json!({ "id": ticket_id })).await)["ticket"].clone();
    assert_eq!(after["values"]["salary"], json!(9000), "nothing the agent could not see was lost");
}

#[tokio::test]
async fn rich_text_is_cleaned_and_an_approval_records_who_decided() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let demo_password = server.demo_password.clone().expect("a demo password");
    let agent = server.login("demo", "agent1", &demo_password).await;
    let agent_id = data(server.graphql(Some(&agent), ME, json!({})).await)["me"]["id"].as_str().unwrap().to_owned();
    let form = json!({ "type": "default", "components": [
        { "type": "hotline-month", "key": "month", "label": "Month" },
        { "type": "hotline-phone", "key": "phone", "label": "Phone" },
        { "type": "hotline-richtext", "key": "notes", "label": "Notes" },
        { "type": "hotline-hidden", "key": "source", "defaultValue": "web" },
        { "type": "hotline-approval", "key": "decision", "label": "Approval" },
    ] });
    let input = json!({ "input": { "name": "Refund", "description": "", "form": form } });
    let type_id = data(server.graphql(Some(&admin), CREATE_TYPE, input).await)["createTicketType"]["aggregateId"]
        .as_str()
        .unwrap()
        .to_owned();
    // The agents' step decides.
    let workflow = check_by_agents().replace("salary=editable,note=editable", "decision=editable");
    data(server.graphql(Some(&admin), PUBLISH, json!({ "input": { "typeId": type_id, "bpmnXml": workflow } })).await);

    let open = |values: Value| json!({ "input": { "typeId": type_id, "title": "Refund", "values": values } });
    let refused = server.graphql(Some(&admin), OPEN, open(json!({ "month": "2026-13", "phone": "call me" }))).await;
    assert_eq!(error_fields(&refused), ["month", "phone"]);
    let values = json!({
        "month": "2026-11", "phone": "021-5550 1234", "source": "web",
        "notes": "<p>Refund <strong>now</strong><script>alert(1)</script><img src=\"x\" onerror=\"alert(1)\"></p>"
    });
    let opened = data(server.graphql(Some(&admin), OPEN, open(values)).await);
    let ticket_id = opened["openTicket"]["aggregateId"].as_str().unwrap().to_owned();
    let read = "query($id: UUID!) { ticket(id: $id) { values references { kind id label } tasks { token } } }";
    let ticket = data(server.graphql(Some(&agent), read, json!({ "id": ticket_id })).await)["ticket"].clone();
    assert_eq!(ticket["values"]["notes"], "<p>Refund <strong>now</strong><img src=\"x\"></p>", "no script is kept");
    assert_eq!(
        (ticket["values"]["month"].as_str(), ticket["values"]["source"].as_str()),
        (Some("2026-11"), Some("web"))
    );

    // The browser cannot say who decided.
    let complete = "mutation($input: CompleteTicketTaskInput!) { completeTicketTask(input: $input) { lastPosition } }";
    let decision =
        json!({ "decision": "approved", "comment": "Within policy", "by": uuid_text(7), "at": "2020-01-01T00:00:00Z" });
    let token = ticket["tasks"][0]["token"].clone();
    let wrong = json!({ "decision": "maybe" });
    let refused = json!({ "input": { "ticketId": ticket_id, "token": token, "values": { "decision": wrong } } });
    assert_eq!(error_fields(&server.graphql(Some(&agent), complete, refused).await), ["decision"]);
    let done = json!({ "input": { "ticketId": ticket_id, "token": token, "values": { "decision": decision } } });
    data(server.graphql(Some(&agent), complete, done).await);
    let ticket = data(server.graphql(Some(&agent), read, json!({ "id": ticket_id })).await)["ticket"].clone();
    let approval = &ticket["values"]["decision"];
    assert_eq!(
        (approval["decision"].as_str(), approval["comment"].as_str()),
        (Some("approved"), Some("Within policy"))
    );
    assert_eq!(approval["by"], agent_id.as_str(), "{approval}");
    assert!(approval["at"].as_str().is_some_and(|at| !at.starts_with("2020")), "{approval}");
    assert_eq!(labels(&ticket["references"]), ["Demo agent one"], "the form names who decided");
}

fn uuid_text(number: u128) -> String {
    uuid::Uuid::from_u128(number).to_string()
}
