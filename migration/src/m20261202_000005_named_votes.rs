//! Step 5 (issue 6, item 17): named votes (记名表决). A non-secret ballot is a named vote whose
//! choices the committee may see after closing, so for non-secret ballots only, each ballot-box
//! row is tied to the voter who cast it by one row here. Secret ballots never get a row in this
//! table: their participation and choices stay apart with nothing that joins them.
//!
//! The row points at the box row (whose choice a vote change updates in place, and whose id is
//! never rewritten for a non-secret ballot), so the choice is kept in one place only.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn t(name: &str) -> Alias {
    Alias::new(name)
}

const TABLE: &str = "ballot_named_votes";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(t(TABLE))
                    .col(
                        ColumnDef::new(t("id"))
                            .string_len(36)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(t("ballot_id")).string_len(36).not_null())
                    .col(ColumnDef::new(t("voter_id")).string_len(36).not_null())
                    .col(ColumnDef::new(t("box_id")).string_len(36).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ballot_named_votes_ballot_id")
                            .from(t(TABLE), t("ballot_id"))
                            .to(t("ballots"), t("id"))
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ballot_named_votes_box_id")
                            .from(t(TABLE), t("box_id"))
                            .to(t("ballot_box"), t("id"))
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_ballot_named_votes_ballot_voter")
                    .table(t(TABLE))
                    .col(t("ballot_id"))
                    .col(t("voter_id"))
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_ballot_named_votes_box")
                    .table(t(TABLE))
                    .col(t("box_id"))
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(t(TABLE)).to_owned())
            .await
    }
}
