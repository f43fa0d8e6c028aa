//! Mediation's timed work, run by every replica (`http::background`): each reminder is claimed
//! by one conditional update, so it goes out once however many replicas run it.

use chrono::Duration;
use entity::{case_mediator, case_party, case_session, mediation_case};
use sea_orm::{
    sea_query::Expr, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};

use super::rules::{self, CaseStatus};
use super::service::tell_accounts;
use crate::domain::notify::{self, NotificationKind};
use crate::domain::now;
use crate::domain::topic::service::active_accounts;
use crate::error::AppResult;
use crate::state::Services;

/// The day-before reminder of each session of a case in mediation that starts within 24 hours,
/// to its parties and mediators.
pub async fn remind_sessions(state: &Services) -> AppResult<usize> {
    let at = now();
    let due = case_session::Entity::find()
        .filter(case_session::Column::RemindedAt.is_null())
        .filter(case_session::Column::StartsAt.gt(at))
        .filter(case_session::Column::StartsAt.lte(at + Duration::hours(24)))
        .order_by_asc(case_session::Column::StartsAt)
        .limit(100)
        .all(&state.db)
        .await?;
    let mut sent = 0;
    for s in due {
        // The claim and the notifications commit together: a failure leaves the reminder due.
        let txn = state.db.begin().await?;
        let claimed = case_session::Entity::update_many()
            .col_expr(case_session::Column::RemindedAt, Expr::value(at))
            .filter(case_session::Column::Id.eq(s.id.clone()))
            .filter(case_session::Column::RemindedAt.is_null())
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
        let case = mediation_case::Entity::find_by_id(s.case_id.clone())
            .filter(mediation_case::Column::Status.eq(CaseStatus::InMediation))
            .one(&txn)
            .await?;
        // A session scheduled less than a day ahead was just announced: no "tomorrow" notice.
        let fresh = s.starts_at - s.created_at <= Duration::hours(24);
        let (Some(c), true, false) = (case, claimed, fresh) else {
            txn.commit().await?;
            continue;
        };
        let residents = case_residents(&txn, &c.id, true).await?;
        let accounts = active_accounts(&txn, residents).await?;
        let pending = tell_accounts(
            &txn,
            &c,
            &accounts,
            NotificationKind::CaseSessionReminder,
            Some(("startsAt", serde_json::json!(s.starts_at))),
        )
        .await?;
        txn.commit().await?;
        notify::publish(&state.bus, pending).await;
        sent += 1;
    }
    Ok(sent)
}

/// Tells the mediators of each agreement signed `FOLLOW_UP_AFTER_DAYS` ago that its follow-up
/// is due (once).
pub async fn follow_ups_due(state: &Services) -> AppResult<usize> {
    let at = now();
    let due = mediation_case::Entity::find()
        .filter(mediation_case::Column::Status.eq(CaseStatus::Agreed))
        .filter(mediation_case::Column::FollowUpNotifiedAt.is_null())
        .filter(
            mediation_case::Column::ResolvedAt
                .lte(at - Duration::days(rules::FOLLOW_UP_AFTER_DAYS)),
        )
        .limit(100)
        .all(&state.db)
        .await?;
    let mut sent = 0;
    for c in due {
        let txn = state.db.begin().await?;
        let claimed = mediation_case::Entity::update_many()
            .col_expr(mediation_case::Column::FollowUpNotifiedAt, Expr::value(at))
            .filter(mediation_case::Column::Id.eq(c.id.clone()))
            .filter(mediation_case::Column::FollowUpNotifiedAt.is_null())
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
        if !claimed {
            txn.commit().await?;
            continue;
        }
        let mediators = case_residents(&txn, &c.id, false).await?;
        let accounts = active_accounts(&txn, mediators).await?;
        let pending =
            tell_accounts(&txn, &c, &accounts, NotificationKind::CaseFollowUpDue, None).await?;
        txn.commit().await?;
        notify::publish(&state.bus, pending).await;
        sent += 1;
    }
    Ok(sent)
}

/// The case's current mediators, and its parties too when `parties`.
async fn case_residents<C: ConnectionTrait>(
    conn: &C,
    case_id: &str,
    parties: bool,
) -> AppResult<Vec<String>> {
    let assigned: Vec<String> = case_mediator::Entity::find()
        .select_only()
        .column(case_mediator::Column::ResidentId)
        .filter(case_mediator::Column::CaseId.eq(case_id))
        .into_tuple()
        .all(conn)
        .await?;
    // Only those who still act as mediators (a revoked one is told nothing more).
    let mut ids: Vec<String> = super::service::current_mediators(conn, assigned)
        .await?
        .into_iter()
        .collect();
    if parties {
        let p: Vec<String> = case_party::Entity::find()
            .select_only()
            .column(case_party::Column::ResidentId)
            .filter(case_party::Column::CaseId.eq(case_id))
            .into_tuple()
            .all(conn)
            .await?;
        ids.extend(p);
    }
    Ok(ids)
}
