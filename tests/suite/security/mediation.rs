//! Mediation is confidential (DESIGN §5): only a case's parties, its assigned mediators and its
//! community's committee read it or anything in it. Everyone else (a neighbour, an unassigned
//! mediator, a resident of another community, a platform admin) gets NOT_FOUND on every path,
//! over HTTP and over the WebSocket, and is never notified about it; mediators' notes reach no
//! one but the mediators; writes are rate limited.

use serde_json::{json, Value};

use crate::harness::*;
use crate::mediation::*;

/// A second mediator (not assigned) and a resident of another community, beside the dispute.
struct Matrix {
    d: Dispute,
    unassigned: String,
    stranger: String,
}

async fn matrix(app: &TestApp) -> Matrix {
    let d = in_mediation_with_terms(app).await;
    // A note and a message, so that each has something to leak.
    app.ok(
        Some(d.t(MEDIATOR)),
        "mutation($c:ID!){ addCaseNote(caseId:$c, body:\"申请人情绪激动，注意方式\"){ id } }",
        json!({ "c": d.id }),
    )
    .await;
    app.ok(
        Some(d.t(APPLICANT)),
        "mutation($c:ID!){ postCaseMessage(caseId:$c, body:\"我家老人睡眠不好\"){ id } }",
        json!({ "c": d.id }),
    )
    .await;
    let more = "building,unit,area_m2,owner,name,phone,roles\n3栋,301,70.00,true,赵敏,13800000006,MEDIATOR\n";
    let resp = app.import_roster(&d.w.admin, &d.w.community_id, more).await;
    let (unassigned, _) = app
        .claim(
            &s(&resp["data"]["importRoster"]["invites"][0]["code"]),
            PASSWORD,
        )
        .await;
    let other = app.create_community(&d.w.admin, "别的社区").await;
    let resp = app
        .import_roster(
            &d.w.admin,
            &other,
            "building,unit,area_m2,owner,name,phone,roles\n9栋,901,60.00,true,外区人,13700000001,COMMITTEE;MEDIATOR\n",
        )
        .await;
    let (stranger, _) = app
        .claim(
            &s(&resp["data"]["importRoster"]["invites"][0]["code"]),
            PASSWORD,
        )
        .await;
    Matrix {
        d,
        unassigned,
        stranger,
    }
}

impl Matrix {
    /// (who, token) of everyone who must not see the case.
    fn outsiders(&self) -> Vec<(&'static str, String)> {
        vec![
            ("a neighbour", self.d.t(OTHER).to_owned()),
            ("an unassigned mediator", self.unassigned.clone()),
            ("another community's committee", self.stranger.clone()),
            ("a platform admin", self.d.w.admin.clone()),
        ]
    }
}

fn ids_in(v: &Value, list: &str) -> Vec<String> {
    node_ids(&v["data"][list])
}

#[tokio::test]
async fn only_parties_mediators_and_the_committee_read_a_case_and_only_mediators_read_notes() {
    let app = TestApp::spawn().await;
    let m = matrix(&app).await;
    let d = &m.d;
    let read = "query($id:ID!){ mediationCase(id:$id){ id description timeline(first:50){ nodes { body } } notes { body } } }";
    for (who, phone, sees_notes) in [
        ("the applicant", APPLICANT, false),
        ("the respondent", RESPONDENT, false),
        ("the mediator", MEDIATOR, true),
        ("the committee", COMMITTEE, false),
    ] {
        let r = app.gql(Some(d.t(phone)), read, json!({ "id": d.id })).await;
        assert_eq!(s(&r["data"]["mediationCase"]["id"]), d.id, "{who}: {r}");
        assert!(
            r.to_string().contains("我家老人睡眠不好"),
            "{who} reads the timeline"
        );
        assert_eq!(
            r.to_string().contains("申请人情绪激动"),
            sees_notes,
            "{who} and the notes: {r}"
        );
    }
    for (who, token) in m.outsiders() {
        let r = app.gql(Some(&token), read, json!({ "id": d.id })).await;
        assert_eq!(error_code(&r), "NOT_FOUND", "{who}: {r}");
        assert!(!r.to_string().contains("睡眠"), "{who}: {r}");
    }
    // An id that names no case reads the same.
    let none = app
        .gql(
            Some(d.t(OTHER)),
            read,
            json!({ "id": "00000000-0000-4000-8000-000000000000" }),
        )
        .await;
    assert_eq!(error_code(&none), "NOT_FOUND");
}

#[tokio::test]
async fn no_list_shows_a_case_to_anyone_outside_it() {
    let app = TestApp::spawn().await;
    let m = matrix(&app).await;
    let d = &m.d;
    let c = d.w.community_id.clone();
    let my = "query($c:ID!){ myCases(communityId:$c){ nodes { id } } }";
    let assigned = "query($c:ID!){ assignedCases(communityId:$c){ nodes { id } } }";
    let queue = "query($c:ID!){ communityCases(communityId:$c){ nodes { id } } }";
    let stats = "query($c:ID!){ caseStatistics(communityId:$c){ total } }";

    assert_eq!(
        ids_in(
            &app.gql(Some(d.t(APPLICANT)), my, json!({ "c": c })).await,
            "myCases"
        ),
        std::slice::from_ref(&d.id)
    );
    assert_eq!(
        ids_in(
            &app.gql(Some(d.t(RESPONDENT)), my, json!({ "c": c })).await,
            "myCases"
        ),
        std::slice::from_ref(&d.id)
    );
    assert_eq!(
        ids_in(
            &app.gql(Some(d.t(MEDIATOR)), assigned, json!({ "c": c }))
                .await,
            "assignedCases"
        ),
        std::slice::from_ref(&d.id)
    );
    assert_eq!(
        ids_in(
            &app.gql(Some(d.t(COMMITTEE)), queue, json!({ "c": c }))
                .await,
            "communityCases"
        ),
        std::slice::from_ref(&d.id)
    );

    // A neighbour and an unassigned mediator: empty lists, no queue, no statistics.
    for token in [d.t(OTHER).to_owned(), m.unassigned.clone()] {
        assert!(ids_in(
            &app.gql(Some(&token), my, json!({ "c": c })).await,
            "myCases"
        )
        .is_empty());
        assert!(ids_in(
            &app.gql(Some(&token), assigned, json!({ "c": c })).await,
            "assignedCases"
        )
        .is_empty());
        assert_eq!(
            app.err_code(Some(&token), queue, json!({ "c": c })).await,
            "FORBIDDEN"
        );
        assert_eq!(
            app.err_code(Some(&token), stats, json!({ "c": c })).await,
            "FORBIDDEN"
        );
    }
    // Another community's committee and an admin off the roster: the community does not exist.
    for token in [m.stranger.clone(), d.w.admin.clone()] {
        for query in [my, assigned, queue, stats] {
            let r = app.gql(Some(&token), query, json!({ "c": c })).await;
            assert!(
                ["NOT_FOUND", "FORBIDDEN"].contains(&error_code(&r).as_str()),
                "{query}: {r}"
            );
            assert!(!r.to_string().contains(&d.id), "{r}");
        }
    }
}

#[tokio::test]
async fn every_act_on_a_case_answers_not_found_to_outsiders_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let m = matrix(&app).await;
    let d = &m.d;
    let before = get(&app, d.t(COMMITTEE), &d.id).await;
    let acts: Vec<(&str, Value)> = vec![
        ("mutation($c:ID!){ withdrawCase(caseId:$c){ id } }", json!({})),
        ("mutation($c:ID!){ signAgreement(caseId:$c){ id } }", json!({})),
        ("mutation($c:ID!){ respondToCase(caseId:$c, consent:false){ id } }", json!({})),
        ("mutation($c:ID!){ postCaseMessage(caseId:$c, body:\"打听一下\"){ id } }", json!({})),
        ("mutation($c:ID!){ addCaseNote(caseId:$c, body:\"x\"){ id } }", json!({})),
        ("mutation($c:ID!){ draftAgreement(caseId:$c, terms:\"改掉\"){ id } }", json!({})),
        ("mutation($c:ID!){ failCase(caseId:$c, suggestedChannel:\"法院\"){ id } }", json!({})),
        ("mutation($c:ID!){ declineCase(caseId:$c, reason:\"x\"){ id } }", json!({})),
        ("mutation($c:ID!){ closeCase(caseId:$c){ id } }", json!({})),
        ("mutation($c:ID!){ rateCase(caseId:$c, stars:1){ id } }", json!({})),
        ("mutation($c:ID!){ recordOutsidePartySignature(caseId:$c){ id } }", json!({})),
        ("mutation($c:ID!){ followUpCase(caseId:$c, fulfilled:false, note:\"x\"){ id } }", json!({})),
        ("mutation($c:ID!,$m:[ID!]!){ acceptCase(caseId:$c, mediatorIds:$m){ id } }", json!({ "m": [d.rid(MEDIATOR)] })),
        ("mutation($c:ID!,$m:[ID!]!){ assignMediators(caseId:$c, mediatorIds:$m){ id } }", json!({ "m": [d.rid(MEDIATOR)] })),
        (
            "mutation($c:ID!){ scheduleCaseSession(caseId:$c, startsAt:\"2099-01-01T08:00:00Z\", place:\"x\"){ id } }",
            json!({}),
        ),
    ];
    for (who, token) in m.outsiders() {
        for (act, extra) in &acts {
            let mut vars = json!({ "c": d.id });
            if let (Some(v), Some(e)) = (vars.as_object_mut(), extra.as_object()) {
                v.extend(e.clone());
            }
            let r = app.gql(Some(&token), act, vars).await;
            assert_eq!(error_code(&r), "NOT_FOUND", "{who} / {act}: {r}");
        }
    }
    // Readers who lack the act get FORBIDDEN, not the act.
    let r = app
        .gql(
            Some(d.t(RESPONDENT)),
            "mutation($c:ID!){ withdrawCase(caseId:$c){ id } }",
            json!({ "c": d.id }),
        )
        .await;
    assert_eq!(error_code(&r), "FORBIDDEN");
    let r = app
        .gql(
            Some(d.t(COMMITTEE)),
            "mutation($c:ID!){ draftAgreement(caseId:$c, terms:\"改掉\"){ id } }",
            json!({ "c": d.id }),
        )
        .await;
    assert_eq!(error_code(&r), "FORBIDDEN");
    let after = get(&app, d.t(COMMITTEE), &d.id).await;
    assert_eq!(before, after, "nothing changed");
}

#[tokio::test]
async fn outsiders_are_never_notified_and_notifications_carry_no_case_text() {
    let app = TestApp::spawn().await;
    let m = matrix(&app).await;
    let d = &m.d;
    let inbox = "{ notifications(first:100){ nodes { kind params } } }";
    for token in [
        d.t(OTHER).to_owned(),
        m.unassigned.clone(),
        m.stranger.clone(),
    ] {
        let r = app.ok(Some(&token), inbox, json!({})).await;
        assert!(!r.to_string().contains("CASE_"), "{r}");
    }
    let r = app.ok(Some(d.t(RESPONDENT)), inbox, json!({})).await;
    let text = r.to_string();
    assert!(text.contains("CASE_CONSENT_REQUESTED"), "{r}");
    assert!(
        !text.contains("噪音") && !text.contains("睡眠") && !text.contains("陈静"),
        "{r}"
    );
}

#[tokio::test]
async fn over_the_websocket_an_outsider_reads_nothing_of_a_case() {
    let app = TestApp::spawn().await;
    let m = matrix(&app).await;
    let d = &m.d;
    let mut ws = ws_connect(app.port, d.t(OTHER)).await;
    ws_subscribe(
        &mut ws,
        "query($id:ID!){ mediationCase(id:$id){ id description notes { body } } }",
        json!({ "id": d.id }),
    )
    .await;
    let msg = ws_next(&mut ws).await;
    let code = ws_error_code(&msg);
    assert_eq!(code, "NOT_FOUND", "{msg}");
    assert!(!msg.to_string().contains("噪音"), "{msg}");
}

#[tokio::test]
async fn filing_and_messages_are_rate_limited_per_account() {
    let app = TestApp::spawn_with(|s| {
        s.proposal_limit.max = 3;
        s.write_limit.max = 4;
    })
    .await;
    let w = app.community().await;
    let respondent = w.person(RESPONDENT).resident_id.clone();
    let mut codes = Vec::new();
    for _ in 0..4 {
        let r = file(
            &app,
            w.token(APPLICANT),
            &w.community_id,
            std::slice::from_ref(&respondent),
            None,
        )
        .await;
        codes.push(error_code(&r));
    }
    assert_eq!(
        codes,
        ["<no error>", "<no error>", "<no error>", "RATE_LIMITED"]
    );
    let d = dispute_in(&app, w).await;
    let post = "mutation($c:ID!){ postCaseMessage(caseId:$c, body:\"在吗？\"){ id } }";
    let mut last = String::new();
    for _ in 0..6 {
        last = app
            .err_code(Some(d.t(RESPONDENT)), post, json!({ "c": d.id }))
            .await;
    }
    assert_eq!(last, "RATE_LIMITED");
}

/// The first case in `w`.
async fn dispute_in(app: &TestApp, w: World) -> Dispute {
    let r = app
        .ok(
            Some(w.token(APPLICANT)),
            "query($c:ID!){ myCases(communityId:$c, first:1){ nodes { id } } }",
            json!({ "c": w.community_id }),
        )
        .await;
    Dispute {
        id: s(&r["myCases"]["nodes"][0]["id"]),
        w,
    }
}

/// Every view of a case lists all its sessions and each session tells every party, so one
/// mediator scheduling at the write limit could grow every read of the case without end: a case
/// holds at most 50 sessions, also when the last places are asked for at once, and a refused
/// schedule stores nothing and tells no one.
#[tokio::test]
async fn a_case_holds_at_most_fifty_sessions_also_when_the_last_are_scheduled_at_once() {
    const MAX: usize = api::domain::mediation::rules::MAX_SESSIONS;
    let app = TestApp::spawn_with(|s| s.write_limit.max = 1_000).await;
    let d = in_mediation_with_terms(&app).await;
    let schedule = "mutation($c:ID!,$at:DateTime!){ scheduleCaseSession(caseId:$c, startsAt:$at, place:\"调解室\"){ id } }";
    let at = |i: usize| (chrono::Utc::now() + chrono::Duration::days(1 + i as i64)).to_rfc3339();
    for i in 0..MAX - 2 {
        app.ok(
            Some(d.t(MEDIATOR)),
            schedule,
            json!({ "c": d.id, "at": at(i) }),
        )
        .await;
    }
    let announced = || async {
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        entity::notification::Entity::find()
            .filter(
                entity::notification::Column::Kind
                    .eq(entity::notification::NotificationKind::CaseSessionScheduled),
            )
            .count(app.db())
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let told_before = announced().await;
    assert!(told_before >= (MAX - 2) as u64, "{told_before}");
    let rush = futures_util::future::join_all((0..5).map(|i| {
        app.gql(
            Some(d.t(MEDIATOR)),
            schedule,
            json!({ "c": d.id, "at": at(MAX + i) }),
        )
    }))
    .await;
    let mut codes: Vec<String> = rush.iter().map(error_code).collect();
    codes.sort();
    assert_eq!(
        codes,
        [
            "<no error>",
            "<no error>",
            "INVALID_STATE",
            "INVALID_STATE",
            "INVALID_STATE"
        ]
    );
    let read = app
        .ok(
            Some(d.t(APPLICANT)),
            "query($c:ID!){ mediationCase(id:$c){ sessions { id } } }",
            json!({ "c": d.id }),
        )
        .await;
    assert_eq!(
        read["mediationCase"]["sessions"].as_array().map(Vec::len),
        Some(MAX)
    );
    // Each stored session told the same parties; the refused ones told no one.
    let per_session = told_before / (MAX - 2) as u64;
    assert_eq!(
        announced().await,
        told_before + 2 * per_session,
        "only the two sessions stored were announced"
    );
}
