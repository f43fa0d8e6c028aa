//! Ballots and votes (DESIGN §4): serde types, typed calls, and the pure helpers of the
//! ballot forms (which options may be ticked together, recounting the published bulletin).
//! Which counting rules fit an electorate comes from the server (`openBallotRules`).

use super::client::graphql;
use super::documents::ballots as doc;
use super::ApiError;
use crate::i18n::k;
use crate::tally::parse_area;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// How many voters the paper-ballot picker lists at once (the search narrows them).
pub const VOTERS_PAGE: i64 = 50;

/// Declares a schema enum: its variants, their schema names, and `Unknown` for a value added to
/// the server after this portal was built.
macro_rules! schema_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
        pub enum $name {
            $(#[serde(rename = $wire)] $variant,)+
            #[serde(other)]
            Unknown,
        }

        impl $name {
            /// The known values, in schema order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)+
                    $name::Unknown => "UNKNOWN",
                }
            }

            /// The value named by its schema name; `Unknown` for any other text.
            pub fn from_wire(wire: &str) -> $name {
                Self::ALL.iter().copied().find(|v| v.as_str() == wire).unwrap_or($name::Unknown)
            }
        }
    };
}

pub(crate) use schema_enum;

schema_enum!(
    /// MOTION (赞成 / 反对 / 弃权) or CHOICE (the committee's options).
    BallotKind { Motion = "MOTION", Choice = "CHOICE" }
);
schema_enum!(VoteMethod { Single = "SINGLE", Approval = "APPROVAL" });
schema_enum!(Electorate { Residents = "RESIDENTS", Households = "HOUSEHOLDS", Owners = "OWNERS" });
schema_enum!(DecisionRule {
    Plurality = "PLURALITY",
    ResidentsMeeting = "RESIDENTS_MEETING",
    OwnersOrdinary = "OWNERS_ORDINARY",
    OwnersMajor = "OWNERS_MAJOR",
});
schema_enum!(OptionRole { Approve = "APPROVE", Oppose = "OPPOSE", Abstain = "ABSTAIN", Choice = "CHOICE" });
schema_enum!(Outcome {
    Adopted = "ADOPTED",
    NotAdopted = "NOT_ADOPTED",
    NoQuorum = "NO_QUORUM",
    Decided = "DECIDED",
    Tie = "TIE",
});
schema_enum!(BallotStatus { Open = "OPEN", Closed = "CLOSED", Cancelled = "CANCELLED" });
schema_enum!(ThresholdStage { Turnout = "TURNOUT", Approval = "APPROVAL" });
schema_enum!(ThresholdMeasure { Count = "COUNT", Area = "AREA" });
schema_enum!(ThresholdComparison { MoreThan = "MORE_THAN", AtLeast = "AT_LEAST" });

impl BallotKind {
    pub fn label_key(self) -> &'static str {
        match self {
            BallotKind::Motion => k("ballot.kind.MOTION"),
            BallotKind::Choice | BallotKind::Unknown => k("ballot.kind.CHOICE"),
        }
    }
}

impl VoteMethod {
    pub fn label_key(self) -> &'static str {
        match self {
            VoteMethod::Approval => k("ballot.method.APPROVAL"),
            VoteMethod::Single | VoteMethod::Unknown => k("ballot.method.SINGLE"),
        }
    }
}

impl Electorate {
    pub fn label_key(self) -> &'static str {
        match self {
            Electorate::Residents | Electorate::Unknown => k("ballot.electorate.RESIDENTS"),
            Electorate::Households => k("ballot.electorate.HOUSEHOLDS"),
            Electorate::Owners => k("ballot.electorate.OWNERS"),
        }
    }

    /// Owners carry floor area: their tallies show m² beside the votes.
    pub fn has_area(self) -> bool {
        self == Electorate::Owners
    }

    /// Paper ballots name a resident (RESIDENTS) or a household (the others).
    pub fn votes_by_household(self) -> bool {
        matches!(self, Electorate::Households | Electorate::Owners)
    }
}

impl DecisionRule {
    pub fn label_key(self) -> &'static str {
        match self {
            DecisionRule::Plurality | DecisionRule::Unknown => k("ballot.rule.PLURALITY"),
            DecisionRule::ResidentsMeeting => k("ballot.rule.RESIDENTS_MEETING"),
            DecisionRule::OwnersOrdinary => k("ballot.rule.OWNERS_ORDINARY"),
            DecisionRule::OwnersMajor => k("ballot.rule.OWNERS_MAJOR"),
        }
    }

    /// One plain sentence saying what the rule asks, for the electorate it is used with.
    pub fn explain_key(self, electorate: Electorate) -> &'static str {
        match (self, electorate) {
            (DecisionRule::ResidentsMeeting, Electorate::Residents) => {
                k("ballot.rule_explain.RESIDENTS_MEETING_RESIDENTS")
            }
            (DecisionRule::ResidentsMeeting, _) => {
                k("ballot.rule_explain.RESIDENTS_MEETING_HOUSEHOLDS")
            }
            (DecisionRule::OwnersOrdinary, _) => k("ballot.rule_explain.OWNERS_ORDINARY"),
            (DecisionRule::OwnersMajor, _) => k("ballot.rule_explain.OWNERS_MAJOR"),
            (DecisionRule::Plurality | DecisionRule::Unknown, _) => {
                k("ballot.rule_explain.PLURALITY")
            }
        }
    }
}

/// The counting rules a ballot of one electorate may use, as the server offers them
/// (`TopicActions.openBallotRules`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ElectorateRules {
    pub electorate: Electorate,
    pub rules: Vec<DecisionRule>,
}

impl Outcome {
    pub fn label_key(self) -> &'static str {
        match self {
            Outcome::Adopted => k("ballot.outcome.ADOPTED"),
            Outcome::NotAdopted => k("ballot.outcome.NOT_ADOPTED"),
            Outcome::NoQuorum => k("ballot.outcome.NO_QUORUM"),
            Outcome::Decided => k("ballot.outcome.DECIDED"),
            Outcome::Tie => k("ballot.outcome.TIE"),
            Outcome::Unknown => k("ballot.outcome.UNKNOWN"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct BallotOption {
    pub id: String,
    pub label: String,
    pub role: OptionRole,
    /// The server's word: ticking this option makes it the vote's only choice (an abstention).
    #[serde(rename = "standsAlone")]
    pub stands_alone: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OptionResult {
    pub id: String,
    pub label: String,
    pub role: OptionRole,
    pub votes: i64,
    /// m² as a decimal string ("88.50").
    pub area: String,
    pub adopted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BallotResult {
    /// True once closed and stored; false for a live tally.
    #[serde(rename = "final")]
    pub is_final: bool,
    pub quorum_met: bool,
    pub outcome: Outcome,
    pub options: Vec<OptionResult>,
    /// How the server reached the outcome (turnout, then each judged option's approval); the
    /// portal renders these and never judges a threshold itself.
    #[serde(default)]
    pub thresholds: Vec<Threshold>,
}

/// One threshold of a result as the server judged it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Threshold {
    pub stage: ThresholdStage,
    /// For an approval threshold: the option judged.
    #[serde(default)]
    pub option_id: Option<String>,
    pub measure: ThresholdMeasure,
    pub comparison: ThresholdComparison,
    /// "2/3".
    pub fraction: String,
    /// The whole: a count ("9") or m² ("1100.00").
    pub base: String,
    pub achieved: String,
    pub met: bool,
}

/// The count of a ballot: what the query and the live subscription both carry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tally {
    pub id: String,
    pub status: BallotStatus,
    #[serde(default)]
    pub closed_at: Option<String>,
    pub eligible_count: i64,
    pub eligible_area: String,
    pub turnout_count: i64,
    pub turnout_area: String,
    /// Null while a secret ballot is open.
    #[serde(default)]
    pub result: Option<BallotResult>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ballot {
    #[serde(flatten)]
    pub tally: Tally,
    #[serde(default)]
    pub topic_id: Option<String>,
    pub question: String,
    pub kind: BallotKind,
    pub method: VoteMethod,
    pub max_choices: i64,
    /// The server's word: how many options one vote may tick (1: the options are radio buttons).
    pub choice_limit: i64,
    pub electorate: Electorate,
    pub rule: DecisionRule,
    pub secret: bool,
    /// A named vote (记名表决, every non-secret ballot): the committee will see each choice.
    #[serde(default)]
    pub named: bool,
    pub opened_at: String,
    pub closes_at: String,
    /// The committee's public reason, when CANCELLED.
    #[serde(default)]
    pub cancel_reason: Option<String>,
    pub options: Vec<BallotOption>,
    pub viewer_eligible: bool,
    pub viewer_has_voted: bool,
    /// The server's word on what the viewer may do with the ballot now.
    pub viewer_can: BallotActions,
}

/// What the viewer may do with a ballot (`Ballot.viewerCan`); the card offers exactly these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct BallotActions {
    pub record_paper_ballot: bool,
    pub named_roll: bool,
}

impl Ballot {
    pub fn id(&self) -> &str {
        &self.tally.id
    }

    pub fn is_open(&self) -> bool {
        self.tally.status == BallotStatus::Open
    }

    /// Whether the viewer should vote now.
    pub fn needs_vote(&self) -> bool {
        self.is_open() && self.viewer_eligible && !self.viewer_has_voted
    }

    /// Takes a newer count (from the subscription or a re-query) of the same ballot. A count
    /// that says "open" never replaces one that says it ended (closed or cancelled): the events
    /// may arrive late.
    pub fn apply(&mut self, tally: Tally) {
        if tally.id != self.tally.id {
            return;
        }
        if self.tally.status != BallotStatus::Open && tally.status == BallotStatus::Open {
            return;
        }
        self.tally = tally;
    }

    pub fn option_label(&self, id: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|o| o.id == id)
            .map(|o| o.label.as_str())
    }
}

/// One voter of a ballot's frozen electorate: a resident, or a household (with its building,
/// unit and members' names in `label`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ElectorateMember {
    /// The id `recordPaperBallot` takes.
    pub voter_id: String,
    pub label: String,
    /// m² as a decimal string (OWNERS).
    pub area: String,
    pub voted: bool,
    /// ONLINE or PAPER once the voter has taken part.
    #[serde(default)]
    pub channel: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptCheck {
    pub found: bool,
    pub option_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulletinEntry {
    pub receipt_hash: String,
    pub option_ids: Vec<String>,
    #[serde(default)]
    pub area: String,
}

/// One option of a CHOICE ballot the committee is writing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OptionInput {
    pub label: String,
    pub abstain: bool,
}

/// `OpenBallotInput`, as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenBallotInput {
    pub topic_id: String,
    pub question: String,
    pub kind: BallotKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<OptionInput>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<VoteMethod>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_choices: Option<i64>,
    pub electorate: Electorate,
    pub rule: DecisionRule,
    pub secret: bool,
    /// RFC 3339, UTC.
    pub closes_at: String,
}

/// What the committee typed into the open-ballot form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BallotDraft {
    pub topic_id: String,
    pub question: String,
    pub kind: BallotKind,
    /// CHOICE: the option labels (blank lines are dropped) and whether to add an abstain option.
    pub options: Vec<String>,
    pub abstain_option: bool,
    pub method: VoteMethod,
    pub max_choices: i64,
    pub electorate: Electorate,
    pub rule: DecisionRule,
    pub secret: bool,
    /// RFC 3339, UTC (converted from the local `datetime-local` value by the page).
    pub closes_at: Option<String>,
}

/// A problem the form finds before sending: the field (as the server names it) and a locale key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DraftError {
    pub field: &'static str,
    pub key: &'static str,
}

/// The most options the form lets the committee add (the server's limit; it checks again).
pub const MAX_OPTIONS: usize = 20;

impl BallotDraft {
    /// Builds the input from the form: blank options dropped, the abstention added last. The
    /// server checks everything else (question, options, rule, closing time) and names the
    /// field it refuses; only a missing closing time stops the form, as there is nothing to send.
    pub fn to_input(&self) -> Result<OpenBallotInput, DraftError> {
        let Some(closes_at) = self.closes_at.clone() else {
            return Err(DraftError {
                field: "closesAt",
                key: k("open_ballot.closes_at_required"),
            });
        };
        let (options, method, max_choices) = match self.kind {
            BallotKind::Choice => {
                let mut options: Vec<OptionInput> = self
                    .options
                    .iter()
                    .map(|l| l.trim().to_string())
                    .filter(|l| !l.is_empty())
                    .map(|label| OptionInput {
                        label,
                        abstain: false,
                    })
                    .collect();
                if self.abstain_option {
                    options.push(OptionInput {
                        label: crate::i18n::t("open_ballot.abstain_label"),
                        abstain: true,
                    });
                }
                let (method, max) = match self.method {
                    VoteMethod::Approval => (VoteMethod::Approval, Some(self.max_choices)),
                    _ => (VoteMethod::Single, None),
                };
                (Some(options), Some(method), max)
            }
            _ => (None, None, None),
        };
        Ok(OpenBallotInput {
            topic_id: self.topic_id.clone(),
            question: self.question.trim().to_string(),
            kind: if self.kind == BallotKind::Choice {
                BallotKind::Choice
            } else {
                BallotKind::Motion
            },
            options,
            method,
            max_choices,
            electorate: self.electorate,
            rule: self.rule,
            secret: self.secret,
            closes_at,
        })
    }
}

// ---- choosing options ----------------------------------------------------------------------

/// The options ticked after the voter taps `option`, within what the server states
/// (`choiceLimit`, `standsAlone`): with a limit of one the tap replaces the tick; otherwise it
/// adds up to the limit, and an option that stands alone clears the rest (ticking another clears
/// it). Tapping a ticked box unticks it.
pub fn toggle_choice(ballot: &Ballot, selected: &[String], option_id: &str) -> Vec<String> {
    let Some(option) = ballot.options.iter().find(|o| o.id == option_id) else {
        return selected.to_vec();
    };
    if ballot.choice_limit <= 1 {
        return vec![option.id.clone()];
    }
    if selected.iter().any(|s| s == option_id) {
        return selected
            .iter()
            .filter(|s| *s != option_id)
            .cloned()
            .collect();
    }
    if option.stands_alone {
        return vec![option.id.clone()];
    }
    let mut next: Vec<String> = selected
        .iter()
        .filter(|id| {
            ballot
                .options
                .iter()
                .any(|o| &o.id == *id && !o.stands_alone)
        })
        .cloned()
        .collect();
    if (next.len() as i64) < ballot.choice_limit {
        next.push(option.id.clone());
    }
    next
}

/// Whether a not-yet-ticked option can still be ticked (no further once `choiceLimit` are;
/// an option that stands alone can always replace the rest).
pub fn can_tick(ballot: &Ballot, selected: &[String], option_id: &str) -> bool {
    if ballot.choice_limit <= 1 || selected.iter().any(|s| s == option_id) {
        return true;
    }
    let alone = |id: &str| ballot.options.iter().any(|o| o.id == id && o.stands_alone);
    alone(option_id)
        || selected.iter().any(|s| alone(s))
        || (selected.len() as i64) < ballot.choice_limit
}

/// Receipts are printed and typed by hand: drop spaces and line breaks.
pub fn normalise_receipt(input: &str) -> String {
    input.chars().filter(|c| !c.is_whitespace()).collect()
}

// ---- recounting the bulletin ---------------------------------------------------------------

/// Votes and area (hundredths of a m²) per option, recounted from the bulletin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recount {
    pub voters: i64,
    pub area_centi: i64,
    /// (option id, votes, area) in the ballot's option order.
    pub options: Vec<(String, i64, i64)>,
}

pub fn recount(ballot: &Ballot, entries: &[BulletinEntry]) -> Option<Recount> {
    let mut options: Vec<(String, i64, i64)> = ballot
        .options
        .iter()
        .map(|o| (o.id.clone(), 0, 0))
        .collect();
    let mut area_total = 0i64;
    for entry in entries {
        let area = if entry.area.trim().is_empty() {
            0
        } else {
            parse_area(&entry.area)?
        };
        area_total += area;
        for id in &entry.option_ids {
            let slot = options.iter_mut().find(|(o, _, _)| o == id)?;
            slot.1 += 1;
            slot.2 += area;
        }
    }
    Some(Recount {
        voters: entries.len() as i64,
        area_centi: area_total,
        options,
    })
}

/// Does the recount give exactly the published result (votes, area, turnout)?
pub fn recount_matches(ballot: &Ballot, entries: &[BulletinEntry]) -> bool {
    let Some(result) = ballot.tally.result.as_ref() else {
        return false;
    };
    let Some(counted) = recount(ballot, entries) else {
        return false;
    };
    let turnout_area = parse_area(&ballot.tally.turnout_area);
    if counted.voters != ballot.tally.turnout_count
        || (ballot.electorate.has_area() && Some(counted.area_centi) != turnout_area)
    {
        return false;
    }
    result.options.len() == counted.options.len()
        && result.options.iter().all(|published| {
            counted.options.iter().any(|(id, votes, area)| {
                *id == published.id
                    && *votes == published.votes
                    && (!ballot.electorate.has_area() || Some(*area) == parse_area(&published.area))
            })
        })
}

// ---- calls ---------------------------------------------------------------------------------

#[derive(Deserialize)]
struct BallotData {
    ballot: Option<Ballot>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CastData {
    cast_vote: Receipt,
}

#[derive(Deserialize)]
struct Receipt {
    receipt: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VerifyData {
    verify_receipt: ReceiptCheck,
}

#[derive(Deserialize)]
struct BulletinData {
    bulletin: Vec<BulletinEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OpenData {
    open_ballot: Ballot,
}

#[derive(Deserialize)]
struct VotersData {
    ballot: Option<VotersOf>,
}

#[derive(Deserialize)]
struct VotersOf {
    voters: VoterNodes,
}

#[derive(Deserialize)]
struct VoterNodes {
    nodes: Vec<ElectorateMember>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PaperData {
    record_paper_ballot: bool,
}

/// The subscription's `next` payload.
#[derive(Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TallyData {
    pub ballot_tally: Tally,
}

pub async fn ballot(id: &str) -> Result<Ballot, ApiError> {
    let data: BallotData = graphql(doc::BALLOT, json!({ "id": id })).await?;
    data.ballot
        .ok_or_else(|| ApiError::new(super::ErrorCode::NotFound))
}

/// Casts a first vote (`receipt: None`) or replaces the vote that `receipt` names. Returns the
/// receipt, shown once.
pub async fn cast_vote(
    ballot_id: &str,
    option_ids: &[String],
    receipt: Option<&str>,
) -> Result<String, ApiError> {
    let data: CastData = graphql(
        doc::CAST_VOTE,
        json!({ "ballotId": ballot_id, "optionIds": option_ids, "receipt": receipt }),
    )
    .await?;
    Ok(data.cast_vote.receipt)
}

pub async fn verify_receipt(ballot_id: &str, receipt: &str) -> Result<ReceiptCheck, ApiError> {
    let data: VerifyData = graphql(
        doc::VERIFY_RECEIPT,
        json!({ "ballotId": ballot_id, "receipt": receipt }),
    )
    .await?;
    Ok(data.verify_receipt)
}

pub async fn bulletin(ballot_id: &str) -> Result<Vec<BulletinEntry>, ApiError> {
    let data: BulletinData = graphql(doc::BULLETIN, json!({ "ballotId": ballot_id })).await?;
    Ok(data.bulletin)
}

pub async fn open_ballot(input: &OpenBallotInput) -> Result<Ballot, ApiError> {
    let data: OpenData = graphql(doc::OPEN_BALLOT, json!({ "input": input })).await?;
    Ok(data.open_ballot)
}

pub async fn record_paper_ballot(
    ballot_id: &str,
    voter_id: &str,
    option_ids: &[String],
) -> Result<bool, ApiError> {
    let data: PaperData = graphql(
        doc::RECORD_PAPER_BALLOT,
        json!({ "ballotId": ballot_id, "voterId": voter_id, "optionIds": option_ids }),
    )
    .await?;
    Ok(data.record_paper_ballot)
}

/// The ballot's electorate (committee only), filtered by `search` over names, buildings and
/// units, and to those who have not voted when `not_voted`.
pub async fn voters(
    ballot_id: &str,
    search: &str,
    not_voted: bool,
) -> Result<Vec<ElectorateMember>, ApiError> {
    let search = search.trim();
    let data: VotersData = graphql(
        doc::BALLOT_VOTERS,
        json!({
            "ballotId": ballot_id,
            "search": (!search.is_empty()).then_some(search),
            "notVoted": not_voted,
            "first": VOTERS_PAGE,
        }),
    )
    .await?;
    data.ballot
        .map(|b| b.voters.nodes)
        .ok_or_else(|| ApiError::new(super::ErrorCode::NotFound))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn voters_decode_with_and_without_a_channel() {
        let body = r#"{"ballot":{"voters":{"nodes":[
            {"voterId":"h1","label":"8栋 101 · 吴九、郑十","area":"90.00","voted":false,"channel":null},
            {"voterId":"h2","label":"8栋 102 · 王一","area":"80.50","voted":true,"channel":"PAPER"}]}}}"#;
        let data: Result<VotersData, _> = serde_json::from_str(body);
        let list = data
            .ok()
            .and_then(|d| d.ballot)
            .map(|b| b.voters.nodes)
            .unwrap_or_default();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].voter_id, "h1");
        assert!(!list[0].voted && list[0].channel.is_none());
        assert_eq!(list[1].channel.as_deref(), Some("PAPER"));
    }

    pub fn option(id: &str, role: OptionRole) -> BallotOption {
        BallotOption {
            id: id.into(),
            label: id.to_uppercase(),
            role,
            stands_alone: role == OptionRole::Abstain,
        }
    }

    pub fn ballot(method: VoteMethod, max_choices: i64, options: Vec<BallotOption>) -> Ballot {
        Ballot {
            tally: Tally {
                id: "b1".into(),
                status: BallotStatus::Open,
                closed_at: None,
                eligible_count: 9,
                eligible_area: "0.00".into(),
                turnout_count: 0,
                turnout_area: "0.00".into(),
                result: None,
            },
            topic_id: Some("t1".into()),
            question: "换电梯吗？".into(),
            kind: BallotKind::Choice,
            method,
            max_choices,
            choice_limit: match method {
                VoteMethod::Single => 1,
                _ => max_choices,
            },
            electorate: Electorate::Households,
            rule: DecisionRule::Plurality,
            secret: false,
            named: true,
            opened_at: "2026-01-01T00:00:00Z".into(),
            closes_at: "2026-01-08T00:00:00Z".into(),
            cancel_reason: None,
            options,
            viewer_eligible: true,
            viewer_has_voted: false,
            viewer_can: BallotActions::default(),
        }
    }

    fn approval() -> Ballot {
        ballot(
            VoteMethod::Approval,
            2,
            vec![
                option("a", OptionRole::Choice),
                option("b", OptionRole::Choice),
                option("c", OptionRole::Choice),
                option("x", OptionRole::Abstain),
            ],
        )
    }

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn single_choice_replaces_the_previous_tick() {
        let b = ballot(
            VoteMethod::Single,
            1,
            vec![
                option("y", OptionRole::Approve),
                option("n", OptionRole::Oppose),
            ],
        );
        assert_eq!(toggle_choice(&b, &ids(&["y"]), "n"), ids(&["n"]));
        assert_eq!(toggle_choice(&b, &[], "y"), ids(&["y"]));
        assert_eq!(toggle_choice(&b, &ids(&["y"]), "zzz"), ids(&["y"]));
    }

    #[test]
    fn the_form_follows_the_servers_limit_and_not_the_method() {
        // An APPROVAL ballot the server says takes one tick (an award category with one
        // winner) behaves as radio buttons; an option the server marks as standing alone is
        // exclusive whatever its role.
        let mut one = approval();
        one.choice_limit = 1;
        assert_eq!(toggle_choice(&one, &ids(&["a"]), "b"), ids(&["b"]));
        let mut b = approval();
        b.options[2].stands_alone = true;
        b.options[3].stands_alone = false;
        assert_eq!(toggle_choice(&b, &ids(&["a"]), "c"), ids(&["c"]));
        assert_eq!(toggle_choice(&b, &ids(&["a"]), "x"), ids(&["a", "x"]));
    }

    #[test]
    fn approval_stops_at_max_choices_and_abstention_stands_alone() {
        let b = approval();
        let two = toggle_choice(&b, &ids(&["a"]), "b");
        assert_eq!(two, ids(&["a", "b"]));
        assert_eq!(toggle_choice(&b, &two, "c"), two, "a third is refused");
        assert!(!can_tick(&b, &two, "c"));
        assert!(can_tick(&b, &two, "x"));
        assert_eq!(toggle_choice(&b, &two, "x"), ids(&["x"]));
        assert_eq!(toggle_choice(&b, &ids(&["x"]), "c"), ids(&["c"]));
        assert_eq!(toggle_choice(&b, &two, "a"), ids(&["b"]), "untick");
    }

    #[test]
    fn a_closed_count_is_never_replaced_by_a_late_open_one() {
        let mut b = approval();
        let mut closed = b.tally.clone();
        closed.status = BallotStatus::Closed;
        closed.turnout_count = 5;
        b.apply(closed);
        let mut late = b.tally.clone();
        late.status = BallotStatus::Open;
        late.turnout_count = 4;
        b.apply(late);
        assert_eq!(b.tally.turnout_count, 5);
        let mut other = b.tally.clone();
        other.id = "b2".into();
        other.turnout_count = 99;
        b.apply(other);
        assert_eq!(b.tally.turnout_count, 5);
        // Nor is a cancelled one.
        let mut b = approval();
        let mut cancelled = b.tally.clone();
        cancelled.status = BallotStatus::Cancelled;
        b.apply(cancelled);
        let mut late = b.tally.clone();
        late.status = BallotStatus::Open;
        b.apply(late);
        assert_eq!(b.tally.status, BallotStatus::Cancelled);
    }

    fn draft() -> BallotDraft {
        BallotDraft {
            topic_id: "t1".into(),
            question: "是否更换 1 栋电梯？".into(),
            kind: BallotKind::Motion,
            options: vec![],
            abstain_option: false,
            method: VoteMethod::Single,
            max_choices: 1,
            electorate: Electorate::Owners,
            rule: DecisionRule::OwnersMajor,
            secret: true,
            closes_at: Some("2026-02-01T12:00:00.000Z".into()),
        }
    }

    #[test]
    fn a_motion_draft_sends_no_options() {
        let input = draft().to_input();
        let sent = input.map(|i| serde_json::to_value(i).unwrap_or_default());
        assert_eq!(
            sent,
            Ok(json!({
                "topicId": "t1", "question": "是否更换 1 栋电梯？", "kind": "MOTION",
                "electorate": "OWNERS", "rule": "OWNERS_MAJOR", "secret": true,
                "closesAt": "2026-02-01T12:00:00.000Z"
            }))
        );
    }

    #[test]
    fn a_choice_draft_drops_blank_options_and_adds_the_abstention_last() {
        let d = BallotDraft {
            kind: BallotKind::Choice,
            options: ids(&["绿化", " ", "停车位 "]),
            abstain_option: true,
            method: VoteMethod::Approval,
            max_choices: 2,
            ..draft()
        };
        let input = d.to_input();
        let options = input.as_ref().ok().and_then(|i| i.options.clone());
        assert_eq!(
            options.map(|o| o
                .into_iter()
                .map(|o| (o.label, o.abstain))
                .collect::<Vec<_>>()),
            Some(vec![
                ("绿化".to_string(), false),
                ("停车位".to_string(), false),
                ("弃权".to_string(), true)
            ])
        );
        assert_eq!(input.ok().and_then(|i| i.max_choices), Some(2));
    }

    #[test]
    fn only_a_missing_closing_time_stops_the_form_the_server_judges_the_rest() {
        let field = |d: BallotDraft| d.to_input().err().map(|e| e.field);
        assert_eq!(
            field(BallotDraft {
                closes_at: None,
                ..draft()
            }),
            Some("closesAt")
        );
        // What the server refuses (and names the field of) is sent as typed: no second copy of
        // its rules here.
        let sent = BallotDraft {
            question: " 短 ".into(),
            electorate: Electorate::Households,
            ..draft()
        }
        .to_input();
        assert_eq!(
            sent.map(|i| (i.question, i.electorate, i.rule)),
            Ok((
                "短".to_string(),
                Electorate::Households,
                DecisionRule::OwnersMajor
            ))
        );
    }

    #[test]
    fn a_ballot_decodes_with_and_without_a_result() {
        let body = r#"{"id":"b1","status":"OPEN","closedAt":null,"eligibleCount":9,"eligibleArea":"1100.00",
            "turnoutCount":0,"turnoutArea":"0.00","result":null,"topicId":"t1","question":"换吗？",
            "kind":"MOTION","method":"SINGLE","maxChoices":1,"choiceLimit":1,"electorate":"OWNERS","rule":"OWNERS_MAJOR",
            "secret":true,"openedAt":"2026-01-01T00:00:00Z","closesAt":"2026-01-08T00:00:00Z",
            "options":[{"id":"o1","label":"赞成","role":"APPROVE","standsAlone":false},
                {"id":"o2","label":"?","role":"VETO","standsAlone":false}],
            "viewerEligible":true,"viewerHasVoted":false,
            "viewerCan":{"recordPaperBallot":true,"namedRoll":false}}"#;
        let b: Result<Ballot, _> = serde_json::from_str(body);
        let b = b.ok();
        assert_eq!(b.as_ref().map(|b| b.needs_vote()), Some(true));
        assert_eq!(
            b.map(|b| b.options.iter().map(|o| o.role).collect::<Vec<_>>()),
            Some(vec![OptionRole::Approve, OptionRole::Unknown])
        );
    }

    #[test]
    fn the_bulletin_recount_is_compared_with_the_published_result() {
        let mut b = ballot(
            VoteMethod::Single,
            1,
            vec![
                option("y", OptionRole::Approve),
                option("n", OptionRole::Oppose),
            ],
        );
        b.electorate = Electorate::Owners;
        b.tally.status = BallotStatus::Closed;
        b.tally.turnout_count = 2;
        b.tally.turnout_area = "180.50".into();
        let published = |votes: [i64; 2], areas: [&str; 2]| BallotResult {
            is_final: true,
            quorum_met: true,
            outcome: Outcome::Adopted,
            options: vec![
                OptionResult {
                    id: "y".into(),
                    label: "Y".into(),
                    role: OptionRole::Approve,
                    votes: votes[0],
                    area: areas[0].into(),
                    adopted: true,
                },
                OptionResult {
                    id: "n".into(),
                    label: "N".into(),
                    role: OptionRole::Oppose,
                    votes: votes[1],
                    area: areas[1].into(),
                    adopted: false,
                },
            ],
            thresholds: Vec::new(),
        };
        let entries = vec![
            BulletinEntry {
                receipt_hash: "h1".into(),
                option_ids: ids(&["y"]),
                area: "88.50".into(),
            },
            BulletinEntry {
                receipt_hash: "h2".into(),
                option_ids: ids(&["n"]),
                area: "92.00".into(),
            },
        ];
        b.tally.result = Some(published([1, 1], ["88.50", "92.00"]));
        assert!(recount_matches(&b, &entries));
        b.tally.result = Some(published([2, 0], ["180.50", "0.00"]));
        assert!(!recount_matches(&b, &entries));
        b.tally.result = Some(published([1, 1], ["88.00", "92.50"]));
        assert!(!recount_matches(&b, &entries), "areas are compared too");
        b.tally.result = Some(published([1, 1], ["88.50", "92.00"]));
        let mut stray = entries.clone();
        stray[0].option_ids = ids(&["nope"]);
        assert!(!recount_matches(&b, &stray));
    }

    #[test]
    fn receipts_ignore_spaces() {
        assert_eq!(normalise_receipt(" AB12 cd34\n"), "AB12cd34");
    }
}
