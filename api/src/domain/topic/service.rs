//! Topic services (DESIGN §3). Each act runs in one transaction: load, authorise (a named check),
//! validate through `rules`, then change the row by a conditional update
//! (`… WHERE status IN (allowed_from)`), so a transition happens at most once under any
//! concurrency; notifications are emitted inside the transaction and published after commit.
//!
//! The ballot module drives VOTING and its result through `start_voting` and `finish_voting`.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use entity::{
    account, comment_report, community, resident, role_grant, topic, topic_comment, topic_cosign,
    topic_rating, topic_update,
};
use sea_orm::{
    sea_query::{Expr, ExprTrait, OnConflict},
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set, TransactionTrait,
    UpdateMany,
};

use super::rules::{self, TopicCategory, TopicStatus, Transition};
use crate::auth::Viewer;
use crate::config::WriteLimit;
use crate::domain::notify::{self, Pending};
use crate::domain::roles::{self, Role};
use crate::domain::{audit, new_id, now, rate_limit};
use crate::error::{AppError, AppResult};
use crate::startup::AppState;

/// What the viewer may do in a topic's community, worked out once per request.
#[derive(Clone, Debug, Default)]
pub struct Access {
    /// The viewer's active place on the roster: taking part (co-signing, commenting, rating).
    pub resident_id: Option<String>,
    /// The community's committee or a platform admin: accepting, rejecting, hiding, progress.
    pub moderator: bool,
}

/// A resident (or, for acts by a platform admin, the admin's account) shown by id and name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub id: String,
    pub name: String,
}

/// A topic as one viewer sees it.
#[derive(Clone, Debug)]
pub struct TopicView {
    pub topic: topic::Model,
    pub status: TopicStatus,
    pub category: TopicCategory,
    pub cosign_threshold: i32,
    pub proposer: Person,
    pub viewer_has_cosigned: bool,
    pub access: Access,
}

impl TopicView {
    pub fn viewer_can_cosign(&self) -> bool {
        rules::can_cosign(
            self.status,
            self.access.resident_id.is_some(),
            self.viewer_has_cosigned,
        )
    }
}

/// A comment as one viewer sees it: a hidden comment's body only reaches moderators, and so
/// does the number of reports.
#[derive(Clone, Debug)]
pub struct CommentView {
    pub id: String,
    pub topic_id: String,
    pub parent_id: Option<String>,
    pub body: Option<String>,
    pub author: Person,
    pub created_at: DateTime<Utc>,
    pub hidden: bool,
    pub hidden_reason: Option<String>,
    pub report_count: Option<u64>,
    /// What the viewer may do in the comment's community (its replies are read with it).
    pub access: Access,
}

#[derive(Clone, Debug)]
pub struct UpdateView {
    pub percent: i32,
    pub note: String,
    pub created_at: DateTime<Utc>,
    pub author: Person,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RatingSummary {
    /// Two decimals ("4.50"); `None` without ratings.
    pub average: Option<String>,
    pub count: u64,
}

// ---------------------------------------------------------------------------------------------
// Permission checks
// ---------------------------------------------------------------------------------------------

/// Reading a community's topics: its members and platform admins; anyone else gets NOT_FOUND.
pub async fn access<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    community_id: &str,
) -> AppResult<Access> {
    roles::can_see_community(conn, viewer, community_id).await?;
    let held = roles::viewer_roles(conn, viewer, community_id).await?;
    let resident = roles::active_resident(conn, viewer, community_id).await?;
    Ok(Access {
        resident_id: resident.map(|r| r.id),
        moderator: held.contains(&Role::Committee) || held.contains(&Role::Admin),
    })
}

/// Accepting, rejecting, hiding comments, posting progress, completing, community settings:
/// the community's committee or a platform admin. Non-members get NOT_FOUND, other members
/// FORBIDDEN.
pub async fn can_moderate_topics<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    community_id: &str,
) -> AppResult<()> {
    if access(conn, viewer, community_id).await?.moderator {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Withdrawing: the proposer only (as an active resident of the community).
async fn can_withdraw_topic<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    t: &topic::Model,
) -> AppResult<()> {
    let me = roles::require_resident(conn, viewer, &t.community_id).await?;
    if me.id == t.proposer_id {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn status_of(t: &topic::Model) -> AppResult<TopicStatus> {
    TopicStatus::parse(&t.status)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("topic {} has a bad status", t.id)))
}

fn category_of(t: &topic::Model) -> AppResult<TopicCategory> {
    TopicCategory::parse(&t.category)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("topic {} has a bad category", t.id)))
}

fn not_now(status: TopicStatus) -> AppError {
    AppError::invalid_state(format!(
        "not possible while the topic is {}",
        status.as_str()
    ))
}

/// INVALID_STATE unless the act is allowed from the topic's current status.
fn guard(t: Transition, status: TopicStatus) -> AppResult<()> {
    if t.allows(status) {
        Ok(())
    } else {
        Err(not_now(status))
    }
}

/// The conditional update of a transition; callers add columns and check `rows_affected`.
fn transition(topic_id: &str, t: Transition) -> UpdateMany<topic::Entity> {
    topic::Entity::update_many()
        .col_expr(topic::Column::Status, Expr::value(t.target().as_str()))
        .col_expr(topic::Column::UpdatedAt, Expr::value(now()))
        .filter(topic::Column::Id.eq(topic_id))
        .filter(topic::Column::Status.is_in(t.allowed_from_str()))
}

/// Runs a transition's update; INVALID_STATE when a concurrent act moved the topic first.
async fn apply<C: ConnectionTrait>(conn: &C, update: UpdateMany<topic::Entity>) -> AppResult<()> {
    if update.exec(conn).await?.rows_affected == 1 {
        Ok(())
    } else {
        Err(AppError::invalid_state(
            "the topic was changed meanwhile; reload it",
        ))
    }
}

async fn find_topic<C: ConnectionTrait>(conn: &C, topic_id: &str) -> AppResult<topic::Model> {
    topic::Entity::find_by_id(topic_id.to_owned())
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

async fn find_comment<C: ConnectionTrait>(
    conn: &C,
    comment_id: &str,
) -> AppResult<topic_comment::Model> {
    topic_comment::Entity::find_by_id(comment_id.to_owned())
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

async fn find_community<C: ConnectionTrait>(
    conn: &C,
    community_id: &str,
) -> AppResult<community::Model> {
    community::Entity::find_by_id(community_id.to_owned())
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Names for resident ids; ids that name no resident are looked up as accounts (a platform
/// admin who acted without being on the roster).
async fn people<C: ConnectionTrait>(
    conn: &C,
    ids: impl IntoIterator<Item = String>,
) -> AppResult<HashMap<String, Person>> {
    let ids: BTreeSet<String> = ids.into_iter().collect();
    let mut out: HashMap<String, Person> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    for r in resident::Entity::find()
        .filter(resident::Column::Id.is_in(ids.iter().cloned()))
        .all(conn)
        .await?
    {
        out.insert(
            r.id.clone(),
            Person {
                id: r.id,
                name: r.name,
            },
        );
    }
    let missing: Vec<String> = ids.into_iter().filter(|id| !out.contains_key(id)).collect();
    if !missing.is_empty() {
        for a in account::Entity::find()
            .filter(account::Column::Id.is_in(missing))
            .all(conn)
            .await?
        {
            out.insert(
                a.id.clone(),
                Person {
                    id: a.id,
                    name: a.name,
                },
            );
        }
    }
    Ok(out)
}

fn person(people: &HashMap<String, Person>, id: &str) -> Person {
    people.get(id).cloned().unwrap_or_else(|| Person {
        id: id.to_owned(),
        name: String::new(),
    })
}

/// Account ids of those of `resident_ids` who are still active residents (moved-out residents
/// are not notified), deduplicated.
async fn active_accounts<C: ConnectionTrait>(
    conn: &C,
    resident_ids: impl IntoIterator<Item = String>,
) -> AppResult<Vec<String>> {
    let ids: BTreeSet<String> = resident_ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let accounts: BTreeSet<String> = resident::Entity::find()
        .filter(resident::Column::Id.is_in(ids))
        .filter(crate::domain::roles::live_place())
        .all(conn)
        .await?
        .into_iter()
        .map(|r| r.account_id)
        .collect();
    Ok(accounts.into_iter().collect())
}

/// Accounts of the community's committee members who are active residents.
async fn committee_accounts<C: ConnectionTrait>(
    conn: &C,
    community_id: &str,
) -> AppResult<Vec<String>> {
    let granted: Vec<String> = role_grant::Entity::find()
        .filter(role_grant::Column::CommunityId.eq(community_id))
        .filter(role_grant::Column::Role.eq(Role::Committee.as_str()))
        .all(conn)
        .await?
        .into_iter()
        .map(|g| g.account_id)
        .collect();
    let accounts: BTreeSet<String> = resident::Entity::find()
        .filter(resident::Column::CommunityId.eq(community_id))
        .filter(crate::domain::roles::live_place())
        .filter(resident::Column::AccountId.is_in(granted))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| r.account_id)
        .collect();
    Ok(accounts.into_iter().collect())
}

async fn emit_all<C: ConnectionTrait>(
    conn: &C,
    accounts: &[String],
    community_id: &str,
    kind: notify::NotificationKind,
    params: serde_json::Value,
) -> AppResult<Vec<Pending>> {
    notify::emit_many(conn, accounts, Some(community_id), kind, params).await
}

/// Tells the proposer (if still on the roster) about a committee decision.
async fn notify_proposer<C: ConnectionTrait>(
    conn: &C,
    t: &topic::Model,
    kind: notify::NotificationKind,
    params: serde_json::Value,
) -> AppResult<Vec<Pending>> {
    let accounts = active_accounts(conn, [t.proposer_id.clone()]).await?;
    emit_all(conn, &accounts, &t.community_id, kind, params).await
}

/// PROPOSED → UNDER_REVIEW when the co-signatures reach `threshold`, by one conditional update
/// (so exactly once); the committee is told the topic awaits its review.
async fn reach_threshold<C: ConnectionTrait>(
    conn: &C,
    t: &topic::Model,
    threshold: i32,
) -> AppResult<Vec<Pending>> {
    let flipped = transition(&t.id, Transition::ReachThreshold)
        .filter(topic::Column::CosignCount.gte(threshold))
        .exec(conn)
        .await?
        .rows_affected
        == 1;
    if !flipped {
        return Ok(Vec::new());
    }
    let committee = committee_accounts(conn, &t.community_id).await?;
    emit_all(
        conn,
        &committee,
        &t.community_id,
        notify::NotificationKind::TopicUnderReview,
        serde_json::json!({ "topicId": t.id, "title": t.title }),
    )
    .await
}

/// Views of `topics`, all of one community, for a viewer with `access`.
async fn views<C: ConnectionTrait>(
    conn: &C,
    access: &Access,
    threshold: i32,
    topics: Vec<topic::Model>,
) -> AppResult<Vec<TopicView>> {
    let all = ListNeeds {
        total: false,
        proposer: true,
        cosigned: true,
    };
    views_for(conn, access, threshold, topics, all).await
}

/// Topic views with the proposer and the viewer's co-signature read only when `needs` says so
/// (left empty / false otherwise: the page's fields do not show them).
async fn views_for<C: ConnectionTrait>(
    conn: &C,
    access: &Access,
    threshold: i32,
    topics: Vec<topic::Model>,
    needs: ListNeeds,
) -> AppResult<Vec<TopicView>> {
    let names = match needs.proposer {
        true => people(conn, topics.iter().map(|t| t.proposer_id.clone())).await?,
        false => Default::default(),
    };
    let cosigned: BTreeSet<String> = match &access.resident_id {
        Some(me) if needs.cosigned && !topics.is_empty() => topic_cosign::Entity::find()
            .filter(topic_cosign::Column::TopicId.is_in(topics.iter().map(|t| t.id.clone())))
            .filter(topic_cosign::Column::ResidentId.eq(me.clone()))
            .all(conn)
            .await?
            .into_iter()
            .map(|c| c.topic_id)
            .collect(),
        _ => BTreeSet::new(),
    };
    topics
        .into_iter()
        .map(|t| {
            Ok(TopicView {
                status: status_of(&t)?,
                category: category_of(&t)?,
                cosign_threshold: threshold,
                proposer: person(&names, &t.proposer_id),
                viewer_has_cosigned: cosigned.contains(&t.id),
                access: access.clone(),
                topic: t,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

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
}

/// One keyset page of topics, newest first: rows after the key (`created_at`, `id`), `limit + 1`
/// of them so that the caller knows whether a next page exists; and the total when asked.
pub struct TopicPage {
    pub rows: Vec<TopicView>,
    pub total: Option<u64>,
}

/// Newest first, after a keyset key: (created_at, id) strictly below it.
fn page_of(
    q: sea_orm::Select<topic::Entity>,
    after: Option<&(DateTime<Utc>, String)>,
    limit: u64,
) -> sea_orm::Select<topic::Entity> {
    let q = match after {
        Some((at, id)) => q.filter(
            Condition::any().add(topic::Column::CreatedAt.lt(*at)).add(
                Condition::all()
                    .add(topic::Column::CreatedAt.eq(*at))
                    .add(topic::Column::Id.lt(id.clone())),
            ),
        ),
        None => q,
    };
    q.order_by_desc(topic::Column::CreatedAt)
        .order_by_desc(topic::Column::Id)
        .limit(limit.saturating_add(1))
}

/// A community's topics, newest first, optionally of some statuses.
pub async fn list(
    db: &DatabaseConnection,
    viewer: &Viewer,
    community_id: &str,
    statuses: Option<&[TopicStatus]>,
    after: Option<&(DateTime<Utc>, String)>,
    limit: u64,
    needs: ListNeeds,
) -> AppResult<TopicPage> {
    let access = access(db, viewer, community_id).await?;
    let threshold = find_community(db, community_id).await?.cosign_threshold;
    let mut q = topic::Entity::find().filter(topic::Column::CommunityId.eq(community_id));
    if let Some(statuses) = statuses {
        q = q.filter(topic::Column::Status.is_in(statuses.iter().map(|s| s.as_str())));
    }
    let total = match needs.total {
        true => Some(q.clone().count(db).await?),
        false => None,
    };
    let rows = page_of(q, after, limit).all(db).await?;
    Ok(TopicPage {
        rows: views_for(db, &access, threshold, rows, needs).await?,
        total,
    })
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
            total: Some(0),
        });
    };
    let threshold = find_community(db, community_id).await?.cosign_threshold;
    let signed = topic_cosign::Entity::find()
        .select_only()
        .column(topic_cosign::Column::TopicId)
        .filter(topic_cosign::Column::ResidentId.eq(me))
        .into_query();
    let q = topic::Entity::find()
        .filter(topic::Column::CommunityId.eq(community_id))
        .filter(topic::Column::Status.eq(TopicStatus::Proposed.as_str()))
        .filter(topic::Column::Id.not_in_subquery(signed));
    let total = match needs.total {
        true => Some(q.clone().count(db).await?),
        false => None,
    };
    let rows = page_of(q, after, limit).all(db).await?;
    Ok(TopicPage {
        rows: views_for(db, &access, threshold, rows, needs).await?,
        total,
    })
}

/// One page of the topic's top-level comments, oldest first, and how many there are.
pub async fn comments(
    db: &DatabaseConnection,
    view: &TopicView,
    offset: u64,
    limit: u64,
) -> AppResult<(Vec<CommentView>, u64)> {
    thread_page(db, &view.access, &view.topic.id, None, offset, limit).await
}

/// One page of a top-level comment's replies, oldest first, and how many there are (a reply
/// has none: threads are one level deep).
pub async fn replies(
    db: &DatabaseConnection,
    comment: &CommentView,
    offset: u64,
    limit: u64,
) -> AppResult<(Vec<CommentView>, u64)> {
    if comment.parent_id.is_some() {
        return Ok((Vec::new(), 0));
    }
    thread_page(
        db,
        &comment.access,
        &comment.topic_id,
        Some(&comment.id),
        offset,
        limit,
    )
    .await
}

async fn thread_page(
    db: &DatabaseConnection,
    access: &Access,
    topic_id: &str,
    parent_id: Option<&str>,
    offset: u64,
    limit: u64,
) -> AppResult<(Vec<CommentView>, u64)> {
    let q = topic_comment::Entity::find().filter(topic_comment::Column::TopicId.eq(topic_id));
    let q = match parent_id {
        None => q.filter(topic_comment::Column::ParentId.is_null()),
        Some(p) => q.filter(topic_comment::Column::ParentId.eq(p)),
    };
    let total = q.clone().count(db).await?;
    if offset >= total {
        return Ok((Vec::new(), total));
    }
    let rows = q
        .order_by_asc(topic_comment::Column::CreatedAt)
        .order_by_asc(topic_comment::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((comment_views(db, access, rows).await?, total))
}

/// Comments as one viewer sees them: authors' names, and report counts for moderators.
async fn comment_views<C: ConnectionTrait>(
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
async fn comment_view(
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

/// One page of the progress updates, oldest first, and how many there are.
pub async fn updates(
    db: &DatabaseConnection,
    view: &TopicView,
    offset: u64,
    limit: u64,
) -> AppResult<(Vec<UpdateView>, u64)> {
    let q = topic_update::Entity::find()
        .filter(topic_update::Column::TopicId.eq(view.topic.id.clone()));
    let total = q.clone().count(db).await?;
    if offset >= total {
        return Ok((Vec::new(), total));
    }
    let rows = q
        .order_by_asc(topic_update::Column::CreatedAt)
        .order_by_asc(topic_update::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    let names = people(db, rows.iter().map(|u| u.author_id.clone())).await?;
    let list = rows
        .into_iter()
        .map(|u| UpdateView {
            author: person(&names, &u.author_id),
            percent: u.percent,
            note: u.note,
            created_at: u.created_at,
        })
        .collect();
    Ok((list, total))
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

// ---------------------------------------------------------------------------------------------
// Residents' acts
// ---------------------------------------------------------------------------------------------

/// Counts one write of a kind by the viewer's account, refusing with RATE_LIMITED beyond the
/// limit (Settings). Called first in the act's transaction.
async fn throttle<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    scope: &str,
    limit: WriteLimit,
) -> AppResult<()> {
    rate_limit::take(
        conn,
        &rate_limit::key(scope, viewer.id()),
        limit.max,
        limit.window_secs,
    )
    .await
}

/// A new topic. The proposer's own co-signature counts; a committee member's topic starts at
/// DELIBERATING, and a resident's goes straight to UNDER_REVIEW when the threshold is 1.
pub async fn propose(
    state: &AppState,
    viewer: &Viewer,
    community_id: &str,
    title: &str,
    body: &str,
    category: TopicCategory,
) -> AppResult<TopicView> {
    let txn = state.db.begin().await?;
    throttle(&txn, viewer, "propose", state.settings.proposal_limit).await?;
    let me = roles::require_resident(&txn, viewer, community_id).await?;
    let title = rules::title(title)?;
    let body = rules::body(body)?;
    let threshold = find_community(&txn, community_id).await?.cosign_threshold;
    let by_committee = roles::viewer_roles(&txn, viewer, community_id)
        .await?
        .contains(&Role::Committee);
    let status = rules::initial_status(by_committee, threshold);
    let at = now();
    let t = topic::ActiveModel {
        id: Set(new_id()),
        community_id: Set(community_id.to_owned()),
        proposer_id: Set(me.id.clone()),
        title: Set(title),
        body: Set(body),
        category: Set(category.as_str().to_owned()),
        // Starts as PROPOSED unless the committee proposes it; the threshold flip below is the
        // one place a topic becomes UNDER_REVIEW.
        status: Set(if status == TopicStatus::Deliberating {
            status.as_str().to_owned()
        } else {
            TopicStatus::Proposed.as_str().to_owned()
        }),
        cosign_count: Set(1),
        reject_reason: Set(None),
        progress: Set(0),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(&txn)
    .await?;
    topic_cosign::ActiveModel {
        id: Set(new_id()),
        topic_id: Set(t.id.clone()),
        resident_id: Set(me.id.clone()),
        created_at: Set(at),
    }
    .insert(&txn)
    .await?;
    let pending = if status == TopicStatus::UnderReview {
        reach_threshold(&txn, &t, threshold).await?
    } else {
        Vec::new()
    };
    txn.commit().await?;
    notify::publish(&state.bus, pending).await;
    tracing::info!(topic_id = %t.id, status = %status.as_str(), "topic proposed");
    get(&state.db, viewer, &t.id).await
}

/// One co-signature per resident (unique index → CONFLICT); the count is incremented in the
/// row, and the threshold flip is a conditional update, so it happens exactly once.
pub async fn cosign(state: &AppState, viewer: &Viewer, topic_id: &str) -> AppResult<TopicView> {
    let txn = state.db.begin().await?;
    throttle(&txn, viewer, "write", state.settings.write_limit).await?;
    let t = find_topic(&txn, topic_id).await?;
    let me = roles::require_resident(&txn, viewer, &t.community_id).await?;
    let status = status_of(&t)?;
    if status != TopicStatus::Proposed {
        return Err(AppError::invalid_state(format!(
            "co-signing is closed: the topic is {}",
            status.as_str()
        )));
    }
    // The threshold is read under a shared lock of the community row (PostgreSQL; SQLite has
    // one writer): a concurrent threshold change waits for this co-signature or this one waits
    // for it, so a crossing of the threshold is never missed.
    let threshold = community::Entity::find_by_id(t.community_id.clone())
        .lock_shared()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?
        .cosign_threshold;
    topic_cosign::ActiveModel {
        id: Set(new_id()),
        topic_id: Set(t.id.clone()),
        resident_id: Set(me.id.clone()),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await
    .map_err(crate::db::on_unique(
        "you have already co-signed this topic",
    ))?;
    let counted = topic::Entity::update_many()
        .col_expr(
            topic::Column::CosignCount,
            Expr::col(topic::Column::CosignCount).add(1),
        )
        .col_expr(topic::Column::UpdatedAt, Expr::value(now()))
        .filter(topic::Column::Id.eq(t.id.clone()))
        .filter(topic::Column::Status.eq(TopicStatus::Proposed.as_str()))
        .exec(&txn)
        .await?
        .rows_affected;
    if counted != 1 {
        // The topic left PROPOSED while this request ran; the co-signature is rolled back.
        return Err(AppError::invalid_state("co-signing has closed"));
    }
    let pending = reach_threshold(&txn, &t, threshold).await?;
    txn.commit().await?;
    notify::publish(&state.bus, pending).await;
    get(&state.db, viewer, topic_id).await
}

/// The proposer withdraws the topic before voting.
pub async fn withdraw(state: &AppState, viewer: &Viewer, topic_id: &str) -> AppResult<TopicView> {
    let txn = state.db.begin().await?;
    throttle(&txn, viewer, "write", state.settings.write_limit).await?;
    let t = find_topic(&txn, topic_id).await?;
    can_withdraw_topic(&txn, viewer, &t).await?;
    guard(Transition::Withdraw, status_of(&t)?)?;
    apply(&txn, transition(&t.id, Transition::Withdraw)).await?;
    txn.commit().await?;
    get(&state.db, viewer, topic_id).await
}

/// A comment, or a reply to a top-level comment of the same topic (one level deep).
pub async fn comment(
    state: &AppState,
    viewer: &Viewer,
    topic_id: &str,
    body: &str,
    parent_id: Option<&str>,
) -> AppResult<CommentView> {
    let txn = state.db.begin().await?;
    throttle(&txn, viewer, "comment", state.settings.comment_limit).await?;
    let t = find_topic(&txn, topic_id).await?;
    let me = roles::require_resident(&txn, viewer, &t.community_id).await?;
    let status = status_of(&t)?;
    if !rules::can_comment(status) {
        return Err(AppError::invalid_state(format!(
            "the discussion is closed: the topic is {}",
            status.as_str()
        )));
    }
    let body = rules::comment_body(body)?;
    if let Some(pid) = parent_id {
        let parent = topic_comment::Entity::find_by_id(pid.to_owned())
            .one(&txn)
            .await?;
        if !parent.is_some_and(|p| p.topic_id == t.id && p.parent_id.is_none()) {
            return Err(AppError::bad_input(
                "parentId",
                "must be a top-level comment of the same topic",
            ));
        }
    }
    let c = topic_comment::ActiveModel {
        id: Set(new_id()),
        topic_id: Set(t.id.clone()),
        author_id: Set(me.id.clone()),
        parent_id: Set(parent_id.map(str::to_owned)),
        body: Set(body),
        created_at: Set(now()),
        hidden_at: Set(None),
        hidden_reason: Set(None),
        hidden_by: Set(None),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    comment_view(&state.db, viewer, &c.id).await
}

/// A resident reports a comment to the committee, once per comment.
pub async fn report_comment(
    state: &AppState,
    viewer: &Viewer,
    comment_id: &str,
    reason: &str,
) -> AppResult<CommentView> {
    let txn = state.db.begin().await?;
    throttle(&txn, viewer, "write", state.settings.write_limit).await?;
    let c = find_comment(&txn, comment_id).await?;
    let t = find_topic(&txn, &c.topic_id).await?;
    let me = roles::require_resident(&txn, viewer, &t.community_id).await?;
    if c.hidden_at.is_some() {
        return Err(AppError::invalid_state("the comment is already hidden"));
    }
    let reason = rules::reason(reason)?;
    comment_report::ActiveModel {
        id: Set(new_id()),
        comment_id: Set(c.id.clone()),
        reporter_id: Set(me.id.clone()),
        reason: Set(reason),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await
    .map_err(crate::db::on_unique(
        "you have already reported this comment",
    ))?;
    txn.commit().await?;
    comment_view(&state.db, viewer, comment_id).await
}

/// A resident rates the implementation of a completed topic 1–5; rating again replaces it.
pub async fn rate(
    state: &AppState,
    viewer: &Viewer,
    topic_id: &str,
    stars: i32,
) -> AppResult<TopicView> {
    let txn = state.db.begin().await?;
    throttle(&txn, viewer, "write", state.settings.write_limit).await?;
    let t = find_topic(&txn, topic_id).await?;
    let me = roles::require_resident(&txn, viewer, &t.community_id).await?;
    let status = status_of(&t)?;
    if !rules::can_rate(status) {
        return Err(not_now(status));
    }
    let stars = rules::stars(stars)?;
    // One row per resident (unique index); a second rating replaces the first atomically.
    topic_rating::Entity::insert(topic_rating::ActiveModel {
        id: Set(new_id()),
        topic_id: Set(t.id.clone()),
        resident_id: Set(me.id.clone()),
        stars: Set(stars),
        created_at: Set(now()),
    })
    .on_conflict(
        OnConflict::columns([
            topic_rating::Column::TopicId,
            topic_rating::Column::ResidentId,
        ])
        .update_columns([topic_rating::Column::Stars, topic_rating::Column::CreatedAt])
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    get(&state.db, viewer, topic_id).await
}

// ---------------------------------------------------------------------------------------------
// Committee acts
// ---------------------------------------------------------------------------------------------

/// UNDER_REVIEW → DELIBERATING; the proposer is told.
pub async fn accept(state: &AppState, viewer: &Viewer, topic_id: &str) -> AppResult<TopicView> {
    let txn = state.db.begin().await?;
    let t = find_topic(&txn, topic_id).await?;
    can_moderate_topics(&txn, viewer, &t.community_id).await?;
    guard(Transition::Accept, status_of(&t)?)?;
    apply(&txn, transition(&t.id, Transition::Accept)).await?;
    audit::append(
        &txn,
        &state.audit,
        audit::Entry {
            actor_id: Some(viewer.id()),
            community_id: Some(&t.community_id),
            action: "topic.accept",
            subject: &t.id,
            details: serde_json::json!({}),
        },
    )
    .await?;
    let pending = notify_proposer(
        &txn,
        &t,
        notify::NotificationKind::TopicAccepted,
        serde_json::json!({ "topicId": t.id, "title": t.title }),
    )
    .await?;
    txn.commit().await?;
    notify::publish(&state.bus, pending).await;
    get(&state.db, viewer, topic_id).await
}

/// PROPOSED or UNDER_REVIEW → REJECTED, with a public reason; the proposer is told.
pub async fn reject(
    state: &AppState,
    viewer: &Viewer,
    topic_id: &str,
    reason: &str,
) -> AppResult<TopicView> {
    let txn = state.db.begin().await?;
    let t = find_topic(&txn, topic_id).await?;
    can_moderate_topics(&txn, viewer, &t.community_id).await?;
    guard(Transition::Reject, status_of(&t)?)?;
    let reason = rules::reason(reason)?;
    apply(
        &txn,
        transition(&t.id, Transition::Reject)
            .col_expr(topic::Column::RejectReason, Expr::value(reason.clone())),
    )
    .await?;
    audit::append(
        &txn,
        &state.audit,
        audit::Entry {
            actor_id: Some(viewer.id()),
            community_id: Some(&t.community_id),
            action: "topic.reject",
            subject: &t.id,
            details: serde_json::json!({ "reason": reason }),
        },
    )
    .await?;
    let pending = notify_proposer(
        &txn,
        &t,
        notify::NotificationKind::TopicRejected,
        serde_json::json!({ "topicId": t.id, "title": t.title, "reason": reason }),
    )
    .await?;
    txn.commit().await?;
    notify::publish(&state.bus, pending).await;
    get(&state.db, viewer, topic_id).await
}

/// The committee hides a comment with a reason: kept, audited, its author told.
pub async fn hide_comment(
    state: &AppState,
    viewer: &Viewer,
    comment_id: &str,
    reason: &str,
) -> AppResult<CommentView> {
    let txn = state.db.begin().await?;
    let c = find_comment(&txn, comment_id).await?;
    let t = find_topic(&txn, &c.topic_id).await?;
    can_moderate_topics(&txn, viewer, &t.community_id).await?;
    if c.hidden_at.is_some() {
        return Err(AppError::invalid_state("the comment is already hidden"));
    }
    let reason = rules::reason(reason)?;
    let hidden = topic_comment::Entity::update_many()
        .col_expr(topic_comment::Column::HiddenAt, Expr::value(now()))
        .col_expr(
            topic_comment::Column::HiddenReason,
            Expr::value(reason.clone()),
        )
        .col_expr(
            topic_comment::Column::HiddenBy,
            Expr::value(viewer.id().to_owned()),
        )
        .filter(topic_comment::Column::Id.eq(c.id.clone()))
        .filter(topic_comment::Column::HiddenAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    if hidden != 1 {
        return Err(AppError::invalid_state("the comment is already hidden"));
    }
    audit::append(
        &txn,
        &state.audit,
        audit::Entry {
            actor_id: Some(viewer.id()),
            community_id: Some(&t.community_id),
            action: "comment.hide",
            subject: &c.id,
            details: serde_json::json!({ "topicId": t.id, "reason": reason }),
        },
    )
    .await?;
    let author = active_accounts(&txn, [c.author_id.clone()]).await?;
    let pending = emit_all(
        &txn,
        &author,
        &t.community_id,
        notify::NotificationKind::CommentHidden,
        serde_json::json!({ "topicId": t.id, "title": t.title, "reason": reason }),
    )
    .await?;
    txn.commit().await?;
    notify::publish(&state.bus, pending).await;
    comment_view(&state.db, viewer, comment_id).await
}

/// A progress update (0–100 %, never going back). The first one on an ADOPTED topic starts
/// the implementation.
pub async fn post_progress(
    state: &AppState,
    viewer: &Viewer,
    topic_id: &str,
    percent: i32,
    note: &str,
) -> AppResult<TopicView> {
    let txn = state.db.begin().await?;
    let t = find_topic(&txn, topic_id).await?;
    let access = access(&txn, viewer, &t.community_id).await?;
    if !access.moderator {
        return Err(AppError::Forbidden);
    }
    guard(Transition::Progress, status_of(&t)?)?;
    let percent = rules::percent(percent, t.progress)?;
    let note = rules::note(note)?;
    apply(
        &txn,
        transition(&t.id, Transition::Progress)
            .col_expr(topic::Column::Progress, Expr::value(percent))
            .filter(topic::Column::Progress.lte(percent)),
    )
    .await?;
    let at = now();
    topic_update::ActiveModel {
        id: Set(new_id()),
        topic_id: Set(t.id.clone()),
        // The committee member's resident id; a platform admin off the roster by account id.
        author_id: Set(access.resident_id.unwrap_or_else(|| viewer.id().to_owned())),
        percent: Set(percent),
        note: Set(note),
        created_at: Set(at),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    get(&state.db, viewer, topic_id).await
}

/// IMPLEMENTING → COMPLETED (progress 100 %); participants are invited to rate it.
pub async fn complete(state: &AppState, viewer: &Viewer, topic_id: &str) -> AppResult<TopicView> {
    let txn = state.db.begin().await?;
    let t = find_topic(&txn, topic_id).await?;
    can_moderate_topics(&txn, viewer, &t.community_id).await?;
    guard(Transition::Complete, status_of(&t)?)?;
    apply(
        &txn,
        transition(&t.id, Transition::Complete).col_expr(topic::Column::Progress, Expr::value(100)),
    )
    .await?;
    let participants = participant_accounts(&txn, &t.id).await?;
    let pending = emit_all(
        &txn,
        &participants,
        &t.community_id,
        notify::NotificationKind::TopicCompleted,
        serde_json::json!({ "topicId": t.id, "title": t.title }),
    )
    .await?;
    txn.commit().await?;
    notify::publish(&state.bus, pending).await;
    get(&state.db, viewer, topic_id).await
}

/// The community's co-sign threshold (committee or admin; audited). Lowering it moves every
/// PROPOSED topic that now meets it to UNDER_REVIEW at once.
pub async fn set_cosign_threshold(
    state: &AppState,
    viewer: &Viewer,
    community_id: &str,
    threshold: i32,
) -> AppResult<community::Model> {
    let txn = state.db.begin().await?;
    can_moderate_topics(&txn, viewer, community_id).await?;
    let threshold = rules::cosign_threshold(threshold)?;
    let before = find_community(&txn, community_id).await?;
    // Updating the row first takes its lock: co-signatures in flight (which read the threshold
    // under a shared lock) finish first or wait for this change.
    community::Entity::update_many()
        .col_expr(community::Column::CosignThreshold, Expr::value(threshold))
        .filter(community::Column::Id.eq(community_id))
        .exec(&txn)
        .await?;
    let reached = topic::Entity::find()
        .filter(topic::Column::CommunityId.eq(community_id))
        .filter(topic::Column::Status.eq(TopicStatus::Proposed.as_str()))
        .filter(topic::Column::CosignCount.gte(threshold))
        .all(&txn)
        .await?;
    let mut pending = Vec::new();
    for t in &reached {
        pending.extend(reach_threshold(&txn, t, threshold).await?);
    }
    audit::append(
        &txn,
        &state.audit,
        audit::Entry {
            actor_id: Some(viewer.id()),
            community_id: Some(community_id),
            action: "community.settings",
            subject: community_id,
            details: serde_json::json!({
                "cosignThreshold": threshold,
                "previousCosignThreshold": before.cosign_threshold,
            }),
        },
    )
    .await?;
    let after = find_community(&txn, community_id).await?;
    txn.commit().await?;
    notify::publish(&state.bus, pending).await;
    Ok(after)
}

// ---------------------------------------------------------------------------------------------
// Hooks for the ballot module
// ---------------------------------------------------------------------------------------------

/// A ballot on the topic opens: DELIBERATING → VOTING (NOT_FOUND when the topic is not in that
/// community, INVALID_STATE when it is not DELIBERATING). Every co-signer still on the roster
/// (the proposer included) is told; the caller publishes the returned notifications after commit.
pub async fn start_voting<C: ConnectionTrait>(
    conn: &C,
    topic_id: &str,
    community_id: &str,
) -> AppResult<Vec<Pending>> {
    let t = topic::Entity::find_by_id(topic_id.to_owned())
        .filter(topic::Column::CommunityId.eq(community_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    guard(Transition::StartVoting, status_of(&t)?)?;
    apply(conn, transition(&t.id, Transition::StartVoting)).await?;
    let cosigners: Vec<String> = topic_cosign::Entity::find()
        .select_only()
        .column(topic_cosign::Column::ResidentId)
        .filter(topic_cosign::Column::TopicId.eq(t.id.clone()))
        .into_tuple()
        .all(conn)
        .await?;
    let accounts = active_accounts(conn, cosigners).await?;
    emit_all(
        conn,
        &accounts,
        &t.community_id,
        notify::NotificationKind::TopicVoting,
        serde_json::json!({ "topicId": t.id, "title": t.title }),
    )
    .await
}

/// The ballot's result: VOTING → ADOPTED or NOT_ADOPTED; nothing happens when the topic is not
/// VOTING (so a repeated call is harmless).
pub async fn finish_voting<C: ConnectionTrait>(
    conn: &C,
    topic_id: &str,
    adopted: bool,
) -> AppResult<()> {
    transition(topic_id, Transition::Finish { adopted })
        .exec(conn)
        .await?;
    Ok(())
}

/// The ballot ended without a decision (NO_QUORUM, TIE) or was cancelled: VOTING →
/// DELIBERATING, where a new ballot may open; nothing happens when the topic is not VOTING.
pub async fn return_to_deliberation<C: ConnectionTrait>(conn: &C, topic_id: &str) -> AppResult<()> {
    transition(topic_id, Transition::Reconsider)
        .exec(conn)
        .await?;
    Ok(())
}

/// Account ids of the topic's proposer, co-signers and commenters who are still active
/// residents, deduplicated and sorted.
pub async fn participant_accounts<C: ConnectionTrait>(
    conn: &C,
    topic_id: &str,
) -> AppResult<Vec<String>> {
    let t = find_topic(conn, topic_id).await?;
    let cosigners: Vec<String> = topic_cosign::Entity::find()
        .select_only()
        .column(topic_cosign::Column::ResidentId)
        .filter(topic_cosign::Column::TopicId.eq(topic_id))
        .into_tuple()
        .all(conn)
        .await?;
    let commenters: Vec<String> = topic_comment::Entity::find()
        .select_only()
        .column(topic_comment::Column::AuthorId)
        .filter(topic_comment::Column::TopicId.eq(topic_id))
        .into_tuple()
        .all(conn)
        .await?;
    active_accounts(
        conn,
        std::iter::once(t.proposer_id)
            .chain(cosigners)
            .chain(commenters),
    )
    .await
}
