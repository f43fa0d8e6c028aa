//! Step 6 (issue 10): civility awards (文明评选, DESIGN §6).
//!
//! - `award_campaigns`: a campaign of a community (title, year, endorsement threshold) with the
//!   ends of its nominating, endorsing and reviewing windows; `announced_at` once announced.
//!   The phase is derived from these times (ending a phase early moves its end to now).
//! - `award_categories`: a campaign's categories, each with a nominee kind and a number of winners.
//! - `nominations`: one nominee (a household, building or resident of the community) in one
//!   category, with the nominator's story, its status, its endorsement count and the committee's
//!   shortlist note. One nomination per nominee and category (`ux_nominations_nominee`).
//!   `nominee_household_id` is the household that may not endorse it (the household itself, or
//!   the resident's household; null for a building).
//! - `endorsements`: one per resident and nomination (`ux_endorsements_resident`).
//! - `ballots.category_id` and `ballot_options.nomination_id`: a campaign category's public
//!   vote, one option per shortlisted nomination.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn t(name: &str) -> Alias {
    Alias::new(name)
}

fn id() -> ColumnDef {
    ColumnDef::new(t("id"))
        .string_len(36)
        .not_null()
        .primary_key()
        .to_owned()
}

fn ref_col(name: &str) -> ColumnDef {
    ColumnDef::new(t(name)).string_len(36).not_null().to_owned()
}

fn text(name: &str) -> ColumnDef {
    ColumnDef::new(t(name)).text().not_null().to_owned()
}

fn text_null(name: &str) -> ColumnDef {
    ColumnDef::new(t(name)).text().null().to_owned()
}

fn int(name: &str) -> ColumnDef {
    ColumnDef::new(t(name)).integer().not_null().to_owned()
}

fn time(name: &str) -> ColumnDef {
    ColumnDef::new(t(name))
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn time_null(name: &str) -> ColumnDef {
    ColumnDef::new(t(name))
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

fn fk(from_table: &str, from_col: &str, to_table: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{from_table}_{from_col}"))
        .from(t(from_table), t(from_col))
        .to(t(to_table), t("id"))
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

fn index(table: &str, name: &str, cols: &[&str], unique: bool) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(name).table(t(table));
    for c in cols {
        idx.col(t(c));
    }
    if unique {
        idx.unique();
    }
    idx.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(t("award_campaigns"))
                    .col(id())
                    .col(ref_col("community_id"))
                    .col(text("title"))
                    .col(int("year"))
                    .col(int("endorsement_threshold"))
                    .col(time("nominate_until"))
                    .col(time("endorse_until"))
                    .col(time("review_until"))
                    .col(time_null("announced_at"))
                    .col(ref_col("created_by"))
                    .col(time("created_at"))
                    .col(time("updated_at"))
                    .foreign_key(&mut fk("award_campaigns", "community_id", "communities"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "award_campaigns",
                "ix_award_campaigns_community",
                &["community_id", "created_at", "id"],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(t("award_categories"))
                    .col(id())
                    .col(ref_col("campaign_id"))
                    .col(int("position"))
                    .col(text("name"))
                    .col(ColumnDef::new(t("nominee_kind")).string_len(16).not_null())
                    .col(int("winners"))
                    .foreign_key(&mut fk(
                        "award_categories",
                        "campaign_id",
                        "award_campaigns",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "award_categories",
                "ix_award_categories_campaign",
                &["campaign_id", "position"],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(t("nominations"))
                    .col(id())
                    .col(ref_col("campaign_id"))
                    .col(ref_col("category_id"))
                    .col(ref_col("community_id"))
                    .col(ColumnDef::new(t("nominee_kind")).string_len(16).not_null())
                    .col(ref_col("nominee_id"))
                    .col(
                        ColumnDef::new(t("nominee_household_id"))
                            .string_len(36)
                            .null(),
                    )
                    .col(ref_col("nominator_id"))
                    .col(text("story"))
                    .col(ColumnDef::new(t("status")).string_len(24).not_null())
                    .col(int("endorsement_count"))
                    .col(text_null("shortlist_note"))
                    .col(time_null("consented_at"))
                    .col(time_null("qualified_at"))
                    .col(time_null("decided_at"))
                    .col(time("created_at"))
                    .col(time("updated_at"))
                    .foreign_key(&mut fk("nominations", "campaign_id", "award_campaigns"))
                    .foreign_key(&mut fk("nominations", "category_id", "award_categories"))
                    .foreign_key(&mut fk("nominations", "community_id", "communities"))
                    .foreign_key(&mut fk("nominations", "nominator_id", "residents"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "nominations",
                "ux_nominations_nominee",
                &["category_id", "nominee_id"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "nominations",
                "ix_nominations_campaign",
                &["campaign_id", "category_id", "created_at", "id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "nominations",
                "ix_nominations_honour",
                &["community_id", "status"],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(t("endorsements"))
                    .col(id())
                    .col(ref_col("nomination_id"))
                    .col(ref_col("resident_id"))
                    .col(time("created_at"))
                    .foreign_key(&mut fk("endorsements", "nomination_id", "nominations"))
                    .foreign_key(&mut fk("endorsements", "resident_id", "residents"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "endorsements",
                "ux_endorsements_resident",
                &["nomination_id", "resident_id"],
                true,
            ))
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(t("ballots"))
                    .add_column(ColumnDef::new(t("category_id")).string_len(36).null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(t("ballot_options"))
                    .add_column(ColumnDef::new(t("nomination_id")).string_len(36).null())
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in [
            ("ballot_options", "nomination_id"),
            ("ballots", "category_id"),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(t(table))
                        .drop_column(t(column))
                        .to_owned(),
                )
                .await?;
        }
        for table in [
            "endorsements",
            "nominations",
            "award_categories",
            "award_campaigns",
        ] {
            manager
                .drop_table(Table::drop().table(t(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
