//! Ballots (issue 6): named votes (item 17) and the bulletin's size (item 5).
//!
//! - A committee member paired the live tally with who had voted to infer choices: a non-secret
//!   ballot is now openly a named vote (记名表决), whose roll the committee reads after closing,
//!   and a secret ballot has no roll for anyone and stores nothing that joins who to what.
//! - `bulletin` aliased many times in one request read every vote many times over: it now costs a
//!   large share of the query cost, and is served whole as a CSV download instead.

use crate::build::BallotSpec;
use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::ballots::{
    close, deliberating_topic, open_ballot, option_id, phone, read_ballot, vote, voters, Voters,
    COMMITTEE_PHONE, OWNERS_ROSTER,
};
use crate::harness::*;

const ROLL: &str = "query($id:ID!){ ballot(id:$id){ named namedRoll { voterId name building unit channel optionIds optionLabels area } } }";
const CHANGE: &str = "mutation($b:ID!,$o:[ID!]!,$r:String){ castVote(ballotId:$b, optionIds:$o, receipt:$r){ receipt } }";
const PAPER: &str =
    "mutation($b:ID!,$v:ID!,$o:[ID!]!){ recordPaperBallot(ballotId:$b, voterId:$v, optionIds:$o) }";
const BULLETIN: &str = "query($b:ID!){ bulletin(ballotId:$b){ receiptHash optionIds area } }";

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

async fn receipt_of(app: &TestApp, token: &str, ballot: &str, option: &str) -> String {
    let r = vote(app, token, ballot, &[option.to_owned()]).await;
    s(&r["data"]["castVote"]["receipt"])
}

/// An outsider: signed in, on another community's roster only.
async fn outsider(app: &TestApp) -> String {
    let world = app.community().await;
    world.token(RESIDENT).to_owned()
}

async fn roll(app: &TestApp, token: &str, ballot: &str) -> Value {
    app.gql(Some(token), ROLL, json!({"id": ballot})).await
}

/// A named vote with four votes: phone 2 approves; phone 3 opposes, then changes to approve with
/// its receipt; phone 4's household votes on paper (oppose); phone 5 abstains.
async fn named_vote(app: &TestApp, v: &Voters) -> (String, Value) {
    let topic = deliberating_topic(app, v).await;
    let b = open_ballot(app, v, &BallotSpec::motion(&topic).secret(false)).await;
    let id = s(&b["id"]);
    let (yes, no, abstain) = (
        option_id(&b, "APPROVE"),
        option_id(&b, "OPPOSE"),
        option_id(&b, "ABSTAIN"),
    );
    receipt_of(app, v.token(&phone(2)), &id, &yes).await;
    let r3 = receipt_of(app, v.token(&phone(3)), &id, &no).await;
    // Someone else holding phone 3's receipt cannot rewrite phone 3's named vote.
    let theft = app
        .gql(
            Some(v.token(&phone(2))),
            CHANGE,
            json!({"b": id, "o": [abstain], "r": r3}),
        )
        .await;
    assert_eq!(error_code(&theft), "BAD_USER_INPUT", "{theft}");
    app.ok(
        Some(v.token(&phone(3))),
        CHANGE,
        json!({"b": id, "o": [yes], "r": r3}),
    )
    .await;
    app.ok(
        Some(v.token(COMMITTEE_PHONE)),
        PAPER,
        json!({"b": id, "v": v.household(&phone(4)), "o": [no]}),
    )
    .await;
    receipt_of(app, v.token(&phone(5)), &id, &abstain).await;
    (id, b)
}

#[tokio::test]
async fn the_committee_reads_the_named_roll_of_a_closed_named_vote_and_no_one_else_does() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let (id, b) = named_vote(&app, &v).await;
    let (yes, no, abstain) = (
        option_id(&b, "APPROVE"),
        option_id(&b, "OPPOSE"),
        option_id(&b, "ABSTAIN"),
    );
    let committee = v.token(COMMITTEE_PHONE).to_owned();

    // While open: no roll, even for the committee; a resident is refused; the ballot says it is named.
    let open = roll(&app, &committee, &id).await;
    assert!(open.get("errors").is_none(), "{open}");
    assert_eq!(open["data"]["ballot"]["named"], true);
    assert!(open["data"]["ballot"]["namedRoll"].is_null(), "{open}");
    assert_eq!(
        error_code(&roll(&app, v.token(&phone(6)), &id).await),
        "FORBIDDEN"
    );

    close(&app, &committee, &id).await;
    let resp = roll(&app, &committee, &id).await;
    assert!(resp.get("errors").is_none(), "{resp}");
    let lines = resp["data"]["ballot"]["namedRoll"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(lines.len(), 4, "one line per vote: {resp}");
    let by_voter: HashMap<String, Value> = lines
        .iter()
        .map(|l| (s(&l["voterId"]), l.clone()))
        .collect();
    let line = |p: usize| {
        by_voter
            .get(v.household(&phone(p)))
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(
        line(2),
        json!({"voterId": v.household(&phone(2)), "name": "业主二", "building": "1栋", "unit": "102",
               "channel": "ONLINE", "optionIds": [yes], "optionLabels": ["赞成"], "area": "100.00"})
    );
    // The changed vote shows the choice as changed.
    assert_eq!(line(3)["optionIds"], json!([yes]));
    assert_eq!(line(3)["name"], "业主三");
    // The paper ballot is on the roll with its channel.
    assert_eq!(line(4)["optionIds"], json!([no]));
    assert_eq!(line(4)["channel"], "PAPER");
    assert_eq!(line(5)["optionLabels"], json!(["弃权"]));
    assert_eq!(line(5)["optionIds"], json!([abstain]));
    // Sorted by building and unit, for printing.
    let units: Vec<String> = lines.iter().map(|l| s(&l["unit"])).collect();
    assert_eq!(units, vec!["102", "201", "202", "301"]);

    // The roll agrees with the stored result.
    let closed = read_ballot(&app, &committee, &id).await;
    for o in closed["result"]["options"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        let on_roll = lines
            .iter()
            .filter(|l| {
                l["optionIds"]
                    .as_array()
                    .is_some_and(|ids| ids.contains(&o["id"]))
            })
            .count() as i64;
        assert_eq!(Some(on_roll), o["votes"].as_i64(), "{o}");
    }

    // A resident who voted cannot read it; an outsider cannot see the ballot at all.
    assert_eq!(
        error_code(&roll(&app, v.token(&phone(2)), &id).await),
        "FORBIDDEN"
    );
    let outsider = outsider(&app).await;
    assert_eq!(error_code(&roll(&app, &outsider, &id).await), "NOT_FOUND");
}

/// Every value stored in a table's rows for one ballot, as text (the ballot id left out).
fn values(rows: &[Value], ballot: &str) -> HashSet<String> {
    rows.iter()
        .filter_map(Value::as_object)
        .flat_map(|o| o.values())
        .map(|v| match v {
            Value::String(t) => t.clone(),
            other => other.to_string(),
        })
        .filter(|t| t != ballot)
        .collect()
}

#[tokio::test]
async fn a_secret_ballot_has_no_named_roll_for_anyone_and_stores_nothing_joining_who_to_what() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(&app, &v, &BallotSpec::motion(&topic).secret(true)).await;
    let id = s(&b["id"]);
    let (yes, no) = (option_id(&b, "APPROVE"), option_id(&b, "OPPOSE"));
    let r2 = receipt_of(&app, v.token(&phone(2)), &id, &yes).await;
    receipt_of(&app, v.token(&phone(3)), &id, &no).await;
    app.ok(
        Some(v.token(&phone(2))),
        CHANGE,
        json!({"b": id, "o": [no], "r": r2}),
    )
    .await;
    app.ok(
        Some(v.token(COMMITTEE_PHONE)),
        PAPER,
        json!({"b": id, "v": v.household(&phone(4)), "o": [yes]}),
    )
    .await;

    let everyone = [
        v.admin.clone(),
        v.token(COMMITTEE_PHONE).to_owned(),
        v.token(&phone(2)).to_owned(),
    ];
    for closed in [false, true] {
        if closed {
            close(&app, v.token(COMMITTEE_PHONE), &id).await;
        }
        for token in &everyone {
            let resp = roll(&app, token, &id).await;
            assert!(resp.get("errors").is_none(), "{resp}");
            assert_eq!(resp["data"]["ballot"]["named"], false);
            assert!(
                resp["data"]["ballot"]["namedRoll"].is_null(),
                "closed={closed}: {resp}"
            );
        }
    }

    // Nothing records whose choice is whose.
    let named = entity::ballot_named_vote::Entity::find()
        .filter(entity::ballot_named_vote::Column::BallotId.eq(id.clone()))
        .all(app.db())
        .await
        .unwrap_or_default();
    assert!(named.is_empty(), "a secret ballot got named rows");
    // Participation and box rows share no value but the ballot id.
    let participation: Vec<Value> = entity::ballot_participation::Entity::find()
        .filter(entity::ballot_participation::Column::BallotId.eq(id.clone()))
        .into_json()
        .all(app.db())
        .await
        .unwrap_or_default();
    let ballot_box: Vec<Value> = entity::ballot_box::Entity::find()
        .filter(entity::ballot_box::Column::BallotId.eq(id.clone()))
        .into_json()
        .all(app.db())
        .await
        .unwrap_or_default();
    assert_eq!((participation.len(), ballot_box.len()), (3, 3));
    let shared: Vec<String> = values(&participation, &id)
        .intersection(&values(&ballot_box, &id))
        .cloned()
        .collect();
    assert!(shared.is_empty(), "who and what share {shared:?}");
}

#[tokio::test]
async fn aliasing_the_bulletin_many_times_is_refused_by_the_query_cost() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let (id, _) = named_vote(&app, &v).await;
    let token = v.token(&phone(2)).to_owned();
    close(&app, &token, &id).await;

    let aliased = |n: usize| {
        let fields: Vec<String> = (0..n)
            .map(|i| format!("b{i}: bulletin(ballotId:$b){{ receiptHash optionIds area }}"))
            .collect();
        format!("query($b:ID!){{ {} }}", fields.join(" "))
    };
    // One or two whole bulletins fit in a request.
    for n in [1, 2] {
        let data = app.ok(Some(&token), &aliased(n), json!({"b": id})).await;
        assert_eq!(data["b0"].as_array().map(Vec::len), Some(4));
    }
    // Three do not, nor twenty: refused before anything is read, with a code.
    for n in [3, 20] {
        let resp = app.gql(Some(&token), &aliased(n), json!({"b": id})).await;
        assert_eq!(error_code(&resp), "BAD_USER_INPUT", "n={n}: {resp}");
        assert!(resp["data"].is_null(), "{resp}");
    }
    // The named roll is as large: aliasing it through `ballot` is refused too.
    let rolls: Vec<String> = (0..3)
        .map(|i| format!("r{i}: ballot(id:$b){{ namedRoll {{ voterId optionIds }} }}"))
        .collect();
    let resp = app
        .gql(
            Some(v.token(COMMITTEE_PHONE)),
            &format!("query($b:ID!){{ {} }}", rolls.join(" ")),
            json!({"b": id}),
        )
        .await;
    assert_eq!(error_code(&resp), "BAD_USER_INPUT", "{resp}");
}

async fn csv(app: &TestApp, token: Option<&str>, ballot: &str) -> (u16, String, String) {
    let mut req = app
        .http
        .get(format!("{}/ballots/{ballot}/bulletin.csv", app.address));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("request failed: {e}"));
    let status = resp.status().as_u16();
    let kind = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, kind, resp.text().await.unwrap_or_default())
}

#[tokio::test]
async fn the_bulletin_csv_has_one_line_per_vote_matches_the_graphql_bulletin_and_hides_from_outsiders(
) {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let (id, _) = named_vote(&app, &v).await;
    let token = v.token(&phone(7)).to_owned();

    // Published only once closed, as the GraphQL field.
    assert_eq!(csv(&app, Some(&token), &id).await.0, 409);
    close(&app, &token, &id).await;

    let (status, kind, body) = csv(&app, Some(&token), &id).await;
    assert_eq!(status, 200, "{body}");
    assert!(kind.starts_with("text/csv"), "{kind}");
    let mut lines = body.lines();
    assert_eq!(lines.next(), Some("receipt_hash,option_ids,area"));
    let rows: Vec<(String, String, String)> = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 3, "{l}");
            (f[0].to_owned(), f[1].to_owned(), f[2].to_owned())
        })
        .collect();
    assert_eq!(rows.len(), 4, "one line per vote: {body}");

    let entries = app.ok(Some(&token), BULLETIN, json!({"b": id})).await["bulletin"].clone();
    let from_graphql: Vec<(String, String, String)> = entries
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|e| {
            let ids: Vec<String> = e["optionIds"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(s)
                .collect();
            (s(&e["receiptHash"]), ids.join(";"), s(&e["area"]))
        })
        .collect();
    assert_eq!(rows, from_graphql);

    // An outsider, a stranger without a token, a bad token and an unknown ballot.
    let outsider = outsider(&app).await;
    assert_eq!(csv(&app, Some(&outsider), &id).await.0, 404);
    assert_eq!(csv(&app, None, &id).await.0, 401);
    assert_eq!(csv(&app, Some("not-a-token"), &id).await.0, 401);
    assert_eq!(
        csv(&app, Some(&token), &uuid::Uuid::new_v4().to_string())
            .await
            .0,
        404
    );
}

/// Each opening tells every voter and `Topic.ballots` lists every ballot, so opening and
/// cancelling in a loop would grow both without end: a topic has at most 20 ballots, and a
/// refused opening stores nothing and leaves the topic deliberating. (Two openings at once give
/// one ballot whatever the cap: only one moves the topic to VOTING; the cap is counted under
/// that move's row lock.)
#[tokio::test]
async fn a_topic_has_at_most_twenty_ballots_and_a_refused_opening_changes_nothing() {
    const MAX: u64 = api::domain::ballot::rules::MAX_BALLOTS;
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let cancel = "mutation($b:ID!){ cancelBallot(ballotId:$b, reason:\"表决事项表述有误，重新表决\"){ status } }";
    let open = "mutation($i:OpenBallotInput!){ openBallot(input:$i){ id } }";
    for _ in 0..MAX - 1 {
        let b = open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
        app.ok(
            Some(v.token(COMMITTEE_PHONE)),
            cancel,
            json!({ "b": s(&b["id"]) }),
        )
        .await;
    }
    let input = json!({ "i": BallotSpec::motion(&topic).input() });
    let both = futures_util::future::join_all(
        (0..2).map(|_| app.gql(Some(v.token(COMMITTEE_PHONE)), open, input.clone())),
    )
    .await;
    let opened: Vec<String> = both
        .iter()
        .map(|r| s(&r["data"]["openBallot"]["id"]))
        .collect();
    let opened: Vec<&String> = opened.iter().filter(|id| !id.is_empty()).collect();
    assert_eq!(opened.len(), 1, "{both:?}");
    app.ok(
        Some(v.token(COMMITTEE_PHONE)),
        cancel,
        json!({ "b": opened[0] }),
    )
    .await;
    let refused = app.gql(Some(v.token(COMMITTEE_PHONE)), open, input).await;
    assert_eq!(error_code(&refused), "INVALID_STATE", "{refused}");
    let stored = app
        .ok(
            Some(v.token(COMMITTEE_PHONE)),
            "query($t:ID!){ topic(id:$t){ status ballots { id } } }",
            json!({ "t": topic }),
        )
        .await;
    assert_eq!(stored["topic"]["status"], "DELIBERATING");
    assert_eq!(
        stored["topic"]["ballots"].as_array().map(Vec::len),
        Some(MAX as usize)
    );
}

/// The access token of a second session of `phone`'s account, signed out (its first session
/// still works).
async fn signed_out_session(app: &TestApp, phone: &str) -> String {
    let session = app.sign_in_full(phone, PASSWORD).await;
    app.ok(
        None,
        "mutation($r:String!){ signOut(refreshToken:$r) }",
        json!({ "r": session["refreshToken"] }),
    )
    .await;
    s(&session["accessToken"])
}

/// A vote reads its voter, its write limit and its ballot before it writes (in one statement on
/// PostgreSQL, one command of three statements on SQLite; either way the voter rows are found
/// through the account's places): an ended session, a resident who moved out and a member of
/// another community are refused with their own codes and count nothing; the voter beside them
/// counts once. Two votes in one request (the viewer read by the first) count once each.
#[tokio::test]
async fn a_vote_from_an_ended_session_a_moved_out_resident_or_an_outsider_counts_nothing() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
    let (id, yes) = (s(&b["id"]), option_id(&b, "APPROVE"));
    let committee = v.token(COMMITTEE_PHONE);
    let turnout = || async {
        read_ballot(&app, committee, &id).await["turnoutCount"]
            .as_i64()
            .unwrap_or(-1)
    };

    // A signed-out session (a second one, so that the voter's first still works).
    let signed_out = &signed_out_session(&app, &phone(2)).await;
    let resp = vote(&app, signed_out, &id, std::slice::from_ref(&yes)).await;
    assert_eq!(error_code(&resp), "UNAUTHENTICATED", "signed out: {resp}");

    // A resident who moved out (their sessions end with their last place).
    let moved = v.people.get(&phone(3)).cloned().unwrap_or_default();
    app.ok(
        Some(committee),
        "mutation($r:ID!){ deactivateResident(residentId:$r){ id } }",
        json!({ "r": moved.1 }),
    )
    .await;
    let resp = vote(&app, &moved.0, &id, std::slice::from_ref(&yes)).await;
    assert_eq!(error_code(&resp), "UNAUTHENTICATED", "moved out: {resp}");

    // A member of another community: the ballot is not theirs to see.
    let resp = vote(&app, &outsider(&app).await, &id, std::slice::from_ref(&yes)).await;
    assert_eq!(error_code(&resp), "NOT_FOUND", "outsider: {resp}");
    // No token at all.
    let resp = app
        .gql(
            None,
            "mutation($b:ID!,$o:[ID!]!){ castVote(ballotId:$b, optionIds:$o){ receipt } }",
            json!({"b": id, "o": [yes]}),
        )
        .await;
    assert_eq!(error_code(&resp), "UNAUTHENTICATED", "anonymous: {resp}");
    assert_eq!(turnout().await, 0, "a refused vote counted");

    // The voter's own first session still votes, once.
    let resp = vote(&app, v.token(&phone(2)), &id, std::slice::from_ref(&yes)).await;
    assert!(resp["data"]["castVote"]["receipt"].is_string(), "{resp}");
    let again = vote(&app, v.token(&phone(2)), &id, std::slice::from_ref(&yes)).await;
    assert_eq!(error_code(&again), "CONFLICT", "a second vote: {again}");
    assert_eq!(turnout().await, 1);

    // Two votes in one request, on two ballots: the second uses the viewer the first read.
    let other_topic = deliberating_topic(&app, &v).await;
    let other = open_ballot(&app, &v, &BallotSpec::motion(&other_topic)).await;
    let both = app
        .gql(
            Some(v.token(&phone(4))),
            "mutation($a:ID!,$x:[ID!]!,$b:ID!,$y:[ID!]!){ \
             first: castVote(ballotId:$a, optionIds:$x){ receipt } \
             second: castVote(ballotId:$b, optionIds:$y){ receipt } }",
            json!({"a": id, "x": [yes], "b": s(&other["id"]), "y": [option_id(&other, "OPPOSE")]}),
        )
        .await;
    assert!(both.get("errors").is_none(), "{both}");
    assert!(both["data"]["first"]["receipt"].is_string(), "{both}");
    assert!(both["data"]["second"]["receipt"].is_string(), "{both}");
    assert_eq!(turnout().await, 2);
    let other = read_ballot(&app, committee, &s(&other["id"])).await;
    assert_eq!(other["turnoutCount"], 1, "{other}");
}

/// The vote's write limit is counted in the vote's first statement (on SQLite in the same
/// command as the account and the ballot): a refused vote (an ended session, no such ballot)
/// is rolled back with its count, so it spends none of the account's budget; votes and vote
/// changes spend it, and the one beyond it is RATE_LIMITED and changes nothing.
#[tokio::test]
async fn refused_votes_spend_no_write_budget_and_the_vote_beyond_it_is_rate_limited() {
    let app = TestApp::spawn_with(|s| s.write_limit.max = 2).await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
    let (id, yes, no) = (
        s(&b["id"]),
        option_id(&b, "APPROVE"),
        option_id(&b, "OPPOSE"),
    );

    // Three refusals of the same account: a signed-out session of it, and no such ballot.
    let signed_out = &signed_out_session(&app, &phone(2)).await;
    for _ in 0..2 {
        let resp = vote(&app, signed_out, &id, std::slice::from_ref(&yes)).await;
        assert_eq!(error_code(&resp), "UNAUTHENTICATED", "{resp}");
    }
    let voter = v.token(&phone(2));
    let resp = vote(&app, voter, "no-such-ballot", std::slice::from_ref(&yes)).await;
    assert_eq!(error_code(&resp), "NOT_FOUND", "{resp}");

    // The live session still has its whole budget: a vote and a change.
    let receipt = receipt_of(&app, voter, &id, &yes).await;
    let changed = app
        .gql(
            Some(voter),
            CHANGE,
            json!({ "b": id, "o": [no], "r": receipt }),
        )
        .await;
    assert!(changed.get("errors").is_none(), "{changed}");
    // The third write is beyond it, and changes nothing.
    let third = app
        .gql(
            Some(voter),
            CHANGE,
            json!({ "b": id, "o": [yes], "r": receipt }),
        )
        .await;
    assert_eq!(error_code(&third), "RATE_LIMITED", "{third}");
    let committee = v.token(COMMITTEE_PHONE);
    close(&app, committee, &id).await;
    let closed = read_ballot(&app, committee, &id).await;
    assert_eq!(closed["turnoutCount"], 1, "{closed}");
    let votes = |role: &str| {
        closed["result"]["options"]
            .as_array()
            .and_then(|o| o.iter().find(|o| o["role"] == role))
            .map(|o| o["votes"].clone())
    };
    assert_eq!(
        votes("OPPOSE"),
        Some(json!(1)),
        "the change counted: {closed}"
    );
    assert_eq!(
        votes("APPROVE"),
        Some(json!(0)),
        "the refused change did not: {closed}"
    );
}
