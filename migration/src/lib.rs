//! Migrations run by `jiayuan migrate` and at `jiayuan serve` start-up, identically on SQLite
//! and PostgreSQL. A migration that has landed on `main` is never edited: add a new one.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_foundation;
mod m20261125_000002_deliberation;
mod m20261202_000003_roster_links;
mod m20261202_000005_named_votes;
mod m20261202_000006_ballot_scope;
mod m20261202_000007_append_only_votes;
mod m20261203_000008_mediation;
mod m20261204_000009_awards;
mod m20261204_000010_events;
mod m20261206_000011_topic_list_order;
mod m20261206_000012_topic_latest_ballot;
mod m20261207_000013_registrations_event_resident;
mod m20261207_000014_comment_replies;
mod m20261207_000015_topic_page_versions;

mod columns;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_foundation::Migration),
            Box::new(m20261125_000002_deliberation::Migration),
            Box::new(m20261202_000003_roster_links::Migration),
            Box::new(m20261202_000005_named_votes::Migration),
            Box::new(m20261202_000006_ballot_scope::Migration),
            Box::new(m20261202_000007_append_only_votes::Migration),
            Box::new(m20261203_000008_mediation::Migration),
            Box::new(m20261204_000009_awards::Migration),
            Box::new(m20261204_000010_events::Migration),
            Box::new(m20261206_000011_topic_list_order::Migration),
            Box::new(m20261206_000012_topic_latest_ballot::Migration),
            Box::new(m20261207_000013_registrations_event_resident::Migration),
            Box::new(m20261207_000014_comment_replies::Migration),
            Box::new(m20261207_000015_topic_page_versions::Migration),
        ]
    }
}
