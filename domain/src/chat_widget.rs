//! A tenant's web chat widget: how it looks, what it says, and which queue its chats join.
//!
//! One stream per tenant, `chat_widget-<tenant>`; each change replaces the whole settings,
//! so the widget never shows half an edit. A tenant with no settings yet gets
//! [`WidgetSettings::default_for`], which is not an event.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::{Decider, DomainError, DomainEvent, StreamId, UpcastError, read_payload};

pub const CONTEXT: &str = "chat_widget";
pub const CONFIGURED: &str = "hotline.chat_widget.configured";

pub const LANGUAGES: [&str; 3] = ["en", "zh-CN", "zh-TW"];
pub const MAX_FAQ_ENTRIES: usize = 20;
const MAX_SHORT_TEXT: usize = 120;
const MAX_LONG_TEXT: usize = 1000;

pub fn stream_id(tenant_id: Uuid) -> StreamId {
    StreamId::new(CONTEXT, tenant_id)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaqEntry {
    pub question: String,
    pub answer: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetSettings {
    /// Where the widget's chats queue.
    pub queue_id: Option<Uuid>,
    pub organisation_name: String,
    /// `#rrggbb`.
    pub primary_color: String,
    /// An `https://` (or `http://`) address, or none.
    pub logo_url: Option<String>,
    pub intro: String,
    pub welcome: String,
    pub faq: Vec<FaqEntry>,
    /// Whether a visitor may write while no agent is available (the chat then waits).
    pub offline_messages: bool,
    pub offline_prompt: String,
    pub default_language: String,
}

impl WidgetSettings {
    /// What a tenant that never configured its widget shows.
    pub fn default_for(organisation_name: &str) -> Self {
        Self {
            queue_id: None,
            organisation_name: organisation_name.to_owned(),
            primary_color: "#1677ff".to_owned(),
            logo_url: None,
            intro: String::new(),
            welcome: "Hello! How can we help you?".to_owned(),
            faq: Vec::new(),
            offline_messages: true,
            offline_prompt: "No one is available right now. Leave a message and we will answer it.".to_owned(),
            default_language: "en".to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigureWidget {
    pub tenant_id: Uuid,
    pub settings: WidgetSettings,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetConfigured {
    pub settings: WidgetSettings,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WidgetState {
    pub settings: Option<WidgetSettings>,
}

impl DomainEvent for WidgetConfigured {
    fn event_type(&self) -> &'static str {
        CONFIGURED
    }

    fn schema_version(&self) -> u32 {
        1
    }

    fn to_payload(&self) -> Value {
        serde_json::to_value(self).expect("plain struct serialises")
    }

    fn from_stored(event_type: &str, schema_version: u32, payload: &Value) -> Result<Self, UpcastError> {
        UpcastError::check_first_version(&[CONFIGURED], event_type, schema_version)?;
        read_payload(event_type, 1, payload, |configured| configured)
    }
}

fn invalid(message: impl Into<String>) -> DomainError {
    DomainError::new("chat_widget.invalid_settings", message)
}

fn check_text(text: &str, max_chars: usize, what: &str, required: bool) -> Result<(), DomainError> {
    if required && text.trim().is_empty() {
        return Err(invalid(format!("{what} is required")));
    }
    if text.chars().count() > max_chars {
        return Err(invalid(format!("{what} is longer than {max_chars} characters")));
    }
    Ok(())
}

pub fn validate(settings: &WidgetSettings) -> Result<(), DomainError> {
    check_text(&settings.organisation_name, MAX_SHORT_TEXT, "the organisation name", true)?;
    check_text(&settings.intro, MAX_LONG_TEXT, "the intro", false)?;
    check_text(&settings.welcome, MAX_LONG_TEXT, "the welcome line", false)?;
    check_text(&settings.offline_prompt, MAX_LONG_TEXT, "the offline prompt", false)?;
    let color = settings.primary_color.as_bytes();
    if color.len() != 7 || color[0] != b'#' || !color[1..].iter().all(u8::is_ascii_hexdigit) {
        return Err(invalid("the colour is #rrggbb"));
    }
    if let Some(url) = &settings.logo_url
        && (!(url.starts_with("https://") || url.starts_with("http://"))
            || url.len() > 1000
            || url.contains(['"', '<', '>', ' ']))
    {
        return Err(invalid("the logo is an http(s) address"));
    }
    if settings.faq.len() > MAX_FAQ_ENTRIES {
        return Err(invalid(format!("at most {MAX_FAQ_ENTRIES} questions")));
    }
    for entry in &settings.faq {
        check_text(&entry.question, MAX_SHORT_TEXT * 2, "a question", true)?;
        check_text(&entry.answer, MAX_LONG_TEXT, "an answer", true)?;
    }
    if !LANGUAGES.contains(&settings.default_language.as_str()) {
        return Err(invalid(format!("the language is one of {}", LANGUAGES.join(", "))));
    }
    Ok(())
}

pub struct ChatWidget;

impl Decider for ChatWidget {
    type State = WidgetState;
    type Command = ConfigureWidget;
    type Event = WidgetConfigured;

    fn stream_id(command: &ConfigureWidget) -> StreamId {
        stream_id(command.tenant_id)
    }

    fn decide(state: &WidgetState, command: &ConfigureWidget) -> Result<Vec<WidgetConfigured>, DomainError> {
        validate(&command.settings)?;
        if state.settings.as_ref() == Some(&command.settings) {
            return Ok(vec![]);
        }
        Ok(vec![WidgetConfigured { settings: command.settings.clone() }])
    }

    fn evolve(_: WidgetState, event: &WidgetConfigured) -> WidgetState {
        WidgetState { settings: Some(event.settings.clone()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn configure(settings: WidgetSettings) -> ConfigureWidget {
        ConfigureWidget { tenant_id: Uuid::from_u128(1), settings }
    }

    #[test]
    fn valid_settings_are_recorded_once_and_bad_ones_refused() {
        let settings = WidgetSettings::default_for("Acme");
        let events = ChatWidget::decide(&WidgetState::default(), &configure(settings.clone())).unwrap();
        let state = ChatWidget::replay(&events);
        assert_eq!(ChatWidget::decide(&state, &configure(settings.clone())), Ok(vec![]));
        let read = WidgetConfigured::from_stored(CONFIGURED, 1, &events[0].to_payload()).unwrap();
        assert_eq!(read, events[0]);
        let bad = [
            WidgetSettings { primary_color: "blue".into(), ..settings.clone() },
            WidgetSettings { organisation_name: " ".into(), ..settings.clone() },
            WidgetSettings { logo_url: Some("javascript:alert(1)".into()), ..settings.clone() },
            WidgetSettings { default_language: "fr".into(), ..settings.clone() },
            WidgetSettings { faq: vec![FaqEntry { question: "q".into(), answer: "".into() }], ..settings },
        ];
        for settings in bad {
            let error = ChatWidget::decide(&state, &configure(settings)).unwrap_err();
            assert_eq!(error.code, "chat_widget.invalid_settings");
        }
    }
}
