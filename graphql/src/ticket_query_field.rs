//! What ticket forms' query fields (`hotline-query`, SP5's custom query) need from the server:
//! - `ticketQueryOptions(typeId, version, field, search, first)`: the results of the query the
//!   field's designer configured (the enabled entries of a dictionary, or the customers its
//!   conditions admit), narrowed by what the user types. The browser names a field, never a
//!   query: a form cannot be used to search customers in ways its designer did not allow;
//! - the labels of the values query fields hold (`Ticket.queryLabels`, and the collaborator
//!   page's `queryLabels`), so that a form shows an entry's label or a customer's name.

use std::collections::HashMap;

use async_graphql::{Context, Object, SimpleObject};
use axum::http::StatusCode;
use hotline_command_api::tickets::{CREATE_PERMISSION, MENU_PERMISSION};
use hotline_command_api::{ApiError, Session};
use hotline_domain::customer::{self, Condition, ConditionOp};
use hotline_domain::dictionary::DictionaryEntry;
use hotline_domain::ticket::{FieldAccess, QuerySource, QueryValue, query_values};
use hotline_projections::customers as customer_model;
use hotline_projections::dictionary as dictionary_model;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::error::{OrGraphqlError, graphql_error};
use crate::identity::query::{page_size, read_model_error};
use crate::schema::{GraphqlState, session};

/// One result of a query field's query.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
#[graphql(name = "TicketQueryOption")]
pub struct QueryOption {
    /// What the field holds when this is chosen: the entry's code or the customer's id.
    pub value: String,
    /// The entry's label or the customer's name.
    pub label: String,
    /// The values of the field's configured columns (customers), in their order; empty for
    /// dictionary entries.
    pub details: Vec<String>,
}

/// The label of one value a query field holds.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
#[graphql(name = "TicketQueryLabel")]
pub struct QueryLabel {
    pub field: String,
    pub value: String,
    pub label: String,
}

fn read_failed(error: impl std::fmt::Display) -> ApiError {
    ApiError::internal(format!("reading the labels of a ticket's query fields: {error}"))
}

/// The labels of `found`, once per field and value; values that name nothing (any more)
/// are left out. Disabled entries keep their labels: old tickets still show them.
pub(crate) async fn query_labels(
    state: &GraphqlState,
    tenant_id: Uuid,
    found: &[QueryValue],
) -> Result<Vec<QueryLabel>, ApiError> {
    let pool = &state.read_models;
    let mut dictionaries: HashMap<&str, Vec<DictionaryEntry>> = HashMap::new();
    let mut labels: Vec<QueryLabel> = Vec::new();
    for found in found {
        if labels.iter().any(|known| known.field == found.field && known.value == found.value) {
            continue;
        }
        let label = match &found.source {
            QuerySource::Dictionary { code } => {
                if !dictionaries.contains_key(code.as_str()) {
                    let view = dictionary_model::get_dictionary(pool, tenant_id, code).await.map_err(read_failed)?;
                    dictionaries.insert(code, view.map(|view| view.entries).unwrap_or_default());
                }
                dictionaries[code.as_str()]
                    .iter()
                    .find(|entry| entry.code == found.value)
                    .map(|entry| entry.label.clone())
            }
            QuerySource::Customers { .. } => match Uuid::parse_str(&found.value) {
                Ok(customer_id) => customer_model::get_customer(pool, tenant_id, customer_id)
                    .await
                    .map_err(read_failed)?
                    .filter(|customer| !customer.forgotten)
                    .map(|customer| customer.name.unwrap_or_else(|| found.value.clone())),
                Err(_) => None,
            },
        };
        if let Some(label) = label {
            labels.push(QueryLabel { field: found.field.clone(), value: found.value.clone(), label });
        }
    }
    Ok(labels)
}

/// The labels of the values a ticket's query fields hold.
pub(crate) async fn ticket_query_labels(
    state: &GraphqlState,
    session: &Session,
    type_id: Uuid,
    version: u32,
    values: &Map<String, Value>,
) -> async_graphql::Result<Vec<QueryLabel>> {
    let definition = state.tickets.definition(session.tenant_id, type_id, version).await.or_graphql_error()?;
    let found = query_values(&definition.form, values);
    if found.is_empty() {
        return Ok(Vec::new());
    }
    query_labels(state, session.tenant_id, &found).await.map_err(graphql_error)
}

fn no_such_query_field(field: &str) -> async_graphql::Error {
    graphql_error(ApiError::new(
        StatusCode::NOT_FOUND,
        "ticket.no_such_query_field",
        format!("the form has no query field {field:?}"),
    ))
}

/// What a user types in a customer query field, as one more condition: digits (with `+`,
/// `-`, parentheses and spaces, as phone numbers are kept) search phone numbers, anything
/// else names.
fn search_condition(search: &str) -> Condition {
    let is_phone =
        search.chars().any(|c| c.is_ascii_digit()) && search.chars().all(|c| c.is_ascii_digit() || "+-() ".contains(c));
    let field = if is_phone { "phone" } else { "name" };
    Condition { field: field.to_owned(), op: ConditionOp::Contains, value: Some(search.to_owned()), value_to: None }
}

#[derive(Default)]
pub struct TicketQueryFieldQuery;

#[Object]
impl TicketQueryFieldQuery {
    /// The options of the query field `field` of version `version` of ticket type `typeId`:
    /// the enabled entries of its dictionary whose label or code holds `search`, in the
    /// dictionary's order; or the customers its conditions admit whose name holds `search`
    /// (digits search phone numbers), by name. Holders of `menu.tickets` or `ticket.create`
    /// whose roles' forms let them edit the field.
    async fn ticket_query_options(
        &self,
        context: &Context<'_>,
        type_id: Uuid,
        version: u32,
        field: String,
        search: Option<String>,
        #[graphql(default = 20)] first: usize,
    ) -> async_graphql::Result<Vec<QueryOption>> {
        let (state, session) = (context.data::<GraphqlState>()?, session(context)?);
        if !session.has(MENU_PERMISSION) {
            session.require(CREATE_PERMISSION).or_graphql_error()?;
        }
        let first = page_size(first)? as usize;
        let search = search.unwrap_or_default().trim().to_owned();
        let definition = state.tickets.definition(session.tenant_id, type_id, version).await.or_graphql_error()?;
        // Only who may fill the field in needs its options.
        let source = definition
            .form
            .field(&field)
            .filter(|found| definition.form.role_access(&found.key, &session.access.role_ids) == FieldAccess::Editable)
            .and_then(|field| field.query.as_ref())
            .ok_or_else(|| no_such_query_field(&field))?;
        let pool = &state.read_models;
        match source {
            QuerySource::Dictionary { code } => {
                let folded = search.to_lowercase();
                let entries = dictionary_model::get_dictionary(pool, session.tenant_id, code)
                    .await
                    .map_err(read_model_error)?
                    .map(|view| view.entries)
                    .unwrap_or_default();
                Ok(entries
                    .into_iter()
                    .filter(|entry| entry.enabled)
                    .filter(|entry| {
                        folded.is_empty()
                            || entry.label.to_lowercase().contains(&folded)
                            || entry.code.to_lowercase().contains(&folded)
                    })
                    .take(first)
                    .map(|entry| QueryOption { value: entry.code, label: entry.label, details: Vec::new() })
                    .collect())
            }
            QuerySource::Customers { conditions, columns } => {
                let fields = state.customers.fields(session.tenant_id).await.or_graphql_error()?;
                let mut conditions = conditions.clone();
                if !search.is_empty() {
                    conditions.push(search_condition(&search));
                }
                // Forgotten customers are listed (as forgotten) only without a condition.
                if conditions.is_empty() {
                    conditions.push(Condition {
                        field: "name".to_owned(),
                        op: ConditionOp::NotEmpty,
                        value: None,
                        value_to: None,
                    });
                }
                let (customers, _) = customer_model::find_customers(
                    pool,
                    session.tenant_id,
                    &conditions,
                    &customer::field_types(&fields),
                    Some(("name", false)),
                    first,
                    0,
                )
                .await
                .map_err(read_model_error)?;
                Ok(customers
                    .into_iter()
                    .map(|customer| QueryOption {
                        value: customer.customer_id.to_string(),
                        label: customer.name.clone().unwrap_or_default(),
                        details: columns
                            .iter()
                            .map(|column| customer.values.get(column).cloned().unwrap_or_default())
                            .collect(),
                    })
                    .collect())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_search_phone_numbers_and_anything_else_names() {
        let phone = search_condition("138-0013");
        assert_eq!((phone.field.as_str(), phone.value.as_deref()), ("phone", Some("138-0013")));
        let name = search_condition("Li 2");
        assert_eq!((name.field.as_str(), name.value.as_deref()), ("name", Some("Li 2")));
    }
}
