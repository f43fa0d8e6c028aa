//! The parties' acts: filing, answering, withdrawing, signing, messages, rating. Each runs in one
//! transaction: lock the case (NOT_FOUND for anyone who may not read it), check the act
//! (`rules::check`: FORBIDDEN, INVALID_STATE or CONFLICT), validate, write the change with its
//! timeline line, audit row and notifications, publish after commit.

use std::collections::BTreeSet;

use chrono::Datelike;
use entity::{case_party, case_rating, case_signature, community, mediation_case};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect, Set, TransactionTrait,
};

use super::read;
use super::rules::{self, Act, CaseCategory, CaseEntryKind, CaseStatus, PartyRole};
use super::service::*;
use crate::auth::Viewer;
use crate::config::WriteLimit;
use crate::domain::audit;
use crate::domain::notify::{self, NotificationKind, Pending};
use crate::domain::topic::service::committee_accounts;
use crate::domain::{new_id, now, rate_limit, roles};
use crate::error::{AppError, AppResult};
use crate::state::Services;

/// Counts one write by the viewer's account (RATE_LIMITED beyond the limit).
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

/// `fileCase`'s input, as the domain takes it.
pub struct FileCase<'a> {
    pub community_id: &'a str,
    pub respondent_ids: &'a [String],
    pub outside_party: Option<&'a str>,
    pub category: CaseCategory,
    pub description: &'a str,
    pub desired_outcome: &'a str,
}

/// A new case, SUBMITTED, numbered in its community and year. The respondents must be live
/// residents of the community and not the applicant; with none, an outside party must be
/// described. The committee is told a case awaits its decision.
pub async fn file(state: &Services, viewer: &Viewer, input: FileCase<'_>) -> AppResult<CaseView> {
    let txn = state.db.begin().await?;
    let me = roles::require_resident(&txn, viewer, input.community_id).await?;
    throttle(&txn, viewer, "case", state.settings.proposal_limit).await?;
    let respondents = rules::id_list(
        "respondentIds",
        input.respondent_ids,
        0,
        rules::MAX_RESPONDENTS,
    )?;
    let outside_party = rules::outside_party(input.outside_party)?;
    if respondents.is_empty() && outside_party.is_none() {
        return Err(AppError::bad_input(
            "respondentIds",
            "name a respondent from the community or describe an outside party",
        ));
    }
    if respondents.contains(&me.id) {
        return Err(AppError::bad_input(
            "respondentIds",
            "you cannot be your own respondent",
        ));
    }
    let description = rules::description(input.description)?;
    let desired_outcome = rules::desired_outcome(input.desired_outcome)?;
    residents_of(&txn, input.community_id, &respondents, "respondentIds").await?;
    // The community row's lock serialises numbering in the community (SQLite has one writer);
    // the unique index (community, year, seq) holds it regardless. FOR NO KEY UPDATE does not
    // block the foreign-key checks of other rows that name the community.
    community::Entity::find_by_id(input.community_id.to_owned())
        .lock(sea_orm::sea_query::LockType::NoKeyUpdate)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let at = now();
    let year = at.year();
    let last: Option<i32> = mediation_case::Entity::find()
        .select_only()
        .column_as(mediation_case::Column::Seq.max(), "last")
        .filter(mediation_case::Column::CommunityId.eq(input.community_id))
        .filter(mediation_case::Column::Year.eq(year))
        .into_tuple::<Option<i32>>()
        .one(&txn)
        .await?
        .flatten();
    let seq = last.unwrap_or(0) + 1;
    let c = mediation_case::ActiveModel {
        id: Set(new_id()),
        community_id: Set(input.community_id.to_owned()),
        number: Set(rules::number(year, seq)),
        year: Set(year),
        seq: Set(seq),
        applicant_id: Set(me.id.clone()),
        outside_party: Set(outside_party),
        category: Set(input.category),
        description: Set(description),
        desired_outcome: Set(desired_outcome),
        status: Set(CaseStatus::Submitted),
        fulfilled: Set(None),
        decline_reason: Set(None),
        failure_channel: Set(None),
        follow_up_note: Set(None),
        outside_consent_at: Set(None),
        terms: Set(None),
        terms_version: Set(0),
        terms_drafted_at: Set(None),
        outside_signed_at: Set(None),
        accepted_at: Set(None),
        resolved_at: Set(None),
        closed_at: Set(None),
        follow_up_notified_at: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(&txn)
    .await
    .map_err(crate::db::on_unique(
        "another case took this number; try again",
    ))?;
    let party = |resident_id: &str, role: PartyRole| case_party::ActiveModel {
        id: Set(new_id()),
        case_id: Set(c.id.clone()),
        resident_id: Set(resident_id.to_owned()),
        role: Set(role),
        consent: Set(None),
        responded_at: Set(None),
        created_at: Set(at),
    };
    let mut rows = vec![party(&me.id, PartyRole::Applicant)];
    rows.extend(respondents.iter().map(|r| party(r, PartyRole::Respondent)));
    case_party::Entity::insert_many(rows).exec(&txn).await?;
    entry(&txn, &c.id, CaseEntryKind::Filed, Some(&me.id), None).await?;
    let committee: Vec<String> = committee_accounts(&txn, input.community_id)
        .await?
        .into_iter()
        .filter(|a| a != viewer.id())
        .collect();
    let pending = tell_accounts(&txn, &c, &committee, NotificationKind::CaseFiled, None).await?;
    txn.commit().await?;
    notify::publish(&state.bus, pending).await;
    tracing::info!(case_id = %c.id, "mediation case filed");
    read::get(&state.db, viewer, &c.id).await
}

/// A resident respondent's answer. A refusal ends the case (RESPONDENT_DECLINED); the last
/// consent starts mediation.
pub async fn respond(
    state: &Services,
    viewer: &Viewer,
    case_id: &str,
    consent: bool,
) -> AppResult<CaseView> {
    let txn = state.db.begin().await?;
    let v = lock(&txn, viewer, case_id).await?;
    v.require(Act::Respond)?;
    let me = v.me()?;
    let answered = case_party::Entity::update_many()
        .col_expr(case_party::Column::Consent, Expr::value(consent))
        .col_expr(case_party::Column::RespondedAt, Expr::value(now()))
        .filter(case_party::Column::CaseId.eq(case_id))
        .filter(case_party::Column::ResidentId.eq(me.clone()))
        .filter(case_party::Column::Role.eq(PartyRole::Respondent))
        .filter(case_party::Column::Consent.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    if answered != 1 {
        return Err(AppError::conflict("you have already answered"));
    }
    let everyone = v.everyone();
    let pending = if consent {
        entry(&txn, case_id, CaseEntryKind::Consented, Some(&me), None).await?;
        let waiting = case_party::Entity::find()
            .filter(case_party::Column::CaseId.eq(case_id))
            .filter(case_party::Column::Role.eq(PartyRole::Respondent))
            .filter(
                sea_orm::Condition::any()
                    .add(case_party::Column::Consent.is_null())
                    .add(case_party::Column::Consent.eq(false)),
            )
            .count(&txn)
            .await?;
        if waiting == 0 {
            apply(
                &txn,
                transition(case_id, &[CaseStatus::Accepted], CaseStatus::InMediation),
            )
            .await?;
            entry(&txn, case_id, CaseEntryKind::MediationStarted, None, None).await?;
            tell(
                &txn,
                viewer,
                &v.case,
                everyone,
                NotificationKind::CaseInMediation,
                None,
            )
            .await?
        } else {
            Vec::new()
        }
    } else {
        apply(
            &txn,
            transition(
                case_id,
                &[CaseStatus::Accepted],
                CaseStatus::RespondentDeclined,
            ),
        )
        .await?;
        entry(&txn, case_id, CaseEntryKind::Refused, Some(&me), None).await?;
        tell(
            &txn,
            viewer,
            &v.case,
            everyone,
            NotificationKind::CaseRespondentDeclined,
            None,
        )
        .await?
    };
    done(state, txn, viewer, case_id, pending).await
}

/// The applicant withdraws while SUBMITTED, ACCEPTED or IN_MEDIATION (audited).
pub async fn withdraw(state: &Services, viewer: &Viewer, case_id: &str) -> AppResult<CaseView> {
    let txn = state.db.begin().await?;
    let v = lock(&txn, viewer, case_id).await?;
    v.require(Act::Withdraw)?;
    let me = v.case.applicant_id.clone();
    apply(
        &txn,
        transition(case_id, Act::Withdraw.allowed_in(), CaseStatus::Withdrawn),
    )
    .await?;
    entry(&txn, case_id, CaseEntryKind::Withdrawn, Some(&me), None).await?;
    outcome_audit(state, &txn, viewer, &v, CaseStatus::Withdrawn, None).await?;
    let others = v.everyone();
    let pending = tell(
        &txn,
        viewer,
        &v.case,
        others,
        NotificationKind::CaseWithdrawn,
        None,
    )
    .await?;
    done(state, txn, viewer, case_id, pending).await
}

/// An audit row for a case's outcome (agreed, failed, withdrawn, followed up).
pub(super) async fn outcome_audit<C: ConnectionTrait>(
    state: &Services,
    conn: &C,
    viewer: &Viewer,
    v: &CaseView,
    outcome: CaseStatus,
    fulfilled: Option<bool>,
) -> AppResult<()> {
    audit::append(
        conn,
        &state.audit,
        audit::Entry {
            actor_id: Some(viewer.id()),
            community_id: Some(&v.case.community_id),
            action: audit::AuditAction::CaseOutcome,
            subject: &v.case.id,
            details: serde_json::json!({
                "number": v.case.number,
                "outcome": outcome,
                "fulfilled": fulfilled,
            }),
        },
    )
    .await?;
    Ok(())
}

/// A party or an assigned mediator signs the current terms. `version`, when given, is the
/// version the signer read: if the terms changed since, nothing is signed (INVALID_STATE).
/// The last signature (with the outside party's paper signature, if any) makes it AGREED.
pub async fn sign(
    state: &Services,
    viewer: &Viewer,
    case_id: &str,
    version: Option<i32>,
) -> AppResult<CaseView> {
    let txn = state.db.begin().await?;
    let v = lock(&txn, viewer, case_id).await?;
    v.require(Act::Sign)?;
    check_version(&v, version)?;
    let me = v.me()?;
    case_signature::ActiveModel {
        id: Set(new_id()),
        case_id: Set(case_id.to_owned()),
        signer_id: Set(me.clone()),
        version: Set(v.case.terms_version),
        signed_at: Set(now()),
    }
    .insert(&txn)
    .await
    .map_err(crate::db::on_unique("you have already signed these terms"))?;
    entry(&txn, case_id, CaseEntryKind::Signed, Some(&me), None).await?;
    let pending = agree_if_complete(state, &txn, viewer, &v).await?;
    done(state, txn, viewer, case_id, pending).await
}

pub(super) fn check_version(v: &CaseView, version: Option<i32>) -> AppResult<()> {
    match version {
        Some(seen) if seen != v.case.terms_version => Err(AppError::invalid_state(
            "the terms changed since you read them; read them again before signing",
        )),
        _ => Ok(()),
    }
}

/// IN_MEDIATION → AGREED once every party and mediator signed the current terms (and the
/// outside party's paper signature is recorded, if there is one). Runs under the case's lock.
pub(super) async fn agree_if_complete<C: ConnectionTrait>(
    state: &Services,
    conn: &C,
    viewer: &Viewer,
    v: &CaseView,
) -> AppResult<Vec<Pending>> {
    let c = reload(conn, &v.case.id).await?;
    let signed: BTreeSet<String> = case_signature::Entity::find()
        .select_only()
        .column(case_signature::Column::SignerId)
        .filter(case_signature::Column::CaseId.eq(c.id.clone()))
        .filter(case_signature::Column::Version.eq(c.terms_version))
        .into_tuple::<String>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    if !rules::all_signed(
        &v.signers(),
        &signed,
        c.outside_party.is_some(),
        c.outside_signed_at.is_some(),
    ) {
        return Ok(Vec::new());
    }
    apply(
        conn,
        transition(&c.id, &[CaseStatus::InMediation], CaseStatus::Agreed),
    )
    .await?;
    entry(conn, &c.id, CaseEntryKind::Agreed, None, None).await?;
    outcome_audit(state, conn, viewer, v, CaseStatus::Agreed, None).await?;
    let everyone = v.everyone();
    tell(
        conn,
        viewer,
        &c,
        everyone,
        NotificationKind::CaseAgreed,
        None,
    )
    .await
}

/// A message on the timeline, seen by the parties and mediators (who are told).
pub async fn post_message(
    state: &Services,
    viewer: &Viewer,
    case_id: &str,
    body: &str,
) -> AppResult<CaseView> {
    let txn = state.db.begin().await?;
    let v = lock(&txn, viewer, case_id).await?;
    v.require(Act::Message)?;
    throttle(&txn, viewer, "write", state.settings.write_limit).await?;
    let body = rules::message(body)?;
    let me = v.me()?;
    entry(&txn, case_id, CaseEntryKind::Message, Some(&me), Some(body)).await?;
    touch(&txn, case_id).await?;
    let others = v.everyone();
    let pending = tell(
        &txn,
        viewer,
        &v.case,
        others,
        NotificationKind::CaseMessage,
        None,
    )
    .await?;
    done(state, txn, viewer, case_id, pending).await
}

/// A party rates a closed case's mediation 1–5, once.
pub async fn rate(
    state: &Services,
    viewer: &Viewer,
    case_id: &str,
    stars: i32,
) -> AppResult<CaseView> {
    let txn = state.db.begin().await?;
    let v = lock(&txn, viewer, case_id).await?;
    v.require(Act::Rate)?;
    let stars = rules::stars(stars)?;
    let me = v.me()?;
    case_rating::ActiveModel {
        id: Set(new_id()),
        case_id: Set(case_id.to_owned()),
        resident_id: Set(me),
        stars: Set(stars),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await
    .map_err(crate::db::on_unique(
        "you have already rated this mediation",
    ))?;
    done(state, txn, viewer, case_id, Vec::new()).await
}
