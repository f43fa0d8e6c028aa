//! Issue 7 §1: a topic page kept in memory is served only while the database says that nothing
//! it shows has changed. `topic_page_versions` holds one version per community; the database
//! itself gives it a new value whenever a row of `topics` or `ballots` of that community is
//! inserted, updated or deleted, by whichever writer (the server, another replica, a migration,
//! an operator's SQL; on PostgreSQL also a TRUNCATE). A read compares the version with the one
//! its kept page was read with, in the same statement as the pending votes it adds
//! (`domain::topic::pages`).
//!
//! Each new value is random (53 bits on PostgreSQL, 64 on SQLite), not the old one plus one: a
//! database put back to an earlier state (a restore, a failover that lost commits, rows of this
//! table deleted) would otherwise count up again through values that replicas' kept pages were
//! read with, for other rows. Only equality is ever asked of it. A community without a row
//! reads as 0.
//!
//! On PostgreSQL the version moves in a deferred constraint trigger, at commit: its row lock is
//! the last a writing transaction takes and is held only while it commits, so a transaction that
//! changes one community's topics and ballots adds no lock-order cycle with another. (One that
//! changed two communities' rows in the opposite order of another could deadlock at commit, and
//! one would be refused; no action of the server does.) Triggers that are disabled (`ALTER TABLE
//! … DISABLE TRIGGER`, `session_replication_role = replica`, `pg_restore --disable-triggers`)
//! move nothing: after such a write, restart the replicas (kept pages live in memory only).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::columns::{ref_col, t};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables a topic page reads its rows from.
const WATCHED: [&str; 2] = ["topics", "ballots"];

const PG_FUNCTIONS: [&str; 3] = [
    r#"
CREATE FUNCTION new_topic_page_version(community VARCHAR) RETURNS void LANGUAGE sql AS $$
    INSERT INTO topic_page_versions AS v (community_id, version)
        VALUES (community, 1 + floor(random() * 9007199254740990)::bigint)
        ON CONFLICT (community_id)
        DO UPDATE SET version = 1 + floor(random() * 9007199254740990)::bigint
$$"#,
    r#"
CREATE FUNCTION bump_topic_page_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM new_topic_page_version(NEW.community_id);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM new_topic_page_version(OLD.community_id);
    ELSE
        PERFORM new_topic_page_version(NEW.community_id);
        IF NEW.community_id IS DISTINCT FROM OLD.community_id THEN
            PERFORM new_topic_page_version(OLD.community_id);
        END IF;
    END IF;
    RETURN NULL;
END
$$"#,
    r#"
CREATE FUNCTION bump_every_topic_page_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM new_topic_page_version(id) FROM communities;
    RETURN NULL;
END
$$"#,
];

/// SQLite's triggers name one event each; `rows` are the community ids the event changes.
fn sqlite_trigger(table: &str, event: &str, rows: &[&str]) -> String {
    let ensure: String = rows
        .iter()
        .map(|r| {
            format!(
                "INSERT OR IGNORE INTO topic_page_versions (community_id, version) \
                 VALUES ({r}.community_id, 0);\n"
            )
        })
        .collect();
    let ids: Vec<String> = rows.iter().map(|r| format!("{r}.community_id")).collect();
    format!(
        "CREATE TRIGGER topic_page_version_{table}_{} AFTER {event} ON {table} BEGIN\n\
         {ensure}UPDATE topic_page_versions SET version = random() \
         WHERE community_id IN ({});\nEND",
        event.to_lowercase(),
        ids.join(", ")
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(t("topic_page_versions"))
                    .col(ref_col("community_id").primary_key())
                    .col(ColumnDef::new(t("version")).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                for f in PG_FUNCTIONS {
                    db.execute_unprepared(f).await?;
                }
                for table in WATCHED {
                    db.execute_unprepared(&format!(
                        "CREATE CONSTRAINT TRIGGER topic_page_version AFTER INSERT OR UPDATE OR \
                         DELETE ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW \
                         EXECUTE FUNCTION bump_topic_page_version()"
                    ))
                    .await?;
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER topic_page_version_truncate AFTER TRUNCATE ON {table} \
                         FOR EACH STATEMENT EXECUTE FUNCTION bump_every_topic_page_version()"
                    ))
                    .await?;
                }
            }
            _ => {
                for table in WATCHED {
                    for (event, rows) in [
                        ("INSERT", &["NEW"][..]),
                        ("UPDATE", &["NEW", "OLD"][..]),
                        ("DELETE", &["OLD"][..]),
                    ] {
                        db.execute_unprepared(&sqlite_trigger(table, event, rows))
                            .await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                for table in WATCHED {
                    for trigger in ["topic_page_version", "topic_page_version_truncate"] {
                        db.execute_unprepared(&format!("DROP TRIGGER {trigger} ON {table}"))
                            .await?;
                    }
                }
                for f in [
                    "bump_every_topic_page_version()",
                    "bump_topic_page_version()",
                    "new_topic_page_version(VARCHAR)",
                ] {
                    db.execute_unprepared(&format!("DROP FUNCTION {f}")).await?;
                }
            }
            _ => {
                for table in WATCHED {
                    for event in ["insert", "update", "delete"] {
                        db.execute_unprepared(&format!(
                            "DROP TRIGGER topic_page_version_{table}_{event}"
                        ))
                        .await?;
                    }
                }
            }
        }
        manager
            .drop_table(Table::drop().table(t("topic_page_versions")).to_owned())
            .await
    }
}
