//! Customers (docs/customers.md): fields, profiles, saved queries, contact history, the
//! screen pop's match, the address book; and the spreadsheet routes (template, import,
//! export), which live here because they need both the service and the read models.
//!
//! Every read is scoped to the caller's tenant; forgotten customers come back with no values.

mod files;
pub mod types;

use std::collections::BTreeMap;

use async_graphql::{Context, Object};
use chrono::Utc;
use hotline_command_api::Session;
use hotline_command_api::customers::service::MENU_PERMISSION;
use hotline_domain::customer::{self, Condition, FieldDefinition, FieldType};
use hotline_projections::customers as read_model;
use uuid::Uuid;

pub use files::router as files_router;
use types::{
    AddressBookEntry, Contact, Customer, CustomerField, CustomerFieldInput, CustomerPage, FieldValueInput,
    QueryConditionInput, SavedCustomerQuery, SavedCustomerQueryInput, values_map,
};

use crate::chat::catch_up_read_models;
use crate::error::OrGraphqlError;
use crate::identity::query::read_model_error;
use crate::schema::{GraphqlState, session};

const ADDRESS_BOOK_PERMISSION: &str = "menu.address_book";

fn require(session: &Session, permission: &str) -> async_graphql::Result<()> {
    session.require(permission).or_graphql_error()
}

async fn customer_by_id(state: &GraphqlState, tenant_id: Uuid, id: Uuid) -> async_graphql::Result<Customer> {
    read_model::get_customer(&state.read_models, tenant_id, id)
        .await
        .map_err(read_model_error)?
        .map(Customer::from)
        .ok_or_else(|| {
            crate::error::graphql_error(hotline_command_api::ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                "customer.not_found",
                format!("no customer {id}"),
            ))
        })
}

#[derive(Default)]
pub struct CustomerQuery;

#[Object]
impl CustomerQuery {
    /// The built-in and the tenant's fields, in form order.
    async fn customer_fields(&self, context: &Context<'_>) -> async_graphql::Result<Vec<CustomerField>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        if !session.has("customer.fields.edit") {
            require(session, MENU_PERMISSION)?;
        }
        let fields = state.customers.all_fields(session.tenant_id).await.or_graphql_error()?;
        Ok(fields.iter().map(CustomerField::from_definition).collect())
    }

    /// Customers matching every condition (all customers without one), a page at a time.
    async fn customers(
        &self,
        context: &Context<'_>,
        conditions: Option<Vec<QueryConditionInput>>,
        sort_field: Option<String>,
        #[graphql(default = false)] sort_descending: bool,
        #[graphql(default = 50)] first: usize,
        #[graphql(default = 0)] offset: usize,
    ) -> async_graphql::Result<CustomerPage> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        require(session, MENU_PERMISSION)?;
        let fields = state.customers.fields(session.tenant_id).await.or_graphql_error()?;
        let conditions: Vec<Condition> = conditions.unwrap_or_default().into_iter().map(Condition::from).collect();
        customer::check_conditions(&fields, &conditions)
            .map_err(|error| crate::error::graphql_error(hotline_command_api::ApiError::from(error)))?;
        let first = crate::identity::query::page_size(first)? as usize;
        let sort = sort_field.as_deref().map(|field| (field, sort_descending));
        let (items, total) = read_model::find_customers(
            &state.read_models,
            session.tenant_id,
            &conditions,
            &customer::field_types(&fields),
            sort,
            first,
            offset,
        )
        .await
        .map_err(read_model_error)?;
        Ok(CustomerPage { items: items.into_iter().map(Customer::from).collect(), total })
    }

    async fn customer(&self, context: &Context<'_>, id: Uuid) -> async_graphql::Result<Option<Customer>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        require(session, MENU_PERMISSION)?;
        let view =
            read_model::get_customer(&state.read_models, session.tenant_id, id).await.map_err(read_model_error)?;
        Ok(view.map(Customer::from))
    }

    /// Customers with the same phone or ID-card number as these values (before creating one).
    async fn customer_duplicates(
        &self,
        context: &Context<'_>,
        values: Vec<FieldValueInput>,
    ) -> async_graphql::Result<Vec<Customer>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        require(session, MENU_PERMISSION)?;
        let fields = state.customers.fields(session.tenant_id).await.or_graphql_error()?;
        let values = values_map(values);
        let id_card = fields
            .iter()
            .filter(|field| field.field_type == FieldType::IdCard)
            .find_map(|field| values.get(&field.key).filter(|value| !value.trim().is_empty()));
        let phone = values.get("phone").filter(|value| !value.trim().is_empty());
        if phone.is_none() && id_card.is_none() {
            return Ok(vec![]);
        }
        let found = read_model::duplicates(
            &state.read_models,
            session.tenant_id,
            phone.map(String::as_str),
            id_card.map(String::as_str),
        )
        .await
        .map_err(read_model_error)?;
        Ok(found.into_iter().map(Customer::from).collect())
    }

    /// The customer's contacts on every channel, newest first: conversations whose visitor
    /// gave the customer's phone or email.
    async fn customer_contacts(&self, context: &Context<'_>, customer_id: Uuid) -> async_graphql::Result<Vec<Contact>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        require(session, MENU_PERMISSION)?;
        let customer = customer_by_id(state, session.tenant_id, customer_id).await?;
        if customer.forgotten {
            return Ok(vec![]);
        }
        let value = |key: &str| customer.values.iter().find(|value| value.key == key).map(|value| value.value.clone());
        let (phone, email) = (value("phone"), value("email"));
        if phone.is_none() && email.is_none() {
            return Ok(vec![]);
        }
        let conversations = hotline_projections::customer_history(
            &state.read_models,
            session.tenant_id,
            Uuid::nil(),
            email.as_deref(),
            phone.as_deref(),
            None,
            100,
        )
        .await
        .map_err(read_model_error)?;
        let mut contacts = Vec::with_capacity(conversations.len());
        for conversation in conversations {
            let agent_name = match conversation.agent_id {
                Some(agent_id) => Some(state.chat.display_name(session.tenant_id, agent_id).await),
                None => None,
            };
            contacts.push(Contact {
                kind: "conversation".to_owned(),
                id: conversation.conversation_id,
                channel: conversation.channel.into(),
                at: conversation.started_at,
                agent_name,
                summary: conversation.last_message_text,
                disposition: conversation.disposition,
            });
        }
        Ok(contacts)
    }

    /// Your saved queries and the shared ones.
    async fn saved_customer_queries(&self, context: &Context<'_>) -> async_graphql::Result<Vec<SavedCustomerQuery>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        require(session, MENU_PERMISSION)?;
        let queries = read_model::list_saved_queries(&state.read_models, session.tenant_id, session.user_id)
            .await
            .map_err(read_model_error)?;
        Ok(queries.into_iter().map(|query| SavedCustomerQuery::from_domain(query, session.user_id)).collect())
    }

    /// People to reach: `internal` (users) or `external` (customers), read-only.
    async fn address_book(
        &self,
        context: &Context<'_>,
        kind: Option<String>,
        search: Option<String>,
        #[graphql(default = 100)] first: usize,
    ) -> async_graphql::Result<Vec<AddressBookEntry>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        require(session, ADDRESS_BOOK_PERMISSION)?;
        let first = crate::identity::query::page_size(first)? as usize;
        let search = search.map(|text| text.trim().to_lowercase()).filter(|text| !text.is_empty());
        let matches = |entry: &AddressBookEntry| {
            search.as_ref().is_none_or(|search| {
                [Some(&entry.name), entry.phone.as_ref(), entry.email.as_ref(), entry.department.as_ref()]
                    .into_iter()
                    .flatten()
                    .any(|text| text.to_lowercase().contains(search))
            })
        };
        let mut entries = Vec::new();
        if kind.as_deref().is_none_or(|kind| kind == "internal") {
            let users = hotline_projections::list_users(
                &state.read_models,
                session.tenant_id,
                &hotline_projections::UserFilter::All,
                crate::identity::query::MAX_PAGE as u32,
                None,
            )
            .await
            .map_err(read_model_error)?;
            let units = hotline_projections::list_org_units(&state.read_models, session.tenant_id, None)
                .await
                .map_err(read_model_error)?;
            for user in users {
                let department = user
                    .org_unit_id
                    .and_then(|unit_id| units.iter().find(|unit| unit.unit_id == unit_id))
                    .map(|unit| unit.name.clone());
                entries.push(AddressBookEntry {
                    kind: "internal".to_owned(),
                    id: user.user_id,
                    name: user.display_name,
                    phone: None,
                    email: None,
                    department,
                });
            }
        }
        if kind.as_deref().is_none_or(|kind| kind == "external") {
            let (customers, _) = read_model::find_customers(
                &state.read_models,
                session.tenant_id,
                &[],
                &BTreeMap::new(),
                Some(("name", false)),
                crate::identity::query::MAX_PAGE,
                0,
            )
            .await
            .map_err(read_model_error)?;
            entries.extend(customers.into_iter().filter(|customer| !customer.forgotten).map(|customer| {
                AddressBookEntry {
                    kind: "external".to_owned(),
                    id: customer.customer_id,
                    name: customer.name.clone().unwrap_or_default(),
                    phone: customer.phone.clone(),
                    email: customer.values.get("email").cloned(),
                    department: None,
                }
            }));
        }
        Ok(entries.into_iter().filter(matches).take(first).collect())
    }

    /// The screen pop's customer: the first whose phone or email the conversation's visitor gave.
    async fn customer_for_conversation(
        &self,
        context: &Context<'_>,
        conversation_id: Uuid,
    ) -> async_graphql::Result<Option<Customer>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        require(session, hotline_command_api::chat::desk::DESK_PERMISSION)?;
        if !state.chat.may_read_conversation(session, conversation_id).await.or_graphql_error()? {
            return Ok(None);
        }
        let Some(conversation) =
            hotline_projections::get_conversation(&state.read_models, session.tenant_id, conversation_id)
                .await
                .map_err(read_model_error)?
        else {
            return Ok(None);
        };
        if conversation.visitor_phone.is_none() && conversation.visitor_email.is_none() {
            return Ok(None);
        }
        let found = read_model::customers_by_phone_or_email(
            &state.read_models,
            session.tenant_id,
            conversation.visitor_phone.as_deref(),
            conversation.visitor_email.as_deref(),
        )
        .await
        .map_err(read_model_error)?;
        Ok(found.into_iter().next().map(Customer::from))
    }
}

#[derive(Default)]
pub struct CustomerMutation;

#[Object]
impl CustomerMutation {
    /// Replaces the tenant's own fields (the built-in ones stay).
    async fn define_customer_fields(
        &self,
        context: &Context<'_>,
        command_id: Option<Uuid>,
        fields: Vec<CustomerFieldInput>,
    ) -> async_graphql::Result<Vec<CustomerField>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let fields: Vec<FieldDefinition> = fields.into_iter().map(FieldDefinition::from).collect();
        state
            .customers
            .define_fields(session, command_id.unwrap_or_else(Uuid::now_v7), fields, Utc::now())
            .await
            .or_graphql_error()?;
        let fields = state.customers.all_fields(session.tenant_id).await.or_graphql_error()?;
        Ok(fields.iter().map(CustomerField::from_definition).collect())
    }

    async fn create_customer(
        &self,
        context: &Context<'_>,
        command_id: Option<Uuid>,
        values: Vec<FieldValueInput>,
    ) -> async_graphql::Result<Customer> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let command_id = command_id.unwrap_or_else(Uuid::now_v7);
        let (customer_id, _) =
            state.customers.create(session, command_id, values_map(values), Utc::now()).await.or_graphql_error()?;
        catch_up_read_models(state).await;
        customer_by_id(state, session.tenant_id, customer_id).await
    }

    async fn update_customer(
        &self,
        context: &Context<'_>,
        command_id: Option<Uuid>,
        id: Uuid,
        values: Vec<FieldValueInput>,
    ) -> async_graphql::Result<Customer> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let command_id = command_id.unwrap_or_else(Uuid::now_v7);
        state.customers.update(session, command_id, id, values_map(values), Utc::now()).await.or_graphql_error()?;
        catch_up_read_models(state).await;
        customer_by_id(state, session.tenant_id, id).await
    }

    /// Forgets the customer for good: their key is destroyed and every read model drops
    /// their data; the log keeps its (now unreadable) events.
    async fn forget_customer(
        &self,
        context: &Context<'_>,
        command_id: Option<Uuid>,
        id: Uuid,
    ) -> async_graphql::Result<Customer> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let command_id = command_id.unwrap_or_else(Uuid::now_v7);
        state.customers.forget(session, command_id, id, Utc::now()).await.or_graphql_error()?;
        catch_up_read_models(state).await;
        customer_by_id(state, session.tenant_id, id).await
    }

    async fn save_customer_query(
        &self,
        context: &Context<'_>,
        command_id: Option<Uuid>,
        input: SavedCustomerQueryInput,
    ) -> async_graphql::Result<SavedCustomerQuery> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let command_id = command_id.unwrap_or_else(Uuid::now_v7);
        let query = customer::SavedQuery {
            query_id: input.id.unwrap_or_else(|| Uuid::new_v5(&command_id, b"customer-query")),
            name: input.name,
            owner_id: session.user_id,
            shared: input.shared,
            body: customer::CustomerQuery {
                conditions: input.conditions.into_iter().map(Condition::from).collect(),
                sort_field: input.sort_field,
                sort_descending: input.sort_descending,
            },
        };
        let query_id = query.query_id;
        state.customers.save_query(session, command_id, query, Utc::now()).await.or_graphql_error()?;
        catch_up_read_models(state).await;
        let saved = read_model::get_saved_query(&state.read_models, session.tenant_id, session.user_id, query_id)
            .await
            .map_err(read_model_error)?
            .ok_or_else(|| async_graphql::Error::new("the saved query is not readable yet; retry"))?;
        Ok(SavedCustomerQuery::from_domain(saved, session.user_id))
    }

    async fn delete_customer_query(
        &self,
        context: &Context<'_>,
        command_id: Option<Uuid>,
        id: Uuid,
    ) -> async_graphql::Result<bool> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        let command_id = command_id.unwrap_or_else(Uuid::now_v7);
        state.customers.delete_query(session, command_id, id, Utc::now()).await.or_graphql_error()?;
        catch_up_read_models(state).await;
        Ok(true)
    }
}
