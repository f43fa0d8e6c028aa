//! Issue 7: a community's topic list is read newest first, in keyset pages over
//! (`created_at`, `id`). The deliberation migration's index (`community_id`, `status`,
//! `created_at`) serves a list filtered by one status, but not the unfiltered list: without an
//! index in the list's own order, each page joined every topic of the community with its latest
//! ballot and sorted them all before taking twenty (at 500 topics on PostgreSQL the statement ran
//! about 7× slower, the whole request 2 to 2.5×). With this index a page reads its rows in order
//! and stops after `limit + 1`, whatever the community's size.

use sea_orm_migration::prelude::*;

use crate::columns::{index, t};

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "ix_topics_community_created";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index(
                "topics",
                NAME,
                &["community_id", "created_at", "id"],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(NAME).table(t("topics")).to_owned())
            .await
    }
}
