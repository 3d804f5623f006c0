//! The tenant's telephony directory: extensions (with their SIP passwords, shown once),
//! trunks and access numbers. Reading needs `menu.admin.telephony`; every change needs
//! `telephony.admin`, checked by the telephony service. Mutations answer from the read
//! models once they hold the change (read your writes).

use std::sync::Arc;

use async_graphql::{Context, InputObject, Object, SimpleObject};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use hotline_command_api::telephony::{
    self as service, ExtensionChanges, NewExtension, RegistrationChanges, TelephonyService, TrunkChanges,
};
use hotline_command_api::{ApiError, CommandOutcome, Session};
use hotline_domain::telephony::AccessNumberAssigned;
use hotline_projections::telephony::{self as read_model, AccessNumberView, ExtensionView, TrunkView};
use uuid::Uuid;

use crate::error::{OrGraphqlError, graphql_error};
use crate::identity::mutation::READ_YOUR_WRITES_TIMEOUT;
use crate::identity::query::read_model_error;
use crate::schema::{CarrierRegistrationStatus, GraphqlState, session};

/// A SIP account a desk phone or softphone registers with.
#[derive(SimpleObject, Clone)]
pub struct Extension {
    pub id: Uuid,
    /// 2 to 8 digits, unique in the tenant.
    pub number: String,
    pub display_name: String,
    /// The user whose phone this is, if any (a user has at most one extension).
    pub user_id: Option<Uuid>,
    /// A disabled extension cannot register or call.
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    /// A desk phone is registered for it now.
    pub registered: bool,
}

impl From<ExtensionView> for Extension {
    fn from(view: ExtensionView) -> Self {
        Self {
            id: view.extension_id,
            number: view.number,
            display_name: view.display_name,
            user_id: view.user_id,
            enabled: view.enabled,
            created_at: view.created_at,
            registered: false,
        }
    }
}

/// An extension with its SIP password, shown only in this answer.
#[derive(SimpleObject)]
pub struct ProvisionedExtension {
    pub extension: Extension,
    pub password: String,
}

/// How Hotline registers with the trunk's carrier (the password is never shown).
#[derive(SimpleObject, Clone)]
pub struct TrunkRegistration {
    pub registrar: String,
    pub username: String,
    /// Where the registration stands now; null when no SIP server of this node registers it.
    pub status: Option<CarrierRegistrationStatus>,
}

/// A carrier's SIP trunk.
#[derive(SimpleObject, Clone)]
pub struct Trunk {
    pub id: Uuid,
    pub name: String,
    /// IP addresses or CIDR networks inbound calls of this trunk come from.
    pub peers: Vec<String>,
    /// Where calls out go: `host` or `host:port`.
    pub outbound_address: Option<String>,
    pub registration: Option<TrunkRegistration>,
}

impl From<TrunkView> for Trunk {
    fn from(view: TrunkView) -> Self {
        Self {
            id: view.trunk_id,
            name: view.name,
            peers: view.peers,
            outbound_address: view.outbound_address,
            registration: view.registration.map(|registration| TrunkRegistration {
                registrar: registration.registrar,
                username: registration.username,
                status: None,
            }),
        }
    }
}

/// A number customers dial, and the queue its calls wait in.
#[derive(SimpleObject, Clone)]
pub struct AccessNumber {
    /// Digits with an optional leading `+`.
    pub number: String,
    pub queue_id: Uuid,
    /// Only calls arriving on this trunk; null: on any trunk.
    pub trunk_id: Option<Uuid>,
    pub description: String,
}

impl From<AccessNumberView> for AccessNumber {
    fn from(view: AccessNumberView) -> Self {
        Self { number: view.number, queue_id: view.queue_id, trunk_id: view.trunk_id, description: view.description }
    }
}

#[derive(InputObject)]
pub struct ExtensionInput {
    /// 2 to 8 digits, not an extension or access number of the tenant yet.
    pub number: String,
    pub display_name: String,
    pub user_id: Option<Uuid>,
}

#[derive(InputObject)]
pub struct ExtensionChangeInput {
    pub display_name: String,
    pub user_id: Option<Uuid>,
    pub enabled: bool,
}

#[derive(InputObject)]
pub struct TrunkRegistrationInput {
    /// `host` or `host:port`.
    pub registrar: String,
    pub username: String,
    /// Required for a new registration; left out on an update, the current one is kept.
    pub password: Option<String>,
}

#[derive(InputObject)]
pub struct TrunkInput {
    pub name: String,
    /// 1 to 20 IP addresses or CIDR networks (no host names).
    pub peers: Vec<String>,
    /// `host` or `host:port`.
    pub outbound_address: Option<String>,
    pub registration: Option<TrunkRegistrationInput>,
}

impl From<TrunkInput> for TrunkChanges {
    fn from(input: TrunkInput) -> Self {
        Self {
            name: input.name,
            peers: input.peers,
            outbound_address: input.outbound_address,
            registration: input.registration.map(|registration| RegistrationChanges {
                registrar: registration.registrar,
                username: registration.username,
                password: registration.password,
            }),
        }
    }
}

#[derive(InputObject)]
pub struct AccessNumberInput {
    /// 1 to 32 digits with an optional leading `+`.
    pub number: String,
    pub queue_id: Uuid,
    pub trunk_id: Option<Uuid>,
    pub description: String,
}

pub(crate) fn telephony(state: &GraphqlState) -> TelephonyService {
    TelephonyService::new(Arc::clone(state.identity.dispatcher()), Arc::clone(state.identity.secrets()))
}

/// The caller, who may read the telephony directory.
pub(crate) fn reader<'a>(context: &'a Context<'_>) -> async_graphql::Result<(&'a GraphqlState, &'a Session)> {
    let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
    service::require_read(session).or_graphql_error()?;
    Ok((state, session))
}

/// Saved, but the read model did not show it within the wait (it will shortly).
fn not_yet_visible(what: &str) -> async_graphql::Error {
    graphql_error(ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "store.unavailable",
        format!("the {what} was saved but the read models have not caught up yet; list it again"),
    ))
}

async fn extension_after(
    state: &GraphqlState,
    session: &Session,
    outcome: &CommandOutcome,
    extension_id: Uuid,
) -> async_graphql::Result<Extension> {
    state.wait_for_read_models(outcome, READ_YOUR_WRITES_TIMEOUT).await;
    read_model::get_extension(&state.read_models, session.tenant_id, extension_id)
        .await
        .map_err(read_model_error)?
        .map(Extension::from)
        .ok_or_else(|| not_yet_visible("extension"))
}

async fn trunk_after(
    state: &GraphqlState,
    session: &Session,
    outcome: &CommandOutcome,
    trunk_id: Uuid,
) -> async_graphql::Result<Trunk> {
    state.wait_for_read_models(outcome, READ_YOUR_WRITES_TIMEOUT).await;
    read_model::get_trunk(&state.read_models, session.tenant_id, trunk_id)
        .await
        .map_err(read_model_error)?
        .map(Trunk::from)
        .ok_or_else(|| not_yet_visible("trunk"))
}

#[derive(Default)]
pub struct TelephonyQuery;

#[Object]
impl TelephonyQuery {
    /// Your tenant's extensions, by number. Needs `menu.admin.telephony`.
    async fn extensions(&self, context: &Context<'_>) -> async_graphql::Result<Vec<Extension>> {
        let (state, session) = reader(context)?;
        let views =
            read_model::list_extensions(&state.read_models, session.tenant_id).await.map_err(read_model_error)?;
        let registered = state.phones.registered(session.tenant_id);
        Ok(views
            .into_iter()
            .map(Extension::from)
            .map(|extension| Extension { registered: registered.contains(&extension.number), ..extension })
            .collect())
    }

    /// Your tenant's trunks, by name. Needs `menu.admin.telephony`.
    async fn trunks(&self, context: &Context<'_>) -> async_graphql::Result<Vec<Trunk>> {
        let (state, session) = reader(context)?;
        let views = read_model::list_trunks(&state.read_models, session.tenant_id).await.map_err(read_model_error)?;
        Ok(views
            .into_iter()
            .map(Trunk::from)
            .map(|mut trunk| {
                if let Some(registration) = trunk.registration.as_mut() {
                    registration.status = state.phones.carrier_registration(session.tenant_id, trunk.id);
                }
                trunk
            })
            .collect())
    }

    /// Your tenant's access numbers, by number. Needs `menu.admin.telephony`.
    async fn access_numbers(&self, context: &Context<'_>) -> async_graphql::Result<Vec<AccessNumber>> {
        let (state, session) = reader(context)?;
        let views =
            read_model::list_access_numbers(&state.read_models, session.tenant_id).await.map_err(read_model_error)?;
        Ok(views.into_iter().map(AccessNumber::from).collect())
    }
}

#[derive(Default)]
pub struct TelephonyMutation;

#[Object]
impl TelephonyMutation {
    /// Provisions an extension; the answer holds its SIP password, shown this once. Needs
    /// `telephony.admin`.
    async fn provision_extension(
        &self,
        context: &Context<'_>,
        input: ExtensionInput,
    ) -> async_graphql::Result<ProvisionedExtension> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let extension = NewExtension { number: input.number, display_name: input.display_name, user_id: input.user_id };
        let provisioned =
            telephony(state).provision_extension(session, extension, Utc::now()).await.or_graphql_error()?;
        let extension = extension_after(state, session, &provisioned.outcome, provisioned.extension_id).await?;
        Ok(ProvisionedExtension { extension, password: provisioned.password })
    }

    /// Changes an extension's display name, user and whether it is enabled. Needs
    /// `telephony.admin`.
    async fn update_extension(
        &self,
        context: &Context<'_>,
        id: Uuid,
        input: ExtensionChangeInput,
    ) -> async_graphql::Result<Extension> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let changes =
            ExtensionChanges { display_name: input.display_name, user_id: input.user_id, enabled: input.enabled };
        let outcome = telephony(state).update_extension(session, id, changes, Utc::now()).await.or_graphql_error()?;
        extension_after(state, session, &outcome, id).await
    }

    /// Replaces an extension's SIP password; the answer holds the new one, shown this once,
    /// and the old one stops working. Needs `telephony.admin`.
    async fn rotate_extension_password(
        &self,
        context: &Context<'_>,
        id: Uuid,
    ) -> async_graphql::Result<ProvisionedExtension> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let rotated = telephony(state).rotate_extension_password(session, id, Utc::now()).await.or_graphql_error()?;
        let extension = extension_after(state, session, &rotated.outcome, id).await?;
        Ok(ProvisionedExtension { extension, password: rotated.password })
    }

    /// Removes an extension and destroys its password. Needs `telephony.admin`.
    async fn remove_extension(&self, context: &Context<'_>, id: Uuid) -> async_graphql::Result<bool> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let outcome = telephony(state).remove_extension(session, id, Utc::now()).await.or_graphql_error()?;
        state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
        Ok(true)
    }

    /// Defines a trunk. A registration needs its password here. Needs `telephony.admin`.
    async fn define_trunk(&self, context: &Context<'_>, input: TrunkInput) -> async_graphql::Result<Trunk> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let (trunk_id, outcome) =
            telephony(state).define_trunk(session, input.into(), Utc::now()).await.or_graphql_error()?;
        trunk_after(state, session, &outcome, trunk_id).await
    }

    /// Replaces a trunk's definition; a registration without a password keeps the current
    /// one. Needs `telephony.admin`.
    async fn update_trunk(&self, context: &Context<'_>, id: Uuid, input: TrunkInput) -> async_graphql::Result<Trunk> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let outcome = telephony(state).update_trunk(session, id, input.into(), Utc::now()).await.or_graphql_error()?;
        trunk_after(state, session, &outcome, id).await
    }

    /// Removes a trunk (refused while an access number names it). Needs `telephony.admin`.
    async fn remove_trunk(&self, context: &Context<'_>, id: Uuid) -> async_graphql::Result<bool> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let outcome = telephony(state).remove_trunk(session, id, Utc::now()).await.or_graphql_error()?;
        state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
        Ok(true)
    }

    /// Routes calls to a number to an ACD queue (only those arriving on `trunkId`, when
    /// given). Needs `telephony.admin`.
    async fn assign_access_number(
        &self,
        context: &Context<'_>,
        input: AccessNumberInput,
    ) -> async_graphql::Result<AccessNumber> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let assignment = AccessNumberAssigned {
            number: input.number,
            queue_id: input.queue_id,
            trunk_id: input.trunk_id,
            description: input.description,
        };
        let number = assignment.number.clone();
        let outcome =
            telephony(state).assign_access_number(session, assignment, Utc::now()).await.or_graphql_error()?;
        state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
        read_model::get_access_number(&state.read_models, session.tenant_id, &number)
            .await
            .map_err(read_model_error)?
            .map(AccessNumber::from)
            .ok_or_else(|| not_yet_visible("access number"))
    }

    /// Stops taking calls to an access number. Needs `telephony.admin`.
    async fn release_access_number(&self, context: &Context<'_>, number: String) -> async_graphql::Result<bool> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let outcome = telephony(state).release_access_number(session, number, Utc::now()).await.or_graphql_error()?;
        state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
        Ok(true)
    }
}
