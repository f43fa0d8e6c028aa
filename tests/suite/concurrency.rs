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

// ---------------------------------------------------------------------------------------------
// Mediation: one case, many simultaneous acts
// ---------------------------------------------------------------------------------------------

mod mediation {
    use futures_util::future::join_all;
    use serde_json::json;

    use crate::harness::*;
    use crate::mediation::*;

    fn audit_rows(actions: &[entity::audit_log::Model], action: &str) -> usize {
        actions.iter().filter(|a| a.action == action).count()
    }

    async fn audit_of(app: &TestApp, id: &str) -> Vec<entity::audit_log::Model> {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        entity::audit_log::Entity::find()
            .filter(entity::audit_log::Column::Subject.eq(id))
            .all(app.db())
            .await
            .unwrap_or_default()
    }

    #[tokio::test]
    async fn the_last_parties_signing_at_the_same_moment_agree_the_case_once() {
        let app = TestApp::spawn().await;
        let w = app.community().await;
        // Six more neighbours, all respondents: seven parties sign at the same moment.
        let mut csv = String::from("building,unit,area_m2,owner,name,phone,roles\n");
        for i in 1..=6 {
            csv.push_str(&format!("5栋,50{i},60.00,true,邻居{i},1380000011{i},\n"));
        }
        let resp = app.import_roster(&w.admin, &w.community_id, &csv).await;
        let mut neighbours = Vec::new();
        for inv in resp["data"]["importRoster"]["invites"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let (token, _) = app.claim(&s(&inv["code"]), PASSWORD).await;
            neighbours.push((s(&inv["residentId"]), token));
        }
        let ids: Vec<String> = neighbours.iter().map(|(id, _)| id.clone()).collect();
        // The race is run on several cases: an unlocked check-then-flip loses it only sometimes.
        for _ in 0..3 {
            let r = file(&app, w.token(APPLICANT), &w.community_id, &ids, None).await;
            let id = s(&r["data"]["fileCase"]["id"]);
            app.ok(
                Some(w.token(COMMITTEE)),
                "mutation($c:ID!,$m:[ID!]!){ acceptCase(caseId:$c, mediatorIds:$m){ id } }",
                json!({ "c": id, "m": [w.person(MEDIATOR).resident_id] }),
            )
            .await;
            for (_, token) in &neighbours {
                respond(&app, token, &id, true).await;
            }
            draft(&app, w.token(MEDIATOR), &id, "一、各方保持安静。").await;
            sign(&app, w.token(MEDIATOR), &id, Some(1)).await;
            let tokens: Vec<&str> = std::iter::once(w.token(APPLICANT))
                .chain(neighbours.iter().map(|(_, t)| t.as_str()))
                .collect();
            let results = join_all(tokens.iter().map(|t| sign(&app, t, &id, Some(1)))).await;
            for r in &results {
                assert!(r.get("errors").is_none(), "every signature lands: {r}");
            }
            let c = get(&app, w.token(APPLICANT), &id).await;
            assert_eq!(c["data"]["mediationCase"]["status"], "AGREED", "{c}");
            assert_eq!(
                c["data"]["mediationCase"]["agreement"]["signatures"]
                    .as_array()
                    .map(Vec::len),
                Some(8)
            );
            assert_eq!(
                audit_rows(&audit_of(&app, &id).await, "case.outcome"),
                1,
                "agreed once"
            );
            let agreed = agreed_notices(&app, w.token(MEDIATOR), &id).await;
            assert_eq!(agreed, 1, "the mediator is told once");
        }
    }

    async fn agreed_notices(app: &TestApp, token: &str, case_id: &str) -> usize {
        let inbox = app
            .ok(
                Some(token),
                "{ notifications(first:100){ nodes { kind params } } }",
                json!({}),
            )
            .await;
        inbox["notifications"]["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter(|n| n["kind"] == "CASE_AGREED" && n["params"].to_string().contains(case_id))
            .count()
    }

    #[tokio::test]
    async fn one_party_signing_ten_times_at_once_signs_once() {
        let app = TestApp::spawn().await;
        let d = in_mediation_with_terms(&app).await;
        let results = join_all((0..10).map(|_| sign(&app, d.t(APPLICANT), &d.id, Some(1)))).await;
        let ok = results.iter().filter(|r| r.get("errors").is_none()).count();
        assert_eq!(ok, 1, "{results:?}");
        for r in results.iter().filter(|r| r.get("errors").is_some()) {
            assert_eq!(error_code(r), "CONFLICT", "{r}");
        }
        let c = get(&app, d.t(APPLICANT), &d.id).await;
        assert_eq!(
            c["data"]["mediationCase"]["agreement"]["signatures"]
                .as_array()
                .map(Vec::len),
            Some(1)
        );
    }

    #[tokio::test]
    async fn a_redraft_racing_a_signature_never_leaves_a_signature_on_terms_unread() {
        let app = TestApp::spawn().await;
        let d = in_mediation_with_terms(&app).await;
        let (signed, drafted) = tokio::join!(
            sign(&app, d.t(RESPONDENT), &d.id, Some(1)),
            draft(&app, d.t(MEDIATOR), &d.id, "一、改为晚上九点后保持安静。"),
        );
        assert!(drafted.get("errors").is_none(), "{drafted}");
        if signed.get("errors").is_some() {
            assert_eq!(error_code(&signed), "INVALID_STATE", "{signed}");
        }
        let c = get(&app, d.t(RESPONDENT), &d.id).await;
        let a = &c["data"]["mediationCase"]["agreement"];
        assert_eq!(a["version"], 2);
        assert_eq!(
            a["signatures"],
            json!([]),
            "the new terms carry no signature: {c}"
        );
        assert_eq!(c["data"]["mediationCase"]["status"], "IN_MEDIATION");
    }

    #[tokio::test]
    async fn a_withdrawal_racing_an_acceptance_leaves_the_case_withdrawn_and_consistent() {
        let app = TestApp::spawn().await;
        let d = dispute(&app).await;
        let (accepted, withdrawn) = tokio::join!(
            accept(&app, &d),
            simple(&app, d.t(APPLICANT), "withdrawCase", &d.id)
        );
        assert!(
            withdrawn.get("errors").is_none(),
            "withdrawing is allowed before and after acceptance: {withdrawn}"
        );
        let c = get(&app, d.t(APPLICANT), &d.id).await;
        let case = &c["data"]["mediationCase"];
        assert_eq!(case["status"], "WITHDRAWN", "{c}");
        let audit = audit_of(&app, &d.id).await;
        match accepted.get("errors") {
            None => {
                assert_eq!(case["mediators"][0]["id"], d.rid(MEDIATOR));
                assert_eq!(audit_rows(&audit, "case.accept"), 1);
            }
            Some(_) => {
                assert_eq!(error_code(&accepted), "INVALID_STATE", "{accepted}");
                assert_eq!(
                    case["mediators"],
                    json!([]),
                    "a refused acceptance assigns nobody"
                );
                assert_eq!(audit_rows(&audit, "case.accept"), 0);
            }
        }
        assert_eq!(audit_rows(&audit, "case.outcome"), 1);
    }

    #[tokio::test]
    async fn ten_cases_filed_at_once_get_ten_distinct_numbers() {
        let app = TestApp::spawn_with(|s| s.proposal_limit.max = 100).await;
        let w = app.community().await;
        let respondent = [w.person(RESPONDENT).resident_id.clone()];
        let filers = [
            APPLICANT, COMMITTEE, MEDIATOR, OTHER, APPLICANT, COMMITTEE, MEDIATOR, OTHER,
            APPLICANT, OTHER,
        ];
        let results = join_all(
            filers
                .iter()
                .map(|p| file(&app, w.token(p), &w.community_id, &respondent, None)),
        )
        .await;
        let mut numbers: Vec<String> = results
            .iter()
            .map(|r| {
                assert!(r.get("errors").is_none(), "{r}");
                s(&r["data"]["fileCase"]["number"])
            })
            .collect();
        numbers.sort();
        let year = chrono::Utc::now().format("%Y").to_string();
        let expected: Vec<String> = (1..=10).map(|i| format!("{year}-{i:03}")).collect();
        assert_eq!(numbers, expected);
    }
}

mod awards {
    use futures_util::future::join_all;

    use crate::awards::*;
    use crate::harness::*;

    /// `n` more residents of the campaign's community, each in a household of their own:
    /// their tokens.
    async fn crowd(app: &TestApp, c: &Campaign, n: usize) -> Vec<String> {
        let mut csv = String::from("building,unit,area_m2,owner,name,phone,roles\n");
        for i in 1..=n {
            csv.push_str(&format!(
                "7栋,{},60.00,true,邻居{i},138000002{i:02},\n",
                700 + i
            ));
        }
        let resp = app.import_roster(&c.w.admin, &c.w.community_id, &csv).await;
        let invites = resp["data"]["importRoster"]["invites"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(invites.len(), n, "{resp}");
        let mut tokens = Vec::new();
        for inv in invites {
            let (token, _) = app.claim(&s(&inv["code"]), PASSWORD).await;
            tokens.push(token);
        }
        tokens
    }

    /// An OPEN nomination of 张伟's household.
    async fn open_nomination(app: &TestApp, c: &Campaign) -> String {
        let home = c.w.person(NOMINEE).household_id.clone();
        let r = nominate(app, c.t(NOMINATOR), c, &c.household, &home, STORY).await;
        let id = s(&r["data"]["nominate"]["id"]);
        let r = consent(app, c.t(NOMINEE), &id, true).await;
        assert_eq!(r["data"]["consentToNomination"]["status"], "OPEN", "{r}");
        id
    }

    async fn qualified_notices(app: &TestApp) -> usize {
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        entity::notification::Entity::find()
            .filter(
                entity::notification::Column::Kind
                    .eq(entity::notification::NotificationKind::NominationQualified),
            )
            .count(app.db())
            .await
            .unwrap_or(0) as usize
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn fifty_neighbours_endorsing_at_once_count_fifty_and_qualify_it_once() {
        let app = TestApp::spawn_with(|s| s.write_limit.max = 1_000).await;
        let c = campaign(&app, 25).await;
        let id = open_nomination(&app, &c).await;
        let tokens = crowd(&app, &c, 50).await;
        let results = join_all(tokens.iter().map(|t| endorse(&app, t, &id))).await;
        for r in &results {
            assert!(r.get("errors").is_none(), "{r}");
        }
        let after = get(&app, c.t(COMMITTEE), &id).await;
        assert_eq!(
            after["data"]["nomination"]["endorsementCount"], 50,
            "{after}"
        );
        assert_eq!(after["data"]["nomination"]["status"], "QUALIFIED");
        // The flip happened once: one notice each to the nominator and the nominee household's
        // members (张伟 alone lives in 1栋102).
        assert_eq!(qualified_notices(&app).await, 2);
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        let rows = entity::endorsement::Entity::find()
            .filter(entity::endorsement::Column::NominationId.eq(id.clone()))
            .count(app.db())
            .await
            .unwrap_or(0);
        assert_eq!(rows, 50);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn one_neighbour_endorsing_twenty_times_at_once_counts_once() {
        let app = TestApp::spawn_with(|s| s.write_limit.max = 1_000).await;
        let c = campaign(&app, 1).await;
        let id = open_nomination(&app, &c).await;
        let results = join_all((0..20).map(|_| endorse(&app, c.t(NEIGHBOUR), &id))).await;
        let ok = results.iter().filter(|r| r.get("errors").is_none()).count();
        let conflicts = results
            .iter()
            .filter(|r| error_code(r) == "CONFLICT")
            .count();
        assert_eq!((ok, conflicts), (1, 19), "{results:?}");
        let after = get(&app, c.t(COMMITTEE), &id).await;
        assert_eq!(
            after["data"]["nomination"]["endorsementCount"], 1,
            "{after}"
        );
        assert_eq!(after["data"]["nomination"]["status"], "QUALIFIED");
        assert_eq!(qualified_notices(&app).await, 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn ten_nominations_of_one_nominee_at_once_leave_one() {
        let app = TestApp::spawn_with(|s| s.proposal_limit.max = 100).await;
        let c = campaign(&app, 1).await;
        let (building, _) = buildings(&app, &c.w).await.remove(0);
        let nominators = [NOMINATOR, NEIGHBOUR, RESIDENT, NOMINEE, COMMITTEE];
        let results = join_all((0..10).map(|i| {
            nominate(
                &app,
                c.t(nominators[i % 5]),
                &c,
                &c.building,
                &building,
                STORY,
            )
        }))
        .await;
        let ok = results.iter().filter(|r| r.get("errors").is_none()).count();
        let conflicts = results
            .iter()
            .filter(|r| error_code(r) == "CONFLICT")
            .count();
        assert_eq!((ok, conflicts), (1, 9), "{results:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn announcing_twice_at_once_announces_once_and_endorsing_racing_the_close_never_counts_late(
    ) {
        let app = TestApp::spawn_with(|s| s.write_limit.max = 1_000).await;
        let c = campaign(&app, 1).await;
        let id = open_nomination(&app, &c).await;
        let tokens = crowd(&app, &c, 10).await;
        // Qualified before the race (the threshold is one).
        endorse(&app, c.t(NEIGHBOUR), &id).await;
        advance(&app, &c).await;
        // Ten endorsements race the end of the endorsing window: each either lands before it
        // (and is counted) or is refused after it.
        let (results, closed) = tokio::join!(
            join_all(tokens.iter().map(|t| endorse(&app, t, &id))),
            advance(&app, &c)
        );
        assert!(closed.get("errors").is_none(), "{closed}");
        let landed = results.iter().filter(|r| r.get("errors").is_none()).count();
        assert!(
            results
                .iter()
                .all(|r| r.get("errors").is_none() || error_code(r) == "INVALID_STATE"),
            "{results:?}"
        );
        let after = get(&app, c.t(COMMITTEE), &id).await;
        assert_eq!(
            after["data"]["nomination"]["endorsementCount"],
            landed as i64 + 1,
            "{after}"
        );
        // None landed after the window ended: every endorsement is older than its end.
        {
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
            let ended = entity::award_campaign::Entity::find_by_id(c.id.clone())
                .one(app.db())
                .await
                .ok()
                .flatten()
                .map(|c| c.endorse_until);
            let rows = entity::endorsement::Entity::find()
                .filter(entity::endorsement::Column::NominationId.eq(id.clone()))
                .all(app.db())
                .await
                .unwrap_or_default();
            assert_eq!(rows.len(), landed + 1);
            assert!(
                ended.is_some_and(|end| rows.iter().all(|r| r.created_at <= end)),
                "an endorsement landed after the window ended ({ended:?})"
            );
        }
        // Two announcements at the same moment: one wins, the other is INVALID_STATE, and the
        // winners are told once.
        let winners = [id.as_str()];
        let (a, b) = tokio::join!(announce(&app, &c, &winners), announce(&app, &c, &winners));
        let codes = [error_code(&a), error_code(&b)];
        assert!(
            codes.contains(&"<no error>".to_owned()) && codes.contains(&"INVALID_STATE".to_owned()),
            "{a} {b}"
        );
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        let awarded = entity::notification::Entity::find()
            .filter(
                entity::notification::Column::Kind
                    .eq(entity::notification::NotificationKind::NominationAwarded),
            )
            .count(app.db())
            .await
            .unwrap_or(0);
        assert_eq!(awarded, 2, "the nominator and the nominee, once each");
        let audits = entity::audit_log::Entity::find()
            .filter(entity::audit_log::Column::Action.eq("awards.announce"))
            .count(app.db())
            .await
            .unwrap_or(0);
        assert_eq!(audits, 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn shortlisting_racing_the_announcement_never_deadlocks() {
        let app = TestApp::spawn().await;
        let c = campaign(&app, 1).await;
        let mut ids = Vec::new();
        for phone in [NOMINATOR, NEIGHBOUR, RESIDENT, NOMINEE] {
            let me = c.w.person(phone).resident_id.clone();
            let r = nominate(&app, c.t(phone), &c, &c.resident, &me, STORY).await;
            let id = s(&r["data"]["nominate"]["id"]);
            let endorser = if phone == NOMINATOR {
                NEIGHBOUR
            } else {
                NOMINATOR
            };
            let r = endorse(&app, c.t(endorser), &id).await;
            assert_eq!(r["data"]["endorse"]["status"], "QUALIFIED", "{r}");
            ids.push(id);
        }
        advance(&app, &c).await;
        advance(&app, &c).await;
        let winner = [ids[0].as_str()];
        let (shortlisted, announced) = tokio::join!(
            join_all(ids.iter().map(|id| shortlist(&app, &c, id, ""))),
            announce(&app, &c, &winner)
        );
        assert!(announced.get("errors").is_none(), "{announced}");
        for r in &shortlisted {
            let code = error_code(r);
            assert!(
                code == "<no error>" || code == "INVALID_STATE",
                "a shortlist racing the announcement: {r}"
            );
        }
        let won = get(&app, c.t(COMMITTEE), &ids[0]).await;
        assert_eq!(won["data"]["nomination"]["status"], "AWARDED", "{won}");
    }
}

mod events {
    use futures_util::future::join_all;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    use serde_json::{json, Value};

    use crate::events::*;
    use crate::harness::*;

    async fn app() -> TestApp {
        TestApp::spawn_with(|s| s.write_limit.max = 1_000).await
    }

    /// The stored registrations of an event that hold seats or wait: (status, party, position).
    async fn stored(app: &TestApp, w: &World, id: &str) -> Vec<Value> {
        registrations(app, w.token(ORGANIZER), id).await
    }

    fn count(regs: &[Value], status: &str) -> usize {
        regs.iter().filter(|r| r["status"] == status).count()
    }

    /// Waitlist positions in sign-up order: must be exactly 1..N.
    fn positions(regs: &[Value]) -> Vec<i64> {
        regs.iter()
            .filter(|r| r["status"] == "WAITLISTED")
            .map(|r| r["waitlistPosition"].as_i64().unwrap_or(-1))
            .collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn forty_residents_rushing_ten_seats_confirm_exactly_ten_and_queue_the_rest_one_to_thirty(
    ) {
        let app = app().await;
        let w = app.community().await;
        let tokens = crowd(&app, &w, 40).await;
        let id = create(&app, &w, 48, json!({ "capacity": 10 })).await;
        let results = join_all(tokens.iter().map(|t| sign_up(&app, t, &id, 0))).await;
        for r in &results {
            assert!(r.get("errors").is_none(), "{r}");
        }
        let confirmed = results
            .iter()
            .filter(|r| r["data"]["signUp"]["status"] == "CONFIRMED")
            .count();
        assert_eq!(confirmed, 10);
        let mut answered: Vec<i64> = results
            .iter()
            .filter_map(|r| r["data"]["signUp"]["waitlistPosition"].as_i64())
            .collect();
        answered.sort_unstable();
        assert_eq!(
            answered,
            (1..=30).collect::<Vec<i64>>(),
            "each told a distinct place"
        );
        let regs = stored(&app, &w, &id).await;
        assert_eq!(count(&regs, "CONFIRMED"), 10);
        assert_eq!(positions(&regs), (1..=30).collect::<Vec<i64>>());
        let e = event(&app, w.token(ORGANIZER), &id).await;
        assert_eq!(e["data"]["event"]["seatsTaken"], 10, "{e}");
        assert_eq!(e["data"]["event"]["waitlistCount"], 30);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn parties_with_companions_rushing_never_take_more_seats_than_there_are() {
        let app = app().await;
        let w = app.community().await;
        let tokens = crowd(&app, &w, 30).await;
        let id = create(
            &app,
            &w,
            48,
            json!({ "capacity": 7, "companionsAllowed": 2 }),
        )
        .await;
        let results = join_all(
            tokens
                .iter()
                .enumerate()
                .map(|(i, t)| sign_up(&app, t, &id, (i % 3) as i32)),
        )
        .await;
        for r in &results {
            assert!(r.get("errors").is_none(), "{r}");
        }
        let regs = stored(&app, &w, &id).await;
        let party = |r: &Value| 1 + r["companions"].as_i64().unwrap_or(0);
        let taken: i64 = regs
            .iter()
            .filter(|r| r["status"] == "CONFIRMED")
            .map(party)
            .sum();
        assert!(taken <= 7, "oversold: {taken} seats of 7");
        let e = event(&app, w.token(ORGANIZER), &id).await;
        assert_eq!(e["data"]["event"]["seatsTaken"], taken, "{e}");
        // Seats only went down: every party still waiting is larger than what is left.
        let left = 7 - taken;
        assert!(
            regs.iter()
                .filter(|r| r["status"] == "WAITLISTED")
                .all(|r| party(r) > left),
            "{regs:?}"
        );
        let waiting = positions(&regs);
        assert_eq!(waiting, (1..=waiting.len() as i64).collect::<Vec<i64>>());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_cancellation_racing_a_new_sign_up_promotes_the_first_in_line_and_never_oversells() {
        let app = app().await;
        let w = app.community().await;
        for round in 0..5 {
            let id = create(&app, &w, 48, json!({ "capacity": 1 })).await;
            let holder = sign_up(&app, w.token(CHEN), &id, 0).await;
            let first_in_line = sign_up(&app, w.token(LI), &id, 0).await;
            assert_eq!(first_in_line["data"]["signUp"]["waitlistPosition"], 1);
            let holder_id = s(&holder["data"]["signUp"]["id"]);
            let (cancelled, newcomer) = tokio::join!(
                cancel(&app, w.token(CHEN), &holder_id),
                sign_up(&app, w.token(ZHANG), &id, 0)
            );
            assert_eq!(
                cancelled["data"]["cancelRegistration"]["status"],
                "CANCELLED"
            );
            assert!(newcomer.get("errors").is_none(), "{newcomer}");
            let regs = stored(&app, &w, &id).await;
            let by_name = |name: &str| {
                regs.iter()
                    .find(|r| r["resident"]["name"] == name)
                    .map(|r| r["status"].clone())
                    .unwrap_or_default()
            };
            assert_eq!(by_name("李秀英"), "CONFIRMED", "round {round}: {regs:?}");
            assert_eq!(by_name("张伟"), "WAITLISTED", "round {round}: {regs:?}");
            assert_eq!(count(&regs, "CONFIRMED"), 1, "round {round}");
            assert_eq!(positions(&regs), vec![1]);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn leaders_named_at_once_leave_one_leader_who_is_a_member_once() {
        let app = app().await;
        let w = app.community().await;
        let group = new_group(&app, &w, "巡逻队", ORGANIZER).await;
        let named = [CHEN, LI, ZHANG, CHEN, LI, ZHANG];
        let results = join_all(named.iter().map(|phone| {
            app.gql(
                Some(w.token(COMMITTEE)),
                SET_LEADER,
                json!({ "g": group, "r": w.person(phone).resident_id }),
            )
        }))
        .await;
        for r in &results {
            assert!(r.get("errors").is_none(), "{r}");
        }
        let stored = entity::volunteer_group::Entity::find_by_id(group.clone())
            .one(app.db())
            .await
            .ok()
            .flatten()
            .map(|g| g.leader_id)
            .unwrap_or_default();
        let ids: Vec<String> = [CHEN, LI, ZHANG]
            .iter()
            .map(|p| w.person(p).resident_id.clone())
            .collect();
        assert!(ids.contains(&stored), "the leader is one of those named");
        // Everyone named joined once; the first leader stayed.
        for id in ids.iter().chain([&w.person(ORGANIZER).resident_id]) {
            let rows = entity::volunteer_group_member::Entity::find()
                .filter(entity::volunteer_group_member::Column::GroupId.eq(group.clone()))
                .filter(entity::volunteer_group_member::Column::ResidentId.eq(id.clone()))
                .count(app.db())
                .await
                .unwrap_or(0);
            assert_eq!(rows, 1, "{id}");
        }
        // One audit entry per change of leader, each naming the leader it replaced: they form
        // one chain from the first leader to the stored one.
        let entries = entity::audit_log::Entity::find()
            .filter(entity::audit_log::Column::Subject.eq(group.clone()))
            .all(app.db())
            .await
            .unwrap_or_default();
        let mut leader = w.person(ORGANIZER).resident_id.clone();
        let mut entries: Vec<Value> = entries
            .iter()
            .map(|e| serde_json::from_str(&e.details).unwrap_or_default())
            .collect();
        while let Some(i) = entries
            .iter()
            .position(|d| d["previous"] == leader.as_str())
        {
            leader = s(&entries.remove(i)["leader"]);
        }
        assert!(entries.is_empty(), "entries off the chain: {entries:?}");
        assert_eq!(leader, stored);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_member_leaving_as_the_committee_names_them_leader_is_either_gone_or_leads_as_a_member(
    ) {
        let app = app().await;
        let w = app.community().await;
        let group = new_group(&app, &w, "巡逻队", ORGANIZER).await;
        let join = "mutation($g:ID!){ joinVolunteerGroup(groupId:$g){ id } }";
        let leave = "mutation($g:ID!){ leaveVolunteerGroup(groupId:$g){ id } }";
        for round in 0..8 {
            app.ok(Some(w.token(LI)), join, json!({ "g": group })).await;
            let (left, named) = tokio::join!(
                app.gql(Some(w.token(LI)), leave, json!({ "g": group })),
                app.gql(
                    Some(w.token(COMMITTEE)),
                    SET_LEADER,
                    json!({ "g": group, "r": w.person(LI).resident_id }),
                )
            );
            assert!(named.get("errors").is_none(), "round {round}: {named}");
            // Either she left first (and was named, joining again) or was named first (and
            // may not leave): both ways she leads as a member.
            let g = app
                .ok(
                    Some(w.token(LI)),
                    "query($c:ID!){ volunteerGroups(communityId:$c){ leader { name } viewerIsMember } }",
                    json!({ "c": w.community_id }),
                )
                .await;
            assert_eq!(
                g["volunteerGroups"][0]["leader"]["name"], "李秀英",
                "round {round}"
            );
            assert_eq!(
                g["volunteerGroups"][0]["viewerIsMember"], true,
                "round {round}: the leader is not a member ({left})"
            );
            // The next round starts with 刘芳 leading and 李秀英 out of the group.
            app.ok(
                Some(w.token(COMMITTEE)),
                SET_LEADER,
                json!({ "g": group, "r": w.person(ORGANIZER).resident_id }),
            )
            .await;
            app.ok(Some(w.token(LI)), leave, json!({ "g": group }))
                .await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn one_resident_signing_up_twenty_times_at_once_holds_one_registration() {
        let app = app().await;
        let w = app.community().await;
        let id = create(&app, &w, 48, json!({ "capacity": 5 })).await;
        let results = join_all((0..20).map(|_| sign_up(&app, w.token(CHEN), &id, 0))).await;
        let ids: std::collections::BTreeSet<String> = results
            .iter()
            .map(|r| {
                assert!(r.get("errors").is_none(), "{r}");
                s(&r["data"]["signUp"]["id"])
            })
            .collect();
        assert_eq!(ids.len(), 1);
        let rows = entity::registration::Entity::find()
            .filter(entity::registration::Column::EventId.eq(id.clone()))
            .count(app.db())
            .await
            .unwrap_or(0);
        assert_eq!(rows, 1);
        let e = event(&app, w.token(CHEN), &id).await;
        assert_eq!(e["data"]["event"]["seatsTaken"], 1, "{e}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_cancellation_racing_its_check_in_never_leaves_hours_on_a_cancelled_sign_up() {
        let app = app().await;
        let w = app.community().await;
        for round in 0..5 {
            let id = create(&app, &w, 1, json!({ "volunteerHours": "1" })).await;
            let r = sign_up(&app, w.token(CHEN), &id, 0).await;
            let (reg, code) = (
                s(&r["data"]["signUp"]["id"]),
                s(&r["data"]["signUp"]["checkInCode"]),
            );
            let (cancelled, checked) = tokio::join!(
                cancel(&app, w.token(CHEN), &reg),
                check_in(&app, w.token(ORGANIZER), &id, &code)
            );
            let stored = entity::registration::Entity::find_by_id(reg.clone())
                .one(app.db())
                .await
                .ok()
                .flatten()
                .map(|r| r.status);
            let credits = entity::volunteer_hours_entry::Entity::find()
                .filter(entity::volunteer_hours_entry::Column::RegistrationId.eq(reg.clone()))
                .count(app.db())
                .await
                .unwrap_or(0);
            // Exactly one of the two won, and the ledger agrees with the winner.
            use entity::registration::RegistrationStatus as S;
            match stored {
                Some(S::Attended) => {
                    assert_eq!(credits, 1, "round {round}");
                    assert_eq!(
                        error_code(&cancelled),
                        "INVALID_STATE",
                        "round {round}: {cancelled}"
                    );
                }
                Some(S::Cancelled) => {
                    assert_eq!(credits, 0, "round {round}");
                    assert_eq!(
                        error_code(&checked),
                        "INVALID_STATE",
                        "round {round}: {checked}"
                    );
                }
                other => panic!("round {round}: {other:?}"),
            }
            let e = event(&app, w.token(ORGANIZER), &id).await;
            let taken = e["data"]["event"]["seatsTaken"].as_i64();
            assert_eq!(
                taken,
                Some(if stored == Some(S::Attended) { 1 } else { 0 }),
                "{e}"
            );
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn ten_check_ins_of_one_code_at_once_credit_the_hours_once() {
        let app = app().await;
        let w = app.community().await;
        let id = create(&app, &w, 1, json!({ "volunteerHours": "1.5" })).await;
        let r = sign_up(&app, w.token(CHEN), &id, 0).await;
        let code = s(&r["data"]["signUp"]["checkInCode"]);
        let results =
            join_all((0..10).map(|_| check_in(&app, w.token(ORGANIZER), &id, &code))).await;
        for r in &results {
            assert_eq!(r["data"]["checkIn"]["status"], "ATTENDED", "{r}");
        }
        let credits = entity::volunteer_hours_entry::Entity::find()
            .filter(entity::volunteer_hours_entry::Column::EventId.eq(id.clone()))
            .count(app.db())
            .await
            .unwrap_or(0);
        assert_eq!(credits, 1);
        let r = app
            .ok(
                Some(w.token(CHEN)),
                "query($c:ID!){ volunteerHours(communityId:$c) }",
                json!({ "c": w.community_id }),
            )
            .await;
        assert_eq!(r["volunteerHours"], "1.5");
    }
}

/// A request abandoned mid-transaction (the client hung up, a timeout) never leaks into the
/// next holder of its connection: its writes are rolled back and the next transaction begins
/// cleanly. On SQLite the pool's one connection goes back without a ping (vendor/README.md), so
/// this holds only because its worker runs the dropped transaction's rollback before the next
/// command: 300 transactions, each cut off at a different moment while others commit beside
/// them, leave every committed one whole and nothing of the others but whole transactions.
#[tokio::test]
async fn transactions_cut_off_at_any_moment_leave_only_what_was_committed() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let app = TestApp::spawn().await;
    let db = app.db().clone();
    db.execute_unprepared("CREATE TABLE scratch_cut (id TEXT PRIMARY KEY, n INTEGER NOT NULL)")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let attempt = |i: u32, cut_after_us: Option<u64>| {
        let db = db.clone();
        async move {
            let work = async {
                let txn = db.begin().await?;
                for k in 0..3 {
                    txn.execute_unprepared(&format!(
                        "INSERT INTO scratch_cut (id, n) VALUES ('{i}-{k}', {i})"
                    ))
                    .await?;
                }
                txn.commit().await?;
                Ok::<_, sea_orm::DbErr>(())
            };
            match cut_after_us {
                None => work.await.map(|_| true),
                Some(us) => {
                    match tokio::time::timeout(std::time::Duration::from_micros(us), work).await {
                        Ok(done) => done.map(|_| true),
                        Err(_) => Ok(false),
                    }
                }
            }
        }
    };
    let mut runs = Vec::new();
    for i in 0..300u32 {
        // Every third attempt runs to the end; the others are cut off after 0–400 µs.
        let cut = (i % 3 != 0).then_some(u64::from(i * 37 % 400));
        runs.push(attempt(i, cut));
    }
    let outcomes = join_all(runs).await;
    let committed: Vec<u32> = outcomes
        .iter()
        .enumerate()
        .filter_map(|(i, o)| match o {
            Ok(true) => u32::try_from(i).ok(),
            Ok(false) => None,
            Err(e) => panic!("attempt {i} failed instead of being cut off or committing: {e}"),
        })
        .collect();
    let cut = outcomes.iter().filter(|o| matches!(o, Ok(false))).count();
    assert!(
        committed.len() >= 100 && cut >= 20,
        "{} committed, {cut} cut off",
        committed.len()
    );
    // Only whole committed transactions are there: three rows each, none of a cut-off one.
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT n, COUNT(*) FROM scratch_cut GROUP BY n ORDER BY n",
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let found: Vec<(u32, i64)> = rows
        .iter()
        .map(|r| {
            let n: i32 = r.try_get_by_index(0).unwrap_or(-1);
            let c: i64 = r.try_get_by_index(1).unwrap_or(-1);
            (u32::try_from(n).unwrap_or(u32::MAX), c)
        })
        .collect();
    // Each transaction is all or nothing: three rows or none. Every one that reported its
    // commit is there; one cut off while its COMMIT was already running may be there too (the
    // database finished it), but never in part.
    assert!(found.iter().all(|(_, rows)| *rows == 3), "{found:?}");
    let present: Vec<u32> = found.iter().map(|(n, _)| *n).collect();
    assert!(
        committed.iter().all(|i| present.contains(i)),
        "committed {committed:?}, present {present:?}"
    );
    assert!(present.len() < 300, "nothing was cut off: {present:?}");
    // And the connection is free of any transaction: a new one begins, writes and commits.
    let txn = db.begin().await.unwrap_or_else(|e| panic!("{e}"));
    txn.execute_unprepared("INSERT INTO scratch_cut (id, n) VALUES ('last', 1000)")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    txn.commit().await.unwrap_or_else(|e| panic!("{e}"));
    db.execute_unprepared("DROP TABLE scratch_cut")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

/// A connection goes back to the pool without a round trip when nothing is left to send
/// (vendor/README.md), but a transaction dropped while it holds a lock still lets go of the
/// lock at once, not when its connection is next used: the rollback it queued is sent as the
/// connection is returned. Here an uncommitted insert holds a key; the transaction is dropped
/// while another connection of the pool is idle, and that other connection's insert of the same
/// key must not wait for the dropped one. The test has a pool of its own, which no background
/// job uses: on PostgreSQL, nothing would ever send the first connection's rollback otherwise.
/// And a statement cut off before its answer was read leaves nothing behind for the
/// connection's next holder.
#[tokio::test]
async fn a_dropped_transaction_lets_go_of_its_locks_at_once_and_a_cut_off_statement_leaves_nothing_behind(
) {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let app = TestApp::spawn().await;
    let db = api::db::connect_with(&app.state.settings.database_url, 4)
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    let run = |sql: &'static str| {
        let db = db.clone();
        async move {
            db.execute_unprepared(sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    };
    run("CREATE TABLE scratch_hold (id TEXT PRIMARY KEY)").await;
    for round in 0..3 {
        let txn = db.begin().await.unwrap_or_else(|e| panic!("{e}"));
        txn.execute_unprepared("INSERT INTO scratch_hold (id) VALUES ('held')")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        if db.get_database_backend() == sea_orm::DbBackend::Postgres {
            // A second connection, idle in the pool before the first one comes back.
            run("SELECT 1").await;
        }
        drop(txn);
        let insert = db.execute_unprepared("INSERT INTO scratch_hold (id) VALUES ('held')");
        match tokio::time::timeout(std::time::Duration::from_secs(5), insert).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => panic!("round {round}: {e}"),
            Err(_) => panic!("round {round}: the dropped transaction still holds its lock"),
        }
        run("DELETE FROM scratch_hold").await;
    }
    // Statements cut off at different moments, their answers unread, on a pool of one
    // connection: the next statement on that connection still gets its own answer, not theirs.
    let mut one = sea_orm::ConnectOptions::new(api::db::connection_url(
        &app.state.settings.database_url,
        None,
    ));
    one.max_connections(1)
        .min_connections(1)
        .sqlx_logging(false);
    let one = sea_orm::Database::connect(one)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let many_rows = match one.get_database_backend() {
        sea_orm::DbBackend::Postgres => "SELECT g FROM generate_series(1, 200000) g",
        _ => "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) SELECT x FROM c",
    };
    for polls in 0..40 {
        let mut cut = Box::pin(one.query_all_raw(sea_orm::Statement::from_string(
            one.get_database_backend(),
            many_rows,
        )));
        for _ in 0..polls {
            if futures_util::poll!(cut.as_mut()).is_ready() {
                break;
            }
            tokio::task::yield_now().await;
        }
        drop(cut);
        let rows = one
            .query_all_raw(sea_orm::Statement::from_string(
                one.get_database_backend(),
                "SELECT 'mine' AS v",
            ))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let v: Vec<String> = rows
            .iter()
            .map(|r| r.try_get_by_index(0).unwrap_or_default())
            .collect();
        assert_eq!(v, ["mine"], "after a statement cut off after {polls} polls");
    }
    run("DROP TABLE scratch_hold").await;
}

/// A transaction cut off while it begins (a phone that hangs up, a timeout) leaves the
/// connection's next holder outside any transaction: that holder's own statement is committed
/// at once, visible to everyone, and holds no lock afterwards. On PostgreSQL, sqlx 0.9.0 left
/// the server inside the half-begun transaction while the client counted none, so the next
/// holder's writes stayed uncommitted until some later `COMMIT` or `ROLLBACK` on that
/// connection decided them (vendor/README.md, the fourth change; transact-rs/sqlx#4393).
#[tokio::test]
async fn a_transaction_cut_off_while_it_begins_leaves_the_next_holder_outside_it() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let app = TestApp::spawn().await;
    app.db()
        .execute_unprepared("CREATE TABLE scratch_begin (id INTEGER PRIMARY KEY)")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut options = sea_orm::ConnectOptions::new(api::db::connection_url(
        &app.state.settings.database_url,
        None,
    ));
    options
        .max_connections(1)
        .min_connections(1)
        .sqlx_logging(false);
    let one = sea_orm::Database::connect(options)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // A cut between the `BEGIN` leaving and its answer coming back depends on timing: rounds
    // go on until ten cuts fell there (a begin answered at its first poll tests nothing).
    let (mut cut_while_pending, mut round) = (0, 0i32);
    while cut_while_pending < 10 && round < 400 {
        let polls = round % 4;
        let mut begin = Box::pin(one.begin());
        let mut begun = false;
        for _ in 0..polls {
            if futures_util::poll!(begin.as_mut()).is_ready() {
                begun = true;
                break;
            }
            // Time for the `BEGIN` to reach the server before the cut.
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        if !begun && polls > 0 {
            cut_while_pending += 1;
        }
        drop(begin);
        one.execute_unprepared(&format!("INSERT INTO scratch_begin (id) VALUES ({round})"))
            .await
            .unwrap_or_else(|e| panic!("after a begin cut off after {polls} polls: {e}"));
        // Seen from another connection: committed, not held inside a stray transaction.
        let seen = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            app.db().query_one_raw(sea_orm::Statement::from_string(
                app.db().get_database_backend(),
                format!(
                    "SELECT CAST(COUNT(*) AS INTEGER) AS n FROM scratch_begin WHERE id = {round}"
                ),
            )),
        )
        .await
        .unwrap_or_else(|_| panic!("after a begin cut off after {polls} polls: the read waited"))
        .unwrap_or_else(|e| panic!("{e}"))
        .and_then(|row| row.try_get_by_index::<i32>(0).ok());
        assert_eq!(
            seen,
            Some(1),
            "after a begin cut off after {polls} polls, the next holder's insert is not committed"
        );
        round += 1;
    }
    assert_eq!(
        cut_while_pending, 10,
        "only {cut_while_pending} of {round} begins were cut off before their answer came"
    );
    one.close().await.unwrap_or_else(|e| panic!("{e}"));
    app.db()
        .execute_unprepared("DROP TABLE scratch_begin")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

/// A connection the server hung up on (a restart, a failover, `pg_terminate_backend`) fails the
/// one statement that finds it out and is closed as it goes back to the pool, not handed on to
/// fail again (vendor/README.md: the return skips its ping only when no answer is left unread).
/// PostgreSQL only: SQLite has no server to hang up.
#[tokio::test]
async fn connections_the_server_hung_up_on_fail_one_statement_each_and_are_replaced() {
    use sea_orm::ConnectionTrait;
    const POOL: usize = 4;
    let app = TestApp::spawn().await;
    if app.db().get_database_backend() != sea_orm::DbBackend::Postgres {
        return;
    }
    let db = api::db::connect_with(&app.state.settings.database_url, POOL as u32)
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    let sql = |text: &str| sea_orm::Statement::from_string(sea_orm::DbBackend::Postgres, text);
    // Every connection of the pool at once, each naming its server process.
    let pids = join_all((0..POOL).map(|_| {
        db.query_one_raw(sql(
            "SELECT pg_backend_pid() AS pid, pg_sleep(0.3)::text AS slept",
        ))
    }))
    .await;
    let pids: std::collections::BTreeSet<i32> = pids
        .into_iter()
        .map(|r| match r {
            Ok(Some(row)) => row.try_get_by_index(0).unwrap_or(0),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(pids.len(), POOL, "{pids:?}");
    for pid in &pids {
        app.db()
            .execute_unprepared(&format!("SELECT pg_terminate_backend({pid})"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let mut failed = 0;
    for _ in 0..200 {
        if db.execute_unprepared("SELECT 1").await.is_err() {
            failed += 1;
        }
    }
    assert!(
        failed <= POOL,
        "{failed} of 200 statements failed on {POOL} connections the server had closed"
    );
    let rows = db
        .query_all_raw(sql("SELECT 1 AS one"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rows.len(), 1);
}
