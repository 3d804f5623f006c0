//! The identity service: log-in, tenants, users and passwords.
//!
//! It authorises, stores credentials in the secret store, builds the domain command and
//! hands it to the dispatcher. Both the GraphQL mutations and the REST command endpoint
//! call it, so every rule is checked once.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use hotline_domain::Actor;
use hotline_domain::StreamId;
use hotline_domain::identity::tenant::{Tenant, TenantCommand};
use hotline_domain::identity::user::{User, UserCommand};
use hotline_domain::identity::{Role, tenant_id_for_slug, user_id_for_username};
use hotline_infra::secrets::SecretStore;
use uuid::Uuid;

use crate::auth::{SESSION_LIFETIME, Session, TokenSigner, check_password_policy, hash_password, verify_password};
use crate::dispatcher::{CommandMeta, CommandOutcome, Dispatcher};
use crate::error::ApiError;

#[derive(Clone)]
pub struct IdentityService {
    dispatcher: Arc<Dispatcher>,
    secrets: Arc<dyn SecretStore>,
    signer: TokenSigner,
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
    pub roles: Vec<Role>,
}

impl IdentityService {
    pub fn new(dispatcher: Arc<Dispatcher>, secrets: Arc<dyn SecretStore>, signer: TokenSigner) -> Self {
        Self { dispatcher, secrets, signer, dummy_hash: Arc::default() }
    }

    pub fn dispatcher(&self) -> &Arc<Dispatcher> {
        &self.dispatcher
    }

    /// The session of a bearer token.
    pub fn authenticate(&self, token: &str, now: DateTime<Utc>) -> Result<Session, ApiError> {
        self.signer.verify(token, now)
    }

    /// Checks a password against the user's stream (not a read model: a password changed a
    /// moment ago is already in force) and issues a token.
    pub async fn login(
        &self,
        tenant_slug: &str,
        username: &str,
        password: &str,
        now: DateTime<Utc>,
    ) -> Result<(String, Session), ApiError> {
        let tenant_id = tenant_id_for_slug(tenant_slug);
        let user_id = user_id_for_username(tenant_id, username);
        let (user, _) = self
            .dispatcher
            .load::<User>(tenant_id, &StreamId::new(hotline_domain::identity::user::CONTEXT, user_id))
            .await?;
        let (Some(created), Some(credential_id)) = (user.created, user.credential_id) else {
            // Spend the same time as a real check, so that timing does not tell which user names exist.
            let dummy_hash = self.dummy_hash.get_or_try_init(|| hash_password(Uuid::now_v7().to_string())).await?;
            let _ = verify_password(dummy_hash.clone(), password.to_owned()).await;
            return Err(ApiError::invalid_credentials());
        };
        let Some(hash) = self.secrets.get(tenant_id, credential_id).await? else {
            return Err(ApiError::invalid_credentials());
        };
        if !verify_password(hash, password.to_owned()).await {
            return Err(ApiError::invalid_credentials());
        }
        let session = Session {
            tenant_id,
            user_id,
            username: created.username,
            roles: created.roles,
            expires_at: now + SESSION_LIFETIME,
        };
        Ok((self.signer.issue(&session), session))
    }

    /// A platform administrator creates a tenant (its id follows from its slug) and,
    /// optionally, the tenant's first administrator.
    pub async fn create_tenant(
        &self,
        session: &Session,
        command_id: Uuid,
        slug: &str,
        name: &str,
        first_admin: Option<NewUser>,
        now: DateTime<Utc>,
    ) -> Result<(Uuid, CommandOutcome), ApiError> {
        session.require_any(&[Role::PlatformAdmin], "create tenants")?;
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
        let outcome = self.dispatcher.dispatch::<Tenant>(&meta, &command).await?;
        if let Some(admin) = first_admin {
            // Its own command id, derived from the tenant's, keeps a retried request idempotent.
            let admin_meta =
                CommandMeta { command_id: Uuid::new_v5(&command_id, b"first-admin"), causation_id: command_id, ..meta };
            let admin = NewUser { roles: vec![Role::TenantAdmin], ..admin };
            self.create_user_as(&admin_meta, admin).await?;
        }
        Ok((tenant_id, outcome))
    }

    /// A tenant administrator adds a user to their own tenant.
    pub async fn create_user(
        &self,
        session: &Session,
        command_id: Uuid,
        user: NewUser,
        now: DateTime<Utc>,
    ) -> Result<(Uuid, CommandOutcome), ApiError> {
        session.require_any(&[Role::TenantAdmin], "create users")?;
        if user.roles.contains(&Role::PlatformAdmin) && !session.has_role(Role::PlatformAdmin) {
            return Err(ApiError::forbidden("grant the platform_admin role"));
        }
        let meta = CommandMeta::new(command_id, session.tenant_id, session.actor(), now);
        self.create_user_as(&meta, user).await
    }

    async fn create_user_as(&self, meta: &CommandMeta, user: NewUser) -> Result<(Uuid, CommandOutcome), ApiError> {
        check_password_policy(&user.password)?;
        let credential_id = Uuid::now_v7();
        self.secrets.put(meta.tenant_id, credential_id, &hash_password(user.password).await?).await?;
        let command = UserCommand::CreateUser {
            tenant_id: meta.tenant_id,
            username: user.username.clone(),
            display_name: user.display_name,
            roles: user.roles,
            credential_id,
        };
        let outcome = self.dispatcher.dispatch::<User>(meta, &command).await?;
        Ok((user_id_for_username(meta.tenant_id, &user.username), outcome))
    }

    /// A user changes their own password (giving the current one), or a tenant
    /// administrator sets another user's password of the same tenant.
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
            session.require_any(&[Role::TenantAdmin], "change another user's password")?;
        }
        check_password_policy(new_password)?;
        let credential_id = Uuid::now_v7();
        self.secrets.put(session.tenant_id, credential_id, &hash_password(new_password.to_owned()).await?).await?;
        let meta = CommandMeta::new(command_id, session.tenant_id, session.actor(), now);
        self.dispatcher.dispatch::<User>(&meta, &UserCommand::ChangePassword { user_id, credential_id }).await
    }

    async fn check_current_password(&self, tenant_id: Uuid, user_id: Uuid, password: &str) -> Result<bool, ApiError> {
        let (user, _) = self
            .dispatcher
            .load::<User>(tenant_id, &StreamId::new(hotline_domain::identity::user::CONTEXT, user_id))
            .await?;
        let Some(credential_id) = user.credential_id else { return Ok(false) };
        let Some(hash) = self.secrets.get(tenant_id, credential_id).await? else { return Ok(false) };
        Ok(verify_password(hash, password.to_owned()).await)
    }

    /// Creates a tenant and its first administrator as the system, if they do not exist yet
    /// (first start, demo data, tests). Returns the tenant id.
    pub async fn bootstrap_tenant(
        &self,
        slug: &str,
        name: &str,
        admin: NewUser,
        now: DateTime<Utc>,
    ) -> Result<Uuid, ApiError> {
        let tenant_id = tenant_id_for_slug(slug);
        let actor = Actor::system("bootstrap");
        // Fixed command ids make bootstrapping idempotent across restarts.
        let tenant_command_id = Uuid::new_v5(&tenant_id, b"bootstrap:tenant");
        let command =
            TenantCommand::CreateTenant { slug: slug.to_owned(), name: name.to_owned(), parent_tenant_id: None };
        match self
            .dispatcher
            .dispatch::<Tenant>(&CommandMeta::new(tenant_command_id, tenant_id, actor.clone(), now), &command)
            .await
        {
            Ok(_) => {}
            Err(error) if error.code == "tenant.slug_taken" => {}
            Err(error) => return Err(error),
        }
        let user_command_id = Uuid::new_v5(&tenant_id, format!("bootstrap:user:{}", admin.username).as_bytes());
        match self.create_user_as(&CommandMeta::new(user_command_id, tenant_id, actor, now), admin).await {
            Ok(_) => Ok(tenant_id),
            Err(error) if error.code == "user.username_taken" => Ok(tenant_id),
            Err(error) => Err(error),
        }
    }
}
