//! Several `jiayuan serve` replicas on one PostgreSQL database behave as one service.
//! (SQLite is for one process; these tests need PostgreSQL and say so when run without it.)

use serde_json::json;

use crate::build::BallotSpec;
use crate::harness::*;

/// True (and said) when this run has no PostgreSQL: replicas share events through it only.
fn skipped_without_postgres() -> bool {
    if backend() == "postgres" {
        return false;
    }
    eprintln!(
        "skipped on {}: replicas share events through PostgreSQL only",
        backend()
    );
    true
}

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
    if skipped_without_postgres() {
        return;
    }
    let a = TestApp::spawn().await;
    let w = a.community().await;
    let b = a.replica().await;

    let mut ws = ws_connect(b.port, w.token(RESIDENT)).await;
    ws_subscribe(
        &mut ws,
        "subscription { notificationAdded { kind params } }",
        json!({}),
    )
    .await;

    // The committee acts on replica A.
    let resident = w.person(RESIDENT).resident_id.clone();
    a.ok(
        Some(w.token(COMMITTEE)),
        "mutation($r:ID!){ grantRole(residentId:$r, role: ORGANIZER){ id } }",
        json!({"r": resident}),
    )
    .await;

    let got = ws_next(&mut ws).await;
    let got = Some(got).filter(|g| g["type"] == "next");
    let got = got.unwrap_or_else(|| panic!("the subscriber on replica B received nothing"));
    assert_eq!(
        got["payload"]["data"]["notificationAdded"]["kind"],
        "ROLE_GRANTED"
    );
}

#[tokio::test]
async fn a_vote_cast_on_one_replica_moves_the_tally_on_another() {
    use crate::ballots::*;
    if skipped_without_postgres() {
        return;
    }
    let a = TestApp::spawn().await;
    let v = voters(&a, &OWNERS_ROSTER).await;
    let b = a.replica().await;
    let topic = deliberating_topic(&a, &v).await;
    let ballot = open_ballot(&a, &v, &BallotSpec::motion(&topic)).await;
    let id = ballot["id"].as_str().unwrap_or_default().to_owned();

    let mut ws = ws_connect(b.port, v.token(&phone(9))).await;
    ws_subscribe(
        &mut ws,
        "subscription($b:ID!){ ballotTally(ballotId:$b){ turnoutCount } }",
        json!({"b": id}),
    )
    .await;

    // The vote is cast through replica A; the subscriber is connected to replica B.
    let r = vote(
        &a,
        v.token(&phone(2)),
        &id,
        &[option_id(&ballot, "APPROVE")],
    )
    .await;
    assert!(r.get("errors").is_none(), "{r}");
    let turnout = ws_next(&mut ws).await["payload"]["data"]["ballotTally"]["turnoutCount"].clone();
    assert_eq!(
        turnout,
        json!(1),
        "the subscriber on replica B saw no tally from replica A"
    );
}

/// A rush of votes on one ballot is announced to the other replicas in few notifies, not one per
/// vote (each `pg_notify` is a statement, and PostgreSQL serialises the commits that notify);
/// a change after the rush is announced again.
#[tokio::test]
async fn tally_events_for_one_ballot_coalesce_on_their_way_to_other_replicas() {
    use api::bus::BusEvent;
    use std::time::Duration;
    if skipped_without_postgres() {
        return;
    }
    let a = TestApp::spawn().await;
    let b = a.replica().await;
    let mut seen = b.state.bus.subscribe();
    let tally = || BusEvent::BallotTally {
        ballot_id: "ballot-in-a-rush".into(),
    };
    let notifies = |app: &TestApp| {
        app.sql_log
            .lock()
            .map(|l| l.iter().filter(|s| s.contains("pg_notify")).count())
            .unwrap_or_default()
    };
    let before = notifies(&a);
    for _ in 0..100 {
        a.state.bus.publish(tally()).await;
    }
    // Replica B hears of it, once or twice (the relay may have been woken by the first event
    // before the other 99 arrived), and no more.
    let mut heard = 0;
    while let Ok(Ok(event)) = tokio::time::timeout(
        Duration::from_secs(match heard {
            0 => 10,
            _ => 1,
        }),
        seen.recv(),
    )
    .await
    {
        if event == tally() {
            heard += 1;
        }
    }
    assert!(
        (1..=2).contains(&heard),
        "100 changes of one ballot reached replica B as {heard} events"
    );
    let sent = notifies(&a) - before;
    assert!(
        (1..=2).contains(&sent),
        "100 changes of one ballot made {sent} notifies"
    );
    // A change after the rush is announced again.
    a.state.bus.publish(tally()).await;
    let again = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match seen.recv().await {
                Ok(event) if event == tally() => return true,
                Ok(_) => {}
                Err(_) => return false,
            }
        }
    })
    .await;
    assert_eq!(
        again,
        Ok(true),
        "the change after the rush was not announced"
    );
}

/// Tally events published from several tasks while the relay is busy announcing earlier ones
/// all reach the other replicas: none is lost between the relay taking what is pending and
/// waiting again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tally_events_published_while_the_relay_is_busy_all_reach_other_replicas() {
    use api::bus::BusEvent;
    use std::collections::BTreeSet;
    use std::time::{Duration, Instant};
    if skipped_without_postgres() {
        return;
    }
    let a = TestApp::spawn().await;
    let b = a.replica().await;
    let mut seen = b.state.bus.subscribe();
    let id = |t: usize, i: usize| format!("busy-{t}-{i}");
    let mut tasks = Vec::new();
    for t in 0..8 {
        let bus = a.state.bus.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..25 {
                bus.publish(BusEvent::BallotTally {
                    ballot_id: id(t, i),
                })
                .await;
                tokio::task::yield_now().await;
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    let mut missing: BTreeSet<String> = (0..8)
        .flat_map(|t| (0..25).map(move |i| id(t, i)))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !missing.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, seen.recv()).await {
            Ok(Ok(BusEvent::BallotTally { ballot_id })) => {
                missing.remove(&ballot_id);
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => panic!("replica B's bus failed: {e}"),
            Err(_) => break,
        }
    }
    assert!(
        missing.is_empty(),
        "{} of 200 tally events never reached replica B: {missing:?}",
        missing.len()
    );
}
