//! Identity: tenants and the users inside them.
//!
//! Two deciders, one per stream kind:
//! - [`tenant`]: `tenant-<tenant id>`; a tenant's id is derived from its slug, so two tenants
//!   can never share a slug (the second `CreateTenant` finds the stream taken).
//! - [`user`]: `user-<user id>`; a user's id is derived from the tenant and the lower-cased
//!   user name, for the same reason: user names are unique per tenant without a read model.
//!
//! What users may do is the [`crate::access`] context's: users hold role ids.
//!
//! Passwords never enter the log. A command carries the id of a credential that the command
//! side stored (argon2 hash) in the secret store before deciding; the event records only
//! that id, so the log can be exported and streamed without leaking hashes.

pub mod tenant;
pub mod user;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Namespace for ids derived from names (UUIDv5).
pub(crate) const HOTLINE_NAMESPACE: Uuid = Uuid::from_u128(0x6f1c_1d2e_9a4b_4c1e_8e7a_5b3c_2d1f_0a9b);

/// The tenant id a slug maps to.
pub fn tenant_id_for_slug(slug: &str) -> Uuid {
    Uuid::new_v5(&HOTLINE_NAMESPACE, format!("tenant:{}", slug.to_lowercase()).as_bytes())
}

/// The user id a user name maps to inside a tenant.
pub fn user_id_for_username(tenant_id: Uuid, username: &str) -> Uuid {
    Uuid::new_v5(&tenant_id, format!("username:{}", username.to_lowercase()).as_bytes())
}

/// The built-in roles by name, as version 1 of `hotline.user.created` wrote them. Kept to
/// read old events; today users hold role ids (see [`crate::access`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Operates the platform: creates tenants.
    PlatformAdmin,
    /// Administers one tenant: users and settings.
    TenantAdmin,
    Supervisor,
    Agent,
    /// Reads the audit log, changes nothing.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::PlatformAdmin, Role::TenantAdmin, Role::Supervisor, Role::Agent, Role::Auditor];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "platform_admin",
            Role::TenantAdmin => "tenant_admin",
            Role::Supervisor => "supervisor",
            Role::Agent => "agent",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == text)
    }
}

/// Checks a name-like field: trimmed, non-empty, at most `max` characters.
fn validate_text(field: &str, value: &str, max: usize, code: &'static str) -> Result<(), crate::DomainError> {
    if value.trim().is_empty() || value.trim() != value || value.chars().count() > max {
        return Err(crate::DomainError::new(
            code,
            format!("{field} must be 1 to {max} characters with no leading or trailing spaces"),
        ));
    }
    Ok(())
}
