//! Events (DESIGN §7): events, registrations, check-in codes, calendars and the attendee export
//! belong to the community's residents and the event's managers. Everyone else gets NOT_FOUND
//! (401 for a calendar without a valid feed token, 404 for one of another community) on every
//! path, HTTP and the WebSocket; a check-in code is shown only to its registrant; sign-ups and
//! check-ins are rate limited; a spreadsheet never runs a cell of the export as a formula.

use serde_json::{json, Value};

use crate::awards::stranger;
use crate::events::*;
use crate::harness::*;

#[tokio::test]
async fn another_community_finds_no_event_registration_or_calendar_of_this_one() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let id = create(&app, &w, 1, json!({ "title": "内部活动" })).await;
    let r = sign_up(&app, w.token(CHEN), &id, 0).await;
    let reg = s(&r["data"]["signUp"]["id"]);
    let code = s(&r["data"]["signUp"]["checkInCode"]);
    let (outsider, _) = stranger(&app, &w).await;
    let paths: Vec<(&str, Value)> = vec![
        (
            "query($e:ID!){ event(id:$e){ id title } }",
            json!({ "e": id }),
        ),
        (
            "mutation($e:ID!){ signUp(eventId:$e){ id } }",
            json!({ "e": id }),
        ),
        (
            "mutation($r:ID!){ cancelRegistration(registrationId:$r){ id } }",
            json!({ "r": reg }),
        ),
        (
            "mutation($e:ID!,$c:String!){ checkIn(eventId:$e, code:$c){ id } }",
            json!({ "e": id, "c": code }),
        ),
        (
            "mutation($e:ID!){ cancelEvent(eventId:$e, reason:\"x\"){ id } }",
            json!({ "e": id }),
        ),
        (
            "mutation($e:ID!){ updateEvent(eventId:$e, input:{ capacity: 1 }){ id } }",
            json!({ "e": id }),
        ),
        (
            "query($c:ID!){ events(communityId:$c, first:5){ nodes { id } } }",
            json!({ "c": w.community_id }),
        ),
        (
            "query($c:ID!){ myRegistrations(communityId:$c, first:5){ nodes { id } } }",
            json!({ "c": w.community_id }),
        ),
        (
            "query($c:ID!){ volunteerHours(communityId:$c) }",
            json!({ "c": w.community_id }),
        ),
        (
            "query($c:ID!){ volunteerGroups(communityId:$c){ id } }",
            json!({ "c": w.community_id }),
        ),
        (
            "query($c:ID!){ volunteerHoursHistory(communityId:$c, first:5){ nodes { id } } }",
            json!({ "c": w.community_id }),
        ),
        (
            "query($c:ID!){ volunteerRanking(communityId:$c, year:2026){ hours } }",
            json!({ "c": w.community_id }),
        ),
        (
            "mutation($c:ID!,$r:ID!){ correctVolunteerHours(communityId:$c, residentId:$r, hours:\"5\", note:\"x\") }",
            json!({ "c": w.community_id, "r": w.person(CHEN).resident_id }),
        ),
        (
            "mutation($i:EventInput!){ createEvent(input:$i){ id } }",
            json!({ "i": input(&w.community_id, 48, json!({})) }),
        ),
        (
            "mutation($c:ID!,$l:ID!){ createVolunteerGroup(communityId:$c, name:\"外人队\", leaderId:$l){ id } }",
            json!({ "c": w.community_id, "l": w.person(CHEN).resident_id }),
        ),
    ];
    for (query, vars) in &paths {
        let r = app.gql(Some(&outsider), query, vars.clone()).await;
        assert_eq!(error_code(&r), "NOT_FOUND", "{query}: {r}");
        assert!(!r.to_string().contains("内部活动"), "{r}");
    }
    // Nothing changed: 陈静 still holds her seat.
    let e = event(&app, w.token(CHEN), &id).await;
    assert_eq!(
        e["data"]["event"]["viewerRegistration"]["status"], "CONFIRMED",
        "{e}"
    );

    // The outsider's own feed token opens nothing here.
    let r = app
        .ok(
            Some(&outsider),
            "{ me { communities { calendarUrl } } }",
            json!({}),
        )
        .await;
    let own_feed = s(&r["me"]["communities"][0]["calendarUrl"]);
    let token = own_feed.split("token=").nth(1).unwrap_or_default();
    for path in [
        format!("/events/{id}.ics?token={token}"),
        format!("/communities/{}/events.ics?token={token}", w.community_id),
    ] {
        let status = app
            .http
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0);
        assert_eq!(status, 404, "{path}");
    }
    let status = app
        .http
        .get(format!("{}/events/{id}/attendees.csv", app.address))
        .bearer_auth(&outsider)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0);
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_check_in_code_is_shown_only_to_its_registrant() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let id = create(&app, &w, 1, json!({})).await;
    let r = sign_up(&app, w.token(CHEN), &id, 0).await;
    let code = s(&r["data"]["signUp"]["checkInCode"]);
    let reg = s(&r["data"]["signUp"]["id"]);
    assert_eq!(code.len(), 6);
    // The organizer and the committee see the registration, never the code.
    for phone in [ORGANIZER, COMMITTEE] {
        let regs = registrations(&app, w.token(phone), &id).await;
        assert_eq!(regs.len(), 1, "{phone}");
        assert!(regs[0]["checkInCode"].is_null(), "{phone}: {regs:?}");
        let r = app
            .ok(
                Some(w.token(phone)),
                "query($e:ID!){ event(id:$e){ registrations(first:5){ nodes { checkInQrSvg } } } }",
                json!({ "e": id }),
            )
            .await;
        assert!(!r.to_string().contains("svg"), "{r}");
    }
    // A neighbour cannot list the registrations, nor cancel hers.
    let r = app
        .gql(
            Some(w.token(LI)),
            "query($e:ID!){ event(id:$e){ registrations(first:5){ nodes { id checkInCode } } } }",
            json!({ "e": id }),
        )
        .await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");
    assert!(!r.to_string().contains(&code), "{r}");
    let r = cancel(&app, w.token(LI), &reg).await;
    assert_eq!(error_code(&r), "NOT_FOUND", "{r}");
    // The organizer cannot cancel it for her either.
    let r = cancel(&app, w.token(ORGANIZER), &reg).await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");
    // No notification carries a code.
    let r = app
        .ok(
            Some(w.token(CHEN)),
            "{ notifications(first:20){ nodes { params } } }",
            json!({}),
        )
        .await;
    assert!(!r.to_string().contains(&code), "{r}");
}

#[tokio::test]
async fn over_the_websocket_an_outsider_reads_no_event() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let id = create(&app, &w, 1, json!({ "title": "内部活动" })).await;
    let (outsider, _) = stranger(&app, &w).await;
    let mut ws = ws_connect(app.port, &outsider).await;
    ws_subscribe(
        &mut ws,
        "query($e:ID!){ event(id:$e){ id title } }",
        json!({ "e": id }),
    )
    .await;
    let msg = ws_next(&mut ws).await;
    let code = ws_error_code(&msg);
    assert_eq!(code, "NOT_FOUND", "{msg}");
    assert!(!msg.to_string().contains("内部活动"), "{msg}");
}

#[tokio::test]
async fn a_password_reset_retires_every_calendar_address_given_out_before() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let id = create(&app, &w, 48, json!({})).await;
    let e = event(&app, w.token(CHEN), &id).await;
    let url = s(&e["data"]["event"]["calendarUrl"]);
    let get = |u: String| {
        let http = app.http.clone();
        async move {
            http.get(u)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }
    };
    assert_eq!(get(url.clone()).await, 200);
    // The session epoch moves (as a reset or a deactivation moves it): the old address is dead.
    use sea_orm::{
        sea_query::{Expr, ExprTrait},
        ColumnTrait, EntityTrait, QueryFilter,
    };
    entity::account::Entity::update_many()
        .col_expr(
            entity::account::Column::SessionEpoch,
            Expr::col(entity::account::Column::SessionEpoch).add(1),
        )
        .filter(entity::account::Column::Phone.eq(CHEN))
        .exec(app.db())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(get(url).await, 401);
}

#[tokio::test]
async fn sign_ups_and_check_ins_are_rate_limited_per_account() {
    let app = TestApp::spawn_with(|s| s.write_limit.max = 3).await;
    let w = app.community().await;
    let mut codes = Vec::new();
    for _ in 0..4 {
        let id = create(&app, &w, 48, json!({})).await;
        codes.push(error_code(&sign_up(&app, w.token(CHEN), &id, 0).await));
    }
    assert_eq!(
        codes,
        ["<no error>", "<no error>", "<no error>", "RATE_LIMITED"]
    );
    // Check-in guesses are bounded too (ten times the write limit).
    let id = create(&app, &w, 1, json!({})).await;
    let mut last = String::new();
    for i in 0..31 {
        last = error_code(&check_in(&app, w.token(ORGANIZER), &id, &format!("ZZZZ{i:02}")).await);
    }
    assert_eq!(last, "RATE_LIMITED");
    // Joining and leaving a volunteer group over and over is bounded by the same write limit,
    // and a refused act changes nothing.
    let group = app
        .ok(
            Some(w.token(COMMITTEE)),
            "mutation($c:ID!,$l:ID!){ createVolunteerGroup(communityId:$c, name:\"巡逻队\", leaderId:$l){ id } }",
            json!({ "c": w.community_id, "l": w.person(ORGANIZER).resident_id }),
        )
        .await["createVolunteerGroup"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut codes = Vec::new();
    for i in 0..4 {
        let op = if i % 2 == 0 {
            "joinVolunteerGroup"
        } else {
            "leaveVolunteerGroup"
        };
        let r = app
            .gql(
                Some(w.token(LI)),
                &format!("mutation($g:ID!){{ {op}(groupId:$g){{ id }} }}"),
                json!({ "g": group }),
            )
            .await;
        codes.push(error_code(&r));
    }
    assert_eq!(
        codes,
        ["<no error>", "<no error>", "<no error>", "RATE_LIMITED"]
    );
    let r = app
        .ok(
            Some(w.token(LI)),
            "query($c:ID!){ volunteerGroups(communityId:$c){ viewerIsMember } }",
            json!({ "c": w.community_id }),
        )
        .await;
    assert_eq!(
        r["volunteerGroups"][0]["viewerIsMember"], true,
        "the refused leave changed nothing: {r}"
    );
}

#[tokio::test]
async fn the_export_never_hands_a_spreadsheet_a_formula() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    // A roster name that a spreadsheet would run.
    let csv = "building,unit,area_m2,owner,name,phone,roles\n3栋,301,60.00,true,=HYPERLINK(\"http://x\"),13900000999,\n";
    let resp = app.import_roster(&w.admin, &w.community_id, csv).await;
    let code = s(&resp["data"]["importRoster"]["invites"][0]["code"]);
    assert!(!code.is_empty(), "{resp}");
    let (token, _) = app.claim(&code, PASSWORD).await;
    let id = create(&app, &w, 48, json!({})).await;
    sign_up(&app, &token, &id, 0).await;
    let body = app
        .http
        .get(format!("{}/events/{id}/attendees.csv", app.address))
        .bearer_auth(w.token(ORGANIZER))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .text()
        .await
        .unwrap_or_default();
    assert!(body.contains("\"'=HYPERLINK"), "{body}");
    assert!(
        !body.contains(",=HYPERLINK") && !body.contains(",\"=HYPERLINK"),
        "{body}"
    );
}

#[tokio::test]
async fn another_community_and_a_former_resident_cannot_join_leave_or_list_a_group() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let group = app
        .ok(
            Some(w.token(COMMITTEE)),
            "mutation($c:ID!,$l:ID!){ createVolunteerGroup(communityId:$c, name:\"巡逻队\", leaderId:$l){ id } }",
            json!({ "c": w.community_id, "l": w.person(ORGANIZER).resident_id }),
        )
        .await["createVolunteerGroup"]["id"]
        .clone();
    let (outsider, _) = stranger(&app, &w).await;
    for op in ["joinVolunteerGroup", "leaveVolunteerGroup"] {
        let r = app
            .gql(
                Some(&outsider),
                &format!("mutation($g:ID!){{ {op}(groupId:$g){{ id members {{ name }} }} }}"),
                json!({ "g": group }),
            )
            .await;
        assert_eq!(error_code(&r), "NOT_FOUND", "{op}: {r}");
    }
    // Another community's committee cannot name this group's leader.
    let r = app
        .gql(
            Some(&outsider),
            SET_LEADER,
            json!({ "g": group, "r": w.person(CHEN).resident_id }),
        )
        .await;
    assert_eq!(error_code(&r), "NOT_FOUND", "{r}");
    let r = app
        .gql(
            Some(&outsider),
            "query($c:ID!){ volunteerGroups(communityId:$c){ id members { name } } }",
            json!({ "c": w.community_id }),
        )
        .await;
    assert_eq!(error_code(&r), "NOT_FOUND", "{r}");
    // 李秀英 joins, then moves out (deactivated): the group is no longer hers to join.
    app.ok(
        Some(w.token(LI)),
        "mutation($g:ID!){ joinVolunteerGroup(groupId:$g){ id } }",
        json!({ "g": group }),
    )
    .await;
    app.ok(
        Some(w.token(COMMITTEE)),
        "mutation($r:ID!){ deactivateResident(residentId:$r){ id } }",
        json!({ "r": w.person(LI).resident_id }),
    )
    .await;
    let r = app
        .gql(
            Some(w.token(LI)),
            "mutation($g:ID!){ joinVolunteerGroup(groupId:$g){ id } }",
            json!({ "g": group }),
        )
        .await;
    // Her only place closed, so did her session: nothing of the group is hers any more.
    assert_eq!(error_code(&r), "UNAUTHENTICATED", "{r}");
    let members = app
        .ok(
            Some(w.token(ORGANIZER)),
            "query($c:ID!){ volunteerGroups(communityId:$c){ members { name } } }",
            json!({ "c": w.community_id }),
        )
        .await;
    assert_eq!(
        members["volunteerGroups"][0]["members"],
        json!([{ "name": "刘芳" }]),
        "a resident who moved out is no longer listed: {members}"
    );
}

#[tokio::test]
async fn only_the_committee_names_a_groups_leader_over_http_and_the_websocket() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let group = new_group(&app, &w, "护绿队", ORGANIZER).await;
    // A resident naming themselves, the group's own leader (an ORGANIZER) naming another, the
    // platform admin (not on this roster), and an unknown group.
    for (who, token, g, code) in [
        ("resident", w.token(LI), group.as_str(), "FORBIDDEN"),
        ("leader", w.token(ORGANIZER), group.as_str(), "FORBIDDEN"),
        ("admin", w.admin.as_str(), group.as_str(), "FORBIDDEN"),
        (
            "committee",
            w.token(COMMITTEE),
            "no-such-group",
            "NOT_FOUND",
        ),
    ] {
        let r = app
            .gql(
                Some(token),
                SET_LEADER,
                json!({ "g": g, "r": w.person(LI).resident_id }),
            )
            .await;
        assert_eq!(error_code(&r), code, "{who}: {r}");
    }
    // The committee cannot name a resident of another community.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let (_, household) = stranger(&app, &w).await;
    let outsider = entity::resident::Entity::find()
        .filter(entity::resident::Column::HouseholdId.eq(household))
        .one(app.db())
        .await
        .ok()
        .flatten()
        .map(|r| r.id)
        .unwrap_or_default();
    assert!(!outsider.is_empty());
    let r = app
        .gql(
            Some(w.token(COMMITTEE)),
            SET_LEADER,
            json!({ "g": group, "r": outsider }),
        )
        .await;
    assert_eq!(error_code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["field"], "residentId");
    let mut ws = ws_connect(app.port, w.token(LI)).await;
    ws_subscribe(
        &mut ws,
        SET_LEADER,
        json!({ "g": group, "r": w.person(LI).resident_id }),
    )
    .await;
    let msg = ws_next(&mut ws).await;
    let code = ws_error_code(&msg);
    assert_eq!(code, "FORBIDDEN", "{msg}");
    let r = app
        .ok(
            Some(w.token(LI)),
            "query($c:ID!){ volunteerGroups(communityId:$c){ leader { name } members { name } } }",
            json!({ "c": w.community_id }),
        )
        .await;
    assert_eq!(r["volunteerGroups"][0]["leader"]["name"], "刘芳", "{r}");
    assert_eq!(
        r["volunteerGroups"][0]["members"],
        json!([{ "name": "刘芳" }])
    );
}

/// Each sign-up after a cancellation is a new registration, and the export and the viewer's own
/// views read all of them: one resident signs up for one event at most ten times. The event
/// says so before the eleventh (`viewerCan.signUp`), which answers INVALID_STATE and stores
/// nothing; a neighbour still signs up.
#[tokio::test]
async fn a_resident_signs_up_for_one_event_at_most_ten_times() {
    const MAX: usize = api::domain::events::rules::MAX_SIGN_UPS;
    let app = TestApp::spawn_with(|s| s.write_limit.max = 1_000).await;
    let w = app.community().await;
    let id = create(&app, &w, 48, json!({})).await;
    for i in 0..MAX {
        let r = sign_up(&app, w.token(CHEN), &id, 0).await;
        let reg = s(&r["data"]["signUp"]["id"]);
        assert!(!reg.is_empty(), "sign-up {i}: {r}");
        let c = cancel(&app, w.token(CHEN), &reg).await;
        assert_eq!(error_code(&c), "<no error>", "cancel {i}: {c}");
    }
    let can = |e: Value| e["data"]["event"]["viewerCan"]["signUp"].clone();
    assert_eq!(can(event(&app, w.token(CHEN), &id).await), json!(false));
    let r = sign_up(&app, w.token(CHEN), &id, 0).await;
    assert_eq!(error_code(&r), "INVALID_STATE", "{r}");
    let stored = registrations(&app, w.token(ORGANIZER), &id).await;
    assert_eq!(stored.len(), MAX);
    assert!(
        stored.iter().all(|r| r["status"] == "CANCELLED"),
        "{stored:?}"
    );
    assert_eq!(can(event(&app, w.token(LI), &id).await), json!(true));
    let r = sign_up(&app, w.token(LI), &id, 0).await;
    assert_eq!(s(&r["data"]["signUp"]["status"]), "CONFIRMED", "{r}");
}
