//! Call recordings at rest: both directions of a call (μ-law, 8 kHz, one byte a sample),
//! compressed with zstd and sealed with AES-256-GCM under a key of the recording's own, kept
//! as a blob. Destroying the key (see [`RecordingStore::destroy`]) makes every copy of the
//! recording unreadable, backups included.
//!
//! While a call runs, its recording is spooled ([`RecordingSpool`]): chunks of either track,
//! each sealed under the recording's key (created when the spool opens) and appended to a
//! file in the spool folder, so that a long call holds only its last seconds in memory and no
//! plain audio is written to disk. [`RecordingStore::finish`] reads the chunks back, adds the
//! tail still in memory, stores the recording as [`RecordingStore::put`] does and deletes the
//! file. A spool left by a crash (its call died with the process) is deleted at start-up by
//! [`RecordingStore::sweep_spools`].

use std::fs::File;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

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
/// μ-law silence, for samples no chunk covers.
const SILENCE: u8 = 0xFF;
const SPOOL_EXTENSION: &str = "spool";
/// The longest track a spool is read back into (4 hours at 8 kHz), against a corrupt offset.
const MAX_TRACK_SAMPLES: u64 = 4 * 3600 * 8000;

pub use hotline_domain::call::recording::{Chunk, Side};

impl Tracks {
    /// The tracks the chunks make up (silence where none covers).
    pub fn from_chunks(chunks: &[Chunk]) -> Self {
        let mut tracks = Tracks::default();
        for chunk in chunks {
            tracks.place(chunk);
        }
        tracks
    }

    /// Writes a chunk into its track, with silence before it where nothing was.
    fn place(&mut self, chunk: &Chunk) {
        let track = match chunk.side {
            Side::Caller => &mut self.caller,
            Side::Agent => &mut self.agent,
        };
        let start = chunk.start as usize;
        let end = start + chunk.samples.len();
        if track.len() < end {
            track.resize(end, SILENCE);
        }
        track[start..end].copy_from_slice(&chunk.samples);
    }
}

/// A recording being written while its call runs (see the module's doc).
pub struct RecordingSpool {
    tenant_id: Uuid,
    recording_id: Uuid,
    key: [u8; 32],
    path: PathBuf,
    file: Mutex<File>,
}

impl RecordingSpool {
    pub fn recording_id(&self) -> Uuid {
        self.recording_id
    }

    /// Seals a chunk and appends it. Blocking (one small write): call it off the async workers.
    pub fn append(&self, chunk: &Chunk) -> std::io::Result<()> {
        let mut plain = Vec::with_capacity(9 + chunk.samples.len());
        plain.push(match chunk.side {
            Side::Caller => 0,
            Side::Agent => 1,
        });
        plain.extend_from_slice(&chunk.start.to_le_bytes());
        plain.extend_from_slice(&chunk.samples);
        let sealed = keys::seal_bytes(&self.key, &plain);
        let mut record = Vec::with_capacity(4 + sealed.len());
        record.extend_from_slice(&(sealed.len() as u32).to_le_bytes());
        record.extend_from_slice(&sealed);
        // One write per record, under the lock: records never interleave.
        self.file.lock().expect("spool lock").write_all(&record)
    }

    /// The chunks written so far, in the order written.
    fn read_back(&self) -> Result<Vec<Chunk>, RecordingError> {
        let corrupt = |reason: String| RecordingError::Unreadable { recording_id: self.recording_id, reason };
        let mut bytes = Vec::new();
        File::open(&self.path)
            .and_then(|mut file| file.read_to_end(&mut bytes))
            .map_err(|error| corrupt(error.to_string()))?;
        let mut chunks = Vec::new();
        let mut rest = bytes.as_slice();
        while !rest.is_empty() {
            let (length, after) = rest.split_at_checked(4).ok_or_else(|| corrupt("a truncated spool".to_owned()))?;
            let length = u32::from_le_bytes(length.try_into().expect("four bytes")) as usize;
            let (sealed, after) =
                after.split_at_checked(length).ok_or_else(|| corrupt("a truncated spool".to_owned()))?;
            let plain = keys::open_bytes(&self.key, sealed).map_err(|error| corrupt(error.to_string()))?;
            let (header, samples) = plain.split_at_checked(9).ok_or_else(|| corrupt("a short chunk".to_owned()))?;
            let side = if header[0] == 0 { Side::Caller } else { Side::Agent };
            let start = u64::from_le_bytes(header[1..9].try_into().expect("eight bytes"));
            if start + samples.len() as u64 > MAX_TRACK_SAMPLES {
                return Err(corrupt("a chunk past the longest recording".to_owned()));
            }
            chunks.push(Chunk { side, start, samples: samples.to_vec() });
            rest = after;
        }
        Ok(chunks)
    }
}

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
    /// Where recordings in progress are spooled; `None`: they stay in memory.
    spool_dir: Option<PathBuf>,
    /// One recording is compressed at a time: when hundreds of calls end together, a thread
    /// each would crowd out the threads relaying the calls still talking.
    compressing: Arc<Semaphore>,
}

impl RecordingStore {
    pub fn new(blobs: BlobStore, keys: SubjectKeys) -> Self {
        Self { blobs, keys, spool_dir: None, compressing: Arc::new(Semaphore::new(1)) }
    }

    /// Spools recordings in progress in `dir` (created if missing).
    pub fn with_spool_dir(mut self, dir: PathBuf) -> std::io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        self.spool_dir = Some(dir);
        Ok(self)
    }

    /// Whether recordings in progress are spooled (else they stay in memory).
    pub fn spools(&self) -> bool {
        self.spool_dir.is_some()
    }

    /// Deletes the spools a previous process left (its calls ended with it); answers how many.
    pub fn sweep_spools(&self) -> std::io::Result<usize> {
        let Some(dir) = &self.spool_dir else { return Ok(0) };
        let mut swept = 0;
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.extension().is_some_and(|extension| extension == SPOOL_EXTENSION) {
                std::fs::remove_file(&path)?;
                swept += 1;
            }
        }
        Ok(swept)
    }

    /// Opens the spool of a new recording, with its key; `None` when this store keeps
    /// recordings in memory until the end.
    pub async fn open_spool(
        &self,
        tenant_id: Uuid,
        recording_id: Uuid,
    ) -> Result<Option<RecordingSpool>, RecordingError> {
        let Some(dir) = &self.spool_dir else { return Ok(None) };
        let key = self.keys.create(tenant_id, recording_id).await?;
        let path = dir.join(format!("{recording_id}.{SPOOL_EXTENSION}"));
        let file = File::options()
            .create_new(true)
            .append(true)
            .open(&path)
            .map_err(|error| RecordingError::Unreadable { recording_id, reason: error.to_string() })?;
        Ok(Some(RecordingSpool { tenant_id, recording_id, key, path, file: Mutex::new(file) }))
    }

    /// Stores a spooled recording: its chunks, then `tail` (what was still in memory); the
    /// spool is deleted. Returns the bytes kept.
    pub async fn finish(&self, spool: RecordingSpool, tail: Vec<Chunk>) -> Result<u64, RecordingError> {
        let recording_id = spool.recording_id;
        let read = tokio::task::spawn_blocking(move || {
            let chunks = spool.read_back();
            let _ = std::fs::remove_file(&spool.path);
            chunks.map(|chunks| (spool, chunks))
        });
        let (spool, chunks) =
            read.await.map_err(|error| RecordingError::Unreadable { recording_id, reason: error.to_string() })??;
        let mut tracks = Tracks::from_chunks(&chunks);
        for chunk in &tail {
            tracks.place(chunk);
        }
        self.seal_and_keep(spool.tenant_id, recording_id, spool.key, tracks).await
    }

    /// Stores a recording under `recording_id`; returns the bytes kept. Compressing and
    /// sealing run on the blocking pool, one recording at a time, off the async workers.
    pub async fn put(&self, tenant_id: Uuid, recording_id: Uuid, tracks: Tracks) -> Result<u64, RecordingError> {
        let key = self.keys.create(tenant_id, recording_id).await?;
        self.seal_and_keep(tenant_id, recording_id, key, tracks).await
    }

    async fn seal_and_keep(
        &self,
        tenant_id: Uuid,
        recording_id: Uuid,
        key: [u8; 32],
        tracks: Tracks,
    ) -> Result<u64, RecordingError> {
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use async_trait::async_trait;

    use super::*;
    use crate::secrets::SecretStore;
    use crate::store::StoreResult;

    #[derive(Default)]
    struct MemorySecrets(Mutex<HashMap<(Uuid, Uuid), String>>);

    #[async_trait]
    impl SecretStore for MemorySecrets {
        async fn put(&self, tenant_id: Uuid, credential_id: Uuid, secret: &str) -> StoreResult<()> {
            self.0.lock().unwrap().insert((tenant_id, credential_id), secret.to_owned());
            Ok(())
        }

        async fn put_many(&self, tenant_id: Uuid, secrets: &[(Uuid, String)]) -> StoreResult<()> {
            for (credential_id, secret) in secrets {
                self.put(tenant_id, *credential_id, secret).await?;
            }
            Ok(())
        }

        async fn get(&self, tenant_id: Uuid, credential_id: Uuid) -> StoreResult<Option<String>> {
            Ok(self.0.lock().unwrap().get(&(tenant_id, credential_id)).cloned())
        }

        async fn delete(&self, tenant_id: Uuid, credential_id: Uuid) -> StoreResult<()> {
            self.0.lock().unwrap().remove(&(tenant_id, credential_id));
            Ok(())
        }
    }

    async fn spooling_store(dir: &std::path::Path) -> RecordingStore {
        sqlx::any::install_default_drivers();
        // One connection: each connection to `:memory:` is a database of its own.
        let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect("sqlite::memory:").await.unwrap();
        let keys = SubjectKeys::new(Arc::new(MemorySecrets::default()));
        RecordingStore::new(BlobStore::open(pool).await.unwrap(), keys).with_spool_dir(dir.to_path_buf()).unwrap()
    }

    fn scratch_dir() -> PathBuf {
        std::env::temp_dir().join(format!("hotline-spool-test-{}", Uuid::now_v7()))
    }

    #[tokio::test]
    async fn a_spooled_recording_is_sealed_on_disk_and_stored_whole_with_its_tail() {
        let dir = scratch_dir();
        let store = spooling_store(&dir).await;
        let (tenant_id, recording_id) = (Uuid::now_v7(), Uuid::now_v7());
        let spool = store.open_spool(tenant_id, recording_id).await.unwrap().expect("a spooling store");
        spool.append(&Chunk { side: Side::Caller, start: 0, samples: vec![1; 100] }).unwrap();
        spool.append(&Chunk { side: Side::Agent, start: 50, samples: vec![2; 100] }).unwrap();
        let on_disk = std::fs::read(dir.join(format!("{recording_id}.spool"))).unwrap();
        assert!(!on_disk.windows(16).any(|run| run.iter().all(|&sample| sample == 1)), "no plain audio on disk");

        let tail = vec![Chunk { side: Side::Caller, start: 100, samples: vec![3; 10] }];
        assert!(store.finish(spool, tail).await.unwrap() > 0);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "the spool is gone");
        let tracks = store.get(tenant_id, recording_id).await.unwrap().expect("stored");
        assert_eq!(tracks.caller, [vec![1; 100], vec![3; 10]].concat());
        assert_eq!(tracks.agent, [vec![SILENCE; 50], vec![2; 100]].concat());
        // The recording's key is the spool's: destroying it makes the recording unreadable.
        store.destroy(tenant_id, recording_id).await.unwrap();
        assert_eq!(store.get(tenant_id, recording_id).await.unwrap(), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn spools_left_by_a_stop_are_swept_and_nothing_else() {
        let dir = scratch_dir();
        let store = spooling_store(&dir).await;
        let spool = store.open_spool(Uuid::now_v7(), Uuid::now_v7()).await.unwrap().unwrap();
        spool.append(&Chunk { side: Side::Caller, start: 0, samples: vec![1; 10] }).unwrap();
        std::fs::write(dir.join("notes.txt"), "kept").unwrap();
        drop(spool);
        assert_eq!(store.sweep_spools().unwrap(), 1);
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|entry| entry.unwrap().file_name()).collect();
        assert_eq!(left, ["notes.txt"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
