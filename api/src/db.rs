//! Database connections. The same code and migrations serve SQLite and PostgreSQL.
//!
//! SQLite: WAL, foreign keys on, a busy timeout, and a pool of ONE connection: every statement of
//! the process is serialised, so a read-then-write transaction can never fail with SQLITE_BUSY
//! under concurrency (SQLite allows one writer anyway). PostgreSQL gets a normal pool and relies
//! on row locks and unique indexes.

use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend};

pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30))
        // A ping on every checkout is one more round trip per statement (on SQLite one more
        // hand-off to its worker thread); only a connection idle long enough to have been
        // dropped by the server or a firewall is checked. After a database restart, a
        // connection used within the last 30 s fails one statement and is replaced.
        .test_before_acquire_if_idle_for(Duration::from_secs(30));
    let is_sqlite = url.starts_with("sqlite:");
    if is_sqlite {
        opts.max_connections(1).min_connections(1);
    } else {
        opts.max_connections(16).min_connections(1);
    }
    let db = Database::connect(opts)
        .await
        .context("connecting to the database")?;
    if db.get_database_backend() == DbBackend::Sqlite {
        for pragma in [
            "PRAGMA journal_mode=WAL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA busy_timeout=10000",
            "PRAGMA synchronous=NORMAL",
        ] {
            db.execute_unprepared(pragma)
                .await
                .with_context(|| format!("setting {pragma}"))?;
        }
    }
    Ok(db)
}

/// A row's columns read one after another by position: no name is looked up or formatted, which
/// a list page, reading hundreds of columns, notices. Columns are read in the order the SELECT
/// lists them (an entity's in `Column::iter()` order: its declaration order).
pub struct Positional<'a> {
    row: &'a sea_orm::QueryResult,
    next: usize,
}

impl<'a> Positional<'a> {
    pub fn new(row: &'a sea_orm::QueryResult) -> Self {
        Self { row, next: 0 }
    }

    /// The next column.
    pub fn take<T: sea_orm::TryGetable>(&mut self) -> Result<T, sea_orm::DbErr> {
        let at = self.next;
        self.next += 1;
        self.row.try_get_by_index(at)
    }
}

/// Selects every column of `E` from the table aliased `table`, each as `{prefix}{column}`, to be
/// read back with `E::Model::from_query_result(row, prefix)` (several entities in one row).
pub fn select_prefixed<E: sea_orm::EntityTrait>(
    stmt: &mut sea_orm::sea_query::SelectStatement,
    table: &sea_orm::sea_query::Alias,
    prefix: &str,
) {
    use sea_orm::sea_query::{Alias, Expr};
    use sea_orm::{IdenStatic, Iterable};
    for col in E::Column::iter() {
        stmt.expr_as(
            Expr::col((table.clone(), col)),
            Alias::new(format!("{prefix}{}", col.as_str())),
        );
    }
}

pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await.context("running migrations")
}

/// True when the error is a unique-index violation (the "only once" rules rely on these).
pub fn is_unique_violation(err: &sea_orm::DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// The one way a unique-index violation becomes CONFLICT with a precise message ("only once"
/// rules: one vote per voter, one co-sign per resident…); any other error as usual. Use as
/// `.map_err(db::on_unique("…"))`.
pub fn on_unique(message: &'static str) -> impl FnOnce(sea_orm::DbErr) -> crate::error::AppError {
    move |e| {
        if is_unique_violation(&e) {
            crate::error::AppError::conflict(message)
        } else {
            e.into()
        }
    }
}

/// SQL written with `$n` placeholders, as SQLite wants it (`?n`), for the few raw statements.
pub fn portable(backend: DbBackend, sql: &str) -> String {
    match backend {
        DbBackend::Sqlite => sql.replace('$', "?"),
        _ => sql.to_owned(),
    }
}

/// Keyset paging: rows ascending by (`at_col`, `id_col`) strictly after the key, `limit + 1` of
/// them, the extra one only telling that a next page exists ([`split_page`]).
pub fn ascending_after<E: sea_orm::EntityTrait>(
    q: sea_orm::Select<E>,
    (at_col, id_col): (E::Column, E::Column),
    after: Option<&(chrono::DateTime<chrono::Utc>, String)>,
    limit: u64,
) -> sea_orm::Select<E> {
    use sea_orm::{ColumnTrait, Condition, QueryFilter, QueryOrder, QuerySelect};
    let q = match after {
        Some((at, id)) => q.filter(
            Condition::any().add(at_col.gt(*at)).add(
                Condition::all()
                    .add(at_col.eq(*at))
                    .add(id_col.gt(id.clone())),
            ),
        ),
        None => q,
    };
    q.order_by_asc(at_col)
        .order_by_asc(id_col)
        .limit(limit.saturating_add(1))
}

/// Keyset paging, newest first: rows descending by (`at_col`, `id_col`) strictly before the
/// key, `limit + 1` of them ([`split_page`]).
pub fn descending_after<E: sea_orm::EntityTrait>(
    q: sea_orm::Select<E>,
    (at_col, id_col): (E::Column, E::Column),
    after: Option<&(chrono::DateTime<chrono::Utc>, String)>,
    limit: u64,
) -> sea_orm::Select<E> {
    use sea_orm::{ColumnTrait, Condition, QueryFilter, QueryOrder, QuerySelect};
    let q = match after {
        Some((at, id)) => q.filter(
            Condition::any().add(at_col.lt(*at)).add(
                Condition::all()
                    .add(at_col.eq(*at))
                    .add(id_col.lt(id.clone())),
            ),
        ),
        None => q,
    };
    q.order_by_desc(at_col)
        .order_by_desc(id_col)
        .limit(limit.saturating_add(1))
}

/// A `limit + 1` fetch as the page's rows and whether a next page exists.
pub fn split_page<T>(mut rows: Vec<T>, limit: u64) -> (Vec<T>, bool) {
    let has_next = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    (rows, has_next)
}
