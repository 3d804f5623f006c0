//! The role stream (`role-<role id>`, per tenant): a named set of permissions and data
//! scopes. Built-in roles are defined here in code, with the same ids in every tenant, and
//! cannot be changed; a tenant defines its own roles as streams.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::permissions::{DataScope, PERMISSIONS, SCOPED_RESOURCES, is_known_permission};
use crate::{Decider, DomainError, DomainEvent, StreamId, UpcastError};

pub const CONTEXT: &str = "role";
pub const ROLE_CREATED: &str = "hotline.role.created";
pub const ROLE_UPDATED: &str = "hotline.role.updated";

/// A role's content, as created or updated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleDefinition {
    pub role_id: Uuid,
    pub name: String,
    pub description: String,
    /// Sorted, without duplicates.
    pub permissions: Vec<String>,
    /// Per scoped resource; a resource left out means `own`.
    pub data_scopes: BTreeMap<String, DataScope>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleCommand {
    CreateRole(RoleDefinition),
    UpdateRole(RoleDefinition),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleEvent {
    RoleCreated(RoleDefinition),
    RoleUpdated(RoleDefinition),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleState {
    pub definition: Option<RoleDefinition>,
}

/// The roles every tenant has. Their ids are the same in every tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BuiltInRole {
    /// Everything in the tenant, sub-tenants included.
    Administrator,
    /// Sees every tenant of the platform.
    PlatformAdministrator,
    Supervisor,
    Agent,
    /// Reads the audit log, changes nothing.
    Auditor,
}

/// Permissions over the whole platform, and the menus only they open: a tenant's
/// administrator does not get them.
fn is_platform_only(key: &str) -> bool {
    key.starts_with("platform.") || key == "menu.audit.forks"
}

impl BuiltInRole {
    pub const ALL: [BuiltInRole; 5] = [
        BuiltInRole::Administrator,
        BuiltInRole::PlatformAdministrator,
        BuiltInRole::Supervisor,
        BuiltInRole::Agent,
        BuiltInRole::Auditor,
    ];

    /// A stable key, for translations of the built-in roles' names in the web app.
    pub fn key(self) -> &'static str {
        match self {
            BuiltInRole::Administrator => "administrator",
            BuiltInRole::PlatformAdministrator => "platform_administrator",
            BuiltInRole::Supervisor => "supervisor",
            BuiltInRole::Agent => "agent",
            BuiltInRole::Auditor => "auditor",
        }
    }

    pub fn id(self) -> Uuid {
        Uuid::new_v5(&crate::identity::HOTLINE_NAMESPACE, format!("role:{}", self.key()).as_bytes())
    }

    pub fn from_id(role_id: Uuid) -> Option<BuiltInRole> {
        BuiltInRole::ALL.into_iter().find(|role| role.id() == role_id)
    }

    pub fn definition(self) -> RoleDefinition {
        let (name, description, permissions, users_scope): (&str, &str, Vec<&str>, DataScope) = match self {
            BuiltInRole::Administrator => (
                "Administrator",
                "Administers the tenant and its sub-tenants.",
                PERMISSIONS.iter().map(|permission| permission.key).filter(|key| !is_platform_only(key)).collect(),
                DataScope::All,
            ),
            BuiltInRole::PlatformAdministrator => (
                "Platform administrator",
                "Sees and creates every tenant of the platform, and forks projections for analysts.",
                vec![
                    "menu.admin",
                    "menu.admin.tenants",
                    "tenant.create",
                    "platform.tenants",
                    "menu.audit",
                    "menu.audit.forks",
                    "platform.forks",
                ],
                DataScope::All,
            ),
            BuiltInRole::Supervisor => (
                "Supervisor",
                "Leads agents: sees the users of their department and below.",
                vec![
                    "menu.workbench",
                    "menu.desk",
                    "menu.supervisor",
                    "chat.supervise",
                    "menu.customers",
                    "customer.edit",
                    "customer.import",
                    "customers.export",
                    "menu.calls",
                    "calls.all",
                    "call.recordings",
                    "menu.tickets",
                    "ticket.create",
                    "menu.knowledge",
                    "knowledge.edit",
                    "knowledge.push",
                    "menu.address_book",
                    "address_book.export",
                    "menu.admin",
                    "menu.admin.users",
                    "softphone",
                ],
                DataScope::DepartmentAndBelow,
            ),
            BuiltInRole::Agent => (
                "Agent",
                "Serves customers.",
                vec![
                    "menu.workbench",
                    "menu.desk",
                    "softphone",
                    "menu.customers",
                    "customer.edit",
                    "menu.calls",
                    "menu.tickets",
                    "ticket.create",
                    "menu.knowledge",
                    "menu.address_book",
                ],
                DataScope::Own,
            ),
            BuiltInRole::Auditor => (
                "Auditor",
                "Reads the audit log.",
                vec!["menu.workbench", "menu.audit", "menu.audit.events", "audit.read", "audit.export"],
                DataScope::Own,
            ),
        };
        RoleDefinition {
            role_id: self.id(),
            name: name.to_owned(),
            description: description.to_owned(),
            permissions: permissions.into_iter().map(str::to_owned).collect(),
            // Tickets are seen as widely as users.
            data_scopes: BTreeMap::from([("users".to_owned(), users_scope), ("tickets".to_owned(), users_scope)]),
        }
    }
}

impl DomainEvent for RoleEvent {
    fn event_type(&self) -> &'static str {
        match self {
            RoleEvent::RoleCreated(_) => ROLE_CREATED,
            RoleEvent::RoleUpdated(_) => ROLE_UPDATED,
        }
    }

    fn schema_version(&self) -> u32 {
        1
    }

    fn to_payload(&self) -> Value {
        let (RoleEvent::RoleCreated(definition) | RoleEvent::RoleUpdated(definition)) = self;
        serde_json::to_value(definition).expect("plain struct serialises")
    }

    fn from_stored(event_type: &str, schema_version: u32, payload: &Value) -> Result<Self, UpcastError> {
        let definition = || {
            serde_json::from_value::<RoleDefinition>(payload.clone())
                .map_err(|error| UpcastError::bad_payload(event_type, schema_version, error))
        };
        match (event_type, schema_version) {
            (ROLE_CREATED, 1) => definition().map(RoleEvent::RoleCreated),
            (ROLE_UPDATED, 1) => definition().map(RoleEvent::RoleUpdated),
            (ROLE_CREATED | ROLE_UPDATED, _) => {
                Err(UpcastError::UnknownVersion { event_type: event_type.to_owned(), schema_version })
            }
            _ => Err(UpcastError::UnknownType(event_type.to_owned())),
        }
    }
}

/// Checks and normalises a definition (sorted permissions, known keys and resources).
fn validated(definition: &RoleDefinition) -> Result<RoleDefinition, DomainError> {
    let name = definition.name.trim();
    if name.is_empty() || name.chars().count() > 80 || name != definition.name {
        return Err(DomainError::new("role.invalid_name", "a role name is 1 to 80 characters without outer spaces"));
    }
    if definition.description.chars().count() > 500 {
        return Err(DomainError::new("role.invalid_description", "a description is at most 500 characters"));
    }
    if let Some(unknown) = definition.permissions.iter().find(|key| !is_known_permission(key)) {
        return Err(DomainError::new("role.unknown_permission", format!("unknown permission {unknown:?}")));
    }
    if let Some(unknown) = definition.data_scopes.keys().find(|resource| !SCOPED_RESOURCES.contains(&resource.as_str()))
    {
        return Err(DomainError::new("role.unknown_resource", format!("no data scope applies to {unknown:?}")));
    }
    let mut permissions = definition.permissions.clone();
    permissions.sort();
    permissions.dedup();
    Ok(RoleDefinition { permissions, ..definition.clone() })
}

pub struct Role;

impl Decider for Role {
    type State = RoleState;
    type Command = RoleCommand;
    type Event = RoleEvent;

    fn stream_id(command: &RoleCommand) -> StreamId {
        let (RoleCommand::CreateRole(definition) | RoleCommand::UpdateRole(definition)) = command;
        StreamId::new(CONTEXT, definition.role_id)
    }

    fn decide(state: &RoleState, command: &RoleCommand) -> Result<Vec<RoleEvent>, DomainError> {
        let (RoleCommand::CreateRole(definition) | RoleCommand::UpdateRole(definition)) = command;
        if BuiltInRole::from_id(definition.role_id).is_some() {
            return Err(DomainError::new(
                "role.built_in",
                "built-in roles cannot be changed; create a role of your own",
            ));
        }
        let definition = validated(definition)?;
        match (command, &state.definition) {
            (RoleCommand::CreateRole(_), None) => Ok(vec![RoleEvent::RoleCreated(definition)]),
            (RoleCommand::CreateRole(_), Some(_)) => Err(DomainError::new("role.exists", "this role exists")),
            (RoleCommand::UpdateRole(_), None) => Err(DomainError::new("role.not_found", "no such role")),
            (RoleCommand::UpdateRole(_), Some(current)) if *current == definition => Ok(vec![]),
            (RoleCommand::UpdateRole(_), Some(_)) => Ok(vec![RoleEvent::RoleUpdated(definition)]),
        }
    }

    fn evolve(_state: RoleState, event: &RoleEvent) -> RoleState {
        let (RoleEvent::RoleCreated(definition) | RoleEvent::RoleUpdated(definition)) = event;
        RoleState { definition: Some(definition.clone()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn definition(permissions: &[&str]) -> RoleDefinition {
        RoleDefinition {
            role_id: Uuid::from_u128(77),
            name: "Night shift".into(),
            description: String::new(),
            permissions: permissions.iter().map(|key| (*key).to_owned()).collect(),
            data_scopes: BTreeMap::from([("users".to_owned(), DataScope::OwnDepartment)]),
        }
    }

    #[test]
    fn given_nothing_when_create_then_created_with_sorted_permissions() {
        let events = Role::decide(
            &RoleState::default(),
            &RoleCommand::CreateRole(definition(&["softphone", "menu.workbench", "softphone"])),
        )
        .unwrap();
        let RoleEvent::RoleCreated(created) = &events[0] else { panic!("expected RoleCreated") };
        assert_eq!(created.permissions, ["menu.workbench", "softphone"]);
    }

    #[test]
    fn update_changes_only_what_differs_and_needs_the_role() {
        let created =
            Role::decide(&RoleState::default(), &RoleCommand::CreateRole(definition(&["softphone"]))).unwrap();
        let state = Role::replay(&created);
        assert!(Role::decide(&state, &RoleCommand::UpdateRole(definition(&["softphone"]))).unwrap().is_empty());
        assert_eq!(Role::decide(&state, &RoleCommand::UpdateRole(definition(&["audit.read"]))).unwrap().len(), 1);
        let missing = Role::decide(&RoleState::default(), &RoleCommand::UpdateRole(definition(&[]))).unwrap_err();
        assert_eq!(missing.code, "role.not_found");
        assert_eq!(Role::decide(&state, &RoleCommand::CreateRole(definition(&[]))).unwrap_err().code, "role.exists");
    }

    #[test]
    fn refuses_unknown_permissions_resources_and_built_in_roles() {
        let unknown = Role::decide(&RoleState::default(), &RoleCommand::CreateRole(definition(&["launch.rockets"])));
        assert_eq!(unknown.unwrap_err().code, "role.unknown_permission");
        let mut bad_resource = definition(&[]);
        bad_resource.data_scopes.insert("rockets".into(), DataScope::All);
        assert_eq!(
            Role::decide(&RoleState::default(), &RoleCommand::CreateRole(bad_resource)).unwrap_err().code,
            "role.unknown_resource"
        );
        let built_in = RoleDefinition { role_id: BuiltInRole::Agent.id(), ..definition(&[]) };
        assert_eq!(
            Role::decide(&RoleState::default(), &RoleCommand::UpdateRole(built_in)).unwrap_err().code,
            "role.built_in"
        );
    }

    #[test]
    fn built_in_roles_have_stable_distinct_ids_and_known_permissions() {
        let ids: std::collections::HashSet<Uuid> = BuiltInRole::ALL.iter().map(|role| role.id()).collect();
        assert_eq!(ids.len(), BuiltInRole::ALL.len());
        for role in BuiltInRole::ALL {
            assert_eq!(BuiltInRole::from_id(role.id()), Some(role));
            assert!(validated(&role.definition()).is_ok());
        }
    }
}
