//! Call recordings at rest: both directions of a call (μ-law, 8 kHz, one byte a sample),
//! compressed with zstd and sealed with AES-256-GCM under a key of the recording's own, kept
//! as a blob. Destroying the key (see [`RecordingStore::destroy`]) makes every copy of the
//! recording unreadable, backups included.

use std::sync::Arc;

use tokio::sync::Semaphore;
use uuid::Uuid;

use crate::blobs::{BlobInfo, BlobStore};
use crate::keys::{self, SubjectKeys};
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("recording {recording_id} is unreadable: {reason}")]
    Unreadable { recording_id: Uuid, reason: String },
}

const MAGIC: &[u8; 4] = b"HLR1";
const CONTENT_TYPE: &str = "application/x-hotline-recording";
/// zstd's level: G.711 compresses little, so speed matters more than the last percent.
const COMPRESSION_LEVEL: i32 = 3;

/// Both directions of a recorded call.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tracks {
    pub caller: Vec<u8>,
    pub agent: Vec<u8>,
}

#[derive(Clone)]
pub struct RecordingStore {
    blobs: BlobStore,
    keys: SubjectKeys,
    /// One recording is compressed at a time: when hundreds of calls end together, a thread
    /// each would crowd out the threads relaying the calls still talking.
    compressing: Arc<Semaphore>,
}

impl RecordingStore {
    pub fn new(blobs: BlobStore, keys: SubjectKeys) -> Self {
        Self { blobs, keys, compressing: Arc::new(Semaphore::new(1)) }
    }

    /// Stores a recording under `recording_id`; returns the bytes kept. Compressing and
    /// sealing run on the blocking pool, one recording at a time, off the async workers.
    pub async fn put(&self, tenant_id: Uuid, recording_id: Uuid, tracks: Tracks) -> Result<u64, RecordingError> {
        let key = self.keys.create(tenant_id, recording_id).await?;
        let _turn = self.compressing.acquire().await.expect("the semaphore is never closed");
        let sealed = tokio::task::spawn_blocking(move || {
            let mut plain = Vec::with_capacity(8 + tracks.caller.len() + tracks.agent.len());
            plain.extend_from_slice(MAGIC);
            plain.extend_from_slice(&(tracks.caller.len() as u32).to_le_bytes());
            plain.extend_from_slice(&tracks.caller);
            plain.extend_from_slice(&tracks.agent);
            zstd::encode_all(plain.as_slice(), COMPRESSION_LEVEL).map(|compressed| keys::seal_bytes(&key, &compressed))
        })
        .await
        .map_err(|error| RecordingError::Unreadable { recording_id, reason: error.to_string() })?
        .map_err(|error| RecordingError::Unreadable { recording_id, reason: error.to_string() })?;
        let size = sealed.len() as u64;
        let info = BlobInfo {
            blob_id: recording_id,
            name: format!("{recording_id}.hlr"),
            content_type: CONTENT_TYPE.to_owned(),
            size,
        };
        self.blobs.put(tenant_id, &info, sealed).await?;
        Ok(size)
    }

    /// A recording's tracks; `None` when it does not exist or its key was destroyed.
    pub async fn get(&self, tenant_id: Uuid, recording_id: Uuid) -> Result<Option<Tracks>, RecordingError> {
        let Some((_, sealed)) = self.blobs.get(tenant_id, recording_id).await? else { return Ok(None) };
        let Some(key) = self.keys.get(tenant_id, recording_id).await? else { return Ok(None) };
        let corrupt = |what: &str| RecordingError::Unreadable { recording_id, reason: what.to_owned() };
        let compressed = keys::open_bytes(&key, &sealed).map_err(|error| corrupt(&error.to_string()))?;
        let plain = zstd::decode_all(compressed.as_slice()).map_err(|error| corrupt(&error.to_string()))?;
        if plain.len() < 8 || &plain[..4] != MAGIC {
            return Err(corrupt("not a recording"));
        }
        let caller_length = u32::from_le_bytes([plain[4], plain[5], plain[6], plain[7]]) as usize;
        let tracks = plain.get(8..).ok_or_else(|| corrupt("truncated"))?;
        if caller_length > tracks.len() {
            return Err(corrupt("truncated"));
        }
        let (caller, agent) = tracks.split_at(caller_length);
        Ok(Some(Tracks { caller: caller.to_vec(), agent: agent.to_vec() }))
    }

    /// Makes a recording unreadable for good.
    pub async fn destroy(&self, tenant_id: Uuid, recording_id: Uuid) -> Result<(), RecordingError> {
        Ok(self.keys.destroy(tenant_id, recording_id).await?)
    }
}
