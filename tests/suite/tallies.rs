//! The append-only ballot box (issue 7 §2): votes update no counter; a fold adds them to the
//! ballot's counters under the ballot's exclusive lock, and a tally read adds the votes not folded
//! yet in one statement. These tests race votes, vote changes, folds, reads and closing, on both
//! databases, and compare every count with the box itself.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::ballots::{
    deliberating_topic, let_voting_time_pass, open_ballot, option_id, phone, read_ballot, vote,
    voters, COMMITTEE_PHONE,
};
use crate::build::BallotSpec;
use crate::harness::*;

/// One committee member and 39 owner households of 51–89 m².
fn big_roster() -> String {
    let mut r = String::from("building,unit,area_m2,owner,name,phone,roles\n");
    r.push_str("1栋,101,100.00,true,业主一,13800000101,COMMITTEE\n");
    for i in 2..=40 {
        r.push_str(&format!(
            "3栋,{},{}.00,true,业主{i},{},\n",
            100 + i,
            49 + i,
            phone(i)
        ));
    }
    r
}

/// What the box holds, counted directly: turnout and votes per option id.
async fn box_counts(app: &TestApp, ballot: &str) -> (i64, HashMap<String, i64>) {
    let rows = entity::ballot_box::Entity::find()
        .filter(entity::ballot_box::Column::BallotId.eq(ballot))
        .all(app.db())
        .await
        .unwrap_or_default();
    let mut per: HashMap<String, i64> = HashMap::new();
    for r in &rows {
        for id in r.option_ids.split(',') {
            *per.entry(id.to_owned()).or_default() += 1;
        }
    }
    (rows.len() as i64, per)
}

fn api_counts(ballot: &Value) -> HashMap<String, i64> {
    ballot["result"]["options"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|o| {
            (
                o["id"].as_str().unwrap_or_default().to_owned(),
                o["votes"].as_i64().unwrap_or(-1),
            )
        })
        .filter(|(_, v)| *v != 0)
        .collect()
}

/// Folds every ballot's pending votes into its counters now.
pub async fn fold(app: &TestApp) {
    api::domain::ballot::tally::fold_due(app.db())
        .await
        .unwrap_or_else(|e| panic!("fold failed: {}", e.describe()));
}

#[tokio::test]
async fn votes_changes_folds_reads_and_closing_racing_count_every_vote_once() {
    // Folds run when this test says so, racing everything else.
    let app = TestApp::spawn_with(|s| s.fold_interval_ms = 3_600_000).await;
    let v = voters(&app, &big_roster()).await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
    let id = b["id"].as_str().unwrap_or_default().to_owned();
    let (yes, no) = (option_id(&b, "APPROVE"), option_id(&b, "OPPOSE"));

    // 1. Twenty votes at once, with folds in between; one voter changes their vote meanwhile.
    let first = vote(&app, v.token(&phone(2)), &id, std::slice::from_ref(&yes)).await;
    let receipt = first["data"]["castVote"]["receipt"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let change = "mutation($b:ID!,$o:[ID!]!,$r:String){ castVote(ballotId:$b, optionIds:$o, receipt:$r){ receipt } }";
    let votes = (3..=21).map(|i| {
        let pick = if i % 3 == 0 { &no } else { &yes };
        vote(&app, v.token(&phone(i)), &id, std::slice::from_ref(pick))
    });
    let changes = (0..6).map(|i| {
        let pick = if i % 2 == 0 { &no } else { &yes };
        app.gql(
            Some(v.token(&phone(2))),
            change,
            json!({"b": id, "o": [pick], "r": receipt}),
        )
    });
    let (voted, changed, _) = futures_util::future::join3(
        futures_util::future::join_all(votes),
        futures_util::future::join_all(changes),
        futures_util::future::join_all((0..8).map(|_| fold(&app))),
    )
    .await;
    assert!(voted.iter().all(|r| r.get("errors").is_none()), "{voted:?}");
    assert!(
        changed.iter().all(|r| r.get("errors").is_none()),
        "{changed:?}"
    );

    // 2. Reads racing folds always see the box exactly: never a vote missing or counted twice.
    let (turnout, per) = box_counts(&app, &id).await;
    assert_eq!(turnout, 20);
    let reader = v.token(&phone(5)).to_owned();
    let reads = (0..12).map(|_| read_ballot(&app, &reader, &id));
    let (seen, _) = futures_util::future::join(
        futures_util::future::join_all(reads),
        futures_util::future::join_all((0..4).map(|_| fold(&app))),
    )
    .await;
    for s in &seen {
        assert_eq!(s["turnoutCount"], 20, "{s}");
        assert_eq!(api_counts(s), per, "{s}");
    }

    // 3. Closing races the remaining voters: whatever is accepted is counted, nothing after.
    let late = (22..=40).map(|i| vote(&app, v.token(&phone(i)), &id, std::slice::from_ref(&yes)));
    let closer = async {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let_voting_time_pass(&app, &id).await;
        api::domain::ballot::service::close_one(&app.state, &id)
            .await
            .unwrap_or_else(|e| panic!("close failed: {}", e.describe()))
    };
    let (late, closed, _) = futures_util::future::join3(
        futures_util::future::join_all(late),
        closer,
        futures_util::future::join_all((0..4).map(|_| fold(&app))),
    )
    .await;
    assert!(closed, "the ballot closed");
    let accepted = late.iter().filter(|r| r.get("errors").is_none()).count() as i64;
    let refused = late
        .iter()
        .filter(|r| error_code(r) == "INVALID_STATE")
        .count() as i64;
    assert_eq!(accepted + refused, 19, "{late:?}");

    let result = read_ballot(&app, v.token(COMMITTEE_PHONE), &id).await;
    assert_eq!(result["status"], "CLOSED");
    let (turnout, per) = box_counts(&app, &id).await;
    assert_eq!(turnout, 20 + accepted, "every accepted vote is in the box");
    assert_eq!(result["turnoutCount"], turnout, "{result}");
    assert_eq!(api_counts(&result), per, "{result}");
    let participation = entity::ballot_participation::Entity::find()
        .filter(entity::ballot_participation::Column::BallotId.eq(id.clone()))
        .all(app.db())
        .await
        .unwrap_or_default();
    assert_eq!(participation.len() as i64, turnout);
    let pending = entity::ballot_box::Entity::find()
        .filter(entity::ballot_box::Column::BallotId.eq(id.clone()))
        .filter(entity::ballot_box::Column::Pending.eq(true))
        .all(app.db())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(pending.is_empty(), "closing counted every vote");
    // The area behind the turnout is the box's, to the hundredth of a m².
    let area: i64 = entity::ballot_box::Entity::find()
        .filter(entity::ballot_box::Column::BallotId.eq(id.clone()))
        .all(app.db())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .iter()
        .map(|r| r.area)
        .sum();
    assert_eq!(
        result["turnoutArea"],
        format!("{}.{:02}", area / 100, area % 100),
        "{result}"
    );
    // A vote after closing is refused and leaves nothing behind.
    let after = vote(&app, v.token(&phone(40)), &id, std::slice::from_ref(&yes)).await;
    assert_eq!(error_code(&after), "INVALID_STATE", "{after}");
    assert_eq!(box_counts(&app, &id).await.0, turnout);
}

#[tokio::test]
async fn an_open_tally_counts_votes_before_any_fold_and_the_fold_changes_nothing_visible() {
    let app = TestApp::spawn_with(|s| s.fold_interval_ms = 3_600_000).await;
    let v = voters(&app, &crate::ballots::OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
    let id = b["id"].as_str().unwrap_or_default().to_owned();
    let yes = option_id(&b, "APPROVE");
    for i in 1..=3 {
        vote(&app, v.token(&phone(i)), &id, std::slice::from_ref(&yes)).await;
    }
    let before = read_ballot(&app, v.token(&phone(1)), &id).await;
    assert_eq!(before["turnoutCount"], 3);
    assert_eq!(before["turnoutArea"], "300.00");
    let row = entity::ballot::Entity::find_by_id(id.clone())
        .one(app.db())
        .await
        .ok()
        .flatten()
        .map(|b| b.turnout_count);
    assert_eq!(row, Some(0), "casting updated no counter");
    fold(&app).await;
    let row = entity::ballot::Entity::find_by_id(id.clone())
        .one(app.db())
        .await
        .ok()
        .flatten()
        .map(|b| b.turnout_count);
    assert_eq!(row, Some(3), "the fold moved the votes into the counters");
    let after = read_ballot(&app, v.token(&phone(1)), &id).await;
    assert_eq!(after["turnoutCount"], before["turnoutCount"]);
    assert_eq!(after["result"], before["result"]);
}
