//! "Only once" and "never inconsistent" rules under simultaneous requests, on both databases.

use std::collections::BTreeMap;

use futures_util::future::join_all;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};

use crate::harness::*;

const CLAIM: &str =
    "mutation($c:String!,$w:String!){ claimInvite(code:$c,password:$w){ accessToken } }";
const SIGN_IN: &str =
    "mutation($p:String!,$w:String!){ signIn(phone:$p,password:$w){ accessToken viewer { id } } }";
const GRANT: &str =
    "mutation($r:ID!,$role:Role!){ grantRole(residentId:$r, role:$role){ id roles } }";
const REVOKE: &str =
    "mutation($r:ID!,$role:Role!){ revokeRole(residentId:$r, role:$role){ id roles } }";
const DEACTIVATE: &str = "mutation($r:ID!){ deactivateResident(residentId:$r){ id } }";

fn invites(resp: &Value) -> Vec<Value> {
    resp["data"]["importRoster"]["invites"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Ten residents 13800000101…13800000110, one per household.
fn ten_households() -> String {
    let mut csv = String::from("building,unit,area_m2,owner,name,phone,roles\n");
    for i in 1..=10 {
        csv.push_str(&format!(
            "8栋,{},60.00,true,住户{i},138000001{i:02},\n",
            800 + i
        ));
    }
    csv
}

#[tokio::test]
async fn one_invite_code_claimed_ten_times_at_once_succeeds_exactly_once() {
    // Nine wrong passwords are tried afterwards: keep the sign-in rate limit out of the way.
    let app = TestApp::spawn_with(|s| s.max_failures_per_phone = 100).await;
    let admin = app.admin_token().await;
    let c = app.create_community(&admin, "东营社区").await;
    let resp = app.import_roster(&admin, &c, ROSTER).await;
    let code = invites(&resp)
        .into_iter()
        .find(|i| i["phone"] == RESIDENT)
        .map(|i| i["code"].clone())
        .unwrap_or_default();

    let results = join_all((0..10).map(|i| {
        app.gql(
            None,
            CLAIM,
            json!({ "c": code, "w": format!("password number {i}") }),
        )
    }))
    .await;

    let winners: Vec<usize> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.get("errors").is_none())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    for r in &results {
        if r.get("errors").is_some() {
            assert_eq!(error_code(r), "BAD_USER_INPUT", "{r}");
        }
    }
    // Exactly the winner's password works.
    for i in 0..10 {
        let resp = app
            .gql(
                None,
                SIGN_IN,
                json!({ "p": RESIDENT, "w": format!("password number {i}") }),
            )
            .await;
        assert_eq!(
            resp.get("errors").is_none(),
            winners.contains(&i),
            "password {i}: {resp}"
        );
    }
}

#[tokio::test]
async fn the_same_roster_imported_twice_at_once_ends_consistent() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let c = app.create_community(&admin, "东营社区").await;

    let results = join_all((0..2).map(|_| app.import_roster(&admin, &c, ROSTER))).await;

    let ok: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("errors").is_none())
        .collect();
    assert!(!ok.is_empty(), "both imports failed: {results:?}");
    for r in &results {
        if r.get("errors").is_some() {
            assert_eq!(error_code(r), "CONFLICT", "{r}");
        }
    }
    let created: u64 = ok
        .iter()
        .map(|r| {
            r["data"]["importRoster"]["created"]
                .as_u64()
                .unwrap_or_default()
        })
        .sum();
    assert_eq!(created, 5, "{results:?}");
    let shown: Vec<Value> = ok.iter().flat_map(|r| invites(r)).collect();
    assert_eq!(shown.len(), 5, "one invite per resident: {results:?}");

    // Each phone exactly once, each on the roster once.
    let db = app.db();
    let mut per_phone: BTreeMap<String, usize> = BTreeMap::new();
    for a in entity::account::Entity::find()
        .all(db)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
    {
        *per_phone.entry(a.phone).or_default() += 1;
    }
    for phone in [
        "13800000001",
        "13800000002",
        "13800000003",
        "13800000004",
        "13800000005",
    ] {
        assert_eq!(per_phone.get(phone), Some(&1), "{phone}: {per_phone:?}");
    }
    let count = |r: Result<u64, sea_orm::DbErr>| r.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        count(
            entity::resident::Entity::find()
                .filter(entity::resident::Column::CommunityId.eq(c.clone()))
                .count(db)
                .await
        ),
        5
    );
    assert_eq!(count(entity::household::Entity::find().count(db).await), 4);
    assert_eq!(count(entity::building::Entity::find().count(db).await), 2);
    assert_eq!(count(entity::invite::Entity::find().count(db).await), 5);
    // Every code that was shown works.
    for inv in shown {
        let (token, _) = app
            .claim(inv["code"].as_str().unwrap_or_default(), PASSWORD)
            .await;
        assert!(!token.is_empty());
    }
    let report = api::domain::audit::verify(db, &app.state.audit)
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    assert!(report.first_bad.is_none(), "{report:?}");
}

#[tokio::test]
async fn ten_simultaneous_grants_of_one_role_leave_one_grant() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let li = w.person(RESIDENT).clone();

    let results = join_all((0..10).map(|_| {
        app.gql(
            Some(w.token(COMMITTEE)),
            GRANT,
            json!({ "r": li.resident_id, "role": "ORGANIZER" }),
        )
    }))
    .await;

    for r in &results {
        if r.get("errors").is_some() {
            assert_eq!(error_code(r), "CONFLICT", "{r}");
        }
    }
    assert!(results.iter().any(|r| r.get("errors").is_none()));
    let me = app.ok(Some(&li.token), "{ me { id } }", json!({})).await;
    let account = me["me"]["id"].as_str().unwrap_or_default().to_owned();
    let db = app.db();
    let grants = entity::role_grant::Entity::find()
        .filter(entity::role_grant::Column::AccountId.eq(account.clone()))
        .filter(entity::role_grant::Column::Role.eq("ORGANIZER"))
        .count(db)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(grants, 1);
    let told = entity::notification::Entity::find()
        .filter(entity::notification::Column::AccountId.eq(account))
        .count(db)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(told, 1, "the resident is told once");
    let audited = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq("role.grant"))
        .count(db)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(audited, 1);
    let roles = app
        .ok(
            Some(&li.token),
            "query($c:ID!){ me { roles(communityId:$c) } }",
            json!({ "c": w.community_id }),
        )
        .await;
    assert_eq!(roles["me"]["roles"], json!(["RESIDENT", "ORGANIZER"]));
}

#[tokio::test]
async fn ten_residents_sign_in_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let c = app.create_community(&admin, "东营社区").await;
    let resp = app.import_roster(&admin, &c, &ten_households()).await;
    let list = invites(&resp);
    assert_eq!(list.len(), 10, "{resp}");
    let mut ids = BTreeMap::new();
    for inv in &list {
        let (token, _) = app
            .claim(inv["code"].as_str().unwrap_or_default(), PASSWORD)
            .await;
        let me = app.ok(Some(&token), "{ me { id } }", json!({})).await;
        ids.insert(
            inv["phone"].as_str().unwrap_or_default().to_owned(),
            me["me"]["id"].clone(),
        );
    }

    let results = join_all(
        ids.keys()
            .map(|phone| app.gql(None, SIGN_IN, json!({ "p": phone, "w": PASSWORD }))),
    )
    .await;

    for ((phone, id), r) in ids.iter().zip(&results) {
        assert!(r.get("errors").is_none(), "{phone}: {r}");
        assert_eq!(&r["data"]["signIn"]["viewer"]["id"], id, "{phone}");
        let token = r["data"]["signIn"]["accessToken"]
            .as_str()
            .unwrap_or_default();
        let me = app.ok(Some(token), "{ me { phone } }", json!({})).await;
        assert_eq!(me["me"]["phone"], phone.as_str());
    }
}

/// Two committee members removing each other at the same moment: the rule that a community
/// keeps at least one committee member must hold under concurrency too.
#[tokio::test]
async fn two_committee_members_removing_each_other_at_once_leave_one() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let a = w.person(COMMITTEE).clone();
    let b = w.person(MEDIATOR).clone();

    for round in 0..6 {
        // Both on the committee (the admin restores whoever lost it).
        for p in [&a, &b] {
            app.ok(
                Some(&w.admin),
                GRANT,
                json!({ "r": p.resident_id, "role": "COMMITTEE" }),
            )
            .await;
        }
        let deactivating = round % 2 == 1;
        let (q, vars_a, vars_b) = if deactivating {
            (
                DEACTIVATE,
                json!({ "r": b.resident_id }),
                json!({ "r": a.resident_id }),
            )
        } else {
            (
                REVOKE,
                json!({ "r": b.resident_id, "role": "COMMITTEE" }),
                json!({ "r": a.resident_id, "role": "COMMITTEE" }),
            )
        };
        let a_token = app.sign_in(COMMITTEE, PASSWORD).await;
        let b_token = app.sign_in(MEDIATOR, PASSWORD).await;

        let (ra, rb) = tokio::join!(
            app.gql(Some(&a_token), q, vars_a),
            app.gql(Some(&b_token), q, vars_b)
        );

        let list = app
            .ok(
                Some(&w.admin),
                "query($c:ID!){ residents(communityId:$c){ nodes { id roles } } }",
                json!({ "c": w.community_id }),
            )
            .await;
        let left = list["residents"]["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter(|n| {
                n["roles"]
                    .as_array()
                    .is_some_and(|r| r.contains(&json!("COMMITTEE")))
            })
            .count();
        assert!(
            left >= 1,
            "round {round} ({q}): the community has no committee left\n{ra}\n{rb}"
        );
        // Put everyone back for the next round.
        if deactivating {
            let resp = app.import_roster(&w.admin, &w.community_id, ROSTER).await;
            assert!(resp.get("errors").is_none(), "{resp}");
        }
    }
}
