//! Reading topics: one topic, keyset-paged lists, comments, replies, progress updates, ratings.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use entity::{comment_report, topic, topic_comment, topic_cosign, topic_rating, topic_update};
use sea_orm::sea_query::Order;
use sea_orm::ActiveEnum;
use sea_orm::{
    sea_query::Expr, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect, QueryTrait,
};

use super::pages::{PageKey, Pages};
use super::rules::{self, TopicStatus};
use super::service::*;
use crate::auth::{Reader, Viewer};
use crate::domain::ballot::batch;
use crate::error::{AppError, AppResult};

/// One topic, for members of its community (and admins); NOT_FOUND for anyone else.
pub async fn get(db: &DatabaseConnection, viewer: &Viewer, topic_id: &str) -> AppResult<TopicView> {
    let t = find_topic(db, topic_id).await?;
    let access = access(db, viewer, &t.community_id).await?;
    let threshold = find_community(db, &t.community_id).await?.cosign_threshold;
    views(db, &access, threshold, vec![t])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// What a list page's fields need beyond the topic rows (read only when selected).
#[derive(Clone, Copy, Debug, Default)]
pub struct ListNeeds {
    /// `totalCount`: one COUNT over the whole filter.
    pub total: bool,
    /// `proposer`: the proposers' names.
    pub proposer: bool,
    /// `viewerHasCosigned` / `viewerCanCosign`: the viewer's co-signatures on the page.
    pub cosigned: bool,
    /// `cosignThreshold`: the community's setting (left 0 when not selected).
    pub threshold: bool,
    /// `ballot`: each topic's latest ballot and its pending turnout, read with the topics.
    pub ballot: bool,
    /// The topic columns the page's fields show (the id and creation time, the page's key, are
    /// always read; a list never needs a 5,000-character `body` unless it shows it). Every
    /// column by default.
    pub topic_cols: crate::db::Columns<topic::Entity>,
    /// With `ballot`: the ballot columns its fields show ([`batch::join_latest`]).
    pub ballot_cols: batch::Columns,
}

/// One keyset page of topics, newest first: at most `limit` rows after the key (`created_at`,
/// `id`), whether a next page exists, and the total when asked.
pub struct TopicPage {
    pub rows: Vec<TopicView>,
    pub has_next: bool,
    pub total: Option<u64>,
    /// With `ListNeeds::ballot`: the latest ballot of each topic that has one, by topic id.
    pub ballots: Option<HashMap<String, batch::Latest>>,
}

/// Newest first, after a keyset key: (created_at, id) strictly below it; `limit + 1` rows, the
/// extra one only telling that a next page exists.
pub(super) fn page_of(
    q: sea_orm::Select<topic::Entity>,
    after: Option<&(DateTime<Utc>, String)>,
    limit: u64,
) -> sea_orm::Select<topic::Entity> {
    crate::db::descending_after(
        q,
        (topic::Column::CreatedAt, topic::Column::Id),
        after,
        limit,
    )
}

/// `cols` with the columns every page reads: the id and the creation time (the page's key).
fn topic_core(mut cols: crate::db::Columns<topic::Entity>) -> crate::db::Columns<topic::Entity> {
    cols.add(&[topic::Column::Id, topic::Column::CreatedAt]);
    cols
}

/// A topic row of a page read with [`topic_core`]`(cols)`, by position in declaration order;
/// every column not read holds a placeholder (`community_id` the page's own community).
fn topic_from_row(
    row: &mut crate::db::Positional<'_>,
    cols: crate::db::Columns<topic::Entity>,
    community_id: &str,
) -> Result<topic::Model, sea_orm::DbErr> {
    use entity::topic::{Column as C, TopicCategory};
    let at = |c: C| cols.has_at(c as u32);
    Ok(topic::Model {
        id: row.take()?,
        community_id: row.take_if(at(C::CommunityId), community_id.to_owned())?,
        proposer_id: row.take_if(at(C::ProposerId), String::new())?,
        title: row.take_if(at(C::Title), String::new())?,
        body: row.take_if(at(C::Body), String::new())?,
        category: row.take_if(at(C::Category), TopicCategory::Other)?,
        status: row.take_if(at(C::Status), TopicStatus::Proposed)?,
        cosign_count: row.take_if(at(C::CosignCount), 0)?,
        reject_reason: row.take_if(at(C::RejectReason), None)?,
        progress: row.take_if(at(C::Progress), 0)?,
        created_at: row.take()?,
        updated_at: row.take_if(at(C::UpdatedAt), Default::default())?,
        latest_ballot_id: row.take_if(at(C::LatestBallotId), None)?,
    })
}

/// The community's co-sign threshold when a page shows it (`access` has already checked that
/// the community exists and the viewer may see it).
async fn threshold_if(db: &DatabaseConnection, community_id: &str, needed: bool) -> AppResult<i32> {
    match needed {
        true => Ok(find_community(db, community_id).await?.cosign_threshold),
        false => Ok(0),
    }
}

/// The keyset order of [`page_of`], as column names of a page's SELECT
/// ([`crate::auth::Reader::viewer_and_page`]).
const PAGE_ORDER: [(&str, sea_orm::sea_query::Order); 2] = [
    ("created_at", sea_orm::sea_query::Order::Desc),
    ("id", sea_orm::sea_query::Order::Desc),
];

/// The statement of one keyset page of a topic query: the rows (with their latest ballots when
/// shown), reading only the columns the page shows (the id first), and the columns it reads.
fn page_statement(
    q: sea_orm::Select<topic::Entity>,
    after: Option<&(DateTime<Utc>, String)>,
    limit: u64,
    needs: ListNeeds,
) -> (
    sea_orm::sea_query::SelectStatement,
    crate::db::Columns<topic::Entity>,
) {
    let cols = topic_core(needs.topic_cols);
    let q = cols.iter().fold(q.select_only(), |q, col| q.column(col));
    let mut stmt = page_of(q, after, limit).into_query();
    if needs.ballot {
        batch::join_latest(&mut stmt, needs.ballot_cols);
    }
    (stmt, cols)
}

/// The column of a page's rows that holds the community's page version
/// ([`super::pages::version_of`]).
const PAGE_VERSION: &str = "page_version";

/// The rows of a page's [`page_statement`] (read with `cols`): the topics and their latest
/// ballots, the extra row only telling that a next page exists; `version` the community's page
/// version they were read with, when the statement read it ([`PAGE_VERSION`]).
fn decode_page(
    found: &[sea_orm::QueryResult],
    cols: crate::db::Columns<topic::Entity>,
    community_id: &str,
    limit: u64,
    needs: ListNeeds,
    version: i64,
) -> AppResult<super::pages::Kept> {
    let mut rows = Vec::with_capacity(found.len());
    let mut ballots = needs.ballot.then(HashMap::new);
    for r in found {
        let mut row = crate::db::Positional::new(r);
        let t = topic_from_row(&mut row, cols, community_id)?;
        if let Some(b) = ballots.as_mut() {
            if let Some(l) = batch::Latest::from_row(&mut row, needs.ballot_cols, &t.id)? {
                b.insert(t.id.clone(), l);
            }
        }
        rows.push(t);
    }
    // Nothing of the extra row is loaded or shown.
    let (rows, has_next) = crate::db::split_page(rows, limit);
    if let (true, Some(b)) = (has_next, ballots.as_mut()) {
        b.retain(|topic_id, _| rows.iter().any(|t| &t.id == topic_id));
    }
    Ok(super::pages::Kept {
        version,
        rows,
        has_next,
        ballots,
    })
}

/// A page of a topic query as the viewer sees it, from its rows (read now, or kept and still
/// current), with the total when it is selected (one COUNT over `q`).
async fn topic_page(
    db: &DatabaseConnection,
    access: &Access,
    community_id: &str,
    q: sea_orm::Select<topic::Entity>,
    page: super::pages::Kept,
    needs: ListNeeds,
) -> AppResult<TopicPage> {
    let threshold = threshold_if(db, community_id, needs.threshold).await?;
    let total = match needs.total {
        true => Some(q.count(db).await?),
        false => None,
    };
    Ok(TopicPage {
        rows: views_for(db, access, threshold, page.rows, needs).await?,
        has_next: page.has_next,
        total,
        ballots: page.ballots,
    })
}

/// A community's topics, newest first, optionally of some statuses. The page does not depend on
/// who reads it, so it may be read with the viewer ([`Reader::viewer_and_page`]); access is
/// decided on the viewer before anything of the page is shown or anything else is read.
pub async fn list(
    reader: &Reader<'_>,
    pages: &Pages,
    community_id: &str,
    statuses: Option<&[TopicStatus]>,
    after: Option<&(DateTime<Utc>, String)>,
    limit: u64,
    needs: ListNeeds,
) -> AppResult<TopicPage> {
    let db = reader.db();
    // A filter is a set: each status once, in declaration order, for the statement and for
    // the kept page's key alike (a list of 60,000 repeats names the same page as one).
    let statuses: Option<Vec<TopicStatus>> = statuses.map(|asked| {
        use sea_orm::Iterable;
        TopicStatus::iter().filter(|s| asked.contains(s)).collect()
    });
    let statuses = statuses.as_deref();
    let mut q = topic::Entity::find().filter(topic::Column::CommunityId.eq(community_id));
    if let Some(statuses) = statuses {
        q = q.filter(topic::Column::Status.is_in(statuses.iter().map(|s| s.to_value())));
    }
    let ballot_cols = needs.ballot.then_some(needs.ballot_cols);
    let cols = topic_core(needs.topic_cols);
    let key = PageKey::new(community_id, statuses, after, limit, cols, ballot_cols);
    let kept = pages.get(&key);
    if let Some(kept) = &kept {
        // The community's page version and the kept ballots' pending turnout, in one snapshot
        // (one statement with the viewer's on PostgreSQL, after it on SQLite).
        let check = super::pages::check_statement(community_id, kept, ballot_cols);
        let (access, found) = reader
            .viewer_and_page(check, &[], async |viewer| {
                access(db, viewer, community_id).await
            })
            .await?;
        if let Some(page) = super::pages::still_current(kept, &found, ballot_cols)? {
            pages.count(true, true);
            return topic_page(db, &access, community_id, q, page, needs).await;
        }
        // Something the page shows has changed: read it again (the viewer is read already).
    }
    let (mut stmt, cols) = page_statement(q.clone(), after, limit, needs);
    stmt.expr_as(
        super::pages::version_of(community_id),
        sea_orm::sea_query::Alias::new(PAGE_VERSION),
    );
    let (access, found) = reader
        .viewer_and_page(stmt, &PAGE_ORDER, async |viewer| {
            access(db, viewer, community_id).await
        })
        .await?;
    pages.count(false, kept.is_some());
    // Every row holds the version; an empty page tells none, and is not kept.
    let version = match found.first() {
        Some(r) => Some(r.try_get::<Option<i64>>("", PAGE_VERSION)?.unwrap_or(0)),
        None => None,
    };
    let page = decode_page(
        &found,
        cols,
        community_id,
        limit,
        needs,
        version.unwrap_or(0),
    )?;
    if version.is_some() {
        pages.put(key, page.clone());
    }
    topic_page(db, &access, community_id, q, page, needs).await
}

/// PROPOSED topics the viewer can still co-sign, newest first (none for a viewer who is not on
/// the community's roster).
pub async fn to_cosign(
    db: &DatabaseConnection,
    viewer: &Viewer,
    community_id: &str,
    after: Option<&(DateTime<Utc>, String)>,
    limit: u64,
    needs: ListNeeds,
) -> AppResult<TopicPage> {
    let access = access(db, viewer, community_id).await?;
    let Some(me) = access.resident_id.clone() else {
        return Ok(TopicPage {
            rows: Vec::new(),
            has_next: false,
            total: Some(0),
            ballots: needs.ballot.then(HashMap::new),
        });
    };
    let signed = topic_cosign::Entity::find()
        .select_only()
        .column(topic_cosign::Column::TopicId)
        .filter(topic_cosign::Column::ResidentId.eq(me))
        .into_query();
    let q = topic::Entity::find()
        .filter(topic::Column::CommunityId.eq(community_id))
        .filter(topic::Column::Status.eq(TopicStatus::Proposed))
        .filter(topic::Column::Id.not_in_subquery(signed));
    // The page depends on the viewer: it is not kept (so it reads no version).
    let (stmt, cols) = page_statement(q.clone(), after, limit, needs);
    let found = db
        .query_all_raw(db.get_database_backend().build(&stmt))
        .await?;
    let page = decode_page(&found, cols, community_id, limit, needs, 0)?;
    topic_page(db, &access, community_id, q, page, needs).await
}

/// One keyset page of a comment thread, oldest first: the rows after the key, whether more
/// follow, and how many there are in all.
#[derive(Clone, Debug, Default)]
pub struct CommentPage {
    pub rows: Vec<CommentView>,
    pub has_next: bool,
    pub total: u64,
}

/// A page of one comment thread as one viewer asks for it: a topic's top-level comments, or a
/// top-level comment's replies (a reply has none: threads are one level deep).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ThreadKey {
    pub topic_id: String,
    /// None: the topic's top-level comments; the comment whose replies these are otherwise.
    pub parent_id: Option<String>,
    pub after: Option<(DateTime<Utc>, String)>,
    pub limit: u64,
    pub access: Access,
}

impl TopicView {
    /// The key of a page of this topic's top-level comments, as its viewer sees them.
    pub fn comments_key(&self, after: Option<(DateTime<Utc>, String)>, limit: u64) -> ThreadKey {
        ThreadKey {
            topic_id: self.topic.id.clone(),
            parent_id: None,
            after,
            limit,
            access: self.access.clone(),
        }
    }
}

impl CommentView {
    /// The key of a page of this comment's replies, as its viewer sees them: none for a reply
    /// (threads are one level deep).
    pub fn replies_key(
        &self,
        after: Option<(DateTime<Utc>, String)>,
        limit: u64,
    ) -> Option<ThreadKey> {
        self.parent_id.is_none().then(|| ThreadKey {
            topic_id: self.topic_id.clone(),
            parent_id: Some(self.id.clone()),
            after,
            limit,
            access: self.access.clone(),
        })
    }
}

/// Pages of many comment threads, oldest first, in as many statements as one (a topic page's
/// replies under each of its comments; each topic's comments in a list): the threads' totals,
/// their rows, the authors' names and, for a moderator, the report counts. Keys that differ in
/// kind, cursor, size or viewer are read apart.
pub async fn comment_pages(
    db: &DatabaseConnection,
    keys: &[ThreadKey],
) -> AppResult<HashMap<ThreadKey, CommentPage>> {
    let groups = crate::db::grouped(keys, |k| {
        (k.parent_id.is_some(), &k.after, k.limit, &k.access)
    });
    let mut out = HashMap::with_capacity(keys.len());
    for ((replies, after, limit, access), group) in groups {
        use topic_comment::Column as C;
        // A thread is a topic's top-level comments or a comment's replies.
        let parents: Vec<String> = group
            .iter()
            .map(|k| k.parent_id.clone().unwrap_or_else(|| k.topic_id.clone()))
            .collect();
        let (thread, by) = match replies {
            true => (topic_comment::Entity::find(), C::ParentId),
            false => (
                topic_comment::Entity::find().filter(C::ParentId.is_null()),
                C::TopicId,
            ),
        };
        let totals: HashMap<String, i64> = thread
            .clone()
            .filter(by.is_in(parents.iter().cloned()))
            .select_only()
            .column(by)
            .column_as(C::Id.count(), "n")
            .group_by(by)
            .into_tuple::<(String, i64)>()
            .all(db)
            .await?
            .into_iter()
            .collect();
        let rows = crate::db::keyset_pages(
            db,
            thread,
            (by, &parents),
            (C::CreatedAt, C::Id),
            (after.as_ref(), Order::Asc),
            limit.saturating_add(1),
        )
        .await?;
        let mut threads: HashMap<String, Vec<CommentView>> = HashMap::new();
        for c in comment_views(db, access, rows).await? {
            let of = c.parent_id.clone().unwrap_or_else(|| c.topic_id.clone());
            threads.entry(of).or_default().push(c);
        }
        for k in group {
            let of = k.parent_id.as_ref().unwrap_or(&k.topic_id);
            let (rows, has_next) =
                crate::db::split_page(threads.remove(of).unwrap_or_default(), limit);
            let total = totals.get(of).copied().unwrap_or(0);
            out.insert(
                k.clone(),
                CommentPage {
                    rows,
                    has_next,
                    total: u64::try_from(total).unwrap_or(0),
                },
            );
        }
    }
    Ok(out)
}

/// Comments as one viewer sees them: authors' names, and report counts for moderators.
pub(super) async fn comment_views<C: ConnectionTrait>(
    conn: &C,
    access: &Access,
    rows: Vec<topic_comment::Model>,
) -> AppResult<Vec<CommentView>> {
    let names = people(conn, rows.iter().map(|c| c.author_id.clone())).await?;
    let mut reports: HashMap<String, u64> = HashMap::new();
    if access.moderator && !rows.is_empty() {
        let reported: Vec<String> = comment_report::Entity::find()
            .select_only()
            .column(comment_report::Column::CommentId)
            .filter(comment_report::Column::CommentId.is_in(rows.iter().map(|c| c.id.clone())))
            .into_tuple()
            .all(conn)
            .await?;
        for id in reported {
            *reports.entry(id).or_default() += 1;
        }
    }
    Ok(rows
        .into_iter()
        .map(|c| {
            let hidden = c.hidden_at.is_some();
            CommentView {
                body: rules::comment_body_visible(hidden, access.moderator).then_some(c.body),
                author: person(&names, &c.author_id),
                report_count: access
                    .moderator
                    .then(|| reports.get(&c.id).copied().unwrap_or(0)),
                id: c.id,
                topic_id: c.topic_id,
                parent_id: c.parent_id,
                created_at: c.created_at,
                hidden,
                hidden_reason: c.hidden_reason,
                access: access.clone(),
            }
        })
        .collect())
}

/// One comment as the viewer sees it.
pub(super) async fn comment_view(
    db: &DatabaseConnection,
    viewer: &Viewer,
    comment_id: &str,
) -> AppResult<CommentView> {
    let c = find_comment(db, comment_id).await?;
    let t = find_topic(db, &c.topic_id).await?;
    let access = access(db, viewer, &t.community_id).await?;
    comment_views(db, &access, vec![c])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// A comment of a community the viewer belongs to (NOT_FOUND otherwise).
pub async fn get_comment(
    db: &DatabaseConnection,
    viewer: &Viewer,
    comment_id: &str,
) -> AppResult<CommentView> {
    comment_view(db, viewer, comment_id).await
}

/// A page of one topic's progress updates (a loader's key).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UpdatesKey {
    pub topic_id: String,
    pub after: Option<(DateTime<Utc>, String)>,
    pub limit: u64,
}

/// Pages of many topics' progress updates, oldest first, and how many each has: three
/// statements whatever the number of topics (keys with another cursor or size are read apart).
pub async fn update_pages(
    db: &DatabaseConnection,
    keys: &[UpdatesKey],
) -> AppResult<HashMap<UpdatesKey, UpdatePage>> {
    use topic_update::Column as C;
    let groups = crate::db::grouped(keys, |k| (&k.after, k.limit));
    let mut out = HashMap::with_capacity(keys.len());
    for ((after, limit), group) in groups {
        let topics: Vec<String> = group.iter().map(|k| k.topic_id.clone()).collect();
        let totals: HashMap<String, i64> = topic_update::Entity::find()
            .filter(C::TopicId.is_in(topics.iter().cloned()))
            .select_only()
            .column(C::TopicId)
            .column_as(C::Id.count(), "n")
            .group_by(C::TopicId)
            .into_tuple::<(String, i64)>()
            .all(db)
            .await?
            .into_iter()
            .collect();
        let found = crate::db::keyset_pages(
            db,
            topic_update::Entity::find(),
            (C::TopicId, &topics),
            (C::CreatedAt, C::Id),
            (after.as_ref(), Order::Asc),
            limit.saturating_add(1),
        )
        .await?;
        let names = people(db, found.iter().map(|u| u.author_id.clone())).await?;
        let mut pages: HashMap<String, Vec<UpdateView>> = HashMap::new();
        for u in found {
            pages
                .entry(u.topic_id.clone())
                .or_default()
                .push(UpdateView {
                    author: person(&names, &u.author_id),
                    id: u.id,
                    percent: u.percent,
                    note: u.note,
                    created_at: u.created_at,
                });
        }
        for k in group {
            let (rows, has_next) =
                crate::db::split_page(pages.remove(&k.topic_id).unwrap_or_default(), limit);
            let total = totals.get(&k.topic_id).copied().unwrap_or(0);
            out.insert(
                k.clone(),
                UpdatePage {
                    rows,
                    has_next,
                    total: u64::try_from(total).unwrap_or(0),
                },
            );
        }
    }
    Ok(out)
}

/// One keyset page of a topic's progress updates, oldest first.
#[derive(Clone, Debug, Default)]
pub struct UpdatePage {
    pub rows: Vec<UpdateView>,
    pub has_next: bool,
    pub total: u64,
}

/// The residents' rating of each topic's implementation (one statement for many topics).
pub async fn ratings_for<C: ConnectionTrait>(
    conn: &C,
    topic_ids: &[String],
) -> AppResult<HashMap<String, RatingSummary>> {
    let rows: Vec<(String, Option<i64>, i64)> = topic_rating::Entity::find()
        .select_only()
        .column(topic_rating::Column::TopicId)
        .column_as(
            sea_orm::sea_query::SimpleExpr::from(sea_orm::sea_query::Func::sum(Expr::col(
                topic_rating::Column::Stars,
            ))),
            "sum",
        )
        .column_as(
            sea_orm::sea_query::SimpleExpr::from(sea_orm::sea_query::Func::count(Expr::col(
                topic_rating::Column::Stars,
            ))),
            "count",
        )
        .filter(topic_rating::Column::TopicId.is_in(topic_ids.iter().cloned()))
        .group_by(topic_rating::Column::TopicId)
        .into_tuple()
        .all(conn)
        .await?;
    let mut out: HashMap<String, RatingSummary> = rows
        .into_iter()
        .map(|(topic, sum, count)| {
            let sum = sum.unwrap_or(0);
            (
                topic,
                RatingSummary {
                    average: rules::format_average(sum, count),
                    count: u64::try_from(count).unwrap_or(0),
                },
            )
        })
        .collect();
    for id in topic_ids {
        out.entry(id.clone()).or_insert(RatingSummary {
            average: None,
            count: 0,
        });
    }
    Ok(out)
}

/// Each resident's own rating of each topic, for (topic, resident) pairs.
pub async fn own_ratings<C: ConnectionTrait>(
    conn: &C,
    pairs: &[(String, String)],
) -> AppResult<HashMap<(String, String), i32>> {
    let wanted: BTreeSet<&(String, String)> = pairs.iter().collect();
    Ok(topic_rating::Entity::find()
        .filter(topic_rating::Column::TopicId.is_in(pairs.iter().map(|p| p.0.clone())))
        .filter(topic_rating::Column::ResidentId.is_in(pairs.iter().map(|p| p.1.clone())))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| ((r.topic_id, r.resident_id), r.stars))
        .filter(|(k, _)| wanted.contains(k))
        .collect())
}
