//! Tenant and user queries over the identity read models, scoped to the caller's tenant.

use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, Utc};
use hotline_command_api::ApiError;
use hotline_domain::identity::Role as DomainRole;
use hotline_projections::identity as read_model;
use uuid::Uuid;

use crate::error::{OrGraphqlError, graphql_error};
use crate::schema::{GraphqlState, session};
use crate::types::Role;

pub(crate) const MAX_PAGE: usize = 500;

#[derive(Default)]
pub struct IdentityQuery;

#[derive(SimpleObject, Clone)]
pub struct Tenant {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub parent_tenant_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

#[derive(SimpleObject, Clone)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub created_at: DateTime<Utc>,
}

impl From<read_model::TenantView> for Tenant {
    fn from(view: read_model::TenantView) -> Self {
        Self {
            id: view.tenant_id,
            slug: view.slug,
            name: view.name,
            parent_tenant_id: view.parent_tenant_id,
            created_at: view.created_at,
        }
    }
}

impl From<read_model::UserView> for User {
    fn from(view: read_model::UserView) -> Self {
        Self {
            id: view.user_id,
            username: view.username,
            display_name: view.display_name,
            roles: view.roles.into_iter().map(Role::from).collect(),
            created_at: view.created_at,
        }
    }
}

fn read_model_error(error: impl std::fmt::Display) -> async_graphql::Error {
    tracing::error!(%error, "read model query failed");
    graphql_error(ApiError::new(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "store.unavailable",
        "the read models are unavailable; retry",
    ))
}

pub(crate) fn page_size(first: usize) -> async_graphql::Result<u32> {
    if first == 0 || first > MAX_PAGE {
        return Err(graphql_error(ApiError::invalid_command(format!("first must be 1 to {MAX_PAGE}"))));
    }
    Ok(first as u32)
}

#[Object]
impl IdentityQuery {
    /// The logged-in user.
    async fn me(&self, context: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let view = read_model::get_user(&state.read_models, session.tenant_id, session.user_id)
            .await
            .map_err(read_model_error)?;
        Ok(view.map(User::from))
    }

    /// Your tenant.
    async fn tenant(&self, context: &Context<'_>) -> async_graphql::Result<Option<Tenant>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let view = read_model::get_tenant(&state.read_models, session.tenant_id).await.map_err(read_model_error)?;
        Ok(view.map(Tenant::from))
    }

    /// Every tenant, by slug. Platform administrators only.
    async fn tenants(
        &self,
        context: &Context<'_>,
        #[graphql(default = 100)] first: usize,
        after: Option<String>,
    ) -> async_graphql::Result<Vec<Tenant>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        session.require_any(&[DomainRole::PlatformAdmin], "list every tenant").or_graphql_error()?;
        let views = read_model::list_tenants(&state.read_models, page_size(first)?, after.as_deref())
            .await
            .map_err(read_model_error)?;
        Ok(views.into_iter().map(Tenant::from).collect())
    }

    /// The users of your tenant, by user name. Tenant administrators and supervisors.
    async fn users(
        &self,
        context: &Context<'_>,
        #[graphql(default = 100)] first: usize,
        after: Option<String>,
    ) -> async_graphql::Result<Vec<User>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        session.require_any(&[DomainRole::TenantAdmin, DomainRole::Supervisor], "list users").or_graphql_error()?;
        let views = read_model::list_users(&state.read_models, session.tenant_id, page_size(first)?, after.as_deref())
            .await
            .map_err(read_model_error)?;
        Ok(views.into_iter().map(User::from).collect())
    }

    /// One user of your tenant. Tenant administrators and supervisors, or yourself.
    async fn user(&self, context: &Context<'_>, id: Uuid) -> async_graphql::Result<Option<User>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        if id != session.user_id {
            session
                .require_any(&[DomainRole::TenantAdmin, DomainRole::Supervisor], "read other users")
                .or_graphql_error()?;
        }
        let view = read_model::get_user(&state.read_models, session.tenant_id, id).await.map_err(read_model_error)?;
        Ok(view.map(User::from))
    }
}
