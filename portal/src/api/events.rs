//! Events and volunteering (活动报名, DESIGN §7): serde types and typed calls.
//! What the viewer may do is the server's `viewerCan`; seats, positions and phases are the
//! server's figures (the portal counts nothing).

use super::ballots::schema_enum;
use super::client::graphql;
use super::documents::events as doc;
use super::{ApiError, PageInfo};
use serde::{Deserialize, Serialize};
use serde_json::json;

schema_enum!(EventKind {
    Cultural = "CULTURAL",
    Volunteer = "VOLUNTEER",
    Education = "EDUCATION",
    Health = "HEALTH",
    Safety = "SAFETY",
    Other = "OTHER",
});

schema_enum!(RegistrationStatus {
    Confirmed = "CONFIRMED",
    Waitlisted = "WAITLISTED",
    Cancelled = "CANCELLED",
    Attended = "ATTENDED",
    NoShow = "NO_SHOW",
});

schema_enum!(EventPhase {
    Upcoming = "UPCOMING",
    SignupOpen = "SIGNUP_OPEN",
    SignupClosed = "SIGNUP_CLOSED",
    Ongoing = "ONGOING",
    Ended = "ENDED",
    Cancelled = "CANCELLED",
});

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegCan {
    #[serde(default)]
    pub cancel: bool,
}

/// The viewer's registration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registration {
    pub id: String,
    pub status: RegistrationStatus,
    #[serde(default)]
    pub waitlist_position: Option<i64>,
    #[serde(default)]
    pub check_in_code: Option<String>,
    #[serde(default)]
    pub check_in_qr_svg: Option<String>,
    #[serde(default)]
    pub companions: i64,
    #[serde(default)]
    pub viewer_can: RegCan,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventCan {
    #[serde(default)]
    pub sign_up: bool,
    #[serde(default)]
    pub cancel_registration: bool,
    #[serde(default)]
    pub check_in: bool,
    #[serde(default)]
    pub edit: bool,
    #[serde(default)]
    pub cancel: bool,
    #[serde(default)]
    pub export: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Named {
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub id: String,
    pub title: String,
    pub kind: EventKind,
    pub place: String,
    #[serde(default)]
    pub description: String,
    pub starts_at: String,
    pub ends_at: String,
    #[serde(default)]
    pub capacity: Option<i64>,
    #[serde(default)]
    pub seats_taken: i64,
    #[serde(default)]
    pub seats_left: Option<i64>,
    #[serde(default)]
    pub waitlist_count: i64,
    #[serde(default)]
    pub companions_allowed: i64,
    #[serde(default)]
    pub signup_opens_at: String,
    #[serde(default)]
    pub signup_closes_at: String,
    #[serde(default)]
    pub volunteer_hours: String,
    pub phase: EventPhase,
    #[serde(default)]
    pub cancel_reason: Option<String>,
    #[serde(default)]
    pub check_in_opens_at: String,
    #[serde(default)]
    pub calendar_url: String,
    #[serde(default)]
    pub organizer: Named,
    #[serde(default)]
    pub group: Option<Named>,
    #[serde(default)]
    pub viewer_can: EventCan,
    #[serde(default)]
    pub viewer_registration: Option<Registration>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventPage {
    pub nodes: Vec<Event>,
    #[serde(default)]
    pub page_info: PageInfo,
}

#[derive(Deserialize)]
struct EventsData {
    events: EventPage,
}

#[derive(Deserialize)]
struct EventData {
    event: Option<Event>,
}

/// A community's events: upcoming soonest first, or past ones latest first.
pub async fn events(
    community_id: &str,
    kind: Option<EventKind>,
    past: bool,
    after: Option<String>,
) -> Result<EventPage, ApiError> {
    let data: EventsData = graphql(
        doc::EVENTS,
        json!({ "c": community_id, "kind": kind.map(EventKind::as_str), "past": past, "after": after }),
    )
    .await?;
    Ok(data.events)
}

pub async fn event(id: &str) -> Result<Event, ApiError> {
    let data: EventData = graphql(doc::EVENT, json!({ "id": id })).await?;
    data.event
        .ok_or_else(|| ApiError::new(super::ErrorCode::NotFound))
}

/// A registration as the organizer's list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attendee {
    pub id: String,
    pub status: RegistrationStatus,
    #[serde(default)]
    pub waitlist_position: Option<i64>,
    #[serde(default)]
    pub companions: i64,
    #[serde(default)]
    pub checked_in_at: Option<String>,
    #[serde(default)]
    pub resident: Named,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttendeePage {
    pub nodes: Vec<Attendee>,
    #[serde(default)]
    pub page_info: PageInfo,
}

#[derive(Deserialize)]
struct AttendeesEvent {
    registrations: AttendeePage,
}

#[derive(Deserialize)]
struct AttendeesData {
    event: Option<AttendeesEvent>,
}

pub async fn attendees(id: &str, after: Option<String>) -> Result<AttendeePage, ApiError> {
    let data: AttendeesData = graphql(doc::ATTENDEES, json!({ "id": id, "after": after })).await?;
    data.event
        .map(|e| e.registrations)
        .ok_or_else(|| ApiError::new(super::ErrorCode::NotFound))
}

/// The event a registration of the viewer's list belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventRef {
    pub id: String,
    pub title: String,
    pub place: String,
    pub starts_at: String,
    pub phase: EventPhase,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MyRegistration {
    #[serde(flatten)]
    pub registration: Registration,
    pub event: EventRef,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MyPage {
    pub nodes: Vec<MyRegistration>,
    #[serde(default)]
    pub page_info: PageInfo,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MineData {
    my_registrations: MyPage,
}

pub async fn mine(community_id: &str, after: Option<String>) -> Result<MyPage, ApiError> {
    let data: MineData = graphql(
        doc::MY_REGISTRATIONS,
        json!({ "c": community_id, "after": after }),
    )
    .await?;
    Ok(data.my_registrations)
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HoursLine {
    pub id: String,
    pub hours: String,
    #[serde(default)]
    pub event_title: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HoursPage {
    pub nodes: Vec<HoursLine>,
    #[serde(default)]
    pub page_info: PageInfo,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Hours {
    pub volunteer_hours: String,
    pub volunteer_hours_history: HoursPage,
}

pub async fn hours(community_id: &str, after: Option<String>) -> Result<Hours, ApiError> {
    graphql(doc::HOURS, json!({ "c": community_id, "after": after })).await
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Rank {
    pub rank: i64,
    pub hours: String,
    pub resident: Named,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RankingData {
    volunteer_ranking: Vec<Rank>,
}

pub async fn ranking(community_id: &str, year: i64) -> Result<Vec<Rank>, ApiError> {
    let data: RankingData =
        graphql(doc::RANKING, json!({ "c": community_id, "year": year })).await?;
    Ok(data.volunteer_ranking)
}

/// A new event as the form gives it (times in UTC, RFC 3339).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub community_id: String,
    pub title: String,
    pub kind: EventKind,
    pub place: String,
    pub description: String,
    pub starts_at: String,
    pub ends_at: String,
    pub capacity: Option<i64>,
    pub companions_allowed: i64,
    pub volunteer_hours: Option<String>,
    /// A volunteer group the viewer may organize for (`VolunteerGroup.viewerCan.organize`).
    pub group_id: Option<String>,
}

#[derive(Deserialize)]
struct Created {
    id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateData {
    create_event: Created,
}

pub async fn create(e: &NewEvent) -> Result<String, ApiError> {
    let data: CreateData = graphql(
        doc::CREATE_EVENT,
        json!({ "input": {
            "communityId": e.community_id,
            "title": e.title,
            "kind": e.kind.as_str(),
            "place": e.place,
            "description": e.description,
            "startsAt": e.starts_at,
            "endsAt": e.ends_at,
            "capacity": e.capacity,
            "companionsAllowed": e.companions_allowed,
            "volunteerHours": e.volunteer_hours,
            "groupId": e.group_id,
        }}),
    )
    .await?;
    Ok(data.create_event.id)
}

pub async fn sign_up(event_id: &str, companions: i64) -> Result<(), ApiError> {
    let _: serde::de::IgnoredAny = graphql(
        doc::SIGN_UP,
        json!({ "id": event_id, "companions": companions }),
    )
    .await?;
    Ok(())
}

pub async fn cancel_registration(id: &str) -> Result<(), ApiError> {
    let _: serde::de::IgnoredAny = graphql(doc::CANCEL_REGISTRATION, json!({ "id": id })).await?;
    Ok(())
}

pub async fn cancel_event(id: &str, reason: &str) -> Result<(), ApiError> {
    let _: serde::de::IgnoredAny =
        graphql(doc::CANCEL_EVENT, json!({ "id": id, "reason": reason })).await?;
    Ok(())
}

/// Changes an event: `input` holds only the fields that change (`capacity: null` removes the
/// limit); the server tells those registered when capacity, time or place change.
pub async fn update(id: &str, input: serde_json::Value) -> Result<(), ApiError> {
    let _: serde::de::IgnoredAny =
        graphql(doc::UPDATE_EVENT, json!({ "id": id, "input": input })).await?;
    Ok(())
}

/// What the viewer may do with a volunteer group (the server's rule).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupCan {
    #[serde(default)]
    pub join: bool,
    #[serde(default)]
    pub leave: bool,
    #[serde(default)]
    pub organize: bool,
    /// Name another leader (the committee).
    #[serde(default)]
    pub appoint_leader: bool,
}

/// A group's leader or member: who they are, for naming a new leader.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Member {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub leader: Member,
    #[serde(default)]
    pub members: Vec<Member>,
    #[serde(default)]
    pub viewer_can: GroupCan,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupsData {
    volunteer_groups: Vec<Group>,
}

pub async fn groups(community_id: &str) -> Result<Vec<Group>, ApiError> {
    let data: GroupsData = graphql(doc::VOLUNTEER_GROUPS, json!({ "c": community_id })).await?;
    Ok(data.volunteer_groups)
}

/// The committee creates a group with its leader.
pub async fn create_group(community_id: &str, name: &str, leader_id: &str) -> Result<(), ApiError> {
    let _: serde::de::IgnoredAny = graphql(
        doc::CREATE_VOLUNTEER_GROUP,
        json!({ "c": community_id, "name": name, "leader": leader_id }),
    )
    .await?;
    Ok(())
}

/// The viewer joins (`true`) or leaves a group.
pub async fn membership(group_id: &str, join: bool) -> Result<(), ApiError> {
    let document = if join {
        doc::JOIN_VOLUNTEER_GROUP
    } else {
        doc::LEAVE_VOLUNTEER_GROUP
    };
    let _: serde::de::IgnoredAny = graphql(document, json!({ "id": group_id })).await?;
    Ok(())
}

/// The committee names another leader of a group.
pub async fn set_group_leader(group_id: &str, resident_id: &str) -> Result<(), ApiError> {
    let _: serde::de::IgnoredAny = graphql(
        doc::SET_VOLUNTEER_GROUP_LEADER,
        json!({ "id": group_id, "leader": resident_id }),
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CheckedIn {
    pub id: String,
    pub status: RegistrationStatus,
    #[serde(default)]
    pub companions: i64,
    #[serde(default)]
    pub resident: Named,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CheckInData {
    check_in: CheckedIn,
}

pub async fn check_in(event_id: &str, code: &str) -> Result<CheckedIn, ApiError> {
    let data: CheckInData = graphql(doc::CHECK_IN, json!({ "id": event_id, "code": code })).await?;
    Ok(data.check_in)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_reads_with_the_viewers_registration_and_unknown_values_degrade() {
        let body = r#"{"id":"e","title":"合唱","kind":"CULTURAL","place":"二楼","startsAt":"2026-12-10T06:00:00Z",
            "endsAt":"2026-12-10T08:00:00Z","capacity":3,"seatsTaken":3,"seatsLeft":0,"waitlistCount":2,
            "phase":"SOMETHING_NEW","viewerCan":{"signUp":false,"cancelRegistration":true},
            "viewerRegistration":{"id":"r","status":"WAITLISTED","waitlistPosition":1,"checkInCode":null}}"#;
        let e: Event = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(e.phase, EventPhase::Unknown);
        assert_eq!(e.seats_left, Some(0));
        let r = e
            .viewer_registration
            .unwrap_or_else(|| panic!("no registration"));
        assert_eq!(r.status, RegistrationStatus::Waitlisted);
        assert_eq!(r.waitlist_position, Some(1));
        assert!(e.viewer_can.cancel_registration);
    }
}
