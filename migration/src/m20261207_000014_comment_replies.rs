//! A topic page shows each comment's first replies, read together: one `LIMIT` per comment in
//! one statement (`db::keyset_pages`). Each such page needs the comment's replies in key
//! order; without this index the database went through every comment of the topic
//! (`ix_topic_comments_topic`) for each comment on the page. Partial (replies only): a page of
//! a topic's top-level comments (`parent_id IS NULL`) keeps reading the topic's index, not
//! every top-level comment of every topic through this one.

use sea_orm_migration::prelude::*;

use crate::columns::{index, t};

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "ix_topic_comments_parent";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut replies = index(
            "topic_comments",
            NAME,
            &["parent_id", "created_at", "id"],
            false,
        );
        replies.and_where(Expr::col(t("parent_id")).is_not_null());
        manager.create_index(replies).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(NAME)
                    .table(t("topic_comments"))
                    .to_owned(),
            )
            .await
    }
}
