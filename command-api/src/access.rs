//! Who may do what: a user's effective permissions and data scopes, from their role ids.
//!
//! Resolved from the event streams themselves (the user's stream and each custom role's),
//! not from read models, so a permission taken away is gone at once in this process. A
//! resolution is cached for [`CACHE_FOR`] to keep the cost off every request; a change made
//! through this process invalidates its entry immediately, other nodes follow within that time.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use hotline_domain::StreamId;
use hotline_domain::access::permissions::DataScope;
use hotline_domain::access::role::{self, BuiltInRole, Role, RoleDefinition};
use hotline_domain::identity::user::{self, User, UserState};
use hotline_domain::organisation::{self, Organisation};
use uuid::Uuid;

use crate::dispatcher::Dispatcher;
use crate::error::ApiError;

/// How long a resolution may be reused.
pub const CACHE_FOR: Duration = Duration::from_secs(1);

/// What one user may do right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAccess {
    pub username: String,
    pub display_name: String,
    pub role_ids: Vec<Uuid>,
    pub org_unit_id: Option<Uuid>,
    /// The user's unit and every unit above it: what is asked of a unit is asked of its
    /// sub-units' people too (a ticket step for a department is any of its teams' to do).
    pub org_units: Vec<Uuid>,
    pub permissions: BTreeSet<String>,
    /// The widest scope any of the user's roles gives, per resource.
    pub data_scopes: BTreeMap<String, DataScope>,
    pub sessions_revoked_at: Option<DateTime<Utc>>,
}

impl UserAccess {
    pub fn has(&self, permission: &str) -> bool {
        self.permissions.contains(permission)
    }

    /// The scope of `resource` (`own` when no role names it).
    pub fn scope_of(&self, resource: &str) -> DataScope {
        self.data_scopes.get(resource).copied().unwrap_or(DataScope::Own)
    }
}

/// Resolutions by (tenant, user), with when they were made.
type AccessCache = HashMap<(Uuid, Uuid), (Instant, Arc<UserAccess>)>;

pub struct AccessResolver {
    dispatcher: Arc<Dispatcher>,
    cache: Mutex<AccessCache>,
}

impl AccessResolver {
    pub fn new(dispatcher: Arc<Dispatcher>) -> Self {
        Self { dispatcher, cache: Mutex::default() }
    }

    /// The user's access, or `None` when the user does not exist.
    pub async fn resolve(&self, tenant_id: Uuid, user_id: Uuid) -> Result<Option<Arc<UserAccess>>, ApiError> {
        let key = (tenant_id, user_id);
        if let Some((resolved_at, access)) = self.cache.lock().expect("access cache lock poisoned").get(&key)
            && resolved_at.elapsed() < CACHE_FOR
        {
            return Ok(Some(access.clone()));
        }
        let (user, _) = self.dispatcher.load::<User>(tenant_id, &StreamId::new(user::CONTEXT, user_id)).await?;
        let Some(created) = &user.created else { return Ok(None) };
        let access = Arc::new(self.access_of(tenant_id, created.username.clone(), &user).await?);
        self.cache.lock().expect("access cache lock poisoned").insert(key, (Instant::now(), access.clone()));
        Ok(Some(access))
    }

    /// Forgets a cached resolution after a change to the user or to a role.
    pub fn invalidate(&self, tenant_id: Uuid, user_id: Option<Uuid>) {
        let mut cache = self.cache.lock().expect("access cache lock poisoned");
        match user_id {
            Some(user_id) => {
                cache.remove(&(tenant_id, user_id));
            }
            None => cache.retain(|(cached_tenant, _), _| *cached_tenant != tenant_id),
        }
    }

    /// The definition of a role of the tenant: built-in, or from its stream.
    pub async fn role(&self, tenant_id: Uuid, role_id: Uuid) -> Result<Option<RoleDefinition>, ApiError> {
        if let Some(built_in) = BuiltInRole::from_id(role_id) {
            return Ok(Some(built_in.definition()));
        }
        let (state, _) = self.dispatcher.load::<Role>(tenant_id, &StreamId::new(role::CONTEXT, role_id)).await?;
        Ok(state.definition)
    }

    async fn access_of(&self, tenant_id: Uuid, username: String, user: &UserState) -> Result<UserAccess, ApiError> {
        let mut permissions = BTreeSet::new();
        let mut data_scopes: BTreeMap<String, DataScope> = BTreeMap::new();
        for role_id in &user.role_ids {
            // A role that was never created grants nothing.
            let Some(definition) = self.role(tenant_id, *role_id).await? else { continue };
            permissions.extend(definition.permissions.iter().cloned());
            for (resource, scope) in definition.data_scopes {
                let widest = data_scopes.get(&resource).map_or(scope, |current| (*current).max(scope));
                data_scopes.insert(resource, widest);
            }
        }
        let org_units = match user.org_unit_id {
            None => Vec::new(),
            Some(unit_id) => {
                let stream = organisation::stream_id(tenant_id);
                let (organisation, _) = self.dispatcher.load::<Organisation>(tenant_id, &stream).await?;
                std::iter::once(unit_id).chain(organisation.ancestors(unit_id)).collect()
            }
        };
        Ok(UserAccess {
            username,
            display_name: user.display_name.clone(),
            role_ids: user.role_ids.clone(),
            org_unit_id: user.org_unit_id,
            org_units,
            permissions,
            data_scopes,
            sessions_revoked_at: user.sessions_revoked_at,
        })
    }
}
