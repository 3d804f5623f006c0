//! Organisation units: the tree query and the mutations that change it.
//!
//! Reading the tree needs `menu.admin.organisation` (the organisation page) or
//! `menu.admin.users` (the user form picks a unit); every change needs `org.edit`, checked
//! by the organisation service. Only the caller's tenant is ever read or changed.

use std::sync::Arc;

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use hotline_command_api::ApiError;
use hotline_command_api::organisation::{NewUnit, OrganisationService};
use hotline_domain::organisation::{Dimension as DomainDimension, UnitKind as DomainUnitKind};
use hotline_projections::organisation::{self as read_model, OrgUnitView};
use uuid::Uuid;

use crate::error::{OrGraphqlError, graphql_error};
use crate::identity::mutation::READ_YOUR_WRITES_TIMEOUT;
use crate::identity::query::read_model_error;
use crate::schema::{GraphqlState, session};
use crate::types::CommandResult;

/// Either opens the organisation tree for reading.
const READ_PERMISSIONS: [&str; 2] = ["menu.admin.organisation", "menu.admin.users"];

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "OrgUnitKind")]
pub enum UnitKind {
    Centre,
    SubCentre,
    Department,
    Team,
}

impl From<UnitKind> for DomainUnitKind {
    fn from(kind: UnitKind) -> Self {
        match kind {
            UnitKind::Centre => DomainUnitKind::Centre,
            UnitKind::SubCentre => DomainUnitKind::SubCentre,
            UnitKind::Department => DomainUnitKind::Department,
            UnitKind::Team => DomainUnitKind::Team,
        }
    }
}

impl From<DomainUnitKind> for UnitKind {
    fn from(kind: DomainUnitKind) -> Self {
        match kind {
            DomainUnitKind::Centre => UnitKind::Centre,
            DomainUnitKind::SubCentre => UnitKind::SubCentre,
            DomainUnitKind::Department => UnitKind::Department,
            DomainUnitKind::Team => UnitKind::Team,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "OrgDimension")]
pub enum Dimension {
    /// Who reports to whom.
    Reporting,
    /// Organisational level.
    Level,
    /// Territory or legal jurisdiction.
    Jurisdiction,
}

impl From<Dimension> for DomainDimension {
    fn from(dimension: Dimension) -> Self {
        match dimension {
            Dimension::Reporting => DomainDimension::Reporting,
            Dimension::Level => DomainDimension::Level,
            Dimension::Jurisdiction => DomainDimension::Jurisdiction,
        }
    }
}

impl From<DomainDimension> for Dimension {
    fn from(dimension: DomainDimension) -> Self {
        match dimension {
            DomainDimension::Reporting => Dimension::Reporting,
            DomainDimension::Level => Dimension::Level,
            DomainDimension::Jurisdiction => Dimension::Jurisdiction,
        }
    }
}

/// One organisation unit; `parentId` is null for a root of its dimension.
#[derive(SimpleObject, Clone)]
pub struct OrgUnit {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub name: String,
    pub kind: UnitKind,
    pub dimension: Dimension,
    /// 0 for a root.
    pub depth: u32,
    /// Unit ids from the root down to this unit, both included.
    pub path: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<OrgUnitView> for OrgUnit {
    fn from(view: OrgUnitView) -> Self {
        Self {
            id: view.unit_id,
            parent_id: view.parent_id,
            name: view.name,
            kind: view.kind.into(),
            dimension: view.dimension.into(),
            depth: view.depth,
            path: view.path,
            created_at: view.created_at,
            updated_at: view.updated_at,
        }
    }
}

fn service(state: &GraphqlState) -> OrganisationService {
    OrganisationService::new(Arc::clone(state.identity.dispatcher()))
}

#[derive(Default)]
pub struct OrganisationQuery;

#[Object]
impl OrganisationQuery {
    /// Your tenant's organisation units, optionally of one dimension, parents before
    /// children (by dimension, depth and name). Needs `menu.admin.organisation` or
    /// `menu.admin.users`.
    async fn org_units(
        &self,
        context: &Context<'_>,
        dimension: Option<Dimension>,
    ) -> async_graphql::Result<Vec<OrgUnit>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        if !READ_PERMISSIONS.iter().any(|permission| session.has(permission)) {
            return Err(graphql_error(ApiError::forbidden_without(READ_PERMISSIONS[0])));
        }
        let views = read_model::list_org_units(&state.read_models, session.tenant_id, dimension.map(Into::into))
            .await
            .map_err(read_model_error)?;
        Ok(views.into_iter().map(OrgUnit::from).collect())
    }
}

#[derive(InputObject)]
pub struct CreateOrgUnitInput {
    /// Send the same id again to retry safely: the command is applied once, and the unit
    /// id (derived from it) is the same.
    pub command_id: Option<Uuid>,
    /// Null: a new root of `dimension`.
    pub parent_id: Option<Uuid>,
    pub name: String,
    pub kind: UnitKind,
    pub dimension: Dimension,
}

#[derive(InputObject)]
pub struct RenameOrgUnitInput {
    pub command_id: Option<Uuid>,
    pub unit_id: Uuid,
    pub name: String,
}

#[derive(InputObject)]
pub struct MoveOrgUnitInput {
    pub command_id: Option<Uuid>,
    pub unit_id: Uuid,
    /// Null: the unit becomes a root of its dimension.
    pub new_parent_id: Option<Uuid>,
}

#[derive(InputObject)]
pub struct RemoveOrgUnitInput {
    pub command_id: Option<Uuid>,
    pub unit_id: Uuid,
}

#[derive(Default)]
pub struct OrganisationMutation;

#[Object]
impl OrganisationMutation {
    /// Creates a unit; `aggregateId` is its id. Needs `org.edit`.
    async fn create_org_unit(
        &self,
        context: &Context<'_>,
        input: CreateOrgUnitInput,
    ) -> async_graphql::Result<CommandResult> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let command_id = input.command_id.unwrap_or_else(Uuid::now_v7);
        let unit = NewUnit {
            parent_id: input.parent_id,
            name: input.name,
            kind: input.kind.into(),
            dimension: input.dimension.into(),
        };
        let (unit_id, outcome) =
            service(state).create_unit(session, command_id, unit, Utc::now()).await.or_graphql_error()?;
        state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
        Ok(CommandResult::new(unit_id, outcome))
    }

    /// Renames a unit (names are unique among its siblings). Needs `org.edit`.
    async fn rename_org_unit(
        &self,
        context: &Context<'_>,
        input: RenameOrgUnitInput,
    ) -> async_graphql::Result<CommandResult> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let command_id = input.command_id.unwrap_or_else(Uuid::now_v7);
        let outcome = service(state)
            .rename_unit(session, command_id, input.unit_id, input.name, Utc::now())
            .await
            .or_graphql_error()?;
        state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
        Ok(CommandResult::new(input.unit_id, outcome))
    }

    /// Moves a unit with its subtree under another unit of its dimension, or to the top.
    /// Refused with `org.cycle` under itself or its own sub-units. Needs `org.edit`.
    async fn move_org_unit(
        &self,
        context: &Context<'_>,
        input: MoveOrgUnitInput,
    ) -> async_graphql::Result<CommandResult> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let command_id = input.command_id.unwrap_or_else(Uuid::now_v7);
        let outcome = service(state)
            .move_unit(session, command_id, input.unit_id, input.new_parent_id, Utc::now())
            .await
            .or_graphql_error()?;
        state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
        Ok(CommandResult::new(input.unit_id, outcome))
    }

    /// Removes a unit without sub-units. Needs `org.edit`.
    async fn remove_org_unit(
        &self,
        context: &Context<'_>,
        input: RemoveOrgUnitInput,
    ) -> async_graphql::Result<CommandResult> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let command_id = input.command_id.unwrap_or_else(Uuid::now_v7);
        let outcome =
            service(state).remove_unit(session, command_id, input.unit_id, Utc::now()).await.or_graphql_error()?;
        state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
        Ok(CommandResult::new(input.unit_id, outcome))
    }
}
