//! Jiayuan's one integration-test binary. Every suite runs on SQLite by default and on
//! PostgreSQL when `JIAYUAN_TEST_PG` is set; `browser::` needs chromedriver and a built portal.
//! Read `harness.rs` first.

mod audit;
mod awards;
mod ballots;
mod browser;
mod build;
mod concurrency;
mod events;
mod graphql_http;
#[allow(dead_code)]
mod harness;
mod http;
mod identity;
mod layout;
mod logs;
mod mediation;
mod notifications;
mod pages;
mod permissions;
mod portal_documents;
mod reads;
mod replicas;
mod roster;
mod schema;
mod security;
mod tallies;
mod topics;
