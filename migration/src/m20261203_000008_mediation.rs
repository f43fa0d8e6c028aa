//! Step 5 (issue 9): dispute mediation (矛盾调处, DESIGN §5).
//!
//! - `mediation_cases`: one case, numbered per community and year (`number` "2026-017", unique
//!   in its community), its status, the agreement's terms and their `terms_version` (a signature
//!   counts only for the version it was given to), the outside party's consent and paper
//!   signature as the mediator recorded them, and the times the statistics need.
//! - `case_parties`: the applicant and the resident respondents with each one's consent.
//! - `case_mediators`: the assigned mediators.
//! - `case_signatures`: signatures of the agreement, one per signer and terms version.
//! - `case_sessions`: mediation sessions (time and place) with the day-before reminder's claim.
//! - `case_entries`: the timeline that parties and mediators see (messages and steps).
//! - `case_notes`: the mediators' private notes.
//! - `case_ratings`: one 1–5 rating per party of a closed case.
//! - `communities.case_overdue_days`: after how many days an unresolved case is overdue.

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

/// A table of rows that belong to one case and one resident.
fn case_rows(name: &str, cols: Vec<ColumnDef>, resident_col: Option<&str>) -> TableCreateStatement {
    let mut table = Table::create();
    table.table(t(name)).col(id()).col(ref_col("case_id"));
    for mut c in cols {
        table.col(&mut c);
    }
    table.foreign_key(&mut fk(name, "case_id", "mediation_cases"));
    if let Some(col) = resident_col {
        table.foreign_key(&mut fk(name, col, "residents"));
    }
    table.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(t("communities"))
                    .add_column(
                        ColumnDef::new(t("case_overdue_days"))
                            .integer()
                            .not_null()
                            .default(30),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(t("mediation_cases"))
                    .col(id())
                    .col(ref_col("community_id"))
                    .col(ColumnDef::new(t("number")).string_len(16).not_null())
                    .col(int("year"))
                    .col(int("seq"))
                    .col(ref_col("applicant_id"))
                    .col(text_null("outside_party"))
                    .col(ColumnDef::new(t("category")).string_len(16).not_null())
                    .col(text("description"))
                    .col(text("desired_outcome"))
                    .col(ColumnDef::new(t("status")).string_len(24).not_null())
                    .col(ColumnDef::new(t("fulfilled")).boolean().null())
                    .col(text_null("decline_reason"))
                    .col(text_null("failure_channel"))
                    .col(text_null("follow_up_note"))
                    .col(time_null("outside_consent_at"))
                    .col(text_null("terms"))
                    .col(
                        ColumnDef::new(t("terms_version"))
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(time_null("terms_drafted_at"))
                    .col(time_null("outside_signed_at"))
                    .col(time_null("accepted_at"))
                    .col(time_null("resolved_at"))
                    .col(time_null("closed_at"))
                    .col(time_null("follow_up_notified_at"))
                    .col(time("created_at"))
                    .col(time("updated_at"))
                    .foreign_key(&mut fk("mediation_cases", "community_id", "communities"))
                    .foreign_key(&mut fk("mediation_cases", "applicant_id", "residents"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "mediation_cases",
                "ux_mediation_cases_number",
                &["community_id", "year", "seq"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "mediation_cases",
                "ix_mediation_cases_queue",
                &["community_id", "created_at", "id"],
                false,
            ))
            .await?;

        manager
            .create_table(case_rows(
                "case_parties",
                vec![
                    ref_col("resident_id"),
                    ColumnDef::new(t("role"))
                        .string_len(16)
                        .not_null()
                        .to_owned(),
                    ColumnDef::new(t("consent")).boolean().null().to_owned(),
                    time_null("responded_at"),
                    time("created_at"),
                ],
                Some("resident_id"),
            ))
            .await?;
        manager
            .create_index(index(
                "case_parties",
                "ux_case_parties_case_resident",
                &["case_id", "resident_id"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "case_parties",
                "ix_case_parties_resident",
                &["resident_id"],
                false,
            ))
            .await?;

        manager
            .create_table(case_rows(
                "case_mediators",
                vec![ref_col("resident_id"), time("assigned_at")],
                Some("resident_id"),
            ))
            .await?;
        manager
            .create_index(index(
                "case_mediators",
                "ux_case_mediators_case_resident",
                &["case_id", "resident_id"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "case_mediators",
                "ix_case_mediators_resident",
                &["resident_id"],
                false,
            ))
            .await?;

        manager
            .create_table(case_rows(
                "case_signatures",
                vec![ref_col("signer_id"), int("version"), time("signed_at")],
                Some("signer_id"),
            ))
            .await?;
        manager
            .create_index(index(
                "case_signatures",
                "ux_case_signatures_once",
                &["case_id", "version", "signer_id"],
                true,
            ))
            .await?;

        manager
            .create_table(case_rows(
                "case_sessions",
                vec![
                    time("starts_at"),
                    text("place"),
                    text_null("note"),
                    ref_col("created_by"),
                    time("created_at"),
                    time_null("reminded_at"),
                ],
                None,
            ))
            .await?;
        manager
            .create_index(index(
                "case_sessions",
                "ix_case_sessions_case",
                &["case_id", "starts_at"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "case_sessions",
                "ix_case_sessions_due",
                &["starts_at"],
                false,
            ))
            .await?;

        manager
            .create_table(case_rows(
                "case_entries",
                vec![
                    ColumnDef::new(t("kind"))
                        .string_len(24)
                        .not_null()
                        .to_owned(),
                    ColumnDef::new(t("author_id"))
                        .string_len(36)
                        .null()
                        .to_owned(),
                    text_null("body"),
                    time("created_at"),
                ],
                None,
            ))
            .await?;
        manager
            .create_index(index(
                "case_entries",
                "ix_case_entries_case",
                &["case_id", "created_at", "id"],
                false,
            ))
            .await?;

        manager
            .create_table(case_rows(
                "case_notes",
                vec![ref_col("author_id"), text("body"), time("created_at")],
                None,
            ))
            .await?;
        manager
            .create_index(index(
                "case_notes",
                "ix_case_notes_case",
                &["case_id", "created_at", "id"],
                false,
            ))
            .await?;

        manager
            .create_table(case_rows(
                "case_ratings",
                vec![ref_col("resident_id"), int("stars"), time("created_at")],
                Some("resident_id"),
            ))
            .await?;
        manager
            .create_index(index(
                "case_ratings",
                "ux_case_ratings_once",
                &["case_id", "resident_id"],
                true,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "case_ratings",
            "case_notes",
            "case_entries",
            "case_sessions",
            "case_signatures",
            "case_mediators",
            "case_parties",
            "mediation_cases",
        ] {
            manager
                .drop_table(Table::drop().table(t(table)).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(t("communities"))
                    .drop_column(t("case_overdue_days"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
