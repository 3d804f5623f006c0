//! The GraphQL SDL is part of the published contract: it is checked in at
//! `schemas/graphql/schema.graphql`, and this test fails when the schema changes without it.

use std::path::PathBuf;

#[test]
fn checked_in_sdl_matches_the_schema() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schemas/graphql/schema.graphql");
    let generated = hotline_graphql::sdl();
    if std::env::var_os("HOTLINE_UPDATE_SCHEMAS").is_some() {
        std::fs::write(&path, &generated).expect("writing the SDL");
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "the GraphQL schema changed but {} was not updated; review the change (clients depend on it) \
         and run `HOTLINE_UPDATE_SCHEMAS=1 cargo test -p hotline-graphql --test sdl`",
        path.display()
    );
}
