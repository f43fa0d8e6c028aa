//! Events and volunteering (活动报名, DESIGN §7, §10): transport only. What a viewer may read and
//! do is decided in `domain::events` (`EventView`, `RegistrationView`, `rules`).

use async_graphql::connection::EmptyFields;
use async_graphql::{Context, InputObject, MaybeUndefined, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::enums::{EventKind, EventPhase, RegistrationStatus};
use super::paging;
use crate::auth::{app_state, require_viewer, RequestOrigin};
use crate::domain::events::rules::{self, EventAct};
use crate::domain::events::service::{EventView, RegistrationView};
use crate::domain::events::{act, calendar, organize, read};
use crate::domain::topic::service::Person;
use crate::error::GqlResult;

/// A person an event names (its organizer, a registrant, a group's leader or member).
#[derive(SimpleObject, Clone)]
pub struct EventPerson {
    pub id: ID,
    pub name: String,
}

impl From<Person> for EventPerson {
    fn from(p: Person) -> Self {
        Self {
            id: ID(p.id),
            name: p.name,
        }
    }
}

/// An event's volunteer group.
#[derive(SimpleObject, Clone)]
pub struct EventGroup {
    pub id: ID,
    pub name: String,
}

/// What the viewer may do with the event now: the server's rule, the same each act checks.
#[derive(SimpleObject, Clone, Default)]
pub struct EventActions {
    pub sign_up: bool,
    /// Cancel the viewer's own registration.
    pub cancel_registration: bool,
    pub check_in: bool,
    pub edit: bool,
    /// Cancel the whole event (its organizer or the committee).
    pub cancel: bool,
    /// Download the attendees as CSV (`GET /events/{id}/attendees.csv`).
    pub export: bool,
}

/// An absolute URL when the request came over HTTP, else the path.
fn absolute(ctx: &Context<'_>, path: String) -> String {
    match ctx.data_opt::<RequestOrigin>() {
        Some(o) => format!("{}{path}", o.0),
        None => path,
    }
}

/// An event (DESIGN §7, §10), read by the residents of its community. `listed`: reached
/// through a list (events, registrations), where its own registrations are not read (a page
/// would cost statements per event).
pub struct Event(pub EventView, pub bool);

impl Event {
    fn one(v: EventView) -> Self {
        Self(v, false)
    }
    fn listed(v: EventView) -> Self {
        Self(v, true)
    }
}

#[Object]
impl Event {
    async fn id(&self) -> ID {
        ID(self.0.event.id.clone())
    }
    async fn title(&self) -> &str {
        &self.0.event.title
    }
    async fn kind(&self) -> EventKind {
        self.0.event.kind.into()
    }
    async fn place(&self) -> &str {
        &self.0.event.place
    }
    async fn description(&self) -> &str {
        &self.0.event.description
    }
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.event.starts_at
    }
    async fn ends_at(&self) -> DateTime<Utc> {
        self.0.event.ends_at
    }
    /// Seats; null: unlimited.
    async fn capacity(&self) -> Option<i32> {
        self.0.event.capacity
    }
    /// Seats held by confirmed and attended parties (companions included).
    async fn seats_taken(&self) -> i32 {
        self.0.event.seats_taken
    }
    /// Seats still free; null when the event has no capacity.
    async fn seats_left(&self) -> Option<i32> {
        self.0.seats_left()
    }
    /// Registrations on the waitlist.
    async fn waitlist_count(&self) -> i32 {
        self.0.event.waitlist_count
    }
    /// How many companions one sign-up may bring.
    async fn companions_allowed(&self) -> i32 {
        self.0.event.companions_allowed
    }
    async fn signup_opens_at(&self) -> DateTime<Utc> {
        self.0.event.signup_opens_at
    }
    async fn signup_closes_at(&self) -> DateTime<Utc> {
        self.0.event.signup_closes_at
    }
    /// Volunteer hours credited per attendee, decimal ("2.5"); "0": not a volunteer event.
    async fn volunteer_hours(&self) -> String {
        rules::hours_text(i64::from(self.0.event.volunteer_hours_centi))
    }
    async fn phase(&self) -> EventPhase {
        self.0.phase.into()
    }
    async fn cancelled_at(&self) -> Option<DateTime<Utc>> {
        self.0.event.cancelled_at
    }
    async fn cancel_reason(&self) -> Option<&str> {
        self.0.event.cancel_reason.as_deref()
    }
    /// When check-in opens (two hours before the start); it closes at the end.
    async fn check_in_opens_at(&self) -> DateTime<Utc> {
        self.0.event.starts_at - chrono::Duration::hours(rules::CHECK_IN_BEFORE_HOURS)
    }
    async fn organizer(&self) -> EventPerson {
        self.0.organizer.clone().into()
    }
    async fn group(&self) -> Option<EventGroup> {
        self.0.group.as_ref().map(|g| EventGroup {
            id: ID(g.id.clone()),
            name: g.name.clone(),
        })
    }
    async fn community_id(&self) -> ID {
        ID(self.0.event.community_id.clone())
    }
    /// This event's `.ics` for a calendar app, carrying the viewer's private feed token.
    async fn calendar_url(&self, ctx: &Context<'_>) -> GqlResult<String> {
        let viewer = require_viewer(ctx).await?;
        let path = calendar::event_path(&app_state(ctx)?.keys, &viewer.account, &self.0.event.id);
        Ok(absolute(ctx, path))
    }
    /// The viewer's registration (the active one, else the latest), if any.
    async fn viewer_registration(&self) -> Option<Registration> {
        self.0.my_registration().map(Registration)
    }
    /// What the viewer may do now.
    async fn viewer_can(&self) -> EventActions {
        let mut a = EventActions {
            cancel_registration: self.0.may_cancel_mine(),
            ..Default::default()
        };
        for act in self.0.actions() {
            match act {
                EventAct::SignUp => a.sign_up = true,
                EventAct::CheckIn => a.check_in = true,
                EventAct::Edit => a.edit = true,
                EventAct::Cancel => a.cancel = true,
                EventAct::Export => a.export = true,
            }
        }
        a
    }
    /// The registrations in sign-up order (optionally of one status), for the event's
    /// organizer, its group's leader and the committee (FORBIDDEN for other residents).
    #[graphql(complexity = "paging::cost(first, paging::LIST, child_complexity)")]
    async fn registrations(
        &self,
        ctx: &Context<'_>,
        status: Option<RegistrationStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<RegistrationConnection> {
        if self.1 {
            return Err(crate::error::AppError::bad_input(
                "registrations",
                "read the registrations of one event at a time (event(id:))",
            )
            .into());
        }
        let viewer = require_viewer(ctx).await?;
        let page = paging::KeyPage::new(first, after.as_deref(), paging::LIST)?;
        let after = page.after.as_ref().map(|k| (k.at, k.id.clone()));
        let (rows, has_next) = read::registrations(
            &app_state(ctx)?.db,
            &viewer,
            &self.0,
            status.map(Into::into),
            after.as_ref(),
            page.limit,
        )
        .await?;
        let keyed = paging::keyed(
            rows,
            |v| (v.registration.created_at, v.registration.id.clone()),
            Registration,
        );
        Ok(page.connection(keyed, has_next, EmptyFields))
    }
}

/// What the viewer may do with a registration now.
#[derive(SimpleObject, Clone, Default)]
pub struct RegistrationActions {
    pub cancel: bool,
}

/// A sign-up (DESIGN §7, §10), read by its registrant and the event's managers.
pub struct Registration(pub RegistrationView);

#[Object]
impl Registration {
    async fn id(&self) -> ID {
        ID(self.0.registration.id.clone())
    }
    async fn status(&self) -> RegistrationStatus {
        self.0.status.into()
    }
    /// 1..N while WAITLISTED, in sign-up order; null otherwise.
    async fn waitlist_position(&self) -> Option<i32> {
        self.0.position
    }
    /// Only to the registrant, and only while CONFIRMED or ATTENDED (null otherwise).
    async fn check_in_code(&self) -> Option<&str> {
        self.0.check_in_code()
    }
    /// The check-in code as a QR code (SVG markup), under the same rule as `checkInCode`.
    async fn check_in_qr_svg(&self) -> Option<String> {
        let code = self.0.check_in_code()?;
        let qr = qrcode::QrCode::new(code.as_bytes()).ok()?;
        Some(
            qr.render::<qrcode::render::svg::Color>()
                .min_dimensions(200, 200)
                .quiet_zone(true)
                .build(),
        )
    }
    /// Companions the registrant brings (each takes a seat).
    async fn companions(&self) -> i32 {
        self.0.registration.companions
    }
    async fn event(&self) -> Event {
        Event::listed(self.0.event.clone())
    }
    async fn resident(&self) -> EventPerson {
        self.0.resident.clone().into()
    }
    async fn checked_in_at(&self) -> Option<DateTime<Utc>> {
        self.0.registration.checked_in_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.registration.created_at
    }
    async fn viewer_can(&self) -> RegistrationActions {
        RegistrationActions {
            cancel: self.0.may_cancel(),
        }
    }
}

/// A line of the viewer's volunteer-hours ledger.
#[derive(SimpleObject, Clone)]
pub struct VolunteerHoursEntry {
    pub id: ID,
    /// Decimal hours ("2.5"); a correction may be negative.
    pub hours: String,
    /// The attended event it credits, if any.
    pub event_id: Option<ID>,
    pub event_title: Option<String>,
    /// A correction's note.
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A resident's hours in a year (the committee's ranking).
#[derive(SimpleObject, Clone)]
pub struct VolunteerRank {
    pub rank: i32,
    pub resident: EventPerson,
    pub hours: String,
}

/// A volunteer group with its leader and members.
#[derive(SimpleObject, Clone)]
pub struct VolunteerGroup {
    pub id: ID,
    pub name: String,
    pub leader: EventPerson,
    pub members: Vec<EventPerson>,
    pub viewer_is_member: bool,
    /// What the viewer may do with the group now.
    pub viewer_can: GroupActions,
}

/// What the viewer may do with a volunteer group.
#[derive(SimpleObject, Clone, Copy)]
pub struct GroupActions {
    pub join: bool,
    /// Not the leader: a group keeps its leader.
    pub leave: bool,
    /// Name the group as an event's organizer (`EventInput.groupId`).
    pub organize: bool,
    /// Name another leader (`setVolunteerGroupLeader`: the committee).
    pub appoint_leader: bool,
}

impl From<read::GroupView> for VolunteerGroup {
    fn from(g: read::GroupView) -> Self {
        Self {
            id: ID(g.group.id),
            name: g.group.name,
            leader: g.leader.into(),
            members: g.members.into_iter().map(Into::into).collect(),
            viewer_is_member: g.viewer_member,
            viewer_can: GroupActions {
                join: g.viewer_can.join,
                leave: g.viewer_can.leave,
                organize: g.viewer_can.organize,
                appoint_leader: g.viewer_can.appoint_leader,
            },
        }
    }
}

pub type EventConnection = paging::KeyConnection<Event, EmptyFields>;
pub type RegistrationConnection = paging::KeyConnection<Registration, EmptyFields>;
pub type VolunteerHoursConnection = paging::KeyConnection<VolunteerHoursEntry, EmptyFields>;

/// A new event (DESIGN §10).
#[derive(InputObject)]
pub struct EventInput {
    pub community_id: ID,
    /// 1–100 characters.
    pub title: String,
    pub kind: EventKind,
    /// 1–100 characters.
    pub place: String,
    /// In the future, within a year.
    pub starts_at: DateTime<Utc>,
    /// After the start, within a month of it.
    pub ends_at: DateTime<Utc>,
    /// 1–100,000 seats; null: unlimited.
    pub capacity: Option<i32>,
    /// 0–10 companions per sign-up.
    pub companions_allowed: i32,
    /// Default: now.
    pub signup_opens_at: Option<DateTime<Utc>>,
    /// Default: the start; never after it.
    pub signup_closes_at: Option<DateTime<Utc>>,
    /// Decimal hours credited per attendee ("2.5"), 0–24; absent: not a volunteer event.
    pub volunteer_hours: Option<String>,
    /// Up to 2,000 characters.
    pub description: Option<String>,
    /// A volunteer group of the community (its leader or the committee).
    pub group_id: Option<ID>,
}

/// A change to an event: each field given replaces the current one.
#[derive(InputObject, Default)]
pub struct EventChangeInput {
    pub title: Option<String>,
    pub place: Option<String>,
    pub description: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    /// null removes the limit; never below the seats taken.
    pub capacity: MaybeUndefined<i32>,
    pub companions_allowed: Option<i32>,
}

#[derive(Default)]
pub struct EventsQuery;

#[Object]
impl EventsQuery {
    /// One event (NOT_FOUND unless the viewer lives in its community).
    async fn event(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Event>> {
        let viewer = require_viewer(ctx).await?;
        Ok(Some(Event::one(
            read::event(&app_state(ctx)?.db, &viewer, &id).await?,
        )))
    }

    /// A community's events: upcoming (not ended) soonest first, or `past` ones latest first;
    /// of one `kind` or all.
    #[graphql(complexity = "paging::cost(first, paging::LIST, child_complexity)")]
    async fn events(
        &self,
        ctx: &Context<'_>,
        community_id: ID,
        kind: Option<EventKind>,
        #[graphql(default)] past: bool,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<EventConnection> {
        let viewer = require_viewer(ctx).await?;
        let page = paging::KeyPage::new(first, after.as_deref(), paging::LIST)?;
        let after = page.after.as_ref().map(|k| (k.at, k.id.clone()));
        let (rows, has_next) = read::events(
            &app_state(ctx)?.db,
            &viewer,
            &community_id,
            kind.map(Into::into),
            past,
            after.as_ref(),
            page.limit,
        )
        .await?;
        let keyed = paging::keyed(
            rows,
            |v| (v.event.starts_at, v.event.id.clone()),
            Event::listed,
        );
        Ok(page.connection(keyed, has_next, EmptyFields))
    }

    /// The viewer's registrations in a community, newest first.
    #[graphql(complexity = "paging::cost(first, paging::LIST, child_complexity)")]
    async fn my_registrations(
        &self,
        ctx: &Context<'_>,
        community_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<RegistrationConnection> {
        let viewer = require_viewer(ctx).await?;
        let page = paging::KeyPage::new(first, after.as_deref(), paging::LIST)?;
        let after = page.after.as_ref().map(|k| (k.at, k.id.clone()));
        let (rows, has_next) = read::my_registrations(
            &app_state(ctx)?.db,
            &viewer,
            &community_id,
            after.as_ref(),
            page.limit,
        )
        .await?;
        let keyed = paging::keyed(
            rows,
            |v| (v.registration.created_at, v.registration.id.clone()),
            Registration,
        );
        Ok(page.connection(keyed, has_next, EmptyFields))
    }

    /// The viewer's credited volunteer hours in that community, decimal ("12.5").
    async fn volunteer_hours(&self, ctx: &Context<'_>, community_id: ID) -> GqlResult<String> {
        let viewer = require_viewer(ctx).await?;
        let centi = read::my_hours(&app_state(ctx)?.db, &viewer, &community_id).await?;
        Ok(rules::hours_text(centi))
    }

    /// The viewer's volunteer-hours ledger in a community, newest first.
    #[graphql(complexity = "paging::cost(first, paging::LIST, child_complexity)")]
    async fn volunteer_hours_history(
        &self,
        ctx: &Context<'_>,
        community_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<VolunteerHoursConnection> {
        let viewer = require_viewer(ctx).await?;
        let page = paging::KeyPage::new(first, after.as_deref(), paging::LIST)?;
        let after = page.after.as_ref().map(|k| (k.at, k.id.clone()));
        let (rows, has_next) = read::my_hours_history(
            &app_state(ctx)?.db,
            &viewer,
            &community_id,
            after.as_ref(),
            page.limit,
        )
        .await?;
        let keyed = paging::keyed(
            rows,
            |l| (l.entry.created_at, l.entry.id.clone()),
            |l: read::HoursLine| VolunteerHoursEntry {
                id: ID(l.entry.id),
                hours: rules::hours_text(i64::from(l.entry.hours_centi)),
                event_id: l.entry.event_id.map(ID),
                event_title: l.event_title,
                note: l.entry.note,
                created_at: l.entry.created_at,
            },
        );
        Ok(page.connection(keyed, has_next, EmptyFields))
    }

    /// The committee's ranking of a year (UTC): residents by hours credited, most first (100).
    async fn volunteer_ranking(
        &self,
        ctx: &Context<'_>,
        community_id: ID,
        year: i32,
    ) -> GqlResult<Vec<VolunteerRank>> {
        let viewer = require_viewer(ctx).await?;
        let rows = read::ranking(&app_state(ctx)?.db, &viewer, &community_id, year).await?;
        Ok(rows
            .into_iter()
            .enumerate()
            .map(|(i, (p, centi))| VolunteerRank {
                rank: i32::try_from(i + 1).unwrap_or(i32::MAX),
                resident: p.into(),
                hours: rules::hours_text(centi),
            })
            .collect())
    }

    /// A community's volunteer groups with their leaders and members.
    async fn volunteer_groups(
        &self,
        ctx: &Context<'_>,
        community_id: ID,
    ) -> GqlResult<Vec<VolunteerGroup>> {
        let viewer = require_viewer(ctx).await?;
        let rows = read::groups(&app_state(ctx)?.db, &viewer, &community_id).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

/// The viewer's next events (Home): active registrations of events not ended, soonest first.
pub(super) async fn next_events(
    ctx: &Context<'_>,
    community_id: &str,
) -> GqlResult<Vec<Registration>> {
    let viewer = require_viewer(ctx).await?;
    let found = read::next_events(&app_state(ctx)?.db, &viewer, community_id).await?;
    Ok(found.into_iter().map(Registration).collect())
}

/// The community's calendar feed for the viewer (`Community.calendarUrl`).
pub(super) async fn community_calendar_url(
    ctx: &Context<'_>,
    community_id: &str,
) -> GqlResult<String> {
    let viewer = require_viewer(ctx).await?;
    let path = calendar::community_path(&app_state(ctx)?.keys, &viewer.account, community_id);
    Ok(absolute(ctx, path))
}

#[derive(Default)]
pub struct EventsMutation;

#[Object]
impl EventsMutation {
    /// An ORGANIZER or the committee creates an event.
    async fn create_event(&self, ctx: &Context<'_>, input: EventInput) -> GqlResult<Event> {
        let viewer = require_viewer(ctx).await?;
        let v = organize::create(
            app_state(ctx)?,
            &viewer,
            organize::NewEvent {
                community_id: input.community_id.0,
                title: input.title,
                kind: input.kind.into(),
                place: input.place,
                description: input.description,
                starts_at: input.starts_at,
                ends_at: input.ends_at,
                capacity: input.capacity,
                companions_allowed: input.companions_allowed,
                signup_opens_at: input.signup_opens_at,
                signup_closes_at: input.signup_closes_at,
                volunteer_hours: input.volunteer_hours,
                group_id: input.group_id.map(|g| g.0),
            },
        )
        .await?;
        Ok(Event::one(v))
    }

    /// The organizer (or the committee) changes an event before it ends; a change of capacity,
    /// time or place tells everyone registered; more seats promote the waitlist.
    async fn update_event(
        &self,
        ctx: &Context<'_>,
        event_id: ID,
        input: EventChangeInput,
    ) -> GqlResult<Event> {
        let viewer = require_viewer(ctx).await?;
        let capacity = match input.capacity {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(c) => Some(Some(c)),
        };
        let v = organize::update(
            app_state(ctx)?,
            &viewer,
            &event_id,
            organize::EventChange {
                title: input.title,
                place: input.place,
                description: input.description,
                starts_at: input.starts_at,
                ends_at: input.ends_at,
                capacity,
                companions_allowed: input.companions_allowed,
            },
        )
        .await?;
        Ok(Event::one(v))
    }

    /// The organizer (or the committee) cancels the event: every registration is cancelled and
    /// told (audited).
    async fn cancel_event(
        &self,
        ctx: &Context<'_>,
        event_id: ID,
        reason: String,
    ) -> GqlResult<Event> {
        let viewer = require_viewer(ctx).await?;
        Ok(Event::one(
            organize::cancel_event(app_state(ctx)?, &viewer, &event_id, &reason).await?,
        ))
    }

    /// Signs the viewer up with `companions` (default 0): CONFIRMED while the party fits the
    /// seats left, else WAITLISTED. Signing up twice returns the active registration unchanged.
    async fn sign_up(
        &self,
        ctx: &Context<'_>,
        event_id: ID,
        companions: Option<i32>,
    ) -> GqlResult<Registration> {
        let viewer = require_viewer(ctx).await?;
        let state = app_state(ctx)?;
        let (v, new) = act::sign_up(state, &viewer, &event_id, companions).await?;
        if new {
            state
                .metrics
                .signed_up(v.registration.status == rules::RegistrationStatus::Confirmed);
        }
        Ok(Registration(v))
    }

    /// The registrant cancels before the start; freed seats promote the waitlist.
    async fn cancel_registration(
        &self,
        ctx: &Context<'_>,
        registration_id: ID,
    ) -> GqlResult<Registration> {
        let viewer = require_viewer(ctx).await?;
        Ok(Registration(
            act::cancel(app_state(ctx)?, &viewer, &registration_id).await?,
        ))
    }

    /// The organizer checks an attendee in by their code (from two hours before the start until
    /// the end): ATTENDED, hours credited once; a code of another event is NOT_FOUND.
    async fn check_in(
        &self,
        ctx: &Context<'_>,
        event_id: ID,
        code: String,
    ) -> GqlResult<Registration> {
        let viewer = require_viewer(ctx).await?;
        Ok(Registration(
            organize::check_in(app_state(ctx)?, &viewer, &event_id, &code).await?,
        ))
    }

    /// The committee creates a volunteer group with its leader.
    async fn create_volunteer_group(
        &self,
        ctx: &Context<'_>,
        community_id: ID,
        name: String,
        leader_id: ID,
    ) -> GqlResult<VolunteerGroup> {
        let viewer = require_viewer(ctx).await?;
        let state = app_state(ctx)?;
        let g = organize::create_group(state, &viewer, &community_id, &name, &leader_id).await?;
        group_of(state, &viewer, &g.community_id, &g.id).await
    }

    /// The viewer joins a volunteer group of their community (CONFLICT when a member).
    async fn join_volunteer_group(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
    ) -> GqlResult<VolunteerGroup> {
        let viewer = require_viewer(ctx).await?;
        let state = app_state(ctx)?;
        let g = organize::membership(state, &viewer, &group_id, true).await?;
        group_of(state, &viewer, &g.community_id, &g.id).await
    }

    /// The viewer leaves a volunteer group (INVALID_STATE for its leader).
    async fn leave_volunteer_group(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
    ) -> GqlResult<VolunteerGroup> {
        let viewer = require_viewer(ctx).await?;
        let state = app_state(ctx)?;
        let g = organize::membership(state, &viewer, &group_id, false).await?;
        group_of(state, &viewer, &g.community_id, &g.id).await
    }

    /// The committee names another leader for a volunteer group: a resident who lives in the
    /// community, who joins the group if not in it; the previous leader stays a member
    /// (audited).
    async fn set_volunteer_group_leader(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
        resident_id: ID,
    ) -> GqlResult<VolunteerGroup> {
        let viewer = require_viewer(ctx).await?;
        let state = app_state(ctx)?;
        let g = organize::set_group_leader(state, &viewer, &group_id, &resident_id).await?;
        group_of(state, &viewer, &g.community_id, &g.id).await
    }

    /// The committee corrects a resident's volunteer hours with a new ledger entry and a note
    /// (audited); answers the resident's new total.
    async fn correct_volunteer_hours(
        &self,
        ctx: &Context<'_>,
        community_id: ID,
        resident_id: ID,
        hours: String,
        note: String,
    ) -> GqlResult<String> {
        let viewer = require_viewer(ctx).await?;
        let total = organize::correct_hours(
            app_state(ctx)?,
            &viewer,
            &community_id,
            &resident_id,
            &hours,
            &note,
        )
        .await?;
        Ok(rules::hours_text(total))
    }
}

async fn group_of(
    state: &crate::startup::AppState,
    viewer: &crate::auth::Viewer,
    community_id: &str,
    group_id: &str,
) -> GqlResult<VolunteerGroup> {
    read::groups(&state.db, viewer, community_id)
        .await?
        .into_iter()
        .find(|g| g.group.id == group_id)
        .map(Into::into)
        .ok_or_else(|| crate::error::AppError::NotFound.into())
}
