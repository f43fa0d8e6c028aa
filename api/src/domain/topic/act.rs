//! Residents' acts on topics: proposing, co-signing, commenting, reporting, rating, withdrawing.

use entity::{comment_report, community, topic, topic_comment, topic_cosign, topic_rating};
use sea_orm::ActiveEnum;
use sea_orm::{
    sea_query::{Expr, ExprTrait, OnConflict},
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
    TransactionTrait,
};

use super::rules::{self, TopicCategory, TopicStatus, Transition};
use super::service::*;
use crate::auth::Viewer;
use crate::config::WriteLimit;
use crate::domain::notify::{self};
use crate::domain::roles;
use crate::domain::{new_id, now, rate_limit};
use crate::error::{AppError, AppResult};
use crate::state::Services;

/// Counts one write of a kind by the viewer's account, refusing with RATE_LIMITED beyond the
/// limit (Settings). Called first in the act's transaction.
pub(super) async fn throttle<C: ConnectionTrait>(
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
    state: &Services,
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
    let by_committee =
        roles::proposes_as_committee(&roles::viewer_roles(&txn, viewer, community_id).await?);
    let status = rules::initial_status(by_committee, threshold);
    let at = now();
    let t = topic::ActiveModel {
        id: Set(new_id()),
        community_id: Set(community_id.to_owned()),
        proposer_id: Set(me.id.clone()),
        title: Set(title),
        body: Set(body),
        category: Set(category),
        // Starts as PROPOSED unless the committee proposes it; the threshold flip below is the
        // one place a topic becomes UNDER_REVIEW.
        status: Set(if status == TopicStatus::Deliberating {
            status
        } else {
            TopicStatus::Proposed
        }),
        cosign_count: Set(1),
        reject_reason: Set(None),
        progress: Set(0),
        created_at: Set(at),
        updated_at: Set(at),
        latest_ballot_id: Set(None),
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
    tracing::info!(topic_id = %t.id, status = %status.to_value(), "topic proposed");
    get(&state.db, viewer, &t.id).await
}

/// One co-signature per resident (unique index → CONFLICT); the count is incremented in the
/// row, and the threshold flip is a conditional update, so it happens exactly once.
pub async fn cosign(state: &Services, viewer: &Viewer, topic_id: &str) -> AppResult<TopicView> {
    let txn = state.db.begin().await?;
    throttle(&txn, viewer, "write", state.settings.write_limit).await?;
    let t = find_topic(&txn, topic_id).await?;
    let me = roles::require_resident(&txn, viewer, &t.community_id).await?;
    let status = t.status;
    if status != TopicStatus::Proposed {
        return Err(AppError::invalid_state(format!(
            "co-signing is closed: the topic is {}",
            status.to_value()
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
        .filter(topic::Column::Status.eq(TopicStatus::Proposed))
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
pub async fn withdraw(state: &Services, viewer: &Viewer, topic_id: &str) -> AppResult<TopicView> {
    let txn = state.db.begin().await?;
    throttle(&txn, viewer, "write", state.settings.write_limit).await?;
    let t = find_topic(&txn, topic_id).await?;
    can_withdraw_topic(&txn, viewer, &t).await?;
    guard(Transition::Withdraw, t.status)?;
    apply(&txn, transition(&t.id, Transition::Withdraw)).await?;
    txn.commit().await?;
    get(&state.db, viewer, topic_id).await
}

/// A comment, or a reply to a top-level comment of the same topic (one level deep).
pub async fn comment(
    state: &Services,
    viewer: &Viewer,
    topic_id: &str,
    body: &str,
    parent_id: Option<&str>,
) -> AppResult<CommentView> {
    let txn = state.db.begin().await?;
    throttle(&txn, viewer, "comment", state.settings.comment_limit).await?;
    let t = find_topic(&txn, topic_id).await?;
    let me = roles::require_resident(&txn, viewer, &t.community_id).await?;
    let status = t.status;
    if !rules::can_comment(status) {
        return Err(AppError::invalid_state(format!(
            "the discussion is closed: the topic is {}",
            status.to_value()
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
    state: &Services,
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
    state: &Services,
    viewer: &Viewer,
    topic_id: &str,
    stars: i32,
) -> AppResult<TopicView> {
    let txn = state.db.begin().await?;
    throttle(&txn, viewer, "write", state.settings.write_limit).await?;
    let t = find_topic(&txn, topic_id).await?;
    let me = roles::require_resident(&txn, viewer, &t.community_id).await?;
    let status = t.status;
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
