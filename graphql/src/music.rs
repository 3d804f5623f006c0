//! Music for waiting and held callers: the tenant's music files and the one each queue plays.
//!
//! Files come in over HTTP, as the web app uploads every file: `POST /api/telephony/music`
//! with the WAV file as the body and its name in `X-File-Name` (percent-encoded) → 201
//! `{ id, name, durationMs }`; `GET /api/telephony/music/{id}` plays one back as a WAV file.
//! The server keeps a file as the relay plays it (μ-law, 8 kHz, mono) in the blob store
//! under the file's id, then records `hotline.telephony.music_added`; a file the command
//! refuses is deleted again, so nothing is half-saved. GraphQL lists the files
//! (`musicFiles`), sets a queue's music (`setQueueMusic`) and removes a file (`removeMusic`).
//! Reading needs `menu.admin.telephony`, changing `telephony.admin`.

use async_graphql::{Context, Object, SimpleObject};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use hotline_command_api::ApiError;
use hotline_command_api::files::upload_name;
use hotline_command_api::rest::session_from_headers;
use hotline_command_api::telephony as service;
use hotline_infra::blobs::BlobInfo;
use hotline_projections::telephony as read_model;
use uuid::Uuid;

use crate::error::{OrGraphqlError, graphql_error};
use crate::identity::mutation::READ_YOUR_WRITES_TIMEOUT;
use crate::identity::query::read_model_error;
use crate::schema::{GraphqlState, session};
use crate::telephony::{reader, telephony};

/// The largest upload: ten minutes of 48 kHz 16-bit stereo, with room for the header.
pub const MAX_MUSIC_UPLOAD_BYTES: usize = 10 * 60 * 48_000 * 4 + 64 * 1024;
/// The type music samples are stored under (μ-law, 8 kHz, mono).
const STORED_TYPE: &str = "audio/basic";

/// How the binary turns uploads into music and music back into WAV (the media crate's
/// codecs; this crate does not depend on it).
#[derive(Clone, Copy)]
pub struct MusicCodec {
    /// A WAV file to μ-law samples at 8 kHz, or why it cannot be.
    pub decode: fn(&[u8]) -> Result<Vec<u8>, String>,
    pub to_wav: fn(&[u8]) -> Vec<u8>,
}

#[derive(Clone)]
struct MusicRoutes {
    graphql: GraphqlState,
    codec: MusicCodec,
}

pub fn router(graphql: GraphqlState, codec: MusicCodec) -> Router {
    Router::new()
        .route("/api/telephony/music", post(upload))
        .route("/api/telephony/music/{id}", get(play))
        .layer(DefaultBodyLimit::max(MAX_MUSIC_UPLOAD_BYTES))
        .with_state(MusicRoutes { graphql, codec })
}

/// The file's name without its extension: what the music is called.
fn music_name(file_name: &str) -> String {
    let name = match file_name.rsplit_once('.') {
        Some((stem, extension)) if !stem.trim().is_empty() && extension.len() <= 4 => stem,
        _ => file_name,
    };
    name.trim().chars().take(hotline_domain::telephony::MAX_NAME_CHARS).collect()
}

async fn upload(State(routes): State<MusicRoutes>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let session = session_from_headers(&routes.graphql.identity, &headers).await?;
    session.require(service::ADMIN_PERMISSION)?;
    let name = music_name(&upload_name(&headers));
    let decode = routes.codec.decode;
    let samples = tokio::task::spawn_blocking(move || decode(&body))
        .await
        .map_err(|error| ApiError::internal(format!("reading the music file: {error}")))?
        .map_err(|why| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "telephony.invalid_music_file", why))?;
    let duration_ms = samples.len() as u64 / 8;
    let music_id = Uuid::now_v7();
    let info = BlobInfo {
        blob_id: music_id,
        name: name.clone(),
        content_type: STORED_TYPE.into(),
        size: samples.len() as u64,
    };
    routes.graphql.blobs.put(session.tenant_id, &info, samples).await?;
    let added = telephony(&routes.graphql).add_music(&session, music_id, name.clone(), duration_ms, Utc::now()).await;
    let outcome = match added {
        Ok(outcome) => outcome,
        Err(refused) => {
            if let Err(error) = routes.graphql.blobs.delete(session.tenant_id, music_id).await {
                tracing::warn!(%error, %music_id, "deleting the samples of a refused music file");
            }
            return Err(refused);
        }
    };
    routes.graphql.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
    let description = serde_json::json!({ "id": music_id, "name": name, "durationMs": duration_ms });
    Ok((StatusCode::CREATED, axum::Json(description)).into_response())
}

async fn play(
    State(routes): State<MusicRoutes>,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let session = session_from_headers(&routes.graphql.identity, &headers).await?;
    service::require_read(&session)?;
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, "telephony.music_not_found", format!("no music file {id}"));
    let (info, samples) = routes.graphql.blobs.get(session.tenant_id, id).await?.ok_or_else(not_found)?;
    // Only music samples are served here, not whatever else the blob store holds.
    if info.content_type != STORED_TYPE {
        return Err(not_found());
    }
    let mut response = (routes.codec.to_wav)(&samples).into_response();
    let response_headers = response.headers_mut();
    response_headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/wav"));
    response_headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600"));
    Ok(response)
}

/// A music file for waiting and held callers.
#[derive(SimpleObject, Clone)]
pub struct MusicFile {
    pub id: Uuid,
    pub name: String,
    pub duration_ms: u64,
    pub added_at: DateTime<Utc>,
    /// The queues that play it.
    pub queue_ids: Vec<Uuid>,
    /// Where the web app plays it (a WAV file).
    pub url: String,
}

#[derive(Default)]
pub struct MusicQuery;

#[Object]
impl MusicQuery {
    /// Your tenant's music files, by name, with the queues that play each. Queues not named
    /// by any file play the built-in chime. Needs `menu.admin.telephony`.
    async fn music_files(&self, context: &Context<'_>) -> async_graphql::Result<Vec<MusicFile>> {
        let (state, session) = reader(context)?;
        let files = read_model::list_music(&state.read_models, session.tenant_id).await.map_err(read_model_error)?;
        let queues =
            read_model::list_queue_music(&state.read_models, session.tenant_id).await.map_err(read_model_error)?;
        Ok(files
            .into_iter()
            .map(|file| MusicFile {
                id: file.music_id,
                name: file.name,
                duration_ms: file.duration_ms,
                added_at: file.added_at,
                queue_ids: queues.iter().filter(|queue| queue.music_id == file.music_id).map(|q| q.queue_id).collect(),
                url: format!("/api/telephony/music/{}", file.music_id),
            })
            .collect())
    }
}

#[derive(Default)]
pub struct MusicMutation;

#[Object]
impl MusicMutation {
    /// Sets the music a queue's callers hear while they wait or are held; without
    /// `musicId`, the built-in chime. Needs `telephony.admin`.
    async fn set_queue_music(
        &self,
        context: &Context<'_>,
        queue_id: Uuid,
        music_id: Option<Uuid>,
    ) -> async_graphql::Result<bool> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        session.require(service::ADMIN_PERMISSION).or_graphql_error()?;
        let exists = state.chat.read_acd(session.tenant_id, |acd| acd.queues.contains_key(&queue_id)).await;
        if !exists.or_graphql_error()? {
            return Err(graphql_error(ApiError::new(
                StatusCode::NOT_FOUND,
                "acd.queue_not_found",
                format!("no queue {queue_id} in your tenant"),
            )));
        }
        let outcome =
            telephony(state).set_queue_music(session, queue_id, music_id, Utc::now()).await.or_graphql_error()?;
        state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
        Ok(true)
    }

    /// Removes a music file no queue plays. Needs `telephony.admin`.
    async fn remove_music(&self, context: &Context<'_>, id: Uuid) -> async_graphql::Result<bool> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let outcome = telephony(state).remove_music(session, id, Utc::now()).await.or_graphql_error()?;
        // The samples go once the log says the file is gone (a duplicate command finds none).
        if let Err(error) = state.blobs.delete(session.tenant_id, id).await {
            tracing::warn!(%error, music_id = %id, "deleting a removed music file's samples");
        }
        state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::music_name;

    #[test]
    fn music_is_named_after_its_file_without_the_extension() {
        assert_eq!(music_name("Spring waltz.wav"), "Spring waltz");
        assert_eq!(music_name("no-extension"), "no-extension");
        assert_eq!(music_name(".wav"), ".wav");
        assert_eq!(music_name("v1.2 final.wave"), "v1.2 final");
    }
}
