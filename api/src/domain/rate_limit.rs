//! Counters in the database, so that every replica sees the same counts. Keys are hashed: no
//! phone number or client address is stored in clear.
//!
//! `take` counts an attempt *before* the work it guards (one atomic statement), so a burst of
//! parallel attempts cannot all pass a check that reads the counter first.

use sea_orm::sea_query::{Expr, ExprTrait, InsertStatement, OnConflict, Query};
use sea_orm::{ConnectionTrait, EntityTrait, Statement};

use crate::domain::now;
use crate::error::{AppError, AppResult};

pub fn key(scope: &str, subject: &str) -> String {
    format!(
        "{scope}:{}",
        &crate::auth::tokens::sha256_hex(subject)[..32]
    )
}

/// The one statement that counts an attempt and returns the count in the current window
/// (`RETURNING count`); a window that has run out starts again at 1. Concurrent callers each see
/// a distinct count. A caller may run it inside a larger statement (castVote, on PostgreSQL, as
/// a common table expression of the statement that reads the ballot) and pass the count to
/// [`verdict`].
pub fn count_statement(key: &str, window_secs: i64) -> InsertStatement {
    use entity::rate_limit::{Column, Entity};
    let now = now();
    let cutoff = now - chrono::Duration::seconds(window_secs);
    let expired = || Expr::col((Entity, Column::WindowStart)).lte(cutoff);
    Query::insert()
        .into_table(Entity)
        .columns([Column::Key, Column::WindowStart, Column::Count])
        .values_panic([key.into(), now.into(), 1.into()])
        .on_conflict(
            OnConflict::column(Column::Key)
                .value(
                    Column::Count,
                    Expr::case(expired(), 1).finally(Expr::col((Entity, Column::Count)).add(1)),
                )
                .value(
                    Column::WindowStart,
                    Expr::case(expired(), now).finally(Expr::col((Entity, Column::WindowStart))),
                )
                .to_owned(),
        )
        .returning_col(Column::Count)
        .to_owned()
}

/// Runs a [`count_statement`] on its own and returns the count.
pub async fn run_count<C: ConnectionTrait>(conn: &C, stmt: &InsertStatement) -> AppResult<i32> {
    let backend = conn.get_database_backend();
    let row = conn
        .query_one_raw(backend.build(stmt))
        .await?
        .ok_or_else(|| anyhow::anyhow!("rate limit counter returned no row"))?;
    Ok(row.try_get_by_index(0)?)
}

/// Counts one and returns the count in the current window ([`count_statement`]).
async fn count_one<C: ConnectionTrait>(conn: &C, key: &str, window_secs: i64) -> AppResult<i32> {
    run_count(conn, &count_statement(key, window_secs)).await
}

/// RATE_LIMITED when a count from [`count_statement`] is beyond `max`.
pub fn verdict(count: i32, max: i32) -> AppResult<()> {
    match count > max {
        true => Err(AppError::RateLimited),
        false => Ok(()),
    }
}

/// Reserves one attempt: counts it, then refuses with `RATE_LIMITED` when it is beyond `max`
/// in the window. Call before the guarded work (a password hash, a write).
pub async fn take<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    max: i32,
    window_secs: i64,
) -> AppResult<()> {
    verdict(count_one(conn, key, window_secs).await?, max)
}

/// Counts one failure (no refusal).
pub async fn record_failure<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    window_secs: i64,
) -> AppResult<()> {
    count_one(conn, key, window_secs).await.map(|_| ())
}

/// Gives back one reserved attempt that turned out not to be a failure.
pub async fn release<C: ConnectionTrait>(conn: &C, key: &str) -> AppResult<()> {
    let backend = conn.get_database_backend();
    let stmt = Statement::from_sql_and_values(
        backend,
        crate::db::portable(
            backend,
            "UPDATE rate_limits SET count = count - 1 WHERE key = $1 AND count > 0",
        ),
        [key.into()],
    );
    conn.execute_raw(stmt).await?;
    Ok(())
}

pub async fn clear<C: ConnectionTrait>(conn: &C, key: &str) -> AppResult<()> {
    entity::rate_limit::Entity::delete_by_id(key.to_owned())
        .exec(conn)
        .await?;
    Ok(())
}
