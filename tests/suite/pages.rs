//! Topic pages kept in memory (`domain::topic::pages`): a page is served from memory only while
//! the database's page version of its community is the one it was read with, so a resident
//! never sees a topic or a ballot as it was before a change. Each test compares a read with a
//! read of the database after every kept page is dropped, and checks that the read it compares
//! was served from memory, so that it tests the kept page and not only the database.

use serde_json::{json, Value};

use crate::ballots::{
    deliberating_topic, let_voting_time_pass, open_ballot, option_id, phone, vote, voters,
    COMMITTEE_PHONE, OWNERS_ROSTER,
};
use crate::build::BallotSpec;
use crate::harness::*;
use crate::tallies::fold;

const PAGE: &str = "query($c:ID!){ topics(communityId:$c, first: 20){ pageInfo { hasNextPage }
    nodes { id title status cosignCount
            ballot { id status closesAt turnoutCount turnoutArea } } } }";

/// The page as `token` reads it, and whether it came from memory: the request read no topic
/// row, only the community's page version (and the ballots' pending votes).
async fn page(app: &TestApp, token: &str, community: &str) -> (Value, bool) {
    let start = app.statement_log.lock().map(|l| l.len()).unwrap_or(0);
    let resp = app.gql(Some(token), PAGE, json!({ "c": community })).await;
    assert!(resp.get("errors").is_none(), "{resp}");
    let ran: Vec<String> = app
        .statement_log
        .lock()
        .map(|l| l[start..].iter().map(|s| s.sql.clone()).collect())
        .unwrap_or_default();
    let checked = ran.iter().any(|s| s.contains("topic_page_versions"));
    let read_rows = ran.iter().any(|s| s.contains(r#"FROM "topics""#));
    (resp["data"].clone(), checked && !read_rows)
}

/// The page as the database gives it now (no page kept).
async fn fresh(app: &TestApp, token: &str, community: &str) -> Value {
    app.state.topic_pages.clear();
    let (data, kept) = page(app, token, community).await;
    assert!(!kept, "a read after clearing came from memory");
    data
}

/// After a change: the next read is not served from memory, shows what the database shows, and
/// the read after it is served from memory and shows the same.
async fn after_change(app: &TestApp, token: &str, community: &str, change: &str) -> Value {
    let (read, kept) = page(app, token, community).await;
    assert!(
        !kept,
        "after {change}, the page was served from memory: {read}"
    );
    let (again, kept) = page(app, token, community).await;
    assert!(
        kept,
        "after {change}, an unchanged page was read again from the database"
    );
    assert_eq!(again, read, "after {change}");
    assert_eq!(fresh(app, token, community).await, read, "after {change}");
    read
}

fn nodes(data: &Value) -> Vec<Value> {
    data["topics"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn node(data: &Value, id: &str) -> Value {
    nodes(data)
        .into_iter()
        .find(|n| n["id"] == id)
        .unwrap_or_default()
}

fn str_of(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_kept_topic_page_shows_every_change_to_its_topics_and_ballots_at_once() {
    // Folds happen only when the test says.
    let app = TestApp::spawn_with(|s| {
        s.job_interval_ms = 3_600_000;
        s.fold_interval_ms = 3_600_000;
    })
    .await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
    let ballot = str_of(&b["id"]);
    let approve = option_id(&b, "APPROVE");
    let (viewer, c) = (v.token(&phone(2)), v.community_id.as_str());
    let committee = v.token(COMMITTEE_PHONE);

    let first = after_change(&app, viewer, c, "opening the ballot").await;
    assert_eq!(node(&first, &topic)["ballot"]["turnoutCount"], 0);

    // A vote changes no topic or ballot row: the kept page is used, with the vote counted.
    let r = vote(
        &app,
        v.token(&phone(3)),
        &ballot,
        std::slice::from_ref(&approve),
    )
    .await;
    assert!(r.get("errors").is_none(), "{r}");
    let (read, kept) = page(&app, viewer, c).await;
    assert!(kept, "a vote made the page be read again");
    assert_eq!(node(&read, &topic)["ballot"]["turnoutCount"], 1, "{read}");
    assert_eq!(read, fresh(&app, viewer, c).await);
    let (_, kept) = page(&app, viewer, c).await;
    assert!(kept);

    // A fold moves the vote from the box into the ballot's row: the kept row is out of date.
    fold(&app).await;
    let read = after_change(&app, viewer, c, "a fold").await;
    assert_eq!(node(&read, &topic)["ballot"]["turnoutCount"], 1, "{read}");

    // Another vote and a new topic.
    let r = vote(
        &app,
        v.token(&phone(4)),
        &ballot,
        std::slice::from_ref(&approve),
    )
    .await;
    assert!(r.get("errors").is_none(), "{r}");
    let second = deliberating_topic(&app, &v).await;
    let read = after_change(&app, viewer, c, "a new topic").await;
    assert_eq!(nodes(&read).len(), 2, "{read}");
    assert_eq!(node(&read, &topic)["ballot"]["turnoutCount"], 2, "{read}");

    // The closing time moves later.
    let later = (chrono::Utc::now() + chrono::Duration::days(20)).to_rfc3339();
    app.ok(
        Some(committee),
        "mutation($b:ID!,$c:DateTime!,$r:String!){ extendBallot(ballotId:$b, closesAt:$c, reason:$r){ id } }",
        json!({ "b": ballot, "c": later, "r": "业主多在外地，延长投票" }),
    )
    .await;
    let read = after_change(&app, viewer, c, "extending the ballot").await;
    assert_ne!(
        node(&read, &topic)["ballot"]["closesAt"],
        node(&first, &topic)["ballot"]["closesAt"]
    );

    // An operator's SQL, outside the server.
    use sea_orm::ConnectionTrait;
    app.db()
        .execute_unprepared(&format!(
            "UPDATE topics SET title = '更换电梯（修订）' WHERE id = '{second}'"
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let read = after_change(&app, viewer, c, "an operator's UPDATE").await;
    assert_eq!(node(&read, &second)["title"], "更换电梯（修订）");

    // A ballot on the second topic, cancelled.
    let b2 = open_ballot(&app, &v, &BallotSpec::motion(&second)).await;
    let read = after_change(&app, viewer, c, "a second ballot").await;
    assert_eq!(node(&read, &second)["ballot"]["status"], "OPEN");
    app.ok(
        Some(committee),
        "mutation($b:ID!,$r:String!){ cancelBallot(ballotId:$b, reason:$r){ id } }",
        json!({ "b": str_of(&b2["id"]), "r": "议题需重新讨论" }),
    )
    .await;
    let read = after_change(&app, viewer, c, "cancelling").await;
    assert_eq!(node(&read, &second)["ballot"]["status"], "CANCELLED");

    // The first ballot's time passes: the read that finds it due closes it.
    let_voting_time_pass(&app, &ballot).await;
    let (read, kept) = page(&app, viewer, c).await;
    assert!(!kept, "the ballot's row changed");
    assert_eq!(node(&read, &topic)["ballot"]["status"], "CLOSED", "{read}");
    let read = after_change(&app, viewer, c, "closing").await;
    assert_eq!(node(&read, &topic)["ballot"]["status"], "CLOSED", "{read}");
    assert_eq!(node(&read, &topic)["ballot"]["turnoutCount"], 2, "{read}");
}

#[tokio::test]
async fn a_page_kept_by_one_replica_shows_a_change_made_through_another() {
    let a = TestApp::spawn_with(|s| s.fold_interval_ms = 3_600_000).await;
    let v = voters(&a, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&a, &v).await;
    let b = a.replica().await;
    let (viewer, c) = (v.token(&phone(2)), v.community_id.as_str());
    let before = after_change(&a, viewer, c, "proposing").await;
    assert_eq!(node(&before, &topic)["status"], "DELIBERATING");

    // Replica b opens a ballot; replica a's kept page does not show the topic without it.
    let opened = open_ballot(&b, &v, &BallotSpec::motion(&topic)).await;
    let read = after_change(&a, viewer, c, "a ballot opened on another replica").await;
    assert_eq!(node(&read, &topic)["status"], "VOTING", "{read}");
    assert_eq!(node(&read, &topic)["ballot"]["id"], opened["id"]);
}

/// Votes, folds and reads at once: each reader sees the turnout only grow, and the last read
/// counts every vote. A kept row read before a fold, with the pending votes read after it,
/// would count the folded votes nowhere and show the turnout falling.
#[tokio::test]
async fn reads_racing_votes_and_folds_never_see_the_turnout_fall() {
    let app = TestApp::spawn_with(|s| {
        s.job_interval_ms = 3_600_000;
        s.fold_interval_ms = 3_600_000;
    })
    .await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
    let ballot = str_of(&b["id"]);
    let approve = option_id(&b, "APPROVE");
    let c = v.community_id.as_str();
    // The nine owners (the tenant of 2栋301 votes in no owners' ballot).
    let phones: Vec<String> = (1..=9).map(phone).collect();
    let voting = futures_util::future::join_all(phones.iter().map(|p| {
        let (app, ballot, approve, token) = (&app, &ballot, &approve, v.token(p));
        async move {
            let r = vote(app, token, ballot, std::slice::from_ref(approve)).await;
            assert!(r.get("errors").is_none(), "{r}");
            fold(app).await;
        }
    }));
    let reading = futures_util::future::join_all((0..3).map(|i| {
        let (app, topic, token) = (&app, &topic, v.token(&phone(2 + i)));
        async move {
            let mut seen = Vec::new();
            for _ in 0..12 {
                let (read, _) = page(app, token, c).await;
                let n = node(&read, topic)["ballot"]["turnoutCount"]
                    .as_i64()
                    .unwrap_or(-1);
                seen.push(n);
            }
            seen
        }
    }));
    let ((), seen) = futures_util::join!(
        async {
            voting.await;
        },
        reading
    );
    for s in seen {
        assert!(s.windows(2).all(|w| w[0] <= w[1]), "turnout fell: {s:?}");
    }
    let (last, _) = page(&app, v.token(&phone(2)), c).await;
    assert_eq!(
        node(&last, &topic)["ballot"]["turnoutCount"],
        i64::try_from(phones.len()).unwrap_or(-1),
        "{last}"
    );
    assert_eq!(last, fresh(&app, v.token(&phone(2)), c).await);
}

/// On PostgreSQL a kept page costs one statement (the viewer with the page version and the
/// pending votes); on SQLite two (the viewer, then the check). Neither reads a topic row.
#[tokio::test]
async fn a_kept_page_costs_the_viewers_statement_and_reads_no_topic() {
    let app = TestApp::spawn_with(|s| {
        s.job_interval_ms = 3_600_000;
        s.fold_interval_ms = 3_600_000;
    })
    .await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    for _ in 0..3 {
        let topic = deliberating_topic(&app, &v).await;
        open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
    }
    let (viewer, c) = (v.token(&phone(2)), v.community_id.as_str());
    let _ = page(&app, viewer, c).await;
    let (ran, resp) = app
        .statements_of(Some(viewer), PAGE, json!({ "c": c }))
        .await;
    assert!(resp.get("errors").is_none(), "{resp}");
    assert_eq!(nodes(&resp["data"]).len(), 3);
    let expected = match backend() {
        "postgres" => 1,
        _ => 2,
    };
    assert_eq!(ran.len(), expected, "on {}: {ran:#?}", backend());
    let (_, kept) = page(&app, viewer, c).await;
    assert!(kept);
}

/// `/metrics` tells how topic pages were found: read, served from memory, or kept but changed.
#[tokio::test]
async fn metrics_tell_how_topic_pages_were_found() {
    let app = TestApp::spawn_with(|s| s.fold_interval_ms = 3_600_000).await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    deliberating_topic(&app, &v).await;
    let (viewer, c) = (v.token(&phone(2)), v.community_id.as_str());
    let _ = page(&app, viewer, c).await; // read
    let _ = page(&app, viewer, c).await; // served
    let _ = page(&app, viewer, c).await; // served
    deliberating_topic(&app, &v).await;
    let _ = page(&app, viewer, c).await; // stale: read again
    let text = app.metrics_text().await;
    for (line, want) in [
        ("jiayuan_topic_page_reads_total{result=\"read\"}", 1),
        ("jiayuan_topic_page_reads_total{result=\"served\"}", 2),
        ("jiayuan_topic_page_reads_total{result=\"stale\"}", 1),
        ("jiayuan_topic_pages_kept", 1),
    ] {
        assert!(
            text.lines().any(|l| l == format!("{line} {want}")),
            "{line} {want} not in:\n{text}"
        );
    }
}
