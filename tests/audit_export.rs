//! The log for auditors and analysts, through the real binary: the filtered and paged audit
//! log, the export with its hash chain (CLI and HTTP, by range and by the audit log's
//! filters), its offline verification (also of a filtered export), and forks of a
//! projection up to a position.

mod common;

use std::collections::HashSet;
use std::path::Path;

use common::{Location, Server, error_code, run_cli};
use hotline_domain::access::BuiltInRole;
use hotline_domain::identity::tenant_id_for_slug;
use serde_json::{Value, json};

const CREATE_USER: &str =
    "mutation($input: CreateUserInput!) { createUser(input: $input) { aggregateId lastPosition } }";
const CREATE_TENANT: &str = "mutation($input: CreateTenantInput!) { createTenant(input: $input) { aggregateId } }";
const AUDIT_LOG: &str = "query($filter: AuditLogFilter, $after: String, $first: Int!) { \
     auditLog(filter: $filter, after: $after, first: $first) { \
     items { type streamId globalPosition recordedAt actor tenantId } nextCursor hasMore } }";

fn new_user(username: &str, role: BuiltInRole) -> Value {
    json!({ "input": { "username": username, "displayName": username, "password": "a long password",
        "roleIds": [role.id().to_string()] } })
}

async fn create_user(server: &Server, token: &str, username: &str, role: BuiltInRole) -> Value {
    let created = server.graphql(Some(token), CREATE_USER, new_user(username, role)).await;
    assert!(created["errors"].is_null(), "{created}");
    created["data"]["createUser"].clone()
}

/// Every page of the audit log for `filter`, following `nextCursor`.
async fn audit_log_pages(server: &Server, token: &str, filter: Value, first: u64) -> Vec<Value> {
    let mut items = Vec::new();
    let mut after = Value::Null;
    loop {
        let page =
            server.graphql(Some(token), AUDIT_LOG, json!({ "filter": filter, "after": after, "first": first })).await;
        assert!(page["errors"].is_null(), "{page}");
        let page = &page["data"]["auditLog"];
        let found = page["items"].as_array().unwrap();
        assert!(found.len() as u64 <= first);
        items.extend(found.iter().cloned());
        after = page["nextCursor"].clone();
        if !page["hasMore"].as_bool().unwrap() {
            return items;
        }
    }
}

fn positions(items: &[Value]) -> Vec<u64> {
    items.iter().map(|item| item["globalPosition"].as_u64().unwrap()).collect()
}

fn verify_file(location: &Location, path: &Path) -> (bool, String) {
    run_cli(location, &["audit", "verify", "--file", path.to_str().unwrap()])
}

fn verify_filtered(location: &Location, path: &Path) -> (bool, String) {
    run_cli(location, &["audit", "verify", "--file", path.to_str().unwrap(), "--filtered"])
}

#[tokio::test]
async fn auditors_filter_export_and_verify_the_log_and_analysts_fork_a_projection() {
    let location = Location::embedded();
    let data_dir = location.data_dir().unwrap().to_owned();
    let mut server = Server::start(&location);
    let admin = server.demo_admin_token().await;
    let demo_tenant = tenant_id_for_slug("demo").to_string();

    // Another tenant, whose events must never reach the demo tenant's auditor.
    let acme = json!({ "input": { "slug": "acme", "name": "Acme",
        "admin": { "username": "boss", "displayName": "Boss", "password": "acme password 1" } } });
    let created = server.graphql(Some(&admin), CREATE_TENANT, acme).await;
    assert!(created["errors"].is_null(), "{created}");
    let acme_admin = server.login("acme", "boss", "acme password 1").await;
    create_user(&server, &acme_admin, "acme-agent", BuiltInRole::Agent).await;

    create_user(&server, &admin, "audrey", BuiltInRole::Auditor).await;
    let ann = create_user(&server, &admin, "ann", BuiltInRole::Agent).await;
    let ann_position = ann["lastPosition"].as_u64().unwrap();
    let ann_stream = format!("user-{}", ann["aggregateId"].as_str().unwrap());
    create_user(&server, &admin, "bob", BuiltInRole::Agent).await;
    let auditor = server.login("demo", "audrey", "a long password").await;
    let agent = server.login("demo", "ann", "a long password").await;
    let admin_id =
        server.graphql(Some(&admin), "{ me { id } }", json!({})).await["data"]["me"]["id"].as_str().unwrap().to_owned();

    // auditLog: pages without gaps or repeats, the same events as the plain read.
    let everything = audit_log_pages(&server, &auditor, json!({}), 500).await;
    let paged = audit_log_pages(&server, &auditor, json!({}), 3).await;
    assert_eq!(positions(&paged), positions(&everything));
    let unique: HashSet<u64> = positions(&paged).into_iter().collect();
    assert_eq!(unique.len(), paged.len(), "no event twice");
    assert!(everything.iter().all(|item| item["tenantId"] == demo_tenant.as_str()), "only the demo tenant");
    assert!(positions(&everything).windows(2).all(|pair| pair[0] < pair[1]));

    // ... filtered by type, actor, stream and time.
    let created_users = audit_log_pages(&server, &auditor, json!({ "types": ["hotline.user.created"] }), 2).await;
    assert!(created_users.iter().all(|item| item["type"] == "hotline.user.created"));
    assert!(created_users.iter().any(|item| item["streamId"] == ann_stream.as_str()));
    assert_eq!(
        positions(&created_users),
        positions(
            &everything.iter().filter(|item| item["type"] == "hotline.user.created").cloned().collect::<Vec<_>>()
        )
    );
    let admin_actor = format!("user:{admin_id}");
    let by_admin = audit_log_pages(&server, &auditor, json!({ "actors": [admin_actor] }), 4).await;
    assert!(!by_admin.is_empty() && by_admin.iter().all(|item| item["actor"] == admin_actor.as_str()));
    let of_ann = audit_log_pages(&server, &auditor, json!({ "streams": [ann_stream] }), 100).await;
    assert!(!of_ann.is_empty() && of_ann.iter().all(|item| item["streamId"] == ann_stream.as_str()));
    let ann_created = everything.iter().find(|item| item["globalPosition"] == ann_position).unwrap();
    let at = ann_created["recordedAt"].clone();
    let at_that_time = audit_log_pages(&server, &auditor, json!({ "from": at, "to": at }), 100).await;
    assert!(positions(&at_that_time).contains(&ann_position));
    assert!(at_that_time.iter().all(|item| item["recordedAt"] == at));
    let until_then = audit_log_pages(&server, &auditor, json!({ "to": at }), 100).await;
    assert_eq!(until_then.last().unwrap()["globalPosition"].as_u64().unwrap(), ann_position);

    // Malformed filters and cursors get a code.
    let backwards = server
        .graphql(
            Some(&auditor),
            AUDIT_LOG,
            json!({ "filter": { "from": "2030-01-01T00:00:00Z", "to": "2020-01-01T00:00:00Z" }, "first": 10 }),
        )
        .await;
    assert_eq!(error_code(&backwards), "audit.invalid_filter");
    let garbage = server.graphql(Some(&auditor), AUDIT_LOG, json!({ "after": "nope", "first": 10 })).await;
    assert_eq!(error_code(&garbage), "audit.invalid_cursor");
    let beyond = server.graphql(Some(&auditor), AUDIT_LOG, json!({ "after": "99999999", "first": 10 })).await;
    assert_eq!(error_code(&beyond), "audit.invalid_cursor");
    let forbidden = server.graphql(Some(&agent), AUDIT_LOG, json!({ "first": 10 })).await;
    assert_eq!(error_code(&forbidden), "auth.forbidden");

    // A stream as of a time.
    let as_of = server
        .graphql(
            Some(&auditor),
            "query($s: String!, $at: DateTime!) { streamAsOf(streamId: $s, at: $at) { version events { globalPosition } } }",
            json!({ "s": ann_stream, "at": at }),
        )
        .await;
    assert_eq!(as_of["data"]["streamAsOf"]["version"], 1, "{as_of}");
    assert_eq!(as_of["data"]["streamAsOf"]["events"][0]["globalPosition"], ann_position);

    // The export over HTTP, as the auditor.
    let export_url = format!("{}/api/audit/export", server.base_url);
    let response = server.http.get(&export_url).bearer_auth(&auditor).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    let http_export = response.text().await.unwrap();
    let lines: Vec<Value> = http_export.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    let exported_positions: Vec<u64> =
        lines.iter().map(|line| line["position"].as_str().unwrap().parse().unwrap()).collect();
    assert!(exported_positions.starts_with(&positions(&everything)), "the export holds what auditLog listed");
    assert!(lines.iter().all(|line| line["tenantid"] == demo_tenant.as_str() && line["hash"].is_string()));
    let http_file = data_dir.join("http-export.jsonl");
    std::fs::write(&http_file, &http_export).unwrap();
    let (verified, report) = verify_file(&location, &http_file);
    assert!(verified, "{report}");
    assert!(report.contains("chain verified from the tenant's genesis"), "{report}");

    // A part of the log verifies from its first event, taken as the anchor.
    let part = server
        .http
        .get(format!("{export_url}?from={ann_position}&to={}", ann_position + 1))
        .bearer_auth(&auditor)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let part_file = data_dir.join("part-export.jsonl");
    std::fs::write(&part_file, &part).unwrap();
    let (verified, report) = verify_file(&location, &part_file);
    assert!(verified, "{report}");
    assert!(report.contains(&format!("chain verified from position {ann_position}")), "{report}");

    // The filters of auditLog: the export holds exactly what auditLog lists for them.
    let export = async |query: &str| {
        let response = server.http.get(format!("{export_url}?{query}")).bearer_auth(&auditor).send().await.unwrap();
        assert_eq!(response.status(), 200, "{query}");
        response.text().await.unwrap()
    };
    let exported =
        |text: &str| -> Vec<Value> { text.lines().map(|line| serde_json::from_str(line).unwrap()).collect() };
    let line_positions = |lines: &[Value]| -> Vec<u64> {
        lines.iter().map(|line| line["position"].as_str().unwrap().parse().unwrap()).collect()
    };
    let users_export = export("types=hotline.user.created").await;
    let users_lines = exported(&users_export);
    assert_eq!(line_positions(&users_lines), positions(&created_users));
    let two_types = exported(&export("types=hotline.user.created,hotline.role.created").await);
    let both = line_positions(&two_types);
    assert!(positions(&created_users).iter().all(|position| both.contains(position)), "{both:?}");
    assert!(
        two_types
            .iter()
            .all(|line| ["hotline.user.created", "hotline.role.created"].contains(&line["type"].as_str().unwrap()))
    );
    let ann_lines = exported(&export(&format!("stream={ann_stream}")).await);
    assert_eq!(line_positions(&ann_lines), positions(&of_ann));
    let admin_since =
        exported(&export(&format!("actor={admin_actor}&from_time={}", at.as_str().unwrap().replace('+', "%2B"))).await);
    let time = |value: &Value| chrono::DateTime::parse_from_rfc3339(value.as_str().unwrap()).unwrap();
    let expected: Vec<u64> = by_admin
        .iter()
        .filter(|item| time(&item["recordedAt"]) >= time(&at))
        .map(|item| item["globalPosition"].as_u64().unwrap())
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(line_positions(&admin_since), expected);

    // A filtered export is no chain: the plain check says so, --filtered checks every hash and
    // the links where events follow each other, and still catches a changed event.
    let users_span = positions(&created_users);
    let left_out = everything.iter().any(|item| {
        let position = item["globalPosition"].as_u64().unwrap();
        item["type"] != "hotline.user.created" && position > users_span[0] && position < *users_span.last().unwrap()
    });
    assert!(left_out, "the filter leaves out events between the first and the last user created");
    let users_file = data_dir.join("users-export.jsonl");
    std::fs::write(&users_file, &users_export).unwrap();
    let (verified, report) = verify_file(&location, &users_file);
    assert!(!verified && report.contains("--filtered"), "{report}");
    let (verified, report) = verify_filtered(&location, &users_file);
    assert!(verified, "{report}");
    let count = users_lines.len();
    assert!(report.contains(&format!("{count} events, each event's hash verified")), "{report}");
    assert!(report.contains("gaps where the filter left events out"), "{report}");
    let tampered_users = users_export.replacen("\"username\":\"ann\"", "\"username\":\"anm\"", 1);
    assert_ne!(tampered_users, users_export);
    std::fs::write(&users_file, tampered_users).unwrap();
    let (verified, report) = verify_filtered(&location, &users_file);
    assert!(!verified && report.contains("BROKEN"), "{report}");

    // A malformed filter is a 400 problem+json naming the parameter.
    for (query, parameter) in [
        ("types=user", "types"),
        ("stream=user-42", "stream"),
        ("actor=nobody", "actor"),
        ("from_time=yesterday", "from_time"),
        ("to_time=2026-13-01T00:00:00Z", "to_time"),
    ] {
        let response = server.http.get(format!("{export_url}?{query}")).bearer_auth(&auditor).send().await.unwrap();
        assert_eq!(response.status(), 400, "{query}");
        assert_eq!(response.headers()["content-type"], "application/problem+json");
        let problem = response.json::<Value>().await.unwrap();
        assert_eq!(problem["code"], "audit.invalid_filter");
        assert!(problem["detail"].as_str().unwrap().starts_with(&format!("{parameter}:")), "{problem}");
    }
    let misspelt =
        server.http.get(format!("{export_url}?type=hotline.user.created")).bearer_auth(&auditor).send().await.unwrap();
    assert_eq!(misspelt.status(), 400, "an unknown parameter does not export everything");
    let problem = misspelt.json::<Value>().await.unwrap();
    assert_eq!(problem["code"], "audit.invalid_filter");
    assert!(problem["detail"].as_str().unwrap().contains("unknown field `type`"), "{problem}");

    // Without audit.export: 403 problem+json; a backwards range: 400.
    let refused = server.http.get(&export_url).bearer_auth(&agent).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    assert_eq!(refused.headers()["content-type"], "application/problem+json");
    assert_eq!(refused.json::<Value>().await.unwrap()["code"], "auth.forbidden");
    let anonymous = server.http.get(&export_url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let reversed = server.http.get(format!("{export_url}?from=10&to=3")).bearer_auth(&auditor).send().await.unwrap();
    assert_eq!(reversed.status(), 400);
    assert_eq!(reversed.json::<Value>().await.unwrap()["code"], "audit.invalid_filter");
    server.kill();

    // The export through the CLI holds the same events, and only the demo tenant's.
    let cli_file = data_dir.join("cli-export.jsonl");
    let (exported, message) =
        run_cli(&location, &["events", "export", "--tenant", "demo", "--output", cli_file.to_str().unwrap()]);
    assert!(exported, "{message}");
    let cli_export = std::fs::read_to_string(&cli_file).unwrap();
    assert!(cli_export.starts_with(&http_export));
    assert!(!cli_export.contains("acme-agent"));
    let (verified, report) = verify_file(&location, &cli_file);
    assert!(verified, "{report}");
    // ... and takes the same filters.
    let cli_users = data_dir.join("cli-users-export.jsonl");
    let (exported, message) = run_cli(
        &location,
        &[
            "events",
            "export",
            "--tenant",
            "demo",
            "--types",
            "hotline.user.created",
            "--output",
            cli_users.to_str().unwrap(),
        ],
    );
    assert!(exported, "{message}");
    assert_eq!(std::fs::read_to_string(&cli_users).unwrap(), users_export);
    let (exported, message) = run_cli(&location, &["events", "export", "--tenant", "demo", "--stream", "user-42"]);
    assert!(!exported, "a malformed stream id is refused: {message}");

    // One byte of one payload changed: the verification fails and names the line.
    let (line_index, line) = cli_export
        .lines()
        .enumerate()
        .find(|(_, line)| line.contains("\"username\":\"ann\""))
        .expect("ann's creation is exported");
    let tampered_line = line.replacen("\"username\":\"ann\"", "\"username\":\"anm\"", 1);
    let tampered: String = cli_export
        .lines()
        .enumerate()
        .map(
            |(index, original)| {
                if index == line_index { format!("{tampered_line}\n") } else { format!("{original}\n") }
            },
        )
        .collect();
    let tampered_file = data_dir.join("tampered-export.jsonl");
    std::fs::write(&tampered_file, tampered).unwrap();
    let (verified, report) = verify_file(&location, &tampered_file);
    assert!(!verified, "{report}");
    assert!(report.contains(&format!("line {}:", line_index + 1)), "{report}");
    let garbage_file = data_dir.join("garbage.jsonl");
    std::fs::write(&garbage_file, "not json at all\n").unwrap();
    let (verified, report) = verify_file(&location, &garbage_file);
    assert!(!verified && report.contains("line 1"), "{report}");
    let (verified, _) = verify_file(&location, &data_dir.join("missing.jsonl"));
    assert!(!verified);

    // A fork of `users` up to ann's creation: ann but not bob, and the live table unchanged.
    let (forked, report) =
        run_cli(&location, &["replay", "users", "--to-position", &ann_position.to_string(), "--into", "before_bob"]);
    assert!(forked, "{report}");
    assert!(report.contains("users__fork_before_bob"), "{report}");
    let read_models =
        sqlx::SqlitePool::connect(&format!("sqlite://{}", data_dir.join("readmodels.db").display())).await.unwrap();
    let usernames = |table: &str| {
        let sql = format!("SELECT username FROM {table} WHERE tenant_id = '{demo_tenant}' ORDER BY username");
        let pool = read_models.clone();
        async move { sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql)).fetch_all(&pool).await.unwrap() }
    };
    let forked_names = usernames("users__fork_before_bob").await;
    assert!(forked_names.contains(&"ann".to_owned()) && !forked_names.contains(&"bob".to_owned()), "{forked_names:?}");
    let live_names = usernames("users").await;
    assert!(live_names.contains(&"bob".to_owned()), "{live_names:?}");
    read_models.close().await;
    let (listed, forks) = run_cli(&location, &["replay", "--list-forks"]);
    assert!(listed && forks.contains("before_bob: users__fork_before_bob"), "{forks}");
    let (dropped, _) = run_cli(&location, &["replay", "--drop-fork", "before_bob"]);
    assert!(dropped);
    let (_, forks) = run_cli(&location, &["replay", "--list-forks"]);
    assert!(!forks.contains("before_bob"), "{forks}");
    let (refused, _) = run_cli(&location, &["replay", "users", "--to-position", "3", "--into", "Bad-Name"]);
    assert!(!refused);
}

#[tokio::test]
async fn an_admin_forks_a_projection_through_graphql_while_the_server_runs() {
    forks_through_graphql(&Location::embedded()).await;
}

#[tokio::test]
async fn an_admin_forks_lists_and_drops_forks_through_graphql_on_postgres() {
    forks_through_graphql(&Location::postgres().await).await;
}

const PROJECTION_FORKS: &str =
    "{ projectionForks { projection name tables toPosition toTime position events createdAt } }";
const DROP_FORK: &str = "mutation($projection: String!, $name: String!) { \
     dropProjectionFork(projection: $projection, name: $name) { projection name tables position } }";

/// The forks `projectionForks` lists, as (projection, name).
fn fork_names(listed: &Value) -> Vec<(String, String)> {
    listed["data"]["projectionForks"]
        .as_array()
        .unwrap_or_else(|| panic!("{listed}"))
        .iter()
        .map(|fork| (fork["projection"].as_str().unwrap().to_owned(), fork["name"].as_str().unwrap().to_owned()))
        .collect()
}

async fn forks_through_graphql(location: &Location) {
    let server = Server::start(location);
    let admin = server.demo_admin_token().await;
    let ann = create_user(&server, &admin, "ann", BuiltInRole::Agent).await;
    let ann_position = ann["lastPosition"].as_u64().unwrap();
    create_user(&server, &admin, "bob", BuiltInRole::Agent).await;
    let fork = "mutation($p: Int) { forkProjection(projection: \"users\", name: \"at_ann\", toPosition: $p) \
         { projection name tables events position } }";
    let forked = server.graphql(Some(&admin), fork, json!({ "p": ann_position })).await;
    assert!(forked["errors"].is_null(), "{forked}");
    assert_eq!(forked["data"]["forkProjection"]["position"], ann_position);
    assert_eq!(forked["data"]["forkProjection"]["tables"], json!(["users__fork_at_ann"]));
    let neither = server.graphql(Some(&admin), fork, json!({ "p": null })).await;
    assert_eq!(error_code(&neither), "audit.invalid_fork");
    create_user(&server, &admin, "audrey", BuiltInRole::Auditor).await;
    let auditor = server.login("demo", "audrey", "a long password").await;
    let refused = server.graphql(Some(&auditor), fork, json!({ "p": ann_position })).await;
    assert_eq!(error_code(&refused), "auth.forbidden");
    // Forks hold every tenant's rows: a tenant's own administrator may not make, list or drop them.
    create_user(&server, &admin, "tad", BuiltInRole::Administrator).await;
    let tenant_admin = server.login("demo", "tad", "a long password").await;
    let refused = server.graphql(Some(&tenant_admin), fork, json!({ "p": ann_position })).await;
    assert_eq!(error_code(&refused), "auth.forbidden");
    let refused = server.graphql(Some(&tenant_admin), PROJECTION_FORKS, json!({})).await;
    assert_eq!(error_code(&refused), "auth.forbidden");
    // The users query still reads the live table.
    let users = server.graphql(Some(&admin), "{ users { username } }", json!({})).await;
    assert!(users.to_string().contains("\"bob\""), "{users}");

    // A second projection forked under the same name, up to a time.
    let by_time = "mutation($t: DateTime) { forkProjection(projection: \"roles\", name: \"at_ann\", toTime: $t) \
         { projection name tables } }";
    let now = chrono::Utc::now().to_rfc3339();
    let forked_roles = server.graphql(Some(&admin), by_time, json!({ "t": now })).await;
    assert!(forked_roles["errors"].is_null(), "{forked_roles}");

    // Listed by projection and name, with what each was built to.
    let listed = server.graphql(Some(&admin), PROJECTION_FORKS, json!({})).await;
    assert!(listed["errors"].is_null(), "{listed}");
    assert_eq!(
        fork_names(&listed),
        [("roles".to_owned(), "at_ann".to_owned()), ("users".to_owned(), "at_ann".to_owned())]
    );
    let roles = &listed["data"]["projectionForks"][0];
    assert!(roles["toPosition"].is_null() && roles["toTime"].is_string(), "{roles}");
    assert_eq!(roles["tables"], json!(["roles__fork_at_ann"]));
    let users_fork = &listed["data"]["projectionForks"][1];
    assert_eq!(users_fork["tables"], json!(["users__fork_at_ann"]));
    assert_eq!(users_fork["toPosition"], ann_position);
    assert_eq!(users_fork["position"], ann_position);
    assert!(users_fork["toTime"].is_null() && users_fork["createdAt"].is_string(), "{users_fork}");
    assert!(users_fork["events"].as_u64().unwrap() >= 1, "{users_fork}");

    // Only holders of menu.admin list or drop forks, as only they may fork.
    let refused_list = server.graphql(Some(&auditor), PROJECTION_FORKS, json!({})).await;
    assert_eq!(error_code(&refused_list), "auth.forbidden");
    let users_at_ann = json!({ "projection": "users", "name": "at_ann" });
    let refused_drop = server.graphql(Some(&auditor), DROP_FORK, users_at_ann.clone()).await;
    assert_eq!(error_code(&refused_drop), "auth.forbidden");

    // Dropping the users fork leaves the roles fork of the same name.
    let dropped = server.graphql(Some(&admin), DROP_FORK, users_at_ann.clone()).await;
    assert!(dropped["errors"].is_null(), "{dropped}");
    assert_eq!(dropped["data"]["dropProjectionFork"]["tables"], json!(["users__fork_at_ann"]));
    assert_eq!(dropped["data"]["dropProjectionFork"]["position"], ann_position);
    let listed = server.graphql(Some(&admin), PROJECTION_FORKS, json!({})).await;
    assert_eq!(fork_names(&listed), [("roles".to_owned(), "at_ann".to_owned())]);
    let gone = server.graphql(Some(&admin), "{ users { username } }", json!({})).await;
    assert!(gone.to_string().contains("\"bob\""), "the live table stays: {gone}");

    // An unknown fork, an unknown projection and a bad name are refused with a code.
    let again = server.graphql(Some(&admin), DROP_FORK, users_at_ann).await;
    assert_eq!(error_code(&again), "audit.invalid_fork");
    assert!(again.to_string().contains("no fork"), "{again}");
    let unknown_projection =
        server.graphql(Some(&admin), DROP_FORK, json!({ "projection": "nope", "name": "at_ann" })).await;
    assert_eq!(error_code(&unknown_projection), "audit.invalid_fork");
    let bad_name = server.graphql(Some(&admin), DROP_FORK, json!({ "projection": "roles", "name": "Bad-Name" })).await;
    assert_eq!(error_code(&bad_name), "audit.invalid_fork");

    let dropped_roles =
        server.graphql(Some(&admin), DROP_FORK, json!({ "projection": "roles", "name": "at_ann" })).await;
    assert!(dropped_roles["errors"].is_null(), "{dropped_roles}");
    let listed = server.graphql(Some(&admin), PROJECTION_FORKS, json!({})).await;
    assert_eq!(fork_names(&listed), Vec::<(String, String)>::new());
}
