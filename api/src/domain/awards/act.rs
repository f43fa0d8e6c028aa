//! The residents' acts: nominate, consent (the nominee), endorse. Each runs in one transaction:
//! lock what it changes, check the act (`rules`: FORBIDDEN, INVALID_STATE, CONFLICT), validate,
//! write, notify after commit.

use entity::{award_campaign, building, endorsement, household, nomination, resident};
use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
    TransactionTrait,
};

use super::read;
use super::rules::{self, CampaignAct, NominationAct, NominationStatus, NomineeKind};
use super::service::*;
use crate::auth::Viewer;
use crate::domain::notify::{self, NotificationKind, Pending};
use crate::domain::{new_id, now, rate_limit, roles};
use crate::error::{AppError, AppResult};
use crate::state::Services;

/// The household that may not endorse a nominee (and, for a resident, that resident's), after
/// checking that the nominee is of the community and of the category's kind: BAD_USER_INPUT on
/// `nomineeId` otherwise (the same answer for another community's id and an id of nothing).
async fn nominee_household<C: ConnectionTrait>(
    conn: &C,
    community_id: &str,
    kind: NomineeKind,
    nominee_id: &str,
) -> AppResult<Option<String>> {
    let wrong = || {
        AppError::bad_input(
            "nomineeId",
            match kind {
                NomineeKind::Household => "not a household of this community",
                NomineeKind::Building => "not a building of this community",
                NomineeKind::Resident => "not a resident of this community",
            },
        )
    };
    match kind {
        NomineeKind::Household => household::Entity::find_by_id(nominee_id.to_owned())
            .filter(household::Column::CommunityId.eq(community_id))
            .one(conn)
            .await?
            .map(|h| Some(h.id))
            .ok_or_else(wrong),
        NomineeKind::Building => building::Entity::find_by_id(nominee_id.to_owned())
            .filter(building::Column::CommunityId.eq(community_id))
            .one(conn)
            .await?
            .map(|_| None)
            .ok_or_else(wrong),
        NomineeKind::Resident => resident::Entity::find_by_id(nominee_id.to_owned())
            .filter(resident::Column::CommunityId.eq(community_id))
            .filter(roles::live_place())
            .one(conn)
            .await?
            .map(|r| Some(r.household_id))
            .ok_or_else(wrong),
    }
}

/// A second nomination of the nominee in the category: CONFLICT, naming the existing one once
/// it is public (so the portal can suggest endorsing it).
async fn duplicate<C: ConnectionTrait>(
    conn: &C,
    category_id: &str,
    nominee_id: &str,
) -> AppResult<Option<AppError>> {
    let existing = nomination::Entity::find()
        .filter(nomination::Column::CategoryId.eq(category_id))
        .filter(nomination::Column::NomineeId.eq(nominee_id))
        .one(conn)
        .await?;
    Ok(existing.map(|e| {
        let message = "this nominee is already nominated in this category";
        if e.status.is_public() {
            AppError::Duplicate {
                message: format!("{message}; endorse that nomination instead"),
                existing_id: e.id,
            }
        } else {
            AppError::conflict(message)
        }
    }))
}

/// A new nomination: OPEN for a building or a self-nomination, otherwise AWAITING_CONSENT with
/// the nominee asked. Nominating is not an endorsement.
pub async fn nominate(
    state: &Services,
    viewer: &Viewer,
    campaign_id: &str,
    category_id: &str,
    nominee_id: &str,
    story: &str,
) -> AppResult<NominationView> {
    // Counted outside the act's transaction, so that a refused attempt counts too: a CONFLICT
    // tells whether a nominee is already nominated, and must not be probed without limit.
    rate_limit::take(
        &state.db,
        &rate_limit::key("nominate", viewer.id()),
        state.settings.proposal_limit.max,
        state.settings.proposal_limit.window_secs,
    )
    .await?;
    let txn = state.db.begin().await?;
    // Shared: nominations of one campaign do not wait for each other, but for a phase change.
    let c = award_campaign::Entity::find_by_id(campaign_id.to_owned())
        .lock_shared()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let campaign = super::service::campaign(&txn, viewer, &c.id, false).await?;
    campaign.require(CampaignAct::Nominate)?;
    let category = campaign.category(category_id)?.clone();
    let story = rules::story(story)?;
    let nominee_household =
        nominee_household(&txn, &c.community_id, category.nominee_kind, nominee_id).await?;
    if let Some(e) = duplicate(&txn, &category.id, nominee_id).await? {
        return Err(e);
    }
    let me = roles::require_resident(&txn, viewer, &c.community_id).await?;
    let self_nominated = match category.nominee_kind {
        NomineeKind::Resident => nominee_id == me.id,
        NomineeKind::Household => nominee_id == me.household_id,
        NomineeKind::Building => false,
    };
    let status = rules::first_status(category.nominee_kind, self_nominated);
    let at = now();
    let n = nomination::ActiveModel {
        id: Set(new_id()),
        campaign_id: Set(c.id.clone()),
        category_id: Set(category.id.clone()),
        community_id: Set(c.community_id.clone()),
        nominee_kind: Set(category.nominee_kind),
        nominee_id: Set(nominee_id.to_owned()),
        nominee_household_id: Set(nominee_household),
        nominator_id: Set(me.id.clone()),
        story: Set(story),
        status: Set(status),
        endorsement_count: Set(0),
        shortlist_note: Set(None),
        consented_at: Set(self_nominated.then_some(at)),
        qualified_at: Set(None),
        decided_at: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(&txn)
    .await;
    let n = match n {
        Ok(n) => n,
        Err(e) if crate::db::is_unique_violation(&e) => {
            // Another nomination of the nominee landed meanwhile.
            return Err(AppError::conflict(
                "this nominee is already nominated in this category",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let viewing = viewing(&txn, viewer, &c.community_id).await?;
    let v = readable(views(&txn, &viewing, vec![n]).await?.pop())?;
    let pending = if status == NominationStatus::AwaitingConsent {
        let accounts = nominee_accounts(&txn, &v.nomination).await?;
        tell(
            &txn,
            viewer,
            &v,
            accounts,
            NotificationKind::NominationConsentRequested,
        )
        .await?
    } else {
        Vec::new()
    };
    done(state, txn, viewer, &v.nomination.id, pending).await
}

/// The nominee agrees (the nomination becomes OPEN, public) or declines (DECLINED; it stays
/// visible only to the nominator, the nominee and the committee).
pub async fn consent(
    state: &Services,
    viewer: &Viewer,
    nomination_id: &str,
    yes: bool,
) -> AppResult<NominationView> {
    let txn = state.db.begin().await?;
    let v = lock(&txn, viewer, nomination_id).await?;
    v.require(NominationAct::Consent)?;
    let at = now();
    let to = if yes {
        NominationStatus::Open
    } else {
        NominationStatus::Declined
    };
    nomination::Entity::update_many()
        .col_expr(nomination::Column::Status, Expr::value(to))
        .col_expr(
            nomination::Column::ConsentedAt,
            Expr::value(yes.then_some(at)),
        )
        .col_expr(nomination::Column::UpdatedAt, Expr::value(at))
        .filter(nomination::Column::Id.eq(nomination_id))
        .exec(&txn)
        .await?;
    let kind = if yes {
        NotificationKind::NominationPublic
    } else {
        NotificationKind::NominationDeclined
    };
    let accounts = nominator_accounts(&txn, &v.nomination).await?;
    let pending = tell(&txn, viewer, &v, accounts, kind).await?;
    done(state, txn, viewer, nomination_id, pending).await
}

/// One endorsement by the viewer. The count is exact under any concurrency (the nomination's
/// row is locked; the unique index holds one per resident), and the nomination turns QUALIFIED
/// once, by the endorsement that reaches the threshold.
pub async fn endorse(
    state: &Services,
    viewer: &Viewer,
    nomination_id: &str,
) -> AppResult<NominationView> {
    let txn = state.db.begin().await?;
    let v = lock(&txn, viewer, nomination_id).await?;
    v.require(NominationAct::Endorse)?;
    rate_limit::take(
        &txn,
        &rate_limit::key("endorse", viewer.id()),
        state.settings.write_limit.max,
        state.settings.write_limit.window_secs,
    )
    .await?;
    let me = roles::active_resident(&txn, viewer, &v.nomination.community_id)
        .await?
        .ok_or(AppError::Forbidden)?;
    endorsement::ActiveModel {
        id: Set(new_id()),
        nomination_id: Set(nomination_id.to_owned()),
        resident_id: Set(me.id.clone()),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await
    .map_err(crate::db::on_unique("you have already endorsed it"))?;
    let count = v.nomination.endorsement_count + 1;
    let qualifies = v.nomination.status == NominationStatus::Open
        && rules::qualifies(count, v.campaign.campaign.endorsement_threshold);
    let at = now();
    let mut update = nomination::Entity::update_many()
        .col_expr(
            nomination::Column::EndorsementCount,
            Expr::col(nomination::Column::EndorsementCount).add(1),
        )
        .col_expr(nomination::Column::UpdatedAt, Expr::value(at))
        .filter(nomination::Column::Id.eq(nomination_id));
    if qualifies {
        update = update
            .col_expr(
                nomination::Column::Status,
                Expr::value(NominationStatus::Qualified),
            )
            .col_expr(nomination::Column::QualifiedAt, Expr::value(at));
    }
    update.exec(&txn).await?;
    let pending = if qualifies {
        let mut accounts = nominator_accounts(&txn, &v.nomination).await?;
        accounts.extend(nominee_accounts(&txn, &v.nomination).await?);
        tell(
            &txn,
            viewer,
            &v,
            accounts,
            NotificationKind::NominationQualified,
        )
        .await?
    } else {
        Vec::new()
    };
    done(state, txn, viewer, nomination_id, pending).await
}

/// Ends an act: commits, announces the notifications, and answers with the nomination as the
/// viewer now sees it.
pub(super) async fn done(
    state: &Services,
    txn: sea_orm::DatabaseTransaction,
    viewer: &Viewer,
    nomination_id: &str,
    pending: Vec<Pending>,
) -> AppResult<NominationView> {
    txn.commit().await?;
    notify::publish(&state.bus, pending).await;
    read::nomination(&state.db, viewer, nomination_id).await
}
