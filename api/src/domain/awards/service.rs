//! Awards' shared types, the access rule and the views.
//!
//! Campaigns and public nominations are read by the live residents of their community (the
//! committee sits among them). A nomination awaiting its nominee's consent, or declined, is
//! read only by its nominator, its nominee (the resident, or the live members of the household)
//! and the committee: everyone else gets NOT_FOUND for it on every path and never finds it in a
//! list. Every act on a nomination reads its campaign's row shared, then locks its own row (the
//! campaign first, the order announce keeps too), so endorsements of one nomination count one
//! at a time and none lands after the committee ends the window (`advanceCampaign` writes the
//! campaign row).

use std::collections::{BTreeSet, HashMap};

use entity::{award_campaign, award_category, community, nomination, resident};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::rules::{
    self, CampaignAct, CampaignPhase, Member, NominationAct, NomineeKind, Standing,
};
use crate::auth::Viewer;
use crate::domain::notify::{self, NotificationKind, Pending};
use crate::domain::now;
use crate::domain::roles;
use crate::domain::topic::service::{people, person, Person};
use crate::error::{AppError, AppResult};

pub use crate::domain::roles::{viewing, Viewing};

impl Viewing {
    pub fn member(&self) -> Member {
        Member {
            resident: self.resident.is_some(),
            committee: self.committee,
        }
    }
}

/// A campaign as one viewer sees it.
#[derive(Clone, Debug)]
pub struct CampaignView {
    pub campaign: award_campaign::Model,
    pub categories: Vec<award_category::Model>,
    pub phase: CampaignPhase,
    pub member: Member,
    pub community_name: String,
    /// Who reads it: which of its nominations they may read.
    pub reader: Reader,
}

/// Who reads a community's nominations (`read::visible`, `views`), compared by what decides
/// that (the resident's row and household, and the roles), so that the nominations of many
/// campaigns are read for one reader at once.
/// Only a campaign's view for its viewer holds one (`campaign_views`).
#[derive(Clone, Debug)]
pub struct Reader(std::sync::Arc<Viewing>);

impl Reader {
    pub(super) fn viewing(&self) -> &Viewing {
        &self.0
    }

    fn key(&self) -> (Option<(&str, &str)>, bool, bool) {
        let v = &self.0;
        let place = v
            .resident
            .as_ref()
            .map(|r| (r.id.as_str(), r.household_id.as_str()));
        (place, v.committee, v.organizer)
    }
}

impl PartialEq for Reader {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Reader {}

impl std::hash::Hash for Reader {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

impl CampaignView {
    pub fn actions(&self) -> Vec<CampaignAct> {
        rules::campaign_actions(self.phase, self.member)
    }

    pub fn require(&self, act: CampaignAct) -> AppResult<()> {
        rules::check_campaign(act, self.phase, self.member)
    }

    pub fn category(&self, id: &str) -> AppResult<&award_category::Model> {
        self.categories
            .iter()
            .find(|c| c.id == id)
            .ok_or_else(|| AppError::bad_input("categoryId", "not a category of this campaign"))
    }
}

/// Campaigns with their categories, in a constant number of statements.
pub async fn campaign_views<C: ConnectionTrait>(
    conn: &C,
    viewing: &Viewing,
    campaigns: Vec<award_campaign::Model>,
) -> AppResult<Vec<CampaignView>> {
    if campaigns.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = campaigns.iter().map(|c| c.id.clone()).collect();
    let categories = award_category::Entity::find()
        .filter(award_category::Column::CampaignId.is_in(ids))
        .order_by_asc(award_category::Column::Position)
        .all(conn)
        .await?;
    let community_ids: BTreeSet<String> =
        campaigns.iter().map(|c| c.community_id.clone()).collect();
    let names: HashMap<String, String> = community::Entity::find()
        .filter(community::Column::Id.is_in(community_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let at = now();
    let reader = Reader(std::sync::Arc::new(viewing.clone()));
    Ok(campaigns
        .into_iter()
        .map(|c| CampaignView {
            reader: reader.clone(),
            categories: categories
                .iter()
                .filter(|k| k.campaign_id == c.id)
                .cloned()
                .collect(),
            phase: rules::phase(&c, at),
            member: viewing.member(),
            community_name: names.get(&c.community_id).cloned().unwrap_or_default(),
            campaign: c,
        })
        .collect())
}

/// A nominee as lists show it: a household as its building and unit, a building by name, a
/// resident by name with their building and unit (two neighbours may share a name).
#[derive(Clone, Debug)]
pub struct Nominee {
    pub kind: NomineeKind,
    pub id: String,
    pub name: String,
}

/// A nomination as one viewer sees it.
#[derive(Clone, Debug)]
pub struct NominationView {
    pub nomination: nomination::Model,
    pub campaign: CampaignView,
    pub category: award_category::Model,
    pub nominee: Nominee,
    pub nominator: Person,
    pub standing: Standing,
}

impl NominationView {
    pub fn actions(&self) -> Vec<NominationAct> {
        rules::nomination_actions(self.campaign.phase, self.nomination.status, self.standing)
    }

    pub fn require(&self, act: NominationAct) -> AppResult<()> {
        rules::check_nomination(
            act,
            self.campaign.phase,
            self.nomination.status,
            self.standing,
        )
    }

    pub fn readable(&self) -> bool {
        self.standing.may_read(self.nomination.status)
    }
}

/// Labels for nominees, in three statements however many there are.
pub async fn nominee_names<C: ConnectionTrait>(
    conn: &C,
    nominees: &[(NomineeKind, String)],
) -> AppResult<HashMap<String, String>> {
    let of = |kind: NomineeKind| -> Vec<String> {
        nominees
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, id)| id.clone())
            .collect()
    };
    let residents = match of(NomineeKind::Resident) {
        ids if ids.is_empty() => Vec::new(),
        ids => {
            resident::Entity::find()
                .filter(resident::Column::Id.is_in(ids))
                .all(conn)
                .await?
        }
    };
    let household_ids: BTreeSet<String> = of(NomineeKind::Household)
        .into_iter()
        .chain(residents.iter().map(|r| r.household_id.clone()))
        .collect();
    let mut out = crate::domain::community::place_labels(
        conn,
        household_ids,
        of(NomineeKind::Building).into_iter().collect(),
    )
    .await?;
    for r in &residents {
        let at = out.get(&r.household_id).cloned().unwrap_or_default();
        out.insert(r.id.clone(), format!("{}（{}）", r.name, at));
    }
    Ok(out)
}

/// Views of nominations of one community for a viewer, in a constant number of statements.
/// Callers drop (or answer NOT_FOUND for) those the viewer may not read.
pub async fn views<C: ConnectionTrait>(
    conn: &C,
    viewing: &Viewing,
    rows: Vec<nomination::Model>,
) -> AppResult<Vec<NominationView>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let campaign_ids: BTreeSet<String> = rows.iter().map(|n| n.campaign_id.clone()).collect();
    let campaigns = award_campaign::Entity::find()
        .filter(award_campaign::Column::Id.is_in(campaign_ids))
        .all(conn)
        .await?;
    let campaigns: HashMap<String, CampaignView> = campaign_views(conn, viewing, campaigns)
        .await?
        .into_iter()
        .map(|c| (c.campaign.id.clone(), c))
        .collect();
    let nominees: Vec<(NomineeKind, String)> = rows
        .iter()
        .map(|n| (n.nominee_kind, n.nominee_id.clone()))
        .collect();
    let names = nominee_names(conn, &nominees).await?;
    let nominators = people(conn, rows.iter().map(|n| n.nominator_id.clone())).await?;
    let endorsed: BTreeSet<String> = match &viewing.resident {
        Some(me) => entity::endorsement::Entity::find()
            .select_only()
            .column(entity::endorsement::Column::NominationId)
            .filter(
                entity::endorsement::Column::NominationId.is_in(rows.iter().map(|n| n.id.clone())),
            )
            .filter(entity::endorsement::Column::ResidentId.eq(me.id.clone()))
            .into_tuple::<String>()
            .all(conn)
            .await?
            .into_iter()
            .collect(),
        None => BTreeSet::new(),
    };
    let mut out = Vec::with_capacity(rows.len());
    for n in rows {
        let Some(campaign) = campaigns.get(&n.campaign_id).cloned() else {
            continue;
        };
        let Some(category) = campaign
            .categories
            .iter()
            .find(|c| c.id == n.category_id)
            .cloned()
        else {
            continue;
        };
        let me = viewing.resident.as_ref();
        let standing = Standing {
            member: viewing.member(),
            nominee: me.is_some_and(|me| match n.nominee_kind {
                NomineeKind::Resident => n.nominee_id == me.id,
                NomineeKind::Household => n.nominee_id == me.household_id,
                NomineeKind::Building => false,
            }),
            nominator: me.is_some_and(|me| n.nominator_id == me.id),
            own_household: me
                .is_some_and(|me| n.nominee_household_id.as_deref() == Some(&me.household_id)),
            endorsed: endorsed.contains(&n.id),
        };
        out.push(NominationView {
            nominee: Nominee {
                kind: n.nominee_kind,
                id: n.nominee_id.clone(),
                name: names.get(&n.nominee_id).cloned().unwrap_or_default(),
            },
            nominator: person(&nominators, &n.nominator_id),
            campaign,
            category,
            standing,
            nomination: n,
        });
    }
    Ok(out)
}

/// The campaign as the viewer sees it, NOT_FOUND unless they live in its community; with
/// `lock`, its row is locked until the transaction ends (acts on the campaign).
pub async fn campaign<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    campaign_id: &str,
    lock: bool,
) -> AppResult<CampaignView> {
    let mut q = award_campaign::Entity::find_by_id(campaign_id.to_owned());
    if lock {
        q = q.lock_exclusive();
    }
    let c = q.one(conn).await?.ok_or(AppError::NotFound)?;
    let viewing = viewing(conn, viewer, &c.community_id).await?;
    if viewing.resident.is_none() {
        return Err(AppError::NotFound);
    }
    campaign_views(conn, &viewing, vec![c])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// The nomination as the viewer sees it inside an act's transaction: its campaign's row read
/// shared (the committee's phase change waits for the act, or the act sees the new phase), then
/// its own row locked. NOT_FOUND unless the viewer may read it.
pub(super) async fn lock<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    nomination_id: &str,
) -> AppResult<NominationView> {
    // Campaign first, then the nomination: the order every writer keeps (announce locks the
    // campaign, then updates nominations), so no two acts wait for each other in a circle.
    let campaign_id = nomination::Entity::find_by_id(nomination_id.to_owned())
        .select_only()
        .column(nomination::Column::CampaignId)
        .into_tuple::<String>()
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    award_campaign::Entity::find_by_id(campaign_id)
        .lock_shared()
        .one(conn)
        .await?;
    let n = nomination::Entity::find_by_id(nomination_id.to_owned())
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let viewing = viewing(conn, viewer, &n.community_id).await?;
    readable(views(conn, &viewing, vec![n]).await?.pop())
}

pub(super) fn readable(view: Option<NominationView>) -> AppResult<NominationView> {
    match view {
        Some(v) if v.readable() => Ok(v),
        _ => Err(AppError::NotFound),
    }
}

/// Accounts of the nominee: the resident, or every live member of the household (none for a
/// building).
pub(super) async fn nominee_accounts<C: ConnectionTrait>(
    conn: &C,
    n: &nomination::Model,
) -> AppResult<Vec<String>> {
    let column = match n.nominee_kind {
        NomineeKind::Resident => resident::Column::Id,
        NomineeKind::Household => resident::Column::HouseholdId,
        NomineeKind::Building => return Ok(Vec::new()),
    };
    let accounts: BTreeSet<String> = resident::Entity::find()
        .filter(column.eq(n.nominee_id.clone()))
        .filter(resident::Column::CommunityId.eq(n.community_id.clone()))
        .filter(roles::live_place())
        .all(conn)
        .await?
        .into_iter()
        .map(|r| r.account_id)
        .collect();
    Ok(accounts.into_iter().collect())
}

/// The nominator's account, if they still live there.
pub(super) async fn nominator_accounts<C: ConnectionTrait>(
    conn: &C,
    n: &nomination::Model,
) -> AppResult<Vec<String>> {
    crate::domain::topic::service::active_accounts(conn, [n.nominator_id.clone()]).await
}

/// Tells accounts (never the actor) about a nomination. The message carries the campaign's
/// title and the category's name: no nominee, no story (it may go out by SMS).
pub(super) async fn tell<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    v: &NominationView,
    accounts: Vec<String>,
    kind: NotificationKind,
) -> AppResult<Vec<Pending>> {
    let accounts: Vec<String> = accounts
        .into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|a| a != viewer.id())
        .collect();
    if accounts.is_empty() {
        return Ok(Vec::new());
    }
    notify::emit_many(
        conn,
        &accounts,
        Some(&v.nomination.community_id),
        kind,
        serde_json::json!({
            "nominationId": v.nomination.id,
            "campaignId": v.campaign.campaign.id,
            "campaign": v.campaign.campaign.title,
            "category": v.category.name,
        }),
    )
    .await
}
