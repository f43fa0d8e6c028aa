//! Deliberation topics (议事, DESIGN §3): serde types and typed calls.

use super::ballots::{schema_enum, BallotStatus};
use super::client::graphql;
use super::documents::topics as doc;
use super::{ApiError, ErrorCode, PageInfo};
use crate::i18n::k;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// How many topics one page of the list loads.
pub const PAGE_SIZE: i64 = 20;
/// The review queue's page. The server counts a connection's selection once per item against
/// its complexity limit (2,000): 100 summaries with their ballots cost more than that, 50 fit.
pub const REVIEW_PAGE: i64 = 50;

schema_enum!(TopicStatus {
    Proposed = "PROPOSED",
    UnderReview = "UNDER_REVIEW",
    Deliberating = "DELIBERATING",
    Rejected = "REJECTED",
    Withdrawn = "WITHDRAWN",
    Voting = "VOTING",
    Adopted = "ADOPTED",
    NotAdopted = "NOT_ADOPTED",
    Implementing = "IMPLEMENTING",
    Completed = "COMPLETED",
});

schema_enum!(TopicCategory {
    Facilities = "FACILITIES",
    Safety = "SAFETY",
    Environment = "ENVIRONMENT",
    Finance = "FINANCE",
    Services = "SERVICES",
    Other = "OTHER",
});

impl TopicStatus {
    pub fn label_key(self) -> &'static str {
        match self {
            TopicStatus::Proposed => k("topic.status.PROPOSED"),
            TopicStatus::UnderReview => k("topic.status.UNDER_REVIEW"),
            TopicStatus::Deliberating => k("topic.status.DELIBERATING"),
            TopicStatus::Rejected => k("topic.status.REJECTED"),
            TopicStatus::Withdrawn => k("topic.status.WITHDRAWN"),
            TopicStatus::Voting => k("topic.status.VOTING"),
            TopicStatus::Adopted => k("topic.status.ADOPTED"),
            TopicStatus::NotAdopted => k("topic.status.NOT_ADOPTED"),
            TopicStatus::Implementing => k("topic.status.IMPLEMENTING"),
            TopicStatus::Completed => k("topic.status.COMPLETED"),
            TopicStatus::Unknown => k("topic.status.UNKNOWN"),
        }
    }
}

impl TopicCategory {
    pub fn label_key(self) -> &'static str {
        match self {
            TopicCategory::Facilities => k("topic.category.FACILITIES"),
            TopicCategory::Safety => k("topic.category.SAFETY"),
            TopicCategory::Environment => k("topic.category.ENVIRONMENT"),
            TopicCategory::Finance => k("topic.category.FINANCE"),
            TopicCategory::Services => k("topic.category.SERVICES"),
            TopicCategory::Other | TopicCategory::Unknown => k("topic.category.OTHER"),
        }
    }
}

/// The list's filter chips: each shows some statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusFilter {
    All,
    Signing,
    Discussing,
    Voting,
    Decided,
    Closed,
}

impl StatusFilter {
    pub const ALL: [StatusFilter; 6] = [
        StatusFilter::All,
        StatusFilter::Signing,
        StatusFilter::Discussing,
        StatusFilter::Voting,
        StatusFilter::Decided,
        StatusFilter::Closed,
    ];

    /// The statuses sent as the `status` argument; `None` for all.
    pub fn statuses(self) -> Option<Vec<TopicStatus>> {
        use TopicStatus::*;
        match self {
            StatusFilter::All => None,
            StatusFilter::Signing => Some(vec![Proposed, UnderReview]),
            StatusFilter::Discussing => Some(vec![Deliberating]),
            StatusFilter::Voting => Some(vec![Voting]),
            StatusFilter::Decided => Some(vec![Adopted, Implementing, Completed, NotAdopted]),
            StatusFilter::Closed => Some(vec![Rejected, Withdrawn]),
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            StatusFilter::All => k("topics.filter.all"),
            StatusFilter::Signing => k("topics.filter.signing"),
            StatusFilter::Discussing => k("topics.filter.discussing"),
            StatusFilter::Voting => k("topics.filter.voting"),
            StatusFilter::Decided => k("topics.filter.decided"),
            StatusFilter::Closed => k("topics.filter.closed"),
        }
    }

    /// Its name in the address (`/topics?status=voting`).
    pub fn slug(self) -> &'static str {
        match self {
            StatusFilter::All => "all",
            StatusFilter::Signing => "signing",
            StatusFilter::Discussing => "discussing",
            StatusFilter::Voting => "voting",
            StatusFilter::Decided => "decided",
            StatusFilter::Closed => "closed",
        }
    }

    pub fn from_slug(slug: &str) -> StatusFilter {
        Self::ALL
            .into_iter()
            .find(|f| f.slug() == slug)
            .unwrap_or(StatusFilter::All)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Person {
    pub id: String,
    pub name: String,
}

/// The ballot of a topic, as the list sees it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BallotRef {
    pub id: String,
    pub status: BallotStatus,
    pub closes_at: String,
    pub viewer_eligible: bool,
    pub viewer_has_voted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicSummary {
    pub id: String,
    pub title: String,
    pub category: TopicCategory,
    pub status: TopicStatus,
    pub cosign_count: i64,
    pub cosign_threshold: i64,
    pub proposer: Person,
    pub created_at: String,
    pub viewer_can_cosign: bool,
    #[serde(default)]
    pub ballot: Option<BallotRef>,
}

impl TopicSummary {
    /// Voting is open and the viewer may vote but has not.
    pub fn needs_vote(&self) -> bool {
        self.status == TopicStatus::Voting
            && self.ballot.as_ref().is_some_and(|b| {
                b.status == BallotStatus::Open && b.viewer_eligible && !b.viewer_has_voted
            })
    }

    /// Collecting co-signatures, and the viewer may add one.
    pub fn needs_cosign(&self) -> bool {
        self.status == TopicStatus::Proposed && self.viewer_can_cosign
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    pub id: String,
    /// Null when hidden and the viewer is not on the committee.
    #[serde(default)]
    pub body: Option<String>,
    pub author: Person,
    pub created_at: String,
    #[serde(default)]
    pub parent_id: Option<String>,
    pub hidden: bool,
    #[serde(default)]
    pub hidden_reason: Option<String>,
    /// For the committee only.
    #[serde(default)]
    pub report_count: Option<i64>,
    /// The first replies (absent on a reply).
    #[serde(default)]
    pub replies: Page<Comment>,
}

/// One page of a connection, and how many items there are over all pages.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub nodes: Vec<T>,
    pub page_info: PageInfo,
    pub total_count: i64,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            nodes: Vec::new(),
            page_info: PageInfo::default(),
            total_count: 0,
        }
    }
}

impl<T> Page<T> {
    /// This page followed by the next one.
    pub fn extend(&mut self, next: Page<T>) {
        self.nodes.extend(next.nodes);
        self.page_info = next.page_info;
        self.total_count = next.total_count;
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicUpdate {
    pub percent: i64,
    pub note: String,
    pub created_at: String,
    pub author: Person,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Rating {
    #[serde(default)]
    pub average: Option<String>,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Topic {
    #[serde(flatten)]
    pub summary: TopicSummary,
    pub community_id: String,
    pub body: String,
    #[serde(default)]
    pub reject_reason: Option<String>,
    pub progress: i64,
    pub viewer_has_cosigned: bool,
    #[serde(default)]
    pub viewer_rating: Option<i64>,
    pub viewer_can: TopicActions,
    pub rating: Rating,
    pub updates: Page<TopicUpdate>,
    pub comments: Page<Comment>,
}

/// What the viewer may do with a topic now, as the server decides it (`Topic.viewerCan`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicActions {
    pub withdraw: bool,
    pub accept: bool,
    pub reject: bool,
    pub open_ballot: bool,
    pub post_progress: bool,
    pub complete: bool,
    pub comment: bool,
    pub rate: bool,
    /// With `open_ballot`: the counting rules each electorate may use.
    #[serde(default)]
    pub open_ballot_rules: Vec<super::ballots::ElectorateRules>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicPage {
    pub nodes: Vec<TopicSummary>,
    pub page_info: PageInfo,
    pub total_count: i64,
}

/// An open ballot waiting for the viewer's (or their household's) vote.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BallotToVote {
    pub id: String,
    #[serde(default)]
    pub topic_id: Option<String>,
    pub question: String,
    pub closes_at: String,
}

/// What the viewer could do now (`needsMe`): ballots to vote in, closing soonest first, and
/// topics to co-sign.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NeedsMe {
    #[serde(rename = "ballots", deserialize_with = "nodes")]
    pub vote: Vec<BallotToVote>,
    #[serde(rename = "topicsToCosign", deserialize_with = "nodes")]
    pub cosign: Vec<TopicSummary>,
    /// The viewer's open mediation cases (as a party or mediator).
    #[serde(deserialize_with = "nodes", default)]
    pub cases: Vec<CaseNeed>,
    /// Nominations of the viewer (or their household) waiting for their consent.
    #[serde(default)]
    pub nominations: Vec<NominationNeed>,
    /// The viewer's next events (confirmed or waitlisted), soonest first.
    #[serde(default)]
    pub events: Vec<EventNeed>,
}

/// One of the viewer's next events, on Home.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventNeed {
    pub status: String,
    #[serde(default)]
    pub waitlist_position: Option<i64>,
    pub event: EventNeedRef,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventNeedRef {
    pub id: String,
    pub title: String,
    pub starts_at: String,
}

/// A nomination waiting for the viewer's consent, on Home.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct NominationNeed {
    pub id: String,
    pub campaign: Titled,
    pub category: Named,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Titled {
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Named {
    pub name: String,
}

/// An open mediation case on Home, and whether it waits for the viewer (the server's
/// `viewerCan`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CaseNeed {
    pub id: String,
    pub number: String,
    #[serde(rename = "viewerCan")]
    pub can: CaseNeedActions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(default)]
pub struct CaseNeedActions {
    pub respond: bool,
    pub sign: bool,
}

/// A connection read as its nodes only.
fn nodes<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    #[derive(Deserialize)]
    struct Nodes<T> {
        nodes: Vec<T>,
    }
    Nodes::deserialize(deserializer).map(|n| n.nodes)
}

impl NeedsMe {
    pub fn is_empty(&self) -> bool {
        self.vote.is_empty()
            && self.cosign.is_empty()
            && self.cases.is_empty()
            && self.nominations.is_empty()
            && self.events.is_empty()
    }
}

/// Co-sign progress, 0–100, for the progress bar.
pub fn cosign_percent(count: i64, threshold: i64) -> i64 {
    if threshold <= 0 {
        return 100;
    }
    (count.max(0) * 100 / threshold).min(100)
}

/// A title is 4–100 characters and a body 10–5,000 (as the server checks); `Err` holds the
/// field and a locale key.
pub fn check_proposal(title: &str, body: &str) -> Result<(), (&'static str, &'static str)> {
    let title_chars = title.trim().chars().count();
    let body_chars = body.trim().chars().count();
    if !(4..=100).contains(&title_chars) {
        Err(("title", k("error.field.title")))
    } else if !(10..=5000).contains(&body_chars) {
        Err(("body", k("error.field.body")))
    } else {
        Ok(())
    }
}

// ---- calls -----------------------------------------------------------------------------------

#[derive(Deserialize)]
struct TopicsData {
    topics: TopicPage,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NeedsMeData {
    needs_me: NeedsMe,
}

#[derive(Deserialize)]
struct TopicData {
    topic: Option<Topic>,
}

/// Any mutation that answers with a topic, whatever its name.
#[derive(Deserialize)]
struct OneTopic(std::collections::HashMap<String, Topic>);

impl OneTopic {
    fn take(self) -> Result<Topic, ApiError> {
        self.0
            .into_values()
            .next()
            .ok_or_else(|| ApiError::new(ErrorCode::Internal))
    }
}

#[derive(Deserialize)]
struct OneComment(std::collections::HashMap<String, Comment>);

impl OneComment {
    fn take(self) -> Result<Comment, ApiError> {
        self.0
            .into_values()
            .next()
            .ok_or_else(|| ApiError::new(ErrorCode::Internal))
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ListVariables<'a> {
    community_id: &'a str,
    status: Option<Vec<TopicStatus>>,
    first: i64,
    after: Option<String>,
}

pub async fn topics(
    community_id: &str,
    statuses: Option<Vec<TopicStatus>>,
    first: i64,
    after: Option<String>,
) -> Result<TopicPage, ApiError> {
    let variables = ListVariables {
        community_id,
        status: statuses,
        first,
        after,
    };
    let data: TopicsData = graphql(doc::TOPICS, json!(variables)).await?;
    Ok(data.topics)
}

/// Open ballots the viewer has not voted in and topics the viewer can co-sign.
pub async fn needs_me(community_id: &str) -> Result<NeedsMe, ApiError> {
    let data: NeedsMeData = graphql(doc::NEEDS_ME, json!({ "communityId": community_id })).await?;
    Ok(data.needs_me)
}

#[derive(Deserialize)]
struct CommentsData {
    topic: Option<CommentsOf>,
}

#[derive(Deserialize)]
struct CommentsOf {
    comments: Page<Comment>,
}

#[derive(Deserialize)]
struct UpdatesData {
    topic: Option<UpdatesOf>,
}

#[derive(Deserialize)]
struct UpdatesOf {
    updates: Page<TopicUpdate>,
}

#[derive(Deserialize)]
struct RepliesData {
    comment: Option<RepliesOf>,
}

#[derive(Deserialize)]
struct RepliesOf {
    replies: Page<Comment>,
}

/// The next page of a topic's comments (after the cursor of the last one shown).
pub async fn more_comments(topic_id: &str, after: &str) -> Result<Page<Comment>, ApiError> {
    let data: CommentsData = graphql(
        doc::TOPIC_COMMENTS,
        json!({ "id": topic_id, "after": after }),
    )
    .await?;
    data.topic
        .map(|t| t.comments)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound))
}

/// The next page of a comment's replies.
pub async fn more_replies(comment_id: &str, after: &str) -> Result<Page<Comment>, ApiError> {
    let data: RepliesData = graphql(
        doc::COMMENT_REPLIES,
        json!({ "id": comment_id, "after": after }),
    )
    .await?;
    data.comment
        .map(|c| c.replies)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound))
}

/// The next page of a topic's progress updates.
pub async fn more_updates(topic_id: &str, after: &str) -> Result<Page<TopicUpdate>, ApiError> {
    let data: UpdatesData = graphql(
        doc::TOPIC_UPDATES,
        json!({ "id": topic_id, "after": after }),
    )
    .await?;
    data.topic
        .map(|t| t.updates)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound))
}

pub async fn topic(id: &str) -> Result<Topic, ApiError> {
    let data: TopicData = graphql(doc::TOPIC, json!({ "id": id })).await?;
    data.topic.ok_or_else(|| ApiError::new(ErrorCode::NotFound))
}

pub async fn propose(
    community_id: &str,
    title: &str,
    body: &str,
    category: TopicCategory,
) -> Result<Topic, ApiError> {
    let variables = json!({
        "communityId": community_id,
        "title": title.trim(),
        "body": body.trim(),
        "category": category,
    });
    graphql::<OneTopic>(doc::PROPOSE_TOPIC, variables)
        .await?
        .take()
}

async fn on_topic(query: super::Document, topic_id: &str) -> Result<Topic, ApiError> {
    graphql::<OneTopic>(query, json!({ "topicId": topic_id }))
        .await?
        .take()
}

pub async fn cosign(topic_id: &str) -> Result<Topic, ApiError> {
    on_topic(doc::COSIGN_TOPIC, topic_id).await
}

pub async fn accept(topic_id: &str) -> Result<Topic, ApiError> {
    on_topic(doc::ACCEPT_TOPIC, topic_id).await
}

pub async fn withdraw(topic_id: &str) -> Result<Topic, ApiError> {
    on_topic(doc::WITHDRAW_TOPIC, topic_id).await
}

pub async fn complete(topic_id: &str) -> Result<Topic, ApiError> {
    on_topic(doc::COMPLETE_TOPIC, topic_id).await
}

pub async fn reject(topic_id: &str, reason: &str) -> Result<Topic, ApiError> {
    graphql::<OneTopic>(
        doc::REJECT_TOPIC,
        json!({ "topicId": topic_id, "reason": reason.trim() }),
    )
    .await?
    .take()
}

pub async fn post_progress(topic_id: &str, percent: i64, note: &str) -> Result<Topic, ApiError> {
    graphql::<OneTopic>(
        doc::POST_TOPIC_PROGRESS,
        json!({ "topicId": topic_id, "percent": percent, "note": note.trim() }),
    )
    .await?
    .take()
}

pub async fn rate(topic_id: &str, stars: i64) -> Result<Topic, ApiError> {
    graphql::<OneTopic>(
        doc::RATE_TOPIC,
        json!({ "topicId": topic_id, "stars": stars }),
    )
    .await?
    .take()
}

pub async fn comment(
    topic_id: &str,
    body: &str,
    parent_id: Option<&str>,
) -> Result<Comment, ApiError> {
    graphql::<OneComment>(
        doc::COMMENT_ON_TOPIC,
        json!({ "topicId": topic_id, "body": body.trim(), "parentId": parent_id }),
    )
    .await?
    .take()
}

pub async fn hide_comment(comment_id: &str, reason: &str) -> Result<Comment, ApiError> {
    graphql::<OneComment>(
        doc::HIDE_COMMENT,
        json!({ "commentId": comment_id, "reason": reason.trim() }),
    )
    .await?
    .take()
}

pub async fn report_comment(comment_id: &str, reason: &str) -> Result<Comment, ApiError> {
    graphql::<OneComment>(
        doc::REPORT_COMMENT,
        json!({ "commentId": comment_id, "reason": reason.trim() }),
    )
    .await?
    .take()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_me_decodes_ballots_and_topics_to_cosign() {
        let body = r#"{"needsMe":{"ballots":{"nodes":[{"id":"b","topicId":"t1","question":"是否加装电梯？",
            "closesAt":"2026-01-08T00:00:00Z"}]},"topicsToCosign":{"nodes":[{"id":"t2","title":"修路灯",
            "category":"SAFETY","status":"PROPOSED","cosignCount":1,"cosignThreshold":5,
            "proposer":{"id":"r","name":"王"},"createdAt":"2026-01-01T00:00:00Z",
            "viewerCanCosign":true,"ballot":null}]}}}"#;
        let data: Result<NeedsMeData, _> = serde_json::from_str(body);
        let needs = data.map(|d| d.needs_me).unwrap_or_default();
        assert_eq!(needs.vote.len(), 1);
        assert_eq!(needs.vote[0].topic_id.as_deref(), Some("t1"));
        assert_eq!(needs.cosign.len(), 1);
        assert!(needs.cosign[0].needs_cosign());
        assert!(!needs.is_empty());
        assert!(NeedsMe::default().is_empty());
    }

    #[test]
    fn the_needs_me_query_names_the_new_fields() {
        assert!(doc::NEEDS_ME
            .text()
            .contains("needsMe(communityId:$communityId)"));
        assert!(doc::NEEDS_ME
            .text()
            .contains("topicsToCosign(first:20){nodes{...TopicSummary}}"));
        assert!(doc::NEEDS_ME
            .text()
            .contains("fragment TopicSummary on Topic{id title"));
    }

    #[test]
    fn cosign_progress_is_capped() {
        assert_eq!(cosign_percent(2, 5), 40);
        assert_eq!(cosign_percent(7, 5), 100);
        assert_eq!(cosign_percent(0, 0), 100);
    }

    #[test]
    fn filters_round_trip_through_the_address() {
        for f in StatusFilter::ALL {
            assert_eq!(StatusFilter::from_slug(f.slug()), f);
        }
        assert_eq!(StatusFilter::from_slug("nonsense"), StatusFilter::All);
        assert_eq!(
            json!(StatusFilter::Signing.statuses()).to_string(),
            r#"["PROPOSED","UNDER_REVIEW"]"#
        );
    }

    #[test]
    fn proposals_are_checked_like_the_server_does() {
        assert_eq!(check_proposal("加装电梯", "一楼到六楼都需要电梯。"), Ok(()));
        assert_eq!(
            check_proposal("电梯", "一楼到六楼都需要电梯。").map_err(|e| e.0),
            Err("title")
        );
        assert_eq!(
            check_proposal("加装电梯", "太短").map_err(|e| e.0),
            Err("body")
        );
    }

    #[test]
    fn a_topic_decodes_with_hidden_comments_and_unknown_values() {
        let body = r#"{"id":"t","title":"加装电梯","category":"PARKING","status":"VOTING","cosignCount":5,
            "cosignThreshold":5,"proposer":{"id":"r","name":"王"},"createdAt":"2026-01-01T00:00:00Z",
            "viewerCanCosign":false,"ballot":{"id":"b","status":"OPEN","closesAt":"2026-01-08T00:00:00Z",
            "viewerEligible":true,"viewerHasVoted":false},"communityId":"c","body":"……","rejectReason":null,
            "progress":0,"viewerHasCosigned":true,"viewerRating":null,"rating":{"average":null,"count":0},
            "viewerCan":{"withdraw":false,"accept":false,"reject":false,"openBallot":false,
            "postProgress":false,"complete":false,"comment":true,"rate":false},
            "updates":{"nodes":[],"pageInfo":{"hasNextPage":false,"endCursor":null},"totalCount":0},
            "comments":{"nodes":[{"id":"c1","body":null,"author":{"id":"r2","name":"李"},
            "createdAt":"2026-01-02T00:00:00Z","parentId":null,"hidden":true,"hiddenReason":"广告",
            "reportCount":null,"replies":{"nodes":[],"pageInfo":{"hasNextPage":false,"endCursor":null},
            "totalCount":0}}],"pageInfo":{"hasNextPage":true,"endCursor":"MA"},"totalCount":11}}"#;
        let topic: Result<Topic, _> = serde_json::from_str(body);
        let topic = topic.ok();
        assert_eq!(
            topic.as_ref().map(|t| t.summary.category),
            Some(TopicCategory::Unknown)
        );
        assert_eq!(topic.as_ref().map(|t| t.summary.needs_vote()), Some(true));
        assert_eq!(
            topic
                .as_ref()
                .and_then(|t| t.comments.nodes[0].hidden_reason.clone()),
            Some("广告".into())
        );
        assert_eq!(
            topic.map(|t| (t.comments.total_count, t.comments.page_info.has_next_page)),
            Some((11, true))
        );
    }

    #[test]
    fn a_next_page_is_appended() {
        let mut page = Page {
            nodes: vec![1, 2],
            page_info: PageInfo {
                has_next_page: true,
                end_cursor: Some("MQ".into()),
            },
            total_count: 3,
        };
        page.extend(Page {
            nodes: vec![3],
            page_info: PageInfo::default(),
            total_count: 3,
        });
        assert_eq!(page.nodes, vec![1, 2, 3]);
        assert!(!page.page_info.has_next_page);
    }

    #[test]
    fn the_topic_query_pages_its_lists() {
        assert!(doc::TOPIC
            .text()
            .contains("comments(first:10){...CommentPage}"));
        assert!(doc::TOPIC
            .text()
            .contains("fragment CommentPage on CommentConnection{totalCount pageInfo"));
        assert!(doc::TOPIC.text().contains("replies(first:3)"));
        assert!(doc::COMMENT_REPLIES
            .text()
            .contains("comment(id:$id){replies(first:20 after:$after)"));
    }

    #[test]
    fn any_topic_mutation_answer_is_read() {
        let body = r#"{"cosignTopic":{"id":"t","title":"加装电梯","category":"SAFETY","status":"PROPOSED","cosignCount":2,
            "cosignThreshold":5,"proposer":{"id":"r","name":"王"},"createdAt":"2026-01-01T00:00:00Z",
            "viewerCanCosign":false,"ballot":null,"communityId":"c","body":"……","progress":0,
            "viewerHasCosigned":true,"rating":{"count":0},
            "viewerCan":{"withdraw":true,"accept":false,"reject":false,"openBallot":false,
            "postProgress":false,"complete":false,"comment":true,"rate":false},
            "updates":{"nodes":[],"pageInfo":{"hasNextPage":false},"totalCount":0},
            "comments":{"nodes":[],"pageInfo":{"hasNextPage":false},"totalCount":0}}}"#;
        let one: Result<OneTopic, _> = serde_json::from_str(body);
        let topic = one.ok().and_then(|o| o.take().ok());
        // What the viewer may do is the server's answer, read as it is.
        assert_eq!(
            topic.map(|t| (
                t.summary.cosign_count,
                t.viewer_can.withdraw,
                t.viewer_can.rate
            )),
            Some((2, true, false))
        );
    }
}
