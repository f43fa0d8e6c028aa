//! Attacks over the WebSocket (`/graphql/ws`): memory floods, too many sockets or
//! subscriptions, the HTTP limits bypassed, and subscriptions that outlive their session.

use crate::build::BallotSpec;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::Message;

use super::server::RealServer;
use crate::ballots::{
    deliberating_topic, open_ballot, option_id, phone, vote, voters, OWNERS_ROSTER,
};
use crate::harness::*;

const NOTIFICATIONS: &str = "subscription { notificationAdded { id kind } }";
const TALLY: &str = "subscription($b:ID!){ ballotTally(ballotId:$b){ turnoutCount } }";

/// A raw socket (no `connection_init` yet), optionally behind a forwarded-for address.
async fn raw_socket(port: u16, forwarded: Option<&str>) -> Result<Ws, String> {
    let mut req = format!("ws://127.0.0.1:{port}/graphql/ws")
        .into_client_request()
        .map_err(|e| e.to_string())?;
    req.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().map_err(|_| "header")?,
    );
    if let Some(f) = forwarded {
        req.headers_mut()
            .insert("X-Forwarded-For", f.parse().map_err(|_| "header")?);
    }
    tokio_tungstenite::connect_async(req)
        .await
        .map(|(ws, _)| ws)
        .map_err(|e| e.to_string())
}

async fn send(ws: &mut Ws, msg: Value) {
    ws.send(Message::text(msg.to_string()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

async fn init(ws: &mut Ws, token: Option<&str>) {
    let payload = match token {
        Some(t) => json!({ "Authorization": format!("Bearer {t}") }),
        None => json!({}),
    };
    send(ws, json!({ "type": "connection_init", "payload": payload })).await;
    let ack = next_json(ws, Duration::from_secs(10)).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
}

/// The next JSON message, or `{"closed": code}` when the server closes, or Null after `wait`.
async fn next_json(ws: &mut Ws, wait: Duration) -> Value {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => return Value::Null,
            Ok(None) => return json!({ "closed": null }),
            Ok(Some(Err(_))) => return json!({ "closed": null }),
            Ok(Some(Ok(Message::Close(frame)))) => {
                return json!({ "closed": frame.map(|f| u16::from(f.code)) })
            }
            Ok(Some(Ok(Message::Text(t)))) => {
                let v: Value = serde_json::from_str(&t).unwrap_or_default();
                if v["type"] == "ping" {
                    send(ws, json!({ "type": "pong" })).await;
                    continue;
                }
                return v;
            }
            Ok(Some(Ok(_))) => continue,
        }
    }
}

pub(super) async fn operation(ws: &mut Ws, id: &str, query: &str, variables: Value) -> Value {
    send(
        ws,
        json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } }),
    )
    .await;
    // The answer to this operation (a `complete` of an earlier one may come first).
    loop {
        let msg = next_json(ws, Duration::from_secs(10)).await;
        if msg.is_null() || msg.get("closed").is_some() {
            return msg;
        }
        if msg["id"] == id && msg["type"] != "complete" {
            return msg;
        }
    }
}

pub(super) fn ws_error_code(msg: &Value) -> String {
    let errors = match msg["type"].as_str() {
        Some("error") => &msg["payload"],
        _ => &msg["payload"]["errors"],
    };
    errors[0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<no code>")
        .to_owned()
}

/// One message sent as 120 MB of 60 KB continuation frames: the server stops reading at the
/// message cap and closes the socket; its memory does not follow the flood.
#[tokio::test]
async fn a_message_of_endless_continuation_frames_is_cut_off() {
    let mut server = RealServer::start(&[]).await;
    let before = server.peak_rss_mib();
    let mut ws = raw_socket(server.port, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let chunk = vec![b'a'; 60 * 1024];
    let first = Frame::message(chunk.clone(), OpCode::Data(Data::Text), false);
    let mut sent = 0usize;
    if ws.send(Message::Frame(first)).await.is_ok() {
        for _ in 0..2000 {
            let more = Frame::message(chunk.clone(), OpCode::Data(Data::Continue), false);
            if ws.send(Message::Frame(more)).await.is_err() {
                break;
            }
            sent += 1;
        }
    }
    let grown = server.peak_rss_mib().saturating_sub(before);
    assert!(grown < 64, "memory grew by {grown} MiB after {sent} frames");
    // The server gave up on the message at the cap and closed the socket (1009, too big).
    let closed = next_json(&mut ws, Duration::from_secs(10)).await;
    assert!(closed.get("closed").is_some(), "{closed}");
    if !closed["closed"].is_null() {
        assert_eq!(closed["closed"], 1009, "{closed}");
    }
    assert!(server.alive());
}

/// A single message over 64 KB closes the socket with 1009 (message too big).
#[tokio::test]
async fn an_oversized_message_closes_the_socket() {
    let app = TestApp::spawn().await;
    let mut ws = raw_socket(app.port, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    init(&mut ws, None).await;
    let big = "x".repeat(100 * 1024);
    let _ = ws
        .send(Message::text(
            json!({ "id": "1", "type": "subscribe", "payload": { "query": big } }).to_string(),
        ))
        .await;
    let msg = next_json(&mut ws, Duration::from_secs(10)).await;
    assert!(msg.get("closed").is_some(), "{msg}");
    assert_eq!(msg["closed"], 1009, "{msg}");
}

/// Sockets per address are capped; one that never says `connection_init` is closed (4408).
#[tokio::test]
async fn sockets_per_address_are_capped_and_silent_ones_closed() {
    let app = TestApp::spawn().await;
    let mut open = Vec::new();
    for _ in 0..16 {
        open.push(
            raw_socket(app.port, None)
                .await
                .unwrap_or_else(|e| panic!("{e}")),
        );
    }
    let refused = raw_socket(app.port, None).await;
    assert!(
        refused.is_err(),
        "a 17th socket from one address was accepted"
    );

    let closed = next_json(&mut open[0], Duration::from_secs(12)).await;
    assert_eq!(closed["closed"], 4408, "{closed}");
    drop(open);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        raw_socket(app.port, None).await.is_ok(),
        "closed sockets free their place"
    );
}

/// The HTTP limits hold over the socket: aliases, control characters, codes on every error, and
/// sign-in failures counted per client address (not one bucket for every socket).
#[tokio::test]
async fn the_socket_applies_the_http_limits_and_error_codes() {
    let app = TestApp::spawn_with(|s| {
        s.trust_proxy = true;
        s.max_failures_per_ip = 5;
        s.max_failures_per_phone = 1000;
    })
    .await;
    let w = app.community().await;
    let mut ws = raw_socket(app.port, Some("198.51.100.1"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    init(&mut ws, Some(w.token(RESIDENT))).await;

    let aliases: String = (0..200).map(|i| format!("a{i}: me {{ id }} ")).collect();
    let msg = operation(&mut ws, "1", &format!("{{ {aliases} }}"), json!({})).await;
    assert_eq!(ws_error_code(&msg), "BAD_USER_INPUT", "{msg}");

    let msg = operation(&mut ws, "2", "{ nosuchfield }", json!({})).await;
    assert_ne!(ws_error_code(&msg), "<no code>", "{msg}");

    let msg = operation(
        &mut ws,
        "3",
        "query($id:ID!){ topic(id:$id){ id } }",
        json!({ "id": "a\u{0}b" }),
    )
    .await;
    assert_eq!(ws_error_code(&msg), "BAD_USER_INPUT", "{msg}");

    let sign_in = "mutation($p:String!,$w:String!){ signIn(phone:$p,password:$w){ accessToken } }";
    let mut codes = Vec::new();
    for i in 0..8 {
        let msg = operation(
            &mut ws,
            &format!("s{i}"),
            sign_in,
            json!({ "p": RESIDENT, "w": "wrong" }),
        )
        .await;
        codes.push(ws_error_code(&msg));
        let _ = next_json(&mut ws, Duration::from_millis(200)).await; // complete
    }
    assert_eq!(
        codes.last().map(String::as_str),
        Some("RATE_LIMITED"),
        "{codes:?}"
    );
    // Someone else, on another socket from another address, signs in.
    let mut other = raw_socket(app.port, Some("198.51.100.2"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    init(&mut other, None).await;
    let msg = operation(
        &mut other,
        "1",
        sign_in,
        json!({ "p": COMMITTEE, "w": PASSWORD }),
    )
    .await;
    assert!(msg["payload"].get("errors").is_none(), "{msg}");
}

/// A subscription ends (UNAUTHENTICATED, then complete) when its access token expires.
#[tokio::test]
async fn a_subscription_ends_when_its_token_expires() {
    let app = TestApp::spawn_with(|s| s.access_ttl_secs = 3).await;
    let w = app.community().await;
    let token = app.sign_in(RESIDENT, PASSWORD).await;
    let mut ws = ws_connect(app.port, &token).await;
    ws_subscribe(&mut ws, NOTIFICATIONS, json!({})).await;
    let msg = next_json(&mut ws, Duration::from_secs(10)).await;
    assert_eq!(ws_error_code(&msg), "UNAUTHENTICATED", "{msg}");
    let done = next_json(&mut ws, Duration::from_secs(5)).await;
    assert_eq!(done["type"], "complete", "{done}");
    let _ = w;
}

/// Signing out ends the live subscriptions of that session at once.
#[tokio::test]
async fn signing_out_ends_the_sessions_subscriptions() {
    let app = TestApp::spawn().await;
    let _w = app.community().await;
    let session = app.sign_in_full(RESIDENT, PASSWORD).await;
    let token = session["accessToken"].as_str().unwrap_or_default();
    let refresh = session["refreshToken"].as_str().unwrap_or_default();
    let mut ws = ws_connect(app.port, token).await;
    ws_subscribe(&mut ws, NOTIFICATIONS, json!({})).await;
    app.ok(
        None,
        "mutation($r:String!){ signOut(refreshToken:$r) }",
        json!({ "r": refresh }),
    )
    .await;
    let msg = next_json(&mut ws, Duration::from_secs(5)).await;
    assert_eq!(ws_error_code(&msg), "UNAUTHENTICATED", "{msg}");
    // The signed-out session's access token works nowhere any more.
    let me = app.gql(Some(token), "{ me { id } }", json!({})).await;
    assert_eq!(error_code(&me), "UNAUTHENTICATED", "{me}");
    let again = operation(&mut ws, "2", NOTIFICATIONS, json!({})).await;
    assert_eq!(ws_error_code(&again), "UNAUTHENTICATED", "{again}");
}

/// A deactivated resident's live tally stops at once.
#[tokio::test]
async fn deactivation_ends_the_residents_live_tally() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
    let id = b["id"].as_str().unwrap_or_default().to_owned();
    let watcher = phone(9);
    let mut ws = ws_connect(app.port, v.token(&watcher)).await;
    ws_subscribe(&mut ws, TALLY, json!({ "b": id })).await;

    let resident_id = v
        .people
        .get(&watcher)
        .map(|p| p.1.clone())
        .unwrap_or_default();
    app.ok(
        Some(v.token(crate::ballots::COMMITTEE_PHONE)),
        "mutation($r:ID!){ deactivateResident(residentId:$r){ id } }",
        json!({ "r": resident_id }),
    )
    .await;
    let msg = next_json(&mut ws, Duration::from_secs(5)).await;
    assert_eq!(ws_error_code(&msg), "UNAUTHENTICATED", "{msg}");
    // No tally reaches the socket after that.
    vote(&app, v.token(&phone(2)), &id, &[option_id(&b, "APPROVE")]).await;
    let after = next_json(&mut ws, Duration::from_secs(2)).await;
    assert!(after["type"] != "next", "{after}");
}

/// Subscriptions per connection are capped, and many subscribers of one ballot share one load
/// of each change.
#[tokio::test]
async fn subscriptions_are_capped_and_a_tally_is_loaded_once_for_all() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
    let id = b["id"].as_str().unwrap_or_default().to_owned();
    let mut ws = ws_connect(app.port, v.token(&phone(9))).await;
    for i in 0..25 {
        send(
            &mut ws,
            json!({ "id": format!("t{i}"), "type": "subscribe", "payload": { "query": TALLY, "variables": { "b": id } } }),
        )
        .await;
    }
    let mut refused = 0;
    while let Some(msg) =
        Some(next_json(&mut ws, Duration::from_secs(2)).await).filter(|m| !m.is_null())
    {
        if ws_error_code(&msg) == "RATE_LIMITED" {
            refused += 1;
        }
    }
    assert_eq!(refused, 5, "the cap is 20 per connection");
    assert_eq!(app.state.tallies.watched_count(), 1);

    vote(&app, v.token(&phone(2)), &id, &[option_id(&b, "APPROVE")]).await;
    let mut updates = 0;
    loop {
        let msg = next_json(&mut ws, Duration::from_secs(3)).await;
        if msg["type"] != "next" {
            break;
        }
        assert_eq!(
            msg["payload"]["data"]["ballotTally"]["turnoutCount"], 1,
            "{msg}"
        );
        updates += 1;
    }
    assert_eq!(updates, 20);
}

/// One account cannot get around the per-connection cap by opening more sockets: past 50 live
/// subscriptions on a replica, more are refused.
#[tokio::test]
async fn subscriptions_per_account_are_capped_across_connections() {
    let app = TestApp::spawn().await;
    let _w = app.community().await;
    let session = app.sign_in_full(RESIDENT, PASSWORD).await;
    let token = session["accessToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let account = session["viewer"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut sockets = Vec::new();
    let mut refused = 0;
    for _ in 0..3 {
        let mut ws = ws_connect(app.port, &token).await;
        // Two bursts of ten: each fits the socket's queue of unprocessed messages (16), which
        // a bigger burst may overflow on a busy server (closing the socket as a flood).
        for burst in 0..2 {
            for i in 0..10 {
                send(
                    &mut ws,
                    json!({ "id": format!("n{burst}-{i}"), "type": "subscribe", "payload": { "query": NOTIFICATIONS } }),
                )
                .await;
            }
            while let Some(msg) =
                Some(next_json(&mut ws, Duration::from_secs(2)).await).filter(|m| !m.is_null())
            {
                assert!(
                    msg.get("closed").is_none(),
                    "the server closed the socket: {msg}"
                );
                if ws_error_code(&msg) == "RATE_LIMITED" {
                    refused += 1;
                }
            }
        }
        sockets.push(ws);
    }
    assert_eq!(refused, 10, "50 of 60 subscriptions are live");
    assert_eq!(app.state.ws.subscriptions_of(&account), 50);
    drop(sockets);
}

/// A flood of protocol pings cannot wedge the socket's task (and keep its place in the
/// per-address count for ever): the server closes the socket, and the place is free again.
#[tokio::test]
async fn a_ping_flood_closes_the_socket_and_frees_its_place() {
    let app = TestApp::spawn().await;
    let mut ws = raw_socket(app.port, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    init(&mut ws, None).await;
    let ping = json!({ "type": "ping" }).to_string();
    for _ in 0..5000 {
        if ws.send(Message::text(ping.clone())).await.is_err() {
            break;
        }
    }
    // Read until the server closes (pongs may come first).
    let mut closed = false;
    for _ in 0..10_000 {
        match tokio::time::timeout(Duration::from_secs(5), ws.next()).await {
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) => {
                closed = true;
                break;
            }
            Ok(Some(Ok(_))) => continue,
            Err(_) => break,
        }
    }
    drop(ws);
    // Whether or not this flood was fast enough to fill the queue, the server still serves
    // sockets from this address: 16 open and initialise.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut open = Vec::new();
    for _ in 0..16 {
        let mut s = raw_socket(app.port, None)
            .await
            .unwrap_or_else(|e| panic!("closed={closed}: {e}"));
        init(&mut s, None).await;
        open.push(s);
    }
}

/// A subscription outlives the request that started it: the viewer's roles are read again for
/// every snapshot, so a committee member whose role is revoked stops receiving who has voted.
#[tokio::test]
async fn a_revoked_committee_member_stops_seeing_the_electorate_in_a_live_tally() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
    let id = b["id"].as_str().unwrap_or_default().to_owned();
    let yes = option_id(&b, "APPROVE");
    let member = phone(3);
    let resident_id = v
        .people
        .get(&member)
        .map(|p| p.1.clone())
        .unwrap_or_default();
    let committee = v.token(crate::ballots::COMMITTEE_PHONE).to_owned();
    let role = |q: &'static str| {
        app.ok(
            Some(&committee),
            q,
            json!({ "r": resident_id, "role": "COMMITTEE" }),
        )
    };
    role("mutation($r:ID!,$role:Role!){ grantRole(residentId:$r, role:$role){ id } }").await;

    let mut ws = ws_connect(app.port, v.token(&member)).await;
    ws_subscribe(
        &mut ws,
        "subscription($b:ID!){ ballotTally(ballotId:$b){ turnoutCount voters(first: 20){ nodes { voted } } } }",
        json!({ "b": id }),
    )
    .await;
    vote(&app, v.token(&phone(2)), &id, std::slice::from_ref(&yes)).await;
    let seen = next_json(&mut ws, Duration::from_secs(5)).await;
    assert_eq!(seen["type"], "next", "{seen}");
    assert!(
        seen["payload"]["data"]["ballotTally"]["voters"]["nodes"].is_array(),
        "a committee member sees who has voted: {seen}"
    );

    role("mutation($r:ID!,$role:Role!){ revokeRole(residentId:$r, role:$role){ id } }").await;
    vote(&app, v.token(&phone(4)), &id, std::slice::from_ref(&yes)).await;
    let after = next_json(&mut ws, Duration::from_secs(5)).await;
    assert!(
        after["payload"]["data"]["ballotTally"]["voters"].is_null(),
        "the electorate leaked after the role was revoked: {after}"
    );
    assert_eq!(ws_error_code(&after), "FORBIDDEN", "{after}");
}
