//! A tenant's customer fields, and the rules a profile's values follow.
//!
//! Three fields are built in (`name`, `gender`, `phone`); a tenant adds its own. A value is
//! text in the profile (a number `12.5`, money `12.50`, a date `2026-11-26`, a time `09:30`,
//! a phone `+86 138 0013 8000`, an ID-card number); [`validate_values`] checks and normalises
//! it, and lists every bad field, so an import can report a row's problems all at once.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::{Decider, DomainError, DomainEvent, StreamId, UpcastError, read_payload};

pub const CONTEXT: &str = "customer_fields";
pub const FIELDS_DEFINED: &str = "hotline.customer_fields.defined";

/// The most fields a tenant defines (besides the built-in ones).
pub const MAX_FIELDS: usize = 200;
pub const GENDERS: [&str; 3] = ["male", "female", "unknown"];
const MAX_TEXT_CHARS: usize = 2000;

pub fn fields_stream_id(tenant_id: Uuid) -> StreamId {
    StreamId::new(CONTEXT, tenant_id)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Number,
    Money,
    Date,
    Time,
    Phone,
    IdCard,
    /// One of [`GENDERS`] (the built-in `gender` field).
    Gender,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDefinition {
    /// `[a-z][a-z0-9_]*`, at most 40 characters; never changes meaning once used.
    pub key: String,
    pub label: String,
    pub field_type: FieldType,
    pub required: bool,
    /// For text: the most characters.
    pub max_length: Option<u32>,
    /// A disabled field keeps its values but is not offered on forms.
    pub enabled: bool,
    pub sort_order: i32,
}

fn built_in(key: &str, label: &str, field_type: FieldType, required: bool, sort_order: i32) -> FieldDefinition {
    FieldDefinition {
        key: key.to_owned(),
        label: label.to_owned(),
        field_type,
        required,
        max_length: (field_type == FieldType::Text).then_some(100),
        enabled: true,
        sort_order,
    }
}

/// The fields every tenant has, before its own.
pub static BUILT_IN_FIELDS: std::sync::LazyLock<[FieldDefinition; 3]> = std::sync::LazyLock::new(|| {
    [
        built_in("name", "Name", FieldType::Text, true, -3),
        built_in("gender", "Gender", FieldType::Gender, false, -2),
        built_in("phone", "Phone", FieldType::Phone, false, -1),
    ]
});

pub use crate::decider::FieldError;

fn error(field: &str, message: impl Into<String>) -> FieldError {
    FieldError { field: field.to_owned(), message: message.into() }
}

/// Checks the ID-card number of the PRC (GB 11643-1999): 18 characters, the last a check
/// character over the first 17 digits (mod 11, `X` for 10), with a real birth date.
pub fn validate_id_card(text: &str) -> Result<String, String> {
    let normalised = text.trim().to_ascii_uppercase();
    let bytes = normalised.as_bytes();
    if bytes.len() != 18 || !bytes[..17].iter().all(u8::is_ascii_digit) {
        return Err("an ID-card number is 17 digits and a check digit or X".into());
    }
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let sum: u32 = bytes[..17].iter().zip(WEIGHTS).map(|(digit, weight)| u32::from(digit - b'0') * weight).sum();
    if bytes[17] != CHECK[(sum % 11) as usize] {
        return Err("the ID-card number's check digit is wrong".into());
    }
    if NaiveDate::parse_from_str(&normalised[6..14], "%Y%m%d").is_err() {
        return Err("the ID-card number's birth date is not a date".into());
    }
    Ok(normalised)
}

fn validate_value(field: &FieldDefinition, raw: &str) -> Result<String, String> {
    let value = raw.trim();
    match field.field_type {
        FieldType::Text => {
            let limit = field.max_length.map_or(MAX_TEXT_CHARS, |max| max as usize).min(MAX_TEXT_CHARS);
            if value.chars().count() > limit {
                return Err(format!("at most {limit} characters"));
            }
            Ok(value.to_owned())
        }
        FieldType::Number => {
            let number: f64 = value.parse().map_err(|_| "not a number".to_owned())?;
            if !number.is_finite() {
                return Err("not a number".into());
            }
            Ok(value.to_owned())
        }
        FieldType::Money => {
            let (whole, cents) = value.split_once('.').unwrap_or((value, ""));
            let whole_digits = whole.strip_prefix('-').unwrap_or(whole);
            let valid = !whole_digits.is_empty()
                && whole_digits.len() <= 15
                && whole_digits.bytes().all(|byte| byte.is_ascii_digit())
                && cents.len() <= 2
                && cents.bytes().all(|byte| byte.is_ascii_digit());
            if !valid {
                return Err("an amount with at most two decimals, like 1234.50".into());
            }
            Ok(format!("{whole}.{cents:0<2}"))
        }
        FieldType::Date => NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .map(|date| date.format("%Y-%m-%d").to_string())
            .map_err(|_| "a date like 2026-11-26".to_owned()),
        FieldType::Time => NaiveTime::parse_from_str(value, "%H:%M:%S")
            .or_else(|_| NaiveTime::parse_from_str(value, "%H:%M"))
            .map(|time| time.format("%H:%M:%S").to_string())
            .map_err(|_| "a time like 09:30".to_owned()),
        FieldType::Phone => {
            let digits = value.bytes().filter(u8::is_ascii_digit).count();
            let allowed = value.bytes().all(|byte| byte.is_ascii_digit() || b"+-() ".contains(&byte));
            if !allowed || !(5..=20).contains(&digits) || value[1..].contains('+') {
                return Err("a phone number of 5 to 20 digits (with + - ( ) and spaces)".into());
            }
            Ok(value.to_owned())
        }
        FieldType::IdCard => validate_id_card(value),
        FieldType::Gender => {
            let gender = value.to_ascii_lowercase();
            if GENDERS.contains(&gender.as_str()) { Ok(gender) } else { Err(format!("one of {}", GENDERS.join(", "))) }
        }
    }
}

/// Checks `values` against the built-in and the given fields; returns them normalised, empty
/// values left out, or every field's problem.
pub fn validate_values(
    fields: &[FieldDefinition],
    values: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, Vec<FieldError>> {
    let all: Vec<&FieldDefinition> = BUILT_IN_FIELDS.iter().chain(fields).collect();
    let mut errors = Vec::new();
    let mut normalised = BTreeMap::new();
    for key in values.keys() {
        if !all.iter().any(|field| field.key == *key) {
            errors.push(error(key, "no such field"));
        }
    }
    for field in all {
        match values.get(&field.key).map(|value| value.trim()).filter(|value| !value.is_empty()) {
            None if field.required && field.enabled => errors.push(error(&field.key, "required")),
            None => {}
            Some(value) => match validate_value(field, value) {
                Ok(value) => {
                    normalised.insert(field.key.clone(), value);
                }
                Err(message) => errors.push(error(&field.key, message)),
            },
        }
    }
    if errors.is_empty() { Ok(normalised) } else { Err(errors) }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefineFields {
    pub tenant_id: Uuid,
    /// The whole list of the tenant's own fields.
    pub fields: Vec<FieldDefinition>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldsDefined {
    pub fields: Vec<FieldDefinition>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldsState {
    pub fields: Vec<FieldDefinition>,
    /// Every key ever defined, with its type: a key keeps its meaning even once removed.
    pub types_ever: BTreeMap<String, FieldType>,
}

impl DomainEvent for FieldsDefined {
    fn event_type(&self) -> &'static str {
        FIELDS_DEFINED
    }

    fn schema_version(&self) -> u32 {
        1
    }

    fn to_payload(&self) -> Value {
        serde_json::to_value(self).expect("plain struct serialises")
    }

    fn from_stored(event_type: &str, schema_version: u32, payload: &Value) -> Result<Self, UpcastError> {
        UpcastError::check_first_version(&[FIELDS_DEFINED], event_type, schema_version)?;
        read_payload(event_type, 1, payload, |defined| defined)
    }
}

fn invalid_fields(message: impl Into<String>) -> DomainError {
    DomainError::new("customer_fields.invalid", message)
}

fn check_definitions(state: &FieldsState, fields: &[FieldDefinition]) -> Result<(), DomainError> {
    if fields.len() > MAX_FIELDS {
        return Err(invalid_fields(format!("at most {MAX_FIELDS} fields")));
    }
    let mut keys = BTreeSet::new();
    for field in fields {
        let key = field.key.as_str();
        let well_formed = key.len() <= 40
            && key.starts_with(|first: char| first.is_ascii_lowercase())
            && key.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_');
        if !well_formed {
            return Err(invalid_fields(format!("field key {key:?}: lowercase letters, digits and _, at most 40")));
        }
        if BUILT_IN_FIELDS.iter().any(|built_in| built_in.key == key) {
            return Err(invalid_fields(format!("{key} is a built-in field")));
        }
        if !keys.insert(key) {
            return Err(invalid_fields(format!("the key {key} is used twice")));
        }
        let label = field.label.trim();
        if label.is_empty() || label != field.label || label.chars().count() > 60 {
            return Err(invalid_fields(format!("field {key}: a label is 1 to 60 characters")));
        }
        if field.field_type == FieldType::Gender {
            return Err(invalid_fields("only the built-in gender field has the gender type"));
        }
        if field.max_length.is_some_and(|max| max == 0 || max as usize > MAX_TEXT_CHARS) {
            return Err(invalid_fields(format!("field {key}: a length is 1 to {MAX_TEXT_CHARS}")));
        }
        if let Some(before) = state.types_ever.get(key)
            && *before != field.field_type
        {
            return Err(DomainError::new(
                "customer_fields.type_changed",
                format!("field {key} was {before:?}; stored values keep that meaning, so use a new key"),
            ));
        }
    }
    Ok(())
}

pub struct CustomerFields;

impl Decider for CustomerFields {
    type State = FieldsState;
    type Command = DefineFields;
    type Event = FieldsDefined;

    fn stream_id(command: &DefineFields) -> StreamId {
        fields_stream_id(command.tenant_id)
    }

    fn decide(state: &FieldsState, command: &DefineFields) -> Result<Vec<FieldsDefined>, DomainError> {
        check_definitions(state, &command.fields)?;
        if state.fields == command.fields {
            return Ok(vec![]);
        }
        Ok(vec![FieldsDefined { fields: command.fields.clone() }])
    }

    fn evolve(mut state: FieldsState, event: &FieldsDefined) -> FieldsState {
        for field in &event.fields {
            state.types_ever.insert(field.key.clone(), field.field_type);
        }
        state.fields = event.fields.clone();
        state
    }
}
