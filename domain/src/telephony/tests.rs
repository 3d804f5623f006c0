//! Given these events, when this command, then these events or this error.

use super::*;

const TENANT: Uuid = Uuid::from_u128(0x7e);
const EXTENSION: Uuid = Uuid::from_u128(0x11);
const OTHER_EXTENSION: Uuid = Uuid::from_u128(0x12);
const SECRET: Uuid = Uuid::from_u128(0x21);
const NEW_SECRET: Uuid = Uuid::from_u128(0x22);
const USER: Uuid = Uuid::from_u128(0x31);
const OTHER_USER: Uuid = Uuid::from_u128(0x32);
const TRUNK: Uuid = Uuid::from_u128(0x41);
const OTHER_TRUNK: Uuid = Uuid::from_u128(0x42);
const QUEUE: Uuid = Uuid::from_u128(0x51);

fn when(given: &[TelephonyEvent], action: TelephonyAction) -> Result<Vec<TelephonyEvent>, DomainError> {
    Telephony::decide(&Telephony::replay(given), &TelephonyCommand { tenant_id: TENANT, action })
}

fn code(given: &[TelephonyEvent], action: TelephonyAction) -> &'static str {
    when(given, action).expect_err("the command is refused").code
}

fn provision(extension_id: Uuid, number: &str, user_id: Option<Uuid>) -> TelephonyAction {
    TelephonyAction::ProvisionExtension {
        extension_id,
        number: number.to_owned(),
        display_name: "Front desk".to_owned(),
        user_id,
        secret_id: SECRET,
    }
}

fn provisioned(extension_id: Uuid, number: &str, user_id: Option<Uuid>) -> TelephonyEvent {
    TelephonyEvent::ExtensionProvisioned(ExtensionProvisioned {
        extension_id,
        number: number.to_owned(),
        display_name: "Front desk".to_owned(),
        user_id,
        secret_id: SECRET,
    })
}

fn trunk_input(trunk_id: Uuid, name: &str) -> TrunkInput {
    TrunkInput {
        trunk_id,
        name: name.to_owned(),
        peers: vec!["192.0.2.10".to_owned(), "198.51.100.0/24".to_owned()],
        outbound_address: Some("sip.carrier.example:5060".to_owned()),
        registration: None,
    }
}

fn trunk_defined(trunk_id: Uuid, name: &str) -> TelephonyEvent {
    let input = trunk_input(trunk_id, name);
    TelephonyEvent::TrunkDefined(TrunkDefinition {
        trunk_id,
        name: input.name,
        peers: input.peers,
        outbound_address: input.outbound_address,
        registration: None,
    })
}

fn assignment(number: &str, trunk_id: Option<Uuid>) -> AccessNumberAssigned {
    AccessNumberAssigned { number: number.to_owned(), queue_id: QUEUE, trunk_id, description: "Sales line".to_owned() }
}

#[test]
fn provisioning_records_the_extension_and_its_secret_id() {
    assert_eq!(
        when(&[], provision(EXTENSION, "8001", Some(USER))),
        Ok(vec![provisioned(EXTENSION, "8001", Some(USER))])
    );
    let state = Telephony::replay(&[provisioned(EXTENSION, "8001", Some(USER))]);
    let extension = &state.extensions[&EXTENSION];
    assert!(extension.enabled);
    assert_eq!(extension.secret_id, SECRET);
    assert_eq!(state.extension_of_user(USER).map(|extension| extension.number.as_str()), Some("8001"));
    assert_eq!(
        code(&[provisioned(EXTENSION, "8001", None)], provision(EXTENSION, "8002", None)),
        "telephony.extension_exists"
    );
}

#[test]
fn extension_numbers_are_two_to_eight_digits() {
    for number in ["", "1", "123456789", "80a1", "+801", " 801", "８０１"] {
        assert_eq!(code(&[], provision(EXTENSION, number, None)), "telephony.invalid_extension_number", "{number:?}");
    }
    for number in ["10", "12345678", "0001"] {
        assert!(when(&[], provision(EXTENSION, number, None)).is_ok(), "{number:?}");
    }
}

#[test]
fn an_extension_number_is_unique_and_not_an_access_number() {
    let given = [provisioned(EXTENSION, "8001", None)];
    assert_eq!(code(&given, provision(OTHER_EXTENSION, "8001", None)), "telephony.extension_number_taken");
    let given = [TelephonyEvent::AccessNumberAssigned(assignment("8002", None))];
    assert_eq!(code(&given, provision(EXTENSION, "8002", None)), "telephony.extension_number_taken");
    assert!(when(&given, provision(EXTENSION, "8003", None)).is_ok());
}

#[test]
fn display_names_are_one_to_one_hundred_characters() {
    for display_name in [String::new(), "   ".to_owned(), "a".repeat(MAX_NAME_CHARS + 1), "line\nbreak".to_owned()] {
        let action = TelephonyAction::ProvisionExtension {
            extension_id: EXTENSION,
            number: "8001".to_owned(),
            display_name: display_name.clone(),
            user_id: None,
            secret_id: SECRET,
        };
        assert_eq!(code(&[], action), "telephony.invalid_display_name", "{display_name:?}");
    }
    let update = TelephonyAction::UpdateExtension {
        extension_id: EXTENSION,
        display_name: "前台".repeat(50),
        user_id: None,
        enabled: true,
    };
    assert!(when(&[provisioned(EXTENSION, "8001", None)], update).is_ok(), "100 characters, not bytes");
}

#[test]
fn a_user_has_at_most_one_extension() {
    let given = [provisioned(EXTENSION, "8001", Some(USER))];
    assert_eq!(code(&given, provision(OTHER_EXTENSION, "8002", Some(USER))), "telephony.user_has_extension");
    let given = [provisioned(EXTENSION, "8001", Some(USER)), provisioned(OTHER_EXTENSION, "8002", None)];
    let give_to_user = |extension_id| TelephonyAction::UpdateExtension {
        extension_id,
        display_name: "Front desk".to_owned(),
        user_id: Some(USER),
        enabled: true,
    };
    assert_eq!(code(&given, give_to_user(OTHER_EXTENSION)), "telephony.user_has_extension");
    // Its own extension keeps its user; after removal the user is free again.
    assert_eq!(when(&given, give_to_user(EXTENSION)), Ok(vec![]));
    let removed = TelephonyEvent::ExtensionRemoved(ExtensionRemoved { extension_id: EXTENSION });
    assert!(when(&[given[0].clone(), given[1].clone(), removed], give_to_user(OTHER_EXTENSION)).is_ok());
}

#[test]
fn updating_rotating_and_removing_follow_the_extension() {
    let given = [provisioned(EXTENSION, "8001", None)];
    let disable = TelephonyAction::UpdateExtension {
        extension_id: EXTENSION,
        display_name: "Reception".to_owned(),
        user_id: Some(OTHER_USER),
        enabled: false,
    };
    let updated = TelephonyEvent::ExtensionUpdated(ExtensionUpdated {
        extension_id: EXTENSION,
        display_name: "Reception".to_owned(),
        user_id: Some(OTHER_USER),
        enabled: false,
    });
    assert_eq!(when(&given, disable.clone()), Ok(vec![updated.clone()]));
    assert_eq!(when(&[given[0].clone(), updated], disable), Ok(vec![]), "no change, no event");
    let rotate = TelephonyAction::RotateExtensionPassword { extension_id: EXTENSION, secret_id: NEW_SECRET };
    let rotated = TelephonyEvent::ExtensionPasswordRotated(ExtensionPasswordRotated {
        extension_id: EXTENSION,
        secret_id: NEW_SECRET,
    });
    assert_eq!(when(&given, rotate.clone()), Ok(vec![rotated.clone()]));
    assert_eq!(Telephony::replay(&[given[0].clone(), rotated]).extensions[&EXTENSION].secret_id, NEW_SECRET);
    let remove = TelephonyAction::RemoveExtension { extension_id: EXTENSION };
    let removed = TelephonyEvent::ExtensionRemoved(ExtensionRemoved { extension_id: EXTENSION });
    assert_eq!(when(&given, remove.clone()), Ok(vec![removed.clone()]));
    let gone = [given[0].clone(), removed];
    assert_eq!(code(&gone, remove), "telephony.extension_not_found");
    assert_eq!(code(&gone, rotate), "telephony.extension_not_found");
    assert!(when(&gone, provision(OTHER_EXTENSION, "8001", None)).is_ok(), "a removed number is free again");
}

#[test]
fn trunks_need_a_unique_name_and_ip_peers() {
    assert_eq!(
        when(&[], TelephonyAction::DefineTrunk(trunk_input(TRUNK, "Carrier A"))),
        Ok(vec![trunk_defined(TRUNK, "Carrier A")])
    );
    let given = [trunk_defined(TRUNK, "Carrier A")];
    assert_eq!(code(&given, TelephonyAction::DefineTrunk(trunk_input(TRUNK, "Other"))), "telephony.trunk_exists");
    assert_eq!(
        code(&given, TelephonyAction::DefineTrunk(trunk_input(OTHER_TRUNK, "carrier a"))),
        "telephony.trunk_name_taken"
    );
    for name in ["", " ", &"n".repeat(MAX_NAME_CHARS + 1)] {
        assert_eq!(
            code(&[], TelephonyAction::DefineTrunk(trunk_input(TRUNK, name))),
            "telephony.invalid_trunk_name",
            "{name:?}"
        );
    }
    let with_peers = |peers: &[&str]| {
        let mut input = trunk_input(TRUNK, "Carrier A");
        input.peers = peers.iter().map(|peer| (*peer).to_owned()).collect();
        TelephonyAction::DefineTrunk(input)
    };
    let too_many: Vec<String> = (0..=MAX_PEERS).map(|index| format!("192.0.2.{index}")).collect();
    let too_many: Vec<&str> = too_many.iter().map(String::as_str).collect();
    for peers in [
        &[][..],
        &too_many,
        &["sip.carrier.example"],
        &["192.0.2.1/33"],
        &["2001:db8::/129"],
        &["192.0.2.0/"],
        &["192.0.2.0/-1"],
        &["192.0.2.300"],
        &["192.0.2.1", "192.0.2.1"],
    ] {
        assert_eq!(code(&[], with_peers(peers)), "telephony.invalid_peers", "{peers:?}");
    }
    for peers in [&["192.0.2.1"][..], &["10.0.0.0/8", "2001:db8::1", "2001:db8::/32", "0.0.0.0/0"]] {
        assert!(when(&[], with_peers(peers)).is_ok(), "{peers:?}");
    }
}

#[test]
fn outbound_addresses_are_host_or_host_and_port() {
    let with_address = |address: &str| {
        let mut input = trunk_input(TRUNK, "Carrier A");
        input.outbound_address = Some(address.to_owned());
        TelephonyAction::DefineTrunk(input)
    };
    for address in [
        "sip.carrier.example",
        "sip.carrier.example:5060",
        "192.0.2.1",
        "192.0.2.1:5080",
        "2001:db8::1",
        "[2001:db8::1]:5060",
        "[2001:db8::1]",
    ] {
        assert!(when(&[], with_address(address)).is_ok(), "{address:?}");
    }
    let long = format!("{}.example", "a".repeat(MAX_ADDRESS_CHARS));
    for address in [
        "",
        "sip.carrier.example:",
        "sip.carrier.example:0",
        "sip.carrier.example:65536",
        "sip:carrier.example",
        "carrier example",
        "[2001:db8::1",
        "[not-v6]:5060",
        long.as_str(),
        "a..b",
    ] {
        assert_eq!(code(&[], with_address(address)), "telephony.invalid_outbound_address", "{address:?}");
    }
}

#[test]
fn a_registration_keeps_its_password_unless_a_new_one_is_given() {
    let mut input = trunk_input(TRUNK, "Carrier A");
    input.registration =
        Some(RegistrationInput { registrar: "reg.carrier.example".into(), username: "acme".into(), secret_id: None });
    assert_eq!(code(&[], TelephonyAction::DefineTrunk(input.clone())), "telephony.registration_password_required");
    input.registration.as_mut().unwrap().secret_id = Some(SECRET);
    let defined = when(&[], TelephonyAction::DefineTrunk(input.clone())).unwrap();
    let TelephonyEvent::TrunkDefined(definition) = &defined[0] else { panic!("{defined:?}") };
    assert_eq!(definition.registration.as_ref().unwrap().secret_id, SECRET);
    // An update without a password keeps the one in force.
    input.registration = Some(RegistrationInput {
        registrar: "reg2.carrier.example:5061".into(),
        username: "acme".into(),
        secret_id: None,
    });
    let updated = when(&defined, TelephonyAction::UpdateTrunk(input.clone())).unwrap();
    let TelephonyEvent::TrunkUpdated(definition) = &updated[0] else { panic!("{updated:?}") };
    assert_eq!(definition.registration.as_ref().unwrap().secret_id, SECRET);
    assert_eq!(definition.registration.as_ref().unwrap().registrar, "reg2.carrier.example:5061");
    input.registration.as_mut().unwrap().secret_id = Some(NEW_SECRET);
    let updated = when(&defined, TelephonyAction::UpdateTrunk(input.clone())).unwrap();
    let TelephonyEvent::TrunkUpdated(definition) = &updated[0] else { panic!("{updated:?}") };
    assert_eq!(definition.registration.as_ref().unwrap().secret_id, NEW_SECRET);
    for (registrar, username) in [("reg carrier", "acme"), ("reg.carrier.example", ""), ("reg.carrier.example", "a b")]
    {
        input.registration =
            Some(RegistrationInput { registrar: registrar.into(), username: username.into(), secret_id: Some(SECRET) });
        assert_eq!(code(&[], TelephonyAction::DefineTrunk(input.clone())), "telephony.invalid_registration");
    }
}

#[test]
fn updating_and_removing_trunks() {
    let given = [trunk_defined(TRUNK, "Carrier A"), trunk_defined(OTHER_TRUNK, "Carrier B")];
    assert_eq!(when(&given, TelephonyAction::UpdateTrunk(trunk_input(TRUNK, "Carrier A"))), Ok(vec![]));
    assert_eq!(
        code(&given, TelephonyAction::UpdateTrunk(trunk_input(TRUNK, "Carrier B"))),
        "telephony.trunk_name_taken"
    );
    assert!(when(&given, TelephonyAction::UpdateTrunk(trunk_input(TRUNK, "CARRIER A"))).is_ok(), "its own name");
    assert_eq!(code(&[], TelephonyAction::UpdateTrunk(trunk_input(TRUNK, "Carrier A"))), "telephony.trunk_not_found");
    assert_eq!(code(&[], TelephonyAction::RemoveTrunk { trunk_id: TRUNK }), "telephony.trunk_not_found");
    let with_number = [given[0].clone(), TelephonyEvent::AccessNumberAssigned(assignment("+4930123", Some(TRUNK)))];
    assert_eq!(code(&with_number, TelephonyAction::RemoveTrunk { trunk_id: TRUNK }), "telephony.trunk_in_use");
    let released = TelephonyEvent::AccessNumberReleased(AccessNumberReleased { number: "+4930123".into() });
    let after_release = [with_number[0].clone(), with_number[1].clone(), released];
    assert_eq!(
        when(&after_release, TelephonyAction::RemoveTrunk { trunk_id: TRUNK }),
        Ok(vec![TelephonyEvent::TrunkRemoved(TrunkRemoved { trunk_id: TRUNK })])
    );
}

#[test]
fn access_numbers_are_digits_unique_and_not_extensions() {
    for number in ["", "+", "12-34", "++1", "1+2", " 1", &"1".repeat(MAX_ACCESS_NUMBER_CHARS + 1)] {
        let action = TelephonyAction::AssignAccessNumber(assignment(number, None));
        assert_eq!(code(&[], action), "telephony.invalid_access_number", "{number:?}");
    }
    for number in ["1", "+8613800000000", &"1".repeat(MAX_ACCESS_NUMBER_CHARS)] {
        assert!(when(&[], TelephonyAction::AssignAccessNumber(assignment(number, None))).is_ok(), "{number:?}");
    }
    let given = [provisioned(EXTENSION, "8001", None), TelephonyEvent::AccessNumberAssigned(assignment("4000", None))];
    for number in ["8001", "4000"] {
        let action = TelephonyAction::AssignAccessNumber(assignment(number, None));
        assert_eq!(code(&given, action), "telephony.access_number_taken", "{number:?}");
    }
    let on_unknown_trunk = TelephonyAction::AssignAccessNumber(assignment("4001", Some(TRUNK)));
    assert_eq!(code(&given, on_unknown_trunk), "telephony.trunk_not_found");
    let mut long_description = assignment("4001", None);
    long_description.description = "d".repeat(MAX_DESCRIPTION_CHARS + 1);
    assert_eq!(code(&given, TelephonyAction::AssignAccessNumber(long_description)), "telephony.invalid_description");
    let release = |number: &str| TelephonyAction::ReleaseAccessNumber { number: number.to_owned() };
    assert_eq!(
        when(&given, release("4000")),
        Ok(vec![TelephonyEvent::AccessNumberReleased(AccessNumberReleased { number: "4000".into() })])
    );
    assert_eq!(code(&given, release("4001")), "telephony.access_number_not_found");
    assert_eq!(code(&given, release("8001")), "telephony.access_number_not_found", "an extension is not released");
}

#[test]
fn replaying_the_stored_events_gives_the_same_directory() {
    let mut registration = trunk_input(OTHER_TRUNK, "Carrier B");
    registration.registration = Some(RegistrationInput {
        registrar: "reg.carrier.example".into(),
        username: "acme".into(),
        secret_id: Some(SECRET),
    });
    let actions = [
        provision(EXTENSION, "8001", Some(USER)),
        provision(OTHER_EXTENSION, "8002", None),
        TelephonyAction::DefineTrunk(trunk_input(TRUNK, "Carrier A")),
        TelephonyAction::DefineTrunk(registration),
        TelephonyAction::AssignAccessNumber(assignment("+4930123", Some(TRUNK))),
        TelephonyAction::AssignAccessNumber(assignment("4000", None)),
        TelephonyAction::UpdateExtension {
            extension_id: OTHER_EXTENSION,
            display_name: "Night line".into(),
            user_id: Some(OTHER_USER),
            enabled: false,
        },
        TelephonyAction::RotateExtensionPassword { extension_id: EXTENSION, secret_id: NEW_SECRET },
        TelephonyAction::ReleaseAccessNumber { number: "4000".into() },
        TelephonyAction::RemoveExtension { extension_id: EXTENSION },
    ];
    let mut state = TelephonyState::default();
    let mut log = Vec::new();
    for action in actions {
        let events = Telephony::decide(&state, &TelephonyCommand { tenant_id: TENANT, action }).unwrap();
        for event in events {
            state = Telephony::evolve(state, &event);
            // What the store keeps, and what loading reads back.
            let stored = TelephonyEvent::from_stored(event.event_type(), event.schema_version(), &event.to_payload());
            assert_eq!(stored.as_ref(), Ok(&event));
            log.push(stored.unwrap());
        }
    }
    assert_eq!(log.len(), 10);
    let replayed = Telephony::replay(&log);
    assert_eq!(replayed, state);
    assert_eq!(replayed.extensions.keys().collect::<Vec<_>>(), [&OTHER_EXTENSION]);
    assert!(!replayed.extensions[&OTHER_EXTENSION].enabled);
    assert_eq!(replayed.trunks.len(), 2);
    assert_eq!(replayed.access_numbers.keys().collect::<Vec<_>>(), ["+4930123"]);
    assert_eq!(stream_id(TENANT).as_str(), format!("telephony-{TENANT}"));
}

const MUSIC: Uuid = Uuid::from_u128(0x61);
const OTHER_MUSIC: Uuid = Uuid::from_u128(0x62);

fn music(music_id: Uuid, name: &str, duration_ms: u64) -> MusicAdded {
    MusicAdded { music_id, name: name.to_owned(), duration_ms }
}

fn queue_plays(music_id: Option<Uuid>) -> QueueMusicSet {
    QueueMusicSet { queue_id: QUEUE, music_id }
}

#[test]
fn music_is_added_with_a_name_and_a_length_within_bounds() {
    let added = music(MUSIC, "Spring waltz", 30_000);
    assert_eq!(
        when(&[], TelephonyAction::AddMusic(added.clone())),
        Ok(vec![TelephonyEvent::MusicAdded(added.clone())])
    );
    assert_eq!(
        code(&[TelephonyEvent::MusicAdded(added.clone())], TelephonyAction::AddMusic(added)),
        "telephony.music_exists"
    );
    assert_eq!(code(&[], TelephonyAction::AddMusic(music(MUSIC, " ", 30_000))), "telephony.invalid_music_name");
    assert_eq!(code(&[], TelephonyAction::AddMusic(music(MUSIC, "Short", 999))), "telephony.invalid_music_length");
    assert_eq!(
        code(&[], TelephonyAction::AddMusic(music(MUSIC, "Long", MAX_MUSIC_MS + 1))),
        "telephony.invalid_music_length"
    );
    let full: Vec<TelephonyEvent> = (0..MAX_MUSIC_FILES as u128)
        .map(|index| TelephonyEvent::MusicAdded(music(Uuid::from_u128(0x1000 + index), "Tune", 5_000)))
        .collect();
    assert_eq!(code(&full, TelephonyAction::AddMusic(music(MUSIC, "One more", 5_000))), "telephony.too_much_music");
}

#[test]
fn a_queue_plays_existing_music_and_music_in_use_cannot_be_removed() {
    let added = TelephonyEvent::MusicAdded(music(MUSIC, "Spring waltz", 30_000));
    let set = TelephonyAction::SetQueueMusic(queue_plays(Some(MUSIC)));
    assert_eq!(code(&[], set.clone()), "telephony.music_not_found");
    assert_eq!(
        when(std::slice::from_ref(&added), set.clone()),
        Ok(vec![TelephonyEvent::QueueMusicSet(queue_plays(Some(MUSIC)))])
    );
    let playing = [added.clone(), TelephonyEvent::QueueMusicSet(queue_plays(Some(MUSIC)))];
    // Setting what is set already changes nothing.
    assert_eq!(when(&playing, set), Ok(vec![]));
    let remove = TelephonyAction::RemoveMusic { music_id: MUSIC };
    assert_eq!(code(&playing, remove.clone()), "telephony.music_in_use");
    assert_eq!(code(&playing, TelephonyAction::RemoveMusic { music_id: OTHER_MUSIC }), "telephony.music_not_found");
    // Back to the chime, then the file can go.
    let chime = [
        added,
        TelephonyEvent::QueueMusicSet(queue_plays(Some(MUSIC))),
        TelephonyEvent::QueueMusicSet(queue_plays(None)),
    ];
    assert_eq!(Telephony::replay(&chime).queue_music.get(&QUEUE), None);
    assert_eq!(when(&chime, remove), Ok(vec![TelephonyEvent::MusicRemoved(MusicRemoved { music_id: MUSIC })]));
}
