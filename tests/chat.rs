//! Web chat end to end, through the real binary: a visitor on the WebSocket of docs/chat.md,
//! agents on GraphQL, routing by the ACD, and the log audited afterwards.

mod common;

use std::time::Duration;

use common::{Location, Server, WAIT, error_code, run_cli};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A visitor's browser: one WebSocket, the frames it received, what it remembers.
struct Visitor {
    socket: Socket,
    token: Option<String>,
    conversation_id: Option<String>,
    last_seq: u64,
}

impl Visitor {
    async fn connect(server: &Server, tenant: &str) -> Self {
        let url = format!("{}/chat/ws?tenant={tenant}", server.base_url.replacen("http", "ws", 1));
        let (socket, _) = tokio_tungstenite::connect_async(url).await.expect("the visitor connects");
        Self { socket, token: None, conversation_id: None, last_seq: 0 }
    }

    async fn send(&mut self, frame: Value) {
        self.socket.send(Message::Text(frame.to_string().into())).await.expect("sending a frame");
    }

    /// The next frame, or a panic after WAIT.
    async fn next(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(WAIT, self.socket.next())
                .await
                .expect("a frame within the wait")
                .expect("the socket is open")
                .expect("a frame");
            if let Message::Text(text) = message {
                let frame: Value = serde_json::from_str(text.as_str()).expect("JSON frames");
                if frame["type"] == "message" {
                    self.last_seq = self.last_seq.max(frame["seq"].as_u64().unwrap());
                }
                return frame;
            }
        }
    }

    /// Frames until one of `frame_type` (returned), keeping the others.
    async fn until(&mut self, frame_type: &str) -> (Value, Vec<Value>) {
        let mut before = Vec::new();
        loop {
            let frame = self.next().await;
            if frame["type"] == frame_type {
                return (frame, before);
            }
            before.push(frame);
        }
    }

    async fn hello(&mut self) -> Value {
        let mut hello = json!({"type": "hello", "afterSeq": self.last_seq, "name": "Ann Visitor"});
        if let Some(token) = &self.token {
            hello["visitorToken"] = json!(token);
        }
        if let Some(conversation_id) = &self.conversation_id {
            hello["conversationId"] = json!(conversation_id);
        }
        self.send(hello).await;
        let (welcome, _) = self.until("welcome").await;
        self.token = welcome["visitorToken"].as_str().map(str::to_owned);
        welcome
    }

    async fn say(&mut self, client_id: &str, text: &str) -> Value {
        self.send(json!({"type": "message", "clientId": client_id, "text": text})).await;
        let (ack, _) = self.until("ack").await;
        self.conversation_id = ack["conversationId"].as_str().map(str::to_owned);
        ack
    }
}

const DESK: &str =
    "{ myDesk { registered presence { state } offers { contactId conversationId } conversations { id status } } }";

async fn gql(server: &Server, token: &str, query: &str, variables: Value) -> Value {
    let response = server.graphql(Some(token), query, variables).await;
    assert!(response.get("errors").is_none(), "{query}: {response}");
    response["data"].clone()
}

async fn set_presence(server: &Server, token: &str, state: &str) {
    gql(
        server,
        token,
        "mutation($s: PresenceState!) { setPresence(state: $s) { presence { state } } }",
        json!({"s": state}),
    )
    .await;
}

/// Waits until the agent's desk shows an offer; returns the offered contact id.
async fn wait_for_offer(server: &Server, token: &str) -> String {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let desk = gql(server, token, DESK, json!({})).await;
        if let Some(offer) = desk["myDesk"]["offers"].as_array().and_then(|offers| offers.first()) {
            return offer["contactId"].as_str().unwrap().to_owned();
        }
        assert!(tokio::time::Instant::now() < deadline, "no offer reached the agent: {desk}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn offers_of(server: &Server, token: &str) -> Vec<String> {
    let desk = gql(server, token, DESK, json!({})).await;
    desk["myDesk"]["offers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|offer| offer["contactId"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_visitor_and_an_agent_chat_both_ways_through_a_dropped_connection_and_the_visitor_rates() {
    let server = Server::start(&Location::embedded());
    let password = server.demo_password.clone().unwrap();
    let agent = server.login("demo", "agent1", &password).await;
    set_presence(&server, &agent, "AVAILABLE").await;

    let config: Value = server
        .http
        .get(format!("{}/chat/config?tenant=demo", server.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(config["agentsAvailable"], true, "{config}");

    let mut visitor = Visitor::connect(&server, "demo").await;
    let welcome = visitor.hello().await;
    assert_eq!(welcome["status"], "none");
    let ack = visitor.say("m1", "Hello, my parcel is late").await;
    assert_eq!(ack["seq"], 1);
    // Resending the same client id posts nothing new.
    assert_eq!(visitor.say("m1", "Hello, my parcel is late").await["seq"], 1);

    let contact_id = wait_for_offer(&server, &agent).await;
    assert_eq!(Some(contact_id.as_str()), visitor.conversation_id.as_deref());
    let accepted = gql(
        &server,
        &agent,
        "mutation($c: UUID!) { acceptOffer(contactId: $c) { id status visitor { name } } }",
        json!({"c": contact_id}),
    )
    .await;
    assert_eq!(accepted["acceptOffer"]["status"], "ASSIGNED");
    assert_eq!(accepted["acceptOffer"]["visitor"]["name"], "Ann Visitor");
    let (status, _) = visitor.until("status").await;
    assert_eq!((status["status"].as_str(), status["agentName"].as_str()), (Some("assigned"), Some("Demo agent one")));

    let send = "mutation($c: UUID!, $id: String!, $t: String) { sendChatMessage(conversationId: $c, clientId: $id, text: $t) { seq } }";
    gql(&server, &agent, send, json!({"c": contact_id, "id": "a1", "t": "Sorry to hear that. Your order number?"}))
        .await;
    let (message, _) = visitor.until("message").await;
    assert_eq!((message["seq"].as_u64(), message["author"]["kind"].as_str()), (Some(2), Some("agent")));

    // The connection drops; meanwhile the agent writes twice. The visitor comes back with its
    // token, conversation and last seq, and gets exactly what it missed.
    drop(visitor.socket);
    gql(&server, &agent, send, json!({"c": contact_id, "id": "a2", "t": "Are you there?"})).await;
    gql(&server, &agent, send, json!({"c": contact_id, "id": "a3", "t": "I can see the order."})).await;
    let mut back = Visitor::connect(&server, "demo").await;
    (back.token, back.conversation_id, back.last_seq) = (visitor.token.clone(), visitor.conversation_id.clone(), 2);
    let welcome = back.hello().await;
    assert_eq!(welcome["status"], "assigned");
    let mut seqs = Vec::new();
    while seqs.len() < 2 {
        let frame = back.next().await;
        if frame["type"] == "message" {
            seqs.push(frame["seq"].as_u64().unwrap());
        }
    }
    assert_eq!(seqs, [3, 4], "no message lost, none doubled");
    // A message the visitor sent before the drop and resends after is not doubled.
    assert_eq!(back.say("m1", "Hello, my parcel is late").await["seq"], 1);
    assert_eq!(back.say("m2", "Order 123").await["seq"], 5);

    // A file, both ways: the visitor uploads and posts it; the agent sees it.
    let upload = server
        .http
        .post(format!("{}/chat/upload?tenant=demo", server.base_url))
        .header("authorization", format!("Visitor {}", back.token.as_ref().unwrap()))
        .header("content-type", "image/png")
        .header("x-file-name", "%E6%94%B6%E6%8D%AE.png")
        .body(vec![0x89, b'P', b'N', b'G'])
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), 201);
    let file: Value = upload.json().await.unwrap();
    assert_eq!(file["name"], "收据.png");
    back.send(json!({"type": "message", "clientId": "m3", "attachmentId": file["id"]})).await;
    back.until("ack").await;
    let conversation = gql(
        &server,
        &agent,
        "query($c: UUID!) { conversation(id: $c) { messages { seq authorKind text attachment { name url } } } }",
        json!({"c": contact_id}),
    )
    .await;
    let messages = conversation["conversation"]["messages"].as_array().unwrap();
    assert_eq!(messages.iter().map(|m| m["seq"].as_u64().unwrap()).collect::<Vec<_>>(), [1, 2, 3, 4, 5, 6]);
    let url = messages[5]["attachment"]["url"].as_str().unwrap();
    let bytes = server.http.get(format!("{}{url}", server.base_url)).bearer_auth(&agent).send().await.unwrap();
    assert_eq!(bytes.bytes().await.unwrap().as_ref(), [0x89, b'P', b'N', b'G']);

    // The agent closes with a disposition; the visitor rates.
    let close = "mutation($c: UUID!, $d: String!) { closeConversation(conversationId: $c, disposition: $d) { status disposition } }";
    let refused = server.graphql(Some(&agent), close, json!({"c": contact_id, "d": " "})).await;
    assert_eq!(error_code(&refused), "conversation.invalid_disposition");
    let closed = gql(&server, &agent, close, json!({"c": contact_id, "d": "resolved"})).await;
    assert_eq!(closed["closeConversation"]["status"], "CLOSED");
    let (status, _) = back.until("status").await;
    assert_eq!(status["status"], "closed");
    back.send(json!({"type": "rate", "score": 5, "comment": "quick and kind"})).await;
    let (rated, _) = back.until("rated").await;
    assert_eq!(rated["score"], 5);
    back.send(json!({"type": "rate", "score": 4})).await;
    let (error, _) = back.until("error").await;
    assert_eq!(error["code"], "conversation.already_rated");

    // The agent's capacity is free again, and the log's routing decides the same again.
    let desk = gql(&server, &agent, DESK, json!({})).await;
    assert_eq!(desk["myDesk"]["offers"], json!([]));
    drop(server);
}

#[tokio::test]
async fn bad_visitor_input_gets_clear_errors_and_the_conversation_stays_intact() {
    let server = Server::start(&Location::embedded());
    let unknown = server.http.get(format!("{}/chat/config?tenant=nobody", server.base_url)).send().await.unwrap();
    assert_eq!(unknown.status(), 404);
    assert_eq!(unknown.json::<Value>().await.unwrap()["code"], "tenant.not_found");
    let url = format!("{}/chat/ws?tenant=nobody", server.base_url.replacen("http", "ws", 1));
    assert!(tokio_tungstenite::connect_async(url).await.is_err(), "an unknown tenant's upgrade is refused");

    let mut visitor = Visitor::connect(&server, "demo").await;
    visitor.hello().await;
    visitor.say("first", "hello").await;
    for (frame, code) in [
        ("not json".to_owned(), "chat.malformed_frame"),
        (json!({"type": "shout"}).to_string(), "chat.malformed_frame"),
        (json!({"type": "message"}).to_string(), "chat.malformed_frame"),
        (json!({"type": "message", "clientId": "blank", "text": "   "}).to_string(), "conversation.invalid_message"),
        (
            json!({"type": "message", "clientId": "big", "text": "x".repeat(4001)}).to_string(),
            "conversation.invalid_message",
        ),
        (
            json!({"type": "message", "clientId": "ghost", "attachmentId": Uuid::now_v7()}).to_string(),
            "chat.attachment_not_found",
        ),
    ] {
        visitor.socket.send(Message::Text(frame.into())).await.unwrap();
        let (error, _) = visitor.until("error").await;
        assert_eq!(error["code"], code);
    }
    // A flood: past the burst, frames are refused, the socket stays open.
    for index in 0..40 {
        visitor.send(json!({"type": "typing", "n": index})).await;
    }
    let (error, _) = visitor.until("error").await;
    assert_eq!(error["code"], "chat.rate_limited");

    // Uploads: too large, a type not allowed, no token.
    let token = visitor.token.clone().unwrap();
    let upload = |content_type: &str, body: Vec<u8>, token: Option<&str>| {
        let mut request = server
            .http
            .post(format!("{}/chat/upload?tenant=demo", server.base_url))
            .header("content-type", content_type)
            .body(body);
        if let Some(token) = token {
            request = request.header("authorization", format!("Visitor {token}"));
        }
        request.send()
    };
    let too_large = upload("image/png", vec![0; 10 * 1024 * 1024 + 1], Some(&token)).await.unwrap();
    assert_eq!(too_large.status(), 413);
    assert_eq!(too_large.json::<Value>().await.unwrap()["code"], "chat.upload_too_large");
    let script = upload("text/html", b"<script>".to_vec(), Some(&token)).await.unwrap();
    assert_eq!(script.status(), 415);
    assert_eq!(script.json::<Value>().await.unwrap()["code"], "chat.upload_type_not_allowed");
    let anonymous = upload("image/png", vec![1], None).await.unwrap();
    assert_eq!(anonymous.status(), 401);

    // After all that, the conversation is intact and takes the next message.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let ack = visitor.say("after", "still here").await;
    assert_eq!(ack["seq"], 2);
}

/// Sets up two queues for the routing tests: `general` (sticky for 30 s, overflowing to
/// `billing` after 2 s) and `billing` (needs billing skill 5). Agent one serves general;
/// agent two serves both with billing 8. Returns their tokens and the queue ids.
struct Routing {
    agent_one: String,
    agent_two: String,
    general: String,
    billing: String,
}

async fn routing_setup(server: &Server) -> Routing {
    let password = server.demo_password.clone().unwrap();
    let admin = server.demo_admin_token().await;
    let define = "mutation($i: AcdQueueInput!) { defineAcdQueue(input: $i) { id } }";
    let billing = gql(
        server,
        &admin,
        define,
        json!({"i": {
            "name": "Billing", "strategy": "SKILL_LEVEL", "requiredSkill": "billing", "minimumSkillLevel": 5,
            "customerPriority": false, "offerTimeoutSeconds": 30,
        }}),
    )
    .await["defineAcdQueue"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let general = gql(
        server,
        &admin,
        define,
        json!({"i": {
            "name": "Front desk", "strategy": "LONGEST_IDLE", "customerPriority": false, "offerTimeoutSeconds": 30,
            "stickyAgentSeconds": 30, "overflowAfterSeconds": 2, "overflowQueueId": billing,
        }}),
    )
    .await["defineAcdQueue"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let users = gql(server, &admin, "{ acdAgents { agentId username } }", json!({})).await;
    let id_of = |username: &str| {
        users["acdAgents"].as_array().unwrap().iter().find(|agent| agent["username"] == username).unwrap()["agentId"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let routing = "mutation($i: AgentRoutingInput!) { setAgentRouting(input: $i) { agentId } }";
    gql(server, &admin, routing, json!({"i": {
        "agentId": id_of("agent1"), "capacity": [{"channel": "CHAT", "capacity": 1}], "skills": [], "queueIds": [general],
    }}))
    .await;
    gql(
        server,
        &admin,
        routing,
        json!({"i": {
            "agentId": id_of("agent2"), "capacity": [{"channel": "CHAT", "capacity": 1}],
            "skills": [{"skill": "billing", "level": 8}], "queueIds": [general, billing],
        }}),
    )
    .await;
    let widget = "mutation($i: ChatWidgetInput!) { updateChatWidget(input: $i) { queueId } }";
    gql(
        server,
        &admin,
        widget,
        json!({"i": {
            "queueId": general, "organisationName": "Demo", "primaryColor": "#1677ff", "intro": "", "welcome": "Hi",
            "faq": [], "offlineMessages": true, "offlinePrompt": "Leave a message", "defaultLanguage": "en",
        }}),
    )
    .await;
    Routing {
        agent_one: server.login("demo", "agent1", &password).await,
        agent_two: server.login("demo", "agent2", &password).await,
        general,
        billing,
    }
}

#[tokio::test]
async fn contacts_reach_the_right_agent_the_sticky_agent_gets_the_returning_customer_and_overflow_moves_on_time() {
    let location = Location::embedded();
    let server = Server::start(&location);
    let routing = routing_setup(&server).await;
    let accept = "mutation($c: UUID!) { acceptOffer(contactId: $c) { id } }";
    let close = "mutation($c: UUID!) { closeConversation(conversationId: $c, disposition: \"resolved\") { id } }";

    // Only agent two is available: the front desk chat goes to them.
    set_presence(&server, &routing.agent_two, "AVAILABLE").await;
    let mut customer = Visitor::connect(&server, "demo").await;
    customer.hello().await;
    customer.say("c1", "Hi").await;
    let first = wait_for_offer(&server, &routing.agent_two).await;
    gql(&server, &routing.agent_two, accept, json!({"c": first})).await;
    gql(&server, &routing.agent_two, close, json!({"c": first})).await;

    // Both available, agent one idle longer... but the returning customer goes to agent two,
    // who served them last (sticky agent).
    set_presence(&server, &routing.agent_one, "AVAILABLE").await;
    customer.until("status").await;
    customer.conversation_id = None;
    customer.say("c2", "Me again").await;
    let returning = wait_for_offer(&server, &routing.agent_two).await;
    assert_eq!(Some(returning.as_str()), customer.conversation_id.as_deref());
    assert_eq!(offers_of(&server, &routing.agent_one).await, Vec::<String>::new());
    gql(&server, &routing.agent_two, accept, json!({"c": returning})).await;

    // A new customer: agent two is full (capacity 1), so agent one gets it.
    let mut stranger = Visitor::connect(&server, "demo").await;
    stranger.hello().await;
    stranger.say("s1", "Hello").await;
    let to_one = wait_for_offer(&server, &routing.agent_one).await;
    gql(&server, &routing.agent_one, accept, json!({"c": to_one})).await;

    // A third customer waits in the front desk with both agents busy; after 2 s it
    // overflows to billing, where agent two (billing 8) takes it when free.
    let mut third = Visitor::connect(&server, "demo").await;
    third.hello().await;
    third.say("t1", "Invoice question").await;
    let live = "{ liveBoard { queues { queue { id } waiting } } }";
    let waiting_in = |board: &Value, queue: &str| {
        board["liveBoard"]["queues"].as_array().unwrap().iter().find(|q| q["queue"]["id"] == queue).unwrap()["waiting"]
            .as_u64()
            .unwrap()
    };
    let admin = server.demo_admin_token().await;
    let board = gql(&server, &admin, live, json!({})).await;
    assert_eq!(waiting_in(&board, &routing.general), 1, "{board}");
    tokio::time::sleep(Duration::from_millis(3000)).await;
    let board = gql(&server, &admin, live, json!({})).await;
    assert_eq!((waiting_in(&board, &routing.general), waiting_in(&board, &routing.billing)), (0, 1), "{board}");
    gql(&server, &routing.agent_two, close, json!({"c": returning})).await;
    let overflowed = wait_for_offer(&server, &routing.agent_two).await;
    assert_eq!(Some(overflowed.as_str()), third.conversation_id.as_deref());

    // Every routing decision in the log decides the same again.
    drop(server);
    let (ok, output) = run_cli(&location, &["audit", "routing", "--tenant", "demo"]);
    assert!(ok, "{output}");
    assert!(output.contains("identical"), "{output}");
}

#[tokio::test]
async fn an_agent_transfers_a_chat_to_a_colleague_who_gets_it_offered() {
    let server = Server::start(&Location::embedded());
    let password = server.demo_password.clone().unwrap();
    let (one, two) = (server.login("demo", "agent1", &password).await, server.login("demo", "agent2", &password).await);
    set_presence(&server, &one, "AVAILABLE").await;
    let mut visitor = Visitor::connect(&server, "demo").await;
    visitor.hello().await;
    visitor.say("v1", "Hello").await;
    let contact = wait_for_offer(&server, &one).await;
    gql(&server, &one, "mutation($c: UUID!) { acceptOffer(contactId: $c) { id } }", json!({"c": contact})).await;

    // Agent two comes on shift; agent one hands the chat over by name.
    set_presence(&server, &two, "AVAILABLE").await;
    let targets = gql(&server, &one, "{ transferTargets { agents { agentId name } } }", json!({})).await;
    let two_id = targets["transferTargets"]["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|agent| agent["name"] == "Demo agent two")
        .expect("agent two is a transfer target")["agentId"]
        .clone();
    let transfer =
        "mutation($c: UUID!, $a: UUID) { transferConversation(conversationId: $c, toAgentId: $a) { status } }";
    let moved = gql(&server, &one, transfer, json!({"c": contact, "a": two_id})).await;
    assert_eq!(moved["transferConversation"]["status"], "QUEUED");
    assert_eq!(wait_for_offer(&server, &two).await, contact);
    let desk = gql(&server, &one, DESK, json!({})).await;
    assert_eq!(desk["myDesk"]["conversations"], json!([]), "the chat left agent one's desk");
    gql(&server, &two, "mutation($c: UUID!) { acceptOffer(contactId: $c) { id } }", json!({"c": contact})).await;
    // The visitor sees it: assigned to one, back in the queue, assigned to two.
    let mut statuses = Vec::new();
    loop {
        let (status, _) = visitor.until("status").await;
        let seen = format!("{} {}", status["status"].as_str().unwrap(), status["agentName"].as_str().unwrap_or("-"));
        statuses.push(seen);
        if status["agentName"] == "Demo agent two" {
            break;
        }
    }
    assert_eq!(statuses[statuses.len() - 3..], ["assigned Demo agent one", "queued -", "assigned Demo agent two"]);
    // Agent one may no longer write into it.
    let send = "mutation($c: UUID!) { sendChatMessage(conversationId: $c, clientId: \"late\", text: \"hi\") { seq } }";
    let refused = server.graphql(Some(&one), send, json!({"c": contact})).await;
    assert_eq!(error_code(&refused), "conversation.not_your_conversation");
}
