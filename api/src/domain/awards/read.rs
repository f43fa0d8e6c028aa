//! Reading awards: campaigns, one campaign's nominations, one nomination, the consent requests
//! waiting for the viewer, the honour roll, and the nominees a resident may choose. Every list
//! is one statement for its rows plus a constant number for what the rows show.

use chrono::{DateTime, Utc};
use entity::{award_campaign, building, household, nomination, resident};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait,
};

use super::rules::{NominationStatus, NomineeKind};
use super::service::*;
use crate::auth::Viewer;
use crate::domain::{now, rate_limit, roles};
use crate::error::{AppError, AppResult};
use crate::state::Services;

/// How many nominees a search answers at most.
pub const NOMINEES_MAX: u64 = 20;

pub async fn campaign(
    db: &DatabaseConnection,
    viewer: &Viewer,
    campaign_id: &str,
) -> AppResult<CampaignView> {
    super::service::campaign(db, viewer, campaign_id, false).await
}

/// A campaign's public votes, oldest first (the caller holds the campaign's view, so the viewer
/// may read it).
pub async fn votes<C: sea_orm::ConnectionTrait>(
    conn: &C,
    v: &CampaignView,
) -> AppResult<Vec<entity::ballot::Model>> {
    Ok(entity::ballot::Entity::find()
        .filter(entity::ballot::Column::CampaignId.eq(v.campaign.id.clone()))
        .order_by_asc(entity::ballot::Column::OpenedAt)
        .order_by_asc(entity::ballot::Column::Id)
        .all(conn)
        .await?)
}

/// A community's campaigns, newest first; its residents only (NOT_FOUND for others).
pub async fn campaigns(
    db: &DatabaseConnection,
    viewer: &Viewer,
    community_id: &str,
    after: Option<&(DateTime<Utc>, String)>,
    limit: u64,
) -> AppResult<(Vec<CampaignView>, bool)> {
    roles::require_resident(db, viewer, community_id).await?;
    let viewing = viewing(db, viewer, community_id).await?;
    let q =
        award_campaign::Entity::find().filter(award_campaign::Column::CommunityId.eq(community_id));
    let found = crate::db::descending_after(
        q,
        (
            award_campaign::Column::CreatedAt,
            award_campaign::Column::Id,
        ),
        after,
        limit,
    )
    .all(db)
    .await?;
    let (rows, has_next) = crate::db::split_page(found, limit);
    Ok((campaign_views(db, &viewing, rows).await?, has_next))
}

/// The nominations the viewer may read in a query's rows: every public one, and the others
/// only for their nominator, their nominee and the committee (in SQL, so pages stay full).
fn visible(
    q: sea_orm::Select<nomination::Entity>,
    viewing: &Viewing,
) -> sea_orm::Select<nomination::Entity> {
    if viewing.committee {
        return q;
    }
    let public = [
        NominationStatus::Open,
        NominationStatus::Qualified,
        NominationStatus::Shortlisted,
        NominationStatus::Awarded,
        NominationStatus::NotSelected,
    ];
    let mut any = Condition::any().add(nomination::Column::Status.is_in(public));
    if let Some(me) = &viewing.resident {
        any = any
            .add(nomination::Column::NominatorId.eq(me.id.clone()))
            .add(nomination::Column::NomineeId.eq(me.id.clone()))
            .add(
                Condition::all()
                    .add(nomination::Column::NomineeKind.eq(NomineeKind::Household))
                    .add(nomination::Column::NomineeId.eq(me.household_id.clone())),
            );
    }
    q.filter(any)
}

/// A campaign's nominations (one category, or all), oldest first.
pub async fn nominations(
    db: &DatabaseConnection,
    viewer: &Viewer,
    campaign_id: &str,
    category_id: Option<&str>,
    after: Option<&(DateTime<Utc>, String)>,
    limit: u64,
) -> AppResult<(Vec<NominationView>, bool)> {
    let c = super::service::campaign(db, viewer, campaign_id, false).await?;
    let viewing = viewing(db, viewer, &c.campaign.community_id).await?;
    let mut q = nomination::Entity::find().filter(nomination::Column::CampaignId.eq(campaign_id));
    if let Some(category) = category_id {
        q = q.filter(nomination::Column::CategoryId.eq(category));
    }
    let q = crate::db::ascending_after(
        visible(q, &viewing),
        (nomination::Column::CreatedAt, nomination::Column::Id),
        after,
        limit,
    );
    let (rows, has_next) = crate::db::split_page(q.all(db).await?, limit);
    let rows = views(db, &viewing, rows)
        .await?
        .into_iter()
        .filter(NominationView::readable)
        .collect();
    Ok((rows, has_next))
}

/// One nomination; NOT_FOUND for anyone who may not read it.
pub async fn nomination(
    db: &DatabaseConnection,
    viewer: &Viewer,
    nomination_id: &str,
) -> AppResult<NominationView> {
    let n = nomination::Entity::find_by_id(nomination_id.to_owned())
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let viewing = viewing(db, viewer, &n.community_id).await?;
    readable(views(db, &viewing, vec![n]).await?.pop())
}

/// Nominations of the viewer (or their household) that wait for their consent.
pub async fn consent_requests(
    db: &DatabaseConnection,
    viewer: &Viewer,
    community_id: &str,
) -> AppResult<Vec<NominationView>> {
    let viewing = viewing(db, viewer, community_id).await?;
    let Some(me) = viewing.resident.clone() else {
        return Ok(Vec::new());
    };
    // Only campaigns where consent can still be given (before endorsing ends), in SQL, so old
    // unanswered requests never crowd out live ones.
    let live = award_campaign::Entity::find()
        .select_only()
        .column(award_campaign::Column::Id)
        .filter(award_campaign::Column::CommunityId.eq(community_id))
        .filter(award_campaign::Column::AnnouncedAt.is_null())
        .filter(award_campaign::Column::EndorseUntil.gt(now()));
    let rows = nomination::Entity::find()
        .filter(nomination::Column::CommunityId.eq(community_id))
        .filter(nomination::Column::CampaignId.in_subquery(live.into_query()))
        .filter(nomination::Column::Status.eq(NominationStatus::AwaitingConsent))
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(nomination::Column::NomineeKind.eq(NomineeKind::Resident))
                        .add(nomination::Column::NomineeId.eq(me.id.clone())),
                )
                .add(
                    Condition::all()
                        .add(nomination::Column::NomineeKind.eq(NomineeKind::Household))
                        .add(nomination::Column::NomineeId.eq(me.household_id.clone())),
                ),
        )
        .order_by_asc(nomination::Column::CreatedAt)
        .limit(20)
        .all(db)
        .await?;
    Ok(views(db, &viewing, rows)
        .await?
        .into_iter()
        .filter(|v| !v.actions().is_empty())
        .collect())
}

/// Every award of the community (of one year, or all), newest year first, then by campaign
/// and category; for its residents.
pub async fn honour_roll(
    db: &DatabaseConnection,
    viewer: &Viewer,
    community_id: &str,
    year: Option<i32>,
) -> AppResult<Vec<NominationView>> {
    roles::require_resident(db, viewer, community_id).await?;
    let viewing = viewing(db, viewer, community_id).await?;
    let mut campaigns = award_campaign::Entity::find()
        .select_only()
        .column(award_campaign::Column::Id)
        .filter(award_campaign::Column::CommunityId.eq(community_id));
    if let Some(y) = year {
        campaigns = campaigns.filter(award_campaign::Column::Year.eq(y));
    }
    let rows = nomination::Entity::find()
        .filter(nomination::Column::CommunityId.eq(community_id))
        .filter(nomination::Column::Status.eq(NominationStatus::Awarded))
        .filter(nomination::Column::CampaignId.in_subquery(campaigns.into_query()))
        .order_by_asc(nomination::Column::CreatedAt)
        .all(db)
        .await?;
    let mut out: Vec<NominationView> = views(db, &viewing, rows)
        .await?
        .into_iter()
        .filter(NominationView::readable)
        .collect();
    out.sort_by(|a, b| {
        b.campaign
            .campaign
            .year
            .cmp(&a.campaign.campaign.year)
            .then(
                a.campaign
                    .campaign
                    .created_at
                    .cmp(&b.campaign.campaign.created_at),
            )
            .then(a.category.position.cmp(&b.category.position))
    });
    Ok(out)
}

/// Nominees of a kind a resident may choose: the community's buildings (all, or those whose
/// name matches), households by building or unit, live residents by name or unit.
pub async fn nominees(
    state: &Services,
    viewer: &Viewer,
    community_id: &str,
    kind: NomineeKind,
    search: &str,
) -> AppResult<Vec<Nominee>> {
    roles::require_resident(&state.db, viewer, community_id).await?;
    // Searches are counted: the roster is not for listing page by page.
    rate_limit::take(
        &state.db,
        &rate_limit::key("nominees", viewer.id()),
        state.settings.write_limit.max,
        state.settings.write_limit.window_secs,
    )
    .await?;
    let db = &state.db;
    let raw = search.trim();
    // Wildcards are dropped before the length is judged: "%" is not a search.
    let s: String = raw
        .chars()
        .filter(|c| !matches!(c, '%' | '_' | '\\'))
        .collect();
    if raw.chars().count() > 20 || (s.is_empty() && kind != NomineeKind::Building) {
        return Err(AppError::bad_input(
            "search",
            "type one to twenty characters of a name, building or unit",
        ));
    }
    let like = format!("%{s}%");
    let ids: Vec<String> = match kind {
        NomineeKind::Building => {
            building::Entity::find()
                .select_only()
                .column(building::Column::Id)
                .filter(building::Column::CommunityId.eq(community_id))
                .filter(building::Column::Name.like(like))
                .order_by_asc(building::Column::Name)
                .limit(NOMINEES_MAX)
                .into_tuple::<String>()
                .all(db)
                .await?
        }
        NomineeKind::Household => {
            let named = building::Entity::find()
                .select_only()
                .column(building::Column::Id)
                .filter(building::Column::CommunityId.eq(community_id))
                .filter(building::Column::Name.like(like.clone()))
                .into_query();
            household::Entity::find()
                .select_only()
                .column(household::Column::Id)
                .filter(household::Column::CommunityId.eq(community_id))
                .filter(
                    Condition::any()
                        .add(household::Column::Unit.like(like))
                        .add(household::Column::BuildingId.in_subquery(named)),
                )
                .order_by_asc(household::Column::BuildingId)
                .order_by_asc(household::Column::Unit)
                .limit(NOMINEES_MAX)
                .into_tuple::<String>()
                .all(db)
                .await?
        }
        NomineeKind::Resident => {
            let units = household::Entity::find()
                .select_only()
                .column(household::Column::Id)
                .filter(household::Column::CommunityId.eq(community_id))
                .filter(household::Column::Unit.like(like.clone()))
                .into_query();
            resident::Entity::find()
                .select_only()
                .column(resident::Column::Id)
                .filter(resident::Column::CommunityId.eq(community_id))
                .filter(roles::live_place())
                .filter(
                    Condition::any()
                        .add(resident::Column::Name.like(like))
                        .add(resident::Column::HouseholdId.in_subquery(units)),
                )
                .order_by_asc(resident::Column::Name)
                .order_by_asc(resident::Column::Id)
                .limit(NOMINEES_MAX)
                .into_tuple::<String>()
                .all(db)
                .await?
        }
    };
    let pairs: Vec<(NomineeKind, String)> = ids.iter().map(|id| (kind, id.clone())).collect();
    let names = nominee_names(db, &pairs).await?;
    Ok(ids
        .into_iter()
        .map(|id| Nominee {
            kind,
            name: names.get(&id).cloned().unwrap_or_default(),
            id,
        })
        .collect())
}
