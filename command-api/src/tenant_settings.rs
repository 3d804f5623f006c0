//! The tenant settings service: what the web app's header and footer show of the caller's
//! tenant (organisation name, logo, copyright, hotline number, website), the address its
//! mail comes from and the time zone mails and exports write times in.
//!
//! Needs the `tenant.settings.edit` permission; the command goes to the caller's own tenant
//! stream, so no tenant can change another's settings.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use hotline_domain::StreamId;
use hotline_domain::identity::tenant::{self, Tenant, TenantCommand, TenantSettings};
use uuid::Uuid;

use crate::auth::Session;
use crate::dispatcher::{CommandMeta, CommandOutcome, Dispatcher};
use crate::error::ApiError;

/// The permission a settings change needs.
pub const EDIT_PERMISSION: &str = "tenant.settings.edit";

#[derive(Clone)]
pub struct TenantSettingsService {
    dispatcher: Arc<Dispatcher>,
}

impl TenantSettingsService {
    pub fn new(dispatcher: Arc<Dispatcher>) -> Self {
        Self { dispatcher }
    }

    /// Replaces every setting of the caller's tenant; the support address only when
    /// `support_email` is given (`Some("")` clears it), the time zone only when `time_zone`
    /// is (`Some("")` is UTC): clients that came before them keep them as they are.
    #[tracing::instrument(skip_all, fields(tenant_id = %session.tenant_id, %command_id))]
    pub async fn update_settings(
        &self,
        session: &Session,
        command_id: Uuid,
        settings: TenantSettings,
        support_email: Option<String>,
        time_zone: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        session.require(EDIT_PERMISSION)?;
        let meta = CommandMeta::new(command_id, session.tenant_id, session.actor(), now);
        let keep_support_email = support_email.is_none();
        let time_zone = match time_zone {
            Some(time_zone) => time_zone.trim().to_owned(),
            None => {
                let stream = StreamId::new(tenant::CONTEXT, session.tenant_id);
                let (state, _) = self.dispatcher.load::<Tenant>(session.tenant_id, &stream).await?;
                state.effective_settings().map(|current| current.time_zone).unwrap_or_default()
            }
        };
        let settings = TenantSettings { support_email: support_email.unwrap_or_default(), time_zone, ..settings };
        let command = TenantCommand::UpdateSettings { tenant_id: session.tenant_id, settings, keep_support_email };
        self.dispatcher.dispatch::<Tenant>(&meta, &command).await
    }
}
