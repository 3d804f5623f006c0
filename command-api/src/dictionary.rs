//! The dictionary service: define a tenant's code lists and set their entries.
//!
//! Every command needs the `dictionary.edit` permission. Dictionaries are addressed by
//! code; the stream id follows from the caller's tenant and the code, so one tenant can
//! never reach another's list.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use hotline_domain::dictionary::{Dictionary, DictionaryCommand, DictionaryEntry, ValueType, dictionary_id_for_code};
use uuid::Uuid;

use crate::auth::Session;
use crate::dispatcher::{CommandMeta, CommandOutcome, Dispatcher};
use crate::error::ApiError;

/// The permission every dictionary change needs.
pub const EDIT_PERMISSION: &str = "dictionary.edit";

#[derive(Clone)]
pub struct DictionaryService {
    dispatcher: Arc<Dispatcher>,
}

impl DictionaryService {
    pub fn new(dispatcher: Arc<Dispatcher>) -> Self {
        Self { dispatcher }
    }

    fn meta(session: &Session, command_id: Uuid, now: DateTime<Utc>) -> Result<CommandMeta, ApiError> {
        session.require(EDIT_PERMISSION)?;
        Ok(CommandMeta::new(command_id, session.tenant_id, session.actor(), now))
    }

    /// Returns the new dictionary's id.
    #[tracing::instrument(skip_all, fields(tenant_id = %session.tenant_id, %command_id))]
    pub async fn create_dictionary(
        &self,
        session: &Session,
        command_id: Uuid,
        code: String,
        name: String,
        value_type: ValueType,
        now: DateTime<Utc>,
    ) -> Result<(Uuid, CommandOutcome), ApiError> {
        let meta = Self::meta(session, command_id, now)?;
        let dictionary_id = dictionary_id_for_code(session.tenant_id, &code);
        let command = DictionaryCommand::CreateDictionary { tenant_id: session.tenant_id, code, name, value_type };
        let outcome = self.dispatcher.dispatch::<Dictionary>(&meta, &command).await?;
        Ok((dictionary_id, outcome))
    }

    /// Replaces the entries of the dictionary with this code; returns the dictionary's id.
    #[tracing::instrument(skip_all, fields(tenant_id = %session.tenant_id, %command_id, entries = entries.len()))]
    pub async fn set_entries(
        &self,
        session: &Session,
        command_id: Uuid,
        code: &str,
        entries: Vec<DictionaryEntry>,
        now: DateTime<Utc>,
    ) -> Result<(Uuid, CommandOutcome), ApiError> {
        let meta = Self::meta(session, command_id, now)?;
        let dictionary_id = dictionary_id_for_code(session.tenant_id, code);
        let command = DictionaryCommand::SetEntries { dictionary_id, entries };
        let outcome = self.dispatcher.dispatch::<Dictionary>(&meta, &command).await?;
        Ok((dictionary_id, outcome))
    }
}
