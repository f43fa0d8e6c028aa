//! Events' shared types, the access rule and the views.
//!
//! Events are read by the live residents of their community (the committee sits among them);
//! everyone else gets NOT_FOUND. A registration is read by its registrant and by the event's
//! managers (its organizer, the leader of its volunteer group, the committee); its check-in
//! code only by the registrant while it is CONFIRMED or ATTENDED. Every act that changes seats
//! (sign-up, cancellation, a capacity change, cancelling the event) takes the event's row lock
//! first and changes its counters under it: capacity is never exceeded.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use entity::{event, registration, resident, volunteer_group};
use sea_orm::{
    sea_query::Expr, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::rules::{self, EventAct, EventPhase, RegistrationStatus, Standing};
use crate::auth::Viewer;
use crate::domain::notify::{self, NotificationKind, Pending};
use crate::domain::now;
use crate::domain::roles;
use crate::domain::topic::service::{people, person, Person};
use crate::error::{AppError, AppResult};

pub use crate::domain::roles::{viewing, Viewing};

/// An event's volunteer group, by id and name.
#[derive(Clone, Debug)]
pub struct GroupRef {
    pub id: String,
    pub name: String,
    pub leader_id: String,
}

/// An event as one viewer sees it.
#[derive(Clone, Debug)]
pub struct EventView {
    pub event: event::Model,
    pub phase: EventPhase,
    pub standing: Standing,
    pub organizer: Person,
    pub group: Option<GroupRef>,
    /// The viewer's registration: the active one, else the latest.
    pub mine: Option<registration::Model>,
    /// Its waitlist position while WAITLISTED.
    pub my_position: Option<i32>,
    /// The viewer as a resident of the event's community.
    pub viewer: Option<Person>,
    pub at: DateTime<Utc>,
}

impl EventView {
    /// What the viewer may do now; signing up is not offered to one already signed up (the act
    /// would answer their registration unchanged).
    pub fn actions(&self) -> Vec<EventAct> {
        let signed_up = self.mine.as_ref().is_some_and(|r| r.active_key.is_some());
        rules::event_actions(&self.event, self.at, self.standing)
            .into_iter()
            .filter(|a| !(signed_up && *a == EventAct::SignUp))
            .collect()
    }

    pub fn require(&self, act: EventAct) -> AppResult<()> {
        rules::check_event(act, &self.event, self.at, self.standing)
    }

    pub fn seats_left(&self) -> Option<i32> {
        rules::seats_left(self.event.capacity, self.event.seats_taken)
    }

    /// The viewer's registration (the active one, else the latest) as they see it.
    pub fn my_registration(&self) -> Option<RegistrationView> {
        let r = self.mine.clone()?;
        Some(RegistrationView {
            status: rules::shown_status(r.status, self.phase),
            position: self.my_position,
            resident: self.viewer.clone().unwrap_or(Person {
                id: r.resident_id.clone(),
                name: String::new(),
            }),
            own: true,
            event: self.clone(),
            registration: r,
        })
    }

    /// Whether the viewer may cancel their registration now.
    pub fn may_cancel_mine(&self) -> bool {
        self.mine
            .as_ref()
            .is_some_and(|r| rules::check_cancel(r.status, &self.event, self.at).is_ok())
    }
}

/// Waitlist positions (1..N in sign-up order) of the WAITLISTED ones among `regs`, in one
/// statement however many there are: each counts the waitlisted registrations of its event
/// before it (an index range on `(event_id, status, seq)`), so a long waitlist is never read
/// whole.
pub async fn positions<C: ConnectionTrait>(
    conn: &C,
    regs: &[registration::Model],
) -> AppResult<HashMap<String, i32>> {
    use sea_orm::sea_query::{Alias, Expr as E, ExprTrait, Func, Query, SubQueryStatement};
    use sea_orm::ActiveEnum;
    let waiting: Vec<String> = regs
        .iter()
        .filter(|r| r.status == RegistrationStatus::Waitlisted)
        .map(|r| r.id.clone())
        .collect();
    if waiting.is_empty() {
        return Ok(HashMap::new());
    }
    let w = Alias::new("w");
    let outer = Alias::new("registrations");
    let ahead = Query::select()
        .expr(Func::count(E::col((w.clone(), registration::Column::Id))))
        .from_as(registration::Entity, w.clone())
        .and_where(
            E::col((w.clone(), registration::Column::EventId))
                .equals((outer.clone(), registration::Column::EventId)),
        )
        .and_where(
            E::col((w.clone(), registration::Column::Status))
                .eq(E::value(RegistrationStatus::Waitlisted.to_value())),
        )
        .and_where(
            E::col((w.clone(), registration::Column::Seq))
                .lt(E::col((outer, registration::Column::Seq))),
        )
        .to_owned();
    let rows: Vec<(String, i64)> = registration::Entity::find()
        .select_only()
        .column(registration::Column::Id)
        .column_as(
            E::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(ahead))),
            "ahead",
        )
        .filter(registration::Column::Id.is_in(waiting))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, ahead)| (id, i32::try_from(ahead).unwrap_or(i32::MAX - 1) + 1))
        .collect())
}

/// Views of events of one community for a viewer, in a constant number of statements.
pub async fn event_views<C: ConnectionTrait>(
    conn: &C,
    viewing: &Viewing,
    events: Vec<event::Model>,
) -> AppResult<Vec<EventView>> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let mine: Vec<registration::Model> = match &viewing.resident {
        Some(me) => {
            registration::Entity::find()
                .filter(registration::Column::ResidentId.eq(me.id.clone()))
                .filter(registration::Column::EventId.is_in(events.iter().map(|e| e.id.clone())))
                .order_by_desc(registration::Column::Seq)
                .all(conn)
                .await?
        }
        None => Vec::new(),
    };
    let positions = positions(conn, &mine).await?;
    assemble(conn, viewing, events, &mine, &positions).await
}

/// Views of `events` for a viewer whose registrations among them (`mine`, newest first) and
/// their waitlist positions are known: reads only the organizers' and groups' names.
async fn assemble<C: ConnectionTrait>(
    conn: &C,
    viewing: &Viewing,
    events: Vec<event::Model>,
    mine: &[registration::Model],
    positions: &HashMap<String, i32>,
) -> AppResult<Vec<EventView>> {
    let organizers = people(conn, events.iter().map(|e| e.organizer_id.clone())).await?;
    let group_ids: BTreeSet<String> = events.iter().filter_map(|e| e.group_id.clone()).collect();
    let groups: HashMap<String, GroupRef> = if group_ids.is_empty() {
        HashMap::new()
    } else {
        volunteer_group::Entity::find()
            .filter(volunteer_group::Column::Id.is_in(group_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|g| {
                (
                    g.id.clone(),
                    GroupRef {
                        id: g.id,
                        name: g.name,
                        leader_id: g.leader_id,
                    },
                )
            })
            .collect()
    };
    let at = now();
    Ok(events
        .into_iter()
        .map(|e| {
            let group = e.group_id.as_ref().and_then(|g| groups.get(g)).cloned();
            let me = viewing.resident.as_ref();
            let standing = Standing {
                sign_ups: mine.iter().filter(|r| r.event_id == e.id).count(),
                member: me.is_some(),
                manager: me.is_some()
                    && (viewing.committee
                        || me.is_some_and(|me| {
                            me.id == e.organizer_id
                                || group.as_ref().is_some_and(|g| g.leader_id == me.id)
                        })),
            };
            let mut own = mine.iter().filter(|r| r.event_id == e.id);
            let first = own.clone().next().cloned();
            let reg = own.find(|r| r.active_key.is_some()).cloned().or(first);
            EventView {
                phase: rules::phase(&e, at),
                organizer: person(&organizers, &e.organizer_id),
                my_position: reg.as_ref().and_then(|r| positions.get(&r.id).copied()),
                mine: reg,
                viewer: me.map(|me| Person {
                    id: me.id.clone(),
                    name: me.name.clone(),
                }),
                group,
                standing,
                at,
                event: e,
            }
        })
        .collect())
}

/// The event as the viewer sees it, NOT_FOUND unless they live in its community; with `lock`,
/// its row is locked until the transaction ends (every act that changes its seats).
pub async fn event<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    event_id: &str,
    lock: bool,
) -> AppResult<EventView> {
    let mut q = event::Entity::find_by_id(event_id.to_owned());
    if lock {
        q = q.lock_exclusive();
    }
    let e = q.one(conn).await?.ok_or(AppError::NotFound)?;
    let viewing = viewing(conn, viewer, &e.community_id).await?;
    if viewing.resident.is_none() {
        return Err(AppError::NotFound);
    }
    event_views(conn, &viewing, vec![e])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// A registration as one viewer sees it.
#[derive(Clone, Debug)]
pub struct RegistrationView {
    pub registration: registration::Model,
    /// As shown: a confirmed registration of an ended event is a NO_SHOW.
    pub status: RegistrationStatus,
    pub position: Option<i32>,
    pub event: EventView,
    pub resident: Person,
    /// The viewer is the registrant.
    pub own: bool,
}

impl RegistrationView {
    /// The check-in code: only to the registrant, while CONFIRMED or ATTENDED.
    pub fn check_in_code(&self) -> Option<&str> {
        (self.own
            && matches!(
                self.status,
                RegistrationStatus::Confirmed | RegistrationStatus::Attended
            ))
        .then_some(self.registration.check_in_code.as_str())
    }

    pub fn may_cancel(&self) -> bool {
        self.own
            && rules::check_cancel(self.registration.status, &self.event.event, self.event.at)
                .is_ok()
    }

    fn readable(&self) -> bool {
        self.own || self.event.standing.manager
    }
}

/// Views of registrations (of one community's events) for a viewer, in a constant number of
/// statements; those the viewer may not read are left out.
pub async fn registration_views<C: ConnectionTrait>(
    conn: &C,
    viewing: &Viewing,
    regs: Vec<registration::Model>,
) -> AppResult<Vec<RegistrationView>> {
    if regs.is_empty() {
        return Ok(Vec::new());
    }
    let event_ids: BTreeSet<String> = regs.iter().map(|r| r.event_id.clone()).collect();
    let events = event::Entity::find()
        .filter(event::Column::Id.is_in(event_ids))
        .all(conn)
        .await?;
    let events: HashMap<String, EventView> = event_views(conn, viewing, events)
        .await?
        .into_iter()
        .map(|v| (v.event.id.clone(), v))
        .collect();
    let names = people(conn, regs.iter().map(|r| r.resident_id.clone())).await?;
    let positions = positions(conn, &regs).await?;
    let me = viewing.resident.as_ref().map(|r| r.id.as_str());
    Ok(regs
        .into_iter()
        .filter_map(|r| {
            let event = events.get(&r.event_id)?.clone();
            let v = RegistrationView {
                status: rules::shown_status(r.status, event.phase),
                position: positions.get(&r.id).copied(),
                resident: person(&names, &r.resident_id),
                own: me == Some(r.resident_id.as_str()),
                event,
                registration: r,
            };
            v.readable().then_some(v)
        })
        .collect())
}

/// One registration as the viewer sees it, NOT_FOUND unless they may read it.
pub async fn registration<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    registration_id: &str,
) -> AppResult<RegistrationView> {
    let r = registration::Entity::find_by_id(registration_id.to_owned())
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let viewing = viewing(conn, viewer, &r.community_id).await?;
    registration_views(conn, &viewing, vec![r])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// The registration a sign-up has just written, as its registrant sees it, built from what the
/// act holds (the event with its new counters, the registrant, the registration and its
/// waitlist position): only the viewer's roles and the organizer's and group's names are read,
/// not the event and the registration again.
pub(super) async fn fresh_registration<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    me: resident::Model,
    e: event::Model,
    r: registration::Model,
    position: Option<i32>,
) -> AppResult<RegistrationView> {
    let held = roles::viewer_roles(conn, viewer, &e.community_id).await?;
    let viewing = Viewing::of(Some(me), &held);
    let positions: HashMap<String, i32> = position.map(|p| (r.id.clone(), p)).into_iter().collect();
    assemble(
        conn,
        &viewing,
        vec![e],
        std::slice::from_ref(&r),
        &positions,
    )
    .await?
    .pop()
    .and_then(|v| v.my_registration())
    .ok_or(AppError::NotFound)
}

/// Confirms waitlisted registrations that the seats free now fit, earliest first, writing the
/// event's counters; the caller holds the event's row lock. Returns the promoted registrations.
pub(super) async fn promote<C: ConnectionTrait>(
    conn: &C,
    e: &event::Model,
    seats_taken: i32,
    waitlist_count: i32,
) -> AppResult<Vec<registration::Model>> {
    let waiting = if rules::fits(e.capacity, seats_taken, 1) && waitlist_count > 0 {
        registration::Entity::find()
            .filter(registration::Column::EventId.eq(e.id.clone()))
            .filter(registration::Column::Status.eq(RegistrationStatus::Waitlisted))
            .order_by_asc(registration::Column::Seq)
            .all(conn)
            .await?
    } else {
        Vec::new()
    };
    let queue: Vec<(String, i32)> = waiting.iter().map(|r| (r.id.clone(), r.party())).collect();
    let (ids, seats) = rules::promotions(e.capacity, seats_taken, &queue);
    let at = now();
    if !ids.is_empty() {
        registration::Entity::update_many()
            .col_expr(
                registration::Column::Status,
                Expr::value(RegistrationStatus::Confirmed),
            )
            .col_expr(registration::Column::ConfirmedAt, Expr::value(Some(at)))
            .col_expr(registration::Column::UpdatedAt, Expr::value(at))
            .filter(registration::Column::Id.is_in(ids.clone()))
            .exec(conn)
            .await?;
    }
    let promoted_count = i32::try_from(ids.len()).unwrap_or(0);
    event::Entity::update_many()
        .col_expr(event::Column::SeatsTaken, Expr::value(seats))
        .col_expr(
            event::Column::WaitlistCount,
            Expr::value((waitlist_count - promoted_count).max(0)),
        )
        .col_expr(event::Column::UpdatedAt, Expr::value(at))
        .filter(event::Column::Id.eq(e.id.clone()))
        .exec(conn)
        .await?;
    Ok(waiting
        .into_iter()
        .filter(|r| ids.contains(&r.id))
        .collect())
}

/// Tells the registrants' accounts about their event. The message carries the event's title,
/// time and place (no other resident's name).
pub(super) async fn tell<C: ConnectionTrait>(
    conn: &C,
    e: &event::Model,
    resident_ids: impl IntoIterator<Item = String>,
    kind: NotificationKind,
    extra: serde_json::Value,
) -> AppResult<Vec<Pending>> {
    let accounts = crate::domain::topic::service::active_accounts(conn, resident_ids).await?;
    tell_accounts(conn, e, &accounts, kind, extra).await
}

/// [`tell`] for accounts already known to be live (the actor's own).
pub(super) async fn tell_accounts<C: ConnectionTrait>(
    conn: &C,
    e: &event::Model,
    accounts: &[String],
    kind: NotificationKind,
    extra: serde_json::Value,
) -> AppResult<Vec<Pending>> {
    if accounts.is_empty() {
        return Ok(Vec::new());
    }
    let mut payload = serde_json::json!({
        "eventId": e.id,
        "event": e.title,
        "startsAt": e.starts_at,
        "place": e.place,
    });
    if let (Some(p), serde_json::Value::Object(more)) = (payload.as_object_mut(), extra) {
        p.extend(more);
    }
    notify::emit_many(conn, accounts, Some(&e.community_id), kind, payload).await
}
