//! A ballot's result in plain language, rendered from the thresholds the server judged
//! (`Ballot.result.thresholds`), e.g. "参与表决 8/9 户（≥2/3 ✓），面积 950/1,100 m²（≥2/3 ✓）；
//! 赞成 5/8 户 ✓，400/950 m² ✗ → 未通过".
//!
//! Nothing here decides anything: what was required, what was achieved, whether it was met and
//! the outcome all come from the API (DESIGN §12: no rule lives in the portal). This module only
//! formats numbers and puts the server's figures into words.

use crate::api::ballots::{
    Ballot, BallotKind, BallotResult, Electorate, OptionRole, Outcome, Threshold,
    ThresholdComparison, ThresholdMeasure, ThresholdStage,
};
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

fn mark(met: bool) -> &'static str {
    if met {
        "✓"
    } else {
        "✗"
    }
}

/// "≥2/3" (AT_LEAST, 以上) or ">1/2" (MORE_THAN, 过半数).
fn symbol(t: &Threshold) -> String {
    let sign = match t.comparison {
        ThresholdComparison::AtLeast => "≥",
        ThresholdComparison::MoreThan | ThresholdComparison::Unknown => ">",
    };
    format!("{sign}{}", t.fraction)
}

/// A threshold's figure as the reader sees it: "1,100" for a count, "88.50" for m².
fn figure(measure: ThresholdMeasure, raw: &str) -> String {
    match measure {
        ThresholdMeasure::Area => parse_area(raw).map(format_area),
        _ => raw.trim().parse::<i64>().ok().map(format_count),
    }
    .unwrap_or_else(|| raw.to_string())
}

/// How the result was reached, as one sentence in `lang`; `None` while there is no result
/// (a secret ballot before it closes).
pub fn explain(lang: Lang, ballot: &Ballot) -> Option<String> {
    let result = ballot.tally.result.as_ref()?;
    Some(render(lang, ballot, result))
}

fn render(lang: Lang, ballot: &Ballot, result: &BallotResult) -> String {
    let t = |key: &str| translate(lang, key);
    let tf = |key: &str, params: &[(&str, &str)]| fill(&translate(lang, key), params);
    let unit = t(unit_key(ballot.electorate));
    let list_sep = t("result.list_sep");
    let part_sep = t("result.part_sep");
    let label_of = |id: &str| {
        result
            .options
            .iter()
            .find(|o| o.id == id)
            .map(|o| option_label(lang, ballot.kind, o.role, &o.label))
            .unwrap_or_default()
    };

    let turnout_bars: Vec<&Threshold> = result
        .thresholds
        .iter()
        .filter(|th| th.stage == ThresholdStage::Turnout)
        .collect();
    let turnout = if turnout_bars.is_empty() {
        tf(
            "result.turnout_plain",
            &[
                ("part", &format_count(ballot.tally.turnout_count)),
                ("whole", &format_count(ballot.tally.eligible_count)),
                ("unit", &unit),
            ],
        )
    } else {
        turnout_bars
            .iter()
            .map(|th| {
                let key = match th.measure {
                    ThresholdMeasure::Area => k("result.turnout_area"),
                    _ => k("result.turnout"),
                };
                tf(
                    key,
                    &[
                        ("part", &figure(th.measure, &th.achieved)),
                        ("whole", &figure(th.measure, &th.base)),
                        ("unit", &unit),
                        ("threshold", &symbol(th)),
                        ("mark", mark(th.met)),
                    ],
                )
            })
            .collect::<Vec<_>>()
            .join(&list_sep)
    };

    let outcome = match result.outcome {
        Outcome::Decided => {
            let winners: Vec<String> = result
                .options
                .iter()
                .filter(|o| o.adopted)
                .map(|o| label_of(&o.id))
                .collect();
            tf(
                "result.decided",
                &[("options", &winners.join(&t("common.list_separator")))],
            )
        }
        other => t(other.label_key()),
    };
    if !result.quorum_met {
        return tf(
            "result.without_approval",
            &[("turnout", &turnout), ("outcome", &outcome)],
        );
    }

    // Approval thresholds, grouped by the option judged (in the server's order).
    let mut judged: Vec<(&str, Vec<&Threshold>)> = Vec::new();
    for th in result
        .thresholds
        .iter()
        .filter(|th| th.stage == ThresholdStage::Approval)
    {
        let id = th.option_id.as_deref().unwrap_or_default();
        match judged.iter_mut().find(|(o, _)| *o == id) {
            Some((_, list)) => list.push(th),
            None => judged.push((id, vec![th])),
        }
    }
    let approval = if judged.is_empty() {
        // PLURALITY: the votes per option.
        result
            .options
            .iter()
            .map(|o| {
                let key = if o.votes == 1 {
                    k("result.vote")
                } else {
                    k("result.votes")
                };
                tf(
                    key,
                    &[
                        ("label", &label_of(&o.id)),
                        ("count", &format_count(o.votes)),
                    ],
                )
            })
            .collect::<Vec<_>>()
            .join(&list_sep)
    } else {
        judged
            .iter()
            .map(|(id, bars)| {
                bars.iter()
                    .map(|th| match th.measure {
                        ThresholdMeasure::Area => tf(
                            "result.approval_area",
                            &[
                                ("part", &figure(th.measure, &th.achieved)),
                                ("whole", &figure(th.measure, &th.base)),
                                ("mark", mark(th.met)),
                            ],
                        ),
                        _ => tf(
                            "result.approval",
                            &[
                                ("label", &label_of(id)),
                                ("part", &figure(th.measure, &th.achieved)),
                                ("whole", &figure(th.measure, &th.base)),
                                ("unit", &unit),
                                ("mark", mark(th.met)),
                            ],
                        ),
                    })
                    .collect::<Vec<_>>()
                    .join(&list_sep)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ballots::{BallotStatus, DecisionRule, OptionResult, Tally, VoteMethod};

    fn th(
        stage: ThresholdStage,
        option: Option<&str>,
        measure: ThresholdMeasure,
        comparison: ThresholdComparison,
        [fraction, base, achieved]: [&str; 3],
        met: bool,
    ) -> Threshold {
        Threshold {
            stage,
            option_id: option.map(str::to_string),
            measure,
            comparison,
            fraction: fraction.into(),
            base: base.into(),
            achieved: achieved.into(),
            met,
        }
    }

    fn option(id: &str, role: OptionRole, votes: i64, area: &str, adopted: bool) -> OptionResult {
        OptionResult {
            id: id.into(),
            label: id.into(),
            role,
            votes,
            area: area.into(),
            adopted,
        }
    }

    fn ballot(
        kind: BallotKind,
        electorate: Electorate,
        (turnout, eligible): (i64, i64),
        result: BallotResult,
    ) -> Ballot {
        Ballot {
            tally: Tally {
                id: "b1".into(),
                status: BallotStatus::Closed,
                closed_at: None,
                eligible_count: eligible,
                eligible_area: "0.00".into(),
                turnout_count: turnout,
                turnout_area: "0.00".into(),
                result: Some(result),
            },
            topic_id: None,
            question: "?".into(),
            kind,
            method: VoteMethod::Single,
            choice_limit: 1,
            max_choices: 1,
            electorate,
            rule: DecisionRule::OwnersOrdinary,
            secret: false,
            named: false,
            opened_at: String::new(),
            closes_at: String::new(),
            cancel_reason: None,
            options: Vec::new(),
            viewer_eligible: false,
            viewer_has_voted: false,
            viewer_can: Default::default(),
        }
    }

    use ThresholdComparison::{AtLeast, MoreThan};
    use ThresholdMeasure::{Area, Count};
    use ThresholdStage::{Approval, Turnout};

    #[test]
    fn the_owners_example_reads_as_the_server_judged_it() {
        let result = BallotResult {
            is_final: true,
            quorum_met: true,
            outcome: Outcome::NotAdopted,
            options: vec![
                option("yes", OptionRole::Approve, 5, "400.00", false),
                option("no", OptionRole::Oppose, 3, "550.00", false),
            ],
            thresholds: vec![
                th(Turnout, None, Count, AtLeast, ["2/3", "9", "8"], true),
                th(
                    Turnout,
                    None,
                    Area,
                    AtLeast,
                    ["2/3", "1100.00", "950.00"],
                    true,
                ),
                th(
                    Approval,
                    Some("yes"),
                    Count,
                    MoreThan,
                    ["1/2", "8", "5"],
                    true,
                ),
                th(
                    Approval,
                    Some("yes"),
                    Area,
                    MoreThan,
                    ["1/2", "950.00", "400.00"],
                    false,
                ),
            ],
        };
        let b = ballot(BallotKind::Motion, Electorate::Owners, (8, 9), result);
        assert_eq!(
            explain(Lang::Zh, &b).as_deref(),
            Some("参与表决 8/9 户（≥2/3 ✓），面积 950/1,100 m²（≥2/3 ✓）；赞成 5/8 户 ✓，400/950 m² ✗ → 未通过")
        );
    }

    #[test]
    fn without_quorum_only_turnout_is_told() {
        let result = BallotResult {
            is_final: true,
            quorum_met: false,
            outcome: Outcome::NoQuorum,
            options: vec![option("yes", OptionRole::Approve, 2, "0.00", false)],
            thresholds: vec![
                th(Turnout, None, Count, MoreThan, ["1/2", "10", "4"], false),
                th(
                    Approval,
                    Some("yes"),
                    Count,
                    MoreThan,
                    ["1/2", "4", "2"],
                    false,
                ),
            ],
        };
        let b = ballot(BallotKind::Motion, Electorate::Residents, (4, 10), result);
        let text = explain(Lang::Zh, &b).unwrap_or_default();
        assert!(text.starts_with("参与表决 4/10 人（>1/2 ✗）"), "{text}");
        assert!(
            !text.contains("赞成 2/4"),
            "approval told without quorum: {text}"
        );
    }

    #[test]
    fn a_plurality_choice_lists_the_votes_and_the_server_s_winners() {
        let result = BallotResult {
            is_final: true,
            quorum_met: true,
            outcome: Outcome::Decided,
            options: vec![
                option("A", OptionRole::Choice, 3, "0.00", true),
                option("B", OptionRole::Choice, 1, "0.00", false),
            ],
            thresholds: Vec::new(),
        };
        let b = ballot(BallotKind::Choice, Electorate::Residents, (4, 10), result);
        let text = explain(Lang::Zh, &b).unwrap_or_default();
        assert!(text.contains("（不设法定人数）"), "{text}");
        assert!(text.contains("A 3 票") && text.contains("B 1 票"), "{text}");
        assert!(text.ends_with("决定：A"), "{text}");
    }

    #[test]
    fn a_secret_open_ballot_has_no_explanation() {
        let result = BallotResult {
            is_final: false,
            quorum_met: false,
            outcome: Outcome::NoQuorum,
            options: Vec::new(),
            thresholds: Vec::new(),
        };
        let mut b = ballot(BallotKind::Motion, Electorate::Residents, (0, 10), result);
        b.tally.result = None;
        assert_eq!(explain(Lang::Zh, &b), None);
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
}
