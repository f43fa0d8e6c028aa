//! The roster: import, residents, invite codes and roles (committee tools).

use super::client::graphql;
use super::documents::roster as doc;
use super::{ApiError, PageInfo, Role};
use serde::Deserialize;
use serde_json::json;

/// How many residents one page loads.
pub const PAGE_SIZE: i64 = 30;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invite {
    pub phone: String,
    pub code: String,
    pub resident_id: String,
    pub household_id: String,
    pub name: String,
    pub building: String,
    pub unit: String,
    pub expires_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RosterImport {
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub invites: Vec<Invite>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct HouseholdRef {
    pub id: String,
    pub building: String,
    pub unit: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Resident {
    pub id: String,
    pub name: String,
    pub phone: String,
    pub active: bool,
    pub claimed: bool,
    pub household: HouseholdRef,
    pub roles: Vec<Role>,
    /// The server's word on what the viewer may do to this place now.
    #[serde(rename = "viewerCan")]
    pub viewer_can: ResidentActions,
}

/// What the viewer may do to a roster place (`Resident.viewerCan`); the row offers exactly these.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ResidentActions {
    pub invite: bool,
    pub deactivate: bool,
    /// Roles the viewer may grant the place now.
    pub grant: Vec<Role>,
    /// Roles the viewer may revoke from it now.
    pub revoke: Vec<Role>,
}

impl ResidentActions {
    /// The role buttons: each offered role with whether it is held (to revoke), by name.
    pub fn role_toggles(&self) -> Vec<(Role, bool)> {
        let mut all: Vec<(Role, bool)> = self
            .revoke
            .iter()
            .map(|r| (*r, true))
            .chain(self.grant.iter().map(|r| (*r, false)))
            .collect();
        all.sort_by_key(|(r, _)| r.as_str());
        all
    }

    /// Whether the row offers anything at all.
    pub fn any(&self) -> bool {
        self.invite || self.deactivate || !self.grant.is_empty() || !self.revoke.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResidentPage {
    pub nodes: Vec<Resident>,
    pub page_info: PageInfo,
    pub total_count: i64,
}

/// What the residents list asks for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResidentFilter {
    pub search: String,
    pub include_inactive: bool,
}

/// One printed slip: the invite codes of one household.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdSlip {
    pub household_id: String,
    pub building: String,
    pub unit: String,
    pub invites: Vec<Invite>,
}

/// Groups invites by household, households in the order they first appear.
pub fn slips(invites: &[Invite]) -> Vec<HouseholdSlip> {
    let mut out: Vec<HouseholdSlip> = Vec::new();
    for invite in invites {
        match out
            .iter_mut()
            .find(|s| s.household_id == invite.household_id)
        {
            Some(slip) => slip.invites.push(invite.clone()),
            None => out.push(HouseholdSlip {
                household_id: invite.household_id.clone(),
                building: invite.building.clone(),
                unit: invite.unit.clone(),
                invites: vec![invite.clone()],
            }),
        }
    }
    out
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ImportData {
    import_roster: RosterImport,
}

#[derive(Deserialize)]
struct ResidentsData {
    residents: ResidentPage,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IssueInviteData {
    issue_invite: Invite,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeactivateData {
    deactivate_resident: Resident,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GrantData {
    grant_role: Resident,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RevokeData {
    revoke_role: Resident,
}

/// All or nothing: a bad row rejects the file with `BAD_USER_INPUT` and `rows`.
pub async fn import_roster(community_id: &str, csv: &str) -> Result<RosterImport, ApiError> {
    let data: ImportData = graphql(
        doc::IMPORT_ROSTER,
        json!({ "communityId": community_id, "csv": csv }),
    )
    .await?;
    Ok(data.import_roster)
}

pub async fn residents(
    community_id: &str,
    filter: &ResidentFilter,
    after: Option<String>,
) -> Result<ResidentPage, ApiError> {
    let search = filter.search.trim();
    let variables = json!({
        "communityId": community_id,
        "first": PAGE_SIZE,
        "after": after,
        "search": if search.is_empty() { None } else { Some(search) },
        "includeInactive": filter.include_inactive,
    });
    let data: ResidentsData = graphql(doc::RESIDENTS, variables).await?;
    Ok(data.residents)
}

pub async fn issue_invite(resident_id: &str) -> Result<Invite, ApiError> {
    let data: IssueInviteData =
        graphql(doc::ISSUE_INVITE, json!({ "residentId": resident_id })).await?;
    Ok(data.issue_invite)
}

pub async fn deactivate(resident_id: &str) -> Result<Resident, ApiError> {
    let data: DeactivateData = graphql(
        doc::DEACTIVATE_RESIDENT,
        json!({ "residentId": resident_id }),
    )
    .await?;
    Ok(data.deactivate_resident)
}

pub async fn grant_role(resident_id: &str, role: Role) -> Result<Resident, ApiError> {
    let data: GrantData = graphql(
        doc::GRANT_ROLE,
        json!({ "residentId": resident_id, "role": role }),
    )
    .await?;
    Ok(data.grant_role)
}

pub async fn revoke_role(resident_id: &str, role: Role) -> Result<Resident, ApiError> {
    let data: RevokeData = graphql(
        doc::REVOKE_ROLE,
        json!({ "residentId": resident_id, "role": role }),
    )
    .await?;
    Ok(data.revoke_role)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invite(name: &str, household: &str) -> Invite {
        Invite {
            phone: "13800000000".into(),
            code: format!("CODE-{name}"),
            resident_id: format!("r-{name}"),
            household_id: household.into(),
            name: name.into(),
            building: "3号楼".into(),
            unit: format!("{household}室"),
            expires_at: "2026-12-25T00:00:00Z".into(),
        }
    }

    #[test]
    fn slips_group_invites_by_household_in_first_seen_order() {
        let got = slips(&[invite("a", "h2"), invite("b", "h1"), invite("c", "h2")]);
        let shape: Vec<(String, Vec<String>)> = got
            .iter()
            .map(|s| {
                (
                    s.household_id.clone(),
                    s.invites.iter().map(|i| i.name.clone()).collect(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                ("h2".to_string(), vec!["a".to_string(), "c".to_string()]),
                ("h1".to_string(), vec!["b".to_string()]),
            ]
        );
        assert_eq!(got[0].unit, "h2室");
    }

    #[test]
    fn the_resident_queries_select_the_same_fields() {
        for query in [
            doc::RESIDENTS,
            doc::DEACTIVATE_RESIDENT,
            doc::GRANT_ROLE,
            doc::REVOKE_ROLE,
        ] {
            let query = query.text();
            assert!(
                query.contains("...ResidentFields") && query.contains("ResidentFields on Resident{id name phone active claimed household{id building unit}roles viewerCan{invite deactivate grant revoke}}"),
                "{query}"
            );
        }
    }

    #[test]
    fn roles_serialise_as_the_schema_enum() {
        assert_eq!(
            json!({ "role": Role::Mediator }).to_string(),
            r#"{"role":"MEDIATOR"}"#
        );
    }

    #[test]
    fn a_resident_page_decodes() {
        let body = r#"{"nodes":[{"id":"r1","name":"李","phone":"13900000000","active":true,"claimed":false,
            "household":{"id":"h1","building":"1","unit":"101"},"roles":["RESIDENT","MEDIATOR"],
            "viewerCan":{"invite":true,"deactivate":true,"grant":["ORGANIZER","COMMITTEE"],"revoke":["MEDIATOR"]}}],
            "pageInfo":{"hasNextPage":true,"endCursor":"abc"},"totalCount":41}"#;
        let page: Result<ResidentPage, _> = serde_json::from_str(body);
        let page = page.ok();
        assert_eq!(page.as_ref().map(|p| p.total_count), Some(41));
        // The row offers the server's roles, held ones to revoke, in a stable order.
        assert_eq!(
            page.as_ref().map(|p| p.nodes[0].viewer_can.role_toggles()),
            Some(vec![
                (Role::Committee, false),
                (Role::Mediator, true),
                (Role::Organizer, false)
            ])
        );
        assert_eq!(
            page.and_then(|p| p.page_info.end_cursor),
            Some("abc".into())
        );
    }
}
