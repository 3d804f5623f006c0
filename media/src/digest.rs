//! Digest nonces without server state (RFC 3261 section 22.4, RFC 2617).
//!
//! A nonce is the time it was issued and a MAC of that time and the realm under a key of
//! this process: any nonce we issued can be checked without remembering it, and one older
//! than [`NONCE_LIFETIME_SECONDS`] is answered with `stale=true`, so a phone retries with a
//! fresh nonce without asking its user again. Nonces from another process (a restart, or
//! another node) fail the MAC and get a fresh challenge: a phone re-registers, no harm done.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// How long a nonce answers challenges.
pub const NONCE_LIFETIME_SECONDS: u64 = 300;

const TIME_HEX: usize = 16;
const MAC_HEX: usize = 32;

/// What a nonce presented in an `Authorization` header is worth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceCheck {
    Valid,
    /// Ours, but too old: challenge again with `stale=true`.
    Stale,
    /// Not ours (or tampered with).
    Invalid,
}

pub struct Nonces {
    key: [u8; 32],
}

impl Nonces {
    pub fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    /// A key of this process's own.
    pub fn random() -> Self {
        Self::new(rand::random())
    }

    /// A nonce for `realm`, issued at `now` (seconds since the Unix epoch).
    pub fn issue(&self, realm: &str, now: u64) -> String {
        let time = format!("{now:0TIME_HEX$x}");
        let mac = self.mac(realm, &time);
        format!("{time}{mac}")
    }

    pub fn check(&self, realm: &str, nonce: &str, now: u64) -> NonceCheck {
        if nonce.len() != TIME_HEX + MAC_HEX || !nonce.is_ascii() {
            return NonceCheck::Invalid;
        }
        let (time, mac) = nonce.split_at(TIME_HEX);
        let Ok(issued) = u64::from_str_radix(time, 16) else { return NonceCheck::Invalid };
        let Ok(presented) = hex::decode(mac) else { return NonceCheck::Invalid };
        // A constant-time comparison of the MAC's first half.
        if presented.len() != MAC_HEX / 2 || self.keyed(realm, time).verify_truncated_left(&presented).is_err() {
            return NonceCheck::Invalid;
        }
        if issued > now || now - issued > NONCE_LIFETIME_SECONDS { NonceCheck::Stale } else { NonceCheck::Valid }
    }

    fn mac(&self, realm: &str, time: &str) -> String {
        hex::encode(&self.keyed(realm, time).finalize().into_bytes()[..MAC_HEX / 2])
    }

    fn keyed(&self, realm: &str, time: &str) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key).expect("any key length");
        mac.update(realm.as_bytes());
        mac.update(b":");
        mac.update(time.as_bytes());
        mac
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_is_valid_for_its_realm_and_lifetime_only() {
        let nonces = Nonces::new([7; 32]);
        let nonce = nonces.issue("demo", 1_000);
        assert_eq!(nonces.check("demo", &nonce, 1_000), NonceCheck::Valid);
        assert_eq!(nonces.check("demo", &nonce, 1_000 + NONCE_LIFETIME_SECONDS), NonceCheck::Valid);
        assert_eq!(nonces.check("demo", &nonce, 1_001 + NONCE_LIFETIME_SECONDS), NonceCheck::Stale);
        assert_eq!(nonces.check("other", &nonce, 1_000), NonceCheck::Invalid);
        assert_eq!(Nonces::new([8; 32]).check("demo", &nonce, 1_000), NonceCheck::Invalid);
    }

    #[test]
    fn tampered_or_malformed_nonces_are_invalid() {
        let nonces = Nonces::new([7; 32]);
        let nonce = nonces.issue("demo", 1_000);
        let later = format!("{:016x}{}", 2_000, &nonce[TIME_HEX..]);
        assert_eq!(nonces.check("demo", &later, 2_000), NonceCheck::Invalid);
        for bad in ["", "xyz", &nonce[1..], "é".repeat(24).as_str()] {
            assert_eq!(nonces.check("demo", bad, 1_000), NonceCheck::Invalid, "{bad}");
        }
    }
}
