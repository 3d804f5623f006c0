//! The GraphQL types of customers, as docs/customers.md lists them.

use std::collections::BTreeMap;

use async_graphql::{Enum, InputObject, SimpleObject};
use chrono::{DateTime, Utc};
use hotline_domain::customer::{self, ConditionOp as DomainOp, FieldDefinition, FieldType};
use hotline_projections::customers::CustomerView;
use uuid::Uuid;

use crate::chat::types::ContactChannel;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum CustomerFieldType {
    Text,
    Number,
    Money,
    Date,
    Time,
    Phone,
    IdCard,
    Gender,
}

impl From<FieldType> for CustomerFieldType {
    fn from(field_type: FieldType) -> Self {
        match field_type {
            FieldType::Text => Self::Text,
            FieldType::Number => Self::Number,
            FieldType::Money => Self::Money,
            FieldType::Date => Self::Date,
            FieldType::Time => Self::Time,
            FieldType::Phone => Self::Phone,
            FieldType::IdCard => Self::IdCard,
            FieldType::Gender => Self::Gender,
        }
    }
}

impl From<CustomerFieldType> for FieldType {
    fn from(field_type: CustomerFieldType) -> Self {
        match field_type {
            CustomerFieldType::Text => Self::Text,
            CustomerFieldType::Number => Self::Number,
            CustomerFieldType::Money => Self::Money,
            CustomerFieldType::Date => Self::Date,
            CustomerFieldType::Time => Self::Time,
            CustomerFieldType::Phone => Self::Phone,
            CustomerFieldType::IdCard => Self::IdCard,
            CustomerFieldType::Gender => Self::Gender,
        }
    }
}

#[derive(SimpleObject, Clone)]
pub struct CustomerField {
    pub key: String,
    pub label: String,
    pub field_type: CustomerFieldType,
    pub required: bool,
    pub max_length: Option<u32>,
    pub enabled: bool,
    pub sort_order: i32,
    pub built_in: bool,
}

impl CustomerField {
    pub fn from_definition(field: &FieldDefinition) -> Self {
        Self {
            key: field.key.clone(),
            label: field.label.clone(),
            field_type: field.field_type.into(),
            required: field.required,
            max_length: field.max_length,
            enabled: field.enabled,
            sort_order: field.sort_order,
            built_in: customer::BUILT_IN_FIELDS.iter().any(|built_in| built_in.key == field.key),
        }
    }
}

#[derive(InputObject, Clone)]
pub struct CustomerFieldInput {
    pub key: String,
    pub label: String,
    pub field_type: CustomerFieldType,
    pub required: bool,
    pub max_length: Option<u32>,
    pub enabled: bool,
    pub sort_order: i32,
}

impl From<CustomerFieldInput> for FieldDefinition {
    fn from(input: CustomerFieldInput) -> Self {
        Self {
            key: input.key,
            label: input.label,
            field_type: input.field_type.into(),
            required: input.required,
            max_length: input.max_length,
            enabled: input.enabled,
            sort_order: input.sort_order,
        }
    }
}

#[derive(SimpleObject, Clone)]
pub struct FieldValue {
    pub key: String,
    pub value: String,
}

#[derive(InputObject, Clone)]
pub struct FieldValueInput {
    pub key: String,
    pub value: String,
}

pub fn values_map(values: Vec<FieldValueInput>) -> BTreeMap<String, String> {
    values.into_iter().map(|value| (value.key, value.value)).collect()
}

#[derive(SimpleObject, Clone)]
pub struct Customer {
    pub id: Uuid,
    pub forgotten: bool,
    pub values: Vec<FieldValue>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<CustomerView> for Customer {
    fn from(view: CustomerView) -> Self {
        Self {
            id: view.customer_id,
            forgotten: view.forgotten,
            values: view.values.into_iter().map(|(key, value)| FieldValue { key, value }).collect(),
            name: view.name,
            phone: view.phone,
            created_at: view.created_at,
            updated_at: view.updated_at,
        }
    }
}

#[derive(SimpleObject, Clone)]
pub struct CustomerPage {
    pub items: Vec<Customer>,
    pub total: u64,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ConditionOp {
    Equals,
    Contains,
    StartsWith,
    GreaterThan,
    LessThan,
    Between,
    IsEmpty,
    NotEmpty,
}

impl From<ConditionOp> for DomainOp {
    fn from(op: ConditionOp) -> Self {
        match op {
            ConditionOp::Equals => Self::Equals,
            ConditionOp::Contains => Self::Contains,
            ConditionOp::StartsWith => Self::StartsWith,
            ConditionOp::GreaterThan => Self::GreaterThan,
            ConditionOp::LessThan => Self::LessThan,
            ConditionOp::Between => Self::Between,
            ConditionOp::IsEmpty => Self::IsEmpty,
            ConditionOp::NotEmpty => Self::NotEmpty,
        }
    }
}

impl From<DomainOp> for ConditionOp {
    fn from(op: DomainOp) -> Self {
        match op {
            DomainOp::Equals => Self::Equals,
            DomainOp::Contains => Self::Contains,
            DomainOp::StartsWith => Self::StartsWith,
            DomainOp::GreaterThan => Self::GreaterThan,
            DomainOp::LessThan => Self::LessThan,
            DomainOp::Between => Self::Between,
            DomainOp::IsEmpty => Self::IsEmpty,
            DomainOp::NotEmpty => Self::NotEmpty,
        }
    }
}

#[derive(SimpleObject, Clone)]
pub struct QueryCondition {
    pub field: String,
    pub op: ConditionOp,
    pub value: Option<String>,
    pub value_to: Option<String>,
}

#[derive(InputObject, Clone)]
pub struct QueryConditionInput {
    pub field: String,
    pub op: ConditionOp,
    pub value: Option<String>,
    pub value_to: Option<String>,
}

impl From<QueryConditionInput> for customer::Condition {
    fn from(input: QueryConditionInput) -> Self {
        Self { field: input.field, op: input.op.into(), value: input.value, value_to: input.value_to }
    }
}

impl From<customer::Condition> for QueryCondition {
    fn from(condition: customer::Condition) -> Self {
        Self { field: condition.field, op: condition.op.into(), value: condition.value, value_to: condition.value_to }
    }
}

#[derive(SimpleObject, Clone)]
pub struct SavedCustomerQuery {
    pub id: Uuid,
    pub name: String,
    pub shared: bool,
    pub mine: bool,
    pub conditions: Vec<QueryCondition>,
    pub sort_field: Option<String>,
    pub sort_descending: bool,
}

impl SavedCustomerQuery {
    pub fn from_domain(query: customer::SavedQuery, user_id: Uuid) -> Self {
        Self {
            id: query.query_id,
            name: query.name,
            shared: query.shared,
            mine: query.owner_id == user_id,
            conditions: query.body.conditions.into_iter().map(QueryCondition::from).collect(),
            sort_field: query.body.sort_field,
            sort_descending: query.body.sort_descending,
        }
    }
}

#[derive(InputObject, Clone)]
pub struct SavedCustomerQueryInput {
    pub id: Option<Uuid>,
    pub name: String,
    pub shared: bool,
    pub conditions: Vec<QueryConditionInput>,
    pub sort_field: Option<String>,
    pub sort_descending: bool,
}

#[derive(SimpleObject, Clone)]
pub struct ImportRowError {
    pub row: u32,
    pub field: Option<String>,
    pub message: String,
}

#[derive(SimpleObject, Clone)]
pub struct ImportReport {
    pub imported: u32,
    pub failed: u32,
    pub duplicates: u32,
    pub errors: Vec<ImportRowError>,
}

#[derive(SimpleObject, Clone)]
pub struct Contact {
    /// `conversation` now; `call` and `email` with those channels.
    pub kind: String,
    pub id: Uuid,
    pub channel: ContactChannel,
    pub at: DateTime<Utc>,
    pub agent_name: Option<String>,
    pub summary: Option<String>,
    pub disposition: Option<String>,
}

#[derive(SimpleObject, Clone)]
pub struct AddressBookEntry {
    /// `internal` (a user) or `external` (a customer).
    pub kind: String,
    pub id: Uuid,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub department: Option<String>,
}
