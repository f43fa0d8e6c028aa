//! Test-only crate: see suite/main.rs.
