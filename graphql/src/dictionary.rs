//! Dictionaries (typed code lists): the queries forms read and the mutations that define them.
//!
//! Any logged-in user of the tenant may read the lists: forms and reports show them to
//! agents too. Every change needs `dictionary.edit`, checked by the dictionary service.

use std::sync::Arc;

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use hotline_command_api::dictionary::DictionaryService;
use hotline_domain::dictionary::{DictionaryEntry as DomainEntry, ValueType as DomainValueType};
use hotline_projections::dictionary::{self as read_model, DictionaryView};
use uuid::Uuid;

use crate::error::OrGraphqlError;
use crate::identity::mutation::READ_YOUR_WRITES_TIMEOUT;
use crate::identity::query::read_model_error;
use crate::schema::{GraphqlState, session};
use crate::types::CommandResult;

/// What an entry's code holds.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "DictionaryValueType")]
pub enum ValueType {
    /// An identifier: letters, digits, `_`, `-`, `.`.
    Text,
    /// A decimal number.
    Number,
    /// `true` or `false`.
    Boolean,
}

impl From<ValueType> for DomainValueType {
    fn from(value_type: ValueType) -> Self {
        match value_type {
            ValueType::Text => DomainValueType::Text,
            ValueType::Number => DomainValueType::Number,
            ValueType::Boolean => DomainValueType::Boolean,
        }
    }
}

impl From<DomainValueType> for ValueType {
    fn from(value_type: DomainValueType) -> Self {
        match value_type {
            DomainValueType::Text => ValueType::Text,
            DomainValueType::Number => ValueType::Number,
            DomainValueType::Boolean => ValueType::Boolean,
        }
    }
}

#[derive(SimpleObject, Clone)]
pub struct DictionaryEntry {
    pub code: String,
    pub label: String,
    pub sort_order: i32,
    /// Disabled entries stay readable on old records but are not offered for new ones.
    pub enabled: bool,
}

#[derive(SimpleObject, Clone)]
pub struct Dictionary {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub value_type: ValueType,
    /// By sort order, then code.
    pub entries: Vec<DictionaryEntry>,
    pub updated_at: DateTime<Utc>,
}

impl From<DictionaryView> for Dictionary {
    fn from(view: DictionaryView) -> Self {
        Self {
            id: view.dictionary_id,
            code: view.code,
            name: view.name,
            value_type: view.value_type.into(),
            entries: view
                .entries
                .into_iter()
                .map(|entry| DictionaryEntry {
                    code: entry.code,
                    label: entry.label,
                    sort_order: entry.sort_order,
                    enabled: entry.enabled,
                })
                .collect(),
            updated_at: view.updated_at,
        }
    }
}

fn service(state: &GraphqlState) -> DictionaryService {
    DictionaryService::new(Arc::clone(state.identity.dispatcher()))
}

#[derive(Default)]
pub struct DictionaryQuery;

#[Object]
impl DictionaryQuery {
    /// Your tenant's dictionaries, by code, each with its entries.
    async fn dictionaries(&self, context: &Context<'_>) -> async_graphql::Result<Vec<Dictionary>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let views =
            read_model::list_dictionaries(&state.read_models, session.tenant_id).await.map_err(read_model_error)?;
        Ok(views.into_iter().map(Dictionary::from).collect())
    }

    /// One dictionary of your tenant by code (ignoring case).
    async fn dictionary(&self, context: &Context<'_>, code: String) -> async_graphql::Result<Option<Dictionary>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let view =
            read_model::get_dictionary(&state.read_models, session.tenant_id, &code).await.map_err(read_model_error)?;
        Ok(view.map(Dictionary::from))
    }
}

#[derive(InputObject)]
pub struct CreateDictionaryInput {
    pub command_id: Option<Uuid>,
    /// Unique in the tenant ignoring case: 1 to 64 letters, digits, `_`, `-`, `.`.
    pub code: String,
    pub name: String,
    pub value_type: ValueType,
}

#[derive(InputObject)]
pub struct DictionaryEntryInput {
    pub code: String,
    pub label: String,
    #[graphql(default = 0)]
    pub sort_order: i32,
    #[graphql(default = true)]
    pub enabled: bool,
}

#[derive(InputObject)]
pub struct SetDictionaryEntriesInput {
    pub command_id: Option<Uuid>,
    /// The dictionary's code.
    pub code: String,
    /// The whole new list (at most 500 entries, codes unique).
    pub entries: Vec<DictionaryEntryInput>,
}

#[derive(Default)]
pub struct DictionaryMutation;

#[Object]
impl DictionaryMutation {
    /// Defines a dictionary; `aggregateId` is its id. Needs `dictionary.edit`.
    async fn create_dictionary(
        &self,
        context: &Context<'_>,
        input: CreateDictionaryInput,
    ) -> async_graphql::Result<CommandResult> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let command_id = input.command_id.unwrap_or_else(Uuid::now_v7);
        let (dictionary_id, outcome) = service(state)
            .create_dictionary(session, command_id, input.code, input.name, input.value_type.into(), Utc::now())
            .await
            .or_graphql_error()?;
        state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
        Ok(CommandResult::new(dictionary_id, outcome))
    }

    /// Replaces a dictionary's entries. Needs `dictionary.edit`.
    async fn set_dictionary_entries(
        &self,
        context: &Context<'_>,
        input: SetDictionaryEntriesInput,
    ) -> async_graphql::Result<CommandResult> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let command_id = input.command_id.unwrap_or_else(Uuid::now_v7);
        let entries = input
            .entries
            .into_iter()
            .map(|entry| DomainEntry {
                code: entry.code,
                label: entry.label,
                sort_order: entry.sort_order,
                enabled: entry.enabled,
            })
            .collect();
        let (dictionary_id, outcome) = service(state)
            .set_entries(session, command_id, &input.code, entries, Utc::now())
            .await
            .or_graphql_error()?;
        state.wait_for_read_models(&outcome, READ_YOUR_WRITES_TIMEOUT).await;
        Ok(CommandResult::new(dictionary_id, outcome))
    }
}
