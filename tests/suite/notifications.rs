//! The inbox (DESIGN §8): connection newest first, unread count, marking read, the live
//! `notificationAdded` subscription over graphql-transport-ws, and the outbox.

use std::collections::BTreeSet;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, http::HeaderValue, Message};

use crate::harness::*;

const NEIGHBOUR: &str = "13800000005";
const GRANT: &str = "mutation($r:ID!,$role:Role!){ grantRole(residentId:$r, role:$role){ id } }";
const REVOKE: &str = "mutation($r:ID!,$role:Role!){ revokeRole(residentId:$r, role:$role){ id } }";
const INBOX: &str = "query($first:Int,$after:String){ notifications(first:$first, after:$after){ pageInfo { hasNextPage hasPreviousPage endCursor } nodes { id kind params communityId createdAt read } } }";
const UNREAD: &str = "{ unreadNotificationCount }";
const MARK: &str = "mutation($id:ID!){ markNotificationRead(id:$id){ id read } }";
const MARK_ALL: &str = "mutation { markAllNotificationsRead }";

async fn set_role(app: &TestApp, w: &World, phone: &str, role: &str, on: bool) {
    app.ok(
        Some(w.token(COMMITTEE)),
        if on { GRANT } else { REVOKE },
        json!({ "r": w.person(phone).resident_id, "role": role }),
    )
    .await;
}

async fn inbox_all(app: &TestApp, token: &str) -> Vec<Value> {
    app.ok(Some(token), INBOX, json!({ "first": 100 })).await["notifications"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn unread(app: &TestApp, token: &str) -> i64 {
    app.ok(Some(token), UNREAD, json!({})).await["unreadNotificationCount"]
        .as_i64()
        .unwrap_or(-1)
}

fn param(n: &Value, key: &str) -> String {
    let p: Value =
        serde_json::from_str(n["params"].as_str().unwrap_or_default()).unwrap_or_default();
    p[key].as_str().unwrap_or_default().to_owned()
}

/// (kind, role) of each notification, in order.
fn summary(list: &[Value]) -> Vec<(String, String)> {
    list.iter()
        .map(|n| {
            (
                n["kind"].as_str().unwrap_or_default().to_owned(),
                param(n, "role"),
            )
        })
        .collect()
}

/// Five notifications for RESIDENT, oldest first: +MEDIATOR, -MEDIATOR, +ORGANIZER, -ORGANIZER, +MEDIATOR.
async fn five_notifications(app: &TestApp, w: &World) -> Vec<(String, String)> {
    let steps = [
        ("MEDIATOR", true),
        ("MEDIATOR", false),
        ("ORGANIZER", true),
        ("ORGANIZER", false),
        ("MEDIATOR", true),
    ];
    let mut expected = Vec::new();
    for (role, on) in steps {
        set_role(app, w, RESIDENT, role, on).await;
        let kind = if on { "ROLE_GRANTED" } else { "ROLE_REVOKED" };
        expected.push((kind.to_owned(), role.to_owned()));
    }
    expected.reverse();
    expected
}

#[tokio::test]
async fn the_inbox_lists_newest_first_and_pages_with_a_cursor() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let newest_first = five_notifications(&app, &w).await;
    let token = w.token(RESIDENT).to_owned();

    let mut pages = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app
            .ok(Some(&token), INBOX, json!({ "first": 2, "after": after }))
            .await;
        let conn = data["notifications"].clone();
        let nodes = conn["nodes"].as_array().cloned().unwrap_or_default();
        assert_eq!(conn["pageInfo"]["hasPreviousPage"], !pages.is_empty());
        pages.push(nodes);
        if conn["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
        assert!(pages.len() < 5, "pagination does not end");
    }

    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![2, 2, 1]
    );
    let all: Vec<Value> = pages.concat();
    assert_eq!(summary(&all), newest_first);
    let ids: BTreeSet<&str> = all.iter().filter_map(|n| n["id"].as_str()).collect();
    assert_eq!(ids.len(), 5, "an item appeared twice");
    let times: Vec<chrono::DateTime<chrono::Utc>> = all
        .iter()
        .map(|n| {
            n["createdAt"]
                .as_str()
                .unwrap_or_default()
                .parse()
                .unwrap_or_else(|e| panic!("createdAt is not RFC 3339: {e}"))
        })
        .collect();
    assert!(
        times.windows(2).all(|p| p[0] >= p[1]),
        "not newest first: {times:?}"
    );
    for n in &all {
        assert_eq!(n["communityId"], w.community_id.as_str());
        assert_eq!(param(n, "community"), "测试社区");
    }
    // One page of everything gives the same order; others' inboxes are empty.
    assert_eq!(summary(&inbox_all(&app, &token).await), newest_first);
    assert!(inbox_all(&app, w.token(NEIGHBOUR)).await.is_empty());
}

#[tokio::test]
async fn the_unread_count_falls_as_notifications_are_read() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let token = w.token(RESIDENT).to_owned();
    assert_eq!(unread(&app, &token).await, 0);
    five_notifications(&app, &w).await;
    assert_eq!(unread(&app, &token).await, 5);
    let first = inbox_all(&app, &token).await[0].clone();

    let marked = app
        .ok(Some(&token), MARK, json!({ "id": first["id"] }))
        .await;

    assert_eq!(marked["markNotificationRead"]["read"], true);
    assert_eq!(unread(&app, &token).await, 4);
    // Marking it again changes nothing.
    app.ok(Some(&token), MARK, json!({ "id": first["id"] }))
        .await;
    assert_eq!(unread(&app, &token).await, 4);
    let list = inbox_all(&app, &token).await;
    assert_eq!(list[0]["read"], true);
    assert_eq!(list[1]["read"], false);

    let all = app.ok(Some(&token), MARK_ALL, json!({})).await;

    assert_eq!(all["markAllNotificationsRead"], 4);
    assert_eq!(unread(&app, &token).await, 0);
    assert!(inbox_all(&app, &token)
        .await
        .iter()
        .all(|n| n["read"] == true));
    let again = app.ok(Some(&token), MARK_ALL, json!({})).await;
    assert_eq!(again["markAllNotificationsRead"], 0);
}

#[tokio::test]
async fn another_accounts_notification_is_not_found() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    set_role(&app, &w, RESIDENT, "ORGANIZER", true).await;
    set_role(&app, &w, NEIGHBOUR, "ORGANIZER", true).await;
    let theirs = inbox_all(&app, w.token(RESIDENT)).await[0].clone();

    for token in [w.token(NEIGHBOUR), w.token(COMMITTEE), w.admin.as_str()] {
        let resp = app
            .gql(Some(token), MARK, json!({ "id": theirs["id"] }))
            .await;
        assert_eq!(error_code(&resp), "NOT_FOUND", "{resp}");
    }
    assert_eq!(
        app.err_code(
            Some(w.token(RESIDENT)),
            MARK,
            json!({ "id": uuid::Uuid::new_v4().to_string() })
        )
        .await,
        "NOT_FOUND"
    );
    // Marking all of one's own does not touch anybody else's.
    let mine = app.ok(Some(w.token(NEIGHBOUR)), MARK_ALL, json!({})).await;
    assert_eq!(mine["markAllNotificationsRead"], 1);
    assert_eq!(unread(&app, w.token(RESIDENT)).await, 1);
    assert_eq!(inbox_all(&app, w.token(RESIDENT)).await[0]["read"], false);
}

// ---------------------------------------------------------------------------------------------
// The live subscription.

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const SUBSCRIPTION: &str = "subscription { notificationAdded { id kind params } }";

/// The next graphql-transport-ws message (answering pings), or None after `wait`.
async fn next_message(ws: &mut Ws, wait: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next()).await.ok()??;
        match msg {
            Ok(Message::Text(text)) => {
                let v: Value = serde_json::from_str(text.as_str())
                    .unwrap_or_else(|e| panic!("not JSON: {text}: {e}"));
                if v["type"] == "ping" {
                    let _ = ws
                        .send(Message::text(json!({"type": "pong"}).to_string()))
                        .await;
                    continue;
                }
                return Some(v);
            }
            Ok(Message::Close(frame)) => panic!("the server closed the socket: {frame:?}"),
            Ok(_) => continue,
            Err(e) => panic!("websocket error: {e}"),
        }
    }
}

/// The next `notificationAdded` payload, or None after `wait`.
async fn next_notification(ws: &mut Ws, wait: Duration) -> Option<Value> {
    let msg = next_message(ws, wait).await?;
    assert_eq!(msg["type"], "next", "unexpected message: {msg}");
    assert!(msg["payload"].get("errors").is_none(), "{msg}");
    Some(msg["payload"]["data"]["notificationAdded"].clone())
}

/// Opens /graphql/ws, authenticates with `token` (if any) and waits for the ack.
async fn connect(app: &TestApp, token: Option<&str>) -> Ws {
    let mut req = format!("ws://127.0.0.1:{}/graphql/ws", app.port)
        .into_client_request()
        .unwrap_or_else(|e| panic!("bad websocket url: {e}"));
    req.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let connected = tokio::time::timeout(
        Duration::from_secs(10),
        tokio_tungstenite::connect_async(req),
    )
    .await;
    let (mut ws, _) = match connected {
        Ok(Ok(ws)) => ws,
        Ok(Err(e)) => panic!("websocket connect failed: {e}"),
        Err(_) => panic!("websocket connect timed out"),
    };
    let payload = match token {
        Some(t) => json!({ "Authorization": format!("Bearer {t}") }),
        None => json!({}),
    };
    ws.send(Message::text(
        json!({ "type": "connection_init", "payload": payload }).to_string(),
    ))
    .await
    .unwrap_or_else(|e| panic!("send connection_init: {e}"));
    let ack = next_message(&mut ws, Duration::from_secs(10)).await;
    assert_eq!(
        ack.as_ref().map(|a| a["type"].clone()),
        Some(json!("connection_ack")),
        "{ack:?}"
    );
    ws
}

async fn subscribe(ws: &mut Ws) {
    ws.send(Message::text(
        json!({ "id": "1", "type": "subscribe", "payload": { "query": SUBSCRIPTION } }).to_string(),
    ))
    .await
    .unwrap_or_else(|e| panic!("send subscribe: {e}"));
}

/// A signed-in subscriber whose subscription is proven live: the protocol does not confirm a
/// subscription, so MEDIATOR is toggled for this resident until one of its notifications arrives.
/// Returns the ids of the probe notifications received.
async fn live_subscriber(app: &TestApp, w: &World, phone: &str) -> (Ws, BTreeSet<String>) {
    let mut ws = connect(app, Some(w.token(phone))).await;
    subscribe(&mut ws).await;
    let mut held = false;
    for _ in 0..10 {
        held = !held;
        set_role(app, w, phone, "MEDIATOR", held).await;
        if let Some(n) = next_notification(&mut ws, Duration::from_secs(2)).await {
            assert_eq!(param(&n, "role"), "MEDIATOR", "{n}");
            if held {
                set_role(app, w, phone, "MEDIATOR", false).await;
            }
            let mut probes = BTreeSet::new();
            probes.insert(n["id"].as_str().unwrap_or_default().to_owned());
            return (ws, probes);
        }
    }
    panic!("the subscription of {phone} never delivered a notification");
}

/// Reads notifications until one with `role` arrives (bounded); returns it and the ids seen before.
async fn wait_for_role(ws: &mut Ws, role: &str) -> (Value, Vec<String>) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut before = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let n = next_notification(ws, left)
            .await
            .unwrap_or_else(|| panic!("no {role} notification within 10 s (saw {before:?})"));
        if param(&n, "role") == role {
            return (n, before);
        }
        before.push(n["id"].as_str().unwrap_or_default().to_owned());
    }
}

#[tokio::test]
async fn a_new_notification_arrives_on_the_live_subscription_of_its_owner_only() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let (mut mine, _) = live_subscriber(&app, &w, RESIDENT).await;
    let (mut theirs, _) = live_subscriber(&app, &w, NEIGHBOUR).await;

    set_role(&app, &w, RESIDENT, "ORGANIZER", true).await;

    let (got, _) = wait_for_role(&mut mine, "ORGANIZER").await;
    assert_eq!(got["kind"], "ROLE_GRANTED");
    assert_eq!(param(&got, "community"), "测试社区");
    let newest = inbox_all(&app, w.token(RESIDENT)).await[0].clone();
    assert_eq!(got["id"], newest["id"], "the live item is the inbox item");

    // A marker for the neighbour: everything it receives up to the marker must be its own.
    set_role(&app, &w, NEIGHBOUR, "ORGANIZER", true).await;
    let (marker, seen_before) = wait_for_role(&mut theirs, "ORGANIZER").await;
    let own: BTreeSet<String> = inbox_all(&app, w.token(NEIGHBOUR))
        .await
        .iter()
        .filter_map(|n| n["id"].as_str().map(str::to_owned))
        .collect();
    assert!(
        own.contains(marker["id"].as_str().unwrap_or_default()),
        "the neighbour received someone else's notification: {marker}"
    );
    for id in &seen_before {
        assert!(own.contains(id), "the neighbour received {id}, not theirs");
    }
    assert_ne!(marker["id"], got["id"]);
}

#[tokio::test]
async fn a_subscription_without_a_valid_token_is_refused() {
    let app = TestApp::spawn().await;
    for token in [None, Some("not-a-token")] {
        let mut ws = connect(&app, token).await;
        subscribe(&mut ws).await;
        let msg = next_message(&mut ws, Duration::from_secs(10))
            .await
            .unwrap_or_else(|| panic!("no answer to an anonymous subscription"));
        let errors = match msg["type"].as_str() {
            Some("error") => msg["payload"].clone(),
            Some("next") => msg["payload"]["errors"].clone(),
            _ => panic!("unexpected message: {msg}"),
        };
        assert_eq!(
            errors[0]["extensions"]["code"], "UNAUTHENTICATED",
            "{token:?}: {msg}"
        );
    }
}

#[tokio::test]
async fn every_notification_has_an_outbox_row_that_the_sender_delivers() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    set_role(&app, &w, RESIDENT, "ORGANIZER", true).await;
    set_role(&app, &w, RESIDENT, "ORGANIZER", false).await;
    set_role(&app, &w, NEIGHBOUR, "MEDIATOR", true).await;
    let mut ids: Vec<String> = Vec::new();
    for phone in [RESIDENT, NEIGHBOUR] {
        ids.extend(
            inbox_all(&app, w.token(phone))
                .await
                .iter()
                .filter_map(|n| n["id"].as_str().map(str::to_owned)),
        );
    }
    assert_eq!(ids.len(), 3);

    // The background sender ticks every 5 s; allow it four ticks.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let rows = loop {
        let rows = entity::outbox::Entity::find()
            .filter(entity::outbox::Column::NotificationId.is_in(ids.clone()))
            .all(app.db())
            .await
            .unwrap_or_else(|e| panic!("outbox query failed: {e}"));
        if rows.len() == ids.len()
            && rows
                .iter()
                .all(|r| r.status == entity::outbox::OutboxStatus::Sent)
        {
            break rows;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "outbox not delivered within 20 s: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };

    let per_notification: BTreeSet<&str> =
        rows.iter().map(|r| r.notification_id.as_str()).collect();
    assert_eq!(per_notification.len(), 3, "one outbox row per notification");
    for r in &rows {
        assert!(r.sent_at.is_some(), "{r:?}");
        assert_eq!(r.attempts, 1, "sent once: {r:?}");
    }
}

/// DESIGN §9: notification kinds are a GraphQL enum, never a free string, so a client can know
/// every kind it must render.
#[tokio::test]
async fn notification_kind_is_an_enum_of_every_kind_the_server_sends() {
    let app = TestApp::spawn().await;
    let data = app
        .ok(
            None,
            r#"{ t: __type(name: "Notification") { fields { name type { kind ofType { kind name } } } }
                 k: __type(name: "NotificationKind") { kind enumValues { name } } }"#,
            json!({}),
        )
        .await;
    let kind = data["t"]["fields"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .find(|f| f["name"] == "kind")
        .unwrap_or_default();
    assert_eq!(kind["type"]["kind"], "NON_NULL");
    assert_eq!(kind["type"]["ofType"]["kind"], "ENUM");
    assert_eq!(kind["type"]["ofType"]["name"], "NotificationKind");
    let values: Vec<String> = data["k"]["enumValues"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v["name"].as_str().map(str::to_owned))
        .collect();
    for sent in [
        "ROLE_GRANTED",
        "ROLE_REVOKED",
        "TOPIC_UNDER_REVIEW",
        "TOPIC_ACCEPTED",
        "TOPIC_REJECTED",
        "TOPIC_VOTING",
        "TOPIC_COMPLETED",
        "COMMENT_HIDDEN",
        "BALLOT_OPENED",
        "BALLOT_CLOSING_SOON",
        "BALLOT_EXTENDED",
        "BALLOT_CANCELLED",
        "BALLOT_RESULT",
    ] {
        assert!(
            values.iter().any(|v| v == sent),
            "{sent} missing: {values:?}"
        );
    }
}

/// A large backlog (opening a ballot for thousands of households queues an SMS each) is sent in
/// batches, not 100 rows per run of the background job, and two replicas draining it at once
/// still send each message exactly once.
#[tokio::test]
async fn a_large_outbox_backlog_is_sent_in_one_run_and_each_message_once_across_replicas() {
    const QUEUED: usize = 1_200;
    let app = TestApp::spawn_with(|s| s.job_interval_ms = 3_600_000).await;
    let w = app.community().await;
    let me = app
        .ok(Some(w.token(RESIDENT)), "{ me { id } }", json!({}))
        .await;
    let account = me["me"]["id"].as_str().unwrap_or_default().to_owned();
    let queued = api::domain::notify::emit_many(
        app.db(),
        &vec![account; QUEUED],
        Some(&w.community_id),
        api::domain::notify::NotificationKind::BallotOpened,
        json!({}),
    )
    .await
    .unwrap_or_else(|e| panic!("emit: {}", e.describe()));
    assert_eq!(queued.len(), QUEUED);
    let ids: Vec<String> = queued.iter().map(|p| p.notification_id.clone()).collect();

    // Two replicas' background jobs at the same moment: the second on a connection pool of its
    // own (on SQLite a pool is one connection, so one pool would only take turns).
    let other = api::db::connect(&app.state.settings.database_url)
        .await
        .unwrap_or_else(|e| panic!("second pool: {e:#}"));
    let (a, b) = tokio::join!(
        api::domain::notify::deliver_outbox(app.db()),
        api::domain::notify::deliver_outbox(&other)
    );
    let sent = a.unwrap_or_else(|e| panic!("run a: {}", e.describe()))
        + b.unwrap_or_else(|e| panic!("run b: {}", e.describe()));
    assert_eq!(
        sent, QUEUED,
        "each queued message is sent by exactly one run"
    );

    let mut rows = Vec::new();
    for chunk in ids.chunks(300) {
        rows.extend(
            entity::outbox::Entity::find()
                .filter(entity::outbox::Column::NotificationId.is_in(chunk.to_vec()))
                .all(app.db())
                .await
                .unwrap_or_else(|e| panic!("outbox query failed: {e}")),
        );
    }
    assert_eq!(rows.len(), QUEUED);
    for r in &rows {
        assert_eq!(r.status, entity::outbox::OutboxStatus::Sent, "{r:?}");
        assert_eq!(r.attempts, 1, "sent once: {r:?}");
        assert!(r.sent_at.is_some(), "{r:?}");
    }
    // Nothing is left for a later run.
    assert_eq!(
        api::domain::notify::deliver_outbox(app.db())
            .await
            .unwrap_or_else(|e| panic!("run c: {}", e.describe())),
        0
    );
}

/// Adds `n` owner households to the community, each with a resident signed up (rows written
/// directly: a roster import and `n` invite claims would take minutes).
async fn add_households(app: &TestApp, community_id: &str, n: usize) {
    use entity::{account, building, household, resident};
    use sea_orm::Set;
    let now = api::domain::now();
    let block = api::domain::new_id();
    building::Entity::insert(building::ActiveModel {
        id: Set(block.clone()),
        community_id: Set(community_id.to_owned()),
        name: Set("9栋".into()),
    })
    .exec(app.db())
    .await
    .unwrap_or_else(|e| panic!("building: {e}"));
    let ids: Vec<(String, String)> = (0..n)
        .map(|_| (api::domain::new_id(), api::domain::new_id()))
        .collect();
    for (c, chunk) in ids.chunks(250).enumerate() {
        let at = |j: usize| c * 250 + j;
        household::Entity::insert_many(chunk.iter().enumerate().map(|(j, (h, _))| {
            household::ActiveModel {
                id: Set(h.clone()),
                community_id: Set(community_id.to_owned()),
                building_id: Set(block.clone()),
                unit: Set(format!("{}", 10_000 + at(j))),
                area_centi: Set(8_000),
                owner: Set(true),
            }
        }))
        .exec(app.db())
        .await
        .unwrap_or_else(|e| panic!("households: {e}"));
        account::Entity::insert_many(chunk.iter().enumerate().map(|(j, (_, a))| {
            account::ActiveModel {
                id: Set(a.clone()),
                phone: Set(format!("137{:08}", 50_000 + at(j))),
                name: Set(format!("居民{}", at(j))),
                password_hash: Set(None),
                is_admin: Set(false),
                session_epoch: Set(0),
                created_at: Set(now),
            }
        }))
        .exec(app.db())
        .await
        .unwrap_or_else(|e| panic!("accounts: {e}"));
        resident::Entity::insert_many(chunk.iter().enumerate().map(|(j, (h, a))| {
            resident::ActiveModel {
                id: Set(api::domain::new_id()),
                account_id: Set(a.clone()),
                community_id: Set(community_id.to_owned()),
                household_id: Set(h.clone()),
                name: Set(format!("居民{}", at(j))),
                active: Set(true),
                created_at: Set(now),
                deactivated_at: Set(None),
                linked_at: Set(Some(now)),
            }
        }))
        .exec(app.db())
        .await
        .unwrap_or_else(|e| panic!("residents: {e}"));
    }
}

#[tokio::test]
async fn a_ballot_for_more_households_than_a_replicas_live_channel_holds_reaches_open_sockets() {
    // The bus's local channel holds 1,024 events: a notice to 1,500 households announced one
    // event per household overran it, which ended every live socket (and lost notices).
    let app = TestApp::spawn().await;
    let w = app.community().await;
    add_households(&app, &w.community_id, 1_500).await;
    let (mut mine, _) = live_subscriber(&app, &w, RESIDENT).await;
    let (mut neighbour, _) = live_subscriber(&app, &w, NEIGHBOUR).await;
    let topic = crate::build::TopicSpec::new("更换电梯", "2栋电梯老化，提议使用维修资金更换。")
        .propose(&app, w.token(COMMITTEE), &w.community_id)
        .await;
    let topic = topic["id"].as_str().unwrap_or_default().to_owned();
    let opened = app
        .ok(
            Some(w.token(COMMITTEE)),
            "mutation($i:OpenBallotInput!){ openBallot(input:$i){ id eligibleCount } }",
            json!({ "i": crate::build::BallotSpec::motion(&topic).input() }),
        )
        .await;
    assert!(
        opened["openBallot"]["eligibleCount"].as_i64().unwrap_or(0) > 1_500,
        "{opened}"
    );
    // (The probes' last notice may come first.)
    for (who, ws) in [("李秀英", &mut mine), ("陈静", &mut neighbour)] {
        let mut seen = Vec::new();
        loop {
            let n = next_notification(ws, Duration::from_secs(20))
                .await
                .unwrap_or_else(|| panic!("{who}: no notice of the ballot (saw {seen:?})"));
            if n["kind"] == "BALLOT_OPENED" {
                break;
            }
            seen.push(n["kind"].clone());
            assert!(seen.len() < 3, "{who}: {seen:?}");
        }
    }
    // Both sockets stay open: the next notice reaches each too.
    set_role(&app, &w, RESIDENT, "MEDIATOR", true).await;
    let (n, _) = wait_for_role(&mut mine, "MEDIATOR").await;
    assert_eq!(n["kind"], "ROLE_GRANTED", "{n}");
    set_role(&app, &w, NEIGHBOUR, "MEDIATOR", true).await;
    let (n, _) = wait_for_role(&mut neighbour, "MEDIATOR").await;
    assert_eq!(n["kind"], "ROLE_GRANTED", "{n}");
}
