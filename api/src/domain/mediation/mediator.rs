//! The assigned mediators' acts: drafting the agreement, sessions, private notes, recording the
//! outside party's consent and paper signature, ending without agreement, the follow-up.

use chrono::{DateTime, Utc};
use entity::{case_note, case_session, mediation_case};
use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait,
};

use super::act::{agree_if_complete, check_version, outcome_audit, throttle};
use super::rules::{self, Act, CaseEntryKind, CaseStatus};
use super::service::*;
use crate::auth::Viewer;
use crate::domain::notify::NotificationKind;
use crate::domain::{new_id, now};
use crate::error::AppResult;
use crate::state::Services;

/// Drafts (or redrafts) the terms while IN_MEDIATION. Every redraft is a new version: the
/// signatures given so far are void. The parties and the other mediators are asked to sign.
pub async fn draft(
    state: &Services,
    viewer: &Viewer,
    case_id: &str,
    terms: &str,
) -> AppResult<CaseView> {
    let txn = state.db.begin().await?;
    let v = lock(&txn, viewer, case_id).await?;
    v.require(Act::Draft)?;
    throttle(&txn, viewer, "write", state.settings.write_limit).await?;
    let terms = rules::terms(terms)?;
    let at = now();
    apply(
        &txn,
        mediation_case::Entity::update_many()
            .col_expr(mediation_case::Column::Terms, Expr::value(terms))
            .col_expr(
                mediation_case::Column::TermsVersion,
                Expr::col(mediation_case::Column::TermsVersion).add(1),
            )
            .col_expr(mediation_case::Column::TermsDraftedAt, Expr::value(at))
            .col_expr(
                mediation_case::Column::OutsideSignedAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(mediation_case::Column::UpdatedAt, Expr::value(at))
            .filter(mediation_case::Column::Id.eq(case_id))
            .filter(mediation_case::Column::Status.eq(CaseStatus::InMediation)),
    )
    .await?;
    let me = v.me()?;
    entry(
        &txn,
        case_id,
        CaseEntryKind::AgreementDrafted,
        Some(&me),
        None,
    )
    .await?;
    let signers: Vec<String> = v.signers().into_iter().collect();
    let pending = tell(
        &txn,
        viewer,
        &v.case,
        signers,
        NotificationKind::CaseAgreementReady,
        None,
    )
    .await?;
    done(state, txn, viewer, case_id, pending).await
}

/// A session with its time and place while IN_MEDIATION; the parties and the other mediators
/// are told now and reminded the day before (`jobs`).
pub async fn schedule(
    state: &Services,
    viewer: &Viewer,
    case_id: &str,
    starts_at: DateTime<Utc>,
    place: &str,
    note: Option<&str>,
) -> AppResult<CaseView> {
    let txn = state.db.begin().await?;
    // The case row is locked, so two schedules at once cannot both take its last session.
    let v = lock(&txn, viewer, case_id).await?;
    v.require(Act::Schedule)?;
    throttle(&txn, viewer, "write", state.settings.write_limit).await?;
    let at = now();
    let starts_at = rules::session_start(starts_at, at)?;
    let place = rules::place(place)?;
    let note = rules::session_note(note)?;
    let me = v.me()?;
    case_session::ActiveModel {
        id: Set(new_id()),
        case_id: Set(case_id.to_owned()),
        starts_at: Set(starts_at),
        place: Set(place),
        note: Set(note),
        created_by: Set(me.clone()),
        created_at: Set(at),
        reminded_at: Set(None),
    }
    .insert(&txn)
    .await?;
    entry(
        &txn,
        case_id,
        CaseEntryKind::SessionScheduled,
        Some(&me),
        None,
    )
    .await?;
    touch(&txn, case_id).await?;
    let everyone = v.everyone();
    let pending = tell(
        &txn,
        viewer,
        &v.case,
        everyone,
        NotificationKind::CaseSessionScheduled,
        Some(("startsAt", serde_json::json!(starts_at))),
    )
    .await?;
    done(state, txn, viewer, case_id, pending).await
}

/// A private note: the assigned mediators read it, the parties and the committee never do.
pub async fn add_note(
    state: &Services,
    viewer: &Viewer,
    case_id: &str,
    body: &str,
) -> AppResult<CaseView> {
    let txn = state.db.begin().await?;
    let v = lock(&txn, viewer, case_id).await?;
    v.require(Act::Note)?;
    throttle(&txn, viewer, "write", state.settings.write_limit).await?;
    let body = rules::note(body)?;
    case_note::ActiveModel {
        id: Set(new_id()),
        case_id: Set(case_id.to_owned()),
        author_id: Set(v.me()?),
        body: Set(body),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    done(state, txn, viewer, case_id, Vec::new()).await
}

/// Records that the outside party consented on paper.
pub async fn record_outside_consent(
    state: &Services,
    viewer: &Viewer,
    case_id: &str,
) -> AppResult<CaseView> {
    let txn = state.db.begin().await?;
    let v = lock(&txn, viewer, case_id).await?;
    v.require(Act::OutsideConsent)?;
    apply(
        &txn,
        mediation_case::Entity::update_many()
            .col_expr(mediation_case::Column::OutsideConsentAt, Expr::value(now()))
            .filter(mediation_case::Column::Id.eq(case_id))
            .filter(mediation_case::Column::OutsideConsentAt.is_null()),
    )
    .await?;
    let me = v.me()?;
    entry(
        &txn,
        case_id,
        CaseEntryKind::OutsideConsent,
        Some(&me),
        None,
    )
    .await?;
    done(state, txn, viewer, case_id, Vec::new()).await
}

/// Records the outside party's paper signature of the current terms (`version` as for
/// `signAgreement`); with every other signature it makes the case AGREED.
pub async fn record_outside_signature(
    state: &Services,
    viewer: &Viewer,
    case_id: &str,
    version: Option<i32>,
) -> AppResult<CaseView> {
    let txn = state.db.begin().await?;
    let v = lock(&txn, viewer, case_id).await?;
    v.require(Act::OutsideSignature)?;
    check_version(&v, version)?;
    apply(
        &txn,
        mediation_case::Entity::update_many()
            .col_expr(mediation_case::Column::OutsideSignedAt, Expr::value(now()))
            .filter(mediation_case::Column::Id.eq(case_id))
            .filter(mediation_case::Column::TermsVersion.eq(v.case.terms_version))
            .filter(mediation_case::Column::OutsideSignedAt.is_null()),
    )
    .await?;
    let me = v.me()?;
    entry(&txn, case_id, CaseEntryKind::OutsideSigned, Some(&me), None).await?;
    let pending = agree_if_complete(state, &txn, viewer, &v).await?;
    done(state, txn, viewer, case_id, pending).await
}

/// IN_MEDIATION → FAILED: no agreement; the mediator names the channel to try next (audited).
pub async fn fail(
    state: &Services,
    viewer: &Viewer,
    case_id: &str,
    suggested_channel: &str,
) -> AppResult<CaseView> {
    let txn = state.db.begin().await?;
    let v = lock(&txn, viewer, case_id).await?;
    v.require(Act::Fail)?;
    let channel = rules::suggested_channel(suggested_channel)?;
    apply(
        &txn,
        transition(case_id, Act::Fail.allowed_in(), CaseStatus::Failed).col_expr(
            mediation_case::Column::FailureChannel,
            Expr::value(channel.clone()),
        ),
    )
    .await?;
    let me = v.me()?;
    entry(
        &txn,
        case_id,
        CaseEntryKind::Failed,
        Some(&me),
        Some(channel),
    )
    .await?;
    outcome_audit(state, &txn, viewer, &v, CaseStatus::Failed, None).await?;
    let everyone = v.everyone();
    let pending = tell(
        &txn,
        viewer,
        &v.case,
        everyone,
        NotificationKind::CaseFailed,
        None,
    )
    .await?;
    done(state, txn, viewer, case_id, pending).await
}

/// The follow-up of an agreement: fulfilled → FULFILLED (closed later), not fulfilled → CLOSED
/// at once with `fulfilled = false`; the note says what was found (audited).
pub async fn follow_up(
    state: &Services,
    viewer: &Viewer,
    case_id: &str,
    fulfilled: bool,
    note: &str,
) -> AppResult<CaseView> {
    let txn = state.db.begin().await?;
    let v = lock(&txn, viewer, case_id).await?;
    v.require(Act::FollowUp)?;
    let note = rules::follow_up_note(note)?;
    let to = if fulfilled {
        CaseStatus::Fulfilled
    } else {
        CaseStatus::Closed
    };
    apply(
        &txn,
        transition(case_id, &[CaseStatus::Agreed], to)
            .col_expr(mediation_case::Column::Fulfilled, Expr::value(fulfilled))
            .col_expr(
                mediation_case::Column::FollowUpNote,
                Expr::value(note.clone()),
            ),
    )
    .await?;
    let me = v.me()?;
    entry(
        &txn,
        case_id,
        CaseEntryKind::FollowedUp,
        Some(&me),
        Some(note),
    )
    .await?;
    if to == CaseStatus::Closed {
        entry(&txn, case_id, CaseEntryKind::Closed, Some(&me), None).await?;
    }
    outcome_audit(state, &txn, viewer, &v, to, Some(fulfilled)).await?;
    // A closed case invites the parties to rate it; a fulfilled one does when it is closed.
    let pending = match to {
        CaseStatus::Closed => {
            tell(
                &txn,
                viewer,
                &v.case,
                v.party_ids(),
                NotificationKind::CaseClosed,
                None,
            )
            .await?
        }
        _ => Vec::new(),
    };
    done(state, txn, viewer, case_id, pending).await
}
