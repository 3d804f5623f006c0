//! Authentication: argon2 password hashes and signed session tokens.
//!
//! A token is `base64url(session JSON) "." base64url(HMAC-SHA256(key, session JSON))`. The
//! key lives in the secret store (never in the log, the repository or the logs), so every
//! node of a distributed deployment shares it without configuration.

use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, KeyInit, Mac};
use hotline_domain::Actor;
use hotline_infra::secrets::SecretStore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

use crate::access::UserAccess;
use crate::error::ApiError;

/// How long a log-in lasts.
pub const SESSION_LIFETIME: Duration = Duration::hours(12);
const MIN_PASSWORD_CHARS: usize = 10;
const MAX_PASSWORD_CHARS: usize = 128;
/// Where the token key is kept in the secret store: outside every tenant.
const TOKEN_KEY_ID: Uuid = Uuid::from_u128(0x686f_746c_696e_6500_0000_0000_0000_0001);

/// What a token carries: who, for which tenant, and when it was issued. Permissions are
/// not in it: they are resolved on every request, so a change applies at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenClaims {
    pub tenant_id: Uuid,
    pub user_id: Uuid,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// An authenticated request's user, with what they may do.
#[derive(Debug, Clone)]
pub struct Session {
    pub tenant_id: Uuid,
    pub user_id: Uuid,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub access: Arc<UserAccess>,
}

impl Session {
    pub fn actor(&self) -> Actor {
        Actor::user(self.user_id)
    }

    pub fn username(&self) -> &str {
        &self.access.username
    }

    pub fn has(&self, permission: &str) -> bool {
        self.access.has(permission)
    }

    /// Refuses with `auth.forbidden` unless the user holds `permission`.
    pub fn require(&self, permission: &str) -> Result<(), ApiError> {
        if self.has(permission) { Ok(()) } else { Err(ApiError::forbidden_without(permission)) }
    }
}

#[derive(Clone)]
pub struct TokenSigner {
    key: [u8; 32],
}

impl TokenSigner {
    pub fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    /// Loads the deployment's token key from the secret store, creating it on first use.
    pub async fn load_or_create(secrets: &dyn SecretStore) -> Result<Self, ApiError> {
        if let Some(existing) = secrets.get(Uuid::nil(), TOKEN_KEY_ID).await? {
            return Self::from_hex(&existing);
        }
        let key: [u8; 32] = rand::random();
        // Two nodes starting together may race here: the loser's insert fails and it reads
        // the winner's key.
        if secrets.put(Uuid::nil(), TOKEN_KEY_ID, &hex::encode(key)).await.is_ok() {
            return Ok(Self::new(key));
        }
        let stored = secrets.get(Uuid::nil(), TOKEN_KEY_ID).await?;
        Self::from_hex(&stored.ok_or_else(|| ApiError::internal("the token key could not be stored"))?)
    }

    fn from_hex(text: &str) -> Result<Self, ApiError> {
        let bytes = hex::decode(text).map_err(|_| ApiError::internal("the stored token key is not hex"))?;
        let key = bytes.try_into().map_err(|_| ApiError::internal("the stored token key is not 32 bytes"))?;
        Ok(Self::new(key))
    }

    fn mac(&self, message: &[u8]) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        mac.update(message);
        mac
    }

    pub fn issue(&self, claims: &TokenClaims) -> String {
        let body = serde_json::to_vec(claims).expect("a session serialises");
        let tag = self.mac(&body).finalize().into_bytes();
        format!("{}.{}", URL_SAFE_NO_PAD.encode(&body), URL_SAFE_NO_PAD.encode(tag))
    }

    /// The claims a token carries, if it is genuine and not expired at `now`.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<TokenClaims, ApiError> {
        let (body, tag) = token.split_once('.').ok_or_else(ApiError::unauthenticated)?;
        let body = URL_SAFE_NO_PAD.decode(body).map_err(|_| ApiError::unauthenticated())?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| ApiError::unauthenticated())?;
        self.mac(&body).verify_slice(&tag).map_err(|_| ApiError::unauthenticated())?;
        let claims: TokenClaims = serde_json::from_slice(&body).map_err(|_| ApiError::unauthenticated())?;
        if claims.expires_at <= now {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "auth.unauthenticated",
                "the session has expired; log in again",
            ));
        }
        Ok(claims)
    }
}

/// The password policy: length only, as NIST SP 800-63B advises (no composition rules).
pub fn check_password_policy(password: &str) -> Result<(), ApiError> {
    let length = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&length) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "auth.password_policy",
            format!("a password has {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(())
}

/// Hashes with argon2id off the async threads (it takes tens of milliseconds on purpose).
pub async fn hash_password(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|error| ApiError::internal(format!("password hashing failed: {error}")))
    })
    .await
    .map_err(|error| ApiError::internal(format!("password hashing task failed: {error}")))?
}

pub async fn verify_password(hash: String, password: String) -> bool {
    tokio::task::spawn_blocking(move || Argon2::default().verify_password(password.as_bytes(), hash.as_str()).is_ok())
        .await
        .unwrap_or(false)
}

/// What a visitor token carries: a chat visitor of a tenant. Visitors have no account; the
/// token lets a returning browser resume its conversations and fetch its own files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorClaims {
    pub tenant_id: Uuid,
    pub visitor_id: Uuid,
}

/// Separates visitor tokens from session tokens: one can never pass for the other.
const VISITOR_TOKEN_CONTEXT: &[u8] = b"hotline visitor token\0";

impl TokenSigner {
    pub fn issue_visitor(&self, claims: &VisitorClaims) -> String {
        let body = serde_json::to_vec(claims).expect("visitor claims serialise");
        let tag = self.mac(&[VISITOR_TOKEN_CONTEXT, &body].concat()).finalize().into_bytes();
        format!("{}.{}", URL_SAFE_NO_PAD.encode(&body), URL_SAFE_NO_PAD.encode(tag))
    }

    /// The claims of a genuine visitor token, or `chat.bad_token`.
    pub fn verify_visitor(&self, token: &str) -> Result<VisitorClaims, ApiError> {
        let bad_token = || ApiError::new(StatusCode::UNAUTHORIZED, "chat.bad_token", "the visitor token is not valid");
        let (body, tag) = token.split_once('.').ok_or_else(bad_token)?;
        let body = URL_SAFE_NO_PAD.decode(body).map_err(|_| bad_token())?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| bad_token())?;
        self.mac(&[VISITOR_TOKEN_CONTEXT, &body].concat()).verify_slice(&tag).map_err(|_| bad_token())?;
        serde_json::from_slice(&body).map_err(|_| bad_token())
    }
}

/// What an outside collaborator's link carries: the task it opens (ticket and token), the
/// address it was mailed to, and when it expires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkClaims {
    pub tenant_id: Uuid,
    pub ticket_id: Uuid,
    pub token: u32,
    pub address: String,
    pub expires_at: DateTime<Utc>,
}

/// Separates collaborators' links from the other tokens: none can pass for another.
const LINK_CONTEXT: &[u8] = b"hotline collaborator link\0";

impl TokenSigner {
    pub fn issue_link(&self, claims: &LinkClaims) -> String {
        let body = serde_json::to_vec(claims).expect("link claims serialise");
        let tag = self.mac(&[LINK_CONTEXT, &body].concat()).finalize().into_bytes();
        format!("{}.{}", URL_SAFE_NO_PAD.encode(&body), URL_SAFE_NO_PAD.encode(tag))
    }

    /// The claims of a genuine link (`ticket.link_invalid` otherwise) that has not expired at
    /// `now` (`ticket.link_expired`).
    pub fn verify_link(&self, link: &str, now: DateTime<Utc>) -> Result<LinkClaims, ApiError> {
        let invalid = || ApiError::new(StatusCode::NOT_FOUND, "ticket.link_invalid", "this link is not valid");
        let (body, tag) = link.split_once('.').ok_or_else(invalid)?;
        let body = URL_SAFE_NO_PAD.decode(body).map_err(|_| invalid())?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| invalid())?;
        self.mac(&[LINK_CONTEXT, &body].concat()).verify_slice(&tag).map_err(|_| invalid())?;
        let claims: LinkClaims = serde_json::from_slice(&body).map_err(|_| invalid())?;
        if claims.expires_at <= now {
            return Err(ApiError::new(
                StatusCode::GONE,
                "ticket.link_expired",
                "this link has expired; ask the organisation for a new one",
            ));
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(user: u128, expires_at: DateTime<Utc>) -> TokenClaims {
        TokenClaims { tenant_id: Uuid::from_u128(1), user_id: Uuid::from_u128(user), issued_at: expires_at, expires_at }
    }

    #[test]
    fn a_token_verifies_until_it_expires_and_never_after_tampering() {
        let signer = TokenSigner::new([7; 32]);
        let now = Utc::now();
        let token = signer.issue(&claims(2, now + Duration::minutes(5)));
        assert_eq!(signer.verify(&token, now).unwrap().user_id, Uuid::from_u128(2));
        assert_eq!(signer.verify(&token, now + Duration::minutes(6)).unwrap_err().code, "auth.unauthenticated");
        let forged = signer.issue(&claims(3, now + Duration::minutes(5)));
        let (forged_body, _) = forged.split_once('.').unwrap();
        let (_, genuine_tag) = token.split_once('.').unwrap();
        assert!(signer.verify(&format!("{forged_body}.{genuine_tag}"), now).is_err());
        assert!(TokenSigner::new([8; 32]).verify(&token, now).is_err());
        assert!(signer.verify("garbage", now).is_err());
    }

    #[tokio::test]
    async fn argon2_hash_verifies_only_the_right_password() {
        let hash = hash_password("correct horse battery".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(hash.clone(), "correct horse battery".into()).await);
        assert!(!verify_password(hash, "wrong horse battery".into()).await);
    }

    #[test]
    fn password_policy_is_about_length() {
        assert!(check_password_policy("short").is_err());
        assert!(check_password_policy("long enough!").is_ok());
        assert!(check_password_policy(&"x".repeat(129)).is_err());
    }

    #[test]
    fn a_link_opens_its_task_until_it_expires_and_passes_for_no_other_token() {
        let signer = TokenSigner::new([7; 32]);
        let now = Utc::now();
        let claims = LinkClaims {
            tenant_id: Uuid::from_u128(1),
            ticket_id: Uuid::from_u128(2),
            token: 3,
            address: "supplier@example.com".into(),
            expires_at: now + Duration::days(7),
        };
        let link = signer.issue_link(&claims);
        assert_eq!(signer.verify_link(&link, now), Ok(claims.clone()));
        assert_eq!(signer.verify_link(&link, now + Duration::days(8)).unwrap_err().code, "ticket.link_expired");
        assert_eq!(TokenSigner::new([8; 32]).verify_link(&link, now).unwrap_err().code, "ticket.link_invalid");
        assert!(signer.verify(&link, now).is_err() && signer.verify_visitor(&link).is_err());
        let session = signer.issue(&TokenClaims {
            tenant_id: claims.tenant_id,
            user_id: claims.ticket_id,
            issued_at: now,
            expires_at: claims.expires_at,
        });
        assert_eq!(signer.verify_link(&session, now).unwrap_err().code, "ticket.link_invalid");
    }

    #[test]
    fn visitor_and_session_tokens_cannot_pass_for_each_other() {
        let signer = TokenSigner::new([7; 32]);
        let claims = VisitorClaims { tenant_id: Uuid::from_u128(1), visitor_id: Uuid::from_u128(2) };
        let token = signer.issue_visitor(&claims);
        assert_eq!(signer.verify_visitor(&token), Ok(claims));
        assert!(signer.verify(&token, Utc::now()).is_err());
        assert_eq!(TokenSigner::new([8; 32]).verify_visitor(&token).unwrap_err().code, "chat.bad_token");
        let (body, _) = token.split_once('.').unwrap();
        assert_eq!(signer.verify_visitor(&format!("{body}.AAAA")).unwrap_err().code, "chat.bad_token");
    }
}
