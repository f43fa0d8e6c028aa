//! Dispute mediation (矛盾调处, DESIGN §5): query strings, serde types and typed calls. What the
//! viewer may do with a case is the server's `viewerCan` (the portal decides no step).

use super::ballots::schema_enum;
use super::client::graphql;
use super::{ApiError, PageInfo};
use serde::{Deserialize, Serialize};
use serde_json::json;

schema_enum!(CaseCategory {
    Noise = "NOISE",
    Leaks = "LEAKS",
    Parking = "PARKING",
    Pets = "PETS",
    Fees = "FEES",
    Family = "FAMILY",
    Other = "OTHER",
});

schema_enum!(CaseStatus {
    Submitted = "SUBMITTED",
    Accepted = "ACCEPTED",
    Declined = "DECLINED",
    RespondentDeclined = "RESPONDENT_DECLINED",
    InMediation = "IN_MEDIATION",
    Agreed = "AGREED",
    Failed = "FAILED",
    Withdrawn = "WITHDRAWN",
    Fulfilled = "FULFILLED",
    Closed = "CLOSED",
});

schema_enum!(CaseEntryKind {
    Message = "MESSAGE",
    Filed = "FILED",
    Accepted = "ACCEPTED",
    Declined = "DECLINED",
    MediatorsAssigned = "MEDIATORS_ASSIGNED",
    Consented = "CONSENTED",
    Refused = "REFUSED",
    OutsideConsent = "OUTSIDE_CONSENT",
    MediationStarted = "MEDIATION_STARTED",
    SessionScheduled = "SESSION_SCHEDULED",
    AgreementDrafted = "AGREEMENT_DRAFTED",
    Signed = "SIGNED",
    OutsideSigned = "OUTSIDE_SIGNED",
    Agreed = "AGREED",
    Failed = "FAILED",
    Withdrawn = "WITHDRAWN",
    FollowedUp = "FOLLOWED_UP",
    Closed = "CLOSED",
});

schema_enum!(CaseRole {
    Applicant = "APPLICANT",
    Respondent = "RESPONDENT",
    Mediator = "MEDIATOR",
    Committee = "COMMITTEE",
});

/// The fields of a case in a list (`...CaseItem`).
pub const CASE_ITEM: &str =
    "fragment CaseItem on MediationCase { id number status category overdue \
    createdAt outsideParty applicant { id name } respondents { id name consent } \
    viewerCan { respond sign } }";

/// Everything the case page shows (`...CaseFull`); every act answers with it, so the page
/// re-renders from the answer.
pub const CASE_FULL: &str = "fragment CaseFull on MediationCase { ...CaseItem community { id name } description \
    desiredOutcome declineReason suggestedChannel followUpNote fulfilled outsidePartyConsentedAt \
    closedAt mediators { id name } agreement { terms version draftedAt signers { id name signedAt } \
    outsidePartySigns outsidePartySignedAt } sessions { id startsAt place note } \
    timeline(first: 50) { nodes { ...CaseEntryFields } pageInfo { hasNextPage endCursor } } \
    notes { id body author { id name } createdAt } viewerRoles viewerRating \
    viewerCan { accept decline assign respond withdraw draft sign schedule message note fail \
    followUp close rate recordOutsideConsent recordOutsideSignature } }";

/// One line of the timeline (`...CaseEntryFields`).
pub const CASE_ENTRY: &str =
    "fragment CaseEntryFields on CaseEntry { id kind author { id name } body createdAt }";

/// A document with the fragments it spreads appended: each fragment's text is kept once in
/// the binary, not once per document.
pub fn with_fragments(document: &str) -> String {
    let mut out = document.to_string();
    for (spread, fragment) in [
        ("...CaseFull", CASE_FULL),
        ("...CaseItem", CASE_ITEM),
        ("...CaseEntryFields", CASE_ENTRY),
    ] {
        if out.contains(spread) {
            out.push(' ');
            out.push_str(fragment);
        }
    }
    out
}

macro_rules! case_mutation {
    ($name:literal, $signature:literal, $call:literal) => {
        concat!(
            "mutation ",
            $name,
            $signature,
            " { ",
            $call,
            " { ...CaseFull } }"
        )
    };
}

const CASE: &str = "query MediationCase($id: ID!) { mediationCase(id: $id) { ...CaseFull } }";

const MY_CASES: &str = "query MyCases($communityId: ID!) { \
    myCases(communityId: $communityId, first: 30) { nodes { ...CaseItem } \
    pageInfo { hasNextPage endCursor } } \
    assignedCases(communityId: $communityId, first: 30) { nodes { ...CaseItem } \
    pageInfo { hasNextPage endCursor } } }";

/// The next page of a timeline (the case page shows the first 50 lines).
const TIMELINE: &str =
    "query CaseTimeline($id: ID!, $after: String) { mediationCase(id: $id) { id \
    timeline(first: 50, after: $after) { nodes { ...CaseEntryFields } \
    pageInfo { hasNextPage endCursor } } } }";

/// The next page of each list of cases.
const MORE_MINE: &str = "query MoreMyCases($communityId: ID!, $after: String) { \
    list: myCases(communityId: $communityId, first: 30, after: $after) { nodes { ...CaseItem } \
    pageInfo { hasNextPage endCursor } } }";
const MORE_ASSIGNED: &str = "query MoreAssignedCases($communityId: ID!, $after: String) { \
    list: assignedCases(communityId: $communityId, first: 30, after: $after) { nodes { ...CaseItem } \
    pageInfo { hasNextPage endCursor } } }";
const MORE_QUEUE: &str =
    "query MoreCommunityCases($communityId: ID!, $overdue: Boolean, $after: String) { \
    list: communityCases(communityId: $communityId, overdue: $overdue, first: 50, after: $after) { \
    nodes { ...CaseItem } pageInfo { hasNextPage endCursor } } }";

const SET_OVERDUE_DAYS: &str = "mutation SetCaseOverdueDays($communityId: ID!, $days: Int!) { \
    setCaseOverdueDays(communityId: $communityId, days: $days) }";

const QUEUE: &str = "query CaseQueue($communityId: ID!, $overdue: Boolean) { \
    communityCases(communityId: $communityId, overdue: $overdue, first: 50) { \
    nodes { ...CaseItem } pageInfo { hasNextPage endCursor } } \
    caseStatistics(communityId: $communityId) { total overdue overdueDays medianDaysToClose \
    byCategory { category count } byStatus { status count } byMonth { month count } } }";

const NEIGHBOURS: &str = "query Neighbours($communityId: ID!, $search: String!) { \
    neighbours(communityId: $communityId, search: $search) { id name building unit } }";

const MEDIATORS: &str = "query CommunityMediators($communityId: ID!) { \
    communityMediators(communityId: $communityId) { id name } }";

const FILE: &str = case_mutation!(
    "FileCase",
    "($input: FileCaseInput!)",
    "fileCase(input: $input)"
);
const ACCEPT: &str = case_mutation!(
    "AcceptCase",
    "($id: ID!, $mediatorIds: [ID!]!)",
    "acceptCase(caseId: $id, mediatorIds: $mediatorIds)"
);
const ASSIGN: &str = case_mutation!(
    "AssignMediators",
    "($id: ID!, $mediatorIds: [ID!]!)",
    "assignMediators(caseId: $id, mediatorIds: $mediatorIds)"
);
const DECLINE: &str = case_mutation!(
    "DeclineCase",
    "($id: ID!, $reason: String!)",
    "declineCase(caseId: $id, reason: $reason)"
);
const RESPOND: &str = case_mutation!(
    "RespondToCase",
    "($id: ID!, $consent: Boolean!)",
    "respondToCase(caseId: $id, consent: $consent)"
);
const DRAFT: &str = case_mutation!(
    "DraftAgreement",
    "($id: ID!, $terms: String!)",
    "draftAgreement(caseId: $id, terms: $terms)"
);
const SIGN: &str = case_mutation!(
    "SignAgreement",
    "($id: ID!, $version: Int)",
    "signAgreement(caseId: $id, version: $version)"
);
const WITHDRAW: &str = case_mutation!("WithdrawCase", "($id: ID!)", "withdrawCase(caseId: $id)");
const SCHEDULE: &str = case_mutation!(
    "ScheduleCaseSession",
    "($id: ID!, $startsAt: DateTime!, $place: String!, $note: String)",
    "scheduleCaseSession(caseId: $id, startsAt: $startsAt, place: $place, note: $note)"
);
const MESSAGE: &str = case_mutation!(
    "PostCaseMessage",
    "($id: ID!, $body: String!)",
    "postCaseMessage(caseId: $id, body: $body)"
);
const NOTE: &str = case_mutation!(
    "AddCaseNote",
    "($id: ID!, $body: String!)",
    "addCaseNote(caseId: $id, body: $body)"
);
const OUTSIDE_CONSENT: &str = case_mutation!(
    "RecordOutsidePartyConsent",
    "($id: ID!)",
    "recordOutsidePartyConsent(caseId: $id)"
);
const OUTSIDE_SIGNATURE: &str = case_mutation!(
    "RecordOutsidePartySignature",
    "($id: ID!, $version: Int)",
    "recordOutsidePartySignature(caseId: $id, version: $version)"
);
const FAIL: &str = case_mutation!(
    "FailCase",
    "($id: ID!, $channel: String!)",
    "failCase(caseId: $id, suggestedChannel: $channel)"
);
const FOLLOW_UP: &str = case_mutation!(
    "FollowUpCase",
    "($id: ID!, $fulfilled: Boolean!, $note: String!)",
    "followUpCase(caseId: $id, fulfilled: $fulfilled, note: $note)"
);
const CLOSE: &str = case_mutation!("CloseCase", "($id: ID!)", "closeCase(caseId: $id)");
const RATE: &str = case_mutation!(
    "RateCase",
    "($id: ID!, $stars: Int!)",
    "rateCase(caseId: $id, stars: $stars)"
);

/// Every document of this module (checked against the server's schema by a test, with its
/// fragments: `with_fragments`).
#[cfg(not(target_arch = "wasm32"))]
pub const DOCUMENTS: &[(&str, &str)] = &[
    ("CASE", CASE),
    ("MY_CASES", MY_CASES),
    ("QUEUE", QUEUE),
    ("NEIGHBOURS", NEIGHBOURS),
    ("MEDIATORS", MEDIATORS),
    ("FILE", FILE),
    ("TIMELINE", TIMELINE),
    ("MORE_MINE", MORE_MINE),
    ("MORE_ASSIGNED", MORE_ASSIGNED),
    ("MORE_QUEUE", MORE_QUEUE),
    ("SET_OVERDUE_DAYS", SET_OVERDUE_DAYS),
    ("ACCEPT", ACCEPT),
    ("ASSIGN", ASSIGN),
    ("DECLINE", DECLINE),
    ("RESPOND", RESPOND),
    ("DRAFT", DRAFT),
    ("SIGN", SIGN),
    ("WITHDRAW", WITHDRAW),
    ("SCHEDULE", SCHEDULE),
    ("MESSAGE", MESSAGE),
    ("NOTE", NOTE),
    ("OUTSIDE_CONSENT", OUTSIDE_CONSENT),
    ("OUTSIDE_SIGNATURE", OUTSIDE_SIGNATURE),
    ("FAIL", FAIL),
    ("FOLLOW_UP", FOLLOW_UP),
    ("CLOSE", CLOSE),
    ("RATE", RATE),
];

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct CasePerson {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct Respondent {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub consent: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Signer {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub signed_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Agreement {
    pub terms: String,
    pub version: i64,
    #[serde(default)]
    pub drafted_at: Option<String>,
    pub signers: Vec<Signer>,
    pub outside_party_signs: bool,
    #[serde(default)]
    pub outside_party_signed_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub id: String,
    pub starts_at: String,
    pub place: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub id: String,
    pub kind: CaseEntryKind,
    #[serde(default)]
    pub author: Option<CasePerson>,
    #[serde(default)]
    pub body: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    pub id: String,
    pub body: String,
    pub author: CasePerson,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entries {
    pub nodes: Vec<Entry>,
    #[serde(default)]
    pub page_info: PageInfo,
}

/// What the viewer may do now (the server's rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CaseActions {
    pub accept: bool,
    pub decline: bool,
    pub assign: bool,
    pub respond: bool,
    pub withdraw: bool,
    pub draft: bool,
    pub sign: bool,
    pub schedule: bool,
    pub message: bool,
    pub note: bool,
    pub fail: bool,
    pub follow_up: bool,
    pub close: bool,
    pub rate: bool,
    pub record_outside_consent: bool,
    pub record_outside_signature: bool,
}

/// A case: a list selects the first fields, the case page all of them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Case {
    pub id: String,
    pub number: String,
    pub status: CaseStatus,
    pub category: CaseCategory,
    #[serde(default)]
    pub overdue: bool,
    #[serde(default)]
    pub created_at: String,
    #[serde(default)]
    pub outside_party: Option<String>,
    #[serde(default)]
    pub applicant: Option<CasePerson>,
    #[serde(default)]
    pub respondents: Vec<Respondent>,
    #[serde(default)]
    pub viewer_can: CaseActions,
    /// The case's own community (not necessarily the one chosen in the app).
    #[serde(default)]
    pub community: Option<CasePerson>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub desired_outcome: String,
    #[serde(default)]
    pub decline_reason: Option<String>,
    #[serde(default)]
    pub suggested_channel: Option<String>,
    #[serde(default)]
    pub follow_up_note: Option<String>,
    #[serde(default)]
    pub fulfilled: Option<bool>,
    #[serde(default)]
    pub outside_party_consented_at: Option<String>,
    #[serde(default)]
    pub closed_at: Option<String>,
    #[serde(default)]
    pub mediators: Vec<CasePerson>,
    #[serde(default)]
    pub agreement: Option<Agreement>,
    #[serde(default)]
    pub sessions: Vec<Session>,
    #[serde(default)]
    pub timeline: Entries,
    /// Null for anyone but an assigned mediator.
    #[serde(default)]
    pub notes: Option<Vec<Note>>,
    #[serde(default)]
    pub viewer_roles: Vec<CaseRole>,
    #[serde(default)]
    pub viewer_rating: Option<i64>,
}

impl Case {
    /// Something waits for the viewer: an answer or a signature.
    pub fn waits_for_viewer(&self) -> bool {
        self.viewer_can.respond || self.viewer_can.sign
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CasePage {
    pub nodes: Vec<Case>,
    pub page_info: PageInfo,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Neighbour {
    pub id: String,
    pub name: String,
    pub building: String,
    pub unit: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CategoryCount {
    pub category: CaseCategory,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StatusCount {
    pub status: CaseStatus,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MonthCount {
    pub month: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Statistics {
    pub total: i64,
    pub overdue: i64,
    pub overdue_days: i64,
    #[serde(default)]
    pub median_days_to_close: Option<i64>,
    pub by_category: Vec<CategoryCount>,
    pub by_status: Vec<StatusCount>,
    pub by_month: Vec<MonthCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MyCases {
    pub my_cases: CasePage,
    pub assigned_cases: CasePage,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Queue {
    pub community_cases: CasePage,
    pub case_statistics: Statistics,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CaseData {
    mediation_case: Case,
}

#[derive(Deserialize)]
struct ListData {
    list: CasePage,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OverdueDaysData {
    set_case_overdue_days: i64,
}

#[derive(Deserialize)]
struct NeighboursData {
    neighbours: Vec<Neighbour>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MediatorsData {
    community_mediators: Vec<CasePerson>,
}

/// A mutation's answer: its one field holds the case.
#[derive(Deserialize)]
struct Answer(std::collections::HashMap<String, Case>);

async fn act(document: &str, variables: serde_json::Value) -> Result<Case, ApiError> {
    let Answer(map) = graphql(&with_fragments(document), variables).await?;
    map.into_values()
        .next()
        .ok_or_else(|| ApiError::new(super::ErrorCode::Internal))
}

pub async fn case(id: &str) -> Result<Case, ApiError> {
    let data: CaseData = graphql(&with_fragments(CASE), json!({ "id": id })).await?;
    Ok(data.mediation_case)
}

pub async fn my_cases(community_id: &str) -> Result<MyCases, ApiError> {
    graphql(
        &with_fragments(MY_CASES),
        json!({ "communityId": community_id }),
    )
    .await
}

pub async fn queue(community_id: &str, overdue: bool) -> Result<Queue, ApiError> {
    graphql(
        &with_fragments(QUEUE),
        json!({ "communityId": community_id, "overdue": overdue.then_some(true) }),
    )
    .await
}

/// The timeline's lines after `after` (oldest first).
pub async fn timeline_after(id: &str, after: &str) -> Result<Entries, ApiError> {
    let data: CaseData = graphql(
        &with_fragments(TIMELINE),
        json!({ "id": id, "after": after }),
    )
    .await?;
    Ok(data.mediation_case.timeline)
}

/// Which list of cases a "more" button continues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CasesOf {
    Mine,
    Assigned,
    Community { overdue: bool },
}

/// The page of `list` after `after`.
pub async fn more_cases(
    list: CasesOf,
    community_id: &str,
    after: &str,
) -> Result<CasePage, ApiError> {
    let mut variables = json!({ "communityId": community_id, "after": after });
    let document = match list {
        CasesOf::Mine => MORE_MINE,
        CasesOf::Assigned => MORE_ASSIGNED,
        CasesOf::Community { overdue } => {
            variables["overdue"] = json!(overdue.then_some(true));
            MORE_QUEUE
        }
    };
    let data: ListData = graphql(&with_fragments(document), variables).await?;
    Ok(data.list)
}

/// Sets after how many days an open case is flagged overdue; answers the number kept.
pub async fn set_overdue_days(community_id: &str, days: i64) -> Result<i64, ApiError> {
    let data: OverdueDaysData = graphql(
        SET_OVERDUE_DAYS,
        json!({ "communityId": community_id, "days": days }),
    )
    .await?;
    Ok(data.set_case_overdue_days)
}

pub async fn neighbours(community_id: &str, search: &str) -> Result<Vec<Neighbour>, ApiError> {
    let data: NeighboursData = graphql(
        NEIGHBOURS,
        json!({ "communityId": community_id, "search": search }),
    )
    .await?;
    Ok(data.neighbours)
}

pub async fn mediators(community_id: &str) -> Result<Vec<CasePerson>, ApiError> {
    let data: MediatorsData = graphql(MEDIATORS, json!({ "communityId": community_id })).await?;
    Ok(data.community_mediators)
}

/// `fileCase`'s input.
pub struct NewCase {
    pub community_id: String,
    pub respondent_ids: Vec<String>,
    pub outside_party: Option<String>,
    pub category: CaseCategory,
    pub description: String,
    pub desired_outcome: String,
}

pub async fn file(new: &NewCase) -> Result<Case, ApiError> {
    act(
        FILE,
        json!({ "input": {
            "communityId": new.community_id,
            "respondentIds": new.respondent_ids,
            "outsideParty": new.outside_party,
            "category": new.category.as_str(),
            "description": new.description,
            "desiredOutcome": new.desired_outcome,
        }}),
    )
    .await
}

/// One act on a case, as the case page dispatches it.
#[derive(Debug, Clone, PartialEq)]
pub enum CaseAct {
    Accept(Vec<String>),
    /// The committee changes who mediates.
    Assign(Vec<String>),
    Decline(String),
    Respond(bool),
    Draft(String),
    Sign(i64),
    Withdraw,
    Schedule {
        starts_at: String,
        place: String,
        note: Option<String>,
    },
    Message(String),
    Note(String),
    OutsideConsent,
    OutsideSignature(i64),
    Fail(String),
    FollowUp {
        fulfilled: bool,
        note: String,
    },
    Close,
    Rate(i64),
}

pub async fn run(id: &str, act_: CaseAct) -> Result<Case, ApiError> {
    let (document, vars) = match act_ {
        CaseAct::Accept(ids) => (ACCEPT, json!({ "id": id, "mediatorIds": ids })),
        CaseAct::Assign(ids) => (ASSIGN, json!({ "id": id, "mediatorIds": ids })),
        CaseAct::Decline(reason) => (DECLINE, json!({ "id": id, "reason": reason })),
        CaseAct::Respond(consent) => (RESPOND, json!({ "id": id, "consent": consent })),
        CaseAct::Draft(terms) => (DRAFT, json!({ "id": id, "terms": terms })),
        CaseAct::Sign(version) => (SIGN, json!({ "id": id, "version": version })),
        CaseAct::Withdraw => (WITHDRAW, json!({ "id": id })),
        CaseAct::Schedule {
            starts_at,
            place,
            note,
        } => (
            SCHEDULE,
            json!({ "id": id, "startsAt": starts_at, "place": place, "note": note }),
        ),
        CaseAct::Message(body) => (MESSAGE, json!({ "id": id, "body": body })),
        CaseAct::Note(body) => (NOTE, json!({ "id": id, "body": body })),
        CaseAct::OutsideConsent => (OUTSIDE_CONSENT, json!({ "id": id })),
        CaseAct::OutsideSignature(version) => {
            (OUTSIDE_SIGNATURE, json!({ "id": id, "version": version }))
        }
        CaseAct::Fail(channel) => (FAIL, json!({ "id": id, "channel": channel })),
        CaseAct::FollowUp { fulfilled, note } => (
            FOLLOW_UP,
            json!({ "id": id, "fulfilled": fulfilled, "note": note }),
        ),
        CaseAct::Close => (CLOSE, json!({ "id": id })),
        CaseAct::Rate(stars) => (RATE, json!({ "id": id, "stars": stars })),
    };
    act(document, vars).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_decodes_with_only_the_list_fields_and_unknown_values() {
        let body = r#"{"data":{"mediationCase":{"id":"c","number":"2026-001","status":"IN_MEDIATION",
            "category":"SOMETHING_NEW","overdue":true,"viewerCan":{"sign":true}}}}"#;
        let data: CaseData = super::super::decode(body).unwrap_or_else(|e| panic!("{e:?}"));
        let c = data.mediation_case;
        assert_eq!(c.status, CaseStatus::InMediation);
        assert_eq!(c.category, CaseCategory::Unknown);
        assert!(c.waits_for_viewer());
        assert!(!c.viewer_can.withdraw);
        assert_eq!(c.notes, None);
    }
}
