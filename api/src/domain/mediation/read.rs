//! Reading cases: one case, the parties' and the mediators' lists, the committee's queue and
//! statistics, a case's timeline and notes, and the neighbours a resident may name as
//! respondents. Every list is one statement for its rows plus a constant number for what the
//! rows show (`service::views`), whatever the page size.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Utc};
use entity::{
    case_entry, case_mediator, case_note, case_party, household, mediation_case, resident,
};
use sea_orm::{
    sea_query::{Expr, Order},
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait,
};

use super::rules::{self, CaseCategory, CaseStatus};
use super::service::*;
use crate::auth::Viewer;
use crate::domain::roles;
use crate::domain::topic::service::{people, person};
use crate::error::{AppError, AppResult};

/// One case, for its parties, its mediators and the committee; NOT_FOUND for anyone else.
pub async fn get(db: &DatabaseConnection, viewer: &Viewer, case_id: &str) -> AppResult<CaseView> {
    let c = mediation_case::Entity::find_by_id(case_id.to_owned())
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let viewing = viewing(db, viewer, &c.community_id).await?;
    readable(views(db, &viewing, vec![c]).await?.pop())
}

/// A keyset page of cases, newest first.
pub struct CasePage {
    pub rows: Vec<CaseView>,
    pub has_next: bool,
}

fn page_of(
    q: sea_orm::Select<mediation_case::Entity>,
    after: Option<&(DateTime<Utc>, String)>,
    limit: u64,
) -> sea_orm::Select<mediation_case::Entity> {
    crate::db::descending_after(
        q,
        (
            mediation_case::Column::CreatedAt,
            mediation_case::Column::Id,
        ),
        after,
        limit,
    )
}

async fn page(
    db: &DatabaseConnection,
    viewing: &Viewing,
    q: sea_orm::Select<mediation_case::Entity>,
    after: Option<&(DateTime<Utc>, String)>,
    limit: u64,
) -> AppResult<CasePage> {
    let found = page_of(q, after, limit).all(db).await?;
    let (rows, has_next) = crate::db::split_page(found, limit);
    let rows = views(db, viewing, rows)
        .await?
        .into_iter()
        .filter(|v| !v.standing.roles.is_empty())
        .collect();
    Ok(CasePage { rows, has_next })
}

/// Whose cases a list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mine {
    /// Cases the viewer is a party to (applicant or respondent).
    AsParty,
    /// Cases the viewer mediates.
    AsMediator,
    /// Cases the viewer is a party to or mediates that are not closed yet (Home).
    Open,
}

/// The viewer's own cases in a community (as a party, or as an assigned mediator).
pub async fn mine(
    db: &DatabaseConnection,
    viewer: &Viewer,
    community_id: &str,
    which: Mine,
    after: Option<&(DateTime<Utc>, String)>,
    limit: u64,
) -> AppResult<CasePage> {
    let me = roles::require_resident(db, viewer, community_id).await?;
    let viewing = viewing(db, viewer, community_id).await?;
    // As a mediator only while holding the role: a revoked one's assignments list nothing.
    let assigned = case_mediator::Entity::find()
        .select_only()
        .column(case_mediator::Column::CaseId)
        .filter(case_mediator::Column::ResidentId.eq(me.id.clone()))
        .filter(Expr::value(viewing.mediator))
        .into_query();
    let ids = match which {
        Mine::AsParty => case_party::Entity::find()
            .select_only()
            .column(case_party::Column::CaseId)
            .filter(case_party::Column::ResidentId.eq(me.id.clone()))
            .into_query(),
        Mine::AsMediator | Mine::Open => assigned,
    };
    let mut q =
        mediation_case::Entity::find().filter(mediation_case::Column::CommunityId.eq(community_id));
    if which == Mine::Open {
        let parties = case_party::Entity::find()
            .select_only()
            .column(case_party::Column::CaseId)
            .filter(case_party::Column::ResidentId.eq(me.id))
            .into_query();
        q = q
            .filter(
                Condition::any()
                    .add(mediation_case::Column::Id.in_subquery(ids))
                    .add(mediation_case::Column::Id.in_subquery(parties)),
            )
            .filter(mediation_case::Column::Status.ne(CaseStatus::Closed));
    } else {
        q = q.filter(mediation_case::Column::Id.in_subquery(ids));
    }
    page(db, &viewing, q, after, limit).await
}

/// The committee's queue: every case of the community, optionally only some statuses or only
/// the overdue ones. Members off the committee get FORBIDDEN, everyone else NOT_FOUND.
pub async fn queue(
    db: &DatabaseConnection,
    viewer: &Viewer,
    community_id: &str,
    statuses: Option<&[CaseStatus]>,
    overdue_only: bool,
    after: Option<&(DateTime<Utc>, String)>,
    limit: u64,
) -> AppResult<CasePage> {
    let viewing = committee_viewing(db, viewer, community_id).await?;
    let mut q =
        mediation_case::Entity::find().filter(mediation_case::Column::CommunityId.eq(community_id));
    if let Some(s) = statuses.filter(|s| !s.is_empty()) {
        q = q.filter(mediation_case::Column::Status.is_in(s.iter().copied()));
    }
    if overdue_only {
        let days = entity::community::Entity::find_by_id(community_id.to_owned())
            .one(db)
            .await?
            .ok_or(AppError::NotFound)?
            .case_overdue_days;
        q = q
            .filter(mediation_case::Column::Status.is_in(rules::UNRESOLVED))
            .filter(
                mediation_case::Column::CreatedAt
                    .lt(rules::overdue_cutoff(crate::domain::now(), days)),
            );
    }
    page(db, &viewing, q, after, limit).await
}

async fn committee_viewing(
    db: &DatabaseConnection,
    viewer: &Viewer,
    community_id: &str,
) -> AppResult<Viewing> {
    roles::require_resident(db, viewer, community_id).await?;
    let viewing = viewing(db, viewer, community_id).await?;
    if !viewing.committee {
        return Err(AppError::Forbidden);
    }
    Ok(viewing)
}

/// A page of one case's timeline (a loader's key).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TimelineKey {
    pub case_id: String,
    pub after: Option<(DateTime<Utc>, String)>,
    pub limit: u64,
}

/// A page of a timeline: its entries with their authors, and whether more follow.
pub type TimelinePage = (Vec<(case_entry::Model, Option<Person>)>, bool);

/// Pages of many cases' timelines (messages and steps), oldest first, in as many statements as
/// one: the rows and their authors' names (keys with another cursor or size are read apart).
/// The caller has checked that the viewer sees the cases.
pub async fn timelines(
    db: &DatabaseConnection,
    keys: &[TimelineKey],
) -> AppResult<HashMap<TimelineKey, TimelinePage>> {
    use case_entry::Column as C;
    let groups = crate::db::grouped(keys, |k| (&k.after, k.limit));
    let mut out = HashMap::with_capacity(keys.len());
    for ((after, limit), group) in groups {
        let cases: Vec<String> = group.iter().map(|k| k.case_id.clone()).collect();
        let found = crate::db::keyset_pages(
            db,
            case_entry::Entity::find(),
            (C::CaseId, &cases),
            (C::CreatedAt, C::Id),
            (after.as_ref(), Order::Asc),
            limit.saturating_add(1),
        )
        .await?;
        let names = people(db, found.iter().filter_map(|e| e.author_id.clone())).await?;
        let mut pages: HashMap<String, Vec<(case_entry::Model, Option<Person>)>> = HashMap::new();
        for e in found {
            let author = e.author_id.as_deref().map(|a| person(&names, a));
            pages
                .entry(e.case_id.clone())
                .or_default()
                .push((e, author));
        }
        for k in group {
            let page = crate::db::split_page(pages.remove(&k.case_id).unwrap_or_default(), limit);
            out.insert(k.clone(), page);
        }
    }
    Ok(out)
}

/// Notes a case shows at most: the newest ones, so a long case never hides its latest.
pub const NOTES_SHOWN: u64 = 200;

/// The mediators' private notes of each case, the newest [`NOTES_SHOWN`] oldest first, in as
/// many statements for many cases as for one: for an assigned mediator only (the keys come
/// from `CaseView::notes_key`; parties and the committee never read them).
pub async fn notes_of(
    db: &DatabaseConnection,
    keys: &[NotesOf],
) -> AppResult<HashMap<NotesOf, Vec<(case_note::Model, Person)>>> {
    use case_note::Column as C;
    let case_ids: Vec<String> = keys.iter().map(|k| k.case_id().to_owned()).collect();
    let mut rows = crate::db::keyset_pages(
        db,
        case_note::Entity::find(),
        (C::CaseId, &case_ids),
        (C::CreatedAt, C::Id),
        (None, Order::Desc),
        NOTES_SHOWN,
    )
    .await?;
    rows.reverse();
    let names = people(db, rows.iter().map(|n| n.author_id.clone())).await?;
    let mut by_case: HashMap<String, Vec<(case_note::Model, Person)>> = HashMap::new();
    for n in rows {
        let author = person(&names, &n.author_id);
        by_case
            .entry(n.case_id.clone())
            .or_default()
            .push((n, author));
    }
    Ok(keys
        .iter()
        .map(|k| (k.clone(), by_case.remove(k.case_id()).unwrap_or_default()))
        .collect())
}

/// Community statistics for the committee: they name nobody.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Statistics {
    pub total: u64,
    pub by_category: Vec<(CaseCategory, u64)>,
    pub by_status: Vec<(CaseStatus, u64)>,
    /// Cases filed per month, "2026-11", oldest first.
    pub by_month: Vec<(String, u64)>,
    /// Whole days from filing to closing, the median over closed cases.
    pub median_days_to_close: Option<i64>,
    pub overdue: u64,
    pub overdue_days: i32,
}

/// One case as the statistics read it: category, status, filed, closed.
type StatRow = (
    CaseCategory,
    CaseStatus,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);

pub async fn statistics(
    db: &DatabaseConnection,
    viewer: &Viewer,
    community_id: &str,
) -> AppResult<Statistics> {
    committee_viewing(db, viewer, community_id).await?;
    let days = entity::community::Entity::find_by_id(community_id.to_owned())
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?
        .case_overdue_days;
    let rows: Vec<StatRow> = mediation_case::Entity::find()
        .select_only()
        .column(mediation_case::Column::Category)
        .column(mediation_case::Column::Status)
        .column(mediation_case::Column::CreatedAt)
        .column(mediation_case::Column::ClosedAt)
        .filter(mediation_case::Column::CommunityId.eq(community_id))
        .into_tuple()
        .all(db)
        .await?;
    let now = crate::domain::now();
    let mut by_category: BTreeMap<String, (CaseCategory, u64)> = BTreeMap::new();
    let mut by_status: BTreeMap<CaseStatus, u64> = BTreeMap::new();
    let mut by_month: BTreeMap<String, u64> = BTreeMap::new();
    let mut closing = Vec::new();
    let mut overdue = 0;
    for (category, status, created, closed) in &rows {
        use sea_orm::ActiveEnum;
        by_category
            .entry(category.to_value())
            .or_insert((*category, 0))
            .1 += 1;
        *by_status.entry(*status).or_default() += 1;
        *by_month
            .entry(format!("{}-{:02}", created.year(), created.month()))
            .or_default() += 1;
        if let Some(closed) = closed {
            closing.push((*closed - *created).num_days());
        }
        if rules::is_overdue(*status, *created, now, days) {
            overdue += 1;
        }
    }
    Ok(Statistics {
        total: rows.len() as u64,
        by_category: by_category.into_values().collect(),
        by_status: by_status.into_iter().collect(),
        by_month: by_month.into_iter().collect(),
        median_days_to_close: rules::median_days(closing),
        overdue,
        overdue_days: days,
    })
}

/// The community's mediators (live residents holding MEDIATOR), by name: whom the committee may
/// assign. Committee only.
pub async fn mediators(
    db: &DatabaseConnection,
    viewer: &Viewer,
    community_id: &str,
) -> AppResult<Vec<Person>> {
    committee_viewing(db, viewer, community_id).await?;
    let holders = entity::role_grant::Entity::find()
        .select_only()
        .column(entity::role_grant::Column::AccountId)
        .filter(entity::role_grant::Column::CommunityId.eq(community_id))
        .filter(entity::role_grant::Column::Role.eq(roles::Role::Mediator))
        .into_query();
    Ok(resident::Entity::find()
        .filter(resident::Column::CommunityId.eq(community_id))
        .filter(roles::live_place())
        .filter(resident::Column::AccountId.in_subquery(holders))
        .order_by_asc(resident::Column::Name)
        .order_by_asc(resident::Column::Id)
        .limit(100)
        .all(db)
        .await?
        .into_iter()
        .map(|r| Person {
            id: r.id,
            name: r.name,
        })
        .collect())
}

/// A resident the viewer may name as a respondent: a live neighbour, with building and unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Neighbour {
    pub id: String,
    pub name: String,
    pub building: String,
    pub unit: String,
}

pub const NEIGHBOURS_MAX: u64 = 10;

/// Up to ten live residents of the community whose name or unit contains `search` (one to
/// twenty characters), the viewer left out. Residents only; no phone, no roles.
pub async fn neighbours(
    db: &DatabaseConnection,
    viewer: &Viewer,
    community_id: &str,
    search: &str,
) -> AppResult<Vec<Neighbour>> {
    let me = roles::require_resident(db, viewer, community_id).await?;
    let s = search.trim();
    if s.is_empty() || s.chars().count() > 20 {
        return Err(AppError::bad_input(
            "search",
            "type one to twenty characters of a name or unit",
        ));
    }
    let like = format!("%{}%", s.replace(['%', '_', '\\'], ""));
    let units = household::Entity::find()
        .select_only()
        .column(household::Column::Id)
        .filter(household::Column::CommunityId.eq(community_id))
        .filter(household::Column::Unit.like(like.clone()))
        .into_query();
    let found = resident::Entity::find()
        .filter(resident::Column::CommunityId.eq(community_id))
        .filter(roles::live_place())
        .filter(resident::Column::Id.ne(me.id))
        .filter(
            Condition::any()
                .add(resident::Column::Name.like(like))
                .add(resident::Column::HouseholdId.in_subquery(units)),
        )
        .order_by_asc(resident::Column::Name)
        .order_by_asc(resident::Column::Id)
        .limit(NEIGHBOURS_MAX)
        .all(db)
        .await?;
    let homes = crate::domain::roster::service::households_with_buildings(
        db,
        found.iter().map(|r| r.household_id.clone()).collect(),
    )
    .await?;
    Ok(found
        .into_iter()
        .map(|r| {
            let home = homes.get(&r.household_id);
            Neighbour {
                building: home.map(|h| h.1.clone()).unwrap_or_default(),
                unit: home.map(|h| h.0.unit.clone()).unwrap_or_default(),
                id: r.id,
                name: r.name,
            }
        })
        .collect())
}
