//! Issue 7 §2: an append-only vote. Casting a vote no longer updates the ballot's and the
//! options' counters (two rows every voter of a ballot used to queue on); it only inserts the
//! participation and box rows. The counters become a roll-up that a background fold (and closing)
//! brings up to date, and a tally read adds the box rows not yet folded in.
//!
//! - `pending`: the box row holds a choice the counters do not include yet (a new vote, or a
//!   changed one);
//! - `counted_option_ids`: the choice the counters do include (null: the vote is not counted at
//!   all yet). Rows that existed before this migration are counted already.
//!
//! A partial index finds the pending rows of a ballot without scanning its box.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "ballot_box";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            ColumnDef::new(Alias::new("pending"))
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
            ColumnDef::new(Alias::new("counted_option_ids"))
                .text()
                .null()
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(TABLE))
                        .add_column(col)
                        .to_owned(),
                )
                .await?;
        }
        let db = manager.get_connection();
        db.execute_unprepared("UPDATE ballot_box SET counted_option_ids = option_ids")
            .await?;
        db.execute_unprepared(
            "CREATE INDEX idx_ballot_box_pending ON ballot_box (ballot_id) WHERE pending",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX idx_ballot_box_pending")
            .await?;
        for name in ["counted_option_ids", "pending"] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(TABLE))
                        .drop_column(Alias::new(name))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
