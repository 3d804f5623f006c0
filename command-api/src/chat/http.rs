//! The visitor's HTTP side (docs/chat.md): `GET /chat/config`, the WebSocket `/chat/ws`,
//! uploads (`POST /chat/upload` for visitors, `POST /chat/agent-upload` for agents) and
//! downloads (`GET /chat/files/{id}`).
//!
//! A visitor connection: `hello` first; then the server sends what the visitor has not seen
//! (read from the log) and what happens next (from the live hub), skipping by stream version
//! what it already sent. Frames from the visitor are rate limited per connection.

use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket};
use axum::extract::{DefaultBodyLimit, Path, Query, State, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use hotline_domain::DomainEvent;
use hotline_domain::EventEnvelope;
use hotline_domain::conversation::{self, Author, ConversationEvent, Status, Visitor};
use hotline_infra::blobs::BlobInfo;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::broadcast;
use uuid::Uuid;

use super::{ALLOWED_UPLOAD_TYPES, ChatService, MAX_UPLOAD_BYTES};
use crate::error::ApiError;
use crate::files::{file_response, upload_content_type, upload_name};
use crate::identity::IdentityService;
use crate::live::{LiveItem, Topic, TypingAuthor};
use crate::rest::session_from_headers;

/// Frames a visitor may send per second, sustained, and in a burst.
const FRAMES_PER_SECOND: f64 = 5.0;
const FRAME_BURST: f64 = 20.0;
/// How long a new connection has to say `hello`.
const HELLO_TIMEOUT: Duration = Duration::from_secs(15);
/// The largest frame a visitor may send (a 4,000-character message fits many times over).
const MAX_FRAME_BYTES: usize = 64 * 1024;

#[derive(Clone)]
struct ChatRoutes {
    chat: ChatService,
    identity: IdentityService,
}

/// The visitor's routes answer any site (the widget runs on customers' pages); no cookie is
/// sent cross-site, so visitors authenticate with their token.
pub fn router(chat: ChatService, identity: IdentityService) -> Router {
    let cors = tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            axum::http::HeaderName::from_static("x-file-name"),
        ]);
    Router::new()
        .route("/chat/config", get(config))
        .route("/chat/ws", get(websocket))
        .route("/chat/upload", post(visitor_upload))
        .route("/chat/agent-upload", post(agent_upload))
        .route("/chat/files/{id}", get(download))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES * 2))
        .layer(cors)
        .with_state(ChatRoutes { chat, identity })
}

#[derive(Deserialize)]
struct TenantQuery {
    tenant: String,
}

fn error(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(status, code, message)
}

async fn config(State(routes): State<ChatRoutes>, Query(query): Query<TenantQuery>) -> Result<Response, ApiError> {
    let tenant_id = routes.chat.tenant_of_slug(&query.tenant).await?;
    let widget = routes.chat.widget(tenant_id).await?;
    let settings = widget.settings;
    Ok(axum::Json(json!({
        "tenant": query.tenant,
        "organisationName": settings.organisation_name,
        "primaryColor": settings.primary_color,
        "logoUrl": settings.logo_url,
        "intro": settings.intro,
        "welcome": settings.welcome,
        "faq": settings.faq.iter().map(|entry| json!({"question": entry.question, "answer": entry.answer})).collect::<Vec<_>>(),
        "offlineMessages": settings.offline_messages,
        "offlinePrompt": settings.offline_prompt,
        "defaultLanguage": settings.default_language,
        "agentsAvailable": widget.agents_available,
        "maxUploadBytes": MAX_UPLOAD_BYTES,
        "allowedUploadTypes": ALLOWED_UPLOAD_TYPES,
    }))
    .into_response())
}

async fn websocket(
    State(routes): State<ChatRoutes>,
    Query(query): Query<TenantQuery>,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let tenant_id = routes.chat.tenant_of_slug(&query.tenant).await?;
    let chat = routes.chat.clone();
    Ok(upgrade
        .max_message_size(MAX_FRAME_BYTES)
        .on_upgrade(move |socket| async move { VisitorConnection::new(chat, tenant_id, socket).run().await }))
}

/// A token bucket: `FRAME_BURST` frames at once, refilled at `FRAMES_PER_SECOND`.
struct RateLimit {
    tokens: f64,
    refilled_at: Instant,
}

impl RateLimit {
    fn new() -> Self {
        Self { tokens: FRAME_BURST, refilled_at: Instant::now() }
    }

    fn allow(&mut self) -> bool {
        let now = Instant::now();
        self.tokens =
            (self.tokens + now.duration_since(self.refilled_at).as_secs_f64() * FRAMES_PER_SECOND).min(FRAME_BURST);
        self.refilled_at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
enum ClientFrame {
    #[serde(rename_all = "camelCase")]
    Hello {
        visitor_token: Option<String>,
        conversation_id: Option<Uuid>,
        #[serde(default)]
        after_seq: u32,
        language: Option<String>,
        name: Option<String>,
        email: Option<String>,
        phone: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    Message {
        client_id: String,
        text: Option<String>,
        attachment_id: Option<Uuid>,
    },
    Typing,
    Close,
    Rate {
        score: u8,
        comment: Option<String>,
    },
}

/// Why a connection ends.
enum End {
    /// The socket closed or failed.
    Gone,
}

struct VisitorConnection {
    chat: ChatService,
    tenant_id: Uuid,
    socket: WebSocket,
    visitor: Option<super::visitor::VisitorSession>,
    conversation_id: Option<Uuid>,
    /// The conversation's live events, and the last stream version sent.
    live: Option<broadcast::Receiver<LiveItem>>,
    sent_version: u64,
    /// Seqs up to this one the visitor already has (from `hello`).
    seen_seq: u32,
    rate_limit: RateLimit,
}

impl VisitorConnection {
    fn new(chat: ChatService, tenant_id: Uuid, socket: WebSocket) -> Self {
        Self {
            chat,
            tenant_id,
            socket,
            visitor: None,
            conversation_id: None,
            live: None,
            sent_version: 0,
            seen_seq: 0,
            rate_limit: RateLimit::new(),
        }
    }

    async fn send(&mut self, frame: Value) -> Result<(), End> {
        self.socket.send(Message::Text(frame.to_string().into())).await.map_err(|_| End::Gone)
    }

    async fn send_error(&mut self, error: &ApiError, client_id: Option<&str>) -> Result<(), End> {
        let mut frame = json!({"type": "error", "code": error.code, "message": error.message});
        if let Some(client_id) = client_id {
            frame["clientId"] = json!(client_id);
        }
        self.send(frame).await
    }

    async fn run(mut self) {
        match tokio::time::timeout(HELLO_TIMEOUT, self.hello()).await {
            Ok(Ok(true)) => {}
            Ok(Ok(false) | Err(End::Gone)) | Err(_) => return,
        }
        loop {
            let live_item = async {
                match self.live.as_mut() {
                    Some(live) => live.recv().await,
                    None => std::future::pending().await,
                }
            };
            let step = tokio::select! {
                incoming = self.socket.recv() => match incoming {
                    Some(Ok(Message::Text(text))) => self.on_frame(text.as_str()).await,
                    Some(Ok(Message::Binary(_))) => {
                        let error = error(StatusCode::BAD_REQUEST, "chat.malformed_frame", "frames are JSON text");
                        self.send_error(&error, None).await
                    }
                    Some(Ok(_)) => Ok(()),
                    Some(Err(_)) | None => Err(End::Gone),
                },
                item = live_item => match item {
                    Ok(LiveItem::Event(envelope)) => self.on_event(&envelope).await,
                    Ok(LiveItem::Typing { author: TypingAuthor::Agent { name, .. }, .. }) => {
                        self.send(json!({"type": "typing", "author": {"kind": "agent", "name": name}})).await
                    }
                    Ok(LiveItem::Typing { .. }) => Ok(()),
                    // Too far behind the hub: read what was missed from the log.
                    Err(broadcast::error::RecvError::Lagged(_)) => self.catch_up().await,
                    Err(broadcast::error::RecvError::Closed) => Err(End::Gone),
                },
            };
            if step.is_err() {
                return;
            }
        }
    }

    /// Waits for `hello` and answers `welcome`; false if the visitor cannot go on.
    async fn hello(&mut self) -> Result<bool, End> {
        loop {
            let text = match self.socket.recv().await {
                Some(Ok(Message::Text(text))) => text,
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                _ => return Ok(false),
            };
            let Ok(ClientFrame::Hello { visitor_token, conversation_id, after_seq, language, name, email, phone }) =
                serde_json::from_str::<ClientFrame>(text.as_str())
            else {
                let error = error(StatusCode::BAD_REQUEST, "chat.malformed_frame", "the first frame is a hello");
                self.send_error(&error, None).await?;
                continue;
            };
            let (claims, token) = match self.chat.visitor(self.tenant_id, visitor_token.as_deref()) {
                Ok(visitor) => visitor,
                Err(error) => {
                    // A stale token (another deployment's key, say) starts a new visitor.
                    self.send_error(&error, None).await?;
                    self.chat.visitor(self.tenant_id, None).map_err(|_| End::Gone)?
                }
            };
            let profile = Visitor { visitor_id: claims.visitor_id, name, email, phone, language };
            self.visitor = Some(super::visitor::VisitorSession { claims, token: token.clone(), profile });
            self.seen_seq = after_seq;
            let mut status = json!({"status": "none", "rated": false});
            if let Some(conversation_id) = conversation_id
                && let Ok((state, _)) = self.chat.conversation_state(self.tenant_id, conversation_id).await
                && state.status != Status::NotStarted
                && state.visitor.visitor_id == claims.visitor_id
            {
                let agent_name = match state.agent_id {
                    Some(agent_id) => Some(self.chat.display_name(self.tenant_id, agent_id).await),
                    None => None,
                };
                status = json!({"status": status_name(state.status), "agentName": agent_name, "rated": state.rated});
                self.conversation_id = Some(conversation_id);
            }
            let mut welcome = json!({"type": "welcome", "visitorToken": token, "conversationId": self.conversation_id});
            merge(&mut welcome, status);
            self.send(welcome).await?;
            if let Some(conversation_id) = self.conversation_id {
                self.follow(conversation_id).await?;
            }
            return Ok(true);
        }
    }

    /// Starts following a conversation: listen live first, then send from the log what the
    /// visitor lacks, so nothing falls between the two.
    async fn follow(&mut self, conversation_id: Uuid) -> Result<(), End> {
        self.conversation_id = Some(conversation_id);
        self.live =
            Some(self.chat.hub().subscribe(Topic::Stream(self.tenant_id, conversation::stream_id(conversation_id))));
        self.sent_version = 0;
        self.catch_up().await
    }

    async fn catch_up(&mut self) -> Result<(), End> {
        let Some(conversation_id) = self.conversation_id else { return Ok(()) };
        let Ok(events) = self.chat.conversation_events(self.tenant_id, conversation_id).await else {
            return Err(End::Gone);
        };
        for envelope in events {
            self.on_event(&envelope).await?;
        }
        Ok(())
    }

    async fn on_event(&mut self, envelope: &EventEnvelope) -> Result<(), End> {
        if envelope.stream_version <= self.sent_version {
            return Ok(());
        }
        self.sent_version = envelope.stream_version;
        let Ok(event) =
            ConversationEvent::from_stored(&envelope.event_type, envelope.schema_version, &envelope.payload)
        else {
            return Ok(());
        };
        let frame = match event {
            ConversationEvent::MessagePosted(posted) => {
                if posted.seq <= self.seen_seq {
                    return Ok(());
                }
                self.seen_seq = posted.seq;
                message_frame(&self.chat, self.tenant_id, &posted).await
            }
            ConversationEvent::Started(started) => {
                json!({"type": "status", "conversationId": started.conversation_id, "status": "queued"})
            }
            ConversationEvent::Assigned(assigned) => {
                let name = self.chat.display_name(self.tenant_id, assigned.agent_id).await;
                json!({"type": "status", "conversationId": assigned.conversation_id, "status": "assigned", "agentName": name})
            }
            ConversationEvent::Transferred(transferred) => {
                json!({"type": "status", "conversationId": transferred.conversation_id, "status": "queued"})
            }
            ConversationEvent::Closed(closed) => json!({
                "type": "status",
                "conversationId": closed.conversation_id,
                "status": "closed",
                "disposition": closed.disposition,
            }),
            ConversationEvent::Rated(rated) => {
                json!({"type": "rated", "conversationId": rated.conversation_id, "score": rated.score})
            }
        };
        self.send(frame).await
    }

    async fn on_frame(&mut self, text: &str) -> Result<(), End> {
        if !self.rate_limit.allow() {
            let error = error(StatusCode::TOO_MANY_REQUESTS, "chat.rate_limited", "too many frames; slow down");
            let client_id = serde_json::from_str::<Value>(text)
                .ok()
                .and_then(|frame| frame.get("clientId").and_then(Value::as_str).map(str::to_owned));
            return self.send_error(&error, client_id.as_deref()).await;
        }
        let frame = match serde_json::from_str::<ClientFrame>(text) {
            Ok(frame) => frame,
            Err(parse_error) => {
                let message = format!("the frame is not one of hello, message, typing, close, rate: {parse_error}");
                return self.send_error(&error(StatusCode::BAD_REQUEST, "chat.malformed_frame", message), None).await;
            }
        };
        let visitor = self.visitor.clone().expect("hello came first");
        let now = Utc::now();
        match frame {
            ClientFrame::Hello { .. } => {
                let error = error(StatusCode::BAD_REQUEST, "chat.malformed_frame", "hello comes once, first");
                self.send_error(&error, None).await
            }
            ClientFrame::Message { client_id, text, attachment_id } => {
                let posted = self
                    .chat
                    .post_visitor_message(&visitor, self.conversation_id, &client_id, text, attachment_id, now)
                    .await;
                match posted {
                    Ok((conversation_id, seq)) => {
                        if self.conversation_id != Some(conversation_id) {
                            self.follow(conversation_id).await?;
                        }
                        self.send(json!({"type": "ack", "clientId": client_id, "seq": seq, "conversationId": conversation_id}))
                            .await
                    }
                    Err(error) => self.send_error(&error, Some(&client_id)).await,
                }
            }
            ClientFrame::Typing => {
                if let Some(conversation_id) = self.conversation_id {
                    self.chat.hub().publish_typing(
                        self.tenant_id,
                        conversation::stream_id(conversation_id),
                        conversation_id,
                        TypingAuthor::Visitor,
                    );
                }
                Ok(())
            }
            ClientFrame::Close => match self.conversation_id {
                Some(conversation_id) => match self.chat.close_by_visitor(&visitor, conversation_id, now).await {
                    Ok(()) => Ok(()),
                    Err(error) => self.send_error(&error, None).await,
                },
                None => self.send_error(&no_conversation(), None).await,
            },
            ClientFrame::Rate { score, comment } => match self.conversation_id {
                Some(conversation_id) => match self.chat.rate(&visitor, conversation_id, score, comment, now).await {
                    Ok(()) => Ok(()),
                    Err(error) => self.send_error(&error, None).await,
                },
                None => self.send_error(&no_conversation(), None).await,
            },
        }
    }
}

fn no_conversation() -> ApiError {
    error(StatusCode::NOT_FOUND, "chat.no_conversation", "there is no conversation yet; send a message first")
}

fn merge(target: &mut Value, extra: Value) {
    if let (Some(target), Value::Object(extra)) = (target.as_object_mut(), extra) {
        target.extend(extra);
    }
}

fn status_name(status: Status) -> &'static str {
    match status {
        Status::NotStarted => "none",
        Status::Queued => "queued",
        Status::Assigned => "assigned",
        Status::Closed => "closed",
    }
}

/// The download address of a file.
pub fn file_url(attachment_id: Uuid) -> String {
    format!("/chat/files/{attachment_id}")
}

/// A posted message as the visitor protocol frames it.
async fn message_frame(chat: &ChatService, tenant_id: Uuid, posted: &conversation::MessagePosted) -> Value {
    let author = match &posted.author {
        Author::Visitor => json!({"kind": "visitor"}),
        Author::Agent { agent_id } => json!({"kind": "agent", "name": chat.display_name(tenant_id, *agent_id).await}),
        Author::System => json!({"kind": "system"}),
    };
    json!({
        "type": "message",
        "seq": posted.seq,
        "clientId": posted.client_id,
        "author": author,
        "text": posted.text,
        "attachment": posted.attachment.as_ref().map(|file| json!({
            "id": file.attachment_id,
            "name": file.name,
            "contentType": file.content_type,
            "size": file.size,
            "url": file_url(file.attachment_id),
        })),
        "at": posted.at,
    })
}

/// Checks and stores an upload; answers its description.
async fn store_upload(
    chat: &ChatService,
    tenant_id: Uuid,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    if body.len() > MAX_UPLOAD_BYTES {
        return Err(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "chat.upload_too_large",
            format!("the file is {} bytes, over the limit of {MAX_UPLOAD_BYTES}", body.len()),
        ));
    }
    let content_type = upload_content_type(headers);
    if !ALLOWED_UPLOAD_TYPES.contains(&content_type.as_str()) {
        return Err(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "chat.upload_type_not_allowed",
            format!("files of type {content_type:?} are not accepted; send one of {}", ALLOWED_UPLOAD_TYPES.join(", ")),
        ));
    }
    let name = upload_name(headers);
    if body.is_empty() {
        return Err(error(StatusCode::BAD_REQUEST, "chat.invalid_upload", "the file is empty"));
    }
    let info = BlobInfo { blob_id: Uuid::now_v7(), name, content_type, size: body.len() as u64 };
    chat.blobs().put(tenant_id, &info, body.to_vec()).await?;
    let description = json!({
        "id": info.blob_id,
        "name": info.name,
        "contentType": info.content_type,
        "size": info.size,
        "url": file_url(info.blob_id),
    });
    Ok((StatusCode::CREATED, axum::Json(description)).into_response())
}

fn visitor_token(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Visitor ").map(str::trim)
}

async fn visitor_upload(
    State(routes): State<ChatRoutes>,
    Query(query): Query<TenantQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let tenant_id = routes.chat.tenant_of_slug(&query.tenant).await?;
    let token = visitor_token(&headers)
        .ok_or_else(|| error(StatusCode::UNAUTHORIZED, "chat.bad_token", "send Authorization: Visitor <token>"))?;
    routes.chat.visitor(tenant_id, Some(token))?;
    store_upload(&routes.chat, tenant_id, &headers, body).await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AgentUploadQuery {
    conversation_id: Uuid,
}

async fn agent_upload(
    State(routes): State<ChatRoutes>,
    Query(query): Query<AgentUploadQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let session = session_from_headers(&routes.identity, &headers).await?;
    if !routes.chat.is_agent_of(&session, query.conversation_id).await? {
        return Err(error(
            StatusCode::FORBIDDEN,
            "conversation.not_your_conversation",
            "you can attach files only to your own open conversations",
        ));
    }
    store_upload(&routes.chat, session.tenant_id, &headers, body).await
}

#[derive(Deserialize)]
struct DownloadQuery {
    token: Option<String>,
}

async fn download(
    State(routes): State<ChatRoutes>,
    Path(id): Path<Uuid>,
    Query(query): Query<DownloadQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let tenant_id = match query.token.as_deref() {
        Some(token) => routes.chat.inner.signer.verify_visitor(token)?.tenant_id,
        None => session_from_headers(&routes.identity, &headers).await?.tenant_id,
    };
    let (info, bytes) = routes
        .chat
        .blobs()
        .get(tenant_id, id)
        .await?
        .ok_or_else(|| error(StatusCode::NOT_FOUND, "chat.attachment_not_found", format!("no file {id}")))?;
    let inline = info.content_type.starts_with("image/");
    Ok(file_response(&info, bytes, inline))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_limit_allows_a_burst_then_refuses() {
        let mut limit = RateLimit::new();
        let allowed = (0..40).filter(|_| limit.allow()).count();
        assert_eq!(allowed, FRAME_BURST as usize);
    }

    #[test]
    fn the_visitor_protocol_parses_every_client_frame() {
        for frame in [
            r#"{"type":"hello"}"#,
            r#"{"type":"hello","visitorToken":"t","conversationId":"0190a000-0000-7000-8000-000000000001","afterSeq":3}"#,
            r#"{"type":"message","clientId":"c1","text":"hi"}"#,
            r#"{"type":"typing"}"#,
            r#"{"type":"close"}"#,
            r#"{"type":"rate","score":5}"#,
        ] {
            assert!(serde_json::from_str::<ClientFrame>(frame).is_ok(), "{frame}");
        }
        assert!(serde_json::from_str::<ClientFrame>(r#"{"type":"nope"}"#).is_err());
        assert!(serde_json::from_str::<ClientFrame>(r#"{"type":"message"}"#).is_err());
    }
}
