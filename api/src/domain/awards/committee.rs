//! The committee's acts: create a campaign, end a phase early, shortlist, prepare a category's
//! public vote, announce. Each is audited.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{award_campaign, award_category, ballot, nomination};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};

use super::read;
use super::rules::{
    self, CampaignAct, CampaignPhase, CategoryInput, NominationAct, NominationStatus,
};
use super::service::*;
use crate::auth::Viewer;
use crate::domain::audit::{self, AuditAction};
use crate::domain::notify::{self, NotificationKind};
use crate::domain::{new_id, now, roles};
use crate::error::{AppError, AppResult};
use crate::state::Services;

/// `createAwardCampaign`'s input, as the domain takes it.
pub struct NewCampaign {
    pub community_id: String,
    pub title: String,
    pub year: i32,
    pub endorsement_threshold: i32,
    pub categories: Vec<CategoryInput>,
    pub nominate_until: DateTime<Utc>,
    pub endorse_until: DateTime<Utc>,
    pub review_until: DateTime<Utc>,
}

/// The viewer as the community's committee: NOT_FOUND outside the community, FORBIDDEN for
/// anyone else in it.
async fn require_committee<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    community_id: &str,
) -> AppResult<Viewing> {
    roles::require_resident(conn, viewer, community_id).await?;
    let v = viewing(conn, viewer, community_id).await?;
    if v.committee {
        Ok(v)
    } else {
        Err(AppError::Forbidden)
    }
}

pub async fn create(
    state: &Services,
    viewer: &Viewer,
    input: NewCampaign,
) -> AppResult<CampaignView> {
    let txn = state.db.begin().await?;
    let viewing = require_committee(&txn, viewer, &input.community_id).await?;
    let at = now();
    let title = rules::title(&input.title)?;
    let year = rules::year(input.year, at)?;
    let threshold = rules::threshold(input.endorsement_threshold)?;
    let categories = rules::categories(&input.categories)?;
    rules::windows(
        at,
        input.nominate_until,
        input.endorse_until,
        input.review_until,
    )?;
    let c = award_campaign::ActiveModel {
        id: Set(new_id()),
        community_id: Set(input.community_id.clone()),
        title: Set(title),
        year: Set(year),
        endorsement_threshold: Set(threshold),
        nominate_until: Set(input.nominate_until),
        endorse_until: Set(input.endorse_until),
        review_until: Set(input.review_until),
        announced_at: Set(None),
        created_by: Set(viewer.id().to_owned()),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(&txn)
    .await?;
    let rows: Vec<award_category::ActiveModel> = categories
        .iter()
        .enumerate()
        .map(|(i, k)| award_category::ActiveModel {
            id: Set(new_id()),
            campaign_id: Set(c.id.clone()),
            position: Set(i as i32),
            name: Set(k.name.clone()),
            nominee_kind: Set(k.nominee_kind),
            winners: Set(k.winners),
        })
        .collect();
    award_category::Entity::insert_many(rows).exec(&txn).await?;
    audit::append(
        &txn,
        &state.audit,
        audit::Entry {
            actor_id: Some(viewer.id()),
            community_id: Some(&c.community_id),
            action: AuditAction::CampaignCreate,
            subject: &c.id,
            details: serde_json::json!({
                "title": c.title, "year": c.year, "endorsementThreshold": threshold,
                "categories": categories.iter().map(|k| serde_json::json!({
                    "name": k.name, "nomineeKind": k.nominee_kind, "winners": k.winners,
                })).collect::<Vec<_>>(),
                "nominateUntil": c.nominate_until.to_rfc3339(),
                "endorseUntil": c.endorse_until.to_rfc3339(),
                "reviewUntil": c.review_until.to_rfc3339(),
            }),
        },
    )
    .await?;
    let view = campaign_views(&txn, &viewing, vec![c]).await?.pop();
    txn.commit().await?;
    view.ok_or(AppError::NotFound)
}

/// Ends the current phase now: NOMINATING → ENDORSING, ENDORSING → REVIEWING (INVALID_STATE
/// in REVIEWING: the campaign stays there until announced).
pub async fn advance(
    state: &Services,
    viewer: &Viewer,
    campaign_id: &str,
) -> AppResult<CampaignView> {
    let txn = state.db.begin().await?;
    let v = campaign(&txn, viewer, campaign_id, true).await?;
    v.require(CampaignAct::Advance)?;
    let at = now();
    let column = match v.phase {
        CampaignPhase::Nominating => award_campaign::Column::NominateUntil,
        _ => award_campaign::Column::EndorseUntil,
    };
    award_campaign::Entity::update_many()
        .col_expr(column, Expr::value(at))
        .col_expr(award_campaign::Column::UpdatedAt, Expr::value(at))
        .filter(award_campaign::Column::Id.eq(campaign_id))
        .exec(&txn)
        .await?;
    audit::append(
        &txn,
        &state.audit,
        audit::Entry {
            actor_id: Some(viewer.id()),
            community_id: Some(&v.campaign.community_id),
            action: AuditAction::CampaignAdvance,
            subject: campaign_id,
            details: serde_json::json!({ "ended": v.phase, "at": at.to_rfc3339() }),
        },
    )
    .await?;
    txn.commit().await?;
    read::campaign(&state.db, viewer, campaign_id).await
}

/// A qualified nomination goes on the shortlist, with the committee's note.
pub async fn shortlist(
    state: &Services,
    viewer: &Viewer,
    nomination_id: &str,
    note: Option<&str>,
) -> AppResult<NominationView> {
    let txn = state.db.begin().await?;
    let v = lock(&txn, viewer, nomination_id).await?;
    v.require(NominationAct::Shortlist)?;
    let note = rules::note(note)?;
    // A vote's options are fixed when it opens: the shortlist waits for it to close.
    if open_votes(&txn, &v.campaign.campaign.id, Some(&v.category.id)).await? > 0 {
        return Err(AppError::invalid_state(
            "a vote on this category is open; shortlist after it closes",
        ));
    }
    let at = now();
    nomination::Entity::update_many()
        .col_expr(
            nomination::Column::Status,
            Expr::value(NominationStatus::Shortlisted),
        )
        .col_expr(nomination::Column::ShortlistNote, Expr::value(note.clone()))
        .col_expr(nomination::Column::DecidedAt, Expr::value(at))
        .col_expr(nomination::Column::UpdatedAt, Expr::value(at))
        .filter(nomination::Column::Id.eq(nomination_id))
        .exec(&txn)
        .await?;
    audit::append(
        &txn,
        &state.audit,
        audit::Entry {
            actor_id: Some(viewer.id()),
            community_id: Some(&v.nomination.community_id),
            action: AuditAction::NominationShortlist,
            subject: nomination_id,
            details: serde_json::json!({ "campaignId": v.campaign.campaign.id, "note": note }),
        },
    )
    .await?;
    let mut accounts = nominator_accounts(&txn, &v.nomination).await?;
    accounts.extend(nominee_accounts(&txn, &v.nomination).await?);
    let pending = tell(
        &txn,
        viewer,
        &v,
        accounts,
        NotificationKind::NominationShortlisted,
    )
    .await?;
    super::act::done(state, txn, viewer, nomination_id, pending).await
}

/// Votes of the campaign (of one category, or any) still taking votes: OPEN and not yet due (a
/// due one is closed by the next read or the background job, and takes no more votes).
async fn open_votes<C: ConnectionTrait>(
    conn: &C,
    campaign_id: &str,
    category_id: Option<&str>,
) -> AppResult<u64> {
    let mut q = ballot::Entity::find()
        .filter(ballot::Column::CampaignId.eq(campaign_id))
        .filter(ballot::Column::Status.eq(ballot::BallotStatus::Open))
        .filter(ballot::Column::ClosesAt.gt(now()));
    if let Some(category) = category_id {
        q = q.filter(ballot::Column::CategoryId.eq(category));
    }
    Ok(q.count(conn).await?)
}

/// What decides where a campaign's public votes may open: shortlisted nominations by category,
/// the categories with a vote open, and how many ballots each category has had.
#[derive(Clone, Debug, Default)]
pub struct VoteState {
    pub shortlisted: HashMap<String, i64>,
    pub open: HashSet<String>,
    pub ballots: HashMap<String, u64>,
}

/// A campaign ballot's campaign, category, status and closing time.
type CategoryBallot = (
    Option<String>,
    Option<String>,
    ballot::BallotStatus,
    DateTime<Utc>,
);

/// The vote state of several campaigns (a list page's), in two statements whatever their number.
pub async fn vote_states<C: ConnectionTrait>(
    conn: &C,
    campaign_ids: &[String],
) -> AppResult<HashMap<String, VoteState>> {
    let mut out: HashMap<String, VoteState> = campaign_ids
        .iter()
        .map(|id| (id.clone(), VoteState::default()))
        .collect();
    let shortlisted: Vec<(String, String, i64)> = nomination::Entity::find()
        .select_only()
        .column(nomination::Column::CampaignId)
        .column(nomination::Column::CategoryId)
        .column_as(nomination::Column::Id.count(), "n")
        .filter(nomination::Column::CampaignId.is_in(campaign_ids.to_vec()))
        .filter(nomination::Column::Status.eq(NominationStatus::Shortlisted))
        .group_by(nomination::Column::CampaignId)
        .group_by(nomination::Column::CategoryId)
        .into_tuple()
        .all(conn)
        .await?;
    for (campaign, category, n) in shortlisted {
        out.entry(campaign)
            .or_default()
            .shortlisted
            .insert(category, n);
    }
    // Every ballot of these campaigns: at most `MAX_BALLOTS` a category.
    let ballots: Vec<CategoryBallot> = ballot::Entity::find()
        .select_only()
        .column(ballot::Column::CampaignId)
        .column(ballot::Column::CategoryId)
        .column(ballot::Column::Status)
        .column(ballot::Column::ClosesAt)
        .filter(ballot::Column::CampaignId.is_in(campaign_ids.to_vec()))
        .into_tuple()
        .all(conn)
        .await?;
    let at = now();
    for (campaign, category, status, closes_at) in ballots {
        if let (Some(campaign), Some(category)) = (campaign, category) {
            let state = out.entry(campaign).or_default();
            *state.ballots.entry(category.clone()).or_default() += 1;
            if crate::domain::ballot::service::open_at(status, closes_at, at) {
                state.open.insert(category);
            }
        }
    }
    Ok(out)
}

/// The categories of a campaign on which the viewer may open a public vote now (the rule
/// `ballot_for` enforces), in the campaign's order; none unless the campaign allows the act.
pub fn vote_categories(v: &CampaignView, state: &VoteState) -> Vec<String> {
    if v.require(CampaignAct::OpenBallot).is_err() {
        return Vec::new();
    }
    v.categories
        .iter()
        .filter(|c| {
            let n = state.shortlisted.get(&c.id).copied().unwrap_or(0) as usize;
            let had = state.ballots.get(&c.id).copied().unwrap_or(0);
            rules::check_category_vote(n, state.open.contains(&c.id), had).is_ok()
        })
        .map(|c| c.id.clone())
        .collect()
}

/// What a category's public vote is made of: one option per shortlisted nomination (labelled
/// with the nominee) and the category's number of winners.
pub struct CampaignBallot {
    pub community_id: String,
    pub campaign_id: String,
    pub category_id: String,
    /// (label, nomination id), in the order they were nominated.
    pub options: Vec<(String, String)>,
    pub winners: i32,
}

/// Checks that the committee may open a public vote on the category now and gathers its
/// options: REVIEWING, two or more shortlisted nominations, no other open vote on it. Locks the
/// campaign's row (an announcement waits for the vote to be opened, or the vote sees it).
pub async fn ballot_for<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    campaign_id: &str,
    category_id: Option<&str>,
) -> AppResult<CampaignBallot> {
    let v = campaign(conn, viewer, campaign_id, true).await?;
    v.require(CampaignAct::OpenBallot)?;
    let category_id = category_id.ok_or_else(|| {
        AppError::bad_input("categoryId", "a campaign ballot is for one category")
    })?;
    let category = v.category(category_id)?.clone();
    // The category's ballots (at most `MAX_BALLOTS`), read under the campaign's lock
    // (`campaign(…, true)`): two openings cannot both take the last place or both open a vote.
    let had: Vec<(ballot::BallotStatus, DateTime<Utc>)> = ballot::Entity::find()
        .select_only()
        .column(ballot::Column::Status)
        .column(ballot::Column::ClosesAt)
        .filter(ballot::Column::CampaignId.eq(campaign_id))
        .filter(ballot::Column::CategoryId.eq(category_id))
        .into_tuple()
        .all(conn)
        .await?;
    let at = now();
    let vote_open = had.iter().any(|(status, closes_at)| {
        crate::domain::ballot::service::open_at(*status, *closes_at, at)
    });
    let ballots = had.len() as u64;
    let shortlisted = nomination::Entity::find()
        .filter(nomination::Column::CategoryId.eq(category_id))
        .filter(nomination::Column::Status.eq(NominationStatus::Shortlisted))
        .order_by_asc(nomination::Column::CreatedAt)
        .order_by_asc(nomination::Column::Id)
        .all(conn)
        .await?;
    rules::check_category_vote(shortlisted.len(), vote_open, ballots)?;
    let nominees: Vec<_> = shortlisted
        .iter()
        .map(|n| (n.nominee_kind, n.nominee_id.clone()))
        .collect();
    let names = nominee_names(conn, &nominees).await?;
    Ok(CampaignBallot {
        community_id: v.campaign.community_id.clone(),
        campaign_id: campaign_id.to_owned(),
        category_id: category.id.clone(),
        options: shortlisted
            .into_iter()
            .map(|n| (names.get(&n.nominee_id).cloned().unwrap_or_default(), n.id))
            .collect(),
        winners: category.winners,
    })
}

/// Announces the winners: the named nominations become AWARDED (each a QUALIFIED or SHORTLISTED
/// nomination of the campaign, no category over its places), every other public one
/// NOT_SELECTED, and the campaign ANNOUNCED. Once only (INVALID_STATE after); not while a vote
/// of the campaign is still open.
pub async fn announce(
    state: &Services,
    viewer: &Viewer,
    campaign_id: &str,
    nomination_ids: &[String],
) -> AppResult<CampaignView> {
    let txn = state.db.begin().await?;
    let v = campaign(&txn, viewer, campaign_id, true).await?;
    v.require(CampaignAct::Announce)?;
    if open_votes(&txn, campaign_id, None).await? > 0 {
        return Err(AppError::invalid_state(
            "a vote of this campaign is still open; close it first",
        ));
    }
    let all = nomination::Entity::find()
        .filter(nomination::Column::CampaignId.eq(campaign_id))
        .all(&txn)
        .await?;
    let found: HashMap<String, (String, NominationStatus)> = all
        .iter()
        .map(|n| (n.id.clone(), (n.category_id.clone(), n.status)))
        .collect();
    let winners: HashMap<String, i32> = v
        .categories
        .iter()
        .map(|c| (c.id.clone(), c.winners))
        .collect();
    rules::check_winners(nomination_ids, &found, &winners)?;
    let chosen: HashSet<&String> = nomination_ids.iter().collect();
    let at = now();
    if !nomination_ids.is_empty() {
        nomination::Entity::update_many()
            .col_expr(
                nomination::Column::Status,
                Expr::value(NominationStatus::Awarded),
            )
            .col_expr(nomination::Column::DecidedAt, Expr::value(at))
            .col_expr(nomination::Column::UpdatedAt, Expr::value(at))
            .filter(nomination::Column::Id.is_in(nomination_ids.iter().cloned()))
            .exec(&txn)
            .await?;
    }
    let rest: Vec<String> = all
        .iter()
        .filter(|n| !chosen.contains(&n.id))
        .filter(|n| {
            matches!(
                n.status,
                NominationStatus::Open
                    | NominationStatus::Qualified
                    | NominationStatus::Shortlisted
            )
        })
        .map(|n| n.id.clone())
        .collect();
    if !rest.is_empty() {
        nomination::Entity::update_many()
            .col_expr(
                nomination::Column::Status,
                Expr::value(NominationStatus::NotSelected),
            )
            .col_expr(nomination::Column::DecidedAt, Expr::value(at))
            .col_expr(nomination::Column::UpdatedAt, Expr::value(at))
            .filter(nomination::Column::Id.is_in(rest))
            .exec(&txn)
            .await?;
    }
    let updated = award_campaign::Entity::update_many()
        .col_expr(award_campaign::Column::AnnouncedAt, Expr::value(at))
        .col_expr(award_campaign::Column::UpdatedAt, Expr::value(at))
        .filter(award_campaign::Column::Id.eq(campaign_id))
        .filter(award_campaign::Column::AnnouncedAt.is_null())
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(AppError::invalid_state("the campaign is already announced"));
    }
    audit::append(
        &txn,
        &state.audit,
        audit::Entry {
            actor_id: Some(viewer.id()),
            community_id: Some(&v.campaign.community_id),
            action: AuditAction::AwardsAnnounce,
            subject: campaign_id,
            details: serde_json::json!({ "awarded": nomination_ids }),
        },
    )
    .await?;
    let viewing = viewing(&txn, viewer, &v.campaign.community_id).await?;
    let won: Vec<nomination::Model> = all.into_iter().filter(|n| chosen.contains(&n.id)).collect();
    let mut pending = Vec::new();
    for w in views(&txn, &viewing, won).await? {
        let mut accounts = nominator_accounts(&txn, &w.nomination).await?;
        accounts.extend(nominee_accounts(&txn, &w.nomination).await?);
        pending.extend(
            tell(
                &txn,
                viewer,
                &w,
                accounts,
                NotificationKind::NominationAwarded,
            )
            .await?,
        );
    }
    txn.commit().await?;
    notify::publish(&state.bus, pending).await;
    read::campaign(&state.db, viewer, campaign_id).await
}
