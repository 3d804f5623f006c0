//! Outgoing webhooks: a tenant's endpoints that receive its events by HTTP POST.
//!
//! One stream per endpoint, `webhook-<id>`. Registering, changing, disabling, enabling,
//! deleting an endpoint and rotating its signing secret are administrative changes, so they
//! are events. The secret itself never is: it lives in the secret store, and the events name
//! only its id (`secret_id`). What was delivered when, and how often it failed, is operational
//! state kept beside the read models, not here.
//!
//! The event-type filter is a list of patterns: an exact type (`hotline.user.created`) or a
//! context's every type (`hotline.user.*`); an empty list takes every event of the tenant.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::{Decider, DomainError, DomainEvent, StreamId, UpcastError, read_payload};

pub const CONTEXT: &str = "webhook";

pub const ENDPOINT_REGISTERED: &str = "hotline.webhook.endpoint_registered";
pub const ENDPOINT_UPDATED: &str = "hotline.webhook.endpoint_updated";
pub const ENDPOINT_DISABLED: &str = "hotline.webhook.endpoint_disabled";
pub const ENDPOINT_ENABLED: &str = "hotline.webhook.endpoint_enabled";
pub const ENDPOINT_DELETED: &str = "hotline.webhook.endpoint_deleted";
pub const SECRET_ROTATED: &str = "hotline.webhook.secret_rotated";

const EVENT_TYPES: [&str; 6] =
    [ENDPOINT_REGISTERED, ENDPOINT_UPDATED, ENDPOINT_DISABLED, ENDPOINT_ENABLED, ENDPOINT_DELETED, SECRET_ROTATED];

pub const MAX_URL_CHARS: usize = 2000;
pub const MAX_DESCRIPTION_CHARS: usize = 500;
pub const MAX_EVENT_TYPE_PATTERNS: usize = 100;
const MAX_PATTERN_CHARS: usize = 200;
const MAX_REASON_CHARS: usize = 200;

pub fn stream_id(endpoint_id: Uuid) -> StreamId {
    StreamId::new(CONTEXT, endpoint_id)
}

/// What an endpoint receives and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointSettings {
    /// An absolute `http://` or `https://` address.
    pub url: String,
    /// Patterns (`hotline.user.created`, `hotline.user.*`); empty takes every event.
    pub event_types: Vec<String>,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookAction {
    /// `secret_id` names the signing secret the service stored before.
    Register {
        settings: EndpointSettings,
        secret_id: Uuid,
    },
    Update {
        settings: EndpointSettings,
    },
    /// `reason`: `administrator`, or `gone` when the receiver answered 410.
    Disable {
        reason: String,
    },
    Enable,
    Delete,
    RotateSecret {
        secret_id: Uuid,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookCommand {
    pub endpoint_id: Uuid,
    pub action: WebhookAction,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointRegistered {
    pub endpoint_id: Uuid,
    #[serde(flatten)]
    pub settings: EndpointSettings,
    pub secret_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointUpdated {
    pub endpoint_id: Uuid,
    #[serde(flatten)]
    pub settings: EndpointSettings,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointDisabled {
    pub endpoint_id: Uuid,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointRef {
    pub endpoint_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretRotated {
    pub endpoint_id: Uuid,
    pub secret_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookEvent {
    Registered(EndpointRegistered),
    Updated(EndpointUpdated),
    Disabled(EndpointDisabled),
    Enabled(EndpointRef),
    Deleted(EndpointRef),
    SecretRotated(SecretRotated),
}

/// An endpoint as its events left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub endpoint_id: Uuid,
    pub settings: EndpointSettings,
    pub secret_id: Uuid,
    pub enabled: bool,
    /// Why it was disabled, while it is.
    pub disabled_reason: Option<String>,
    pub deleted: bool,
}

impl Endpoint {
    /// Whether an event of this type goes to this endpoint (ignoring whether it is enabled).
    pub fn wants(&self, event_type: &str) -> bool {
        wants(&self.settings.event_types, event_type)
    }

    /// Whether new events are delivered to it.
    pub fn is_active(&self) -> bool {
        self.enabled && !self.deleted
    }
}

/// Whether `event_type` matches the filter (empty takes everything).
pub fn wants(patterns: &[String], event_type: &str) -> bool {
    patterns.is_empty()
        || patterns.iter().any(|pattern| match pattern.strip_suffix('*') {
            Some(prefix) => event_type.starts_with(prefix),
            None => pattern == event_type,
        })
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookState {
    pub endpoint: Option<Endpoint>,
}

impl DomainEvent for WebhookEvent {
    fn event_type(&self) -> &'static str {
        match self {
            WebhookEvent::Registered(_) => ENDPOINT_REGISTERED,
            WebhookEvent::Updated(_) => ENDPOINT_UPDATED,
            WebhookEvent::Disabled(_) => ENDPOINT_DISABLED,
            WebhookEvent::Enabled(_) => ENDPOINT_ENABLED,
            WebhookEvent::Deleted(_) => ENDPOINT_DELETED,
            WebhookEvent::SecretRotated(_) => SECRET_ROTATED,
        }
    }

    fn schema_version(&self) -> u32 {
        1
    }

    fn to_payload(&self) -> Value {
        let payload = match self {
            WebhookEvent::Registered(event) => serde_json::to_value(event),
            WebhookEvent::Updated(event) => serde_json::to_value(event),
            WebhookEvent::Disabled(event) => serde_json::to_value(event),
            WebhookEvent::Enabled(event) | WebhookEvent::Deleted(event) => serde_json::to_value(event),
            WebhookEvent::SecretRotated(event) => serde_json::to_value(event),
        };
        payload.expect("plain struct serialises")
    }

    fn from_stored(event_type: &str, schema_version: u32, payload: &Value) -> Result<Self, UpcastError> {
        UpcastError::check_first_version(&EVENT_TYPES, event_type, schema_version)?;
        match event_type {
            ENDPOINT_REGISTERED => read_payload(event_type, 1, payload, WebhookEvent::Registered),
            ENDPOINT_UPDATED => read_payload(event_type, 1, payload, WebhookEvent::Updated),
            ENDPOINT_DISABLED => read_payload(event_type, 1, payload, WebhookEvent::Disabled),
            ENDPOINT_ENABLED => read_payload(event_type, 1, payload, WebhookEvent::Enabled),
            ENDPOINT_DELETED => read_payload(event_type, 1, payload, WebhookEvent::Deleted),
            _ => read_payload(event_type, 1, payload, WebhookEvent::SecretRotated),
        }
    }
}

/// An absolute `http://` or `https://` address with a host, at most 2000 characters, with no
/// spaces, control characters or user information.
pub fn validate_url(url: &str) -> Result<(), DomainError> {
    let invalid = |why: &str| DomainError::new("webhook.invalid_url", format!("the URL {why}"));
    if url.is_empty() || url.chars().count() > MAX_URL_CHARS {
        return Err(invalid(&format!("is 1 to {MAX_URL_CHARS} characters")));
    }
    if url.chars().any(|character| character.is_whitespace() || character.is_control()) {
        return Err(invalid("has a space or a control character"));
    }
    let lower = url.to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://")) else {
        return Err(invalid("starts with http:// or https://"));
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(invalid("has no user name or password in it"));
    }
    let host = if authority.starts_with('[') {
        authority.split(']').next().map(|host| host.trim_start_matches('[')).unwrap_or_default()
    } else {
        authority.rsplit_once(':').map_or(authority, |(host, _)| host)
    };
    if host.is_empty() || host.contains(['<', '>', '"', '\\', '{', '}', '|', '^', '`']) {
        return Err(invalid("names a host"));
    }
    if let Some((_, port)) = authority.rsplit_once(':')
        && !authority.ends_with(']')
        && (port.is_empty() || port.parse::<u16>().is_err())
    {
        return Err(invalid("has a port from 0 to 65535"));
    }
    Ok(())
}

/// The filter's shape: `hotline.<context>.<event>` or `hotline.<context>.*` (lower-case
/// letters, digits and `_`), at most 100 patterns, none twice. Whether a type exists is the
/// service's check: it knows the catalogue.
pub fn validate_event_types(patterns: &[String]) -> Result<(), DomainError> {
    let invalid = |why: String| DomainError::new("webhook.invalid_event_type", why);
    if patterns.len() > MAX_EVENT_TYPE_PATTERNS {
        return Err(invalid(format!("at most {MAX_EVENT_TYPE_PATTERNS} event types")));
    }
    for (index, pattern) in patterns.iter().enumerate() {
        let word = |part: &str| {
            !part.is_empty()
                && part.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_')
        };
        let parts: Vec<&str> = pattern.split('.').collect();
        let shaped = pattern.len() <= MAX_PATTERN_CHARS
            && parts.len() == 3
            && parts[0] == "hotline"
            && word(parts[1])
            && (parts[2] == "*" || word(parts[2]));
        if !shaped {
            return Err(invalid(format!(
                "{pattern:?} is not an event type: use hotline.<context>.<event> or hotline.<context>.*"
            )));
        }
        if patterns[..index].contains(pattern) {
            return Err(invalid(format!("{pattern:?} is listed twice")));
        }
    }
    Ok(())
}

pub fn validate_settings(settings: &EndpointSettings) -> Result<(), DomainError> {
    validate_url(&settings.url)?;
    validate_event_types(&settings.event_types)?;
    if settings.description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(DomainError::new(
            "webhook.invalid_description",
            format!("a description is at most {MAX_DESCRIPTION_CHARS} characters"),
        ));
    }
    Ok(())
}

pub struct Webhook;

impl Decider for Webhook {
    type State = WebhookState;
    type Command = WebhookCommand;
    type Event = WebhookEvent;

    fn stream_id(command: &WebhookCommand) -> StreamId {
        stream_id(command.endpoint_id)
    }

    fn decide(state: &WebhookState, command: &WebhookCommand) -> Result<Vec<WebhookEvent>, DomainError> {
        let endpoint_id = command.endpoint_id;
        if let WebhookAction::Register { settings, secret_id } = &command.action {
            if state.endpoint.is_some() {
                return Err(DomainError::new("webhook.endpoint_exists", format!("endpoint {endpoint_id} exists")));
            }
            validate_settings(settings)?;
            return Ok(vec![WebhookEvent::Registered(EndpointRegistered {
                endpoint_id,
                settings: settings.clone(),
                secret_id: *secret_id,
            })]);
        }
        let Some(endpoint) = state.endpoint.as_ref().filter(|endpoint| !endpoint.deleted) else {
            return Err(DomainError::new("webhook.endpoint_not_found", format!("no webhook endpoint {endpoint_id}")));
        };
        let event = match &command.action {
            WebhookAction::Register { .. } => unreachable!("handled above"),
            WebhookAction::Update { settings } => {
                validate_settings(settings)?;
                if *settings == endpoint.settings {
                    return Ok(vec![]);
                }
                WebhookEvent::Updated(EndpointUpdated { endpoint_id, settings: settings.clone() })
            }
            WebhookAction::Disable { reason } => {
                if reason.trim().is_empty() || reason.chars().count() > MAX_REASON_CHARS {
                    return Err(DomainError::new(
                        "webhook.invalid_reason",
                        format!("a reason for disabling is 1 to {MAX_REASON_CHARS} characters"),
                    ));
                }
                if !endpoint.enabled {
                    return Ok(vec![]);
                }
                WebhookEvent::Disabled(EndpointDisabled { endpoint_id, reason: reason.clone() })
            }
            WebhookAction::Enable => {
                if endpoint.enabled {
                    return Ok(vec![]);
                }
                WebhookEvent::Enabled(EndpointRef { endpoint_id })
            }
            WebhookAction::Delete => WebhookEvent::Deleted(EndpointRef { endpoint_id }),
            WebhookAction::RotateSecret { secret_id } => {
                WebhookEvent::SecretRotated(SecretRotated { endpoint_id, secret_id: *secret_id })
            }
        };
        Ok(vec![event])
    }

    fn evolve(state: WebhookState, event: &WebhookEvent) -> WebhookState {
        let mut endpoint = state.endpoint;
        match (event, endpoint.as_mut()) {
            (WebhookEvent::Registered(registered), _) => {
                endpoint = Some(Endpoint {
                    endpoint_id: registered.endpoint_id,
                    settings: registered.settings.clone(),
                    secret_id: registered.secret_id,
                    enabled: true,
                    disabled_reason: None,
                    deleted: false,
                });
            }
            (WebhookEvent::Updated(updated), Some(endpoint)) => endpoint.settings = updated.settings.clone(),
            (WebhookEvent::Disabled(disabled), Some(endpoint)) => {
                endpoint.enabled = false;
                endpoint.disabled_reason = Some(disabled.reason.clone());
            }
            (WebhookEvent::Enabled(_), Some(endpoint)) => {
                endpoint.enabled = true;
                endpoint.disabled_reason = None;
            }
            (WebhookEvent::Deleted(_), Some(endpoint)) => endpoint.deleted = true,
            (WebhookEvent::SecretRotated(rotated), Some(endpoint)) => endpoint.secret_id = rotated.secret_id,
            (_, None) => {}
        }
        WebhookState { endpoint }
    }
}

#[cfg(test)]
mod tests;
