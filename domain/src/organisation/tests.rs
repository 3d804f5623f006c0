//! Given-when-then tests of the organisation decider, and a property test that no sequence
//! of creates and moves ever makes a cycle.

use proptest::prelude::*;

use super::*;

const TENANT: Uuid = Uuid::from_u128(1);

fn id(number: u128) -> Uuid {
    Uuid::from_u128(0x1000 + number)
}

fn create(unit: u128, parent: Option<u128>, name: &str, dimension: Dimension) -> OrganisationCommand {
    OrganisationCommand::CreateUnit {
        tenant_id: TENANT,
        unit_id: id(unit),
        parent_id: parent.map(id),
        name: name.into(),
        kind: UnitKind::Department,
        dimension,
    }
}

fn move_unit(unit: u128, new_parent: Option<u128>) -> OrganisationCommand {
    OrganisationCommand::MoveUnit { tenant_id: TENANT, unit_id: id(unit), new_parent_id: new_parent.map(id) }
}

fn rename(unit: u128, name: &str) -> OrganisationCommand {
    OrganisationCommand::RenameUnit { tenant_id: TENANT, unit_id: id(unit), name: name.into() }
}

fn remove(unit: u128) -> OrganisationCommand {
    OrganisationCommand::RemoveUnit { tenant_id: TENANT, unit_id: id(unit) }
}

/// Decides each command in turn on the state the previous ones left; panics on a refusal.
fn given(commands: &[OrganisationCommand]) -> (OrganisationState, Vec<OrganisationEvent>) {
    let mut state = OrganisationState::default();
    let mut history = Vec::new();
    for command in commands {
        let events = Organisation::decide(&state, command).unwrap_or_else(|error| panic!("{command:?}: {error}"));
        state = events.iter().fold(state, Organisation::evolve);
        history.extend(events);
    }
    (state, history)
}

fn refusal(state: &OrganisationState, command: &OrganisationCommand) -> &'static str {
    Organisation::decide(state, command).expect_err("the command should be refused").code
}

/// centre(1) > sub-centre(2) > department(3) > team(4), plus a second department(5) under 2.
fn four_levels() -> Vec<OrganisationCommand> {
    vec![
        create(1, None, "Head office", Dimension::Reporting),
        create(2, Some(1), "North", Dimension::Reporting),
        create(3, Some(2), "Billing", Dimension::Reporting),
        create(4, Some(3), "Night shift", Dimension::Reporting),
        create(5, Some(2), "Sales", Dimension::Reporting),
    ]
}

#[test]
fn given_nothing_when_create_root_then_unit_created_in_the_tenants_stream() {
    let command = create(1, None, "Head office", Dimension::Reporting);
    let events = Organisation::decide(&OrganisationState::default(), &command).unwrap();
    assert_eq!(
        events,
        [OrganisationEvent::UnitCreated(UnitCreated {
            unit_id: id(1),
            parent_id: None,
            name: "Head office".into(),
            kind: UnitKind::Department,
            dimension: Dimension::Reporting,
        })]
    );
    assert_eq!(Organisation::stream_id(&command), StreamId::new("org", TENANT));
    assert_eq!(Organisation::stream_id(&remove(9)), Organisation::stream_id(&command), "one stream per tenant");
}

#[test]
fn given_four_levels_then_ancestors_run_up_to_the_root() {
    let (state, _) = given(&four_levels());
    assert_eq!(state.ancestors(id(4)), [id(3), id(2), id(1)]);
    assert!(state.is_at_or_below(id(4), id(1)));
    assert!(!state.is_at_or_below(id(5), id(3)));
}

#[test]
fn given_a_tree_when_moving_a_unit_under_its_own_descendant_or_itself_then_cycle() {
    let (state, _) = given(&four_levels());
    assert_eq!(refusal(&state, &move_unit(2, Some(4))), "org.cycle");
    assert_eq!(refusal(&state, &move_unit(1, Some(3))), "org.cycle");
    assert_eq!(refusal(&state, &move_unit(3, Some(3))), "org.cycle");
}

#[test]
fn given_a_tree_when_moving_a_subtree_then_it_moves_with_its_descendants() {
    let (state, _) = given(&four_levels());
    let events = Organisation::decide(&state, &move_unit(3, Some(5))).unwrap();
    assert_eq!(
        events,
        [OrganisationEvent::UnitMoved(UnitMoved {
            unit_id: id(3),
            previous_parent_id: Some(id(2)),
            parent_id: Some(id(5))
        })]
    );
    let state = events.iter().fold(state, Organisation::evolve);
    assert_eq!(state.ancestors(id(4)), [id(3), id(5), id(2), id(1)]);
    // Moving to the top makes another root: several roots per dimension are allowed.
    let state = given_more(state, &[move_unit(3, None)]);
    assert_eq!(state.children(None, Dimension::Reporting).count(), 2);
}

fn given_more(state: OrganisationState, commands: &[OrganisationCommand]) -> OrganisationState {
    commands.iter().fold(state, |state, command| {
        let events = Organisation::decide(&state, command).unwrap_or_else(|error| panic!("{command:?}: {error}"));
        events.iter().fold(state, Organisation::evolve)
    })
}

#[test]
fn units_never_cross_dimensions() {
    let (state, _) =
        given(&[create(1, None, "Head office", Dimension::Reporting), create(2, None, "Grade A", Dimension::Level)]);
    assert_eq!(refusal(&state, &create(3, Some(1), "Band", Dimension::Level)), "org.dimension_mismatch");
    assert_eq!(refusal(&state, &move_unit(2, Some(1))), "org.dimension_mismatch");
    // Each dimension has its own roots: the same name may appear in two of them.
    given_more(state, &[create(3, None, "Head office", Dimension::Jurisdiction)]);
}

#[test]
fn refuses_unknown_units_and_parents() {
    let (state, _) = given(&four_levels());
    assert_eq!(refusal(&state, &create(9, Some(42), "Lost", Dimension::Reporting)), "org.parent_not_found");
    assert_eq!(refusal(&state, &move_unit(3, Some(42))), "org.parent_not_found");
    assert_eq!(refusal(&state, &move_unit(42, None)), "org.unit_not_found");
    assert_eq!(refusal(&state, &rename(42, "Lost")), "org.unit_not_found");
    assert_eq!(refusal(&state, &remove(42)), "org.unit_not_found");
}

#[test]
fn given_a_unit_with_children_when_removed_then_has_children_and_a_leaf_goes() {
    let (state, _) = given(&four_levels());
    assert_eq!(refusal(&state, &remove(3)), "org.has_children");
    let events = Organisation::decide(&state, &remove(4)).unwrap();
    assert_eq!(events, [OrganisationEvent::UnitRemoved(UnitRemoved { unit_id: id(4), name: "Night shift".into() })]);
    let state = events.iter().fold(state, Organisation::evolve);
    assert!(state.unit(id(4)).is_none());
    given_more(state, &[remove(3)]);
}

#[test]
fn unit_ids_are_never_reused_even_after_removal() {
    let (state, _) = given(&four_levels());
    assert_eq!(refusal(&state, &create(4, Some(1), "Again", Dimension::Reporting)), "org.unit_exists");
    let state = given_more(state, &[remove(4)]);
    assert_eq!(refusal(&state, &create(4, Some(1), "Again", Dimension::Reporting)), "org.unit_exists");
}

#[test]
fn sibling_names_are_unique_ignoring_case() {
    let (state, _) = given(&four_levels());
    assert_eq!(refusal(&state, &create(9, Some(2), "billing", Dimension::Reporting)), "org.name_taken");
    assert_eq!(refusal(&state, &rename(5, "BILLING")), "org.name_taken");
    // Same name under another parent is fine; a move into a clash is not.
    let state = given_more(state, &[create(9, Some(3), "Sales", Dimension::Reporting)]);
    assert_eq!(refusal(&state, &move_unit(9, Some(2))), "org.name_taken");
    // A unit may change the case of its own name.
    given_more(state, &[rename(5, "SALES")]);
}

#[test]
fn renaming_to_the_same_name_or_moving_to_the_same_parent_appends_nothing() {
    let (state, _) = given(&four_levels());
    assert_eq!(Organisation::decide(&state, &rename(3, "Billing")).unwrap(), []);
    assert_eq!(Organisation::decide(&state, &move_unit(3, Some(2))).unwrap(), []);
    let events = Organisation::decide(&state, &rename(3, "Invoicing")).unwrap();
    assert_eq!(
        events,
        [OrganisationEvent::UnitRenamed(UnitRenamed {
            unit_id: id(3),
            previous_name: "Billing".into(),
            name: "Invoicing".into()
        })]
    );
}

#[test]
fn refuses_blank_padded_and_overlong_names() {
    let state = OrganisationState::default();
    for name in ["", "  ", " North", "North ", &"x".repeat(MAX_NAME_CHARS + 1)] {
        assert_eq!(refusal(&state, &create(1, None, name, Dimension::Reporting)), "org.invalid_name", "{name:?}");
    }
    given_more(state, &[create(1, None, &"x".repeat(MAX_NAME_CHARS), Dimension::Reporting)]);
}

#[test]
fn stored_events_round_trip_and_unknown_ones_are_refused() {
    let (state, mut history) = given(&four_levels());
    history.extend(Organisation::decide(&state, &rename(4, "Day shift")).unwrap());
    history.extend(Organisation::decide(&state, &move_unit(4, Some(5))).unwrap());
    history.extend(Organisation::decide(&state, &remove(4)).unwrap());
    for event in &history {
        let read = OrganisationEvent::from_stored(event.event_type(), 1, &event.to_payload()).unwrap();
        assert_eq!(&read, event);
    }
    assert_eq!(history[0].to_payload()["kind"], "department");
    assert_eq!(history[0].to_payload()["dimension"], "reporting");
    assert!(matches!(
        OrganisationEvent::from_stored(UNIT_MOVED, 2, &history[6].to_payload()),
        Err(UpcastError::UnknownVersion { .. })
    ));
    assert!(matches!(
        OrganisationEvent::from_stored("hotline.org.nope", 1, &Value::Null),
        Err(UpcastError::UnknownType(_))
    ));
}

#[test]
fn kinds_and_dimensions_parse_their_own_names() {
    for kind in UnitKind::ALL {
        assert_eq!(UnitKind::parse(kind.as_str()), Some(kind));
    }
    for dimension in Dimension::ALL {
        assert_eq!(Dimension::parse(dimension.as_str()), Some(dimension));
    }
    assert_eq!(Dimension::parse("galaxy"), None);
}

/// An operation of the property test, over a small pool of ids so that collisions happen.
#[derive(Debug, Clone)]
enum Operation {
    Create { unit: u128, parent: Option<u128>, dimension: Dimension },
    Move { unit: u128, new_parent: Option<u128> },
    Remove { unit: u128 },
}

fn operation() -> impl Strategy<Value = Operation> {
    let unit = 0..10u128;
    let parent = proptest::option::weighted(0.8, 0..10u128);
    let dimension = prop_oneof![Just(Dimension::Reporting), Just(Dimension::Level)];
    prop_oneof![
        4 => (unit.clone(), parent.clone(), dimension)
            .prop_map(|(unit, parent, dimension)| Operation::Create { unit, parent, dimension }),
        5 => (unit.clone(), parent).prop_map(|(unit, new_parent)| Operation::Move { unit, new_parent }),
        1 => unit.prop_map(|unit| Operation::Remove { unit }),
    ]
}

fn assert_is_a_forest(state: &OrganisationState) {
    for unit in state.units.values() {
        // Walking up terminates at a root within as many steps as there are units.
        let mut current = unit.parent_id;
        let mut steps = 0;
        while let Some(parent_id) = current {
            let parent = state.unit(parent_id).expect("every parent exists");
            assert_eq!(parent.dimension, unit.dimension, "a parent lies in its child's dimension");
            assert_ne!(parent_id, unit.unit_id, "{} is its own ancestor", unit.unit_id);
            steps += 1;
            assert!(steps <= state.units.len(), "a cycle through {}", unit.unit_id);
            current = parent.parent_id;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_creates_and_moves_never_yield_a_cycle(operations in proptest::collection::vec(operation(), 1..60)) {
        let mut state = OrganisationState::default();
        let mut history = Vec::new();
        for operation in operations {
            let command = match operation {
                Operation::Create { unit, parent, dimension } => create(unit, parent, &format!("unit {unit}"), dimension),
                Operation::Move { unit, new_parent } => move_unit(unit, new_parent),
                Operation::Remove { unit } => remove(unit),
            };
            match Organisation::decide(&state, &command) {
                Ok(events) => {
                    state = events.iter().fold(state, Organisation::evolve);
                    history.extend(events);
                }
                Err(error) => {
                    // A move is refused as a cycle exactly when the target is at or below the unit.
                    if let OrganisationCommand::MoveUnit { unit_id, new_parent_id: Some(new_parent_id), .. } = &command {
                        let closes_a_loop = state.unit(*new_parent_id).is_some_and(|parent| {
                            state.unit(*unit_id).is_some_and(|unit| unit.dimension == parent.dimension)
                        }) && state.is_at_or_below(*new_parent_id, *unit_id);
                        prop_assert_eq!(error.code == "org.cycle", closes_a_loop, "{:?}", command);
                    }
                }
            }
            assert_is_a_forest(&state);
        }
        // Loading the stream again gives the state the decisions were made on.
        prop_assert_eq!(Organisation::replay(&history), state);
    }
}
