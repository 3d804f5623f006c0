//! Saved queries, whatever they search: a named search that its owner keeps for themselves or
//! shares with the whole tenant. Customers' and tickets' lists both have them; each kind says
//! what a query holds (its body) and names its own stream, events and error codes.
//!
//! One stream per tenant and kind (`<context>-<tenant>`): a query's name is unique per owner,
//! and that rule needs every query of the tenant in one place. Only the owner re-saves or
//! deletes a query, and a query's id never changes owner (not even once it was deleted).

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::{Decider, DomainError, DomainEvent, StreamId, UpcastError, read_payload};

/// A query's name is 1 to this many characters.
pub const MAX_QUERY_NAME_CHARS: usize = 80;

/// What one kind of saved query holds, and the names it goes by in the log.
pub trait QueryKind: Send + Sync + 'static {
    /// The search itself (conditions, sort, ...), stored flattened beside the name.
    type Body: Debug + Clone + PartialEq + Serialize + DeserializeOwned + Send + Sync;

    /// The stream context: `<context>-<tenant>` holds the tenant's queries of this kind.
    const CONTEXT: &'static str;
    const SAVED: &'static str;
    const DELETED: &'static str;
    /// Error codes: a badly shaped query, someone else's, a name the owner uses already, none.
    const INVALID: &'static str;
    const NOT_OWNER: &'static str;
    const NAME_TAKEN: &'static str;
    const NOT_FOUND: &'static str;

    /// The body's own shape rules (what needs no outside knowledge); `Err` says what is wrong.
    fn check_body(body: &Self::Body) -> Result<(), String>;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedQuery<B> {
    pub query_id: Uuid,
    /// 1 to [`MAX_QUERY_NAME_CHARS`] characters, unique (ignoring case) among its owner's queries.
    pub name: String,
    pub owner_id: Uuid,
    /// Shared queries are listed for every user of the tenant; only the owner changes them.
    pub shared: bool,
    #[serde(flatten)]
    pub body: B,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SavedQueriesCommand<B> {
    /// Creates the query, or replaces the whole of one of `by_user`'s.
    Save {
        tenant_id: Uuid,
        query: SavedQuery<B>,
        by_user: Uuid,
    },
    Delete {
        tenant_id: Uuid,
        query_id: Uuid,
        by_user: Uuid,
    },
}

impl<B> SavedQueriesCommand<B> {
    pub fn tenant_id(&self) -> Uuid {
        match self {
            SavedQueriesCommand::Save { tenant_id, .. } | SavedQueriesCommand::Delete { tenant_id, .. } => *tenant_id,
        }
    }
}

/// `K` only names the event types; the payloads are the same for every kind.
#[derive(Debug, Clone, PartialEq)]
pub enum SavedQueriesEvent<K: QueryKind> {
    /// The whole query, as saved.
    Saved(SavedQuery<K::Body>),
    Deleted(QueryDeleted),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryDeleted {
    pub query_id: Uuid,
    pub owner_id: Uuid,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SavedQueriesState<B> {
    /// The live queries, by id.
    pub queries: BTreeMap<Uuid, SavedQuery<B>>,
    /// The owner of every query id ever saved (deleted ones too): an id never changes owner.
    pub owners: BTreeMap<Uuid, Uuid>,
}

impl<B> Default for SavedQueriesState<B> {
    fn default() -> Self {
        Self { queries: BTreeMap::new(), owners: BTreeMap::new() }
    }
}

impl<K: QueryKind> DomainEvent for SavedQueriesEvent<K> {
    fn event_type(&self) -> &'static str {
        match self {
            SavedQueriesEvent::Saved(_) => K::SAVED,
            SavedQueriesEvent::Deleted(_) => K::DELETED,
        }
    }

    fn schema_version(&self) -> u32 {
        1
    }

    fn to_payload(&self) -> Value {
        let payload = match self {
            SavedQueriesEvent::Saved(query) => serde_json::to_value(query),
            SavedQueriesEvent::Deleted(deleted) => serde_json::to_value(deleted),
        };
        payload.expect("plain struct serialises")
    }

    fn from_stored(event_type: &str, schema_version: u32, payload: &Value) -> Result<Self, UpcastError> {
        UpcastError::check_first_version(&[K::SAVED, K::DELETED], event_type, schema_version)?;
        if event_type == K::SAVED {
            read_payload(event_type, 1, payload, SavedQueriesEvent::Saved)
        } else {
            read_payload(event_type, 1, payload, SavedQueriesEvent::Deleted)
        }
    }
}

/// Names compare trimmed and ignoring case.
fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

fn check_shape<K: QueryKind>(query: &SavedQuery<K::Body>) -> Result<(), DomainError> {
    let name = query.name.as_str();
    if name.trim().is_empty() || name.trim() != name || name.chars().count() > MAX_QUERY_NAME_CHARS {
        return Err(DomainError::new(
            K::INVALID,
            format!("a query's name is 1 to {MAX_QUERY_NAME_CHARS} characters with no leading or trailing spaces"),
        ));
    }
    K::check_body(&query.body).map_err(|message| DomainError::new(K::INVALID, message))
}

/// The decider of one kind's saved queries.
pub struct SavedQueries<K>(PhantomData<K>);

impl<K: QueryKind> Decider for SavedQueries<K> {
    type State = SavedQueriesState<K::Body>;
    type Command = SavedQueriesCommand<K::Body>;
    type Event = SavedQueriesEvent<K>;

    fn stream_id(command: &Self::Command) -> StreamId {
        StreamId::new(K::CONTEXT, command.tenant_id())
    }

    fn decide(state: &Self::State, command: &Self::Command) -> Result<Vec<Self::Event>, DomainError> {
        let not_owner = |query_id: Uuid| DomainError::new(K::NOT_OWNER, format!("query {query_id} is someone else's"));
        match command {
            SavedQueriesCommand::Save { query, by_user, .. } => {
                let query_id = query.query_id;
                if query.owner_id != *by_user || state.owners.get(&query_id).is_some_and(|owner| owner != by_user) {
                    return Err(not_owner(query_id));
                }
                check_shape::<K>(query)?;
                let key = name_key(&query.name);
                let taken = state.queries.values().any(|other| {
                    other.query_id != query_id && other.owner_id == *by_user && name_key(&other.name) == key
                });
                if taken {
                    return Err(DomainError::new(
                        K::NAME_TAKEN,
                        format!("you have a query named {:?} already", query.name),
                    ));
                }
                if state.queries.get(&query_id) == Some(query) {
                    return Ok(vec![]);
                }
                Ok(vec![SavedQueriesEvent::Saved(query.clone())])
            }
            SavedQueriesCommand::Delete { query_id, by_user, .. } => match state.owners.get(query_id) {
                None => Err(DomainError::new(K::NOT_FOUND, format!("no query {query_id}"))),
                Some(owner) if owner != by_user => Err(not_owner(*query_id)),
                // Deleted already: nothing more to do.
                Some(_) if !state.queries.contains_key(query_id) => Ok(vec![]),
                Some(owner) => {
                    Ok(vec![SavedQueriesEvent::Deleted(QueryDeleted { query_id: *query_id, owner_id: *owner })])
                }
            },
        }
    }

    fn evolve(mut state: Self::State, event: &Self::Event) -> Self::State {
        match event {
            SavedQueriesEvent::Saved(query) => {
                state.owners.insert(query.query_id, query.owner_id);
                state.queries.insert(query.query_id, query.clone());
            }
            SavedQueriesEvent::Deleted(deleted) => {
                state.queries.remove(&deleted.query_id);
            }
        }
        state
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConditionOp {
    Equals,
    Contains,
    StartsWith,
    GreaterThan,
    LessThan,
    /// From `value` to `value_to`, both included.
    Between,
    /// The record has no value for the field.
    IsEmpty,
    NotEmpty,
}

impl ConditionOp {
    pub const ALL: [ConditionOp; 8] = [
        ConditionOp::Equals,
        ConditionOp::Contains,
        ConditionOp::StartsWith,
        ConditionOp::GreaterThan,
        ConditionOp::LessThan,
        ConditionOp::Between,
        ConditionOp::IsEmpty,
        ConditionOp::NotEmpty,
    ];

    /// The serde name (`starts_with`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ConditionOp::Equals => "equals",
            ConditionOp::Contains => "contains",
            ConditionOp::StartsWith => "starts_with",
            ConditionOp::GreaterThan => "greater_than",
            ConditionOp::LessThan => "less_than",
            ConditionOp::Between => "between",
            ConditionOp::IsEmpty => "is_empty",
            ConditionOp::NotEmpty => "not_empty",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        ConditionOp::ALL.into_iter().find(|op| op.as_str() == text)
    }

    /// Whether the operator compares with a value (all but `is_empty` and `not_empty`).
    pub fn takes_value(self) -> bool {
        !matches!(self, ConditionOp::IsEmpty | ConditionOp::NotEmpty)
    }
}

/// One condition on one field: `field op value [value_to]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    /// A field key.
    pub field: String,
    pub op: ConditionOp,
    /// Required unless the operator is `is_empty` or `not_empty`.
    pub value: Option<String>,
    /// The upper end of `between` (ignored by the other operators).
    pub value_to: Option<String>,
}

impl Condition {
    /// The value it compares with, unless blank.
    pub fn value(&self) -> Option<&str> {
        self.value.as_deref().filter(|value| !value.trim().is_empty())
    }

    /// The upper end of `between`, unless blank.
    pub fn value_to(&self) -> Option<&str> {
        self.value_to.as_deref().filter(|value| !value.trim().is_empty())
    }
}
