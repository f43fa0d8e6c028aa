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

/// The URL the server connects with: `url` itself, except that a PostgreSQL URL whose host is a
/// loopback address or `localhost`, and that says nothing else about where or how to connect
/// securely (no `host` or `hostaddr` parameter, no `ssl…` parameter, no `PGSSLMODE` in the
/// environment), connects without TLS. TLS to a loopback address protects nothing that the
/// machine's own users could not read anyway, and it cost castVote about 29 % of the server's
/// CPU in the benchmark (BENCHMARKS.md, session 20); the drivers' default, `prefer`, does not
/// check the certificate either. Anything else is left as written: a database on another host
/// gets TLS as its URL asks. When something on this machine forwards the port to another host
/// (an SSH tunnel, a TCP proxy), name `sslmode` in the URL: `sslmode=require` or stronger.
pub fn connection_url(url: &str, env_sslmode: Option<&str>) -> String {
    let Ok(parsed) = url::Url::parse(url) else {
        return url.to_owned();
    };
    if !matches!(parsed.scheme(), "postgres" | "postgresql") || env_sslmode.is_some() {
        return url.to_owned();
    }
    // Parameters that move the connection elsewhere or configure TLS, in any spelling the
    // driver might read: then the operator decides.
    let decided = parsed.query_pairs().any(|(key, _)| {
        let key = key.to_ascii_lowercase();
        key == "host" || key == "hostaddr" || key.starts_with("ssl")
    });
    let host = parsed.host_str().unwrap_or_default();
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if decided || !loopback {
        return url.to_owned();
    }
    let mut local = parsed;
    local.query_pairs_mut().append_pair("sslmode", "disable");
    local.into()
}

/// Connections a PostgreSQL pool keeps at most unless `--db-pool-size` says otherwise (SQLite
/// always has one: it has one writer).
pub const DEFAULT_POOL_SIZE: u32 = 16;

/// The smallest PostgreSQL pool: the bus's listener holds one connection of it for good
/// (`bus.rs`), and requests and background jobs need at least one more.
pub const MIN_POOL_SIZE: u32 = 2;

pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    connect_with(url, DEFAULT_POOL_SIZE).await
}

/// [`connect`] with a PostgreSQL pool of at most `pool_size` connections (at least
/// [`MIN_POOL_SIZE`]).
pub async fn connect_with(url: &str, pool_size: u32) -> anyhow::Result<DatabaseConnection> {
    let url = connection_url(url, std::env::var("PGSSLMODE").ok().as_deref());
    let mut opts = ConnectOptions::new(url.clone());
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
        opts.max_connections(pool_size.max(MIN_POOL_SIZE))
            .min_connections(1);
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

    /// The next column when the read selected it ([`Columns`]); otherwise `placeholder`, and no
    /// column is consumed.
    pub fn take_if<T: sea_orm::TryGetable>(
        &mut self,
        selected: bool,
        placeholder: T,
    ) -> Result<T, sea_orm::DbErr> {
        match selected {
            true => self.take(),
            false => Ok(placeholder),
        }
    }
}

/// Which columns of `E` a read selects: a list page reads only what its request shows. The
/// SELECT lists them in declaration order ([`Columns::iter`]) and the decoder takes them in
/// the same order with [`Positional::take_if`], leaving a placeholder in every other field.
/// Whoever builds one names the columns each field it will show depends on, and falls back to
/// [`Columns::all`] for any field it does not know.
pub struct Columns<E> {
    bits: u64,
    entity: std::marker::PhantomData<fn() -> E>,
}

impl<E> Clone for Columns<E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E> Copy for Columns<E> {}

impl<E> PartialEq for Columns<E> {
    fn eq(&self, other: &Self) -> bool {
        self.bits == other.bits
    }
}

impl<E> Eq for Columns<E> {}

impl<E> std::hash::Hash for Columns<E> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.bits.hash(state);
    }
}

impl<E> std::fmt::Debug for Columns<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Columns({:#b})", self.bits)
    }
}

impl<E: sea_orm::EntityTrait> Default for Columns<E> {
    /// Every column: the safe choice when nobody said what is shown.
    fn default() -> Self {
        Self::all()
    }
}

impl<E: sea_orm::EntityTrait> Columns<E> {
    /// Every column of the entity.
    pub fn all() -> Self {
        use sea_orm::Iterable;
        let n = E::Column::iter().count();
        debug_assert!(n <= 64, "Columns holds at most 64 columns");
        Self {
            bits: u64::MAX >> (64 - n.min(64)),
            entity: std::marker::PhantomData,
        }
    }

    /// These columns only.
    pub fn of(cols: &[E::Column]) -> Self {
        let mut out = Self {
            bits: 0,
            entity: std::marker::PhantomData,
        };
        out.add(cols);
        out
    }

    pub fn add(&mut self, cols: &[E::Column]) {
        for col in cols {
            self.bits |= 1 << Self::index(*col);
        }
    }

    pub fn has(&self, col: E::Column) -> bool {
        self.has_at(Self::index(col))
    }

    /// Whether the column at this position in declaration order is selected: a decoder's
    /// per-row test, `cols.has_at(Column::Title as u32)` (a column enum's discriminant is its
    /// position), where [`Columns::has`] would look the column up by name.
    pub fn has_at(&self, position: u32) -> bool {
        position < 64 && self.bits & (1 << position) != 0
    }

    pub fn is_all(&self) -> bool {
        self.bits == Self::all().bits
    }

    /// The selected columns, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = E::Column> {
        use sea_orm::Iterable;
        E::Column::iter()
            .zip(0..)
            .filter(move |(_, at)| self.has_at(*at))
            .map(|(c, _)| c)
    }

    fn index(col: E::Column) -> u32 {
        use sea_orm::{IdenStatic, Iterable};
        E::Column::iter()
            .position(|c| c.as_str() == col.as_str())
            .and_then(|i| u32::try_from(i).ok())
            .filter(|i| *i < 64)
            .unwrap_or(63) // unreached: `col` is one of the entity's columns
    }
}

/// Selects every column of `E` from the table aliased `table`, each as `{prefix}{column}`, to be
/// read back with `E::Model::from_query_result(row, prefix)` (several entities in one row).
pub fn select_prefixed<E: sea_orm::EntityTrait>(
    stmt: &mut sea_orm::sea_query::SelectStatement,
    table: &sea_orm::sea_query::Alias,
    prefix: &str,
) {
    select_prefixed_only(stmt, table, prefix, Columns::<E>::all());
}

/// [`select_prefixed`] for some of the columns (read back by position with
/// [`Positional::take_if`]).
pub fn select_prefixed_only<E: sea_orm::EntityTrait>(
    stmt: &mut sea_orm::sea_query::SelectStatement,
    table: &sea_orm::sea_query::Alias,
    prefix: &str,
    cols: Columns<E>,
) {
    use sea_orm::sea_query::{Alias, Expr};
    use sea_orm::IdenStatic;
    for col in cols.iter() {
        stmt.expr_as(
            Expr::col((table.clone(), col)),
            Alias::new(format!("{prefix}{}", col.as_str())),
        );
    }
}

/// A common table expression `name AS (query)`. sea-query's chained builders end in
/// `to_owned()`, a deep copy of the statement; this builds it in place.
pub fn cte(
    name: impl sea_orm::sea_query::IntoIden,
    query: impl Into<sea_orm::sea_query::SubQueryStatement>,
) -> sea_orm::sea_query::CommonTableExpression {
    let mut cte = sea_orm::sea_query::CommonTableExpression::new();
    cte.query(query).table_name(name);
    cte
}

/// `WITH ctes query`, without the copy of both that `SelectStatement::with` and
/// `InsertStatement::with` make (`WithClause::query` ends in `to_owned()`).
pub fn with_query(
    ctes: impl IntoIterator<Item = sea_orm::sea_query::CommonTableExpression>,
    query: impl Into<sea_orm::sea_query::SubQueryStatement>,
) -> sea_orm::sea_query::WithQuery {
    let mut with = sea_orm::sea_query::WithClause::new();
    for cte in ctes {
        with.cte(cte);
    }
    let mut q = sea_orm::sea_query::WithQuery::new();
    q.with_clause(with).query(query);
    q
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

/// Statements sent to SQLite as one command: its worker runs them one after another and
/// answers once, where each command is a hand-off to the worker's thread and back. The one
/// connection serves no one during a hand-off, so a rush of votes waits for every one of them
/// (BENCHMARKS.md, session 28). Rows come back in the statements' order.
///
/// - **SQLite only**: PostgreSQL prepares one statement at a time (there, common table
///   expressions join statements: [`with_query`]).
/// - **Statements built by sea-query only**: their placeholders are unnumbered (`?`), so each
///   statement takes its values after the previous one's. A numbered one (`?1`, as
///   [`portable`] writes) would take the batch's first value, and a missing value binds NULL,
///   without an error.
/// - **Inside a transaction**: the batch stops at the first failing statement, and only the
///   transaction's rollback undoes the ones before it.
pub fn sqlite_batch(
    statements: impl IntoIterator<Item = sea_orm::Statement>,
) -> sea_orm::Statement {
    let mut sql = String::new();
    let mut values = Vec::new();
    for stmt in statements {
        debug_assert_eq!(stmt.db_backend, DbBackend::Sqlite, "a batch is for SQLite");
        debug_assert_eq!(
            stmt.sql.matches('?').count(),
            stmt.values.as_ref().map_or(0, |v| v.0.len()),
            "one unnumbered placeholder per value: {}",
            stmt.sql
        );
        if !sql.is_empty() {
            sql.push_str(";\n");
        }
        sql.push_str(&stmt.sql);
        values.extend(stmt.values.map(|v| v.0).unwrap_or_default());
    }
    sea_orm::Statement::from_sql_and_values(DbBackend::Sqlite, sql, values)
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
    use sea_orm::{QueryOrder, QuerySelect};
    strictly_after(q, (at_col, id_col), after)
        .order_by_asc(at_col)
        .order_by_asc(id_col)
        .limit(limit.saturating_add(1))
}

/// The rows of `q` strictly after the key in ascending (`at_col`, `id_col`) order.
fn strictly_after<E: sea_orm::EntityTrait>(
    q: sea_orm::Select<E>,
    (at_col, id_col): (E::Column, E::Column),
    after: Option<&(chrono::DateTime<chrono::Utc>, String)>,
) -> sea_orm::Select<E> {
    use sea_orm::{ColumnTrait, Condition, QueryFilter};
    match after {
        Some((at, id)) => q.filter(
            Condition::any().add(at_col.gt(*at)).add(
                Condition::all()
                    .add(at_col.eq(*at))
                    .add(id_col.gt(id.clone())),
            ),
        ),
        None => q,
    }
}

/// A loader's keys grouped by what one statement for many parents shares (the cursor, the page
/// size, the viewer): [`keyset_pages`] reads each group at once.
pub fn grouped<'a, K, G: Eq + std::hash::Hash>(
    keys: &'a [K],
    by: impl Fn(&'a K) -> G,
) -> std::collections::HashMap<G, Vec<&'a K>> {
    let mut groups: std::collections::HashMap<G, Vec<&'a K>> = std::collections::HashMap::new();
    for k in keys {
        groups.entry(by(k)).or_default().push(k);
    }
    groups
}

/// [`ascending_after`] (or, with `Order::Desc`, [`descending_after`]) for many parents in one
/// statement: the rows of `q`, each parent's (each of `parents`, a value of the `parent`
/// column) in (`at_col`, `id_col`) order past the key, at most `each` of each parent (`limit +
/// 1` for a page that tells whether a next one exists: [`split_page`] per parent). A list whose
/// every item shows a page of its children (a topic's comments, a case's timeline) reads them
/// all at once this way.
///
/// Each parent's page is its own `LIMIT` in a `UNION ALL` (one branch per parent, as many as the
/// list's page holds), so the database reads only the rows shown through the parent's index: a
/// window over the parents would number every child of every parent first (a topic's whole
/// thread for one comment shown). The rows come back in key order across parents; callers group
/// them by parent (a parent's rows are all in one statement's answer, in order).
pub async fn keyset_pages<E, C>(
    conn: &C,
    q: sea_orm::Select<E>,
    (parent, parents): (E::Column, &[String]),
    (at_col, id_col): (E::Column, E::Column),
    (after, order): (
        Option<&(chrono::DateTime<chrono::Utc>, String)>,
        sea_orm::sea_query::Order,
    ),
    each: u64,
) -> Result<Vec<E::Model>, sea_orm::DbErr>
where
    E: sea_orm::EntityTrait,
    C: ConnectionTrait,
{
    use sea_orm::sea_query::{Alias, Asterisk, Order, Query, UnionType};
    use sea_orm::{
        ColumnTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, StatementBuilder,
    };
    let q = match order {
        Order::Desc => strictly_before(q, (at_col, id_col), after),
        _ => strictly_after(q, (at_col, id_col), after),
    };
    let branch = |n: usize, p: &String| {
        let page = q
            .clone()
            .filter(parent.eq(p.clone()))
            .order_by(at_col, order.clone())
            .order_by(id_col, order.clone())
            .limit(each)
            .into_query();
        Query::select()
            .column(Asterisk)
            .from_subquery(page, Alias::new(format!("page_{n}")))
            .to_owned()
    };
    let mut rows = Vec::new();
    // One statement for a page's parents (at most 100); a batch that several requests share
    // may hold more (SQLite allows 500 terms in a compound SELECT).
    for chunk in parents.chunks(PARENTS_PER_STATEMENT) {
        let mut branches = chunk.iter().enumerate().map(|(n, p)| branch(n, p));
        let Some(mut all) = branches.next() else {
            continue;
        };
        for b in branches {
            all.union(UnionType::All, b);
        }
        all.order_by(at_col, order.clone())
            .order_by(id_col, order.clone());
        let stmt = StatementBuilder::build(&all, &conn.get_database_backend());
        rows.extend(E::find().from_raw_sql(stmt).all(conn).await?);
    }
    Ok(rows)
}

/// Parents whose pages [`keyset_pages`] reads in one statement: the largest page of a list.
const PARENTS_PER_STATEMENT: usize = 100;

/// Keyset paging, newest first: rows descending by (`at_col`, `id_col`) strictly before the
/// key, `limit + 1` of them ([`split_page`]).
pub fn descending_after<E: sea_orm::EntityTrait>(
    q: sea_orm::Select<E>,
    (at_col, id_col): (E::Column, E::Column),
    after: Option<&(chrono::DateTime<chrono::Utc>, String)>,
    limit: u64,
) -> sea_orm::Select<E> {
    use sea_orm::{QueryOrder, QuerySelect};
    strictly_before(q, (at_col, id_col), after)
        .order_by_desc(at_col)
        .order_by_desc(id_col)
        .limit(limit.saturating_add(1))
}

/// The rows of `q` strictly before the key in ascending (`at_col`, `id_col`) order.
fn strictly_before<E: sea_orm::EntityTrait>(
    q: sea_orm::Select<E>,
    (at_col, id_col): (E::Column, E::Column),
    before: Option<&(chrono::DateTime<chrono::Utc>, String)>,
) -> sea_orm::Select<E> {
    use sea_orm::{ColumnTrait, Condition, QueryFilter};
    match before {
        Some((at, id)) => q.filter(
            Condition::any().add(at_col.lt(*at)).add(
                Condition::all()
                    .add(at_col.eq(*at))
                    .add(id_col.lt(id.clone())),
            ),
        ),
        None => q,
    }
}

/// A `limit + 1` fetch as the page's rows and whether a next page exists.
pub fn split_page<T>(mut rows: Vec<T>, limit: u64) -> (Vec<T>, bool) {
    let has_next = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    (rows, has_next)
}

#[cfg(test)]
mod columns_tests {
    use super::Columns;
    use sea_orm::Iterable;

    /// The decoders test `Column::X as u32` against [`Columns`]' positions: a column enum's
    /// discriminant must be its place in `Column::iter()`, the SELECT's order.
    #[test]
    fn a_columns_discriminant_is_its_position_in_declaration_order() {
        for (at, c) in entity::ballot::Column::iter().enumerate() {
            assert_eq!(c as usize, at, "{c:?}");
            assert!(Columns::<entity::ballot::Entity>::of(&[c]).has_at(at as u32));
        }
        for (at, c) in entity::topic::Column::iter().enumerate() {
            assert_eq!(c as usize, at, "{c:?}");
            assert!(Columns::<entity::topic::Entity>::of(&[c]).has_at(at as u32));
        }
    }

    #[test]
    fn columns_select_in_declaration_order_and_all_means_every_column() {
        use entity::topic::Column as C;
        let cols = Columns::<entity::topic::Entity>::of(&[C::UpdatedAt, C::Id, C::Title]);
        let picked: Vec<C> = cols.iter().collect();
        assert_eq!(format!("{picked:?}"), "[Id, Title, UpdatedAt]");
        assert!(!cols.has(C::Body) && cols.has(C::Title));
        let all = Columns::<entity::topic::Entity>::all();
        assert_eq!(all.iter().count(), C::iter().count());
        assert!(all.is_all() && !cols.is_all());
    }
}

#[cfg(test)]
mod connection_url_tests {
    use super::connection_url;

    #[test]
    fn a_postgres_url_on_this_machine_without_sslmode_connects_without_tls() {
        for (url, want) in [
            (
                "postgres://postgres@127.0.0.1:5432/jiayuan",
                "postgres://postgres@127.0.0.1:5432/jiayuan?sslmode=disable",
            ),
            (
                "postgresql://app:s%40cret@localhost/jiayuan?application_name=j",
                "postgresql://app:s%40cret@localhost/jiayuan?application_name=j&sslmode=disable",
            ),
            (
                "postgres://app@[::1]:5432/jiayuan",
                "postgres://app@[::1]:5432/jiayuan?sslmode=disable",
            ),
            (
                "postgres://app@127.0.0.2/jiayuan",
                "postgres://app@127.0.0.2/jiayuan?sslmode=disable",
            ),
        ] {
            assert_eq!(connection_url(url, None), want, "{url}");
        }
    }

    #[test]
    fn any_other_url_is_left_as_written() {
        for url in [
            // another host: TLS as the URL (or the driver's default) asks
            "postgres://app@db.internal:5432/jiayuan",
            "postgres://app@10.0.0.5/jiayuan",
            // the operator chose, in the URL
            "postgres://app@127.0.0.1/jiayuan?sslmode=require",
            "postgres://app@localhost/jiayuan?SSLMODE=verify-full",
            "postgres://app@localhost/jiayuan?sslrootcert=/etc/ca.pem",
            "postgres://app@localhost/jiayuan?ssl-mode=require",
            // the URL's host is not where the driver goes
            "postgres://app:pw@localhost/jiayuan?host=db.internal",
            "postgres://app@localhost/jiayuan?hostaddr=10.0.0.5",
            "postgres://app@localhost/jiayuan?HOST=/tmp",
            // no host: the driver reads PGHOST or uses a socket; left to it
            "postgres:///jiayuan",
            "postgres:///jiayuan?host=/var/run/postgresql",
            // not PostgreSQL
            "sqlite://jiayuan.db?mode=rwc",
            "sqlite::memory:",
        ] {
            assert_eq!(connection_url(url, None), url, "{url}");
        }
        // the operator chose, in the environment (PGSSLMODE, which the driver reads)
        let url = "postgres://app@127.0.0.1/jiayuan";
        assert_eq!(connection_url(url, Some("require")), url);
    }
}

#[cfg(test)]
mod sqlite_batch_tests {
    use super::sqlite_batch;
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
    use sea_orm::{ConnectionTrait, Database, DbBackend};

    /// Each statement of a batch takes its own values, in order (sea-query writes SQLite's
    /// placeholders unnumbered), and the rows come back in the statements' order.
    #[tokio::test]
    async fn a_batch_binds_each_statements_values_in_turn_and_answers_in_order() {
        let db = Database::connect("sqlite::memory:")
            .await
            .map_err(|e| e.to_string());
        let Ok(db) = db else {
            panic!("{db:?}");
        };
        let made = db
            .execute_unprepared("CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER)")
            .await;
        assert!(made.is_ok(), "{made:?}");
        let t = Alias::new("t");
        let insert = |k: &str, n: i64| {
            let mut q = Query::insert();
            q.into_table(t.clone())
                .columns([Alias::new("k"), Alias::new("n")])
                .values_panic([k.into(), n.into()])
                .returning_col(Alias::new("n"));
            DbBackend::Sqlite.build(&q)
        };
        let mut select = Query::select();
        select
            .column(Alias::new("k"))
            .from(t.clone())
            .and_where(Expr::col(Alias::new("n")).gt(1))
            .order_by(Alias::new("k"), sea_orm::Order::Asc);
        let batch = sqlite_batch([
            insert("a", 1),
            insert("b", 2),
            DbBackend::Sqlite.build(&select),
            insert("c", 3),
        ]);
        let rows = db.query_all_raw(batch).await.map_err(|e| e.to_string());
        let Ok(rows) = rows else {
            panic!("{rows:?}");
        };
        let seen: Vec<String> = rows
            .iter()
            .map(|r| match r.try_get_by_index::<i64>(0) {
                Ok(n) => n.to_string(),
                Err(_) => r.try_get_by_index::<String>(0).unwrap_or_default(),
            })
            .collect();
        assert_eq!(seen, ["1", "2", "b", "3"]);
        // A failing statement fails the batch: the one after it does not run.
        let failed = db
            .execute_raw(sqlite_batch([insert("a", 9), insert("d", 4)]))
            .await;
        assert!(failed.is_err());
        let d = db
            .query_all_raw(
                DbBackend::Sqlite.build(
                    Query::select()
                        .column(Alias::new("k"))
                        .from(t)
                        .and_where(Expr::col(Alias::new("k")).eq("d")),
                ),
            )
            .await
            .map(|rows| rows.len());
        assert_eq!(d.ok(), Some(0));
    }
}
