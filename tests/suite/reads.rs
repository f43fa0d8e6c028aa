//! Reads batch: a list page runs a constant number of SQL statements, whatever its size
//! (issue 7). The statements are counted by a hook on the application's connection.

use serde_json::{json, Value};

use crate::ballots::{
    deliberating_topic, let_voting_time_pass, open_ballot, option_id, phone, read_ballot, vote,
    voters, COMMITTEE_PHONE, OWNERS_ROSTER,
};
use crate::build::BallotSpec;
use crate::harness::*;
use entity::ballot::{DecisionRule, Electorate};

/// The portal's topic list (with each topic's ballot and the viewer's part in it) plus the
/// rating fields: as many statements for 50 topics as for 5.
const LIST: &str = "query($c:ID!,$first:Int){ topics(communityId:$c, first:$first){ totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id title category status cosignCount cosignThreshold proposer { id name } createdAt
            viewerCanCosign viewerHasCosigned rating { average count } viewerRating
            ballot { id status closesAt turnoutCount viewerEligible viewerHasVoted options { id label role } } } } }";

#[tokio::test]
async fn a_topic_list_page_runs_as_many_statements_for_fifty_topics_as_for_five() {
    let app = TestApp::spawn_with(|s| {
        s.proposal_limit.max = 1000;
        s.write_limit.max = 1000;
        // No background job runs between the two counts.
        s.job_interval_ms = 3_600_000;
        s.fold_interval_ms = 3_600_000;
    })
    .await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    for i in 0..60 {
        let topic = deliberating_topic(&app, &v).await;
        if i % 2 == 0 {
            let b = open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
            if i % 4 == 0 {
                let id = b["id"].as_str().unwrap_or_default();
                vote(&app, v.token(&phone(2)), id, &[option_id(&b, "APPROVE")]).await;
            }
        }
    }
    let viewer = v.token(&phone(2));
    let vars = |first: i64| json!({ "c": v.community_id, "first": first });

    // Warm up once (the first request of a connection may prepare statements).
    let _ = app.statements_of(Some(viewer), LIST, vars(5)).await;
    let (five, resp5) = app.statements_of(Some(viewer), LIST, vars(5)).await;
    let (fifty, resp50) = app.statements_of(Some(viewer), LIST, vars(50)).await;
    assert!(resp5.get("errors").is_none(), "{resp5}");
    assert!(resp50.get("errors").is_none(), "{resp50}");
    let nodes = resp50["data"]["topics"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(nodes.len(), 50);
    assert!(
        nodes
            .iter()
            .filter(|n| n["ballot"]["id"].is_string())
            .count()
            >= 20,
        "the page holds topics with ballots"
    );
    assert!(
        nodes.iter().any(|n| n["ballot"]["viewerHasVoted"] == true),
        "the viewer's own votes are found"
    );
    assert_eq!(
        fifty.len(),
        five.len(),
        "first: 50 ran {fifty:#?}\nfirst: 5 ran {five:#?}"
    );
    // And the committee's view of the same page, too.
    let committee = v.token(COMMITTEE_PHONE);
    let (c5, _) = app.statements_of(Some(committee), LIST, vars(5)).await;
    let (c50, _) = app.statements_of(Some(committee), LIST, vars(50)).await;
    assert_eq!(
        c50.len(),
        c5.len(),
        "first: 50 ran {c50:#?}\nfirst: 5 ran {c5:#?}"
    );
}

/// Deterministic budgets (CI gates on these, never on time): `me`, the benchmark's 20-topic list
/// with each ballot's turnout, and a vote run at most this many statements (BEGIN and COMMIT
/// not counted).
#[tokio::test]
async fn me_a_list_page_and_a_vote_stay_within_their_statement_budgets() {
    let app = TestApp::spawn_with(|s| {
        s.proposal_limit.max = 1000;
        s.job_interval_ms = 3_600_000;
        s.fold_interval_ms = 3_600_000;
    })
    .await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let mut last = json!(null);
    for _ in 0..3 {
        let topic = deliberating_topic(&app, &v).await;
        last = open_ballot(&app, &v, &BallotSpec::motion(&topic).secret(true)).await;
    }
    let viewer = v.token(&phone(2));
    let list = "query($c:ID!){ topics(communityId:$c, first: 20){ nodes { id title ballot { turnoutCount } } } }";
    let _ = app
        .statements_of(Some(viewer), list, json!({"c": v.community_id}))
        .await;
    let (ran, resp) = app
        .statements_of(Some(viewer), list, json!({"c": v.community_id}))
        .await;
    assert_eq!(
        resp["data"]["topics"]["nodes"].as_array().map(Vec::len),
        Some(3),
        "{resp}"
    );
    // the account with its session and access, and the topics with their latest ballots and
    // turnout: one statement on PostgreSQL (`Reader::viewer_and_page`), two on SQLite, which
    // runs in the process
    let budget = match backend() {
        "postgres" => 1,
        _ => 2,
    };
    assert!(ran.len() <= budget, "the list ran {ran:#?}");
    let (ran, _) = app
        .statements_of(Some(viewer), "{ me { id } }", json!({}))
        .await;
    assert!(ran.len() <= 1, "me ran {ran:#?}");
    let id = last["id"].as_str().unwrap_or_default();
    let (ran, resp) = app
        .statements_of(
            Some(viewer),
            "mutation($b:ID!,$o:[ID!]!){ castVote(ballotId:$b, optionIds:$o){ receipt } }",
            json!({"b": id, "o": [option_id(&last, "APPROVE")]}),
        )
        .await;
    assert!(resp["data"]["castVote"]["receipt"].is_string(), "{resp}");
    // in the transaction, two round trips on either database: the write limit, the account
    // with its session and access, and the ballot (shared lock) with the voter's row and the
    // options; then participation and box. On PostgreSQL each is one statement (common table
    // expressions); on SQLite each is one command of several statements, one hand-off to the one
    // connection's worker. The tally event leaves through the bus's relay, coalesced, outside
    // any request (the harness leaves its notify out). No UPDATE of any counter.
    let budget = 2;
    assert!(ran.len() <= budget, "the vote ran {ran:#?}");
    assert!(
        !ran.iter()
            .any(|s| s.trim_start().to_uppercase().starts_with("UPDATE")),
        "a vote updates no ballot or option counter (its write-limit upsert touches only the voter's own row): {ran:#?}"
    );
}

/// Keyset pages: topics proposed while a resident pages through the list neither repeat nor push
/// older topics off the pages that follow.
#[tokio::test]
async fn paging_topics_while_new_ones_arrive_shows_each_older_topic_exactly_once() {
    let app = TestApp::spawn_with(|s| s.proposal_limit.max = 1000).await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let mut before = Vec::new();
    for _ in 0..7 {
        before.push(deliberating_topic(&app, &v).await);
    }
    let q = "query($c:ID!,$after:String){ topics(communityId:$c, first: 3, after:$after){ totalCount pageInfo { hasNextPage hasPreviousPage endCursor } nodes { id } } }";
    let viewer = v.token(&phone(2));
    let mut seen = Vec::new();
    let mut after = json!(null);
    for page_no in 0..10 {
        let page = app
            .ok(
                Some(viewer),
                q,
                json!({"c": v.community_id, "after": after}),
            )
            .await;
        let t = &page["topics"];
        assert_eq!(t["pageInfo"]["hasPreviousPage"], page_no > 0, "{t}");
        for n in t["nodes"].as_array().cloned().unwrap_or_default() {
            seen.push(n["id"].as_str().unwrap_or_default().to_owned());
        }
        // Someone proposes a topic between every two pages.
        deliberating_topic(&app, &v).await;
        if t["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = t["pageInfo"]["endCursor"].clone();
    }
    before.reverse();
    assert_eq!(seen, before, "newest first, each once, none skipped");
}

/// The list reads each topic's latest ballot and its turnout with the topic rows: the turnout
/// counts votes not folded in yet (a changed vote once), agrees with the ballot's own page and
/// with the full tally, a ballot whose time has come shows closed, and a cancelled ballot's
/// successor is the one shown.
#[tokio::test]
async fn a_list_shows_each_topics_latest_ballot_with_its_turnout_as_of_now() {
    let app = TestApp::spawn_quiet().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let committee = v.token(COMMITTEE_PHONE);
    let voting = deliberating_topic(&app, &v).await;
    let b = open_ballot(&app, &v, &BallotSpec::motion(&voting)).await;
    let id = b["id"].as_str().unwrap_or_default().to_owned();
    let (yes, no) = (option_id(&b, "APPROVE"), option_id(&b, "OPPOSE"));
    let mut receipt = json!(null);
    for (p, choice) in [(2, &yes), (3, &yes), (6, &no)] {
        let r = vote(&app, v.token(&phone(p)), &id, std::slice::from_ref(choice)).await;
        assert!(r["data"]["castVote"]["receipt"].is_string(), "{r}");
        if p == 2 {
            receipt = r["data"]["castVote"]["receipt"].clone();
        }
    }
    // The first voter changes their vote (with the receipt): still one turnout.
    app.ok(
        Some(v.token(&phone(2))),
        "mutation($b:ID!,$o:[ID!]!,$r:String){ castVote(ballotId:$b, optionIds:$o, receipt:$r){ receipt } }",
        json!({"b": id, "o": [no], "r": receipt}),
    )
    .await;
    let due = deliberating_topic(&app, &v).await;
    let ended = open_ballot(&app, &v, &BallotSpec::motion(&due)).await;
    let ended_id = ended["id"].as_str().unwrap_or_default().to_owned();
    let_voting_time_pass(&app, &ended_id).await;
    let (redone, second) = reopened_topic(&app, &v).await;

    let single = read_ballot(&app, committee, &id).await;
    assert_eq!(
        single["turnoutCount"], 3,
        "a changed vote counts once: {single}"
    );
    assert_eq!(single["turnoutArea"], "350.00", "{single}");
    for fields in [
        "id status turnoutCount turnoutArea",
        "id status turnoutCount turnoutArea result { options { role votes } }",
    ] {
        let q = format!(
            "query($c:ID!){{ topics(communityId:$c, first: 20){{ nodes {{ id ballot {{ {fields} }} }} }} }}"
        );
        let data = app
            .ok(Some(v.token(&phone(4))), &q, json!({"c": v.community_id}))
            .await;
        let nodes = data["topics"]["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let of = |topic: &str| {
            nodes
                .iter()
                .find(|n| n["id"] == topic)
                .map(|n| n["ballot"].clone())
                .unwrap_or_default()
        };
        let shown = of(&voting);
        assert_eq!(
            shown["turnoutCount"], single["turnoutCount"],
            "{fields}: {shown}"
        );
        assert_eq!(
            shown["turnoutArea"], single["turnoutArea"],
            "{fields}: {shown}"
        );
        assert_eq!(shown["status"], "OPEN", "{shown}");
        if fields.contains("result") {
            let votes = |role: &str| {
                shown["result"]["options"]
                    .as_array()
                    .and_then(|o| o.iter().find(|o| o["role"] == role))
                    .map(|o| o["votes"].clone())
                    .unwrap_or_default()
            };
            assert_eq!(
                (votes("APPROVE"), votes("OPPOSE")),
                (json!(1), json!(2)),
                "{shown}"
            );
        }
        assert_eq!(
            of(&due)["status"],
            "CLOSED",
            "{fields}: a due ballot closes on read"
        );
        assert_eq!(
            of(&redone)["id"],
            second["id"],
            "{fields}: the latest ballot"
        );
    }
    // Every field of each listed topic and ballot (read by position with the page) is what a
    // read of that topic or ballot alone gives; an extended and a cancelled ballot fill the
    // optional ones.
    app.ok(
        Some(committee),
        "mutation($b:ID!,$c:DateTime!){ extendBallot(ballotId:$b, closesAt:$c, reason:\"业主外出较多，延长表决\"){ id } }",
        json!({"b": id, "c": (chrono::Utc::now() + chrono::Duration::days(10)).to_rfc3339()}),
    )
    .await;
    app.ok(
        Some(committee),
        "mutation($b:ID!){ cancelBallot(ballotId:$b, reason:\"表决范围有误，择日重新表决\"){ id } }",
        json!({"b": second["id"]}),
    )
    .await;
    const TOPIC: &str = "id communityId title body category status cosignCount createdAt updatedAt rejectReason progress";
    const BALLOT: &str = "id topicId campaignId categoryId question kind method maxChoices choiceLimit electorate rule status cancelReason cancelledAt extendedAt extendReason secret named openedAt closesAt closedAt eligibleCount eligibleArea turnoutCount turnoutArea result { final quorumMet outcome }";
    let listed = app
        .ok(
            Some(committee),
            &format!("query($c:ID!){{ topics(communityId:$c, first: 20){{ nodes {{ {TOPIC} ballot {{ {BALLOT} }} }} }} }}"),
            json!({"c": v.community_id}),
        )
        .await["topics"]["nodes"]
        .clone();
    let listed = listed.as_array().cloned().unwrap_or_default();
    assert_eq!(listed.len(), 3, "{listed:?}");
    for node in &listed {
        let alone = app
            .ok(
                Some(committee),
                &format!("query($t:ID!){{ topic(id:$t){{ {TOPIC} ballot {{ {BALLOT} }} }} }}"),
                json!({"t": node["id"]}),
            )
            .await["topic"]
            .clone();
        assert_eq!(node, &alone, "a listed topic reads as the topic alone");
    }
    let extended = listed
        .iter()
        .find(|n| n["id"] == voting.as_str())
        .map(|n| n["ballot"].clone())
        .unwrap_or_default();
    assert_eq!(extended["extendReason"], "业主外出较多，延长表决");
    assert!(extended["extendedAt"].is_string(), "{extended}");
    let cancelled = listed
        .iter()
        .find(|n| n["id"] == redone.as_str())
        .map(|n| n["ballot"].clone())
        .unwrap_or_default();
    assert_eq!(cancelled["cancelReason"], "表决范围有误，择日重新表决");
    assert!(cancelled["cancelledAt"].is_string(), "{cancelled}");
}

/// A deliberating topic whose first ballot was cancelled and a second opened: the topic's id
/// and the second (its latest) ballot.
async fn reopened_topic(app: &TestApp, v: &crate::ballots::Voters) -> (String, Value) {
    let topic = deliberating_topic(app, v).await;
    let first = open_ballot(app, v, &BallotSpec::motion(&topic)).await;
    app.ok(
        Some(v.token(COMMITTEE_PHONE)),
        "mutation($b:ID!){ cancelBallot(ballotId:$b, reason:\"问题表述有误，重新表决\"){ id } }",
        json!({"b": first["id"]}),
    )
    .await;
    let second = open_ballot(app, v, &BallotSpec::motion(&topic)).await;
    (topic, second)
}

/// `topics.latest_ballot_id`, as the migration fills it for rows made before it, names the
/// ballot each topic showed as its latest: the one opened last (after a cancellation too), or none.
#[tokio::test]
async fn the_migration_that_names_each_topics_latest_ballot_names_the_one_the_list_showed() {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::{ConnectionTrait, Statement};
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let committee = v.token(COMMITTEE_PHONE);
    // A topic whose first ballot was cancelled and a second opened, one with one ballot, one
    // with none.
    let (redone, second) = reopened_topic(&app, &v).await;
    let single = deliberating_topic(&app, &v).await;
    let only = open_ballot(&app, &v, &BallotSpec::motion(&single)).await;
    let none = deliberating_topic(&app, &v).await;
    let expected = [
        (redone.as_str(), second["id"].as_str()),
        (single.as_str(), only["id"].as_str()),
        (none.as_str(), None),
    ];
    let db = app.db();
    let backend = db.get_database_backend();
    let named = async |topic: &str| -> Option<String> {
        let row = db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                match backend {
                    sea_orm::DbBackend::Postgres => {
                        "SELECT latest_ballot_id FROM topics WHERE id = $1"
                    }
                    _ => "SELECT latest_ballot_id FROM topics WHERE id = ?",
                },
                [topic.into()],
            ))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("topic {topic} not found"));
        row.try_get_by_index::<Option<String>>(0)
            .unwrap_or_else(|e| panic!("{e}"))
    };
    for (topic, ballot) in expected {
        assert_eq!(named(topic).await.as_deref(), ballot, "as opened: {topic}");
    }

    // Undo the migration (and any after it) and run it again over these rows: the backfill
    // names the same ballots.
    let all = Migrator::migrations();
    let at = all
        .iter()
        .position(|m| m.name() == "m20261206_000012_topic_latest_ballot")
        .unwrap_or_else(|| panic!("the migration is listed"));
    Migrator::down(db, Some((all.len() - at) as u32))
        .await
        .unwrap_or_else(|e| panic!("down: {e}"));
    Migrator::up(db, None)
        .await
        .unwrap_or_else(|e| panic!("up: {e}"));
    for (topic, ballot) in expected {
        assert_eq!(named(topic).await.as_deref(), ballot, "backfilled: {topic}");
    }
    let data = app
        .ok(
            Some(committee),
            "query($c:ID!){ topics(communityId:$c, first: 20){ nodes { id ballot { id status } } } }",
            json!({"c": v.community_id}),
        )
        .await;
    let nodes = data["topics"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for (topic, ballot) in expected {
        let node = nodes
            .iter()
            .find(|n| n["id"] == topic)
            .cloned()
            .unwrap_or_default();
        assert_eq!(node["ballot"]["id"].as_str(), ballot, "listed: {node}");
    }
}

/// Comments and replies page by keyset cursors, oldest first: each exactly once across pages
/// while others are posted, the newest arriving on the last page; a cursor no page could have
/// made (an old offset cursor, say) is BAD_USER_INPUT.
#[tokio::test]
async fn paging_comments_and_replies_shows_each_once_in_order_while_new_ones_arrive() {
    let app = TestApp::spawn_with(|s| {
        s.comment_limit.max = 1000;
    })
    .await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let say = |parent: Option<String>, n: usize| say(&app, &v, topic.clone(), parent, n);
    let mut posted = Vec::new();
    for n in 0..7 {
        posted.push(say(None, n).await);
    }
    let first = posted[0].clone();
    let mut replies = Vec::new();
    for n in 0..5 {
        replies.push(say(Some(first.clone()), n).await);
    }
    let comments = "query($t:ID!,$after:String){ topic(id:$t){ comments(first: 3, after:$after){ totalCount pageInfo { hasNextPage endCursor } nodes { id } } } }";
    let viewer = v.token(&phone(3));
    let mut seen = Vec::new();
    let mut after = json!(null);
    for n in 0..10 {
        let page = app
            .ok(Some(viewer), comments, json!({"t": topic, "after": after}))
            .await;
        let c = &page["topic"]["comments"];
        for node in c["nodes"].as_array().cloned().unwrap_or_default() {
            seen.push(node["id"].as_str().unwrap_or_default().to_owned());
        }
        // Someone comments between every two pages: it comes at the end.
        posted.push(say(None, 100 + n).await);
        if c["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = c["pageInfo"]["endCursor"].clone();
    }
    // Every comment posted before the last page was read, in order, each once.
    assert_eq!(seen, posted[..seen.len()], "oldest first, each once");
    assert!(
        seen.len() >= 9,
        "the comments posted while paging arrive: {seen:?}"
    );

    let q = "query($c:ID!,$after:String){ comment(id:$c){ replies(first: 2, after:$after){ totalCount pageInfo { hasNextPage endCursor } nodes { id } } } }";
    let mut seen = Vec::new();
    let mut after = json!(null);
    for _ in 0..5 {
        let page = app
            .ok(Some(viewer), q, json!({"c": first, "after": after}))
            .await;
        let r = &page["comment"]["replies"];
        assert_eq!(r["totalCount"], 5, "{r}");
        for node in r["nodes"].as_array().cloned().unwrap_or_default() {
            seen.push(node["id"].as_str().unwrap_or_default().to_owned());
        }
        if r["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = r["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, replies, "replies oldest first, each once");

    // An offset cursor of the earlier scheme (base64 of "3") is refused, naming `after`.
    let resp = app
        .gql(Some(viewer), comments, json!({"t": topic, "after": "Mw"}))
        .await;
    assert_eq!(
        resp["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{resp}"
    );
}

/// The viewer's access comes with the account as JSON; a stored time in a form that reading
/// does not know (SQLite keeps times as text: a row written by another tool, say) does not lock
/// the account out: its places are read again by the ordinary queries.
#[tokio::test]
async fn a_place_stored_with_an_unusual_time_still_gives_its_resident_access() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    if backend() != "sqlite" {
        return; // PostgreSQL stores a timestamp, never text.
    }
    app.db()
        .execute_unprepared(
            "UPDATE residents SET created_at = '2026-12-02T15:33:15' WHERE id IS NOT NULL",
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let q = "query($c:ID!){ topics(communityId:$c, first: 5){ totalCount } }";
    let data = app
        .ok(Some(v.token(&phone(2))), q, json!({"c": v.community_id}))
        .await;
    assert_eq!(data["topics"]["totalCount"], 0, "{data}");
}

/// Home's "ballots awaiting my vote" is one statement after the account, whatever the number of
/// open ballots (it was two per ballot), pages by keyset cursors closing soonest first, and
/// decides the viewer's voter per ballot: the resident on a RESIDENTS ballot, the household
/// otherwise.
#[tokio::test]
async fn ballots_awaiting_my_vote_are_one_statement_and_page_closing_soonest_first() {
    let app = TestApp::spawn_quiet().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let mut open = Vec::new();
    for days in [6, 3, 5, 4, 2] {
        let topic = deliberating_topic(&app, &v).await;
        let spec = BallotSpec::motion(&topic).closes_in(chrono::Duration::days(days));
        let spec = match days {
            5 => spec.by(Electorate::Residents, DecisionRule::Plurality),
            _ => spec,
        };
        open.push((days, open_ballot(&app, &v, &spec).await));
    }
    let viewer = v.token(&phone(2));
    // The viewer votes on the one closing in 4 days.
    let voted = &open[3].1;
    let r = vote(
        &app,
        viewer,
        voted["id"].as_str().unwrap_or_default(),
        &[option_id(voted, "APPROVE")],
    )
    .await;
    assert!(r["data"]["castVote"]["receipt"].is_string(), "{r}");
    let mut want: Vec<(i64, String)> = open
        .iter()
        .filter(|(days, _)| *days != 4)
        .map(|(days, b)| (*days, b["id"].as_str().unwrap_or_default().to_owned()))
        .collect();
    want.sort();
    let want: Vec<String> = want.into_iter().map(|(_, id)| id).collect();

    let q = "query($c:ID!,$first:Int,$after:String){ needsMe(communityId:$c){ ballots(first:$first, after:$after){ totalCount pageInfo { hasNextPage endCursor } nodes { id } } } }";
    let _ = app
        .statements_of(Some(viewer), q, json!({"c": v.community_id, "first": 1}))
        .await;
    let (one, _) = app
        .statements_of(Some(viewer), q, json!({"c": v.community_id, "first": 1}))
        .await;
    let (all, resp) = app
        .statements_of(Some(viewer), q, json!({"c": v.community_id, "first": 10}))
        .await;
    assert_eq!(
        one.len(),
        all.len(),
        "first: 1 ran {one:#?}\nfirst: 10 ran {all:#?}"
    );
    // the account with its access, the count, the page
    assert!(all.len() <= 3, "{all:#?}");
    let ids: Vec<String> = resp["data"]["needsMe"]["ballots"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|n| n["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(ids, want, "closing soonest first, the voted one left out");
    assert_eq!(resp["data"]["needsMe"]["ballots"]["totalCount"], 4);

    let mut seen = Vec::new();
    let mut after = json!(null);
    for _ in 0..6 {
        let page = app
            .ok(
                Some(viewer),
                q,
                json!({"c": v.community_id, "first": 1, "after": after}),
            )
            .await;
        let b = &page["needsMe"]["ballots"];
        for n in b["nodes"].as_array().cloned().unwrap_or_default() {
            seen.push(n["id"].as_str().unwrap_or_default().to_owned());
        }
        if b["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = b["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, want, "each once across pages");
    // The tenant is in the RESIDENTS electorate only.
    let tenant = app
        .ok(
            Some(v.token(&phone(10))),
            q,
            json!({"c": v.community_id, "first": 10}),
        )
        .await;
    assert_eq!(
        tenant["needsMe"]["ballots"]["nodes"],
        json!([{"id": open[2].1["id"]}]),
        "{tenant}"
    );
    // Every field of a ballot, not only the portal's: the four awaiting the viewer's vote.
    let types = schema_types(&app, viewer).await;
    let cases: Vec<(String, String)> = field_selections(&types, "Ballot", 2)
        .into_iter()
        .map(|(n, s)| (format!("Ballot.{n}"), s))
        .collect();
    let list = "query($c:ID!,$n:Int){ needsMe(communityId:$c){ ballots(first:$n){ nodes { id {sel} } } } }";
    let (grows, bounded) = per_item_statements(
        &app,
        viewer,
        list,
        &json!({"c": v.community_id}),
        &cases,
        (1, 4),
    )
    .await;
    assert!(
        grows.is_empty(),
        "per-ballot statements:\n{}",
        grows.join("\n")
    );
    let expected: std::collections::BTreeSet<String> =
        ["Ballot.namedRoll".to_owned(), "Ballot.voters".to_owned()].into();
    assert_eq!(bounded, expected);
}

/// The committee's electorate list reads one page at a time (it loaded the whole electorate,
/// every resident and household of the community, for each page): as many statements for
/// `first: 2` as for `first: 100`, each voter once across pages in building and unit order, the
/// cursor carrying only a voter id; search and "not voted" filter in the same statement.
#[tokio::test]
async fn the_electorate_list_pages_in_the_database() {
    // Background jobs (the tally fold after the vote) would add their statements to a count.
    let app = TestApp::spawn_quiet().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
    let id = b["id"].as_str().unwrap_or_default().to_owned();
    vote(&app, v.token(&phone(7)), &id, &[option_id(&b, "APPROVE")]).await;
    let committee = v.token(COMMITTEE_PHONE);
    let q = "query($b:ID!,$first:Int,$after:String,$s:String,$n:Boolean){ ballot(id:$b){ voters(first:$first, after:$after, search:$s, notVoted:$n){ totalCount pageInfo { hasNextPage endCursor } nodes { voterId label voted } } } }";
    let _ = app
        .statements_of(Some(committee), q, json!({"b": id, "first": 2}))
        .await;
    let (two, _) = app
        .statements_of(Some(committee), q, json!({"b": id, "first": 2}))
        .await;
    let (all, resp) = app
        .statements_of(Some(committee), q, json!({"b": id, "first": 100}))
        .await;
    assert_eq!(
        two.len(),
        all.len(),
        "first: 2 ran {two:#?}\nfirst: 100 ran {all:#?}"
    );
    let everyone: Vec<Value> = resp["data"]["ballot"]["voters"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(everyone.len(), 9, "the nine owner households");
    let labels: Vec<String> = everyone
        .iter()
        .map(|n| n["label"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        labels[0].starts_with("1栋 101") && labels[0].contains("业主一"),
        "{labels:?}"
    );
    assert!(
        labels[8].starts_with("2栋 202"),
        "building and unit order: {labels:?}"
    );

    let mut seen = Vec::new();
    let mut after = json!(null);
    for _ in 0..10 {
        let page = app
            .ok(
                Some(committee),
                q,
                json!({"b": id, "first": 2, "after": after}),
            )
            .await;
        let c = &page["ballot"]["voters"];
        assert_eq!(c["totalCount"], 9, "{c}");
        seen.extend(c["nodes"].as_array().cloned().unwrap_or_default());
        if c["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = c["pageInfo"]["endCursor"].clone();
        let cursor = base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            after.as_str().unwrap_or_default(),
        )
        .unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&cursor).contains("业主"),
            "no name in a cursor"
        );
    }
    assert_eq!(seen, everyone, "each once, in order, across pages");

    let found = app
        .ok(Some(committee), q, json!({"b": id, "s": "2栋"}))
        .await["ballot"]["voters"]
        .clone();
    assert_eq!(found["totalCount"], 4, "{found}");
    let waiting = app
        .ok(
            Some(committee),
            q,
            json!({"b": id, "n": true, "s": "业主七"}),
        )
        .await["ballot"]["voters"]
        .clone();
    assert_eq!(waiting["totalCount"], 0, "业主七 has voted: {waiting}");
    let named = app
        .ok(Some(committee), q, json!({"b": id, "s": "业主七"}))
        .await["ballot"]["voters"]
        .clone();
    assert_eq!(named["nodes"][0]["voted"], true, "{named}");
}

/// The committee's roster page (the portal's fields: phone, claimed, household, roles, and what
/// the committee may do to each place) runs as many statements for 50 residents as for 5.
#[tokio::test]
async fn a_roster_page_runs_as_many_statements_for_fifty_residents_as_for_five() {
    use crate::build::Roster;
    use entity::role_grant::Role;
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let community = app.create_community(&admin, "名册社区").await;
    let mut roster = Roster::new().member(
        "1栋",
        "101",
        "80.00",
        true,
        "王主任",
        COMMITTEE,
        &[Role::Committee],
    );
    for i in 0..59 {
        let roles: &[Role] = match i % 3 {
            0 => &[Role::Mediator],
            1 => &[Role::Organizer, Role::Mediator],
            _ => &[],
        };
        roster = roster.member(
            &format!("{}栋", 2 + i / 20),
            &format!("{}", 101 + i % 20),
            "90.00",
            true,
            &format!("居民{i}"),
            &format!("1390000{i:04}"),
            roles,
        );
    }
    let resp = app.import_roster(&admin, &community, &roster.csv()).await;
    assert!(resp.get("errors").is_none(), "import failed: {resp}");
    let code = resp["data"]["importRoster"]["invites"]
        .as_array()
        .and_then(|all| all.iter().find(|i| i["phone"] == COMMITTEE))
        .and_then(|i| i["code"].as_str())
        .unwrap_or_default()
        .to_owned();
    let (committee, _) = app.claim(&code, PASSWORD).await;
    const Q: &str = "query($c:ID!,$first:Int){ residents(communityId:$c, first:$first){ totalCount
        pageInfo { hasNextPage endCursor }
        nodes { id name phone active claimed household { id building unit } roles
                viewerCan { invite deactivate grant revoke } } } }";
    let vars = |n: i32| json!({"c": community, "first": n});
    let _ = app.statements_of(Some(&committee), Q, vars(5)).await;
    let (five, resp5) = app.statements_of(Some(&committee), Q, vars(5)).await;
    let (fifty, resp50) = app.statements_of(Some(&committee), Q, vars(50)).await;
    assert_eq!(
        resp5["data"]["residents"]["nodes"].as_array().map(Vec::len),
        Some(5),
        "{resp5}"
    );
    let nodes = resp50["data"]["residents"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(nodes.len(), 50, "{resp50}");
    assert_eq!(
        five.len(),
        fifty.len(),
        "5 residents ran {five:#?}\n50 residents ran {fifty:#?}"
    );
    // The batched roles are each place's own.
    for n in &nodes {
        let name = n["name"].as_str().unwrap_or_default();
        let expected: Vec<&str> = match name
            .strip_prefix("居民")
            .and_then(|i| i.parse::<usize>().ok())
        {
            Some(i) if i % 3 == 0 => vec!["RESIDENT", "MEDIATOR"],
            Some(i) if i % 3 == 1 => vec!["RESIDENT", "MEDIATOR", "ORGANIZER"],
            Some(_) => vec!["RESIDENT"],
            None => vec!["RESIDENT", "COMMITTEE"],
        };
        let mut got: Vec<&str> = n["roles"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut want = expected.clone();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want, "{name}");
    }
    // The count over the whole roster runs only when `totalCount` is selected.
    let counted = |sel: &'static str| {
        let q = format!(
            "query($c:ID!){{ residents(communityId:$c, first: 5){{ {sel} nodes {{ id }} }} }}"
        );
        let (app, committee, community) = (&app, &committee, &community);
        async move {
            let (ran, r) = app
                .statements_of(Some(committee), &q, json!({"c": community}))
                .await;
            assert!(r.get("errors").is_none(), "{r}");
            (ran.iter().any(|s| s.contains("COUNT(")), r)
        }
    };
    assert!(!counted("").await.0);
    let (yes, r) = counted("totalCount").await;
    assert!(yes);
    assert_eq!(r["data"]["residents"]["totalCount"], 60, "{r}");
    // Every field of a resident, not only the portal's. From twelve residents on, a page holds
    // a claimed place (whose account is read once): fewer may hold none.
    let types = schema_types(&app, &committee).await;
    let cases: Vec<(String, String)> = field_selections(&types, "Resident", 2)
        .into_iter()
        .map(|(n, s)| (format!("Resident.{n}"), s))
        .collect();
    assert!(cases.len() >= 8, "{cases:?}");
    let list = "query($c:ID!,$n:Int){ residents(communityId:$c, first:$n){ nodes { id {sel} } } }";
    let (grows, bounded) = per_item_statements(
        &app,
        &committee,
        list,
        &json!({"c": community}),
        &cases,
        (12, 50),
    )
    .await;
    assert!(
        grows.is_empty(),
        "per-resident statements:\n{}",
        grows.join("\n")
    );
    assert!(bounded.is_empty(), "{bounded:?}");
}

/// The plan the database chooses for `stmt`, one line per step: SQLite's `EXPLAIN QUERY PLAN`,
/// PostgreSQL's `EXPLAIN` with sorting discouraged (`enable_sort = off`), so that a sort shows
/// only where no index gives the order, however few rows a test holds.
async fn plan_of(db: &sea_orm::DatabaseConnection, stmt: &sea_orm::Statement) -> Vec<String> {
    use sea_orm::{ConnectionTrait, DbBackend, TransactionTrait};
    let backend = db.get_database_backend();
    let (prefix, column) = match backend {
        DbBackend::Postgres => ("EXPLAIN", "QUERY PLAN"),
        _ => ("EXPLAIN QUERY PLAN", "detail"),
    };
    let explain = sea_orm::Statement {
        sql: format!("{prefix} {}", stmt.sql),
        ..stmt.clone()
    };
    let txn = db.begin().await.unwrap_or_else(|e| panic!("begin: {e}"));
    if backend == DbBackend::Postgres {
        txn.execute_unprepared("SET LOCAL enable_sort = off")
            .await
            .unwrap_or_else(|e| panic!("set: {e}"));
    }
    let rows = txn
        .query_all_raw(explain)
        .await
        .unwrap_or_else(|e| panic!("explain {}: {e}", stmt.sql));
    let _ = txn.rollback().await;
    rows.iter()
        .map(|r| r.try_get::<String>("", column).unwrap_or_default())
        .collect()
}

/// PostgreSQL's `EXPLAIN ANALYZE` of `stmt` (it runs it), one line per step: each scan with
/// its `loops`.
async fn analyzed(db: &sea_orm::DatabaseConnection, stmt: &sea_orm::Statement) -> Vec<String> {
    use sea_orm::ConnectionTrait;
    let explain = sea_orm::Statement {
        sql: format!("EXPLAIN (ANALYZE, TIMING OFF, COSTS OFF) {}", stmt.sql),
        ..stmt.clone()
    };
    db.query_all_raw(explain)
        .await
        .unwrap_or_else(|e| panic!("explain analyze {}: {e}", stmt.sql))
        .iter()
        .map(|r| r.try_get::<String>("", "QUERY PLAN").unwrap_or_default())
        .collect()
}

/// How many sorts a plan of [`plan_of`] runs (PostgreSQL's Sort nodes, SQLite's temporary
/// B-trees for an ORDER BY).
fn sorts(plan: &[String]) -> usize {
    plan.iter()
        .filter(|l| {
            let node = l.trim_start().trim_start_matches("->").trim_start();
            node.starts_with("Sort  (")
                || node.starts_with("Incremental Sort  (")
                || l.contains("TEMP B-TREE")
        })
        .count()
}

/// A community's topic page reads its rows in the list's own order (newest first) from an index
/// and stops after the page: it never joins and sorts every topic of the community (in a 500-topic
/// community that made the statement about 7× and the whole request 2 to 2.5× slower).
#[tokio::test]
async fn a_topic_page_reads_rows_in_order_instead_of_sorting_the_whole_community() {
    let app = TestApp::spawn_quiet().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    for i in 0..3 {
        let topic = deliberating_topic(&app, &v).await;
        if i == 0 {
            open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
        }
    }
    let viewer = v.token(&phone(2));
    for (what, query) in [
        (
            "with ballots",
            "query($c:ID!){ topics(communityId:$c, first: 20){ nodes { id ballot { turnoutCount } } } }",
        ),
        (
            "without ballots",
            "query($c:ID!){ topics(communityId:$c, first: 20){ nodes { id title } } }",
        ),
    ] {
        let page = topic_page_statement(&app, viewer, query, &v.community_id, 3).await;
        let plan = plan_of(app.db(), &page).await;
        // On PostgreSQL the page comes with the viewer (`Reader::viewer_and_page`), whose
        // statement sorts the at most `first + 1` rows of the page (and the account's row) once
        // more, on top: one sort in all.
        assert!(
            sorts(&plan) <= usize::from(backend() == "postgres"),
            "{what} ({}): the page sorts instead of reading in order:\n{}",
            backend(),
            plan.join("\n")
        );
        assert!(
            plan.iter().any(|l| l.contains("ix_topics_community_created")),
            "{what} ({}): the page reads the topics by the list's index:\n{}",
            backend(),
            plan.join("\n")
        );
        // On PostgreSQL the page comes with the account statement: the viewer's session and
        // access subqueries run once for the statement, not once for each row of the page (the
        // account statement is not merged into the join).
        if backend() == "postgres" {
            let account_reads = |l: &&String| {
                [" on residents x", " on role_grants x", " on refresh_tokens"]
                    .iter()
                    .any(|t| l.contains(t))
            };
            let ran = analyzed(app.db(), &page).await;
            let reads: Vec<&String> = ran.iter().filter(account_reads).collect();
            assert!(
                reads.len() == 3 && reads.iter().all(|l| l.contains("loops=1)")),
                "{what}: the account's subqueries ran per row:\n{}",
                ran.join("\n")
            );
        }
    }
}

/// A topic page reads the topics' text only when the request shows it (a body may be 5,000
/// characters, and the portal's list never shows it): with `body` selected, directly or in a
/// fragment, each topic's own text; without it, no body is read at all.
#[tokio::test]
async fn a_topic_page_reads_the_topics_text_only_when_it_is_selected() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let body = "楼道灯坏了很久，建议换成声控灯。".repeat(200);
    let topic = crate::build::TopicSpec::new("更换楼道灯", &body)
        .propose(&app, v.token(COMMITTEE_PHONE), &v.community_id)
        .await;
    let topic_id = topic["id"].as_str().unwrap_or_default().to_owned();
    deliberating_topic(&app, &v).await;
    let viewer = v.token(&phone(2));
    let vars = json!({ "c": v.community_id });
    let body_read = |ran: &[String]| ran.iter().any(|s| s.contains(r#""topics"."body""#));

    for query in [
        "query($c:ID!){ topics(communityId:$c, first: 20){ nodes { id title } } }",
        "query($c:ID!){ topics(communityId:$c, first: 20){ nodes { id title status ballot { id } } } }",
        "query($c:ID!){ list: topics(communityId:$c, first: 20){ nodes { id title status text: title } } }",
    ] {
        let (ran, resp) = whole_statements_of(&app, viewer, query, vars.clone()).await;
        assert!(resp.get("errors").is_none(), "{resp}");
        let nodes = resp["data"]["topics"]["nodes"]
            .as_array()
            .or_else(|| resp["data"]["list"]["nodes"].as_array())
            .cloned()
            .unwrap_or_default();
        // The columns after the one left out are still read into their own fields.
        let mut titles: Vec<&str> = nodes.iter().filter_map(|n| n["title"].as_str()).collect();
        titles.sort();
        assert_eq!(titles, ["更换楼道灯", "更换电梯"], "{query}: {resp}");
        assert!(
            nodes
                .iter()
                .all(|n| n.get("status").is_none() || n["status"] == "DELIBERATING"),
            "{query}: {resp}"
        );
        assert!(!body_read(&ran), "{query}: the page read the bodies:\n{ran:#?}");
    }
    for query in [
        "query($c:ID!){ topics(communityId:$c, first: 20){ nodes { id body } } }",
        "query($c:ID!){ topics(communityId:$c, first: 20){ nodes { id text: body body } } }",
        "query($c:ID!){ topics(communityId:$c, first: 20){ nodes { id ballot { id } ...B } } } fragment B on Topic { body }",
        "query($c:ID!){ topics(communityId:$c, first: 20){ edges { node { id ... on Topic { body } } } } }",
    ] {
        let (ran, resp) = whole_statements_of(&app, viewer, query, vars.clone()).await;
        assert!(resp.get("errors").is_none(), "{resp}");
        assert!(body_read(&ran), "{query}: no body was read:\n{ran:#?}");
        let topics = &resp["data"]["topics"];
        let nodes: Vec<&Value> = match topics["nodes"].as_array() {
            Some(n) => n.iter().collect(),
            None => topics["edges"]
                .as_array()
                .map(|e| e.iter().map(|e| &e["node"]).collect())
                .unwrap_or_default(),
        };
        let ours = nodes
            .iter()
            .find(|n| n["id"] == topic_id.as_str())
            .unwrap_or_else(|| panic!("{query}: topic missing: {resp}"));
        assert_eq!(ours["body"], body.as_str(), "{query}");
        assert!(
            nodes.iter().all(|n| !n["body"].as_str().unwrap_or_default().is_empty()),
            "{query}: an empty body: {resp}"
        );
    }
}

/// A list page reads only the topic and ballot columns its fields show (issue 7: the columns a
/// row sends are most of a list's cost), and every field still shows what a read of one topic
/// or ballot shows. The fields come from the schema itself, so a field added later is checked
/// too: each is selected alone in the list and compared, topic by topic, with `topic(id:)`
/// (which reads whole rows). The topics and ballots differ from the placeholders a projected
/// read leaves in unread columns (a RESIDENTS CHOICE, APPROVAL, secret, extended ballot with
/// votes; a closed OWNERS motion; a cancelled ballot; a rejected topic; a topic with progress),
/// except where no topic ballot can differ (`campaignId`, `categoryId`, `scope`: none) or the
/// placeholder is the truth (a ballot's `topicId` is its topic's, a topic's `communityId` the
/// page's).
#[tokio::test]
async fn a_list_reads_each_topic_and_ballot_field_as_a_read_of_one_does() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = TestApp::spawn_quiet().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let committee = v.token(COMMITTEE_PHONE);
    // An open CHOICE ballot, secret, extended, with votes (the committee member's among them).
    let open = deliberating_topic(&app, &v).await;
    // RESIDENTS: the viewer votes as a resident, not as the placeholder electorate's household.
    let spec = BallotSpec::motion(&open)
        .by(Electorate::Residents, DecisionRule::ResidentsMeeting)
        .choice(
            entity::ballot::VoteMethod::Approval,
            2,
            &[("甲方案", false), ("乙方案", false), ("弃权", true)],
        )
        .secret(true);
    let b = open_ballot(&app, &v, &spec).await;
    let open_id = b["id"].as_str().unwrap_or_default().to_owned();
    let first = b["options"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    for p in [1, 2, 3] {
        let r = vote(
            &app,
            v.token(&phone(p)),
            &open_id,
            std::slice::from_ref(&first),
        )
        .await;
        assert!(r["data"]["castVote"]["receipt"].is_string(), "{r}");
    }
    app.ok(
        Some(committee),
        "mutation($b:ID!,$at:DateTime!){ extendBallot(ballotId:$b, closesAt:$at, reason:\"春节期间，延长三天\"){ id } }",
        json!({"b": open_id, "at": chrono::Utc::now() + chrono::Duration::days(10)}),
    )
    .await;
    // A closed OWNERS motion (closed by the list's own read), the topic then with progress.
    let closed = deliberating_topic(&app, &v).await;
    let m = open_ballot(&app, &v, &BallotSpec::motion(&closed)).await;
    let m_id = m["id"].as_str().unwrap_or_default().to_owned();
    let approve = option_id(&m, "APPROVE");
    for p in [1, 2, 3, 4, 5, 6, 7, 8] {
        vote(
            &app,
            v.token(&phone(p)),
            &m_id,
            std::slice::from_ref(&approve),
        )
        .await;
    }
    let_voting_time_pass(&app, &m_id).await;
    entity::topic::Entity::update_many()
        .col_expr(
            entity::topic::Column::Progress,
            sea_orm::sea_query::Expr::value(40),
        )
        .filter(entity::topic::Column::Id.eq(closed.clone()))
        .exec(app.db())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // A cancelled ballot, the topic's latest.
    let cancelled = deliberating_topic(&app, &v).await;
    let c = open_ballot(&app, &v, &BallotSpec::motion(&cancelled)).await;
    app.ok(
        Some(committee),
        "mutation($b:ID!){ cancelBallot(ballotId:$b, reason:\"问题表述有误\"){ id } }",
        json!({"b": c["id"]}),
    )
    .await;
    // A resident's topic, rejected with a reason.
    let rejected = crate::build::TopicSpec::new(
        "小区内禁止养大型犬",
        "建议小区内禁止饲养大型犬，保障老人和儿童安全。",
    )
    .category(entity::topic::TopicCategory::Safety)
    .propose(&app, v.token(&phone(3)), &v.community_id)
    .await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    app.ok(
        Some(committee),
        "mutation($t:ID!){ rejectTopic(topicId:$t, reason:\"不属于议事范围\"){ id } }",
        json!({"t": rejected}),
    )
    .await;
    let topics = [&open, &closed, &cancelled, &rejected];

    let schema = app
        .ok(
            Some(committee),
            "{ __schema { types { name kind fields { name args { name type { kind } }
               type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }",
            json!({}),
        )
        .await;
    let types = schema["__schema"]["types"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let topic_fields = field_selections(&types, "Topic", 2);
    let ballot_fields = field_selections(&types, "Ballot", 2);
    assert!(topic_fields.len() >= 20, "{topic_fields:?}");
    assert!(ballot_fields.len() >= 30, "{ballot_fields:?}");

    let mut cases: Vec<(String, Vec<String>, String)> = Vec::new();
    for (name, sel) in &topic_fields {
        if name != "ballot" {
            cases.push((name.clone(), vec![name.clone()], sel.clone()));
        }
    }
    for (name, sel) in &ballot_fields {
        cases.push((
            name.clone(),
            vec!["ballot".into(), name.clone()],
            format!("ballot {{ id {sel} }}"),
        ));
    }
    let mut differ = Vec::new();
    let mut compared = 0;
    for (field, path, sel) in cases {
        let (nodes, list_errors) = list_nodes(&app, committee, &v.community_id, &sel).await;
        let one_q = format!("query($t:ID!){{ topic(id:$t){{ id {sel} }} }}");
        for t in topics {
            let one = app.gql(Some(committee), &one_q, json!({"t": t})).await;
            let pick = |node: &Value| path.iter().fold(node.clone(), |n, p| n[p.as_str()].clone());
            let in_list = nodes
                .iter()
                .find(|n| n["id"] == t.as_str())
                .map(pick)
                .unwrap_or(Value::Null);
            let alone = pick(&one["data"]["topic"]);
            compared += 1;
            if in_list != alone || list_errors.as_ref() != one.get("errors") {
                differ.push(format!(
                    "{field} of {t}: list {in_list} / {list_errors:?}, one {alone} / {:?}",
                    one.get("errors")
                ));
            }
        }
    }
    assert!(
        differ.is_empty(),
        "{} of {compared} differ:\n{}",
        differ.len(),
        differ.join("\n")
    );

    // And the list reads no column it does not show: the benchmark's page reads neither the
    // topics' text nor the ballots' question or scope.
    let q = "query($c:ID!){ topics(communityId:$c, first: 20){ nodes { id title ballot { turnoutCount } } } }";
    let page = topic_page_statement(&app, committee, q, &v.community_id, 4)
        .await
        .sql;
    for column in [
        r#""topics"."body""#,
        r#""topics"."reject_reason""#,
        r#""lb"."question""#,
        r#""lb"."scope""#,
        r#""lb"."opened_by""#,
        r#""lb"."eligible_area""#,
        "pending_area",
    ] {
        assert!(!page.contains(column), "{column} read: {page}");
    }
    for column in [
        r#""topics"."title""#,
        r#""lb"."turnout_count""#,
        "pending_count",
    ] {
        assert!(page.contains(column), "{column} not read: {page}");
    }
}

/// The whole SQL of each statement one request runs (`statements_of` keeps their starts), and
/// the response.
async fn whole_statements_of(
    app: &TestApp,
    token: &str,
    query: &str,
    variables: Value,
) -> (Vec<String>, Value) {
    // What reading it from the database runs: no page kept from an earlier request.
    app.state.topic_pages.clear();
    let mark = app.statement_mark();
    let resp = app.gql(Some(token), query, variables).await;
    (app.whole_statements_since(mark), resp)
}

/// Runs a topic list of `community` and returns its page statement (the one reading `topics` in
/// order), after checking that `nodes` topics came back.
async fn topic_page_statement(
    app: &TestApp,
    token: &str,
    query: &str,
    community: &str,
    nodes: usize,
) -> sea_orm::Statement {
    app.state.topic_pages.clear();
    let mark = app.statement_mark();
    let data = app.ok(Some(token), query, json!({ "c": community })).await;
    assert_eq!(
        data["topics"]["nodes"].as_array().map(Vec::len),
        Some(nodes),
        "{data}"
    );
    let ran = app.statements_since(mark);
    ran.iter()
        .find(|s| s.sql.contains(r#"FROM "topics""#) && s.sql.contains("ORDER BY"))
        .cloned()
        .unwrap_or_else(|| panic!("{query}: no topic page among {ran:#?}"))
}

/// The community's topics (four here) with `sel`, as one page; a selection too costly for a page
/// of four (a named roll costs as much as a bulletin) as pages of one. And the errors, if any.
async fn list_nodes(
    app: &TestApp,
    token: &str,
    community: &str,
    sel: &str,
) -> (Vec<Value>, Option<Value>) {
    let q = format!(
        "query($c:ID!,$n:Int,$a:String){{ topics(communityId:$c, first:$n, after:$a){{
           nodes {{ id {sel} }} pageInfo {{ hasNextPage endCursor }} }} }}"
    );
    let page = app
        .gql(Some(token), &q, json!({"c": community, "n": 4}))
        .await;
    let too_complex = page["errors"][0]["message"] == "Query is too complex.";
    if !too_complex {
        let nodes = page["data"]["topics"]["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        return (nodes, page.get("errors").cloned());
    }
    let (mut nodes, mut after) = (Vec::new(), Value::Null);
    loop {
        let page = app
            .gql(Some(token), &q, json!({"c": community, "n": 1, "a": after}))
            .await;
        if page.get("errors").is_some() {
            return (nodes, page.get("errors").cloned());
        }
        let topics = &page["data"]["topics"];
        nodes.extend(topics["nodes"].as_array().cloned().unwrap_or_default());
        if topics["pageInfo"]["hasNextPage"] != true {
            return (nodes, None);
        }
        after = topics["pageInfo"]["endCursor"].clone();
    }
}

/// Each field of `type_name` without a required argument, with a selection of it: leaves
/// alone, objects with their own leaves (to `depth` levels).
pub fn field_selections(types: &[Value], type_name: &str, depth: u32) -> Vec<(String, String)> {
    let of = |name: &str| types.iter().find(|t| t["name"] == name).cloned();
    let mut out = Vec::new();
    let Some(t) = of(type_name) else {
        return out;
    };
    for f in t["fields"].as_array().cloned().unwrap_or_default() {
        let name = f["name"].as_str().unwrap_or_default().to_owned();
        let required = f["args"]
            .as_array()
            .is_some_and(|a| a.iter().any(|a| a["type"]["kind"] == "NON_NULL"));
        if required {
            continue;
        }
        let mut ty = f["type"].clone();
        while ty["kind"] == "NON_NULL" || ty["kind"] == "LIST" {
            ty = ty["ofType"].clone();
        }
        match ty["kind"].as_str() {
            Some("SCALAR" | "ENUM") => out.push((name.clone(), name)),
            Some("OBJECT") if depth > 0 => {
                // A page of a nested list: two rows, to stay within the complexity limit.
                let paged = f["args"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|a| a["name"] == "first"));
                let call = match paged {
                    true => format!("{name}(first: 2)"),
                    false => name.clone(),
                };
                let inner = ty["name"].as_str().unwrap_or_default();
                let sub: Vec<String> = field_selections(types, inner, depth - 1)
                    .into_iter()
                    .map(|(_, s)| s)
                    .collect();
                let sub = match sub.is_empty() {
                    true => "__typename".to_owned(),
                    false => sub.join(" "),
                };
                out.push((name.clone(), format!("{call} {{ {sub} }}")));
            }
            _ => {}
        }
    }
    out
}

/// Every field of a topic, and of its ballots, runs as many statements in a page of twelve
/// topics (fewer where the complexity limit refuses twelve) as in a page of one: a list
/// request runs a constant number of statements. The fields come from the schema itself, so a
/// field added later that reads once per topic fails here: the failure names it.
#[tokio::test]
async fn every_topic_and_ballot_field_costs_as_many_statements_for_more_topics_as_for_one() {
    let app = TestApp::spawn_with(|s| {
        s.proposal_limit.max = 1000;
        s.write_limit.max = 1000;
        // No background job runs between two counts.
        s.job_interval_ms = 3_600_000;
        s.fold_interval_ms = 3_600_000;
    })
    .await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let committee = v.token(COMMITTEE_PHONE);
    let viewer = v.token(&phone(2));
    for i in 0..14 {
        let topic = deliberating_topic(&app, &v).await;
        let b = open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
        if i % 3 == 0 {
            // A cancelled ballot and a new one: the topic has two.
            app.ok(
                Some(committee),
                "mutation($b:ID!){ cancelBallot(ballotId:$b, reason:\"问题表述有误\"){ id } }",
                json!({"b": b["id"]}),
            )
            .await;
            open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
        } else {
            let id = b["id"].as_str().unwrap_or_default();
            vote(&app, viewer, id, &[option_id(&b, "APPROVE")]).await;
        }
        app.ok(
            Some(viewer),
            "mutation($t:ID!){ commentOnTopic(topicId:$t, body:\"同意，尽快办。\"){ id } }",
            json!({"t": topic}),
        )
        .await;
    }
    let types = schema_types(&app, committee).await;
    // A ballot's fields are checked one by one, under the latest ballot and under every
    // ballot (all at once is too complex).
    let mut cases: Vec<(String, String)> = field_selections(&types, "Topic", 2)
        .into_iter()
        .filter(|(name, _)| name != "ballot" && name != "ballots")
        .map(|(name, sel)| (format!("Topic.{name}"), sel))
        .collect();
    for (name, sel) in field_selections(&types, "Ballot", 2) {
        for under in ["ballot", "ballots"] {
            cases.push((
                format!("Topic.{under} {{ {name} }}"),
                format!("{under} {{ id {sel} }}"),
            ));
        }
    }
    assert!(cases.len() >= 70, "{cases:?}");
    let list = "query($c:ID!,$n:Int){ topics(communityId:$c, first:$n){ nodes { id {sel} } } }";
    let vars = json!({"c": v.community_id});
    let (mut differ, mut bounded) = (Vec::new(), std::collections::BTreeSet::new());
    for token in [viewer, committee] {
        let found = per_item_statements(&app, token, list, &vars, &cases, (1, 12)).await;
        differ.extend(found.0);
        bounded.extend(found.1);
    }
    assert!(
        differ.is_empty(),
        "per-topic statements:\n{}",
        differ.join("\n")
    );
    // Fields read per ballot by design are priced so that a request holds at most two of them
    // (`BULLETIN_COST`): the whole named roll, and a page of the electorate (searched and
    // ordered through the roster's households and buildings). Every ballot of a topic counts as many times as a topic
    // may hold ballots, so under `ballots` the whole result and notice (all their fields) fit
    // no page of four topics either. No other field may be kept out.
    let mut expected: std::collections::BTreeSet<String> = ["namedRoll", "voters"]
        .iter()
        .flat_map(|f| {
            [
                format!("Topic.ballot {{ {f} }}"),
                format!("Topic.ballots {{ {f} }}"),
            ]
        })
        .collect();
    expected.extend(["result", "notice"].map(|f| format!("Topic.ballots {{ {f} }}")));
    assert_eq!(bounded, expected);
}

/// A topic page's comments each show their first replies, and a list's topics each their
/// first comments: every thread's page is read with the others (as many statements for 36
/// comments as for two), and each shows exactly what a read of that thread alone shows: its own
/// rows, oldest first, its total and whether more follow, a hidden body to the committee only.
#[tokio::test]
async fn threads_read_together_show_what_each_thread_alone_shows_in_as_many_statements() {
    let app = TestApp::spawn_with(|s| {
        s.comment_limit.max = 1000;
        s.job_interval_ms = 3_600_000;
        s.fold_interval_ms = 3_600_000;
    })
    .await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let committee = v.token(COMMITTEE_PHONE);
    let say = |topic: String, parent: Option<String>, n: usize| say(&app, &v, topic, parent, n);
    // Three topics with 36, 0 and 3 comments (a page of more than 30 items is resolved a few at
    // a time: `loaders::Batched`); the comments with 0 to 4 replies each.
    let mut topics = Vec::new();
    let mut n = 0;
    for count in [36, 0, 3] {
        let topic = deliberating_topic(&app, &v).await;
        for c in 0..count {
            n += 1;
            let comment = say(topic.clone(), None, n).await;
            for _ in 0..(c % 5) {
                n += 1;
                say(topic.clone(), Some(comment.clone()), n).await;
            }
            if c == 1 {
                app.ok(
                    Some(committee),
                    "mutation($c:ID!){ hideComment(commentId:$c, reason:\"人身攻击\"){ id } }",
                    json!({"c": comment}),
                )
                .await;
            }
        }
        topics.push(topic);
    }
    const THREAD: &str = "totalCount pageInfo { hasNextPage endCursor } nodes { id body hidden parentId author { name } }";
    let replies = format!("replies(first: 2) {{ {THREAD} }}");
    for token in [v.token(&phone(3)), committee] {
        // A topic page: its comments, each with its first replies.
        let q = format!(
            "query($t:ID!,$n:Int){{ topic(id:$t){{ comments(first:$n){{ totalCount pageInfo {{ hasNextPage endCursor }}
               nodes {{ id body hidden parentId author {{ name }} {replies} }} }} }} }}"
        );
        let page =
            |first: i64| app.statements_of(Some(token), &q, json!({"t": topics[0], "n": first}));
        let _ = page(2).await;
        let (two, _) = page(2).await;
        let (many, r) = page(36).await;
        assert_eq!(
            two.len(),
            many.len(),
            "36 comments ran {many:#?}\ntwo ran {two:#?}"
        );
        let comments = r["data"]["topic"]["comments"]["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(comments.len(), 36, "{r}");
        replies_as_alone(&app, token, &comments, &replies).await;
        assert!(
            comments
                .iter()
                .any(|c| c["replies"]["pageInfo"]["hasNextPage"] == true),
            "a thread with more replies than the page"
        );
        assert!(comments.iter().any(|c| c["replies"]["totalCount"] == 0));
        let hidden = &comments[1];
        assert_eq!(hidden["hidden"], true);
        assert_eq!(hidden["body"].is_string(), token == committee, "{hidden}");

        // A list: each topic with its first comments.
        let comments_sel = format!("comments(first: 2) {{ {THREAD} }}");
        let nodes = topics_as_alone(&app, token, &v.community_id, &comments_sel).await;
        let totals: Vec<Value> = nodes
            .iter()
            .map(|t| t["comments"]["totalCount"].clone())
            .collect();
        assert_eq!(
            totals,
            [json!(3), json!(0), json!(36)],
            "newest topic first"
        );

        // The same cursor under every comment of the page: each thread's replies after that
        // key, as a read of that thread alone gives them.
        let cursor = comments[3]["replies"]["pageInfo"]["endCursor"].clone();
        assert!(cursor.is_string(), "{}", comments[3]);
        let after = format!(
            "replies(first: 2, after: {cursor}) {{ totalCount pageInfo {{ hasNextPage }} nodes {{ id body }} }}"
        );
        let paged = app
            .ok(
                Some(token),
                &format!("query($t:ID!){{ topic(id:$t){{ comments(first: 12){{ nodes {{ id {after} }} }} }} }}"),
                json!({"t": topics[0]}),
            )
            .await;
        let paged = paged["topic"]["comments"]["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(paged.len(), 12);
        replies_as_alone(&app, token, &paged, &after).await;
        let shown = |c: &Value| c["replies"]["nodes"].as_array().map_or(0, Vec::len);
        // Its own thread: the third of its three replies.
        assert_eq!(shown(&paged[3]), 1, "{}", paged[3]);
        assert!(
            paged[..3].iter().all(|c| shown(c) == 0),
            "earlier threads end before the key"
        );
        assert!(
            paged[4..].iter().any(|c| shown(c) > 0),
            "later threads' replies follow the key"
        );
    }

    // Progress updates of several topics read together: each topic's own, oldest first.
    let author = v
        .people
        .get(COMMITTEE_PHONE)
        .map(|p| p.1.clone())
        .unwrap_or_default();
    for (topic, n) in [(&topics[0], 3), (&topics[2], 2)] {
        for k in 0..n {
            use sea_orm::{ActiveModelTrait, Set};
            entity::topic_update::ActiveModel {
                id: Set(uuid::Uuid::new_v4().to_string()),
                topic_id: Set(topic.clone()),
                author_id: Set(author.clone()),
                percent: Set(20 * (k + 1)),
                note: Set(format!("进度 {k}")),
                created_at: Set(chrono::Utc::now() + chrono::Duration::seconds(i64::from(k))),
            }
            .insert(app.db())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        }
    }
    const UPDATES: &str = "updates(first: 2) { totalCount pageInfo { hasNextPage } nodes { percent note author { name } createdAt } }";
    let nodes = topics_as_alone(&app, committee, &v.community_id, UPDATES).await;
    let percents: Vec<Vec<Value>> = nodes
        .iter()
        .map(|t| {
            t["updates"]["nodes"]
                .as_array()
                .map(|l| l.iter().map(|u| u["percent"].clone()).collect())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(
        percents,
        [
            vec![json!(20), json!(40)],
            vec![],
            vec![json!(20), json!(40)]
        ]
    );
    assert_eq!(nodes[0]["updates"]["pageInfo"]["hasNextPage"], false);
    assert_eq!(nodes[2]["updates"]["pageInfo"]["hasNextPage"], true);
}

/// The schema's types, as introspection lists them (for [`field_selections`]).
pub async fn schema_types(app: &TestApp, token: &str) -> Vec<Value> {
    let schema = app
        .ok(
            Some(token),
            "{ __schema { types { name kind fields { name args { name type { kind } }
               type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }",
            json!({}),
        )
        .await;
    schema["__schema"]["types"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Each case's selection (`(name, selection)`, [`field_selections`]) put alone into a list
/// query's nodes (`list` has `{sel}` there, its first connection takes `$n`, and `vars` its
/// other variables), and the statements counted for a page of `least` items and for the largest
/// page of at most `most` (and at least four) that the complexity limit lets through. Returns the
/// cases whose statements grow with the page ("name: a for 1, b for n") and those the limit
/// keeps out of every page of four. A field refused inside the page (FORBIDDEN to this viewer,
/// or BAD_USER_INPUT in a list at all) is counted too: a refusal must not cost a statement per
/// item either. Any other error fails, and so
/// does a page with fewer than `n` nodes (seed at least `most` items).
pub async fn per_item_statements(
    app: &TestApp,
    token: &str,
    list: &str,
    vars: &Value,
    cases: &[(String, String)],
    (least, most): (i64, i64),
) -> (Vec<String>, std::collections::BTreeSet<String>) {
    let (mut differ, mut bounded) = (Vec::new(), std::collections::BTreeSet::new());
    // A field refused inside the page (to this viewer, or in a list at all).
    let refused_only = |r: &Value| {
        r["errors"].as_array().is_none_or(|e| {
            e.iter().all(|e| {
                e["path"].is_array()
                    && ["FORBIDDEN", "BAD_USER_INPUT"]
                        .contains(&e["extensions"]["code"].as_str().unwrap_or_default())
            })
        })
    };
    // The list's nodes: the first `nodes` under `data`, outermost first.
    fn nodes_in(v: &Value) -> Option<usize> {
        let o = v.as_object()?;
        if let Some(n) = o.get("nodes").and_then(Value::as_array) {
            return Some(n.len());
        }
        o.values().find_map(nodes_in)
    }
    let nodes = |r: &Value| nodes_in(&r["data"]).unwrap_or(0);
    for (field, sel) in cases {
        let q = list.replace("{sel}", sel);
        let count = |n: i64| {
            let mut vars = vars.clone();
            vars["n"] = json!(n);
            let q = q.clone();
            async move { app.statements_of(Some(token), &q, vars).await }
        };
        // The first request of a connection may prepare statements.
        let _ = count(least).await;
        let (one, r1) = count(least).await;
        if r1["errors"][0]["message"] == "Query is too complex." {
            // Not in a list at all (a named roll under every ballot of a topic).
            bounded.insert(field.clone());
            continue;
        }
        assert!(refused_only(&r1), "{field}: {r1}");
        assert_eq!(nodes(&r1), least as usize, "{field}: {r1}");
        let mut largest = None;
        let mut n = most;
        while n >= 4 && n > least {
            let (more, r) = count(n).await;
            if r["errors"][0]["message"] != "Query is too complex." {
                assert!(refused_only(&r), "{field}: {r}");
                assert_eq!(nodes(&r), n as usize, "{field}: {r}");
                largest = Some((n, more));
                break;
            }
            n = n * 2 / 3;
        }
        match largest {
            Some((n, more)) if more.len() != one.len() => differ.push(format!(
                "{field}: {} for {least}, {} for {n}",
                one.len(),
                more.len()
            )),
            Some(_) => {}
            None => {
                bounded.insert(field.clone());
            }
        }
    }
    (differ, bounded)
}

/// Threads read together read each thread's page through its own index, in key order: a
/// comment's replies by `ix_topic_comments_parent`, a topic's comments by
/// `ix_topic_comments_topic`, never a scan of the table (a page of one comment's replies must
/// not cost a read of the whole topic, or of every comment).
#[tokio::test]
async fn threads_read_together_read_each_page_through_its_index() {
    let app = TestApp::spawn_with(|s| {
        s.comment_limit.max = 1000;
        s.job_interval_ms = 3_600_000;
        s.fold_interval_ms = 3_600_000;
    })
    .await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let token = v.token(&phone(2));
    let mut topics = Vec::new();
    for _ in 0..2 {
        let topic = deliberating_topic(&app, &v).await;
        for c in 0..4 {
            let id = app
                .ok(
                    Some(token),
                    "mutation($t:ID!,$b:String!){ commentOnTopic(topicId:$t, body:$b){ id } }",
                    json!({"t": topic, "b": format!("意见 {c}")}),
                )
                .await["commentOnTopic"]["id"]
                .clone();
            for r in 0..3 {
                app.ok(
                    Some(token),
                    "mutation($t:ID!,$b:String!,$p:ID){ commentOnTopic(topicId:$t, body:$b, parentId:$p){ id } }",
                    json!({"t": topic, "b": format!("回复 {r}"), "p": id}),
                )
                .await;
            }
        }
        topics.push(topic);
    }
    let statement = |query: String, vars: Value, part: &'static str| {
        let app = &app;
        async move {
            let mark = app.statement_mark();
            app.ok(Some(token), &query, vars).await;
            app.statements_since(mark)
                .into_iter()
                .find(|s| s.sql.contains("UNION ALL") && s.sql.contains(part))
                .unwrap_or_else(|| panic!("no page of threads in {query}"))
        }
    };
    let replies = statement(
        "query($t:ID!){ topic(id:$t){ comments(first: 4){ nodes { id replies(first: 2){ nodes { id } } } } } }".into(),
        json!({"t": topics[0]}),
        "parent_id",
    )
    .await;
    let comments = statement(
        "query($c:ID!){ topics(communityId:$c, first: 2){ nodes { id comments(first: 2){ nodes { id } } } } }".into(),
        json!({"c": v.community_id}),
        "topic_id",
    )
    .await;
    for (what, stmt, index) in [
        ("replies", &replies, "ix_topic_comments_parent"),
        ("comments", &comments, "ix_topic_comments_topic"),
    ] {
        let plan = plan_of(app.db(), stmt).await;
        let text = plan.join("\n");
        assert!(
            plan.iter().filter(|l| l.contains(index)).count() >= 2,
            "{what} ({}): each page through {index}:\n{text}",
            backend()
        );
        assert!(
            !plan.iter().any(|l| l.contains("Seq Scan on topic_comments")
                || l.trim_start().starts_with("SCAN topic_comments")),
            "{what} ({}): a scan of every comment:\n{text}",
            backend()
        );
    }
}

/// Comment number `n` ("意见 n") on a topic, or a reply to `parent`, by one of five owners in
/// turn; its id.
async fn say(
    app: &TestApp,
    v: &crate::ballots::Voters,
    topic: String,
    parent: Option<String>,
    n: usize,
) -> String {
    app.ok(
        Some(v.token(&phone(2 + n % 5))),
        "mutation($id:ID!,$b:String!,$p:ID){ commentOnTopic(topicId:$id, body:$b, parentId:$p){ id } }",
        json!({"id": topic, "b": format!("意见 {n}"), "p": parent}),
    )
    .await["commentOnTopic"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// A batch that several requests share may hold more parents than one page: their pages are
/// still read (in statements of at most a page's parents each; SQLite refuses a compound SELECT
/// of more than 500 terms), each parent's own rows in key order.
#[tokio::test]
async fn pages_of_more_parents_than_one_statement_holds_are_each_their_own() {
    use entity::topic_comment;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = TestApp::spawn_with(|s| {
        s.comment_limit.max = 1000;
        s.job_interval_ms = 3_600_000;
        s.fold_interval_ms = 3_600_000;
    })
    .await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let mut parents = Vec::new();
    let mut first = Vec::new();
    for t in 0..3 {
        let topic = deliberating_topic(&app, &v).await;
        first.push(say(&app, &v, topic.clone(), None, 10 * t).await);
        say(&app, &v, topic.clone(), None, 10 * t + 1).await;
        parents.push(topic);
    }
    // 600 parents: the three topics among topics that do not exist.
    let mut all: Vec<String> = (0..597).map(|n| format!("no-such-topic-{n}")).collect();
    all.insert(100, parents[0].clone());
    all.insert(350, parents[1].clone());
    all.push(parents[2].clone());
    let rows = api::db::keyset_pages(
        app.db(),
        topic_comment::Entity::find().filter(topic_comment::Column::ParentId.is_null()),
        (topic_comment::Column::TopicId, &all),
        (topic_comment::Column::CreatedAt, topic_comment::Column::Id),
        (None, sea_orm::sea_query::Order::Asc),
        1,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let mut got: Vec<String> = rows.into_iter().map(|c| c.id).collect();
    got.sort();
    first.sort();
    assert_eq!(got, first, "each topic's first comment, and nothing else");
}

/// The community's three newest topics with `sel`, each as a read of that topic alone shows it
/// (asserted); the nodes.
async fn topics_as_alone(app: &TestApp, token: &str, community: &str, sel: &str) -> Vec<Value> {
    let list = app
        .ok(
            Some(token),
            &format!(
                "query($c:ID!){{ topics(communityId:$c, first: 3){{ nodes {{ id {sel} }} }} }}"
            ),
            json!({"c": community}),
        )
        .await;
    let nodes = list["topics"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(nodes.len(), 3, "{list}");
    for t in &nodes {
        let alone = app
            .ok(
                Some(token),
                &format!("query($t:ID!){{ topic(id:$t){{ id {sel} }} }}"),
                json!({"t": t["id"]}),
            )
            .await;
        assert_eq!(t, &alone["topic"], "{sel}");
    }
    nodes
}

/// Each comment's `replies` (selected by `sel`) as a read of that comment alone shows them.
async fn replies_as_alone(app: &TestApp, token: &str, comments: &[Value], sel: &str) {
    for c in comments {
        let alone = app
            .ok(
                Some(token),
                &format!("query($c:ID!){{ comment(id:$c){{ {sel} }} }}"),
                json!({"c": c["id"]}),
            )
            .await;
        assert_eq!(c["replies"], alone["comment"]["replies"], "{c}");
    }
}
