//! Ticket mail end to end, through the real binary: a step's reminder and its overdue notice
//! (with escalation) reach the people who may do it at an SMTP relay the test runs, and a
//! reply to the support address, sent to the server's SMTP listener, joins the ticket.
//! Mail that names no ticket, or goes to an address that is not a support address, is
//! refused; a mail delivered twice joins once.
//!
//! The step is due two seconds after it starts, with the reminder one second before: the
//! server's own clock runs the SLA (the domain's tests drive it with injected times).

mod common;

use std::time::Duration;

use common::smtp::{self, SmtpSink};
use common::tickets::{CREATE_TYPE, OPEN, PUBLISH, SETTINGS};
use common::{Location, Server, error_code};
use hotline_domain::access::BuiltInRole;
use serde_json::{Value, json};

const TICKET: &str = "query($id: UUID!) { ticket(id: $id) { number tasks { overdue dueAt remindAt } \
     history { kind actorName stepName text } } }";
const ME: &str = "{ users { username email } tenantSettings { supportEmail timeZone } }";
const UPDATE_USER: &str = "mutation($input: UpdateUserInput!) { updateUser(input: $input) { lastPosition } }";
/// Mail may take a tick of the SLA task, the follower and a tick of the outbox.
const MAIL_WAIT: Duration = Duration::from_secs(20);

fn data(response: Value) -> Value {
    assert!(response["errors"].is_null(), "unexpected errors: {response}");
    response["data"].clone()
}

fn workflow() -> String {
    let supervisor = BuiltInRole::Supervisor.id();
    format!(
        r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:hotline="https://hotline.example/schema/bpmn" id="d">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="handle" />
    <bpmn:userTask id="handle" name="Call back" hotline:assignee="starter" hotline:due="PT2S" hotline:remind="PT1S" hotline:escalate="role:{supervisor}" />
    <bpmn:sequenceFlow id="f2" sourceRef="handle" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"#
    )
}

async fn ticket(server: &Server, token: &str, id: &str) -> Value {
    data(server.graphql(Some(token), TICKET, json!({ "id": id })).await)["ticket"].clone()
}

fn mails_in(ticket: &Value) -> usize {
    ticket["history"]
        .as_array()
        .map_or(0, |history| history.iter().filter(|entry| entry["kind"] == "mail_received").count())
}

/// The ticket once `ready` holds of it, read again until then (up to `MAIL_WAIT`).
async fn ticket_until(server: &Server, token: &str, id: &str, ready: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + MAIL_WAIT;
    loop {
        let found = ticket(server, token, id).await;
        if ready(&found) {
            return found;
        }
        assert!(tokio::time::Instant::now() < deadline, "the ticket never got there: {found}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn reminders_reach_the_relay_and_replies_join_the_ticket() {
    let sink = SmtpSink::start().await;
    let server = Server::start_with(&Location::embedded(), &[("HOTLINE_SMTP_RELAY", &sink.url())]);
    let smtp_address = server.smtp_address.clone().expect("the SMTP listener is on");
    let admin = server.demo_admin_token().await;
    let password = server.demo_password.clone().unwrap();
    let agent = server.login("demo", "agent1", &password).await;

    // The support address and the time zone: bad input is refused and changes nothing.
    let settings = |support: &str, time_zone: &str| {
        json!({ "input": { "organisationName": "Demo Care", "logoUrl": "", "copyright": "", "hotlineNumber": "",
            "websiteUrl": "", "supportEmail": support, "timeZone": time_zone } })
    };
    let refused = server.graphql(Some(&admin), SETTINGS, settings("care at demo", "")).await;
    assert_eq!(error_code(&refused), "tenant.invalid_support_email", "{refused}");
    let refused = server.graphql(Some(&admin), SETTINGS, settings("care@demo.example", "Mars/Olympus_Mons")).await;
    assert_eq!(error_code(&refused), "tenant.invalid_time_zone", "{refused}");
    data(server.graphql(Some(&admin), SETTINGS, settings("Care@Demo.Example", "Asia/Shanghai")).await);
    let seen = data(server.graphql(Some(&admin), ME, json!({})).await);
    assert_eq!(seen["tenantSettings"]["supportEmail"], "Care@demo.example", "the domain is lower-cased");
    assert_eq!(seen["tenantSettings"]["timeZone"], "Asia/Shanghai");
    let agent1 = seen["users"].as_array().unwrap().iter().find(|user| user["username"] == "agent1").unwrap().clone();
    assert_eq!(agent1["email"], "agent1@demo.example", "the demo users have addresses");

    // A user's address is checked too.
    let users = "{ users { id username displayName roleIds } }";
    let listed = data(server.graphql(Some(&admin), users, json!({})).await);
    let agent2 = listed["users"].as_array().unwrap().iter().find(|user| user["username"] == "agent2").unwrap().clone();
    let update = |email: &str| {
        json!({ "input": { "userId": agent2["id"], "displayName": agent2["displayName"], "roleIds": agent2["roleIds"],
            "email": email } })
    };
    let refused = server.graphql(Some(&admin), UPDATE_USER, update("agent2 at demo")).await;
    assert_eq!(error_code(&refused), "user.invalid_email", "{refused}");

    let input = json!({ "input": { "name": "Call-backs", "description": "", "form": { "type": "default", "components": [] } } });
    let type_id =
        data(server.graphql(Some(&admin), CREATE_TYPE, input).await)["createTicketType"]["aggregateId"].clone();
    data(server.graphql(Some(&admin), PUBLISH, json!({ "input": { "typeId": type_id, "bpmnXml": workflow() } })).await);
    let open = json!({ "input": { "typeId": type_id, "title": "Ring Vera back", "values": {} } });
    let ticket_id =
        data(server.graphql(Some(&agent), OPEN, open).await)["openTicket"]["aggregateId"].as_str().unwrap().to_owned();
    let opened = ticket(&server, &agent, &ticket_id).await;
    let number = opened["number"].as_str().unwrap().to_owned();
    assert!(opened["tasks"][0]["remindAt"].is_string(), "{opened}");

    // The reminder goes to the agent (the starter does the step), from the support address.
    let to = |address: &'static str, subject: &'static str| {
        let number = number.clone();
        move |mail: &smtp::SunkMail| {
            mail.recipients == [address]
                && mail.header("Subject").is_some_and(|value| value.contains(&number) && value.contains(subject))
        }
    };
    let reminder = sink.wait_for(MAIL_WAIT, to("agent1@demo.example", "Reminder")).await;
    assert!(reminder.header("From").unwrap().contains("<Care@demo.example>"), "{reminder:?}");
    let text = reminder.body_text();
    assert!(text.contains("The step \"Call back\" of ticket"), "{text}");
    assert!(text.contains("步骤「Call back」"), "{text}");
    assert!(text.contains(" Asia/Shanghai"), "the due time in the tenant's zone: {text}");
    // Then the step is overdue: the agent is told, and the supervisors (the escalation).
    sink.wait_for(MAIL_WAIT, to("agent1@demo.example", "Overdue")).await;
    let escalated = sink.wait_for(MAIL_WAIT, to("supervisor@demo.example", "Overdue")).await;
    assert!(escalated.body_text().contains("It has been escalated to you."), "{escalated:?}");

    // Administrators see the mail that went out (never its body); agents do not.
    let outbox = "query($status: MailStatus) { mailOutbox(status: $status) { total items { id toAddress subject \
         status attempts nextAttemptAt sentAt lastError } } }";
    let mut sent = Value::Null;
    for _ in 0..100 {
        sent = data(server.graphql(Some(&admin), outbox, json!({ "status": "SENT" })).await)["mailOutbox"].clone();
        if sent["total"] == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(sent["total"], 3, "the reminder and two overdue notices, sent: {sent}");
    let first = &sent["items"][0];
    assert!(first["subject"].as_str().unwrap().contains(&number), "{first}");
    assert_eq!((first["attempts"].as_u64(), first["nextAttemptAt"].is_null()), (Some(1), true), "{first}");
    assert!(first["sentAt"].is_string(), "{first}");
    let with_body = server.graphql(Some(&admin), "{ mailOutbox { items { body } } }", json!({})).await;
    assert!(!with_body["errors"].is_null(), "the outbox has no bodies: {with_body}");
    let forbidden = server.graphql(Some(&agent), outbox, json!({})).await;
    assert_eq!(error_code(&forbidden), "auth.forbidden");
    let retry = "mutation($id: UUID!) { retryMail(id: $id) { status } }";
    let not_dead = server.graphql(Some(&admin), retry, json!({ "id": first["id"] })).await;
    assert_eq!(error_code(&not_dead), "mail.not_dead");
    let unknown = server.graphql(Some(&admin), retry, json!({ "id": uuid::Uuid::now_v7() })).await;
    assert_eq!(error_code(&unknown), "mail.not_found");
    let overdue = ticket_until(&server, &agent, &ticket_id, |ticket| ticket["tasks"][0]["overdue"] == true).await;
    assert_eq!(overdue["tasks"][0]["overdue"], true, "{overdue}");
    let kinds: Vec<&str> =
        overdue["history"].as_array().unwrap().iter().map(|entry| entry["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["opened", "reminded", "overdue"], "one reminder, one overdue notice: {overdue}");
    assert_eq!(overdue["history"][2]["text"], "Supervisor", "{overdue}");

    // The agent replies: the reply joins the ticket under their name, without the quote.
    let reply = format!(
        "From: Demo agent one <agent1@demo.example>\r\nTo: care@demo.example\r\nSubject: Re: [{number}] Overdue\r\n\
         Message-ID: <reply-1@demo.example>\r\n\r\nCalled her, all sorted.\r\n\r\nOn Sat, care wrote:\r\n> Hello\r\n"
    );
    let codes = smtp::send(&smtp_address, "agent1@demo.example", "care@demo.example", &reply).await;
    assert_eq!(codes, [220, 250, 250, 250, 354, 250]);
    // Delivered twice (a relay retrying): it joins once.
    let codes = smtp::send(&smtp_address, "agent1@demo.example", "care@demo.example", &reply).await;
    assert_eq!(codes.last(), Some(&250));
    // The listener answers once the reply is in the log; the read model follows.
    let replied = ticket_until(&server, &agent, &ticket_id, |ticket| mails_in(ticket) > 0).await;
    let mails: Vec<&Value> =
        replied["history"].as_array().unwrap().iter().filter(|entry| entry["kind"] == "mail_received").collect();
    assert_eq!(mails.len(), 1, "{replied}");
    assert_eq!(
        (mails[0]["actorName"].as_str(), mails[0]["text"].as_str()),
        (Some("Demo agent one"), Some("Called her, all sorted."))
    );

    // Mail from outside joins under its address; mail naming no ticket bounces; an address
    // that is no tenant's support address is refused at RCPT.
    let outside = format!("From: vera@mail.example\r\nSubject: {number}\r\n\r\nThank you!\r\n");
    assert_eq!(smtp::send(&smtp_address, "vera@mail.example", "care@demo.example", &outside).await.last(), Some(&250));
    let unnumbered = "From: vera@mail.example\r\nSubject: Hello\r\n\r\nHi\r\n";
    assert_eq!(
        smtp::send(&smtp_address, "vera@mail.example", "care@demo.example", unnumbered).await.last(),
        Some(&554)
    );
    let unknown = smtp::send(&smtp_address, "vera@mail.example", "nobody@demo.example", &outside).await;
    assert_eq!(unknown.last(), Some(&550));
    let last = ticket_until(&server, &agent, &ticket_id, |ticket| mails_in(ticket) == 2).await;
    let entry = last["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (entry["kind"].as_str(), entry["actorName"].as_str()),
        (Some("mail_received"), Some("vera@mail.example"))
    );
}
