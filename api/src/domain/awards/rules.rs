//! The awards rules, pure: a campaign's phase from its windows, the bounds of every input, and
//! who may do what in which phase and status. The acts and `viewerCan` both ask these.

use std::collections::HashSet;

use chrono::{DateTime, Datelike, Duration, Utc};
use entity::award_campaign;

pub use entity::award_campaign::CampaignPhase;
pub use entity::award_category::NomineeKind;
pub use entity::nomination::NominationStatus;

use crate::domain::text::chars_between;
use crate::error::{AppError, AppResult};

pub const TITLE_MAX: usize = 100;
pub const CATEGORY_NAME_MAX: usize = 40;
pub const MAX_CATEGORIES: usize = 12;
pub const MAX_WINNERS: i32 = 100;
pub const MAX_THRESHOLD: i32 = 10_000;
pub const STORY_MIN: usize = 20;
pub const STORY_MAX: usize = 2_000;
pub const NOTE_MAX: usize = 500;
/// A campaign's windows end within a year of its creation.
pub const MAX_CAMPAIGN_DAYS: i64 = 366;

/// The phase at `at`: NOMINATING before `nominate_until`, ENDORSING before `endorse_until`,
/// then REVIEWING until announced (`review_until` is the committee's target date, not a
/// cut-off: a campaign is never left without its announcement).
pub fn phase(c: &award_campaign::Model, at: DateTime<Utc>) -> CampaignPhase {
    if c.announced_at.is_some() {
        CampaignPhase::Announced
    } else if at < c.nominate_until {
        CampaignPhase::Nominating
    } else if at < c.endorse_until {
        CampaignPhase::Endorsing
    } else {
        CampaignPhase::Reviewing
    }
}

pub fn title(s: &str) -> AppResult<String> {
    chars_between("title", s, 1, TITLE_MAX, "the title")
}

/// The story of a nomination: 20–2,000 Unicode characters (not bytes).
pub fn story(s: &str) -> AppResult<String> {
    chars_between("story", s, STORY_MIN, STORY_MAX, "the story")
}

/// The committee's shortlist note (optional, up to 500 characters).
pub fn note(s: Option<&str>) -> AppResult<Option<String>> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => chars_between("note", s, 1, NOTE_MAX, "the note").map(Some),
    }
}

pub fn year(y: i32, now: DateTime<Utc>) -> AppResult<i32> {
    if (2000..=now.year() + 1).contains(&y) {
        Ok(y)
    } else {
        Err(AppError::bad_input(
            "year",
            "the year must be between 2000 and next year",
        ))
    }
}

pub fn threshold(n: i32) -> AppResult<i32> {
    if (1..=MAX_THRESHOLD).contains(&n) {
        Ok(n)
    } else {
        Err(AppError::bad_input(
            "endorsementThreshold",
            format!("the endorsement threshold must be 1 to {MAX_THRESHOLD}"),
        ))
    }
}

/// A category as the committee describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CategoryInput {
    pub name: String,
    pub nominee_kind: NomineeKind,
    pub winners: i32,
}

/// One to twelve categories with distinct names of 1–40 characters and 1–100 winners each.
pub fn categories(list: &[CategoryInput]) -> AppResult<Vec<CategoryInput>> {
    if list.is_empty() || list.len() > MAX_CATEGORIES {
        return Err(AppError::bad_input(
            "categories",
            format!("a campaign has 1 to {MAX_CATEGORIES} categories"),
        ));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(list.len());
    for c in list {
        let name = chars_between(
            "categories",
            &c.name,
            1,
            CATEGORY_NAME_MAX,
            "a category's name",
        )?;
        if !seen.insert(name.clone()) {
            return Err(AppError::bad_input(
                "categories",
                "two categories have the same name",
            ));
        }
        if !(1..=MAX_WINNERS).contains(&c.winners) {
            return Err(AppError::bad_input(
                "categories",
                format!("a category has 1 to {MAX_WINNERS} winners"),
            ));
        }
        out.push(CategoryInput {
            name,
            nominee_kind: c.nominee_kind,
            winners: c.winners,
        });
    }
    Ok(out)
}

/// The windows follow each other: now < nominating ends < endorsing ends < reviewing ends,
/// all within a year.
pub fn windows(
    now: DateTime<Utc>,
    nominate_until: DateTime<Utc>,
    endorse_until: DateTime<Utc>,
    review_until: DateTime<Utc>,
) -> AppResult<()> {
    if nominate_until <= now {
        return Err(AppError::bad_input(
            "nominateUntil",
            "nominating must end in the future",
        ));
    }
    if endorse_until <= nominate_until {
        return Err(AppError::bad_input(
            "endorseUntil",
            "endorsing must end after nominating ends",
        ));
    }
    if review_until <= endorse_until {
        return Err(AppError::bad_input(
            "reviewUntil",
            "reviewing must end after endorsing ends",
        ));
    }
    if review_until > now + Duration::days(MAX_CAMPAIGN_DAYS) {
        return Err(AppError::bad_input(
            "reviewUntil",
            "a campaign ends within a year",
        ));
    }
    Ok(())
}

/// Where the viewer stands toward a campaign.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Member {
    /// A live resident of the campaign's community.
    pub resident: bool,
    /// On its committee.
    pub committee: bool,
}

/// What may be done to a campaign.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CampaignAct {
    Nominate,
    Advance,
    Shortlist,
    OpenBallot,
    Announce,
}

impl CampaignAct {
    pub const ALL: [CampaignAct; 5] = [
        CampaignAct::Nominate,
        CampaignAct::Advance,
        CampaignAct::Shortlist,
        CampaignAct::OpenBallot,
        CampaignAct::Announce,
    ];
}

/// FORBIDDEN for the wrong person, INVALID_STATE outside the act's phase.
pub fn check_campaign(act: CampaignAct, phase: CampaignPhase, who: Member) -> AppResult<()> {
    use CampaignPhase::*;
    let (allowed, phases): (bool, &[CampaignPhase]) = match act {
        CampaignAct::Nominate => (who.resident, &[Nominating]),
        CampaignAct::Advance => (who.committee, &[Nominating, Endorsing]),
        CampaignAct::Shortlist | CampaignAct::OpenBallot | CampaignAct::Announce => {
            (who.committee, &[Reviewing])
        }
    };
    if !allowed {
        return Err(AppError::Forbidden);
    }
    if !phases.contains(&phase) {
        return Err(AppError::invalid_state(format!(
            "not while the campaign is {}",
            phase_name(phase)
        )));
    }
    Ok(())
}

pub fn campaign_actions(phase: CampaignPhase, who: Member) -> Vec<CampaignAct> {
    CampaignAct::ALL
        .into_iter()
        .filter(|a| check_campaign(*a, phase, who).is_ok())
        .collect()
}

/// Fewest shortlisted nominations a category's public vote is opened over.
pub const VOTE_MIN_SHORTLISTED: usize = 2;

/// Whether a vote may be opened on one category now, given what it holds (the campaign's act
/// and phase are `check_campaign`'s): INVALID_STATE under two shortlisted nominations, CONFLICT
/// while a vote on the category is open. `openBallot` enforces it and `viewerCan` states it.
pub fn check_category_vote(shortlisted: usize, vote_open: bool, ballots: u64) -> AppResult<()> {
    if vote_open {
        return Err(AppError::conflict(
            "a vote on this category is already open",
        ));
    }
    crate::domain::ballot::rules::another_ballot("a campaign category", ballots)?;
    if shortlisted < VOTE_MIN_SHORTLISTED {
        return Err(AppError::invalid_state(
            "shortlist at least two nominations of the category first",
        ));
    }
    Ok(())
}

fn phase_name(p: CampaignPhase) -> &'static str {
    match p {
        CampaignPhase::Nominating => "NOMINATING",
        CampaignPhase::Endorsing => "ENDORSING",
        CampaignPhase::Reviewing => "REVIEWING",
        CampaignPhase::Announced => "ANNOUNCED",
    }
}

/// Where the viewer stands toward one nomination.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Standing {
    pub member: Member,
    /// The nominee resident, or a live member of the nominee household.
    pub nominee: bool,
    pub nominator: bool,
    /// A member of the household that may not endorse it.
    pub own_household: bool,
    pub endorsed: bool,
}

impl Standing {
    /// Who may read a nomination: anyone of the community once public; before that (and when
    /// declined) only the nominator, the nominee and the committee.
    pub fn may_read(&self, status: NominationStatus) -> bool {
        self.member.committee
            || self.nominator
            || self.nominee
            || (self.member.resident && status.is_public())
    }
}

/// What may be done to a nomination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NominationAct {
    Consent,
    Endorse,
    Shortlist,
    /// Be named a winner in `announceAwards`.
    Award,
}

impl NominationAct {
    pub const ALL: [NominationAct; 4] = [
        NominationAct::Consent,
        NominationAct::Endorse,
        NominationAct::Shortlist,
        NominationAct::Award,
    ];
}

/// The statuses a winner may have.
pub const WINNABLE: [NominationStatus; 2] =
    [NominationStatus::Qualified, NominationStatus::Shortlisted];

/// FORBIDDEN for the wrong person (the nominee's own household never endorses), INVALID_STATE
/// outside the phase or status, CONFLICT for a second endorsement.
pub fn check_nomination(
    act: NominationAct,
    phase: CampaignPhase,
    status: NominationStatus,
    who: Standing,
) -> AppResult<()> {
    use CampaignPhase::*;
    use NominationStatus::*;
    let (allowed, phases, statuses): (bool, &[CampaignPhase], &[NominationStatus]) = match act {
        NominationAct::Consent => (who.nominee, &[Nominating, Endorsing], &[AwaitingConsent]),
        NominationAct::Endorse => {
            if who.member.resident && who.own_household {
                return Err(AppError::Forbidden);
            }
            (
                who.member.resident,
                &[Nominating, Endorsing],
                &[Open, Qualified],
            )
        }
        NominationAct::Shortlist => (who.member.committee, &[Reviewing], &[Qualified]),
        NominationAct::Award => (who.member.committee, &[Reviewing], &WINNABLE),
    };
    if !allowed {
        return Err(AppError::Forbidden);
    }
    if !phases.contains(&phase) {
        return Err(AppError::invalid_state(format!(
            "not while the campaign is {}",
            phase_name(phase)
        )));
    }
    if !statuses.contains(&status) {
        return Err(AppError::invalid_state(
            "not at this step of the nomination",
        ));
    }
    if act == NominationAct::Endorse && who.endorsed {
        return Err(AppError::conflict("you have already endorsed it"));
    }
    Ok(())
}

pub fn nomination_actions(
    phase: CampaignPhase,
    status: NominationStatus,
    who: Standing,
) -> Vec<NominationAct> {
    NominationAct::ALL
        .into_iter()
        .filter(|a| check_nomination(*a, phase, status, who).is_ok())
        .collect()
}

/// The status a new nomination starts in: a building needs no consent, nor does a nominee who
/// nominates themselves (or their own household); anyone else is asked first.
pub fn first_status(kind: NomineeKind, self_nominated: bool) -> NominationStatus {
    if kind == NomineeKind::Building || self_nominated {
        NominationStatus::Open
    } else {
        NominationStatus::AwaitingConsent
    }
}

/// Whether an endorsement count reaches the threshold.
pub fn qualifies(count: i32, threshold: i32) -> bool {
    count >= threshold
}

/// The winners chosen for announcement: each a QUALIFIED or SHORTLISTED nomination of the
/// campaign, no category over its number of winners. `chosen` holds (category id, status) per
/// nomination id, `winners` the categories' limits.
pub fn check_winners(
    ids: &[String],
    found: &std::collections::HashMap<String, (String, NominationStatus)>,
    winners: &std::collections::HashMap<String, i32>,
) -> AppResult<()> {
    let distinct: HashSet<&String> = ids.iter().collect();
    if distinct.len() != ids.len() {
        return Err(AppError::bad_input(
            "nominationIds",
            "a nomination is named twice",
        ));
    }
    let mut per_category: std::collections::HashMap<&str, i32> = Default::default();
    for id in ids {
        let Some((category, status)) = found.get(id) else {
            return Err(AppError::bad_input(
                "nominationIds",
                "not a nomination of this campaign",
            ));
        };
        if !WINNABLE.contains(status) {
            return Err(AppError::bad_input(
                "nominationIds",
                "only qualified or shortlisted nominations can win",
            ));
        }
        *per_category.entry(category.as_str()).or_default() += 1;
    }
    for (category, n) in per_category {
        if n > winners.get(category).copied().unwrap_or(0) {
            return Err(AppError::bad_input(
                "nominationIds",
                "more winners than the category has places",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_category_vote_needs_two_shortlisted_and_none_open() {
        let code = |r: AppResult<()>| r.err().map(|e| e.code());
        assert_eq!(code(check_category_vote(2, false, 0)), None);
        assert_eq!(code(check_category_vote(9, false, 0)), None);
        assert_eq!(
            code(check_category_vote(1, false, 0)),
            Some("INVALID_STATE")
        );
        assert_eq!(
            code(check_category_vote(0, false, 0)),
            Some("INVALID_STATE")
        );
        assert_eq!(code(check_category_vote(5, true, 0)), Some("CONFLICT"));
        // Ballots of the category so far, cancelled and undecided ones included: up to the cap.
        let max = crate::domain::ballot::rules::MAX_BALLOTS;
        assert_eq!(code(check_category_vote(2, false, max - 1)), None);
        assert_eq!(
            code(check_category_vote(2, false, max)),
            Some("INVALID_STATE")
        );
    }
    use std::collections::HashMap;

    fn campaign(now: DateTime<Utc>) -> award_campaign::Model {
        award_campaign::Model {
            id: "c".into(),
            community_id: "w".into(),
            title: "t".into(),
            year: 2026,
            endorsement_threshold: 3,
            nominate_until: now + Duration::days(1),
            endorse_until: now + Duration::days(2),
            review_until: now + Duration::days(3),
            announced_at: None,
            created_by: "a".into(),
            created_at: now,
            updated_at: now,
        }
    }

    fn code(r: AppResult<impl Sized>) -> &'static str {
        match r {
            Ok(_) => "ok",
            Err(e) => e.code(),
        }
    }

    #[test]
    fn the_phase_follows_the_windows_and_stays_reviewing_until_announced() {
        let now = Utc::now();
        let c = campaign(now);
        assert_eq!(phase(&c, now), CampaignPhase::Nominating);
        assert_eq!(
            phase(&c, now + Duration::hours(25)),
            CampaignPhase::Endorsing
        );
        assert_eq!(
            phase(&c, now + Duration::hours(49)),
            CampaignPhase::Reviewing
        );
        assert_eq!(
            phase(&c, now + Duration::days(30)),
            CampaignPhase::Reviewing
        );
        let done = award_campaign::Model {
            announced_at: Some(now),
            ..c
        };
        assert_eq!(phase(&done, now), CampaignPhase::Announced);
    }

    #[test]
    fn a_story_is_counted_in_characters_not_bytes() {
        let nineteen = "好".repeat(19);
        assert_eq!(code(story(&nineteen)), "BAD_USER_INPUT");
        let twenty = "好".repeat(20);
        assert_eq!(story(&twenty).ok(), Some(twenty.clone()));
        assert_eq!(code(story(&"好".repeat(2_000))), "ok");
        assert_eq!(code(story(&"好".repeat(2_001))), "BAD_USER_INPUT");
        // Padding does not count.
        assert_eq!(code(story(&format!("   {nineteen}   "))), "BAD_USER_INPUT");
    }

    #[test]
    fn windows_must_follow_each_other_within_a_year() {
        let now = Utc::now();
        let d = Duration::days;
        assert_eq!(code(windows(now, now + d(1), now + d(2), now + d(3))), "ok");
        assert_eq!(
            code(windows(now, now, now + d(2), now + d(3))),
            "BAD_USER_INPUT"
        );
        assert_eq!(
            code(windows(now, now + d(2), now + d(2), now + d(3))),
            "BAD_USER_INPUT"
        );
        assert_eq!(
            code(windows(now, now + d(1), now + d(3), now + d(2))),
            "BAD_USER_INPUT"
        );
        assert_eq!(
            code(windows(now, now + d(1), now + d(2), now + d(400))),
            "BAD_USER_INPUT"
        );
    }

    #[test]
    fn categories_need_names_winners_and_no_twins() {
        let c = |name: &str, winners| CategoryInput {
            name: name.into(),
            nominee_kind: NomineeKind::Household,
            winners,
        };
        assert_eq!(code(categories(&[])), "BAD_USER_INPUT");
        assert_eq!(code(categories(&[c("文明家庭", 3)])), "ok");
        assert_eq!(code(categories(&[c(" ", 3)])), "BAD_USER_INPUT");
        assert_eq!(code(categories(&[c("文明家庭", 0)])), "BAD_USER_INPUT");
        assert_eq!(
            code(categories(&[c("文明家庭", 1), c(" 文明家庭", 2)])),
            "BAD_USER_INPUT"
        );
    }

    #[test]
    fn endorsing_is_for_residents_outside_the_nominee_household_in_the_windows_once() {
        use CampaignPhase::*;
        use NominationStatus::*;
        let resident = Standing {
            member: Member {
                resident: true,
                committee: false,
            },
            ..Standing::default()
        };
        let e =
            |phase, status, who| code(check_nomination(NominationAct::Endorse, phase, status, who));
        assert_eq!(e(Nominating, Open, resident), "ok");
        assert_eq!(e(Endorsing, Qualified, resident), "ok");
        assert_eq!(e(Reviewing, Open, resident), "INVALID_STATE");
        assert_eq!(e(Nominating, AwaitingConsent, resident), "INVALID_STATE");
        assert_eq!(
            e(
                Nominating,
                Open,
                Standing {
                    own_household: true,
                    ..resident
                }
            ),
            "FORBIDDEN"
        );
        assert_eq!(
            e(
                Nominating,
                Open,
                Standing {
                    endorsed: true,
                    ..resident
                }
            ),
            "CONFLICT"
        );
        assert_eq!(e(Nominating, Open, Standing::default()), "FORBIDDEN");
    }

    #[test]
    fn consent_is_the_nominee_s_and_shortlisting_the_committee_s() {
        use CampaignPhase::*;
        use NominationStatus::*;
        let nominee = Standing {
            nominee: true,
            ..Standing::default()
        };
        let committee = Standing {
            member: Member {
                resident: true,
                committee: true,
            },
            ..Standing::default()
        };
        let c = |act, phase, status, who| code(check_nomination(act, phase, status, who));
        assert_eq!(
            c(NominationAct::Consent, Nominating, AwaitingConsent, nominee),
            "ok"
        );
        assert_eq!(
            c(
                NominationAct::Consent,
                Nominating,
                AwaitingConsent,
                committee
            ),
            "FORBIDDEN"
        );
        assert_eq!(
            c(NominationAct::Consent, Reviewing, AwaitingConsent, nominee),
            "INVALID_STATE"
        );
        assert_eq!(
            c(NominationAct::Consent, Nominating, Open, nominee),
            "INVALID_STATE"
        );
        assert_eq!(
            c(NominationAct::Shortlist, Reviewing, Qualified, committee),
            "ok"
        );
        assert_eq!(
            c(NominationAct::Shortlist, Reviewing, Open, committee),
            "INVALID_STATE"
        );
        assert_eq!(
            c(NominationAct::Shortlist, Endorsing, Qualified, committee),
            "INVALID_STATE"
        );
        assert_eq!(
            c(NominationAct::Shortlist, Reviewing, Qualified, nominee),
            "FORBIDDEN"
        );
        assert_eq!(
            c(NominationAct::Award, Reviewing, Shortlisted, committee),
            "ok"
        );
        assert_eq!(
            c(NominationAct::Award, Reviewing, Qualified, committee),
            "ok"
        );
        assert_eq!(
            c(NominationAct::Award, Reviewing, Open, committee),
            "INVALID_STATE"
        );
        assert_eq!(
            c(NominationAct::Award, Announced, Shortlisted, committee),
            "INVALID_STATE"
        );
    }

    #[test]
    fn a_nomination_is_read_by_the_community_only_once_public() {
        let resident = Standing {
            member: Member {
                resident: true,
                committee: false,
            },
            ..Standing::default()
        };
        assert!(!resident.may_read(NominationStatus::AwaitingConsent));
        assert!(!resident.may_read(NominationStatus::Declined));
        assert!(resident.may_read(NominationStatus::Open));
        assert!(Standing {
            nominee: true,
            ..Standing::default()
        }
        .may_read(NominationStatus::Declined));
        assert!(!Standing::default().may_read(NominationStatus::Awarded));
    }

    #[test]
    fn the_campaign_acts_follow_the_phase() {
        use CampaignPhase::*;
        let committee = Member {
            resident: true,
            committee: true,
        };
        let resident = Member {
            resident: true,
            committee: false,
        };
        assert_eq!(
            campaign_actions(Nominating, resident),
            vec![CampaignAct::Nominate]
        );
        assert_eq!(campaign_actions(Endorsing, resident), vec![]);
        assert_eq!(
            campaign_actions(Endorsing, committee),
            vec![CampaignAct::Advance]
        );
        assert_eq!(
            campaign_actions(Reviewing, committee),
            vec![
                CampaignAct::Shortlist,
                CampaignAct::OpenBallot,
                CampaignAct::Announce
            ]
        );
        assert_eq!(campaign_actions(Announced, committee), vec![]);
    }

    #[test]
    fn winners_are_qualified_or_shortlisted_and_within_the_places() {
        let found: HashMap<String, (String, NominationStatus)> = [
            ("a", "x", NominationStatus::Shortlisted),
            ("b", "x", NominationStatus::Qualified),
            ("c", "y", NominationStatus::Open),
        ]
        .into_iter()
        .map(|(id, cat, s)| (id.to_owned(), (cat.to_owned(), s)))
        .collect();
        let winners: HashMap<String, i32> = [("x".to_owned(), 1), ("y".to_owned(), 1)].into();
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(code(check_winners(&ids(&["a"]), &found, &winners)), "ok");
        assert_eq!(
            code(check_winners(&ids(&["a", "b"]), &found, &winners)),
            "BAD_USER_INPUT"
        );
        assert_eq!(
            code(check_winners(&ids(&["c"]), &found, &winners)),
            "BAD_USER_INPUT"
        );
        assert_eq!(
            code(check_winners(&ids(&["z"]), &found, &winners)),
            "BAD_USER_INPUT"
        );
        assert_eq!(
            code(check_winners(&ids(&["a", "a"]), &found, &winners)),
            "BAD_USER_INPUT"
        );
        assert_eq!(code(check_winners(&[], &found, &winners)), "ok");
    }

    #[test]
    fn a_building_or_a_self_nomination_needs_no_consent() {
        assert_eq!(
            first_status(NomineeKind::Building, false),
            NominationStatus::Open
        );
        assert_eq!(
            first_status(NomineeKind::Resident, true),
            NominationStatus::Open
        );
        assert_eq!(
            first_status(NomineeKind::Household, false),
            NominationStatus::AwaitingConsent
        );
        assert!(qualifies(3, 3) && !qualifies(2, 3));
    }
}
