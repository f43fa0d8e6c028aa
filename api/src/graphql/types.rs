//! GraphQL object types shared by several modules. They wrap storage models but publish only
//! the fields listed here.

use async_graphql::{ComplexObject, Context, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::enums::{self, Role};
use crate::auth::{app_state, require_viewer};
use crate::domain::roles;
use crate::domain::roster::rules::format_area;
use crate::domain::roster::service::{ImportOutcome, IssuedInvite};
use crate::error::{AppError, AppResult, GqlResult};
use crate::graphql::Loaders;

pub struct Community(pub entity::community::Model);

#[Object]
impl Community {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Co-signatures a resident's topic needs before review (DESIGN §3).
    async fn cosign_threshold(&self) -> i32 {
        self.0.cosign_threshold
    }
    /// After how many days an unresolved mediation case is flagged overdue (DESIGN §5).
    async fn case_overdue_days(&self) -> i32 {
        self.0.case_overdue_days
    }
    /// Active residents on the roster.
    async fn resident_count(&self, ctx: &Context<'_>) -> GqlResult<u64> {
        Ok(
            crate::domain::community::counts(&app_state(ctx)?.db, &self.0.id)
                .await?
                .0,
        )
    }
    async fn household_count(&self, ctx: &Context<'_>) -> GqlResult<u64> {
        Ok(
            crate::domain::community::counts(&app_state(ctx)?.db, &self.0.id)
                .await?
                .1,
        )
    }
    /// The community's events as a calendar feed (`.ics`) that a calendar app can fetch: it
    /// carries the viewer's private feed token (DESIGN §10).
    async fn calendar_url(&self, ctx: &Context<'_>) -> GqlResult<String> {
        super::events::community_calendar_url(ctx, &self.0.id).await
    }
    /// What the viewer may start here, each as the module's service decides it: a portal
    /// offers a form or a committee page only when its flag is set (the server checks again).
    async fn viewer_can(&self, ctx: &Context<'_>) -> GqlResult<CommunityActions> {
        let viewer = require_viewer(ctx).await?;
        let can = roles::viewer_actions(&app_state(ctx)?.db, &viewer, &self.0.id).await?;
        Ok(CommunityActions {
            propose_topic: can.propose_topic,
            propose_as_committee: can.propose_as_committee,
            review_topics: can.review_topics,
            manage_roster: can.manage_roster,
            handle_cases: can.handle_cases,
            run_campaigns: can.run_campaigns,
            create_event: can.create_event,
            manage_volunteers: can.manage_volunteers,
        })
    }
    /// The community's buildings by name (for ballot scopes and nominations).
    async fn buildings(&self, ctx: &Context<'_>) -> GqlResult<Vec<Building>> {
        Ok(
            crate::domain::community::buildings(&app_state(ctx)?.db, &self.0.id)
                .await?
                .into_iter()
                .map(Building::from)
                .collect(),
        )
    }
}

/// What the viewer may start in a community (`Community.viewerCan`).
#[derive(SimpleObject, Clone, Copy, Debug)]
pub struct CommunityActions {
    /// Propose a topic (a resident on the roster).
    pub propose_topic: bool,
    /// A topic the viewer proposes starts at DELIBERATING, without co-signing and review (a
    /// committee member on the roster).
    pub propose_as_committee: bool,
    /// The topic review queue: accept, reject, moderate (the committee, or a platform admin).
    pub review_topics: bool,
    /// The roster: import, invite, grant roles (the committee, or a platform admin).
    pub manage_roster: bool,
    /// The mediation case queue (the committee, on the roster).
    pub handle_cases: bool,
    /// Award campaigns: create and run them (the committee, on the roster).
    pub run_campaigns: bool,
    /// Create an event (the committee or an organizer, on the roster).
    pub create_event: bool,
    /// Volunteer groups and the volunteer-hours ranking (the committee, on the roster).
    pub manage_volunteers: bool,
}

/// A building (楼栋) of a community.
#[derive(SimpleObject, Clone, Debug)]
pub struct Building {
    pub id: ID,
    /// e.g. "3栋".
    pub name: String,
}

impl From<entity::building::Model> for Building {
    fn from(b: entity::building::Model) -> Self {
        Self {
            id: ID(b.id),
            name: b.name,
        }
    }
}

/// A household, with its building's name when a list read it with the page.
pub struct Household(pub entity::household::Model, pub Option<String>);

#[Object]
impl Household {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// The building's name, e.g. "3栋".
    async fn building(&self, ctx: &Context<'_>) -> GqlResult<String> {
        if let Some(name) = &self.1 {
            return Ok(name.clone());
        }
        let b =
            super::loaders::one(&Loaders::of(ctx)?.buildings, self.0.building_id.clone()).await?;
        Ok(b.map(|b| b.name).unwrap_or_default())
    }
    async fn unit(&self) -> &str {
        &self.0.unit
    }
    /// Floor area in m² as an exact decimal string, e.g. "88.50".
    async fn area_m2(&self) -> String {
        format_area(self.0.area_centi)
    }
    async fn owner(&self) -> bool {
        self.0.owner
    }
}

pub async fn household_by_id(ctx: &Context<'_>, id: &str) -> AppResult<Option<Household>> {
    let h = super::loaders::one(&Loaders::of(ctx)?.households, id.to_owned()).await?;
    Ok(h.map(|h| Household(h, None)))
}

/// A resident as the committee sees them on the roster. What a row needs beyond its own place
/// (the roles granted to the page's holders, the community's count of committee places) is
/// read once, by the first row that needs it, for every row of the page.
pub struct Resident(pub entity::resident::Model, std::sync::Arc<RosterPage>);

/// What the rows of one roster page share.
#[derive(Default)]
pub struct RosterPage {
    /// (account, community) of each row.
    keys: Vec<(String, String)>,
    /// Each row's household id.
    household_ids: Vec<String>,
    grants: tokio::sync::OnceCell<std::collections::HashMap<(String, String), Vec<roles::Role>>>,
    committee_places: tokio::sync::OnceCell<u64>,
    /// Each row's household with its building's name, by household id.
    households: tokio::sync::OnceCell<
        std::collections::HashMap<String, (entity::household::Model, String)>,
    >,
}

impl Resident {
    pub fn new(place: entity::resident::Model) -> Self {
        let page = RosterPage {
            keys: vec![(place.account_id.clone(), place.community_id.clone())],
            household_ids: vec![place.household_id.clone()],
            ..Default::default()
        };
        Self(place, std::sync::Arc::new(page))
    }

    /// The rows of one roster page (one community's).
    pub fn page(places: Vec<entity::resident::Model>) -> Vec<Self> {
        let shared = std::sync::Arc::new(RosterPage {
            keys: places
                .iter()
                .map(|p| (p.account_id.clone(), p.community_id.clone()))
                .collect(),
            household_ids: places.iter().map(|p| p.household_id.clone()).collect(),
            ..Default::default()
        });
        places
            .into_iter()
            .map(|p| Self(p, shared.clone()))
            .collect()
    }
}

#[Object]
impl Resident {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Only the committee and admins reach residents through the API, so the phone is theirs to see.
    async fn phone(&self, ctx: &Context<'_>) -> GqlResult<String> {
        Ok(self
            .account(ctx)
            .await?
            .map(|a| a.phone)
            .unwrap_or_default())
    }
    async fn active(&self) -> bool {
        self.0.active
    }
    /// Whether the resident has taken this place by claiming an invite of this community (an
    /// account known elsewhere shows false here until then, like a new one).
    async fn claimed(&self, ctx: &Context<'_>) -> GqlResult<bool> {
        Ok(self.0.linked_at.is_some()
            && self
                .account(ctx)
                .await?
                .is_some_and(|a| a.password_hash.is_some()))
    }
    async fn household(&self, ctx: &Context<'_>) -> GqlResult<Household> {
        let db = &app_state(ctx)?.db;
        let page = &self.1;
        let found = page
            .households
            .get_or_try_init(|| {
                crate::domain::roster::service::households_with_buildings(
                    db,
                    page.household_ids.clone(),
                )
            })
            .await?;
        let (h, building) = found
            .get(&self.0.household_id)
            .cloned()
            .ok_or(AppError::NotFound)?;
        Ok(Household(h, Some(building)))
    }
    async fn roles(&self, ctx: &Context<'_>) -> GqlResult<Vec<Role>> {
        Ok(enums::all(self.carried(ctx).await?))
    }
    /// What the viewer may do to this place now; each flag and list is the check its mutation
    /// makes (the community's last committee member can neither go nor lose the role).
    async fn viewer_can(&self, ctx: &Context<'_>) -> GqlResult<ResidentActions> {
        let viewer = require_viewer(ctx).await?;
        let db = &app_state(ctx)?.db;
        let held = roles::viewer_roles(db, &viewer, &self.0.community_id).await?;
        let manages = roles::moderates(&held);
        let committee_places = match manages && self.0.active {
            true => {
                *self
                    .1
                    .committee_places
                    .get_or_try_init(|| {
                        crate::domain::roster::service::active_committee_count(
                            db,
                            &self.0.community_id,
                        )
                    })
                    .await?
            }
            false => 0,
        };
        let acts = roles::place_acts(
            manages,
            self.0.active,
            &self.carried(ctx).await?,
            committee_places,
        );
        Ok(ResidentActions {
            invite: acts.invite,
            deactivate: acts.deactivate,
            grant: enums::all(acts.grant),
            revoke: enums::all(acts.revoke),
        })
    }
}

/// What the viewer may do to a roster place (`Resident.viewerCan`).
#[derive(SimpleObject)]
pub struct ResidentActions {
    /// Issue a new invite code (`issueInvite`).
    pub invite: bool,
    /// Take the place off the roster (`deactivateResident`).
    pub deactivate: bool,
    /// Roles `grantRole` may give this place now.
    pub grant: Vec<Role>,
    /// Roles `revokeRole` may take from it now.
    pub revoke: Vec<Role>,
}

impl Resident {
    /// The roles the place carries (the grants of the page's holders, read in one statement).
    async fn carried(&self, ctx: &Context<'_>) -> AppResult<Vec<roles::Role>> {
        let db = &app_state(ctx)?.db;
        let page = &self.1;
        let grants = page
            .grants
            .get_or_try_init(|| roles::grants_of_places(db, &page.keys))
            .await?;
        let key = (self.0.account_id.clone(), self.0.community_id.clone());
        Ok(roles::roles_of_place(
            self.0.active,
            grants.get(&key).map(Vec::as_slice).unwrap_or_default(),
        ))
    }
    async fn account(&self, ctx: &Context<'_>) -> AppResult<Option<entity::account::Model>> {
        // Resolvers that reach a Resident have already checked the viewer may see the roster.
        let _ = require_viewer(ctx).await?;
        super::loaders::one(&Loaders::of(ctx)?.accounts, self.0.account_id.clone()).await
    }
}

/// An invite code in clear: shown once to the committee, never stored.
#[derive(SimpleObject)]
pub struct Invite {
    pub phone: String,
    pub code: String,
    pub resident_id: ID,
    pub household_id: ID,
    pub name: String,
    pub building: String,
    pub unit: String,
    pub expires_at: DateTime<Utc>,
}

impl From<IssuedInvite> for Invite {
    fn from(i: IssuedInvite) -> Self {
        Self {
            phone: i.phone,
            code: i.code,
            resident_id: ID(i.resident_id),
            household_id: ID(i.household_id),
            name: i.name,
            building: i.building,
            unit: i.unit,
            expires_at: i.expires_at,
        }
    }
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct RosterImport {
    /// New residents (each has an invite in `invites`).
    pub created: u64,
    /// Residents already on the roster whose household, name, status or roles changed.
    pub updated: u64,
    /// Residents already on the roster exactly as the file says.
    pub unchanged: u64,
    #[graphql(skip)]
    pub invites_list: Vec<IssuedInvite>,
}

#[ComplexObject]
impl RosterImport {
    /// One-time invite codes for the new residents; they are not shown again.
    async fn invites(&self) -> Vec<Invite> {
        self.invites_list
            .iter()
            .cloned()
            .map(Invite::from)
            .collect()
    }
}

impl From<ImportOutcome> for RosterImport {
    fn from(o: ImportOutcome) -> Self {
        Self {
            created: o.created,
            updated: o.updated,
            unchanged: o.unchanged,
            invites_list: o.invites,
        }
    }
}
