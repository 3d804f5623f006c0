//! A tenant's knowledge categories: a tree, saved as a whole (the editor shows and edits the
//! whole tree, and a move or a rename is one save). Names are unique among siblings; the tree
//! has no cycles and at most [`MAX_CATEGORY_DEPTH`] levels. Whether a removed category still
//! holds articles is the service's check (the articles are other streams).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::{MAX_CATEGORIES, MAX_CATEGORY_DEPTH, MAX_TITLE_CHARS, bounded_text, invalid};
use crate::{Decider, DomainError, DomainEvent, FieldError, StreamId, UpcastError, read_payload};

pub const CONTEXT: &str = "knowledge_categories";

pub const DEFINED: &str = "hotline.knowledge_categories.defined";

pub fn stream_id(tenant_id: Uuid) -> StreamId {
    StreamId::new(CONTEXT, tenant_id)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub category_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub name: String,
    pub sort_order: i32,
}

/// The whole tree, as it is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoriesDefined {
    pub categories: Vec<Category>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefineCategories {
    pub tenant_id: Uuid,
    pub categories: Vec<Category>,
    pub at: DateTime<Utc>,
}

/// Checks a whole tree and returns it normalised (names trimmed, in a stable order: by
/// parent, sort order, name).
pub fn validate_categories(categories: &[Category]) -> Result<Vec<Category>, Vec<FieldError>> {
    let mut problems = Vec::new();
    if categories.len() > MAX_CATEGORIES {
        problems.push(FieldError::new("categories", format!("at most {MAX_CATEGORIES} categories")));
    }
    let mut normalised: Vec<Category> = categories
        .iter()
        .map(|category| Category {
            name: bounded_text("name", &category.name, MAX_TITLE_CHARS, true, &mut problems),
            ..category.clone()
        })
        .collect();
    let parents: BTreeMap<Uuid, Option<Uuid>> =
        normalised.iter().map(|category| (category.category_id, category.parent_id)).collect();
    if parents.len() != normalised.len() {
        problems.push(FieldError::new("categories", "two categories have the same id"));
    }
    let mut sibling_names = BTreeSet::new();
    for category in &normalised {
        if !sibling_names.insert((category.parent_id, category.name.to_lowercase())) {
            problems
                .push(FieldError::new("name", format!("two categories in one place are named {:?}", category.name)));
        }
        let mut depth = 1;
        let mut parent = category.parent_id;
        while let Some(parent_id) = parent {
            let Some(grandparent) = parents.get(&parent_id) else {
                problems.push(FieldError::new(
                    "parentId",
                    format!("{:?} is under a category that does not exist", category.name),
                ));
                break;
            };
            depth += 1;
            if parent_id == category.category_id || depth > MAX_CATEGORY_DEPTH {
                let message = if parent_id == category.category_id {
                    format!("{:?} would be inside itself", category.name)
                } else {
                    format!("{:?} is deeper than {MAX_CATEGORY_DEPTH} levels", category.name)
                };
                problems.push(FieldError::new("parentId", message));
                break;
            }
            parent = *grandparent;
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    normalised.sort_by(|a, b| (a.parent_id, a.sort_order, &a.name).cmp(&(b.parent_id, b.sort_order, &b.name)));
    Ok(normalised)
}

impl DomainEvent for CategoriesDefined {
    fn event_type(&self) -> &'static str {
        DEFINED
    }

    fn schema_version(&self) -> u32 {
        1
    }

    fn to_payload(&self) -> Value {
        serde_json::to_value(self).expect("plain struct serialises")
    }

    fn from_stored(event_type: &str, schema_version: u32, payload: &Value) -> Result<Self, UpcastError> {
        UpcastError::check_first_version(&[DEFINED], event_type, schema_version)?;
        read_payload(event_type, 1, payload, |event| event)
    }
}

pub struct Categories;

impl Decider for Categories {
    type State = Vec<Category>;
    type Command = DefineCategories;
    type Event = CategoriesDefined;

    fn stream_id(command: &DefineCategories) -> StreamId {
        stream_id(command.tenant_id)
    }

    fn decide(state: &Vec<Category>, command: &DefineCategories) -> Result<Vec<CategoriesDefined>, DomainError> {
        let categories = validate_categories(&command.categories)
            .map_err(|problems| invalid("knowledge.invalid_categories", &problems))?;
        if *state == categories {
            return Ok(vec![]);
        }
        Ok(vec![CategoriesDefined { categories, at: command.at }])
    }

    fn evolve(_state: Vec<Category>, event: &CategoriesDefined) -> Vec<Category> {
        event.categories.clone()
    }
}
