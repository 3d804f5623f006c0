//! Customer profiles end to end, through the real binary: tenant fields, sealed profiles,
//! queries, a 10,000-row import with bad rows, export, and "forget this customer" leaving
//! no readable trace while the log still verifies.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{Location, Server, WAIT, error_code, run_cli};
use hotline_domain::customer::{FieldDefinition, FieldType};
use serde_json::{Value, json};

const NAME: &str = "张三丰 Zhang Sanfeng";
const PHONE: &str = "+86 138 0013 8000";
/// A valid PRC ID-card number (its check digit is X).
const ID_CARD: &str = "11010519491231002X";

async fn gql(server: &Server, token: &str, query: &str, variables: Value) -> Value {
    let response = server.graphql(Some(token), query, variables).await;
    assert!(response.get("errors").is_none(), "{query}: {response}");
    response["data"].clone()
}

fn tenant_fields() -> Vec<FieldDefinition> {
    let field = |key: &str, field_type, required| FieldDefinition {
        key: key.into(),
        label: key.to_uppercase(),
        field_type,
        required,
        max_length: None,
        enabled: true,
        sort_order: 0,
    };
    vec![
        field("city", FieldType::Text, true),
        field("id_card", FieldType::IdCard, false),
        field("vip", FieldType::Number, false),
    ]
}

/// Polls `customers` until its total is `expected` (the read model follows the log).
async fn wait_for_total(server: &Server, token: &str, expected: u64) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT * 3;
    loop {
        let page = gql(server, token, "{ customers(first: 1) { total } }", json!({})).await;
        if page["customers"]["total"].as_u64() == Some(expected) {
            return page;
        }
        assert!(tokio::time::Instant::now() < deadline, "the customers read model stays at {page}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn file_contains(path: &std::path::Path, needle: &str) -> bool {
    std::fs::read(path).is_ok_and(|bytes| bytes.windows(needle.len()).any(|window| window == needle.as_bytes()))
}

#[tokio::test]
async fn customers_are_defined_queried_imported_exported_and_forgotten_without_a_trace() {
    let location = Location::embedded();
    let mut server = Server::start(&location);
    let admin = server.demo_admin_token().await;

    let define = "mutation($f: [CustomerFieldInput!]!) { defineCustomerFields(fields: $f) { key builtIn } }";
    let fields = json!([
        {"key": "city", "label": "CITY", "fieldType": "TEXT", "required": true, "enabled": true, "sortOrder": 0},
        {"key": "id_card", "label": "ID_CARD", "fieldType": "ID_CARD", "required": false, "enabled": true, "sortOrder": 0},
        {"key": "vip", "label": "VIP", "fieldType": "NUMBER", "required": false, "enabled": true, "sortOrder": 0},
    ]);
    let defined = gql(&server, &admin, define, json!({"f": fields})).await;
    assert_eq!(defined["defineCustomerFields"].as_array().unwrap().len(), 6, "three built in, three the tenant's");

    let create = "mutation($v: [FieldValueInput!]!) { createCustomer(values: $v) { id name values { key value } } }";
    let bad = server
        .graphql(
            Some(&admin),
            create,
            json!({"v": [{"key": "name", "value": "X"}, {"key": "city", "value": "Xi'an"}, {"key": "id_card", "value": "110105194912310021"}]}),
        )
        .await;
    assert_eq!(error_code(&bad), "customer.invalid_values");
    assert_eq!(bad["errors"][0]["extensions"]["fields"][0]["field"], "id_card", "{bad}");
    let created = gql(
        &server,
        &admin,
        create,
        json!({"v": [
            {"key": "name", "value": NAME}, {"key": "phone", "value": PHONE}, {"key": "city", "value": "Hangzhou"},
            {"key": "id_card", "value": ID_CARD.to_lowercase()}, {"key": "vip", "value": "3"},
        ]}),
    )
    .await;
    let zhang = created["createCustomer"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["createCustomer"]["name"], NAME);

    // Queries: a condition on a tenant field, case-insensitive; a saved query.
    let find = "query($c: [QueryConditionInput!]) { customers(conditions: $c) { total items { id name } } }";
    let hangzhou = json!({"c": [{"field": "city", "op": "EQUALS", "value": "hangzhou"}]});
    let found = gql(&server, &admin, find, hangzhou.clone()).await;
    assert_eq!(found["customers"]["items"][0]["id"], zhang.as_str());
    let refused =
        server.graphql(Some(&admin), find, json!({"c": [{"field": "vip", "op": "CONTAINS", "value": "3"}]})).await;
    assert_eq!(error_code(&refused), "customer.invalid_query");
    let save = "mutation($i: SavedCustomerQueryInput!) { saveCustomerQuery(input: $i) { id name mine } }";
    let saved = gql(&server, &admin, save, json!({"i": {
        "name": "Hangzhou VIPs", "shared": true, "sortDescending": false,
        "conditions": [{"field": "city", "op": "EQUALS", "value": "Hangzhou"}, {"field": "vip", "op": "GREATER_THAN", "value": "2"}],
    }}))
    .await;
    assert_eq!(saved["saveCustomerQuery"]["mine"], true);
    let duplicates = gql(
        &server,
        &admin,
        "query($v: [FieldValueInput!]!) { customerDuplicates(values: $v) { id } }",
        json!({"v": [{"key": "phone", "value": "+8613800138000"}]}),
    )
    .await;
    assert_eq!(duplicates["customerDuplicates"][0]["id"], zhang.as_str());

    // Import 10,000 rows: every 1,000th has a bad ID-card number, one repeats Zhang's phone.
    let rows: Vec<BTreeMap<String, String>> = (1..=10_000)
        .map(|number| {
            let mut row = BTreeMap::from([
                ("name".to_owned(), format!("Customer {number}")),
                ("phone".to_owned(), format!("+86 139 {number:08}")),
                ("city".to_owned(), if number % 2 == 0 { "Shanghai" } else { "Beijing" }.to_owned()),
                ("vip".to_owned(), (number % 5).to_string()),
            ]);
            if number % 1000 == 0 {
                row.insert("id_card".to_owned(), "110105194912310021".to_owned());
            }
            if number == 77 {
                row.insert("phone".to_owned(), PHONE.to_owned());
            }
            row
        })
        .collect();
    let sheet = hotline_command_api::customers::excel::export(&tenant_fields(), &rows).unwrap();
    let response = server
        .http
        .post(format!("{}/api/customers/import", server.base_url))
        .bearer_auth(&admin)
        .header("content-type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .body(sheet)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(
        (report["imported"].as_u64(), report["failed"].as_u64(), report["duplicates"].as_u64()),
        (Some(9_989), Some(10), Some(1)),
        "{}",
        &report.to_string()[..500.min(report.to_string().len())]
    );
    let bad_rows: Vec<u64> =
        report["errors"].as_array().unwrap().iter().map(|error| error["row"].as_u64().unwrap()).collect();
    assert!(
        bad_rows.contains(&(77 + 2)),
        "sheet row 79 (data row 77, after two header rows) is the duplicate: {bad_rows:?}"
    );
    assert_eq!(bad_rows.len(), 11);
    wait_for_total(&server, &admin, 9_990).await;
    // Not a spreadsheet: a clear refusal.
    let garbage = server
        .http
        .post(format!("{}/api/customers/import", server.base_url))
        .bearer_auth(&admin)
        .body("name,phone\nAnn,123")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 415);
    assert_eq!(garbage.json::<Value>().await.unwrap()["code"], "customer.import_unreadable");

    // Export what the saved query finds.
    let query_id = saved["saveCustomerQuery"]["id"].as_str().unwrap();
    let exported = server
        .http
        .get(format!("{}/api/customers/export.xlsx?query={query_id}", server.base_url))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(exported.status(), 200);
    let bytes = exported.bytes().await.unwrap();
    let exported_rows = hotline_command_api::customers::excel::read_rows(&bytes, &tenant_fields()).unwrap();
    assert_eq!(exported_rows.len(), 1, "only Zhang is a Hangzhou VIP above 2");
    assert_eq!(exported_rows[0].values["name"], NAME);

    // Forget Zhang: no read model, query or export shows their data any more.
    let forget = "mutation($id: UUID!) { forgetCustomer(id: $id) { forgotten values { key } name } }";
    let forgotten = gql(&server, &admin, forget, json!({"id": zhang})).await;
    assert_eq!(forgotten["forgetCustomer"], json!({"forgotten": true, "values": [], "name": null}));
    assert_eq!(gql(&server, &admin, find, hangzhou).await["customers"]["total"], 0);
    let exported = server
        .http
        .get(format!("{}/api/customers/export.xlsx?query={query_id}", server.base_url))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(hotline_command_api::customers::excel::read_rows(&exported, &tenant_fields()).unwrap().is_empty());
    let update = "mutation($id: UUID!, $v: [FieldValueInput!]!) { updateCustomer(id: $id, values: $v) { id } }";
    let refused =
        server.graphql(Some(&admin), update, json!({"id": zhang, "v": [{"key": "name", "value": "Back"}]})).await;
    assert_eq!(error_code(&refused), "customer.forgotten");

    // Rebuilt from the log after the key is gone, the read model still shows nothing.
    server.kill();
    let (rebuilt, output) = run_cli(&location, &["replay", "customers"]);
    assert!(rebuilt, "{output}");
    let data_dir = location.data_dir().unwrap();
    assert!(!file_contains(&data_dir.join("events.db"), "Zhang Sanfeng"), "the log never held the name in clear");
    let (intact, report) = run_cli(&location, &["audit", "verify", "--tenant", "demo"]);
    assert!(intact, "the log still verifies: {report}");
    let server = Server::start(&location);
    let admin = server.demo_admin_token().await;
    let after = gql(
        &server,
        &admin,
        "query($id: UUID!) { customer(id: $id) { forgotten name values { key } } }",
        json!({"id": zhang}),
    )
    .await;
    assert_eq!(after["customer"], json!({"forgotten": true, "name": null, "values": []}));
}

#[tokio::test]
async fn another_tenant_sees_none_of_the_customers() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let create = "mutation($v: [FieldValueInput!]!) { createCustomer(values: $v) { id } }";
    let created = gql(
        &server,
        &admin,
        create,
        json!({"v": [{"key": "name", "value": "Ann"}, {"key": "phone", "value": "12345"}]}),
    )
    .await;
    let id = created["createCustomer"]["id"].as_str().unwrap().to_owned();
    let tenant = "mutation($input: CreateTenantInput!) { createTenant(input: $input) { aggregateId } }";
    gql(
        &server,
        &admin,
        tenant,
        json!({"input": {"slug": "acme", "name": "Acme", "admin": {
        "username": "boss", "displayName": "Boss", "password": "a long password"}}}),
    )
    .await;
    let boss = server.login("acme", "boss", "a long password").await;
    let seen =
        gql(&server, &boss, "query($id: UUID!) { customer(id: $id) { id } customers { total } }", json!({"id": id}))
            .await;
    assert_eq!(seen["customer"], Value::Null);
    assert_eq!(seen["customers"]["total"], 0);
    let update = "mutation($id: UUID!, $v: [FieldValueInput!]!) { updateCustomer(id: $id, values: $v) { id } }";
    let refused = server.graphql(Some(&boss), update, json!({"id": id, "v": [{"key": "name", "value": "Mine"}]})).await;
    assert_eq!(error_code(&refused), "customer.not_found");
}
