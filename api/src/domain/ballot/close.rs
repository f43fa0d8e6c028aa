//! Deciding and closing: the decision over the counters, closing exactly once (folding every
//! vote in first), the box shuffle of secret ballots, and the background jobs (closing due
//! ballots, reminders).

use super::rules::VoterId;
use entity::ballot_participation::VoteChannel;
use sea_orm::ActiveEnum;
use std::collections::HashSet;

use entity::{ballot, ballot_box, ballot_option, ballot_participation, ballot_voter};
use rand::seq::SliceRandom;
use sea_orm::{
    sea_query::Expr, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
    TransactionTrait,
};

use super::rules::{self, Weight};
use super::service::*;
use crate::bus::BusEvent;
use crate::domain::notify::{self, Pending};
use crate::domain::{audit, new_id, now, topic};
use crate::error::{AppError, AppResult};
use crate::state::Services;

/// The decision over the current counters (final once the ballot is closed).
pub fn decide(b: &ballot::Model, options: &[ballot_option::Model]) -> AppResult<rules::Decision> {
    let counts: Vec<rules::OptionCount> = options
        .iter()
        .map(|o| {
            Ok(rules::OptionCount {
                role: o.role,
                votes: Weight::new(o.votes, o.area),
            })
        })
        .collect::<AppResult<_>>()?;
    Ok(rules::decide(
        b.kind,
        b.rule,
        std::cmp::max(b.max_choices, 1) as usize,
        Weight::new(b.eligible_count, b.eligible_area),
        Weight::new(b.turnout_count, b.turnout_area),
        &counts,
    ))
}

/// Every threshold the ballot's result is judged by (turnout, then each judged option's
/// approval), against the counts in `b` and `options`: the stored ones once closed, a live
/// tally's while open. What a result notice and `Ballot.result.thresholds` show.
pub fn thresholds(b: &ballot::Model, options: &[ballot_option::Model]) -> Vec<rules::Threshold> {
    let counts: Vec<rules::OptionCount> = options
        .iter()
        .map(|o| rules::OptionCount {
            role: o.role,
            votes: Weight::new(o.votes, o.area),
        })
        .collect();
    rules::thresholds(
        b.rule,
        Weight::new(b.eligible_count, b.eligible_area),
        Weight::new(b.turnout_count, b.turnout_area),
        &counts,
    )
}

/// Closes one due ballot exactly once (a conditional update decides which replica does it),
/// computes and stores the result, moves the topic on, and tells everyone who took part.
pub async fn close_one(state: &Services, ballot_id: &str) -> AppResult<bool> {
    let now = now();
    let txn = state.db.begin().await?;
    let claimed = ballot::Entity::update_many()
        .col_expr(ballot::Column::Status, Expr::value(BallotStatus::Closed))
        .col_expr(ballot::Column::ClosedAt, Expr::value(now))
        .filter(ballot::Column::Id.eq(ballot_id))
        .filter(ballot::Column::Status.eq(BallotStatus::Open))
        .filter(ballot::Column::ClosesAt.lte(now))
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Ok(false);
    }
    // Every vote in flight has committed (the claim waited for their shared locks): count them
    // all before deciding.
    super::tally::fold(&txn, ballot_id).await?;
    let b = ballot::Entity::find_by_id(ballot_id.to_owned())
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let options = options_of(&txn, &b.id).await?;
    let decision = decide(&b, &options)?;
    let outcome = decision.outcome;
    ballot::Entity::update_many()
        .col_expr(ballot::Column::QuorumMet, Expr::value(decision.quorum_met))
        .col_expr(ballot::Column::Outcome, Expr::value(outcome))
        .filter(ballot::Column::Id.eq(b.id.clone()))
        .exec(&txn)
        .await?;
    for (o, adopted) in options.iter().zip(&decision.adopted) {
        ballot_option::Entity::update_many()
            .col_expr(ballot_option::Column::Adopted, Expr::value(*adopted))
            .filter(ballot_option::Column::Id.eq(o.id.clone()))
            .exec(&txn)
            .await?;
    }
    if b.secret {
        shuffle_box(&txn, &b.id).await?;
    }
    let mut accounts: Vec<String> = ballot_participation::Entity::find()
        .filter(ballot_participation::Column::BallotId.eq(b.id.clone()))
        .filter(ballot_participation::Column::Channel.eq(VoteChannel::Online))
        .all(&txn)
        .await?
        .into_iter()
        .map(|p| p.cast_by)
        .collect();
    if let Some(topic_id) = &b.topic_id {
        match rules::topic_step(decision.outcome) {
            rules::TopicStep::Adopted => {
                topic::service::finish_voting(&txn, topic_id, true).await?
            }
            rules::TopicStep::NotAdopted => {
                topic::service::finish_voting(&txn, topic_id, false).await?
            }
            // No decision (NO_QUORUM, TIE): back to deliberation, where a new ballot may open.
            rules::TopicStep::Deliberate => {
                topic::service::return_to_deliberation(&txn, topic_id).await?
            }
        }
        accounts.extend(topic::service::participant_accounts(&txn, topic_id).await?);
    }
    accounts.sort();
    accounts.dedup();
    audit::append(
        &txn,
        &state.audit,
        audit::Entry {
            actor_id: None,
            community_id: Some(&b.community_id),
            action: audit::AuditAction::BallotClose,
            subject: &b.id,
            details: serde_json::json!({
                "outcome": outcome, "quorumMet": decision.quorum_met,
                "turnoutCount": b.turnout_count, "turnoutArea": b.turnout_area,
            }),
        },
    )
    .await?;
    let pending: Vec<Pending> = notify::emit_many(
        &txn,
        &accounts,
        Some(&b.community_id),
        notify::NotificationKind::BallotResult,
        serde_json::json!({ "ballotId": b.id, "topicId": b.topic_id, "question": b.question, "outcome": outcome }),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(ballot_id = %b.id, outcome = %outcome.to_value(), "ballot closed");
    notify::publish(&state.bus, pending).await;
    state
        .bus
        .publish(BusEvent::BallotTally {
            ballot_id: b.id.clone(),
        })
        .await;
    Ok(true)
}

/// Rewrites a closed secret ballot's box in random order with fresh ids, so neither row order nor
/// ids can be lined up with the order in which people voted.
pub(super) async fn shuffle_box<C: ConnectionTrait>(conn: &C, ballot_id: &str) -> AppResult<()> {
    let mut rows = ballot_box::Entity::find()
        .filter(ballot_box::Column::BallotId.eq(ballot_id))
        .all(conn)
        .await?;
    rows.shuffle(&mut rand::thread_rng());
    ballot_box::Entity::delete_many()
        .filter(ballot_box::Column::BallotId.eq(ballot_id))
        .exec(conn)
        .await?;
    for chunk in rows.chunks(500) {
        let fresh: Vec<ballot_box::ActiveModel> = chunk
            .iter()
            .map(|r| ballot_box::ActiveModel {
                id: Set(new_id()),
                ballot_id: Set(r.ballot_id.clone()),
                receipt_hash: Set(r.receipt_hash.clone()),
                option_ids: Set(r.option_ids.clone()),
                area: Set(r.area),
                pending: Set(r.pending),
                counted_option_ids: Set(r.counted_option_ids.clone()),
            })
            .collect();
        ballot_box::Entity::insert_many(fresh).exec(conn).await?;
    }
    Ok(())
}

/// Background job: close every ballot whose time has come.
pub async fn close_due(state: &Services) -> AppResult<usize> {
    let due = ballot::Entity::find()
        .filter(ballot::Column::Status.eq(BallotStatus::Open))
        .filter(ballot::Column::ClosesAt.lte(now()))
        .limit(50)
        .all(&state.db)
        .await?;
    let mut closed = 0;
    for b in due {
        if close_one(state, &b.id).await? {
            closed += 1;
        }
    }
    Ok(closed)
}

/// Background job: 24 hours before closing, remind eligible voters who have not voted (once).
pub async fn send_reminders(state: &Services) -> AppResult<usize> {
    let soon = now() + chrono::Duration::hours(24);
    let due = ballot::Entity::find()
        .filter(ballot::Column::Status.eq(BallotStatus::Open))
        .filter(ballot::Column::ReminderSent.eq(false))
        .filter(ballot::Column::ClosesAt.lte(soon))
        .limit(50)
        .all(&state.db)
        .await?;
    let mut sent = 0;
    for b in due {
        let txn = state.db.begin().await?;
        let claimed = ballot::Entity::update_many()
            .col_expr(ballot::Column::ReminderSent, Expr::value(true))
            .filter(ballot::Column::Id.eq(b.id.clone()))
            .filter(ballot::Column::ReminderSent.eq(false))
            .exec(&txn)
            .await?;
        if claimed.rows_affected != 1 {
            continue;
        }
        let voted: HashSet<String> = ballot_participation::Entity::find()
            .filter(ballot_participation::Column::BallotId.eq(b.id.clone()))
            .all(&txn)
            .await?
            .into_iter()
            .map(|p| p.voter_id)
            .collect();
        let waiting: Vec<VoterId> = ballot_voter::Entity::find()
            .filter(ballot_voter::Column::BallotId.eq(b.id.clone()))
            .all(&txn)
            .await?
            .into_iter()
            .map(|v| v.voter_id)
            .filter(|v| !voted.contains(v))
            .map(|v| VoterId::stored(b.electorate, v))
            .collect();
        let accounts = voter_accounts(&txn, &b.community_id, &waiting).await?;
        let pending = notify::emit_many(
            &txn,
            &accounts,
            Some(&b.community_id),
            notify::NotificationKind::BallotClosingSoon,
            serde_json::json!({ "ballotId": b.id, "topicId": b.topic_id, "question": b.question, "closesAt": b.closes_at.to_rfc3339() }),
        )
        .await?;
        txn.commit().await?;
        notify::publish(&state.bus, pending).await;
        sent += 1;
    }
    Ok(sent)
}
