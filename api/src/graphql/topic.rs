//! Deliberation topics (议事): transport only. Each resolver takes the viewer, calls one
//! `domain::topic::service` function and maps the result; what a viewer may see of a topic or
//! comment is decided in the service (`TopicView`, `CommentView`).

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::enums::{self, TopicCategory, TopicStatus};
use super::paging::{self, Totals};
use super::types::Community;
use crate::auth::{app_state, require_viewer, Reader};
use crate::domain::ballot::batch;
use crate::domain::topic::service::{self, CommentView, Person, TopicView, UpdateView};
use crate::error::{AppResult, GqlResult};

/// A person named on a topic: a resident's id and name.
#[derive(SimpleObject, Clone)]
pub struct TopicPerson {
    pub id: ID,
    pub name: String,
}

impl From<Person> for TopicPerson {
    fn from(p: Person) -> Self {
        Self {
            id: ID(p.id),
            name: p.name,
        }
    }
}

/// An implementation progress update.
#[derive(SimpleObject)]
pub struct TopicUpdate {
    /// 0–100, never below the previous update.
    pub percent: i32,
    pub note: String,
    pub created_at: DateTime<Utc>,
    pub author: TopicPerson,
}

impl From<UpdateView> for TopicUpdate {
    fn from(u: UpdateView) -> Self {
        Self {
            percent: u.percent,
            note: u.note,
            created_at: u.created_at,
            author: u.author.into(),
        }
    }
}

/// The residents' rating of a completed topic's implementation.
#[derive(SimpleObject)]
pub struct TopicRating {
    /// The mean of the stars with two decimals, e.g. "4.50"; null without ratings.
    pub average: Option<String>,
    pub count: u64,
}

pub struct Comment(pub CommentView);

/// A comment on a topic, threaded one level deep.
#[Object]
impl Comment {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// Null when the comment is hidden and the viewer is not on the committee.
    async fn body(&self) -> Option<&str> {
        self.0.body.as_deref()
    }
    async fn author(&self) -> TopicPerson {
        self.0.author.clone().into()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The top-level comment this one replies to.
    async fn parent_id(&self) -> Option<ID> {
        self.0.parent_id.clone().map(ID)
    }
    async fn hidden(&self) -> bool {
        self.0.hidden
    }
    async fn hidden_reason(&self) -> Option<&str> {
        self.0.hidden_reason.as_deref()
    }
    /// How many residents reported it: for the committee only, null for everyone else.
    async fn report_count(&self) -> Option<u64> {
        self.0.report_count
    }
    /// Replies, oldest first, at most 50 a page (none on a reply).
    #[graphql(complexity = "paging::cost(first, paging::COMMENTS, child_complexity)")]
    async fn replies(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<CommentConnection> {
        let page = paging::KeyPage::new(first, after.as_deref(), paging::COMMENTS)?;
        let after = page.after.as_ref().map(|k| (k.at, k.id.clone()));
        let found = match self.0.replies_key(after, page.limit) {
            Some(key) => super::loaders::one(&super::Loaders::of(ctx)?.comment_pages, key)
                .await?
                .unwrap_or_default(),
            None => service::CommentPage::default(),
        };
        Ok(comment_connection(&page, found))
    }
}

impl From<CommentView> for Comment {
    fn from(c: CommentView) -> Self {
        Self(c)
    }
}

pub type CommentConnection = paging::KeyConnection<Comment>;

/// A comment page as a connection: cursors are each row's key (`created_at`, `id`).
fn comment_connection(page: &paging::KeyPage, found: service::CommentPage) -> CommentConnection {
    let keyed = found
        .rows
        .into_iter()
        .map(|c| {
            let key = paging::Key {
                at: c.created_at,
                id: c.id.clone(),
            };
            (key, Comment(c))
        })
        .collect();
    page.connection(
        keyed,
        found.has_next,
        Totals {
            total_count: found.total,
        },
    )
}
pub type TopicUpdateConnection = paging::KeyConnection<TopicUpdate>;

/// A deliberation topic (DESIGN §3).
pub struct Topic {
    view: TopicView,
    /// What a list page loaded for all its topics at once (`ListPreload`).
    preload: Option<Arc<ListPreload>>,
}

impl From<TopicView> for Topic {
    fn from(view: TopicView) -> Self {
        Self {
            view,
            preload: None,
        }
    }
}

/// The per-topic fields of a list page, loaded once for the whole page, each only when the
/// request selects it (look-ahead): a page costs a constant number of statements however many
/// topics it holds, deterministically (DataLoaders batch only within their time window).
#[derive(Default)]
pub struct ListPreload {
    ratings: Option<HashMap<String, service::RatingSummary>>,
    own_ratings: Option<HashMap<(String, String), i32>>,
    ballots: Option<HashMap<String, entity::ballot::Model>>,
    ballot_reads: Option<Arc<super::ballot::BallotPreload>>,
}

impl ListPreload {
    /// Loads what `nodes` (or `edges { node }`) of a topic connection select.
    /// `latest`: the topics' latest ballots when the page read them with its rows.
    pub async fn load(
        ctx: &Context<'_>,
        nodes: async_graphql::Lookahead<'_>,
        views: &[TopicView],
        latest: Option<HashMap<String, batch::Latest>>,
    ) -> AppResult<Option<Arc<ListPreload>>> {
        if views.is_empty() || (views.len() < 2 && latest.is_none()) {
            return Ok(None);
        }
        let state = app_state(ctx)?;
        let ids: Vec<String> = views.iter().map(|v| v.topic.id.clone()).collect();
        let mut out = ListPreload::default();
        if nodes.field("rating").exists() {
            out.ratings = Some(service::ratings_for(&state.db, &ids).await?);
        }
        if nodes.field("viewerRating").exists() {
            let pairs: Vec<(String, String)> = views
                .iter()
                .filter_map(|v| {
                    v.access
                        .resident_id
                        .clone()
                        .map(|me| (v.topic.id.clone(), me))
                })
                .collect();
            out.own_ratings = Some(service::own_ratings(&state.db, &pairs).await?);
        }
        let ballot = nodes.field("ballot");
        if ballot.exists() {
            let (ballots, turnout) = match latest {
                Some(latest) => {
                    let turnout = latest
                        .values()
                        .map(|l| (l.ballot.id.clone(), l.turnout()))
                        .collect();
                    let mut ballots: HashMap<String, entity::ballot::Model> = latest
                        .into_iter()
                        .map(|(topic, l)| (topic, l.ballot))
                        .collect();
                    // A ballot closed here reads its final counters; its turnout is not used.
                    batch::settle_due(state, &mut ballots).await?;
                    (ballots, Some(turnout))
                }
                None => (batch::latest_for_topics(state, &ids).await?, None),
            };
            let list: Vec<entity::ballot::Model> = ballots.values().cloned().collect();
            out.ballot_reads = Some(Arc::new(
                super::ballot::BallotPreload::load(ctx, ballot, &list, turnout).await?,
            ));
            out.ballots = Some(ballots);
        }
        Ok(Some(Arc::new(out)))
    }

    /// Topics of a page, each with the page's preload.
    pub fn attach(preload: Option<Arc<ListPreload>>, views: Vec<TopicView>) -> Vec<Topic> {
        views
            .into_iter()
            .map(|view| Topic {
                view,
                preload: preload.clone(),
            })
            .collect()
    }
}

// Resolvers that await a service box their bodies (`Box::pin(async move { … }).await`): the
// future of async-graphql's `resolve_field` holds whichever field it resolves, so one large
// body sizes it for every field, and a list page allocates and moves it once per field of
// every row (unboxed, `ballots` made it about 7 KB for `id`).
#[Object]
impl Topic {
    async fn id(&self) -> ID {
        ID(self.view.topic.id.clone())
    }
    async fn community_id(&self) -> ID {
        ID(self.view.topic.community_id.clone())
    }
    async fn title(&self) -> &str {
        &self.view.topic.title
    }
    async fn body(&self) -> &str {
        &self.view.topic.body
    }
    async fn category(&self) -> TopicCategory {
        self.view.category.into()
    }
    async fn status(&self) -> TopicStatus {
        self.view.status.into()
    }
    /// Co-signatures so far, the proposer's own included.
    async fn cosign_count(&self) -> i32 {
        self.view.topic.cosign_count
    }
    /// Co-signatures the community requires before the committee reviews a topic.
    async fn cosign_threshold(&self) -> i32 {
        self.view.cosign_threshold
    }
    async fn proposer(&self) -> TopicPerson {
        self.view.proposer.clone().into()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.view.topic.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.view.topic.updated_at
    }
    /// The committee's public reason, when rejected.
    async fn reject_reason(&self) -> Option<&str> {
        self.view.topic.reject_reason.as_deref()
    }
    /// Implementation progress, 0–100.
    async fn progress(&self) -> i32 {
        self.view.topic.progress
    }
    /// Progress updates, oldest first, at most 100 a page.
    #[graphql(complexity = "paging::cost(first, paging::UPDATES, child_complexity)")]
    async fn updates(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<TopicUpdateConnection> {
        Box::pin(async move {
            let page = paging::KeyPage::new(first, after.as_deref(), paging::UPDATES)?;
            let key = service::UpdatesKey {
                topic_id: self.view.topic.id.clone(),
                after: page.after.as_ref().map(|k| (k.at, k.id.clone())),
                limit: page.limit,
            };
            let found = super::loaders::one(&super::Loaders::of(ctx)?.update_pages, key)
                .await?
                .unwrap_or_default();
            let keyed = found
                .rows
                .into_iter()
                .map(|u| {
                    let key = paging::Key {
                        at: u.created_at,
                        id: u.id.clone(),
                    };
                    (key, TopicUpdate::from(u))
                })
                .collect();
            Ok(page.connection(
                keyed,
                found.has_next,
                Totals {
                    total_count: found.total,
                },
            ))
        })
        .await
    }
    /// Top-level comments, oldest first, at most 50 a page; each has its own `replies`.
    #[graphql(complexity = "paging::cost(first, paging::COMMENTS, child_complexity)")]
    async fn comments(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<CommentConnection> {
        Box::pin(async move {
            let page = paging::KeyPage::new(first, after.as_deref(), paging::COMMENTS)?;
            let after = page.after.as_ref().map(|k| (k.at, k.id.clone()));
            let key = self.view.comments_key(after, page.limit);
            let found = super::loaders::one(&super::Loaders::of(ctx)?.comment_pages, key)
                .await?
                .unwrap_or_default();
            Ok(comment_connection(&page, found))
        })
        .await
    }
    async fn viewer_has_cosigned(&self) -> bool {
        self.view.viewer_has_cosigned
    }
    /// Whether the viewer may co-sign now (an active resident, not yet signed, still PROPOSED).
    async fn viewer_can_cosign(&self) -> bool {
        self.view.viewer_can_cosign()
    }
    /// What else the viewer may do with the topic now: the server's rule, the same each act
    /// checks (input bounds aside).
    async fn viewer_can(&self) -> TopicActions {
        self.view.viewer_can().into()
    }
    async fn rating(&self, ctx: &Context<'_>) -> GqlResult<TopicRating> {
        let id = &self.view.topic.id;
        let r = match self.preload.as_ref().and_then(|p| p.ratings.as_ref()) {
            Some(found) => found.get(id).cloned(),
            None => {
                let loaders = super::Loaders::of(ctx)?;
                super::loaders::one(&loaders.topic_ratings, id.clone()).await?
            }
        };
        Ok(TopicRating {
            average: r.as_ref().and_then(|r| r.average.clone()),
            count: r.map_or(0, |r| r.count),
        })
    }
    /// The viewer's own rating (1–5), if any.
    async fn viewer_rating(&self, ctx: &Context<'_>) -> GqlResult<Option<i32>> {
        let Some(me) = self.view.access.resident_id.clone() else {
            return Ok(None);
        };
        let key = (self.view.topic.id.clone(), me);
        if let Some(found) = self.preload.as_ref().and_then(|p| p.own_ratings.as_ref()) {
            return Ok(found.get(&key).copied());
        }
        let loaders = super::Loaders::of(ctx)?;
        Ok(super::loaders::one(&loaders.own_ratings, key).await?)
    }
    /// The topic's ballot (the latest, if it was put to a vote).
    async fn ballot(&self, ctx: &Context<'_>) -> GqlResult<Option<super::ballot::Ballot>> {
        let id = &self.view.topic.id;
        if let Some(p) = &self.preload {
            if let Some(ballots) = &p.ballots {
                return Ok(ballots
                    .get(id)
                    .cloned()
                    .map(|b| super::ballot::Ballot::with_preload(b, p.ballot_reads.clone())));
            }
        }
        let loaders = super::Loaders::of(ctx)?;
        let found = super::loaders::one(&loaders.topic_ballots, id.clone()).await?;
        Ok(found.map(super::ballot::Ballot::new))
    }
    /// Every ballot of the topic, oldest first (a new one may follow NO_QUORUM, TIE or a
    /// cancellation); each keeps its result.
    #[graphql(complexity = "ballots_cost(child_complexity)")]
    async fn ballots(&self, ctx: &Context<'_>) -> GqlResult<Vec<super::ballot::Ballot>> {
        let loaders = super::Loaders::of(ctx)?;
        let list = super::loaders::one(&loaders.topic_all_ballots, self.view.topic.id.clone())
            .await?
            .unwrap_or_default();
        Ok(list.into_iter().map(super::ballot::Ballot::new).collect())
    }
}

/// What the viewer may do with a topic now.
#[derive(SimpleObject)]
pub struct TopicActions {
    /// Withdraw it (its proposer, before voting).
    pub withdraw: bool,
    /// Accept it for deliberation (the committee, UNDER_REVIEW).
    pub accept: bool,
    /// Reject it with a public reason (the committee, PROPOSED or UNDER_REVIEW).
    pub reject: bool,
    /// Open a ballot on it (the committee, DELIBERATING: also after NO_QUORUM, TIE or a
    /// cancellation).
    pub open_ballot: bool,
    /// Post a progress update (the committee, ADOPTED or IMPLEMENTING).
    pub post_progress: bool,
    /// Declare the implementation complete (the committee, IMPLEMENTING).
    pub complete: bool,
    /// Comment or reply (active residents, unless REJECTED or WITHDRAWN).
    pub comment: bool,
    /// Rate the implementation (active residents, COMPLETED).
    pub rate: bool,
    /// With `openBallot`: the counting rules each electorate may use (what `openBallot`
    /// accepts); empty otherwise.
    pub open_ballot_rules: Vec<ElectorateRules>,
}

/// The counting rules a ballot of one electorate may use.
#[derive(SimpleObject)]
pub struct ElectorateRules {
    pub electorate: enums::Electorate,
    pub rules: Vec<enums::DecisionRule>,
}

impl From<crate::domain::topic::rules::TopicActions> for TopicActions {
    fn from(a: crate::domain::topic::rules::TopicActions) -> Self {
        Self {
            withdraw: a.withdraw,
            accept: a.accept,
            reject: a.reject,
            open_ballot: a.open_ballot,
            post_progress: a.post_progress,
            complete: a.complete,
            comment: a.comment,
            rate: a.rate,
            open_ballot_rules: match a.open_ballot {
                false => Vec::new(),
                true => crate::domain::ballot::rules::offered_rules()
                    .into_iter()
                    .map(|(e, rules)| ElectorateRules {
                        electorate: e.into(),
                        rules: rules.into_iter().map(Into::into).collect(),
                    })
                    .collect(),
            },
        }
    }
}

#[derive(SimpleObject)]
pub struct TopicTotals {
    /// Topics matching the filter, over all pages.
    pub total_count: u64,
}

/// Topic lists page by keyset cursors (`created_at`, `id`), newest first.
pub type TopicConnection = paging::KeyConnection<Topic, TopicTotals>;

/// What a topic connection's selection needs read besides the topics themselves, and which
/// columns of the topics and their ballots its fields show.
pub fn list_needs(ctx: &Context<'_>) -> service::ListNeeds {
    let look = ctx.look_ahead();
    // `nodes` and `edges { node }` may both be selected: a field in either counts.
    let nodes = [look.field("nodes"), look.field("edges").field("node")];
    let selected = |field: &str| nodes.iter().any(|n| n.field(field).exists());
    let ballots = [nodes[0].field("ballot"), nodes[1].field("ballot")];
    service::ListNeeds {
        total: look.field("totalCount").exists(),
        proposer: selected("proposer"),
        cosigned: selected("viewerHasCosigned") || selected("viewerCanCosign"),
        threshold: selected("cosignThreshold"),
        ballot: selected("ballot"),
        topic_cols: shown_columns(&nodes, topic_columns),
        ballot_cols: shown_columns(&ballots, super::ballot::ballot_columns),
    }
}

/// The columns the fields selected in `looks` show, by `table` (a field it does not know:
/// every column, so a new field is never shown a placeholder).
pub fn shown_columns<E: sea_orm::EntityTrait>(
    looks: &[async_graphql::Lookahead<'_>],
    table: fn(&str) -> Option<&'static [E::Column]>,
) -> crate::db::Columns<E> {
    let mut cols = crate::db::Columns::<E>::of(&[]);
    for shown in looks.iter().flat_map(|l| l.selection_fields()) {
        for field in shown.selection_set() {
            match table(field.name()) {
                Some(needed) => cols.add(needed),
                None => return crate::db::Columns::all(),
            }
        }
    }
    cols
}

/// The topic columns each field of [`Topic`] shows, besides the id and creation time (always
/// read); `None` for a field not listed here.
/// `reads::a_list_reads_each_topic_and_ballot_field_as_a_read_of_one_does` checks every field.
fn topic_columns(field: &str) -> Option<&'static [entity::topic::Column]> {
    use entity::topic::Column as C;
    Some(match field {
        "__typename" | "id" | "createdAt" | "cosignThreshold" | "viewerHasCosigned" | "rating"
        | "viewerRating" | "ballot" | "ballots" | "updates" | "comments" => &[],
        "communityId" => &[C::CommunityId],
        "title" => &[C::Title],
        "body" => &[C::Body],
        "category" => &[C::Category],
        "status" | "viewerCanCosign" => &[C::Status],
        "cosignCount" => &[C::CosignCount],
        "proposer" => &[C::ProposerId],
        "updatedAt" => &[C::UpdatedAt],
        "rejectReason" => &[C::RejectReason],
        "progress" => &[C::Progress],
        "viewerCan" => &[C::Status, C::ProposerId],
        _ => return None,
    })
}

/// A topic page as a connection: cursors are each row's key.
pub fn topic_connection(
    page: &paging::KeyPage,
    rows: Vec<Topic>,
    has_next: bool,
    total: Option<u64>,
) -> TopicConnection {
    let keyed = rows
        .into_iter()
        .map(|t| {
            let key = paging::Key {
                at: t.view.topic.created_at,
                id: t.view.topic.id.clone(),
            };
            (key, t)
        })
        .collect();
    page.connection(
        keyed,
        has_next,
        TopicTotals {
            total_count: total.unwrap_or(0),
        },
    )
}

/// The node selection of a connection field being resolved (`nodes` or `edges { node }`).
pub fn nodes_of<'a>(ctx: &'a Context<'a>) -> async_graphql::Lookahead<'a> {
    let look = ctx.look_ahead();
    let nodes = look.field("nodes");
    if nodes.exists() {
        nodes
    } else {
        look.field("edges").field("node")
    }
}

#[derive(Default)]
pub struct TopicQuery;

#[Object]
impl TopicQuery {
    /// A topic of a community the viewer belongs to (NOT_FOUND otherwise).
    async fn topic(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Topic>> {
        let viewer = require_viewer(ctx).await?;
        Ok(Some(Topic::from(
            service::get(&app_state(ctx)?.db, &viewer, &id).await?,
        )))
    }

    /// A comment of a community the viewer belongs to (NOT_FOUND otherwise), e.g. to page
    /// through its replies.
    async fn comment(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Comment>> {
        let viewer = require_viewer(ctx).await?;
        Ok(Some(Comment(
            service::get_comment(&app_state(ctx)?.db, &viewer, &id).await?,
        )))
    }

    /// A community's topics, newest first, optionally only those in some statuses.
    #[graphql(complexity = "paging::cost(first, paging::LIST, child_complexity)")]
    async fn topics(
        &self,
        ctx: &Context<'_>,
        community_id: ID,
        status: Option<Vec<TopicStatus>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<TopicConnection> {
        // The viewer is read with the page (`Reader::viewer_and_page`). A request without a
        // valid token is refused before its input is read; one whose session ended gets
        // UNAUTHENTICATED before an input error too.
        let reader = Reader::of(ctx)?;
        reader.signed_in()?;
        let page = match paging::KeyPage::new(first, after.as_deref(), paging::LIST) {
            Ok(page) => page,
            Err(e) => {
                require_viewer(ctx).await?;
                return Err(e.into());
            }
        };
        let after = page.after.as_ref().map(|k| (k.at, k.id.clone()));
        let found = service::list(
            &reader,
            &app_state(ctx)?.topic_pages,
            &community_id,
            status.map(enums::all).as_deref(),
            after.as_ref(),
            page.limit,
            list_needs(ctx),
        )
        .await?;
        let preload = ListPreload::load(ctx, nodes_of(ctx), &found.rows, found.ballots).await?;
        let topics = ListPreload::attach(preload, found.rows);
        Ok(topic_connection(&page, topics, found.has_next, found.total))
    }
}

#[derive(Default)]
pub struct TopicMutation;

#[Object]
impl TopicMutation {
    /// Proposes a topic (active residents). The proposer's co-signature counts; a committee
    /// member's topic starts at DELIBERATING.
    async fn propose_topic(
        &self,
        ctx: &Context<'_>,
        community_id: ID,
        title: String,
        body: String,
        category: TopicCategory,
    ) -> GqlResult<Topic> {
        let viewer = require_viewer(ctx).await?;
        Ok(Topic::from(
            service::propose(
                app_state(ctx)?,
                &viewer,
                &community_id,
                &title,
                &body,
                category.into(),
            )
            .await?,
        ))
    }

    /// Co-signs a PROPOSED topic (附议), once per resident.
    async fn cosign_topic(&self, ctx: &Context<'_>, topic_id: ID) -> GqlResult<Topic> {
        let viewer = require_viewer(ctx).await?;
        Ok(Topic::from(
            service::cosign(app_state(ctx)?, &viewer, &topic_id).await?,
        ))
    }

    /// Comments on a topic, or replies to one of its top-level comments.
    async fn comment_on_topic(
        &self,
        ctx: &Context<'_>,
        topic_id: ID,
        body: String,
        parent_id: Option<ID>,
    ) -> GqlResult<Comment> {
        let viewer = require_viewer(ctx).await?;
        Ok(service::comment(
            app_state(ctx)?,
            &viewer,
            &topic_id,
            &body,
            parent_id.as_ref().map(|p| p.as_str()),
        )
        .await?
        .into())
    }

    /// The committee accepts a topic under review for deliberation.
    async fn accept_topic(&self, ctx: &Context<'_>, topic_id: ID) -> GqlResult<Topic> {
        let viewer = require_viewer(ctx).await?;
        Ok(Topic::from(
            service::accept(app_state(ctx)?, &viewer, &topic_id).await?,
        ))
    }

    /// The committee rejects a topic, with a public reason.
    async fn reject_topic(
        &self,
        ctx: &Context<'_>,
        topic_id: ID,
        reason: String,
    ) -> GqlResult<Topic> {
        let viewer = require_viewer(ctx).await?;
        Ok(Topic::from(
            service::reject(app_state(ctx)?, &viewer, &topic_id, &reason).await?,
        ))
    }

    /// The proposer withdraws the topic (before voting).
    async fn withdraw_topic(&self, ctx: &Context<'_>, topic_id: ID) -> GqlResult<Topic> {
        let viewer = require_viewer(ctx).await?;
        Ok(Topic::from(
            service::withdraw(app_state(ctx)?, &viewer, &topic_id).await?,
        ))
    }

    /// The committee hides a comment with a reason (kept and audited).
    async fn hide_comment(
        &self,
        ctx: &Context<'_>,
        comment_id: ID,
        reason: String,
    ) -> GqlResult<Comment> {
        let viewer = require_viewer(ctx).await?;
        Ok(
            service::hide_comment(app_state(ctx)?, &viewer, &comment_id, &reason)
                .await?
                .into(),
        )
    }

    /// A resident reports a comment to the committee (once per comment).
    async fn report_comment(
        &self,
        ctx: &Context<'_>,
        comment_id: ID,
        reason: String,
    ) -> GqlResult<Comment> {
        let viewer = require_viewer(ctx).await?;
        Ok(
            service::report_comment(app_state(ctx)?, &viewer, &comment_id, &reason)
                .await?
                .into(),
        )
    }

    /// The committee posts implementation progress on an adopted topic.
    async fn post_topic_progress(
        &self,
        ctx: &Context<'_>,
        topic_id: ID,
        percent: i32,
        note: String,
    ) -> GqlResult<Topic> {
        let viewer = require_viewer(ctx).await?;
        Ok(Topic::from(
            service::post_progress(app_state(ctx)?, &viewer, &topic_id, percent, &note).await?,
        ))
    }

    /// The committee declares the implementation complete; residents may then rate it.
    async fn complete_topic(&self, ctx: &Context<'_>, topic_id: ID) -> GqlResult<Topic> {
        let viewer = require_viewer(ctx).await?;
        Ok(Topic::from(
            service::complete(app_state(ctx)?, &viewer, &topic_id).await?,
        ))
    }

    /// Rates a completed topic's implementation 1–5; rating again replaces the rating.
    async fn rate_topic(&self, ctx: &Context<'_>, topic_id: ID, stars: i32) -> GqlResult<Topic> {
        let viewer = require_viewer(ctx).await?;
        Ok(Topic::from(
            service::rate(app_state(ctx)?, &viewer, &topic_id, stars).await?,
        ))
    }

    /// Community settings (committee or admin): the co-signature threshold, 1–100.
    async fn update_community_settings(
        &self,
        ctx: &Context<'_>,
        community_id: ID,
        cosign_threshold: i32,
    ) -> GqlResult<Community> {
        let viewer = require_viewer(ctx).await?;
        Ok(Community(
            service::set_cosign_threshold(
                app_state(ctx)?,
                &viewer,
                &community_id,
                cosign_threshold,
            )
            .await?,
        ))
    }
}

/// `Topic.ballots` in the query cost: as many times its selection as a topic may hold ballots
/// (`ballot::rules::MAX_BALLOTS`), so a costly ballot field (the named roll, the electorate)
/// fits no more often under it than under a page of ballots.
fn ballots_cost(child_complexity: usize) -> usize {
    usize::try_from(crate::domain::ballot::rules::MAX_BALLOTS)
        .unwrap_or(usize::MAX)
        .saturating_mul(child_complexity.max(1))
}
