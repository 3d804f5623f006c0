//! A ticket exported through its type's Word and Excel templates, end to end through the
//! real binary: an administrator uploads templates whose placeholders are split over runs,
//! a template naming no field is refused with the placeholders it may use, the export fills
//! in the ticket's number, status (in the asked language), step and form values (options by
//! label; a Word table row per item of a dynamic list), and nobody outside the ticket's scope or tenant gets it or the templates.

mod common;

use std::io::{Cursor, Read, Write};

use common::tickets::{CREATE_TYPE, OPEN, PUBLISH, REVIEW_BY_STARTER as WORKFLOW, SETTINGS};
use common::{Location, Server, error_code};
use serde_json::{Value, json};

const TYPE_TEMPLATES: &str = "query($id: UUID!) { ticketType(id: $id) { exportTemplates { id name format \
     fileName size placeholders url } } }";
const TICKET_TEMPLATES: &str = "query($id: UUID!) { ticket(id: $id) { number exportTemplates { id name } } }";
const REMOVE: &str = "mutation($typeId: UUID!, $templateId: UUID!) { removeTicketExportTemplate(typeId: $typeId, \
     templateId: $templateId) { exportTemplates { name } } }";

fn data(response: Value) -> Value {
    assert!(response["errors"].is_null(), "unexpected errors: {response}");
    response["data"].clone()
}

fn archive(parts: &[(&str, String)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content) in parts {
        writer.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        writer.write_all(content.as_bytes()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// A Word document with one paragraph whose runs are `runs` (as Word splits typed text).
fn docx(runs: &[&str]) -> Vec<u8> {
    let runs: String = runs.iter().map(|text| format!("<w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r>")).collect();
    word_document(&format!("<w:p>{runs}</w:p>"))
}

/// A Word document whose body is `body`.
fn word_document(body: &str) -> Vec<u8> {
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
    );
    archive(&[("[Content_Types].xml", "<Types/>".to_owned()), ("word/document.xml", document)])
}

fn part(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip archive");
    let mut text = String::new();
    archive.by_name(name).expect(name).read_to_string(&mut text).unwrap();
    text
}

/// The text of a Word part, tags dropped.
fn text_of(xml: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for character in xml.chars() {
        match character {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => text.push(character),
            _ => {}
        }
    }
    text
}

async fn upload(server: &Server, token: &str, type_id: &str, file_name: &str, bytes: Vec<u8>) -> (u16, Value) {
    let response = server
        .http
        .post(format!("{}/api/ticket-types/{type_id}/export-templates", server.base_url))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .header("x-file-name", file_name)
        .body(bytes)
        .send()
        .await
        .expect("POST export-templates");
    (response.status().as_u16(), response.json().await.expect("a JSON answer"))
}

async fn get(server: &Server, token: &str, path: &str) -> reqwest::Response {
    server.http.get(format!("{}{path}", server.base_url)).bearer_auth(token).send().await.expect("GET")
}

#[tokio::test]
async fn a_ticket_exports_through_its_types_word_and_excel_templates() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let demo_password = server.demo_password.clone().expect("a demo password");
    let agent = server.login("demo", "agent1", &demo_password).await;

    let form = json!({ "type": "default", "components": [
        { "type": "textfield", "key": "order", "label": "Order" },
        { "type": "select", "key": "reason", "label": "Reason",
          "values": [{ "label": "Damaged in transit", "value": "damaged" }, { "label": "Late", "value": "late" }] },
        { "type": "dynamiclist", "path": "items", "label": "Items", "components": [
            { "type": "textfield", "key": "sku", "label": "SKU" },
            { "type": "number", "key": "qty", "label": "Quantity" },
        ] },
    ] });
    let input = json!({ "input": { "name": "Returns", "description": "", "form": form } });
    let type_id =
        data(server.graphql(Some(&admin), CREATE_TYPE, input).await)["createTicketType"]["aggregateId"].clone();
    let type_id = type_id.as_str().unwrap().to_owned();
    data(server.graphql(Some(&admin), PUBLISH, json!({ "input": { "typeId": type_id, "bpmnXml": WORKFLOW } })).await);

    // A Word template whose placeholders Word split over runs, and an Excel one.
    let letter = docx(&[
        "Ticket {{ticket.",
        "number}} ({{ticket.status}}, at {{ticket.step}}): order {{field.order}}, ",
        "{{field.reason}} &amp; {{ticket.type}}",
    ]);
    let (status, uploaded) = upload(&server, &admin, &type_id, "Return%20letter.docx", letter).await;
    assert_eq!(status, 201, "{uploaded}");
    assert_eq!(uploaded["name"], "Return letter");
    assert_eq!(uploaded["format"], "DOCX");
    assert_eq!(
        uploaded["placeholders"],
        json!(["ticket.number", "ticket.status", "ticket.step", "field.order", "field.reason", "ticket.type"])
    );
    let sheet = archive(&[
        ("xl/workbook.xml", "<workbook/>".to_owned()),
        (
            "xl/sharedStrings.xml",
            "<sst><si><t>{{ticket.title}}</t></si><si><t>{{field.order}}</t></si><si><t>{{ticket.opened_at}}</t></si>\
             </sst>"
                .to_owned(),
        ),
    ]);
    let (status, _) = upload(&server, &admin, &type_id, "summary.xlsx", sheet).await;
    assert_eq!(status, 201);

    // Templates that cannot work are refused, with what is wrong; nothing is kept of them.
    let (status, refused) = upload(&server, &admin, &type_id, "typo.docx", docx(&["{{field.ordr}}"])).await;
    assert_eq!((status, refused["code"].as_str()), (422, Some("ticket_type.invalid_template")), "{refused}");
    let detail = refused["detail"].as_str().unwrap();
    assert!(detail.contains("{{field.ordr}}") && detail.contains("{{field.order}}"), "{detail}");
    let (status, refused) = upload(&server, &admin, &type_id, "notes.txt", b"{{ticket.number}}".to_vec()).await;
    assert_eq!((status, refused["code"].as_str()), (422, Some("ticket_type.invalid_template")));
    let (status, refused) = upload(&server, &admin, &type_id, "broken.docx", b"PK not really".to_vec()).await;
    assert_eq!((status, refused["code"].as_str()), (422, Some("ticket_type.invalid_template")));
    let (status, refused) = upload(&server, &admin, &type_id, "RETURN LETTER.docx", docx(&["x"])).await;
    assert_eq!((status, refused["code"].as_str()), (422, Some("ticket_type.template_name_taken")));
    let (status, refused) = upload(&server, &agent, &type_id, "mine.docx", docx(&["x"])).await;
    assert_eq!((status, refused["code"].as_str()), (403, Some("auth.forbidden")), "{refused}");
    let listed = data(server.graphql(Some(&admin), TYPE_TEMPLATES, json!({ "id": type_id })).await);
    let templates = listed["ticketType"]["exportTemplates"].as_array().unwrap().clone();
    let names: Vec<&str> = templates.iter().map(|template| template["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Return letter", "summary"]);
    let template_file = get(&server, &admin, templates[0]["url"].as_str().unwrap()).await;
    assert_eq!(template_file.status(), 200);
    assert!(text_of(&part(&template_file.bytes().await.unwrap(), "word/document.xml")).contains("{{ticket."));

    // The admin's ticket, exported in Chinese: split placeholders filled, the option's label.
    let open = json!({ "input": { "typeId": type_id, "title": "Broken vase",
        "values": { "order": "A-1002", "reason": "damaged",
            "items": [{ "sku": "V-1", "qty": 2 }, { "sku": "V-2", "qty": 1 }] } } });
    let ticket_id = data(server.graphql(Some(&admin), OPEN, open).await)["openTicket"]["aggregateId"].clone();
    let ticket_id = ticket_id.as_str().unwrap().to_owned();
    let ticket =
        data(server.graphql(Some(&admin), TICKET_TEMPLATES, json!({ "id": ticket_id })).await)["ticket"].clone();
    assert_eq!(ticket["exportTemplates"].as_array().unwrap().len(), 2);
    let number = ticket["number"].as_str().unwrap().to_owned();
    let letter_id = templates[0]["id"].as_str().unwrap();
    let exported = get(&server, &admin, &format!("/api/tickets/{ticket_id}/export/{letter_id}?language=zh-CN")).await;
    assert_eq!(exported.status(), 200);
    let disposition = exported.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    let bytes = exported.bytes().await.unwrap();
    assert_eq!(
        text_of(&part(&bytes, "word/document.xml")),
        format!("Ticket {number} (处理中, at Review): order A-1002, Damaged in transit &amp; Returns")
    );
    // Times are written in the tenant's time zone.
    let zone = json!({ "input": { "organisationName": "Demo", "logoUrl": "", "copyright": "", "hotlineNumber": "",
        "websiteUrl": "", "timeZone": "Asia/Tokyo" } });
    data(server.graphql(Some(&admin), SETTINGS, zone).await);
    let summary_id = templates[1]["id"].as_str().unwrap();
    let mut strings = String::new();
    for _ in 0..50 {
        let exported = get(&server, &admin, &format!("/api/tickets/{ticket_id}/export/{summary_id}")).await;
        strings = part(&exported.bytes().await.unwrap(), "xl/sharedStrings.xml");
        if strings.contains(" Asia/Tokyo<") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(strings.contains(">Broken vase<") && strings.contains(">A-1002<"), "{strings}");
    assert!(strings.contains(" Asia/Tokyo<"), "the opening time in the tenant's zone: {strings}");
    let bad_language = get(&server, &admin, &format!("/api/tickets/{ticket_id}/export/{summary_id}?language=fr")).await;
    assert_eq!(bad_language.status(), 400);
    let misspelt = get(&server, &admin, &format!("/api/tickets/{ticket_id}/export/{summary_id}?lang=en")).await;
    assert_eq!(misspelt.status(), 400);
    assert_eq!(misspelt.json::<Value>().await.unwrap()["code"], "request.invalid", "problem+json, not plain text");

    // A Word table row naming the items' columns is a row per item.
    let cell = |text: &str| format!("<w:tc><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>");
    let rows = format!(
        "<w:tbl><w:tr>{}{}</w:tr><w:tr>{}{}</w:tr></w:tbl><w:p><w:r><w:t>All: {{{{field.items.sku}}}}</w:t></w:r></w:p>",
        cell("SKU"),
        cell("Qty"),
        cell("{{field.items.sku}}"),
        cell("{{field.items.qty}};")
    );
    let (status, lines) = upload(&server, &admin, &type_id, "lines.docx", word_document(&rows)).await;
    assert_eq!(status, 201, "{lines}");
    let lines_id = lines["id"].as_str().unwrap();
    let exported = get(&server, &admin, &format!("/api/tickets/{ticket_id}/export/{lines_id}")).await;
    let document = part(&exported.bytes().await.unwrap(), "word/document.xml");
    assert_eq!(text_of(&document), "SKUQtyV-12;V-21;All: V-1, V-2");
    assert_eq!(document.matches("<w:tr>").count(), 3, "{document}");

    // agent1 is not involved in the admin's ticket: it does not exist for them.
    let outside = get(&server, &agent, &format!("/api/tickets/{ticket_id}/export/{letter_id}")).await;
    assert_eq!(outside.status(), 404);
    assert_eq!(outside.json::<Value>().await.unwrap()["code"], "ticket.not_found");

    // Another tenant sees neither the templates nor the ticket.
    let tenant = json!({ "input": { "slug": "acme", "name": "Acme",
        "admin": { "username": "boss", "displayName": "Boss", "password": "acme password 1" } } });
    let create_tenant = "mutation($input: CreateTenantInput!) { createTenant(input: $input) { aggregateId } }";
    data(server.graphql(Some(&admin), create_tenant, tenant).await);
    let boss = server.login("acme", "boss", "acme password 1").await;
    assert_eq!(get(&server, &boss, templates[0]["url"].as_str().unwrap()).await.status(), 404);
    assert_eq!(get(&server, &boss, &format!("/api/tickets/{ticket_id}/export/{letter_id}")).await.status(), 404);
    let (status, _) = upload(&server, &boss, &type_id, "theirs.docx", docx(&["x"])).await;
    assert_eq!(status, 404, "the type is not the other tenant's");

    // Removing a template removes it from the type and the ticket's list, and its file.
    let removed = server.graphql(Some(&admin), REMOVE, json!({ "typeId": type_id, "templateId": letter_id })).await;
    let left = json!([{ "name": "lines" }, { "name": "summary" }]);
    assert_eq!(data(removed)["removeTicketExportTemplate"]["exportTemplates"], left);
    assert_eq!(get(&server, &admin, templates[0]["url"].as_str().unwrap()).await.status(), 404);
    let again = server.graphql(Some(&admin), REMOVE, json!({ "typeId": type_id, "templateId": letter_id })).await;
    assert_eq!(error_code(&again), "ticket_type.template_not_found");
}
