//! Counters in the database, so that every replica sees the same counts. Keys are hashed: no
//! phone number or client address is stored in clear.
//!
//! `take` counts an attempt *before* the work it guards (one atomic statement), so a burst of
//! parallel attempts cannot all pass a check that reads the counter first.

use sea_orm::{ConnectionTrait, EntityTrait, Statement};

use crate::domain::now;
use crate::error::{AppError, AppResult};

pub fn key(scope: &str, subject: &str) -> String {
    format!(
        "{scope}:{}",
        &crate::auth::tokens::sha256_hex(subject)[..32]
    )
}

/// Counts one and returns the count in the current window; a window that has run out starts
/// again at 1. One statement, so concurrent callers each see a distinct count.
async fn count_one<C: ConnectionTrait>(conn: &C, key: &str, window_secs: i64) -> AppResult<i64> {
    let now = now();
    let cutoff = now - chrono::Duration::seconds(window_secs);
    let sql = "INSERT INTO rate_limits (key, window_start, count) VALUES ($1, $2, 1) \
               ON CONFLICT (key) DO UPDATE SET \
               count = CASE WHEN rate_limits.window_start <= $3 THEN 1 ELSE rate_limits.count + 1 END, \
               window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 ELSE rate_limits.window_start END \
               RETURNING count";
    let backend = conn.get_database_backend();
    let stmt = Statement::from_sql_and_values(
        backend,
        crate::db::portable(backend, sql),
        [key.into(), now.into(), cutoff.into()],
    );
    let row = conn
        .query_one_raw(stmt)
        .await?
        .ok_or_else(|| anyhow::anyhow!("rate limit counter returned no row"))?;
    let count: i32 = row.try_get_by_index(0)?;
    Ok(i64::from(count))
}

/// Reserves one attempt: counts it, then refuses with `RATE_LIMITED` when it is beyond `max`
/// in the window. Call before the guarded work (a password hash, a write).
pub async fn take<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    max: i32,
    window_secs: i64,
) -> AppResult<()> {
    if count_one(conn, key, window_secs).await? > i64::from(max) {
        return Err(AppError::RateLimited);
    }
    Ok(())
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
