//! Issue 7 §1: a topic page kept in memory is served only while the database says that nothing
//! it shows has changed. `topic_page_versions` holds one counter per community; the database
//! itself adds one to it whenever a row of `topics` or `ballots` of that community is inserted,
//! updated or deleted, whoever writes it (the server, another replica, an operator's SQL). A read
//! compares the counter with the one its kept page was read with, in the same statement as the
//! rest of what it reads (`domain::topic::pages`).
//!
//! On PostgreSQL the counter moves in a deferred constraint trigger, at commit: the counter's
//! row lock is the last a writing transaction takes and is held only while it commits, so it
//! adds no lock-order cycle to transactions that lock topics and ballots in different orders.
//! A community without a row reads as 0; its first change makes the row, at 1.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables a topic page reads its rows from.
const WATCHED: [&str; 2] = ["topics", "ballots"];

const PG_FUNCTION: &str = r#"
CREATE FUNCTION bump_topic_page_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO topic_page_versions AS v (community_id, version) VALUES (NEW.community_id, 1)
            ON CONFLICT (community_id) DO UPDATE SET version = v.version + 1;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO topic_page_versions AS v (community_id, version) VALUES (OLD.community_id, 1)
            ON CONFLICT (community_id) DO UPDATE SET version = v.version + 1;
    ELSE
        INSERT INTO topic_page_versions AS v (community_id, version) VALUES (NEW.community_id, 1)
            ON CONFLICT (community_id) DO UPDATE SET version = v.version + 1;
        IF NEW.community_id IS DISTINCT FROM OLD.community_id THEN
            INSERT INTO topic_page_versions AS v (community_id, version)
                VALUES (OLD.community_id, 1)
                ON CONFLICT (community_id) DO UPDATE SET version = v.version + 1;
        END IF;
    END IF;
    RETURN NULL;
END
$$"#;

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
         {ensure}UPDATE topic_page_versions SET version = version + 1 \
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
                    .table(Alias::new("topic_page_versions"))
                    .col(
                        ColumnDef::new(Alias::new("community_id"))
                            .string_len(36)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Alias::new("version"))
                            .big_integer()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(PG_FUNCTION).await?;
                for table in WATCHED {
                    db.execute_unprepared(&format!(
                        "CREATE CONSTRAINT TRIGGER topic_page_version AFTER INSERT OR UPDATE OR \
                         DELETE ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW \
                         EXECUTE FUNCTION bump_topic_page_version()"
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
                    db.execute_unprepared(&format!("DROP TRIGGER topic_page_version ON {table}"))
                        .await?;
                }
                db.execute_unprepared("DROP FUNCTION bump_topic_page_version()")
                    .await?;
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
            .drop_table(
                Table::drop()
                    .table(Alias::new("topic_page_versions"))
                    .to_owned(),
            )
            .await
    }
}
