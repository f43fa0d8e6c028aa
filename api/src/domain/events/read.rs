//! Reading events: a community's events (upcoming or past, by kind), one event, the viewer's
//! registrations, an event's registrations for its managers, the Home list of the viewer's next
//! events, volunteer hours (own total and history, the committee's ranking) and the groups.
//! Every list is one statement for its rows plus a constant number for what the rows show.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, TimeZone, Utc};
use entity::{
    event, registration, resident, volunteer_group, volunteer_group_member, volunteer_hours_entry,
};
use sea_orm::{
    sea_query::{Expr, ExprTrait, Func, SimpleExpr},
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
};

use super::rules::{EventKind, RegistrationStatus};
use super::service::*;
use crate::auth::Viewer;
use crate::domain::now;
use crate::domain::roles;
use crate::domain::topic::service::{people, person, Person};
use crate::error::{AppError, AppResult};

/// How many of the viewer's next events Home shows.
pub const NEXT_EVENTS: u64 = 5;
/// How many residents the ranking lists.
pub const RANKING_MAX: u64 = 100;

pub async fn event(db: &DatabaseConnection, viewer: &Viewer, id: &str) -> AppResult<EventView> {
    super::service::event(db, viewer, id, false).await
}

/// A community's events: upcoming (not ended; cancelled ones too, marked) soonest first, or
/// past ones latest first; of one kind or all. Its residents only (NOT_FOUND for others).
pub async fn events(
    db: &DatabaseConnection,
    viewer: &Viewer,
    community_id: &str,
    kind: Option<EventKind>,
    past: bool,
    after: Option<&(DateTime<Utc>, String)>,
    limit: u64,
) -> AppResult<(Vec<EventView>, bool)> {
    roles::require_resident(db, viewer, community_id).await?;
    let viewing = viewing(db, viewer, community_id).await?;
    let mut q = event::Entity::find().filter(event::Column::CommunityId.eq(community_id));
    if let Some(k) = kind {
        q = q.filter(event::Column::Kind.eq(k));
    }
    let at = now();
    let cols = (event::Column::StartsAt, event::Column::Id);
    let q = if past {
        crate::db::descending_after(q.filter(event::Column::EndsAt.lte(at)), cols, after, limit)
    } else {
        crate::db::ascending_after(q.filter(event::Column::EndsAt.gt(at)), cols, after, limit)
    };
    let (rows, has_next) = crate::db::split_page(q.all(db).await?, limit);
    Ok((event_views(db, &viewing, rows).await?, has_next))
}

/// The viewer's registrations in a community, newest first.
pub async fn my_registrations(
    db: &DatabaseConnection,
    viewer: &Viewer,
    community_id: &str,
    after: Option<&(DateTime<Utc>, String)>,
    limit: u64,
) -> AppResult<(Vec<RegistrationView>, bool)> {
    let me = roles::require_resident(db, viewer, community_id).await?;
    let viewing = viewing(db, viewer, community_id).await?;
    let q = registration::Entity::find().filter(registration::Column::ResidentId.eq(me.id.clone()));
    let found = crate::db::descending_after(
        q,
        (registration::Column::CreatedAt, registration::Column::Id),
        after,
        limit,
    )
    .all(db)
    .await?;
    let (rows, has_next) = crate::db::split_page(found, limit);
    Ok((registration_views(db, &viewing, rows).await?, has_next))
}

/// The viewer's active registrations of events not ended yet, soonest first (Home).
pub async fn next_events(
    db: &DatabaseConnection,
    viewer: &Viewer,
    community_id: &str,
) -> AppResult<Vec<RegistrationView>> {
    let Some(me) = roles::active_resident(db, viewer, community_id).await? else {
        return Ok(Vec::new());
    };
    let viewing = viewing(db, viewer, community_id).await?;
    let active = || {
        registration::Entity::find()
            .filter(registration::Column::ResidentId.eq(me.id.clone()))
            .filter(registration::Column::Status.is_in([
                RegistrationStatus::Confirmed,
                RegistrationStatus::Waitlisted,
            ]))
    };
    // The soonest events first, then only their registrations: a resident's active
    // registrations of every event ever (a waitlisted one of an ended event stays WAITLISTED)
    // are never all read.
    let soonest: Vec<String> = event::Entity::find()
        .select_only()
        .column(event::Column::Id)
        .filter(
            event::Column::Id.in_subquery(
                active()
                    .select_only()
                    .column(registration::Column::EventId)
                    .into_query(),
            ),
        )
        .filter(event::Column::EndsAt.gt(now()))
        .filter(event::Column::CancelledAt.is_null())
        .order_by_asc(event::Column::StartsAt)
        .order_by_asc(event::Column::Id)
        .limit(NEXT_EVENTS)
        .into_tuple()
        .all(db)
        .await?;
    if soonest.is_empty() {
        return Ok(Vec::new());
    }
    let mut regs: Vec<registration::Model> = active()
        .filter(registration::Column::EventId.is_in(soonest.clone()))
        .all(db)
        .await?;
    regs.sort_by_key(|r| soonest.iter().position(|e| *e == r.event_id));
    registration_views(db, &viewing, regs).await
}

/// An event's registrations in sign-up order, for its managers (FORBIDDEN for other residents),
/// optionally of one status. The caller holds the event's view for this viewer (read in the
/// same request: the event is not read again).
pub async fn registrations(
    db: &DatabaseConnection,
    viewer: &Viewer,
    v: &EventView,
    status: Option<RegistrationStatus>,
    after: Option<&(DateTime<Utc>, String)>,
    limit: u64,
) -> AppResult<(Vec<RegistrationView>, bool)> {
    if !v.standing.manager {
        return Err(AppError::Forbidden);
    }
    let viewing = viewing(db, viewer, &v.event.community_id).await?;
    let mut q =
        registration::Entity::find().filter(registration::Column::EventId.eq(v.event.id.clone()));
    // Filtered by the status shown: once the event has ended an unchecked confirmed sign-up
    // shows as NO_SHOW, before the closing pass has written it.
    let ended = v.phase == super::rules::EventPhase::Ended;
    match status {
        Some(RegistrationStatus::NoShow) if ended => {
            q = q.filter(
                registration::Column::Status
                    .is_in([RegistrationStatus::NoShow, RegistrationStatus::Confirmed]),
            )
        }
        Some(RegistrationStatus::Confirmed) if ended => return Ok((Vec::new(), false)),
        Some(s) => q = q.filter(registration::Column::Status.eq(s)),
        None => {}
    }
    let found = crate::db::ascending_after(
        q,
        (registration::Column::CreatedAt, registration::Column::Id),
        after,
        limit,
    )
    .all(db)
    .await?;
    let (rows, has_next) = crate::db::split_page(found, limit);
    Ok((registration_views(db, &viewing, rows).await?, has_next))
}

/// Every registration of an event in sign-up order, for its managers' export (FORBIDDEN for
/// other residents), with each registrant's roster place ("1栋 101").
pub async fn attendees(
    db: &DatabaseConnection,
    viewer: &Viewer,
    event_id: &str,
) -> AppResult<(EventView, Vec<(RegistrationView, String)>)> {
    let v = super::service::event(db, viewer, event_id, false).await?;
    v.require(super::rules::EventAct::Export)?;
    let viewing = viewing(db, viewer, &v.event.community_id).await?;
    let rows = registration::Entity::find()
        .filter(registration::Column::EventId.eq(event_id))
        .order_by_asc(registration::Column::Seq)
        .all(db)
        .await?;
    let residents: HashMap<String, String> = resident::Entity::find()
        .filter(resident::Column::Id.is_in(rows.iter().map(|r| r.resident_id.clone())))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.household_id))
        .collect();
    let labels = crate::domain::community::place_labels(
        db,
        residents.values().cloned().collect(),
        Default::default(),
    )
    .await?;
    let views = registration_views(db, &viewing, rows).await?;
    let out = views
        .into_iter()
        .map(|r| {
            let place = residents
                .get(&r.registration.resident_id)
                .and_then(|h| labels.get(h))
                .cloned()
                .unwrap_or_default();
            (r, place)
        })
        .collect();
    Ok((v, out))
}

/// A resident's credited hours in a community, in hundredths of an hour.
pub async fn total_centi<C: ConnectionTrait>(
    conn: &C,
    community_id: &str,
    resident_id: &str,
) -> AppResult<i64> {
    let sum: Option<Option<i64>> = volunteer_hours_entry::Entity::find()
        .select_only()
        .column_as(
            SimpleExpr::from(Func::sum(Expr::col(
                volunteer_hours_entry::Column::HoursCenti,
            ))),
            "total",
        )
        .filter(volunteer_hours_entry::Column::CommunityId.eq(community_id))
        .filter(volunteer_hours_entry::Column::ResidentId.eq(resident_id))
        .into_tuple()
        .one(conn)
        .await?;
    Ok(sum.flatten().unwrap_or(0))
}

/// The viewer's credited hours in a community (all their roster places there).
pub async fn my_hours(
    db: &DatabaseConnection,
    viewer: &Viewer,
    community_id: &str,
) -> AppResult<i64> {
    let me = roles::require_resident(db, viewer, community_id).await?;
    total_centi(db, community_id, &me.id).await
}

/// One line of a resident's hours history.
#[derive(Clone, Debug)]
pub struct HoursLine {
    pub entry: volunteer_hours_entry::Model,
    pub event_title: Option<String>,
}

/// The viewer's ledger in a community, newest first.
pub async fn my_hours_history(
    db: &DatabaseConnection,
    viewer: &Viewer,
    community_id: &str,
    after: Option<&(DateTime<Utc>, String)>,
    limit: u64,
) -> AppResult<(Vec<HoursLine>, bool)> {
    let me = roles::require_resident(db, viewer, community_id).await?;
    let q = volunteer_hours_entry::Entity::find()
        .filter(volunteer_hours_entry::Column::CommunityId.eq(community_id))
        .filter(volunteer_hours_entry::Column::ResidentId.eq(me.id.clone()));
    let found = crate::db::descending_after(
        q,
        (
            volunteer_hours_entry::Column::CreatedAt,
            volunteer_hours_entry::Column::Id,
        ),
        after,
        limit,
    )
    .all(db)
    .await?;
    let (rows, has_next) = crate::db::split_page(found, limit);
    let ids: Vec<String> = rows.iter().filter_map(|r| r.event_id.clone()).collect();
    let titles: HashMap<String, String> = if ids.is_empty() {
        HashMap::new()
    } else {
        event::Entity::find()
            .select_only()
            .column(event::Column::Id)
            .column(event::Column::Title)
            .filter(event::Column::Id.is_in(ids))
            .into_tuple::<(String, String)>()
            .all(db)
            .await?
            .into_iter()
            .collect()
    };
    Ok((
        rows.into_iter()
            .map(|entry| HoursLine {
                event_title: entry.event_id.as_ref().and_then(|e| titles.get(e)).cloned(),
                entry,
            })
            .collect(),
        has_next,
    ))
}

/// The committee's ranking of a year: residents by hours credited that year (UTC), most first.
pub async fn ranking(
    db: &DatabaseConnection,
    viewer: &Viewer,
    community_id: &str,
    year: i32,
) -> AppResult<Vec<(Person, i64)>> {
    roles::require_resident(db, viewer, community_id).await?;
    if !viewing(db, viewer, community_id).await?.committee {
        return Err(AppError::Forbidden);
    }
    if !(2000..=now().year() + 1).contains(&year) {
        return Err(AppError::bad_input("year", "not a year of this service"));
    }
    let from = Utc
        .with_ymd_and_hms(year, 1, 1, 0, 0, 0)
        .single()
        .ok_or_else(|| AppError::bad_input("year", "not a year"))?;
    let to = Utc
        .with_ymd_and_hms(year + 1, 1, 1, 0, 0, 0)
        .single()
        .ok_or_else(|| AppError::bad_input("year", "not a year"))?;
    let total: SimpleExpr = Func::sum(Expr::col(volunteer_hours_entry::Column::HoursCenti)).into();
    let rows: Vec<(String, Option<i64>)> = volunteer_hours_entry::Entity::find()
        .select_only()
        .column(volunteer_hours_entry::Column::ResidentId)
        .column_as(total.clone(), "total")
        .filter(volunteer_hours_entry::Column::CommunityId.eq(community_id))
        .filter(volunteer_hours_entry::Column::CreatedAt.gte(from))
        .filter(volunteer_hours_entry::Column::CreatedAt.lt(to))
        .group_by(volunteer_hours_entry::Column::ResidentId)
        .having(total.clone().gt(0))
        .order_by_desc(total)
        .order_by_asc(volunteer_hours_entry::Column::ResidentId)
        .limit(RANKING_MAX)
        .into_tuple()
        .all(db)
        .await?;
    let names = people(db, rows.iter().map(|(r, _)| r.clone())).await?;
    Ok(rows
        .into_iter()
        .map(|(r, t)| (person(&names, &r), t.unwrap_or(0)))
        .collect())
}

/// A volunteer group as the viewer sees it.
#[derive(Clone, Debug)]
pub struct GroupView {
    pub group: volunteer_group::Model,
    pub leader: Person,
    pub members: Vec<Person>,
    pub viewer_member: bool,
    pub viewer_can: super::rules::GroupActions,
}

/// A community's volunteer groups with their leaders and members (its residents).
pub async fn groups(
    db: &DatabaseConnection,
    viewer: &Viewer,
    community_id: &str,
) -> AppResult<Vec<GroupView>> {
    // NOT_FOUND outside the community, FORBIDDEN for an admin not on its roster.
    let me = roles::require_resident(db, viewer, community_id).await?;
    let viewing = viewing(db, viewer, community_id).await?;
    let groups = volunteer_group::Entity::find()
        .filter(volunteer_group::Column::CommunityId.eq(community_id))
        .order_by_asc(volunteer_group::Column::CreatedAt)
        .limit(100)
        .all(db)
        .await?;
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    // Members who still live here (a resident who moved out is no longer listed).
    let live = sea_orm::sea_query::Query::select()
        .column(resident::Column::Id)
        .from(resident::Entity)
        .and_where(resident::Column::Active.eq(true))
        .to_owned();
    let members = volunteer_group_member::Entity::find()
        .filter(volunteer_group_member::Column::GroupId.is_in(groups.iter().map(|g| g.id.clone())))
        .filter(volunteer_group_member::Column::ResidentId.in_subquery(live))
        .order_by_asc(volunteer_group_member::Column::CreatedAt)
        .all(db)
        .await?;
    let names = people(
        db,
        members
            .iter()
            .map(|m| m.resident_id.clone())
            .chain(groups.iter().map(|g| g.leader_id.clone())),
    )
    .await?;
    Ok(groups
        .into_iter()
        .map(|g| {
            let of: Vec<&volunteer_group_member::Model> =
                members.iter().filter(|m| m.group_id == g.id).collect();
            let member = of.iter().any(|m| m.resident_id == me.id);
            GroupView {
                leader: person(&names, &g.leader_id),
                members: of.iter().map(|m| person(&names, &m.resident_id)).collect(),
                viewer_member: member,
                viewer_can: super::rules::group_actions(
                    member,
                    g.leader_id == me.id,
                    viewing.organizer,
                    viewing.committee,
                ),
                group: g,
            }
        })
        .collect())
}
