//! Log-in and the tenant and user mutations: each calls the identity service and reports
//! what it appended.

use std::time::Duration;

use async_graphql::{Context, InputObject, Object};
use chrono::Utc;
use hotline_command_api::identity::NewUser;
use uuid::Uuid;

use crate::error::OrGraphqlError;
use crate::schema::{GraphqlState, session};
use crate::types::{CommandResult, LoginResult, Role};

/// How long a mutation waits for the read models to show its own write.
pub(crate) const READ_YOUR_WRITES_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Default)]
pub struct IdentityMutation;

#[derive(InputObject)]
pub struct CreateTenantInput {
    /// Send the same id again to retry safely: the command is applied once.
    pub command_id: Option<Uuid>,
    pub slug: String,
    pub name: String,
    /// The tenant's first administrator.
    pub admin: Option<FirstAdminInput>,
}

#[derive(InputObject)]
pub struct FirstAdminInput {
    pub username: String,
    pub display_name: String,
    pub password: String,
}

#[derive(InputObject)]
pub struct CreateUserInput {
    pub command_id: Option<Uuid>,
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub roles: Vec<Role>,
}

#[derive(InputObject)]
pub struct ChangePasswordInput {
    pub command_id: Option<Uuid>,
    pub user_id: Uuid,
    /// Required when changing your own password.
    pub current_password: Option<String>,
    pub new_password: String,
}

#[Object]
impl IdentityMutation {
    /// Logs in and returns a bearer token for `Authorization: Bearer <token>` (HTTP) or the
    /// `authorization` field of graphql-ws `connection_init`.
    async fn login(
        &self,
        context: &Context<'_>,
        tenant: String,
        username: String,
        password: String,
    ) -> async_graphql::Result<LoginResult> {
        let state = context.data::<GraphqlState>()?;
        let (token, session) =
            state.identity.login(&tenant, &username, &password, Utc::now()).await.or_graphql_error()?;
        Ok(LoginResult {
            token,
            tenant_id: session.tenant_id,
            user_id: session.user_id,
            username: session.username,
            roles: session.roles.into_iter().map(Role::from).collect(),
            expires_at: session.expires_at,
        })
    }

    /// Platform administrators only.
    async fn create_tenant(
        &self,
        context: &Context<'_>,
        input: CreateTenantInput,
    ) -> async_graphql::Result<CommandResult> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let command_id = input.command_id.unwrap_or_else(Uuid::now_v7);
        let admin = input.admin.map(|admin| NewUser {
            username: admin.username,
            display_name: admin.display_name,
            password: admin.password,
            roles: Vec::new(),
        });
        let (tenant_id, outcome) = state
            .identity
            .create_tenant(session, command_id, &input.slug, &input.name, admin, Utc::now())
            .await
            .or_graphql_error()?;
        state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
        Ok(CommandResult::new(tenant_id, outcome))
    }

    /// Tenant administrators only; the user joins the administrator's tenant.
    async fn create_user(&self, context: &Context<'_>, input: CreateUserInput) -> async_graphql::Result<CommandResult> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let command_id = input.command_id.unwrap_or_else(Uuid::now_v7);
        let user = NewUser {
            username: input.username,
            display_name: input.display_name,
            password: input.password,
            roles: input.roles.into_iter().map(Into::into).collect(),
        };
        let (user_id, outcome) =
            state.identity.create_user(session, command_id, user, Utc::now()).await.or_graphql_error()?;
        state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
        Ok(CommandResult::new(user_id, outcome))
    }

    /// Your own password (with the current one), or, for tenant administrators, anyone's in
    /// the tenant.
    async fn change_password(
        &self,
        context: &Context<'_>,
        input: ChangePasswordInput,
    ) -> async_graphql::Result<CommandResult> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let command_id = input.command_id.unwrap_or_else(Uuid::now_v7);
        let outcome = state
            .identity
            .change_password(
                session,
                command_id,
                input.user_id,
                input.current_password.as_deref(),
                &input.new_password,
                Utc::now(),
            )
            .await
            .or_graphql_error()?;
        state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
        Ok(CommandResult::new(input.user_id, outcome))
    }
}
