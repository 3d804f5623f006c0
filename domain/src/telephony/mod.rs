//! The tenant's telephony directory: extensions (the SIP accounts agents' phones log in
//! with), trunks (the carriers' SIP peers calls come in from and go out to) and access
//! numbers (the numbers customers dial, each routed to an ACD queue), and the music callers
//! hear while queued or held: audio files, and the one each queue plays.
//!
//! The whole directory of a tenant is ONE stream, `telephony-<tenant id>`: an extension
//! number must differ from every other extension number AND from every access number, so
//! both are decided against one state.
//!
//! Passwords are never in the log: the service stores an extension's SIP password (and a
//! trunk's registration password) in the secret store first, and the events name only its
//! id (`secret_id`).
//!
//! Rules:
//! - an extension number is 2 to 8 ASCII digits, unique among the tenant's extensions and
//!   not one of its access numbers; a user has at most one extension;
//! - a display name or a trunk name is 1 to 100 characters (not blank); trunk names are
//!   unique ignoring case;
//! - a trunk lists 1 to 20 peers, each an IP address or a CIDR network (calls from them are
//!   the trunk's; host names are not accepted, since inbound matching is by source address);
//!   its outbound address is `host` or `host:port` (at most 255 characters);
//! - an access number is 1 to 32 digits with an optional leading `+`, unique, and not an
//!   extension number; a trunk cannot be removed while an access number names it;
//! - a music file has a name of 1 to 100 characters and lasts 1 second to 10 minutes (its
//!   samples are a blob the service stores first, under the file's id); a tenant keeps at
//!   most 50; a file cannot be removed while a queue plays it. A queue without music of
//!   its own plays the built-in chime.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::{Decider, DomainError, DomainEvent, StreamId, UpcastError, read_payload};

pub const CONTEXT: &str = "telephony";

pub const EXTENSION_PROVISIONED: &str = "hotline.telephony.extension_provisioned";
pub const EXTENSION_UPDATED: &str = "hotline.telephony.extension_updated";
pub const EXTENSION_PASSWORD_ROTATED: &str = "hotline.telephony.extension_password_rotated";
pub const EXTENSION_REMOVED: &str = "hotline.telephony.extension_removed";
pub const TRUNK_DEFINED: &str = "hotline.telephony.trunk_defined";
pub const TRUNK_UPDATED: &str = "hotline.telephony.trunk_updated";
pub const TRUNK_REMOVED: &str = "hotline.telephony.trunk_removed";
pub const ACCESS_NUMBER_ASSIGNED: &str = "hotline.telephony.access_number_assigned";
pub const ACCESS_NUMBER_RELEASED: &str = "hotline.telephony.access_number_released";
pub const MUSIC_ADDED: &str = "hotline.telephony.music_added";
pub const MUSIC_REMOVED: &str = "hotline.telephony.music_removed";
pub const QUEUE_MUSIC_SET: &str = "hotline.telephony.queue_music_set";

const EVENT_TYPES: [&str; 12] = [
    EXTENSION_PROVISIONED,
    EXTENSION_UPDATED,
    EXTENSION_PASSWORD_ROTATED,
    EXTENSION_REMOVED,
    TRUNK_DEFINED,
    TRUNK_UPDATED,
    TRUNK_REMOVED,
    ACCESS_NUMBER_ASSIGNED,
    ACCESS_NUMBER_RELEASED,
    MUSIC_ADDED,
    MUSIC_REMOVED,
    QUEUE_MUSIC_SET,
];

pub const MIN_EXTENSION_DIGITS: usize = 2;
pub const MAX_EXTENSION_DIGITS: usize = 8;
pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_PEERS: usize = 20;
pub const MAX_ADDRESS_CHARS: usize = 255;
pub const MAX_ACCESS_NUMBER_CHARS: usize = 32;
pub const MAX_DESCRIPTION_CHARS: usize = 200;
pub const MAX_USERNAME_CHARS: usize = 100;
pub const MIN_MUSIC_MS: u64 = 1_000;
pub const MAX_MUSIC_MS: u64 = 10 * 60 * 1_000;
pub const MAX_MUSIC_FILES: usize = 50;

/// The stream holding a tenant's whole telephony directory.
pub fn stream_id(tenant_id: Uuid) -> StreamId {
    StreamId::new(CONTEXT, tenant_id)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionProvisioned {
    pub extension_id: Uuid,
    pub number: String,
    pub display_name: String,
    pub user_id: Option<Uuid>,
    /// The SIP password's id in the secret store.
    pub secret_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionUpdated {
    pub extension_id: Uuid,
    pub display_name: String,
    pub user_id: Option<Uuid>,
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionPasswordRotated {
    pub extension_id: Uuid,
    pub secret_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionRemoved {
    pub extension_id: Uuid,
}

/// How Hotline registers with a carrier that wants it to (the password is in the secret store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrunkRegistration {
    /// `host` or `host:port`.
    pub registrar: String,
    pub username: String,
    pub secret_id: Uuid,
}

/// A trunk as defined or updated (all of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrunkDefinition {
    pub trunk_id: Uuid,
    pub name: String,
    /// IP addresses or CIDR networks calls of this trunk come from.
    pub peers: Vec<String>,
    /// Where calls out through this trunk go: `host` or `host:port`.
    pub outbound_address: Option<String>,
    pub registration: Option<TrunkRegistration>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrunkRemoved {
    pub trunk_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessNumberAssigned {
    pub number: String,
    /// The ACD queue calls to this number wait in.
    pub queue_id: Uuid,
    /// The trunk the number arrives on; `None`: any of the tenant's trunks.
    pub trunk_id: Option<Uuid>,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessNumberReleased {
    pub number: String,
}

/// A music file: its samples (μ-law, 8 kHz) are the blob with the same id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MusicAdded {
    pub music_id: Uuid,
    pub name: String,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MusicRemoved {
    pub music_id: Uuid,
}

/// What a queue's callers hear while they wait or are held; `None`: the built-in chime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueMusicSet {
    pub queue_id: Uuid,
    pub music_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TelephonyEvent {
    ExtensionProvisioned(ExtensionProvisioned),
    ExtensionUpdated(ExtensionUpdated),
    ExtensionPasswordRotated(ExtensionPasswordRotated),
    ExtensionRemoved(ExtensionRemoved),
    TrunkDefined(TrunkDefinition),
    TrunkUpdated(TrunkDefinition),
    TrunkRemoved(TrunkRemoved),
    AccessNumberAssigned(AccessNumberAssigned),
    AccessNumberReleased(AccessNumberReleased),
    MusicAdded(MusicAdded),
    MusicRemoved(MusicRemoved),
    QueueMusicSet(QueueMusicSet),
}

/// A trunk's registration as a command gives it: `secret_id: None` keeps the password the
/// trunk registers with now (an update that does not change it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationInput {
    pub registrar: String,
    pub username: String,
    pub secret_id: Option<Uuid>,
}

/// A trunk as a command gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrunkInput {
    pub trunk_id: Uuid,
    pub name: String,
    pub peers: Vec<String>,
    pub outbound_address: Option<String>,
    pub registration: Option<RegistrationInput>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TelephonyAction {
    /// `secret_id` names the SIP password the service stored before.
    ProvisionExtension {
        extension_id: Uuid,
        number: String,
        display_name: String,
        user_id: Option<Uuid>,
        secret_id: Uuid,
    },
    UpdateExtension {
        extension_id: Uuid,
        display_name: String,
        user_id: Option<Uuid>,
        enabled: bool,
    },
    RotateExtensionPassword {
        extension_id: Uuid,
        secret_id: Uuid,
    },
    RemoveExtension {
        extension_id: Uuid,
    },
    DefineTrunk(TrunkInput),
    UpdateTrunk(TrunkInput),
    RemoveTrunk {
        trunk_id: Uuid,
    },
    AssignAccessNumber(AccessNumberAssigned),
    ReleaseAccessNumber {
        number: String,
    },
    /// The file's samples are stored already, under `music_id`.
    AddMusic(MusicAdded),
    RemoveMusic {
        music_id: Uuid,
    },
    /// The service has checked that the queue exists (it is the ACD's).
    SetQueueMusic(QueueMusicSet),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TelephonyCommand {
    pub tenant_id: Uuid,
    pub action: TelephonyAction,
}

/// An extension as its events left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    pub extension_id: Uuid,
    pub number: String,
    pub display_name: String,
    pub user_id: Option<Uuid>,
    pub secret_id: Uuid,
    pub enabled: bool,
}

/// A tenant's directory: what exists now (removed entries are gone).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TelephonyState {
    pub extensions: BTreeMap<Uuid, Extension>,
    pub trunks: BTreeMap<Uuid, TrunkDefinition>,
    /// By number.
    pub access_numbers: BTreeMap<String, AccessNumberAssigned>,
    pub music: BTreeMap<Uuid, MusicAdded>,
    /// The music each queue plays, by queue (queues without an entry play the chime).
    pub queue_music: BTreeMap<Uuid, Uuid>,
}

impl TelephonyState {
    pub fn extension_by_number(&self, number: &str) -> Option<&Extension> {
        self.extensions.values().find(|extension| extension.number == number)
    }

    pub fn extension_of_user(&self, user_id: Uuid) -> Option<&Extension> {
        self.extensions.values().find(|extension| extension.user_id == Some(user_id))
    }
}

impl DomainEvent for TelephonyEvent {
    fn event_type(&self) -> &'static str {
        match self {
            TelephonyEvent::ExtensionProvisioned(_) => EXTENSION_PROVISIONED,
            TelephonyEvent::ExtensionUpdated(_) => EXTENSION_UPDATED,
            TelephonyEvent::ExtensionPasswordRotated(_) => EXTENSION_PASSWORD_ROTATED,
            TelephonyEvent::ExtensionRemoved(_) => EXTENSION_REMOVED,
            TelephonyEvent::TrunkDefined(_) => TRUNK_DEFINED,
            TelephonyEvent::TrunkUpdated(_) => TRUNK_UPDATED,
            TelephonyEvent::TrunkRemoved(_) => TRUNK_REMOVED,
            TelephonyEvent::AccessNumberAssigned(_) => ACCESS_NUMBER_ASSIGNED,
            TelephonyEvent::AccessNumberReleased(_) => ACCESS_NUMBER_RELEASED,
            TelephonyEvent::MusicAdded(_) => MUSIC_ADDED,
            TelephonyEvent::MusicRemoved(_) => MUSIC_REMOVED,
            TelephonyEvent::QueueMusicSet(_) => QUEUE_MUSIC_SET,
        }
    }

    fn schema_version(&self) -> u32 {
        1
    }

    fn to_payload(&self) -> Value {
        let payload = match self {
            TelephonyEvent::ExtensionProvisioned(event) => serde_json::to_value(event),
            TelephonyEvent::ExtensionUpdated(event) => serde_json::to_value(event),
            TelephonyEvent::ExtensionPasswordRotated(event) => serde_json::to_value(event),
            TelephonyEvent::ExtensionRemoved(event) => serde_json::to_value(event),
            TelephonyEvent::TrunkDefined(event) | TelephonyEvent::TrunkUpdated(event) => serde_json::to_value(event),
            TelephonyEvent::TrunkRemoved(event) => serde_json::to_value(event),
            TelephonyEvent::AccessNumberAssigned(event) => serde_json::to_value(event),
            TelephonyEvent::AccessNumberReleased(event) => serde_json::to_value(event),
            TelephonyEvent::MusicAdded(event) => serde_json::to_value(event),
            TelephonyEvent::MusicRemoved(event) => serde_json::to_value(event),
            TelephonyEvent::QueueMusicSet(event) => serde_json::to_value(event),
        };
        payload.expect("plain struct serialises")
    }

    fn from_stored(event_type: &str, schema_version: u32, payload: &Value) -> Result<Self, UpcastError> {
        UpcastError::check_first_version(&EVENT_TYPES, event_type, schema_version)?;
        match event_type {
            EXTENSION_PROVISIONED => read_payload(event_type, 1, payload, TelephonyEvent::ExtensionProvisioned),
            EXTENSION_UPDATED => read_payload(event_type, 1, payload, TelephonyEvent::ExtensionUpdated),
            EXTENSION_PASSWORD_ROTATED => {
                read_payload(event_type, 1, payload, TelephonyEvent::ExtensionPasswordRotated)
            }
            EXTENSION_REMOVED => read_payload(event_type, 1, payload, TelephonyEvent::ExtensionRemoved),
            TRUNK_DEFINED => read_payload(event_type, 1, payload, TelephonyEvent::TrunkDefined),
            TRUNK_UPDATED => read_payload(event_type, 1, payload, TelephonyEvent::TrunkUpdated),
            TRUNK_REMOVED => read_payload(event_type, 1, payload, TelephonyEvent::TrunkRemoved),
            ACCESS_NUMBER_ASSIGNED => read_payload(event_type, 1, payload, TelephonyEvent::AccessNumberAssigned),
            ACCESS_NUMBER_RELEASED => read_payload(event_type, 1, payload, TelephonyEvent::AccessNumberReleased),
            MUSIC_ADDED => read_payload(event_type, 1, payload, TelephonyEvent::MusicAdded),
            MUSIC_REMOVED => read_payload(event_type, 1, payload, TelephonyEvent::MusicRemoved),
            _ => read_payload(event_type, 1, payload, TelephonyEvent::QueueMusicSet),
        }
    }
}

/// 2 to 8 ASCII digits.
pub fn validate_extension_number(number: &str) -> Result<(), DomainError> {
    let digits = number.len();
    if !(MIN_EXTENSION_DIGITS..=MAX_EXTENSION_DIGITS).contains(&digits) || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DomainError::new(
            "telephony.invalid_extension_number",
            format!("an extension number is {MIN_EXTENSION_DIGITS} to {MAX_EXTENSION_DIGITS} digits"),
        ));
    }
    Ok(())
}

/// 1 to 32 characters: digits with an optional leading `+`.
pub fn validate_access_number(number: &str) -> Result<(), DomainError> {
    let digits = number.strip_prefix('+').unwrap_or(number);
    if digits.is_empty() || number.len() > MAX_ACCESS_NUMBER_CHARS || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DomainError::new(
            "telephony.invalid_access_number",
            format!("an access number is 1 to {MAX_ACCESS_NUMBER_CHARS} digits with an optional leading +"),
        ));
    }
    Ok(())
}

/// A name of 1 to 100 characters, not blank, without control characters.
fn is_name(text: &str) -> bool {
    !text.trim().is_empty() && text.chars().count() <= MAX_NAME_CHARS && !text.chars().any(char::is_control)
}

pub fn validate_display_name(display_name: &str) -> Result<(), DomainError> {
    if !is_name(display_name) {
        return Err(DomainError::new(
            "telephony.invalid_display_name",
            format!("a display name is 1 to {MAX_NAME_CHARS} characters"),
        ));
    }
    Ok(())
}

/// An IP address (`192.0.2.10`, `2001:db8::1`) or a CIDR network (`192.0.2.0/24`).
pub fn is_peer(peer: &str) -> bool {
    let (address, prefix) = match peer.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (peer, None),
    };
    let Ok(address) = address.parse::<IpAddr>() else { return false };
    let Some(prefix) = prefix else { return true };
    let longest = if address.is_ipv4() { 32 } else { 128 };
    !prefix.is_empty()
        && prefix.len() <= 3
        && prefix.bytes().all(|b| b.is_ascii_digit())
        && prefix.parse::<u32>().is_ok_and(|length| length <= longest)
}

/// `host` or `host:port`: the host an IP address (IPv6 in brackets when a port follows),
/// or a DNS name of letters, digits, `-` and `.`; the port 1 to 65535; at most 255 characters.
pub fn is_host_and_port(address: &str) -> bool {
    if address.is_empty() || address.len() > MAX_ADDRESS_CHARS {
        return false;
    }
    if address.parse::<IpAddr>().is_ok() {
        return true;
    }
    let (host, port) = if let Some(rest) = address.strip_prefix('[') {
        let Some((host, after)) = rest.split_once(']') else { return false };
        if host.parse::<std::net::Ipv6Addr>().is_err() {
            return false;
        }
        match after {
            "" => return true,
            _ => match after.strip_prefix(':') {
                Some(port) => (None, Some(port)),
                None => return false,
            },
        }
    } else {
        match address.split_once(':') {
            Some((host, port)) => (Some(host), Some(port)),
            None => (Some(address), None),
        }
    };
    let host_ok = host.is_none_or(|host| {
        !host.is_empty()
            && !host.starts_with(['.', '-'])
            && !host.ends_with('-')
            && !host.contains("..")
            && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    });
    let port_ok = port.is_none_or(|port| {
        !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) && port.parse::<u16>().is_ok_and(|port| port > 0)
    });
    host_ok && port_ok
}

fn validate_trunk(trunk: &TrunkInput) -> Result<(), DomainError> {
    if !is_name(&trunk.name) {
        return Err(DomainError::new(
            "telephony.invalid_trunk_name",
            format!("a trunk name is 1 to {MAX_NAME_CHARS} characters"),
        ));
    }
    let invalid_peers = |why: String| DomainError::new("telephony.invalid_peers", why);
    if trunk.peers.is_empty() || trunk.peers.len() > MAX_PEERS {
        return Err(invalid_peers(format!("a trunk lists 1 to {MAX_PEERS} peers")));
    }
    for (index, peer) in trunk.peers.iter().enumerate() {
        if !is_peer(peer) {
            return Err(invalid_peers(format!(
                "{peer:?} is not an IP address or a CIDR network (host names are not accepted)"
            )));
        }
        if trunk.peers[..index].contains(peer) {
            return Err(invalid_peers(format!("{peer:?} is listed twice")));
        }
    }
    if let Some(address) = &trunk.outbound_address
        && !is_host_and_port(address)
    {
        return Err(DomainError::new(
            "telephony.invalid_outbound_address",
            format!("an outbound address is host or host:port, at most {MAX_ADDRESS_CHARS} characters"),
        ));
    }
    if let Some(registration) = &trunk.registration {
        let username = &registration.username;
        let username_ok = !username.is_empty()
            && username.chars().count() <= MAX_USERNAME_CHARS
            && !username.chars().any(|character| character.is_whitespace() || character.is_control());
        if !is_host_and_port(&registration.registrar) || !username_ok {
            return Err(DomainError::new(
                "telephony.invalid_registration",
                format!(
                    "a registration names a registrar (host or host:port) and a user name of 1 to \
                     {MAX_USERNAME_CHARS} characters without spaces"
                ),
            ));
        }
    }
    Ok(())
}

fn music_not_found(music_id: Uuid) -> DomainError {
    DomainError::new("telephony.music_not_found", format!("no music file {music_id}"))
}

fn decide_add_music(state: &TelephonyState, added: &MusicAdded) -> Result<TelephonyEvent, DomainError> {
    if state.music.contains_key(&added.music_id) {
        return Err(DomainError::new(
            "telephony.music_exists",
            format!("music file {} exists already", added.music_id),
        ));
    }
    if !is_name(&added.name) {
        return Err(DomainError::new(
            "telephony.invalid_music_name",
            format!("a music file's name is 1 to {MAX_NAME_CHARS} characters"),
        ));
    }
    if !(MIN_MUSIC_MS..=MAX_MUSIC_MS).contains(&added.duration_ms) {
        return Err(DomainError::new(
            "telephony.invalid_music_length",
            format!("music lasts {} second to {} minutes", MIN_MUSIC_MS / 1000, MAX_MUSIC_MS / 60_000),
        ));
    }
    if state.music.len() >= MAX_MUSIC_FILES {
        return Err(DomainError::new(
            "telephony.too_much_music",
            format!("a tenant keeps at most {MAX_MUSIC_FILES} music files: remove one first"),
        ));
    }
    Ok(TelephonyEvent::MusicAdded(added.clone()))
}

fn extension_not_found(extension_id: Uuid) -> DomainError {
    DomainError::new("telephony.extension_not_found", format!("no extension {extension_id}"))
}

fn trunk_not_found(trunk_id: Uuid) -> DomainError {
    DomainError::new("telephony.trunk_not_found", format!("no trunk {trunk_id}"))
}

/// Refuses a user who has an extension other than `except`.
fn check_user_free(state: &TelephonyState, user_id: Option<Uuid>, except: Option<Uuid>) -> Result<(), DomainError> {
    let Some(user_id) = user_id else { return Ok(()) };
    match state.extension_of_user(user_id) {
        Some(other) if Some(other.extension_id) != except => Err(DomainError::new(
            "telephony.user_has_extension",
            format!("user {user_id} has extension {} already", other.number),
        )),
        _ => Ok(()),
    }
}

/// The trunk a command leaves: validated, its name free, its registration's password resolved.
fn trunk_definition(
    state: &TelephonyState,
    input: &TrunkInput,
    current: Option<&TrunkDefinition>,
) -> Result<TrunkDefinition, DomainError> {
    validate_trunk(input)?;
    let name_key = input.name.to_lowercase();
    let taken =
        state.trunks.values().any(|trunk| trunk.trunk_id != input.trunk_id && trunk.name.to_lowercase() == name_key);
    if taken {
        return Err(DomainError::new(
            "telephony.trunk_name_taken",
            format!("a trunk named {:?} exists already", input.name),
        ));
    }
    let registration = match &input.registration {
        None => None,
        Some(registration) => {
            let kept = current.and_then(|trunk| trunk.registration.as_ref()).map(|current| current.secret_id);
            let Some(secret_id) = registration.secret_id.or(kept) else {
                return Err(DomainError::new(
                    "telephony.registration_password_required",
                    "a registration needs a password (it can be left out only to keep the current one)",
                ));
            };
            Some(TrunkRegistration {
                registrar: registration.registrar.clone(),
                username: registration.username.clone(),
                secret_id,
            })
        }
    };
    Ok(TrunkDefinition {
        trunk_id: input.trunk_id,
        name: input.name.clone(),
        peers: input.peers.clone(),
        outbound_address: input.outbound_address.clone(),
        registration,
    })
}

pub struct Telephony;

impl Decider for Telephony {
    type State = TelephonyState;
    type Command = TelephonyCommand;
    type Event = TelephonyEvent;

    fn stream_id(command: &TelephonyCommand) -> StreamId {
        stream_id(command.tenant_id)
    }

    fn decide(state: &TelephonyState, command: &TelephonyCommand) -> Result<Vec<TelephonyEvent>, DomainError> {
        let event = match &command.action {
            TelephonyAction::ProvisionExtension { extension_id, number, display_name, user_id, secret_id } => {
                if state.extensions.contains_key(extension_id) {
                    return Err(DomainError::new(
                        "telephony.extension_exists",
                        format!("extension {extension_id} exists already"),
                    ));
                }
                validate_extension_number(number)?;
                validate_display_name(display_name)?;
                if state.extension_by_number(number).is_some() || state.access_numbers.contains_key(number) {
                    return Err(DomainError::new(
                        "telephony.extension_number_taken",
                        format!("{number} is an extension or an access number of this tenant already"),
                    ));
                }
                check_user_free(state, *user_id, None)?;
                TelephonyEvent::ExtensionProvisioned(ExtensionProvisioned {
                    extension_id: *extension_id,
                    number: number.clone(),
                    display_name: display_name.clone(),
                    user_id: *user_id,
                    secret_id: *secret_id,
                })
            }
            TelephonyAction::UpdateExtension { extension_id, display_name, user_id, enabled } => {
                let extension = state.extensions.get(extension_id).ok_or_else(|| extension_not_found(*extension_id))?;
                validate_display_name(display_name)?;
                check_user_free(state, *user_id, Some(*extension_id))?;
                if extension.display_name == *display_name
                    && extension.user_id == *user_id
                    && extension.enabled == *enabled
                {
                    return Ok(vec![]);
                }
                TelephonyEvent::ExtensionUpdated(ExtensionUpdated {
                    extension_id: *extension_id,
                    display_name: display_name.clone(),
                    user_id: *user_id,
                    enabled: *enabled,
                })
            }
            TelephonyAction::RotateExtensionPassword { extension_id, secret_id } => {
                if !state.extensions.contains_key(extension_id) {
                    return Err(extension_not_found(*extension_id));
                }
                TelephonyEvent::ExtensionPasswordRotated(ExtensionPasswordRotated {
                    extension_id: *extension_id,
                    secret_id: *secret_id,
                })
            }
            TelephonyAction::RemoveExtension { extension_id } => {
                if !state.extensions.contains_key(extension_id) {
                    return Err(extension_not_found(*extension_id));
                }
                TelephonyEvent::ExtensionRemoved(ExtensionRemoved { extension_id: *extension_id })
            }
            TelephonyAction::DefineTrunk(input) => {
                if state.trunks.contains_key(&input.trunk_id) {
                    return Err(DomainError::new(
                        "telephony.trunk_exists",
                        format!("trunk {} exists already", input.trunk_id),
                    ));
                }
                TelephonyEvent::TrunkDefined(trunk_definition(state, input, None)?)
            }
            TelephonyAction::UpdateTrunk(input) => {
                let current = state.trunks.get(&input.trunk_id).ok_or_else(|| trunk_not_found(input.trunk_id))?;
                let definition = trunk_definition(state, input, Some(current))?;
                if definition == *current {
                    return Ok(vec![]);
                }
                TelephonyEvent::TrunkUpdated(definition)
            }
            TelephonyAction::RemoveTrunk { trunk_id } => {
                if !state.trunks.contains_key(trunk_id) {
                    return Err(trunk_not_found(*trunk_id));
                }
                if let Some(number) = state.access_numbers.values().find(|number| number.trunk_id == Some(*trunk_id)) {
                    return Err(DomainError::new(
                        "telephony.trunk_in_use",
                        format!("the access number {} arrives on this trunk: release it first", number.number),
                    ));
                }
                TelephonyEvent::TrunkRemoved(TrunkRemoved { trunk_id: *trunk_id })
            }
            TelephonyAction::AssignAccessNumber(assigned) => {
                validate_access_number(&assigned.number)?;
                if state.access_numbers.contains_key(&assigned.number)
                    || state.extension_by_number(&assigned.number).is_some()
                {
                    return Err(DomainError::new(
                        "telephony.access_number_taken",
                        format!("{} is an access number or an extension of this tenant already", assigned.number),
                    ));
                }
                if let Some(trunk_id) = assigned.trunk_id
                    && !state.trunks.contains_key(&trunk_id)
                {
                    return Err(trunk_not_found(trunk_id));
                }
                if assigned.description.chars().count() > MAX_DESCRIPTION_CHARS
                    || assigned.description.chars().any(char::is_control)
                {
                    return Err(DomainError::new(
                        "telephony.invalid_description",
                        format!("a description is at most {MAX_DESCRIPTION_CHARS} characters on one line"),
                    ));
                }
                TelephonyEvent::AccessNumberAssigned(assigned.clone())
            }
            TelephonyAction::ReleaseAccessNumber { number } => {
                if !state.access_numbers.contains_key(number) {
                    return Err(DomainError::new(
                        "telephony.access_number_not_found",
                        format!("{number} is not an access number of this tenant"),
                    ));
                }
                TelephonyEvent::AccessNumberReleased(AccessNumberReleased { number: number.clone() })
            }
            TelephonyAction::AddMusic(added) => decide_add_music(state, added)?,
            TelephonyAction::RemoveMusic { music_id } => {
                if !state.music.contains_key(music_id) {
                    return Err(music_not_found(*music_id));
                }
                if let Some(queue_id) = state.queue_music.iter().find(|(_, music)| *music == music_id).map(|(q, _)| q) {
                    return Err(DomainError::new(
                        "telephony.music_in_use",
                        format!("queue {queue_id} plays this music: give it other music first"),
                    ));
                }
                TelephonyEvent::MusicRemoved(MusicRemoved { music_id: *music_id })
            }
            TelephonyAction::SetQueueMusic(set) => {
                if let Some(music_id) = set.music_id
                    && !state.music.contains_key(&music_id)
                {
                    return Err(music_not_found(music_id));
                }
                if state.queue_music.get(&set.queue_id).copied() == set.music_id {
                    return Ok(vec![]);
                }
                TelephonyEvent::QueueMusicSet(set.clone())
            }
        };
        Ok(vec![event])
    }

    fn evolve(mut state: TelephonyState, event: &TelephonyEvent) -> TelephonyState {
        match event {
            TelephonyEvent::ExtensionProvisioned(provisioned) => {
                state.extensions.insert(
                    provisioned.extension_id,
                    Extension {
                        extension_id: provisioned.extension_id,
                        number: provisioned.number.clone(),
                        display_name: provisioned.display_name.clone(),
                        user_id: provisioned.user_id,
                        secret_id: provisioned.secret_id,
                        enabled: true,
                    },
                );
            }
            TelephonyEvent::ExtensionUpdated(updated) => {
                if let Some(extension) = state.extensions.get_mut(&updated.extension_id) {
                    extension.display_name = updated.display_name.clone();
                    extension.user_id = updated.user_id;
                    extension.enabled = updated.enabled;
                }
            }
            TelephonyEvent::ExtensionPasswordRotated(rotated) => {
                if let Some(extension) = state.extensions.get_mut(&rotated.extension_id) {
                    extension.secret_id = rotated.secret_id;
                }
            }
            TelephonyEvent::ExtensionRemoved(removed) => {
                state.extensions.remove(&removed.extension_id);
            }
            TelephonyEvent::TrunkDefined(definition) | TelephonyEvent::TrunkUpdated(definition) => {
                state.trunks.insert(definition.trunk_id, definition.clone());
            }
            TelephonyEvent::TrunkRemoved(removed) => {
                state.trunks.remove(&removed.trunk_id);
            }
            TelephonyEvent::AccessNumberAssigned(assigned) => {
                state.access_numbers.insert(assigned.number.clone(), assigned.clone());
            }
            TelephonyEvent::AccessNumberReleased(released) => {
                state.access_numbers.remove(&released.number);
            }
            TelephonyEvent::MusicAdded(added) => {
                state.music.insert(added.music_id, added.clone());
            }
            TelephonyEvent::MusicRemoved(removed) => {
                state.music.remove(&removed.music_id);
            }
            TelephonyEvent::QueueMusicSet(set) => match set.music_id {
                Some(music_id) => {
                    state.queue_music.insert(set.queue_id, music_id);
                }
                None => {
                    state.queue_music.remove(&set.queue_id);
                }
            },
        }
        state
    }
}

#[cfg(test)]
mod tests;
