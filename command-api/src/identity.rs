//! The identity service: log-in and sessions, tenants, users, roles and passwords.
//!
//! It authorises, stores credentials in the secret store, builds the domain command and
//! hands it to the dispatcher. Both the GraphQL mutations and the REST command endpoint
//! call it, so every rule is checked once.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use hotline_domain::Actor;
use hotline_domain::StreamId;
use hotline_domain::access::role::{BuiltInRole, Role, RoleCommand, RoleDefinition};
use hotline_domain::identity::tenant::{Tenant, TenantCommand};
use hotline_domain::identity::user::{self, User, UserCommand, UserState};
use hotline_domain::identity::{tenant_id_for_slug, user_id_for_username};
use hotline_infra::secrets::SecretStore;
use uuid::Uuid;

use crate::access::AccessResolver;
use crate::auth::{
    SESSION_LIFETIME, Session, TokenClaims, TokenSigner, check_password_policy, hash_password, verify_password,
};
use crate::dispatcher::{CommandMeta, CommandOutcome, Dispatcher};
use crate::error::ApiError;

#[derive(Clone)]
pub struct IdentityService {
    dispatcher: Arc<Dispatcher>,
    secrets: Arc<dyn SecretStore>,
    signer: TokenSigner,
    access: Arc<AccessResolver>,
    /// A real hash of nothing, checked when the user does not exist so that a failed log-in
    /// takes as long whether or not the user name exists.
    dummy_hash: Arc<tokio::sync::OnceCell<String>>,
}

/// A new user, as an administrator asks for it.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role_ids: Vec<Uuid>,
    pub org_unit_id: Option<Uuid>,
    pub email: Option<String>,
}

/// The changeable parts of a user.
#[derive(Debug, Clone)]
pub struct UserChanges {
    pub user_id: Uuid,
    pub display_name: String,
    pub role_ids: Vec<Uuid>,
    pub org_unit_id: Option<Uuid>,
    pub email: Option<String>,
}

/// What a successful log-in gives.
#[derive(Debug, Clone)]
pub struct LoggedIn {
    pub token: String,
    pub session: Session,
}

impl IdentityService {
    pub fn new(dispatcher: Arc<Dispatcher>, secrets: Arc<dyn SecretStore>, signer: TokenSigner) -> Self {
        let access = Arc::new(AccessResolver::new(dispatcher.clone()));
        Self { dispatcher, secrets, signer, access, dummy_hash: Arc::default() }
    }

    pub fn dispatcher(&self) -> &Arc<Dispatcher> {
        &self.dispatcher
    }

    /// The deployment's signer, for the other tokens it makes (visitors', collaborators' links).
    pub fn signer(&self) -> &TokenSigner {
        &self.signer
    }

    pub fn access(&self) -> &Arc<AccessResolver> {
        &self.access
    }

    /// The secret store, for services that keep their own secrets there (SIP passwords).
    pub fn secrets(&self) -> &Arc<dyn SecretStore> {
        &self.secrets
    }

    /// The session of a bearer token: genuine, not expired, not revoked, user still there.
    pub async fn authenticate(&self, token: &str, now: DateTime<Utc>) -> Result<Session, ApiError> {
        let claims = self.signer.verify(token, now)?;
        self.session_for(claims).await
    }

    async fn session_for(&self, claims: TokenClaims) -> Result<Session, ApiError> {
        let access =
            self.access.resolve(claims.tenant_id, claims.user_id).await?.ok_or_else(ApiError::unauthenticated)?;
        if access.sessions_revoked_at.is_some_and(|revoked_at| revoked_at >= claims.issued_at) {
            return Err(ApiError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "auth.unauthenticated",
                "this session was ended (log out everywhere); log in again",
            ));
        }
        Ok(Session {
            tenant_id: claims.tenant_id,
            user_id: claims.user_id,
            issued_at: claims.issued_at,
            expires_at: claims.expires_at,
            access,
        })
    }

    /// Checks a password against the user's stream (not a read model: a password changed a
    /// moment ago is already in force), counts failures towards a lock-out, issues a token.
    pub async fn login(
        &self,
        tenant_slug: &str,
        username: &str,
        password: &str,
        now: DateTime<Utc>,
    ) -> Result<LoggedIn, ApiError> {
        let tenant_id = tenant_id_for_slug(tenant_slug);
        let user_id = user_id_for_username(tenant_id, username);
        let (user, _) = self.dispatcher.load::<User>(tenant_id, &StreamId::new(user::CONTEXT, user_id)).await?;
        let Some(credential_id) = user.credential_id else {
            let dummy_hash = self.dummy_hash.get_or_try_init(|| hash_password(Uuid::now_v7().to_string())).await?;
            let _ = verify_password(dummy_hash.clone(), password.to_owned()).await;
            return Err(ApiError::invalid_credentials());
        };
        if let Some(until) = user.locked_until.filter(|_| user.is_locked_at(now)) {
            return Err(ApiError::locked_out(until));
        }
        let hash = self.secrets.get(tenant_id, credential_id).await?;
        let password_matches = match hash {
            Some(hash) => verify_password(hash, password.to_owned()).await,
            None => false,
        };
        let meta = CommandMeta::new(Uuid::now_v7(), tenant_id, Actor::system("login"), now);
        if !password_matches {
            self.dispatcher.dispatch::<User>(&meta, &UserCommand::RecordFailedLogin { user_id, at: now }).await?;
            let (after, _) = self.dispatcher.load::<User>(tenant_id, &StreamId::new(user::CONTEXT, user_id)).await?;
            return Err(match after.locked_until.filter(|_| after.is_locked_at(now)) {
                Some(until) => ApiError::locked_out(until),
                None => ApiError::invalid_credentials(),
            });
        }
        self.dispatcher.dispatch::<User>(&meta, &UserCommand::RecordLogin { user_id }).await?;
        let claims = TokenClaims { tenant_id, user_id, issued_at: now, expires_at: now + SESSION_LIFETIME };
        let token = self.signer.issue(&claims);
        let session = self.session_for(claims).await?;
        Ok(LoggedIn { token, session })
    }

    /// Ends every session of the user (their own, or another's for holders of `user.edit`).
    pub async fn revoke_sessions(
        &self,
        session: &Session,
        command_id: Uuid,
        user_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        if user_id != session.user_id {
            session.require("user.edit")?;
        }
        let meta = CommandMeta::new(command_id, session.tenant_id, session.actor(), now);
        let outcome =
            self.dispatcher.dispatch::<User>(&meta, &UserCommand::RevokeSessions { user_id, at: now }).await?;
        self.access.invalidate(session.tenant_id, Some(user_id));
        Ok(outcome)
    }

    /// Creates a sub-tenant of the caller's tenant (its id follows from its slug) and,
    /// optionally, its first administrator.
    pub async fn create_tenant(
        &self,
        session: &Session,
        command_id: Uuid,
        slug: &str,
        name: &str,
        first_admin: Option<NewUser>,
        now: DateTime<Utc>,
    ) -> Result<(Uuid, CommandOutcome), ApiError> {
        session.require("tenant.create")?;
        if let Some(admin) = &first_admin {
            check_password_policy(&admin.password)?;
        }
        let tenant_id = tenant_id_for_slug(slug);
        let command = TenantCommand::CreateTenant {
            slug: slug.to_owned(),
            name: name.to_owned(),
            parent_tenant_id: Some(session.tenant_id),
        };
        let meta = CommandMeta::new(command_id, tenant_id, session.actor(), now);
        let mut outcome = self.dispatcher.dispatch::<Tenant>(&meta, &command).await?;
        if let Some(admin) = first_admin {
            // Its own command id, derived from the tenant's, keeps a retried request idempotent.
            let admin_meta =
                CommandMeta { command_id: Uuid::new_v5(&command_id, b"first-admin"), causation_id: command_id, ..meta };
            let admin = NewUser { role_ids: vec![BuiltInRole::Administrator.id()], org_unit_id: None, ..admin };
            let (_, admin_outcome) = self.create_user_as(&admin_meta, admin).await?;
            // The tenant's setup ends with its first admin: a caller that waits for the read
            // models up to the outcome's last position then sees the admin too (its seat).
            outcome.last_position = outcome.last_position.max(admin_outcome.last_position);
        }
        Ok((tenant_id, outcome))
    }

    /// An administrator adds a user to their own tenant.
    pub async fn create_user(
        &self,
        session: &Session,
        command_id: Uuid,
        user: NewUser,
        now: DateTime<Utc>,
    ) -> Result<(Uuid, CommandOutcome), ApiError> {
        session.require("user.create")?;
        self.check_grantable(session, &user.role_ids).await?;
        let meta = CommandMeta::new(command_id, session.tenant_id, session.actor(), now);
        self.create_user_as(&meta, user).await
    }

    /// Roles must exist in the tenant, and only a platform administrator may make another.
    async fn check_grantable(&self, session: &Session, role_ids: &[Uuid]) -> Result<(), ApiError> {
        if role_ids.contains(&BuiltInRole::PlatformAdministrator.id()) && !session.has("platform.tenants") {
            return Err(ApiError::forbidden("grant the platform administrator role"));
        }
        for role_id in role_ids {
            if self.access.role(session.tenant_id, *role_id).await?.is_none() {
                return Err(ApiError::invalid_command(format!("there is no role {role_id} in this tenant")));
            }
        }
        Ok(())
    }

    async fn create_user_as(&self, meta: &CommandMeta, user: NewUser) -> Result<(Uuid, CommandOutcome), ApiError> {
        check_password_policy(&user.password)?;
        let credential_id = Uuid::now_v7();
        self.secrets.put(meta.tenant_id, credential_id, &hash_password(user.password).await?).await?;
        let command = UserCommand::CreateUser {
            tenant_id: meta.tenant_id,
            username: user.username.clone(),
            display_name: user.display_name,
            role_ids: user.role_ids,
            org_unit_id: user.org_unit_id,
            credential_id,
            email: user.email,
        };
        let outcome = self.dispatcher.dispatch::<User>(meta, &command).await?;
        Ok((user_id_for_username(meta.tenant_id, &user.username), outcome))
    }

    /// Changes a user's display name, roles, organisation unit and e-mail address.
    pub async fn update_user(
        &self,
        session: &Session,
        command_id: Uuid,
        changes: UserChanges,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        session.require("user.edit")?;
        self.check_grantable(session, &changes.role_ids).await?;
        let meta = CommandMeta::new(command_id, session.tenant_id, session.actor(), now);
        let command = UserCommand::UpdateUser {
            user_id: changes.user_id,
            display_name: changes.display_name,
            role_ids: changes.role_ids,
            org_unit_id: changes.org_unit_id,
            email: changes.email,
        };
        let outcome = self.dispatcher.dispatch::<User>(&meta, &command).await?;
        self.access.invalidate(session.tenant_id, Some(changes.user_id));
        Ok(outcome)
    }

    /// Lifts a lock-out before its time.
    pub async fn unlock_user(
        &self,
        session: &Session,
        command_id: Uuid,
        user_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        session.require("user.unlock")?;
        let meta = CommandMeta::new(command_id, session.tenant_id, session.actor(), now);
        self.dispatcher.dispatch::<User>(&meta, &UserCommand::Unlock { user_id }).await
    }

    /// A user changes their own password (giving the current one), or a holder of
    /// `user.reset_password` sets another user's password in the same tenant.
    pub async fn change_password(
        &self,
        session: &Session,
        command_id: Uuid,
        user_id: Uuid,
        current_password: Option<&str>,
        new_password: &str,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        if user_id == session.user_id {
            let current = current_password.ok_or_else(|| ApiError::invalid_command("give your current password"))?;
            if !self.check_current_password(session.tenant_id, user_id, current).await? {
                return Err(ApiError::invalid_credentials());
            }
        } else {
            session.require("user.reset_password")?;
        }
        check_password_policy(new_password)?;
        let credential_id = Uuid::now_v7();
        self.secrets.put(session.tenant_id, credential_id, &hash_password(new_password.to_owned()).await?).await?;
        let meta = CommandMeta::new(command_id, session.tenant_id, session.actor(), now);
        self.dispatcher.dispatch::<User>(&meta, &UserCommand::ChangePassword { user_id, credential_id }).await
    }

    async fn check_current_password(&self, tenant_id: Uuid, user_id: Uuid, password: &str) -> Result<bool, ApiError> {
        let user = self.load_user(tenant_id, user_id).await?;
        let Some(credential_id) = user.credential_id else { return Ok(false) };
        let Some(hash) = self.secrets.get(tenant_id, credential_id).await? else { return Ok(false) };
        Ok(verify_password(hash, password.to_owned()).await)
    }

    async fn load_user(&self, tenant_id: Uuid, user_id: Uuid) -> Result<UserState, ApiError> {
        Ok(self.dispatcher.load::<User>(tenant_id, &StreamId::new(user::CONTEXT, user_id)).await?.0)
    }

    /// Creates (`role_id` new) or changes a role of the caller's tenant.
    pub async fn save_role(
        &self,
        session: &Session,
        command_id: Uuid,
        definition: RoleDefinition,
        create: bool,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        session.require("role.edit")?;
        let meta = CommandMeta::new(command_id, session.tenant_id, session.actor(), now);
        let command = if create { RoleCommand::CreateRole(definition) } else { RoleCommand::UpdateRole(definition) };
        let outcome = self.dispatcher.dispatch::<Role>(&meta, &command).await?;
        // Every user holding the role may have gained or lost permissions.
        self.access.invalidate(session.tenant_id, None);
        Ok(outcome)
    }

    /// Creates a tenant and its first users as the system, if they do not exist yet (first
    /// start, demo data, tests). Returns the tenant id.
    pub async fn bootstrap_tenant(
        &self,
        slug: &str,
        name: &str,
        users: Vec<NewUser>,
        now: DateTime<Utc>,
    ) -> Result<Uuid, ApiError> {
        let tenant_id = tenant_id_for_slug(slug);
        let actor = Actor::system("bootstrap");
        // Fixed command ids make bootstrapping idempotent across restarts.
        let tenant_command_id = Uuid::new_v5(&tenant_id, b"bootstrap:tenant");
        let command =
            TenantCommand::CreateTenant { slug: slug.to_owned(), name: name.to_owned(), parent_tenant_id: None };
        let meta = CommandMeta::new(tenant_command_id, tenant_id, actor.clone(), now);
        ignore_code(self.dispatcher.dispatch::<Tenant>(&meta, &command).await.map(|_| ()), "tenant.slug_taken")?;
        for user in users {
            let command_id = Uuid::new_v5(&tenant_id, format!("bootstrap:user:{}", user.username).as_bytes());
            let meta = CommandMeta::new(command_id, tenant_id, actor.clone(), now);
            ignore_code(self.create_user_as(&meta, user).await.map(|_| ()), "user.username_taken")?;
        }
        Ok(tenant_id)
    }
}

fn ignore_code(result: Result<(), ApiError>, code: &str) -> Result<(), ApiError> {
    match result {
        Err(error) if error.code == code => Ok(()),
        other => other,
    }
}
