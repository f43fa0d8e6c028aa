//! Topic pages kept in memory, each served again only while nothing it shows has changed.
//!
//! A community's topic list is the same page for everyone who may see it, read again and again
//! between changes. Reading its rows (the topics, each one's latest ballot) is most of what a
//! list request costs the database. So a page read once is kept here with the community's page
//! version (`topic_page_versions`), to which the database itself gives a new random value, in
//! the same transaction, on every change to a row of the community's `topics` or `ballots`
//! (migration 000015's triggers), whoever makes it: this server, another replica, an operator's
//! SQL (unless it turns the triggers off).
//!
//! A later read of the same page asks the database, in one statement, for the version and for
//! the ballots' votes not folded in yet (those change with every vote and are never kept); on
//! PostgreSQL the viewer comes with them. Only when the version is the one the page was read
//! with is the kept page used: then no row it was read from has changed since, and the page with
//! the fresh pending turnout is what reading it again in that snapshot would give. Otherwise it
//! is read again and kept anew. Access is decided on the viewer before anything kept is used, as
//! on every read.
//!
//! Bounded: at most [`MAX_PAGES`] pages and [`MAX_BYTES`] (estimated, keys included) in all,
//! the least recently used going first; a page larger than an eighth of that is not kept.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use entity::{ballot, ballot_box, topic};

use super::rules::TopicStatus;
use crate::db::Columns;
use crate::domain::ballot::batch;

/// Pages kept at most.
pub const MAX_PAGES: usize = 1_024;
/// Estimated bytes kept at most.
pub const MAX_BYTES: usize = 8 << 20;

/// Everything a page's rows depend on besides the database: its community and filter, its
/// place, its size and the columns read.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PageKey {
    community_id: String,
    /// A set: each status once, in declaration order (`read::list` makes it so).
    statuses: Option<Vec<TopicStatus>>,
    after: Option<(DateTime<Utc>, String)>,
    limit: u64,
    topic_cols: Columns<topic::Entity>,
    ballot_cols: Option<batch::Columns>,
}

impl PageKey {
    pub fn new(
        community_id: &str,
        statuses: Option<&[TopicStatus]>,
        after: Option<&(DateTime<Utc>, String)>,
        limit: u64,
        topic_cols: Columns<topic::Entity>,
        ballot_cols: Option<batch::Columns>,
    ) -> Self {
        Self {
            community_id: community_id.to_owned(),
            statuses: statuses.map(<[TopicStatus]>::to_vec),
            after: after.cloned(),
            limit,
            topic_cols,
            ballot_cols,
        }
    }

    /// A rough size in memory (a status is one byte; the filter holds each at most once).
    fn bytes(&self) -> usize {
        128 + self.community_id.len()
            + self.statuses.as_ref().map_or(0, Vec::len)
            + self.after.as_ref().map_or(0, |(_, id)| id.len())
    }
}

/// A page as read: its rows (the extra row that tells of a next page already dropped) and
/// their latest ballots, with the community's page version of the same snapshot.
#[derive(Clone, Debug)]
pub struct Kept {
    pub version: i64,
    pub rows: Vec<topic::Model>,
    pub has_next: bool,
    pub ballots: Option<HashMap<String, batch::Latest>>,
}

impl Kept {
    /// A rough size in memory: the text it holds and a fixed share per row.
    fn bytes(&self) -> usize {
        let rows: usize = self
            .rows
            .iter()
            .map(|t| {
                256 + t.id.len()
                    + t.community_id.len()
                    + t.proposer_id.len()
                    + t.latest_ballot_id.as_ref().map_or(0, String::len)
                    + t.title.len()
                    + t.body.len()
                    + t.reject_reason.as_ref().map_or(0, String::len)
            })
            .sum();
        let ballots: usize = self.ballots.as_ref().map_or(0, |b| {
            b.values()
                .map(|l| {
                    let b = &l.ballot;
                    512 + 2 * b.id.len()
                        + b.community_id.len()
                        + b.topic_id.as_ref().map_or(0, String::len)
                        + b.question.len()
                        + b.scope.as_ref().map_or(0, String::len)
                        + b.extend_reason.as_ref().map_or(0, String::len)
                        + b.cancel_reason.as_ref().map_or(0, String::len)
                })
                .sum()
        });
        128 + rows + ballots
    }

    /// The ballots whose pending turnout a read of this page shows (with their ids).
    fn pending_shown(&self, cols: Option<batch::Columns>) -> Vec<String> {
        let shown = cols.is_some_and(|c| {
            c.has(ballot::Column::TurnoutCount) || c.has(ballot::Column::TurnoutArea)
        });
        match (shown, &self.ballots) {
            (true, Some(b)) => {
                let mut ids: Vec<String> = b.values().map(|l| l.ballot.id.clone()).collect();
                ids.sort();
                ids
            }
            _ => Vec::new(),
        }
    }
}

struct Slot {
    used: u64,
    bytes: usize,
    kept: Arc<Kept>,
}

#[derive(Default)]
struct Inner {
    slots: HashMap<PageKey, Slot>,
    bytes: usize,
    clock: u64,
}

/// The kept pages of this process (one per replica; each checks against the same database).
#[derive(Default)]
pub struct Pages {
    inner: Mutex<Inner>,
    served: AtomicU64,
    stale: AtomicU64,
    read: AtomicU64,
}

/// How the pages asked for were found, since the process started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PageReads {
    /// Served from memory (the version unchanged).
    pub served: u64,
    /// Kept, but the version had moved: read again.
    pub stale: u64,
    /// Not kept: read.
    pub read: u64,
}

impl Pages {
    /// The page kept for `key`, if any (not yet checked against the database).
    pub fn get(&self, key: &PageKey) -> Option<Arc<Kept>> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.clock += 1;
        let now = inner.clock;
        let slot = inner.slots.get_mut(key)?;
        slot.used = now;
        Some(slot.kept.clone())
    }

    /// Keeps a page read just now, in place of any older one under the same key.
    pub fn put(&self, key: PageKey, kept: Kept) {
        let bytes = kept.bytes() + key.bytes();
        if bytes > MAX_BYTES / 8 {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(old) = inner.slots.remove(&key) {
            inner.bytes -= old.bytes;
        }
        while !inner.slots.is_empty()
            && (inner.slots.len() >= MAX_PAGES || inner.bytes + bytes > MAX_BYTES)
        {
            let Some(oldest) = inner
                .slots
                .iter()
                .min_by_key(|(_, s)| s.used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(gone) = inner.slots.remove(&oldest) {
                inner.bytes -= gone.bytes;
            }
        }
        inner.clock += 1;
        let used = inner.clock;
        inner.bytes += bytes;
        inner.slots.insert(
            key,
            Slot {
                used,
                bytes,
                kept: Arc::new(kept),
            },
        );
    }

    /// Drops every kept page (the next read of each reads it from the database).
    pub fn clear(&self) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.slots.clear();
        inner.bytes = 0;
    }

    /// Counts how a page asked for was found.
    pub fn count(&self, served: bool, was_kept: bool) {
        let counter = match (served, was_kept) {
            (true, _) => &self.served,
            (false, true) => &self.stale,
            (false, false) => &self.read,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// How the pages asked for so far were found.
    pub fn reads(&self) -> PageReads {
        PageReads {
            served: self.served.load(Ordering::Relaxed),
            stale: self.stale.load(Ordering::Relaxed),
            read: self.read.load(Ordering::Relaxed),
        }
    }

    /// How many pages are kept and their estimated bytes.
    pub fn size(&self) -> (usize, usize) {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        (inner.slots.len(), inner.bytes)
    }
}

/// `(SELECT version FROM topic_page_versions WHERE community_id = …)`: the community's page
/// version in the snapshot of the statement it is part of (NULL, read as 0, before its first
/// change).
pub fn version_of(community_id: &str) -> sea_orm::sea_query::Expr {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SubQueryStatement};
    let table = Alias::new("topic_page_versions");
    let q = Query::select()
        .column((table.clone(), Alias::new("version")))
        .from(table.clone())
        .and_where(Expr::col((table, Alias::new("community_id"))).eq(community_id))
        .to_owned();
    Expr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(q)))
}

/// The id column of [`check_statement`]'s version row (no ballot has an empty id; written into
/// the SQL, `''`, not sent as a value).
const VERSION_ROW: &str = "";

/// What a kept page is checked with, as a page of [`crate::auth::Reader::viewer_and_page`]:
/// a row with the community's page version (`id` empty, absent before its first change), and
/// one row per ballot of `kept` that has votes not folded in yet, with their count and area.
pub fn check_statement(
    community_id: &str,
    kept: &Kept,
    cols: Option<batch::Columns>,
) -> sea_orm::sea_query::SelectStatement {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, UnionType};
    let table = Alias::new("topic_page_versions");
    let (id, n, area) = (Alias::new("id"), Alias::new("n"), Alias::new("area"));
    let mut stmt = Query::select()
        .expr_as(Expr::cust("''"), id.clone())
        .expr_as(Expr::col((table.clone(), Alias::new("version"))), n.clone())
        .expr_as(Expr::cust("CAST(0 AS BIGINT)"), area.clone())
        .from(table.clone())
        .and_where(Expr::col((table, Alias::new("community_id"))).eq(community_id))
        .to_owned();
    let ballots = kept.pending_shown(cols);
    if !ballots.is_empty() {
        let pending = Query::select()
            .expr_as(Expr::col(ballot_box::Column::BallotId), id)
            .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), n)
            .expr_as(
                Expr::cust("CAST(COALESCE(SUM(ballot_box.area), 0) AS BIGINT)"),
                area,
            )
            .from(ballot_box::Entity)
            .and_where(Expr::col(ballot_box::Column::BallotId).is_in(ballots))
            // The bare column, as the partial index's predicate is written: SQLite (and a
            // generic plan on PostgreSQL) uses the index only for the same expression.
            .and_where(Expr::col((ballot_box::Entity, ballot_box::Column::Pending)))
            .and_where(Expr::col(ballot_box::Column::CountedOptionIds).is_null())
            .group_by_col(ballot_box::Column::BallotId)
            .to_owned();
        stmt.union(UnionType::All, pending);
    }
    stmt
}

/// The kept page as a read of it now gives, from the rows of its [`check_statement`]: `None`
/// when the community's page version has moved since it was read.
pub fn still_current(
    kept: &Kept,
    rows: &[sea_orm::QueryResult],
    cols: Option<batch::Columns>,
) -> Result<Option<Kept>, sea_orm::DbErr> {
    let mut version = 0;
    let mut pending: HashMap<String, (i64, i64)> = HashMap::new();
    for r in rows {
        let id: String = r.try_get_by_index(0)?;
        let n: i64 = r.try_get_by_index(1)?;
        let area: i64 = r.try_get_by_index(2)?;
        match id.as_str() {
            VERSION_ROW => version = n,
            _ => {
                pending.insert(id, (n, area));
            }
        }
    }
    if version != kept.version {
        return Ok(None);
    }
    let mut page = kept.clone();
    if let (Some(cols), Some(ballots)) = (cols, page.ballots.as_mut()) {
        for l in ballots.values_mut() {
            let (n, area) = pending.get(&l.ballot.id).copied().unwrap_or((0, 0));
            l.pending_turnout = (
                if cols.has(ballot::Column::TurnoutCount) {
                    n
                } else {
                    0
                },
                if cols.has(ballot::Column::TurnoutArea) {
                    area
                } else {
                    0
                },
            );
        }
    }
    Ok(Some(page))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: usize) -> PageKey {
        PageKey::new(&format!("c{n}"), None, None, 20, Columns::all(), None)
    }

    fn page(version: i64, body_bytes: usize) -> Kept {
        Kept {
            version,
            rows: vec![topic::Model {
                id: "t".into(),
                community_id: "c".into(),
                proposer_id: "p".into(),
                title: "更换电梯".into(),
                body: "x".repeat(body_bytes),
                category: entity::topic::TopicCategory::Other,
                status: TopicStatus::Deliberating,
                cosign_count: 0,
                reject_reason: None,
                progress: 0,
                created_at: Utc::now(),
                updated_at: Utc::now(),
                latest_ballot_id: None,
            }],
            has_next: false,
            ballots: None,
        }
    }

    #[test]
    fn a_page_is_kept_under_its_own_key_and_replaced_by_a_newer_read() {
        let pages = Pages::default();
        pages.put(key(1), page(3, 10));
        assert_eq!(pages.get(&key(1)).map(|k| k.version), Some(3));
        assert!(pages.get(&key(2)).is_none());
        let mut other = key(1);
        other.limit = 21;
        assert!(pages.get(&other).is_none(), "another size is another page");
        pages.put(key(1), page(4, 10));
        assert_eq!(pages.get(&key(1)).map(|k| k.version), Some(4));
        assert_eq!(pages.size().0, 1);
        pages.clear();
        assert_eq!(pages.size(), (0, 0));
    }

    #[test]
    fn at_most_max_pages_are_kept_the_least_recently_used_going_first() {
        let pages = Pages::default();
        for n in 0..MAX_PAGES {
            pages.put(key(n), page(1, 10));
        }
        // Page 0 is used again; page 1 is now the least recently used.
        assert!(pages.get(&key(0)).is_some());
        pages.put(key(MAX_PAGES), page(1, 10));
        assert_eq!(pages.size().0, MAX_PAGES);
        assert!(pages.get(&key(0)).is_some());
        assert!(pages.get(&key(1)).is_none());
        assert!(pages.get(&key(MAX_PAGES)).is_some());
    }

    #[test]
    fn the_kept_bytes_stay_within_the_budget_and_a_huge_page_is_not_kept() {
        let pages = Pages::default();
        pages.put(key(0), page(1, MAX_BYTES / 8 + 1));
        assert!(pages.get(&key(0)).is_none());
        for n in 0..64 {
            pages.put(key(n), page(1, MAX_BYTES / 16));
            assert!(pages.size().1 <= MAX_BYTES, "{:?}", pages.size());
        }
        assert!(pages.get(&key(63)).is_some());
        assert!(pages.size().0 < 64);
    }
}
