//! The organisation service: create, rename, move and remove a tenant's organisation units.
//!
//! Every command needs the `org.edit` permission and goes to the tenant's one organisation
//! stream (`org-<tenant>`), where the decider refuses cycles and moves across dimensions.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use hotline_domain::organisation::{Dimension, Organisation, OrganisationCommand, UnitKind};
use uuid::Uuid;

use crate::auth::Session;
use crate::dispatcher::{CommandMeta, CommandOutcome, Dispatcher};
use crate::error::ApiError;

/// The permission every organisation change needs.
pub const EDIT_PERMISSION: &str = "org.edit";

/// A new unit, as an administrator asks for it.
#[derive(Debug, Clone)]
pub struct NewUnit {
    /// `None`: a new root of `dimension`.
    pub parent_id: Option<Uuid>,
    pub name: String,
    pub kind: UnitKind,
    pub dimension: Dimension,
}

#[derive(Clone)]
pub struct OrganisationService {
    dispatcher: Arc<Dispatcher>,
}

impl OrganisationService {
    pub fn new(dispatcher: Arc<Dispatcher>) -> Self {
        Self { dispatcher }
    }

    /// The id a unit created by this command gets. Derived from the command id, so that a
    /// retried command (same id) names the same unit.
    pub fn unit_id_for_command(command_id: Uuid) -> Uuid {
        Uuid::new_v5(&command_id, b"org-unit")
    }

    fn meta(session: &Session, command_id: Uuid, now: DateTime<Utc>) -> Result<CommandMeta, ApiError> {
        session.require(EDIT_PERMISSION)?;
        Ok(CommandMeta::new(command_id, session.tenant_id, session.actor(), now))
    }

    #[tracing::instrument(skip_all, fields(tenant_id = %session.tenant_id, %command_id))]
    pub async fn create_unit(
        &self,
        session: &Session,
        command_id: Uuid,
        unit: NewUnit,
        now: DateTime<Utc>,
    ) -> Result<(Uuid, CommandOutcome), ApiError> {
        let meta = Self::meta(session, command_id, now)?;
        let unit_id = Self::unit_id_for_command(command_id);
        let command = OrganisationCommand::CreateUnit {
            tenant_id: session.tenant_id,
            unit_id,
            parent_id: unit.parent_id,
            name: unit.name,
            kind: unit.kind,
            dimension: unit.dimension,
        };
        let outcome = self.dispatcher.dispatch::<Organisation>(&meta, &command).await?;
        Ok((unit_id, outcome))
    }

    #[tracing::instrument(skip_all, fields(tenant_id = %session.tenant_id, %command_id, %unit_id))]
    pub async fn rename_unit(
        &self,
        session: &Session,
        command_id: Uuid,
        unit_id: Uuid,
        name: String,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        let meta = Self::meta(session, command_id, now)?;
        let command = OrganisationCommand::RenameUnit { tenant_id: session.tenant_id, unit_id, name };
        self.dispatcher.dispatch::<Organisation>(&meta, &command).await
    }

    /// Moves the unit with its subtree; `new_parent_id: None` makes it a root.
    #[tracing::instrument(skip_all, fields(tenant_id = %session.tenant_id, %command_id, %unit_id))]
    pub async fn move_unit(
        &self,
        session: &Session,
        command_id: Uuid,
        unit_id: Uuid,
        new_parent_id: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        let meta = Self::meta(session, command_id, now)?;
        let command = OrganisationCommand::MoveUnit { tenant_id: session.tenant_id, unit_id, new_parent_id };
        self.dispatcher.dispatch::<Organisation>(&meta, &command).await
    }

    #[tracing::instrument(skip_all, fields(tenant_id = %session.tenant_id, %command_id, %unit_id))]
    pub async fn remove_unit(
        &self,
        session: &Session,
        command_id: Uuid,
        unit_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        let meta = Self::meta(session, command_id, now)?;
        let command = OrganisationCommand::RemoveUnit { tenant_id: session.tenant_id, unit_id };
        self.dispatcher.dispatch::<Organisation>(&meta, &command).await
    }
}
