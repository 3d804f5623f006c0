//! Tenant settings and usage.
//!
//! `tenantSettings` is for every logged-in user of the tenant (the web app's header and
//! footer show it); `updateTenantSettings` needs `tenant.settings.edit` (checked by the
//! service); `tenantUsage` needs `menu.admin.settings`.

use std::sync::Arc;

use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use hotline_command_api::tenant_settings::TenantSettingsService;
use hotline_domain::identity::tenant::TenantSettings as DomainSettings;
use hotline_projections::mail_addresses;
use hotline_projections::tenant_settings::{self as settings_model, TenantSettingsView};
use hotline_projections::tenant_usage as usage_model;
use uuid::Uuid;

use crate::error::OrGraphqlError;
use crate::identity::mutation::READ_YOUR_WRITES_TIMEOUT;
use crate::identity::query::read_model_error;
use crate::schema::{GraphqlState, session};
use crate::types::CommandResult;

/// Who may read the usage counters.
const USAGE_PERMISSION: &str = "menu.admin.settings";

/// What the web app shows of your tenant; empty strings are settings not given.
#[derive(SimpleObject, Clone)]
pub struct TenantSettings {
    pub organisation_name: String,
    pub logo_url: String,
    pub copyright: String,
    pub hotline_number: String,
    pub website_url: String,
    /// Ticket mail comes from this address and replies to it join their ticket; empty when
    /// there is none.
    pub support_email: String,
    /// The IANA time zone mails and exports write times in (`Asia/Shanghai`); empty: UTC.
    pub time_zone: String,
    pub updated_at: DateTime<Utc>,
}

impl From<TenantSettingsView> for TenantSettings {
    fn from(view: TenantSettingsView) -> Self {
        Self {
            organisation_name: view.organisation_name,
            logo_url: view.logo_url,
            copyright: view.copyright,
            hotline_number: view.hotline_number,
            website_url: view.website_url,
            support_email: String::new(),
            time_zone: view.time_zone,
            updated_at: view.updated_at,
        }
    }
}

/// The counters billing charges for.
#[derive(SimpleObject, Clone)]
pub struct TenantUsage {
    /// Users created in the tenant.
    pub seats: u64,
    /// Talk minutes (0 until voice exists).
    pub minutes: u64,
    /// Chat and messaging messages (0 until chat exists).
    pub messages: u64,
}

#[derive(Default)]
pub struct SettingsQuery;

#[Object]
impl SettingsQuery {
    /// Your tenant's organisation name, logo, copyright, hotline number, website and support
    /// address. Any logged-in user.
    async fn tenant_settings(&self, context: &Context<'_>) -> async_graphql::Result<Option<TenantSettings>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let view = settings_model::get_tenant_settings(&state.read_models, session.tenant_id)
            .await
            .map_err(read_model_error)?;
        let support_email = mail_addresses::support_address(&state.read_models, session.tenant_id)
            .await
            .map_err(read_model_error)?
            .unwrap_or_default();
        Ok(view.map(|view| TenantSettings { support_email, ..TenantSettings::from(view) }))
    }

    /// Your tenant's usage counters. Needs `menu.admin.settings`.
    async fn tenant_usage(&self, context: &Context<'_>) -> async_graphql::Result<TenantUsage> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        session.require(USAGE_PERMISSION).or_graphql_error()?;
        let usage =
            usage_model::get_tenant_usage(&state.read_models, session.tenant_id).await.map_err(read_model_error)?;
        Ok(TenantUsage { seats: usage.seats, minutes: usage.minutes, messages: usage.messages })
    }
}

/// Every setting at once: an empty string clears an optional one.
#[derive(InputObject)]
pub struct UpdateTenantSettingsInput {
    pub command_id: Option<Uuid>,
    /// 1 to 120 characters.
    pub organisation_name: String,
    /// Empty, or an https:// or http:// address.
    pub logo_url: String,
    /// At most 200 characters on one line.
    pub copyright: String,
    /// Empty, or digits, `+`, `-` and spaces.
    pub hotline_number: String,
    /// Empty, or an https:// or http:// address.
    pub website_url: String,
    /// The address ticket mail comes from and replies go to: absent keeps the current one,
    /// empty clears it.
    pub support_email: Option<String>,
    /// The IANA time zone mails and exports write times in (`Asia/Shanghai`): absent keeps
    /// the current one, empty is UTC.
    pub time_zone: Option<String>,
}

#[derive(Default)]
pub struct SettingsMutation;

#[Object]
impl SettingsMutation {
    /// Replaces your tenant's settings; `aggregateId` is the tenant id. Needs
    /// `tenant.settings.edit`.
    async fn update_tenant_settings(
        &self,
        context: &Context<'_>,
        input: UpdateTenantSettingsInput,
    ) -> async_graphql::Result<CommandResult> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let command_id = input.command_id.unwrap_or_else(Uuid::now_v7);
        let settings = DomainSettings {
            organisation_name: input.organisation_name,
            logo_url: input.logo_url,
            copyright: input.copyright,
            hotline_number: input.hotline_number,
            website_url: input.website_url,
            support_email: String::new(),
            time_zone: String::new(),
        };
        let service = TenantSettingsService::new(Arc::clone(state.identity.dispatcher()));
        let outcome = service
            .update_settings(session, command_id, settings, input.support_email, input.time_zone, Utc::now())
            .await
            .or_graphql_error()?;
        state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
        Ok(CommandResult::new(session.tenant_id, outcome))
    }
}
