//! The organizer's and the committee's acts: create, change and cancel events, check attendees
//! in, volunteer groups, and corrections of the volunteer-hours ledger. Creating an event takes
//! the ORGANIZER role or the committee; the other acts on an event take its organizer, the
//! leader of its volunteer group or the committee (`rules::Standing::manager`).

use chrono::{DateTime, Utc};
use entity::{
    event, registration, resident, volunteer_group, volunteer_group_member, volunteer_hours_entry,
};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QuerySelect, Set, TransactionTrait,
};

use super::rules::{self, EventAct, EventKind, RegistrationStatus};
use super::service::{self, promote, tell, viewing, EventView, RegistrationView};
use crate::auth::tokens::normalize_code;
use crate::auth::Viewer;
use crate::domain::audit::{self, AuditAction};
use crate::domain::notify::{self, NotificationKind};
use crate::domain::{new_id, now, rate_limit, roles};
use crate::error::{AppError, AppResult};
use crate::state::Services;

/// A new event as the organizer gives it (DESIGN §10 `EventInput`).
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub community_id: String,
    pub title: String,
    pub kind: EventKind,
    pub place: String,
    pub description: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: Option<i32>,
    pub companions_allowed: i32,
    pub signup_opens_at: Option<DateTime<Utc>>,
    pub signup_closes_at: Option<DateTime<Utc>>,
    pub volunteer_hours: Option<String>,
    pub group_id: Option<String>,
}

/// A live resident of the community, BAD_USER_INPUT on `field` otherwise.
async fn member_of<C: ConnectionTrait>(
    conn: &C,
    community_id: &str,
    resident_id: &str,
    field: &'static str,
) -> AppResult<resident::Model> {
    // Locked (shared) until the caller commits: a deactivation waits for it, or, first, leaves
    // no live place to find.
    resident::Entity::find_by_id(resident_id.to_owned())
        .filter(resident::Column::CommunityId.eq(community_id))
        .filter(roles::live_place())
        .lock_shared()
        .one(conn)
        .await?
        .ok_or_else(|| AppError::bad_input(field, "not a resident of this community"))
}

pub async fn create(state: &Services, viewer: &Viewer, input: NewEvent) -> AppResult<EventView> {
    let txn = state.db.begin().await?;
    let me = roles::require_resident(&txn, viewer, &input.community_id).await?;
    let viewing = viewing(&txn, viewer, &input.community_id).await?;
    if !viewing.may_organize() {
        return Err(AppError::Forbidden);
    }
    rate_limit::take(
        &txn,
        &rate_limit::key("event", viewer.id()),
        state.settings.proposal_limit.max,
        state.settings.proposal_limit.window_secs,
    )
    .await?;
    let at = now();
    let title = rules::title(&input.title)?;
    let place = rules::place(&input.place)?;
    let description = rules::description(input.description.as_deref().unwrap_or(""))?;
    let times = rules::times(
        input.starts_at,
        input.ends_at,
        input.signup_opens_at,
        input.signup_closes_at,
        at,
        at,
    )?;
    let capacity = rules::capacity(input.capacity)?;
    let companions_allowed = rules::companions_allowed(input.companions_allowed)?;
    let hours = match input.volunteer_hours.as_deref() {
        None => 0,
        Some(h) => rules::parse_hours("volunteerHours", h, false, rules::MAX_HOURS_CENTI)?,
    };
    if let Some(g) = &input.group_id {
        let group = volunteer_group::Entity::find_by_id(g.clone())
            .filter(volunteer_group::Column::CommunityId.eq(input.community_id.clone()))
            .one(&txn)
            .await?
            .ok_or_else(|| {
                AppError::bad_input("groupId", "not a volunteer group of this community")
            })?;
        if !rules::may_organize_for(
            group.leader_id == me.id,
            viewing.organizer,
            viewing.committee,
        ) {
            return Err(AppError::Forbidden);
        }
    }
    let e = event::ActiveModel {
        id: Set(new_id()),
        community_id: Set(input.community_id.clone()),
        organizer_id: Set(me.id.clone()),
        group_id: Set(input.group_id.clone()),
        title: Set(title),
        kind: Set(input.kind),
        place: Set(place),
        description: Set(description),
        starts_at: Set(times.starts_at),
        ends_at: Set(times.ends_at),
        capacity: Set(capacity),
        companions_allowed: Set(companions_allowed),
        signup_opens_at: Set(times.signup_opens_at),
        signup_closes_at: Set(times.signup_closes_at),
        volunteer_hours_centi: Set(hours),
        seats_taken: Set(0),
        waitlist_count: Set(0),
        next_seq: Set(1),
        cancelled_at: Set(None),
        cancel_reason: Set(None),
        reminded_at: Set(None),
        closed_at: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    service::event(&state.db, viewer, &e.id, false).await
}

/// A change to an event: each field given replaces the current one. `capacity: Some(None)`
/// removes the limit.
#[derive(Clone, Debug, Default)]
pub struct EventChange {
    pub title: Option<String>,
    pub place: Option<String>,
    pub description: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub capacity: Option<Option<i32>>,
    pub companions_allowed: Option<i32>,
}

/// Changes an event before it ends. Capacity below the seats taken is BAD_USER_INPUT; more
/// seats promote the waitlist. A change of capacity, time or place tells everyone registered.
pub async fn update(
    state: &Services,
    viewer: &Viewer,
    event_id: &str,
    change: EventChange,
) -> AppResult<EventView> {
    let txn = state.db.begin().await?;
    let v = service::event(&txn, viewer, event_id, true).await?;
    v.require(EventAct::Edit)?;
    let e = v.event.clone();
    let at = now();
    let title = change.title.as_deref().map(rules::title).transpose()?;
    let place = change.place.as_deref().map(rules::place).transpose()?;
    let description = change
        .description
        .as_deref()
        .map(rules::description)
        .transpose()?;
    let times_changed = change.starts_at.is_some_and(|s| s != e.starts_at)
        || change.ends_at.is_some_and(|s| s != e.ends_at);
    let times = if times_changed {
        Some(rules::moved_times(
            &e,
            change.starts_at.unwrap_or(e.starts_at),
            change.ends_at.unwrap_or(e.ends_at),
            at,
        )?)
    } else {
        None
    };
    let capacity = match change.capacity {
        Some(c) => {
            let c = rules::capacity(c)?;
            if c.is_some_and(|c| c < e.seats_taken) {
                return Err(AppError::bad_input(
                    "capacity",
                    format!(
                        "{} seats are taken: the capacity cannot be lower",
                        e.seats_taken
                    ),
                ));
            }
            Some(c)
        }
        None => None,
    };
    let companions_allowed = change
        .companions_allowed
        .map(rules::companions_allowed)
        .transpose()?;
    let mut am: event::ActiveModel = e.clone().into();
    if let Some(t) = title {
        am.title = Set(t);
    }
    let place_changed = place.as_ref().is_some_and(|p| *p != e.place);
    if let Some(p) = place {
        am.place = Set(p);
    }
    if let Some(d) = description {
        am.description = Set(d);
    }
    if let Some(t) = &times {
        am.starts_at = Set(t.starts_at);
        am.ends_at = Set(t.ends_at);
        am.signup_opens_at = Set(t.signup_opens_at);
        am.signup_closes_at = Set(t.signup_closes_at);
        // An event that starts at another time is reminded again the day before it.
        if t.starts_at != e.starts_at {
            am.reminded_at = Set(None);
        }
    }
    let capacity_changed = capacity.is_some_and(|c| c != e.capacity);
    if let Some(c) = capacity {
        am.capacity = Set(c);
    }
    if let Some(n) = companions_allowed {
        am.companions_allowed = Set(n);
    }
    am.updated_at = Set(at);
    let updated = am.update(&txn).await?;
    let promoted = if capacity_changed {
        promote(&txn, &updated, updated.seats_taken, updated.waitlist_count).await?
    } else {
        Vec::new()
    };
    let mut pending = tell(
        &txn,
        &updated,
        promoted.iter().map(|p| p.resident_id.clone()),
        NotificationKind::EventPromoted,
        serde_json::json!({}),
    )
    .await?;
    if capacity_changed || times.is_some() || place_changed {
        let promoted_ids: Vec<&str> = promoted.iter().map(|p| p.id.as_str()).collect();
        let registered: Vec<String> = registration::Entity::find()
            .filter(registration::Column::EventId.eq(updated.id.clone()))
            .filter(registration::Column::Status.is_in([
                RegistrationStatus::Confirmed,
                RegistrationStatus::Waitlisted,
            ]))
            .all(&txn)
            .await?
            .into_iter()
            .filter(|r| !promoted_ids.contains(&r.id.as_str()))
            .map(|r| r.resident_id)
            .collect();
        let what: Vec<&str> = [
            (capacity_changed, "capacity"),
            (times.is_some(), "time"),
            (place_changed, "place"),
        ]
        .into_iter()
        .filter_map(|(changed, what)| changed.then_some(what))
        .collect();
        pending.extend(
            tell(
                &txn,
                &updated,
                registered,
                NotificationKind::EventChanged,
                serde_json::json!({ "changed": what }),
            )
            .await?,
        );
    }
    txn.commit().await?;
    notify::publish(&state.bus, pending).await;
    service::event(&state.db, viewer, event_id, false).await
}

/// Cancels the event: every active registration is cancelled and told (audited).
pub async fn cancel_event(
    state: &Services,
    viewer: &Viewer,
    event_id: &str,
    reason: &str,
) -> AppResult<EventView> {
    let txn = state.db.begin().await?;
    let v = service::event(&txn, viewer, event_id, true).await?;
    v.require(EventAct::Cancel)?;
    let reason = rules::reason(reason)?;
    let at = now();
    // Locked, so that a check-in in flight either lands first (and its attendee is not told
    // of a cancellation) or waits and finds the registration cancelled.
    let active = registration::Entity::find()
        .filter(registration::Column::EventId.eq(event_id))
        .filter(registration::Column::Status.is_in([
            RegistrationStatus::Confirmed,
            RegistrationStatus::Waitlisted,
        ]))
        .lock_exclusive()
        .all(&txn)
        .await?;
    registration::Entity::update_many()
        .col_expr(
            registration::Column::Status,
            Expr::value(RegistrationStatus::Cancelled),
        )
        .col_expr(registration::Column::ActiveKey, Expr::value(None::<String>))
        .col_expr(registration::Column::CancelledAt, Expr::value(Some(at)))
        .col_expr(registration::Column::UpdatedAt, Expr::value(at))
        .filter(registration::Column::Id.is_in(active.iter().map(|r| r.id.clone())))
        .exec(&txn)
        .await?;
    event::Entity::update_many()
        .col_expr(event::Column::CancelledAt, Expr::value(Some(at)))
        .col_expr(
            event::Column::CancelReason,
            Expr::value(Some(reason.clone())),
        )
        .col_expr(event::Column::SeatsTaken, Expr::value(0))
        .col_expr(event::Column::WaitlistCount, Expr::value(0))
        .col_expr(event::Column::UpdatedAt, Expr::value(at))
        .filter(event::Column::Id.eq(event_id))
        .exec(&txn)
        .await?;
    audit::append(
        &txn,
        &state.audit,
        audit::Entry {
            actor_id: Some(viewer.id()),
            community_id: Some(&v.event.community_id),
            action: AuditAction::EventCancel,
            subject: event_id,
            details: serde_json::json!({
                "title": v.event.title,
                "registrations": active.len(),
            }),
        },
    )
    .await?;
    let pending = tell(
        &txn,
        &v.event,
        active.into_iter().map(|r| r.resident_id),
        NotificationKind::EventCancelled,
        serde_json::json!({ "reason": reason }),
    )
    .await?;
    txn.commit().await?;
    notify::publish(&state.bus, pending).await;
    service::event(&state.db, viewer, event_id, false).await
}

/// Checks an attendee in by their code (case and separators do not matter): CONFIRMED →
/// ATTENDED, crediting the event's volunteer hours once; a second check-in answers the
/// registration unchanged; a code of another event is NOT_FOUND.
pub async fn check_in(
    state: &Services,
    viewer: &Viewer,
    event_id: &str,
    code: &str,
) -> AppResult<RegistrationView> {
    // Counted outside the act's transaction, so that a wrong code counts too: codes must not be
    // guessed without limit.
    rate_limit::take(
        &state.db,
        &rate_limit::key("checkin", viewer.id()),
        state.settings.write_limit.max.saturating_mul(10),
        state.settings.write_limit.window_secs,
    )
    .await?;
    let txn = state.db.begin().await?;
    let v = service::event(&txn, viewer, event_id, false).await?;
    v.require(EventAct::CheckIn)?;
    let code = normalize_code(code);
    if code.is_empty() || code.len() > 16 {
        return Err(AppError::NotFound);
    }
    let r = registration::Entity::find()
        .filter(registration::Column::EventId.eq(event_id))
        .filter(registration::Column::CheckInCode.eq(code))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    match r.status {
        RegistrationStatus::Attended => {
            txn.commit().await?;
            return read_back(state, viewer, &r.id).await;
        }
        RegistrationStatus::Confirmed => {}
        RegistrationStatus::Waitlisted => {
            return Err(AppError::invalid_state(
                "this registration is on the waitlist, not confirmed",
            ))
        }
        RegistrationStatus::Cancelled => {
            return Err(AppError::invalid_state("this registration was cancelled"))
        }
        RegistrationStatus::NoShow => return Err(AppError::invalid_state("the event is over")),
    }
    let me = roles::require_resident(&txn, viewer, &v.event.community_id).await?;
    let at = now();
    registration::Entity::update_many()
        .col_expr(
            registration::Column::Status,
            Expr::value(RegistrationStatus::Attended),
        )
        .col_expr(registration::Column::CheckedInAt, Expr::value(Some(at)))
        .col_expr(
            registration::Column::CheckedInBy,
            Expr::value(Some(me.id.clone())),
        )
        .col_expr(registration::Column::UpdatedAt, Expr::value(at))
        .filter(registration::Column::Id.eq(r.id.clone()))
        .exec(&txn)
        .await?;
    if v.event.volunteer_hours_centi > 0 {
        volunteer_hours_entry::ActiveModel {
            id: Set(new_id()),
            community_id: Set(v.event.community_id.clone()),
            resident_id: Set(r.resident_id.clone()),
            event_id: Set(Some(v.event.id.clone())),
            registration_id: Set(Some(r.id.clone())),
            hours_centi: Set(v.event.volunteer_hours_centi),
            note: Set(None),
            recorded_by: Set(Some(me.id.clone())),
            created_at: Set(at),
        }
        .insert(&txn)
        .await
        .map_err(crate::db::on_unique("these hours are already credited"))?;
    }
    txn.commit().await?;
    read_back(state, viewer, &r.id).await
}

async fn read_back(
    state: &Services,
    viewer: &Viewer,
    registration_id: &str,
) -> AppResult<RegistrationView> {
    service::registration(&state.db, viewer, registration_id).await
}

/// The committee creates a volunteer group with its leader (a member from the start).
pub async fn create_group(
    state: &Services,
    viewer: &Viewer,
    community_id: &str,
    name: &str,
    leader_id: &str,
) -> AppResult<volunteer_group::Model> {
    let txn = state.db.begin().await?;
    roles::require_resident(&txn, viewer, community_id).await?;
    if !viewing(&txn, viewer, community_id).await?.committee {
        return Err(AppError::Forbidden);
    }
    let name = rules::group_name(name)?;
    let leader = member_of(&txn, community_id, leader_id, "leaderId").await?;
    let at = now();
    let g = volunteer_group::ActiveModel {
        id: Set(new_id()),
        community_id: Set(community_id.to_owned()),
        name: Set(name),
        leader_id: Set(leader.id.clone()),
        created_by: Set(viewer.id().to_owned()),
        created_at: Set(at),
    }
    .insert(&txn)
    .await
    .map_err(crate::db::on_unique("a group of this name exists"))?;
    volunteer_group_member::ActiveModel {
        id: Set(new_id()),
        group_id: Set(g.id.clone()),
        resident_id: Set(leader.id),
        created_at: Set(at),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(g)
}

/// The viewer joins (or leaves) a volunteer group of their community. Joining twice is
/// CONFLICT; leaving a group one is not in is a no-op. A leave locks the group row, so it and the
/// committee naming the same resident leader apply one after the other (a leader is always a
/// member).
pub async fn membership(
    state: &Services,
    viewer: &Viewer,
    group_id: &str,
    join: bool,
) -> AppResult<volunteer_group::Model> {
    let g = volunteer_group::Entity::find_by_id(group_id.to_owned())
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let me = match roles::active_resident(&state.db, viewer, &g.community_id).await? {
        Some(me) => me,
        None => return Err(AppError::NotFound),
    };
    rate_limit::take(
        &state.db,
        &rate_limit::key("group", viewer.id()),
        state.settings.write_limit.max,
        state.settings.write_limit.window_secs,
    )
    .await?;
    if join {
        volunteer_group_member::ActiveModel {
            id: Set(new_id()),
            group_id: Set(g.id.clone()),
            resident_id: Set(me.id),
            created_at: Set(now()),
        }
        .insert(&state.db)
        .await
        .map_err(crate::db::on_unique("you are already a member"))?;
        return Ok(g);
    }
    let txn = state.db.begin().await?;
    let g = volunteer_group::Entity::find_by_id(g.id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    rules::check_leave(g.leader_id == me.id)?;
    volunteer_group_member::Entity::delete_many()
        .filter(volunteer_group_member::Column::GroupId.eq(g.id.clone()))
        .filter(volunteer_group_member::Column::ResidentId.eq(me.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(g)
}

/// The committee names another leader for a volunteer group: any resident who lives in the
/// community (they join the group if they were not in it); the previous leader stays a member,
/// free to leave. Audited. Naming the leader it has already changes nothing. The group row is
/// locked, so two appointments at once apply one after the other.
pub async fn set_group_leader(
    state: &Services,
    viewer: &Viewer,
    group_id: &str,
    resident_id: &str,
) -> AppResult<volunteer_group::Model> {
    let txn = state.db.begin().await?;
    let g = volunteer_group::Entity::find_by_id(group_id.to_owned())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    roles::require_resident(&txn, viewer, &g.community_id).await?;
    if !viewing(&txn, viewer, &g.community_id).await?.committee {
        return Err(AppError::Forbidden);
    }
    let leader = member_of(&txn, &g.community_id, resident_id, "residentId").await?;
    if leader.id == g.leader_id {
        return Ok(g);
    }
    volunteer_group_member::Entity::insert(volunteer_group_member::ActiveModel {
        id: Set(new_id()),
        group_id: Set(g.id.clone()),
        resident_id: Set(leader.id.clone()),
        created_at: Set(now()),
    })
    .on_conflict_do_nothing_on([
        volunteer_group_member::Column::GroupId,
        volunteer_group_member::Column::ResidentId,
    ])
    .exec(&txn)
    .await?;
    let previous = g.leader_id.clone();
    let mut active: volunteer_group::ActiveModel = g.into();
    active.leader_id = Set(leader.id.clone());
    let g = active.update(&txn).await?;
    audit::append(
        &txn,
        &state.audit,
        audit::Entry {
            actor_id: Some(viewer.id()),
            community_id: Some(&g.community_id),
            action: AuditAction::GroupLeader,
            subject: &g.id,
            details: serde_json::json!({ "leader": leader.id, "previous": previous }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(g)
}

/// The committee corrects a resident's volunteer hours with a new ledger entry (never an edit),
/// with a note; the total may not go below zero (audited).
pub async fn correct_hours(
    state: &Services,
    viewer: &Viewer,
    community_id: &str,
    resident_id: &str,
    hours: &str,
    note: &str,
) -> AppResult<i64> {
    let txn = state.db.begin().await?;
    let me = roles::require_resident(&txn, viewer, community_id).await?;
    if !viewing(&txn, viewer, community_id).await?.committee {
        return Err(AppError::Forbidden);
    }
    let centi = rules::parse_hours("hours", hours, true, rules::MAX_CORRECTION_CENTI)?;
    if centi == 0 {
        return Err(AppError::bad_input("hours", "a correction is not zero"));
    }
    let note = rules::note(note)?;
    // Any resident ever on the roster: a moved-out volunteer's record can be corrected too.
    let subject = resident::Entity::find_by_id(resident_id.to_owned())
        .filter(resident::Column::CommunityId.eq(community_id))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::bad_input("residentId", "not a resident of this community"))?;
    let total = super::read::total_centi(&txn, community_id, &subject.id).await?;
    if total + i64::from(centi) < 0 {
        return Err(AppError::bad_input(
            "hours",
            "the correction would take the hours below zero",
        ));
    }
    volunteer_hours_entry::ActiveModel {
        id: Set(new_id()),
        community_id: Set(community_id.to_owned()),
        resident_id: Set(subject.id.clone()),
        event_id: Set(None),
        registration_id: Set(None),
        hours_centi: Set(centi),
        note: Set(Some(note.clone())),
        recorded_by: Set(Some(me.id)),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        &state.audit,
        audit::Entry {
            actor_id: Some(viewer.id()),
            community_id: Some(community_id),
            action: AuditAction::HoursCorrect,
            subject: &subject.id,
            details: serde_json::json!({ "hours": rules::hours_text(i64::from(centi)), "note": note }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(total + i64::from(centi))
}
