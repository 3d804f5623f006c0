//! The knowledge base end to end, through the real binary: a writer builds categories, uploads
//! a document and writes articles; agents search them in Chinese and English (fuzzy, with
//! snippets, attachments' text included), keep favourites and read pushed articles; fruitless
//! searches become knowledge to add; another tenant sees none of it; and the search index
//! survives a restart and is rebuilt from the log when it is lost.

mod common;

use std::time::Duration;

use common::{Location, Server, WAIT, error_code};
use serde_json::{Value, json};
use uuid::Uuid;

const ARTICLE_FIELDS: &str =
    "id title revision published favourite categoryPath keywords attachments { blobId kind textChars url }";

async fn gql(server: &Server, token: &str, query: &str, variables: Value) -> Value {
    let response = server.graphql(Some(token), query, variables).await;
    assert!(response.get("errors").is_none(), "{query}: {response}");
    response["data"].clone()
}

async fn demo_token(server: &Server, username: &str) -> String {
    server.login("demo", username, server.demo_password.as_deref().expect("the demo tenant")).await
}

async fn upload(server: &Server, token: &str, name: &str, content_type: &str, bytes: &[u8]) -> reqwest::Response {
    server
        .http
        .post(format!("{}/api/knowledge/attachments", server.base_url))
        .bearer_auth(token)
        .header("content-type", content_type)
        .header("x-file-name", name)
        .body(bytes.to_vec())
        .send()
        .await
        .expect("POST /api/knowledge/attachments")
}

async fn search(server: &Server, token: &str, text: &str) -> Value {
    let query = "query($q: String!) { searchKnowledge(query: $q) { total hits { titleHtml snippetHtml \
                 matchedInAttachment article { id title } } } }";
    gql(server, token, query, json!({ "q": text })).await["searchKnowledge"].clone()
}

fn hit_ids(result: &Value) -> Vec<String> {
    result["hits"].as_array().unwrap().iter().map(|hit| hit["article"]["id"].as_str().unwrap().to_owned()).collect()
}

async fn save_article(server: &Server, token: &str, input: Value) -> Value {
    let query = format!(
        "mutation($input: KnowledgeArticleInput!) {{ saveKnowledgeArticle(commandId: \"{}\", input: $input) {{ {ARTICLE_FIELDS} }} }}",
        Uuid::now_v7()
    );
    server.graphql(Some(token), &query, json!({ "input": input })).await
}

fn article(title: &str, body: &str, category: Option<&str>, attachments: &[&str], published: bool) -> Value {
    json!({
        "categoryId": category, "title": title, "keywords": ["退款", "refund"], "summary": "",
        "bodyHtml": body, "attachmentIds": attachments, "quiz": [], "published": published,
    })
}

#[tokio::test]
async fn writers_publish_agents_find_in_chinese_and_english_and_other_tenants_see_nothing() {
    let location = Location::embedded();
    let mut server = Server::start(&location);
    let writer = demo_token(&server, "supervisor").await;
    let agent = demo_token(&server, "agent1").await;

    // Categories: Billing > Refunds.
    let (billing, refunds) = (Uuid::now_v7().to_string(), Uuid::now_v7().to_string());
    let define = "mutation($c: [KnowledgeCategoryInput!]!) { defineKnowledgeCategories(categories: $c) { id name } }";
    let tree = json!([
        {"id": billing, "parentId": null, "name": "Billing", "sortOrder": 1},
        {"id": refunds, "parentId": billing, "name": "Refunds", "sortOrder": 1},
    ]);
    gql(&server, &writer, define, json!({ "c": tree })).await;
    let denied = server.graphql(Some(&agent), define, json!({ "c": [] })).await;
    assert_eq!(error_code(&denied), "auth.forbidden", "agents read the knowledge base, they do not write it");

    // A document whose text only the attachment holds.
    let uploaded = upload(
        &server,
        &writer,
        "policy%20%E6%94%BF%E7%AD%96.txt",
        "text/plain",
        "Chargebacks are handled by the zorbleflux desk.\n退货须在七天内办理。".as_bytes(),
    )
    .await;
    assert_eq!(uploaded.status(), 201);
    let uploaded: Value = uploaded.json().await.unwrap();
    assert_eq!((uploaded["name"].as_str(), uploaded["kind"].as_str()), (Some("policy 政策.txt"), Some("DOCUMENT")));
    assert!(uploaded["textChars"].as_u64().unwrap() > 40, "{uploaded}");
    let blob = uploaded["id"].as_str().unwrap().to_owned();

    let saved = save_article(
        &server,
        &writer,
        article("退款流程说明", "<p>客户申请退款后，三个工作日内原路退回。Refunds reach the card in three days.</p><script>alert(1)</script>", Some(&refunds), &[&blob], true),
    )
    .await;
    let refund = saved["data"]["saveKnowledgeArticle"].clone();
    assert_eq!(refund["categoryPath"], json!(["Billing", "Refunds"]), "{saved}");
    assert_eq!((refund["revision"].as_u64(), refund["attachments"][0]["kind"].as_str()), (Some(1), Some("DOCUMENT")));
    let refund_id = refund["id"].as_str().unwrap().to_owned();
    let draft = save_article(&server, &writer, article("信用卡挂失草稿", "<p>挂失 draft</p>", None, &[], false)).await;
    let draft_id = draft["data"]["saveKnowledgeArticle"]["id"].as_str().unwrap().to_owned();
    let password = save_article(
        &server,
        &writer,
        article("Password reset", "<p>Reset a password from the login page.</p>", Some(&billing), &[], true),
    )
    .await;
    let password_id = password["data"]["saveKnowledgeArticle"]["id"].as_str().unwrap().to_owned();

    // The body was sanitised before it reached the log.
    let body =
        gql(&server, &agent, "query($id: UUID!) { knowledgeArticle(id: $id) { bodyHtml } }", json!({"id": refund_id}))
            .await;
    assert!(!body["knowledgeArticle"]["bodyHtml"].as_str().unwrap().contains("script"), "{body}");

    // Chinese, with the match marked; the attachment's text; English with a typo.
    let found = search(&server, &agent, "退款").await;
    assert_eq!(hit_ids(&found).first(), Some(&refund_id), "{found}");
    assert!(found["hits"][0]["titleHtml"].as_str().unwrap().contains("<mark>退款</mark>"), "{found}");
    let by_attachment = search(&server, &agent, "zorbleflux").await;
    assert_eq!(hit_ids(&by_attachment), std::slice::from_ref(&refund_id), "{by_attachment}");
    assert_eq!(by_attachment["hits"][0]["matchedInAttachment"], true);
    let fuzzy = search(&server, &agent, "pasword reset").await;
    assert_eq!(hit_ids(&fuzzy).first(), Some(&password_id), "{fuzzy}");

    // Drafts are the writers' alone.
    assert_eq!(search(&server, &agent, "挂失").await["total"], 0);
    let drafts = gql(
        &server,
        &writer,
        "{ searchKnowledge(query: \"挂失\", includeDrafts: true) { hits { article { id } } } }",
        json!({}),
    )
    .await;
    assert_eq!(hit_ids(&drafts["searchKnowledge"]), std::slice::from_ref(&draft_id));
    let hidden =
        gql(&server, &agent, "query($id: UUID!) { knowledgeArticle(id: $id) { id } }", json!({"id": draft_id})).await;
    assert!(hidden["knowledgeArticle"].is_null());

    // A category lists its subtree.
    let listed = gql(
        &server,
        &agent,
        "query($c: UUID) { knowledgeArticles(categoryId: $c) { total items { id } } }",
        json!({"c": billing}),
    )
    .await;
    assert_eq!(listed["knowledgeArticles"]["total"], 2, "{listed}");

    // Bad input: query syntax, a stale editor, removing a category that holds articles.
    let bad =
        server.graphql(Some(&agent), "{ searchKnowledge(query: \"\\\"unterminated\") { total } }", json!({})).await;
    assert_eq!(error_code(&bad), "knowledge.invalid_query", "{bad}");
    let mut stale = article("退款流程说明 v2", "<p>x</p>", Some(&refunds), &[], true);
    stale["id"] = json!(refund_id);
    stale["expectedRevision"] = json!(0);
    assert_eq!(error_code(&save_article(&server, &writer, stale).await), "knowledge.revision_conflict");
    let invalid = save_article(&server, &writer, article("", "", None, &[], true)).await;
    assert_eq!(error_code(&invalid), "knowledge.invalid_article");
    assert_eq!(invalid["errors"][0]["extensions"]["fields"][0]["field"], "title", "{invalid}");
    let emptied = server.graphql(Some(&writer), define, json!({ "c": [] })).await;
    assert_eq!(error_code(&emptied), "knowledge.category_not_empty", "{emptied}");

    // Favourites and pushes.
    let favourite = "mutation($a: UUID!, $f: Boolean!) { setKnowledgeFavourite(articleId: $a, favourite: $f) }";
    gql(&server, &agent, favourite, json!({"a": refund_id, "f": true})).await;
    let favourites = gql(&server, &agent, "{ knowledgeFavourites { id favourite } }", json!({})).await;
    assert_eq!(favourites["knowledgeFavourites"], json!([{"id": refund_id, "favourite": true}]));
    let agent_id =
        hotline_domain::identity::user_id_for_username(hotline_domain::identity::tenant_id_for_slug("demo"), "agent1");
    let push =
        "mutation($a: UUID!, $u: [UUID!]!) { pushKnowledgeArticle(articleId: $a, userIds: $u, note: \"新政策\") }";
    assert_eq!(gql(&server, &writer, push, json!({"a": refund_id, "u": [agent_id]})).await["pushKnowledgeArticle"], 1);
    let unpublished = server.graphql(Some(&writer), push, json!({"a": draft_id, "u": [agent_id]})).await;
    assert_eq!(error_code(&unpublished), "knowledge.article_not_published");
    let inbox = "{ knowledgeInbox { note read pushedByName article { id } } }";
    let before = gql(&server, &agent, inbox, json!({})).await;
    assert_eq!(before["knowledgeInbox"][0]["read"], false, "{before}");
    assert_eq!(before["knowledgeInbox"][0]["pushedByName"], "Demo supervisor");
    gql(&server, &agent, "mutation($a: UUID!) { markKnowledgePushRead(articleId: $a) }", json!({"a": refund_id})).await;
    assert_eq!(gql(&server, &agent, inbox, json!({})).await["knowledgeInbox"][0]["read"], true);

    // A search that finds nothing is knowledge to add, until a writer answers it.
    assert_eq!(search(&server, &agent, "量子纠缠保险").await["total"], 0);
    let gaps = "{ knowledgeGaps { query misses users } }";
    let gap = |gaps: &Value| {
        gaps["knowledgeGaps"].as_array().unwrap().iter().find(|gap| gap["query"] == "量子纠缠保险").cloned()
    };
    let listed_gaps =
        wait_for(|| async { gql(&server, &writer, gaps, json!({})).await }, |gaps| gap(gaps).is_some()).await;
    assert_eq!(gap(&listed_gaps), Some(json!({"query": "量子纠缠保险", "misses": 1, "users": 1})));
    let resolve = "mutation($q: String!, $a: UUID) { resolveKnowledgeGap(query: $q, articleId: $a) }";
    gql(&server, &writer, resolve, json!({"q": "量子纠缠保险", "a": refund_id})).await;
    assert_eq!(gap(&gql(&server, &writer, gaps, json!({})).await), None);

    // Another tenant finds nothing of it, not even by id.
    let admin = server.demo_admin_token().await;
    let tenant = "mutation($input: CreateTenantInput!) { createTenant(input: $input) { aggregateId } }";
    let input = json!({"input": {"slug": "other", "name": "Other", "admin": {
        "username": "boss", "displayName": "Boss", "password": "a long password"}}});
    gql(&server, &admin, tenant, input).await;
    let other = server.login("other", "boss", "a long password").await;
    assert_eq!(search(&server, &other, "退款").await["total"], 0);
    let by_id =
        gql(&server, &other, "query($id: UUID!) { knowledgeArticle(id: $id) { id } }", json!({"id": refund_id})).await;
    assert!(by_id["knowledgeArticle"].is_null());
    let file = server
        .http
        .get(format!("{}/api/knowledge/files/{blob}", server.base_url))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 404);
    let own_file = server
        .http
        .get(format!("{}/api/knowledge/files/{blob}", server.base_url))
        .bearer_auth(&agent)
        .send()
        .await
        .unwrap();
    assert_eq!(own_file.status(), 200);

    // Deleted articles leave the search.
    gql(&server, &writer, "mutation($id: UUID!) { deleteKnowledgeArticle(id: $id) }", json!({"id": password_id})).await;
    assert_eq!(search(&server, &agent, "password").await["total"], 0);

    // The index survives a restart, and is rebuilt from the log when it is lost.
    server.kill();
    let server = Server::start(&location);
    let agent = demo_token(&server, "agent1").await;
    assert_eq!(hit_ids(&search(&server, &agent, "退款").await).first(), Some(&refund_id));
    drop(server);
    std::fs::remove_dir_all(location.data_dir().unwrap().join("index")).expect("removing the index");
    let server = Server::start(&location);
    let agent = demo_token(&server, "agent1").await;
    let rebuilt = wait_for(|| async { search(&server, &agent, "zorbleflux").await }, |found| found["total"] == 1).await;
    assert_eq!(hit_ids(&rebuilt), [refund_id]);
}

#[tokio::test]
async fn uploads_that_are_not_accepted_get_a_clear_problem() {
    let location = Location::embedded();
    let server = Server::start(&location);
    let writer = demo_token(&server, "supervisor").await;
    let agent = demo_token(&server, "agent1").await;

    let executable = upload(&server, &writer, "setup.exe", "application/x-msdownload", b"MZ...").await;
    assert_eq!(executable.status(), 415);
    let problem: Value = executable.json().await.unwrap();
    assert_eq!(problem["code"], "knowledge.attachment_type_not_allowed", "{problem}");
    let corrupt = upload(&server, &writer, "broken.pdf", "application/pdf", b"%PDF-1.7 this is not really a pdf").await;
    assert_eq!(corrupt.status(), 422);
    let problem: Value = corrupt.json().await.unwrap();
    assert_eq!(problem["code"], "knowledge.document_unreadable", "{problem}");
    let by_agent = upload(&server, &agent, "notes.txt", "text/plain", b"agents do not upload").await;
    assert_eq!(by_agent.status(), 403);

    // Nothing half-saved: an article naming a file that was never uploaded is refused whole.
    let missing =
        save_article(&server, &writer, article("Orphan", "<p>x</p>", None, &[&Uuid::now_v7().to_string()], true)).await;
    assert_eq!(error_code(&missing), "knowledge.attachment_not_found");
    let listed = gql(&server, &writer, "{ knowledgeArticles(includeDrafts: true) { total } }", json!({})).await;
    assert_eq!(listed["knowledgeArticles"]["total"], 0);
}

/// Polls `read` until `done` holds (read models and the index follow the log).
async fn wait_for<F, Fut>(read: F, done: impl Fn(&Value) -> bool) -> Value
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Value>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let value = read().await;
        if done(&value) {
            return value;
        }
        assert!(tokio::time::Instant::now() < deadline, "still {value}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
