//! The append-only audit log. Each row's hash covers the previous row's hash and the row's own
//! content, so altering, deleting or reordering any row breaks the chain at that row.

use chrono::{DateTime, SecondsFormat, Utc};
use entity::{audit_head, audit_log};
use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use sha2::{Digest, Sha256};

use crate::domain::now;
use crate::error::AppResult;

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An act to record. `details` must hold no secret (no password, token or code).
pub struct Entry<'a> {
    pub actor_id: Option<&'a str>,
    pub community_id: Option<&'a str>,
    pub action: &'a str,
    pub subject: &'a str,
    pub details: serde_json::Value,
}

#[allow(clippy::too_many_arguments)]
fn chain_hash(
    seq: i64,
    at: &DateTime<Utc>,
    actor: Option<&str>,
    community: Option<&str>,
    action: &str,
    subject: &str,
    details: &str,
    prev: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [
        seq.to_string().as_str(),
        at.to_rfc3339_opts(SecondsFormat::Micros, true).as_str(),
        actor.unwrap_or(""),
        community.unwrap_or(""),
        action,
        subject,
        details,
        prev,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Appends one entry. Call inside the transaction of the act itself, so both land or neither.
/// The head row is updated first: its row lock (PostgreSQL) or the single writer (SQLite)
/// serialises appenders, so the chain never forks.
pub async fn append<C: ConnectionTrait>(conn: &C, entry: Entry<'_>) -> AppResult<i64> {
    audit_head::Entity::update_many()
        .col_expr(
            audit_head::Column::Seq,
            Expr::col(audit_head::Column::Seq).add(1),
        )
        .filter(audit_head::Column::Id.eq(1))
        .exec(conn)
        .await?;
    let head = audit_head::Entity::find_by_id(1)
        .one(conn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("audit head row missing"))?;
    let at = now();
    let details = entry.details.to_string();
    let hash = chain_hash(
        head.seq,
        &at,
        entry.actor_id,
        entry.community_id,
        entry.action,
        entry.subject,
        &details,
        &head.hash,
    );
    audit_log::ActiveModel {
        seq: Set(head.seq),
        at: Set(at),
        actor_id: Set(entry.actor_id.map(str::to_owned)),
        community_id: Set(entry.community_id.map(str::to_owned)),
        action: Set(entry.action.to_owned()),
        subject: Set(entry.subject.to_owned()),
        details: Set(details),
        prev_hash: Set(head.hash.clone()),
        hash: Set(hash.clone()),
    }
    .insert(conn)
    .await?;
    let seq = head.seq;
    let mut head: audit_head::ActiveModel = head.into();
    head.hash = Set(hash);
    head.update(conn).await?;
    Ok(seq)
}

#[derive(Debug)]
pub struct BadEntry {
    pub seq: i64,
    pub reason: &'static str,
}

#[derive(Debug)]
pub struct VerifyReport {
    pub checked: u64,
    pub first_bad: Option<BadEntry>,
}

/// Walks the chain in order and names the first entry that does not fit.
pub async fn verify(db: &DatabaseConnection) -> anyhow::Result<VerifyReport> {
    use sea_orm::QuerySelect;
    let mut prev = GENESIS.to_owned();
    let mut expected_seq = 1i64;
    let mut checked = 0u64;
    loop {
        let page = audit_log::Entity::find()
            .filter(audit_log::Column::Seq.gte(expected_seq))
            .order_by_asc(audit_log::Column::Seq)
            .limit(1000)
            .all(db)
            .await?;
        if page.is_empty() {
            break;
        }
        for row in page {
            let bad = |reason| {
                Ok(VerifyReport {
                    checked,
                    first_bad: Some(BadEntry {
                        seq: row.seq,
                        reason,
                    }),
                })
            };
            if row.seq != expected_seq {
                return bad("sequence gap: an entry was removed or inserted");
            }
            if row.prev_hash != prev {
                return bad("does not link to the previous entry");
            }
            let want = chain_hash(
                row.seq,
                &row.at,
                row.actor_id.as_deref(),
                row.community_id.as_deref(),
                &row.action,
                &row.subject,
                &row.details,
                &row.prev_hash,
            );
            if want != row.hash {
                return bad("content does not match its hash");
            }
            prev = row.hash.clone();
            expected_seq += 1;
            checked += 1;
        }
    }
    let head = audit_head::Entity::find_by_id(1).one(db).await?;
    if let Some(head) = head {
        if head.seq != expected_seq - 1 || head.hash != prev {
            return Ok(VerifyReport {
                checked,
                first_bad: Some(BadEntry {
                    seq: expected_seq,
                    reason: "the last entries were removed",
                }),
            });
        }
    }
    Ok(VerifyReport {
        checked,
        first_bad: None,
    })
}
