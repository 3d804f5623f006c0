//! Tests of the customer and customer-fields deciders and of value validation.

use chrono::TimeZone;

use super::*;

const TENANT: Uuid = Uuid::from_u128(1);
const CUSTOMER: Uuid = Uuid::from_u128(0xC1);
const KEY: Uuid = Uuid::from_u128(0xE1);

fn field(key: &str, field_type: FieldType, required: bool) -> FieldDefinition {
    FieldDefinition {
        key: key.into(),
        label: key.to_uppercase(),
        field_type,
        required,
        max_length: None,
        enabled: true,
        sort_order: 0,
    }
}

fn tenant_fields() -> Vec<FieldDefinition> {
    vec![
        field("vip_level", FieldType::Number, false),
        field("balance", FieldType::Money, false),
        field("birthday", FieldType::Date, false),
        field("call_after", FieldType::Time, false),
        field("id_card", FieldType::IdCard, false),
        field("city", FieldType::Text, true),
    ]
}

fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(key, value)| ((*key).to_owned(), (*value).to_owned())).collect()
}

fn command(action: CustomerAction) -> CustomerCommand {
    CustomerCommand {
        tenant_id: TENANT,
        customer_id: CUSTOMER,
        at: Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0).unwrap(),
        action,
    }
}

fn sealed() -> Sealed {
    Sealed { key_id: KEY, ciphertext: "c2VhbGVk".into() }
}

fn create(pairs: &[(&str, &str)]) -> CustomerCommand {
    command(CustomerAction::Create { values: values(pairs), fields: tenant_fields(), sealed: sealed() })
}

#[test]
fn id_card_numbers_are_checked_by_their_check_digit_and_birth_date() {
    assert_eq!(validate_id_card("11010519491231002x"), Ok("11010519491231002X".into()));
    assert!(validate_id_card("110105194912310021").is_err(), "wrong check digit");
    assert!(validate_id_card("110105194913310028").is_err(), "month 13");
    assert!(validate_id_card("1101051949123100").is_err(), "too short");
}

#[test]
fn values_are_normalised_and_every_bad_field_is_listed() {
    let good = validate_values(
        &tenant_fields(),
        &values(&[
            ("name", " Ann Lee "),
            ("gender", "Female"),
            ("phone", "+86 138 0013 8000"),
            ("balance", "12.5"),
            ("birthday", "1990-02-28"),
            ("call_after", "9:30"),
            ("city", "Hangzhou"),
            ("vip_level", ""),
        ]),
    )
    .unwrap();
    assert_eq!(good["name"], "Ann Lee");
    assert_eq!(good["gender"], "female");
    assert_eq!(good["balance"], "12.50");
    assert_eq!(good["call_after"], "09:30:00");
    assert!(!good.contains_key("vip_level"), "empty values are left out");

    let errors = validate_values(
        &tenant_fields(),
        &values(&[("phone", "call me"), ("balance", "1.234"), ("birthday", "1990-02-30"), ("colour", "red")]),
    )
    .unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|error| error.field.as_str()).collect();
    assert_eq!(fields, ["colour", "name", "phone", "balance", "birthday", "city"]);
}

#[test]
fn a_customer_is_created_updated_with_its_own_key_and_forgotten_once() {
    let events = Customer::decide(&CustomerState::default(), &create(&[("name", "Ann"), ("city", "Xi'an")])).unwrap();
    let state = Customer::replay(&events);
    assert_eq!((state.status, state.key_id), (Status::Active, Some(KEY)));
    assert_eq!(
        Customer::decide(&state, &create(&[("name", "Ann"), ("city", "X")])).unwrap_err().code,
        "customer.exists"
    );
    let refused = Customer::decide(&CustomerState::default(), &create(&[("city", "X")])).unwrap_err();
    assert_eq!(refused.code, "customer.invalid_values");
    assert!(refused.message.contains("name: required"), "{refused}");

    let other_key = Sealed { key_id: Uuid::from_u128(0xE2), ..sealed() };
    let update = command(CustomerAction::Update {
        values: values(&[("name", "Ann"), ("city", "X")]),
        fields: tenant_fields(),
        sealed: other_key,
    });
    assert_eq!(Customer::decide(&state, &update).unwrap_err().code, "customer.wrong_key");

    let forget = Customer::decide(&state, &command(CustomerAction::Forget)).unwrap();
    assert_eq!(
        forget,
        [CustomerEvent::Forgotten(Forgotten {
            customer_id: CUSTOMER,
            key_id: KEY,
            at: command(CustomerAction::Forget).at
        })]
    );
    let state = forget.iter().fold(state, Customer::evolve);
    assert_eq!(Customer::decide(&state, &command(CustomerAction::Forget)), Ok(vec![]));
    let update = command(CustomerAction::Update {
        values: values(&[("name", "A"), ("city", "X")]),
        fields: tenant_fields(),
        sealed: sealed(),
    });
    assert_eq!(Customer::decide(&state, &update).unwrap_err().code, "customer.forgotten");
    for event in &events {
        assert_eq!(&CustomerEvent::from_stored(event.event_type(), 1, &event.to_payload()).unwrap(), event);
    }
}

#[test]
fn field_definitions_are_checked_and_a_key_never_changes_type() {
    let define = |fields| DefineFields { tenant_id: TENANT, fields };
    let events = CustomerFields::decide(&FieldsState::default(), &define(tenant_fields())).unwrap();
    let state = CustomerFields::replay(&events);
    assert_eq!(CustomerFields::decide(&state, &define(tenant_fields())), Ok(vec![]));
    let retyped = vec![field("vip_level", FieldType::Text, false)];
    // Removed and added back with another type: still refused.
    let state = CustomerFields::replay(events.iter().chain(&CustomerFields::decide(&state, &define(vec![])).unwrap()));
    assert_eq!(CustomerFields::decide(&state, &define(retyped)).unwrap_err().code, "customer_fields.type_changed");
    for bad in [
        vec![field("Name", FieldType::Text, false)],
        vec![field("phone", FieldType::Text, false)],
        vec![field("a", FieldType::Text, false), field("a", FieldType::Number, false)],
        vec![field("sex", FieldType::Gender, false)],
    ] {
        assert_eq!(
            CustomerFields::decide(&FieldsState::default(), &define(bad)).unwrap_err().code,
            "customer_fields.invalid"
        );
    }
}
