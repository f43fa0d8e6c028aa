//! Counting rules (DESIGN §4): pure functions over exact integers. Areas are hundredths of a m²;
//! every fraction is compared by cross-multiplying in i128, never with floats.
//!
//! "以上" (at least) includes the boundary (Civil Code art. 1259); "过半数" (more than half) does
//! not. Abstentions are participants: they count for turnout and sit in the denominator of
//! approval, never in the numerator.

use serde::{Deserialize, Serialize};

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize, async_graphql::Enum)]
pub enum BallotKind {
    Motion,
    Choice,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize, async_graphql::Enum)]
pub enum VoteMethod {
    Single,
    Approval,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize, async_graphql::Enum)]
pub enum Electorate {
    /// Each active resident on the roster, one vote.
    Residents,
    /// One vote per household; any member may cast it.
    Households,
    /// One vote per owner household, carrying its floor area.
    Owners,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize, async_graphql::Enum)]
pub enum DecisionRule {
    /// No quorum; most votes wins.
    Plurality,
    /// 居民会议: turnout > 1/2 of residents, or ≥ 2/3 of households; adopted by > 1/2 of voters.
    ResidentsMeeting,
    /// Civil Code art. 278 ordinary matters: turnout ≥ 2/3 by count and area; adopted by > 1/2
    /// of participants by count and by area.
    OwnersOrdinary,
    /// Civil Code art. 278 items 6–8: same turnout; adopted by ≥ 3/4 by count and by area.
    OwnersMajor,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize, async_graphql::Enum)]
pub enum OptionRole {
    Approve,
    Oppose,
    Abstain,
    Choice,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize, async_graphql::Enum)]
pub enum Outcome {
    Adopted,
    NotAdopted,
    NoQuorum,
    Decided,
    Tie,
}

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

/// Which rules need floor areas, and so an OWNERS electorate.
pub fn rule_needs_owners(rule: DecisionRule) -> bool {
    matches!(
        rule,
        DecisionRule::OwnersOrdinary | DecisionRule::OwnersMajor
    )
}

/// Turnout against the frozen electorate.
pub fn quorum_met(
    rule: DecisionRule,
    electorate: Electorate,
    eligible: Weight,
    turnout: Weight,
) -> bool {
    match rule {
        DecisionRule::Plurality => true,
        DecisionRule::ResidentsMeeting => match electorate {
            Electorate::Residents => more_than(turnout.count, eligible.count, 1, 2),
            Electorate::Households | Electorate::Owners => {
                at_least(turnout.count, eligible.count, 2, 3)
            }
        },
        DecisionRule::OwnersOrdinary | DecisionRule::OwnersMajor => {
            at_least(turnout.count, eligible.count, 2, 3)
                && at_least(turnout.area_centi, eligible.area_centi, 2, 3)
        }
    }
}

/// Does one option carry the approval threshold among the participants?
pub fn approved(rule: DecisionRule, votes: Weight, turnout: Weight) -> bool {
    match rule {
        DecisionRule::Plurality => false,
        DecisionRule::ResidentsMeeting => more_than(votes.count, turnout.count, 1, 2),
        DecisionRule::OwnersOrdinary => {
            more_than(votes.count, turnout.count, 1, 2)
                && more_than(votes.area_centi, turnout.area_centi, 1, 2)
        }
        DecisionRule::OwnersMajor => {
            at_least(votes.count, turnout.count, 3, 4)
                && at_least(votes.area_centi, turnout.area_centi, 3, 4)
        }
    }
}

/// The result of a closed ballot. `turnout` counts distinct participants (abstentions included).
pub fn decide(
    kind: BallotKind,
    rule: DecisionRule,
    electorate: Electorate,
    max_choices: usize,
    eligible: Weight,
    turnout: Weight,
    options: &[OptionCount],
) -> Decision {
    let quorum = quorum_met(rule, electorate, eligible, turnout);
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
        .map(|o| {
            o.role != OptionRole::Abstain
                && o.role != OptionRole::Oppose
                && approved(rule, o.votes, turnout)
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use BallotKind::*;
    use DecisionRule::*;
    use Electorate::*;
    use OptionRole::{Abstain, Approve, Oppose};

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
            let d = decide(Motion, OwnersOrdinary, Owners, 1, eligible, turnout, &opts);
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
            Owners,
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
            Owners,
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
            Owners,
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
            Owners,
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
    fn residents_meeting_turnout_depends_on_the_electorate() {
        let opts = motion(w(3, 0), w(2, 0), w(0, 0));
        // Residents: more than half must vote; exactly half is not enough.
        assert!(
            !decide(
                Motion,
                ResidentsMeeting,
                Residents,
                1,
                w(10, 0),
                w(5, 0),
                &opts
            )
            .quorum_met
        );
        assert!(
            decide(
                Motion,
                ResidentsMeeting,
                Residents,
                1,
                w(9, 0),
                w(5, 0),
                &opts
            )
            .quorum_met
        );
        // Households: two thirds or more; exactly 2/3 is enough.
        assert!(
            decide(
                Motion,
                ResidentsMeeting,
                Households,
                1,
                w(6, 0),
                w(4, 0),
                &opts
            )
            .quorum_met
        );
        assert!(
            !decide(
                Motion,
                ResidentsMeeting,
                Households,
                1,
                w(7, 0),
                w(4, 0),
                &opts
            )
            .quorum_met
        );
    }

    #[test]
    fn abstentions_decide_a_residents_meeting() {
        // 3 yes of 5 voters passes; the same 3 yes with 2 more abstaining (3 of 7) fails.
        let passes = motion(w(3, 0), w(2, 0), w(0, 0));
        let d = decide(
            Motion,
            ResidentsMeeting,
            Residents,
            1,
            w(9, 0),
            total(&passes),
            &passes,
        );
        assert_eq!(d.outcome, Outcome::Adopted);
        let fails = motion(w(3, 0), w(2, 0), w(2, 0));
        let d = decide(
            Motion,
            ResidentsMeeting,
            Residents,
            1,
            w(9, 0),
            total(&fails),
            &fails,
        );
        assert_eq!(d.outcome, Outcome::NotAdopted);
        // Exactly half of the voters is not "过半数".
        let half = motion(w(3, 0), w(3, 0), w(0, 0));
        let d = decide(
            Motion,
            ResidentsMeeting,
            Residents,
            1,
            w(9, 0),
            total(&half),
            &half,
        );
        assert_eq!(d.outcome, Outcome::NotAdopted);
    }

    #[test]
    fn plurality_reports_ties_as_ties() {
        let tie = motion(w(3, 0), w(3, 0), w(1, 0));
        assert_eq!(
            decide(Motion, Plurality, Residents, 1, w(10, 0), total(&tie), &tie).outcome,
            Outcome::Tie
        );
        let win = motion(w(4, 0), w(3, 0), w(5, 0));
        let d = decide(
            Motion,
            Plurality,
            Residents,
            1,
            w(100, 0),
            total(&win),
            &win,
        );
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
        let d = decide(Choice, Plurality, Residents, 1, w(20, 0), w(12, 0), &opts);
        assert_eq!(
            (d.outcome, d.adopted.clone()),
            (Outcome::Tie, vec![false, false, false]),
            "a tie for the one seat"
        );
        let d = decide(Choice, Plurality, Residents, 2, w(20, 0), w(12, 0), &opts);
        assert_eq!(
            (d.outcome, d.adopted.clone()),
            (Outcome::Decided, vec![true, true, false]),
            "the tie is inside two seats"
        );
        let opts = choice(&[6, 4, 4, 1]);
        let d = decide(Choice, Plurality, Residents, 2, w(20, 0), w(15, 0), &opts);
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
            decide(Motion, Plurality, Residents, 1, w(10, 0), w(0, 0), &empty).outcome,
            Outcome::NotAdopted
        );
        for rule in [ResidentsMeeting, OwnersOrdinary, OwnersMajor] {
            let d = decide(Motion, rule, Owners, 1, w(10, 100_000), w(0, 0), &empty);
            assert_eq!(
                (d.quorum_met, d.outcome),
                (false, Outcome::NoQuorum),
                "{rule:?}"
            );
        }
        // An empty electorate never has a quorum.
        let d = decide(Motion, OwnersOrdinary, Owners, 1, w(0, 0), w(0, 0), &empty);
        assert_eq!(d.outcome, Outcome::NoQuorum);
        let none: Vec<OptionCount> = vec![OptionCount {
            role: OptionRole::Choice,
            votes: w(0, 0),
        }];
        assert_eq!(
            decide(Choice, Plurality, Residents, 1, w(5, 0), w(0, 0), &none).outcome,
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
        let d = decide(
            Choice,
            ResidentsMeeting,
            Residents,
            2,
            w(15, 0),
            w(10, 0),
            &opts,
        );
        assert_eq!(
            (d.outcome, d.adopted),
            (Outcome::Decided, vec![true, false, false])
        );
        let d = decide(
            Choice,
            ResidentsMeeting,
            Residents,
            2,
            w(15, 0),
            w(13, 0),
            &opts,
        );
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
}
