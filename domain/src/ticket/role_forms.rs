//! Forms per role (the white paper's 3.3.5: "different roles … may each define a form to show
//! and work on the ticket's data"): what the holders of a role may do with each field of a
//! form, on top of what a workflow step lets them do.
//!
//! A form schema keeps them under [`ROLE_FORMS`], as `{"<role id>" | "*": {"<field key>":
//! "hidden" | "readonly" | "editable"}}`; `*` is the form of everyone whose roles have none
//! of their own. A field a role's form does not name is editable (as far as the step allows).
//! Roles grant, they never take away: a user's access to a field is the most any of their
//! roles' forms gives, so holding one more role never hides a field. What a step allows is
//! then narrowed by it ([`FieldAccess::within`]).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::form::{FieldAccess, FormSpec, MOBILE_LAYOUT};
use crate::DomainError;

/// Where a form schema keeps its forms per role.
pub const ROLE_FORMS: &str = "roleForms";
/// The key of the form for everyone whose roles have no form of their own.
pub const EVERYONE_ELSE: &str = "*";
/// The most roles one form may have a form of their own for.
pub const MAX_ROLE_FORMS: usize = 100;

/// One role's form: the access of each field it names.
pub type RoleForm = BTreeMap<String, FieldAccess>;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RoleForms {
    pub roles: BTreeMap<Uuid, RoleForm>,
    /// The form of everyone whose roles have none; empty: every field editable.
    pub everyone_else: RoleForm,
}

impl FieldAccess {
    /// What a step's access becomes for a user whose roles' forms give `role`: the lesser of
    /// the two, except that a role's `Editable` leaves the step's `Required` as it is.
    pub fn within(self, role: FieldAccess) -> FieldAccess {
        if role >= FieldAccess::Editable { self } else { self.min(role) }
    }
}

impl RoleForms {
    pub fn is_empty(&self) -> bool {
        self.roles.is_empty() && self.everyone_else.is_empty()
    }

    /// The most the forms of `roles` give on the field `key`: `Editable`, `ReadOnly` or
    /// `Hidden`. A user without roles, or holding a role without a form, gets everyone
    /// else's form too.
    pub fn access(&self, key: &str, roles: &[Uuid]) -> FieldAccess {
        let of = |form: &RoleForm| form.get(key).copied().unwrap_or(FieldAccess::Editable);
        let mut most = None;
        let mut everyone_else = roles.is_empty();
        for role in roles {
            match self.roles.get(role) {
                Some(form) => most = most.max(Some(of(form))),
                None => everyone_else = true,
            }
        }
        if everyone_else {
            most = most.max(Some(of(&self.everyone_else)));
        }
        most.unwrap_or(FieldAccess::Editable)
    }
}

impl FormSpec {
    /// What the holders of `roles` may do with the field `key` (see [`RoleForms::access`]).
    pub fn role_access(&self, key: &str, roles: &[Uuid]) -> FieldAccess {
        self.role_forms.access(key, roles)
    }

    /// `values` without those of the fields the holders of `roles` may not see.
    pub fn visible_values(&self, values: Map<String, Value>, roles: &[Uuid]) -> Map<String, Value> {
        let hidden = self.hidden_from(roles);
        if hidden.is_empty() {
            return values;
        }
        values.into_iter().filter(|(key, _)| !hidden.contains(key.as_str())).collect()
    }

    /// The keys of the fields the holders of `roles` may not see.
    pub fn hidden_from(&self, roles: &[Uuid]) -> BTreeSet<&str> {
        if self.role_forms.is_empty() {
            return BTreeSet::new();
        }
        self.fields
            .iter()
            .map(|field| field.key.as_str())
            .filter(|key| self.role_access(key, roles) == FieldAccess::Hidden)
            .collect()
    }
}

fn invalid(message: impl Into<String>) -> DomainError {
    DomainError::new("ticket_type.invalid_form", message)
}

/// Reads the forms per role of a schema whose fields are `spec`'s. Every key is a role id or
/// [`EVERYONE_ELSE`], every field a field of the form, every access `hidden`, `readonly` or
/// `editable` (a step, not a role, makes a field required).
pub fn parse_role_forms(schema: &Value, spec: &FormSpec) -> Result<RoleForms, DomainError> {
    let entries = match schema.get(ROLE_FORMS) {
        None | Some(Value::Null) => return Ok(RoleForms::default()),
        Some(Value::Object(entries)) => entries,
        Some(_) => return Err(invalid("the forms per role are not a JSON object")),
    };
    if entries.len() > MAX_ROLE_FORMS + 1 {
        return Err(invalid(format!("at most {MAX_ROLE_FORMS} roles have a form of their own")));
    }
    let mut forms = RoleForms::default();
    for (role, fields) in entries {
        let form = parse_role_form(role, fields, spec)?;
        if role == EVERYONE_ELSE {
            forms.everyone_else = form;
        } else {
            let role_id = Uuid::parse_str(role).map_err(|_| {
                invalid(format!("the forms per role name {role:?}, which is neither a role id nor \"*\""))
            })?;
            forms.roles.insert(role_id, form);
        }
    }
    Ok(forms)
}

fn parse_role_form(role: &str, fields: &Value, spec: &FormSpec) -> Result<RoleForm, DomainError> {
    let fields =
        fields.as_object().ok_or_else(|| invalid(format!("the form of role {role:?} is not a JSON object")))?;
    let mut form = RoleForm::new();
    for (key, access) in fields {
        if spec.field(key).is_none() {
            return Err(invalid(format!("the form of role {role:?} names {key:?}, which is not a field of the form")));
        }
        let access =
            access.as_str().and_then(FieldAccess::parse).filter(|access| *access != FieldAccess::Required).ok_or_else(
                || {
                    invalid(format!(
                        "the form of role {role:?} gives {key:?} the access {access}; a role's form says \
                     \"hidden\", \"readonly\" or \"editable\""
                    ))
                },
            )?;
        form.insert(key.clone(), access);
    }
    Ok(form)
}

/// What a form-js schema shows someone: only the components whose field `keep` admits, with
/// those that hold no value (text; groups, keeping their own admitted components); its
/// mobile layout likewise. Without the forms per role: who may see what is not theirs to read.
pub fn shown_schema(mut schema: Value, keep: &dyn Fn(&str) -> bool) -> Value {
    if let Some(object) = schema.as_object_mut() {
        object.remove(ROLE_FORMS);
    }
    keep_components(&mut schema, keep);
    schema
}

fn keep_components(schema: &mut Value, keep: &dyn Fn(&str) -> bool) {
    if let Some(layout) = schema.get_mut(MOBILE_LAYOUT).filter(|layout| layout.is_object()) {
        keep_components(layout, keep);
    }
    if let Some(components) = schema.get_mut("components").and_then(Value::as_array_mut) {
        components.retain(|component| field_of(component).is_none_or(keep));
        for component in components.iter_mut() {
            if field_of(component).is_none() && component.get("components").is_some() {
                keep_components(component, keep);
            }
        }
    }
}

/// The field a component holds: its key, or a dynamic list's path (its columns are its own).
fn field_of(component: &Value) -> Option<&str> {
    component.get("key").or_else(|| component.get("path")).and_then(Value::as_str)
}
