//! Knowledge base files over HTTP, with the session cookie or a bearer token:
//! - `POST /api/knowledge/attachments`: the raw file as the body, its type in `Content-Type`,
//!   its name in `X-File-Name` (percent-encoded) → 201 `{ id, name, contentType, size, kind,
//!   url, textChars }` (`knowledge.edit`);
//! - `GET /api/knowledge/files/{id}`: an attachment of the caller's tenant (`menu.knowledge`).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hotline_domain::knowledge::AttachmentKind;
use serde_json::json;
use uuid::Uuid;

use super::service::{KnowledgeService, MAX_ATTACHMENT_BYTES, READ_PERMISSION};
use crate::error::ApiError;
use crate::files::{file_response, upload_content_type, upload_name};
use crate::identity::IdentityService;
use crate::rest::session_from_headers;

#[derive(Clone)]
struct KnowledgeRoutes {
    knowledge: KnowledgeService,
    identity: IdentityService,
}

pub fn router(knowledge: KnowledgeService, identity: IdentityService) -> Router {
    Router::new()
        .route("/api/knowledge/attachments", post(upload))
        .route("/api/knowledge/files/{id}", get(download))
        // A little over the limit, so that the service answers a too-large file itself.
        .layer(DefaultBodyLimit::max(MAX_ATTACHMENT_BYTES + 1024))
        .with_state(KnowledgeRoutes { knowledge, identity })
}

/// Where an attachment is downloaded.
pub fn file_url(blob_id: Uuid) -> String {
    format!("/api/knowledge/files/{blob_id}")
}

/// The GraphQL and JSON name of a kind.
pub fn kind_name(kind: AttachmentKind) -> &'static str {
    match kind {
        AttachmentKind::Document => "DOCUMENT",
        AttachmentKind::Audio => "AUDIO",
        AttachmentKind::File => "FILE",
    }
}

async fn upload(State(routes): State<KnowledgeRoutes>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let session = session_from_headers(&routes.identity, &headers).await?;
    let stored = routes
        .knowledge
        .store_attachment(&session, upload_name(&headers), upload_content_type(&headers), body.to_vec())
        .await?;
    let description = json!({
        "id": stored.info.blob_id,
        "name": stored.info.name,
        "contentType": stored.info.content_type,
        "size": stored.info.size,
        "kind": kind_name(stored.kind),
        "url": file_url(stored.info.blob_id),
        "textChars": stored.text_chars,
    });
    Ok((StatusCode::CREATED, axum::Json(description)).into_response())
}

async fn download(
    State(routes): State<KnowledgeRoutes>,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let session = session_from_headers(&routes.identity, &headers).await?;
    session.require(READ_PERMISSION)?;
    let (info, bytes) = routes.knowledge.blobs().get(session.tenant_id, id).await?.ok_or_else(|| {
        ApiError::new(StatusCode::NOT_FOUND, "knowledge.attachment_not_found", format!("no file {id}"))
    })?;
    // Audio plays in the page and images show; documents download.
    let inline = info.content_type.starts_with("audio/") || info.content_type.starts_with("image/");
    Ok(file_response(&info, bytes, inline))
}
