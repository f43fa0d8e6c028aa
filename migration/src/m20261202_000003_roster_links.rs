//! Step 3 (issue 6): a roster place is *linked* to its account only once the account holder
//! has shown control of it: a new account created by the import (it exists nowhere else), or an
//! invite claimed (with the account's current password when the account exists elsewhere).
//! Only linked places give access. Places that existed before this step stay linked.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("residents"))
                    .add_column(
                        ColumnDef::new(Alias::new("linked_at"))
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared("UPDATE residents SET linked_at = created_at")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("residents"))
                    .drop_column(Alias::new("linked_at"))
                    .to_owned(),
            )
            .await
    }
}
