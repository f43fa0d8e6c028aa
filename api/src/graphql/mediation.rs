//! Dispute mediation (矛盾调处, DESIGN §5, §10): transport only. What a viewer may read of a case
//! and do with it is decided in `domain::mediation` (`CaseView`, `rules::check`).

use async_graphql::connection::EmptyFields;
use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::enums::{self, CaseCategory, CaseEntryKind, CaseRole, CaseStatus};
use super::paging;
use crate::auth::{app_state, require_viewer};
use crate::domain::mediation::read::{self, Mine};
use crate::domain::mediation::rules::Act;
use crate::domain::mediation::service::{CaseView, Person};
use crate::domain::mediation::{act, committee, mediator};
use crate::error::GqlResult;

/// A person named in a case: a resident's id and name.
#[derive(SimpleObject, Clone)]
pub struct CasePerson {
    pub id: ID,
    pub name: String,
}

impl From<Person> for CasePerson {
    fn from(p: Person) -> Self {
        Self {
            id: ID(p.id),
            name: p.name,
        }
    }
}

/// A case's community, by id and name.
#[derive(SimpleObject, Clone)]
pub struct CaseCommunity {
    pub id: ID,
    pub name: String,
}

/// A resident respondent with their answer.
#[derive(SimpleObject, Clone)]
pub struct CaseRespondent {
    pub id: ID,
    pub name: String,
    /// Null until they answer.
    pub consent: Option<bool>,
    pub responded_at: Option<DateTime<Utc>>,
}

/// A signature of the current terms.
#[derive(SimpleObject, Clone)]
pub struct AgreementSignature {
    pub signer_id: ID,
    pub signer_name: String,
    pub signed_at: DateTime<Utc>,
}

/// Someone who signs the agreement in the app, and when they signed the current terms.
#[derive(SimpleObject, Clone)]
pub struct AgreementSigner {
    pub id: ID,
    pub name: String,
    /// Null until they sign these terms.
    pub signed_at: Option<DateTime<Utc>>,
}

/// The agreement (调解协议书): terms drafted by a mediator and signed by every party and every
/// mediator (an outside party on paper, recorded by the mediator). A redraft is a new
/// `version` and voids every signature.
#[derive(SimpleObject, Clone)]
pub struct CaseAgreement {
    pub terms: String,
    /// Pass it to `signAgreement` so that changed terms are never signed unread.
    pub version: i32,
    pub drafted_at: Option<DateTime<Utc>>,
    /// Signatures of these terms.
    pub signatures: Vec<AgreementSignature>,
    /// Everyone who signs in the app, with their signature of these terms, if any.
    pub signers: Vec<AgreementSigner>,
    /// Whether the outside party must sign on paper, and when the mediator recorded it.
    pub outside_party_signs: bool,
    pub outside_party_signed_at: Option<DateTime<Utc>>,
}

/// A mediation session.
#[derive(SimpleObject, Clone)]
pub struct CaseSession {
    pub id: ID,
    pub starts_at: DateTime<Utc>,
    pub place: String,
    pub note: Option<String>,
}

/// A line of the timeline: a message or a step.
#[derive(SimpleObject, Clone)]
pub struct CaseEntry {
    pub id: ID,
    pub kind: CaseEntryKind,
    /// Who wrote or did it (null for steps the server took).
    pub author: Option<CasePerson>,
    /// A message's text, or a step's reason (decline reason, suggested channel, follow-up note).
    pub body: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A mediator's private note.
#[derive(SimpleObject, Clone)]
pub struct CaseNote {
    pub id: ID,
    pub body: String,
    pub author: CasePerson,
    pub created_at: DateTime<Utc>,
}

/// What the viewer may do with the case now: the server's rule, the same one each act checks.
#[derive(SimpleObject, Clone, Default)]
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

impl CaseActions {
    fn of(acts: Vec<Act>) -> Self {
        let mut a = Self::default();
        for act in acts {
            match act {
                Act::Accept => a.accept = true,
                Act::Decline => a.decline = true,
                Act::Assign => a.assign = true,
                Act::Respond => a.respond = true,
                Act::Withdraw => a.withdraw = true,
                Act::Draft => a.draft = true,
                Act::Sign => a.sign = true,
                Act::Schedule => a.schedule = true,
                Act::Message => a.message = true,
                Act::Note => a.note = true,
                Act::Fail => a.fail = true,
                Act::FollowUp => a.follow_up = true,
                Act::Close => a.close = true,
                Act::Rate => a.rate = true,
                Act::OutsideConsent => a.record_outside_consent = true,
                Act::OutsideSignature => a.record_outside_signature = true,
            }
        }
        a
    }
}

/// A mediation case (DESIGN §5, §10). Only its parties, its assigned mediators and the committee
/// read it; everyone else gets NOT_FOUND.
pub struct MediationCase(pub CaseView);

#[Object]
impl MediationCase {
    async fn id(&self) -> ID {
        ID(self.0.case.id.clone())
    }
    /// Unique in the community, e.g. "2026-017".
    async fn number(&self) -> &str {
        &self.0.case.number
    }
    async fn status(&self) -> CaseStatus {
        self.0.case.status.into()
    }
    async fn category(&self) -> CaseCategory {
        self.0.case.category.into()
    }
    /// Whether the agreement was fulfilled; null until the follow-up.
    async fn fulfilled(&self) -> Option<bool> {
        self.0.case.fulfilled
    }
    async fn applicant(&self) -> Option<CasePerson> {
        self.0.applicant().map(|p| p.person.clone().into())
    }
    /// The resident respondents.
    async fn respondents(&self) -> Vec<CaseRespondent> {
        self.0
            .respondents()
            .map(|p| CaseRespondent {
                id: ID(p.person.id.clone()),
                name: p.person.name.clone(),
                consent: p.consent,
                responded_at: p.responded_at,
            })
            .collect()
    }
    /// A respondent from outside the roster, as the applicant described them.
    async fn outside_party(&self) -> Option<&str> {
        self.0.case.outside_party.as_deref()
    }
    /// When the mediator recorded the outside party's consent (given on paper).
    async fn outside_party_consented_at(&self) -> Option<DateTime<Utc>> {
        self.0.case.outside_consent_at
    }
    async fn mediators(&self) -> Vec<CasePerson> {
        self.0.mediators.iter().cloned().map(Into::into).collect()
    }
    async fn description(&self) -> &str {
        &self.0.case.description
    }
    async fn desired_outcome(&self) -> &str {
        &self.0.case.desired_outcome
    }
    /// Why the committee declined it.
    async fn decline_reason(&self) -> Option<&str> {
        self.0.case.decline_reason.as_deref()
    }
    /// For a FAILED case: where the mediator suggests to go next.
    async fn suggested_channel(&self) -> Option<&str> {
        self.0.case.failure_channel.as_deref()
    }
    async fn follow_up_note(&self) -> Option<&str> {
        self.0.case.follow_up_note.as_deref()
    }
    /// Null until first drafted.
    async fn agreement(&self) -> Option<CaseAgreement> {
        let c = &self.0.case;
        let terms = c.terms.clone()?;
        let signed: std::collections::HashMap<&str, DateTime<Utc>> = self
            .0
            .signatures
            .iter()
            .map(|s| (s.signer.id.as_str(), s.signed_at))
            .collect();
        let signers = self
            .0
            .parties
            .iter()
            .map(|p| &p.person)
            .chain(self.0.mediators.iter())
            .map(|p| AgreementSigner {
                id: ID(p.id.clone()),
                name: p.name.clone(),
                signed_at: signed.get(p.id.as_str()).copied(),
            })
            .collect();
        Some(CaseAgreement {
            terms,
            version: c.terms_version,
            drafted_at: c.terms_drafted_at,
            signatures: self
                .0
                .signatures
                .iter()
                .map(|s| AgreementSignature {
                    signer_id: ID(s.signer.id.clone()),
                    signer_name: s.signer.name.clone(),
                    signed_at: s.signed_at,
                })
                .collect(),
            signers,
            outside_party_signs: c.outside_party.is_some(),
            outside_party_signed_at: c.outside_signed_at,
        })
    }
    /// Sessions, earliest first.
    async fn sessions(&self) -> Vec<CaseSession> {
        self.0
            .sessions
            .iter()
            .map(|s| CaseSession {
                id: ID(s.id.clone()),
                starts_at: s.starts_at,
                place: s.place.clone(),
                note: s.note.clone(),
            })
            .collect()
    }
    /// Messages and steps, oldest first; the parties and mediators see it, and the committee.
    #[graphql(complexity = "paging::cost(first, paging::COMMENTS, child_complexity)")]
    async fn timeline(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<paging::KeyConnection<CaseEntry, EmptyFields>> {
        let page = paging::KeyPage::new(first, after.as_deref(), paging::COMMENTS)?;
        let key = read::TimelineKey {
            case_id: self.0.case.id.clone(),
            after: page.after.as_ref().map(|k| (k.at, k.id.clone())),
            limit: page.limit,
        };
        let (rows, has_next) = super::loaders::one(&super::Loaders::of(ctx)?.case_timelines, key)
            .await?
            .unwrap_or_default();
        let keyed = rows
            .into_iter()
            .map(|(e, author)| {
                let key = paging::Key {
                    at: e.created_at,
                    id: e.id.clone(),
                };
                let node = CaseEntry {
                    id: ID(e.id),
                    kind: e.kind.into(),
                    author: author.map(Into::into),
                    body: e.body,
                    created_at: e.created_at,
                };
                (key, node)
            })
            .collect();
        Ok(page.connection(keyed, has_next, EmptyFields))
    }
    /// The mediators' private notes, the newest 200 oldest first: null for anyone but an
    /// assigned mediator.
    async fn notes(&self, ctx: &Context<'_>) -> GqlResult<Option<Vec<CaseNote>>> {
        let Some(key) = self.0.notes_key() else {
            return Ok(None);
        };
        let loaders = super::Loaders::of(ctx)?;
        Ok(super::loaders::one(&loaders.case_notes, key)
            .await?
            .map(|rows| {
                rows.into_iter()
                    .map(|(n, author)| CaseNote {
                        id: ID(n.id),
                        body: n.body,
                        author: author.into(),
                        created_at: n.created_at,
                    })
                    .collect()
            }))
    }
    /// The community the case belongs to.
    async fn community(&self) -> CaseCommunity {
        CaseCommunity {
            id: ID(self.0.case.community_id.clone()),
            name: self.0.community_name.clone(),
        }
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.case.created_at
    }
    /// The latest activity.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.case.updated_at
    }
    async fn accepted_at(&self) -> Option<DateTime<Utc>> {
        self.0.case.accepted_at
    }
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.case.closed_at
    }
    /// Unresolved (SUBMITTED, ACCEPTED, IN_MEDIATION) for longer than the community's
    /// `caseOverdueDays`.
    async fn overdue(&self) -> bool {
        self.0.overdue
    }
    /// How the viewer stands in the case.
    async fn viewer_roles(&self) -> Vec<CaseRole> {
        self.0
            .standing
            .roles
            .iter()
            .copied()
            .map(Into::into)
            .collect()
    }
    /// What the viewer may do now.
    async fn viewer_can(&self) -> CaseActions {
        CaseActions::of(self.0.actions())
    }
    /// The viewer's rating of the mediation, once given.
    async fn viewer_rating(&self) -> Option<i32> {
        self.0.viewer_rating
    }
}

pub type MediationCaseConnection = paging::KeyConnection<MediationCase, EmptyFields>;

fn case_connection(page: &paging::KeyPage, found: read::CasePage) -> MediationCaseConnection {
    let keyed = paging::keyed(
        found.rows,
        |v| (v.case.created_at, v.case.id.clone()),
        MediationCase,
    );
    page.connection(keyed, found.has_next, EmptyFields)
}

#[derive(SimpleObject)]
pub struct CategoryCount {
    pub category: CaseCategory,
    pub count: u64,
}

#[derive(SimpleObject)]
pub struct StatusCount {
    pub status: CaseStatus,
    pub count: u64,
}

#[derive(SimpleObject)]
pub struct MonthCount {
    /// "2026-11"
    pub month: String,
    pub count: u64,
}

/// The community's mediation in numbers, for the committee: it names nobody.
#[derive(SimpleObject)]
pub struct CaseStatistics {
    pub total: u64,
    pub by_category: Vec<CategoryCount>,
    pub by_status: Vec<StatusCount>,
    /// Cases filed per month, oldest first.
    pub by_month: Vec<MonthCount>,
    /// Whole days from filing to closing, the median over closed cases; null before any.
    pub median_days_to_close: Option<i64>,
    pub overdue: u64,
    pub overdue_days: i32,
}

/// A neighbour the viewer may name as a respondent.
#[derive(SimpleObject)]
pub struct Neighbour {
    pub id: ID,
    pub name: String,
    pub building: String,
    pub unit: String,
}

#[derive(InputObject)]
pub struct FileCaseInput {
    pub community_id: ID,
    /// Residents of the community (up to 10), never the applicant.
    pub respondent_ids: Option<Vec<ID>>,
    /// Someone from outside the roster, described in text (up to 200 characters).
    pub outside_party: Option<String>,
    pub category: CaseCategory,
    /// Up to 2,000 characters.
    pub description: String,
    /// Up to 1,000 characters.
    pub desired_outcome: String,
}

fn ids(v: Vec<ID>) -> Vec<String> {
    v.into_iter().map(|i| i.0).collect()
}

#[derive(Default)]
pub struct MediationQuery;

#[Object]
impl MediationQuery {
    /// A case, for its parties, its assigned mediators and the committee (NOT_FOUND otherwise).
    async fn mediation_case(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<MediationCase>> {
        let viewer = require_viewer(ctx).await?;
        Ok(Some(MediationCase(
            read::get(&app_state(ctx)?.db, &viewer, &id).await?,
        )))
    }

    /// The viewer's cases in a community as applicant or respondent, newest first.
    #[graphql(complexity = "paging::cost(first, paging::LIST, child_complexity)")]
    async fn my_cases(
        &self,
        ctx: &Context<'_>,
        community_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<MediationCaseConnection> {
        mine(ctx, community_id, Mine::AsParty, first, after).await
    }

    /// The cases the viewer mediates in a community, newest first.
    #[graphql(complexity = "paging::cost(first, paging::LIST, child_complexity)")]
    async fn assigned_cases(
        &self,
        ctx: &Context<'_>,
        community_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<MediationCaseConnection> {
        mine(ctx, community_id, Mine::AsMediator, first, after).await
    }

    /// The committee's queue: every case of the community, newest first, optionally only some
    /// statuses or only the overdue ones.
    #[graphql(complexity = "paging::cost(first, paging::LIST, child_complexity)")]
    async fn community_cases(
        &self,
        ctx: &Context<'_>,
        community_id: ID,
        status: Option<Vec<CaseStatus>>,
        overdue: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<MediationCaseConnection> {
        let viewer = require_viewer(ctx).await?;
        let page = paging::KeyPage::new(first, after.as_deref(), paging::LIST)?;
        let after = page.after.as_ref().map(|k| (k.at, k.id.clone()));
        let found = read::queue(
            &app_state(ctx)?.db,
            &viewer,
            &community_id,
            status.map(enums::all).as_deref(),
            overdue.unwrap_or(false),
            after.as_ref(),
            page.limit,
        )
        .await?;
        Ok(case_connection(&page, found))
    }

    /// Counts by category, status and month, the median days to close and the overdue count
    /// (committee).
    async fn case_statistics(
        &self,
        ctx: &Context<'_>,
        community_id: ID,
    ) -> GqlResult<CaseStatistics> {
        let viewer = require_viewer(ctx).await?;
        let s = read::statistics(&app_state(ctx)?.db, &viewer, &community_id).await?;
        Ok(CaseStatistics {
            total: s.total,
            by_category: s
                .by_category
                .into_iter()
                .map(|(category, count)| CategoryCount {
                    category: category.into(),
                    count,
                })
                .collect(),
            by_status: s
                .by_status
                .into_iter()
                .map(|(status, count)| StatusCount {
                    status: status.into(),
                    count,
                })
                .collect(),
            by_month: s
                .by_month
                .into_iter()
                .map(|(month, count)| MonthCount { month, count })
                .collect(),
            median_days_to_close: s.median_days_to_close,
            overdue: s.overdue,
            overdue_days: s.overdue_days,
        })
    }

    /// The community's mediators, by name: whom the committee may assign (committee).
    async fn community_mediators(
        &self,
        ctx: &Context<'_>,
        community_id: ID,
    ) -> GqlResult<Vec<CasePerson>> {
        let viewer = require_viewer(ctx).await?;
        Ok(read::mediators(&app_state(ctx)?.db, &viewer, &community_id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Up to ten live residents of the community whose name or unit contains `search` (1–20
    /// characters), the viewer left out: whom a resident may name as a respondent.
    async fn neighbours(
        &self,
        ctx: &Context<'_>,
        community_id: ID,
        search: String,
    ) -> GqlResult<Vec<Neighbour>> {
        let viewer = require_viewer(ctx).await?;
        Ok(
            read::neighbours(&app_state(ctx)?.db, &viewer, &community_id, &search)
                .await?
                .into_iter()
                .map(|n| Neighbour {
                    id: ID(n.id),
                    name: n.name,
                    building: n.building,
                    unit: n.unit,
                })
                .collect(),
        )
    }
}

pub(super) async fn mine(
    ctx: &Context<'_>,
    community_id: ID,
    which: Mine,
    first: Option<i32>,
    after: Option<String>,
) -> GqlResult<MediationCaseConnection> {
    let viewer = require_viewer(ctx).await?;
    let page = paging::KeyPage::new(first, after.as_deref(), paging::LIST)?;
    let after = page.after.as_ref().map(|k| (k.at, k.id.clone()));
    let found = read::mine(
        &app_state(ctx)?.db,
        &viewer,
        &community_id,
        which,
        after.as_ref(),
        page.limit,
    )
    .await?;
    Ok(case_connection(&page, found))
}

#[derive(Default)]
pub struct MediationMutation;

#[Object]
impl MediationMutation {
    /// Files a case (a resident of the community): SUBMITTED, numbered, the committee told.
    async fn file_case(&self, ctx: &Context<'_>, input: FileCaseInput) -> GqlResult<MediationCase> {
        let viewer = require_viewer(ctx).await?;
        let respondents = ids(input.respondent_ids.unwrap_or_default());
        let v = act::file(
            app_state(ctx)?,
            &viewer,
            act::FileCase {
                community_id: &input.community_id,
                respondent_ids: &respondents,
                outside_party: input.outside_party.as_deref(),
                category: input.category.into(),
                description: &input.description,
                desired_outcome: &input.desired_outcome,
            },
        )
        .await?;
        Ok(MediationCase(v))
    }

    /// The committee accepts a SUBMITTED case and assigns mediators (residents holding
    /// MEDIATOR, none a party).
    async fn accept_case(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        mediator_ids: Vec<ID>,
    ) -> GqlResult<MediationCase> {
        let viewer = require_viewer(ctx).await?;
        let m = ids(mediator_ids);
        Ok(MediationCase(
            committee::accept(app_state(ctx)?, &viewer, &case_id, &m).await?,
        ))
    }

    /// The committee declines a SUBMITTED case with a reason the applicant reads.
    async fn decline_case(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        reason: String,
    ) -> GqlResult<MediationCase> {
        let viewer = require_viewer(ctx).await?;
        Ok(MediationCase(
            committee::decline(app_state(ctx)?, &viewer, &case_id, &reason).await?,
        ))
    }

    /// The committee replaces an open case's mediators (a changed set voids signatures).
    async fn assign_mediators(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        mediator_ids: Vec<ID>,
    ) -> GqlResult<MediationCase> {
        let viewer = require_viewer(ctx).await?;
        let m = ids(mediator_ids);
        Ok(MediationCase(
            committee::assign(app_state(ctx)?, &viewer, &case_id, &m).await?,
        ))
    }

    /// A resident respondent consents or refuses; every consent → IN_MEDIATION, a refusal →
    /// RESPONDENT_DECLINED.
    async fn respond_to_case(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        consent: bool,
    ) -> GqlResult<MediationCase> {
        let viewer = require_viewer(ctx).await?;
        Ok(MediationCase(
            act::respond(app_state(ctx)?, &viewer, &case_id, consent).await?,
        ))
    }

    /// An assigned mediator drafts the terms (up to 5,000 characters); voids earlier signatures.
    async fn draft_agreement(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        terms: String,
    ) -> GqlResult<MediationCase> {
        let viewer = require_viewer(ctx).await?;
        Ok(MediationCase(
            mediator::draft(app_state(ctx)?, &viewer, &case_id, &terms).await?,
        ))
    }

    /// Each party and mediator signs; all signed → AGREED. `version`: the agreement version the
    /// signer read (changed terms are refused with INVALID_STATE).
    async fn sign_agreement(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        version: Option<i32>,
    ) -> GqlResult<MediationCase> {
        let viewer = require_viewer(ctx).await?;
        Ok(MediationCase(
            act::sign(app_state(ctx)?, &viewer, &case_id, version).await?,
        ))
    }

    /// The applicant withdraws (SUBMITTED, ACCEPTED or IN_MEDIATION).
    async fn withdraw_case(&self, ctx: &Context<'_>, case_id: ID) -> GqlResult<MediationCase> {
        let viewer = require_viewer(ctx).await?;
        Ok(MediationCase(
            act::withdraw(app_state(ctx)?, &viewer, &case_id).await?,
        ))
    }

    /// An assigned mediator schedules a session (in the future, within a year); a case holds at
    /// most 50 (INVALID_STATE after that).
    async fn schedule_case_session(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        starts_at: DateTime<Utc>,
        place: String,
        note: Option<String>,
    ) -> GqlResult<MediationCase> {
        let viewer = require_viewer(ctx).await?;
        Ok(MediationCase(
            mediator::schedule(
                app_state(ctx)?,
                &viewer,
                &case_id,
                starts_at,
                &place,
                note.as_deref(),
            )
            .await?,
        ))
    }

    /// A party or mediator posts a message on the timeline (up to 1,000 characters).
    async fn post_case_message(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        body: String,
    ) -> GqlResult<MediationCase> {
        let viewer = require_viewer(ctx).await?;
        Ok(MediationCase(
            act::post_message(app_state(ctx)?, &viewer, &case_id, &body).await?,
        ))
    }

    /// An assigned mediator adds a private note (up to 2,000 characters).
    async fn add_case_note(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        body: String,
    ) -> GqlResult<MediationCase> {
        let viewer = require_viewer(ctx).await?;
        Ok(MediationCase(
            mediator::add_note(app_state(ctx)?, &viewer, &case_id, &body).await?,
        ))
    }

    /// An assigned mediator records the outside party's consent, given on paper.
    async fn record_outside_party_consent(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
    ) -> GqlResult<MediationCase> {
        let viewer = require_viewer(ctx).await?;
        Ok(MediationCase(
            mediator::record_outside_consent(app_state(ctx)?, &viewer, &case_id).await?,
        ))
    }

    /// An assigned mediator records the outside party's paper signature of the current terms.
    async fn record_outside_party_signature(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        version: Option<i32>,
    ) -> GqlResult<MediationCase> {
        let viewer = require_viewer(ctx).await?;
        Ok(MediationCase(
            mediator::record_outside_signature(app_state(ctx)?, &viewer, &case_id, version).await?,
        ))
    }

    /// An assigned mediator ends the case without agreement, naming the channel to try next: in
    /// mediation, or before it starts (ACCEPTED: a respondent who never answers or moved out).
    async fn fail_case(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        suggested_channel: String,
    ) -> GqlResult<MediationCase> {
        let viewer = require_viewer(ctx).await?;
        Ok(MediationCase(
            mediator::fail(app_state(ctx)?, &viewer, &case_id, &suggested_channel).await?,
        ))
    }

    /// An assigned mediator records the follow-up of an AGREED case: fulfilled → FULFILLED,
    /// not fulfilled → CLOSED.
    async fn follow_up_case(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        fulfilled: bool,
        note: String,
    ) -> GqlResult<MediationCase> {
        let viewer = require_viewer(ctx).await?;
        Ok(MediationCase(
            mediator::follow_up(app_state(ctx)?, &viewer, &case_id, fulfilled, &note).await?,
        ))
    }

    /// An assigned mediator or the committee closes a finished case.
    async fn close_case(&self, ctx: &Context<'_>, case_id: ID) -> GqlResult<MediationCase> {
        let viewer = require_viewer(ctx).await?;
        Ok(MediationCase(
            committee::close(app_state(ctx)?, &viewer, &case_id).await?,
        ))
    }

    /// A party rates a closed case's mediation 1–5, once.
    async fn rate_case(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        stars: i32,
    ) -> GqlResult<MediationCase> {
        let viewer = require_viewer(ctx).await?;
        Ok(MediationCase(
            act::rate(app_state(ctx)?, &viewer, &case_id, stars).await?,
        ))
    }

    /// After how many days (1–365) an unresolved case is flagged overdue (committee). Returns
    /// the new setting.
    async fn set_case_overdue_days(
        &self,
        ctx: &Context<'_>,
        community_id: ID,
        days: i32,
    ) -> GqlResult<i32> {
        let viewer = require_viewer(ctx).await?;
        Ok(
            committee::set_overdue_days(app_state(ctx)?, &viewer, &community_id, days)
                .await?
                .case_overdue_days,
        )
    }
}
