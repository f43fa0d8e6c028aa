//! A resident signs up for one event at most ten times, cancelled sign-ups included
//! (`events::rules::MAX_SIGN_UPS`): a sign-up reads the resident's registrations for the event
//! under the event's lock. Without an index in that order the read went through the resident's
//! registrations for every event (`ix_registrations_resident`) or, as the planner chose, through
//! every registration of the event, while a sign-up rush queued on the lock.

use sea_orm_migration::prelude::*;

use crate::columns::{index, t};

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "ix_registrations_event_resident";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index(
                "registrations",
                NAME,
                &["event_id", "resident_id"],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(NAME)
                    .table(t("registrations"))
                    .to_owned(),
            )
            .await
    }
}
