//! Events and volunteering (DESIGN §7): creating events, signing up with companions, the
//! waitlist and its promotions, cancelling, changing and cancelling events, check-in and the
//! volunteer-hours ledger, the day-before reminder and NO_SHOW, calendars, the attendee export,
//! Home, volunteer groups, bad input and what a list costs. The races are in `concurrency.rs`.

use chrono::{Duration, Utc};
use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};

use crate::harness::*;

/// 刘芳 (2栋101) holds ORGANIZER; 陈静 (2栋102), 李秀英 (1栋101), 张伟 (1栋102) sign up;
/// 王建国 (1栋101) is on the committee.
pub const ORGANIZER: &str = "13800000004";
pub const CHEN: &str = "13800000005";
pub const LI: &str = "13800000002";
pub const ZHANG: &str = "13800000003";

pub const EVENT: &str = "id title kind place capacity seatsTaken seatsLeft waitlistCount \
    companionsAllowed phase volunteerHours calendarUrl cancelReason \
    viewerCan { signUp cancelRegistration checkIn edit cancel export } \
    viewerRegistration { id status waitlistPosition checkInCode }";

pub const REG: &str = "id status waitlistPosition checkInCode companions \
    viewerCan { cancel } event { id seatsTaken waitlistCount }";

pub fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

/// An event input starting in `hours` hours, lasting two, with `extra` fields over the defaults.
pub fn input(community_id: &str, hours: i64, extra: Value) -> Value {
    let start = Utc::now() + Duration::hours(hours);
    let mut i = json!({
        "communityId": community_id,
        "title": "社区合唱排练",
        "kind": "CULTURAL",
        "place": "活动中心二楼",
        "startsAt": start.to_rfc3339(),
        "endsAt": (start + Duration::hours(2)).to_rfc3339(),
        "capacity": 3,
        "companionsAllowed": 2,
    });
    if let (Some(i), Value::Object(extra)) = (i.as_object_mut(), extra) {
        i.extend(extra);
    }
    i
}

pub async fn create_raw(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        &format!("mutation($i:EventInput!){{ createEvent(input:$i){{ {EVENT} }} }}"),
        json!({ "i": input }),
    )
    .await
}

/// An event of the world's community by the organizer, starting in `hours` hours.
pub async fn create(app: &TestApp, w: &World, hours: i64, extra: Value) -> String {
    let r = create_raw(
        app,
        w.token(ORGANIZER),
        input(&w.community_id, hours, extra),
    )
    .await;
    assert!(r.get("errors").is_none(), "createEvent: {r}");
    s(&r["data"]["createEvent"]["id"])
}

pub async fn sign_up(app: &TestApp, token: &str, event: &str, companions: i32) -> Value {
    app.gql(
        Some(token),
        &format!("mutation($e:ID!,$c:Int){{ signUp(eventId:$e, companions:$c){{ {REG} }} }}"),
        json!({ "e": event, "c": companions }),
    )
    .await
}

pub async fn cancel(app: &TestApp, token: &str, registration: &str) -> Value {
    app.gql(
        Some(token),
        &format!("mutation($r:ID!){{ cancelRegistration(registrationId:$r){{ {REG} }} }}"),
        json!({ "r": registration }),
    )
    .await
}

pub async fn check_in(app: &TestApp, token: &str, event: &str, code: &str) -> Value {
    app.gql(
        Some(token),
        &format!("mutation($e:ID!,$c:String!){{ checkIn(eventId:$e, code:$c){{ {REG} }} }}"),
        json!({ "e": event, "c": code }),
    )
    .await
}

pub async fn event(app: &TestApp, token: &str, id: &str) -> Value {
    app.gql(
        Some(token),
        &format!("query($e:ID!){{ event(id:$e){{ {EVENT} }} }}"),
        json!({ "e": id }),
    )
    .await
}

/// The event's registrations as its organizer sees them, in sign-up order.
pub async fn registrations(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    let r = app
        .ok(
            Some(token),
            &format!(
                "query($e:ID!){{ event(id:$e){{ registrations(first:100){{ nodes {{ {REG} resident {{ name }} }} }} }} }}"
            ),
            json!({ "e": id }),
        )
        .await;
    r["event"]["registrations"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Notifications of `kind` in the account of `phone`.
pub async fn notices(app: &TestApp, w: &World, phone: &str, kind: &str) -> Vec<Value> {
    let r = app
        .ok(
            Some(w.token(phone)),
            "{ notifications(first:100){ nodes { kind params } } }",
            json!({}),
        )
        .await;
    r["notifications"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|n| n["kind"] == kind)
        .collect()
}

/// `n` more residents of the world's community, each in a household of their own: their tokens.
pub async fn crowd(app: &TestApp, w: &World, n: usize) -> Vec<String> {
    let mut csv = String::from("building,unit,area_m2,owner,name,phone,roles\n");
    for i in 1..=n {
        csv.push_str(&format!(
            "8栋,{},60.00,true,居民{i},1390000{i:04},\n",
            800 + i
        ));
    }
    let resp = app.import_roster(&w.admin, &w.community_id, &csv).await;
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

/// Moves an event's times (and sign-up window) by `by` (into the past when negative).
pub async fn shift(app: &TestApp, id: &str, by: Duration) {
    let e = entity::event::Entity::find_by_id(id.to_owned())
        .one(app.db())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no event {id}"));
    entity::event::Entity::update_many()
        .col_expr(
            entity::event::Column::StartsAt,
            Expr::value(e.starts_at + by),
        )
        .col_expr(entity::event::Column::EndsAt, Expr::value(e.ends_at + by))
        .col_expr(
            entity::event::Column::SignupOpensAt,
            Expr::value(e.signup_opens_at + by),
        )
        .col_expr(
            entity::event::Column::SignupClosesAt,
            Expr::value(e.signup_closes_at + by),
        )
        .col_expr(
            entity::event::Column::CreatedAt,
            Expr::value(e.created_at + by),
        )
        .filter(entity::event::Column::Id.eq(id))
        .exec(app.db())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test]
async fn seats_fill_in_sign_up_order_companions_included_and_the_rest_wait_in_line() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let id = create(
        &app,
        &w,
        48,
        json!({ "capacity": 3, "companionsAllowed": 1 }),
    )
    .await;

    // 陈静 brings one companion: two of three seats.
    let r = sign_up(&app, w.token(CHEN), &id, 1).await;
    let chen = &r["data"]["signUp"];
    assert_eq!(chen["status"], "CONFIRMED", "{r}");
    assert_eq!(chen["event"]["seatsTaken"], 2);
    assert_eq!(s(&chen["checkInCode"]).len(), 6, "{r}");
    assert_eq!(chen["waitlistPosition"], Value::Null);
    // 李秀英's party of two does not fit the seat left: first in line, and no code yet.
    let r = sign_up(&app, w.token(LI), &id, 1).await;
    let li = r["data"]["signUp"].clone();
    assert_eq!(li["status"], "WAITLISTED", "{r}");
    assert_eq!(li["waitlistPosition"], 1);
    assert_eq!(li["checkInCode"], Value::Null);
    // 张伟 alone fits the last seat; 王建国 waits second.
    let r = sign_up(&app, w.token(ZHANG), &id, 0).await;
    assert_eq!(r["data"]["signUp"]["status"], "CONFIRMED", "{r}");
    let r = sign_up(&app, w.token(COMMITTEE), &id, 0).await;
    let wang = r["data"]["signUp"].clone();
    assert_eq!(wang["waitlistPosition"], 2, "{r}");

    // Signing up again returns the registration unchanged, whatever companions are asked.
    let again = sign_up(&app, w.token(CHEN), &id, 0).await;
    assert_eq!(again["data"]["signUp"]["id"], chen["id"], "{again}");
    assert_eq!(again["data"]["signUp"]["companions"], 1);

    // Counted by status; the repeat is not a sign-up.
    let metrics = app.metrics_text().await;
    for (status, n) in [("CONFIRMED", 2), ("WAITLISTED", 2)] {
        let line = format!("jiayuan_event_signups_total{{status=\"{status}\"}} {n}");
        assert!(metrics.lines().any(|l| l == line), "{line}: {metrics}");
    }

    let e = event(&app, w.token(CHEN), &id).await;
    let e = &e["data"]["event"];
    assert_eq!(
        (
            e["capacity"].clone(),
            e["seatsTaken"].clone(),
            e["seatsLeft"].clone(),
            e["waitlistCount"].clone()
        ),
        (json!(3), json!(3), json!(0), json!(2)),
        "{e}"
    );
    assert_eq!(e["viewerRegistration"]["id"], chen["id"]);
    assert_eq!(e["viewerCan"]["signUp"], false, "already signed up: {e}");
    assert_eq!(e["viewerCan"]["cancelRegistration"], true);
    assert_eq!(e["viewerCan"]["checkIn"], false);
    assert_eq!(notices(&app, &w, CHEN, "EVENT_CONFIRMED").await.len(), 1);
    assert_eq!(notices(&app, &w, LI, "EVENT_WAITLISTED").await.len(), 1);

    // 陈静 cancels: her two seats go to 李秀英's party of two, the earliest that fits.
    let r = cancel(&app, w.token(CHEN), &s(&chen["id"])).await;
    assert_eq!(
        r["data"]["cancelRegistration"]["status"], "CANCELLED",
        "{r}"
    );
    assert_eq!(r["data"]["cancelRegistration"]["checkInCode"], Value::Null);
    let e = event(&app, w.token(LI), &id).await;
    let e = &e["data"]["event"];
    assert_eq!(e["viewerRegistration"]["status"], "CONFIRMED", "{e}");
    assert_eq!(s(&e["viewerRegistration"]["checkInCode"]).len(), 6);
    assert_eq!(
        (e["seatsTaken"].clone(), e["waitlistCount"].clone()),
        (json!(3), json!(1))
    );
    let promoted = notices(&app, &w, LI, "EVENT_PROMOTED").await;
    assert_eq!(promoted.len(), 1);
    assert!(promoted[0]["params"]
        .as_str()
        .unwrap_or("")
        .contains("社区合唱排练"));
    // 王建国 moves up to first in line.
    let e = event(&app, w.token(COMMITTEE), &id).await;
    assert_eq!(
        e["data"]["event"]["viewerRegistration"]["waitlistPosition"], 1,
        "{e}"
    );

    // After a cancellation a new sign-up makes a new registration, at the end of the line.
    let r = sign_up(&app, w.token(CHEN), &id, 0).await;
    assert_ne!(r["data"]["signUp"]["id"], chen["id"], "{r}");
    assert_eq!(r["data"]["signUp"]["waitlistPosition"], 2);
    // Cancelling twice is INVALID_STATE.
    let r = cancel(&app, w.token(LI), &s(&li["id"])).await;
    assert_eq!(
        r["data"]["cancelRegistration"]["status"], "CANCELLED",
        "{r}"
    );
    let r = cancel(&app, w.token(LI), &s(&li["id"])).await;
    assert_eq!(error_code(&r), "INVALID_STATE", "{r}");
}

#[tokio::test]
async fn a_party_that_does_not_fit_the_freed_seats_keeps_its_place_and_a_smaller_one_behind_it_is_promoted(
) {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let id = create(
        &app,
        &w,
        48,
        json!({ "capacity": 2, "companionsAllowed": 2 }),
    )
    .await;
    let first = sign_up(&app, w.token(CHEN), &id, 0).await;
    sign_up(&app, w.token(ZHANG), &id, 0).await;
    let big = sign_up(&app, w.token(LI), &id, 2).await;
    assert_eq!(big["data"]["signUp"]["waitlistPosition"], 1, "{big}");
    let small = sign_up(&app, w.token(COMMITTEE), &id, 0).await;
    assert_eq!(small["data"]["signUp"]["waitlistPosition"], 2, "{small}");

    cancel(&app, w.token(CHEN), &s(&first["data"]["signUp"]["id"])).await;
    let regs = registrations(&app, w.token(ORGANIZER), &id).await;
    let status: Vec<(String, Value)> = regs
        .iter()
        .map(|r| (s(&r["resident"]["name"]), r["status"].clone()))
        .collect();
    assert_eq!(
        status,
        vec![
            ("陈静".to_owned(), json!("CANCELLED")),
            ("张伟".to_owned(), json!("CONFIRMED")),
            ("李秀英".to_owned(), json!("WAITLISTED")),
            ("王建国".to_owned(), json!("CONFIRMED")),
        ]
    );
    let li = regs
        .iter()
        .find(|r| r["resident"]["name"] == "李秀英")
        .cloned()
        .unwrap_or_default();
    assert_eq!(li["waitlistPosition"], 1);
    // The organizer never sees an attendee's code.
    assert!(regs.iter().all(|r| r["checkInCode"].is_null()), "{regs:?}");
    assert!(notices(&app, &w, LI, "EVENT_PROMOTED").await.is_empty());
    assert_eq!(
        notices(&app, &w, COMMITTEE, "EVENT_PROMOTED").await.len(),
        1
    );
}

#[tokio::test]
async fn only_organizers_and_the_committee_create_events_and_bad_input_changes_nothing() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let r = create_raw(&app, w.token(CHEN), input(&w.community_id, 48, json!({}))).await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");
    let r = create_raw(
        &app,
        w.token(COMMITTEE),
        input(&w.community_id, 48, json!({})),
    )
    .await;
    assert!(r.get("errors").is_none(), "the committee may: {r}");
    let past = (Utc::now() - Duration::hours(1)).to_rfc3339();
    let soon = (Utc::now() + Duration::hours(50)).to_rfc3339();
    for (extra, field) in [
        (json!({ "title": "  " }), "title"),
        (json!({ "title": "长".repeat(101) }), "title"),
        (json!({ "place": "" }), "place"),
        (json!({ "capacity": 0 }), "capacity"),
        (json!({ "capacity": 100_001 }), "capacity"),
        (json!({ "companionsAllowed": -1 }), "companionsAllowed"),
        (json!({ "companionsAllowed": 11 }), "companionsAllowed"),
        (json!({ "volunteerHours": "abc" }), "volunteerHours"),
        (json!({ "volunteerHours": "2.555" }), "volunteerHours"),
        (json!({ "volunteerHours": "-1" }), "volunteerHours"),
        (json!({ "volunteerHours": "25" }), "volunteerHours"),
        (json!({ "startsAt": past }), "startsAt"),
        (json!({ "endsAt": past }), "endsAt"),
        (json!({ "signupClosesAt": soon }), "signupClosesAt"),
        (json!({ "groupId": "no-such-group" }), "groupId"),
        (json!({ "description": "字".repeat(2_001) }), "description"),
    ] {
        let r = create_raw(
            &app,
            w.token(ORGANIZER),
            input(&w.community_id, 48, extra.clone()),
        )
        .await;
        assert_eq!(error_code(&r), "BAD_USER_INPUT", "{extra}: {r}");
        assert_eq!(r["errors"][0]["extensions"]["field"], field, "{extra}: {r}");
    }
    let n = entity::event::Entity::find()
        .count(app.db())
        .await
        .unwrap_or(0);
    assert_eq!(n, 1, "only the committee's event exists");
    // Another community's organizer cannot create events here.
    let r = create_raw(
        &app,
        w.token(ORGANIZER),
        input("no-such-community", 48, json!({})),
    )
    .await;
    assert_eq!(error_code(&r), "NOT_FOUND", "{r}");
}

#[tokio::test]
async fn sign_up_is_open_only_in_its_window_and_with_the_companions_allowed() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let later = (Utc::now() + Duration::hours(24)).to_rfc3339();
    let not_yet = create(&app, &w, 48, json!({ "signupOpensAt": later })).await;
    let r = sign_up(&app, w.token(CHEN), &not_yet, 0).await;
    assert_eq!(error_code(&r), "INVALID_STATE", "{r}");
    let e = event(&app, w.token(CHEN), &not_yet).await;
    assert_eq!(e["data"]["event"]["phase"], "UPCOMING", "{e}");
    assert_eq!(e["data"]["event"]["viewerCan"]["signUp"], false);

    let open = create(&app, &w, 48, json!({ "companionsAllowed": 1 })).await;
    let r = sign_up(&app, w.token(CHEN), &open, 2).await;
    assert_eq!(error_code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["field"], "companions");
    let r = sign_up(&app, w.token(CHEN), &open, -1).await;
    assert_eq!(error_code(&r), "BAD_USER_INPUT", "{r}");

    // Sign-up closes at the start: once started, INVALID_STATE; the seats are untouched.
    shift(&app, &open, Duration::hours(-49)).await;
    let r = sign_up(&app, w.token(CHEN), &open, 0).await;
    assert_eq!(error_code(&r), "INVALID_STATE", "{r}");
    let e = event(&app, w.token(CHEN), &open).await;
    assert_eq!(e["data"]["event"]["phase"], "ONGOING", "{e}");
    assert_eq!(e["data"]["event"]["seatsTaken"], 0);
    assert_eq!(e["data"]["event"]["viewerCan"]["signUp"], false);
}

#[tokio::test]
async fn check_in_marks_attendance_and_credits_volunteer_hours_once() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    // Starts in an hour: check-in (from two hours before) is open.
    let id = create(
        &app,
        &w,
        1,
        json!({ "kind": "VOLUNTEER", "title": "楼道大扫除", "volunteerHours": "2.5" }),
    )
    .await;
    let other = create(&app, &w, 1, json!({})).await;
    let r = sign_up(&app, w.token(CHEN), &id, 0).await;
    let code = s(&r["data"]["signUp"]["checkInCode"]);
    let other_code =
        s(&sign_up(&app, w.token(LI), &other, 0).await["data"]["signUp"]["checkInCode"]);

    // A resident cannot check anyone in; a code of another event is NOT_FOUND.
    let r = check_in(&app, w.token(ZHANG), &id, &code).await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");
    let r = check_in(&app, w.token(ORGANIZER), &id, &other_code).await;
    assert_eq!(error_code(&r), "NOT_FOUND", "{r}");
    let r = check_in(&app, w.token(ORGANIZER), &id, "ZZZZZZ").await;
    assert_eq!(error_code(&r), "NOT_FOUND", "{r}");

    // Typed in lower case with a space: still the code.
    let typed = format!("{} {}", code[..3].to_lowercase(), &code[3..]);
    let r = check_in(&app, w.token(ORGANIZER), &id, &typed).await;
    assert_eq!(r["data"]["checkIn"]["status"], "ATTENDED", "{r}");
    let again = check_in(&app, w.token(ORGANIZER), &id, &code).await;
    assert_eq!(again["data"]["checkIn"]["status"], "ATTENDED", "{again}");

    let hours = app
        .ok(
            Some(w.token(CHEN)),
            "query($c:ID!){ volunteerHours(communityId:$c) \
             volunteerHoursHistory(communityId:$c, first:10){ nodes { hours eventTitle note } } }",
            json!({ "c": w.community_id }),
        )
        .await;
    assert_eq!(hours["volunteerHours"], "2.5", "{hours}");
    assert_eq!(
        hours["volunteerHoursHistory"]["nodes"],
        json!([{ "hours": "2.5", "eventTitle": "楼道大扫除", "note": null }])
    );
    // The registrant sees the code and the QR code while ATTENDED.
    let mine = app
        .ok(
            Some(w.token(CHEN)),
            "query($c:ID!){ myRegistrations(communityId:$c, first:10){ nodes { status checkInCode checkInQrSvg } } }",
            json!({ "c": w.community_id }),
        )
        .await;
    let node = &mine["myRegistrations"]["nodes"][0];
    assert_eq!(node["status"], "ATTENDED", "{mine}");
    assert_eq!(node["checkInCode"], code.as_str());
    assert!(s(&node["checkInQrSvg"]).starts_with("<?xml"), "{node}");

    // Check-in of an event three days ahead is not open yet.
    let later = create(&app, &w, 72, json!({})).await;
    let code = s(&sign_up(&app, w.token(ZHANG), &later, 0).await["data"]["signUp"]["checkInCode"]);
    let r = check_in(&app, w.token(ORGANIZER), &later, &code).await;
    assert_eq!(error_code(&r), "INVALID_STATE", "{r}");
    // A waitlisted registration cannot be checked in.
    let full = create(&app, &w, 1, json!({ "capacity": 1 })).await;
    sign_up(&app, w.token(ZHANG), &full, 0).await;
    let waiting = sign_up(&app, w.token(LI), &full, 0).await;
    assert_eq!(waiting["data"]["signUp"]["status"], "WAITLISTED");
    let code = entity::registration::Entity::find_by_id(s(&waiting["data"]["signUp"]["id"]))
        .one(app.db())
        .await
        .ok()
        .flatten()
        .map(|r| r.check_in_code)
        .unwrap_or_default();
    let r = check_in(&app, w.token(ORGANIZER), &full, &code).await;
    assert_eq!(error_code(&r), "INVALID_STATE", "{r}");
}

#[tokio::test]
async fn after_the_event_unchecked_confirmed_sign_ups_are_no_shows_and_check_in_is_closed() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let id = create(&app, &w, 1, json!({})).await;
    let chen = sign_up(&app, w.token(CHEN), &id, 0).await;
    let code = s(&chen["data"]["signUp"]["checkInCode"]);
    let li = sign_up(&app, w.token(LI), &id, 0).await;
    let r = check_in(
        &app,
        w.token(ORGANIZER),
        &id,
        &s(&li["data"]["signUp"]["checkInCode"]),
    )
    .await;
    assert_eq!(r["data"]["checkIn"]["status"], "ATTENDED", "{r}");
    shift(&app, &id, Duration::hours(-5)).await;
    // Shown as NO_SHOW at once, written by the closing pass.
    let e = event(&app, w.token(CHEN), &id).await;
    assert_eq!(e["data"]["event"]["phase"], "ENDED", "{e}");
    assert_eq!(
        e["data"]["event"]["viewerRegistration"]["status"], "NO_SHOW",
        "{e}"
    );
    assert_eq!(
        e["data"]["event"]["viewerRegistration"]["checkInCode"],
        Value::Null
    );
    let closed = api::domain::events::jobs::close_ended(&app.state)
        .await
        .unwrap_or(0);
    assert!(closed >= 1);
    let stored = entity::registration::Entity::find_by_id(s(&chen["data"]["signUp"]["id"]))
        .one(app.db())
        .await
        .ok()
        .flatten()
        .map(|r| r.status);
    assert_eq!(
        stored,
        Some(entity::registration::RegistrationStatus::NoShow)
    );
    let r = check_in(&app, w.token(ORGANIZER), &id, &code).await;
    assert_eq!(error_code(&r), "INVALID_STATE", "{r}");
    let regs = registrations(&app, w.token(ORGANIZER), &id).await;
    let statuses: Vec<Value> = regs.iter().map(|r| r["status"].clone()).collect();
    assert_eq!(statuses, vec![json!("NO_SHOW"), json!("ATTENDED")]);
    // Cancelling after the start is INVALID_STATE.
    let r = cancel(&app, w.token(CHEN), &s(&chen["data"]["signUp"]["id"])).await;
    assert_eq!(error_code(&r), "INVALID_STATE", "{r}");
}

#[tokio::test]
async fn cancelling_the_event_cancels_every_sign_up_and_tells_everyone() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let id = create(&app, &w, 48, json!({ "capacity": 1 })).await;
    sign_up(&app, w.token(CHEN), &id, 0).await;
    sign_up(&app, w.token(LI), &id, 0).await;
    let r = app
        .gql(
            Some(w.token(CHEN)),
            &format!("mutation($e:ID!){{ cancelEvent(eventId:$e, reason:\"下雨\"){{ {EVENT} }} }}"),
            json!({ "e": id }),
        )
        .await;
    assert_eq!(error_code(&r), "FORBIDDEN", "a resident: {r}");
    let r = app
        .gql(
            Some(w.token(ORGANIZER)),
            &format!("mutation($e:ID!){{ cancelEvent(eventId:$e, reason:\"暴雨预警，改期另行通知\"){{ {EVENT} }} }}"),
            json!({ "e": id }),
        )
        .await;
    let e = &r["data"]["cancelEvent"];
    assert_eq!(e["phase"], "CANCELLED", "{r}");
    assert_eq!(
        (e["seatsTaken"].clone(), e["waitlistCount"].clone()),
        (json!(0), json!(0))
    );
    assert_eq!(e["cancelReason"], "暴雨预警，改期另行通知");
    let regs = registrations(&app, w.token(ORGANIZER), &id).await;
    assert!(regs.iter().all(|r| r["status"] == "CANCELLED"), "{regs:?}");
    for phone in [CHEN, LI] {
        let n = notices(&app, &w, phone, "EVENT_CANCELLED").await;
        assert_eq!(n.len(), 1, "{phone}");
        assert!(n[0]["params"].as_str().unwrap_or("").contains("暴雨预警"));
    }
    let r = sign_up(&app, w.token(ZHANG), &id, 0).await;
    assert_eq!(error_code(&r), "INVALID_STATE", "{r}");
    let again = app
        .gql(
            Some(w.token(ORGANIZER)),
            "mutation($e:ID!){ cancelEvent(eventId:$e, reason:\"再取消\"){ id } }",
            json!({ "e": id }),
        )
        .await;
    assert_eq!(error_code(&again), "INVALID_STATE", "{again}");
    let audited = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq(entity::audit_log::AuditAction::EventCancel))
        .count(app.db())
        .await
        .unwrap_or(0);
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn a_change_of_capacity_time_or_place_tells_those_registered_and_more_seats_promote() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let id = create(&app, &w, 48, json!({ "capacity": 1 })).await;
    sign_up(&app, w.token(CHEN), &id, 0).await;
    sign_up(&app, w.token(LI), &id, 0).await;
    let update = |input: Value| {
        let app = &app;
        let id = id.clone();
        let token = w.token(ORGANIZER).to_owned();
        async move {
            app.gql(
                Some(&token),
                &format!("mutation($e:ID!,$i:EventChangeInput!){{ updateEvent(eventId:$e, input:$i){{ {EVENT} }} }}"),
                json!({ "e": id, "i": input }),
            )
            .await
        }
    };
    // A title alone tells nobody.
    let r = update(json!({ "title": "社区合唱排练（加场）" })).await;
    assert_eq!(
        r["data"]["updateEvent"]["title"], "社区合唱排练（加场）",
        "{r}"
    );
    assert!(notices(&app, &w, CHEN, "EVENT_CHANGED").await.is_empty());
    // Below the seats taken: refused, nothing changes.
    let r = update(json!({ "capacity": 0 })).await;
    assert_eq!(error_code(&r), "BAD_USER_INPUT", "{r}");
    // More seats: 李秀英 is promoted, 陈静 told of the change.
    let r = update(json!({ "capacity": 5, "place": "活动中心一楼" })).await;
    assert_eq!(r["data"]["updateEvent"]["seatsTaken"], 2, "{r}");
    assert_eq!(r["data"]["updateEvent"]["waitlistCount"], 0);
    assert_eq!(notices(&app, &w, LI, "EVENT_PROMOTED").await.len(), 1);
    let changed = notices(&app, &w, CHEN, "EVENT_CHANGED").await;
    assert_eq!(changed.len(), 1);
    assert!(changed[0]["params"]
        .as_str()
        .unwrap_or("")
        .contains("活动中心一楼"));
    // Seats below what is taken now: refused.
    let r = update(json!({ "capacity": 1 })).await;
    assert_eq!(error_code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["field"], "capacity");
    // A later time tells both; no capacity at all is allowed.
    let start = Utc::now() + Duration::hours(72);
    let r = update(json!({
        "startsAt": start.to_rfc3339(),
        "endsAt": (start + Duration::hours(1)).to_rfc3339(),
        "capacity": null,
    }))
    .await;
    assert_eq!(r["data"]["updateEvent"]["capacity"], Value::Null, "{r}");
    assert_eq!(notices(&app, &w, LI, "EVENT_CHANGED").await.len(), 1);
    assert_eq!(notices(&app, &w, CHEN, "EVENT_CHANGED").await.len(), 2);
    // A resident cannot change it.
    let r = app
        .gql(
            Some(w.token(CHEN)),
            "mutation($e:ID!){ updateEvent(eventId:$e, input:{ title:\"改名\" }){ id } }",
            json!({ "e": id }),
        )
        .await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");
}

#[tokio::test]
async fn the_day_before_confirmed_sign_ups_get_one_reminder() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let id = create(&app, &w, 72, json!({ "capacity": 1 })).await;
    sign_up(&app, w.token(CHEN), &id, 0).await;
    sign_up(&app, w.token(LI), &id, 0).await;
    // Created three days ahead; now it starts in 20 hours.
    shift(&app, &id, Duration::hours(-52)).await;
    let sent = api::domain::events::jobs::remind(&app.state)
        .await
        .unwrap_or(0);
    assert_eq!(sent, 1);
    let again = api::domain::events::jobs::remind(&app.state)
        .await
        .unwrap_or(0);
    assert_eq!(again, 0);
    assert_eq!(notices(&app, &w, CHEN, "EVENT_REMINDER").await.len(), 1);
    assert!(
        notices(&app, &w, LI, "EVENT_REMINDER").await.is_empty(),
        "waitlisted"
    );
}

#[tokio::test]
async fn calendars_parse_back_and_open_only_with_the_viewers_feed_token() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let id = create(&app, &w, 48, json!({ "description": "请带水杯" })).await;
    let e = event(&app, w.token(CHEN), &id).await;
    let url = s(&e["data"]["event"]["calendarUrl"]);
    assert!(url.starts_with(&app.address), "{url}");
    assert!(url.contains(&format!("/events/{id}.ics?token=")), "{url}");
    let resp = app
        .http
        .get(&url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(resp.status(), 200);
    assert!(resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .starts_with("text/calendar"));
    let body = resp.text().await.unwrap_or_default();
    let cal: icalendar::Calendar = body.parse().unwrap_or_else(|e| panic!("{e}: {body}"));
    use icalendar::{Component, EventLike};
    let events: Vec<&icalendar::Event> =
        cal.components.iter().filter_map(|c| c.as_event()).collect();
    assert_eq!(events.len(), 1, "{body}");
    assert_eq!(events[0].get_summary(), Some("社区合唱排练"));
    assert_eq!(events[0].get_location(), Some("活动中心二楼"));
    assert_eq!(events[0].get_description(), Some("请带水杯"));

    // The community feed lists it too.
    let r = app
        .ok(
            Some(w.token(CHEN)),
            "{ me { communities { id calendarUrl } } }",
            json!({}),
        )
        .await;
    let feed = s(&r["me"]["communities"][0]["calendarUrl"]);
    assert!(
        feed.contains(&format!(
            "/communities/{}/events.ics?token=",
            w.community_id
        )),
        "{feed}"
    );
    let body = app
        .http
        .get(&feed)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .text()
        .await
        .unwrap_or_default();
    let cal: icalendar::Calendar = body.parse().unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(
        cal.components.iter().filter_map(|c| c.as_event()).count(),
        1,
        "{body}"
    );

    // No token, a forged one, or another account's token on a path it does not own: refused.
    let bare = url.split('?').next().unwrap_or_default().to_owned();
    let status = |u: String| {
        let http = app.http.clone();
        async move {
            http.get(u)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }
    };
    assert_eq!(status(bare.clone()).await, 401);
    let token = url.split("token=").nth(1).unwrap_or_default().to_owned();
    let forged = format!("{}x", &token[..token.len() - 1]);
    assert_eq!(status(format!("{bare}?token={forged}")).await, 401);
    let account = token.split('.').next().unwrap_or_default();
    assert_eq!(
        status(format!(
            "{bare}?token={account}.AAAAAAAAAAAAAAAAAAAAAAAAAAA"
        ))
        .await,
        401
    );
}

#[tokio::test]
async fn the_organizer_exports_attendees_as_csv_that_excel_opens_in_chinese() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let id = create(
        &app,
        &w,
        48,
        json!({ "capacity": 1, "companionsAllowed": 2 }),
    )
    .await;
    sign_up(&app, w.token(CHEN), &id, 0).await;
    sign_up(&app, w.token(LI), &id, 2).await;
    let get = |token: Option<String>| {
        let http = app.http.clone();
        let url = format!("{}/events/{id}/attendees.csv", app.address);
        async move {
            let mut req = http.get(url);
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let resp = req.send().await.unwrap_or_else(|e| panic!("{e}"));
            let status = resp.status().as_u16();
            (
                status,
                resp.bytes().await.map(|b| b.to_vec()).unwrap_or_default(),
            )
        }
    };
    let (status, body) = get(Some(w.token(ORGANIZER).to_owned())).await;
    assert_eq!(status, 200);
    assert_eq!(&body[..3], b"\xEF\xBB\xBF", "a byte-order mark first");
    let text = String::from_utf8(body[3..].to_vec()).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("序号 No.,姓名 Name"), "{text}");
    assert_eq!(lines[1], "1,陈静,2栋 102,0,CONFIRMED,,", "{text}");
    assert_eq!(lines[2], "2,李秀英,1栋 101,2,WAITLISTED,1,", "{text}");
    assert_eq!(
        get(Some(w.token(CHEN).to_owned())).await.0,
        404,
        "a resident"
    );
    assert_eq!(get(None).await.0, 401);
    // The committee may export too.
    assert_eq!(get(Some(w.token(COMMITTEE).to_owned())).await.0, 200);
}

#[tokio::test]
async fn home_lists_my_next_events_and_the_committee_ranks_volunteers_by_year() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let later = create(
        &app,
        &w,
        72,
        json!({ "title": "健康讲座", "kind": "HEALTH" }),
    )
    .await;
    let sooner = create(
        &app,
        &w,
        1,
        json!({ "title": "植树", "kind": "VOLUNTEER", "volunteerHours": "3" }),
    )
    .await;
    let skipped = create(&app, &w, 24, json!({ "title": "没报名的活动" })).await;
    sign_up(&app, w.token(CHEN), &later, 0).await;
    let r = sign_up(&app, w.token(CHEN), &sooner, 0).await;
    let code = s(&r["data"]["signUp"]["checkInCode"]);
    let home = app
        .ok(
            Some(w.token(CHEN)),
            "query($c:ID!){ needsMe(communityId:$c){ events { status event { id title } } } }",
            json!({ "c": w.community_id }),
        )
        .await;
    let titles: Vec<String> = home["needsMe"]["events"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|r| s(&r["event"]["title"]))
        .collect();
    assert_eq!(titles, vec!["植树", "健康讲座"], "{home}");
    let _ = skipped;

    // The list filters by kind; upcoming soonest first.
    let list = app
        .ok(
            Some(w.token(CHEN)),
            "query($c:ID!){ all: events(communityId:$c, first:10){ nodes { title } } \
             health: events(communityId:$c, kind:HEALTH, first:10){ nodes { title } } }",
            json!({ "c": w.community_id }),
        )
        .await;
    assert_eq!(
        list["all"]["nodes"],
        json!([{ "title": "植树" }, { "title": "没报名的活动" }, { "title": "健康讲座" }])
    );
    assert_eq!(list["health"]["nodes"], json!([{ "title": "健康讲座" }]));

    check_in(&app, w.token(ORGANIZER), &sooner, &code).await;
    let year = Utc::now()
        .format("%Y")
        .to_string()
        .parse::<i32>()
        .unwrap_or(2026);
    let q = "query($c:ID!,$y:Int!){ volunteerRanking(communityId:$c, year:$y){ rank resident { name } hours } }";
    let r = app
        .ok(
            Some(w.token(COMMITTEE)),
            q,
            json!({ "c": w.community_id, "y": year }),
        )
        .await;
    assert_eq!(
        r["volunteerRanking"],
        json!([{ "rank": 1, "resident": { "name": "陈静" }, "hours": "3" }])
    );
    let r = app
        .gql(
            Some(w.token(CHEN)),
            q,
            json!({ "c": w.community_id, "y": year }),
        )
        .await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");

    // The committee corrects the ledger with a new entry; never below zero.
    let fix = "mutation($c:ID!,$r:ID!,$h:String!){ correctVolunteerHours(communityId:$c, residentId:$r, hours:$h, note:\"少记了半小时\") }";
    let chen = w.person(CHEN).resident_id.clone();
    let r = app
        .ok(
            Some(w.token(COMMITTEE)),
            fix,
            json!({ "c": w.community_id, "r": chen, "h": "0.5" }),
        )
        .await;
    assert_eq!(r["correctVolunteerHours"], "3.5");
    let r = app
        .gql(
            Some(w.token(COMMITTEE)),
            fix,
            json!({ "c": w.community_id, "r": chen, "h": "-4" }),
        )
        .await;
    assert_eq!(error_code(&r), "BAD_USER_INPUT", "{r}");
    let r = app
        .gql(
            Some(w.token(CHEN)),
            fix,
            json!({ "c": w.community_id, "r": chen, "h": "5" }),
        )
        .await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");
    let r = app
        .ok(
            Some(w.token(CHEN)),
            "query($c:ID!){ volunteerHours(communityId:$c) }",
            json!({ "c": w.community_id }),
        )
        .await;
    assert_eq!(r["volunteerHours"], "3.5");
}

#[tokio::test]
async fn volunteer_groups_have_a_leader_who_runs_their_events() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let create_group = "mutation($c:ID!,$l:ID!){ createVolunteerGroup(communityId:$c, name:\"夕阳红志愿队\", leaderId:$l){ id name leader { name } members { name } viewerIsMember } }";
    let chen = w.person(CHEN).resident_id.clone();
    let r = app
        .gql(
            Some(w.token(ORGANIZER)),
            create_group,
            json!({ "c": w.community_id, "l": chen }),
        )
        .await;
    assert_eq!(error_code(&r), "FORBIDDEN", "only the committee: {r}");
    let r = app
        .ok(
            Some(w.token(COMMITTEE)),
            create_group,
            json!({ "c": w.community_id, "l": chen }),
        )
        .await;
    let group = s(&r["createVolunteerGroup"]["id"]);
    assert_eq!(r["createVolunteerGroup"]["leader"]["name"], "陈静");
    let join =
        "mutation($g:ID!){ joinVolunteerGroup(groupId:$g){ members { name } viewerIsMember } }";
    let r = app.ok(Some(w.token(LI)), join, json!({ "g": group })).await;
    assert_eq!(r["joinVolunteerGroup"]["viewerIsMember"], true);
    assert_eq!(
        r["joinVolunteerGroup"]["members"],
        json!([{ "name": "陈静" }, { "name": "李秀英" }])
    );
    let r = app
        .gql(Some(w.token(LI)), join, json!({ "g": group }))
        .await;
    assert_eq!(error_code(&r), "CONFLICT", "{r}");
    // The organizer cannot put an event under a group she does not lead.
    let r = create_raw(
        &app,
        w.token(ORGANIZER),
        input(&w.community_id, 48, json!({ "groupId": group })),
    )
    .await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");
    // The committee can; then the group's leader manages it (check-in, export).
    let r = create_raw(
        &app,
        w.token(COMMITTEE),
        input(&w.community_id, 1, json!({ "groupId": group })),
    )
    .await;
    let id = s(&r["data"]["createEvent"]["id"]);
    let e = event(&app, w.token(CHEN), &id).await;
    assert_eq!(e["data"]["event"]["viewerCan"]["checkIn"], true, "{e}");
    assert_eq!(e["data"]["event"]["viewerCan"]["export"], true);
    let e = event(&app, w.token(LI), &id).await;
    assert_eq!(e["data"]["event"]["viewerCan"]["checkIn"], false, "{e}");
    // What each may do with the group is stated by the server: the leader may not leave (the
    // group keeps its leader), a member may, an outsider may join; the committee and a leader
    // who may run events at all (ORGANIZER) run events for it.
    let can = |token: &str| {
        let app = &app;
        let c = w.community_id.clone();
        let token = token.to_owned();
        async move {
            let r = app
                .ok(
                    Some(&token),
                    "query($c:ID!){ volunteerGroups(communityId:$c){ viewerCan { join leave organize } } }",
                    json!({ "c": c }),
                )
                .await;
            r["volunteerGroups"][0]["viewerCan"].clone()
        }
    };
    assert_eq!(
        can(w.token(CHEN)).await,
        json!({ "join": false, "leave": false, "organize": false })
    );
    let r = create_raw(
        &app,
        w.token(CHEN),
        input(&w.community_id, 48, json!({ "groupId": group })),
    )
    .await;
    assert_eq!(
        error_code(&r),
        "FORBIDDEN",
        "a leader without the role: {r}"
    );
    app.ok(
        Some(w.token(COMMITTEE)),
        "mutation($r:ID!){ grantRole(residentId:$r, role: ORGANIZER){ id } }",
        json!({ "r": w.person(CHEN).resident_id }),
    )
    .await;
    assert_eq!(
        can(w.token(CHEN)).await,
        json!({ "join": false, "leave": false, "organize": true })
    );
    let r = create_raw(
        &app,
        w.token(CHEN),
        input(&w.community_id, 48, json!({ "groupId": group })),
    )
    .await;
    assert!(
        r.get("errors").is_none(),
        "the leader, now an organizer: {r}"
    );
    assert_eq!(
        can(w.token(LI)).await,
        json!({ "join": false, "leave": true, "organize": false })
    );
    assert_eq!(
        can(w.token(ZHANG)).await,
        json!({ "join": true, "leave": false, "organize": false })
    );
    assert_eq!(
        can(w.token(COMMITTEE)).await,
        json!({ "join": true, "leave": false, "organize": true })
    );
    let leave =
        "mutation($g:ID!){ leaveVolunteerGroup(groupId:$g){ members { name } viewerIsMember } }";
    let r = app
        .gql(Some(w.token(CHEN)), leave, json!({ "g": group }))
        .await;
    assert_eq!(error_code(&r), "INVALID_STATE", "the leader stays: {r}");
    let r = app
        .ok(Some(w.token(LI)), leave, json!({ "g": group }))
        .await;
    assert_eq!(
        r["leaveVolunteerGroup"]["members"],
        json!([{ "name": "陈静" }]),
        "{r}"
    );
    assert_eq!(r["leaveVolunteerGroup"]["viewerIsMember"], false);
}

/// The committee creates a volunteer group `name` led by `leader`; its id.
pub async fn new_group(app: &TestApp, w: &World, name: &str, leader: &str) -> String {
    s(&app
        .ok(
            Some(w.token(COMMITTEE)),
            "mutation($c:ID!,$n:String!,$l:ID!){ createVolunteerGroup(communityId:$c, name:$n, leaderId:$l){ id } }",
            json!({ "c": w.community_id, "n": name, "l": w.person(leader).resident_id }),
        )
        .await["createVolunteerGroup"]["id"])
}

/// `setVolunteerGroupLeader` with `groupId` and `residentId`, answering the group as the caller
/// sees it.
pub const SET_LEADER: &str =
    "mutation($g:ID!,$r:ID!){ setVolunteerGroupLeader(groupId:$g, residentId:$r){ \
     leader { name } members { name } viewerCan { appointLeader } } }";

#[tokio::test]
async fn the_committee_replaces_a_leader_who_moved_out_and_the_one_who_steps_down_may_leave() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let group = new_group(&app, &w, "夕阳红志愿队", CHEN).await;
    app.ok(
        Some(w.token(LI)),
        "mutation($g:ID!){ joinVolunteerGroup(groupId:$g){ id } }",
        json!({ "g": group }),
    )
    .await;
    let groups = |token: String| {
        let (app, c) = (&app, w.community_id.clone());
        async move {
            app.ok(
                Some(&token),
                "query($c:ID!){ volunteerGroups(communityId:$c){ leader { name } members { name } \
                 viewerCan { leave appointLeader } } }",
                json!({ "c": c }),
            )
            .await["volunteerGroups"][0]
                .clone()
        }
    };
    // The server says who may name a leader: the committee, not the leader or a member.
    for (phone, may) in [(COMMITTEE, true), (CHEN, false), (LI, false)] {
        let g = groups(w.token(phone).to_owned()).await;
        assert_eq!(g["viewerCan"]["appointLeader"], may, "{phone}: {g}");
    }
    // Neither the leader nor a member may hand the group over, and nothing changes.
    for phone in [CHEN, LI] {
        let r = app
            .gql(
                Some(w.token(phone)),
                SET_LEADER,
                json!({ "g": group, "r": w.person(LI).resident_id }),
            )
            .await;
        assert_eq!(error_code(&r), "FORBIDDEN", "{phone}: {r}");
    }
    assert_eq!(
        groups(w.token(LI).to_owned()).await["leader"]["name"],
        "陈静"
    );

    // 陈静 steps down: the committee names 张伟, who was not in the group and now is; she stays a
    // member, and may now leave.
    let r = app
        .ok(
            Some(w.token(COMMITTEE)),
            SET_LEADER,
            json!({ "g": group, "r": w.person(ZHANG).resident_id }),
        )
        .await;
    assert_eq!(
        r["setVolunteerGroupLeader"]["leader"]["name"], "张伟",
        "{r}"
    );
    assert_eq!(
        r["setVolunteerGroupLeader"]["members"],
        json!([{ "name": "陈静" }, { "name": "李秀英" }, { "name": "张伟" }])
    );
    assert_eq!(
        groups(w.token(CHEN).to_owned()).await["viewerCan"]["leave"],
        true
    );
    app.ok(
        Some(w.token(CHEN)),
        "mutation($g:ID!){ leaveVolunteerGroup(groupId:$g){ id } }",
        json!({ "g": group }),
    )
    .await;
    let r = app
        .gql(
            Some(w.token(ZHANG)),
            "mutation($g:ID!){ leaveVolunteerGroup(groupId:$g){ id } }",
            json!({ "g": group }),
        )
        .await;
    assert_eq!(error_code(&r), "INVALID_STATE", "the new leader stays: {r}");
    // Naming the leader the group already has changes nothing (and is not audited again).
    app.ok(
        Some(w.token(COMMITTEE)),
        SET_LEADER,
        json!({ "g": group, "r": w.person(ZHANG).resident_id }),
    )
    .await;

    // 张伟 moves out: he is no longer listed, and no longer a possible leader; the committee
    // names 李秀英 in his place.
    app.ok(
        Some(w.token(COMMITTEE)),
        "mutation($r:ID!){ deactivateResident(residentId:$r){ id } }",
        json!({ "r": w.person(ZHANG).resident_id }),
    )
    .await;
    for (who, id) in [
        ("moved out", w.person(ZHANG).resident_id.clone()),
        ("no such resident", "no-such-resident".to_owned()),
    ] {
        let r = app
            .gql(
                Some(w.token(COMMITTEE)),
                SET_LEADER,
                json!({ "g": group, "r": id }),
            )
            .await;
        assert_eq!(error_code(&r), "BAD_USER_INPUT", "{who}: {r}");
        assert_eq!(r["errors"][0]["extensions"]["field"], "residentId", "{who}");
    }
    let r = app
        .ok(
            Some(w.token(COMMITTEE)),
            SET_LEADER,
            json!({ "g": group, "r": w.person(LI).resident_id }),
        )
        .await;
    assert_eq!(
        r["setVolunteerGroupLeader"]["leader"]["name"], "李秀英",
        "{r}"
    );
    assert_eq!(
        r["setVolunteerGroupLeader"]["members"],
        json!([{ "name": "李秀英" }])
    );
    // Two appointments, two audit entries naming the group.
    let audited = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq(entity::audit_log::AuditAction::GroupLeader))
        .filter(entity::audit_log::Column::Subject.eq(group.clone()))
        .count(app.db())
        .await
        .unwrap_or(0);
    assert_eq!(audited, 2);
}

#[tokio::test]
async fn a_page_of_events_or_registrations_costs_the_same_statements_at_five_and_at_fifty() {
    // Background jobs slowed: their statements would be counted too.
    let app = TestApp::spawn_quiet().await;
    let w = app.community().await;
    let tokens = crowd(&app, &w, 6).await;
    let mut ids = Vec::new();
    for h in 0..7 {
        let id = create(
            &app,
            &w,
            24 + h,
            json!({ "capacity": 2, "volunteerHours": "1" }),
        )
        .await;
        for t in &tokens {
            sign_up(&app, t, &id, 0).await;
        }
        ids.push(id);
    }
    let q = format!(
        "query($c:ID!,$n:Int!){{ events(communityId:$c, first:$n){{ nodes {{ {EVENT} organizer {{ name }} }} }} }}"
    );
    let (five, r5) = app
        .statements_of(Some(&tokens[5]), &q, json!({ "c": w.community_id, "n": 5 }))
        .await;
    let (fifty, r50) = app
        .statements_of(
            Some(&tokens[5]),
            &q,
            json!({ "c": w.community_id, "n": 50 }),
        )
        .await;
    assert_eq!(
        r50["data"]["events"]["nodes"].as_array().map(Vec::len),
        Some(7),
        "{r50}"
    );
    assert!(r5.get("errors").is_none(), "{r5}");
    assert_eq!(five.len(), fifty.len(), "5: {five:#?}\n50: {fifty:#?}");
    let q = format!(
        "query($e:ID!,$n:Int!){{ event(id:$e){{ registrations(first:$n){{ nodes {{ {REG} resident {{ name }} }} }} }} }}"
    );
    // Three: the confirmed two and one waitlisted (whose position is read).
    let (two, _) = app
        .statements_of(Some(w.token(ORGANIZER)), &q, json!({ "e": ids[0], "n": 3 }))
        .await;
    let (all, r) = app
        .statements_of(
            Some(w.token(ORGANIZER)),
            &q,
            json!({ "e": ids[0], "n": 50 }),
        )
        .await;
    assert_eq!(
        r["data"]["event"]["registrations"]["nodes"]
            .as_array()
            .map(Vec::len),
        Some(6),
        "{r}"
    );
    assert_eq!(two.len(), all.len(), "2: {two:#?}\n50: {all:#?}");

    // Every field of an event and of a registration, not only the portal's.
    let types = crate::reads::schema_types(&app, &tokens[5]).await;
    let every = |t: &str| -> Vec<(String, String)> {
        crate::reads::field_selections(&types, t, 2)
            .into_iter()
            .map(|(n, s)| (format!("{t}.{n}"), s))
            .collect()
    };
    let events = "query($c:ID!,$n:Int){ events(communityId:$c, first:$n){ nodes { id {sel} } } }";
    let mine =
        "query($c:ID!,$n:Int){ myRegistrations(communityId:$c, first:$n){ nodes { id {sel} } } }";
    let of_event =
        "query($e:ID!,$n:Int){ event(id:$e){ registrations(first:$n){ nodes { id {sel} } } } }";
    let c = json!({ "c": w.community_id });
    let mut differ = Vec::new();
    // An event's page of three holds a waitlisted registration (its position is read once).
    for (token, list, vars, kind, sizes) in [
        (tokens[5].as_str(), events, &c, "Event", (1, 7)),
        (w.token(ORGANIZER), events, &c, "Event", (1, 7)),
        (tokens[5].as_str(), mine, &c, "Registration", (1, 7)),
        (
            w.token(ORGANIZER),
            of_event,
            &json!({ "e": ids[0] }),
            "Registration",
            (3, 6),
        ),
    ] {
        let cases = every(kind);
        assert!(cases.len() >= 8, "{kind}: {cases:?}");
        let (grows, bounded) =
            crate::reads::per_item_statements(&app, token, list, vars, &cases, sizes).await;
        differ.extend(grows);
        assert!(bounded.is_empty(), "{bounded:?}");
    }
    assert!(
        differ.is_empty(),
        "per-item statements:\n{}",
        differ.join("\n")
    );
}

#[tokio::test]
async fn the_demo_seeds_a_full_event_with_a_waitlist_an_open_one_and_a_past_one_with_hours() {
    let app = TestApp::spawn_with(|s| s.job_interval_ms = 3_600_000).await;
    api::demo::seed_and_print(&app.state, app.port)
        .await
        .unwrap_or_else(|e| panic!("demo seed: {e}"));
    // 杨明 (13800000006) signed up for the full event, swept and planted trees.
    let token = app.sign_in("13800000006", api::demo::DEMO_PASSWORD).await;
    let community = app
        .ok(Some(&token), "{ communities { id } }", json!({}))
        .await["communities"][0]["id"]
        .clone();
    let r = app
        .ok(
            Some(&token),
            "query($c:ID!){ upcoming: events(communityId:$c, first:10){ nodes { title capacity seatsTaken waitlistCount phase } } \
             past: events(communityId:$c, past:true, first:10){ nodes { title phase } } \
             volunteerHours(communityId:$c) \
             needsMe(communityId:$c){ events { status event { title } } } \
             volunteerGroups(communityId:$c){ name leader { name } viewerIsMember } }",
            json!({ "c": community }),
        )
        .await;
    let upcoming = r["upcoming"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let full = upcoming
        .iter()
        .find(|e| e["title"] == "重阳节联欢会")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (
            full["capacity"].clone(),
            full["seatsTaken"].clone(),
            full["waitlistCount"].clone()
        ),
        (json!(4), json!(4), json!(2)),
        "{r}"
    );
    assert!(upcoming
        .iter()
        .any(|e| e["phase"] == "SIGNUP_OPEN" && e["seatsTaken"].as_i64() < e["capacity"].as_i64()));
    assert_eq!(
        r["past"]["nodes"],
        json!([{ "title": "植树护绿志愿活动", "phase": "ENDED" }]),
        "{r}"
    );
    assert_eq!(r["volunteerHours"], "3");
    assert_eq!(r["volunteerGroups"][0]["leader"]["name"], "刘芳");
    assert_eq!(r["volunteerGroups"][0]["viewerIsMember"], true);
    let next: Vec<String> = r["needsMe"]["events"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|x| s(&x["event"]["title"]))
        .collect();
    assert_eq!(next, vec!["周末楼道清扫", "重阳节联欢会"], "{r}");
    // The past event shows attendance and a no-show to its organizer.
    let organizer = app.sign_in("13800000004", api::demo::DEMO_PASSWORD).await;
    let past = app
        .ok(
            Some(&organizer),
            "query($c:ID!){ events(communityId:$c, past:true, first:1){ nodes { id } } }",
            json!({ "c": community }),
        )
        .await;
    let id = s(&past["events"]["nodes"][0]["id"]);
    // A list does not read each event's registrations (that would cost statements per event).
    let r = app
        .gql(
            Some(&organizer),
            "query($c:ID!){ events(communityId:$c, past:true, first:1){ nodes { registrations(first:10){ nodes { status } } } } }",
            json!({ "c": community }),
        )
        .await;
    assert_eq!(error_code(&r), "BAD_USER_INPUT", "{r}");
    let past = app
        .ok(
            Some(&organizer),
            "query($e:ID!){ event(id:$e){ registrations(first:10){ nodes { status } } } }",
            json!({ "e": id }),
        )
        .await;
    let statuses: Vec<String> = past["event"]["registrations"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|x| s(&x["status"]))
        .collect();
    assert_eq!(
        statuses,
        vec!["ATTENDED", "ATTENDED", "ATTENDED", "NO_SHOW"],
        "{past}"
    );
}

/// A rush answers thousands of sign-ups: one costs a fixed handful of statements, and its
/// answer (built from what the act holds, not read again) is what a fresh read shows right
/// after it, for a plain resident, the group's leader and the committee alike.
#[tokio::test]
async fn a_sign_up_stays_within_its_statement_budget_and_answers_what_a_fresh_read_shows() {
    let app = TestApp::spawn_quiet().await;
    let w = app.community().await;
    let group = app
        .ok(
            Some(w.token(COMMITTEE)),
            "mutation($c:ID!,$l:ID!){ createVolunteerGroup(communityId:$c, name:\"护绿队\", leaderId:$l){ id } }",
            json!({ "c": w.community_id, "l": w.person(ORGANIZER).resident_id }),
        )
        .await["createVolunteerGroup"]["id"]
        .clone();
    let r = create_raw(
        &app,
        w.token(COMMITTEE),
        input(
            &w.community_id,
            24,
            json!({ "capacity": 2, "companionsAllowed": 1, "groupId": group }),
        ),
    )
    .await;
    let id = s(&r["data"]["createEvent"]["id"]);
    assert!(!id.is_empty(), "{r}");
    let tokens = crowd(&app, &w, 1).await;
    let fields = format!(
        "{REG} checkInQrSvg resident {{ name }} event {{ {EVENT} organizer {{ name }} group {{ name }} }}"
    );
    let sign_up_q =
        format!("mutation($e:ID!,$c:Int){{ signUp(eventId:$e, companions:$c){{ {fields} }} }}");
    let read_q = format!(
        "query($e:ID!){{ event(id:$e){{ {EVENT} organizer {{ name }} group {{ name }} \
         viewerRegistration {{ {REG} checkInQrSvg resident {{ name }} }} }} }}"
    );
    // 李秀英 takes both seats with a companion; the leader, the committee and a neighbour wait.
    let who = [
        (w.token(LI).to_owned(), 1, "CONFIRMED", None),
        (w.token(ORGANIZER).to_owned(), 0, "WAITLISTED", Some(1)),
        (w.token(COMMITTEE).to_owned(), 0, "WAITLISTED", Some(2)),
        (tokens[0].clone(), 1, "WAITLISTED", Some(3)),
    ];
    for (token, companions, status, position) in who {
        let (ran, resp) = app
            .statements_of(
                Some(&token),
                &sign_up_q,
                json!({ "e": id, "c": companions }),
            )
            .await;
        assert!(resp.get("errors").is_none(), "{resp}");
        // the account with its session and places (one); the write limit; in the transaction
        // the event (locked), the resident's active registration, a free code, the insert, the
        // counters, the notification and its outbox row; after it the organizer's name and the
        // group (the viewer's roles were loaded with the account). The notify to other replicas
        // on PostgreSQL is the bus's, not counted (`statements_of`).
        let budget = 11;
        assert!(
            ran.len() <= budget,
            "a sign-up ran {} statements: {ran:#?}",
            ran.len()
        );
        let mut answer = resp["data"]["signUp"].clone();
        assert_eq!(answer["status"], status, "{answer}");
        assert_eq!(answer["waitlistPosition"], json!(position), "{answer}");
        let fresh = app.ok(Some(&token), &read_q, json!({ "e": id })).await;
        // The answer's event against the fresh event, the answer's registration against the
        // fresh one (each without the other's nesting).
        let mut fresh_event = fresh["event"].clone();
        let mut mine = fresh_event["viewerRegistration"].take();
        let mut answered_event = answer["event"].take();
        answered_event["viewerRegistration"] = Value::Null;
        mine["event"] = Value::Null;
        assert_eq!(
            answered_event, fresh_event,
            "signUp's event differs from a fresh read"
        );
        assert_eq!(
            answer, mine,
            "signUp's registration differs from a fresh read"
        );
    }
}
