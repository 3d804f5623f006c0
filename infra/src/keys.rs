//! Keys per data subject, for crypto-shredding: a customer's personal data is sealed with a
//! key of their own before it enters the log; destroying the key makes every copy of that
//! data (log, exports, backups) unreadable while the log itself stays intact and verifiable.
//!
//! Keys are 256-bit AES-GCM keys kept in the secret store, never in the log. A small cache
//! spares a store read per event when a projection replays; destroying a key drops it from
//! this process's cache, and the projections drop what they derived when they see the
//! `forgotten` event.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aes_gcm::aead::Aead;
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use uuid::Uuid;

use crate::secrets::SecretStore;
use crate::store::StoreResult;

/// Keys kept in memory at most (a replay touches customers in log order, so a bounded cache
/// that is cleared when full is enough).
const CACHE_LIMIT: usize = 10_000;
const NONCE_BYTES: usize = 12;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error("the sealed text is not base64 of a nonce and a ciphertext")]
    Malformed,
    #[error("the sealed text does not open with this key (wrong key or altered text)")]
    WrongKeyOrAltered,
}

/// Seals `plaintext` with `key` under a fresh random nonce: base64 of nonce and ciphertext.
pub fn seal(key: &[u8; 32], plaintext: &[u8]) -> String {
    STANDARD.encode(seal_bytes(key, plaintext))
}

pub fn open(key: &[u8; 32], sealed: &str) -> Result<Vec<u8>, SealError> {
    open_bytes(key, &STANDARD.decode(sealed).map_err(|_| SealError::Malformed)?)
}

/// Seals to raw bytes, nonce then ciphertext: for large binary data (recordings), where
/// base64 would cost a third more.
pub fn seal_bytes(key: &[u8; 32], plaintext: &[u8]) -> Vec<u8> {
    let cipher = Aes256Gcm::new_from_slice(key).expect("a 32-byte key");
    let nonce_bytes: [u8; NONCE_BYTES] = rand::random();
    let nonce = Nonce::from(nonce_bytes);
    let ciphertext = cipher.encrypt(&nonce, plaintext).expect("AES-GCM seals any plaintext under 64 GB");
    [nonce_bytes.as_slice(), &ciphertext].concat()
}

pub fn open_bytes(key: &[u8; 32], sealed: &[u8]) -> Result<Vec<u8>, SealError> {
    if sealed.len() < NONCE_BYTES + 16 {
        return Err(SealError::Malformed);
    }
    let (nonce_bytes, ciphertext) = sealed.split_at(NONCE_BYTES);
    let nonce = Nonce::try_from(nonce_bytes).map_err(|_| SealError::Malformed)?;
    let cipher = Aes256Gcm::new_from_slice(key).expect("a 32-byte key");
    cipher.decrypt(&nonce, ciphertext).map_err(|_| SealError::WrongKeyOrAltered)
}

/// Keys by (tenant, key id).
type KeyCache = HashMap<(Uuid, Uuid), [u8; 32]>;

#[derive(Clone)]
pub struct SubjectKeys {
    secrets: Arc<dyn SecretStore>,
    cache: Arc<Mutex<KeyCache>>,
}

impl SubjectKeys {
    pub fn new(secrets: Arc<dyn SecretStore>) -> Self {
        Self { secrets, cache: Arc::new(Mutex::new(HashMap::new())) }
    }

    /// Makes and stores a new key.
    pub async fn create(&self, tenant_id: Uuid, key_id: Uuid) -> StoreResult<[u8; 32]> {
        let key: [u8; 32] = rand::random();
        self.secrets.put(tenant_id, key_id, &hex::encode(key)).await?;
        self.remember(tenant_id, key_id, key);
        Ok(key)
    }

    /// Makes and stores many keys in one write (an import).
    pub async fn create_many(&self, tenant_id: Uuid, key_ids: &[Uuid]) -> StoreResult<Vec<[u8; 32]>> {
        let keys: Vec<[u8; 32]> = key_ids.iter().map(|_| rand::random()).collect();
        let stored: Vec<(Uuid, String)> = key_ids.iter().zip(&keys).map(|(id, key)| (*id, hex::encode(key))).collect();
        self.secrets.put_many(tenant_id, &stored).await?;
        for (key_id, key) in key_ids.iter().zip(&keys) {
            self.remember(tenant_id, *key_id, *key);
        }
        Ok(keys)
    }

    /// The key, or `None` once it was destroyed (or never existed).
    pub async fn get(&self, tenant_id: Uuid, key_id: Uuid) -> StoreResult<Option<[u8; 32]>> {
        if let Some(key) = self.cache.lock().expect("key cache lock poisoned").get(&(tenant_id, key_id)) {
            return Ok(Some(*key));
        }
        let Some(stored) = self.secrets.get(tenant_id, key_id).await? else { return Ok(None) };
        let key: Option<[u8; 32]> = hex::decode(stored).ok().and_then(|bytes| bytes.try_into().ok());
        if let Some(key) = key {
            self.remember(tenant_id, key_id, key);
        }
        Ok(key)
    }

    /// Destroys the key for good.
    pub async fn destroy(&self, tenant_id: Uuid, key_id: Uuid) -> StoreResult<()> {
        self.forget_cached(tenant_id, key_id);
        self.secrets.delete(tenant_id, key_id).await
    }

    /// Drops a key from this process's cache (another process destroyed it).
    pub fn forget_cached(&self, tenant_id: Uuid, key_id: Uuid) {
        self.cache.lock().expect("key cache lock poisoned").remove(&(tenant_id, key_id));
    }

    fn remember(&self, tenant_id: Uuid, key_id: Uuid, key: [u8; 32]) {
        let mut cache = self.cache.lock().expect("key cache lock poisoned");
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert((tenant_id, key_id), key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_text_opens_only_with_its_key_and_unaltered() {
        let key = [7u8; 32];
        let sealed = seal(&key, "张三 +86 138".as_bytes());
        assert_ne!(sealed, seal(&key, "张三 +86 138".as_bytes()), "a fresh nonce each time");
        assert_eq!(open(&key, &sealed).unwrap(), "张三 +86 138".as_bytes());
        assert_eq!(open(&[8u8; 32], &sealed), Err(SealError::WrongKeyOrAltered));
        let mut altered = STANDARD.decode(&sealed).unwrap();
        *altered.last_mut().unwrap() ^= 1;
        assert_eq!(open(&key, &STANDARD.encode(altered)), Err(SealError::WrongKeyOrAltered));
        assert_eq!(open(&key, "not base64!"), Err(SealError::Malformed));
    }
}
