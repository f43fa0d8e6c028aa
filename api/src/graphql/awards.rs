//! Civility awards (文明评选, DESIGN §6, §10): transport only. What a viewer may read and do is
//! decided in `domain::awards` (`CampaignView`, `NominationView`, `rules`).

use async_graphql::connection::EmptyFields;
use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::enums::{BallotStatus, CampaignPhase, NominationStatus, NomineeKind};
use super::paging;
use crate::auth::{app_state, require_viewer};
use crate::domain::awards::rules::{CampaignAct, CategoryInput, NominationAct};
use crate::domain::awards::service::{CampaignView, NominationView, Nominee as NomineeView};
use crate::domain::awards::{act, committee, read};
use crate::domain::topic::service::Person;
use crate::error::GqlResult;

/// A category of a campaign.
#[derive(SimpleObject, Clone)]
pub struct AwardCategory {
    pub id: ID,
    pub name: String,
    pub nominee_kind: NomineeKind,
    /// How many nominations of the category may win.
    pub winners: i32,
}

impl From<&entity::award_category::Model> for AwardCategory {
    fn from(c: &entity::award_category::Model) -> Self {
        Self {
            id: ID(c.id.clone()),
            name: c.name.clone(),
            nominee_kind: c.nominee_kind.into(),
            winners: c.winners,
        }
    }
}

/// A campaign's community, by id and name.
#[derive(SimpleObject, Clone)]
pub struct AwardCommunity {
    pub id: ID,
    pub name: String,
}

/// A person named by a nomination (the nominator): a resident's id and name.
#[derive(SimpleObject, Clone)]
pub struct AwardPerson {
    pub id: ID,
    pub name: String,
}

impl From<Person> for AwardPerson {
    fn from(p: Person) -> Self {
        Self {
            id: ID(p.id),
            name: p.name,
        }
    }
}

/// Who is nominated: a household (shown as its building and unit), a building, or a resident
/// (name, building and unit).
#[derive(SimpleObject, Clone)]
pub struct Nominee {
    pub kind: NomineeKind,
    pub id: ID,
    pub name: String,
}

impl From<NomineeView> for Nominee {
    fn from(n: NomineeView) -> Self {
        Self {
            kind: n.kind.into(),
            id: ID(n.id),
            name: n.name,
        }
    }
}

/// What the viewer may do with the campaign now: the server's rule, the same each act checks.
#[derive(SimpleObject, Clone, Default)]
#[graphql(complex)]
pub struct CampaignActions {
    pub nominate: bool,
    pub advance: bool,
    pub shortlist: bool,
    /// Opening a public vote is the committee's act in this phase; which categories it may be
    /// opened on is `openBallotCategoryIds`.
    pub open_ballot: bool,
    pub announce: bool,
    #[graphql(skip)]
    view: Option<CampaignView>,
}

#[async_graphql::ComplexObject]
impl CampaignActions {
    /// The categories on which the viewer may open a public vote now (`openBallot` with
    /// `campaignId` and `categoryId`): two or more shortlisted nominations, no vote on the
    /// category open, and fewer than 20 ballots on it so far. Empty unless `openBallot`.
    async fn open_ballot_category_ids(&self, ctx: &Context<'_>) -> GqlResult<Vec<ID>> {
        let Some(view) = self.view.as_ref().filter(|_| self.open_ballot) else {
            return Ok(Vec::new());
        };
        // Batched: a page of campaigns reads every campaign's state in the same two statements.
        let loaders = super::Loaders::of(ctx)?;
        let state = super::loaders::one(&loaders.campaign_votes, view.campaign.id.clone())
            .await?
            .unwrap_or_default();
        let ids = committee::vote_categories(view, &state);
        Ok(ids.into_iter().map(ID).collect())
    }
}

impl CampaignActions {
    fn of(acts: Vec<CampaignAct>, view: &CampaignView) -> Self {
        let mut a = Self {
            view: Some(view.clone()),
            ..Self::default()
        };
        for act in acts {
            match act {
                CampaignAct::Nominate => a.nominate = true,
                CampaignAct::Advance => a.advance = true,
                CampaignAct::Shortlist => a.shortlist = true,
                CampaignAct::OpenBallot => a.open_ballot = true,
                CampaignAct::Announce => a.announce = true,
            }
        }
        a
    }
}

/// What the viewer may do with the nomination now.
#[derive(SimpleObject, Clone, Default)]
pub struct NominationActions {
    pub consent: bool,
    pub endorse: bool,
    pub shortlist: bool,
    /// The committee may name it a winner (`announceAwards`).
    pub award: bool,
}

impl NominationActions {
    fn of(acts: Vec<NominationAct>) -> Self {
        let mut a = Self::default();
        for act in acts {
            match act {
                NominationAct::Consent => a.consent = true,
                NominationAct::Endorse => a.endorse = true,
                NominationAct::Shortlist => a.shortlist = true,
                NominationAct::Award => a.award = true,
            }
        }
        a
    }
}

/// A public vote over a category's shortlist.
#[derive(SimpleObject, Clone)]
pub struct CampaignVote {
    /// The ballot (`ballot(id:)`).
    pub id: ID,
    pub category_id: ID,
    pub status: BallotStatus,
    pub closes_at: DateTime<Utc>,
}

/// An awards campaign (DESIGN §6, §10), read by the residents of its community.
pub struct AwardCampaign(pub CampaignView);

#[Object]
impl AwardCampaign {
    async fn id(&self) -> ID {
        ID(self.0.campaign.id.clone())
    }
    async fn title(&self) -> &str {
        &self.0.campaign.title
    }
    async fn year(&self) -> i32 {
        self.0.campaign.year
    }
    /// From the windows and the announcement: the committee may end a phase early.
    async fn phase(&self) -> CampaignPhase {
        self.0.phase.into()
    }
    async fn categories(&self) -> Vec<AwardCategory> {
        self.0.categories.iter().map(Into::into).collect()
    }
    /// Endorsements at which a nomination becomes QUALIFIED.
    async fn endorsement_threshold(&self) -> i32 {
        self.0.campaign.endorsement_threshold
    }
    async fn nominate_until(&self) -> DateTime<Utc> {
        self.0.campaign.nominate_until
    }
    async fn endorse_until(&self) -> DateTime<Utc> {
        self.0.campaign.endorse_until
    }
    /// The committee's target date for the announcement (the campaign stays REVIEWING until
    /// it announces).
    async fn review_until(&self) -> DateTime<Utc> {
        self.0.campaign.review_until
    }
    async fn announced_at(&self) -> Option<DateTime<Utc>> {
        self.0.campaign.announced_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.campaign.created_at
    }
    async fn community(&self) -> AwardCommunity {
        AwardCommunity {
            id: ID(self.0.campaign.community_id.clone()),
            name: self.0.community_name.clone(),
        }
    }
    /// What the viewer may do now.
    async fn viewer_can(&self) -> CampaignActions {
        CampaignActions::of(self.0.actions(), &self.0)
    }
    /// The campaign's public votes, one per category at most while open.
    async fn votes(&self, ctx: &Context<'_>) -> GqlResult<Vec<CampaignVote>> {
        let loaders = super::Loaders::of(ctx)?;
        let found = super::loaders::one(&loaders.campaign_ballots, self.0.campaign.id.clone())
            .await?
            .unwrap_or_default();
        Ok(found
            .into_iter()
            .map(|b| CampaignVote {
                id: ID(b.id),
                category_id: ID(b.category_id.unwrap_or_default()),
                status: b.status.into(),
                closes_at: b.closes_at,
            })
            .collect())
    }
    /// The nominations the viewer may read (of one category, or all), oldest first.
    #[graphql(complexity = "paging::cost(first, paging::LIST, child_complexity)")]
    async fn nominations(
        &self,
        ctx: &Context<'_>,
        category_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<NominationConnection> {
        let page = paging::KeyPage::new(first, after.as_deref(), paging::LIST)?;
        let key = read::NominationsKey {
            campaign_id: self.0.campaign.id.clone(),
            category_id: category_id.map(|c| c.0),
            after: page.after.as_ref().map(|k| (k.at, k.id.clone())),
            limit: page.limit,
            reader: self.0.reader.clone(),
        };
        let (rows, has_next) = super::loaders::one(&super::Loaders::of(ctx)?.nomination_pages, key)
            .await?
            .unwrap_or_default();
        let keyed = paging::keyed(
            rows,
            |v| (v.nomination.created_at, v.nomination.id.clone()),
            Nomination,
        );
        Ok(page.connection(keyed, has_next, EmptyFields))
    }
}

/// A nomination (DESIGN §6, §10).
pub struct Nomination(pub NominationView);

#[Object]
impl Nomination {
    async fn id(&self) -> ID {
        ID(self.0.nomination.id.clone())
    }
    async fn status(&self) -> NominationStatus {
        self.0.nomination.status.into()
    }
    async fn endorsement_count(&self) -> i32 {
        self.0.nomination.endorsement_count
    }
    /// Why the nominee deserves it (20–2,000 characters).
    async fn story(&self) -> &str {
        &self.0.nomination.story
    }
    async fn nominee(&self) -> Nominee {
        self.0.nominee.clone().into()
    }
    async fn nominator(&self) -> AwardPerson {
        self.0.nominator.clone().into()
    }
    async fn category(&self) -> AwardCategory {
        (&self.0.category).into()
    }
    async fn campaign(&self) -> AwardCampaign {
        AwardCampaign(self.0.campaign.clone())
    }
    /// The committee's note when it shortlisted the nomination.
    async fn shortlist_note(&self) -> Option<&str> {
        self.0.nomination.shortlist_note.as_deref()
    }
    async fn consented_at(&self) -> Option<DateTime<Utc>> {
        self.0.nomination.consented_at
    }
    async fn qualified_at(&self) -> Option<DateTime<Utc>> {
        self.0.nomination.qualified_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.nomination.created_at
    }
    /// Whether the viewer has endorsed it.
    async fn viewer_endorsed(&self) -> bool {
        self.0.standing.endorsed
    }
    /// Whether the viewer is the nominee (or lives in the nominee household).
    async fn viewer_is_nominee(&self) -> bool {
        self.0.standing.nominee
    }
    /// What the viewer may do now.
    async fn viewer_can(&self) -> NominationActions {
        NominationActions::of(self.0.actions())
    }
}

/// An award on the honour roll: an AWARDED nomination.
pub struct Award(pub NominationView);

#[Object]
impl Award {
    /// The awarded nomination's id (the certificate's address).
    async fn id(&self) -> ID {
        ID(self.0.nomination.id.clone())
    }
    async fn nomination(&self) -> Nomination {
        Nomination(self.0.clone())
    }
    async fn category(&self) -> AwardCategory {
        (&self.0.category).into()
    }
    async fn year(&self) -> i32 {
        self.0.campaign.campaign.year
    }
    async fn nominee(&self) -> Nominee {
        self.0.nominee.clone().into()
    }
    async fn campaign_title(&self) -> &str {
        &self.0.campaign.campaign.title
    }
    async fn community(&self) -> AwardCommunity {
        AwardCommunity {
            id: ID(self.0.campaign.campaign.community_id.clone()),
            name: self.0.campaign.community_name.clone(),
        }
    }
    async fn awarded_at(&self) -> Option<DateTime<Utc>> {
        self.0.campaign.campaign.announced_at
    }
}

pub type AwardCampaignConnection = paging::KeyConnection<AwardCampaign, EmptyFields>;
pub type NominationConnection = paging::KeyConnection<Nomination, EmptyFields>;

#[derive(InputObject)]
pub struct AwardCategoryInput {
    /// 1–40 characters, distinct within the campaign.
    pub name: String,
    pub nominee_kind: NomineeKind,
    /// 1–100.
    pub winners: i32,
}

#[derive(InputObject)]
pub struct AwardCampaignInput {
    pub community_id: ID,
    /// 1–100 characters.
    pub title: String,
    pub year: i32,
    /// 1–10,000.
    pub endorsement_threshold: i32,
    /// 1–12 categories.
    pub categories: Vec<AwardCategoryInput>,
    /// In the future; then `endorseUntil` after it, then `reviewUntil`, within a year.
    pub nominate_until: DateTime<Utc>,
    pub endorse_until: DateTime<Utc>,
    pub review_until: DateTime<Utc>,
}

#[derive(Default)]
pub struct AwardsQuery;

#[Object]
impl AwardsQuery {
    /// A community's campaigns, newest first (its residents).
    #[graphql(complexity = "paging::cost(first, paging::LIST, child_complexity)")]
    async fn award_campaigns(
        &self,
        ctx: &Context<'_>,
        community_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<AwardCampaignConnection> {
        let viewer = require_viewer(ctx).await?;
        let page = paging::KeyPage::new(first, after.as_deref(), paging::LIST)?;
        let after = page.after.as_ref().map(|k| (k.at, k.id.clone()));
        let (rows, has_next) = read::campaigns(
            &app_state(ctx)?.db,
            &viewer,
            &community_id,
            after.as_ref(),
            page.limit,
        )
        .await?;
        let keyed = paging::keyed(
            rows,
            |v| (v.campaign.created_at, v.campaign.id.clone()),
            AwardCampaign,
        );
        Ok(page.connection(keyed, has_next, EmptyFields))
    }

    async fn award_campaign(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<AwardCampaign>> {
        let viewer = require_viewer(ctx).await?;
        Ok(Some(AwardCampaign(
            read::campaign(&app_state(ctx)?.db, &viewer, &id).await?,
        )))
    }

    /// One nomination: public ones for the community; before consent (or declined) only for
    /// the nominator, the nominee and the committee (NOT_FOUND otherwise).
    async fn nomination(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Nomination>> {
        let viewer = require_viewer(ctx).await?;
        Ok(Some(Nomination(
            read::nomination(&app_state(ctx)?.db, &viewer, &id).await?,
        )))
    }

    /// Every award of the community (of one year, or all), newest year first.
    async fn honour_roll(
        &self,
        ctx: &Context<'_>,
        community_id: ID,
        year: Option<i32>,
    ) -> GqlResult<Vec<Award>> {
        let viewer = require_viewer(ctx).await?;
        let found = read::honour_roll(&app_state(ctx)?.db, &viewer, &community_id, year).await?;
        Ok(found.into_iter().map(Award).collect())
    }

    /// Nominees a resident may choose for a category of `kind` (up to 20): buildings by name,
    /// households by building or unit, residents by name or unit.
    async fn nominees(
        &self,
        ctx: &Context<'_>,
        community_id: ID,
        kind: NomineeKind,
        #[graphql(default)] search: String,
    ) -> GqlResult<Vec<Nominee>> {
        let viewer = require_viewer(ctx).await?;
        let found = read::nominees(
            app_state(ctx)?,
            &viewer,
            &community_id,
            kind.into(),
            &search,
        )
        .await?;
        Ok(found.into_iter().map(Into::into).collect())
    }
}

/// Nominations waiting for the viewer's consent (Home).
pub(super) async fn consent_requests(
    ctx: &Context<'_>,
    community_id: &str,
) -> GqlResult<Vec<Nomination>> {
    let viewer = require_viewer(ctx).await?;
    let found = read::consent_requests(&app_state(ctx)?.db, &viewer, community_id).await?;
    Ok(found.into_iter().map(Nomination).collect())
}

#[derive(Default)]
pub struct AwardsMutation;

#[Object]
impl AwardsMutation {
    /// The committee creates a campaign with its categories and windows (audited).
    async fn create_award_campaign(
        &self,
        ctx: &Context<'_>,
        input: AwardCampaignInput,
    ) -> GqlResult<AwardCampaign> {
        let viewer = require_viewer(ctx).await?;
        let v = committee::create(
            app_state(ctx)?,
            &viewer,
            committee::NewCampaign {
                community_id: input.community_id.0,
                title: input.title,
                year: input.year,
                endorsement_threshold: input.endorsement_threshold,
                categories: input
                    .categories
                    .into_iter()
                    .map(|c| CategoryInput {
                        name: c.name,
                        nominee_kind: c.nominee_kind.into(),
                        winners: c.winners,
                    })
                    .collect(),
                nominate_until: input.nominate_until,
                endorse_until: input.endorse_until,
                review_until: input.review_until,
            },
        )
        .await?;
        Ok(AwardCampaign(v))
    }

    /// A resident nominates a household, building or resident of the community (as the
    /// category's `nomineeKind` says) with a story of 20–2,000 characters. A second nomination
    /// of the same nominee in the category is CONFLICT, with `extensions.existingId` once the
    /// first is public.
    async fn nominate(
        &self,
        ctx: &Context<'_>,
        campaign_id: ID,
        category_id: ID,
        nominee_id: ID,
        story: String,
    ) -> GqlResult<Nomination> {
        let viewer = require_viewer(ctx).await?;
        Ok(Nomination(
            act::nominate(
                app_state(ctx)?,
                &viewer,
                &campaign_id,
                &category_id,
                &nominee_id,
                &story,
            )
            .await?,
        ))
    }

    /// The nominee agrees (OPEN, public) or declines (DECLINED).
    async fn consent_to_nomination(
        &self,
        ctx: &Context<'_>,
        nomination_id: ID,
        consent: bool,
    ) -> GqlResult<Nomination> {
        let viewer = require_viewer(ctx).await?;
        Ok(Nomination(
            act::consent(app_state(ctx)?, &viewer, &nomination_id, consent).await?,
        ))
    }

    /// One endorsement per resident per nomination (CONFLICT on a repeat; FORBIDDEN for the
    /// nominee's own household), while nominating or endorsing.
    async fn endorse(&self, ctx: &Context<'_>, nomination_id: ID) -> GqlResult<Nomination> {
        let viewer = require_viewer(ctx).await?;
        Ok(Nomination(
            act::endorse(app_state(ctx)?, &viewer, &nomination_id).await?,
        ))
    }

    /// The committee ends the current phase now (audited); INVALID_STATE in REVIEWING.
    async fn advance_campaign(
        &self,
        ctx: &Context<'_>,
        campaign_id: ID,
    ) -> GqlResult<AwardCampaign> {
        let viewer = require_viewer(ctx).await?;
        Ok(AwardCampaign(
            committee::advance(app_state(ctx)?, &viewer, &campaign_id).await?,
        ))
    }

    /// The committee shortlists a QUALIFIED nomination in REVIEWING, with a note (audited).
    async fn shortlist_nomination(
        &self,
        ctx: &Context<'_>,
        nomination_id: ID,
        note: Option<String>,
    ) -> GqlResult<Nomination> {
        let viewer = require_viewer(ctx).await?;
        Ok(Nomination(
            committee::shortlist(app_state(ctx)?, &viewer, &nomination_id, note.as_deref()).await?,
        ))
    }

    /// The committee announces the winners (AWARDED; every other public nomination
    /// NOT_SELECTED) in REVIEWING, once (audited, the winners told).
    async fn announce_awards(
        &self,
        ctx: &Context<'_>,
        campaign_id: ID,
        nomination_ids: Vec<ID>,
    ) -> GqlResult<AwardCampaign> {
        let viewer = require_viewer(ctx).await?;
        let ids: Vec<String> = nomination_ids.into_iter().map(|i| i.0).collect();
        Ok(AwardCampaign(
            committee::announce(app_state(ctx)?, &viewer, &campaign_id, &ids).await?,
        ))
    }
}
