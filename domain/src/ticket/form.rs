//! The server's view of a ticket type's form: the fields of a bpmn.io form-js schema, and the
//! checks of submitted values against them.
//!
//! The browser renders and validates the form with form-js; the server reads the same schema
//! so that it never trusts the browser: required fields, types, lengths, ranges and choices
//! are checked again here, together with what the current workflow step lets a user edit.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{DomainError, FieldError};

/// The most fields one form may hold.
pub const MAX_FIELDS: usize = 200;
/// How deep groups may nest in a schema (a bound on the recursion, not a product rule).
const MAX_NESTING: usize = 16;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormField {
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    pub required: bool,
    pub min_length: Option<u32>,
    pub max_length: Option<u32>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Stored but not evaluated here: the domain has no regex engine (and must not get one
    /// just for this); the browser enforces it. A known gap: a hand-made request can bypass it.
    pub pattern: Option<String>,
    /// The static `values` of radio, select, checklist and taglist components.
    pub options: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Number,
    Boolean,
    Choice,
    MultiChoice,
    DateTime,
    /// A dynamic list: an array of row objects.
    Table,
    /// A component type this build does not know: any JSON value.
    Other,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FormSpec {
    pub fields: Vec<FormField>,
}

/// What a workflow step lets its user do with one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldAccess {
    Hidden,
    ReadOnly,
    Editable,
    Required,
}

impl FieldAccess {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "hidden" => Some(Self::Hidden),
            "readonly" => Some(Self::ReadOnly),
            "editable" => Some(Self::Editable),
            "required" => Some(Self::Required),
            _ => None,
        }
    }
}

/// Component types that only lay the form out and hold no value.
const LAYOUT: [&str; 7] = ["text", "html", "spacer", "separator", "button", "image", "iframe"];

fn invalid(message: impl Into<String>) -> DomainError {
    DomainError::new("ticket_type.invalid_form", message)
}

/// `^[A-Za-z_][A-Za-z0-9_.]{0,63}$`, by hand: the domain has no regex crate.
pub fn is_valid_key(key: &str) -> bool {
    let mut chars = key.chars();
    match chars.next() {
        Some(first) if first.is_ascii_alphabetic() || first == '_' => {}
        _ => return false,
    }
    key.len() <= 64 && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

impl FormSpec {
    pub fn from_form_js(schema: &Value) -> Result<FormSpec, DomainError> {
        let object = schema.as_object().ok_or_else(|| invalid("the form schema is not a JSON object"))?;
        let components = object
            .get("components")
            .and_then(Value::as_array)
            .ok_or_else(|| invalid("the form schema has no components array"))?;
        let mut spec = FormSpec::default();
        collect(components, &mut spec, 0)?;
        Ok(spec)
    }

    pub fn field(&self, key: &str) -> Option<&FormField> {
        self.fields.iter().find(|field| field.key == key)
    }
}

fn collect(components: &[Value], spec: &mut FormSpec, depth: usize) -> Result<(), DomainError> {
    if depth > MAX_NESTING {
        return Err(invalid(format!("groups nest deeper than {MAX_NESTING} levels")));
    }
    for (index, component) in components.iter().enumerate() {
        let object = component.as_object().ok_or_else(|| invalid(format!("component {index} is not an object")))?;
        let kind_name = object.get("type").and_then(Value::as_str).unwrap_or_default();
        if LAYOUT.contains(&kind_name) {
            continue;
        }
        if kind_name == "group" {
            if let Some(children) = object.get("components").and_then(Value::as_array) {
                collect(children, spec, depth + 1)?;
            }
            continue;
        }
        // A dynamic list's values live under its `path`, as rows; its own components are columns.
        let key_attribute = if kind_name == "dynamiclist" { "path" } else { "key" };
        let key = match object.get(key_attribute).and_then(Value::as_str) {
            Some(key) => key,
            None if matches!(
                kind_name,
                "textfield"
                    | "textarea"
                    | "number"
                    | "checkbox"
                    | "checklist"
                    | "radio"
                    | "select"
                    | "taglist"
                    | "datetime"
                    | "dynamiclist"
            ) =>
            {
                return Err(invalid(format!("component {index} ({kind_name}) has no {key_attribute}")));
            }
            None => continue,
        };
        if !is_valid_key(key) {
            return Err(invalid(format!("field key {key:?} is not a valid key")));
        }
        if spec.field(key).is_some() {
            return Err(invalid(format!("field key {key:?} is used twice")));
        }
        if spec.fields.len() == MAX_FIELDS {
            return Err(invalid(format!("a form holds at most {MAX_FIELDS} fields")));
        }
        spec.fields.push(field(key, kind_name, object));
    }
    Ok(())
}

fn field(key: &str, kind_name: &str, object: &Map<String, Value>) -> FormField {
    let kind = match kind_name {
        "textfield" | "textarea" => FieldKind::Text,
        "number" => FieldKind::Number,
        "checkbox" => FieldKind::Boolean,
        "radio" | "select" => FieldKind::Choice,
        "checklist" | "taglist" => FieldKind::MultiChoice,
        "datetime" => FieldKind::DateTime,
        "dynamiclist" => FieldKind::Table,
        _ => FieldKind::Other,
    };
    let empty = Map::new();
    let validate = object.get("validate").and_then(Value::as_object).unwrap_or(&empty);
    let length = |name: &str| validate.get(name).and_then(Value::as_u64).map(|n| n.min(u64::from(u32::MAX)) as u32);
    let options = object
        .get("values")
        .and_then(Value::as_array)
        .map(|values| values.iter().filter_map(|option| option.get("value")).map(option_text).collect())
        .unwrap_or_default();
    FormField {
        key: key.to_owned(),
        label: object.get("label").and_then(Value::as_str).unwrap_or(key).to_owned(),
        kind,
        required: validate.get("required").and_then(Value::as_bool).unwrap_or(false),
        min_length: length("minLength"),
        max_length: length("maxLength"),
        min: validate.get("min").and_then(Value::as_f64),
        max: validate.get("max").and_then(Value::as_f64),
        pattern: validate.get("pattern").and_then(Value::as_str).map(str::to_owned),
        options,
    }
}

/// An option's value as text: form-js allows non-string option values.
fn option_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => text.trim().is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(entries) => entries.is_empty(),
        _ => false,
    }
}

/// Checks submitted `values` against the form and the access each field has at this step.
/// Returns every problem found (empty when the values are fine).
pub fn validate_values(
    spec: &FormSpec,
    values: &Map<String, Value>,
    access: &dyn Fn(&str) -> FieldAccess,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for field in &spec.fields {
        let key = field.key.as_str();
        let value = values.get(key);
        let access = access(key);
        let present = value.is_some_and(|value| !is_empty(value));
        match access {
            FieldAccess::Hidden | FieldAccess::ReadOnly => {
                if value.is_some() {
                    errors.push(FieldError::new(key, "not editable here"));
                }
                continue;
            }
            FieldAccess::Required if !present => {
                errors.push(FieldError::new(key, "required"));
                continue;
            }
            FieldAccess::Editable if field.required && !present => {
                errors.push(FieldError::new(key, "required"));
                continue;
            }
            _ => {}
        }
        if let Some(value) = value.filter(|value| !value.is_null())
            && let Err(message) = check_type(field, value)
        {
            errors.push(FieldError::new(key, message));
        }
    }
    for key in values.keys() {
        if spec.field(key).is_none() {
            errors.push(FieldError::new(key, "unknown field"));
        }
    }
    errors
}

/// Checks values the type's rules calculated or a service task's answer set: each must be a
/// field of the form and fit it; access and `required` do not apply (no person set them).
pub fn check_computed(spec: &FormSpec, values: &Map<String, Value>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (key, value) in values {
        match spec.field(key) {
            None => errors.push(FieldError::new(key, "a calculated value for a field the form does not have")),
            Some(field) => {
                if let Some(message) =
                    Some(value).filter(|value| !value.is_null()).and_then(|value| check_type(field, value).err())
                {
                    errors.push(FieldError::new(key, format!("a calculated value that does not fit: {message}")));
                }
            }
        }
    }
    errors
}

/// The compiled program of a pattern may use at most this much memory.
const PATTERN_SIZE_LIMIT: usize = 256 * 1024;

/// A field's `validate.pattern` as the server runs it: the regex crate's syntax, which reads
/// the patterns forms use (classes, anchors, repetition) as JavaScript does, but not
/// look-around or back-references.
pub fn pattern_regex(pattern: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(pattern).size_limit(PATTERN_SIZE_LIMIT).build().map_err(|error| error.to_string())
}

fn check_type(field: &FormField, value: &Value) -> Result<(), String> {
    let in_options = |text: &str| field.options.is_empty() || field.options.iter().any(|option| option == text);
    match field.kind {
        FieldKind::Text => {
            let text = value.as_str().ok_or("must be text")?;
            let chars = text.chars().count();
            if let Some(min) = field.min_length
                && chars < min as usize
            {
                return Err(format!("must be at least {min} characters"));
            }
            if let Some(max) = field.max_length
                && chars > max as usize
            {
                return Err(format!("must be at most {max} characters"));
            }
            // As form-js does: anywhere in the text, and not on an empty one. A pattern this
            // build cannot read (saved before patterns were checked) is left to the browser.
            if let Some(pattern) = field.pattern.as_deref()
                && !text.is_empty()
                && let Ok(regex) = pattern_regex(pattern)
                && !regex.is_match(text)
            {
                return Err(format!("must match the pattern {pattern}"));
            }
        }
        FieldKind::Number => {
            let number = value.as_f64().ok_or("must be a number")?;
            if let Some(min) = field.min
                && number < min
            {
                return Err(format!("must be at least {min}"));
            }
            if let Some(max) = field.max
                && number > max
            {
                return Err(format!("must be at most {max}"));
            }
        }
        FieldKind::Boolean => {
            value.as_bool().ok_or("must be true or false")?;
        }
        FieldKind::Choice => {
            let text = value.as_str().ok_or("must be one of the options")?;
            if !in_options(text) {
                return Err(format!("{text:?} is not one of the options"));
            }
        }
        FieldKind::MultiChoice => {
            let items = value.as_array().ok_or("must be a list of options")?;
            for item in items {
                let text = item.as_str().ok_or("must be a list of options")?;
                if !in_options(text) {
                    return Err(format!("{text:?} is not one of the options"));
                }
            }
        }
        FieldKind::DateTime => {
            value.as_str().ok_or("must be a date or time")?;
        }
        FieldKind::Table => {
            let rows = value.as_array().ok_or("must be a list of rows")?;
            if !rows.iter().all(Value::is_object) {
                return Err("every row must be an object".into());
            }
        }
        FieldKind::Other => {}
    }
    Ok(())
}
