//! The committee's acts: accept with mediators, decline with a reason, reassign mediators,
//! close, and the community's overdue setting. Accepting, declining, assigning and closing are
//! audited.

use std::collections::BTreeSet;

use entity::{case_mediator, community, mediation_case};
use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait,
};

use super::read;
use super::rules::{self, Act, CaseEntryKind, CaseStatus};
use super::service::*;
use crate::auth::Viewer;
use crate::domain::audit;
use crate::domain::notify::NotificationKind;
use crate::domain::topic::service::can_moderate_topics;
use crate::domain::{new_id, now};
use crate::error::{AppError, AppResult};
use crate::state::Services;

/// Mediators for a case: 1–5 live residents of the community holding MEDIATOR, none a party.
async fn checked_mediators<C: sea_orm::ConnectionTrait>(
    conn: &C,
    v: &CaseView,
    mediator_ids: &[String],
) -> AppResult<BTreeSet<String>> {
    let ids = rules::id_list("mediatorIds", mediator_ids, 1, rules::MAX_MEDIATORS)?;
    if v.party_ids().iter().any(|p| ids.contains(p)) {
        return Err(AppError::bad_input(
            "mediatorIds",
            "a party to the case cannot mediate it",
        ));
    }
    let found = residents_of(conn, &v.case.community_id, &ids, "mediatorIds").await?;
    require_mediators(conn, &found).await?;
    Ok(ids)
}

async fn insert_mediators<C: sea_orm::ConnectionTrait>(
    conn: &C,
    case_id: &str,
    ids: impl IntoIterator<Item = String>,
) -> AppResult<()> {
    let at = now();
    let rows: Vec<case_mediator::ActiveModel> = ids
        .into_iter()
        .map(|id| case_mediator::ActiveModel {
            id: Set(new_id()),
            case_id: Set(case_id.to_owned()),
            resident_id: Set(id),
            assigned_at: Set(at),
        })
        .collect();
    if !rows.is_empty() {
        case_mediator::Entity::insert_many(rows).exec(conn).await?;
    }
    Ok(())
}

async fn assign_audit<C: sea_orm::ConnectionTrait>(
    state: &Services,
    conn: &C,
    viewer: &Viewer,
    v: &CaseView,
    action: audit::AuditAction,
    mediators: &BTreeSet<String>,
) -> AppResult<()> {
    audit::append(
        conn,
        &state.audit,
        audit::Entry {
            actor_id: Some(viewer.id()),
            community_id: Some(&v.case.community_id),
            action,
            subject: &v.case.id,
            details: serde_json::json!({ "number": v.case.number, "mediatorIds": mediators }),
        },
    )
    .await?;
    Ok(())
}

/// SUBMITTED → ACCEPTED with mediators (straight to IN_MEDIATION when no resident respondent has
/// to consent). The applicant is told, the mediators are assigned, the respondents are asked
/// for consent.
pub async fn accept(
    state: &Services,
    viewer: &Viewer,
    case_id: &str,
    mediator_ids: &[String],
) -> AppResult<CaseView> {
    let txn = state.db.begin().await?;
    let v = lock(&txn, viewer, case_id).await?;
    v.require(Act::Accept)?;
    let mediators = checked_mediators(&txn, &v, mediator_ids).await?;
    let respondents: Vec<String> = v.respondents().map(|p| p.person.id.clone()).collect();
    let to = rules::accepted_status(respondents.len());
    apply(
        &txn,
        transition(case_id, &[CaseStatus::Submitted], to)
            .col_expr(mediation_case::Column::AcceptedAt, Expr::value(now())),
    )
    .await?;
    insert_mediators(&txn, case_id, mediators.iter().cloned()).await?;
    let me = v.me()?;
    entry(&txn, case_id, CaseEntryKind::Accepted, Some(&me), None).await?;
    entry(
        &txn,
        case_id,
        CaseEntryKind::MediatorsAssigned,
        Some(&me),
        None,
    )
    .await?;
    if to == CaseStatus::InMediation {
        entry(&txn, case_id, CaseEntryKind::MediationStarted, None, None).await?;
    }
    assign_audit(
        state,
        &txn,
        viewer,
        &v,
        audit::AuditAction::CaseAccept,
        &mediators,
    )
    .await?;
    let mut pending = tell(
        &txn,
        viewer,
        &v.case,
        [v.case.applicant_id.clone()],
        NotificationKind::CaseAccepted,
        None,
    )
    .await?;
    pending.extend(
        tell(
            &txn,
            viewer,
            &v.case,
            mediators.iter().cloned(),
            NotificationKind::CaseAssigned,
            None,
        )
        .await?,
    );
    pending.extend(
        tell(
            &txn,
            viewer,
            &v.case,
            respondents,
            NotificationKind::CaseConsentRequested,
            None,
        )
        .await?,
    );
    done(state, txn, viewer, case_id, pending).await
}

/// SUBMITTED → DECLINED with a reason the applicant reads (e.g. referred to the police or a
/// court).
pub async fn decline(
    state: &Services,
    viewer: &Viewer,
    case_id: &str,
    reason: &str,
) -> AppResult<CaseView> {
    let txn = state.db.begin().await?;
    let v = lock(&txn, viewer, case_id).await?;
    v.require(Act::Decline)?;
    let reason = rules::reason(reason)?;
    apply(
        &txn,
        transition(case_id, &[CaseStatus::Submitted], CaseStatus::Declined).col_expr(
            mediation_case::Column::DeclineReason,
            Expr::value(reason.clone()),
        ),
    )
    .await?;
    let me = v.me()?;
    entry(
        &txn,
        case_id,
        CaseEntryKind::Declined,
        Some(&me),
        Some(reason),
    )
    .await?;
    audit::append(
        &txn,
        &state.audit,
        audit::Entry {
            actor_id: Some(viewer.id()),
            community_id: Some(&v.case.community_id),
            action: audit::AuditAction::CaseDecline,
            subject: case_id,
            details: serde_json::json!({ "number": v.case.number }),
        },
    )
    .await?;
    // Only the applicant is told: respondents were never asked, and the reason may concern
    // the applicant alone.
    let pending = tell(
        &txn,
        viewer,
        &v.case,
        [v.case.applicant_id.clone()],
        NotificationKind::CaseDeclined,
        None,
    )
    .await?;
    done(state, txn, viewer, case_id, pending).await
}

/// Replaces the case's mediators while ACCEPTED or IN_MEDIATION. A changed set of signers voids
/// the signatures given so far (the terms get a new version). New mediators are told.
pub async fn assign(
    state: &Services,
    viewer: &Viewer,
    case_id: &str,
    mediator_ids: &[String],
) -> AppResult<CaseView> {
    let txn = state.db.begin().await?;
    let v = lock(&txn, viewer, case_id).await?;
    v.require(Act::Assign)?;
    let mediators = checked_mediators(&txn, &v, mediator_ids).await?;
    let before: BTreeSet<String> = v.mediator_ids().into_iter().collect();
    if before == mediators {
        txn.commit().await?;
        return read::get(&state.db, viewer, case_id).await;
    }
    case_mediator::Entity::delete_many()
        .filter(case_mediator::Column::CaseId.eq(case_id))
        .filter(case_mediator::Column::ResidentId.is_not_in(mediators.iter().cloned()))
        .exec(&txn)
        .await?;
    let added: Vec<String> = mediators.difference(&before).cloned().collect();
    insert_mediators(&txn, case_id, added.clone()).await?;
    // Terms not yet agreed are signed again under the new mediators; a signed agreement stays.
    if v.case.terms.is_some() && v.case.status == CaseStatus::InMediation {
        mediation_case::Entity::update_many()
            .col_expr(
                mediation_case::Column::TermsVersion,
                Expr::col(mediation_case::Column::TermsVersion).add(1),
            )
            .col_expr(
                mediation_case::Column::OutsideSignedAt,
                Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
            )
            .filter(mediation_case::Column::Id.eq(case_id))
            .exec(&txn)
            .await?;
    }
    touch(&txn, case_id).await?;
    let me = v.me()?;
    entry(
        &txn,
        case_id,
        CaseEntryKind::MediatorsAssigned,
        Some(&me),
        None,
    )
    .await?;
    assign_audit(
        state,
        &txn,
        viewer,
        &v,
        audit::AuditAction::CaseAssign,
        &mediators,
    )
    .await?;
    let pending = tell(
        &txn,
        viewer,
        &v.case,
        added,
        NotificationKind::CaseAssigned,
        None,
    )
    .await?;
    done(state, txn, viewer, case_id, pending).await
}

/// DECLINED, RESPONDENT_DECLINED, FAILED, WITHDRAWN or FULFILLED → CLOSED, by an assigned
/// mediator or the committee (audited); the parties are invited to rate it.
pub async fn close(state: &Services, viewer: &Viewer, case_id: &str) -> AppResult<CaseView> {
    let txn = state.db.begin().await?;
    let v = lock(&txn, viewer, case_id).await?;
    v.require(Act::Close)?;
    apply(
        &txn,
        transition(case_id, Act::Close.allowed_in(), CaseStatus::Closed),
    )
    .await?;
    let me = v.me()?;
    entry(&txn, case_id, CaseEntryKind::Closed, Some(&me), None).await?;
    audit::append(
        &txn,
        &state.audit,
        audit::Entry {
            actor_id: Some(viewer.id()),
            community_id: Some(&v.case.community_id),
            action: audit::AuditAction::CaseClose,
            subject: case_id,
            details: serde_json::json!({ "number": v.case.number, "from": v.case.status }),
        },
    )
    .await?;
    let pending = tell(
        &txn,
        viewer,
        &v.case,
        v.party_ids(),
        NotificationKind::CaseClosed,
        None,
    )
    .await?;
    done(state, txn, viewer, case_id, pending).await
}

/// After how many days an unresolved case is overdue (committee; audited).
pub async fn set_overdue_days(
    state: &Services,
    viewer: &Viewer,
    community_id: &str,
    days: i32,
) -> AppResult<community::Model> {
    let txn = state.db.begin().await?;
    can_moderate_topics(&txn, viewer, community_id).await?;
    let days = rules::overdue_days(days)?;
    let before = community::Entity::find_by_id(community_id.to_owned())
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    community::Entity::update_many()
        .col_expr(community::Column::CaseOverdueDays, Expr::value(days))
        .filter(community::Column::Id.eq(community_id))
        .exec(&txn)
        .await?;
    audit::append(
        &txn,
        &state.audit,
        audit::Entry {
            actor_id: Some(viewer.id()),
            community_id: Some(community_id),
            action: audit::AuditAction::CommunitySettings,
            subject: community_id,
            details: serde_json::json!({
                "caseOverdueDays": days,
                "previousCaseOverdueDays": before.case_overdue_days,
            }),
        },
    )
    .await?;
    let after = community::Entity::find_by_id(community_id.to_owned())
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    txn.commit().await?;
    Ok(after)
}
