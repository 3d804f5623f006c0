//! The server's view of a ticket type's form: the fields of a bpmn.io form-js schema, and the
//! checks of submitted values against them.
//!
//! The browser renders and validates the form with form-js; the server reads the same schema
//! so that it never trusts the browser: required fields, types, lengths, ranges and choices
//! are checked again here, together with what the current workflow step lets a user edit.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::role_forms::{RoleForms, parse_role_forms};
use crate::customer::{Condition, ConditionOp, MAX_CONDITIONS};
use crate::dictionary::MAX_CODE_CHARS;
use crate::{DomainError, FieldError};

/// The most fields one form may hold.
pub const MAX_FIELDS: usize = 200;
/// The most values one multiple picker (or upload) may hold.
pub const MAX_PICKED: usize = 100;
/// The most nodes one tree select may offer.
pub const MAX_TREE_NODES: usize = 5000;
/// The most customer fields a query field shows beside each customer's name.
pub const MAX_QUERY_COLUMNS: usize = 8;
/// The longest file name an upload value may carry.
const MAX_FILE_NAME: usize = 255;
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
    /// The static `values` of radio, select, checklist and taglist components, and every
    /// node's value of a tree select.
    pub options: Vec<String>,
    /// Whether a picker, tree select, query or upload holds several values (a list) or one.
    #[serde(default)]
    pub multiple: bool,
    /// Where a query field's options come from; `None` for the other kinds.
    #[serde(default)]
    pub query: Option<QuerySource>,
    /// A dynamic list's columns: the keys of its components, in order; empty for the other
    /// kinds.
    #[serde(default)]
    pub table_columns: Vec<String>,
}

/// The query a query field (`hotline-query`, SP5's custom query) runs for its options, as its
/// designer configured it: the browser never sends a query of its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum QuerySource {
    /// The enabled entries of the tenant's dictionary with this code; the field holds codes.
    Dictionary { code: String },
    /// The tenant's customers that every condition admits; the field holds customer ids.
    Customers {
        conditions: Vec<Condition>,
        /// Customer field keys shown beside each customer's name.
        columns: Vec<String>,
    },
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
    /// A user of the tenant (`hotline-user`), by id.
    User,
    /// A user group (`hotline-group`): one of the tenant's roles, by id.
    Group,
    /// An organisation unit (`hotline-department`), by id.
    Department,
    /// A node of a static tree (`hotline-tree`), by its value.
    Tree,
    /// Another ticket (`hotline-relation`), by id.
    Relation,
    /// Files (`hotline-upload`): always a list of [`FileValue`]-shaped objects.
    Upload,
    /// A result of the field's [`QuerySource`] (`hotline-query`): an entry's code or a
    /// customer's id.
    Query,
    /// A month (`hotline-month`): `"YYYY-MM"`.
    Month,
    /// A telephone number (`hotline-phone`): see [`is_phone_number`].
    Phone,
    /// Formatted text (`hotline-richtext`): HTML, which the service sanitises before it is kept.
    RichText,
    /// A value the form never shows (`hotline-hidden`): text from its default, the rules or a
    /// step's service.
    Hidden,
    /// A decision (`hotline-approval`): [`Approval`], stamped with who made it and when.
    Approval,
    /// A component type this build does not know: any JSON value.
    Other,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FormSpec {
    pub fields: Vec<FormField>,
    /// What each role may do with each field, on top of what a step allows.
    #[serde(default)]
    pub role_forms: RoleForms,
}

/// What a workflow step (or a role's form) lets its user do with one field; from the least
/// to the most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
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

/// Our own component types (the web app registers them with form-js).
const USER: &str = "hotline-user";
const GROUP: &str = "hotline-group";
const DEPARTMENT: &str = "hotline-department";
const TREE: &str = "hotline-tree";
const RELATION: &str = "hotline-relation";
const UPLOAD: &str = "hotline-upload";
const QUERY: &str = "hotline-query";
const MONTH: &str = "hotline-month";
const PHONE: &str = "hotline-phone";
const RICH_TEXT: &str = "hotline-richtext";
const HIDDEN: &str = "hotline-hidden";
const APPROVAL: &str = "hotline-approval";

/// The longest HTML a rich text field may hold.
pub const MAX_RICH_TEXT_CHARS: usize = 20_000;
/// The longest opinion an approval may carry.
pub const MAX_APPROVAL_COMMENT_CHARS: usize = 2_000;
/// The longest text a hidden field may hold.
const MAX_HIDDEN_CHARS: usize = 2_000;

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
        spec.role_forms = parse_role_forms(schema, &spec)?;
        Ok(spec)
    }

    pub fn field(&self, key: &str) -> Option<&FormField> {
        self.fields.iter().find(|field| field.key == key)
    }
}

/// Where a form schema keeps its optional layout for phones: `{"components": [...]}`, the
/// same data laid out for a small screen (SP5's separate PC and mobile forms).
pub const MOBILE_LAYOUT: &str = "mobileLayout";

/// Checks a schema's mobile layout against its (desktop) form: it is a form of its own whose
/// fields are fields of the form, of the same type, and it holds every field the form
/// requires, so that a phone can always send what the form needs. Values are checked
/// against the form alone: the layout only presents them.
pub fn check_mobile_layout(spec: &FormSpec, schema: &Value) -> Result<(), DomainError> {
    let layout = match schema.get(MOBILE_LAYOUT) {
        None | Some(Value::Null) => return Ok(()),
        Some(layout) => layout,
    };
    let mobile =
        FormSpec::from_form_js(layout).map_err(|error| invalid(format!("the mobile layout: {}", error.message)))?;
    for field in &mobile.fields {
        match spec.field(&field.key) {
            None => {
                return Err(invalid(format!("the mobile layout's field {:?} is not a field of the form", field.key)));
            }
            Some(desktop) if desktop.kind != field.kind => {
                return Err(invalid(format!(
                    "the mobile layout's field {:?} has another type than in the form",
                    field.key
                )));
            }
            Some(_) => {}
        }
    }
    if let Some(missing) = spec.fields.iter().find(|field| field.required && mobile.field(&field.key).is_none()) {
        return Err(invalid(format!("the mobile layout lacks the required field {:?}", missing.key)));
    }
    Ok(())
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
        if kind_name == "filepicker" {
            // form-js's picker keeps the files in the browser: they would never be stored.
            return Err(invalid(format!(
                "component {index} is a file picker, whose files never reach the server: use a file upload field ({UPLOAD})"
            )));
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
                    | USER
                    | GROUP
                    | DEPARTMENT
                    | TREE
                    | RELATION
                    | UPLOAD
                    | QUERY
                    | MONTH
                    | PHONE
                    | RICH_TEXT
                    | HIDDEN
                    | APPROVAL
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
        spec.fields.push(field(key, kind_name, object)?);
    }
    Ok(())
}

fn field(key: &str, kind_name: &str, object: &Map<String, Value>) -> Result<FormField, DomainError> {
    let kind = match kind_name {
        "textfield" | "textarea" => FieldKind::Text,
        "number" => FieldKind::Number,
        "checkbox" => FieldKind::Boolean,
        "radio" | "select" => FieldKind::Choice,
        "checklist" | "taglist" => FieldKind::MultiChoice,
        "datetime" => FieldKind::DateTime,
        "dynamiclist" => FieldKind::Table,
        USER => FieldKind::User,
        GROUP => FieldKind::Group,
        DEPARTMENT => FieldKind::Department,
        TREE => FieldKind::Tree,
        RELATION => FieldKind::Relation,
        UPLOAD => FieldKind::Upload,
        QUERY => FieldKind::Query,
        MONTH => FieldKind::Month,
        PHONE => FieldKind::Phone,
        RICH_TEXT => FieldKind::RichText,
        HIDDEN => FieldKind::Hidden,
        APPROVAL => FieldKind::Approval,
        _ => FieldKind::Other,
    };
    let empty = Map::new();
    let validate = object.get("validate").and_then(Value::as_object).unwrap_or(&empty);
    let length = |name: &str| validate.get(name).and_then(Value::as_u64).map(|n| n.min(u64::from(u32::MAX)) as u32);
    let options = if kind == FieldKind::Tree {
        tree_values(key, object.get("tree"))?
    } else {
        object
            .get("values")
            .and_then(Value::as_array)
            .map(|values| values.iter().filter_map(|option| option.get("value")).map(option_text).collect())
            .unwrap_or_default()
    };
    Ok(FormField {
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
        multiple: object.get("multiple").and_then(Value::as_bool).unwrap_or(false),
        query: if kind == FieldKind::Query { Some(query_source(key, object)?) } else { None },
        table_columns: if kind == FieldKind::Table { column_keys(object) } else { Vec::new() },
    })
}

/// The keys of a dynamic list's components, groups' included.
fn column_keys(object: &Map<String, Value>) -> Vec<String> {
    let mut keys = Vec::new();
    let mut pending: Vec<&Value> = object
        .get("components")
        .and_then(Value::as_array)
        .map(|items| items.iter().rev().collect())
        .unwrap_or_default();
    while let Some(component) = pending.pop() {
        if let Some(key) = component.get("key").and_then(Value::as_str) {
            keys.push(key.to_owned());
        }
        if let Some(children) = component.get("components").and_then(Value::as_array) {
            pending.extend(children.iter().rev());
        }
    }
    keys
}

/// A query field's `source` with what it needs: `dictionary` (a code) for a dictionary,
/// `conditions` and `columns` for customers. Whether the dictionary or the customer fields
/// exist only the tenant's log can say: the service checks that when the form is saved.
fn query_source(key: &str, object: &Map<String, Value>) -> Result<QuerySource, DomainError> {
    match object.get("source").and_then(Value::as_str) {
        Some("dictionary") => {
            let code = object.get("dictionary").and_then(Value::as_str).map(str::trim).unwrap_or_default();
            if code.is_empty() || code.chars().count() > MAX_CODE_CHARS {
                return Err(invalid(format!("the query field {key:?} names no dictionary")));
            }
            Ok(QuerySource::Dictionary { code: code.to_owned() })
        }
        Some("customers") => {
            let conditions = match object.get("conditions") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(items)) if items.len() <= MAX_CONDITIONS => {
                    items.iter().map(|item| query_condition(key, item)).collect::<Result<_, _>>()?
                }
                Some(Value::Array(_)) => {
                    return Err(invalid(format!("the query field {key:?} has more than {MAX_CONDITIONS} conditions")));
                }
                Some(_) => return Err(invalid(format!("the conditions of the query field {key:?} are not a list"))),
            };
            let columns: Vec<String> = match object.get("columns") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|item| item.as_str().map(str::trim).filter(|column| !column.is_empty()).map(str::to_owned))
                    .collect::<Option<_>>()
                    .ok_or_else(|| invalid(format!("the columns of the query field {key:?} are not field keys")))?,
                Some(_) => return Err(invalid(format!("the columns of the query field {key:?} are not a list"))),
            };
            if columns.len() > MAX_QUERY_COLUMNS {
                return Err(invalid(format!("the query field {key:?} shows at most {MAX_QUERY_COLUMNS} columns")));
            }
            Ok(QuerySource::Customers { conditions, columns })
        }
        Some(other) => {
            Err(invalid(format!("the query field {key:?} has an unknown source {other:?} (dictionary or customers)")))
        }
        None => Err(invalid(format!("the query field {key:?} has no source (dictionary or customers)"))),
    }
}

/// One condition of a customer query field: `{field, op, value?, valueTo?}`.
fn query_condition(key: &str, item: &Value) -> Result<Condition, DomainError> {
    let bad = |what: &str| invalid(format!("a condition of the query field {key:?} {what}"));
    let text = |name: &str| match item.get(name) {
        Some(Value::String(text)) => Ok(Some(text.trim().to_owned()).filter(|text| !text.is_empty())),
        Some(Value::Number(number)) => Ok(Some(number.to_string())),
        None | Some(Value::Null) => Ok(None),
        Some(_) => Err(bad(&format!("has a {name} that is not text"))),
    };
    let field = text("field")?.ok_or_else(|| bad("names no field"))?;
    let op = item
        .get("op")
        .and_then(|op| ConditionOp::deserialize(op).ok())
        .ok_or_else(|| bad(&format!("on {field:?} has no known operator")))?;
    let (value, value_to) = (text("value")?, text("valueTo")?);
    let needs_value = !matches!(op, ConditionOp::IsEmpty | ConditionOp::NotEmpty);
    if (needs_value && value.is_none()) || (op == ConditionOp::Between && value_to.is_none()) {
        return Err(bad(&format!("on {field:?} lacks a value to compare with")));
    }
    Ok(Condition { field, op, value, value_to })
}

/// Every node's value of a tree select's `tree` (`[{value, label, children?}]`), depth first.
/// Values must be non-empty text and unique in the tree: they are what the ticket stores.
fn tree_values(key: &str, tree: Option<&Value>) -> Result<Vec<String>, DomainError> {
    fn walk(nodes: &[Value], depth: usize, key: &str, values: &mut Vec<String>) -> Result<(), DomainError> {
        if depth > MAX_NESTING {
            return Err(invalid(format!("the tree of field {key:?} nests deeper than {MAX_NESTING} levels")));
        }
        for node in nodes {
            let value = node.get("value").and_then(Value::as_str).map(str::trim).unwrap_or_default();
            if value.is_empty() {
                return Err(invalid(format!("a node of the tree of field {key:?} has no value")));
            }
            if values.iter().any(|known| known == value) {
                return Err(invalid(format!("the tree of field {key:?} holds the value {value:?} twice")));
            }
            if values.len() == MAX_TREE_NODES {
                return Err(invalid(format!("the tree of field {key:?} has more than {MAX_TREE_NODES} nodes")));
            }
            values.push(value.to_owned());
            if let Some(children) = node.get("children").and_then(Value::as_array) {
                walk(children, depth + 1, key, values)?;
            }
        }
        Ok(())
    }
    let nodes = match tree {
        None | Some(Value::Null) => return Err(invalid(format!("the tree select {key:?} has no tree"))),
        Some(Value::Array(nodes)) if !nodes.is_empty() => nodes,
        Some(_) => return Err(invalid(format!("the tree of field {key:?} is not a list of nodes"))),
    };
    let mut values = Vec::new();
    walk(nodes, 0, key, &mut values)?;
    Ok(values)
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
    validate_with_calculated(spec, values, &Map::new(), access)
}

/// [`validate_values`], where a required field is filled when the rules `computed` a value
/// for it: the browser shows a calculated field locked and does not send it.
pub fn validate_with_calculated(
    spec: &FormSpec,
    values: &Map<String, Value>,
    computed: &Map<String, Value>,
    access: &dyn Fn(&str) -> FieldAccess,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for field in &spec.fields {
        let key = field.key.as_str();
        let value = values.get(key);
        let access = access(key);
        let filled = |value: Option<&Value>| value.is_some_and(|value| !is_empty(value));
        let present = filled(value) || filled(computed.get(key));
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
        FieldKind::User | FieldKind::Group | FieldKind::Department | FieldKind::Relation => {
            for item in picked(field, value)? {
                item.as_str().and_then(|text| Uuid::parse_str(text).ok()).ok_or("must be an id")?;
            }
        }
        FieldKind::Tree => {
            for item in picked(field, value)? {
                let text = item.as_str().ok_or("must be one of the tree's nodes")?;
                if !in_options(text) {
                    return Err(format!("{text:?} is not a node of the tree"));
                }
            }
        }
        FieldKind::Query => {
            let by_id = matches!(field.query, Some(QuerySource::Customers { .. }));
            for item in picked(field, value)? {
                let text = item.as_str().ok_or("must be one of the query's results")?;
                if by_id {
                    Uuid::parse_str(text).map_err(|_| "must be a customer's id")?;
                } else if text.trim().is_empty() || text.chars().count() > MAX_CODE_CHARS {
                    return Err("must be an entry's code".into());
                }
            }
        }
        FieldKind::Upload => {
            let files = value.as_array().ok_or("must be a list of files")?;
            check_count(field, files.len())?;
            for file in files {
                file_value(file)?;
            }
        }
        FieldKind::Month => {
            value.as_str().filter(|text| is_month(text)).ok_or("must be a month, as YYYY-MM")?;
        }
        FieldKind::Phone => {
            value.as_str().filter(|text| is_phone_number(text)).ok_or("must be a telephone number")?;
        }
        FieldKind::RichText => {
            let html = value.as_str().ok_or("must be formatted text")?;
            if html.chars().count() > MAX_RICH_TEXT_CHARS {
                return Err(format!("must be at most {MAX_RICH_TEXT_CHARS} characters of formatted text"));
            }
        }
        FieldKind::Hidden => {
            let text = value.as_str().ok_or("must be text")?;
            if text.chars().count() > MAX_HIDDEN_CHARS {
                return Err(format!("must be at most {MAX_HIDDEN_CHARS} characters"));
            }
        }
        FieldKind::Approval => {
            Approval::read(value)?;
        }
        FieldKind::Other => {}
    }
    Ok(())
}

/// `YYYY-MM` with a month from 01 to 12.
fn is_month(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 7
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && matches!((bytes[5], bytes[6]), (b'0', b'1'..=b'9') | (b'1', b'0'..=b'2'))
}

/// A telephone number as people write it: an optional `+`, then 3 to 20 digits, with spaces,
/// hyphens, dots and parentheses between them as they like (`021-5550 1234`,
/// `+86 138 0013 8000`). Local and international numbers alike: a contact centre takes both.
pub fn is_phone_number(text: &str) -> bool {
    let mut digits = 0;
    for (index, c) in text.trim().chars().enumerate() {
        match c {
            '0'..='9' => digits += 1,
            '+' if index == 0 => {}
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return false,
        }
    }
    (3..=20).contains(&digits)
}

/// What an approval field holds: the decision and its opinion, and who made it and when,
/// which the ticket adds itself ([`stamp_approvals`]): the browser sends the first two.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub decision: Decision,
    #[serde(default)]
    pub comment: String,
    /// The user who decided; absent for an outside collaborator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<Uuid>,
    /// The outside collaborator who decided, by mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collaborator: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approved,
    Rejected,
}

impl Approval {
    /// A submitted or stored approval, with a clear message for what is wrong with it.
    pub fn read(value: &Value) -> Result<Approval, String> {
        let object = value.as_object().ok_or("must be a decision: {decision, comment}")?;
        if let Some(other) =
            object.keys().find(|key| !matches!(key.as_str(), "decision" | "comment" | "by" | "collaborator" | "at"))
        {
            return Err(format!("has an unknown part {other:?}"));
        }
        let approval = Approval::deserialize(value)
            .map_err(|_| "must be a decision (approved or rejected) with an optional comment")?;
        if approval.comment.chars().count() > MAX_APPROVAL_COMMENT_CHARS {
            return Err(format!("must have a comment of at most {MAX_APPROVAL_COMMENT_CHARS} characters"));
        }
        Ok(approval)
    }

    fn same_decision(&self, other: &Approval) -> bool {
        self.decision == other.decision && self.comment.trim() == other.comment.trim()
    }
}

/// Who decides an approval: a user, or an outside collaborator by address.
#[derive(Debug, Clone, Copy)]
pub enum Approver<'a> {
    User(Uuid),
    Collaborator(&'a str),
}

/// Stamps each approval in `values` with who decided and when, whatever the browser said. An
/// approval sent back as it was (the same decision and opinion) keeps its first stamp, so a
/// later step that saves the whole form does not take an earlier decision over. Values that
/// are not approvals are left to [`validate_values`].
pub fn stamp_approvals(
    spec: &FormSpec,
    values: &mut Map<String, Value>,
    previous: &Map<String, Value>,
    approver: Approver<'_>,
    at: DateTime<Utc>,
) {
    for field in spec.fields.iter().filter(|field| field.kind == FieldKind::Approval) {
        let Some(value) = values.get_mut(&field.key) else { continue };
        let Ok(mut approval) = Approval::read(value) else { continue };
        let earlier = previous.get(&field.key).and_then(|value| Approval::read(value).ok());
        match earlier {
            Some(earlier) if earlier.same_decision(&approval) => approval = earlier,
            _ => {
                approval.comment = approval.comment.trim().to_owned();
                (approval.by, approval.collaborator) = match approver {
                    Approver::User(user_id) => (Some(user_id), None),
                    Approver::Collaborator(address) => (None, Some(address.to_owned())),
                };
                approval.at = Some(at);
            }
        }
        *value = serde_json::to_value(approval).expect("an approval serialises");
    }
}

/// A picker's chosen items: the one value, or the list of a multiple picker.
fn picked<'v>(field: &FormField, value: &'v Value) -> Result<&'v [Value], String> {
    if !field.multiple {
        return if value.is_array() {
            Err("must be one value, not a list".into())
        } else {
            Ok(std::slice::from_ref(value))
        };
    }
    let items = value.as_array().ok_or("must be a list")?;
    check_count(field, items.len())?;
    Ok(items)
}

fn check_count(field: &FormField, count: usize) -> Result<(), String> {
    let most = if field.multiple { MAX_PICKED } else { 1 };
    if count > most {
        return Err(format!("holds at most {most}"));
    }
    Ok(())
}

/// One file of an upload field, as the web app stores it: `{blobId, name, size, contentType}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileValue {
    pub blob_id: Uuid,
    pub name: String,
    pub size: u64,
    pub content_type: String,
}

fn file_value(value: &Value) -> Result<FileValue, String> {
    let file =
        FileValue::deserialize(value).map_err(|_| "every file must have a blobId, name, size and contentType")?;
    if file.name.trim().is_empty() || file.name.chars().count() > MAX_FILE_NAME {
        return Err(format!("a file's name must be 1 to {MAX_FILE_NAME} characters"));
    }
    Ok(file)
}

/// What a value of a picker or an upload points at, which only the log can confirm exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceKind {
    User,
    Group,
    Department,
    Ticket,
    File,
}

/// One id a form value holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldReference {
    pub field: String,
    pub kind: ReferenceKind,
    pub id: Uuid,
}

/// The ids the values of pickers and uploads hold, to be checked against the tenant's
/// users, groups, units, tickets and files before the values are accepted. Values that are
/// not well-formed are skipped: [`validate_values`] reports them.
pub fn references(spec: &FormSpec, values: &Map<String, Value>) -> Vec<FieldReference> {
    let mut found = Vec::new();
    for (key, value) in values {
        let Some(field) = spec.field(key) else { continue };
        let kind = match field.kind {
            FieldKind::User => ReferenceKind::User,
            FieldKind::Group => ReferenceKind::Group,
            FieldKind::Department => ReferenceKind::Department,
            FieldKind::Relation => ReferenceKind::Ticket,
            FieldKind::Upload => ReferenceKind::File,
            FieldKind::Approval => {
                if let Some(user_id) = Approval::read(value).ok().and_then(|approval| approval.by) {
                    found.push(FieldReference { field: key.clone(), kind: ReferenceKind::User, id: user_id });
                }
                continue;
            }
            _ => continue,
        };
        let items = match value {
            Value::Array(items) => items.as_slice(),
            single => std::slice::from_ref(single),
        };
        for item in items {
            let id = if kind == ReferenceKind::File {
                file_value(item).ok().map(|file| file.blob_id)
            } else {
                item.as_str().and_then(|text| Uuid::parse_str(text).ok())
            };
            if let Some(id) = id {
                found.push(FieldReference { field: key.clone(), kind, id });
            }
        }
    }
    found
}

/// One value a query field holds: a dictionary entry's code or a customer's id.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryValue {
    pub field: String,
    pub source: QuerySource,
    pub value: String,
}

/// The values query fields hold, to be checked against the tenant's dictionaries and
/// customers and to be labelled. Values that are not text are skipped: [`validate_values`]
/// reports them.
pub fn query_values(spec: &FormSpec, values: &Map<String, Value>) -> Vec<QueryValue> {
    let mut found = Vec::new();
    for field in &spec.fields {
        let (Some(source), Some(value)) = (&field.query, values.get(&field.key)) else { continue };
        let items = match value {
            Value::Array(items) => items.as_slice(),
            single => std::slice::from_ref(single),
        };
        found.extend(items.iter().filter_map(Value::as_str).map(|value| QueryValue {
            field: field.key.clone(),
            source: source.clone(),
            value: value.to_owned(),
        }));
    }
    found
}
