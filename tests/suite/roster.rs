//! Roster import, invites, deactivation and roles, as the committee uses them (DESIGN §1–2).

use std::collections::{BTreeSet, HashSet};

use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{json, Value};

use crate::harness::*;

const RESIDENTS: &str = "query($c:ID!,$first:Int,$after:String,$s:String,$i:Boolean){ residents(communityId:$c, first:$first, after:$after, search:$s, includeInactive:$i){ totalCount pageInfo { hasNextPage hasPreviousPage endCursor } nodes { id name phone active claimed roles household { id building unit areaM2 owner } } } }";
const ISSUE_INVITE: &str =
    "mutation($r:ID!){ issueInvite(residentId:$r){ code phone residentId name building unit } }";
const DEACTIVATE: &str = "mutation($r:ID!){ deactivateResident(residentId:$r){ id active } }";
const GRANT: &str =
    "mutation($r:ID!,$role:Role!){ grantRole(residentId:$r, role:$role){ id roles } }";
const REVOKE: &str =
    "mutation($r:ID!,$role:Role!){ revokeRole(residentId:$r, role:$role){ id roles } }";
const REFRESH: &str =
    "mutation($r:String!){ refreshSession(refreshToken:$r){ accessToken refreshToken } }";
const SIGN_IN: &str =
    "mutation($p:String!,$w:String!){ signIn(phone:$p,password:$w){ accessToken } }";
const CLAIM: &str =
    "mutation($c:String!,$w:String!){ claimInvite(code:$c,password:$w){ accessToken } }";
const INBOX: &str = "{ notifications(first: 50) { nodes { id kind params communityId read } } }";

/// Every resident of the community (first page of 100), optionally with the inactive ones.
async fn residents(app: &TestApp, token: &str, community: &str, inactive: bool) -> Vec<Value> {
    let data = app
        .ok(
            Some(token),
            RESIDENTS,
            json!({ "c": community, "first": 100, "i": inactive }),
        )
        .await;
    data["residents"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn by_phone<'a>(list: &'a [Value], phone: &str) -> Option<&'a Value> {
    list.iter().find(|r| r["phone"] == phone)
}

fn import_data(resp: &Value) -> Value {
    assert!(resp.get("errors").is_none(), "import failed: {resp}");
    resp["data"]["importRoster"].clone()
}

fn roles_of(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|r| r.as_str().unwrap_or_default().to_owned())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

async fn inbox(app: &TestApp, token: &str) -> Vec<Value> {
    app.ok(Some(token), INBOX, json!({})).await["notifications"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn count<E>(app: &TestApp, _entity: E) -> u64
where
    E: EntityTrait,
    E::Model: Sync,
{
    PaginatorTrait::count(E::find(), app.db())
        .await
        .unwrap_or_else(|e| panic!("count failed: {e}"))
}

#[tokio::test]
async fn importing_a_roster_creates_residents_with_one_time_invites() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let c = app.create_community(&admin, "东营社区").await;

    let out = import_data(&app.import_roster(&admin, &c, ROSTER).await);

    assert_eq!(out["created"], 5);
    assert_eq!(out["updated"], 0);
    assert_eq!(out["unchanged"], 0);
    let invites = out["invites"].as_array().cloned().unwrap_or_default();
    assert_eq!(invites.len(), 5, "one invite per new resident");
    let phones: BTreeSet<String> = invites
        .iter()
        .map(|i| i["phone"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        phones,
        set(&[
            "13800000001",
            "13800000002",
            "13800000003",
            "13800000004",
            "13800000005"
        ])
    );
    let codes: HashSet<String> = invites
        .iter()
        .map(|i| i["code"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(codes.len(), 5, "invite codes must be distinct");
    for code in &codes {
        assert_eq!(code.chars().count(), 10, "invite code {code:?}");
    }
    let wang = invites
        .iter()
        .find(|i| i["phone"] == COMMITTEE)
        .cloned()
        .unwrap_or_default();
    assert_eq!(wang["name"], "王建国");
    assert_eq!(wang["building"], "1栋");
    assert_eq!(wang["unit"], "101");

    // The roster is there, with households and roles as the file says.
    let list = residents(&app, &admin, &c, false).await;
    assert_eq!(list.len(), 5);
    let chen = by_phone(&list, "13800000005").cloned().unwrap_or_default();
    assert_eq!(chen["name"], "陈静");
    assert_eq!(chen["household"]["areaM2"], "75.25");
    assert_eq!(chen["household"]["owner"], true);
    assert_eq!(chen["claimed"], false);
    let liu = by_phone(&list, "13800000004").cloned().unwrap_or_default();
    assert_eq!(liu["household"]["owner"], false);
    assert_eq!(roles_of(&liu["roles"]), set(&["ORGANIZER", "RESIDENT"]));
    let community = app
        .ok(
            Some(&admin),
            "query($c:ID!){ community(id:$c){ residentCount householdCount } }",
            json!({ "c": c }),
        )
        .await;
    assert_eq!(community["community"]["residentCount"], 5);
    assert_eq!(community["community"]["householdCount"], 4);

    // Each code signs its own resident in.
    let (token, _) = app
        .claim(wang["code"].as_str().unwrap_or_default(), PASSWORD)
        .await;
    let me = app
        .ok(
            Some(&token),
            "query($c:ID!){ me { phone roles(communityId:$c) } }",
            json!({ "c": c }),
        )
        .await;
    assert_eq!(me["me"]["phone"], COMMITTEE);
    assert_eq!(
        roles_of(&me["me"]["roles"]),
        set(&["COMMITTEE", "RESIDENT"])
    );
}

#[tokio::test]
async fn a_roster_with_bad_rows_is_refused_whole_with_every_bad_row_reported() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let c = app.create_community(&admin, "东营社区").await;
    let accounts_before = count(&app, entity::account::Entity).await;
    let audit_before = count(&app, entity::audit_log::Entity).await;
    let csv = "building,unit,area_m2,owner,name,phone,roles
1栋,101,88.50,true,王建国,13800000001,COMMITTEE
1栋,102,abc,true,张伟,13800000003,
2栋,101,120.00,maybe,刘芳,13800000004,
2栋,102,75.25,true,陈静,12345,
2栋,103,75.25,true,,13800000006,
2栋,104,75.25,true,赵六,13800000001,
2栋,105,75.25,true,钱七,13800000008,KING
2栋,106,60.00,true,孙八,13800000009,
";

    let resp = app.import_roster(&admin, &c, csv).await;

    assert_eq!(error_code(&resp), "BAD_USER_INPUT", "{resp}");
    let ext = &resp["errors"][0]["extensions"];
    assert_eq!(ext["field"], "csv");
    let reported: BTreeSet<(u64, String)> = ext["rows"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap_or_default(),
                r["reason"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expected: BTreeSet<(u64, String)> = [
        (3, "AREA_INVALID"),
        (4, "OWNER_INVALID"),
        (5, "PHONE_INVALID"),
        (6, "NAME_REQUIRED"),
        (7, "DUPLICATE_PHONE"),
        (8, "ROLES_INVALID"),
    ]
    .into_iter()
    .map(|(l, r)| (l, r.to_owned()))
    .collect();
    assert_eq!(reported, expected, "{resp}");
    for row in ext["rows"].as_array().cloned().unwrap_or_default() {
        assert!(
            !row["message"].as_str().unwrap_or_default().is_empty(),
            "every bad row has a message: {row}"
        );
    }

    // Nothing was imported, not even the good rows.
    assert!(residents(&app, &admin, &c, true).await.is_empty());
    assert_eq!(count(&app, entity::account::Entity).await, accounts_before);
    assert_eq!(count(&app, entity::resident::Entity).await, 0);
    assert_eq!(count(&app, entity::household::Entity).await, 0);
    assert_eq!(count(&app, entity::building::Entity).await, 0);
    assert_eq!(count(&app, entity::invite::Entity).await, 0);
    assert_eq!(count(&app, entity::role_grant::Entity).await, 0);
    assert_eq!(count(&app, entity::audit_log::Entity).await, audit_before);
}

#[tokio::test]
async fn a_bad_file_leaves_an_existing_roster_untouched() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    // A rename on line 3 and a bad phone on line 4.
    let csv = ROSTER
        .replace("李秀英", "李秀兰")
        .replace("13800000005", "1380000000x");

    let resp = app
        .import_roster(w.token(COMMITTEE), &w.community_id, &csv)
        .await;

    assert_eq!(error_code(&resp), "BAD_USER_INPUT");
    assert_eq!(resp["errors"][0]["extensions"]["rows"][0]["line"], 6);
    let list = residents(&app, w.token(COMMITTEE), &w.community_id, true).await;
    assert_eq!(list.len(), 5);
    assert_eq!(
        by_phone(&list, RESIDENT).cloned().unwrap_or_default()["name"],
        "李秀英"
    );
}

#[tokio::test]
async fn reimporting_the_same_roster_changes_nothing() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let before = residents(&app, &w.admin, &w.community_id, true).await;

    let again = import_data(
        &app.import_roster(w.token(COMMITTEE), &w.community_id, ROSTER)
            .await,
    );

    assert_eq!(again["created"], 0);
    assert_eq!(again["updated"], 0);
    assert_eq!(again["unchanged"], 5);
    assert_eq!(again["invites"], json!([]), "no code is shown twice");
    let after = residents(&app, &w.admin, &w.community_id, true).await;
    assert_eq!(before, after);
    assert_eq!(count(&app, entity::invite::Entity).await, 5);
    // Sessions of the residents are untouched.
    assert!(app
        .ok(Some(w.token(RESIDENT)), "{ me { id } }", json!({}))
        .await["me"]["id"]
        .is_string());

    // The same content written differently (Excel BOM, CRLF, +86 phones, 88.5, TRUE) is still the same roster.
    let reformatted = format!(
        "\u{feff}{}",
        ROSTER
            .replace("88.50", "88.5")
            .replace(",true,", ",TRUE,")
            .replace(",13800000002,", ",+86 138-0000-0002,")
            .replace('\n', "\r\n")
    );
    let third = import_data(
        &app.import_roster(w.token(COMMITTEE), &w.community_id, &reformatted)
            .await,
    );
    assert_eq!(
        (
            third["created"].clone(),
            third["updated"].clone(),
            third["unchanged"].clone()
        ),
        (json!(0), json!(0), json!(5))
    );
}

#[tokio::test]
async fn a_changed_name_or_floor_area_counts_as_updated() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let csv = ROSTER
        .replace("李秀英", "李秀兰")
        .replace("2栋,102,75.25", "2栋,102,76.00");

    let out = import_data(
        &app.import_roster(w.token(COMMITTEE), &w.community_id, &csv)
            .await,
    );

    assert_eq!(out["created"], 0);
    assert_eq!(out["updated"], 2);
    assert_eq!(out["unchanged"], 3);
    assert_eq!(out["invites"], json!([]));
    let list = residents(&app, w.token(COMMITTEE), &w.community_id, false).await;
    let li = by_phone(&list, RESIDENT).cloned().unwrap_or_default();
    assert_eq!(li["name"], "李秀兰");
    assert_eq!(li["id"], w.person(RESIDENT).resident_id.as_str());
    let chen = by_phone(&list, "13800000005").cloned().unwrap_or_default();
    assert_eq!(chen["household"]["areaM2"], "76.00");
    let me = app
        .ok(Some(w.token(RESIDENT)), "{ me { name } }", json!({}))
        .await;
    assert_eq!(me["me"]["name"], "李秀兰");
}

#[tokio::test]
async fn a_deactivated_resident_is_reactivated_by_reimporting() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    app.ok(
        Some(w.token(COMMITTEE)),
        DEACTIVATE,
        json!({ "r": w.person(RESIDENT).resident_id }),
    )
    .await;

    let out = import_data(
        &app.import_roster(w.token(COMMITTEE), &w.community_id, ROSTER)
            .await,
    );

    assert_eq!(out["created"], 0);
    assert_eq!(out["updated"], 1);
    assert_eq!(out["unchanged"], 4);
    let list = residents(&app, w.token(COMMITTEE), &w.community_id, false).await;
    let li = by_phone(&list, RESIDENT).cloned().unwrap_or_default();
    assert_eq!(li["active"], true);
    assert_eq!(li["id"], w.person(RESIDENT).resident_id.as_str());
    // Back on the roster, they can sign in again with their own password.
    let token = app.sign_in(RESIDENT, PASSWORD).await;
    let me = app
        .ok(
            Some(&token),
            "query($c:ID!){ me { roles(communityId:$c) communities { id } } }",
            json!({ "c": w.community_id }),
        )
        .await;
    assert_eq!(roles_of(&me["me"]["roles"]), set(&["RESIDENT"]));
    assert_eq!(me["me"]["communities"][0]["id"], w.community_id.as_str());
}

#[tokio::test]
async fn a_fresh_invite_makes_the_earlier_code_stop_working() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let c = app.create_community(&admin, "东营社区").await;
    let out = import_data(&app.import_roster(&admin, &c, ROSTER).await);
    let first = out["invites"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .find(|i| i["phone"] == RESIDENT)
        .unwrap_or_default();

    let fresh = app
        .ok(
            Some(&admin),
            ISSUE_INVITE,
            json!({ "r": first["residentId"] }),
        )
        .await["issueInvite"]
        .clone();

    let code = fresh["code"].as_str().unwrap_or_default().to_owned();
    assert_eq!(code.chars().count(), 10);
    assert_ne!(fresh["code"], first["code"]);
    assert_eq!(fresh["phone"], RESIDENT);
    assert_eq!(fresh["name"], "李秀英");
    assert_eq!(fresh["residentId"], first["residentId"]);
    let old = app
        .gql(
            None,
            CLAIM,
            json!({ "c": first["code"], "w": "another password" }),
        )
        .await;
    assert_eq!(error_code(&old), "BAD_USER_INPUT");
    assert_eq!(old["errors"][0]["extensions"]["field"], "code");
    let (token, _) = app.claim(&code, PASSWORD).await;
    let me = app.ok(Some(&token), "{ me { phone } }", json!({})).await;
    assert_eq!(me["me"]["phone"], RESIDENT);
}

#[tokio::test]
async fn a_forgotten_password_is_replaced_by_claiming_a_fresh_invite() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let li = w.person(RESIDENT).clone();

    let fresh = app
        .ok(
            Some(w.token(COMMITTEE)),
            ISSUE_INVITE,
            json!({ "r": li.resident_id }),
        )
        .await;
    let code = fresh["issueInvite"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (token, _) = app.claim(&code, "a brand new password").await;

    assert_eq!(
        app.err_code(None, SIGN_IN, json!({ "p": RESIDENT, "w": PASSWORD }))
            .await,
        "UNAUTHENTICATED",
        "the old password must stop working"
    );
    let again = app.sign_in(RESIDENT, "a brand new password").await;
    assert!(!again.is_empty());
    assert!(app.ok(Some(&token), "{ me { id } }", json!({})).await["me"]["id"].is_string());
    // The sessions opened with the old password are over.
    assert_eq!(
        app.err_code(Some(&li.token), "{ me { id } }", json!({}))
            .await,
        "UNAUTHENTICATED"
    );
    assert_eq!(
        app.err_code(None, REFRESH, json!({ "r": li.refresh }))
            .await,
        "UNAUTHENTICATED"
    );
    // A code works once.
    assert_eq!(
        app.err_code(
            None,
            CLAIM,
            json!({ "c": code, "w": "yet another password" })
        )
        .await,
        "BAD_USER_INPUT"
    );
}

#[tokio::test]
async fn a_deactivated_resident_cannot_sign_in() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let li = w.person(RESIDENT).clone();

    let out = app
        .ok(
            Some(w.token(COMMITTEE)),
            DEACTIVATE,
            json!({ "r": li.resident_id }),
        )
        .await;

    assert_eq!(out["deactivateResident"]["active"], false);
    // The access token stops working at once, well before it expires.
    assert_eq!(
        app.err_code(Some(&li.token), "{ me { id } }", json!({}))
            .await,
        "UNAUTHENTICATED"
    );
    assert_eq!(
        app.err_code(None, REFRESH, json!({ "r": li.refresh }))
            .await,
        "UNAUTHENTICATED"
    );
    assert_eq!(
        app.err_code(None, SIGN_IN, json!({ "p": RESIDENT, "w": PASSWORD }))
            .await,
        "UNAUTHENTICATED"
    );
    // Others are not affected.
    assert!(app
        .ok(Some(w.token(MEDIATOR)), "{ me { id } }", json!({}))
        .await["me"]["id"]
        .is_string());
    // Deactivating twice is refused.
    assert_eq!(
        app.err_code(
            Some(w.token(COMMITTEE)),
            DEACTIVATE,
            json!({ "r": li.resident_id })
        )
        .await,
        "INVALID_STATE"
    );
}

#[tokio::test]
async fn a_deactivated_resident_leaves_the_default_residents_list() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let committee = w.token(COMMITTEE).to_owned();

    app.ok(
        Some(&committee),
        DEACTIVATE,
        json!({ "r": w.person(RESIDENT).resident_id }),
    )
    .await;

    let active = residents(&app, &committee, &w.community_id, false).await;
    assert_eq!(active.len(), 4);
    assert!(by_phone(&active, RESIDENT).is_none());
    let all = residents(&app, &committee, &w.community_id, true).await;
    assert_eq!(all.len(), 5);
    let li = by_phone(&all, RESIDENT).cloned().unwrap_or_default();
    assert_eq!(li["active"], false, "kept on record, not deleted");
    let community = app
        .ok(
            Some(&committee),
            "query($c:ID!){ community(id:$c){ residentCount } }",
            json!({ "c": w.community_id }),
        )
        .await;
    assert_eq!(community["community"]["residentCount"], 4);
}

#[tokio::test]
async fn an_unclaimed_invite_dies_with_deactivation() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let c = app.create_community(&admin, "东营社区").await;
    let out = import_data(&app.import_roster(&admin, &c, ROSTER).await);
    let invite = out["invites"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .find(|i| i["phone"] == RESIDENT)
        .unwrap_or_default();

    app.ok(
        Some(&admin),
        DEACTIVATE,
        json!({ "r": invite["residentId"] }),
    )
    .await;

    assert_eq!(
        app.err_code(None, CLAIM, json!({ "c": invite["code"], "w": PASSWORD }))
            .await,
        "BAD_USER_INPUT"
    );
}

#[tokio::test]
async fn granting_and_revoking_a_role_changes_it_and_tells_the_resident() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let li = w.person(RESIDENT).clone();
    let roles_q = "query($c:ID!){ me { roles(communityId:$c) } }";

    let granted = app
        .ok(
            Some(w.token(COMMITTEE)),
            GRANT,
            json!({ "r": li.resident_id, "role": "ORGANIZER" }),
        )
        .await;

    assert_eq!(
        roles_of(&granted["grantRole"]["roles"]),
        set(&["ORGANIZER", "RESIDENT"])
    );
    let me = app
        .ok(Some(&li.token), roles_q, json!({ "c": w.community_id }))
        .await;
    assert_eq!(
        roles_of(&me["me"]["roles"]),
        set(&["ORGANIZER", "RESIDENT"])
    );
    let items = inbox(&app, &li.token).await;
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["kind"], "ROLE_GRANTED");
    assert_eq!(items[0]["read"], false);
    assert_eq!(items[0]["communityId"], w.community_id.as_str());
    let params: Value =
        serde_json::from_str(items[0]["params"].as_str().unwrap_or_default()).unwrap_or_default();
    assert_eq!(params["role"], "ORGANIZER");
    assert_eq!(params["community"], "测试社区");
    // Nobody else was told.
    assert!(inbox(&app, w.token(MEDIATOR)).await.is_empty());

    let revoked = app
        .ok(
            Some(w.token(COMMITTEE)),
            REVOKE,
            json!({ "r": li.resident_id, "role": "ORGANIZER" }),
        )
        .await;

    assert_eq!(
        roles_of(&revoked["revokeRole"]["roles"]),
        set(&["RESIDENT"])
    );
    let me = app
        .ok(Some(&li.token), roles_q, json!({ "c": w.community_id }))
        .await;
    assert_eq!(roles_of(&me["me"]["roles"]), set(&["RESIDENT"]));
    let items = inbox(&app, &li.token).await;
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["kind"], "ROLE_REVOKED");
}

#[tokio::test]
async fn granting_a_role_already_held_is_quiet() {
    let app = TestApp::spawn().await;
    let w = app.community().await;

    let out = app
        .ok(
            Some(w.token(COMMITTEE)),
            GRANT,
            json!({ "r": w.person(MEDIATOR).resident_id, "role": "MEDIATOR" }),
        )
        .await;

    assert_eq!(
        roles_of(&out["grantRole"]["roles"]),
        set(&["MEDIATOR", "RESIDENT"])
    );
    assert!(inbox(&app, w.token(MEDIATOR)).await.is_empty());
}

#[tokio::test]
async fn only_committee_mediator_and_organizer_can_be_granted() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    for role in ["ADMIN", "RESIDENT"] {
        for q in [GRANT, REVOKE] {
            let resp = app
                .gql(
                    Some(w.token(COMMITTEE)),
                    q,
                    json!({ "r": w.person(RESIDENT).resident_id, "role": role }),
                )
                .await;
            assert_eq!(error_code(&resp), "BAD_USER_INPUT", "{role}: {resp}");
            assert_eq!(resp["errors"][0]["extensions"]["field"], "role");
        }
    }
    let me = app
        .ok(Some(w.token(RESIDENT)), "{ me { isAdmin } }", json!({}))
        .await;
    assert_eq!(me["me"]["isAdmin"], false);
}

#[tokio::test]
async fn the_last_committee_member_cannot_be_deactivated_or_lose_committee() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let wang = w.person(COMMITTEE).clone();

    for token in [w.admin.as_str(), wang.token.as_str()] {
        assert_eq!(
            app.err_code(Some(token), DEACTIVATE, json!({ "r": wang.resident_id }))
                .await,
            "INVALID_STATE"
        );
        assert_eq!(
            app.err_code(
                Some(token),
                REVOKE,
                json!({ "r": wang.resident_id, "role": "COMMITTEE" })
            )
            .await,
            "INVALID_STATE"
        );
    }
    // Still on the committee, still signed in.
    let list = residents(&app, &wang.token, &w.community_id, false).await;
    assert_eq!(
        roles_of(&by_phone(&list, COMMITTEE).cloned().unwrap_or_default()["roles"]),
        set(&["COMMITTEE", "RESIDENT"])
    );

    // With a second member, the first may step down.
    app.ok(
        Some(&wang.token),
        GRANT,
        json!({ "r": w.person(MEDIATOR).resident_id, "role": "COMMITTEE" }),
    )
    .await;
    let out = app
        .ok(
            Some(&wang.token),
            REVOKE,
            json!({ "r": wang.resident_id, "role": "COMMITTEE" }),
        )
        .await;
    assert_eq!(roles_of(&out["revokeRole"]["roles"]), set(&["RESIDENT"]));
    // …and now the other one is the last.
    assert_eq!(
        app.err_code(
            Some(w.token(MEDIATOR)),
            DEACTIVATE,
            json!({ "r": w.person(MEDIATOR).resident_id })
        )
        .await,
        "INVALID_STATE"
    );
}

#[tokio::test]
async fn a_residents_phone_is_stored_normalised() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let c = app.create_community(&admin, "东营社区").await;
    let csv = "building,unit,area_m2,owner,name,phone,roles
3栋,301,66,true,周九,+86 138-0000-0009,
3栋,302,66,true,吴十,0086 13800000010,
";

    let out = import_data(&app.import_roster(&admin, &c, csv).await);

    let phones: BTreeSet<String> = out["invites"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|i| i["phone"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(phones, set(&["13800000009", "13800000010"]));
    let list = residents(&app, &admin, &c, false).await;
    assert!(by_phone(&list, "13800000009").is_some(), "{list:?}");
    assert_eq!(
        by_phone(&list, "13800000009").cloned().unwrap_or_default()["household"]["areaM2"],
        "66.00"
    );
    let code = out["invites"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .find(|i| i["phone"] == "13800000009")
        .unwrap_or_default();
    app.claim(code["code"].as_str().unwrap_or_default(), PASSWORD)
        .await;
    let me = app
        .ok(
            Some(&app.sign_in("13800000009", PASSWORD).await),
            "{ me { phone } }",
            json!({}),
        )
        .await;
    assert_eq!(me["me"]["phone"], "13800000009");
}

#[tokio::test]
async fn residents_are_paged_with_a_total_count() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let token = w.token(COMMITTEE).to_owned();
    let mut seen = Vec::new();
    let mut after = Value::Null;
    let mut pages = 0;

    loop {
        let data = app
            .ok(
                Some(&token),
                RESIDENTS,
                json!({ "c": w.community_id, "first": 2, "after": after }),
            )
            .await;
        let conn = data["residents"].clone();
        assert_eq!(conn["totalCount"], 5);
        let nodes = conn["nodes"].as_array().cloned().unwrap_or_default();
        pages += 1;
        seen.extend(
            nodes
                .iter()
                .map(|n| n["phone"].as_str().unwrap_or_default().to_owned()),
        );
        let more = conn["pageInfo"]["hasNextPage"] == true;
        assert_eq!(
            nodes.len(),
            if more { 2 } else { 1 },
            "page {pages}: {conn}"
        );
        assert_eq!(conn["pageInfo"]["hasPreviousPage"], pages > 1);
        if !more {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
        // The cursor names the last row by its id, never by the name the list is ordered by.
        let decoded = base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            after.as_str().unwrap_or_default(),
        )
        .unwrap_or_default();
        let decoded = String::from_utf8_lossy(&decoded).to_string();
        for n in &nodes {
            let name = n["name"].as_str().unwrap_or("?");
            assert!(!decoded.contains(name), "{decoded} holds {name}");
        }
        assert!(
            decoded.contains(
                nodes
                    .last()
                    .map(|n| n["id"].as_str().unwrap_or("?"))
                    .unwrap_or("?")
            ),
            "{decoded}"
        );
        assert!(pages < 5, "pagination does not end");
    }

    assert_eq!(pages, 3);
    let distinct: BTreeSet<String> = seen.iter().cloned().collect();
    assert_eq!(seen.len(), 5, "{seen:?}");
    assert_eq!(distinct.len(), 5, "a resident appeared twice: {seen:?}");
    for bad in [0, 101, -1] {
        let resp = app
            .gql(
                Some(&token),
                RESIDENTS,
                json!({ "c": w.community_id, "first": bad }),
            )
            .await;
        assert_eq!(error_code(&resp), "BAD_USER_INPUT");
        assert_eq!(resp["errors"][0]["extensions"]["field"], "first");
    }
    let resp = app
        .gql(
            Some(&token),
            RESIDENTS,
            json!({ "c": w.community_id, "after": "not a cursor" }),
        )
        .await;
    assert_eq!(error_code(&resp), "BAD_USER_INPUT");
}

#[tokio::test]
async fn residents_can_be_searched_by_name_and_phone() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let token = w.token(COMMITTEE).to_owned();
    let search = |s: &'static str| {
        let app = &app;
        let token = token.clone();
        let c = w.community_id.clone();
        async move {
            let data = app
                .ok(Some(&token), RESIDENTS, json!({ "c": c, "s": s }))
                .await;
            let phones: BTreeSet<String> = data["residents"]["nodes"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|n| n["phone"].as_str().unwrap_or_default().to_owned())
                .collect();
            (
                data["residents"]["totalCount"].as_u64().unwrap_or(999),
                phones,
            )
        }
    };

    assert_eq!(search("王建国").await, (1, set(&[COMMITTEE])));
    assert_eq!(search("秀").await, (1, set(&[RESIDENT])));
    assert_eq!(search("0000003").await, (1, set(&[MEDIATOR])));
    assert_eq!(search("13800000004").await.0, 1);
    assert_eq!(search("1380000000").await.0, 5);
    assert_eq!(search("赵钱孙").await, (0, BTreeSet::new()));
    assert_eq!(search("   ").await.0, 5, "a blank search lists everyone");
}

/// Two committee members revoking each other at the same moment: the second to run finds it is
/// no longer on the committee (its access is checked again under the community's lock), so
/// never both succeed.
#[tokio::test]
async fn two_committee_members_revoking_each_other_at_once_cannot_both_succeed() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let wang = w.person(COMMITTEE).clone();
    // Three members, so the last-member rule does not decide it.
    for phone in [MEDIATOR, RESIDENT] {
        app.ok(
            Some(&wang.token),
            GRANT,
            json!({ "r": w.person(phone).resident_id, "role": "COMMITTEE" }),
        )
        .await;
    }
    let (a, b) = (w.person(MEDIATOR).clone(), w.person(RESIDENT).clone());
    // Whether the two interleave is up to the scheduler: several rounds.
    for round in 0..8 {
        let (ra, rb) = tokio::join!(
            app.gql(
                Some(&a.token),
                REVOKE,
                json!({ "r": b.resident_id, "role": "COMMITTEE" })
            ),
            app.gql(
                Some(&b.token),
                REVOKE,
                json!({ "r": a.resident_id, "role": "COMMITTEE" })
            ),
        );
        let ok = [&ra, &rb]
            .iter()
            .filter(|r| r.get("errors").is_none())
            .count();
        assert_eq!(
            ok, 1,
            "round {round}: exactly one revocation lands:\n{ra}\n{rb}"
        );
        let refused = if ra.get("errors").is_some() { &ra } else { &rb };
        assert_eq!(
            refused["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{refused}"
        );
        let list = residents(&app, &wang.token, &w.community_id, false).await;
        let committee = list
            .iter()
            .filter(|r| roles_of(&r["roles"]).contains("COMMITTEE"))
            .count();
        assert_eq!(committee, 2, "王 and the one who acted first");
        // 王 restores the committee for the next round.
        for r in [&a.resident_id, &b.resident_id] {
            app.ok(
                Some(&wang.token),
                GRANT,
                json!({ "r": r, "role": "COMMITTEE" }),
            )
            .await;
        }
    }
}
