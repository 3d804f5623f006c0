//! Log-in and sessions, and the tenant, user and role mutations: each calls the identity
//! service and reports what it appended.

use std::collections::BTreeMap;
use std::time::Duration;

use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use hotline_command_api::identity::{NewUser, UserChanges};
use hotline_command_api::rest::{cleared_session_cookie, session_cookie};
use hotline_domain::access::role::RoleDefinition;
use uuid::Uuid;

use super::query::DataScope;
use crate::error::OrGraphqlError;
use crate::schema::{GraphqlState, session};
use crate::types::CommandResult;

/// How long a mutation waits for the read models to show its own write.
pub(crate) const READ_YOUR_WRITES_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Default)]
pub struct IdentityMutation;

#[derive(SimpleObject, Clone)]
pub struct LoginResult {
    /// Send as `Authorization: Bearer <token>`; browsers also get it as an HttpOnly cookie.
    pub token: String,
    pub tenant_id: Uuid,
    pub user_id: Uuid,
    pub username: String,
    pub permissions: Vec<String>,
    pub expires_at: DateTime<Utc>,
}

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
    pub role_ids: Vec<Uuid>,
    pub org_unit_id: Option<Uuid>,
    /// Where reminders reach the user; none when absent.
    pub email: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateUserInput {
    pub command_id: Option<Uuid>,
    pub user_id: Uuid,
    pub display_name: String,
    pub role_ids: Vec<Uuid>,
    pub org_unit_id: Option<Uuid>,
    /// The address after the change: absent or null means none.
    pub email: Option<String>,
}

#[derive(InputObject)]
pub struct ChangePasswordInput {
    pub command_id: Option<Uuid>,
    pub user_id: Uuid,
    /// Required when changing your own password.
    pub current_password: Option<String>,
    pub new_password: String,
}

#[derive(InputObject)]
pub struct DataScopeInput {
    pub resource: String,
    pub scope: DataScope,
}

#[derive(InputObject)]
pub struct RoleInput {
    pub command_id: Option<Uuid>,
    /// Leave out to create a role; give it to change one.
    pub role_id: Option<Uuid>,
    pub name: String,
    #[graphql(default)]
    pub description: String,
    pub permissions: Vec<String>,
    #[graphql(default)]
    pub data_scopes: Vec<DataScopeInput>,
}

fn command_id(given: Option<Uuid>) -> Uuid {
    given.unwrap_or_else(Uuid::now_v7)
}

#[Object]
impl IdentityMutation {
    /// Logs in. Returns a bearer token and sets it as an HttpOnly, SameSite=Strict cookie.
    /// Five failed attempts in a row lock the user out for 15 minutes (`auth.locked_out`).
    async fn login(
        &self,
        context: &Context<'_>,
        tenant: String,
        username: String,
        password: String,
    ) -> async_graphql::Result<LoginResult> {
        let state = context.data::<GraphqlState>()?;
        let logged_in = state.identity.login(&tenant, &username, &password, Utc::now()).await.or_graphql_error()?;
        let session = &logged_in.session;
        let lifetime = (session.expires_at - session.issued_at).num_seconds();
        context.append_http_header(axum::http::header::SET_COOKIE, session_cookie(&logged_in.token, lifetime));
        Ok(LoginResult {
            token: logged_in.token.clone(),
            tenant_id: session.tenant_id,
            user_id: session.user_id,
            username: session.access.username.clone(),
            permissions: session.access.permissions.iter().cloned().collect(),
            expires_at: session.expires_at,
        })
    }

    /// Ends this browser's session (clears the cookie). The token itself stays valid until
    /// it expires: use `logoutEverywhere` to end every session.
    async fn logout(&self, context: &Context<'_>) -> bool {
        context.append_http_header(axum::http::header::SET_COOKIE, cleared_session_cookie());
        true
    }

    /// Ends every session of a user: your own, or (with `user.edit`) someone else's.
    async fn logout_everywhere(
        &self,
        context: &Context<'_>,
        user_id: Option<Uuid>,
    ) -> async_graphql::Result<CommandResult> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let user_id = user_id.unwrap_or(session.user_id);
        let outcome =
            state.identity.revoke_sessions(session, Uuid::now_v7(), user_id, Utc::now()).await.or_graphql_error()?;
        if user_id == session.user_id {
            context.append_http_header(axum::http::header::SET_COOKIE, cleared_session_cookie());
        }
        Ok(CommandResult::new(user_id, outcome))
    }

    /// Creates a tenant below yours (`tenant.create`), optionally with its first administrator.
    async fn create_tenant(
        &self,
        context: &Context<'_>,
        input: CreateTenantInput,
    ) -> async_graphql::Result<CommandResult> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let admin = input.admin.map(|admin| NewUser {
            username: admin.username,
            display_name: admin.display_name,
            password: admin.password,
            role_ids: Vec::new(),
            org_unit_id: None,
            email: None,
        });
        let (tenant_id, outcome) = state
            .identity
            .create_tenant(session, command_id(input.command_id), &input.slug, &input.name, admin, Utc::now())
            .await
            .or_graphql_error()?;
        state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
        Ok(CommandResult::new(tenant_id, outcome))
    }

    /// Adds a user to your tenant (`user.create`).
    async fn create_user(&self, context: &Context<'_>, input: CreateUserInput) -> async_graphql::Result<CommandResult> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let user = NewUser {
            username: input.username,
            display_name: input.display_name,
            password: input.password,
            role_ids: input.role_ids,
            org_unit_id: input.org_unit_id,
            email: input.email,
        };
        let (user_id, outcome) = state
            .identity
            .create_user(session, command_id(input.command_id), user, Utc::now())
            .await
            .or_graphql_error()?;
        state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
        Ok(CommandResult::new(user_id, outcome))
    }

    /// Changes a user's display name, roles, organisation unit and e-mail address (`user.edit`).
    async fn update_user(&self, context: &Context<'_>, input: UpdateUserInput) -> async_graphql::Result<CommandResult> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let changes = UserChanges {
            user_id: input.user_id,
            display_name: input.display_name,
            role_ids: input.role_ids,
            org_unit_id: input.org_unit_id,
            email: input.email,
        };
        let outcome = state
            .identity
            .update_user(session, command_id(input.command_id), changes, Utc::now())
            .await
            .or_graphql_error()?;
        state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
        Ok(CommandResult::new(input.user_id, outcome))
    }

    /// Lifts a lock-out before its time (`user.unlock`).
    async fn unlock_user(&self, context: &Context<'_>, user_id: Uuid) -> async_graphql::Result<CommandResult> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let outcome =
            state.identity.unlock_user(session, Uuid::now_v7(), user_id, Utc::now()).await.or_graphql_error()?;
        state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
        Ok(CommandResult::new(user_id, outcome))
    }

    /// Your own password (with the current one), or anyone's in the tenant
    /// (`user.reset_password`).
    async fn change_password(
        &self,
        context: &Context<'_>,
        input: ChangePasswordInput,
    ) -> async_graphql::Result<CommandResult> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let outcome = state
            .identity
            .change_password(
                session,
                command_id(input.command_id),
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

    /// Creates or changes a role of your tenant (`role.edit`): permissions from
    /// `permissionCatalogue`, data scopes per resource of `scopedResources`.
    async fn save_role(&self, context: &Context<'_>, input: RoleInput) -> async_graphql::Result<CommandResult> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let create = input.role_id.is_none();
        let role_id = input.role_id.unwrap_or_else(Uuid::now_v7);
        let definition = RoleDefinition {
            role_id,
            name: input.name,
            description: input.description,
            permissions: input.permissions,
            data_scopes: input
                .data_scopes
                .into_iter()
                .map(|rule| (rule.resource, rule.scope.into()))
                .collect::<BTreeMap<_, _>>(),
        };
        let outcome = state
            .identity
            .save_role(session, command_id(input.command_id), definition, create, Utc::now())
            .await
            .or_graphql_error()?;
        state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
        Ok(CommandResult::new(role_id, outcome))
    }
}
