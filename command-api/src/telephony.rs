//! The telephony service: the tenant's extensions, trunks, access numbers and music files
//! (commands through the dispatcher, on the tenant's one `telephony-<tenant>` stream).
//!
//! Passwords never reach the log: provisioning an extension (or rotating its password)
//! draws a random SIP password, stores it in the secret store under a fresh id, and the
//! event names only the id; the password is in the answer, this once. A trunk's registration
//! password is stored the same way. A password that is no longer in force (rotated, or its
//! extension or trunk removed) is deleted from the store.
//!
//! Every change needs `telephony.admin`; reading the directory needs `menu.admin.telephony`
//! ([`require_read`]). Everything works in the caller's tenant only: the stream follows from
//! the session's tenant.

use std::sync::Arc;

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use hotline_domain::StreamId;
use hotline_domain::identity::user::{self, User};
use hotline_domain::telephony::{
    self, AccessNumberAssigned, MusicAdded, QueueMusicSet, RegistrationInput, Telephony, TelephonyAction,
    TelephonyCommand, TelephonyState, TrunkInput,
};
use hotline_infra::secrets::SecretStore;
use rand::Rng;
use uuid::Uuid;

use crate::auth::Session;
use crate::dispatcher::{CommandMeta, CommandOutcome, Dispatcher};
use crate::error::ApiError;

/// Opens the telephony page: reading extensions, trunks and access numbers.
pub const READ_PERMISSION: &str = "menu.admin.telephony";
/// Changing the telephony directory.
pub const ADMIN_PERMISSION: &str = "telephony.admin";
/// The length of a generated SIP password (letters and digits).
pub const PASSWORD_CHARS: usize = 20;

/// A new SIP password: 20 letters and digits from the thread's CSPRNG (the source the
/// webhook secrets and the token key are drawn from).
pub fn new_sip_password() -> String {
    rand::rng().sample_iter(&rand::distr::Alphanumeric).take(PASSWORD_CHARS).map(char::from).collect()
}

/// Refuses a caller who may not read the telephony directory.
pub fn require_read(session: &Session) -> Result<(), ApiError> {
    session.require(READ_PERMISSION)
}

/// An extension as an administrator asks for it.
#[derive(Debug, Clone)]
pub struct NewExtension {
    pub number: String,
    pub display_name: String,
    pub user_id: Option<Uuid>,
}

/// The changeable parts of an extension.
#[derive(Debug, Clone)]
pub struct ExtensionChanges {
    pub display_name: String,
    pub user_id: Option<Uuid>,
    pub enabled: bool,
}

/// A trunk registration as an administrator gives it; `password: None` keeps the current one.
#[derive(Debug, Clone)]
pub struct RegistrationChanges {
    pub registrar: String,
    pub username: String,
    pub password: Option<String>,
}

/// A trunk as an administrator gives it (all of it).
#[derive(Debug, Clone)]
pub struct TrunkChanges {
    pub name: String,
    pub peers: Vec<String>,
    pub outbound_address: Option<String>,
    pub registration: Option<RegistrationChanges>,
}

/// An extension's SIP password, shown this once, and the command that stored it.
#[derive(Debug, Clone)]
pub struct ExtensionPassword {
    pub extension_id: Uuid,
    pub password: String,
    pub outcome: CommandOutcome,
}

#[derive(Clone)]
pub struct TelephonyService {
    dispatcher: Arc<Dispatcher>,
    secrets: Arc<dyn SecretStore>,
}

impl TelephonyService {
    pub fn new(dispatcher: Arc<Dispatcher>, secrets: Arc<dyn SecretStore>) -> Self {
        Self { dispatcher, secrets }
    }

    fn meta(session: &Session, now: DateTime<Utc>) -> Result<CommandMeta, ApiError> {
        session.require(ADMIN_PERMISSION)?;
        Ok(CommandMeta::new(Uuid::now_v7(), session.tenant_id, session.actor(), now))
    }

    async fn dispatch(
        &self,
        session: &Session,
        action: TelephonyAction,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        let meta = Self::meta(session, now)?;
        let command = TelephonyCommand { tenant_id: session.tenant_id, action };
        self.dispatcher.dispatch::<Telephony>(&meta, &command).await
    }

    /// The caller's tenant's directory, from its stream (the write side's view).
    async fn directory(&self, session: &Session) -> Result<TelephonyState, ApiError> {
        let stream = telephony::stream_id(session.tenant_id);
        Ok(self.dispatcher.load::<Telephony>(session.tenant_id, &stream).await?.0)
    }

    /// Stores a fresh secret; returns its id.
    async fn store_secret(&self, session: &Session, secret: &str) -> Result<Uuid, ApiError> {
        let secret_id = Uuid::now_v7();
        self.secrets.put(session.tenant_id, secret_id, secret).await?;
        Ok(secret_id)
    }

    /// Deletes a secret no longer in force; a failure only leaves an unreferenced secret.
    async fn forget_secret(&self, session: &Session, secret_id: Uuid) {
        if let Err(error) = self.secrets.delete(session.tenant_id, secret_id).await {
            tracing::warn!(%error, %secret_id, "deleting a telephony secret no longer in force");
        }
    }

    /// Runs a command that names a secret stored for it; a refused command's secret is deleted.
    async fn dispatch_with_secret(
        &self,
        session: &Session,
        secret_id: Option<Uuid>,
        action: TelephonyAction,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        let outcome = self.dispatch(session, action, now).await;
        if let (Err(_), Some(secret_id)) = (&outcome, secret_id) {
            self.forget_secret(session, secret_id).await;
        }
        outcome
    }

    /// Refuses a user id that names no user of the caller's tenant.
    async fn check_user(&self, session: &Session, user_id: Option<Uuid>) -> Result<(), ApiError> {
        let Some(user_id) = user_id else { return Ok(()) };
        let stream = StreamId::new(user::CONTEXT, user_id);
        let (state, _) = self.dispatcher.load::<User>(session.tenant_id, &stream).await?;
        if state.created.is_none() {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "user.not_found",
                format!("no user {user_id} in your tenant"),
            ));
        }
        Ok(())
    }

    /// Provisions an extension with a new SIP password, returned this once.
    #[tracing::instrument(skip_all, fields(tenant_id = %session.tenant_id))]
    pub async fn provision_extension(
        &self,
        session: &Session,
        extension: NewExtension,
        now: DateTime<Utc>,
    ) -> Result<ExtensionPassword, ApiError> {
        session.require(ADMIN_PERMISSION)?;
        telephony::validate_extension_number(&extension.number)?;
        telephony::validate_display_name(&extension.display_name)?;
        self.check_user(session, extension.user_id).await?;
        let password = new_sip_password();
        let secret_id = self.store_secret(session, &password).await?;
        let extension_id = Uuid::now_v7();
        let action = TelephonyAction::ProvisionExtension {
            extension_id,
            number: extension.number,
            display_name: extension.display_name,
            user_id: extension.user_id,
            secret_id,
        };
        let outcome = self.dispatch_with_secret(session, Some(secret_id), action, now).await?;
        Ok(ExtensionPassword { extension_id, password, outcome })
    }

    #[tracing::instrument(skip_all, fields(tenant_id = %session.tenant_id, %extension_id))]
    pub async fn update_extension(
        &self,
        session: &Session,
        extension_id: Uuid,
        changes: ExtensionChanges,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        session.require(ADMIN_PERMISSION)?;
        self.check_user(session, changes.user_id).await?;
        let action = TelephonyAction::UpdateExtension {
            extension_id,
            display_name: changes.display_name,
            user_id: changes.user_id,
            enabled: changes.enabled,
        };
        self.dispatch(session, action, now).await
    }

    /// Replaces an extension's SIP password; the new one is in the answer, the old one is
    /// destroyed (a phone still using it can no longer register).
    #[tracing::instrument(skip_all, fields(tenant_id = %session.tenant_id, %extension_id))]
    pub async fn rotate_extension_password(
        &self,
        session: &Session,
        extension_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<ExtensionPassword, ApiError> {
        session.require(ADMIN_PERMISSION)?;
        let old_secret_id = self.directory(session).await?.extensions.get(&extension_id).map(|old| old.secret_id);
        let password = new_sip_password();
        let secret_id = self.store_secret(session, &password).await?;
        let action = TelephonyAction::RotateExtensionPassword { extension_id, secret_id };
        let outcome = self.dispatch_with_secret(session, Some(secret_id), action, now).await?;
        if let Some(old_secret_id) = old_secret_id.filter(|_| !outcome.duplicate) {
            self.forget_secret(session, old_secret_id).await;
        }
        Ok(ExtensionPassword { extension_id, password, outcome })
    }

    /// Removes an extension and destroys its password.
    #[tracing::instrument(skip_all, fields(tenant_id = %session.tenant_id, %extension_id))]
    pub async fn remove_extension(
        &self,
        session: &Session,
        extension_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        session.require(ADMIN_PERMISSION)?;
        let old_secret_id = self.directory(session).await?.extensions.get(&extension_id).map(|old| old.secret_id);
        let outcome = self.dispatch(session, TelephonyAction::RemoveExtension { extension_id }, now).await?;
        if let Some(old_secret_id) = old_secret_id.filter(|_| !outcome.duplicate) {
            self.forget_secret(session, old_secret_id).await;
        }
        Ok(outcome)
    }

    /// The domain's trunk input, with a new registration password stored first.
    async fn trunk_input(
        &self,
        session: &Session,
        trunk_id: Uuid,
        trunk: TrunkChanges,
    ) -> Result<(TrunkInput, Option<Uuid>), ApiError> {
        let mut new_secret_id = None;
        let registration = match trunk.registration {
            None => None,
            Some(registration) => {
                if let Some(password) = registration.password.as_deref() {
                    if password.is_empty() || password.chars().count() > 200 {
                        return Err(ApiError::from(hotline_domain::DomainError::new(
                            "telephony.invalid_registration",
                            "a registration password is 1 to 200 characters",
                        )));
                    }
                    new_secret_id = Some(self.store_secret(session, password).await?);
                }
                Some(RegistrationInput {
                    registrar: registration.registrar,
                    username: registration.username,
                    secret_id: new_secret_id,
                })
            }
        };
        let input = TrunkInput {
            trunk_id,
            name: trunk.name,
            peers: trunk.peers,
            outbound_address: trunk.outbound_address,
            registration,
        };
        Ok((input, new_secret_id))
    }

    /// Defines a trunk; returns its id.
    #[tracing::instrument(skip_all, fields(tenant_id = %session.tenant_id))]
    pub async fn define_trunk(
        &self,
        session: &Session,
        trunk: TrunkChanges,
        now: DateTime<Utc>,
    ) -> Result<(Uuid, CommandOutcome), ApiError> {
        session.require(ADMIN_PERMISSION)?;
        let trunk_id = Uuid::now_v7();
        let (input, secret_id) = self.trunk_input(session, trunk_id, trunk).await?;
        let outcome = self.dispatch_with_secret(session, secret_id, TelephonyAction::DefineTrunk(input), now).await?;
        Ok((trunk_id, outcome))
    }

    /// Replaces a trunk's definition; a registration without a password keeps the current one.
    #[tracing::instrument(skip_all, fields(tenant_id = %session.tenant_id, %trunk_id))]
    pub async fn update_trunk(
        &self,
        session: &Session,
        trunk_id: Uuid,
        trunk: TrunkChanges,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        session.require(ADMIN_PERMISSION)?;
        let old_secret_id = self.registration_secret(session, trunk_id).await?;
        let keeps_registration = trunk.registration.is_some();
        let (input, secret_id) = self.trunk_input(session, trunk_id, trunk).await?;
        let outcome = self.dispatch_with_secret(session, secret_id, TelephonyAction::UpdateTrunk(input), now).await?;
        let replaced = secret_id.is_some() || !keeps_registration;
        if let Some(old_secret_id) = old_secret_id.filter(|_| replaced && !outcome.duplicate) {
            self.forget_secret(session, old_secret_id).await;
        }
        Ok(outcome)
    }

    /// Removes a trunk (refused while an access number names it) and its registration password.
    #[tracing::instrument(skip_all, fields(tenant_id = %session.tenant_id, %trunk_id))]
    pub async fn remove_trunk(
        &self,
        session: &Session,
        trunk_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        session.require(ADMIN_PERMISSION)?;
        let old_secret_id = self.registration_secret(session, trunk_id).await?;
        let outcome = self.dispatch(session, TelephonyAction::RemoveTrunk { trunk_id }, now).await?;
        if let Some(old_secret_id) = old_secret_id.filter(|_| !outcome.duplicate) {
            self.forget_secret(session, old_secret_id).await;
        }
        Ok(outcome)
    }

    async fn registration_secret(&self, session: &Session, trunk_id: Uuid) -> Result<Option<Uuid>, ApiError> {
        let directory = self.directory(session).await?;
        Ok(directory.trunks.get(&trunk_id).and_then(|trunk| trunk.registration.as_ref()).map(|r| r.secret_id))
    }

    /// Routes calls to `number` (arriving on `trunk_id`, or on any trunk) to an ACD queue.
    #[tracing::instrument(skip_all, fields(tenant_id = %session.tenant_id))]
    pub async fn assign_access_number(
        &self,
        session: &Session,
        assignment: AccessNumberAssigned,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        self.dispatch(session, TelephonyAction::AssignAccessNumber(assignment), now).await
    }

    /// Adds a music file whose samples are stored already under `music_id`.
    #[tracing::instrument(skip_all, fields(tenant_id = %session.tenant_id, %music_id))]
    pub async fn add_music(
        &self,
        session: &Session,
        music_id: Uuid,
        name: String,
        duration_ms: u64,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        self.dispatch(session, TelephonyAction::AddMusic(MusicAdded { music_id, name, duration_ms }), now).await
    }

    /// Removes a music file (refused while a queue plays it); its samples are the caller's to delete.
    #[tracing::instrument(skip_all, fields(tenant_id = %session.tenant_id, %music_id))]
    pub async fn remove_music(
        &self,
        session: &Session,
        music_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        self.dispatch(session, TelephonyAction::RemoveMusic { music_id }, now).await
    }

    /// Sets the music a queue's callers hear (`None`: the built-in chime). The caller has
    /// checked that the queue exists.
    #[tracing::instrument(skip_all, fields(tenant_id = %session.tenant_id, %queue_id))]
    pub async fn set_queue_music(
        &self,
        session: &Session,
        queue_id: Uuid,
        music_id: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        self.dispatch(session, TelephonyAction::SetQueueMusic(QueueMusicSet { queue_id, music_id }), now).await
    }

    #[tracing::instrument(skip_all, fields(tenant_id = %session.tenant_id))]
    pub async fn release_access_number(
        &self,
        session: &Session,
        number: String,
        now: DateTime<Utc>,
    ) -> Result<CommandOutcome, ApiError> {
        self.dispatch(session, TelephonyAction::ReleaseAccessNumber { number }, now).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sip_passwords_are_twenty_letters_and_digits_and_differ() {
        let password = new_sip_password();
        assert_eq!(password.len(), PASSWORD_CHARS);
        assert!(password.bytes().all(|byte| byte.is_ascii_alphanumeric()), "{password}");
        assert_ne!(password, new_sip_password());
    }
}
