//! The agent side of web chat over GraphQL (docs/chat.md, "Agent side"), through the real
//! binary: administrators set up routing and the widget, an agent takes a visitor's chat from
//! offer to close with the desk's subscriptions, supervisors watch the live board, and
//! nobody reads a conversation that is not theirs.

mod common;

use std::time::Duration;

use common::{Location, Server, WAIT, error_code};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use uuid::Uuid;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const SUMMARY: &str = "id channel status queue { id name } agentId agentName \
     visitor { visitorId name email phone language } startedAt closedAt disposition ratingScore \
     lastMessageText messageCount";
const MESSAGE: &str = "seq clientId authorKind authorName text attachment { id name contentType size url } at";

fn desk_query() -> String {
    format!(
        "agentId registered presence {{ state reason since }} capacity {{ channel capacity load }} \
         skills {{ skill level }} queues {{ id name }} \
         offers {{ contactId conversationId channel queue {{ id name }} expiresAt visitorName }} \
         conversations {{ {SUMMARY} }}"
    )
}

const DEFINE_QUEUE: &str = "mutation($commandId: UUID, $input: AcdQueueInput!) { \
     defineAcdQueue(commandId: $commandId, input: $input) { id name strategy requiredSkill minimumSkillLevel \
     customerPriority stickyAgentSeconds overflowAfterSeconds overflowQueueId offerTimeoutSeconds } }";
const SET_ROUTING: &str = "mutation($input: AgentRoutingInput!) { setAgentRouting(input: $input) { \
     agentId name username registered presence { state } capacity { channel capacity load } \
     skills { skill level } queueIds } }";
const UPDATE_WIDGET: &str = "mutation($input: ChatWidgetInput!) { updateChatWidget(input: $input) { \
     queueId organisationName primaryColor logoUrl intro welcome faq { question answer } offlineMessages \
     offlinePrompt defaultLanguage snippet } }";

/// Asserts a GraphQL response has no errors and returns its data.
fn data(response: Value) -> Value {
    assert!(response["errors"].is_null(), "unexpected errors: {response}");
    response["data"].clone()
}

async fn user_id(server: &Server, token: &str) -> String {
    let me = data(server.graphql(Some(token), "{ me { id } }", json!({})).await);
    me["me"]["id"].as_str().expect("an id").to_owned()
}

fn sales_queue() -> Value {
    json!({
        "name": "Sales", "strategy": "LONGEST_IDLE", "customerPriority": false, "offerTimeoutSeconds": 120,
        "requiredSkill": "sales", "minimumSkillLevel": 3,
    })
}

/// Defines the Sales queue, puts agent1 in it (skill sales 5, two chats) and points the
/// widget at it; returns the queue id and agent1's id.
async fn set_up_sales(server: &Server, admin: &str, agent1: &str) -> (String, String) {
    let defined = data(server.graphql(Some(admin), DEFINE_QUEUE, json!({ "input": sales_queue() })).await);
    let queue_id = defined["defineAcdQueue"]["id"].as_str().unwrap().to_owned();
    let agent1_id = user_id(server, agent1).await;
    let routing = json!({ "input": {
        "agentId": agent1_id, "capacity": [{ "channel": "CHAT", "capacity": 2 }],
        "skills": [{ "skill": "sales", "level": 5 }], "queueIds": [queue_id],
    } });
    data(server.graphql(Some(admin), SET_ROUTING, routing).await);
    let widget = json!({ "input": {
        "queueId": queue_id, "organisationName": "Demo Contact Centre", "primaryColor": "#112233", "logoUrl": null,
        "intro": "We answer within a minute.", "welcome": "Hello!", "faq": [{ "question": "Hours?", "answer": "9 to 6." }],
        "offlineMessages": true, "offlinePrompt": "Leave a message.", "defaultLanguage": "en",
    } });
    data(server.graphql(Some(admin), UPDATE_WIDGET, widget).await);
    (queue_id, agent1_id)
}

async fn demo_login(server: &Server, username: &str) -> String {
    server.login("demo", username, server.demo_password.as_deref().expect("a demo password")).await
}

/// Polls a query until `done` holds for its data (read models follow the log a moment
/// later); returns the last data.
async fn eventually(
    server: &Server,
    token: &str,
    query: &str,
    variables: Value,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let found = data(server.graphql(Some(token), query, variables.clone()).await);
        if done(&found) || tokio::time::Instant::now() > deadline {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn next_text(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(WAIT, socket.next())
            .await
            .expect("a frame within the wait")
            .expect("the socket is open")
            .expect("a frame");
        if let Message::Text(text) = message {
            return serde_json::from_str(text.as_str()).expect("JSON frames");
        }
    }
}

async fn send_json(socket: &mut Socket, frame: Value) {
    socket.send(Message::Text(frame.to_string().into())).await.expect("sending a frame");
}

/// A visitor's chat: says hello, then posts a first message; returns the socket and the
/// conversation id.
async fn visitor_starts_a_chat(server: &Server, name: &str, text: &str) -> (Socket, String) {
    let url = format!("{}/chat/ws?tenant=demo", server.base_url.replacen("http", "ws", 1));
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.expect("the visitor connects");
    send_json(&mut socket, json!({ "type": "hello", "name": name, "email": "vera@example.com", "language": "en" }))
        .await;
    let welcome = next_text(&mut socket).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    send_json(&mut socket, json!({ "type": "message", "clientId": Uuid::now_v7().to_string(), "text": text })).await;
    loop {
        let frame = next_text(&mut socket).await;
        if frame["type"] == "ack" {
            return (socket, frame["conversationId"].as_str().expect("a conversation id").to_owned());
        }
        assert_ne!(frame["type"], "error", "{frame}");
    }
}

/// A graphql-ws connection (graphql-transport-ws), initialised with a bearer token.
async fn graphql_ws(server: &Server, token: &str) -> Socket {
    let url = format!("{}/graphql/ws", server.base_url.replacen("http", "ws", 1));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("the websocket connects");
    send_json(
        &mut socket,
        json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } }),
    )
    .await;
    assert_eq!(next_text(&mut socket).await["type"], "connection_ack");
    socket
}

async fn subscribe(socket: &mut Socket, id: &str, query: &str, variables: Value) {
    send_json(socket, json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } }))
        .await;
}

/// The next `next` payload's data for subscription `id` (other ids' messages are skipped).
async fn next_item(socket: &mut Socket, id: &str) -> Value {
    loop {
        let message = next_text(socket).await;
        if message["id"] != id {
            continue;
        }
        assert_eq!(message["type"], "next", "{message}");
        return message["payload"].clone();
    }
}

/// Desk events until one of `kind`; returns it and the kinds before it.
async fn desk_event_of_kind(socket: &mut Socket, kind: &str) -> (Value, Vec<String>) {
    let mut before = Vec::new();
    loop {
        let event = data(next_item(socket, "desk").await)["deskEvents"].clone();
        if event["kind"] == kind {
            return (event, before);
        }
        before.push(event["kind"].as_str().unwrap().to_owned());
    }
}

#[tokio::test]
async fn administrators_define_queues_agents_routing_and_the_widget() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let agent1 = demo_login(&server, "agent1").await;

    // Only `acd.admin` defines queues.
    let refused = server.graphql(Some(&agent1), DEFINE_QUEUE, json!({ "input": sales_queue() })).await;
    assert_eq!(error_code(&refused), "auth.forbidden", "{refused}");
    let refused = server.graphql(Some(&agent1), "{ acdQueues { id } }", json!({})).await;
    assert_eq!(error_code(&refused), "auth.forbidden", "{refused}");

    // A new queue gets the id the command id names, so a retry defines the same queue.
    let command_id = Uuid::now_v7();
    let variables = json!({ "commandId": command_id, "input": sales_queue() });
    let defined = data(server.graphql(Some(&admin), DEFINE_QUEUE, variables.clone()).await)["defineAcdQueue"].clone();
    assert_eq!(defined["name"], "Sales");
    assert_eq!(defined["strategy"], "LONGEST_IDLE");
    assert_eq!(defined["requiredSkill"], "sales");
    assert_eq!(defined["minimumSkillLevel"], 3);
    assert_eq!(defined["overflowQueueId"], Value::Null);
    let again = data(server.graphql(Some(&admin), DEFINE_QUEUE, variables).await)["defineAcdQueue"].clone();
    assert_eq!(again["id"], defined["id"]);
    let queue_id = defined["id"].as_str().unwrap().to_owned();

    // An overflow needs both its time and its queue; the domain's rules keep their codes.
    let mut half_overflow = sales_queue();
    half_overflow["overflowAfterSeconds"] = json!(60);
    let refused = server.graphql(Some(&admin), DEFINE_QUEUE, json!({ "input": half_overflow })).await;
    assert_eq!(error_code(&refused), "command.invalid", "{refused}");
    let mut bad_timeout = sales_queue();
    bad_timeout["offerTimeoutSeconds"] = json!(-5);
    let refused = server.graphql(Some(&admin), DEFINE_QUEUE, json!({ "input": bad_timeout })).await;
    assert_eq!(error_code(&refused), "acd.invalid_timeout", "{refused}");
    let mut overflowing = sales_queue();
    overflowing["name"] = json!("Sales overflow");
    overflowing["overflowAfterSeconds"] = json!(90);
    overflowing["overflowQueueId"] = json!(queue_id);
    let overflow = data(server.graphql(Some(&admin), DEFINE_QUEUE, json!({ "input": overflowing })).await);
    assert_eq!(overflow["defineAcdQueue"]["overflowQueueId"], queue_id.as_str());
    assert_eq!(overflow["defineAcdQueue"]["overflowAfterSeconds"], 90);

    let queues = data(server.graphql(Some(&admin), "{ acdQueues { id name } }", json!({})).await);
    let names: Vec<&str> =
        queues["acdQueues"].as_array().unwrap().iter().map(|q| q["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["General", "Sales", "Sales overflow"]);

    // Every user is listed; the demo agents are registered, the administrator is not yet.
    let agents = data(
        server.graphql(Some(&admin), "{ acdAgents { agentId name username registered queueIds } }", json!({})).await,
    );
    let agents = agents["acdAgents"].as_array().unwrap().clone();
    let by_username = |username: &str| agents.iter().find(|agent| agent["username"] == username).cloned().unwrap();
    assert_eq!(by_username("agent1")["registered"], true);
    assert_eq!(by_username("agent1")["name"], "Demo agent one");
    assert_eq!(by_username("admin")["registered"], false);
    assert_eq!(by_username("admin")["queueIds"], json!([]));

    // Routing for a user of the tenant; an unknown user is refused.
    let agent1_id = user_id(&server, &agent1).await;
    let routing = json!({ "input": {
        "agentId": agent1_id, "capacity": [{ "channel": "CHAT", "capacity": 2 }, { "channel": "VOICE", "capacity": 1 }],
        "skills": [{ "skill": "sales", "level": 5 }], "queueIds": [queue_id],
    } });
    let routed = data(server.graphql(Some(&admin), SET_ROUTING, routing).await)["setAgentRouting"].clone();
    assert_eq!(routed["registered"], true);
    assert_eq!(routed["username"], "agent1");
    assert_eq!(routed["queueIds"], json!([queue_id]));
    assert_eq!(routed["skills"], json!([{ "skill": "sales", "level": 5 }]));
    assert_eq!(
        routed["capacity"],
        json!([{ "channel": "VOICE", "capacity": 1, "load": 0 }, { "channel": "CHAT", "capacity": 2, "load": 0 }])
    );
    let stranger = json!({ "input": { "agentId": Uuid::now_v7(), "capacity": [], "skills": [], "queueIds": [] } });
    let refused = server.graphql(Some(&admin), SET_ROUTING, stranger).await;
    assert_eq!(error_code(&refused), "user.not_found", "{refused}");
    let refused = server
        .graphql(
            Some(&agent1),
            SET_ROUTING,
            json!({ "input": { "agentId": agent1_id, "capacity": [], "skills": [], "queueIds": [] } }),
        )
        .await;
    assert_eq!(error_code(&refused), "auth.forbidden", "{refused}");

    // The widget: saved whole, with the snippet for this server and tenant.
    let widget = json!({ "input": {
        "queueId": queue_id, "organisationName": "Demo Contact Centre", "primaryColor": "#112233", "logoUrl": null,
        "intro": "We answer within a minute.", "welcome": "Hello!", "faq": [{ "question": "Hours?", "answer": "9 to 6." }],
        "offlineMessages": true, "offlinePrompt": "Leave a message.", "defaultLanguage": "zh-CN",
    } });
    let saved = data(server.graphql(Some(&admin), UPDATE_WIDGET, widget.clone()).await)["updateChatWidget"].clone();
    assert_eq!(saved["queueId"], queue_id.as_str());
    assert_eq!(saved["defaultLanguage"], "zh-CN");
    let host = server.base_url.trim_start_matches("http://");
    let snippet = format!(r#"<script src="http://{host}/widget/hotline-chat.js" data-tenant="demo" async></script>"#);
    assert_eq!(saved["snippet"], snippet);
    let read =
        data(server.graphql(Some(&admin), "{ chatWidget { queueId faq { question } snippet } }", json!({})).await);
    assert_eq!(read["chatWidget"]["faq"], json!([{ "question": "Hours?" }]));
    assert_eq!(read["chatWidget"]["snippet"], snippet);
    let mut bad = widget;
    bad["input"]["primaryColor"] = json!("blue");
    let refused = server.graphql(Some(&admin), UPDATE_WIDGET, bad).await;
    assert_eq!(error_code(&refused), "chat_widget.invalid_settings", "{refused}");
    let refused = server.graphql(Some(&agent1), "{ chatWidget { snippet } }", json!({})).await;
    assert_eq!(error_code(&refused), "auth.forbidden", "{refused}");
}

#[tokio::test]
async fn an_agent_takes_a_chat_from_offer_to_close() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let agent1 = demo_login(&server, "agent1").await;
    let agent2 = demo_login(&server, "agent2").await;
    let supervisor = demo_login(&server, "supervisor").await;
    let (queue_id, agent1_id) = set_up_sales(&server, &admin, &agent1).await;

    // Presence: NOT_READY carries its reason; then available.
    let set_presence = format!(
        "mutation($state: PresenceState!, $reason: String) {{ setPresence(state: $state, reason: $reason) {{ {} }} }}",
        desk_query()
    );
    let desk =
        data(server.graphql(Some(&agent1), &set_presence, json!({ "state": "NOT_READY", "reason": "lunch" })).await);
    assert_eq!(desk["setPresence"]["presence"]["state"], "NOT_READY");
    assert_eq!(desk["setPresence"]["presence"]["reason"], "lunch");
    let desk = data(server.graphql(Some(&agent1), &set_presence, json!({ "state": "AVAILABLE" })).await);
    assert_eq!(desk["setPresence"]["presence"]["state"], "AVAILABLE");
    assert_eq!(desk["setPresence"]["presence"]["reason"], Value::Null);
    assert_eq!(desk["setPresence"]["registered"], true);
    assert_eq!(desk["setPresence"]["queues"], json!([{ "id": queue_id, "name": "Sales" }]));
    assert_eq!(desk["setPresence"]["offers"], json!([]));

    // The desk's events, from before the visitor writes.
    let mut desk_socket = graphql_ws(&server, &agent1).await;
    subscribe(&mut desk_socket, "desk", "subscription { deskEvents { kind conversationId contactId } }", json!({}))
        .await;
    // A subscription is live once the server has it: a presence change proves it is.
    let mut ready = false;
    for _ in 0..50 {
        let state = if ready { "AVAILABLE" } else { "BUSY" };
        data(server.graphql(Some(&agent1), &set_presence, json!({ "state": state })).await);
        ready = !ready;
        let got = tokio::time::timeout(Duration::from_millis(200), next_text(&mut desk_socket)).await;
        if let Ok(message) = got {
            assert_eq!(message["payload"]["data"]["deskEvents"]["kind"], "PRESENCE_CHANGED", "{message}");
            break;
        }
    }
    data(server.graphql(Some(&agent1), &set_presence, json!({ "state": "AVAILABLE" })).await);

    // A visitor writes; the chat is offered to agent1, the only available agent of Sales.
    let (mut visitor, conversation_id) = visitor_starts_a_chat(&server, "Vera Visitor", "Hello, I need help").await;
    let (offered, _) = desk_event_of_kind(&mut desk_socket, "OFFERED").await;
    assert_eq!(offered["contactId"], conversation_id.as_str());
    assert_eq!(offered["conversationId"], conversation_id.as_str());
    let my_desk = format!("{{ myDesk {{ {} }} }}", desk_query());
    let desk = eventually(&server, &agent1, &my_desk, json!({}), |desk| {
        desk["myDesk"]["offers"][0]["visitorName"] == "Vera Visitor"
    })
    .await;
    let offer = &desk["myDesk"]["offers"][0];
    assert_eq!(offer["contactId"], conversation_id.as_str());
    assert_eq!(offer["conversationId"], conversation_id.as_str());
    assert_eq!(offer["channel"], "CHAT");
    assert_eq!(offer["queue"], json!({ "id": queue_id, "name": "Sales" }));
    assert_eq!(offer["visitorName"], "Vera Visitor");

    // Nobody else may read it yet, not even agent1 before accepting.
    let read_conversation = format!(
        "query($id: UUID!) {{ conversation(id: $id) {{ summary {{ {SUMMARY} }} messages {{ {MESSAGE} }} ratingComment }} }}"
    );
    let refused = server.graphql(Some(&agent2), &read_conversation, json!({ "id": conversation_id })).await;
    assert_eq!(error_code(&refused), "conversation.not_found", "{refused}");

    // Accepting returns the conversation, assigned.
    let accept = format!("mutation($contactId: UUID!) {{ acceptOffer(contactId: $contactId) {{ {SUMMARY} }} }}");
    let accepted = data(server.graphql(Some(&agent1), &accept, json!({ "contactId": conversation_id })).await);
    let summary = &accepted["acceptOffer"];
    assert_eq!(summary["id"], conversation_id.as_str());
    assert_eq!(summary["status"], "ASSIGNED");
    assert_eq!(summary["agentId"], agent1_id.as_str());
    assert_eq!(summary["agentName"], "Demo agent one");
    assert_eq!(summary["queue"]["name"], "Sales");
    assert_eq!(summary["visitor"]["name"], "Vera Visitor");
    assert_eq!(summary["visitor"]["email"], "vera@example.com");
    assert_eq!(summary["messageCount"], 1);
    let (ended, _) = desk_event_of_kind(&mut desk_socket, "OFFER_ENDED").await;
    assert_eq!(ended["contactId"], conversation_id.as_str());
    let (assigned, _) = desk_event_of_kind(&mut desk_socket, "ASSIGNED").await;
    assert_eq!(assigned["conversationId"], conversation_id.as_str());
    let desk = data(server.graphql(Some(&agent1), &my_desk, json!({})).await);
    assert_eq!(desk["myDesk"]["offers"], json!([]));
    assert_eq!(desk["myDesk"]["conversations"][0]["id"], conversation_id.as_str());

    // The conversation's messages live, after the first one.
    let mut messages_socket = graphql_ws(&server, &agent1).await;
    subscribe(
        &mut messages_socket,
        "messages",
        &format!("subscription($id: UUID!, $after: Int) {{ conversationMessages(conversationId: $id, afterSeq: $after) {{ {MESSAGE} }} }}"),
        json!({ "id": conversation_id, "after": 1 }),
    )
    .await;

    // The agent answers; the same client id again is the same message.
    let send = format!(
        "mutation($id: UUID!, $clientId: String!, $text: String) {{ sendChatMessage(conversationId: $id, clientId: $clientId, text: $text) {{ {MESSAGE} }} }}"
    );
    let variables = json!({ "id": conversation_id, "clientId": "agent-reply-1", "text": "Hi Vera, how can I help?" });
    let sent = data(server.graphql(Some(&agent1), &send, variables.clone()).await)["sendChatMessage"].clone();
    assert_eq!(sent["seq"], 2);
    assert_eq!(sent["authorKind"], "AGENT");
    assert_eq!(sent["authorName"], "Demo agent one");
    assert_eq!(sent["text"], "Hi Vera, how can I help?");
    assert_eq!(data(server.graphql(Some(&agent1), &send, variables).await)["sendChatMessage"]["seq"], 2);
    let refused = server
        .graphql(Some(&agent2), &send, json!({ "id": conversation_id, "clientId": "intruder", "text": "Hi" }))
        .await;
    assert!(refused["errors"].is_array(), "{refused}");
    let live = data(next_item(&mut messages_socket, "messages").await)["conversationMessages"].clone();
    assert_eq!(live["seq"], 2);
    assert_eq!(live["clientId"], "agent-reply-1");

    // The visitor sees the answer and writes again: the desk hears of it, and so does the
    // message subscription.
    loop {
        let frame = next_text(&mut visitor).await;
        if frame["type"] == "message" && frame["seq"] == 2 {
            assert_eq!(frame["author"], json!({ "kind": "agent", "name": "Demo agent one" }));
            break;
        }
    }
    send_json(&mut visitor, json!({ "type": "typing" })).await;
    let (typing, _) = desk_event_of_kind(&mut desk_socket, "VISITOR_TYPING").await;
    assert_eq!(typing["conversationId"], conversation_id.as_str());
    send_json(&mut visitor, json!({ "type": "message", "clientId": "visitor-2", "text": "My order is late." })).await;
    let (message, _) = desk_event_of_kind(&mut desk_socket, "MESSAGE").await;
    assert_eq!(message["conversationId"], conversation_id.as_str());
    let live = data(next_item(&mut messages_socket, "messages").await)["conversationMessages"].clone();
    assert_eq!(live["seq"], 3);
    assert_eq!(live["authorKind"], "VISITOR");
    assert_eq!(live["authorName"], "Vera Visitor");

    // A late subscriber catches up from its seq, then goes on live.
    subscribe(
        &mut messages_socket,
        "from-start",
        "subscription($id: UUID!) { conversationMessages(conversationId: $id) { seq } }",
        json!({ "id": conversation_id }),
    )
    .await;
    for seq in 1..=3 {
        assert_eq!(data(next_item(&mut messages_socket, "from-start").await)["conversationMessages"]["seq"], seq);
    }

    // The whole conversation, as agent1 and as a supervisor.
    let read = eventually(&server, &agent1, &read_conversation, json!({ "id": conversation_id }), |read| {
        read["conversation"]["messages"].as_array().is_some_and(|messages| messages.len() == 3)
    })
    .await;
    let messages = read["conversation"]["messages"].as_array().unwrap();
    assert_eq!(messages[0]["authorKind"], "VISITOR");
    assert_eq!(messages[0]["authorName"], "Vera Visitor");
    assert_eq!(messages[0]["text"], "Hello, I need help");
    assert_eq!(messages[1]["authorName"], "Demo agent one");
    assert_eq!(read["conversation"]["summary"]["status"], "ASSIGNED");
    data(server.graphql(Some(&supervisor), &read_conversation, json!({ "id": conversation_id })).await);

    // Another tenant's administrator reads nothing of it.
    let create_tenant = "mutation($input: CreateTenantInput!) { createTenant(input: $input) { aggregateId } }";
    let acme = json!({ "input": { "slug": "acme", "name": "Acme", "admin": { "username": "boss", "displayName": "Boss", "password": "acme password 1" } } });
    data(server.graphql(Some(&admin), create_tenant, acme).await);
    let acme_admin = server.login("acme", "boss", "acme password 1").await;
    let refused = server.graphql(Some(&acme_admin), &read_conversation, json!({ "id": conversation_id })).await;
    assert_eq!(error_code(&refused), "conversation.not_found", "{refused}");
    let history = "query($id: UUID!) { customerHistory(conversationId: $id) { id } }";
    let refused = server.graphql(Some(&acme_admin), history, json!({ "id": conversation_id })).await;
    assert_eq!(error_code(&refused), "conversation.not_found", "{refused}");
    let mut acme_socket = graphql_ws(&server, &acme_admin).await;
    subscribe(
        &mut acme_socket,
        "spy",
        "subscription($id: UUID!) { conversationMessages(conversationId: $id) { seq } }",
        json!({ "id": conversation_id }),
    )
    .await;
    let spied = next_text(&mut acme_socket).await;
    let errors = if spied["type"] == "error" { &spied["payload"] } else { &spied["payload"]["errors"] };
    assert_eq!(errors[0]["extensions"]["code"], "conversation.not_found", "{spied}");

    // Choices for the desk, and where a conversation may go.
    let choices = data(
        server.graphql(Some(&agent1), "{ cannedReplies { code text } dispositions { code label } }", json!({})).await,
    );
    assert!(choices["cannedReplies"].as_array().unwrap().iter().any(|reply| reply["code"] == "greeting"), "{choices}");
    assert!(choices["dispositions"].as_array().unwrap().iter().any(|entry| entry["code"] == "resolved"), "{choices}");
    let targets = data(
        server
            .graphql(
                Some(&agent1),
                "{ transferTargets { queues { id name } agents { agentId name presence } } }",
                json!({}),
            )
            .await,
    );
    let queue_names: Vec<&str> =
        targets["transferTargets"]["queues"].as_array().unwrap().iter().map(|q| q["name"].as_str().unwrap()).collect();
    assert_eq!(queue_names, ["General", "Sales"]);
    let agents = targets["transferTargets"]["agents"].as_array().unwrap();
    assert_eq!(agents.len(), 1, "{targets}");
    assert_eq!(agents[0]["name"], "Demo agent two");
    assert_eq!(agents[0]["presence"], "OFFLINE");
    let transfer = "mutation($id: UUID!, $queue: UUID, $agent: UUID) { transferConversation(conversationId: $id, toQueueId: $queue, toAgentId: $agent) { id status } }";
    let refused = server
        .graphql(
            Some(&agent1),
            transfer,
            json!({ "id": conversation_id, "queue": queue_id, "agent": agents[0]["agentId"] }),
        )
        .await;
    assert_eq!(error_code(&refused), "conversation.invalid_transfer", "{refused}");

    // Closing needs a disposition.
    let close = format!(
        "mutation($id: UUID!, $disposition: String!) {{ closeConversation(conversationId: $id, disposition: $disposition) {{ {SUMMARY} }} }}"
    );
    let refused = server.graphql(Some(&agent1), &close, json!({ "id": conversation_id, "disposition": "" })).await;
    assert_eq!(error_code(&refused), "conversation.invalid_disposition", "{refused}");
    let closed =
        data(server.graphql(Some(&agent1), &close, json!({ "id": conversation_id, "disposition": "resolved" })).await);
    assert_eq!(closed["closeConversation"]["status"], "CLOSED");
    assert_eq!(closed["closeConversation"]["disposition"], "resolved");
    assert!(closed["closeConversation"]["closedAt"].is_string());
    let (closed_event, _) = desk_event_of_kind(&mut desk_socket, "CLOSED").await;
    assert_eq!(closed_event["conversationId"], conversation_id.as_str());
    send_json(&mut visitor, json!({ "type": "rate", "score": 5, "comment": "Quick!" })).await;
    let (rated, _) = desk_event_of_kind(&mut desk_socket, "RATED").await;
    assert_eq!(rated["conversationId"], conversation_id.as_str());

    // The same visitor writes again: a new conversation, with the first in its history.
    send_json(&mut visitor, json!({ "type": "message", "clientId": "visitor-3", "text": "One more thing." })).await;
    let second_id = loop {
        let frame = next_text(&mut visitor).await;
        if frame["type"] == "ack" && frame["clientId"] == "visitor-3" {
            break frame["conversationId"].as_str().unwrap().to_owned();
        }
    };
    assert_ne!(second_id, conversation_id);
    let history = format!("query($id: UUID!) {{ customerHistory(conversationId: $id) {{ {SUMMARY} }} }}");
    let earlier = eventually(&server, &supervisor, &history, json!({ "id": second_id }), |found| {
        found["customerHistory"][0]["ratingScore"] == 5
    })
    .await;
    let earlier = earlier["customerHistory"].as_array().unwrap();
    assert_eq!(earlier.len(), 1);
    assert_eq!(earlier[0]["id"], conversation_id.as_str());
    assert_eq!(earlier[0]["ratingScore"], 5);
    let read = eventually(&server, &agent1, &read_conversation, json!({ "id": conversation_id }), |read| {
        read["conversation"]["ratingComment"] == "Quick!"
    })
    .await;
    assert_eq!(read["conversation"]["ratingComment"], "Quick!");
}

#[tokio::test]
async fn supervisors_watch_the_live_board() {
    let server = Server::start(&Location::embedded());
    let admin = server.demo_admin_token().await;
    let agent1 = demo_login(&server, "agent1").await;
    let supervisor = demo_login(&server, "supervisor").await;
    let (queue_id, agent1_id) = set_up_sales(&server, &admin, &agent1).await;
    let board_fields = "queues { queue { id name } waiting offered longestWaitSeconds agentsAvailable agentsLoggedIn \
         answeredToday abandonedToday serviceLevel } agents { agentId name presence { state reason since } \
         load { channel capacity load } } at";

    let refused = server.graphql(Some(&agent1), &format!("{{ liveBoard {{ {board_fields} }} }}"), json!({})).await;
    assert_eq!(error_code(&refused), "auth.forbidden", "{refused}");

    // The subscription gives the board at once.
    let mut socket = graphql_ws(&server, &supervisor).await;
    subscribe(&mut socket, "board", &format!("subscription {{ liveBoard {{ {board_fields} }} }}"), json!({})).await;
    let first = data(next_item(&mut socket, "board").await)["liveBoard"].clone();
    let sales = |board: &Value| {
        board["queues"]
            .as_array()
            .unwrap()
            .iter()
            .find(|queue| queue["queue"]["id"] == queue_id.as_str())
            .cloned()
            .unwrap()
    };
    assert_eq!(sales(&first)["waiting"], 0);
    assert_eq!(sales(&first)["agentsLoggedIn"], 0);
    assert_eq!(sales(&first)["serviceLevel"], Value::Null);

    // A change of presence gives a fresh board.
    let set_presence = "mutation($state: PresenceState!) { setPresence(state: $state) { presence { state } } }";
    data(server.graphql(Some(&agent1), set_presence, json!({ "state": "AVAILABLE" })).await);
    let deadline = tokio::time::Instant::now() + WAIT;
    let board = loop {
        let board = data(next_item(&mut socket, "board").await)["liveBoard"].clone();
        if sales(&board)["agentsAvailable"] == 1 || tokio::time::Instant::now() > deadline {
            break board;
        }
    };
    assert_eq!(sales(&board)["agentsAvailable"], 1);
    assert_eq!(sales(&board)["agentsLoggedIn"], 1);
    let agent =
        board["agents"].as_array().unwrap().iter().find(|agent| agent["agentId"] == agent1_id.as_str()).unwrap();
    assert_eq!(agent["name"], "Demo agent one");
    assert_eq!(agent["presence"]["state"], "AVAILABLE");

    // A chat answered today counts, within the service level.
    let (_visitor, conversation_id) = visitor_starts_a_chat(&server, "Walter", "Hi there").await;
    let accept = "mutation($contactId: UUID!) { acceptOffer(contactId: $contactId) { id status } }";
    let accepted = data(server.graphql(Some(&agent1), accept, json!({ "contactId": conversation_id })).await);
    assert_eq!(accepted["acceptOffer"]["status"], "ASSIGNED");
    let board =
        eventually(&server, &supervisor, &format!("{{ liveBoard {{ {board_fields} }} }}"), json!({}), |board| {
            sales(&board["liveBoard"])["answeredToday"] == 1
        })
        .await;
    let today = sales(&board["liveBoard"]);
    assert_eq!(today["answeredToday"], 1);
    assert_eq!(today["abandonedToday"], 0);
    assert_eq!(today["serviceLevel"], 1.0);
    assert_eq!(today["waiting"], 0);
    let agent = board["liveBoard"]["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|agent| agent["agentId"] == agent1_id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(agent["load"], json!([{ "channel": "CHAT", "capacity": 2, "load": 1 }]));
}
