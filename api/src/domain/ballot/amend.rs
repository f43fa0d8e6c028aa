//! Mistakes and second thoughts (DESIGN §4): before any vote is cast the committee may correct
//! the question or move `closesAt` later (`correct`); once votes exist it may only extend
//! `closesAt` once with a public reason (`extend`), or cancel the ballot with a public reason
//! (`cancel`: audited, every voter told, the topic back to DELIBERATING).
//!
//! Each act first updates the ballot row under a condition (`status = 'OPEN' AND closes_at > now`
//! plus its own), as a vote does: the row's lock (PostgreSQL) or the single writer (SQLite) orders
//! the act against votes and against closing, so a vote that committed first is seen by the
//! checks that follow, and a vote that comes later waits and then finds the ballot as changed.
//! Authorisation always comes before the input's rules.

use super::rules::VoterId;
use chrono::{DateTime, Utc};
use entity::{ballot, ballot_participation, ballot_voter};
use sea_orm::{
    sea_query::Expr, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait,
};

use super::rules;
use super::service::{self, not_open, BallotStatus, MAX_BALLOT_DAYS};
use crate::auth::Viewer;
use crate::bus::BusEvent;
use crate::domain::notify::{self, Pending};
use crate::domain::{audit, now, roles, topic};
use crate::error::{AppError, AppResult};
use crate::state::Services;

/// The ballot, if the viewer is its community's committee (NOT_FOUND for outsiders, FORBIDDEN
/// for residents), before anything about the input is judged.
async fn committee_ballot(
    state: &Services,
    viewer: &Viewer,
    ballot_id: &str,
) -> AppResult<ballot::Model> {
    let b = service::get(state, viewer, ballot_id).await?;
    roles::can_manage_roster(&state.db, viewer, &b.community_id).await?;
    Ok(b)
}

/// The ballot row, updated under `status = 'OPEN' AND closes_at > now` and `extra`: taken first,
/// so votes and closing are ordered against this act.
async fn lock_and_set<C: ConnectionTrait>(
    conn: &C,
    ballot_id: &str,
    now: DateTime<Utc>,
    update: sea_orm::UpdateMany<ballot::Entity>,
) -> AppResult<bool> {
    let res = update
        .filter(ballot::Column::Id.eq(ballot_id))
        .filter(ballot::Column::Status.eq(BallotStatus::Open))
        .filter(ballot::Column::ClosesAt.gt(now))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

async fn votes_cast<C: ConnectionTrait>(conn: &C, ballot_id: &str) -> AppResult<bool> {
    Ok(ballot_participation::Entity::find()
        .filter(ballot_participation::Column::BallotId.eq(ballot_id))
        .one(conn)
        .await?
        .is_some())
}

/// Accounts of the whole frozen electorate (those who voted and those who have not).
async fn electorate_accounts<C: ConnectionTrait>(
    conn: &C,
    b: &ballot::Model,
) -> AppResult<Vec<String>> {
    let voters: Vec<VoterId> = ballot_voter::Entity::find()
        .filter(ballot_voter::Column::BallotId.eq(b.id.clone()))
        .all(conn)
        .await?
        .into_iter()
        .map(|v| VoterId::stored(b.electorate, v.voter_id))
        .collect();
    service::voter_accounts(conn, &b.community_id, &voters).await
}

async fn reread(state: &Services, ballot_id: &str) -> AppResult<ballot::Model> {
    ballot::Entity::find_by_id(ballot_id.to_owned())
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)
}

async fn published(state: &Services, ballot_id: &str, pending: Vec<Pending>) {
    notify::publish(&state.bus, pending).await;
    state
        .bus
        .publish(BusEvent::BallotTally {
            ballot_id: ballot_id.to_owned(),
        })
        .await;
}

/// Before any vote is cast: corrects the question and/or moves `closesAt` later.
pub async fn correct(
    state: &Services,
    viewer: &Viewer,
    ballot_id: &str,
    question: Option<&str>,
    closes_at: Option<DateTime<Utc>>,
) -> AppResult<ballot::Model> {
    let b = committee_ballot(state, viewer, ballot_id).await?;
    let now = now();
    if !service::is_open(&b, now) {
        return Err(not_open());
    }
    let question = question.map(rules::question).transpose()?;
    let closes_at = closes_at
        .map(|c| rules::later_closing(b.closes_at, c, now, MAX_BALLOT_DAYS))
        .transpose()?;
    if question.is_none() && closes_at.is_none() {
        return Err(AppError::bad_input(
            "question",
            "give a corrected question or a later closesAt",
        ));
    }
    let txn = state.db.begin().await?;
    let mut update = ballot::Entity::update_many();
    if let Some(q) = &question {
        update = update.col_expr(ballot::Column::Question, Expr::value(q.clone()));
    }
    if let Some(c) = closes_at {
        update = update
            .col_expr(ballot::Column::ClosesAt, Expr::value(c))
            .col_expr(ballot::Column::ReminderSent, Expr::value(false));
    }
    if !lock_and_set(&txn, &b.id, now, update).await? {
        return Err(not_open());
    }
    rules::may_correct(votes_cast(&txn, &b.id).await?)?;
    audit::append(
        &txn,
        &state.audit,
        audit::Entry {
            actor_id: Some(viewer.id()),
            community_id: Some(&b.community_id),
            action: audit::AuditAction::BallotCorrect,
            subject: &b.id,
            details: serde_json::json!({
                "question": question, "closesAt": closes_at.map(|c| c.to_rfc3339()),
                "previousQuestion": b.question, "previousClosesAt": b.closes_at.to_rfc3339(),
            }),
        },
    )
    .await?;
    txn.commit().await?;
    published(state, &b.id, Vec::new()).await;
    reread(state, &b.id).await
}

/// Moves `closesAt` later, once, with a public reason; every voter is told.
pub async fn extend(
    state: &Services,
    viewer: &Viewer,
    ballot_id: &str,
    closes_at: DateTime<Utc>,
    reason: &str,
) -> AppResult<ballot::Model> {
    let b = committee_ballot(state, viewer, ballot_id).await?;
    let now = now();
    if !service::is_open(&b, now) {
        return Err(not_open());
    }
    rules::may_extend(b.extended_at.is_some())?;
    let closes_at = rules::later_closing(b.closes_at, closes_at, now, MAX_BALLOT_DAYS)?;
    let reason = rules::public_reason(reason)?;
    let txn = state.db.begin().await?;
    let update = ballot::Entity::update_many()
        .col_expr(ballot::Column::ClosesAt, Expr::value(closes_at))
        .col_expr(ballot::Column::ReminderSent, Expr::value(false))
        .col_expr(ballot::Column::ExtendedAt, Expr::value(now))
        .col_expr(ballot::Column::ExtendReason, Expr::value(reason.clone()))
        .filter(ballot::Column::ExtendedAt.is_null());
    if !lock_and_set(&txn, &b.id, now, update).await? {
        // Closed meanwhile, or a concurrent extension came first.
        let latest = ballot::Entity::find_by_id(b.id.clone()).one(&txn).await?;
        rules::may_extend(latest.is_some_and(|l| l.extended_at.is_some()))?;
        return Err(not_open());
    }
    audit::append(
        &txn,
        &state.audit,
        audit::Entry {
            actor_id: Some(viewer.id()),
            community_id: Some(&b.community_id),
            action: audit::AuditAction::BallotExtend,
            subject: &b.id,
            details: serde_json::json!({
                "closesAt": closes_at.to_rfc3339(), "previousClosesAt": b.closes_at.to_rfc3339(),
                "reason": reason,
            }),
        },
    )
    .await?;
    let accounts = electorate_accounts(&txn, &b).await?;
    let pending = notify::emit_many(
        &txn,
        &accounts,
        Some(&b.community_id),
        notify::NotificationKind::BallotExtended,
        serde_json::json!({
            "ballotId": b.id, "topicId": b.topic_id, "question": b.question,
            "closesAt": closes_at.to_rfc3339(), "reason": reason,
        }),
    )
    .await?;
    txn.commit().await?;
    published(state, &b.id, pending).await;
    reread(state, &b.id).await
}

/// Cancels an open ballot with a public reason: nothing of it is counted, every voter is told,
/// and its topic returns to DELIBERATING (a new ballot may open there).
pub async fn cancel(
    state: &Services,
    viewer: &Viewer,
    ballot_id: &str,
    reason: &str,
) -> AppResult<ballot::Model> {
    let b = committee_ballot(state, viewer, ballot_id).await?;
    let now = now();
    if !service::is_open(&b, now) {
        return Err(not_open());
    }
    let reason = rules::public_reason(reason)?;
    let txn = state.db.begin().await?;
    let update = ballot::Entity::update_many()
        .col_expr(ballot::Column::Status, Expr::value(BallotStatus::Cancelled))
        .col_expr(ballot::Column::CancelledAt, Expr::value(now))
        .col_expr(ballot::Column::CancelReason, Expr::value(reason.clone()));
    if !lock_and_set(&txn, &b.id, now, update).await? {
        return Err(not_open());
    }
    // Nothing of it decides anything, but its turnout is stated on the record: count what is in.
    super::tally::fold(&txn, &b.id).await?;
    let b = ballot::Entity::find_by_id(b.id.clone())
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    // A secret ballot's box is rewritten as at closing: its order says nothing of who voted when.
    if b.secret {
        service::shuffle_box(&txn, &b.id).await?;
    }
    if let Some(topic_id) = &b.topic_id {
        topic::service::return_to_deliberation(&txn, topic_id).await?;
    }
    audit::append(
        &txn,
        &state.audit,
        audit::Entry {
            actor_id: Some(viewer.id()),
            community_id: Some(&b.community_id),
            action: audit::AuditAction::BallotCancel,
            subject: &b.id,
            details: serde_json::json!({
                "reason": reason, "topicId": b.topic_id,
                "turnoutCount": b.turnout_count, "turnoutArea": b.turnout_area,
            }),
        },
    )
    .await?;
    let accounts = electorate_accounts(&txn, &b).await?;
    let pending = notify::emit_many(
        &txn,
        &accounts,
        Some(&b.community_id),
        notify::NotificationKind::BallotCancelled,
        serde_json::json!({
            "ballotId": b.id, "topicId": b.topic_id, "question": b.question, "reason": reason,
        }),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(ballot_id = %b.id, "ballot cancelled");
    published(state, &b.id, pending).await;
    reread(state, &b.id).await
}
