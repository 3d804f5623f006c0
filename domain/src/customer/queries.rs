//! Saved customer queries (see [`crate::saved_queries`]): a named list of conditions on a
//! tenant's customer fields, with a sort.
//!
//! [`check_conditions`] says whether conditions fit the tenant's fields (the field exists, its
//! type takes the operator, the value reads as that type). The decider cannot know the
//! fields, so the service checks a query with it before it saves one or runs one.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::fields::{BUILT_IN_FIELDS, FieldDefinition, FieldType};
use crate::saved_queries::{self, QueryKind};
pub use crate::saved_queries::{Condition, ConditionOp, MAX_QUERY_NAME_CHARS, QueryDeleted};
use crate::{DomainError, StreamId};

pub const CONTEXT: &str = "customer_queries";

pub const QUERY_SAVED: &str = "hotline.customer_queries.saved";
pub const QUERY_DELETED: &str = "hotline.customer_queries.deleted";

/// The most conditions one query holds.
pub const MAX_CONDITIONS: usize = 20;

pub fn queries_stream_id(tenant_id: Uuid) -> StreamId {
    StreamId::new(CONTEXT, tenant_id)
}

/// What a saved customer query searches for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerQuery {
    /// All must hold (AND); at most [`MAX_CONDITIONS`].
    pub conditions: Vec<Condition>,
    /// A field key to sort by; `None` sorts newest customers first.
    pub sort_field: Option<String>,
    pub sort_descending: bool,
}

/// Customers' kind of saved query.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerQueries;

impl QueryKind for CustomerQueries {
    type Body = CustomerQuery;
    const CONTEXT: &'static str = CONTEXT;
    const SAVED: &'static str = QUERY_SAVED;
    const DELETED: &'static str = QUERY_DELETED;
    const INVALID: &'static str = "customer_queries.invalid";
    const NOT_OWNER: &'static str = "customer_queries.not_owner";
    const NAME_TAKEN: &'static str = "customer_queries.name_taken";
    const NOT_FOUND: &'static str = "customer_queries.not_found";

    fn check_body(body: &CustomerQuery) -> Result<(), String> {
        if body.conditions.len() > MAX_CONDITIONS {
            return Err(format!("a query has at most {MAX_CONDITIONS} conditions, not {}", body.conditions.len()));
        }
        if body.sort_field.as_deref().is_some_and(|field| field.trim().is_empty()) {
            return Err("a sort field names a field".into());
        }
        Ok(())
    }
}

pub type SavedQuery = saved_queries::SavedQuery<CustomerQuery>;
pub type SavedQueries = saved_queries::SavedQueries<CustomerQueries>;
pub type SavedQueriesCommand = saved_queries::SavedQueriesCommand<CustomerQuery>;
pub type SavedQueriesEvent = saved_queries::SavedQueriesEvent<CustomerQueries>;
pub type SavedQueriesState = saved_queries::SavedQueriesState<CustomerQuery>;

impl ConditionOp {
    /// Whether a customer field of this type takes the operator.
    pub fn applies_to(self, field_type: FieldType) -> bool {
        use ConditionOp::*;
        match field_type {
            FieldType::Text | FieldType::Phone | FieldType::IdCard | FieldType::Gender => {
                matches!(self, Equals | Contains | StartsWith | IsEmpty | NotEmpty)
            }
            FieldType::Number | FieldType::Money | FieldType::Date | FieldType::Time => {
                matches!(self, Equals | GreaterThan | LessThan | Between | IsEmpty | NotEmpty)
            }
        }
    }
}

/// Every field key a query may name (the built-in ones and the tenant's), with its type.
pub fn field_types(fields: &[FieldDefinition]) -> BTreeMap<String, FieldType> {
    BUILT_IN_FIELDS.iter().chain(fields).map(|field| (field.key.clone(), field.field_type)).collect()
}

fn invalid_condition(message: impl Into<String>) -> DomainError {
    DomainError::new("customer.invalid_query", message)
}

fn field_type_of(fields: &[FieldDefinition], key: &str) -> Option<FieldType> {
    BUILT_IN_FIELDS.iter().chain(fields).find(|field| field.key == key).map(|field| field.field_type)
}

/// Whether `value` reads as a value of the type, for comparing with stored values.
fn check_value(field: &str, field_type: FieldType, value: &str) -> Result<(), DomainError> {
    let value = value.trim();
    let fits = match field_type {
        FieldType::Number | FieldType::Money => value.parse::<f64>().is_ok_and(f64::is_finite),
        FieldType::Date => NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok(),
        FieldType::Time => {
            NaiveTime::parse_from_str(value, "%H:%M:%S").is_ok() || NaiveTime::parse_from_str(value, "%H:%M").is_ok()
        }
        FieldType::Text | FieldType::Phone | FieldType::IdCard | FieldType::Gender => true,
    };
    if fits {
        return Ok(());
    }
    let expected = match field_type {
        FieldType::Date => "a date like 2026-11-26",
        FieldType::Time => "a time like 09:30",
        _ => "a number",
    };
    Err(invalid_condition(format!("{field}: {value:?} is not {expected}")))
}

/// Checks conditions against the tenant's fields (`fields`: its own; the built-in ones are
/// always there): the field exists, its type takes the operator, and the values read as that
/// type. Refused with `customer.invalid_query`, naming the first bad condition.
pub fn check_conditions(fields: &[FieldDefinition], conditions: &[Condition]) -> Result<(), DomainError> {
    if conditions.len() > MAX_CONDITIONS {
        return Err(invalid_condition(format!("at most {MAX_CONDITIONS} conditions")));
    }
    for condition in conditions {
        let field = condition.field.as_str();
        let Some(field_type) = field_type_of(fields, field) else {
            return Err(invalid_condition(format!("no field {field:?}")));
        };
        if !condition.op.applies_to(field_type) {
            return Err(invalid_condition(format!(
                "{field}: a {} field does not take {}",
                type_name(field_type),
                condition.op.as_str().to_uppercase()
            )));
        }
        if !condition.op.takes_value() {
            continue;
        }
        let Some(value) = condition.value.as_deref().filter(|value| !value.trim().is_empty()) else {
            return Err(invalid_condition(format!("{field}: {} needs a value", condition.op.as_str().to_uppercase())));
        };
        check_value(field, field_type, value)?;
        if condition.op == ConditionOp::Between {
            let Some(value_to) = condition.value_to.as_deref().filter(|value| !value.trim().is_empty()) else {
                return Err(invalid_condition(format!("{field}: BETWEEN needs a second value")));
            };
            check_value(field, field_type, value_to)?;
        }
    }
    Ok(())
}

/// Checks that a query's sort field is a field of the tenant (or a built-in one).
pub fn check_sort_field(fields: &[FieldDefinition], sort_field: &str) -> Result<(), DomainError> {
    match field_type_of(fields, sort_field) {
        Some(_) => Ok(()),
        None => Err(invalid_condition(format!("no field {sort_field:?} to sort by"))),
    }
}

fn type_name(field_type: FieldType) -> &'static str {
    match field_type {
        FieldType::Text => "TEXT",
        FieldType::Number => "NUMBER",
        FieldType::Money => "MONEY",
        FieldType::Date => "DATE",
        FieldType::Time => "TIME",
        FieldType::Phone => "PHONE",
        FieldType::IdCard => "ID_CARD",
        FieldType::Gender => "GENDER",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Decider, DomainEvent, UpcastError};

    const TENANT: Uuid = Uuid::from_u128(1);
    const ANN: Uuid = Uuid::from_u128(0xA1);
    const BOB: Uuid = Uuid::from_u128(0xB1);
    const Q1: Uuid = Uuid::from_u128(0x01);
    const Q2: Uuid = Uuid::from_u128(0x02);

    fn condition(field: &str, op: ConditionOp, value: Option<&str>, value_to: Option<&str>) -> Condition {
        Condition { field: field.into(), op, value: value.map(str::to_owned), value_to: value_to.map(str::to_owned) }
    }

    fn query(query_id: Uuid, owner_id: Uuid, name: &str) -> SavedQuery {
        SavedQuery {
            query_id,
            name: name.into(),
            owner_id,
            shared: false,
            body: CustomerQuery {
                conditions: vec![condition("name", ConditionOp::Contains, Some("Lee"), None)],
                sort_field: Some("name".into()),
                sort_descending: false,
            },
        }
    }

    fn save(query: SavedQuery, by_user: Uuid) -> SavedQueriesCommand {
        SavedQueriesCommand::Save { tenant_id: TENANT, query, by_user }
    }

    fn delete(query_id: Uuid, by_user: Uuid) -> SavedQueriesCommand {
        SavedQueriesCommand::Delete { tenant_id: TENANT, query_id, by_user }
    }

    /// Decides each command on the state the ones before it left; panics on a refusal.
    fn given(commands: &[SavedQueriesCommand]) -> SavedQueriesState {
        commands.iter().fold(SavedQueriesState::default(), |state, command| {
            let events = SavedQueries::decide(&state, command).expect("the given command is accepted");
            events.iter().fold(state, SavedQueries::evolve)
        })
    }

    fn field(key: &str, field_type: FieldType) -> FieldDefinition {
        FieldDefinition {
            key: key.into(),
            label: key.to_uppercase(),
            field_type,
            required: false,
            max_length: None,
            enabled: true,
            sort_order: 0,
        }
    }

    fn tenant_fields() -> Vec<FieldDefinition> {
        vec![
            field("vip_level", FieldType::Number),
            field("balance", FieldType::Money),
            field("birthday", FieldType::Date),
            field("call_after", FieldType::Time),
            field("id_card", FieldType::IdCard),
            field("city", FieldType::Text),
        ]
    }

    #[test]
    fn given_nothing_when_save_then_the_whole_query_is_saved_on_the_tenant_stream() {
        let command = save(query(Q1, ANN, "Lees"), ANN);
        let events = SavedQueries::decide(&SavedQueriesState::default(), &command).unwrap();
        assert_eq!(events, [SavedQueriesEvent::Saved(query(Q1, ANN, "Lees"))]);
        assert_eq!(SavedQueries::stream_id(&command), queries_stream_id(TENANT));
        assert_eq!(SavedQueries::stream_id(&command).to_string(), format!("customer_queries-{TENANT}"));
        for event in &events {
            assert_eq!(event.event_type(), QUERY_SAVED);
            assert_eq!(&SavedQueriesEvent::from_stored(event.event_type(), 1, &event.to_payload()).unwrap(), event);
        }
    }

    #[test]
    fn given_saved_when_the_owner_saves_it_again_then_it_is_replaced_and_the_same_query_saves_nothing() {
        let state = given(&[save(query(Q1, ANN, "Lees"), ANN)]);
        assert_eq!(SavedQueries::decide(&state, &save(query(Q1, ANN, "Lees"), ANN)), Ok(vec![]));
        let renamed = SavedQuery { shared: true, ..query(Q1, ANN, "All the Lees") };
        let events = SavedQueries::decide(&state, &save(renamed.clone(), ANN)).unwrap();
        assert_eq!(events, [SavedQueriesEvent::Saved(renamed.clone())]);
        let state = events.iter().fold(state, SavedQueries::evolve);
        assert_eq!(state.queries[&Q1], renamed);
    }

    #[test]
    fn given_anns_query_when_bob_saves_or_deletes_it_then_not_owner() {
        let state = given(&[save(query(Q1, ANN, "Lees"), ANN)]);
        let taken_over = query(Q1, BOB, "Mine now");
        assert_eq!(
            SavedQueries::decide(&state, &save(taken_over, BOB)).unwrap_err().code,
            "customer_queries.not_owner"
        );
        assert_eq!(SavedQueries::decide(&state, &delete(Q1, BOB)).unwrap_err().code, "customer_queries.not_owner");
        // Nor can someone save a query in another's name.
        let on_behalf = query(Q2, ANN, "Others");
        let refused = SavedQueries::decide(&SavedQueriesState::default(), &save(on_behalf, BOB)).unwrap_err();
        assert_eq!(refused.code, "customer_queries.not_owner");
    }

    #[test]
    fn given_deleted_when_someone_else_saves_the_same_id_then_not_owner() {
        let state = given(&[save(query(Q1, ANN, "Lees"), ANN), delete(Q1, ANN)]);
        assert!(state.queries.is_empty());
        let refused = SavedQueries::decide(&state, &save(query(Q1, BOB, "Lees"), BOB)).unwrap_err();
        assert_eq!(refused.code, "customer_queries.not_owner", "an id never changes owner");
        assert_eq!(
            SavedQueries::decide(&state, &save(query(Q1, ANN, "Lees"), ANN)).unwrap(),
            [SavedQueriesEvent::Saved(query(Q1, ANN, "Lees"))],
            "the owner may save it again"
        );
    }

    #[test]
    fn given_saved_when_the_owner_deletes_then_deleted_once() {
        let state = given(&[save(query(Q1, ANN, "Lees"), ANN)]);
        let events = SavedQueries::decide(&state, &delete(Q1, ANN)).unwrap();
        assert_eq!(events, [SavedQueriesEvent::Deleted(QueryDeleted { query_id: Q1, owner_id: ANN })]);
        assert_eq!(&SavedQueriesEvent::from_stored(QUERY_DELETED, 1, &events[0].to_payload()).unwrap(), &events[0]);
        let state = events.iter().fold(state, SavedQueries::evolve);
        assert_eq!(SavedQueries::decide(&state, &delete(Q1, ANN)), Ok(vec![]), "deleting again changes nothing");
        assert_eq!(
            SavedQueries::decide(&state, &delete(Q2, ANN)).unwrap_err().code,
            "customer_queries.not_found",
            "a query that never was"
        );
    }

    #[test]
    fn given_a_query_named_x_when_its_owner_saves_another_named_x_then_name_taken() {
        let state = given(&[save(query(Q1, ANN, "Lees"), ANN)]);
        let refused = SavedQueries::decide(&state, &save(query(Q2, ANN, "LEES"), ANN)).unwrap_err();
        assert_eq!(refused.code, "customer_queries.name_taken", "names compare ignoring case");
        // Another owner may use the name; after a delete, so may the owner.
        assert!(SavedQueries::decide(&state, &save(query(Q2, BOB, "Lees"), BOB)).is_ok());
        let state = given(&[save(query(Q1, ANN, "Lees"), ANN), delete(Q1, ANN)]);
        assert!(SavedQueries::decide(&state, &save(query(Q2, ANN, "Lees"), ANN)).is_ok());
    }

    #[test]
    fn given_nothing_when_a_query_is_badly_shaped_then_invalid() {
        let with_conditions = |conditions: Vec<Condition>, name: &str| {
            let mut query = query(Q1, ANN, name);
            query.body.conditions = conditions;
            query
        };
        let many =
            with_conditions(vec![condition("name", ConditionOp::NotEmpty, None, None); MAX_CONDITIONS + 1], "Many");
        let long = "x".repeat(MAX_QUERY_NAME_CHARS + 1);
        let mut blank_sort = query(Q1, ANN, "Sorted");
        blank_sort.body.sort_field = Some(" ".into());
        for bad in [many, query(Q1, ANN, ""), query(Q1, ANN, " Lees"), query(Q1, ANN, &long), blank_sort] {
            let refused = SavedQueries::decide(&SavedQueriesState::default(), &save(bad, ANN)).unwrap_err();
            assert_eq!(refused.code, "customer_queries.invalid");
        }
        let at_most = with_conditions(
            vec![condition("name", ConditionOp::NotEmpty, None, None); MAX_CONDITIONS],
            &"x".repeat(MAX_QUERY_NAME_CHARS),
        );
        assert!(SavedQueries::decide(&SavedQueriesState::default(), &save(at_most, ANN)).is_ok());
    }

    #[test]
    fn stored_events_of_an_unknown_type_or_version_are_refused() {
        let payload = SavedQueriesEvent::Saved(query(Q1, ANN, "Lees")).to_payload();
        assert!(matches!(
            SavedQueriesEvent::from_stored(QUERY_SAVED, 2, &payload),
            Err(UpcastError::UnknownVersion { .. })
        ));
        assert!(matches!(
            SavedQueriesEvent::from_stored("hotline.customer_queries.renamed", 1, &payload),
            Err(UpcastError::UnknownType(_))
        ));
        assert!(matches!(
            SavedQueriesEvent::from_stored(QUERY_DELETED, 1, &serde_json::json!({})),
            Err(UpcastError::BadPayload { .. })
        ));
    }

    #[test]
    fn operators_serialise_in_snake_case() {
        let text = serde_json::to_string(&condition("city", ConditionOp::StartsWith, Some("Hang"), None)).unwrap();
        assert_eq!(text, r#"{"field":"city","op":"starts_with","value":"Hang","value_to":null}"#);
        for op in ConditionOp::ALL {
            assert_eq!(serde_json::to_value(op).unwrap(), op.as_str());
            assert_eq!(ConditionOp::parse(op.as_str()), Some(op));
        }
    }

    #[test]
    fn conditions_fit_their_fields_types() {
        use ConditionOp::*;
        let fields = tenant_fields();
        let good = [
            condition("name", Contains, Some("Lee"), None),
            condition("gender", Equals, Some("female"), None),
            condition("phone", StartsWith, Some("+86"), None),
            condition("id_card", IsEmpty, None, None),
            condition("city", NotEmpty, None, None),
            condition("vip_level", GreaterThan, Some("2"), None),
            condition("balance", Between, Some("10"), Some("99.50")),
            condition("birthday", LessThan, Some("2000-01-01"), None),
            condition("call_after", Between, Some("09:00"), Some("17:30:00")),
            condition("balance", IsEmpty, None, None),
        ];
        assert_eq!(check_conditions(&fields, &good), Ok(()));
        assert_eq!(check_conditions(&fields, &[]), Ok(()));

        let bad = [
            (condition("colour", Equals, Some("red"), None), "no field"),
            (condition("name", GreaterThan, Some("A"), None), "TEXT field does not take GREATER_THAN"),
            (condition("phone", Between, Some("1"), Some("2")), "does not take BETWEEN"),
            (condition("vip_level", Contains, Some("2"), None), "NUMBER field does not take CONTAINS"),
            (condition("birthday", StartsWith, Some("19"), None), "does not take STARTS_WITH"),
            (condition("name", Equals, None, None), "needs a value"),
            (condition("name", Equals, Some("  "), None), "needs a value"),
            (condition("balance", Between, Some("1"), None), "second value"),
            (condition("vip_level", Equals, Some("two"), None), "not a number"),
            (condition("balance", LessThan, Some("NaN"), None), "not a number"),
            (condition("birthday", Equals, Some("2026-02-30"), None), "not a date"),
            (condition("birthday", Between, Some("2026-01-01"), Some("soon")), "not a date"),
            (condition("call_after", Equals, Some("25:00"), None), "not a time"),
        ];
        for (condition, message) in bad {
            let refused = check_conditions(&fields, std::slice::from_ref(&condition)).unwrap_err();
            assert_eq!(refused.code, "customer.invalid_query", "{condition:?}");
            assert!(refused.message.contains(message), "{condition:?}: {refused}");
        }
        let too_many = vec![condition("name", NotEmpty, None, None); MAX_CONDITIONS + 1];
        assert_eq!(check_conditions(&fields, &too_many).unwrap_err().code, "customer.invalid_query");
    }

    #[test]
    fn sort_fields_and_field_types_know_the_built_in_fields() {
        let fields = tenant_fields();
        assert_eq!(check_sort_field(&fields, "name"), Ok(()));
        assert_eq!(check_sort_field(&fields, "balance"), Ok(()));
        assert_eq!(check_sort_field(&fields, "colour").unwrap_err().code, "customer.invalid_query");
        let types = field_types(&fields);
        assert_eq!(types["name"], FieldType::Text);
        assert_eq!(types["gender"], FieldType::Gender);
        assert_eq!(types["phone"], FieldType::Phone);
        assert_eq!(types["balance"], FieldType::Money);
        assert_eq!(types.len(), 9);
    }
}
