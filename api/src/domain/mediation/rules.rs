//! Pure rules of mediation (DESIGN §5): the lifecycle, who may do which act in which status,
//! input bounds, case numbers, overdue flags and the statistics' median. No I/O here; the
//! service applies the transitions through conditional updates under the case row's lock, and
//! the API's `viewerCan…` fields are `actions()` of the same rules, so the portal never decides.
//!
//! ```text
//! SUBMITTED ──accept (mediators)──▶ ACCEPTED ──every resident respondent consents──▶ IN_MEDIATION
//!     │  (no resident respondent: straight to IN_MEDIATION)  │ a refusal                 │
//!     └──decline (reason)──▶ DECLINED                        ▼                           │
//!                                                 RESPONDENT_DECLINED      all signed ──▶ AGREED
//!  withdraw (applicant) from SUBMITTED, ACCEPTED, IN_MEDIATION ──▶ WITHDRAWN   fail ──▶ FAILED
//!  AGREED ──follow-up: fulfilled──▶ FULFILLED ──close──▶ CLOSED
//!  AGREED ──follow-up: not fulfilled──▶ CLOSED (fulfilled = false)
//!  DECLINED, RESPONDENT_DECLINED, FAILED, WITHDRAWN ──close──▶ CLOSED
//! ```

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};

use crate::error::{AppError, AppResult};

pub use entity::case_entry::CaseEntryKind;
pub use entity::case_party::PartyRole;
pub use entity::mediation_case::{CaseCategory, CaseStatus};

/// How a viewer stands in a case. A viewer may hold several (a committee member who is also a
/// party); a case is readable by a viewer who holds at least one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CaseRole {
    Applicant,
    Respondent,
    Mediator,
    Committee,
}

pub const DESCRIPTION_MAX: usize = 2_000;
pub const OUTCOME_MAX: usize = 1_000;
pub const OUTSIDE_PARTY_MAX: usize = 200;
pub const REASON_MAX: usize = 500;
pub const TERMS_MAX: usize = 5_000;
pub const MESSAGE_MAX: usize = 1_000;
pub const NOTE_MAX: usize = 2_000;
pub const PLACE_MAX: usize = 200;
pub const MAX_RESPONDENTS: usize = 10;
pub const MAX_MEDIATORS: usize = 5;
/// The community's overdue setting: 1 to 365 days (default 30).
pub const OVERDUE_DAYS: std::ops::RangeInclusive<i32> = 1..=365;
pub const DEFAULT_OVERDUE_DAYS: i32 = 30;
/// The mediators are reminded to follow an agreement up this many days after it was signed.
pub const FOLLOW_UP_AFTER_DAYS: i64 = 14;
/// Sessions are scheduled at most this far ahead.
pub const SESSION_HORIZON_DAYS: i64 = 366;
/// Sessions one case may hold in all. Every view of a case lists them all (`Case.sessions`),
/// and each one tells every party; without a cap, one mediator scheduling at the write limit
/// grows every read of the case without end.
pub const MAX_SESSIONS: usize = 50;

/// The acts of a case.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Act {
    Accept,
    Decline,
    Assign,
    Respond,
    Withdraw,
    Draft,
    Sign,
    Schedule,
    Message,
    Note,
    Fail,
    FollowUp,
    Close,
    Rate,
    OutsideConsent,
    OutsideSignature,
}

impl Act {
    pub const ALL: [Act; 16] = [
        Act::Accept,
        Act::Decline,
        Act::Assign,
        Act::Respond,
        Act::Withdraw,
        Act::Draft,
        Act::Sign,
        Act::Schedule,
        Act::Message,
        Act::Note,
        Act::Fail,
        Act::FollowUp,
        Act::Close,
        Act::Rate,
        Act::OutsideConsent,
        Act::OutsideSignature,
    ];

    /// The statuses the act may happen in.
    pub fn allowed_in(self) -> &'static [CaseStatus] {
        use CaseStatus::*;
        match self {
            Act::Accept | Act::Decline => &[Submitted],
            // In AGREED too: the follow-up needs a mediator when the assigned one is gone.
            Act::Assign => &[Accepted, InMediation, Agreed],
            Act::Respond => &[Accepted],
            Act::Withdraw => &[Submitted, Accepted, InMediation],
            Act::Draft | Act::Sign | Act::Schedule | Act::OutsideSignature => &[InMediation],
            // Before mediation starts too: a respondent who never answers, or who moved out
            // before answering, would otherwise hold the case in ACCEPTED for ever.
            Act::Fail => &[Accepted, InMediation],
            Act::Message => &[Submitted, Accepted, InMediation, Agreed],
            Act::Note => &[
                Submitted,
                Accepted,
                Declined,
                RespondentDeclined,
                InMediation,
                Agreed,
                Failed,
                Withdrawn,
                Fulfilled,
                Closed,
            ],
            Act::FollowUp => &[Agreed],
            Act::Close => &[Declined, RespondentDeclined, Failed, Withdrawn, Fulfilled],
            Act::Rate => &[Closed],
            Act::OutsideConsent => &[Accepted, InMediation],
        }
    }

    /// Whether someone standing so in the case may do it at all (status aside). A committee
    /// member who is a party never decides their own case.
    pub fn permitted(self, roles: &BTreeSet<CaseRole>) -> bool {
        let applicant = roles.contains(&CaseRole::Applicant);
        let respondent = roles.contains(&CaseRole::Respondent);
        let party = applicant || respondent;
        let mediator = roles.contains(&CaseRole::Mediator);
        let committee = roles.contains(&CaseRole::Committee) && !party;
        match self {
            Act::Accept | Act::Decline | Act::Assign => committee,
            Act::Respond => respondent,
            Act::Withdraw => applicant,
            Act::Sign | Act::Message => party || mediator,
            Act::Rate => party,
            Act::Draft
            | Act::Schedule
            | Act::Note
            | Act::Fail
            | Act::FollowUp
            | Act::OutsideConsent
            | Act::OutsideSignature => mediator,
            Act::Close => mediator || committee,
        }
    }

    fn verb(self) -> &'static str {
        match self {
            Act::Accept => "accepting",
            Act::Decline => "declining",
            Act::Assign => "assigning mediators",
            Act::Respond => "answering",
            Act::Withdraw => "withdrawing",
            Act::Draft => "drafting the agreement",
            Act::Sign => "signing",
            Act::Schedule => "scheduling a session",
            Act::Message => "posting a message",
            Act::Note => "adding a note",
            Act::Fail => "ending without agreement",
            Act::FollowUp => "following up",
            Act::Close => "closing",
            Act::Rate => "rating",
            Act::OutsideConsent => "recording the outside party's consent",
            Act::OutsideSignature => "recording the outside party's signature",
        }
    }
}

/// What the case holds that some acts depend on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    pub has_terms: bool,
    pub has_outside_party: bool,
    pub outside_consented: bool,
    pub outside_signed: bool,
    /// Sessions the case holds (at most [`MAX_SESSIONS`]).
    pub sessions: usize,
}

/// What the viewer has done already.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Standing {
    pub roles: BTreeSet<CaseRole>,
    /// As a respondent: their answer, if given.
    pub consent: Option<bool>,
    /// Signed the current terms.
    pub signed: bool,
    pub rated: bool,
}

/// Why an act cannot happen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The viewer's standing does not allow it.
    Forbidden,
    /// Not in this status, or not with what the case holds.
    InvalidState(String),
    /// Done already (an answer, a signature, a rating).
    Conflict(String),
}

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Forbidden => AppError::Forbidden,
            Refusal::InvalidState(m) => AppError::invalid_state(m),
            Refusal::Conflict(m) => AppError::conflict(m),
        }
    }
}

/// The one rule for whether the viewer may do `act` now: the service enforces it and the API
/// states it (`viewerCan…`).
pub fn check(
    act: Act,
    status: CaseStatus,
    facts: &Facts,
    standing: &Standing,
) -> Result<(), Refusal> {
    use sea_orm::ActiveEnum;
    if !act.permitted(&standing.roles) {
        return Err(Refusal::Forbidden);
    }
    if !act.allowed_in().contains(&status) {
        return Err(Refusal::InvalidState(format!(
            "{} is not possible while the case is {}",
            act.verb(),
            status.to_value()
        )));
    }
    match act {
        Act::Respond if standing.consent.is_some() => {
            Err(Refusal::Conflict("you have already answered".into()))
        }
        Act::Sign if !facts.has_terms => Err(Refusal::InvalidState(
            "no agreement has been drafted yet".into(),
        )),
        Act::Sign if standing.signed => Err(Refusal::Conflict(
            "you have already signed these terms".into(),
        )),
        Act::Rate if standing.rated => Err(Refusal::Conflict(
            "you have already rated this mediation".into(),
        )),
        Act::OutsideConsent | Act::OutsideSignature if !facts.has_outside_party => Err(
            Refusal::InvalidState("the case has no outside party".into()),
        ),
        Act::Draft | Act::Sign | Act::OutsideSignature
            if facts.has_outside_party && !facts.outside_consented =>
        {
            Err(Refusal::InvalidState(
                "record the outside party's written consent first".into(),
            ))
        }
        Act::OutsideConsent if facts.outside_consented => Err(Refusal::Conflict(
            "the outside party's consent is already recorded".into(),
        )),
        Act::OutsideSignature if !facts.has_terms => Err(Refusal::InvalidState(
            "no agreement has been drafted yet".into(),
        )),
        Act::Schedule if facts.sessions >= MAX_SESSIONS => Err(Refusal::InvalidState(format!(
            "a case holds at most {MAX_SESSIONS} sessions"
        ))),
        Act::OutsideSignature if facts.outside_signed => Err(Refusal::Conflict(
            "the outside party's signature of these terms is already recorded".into(),
        )),
        _ => Ok(()),
    }
}

/// Every act the viewer may do now, in `Act::ALL`'s order.
pub fn actions(status: CaseStatus, facts: &Facts, standing: &Standing) -> Vec<Act> {
    Act::ALL
        .into_iter()
        .filter(|a| check(*a, status, facts, standing).is_ok())
        .collect()
}

/// The status a case moves to when its applicant's case is accepted: straight into mediation
/// when no resident respondent has to consent.
pub fn accepted_status(resident_respondents: usize) -> CaseStatus {
    if resident_respondents == 0 {
        CaseStatus::InMediation
    } else {
        CaseStatus::Accepted
    }
}

/// Whether the case has reached an end of its mediation (the statistics' "resolved").
pub fn is_resolved(status: CaseStatus) -> bool {
    !is_unresolved(status)
}

/// Still waiting for a decision, consent or agreement: what can become overdue.
pub fn is_unresolved(status: CaseStatus) -> bool {
    matches!(
        status,
        CaseStatus::Submitted | CaseStatus::Accepted | CaseStatus::InMediation
    )
}

pub const UNRESOLVED: [CaseStatus; 3] = [
    CaseStatus::Submitted,
    CaseStatus::Accepted,
    CaseStatus::InMediation,
];

/// An unresolved case filed more than `days` days before `now`.
pub fn is_overdue(status: CaseStatus, filed: DateTime<Utc>, now: DateTime<Utc>, days: i32) -> bool {
    is_unresolved(status) && filed < overdue_cutoff(now, days)
}

/// Cases filed before this time are overdue while unresolved.
pub fn overdue_cutoff(now: DateTime<Utc>, days: i32) -> DateTime<Utc> {
    now - Duration::days(i64::from(days))
}

/// The case number shown to people: the year and the case's place in it, "2026-017".
pub fn number(year: i32, seq: i32) -> String {
    format!("{year}-{seq:03}")
}

/// Whether every required signer signed the current terms.
pub fn all_signed(
    required: &BTreeSet<String>,
    signed: &BTreeSet<String>,
    outside_needed: bool,
    outside_signed: bool,
) -> bool {
    !required.is_empty() && required.is_subset(signed) && (!outside_needed || outside_signed)
}

/// Text trimmed and bounded in Unicode characters (most text is Chinese: never bytes).
fn text(field: &'static str, value: &str, max: usize) -> AppResult<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(AppError::bad_input(field, "must not be empty"));
    }
    if v.chars().count() > max {
        return Err(AppError::bad_input(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(v.to_owned())
}

pub fn description(v: &str) -> AppResult<String> {
    text("description", v, DESCRIPTION_MAX)
}

pub fn desired_outcome(v: &str) -> AppResult<String> {
    text("desiredOutcome", v, OUTCOME_MAX)
}

/// An outside party's description; blank is none.
pub fn outside_party(v: Option<&str>) -> AppResult<Option<String>> {
    match v.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => text("outsideParty", v, OUTSIDE_PARTY_MAX).map(Some),
    }
}

pub fn reason(v: &str) -> AppResult<String> {
    text("reason", v, REASON_MAX)
}

pub fn suggested_channel(v: &str) -> AppResult<String> {
    text("suggestedChannel", v, REASON_MAX)
}

pub fn follow_up_note(v: &str) -> AppResult<String> {
    text("note", v, REASON_MAX)
}

pub fn terms(v: &str) -> AppResult<String> {
    text("terms", v, TERMS_MAX)
}

pub fn message(v: &str) -> AppResult<String> {
    text("body", v, MESSAGE_MAX)
}

pub fn note(v: &str) -> AppResult<String> {
    text("body", v, NOTE_MAX)
}

pub fn place(v: &str) -> AppResult<String> {
    text("place", v, PLACE_MAX)
}

pub fn session_note(v: Option<&str>) -> AppResult<Option<String>> {
    match v.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => text("note", v, REASON_MAX).map(Some),
    }
}

/// A session starts in the future and within a year.
pub fn session_start(starts_at: DateTime<Utc>, now: DateTime<Utc>) -> AppResult<DateTime<Utc>> {
    if starts_at <= now {
        return Err(AppError::bad_input("startsAt", "must be in the future"));
    }
    if starts_at > now + Duration::days(SESSION_HORIZON_DAYS) {
        return Err(AppError::bad_input(
            "startsAt",
            "must be within a year from now",
        ));
    }
    Ok(starts_at)
}

pub fn stars(v: i32) -> AppResult<i32> {
    if (1..=5).contains(&v) {
        Ok(v)
    } else {
        Err(AppError::bad_input("stars", "must be between 1 and 5"))
    }
}

pub fn overdue_days(v: i32) -> AppResult<i32> {
    if OVERDUE_DAYS.contains(&v) {
        Ok(v)
    } else {
        Err(AppError::bad_input("days", "must be between 1 and 365"))
    }
}

/// Ids given as a list: deduplicated, bounded, at least `min`.
pub fn id_list(
    field: &'static str,
    ids: &[String],
    min: usize,
    max: usize,
) -> AppResult<BTreeSet<String>> {
    if ids.len() > max * 4 {
        return Err(AppError::bad_input(field, format!("at most {max}")));
    }
    let set: BTreeSet<String> = ids.iter().map(|s| s.trim().to_owned()).collect();
    if set.len() < min {
        return Err(AppError::bad_input(field, format!("name at least {min}")));
    }
    if set.len() > max {
        return Err(AppError::bad_input(field, format!("at most {max}")));
    }
    if set.iter().any(|id| uuid::Uuid::parse_str(id).is_err()) {
        return Err(AppError::bad_input(
            field,
            "not a resident of this community",
        ));
    }
    Ok(set)
}

/// The median of whole days (the lower middle of an even count), e.g. days from filing to
/// closing; `None` without any.
pub fn median_days(mut days: Vec<i64>) -> Option<i64> {
    if days.is_empty() {
        return None;
    }
    days.sort_unstable();
    Some(days[(days.len() - 1) / 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(r: &[CaseRole]) -> Standing {
        Standing {
            roles: r.iter().copied().collect(),
            ..Standing::default()
        }
    }

    fn allowed(act: Act, status: CaseStatus, s: &Standing, f: &Facts) -> bool {
        check(act, status, f, s).is_ok()
    }

    #[test]
    fn each_act_belongs_to_one_standing_and_its_statuses() {
        use CaseRole::*;
        use CaseStatus::*;
        let none = Facts::default();
        let with_terms = Facts {
            has_terms: true,
            ..Facts::default()
        };
        // The committee decides on a submitted case; a party does not, even on the committee.
        assert!(allowed(Act::Accept, Submitted, &roles(&[Committee]), &none));
        assert!(!allowed(Act::Accept, Accepted, &roles(&[Committee]), &none));
        assert_eq!(
            check(
                Act::Accept,
                Submitted,
                &none,
                &roles(&[Committee, Applicant])
            ),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            check(Act::Accept, Submitted, &none, &roles(&[Mediator])),
            Err(Refusal::Forbidden)
        );
        // Only the applicant withdraws, and not once mediation has ended.
        assert!(allowed(
            Act::Withdraw,
            InMediation,
            &roles(&[Applicant]),
            &none
        ));
        assert!(!allowed(Act::Withdraw, Agreed, &roles(&[Applicant]), &none));
        assert_eq!(
            check(Act::Withdraw, Submitted, &none, &roles(&[Respondent])),
            Err(Refusal::Forbidden)
        );
        // The mediator ends a case without agreement in mediation, or before it starts (a
        // respondent who never answers); not before the committee has accepted it, and not
        // once it has an outcome. A party never does.
        for (status, ok) in [
            (Submitted, false),
            (Accepted, true),
            (InMediation, true),
            (Agreed, false),
            (RespondentDeclined, false),
        ] {
            assert_eq!(allowed(Act::Fail, status, &roles(&[Mediator]), &none), ok);
        }
        assert_eq!(
            check(Act::Fail, Accepted, &none, &roles(&[Applicant])),
            Err(Refusal::Forbidden)
        );
        // Signing needs terms, mediation, and no earlier signature of these terms.
        assert!(!allowed(
            Act::Sign,
            InMediation,
            &roles(&[Respondent]),
            &none
        ));
        assert!(allowed(
            Act::Sign,
            InMediation,
            &roles(&[Respondent]),
            &with_terms
        ));
        assert!(allowed(
            Act::Sign,
            InMediation,
            &roles(&[Mediator]),
            &with_terms
        ));
        assert_eq!(
            check(Act::Sign, InMediation, &with_terms, &roles(&[Committee])),
            Err(Refusal::Forbidden)
        );
        let signed = Standing {
            signed: true,
            ..roles(&[Applicant])
        };
        assert!(matches!(
            check(Act::Sign, InMediation, &with_terms, &signed),
            Err(Refusal::Conflict(_))
        ));
        // A respondent answers once, while the case is ACCEPTED.
        let answered = Standing {
            consent: Some(true),
            ..roles(&[Respondent])
        };
        assert!(allowed(
            Act::Respond,
            Accepted,
            &roles(&[Respondent]),
            &none
        ));
        assert!(matches!(
            check(Act::Respond, Accepted, &none, &answered),
            Err(Refusal::Conflict(_))
        ));
        assert!(matches!(
            check(Act::Respond, InMediation, &none, &roles(&[Respondent])),
            Err(Refusal::InvalidState(_))
        ));
        // Notes are the mediators' alone.
        assert!(allowed(Act::Note, Closed, &roles(&[Mediator]), &none));
        assert!(!allowed(
            Act::Note,
            InMediation,
            &roles(&[Committee]),
            &none
        ));
        assert!(!allowed(
            Act::Note,
            InMediation,
            &roles(&[Applicant]),
            &none
        ));
        // Ratings once, by parties, after closing.
        assert!(allowed(Act::Rate, Closed, &roles(&[Respondent]), &none));
        assert!(!allowed(Act::Rate, Fulfilled, &roles(&[Respondent]), &none));
        assert!(!allowed(Act::Rate, Closed, &roles(&[Mediator]), &none));
        // Outside-party records need an outside party.
        let outside = Facts {
            has_outside_party: true,
            ..with_terms
        };
        assert!(!allowed(
            Act::OutsideConsent,
            Accepted,
            &roles(&[Mediator]),
            &none
        ));
        assert!(allowed(
            Act::OutsideConsent,
            Accepted,
            &roles(&[Mediator]),
            &outside
        ));
        // Without the outside party's recorded consent nothing is drafted or signed.
        for act in [Act::Draft, Act::Sign, Act::OutsideSignature] {
            assert!(
                !allowed(act, InMediation, &roles(&[Mediator]), &outside),
                "{act:?}"
            );
        }
        let consented = Facts {
            outside_consented: true,
            ..outside
        };
        assert!(allowed(
            Act::OutsideSignature,
            InMediation,
            &roles(&[Mediator]),
            &consented
        ));
        assert!(allowed(
            Act::Draft,
            InMediation,
            &roles(&[Mediator]),
            &consented
        ));
    }

    #[test]
    fn a_case_takes_sessions_up_to_its_cap_and_says_so_in_the_viewer_actions() {
        let mediator = roles(&[CaseRole::Mediator]);
        for (sessions, open) in [(0, true), (MAX_SESSIONS - 1, true), (MAX_SESSIONS, false)] {
            let f = Facts {
                sessions,
                ..Facts::default()
            };
            let checked = check(Act::Schedule, CaseStatus::InMediation, &f, &mediator);
            assert_eq!(checked.is_ok(), open, "{sessions} sessions");
            if !open {
                assert!(matches!(checked, Err(Refusal::InvalidState(_))));
            }
            let offered = actions(CaseStatus::InMediation, &f, &mediator).contains(&Act::Schedule);
            assert_eq!(offered, open, "{sessions} sessions");
        }
    }

    #[test]
    fn the_viewer_actions_are_the_checks_that_pass() {
        let s = roles(&[CaseRole::Applicant]);
        let acts = actions(CaseStatus::InMediation, &Facts::default(), &s);
        assert_eq!(acts, vec![Act::Withdraw, Act::Message]);
        assert!(actions(CaseStatus::Closed, &Facts::default(), &Standing::default()).is_empty());
    }

    #[test]
    fn acceptance_without_resident_respondents_starts_mediation() {
        assert_eq!(accepted_status(0), CaseStatus::InMediation);
        assert_eq!(accepted_status(2), CaseStatus::Accepted);
    }

    #[test]
    fn every_signer_and_the_outside_party_must_sign() {
        let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        let req = set(&["a", "b", "m"]);
        assert!(!all_signed(&req, &set(&["a", "m"]), false, false));
        assert!(all_signed(&req, &set(&["a", "b", "m"]), false, false));
        assert!(!all_signed(&req, &set(&["a", "b", "m"]), true, false));
        assert!(all_signed(&req, &set(&["a", "b", "m", "x"]), true, true));
        assert!(!all_signed(&set(&[]), &set(&[]), false, false));
    }

    #[test]
    fn numbers_overdue_and_medians() {
        assert_eq!(number(2026, 17), "2026-017");
        assert_eq!(number(2026, 1234), "2026-1234");
        let now = Utc::now();
        let old = now - Duration::days(31);
        assert!(is_overdue(CaseStatus::InMediation, old, now, 30));
        assert!(!is_overdue(CaseStatus::Agreed, old, now, 30));
        assert!(!is_overdue(
            CaseStatus::Submitted,
            now - Duration::days(29),
            now,
            30
        ));
        assert_eq!(median_days(vec![]), None);
        assert_eq!(median_days(vec![9, 1, 5]), Some(5));
        assert_eq!(median_days(vec![4, 1, 9, 5]), Some(4));
    }

    #[test]
    fn text_is_bounded_in_characters_not_bytes() {
        let chinese = "噪".repeat(DESCRIPTION_MAX);
        assert!(description(&chinese).is_ok());
        let long = "噪".repeat(DESCRIPTION_MAX + 1);
        assert!(matches!(
            description(&long),
            Err(AppError::BadInput {
                field: "description",
                ..
            })
        ));
        assert!(matches!(description("   "), Err(AppError::BadInput { .. })));
        assert_eq!(outside_party(Some("  ")).ok(), Some(None));
        assert!(stars(0).is_err() && stars(6).is_err() && stars(5).is_ok());
        assert!(overdue_days(0).is_err() && overdue_days(30).is_ok());
        let now = Utc::now();
        assert!(session_start(now - Duration::minutes(1), now).is_err());
        assert!(session_start(now + Duration::days(400), now).is_err());
        assert!(session_start(now + Duration::days(1), now).is_ok());
        assert!(id_list("respondentIds", &["x".into()], 0, 10).is_err());
        assert!(id_list("mediatorIds", &[], 1, 5).is_err());
    }
}
