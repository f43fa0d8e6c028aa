//! Several `jiayuan serve` replicas on one PostgreSQL database behave as one service.
//! (SQLite is for one process; these tests need PostgreSQL and say so when run without it.)

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, Message};

use crate::harness::*;

#[tokio::test]
async fn a_token_from_one_replica_works_on_another() {
    let a = TestApp::spawn().await;
    let w = a.community().await;
    let b = a.replica().await;
    let data = b
        .ok(Some(w.token(RESIDENT)), "{ me { name } }", json!({}))
        .await;
    assert_eq!(data["me"]["name"], "李秀英");
}

#[tokio::test]
async fn a_notification_made_on_one_replica_reaches_a_subscriber_on_another() {
    if backend() != "postgres" {
        eprintln!(
            "skipped on {}: replicas share events through PostgreSQL only",
            backend()
        );
        return;
    }
    let a = TestApp::spawn().await;
    let w = a.community().await;
    let b = a.replica().await;

    let mut req = format!("ws://127.0.0.1:{}/graphql/ws", b.port)
        .into_client_request()
        .unwrap_or_else(|e| panic!("{e}"));
    req.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws"
            .parse()
            .unwrap_or_else(|e| panic!("{e}")),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(req)
        .await
        .unwrap_or_else(|e| panic!("ws connect: {e}"));
    let init = json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {}", w.token(RESIDENT))}});
    ws.send(Message::Text(init.to_string().into()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let sub = json!({"id": "1", "type": "subscribe", "payload": {"query": "subscription { notificationAdded { kind params } }"}});
    let mut acked = false;
    while let Ok(Some(Ok(msg))) = tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
        if let Message::Text(t) = msg {
            if t.contains("connection_ack") {
                acked = true;
                break;
            }
        }
    }
    assert!(acked, "no connection_ack");
    ws.send(Message::Text(sub.to_string().into()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // Give the subscription a moment to be registered before the event (bounded, not a timing assertion).
    tokio::time::sleep(Duration::from_millis(300)).await;

    // The committee acts on replica A.
    let resident = w.person(RESIDENT).resident_id.clone();
    a.ok(
        Some(w.token(COMMITTEE)),
        "mutation($r:ID!){ grantRole(residentId:$r, role: ORGANIZER){ id } }",
        json!({"r": resident}),
    )
    .await;

    let mut got = None;
    while let Ok(Some(Ok(msg))) = tokio::time::timeout(Duration::from_secs(15), ws.next()).await {
        if let Message::Text(t) = msg {
            let v: serde_json::Value = serde_json::from_str(&t).unwrap_or_default();
            if v["type"] == "next" {
                got = Some(v);
                break;
            }
        }
    }
    let got = got.unwrap_or_else(|| panic!("the subscriber on replica B received nothing"));
    assert_eq!(
        got["payload"]["data"]["notificationAdded"]["kind"],
        "ROLE_GRANTED"
    );
}

#[tokio::test]
async fn a_vote_cast_on_one_replica_moves_the_tally_on_another() {
    use crate::ballots::*;
    if backend() != "postgres" {
        eprintln!(
            "skipped on {}: replicas share events through PostgreSQL only",
            backend()
        );
        return;
    }
    let a = TestApp::spawn().await;
    let v = voters(&a, OWNERS_ROSTER).await;
    let b = a.replica().await;
    let topic = deliberating_topic(&a, &v).await;
    let ballot = open_ballot(&a, &v, &topic, json!({})).await;
    let id = ballot["id"].as_str().unwrap_or_default().to_owned();

    let mut req = format!("ws://127.0.0.1:{}/graphql/ws", b.port)
        .into_client_request()
        .unwrap_or_else(|e| panic!("{e}"));
    req.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws"
            .parse()
            .unwrap_or_else(|e| panic!("{e}")),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(req)
        .await
        .unwrap_or_else(|e| panic!("ws connect: {e}"));
    let init = json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {}", v.token(&phone(9)))}});
    ws.send(Message::Text(init.to_string().into()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    while let Ok(Some(Ok(msg))) = tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
        if matches!(&msg, Message::Text(t) if t.contains("connection_ack")) {
            break;
        }
    }
    let sub = json!({"id": "1", "type": "subscribe", "payload": {
        "query": "subscription($b:ID!){ ballotTally(ballotId:$b){ turnoutCount } }", "variables": {"b": id}}});
    ws.send(Message::Text(sub.to_string().into()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    tokio::time::sleep(Duration::from_millis(300)).await;

    // The vote is cast through replica A; the subscriber is connected to replica B.
    let r = vote(
        &a,
        v.token(&phone(2)),
        &id,
        &[option_id(&ballot, "APPROVE")],
    )
    .await;
    assert!(r.get("errors").is_none(), "{r}");
    let mut turnout = serde_json::Value::Null;
    while let Ok(Some(Ok(msg))) = tokio::time::timeout(Duration::from_secs(15), ws.next()).await {
        if let Message::Text(t) = msg {
            let m: serde_json::Value = serde_json::from_str(&t).unwrap_or_default();
            if m["type"] == "next" {
                turnout = m["payload"]["data"]["ballotTally"]["turnoutCount"].clone();
                break;
            }
        }
    }
    assert_eq!(
        turnout,
        json!(1),
        "the subscriber on replica B saw no tally from replica A"
    );
}
