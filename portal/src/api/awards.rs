//! Civility awards (文明评选, DESIGN §6): serde types and typed calls. What the
//! viewer may do is the server's `viewerCan` (the portal decides no phase or status rule).

use super::ballots::schema_enum;
use super::client::graphql;
use super::documents::awards as doc;
use super::{ApiError, PageInfo};
use serde::{Deserialize, Serialize};
use serde_json::json;

schema_enum!(NomineeKind {
    Household = "HOUSEHOLD",
    Building = "BUILDING",
    Resident = "RESIDENT",
});

schema_enum!(NominationStatus {
    AwaitingConsent = "AWAITING_CONSENT",
    Open = "OPEN",
    Declined = "DECLINED",
    Qualified = "QUALIFIED",
    Shortlisted = "SHORTLISTED",
    Awarded = "AWARDED",
    NotSelected = "NOT_SELECTED",
});

schema_enum!(CampaignPhase {
    Nominating = "NOMINATING",
    Endorsing = "ENDORSING",
    Reviewing = "REVIEWING",
    Announced = "ANNOUNCED",
});

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Category {
    pub id: String,
    pub name: String,
    pub nominee_kind: NomineeKind,
    #[serde(default)]
    pub winners: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CampaignActions {
    pub nominate: bool,
    pub advance: bool,
    pub shortlist: bool,
    pub open_ballot: bool,
    pub announce: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct Named {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Vote {
    pub id: String,
    pub category_id: String,
    pub status: String,
    pub closes_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Nominations {
    pub nodes: Vec<Nomination>,
    #[serde(default)]
    pub page_info: PageInfo,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Campaign {
    pub id: String,
    pub title: String,
    pub year: i64,
    pub phase: CampaignPhase,
    pub endorsement_threshold: i64,
    pub nominate_until: String,
    pub endorse_until: String,
    pub review_until: String,
    #[serde(default)]
    pub announced_at: Option<String>,
    pub categories: Vec<Category>,
    #[serde(default)]
    pub viewer_can: CampaignActions,
    #[serde(default)]
    pub community: Option<Named>,
    #[serde(default)]
    pub votes: Vec<Vote>,
    /// The campaign page only: where the viewer may open a public vote (the server's rule).
    #[serde(default)]
    pub vote_categories: VoteCategories,
    #[serde(default)]
    pub nominations: Nominations,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct VoteCategories {
    pub open_ballot_category_ids: Vec<String>,
}

impl Campaign {
    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Nominee {
    pub kind: NomineeKind,
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(default)]
pub struct NominationActions {
    pub consent: bool,
    pub endorse: bool,
    pub shortlist: bool,
    /// The committee may name it a winner.
    pub award: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Nomination {
    pub id: String,
    pub status: NominationStatus,
    pub endorsement_count: i64,
    pub story: String,
    #[serde(default)]
    pub shortlist_note: Option<String>,
    pub created_at: String,
    #[serde(default)]
    pub viewer_endorsed: bool,
    #[serde(default)]
    pub viewer_is_nominee: bool,
    pub nominee: Nominee,
    pub nominator: Named,
    pub category: Category,
    #[serde(default)]
    pub viewer_can: NominationActions,
    /// Only where the document asks for it (the nomination page).
    #[serde(default)]
    pub campaign: Option<Box<Campaign>>,
}

/// An award on the honour roll.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Award {
    pub id: String,
    pub year: i64,
    pub campaign_title: String,
    #[serde(default)]
    pub awarded_at: Option<String>,
    pub category: Named,
    pub nominee: Nominee,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CampaignsData {
    award_campaigns: CampaignPage,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CampaignPage {
    pub nodes: Vec<Campaign>,
    #[serde(default)]
    pub page_info: PageInfo,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CampaignData {
    award_campaign: Campaign,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VoteCategoriesData {
    award_campaign: VoteCategoriesOf,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VoteCategoriesOf {
    vote_categories: VoteCategories,
}

#[derive(Deserialize)]
struct NominationData {
    nomination: Nomination,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HonourRollData {
    honour_roll: Vec<Award>,
}

#[derive(Deserialize)]
struct NomineesData {
    nominees: Vec<Nominee>,
}

/// A mutation's answer: its one field holds the value.
#[derive(Deserialize)]
struct Answer<T>(std::collections::HashMap<String, T>);

async fn answer<T: serde::de::DeserializeOwned>(
    document: super::Document,
    variables: serde_json::Value,
) -> Result<T, ApiError> {
    let Answer(map) = graphql(document, variables).await?;
    map.into_values()
        .next()
        .ok_or_else(|| ApiError::new(super::ErrorCode::Internal))
}

pub async fn campaigns(community_id: &str, after: Option<&str>) -> Result<CampaignPage, ApiError> {
    let data: CampaignsData = graphql(
        doc::AWARD_CAMPAIGNS,
        json!({ "communityId": community_id, "after": after }),
    )
    .await?;
    Ok(data.award_campaigns)
}

/// A campaign with a page of its nominations (the first, or the one after `after`).
pub async fn campaign(id: &str, after: Option<&str>) -> Result<Campaign, ApiError> {
    let data: CampaignData =
        graphql(doc::AWARD_CAMPAIGN, json!({ "id": id, "after": after })).await?;
    Ok(data.award_campaign)
}

/// The categories of a campaign where the viewer may open a public vote now.
pub async fn vote_categories(id: &str) -> Result<Vec<String>, ApiError> {
    let data: VoteCategoriesData =
        graphql(doc::CAMPAIGN_VOTE_CATEGORIES, json!({ "id": id })).await?;
    Ok(data.award_campaign.vote_categories.open_ballot_category_ids)
}

pub async fn nomination(id: &str) -> Result<Nomination, ApiError> {
    let data: NominationData = graphql(doc::NOMINATION, json!({ "id": id })).await?;
    Ok(data.nomination)
}

pub async fn honour_roll(community_id: &str) -> Result<Vec<Award>, ApiError> {
    let data: HonourRollData =
        graphql(doc::HONOUR_ROLL, json!({ "communityId": community_id })).await?;
    Ok(data.honour_roll)
}

pub async fn nominees(
    community_id: &str,
    kind: NomineeKind,
    search: &str,
) -> Result<Vec<Nominee>, ApiError> {
    let data: NomineesData = graphql(
        doc::NOMINEES,
        json!({ "communityId": community_id, "kind": kind.as_str(), "search": search }),
    )
    .await?;
    Ok(data.nominees)
}

/// A category as the committee describes it in the new-campaign form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCategory {
    pub name: String,
    pub nominee_kind: NomineeKind,
    pub winners: i64,
}

/// `createAwardCampaign`'s input (times in UTC, RFC 3339).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCampaign {
    pub community_id: String,
    pub title: String,
    pub year: i64,
    pub endorsement_threshold: i64,
    pub categories: Vec<NewCategory>,
    pub nominate_until: String,
    pub endorse_until: String,
    pub review_until: String,
}

pub async fn create(new: &NewCampaign) -> Result<Campaign, ApiError> {
    let categories: Vec<serde_json::Value> = new
        .categories
        .iter()
        .map(|c| json!({ "name": c.name, "nomineeKind": c.nominee_kind.as_str(), "winners": c.winners }))
        .collect();
    answer(
        doc::CREATE_AWARD_CAMPAIGN,
        json!({ "input": {
            "communityId": new.community_id,
            "title": new.title,
            "year": new.year,
            "endorsementThreshold": new.endorsement_threshold,
            "categories": categories,
            "nominateUntil": new.nominate_until,
            "endorseUntil": new.endorse_until,
            "reviewUntil": new.review_until,
        }}),
    )
    .await
}

pub async fn nominate(
    campaign_id: &str,
    category_id: &str,
    nominee_id: &str,
    story: &str,
) -> Result<Nomination, ApiError> {
    answer(
        doc::NOMINATE,
        json!({ "campaignId": campaign_id, "categoryId": category_id, "nomineeId": nominee_id, "story": story }),
    )
    .await
}

/// One act on a nomination, as its card dispatches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NominationAct {
    Consent(bool),
    Endorse,
    Shortlist(String),
}

pub async fn run(id: &str, act: NominationAct) -> Result<Nomination, ApiError> {
    let (document, vars) = match act {
        NominationAct::Consent(yes) => (
            doc::CONSENT_TO_NOMINATION,
            json!({ "id": id, "consent": yes }),
        ),
        NominationAct::Endorse => (doc::ENDORSE, json!({ "id": id })),
        NominationAct::Shortlist(note) => (
            doc::SHORTLIST_NOMINATION,
            json!({ "id": id, "note": Some(note).filter(|n| !n.trim().is_empty()) }),
        ),
    };
    answer(document, vars).await
}

pub async fn advance(id: &str) -> Result<Campaign, ApiError> {
    answer(doc::ADVANCE_CAMPAIGN, json!({ "id": id })).await
}

pub async fn announce(id: &str, nomination_ids: &[String]) -> Result<Campaign, ApiError> {
    answer(
        doc::ANNOUNCE_AWARDS,
        json!({ "id": id, "nominationIds": nomination_ids }),
    )
    .await
}

#[derive(Deserialize)]
struct Opened {
    id: String,
}

/// Opens the public vote on a category's shortlist: approval voting by residents, secret,
/// closing at `closes_at` (UTC).
pub async fn open_vote(
    campaign_id: &str,
    category_id: &str,
    question: &str,
    closes_at: &str,
) -> Result<String, ApiError> {
    let opened: Opened = answer(
        doc::OPEN_CAMPAIGN_VOTE,
        json!({ "input": {
            "campaignId": campaign_id, "categoryId": category_id, "question": question,
            "kind": "CHOICE", "method": "APPROVAL", "electorate": "RESIDENTS", "rule": "PLURALITY",
            "secret": true, "closesAt": closes_at,
        }}),
    )
    .await?;
    Ok(opened.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nomination_decodes_with_unknown_values_and_without_its_campaign() {
        let body = r#"{"data":{"nomination":{"id":"n","status":"SOMETHING_NEW","endorsementCount":3,
            "story":"s","createdAt":"2026-12-01T00:00:00Z","nominee":{"kind":"BUILDING","id":"b","name":"1栋"},
            "nominator":{"id":"r","name":"陈静"},"category":{"id":"c","name":"文明楼栋","nomineeKind":"BUILDING"},
            "viewerCan":{"endorse":true}}}}"#;
        let data: NominationData = super::super::decode(body).unwrap_or_else(|e| panic!("{e:?}"));
        let n = data.nomination;
        assert_eq!(n.status, NominationStatus::Unknown);
        assert_eq!(n.nominee.kind, NomineeKind::Building);
        assert!(n.viewer_can.endorse && !n.viewer_can.consent);
        assert!(n.campaign.is_none());
    }
}
