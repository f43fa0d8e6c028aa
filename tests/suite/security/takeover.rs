//! Account takeover through another community's roster (issue 6, items 1 and 8). A committee
//! may put any phone on its roster; an invite code sets a password only for an account that
//! community alone controls and that is no platform admin. Otherwise the code only links the new
//! place, with the account's current password. Nothing tells the committee which case it is.

use serde_json::{json, Value};

use crate::harness::*;

const ISSUE_INVITE: &str = "mutation($r:ID!){ issueInvite(residentId:$r){ code residentId } }";
const CLAIM: &str =
    "mutation($c:String!,$w:String!){ claimInvite(code:$c,password:$w){ accessToken } }";
const SIGN_IN: &str =
    "mutation($p:String!,$w:String!){ signIn(phone:$p,password:$w){ accessToken refreshToken } }";
const REFRESH: &str = "mutation($r:String!){ refreshSession(refreshToken:$r){ accessToken } }";
const DEACTIVATE: &str = "mutation($r:ID!){ deactivateResident(residentId:$r){ id active } }";
const ROSTER_Q: &str =
    "query($c:ID!){ residents(communityId:$c, first:100){ nodes { id phone claimed } } }";
const MY_COMMUNITIES: &str = "{ me { communities { id } } }";

/// Community B with its own committee (13700000001); returns (B, B's committee token).
pub(super) async fn community_b(app: &TestApp, admin: &str) -> (String, String) {
    let b = app.create_community(admin, "西城社区").await;
    let resp = app
        .import_roster(
            admin,
            &b,
            "building,unit,area_m2,owner,name,phone,roles\n9栋,901,70.00,true,赵一,13700000001,COMMITTEE\n",
        )
        .await;
    let code = resp["data"]["importRoster"]["invites"][0]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (token, _) = app.claim(&code, PASSWORD).await;
    assert!(!token.is_empty(), "{resp}");
    (b, token)
}

fn invite_for<'a>(resp: &'a Value, phone: &str) -> Option<&'a Value> {
    resp["data"]["importRoster"]["invites"]
        .as_array()
        .and_then(|list| list.iter().find(|i| i["phone"] == phone))
}

fn communities(me: &Value) -> Vec<String> {
    me["me"]["communities"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(|c| c["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The attack of the outside run: B's committee imports the platform admin's phone, gets a
/// code through `issueInvite` and claims it with a password of its own. The admin keeps the
/// account; the attacker gets nothing; the code still works for the real owner.
#[tokio::test]
async fn a_committee_cannot_take_over_the_admin_through_issue_invite() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (b, b_committee) = community_b(&app, &admin).await;

    let csv =
        "building,unit,area_m2,owner,name,phone,roles\n6栋,601,40.00,true,冒名者,13900000000,\n";
    let import = app.import_roster(&b_committee, &b, csv).await;
    let invite = invite_for(&import, "13900000000")
        .unwrap_or_else(|| panic!("every new row gets an invite: {import}"))
        .clone();
    let reissued = app
        .ok(
            Some(&b_committee),
            ISSUE_INVITE,
            json!({ "r": invite["residentId"] }),
        )
        .await;
    let code = reissued["issueInvite"]["code"].as_str().unwrap_or_default();

    let stolen = app
        .gql(
            None,
            CLAIM,
            json!({ "c": code, "w": "attacker's own password" }),
        )
        .await;
    assert_eq!(error_code(&stolen), "BAD_USER_INPUT", "{stolen}");
    assert_eq!(stolen["errors"][0]["extensions"]["field"], "password");
    let attacker = app
        .gql(
            None,
            SIGN_IN,
            json!({ "p": "13900000000", "w": "attacker's own password" }),
        )
        .await;
    assert_eq!(error_code(&attacker), "UNAUTHENTICATED", "{attacker}");

    // The admin still signs in, still an admin, and is not on B until they claim the code
    // with their own password.
    let own = app.sign_in("13900000000", PASSWORD).await;
    let me = app.ok(Some(&own), "{ me { isAdmin } }", json!({})).await;
    assert_eq!(me["me"]["isAdmin"], true);
    let roles = app
        .ok(
            Some(&own),
            "query($c:ID!){ me { roles(communityId:$c) } }",
            json!({ "c": b }),
        )
        .await;
    assert_eq!(
        roles["me"]["roles"],
        json!(["ADMIN"]),
        "the unclaimed place gives nothing"
    );

    let linked = app
        .gql(None, CLAIM, json!({ "c": code, "w": PASSWORD }))
        .await;
    assert!(
        linked.get("errors").is_none(),
        "the owner links the place: {linked}"
    );
    let roles = app
        .ok(
            Some(&own),
            "query($c:ID!){ me { roles(communityId:$c) } }",
            json!({ "c": b }),
        )
        .await;
    assert_eq!(roles["me"]["roles"], json!(["RESIDENT", "ADMIN"]));
    // Linking did not end the admin's other sessions.
    assert!(app
        .gql(Some(&own), "{ me { id } }", json!({}))
        .await
        .get("errors")
        .is_none());
}

/// A resident of A put on B's roster: B's code cannot set their password; once they claim it
/// with their current password, B is one more community of the same account.
#[tokio::test]
async fn a_code_for_an_account_known_elsewhere_only_links_the_new_place() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let (b, b_committee) = community_b(&app, &w.admin).await;

    let csv = format!(
        "building,unit,area_m2,owner,name,phone,roles\n9栋,903,60.00,true,李秀英,{RESIDENT},\n"
    );
    let import = app.import_roster(&b_committee, &b, &csv).await;
    let code = invite_for(&import, RESIDENT)
        .and_then(|i| i["code"].as_str())
        .unwrap_or_else(|| panic!("{import}"))
        .to_owned();

    // Before the claim, B is not among the resident's communities.
    let me = app
        .ok(Some(w.token(RESIDENT)), MY_COMMUNITIES, json!({}))
        .await;
    assert_eq!(communities(&me), vec![w.community_id.clone()]);

    let wrong = app
        .gql(
            None,
            CLAIM,
            json!({ "c": code, "w": "a brand new password" }),
        )
        .await;
    assert_eq!(error_code(&wrong), "BAD_USER_INPUT", "{wrong}");
    let still = app
        .gql(
            None,
            SIGN_IN,
            json!({ "p": RESIDENT, "w": "a brand new password" }),
        )
        .await;
    assert_eq!(error_code(&still), "UNAUTHENTICATED");

    let linked = app
        .gql(None, CLAIM, json!({ "c": code, "w": PASSWORD }))
        .await;
    assert!(linked.get("errors").is_none(), "{linked}");
    let mut seen = communities(
        &app.ok(Some(w.token(RESIDENT)), MY_COMMUNITIES, json!({}))
            .await,
    );
    seen.sort();
    let mut expected = vec![w.community_id.clone(), b.clone()];
    expected.sort();
    assert_eq!(seen, expected);
    // A code works once.
    let again = app
        .gql(None, CLAIM, json!({ "c": code, "w": PASSWORD }))
        .await;
    assert_eq!(error_code(&again), "BAD_USER_INPUT");
}

/// The import's answer and the roster look the same for a phone registered elsewhere and for a
/// new one: both get an invite, both show `claimed: false`.
#[tokio::test]
async fn the_roster_does_not_reveal_which_phones_are_registered_elsewhere() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let (b, b_committee) = community_b(&app, &w.admin).await;

    let csv = format!(
        "building,unit,area_m2,owner,name,phone,roles\n9栋,903,60.00,true,甲,{RESIDENT},\n9栋,904,60.00,true,乙,13600000009,\n"
    );
    let import = app.import_roster(&b_committee, &b, &csv).await;
    let known = invite_for(&import, RESIDENT).cloned().unwrap_or_default();
    let fresh = invite_for(&import, "13600000009")
        .cloned()
        .unwrap_or_default();
    assert!(
        known["code"].is_string() && fresh["code"].is_string(),
        "{import}"
    );
    let keys = |v: &Value| {
        v.as_object()
            .map(|o| o.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
    };
    assert_eq!(keys(&known), keys(&fresh));
    assert_eq!(import["data"]["importRoster"]["created"], 2);

    let roster = app
        .ok(Some(&b_committee), ROSTER_Q, json!({ "c": b }))
        .await;
    let mut roles = Vec::new();
    for phone in [RESIDENT, "13600000009"] {
        let row = roster["residents"]["nodes"]
            .as_array()
            .and_then(|l| l.iter().find(|r| r["phone"] == phone))
            .cloned()
            .unwrap_or_default();
        assert_eq!(row["claimed"], false, "{phone}: {roster}");
        roles.push(row["roles"].clone());
    }
    assert_eq!(roles[0], roles[1], "roles read the same: {roster}");
}

/// Deactivating a place of an account that another community also holds ends only that place:
/// the account's sessions elsewhere go on (item 8).
#[tokio::test]
async fn a_committee_cannot_sign_out_an_account_it_does_not_control() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let (b, b_committee) = community_b(&app, &w.admin).await;
    let victim = app
        .ok(None, SIGN_IN, json!({ "p": RESIDENT, "w": PASSWORD }))
        .await;
    let access = victim["signIn"]["accessToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let refresh = victim["signIn"]["refreshToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    for linked in [false, true] {
        let csv = format!(
            "building,unit,area_m2,owner,name,phone,roles\n9栋,903,60.00,true,李秀英,{RESIDENT},\n"
        );
        let import = app.import_roster(&b_committee, &b, &csv).await;
        let roster = app
            .ok(Some(&b_committee), ROSTER_Q, json!({ "c": b }))
            .await;
        let place = roster["residents"]["nodes"]
            .as_array()
            .and_then(|l| l.iter().find(|r| r["phone"] == RESIDENT))
            .map(|r| r["id"].clone())
            .unwrap_or_else(|| panic!("{roster}"));
        if linked {
            let code = app
                .ok(Some(&b_committee), ISSUE_INVITE, json!({ "r": place }))
                .await["issueInvite"]["code"]
                .clone();
            assert!(app
                .gql(None, CLAIM, json!({ "c": code, "w": PASSWORD }))
                .await
                .get("errors")
                .is_none());
        }
        let _ = import;
        app.ok(Some(&b_committee), DEACTIVATE, json!({ "r": place }))
            .await;

        let me = app.gql(Some(&access), MY_COMMUNITIES, json!({})).await;
        assert!(me.get("errors").is_none(), "linked={linked}: {me}");
        assert_eq!(
            communities(&me["data"]),
            vec![w.community_id.clone()],
            "linked={linked}"
        );
    }
    let refreshed = app.gql(None, REFRESH, json!({ "r": refresh })).await;
    assert!(refreshed.get("errors").is_none(), "{refreshed}");
}

/// What still works: a community that alone controls an account resets a forgotten password
/// with a fresh code, and the old password stops working.
#[tokio::test]
async fn a_forgotten_password_is_still_reset_by_the_controlling_community() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let code = app
        .ok(
            Some(w.token(COMMITTEE)),
            ISSUE_INVITE,
            json!({ "r": w.person(RESIDENT).resident_id }),
        )
        .await["issueInvite"]["code"]
        .clone();
    let reset = app
        .gql(
            None,
            CLAIM,
            json!({ "c": code, "w": "a brand new password" }),
        )
        .await;
    assert!(reset.get("errors").is_none(), "{reset}");
    let old = app
        .gql(None, SIGN_IN, json!({ "p": RESIDENT, "w": PASSWORD }))
        .await;
    assert_eq!(error_code(&old), "UNAUTHENTICATED");
    let new = app
        .gql(
            None,
            SIGN_IN,
            json!({ "p": RESIDENT, "w": "a brand new password" }),
        )
        .await;
    assert!(new.get("errors").is_none(), "{new}");
}

/// A place the committee made for an account that has a password is not that community's to
/// reset, even after the account's other community lets it go: the code still asks for the
/// account's current password.
#[tokio::test]
async fn a_place_made_for_a_known_account_does_not_become_a_reset_when_the_other_community_lets_go()
{
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let (b, b_committee) = community_b(&app, &w.admin).await;
    let csv = format!(
        "building,unit,area_m2,owner,name,phone,roles\n9栋,903,60.00,true,李秀英,{RESIDENT},\n"
    );
    let import = app.import_roster(&b_committee, &b, &csv).await;
    let place = invite_for(&import, RESIDENT)
        .map(|i| i["residentId"].clone())
        .unwrap_or_else(|| panic!("{import}"));
    // Community A lets the resident go (moved out).
    app.ok(
        Some(w.token(COMMITTEE)),
        DEACTIVATE,
        json!({ "r": w.person(RESIDENT).resident_id }),
    )
    .await;
    let code = app
        .ok(Some(&b_committee), ISSUE_INVITE, json!({ "r": place }))
        .await["issueInvite"]["code"]
        .clone();
    let stolen = app
        .gql(
            None,
            CLAIM,
            json!({ "c": code, "w": "attacker's own password" }),
        )
        .await;
    assert_eq!(error_code(&stolen), "BAD_USER_INPUT", "{stolen}");
    let attacker = app
        .gql(
            None,
            SIGN_IN,
            json!({ "p": RESIDENT, "w": "attacker's own password" }),
        )
        .await;
    assert_eq!(error_code(&attacker), "UNAUTHENTICATED");
    // The holder takes the place with the password they have.
    let linked = app
        .gql(None, CLAIM, json!({ "c": code, "w": PASSWORD }))
        .await;
    assert!(linked.get("errors").is_none(), "{linked}");
}
