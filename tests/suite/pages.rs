//! Topic pages kept in memory (`domain::topic::pages`): a page is served from memory only while
//! the database's page version of its community is the one it was read with, so a resident
//! never sees a topic or a ballot as it was before a change. Each test compares a read with a
//! read of the database after every kept page is dropped, and checks that the read it compares
//! was served from memory, so that it tests the kept page and not only the database.

use serde_json::{json, Value};

use crate::ballots::{
    deliberating_topic, let_voting_time_pass, open_ballot, option_id, phone, vote, voters, Voters,
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
    let mark = app.statement_mark();
    let resp = app.gql(Some(token), PAGE, json!({ "c": community })).await;
    assert!(resp.get("errors").is_none(), "{resp}");
    let ran = app.whole_statements_since(mark);
    let checked = ran.iter().any(|s| s.contains("topic_page_versions"));
    (resp["data"].clone(), checked && !read_topic_rows(&ran))
}

/// Whether these statements read rows of `topics` (a kept page served from memory reads none).
pub fn read_topic_rows(ran: &[String]) -> bool {
    ran.iter().any(|s| s.contains(r#"FROM "topics""#))
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

/// The owners' community with one topic in voting: (voters, topic, ballot, the APPROVE option).
async fn voting_on_a_topic(app: &TestApp) -> (Voters, String, String, String) {
    let v = voters(app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(app, &v).await;
    let b = open_ballot(app, &v, &BallotSpec::motion(&topic)).await;
    let (ballot, approve) = (str_of(&b["id"]), option_id(&b, "APPROVE"));
    (v, topic, ballot, approve)
}

#[tokio::test]
async fn a_kept_topic_page_shows_every_change_to_its_topics_and_ballots_at_once() {
    // Folds happen only when the test says.
    let app = TestApp::spawn_quiet().await;
    let (v, topic, ballot, approve) = voting_on_a_topic(&app).await;
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

    // A resident's proposal, then a neighbour's co-signature.
    let proposed = crate::build::TopicSpec::new("加装电动车充电桩", "车棚里充电不安全，建议加装。")
        .propose(&app, v.token(&phone(5)), c)
        .await;
    let proposed = str_of(&proposed["id"]);
    let read = after_change(&app, viewer, c, "a resident's proposal").await;
    assert_eq!(node(&read, &proposed)["cosignCount"], 1, "{read}");
    app.ok(
        Some(v.token(&phone(6))),
        "mutation($id:ID!){ cosignTopic(topicId:$id){ id } }",
        json!({ "id": proposed }),
    )
    .await;
    let read = after_change(&app, viewer, c, "a co-signature").await;
    assert_eq!(node(&read, &proposed)["cosignCount"], 2, "{read}");

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
    let app = TestApp::spawn_quiet().await;
    let (v, topic, ballot, approve) = voting_on_a_topic(&app).await;
    let c = v.community_id.as_str();
    // The nine owners (the tenant of 2栋301 votes in no owners' ballot).
    let phones: Vec<String> = (1..=9).map(phone).collect();
    let before = app.state.topic_pages.reads();
    // A fold after every third vote: between folds, reads are served from memory with the
    // votes still pending; after one, the kept rows are out of date.
    let voting = futures_util::future::join_all(phones.iter().enumerate().map(|(i, p)| {
        let (app, ballot, approve, token) = (&app, &ballot, &approve, v.token(p));
        async move {
            let r = vote(app, token, ballot, std::slice::from_ref(approve)).await;
            assert!(r.get("errors").is_none(), "{r}");
            if i % 3 == 2 {
                fold(app).await;
            }
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
    let after = app.state.topic_pages.reads();
    assert!(
        after.served > before.served && after.stale + after.read > before.stale + before.read,
        "the reads were not both served from memory and read again: {before:?} → {after:?}"
    );
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
    let app = TestApp::spawn_quiet().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    for _ in 0..3 {
        let topic = deliberating_topic(&app, &v).await;
        open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
    }
    let (viewer, c) = (v.token(&phone(2)), v.community_id.as_str());
    let _ = page(&app, viewer, c).await;
    let mark = app.statement_mark();
    let (ran, resp) = app
        .statements_of(Some(viewer), PAGE, json!({ "c": c }))
        .await;
    assert!(
        !read_topic_rows(&app.whole_statements_since(mark)),
        "the measured request read topic rows"
    );
    assert!(resp.get("errors").is_none(), "{resp}");
    assert_eq!(nodes(&resp["data"]).len(), 3);
    let expected = match backend() {
        "postgres" => 1,
        _ => 2,
    };
    assert_eq!(ran.len(), expected, "on {}: {ran:#?}", backend());
}

/// A filtered page and the page after it are kept and checked like the first; a filter names
/// the same page whatever the order or repeats of its statuses, so that a long list of repeats
/// is neither a page of its own in memory nor a long statement.
#[tokio::test]
async fn filtered_and_later_pages_are_kept_and_checked_and_a_filter_is_a_set() {
    let app = TestApp::spawn_with(|s| s.fold_interval_ms = 3_600_000).await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let first = deliberating_topic(&app, &v).await;
    let second = deliberating_topic(&app, &v).await;
    let (viewer, c) = (v.token(&phone(2)), v.community_id.as_str());
    let query = "query($c:ID!,$s:[TopicStatus!],$a:String){ topics(communityId:$c, status:$s, first: 1, after:$a){
        pageInfo { hasNextPage endCursor } nodes { id title status } } }";
    let read = |statuses: Value, after: Value| {
        let app = &app;
        async move {
            let mark = app.statement_mark();
            let data = app
                .ok(
                    Some(viewer),
                    query,
                    json!({ "c": c, "s": statuses, "a": after }),
                )
                .await;
            let read_rows = read_topic_rows(&app.whole_statements_since(mark));
            (data["topics"].clone(), !read_rows)
        }
    };
    let set = json!(["VOTING", "DELIBERATING"]);
    let (page1, kept) = read(set.clone(), Value::Null).await;
    assert!(!kept);
    assert_eq!(page1["pageInfo"]["hasNextPage"], true, "{page1}");
    assert_eq!(page1["nodes"][0]["id"], second.as_str());
    let repeats: Vec<&str> = std::iter::repeat_n("DELIBERATING", 5_000)
        .chain(["VOTING"])
        .collect();
    let (again, kept) = read(json!(repeats), Value::Null).await;
    assert!(kept, "the same set in another order was read again");
    assert_eq!(again, page1);
    assert_eq!(app.state.topic_pages.size().0, 1);

    let cursor = page1["pageInfo"]["endCursor"].clone();
    let (page2, kept) = read(set.clone(), cursor.clone()).await;
    assert!(!kept);
    assert_eq!(page2["nodes"][0]["id"], first.as_str());
    assert_eq!(page2["pageInfo"]["hasNextPage"], false, "{page2}");
    let (_, kept) = read(set.clone(), cursor.clone()).await;
    assert!(kept);

    // Voting opens on the first topic: both pages are read again and show it.
    open_ballot(&app, &v, &BallotSpec::motion(&first)).await;
    let (page2, kept) = read(set.clone(), cursor.clone()).await;
    assert!(
        !kept,
        "the later page was served from memory after its topic changed"
    );
    assert_eq!(page2["nodes"][0]["status"], "VOTING", "{page2}");
    let (page1, kept) = read(set.clone(), Value::Null).await;
    assert!(!kept);
    assert_eq!(page1["nodes"][0]["id"], second.as_str());
    // Only DELIBERATING: the first topic has left the filter.
    let (only, _) = read(json!(["DELIBERATING"]), Value::Null).await;
    assert_eq!(only["nodes"][0]["id"], second.as_str());
    assert_eq!(only["pageInfo"]["hasNextPage"], false, "{only}");
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
