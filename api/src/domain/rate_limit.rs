//! Failure counters in the database, so that every replica sees the same counts. Keys are
//! hashed: no phone number or client address is stored in clear.

use sea_orm::{ConnectionTrait, EntityTrait, Statement};

use crate::domain::now;
use crate::error::{AppError, AppResult};

pub fn key(scope: &str, subject: &str) -> String {
    format!(
        "{scope}:{}",
        &crate::auth::tokens::sha256_hex(subject)[..32]
    )
}

/// `RATE_LIMITED` when the key has `max` or more failures in the current window.
pub async fn check<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    max: i32,
    window_secs: i64,
) -> AppResult<()> {
    let row = entity::rate_limit::Entity::find_by_id(key.to_owned())
        .one(conn)
        .await?;
    if let Some(row) = row {
        let window_open = row.window_start + chrono::Duration::seconds(window_secs) > now();
        if window_open && row.count >= max {
            return Err(AppError::RateLimited);
        }
    }
    Ok(())
}

/// Counts one failure; a window that has run out starts again at 1. One statement, so
/// concurrent failures are all counted.
pub async fn record_failure<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    window_secs: i64,
) -> AppResult<()> {
    let now = now();
    let cutoff = now - chrono::Duration::seconds(window_secs);
    let sql = "INSERT INTO rate_limits (key, window_start, count) VALUES ($1, $2, 1) \
               ON CONFLICT (key) DO UPDATE SET \
               count = CASE WHEN rate_limits.window_start <= $3 THEN 1 ELSE rate_limits.count + 1 END, \
               window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 ELSE rate_limits.window_start END";
    let backend = conn.get_database_backend();
    let stmt = Statement::from_sql_and_values(
        backend,
        crate::db::portable(backend, sql),
        [key.into(), now.into(), cutoff.into()],
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
