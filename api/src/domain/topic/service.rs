//! Topic services (DESIGN §3). Each act runs in one transaction: load, authorise (a named check),
//! validate through `rules`, then change the row by a conditional update
//! (`… WHERE status IN (allowed_from)`), so a transition happens at most once under any
//! concurrency; notifications are emitted inside the transaction and published after commit.
//!
//! The ballot module drives VOTING and its result through `start_voting` and `finish_voting`.
//!
//! This file holds the shared types, permission checks, helpers and the ballot hooks; the acts
//! live in `read.rs`, `act.rs` (residents) and `committee.rs`.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use entity::{account, community, resident, role_grant, topic, topic_comment, topic_cosign};
use sea_orm::ActiveEnum;
use sea_orm::{
    sea_query::Expr, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
    UpdateMany,
};

use super::rules::{self, TopicCategory, TopicStatus, Transition};
use crate::auth::Viewer;
use crate::domain::notify::{self, Pending};
use crate::domain::now;
use crate::domain::roles::{self, Role};
use crate::error::{AppError, AppResult};

/// What the viewer may do in a topic's community, worked out once per request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
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
    /// What the viewer may do with the topic now (the acts' own checks, `rules::actions`).
    pub fn viewer_can(&self) -> rules::TopicActions {
        let resident = self.access.resident_id.as_deref();
        rules::actions(
            self.status,
            rules::Standing {
                resident: resident.is_some(),
                proposer: resident == Some(self.topic.proposer_id.as_str()),
                moderator: self.access.moderator,
            },
        )
    }

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
    /// The row's id (its keyset cursor with `created_at`; not shown).
    pub id: String,
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
        moderator: roles::moderates(&held),
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
pub(super) async fn can_withdraw_topic<C: ConnectionTrait>(
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

pub(super) fn not_now(status: TopicStatus) -> AppError {
    AppError::invalid_state(format!(
        "not possible while the topic is {}",
        status.to_value()
    ))
}

/// INVALID_STATE unless the act is allowed from the topic's current status.
pub(super) fn guard(t: Transition, status: TopicStatus) -> AppResult<()> {
    if t.allows(status) {
        Ok(())
    } else {
        Err(not_now(status))
    }
}

/// The conditional update of a transition; callers add columns and check `rows_affected`.
pub(super) fn transition(topic_id: &str, t: Transition) -> UpdateMany<topic::Entity> {
    topic::Entity::update_many()
        .col_expr(topic::Column::Status, Expr::value(t.target()))
        .col_expr(topic::Column::UpdatedAt, Expr::value(now()))
        .filter(topic::Column::Id.eq(topic_id))
        .filter(topic::Column::Status.is_in(t.allowed_from().iter().copied()))
}

/// Runs a transition's update; INVALID_STATE when a concurrent act moved the topic first.
pub(super) async fn apply<C: ConnectionTrait>(
    conn: &C,
    update: UpdateMany<topic::Entity>,
) -> AppResult<()> {
    if update.exec(conn).await?.rows_affected == 1 {
        Ok(())
    } else {
        Err(AppError::invalid_state(
            "the topic was changed meanwhile; reload it",
        ))
    }
}

pub(super) async fn find_topic<C: ConnectionTrait>(
    conn: &C,
    topic_id: &str,
) -> AppResult<topic::Model> {
    topic::Entity::find_by_id(topic_id.to_owned())
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

pub(super) async fn find_comment<C: ConnectionTrait>(
    conn: &C,
    comment_id: &str,
) -> AppResult<topic_comment::Model> {
    topic_comment::Entity::find_by_id(comment_id.to_owned())
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

pub(super) async fn find_community<C: ConnectionTrait>(
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
pub(crate) async fn people<C: ConnectionTrait>(
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

pub(crate) fn person(people: &HashMap<String, Person>, id: &str) -> Person {
    people.get(id).cloned().unwrap_or_else(|| Person {
        id: id.to_owned(),
        name: String::new(),
    })
}

/// Account ids of those of `resident_ids` who are still active residents (moved-out residents
/// are not notified), deduplicated.
pub(crate) async fn active_accounts<C: ConnectionTrait>(
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
pub(crate) async fn committee_accounts<C: ConnectionTrait>(
    conn: &C,
    community_id: &str,
) -> AppResult<Vec<String>> {
    let granted: Vec<String> = role_grant::Entity::find()
        .filter(role_grant::Column::CommunityId.eq(community_id))
        .filter(role_grant::Column::Role.eq(Role::Committee))
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

pub(super) async fn emit_all<C: ConnectionTrait>(
    conn: &C,
    accounts: &[String],
    community_id: &str,
    kind: notify::NotificationKind,
    params: serde_json::Value,
) -> AppResult<Vec<Pending>> {
    notify::emit_many(conn, accounts, Some(community_id), kind, params).await
}

/// Tells the proposer (if still on the roster) about a committee decision.
pub(super) async fn notify_proposer<C: ConnectionTrait>(
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
pub(super) async fn reach_threshold<C: ConnectionTrait>(
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
pub(super) async fn views<C: ConnectionTrait>(
    conn: &C,
    access: &Access,
    threshold: i32,
    topics: Vec<topic::Model>,
) -> AppResult<Vec<TopicView>> {
    let all = ListNeeds {
        total: false,
        proposer: true,
        cosigned: true,
        threshold: true,
        ballot: false,
        ..ListNeeds::default()
    };
    views_for(conn, access, threshold, topics, all).await
}

/// Topic views with the proposer and the viewer's co-signature read only when `needs` says so
/// (left empty / false otherwise: the page's fields do not show them).
pub(super) async fn views_for<C: ConnectionTrait>(
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
                status: t.status,
                category: t.category,
                cosign_threshold: threshold,
                proposer: person(&names, &t.proposer_id),
                viewer_has_cosigned: cosigned.contains(&t.id),
                access: access.clone(),
                topic: t,
            })
        })
        .collect()
}

pub use super::act::*;
pub use super::committee::*;
pub use super::read::*;

// ---------------------------------------------------------------------------------------------
// Hooks for the ballot module
// ---------------------------------------------------------------------------------------------

/// Ballot `ballot_id` opens on the topic: DELIBERATING → VOTING, and it becomes the topic's
/// latest ballot (`latest_ballot_id`, in the same UPDATE) (NOT_FOUND when the topic is not in
/// that community, INVALID_STATE when it is not DELIBERATING). Every co-signer still on the
/// roster (the proposer included) is told; the caller publishes the returned notifications
/// after commit.
pub async fn start_voting<C: ConnectionTrait>(
    conn: &C,
    topic_id: &str,
    community_id: &str,
    ballot_id: &str,
) -> AppResult<Vec<Pending>> {
    let t = topic::Entity::find_by_id(topic_id.to_owned())
        .filter(topic::Column::CommunityId.eq(community_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    guard(Transition::StartVoting, t.status)?;
    apply(
        conn,
        transition(&t.id, Transition::StartVoting)
            .col_expr(topic::Column::LatestBallotId, Expr::value(ballot_id)),
    )
    .await?;
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
    // One row per commenter, not per comment: a topic's comments grow with every resident's
    // write limit, its commenters only with the roster.
    let commenters: Vec<String> = topic_comment::Entity::find()
        .select_only()
        .column(topic_comment::Column::AuthorId)
        .distinct()
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
