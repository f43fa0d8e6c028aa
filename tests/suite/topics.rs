//! Deliberation topics (DESIGN §3): the lifecycle, who may take each step, input bounds,
//! comments, notifications, ratings, and "only once" under simultaneous co-signatures.
//! Until the ballot module drives them, VOTING and its result are reached through the hooks
//! `start_voting` and `finish_voting`, called straight on the app's database.

use futures_util::future::join_all;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{json, Value};

use crate::harness::*;

use api::domain::topic::service as topics;

const ORGANIZER: &str = "13800000004";
const NEIGHBOUR: &str = "13800000005";

/// A second community; its people are strangers to the first.
const ROSTER_B: &str = "building,unit,area_m2,owner,name,phone,roles
9栋,901,70.00,true,赵一,13700000001,COMMITTEE
9栋,902,70.00,true,钱二,13700000002,
";

macro_rules! topic_fields {
    () => {
        "id communityId title body category status cosignCount cosignThreshold proposer { id name } \
         createdAt updatedAt rejectReason progress viewerHasCosigned viewerCanCosign \
         rating { average count } viewerRating \
         updates(first: 10) { totalCount nodes { percent note createdAt author { id name } } } \
         comments(first: 10) { totalCount nodes { id body author { id name } createdAt parentId hidden hiddenReason reportCount \
                    replies(first: 5) { totalCount nodes { id body author { id name } parentId hidden hiddenReason reportCount \
                    replies(first: 1) { totalCount nodes { id } } } } } }"
    };
}

macro_rules! comment_fields {
    () => {
        "id body author { id name } parentId hidden hiddenReason reportCount replies(first: 10) { totalCount nodes { id body parentId } }"
    };
}

const PROPOSE: &str = concat!(
    "mutation($c:ID!,$t:String!,$b:String!,$cat:TopicCategory!){ proposeTopic(communityId:$c,title:$t,body:$b,category:$cat){ ",
    topic_fields!(),
    " } }"
);
const TOPIC: &str = concat!("query($id:ID!){ topic(id:$id){ ", topic_fields!(), " } }");
const COSIGN: &str = concat!(
    "mutation($id:ID!){ cosignTopic(topicId:$id){ ",
    topic_fields!(),
    " } }"
);
const ACCEPT: &str = concat!(
    "mutation($id:ID!){ acceptTopic(topicId:$id){ ",
    topic_fields!(),
    " } }"
);
const REJECT: &str = concat!(
    "mutation($id:ID!,$r:String!){ rejectTopic(topicId:$id, reason:$r){ ",
    topic_fields!(),
    " } }"
);
const WITHDRAW: &str = concat!(
    "mutation($id:ID!){ withdrawTopic(topicId:$id){ ",
    topic_fields!(),
    " } }"
);
const PROGRESS: &str = concat!(
    "mutation($id:ID!,$p:Int!,$n:String!){ postTopicProgress(topicId:$id, percent:$p, note:$n){ ",
    topic_fields!(),
    " } }"
);
const COMPLETE: &str = concat!(
    "mutation($id:ID!){ completeTopic(topicId:$id){ ",
    topic_fields!(),
    " } }"
);
const RATE: &str = concat!(
    "mutation($id:ID!,$s:Int!){ rateTopic(topicId:$id, stars:$s){ ",
    topic_fields!(),
    " } }"
);
const COMMENT: &str = concat!(
    "mutation($id:ID!,$b:String!,$p:ID){ commentOnTopic(topicId:$id, body:$b, parentId:$p){ ",
    comment_fields!(),
    " } }"
);
const HIDE: &str = concat!(
    "mutation($id:ID!,$r:String!){ hideComment(commentId:$id, reason:$r){ ",
    comment_fields!(),
    " } }"
);
const REPORT: &str = concat!(
    "mutation($id:ID!,$r:String!){ reportComment(commentId:$id, reason:$r){ ",
    comment_fields!(),
    " } }"
);
const SETTINGS: &str = "mutation($c:ID!,$n:Int!){ updateCommunitySettings(communityId:$c, cosignThreshold:$n){ id cosignThreshold } }";
const LIST: &str = "query($c:ID!,$s:[TopicStatus!],$first:Int,$after:String){ topics(communityId:$c, status:$s, first:$first, after:$after){ totalCount pageInfo { hasNextPage hasPreviousPage endCursor } nodes { id title status } } }";
const INBOX: &str = "{ notifications(first: 100) { nodes { id kind params communityId } } }";

const BODY: &str = "小区东门的路灯坏了三个月，晚上出行很不安全，请尽快修复。";

// ------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------

async fn propose(app: &TestApp, token: &str, community: &str, title: &str) -> Value {
    app.ok(
        Some(token),
        PROPOSE,
        json!({ "c": community, "t": title, "b": BODY, "cat": "FACILITIES" }),
    )
    .await["proposeTopic"]
        .clone()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

async fn topic(app: &TestApp, token: &str, topic_id: &str) -> Value {
    app.ok(Some(token), TOPIC, json!({ "id": topic_id })).await["topic"].clone()
}

async fn set_threshold(app: &TestApp, w: &World, n: i32) {
    app.ok(
        Some(w.token(COMMITTEE)),
        SETTINGS,
        json!({ "c": w.community_id, "n": n }),
    )
    .await;
}

async fn cosign(app: &TestApp, token: &str, topic_id: &str) -> Value {
    app.ok(Some(token), COSIGN, json!({ "id": topic_id })).await["cosignTopic"].clone()
}

async fn comment(
    app: &TestApp,
    token: &str,
    topic_id: &str,
    body: &str,
    parent: Option<&str>,
) -> Value {
    app.ok(
        Some(token),
        COMMENT,
        json!({ "id": topic_id, "b": body, "p": parent }),
    )
    .await["commentOnTopic"]
        .clone()
}

/// The ballot id the hook tests name: they move topics without opening a ballot (the topic then
/// shows none: `Topic.ballot` is null).
const NO_BALLOT: &str = "hook-test-without-a-ballot";

async fn start_voting(app: &TestApp, w: &World, topic_id: &str) -> usize {
    topics::start_voting(app.db(), topic_id, &w.community_id, NO_BALLOT)
        .await
        .unwrap_or_else(|e| panic!("start_voting: {}", e.describe()))
        .len()
}

async fn finish_voting(app: &TestApp, topic_id: &str, adopted: bool) {
    topics::finish_voting(app.db(), topic_id, adopted)
        .await
        .unwrap_or_else(|e| panic!("finish_voting: {}", e.describe()));
}

async fn inbox(app: &TestApp, token: &str) -> Vec<Value> {
    app.ok(Some(token), INBOX, json!({})).await["notifications"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn params(n: &Value) -> Value {
    serde_json::from_str(n["params"].as_str().unwrap_or("{}")).unwrap_or_default()
}

/// Notifications of `kind` about `topic_id` in an inbox.
fn about(inbox: &[Value], kind: &str, topic_id: &str) -> Vec<Value> {
    inbox
        .iter()
        .filter(|n| n["kind"] == kind && params(n)["topicId"] == topic_id)
        .cloned()
        .collect()
}

fn field(resp: &Value) -> String {
    resp["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or("<no field>")
        .to_owned()
}

fn db_err(e: sea_orm::DbErr) -> String {
    format!("{e}")
}

/// Everything a topic act could have changed, read straight from the database.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    topics: Vec<entity::topic::Model>,
    cosigns: u64,
    comments: Vec<entity::topic_comment::Model>,
    reports: u64,
    updates: u64,
    ratings: Vec<entity::topic_rating::Model>,
    notifications: u64,
    audit: u64,
    communities: Vec<entity::community::Model>,
}

async fn snapshot(app: &TestApp) -> Snapshot {
    let db = app.db();
    let run = || async {
        Ok::<_, sea_orm::DbErr>(Snapshot {
            topics: entity::topic::Entity::find()
                .order_by_asc(entity::topic::Column::Id)
                .all(db)
                .await?,
            cosigns: entity::topic_cosign::Entity::find().count(db).await?,
            comments: entity::topic_comment::Entity::find()
                .order_by_asc(entity::topic_comment::Column::Id)
                .all(db)
                .await?,
            reports: entity::comment_report::Entity::find().count(db).await?,
            updates: entity::topic_update::Entity::find().count(db).await?,
            ratings: entity::topic_rating::Entity::find()
                .order_by_asc(entity::topic_rating::Column::Id)
                .all(db)
                .await?,
            notifications: entity::notification::Entity::find().count(db).await?,
            audit: entity::audit_log::Entity::find().count(db).await?,
            communities: entity::community::Entity::find()
                .order_by_asc(entity::community::Column::Id)
                .all(db)
                .await?,
        })
    };
    run()
        .await
        .unwrap_or_else(|e| panic!("snapshot: {}", db_err(e)))
}

/// A second community with its own committee (赵一) and resident (钱二): (id, their tokens).
async fn second_community(app: &TestApp, admin: &str) -> (String, Vec<String>) {
    let c = app.create_community(admin, "胜利社区").await;
    let resp = app.import_roster(admin, &c, ROSTER_B).await;
    let mut tokens = Vec::new();
    for inv in resp["data"]["importRoster"]["invites"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        let (t, _) = app
            .claim(inv["code"].as_str().unwrap_or_default(), PASSWORD)
            .await;
        tokens.push(t);
    }
    assert_eq!(tokens.len(), 2, "{resp}");
    (c, tokens)
}

/// `n` more residents (13800000101…), one per household; returns their tokens.
async fn more_residents(app: &TestApp, w: &World, n: usize) -> Vec<String> {
    let mut csv = String::from("building,unit,area_m2,owner,name,phone,roles\n");
    for i in 1..=n {
        csv.push_str(&format!(
            "8栋,{},60.00,true,住户{i},138000001{i:02},\n",
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
        let (t, _) = app
            .claim(inv["code"].as_str().unwrap_or_default(), PASSWORD)
            .await;
        tokens.push(t);
    }
    tokens
}

/// A topic brought to `status` (the community's threshold must be 2).
async fn topic_in(app: &TestApp, w: &World, status: &str) -> String {
    let by_committee = matches!(
        status,
        "DELIBERATING" | "VOTING" | "ADOPTED" | "NOT_ADOPTED" | "IMPLEMENTING" | "COMPLETED"
    );
    let proposer = if by_committee { COMMITTEE } else { RESIDENT };
    let t = id(&propose(
        app,
        w.token(proposer),
        &w.community_id,
        &format!("议题：{status}"),
    )
    .await);
    match status {
        "PROPOSED" | "DELIBERATING" => {}
        "UNDER_REVIEW" => {
            cosign(app, w.token(MEDIATOR), &t).await;
        }
        "REJECTED" => {
            app.ok(
                Some(w.token(COMMITTEE)),
                REJECT,
                json!({ "id": t, "r": "不属于社区事务" }),
            )
            .await;
        }
        "WITHDRAWN" => {
            app.ok(Some(w.token(RESIDENT)), WITHDRAW, json!({ "id": t }))
                .await;
        }
        _ => {
            start_voting(app, w, &t).await;
            match status {
                "VOTING" => {}
                "NOT_ADOPTED" => finish_voting(app, &t, false).await,
                _ => {
                    finish_voting(app, &t, true).await;
                    if status != "ADOPTED" {
                        app.ok(
                            Some(w.token(COMMITTEE)),
                            PROGRESS,
                            json!({ "id": t, "p": 10, "n": "已开工" }),
                        )
                        .await;
                    }
                    if status == "COMPLETED" {
                        app.ok(Some(w.token(COMMITTEE)), COMPLETE, json!({ "id": t }))
                            .await;
                    }
                }
            }
        }
    }
    let now = topic(app, w.token(COMMITTEE), &t).await;
    assert_eq!(now["status"], status, "fixture for {status}: {now}");
    t
}

// ------------------------------------------------------------------------------------------
// Lifecycle
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_topic_goes_from_proposal_through_review_voting_and_implementation_to_rated_completion() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    set_threshold(&app, &w, 3).await;
    let li = w.person(RESIDENT).clone();

    // Proposed: the proposer's own co-signature counts.
    let t = propose(&app, &li.token, &w.community_id, "修复东门路灯").await;
    let tid = id(&t);
    assert_eq!(t["status"], "PROPOSED");
    assert_eq!(t["title"], "修复东门路灯");
    assert_eq!(t["body"], BODY);
    assert_eq!(t["category"], "FACILITIES");
    assert_eq!(t["communityId"], w.community_id.as_str());
    assert_eq!(t["cosignCount"], 1);
    assert_eq!(t["cosignThreshold"], 3);
    assert_eq!(t["proposer"]["id"], li.resident_id.as_str());
    assert_eq!(t["proposer"]["name"], "李秀英");
    assert_eq!(t["viewerHasCosigned"], true);
    assert_eq!(t["viewerCanCosign"], false);
    assert_eq!(t["progress"], 0);
    assert_eq!(t["rating"], json!({ "average": null, "count": 0 }));
    let seen = topic(&app, w.token(MEDIATOR), &tid).await;
    assert_eq!(seen["viewerHasCosigned"], false);
    assert_eq!(seen["viewerCanCosign"], true);

    // Co-signatures up to the threshold move it to review, once.
    let t = cosign(&app, w.token(MEDIATOR), &tid).await;
    assert_eq!(
        (t["status"].clone(), t["cosignCount"].clone()),
        (json!("PROPOSED"), json!(2))
    );
    assert_eq!(t["viewerHasCosigned"], true);
    let t = cosign(&app, w.token(ORGANIZER), &tid).await;
    assert_eq!(
        (t["status"].clone(), t["cosignCount"].clone()),
        (json!("UNDER_REVIEW"), json!(3))
    );
    assert_eq!(t["viewerCanCosign"], false);
    let committee_inbox = inbox(&app, w.token(COMMITTEE)).await;
    assert_eq!(about(&committee_inbox, "TOPIC_UNDER_REVIEW", &tid).len(), 1);

    // The committee accepts it.
    let t = app
        .ok(Some(w.token(COMMITTEE)), ACCEPT, json!({ "id": tid }))
        .await["acceptTopic"]
        .clone();
    assert_eq!(t["status"], "DELIBERATING");

    // A ballot opens (the ballot module's hook): every co-signer is told.
    assert_eq!(start_voting(&app, &w, &tid).await, 3);
    assert_eq!(topic(&app, &li.token, &tid).await["status"], "VOTING");
    for phone in [RESIDENT, MEDIATOR, ORGANIZER] {
        let got = about(&inbox(&app, w.token(phone)).await, "TOPIC_VOTING", &tid);
        assert_eq!(got.len(), 1, "{phone}");
        assert_eq!(params(&got[0])["title"], "修复东门路灯");
    }
    assert!(about(&inbox(&app, w.token(NEIGHBOUR)).await, "TOPIC_VOTING", &tid).is_empty());

    // The ballot adopts it.
    finish_voting(&app, &tid, true).await;
    assert_eq!(topic(&app, &li.token, &tid).await["status"], "ADOPTED");

    // Progress updates: the first starts the implementation.
    let t = app
        .ok(
            Some(w.token(COMMITTEE)),
            PROGRESS,
            json!({ "id": tid, "p": 30, "n": "已采购灯具" }),
        )
        .await["postTopicProgress"]
        .clone();
    assert_eq!(
        (t["status"].clone(), t["progress"].clone()),
        (json!("IMPLEMENTING"), json!(30))
    );
    let t = app
        .ok(
            Some(w.token(COMMITTEE)),
            PROGRESS,
            json!({ "id": tid, "p": 80, "n": "已安装两盏" }),
        )
        .await["postTopicProgress"]
        .clone();
    assert_eq!(t["progress"], 80);
    // Updates page by keyset cursors, oldest first.
    let pages = "query($id:ID!,$after:String){ topic(id:$id){ updates(first: 1, after:$after){ totalCount pageInfo { hasNextPage endCursor } nodes { percent } } } }";
    let first =
        app.ok(Some(&li.token), pages, json!({ "id": tid })).await["topic"]["updates"].clone();
    assert_eq!(
        (
            first["totalCount"].clone(),
            first["nodes"][0]["percent"].clone()
        ),
        (json!(2), json!(30))
    );
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    let second = app
        .ok(
            Some(&li.token),
            pages,
            json!({ "id": tid, "after": first["pageInfo"]["endCursor"] }),
        )
        .await["topic"]["updates"]
        .clone();
    assert_eq!(second["nodes"][0]["percent"], 80, "{second}");
    assert_eq!(second["pageInfo"]["hasNextPage"], false, "{second}");
    let notes: Vec<Value> = t["updates"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(notes.len(), 2);
    assert_eq!(
        (notes[0]["percent"].clone(), notes[0]["note"].clone()),
        (json!(30), json!("已采购灯具"))
    );
    assert_eq!(notes[1]["percent"], 80);
    assert_eq!(notes[0]["author"]["name"], "王建国");
    assert_eq!(
        notes[0]["author"]["id"],
        w.person(COMMITTEE).resident_id.as_str()
    );

    // Completed; residents rate it, and a second rating replaces the first.
    let t = app
        .ok(Some(w.token(COMMITTEE)), COMPLETE, json!({ "id": tid }))
        .await["completeTopic"]
        .clone();
    assert_eq!(
        (t["status"].clone(), t["progress"].clone()),
        (json!("COMPLETED"), json!(100))
    );
    assert_eq!(
        about(&inbox(&app, &li.token).await, "TOPIC_COMPLETED", &tid).len(),
        1
    );
    let t = app
        .ok(Some(&li.token), RATE, json!({ "id": tid, "s": 5 }))
        .await["rateTopic"]
        .clone();
    assert_eq!(t["rating"], json!({ "average": "5.00", "count": 1 }));
    assert_eq!(t["viewerRating"], 5);
    let t = app
        .ok(Some(w.token(MEDIATOR)), RATE, json!({ "id": tid, "s": 4 }))
        .await["rateTopic"]
        .clone();
    assert_eq!(t["rating"], json!({ "average": "4.50", "count": 2 }));
    let t = app
        .ok(Some(w.token(NEIGHBOUR)), RATE, json!({ "id": tid, "s": 4 }))
        .await["rateTopic"]
        .clone();
    assert_eq!(t["rating"], json!({ "average": "4.33", "count": 3 }));
    let t = app
        .ok(Some(w.token(NEIGHBOUR)), RATE, json!({ "id": tid, "s": 1 }))
        .await["rateTopic"]
        .clone();
    assert_eq!(t["rating"], json!({ "average": "3.33", "count": 3 }));
    assert_eq!(t["viewerRating"], 1);
    assert_eq!(
        topic(&app, w.token(ORGANIZER), &tid).await["viewerRating"],
        Value::Null
    );
}

#[tokio::test]
async fn a_topic_the_ballot_does_not_adopt_ends_there() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    set_threshold(&app, &w, 2).await;
    let tid = topic_in(&app, &w, "NOT_ADOPTED").await;

    let before = snapshot(&app).await;
    for (query, vars) in [
        (PROGRESS, json!({ "id": tid, "p": 10, "n": "开工" })),
        (COMPLETE, json!({ "id": tid })),
    ] {
        assert_eq!(
            app.err_code(Some(w.token(COMMITTEE)), query, vars).await,
            "INVALID_STATE"
        );
    }
    // A repeated result changes nothing.
    finish_voting(&app, &tid, true).await;
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn a_committee_members_topic_starts_deliberating() {
    let app = TestApp::spawn().await;
    let w = app.community().await;

    let t = propose(&app, w.token(COMMITTEE), &w.community_id, "增设快递柜").await;

    assert_eq!(t["status"], "DELIBERATING");
    assert_eq!(t["cosignCount"], 1);
    assert_eq!(t["proposer"]["name"], "王建国");
}

#[tokio::test]
async fn with_a_threshold_of_one_a_residents_topic_goes_straight_to_review() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    set_threshold(&app, &w, 1).await;

    let t = propose(&app, w.token(RESIDENT), &w.community_id, "楼道堆物清理").await;

    assert_eq!(t["status"], "UNDER_REVIEW");
    assert_eq!(t["cosignCount"], 1);
    assert_eq!(t["cosignThreshold"], 1);
    let told = about(
        &inbox(&app, w.token(COMMITTEE)).await,
        "TOPIC_UNDER_REVIEW",
        &id(&t),
    );
    assert_eq!(told.len(), 1);
}

#[tokio::test]
async fn lowering_the_threshold_sends_topics_that_meet_it_to_review_and_is_audited() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let t = id(&propose(&app, w.token(RESIDENT), &w.community_id, "健身器材更新").await);
    cosign(&app, w.token(MEDIATOR), &t).await;
    let other = id(&propose(&app, w.token(NEIGHBOUR), &w.community_id, "垃圾分类宣传").await);

    let data = app
        .ok(
            Some(w.token(COMMITTEE)),
            SETTINGS,
            json!({ "c": w.community_id, "n": 2 }),
        )
        .await;

    assert_eq!(data["updateCommunitySettings"]["cosignThreshold"], 2);
    assert_eq!(
        topic(&app, w.token(RESIDENT), &t).await["status"],
        "UNDER_REVIEW"
    );
    let o = topic(&app, w.token(RESIDENT), &other).await;
    assert_eq!(
        (o["status"].clone(), o["cosignThreshold"].clone()),
        (json!("PROPOSED"), json!(2))
    );
    let audit = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq("community.settings"))
        .all(app.db())
        .await
        .unwrap_or_else(|e| panic!("{}", db_err(e)));
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].subject, w.community_id);
    assert!(
        audit[0].details.contains("\"cosignThreshold\":2"),
        "{}",
        audit[0].details
    );
}

#[tokio::test]
async fn the_proposer_may_withdraw_before_voting() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    set_threshold(&app, &w, 2).await;
    let proposed = id(&propose(&app, w.token(RESIDENT), &w.community_id, "撤回测试一").await);
    let review = topic_in(&app, &w, "UNDER_REVIEW").await;
    let deliberating = id(&propose(&app, w.token(RESIDENT), &w.community_id, "撤回测试三").await);
    cosign(&app, w.token(MEDIATOR), &deliberating).await;
    app.ok(
        Some(w.token(COMMITTEE)),
        ACCEPT,
        json!({ "id": deliberating }),
    )
    .await;

    for t in [proposed, review, deliberating] {
        let data = app
            .ok(Some(w.token(RESIDENT)), WITHDRAW, json!({ "id": t }))
            .await;
        assert_eq!(data["withdrawTopic"]["status"], "WITHDRAWN", "{t}");
    }
}

// ------------------------------------------------------------------------------------------
// Wrong steps
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn every_wrong_step_answers_invalid_state_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    set_threshold(&app, &w, 2).await;
    let mut at = std::collections::HashMap::new();
    for status in [
        "PROPOSED",
        "UNDER_REVIEW",
        "DELIBERATING",
        "REJECTED",
        "WITHDRAWN",
        "VOTING",
        "ADOPTED",
        "NOT_ADOPTED",
        "IMPLEMENTING",
        "COMPLETED",
    ] {
        at.insert(status, topic_in(&app, &w, status).await);
    }
    // A comment on the rejected topic, made while it was still open, is not needed: comments
    // on ended topics are refused outright.
    let cosign = |t: &str| (COSIGN, json!({ "id": t }), NEIGHBOUR);
    let accept = |t: &str| (ACCEPT, json!({ "id": t }), COMMITTEE);
    let reject = |t: &str| (REJECT, json!({ "id": t, "r": "理由充分" }), COMMITTEE);
    let withdraw = |t: &str| (WITHDRAW, json!({ "id": t }), RESIDENT);
    let withdraw_own = |t: &str| (WITHDRAW, json!({ "id": t }), COMMITTEE);
    let progress = |t: &str| {
        (
            PROGRESS,
            json!({ "id": t, "p": 50, "n": "进展" }),
            COMMITTEE,
        )
    };
    let complete = |t: &str| (COMPLETE, json!({ "id": t }), COMMITTEE);
    let rate = |t: &str| (RATE, json!({ "id": t, "s": 4 }), NEIGHBOUR);
    let say = |t: &str| (COMMENT, json!({ "id": t, "b": "我有意见" }), NEIGHBOUR);

    let s = |k: &str| at.get(k).cloned().unwrap_or_default();
    let wrong: Vec<(&str, (&str, Value, &str))> = vec![
        ("PROPOSED", accept(&s("PROPOSED"))),
        ("PROPOSED", progress(&s("PROPOSED"))),
        ("PROPOSED", complete(&s("PROPOSED"))),
        ("PROPOSED", rate(&s("PROPOSED"))),
        ("UNDER_REVIEW", cosign(&s("UNDER_REVIEW"))),
        ("UNDER_REVIEW", progress(&s("UNDER_REVIEW"))),
        ("UNDER_REVIEW", complete(&s("UNDER_REVIEW"))),
        ("DELIBERATING", cosign(&s("DELIBERATING"))),
        ("DELIBERATING", accept(&s("DELIBERATING"))),
        ("DELIBERATING", reject(&s("DELIBERATING"))),
        ("DELIBERATING", progress(&s("DELIBERATING"))),
        ("DELIBERATING", rate(&s("DELIBERATING"))),
        ("REJECTED", cosign(&s("REJECTED"))),
        ("REJECTED", accept(&s("REJECTED"))),
        ("REJECTED", reject(&s("REJECTED"))),
        ("REJECTED", withdraw(&s("REJECTED"))),
        ("REJECTED", say(&s("REJECTED"))),
        ("WITHDRAWN", withdraw(&s("WITHDRAWN"))),
        ("WITHDRAWN", accept(&s("WITHDRAWN"))),
        ("WITHDRAWN", reject(&s("WITHDRAWN"))),
        ("WITHDRAWN", cosign(&s("WITHDRAWN"))),
        ("WITHDRAWN", say(&s("WITHDRAWN"))),
        ("VOTING", withdraw_own(&s("VOTING"))),
        ("VOTING", accept(&s("VOTING"))),
        ("VOTING", reject(&s("VOTING"))),
        ("VOTING", progress(&s("VOTING"))),
        ("VOTING", complete(&s("VOTING"))),
        ("ADOPTED", withdraw_own(&s("ADOPTED"))),
        ("ADOPTED", complete(&s("ADOPTED"))),
        ("ADOPTED", rate(&s("ADOPTED"))),
        ("NOT_ADOPTED", progress(&s("NOT_ADOPTED"))),
        ("IMPLEMENTING", accept(&s("IMPLEMENTING"))),
        ("IMPLEMENTING", rate(&s("IMPLEMENTING"))),
        ("IMPLEMENTING", withdraw_own(&s("IMPLEMENTING"))),
        ("COMPLETED", progress(&s("COMPLETED"))),
        ("COMPLETED", complete(&s("COMPLETED"))),
        ("COMPLETED", withdraw_own(&s("COMPLETED"))),
        ("COMPLETED", cosign(&s("COMPLETED"))),
    ];
    let before = snapshot(&app).await;

    for (status, (query, vars, who)) in wrong {
        let resp = app.gql(Some(w.token(who)), query, vars).await;
        assert_eq!(
            error_code(&resp),
            "INVALID_STATE",
            "{status}: {query}: {resp}"
        );
    }
    // The ballot hooks refuse wrong steps too.
    for status in ["PROPOSED", "UNDER_REVIEW", "VOTING", "ADOPTED", "COMPLETED"] {
        let r = topics::start_voting(app.db(), &s(status), &w.community_id, NO_BALLOT).await;
        assert_eq!(r.err().map(|e| e.code()), Some("INVALID_STATE"), "{status}");
    }
    for status in ["DELIBERATING", "ADOPTED", "NOT_ADOPTED", "COMPLETED"] {
        finish_voting(&app, &s(status), status != "ADOPTED").await;
    }

    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn a_ballot_hook_for_a_topic_of_another_community_is_not_found() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let t = id(&propose(&app, w.token(COMMITTEE), &w.community_id, "跨社区测试").await);
    let (other, _) = second_community(&app, &w.admin).await;

    let r = topics::start_voting(app.db(), &t, &other, NO_BALLOT).await;
    assert_eq!(r.err().map(|e| e.code()), Some("NOT_FOUND"));
    let r = topics::start_voting(app.db(), "no-such-topic", &w.community_id, NO_BALLOT).await;
    assert_eq!(r.err().map(|e| e.code()), Some("NOT_FOUND"));
    assert_eq!(
        topic(&app, w.token(COMMITTEE), &t).await["status"],
        "DELIBERATING"
    );
}

// ------------------------------------------------------------------------------------------
// Who may do what
// ------------------------------------------------------------------------------------------

/// `Topic.viewerCan` is the acts' own rule: in every status, for the proposer, another
/// resident and the committee, each act it calls impossible is refused and changes nothing,
/// and the acts it allows are the expected ones.
#[tokio::test]
async fn what_the_viewer_may_do_is_what_the_acts_allow() {
    const CAN: &str = "query($id:ID!){ topic(id:$id){ viewerCan { withdraw accept reject \
        openBallot postProgress complete comment rate } } }";
    let app = TestApp::spawn().await;
    let w = app.community().await;
    set_threshold(&app, &w, 2).await;
    let expected = |status: &str, who: &str| -> Vec<&'static str> {
        let proposer = match status {
            "PROPOSED" | "UNDER_REVIEW" | "REJECTED" | "WITHDRAWN" => RESIDENT,
            _ => COMMITTEE,
        };
        // Every viewer here is an active resident; one of them is on the committee.
        let committee = who == COMMITTEE;
        let mut acts = Vec::new();
        if who == proposer && ["PROPOSED", "UNDER_REVIEW", "DELIBERATING"].contains(&status) {
            acts.push("withdraw");
        }
        if committee && status == "UNDER_REVIEW" {
            acts.push("accept");
        }
        if committee && ["PROPOSED", "UNDER_REVIEW"].contains(&status) {
            acts.push("reject");
        }
        if committee && status == "DELIBERATING" {
            acts.push("openBallot");
        }
        if committee && ["ADOPTED", "IMPLEMENTING"].contains(&status) {
            acts.push("postProgress");
        }
        if committee && status == "IMPLEMENTING" {
            acts.push("complete");
        }
        if !["REJECTED", "WITHDRAWN"].contains(&status) {
            acts.push("comment");
        }
        if status == "COMPLETED" {
            acts.push("rate");
        }
        acts
    };
    let statuses = [
        "PROPOSED",
        "UNDER_REVIEW",
        "DELIBERATING",
        "VOTING",
        "ADOPTED",
        "NOT_ADOPTED",
        "IMPLEMENTING",
        "COMPLETED",
        "REJECTED",
        "WITHDRAWN",
    ];
    for status in statuses {
        let t = topic_in(&app, &w, status).await;
        for who in [RESIDENT, NEIGHBOUR, COMMITTEE] {
            let can = app.ok(Some(w.token(who)), CAN, json!({ "id": t })).await["topic"]
                ["viewerCan"]
                .clone();
            let allowed: Vec<&str> = can
                .as_object()
                .map(|m| {
                    m.iter()
                        .filter(|(_, v)| **v == true)
                        .map(|(k, _)| k.as_str())
                        .collect()
                })
                .unwrap_or_default();
            let mut want = expected(status, who);
            want.sort_unstable();
            let mut got = allowed.clone();
            got.sort_unstable();
            assert_eq!(got, want, "{status} as {who}: {can}");
            // Every act called impossible is refused, and nothing changes.
            let before = snapshot(&app).await;
            let acts = [
                ("withdraw", WITHDRAW, json!({ "id": t })),
                ("accept", ACCEPT, json!({ "id": t })),
                ("reject", REJECT, json!({ "id": t, "r": "不属于社区事务" })),
                (
                    "postProgress",
                    PROGRESS,
                    json!({ "id": t, "p": 100, "n": "完工" }),
                ),
                ("complete", COMPLETE, json!({ "id": t })),
                (
                    "comment",
                    COMMENT,
                    json!({ "id": t, "b": "我也同意", "p": null }),
                ),
                ("rate", RATE, json!({ "id": t, "s": 5 })),
            ];
            for (name, query, vars) in acts {
                if can[name] == false {
                    let code = app.err_code(Some(w.token(who)), query, vars).await;
                    assert!(
                        ["FORBIDDEN", "INVALID_STATE"].contains(&code.as_str()),
                        "{status} as {who}: {name} answered {code}"
                    );
                }
            }
            assert_eq!(snapshot(&app).await, before, "{status} as {who}");
        }
    }
}

#[tokio::test]
async fn residents_cannot_take_committee_steps_and_only_the_proposer_withdraws() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    set_threshold(&app, &w, 2).await;
    let review = topic_in(&app, &w, "UNDER_REVIEW").await;
    let adopted = topic_in(&app, &w, "ADOPTED").await;
    let implementing = topic_in(&app, &w, "IMPLEMENTING").await;
    let c = comment(&app, w.token(NEIGHBOUR), &review, "支持", None).await;
    let before = snapshot(&app).await;

    for who in [RESIDENT, MEDIATOR, ORGANIZER] {
        let calls = [
            (ACCEPT, json!({ "id": review })),
            (REJECT, json!({ "id": review, "r": "不合适" })),
            (PROGRESS, json!({ "id": adopted, "p": 10, "n": "开工" })),
            (COMPLETE, json!({ "id": implementing })),
            (HIDE, json!({ "id": c["id"], "r": "不文明" })),
            (SETTINGS, json!({ "c": w.community_id, "n": 3 })),
        ];
        for (query, vars) in calls {
            assert_eq!(
                app.err_code(Some(w.token(who)), query, vars).await,
                "FORBIDDEN",
                "{who}: {query}"
            );
        }
    }
    // Someone else's topic cannot be withdrawn, not even by the committee.
    for who in [MEDIATOR, COMMITTEE] {
        assert_eq!(
            app.err_code(Some(w.token(who)), WITHDRAW, json!({ "id": review }))
                .await,
            "FORBIDDEN",
            "{who}"
        );
    }
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn a_platform_admin_moderates_but_does_not_take_part_as_a_resident() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    set_threshold(&app, &w, 2).await;
    let review = topic_in(&app, &w, "UNDER_REVIEW").await;

    for (query, vars) in [
        (
            PROPOSE,
            json!({ "c": w.community_id, "t": "管理员提议", "b": BODY, "cat": "OTHER" }),
        ),
        (COSIGN, json!({ "id": review })),
        (COMMENT, json!({ "id": review, "b": "管理员评论" })),
    ] {
        assert_eq!(
            app.err_code(Some(&w.admin), query, vars).await,
            "FORBIDDEN",
            "{query}"
        );
    }

    let t = app
        .ok(Some(&w.admin), ACCEPT, json!({ "id": review }))
        .await["acceptTopic"]
        .clone();
    assert_eq!(t["status"], "DELIBERATING");
    assert_eq!(t["viewerCanCosign"], false);
    let adopted = topic_in(&app, &w, "ADOPTED").await;
    let t = app
        .ok(
            Some(&w.admin),
            PROGRESS,
            json!({ "id": adopted, "p": 20, "n": "平台代为登记" }),
        )
        .await["postTopicProgress"]
        .clone();
    assert_eq!(t["updates"]["nodes"][0]["author"]["name"], "管理员");
}

#[tokio::test]
async fn outsiders_are_told_a_topic_does_not_exist() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    set_threshold(&app, &w, 2).await;
    let review = topic_in(&app, &w, "UNDER_REVIEW").await;
    let adopted = topic_in(&app, &w, "ADOPTED").await;
    let c = comment(&app, w.token(NEIGHBOUR), &review, "支持", None).await;
    let (_, strangers) = second_community(&app, &w.admin).await;
    let before = snapshot(&app).await;

    for token in &strangers {
        let calls = [
            (TOPIC, json!({ "id": review })),
            (LIST, json!({ "c": w.community_id })),
            (COSIGN, json!({ "id": review })),
            (COMMENT, json!({ "id": review, "b": "路过" })),
            (ACCEPT, json!({ "id": review })),
            (REJECT, json!({ "id": review, "r": "不合适" })),
            (WITHDRAW, json!({ "id": review })),
            (PROGRESS, json!({ "id": adopted, "p": 10, "n": "开工" })),
            (RATE, json!({ "id": adopted, "s": 5 })),
            (HIDE, json!({ "id": c["id"], "r": "不文明" })),
            (REPORT, json!({ "id": c["id"], "r": "不文明" })),
            (
                PROPOSE,
                json!({ "c": w.community_id, "t": "外人提议", "b": BODY, "cat": "OTHER" }),
            ),
            (SETTINGS, json!({ "c": w.community_id, "n": 3 })),
        ];
        for (query, vars) in calls {
            assert_eq!(
                app.err_code(Some(token), query, vars).await,
                "NOT_FOUND",
                "{query}"
            );
        }
    }
    assert_eq!(
        app.err_code(Some(w.token(RESIDENT)), TOPIC, json!({ "id": "nope" }))
            .await,
        "NOT_FOUND"
    );
    assert_eq!(
        app.err_code(None, TOPIC, json!({ "id": review })).await,
        "UNAUTHENTICATED"
    );
    assert_eq!(
        app.err_code(None, COSIGN, json!({ "id": review })).await,
        "UNAUTHENTICATED"
    );
    assert_eq!(snapshot(&app).await, before);
}

// ------------------------------------------------------------------------------------------
// Input
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn bad_input_is_refused_naming_its_field() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    set_threshold(&app, &w, 2).await;
    let proposed = topic_in(&app, &w, "PROPOSED").await;
    let implementing = topic_in(&app, &w, "IMPLEMENTING").await;
    let completed = topic_in(&app, &w, "COMPLETED").await;
    let other = topic_in(&app, &w, "DELIBERATING").await;
    let top = comment(&app, w.token(NEIGHBOUR), &proposed, "支持", None).await;
    let reply = comment(&app, w.token(MEDIATOR), &proposed, "同意", Some(&id(&top))).await;
    let elsewhere = comment(&app, w.token(MEDIATOR), &other, "别处", None).await;
    let before = snapshot(&app).await;
    let long = |n: usize| "字".repeat(n);
    let c = w.community_id.clone();

    let cases: Vec<(&str, &str, Value, &str)> = vec![
        (
            RESIDENT,
            PROPOSE,
            json!({ "c": c, "t": "路灯", "b": BODY, "cat": "SAFETY" }),
            "title",
        ),
        (
            RESIDENT,
            PROPOSE,
            json!({ "c": c, "t": long(101), "b": BODY, "cat": "SAFETY" }),
            "title",
        ),
        (
            RESIDENT,
            PROPOSE,
            json!({ "c": c, "t": "    ", "b": BODY, "cat": "SAFETY" }),
            "title",
        ),
        (
            RESIDENT,
            PROPOSE,
            json!({ "c": c, "t": "修复路灯", "b": "太短", "cat": "SAFETY" }),
            "body",
        ),
        (
            RESIDENT,
            PROPOSE,
            json!({ "c": c, "t": "修复路灯", "b": long(5001), "cat": "SAFETY" }),
            "body",
        ),
        (
            COMMITTEE,
            REJECT,
            json!({ "id": proposed, "r": "否" }),
            "reason",
        ),
        (
            COMMITTEE,
            REJECT,
            json!({ "id": proposed, "r": long(501) }),
            "reason",
        ),
        (
            NEIGHBOUR,
            COMMENT,
            json!({ "id": proposed, "b": "  " }),
            "body",
        ),
        (
            NEIGHBOUR,
            COMMENT,
            json!({ "id": proposed, "b": long(2001) }),
            "body",
        ),
        (
            NEIGHBOUR,
            COMMENT,
            json!({ "id": proposed, "b": "回复", "p": id(&reply) }),
            "parentId",
        ),
        (
            NEIGHBOUR,
            COMMENT,
            json!({ "id": proposed, "b": "回复", "p": id(&elsewhere) }),
            "parentId",
        ),
        (
            NEIGHBOUR,
            COMMENT,
            json!({ "id": proposed, "b": "回复", "p": "no-such-comment" }),
            "parentId",
        ),
        (
            COMMITTEE,
            HIDE,
            json!({ "id": id(&top), "r": "x" }),
            "reason",
        ),
        (
            RESIDENT,
            REPORT,
            json!({ "id": id(&top), "r": long(501) }),
            "reason",
        ),
        (
            COMMITTEE,
            PROGRESS,
            json!({ "id": implementing, "p": 101, "n": "完成" }),
            "percent",
        ),
        (
            COMMITTEE,
            PROGRESS,
            json!({ "id": implementing, "p": -1, "n": "倒退" }),
            "percent",
        ),
        (
            COMMITTEE,
            PROGRESS,
            json!({ "id": implementing, "p": 5, "n": "倒退" }),
            "percent",
        ),
        (
            COMMITTEE,
            PROGRESS,
            json!({ "id": implementing, "p": 50, "n": " " }),
            "note",
        ),
        (
            COMMITTEE,
            PROGRESS,
            json!({ "id": implementing, "p": 50, "n": long(1001) }),
            "note",
        ),
        (NEIGHBOUR, RATE, json!({ "id": completed, "s": 0 }), "stars"),
        (NEIGHBOUR, RATE, json!({ "id": completed, "s": 6 }), "stars"),
        (
            COMMITTEE,
            SETTINGS,
            json!({ "c": c, "n": 0 }),
            "cosignThreshold",
        ),
        (
            COMMITTEE,
            SETTINGS,
            json!({ "c": c, "n": 101 }),
            "cosignThreshold",
        ),
        (RESIDENT, LIST, json!({ "c": c, "first": 0 }), "first"),
    ];
    for (who, query, vars, want) in cases {
        let resp = app.gql(Some(w.token(who)), query, vars.clone()).await;
        assert_eq!(error_code(&resp), "BAD_USER_INPUT", "{vars}: {resp}");
        assert_eq!(field(&resp), want, "{vars}: {resp}");
    }
    assert_eq!(snapshot(&app).await, before);

    // The bounds themselves are accepted.
    let t = app
        .ok(
            Some(w.token(RESIDENT)),
            PROPOSE,
            json!({ "c": c, "t": long(100), "b": long(5000), "cat": "FINANCE" }),
        )
        .await;
    assert_eq!(t["proposeTopic"]["category"], "FINANCE");
    let t = app
        .ok(
            Some(w.token(RESIDENT)),
            PROPOSE,
            json!({ "c": c, "t": "  四个字啊  ", "b": BODY, "cat": "OTHER" }),
        )
        .await;
    assert_eq!(t["proposeTopic"]["title"], "四个字啊");
}

// ------------------------------------------------------------------------------------------
// Comments
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn comments_are_threaded_one_level_deep_oldest_first() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let t = id(&propose(&app, w.token(RESIDENT), &w.community_id, "停车位规划").await);

    let first = comment(&app, w.token(MEDIATOR), &t, "先说一句", None).await;
    let second = comment(&app, w.token(NEIGHBOUR), &t, "再说一句", None).await;
    let r1 = comment(&app, w.token(RESIDENT), &t, "回复第一条", Some(&id(&first))).await;
    let r2 = comment(
        &app,
        w.token(ORGANIZER),
        &t,
        "也回复第一条",
        Some(&id(&first)),
    )
    .await;

    assert_eq!(r1["parentId"], first["id"]);
    assert_eq!(r1["author"]["name"], "李秀英");
    assert_eq!(r1["author"]["id"], w.person(RESIDENT).resident_id.as_str());
    let resp = app
        .gql(
            Some(w.token(NEIGHBOUR)),
            COMMENT,
            json!({ "id": t, "b": "回复的回复", "p": id(&r1) }),
        )
        .await;
    assert_eq!(error_code(&resp), "BAD_USER_INPUT");
    assert_eq!(field(&resp), "parentId");

    let view = topic(&app, w.token(NEIGHBOUR), &t).await;
    assert_eq!(view["comments"]["totalCount"], 2);
    let list = view["comments"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(list.len(), 2, "replies are not top-level: {view}");
    assert_eq!(list[0]["id"], first["id"]);
    assert_eq!(list[0]["body"], "先说一句");
    assert_eq!(list[0]["parentId"], Value::Null);
    assert_eq!(list[1]["id"], second["id"]);
    assert_eq!(list[0]["replies"]["totalCount"], 2);
    let replies = list[0]["replies"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        replies.iter().map(id).collect::<Vec<_>>(),
        vec![id(&r1), id(&r2)]
    );
    assert_eq!(replies[1]["replies"]["nodes"], json!([]));
    assert_eq!(list[1]["replies"]["nodes"], json!([]));
    // The report count is the committee's to see.
    assert_eq!(list[0]["reportCount"], Value::Null);
    let committee = topic(&app, w.token(COMMITTEE), &t).await;
    assert_eq!(committee["comments"]["nodes"][0]["reportCount"], 0);
}

#[tokio::test]
async fn a_hidden_comment_keeps_its_reason_shows_its_body_only_to_the_committee_and_is_audited() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let t = id(&propose(&app, w.token(RESIDENT), &w.community_id, "小区绿化").await);
    let c = comment(&app, w.token(NEIGHBOUR), &t, "骂人的话", None).await;
    let reply = comment(&app, w.token(MEDIATOR), &t, "请文明发言", Some(&id(&c))).await;

    let hidden = app
        .ok(
            Some(w.token(COMMITTEE)),
            HIDE,
            json!({ "id": c["id"], "r": "人身攻击" }),
        )
        .await["hideComment"]
        .clone();

    assert_eq!(hidden["hidden"], true);
    assert_eq!(hidden["hiddenReason"], "人身攻击");
    assert_eq!(hidden["body"], "骂人的话", "the committee still reads it");
    assert_eq!(hidden["replies"]["nodes"][0]["id"], reply["id"]);
    let seen = topic(&app, w.token(RESIDENT), &t).await["comments"]["nodes"][0].clone();
    assert_eq!(seen["hidden"], true);
    assert_eq!(seen["hiddenReason"], "人身攻击");
    assert_eq!(seen["body"], Value::Null, "residents do not: {seen}");
    assert_eq!(seen["author"]["name"], "陈静");
    assert_eq!(
        seen["replies"]["nodes"][0]["body"], "请文明发言",
        "replies stay visible"
    );
    let seen = topic(&app, w.token(COMMITTEE), &t).await["comments"]["nodes"][0].clone();
    assert_eq!(seen["body"], "骂人的话");

    let audit = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq("comment.hide"))
        .all(app.db())
        .await
        .unwrap_or_else(|e| panic!("{}", db_err(e)));
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].subject, id(&c));
    assert_eq!(
        audit[0].community_id.as_deref(),
        Some(w.community_id.as_str())
    );
    assert!(
        audit[0].details.contains("人身攻击"),
        "{}",
        audit[0].details
    );
    let told = about(&inbox(&app, w.token(NEIGHBOUR)).await, "COMMENT_HIDDEN", &t);
    assert_eq!(told.len(), 1);

    // Hiding it again is a wrong step; the row is kept.
    let before = snapshot(&app).await;
    assert_eq!(
        app.err_code(
            Some(w.token(COMMITTEE)),
            HIDE,
            json!({ "id": c["id"], "r": "再次隐藏" })
        )
        .await,
        "INVALID_STATE"
    );
    assert_eq!(snapshot(&app).await, before);
    assert_eq!(before.comments.len(), 2);
}

#[tokio::test]
async fn a_resident_reports_a_comment_once_and_the_committee_sees_the_count() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let t = id(&propose(&app, w.token(RESIDENT), &w.community_id, "广场舞噪音").await);
    let c = comment(&app, w.token(NEIGHBOUR), &t, "广告：便宜装修", None).await;

    let r = app
        .ok(
            Some(w.token(RESIDENT)),
            REPORT,
            json!({ "id": c["id"], "r": "广告" }),
        )
        .await["reportComment"]
        .clone();
    assert_eq!(r["id"], c["id"]);
    assert_eq!(r["reportCount"], Value::Null, "not the reporter's to see");
    let again = app
        .gql(
            Some(w.token(RESIDENT)),
            REPORT,
            json!({ "id": c["id"], "r": "还是广告" }),
        )
        .await;
    assert_eq!(error_code(&again), "CONFLICT", "{again}");
    app.ok(
        Some(w.token(MEDIATOR)),
        REPORT,
        json!({ "id": c["id"], "r": "垃圾信息" }),
    )
    .await;

    let seen = topic(&app, w.token(COMMITTEE), &t).await;
    assert_eq!(seen["comments"]["nodes"][0]["reportCount"], 2);
    let reports = entity::comment_report::Entity::find()
        .count(app.db())
        .await
        .unwrap_or_else(|e| panic!("{}", db_err(e)));
    assert_eq!(reports, 2);
}

// ------------------------------------------------------------------------------------------
// Notifications
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_proposer_is_told_when_the_committee_accepts_or_rejects_a_topic() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    set_threshold(&app, &w, 2).await;
    let accepted = topic_in(&app, &w, "UNDER_REVIEW").await;
    let rejected = topic_in(&app, &w, "PROPOSED").await;

    app.ok(Some(w.token(COMMITTEE)), ACCEPT, json!({ "id": accepted }))
        .await;
    let t = app
        .ok(
            Some(w.token(COMMITTEE)),
            REJECT,
            json!({ "id": rejected, "r": "  属于物业职责  " }),
        )
        .await["rejectTopic"]
        .clone();

    assert_eq!(t["status"], "REJECTED");
    assert_eq!(t["rejectReason"], "属于物业职责");
    let mine = inbox(&app, w.token(RESIDENT)).await;
    let yes = about(&mine, "TOPIC_ACCEPTED", &accepted);
    assert_eq!(yes.len(), 1, "{mine:?}");
    assert_eq!(params(&yes[0])["title"], "议题：UNDER_REVIEW");
    assert_eq!(yes[0]["communityId"], w.community_id.as_str());
    let no = about(&mine, "TOPIC_REJECTED", &rejected);
    assert_eq!(no.len(), 1, "{mine:?}");
    assert_eq!(params(&no[0])["reason"], "属于物业职责");
    assert_eq!(params(&no[0])["title"], "议题：PROPOSED");
    // Nobody else is told.
    let theirs = inbox(&app, w.token(MEDIATOR)).await;
    assert!(about(&theirs, "TOPIC_ACCEPTED", &accepted).is_empty());
    assert!(about(&theirs, "TOPIC_REJECTED", &rejected).is_empty());
}

#[tokio::test]
async fn participants_are_the_proposer_co_signers_and_commenters_once_each() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let t = id(&propose(&app, w.token(RESIDENT), &w.community_id, "电梯加装").await);
    cosign(&app, w.token(MEDIATOR), &t).await;
    comment(&app, w.token(MEDIATOR), &t, "支持", None).await;
    comment(&app, w.token(RESIDENT), &t, "谢谢", None).await;
    comment(&app, w.token(NEIGHBOUR), &t, "反对", None).await;

    let got = topics::participant_accounts(app.db(), &t)
        .await
        .unwrap_or_else(|e| panic!("{}", e.describe()));

    let mut want = Vec::new();
    for phone in [RESIDENT, MEDIATOR, NEIGHBOUR] {
        let me = app
            .ok(Some(w.token(phone)), "{ me { id } }", json!({}))
            .await;
        want.push(me["me"]["id"].as_str().unwrap_or_default().to_owned());
    }
    want.sort();
    assert_eq!(got, want);
}

// ------------------------------------------------------------------------------------------
// Listing
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn topics_are_listed_newest_first_by_status_and_page() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let who = if i % 2 == 0 { RESIDENT } else { COMMITTEE };
        ids.push(id(&propose(
            &app,
            w.token(who),
            &w.community_id,
            &format!("第{i}个议题"),
        )
        .await));
    }
    ids.reverse();

    let page1 = app
        .ok(
            Some(w.token(NEIGHBOUR)),
            LIST,
            json!({ "c": w.community_id, "first": 3 }),
        )
        .await["topics"]
        .clone();
    assert_eq!(page1["totalCount"], 5);
    assert_eq!(page1["pageInfo"]["hasNextPage"], true);
    let got: Vec<String> = page1["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(id)
        .collect();
    assert_eq!(got, ids[..3].to_vec());
    let page2 = app
        .ok(
            Some(w.token(NEIGHBOUR)),
            LIST,
            json!({ "c": w.community_id, "first": 3, "after": page1["pageInfo"]["endCursor"] }),
        )
        .await["topics"]
        .clone();
    let got: Vec<String> = page2["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(id)
        .collect();
    assert_eq!(got, ids[3..].to_vec());
    assert_eq!(page2["pageInfo"]["hasNextPage"], false);
    assert_eq!(page2["pageInfo"]["hasPreviousPage"], true);

    let deliberating = app
        .ok(
            Some(w.token(NEIGHBOUR)),
            LIST,
            json!({ "c": w.community_id, "s": ["DELIBERATING"] }),
        )
        .await["topics"]
        .clone();
    assert_eq!(deliberating["totalCount"], 2);
    let both = app
        .ok(
            Some(w.token(NEIGHBOUR)),
            LIST,
            json!({ "c": w.community_id, "s": ["DELIBERATING", "PROPOSED"] }),
        )
        .await["topics"]
        .clone();
    assert_eq!(both["totalCount"], 5);
    let none = app
        .ok(
            Some(w.token(NEIGHBOUR)),
            LIST,
            json!({ "c": w.community_id, "s": ["COMPLETED"] }),
        )
        .await["topics"]
        .clone();
    assert_eq!(none["totalCount"], 0);
    assert_eq!(none["nodes"], json!([]));
}

// ------------------------------------------------------------------------------------------
// Concurrency
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn ten_simultaneous_cosignatures_by_one_resident_count_once() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let t = id(&propose(&app, w.token(RESIDENT), &w.community_id, "并发附议").await);

    let results =
        join_all((0..10).map(|_| app.gql(Some(w.token(MEDIATOR)), COSIGN, json!({ "id": t }))))
            .await;

    let ok = results.iter().filter(|r| r.get("errors").is_none()).count();
    assert_eq!(ok, 1, "{results:?}");
    for r in results.iter().filter(|r| r.get("errors").is_some()) {
        assert_eq!(error_code(r), "CONFLICT", "{r}");
    }
    let now = topic(&app, w.token(MEDIATOR), &t).await;
    assert_eq!(now["cosignCount"], 2);
    assert_eq!(now["viewerHasCosigned"], true);
    let rows = entity::topic_cosign::Entity::find()
        .filter(entity::topic_cosign::Column::TopicId.eq(t.clone()))
        .count(app.db())
        .await
        .unwrap_or_else(|e| panic!("{}", db_err(e)));
    assert_eq!(rows, 2);
}

#[tokio::test]
async fn simultaneous_cosignatures_by_many_residents_are_all_counted_and_start_review_once() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let extra = more_residents(&app, &w, 10).await;
    // The proposer, four neighbours and ten newcomers: exactly the threshold.
    set_threshold(&app, &w, 15).await;
    let t = id(&propose(&app, w.token(RESIDENT), &w.community_id, "并发附议到门槛").await);
    let mut tokens: Vec<String> = [COMMITTEE, MEDIATOR, ORGANIZER, NEIGHBOUR]
        .iter()
        .map(|p| w.token(p).to_owned())
        .collect();
    tokens.extend(extra);

    let results = join_all(
        tokens
            .iter()
            .map(|tok| app.gql(Some(tok), COSIGN, json!({ "id": t }))),
    )
    .await;

    for r in &results {
        assert!(r.get("errors").is_none(), "{r}");
    }
    let now = topic(&app, w.token(RESIDENT), &t).await;
    assert_eq!(now["cosignCount"], 15);
    assert_eq!(now["status"], "UNDER_REVIEW");
    let rows = entity::topic_cosign::Entity::find()
        .filter(entity::topic_cosign::Column::TopicId.eq(t.clone()))
        .count(app.db())
        .await
        .unwrap_or_else(|e| panic!("{}", db_err(e)));
    assert_eq!(rows, 15);
    let told = about(
        &inbox(&app, w.token(COMMITTEE)).await,
        "TOPIC_UNDER_REVIEW",
        &t,
    );
    assert_eq!(told.len(), 1, "review starts exactly once");
}

#[tokio::test]
async fn simultaneous_cosignatures_past_the_threshold_stop_exactly_at_it() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let extra = more_residents(&app, &w, 10).await;
    set_threshold(&app, &w, 6).await;
    let t = id(&propose(&app, w.token(RESIDENT), &w.community_id, "并发附议越过门槛").await);
    let mut tokens: Vec<String> = [COMMITTEE, MEDIATOR, ORGANIZER, NEIGHBOUR]
        .iter()
        .map(|p| w.token(p).to_owned())
        .collect();
    tokens.extend(extra);

    let results = join_all(
        tokens
            .iter()
            .map(|tok| app.gql(Some(tok), COSIGN, json!({ "id": t }))),
    )
    .await;

    let ok = results.iter().filter(|r| r.get("errors").is_none()).count();
    assert_eq!(ok, 5, "the proposer plus five reach six: {results:?}");
    for r in results.iter().filter(|r| r.get("errors").is_some()) {
        assert_eq!(error_code(r), "INVALID_STATE", "{r}");
    }
    let now = topic(&app, w.token(RESIDENT), &t).await;
    assert_eq!(
        (now["status"].clone(), now["cosignCount"].clone()),
        (json!("UNDER_REVIEW"), json!(6))
    );
    let rows = entity::topic_cosign::Entity::find()
        .filter(entity::topic_cosign::Column::TopicId.eq(t.clone()))
        .count(app.db())
        .await
        .unwrap_or_else(|e| panic!("{}", db_err(e)));
    assert_eq!(rows, 6, "refused co-signatures leave no row");
    let told = about(
        &inbox(&app, w.token(COMMITTEE)).await,
        "TOPIC_UNDER_REVIEW",
        &t,
    );
    assert_eq!(told.len(), 1);
}
