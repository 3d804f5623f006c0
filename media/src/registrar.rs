//! The registrar's location service: where each extension's desk phone can be reached.
//!
//! One binding per extension (the last phone to register it wins, as a desk phone's
//! re-registration after a reboot must). Bindings are kept in memory: a phone refreshes its
//! registration every few minutes, so a restarted server knows every phone again within one
//! refresh interval, and nothing here is worth a write to the log on every refresh.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use uuid::Uuid;

/// The shortest registration we accept (RFC 3261 10.3: 423 Interval Too Brief below it).
pub const MIN_EXPIRES_SECONDS: u32 = 60;
/// The longest registration we grant; longer requests are shortened to it.
pub const MAX_EXPIRES_SECONDS: u32 = 3600;
/// What a REGISTER that names no expiry gets.
pub const DEFAULT_EXPIRES_SECONDS: u32 = 3600;

/// An extension of a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExtensionKey {
    pub tenant_id: Uuid,
    pub number: String,
}

/// Where a registered phone is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub extension_id: Uuid,
    pub user_id: Option<Uuid>,
    /// The Contact URI the phone registered, as it wrote it.
    pub contact: String,
    /// The address the REGISTER came from (behind NAT, where requests must go).
    pub source: SocketAddr,
    /// `udp` or `tcp`.
    pub transport: String,
    pub user_agent: Option<String>,
    pub expires_at: Instant,
}

#[derive(Default)]
pub struct Registrations {
    bindings: Mutex<HashMap<ExtensionKey, Binding>>,
}

impl Registrations {
    /// Binds (or refreshes) an extension; true when the phone was not bound before.
    pub fn bind(&self, key: ExtensionKey, binding: Binding) -> bool {
        let mut bindings = self.bindings.lock().expect("registrations lock");
        let fresh = bindings.get(&key).is_none_or(|old| old.expires_at <= Instant::now());
        bindings.insert(key, binding);
        fresh
    }

    /// Removes a binding; true when there was a live one.
    pub fn unbind(&self, key: &ExtensionKey) -> bool {
        let removed = self.bindings.lock().expect("registrations lock").remove(key);
        removed.is_some_and(|binding| binding.expires_at > Instant::now())
    }

    /// The live binding of an extension.
    pub fn lookup(&self, key: &ExtensionKey) -> Option<Binding> {
        let bindings = self.bindings.lock().expect("registrations lock");
        bindings.get(key).filter(|binding| binding.expires_at > Instant::now()).cloned()
    }

    /// A tenant's live bindings, by extension number.
    pub fn of_tenant(&self, tenant_id: Uuid) -> Vec<(String, Binding)> {
        let now = Instant::now();
        let bindings = self.bindings.lock().expect("registrations lock");
        let mut live: Vec<(String, Binding)> = bindings
            .iter()
            .filter(|(key, binding)| key.tenant_id == tenant_id && binding.expires_at > now)
            .map(|(key, binding)| (key.number.clone(), binding.clone()))
            .collect();
        live.sort_by(|a, b| a.0.cmp(&b.0));
        live
    }

    /// Drops expired bindings (memory only: lookups already ignore them).
    pub fn purge_expired(&self) {
        let now = Instant::now();
        self.bindings.lock().expect("registrations lock").retain(|_, binding| binding.expires_at > now);
    }
}

/// The expiry to grant for a requested one: `Err(minimum)` when it is too brief.
pub fn granted_expiry(requested: u32) -> Result<Duration, u32> {
    match requested {
        0 => Ok(Duration::ZERO),
        brief if brief < MIN_EXPIRES_SECONDS => Err(MIN_EXPIRES_SECONDS),
        requested => Ok(Duration::from_secs(u64::from(requested.min(MAX_EXPIRES_SECONDS)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding(contact: &str, lasts: Duration) -> Binding {
        Binding {
            extension_id: Uuid::nil(),
            user_id: None,
            contact: contact.to_owned(),
            source: "127.0.0.1:5070".parse().unwrap(),
            transport: "udp".to_owned(),
            user_agent: None,
            expires_at: Instant::now() + lasts,
        }
    }

    #[test]
    fn a_binding_is_fresh_once_refreshed_silently_and_scoped_to_its_tenant() {
        let registrations = Registrations::default();
        let key = ExtensionKey { tenant_id: Uuid::from_u128(1), number: "1001".into() };
        assert!(registrations.bind(key.clone(), binding("sip:1001@10.0.0.1", Duration::from_secs(60))));
        assert!(!registrations.bind(key.clone(), binding("sip:1001@10.0.0.2", Duration::from_secs(60))));
        assert_eq!(registrations.lookup(&key).unwrap().contact, "sip:1001@10.0.0.2");
        assert!(registrations.of_tenant(Uuid::from_u128(2)).is_empty());
        assert_eq!(registrations.of_tenant(Uuid::from_u128(1)).len(), 1);
        assert!(registrations.unbind(&key));
        assert!(!registrations.unbind(&key));
        assert!(registrations.lookup(&key).is_none());
    }

    #[test]
    fn an_expired_binding_is_gone() {
        let registrations = Registrations::default();
        let key = ExtensionKey { tenant_id: Uuid::from_u128(1), number: "1001".into() };
        registrations.bind(key.clone(), binding("sip:1001@10.0.0.1", Duration::ZERO));
        assert!(registrations.lookup(&key).is_none());
        assert!(registrations.bind(key.clone(), binding("sip:1001@10.0.0.1", Duration::from_secs(60))), "fresh again");
        registrations.purge_expired();
        assert!(registrations.lookup(&key).is_some());
    }

    #[test]
    fn expiries_are_bounded() {
        assert_eq!(granted_expiry(0), Ok(Duration::ZERO));
        assert_eq!(granted_expiry(30), Err(MIN_EXPIRES_SECONDS));
        assert_eq!(granted_expiry(120), Ok(Duration::from_secs(120)));
        assert_eq!(granted_expiry(86_400), Ok(Duration::from_secs(u64::from(MAX_EXPIRES_SECONDS))));
    }
}
