//! Organisation: a tenant's units (centres, sub-centres, departments, teams) in trees of
//! unlimited depth, one tree family per dimension (reporting line, level, jurisdiction).
//!
//! The whole organisation of a tenant is ONE stream, `org-<tenant id>`: the tree is the
//! consistency boundary. A move is decided against every unit of the tenant, so two moves
//! racing to close a cycle cannot both pass (the second one's append meets a newer stream
//! version, is decided again, and is refused).
//!
//! Rules:
//! - a unit's parent is in the same dimension; a dimension may have several roots;
//! - no unit is its own ancestor (`org.cycle`), and a unit never changes dimension;
//! - sibling names are unique ignoring case (the roots of one dimension are siblings);
//! - a unit with children cannot be removed, and a removed unit's id is never reused.
//!
//! The kind (centre, sub-centre, department, team) labels a unit; it does not constrain
//! where the unit sits, because real organisations nest departments in departments.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::{Decider, DomainError, DomainEvent, StreamId, UpcastError};

pub const CONTEXT: &str = "org";

pub const UNIT_CREATED: &str = "hotline.org.unit_created";
pub const UNIT_RENAMED: &str = "hotline.org.unit_renamed";
pub const UNIT_MOVED: &str = "hotline.org.unit_moved";
pub const UNIT_REMOVED: &str = "hotline.org.unit_removed";

/// The longest unit name, in characters.
pub const MAX_NAME_CHARS: usize = 120;

/// The stream holding a tenant's whole organisation.
pub fn stream_id(tenant_id: Uuid) -> StreamId {
    StreamId::new(CONTEXT, tenant_id)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    Centre,
    SubCentre,
    Department,
    Team,
}

impl UnitKind {
    pub const ALL: [UnitKind; 4] = [UnitKind::Centre, UnitKind::SubCentre, UnitKind::Department, UnitKind::Team];

    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Centre => "centre",
            UnitKind::SubCentre => "sub_centre",
            UnitKind::Department => "department",
            UnitKind::Team => "team",
        }
    }

    pub fn parse(text: &str) -> Option<UnitKind> {
        UnitKind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// The view of the organisation a tree belongs to. Each dimension is a separate forest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Who reports to whom.
    Reporting,
    /// Organisational level (grade bands, tiers).
    Level,
    /// Territory or legal jurisdiction.
    Jurisdiction,
}

impl Dimension {
    pub const ALL: [Dimension; 3] = [Dimension::Reporting, Dimension::Level, Dimension::Jurisdiction];

    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Reporting => "reporting",
            Dimension::Level => "level",
            Dimension::Jurisdiction => "jurisdiction",
        }
    }

    pub fn parse(text: &str) -> Option<Dimension> {
        Dimension::ALL.into_iter().find(|dimension| dimension.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrganisationCommand {
    CreateUnit {
        tenant_id: Uuid,
        unit_id: Uuid,
        /// `None`: a new root of `dimension`.
        parent_id: Option<Uuid>,
        name: String,
        kind: UnitKind,
        dimension: Dimension,
    },
    RenameUnit {
        tenant_id: Uuid,
        unit_id: Uuid,
        name: String,
    },
    /// Moves a unit with its whole subtree; `None` makes it a root of its dimension.
    MoveUnit {
        tenant_id: Uuid,
        unit_id: Uuid,
        new_parent_id: Option<Uuid>,
    },
    RemoveUnit {
        tenant_id: Uuid,
        unit_id: Uuid,
    },
}

impl OrganisationCommand {
    pub fn tenant_id(&self) -> Uuid {
        match self {
            OrganisationCommand::CreateUnit { tenant_id, .. }
            | OrganisationCommand::RenameUnit { tenant_id, .. }
            | OrganisationCommand::MoveUnit { tenant_id, .. }
            | OrganisationCommand::RemoveUnit { tenant_id, .. } => *tenant_id,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrganisationEvent {
    UnitCreated(UnitCreated),
    UnitRenamed(UnitRenamed),
    UnitMoved(UnitMoved),
    UnitRemoved(UnitRemoved),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitCreated {
    pub unit_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub name: String,
    pub kind: UnitKind,
    pub dimension: Dimension,
}

/// Carries the previous name so the audit log reads "from ... to ..." without a lookup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitRenamed {
    pub unit_id: Uuid,
    pub previous_name: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitMoved {
    pub unit_id: Uuid,
    pub previous_parent_id: Option<Uuid>,
    pub parent_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitRemoved {
    pub unit_id: Uuid,
    /// The name it had, for the audit log (the read model forgets the unit).
    pub name: String,
}

/// One unit as the decider knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub unit_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub name: String,
    pub kind: UnitKind,
    pub dimension: Dimension,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrganisationState {
    pub units: BTreeMap<Uuid, Unit>,
    /// Ids of removed units: never reused, so an id in the log names one unit forever.
    pub removed: BTreeSet<Uuid>,
}

impl OrganisationState {
    pub fn unit(&self, unit_id: Uuid) -> Option<&Unit> {
        self.units.get(&unit_id)
    }

    /// The units directly under `parent_id` (`None`: the roots of `dimension`).
    pub fn children(&self, parent_id: Option<Uuid>, dimension: Dimension) -> impl Iterator<Item = &Unit> {
        self.units.values().filter(move |unit| unit.parent_id == parent_id && unit.dimension == dimension)
    }

    pub fn has_children(&self, unit_id: Uuid) -> bool {
        self.units.values().any(|unit| unit.parent_id == Some(unit_id))
    }

    /// The unit's ancestors, nearest first. Bounded by the number of units, so even a
    /// corrupted state (which `decide` never lets happen) cannot loop forever.
    pub fn ancestors(&self, unit_id: Uuid) -> Vec<Uuid> {
        let mut ancestors = Vec::new();
        let mut current = self.unit(unit_id).and_then(|unit| unit.parent_id);
        while let Some(ancestor_id) = current {
            if ancestors.len() > self.units.len() {
                debug_assert!(false, "the organisation has a cycle through {unit_id}");
                break;
            }
            ancestors.push(ancestor_id);
            current = self.unit(ancestor_id).and_then(|unit| unit.parent_id);
        }
        ancestors
    }

    /// Whether `unit_id` is `ancestor_id` or somewhere below it.
    pub fn is_at_or_below(&self, unit_id: Uuid, ancestor_id: Uuid) -> bool {
        unit_id == ancestor_id || self.ancestors(unit_id).contains(&ancestor_id)
    }

    /// A sibling of the would-be position that already has this name (ignoring case).
    fn sibling_named(&self, parent_id: Option<Uuid>, dimension: Dimension, name: &str, except: Uuid) -> bool {
        let name = name.to_lowercase();
        self.children(parent_id, dimension)
            .any(|sibling| sibling.unit_id != except && sibling.name.to_lowercase() == name)
    }
}

impl DomainEvent for OrganisationEvent {
    fn event_type(&self) -> &'static str {
        match self {
            OrganisationEvent::UnitCreated(_) => UNIT_CREATED,
            OrganisationEvent::UnitRenamed(_) => UNIT_RENAMED,
            OrganisationEvent::UnitMoved(_) => UNIT_MOVED,
            OrganisationEvent::UnitRemoved(_) => UNIT_REMOVED,
        }
    }

    fn schema_version(&self) -> u32 {
        1
    }

    fn to_payload(&self) -> Value {
        let payload = match self {
            OrganisationEvent::UnitCreated(event) => serde_json::to_value(event),
            OrganisationEvent::UnitRenamed(event) => serde_json::to_value(event),
            OrganisationEvent::UnitMoved(event) => serde_json::to_value(event),
            OrganisationEvent::UnitRemoved(event) => serde_json::to_value(event),
        };
        payload.expect("plain struct serialises")
    }

    fn from_stored(event_type: &str, schema_version: u32, payload: &Value) -> Result<Self, UpcastError> {
        let bad = |error: serde_json::Error| UpcastError::bad_payload(event_type, schema_version, error);
        let payload = payload.clone();
        match (event_type, schema_version) {
            (UNIT_CREATED, 1) => serde_json::from_value(payload).map(OrganisationEvent::UnitCreated).map_err(bad),
            (UNIT_RENAMED, 1) => serde_json::from_value(payload).map(OrganisationEvent::UnitRenamed).map_err(bad),
            (UNIT_MOVED, 1) => serde_json::from_value(payload).map(OrganisationEvent::UnitMoved).map_err(bad),
            (UNIT_REMOVED, 1) => serde_json::from_value(payload).map(OrganisationEvent::UnitRemoved).map_err(bad),
            (UNIT_CREATED | UNIT_RENAMED | UNIT_MOVED | UNIT_REMOVED, _) => {
                Err(UpcastError::UnknownVersion { event_type: event_type.to_owned(), schema_version })
            }
            _ => Err(UpcastError::UnknownType(event_type.to_owned())),
        }
    }
}

fn validate_name(name: &str) -> Result<(), DomainError> {
    if name.trim().is_empty() || name.trim() != name || name.chars().count() > MAX_NAME_CHARS {
        return Err(DomainError::new(
            "org.invalid_name",
            format!("a unit name is 1 to {MAX_NAME_CHARS} characters with no leading or trailing spaces"),
        ));
    }
    Ok(())
}

fn unit_not_found(unit_id: Uuid) -> DomainError {
    DomainError::new("org.unit_not_found", format!("no organisation unit {unit_id}"))
}

fn name_taken(name: &str) -> DomainError {
    DomainError::new("org.name_taken", format!("a unit beside it is already called {name:?}"))
}

/// The parent a unit of `dimension` may be placed under, checked.
fn checked_parent(state: &OrganisationState, parent_id: Uuid, dimension: Dimension) -> Result<&Unit, DomainError> {
    let parent = state
        .unit(parent_id)
        .ok_or_else(|| DomainError::new("org.parent_not_found", format!("no organisation unit {parent_id}")))?;
    if parent.dimension != dimension {
        return Err(DomainError::new(
            "org.dimension_mismatch",
            format!(
                "the unit belongs to the {} dimension, the parent to the {} dimension",
                dimension.as_str(),
                parent.dimension.as_str()
            ),
        ));
    }
    Ok(parent)
}

pub struct Organisation;

impl Decider for Organisation {
    type State = OrganisationState;
    type Command = OrganisationCommand;
    type Event = OrganisationEvent;

    fn stream_id(command: &OrganisationCommand) -> StreamId {
        stream_id(command.tenant_id())
    }

    fn decide(state: &OrganisationState, command: &OrganisationCommand) -> Result<Vec<OrganisationEvent>, DomainError> {
        match command {
            OrganisationCommand::CreateUnit { unit_id, parent_id, name, kind, dimension, .. } => {
                if state.units.contains_key(unit_id) || state.removed.contains(unit_id) {
                    return Err(DomainError::new("org.unit_exists", format!("unit id {unit_id} is taken")));
                }
                validate_name(name)?;
                if let Some(parent_id) = parent_id {
                    checked_parent(state, *parent_id, *dimension)?;
                }
                if state.sibling_named(*parent_id, *dimension, name, *unit_id) {
                    return Err(name_taken(name));
                }
                Ok(vec![OrganisationEvent::UnitCreated(UnitCreated {
                    unit_id: *unit_id,
                    parent_id: *parent_id,
                    name: name.clone(),
                    kind: *kind,
                    dimension: *dimension,
                })])
            }
            OrganisationCommand::RenameUnit { unit_id, name, .. } => {
                let unit = state.unit(*unit_id).ok_or_else(|| unit_not_found(*unit_id))?;
                validate_name(name)?;
                if unit.name == *name {
                    return Ok(vec![]);
                }
                if state.sibling_named(unit.parent_id, unit.dimension, name, *unit_id) {
                    return Err(name_taken(name));
                }
                Ok(vec![OrganisationEvent::UnitRenamed(UnitRenamed {
                    unit_id: *unit_id,
                    previous_name: unit.name.clone(),
                    name: name.clone(),
                })])
            }
            OrganisationCommand::MoveUnit { unit_id, new_parent_id, .. } => {
                let unit = state.unit(*unit_id).ok_or_else(|| unit_not_found(*unit_id))?;
                if unit.parent_id == *new_parent_id {
                    return Ok(vec![]);
                }
                if let Some(new_parent_id) = new_parent_id {
                    checked_parent(state, *new_parent_id, unit.dimension)?;
                    if state.is_at_or_below(*new_parent_id, *unit_id) {
                        return Err(DomainError::new(
                            "org.cycle",
                            "a unit cannot move under itself or under one of its own sub-units",
                        ));
                    }
                }
                if state.sibling_named(*new_parent_id, unit.dimension, &unit.name, *unit_id) {
                    return Err(name_taken(&unit.name));
                }
                Ok(vec![OrganisationEvent::UnitMoved(UnitMoved {
                    unit_id: *unit_id,
                    previous_parent_id: unit.parent_id,
                    parent_id: *new_parent_id,
                })])
            }
            OrganisationCommand::RemoveUnit { unit_id, .. } => {
                let unit = state.unit(*unit_id).ok_or_else(|| unit_not_found(*unit_id))?;
                if state.has_children(*unit_id) {
                    return Err(DomainError::new(
                        "org.has_children",
                        format!("{:?} has sub-units: move or remove them first", unit.name),
                    ));
                }
                Ok(vec![OrganisationEvent::UnitRemoved(UnitRemoved { unit_id: *unit_id, name: unit.name.clone() })])
            }
        }
    }

    fn evolve(mut state: OrganisationState, event: &OrganisationEvent) -> OrganisationState {
        match event {
            OrganisationEvent::UnitCreated(created) => {
                state.units.insert(
                    created.unit_id,
                    Unit {
                        unit_id: created.unit_id,
                        parent_id: created.parent_id,
                        name: created.name.clone(),
                        kind: created.kind,
                        dimension: created.dimension,
                    },
                );
            }
            OrganisationEvent::UnitRenamed(renamed) => {
                if let Some(unit) = state.units.get_mut(&renamed.unit_id) {
                    unit.name = renamed.name.clone();
                }
            }
            OrganisationEvent::UnitMoved(moved) => {
                if let Some(unit) = state.units.get_mut(&moved.unit_id) {
                    unit.parent_id = moved.parent_id;
                }
            }
            OrganisationEvent::UnitRemoved(removed) => {
                state.units.remove(&removed.unit_id);
                state.removed.insert(removed.unit_id);
            }
        }
        state
    }
}

#[cfg(test)]
mod tests;
