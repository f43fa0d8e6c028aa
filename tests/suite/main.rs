//! Jiayuan's one integration-test binary. Every suite runs on SQLite by default and on
//! PostgreSQL when `JIAYUAN_TEST_PG` is set; `browser::` needs chromedriver and a built portal.
//! Read `harness.rs` first.

mod browser;
#[allow(dead_code)]
mod harness;
mod identity;
mod logs;
mod replicas;
mod schema;
