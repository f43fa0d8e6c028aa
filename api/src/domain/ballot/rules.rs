//! Counting rules (DESIGN §4): pure functions over exact integers. Areas are hundredths of a m²;
//! every fraction is compared by cross-multiplying in i128, never with floats.
//!
//! "以上" (at least) includes the boundary (Civil Code art. 1259); "过半数" (more than half) does
//! not. Abstentions are participants: they count for turnout and sit in the denominator of
//! approval, never in the numerator.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};

pub use entity::ballot::{BallotKind, DecisionRule, Electorate, Outcome, VoteMethod};
pub use entity::ballot_option::OptionRole;

/// A count of voters and the floor area they carry (area is 0 unless the electorate is OWNERS).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weight {
    pub count: i64,
    pub area_centi: i64,
}

impl Weight {
    pub const fn new(count: i64, area_centi: i64) -> Self {
        Self { count, area_centi }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionCount {
    pub role: OptionRole,
    pub votes: Weight,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub quorum_met: bool,
    pub outcome: Outcome,
    /// One entry per option, in the order given.
    pub adopted: Vec<bool>,
}

/// Does `part / whole` exceed `num / den` (strict, "过半数")?
pub fn more_than(part: i64, whole: i64, num: i64, den: i64) -> bool {
    whole > 0 && (part as i128) * (den as i128) > (num as i128) * (whole as i128)
}

/// Is `part / whole` at least `num / den` (inclusive, "以上")?
pub fn at_least(part: i64, whole: i64, num: i64, den: i64) -> bool {
    whole > 0 && (part as i128) * (den as i128) >= (num as i128) * (whole as i128)
}

/// Who casts a vote on a ballot: a resident (RESIDENTS electorate) or a household (HOUSEHOLDS,
/// OWNERS). Both are stored as a bare id in `ballot_voter.voter_id`; this type says which kind it
/// is wherever a voter meets a roster place, so a resident's id is never looked up as a household.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VoterId {
    Resident(String),
    Household(String),
}

impl VoterId {
    /// The voter a stored id names on a ballot with this electorate.
    pub fn stored(electorate: Electorate, id: String) -> Self {
        match electorate {
            Electorate::Residents => VoterId::Resident(id),
            Electorate::Households | Electorate::Owners => VoterId::Household(id),
        }
    }

    /// Who votes for this roster place on a ballot with this electorate.
    pub fn of(electorate: Electorate, place: &entity::resident::Model) -> Self {
        match electorate {
            Electorate::Residents => VoterId::Resident(place.id.clone()),
            Electorate::Households | Electorate::Owners => {
                VoterId::Household(place.household_id.clone())
            }
        }
    }

    /// Does this roster place vote as (or within) this voter?
    pub fn includes(&self, place: &entity::resident::Model) -> bool {
        match self {
            VoterId::Resident(id) => place.id == *id,
            VoterId::Household(id) => place.household_id == *id,
        }
    }

    /// The id as stored.
    pub fn as_str(&self) -> &str {
        match self {
            VoterId::Resident(id) | VoterId::Household(id) => id,
        }
    }

    pub fn into_string(self) -> String {
        match self {
            VoterId::Resident(id) | VoterId::Household(id) => id,
        }
    }
}

/// Which rules need floor areas, and so an OWNERS electorate.
pub fn rule_needs_owners(rule: DecisionRule) -> bool {
    matches!(
        rule,
        DecisionRule::OwnersOrdinary | DecisionRule::OwnersMajor
    )
}

/// The counting rules a ballot of this electorate may use (what `openBallot` accepts, and
/// what the open-ballot form offers, in this order: the residents' meeting first).
pub fn rules_for(electorate: Electorate) -> Vec<DecisionRule> {
    use DecisionRule::*;
    [ResidentsMeeting, OwnersOrdinary, OwnersMajor, Plurality]
        .into_iter()
        .filter(|r| !rule_needs_owners(*r) || electorate == Electorate::Owners)
        .collect()
}

/// Every electorate with the rules it may use, in the order the open-ballot form offers them
/// (households first).
pub fn offered_rules() -> Vec<(Electorate, Vec<DecisionRule>)> {
    [
        Electorate::Households,
        Electorate::Residents,
        Electorate::Owners,
    ]
    .into_iter()
    .map(|e| (e, rules_for(e)))
    .collect()
}

/// Which part of a ballot a threshold judges: turnout against the frozen electorate, or one
/// option's support among those who took part.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ThresholdStage {
    Turnout,
    Approval,
}

/// What a threshold counts: voters (heads or households) or the floor area they carry.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Measure {
    Count,
    Area,
}

/// "过半数" (more than, strict) or "以上" (at least, inclusive; Civil Code art. 1259).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Comparison {
    MoreThan,
    AtLeast,
}

/// One line of a rule: `measure` must be more than / at least `num/den` of its base.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Bar {
    pub measure: Measure,
    pub comparison: Comparison,
    pub num: i64,
    pub den: i64,
}

const fn bar(measure: Measure, comparison: Comparison, num: i64, den: i64) -> Bar {
    Bar {
        measure,
        comparison,
        num,
        den,
    }
}

const HALF_OF_HEADS: Bar = bar(Measure::Count, Comparison::MoreThan, 1, 2);
const HALF_OF_AREA: Bar = bar(Measure::Area, Comparison::MoreThan, 1, 2);
const TWO_THIRDS_OF_HEADS: Bar = bar(Measure::Count, Comparison::AtLeast, 2, 3);
const TWO_THIRDS_OF_AREA: Bar = bar(Measure::Area, Comparison::AtLeast, 2, 3);
const THREE_QUARTERS_OF_HEADS: Bar = bar(Measure::Count, Comparison::AtLeast, 3, 4);
const THREE_QUARTERS_OF_AREA: Bar = bar(Measure::Area, Comparison::AtLeast, 3, 4);

/// The turnout a rule needs, against the frozen electorate (every bar must be met).
///
/// 居民会议 (Organic Law of Urban Residents' Committees, art. 9): more than half of the
/// electorate, whether residents or households' representatives. The two-thirds-of-households
/// rule belongs to the villagers' committees law and does not apply.
pub fn turnout_bars(rule: DecisionRule) -> &'static [Bar] {
    match rule {
        DecisionRule::Plurality => &[],
        DecisionRule::ResidentsMeeting => &[HALF_OF_HEADS],
        DecisionRule::OwnersOrdinary | DecisionRule::OwnersMajor => {
            &[TWO_THIRDS_OF_HEADS, TWO_THIRDS_OF_AREA]
        }
    }
}

/// The support an option needs among the participants (every bar must be met). PLURALITY has
/// none: most votes wins.
pub fn approval_bars(rule: DecisionRule) -> &'static [Bar] {
    match rule {
        DecisionRule::Plurality => &[],
        DecisionRule::ResidentsMeeting => &[HALF_OF_HEADS],
        DecisionRule::OwnersOrdinary => &[HALF_OF_HEADS, HALF_OF_AREA],
        DecisionRule::OwnersMajor => &[THREE_QUARTERS_OF_HEADS, THREE_QUARTERS_OF_AREA],
    }
}

impl Bar {
    fn pick(self, w: Weight) -> i64 {
        match self.measure {
            Measure::Count => w.count,
            Measure::Area => w.area_centi,
        }
    }

    /// Is `part` of `whole` over this bar?
    pub fn met(self, part: Weight, whole: Weight) -> bool {
        let (part, whole) = (self.pick(part), self.pick(whole));
        match self.comparison {
            Comparison::MoreThan => more_than(part, whole, self.num, self.den),
            Comparison::AtLeast => at_least(part, whole, self.num, self.den),
        }
    }

    /// The least value of the measure that meets the bar against `whole` (exact integers):
    /// `floor(whole·num/den) + 1` for "more than", `ceil(whole·num/den)` for "at least".
    /// Nothing meets a bar against an empty whole (see `more_than`, `at_least`).
    pub fn required(self, whole: i64) -> i64 {
        let (w, n, d) = (whole as i128, self.num as i128, self.den as i128);
        let r = match self.comparison {
            Comparison::MoreThan => (w * n).div_euclid(d) + 1,
            Comparison::AtLeast => (w * n + d - 1).div_euclid(d),
        };
        r as i64
    }
}

/// Turnout against the frozen electorate (every turnout bar of the rule).
pub fn quorum_met(rule: DecisionRule, eligible: Weight, turnout: Weight) -> bool {
    turnout_bars(rule).iter().all(|b| b.met(turnout, eligible))
}

/// Does one option carry the approval threshold among the participants?
pub fn approved(rule: DecisionRule, votes: Weight, turnout: Weight) -> bool {
    let bars = approval_bars(rule);
    !bars.is_empty() && bars.iter().all(|b| b.met(votes, turnout))
}

/// How many options one vote may tick: one for SINGLE, `max_choices` (at least one) for APPROVAL.
pub fn choice_limit(method: VoteMethod, max_choices: i32) -> usize {
    match method {
        VoteMethod::Single => 1,
        VoteMethod::Approval => std::cmp::max(max_choices, 1) as usize,
    }
}

/// Whether ticking an option of this role must be the vote's only tick (an abstention cannot be
/// combined with anything).
pub fn stands_alone(role: OptionRole) -> bool {
    role == OptionRole::Abstain
}

/// Is an option of this role judged against the approval bars? (Abstentions and opposition
/// never are: they only count as participants.)
pub fn judged(role: OptionRole) -> bool {
    !matches!(role, OptionRole::Abstain | OptionRole::Oppose)
}

/// One threshold as a result notice (公示) shows it: what was required, what was achieved, and
/// whether it was met. Computed here, so no client re-implements a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Threshold {
    pub stage: ThresholdStage,
    /// For an approval threshold: the index of the option judged.
    pub option: Option<usize>,
    pub bar: Bar,
    /// The whole the fraction is of: the electorate (turnout) or the participants (approval).
    pub base: i64,
    /// The least value that meets the threshold.
    pub required: i64,
    pub achieved: i64,
    pub met: bool,
}

/// Every threshold a ballot's result was judged by, in order: turnout first, then each judged
/// option's approval. PLURALITY has none.
pub fn thresholds(
    rule: DecisionRule,
    eligible: Weight,
    turnout: Weight,
    options: &[OptionCount],
) -> Vec<Threshold> {
    let line = |stage, option, bar: Bar, part: Weight, whole: Weight| Threshold {
        stage,
        option,
        bar,
        base: bar.pick(whole),
        required: bar.required(bar.pick(whole)),
        achieved: bar.pick(part),
        met: bar.met(part, whole),
    };
    let mut out: Vec<Threshold> = turnout_bars(rule)
        .iter()
        .map(|b| line(ThresholdStage::Turnout, None, *b, turnout, eligible))
        .collect();
    for (i, o) in options.iter().enumerate().filter(|(_, o)| judged(o.role)) {
        for b in approval_bars(rule) {
            out.push(line(
                ThresholdStage::Approval,
                Some(i),
                *b,
                o.votes,
                turnout,
            ));
        }
    }
    out
}

/// The result of a closed ballot. `turnout` counts distinct participants (abstentions included).
pub fn decide(
    kind: BallotKind,
    rule: DecisionRule,
    max_choices: usize,
    eligible: Weight,
    turnout: Weight,
    options: &[OptionCount],
) -> Decision {
    let quorum = quorum_met(rule, eligible, turnout);
    let none = vec![false; options.len()];
    if !quorum {
        return Decision {
            quorum_met: false,
            outcome: Outcome::NoQuorum,
            adopted: none,
        };
    }
    if rule == DecisionRule::Plurality {
        return plurality(kind, max_choices, turnout, options);
    }
    let adopted: Vec<bool> = options
        .iter()
        .map(|o| judged(o.role) && approved(rule, o.votes, turnout))
        .collect();
    let outcome = match kind {
        BallotKind::Motion => {
            let approve = options
                .iter()
                .zip(&adopted)
                .any(|(o, a)| o.role == OptionRole::Approve && *a);
            if approve {
                Outcome::Adopted
            } else {
                Outcome::NotAdopted
            }
        }
        BallotKind::Choice => {
            if adopted.iter().any(|a| *a) {
                Outcome::Decided
            } else {
                Outcome::NotAdopted
            }
        }
    };
    Decision {
        quorum_met: true,
        outcome,
        adopted,
    }
}

fn plurality(
    kind: BallotKind,
    max_choices: usize,
    turnout: Weight,
    options: &[OptionCount],
) -> Decision {
    let mut adopted = vec![false; options.len()];
    match kind {
        BallotKind::Motion => {
            let votes = |role| {
                options
                    .iter()
                    .filter(|o| o.role == role)
                    .map(|o| o.votes.count)
                    .sum::<i64>()
            };
            let (yes, no) = (votes(OptionRole::Approve), votes(OptionRole::Oppose));
            let outcome = if turnout.count == 0 || yes < no || (yes == no && yes == 0) {
                Outcome::NotAdopted
            } else if yes == no {
                Outcome::Tie
            } else {
                Outcome::Adopted
            };
            if outcome == Outcome::Adopted {
                for (i, o) in options.iter().enumerate() {
                    adopted[i] = o.role == OptionRole::Approve;
                }
            }
            Decision {
                quorum_met: true,
                outcome,
                adopted,
            }
        }
        BallotKind::Choice => {
            // Candidates: real choices with at least one vote, most votes first.
            let mut ranked: Vec<(usize, i64)> = options
                .iter()
                .enumerate()
                .filter(|(_, o)| o.role == OptionRole::Choice && o.votes.count > 0)
                .map(|(i, o)| (i, o.votes.count))
                .collect();
            ranked.sort_by_key(|r| std::cmp::Reverse(r.1));
            let seats = max_choices.max(1);
            if ranked.is_empty() {
                return Decision {
                    quorum_met: true,
                    outcome: Outcome::NotAdopted,
                    adopted,
                };
            }
            if ranked.len() <= seats {
                for (i, _) in &ranked {
                    adopted[*i] = true;
                }
                return Decision {
                    quorum_met: true,
                    outcome: Outcome::Decided,
                    adopted,
                };
            }
            let cutoff = ranked[seats - 1].1;
            let tie_at_cutoff = ranked[seats].1 == cutoff;
            for (i, v) in &ranked {
                if *v > cutoff || (*v == cutoff && !tie_at_cutoff) {
                    adopted[*i] = true;
                }
            }
            let outcome = if tie_at_cutoff {
                Outcome::Tie
            } else {
                Outcome::Decided
            };
            Decision {
                quorum_met: true,
                outcome,
                adopted,
            }
        }
    }
}

/// Is this ballot a named vote (记名表决)? A non-secret ballot is: which voter made each choice
/// is recorded, and the committee may read it once the ballot has closed. A secret ballot never
/// records it (DESIGN §4).
pub fn is_named(secret: bool) -> bool {
    !secret
}

/// What a ballot's `result` shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultShown {
    /// Nothing: a cancelled ballot counted nothing, and a secret ballot shows only its turnout
    /// until it closes (for anyone, the committee included).
    Hidden,
    /// The live tally of an open named vote.
    Live,
    /// The result stored at closing.
    Final,
}

pub fn result_shown(closed: bool, cancelled: bool, secret: bool) -> ResultShown {
    match (closed, cancelled, secret) {
        (_, true, _) => ResultShown::Hidden,
        (true, _, _) => ResultShown::Final,
        (false, _, true) => ResultShown::Hidden,
        (false, _, false) => ResultShown::Live,
    }
}

/// What a viewer gets when asking for a ballot's named roll.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NamedRollAccess {
    /// There is no roll to show: a secret ballot (for anyone, ever), or a named vote still open.
    NoRoll,
    /// A named vote, but the viewer is not the community's committee (or an admin).
    Forbidden,
    /// The closed named vote's roll, to the committee.
    Show,
}

/// The named-roll rule: a secret ballot has none for anyone (asked first, so the answer says
/// nothing about the viewer's roles); a named vote shows it to the committee only, and only once
/// closed (while open, the committee sees the live tally and who has voted, never who chose what).
pub fn named_roll_access(secret: bool, closed: bool, committee: bool) -> NamedRollAccess {
    if !is_named(secret) {
        NamedRollAccess::NoRoll
    } else if !committee {
        NamedRollAccess::Forbidden
    } else if !closed {
        NamedRollAccess::NoRoll
    } else {
        NamedRollAccess::Show
    }
}

/// What the viewer may do with a ballot now (`Ballot.viewerCan`): each flag is the check its
/// act makes, so no client decides it again.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BallotActs {
    /// Record a paper ballot (the committee, while open).
    pub record_paper_ballot: bool,
    /// Move the closing time later (the committee, while open, once).
    pub extend: bool,
    /// Cancel with a public reason (the committee, while open).
    pub cancel: bool,
    /// Read the named roll (the committee, once a named vote has closed).
    pub read_named_roll: bool,
}

/// The acts on a ballot: `manages` is the committee's (or an admin's) hold on the ballot's
/// community (`roles::moderates`), `open` the ballot accepting votes now (`service::is_open`).
pub fn ballot_acts(
    manages: bool,
    open: bool,
    extended: bool,
    secret: bool,
    closed: bool,
) -> BallotActs {
    let open = manages && open;
    BallotActs {
        record_paper_ballot: open,
        extend: open && may_extend(extended).is_ok(),
        cancel: open,
        read_named_roll: manages
            && named_roll_access(secret, closed, true) == NamedRollAccess::Show,
    }
}

/// What a ballot's end does to its topic.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TopicStep {
    Adopted,
    NotAdopted,
    /// No decision was reached (NO_QUORUM or TIE): the topic goes back to deliberation, from
    /// where a new ballot may open. A cancelled ballot does the same.
    Deliberate,
}

pub fn topic_step(outcome: Outcome) -> TopicStep {
    match outcome {
        Outcome::Adopted | Outcome::Decided => TopicStep::Adopted,
        Outcome::NotAdopted => TopicStep::NotAdopted,
        Outcome::NoQuorum | Outcome::Tie => TopicStep::Deliberate,
    }
}

/// Ballots one topic, or one category of an award campaign, may have in all (a new one may
/// follow NO_QUORUM, TIE or a cancellation; `Topic.ballots` and `AwardCampaign.votes` list
/// every one, and each opening tells every voter).
pub const MAX_BALLOTS: u64 = 20;

/// Room for one more ballot on `subject` ("a topic", "a campaign category"), which has had
/// `existing`: INVALID_STATE at the cap.
pub fn another_ballot(subject: &str, existing: u64) -> AppResult<()> {
    if existing >= MAX_BALLOTS {
        return Err(AppError::invalid_state(format!(
            "{subject} has at most {MAX_BALLOTS} ballots"
        )));
    }
    Ok(())
}

pub const QUESTION_CHARS: (usize, usize) = (4, 200);
pub const REASON_CHARS: (usize, usize) = (2, 500);

fn text(field: &'static str, raw: &str, (min, max): (usize, usize)) -> AppResult<String> {
    let s = raw.trim();
    if !(min..=max).contains(&s.chars().count()) {
        return Err(AppError::bad_input(
            field,
            format!("must have {min} to {max} characters"),
        ));
    }
    Ok(s.to_owned())
}

/// A ballot's question, trimmed.
pub fn question(raw: &str) -> AppResult<String> {
    text("question", raw, QUESTION_CHARS)
}

/// The public reason of an extension or a cancellation, trimmed.
pub fn public_reason(raw: &str) -> AppResult<String> {
    text("reason", raw, REASON_CHARS)
}

/// The buildings a ballot's electorate is narrowed to. `None` is the whole community; a list
/// must name at least one building, each of the ballot's own community (`community` holds that
/// community's building ids). Returns the ids sorted, each once.
pub fn scope(requested: Option<&[String]>, community: &[String]) -> AppResult<Option<Vec<String>>> {
    let Some(requested) = requested else {
        return Ok(None);
    };
    if requested.is_empty() {
        return Err(AppError::bad_input(
            "buildingIds",
            "name at least one building, or leave buildingIds out for the whole community",
        ));
    }
    let mut ids: Vec<String> = requested.iter().map(|s| s.trim().to_owned()).collect();
    if let Some(_stranger) = ids.iter().find(|id| !community.contains(id)) {
        return Err(AppError::bad_input(
            "buildingIds",
            "not a building of this community",
        ));
    }
    ids.sort();
    ids.dedup();
    Ok(Some(ids))
}

/// Before any vote is cast the committee may correct the question and move `closesAt` later;
/// once votes exist only an extension (once, with a reason) or a cancellation is possible.
pub fn may_correct(votes_cast: bool) -> AppResult<()> {
    if votes_cast {
        return Err(AppError::invalid_state(
            "votes have been cast: the ballot can only be extended once or cancelled, with a reason",
        ));
    }
    Ok(())
}

/// `closesAt` is extended at most once.
pub fn may_extend(already_extended: bool) -> AppResult<()> {
    if already_extended {
        return Err(AppError::invalid_state(
            "this ballot has already been extended once",
        ));
    }
    Ok(())
}

/// A new closing time only ever moves later, and stays within `max_days` from now.
pub fn later_closing(
    current: DateTime<Utc>,
    requested: DateTime<Utc>,
    now: DateTime<Utc>,
    max_days: i64,
) -> AppResult<DateTime<Utc>> {
    if requested <= current {
        return Err(AppError::bad_input(
            "closesAt",
            "may only move later than the current closing time",
        ));
    }
    if requested > now + Duration::days(max_days) {
        return Err(AppError::bad_input(
            "closesAt",
            format!("must be within {max_days} days"),
        ));
    }
    Ok(requested)
}

#[cfg(test)]
mod tests {

    #[test]
    fn only_the_committee_acts_on_a_ballot_and_only_while_it_may() {
        // (manages, open, extended, secret, closed) → (paper, extend, cancel, roll)
        for (manages, open, extended, secret, closed, acts) in [
            (
                false,
                true,
                false,
                false,
                false,
                (false, false, false, false),
            ),
            (
                false,
                false,
                false,
                false,
                true,
                (false, false, false, false),
            ),
            (true, true, false, false, false, (true, true, true, false)),
            (true, true, true, false, false, (true, false, true, false)),
            (true, false, false, false, true, (false, false, false, true)),
            (true, false, false, true, true, (false, false, false, false)),
            // Cancelled: neither open nor closed.
            (
                true,
                false,
                false,
                false,
                false,
                (false, false, false, false),
            ),
        ] {
            let got = ballot_acts(manages, open, extended, secret, closed);
            assert_eq!(
                (
                    got.record_paper_ballot,
                    got.extend,
                    got.cancel,
                    got.read_named_roll
                ),
                acts,
                "{manages} {open} {extended} {secret} {closed}"
            );
        }
    }

    #[test]
    fn a_result_is_shown_live_only_for_open_named_votes_and_never_for_cancelled_ones() {
        use ResultShown::*;
        // (closed, cancelled, secret) → shown
        for (closed, cancelled, secret, shown) in [
            (false, false, false, Live),
            (false, false, true, Hidden),
            (true, false, false, Final),
            (true, false, true, Final),
            (false, true, false, Hidden),
            (false, true, true, Hidden),
        ] {
            assert_eq!(
                result_shown(closed, cancelled, secret),
                shown,
                "{closed} {cancelled} {secret}"
            );
        }
    }
    use super::*;
    use BallotKind::*;
    use DecisionRule::*;
    use OptionRole::{Abstain, Approve, Oppose};

    fn seat(id: &str, household: &str) -> entity::resident::Model {
        entity::resident::Model {
            id: id.into(),
            account_id: "a".into(),
            community_id: "c".into(),
            household_id: household.into(),
            name: "n".into(),
            active: true,
            created_at: Utc::now(),
            deactivated_at: None,
            linked_at: None,
        }
    }

    #[test]
    fn the_civil_code_rules_are_offered_to_owners_only() {
        use sea_orm::Iterable;
        use DecisionRule::*;
        // Every rule is offered to some electorate.
        for r in DecisionRule::iter() {
            assert!(rules_for(Electorate::Owners).contains(&r), "{r:?}");
        }
        assert_eq!(
            rules_for(Electorate::Owners),
            vec![ResidentsMeeting, OwnersOrdinary, OwnersMajor, Plurality]
        );
        for e in [Electorate::Residents, Electorate::Households] {
            assert_eq!(rules_for(e), vec![ResidentsMeeting, Plurality], "{e:?}");
        }
    }

    #[test]
    fn a_voter_is_the_resident_or_the_household_as_the_electorate_says() {
        let place = seat("r1", "h1");
        let mate = seat("r2", "h1");
        let resident = VoterId::of(Electorate::Residents, &place);
        assert_eq!(resident, VoterId::Resident("r1".into()));
        assert!(resident.includes(&place) && !resident.includes(&mate));
        for e in [Electorate::Households, Electorate::Owners] {
            let household = VoterId::of(e, &place);
            assert_eq!(household, VoterId::stored(e, "h1".into()));
            assert!(household.includes(&place) && household.includes(&mate));
        }
        // The same stored string names different voters under different electorates.
        assert_ne!(
            VoterId::stored(Electorate::Residents, "x".into()),
            VoterId::stored(Electorate::Households, "x".into())
        );
        // A resident's id never matches a household of the same text.
        let odd = seat("h1", "h9");
        assert!(!VoterId::Household("h1".into()).includes(&odd));
    }

    fn w(count: i64, area: i64) -> Weight {
        Weight::new(count, area)
    }

    fn motion(yes: Weight, no: Weight, abstain: Weight) -> Vec<OptionCount> {
        vec![
            OptionCount {
                role: Approve,
                votes: yes,
            },
            OptionCount {
                role: Oppose,
                votes: no,
            },
            OptionCount {
                role: Abstain,
                votes: abstain,
            },
        ]
    }

    fn total(opts: &[OptionCount]) -> Weight {
        opts.iter().fold(Weight::default(), |t, o| {
            w(t.count + o.votes.count, t.area_centi + o.votes.area_centi)
        })
    }

    #[test]
    fn fraction_comparisons_are_exact_at_the_boundary() {
        // Exactly 2/3 is "2/3 以上"; exactly 1/2 is not "过半数".
        assert!(at_least(2, 3, 2, 3));
        assert!(at_least(6, 9, 2, 3));
        assert!(!at_least(5, 9, 2, 3));
        assert!(!more_than(1, 2, 1, 2));
        assert!(more_than(2, 3, 1, 2));
        assert!(at_least(3, 4, 3, 4));
        assert!(!at_least(74, 100, 3, 4));
        // Large areas do not overflow.
        assert!(at_least(i64::MAX / 2, i64::MAX / 2, 3, 4));
        // Nothing is a fraction of nothing.
        assert!(!at_least(0, 0, 2, 3));
        assert!(!more_than(0, 0, 1, 2));
    }

    /// (case, eligible, yes, no, abstain, quorum, outcome)
    type OwnersCase = (&'static str, Weight, Weight, Weight, Weight, bool, Outcome);

    #[test]
    fn owners_ordinary_matters_need_two_thirds_turnout_and_a_double_majority() {
        let eligible = w(9, 110_000);
        // 6 of 9 owners with 733.34 of 1,100.01 m² is exactly two thirds of both.
        let cases: Vec<OwnersCase> = vec![
            (
                "exactly 2/3 turnout by count and area is enough",
                w(9, 110_001),
                w(4, 40_000),
                w(1, 15_000),
                w(1, 18_334),
                true,
                Outcome::Adopted,
            ),
            (
                "turnout just under 2/3 of the area is no quorum",
                eligible,
                w(5, 50_000),
                w(1, 23_333),
                w(0, 0),
                false,
                Outcome::NoQuorum,
            ),
            (
                "turnout under 2/3 by count is no quorum",
                eligible,
                w(5, 100_000),
                w(0, 0),
                w(0, 0),
                false,
                Outcome::NoQuorum,
            ),
            (
                "a head-count majority that fails on area is not adopted",
                eligible,
                w(5, 40_000),
                w(3, 55_000),
                w(0, 0),
                true,
                Outcome::NotAdopted,
            ),
            (
                "an area majority that fails on head count is not adopted",
                eligible,
                w(3, 60_000),
                w(4, 30_000),
                w(0, 0),
                true,
                Outcome::NotAdopted,
            ),
            (
                "exactly half by count is not a majority",
                eligible,
                w(4, 60_000),
                w(4, 30_000),
                w(0, 0),
                true,
                Outcome::NotAdopted,
            ),
            (
                "exactly half by area is not a majority",
                eligible,
                w(5, 45_000),
                w(3, 45_000),
                w(0, 0),
                true,
                Outcome::NotAdopted,
            ),
            (
                "abstentions sit in the denominator",
                eligible,
                w(4, 50_000),
                w(1, 10_000),
                w(3, 40_000),
                true,
                Outcome::NotAdopted,
            ),
        ];
        for (case, eligible, yes, no, abstain, quorum, outcome) in cases {
            let opts = motion(yes, no, abstain);
            let turnout = total(&opts);
            let d = decide(Motion, OwnersOrdinary, 1, eligible, turnout, &opts);
            assert_eq!((d.quorum_met, d.outcome), (quorum, outcome), "{case}");
        }
    }

    #[test]
    fn the_design_example_explains_itself() {
        // 参与表决 8/9 户（≥2/3 ✓），面积 950/1,100 m²（≥2/3 ✓）；赞成 5/8 户 ✓，400/950 m² ✗ → 未通过
        let opts = motion(w(5, 40_000), w(3, 55_000), w(0, 0));
        let d = decide(
            Motion,
            OwnersOrdinary,
            1,
            w(9, 110_000),
            w(8, 95_000),
            &opts,
        );
        assert!(d.quorum_met);
        assert_eq!(d.outcome, Outcome::NotAdopted);
    }

    #[test]
    fn owners_major_matters_need_three_quarters_inclusive() {
        let eligible = w(8, 80_000);
        let yes_exact = motion(w(6, 60_000), w(2, 20_000), w(0, 0));
        let d = decide(
            Motion,
            OwnersMajor,
            1,
            eligible,
            total(&yes_exact),
            &yes_exact,
        );
        assert_eq!(
            d.outcome,
            Outcome::Adopted,
            "exactly 3/4 by count and area is adopted"
        );

        let short_area = motion(w(6, 59_999), w(2, 20_001), w(0, 0));
        let d = decide(
            Motion,
            OwnersMajor,
            1,
            eligible,
            total(&short_area),
            &short_area,
        );
        assert_eq!(
            d.outcome,
            Outcome::NotAdopted,
            "3/4 by count but not by area"
        );

        let short_count = motion(w(5, 70_000), w(2, 5_000), w(1, 5_000));
        let d = decide(
            Motion,
            OwnersMajor,
            1,
            eligible,
            total(&short_count),
            &short_count,
        );
        assert_eq!(
            d.outcome,
            Outcome::NotAdopted,
            "5/8 by count with an abstention"
        );
    }

    #[test]
    fn a_residents_meeting_needs_more_than_half_of_the_electorate_residents_or_households() {
        // (case, eligible, turnout, yes, no, abstain, quorum, outcome). The electorate (residents
        // or households' representatives) does not change the bar: more than half must take
        // part (not two thirds of the households: that is the villagers' law), and more than
        // half of those who took part must approve.
        type Case = (&'static str, i64, i64, i64, i64, i64, bool, Outcome);
        let cases: Vec<Case> = vec![
            (
                "exactly half is not more than half",
                10,
                5,
                5,
                0,
                0,
                false,
                Outcome::NoQuorum,
            ),
            (
                "one over half is enough",
                10,
                6,
                4,
                2,
                0,
                true,
                Outcome::Adopted,
            ),
            (
                "5 of 9 households: over half, under 2/3",
                9,
                5,
                3,
                2,
                0,
                true,
                Outcome::Adopted,
            ),
            (
                "4 of 7 households: over half, under 2/3",
                7,
                4,
                3,
                1,
                0,
                true,
                Outcome::Adopted,
            ),
            ("4 of 6 households", 6, 4, 3, 1, 0, true, Outcome::Adopted),
            (
                "3 of 7 households is short",
                7,
                3,
                3,
                0,
                0,
                false,
                Outcome::NoQuorum,
            ),
            (
                "half of the voters is not a majority",
                9,
                6,
                3,
                3,
                0,
                true,
                Outcome::NotAdopted,
            ),
            (
                "abstentions count against",
                9,
                6,
                3,
                1,
                2,
                true,
                Outcome::NotAdopted,
            ),
            (
                "an empty electorate",
                0,
                0,
                0,
                0,
                0,
                false,
                Outcome::NoQuorum,
            ),
        ];
        for (case, eligible, turnout, yes, no, abstain, quorum, outcome) in cases {
            let opts = motion(w(yes, 0), w(no, 0), w(abstain, 0));
            assert_eq!(total(&opts).count, turnout, "{case}: the table adds up");
            let d = decide(
                Motion,
                ResidentsMeeting,
                1,
                w(eligible, 0),
                w(turnout, 0),
                &opts,
            );
            assert_eq!((d.quorum_met, d.outcome), (quorum, outcome), "{case}");
        }
    }

    #[test]
    fn abstentions_decide_a_residents_meeting() {
        // 3 yes of 5 voters passes; the same 3 yes with 2 more abstaining (3 of 7) fails.
        let passes = motion(w(3, 0), w(2, 0), w(0, 0));
        let d = decide(
            Motion,
            ResidentsMeeting,
            1,
            w(9, 0),
            total(&passes),
            &passes,
        );
        assert_eq!(d.outcome, Outcome::Adopted);
        let fails = motion(w(3, 0), w(2, 0), w(2, 0));
        let d = decide(Motion, ResidentsMeeting, 1, w(9, 0), total(&fails), &fails);
        assert_eq!(d.outcome, Outcome::NotAdopted);
        // Exactly half of the voters is not "过半数".
        let half = motion(w(3, 0), w(3, 0), w(0, 0));
        let d = decide(Motion, ResidentsMeeting, 1, w(9, 0), total(&half), &half);
        assert_eq!(d.outcome, Outcome::NotAdopted);
    }

    #[test]
    fn plurality_reports_ties_as_ties() {
        let tie = motion(w(3, 0), w(3, 0), w(1, 0));
        assert_eq!(
            decide(Motion, Plurality, 1, w(10, 0), total(&tie), &tie).outcome,
            Outcome::Tie
        );
        let win = motion(w(4, 0), w(3, 0), w(5, 0));
        let d = decide(Motion, Plurality, 1, w(100, 0), total(&win), &win);
        assert_eq!(
            (d.quorum_met, d.outcome),
            (true, Outcome::Adopted),
            "no quorum under plurality"
        );

        let choice = |votes: &[i64]| -> Vec<OptionCount> {
            votes
                .iter()
                .map(|v| OptionCount {
                    role: OptionRole::Choice,
                    votes: w(*v, 0),
                })
                .collect()
        };
        let opts = choice(&[5, 5, 2]);
        let d = decide(Choice, Plurality, 1, w(20, 0), w(12, 0), &opts);
        assert_eq!(
            (d.outcome, d.adopted.clone()),
            (Outcome::Tie, vec![false, false, false]),
            "a tie for the one seat"
        );
        let d = decide(Choice, Plurality, 2, w(20, 0), w(12, 0), &opts);
        assert_eq!(
            (d.outcome, d.adopted.clone()),
            (Outcome::Decided, vec![true, true, false]),
            "the tie is inside two seats"
        );
        let opts = choice(&[6, 4, 4, 1]);
        let d = decide(Choice, Plurality, 2, w(20, 0), w(15, 0), &opts);
        assert_eq!(
            (d.outcome, d.adopted.clone()),
            (Outcome::Tie, vec![true, false, false, false]),
            "the sure winner is in, the tie is not"
        );
    }

    #[test]
    fn empty_ballots_adopt_nothing() {
        let empty = motion(w(0, 0), w(0, 0), w(0, 0));
        assert_eq!(
            decide(Motion, Plurality, 1, w(10, 0), w(0, 0), &empty).outcome,
            Outcome::NotAdopted
        );
        for rule in [ResidentsMeeting, OwnersOrdinary, OwnersMajor] {
            let d = decide(Motion, rule, 1, w(10, 100_000), w(0, 0), &empty);
            assert_eq!(
                (d.quorum_met, d.outcome),
                (false, Outcome::NoQuorum),
                "{rule:?}"
            );
        }
        // An empty electorate never has a quorum.
        let d = decide(Motion, OwnersOrdinary, 1, w(0, 0), w(0, 0), &empty);
        assert_eq!(d.outcome, Outcome::NoQuorum);
        let none: Vec<OptionCount> = vec![OptionCount {
            role: OptionRole::Choice,
            votes: w(0, 0),
        }];
        assert_eq!(
            decide(Choice, Plurality, 1, w(5, 0), w(0, 0), &none).outcome,
            Outcome::NotAdopted
        );
    }

    #[test]
    fn a_choice_under_a_threshold_rule_adopts_each_option_that_meets_it() {
        let opts = vec![
            OptionCount {
                role: OptionRole::Choice,
                votes: w(6, 0),
            },
            OptionCount {
                role: OptionRole::Choice,
                votes: w(4, 0),
            },
            OptionCount {
                role: Abstain,
                votes: w(6, 0),
            },
        ];
        // Approval ballot: 10 participants; 6/10 > 1/2 adopted, 4/10 not; abstain never adopted.
        let d = decide(Choice, ResidentsMeeting, 2, w(15, 0), w(10, 0), &opts);
        assert_eq!(
            (d.outcome, d.adopted),
            (Outcome::Decided, vec![true, false, false])
        );
        let d = decide(Choice, ResidentsMeeting, 2, w(15, 0), w(13, 0), &opts);
        assert_eq!(
            (d.outcome, d.adopted),
            (Outcome::NotAdopted, vec![false, false, false])
        );
    }

    #[test]
    fn a_named_roll_is_only_for_the_committee_of_a_closed_non_secret_ballot() {
        use NamedRollAccess::*;
        assert!(is_named(false));
        assert!(!is_named(true));
        // (secret, closed, committee)
        for closed in [false, true] {
            for committee in [false, true] {
                assert_eq!(named_roll_access(true, closed, committee), NoRoll);
            }
        }
        assert_eq!(named_roll_access(false, true, false), Forbidden);
        assert_eq!(named_roll_access(false, false, false), Forbidden);
        assert_eq!(named_roll_access(false, false, true), NoRoll);
        assert_eq!(named_roll_access(false, true, true), Show);
    }

    #[test]
    fn the_least_value_that_meets_a_bar_is_exact_at_the_boundary() {
        // (bar, whole, required)
        let table: [(Bar, i64, i64); 12] = [
            (HALF_OF_HEADS, 10, 6),
            (HALF_OF_HEADS, 9, 5),
            (HALF_OF_HEADS, 1, 1),
            (HALF_OF_HEADS, 0, 1),
            (TWO_THIRDS_OF_HEADS, 9, 6),
            (TWO_THIRDS_OF_HEADS, 10, 7),
            (TWO_THIRDS_OF_AREA, 110_001, 73_334),
            (TWO_THIRDS_OF_AREA, 0, 0),
            (THREE_QUARTERS_OF_HEADS, 8, 6),
            (THREE_QUARTERS_OF_HEADS, 9, 7),
            (HALF_OF_AREA, 95_000, 47_501),
            (
                THREE_QUARTERS_OF_AREA,
                i64::MAX / 4,
                (i64::MAX / 4 / 4) * 3 + 3,
            ),
        ];
        for (bar, whole, required) in table {
            assert_eq!(bar.required(whole), required, "{bar:?} of {whole}");
        }
        // `required` agrees with the comparison itself on every value around it.
        let bars = [
            HALF_OF_HEADS,
            TWO_THIRDS_OF_HEADS,
            THREE_QUARTERS_OF_HEADS,
            HALF_OF_AREA,
            TWO_THIRDS_OF_AREA,
            THREE_QUARTERS_OF_AREA,
        ];
        for bar in bars {
            for whole in 0..40 {
                for part in 0..=whole {
                    let (p, wh) = (w(part, part), w(whole, whole));
                    assert_eq!(
                        bar.met(p, wh),
                        whole > 0 && part >= bar.required(whole),
                        "{bar:?}: {part} of {whole}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_rule_lists_its_thresholds_and_they_agree_with_the_decision() {
        use ThresholdStage::{Approval, Turnout};
        // (rule, turnout bars, approval bars)
        let table: [(DecisionRule, Vec<Bar>, Vec<Bar>); 4] = [
            (Plurality, vec![], vec![]),
            (ResidentsMeeting, vec![HALF_OF_HEADS], vec![HALF_OF_HEADS]),
            (
                OwnersOrdinary,
                vec![TWO_THIRDS_OF_HEADS, TWO_THIRDS_OF_AREA],
                vec![HALF_OF_HEADS, HALF_OF_AREA],
            ),
            (
                OwnersMajor,
                vec![TWO_THIRDS_OF_HEADS, TWO_THIRDS_OF_AREA],
                vec![THREE_QUARTERS_OF_HEADS, THREE_QUARTERS_OF_AREA],
            ),
        ];
        for (rule, turnout, approval) in table {
            assert_eq!(turnout_bars(rule), turnout.as_slice(), "{rule:?}");
            assert_eq!(approval_bars(rule), approval.as_slice(), "{rule:?}");
        }
        // The design example: 8/9 owners and 950/1,100 m² took part; 5 owners with 400 m² said
        // yes. Turnout is met on both bars, approval on heads only: not adopted.
        let opts = motion(w(5, 40_000), w(3, 55_000), w(0, 0));
        let (eligible, turnout) = (w(9, 110_000), w(8, 95_000));
        let t = thresholds(OwnersOrdinary, eligible, turnout, &opts);
        let lines: Vec<_> = t
            .iter()
            .map(|t| {
                (
                    t.stage,
                    t.option,
                    t.bar.measure,
                    t.base,
                    t.required,
                    t.achieved,
                    t.met,
                )
            })
            .collect();
        assert_eq!(
            lines,
            vec![
                (Turnout, None, Measure::Count, 9, 6, 8, true),
                (Turnout, None, Measure::Area, 110_000, 73_334, 95_000, true),
                (Approval, Some(0), Measure::Count, 8, 5, 5, true),
                (
                    Approval,
                    Some(0),
                    Measure::Area,
                    95_000,
                    47_501,
                    40_000,
                    false
                ),
            ]
        );
        let d = decide(Motion, OwnersOrdinary, 1, eligible, turnout, &opts);
        assert_eq!(d.outcome, Outcome::NotAdopted);
        // Over a grid of tallies, the decision is what the listed thresholds say.
        for rule in [ResidentsMeeting, OwnersOrdinary, OwnersMajor] {
            for yes in 0..6 {
                for no in 0..4 {
                    for abstain in 0..3 {
                        let opts = motion(
                            w(yes, yes * 9_000),
                            w(no, no * 12_000),
                            w(abstain, abstain * 10_000),
                        );
                        let eligible = w(12, 130_000);
                        let turnout = total(&opts);
                        let t = thresholds(rule, eligible, turnout, &opts);
                        let d = decide(Motion, rule, 1, eligible, turnout, &opts);
                        let quorum = t.iter().filter(|t| t.stage == Turnout).all(|t| t.met);
                        let approve = t.iter().filter(|t| t.stage == Approval).all(|t| t.met);
                        assert_eq!(d.quorum_met, quorum, "{rule:?} {yes}/{no}/{abstain}");
                        let expected = match (quorum, approve) {
                            (false, _) => Outcome::NoQuorum,
                            (true, true) => Outcome::Adopted,
                            (true, false) => Outcome::NotAdopted,
                        };
                        assert_eq!(d.outcome, expected, "{rule:?} {yes}/{no}/{abstain}");
                        assert!(t.iter().all(|t| t.option.is_none_or(|i| i == 0)));
                    }
                }
            }
        }
        // A choice under a threshold rule: one approval line per measure for each real option,
        // none for the abstain option; PLURALITY lists nothing.
        let opts = vec![
            OptionCount {
                role: OptionRole::Choice,
                votes: w(6, 0),
            },
            OptionCount {
                role: OptionRole::Choice,
                votes: w(4, 0),
            },
            OptionCount {
                role: Abstain,
                votes: w(1, 0),
            },
        ];
        let t = thresholds(ResidentsMeeting, w(15, 0), w(11, 0), &opts);
        let judged: Vec<_> = t.iter().map(|t| (t.stage, t.option, t.met)).collect();
        assert_eq!(
            judged,
            vec![
                (Turnout, None, true),
                (Approval, Some(0), true),
                (Approval, Some(1), false)
            ]
        );
        assert!(thresholds(Plurality, w(15, 0), w(11, 0), &opts).is_empty());
    }

    #[test]
    fn only_an_inconclusive_ballot_sends_its_topic_back_to_deliberation() {
        let table = [
            (Outcome::Adopted, TopicStep::Adopted),
            (Outcome::Decided, TopicStep::Adopted),
            (Outcome::NotAdopted, TopicStep::NotAdopted),
            (Outcome::NoQuorum, TopicStep::Deliberate),
            (Outcome::Tie, TopicStep::Deliberate),
        ];
        for (outcome, step) in table {
            assert_eq!(topic_step(outcome), step, "{outcome:?}");
        }
    }

    fn field<T: std::fmt::Debug>(r: AppResult<T>) -> String {
        match r {
            Err(AppError::BadInput { field, .. }) => field.to_owned(),
            Err(AppError::InvalidState(_)) => "INVALID_STATE".to_owned(),
            Err(_) => "other error".to_owned(),
            Ok(_) => "ok".to_owned(),
        }
    }

    #[test]
    fn a_scope_names_buildings_of_the_ballots_own_community() {
        let ours: Vec<String> = vec!["b1".into(), "b2".into(), "b3".into()];
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(scope(None, &ours).ok(), Some(None), "the whole community");
        assert_eq!(
            scope(Some(&ids(&["b3", "b1", "b3"])), &ours).ok(),
            Some(Some(ids(&["b1", "b3"]))),
            "sorted, each once"
        );
        assert_eq!(field(scope(Some(&[]), &ours)), "buildingIds");
        assert_eq!(
            field(scope(Some(&ids(&["b1", "x9"])), &ours)),
            "buildingIds"
        );
        assert_eq!(field(scope(Some(&ids(&["b1"])), &[])), "buildingIds");
    }

    #[test]
    fn a_topic_or_a_campaign_category_takes_ballots_up_to_the_cap() {
        for (existing, expected) in [
            (0, "ok"),
            (MAX_BALLOTS - 1, "ok"),
            (MAX_BALLOTS, "INVALID_STATE"),
            (MAX_BALLOTS + 5, "INVALID_STATE"),
        ] {
            assert_eq!(
                field(another_ballot("a topic", existing)),
                expected,
                "{existing}"
            );
        }
    }

    #[test]
    fn corrections_come_before_votes_and_an_extension_comes_once_and_later() {
        assert_eq!(field(may_correct(false)), "ok");
        assert_eq!(field(may_correct(true)), "INVALID_STATE");
        assert_eq!(field(may_extend(false)), "ok");
        assert_eq!(field(may_extend(true)), "INVALID_STATE");
        let now = Utc::now();
        let current = now + Duration::days(3);
        // (case, requested, result)
        let table = [
            ("later", current + Duration::seconds(1), "ok"),
            ("the same time", current, "closesAt"),
            ("earlier", current - Duration::hours(1), "closesAt"),
            ("90 days", now + Duration::days(90), "ok"),
            (
                "past 90 days",
                now + Duration::days(90) + Duration::seconds(1),
                "closesAt",
            ),
        ];
        for (case, requested, expected) in table {
            assert_eq!(
                field(later_closing(current, requested, now, 90)),
                expected,
                "{case}"
            );
        }
        assert_eq!(field(public_reason("否")), "reason");
        assert_eq!(field(public_reason(&"因".repeat(501))), "reason");
        assert_eq!(
            public_reason("  业主大会延期  ").ok().as_deref(),
            Some("业主大会延期")
        );
        assert_eq!(field(question("电梯")), "question");
        assert_eq!(field(question(&"问".repeat(201))), "question");
    }
}
