//! Data dictionary: typed code lists per tenant (priorities, call reasons, regions, ...),
//! used by forms and reports.
//!
//! One stream per dictionary, `dictionary-<id>`, where the id is UUIDv5 of (tenant, code
//! lower-cased): a code is unique per tenant without a read model on the write path, since
//! the second `CreateDictionary` finds the stream taken. `SetEntries` replaces the whole
//! list, so a list is never seen half-edited.
//!
//! The value type says what an entry's code holds: `text` codes are identifiers
//! (letters, digits, `_`, `-`, `.`), `number` codes are decimal numbers, `boolean` codes
//! are `true` or `false`. Forms store the code; people see the label.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::{Decider, DomainError, DomainEvent, StreamId, UpcastError};

pub const CONTEXT: &str = "dictionary";

pub const DICTIONARY_CREATED: &str = "hotline.dictionary.created";
pub const ENTRIES_SET: &str = "hotline.dictionary.entries_set";

/// The most entries one dictionary holds.
pub const MAX_ENTRIES: usize = 500;
pub const MAX_CODE_CHARS: usize = 64;
pub const MAX_NAME_CHARS: usize = 120;
pub const MAX_LABEL_CHARS: usize = 200;

/// The id of the dictionary with this code in this tenant (codes are unique ignoring case).
pub fn dictionary_id_for_code(tenant_id: Uuid, code: &str) -> Uuid {
    Uuid::new_v5(&tenant_id, format!("dictionary:{}", code.to_lowercase()).as_bytes())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    Text,
    Number,
    Boolean,
}

impl ValueType {
    pub const ALL: [ValueType; 3] = [ValueType::Text, ValueType::Number, ValueType::Boolean];

    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::Text => "text",
            ValueType::Number => "number",
            ValueType::Boolean => "boolean",
        }
    }

    pub fn parse(text: &str) -> Option<ValueType> {
        ValueType::ALL.into_iter().find(|value_type| value_type.as_str() == text)
    }

    /// The key two entry codes clash on: text ignoring case, numbers by value.
    fn entry_key(self, code: &str) -> Option<String> {
        match self {
            ValueType::Text => is_identifier(code).then(|| code.to_lowercase()),
            ValueType::Number => {
                let is_decimal = !code.is_empty()
                    && code.len() <= 32
                    && code.bytes().all(|byte| byte.is_ascii_digit() || b"+-.eE".contains(&byte));
                let number: f64 = if is_decimal { code.parse().ok()? } else { return None };
                // -0 and 0 are one value; `{}` of an f64 is its shortest exact form.
                number.is_finite().then(|| format!("{}", if number == 0.0 { 0.0 } else { number }))
            }
            ValueType::Boolean => matches!(code, "true" | "false").then(|| code.to_owned()),
        }
    }
}

/// An identifier: starts with a letter; letters, digits, `_`, `-`, `.`; 1 to 64 characters.
fn is_identifier(code: &str) -> bool {
    code.len() <= MAX_CODE_CHARS
        && code.starts_with(|first: char| first.is_ascii_alphabetic())
        && code.bytes().all(|byte| byte.is_ascii_alphanumeric() || b"_-.".contains(&byte))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DictionaryEntry {
    pub code: String,
    pub label: String,
    /// Lists show entries by this, then by code.
    pub sort_order: i32,
    /// A disabled entry stays readable on old records but is not offered for new ones.
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DictionaryCommand {
    CreateDictionary {
        tenant_id: Uuid,
        code: String,
        name: String,
        value_type: ValueType,
    },
    /// Replaces the whole list.
    SetEntries {
        dictionary_id: Uuid,
        entries: Vec<DictionaryEntry>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DictionaryEvent {
    DictionaryCreated(DictionaryCreated),
    EntriesSet(EntriesSet),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DictionaryCreated {
    pub dictionary_id: Uuid,
    pub code: String,
    pub name: String,
    pub value_type: ValueType,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntriesSet {
    pub dictionary_id: Uuid,
    pub entries: Vec<DictionaryEntry>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DictionaryState {
    pub created: Option<DictionaryCreated>,
    pub entries: Vec<DictionaryEntry>,
}

impl DomainEvent for DictionaryEvent {
    fn event_type(&self) -> &'static str {
        match self {
            DictionaryEvent::DictionaryCreated(_) => DICTIONARY_CREATED,
            DictionaryEvent::EntriesSet(_) => ENTRIES_SET,
        }
    }

    fn schema_version(&self) -> u32 {
        1
    }

    fn to_payload(&self) -> Value {
        let payload = match self {
            DictionaryEvent::DictionaryCreated(created) => serde_json::to_value(created),
            DictionaryEvent::EntriesSet(set) => serde_json::to_value(set),
        };
        payload.expect("plain struct serialises")
    }

    fn from_stored(event_type: &str, schema_version: u32, payload: &Value) -> Result<Self, UpcastError> {
        let bad = |error: serde_json::Error| UpcastError::bad_payload(event_type, schema_version, error);
        match (event_type, schema_version) {
            (DICTIONARY_CREATED, 1) => {
                serde_json::from_value(payload.clone()).map(DictionaryEvent::DictionaryCreated).map_err(bad)
            }
            (ENTRIES_SET, 1) => serde_json::from_value(payload.clone()).map(DictionaryEvent::EntriesSet).map_err(bad),
            (DICTIONARY_CREATED | ENTRIES_SET, _) => {
                Err(UpcastError::UnknownVersion { event_type: event_type.to_owned(), schema_version })
            }
            _ => Err(UpcastError::UnknownType(event_type.to_owned())),
        }
    }
}

fn validate_text(field: &str, value: &str, max: usize, code: &'static str) -> Result<(), DomainError> {
    if value.trim().is_empty() || value.trim() != value || value.chars().count() > max {
        return Err(DomainError::new(
            code,
            format!("{field} must be 1 to {max} characters with no leading or trailing spaces"),
        ));
    }
    Ok(())
}

fn validate_entries(value_type: ValueType, entries: &[DictionaryEntry]) -> Result<(), DomainError> {
    if entries.len() > MAX_ENTRIES {
        return Err(DomainError::new(
            "dictionary.too_many_entries",
            format!("a dictionary holds at most {MAX_ENTRIES} entries, not {}", entries.len()),
        ));
    }
    let mut seen = HashSet::with_capacity(entries.len());
    for entry in entries {
        let Some(key) = value_type.entry_key(&entry.code) else {
            let expected = match value_type {
                ValueType::Text => "1 to 64 letters, digits, '_', '-' or '.', starting with a letter",
                ValueType::Number => "a decimal number",
                ValueType::Boolean => "true or false",
            };
            return Err(DomainError::new(
                "dictionary.invalid_entry_code",
                format!("entry code {:?} is not {expected}", entry.code),
            ));
        };
        if !seen.insert(key) {
            return Err(DomainError::new(
                "dictionary.duplicate_entry_code",
                format!("entry code {:?} appears twice in the list", entry.code),
            ));
        }
        validate_text(
            &format!("the label of entry {:?}", entry.code),
            &entry.label,
            MAX_LABEL_CHARS,
            "dictionary.invalid_entry_label",
        )?;
    }
    Ok(())
}

pub struct Dictionary;

impl Decider for Dictionary {
    type State = DictionaryState;
    type Command = DictionaryCommand;
    type Event = DictionaryEvent;

    fn stream_id(command: &DictionaryCommand) -> StreamId {
        let dictionary_id = match command {
            DictionaryCommand::CreateDictionary { tenant_id, code, .. } => dictionary_id_for_code(*tenant_id, code),
            DictionaryCommand::SetEntries { dictionary_id, .. } => *dictionary_id,
        };
        StreamId::new(CONTEXT, dictionary_id)
    }

    fn decide(state: &DictionaryState, command: &DictionaryCommand) -> Result<Vec<DictionaryEvent>, DomainError> {
        match command {
            DictionaryCommand::CreateDictionary { tenant_id, code, name, value_type } => {
                if state.created.is_some() {
                    return Err(DomainError::new(
                        "dictionary.code_taken",
                        format!("a dictionary with code {code:?} exists"),
                    ));
                }
                if !is_identifier(code) {
                    return Err(DomainError::new(
                        "dictionary.invalid_code",
                        "a dictionary code is 1 to 64 letters, digits, '_', '-' or '.', starting with a letter",
                    ));
                }
                validate_text("a dictionary name", name, MAX_NAME_CHARS, "dictionary.invalid_name")?;
                Ok(vec![DictionaryEvent::DictionaryCreated(DictionaryCreated {
                    dictionary_id: dictionary_id_for_code(*tenant_id, code),
                    code: code.clone(),
                    name: name.clone(),
                    value_type: *value_type,
                })])
            }
            DictionaryCommand::SetEntries { dictionary_id, entries } => {
                let Some(created) = &state.created else {
                    return Err(DomainError::new("dictionary.not_found", "no such dictionary"));
                };
                validate_entries(created.value_type, entries)?;
                if state.entries == *entries {
                    return Ok(vec![]);
                }
                Ok(vec![DictionaryEvent::EntriesSet(EntriesSet {
                    dictionary_id: *dictionary_id,
                    entries: entries.clone(),
                })])
            }
        }
    }

    fn evolve(mut state: DictionaryState, event: &DictionaryEvent) -> DictionaryState {
        match event {
            DictionaryEvent::DictionaryCreated(created) => state.created = Some(created.clone()),
            DictionaryEvent::EntriesSet(set) => state.entries = set.entries.clone(),
        }
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TENANT: Uuid = Uuid::from_u128(1);

    fn create(code: &str, value_type: ValueType) -> DictionaryCommand {
        DictionaryCommand::CreateDictionary {
            tenant_id: TENANT,
            code: code.into(),
            name: "Call reasons".into(),
            value_type,
        }
    }

    fn entry(code: &str, label: &str) -> DictionaryEntry {
        DictionaryEntry { code: code.into(), label: label.into(), sort_order: 0, enabled: true }
    }

    fn set(code: &str, entries: Vec<DictionaryEntry>) -> DictionaryCommand {
        DictionaryCommand::SetEntries { dictionary_id: dictionary_id_for_code(TENANT, code), entries }
    }

    fn given_created(code: &str, value_type: ValueType) -> DictionaryState {
        Dictionary::replay(&Dictionary::decide(&DictionaryState::default(), &create(code, value_type)).unwrap())
    }

    fn refusal(state: &DictionaryState, command: &DictionaryCommand) -> &'static str {
        Dictionary::decide(state, command).expect_err("the command should be refused").code
    }

    #[test]
    fn given_nothing_when_create_then_created_with_id_from_tenant_and_code() {
        let events = Dictionary::decide(&DictionaryState::default(), &create("reasons", ValueType::Text)).unwrap();
        let DictionaryEvent::DictionaryCreated(created) = &events[0] else { panic!("expected DictionaryCreated") };
        assert_eq!(created.dictionary_id, dictionary_id_for_code(TENANT, "REASONS"));
        assert_eq!(Dictionary::stream_id(&create("Reasons", ValueType::Text)).aggregate_id(), created.dictionary_id);
        assert_ne!(
            dictionary_id_for_code(Uuid::from_u128(2), "reasons"),
            created.dictionary_id,
            "codes are per tenant"
        );
    }

    #[test]
    fn given_created_when_create_again_then_code_taken() {
        let state = given_created("reasons", ValueType::Text);
        assert_eq!(refusal(&state, &create("reasons", ValueType::Number)), "dictionary.code_taken");
    }

    #[test]
    fn refuses_bad_codes_and_names() {
        let nothing = DictionaryState::default();
        for code in ["", "1st", "call reasons", "ü", &"x".repeat(65)] {
            assert_eq!(refusal(&nothing, &create(code, ValueType::Text)), "dictionary.invalid_code", "{code:?}");
        }
        let blank = DictionaryCommand::CreateDictionary {
            tenant_id: TENANT,
            code: "reasons".into(),
            name: " ".into(),
            value_type: ValueType::Text,
        };
        assert_eq!(refusal(&nothing, &blank), "dictionary.invalid_name");
    }

    #[test]
    fn given_created_when_set_entries_then_entries_set_and_same_list_again_appends_nothing() {
        let state = given_created("reasons", ValueType::Text);
        let entries = vec![entry("billing", "Billing question"), entry("outage", "Service outage")];
        let events = Dictionary::decide(&state, &set("reasons", entries.clone())).unwrap();
        assert_eq!(
            events,
            [DictionaryEvent::EntriesSet(EntriesSet {
                dictionary_id: dictionary_id_for_code(TENANT, "reasons"),
                entries: entries.clone()
            })]
        );
        let state = events.iter().fold(state, Dictionary::evolve);
        assert_eq!(Dictionary::decide(&state, &set("reasons", entries)).unwrap(), []);
        assert_eq!(Dictionary::decide(&state, &set("reasons", vec![])).unwrap().len(), 1, "a list can be emptied");
    }

    #[test]
    fn given_nothing_when_set_entries_then_not_found() {
        assert_eq!(refusal(&DictionaryState::default(), &set("reasons", vec![])), "dictionary.not_found");
    }

    #[test]
    fn entry_codes_are_unique_and_labels_present() {
        let state = given_created("reasons", ValueType::Text);
        let twice = vec![entry("billing", "Billing"), entry("Billing", "Billing again")];
        assert_eq!(refusal(&state, &set("reasons", twice)), "dictionary.duplicate_entry_code");
        assert_eq!(refusal(&state, &set("reasons", vec![entry("billing", "")])), "dictionary.invalid_entry_label");
        assert_eq!(refusal(&state, &set("reasons", vec![entry("billing", " x")])), "dictionary.invalid_entry_label");
        assert_eq!(refusal(&state, &set("reasons", vec![entry("no spaces", "x")])), "dictionary.invalid_entry_code");
    }

    #[test]
    fn at_most_five_hundred_entries() {
        let state = given_created("reasons", ValueType::Text);
        let entries = |count: usize| (0..count).map(|index| entry(&format!("r{index}"), "Reason")).collect::<Vec<_>>();
        assert_eq!(Dictionary::decide(&state, &set("reasons", entries(MAX_ENTRIES))).unwrap().len(), 1);
        assert_eq!(refusal(&state, &set("reasons", entries(MAX_ENTRIES + 1))), "dictionary.too_many_entries");
    }

    #[test]
    fn entry_codes_follow_the_value_type() {
        let numbers = given_created("ratings", ValueType::Number);
        let good = vec![entry("1", "One"), entry("2.5", "Two and a half"), entry("-3", "Minus three")];
        assert_eq!(Dictionary::decide(&numbers, &set("ratings", good)).unwrap().len(), 1);
        for bad in ["one", "", "1,5", "NaN", "inf", "1e999"] {
            let refused = refusal(&numbers, &set("ratings", vec![entry(bad, "x")]));
            assert_eq!(refused, "dictionary.invalid_entry_code", "{bad:?}");
        }
        let same_value = vec![entry("1", "One"), entry("1.0", "One again")];
        assert_eq!(refusal(&numbers, &set("ratings", same_value)), "dictionary.duplicate_entry_code");
        let zeros = vec![entry("0", "Zero"), entry("-0", "Minus zero")];
        assert_eq!(refusal(&numbers, &set("ratings", zeros)), "dictionary.duplicate_entry_code");

        let flags = given_created("flags", ValueType::Boolean);
        let yes_no = vec![entry("true", "Yes"), entry("false", "No")];
        assert_eq!(Dictionary::decide(&flags, &set("flags", yes_no)).unwrap().len(), 1);
        assert_eq!(refusal(&flags, &set("flags", vec![entry("yes", "Yes")])), "dictionary.invalid_entry_code");
    }

    #[test]
    fn stored_events_round_trip_and_unknown_ones_are_refused() {
        let state = given_created("reasons", ValueType::Text);
        let mut events = Dictionary::decide(&DictionaryState::default(), &create("reasons", ValueType::Text)).unwrap();
        events.extend(Dictionary::decide(&state, &set("reasons", vec![entry("billing", "Billing")])).unwrap());
        for event in &events {
            assert_eq!(&DictionaryEvent::from_stored(event.event_type(), 1, &event.to_payload()).unwrap(), event);
        }
        assert_eq!(events[0].to_payload()["value_type"], "text");
        assert!(matches!(
            DictionaryEvent::from_stored(ENTRIES_SET, 2, &events[1].to_payload()),
            Err(UpcastError::UnknownVersion { .. })
        ));
        assert!(matches!(
            DictionaryEvent::from_stored("hotline.dictionary.nope", 1, &Value::Null),
            Err(UpcastError::UnknownType(_))
        ));
    }
}
