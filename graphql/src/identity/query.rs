//! Identity and access queries: who I am and what I may open, tenants, users, roles.
//! Always scoped to the caller's tenant; lists honour the caller's data scope.

use async_graphql::{Context, Enum, Object, SimpleObject};
use chrono::{DateTime, Utc};
use hotline_command_api::{ApiError, Session};
use hotline_domain::access::permissions::{self, DataScope as DomainDataScope, PERMISSIONS, VisibleMenuItem};
use hotline_domain::access::role::{BuiltInRole, RoleDefinition};
use hotline_projections::identity::{self as read_model, UserFilter};
use hotline_projections::mail_addresses;
use uuid::Uuid;

use crate::error::{OrGraphqlError, graphql_error};
use crate::schema::{GraphqlState, session};

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
    pub role_ids: Vec<Uuid>,
    pub org_unit_id: Option<Uuid>,
    /// Set while the user is locked out after failed log-ins.
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Where reminders reach the user.
    pub email: Option<String>,
}

/// The logged-in user and what they may do.
#[derive(SimpleObject, Clone)]
pub struct Me {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role_ids: Vec<Uuid>,
    pub org_unit_id: Option<Uuid>,
    /// Every permission key the user holds.
    pub permissions: Vec<String>,
}

/// A menu entry the caller may open; `titleKey` is the web app's i18n key.
#[derive(SimpleObject, Clone)]
pub struct MenuItem {
    pub key: String,
    pub title_key: String,
    pub path: String,
    pub icon: String,
    pub children: Vec<MenuItem>,
}

impl From<VisibleMenuItem> for MenuItem {
    fn from(item: VisibleMenuItem) -> Self {
        Self {
            key: item.key.to_owned(),
            title_key: item.title_key.to_owned(),
            path: item.path.to_owned(),
            icon: item.icon.to_owned(),
            children: item.children.into_iter().map(MenuItem::from).collect(),
        }
    }
}

#[derive(SimpleObject, Clone)]
pub struct Widget {
    pub key: String,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "hotline_domain::access::permissions::PermissionKind")]
pub enum PermissionKindObject {
    Menu,
    Button,
    Export,
    Import,
    Download,
}

#[derive(SimpleObject, Clone)]
#[graphql(name = "Permission")]
pub struct PermissionObject {
    pub key: String,
    pub kind: PermissionKindObject,
    /// The menu it belongs to, for the permission matrix.
    pub parent_key: Option<String>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "hotline_domain::access::permissions::DataScope")]
pub enum DataScope {
    Own,
    OwnDepartment,
    DepartmentAndBelow,
    All,
}

#[derive(SimpleObject, Clone)]
pub struct DataScopeRule {
    pub resource: String,
    pub scope: DataScope,
}

#[derive(SimpleObject, Clone)]
#[graphql(name = "Role")]
pub struct RoleObject {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub permissions: Vec<String>,
    pub data_scopes: Vec<DataScopeRule>,
    /// Built-in roles are the same in every tenant and cannot be changed.
    pub built_in: bool,
    /// A built-in role's stable key (`administrator`, `agent`, ...), for translated names.
    pub key: Option<String>,
}

impl RoleObject {
    pub fn new(definition: RoleDefinition) -> Self {
        let built_in = BuiltInRole::from_id(definition.role_id);
        Self {
            built_in: built_in.is_some(),
            key: built_in.map(|role| role.key().to_owned()),
            id: definition.role_id,
            name: definition.name,
            description: definition.description,
            permissions: definition.permissions,
            data_scopes: definition
                .data_scopes
                .into_iter()
                .map(|(resource, scope)| DataScopeRule { resource, scope: scope.into() })
                .collect(),
        }
    }
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
            role_ids: view.role_ids,
            org_unit_id: view.org_unit_id,
            locked_until: view.locked_until.filter(|until| *until > Utc::now()),
            created_at: view.created_at,
            email: None,
        }
    }
}

/// Users with their addresses (another read model holds them).
async fn with_emails(
    state: &GraphqlState,
    tenant_id: Uuid,
    views: Vec<read_model::UserView>,
) -> async_graphql::Result<Vec<User>> {
    let ids: Vec<Uuid> = views.iter().map(|view| view.user_id).collect();
    let mut addresses =
        mail_addresses::user_addresses(&state.read_models, tenant_id, &ids).await.map_err(read_model_error)?;
    Ok(views
        .into_iter()
        .map(|view| {
            let email = addresses.remove(&view.user_id);
            User { email, ..User::from(view) }
        })
        .collect())
}

pub(crate) fn read_model_error(error: impl std::fmt::Display) -> async_graphql::Error {
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

/// The caller's data scope on users, made concrete for the read model.
async fn users_filter(state: &GraphqlState, session: &Session) -> async_graphql::Result<UserFilter> {
    let own_unit = session.access.org_unit_id;
    Ok(match (session.access.scope_of("users"), own_unit) {
        (DomainDataScope::All, _) => UserFilter::All,
        (DomainDataScope::Own, _) | (_, None) => UserFilter::Only(session.user_id),
        (DomainDataScope::OwnDepartment, Some(unit)) => {
            UserFilter::UnitsAndSelf { units: vec![unit], user_id: session.user_id }
        }
        (DomainDataScope::DepartmentAndBelow, Some(unit)) => {
            let units =
                hotline_projections::organisation::units_at_and_below(&state.read_models, session.tenant_id, unit)
                    .await
                    .map_err(read_model_error)?;
            UserFilter::UnitsAndSelf { units, user_id: session.user_id }
        }
    })
}

#[Object]
impl IdentityQuery {
    /// The logged-in user, with their permissions.
    async fn me(&self, context: &Context<'_>) -> async_graphql::Result<Me> {
        let session = session(context)?;
        Ok(Me {
            id: session.user_id,
            tenant_id: session.tenant_id,
            username: session.access.username.clone(),
            display_name: session.access.display_name.clone(),
            role_ids: session.access.role_ids.clone(),
            org_unit_id: session.access.org_unit_id,
            permissions: session.access.permissions.iter().cloned().collect(),
        })
    }

    /// The menu tree the caller may open (one to three levels).
    async fn my_menus(&self, context: &Context<'_>) -> async_graphql::Result<Vec<MenuItem>> {
        let session = session(context)?;
        Ok(permissions::visible_menu(&|key: &str| session.has(key)).into_iter().map(MenuItem::from).collect())
    }

    /// The workbench widgets the caller may see.
    async fn my_widgets(&self, context: &Context<'_>) -> async_graphql::Result<Vec<Widget>> {
        let session = session(context)?;
        Ok(permissions::WIDGETS
            .iter()
            .filter(|widget| session.has(widget.permission))
            .map(|widget| Widget { key: widget.key.to_owned() })
            .collect())
    }

    /// Your tenant.
    async fn tenant(&self, context: &Context<'_>) -> async_graphql::Result<Option<Tenant>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let view = read_model::get_tenant(&state.read_models, session.tenant_id).await.map_err(read_model_error)?;
        Ok(view.map(Tenant::from))
    }

    /// Tenants by slug: every tenant for platform administrators, else your tenant and the
    /// tenants below it (holders of `menu.admin.tenants`).
    async fn tenants(
        &self,
        context: &Context<'_>,
        #[graphql(default = 100)] first: usize,
        after: Option<String>,
    ) -> async_graphql::Result<Vec<Tenant>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        session.require("menu.admin.tenants").or_graphql_error()?;
        let page = page_size(first)?;
        if session.has("platform.tenants") {
            let views =
                read_model::list_tenants(&state.read_models, page, after.as_deref()).await.map_err(read_model_error)?;
            return Ok(views.into_iter().map(Tenant::from).collect());
        }
        // Sub-tenants are few per tenant: walk the whole list and keep the caller's subtree.
        let mut all = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let views = read_model::list_tenants(&state.read_models, read_model::MAX_PAGE_SIZE, cursor.as_deref())
                .await
                .map_err(read_model_error)?;
            let exhausted = views.len() < read_model::MAX_PAGE_SIZE as usize;
            cursor = views.last().map(|view| view.slug.clone());
            all.extend(views);
            if exhausted {
                break;
            }
        }
        let mut subtree = vec![session.tenant_id];
        let mut grew = true;
        while grew {
            grew = false;
            for view in &all {
                if view.parent_tenant_id.is_some_and(|parent| subtree.contains(&parent))
                    && !subtree.contains(&view.tenant_id)
                {
                    subtree.push(view.tenant_id);
                    grew = true;
                }
            }
        }
        Ok(all
            .into_iter()
            .filter(|view| subtree.contains(&view.tenant_id))
            .filter(|view| after.as_deref().is_none_or(|after| view.slug.as_str() > after))
            .take(page as usize)
            .map(Tenant::from)
            .collect())
    }

    /// The users of your tenant that your data scope shows, by user name. Holders of
    /// `menu.admin.users`.
    async fn users(
        &self,
        context: &Context<'_>,
        #[graphql(default = 100)] first: usize,
        after: Option<String>,
    ) -> async_graphql::Result<Vec<User>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        session.require("menu.admin.users").or_graphql_error()?;
        let filter = users_filter(state, session).await?;
        let views =
            read_model::list_users(&state.read_models, session.tenant_id, &filter, page_size(first)?, after.as_deref())
                .await
                .map_err(read_model_error)?;
        with_emails(state, session.tenant_id, views).await
    }

    /// One user of your tenant: yourself, or within your data scope for holders of
    /// `menu.admin.users`.
    async fn user(&self, context: &Context<'_>, id: Uuid) -> async_graphql::Result<Option<User>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let view = read_model::get_user(&state.read_models, session.tenant_id, id).await.map_err(read_model_error)?;
        if id != session.user_id {
            session.require("menu.admin.users").or_graphql_error()?;
            let filter = users_filter(state, session).await?;
            if !view.as_ref().is_some_and(|view| filter.admits(view)) {
                return Ok(None);
            }
        }
        Ok(with_emails(state, session.tenant_id, view.into_iter().collect()).await?.pop())
    }

    /// The built-in roles and the roles your tenant defined. Holders of `menu.admin.roles`
    /// or `menu.admin.users` (who pick roles for users).
    async fn roles(&self, context: &Context<'_>) -> async_graphql::Result<Vec<RoleObject>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        if !session.has("menu.admin.roles") {
            session.require("menu.admin.users").or_graphql_error()?;
        }
        let custom = hotline_projections::access::list_roles(&state.read_models, session.tenant_id)
            .await
            .map_err(read_model_error)?;
        Ok(BuiltInRole::ALL
            .into_iter()
            .filter(|role| *role != BuiltInRole::PlatformAdministrator || session.has("platform.tenants"))
            .map(BuiltInRole::definition)
            .chain(custom)
            .map(RoleObject::new)
            .collect())
    }

    /// Every permission, for the permission matrix.
    async fn permission_catalogue(&self, context: &Context<'_>) -> async_graphql::Result<Vec<PermissionObject>> {
        session(context)?;
        Ok(PERMISSIONS
            .iter()
            .map(|permission| PermissionObject {
                key: permission.key.to_owned(),
                kind: permission.kind.into(),
                parent_key: permission.parent.map(str::to_owned),
            })
            .collect())
    }

    /// The resources whose lists honour a role's data scope.
    async fn scoped_resources(&self, context: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        session(context)?;
        Ok(permissions::SCOPED_RESOURCES.iter().map(|resource| (*resource).to_owned()).collect())
    }
}
