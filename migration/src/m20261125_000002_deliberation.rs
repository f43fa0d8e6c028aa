//! Step 2: deliberation topics and ballots.
//!
//! Secret ballots: who voted (`ballot_participation`) and what was chosen (`ballot_box`) are
//! stored apart, with no shared key and no timestamp on the ballot box; box rows have random ids
//! and are rewritten in random order when the ballot closes.

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

fn ref_col_null(name: &str) -> ColumnDef {
    ColumnDef::new(t(name)).string_len(36).null().to_owned()
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
                    .table(t("topics"))
                    .col(id())
                    .col(ref_col("community_id"))
                    .col(ref_col("proposer_id"))
                    .col(ColumnDef::new(t("title")).string_len(100).not_null())
                    .col(ColumnDef::new(t("body")).text().not_null())
                    .col(ColumnDef::new(t("category")).string_len(16).not_null())
                    .col(ColumnDef::new(t("status")).string_len(16).not_null())
                    .col(
                        ColumnDef::new(t("cosign_count"))
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(ColumnDef::new(t("reject_reason")).text().null())
                    .col(
                        ColumnDef::new(t("progress"))
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(time("created_at"))
                    .col(time("updated_at"))
                    .foreign_key(&mut fk("topics", "community_id", "communities"))
                    .foreign_key(&mut fk("topics", "proposer_id", "residents"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "topics",
                "ix_topics_community_status",
                &["community_id", "status", "created_at"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(t("topic_cosigns"))
                    .col(id())
                    .col(ref_col("topic_id"))
                    .col(ref_col("resident_id"))
                    .col(time("created_at"))
                    .foreign_key(&mut fk("topic_cosigns", "topic_id", "topics"))
                    .foreign_key(&mut fk("topic_cosigns", "resident_id", "residents"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "topic_cosigns",
                "ux_topic_cosigns_topic_resident",
                &["topic_id", "resident_id"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(t("topic_comments"))
                    .col(id())
                    .col(ref_col("topic_id"))
                    .col(ref_col("author_id"))
                    .col(ref_col_null("parent_id"))
                    .col(ColumnDef::new(t("body")).text().not_null())
                    .col(time("created_at"))
                    .col(time_null("hidden_at"))
                    .col(ColumnDef::new(t("hidden_reason")).text().null())
                    .col(ref_col_null("hidden_by"))
                    .foreign_key(&mut fk("topic_comments", "topic_id", "topics"))
                    .foreign_key(&mut fk("topic_comments", "author_id", "residents"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "topic_comments",
                "ix_topic_comments_topic",
                &["topic_id", "created_at"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(t("comment_reports"))
                    .col(id())
                    .col(ref_col("comment_id"))
                    .col(ref_col("reporter_id"))
                    .col(ColumnDef::new(t("reason")).text().not_null())
                    .col(time("created_at"))
                    .foreign_key(&mut fk("comment_reports", "comment_id", "topic_comments"))
                    .foreign_key(&mut fk("comment_reports", "reporter_id", "residents"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "comment_reports",
                "ux_comment_reports_comment_reporter",
                &["comment_id", "reporter_id"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(t("topic_updates"))
                    .col(id())
                    .col(ref_col("topic_id"))
                    .col(ref_col("author_id"))
                    .col(ColumnDef::new(t("percent")).integer().not_null())
                    .col(ColumnDef::new(t("note")).text().not_null())
                    .col(time("created_at"))
                    .foreign_key(&mut fk("topic_updates", "topic_id", "topics"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "topic_updates",
                "ix_topic_updates_topic",
                &["topic_id", "created_at"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(t("topic_ratings"))
                    .col(id())
                    .col(ref_col("topic_id"))
                    .col(ref_col("resident_id"))
                    .col(ColumnDef::new(t("stars")).integer().not_null())
                    .col(time("created_at"))
                    .foreign_key(&mut fk("topic_ratings", "topic_id", "topics"))
                    .foreign_key(&mut fk("topic_ratings", "resident_id", "residents"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "topic_ratings",
                "ux_topic_ratings_topic_resident",
                &["topic_id", "resident_id"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(t("ballots"))
                    .col(id())
                    .col(ref_col("community_id"))
                    .col(ref_col_null("topic_id"))
                    .col(ref_col_null("campaign_id"))
                    .col(ColumnDef::new(t("question")).text().not_null())
                    .col(ColumnDef::new(t("kind")).string_len(16).not_null())
                    .col(ColumnDef::new(t("method")).string_len(16).not_null())
                    .col(ColumnDef::new(t("max_choices")).integer().not_null())
                    .col(ColumnDef::new(t("electorate")).string_len(16).not_null())
                    .col(ColumnDef::new(t("rule")).string_len(24).not_null())
                    .col(ColumnDef::new(t("secret")).boolean().not_null())
                    .col(ColumnDef::new(t("status")).string_len(16).not_null())
                    .col(ref_col("opened_by"))
                    .col(time("opened_at"))
                    .col(time("closes_at"))
                    .col(time_null("closed_at"))
                    .col(ColumnDef::new(t("eligible_count")).big_integer().not_null())
                    .col(ColumnDef::new(t("eligible_area")).big_integer().not_null())
                    .col(
                        ColumnDef::new(t("turnout_count"))
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(t("turnout_area"))
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(ColumnDef::new(t("quorum_met")).boolean().null())
                    .col(ColumnDef::new(t("outcome")).string_len(16).null())
                    .col(
                        ColumnDef::new(t("reminder_sent"))
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .foreign_key(&mut fk("ballots", "community_id", "communities"))
                    .foreign_key(&mut fk("ballots", "topic_id", "topics"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ballots",
                "ix_ballots_status_closes",
                &["status", "closes_at"],
                false,
            ))
            .await?;
        manager
            .create_index(index("ballots", "ix_ballots_topic", &["topic_id"], false))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(t("ballot_options"))
                    .col(id())
                    .col(ref_col("ballot_id"))
                    .col(ColumnDef::new(t("position")).integer().not_null())
                    .col(ColumnDef::new(t("label")).string_len(200).not_null())
                    .col(ColumnDef::new(t("role")).string_len(16).not_null())
                    .col(
                        ColumnDef::new(t("votes"))
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(t("area"))
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(ColumnDef::new(t("adopted")).boolean().null())
                    .foreign_key(&mut fk("ballot_options", "ballot_id", "ballots"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ballot_options",
                "ix_ballot_options_ballot",
                &["ballot_id", "position"],
                false,
            ))
            .await?;

        // The electorate, frozen when the ballot opens.
        manager
            .create_table(
                Table::create()
                    .table(t("ballot_voters"))
                    .col(id())
                    .col(ref_col("ballot_id"))
                    .col(ref_col("voter_id"))
                    .col(ColumnDef::new(t("area")).big_integer().not_null())
                    .foreign_key(&mut fk("ballot_voters", "ballot_id", "ballots"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ballot_voters",
                "ux_ballot_voters_ballot_voter",
                &["ballot_id", "voter_id"],
                true,
            ))
            .await?;

        // Who voted: one row per voter (the one-vote rule), no choice.
        manager
            .create_table(
                Table::create()
                    .table(t("ballot_participation"))
                    .col(id())
                    .col(ref_col("ballot_id"))
                    .col(ref_col("voter_id"))
                    .col(ColumnDef::new(t("channel")).string_len(8).not_null())
                    .col(ref_col("cast_by"))
                    .foreign_key(&mut fk("ballot_participation", "ballot_id", "ballots"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ballot_participation",
                "ux_ballot_participation_ballot_voter",
                &["ballot_id", "voter_id"],
                true,
            ))
            .await?;

        // What was chosen: the receipt's hash and the choice, no voter, no time.
        manager
            .create_table(
                Table::create()
                    .table(t("ballot_box"))
                    .col(id())
                    .col(ref_col("ballot_id"))
                    .col(ColumnDef::new(t("receipt_hash")).string_len(64).not_null())
                    .col(ColumnDef::new(t("option_ids")).text().not_null())
                    .col(ColumnDef::new(t("area")).big_integer().not_null())
                    .foreign_key(&mut fk("ballot_box", "ballot_id", "ballots"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ballot_box",
                "ux_ballot_box_ballot_receipt",
                &["ballot_id", "receipt_hash"],
                true,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "ballot_box",
            "ballot_participation",
            "ballot_voters",
            "ballot_options",
            "ballots",
            "topic_ratings",
            "topic_updates",
            "comment_reports",
            "topic_comments",
            "topic_cosigns",
            "topics",
        ] {
            manager
                .drop_table(Table::drop().table(t(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
