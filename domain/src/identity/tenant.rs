//! The tenant stream: a tenant is created once, with a unique slug; its settings (the
//! organisation name, logo, copyright, public hotline number and website that the web app's
//! header and footer show, and the support address mail about tickets comes from) change over
//! its life.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::{tenant_id_for_slug, validate_text};
use crate::email::parse_optional_address;
use crate::{Decider, DomainError, DomainEvent, StreamId, UpcastError};

pub const CONTEXT: &str = "tenant";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantCommand {
    CreateTenant {
        slug: String,
        name: String,
        parent_tenant_id: Option<Uuid>,
    },
    /// Replaces every setting at once; empty optional fields clear them. The support
    /// address came later: a client that does not know it keeps the current one.
    UpdateSettings {
        tenant_id: Uuid,
        settings: TenantSettings,
        keep_support_email: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TenantEvent {
    TenantCreated(TenantCreated),
    TenantSettingsUpdated(TenantSettingsUpdated),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantCreated {
    pub tenant_id: Uuid,
    pub slug: String,
    pub name: String,
    pub parent_tenant_id: Option<Uuid>,
}

/// What the web app shows of a tenant in its header and footer. Every field but the
/// organisation name may be empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantSettings {
    pub organisation_name: String,
    /// `https://...` or `http://...`.
    pub logo_url: String,
    pub copyright: String,
    /// The public number customers call: digits, `+`, `-` and spaces.
    pub hotline_number: String,
    /// `https://...` or `http://...`.
    pub website_url: String,
    /// The address mail about tickets comes from, and replies go to (they join their ticket).
    pub support_email: String,
    /// The IANA time zone mails and exports write times in (`Asia/Shanghai`); empty: UTC.
    pub time_zone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantSettingsUpdated {
    pub tenant_id: Uuid,
    pub organisation_name: String,
    pub logo_url: String,
    pub copyright: String,
    pub hotline_number: String,
    pub website_url: String,
    /// Added later: absent (none) in older events.
    #[serde(default)]
    pub support_email: Option<String>,
    /// Added later: absent (UTC) in older events.
    #[serde(default)]
    pub time_zone: Option<String>,
}

impl TenantSettingsUpdated {
    pub fn settings(&self) -> TenantSettings {
        TenantSettings {
            organisation_name: self.organisation_name.clone(),
            logo_url: self.logo_url.clone(),
            copyright: self.copyright.clone(),
            hotline_number: self.hotline_number.clone(),
            website_url: self.website_url.clone(),
            support_email: self.support_email.clone().unwrap_or_default(),
            time_zone: self.time_zone.clone().unwrap_or_default(),
        }
    }
}

/// `at` as people of a tenant in `time_zone` read it: `2026-11-28 22:40 Asia/Shanghai`, or
/// `2026-11-28 14:40 UTC` when the zone is empty (or, in an old record, unknown).
pub fn local_time(at: DateTime<Utc>, time_zone: &str) -> String {
    match time_zone.parse::<chrono_tz::Tz>() {
        Ok(zone) if !time_zone.is_empty() => {
            format!("{} {time_zone}", at.with_timezone(&zone).format("%Y-%m-%d %H:%M"))
        }
        _ => at.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TenantState {
    pub created: Option<TenantCreated>,
    /// `None` until the first `TenantSettingsUpdated`.
    pub settings: Option<TenantSettings>,
}

impl TenantState {
    /// The settings in force: until they are first set, the tenant's name and nothing else.
    pub fn effective_settings(&self) -> Option<TenantSettings> {
        let created = self.created.as_ref()?;
        Some(
            self.settings.clone().unwrap_or_else(|| TenantSettings {
                organisation_name: created.name.clone(),
                ..TenantSettings::default()
            }),
        )
    }
}

pub const TENANT_CREATED: &str = "hotline.tenant.created";
pub const TENANT_SETTINGS_UPDATED: &str = "hotline.tenant.settings_updated";

const MAX_URL_CHARS: usize = 2000;
const MAX_COPYRIGHT_CHARS: usize = 200;
const MAX_HOTLINE_NUMBER_CHARS: usize = 32;

impl DomainEvent for TenantEvent {
    fn event_type(&self) -> &'static str {
        match self {
            TenantEvent::TenantCreated(_) => TENANT_CREATED,
            TenantEvent::TenantSettingsUpdated(_) => TENANT_SETTINGS_UPDATED,
        }
    }

    fn schema_version(&self) -> u32 {
        1
    }

    fn to_payload(&self) -> Value {
        let payload = match self {
            TenantEvent::TenantCreated(created) => serde_json::to_value(created),
            TenantEvent::TenantSettingsUpdated(updated) => serde_json::to_value(updated),
        };
        payload.expect("plain struct serialises")
    }

    fn from_stored(event_type: &str, schema_version: u32, payload: &Value) -> Result<Self, UpcastError> {
        match (event_type, schema_version) {
            (TENANT_CREATED, 1) => serde_json::from_value(payload.clone())
                .map(TenantEvent::TenantCreated)
                .map_err(|error| UpcastError::bad_payload(event_type, schema_version, error)),
            (TENANT_SETTINGS_UPDATED, 1) => serde_json::from_value(payload.clone())
                .map(TenantEvent::TenantSettingsUpdated)
                .map_err(|error| UpcastError::bad_payload(event_type, schema_version, error)),
            (TENANT_CREATED | TENANT_SETTINGS_UPDATED, _) => {
                Err(UpcastError::UnknownVersion { event_type: event_type.to_owned(), schema_version })
            }
            _ => Err(UpcastError::UnknownType(event_type.to_owned())),
        }
    }
}

pub struct Tenant;

impl Decider for Tenant {
    type State = TenantState;
    type Command = TenantCommand;
    type Event = TenantEvent;

    fn stream_id(command: &TenantCommand) -> StreamId {
        match command {
            TenantCommand::CreateTenant { slug, .. } => StreamId::new(CONTEXT, tenant_id_for_slug(slug)),
            TenantCommand::UpdateSettings { tenant_id, .. } => StreamId::new(CONTEXT, *tenant_id),
        }
    }

    fn decide(state: &TenantState, command: &TenantCommand) -> Result<Vec<TenantEvent>, DomainError> {
        match command {
            TenantCommand::CreateTenant { slug, name, parent_tenant_id } => {
                if state.created.is_some() {
                    return Err(DomainError::new("tenant.slug_taken", format!("a tenant with slug {slug:?} exists")));
                }
                let slug_is_valid = (2..=40).contains(&slug.len())
                    && slug.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
                    && !slug.starts_with('-')
                    && !slug.ends_with('-');
                if !slug_is_valid {
                    return Err(DomainError::new(
                        "tenant.invalid_slug",
                        "a slug is 2 to 40 lowercase letters, digits and inner hyphens",
                    ));
                }
                validate_text("tenant name", name, 120, "tenant.invalid_name")?;
                Ok(vec![TenantEvent::TenantCreated(TenantCreated {
                    tenant_id: tenant_id_for_slug(slug),
                    slug: slug.clone(),
                    name: name.clone(),
                    parent_tenant_id: *parent_tenant_id,
                })])
            }
            TenantCommand::UpdateSettings { tenant_id, settings, keep_support_email } => {
                let Some(current) = state.effective_settings() else {
                    return Err(DomainError::new("tenant.not_found", format!("no tenant {tenant_id}")));
                };
                validate_settings(settings)?;
                let wanted = if *keep_support_email { &current.support_email } else { &settings.support_email };
                let support_email = parse_optional_address(Some(wanted), "tenant.invalid_support_email")?;
                let settings =
                    &TenantSettings { support_email: support_email.clone().unwrap_or_default(), ..settings.clone() };
                if current == *settings {
                    return Ok(vec![]);
                }
                Ok(vec![TenantEvent::TenantSettingsUpdated(TenantSettingsUpdated {
                    tenant_id: *tenant_id,
                    organisation_name: settings.organisation_name.clone(),
                    logo_url: settings.logo_url.clone(),
                    copyright: settings.copyright.clone(),
                    hotline_number: settings.hotline_number.clone(),
                    website_url: settings.website_url.clone(),
                    support_email,
                    time_zone: Some(settings.time_zone.clone()),
                })])
            }
        }
    }

    fn evolve(mut state: TenantState, event: &TenantEvent) -> TenantState {
        match event {
            TenantEvent::TenantCreated(created) => state.created = Some(created.clone()),
            TenantEvent::TenantSettingsUpdated(updated) => state.settings = Some(updated.settings()),
        }
        state
    }
}

fn validate_settings(settings: &TenantSettings) -> Result<(), DomainError> {
    let zone = &settings.time_zone;
    if !zone.is_empty() && zone.parse::<chrono_tz::Tz>().is_err() {
        return Err(DomainError::new(
            "tenant.invalid_time_zone",
            format!("{zone:?} is not a time zone of the IANA database (such as Asia/Shanghai); empty is UTC"),
        ));
    }
    validate_text("the organisation name", &settings.organisation_name, 120, "tenant.invalid_organisation_name")?;
    for (field, url) in [("the logo URL", &settings.logo_url), ("the website URL", &settings.website_url)] {
        let address = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
        let is_valid = url.is_empty()
            || (url.chars().count() <= MAX_URL_CHARS
                && address.is_some_and(|address| !address.is_empty() && !address.starts_with('/'))
                && !url.chars().any(|character| character.is_whitespace() || character.is_control()));
        if !is_valid {
            return Err(DomainError::new(
                "tenant.invalid_url",
                format!(
                    "{field} must be empty or an https:// or http:// address of at most {MAX_URL_CHARS} characters"
                ),
            ));
        }
    }
    let copyright = &settings.copyright;
    if copyright.chars().count() > MAX_COPYRIGHT_CHARS
        || copyright.trim() != copyright
        || copyright.chars().any(char::is_control)
    {
        return Err(DomainError::new(
            "tenant.invalid_copyright",
            format!(
                "the copyright line is at most {MAX_COPYRIGHT_CHARS} characters on one line, with no leading or trailing spaces"
            ),
        ));
    }
    let number = &settings.hotline_number;
    let number_is_valid = number.is_empty()
        || (number.len() <= MAX_HOTLINE_NUMBER_CHARS
            && number.trim() == number
            && number.bytes().any(|byte| byte.is_ascii_digit())
            && number.bytes().all(|byte| byte.is_ascii_digit() || b"+- ".contains(&byte)));
    if !number_is_valid {
        return Err(DomainError::new(
            "tenant.invalid_hotline_number",
            format!("a hotline number is at most {MAX_HOTLINE_NUMBER_CHARS} digits, '+', '-' and spaces"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create(slug: &str) -> TenantCommand {
        TenantCommand::CreateTenant { slug: slug.into(), name: "Acme".into(), parent_tenant_id: None }
    }

    #[test]
    fn given_nothing_when_create_then_tenant_created_with_id_from_slug() {
        let events = Tenant::decide(&TenantState::default(), &create("acme")).unwrap();
        let TenantEvent::TenantCreated(created) = &events[0] else { panic!("expected TenantCreated") };
        assert_eq!(created.tenant_id, tenant_id_for_slug("acme"));
        assert_eq!(Tenant::stream_id(&create("acme")).aggregate_id(), created.tenant_id);
    }

    #[test]
    fn given_created_when_create_again_then_slug_taken() {
        let events = Tenant::decide(&TenantState::default(), &create("acme")).unwrap();
        let state = Tenant::replay(&events);
        assert_eq!(Tenant::decide(&state, &create("acme")).unwrap_err().code, "tenant.slug_taken");
    }

    #[test]
    fn rejects_bad_slugs_and_names() {
        for slug in ["a", "Acme", "acme-", "ac me", ""] {
            assert_eq!(Tenant::decide(&TenantState::default(), &create(slug)).unwrap_err().code, "tenant.invalid_slug");
        }
        let blank_name = TenantCommand::CreateTenant { slug: "acme".into(), name: " ".into(), parent_tenant_id: None };
        assert_eq!(Tenant::decide(&TenantState::default(), &blank_name).unwrap_err().code, "tenant.invalid_name");
    }

    #[test]
    fn stored_events_round_trip_and_unknown_ones_are_refused() {
        let event = Tenant::decide(&TenantState::default(), &create("acme")).unwrap().remove(0);
        let read = TenantEvent::from_stored(event.event_type(), 1, &event.to_payload()).unwrap();
        assert_eq!(read, event);
        assert!(matches!(
            TenantEvent::from_stored("hotline.tenant.nope", 1, &Value::Null),
            Err(UpcastError::UnknownType(_))
        ));
        assert!(matches!(
            TenantEvent::from_stored(TENANT_CREATED, 9, &event.to_payload()),
            Err(UpcastError::UnknownVersion { .. })
        ));
    }

    fn settings() -> TenantSettings {
        TenantSettings {
            organisation_name: "Acme Care".into(),
            logo_url: "https://acme.example/logo.svg".into(),
            copyright: "© 2025 Acme Ltd".into(),
            hotline_number: "+86 400-123 4567".into(),
            website_url: "http://acme.example".into(),
            support_email: "care@acme.example".into(),
            time_zone: "Asia/Shanghai".into(),
        }
    }

    fn update(settings: TenantSettings) -> TenantCommand {
        TenantCommand::UpdateSettings { tenant_id: tenant_id_for_slug("acme"), settings, keep_support_email: false }
    }

    fn created_acme() -> TenantState {
        Tenant::replay(&Tenant::decide(&TenantState::default(), &create("acme")).unwrap())
    }

    #[test]
    fn given_created_when_update_settings_then_settings_updated_on_the_tenant_stream() {
        let state = created_acme();
        assert_eq!(state.effective_settings().unwrap().organisation_name, "Acme", "defaults to the tenant name");
        let events = Tenant::decide(&state, &update(settings())).unwrap();
        let TenantEvent::TenantSettingsUpdated(updated) = &events[0] else { panic!("expected TenantSettingsUpdated") };
        assert_eq!(updated.settings(), settings());
        assert_eq!(Tenant::stream_id(&update(settings())), Tenant::stream_id(&create("acme")));
        let state = events.iter().fold(state, Tenant::evolve);
        assert_eq!(state.effective_settings(), Some(settings()));
        assert_eq!(Tenant::decide(&state, &update(settings())).unwrap(), [], "the same settings append nothing");
        let cleared = TenantSettings { organisation_name: "Acme".into(), ..TenantSettings::default() };
        assert_eq!(Tenant::decide(&state, &update(cleared)).unwrap().len(), 1, "optional fields can be cleared");
    }

    #[test]
    fn a_time_zone_is_one_of_the_iana_database_and_times_are_written_in_it() {
        let state = created_acme();
        let on_mars = TenantSettings { time_zone: "Mars/Olympus_Mons".into(), ..settings() };
        assert_eq!(Tenant::decide(&state, &update(on_mars)).unwrap_err().code, "tenant.invalid_time_zone");
        let utc = TenantSettings { time_zone: String::new(), ..settings() };
        assert_eq!(Tenant::decide(&state, &update(utc)).unwrap().len(), 1, "empty is UTC");
        let older = serde_json::json!({"tenant_id": Uuid::nil(), "organisation_name": "Acme", "logo_url": "",
            "copyright": "", "hotline_number": "", "website_url": ""});
        let older = TenantEvent::from_stored(TENANT_SETTINGS_UPDATED, 1, &older).unwrap();
        let TenantEvent::TenantSettingsUpdated(older) = older else { panic!("expected TenantSettingsUpdated") };
        assert_eq!(older.settings().time_zone, "", "events from before time zones read as UTC");

        let at = DateTime::parse_from_rfc3339("2026-11-28T14:40:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(local_time(at, "Asia/Shanghai"), "2026-11-28 22:40 Asia/Shanghai");
        assert_eq!(local_time(at, "America/New_York"), "2026-11-28 09:40 America/New_York");
        assert_eq!(local_time(at, ""), "2026-11-28 14:40 UTC");
    }

    #[test]
    fn given_nothing_when_update_settings_then_not_found() {
        assert_eq!(Tenant::decide(&TenantState::default(), &update(settings())).unwrap_err().code, "tenant.not_found");
    }

    #[test]
    fn refuses_settings_that_are_not_urls_phone_numbers_or_one_line_text() {
        let state = created_acme();
        let refusal = |settings: TenantSettings| Tenant::decide(&state, &update(settings)).unwrap_err().code;
        for url in
            ["acme.example", "ftp://acme.example", "https://", "https:///x", "javascript:alert(1)", "https://a b"]
        {
            assert_eq!(refusal(TenantSettings { logo_url: url.into(), ..settings() }), "tenant.invalid_url", "{url}");
            assert_eq!(
                refusal(TenantSettings { website_url: url.into(), ..settings() }),
                "tenant.invalid_url",
                "{url}"
            );
        }
        for number in ["call us", "+", "12#3", " 123", &"1".repeat(33)] {
            let code = refusal(TenantSettings { hotline_number: number.into(), ..settings() });
            assert_eq!(code, "tenant.invalid_hotline_number", "{number:?}");
        }
        let code = refusal(TenantSettings { organisation_name: "".into(), ..settings() });
        assert_eq!(code, "tenant.invalid_organisation_name");
        let code = refusal(TenantSettings { copyright: "line\nbreak".into(), ..settings() });
        assert_eq!(code, "tenant.invalid_copyright");
        let code = refusal(TenantSettings { copyright: "x".repeat(201), ..settings() });
        assert_eq!(code, "tenant.invalid_copyright");
        let code = refusal(TenantSettings { support_email: "care at acme".into(), ..settings() });
        assert_eq!(code, "tenant.invalid_support_email");
    }

    #[test]
    fn the_support_address_is_normalised_and_older_events_have_none() {
        let mixed_case = TenantSettings { support_email: " care@ACME.example ".into(), ..settings() };
        let events = Tenant::decide(&created_acme(), &update(mixed_case)).unwrap();
        let TenantEvent::TenantSettingsUpdated(updated) = &events[0] else { panic!("expected TenantSettingsUpdated") };
        assert_eq!(updated.support_email.as_deref(), Some("care@acme.example"));
        let mut older = events[0].to_payload();
        older.as_object_mut().unwrap().remove("support_email");
        let TenantEvent::TenantSettingsUpdated(older) =
            TenantEvent::from_stored(TENANT_SETTINGS_UPDATED, 1, &older).unwrap()
        else {
            panic!("expected TenantSettingsUpdated")
        };
        assert_eq!(older.settings().support_email, "");
        let state = events.iter().fold(created_acme(), Tenant::evolve);
        let keep = TenantCommand::UpdateSettings {
            tenant_id: tenant_id_for_slug("acme"),
            settings: TenantSettings { support_email: String::new(), ..settings() },
            keep_support_email: true,
        };
        assert_eq!(Tenant::decide(&state, &keep).unwrap(), [], "a client unaware of the address keeps it");
    }

    #[test]
    fn settings_updated_round_trips() {
        let event = Tenant::decide(&created_acme(), &update(settings())).unwrap().remove(0);
        assert_eq!(TenantEvent::from_stored(TENANT_SETTINGS_UPDATED, 1, &event.to_payload()).unwrap(), event);
        assert!(matches!(
            TenantEvent::from_stored(TENANT_SETTINGS_UPDATED, 2, &event.to_payload()),
            Err(UpcastError::UnknownVersion { .. })
        ));
    }
}
