//! Committee acts on topics: accepting, rejecting, hiding comments, progress, completing,
//! community settings.

use entity::{community, topic, topic_comment, topic_update};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait,
};

use super::rules::{self, TopicStatus, Transition};
use super::service::*;
use crate::auth::Viewer;
use crate::domain::notify::{self};
use crate::domain::{audit, new_id, now};
use crate::error::{AppError, AppResult};
use crate::state::Services;

/// UNDER_REVIEW → DELIBERATING; the proposer is told.
pub async fn accept(state: &Services, viewer: &Viewer, topic_id: &str) -> AppResult<TopicView> {
    let txn = state.db.begin().await?;
    let t = find_topic(&txn, topic_id).await?;
    can_moderate_topics(&txn, viewer, &t.community_id).await?;
    guard(Transition::Accept, t.status)?;
    apply(&txn, transition(&t.id, Transition::Accept)).await?;
    audit::append(
        &txn,
        &state.audit,
        audit::Entry {
            actor_id: Some(viewer.id()),
            community_id: Some(&t.community_id),
            action: audit::AuditAction::TopicAccept,
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
    state: &Services,
    viewer: &Viewer,
    topic_id: &str,
    reason: &str,
) -> AppResult<TopicView> {
    let txn = state.db.begin().await?;
    let t = find_topic(&txn, topic_id).await?;
    can_moderate_topics(&txn, viewer, &t.community_id).await?;
    guard(Transition::Reject, t.status)?;
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
            action: audit::AuditAction::TopicReject,
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
    state: &Services,
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
            action: audit::AuditAction::CommentHide,
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
    state: &Services,
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
    guard(Transition::Progress, t.status)?;
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
pub async fn complete(state: &Services, viewer: &Viewer, topic_id: &str) -> AppResult<TopicView> {
    let txn = state.db.begin().await?;
    let t = find_topic(&txn, topic_id).await?;
    can_moderate_topics(&txn, viewer, &t.community_id).await?;
    guard(Transition::Complete, t.status)?;
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
    state: &Services,
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
        .filter(topic::Column::Status.eq(TopicStatus::Proposed))
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
            action: audit::AuditAction::CommunitySettings,
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
