//! Given these events, when this command, then these events or this error.

use super::*;

const ENDPOINT: Uuid = Uuid::from_u128(0x11);
const SECRET: Uuid = Uuid::from_u128(0x22);

fn settings(url: &str, event_types: &[&str]) -> EndpointSettings {
    EndpointSettings {
        url: url.to_owned(),
        event_types: event_types.iter().map(|pattern| (*pattern).to_owned()).collect(),
        description: "CRM sync".to_owned(),
    }
}

fn when(given: &[WebhookEvent], action: WebhookAction) -> Result<Vec<WebhookEvent>, DomainError> {
    Webhook::decide(&Webhook::replay(given), &WebhookCommand { endpoint_id: ENDPOINT, action })
}

fn registered() -> WebhookEvent {
    WebhookEvent::Registered(EndpointRegistered {
        endpoint_id: ENDPOINT,
        settings: settings("https://crm.example.com/hooks", &["hotline.user.*"]),
        secret_id: SECRET,
    })
}

#[test]
fn registering_records_the_settings_and_the_secret_id_once() {
    let action = WebhookAction::Register {
        settings: settings("https://crm.example.com/hooks", &["hotline.user.*"]),
        secret_id: SECRET,
    };
    assert_eq!(when(&[], action.clone()), Ok(vec![registered()]));
    assert_eq!(when(&[registered()], action).unwrap_err().code, "webhook.endpoint_exists");
    let state = Webhook::replay(&[registered()]);
    let endpoint = state.endpoint.unwrap();
    assert!(endpoint.is_active());
    assert!(endpoint.wants("hotline.user.created"));
    assert!(!endpoint.wants("hotline.tenant.created"));
}

#[test]
fn bad_urls_and_filters_are_refused_with_their_codes() {
    for url in [
        "",
        "ftp://example.com/",
        "example.com/hook",
        "https://",
        "https:///path",
        "https://user:pass@example.com/",
        "https://exa mple.com/",
        "https://example.com:99999/",
        "javascript:alert(1)",
    ] {
        let action = WebhookAction::Register { settings: settings(url, &[]), secret_id: SECRET };
        assert_eq!(when(&[], action).unwrap_err().code, "webhook.invalid_url", "{url:?}");
    }
    let long = format!("https://example.com/{}", "a".repeat(MAX_URL_CHARS));
    let action = WebhookAction::Register { settings: settings(&long, &[]), secret_id: SECRET };
    assert_eq!(when(&[], action).unwrap_err().code, "webhook.invalid_url");
    for url in ["http://127.0.0.1:8080/hook", "https://example.com", "https://[::1]:443/a?b=c"] {
        let action = WebhookAction::Register { settings: settings(url, &[]), secret_id: SECRET };
        assert!(when(&[], action).is_ok(), "{url:?}");
    }
    for filter in
        [&["user.created"][..], &["hotline.User.created"], &["hotline.*"], &["hotline.user.*", "hotline.user.*"]]
    {
        let action = WebhookAction::Register { settings: settings("https://a.example/", filter), secret_id: SECRET };
        assert_eq!(when(&[], action).unwrap_err().code, "webhook.invalid_event_type", "{filter:?}");
    }
    let mut long_description = settings("https://a.example/", &[]);
    long_description.description = "x".repeat(MAX_DESCRIPTION_CHARS + 1);
    let action = WebhookAction::Update { settings: long_description };
    assert_eq!(when(&[registered()], action).unwrap_err().code, "webhook.invalid_description");
}

#[test]
fn disabling_enabling_rotating_and_deleting_follow_the_endpoint_lifecycle() {
    let disable = || WebhookAction::Disable { reason: "gone".to_owned() };
    let disabled = WebhookEvent::Disabled(EndpointDisabled { endpoint_id: ENDPOINT, reason: "gone".to_owned() });
    assert_eq!(when(&[registered()], disable()), Ok(vec![disabled.clone()]));
    assert_eq!(when(&[registered(), disabled.clone()], disable()), Ok(vec![]));
    assert_eq!(when(&[registered()], WebhookAction::Enable), Ok(vec![]));
    let enabled = WebhookEvent::Enabled(EndpointRef { endpoint_id: ENDPOINT });
    assert_eq!(when(&[registered(), disabled.clone()], WebhookAction::Enable), Ok(vec![enabled]));
    let state = Webhook::replay(&[registered(), disabled]);
    assert_eq!(state.endpoint.as_ref().unwrap().disabled_reason.as_deref(), Some("gone"));
    assert!(!state.endpoint.unwrap().is_active());

    let new_secret = Uuid::from_u128(0x33);
    let rotated = WebhookEvent::SecretRotated(SecretRotated { endpoint_id: ENDPOINT, secret_id: new_secret });
    assert_eq!(when(&[registered()], WebhookAction::RotateSecret { secret_id: new_secret }), Ok(vec![rotated.clone()]));
    assert_eq!(Webhook::replay(&[registered(), rotated]).endpoint.unwrap().secret_id, new_secret);

    let same = WebhookAction::Update { settings: settings("https://crm.example.com/hooks", &["hotline.user.*"]) };
    assert_eq!(when(&[registered()], same), Ok(vec![]));

    let deleted = WebhookEvent::Deleted(EndpointRef { endpoint_id: ENDPOINT });
    assert_eq!(when(&[registered()], WebhookAction::Delete), Ok(vec![deleted.clone()]));
    for action in [WebhookAction::Delete, WebhookAction::Enable, disable()] {
        assert_eq!(when(&[registered(), deleted.clone()], action).unwrap_err().code, "webhook.endpoint_not_found");
    }
    assert_eq!(when(&[], WebhookAction::Delete).unwrap_err().code, "webhook.endpoint_not_found");
    let blank = WebhookAction::Disable { reason: " ".to_owned() };
    assert_eq!(when(&[registered()], blank).unwrap_err().code, "webhook.invalid_reason");
}

#[test]
fn the_filter_takes_exact_types_and_whole_contexts_and_empty_takes_all() {
    let patterns = vec!["hotline.user.created".to_owned(), "hotline.knowledge_article.*".to_owned()];
    assert!(wants(&patterns, "hotline.user.created"));
    assert!(!wants(&patterns, "hotline.user.updated"));
    assert!(wants(&patterns, "hotline.knowledge_article.written"));
    assert!(!wants(&patterns, "hotline.knowledge_articles.written"));
    assert!(wants(&[], "hotline.anything.at_all"));
}

#[test]
fn every_event_reads_back_as_written() {
    let events = [
        registered(),
        WebhookEvent::Updated(EndpointUpdated { endpoint_id: ENDPOINT, settings: settings("http://a.example/", &[]) }),
        WebhookEvent::Disabled(EndpointDisabled { endpoint_id: ENDPOINT, reason: "administrator".to_owned() }),
        WebhookEvent::Enabled(EndpointRef { endpoint_id: ENDPOINT }),
        WebhookEvent::Deleted(EndpointRef { endpoint_id: ENDPOINT }),
        WebhookEvent::SecretRotated(SecretRotated { endpoint_id: ENDPOINT, secret_id: SECRET }),
    ];
    for event in events {
        let read = WebhookEvent::from_stored(event.event_type(), 1, &event.to_payload()).unwrap();
        assert_eq!(read, event);
    }
    assert!(matches!(
        WebhookEvent::from_stored(ENDPOINT_REGISTERED, 2, &serde_json::json!({})),
        Err(UpcastError::UnknownVersion { .. })
    ));
}
