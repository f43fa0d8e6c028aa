//! Who may do what (DESIGN §1–2): every resolver authorises on the server; a member without the
//! role gets FORBIDDEN, anyone outside the community gets NOT_FOUND, and an anonymous caller
//! UNAUTHENTICATED. A refused call changes nothing.

use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{json, Value};

use crate::harness::*;

const ORGANIZER: &str = "13800000004";
const NEIGHBOUR: &str = "13800000005";

/// A second community, its residents unknown to community A.
const ROSTER_B: &str = "building,unit,area_m2,owner,name,phone,roles
9栋,901,70.00,true,赵一,13700000001,COMMITTEE
9栋,902,70.00,true,钱二,13700000002,
";

const RESIDENTS: &str =
    "query($c:ID!){ residents(communityId:$c){ totalCount nodes { id name phone } } }";
const IMPORT: &str =
    "mutation($c:ID!,$csv:String!){ importRoster(communityId:$c, csv:$csv){ created } }";
const ISSUE_INVITE: &str = "mutation($r:ID!){ issueInvite(residentId:$r){ code } }";
const DEACTIVATE: &str = "mutation($r:ID!){ deactivateResident(residentId:$r){ id active } }";
const GRANT: &str = "mutation($r:ID!){ grantRole(residentId:$r, role: MEDIATOR){ id roles } }";
const REVOKE: &str = "mutation($r:ID!){ revokeRole(residentId:$r, role: ORGANIZER){ id roles } }";
const CREATE_COMMUNITY: &str = "mutation($n:String!){ createCommunity(name:$n){ id } }";
const COMMUNITY: &str = "query($c:ID!){ community(id:$c){ id name residentCount } }";

/// A CSV adding one new resident (so a successful import would be visible).
const NEW_ROW: &str = "building,unit,area_m2,owner,name,phone,roles
5栋,501,50.00,true,新来的,13800000099,
";

/// The committee calls, each against a community and one of its residents.
fn committee_calls(community: &str, resident: &str) -> Vec<(&'static str, &'static str, Value)> {
    vec![
        (
            "importRoster",
            IMPORT,
            json!({ "c": community, "csv": NEW_ROW }),
        ),
        ("issueInvite", ISSUE_INVITE, json!({ "r": resident })),
        ("grantRole", GRANT, json!({ "r": resident })),
        ("revokeRole", REVOKE, json!({ "r": resident })),
        ("deactivateResident", DEACTIVATE, json!({ "r": resident })),
        ("residents", RESIDENTS, json!({ "c": community })),
    ]
}

/// What a refused call must not have changed, read straight from the database.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    accounts: u64,
    residents: u64,
    active_residents: u64,
    invites: u64,
    grants: u64,
    audit: u64,
    notifications: u64,
    communities: u64,
}

async fn snapshot(app: &TestApp) -> Snapshot {
    use sea_orm::{ColumnTrait, QueryFilter};
    let db = app.db();
    let n = |r: Result<u64, sea_orm::DbErr>| r.unwrap_or_else(|e| panic!("count failed: {e}"));
    Snapshot {
        accounts: n(entity::account::Entity::find().count(db).await),
        residents: n(entity::resident::Entity::find().count(db).await),
        active_residents: n(entity::resident::Entity::find()
            .filter(entity::resident::Column::Active.eq(true))
            .count(db)
            .await),
        invites: n(entity::invite::Entity::find().count(db).await),
        grants: n(entity::role_grant::Entity::find().count(db).await),
        audit: n(entity::audit_log::Entity::find().count(db).await),
        notifications: n(entity::notification::Entity::find().count(db).await),
        communities: n(entity::community::Entity::find().count(db).await),
    }
}

/// Community B with its committee member signed in: (community id, committee token, resident ids).
async fn second_community(app: &TestApp, admin: &str) -> (String, String, Vec<String>) {
    let c = app.create_community(admin, "西城社区").await;
    let resp = app.import_roster(admin, &c, ROSTER_B).await;
    assert!(resp.get("errors").is_none(), "{resp}");
    let invites = resp["data"]["importRoster"]["invites"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut committee = String::new();
    let mut ids = Vec::new();
    for inv in invites {
        let (token, _) = app
            .claim(inv["code"].as_str().unwrap_or_default(), PASSWORD)
            .await;
        if inv["phone"] == "13700000001" {
            committee = token;
        }
        ids.push(inv["residentId"].as_str().unwrap_or_default().to_owned());
    }
    (c, committee, ids)
}

#[tokio::test]
async fn residents_mediators_and_organizers_cannot_manage_their_own_roster() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let target = w.person(NEIGHBOUR).resident_id.clone();
    let before = snapshot(&app).await;

    for phone in [RESIDENT, MEDIATOR, ORGANIZER] {
        for (name, q, vars) in committee_calls(&w.community_id, &target) {
            let resp = app.gql(Some(w.token(phone)), q, vars).await;
            assert_eq!(error_code(&resp), "FORBIDDEN", "{phone} {name}: {resp}");
            assert!(
                resp["data"].is_null() || resp["data"].get(name).is_none_or(Value::is_null),
                "{phone} {name} leaked data: {resp}"
            );
        }
    }

    assert_eq!(snapshot(&app).await, before, "a refused call changed data");
    // The neighbour is still there and still signed in.
    assert!(app
        .ok(Some(w.token(NEIGHBOUR)), "{ me { id } }", json!({}))
        .await["me"]["id"]
        .is_string());
}

#[tokio::test]
async fn nobody_can_touch_a_community_they_do_not_belong_to() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let (b, _b_committee, b_residents) = second_community(&app, &w.admin).await;
    let before = snapshot(&app).await;

    for phone in [COMMITTEE, RESIDENT, MEDIATOR, ORGANIZER] {
        for (name, q, vars) in committee_calls(&b, &b_residents[1]) {
            let resp = app.gql(Some(w.token(phone)), q, vars).await;
            assert_eq!(error_code(&resp), "NOT_FOUND", "{phone} {name}: {resp}");
        }
    }
    // The answer is the same as for ids that do not exist at all.
    let nowhere = uuid::Uuid::new_v4().to_string();
    for (name, q, vars) in committee_calls(&nowhere, &nowhere) {
        let resp = app.gql(Some(w.token(COMMITTEE)), q, vars).await;
        assert_eq!(error_code(&resp), "NOT_FOUND", "{name}: {resp}");
    }

    assert_eq!(snapshot(&app).await, before, "a refused call changed data");
}

#[tokio::test]
async fn committee_of_one_community_cannot_touch_residents_of_another() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let (b, b_committee, b_residents) = second_community(&app, &w.admin).await;
    let qian = b_residents[1].clone();
    let before = snapshot(&app).await;

    for q in [ISSUE_INVITE, DEACTIVATE, GRANT, REVOKE] {
        assert_eq!(
            app.err_code(Some(w.token(COMMITTEE)), q, json!({ "r": qian }))
                .await,
            "NOT_FOUND",
            "{q}"
        );
    }
    // Nor the other way round.
    for q in [ISSUE_INVITE, DEACTIVATE, GRANT, REVOKE] {
        assert_eq!(
            app.err_code(
                Some(&b_committee),
                q,
                json!({ "r": w.person(RESIDENT).resident_id })
            )
            .await,
            "NOT_FOUND",
            "{q}"
        );
    }

    assert_eq!(snapshot(&app).await, before);
    let list = app
        .ok(Some(&b_committee), RESIDENTS, json!({ "c": b }))
        .await;
    assert_eq!(list["residents"]["totalCount"], 2);
    let qian_token = app.sign_in("13700000002", PASSWORD).await;
    assert!(!qian_token.is_empty());
}

#[tokio::test]
async fn only_a_platform_admin_can_create_a_community() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let before = snapshot(&app).await;

    for phone in [COMMITTEE, RESIDENT, MEDIATOR, ORGANIZER] {
        assert_eq!(
            app.err_code(
                Some(w.token(phone)),
                CREATE_COMMUNITY,
                json!({ "n": "自封社区" })
            )
            .await,
            "FORBIDDEN",
            "{phone}"
        );
    }

    assert_eq!(snapshot(&app).await, before);
    let listed = app
        .ok(Some(&w.admin), "{ communities { name } }", json!({}))
        .await;
    assert_eq!(listed["communities"], json!([{ "name": "测试社区" }]));
    let created = app
        .ok(Some(&w.admin), CREATE_COMMUNITY, json!({ "n": "新社区" }))
        .await;
    assert!(created["createCommunity"]["id"].is_string());
}

#[tokio::test]
async fn anonymous_calls_are_unauthenticated() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let target = w.person(NEIGHBOUR).resident_id.clone();
    let before = snapshot(&app).await;
    let mut calls = committee_calls(&w.community_id, &target);
    calls.extend([
        (
            "createCommunity",
            CREATE_COMMUNITY,
            json!({ "n": "匿名社区" }),
        ),
        ("community", COMMUNITY, json!({ "c": w.community_id })),
        ("communities", "{ communities { id } }", json!({})),
        (
            "notifications",
            "{ notifications { nodes { id } } }",
            json!({}),
        ),
        (
            "unreadNotificationCount",
            "{ unreadNotificationCount }",
            json!({}),
        ),
        (
            "markAllNotificationsRead",
            "mutation { markAllNotificationsRead }",
            json!({}),
        ),
        (
            "markNotificationRead",
            "mutation($r:ID!){ markNotificationRead(id:$r){ id } }",
            json!({ "r": target }),
        ),
    ]);

    for (name, q, vars) in calls {
        let resp = app.gql(None, q, vars).await;
        assert_eq!(error_code(&resp), "UNAUTHENTICATED", "{name}: {resp}");
    }

    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn a_community_is_not_found_for_a_non_member() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let (b, b_committee, _) = second_community(&app, &w.admin).await;

    for token in [w.token(RESIDENT), w.token(COMMITTEE), b_committee.as_str()] {
        let own = app
            .ok(Some(token), "{ communities { id } }", json!({}))
            .await;
        let own_id = own["communities"][0]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert_eq!(own["communities"].as_array().map(Vec::len), Some(1));
        let other = if own_id == b { &w.community_id } else { &b };

        let seen = app.ok(Some(token), COMMUNITY, json!({ "c": own_id })).await;
        assert_eq!(seen["community"]["id"], own_id.as_str());
        let resp = app.gql(Some(token), COMMUNITY, json!({ "c": other })).await;
        assert_eq!(error_code(&resp), "NOT_FOUND", "{resp}");
        assert!(resp["data"].is_null() || resp["data"]["community"].is_null());
    }
    // A random id looks exactly the same.
    let resp = app
        .gql(
            Some(w.token(RESIDENT)),
            COMMUNITY,
            json!({ "c": uuid::Uuid::new_v4().to_string() }),
        )
        .await;
    assert_eq!(error_code(&resp), "NOT_FOUND");
    // A resident who moved out is no longer a member, and their session is over.
    app.ok(
        Some(w.token(COMMITTEE)),
        DEACTIVATE,
        json!({ "r": w.person(NEIGHBOUR).resident_id }),
    )
    .await;
    assert_eq!(
        app.err_code(
            Some(w.token(NEIGHBOUR)),
            COMMUNITY,
            json!({ "c": w.community_id })
        )
        .await,
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn an_admin_can_do_all_of_it_in_any_community() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let (b, _, b_residents) = second_community(&app, &w.admin).await;

    for (c, resident) in [
        (
            w.community_id.clone(),
            w.person(NEIGHBOUR).resident_id.clone(),
        ),
        (b.clone(), b_residents[1].clone()),
    ] {
        let seen = app.ok(Some(&w.admin), COMMUNITY, json!({ "c": c })).await;
        assert_eq!(seen["community"]["id"], c.as_str());
        for (name, q, vars) in committee_calls(&c, &resident) {
            let resp = app.gql(Some(&w.admin), q, vars).await;
            assert!(resp.get("errors").is_none(), "admin {name}: {resp}");
        }
        let list = app
            .ok(
                Some(&w.admin),
                "query($c:ID!){ residents(communityId:$c, includeInactive:true){ nodes { id active roles } } }",
                json!({ "c": c }),
            )
            .await;
        let r = list["residents"]["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .find(|n| n["id"] == resident.as_str())
            .unwrap_or_default();
        assert_eq!(r["active"], false, "the admin's deactivation took effect");
    }
}

#[tokio::test]
async fn importing_into_a_community_that_does_not_exist_is_not_found_even_for_an_admin() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let nowhere = uuid::Uuid::new_v4().to_string();

    let resp = app.import_roster(&admin, &nowhere, NEW_ROW).await;

    assert_eq!(error_code(&resp), "NOT_FOUND", "{resp}");
    let listed = app
        .err_code(
            Some(&admin),
            "query($c:ID!){ residents(communityId:$c){ totalCount } }",
            json!({ "c": nowhere }),
        )
        .await;
    assert_eq!(listed, "NOT_FOUND");
}

/// A committee adds a phone it knows to its own roster and claims the invite it is shown. That
/// must not hand it an account that already has a password elsewhere: the platform admin's, or a
/// committee member's of another community.
#[tokio::test]
async fn a_committee_cannot_take_over_another_account_through_its_roster() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let (b, _, _) = second_community(&app, &w.admin).await;
    let attacker_password = "attacker's own password";

    for (victim, label) in [
        ("13900000000", "the platform admin"),
        ("13700000001", "B's committee"),
    ] {
        let csv = format!(
            "building,unit,area_m2,owner,name,phone,roles\n6栋,601,40.00,true,冒名者,{victim},\n"
        );
        let resp = app
            .import_roster(w.token(COMMITTEE), &w.community_id, &csv)
            .await;
        let invite = resp["data"]["importRoster"]["invites"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .find(|i| i["phone"] == victim);
        if let Some(invite) = invite {
            let _ = app
                .gql(
                    None,
                    "mutation($c:String!,$w:String!){ claimInvite(code:$c,password:$w){ accessToken } }",
                    json!({ "c": invite["code"], "w": attacker_password }),
                )
                .await;
        }

        let attacker = app
            .gql(
                None,
                "mutation($p:String!,$w:String!){ signIn(phone:$p,password:$w){ accessToken } }",
                json!({ "p": victim, "w": attacker_password }),
            )
            .await;
        assert_eq!(
            error_code(&attacker),
            "UNAUTHENTICATED",
            "community A's committee signed in as {label}: {attacker}"
        );
        let owner = app
            .gql(
                None,
                "mutation($p:String!,$w:String!){ signIn(phone:$p,password:$w){ accessToken } }",
                json!({ "p": victim, "w": PASSWORD }),
            )
            .await;
        assert!(
            owner.get("errors").is_none(),
            "{label} lost their own password: {owner}"
        );
    }
    // B's committee member still runs B.
    let b_committee = app.sign_in("13700000001", PASSWORD).await;
    assert!(app
        .gql(Some(&b_committee), RESIDENTS, json!({ "c": b }))
        .await
        .get("errors")
        .is_none());
}

/// `Community.viewerCan` states what each viewer may start, and it is what the services allow:
/// the portal offers forms and committee pages from it alone.
#[tokio::test]
async fn what_a_viewer_may_start_is_what_the_services_allow() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    const CAN: &str = "query($c:ID!){ community(id:$c){ viewerCan { proposeTopic \
        proposeAsCommittee reviewTopics manageRoster handleCases runCampaigns createEvent \
        manageVolunteers } } }";
    let can = |flags: [bool; 8]| {
        json!({
            "proposeTopic": flags[0], "proposeAsCommittee": flags[1], "reviewTopics": flags[2],
            "manageRoster": flags[3], "handleCases": flags[4], "runCampaigns": flags[5],
            "createEvent": flags[6], "manageVolunteers": flags[7],
        })
    };
    // The admin of the platform is on no roster: the roster and the topic review are theirs,
    // the committee's own work in a community (cases, campaigns, events, volunteers) is not.
    for (who, token, expected) in [
        (
            "resident",
            w.token(RESIDENT),
            can([true, false, false, false, false, false, false, false]),
        ),
        (
            "mediator",
            w.token(MEDIATOR),
            can([true, false, false, false, false, false, false, false]),
        ),
        (
            "organizer",
            w.token(ORGANIZER),
            can([true, false, false, false, false, false, true, false]),
        ),
        (
            "committee",
            w.token(COMMITTEE),
            can([true, true, true, true, true, true, true, true]),
        ),
        (
            "admin",
            w.admin.as_str(),
            can([false, false, true, true, false, false, false, false]),
        ),
    ] {
        let seen = app
            .ok(Some(token), CAN, json!({ "c": w.community_id }))
            .await;
        assert_eq!(seen["community"]["viewerCan"], expected, "{who}");
        // Each read the flags stand for answers as the flag says.
        let c = json!({ "c": w.community_id });
        for (flag, q) in [
            ("manageRoster", RESIDENTS),
            (
                "handleCases",
                "query($c:ID!){ communityCases(communityId:$c){ nodes { id } } }",
            ),
            (
                "manageVolunteers",
                "query($c:ID!){ volunteerRanking(communityId:$c, year: 2026){ hours } }",
            ),
        ] {
            let resp = app.gql(Some(token), q, c.clone()).await;
            let allowed = resp.get("errors").is_none();
            assert_eq!(
                allowed,
                expected[flag] == true,
                "{who} {flag}: the flag and the service disagree: {resp}"
            );
        }
    }
    // Someone from another community is told it does not exist.
    let (_, b_committee, _) = second_community(&app, &w.admin).await;
    assert_eq!(
        app.err_code(Some(&b_committee), CAN, json!({ "c": w.community_id }))
            .await,
        "NOT_FOUND"
    );
}

/// Each roster place says what the committee may do to it (`Resident.viewerCan`), and each act
/// answers as it says: roles to grant and to revoke, an invite, deactivation; nothing for a
/// deactivated place.
#[tokio::test]
async fn what_the_committee_may_do_to_a_place_is_what_the_roster_allows() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let committee = w.token(COMMITTEE);
    const Q: &str = "query($c:ID!){ residents(communityId:$c, first: 50, includeInactive: true){ nodes { id roles viewerCan { invite deactivate grant revoke } } } }";
    let row = |id: String| {
        let app = &app;
        let c = w.community_id.clone();
        async move {
            let seen = app.ok(Some(committee), Q, json!({ "c": c })).await;
            seen["residents"]["nodes"]
                .as_array()
                .and_then(|all| all.iter().find(|r| r["id"] == id.as_str()).cloned())
                .unwrap_or_default()
        }
    };
    let mediator = w.person(MEDIATOR).resident_id.clone();
    let can = row(mediator.clone()).await["viewerCan"].clone();
    assert_eq!(
        can,
        json!({"invite": true, "deactivate": true, "grant": ["COMMITTEE", "ORGANIZER"], "revoke": ["MEDIATOR"]})
    );
    // The community's only committee member can neither go nor lose the role, and the acts
    // refuse it.
    let me = w.person(COMMITTEE).resident_id.clone();
    assert_eq!(
        row(me.clone()).await["viewerCan"],
        json!({"invite": true, "deactivate": false, "grant": ["MEDIATOR", "ORGANIZER"], "revoke": []})
    );
    assert_eq!(
        app.err_code(Some(committee), DEACTIVATE, json!({ "r": me }))
            .await,
        "INVALID_STATE"
    );
    assert_eq!(
        app.err_code(
            Some(committee),
            "mutation($r:ID!){ revokeRole(residentId:$r, role: COMMITTEE){ id } }",
            json!({ "r": me })
        )
        .await,
        "INVALID_STATE"
    );
    // Granting what is offered works, and the role moves to the revocable ones.
    app.ok(
        Some(committee),
        "mutation($r:ID!){ grantRole(residentId:$r, role: ORGANIZER){ id } }",
        json!({ "r": mediator }),
    )
    .await;
    assert_eq!(
        row(mediator.clone()).await["viewerCan"]["revoke"],
        json!(["MEDIATOR", "ORGANIZER"])
    );
    // A deactivated place offers nothing, and each act is refused.
    app.ok(Some(committee), DEACTIVATE, json!({ "r": mediator }))
        .await;
    assert_eq!(
        row(mediator.clone()).await["viewerCan"],
        json!({"invite": false, "deactivate": false, "grant": [], "revoke": []})
    );
    for q in [ISSUE_INVITE, DEACTIVATE, GRANT] {
        assert_eq!(
            app.err_code(Some(committee), q, json!({ "r": mediator }))
                .await,
            "INVALID_STATE",
            "{q}"
        );
    }
}
