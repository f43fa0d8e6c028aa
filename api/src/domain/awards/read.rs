//! Reading awards: campaigns, one campaign's nominations, one nomination, the consent requests
//! waiting for the viewer, the honour roll, and the nominees a resident may choose. Every list
//! is one statement for its rows plus a constant number for what the rows show.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{award_campaign, building, household, nomination, resident};
use sea_orm::{
    sea_query::Order, ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait,
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

/// The public votes of each campaign (its categories' APPROVAL ballots), oldest first, in one
/// statement for any number of campaigns (at most `rules::MAX_CATEGORIES` categories of at most
/// `ballot::rules::MAX_BALLOTS` ballots each). The caller has checked that the viewer sees the
/// campaigns.
pub async fn votes_of<C: sea_orm::ConnectionTrait>(
    conn: &C,
    campaign_ids: &[String],
) -> AppResult<HashMap<String, Vec<entity::ballot::Model>>> {
    let mut out: HashMap<String, Vec<entity::ballot::Model>> = campaign_ids
        .iter()
        .map(|c| (c.clone(), Vec::new()))
        .collect();
    for b in entity::ballot::Entity::find()
        .filter(entity::ballot::Column::CampaignId.is_in(campaign_ids.iter().cloned()))
        .order_by_asc(entity::ballot::Column::OpenedAt)
        .order_by_asc(entity::ballot::Column::Id)
        .all(conn)
        .await?
    {
        if let Some(list) = b.campaign_id.as_ref().and_then(|c| out.get_mut(c)) {
            list.push(b);
        }
    }
    Ok(out)
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

/// A page of one campaign's nominations (one category, or all) as one reader asks for it (a
/// loader's key).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NominationsKey {
    pub campaign_id: String,
    pub category_id: Option<String>,
    pub after: Option<(DateTime<Utc>, String)>,
    pub limit: u64,
    pub reader: Reader,
}

/// A page of nominations the reader may read, and whether more follow.
pub type NominationPage = (Vec<NominationView>, bool);

/// Pages of many campaigns' nominations (one category, or all), oldest first, in as many
/// statements as one: the rows (only those the reader may read, in SQL, so pages stay full)
/// and what their views show. Keys that differ in category, cursor, size or reader are read
/// apart. The caller holds each campaign's view, so the reader may read the campaigns.
pub async fn nomination_pages(
    db: &DatabaseConnection,
    keys: &[NominationsKey],
) -> AppResult<HashMap<NominationsKey, NominationPage>> {
    use nomination::Column as C;
    let groups = crate::db::grouped(keys, |k| (&k.category_id, &k.after, k.limit, &k.reader));
    let mut out = HashMap::with_capacity(keys.len());
    for ((category, after, limit, reader), group) in groups {
        let viewing = reader.viewing();
        let mut q = nomination::Entity::find();
        if let Some(category) = category {
            q = q.filter(C::CategoryId.eq(category.clone()));
        }
        let q = visible(q, viewing);
        let campaigns: Vec<String> = group.iter().map(|k| k.campaign_id.clone()).collect();
        let found = crate::db::keyset_pages(
            db,
            q,
            (C::CampaignId, &campaigns),
            (C::CreatedAt, C::Id),
            (after.as_ref(), Order::Asc),
            limit.saturating_add(1),
        )
        .await?;
        let mut by_campaign: HashMap<String, Vec<nomination::Model>> = HashMap::new();
        for n in found {
            by_campaign
                .entry(n.campaign_id.clone())
                .or_default()
                .push(n);
        }
        let mut pages = Vec::with_capacity(group.len());
        let mut rows = Vec::new();
        for k in group {
            let (page, has_next) = crate::db::split_page(
                by_campaign.remove(&k.campaign_id).unwrap_or_default(),
                limit,
            );
            let ids: Vec<String> = page.iter().map(|n| n.id.clone()).collect();
            rows.extend(page);
            pages.push((k, ids, has_next));
        }
        let mut shown: HashMap<String, NominationView> = views(db, viewing, rows)
            .await?
            .into_iter()
            .filter(NominationView::readable)
            .map(|v| (v.nomination.id.clone(), v))
            .collect();
        for (k, ids, has_next) in pages {
            let list = ids.iter().filter_map(|id| shown.remove(id)).collect();
            out.insert(k.clone(), (list, has_next));
        }
    }
    Ok(out)
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
