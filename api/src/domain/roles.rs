//! Community roles and the named permission checks built on them.
//!
//! Data a viewer may not see is answered as `NOT_FOUND` (its existence does not leak); a member
//! who lacks the role gets `FORBIDDEN`.

use entity::{resident, role_grant};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};

pub use entity::role_grant::Role;

/// Reads a role's name as a person types it (any case, spaces around).
pub fn parse_role(s: &str) -> Option<Role> {
    use sea_orm::ActiveEnum;
    Role::try_from_value(&s.trim().to_ascii_uppercase()).ok()
}

/// Roles a committee can grant (RESIDENT comes with the roster, ADMIN from the CLI).
pub fn is_grantable(role: Role) -> bool {
    GRANTABLE.contains(&role)
}

/// A roster place that gives its account access: active, and linked (the account holder took it:
/// see `roster::service::invite_power`). Electorates count every active place, linked or not.
pub fn live_place() -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(resident::Column::Active.eq(true))
        .add(resident::Column::LinkedAt.is_not_null())
}

/// The roles an account holds in a community. Granted roles count only while the account is an
/// active resident there; ADMIN holds everywhere.
pub async fn roles_in<C: ConnectionTrait>(
    conn: &C,
    account_id: &str,
    is_admin: bool,
    community_id: &str,
) -> AppResult<Vec<Role>> {
    let places = resident::Entity::find()
        .filter(resident::Column::AccountId.eq(account_id))
        .filter(resident::Column::CommunityId.eq(community_id))
        .filter(crate::domain::roles::live_place())
        .all(conn)
        .await?;
    let grants = match places.is_empty() {
        true => Vec::new(),
        false => {
            role_grant::Entity::find()
                .filter(role_grant::Column::AccountId.eq(account_id))
                .filter(role_grant::Column::CommunityId.eq(community_id))
                .all(conn)
                .await?
        }
    };
    Ok(roles_from(&places, &grants, is_admin, community_id))
}

/// The roles a roster place carries, as the committee's roster shows them: RESIDENT and the
/// granted roles while the place is active, whether or not its holder has taken it yet (so the
/// roster reads the same for a phone registered elsewhere and a new one). Pure: the grants come
/// from [`grants_of_places`].
pub fn roles_of_place(active: bool, granted: &[Role]) -> Vec<Role> {
    if !active {
        return Vec::new();
    }
    let mut roles = vec![Role::Resident];
    roles.extend(granted.iter().copied());
    roles.sort();
    roles.dedup();
    roles
}

/// The roles granted to each (account, community), in one statement (a roster page's roles).
pub async fn grants_of_places<C: ConnectionTrait>(
    conn: &C,
    keys: &[(String, String)],
) -> AppResult<std::collections::HashMap<(String, String), Vec<Role>>> {
    let wanted: std::collections::HashSet<&(String, String)> = keys.iter().collect();
    let mut out: std::collections::HashMap<(String, String), Vec<Role>> =
        keys.iter().map(|k| (k.clone(), Vec::new())).collect();
    for g in role_grant::Entity::find()
        .filter(role_grant::Column::AccountId.is_in(keys.iter().map(|k| k.0.clone())))
        .filter(role_grant::Column::CommunityId.is_in(keys.iter().map(|k| k.1.clone())))
        .all(conn)
        .await?
    {
        let key = (g.account_id, g.community_id);
        if wanted.contains(&key) {
            out.entry(key).or_default().push(g.role);
        }
    }
    Ok(out)
}

/// What a viewer may do to a roster place (`Resident.viewerCan`): the checks of the roster's
/// acts. `manages`: the viewer holds the community's roster (`moderates`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlaceActs {
    pub invite: bool,
    pub deactivate: bool,
    /// Grantable roles the place does not carry yet.
    pub grant: Vec<Role>,
    /// Grantable roles the place carries.
    pub revoke: Vec<Role>,
}

/// Roles the committee grants, in the order a roster shows them.
pub const GRANTABLE: [Role; 3] = [Role::Committee, Role::Mediator, Role::Organizer];

/// `committee_places`: the community's active places that carry COMMITTEE; its last one can
/// neither be deactivated nor lose the role (`roster::service`'s checks).
pub fn place_acts(
    manages: bool,
    active: bool,
    carried: &[Role],
    committee_places: u64,
) -> PlaceActs {
    if !(manages && active) {
        return PlaceActs::default();
    }
    let last_committee = carried.contains(&Role::Committee) && committee_places <= 1;
    let (held, grant): (Vec<Role>, Vec<Role>) =
        GRANTABLE.into_iter().partition(|r| carried.contains(r));
    let revoke = held
        .into_iter()
        .filter(|r| !(last_committee && *r == Role::Committee))
        .collect();
    PlaceActs {
        invite: true,
        deactivate: !last_committee,
        grant,
        revoke,
    }
}

/// The viewer's roles in a community, from the viewer's access (read once per request).
pub async fn viewer_roles<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    community_id: &str,
) -> AppResult<Vec<Role>> {
    let places = viewer.places(conn).await?;
    let grants = match places.iter().any(|p| p.community_id == community_id) {
        true => viewer.grants(conn).await?,
        false => Default::default(),
    };
    Ok(roles_from(
        &places,
        &grants,
        viewer.is_admin(),
        community_id,
    ))
}

/// Roles from an account's live places and grants: RESIDENT and the granted roles where it has
/// a live place, ADMIN everywhere (pure; the same rule as `roles_in`).
pub fn roles_from(
    places: &[resident::Model],
    grants: &[role_grant::Model],
    is_admin: bool,
    community_id: &str,
) -> Vec<Role> {
    let mut roles = Vec::new();
    if places.iter().any(|p| p.community_id == community_id) {
        roles.push(Role::Resident);
        roles.extend(
            grants
                .iter()
                .filter(|g| g.community_id == community_id)
                .map(|g| g.role),
        );
    }
    if is_admin {
        roles.push(Role::Admin);
    }
    roles.sort();
    roles.dedup();
    roles
}

/// A community exists for certain when the viewer has a live place on its roster; otherwise
/// (an admin) it is looked up.
async fn visible_community<C: ConnectionTrait>(
    conn: &C,
    community_id: &str,
    roles: &[Role],
) -> AppResult<bool> {
    if roles.is_empty() {
        return Ok(false);
    }
    if roles.contains(&Role::Resident) {
        return Ok(true);
    }
    community_exists(conn, community_id).await
}

async fn community_exists<C: ConnectionTrait>(conn: &C, community_id: &str) -> AppResult<bool> {
    Ok(
        entity::community::Entity::find_by_id(community_id.to_owned())
            .one(conn)
            .await?
            .is_some(),
    )
}

/// Members and admins may see a community; anyone else is told it does not exist.
pub async fn can_see_community<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    community_id: &str,
) -> AppResult<()> {
    // A member (a live place there) or an admin; roles granted there add nothing to seeing it.
    let member = viewer
        .places(conn)
        .await?
        .iter()
        .any(|p| p.community_id == community_id);
    let roles: &[Role] = match (member, viewer.is_admin()) {
        (true, _) => &[Role::Resident],
        (false, true) => &[Role::Admin],
        (false, false) => &[],
    };
    if !visible_community(conn, community_id, roles).await? {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Roster, invites, roles: the committee of the community, or a platform admin.
pub async fn can_manage_roster<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    community_id: &str,
) -> AppResult<()> {
    let roles = viewer_roles(conn, viewer, community_id).await?;
    if !visible_community(conn, community_id, &roles).await? {
        Err(AppError::NotFound)
    } else if moderates(&roles) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Creating communities is for platform admins.
pub fn can_create_community(viewer: &Viewer) -> AppResult<()> {
    if viewer.is_admin() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The viewer's live places on every roster (from the viewer's access, read once per request).
pub async fn live_places<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
) -> AppResult<Vec<resident::Model>> {
    Ok(viewer.places(conn).await?.as_ref().clone())
}

/// The most recent of some places (the household a person lives in now). Pure.
pub fn latest_place(places: &[resident::Model]) -> Option<&resident::Model> {
    places.iter().max_by_key(|p| p.created_at)
}

/// The viewer's live place on a community's roster, if any.
pub async fn active_resident<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    community_id: &str,
) -> AppResult<Option<resident::Model>> {
    Ok(viewer
        .places(conn)
        .await?
        .iter()
        .find(|p| p.community_id == community_id)
        .cloned())
}

/// The viewer in one community as awards and events see them: their live place (none: the
/// community's awards and events are NOT_FOUND to them) and the roles that matter there (none
/// without a live place, whatever was granted).
#[derive(Clone, Debug, Default)]
pub struct Viewing {
    pub resident: Option<resident::Model>,
    pub committee: bool,
    pub organizer: bool,
}

impl Viewing {
    pub fn of(resident: Option<resident::Model>, held: &[Role]) -> Self {
        let live = resident.is_some();
        Viewing {
            committee: live && held.contains(&Role::Committee),
            organizer: live && held.contains(&Role::Organizer),
            resident,
        }
    }

    /// Creating an event: the committee or an organizer, on the roster.
    pub fn may_organize(&self) -> bool {
        self.committee || self.organizer
    }
}

/// A topic proposed by a committee member skips co-signing and review (DESIGN §3).
pub fn proposes_as_committee(held: &[Role]) -> bool {
    held.contains(&Role::Committee)
}

/// The community's committee or a platform admin (topic moderation, the roster).
pub fn moderates(held: &[Role]) -> bool {
    held.contains(&Role::Committee) || held.contains(&Role::Admin)
}

/// What a viewer may start in a community, as the portal offers it: each is the predicate the
/// module's service checks (pure).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CommunityActions {
    /// Proposing a topic: a resident on the roster.
    pub propose_topic: bool,
    /// The viewer's topic starts at DELIBERATING: [`proposes_as_committee`].
    pub propose_as_committee: bool,
    /// The topic review queue and moderation: [`moderates`].
    pub review_topics: bool,
    /// The roster: importing, inviting, granting roles ([`moderates`]).
    pub manage_roster: bool,
    /// The mediation case queue: the committee, on the roster.
    pub handle_cases: bool,
    /// Award campaigns: the committee, on the roster.
    pub run_campaigns: bool,
    /// A new event: [`Viewing::may_organize`].
    pub create_event: bool,
    /// Volunteer groups and the volunteer-hours ranking: the committee, on the roster.
    pub manage_volunteers: bool,
}

pub fn community_actions(viewing: &Viewing, held: &[Role]) -> CommunityActions {
    CommunityActions {
        propose_topic: viewing.resident.is_some(),
        propose_as_committee: proposes_as_committee(held),
        review_topics: moderates(held),
        manage_roster: moderates(held),
        handle_cases: viewing.committee,
        run_campaigns: viewing.committee,
        create_event: viewing.may_organize(),
        manage_volunteers: viewing.committee,
    }
}

/// What the viewer may start in a community they can see (NOT_FOUND otherwise).
pub async fn viewer_actions<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    community_id: &str,
) -> AppResult<CommunityActions> {
    can_see_community(conn, viewer, community_id).await?;
    let held = viewer_roles(conn, viewer, community_id).await?;
    let resident = active_resident(conn, viewer, community_id).await?;
    let viewing = Viewing::of(resident, &held);
    Ok(community_actions(&viewing, &held))
}

/// The viewer in one community (roles are read only for a live resident).
pub async fn viewing<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    community_id: &str,
) -> AppResult<Viewing> {
    let resident = active_resident(conn, viewer, community_id).await?;
    let held = if resident.is_some() {
        viewer_roles(conn, viewer, community_id).await?
    } else {
        Vec::new()
    };
    Ok(Viewing::of(resident, &held))
}

/// The viewer as a resident taking part in a community (proposing, co-signing, voting…):
/// NOT_FOUND when the community is not theirs, FORBIDDEN for an admin who is not on its roster.
pub async fn require_resident<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    community_id: &str,
) -> AppResult<resident::Model> {
    match active_resident(conn, viewer, community_id).await? {
        Some(r) => Ok(r),
        None => {
            can_see_community(conn, viewer, community_id).await?;
            Err(AppError::Forbidden)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_place_offers_what_the_roster_acts_allow() {
        use Role::*;
        let acts = |manages, active, carried: &[Role], committee| {
            let a = place_acts(manages, active, carried, committee);
            (a.invite, a.deactivate, a.grant, a.revoke)
        };
        // Only the committee acts, and only on an active place.
        assert_eq!(
            acts(false, true, &[Resident], 2),
            (false, false, vec![], vec![])
        );
        assert_eq!(acts(true, false, &[], 2), (false, false, vec![], vec![]));
        assert_eq!(
            acts(true, true, &[Resident, Mediator], 2),
            (true, true, vec![Committee, Organizer], vec![Mediator])
        );
        // One of two committee members may go; the last one may not, nor lose the role.
        assert_eq!(
            acts(true, true, &[Resident, Committee], 2),
            (true, true, vec![Mediator, Organizer], vec![Committee])
        );
        assert_eq!(
            acts(true, true, &[Resident, Committee, Organizer], 1),
            (true, false, vec![Mediator], vec![Organizer])
        );
    }
}
