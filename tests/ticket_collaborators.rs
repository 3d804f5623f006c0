//! Outside collaborators end to end, through the real binary: a step assigned to the address
//! in a form field is mailed a signed link (to an SMTP relay the test runs); the link opens
//! the step's part of the form without a log-in and completes the step once; a person may
//! send another link; a tampered link opens nothing.

mod common;

use std::time::Duration;

use common::smtp::{SmtpSink, SunkMail};
use common::tickets::{CREATE_TYPE, OPEN, PUBLISH, SETTINGS, create_dictionary};
use common::{Location, Server, error_code, http_client};
use serde_json::{Value, json};

const SEND_LINK: &str = "mutation($input: SendTicketLinkInput!) { sendTicketLink(input: $input) { lastPosition } }";
const TICKET: &str = "query($id: UUID!) { ticket(id: $id) { number values \
     tasks { token stepName candidateKind candidateId candidateName mine linkExpiresAt } \
     history { kind actorName stepName text } } }";
const MAIL_WAIT: Duration = Duration::from_secs(20);
const SUPPLIER: &str = "supplier@mail.example";

fn data(response: Value) -> Value {
    assert!(response["errors"].is_null(), "unexpected errors: {response}");
    response["data"].clone()
}

fn form() -> Value {
    json!({ "type": "default", "components": [
        { "type": "textfield", "key": "reason", "label": "Reason" },
        { "type": "textfield", "key": "supplier", "label": "Supplier's address" },
        { "type": "textfield", "key": "internal", "label": "Internal note" },
        { "type": "number", "key": "amount", "label": "Quote", "validate": { "min": 0 } }
    ], "mobileLayout": { "components": [
        { "type": "number", "key": "amount", "label": "Quote" },
        { "type": "textfield", "key": "internal", "label": "Note" },
        { "type": "textfield", "key": "reason", "label": "Why" }
    ] } })
}

const WORKFLOW: &str = r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:hotline="https://hotline.example/schema/bpmn" id="d">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="quote" />
    <bpmn:userTask id="quote" name="Quote" hotline:assignee="external-field:supplier" hotline:fields="amount=required,reason=readonly" hotline:link-lifetime="P2D" />
    <bpmn:sequenceFlow id="f2" sourceRef="quote" targetRef="check" />
    <bpmn:userTask id="check" name="Check" hotline:assignee="starter" />
    <bpmn:sequenceFlow id="f3" sourceRef="check" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"#;

/// The link a mail carries (the fragment after `/collaborate#`), and the whole address.
fn link_in(mail: &SunkMail) -> (String, String) {
    let text = mail.body_text();
    let url = text
        .split_whitespace()
        .find(|word| word.contains("/collaborate#"))
        .unwrap_or_else(|| panic!("no link in {text}"))
        .to_owned();
    let link = url.rsplit_once("/collaborate#").unwrap().1.to_owned();
    (link, url)
}

/// Who sends a request: a user (their token) or an outside collaborator (their link, in the
/// header the page sends it in).
#[derive(Clone, Copy)]
enum Caller<'a> {
    User(&'a str),
    Link(&'a str),
}

fn request(server: &Server, method: reqwest::Method, path: &str, caller: Caller) -> reqwest::RequestBuilder {
    let request = http_client().request(method, format!("{}{path}", server.base_url));
    match caller {
        Caller::User(token) => request.bearer_auth(token),
        Caller::Link(link) => request.header("x-ticket-link", link),
    }
}

async fn answer(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn page(server: &Server, link: &str) -> (u16, Value) {
    answer(request(server, reqwest::Method::GET, "/api/ticket-link", Caller::Link(link))).await
}

async fn submit(server: &Server, link: &str, values: Value) -> (u16, Value) {
    answer(
        request(server, reqwest::Method::POST, "/api/ticket-link", Caller::Link(link))
            .json(&json!({ "values": values })),
    )
    .await
}

/// A server mailing through a sink, with the support address set; the admin's and agent1's
/// tokens.
async fn start_with_mail() -> (SmtpSink, Server, String, String) {
    let sink = SmtpSink::start().await;
    let server = Server::start_with(&Location::embedded(), &[("HOTLINE_SMTP_RELAY", &sink.url())]);
    let admin = server.demo_admin_token().await;
    let password = server.demo_password.clone().unwrap();
    let agent = server.login("demo", "agent1", &password).await;
    let settings = json!({ "input": { "organisationName": "Demo Care", "logoUrl": "", "copyright": "",
        "hotlineNumber": "", "websiteUrl": "", "supportEmail": "care@demo.example" } });
    data(server.graphql(Some(&admin), SETTINGS, settings).await);
    (sink, server, admin, agent)
}

/// Posts a small PDF to `path`.
async fn post_file(server: &Server, path: &str, caller: Caller<'_>) -> (u16, Value) {
    let request = request(server, reqwest::Method::POST, path, caller)
        .header("content-type", "application/pdf")
        .header("x-file-name", "invoice.pdf")
        .body(b"%PDF-1.7 invoice".to_vec());
    answer(request).await
}

#[tokio::test]
async fn an_outside_collaborator_does_their_step_through_the_mailed_link() {
    let (sink, server, admin, agent) = start_with_mail().await;

    // A phone layout may only lay out the form's own fields.
    let mut stray = form();
    stray["mobileLayout"]["components"][1]["key"] = json!("margin");
    let input = json!({ "input": { "name": "Stray", "description": "", "form": stray } });
    let refused = server.graphql(Some(&admin), CREATE_TYPE, input).await;
    assert_eq!(error_code(&refused), "ticket_type.invalid_form", "{refused}");

    // Escalating to an outsider cannot be published.
    let input = json!({ "input": { "name": "Supplier quotes", "description": "", "form": form() } });
    let type_id =
        data(server.graphql(Some(&admin), CREATE_TYPE, input).await)["createTicketType"]["aggregateId"].clone();
    let escalating = WORKFLOW.replace(
        r#"hotline:assignee="starter""#,
        r#"hotline:due="PT1H" hotline:escalate="external:boss@mail.example""#,
    );
    let refused =
        server.graphql(Some(&admin), PUBLISH, json!({ "input": { "typeId": type_id, "bpmnXml": escalating } })).await;
    assert_eq!(error_code(&refused), "ticket_type.invalid_workflow", "{refused}");
    data(server.graphql(Some(&admin), PUBLISH, json!({ "input": { "typeId": type_id, "bpmnXml": WORKFLOW } })).await);

    let values = json!({ "reason": "Broken on arrival", "supplier": SUPPLIER, "internal": "Margin 40%" });
    let open = json!({ "input": { "typeId": type_id, "title": "Replace the printer", "values": values } });
    let ticket_id =
        data(server.graphql(Some(&agent), OPEN, open).await)["openTicket"]["aggregateId"].as_str().unwrap().to_owned();

    // The supplier is mailed a link, from the support address, naming the ticket and step.
    let first = sink.wait_for(MAIL_WAIT, |mail| mail.recipients == [SUPPLIER]).await;
    let ticket = data(server.graphql(Some(&agent), TICKET, json!({ "id": ticket_id })).await)["ticket"].clone();
    let number = ticket["number"].as_str().unwrap();
    assert!(first.header("Subject").unwrap().contains(number), "{first:?}");
    assert!(first.header("From").unwrap().contains("<care@demo.example>"), "{first:?}");
    let (link, url) = link_in(&first);
    assert!(url.starts_with(&format!("{}/collaborate#", server.base_url)), "{url}");
    assert!(first.body_text().contains("Demo Care asks you to fill in the step \"Quote\""));
    let task = &ticket["tasks"][0];
    assert_eq!(
        (task["candidateKind"].as_str(), task["candidateName"].as_str(), task["mine"].as_bool()),
        (Some("EXTERNAL"), Some(SUPPLIER), Some(false)),
        "{ticket}"
    );
    // The step's links live two days, not the default seven.
    let expires_at: chrono::DateTime<chrono::Utc> = task["linkExpiresAt"].as_str().unwrap().parse().unwrap();
    let lives = expires_at - chrono::Utc::now();
    assert!(lives > chrono::Duration::hours(47) && lives <= chrono::Duration::hours(48), "{ticket}");

    // The page shows the step's fields only: not the internal note, nor the address field.
    let (status, shown) = page(&server, &link).await;
    assert_eq!(status, 200, "{shown}");
    assert_eq!(
        (shown["organisation"].as_str(), shown["ticketNumber"].as_str(), shown["stepName"].as_str()),
        (Some("Demo Care"), Some(number), Some("Quote"))
    );
    assert_eq!(shown["values"], json!({ "reason": "Broken on arrival" }));
    assert_eq!(
        shown["fields"],
        json!([{ "key": "amount", "access": "REQUIRED" }, { "key": "reason", "access": "READ_ONLY" }])
    );
    let keys = |components: &Value| -> Vec<String> {
        let components = components.as_array().unwrap().iter();
        components.filter_map(|component| component["key"].as_str().map(str::to_owned)).collect()
    };
    assert_eq!(keys(&shown["form"]["components"]), ["reason", "amount"]);
    assert_eq!(keys(&shown["form"]["mobileLayout"]["components"]), ["amount", "reason"], "the phone layout too");

    // A tampered link opens nothing.
    let (body, tag) = link.split_once('.').unwrap();
    let tampered = format!("{body}x.{tag}");
    let (status, problem) = page(&server, &tampered).await;
    assert_eq!((status, problem["code"].as_str()), (404, Some("ticket.link_invalid")), "{problem}");
    let (status, problem) = submit(&server, "not-a-link", json!({ "amount": 1 })).await;
    assert_eq!((status, problem["code"].as_str()), (404, Some("ticket.link_invalid")), "{problem}");
    // Without the link (it travels in a header, never in the URL) there is nothing to open.
    let (status, problem) = answer(http_client().get(format!("{}/api/ticket-link", server.base_url))).await;
    assert_eq!((status, problem["code"].as_str()), (404, Some("ticket.link_invalid")), "{problem}");

    // An agent sends another link, which revokes the first.
    let input = json!({ "input": { "ticketId": ticket_id, "token": task["token"] } });
    data(server.graphql(Some(&agent), SEND_LINK, input).await);
    let second = sink.wait_for(MAIL_WAIT, |mail| mail.recipients == [SUPPLIER] && link_in(mail).0 != link).await;
    let (second_link, _) = link_in(&second);
    assert_eq!(page(&server, &second_link).await.0, 200);
    let (status, problem) = page(&server, &link).await;
    assert_eq!((status, problem["code"].as_str()), (410, Some("ticket.link_superseded")), "{problem}");
    let (status, problem) = submit(&server, &link, json!({ "amount": 120 })).await;
    assert_eq!((status, problem["code"].as_str()), (410, Some("ticket.link_superseded")), "{problem}");

    // The step has no upload field: the link takes no file.
    let (status, problem) = post_file(&server, "/api/ticket-link/files", Caller::Link(&second_link)).await;
    assert_eq!((status, problem["code"].as_str()), (403, Some("ticket.upload_not_allowed")), "{problem}");

    // Bad values are refused with the fields named, and nothing moves.
    let (status, problem) = submit(&server, &second_link, json!({ "amount": -5 })).await;
    assert_eq!((status, problem["code"].as_str()), (422, Some("ticket.invalid_values")), "{problem}");
    assert_eq!(problem["fields"][0]["field"], "amount", "{problem}");
    let (status, problem) = submit(&server, &second_link, json!({ "amount": 120, "reason": "Mine now" })).await;
    assert_eq!((status, problem["code"].as_str()), (422, Some("ticket.invalid_values")), "{problem}");
    let (status, done) = submit(&server, &second_link, json!({ "amount": 120 })).await;
    assert_eq!((status, &done), (200, &json!({ "completed": true })));

    // Done once: no link opens the step again.
    let (status, problem) = submit(&server, &second_link, json!({ "amount": 130 })).await;
    assert_eq!((status, problem["code"].as_str()), (409, Some("ticket.no_such_task")), "{problem}");
    assert_eq!(page(&server, &link).await.0, 409);

    // The ticket moved on to the agent, with the quote, and its history says who did what.
    let ticket = data(server.graphql(Some(&agent), TICKET, json!({ "id": ticket_id })).await)["ticket"].clone();
    assert_eq!(ticket["values"]["amount"], 120, "{ticket}");
    assert_eq!(
        (ticket["tasks"][0]["stepName"].as_str(), ticket["tasks"][0]["mine"].as_bool()),
        (Some("Check"), Some(true))
    );
    let history: Vec<(&str, &str)> = ticket["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| (entry["kind"].as_str().unwrap(), entry["actorName"].as_str().unwrap()))
        .collect();
    assert_eq!(
        history,
        [
            ("opened", "Demo agent one"),
            ("link_sent", ""),
            ("link_sent", "Demo agent one"),
            ("task_completed", SUPPLIER)
        ],
        "{ticket}"
    );
    // A person's step takes no link.
    let input = json!({ "input": { "ticketId": ticket_id, "token": ticket["tasks"][0]["token"] } });
    let refused = server.graphql(Some(&agent), SEND_LINK, input).await;
    assert_eq!(error_code(&refused), "ticket.not_external", "{refused}");
}

#[tokio::test]
async fn a_collaborator_sees_names_and_files_of_their_step_and_uploads_their_own() {
    let (sink, server, admin, agent) = start_with_mail().await;
    let form = json!({ "type": "default", "components": [
        { "type": "textfield", "key": "supplier", "label": "Supplier's address" },
        { "type": "hotline-user", "key": "owner", "label": "Our contact" },
        { "type": "hotline-upload", "key": "brief", "label": "Brief" },
        { "type": "hotline-upload", "key": "invoice", "label": "Invoice" },
        { "type": "hotline-upload", "key": "internal", "label": "Internal files" },
        { "type": "hotline-query", "key": "region", "label": "Region", "source": "dictionary", "dictionary": "regions" }
    ] });
    let workflow = WORKFLOW
        .replace("amount=required,reason=readonly", "owner=readonly,brief=readonly,invoice=required,region=readonly");
    create_dictionary(&server, &admin, "regions", json!([{ "code": "east", "label": "East China" }])).await;
    let input = json!({ "input": { "name": "Supplier invoices", "description": "", "form": form } });
    let type_id =
        data(server.graphql(Some(&admin), CREATE_TYPE, input).await)["createTicketType"]["aggregateId"].clone();
    data(server.graphql(Some(&admin), PUBLISH, json!({ "input": { "typeId": type_id, "bpmnXml": workflow } })).await);

    let me = data(server.graphql(Some(&agent), "{ me { id } }", json!({})).await)["me"]["id"].clone();
    let (status, brief) = post_file(&server, "/api/ticket-files", Caller::User(&agent)).await;
    assert_eq!(status, 201, "{brief}");
    let (_, internal) = post_file(&server, "/api/ticket-files", Caller::User(&agent)).await;
    let values =
        json!({ "supplier": SUPPLIER, "owner": me, "brief": [brief], "internal": [internal], "region": "east" });
    let open = json!({ "input": { "typeId": type_id, "title": "Invoice for May", "values": values } });
    let ticket_id =
        data(server.graphql(Some(&agent), OPEN, open).await)["openTicket"]["aggregateId"].as_str().unwrap().to_owned();
    let (link, _) = link_in(&sink.wait_for(MAIL_WAIT, |mail| mail.recipients == [SUPPLIER]).await);

    // The page names the contact and the region, not their id and code; the brief
    // downloads, the internal file not.
    let (status, shown) = page(&server, &link).await;
    assert_eq!(status, 200, "{shown}");
    assert_eq!(shown["references"], json!([{ "kind": "USER", "id": me, "label": "Demo agent one", "parentId": null }]));
    assert_eq!(shown["queryLabels"], json!([{ "field": "region", "value": "east", "label": "East China" }]));
    let file = |blob: &Value| {
        let path = format!("/api/ticket-link/files/{}", blob.as_str().unwrap());
        request(&server, reqwest::Method::GET, &path, Caller::Link(&link)).send()
    };
    assert_eq!(file(&brief["blobId"]).await.unwrap().status(), 200);
    assert_eq!(file(&internal["blobId"]).await.unwrap().status(), 404);

    // The supplier uploads the invoice through the link and sends it with the step.
    let (status, invoice) = post_file(&server, "/api/ticket-link/files", Caller::Link(&link)).await;
    assert_eq!(status, 201, "{invoice}");
    let (status, done) = submit(&server, &link, json!({ "invoice": [invoice.clone()] })).await;
    assert_eq!((status, &done), (200, &json!({ "completed": true })));
    let ticket = data(server.graphql(Some(&agent), TICKET, json!({ "id": ticket_id })).await)["ticket"].clone();
    assert_eq!(ticket["values"]["invoice"], json!([invoice]));
    let blob = invoice["blobId"].as_str().unwrap();
    let download = http_client()
        .get(format!("{}/api/tickets/{ticket_id}/files/{blob}", server.base_url))
        .bearer_auth(&agent)
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.bytes().await.unwrap().as_ref(), b"%PDF-1.7 invoice");
}
