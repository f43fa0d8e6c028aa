//! Dispute mediation (矛盾调处, DESIGN §5): serde types and typed calls. What the
//! viewer may do with a case is the server's `viewerCan` (the portal decides no step).

use super::ballots::schema_enum;
use super::client::graphql;
use super::documents::mediation as doc;
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
    Message = "doc::POST_CASE_MESSAGE",
    Filed = "FILED",
    Accepted = "ACCEPTED",
    Declined = "DECLINED",
    MediatorsAssigned = "MEDIATORS_ASSIGNED",
    Consented = "CONSENTED",
    Refused = "REFUSED",
    OutsideConsent = "doc::RECORD_OUTSIDE_PARTY_CONSENT",
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

async fn act(document: super::Document, variables: serde_json::Value) -> Result<Case, ApiError> {
    let Answer(map) = graphql(document, variables).await?;
    map.into_values()
        .next()
        .ok_or_else(|| ApiError::new(super::ErrorCode::Internal))
}

pub async fn case(id: &str) -> Result<Case, ApiError> {
    let data: CaseData = graphql(doc::MEDIATION_CASE, json!({ "id": id })).await?;
    Ok(data.mediation_case)
}

pub async fn my_cases(community_id: &str) -> Result<MyCases, ApiError> {
    graphql(doc::MY_CASES, json!({ "communityId": community_id })).await
}

pub async fn queue(community_id: &str, overdue: bool) -> Result<Queue, ApiError> {
    graphql(
        doc::CASE_QUEUE,
        json!({ "communityId": community_id, "overdue": overdue.then_some(true) }),
    )
    .await
}

/// The timeline's lines after `after` (oldest first).
pub async fn timeline_after(id: &str, after: &str) -> Result<Entries, ApiError> {
    let data: CaseData = graphql(doc::CASE_TIMELINE, json!({ "id": id, "after": after })).await?;
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
        CasesOf::Mine => doc::MORE_MY_CASES,
        CasesOf::Assigned => doc::MORE_ASSIGNED_CASES,
        CasesOf::Community { overdue } => {
            variables["overdue"] = json!(overdue.then_some(true));
            doc::MORE_COMMUNITY_CASES
        }
    };
    let data: ListData = graphql(document, variables).await?;
    Ok(data.list)
}

/// Sets after how many days an open case is flagged overdue; answers the number kept.
pub async fn set_overdue_days(community_id: &str, days: i64) -> Result<i64, ApiError> {
    let data: OverdueDaysData = graphql(
        doc::SET_CASE_OVERDUE_DAYS,
        json!({ "communityId": community_id, "days": days }),
    )
    .await?;
    Ok(data.set_case_overdue_days)
}

pub async fn neighbours(community_id: &str, search: &str) -> Result<Vec<Neighbour>, ApiError> {
    let data: NeighboursData = graphql(
        doc::NEIGHBOURS,
        json!({ "communityId": community_id, "search": search }),
    )
    .await?;
    Ok(data.neighbours)
}

pub async fn mediators(community_id: &str) -> Result<Vec<CasePerson>, ApiError> {
    let data: MediatorsData = graphql(
        doc::COMMUNITY_MEDIATORS,
        json!({ "communityId": community_id }),
    )
    .await?;
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
        doc::FILE_CASE,
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
        CaseAct::Accept(ids) => (doc::ACCEPT_CASE, json!({ "id": id, "mediatorIds": ids })),
        CaseAct::Assign(ids) => (
            doc::ASSIGN_MEDIATORS,
            json!({ "id": id, "mediatorIds": ids }),
        ),
        CaseAct::Decline(reason) => (doc::DECLINE_CASE, json!({ "id": id, "reason": reason })),
        CaseAct::Respond(consent) => (
            doc::RESPOND_TO_CASE,
            json!({ "id": id, "consent": consent }),
        ),
        CaseAct::Draft(terms) => (doc::DRAFT_AGREEMENT, json!({ "id": id, "terms": terms })),
        CaseAct::Sign(version) => (doc::SIGN_AGREEMENT, json!({ "id": id, "version": version })),
        CaseAct::Withdraw => (doc::WITHDRAW_CASE, json!({ "id": id })),
        CaseAct::Schedule {
            starts_at,
            place,
            note,
        } => (
            doc::SCHEDULE_CASE_SESSION,
            json!({ "id": id, "startsAt": starts_at, "place": place, "note": note }),
        ),
        CaseAct::Message(body) => (doc::POST_CASE_MESSAGE, json!({ "id": id, "body": body })),
        CaseAct::Note(body) => (doc::ADD_CASE_NOTE, json!({ "id": id, "body": body })),
        CaseAct::OutsideConsent => (doc::RECORD_OUTSIDE_PARTY_CONSENT, json!({ "id": id })),
        CaseAct::OutsideSignature(version) => (
            doc::RECORD_OUTSIDE_PARTY_SIGNATURE,
            json!({ "id": id, "version": version }),
        ),
        CaseAct::Fail(channel) => (doc::FAIL_CASE, json!({ "id": id, "channel": channel })),
        CaseAct::FollowUp { fulfilled, note } => (
            doc::FOLLOW_UP_CASE,
            json!({ "id": id, "fulfilled": fulfilled, "note": note }),
        ),
        CaseAct::Close => (doc::CLOSE_CASE, json!({ "id": id })),
        CaseAct::Rate(stars) => (doc::RATE_CASE, json!({ "id": id, "stars": stars })),
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
