//! Floods and cursors (issue 6, items 5 and 10).
//!
//! - 2,000 comments of 2,000 characters made one topic read 12 MB, and 30 aliases of it 363 MB:
//!   every growing list is now a connection with a maximum page size (and costs its page size in
//!   the query's complexity), and a resident's writes are rate limited per account.
//! - An `after` cursor of 2^63 on `topics` or `residents` panicked a worker: every connection now
//!   answers a malformed or out-of-range cursor with BAD_USER_INPUT on `after`.

use crate::build::BallotSpec;
use std::collections::HashSet;

use api::config::{Settings, WriteLimit};
use base64::Engine;
use sea_orm::EntityTrait;
use serde_json::{json, Value};

use crate::ballots::{
    deliberating_topic, open_ballot, phone, voters, Voters, COMMITTEE_PHONE, OWNERS_ROSTER,
};
use crate::harness::*;

const PROPOSE: &str = "mutation($c:ID!,$t:String!,$b:String!){ proposeTopic(communityId:$c, title:$t, body:$b, category:FACILITIES){ id } }";
const COMMENT: &str =
    "mutation($id:ID!,$b:String!,$p:ID){ commentOnTopic(topicId:$id, body:$b, parentId:$p){ id } }";
const COMMENTS: &str = "query($id:ID!,$first:Int,$after:String){ topic(id:$id){ comments(first:$first, after:$after){ totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { id } } nodes { id } } } }";
const ALIVE: &str = "{ me { id } }";

/// Settings whose comment limit does not get in the way of building a large topic.
fn roomy(s: &mut Settings) {
    s.comment_limit = WriteLimit {
        max: 10_000,
        window_secs: 600,
    };
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

fn field(resp: &Value) -> String {
    s(&resp["errors"][0]["extensions"]["field"])
}

async fn propose(app: &TestApp, token: &str, community: &str) -> String {
    let data = app
        .ok(
            Some(token),
            PROPOSE,
            json!({ "c": community, "t": "楼道灯更换", "b": "三楼楼道的灯坏了很久，请尽快更换。" }),
        )
        .await;
    s(&data["proposeTopic"]["id"])
}

async fn comment(
    app: &TestApp,
    token: &str,
    topic: &str,
    body: &str,
    parent: Option<&str>,
) -> Value {
    app.gql(
        Some(token),
        COMMENT,
        json!({ "id": topic, "b": body, "p": parent }),
    )
    .await
}

/// Every token in turn comments on the topic until it has `n` comments.
async fn fill(app: &TestApp, tokens: &[&str], topic: &str, n: usize, body: &str) {
    for i in 0..n {
        let resp = comment(app, tokens[i % tokens.len()], topic, body, None).await;
        assert!(resp.get("errors").is_none(), "comment {i}: {resp}");
    }
}

#[tokio::test]
async fn a_comment_flood_by_one_resident_is_cut_off_and_the_others_still_comment() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let topic = propose(&app, w.token(RESIDENT), &w.community_id).await;
    let limit = Settings::for_database("").comment_limit.max;
    assert!(limit <= 30, "comments: at most 30 per 10 minutes");
    let flooder = w.token(MEDIATOR);
    let first = comment(&app, flooder, &topic, "第一条", None).await;
    let parent = s(&first["data"]["commentOnTopic"]["id"]);
    for i in 1..limit {
        // Replies count towards the same limit.
        let reply = (i % 2 == 0).then_some(parent.as_str());
        let resp = comment(&app, flooder, &topic, &format!("第{i}条"), reply).await;
        assert!(resp.get("errors").is_none(), "comment {i}: {resp}");
    }
    for reply in [None, Some(parent.as_str())] {
        let resp = comment(&app, flooder, &topic, "刷屏", reply).await;
        assert_eq!(error_code(&resp), "RATE_LIMITED", "{resp}");
    }
    // The refused comments were not written.
    let count = app
        .ok(
            Some(w.token(RESIDENT)),
            COMMENTS,
            json!({ "id": topic, "first": 1 }),
        )
        .await;
    let replies = app
        .ok(
            Some(w.token(RESIDENT)),
            "query($id:ID!){ comment(id:$id){ replies(first: 1){ totalCount } } }",
            json!({ "id": parent }),
        )
        .await;
    let total = count["topic"]["comments"]["totalCount"]
        .as_i64()
        .unwrap_or(-1)
        + replies["comment"]["replies"]["totalCount"]
            .as_i64()
            .unwrap_or(-1);
    assert_eq!(total, i64::from(limit));
    // Everyone else still takes part, on this topic and others.
    for who in [RESIDENT, COMMITTEE] {
        let resp = comment(&app, w.token(who), &topic, "我也说两句", None).await;
        assert!(resp.get("errors").is_none(), "{who}: {resp}");
    }
    // Other writes by the flooder have their own budget.
    let other = propose(&app, flooder, &w.community_id).await;
    assert!(!other.is_empty());
}

#[tokio::test]
async fn proposals_co_signs_and_reports_by_one_account_are_rate_limited() {
    let app = TestApp::spawn_with(|s| {
        s.proposal_limit = WriteLimit {
            max: 3,
            window_secs: 600,
        };
        s.write_limit = WriteLimit {
            max: 2,
            window_secs: 600,
        };
    })
    .await;
    let w = app.community().await;
    let mut topics = Vec::new();
    for _ in 0..3 {
        topics.push(propose(&app, w.token(RESIDENT), &w.community_id).await);
    }
    let resp = app
        .gql(
            Some(w.token(RESIDENT)),
            PROPOSE,
            json!({ "c": w.community_id, "t": "再提一个", "b": "这是第四个议题，应当被限制。" }),
        )
        .await;
    assert_eq!(error_code(&resp), "RATE_LIMITED", "{resp}");
    // Co-signs and reports share the write budget of 2.
    let cosign = "mutation($id:ID!){ cosignTopic(topicId:$id){ id } }";
    for t in &topics[..2] {
        app.ok(Some(w.token(MEDIATOR)), cosign, json!({ "id": t }))
            .await;
    }
    let resp = app
        .gql(Some(w.token(MEDIATOR)), cosign, json!({ "id": topics[2] }))
        .await;
    assert_eq!(error_code(&resp), "RATE_LIMITED", "{resp}");
    // Someone else is not affected.
    app.ok(Some(w.token(COMMITTEE)), cosign, json!({ "id": topics[2] }))
        .await;
}

#[tokio::test]
async fn a_topic_with_many_comments_is_read_a_page_at_a_time_and_after_reaches_each_once() {
    let app = TestApp::spawn_with(roomy).await;
    let w = app.community().await;
    let topic = propose(&app, w.token(RESIDENT), &w.community_id).await;
    let n = 123;
    let tokens = [w.token(RESIDENT), w.token(MEDIATOR), w.token(COMMITTEE)];
    fill(&app, &tokens, &topic, n, "同意").await;

    // Without `first`, a default page.
    let page = app
        .ok(Some(w.token(RESIDENT)), COMMENTS, json!({ "id": topic }))
        .await;
    let c = &page["topic"]["comments"];
    assert_eq!(c["nodes"].as_array().map(Vec::len), Some(20));
    assert_eq!(c["totalCount"], n);

    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    let mut end;
    loop {
        let page = app
            .ok(
                Some(w.token(RESIDENT)),
                COMMENTS,
                json!({ "id": topic, "first": 50, "after": after }),
            )
            .await;
        let c = page["topic"]["comments"].clone();
        let nodes = c["nodes"].as_array().cloned().unwrap_or_default();
        assert!(nodes.len() <= 50, "a page holds at most 50");
        assert_eq!(c["pageInfo"]["hasPreviousPage"], after.is_some());
        let edges = c["edges"].as_array().cloned().unwrap_or_default();
        assert_eq!(edges.len(), nodes.len());
        seen.extend(nodes.iter().map(|n| s(&n["id"])));
        pages += 1;
        end = s(&c["pageInfo"]["endCursor"]);
        if c["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = Some(s(&c["pageInfo"]["endCursor"]));
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), n);
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), n, "each comment exactly once");
    let stored: HashSet<String> = entity::topic_comment::Entity::find()
        .all(app.db())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(seen.into_iter().collect::<HashSet<_>>(), stored);

    // Past the end (after the last comment): an empty page, not an error.
    let page = app
        .ok(
            Some(w.token(RESIDENT)),
            COMMENTS,
            json!({ "id": topic, "after": end }),
        )
        .await;
    assert_eq!(page["topic"]["comments"]["nodes"], json!([]));
    assert_eq!(page["topic"]["comments"]["pageInfo"]["hasNextPage"], false);
}

#[tokio::test]
async fn replies_are_paged_too() {
    let app = TestApp::spawn_with(roomy).await;
    let w = app.community().await;
    let topic = propose(&app, w.token(RESIDENT), &w.community_id).await;
    let parent = comment(&app, w.token(RESIDENT), &topic, "大家怎么看？", None).await;
    let parent = s(&parent["data"]["commentOnTopic"]["id"]);
    for i in 0..60 {
        let resp = comment(
            &app,
            w.token(MEDIATOR),
            &topic,
            &format!("回复{i}"),
            Some(&parent),
        )
        .await;
        assert!(resp.get("errors").is_none(), "{resp}");
    }
    let q = "query($id:ID!,$after:String){ topic(id:$id){ comments(first: 5){ nodes { replies(first: 50, after: $after){ totalCount pageInfo { hasNextPage endCursor } nodes { id } } } } } }";
    let page = app
        .ok(Some(w.token(RESIDENT)), q, json!({ "id": topic }))
        .await;
    let r = &page["topic"]["comments"]["nodes"][0]["replies"];
    assert_eq!(r["totalCount"], 60);
    assert_eq!(r["nodes"].as_array().map(Vec::len), Some(50));
    let more = app
        .ok(
            Some(w.token(RESIDENT)),
            "query($id:ID!,$after:String){ comment(id:$id){ replies(first: 50, after: $after){ pageInfo { hasNextPage } nodes { id } } } }",
            json!({ "id": parent, "after": r["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(
        more["comment"]["replies"]["nodes"].as_array().map(Vec::len),
        Some(10)
    );
    assert_eq!(more["comment"]["replies"]["pageInfo"]["hasNextPage"], false);
}

/// A world with a topic, a comment, a progress update and an open ballot, and one query per
/// connection (each taking `$first` and `$after`).
struct Connections {
    v: Voters,
    queries: Vec<(&'static str, &'static str, Value)>,
}

async fn connections(app: &TestApp) -> Connections {
    let v = voters(app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(app, &v).await;
    let c = comment(app, v.token(COMMITTEE_PHONE), &topic, "开始讨论", None).await;
    let comment_id = s(&c["data"]["commentOnTopic"]["id"]);
    let b = open_ballot(app, &v, &BallotSpec::motion(&topic)).await;
    let ballot = s(&b["id"]);
    let community = v.community_id.clone();
    let queries = vec![
        (
            "topics",
            "query($c:ID!,$first:Int,$after:String){ topics(communityId:$c, first:$first, after:$after){ nodes { id } } }",
            json!({ "c": community }),
        ),
        (
            "residents",
            "query($c:ID!,$first:Int,$after:String){ residents(communityId:$c, first:$first, after:$after){ nodes { id } } }",
            json!({ "c": community }),
        ),
        (
            "notifications",
            "query($first:Int,$after:String){ notifications(first:$first, after:$after){ nodes { id } } }",
            json!({}),
        ),
        (
            "comments",
            "query($id:ID!,$first:Int,$after:String){ topic(id:$id){ comments(first:$first, after:$after){ nodes { id } } } }",
            json!({ "id": topic }),
        ),
        (
            "replies",
            "query($id:ID!,$first:Int,$after:String){ comment(id:$id){ replies(first:$first, after:$after){ nodes { id } } } }",
            json!({ "id": comment_id }),
        ),
        (
            "updates",
            "query($id:ID!,$first:Int,$after:String){ topic(id:$id){ updates(first:$first, after:$after){ nodes { percent } } } }",
            json!({ "id": topic }),
        ),
        (
            "voters",
            "query($b:ID!,$first:Int,$after:String){ ballot(id:$b){ voters(first:$first, after:$after){ nodes { voterId } } } }",
            json!({ "b": ballot }),
        ),
        (
            "needsMe.ballots",
            "query($c:ID!,$first:Int,$after:String){ needsMe(communityId:$c){ ballots(first:$first, after:$after){ nodes { id } } } }",
            json!({ "c": community }),
        ),
        (
            "needsMe.topicsToCosign",
            "query($c:ID!,$first:Int,$after:String){ needsMe(communityId:$c){ topicsToCosign(first:$first, after:$after){ nodes { id } } } }",
            json!({ "c": community }),
        ),
    ];
    Connections { v, queries }
}

fn with(vars: &Value, key: &str, value: Value) -> Value {
    let mut vars = vars.clone();
    vars[key] = value;
    vars
}

#[tokio::test]
async fn every_connection_refuses_first_above_its_maximum() {
    let app = TestApp::spawn().await;
    let cs = connections(&app).await;
    let token = cs.v.token(COMMITTEE_PHONE);
    for (name, q, vars) in &cs.queries {
        let fine = app
            .gql(Some(token), q, with(vars, "first", json!(10)))
            .await;
        assert!(fine.get("errors").is_none(), "{name}: {fine}");
        for first in [0, -1, 101, 1_000_000] {
            let resp = app
                .gql(Some(token), q, with(vars, "first", json!(first)))
                .await;
            assert_eq!(
                error_code(&resp),
                "BAD_USER_INPUT",
                "{name} {first}: {resp}"
            );
            assert_eq!(field(&resp), "first", "{name} {first}: {resp}");
        }
    }
    // Comments and replies carry long bodies: at most 50 a page.
    for (name, q, vars) in cs
        .queries
        .iter()
        .filter(|q| q.0 == "comments" || q.0 == "replies")
    {
        let resp = app
            .gql(Some(token), q, with(vars, "first", json!(51)))
            .await;
        assert_eq!(field(&resp), "first", "{name}: {resp}");
        let ok = app
            .gql(Some(token), q, with(vars, "first", json!(50)))
            .await;
        assert!(ok.get("errors").is_none(), "{name}: {ok}");
    }
}

#[tokio::test]
async fn malformed_or_out_of_range_cursors_are_bad_input_on_every_connection() {
    let app = TestApp::spawn().await;
    let cs = connections(&app).await;
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let cursors = [
        b64("9223372036854775808"),  // 2^63
        b64("9223372036854775807"),  // i64::MAX
        b64("18446744073709551615"), // u64::MAX
        b64("18446744073709551616"), // beyond u64
        b64("-1"),
        b64("-9223372036854775808"),
        b64("1e400"),
        b64("[\"2026-01-01T00:00:00Z\",\"x\"]"),
        b64("{}"),
        "!!!not-base64!!!".to_owned(),
        "eyJ".to_owned(),
        String::new(),
        "A".repeat(10_000),
    ];
    let tokens = [cs.v.token(COMMITTEE_PHONE), cs.v.token(&phone(2))];
    for (name, q, vars) in &cs.queries {
        for cursor in &cursors {
            let token = if *name == "voters" {
                tokens[0]
            } else {
                tokens[1]
            };
            let resp = app
                .gql(Some(token), q, with(vars, "after", json!(cursor)))
                .await;
            let shown = &cursor[..cursor.len().min(40)];
            // A keyset cursor's shape with an id no row has (not a UUID) is refused too.
            assert_eq!(
                error_code(&resp),
                "BAD_USER_INPUT",
                "{name} {shown}: {resp}"
            );
            assert_eq!(field(&resp), "after", "{name} {shown}: {resp}");
        }
        // The server keeps answering.
        let alive = app.gql(Some(tokens[1]), ALIVE, json!({})).await;
        assert!(alive.get("errors").is_none(), "{name}: {alive}");
    }
}

#[tokio::test]
async fn thirty_aliases_of_a_large_discussion_stay_small() {
    let app = TestApp::spawn_with(roomy).await;
    let w = app.community().await;
    let topic = propose(&app, w.token(RESIDENT), &w.community_id).await;
    let long = "长".repeat(2_000);
    let tokens = [w.token(RESIDENT), w.token(MEDIATOR), w.token(COMMITTEE)];
    fill(&app, &tokens, &topic, 60, &long).await;
    let parent = app
        .ok(
            Some(w.token(RESIDENT)),
            COMMENTS,
            json!({ "id": topic, "first": 1 }),
        )
        .await;
    let parent = s(&parent["topic"]["comments"]["nodes"][0]["id"]);
    for _ in 0..30 {
        let resp = comment(&app, w.token(MEDIATOR), &topic, &long, Some(&parent)).await;
        assert!(resp.get("errors").is_none(), "{resp}");
    }

    let one = "topic(id:$id){ comments(first: 50){ nodes { body replies(first: 50){ nodes { body } } } } }";
    let aliased: String = (0..30).map(|i| format!("a{i}: {one} ")).collect();
    for query in [
        format!("query($id:ID!){{ {aliased} }}"),
        format!("query($id:ID!){{ a: {one} }}"),
        "query($id:ID!){ a: topic(id:$id){ comments(first: 50){ nodes { body } } } }".to_owned(),
    ] {
        let resp = app
            .http
            .post(format!("{}/graphql", app.address))
            .bearer_auth(w.token(RESIDENT))
            .json(&json!({ "query": query, "variables": { "id": topic } }))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let body = resp.bytes().await.unwrap_or_else(|e| panic!("{e}"));
        assert!(
            body.len() < 3 * 1024 * 1024,
            "{} bytes for {}…",
            body.len(),
            &query[..60]
        );
    }
    // A page a resident actually reads is still served.
    let page = app
        .ok(
            Some(w.token(RESIDENT)),
            "query($id:ID!){ topic(id:$id){ comments(first: 20){ totalCount nodes { body replies(first: 3){ totalCount nodes { body } } } } } }",
            json!({ "id": topic }),
        )
        .await;
    assert_eq!(page["topic"]["comments"]["totalCount"], 60);
    assert_eq!(
        page["topic"]["comments"]["nodes"][0]["replies"]["nodes"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    let alive = app.gql(Some(w.token(RESIDENT)), ALIVE, json!({})).await;
    assert!(alive.get("errors").is_none(), "{alive}");
}
