//! The checked-in SDL is what clients read: it must match the server's schema.

#[test]
fn the_checked_in_schema_matches_export_schema() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../api/schema.graphql");
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    let current = api::graphql::sdl();
    assert!(
        checked_in == current,
        "api/schema.graphql is stale: run `cargo run -p api -- export-schema > api/schema.graphql`"
    );
}
