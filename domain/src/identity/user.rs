//! The user stream: created once per (tenant, user name); roles, organisation unit and
//! password can change; failed log-ins lead to a lock-out; sessions can be revoked.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::{Role, user_id_for_username, validate_text};
use crate::access::BuiltInRole;
use crate::email::parse_optional_address;
use crate::{Decider, DomainError, DomainEvent, StreamId, UpcastError};

pub const CONTEXT: &str = "user";

/// Failed log-ins in a row that lock a user out.
pub const MAX_FAILED_LOGINS: u32 = 5;
/// How long a lock-out lasts, unless an administrator unlocks the user first.
pub const LOCKOUT: Duration = Duration::minutes(15);
const INVALID_EMAIL: &str = "user.invalid_email";
/// Roles a user may hold at most.
const MAX_ROLES: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserCommand {
    CreateUser {
        tenant_id: Uuid,
        username: String,
        display_name: String,
        role_ids: Vec<Uuid>,
        org_unit_id: Option<Uuid>,
        credential_id: Uuid,
        email: Option<String>,
    },
    UpdateUser {
        user_id: Uuid,
        display_name: String,
        role_ids: Vec<Uuid>,
        org_unit_id: Option<Uuid>,
        email: Option<String>,
    },
    /// `credential_id` names the new password hash in the secret store.
    ChangePassword {
        user_id: Uuid,
        credential_id: Uuid,
    },
    RecordFailedLogin {
        user_id: Uuid,
        at: DateTime<Utc>,
    },
    /// A successful log-in; clears the count of failures (and appends nothing when there is none).
    RecordLogin {
        user_id: Uuid,
    },
    Unlock {
        user_id: Uuid,
    },
    /// Log out everywhere: every token issued before `at` stops working.
    RevokeSessions {
        user_id: Uuid,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserEvent {
    UserCreated(UserCreated),
    UserUpdated(UserUpdated),
    PasswordChanged(PasswordChanged),
    LoginFailed(LoginFailed),
    LockedOut(LockedOut),
    FailedLoginsCleared,
    Unlocked,
    SessionsRevoked(SessionsRevoked),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserCreated {
    pub user_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role_ids: Vec<Uuid>,
    pub org_unit_id: Option<Uuid>,
    pub credential_id: Uuid,
    /// Where reminders and other mail reach the user; added later, so absent in older events.
    #[serde(default)]
    pub email: Option<String>,
}

/// Version 1 of `hotline.user.created`: built-in roles by name, no organisation unit.
#[derive(Deserialize)]
struct UserCreatedV1 {
    user_id: Uuid,
    username: String,
    display_name: String,
    roles: Vec<Role>,
    credential_id: Uuid,
}

impl From<UserCreatedV1> for UserCreated {
    fn from(v1: UserCreatedV1) -> Self {
        let mut role_ids: Vec<Uuid> = v1.roles.into_iter().map(|role| role.built_in().id()).collect();
        role_ids.sort();
        role_ids.dedup();
        Self {
            user_id: v1.user_id,
            username: v1.username,
            display_name: v1.display_name,
            role_ids,
            org_unit_id: None,
            credential_id: v1.credential_id,
            email: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserUpdated {
    pub display_name: String,
    pub role_ids: Vec<Uuid>,
    pub org_unit_id: Option<Uuid>,
    /// The address after the update; added later, so absent (none) in older events.
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordChanged {
    pub credential_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginFailed {
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockedOut {
    pub until: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionsRevoked {
    pub at: DateTime<Utc>,
}

pub const USER_CREATED: &str = "hotline.user.created";
pub const USER_UPDATED: &str = "hotline.user.updated";
pub const PASSWORD_CHANGED: &str = "hotline.user.password_changed";
pub const LOGIN_FAILED: &str = "hotline.user.login_failed";
pub const LOCKED_OUT: &str = "hotline.user.locked_out";
pub const FAILED_LOGINS_CLEARED: &str = "hotline.user.failed_logins_cleared";
pub const UNLOCKED: &str = "hotline.user.unlocked";
pub const SESSIONS_REVOKED: &str = "hotline.user.sessions_revoked";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserState {
    pub created: Option<UserCreated>,
    pub display_name: String,
    pub role_ids: Vec<Uuid>,
    pub org_unit_id: Option<Uuid>,
    pub email: Option<String>,
    /// The credential currently in force.
    pub credential_id: Option<Uuid>,
    pub failed_logins: u32,
    pub locked_until: Option<DateTime<Utc>>,
    /// Tokens issued before this are void.
    pub sessions_revoked_at: Option<DateTime<Utc>>,
}

impl UserState {
    pub fn is_locked_at(&self, now: DateTime<Utc>) -> bool {
        self.locked_until.is_some_and(|until| until > now)
    }
}

fn to_value(payload: &impl Serialize) -> Value {
    serde_json::to_value(payload).expect("plain struct serialises")
}

impl DomainEvent for UserEvent {
    fn event_type(&self) -> &'static str {
        match self {
            UserEvent::UserCreated(_) => USER_CREATED,
            UserEvent::UserUpdated(_) => USER_UPDATED,
            UserEvent::PasswordChanged(_) => PASSWORD_CHANGED,
            UserEvent::LoginFailed(_) => LOGIN_FAILED,
            UserEvent::LockedOut(_) => LOCKED_OUT,
            UserEvent::FailedLoginsCleared => FAILED_LOGINS_CLEARED,
            UserEvent::Unlocked => UNLOCKED,
            UserEvent::SessionsRevoked(_) => SESSIONS_REVOKED,
        }
    }

    fn schema_version(&self) -> u32 {
        match self {
            UserEvent::UserCreated(_) => 2,
            _ => 1,
        }
    }

    fn to_payload(&self) -> Value {
        match self {
            UserEvent::UserCreated(created) => to_value(created),
            UserEvent::UserUpdated(updated) => to_value(updated),
            UserEvent::PasswordChanged(changed) => to_value(changed),
            UserEvent::LoginFailed(failed) => to_value(failed),
            UserEvent::LockedOut(locked) => to_value(locked),
            UserEvent::FailedLoginsCleared | UserEvent::Unlocked => Value::Object(Default::default()),
            UserEvent::SessionsRevoked(revoked) => to_value(revoked),
        }
    }

    fn from_stored(event_type: &str, schema_version: u32, payload: &Value) -> Result<Self, UpcastError> {
        fn read<T: serde::de::DeserializeOwned>(
            event_type: &str,
            version: u32,
            payload: &Value,
        ) -> Result<T, UpcastError> {
            serde_json::from_value(payload.clone())
                .map_err(|error| UpcastError::bad_payload(event_type, version, error))
        }
        let version = schema_version;
        match (event_type, version) {
            (USER_CREATED, 1) => {
                read::<UserCreatedV1>(event_type, version, payload).map(|v1| UserEvent::UserCreated(v1.into()))
            }
            (USER_CREATED, 2) => read(event_type, version, payload).map(UserEvent::UserCreated),
            (USER_UPDATED, 1) => read(event_type, version, payload).map(UserEvent::UserUpdated),
            (PASSWORD_CHANGED, 1) => read(event_type, version, payload).map(UserEvent::PasswordChanged),
            (LOGIN_FAILED, 1) => read(event_type, version, payload).map(UserEvent::LoginFailed),
            (LOCKED_OUT, 1) => read(event_type, version, payload).map(UserEvent::LockedOut),
            (FAILED_LOGINS_CLEARED, 1) => Ok(UserEvent::FailedLoginsCleared),
            (UNLOCKED, 1) => Ok(UserEvent::Unlocked),
            (SESSIONS_REVOKED, 1) => read(event_type, version, payload).map(UserEvent::SessionsRevoked),
            (
                USER_CREATED
                | USER_UPDATED
                | PASSWORD_CHANGED
                | LOGIN_FAILED
                | LOCKED_OUT
                | FAILED_LOGINS_CLEARED
                | UNLOCKED
                | SESSIONS_REVOKED,
                _,
            ) => Err(UpcastError::UnknownVersion { event_type: event_type.to_owned(), schema_version }),
            _ => Err(UpcastError::UnknownType(event_type.to_owned())),
        }
    }
}

fn validated_role_ids(role_ids: &[Uuid]) -> Result<Vec<Uuid>, DomainError> {
    if role_ids.is_empty() {
        return Err(DomainError::new("user.no_role", "a user needs at least one role"));
    }
    let mut role_ids = role_ids.to_vec();
    role_ids.sort();
    role_ids.dedup();
    if role_ids.len() > MAX_ROLES {
        return Err(DomainError::new("user.too_many_roles", format!("a user holds at most {MAX_ROLES} roles")));
    }
    Ok(role_ids)
}

fn user_not_found() -> DomainError {
    DomainError::new("user.not_found", "no such user")
}

pub struct User;

impl Decider for User {
    type State = UserState;
    type Command = UserCommand;
    type Event = UserEvent;

    fn stream_id(command: &UserCommand) -> StreamId {
        let user_id = match command {
            UserCommand::CreateUser { tenant_id, username, .. } => user_id_for_username(*tenant_id, username),
            UserCommand::UpdateUser { user_id, .. }
            | UserCommand::ChangePassword { user_id, .. }
            | UserCommand::RecordFailedLogin { user_id, .. }
            | UserCommand::RecordLogin { user_id }
            | UserCommand::Unlock { user_id }
            | UserCommand::RevokeSessions { user_id, .. } => *user_id,
        };
        StreamId::new(CONTEXT, user_id)
    }

    fn decide(state: &UserState, command: &UserCommand) -> Result<Vec<UserEvent>, DomainError> {
        if let UserCommand::CreateUser {
            tenant_id,
            username,
            display_name,
            role_ids,
            org_unit_id,
            credential_id,
            email,
        } = command
        {
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
            return Ok(vec![UserEvent::UserCreated(UserCreated {
                user_id: user_id_for_username(*tenant_id, username),
                username: username.clone(),
                display_name: display_name.clone(),
                role_ids: validated_role_ids(role_ids)?,
                org_unit_id: *org_unit_id,
                credential_id: *credential_id,
                email: parse_optional_address(email.as_deref(), INVALID_EMAIL)?,
            })]);
        }
        if state.created.is_none() {
            return Err(user_not_found());
        }
        match command {
            UserCommand::CreateUser { .. } => unreachable!("handled above"),
            UserCommand::UpdateUser { display_name, role_ids, org_unit_id, email, .. } => {
                validate_text("display name", display_name, 120, "user.invalid_display_name")?;
                let updated = UserUpdated {
                    display_name: display_name.clone(),
                    role_ids: validated_role_ids(role_ids)?,
                    org_unit_id: *org_unit_id,
                    email: parse_optional_address(email.as_deref(), INVALID_EMAIL)?,
                };
                let unchanged = updated.display_name == state.display_name
                    && updated.role_ids == state.role_ids
                    && updated.org_unit_id == state.org_unit_id
                    && updated.email == state.email;
                Ok(if unchanged { vec![] } else { vec![UserEvent::UserUpdated(updated)] })
            }
            UserCommand::ChangePassword { credential_id, .. } => {
                Ok(vec![UserEvent::PasswordChanged(PasswordChanged { credential_id: *credential_id })])
            }
            UserCommand::RecordFailedLogin { at, .. } => {
                let mut events = vec![UserEvent::LoginFailed(LoginFailed { at: *at })];
                if state.failed_logins + 1 >= MAX_FAILED_LOGINS && !state.is_locked_at(*at) {
                    events.push(UserEvent::LockedOut(LockedOut { until: *at + LOCKOUT }));
                }
                Ok(events)
            }
            UserCommand::RecordLogin { .. } => {
                Ok(if state.failed_logins > 0 { vec![UserEvent::FailedLoginsCleared] } else { vec![] })
            }
            UserCommand::Unlock { .. } => {
                let anything_to_clear = state.locked_until.is_some() || state.failed_logins > 0;
                Ok(if anything_to_clear { vec![UserEvent::Unlocked] } else { vec![] })
            }
            UserCommand::RevokeSessions { at, .. } => Ok(vec![UserEvent::SessionsRevoked(SessionsRevoked { at: *at })]),
        }
    }

    fn evolve(mut state: UserState, event: &UserEvent) -> UserState {
        match event {
            UserEvent::UserCreated(created) => {
                state.credential_id = Some(created.credential_id);
                state.display_name = created.display_name.clone();
                state.role_ids = created.role_ids.clone();
                state.org_unit_id = created.org_unit_id;
                state.email = created.email.clone();
                state.created = Some(created.clone());
            }
            UserEvent::UserUpdated(updated) => {
                state.display_name = updated.display_name.clone();
                state.role_ids = updated.role_ids.clone();
                state.org_unit_id = updated.org_unit_id;
                state.email = updated.email.clone();
            }
            UserEvent::PasswordChanged(changed) => state.credential_id = Some(changed.credential_id),
            UserEvent::LoginFailed(_) => state.failed_logins += 1,
            UserEvent::LockedOut(locked) => state.locked_until = Some(locked.until),
            UserEvent::FailedLoginsCleared => state.failed_logins = 0,
            UserEvent::Unlocked => {
                state.failed_logins = 0;
                state.locked_until = None;
            }
            UserEvent::SessionsRevoked(revoked) => state.sessions_revoked_at = Some(revoked.at),
        }
        state
    }
}

impl Role {
    /// The built-in role that a version-1 role name stands for.
    pub fn built_in(self) -> BuiltInRole {
        match self {
            Role::PlatformAdmin => BuiltInRole::PlatformAdministrator,
            Role::TenantAdmin => BuiltInRole::Administrator,
            Role::Supervisor => BuiltInRole::Supervisor,
            Role::Agent => BuiltInRole::Agent,
            Role::Auditor => BuiltInRole::Auditor,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    const TENANT: Uuid = Uuid::from_u128(1);

    fn create(username: &str) -> UserCommand {
        UserCommand::CreateUser {
            tenant_id: TENANT,
            username: username.into(),
            display_name: "Ann Lee".into(),
            role_ids: vec![BuiltInRole::Agent.id(), BuiltInRole::Agent.id()],
            org_unit_id: None,
            credential_id: Uuid::from_u128(10),
            email: None,
        }
    }

    fn created(username: &str) -> (Vec<UserEvent>, UserState) {
        let events = User::decide(&UserState::default(), &create(username)).unwrap();
        let state = User::replay(&events);
        (events, state)
    }

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 9, minute, 0).unwrap()
    }

    #[test]
    fn given_nothing_when_create_then_user_created_with_deduplicated_roles() {
        let (events, _) = created("ann");
        let UserEvent::UserCreated(created) = &events[0] else { panic!("expected UserCreated") };
        assert_eq!(created.role_ids, vec![BuiltInRole::Agent.id()]);
        assert_eq!(created.user_id, user_id_for_username(TENANT, "ANN"));
    }

    #[test]
    fn user_names_are_unique_per_tenant_ignoring_case() {
        let (_, state) = created("ann");
        assert_eq!(User::decide(&state, &create("ann")).unwrap_err().code, "user.username_taken");
        assert_eq!(User::stream_id(&create("ann")), User::stream_id(&create("Ann")));
    }

    #[test]
    fn five_failed_log_ins_lock_out_until_the_time_passes_or_an_unlock() {
        let (events, mut state) = created("ann");
        let user_id = user_id_for_username(TENANT, "ann");
        let mut all = events;
        for minute in 0..MAX_FAILED_LOGINS {
            let failed = User::decide(&state, &UserCommand::RecordFailedLogin { user_id, at: at(minute) }).unwrap();
            all.extend(failed);
            state = User::replay(&all);
        }
        assert!(state.is_locked_at(at(5)));
        assert!(!state.is_locked_at(at(4) + LOCKOUT));
        let unlocked = User::decide(&state, &UserCommand::Unlock { user_id }).unwrap();
        all.extend(unlocked);
        let state = User::replay(&all);
        assert!(!state.is_locked_at(at(5)));
        assert_eq!(state.failed_logins, 0);
    }

    #[test]
    fn a_successful_log_in_clears_failures_and_appends_nothing_otherwise() {
        let (events, state) = created("ann");
        let user_id = user_id_for_username(TENANT, "ann");
        assert!(User::decide(&state, &UserCommand::RecordLogin { user_id }).unwrap().is_empty());
        let failed = User::decide(&state, &UserCommand::RecordFailedLogin { user_id, at: at(0) }).unwrap();
        let state = User::replay(events.iter().chain(&failed));
        assert_eq!(
            User::decide(&state, &UserCommand::RecordLogin { user_id }).unwrap(),
            vec![UserEvent::FailedLoginsCleared]
        );
    }

    #[test]
    fn update_appends_only_a_change_and_revoke_records_the_time() {
        let (_, state) = created("ann");
        let user_id = user_id_for_username(TENANT, "ann");
        let same = UserCommand::UpdateUser {
            user_id,
            display_name: "Ann Lee".into(),
            role_ids: vec![BuiltInRole::Agent.id()],
            org_unit_id: None,
            email: None,
        };
        assert!(User::decide(&state, &same).unwrap().is_empty());
        let promoted = UserCommand::UpdateUser {
            user_id,
            display_name: "Ann Lee".into(),
            role_ids: vec![BuiltInRole::Supervisor.id()],
            org_unit_id: Some(Uuid::from_u128(3)),
            email: None,
        };
        assert_eq!(User::decide(&state, &promoted).unwrap().len(), 1);
        let with_email = |email: &str| UserCommand::UpdateUser {
            user_id,
            display_name: "Ann Lee".into(),
            role_ids: vec![BuiltInRole::Agent.id()],
            org_unit_id: None,
            email: Some(email.into()),
        };
        let events = User::decide(&state, &with_email(" ann@Example.com ")).unwrap();
        let UserEvent::UserUpdated(updated) = &events[0] else { panic!("expected UserUpdated") };
        assert_eq!(updated.email.as_deref(), Some("ann@example.com"));
        let with_mail = User::evolve(state.clone(), &events[0]);
        assert_eq!(with_mail.email.as_deref(), Some("ann@example.com"));
        assert!(User::decide(&with_mail, &with_email("ann@example.com")).unwrap().is_empty());
        assert_eq!(User::decide(&state, &with_email("ann at example")).unwrap_err().code, "user.invalid_email");
        let revoked = User::decide(&state, &UserCommand::RevokeSessions { user_id, at: at(9) }).unwrap();
        assert_eq!(User::evolve(state, &revoked[0]).sessions_revoked_at, Some(at(9)));
    }

    #[test]
    fn commands_on_an_unknown_user_and_bad_input_are_refused() {
        let user_id = Uuid::from_u128(5);
        let change = UserCommand::ChangePassword { user_id, credential_id: Uuid::from_u128(11) };
        assert_eq!(User::decide(&UserState::default(), &change).unwrap_err().code, "user.not_found");
        assert_eq!(User::decide(&UserState::default(), &create("a b")).unwrap_err().code, "user.invalid_username");
        let no_roles = UserCommand::CreateUser {
            tenant_id: TENANT,
            username: "bob".into(),
            display_name: "Bob".into(),
            role_ids: vec![],
            org_unit_id: None,
            credential_id: Uuid::from_u128(10),
            email: None,
        };
        assert_eq!(User::decide(&UserState::default(), &no_roles).unwrap_err().code, "user.no_role");
    }

    #[test]
    fn version_1_user_created_is_upcast_to_built_in_role_ids() {
        let v1 = serde_json::json!({
            "user_id": Uuid::from_u128(9), "username": "ann", "display_name": "Ann",
            "roles": ["tenant_admin", "platform_admin"], "credential_id": Uuid::from_u128(10)
        });
        let UserEvent::UserCreated(created) = UserEvent::from_stored(USER_CREATED, 1, &v1).unwrap() else { panic!() };
        let mut expected = vec![BuiltInRole::Administrator.id(), BuiltInRole::PlatformAdministrator.id()];
        expected.sort();
        assert_eq!(created.role_ids, expected);
        assert_eq!(created.org_unit_id, None);
        assert_eq!(created.email, None);
    }
}
