//! Ballots and votes: transport only.

use async_graphql::{Context, InputObject, Object, SimpleObject, Subscription, ID};
use chrono::{DateTime, Utc};
use std::sync::Arc;

use futures_util::{Stream, StreamExt};

use crate::auth::{app_state, require_viewer, Reader};
use crate::bus::BusEvent;
use crate::domain::ballot::batch;
use crate::domain::ballot::live::TallySnapshot;
use crate::domain::ballot::notice::{self, Notice};
use crate::domain::ballot::service::{self, OpenBallot};
use crate::domain::ballot::{amend, named, rules};
use crate::domain::roster::rules::format_area;
use crate::error::{AppError, AppResult, GqlResult};
use crate::graphql::enums::{
    BallotKind, BallotStatus, DecisionRule, Electorate, OptionRole, Outcome, ThresholdComparison,
    ThresholdMeasure, ThresholdStage, VoteChannel, VoteMethod,
};
use crate::graphql::types::Building;

/// The query cost of one whole bulletin (or named roll). Complexity is counted before anything
/// runs, so it cannot follow a ballot's actual size; it is fixed instead at a large share of
/// `MAX_COMPLEXITY` (2,000): at most two of them fit in one request, and a request that aliases
/// `bulletin` many times is refused before it reads anything.
pub const BULLETIN_COST: usize = 800;

#[derive(InputObject)]
pub struct OptionInput {
    pub label: String,
    pub abstain: Option<bool>,
}

#[derive(InputObject)]
pub struct OpenBallotInput {
    pub topic_id: Option<ID>,
    pub campaign_id: Option<ID>,
    pub question: String,
    pub kind: BallotKind,
    /// CHOICE only; a MOTION gets 赞成 / 反对 / 弃权.
    pub options: Option<Vec<OptionInput>>,
    pub method: Option<VoteMethod>,
    pub max_choices: Option<i32>,
    pub electorate: Electorate,
    pub rule: DecisionRule,
    pub secret: bool,
    pub closes_at: DateTime<Utc>,
    /// Narrows the electorate to these buildings (`Community.buildings`), every threshold then
    /// judged within them; left out: the whole community.
    pub building_ids: Option<Vec<ID>>,
    /// With `campaignId` instead of `topicId`: the category whose shortlist is voted on
    /// (`kind: CHOICE`, `method: APPROVAL`, no `options`: one per shortlisted nomination,
    /// `maxChoices` = the category's winners).
    pub category_id: Option<ID>,
}

/// A ballot's electorate for the committee, paged by keyset: the cursor is the last voter's id.
pub type ElectorateConnection = async_graphql::connection::Connection<
    async_graphql::connection::OpaqueCursor<String>,
    ElectorateMember,
    super::paging::Totals,
    async_graphql::connection::EmptyFields,
>;

/// What the viewer may do with a ballot now (`Ballot.viewerCan`).
#[derive(SimpleObject)]
pub struct BallotActions {
    /// Record a paper ballot (`recordPaperBallot`: the committee, while the ballot is open).
    pub record_paper_ballot: bool,
    /// Move the closing time later (`extendBallot`: the committee, while open, once).
    pub extend: bool,
    /// Cancel with a public reason (`cancelBallot`: the committee, while open).
    pub cancel: bool,
    /// Read `namedRoll` (the committee, once a named vote has closed).
    pub named_roll: bool,
}

pub struct BallotOption(entity::ballot_option::Model);

#[Object]
impl BallotOption {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn label(&self) -> &str {
        &self.0.label
    }
    async fn role(&self) -> OptionRole {
        self.0.role.into()
    }
    /// Ticking this option makes it the vote's only choice (an abstention): a ballot form
    /// clears the other ticks, and the server refuses it combined with anything.
    async fn stands_alone(&self) -> bool {
        rules::stands_alone(self.0.role)
    }
    /// A campaign ballot's option: the shortlisted nomination it stands for.
    async fn nomination_id(&self) -> Option<ID> {
        self.0.nomination_id.clone().map(ID)
    }
}

#[derive(SimpleObject)]
pub struct OptionResult {
    pub id: ID,
    pub label: String,
    pub role: OptionRole,
    pub votes: i64,
    /// Floor area behind the votes, m² as a decimal string ("88.50").
    pub area: String,
    pub adopted: bool,
}

#[derive(SimpleObject)]
pub struct BallotResult {
    /// True once the ballot has closed and the result is stored; false for a live tally.
    pub r#final: bool,
    pub quorum_met: bool,
    pub outcome: Outcome,
    pub options: Vec<OptionResult>,
    /// How the outcome was reached: turnout first, then each judged option's approval, each
    /// with what was required, what was achieved and whether it was met (empty under
    /// PLURALITY). While the ballot is open these are the live tally's figures. Clients render
    /// these; they never re-derive a threshold.
    pub thresholds: Vec<NoticeThreshold>,
}

pub struct Ballot {
    pub model: entity::ballot::Model,
    /// Options already loaded (a live tally's snapshot), else loaded per field.
    preloaded: Option<Arc<TallySnapshot>>,
    /// What a list page loaded for all its ballots at once.
    reads: Option<Arc<BallotPreload>>,
}

/// The per-ballot fields of a list page, loaded once for all its ballots and only when selected.
#[derive(Default)]
pub struct BallotPreload {
    options: Option<std::collections::HashMap<String, Vec<entity::ballot_option::Model>>>,
    tallies: Option<std::collections::HashMap<String, crate::domain::ballot::tally::Counts>>,
    /// Open ballots' turnout (count, area), read with the page's rows when only turnout is
    /// selected (no tally read then).
    turnout: Option<std::collections::HashMap<String, (i64, i64)>>,
    eligible: Option<std::collections::HashSet<(String, String)>>,
    voted: Option<std::collections::HashSet<(String, String)>>,
}

impl BallotPreload {
    /// `turnout`: open ballots' turnout as read with the page (`batch::Latest::turnout`), if it
    /// was; a tally is then read only for `result`.
    pub async fn load(
        ctx: &Context<'_>,
        look: async_graphql::Lookahead<'_>,
        ballots: &[entity::ballot::Model],
        turnout: Option<std::collections::HashMap<String, (i64, i64)>>,
    ) -> AppResult<Self> {
        let db = &app_state(ctx)?.db;
        let mut out = BallotPreload::default();
        if ballots.is_empty() {
            return Ok(out);
        }
        let ids: Vec<String> = ballots.iter().map(|b| b.id.clone()).collect();
        if look.field("options").exists() || look.field("result").exists() {
            out.options = Some(batch::options_for(db, &ids).await?);
        }
        let open: Vec<String> = ballots
            .iter()
            .filter(|b| b.status == service::BallotStatus::Open)
            .map(|b| b.id.clone())
            .collect();
        let turnout_shown = ["turnoutCount", "turnoutArea"]
            .iter()
            .any(|f| look.field(f).exists());
        let tally_needed = look.field("result").exists() || (turnout_shown && turnout.is_none());
        if !open.is_empty() && tally_needed {
            out.tallies = Some(crate::domain::ballot::tally::read(db, &open).await?);
        }
        // With a tally read (for `result`), turnout comes from it too: one moment for both.
        out.turnout = turnout.filter(|_| out.tallies.is_none());
        let eligible = look.field("viewerEligible").exists();
        let voted = look.field("viewerHasVoted").exists();
        if eligible || voted {
            let viewer = require_viewer(ctx).await?;
            let places = crate::auth::viewer_places(ctx, &viewer).await?;
            let mut pairs = Vec::new();
            for b in ballots {
                if let Some(v) = batch::voter_among(b, &places) {
                    pairs.push((b.id.clone(), v.into_string()));
                }
            }
            if eligible {
                out.eligible = Some(batch::eligible_pairs(db, &pairs).await?);
            }
            if voted {
                out.voted = Some(batch::participated_pairs(db, &pairs).await?);
            }
        }
        Ok(out)
    }
}

impl Ballot {
    pub fn new(model: entity::ballot::Model) -> Self {
        Self::with_preload(model, None)
    }

    pub fn with_preload(model: entity::ballot::Model, reads: Option<Arc<BallotPreload>>) -> Self {
        Self {
            model,
            preloaded: None,
            reads,
        }
    }

    fn from_snapshot(snapshot: Arc<TallySnapshot>) -> Self {
        Self {
            model: snapshot.ballot.clone(),
            preloaded: Some(snapshot),
            reads: None,
        }
    }

    /// (ballot id, the viewer's voter id) when the viewer has a place in the ballot's community;
    /// the places are read once per request.
    async fn viewer_key(&self, ctx: &Context<'_>) -> AppResult<Option<(String, String)>> {
        let viewer = require_viewer(ctx).await?;
        let places = crate::auth::viewer_places(ctx, &viewer).await?;
        Ok(batch::voter_among(&self.model, &places)
            .map(|v| (self.model.id.clone(), v.into_string())))
    }

    /// An open ballot's counts as of now (its roll-up plus the votes not folded in yet); `None`
    /// when the row's own counters are the answer (closed or cancelled: final; a live snapshot:
    /// counted already).
    async fn counts(
        &self,
        ctx: &Context<'_>,
    ) -> AppResult<Option<crate::domain::ballot::tally::Counts>> {
        if self.preloaded.is_some() || self.model.status != service::BallotStatus::Open {
            return Ok(None);
        }
        if let Some(found) = self.reads.as_ref().and_then(|r| r.tallies.as_ref()) {
            return Ok(found.get(&self.model.id).cloned());
        }
        super::loaders::one(&super::Loaders::of(ctx)?.tallies, self.model.id.clone()).await
    }

    /// Turnout (count, area) as of now: read with a list page's rows when it was, else from
    /// [`Self::counts`] or the row.
    async fn turnout(&self, ctx: &Context<'_>) -> AppResult<(i64, i64)> {
        if self.preloaded.is_none() && self.model.status == service::BallotStatus::Open {
            let read = self.reads.as_ref().and_then(|r| r.turnout.as_ref());
            if let Some(found) = read.and_then(|t| t.get(&self.model.id)) {
                return Ok(*found);
            }
        }
        Ok(self
            .counts(ctx)
            .await?
            .map_or((self.model.turnout_count, self.model.turnout_area), |c| {
                (c.turnout_count, c.turnout_area)
            }))
    }

    async fn load_options(
        &self,
        ctx: &Context<'_>,
    ) -> AppResult<Vec<entity::ballot_option::Model>> {
        if let Some(found) = self.reads.as_ref().and_then(|r| r.options.as_ref()) {
            return Ok(found.get(&self.model.id).cloned().unwrap_or_default());
        }
        match &self.preloaded {
            Some(s) => Ok(s.options.clone()),
            None => Ok(super::loaders::one(
                &super::Loaders::of(ctx)?.ballot_options,
                self.model.id.clone(),
            )
            .await?
            .unwrap_or_default()),
        }
    }
}

/// The ballot columns each field of [`Ballot`] shows when a list reads ballots with its rows,
/// besides the id, status and closing time (always read); `None` for a field not listed here.
/// `reads::a_list_reads_each_topic_and_ballot_field_as_a_read_of_one_does` checks every field.
pub fn ballot_columns(field: &str) -> Option<&'static [entity::ballot::Column]> {
    use entity::ballot::Column as C;
    Some(match field {
        // `topicId`: the topic's own id (its `latest_ballot_id` names a ballot on it).
        "__typename" | "id" | "status" | "closesAt" | "topicId" => &[],
        "campaignId" => &[C::CampaignId],
        "categoryId" => &[C::CategoryId],
        "question" => &[C::Question],
        "kind" => &[C::Kind],
        "method" => &[C::Method],
        "maxChoices" => &[C::MaxChoices],
        "choiceLimit" => &[C::Method, C::MaxChoices],
        "electorate" => &[C::Electorate],
        "rule" => &[C::Rule],
        "secret" => &[C::Secret],
        "cancelReason" => &[C::CancelReason],
        "cancelledAt" => &[C::CancelledAt],
        "extendedAt" => &[C::ExtendedAt],
        "extendReason" => &[C::ExtendReason],
        "openedAt" => &[C::OpenedAt],
        "closedAt" => &[C::ClosedAt],
        "eligibleCount" => &[C::EligibleCount],
        "eligibleArea" => &[C::EligibleArea],
        "turnoutCount" => &[C::TurnoutCount],
        "turnoutArea" => &[C::TurnoutArea],
        // The viewer's voter: the ballot's community and electorate.
        "viewerEligible" | "viewerHasVoted" => &[C::CommunityId, C::Electorate],
        _ => return None,
    })
}

// Resolvers that await a service box their bodies (`Box::pin(async move { … }).await`): the
// future of async-graphql's `resolve_field` holds whichever field it resolves, so one large
// body sizes it for every field, and a list page allocates and moves it once per field of
// every row (unboxed, `notice` made it about 7 KB for `id`).
#[Object]
impl Ballot {
    async fn id(&self) -> ID {
        ID(self.model.id.clone())
    }
    async fn topic_id(&self) -> Option<ID> {
        self.model.topic_id.clone().map(ID)
    }
    /// A campaign's public vote: the campaign and the category.
    async fn campaign_id(&self) -> Option<ID> {
        self.model.campaign_id.clone().map(ID)
    }
    async fn category_id(&self) -> Option<ID> {
        self.model.category_id.clone().map(ID)
    }
    async fn question(&self) -> &str {
        &self.model.question
    }
    async fn kind(&self) -> BallotKind {
        self.model.kind.into()
    }
    async fn method(&self) -> VoteMethod {
        self.model.method.into()
    }
    async fn max_choices(&self) -> i32 {
        self.model.max_choices
    }
    /// How many options one vote may tick: 1 for SINGLE, `maxChoices` for APPROVAL. A ballot
    /// form offers one choice (radio buttons) when it is 1; the server refuses more.
    async fn choice_limit(&self) -> i32 {
        rules::choice_limit(self.model.method, self.model.max_choices) as i32
    }
    async fn electorate(&self) -> Electorate {
        self.model.electorate.into()
    }
    async fn rule(&self) -> DecisionRule {
        self.model.rule.into()
    }
    async fn status(&self) -> BallotStatus {
        self.model.status.into()
    }
    /// The committee's public reason for cancelling (null unless CANCELLED).
    async fn cancel_reason(&self) -> Option<&str> {
        self.model.cancel_reason.as_deref()
    }
    async fn cancelled_at(&self) -> Option<DateTime<Utc>> {
        self.model.cancelled_at
    }
    /// When `closesAt` was extended (at most once), and the public reason.
    async fn extended_at(&self) -> Option<DateTime<Utc>> {
        self.model.extended_at
    }
    async fn extend_reason(&self) -> Option<&str> {
        self.model.extend_reason.as_deref()
    }
    /// The buildings the electorate was narrowed to; null: the whole community.
    async fn scope(&self, ctx: &Context<'_>) -> GqlResult<Option<Vec<Building>>> {
        Box::pin(async move {
            Ok(service::scope_buildings(&app_state(ctx)?.db, &self.model)
                .await?
                .map(|list| list.into_iter().map(Building::from).collect()))
        })
        .await
    }
    /// The printable result notice (公示) of a closed ballot; null while open and when cancelled.
    async fn notice(&self, ctx: &Context<'_>) -> GqlResult<Option<ResultNotice>> {
        Box::pin(async move {
            if self.model.status != service::BallotStatus::Closed {
                return Ok(None);
            }
            let viewer = require_viewer(ctx).await?;
            let Some(n) = notice::notice(app_state(ctx)?, &viewer, &self.model.id).await? else {
                return Ok(None);
            };
            Ok(Some(ResultNotice::from_notice(n)?))
        })
        .await
    }
    async fn secret(&self) -> bool {
        self.model.secret
    }
    /// A named vote (记名表决): every non-secret ballot. The committee will see each voter's
    /// choice on the named roll after closing; voters are told so before they vote.
    async fn named(&self) -> bool {
        rules::is_named(self.model.secret)
    }
    /// The named roll, to the committee of the ballot's community (or an admin) once a named vote
    /// has closed: who voted, how (online or on paper) and what they chose. Null for a secret
    /// ballot (for anyone, ever) and while a named vote is open; FORBIDDEN for anyone else.
    /// Its size is the electorate's, so it costs as much as the bulletin in the query cost.
    #[graphql(complexity = "BULLETIN_COST + child_complexity")]
    async fn named_roll(&self, ctx: &Context<'_>) -> GqlResult<Option<Vec<NamedVote>>> {
        Box::pin(async move {
            let viewer = require_viewer(ctx).await?;
            let Some(roll) = named::roll(&app_state(ctx)?.db, &viewer, &self.model.id).await?
            else {
                return Ok(None);
            };
            Ok(Some(
                roll.into_iter()
                    .map(|v| {
                        Ok(NamedVote {
                            voter_id: ID(v.voter_id),
                            name: v.place.name,
                            building: v.place.building,
                            unit: v.place.unit,
                            channel: v.channel.into(),
                            option_ids: v.options.iter().map(|o| ID(o.id.clone())).collect(),
                            option_labels: v.options.into_iter().map(|o| o.label).collect(),
                            area: format_area(v.area),
                        })
                    })
                    .collect::<AppResult<Vec<_>>>()?,
            ))
        })
        .await
    }
    /// What the viewer may do with the ballot now; each flag is the check its mutation makes.
    async fn viewer_can(&self, ctx: &Context<'_>) -> GqlResult<BallotActions> {
        Box::pin(async move {
            let viewer = require_viewer(ctx).await?;
            let acts = service::viewer_acts(&app_state(ctx)?.db, &viewer, &self.model).await?;
            Ok(BallotActions {
                record_paper_ballot: acts.record_paper_ballot,
                extend: acts.extend,
                cancel: acts.cancel,
                named_roll: acts.read_named_roll,
            })
        })
        .await
    }
    async fn opened_at(&self) -> DateTime<Utc> {
        self.model.opened_at
    }
    async fn closes_at(&self) -> DateTime<Utc> {
        self.model.closes_at
    }
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.model.closed_at
    }
    async fn options(&self, ctx: &Context<'_>) -> GqlResult<Vec<BallotOption>> {
        Ok(self
            .load_options(ctx)
            .await?
            .into_iter()
            .map(BallotOption)
            .collect())
    }
    /// Size of the electorate, frozen when the ballot opened.
    async fn eligible_count(&self) -> i64 {
        self.model.eligible_count
    }
    /// Floor area of the electorate (OWNERS), m² as a decimal string.
    async fn eligible_area(&self) -> String {
        format_area(self.model.eligible_area)
    }
    /// Voters who have taken part so far (abstentions included).
    async fn turnout_count(&self, ctx: &Context<'_>) -> GqlResult<i64> {
        Ok(self.turnout(ctx).await?.0)
    }
    async fn turnout_area(&self, ctx: &Context<'_>) -> GqlResult<String> {
        Ok(format_area(self.turnout(ctx).await?.1))
    }
    /// The stored result once closed; a live tally while open, except for secret ballots (null).
    async fn result(&self, ctx: &Context<'_>) -> GqlResult<Option<BallotResult>> {
        let closed = self.model.status == service::BallotStatus::Closed;
        let shown = rules::result_shown(
            closed,
            self.model.status == service::BallotStatus::Cancelled,
            self.model.secret,
        );
        if shown == rules::ResultShown::Hidden {
            return Ok(None);
        }
        let mut options = self.load_options(ctx).await?;
        let mut model = self.model.clone();
        if let Some(counts) = self.counts(ctx).await? {
            counts.apply(&mut model, &mut options);
        }
        let (quorum_met, outcome, adopted) =
            match (&self.model.outcome, self.model.quorum_met, closed) {
                (Some(o), Some(q), true) => (
                    q,
                    *o,
                    options
                        .iter()
                        .map(|o| o.adopted.unwrap_or(false))
                        .collect::<Vec<_>>(),
                ),
                _ => {
                    let d = service::decide(&model, &options)?;
                    (d.quorum_met, d.outcome, d.adopted)
                }
            };
        let thresholds =
            notice_thresholds(&service::thresholds(&model, &options), |i| options.get(i));
        let options = options
            .into_iter()
            .zip(adopted)
            .map(|(o, adopted)| {
                Ok(OptionResult {
                    id: ID(o.id.clone()),
                    label: o.label.clone(),
                    role: o.role.into(),
                    votes: o.votes,
                    area: format_area(o.area),
                    adopted,
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        Ok(Some(BallotResult {
            r#final: closed,
            quorum_met,
            outcome: outcome.into(),
            options,
            thresholds,
        }))
    }
    /// The frozen electorate and who has taken part (committee only, for paper ballots): filtered
    /// by a search over names, buildings and units, and optionally to those who have not voted;
    /// by label, at most 100 a page. Each ballot's page is its own statement (searched and
    /// ordered through the roster's households and buildings), so it costs as much as the
    /// bulletin in the query cost on top of its page: at most two fit in one request.
    #[graphql(
        complexity = "BULLETIN_COST + super::paging::cost(first, super::paging::LIST, child_complexity)"
    )]
    async fn voters(
        &self,
        ctx: &Context<'_>,
        search: Option<String>,
        not_voted: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<ElectorateConnection> {
        Box::pin(async move {
            use async_graphql::connection::{Connection, Edge, OpaqueCursor};
            let limit = super::paging::first(first, super::paging::LIST)?;
            let after = super::paging::id_after(after.as_deref())?;
            let viewer = require_viewer(ctx).await?;
            let found = service::electorate(
                &app_state(ctx)?.db,
                &viewer,
                &self.model.id,
                service::ElectorateFilter {
                    search: search.as_deref(),
                    not_voted: not_voted.unwrap_or(false),
                    with_total: ctx.look_ahead().field("totalCount").exists(),
                },
                after.as_deref(),
                limit,
            )
            .await?;
            let mut conn = Connection::with_additional_fields(
                after.is_some(),
                found.has_next,
                super::paging::Totals {
                    total_count: found.total.unwrap_or(0),
                },
            );
            conn.edges.extend(found.rows.into_iter().map(|e| {
                Edge::new(
                    OpaqueCursor(e.voter_id.clone()),
                    ElectorateMember {
                        voter_id: ID(e.voter_id),
                        label: e.label,
                        area: format_area(e.area),
                        voted: e.channel.is_some(),
                        channel: e.channel,
                    },
                )
            }));
            Ok(conn)
        })
        .await
    }
    /// Whether the viewer (or, for household electorates, their household) may vote here.
    async fn viewer_eligible(&self, ctx: &Context<'_>) -> GqlResult<bool> {
        Box::pin(async move {
            let Some(key) = self.viewer_key(ctx).await? else {
                return Ok(false);
            };
            if let Some(found) = self.reads.as_ref().and_then(|r| r.eligible.as_ref()) {
                return Ok(found.contains(&key));
            }
            let loaders = super::Loaders::of(ctx)?;
            Ok(super::loaders::one(&loaders.eligible, key)
                .await?
                .unwrap_or(false))
        })
        .await
    }
    /// Whether the viewer's vote (or their household's) has been cast, online or on paper.
    async fn viewer_has_voted(&self, ctx: &Context<'_>) -> GqlResult<bool> {
        Box::pin(async move {
            let Some(key) = self.viewer_key(ctx).await? else {
                return Ok(false);
            };
            if let Some(found) = self.reads.as_ref().and_then(|r| r.voted.as_ref()) {
                return Ok(found.contains(&key));
            }
            let loaders = super::Loaders::of(ctx)?;
            Ok(super::loaders::one(&loaders.participated, key)
                .await?
                .unwrap_or(false))
        })
        .await
    }
}

/// One voter of the frozen electorate: a resident (RESIDENTS) or a household (HOUSEHOLDS, OWNERS).
#[derive(SimpleObject)]
pub struct ElectorateMember {
    /// The id `recordPaperBallot` takes.
    pub voter_id: ID,
    pub label: String,
    pub area: String,
    pub voted: bool,
    /// ONLINE or PAPER once the voter has taken part.
    pub channel: Option<String>,
}

/// One line of a closed named vote's roll (committee only).
#[derive(SimpleObject)]
pub struct NamedVote {
    /// The resident's id (RESIDENTS electorate) or the household's id (HOUSEHOLDS, OWNERS).
    pub voter_id: ID,
    /// The resident's name, or the names of the household's active members.
    pub name: String,
    pub building: String,
    pub unit: String,
    pub channel: VoteChannel,
    /// The options chosen, in the ballot's option order.
    pub option_ids: Vec<ID>,
    pub option_labels: Vec<String>,
    /// The floor area the vote carries (OWNERS), m² as a decimal string.
    pub area: String,
}

/// One threshold of a result notice: what was required, what was achieved, whether it was met.
/// Counts are whole numbers ("6"), areas m² as decimal strings ("733.34").
#[derive(SimpleObject)]
pub struct NoticeThreshold {
    pub stage: ThresholdStage,
    /// For an approval threshold: the option judged.
    pub option_id: Option<ID>,
    pub option_label: Option<String>,
    pub measure: ThresholdMeasure,
    /// MORE_THAN (过半数, strict) or AT_LEAST (以上, inclusive).
    pub comparison: ThresholdComparison,
    /// The fraction, e.g. "2/3".
    pub fraction: String,
    /// The whole the fraction is of: the electorate (turnout) or the participants (approval).
    pub base: String,
    /// The least value that meets the threshold.
    pub required: String,
    pub achieved: String,
    pub met: bool,
}

/// The thresholds as the API shows them; `option` finds the judged option by its index.
fn notice_thresholds<'a>(
    thresholds: &[rules::Threshold],
    option: impl Fn(usize) -> Option<&'a entity::ballot_option::Model>,
) -> Vec<NoticeThreshold> {
    let value = |measure: rules::Measure, v: i64| match measure {
        rules::Measure::Count => v.to_string(),
        rules::Measure::Area => format_area(v),
    };
    thresholds
        .iter()
        .map(|t| {
            let option = t.option.and_then(&option);
            NoticeThreshold {
                stage: t.stage.into(),
                option_id: option.map(|o| ID(o.id.clone())),
                option_label: option.map(|o| o.label.clone()),
                measure: t.bar.measure.into(),
                comparison: t.bar.comparison.into(),
                fraction: format!("{}/{}", t.bar.num, t.bar.den),
                base: value(t.bar.measure, t.base),
                required: value(t.bar.measure, t.required),
                achieved: value(t.bar.measure, t.achieved),
                met: t.met,
            }
        })
        .collect()
}

/// The printable result notice (公示) of a closed ballot, for the notice board. Everything on it
/// is computed by the server.
#[derive(SimpleObject)]
pub struct ResultNotice {
    pub ballot_id: ID,
    pub community_name: String,
    pub topic_title: Option<String>,
    pub question: String,
    pub kind: BallotKind,
    pub method: VoteMethod,
    pub rule: DecisionRule,
    pub electorate: Electorate,
    pub secret: bool,
    /// The buildings the electorate was narrowed to; null: the whole community.
    pub scope: Option<Vec<Building>>,
    pub opened_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub extend_reason: Option<String>,
    pub eligible_count: i64,
    pub eligible_area: String,
    pub turnout_count: i64,
    pub turnout_area: String,
    pub options: Vec<OptionResult>,
    /// Turnout first, then each judged option's approval; empty under PLURALITY.
    pub thresholds: Vec<NoticeThreshold>,
    pub quorum_met: bool,
    pub outcome: Outcome,
    /// SHA-256 (lowercase hex) of the bulletin, exactly as `GET /ballots/{id}/bulletin.csv`
    /// serves it.
    pub bulletin_digest: String,
    /// Votes on the bulletin.
    pub bulletin_entries: i64,
}

impl ResultNotice {
    fn from_notice(n: Notice) -> AppResult<Self> {
        let b = &n.ballot;
        let thresholds = notice_thresholds(&n.thresholds, |i| n.options.get(i));
        let options = n
            .options
            .iter()
            .map(|o| {
                Ok(OptionResult {
                    id: ID(o.id.clone()),
                    label: o.label.clone(),
                    role: o.role.into(),
                    votes: o.votes,
                    area: format_area(o.area),
                    adopted: o.adopted.unwrap_or(false),
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        Ok(Self {
            ballot_id: ID(b.id.clone()),
            community_name: n.community_name.clone(),
            topic_title: n.topic_title.clone(),
            question: b.question.clone(),
            kind: b.kind.into(),
            method: b.method.into(),
            rule: b.rule.into(),
            electorate: b.electorate.into(),
            secret: b.secret,
            scope: n
                .scope
                .clone()
                .map(|list| list.into_iter().map(Building::from).collect()),
            opened_at: b.opened_at,
            closes_at: b.closes_at,
            closed_at: b.closed_at,
            extend_reason: b.extend_reason.clone(),
            eligible_count: b.eligible_count,
            eligible_area: format_area(b.eligible_area),
            turnout_count: b.turnout_count,
            turnout_area: format_area(b.turnout_area),
            options,
            thresholds,
            quorum_met: n.quorum_met,
            outcome: n.outcome.into(),
            bulletin_digest: n.bulletin_digest.clone(),
            bulletin_entries: n.bulletin_entries as i64,
        })
    }
}

#[derive(SimpleObject)]
pub struct VoteReceipt {
    /// Shown once: keep it to change the vote before closing or to check the bulletin after.
    pub receipt: String,
}

#[derive(SimpleObject)]
pub struct ReceiptCheck {
    pub found: bool,
    pub option_ids: Vec<ID>,
}

#[derive(SimpleObject)]
pub struct BulletinEntry {
    pub receipt_hash: String,
    pub option_ids: Vec<ID>,
    /// The floor area this vote carries (OWNERS electorates), so the area tally can be recounted.
    pub area: String,
}

#[derive(Default)]
pub struct BallotQuery;

#[Object]
impl BallotQuery {
    async fn ballot(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Ballot>> {
        let viewer = require_viewer(ctx).await?;
        Ok(Some(Ballot::new(
            service::get(app_state(ctx)?, &viewer, &id).await?,
        )))
    }

    /// Does the ballot box hold a vote under this receipt? Shows the options it holds.
    async fn verify_receipt(
        &self,
        ctx: &Context<'_>,
        ballot_id: ID,
        receipt: String,
    ) -> GqlResult<ReceiptCheck> {
        let viewer = require_viewer(ctx).await?;
        let found = service::verify_receipt(app_state(ctx)?, &viewer, &ballot_id, &receipt).await?;
        Ok(ReceiptCheck {
            found: found.is_some(),
            option_ids: found.unwrap_or_default().into_iter().map(ID).collect(),
        })
    }

    /// After closing: every receipt hash with its choice; recounting it gives the published tally.
    /// It stays one whole list (a recount needs all of it), so it costs `BULLETIN_COST` in the
    /// query cost: at most two bulletins fit in one request. Also served as CSV at
    /// `GET /ballots/{id}/bulletin.csv`.
    #[graphql(complexity = "BULLETIN_COST + child_complexity")]
    async fn bulletin(&self, ctx: &Context<'_>, ballot_id: ID) -> GqlResult<Vec<BulletinEntry>> {
        let viewer = require_viewer(ctx).await?;
        let rows = service::bulletin(app_state(ctx)?, &viewer, &ballot_id).await?;
        Ok(rows
            .into_iter()
            .map(|r| BulletinEntry {
                receipt_hash: r.receipt_hash,
                option_ids: r.option_ids.split(',').map(|s| ID(s.to_owned())).collect(),
                area: format_area(r.area),
            })
            .collect())
    }
}

#[derive(Default)]
pub struct BallotMutation;

#[Object]
impl BallotMutation {
    /// The committee opens a ballot on a topic under deliberation (at most 20 ballots a topic;
    /// INVALID_STATE after that).
    async fn open_ballot(&self, ctx: &Context<'_>, input: OpenBallotInput) -> GqlResult<Ballot> {
        let viewer = require_viewer(ctx).await?;
        let input = OpenBallot {
            topic_id: input.topic_id.map(|i| i.to_string()),
            campaign_id: input.campaign_id.map(|i| i.to_string()),
            category_id: input.category_id.map(|i| i.to_string()),
            question: input.question,
            kind: input.kind.into(),
            options: input.options.map(|o| {
                o.into_iter()
                    .map(|o| (o.label, o.abstain.unwrap_or(false)))
                    .collect()
            }),
            method: input.method.map(Into::into),
            max_choices: input.max_choices,
            electorate: input.electorate.into(),
            rule: input.rule.into(),
            secret: input.secret,
            closes_at: input.closes_at,
            building_ids: input
                .building_ids
                .map(|ids| ids.into_iter().map(|i| i.to_string()).collect()),
        };
        Ok(Ballot::new(
            service::open(app_state(ctx)?, &viewer, input).await?,
        ))
    }

    /// Before any vote is cast, the committee corrects the question and/or moves `closesAt`
    /// later (INVALID_STATE once votes exist: then only `extendBallot` or `cancelBallot`).
    async fn update_ballot(
        &self,
        ctx: &Context<'_>,
        ballot_id: ID,
        question: Option<String>,
        closes_at: Option<DateTime<Utc>>,
    ) -> GqlResult<Ballot> {
        let viewer = require_viewer(ctx).await?;
        Ok(Ballot::new(
            amend::correct(
                app_state(ctx)?,
                &viewer,
                &ballot_id,
                question.as_deref(),
                closes_at,
            )
            .await?,
        ))
    }

    /// The committee moves `closesAt` later, once, with a public reason; every voter is told.
    async fn extend_ballot(
        &self,
        ctx: &Context<'_>,
        ballot_id: ID,
        closes_at: DateTime<Utc>,
        reason: String,
    ) -> GqlResult<Ballot> {
        let viewer = require_viewer(ctx).await?;
        Ok(Ballot::new(
            amend::extend(app_state(ctx)?, &viewer, &ballot_id, closes_at, &reason).await?,
        ))
    }

    /// The committee cancels an open ballot with a public reason (audited): nothing is counted,
    /// every voter is told, and the topic returns to DELIBERATING.
    async fn cancel_ballot(
        &self,
        ctx: &Context<'_>,
        ballot_id: ID,
        reason: String,
    ) -> GqlResult<Ballot> {
        let viewer = require_viewer(ctx).await?;
        Ok(Ballot::new(
            amend::cancel(app_state(ctx)?, &viewer, &ballot_id, &reason).await?,
        ))
    }

    /// Without `receipt`: a first vote (a second answers CONFLICT). With the receipt of an earlier
    /// vote: replaces that vote.
    async fn cast_vote(
        &self,
        ctx: &Context<'_>,
        ballot_id: ID,
        option_ids: Vec<ID>,
        receipt: Option<String>,
    ) -> GqlResult<VoteReceipt> {
        // The viewer is read inside the vote's transaction (`cast::read_for_vote`).
        let reader = Reader::of(ctx)?;
        reader.signed_in()?;
        let ids: Vec<String> = option_ids.into_iter().map(|i| i.to_string()).collect();
        let state = app_state(ctx)?;
        let new = service::cast(state, &reader, &ballot_id, &ids, receipt.as_deref()).await?;
        state
            .metrics
            .vote_cast(crate::http::metrics::VoteChannel::Online, receipt.is_some());
        Ok(VoteReceipt { receipt: new })
    }

    /// The committee records a paper ballot. `voterId`: the resident's id for a RESIDENTS
    /// electorate, the household's id for HOUSEHOLDS and OWNERS.
    async fn record_paper_ballot(
        &self,
        ctx: &Context<'_>,
        ballot_id: ID,
        voter_id: ID,
        option_ids: Vec<ID>,
    ) -> GqlResult<bool> {
        let viewer = require_viewer(ctx).await?;
        let ids: Vec<String> = option_ids.into_iter().map(|i| i.to_string()).collect();
        service::record_paper(app_state(ctx)?, &viewer, &ballot_id, &voter_id, &ids).await?;
        app_state(ctx)?
            .metrics
            .vote_cast(crate::http::metrics::VoteChannel::Paper, false);
        Ok(true)
    }
}

#[derive(Default)]
pub struct BallotSubscription;

#[Subscription]
impl BallotSubscription {
    /// The ballot each time its tally or status changes (turnout only for open secret ballots).
    /// Ends with UNAUTHENTICATED when the viewer's place in the ballot's community is closed.
    async fn ballot_tally(
        &self,
        ctx: &Context<'_>,
        ballot_id: ID,
    ) -> Result<impl Stream<Item = GqlResult<Ballot>>, async_graphql::Error> {
        let viewer = require_viewer(ctx).await?;
        let state = app_state(ctx)?;
        let b = service::visible(&state.db, &viewer, &ballot_id).await?;
        let (me, community) = (viewer.id().to_owned(), b.community_id.clone());
        let place_closed = crate::bus::wait_for(state.bus.subscribe(), move |e| {
            matches!(e, BusEvent::PlaceClosed { account_id, community_id }
                if *account_id == me && *community_id == community)
        });
        // A subscription lives long; the viewer's places and roles are read again for every
        // snapshot, so a role revoked meanwhile (the committee's `voters`, `namedRoll`) counts.
        let fresh = viewer.clone();
        let changes = tokio_stream::wrappers::WatchStream::from_changes(state.tallies.watch(&b.id))
            .filter_map(move |snapshot| {
                fresh.forget_access();
                std::future::ready(snapshot.map(|s| Ok(Ballot::from_snapshot(s))))
            });
        Ok(crate::bus::until(
            changes,
            place_closed,
            Err(AppError::Unauthenticated.into()),
        ))
    }
}
