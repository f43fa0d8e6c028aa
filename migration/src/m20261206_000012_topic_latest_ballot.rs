//! Issue 7: a topic's latest ballot (`Topic.ballot`) is named on the topic row. A list page
//! found it by joining each topic with its ballots and an anti-join on a later one (two index
//! probes per row); with the id on the row the join is one primary-key probe. Opening a ballot
//! on a topic sets it in the same UPDATE that moves the topic to VOTING (the only place a
//! topic's ballot is made). Existing topics get the ballot that was latest by the earlier
//! rule: the last opened, the greater id among those opened at the same instant.

use sea_orm_migration::prelude::*;

use crate::columns::{ref_null, t};

#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMN: &str = "latest_ballot_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(t("topics"))
                    .add_column(ref_null(COLUMN))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE topics SET latest_ballot_id = (SELECT b.id FROM ballots b \
                 WHERE b.topic_id = topics.id ORDER BY b.opened_at DESC, b.id DESC LIMIT 1) \
                 WHERE EXISTS (SELECT 1 FROM ballots b WHERE b.topic_id = topics.id)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(t("topics"))
                    .drop_column(t(COLUMN))
                    .to_owned(),
            )
            .await
    }
}
