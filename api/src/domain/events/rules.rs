//! The events rules, pure: an event's phase from its times, the bounds of every input, who may
//! do what in which phase, whether a party fits the seats left and whom a freed seat promotes.
//! The acts and `viewerCan` both ask these.

use chrono::{DateTime, Duration, Utc};
use entity::event;

pub use entity::event::EventKind;
pub use entity::registration::RegistrationStatus;

use crate::domain::text::chars_between;
use crate::error::{AppError, AppResult};

pub const TITLE_MAX: usize = 100;
pub const PLACE_MAX: usize = 100;
pub const DESCRIPTION_MAX: usize = 2_000;
pub const REASON_MAX: usize = 500;
pub const GROUP_NAME_MAX: usize = 40;
pub const NOTE_MAX: usize = 200;
pub const MAX_CAPACITY: i32 = 100_000;
pub const MAX_COMPANIONS: i32 = 10;
/// Sign-ups one resident may make for one event, cancelled ones included: each sign-up after a
/// cancellation is a new registration, and the export and the viewer's own views read them all.
pub const MAX_SIGN_UPS: usize = 10;
/// Volunteer hours credited per attendee: at most a day's, in hundredths of an hour.
pub const MAX_HOURS_CENTI: i32 = 2_400;
/// A correction of someone's hours: at most this many, either way.
pub const MAX_CORRECTION_CENTI: i32 = 100_000;
/// An event starts within a year and lasts at most a month.
pub const MAX_AHEAD_DAYS: i64 = 366;
pub const MAX_LENGTH_DAYS: i64 = 31;
/// Check-in opens this long before the start and closes at the end.
pub const CHECK_IN_BEFORE_HOURS: i64 = 2;
/// Characters of a check-in code (from the unambiguous alphabet of invite codes).
pub const CODE_LEN: usize = 6;

/// Where an event stands, from its times and whether it was cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventPhase {
    /// Sign-up has not opened yet.
    Upcoming,
    SignupOpen,
    /// Sign-up has closed; the event has not started.
    SignupClosed,
    Ongoing,
    Ended,
    Cancelled,
}

pub fn phase(e: &event::Model, at: DateTime<Utc>) -> EventPhase {
    if e.cancelled_at.is_some() {
        EventPhase::Cancelled
    } else if at >= e.ends_at {
        EventPhase::Ended
    } else if at >= e.starts_at {
        EventPhase::Ongoing
    } else if at < e.signup_opens_at {
        EventPhase::Upcoming
    } else if at < e.signup_closes_at {
        EventPhase::SignupOpen
    } else {
        EventPhase::SignupClosed
    }
}

/// Whether check-in is open at `at`: from two hours before the start until the end.
pub fn check_in_open(e: &event::Model, at: DateTime<Utc>) -> bool {
    e.cancelled_at.is_none()
        && at >= e.starts_at - Duration::hours(CHECK_IN_BEFORE_HOURS)
        && at < e.ends_at
}

/// The status a registration shows: a confirmed one of an ended event is a NO_SHOW even before
/// the closing pass has written it.
pub fn shown_status(status: RegistrationStatus, phase: EventPhase) -> RegistrationStatus {
    if status == RegistrationStatus::Confirmed && phase == EventPhase::Ended {
        RegistrationStatus::NoShow
    } else {
        status
    }
}

/// Seats left, or `None` when the event has no capacity.
pub fn seats_left(capacity: Option<i32>, seats_taken: i32) -> Option<i32> {
    capacity.map(|c| (c - seats_taken).max(0))
}

/// Whether a party of `party` seats fits.
pub fn fits(capacity: Option<i32>, seats_taken: i32, party: i32) -> bool {
    capacity.is_none_or(|c| seats_taken + party <= c)
}

/// Whom freed seats promote: walking the waitlist in sign-up order, every party that fits the
/// seats still free, earliest first. Returns the promoted ids and the seats taken after.
pub fn promotions(
    capacity: Option<i32>,
    mut seats_taken: i32,
    waitlist: &[(String, i32)],
) -> (Vec<String>, i32) {
    let mut promoted = Vec::new();
    for (id, party) in waitlist {
        if fits(capacity, seats_taken, *party) {
            seats_taken += party;
            promoted.push(id.clone());
        }
    }
    (promoted, seats_taken)
}

/// What the viewer is to an event.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Standing {
    /// A live resident of the event's community.
    pub member: bool,
    /// The organizer, the leader of its volunteer group, or the committee.
    pub manager: bool,
    /// The viewer's registrations for the event so far, cancelled ones included.
    pub sign_ups: usize,
}

/// What a viewer may do with an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventAct {
    SignUp,
    CheckIn,
    Edit,
    Cancel,
    Export,
}

pub fn check_event(
    act: EventAct,
    e: &event::Model,
    at: DateTime<Utc>,
    standing: Standing,
) -> AppResult<()> {
    if !standing.member {
        return Err(AppError::NotFound);
    }
    let ph = phase(e, at);
    match act {
        EventAct::SignUp => match ph {
            EventPhase::SignupOpen if standing.sign_ups >= MAX_SIGN_UPS => {
                Err(AppError::invalid_state(format!(
                    "you have signed up for this event {MAX_SIGN_UPS} times already"
                )))
            }
            EventPhase::SignupOpen => Ok(()),
            EventPhase::Upcoming => Err(AppError::invalid_state("sign-up has not opened yet")),
            EventPhase::Cancelled => Err(AppError::invalid_state("the event was cancelled")),
            _ => Err(AppError::invalid_state("sign-up has closed")),
        },
        EventAct::CheckIn | EventAct::Edit | EventAct::Cancel | EventAct::Export
            if !standing.manager =>
        {
            Err(AppError::Forbidden)
        }
        EventAct::CheckIn if check_in_open(e, at) => Ok(()),
        EventAct::CheckIn => Err(AppError::invalid_state(
            "check-in opens two hours before the start and closes at the end",
        )),
        EventAct::Edit | EventAct::Cancel => match ph {
            EventPhase::Ended => Err(AppError::invalid_state("the event has ended")),
            EventPhase::Cancelled => Err(AppError::invalid_state("the event was cancelled")),
            _ => Ok(()),
        },
        EventAct::Export => Ok(()),
    }
}

pub fn event_actions(e: &event::Model, at: DateTime<Utc>, standing: Standing) -> Vec<EventAct> {
    [
        EventAct::SignUp,
        EventAct::CheckIn,
        EventAct::Edit,
        EventAct::Cancel,
        EventAct::Export,
    ]
    .into_iter()
    .filter(|a| check_event(*a, e, at, standing).is_ok())
    .collect()
}

/// Whether the registrant may cancel: an active sign-up, before the event starts.
pub fn check_cancel(
    status: RegistrationStatus,
    e: &event::Model,
    at: DateTime<Utc>,
) -> AppResult<()> {
    match status {
        RegistrationStatus::Confirmed | RegistrationStatus::Waitlisted => {}
        RegistrationStatus::Cancelled => {
            return Err(AppError::invalid_state(
                "the registration is already cancelled",
            ))
        }
        _ => return Err(AppError::invalid_state("the event is over")),
    }
    match phase(e, at) {
        EventPhase::Upcoming | EventPhase::SignupOpen | EventPhase::SignupClosed => Ok(()),
        EventPhase::Cancelled => Err(AppError::invalid_state("the event was cancelled")),
        _ => Err(AppError::invalid_state("the event has started")),
    }
}

pub fn title(s: &str) -> AppResult<String> {
    chars_between("title", s, 1, TITLE_MAX, "the title")
}

pub fn place(s: &str) -> AppResult<String> {
    chars_between("place", s, 1, PLACE_MAX, "the place")
}

pub fn description(s: &str) -> AppResult<String> {
    chars_between("description", s, 0, DESCRIPTION_MAX, "the description")
}

pub fn reason(s: &str) -> AppResult<String> {
    chars_between("reason", s, 1, REASON_MAX, "the reason")
}

pub fn group_name(s: &str) -> AppResult<String> {
    chars_between("name", s, 1, GROUP_NAME_MAX, "the name")
}

/// What a resident may do with a volunteer group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GroupActions {
    pub join: bool,
    /// The leader stays in their group: a group is never without its leader.
    pub leave: bool,
    /// Run an event for the group (`EventInput.groupId`).
    pub organize: bool,
    /// Name another leader (the committee): a leader who steps down or moves out is replaced,
    /// not left in charge.
    pub appoint_leader: bool,
}

/// Who runs events for a group: the committee, or its leader when they may run events at all
/// (ORGANIZER). The same rule refuses `createEvent` with another's group.
pub fn may_organize_for(leader: bool, organizer: bool, committee: bool) -> bool {
    committee || (leader && organizer)
}

pub fn group_actions(member: bool, leader: bool, organizer: bool, committee: bool) -> GroupActions {
    GroupActions {
        join: !member,
        leave: member && !leader,
        organize: may_organize_for(leader, organizer, committee),
        appoint_leader: committee,
    }
}

/// Leaving a group: refused to its leader.
pub fn check_leave(leader: bool) -> AppResult<()> {
    if leader {
        return Err(AppError::invalid_state("the leader stays in their group"));
    }
    Ok(())
}

pub fn note(s: &str) -> AppResult<String> {
    chars_between("note", s, 1, NOTE_MAX, "the note")
}

pub fn capacity(c: Option<i32>) -> AppResult<Option<i32>> {
    match c {
        Some(c) if !(1..=MAX_CAPACITY).contains(&c) => Err(AppError::bad_input(
            "capacity",
            format!("the capacity must be 1 to {MAX_CAPACITY} seats, or none"),
        )),
        c => Ok(c),
    }
}

pub fn companions_allowed(n: i32) -> AppResult<i32> {
    if (0..=MAX_COMPANIONS).contains(&n) {
        Ok(n)
    } else {
        Err(AppError::bad_input(
            "companionsAllowed",
            format!("companions allowed must be 0 to {MAX_COMPANIONS}"),
        ))
    }
}

/// Companions of one sign-up: 0 up to what the event allows.
pub fn companions(n: Option<i32>, allowed: i32) -> AppResult<i32> {
    let n = n.unwrap_or(0);
    if (0..=allowed).contains(&n) {
        Ok(n)
    } else {
        Err(AppError::bad_input(
            "companions",
            format!("this event allows 0 to {allowed} companions"),
        ))
    }
}

/// Decimal hours ("2.5", "-1.25" where `signed`) in hundredths of an hour; at most two decimals.
pub fn parse_hours(field: &'static str, s: &str, signed: bool, max: i32) -> AppResult<i32> {
    let wrong = || {
        AppError::bad_input(
            field,
            format!(
                "hours must be a decimal number{} of at most {} with up to two decimals",
                if signed { "" } else { " not below 0" },
                hours_text(i64::from(max))
            ),
        )
    };
    let s = s.trim();
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) if signed => (true, rest),
        Some(_) => return Err(wrong()),
        None => (false, s),
    };
    let (whole, frac, dot) = match digits.split_once('.') {
        Some((w, f)) => (w, f, true),
        None => (digits, "", false),
    };
    let all_digits = |p: &str| p.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty()
        || whole.len() > 6
        || (dot && frac.is_empty())
        || frac.len() > 2
        || !all_digits(whole)
        || !all_digits(frac)
    {
        return Err(wrong());
    }
    let whole: i32 = whole.parse().map_err(|_| wrong())?;
    let frac: i32 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i32>().map_err(|_| wrong())? * 10,
        _ => frac.parse().map_err(|_| wrong())?,
    };
    let centi = whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(frac))
        .ok_or_else(wrong)?;
    if centi > max {
        return Err(wrong());
    }
    Ok(if negative { -centi } else { centi })
}

/// Hundredths of an hour as the API writes them: "2.5", "2", "0.25", "-1.5".
pub fn hours_text(centi: i64) -> String {
    let sign = if centi < 0 { "-" } else { "" };
    let c = centi.unsigned_abs();
    let (whole, frac) = (c / 100, c % 100);
    match frac {
        0 => format!("{sign}{whole}"),
        f if f % 10 == 0 => format!("{sign}{whole}.{}", f / 10),
        f => format!("{sign}{whole}.{f:02}"),
    }
}

/// An event's times as given, checked: the start in the future and within a year, the end after
/// it and within a month, the sign-up window inside [now, start] (default: from now until the
/// start).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Times {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub signup_opens_at: DateTime<Utc>,
    pub signup_closes_at: DateTime<Utc>,
}

/// An event's start and end: a start that is set (`new_start`) in the future and within a year;
/// the end after the start, in the future, and within a month of the start.
fn span(
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    at: DateTime<Utc>,
    new_start: bool,
) -> AppResult<()> {
    if new_start && starts_at <= at {
        return Err(AppError::bad_input(
            "startsAt",
            "the start must be in the future",
        ));
    }
    if new_start && starts_at > at + Duration::days(MAX_AHEAD_DAYS) {
        return Err(AppError::bad_input(
            "startsAt",
            "the start must be within a year",
        ));
    }
    if ends_at <= starts_at {
        return Err(AppError::bad_input(
            "endsAt",
            "the end must come after the start",
        ));
    }
    if ends_at <= at {
        return Err(AppError::bad_input(
            "endsAt",
            "the end must be in the future",
        ));
    }
    if ends_at > starts_at + Duration::days(MAX_LENGTH_DAYS) {
        return Err(AppError::bad_input(
            "endsAt",
            "an event lasts at most a month",
        ));
    }
    Ok(())
}

pub fn times(
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    signup_opens_at: Option<DateTime<Utc>>,
    signup_closes_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    at: DateTime<Utc>,
) -> AppResult<Times> {
    span(starts_at, ends_at, at, true)?;
    let opens = signup_opens_at.unwrap_or(created_at);
    let closes = signup_closes_at.unwrap_or(starts_at);
    if closes > starts_at {
        return Err(AppError::bad_input(
            "signupClosesAt",
            "sign-up must close by the start",
        ));
    }
    if closes <= opens {
        // Name the field the organizer gave: an opening at or after the default close is the
        // opening's fault.
        let field = if signup_closes_at.is_some() {
            "signupClosesAt"
        } else {
            "signupOpensAt"
        };
        return Err(AppError::bad_input(
            field,
            "sign-up must close after it opens",
        ));
    }
    if signup_closes_at.is_some() && closes <= at {
        return Err(AppError::bad_input(
            "signupClosesAt",
            "sign-up must close in the future",
        ));
    }
    Ok(Times {
        starts_at,
        ends_at,
        signup_opens_at: opens,
        signup_closes_at: closes,
    })
}

/// New times for an existing event: a moved start must be in the future, the end after the
/// start, within a month and in the future. Sign-up that closed at the old start follows the
/// new one; a sign-up close after the new start moves to it.
pub fn moved_times(
    e: &event::Model,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    at: DateTime<Utc>,
) -> AppResult<Times> {
    span(starts_at, ends_at, at, starts_at != e.starts_at)?;
    let closes = if e.signup_closes_at == e.starts_at || e.signup_closes_at > starts_at {
        starts_at
    } else {
        e.signup_closes_at
    };
    Ok(Times {
        starts_at,
        ends_at,
        signup_opens_at: e.signup_opens_at.min(closes),
        signup_closes_at: closes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leader_may_not_leave_and_only_organizing_leaders_and_the_committee_run_its_events() {
        let leader = group_actions(true, true, true, false);
        assert!(!leader.join && !leader.leave && leader.organize);
        assert!(check_leave(true).is_err());
        // A leader without the ORGANIZER role runs no events at all.
        assert!(!group_actions(true, true, false, false).organize);
        let member = group_actions(true, false, true, false);
        assert!(!member.join && member.leave && !member.organize);
        assert!(check_leave(false).is_ok());
        let outsider = group_actions(false, false, false, true);
        assert!(outsider.join && !outsider.leave && outsider.organize);
    }

    #[test]
    fn only_the_committee_names_a_groups_leader() {
        // (member, leader, organizer, committee): the leader, an organizing member and an
        // outsider may not; the committee may, member or not.
        for (who, member, leader, organizer, committee, may) in [
            ("leader", true, true, true, false, false),
            ("organizing member", true, false, true, false, false),
            ("outsider", false, false, false, false, false),
            ("committee, not a member", false, false, false, true, true),
            ("committee and leader", true, true, false, true, true),
        ] {
            let can = group_actions(member, leader, organizer, committee);
            assert_eq!(can.appoint_leader, may, "{who}");
        }
    }

    #[test]
    fn hours_parse_and_print_in_hundredths() {
        assert_eq!(parse_hours("h", "2.5", false, 2400).ok(), Some(250));
        assert_eq!(parse_hours("h", "2", false, 2400).ok(), Some(200));
        assert_eq!(parse_hours("h", "0.25", false, 2400).ok(), Some(25));
        assert_eq!(parse_hours("h", "-1.5", true, 2400).ok(), Some(-150));
        for bad in ["", "-1", "2.555", "1e3", "24.01", "abc", ".5", "2."] {
            assert!(parse_hours("h", bad, false, 2400).is_err(), "{bad}");
        }
        assert_eq!(hours_text(250), "2.5");
        assert_eq!(hours_text(200), "2");
        assert_eq!(hours_text(25), "0.25");
        assert_eq!(hours_text(-150), "-1.5");
        assert_eq!(hours_text(0), "0");
    }

    #[test]
    fn freed_seats_promote_every_party_that_fits_in_order() {
        let wl = vec![
            ("a".to_owned(), 3),
            ("b".to_owned(), 1),
            ("c".to_owned(), 2),
            ("d".to_owned(), 1),
        ];
        // Two seats free: a (3) does not fit, b (1) does, c (2) no longer, d (1) does.
        assert_eq!(
            promotions(Some(10), 8, &wl),
            (vec!["b".to_owned(), "d".to_owned()], 10)
        );
        assert_eq!(promotions(Some(10), 10, &wl), (vec![], 10));
        assert_eq!(promotions(None, 10, &wl).0.len(), 4);
    }

    #[test]
    fn a_party_fits_only_within_the_capacity() {
        assert!(fits(Some(5), 3, 2));
        assert!(!fits(Some(5), 4, 2));
        assert!(fits(None, 1_000, 11));
        assert_eq!(seats_left(Some(5), 7), Some(0));
    }
}
