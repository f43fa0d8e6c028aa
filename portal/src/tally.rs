//! A ballot's result in plain language, computed in the portal from the published numbers
//! (DESIGN §4), e.g. "参与表决 8/9 户（≥2/3 ✓），面积 950/1,100 m²（≥2/3 ✓）；赞成 5/8 户 ✓，
//! 400/950 m² ✗ → 未通过".
//!
//! Pure and exact: counts are integers and areas are integer hundredths of a m² parsed from the
//! API's decimal strings; every fraction is compared by cross-multiplying in i128, never with
//! floats. "以上" (≥) includes the boundary, "过半数" (>) does not. Abstentions are participants:
//! they are in the turnout and in the denominator of approval, never in the numerator.

use crate::api::ballots::{Ballot, BallotKind, DecisionRule, Electorate, OptionRole, Outcome};
use crate::i18n::{fill, k, translate, Lang};

/// "88.50" → 8850. Digits, optionally a point and one or two decimals; anything else is `None`.
pub fn parse_area(raw: &str) -> Option<i64> {
    let s = raw.trim();
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) if !f.is_empty() => (i, f),
        Some(_) => return None,
        None => (s, ""),
    };
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || int.len() > 15 || !digits(int) || frac.len() > 2 || !digits(frac) {
        return None;
    }
    let whole: i64 = int.parse().ok()?;
    let cents: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    whole.checked_mul(100)?.checked_add(cents)
}

/// 1234567 → "1,234,567".
pub fn format_count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// 110000 → "1,100"; 8850 → "88.50" (whole square metres drop the ".00").
pub fn format_area(centi: i64) -> String {
    let whole = format_count(centi / 100);
    match (centi % 100).abs() {
        0 => whole,
        cents => format!("{whole}.{cents:02}"),
    }
}

/// A fraction to reach: `num/den`, inclusive ("以上", ≥) or strict ("过半数", >).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Threshold {
    pub num: i64,
    pub den: i64,
    pub inclusive: bool,
}

impl Threshold {
    pub const MORE_THAN_HALF: Threshold = Threshold {
        num: 1,
        den: 2,
        inclusive: false,
    };
    pub const TWO_THIRDS: Threshold = Threshold {
        num: 2,
        den: 3,
        inclusive: true,
    };
    pub const THREE_QUARTERS: Threshold = Threshold {
        num: 3,
        den: 4,
        inclusive: true,
    };

    /// Is `part / whole` past the threshold? Nothing passes over an empty whole.
    pub fn met(self, part: i64, whole: i64) -> bool {
        if whole <= 0 {
            return false;
        }
        let lhs = i128::from(part) * i128::from(self.den);
        let rhs = i128::from(self.num) * i128::from(whole);
        if self.inclusive {
            lhs >= rhs
        } else {
            lhs > rhs
        }
    }

    /// "≥2/3", ">1/2".
    pub fn symbol(self) -> String {
        let sign = if self.inclusive { "≥" } else { ">" };
        format!("{sign}{}/{}", self.num, self.den)
    }
}

/// How many took part, by head and by floor area (0 unless the electorate is OWNERS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Weight {
    pub count: i64,
    pub area_centi: i64,
}

/// The turnout the rule asks for: by count, and by area for the Civil Code rules. A residents'
/// meeting needs more than half of its electorate, residents or households alike (the server's
/// rule; the two-thirds-of-households rule is the villagers' law).
pub fn quorum(
    rule: DecisionRule,
    _electorate: Electorate,
) -> (Option<Threshold>, Option<Threshold>) {
    match rule {
        DecisionRule::ResidentsMeeting => (Some(Threshold::MORE_THAN_HALF), None),
        DecisionRule::OwnersOrdinary | DecisionRule::OwnersMajor => {
            (Some(Threshold::TWO_THIRDS), Some(Threshold::TWO_THIRDS))
        }
        DecisionRule::Plurality | DecisionRule::Unknown => (None, None),
    }
}

/// The support an option needs among the participants, by count and (Civil Code) by area.
pub fn approval(rule: DecisionRule) -> (Option<Threshold>, Option<Threshold>) {
    match rule {
        DecisionRule::ResidentsMeeting => (Some(Threshold::MORE_THAN_HALF), None),
        DecisionRule::OwnersOrdinary => (
            Some(Threshold::MORE_THAN_HALF),
            Some(Threshold::MORE_THAN_HALF),
        ),
        DecisionRule::OwnersMajor => (
            Some(Threshold::THREE_QUARTERS),
            Some(Threshold::THREE_QUARTERS),
        ),
        DecisionRule::Plurality | DecisionRule::Unknown => (None, None),
    }
}

/// One option's published count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionNumbers {
    pub id: String,
    pub label: String,
    pub role: OptionRole,
    pub votes: Weight,
}

/// Everything the explanation is computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Numbers {
    pub kind: BallotKind,
    pub rule: DecisionRule,
    pub electorate: Electorate,
    pub max_choices: i64,
    pub eligible: Weight,
    pub turnout: Weight,
    pub options: Vec<OptionNumbers>,
}

impl Numbers {
    /// The numbers of a ballot with a result (closed, or open and not secret); `None` without
    /// one, or when a value is not one the portal understands.
    pub fn from_ballot(ballot: &Ballot) -> Option<Numbers> {
        let result = ballot.tally.result.as_ref()?;
        if ballot.rule == DecisionRule::Unknown || ballot.kind == BallotKind::Unknown {
            return None;
        }
        let options = result
            .options
            .iter()
            .map(|o| {
                Some(OptionNumbers {
                    id: o.id.clone(),
                    label: o.label.clone(),
                    role: o.role,
                    votes: Weight {
                        count: o.votes,
                        area_centi: parse_area(&o.area)?,
                    },
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Numbers {
            kind: ballot.kind,
            rule: ballot.rule,
            electorate: ballot.electorate,
            max_choices: ballot.max_choices,
            eligible: Weight {
                count: ballot.tally.eligible_count,
                area_centi: parse_area(&ballot.tally.eligible_area)?,
            },
            turnout: Weight {
                count: ballot.tally.turnout_count,
                area_centi: parse_area(&ballot.tally.turnout_area)?,
            },
            options,
        })
    }
}

/// A part of a whole, against a threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    pub part: i64,
    pub whole: i64,
    pub threshold: Threshold,
    pub met: bool,
}

impl Check {
    fn new(part: i64, whole: i64, threshold: Threshold) -> Check {
        Check {
            part,
            whole,
            threshold,
            met: threshold.met(part, whole),
        }
    }
}

/// One option against the approval threshold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Support {
    pub option: usize,
    pub count: Check,
    pub area: Option<Check>,
}

impl Support {
    pub fn met(&self) -> bool {
        self.count.met && self.area.is_none_or(|a| a.met)
    }
}

/// The result, worked out step by step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// Turnout by count (`None` under PLURALITY: no quorum).
    pub turnout: Option<Check>,
    /// Turnout by area (the Civil Code rules only).
    pub turnout_area: Option<Check>,
    pub quorum_met: bool,
    /// Threshold rules: the options that can be adopted (APPROVE, or the CHOICE options).
    pub support: Vec<Support>,
    pub outcome: Outcome,
    /// Per option (in the given order): adopted?
    pub adopted: Vec<bool>,
}

/// Works the result out from the numbers, exactly as DESIGN §4 says.
pub fn explain(n: &Numbers) -> Explanation {
    let (quorum_count, quorum_area) = quorum(n.rule, n.electorate);
    let turnout = quorum_count.map(|t| Check::new(n.turnout.count, n.eligible.count, t));
    let turnout_area =
        quorum_area.map(|t| Check::new(n.turnout.area_centi, n.eligible.area_centi, t));
    let quorum_met = turnout.is_none_or(|c| c.met) && turnout_area.is_none_or(|c| c.met);
    let mut adopted = vec![false; n.options.len()];
    if !quorum_met {
        return Explanation {
            turnout,
            turnout_area,
            quorum_met,
            support: Vec::new(),
            outcome: Outcome::NoQuorum,
            adopted,
        };
    }
    let (need_count, need_area) = approval(n.rule);
    let Some(need_count) = need_count else {
        let outcome = plurality(n, &mut adopted);
        return Explanation {
            turnout,
            turnout_area,
            quorum_met,
            support: Vec::new(),
            outcome,
            adopted,
        };
    };
    let wanted = match n.kind {
        BallotKind::Motion => OptionRole::Approve,
        _ => OptionRole::Choice,
    };
    let support: Vec<Support> = n
        .options
        .iter()
        .enumerate()
        .filter(|(_, o)| o.role == wanted)
        .map(|(i, o)| Support {
            option: i,
            count: Check::new(o.votes.count, n.turnout.count, need_count),
            area: need_area.map(|t| Check::new(o.votes.area_centi, n.turnout.area_centi, t)),
        })
        .collect();
    for s in &support {
        adopted[s.option] = s.met();
    }
    let any = adopted.iter().any(|a| *a);
    let outcome = match (n.kind, any) {
        (BallotKind::Motion, true) => Outcome::Adopted,
        (_, true) => Outcome::Decided,
        (_, false) => Outcome::NotAdopted,
    };
    Explanation {
        turnout,
        turnout_area,
        quorum_met,
        support,
        outcome,
        adopted,
    }
}

/// Most votes wins: a MOTION passes with more for than against (equal is a tie); a CHOICE
/// adopts the `max_choices` options with most votes (a tie at the cut-off is a tie).
fn plurality(n: &Numbers, adopted: &mut [bool]) -> Outcome {
    if n.kind == BallotKind::Motion {
        let sum = |role| {
            n.options
                .iter()
                .filter(|o| o.role == role)
                .map(|o| o.votes.count)
                .sum::<i64>()
        };
        let (yes, no) = (sum(OptionRole::Approve), sum(OptionRole::Oppose));
        return if n.turnout.count == 0 || yes < no || (yes == 0 && no == 0) {
            Outcome::NotAdopted
        } else if yes == no {
            Outcome::Tie
        } else {
            for (i, o) in n.options.iter().enumerate() {
                adopted[i] = o.role == OptionRole::Approve;
            }
            Outcome::Adopted
        };
    }
    let mut ranked: Vec<(usize, i64)> = n
        .options
        .iter()
        .enumerate()
        .filter(|(_, o)| o.role == OptionRole::Choice && o.votes.count > 0)
        .map(|(i, o)| (i, o.votes.count))
        .collect();
    ranked.sort_by_key(|r| std::cmp::Reverse(r.1));
    let seats = usize::try_from(n.max_choices.max(1)).unwrap_or(1);
    if ranked.is_empty() {
        return Outcome::NotAdopted;
    }
    if ranked.len() <= seats {
        for (i, _) in &ranked {
            adopted[*i] = true;
        }
        return Outcome::Decided;
    }
    let cutoff = ranked[seats - 1].1;
    let tie = ranked[seats].1 == cutoff;
    for (i, v) in &ranked {
        if *v > cutoff || (*v == cutoff && !tie) {
            adopted[*i] = true;
        }
    }
    if tie {
        Outcome::Tie
    } else {
        Outcome::Decided
    }
}

// ---- words -----------------------------------------------------------------------------------

fn mark(met: bool) -> &'static str {
    if met {
        "✓"
    } else {
        "✗"
    }
}

/// The unit a count is in: residents, or households (owners vote per household).
pub fn unit_key(electorate: Electorate) -> &'static str {
    match electorate {
        Electorate::Households | Electorate::Owners => k("result.unit.HOUSEHOLDS"),
        Electorate::Residents | Electorate::Unknown => k("result.unit.RESIDENTS"),
    }
}

/// How an option is named: a MOTION's fixed options in the reader's language, a CHOICE
/// option by the committee's own label.
pub fn option_label(lang: Lang, kind: BallotKind, role: OptionRole, label: &str) -> String {
    let key = match (kind, role) {
        (BallotKind::Motion, OptionRole::Approve) => k("result.option.APPROVE"),
        (BallotKind::Motion, OptionRole::Oppose) => k("result.option.OPPOSE"),
        (BallotKind::Motion, OptionRole::Abstain) => k("result.option.ABSTAIN"),
        _ => return label.to_string(),
    };
    translate(lang, key)
}

impl Explanation {
    /// The explanation as one sentence in `lang`.
    pub fn render(&self, lang: Lang, n: &Numbers) -> String {
        let t = |key: &str| translate(lang, key);
        let tf = |key: &str, params: &[(&str, &str)]| fill(&translate(lang, key), params);
        let unit = t(unit_key(n.electorate));
        let list_sep = t("result.list_sep");
        let part_sep = t("result.part_sep");

        let mut turnout = match self.turnout {
            Some(c) => tf(
                "result.turnout",
                &[
                    ("part", &format_count(c.part)),
                    ("whole", &format_count(c.whole)),
                    ("unit", &unit),
                    ("threshold", &c.threshold.symbol()),
                    ("mark", mark(c.met)),
                ],
            ),
            None => tf(
                "result.turnout_plain",
                &[
                    ("part", &format_count(n.turnout.count)),
                    ("whole", &format_count(n.eligible.count)),
                    ("unit", &unit),
                ],
            ),
        };
        if let Some(c) = self.turnout_area {
            turnout.push_str(&list_sep);
            turnout.push_str(&tf(
                "result.turnout_area",
                &[
                    ("part", &format_area(c.part)),
                    ("whole", &format_area(c.whole)),
                    ("threshold", &c.threshold.symbol()),
                    ("mark", mark(c.met)),
                ],
            ));
        }

        let label = |i: usize| {
            n.options
                .get(i)
                .map(|o| option_label(lang, n.kind, o.role, &o.label))
                .unwrap_or_default()
        };
        let outcome = match self.outcome {
            Outcome::Decided => {
                let winners: Vec<String> = self
                    .adopted
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| **a)
                    .map(|(i, _)| label(i))
                    .collect();
                tf(
                    "result.decided",
                    &[("options", &winners.join(&t("common.list_separator")))],
                )
            }
            other => t(other.label_key()),
        };
        if !self.quorum_met {
            return tf(
                "result.without_approval",
                &[("turnout", &turnout), ("outcome", &outcome)],
            );
        }

        let approval = if self.support.is_empty() {
            // PLURALITY: the votes per option.
            n.options
                .iter()
                .enumerate()
                .map(|(i, o)| {
                    let key = if o.votes.count == 1 {
                        k("result.vote")
                    } else {
                        k("result.votes")
                    };
                    tf(
                        key,
                        &[
                            ("label", &label(i)),
                            ("count", &format_count(o.votes.count)),
                        ],
                    )
                })
                .collect::<Vec<_>>()
                .join(&list_sep)
        } else {
            self.support
                .iter()
                .map(|s| {
                    let mut text = tf(
                        "result.approval",
                        &[
                            ("label", &label(s.option)),
                            ("part", &format_count(s.count.part)),
                            ("whole", &format_count(s.count.whole)),
                            ("unit", &unit),
                            ("mark", mark(s.count.met)),
                        ],
                    );
                    if let Some(a) = s.area {
                        text.push_str(&list_sep);
                        text.push_str(&tf(
                            "result.approval_area",
                            &[
                                ("part", &format_area(a.part)),
                                ("whole", &format_area(a.whole)),
                                ("mark", mark(a.met)),
                            ],
                        ));
                    }
                    text
                })
                .collect::<Vec<_>>()
                .join(&part_sep)
        };
        tf(
            "result.with_approval",
            &[
                ("turnout", &turnout),
                ("approval", &approval),
                ("outcome", &outcome),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(count: i64, area: i64) -> Weight {
        Weight {
            count,
            area_centi: area * 100,
        }
    }

    fn opt(id: &str, role: OptionRole, votes: Weight) -> OptionNumbers {
        OptionNumbers {
            id: id.into(),
            label: id.into(),
            role,
            votes,
        }
    }

    fn motion(
        rule: DecisionRule,
        electorate: Electorate,
        eligible: Weight,
        yes: Weight,
        no: Weight,
        abstain: Weight,
    ) -> Numbers {
        Numbers {
            kind: BallotKind::Motion,
            rule,
            electorate,
            max_choices: 1,
            eligible,
            turnout: Weight {
                count: yes.count + no.count + abstain.count,
                area_centi: yes.area_centi + no.area_centi + abstain.area_centi,
            },
            options: vec![
                opt("赞成", OptionRole::Approve, yes),
                opt("反对", OptionRole::Oppose, no),
                opt("弃权", OptionRole::Abstain, abstain),
            ],
        }
    }

    fn sentence(n: &Numbers, lang: Lang) -> String {
        explain(n).render(lang, n)
    }

    /// The example the product owner gave: owners, ordinary matter, enough turnout, a majority
    /// of owners but not of the area.
    #[test]
    fn the_owners_example_reads_as_specified() {
        let n = motion(
            DecisionRule::OwnersOrdinary,
            Electorate::Owners,
            w(9, 1100),
            w(5, 400),
            w(2, 450),
            w(1, 100),
        );
        let e = explain(&n);
        assert_eq!(e.outcome, Outcome::NotAdopted);
        assert_eq!(
            sentence(&n, Lang::Zh),
            "参与表决 8/9 户（≥2/3 ✓），面积 950/1,100 m²（≥2/3 ✓）；赞成 5/8 户 ✓，400/950 m² ✗ → 未通过"
        );
        assert_eq!(
            sentence(&n, Lang::En),
            "Took part: 8/9 households (≥2/3 ✓), area 950/1,100 m² (≥2/3 ✓); For: 5/8 households ✓, 400/950 m² ✗ → Not adopted"
        );
    }

    #[test]
    fn at_least_includes_the_boundary_and_more_than_half_does_not() {
        assert!(Threshold::TWO_THIRDS.met(6, 9));
        assert!(!Threshold::TWO_THIRDS.met(5, 9));
        assert!(Threshold::THREE_QUARTERS.met(3, 4));
        assert!(!Threshold::THREE_QUARTERS.met(74, 100));
        assert!(!Threshold::MORE_THAN_HALF.met(1, 2));
        assert!(Threshold::MORE_THAN_HALF.met(501, 1000));
        assert!(
            !Threshold::MORE_THAN_HALF.met(0, 0),
            "nothing passes over nobody"
        );
        // Huge areas do not overflow.
        assert!(Threshold::TWO_THIRDS.met(i64::MAX / 3 * 2 + 1, i64::MAX));
    }

    #[test]
    fn abstentions_count_for_turnout_and_against_approval() {
        // 4 for, 1 against, 4 abstain out of 9 residents: turnout 9/9, but 4/9 is not > 1/2.
        let n = motion(
            DecisionRule::ResidentsMeeting,
            Electorate::Residents,
            w(9, 0),
            w(4, 0),
            w(1, 0),
            w(4, 0),
        );
        let e = explain(&n);
        assert!(e.quorum_met);
        assert_eq!(e.outcome, Outcome::NotAdopted);
        assert_eq!(
            sentence(&n, Lang::Zh),
            "参与表决 9/9 人（>1/2 ✓）；赞成 4/9 人 ✗ → 未通过"
        );
    }

    #[test]
    fn residents_meeting_turnout_depends_on_the_electorate() {
        // Residents: more than half. 5 of 10 is not enough.
        let half = motion(
            DecisionRule::ResidentsMeeting,
            Electorate::Residents,
            w(10, 0),
            w(5, 0),
            w(0, 0),
            w(0, 0),
        );
        assert_eq!(explain(&half).outcome, Outcome::NoQuorum);
        assert_eq!(
            sentence(&half, Lang::Zh),
            "参与表决 5/10 人（>1/2 ✗） → 未达法定人数"
        );
        // Households: more than half too. 5 of 9 is enough, and 3 of 5 for is adopted.
        let households = motion(
            DecisionRule::ResidentsMeeting,
            Electorate::Households,
            w(9, 0),
            w(3, 0),
            w(2, 0),
            w(0, 0),
        );
        assert_eq!(explain(&households).outcome, Outcome::Adopted);
        assert_eq!(
            sentence(&households, Lang::Zh),
            "参与表决 5/9 户（>1/2 ✓）；赞成 3/5 户 ✓ → 通过"
        );
    }

    #[test]
    fn owners_major_needs_three_quarters_of_count_and_area_inclusive() {
        let exactly = motion(
            DecisionRule::OwnersMajor,
            Electorate::Owners,
            w(4, 400),
            w(3, 300),
            w(1, 100),
            w(0, 0),
        );
        assert_eq!(explain(&exactly).outcome, Outcome::Adopted);
        let short_area = Numbers {
            options: vec![
                opt(
                    "赞成",
                    OptionRole::Approve,
                    Weight {
                        count: 3,
                        area_centi: 29_999,
                    },
                ),
                opt(
                    "反对",
                    OptionRole::Oppose,
                    Weight {
                        count: 1,
                        area_centi: 10_001,
                    },
                ),
                opt("弃权", OptionRole::Abstain, w(0, 0)),
            ],
            ..exactly.clone()
        };
        assert_eq!(explain(&short_area).outcome, Outcome::NotAdopted);
        assert_eq!(
            sentence(&short_area, Lang::Zh),
            "参与表决 4/4 户（≥2/3 ✓），面积 400/400 m²（≥2/3 ✓）；赞成 3/4 户 ✓，299.99/400 m² ✗ → 未通过"
        );
    }

    #[test]
    fn owners_turnout_fails_on_area_alone() {
        let n = motion(
            DecisionRule::OwnersOrdinary,
            Electorate::Owners,
            w(3, 300),
            w(2, 150),
            w(0, 0),
            w(0, 0),
        );
        let e = explain(&n);
        assert!(!e.quorum_met);
        assert_eq!(e.outcome, Outcome::NoQuorum);
        assert_eq!(
            sentence(&n, Lang::En),
            "Took part: 2/3 households (≥2/3 ✓), area 150/300 m² (≥2/3 ✗) → No quorum"
        );
    }

    #[test]
    fn plurality_has_no_quorum_and_reports_ties() {
        let yes = motion(
            DecisionRule::Plurality,
            Electorate::Residents,
            w(100, 0),
            w(3, 0),
            w(2, 0),
            w(1, 0),
        );
        assert_eq!(explain(&yes).outcome, Outcome::Adopted);
        assert_eq!(
            sentence(&yes, Lang::Zh),
            "参与表决 6/100 人（不设法定人数）；赞成 3 票，反对 2 票，弃权 1 票 → 通过"
        );
        let tie = motion(
            DecisionRule::Plurality,
            Electorate::Residents,
            w(100, 0),
            w(2, 0),
            w(2, 0),
            w(0, 0),
        );
        assert_eq!(explain(&tie).outcome, Outcome::Tie);
        let nobody = motion(
            DecisionRule::Plurality,
            Electorate::Residents,
            w(100, 0),
            w(0, 0),
            w(0, 0),
            w(0, 0),
        );
        assert_eq!(explain(&nobody).outcome, Outcome::NotAdopted);
    }

    fn choice(
        rule: DecisionRule,
        max_choices: i64,
        votes: &[(&str, i64)],
        turnout: i64,
    ) -> Numbers {
        Numbers {
            kind: BallotKind::Choice,
            rule,
            electorate: Electorate::Households,
            max_choices,
            eligible: w(10, 0),
            turnout: w(turnout, 0),
            options: votes
                .iter()
                .map(|(label, v)| {
                    let role = if *label == "弃权" {
                        OptionRole::Abstain
                    } else {
                        OptionRole::Choice
                    };
                    opt(label, role, w(*v, 0))
                })
                .collect(),
        }
    }

    #[test]
    fn a_plurality_choice_takes_the_top_options_unless_the_cut_off_ties() {
        let n = choice(
            DecisionRule::Plurality,
            1,
            &[("绿化", 5), ("停车", 3), ("弃权", 1)],
            9,
        );
        let e = explain(&n);
        assert_eq!(e.outcome, Outcome::Decided);
        assert_eq!(e.adopted, vec![true, false, false]);
        assert_eq!(
            sentence(&n, Lang::Zh),
            "参与表决 9/10 户（不设法定人数）；绿化 5 票，停车 3 票，弃权 1 票 → 决定：绿化"
        );
        let tie = choice(
            DecisionRule::Plurality,
            2,
            &[("甲", 4), ("乙", 3), ("丙", 3)],
            10,
        );
        let e = explain(&tie);
        assert_eq!(e.outcome, Outcome::Tie);
        assert_eq!(e.adopted, vec![true, false, false]);
    }

    #[test]
    fn a_threshold_choice_adopts_each_option_that_passes_on_its_own() {
        let n = choice(
            DecisionRule::ResidentsMeeting,
            2,
            &[("甲", 6), ("乙", 4), ("弃权", 1)],
            8,
        );
        let e = explain(&n);
        assert_eq!(e.outcome, Outcome::Decided);
        assert_eq!(e.adopted, vec![true, false, false]);
        assert_eq!(
            sentence(&n, Lang::Zh),
            "参与表决 8/10 户（>1/2 ✓）；甲 6/8 户 ✓；乙 4/8 户 ✗ → 决定：甲"
        );
        let none = choice(
            DecisionRule::ResidentsMeeting,
            1,
            &[("甲", 4), ("乙", 4)],
            8,
        );
        assert_eq!(explain(&none).outcome, Outcome::NotAdopted);
    }

    #[test]
    fn areas_are_parsed_to_hundredths_exactly() {
        assert_eq!(parse_area("88.50"), Some(8850));
        assert_eq!(parse_area("88.5"), Some(8850));
        assert_eq!(parse_area("1100"), Some(110_000));
        assert_eq!(parse_area("0.07"), Some(7));
        assert_eq!(parse_area(" 12.34 "), Some(1234));
        for bad in ["", "1.", ".5", "1.234", "-1", "1,100", "abc", "1e3"] {
            assert_eq!(parse_area(bad), None, "{bad:?}");
        }
        assert_eq!(format_area(110_000), "1,100");
        assert_eq!(format_area(8850), "88.50");
        assert_eq!(format_area(7), "0.07");
        assert_eq!(format_count(1_234_567), "1,234,567");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(0), "0");
    }

    #[test]
    fn the_numbers_come_from_a_ballot_with_a_result_only() {
        use crate::api::ballots::{BallotResult, OptionResult, VoteMethod};
        let mut b = crate::api::ballots::tests::ballot(VoteMethod::Single, 1, vec![]);
        assert_eq!(Numbers::from_ballot(&b), None);
        b.tally.result = Some(BallotResult {
            is_final: true,
            quorum_met: true,
            outcome: Outcome::Decided,
            options: vec![OptionResult {
                id: "a".into(),
                label: "A".into(),
                role: OptionRole::Choice,
                votes: 2,
                area: "176.50".into(),
                adopted: true,
            }],
        });
        b.tally.turnout_count = 2;
        b.tally.turnout_area = "176.50".into();
        let n = Numbers::from_ballot(&b);
        assert_eq!(
            n.as_ref().map(|n| (n.turnout, n.options[0].votes)),
            Some((
                Weight {
                    count: 2,
                    area_centi: 17_650
                },
                Weight {
                    count: 2,
                    area_centi: 17_650
                }
            ))
        );
        b.tally.eligible_area = "lots".into();
        assert_eq!(Numbers::from_ballot(&b), None);
    }
}
