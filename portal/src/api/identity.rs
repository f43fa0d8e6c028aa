//! Identity: sign in, claim an invite, sign out, the viewer and their communities.

use super::client::{graphql, graphql_anonymous, graphql_no_refresh, refresh};
use super::documents::identity as doc;
use super::{ApiError, ErrorCode, Role};
use crate::i18n::k;
use crate::session;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthPayload {
    pub access_token: String,
    pub refresh_token: String,
    pub viewer: ViewerName,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ViewerName {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CommunityRef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Viewer {
    pub id: String,
    pub name: String,
    pub phone: String,
    pub is_admin: bool,
    pub communities: Vec<CommunityRef>,
    /// Roles in the current community; empty when none is chosen.
    #[serde(default)]
    pub roles: Vec<Role>,
    /// The viewer's place on the current community's roster (topics name residents by it).
    #[serde(default)]
    pub resident_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Community {
    pub id: String,
    pub name: String,
    pub resident_count: i64,
    pub household_count: i64,
}

/// What the viewer may start in the current community: the server's `Community.viewerCan`
/// (all false without one). The portal offers a form or a committee page only when its flag is
/// set; it never works this out from roles.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommunityActions {
    pub propose_topic: bool,
    /// A topic the viewer proposes starts at deliberation.
    pub propose_as_committee: bool,
    /// The review queue and topic moderation (hiding comments, a topic's ballot).
    pub review_topics: bool,
    pub manage_roster: bool,
    pub handle_cases: bool,
    pub run_campaigns: bool,
    pub create_event: bool,
    pub manage_volunteers: bool,
}

impl CommunityActions {
    /// Any of the committee's pages (Home's committee tiles).
    pub fn any_committee_page(&self) -> bool {
        self.review_topics || self.manage_roster || self.handle_cases
    }
}

/// Who is signed in, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub viewer: Viewer,
    /// The chosen community, if one is chosen and still visible to the viewer.
    pub community: Option<CommunityRef>,
    /// A community id was chosen but the server no longer shows it (`NOT_FOUND`).
    pub community_gone: bool,
    /// What the viewer may start in the chosen community.
    pub can: CommunityActions,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignInData {
    sign_in: AuthPayload,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClaimData {
    claim_invite: AuthPayload,
}

#[derive(Deserialize)]
struct MeData {
    me: Option<Viewer>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CurrentCommunity {
    id: String,
    name: String,
    viewer_can: CommunityActions,
}

#[derive(Deserialize)]
struct MeInCommunityData {
    me: Option<Viewer>,
    community: Option<CurrentCommunity>,
}

#[derive(Deserialize)]
struct CommunitiesData {
    communities: Vec<Community>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateCommunityData {
    create_community: Community,
}

/// Keeps the digits of what was typed ("138 0000 0000", "+86-138…"); the server checks the rest.
pub fn normalise_phone(input: &str) -> String {
    let digits: String = input.chars().filter(char::is_ascii_digit).collect();
    match digits.strip_prefix("86") {
        Some(rest) if rest.len() == 11 => rest.to_string(),
        _ => digits,
    }
}

/// Passwords are 8 to 128 characters (the server checks the same).
pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 128;

/// Checks a new password and its confirmation before sending; `Err` holds a locale key.
pub fn check_new_password(password: &str, confirm: &str) -> Result<(), &'static str> {
    let length = password.chars().count();
    if length < PASSWORD_MIN {
        Err(k("claim.password_too_short"))
    } else if length > PASSWORD_MAX {
        Err(k("claim.password_too_long"))
    } else if password != confirm {
        Err(k("claim.password_mismatch"))
    } else {
        Ok(())
    }
}

/// Invite codes are printed for people to type: drop the spaces they add (the code's own
/// characters and case are left to the server).
pub fn normalise_code(input: &str) -> String {
    input.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Signs in and stores the new session.
pub async fn sign_in(phone: &str, password: &str) -> Result<AuthPayload, ApiError> {
    let data: SignInData = graphql_anonymous(
        doc::SIGN_IN,
        json!({ "phone": phone, "password": password }),
    )
    .await?;
    session::store(&data.sign_in.access_token, &data.sign_in.refresh_token);
    Ok(data.sign_in)
}

/// Claims an invite code with a new password and stores the new session.
pub async fn claim_invite(code: &str, password: &str) -> Result<AuthPayload, ApiError> {
    let data: ClaimData = graphql_anonymous(
        doc::CLAIM_INVITE,
        json!({ "code": code, "password": password }),
    )
    .await?;
    session::store(
        &data.claim_invite.access_token,
        &data.claim_invite.refresh_token,
    );
    Ok(data.claim_invite)
}

/// Revokes the refresh token on the server (best effort) and forgets the session here.
pub async fn sign_out() {
    if let Some(token) = session::refresh_token() {
        // The local session ends whatever the server says: an error must not keep anyone signed in.
        let _ = graphql_no_refresh::<serde::de::IgnoredAny>(
            doc::SIGN_OUT,
            json!({ "refreshToken": token }),
        )
        .await;
    }
    session::clear();
}

/// Loads the viewer, and the chosen community with the viewer's roles in it.
/// `Ok(None)` means the stored session is not accepted any more (it has been ended).
///
/// `me` is null when the token sent is not accepted. As in `client::graphql`, that is no reason
/// to refresh when the stored token is newer than the one sent (another tab rotated the pair
/// meanwhile, which retires the token this tab was using): the load is sent again. This tab
/// refreshes at most once, and only a refusal of the newest token after that ends the session.
pub async fn load_session(community_id: Option<String>) -> Result<Option<SessionInfo>, ApiError> {
    let mut refreshed = false;
    for _ in 0..4 {
        let sent = session::access_token();
        if let Some(info) = fetch_session(community_id.as_deref()).await? {
            return Ok(Some(info));
        }
        let current = session::access_token();
        if current.is_some() && current != sent {
            continue;
        }
        if refreshed || session::refresh_token().is_none() {
            session::end();
            return Ok(None);
        }
        refreshed = true;
        if let Err(e) = refresh().await {
            if e.is(ErrorCode::Network) {
                return Err(e);
            }
            session::end();
            return Ok(None);
        }
    }
    // Renewed by other tabs on every try: keep the session, say the network failed.
    Err(ApiError::new(ErrorCode::Network))
}

async fn fetch_session(community_id: Option<&str>) -> Result<Option<SessionInfo>, ApiError> {
    if let Some(id) = community_id {
        match graphql::<MeInCommunityData>(doc::ME_IN_COMMUNITY, json!({ "communityId": id })).await
        {
            Ok(data) => {
                return Ok(data.me.map(|viewer| SessionInfo {
                    community_gone: data.community.is_none(),
                    can: data
                        .community
                        .as_ref()
                        .map(|c| c.viewer_can)
                        .unwrap_or_default(),
                    community: data.community.map(|c| CommunityRef {
                        id: c.id,
                        name: c.name,
                    }),
                    viewer,
                }))
            }
            // A community that went away (or a stale id): carry on without it.
            Err(e) if e.is(ErrorCode::NotFound) || e.is(ErrorCode::Forbidden) => {
                let data: MeData = graphql(doc::ME, json!({})).await?;
                return Ok(data.me.map(|viewer| SessionInfo {
                    viewer,
                    community: None,
                    community_gone: true,
                    can: CommunityActions::default(),
                }));
            }
            Err(e) => return Err(e),
        }
    }
    let data: MeData = graphql(doc::ME, json!({})).await?;
    Ok(data.me.map(|viewer| SessionInfo {
        viewer,
        community: None,
        community_gone: false,
        can: CommunityActions::default(),
    }))
}

/// The communities the viewer may switch to (all of them for a platform admin).
pub async fn communities() -> Result<Vec<Community>, ApiError> {
    let data: CommunitiesData = graphql(doc::COMMUNITIES, json!({})).await?;
    Ok(data.communities)
}

/// ADMIN: creates a community.
pub async fn create_community(name: &str) -> Result<Community, ApiError> {
    let data: CreateCommunityData = graphql(doc::CREATE_COMMUNITY, json!({ "name": name })).await?;
    Ok(data.create_community)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_null_me_after_another_tab_rotated_the_pair_loads_again_instead_of_signing_out() {
        use super::super::client::transport;
        use std::cell::Cell;
        use std::rc::Rc;
        // This tab sent `a0`; before the answer, another tab rotated the pair to (`a1`, `r1`),
        // which retires `a0`: `me` comes back null. No refresh is spent, the load is sent again.
        let refreshes = Rc::new(Cell::new(0));
        let counted = refreshes.clone();
        transport::install(move |body, token| {
            if body.contains("refreshSession") {
                counted.set(counted.get() + 1);
                return Ok(
                    r#"{"data":{"refreshSession":{"accessToken":"a2","refreshToken":"r2"}}}"#
                        .into(),
                );
            }
            Ok(match token {
                Some("a0") => {
                    session::store("a1", "r1");
                    r#"{"data":{"me":null}}"#.into()
                }
                Some("a1") => r#"{"data":{"me":{"id":"u","name":"王","phone":"1","isAdmin":false,"communities":[]}}}"#.into(),
                _ => r#"{"data":{"me":null}}"#.into(),
            })
        });
        let ended = Rc::new(Cell::new(0));
        let seen = ended.clone();
        session::on_ended(move || seen.set(seen.get() + 1));
        session::store("a0", "r0");
        let loaded = block_on(load_session(None));
        assert!(
            matches!(&loaded, Ok(Some(info)) if info.viewer.name == "王"),
            "{loaded:?}"
        );
        assert_eq!(refreshes.get(), 0, "the rotated pair was not rotated again");
        assert_eq!(ended.get(), 0);
        // A null `me` for the newest token, after one refresh, does end the session.
        session::store("stale", "r0");
        let loaded = block_on(load_session(None));
        assert!(matches!(loaded, Ok(None)), "{loaded:?}");
        assert_eq!(refreshes.get(), 1);
        assert_eq!(ended.get(), 1);
    }

    /// The fake transport answers on a later poll; a few polls finish these futures.
    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        for _ in 0..1000 {
            if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                return out;
            }
        }
        panic!("future did not finish");
    }

    #[test]
    fn phones_are_reduced_to_their_digits() {
        assert_eq!(normalise_phone(" 138 0013-8000 "), "13800138000");
        assert_eq!(normalise_phone("+86 138 0013 8000"), "13800138000");
        assert_eq!(normalise_phone("8613800138000"), "13800138000");
        assert_eq!(normalise_phone("86123"), "86123");
        assert_eq!(normalise_phone(""), "");
    }

    #[test]
    fn new_passwords_need_8_to_128_characters_and_a_matching_confirmation() {
        assert_eq!(
            check_new_password("1234567", "1234567"),
            Err(k("claim.password_too_short"))
        );
        assert_eq!(
            check_new_password("一二三四五六七八", "一二三四五六七八"),
            Ok(())
        );
        assert_eq!(
            check_new_password(&"x".repeat(129), &"x".repeat(129)),
            Err(k("claim.password_too_long"))
        );
        assert_eq!(
            check_new_password("12345678", "12345679"),
            Err(k("claim.password_mismatch"))
        );
    }

    #[test]
    fn invite_codes_ignore_spaces() {
        assert_eq!(normalise_code(" ab12 CD-34\n"), "ab12CD-34");
    }

    #[test]
    fn a_viewer_decodes_with_and_without_roles() {
        let with_roles = r#"{"me":{"id":"1","name":"王","phone":"13800000000","isAdmin":false,
            "communities":[{"id":"c","name":"一区"}],"roles":["RESIDENT","COMMITTEE"]},"community":{"id":"c","name":"一区",
            "viewerCan":{"proposeTopic":true,"proposeAsCommittee":true,"reviewTopics":true,
            "manageRoster":true,"handleCases":true,"runCampaigns":true,"createEvent":true,
            "manageVolunteers":true}}}"#;
        let data: Result<MeInCommunityData, _> = serde_json::from_str(with_roles);
        let roles = data.ok().and_then(|d| d.me).map(|v| v.roles);
        assert_eq!(roles, Some(vec![Role::Resident, Role::Committee]));

        let without = r#"{"me":{"id":"1","name":"王","phone":"13800000000","isAdmin":true,"communities":[]}}"#;
        let data: Result<MeData, _> = serde_json::from_str(without);
        assert_eq!(data.ok().and_then(|d| d.me).map(|v| v.is_admin), Some(true));
    }

    #[test]
    fn what_the_viewer_may_start_is_the_servers_word() {
        // Roles say COMMITTEE, but the portal offers what `viewerCan` says (an admin's platform
        // role, a committee member who moved out: the server decides).
        let body = r#"{"me":{"id":"1","name":"王","phone":"13800000000","isAdmin":true,
            "communities":[],"roles":["COMMITTEE"]},"community":{"id":"c","name":"一区",
            "viewerCan":{"proposeTopic":false,"proposeAsCommittee":false,"reviewTopics":true,
            "manageRoster":true,"handleCases":false,"runCampaigns":false,"createEvent":false,
            "manageVolunteers":false}}}"#;
        let data: Result<MeInCommunityData, _> = serde_json::from_str(body);
        let can = data.ok().and_then(|d| d.community).map(|c| c.viewer_can);
        assert_eq!(
            can,
            Some(CommunityActions {
                review_topics: true,
                manage_roster: true,
                ..CommunityActions::default()
            })
        );
        assert!(can.is_some_and(|c| c.any_committee_page() && !c.run_campaigns));
    }
}
