//! The user stream: created once per (tenant, user name); the password can change.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::{Role, user_id_for_username, validate_text};
use crate::{Decider, DomainError, DomainEvent, StreamId, UpcastError};

pub const CONTEXT: &str = "user";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserCommand {
    CreateUser {
        tenant_id: Uuid,
        username: String,
        display_name: String,
        roles: Vec<Role>,
        credential_id: Uuid,
    },
    /// `credential_id` names the new password hash in the secret store.
    ChangePassword {
        user_id: Uuid,
        credential_id: Uuid,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserEvent {
    UserCreated(UserCreated),
    PasswordChanged(PasswordChanged),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserCreated {
    pub user_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub credential_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordChanged {
    pub credential_id: Uuid,
}

pub const USER_CREATED: &str = "hotline.user.created";
pub const PASSWORD_CHANGED: &str = "hotline.user.password_changed";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserState {
    pub created: Option<UserCreated>,
    /// The credential currently in force.
    pub credential_id: Option<Uuid>,
}

impl DomainEvent for UserEvent {
    fn event_type(&self) -> &'static str {
        match self {
            UserEvent::UserCreated(_) => USER_CREATED,
            UserEvent::PasswordChanged(_) => PASSWORD_CHANGED,
        }
    }

    fn schema_version(&self) -> u32 {
        1
    }

    fn to_payload(&self) -> Value {
        let payload = match self {
            UserEvent::UserCreated(created) => serde_json::to_value(created),
            UserEvent::PasswordChanged(changed) => serde_json::to_value(changed),
        };
        payload.expect("plain struct serialises")
    }

    fn from_stored(event_type: &str, schema_version: u32, payload: &Value) -> Result<Self, UpcastError> {
        let bad = |error: serde_json::Error| UpcastError::bad_payload(event_type, schema_version, error);
        match (event_type, schema_version) {
            (USER_CREATED, 1) => serde_json::from_value(payload.clone()).map(UserEvent::UserCreated).map_err(bad),
            (PASSWORD_CHANGED, 1) => {
                serde_json::from_value(payload.clone()).map(UserEvent::PasswordChanged).map_err(bad)
            }
            (USER_CREATED | PASSWORD_CHANGED, _) => {
                Err(UpcastError::UnknownVersion { event_type: event_type.to_owned(), schema_version })
            }
            _ => Err(UpcastError::UnknownType(event_type.to_owned())),
        }
    }
}

pub struct User;

impl Decider for User {
    type State = UserState;
    type Command = UserCommand;
    type Event = UserEvent;

    fn stream_id(command: &UserCommand) -> StreamId {
        let user_id = match command {
            UserCommand::CreateUser { tenant_id, username, .. } => user_id_for_username(*tenant_id, username),
            UserCommand::ChangePassword { user_id, .. } => *user_id,
        };
        StreamId::new(CONTEXT, user_id)
    }

    fn decide(state: &UserState, command: &UserCommand) -> Result<Vec<UserEvent>, DomainError> {
        match command {
            UserCommand::CreateUser { tenant_id, username, display_name, roles, credential_id } => {
                if state.created.is_some() {
                    return Err(DomainError::new("user.username_taken", format!("user name {username:?} is taken")));
                }
                let username_is_valid = (3..=64).contains(&username.len())
                    && username.bytes().all(|byte| byte.is_ascii_alphanumeric() || b"._-@".contains(&byte));
                if !username_is_valid {
                    return Err(DomainError::new(
                        "user.invalid_username",
                        "a user name is 3 to 64 letters, digits, '.', '_', '-' or '@'",
                    ));
                }
                validate_text("display name", display_name, 120, "user.invalid_display_name")?;
                if roles.is_empty() {
                    return Err(DomainError::new("user.no_role", "a user needs at least one role"));
                }
                let mut roles = roles.clone();
                roles.sort();
                roles.dedup();
                Ok(vec![UserEvent::UserCreated(UserCreated {
                    user_id: user_id_for_username(*tenant_id, username),
                    username: username.clone(),
                    display_name: display_name.clone(),
                    roles,
                    credential_id: *credential_id,
                })])
            }
            UserCommand::ChangePassword { credential_id, .. } => {
                if state.created.is_none() {
                    return Err(DomainError::new("user.not_found", "no such user"));
                }
                Ok(vec![UserEvent::PasswordChanged(PasswordChanged { credential_id: *credential_id })])
            }
        }
    }

    fn evolve(mut state: UserState, event: &UserEvent) -> UserState {
        match event {
            UserEvent::UserCreated(created) => {
                state.credential_id = Some(created.credential_id);
                state.created = Some(created.clone());
            }
            UserEvent::PasswordChanged(changed) => state.credential_id = Some(changed.credential_id),
        }
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TENANT: Uuid = Uuid::from_u128(1);

    fn create(username: &str) -> UserCommand {
        UserCommand::CreateUser {
            tenant_id: TENANT,
            username: username.into(),
            display_name: "Ann Lee".into(),
            roles: vec![Role::Agent, Role::Agent],
            credential_id: Uuid::from_u128(10),
        }
    }

    #[test]
    fn given_nothing_when_create_then_user_created_with_deduplicated_roles() {
        let events = User::decide(&UserState::default(), &create("ann")).unwrap();
        let UserEvent::UserCreated(created) = &events[0] else { panic!("expected UserCreated") };
        assert_eq!(created.roles, vec![Role::Agent]);
        assert_eq!(created.user_id, user_id_for_username(TENANT, "ANN"));
    }

    #[test]
    fn user_names_are_unique_per_tenant_ignoring_case() {
        let state = User::replay(&User::decide(&UserState::default(), &create("ann")).unwrap());
        assert_eq!(User::decide(&state, &create("ann")).unwrap_err().code, "user.username_taken");
        assert_eq!(User::stream_id(&create("ann")), User::stream_id(&create("Ann")));
    }

    #[test]
    fn given_created_when_change_password_then_new_credential_in_force() {
        let created = User::decide(&UserState::default(), &create("ann")).unwrap();
        let state = User::replay(&created);
        let user_id = user_id_for_username(TENANT, "ann");
        let change = UserCommand::ChangePassword { user_id, credential_id: Uuid::from_u128(11) };
        let state = User::replay(created.iter().chain(&User::decide(&state, &change).unwrap()));
        assert_eq!(state.credential_id, Some(Uuid::from_u128(11)));
    }

    #[test]
    fn refuses_password_change_of_unknown_user_and_bad_input() {
        let change = UserCommand::ChangePassword { user_id: Uuid::from_u128(5), credential_id: Uuid::from_u128(11) };
        assert_eq!(User::decide(&UserState::default(), &change).unwrap_err().code, "user.not_found");
        assert_eq!(User::decide(&UserState::default(), &create("a b")).unwrap_err().code, "user.invalid_username");
        let no_roles = UserCommand::CreateUser {
            tenant_id: TENANT,
            username: "bob".into(),
            display_name: "Bob".into(),
            roles: vec![],
            credential_id: Uuid::from_u128(10),
        };
        assert_eq!(User::decide(&UserState::default(), &no_roles).unwrap_err().code, "user.no_role");
    }
}
