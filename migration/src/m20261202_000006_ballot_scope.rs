//! Step 6 (issue 7, section 4): ballot scopes, extensions and cancellations.
//!
//! - `scope`: the building ids a ballot's electorate was narrowed to (`buildingIds` on
//!   `openBallot`), joined by `,`; null for the whole community.
//! - `extended_at` / `extend_reason`: the one extension of `closes_at` once votes exist, with its
//!   public reason.
//! - `cancelled_at` / `cancel_reason`: a cancelled ballot (status `CANCELLED`) and its public
//!   reason.
//!
//! SQLite alters one column per statement, so each column is its own `ALTER TABLE`.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "ballots";

fn columns() -> Vec<ColumnDef> {
    let text = |name: &str| ColumnDef::new(Alias::new(name)).text().null().to_owned();
    let time = |name: &str| {
        ColumnDef::new(Alias::new(name))
            .timestamp_with_time_zone()
            .null()
            .to_owned()
    };
    vec![
        text("scope"),
        time("extended_at"),
        text("extend_reason"),
        time("cancelled_at"),
        text("cancel_reason"),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(TABLE))
                        .add_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "cancel_reason",
            "cancelled_at",
            "extend_reason",
            "extended_at",
            "scope",
        ] {
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
