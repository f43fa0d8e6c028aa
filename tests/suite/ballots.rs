//! Ballots and votes (DESIGN §4): counting by head and area, one vote per voter under
//! concurrency, secret ballots, receipts, the bulletin, paper ballots, closing exactly once.

use entity::ballot::BallotStatus;
use std::collections::HashMap;
use std::time::Duration;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::build::{BallotSpec, Roster, TopicSpec};
use crate::harness::*;
use entity::ballot::{DecisionRule, Electorate, VoteMethod};
use entity::role_grant::Role;

/// Nine owner households (1,100 m² in all) plus one tenant household, one resident each.
/// `13800000101` is on the committee.
pub fn owners_roster() -> Roster {
    Roster::new()
        .member(
            "1栋",
            "101",
            "100.00",
            true,
            "业主一",
            "13800000101",
            &[Role::Committee],
        )
        .member("1栋", "102", "100.00", true, "业主二", "13800000102", &[])
        .member("1栋", "201", "100.00", true, "业主三", "13800000103", &[])
        .member("1栋", "202", "100.00", true, "业主四", "13800000104", &[])
        .member("1栋", "301", "100.00", true, "业主五", "13800000105", &[])
        .member("2栋", "101", "150.00", true, "业主六", "13800000106", &[])
        .member("2栋", "102", "150.00", true, "业主七", "13800000107", &[])
        .member("2栋", "201", "150.00", true, "业主八", "13800000108", &[])
        .member("2栋", "202", "150.00", true, "业主九", "13800000109", &[])
        .member("2栋", "301", "80.00", false, "租户十", "13800000110", &[])
}

pub static OWNERS_ROSTER: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| owners_roster().csv());

pub struct Voters {
    pub admin: String,
    pub community_id: String,
    /// phone → (access token, resident id, household id)
    pub people: HashMap<String, (String, String, String)>,
}

impl Voters {
    pub fn token(&self, phone: &str) -> &str {
        self.people
            .get(phone)
            .map(|p| p.0.as_str())
            .unwrap_or_default()
    }
    pub fn household(&self, phone: &str) -> &str {
        self.people
            .get(phone)
            .map(|p| p.2.as_str())
            .unwrap_or_default()
    }
}

pub fn phone(i: usize) -> String {
    format!("13800000{}", 100 + i)
}

pub const COMMITTEE_PHONE: &str = "13800000101";

pub async fn voters(app: &TestApp, roster: &str) -> Voters {
    let admin = app.admin_token().await;
    let community_id = app.create_community(&admin, "表决社区").await;
    let resp = app.import_roster(&admin, &community_id, roster).await;
    assert!(resp.get("errors").is_none(), "import failed: {resp}");
    let mut people = HashMap::new();
    for inv in resp["data"]["importRoster"]["invites"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        let (token, _) = app
            .claim(inv["code"].as_str().unwrap_or_default(), PASSWORD)
            .await;
        people.insert(
            inv["phone"].as_str().unwrap_or_default().to_owned(),
            (
                token,
                inv["residentId"].as_str().unwrap_or_default().to_owned(),
                inv["householdId"].as_str().unwrap_or_default().to_owned(),
            ),
        );
    }
    Voters {
        admin,
        community_id,
        people,
    }
}

/// A topic under deliberation, proposed by the committee (which starts at DELIBERATING).
pub async fn deliberating_topic(app: &TestApp, v: &Voters) -> String {
    let topic = TopicSpec::new("更换电梯", "2栋电梯老化，提议使用维修资金更换。")
        .propose(app, v.token(COMMITTEE_PHONE), &v.community_id)
        .await;
    assert_eq!(topic["status"], "DELIBERATING");
    topic["id"].as_str().unwrap_or_default().to_owned()
}

const BALLOT: &str =
    "id status secret choiceLimit eligibleCount eligibleArea turnoutCount turnoutArea
    options { id label role standsAlone }
    result { final quorumMet outcome options { id label role votes area adopted } }";

pub async fn open_ballot(app: &TestApp, v: &Voters, spec: &BallotSpec) -> Value {
    let data = app
        .ok(
            Some(v.token(COMMITTEE_PHONE)),
            &format!("mutation($i:OpenBallotInput!){{ openBallot(input:$i){{ {BALLOT} }} }}"),
            json!({"i": spec.input()}),
        )
        .await;
    data["openBallot"].clone()
}

pub fn option_id(ballot: &Value, role: &str) -> String {
    ballot["options"]
        .as_array()
        .and_then(|o| o.iter().find(|o| o["role"] == role))
        .and_then(|o| o["id"].as_str())
        .unwrap_or_default()
        .to_owned()
}

pub async fn vote(app: &TestApp, token: &str, ballot: &str, options: &[String]) -> Value {
    app.gql(
        Some(token),
        "mutation($b:ID!,$o:[ID!]!){ castVote(ballotId:$b, optionIds:$o){ receipt } }",
        json!({"b": ballot, "o": options}),
    )
    .await
}

pub async fn read_ballot(app: &TestApp, token: &str, id: &str) -> Value {
    app.ok(
        Some(token),
        &format!("query($id:ID!){{ ballot(id:$id){{ {BALLOT} }} }}"),
        json!({"id": id}),
    )
    .await["ballot"]
        .clone()
}

/// Moves the ballot's closing time into the past, as if the voting period had run out.
pub async fn let_voting_time_pass(app: &TestApp, id: &str) {
    let past = chrono::Utc::now() - chrono::Duration::seconds(1);
    entity::ballot::Entity::update_many()
        .col_expr(
            entity::ballot::Column::ClosesAt,
            sea_orm::sea_query::Expr::value(past),
        )
        .filter(entity::ballot::Column::Id.eq(id))
        .exec(app.db())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

/// Lets the voting period run out, then reads the ballot: the first read after `closesAt`
/// closes it.
pub async fn close(app: &TestApp, token: &str, id: &str) -> Value {
    let_voting_time_pass(app, id).await;
    read_ballot(app, token, id).await
}

/// An area as the API shows it ("88.50") in hundredths of a m²; -1 when it is not such a string.
fn centi(area: &Value) -> i64 {
    area.as_str()
        .and_then(|a| a.replace('.', "").parse().ok())
        .unwrap_or(-1)
}

fn option_result<'a>(ballot: &'a Value, role: &str) -> &'a Value {
    ballot["result"]["options"]
        .as_array()
        .and_then(|o| o.iter().find(|o| o["role"] == role))
        .unwrap_or(&Value::Null)
}

#[tokio::test]
async fn owners_vote_by_head_and_area_and_a_double_majority_is_adopted() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
    // The tenant household is not an owner: 9 owners, 1,100 m².
    assert_eq!(b["eligibleCount"], 9);
    assert_eq!(b["eligibleArea"], "1100.00");
    let id = b["id"].as_str().unwrap_or_default();
    let (yes, no) = (option_id(&b, "APPROVE"), option_id(&b, "OPPOSE"));
    // 5 small owners say yes (500 m²), 3 large say no (450 m²): 8/9 and 950/1,100 take part.
    for i in 1..=5 {
        assert!(
            vote(&app, v.token(&phone(i)), id, std::slice::from_ref(&yes))
                .await
                .get("errors")
                .is_none()
        );
    }
    for i in 6..=8 {
        assert!(
            vote(&app, v.token(&phone(i)), id, std::slice::from_ref(&no))
                .await
                .get("errors")
                .is_none()
        );
    }
    // The tenant is not in the electorate.
    assert_eq!(
        error_code(&vote(&app, v.token(&phone(10)), id, std::slice::from_ref(&yes)).await),
        "FORBIDDEN"
    );

    let live = read_ballot(&app, v.token(&phone(1)), id).await;
    assert_eq!(
        (live["turnoutCount"].clone(), live["turnoutArea"].clone()),
        (json!(8), json!("950.00"))
    );
    assert_eq!(
        live["result"]["final"], false,
        "a non-secret ballot shows a live tally"
    );

    let closed = close(&app, v.token(&phone(1)), id).await;
    assert_eq!(closed["status"], "CLOSED");
    assert_eq!(closed["result"]["final"], true);
    assert_eq!(closed["result"]["quorumMet"], true);
    // 5/8 owners > 1/2 and 500/950 m² > 1/2: adopted.
    assert_eq!(option_result(&closed, "APPROVE")["votes"], 5);
    assert_eq!(option_result(&closed, "APPROVE")["area"], "500.00");
    assert_eq!(closed["result"]["outcome"], "ADOPTED");
    let topic_status = app
        .ok(
            Some(v.token(&phone(2))),
            "query($t:ID!){ topic(id:$t){ status } }",
            json!({"t": topic}),
        )
        .await;
    assert_eq!(topic_status["topic"]["status"], "ADOPTED");
}

#[tokio::test]
async fn a_head_count_majority_that_fails_on_area_is_not_adopted() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
    let id = b["id"].as_str().unwrap_or_default();
    let (yes, no, abstain) = (
        option_id(&b, "APPROVE"),
        option_id(&b, "OPPOSE"),
        option_id(&b, "ABSTAIN"),
    );
    // Yes: 4 small (400 m²); no: 3 large (450 m²); abstain: 1 small (100 m²). 8/9, 950 m².
    for i in 1..=4 {
        vote(&app, v.token(&phone(i)), id, std::slice::from_ref(&yes)).await;
    }
    for i in 6..=8 {
        vote(&app, v.token(&phone(i)), id, std::slice::from_ref(&no)).await;
    }
    vote(&app, v.token(&phone(5)), id, std::slice::from_ref(&abstain)).await;
    let closed = close(&app, v.token(&phone(1)), id).await;
    // 4/8 by head is exactly half: not "过半数"; 400/950 m² fails too.
    assert_eq!(closed["result"]["quorumMet"], true);
    assert_eq!(closed["result"]["outcome"], "NOT_ADOPTED");
    assert_eq!(option_result(&closed, "APPROVE")["adopted"], false);
}

#[tokio::test]
async fn too_few_owners_taking_part_is_no_quorum() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(
        &app,
        &v,
        &BallotSpec::motion(&topic).rule(DecisionRule::OwnersMajor),
    )
    .await;
    let id = b["id"].as_str().unwrap_or_default();
    let yes = option_id(&b, "APPROVE");
    for i in 1..=5 {
        vote(&app, v.token(&phone(i)), id, std::slice::from_ref(&yes)).await;
    }
    let closed = close(&app, v.token(&phone(1)), id).await;
    assert_eq!(closed["result"]["quorumMet"], false);
    assert_eq!(closed["result"]["outcome"], "NO_QUORUM");
}

#[tokio::test]
async fn many_parallel_votes_from_one_voter_count_once() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
    let id = b["id"].as_str().unwrap_or_default().to_owned();
    let yes = option_id(&b, "APPROVE");
    let token = v.token(&phone(3)).to_owned();
    let tries = (0..20).map(|_| vote(&app, &token, &id, std::slice::from_ref(&yes)));
    let results = futures_util::future::join_all(tries).await;
    let ok = results.iter().filter(|r| r.get("errors").is_none()).count();
    let conflicts = results
        .iter()
        .filter(|r| error_code(r) == "CONFLICT")
        .count();
    assert_eq!((ok, conflicts), (1, 19), "{results:?}");
    let live = read_ballot(&app, &token, &id).await;
    assert_eq!(live["turnoutCount"], 1);
    assert_eq!(option_result(&live, "APPROVE")["votes"], 1);
    let rows = entity::ballot_participation::Entity::find()
        .filter(entity::ballot_participation::Column::BallotId.eq(id.clone()))
        .all(app.db())
        .await
        .unwrap_or_default();
    assert_eq!(rows.len(), 1);
}

#[tokio::test]
async fn a_household_votes_once_and_its_other_members_get_conflict() {
    let app = TestApp::spawn().await;
    let roster = owners_roster()
        .member(
            "1栋",
            "101",
            "100.00",
            true,
            "业主一之妻",
            "13800000111",
            &[],
        )
        .member(
            "1栋",
            "101",
            "100.00",
            true,
            "业主一之子",
            "13800000112",
            &[],
        )
        .csv();
    let v = voters(&app, &roster).await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(
        &app,
        &v,
        &BallotSpec::motion(&topic).by(Electorate::Households, DecisionRule::ResidentsMeeting),
    )
    .await;
    assert_eq!(
        b["eligibleCount"], 10,
        "one vote per household, tenants included"
    );
    let id = b["id"].as_str().unwrap_or_default().to_owned();
    let yes = option_id(&b, "APPROVE");
    let members = ["13800000101", "13800000111", "13800000112"];
    let tries = members
        .iter()
        .map(|p| vote(&app, v.token(p), &id, std::slice::from_ref(&yes)));
    let results = futures_util::future::join_all(tries).await;
    let ok = results.iter().filter(|r| r.get("errors").is_none()).count();
    let conflicts = results
        .iter()
        .filter(|r| error_code(r) == "CONFLICT")
        .count();
    assert_eq!((ok, conflicts), (1, 2), "{results:?}");
    let live = read_ballot(&app, v.token("13800000111"), &id).await;
    assert_eq!(live["turnoutCount"], 1);
}

#[tokio::test]
async fn a_secret_ballot_hides_counts_until_it_closes_and_stores_who_apart_from_what() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(&app, &v, &BallotSpec::motion(&topic).secret(true)).await;
    let id = b["id"].as_str().unwrap_or_default().to_owned();
    let (yes, no) = (option_id(&b, "APPROVE"), option_id(&b, "OPPOSE"));
    let mut receipts = Vec::new();
    for i in 1..=7 {
        let choice = if i % 2 == 0 { &no } else { &yes };
        let r = vote(&app, v.token(&phone(i)), &id, std::slice::from_ref(choice)).await;
        receipts.push(
            r["data"]["castVote"]["receipt"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    // Open: only turnout, no counts, for anyone (the committee included).
    for who in [phone(1), COMMITTEE_PHONE.to_owned()] {
        let live = read_ballot(&app, v.token(&who), &id).await;
        assert_eq!(live["turnoutCount"], 7);
        assert!(live["result"].is_null(), "counts leaked while open: {live}");
    }
    let before: Vec<String> = entity::ballot_box::Entity::find()
        .filter(entity::ballot_box::Column::BallotId.eq(id.clone()))
        .all(app.db())
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.id)
        .collect();

    // Who voted and what was chosen share no column but the ballot, and no time is kept with a choice.
    let columns = |table: &str| {
        let table = table.to_owned();
        let db = app.db().clone();
        async move {
            let sql = if backend() == "postgres" {
                format!("SELECT column_name AS name FROM information_schema.columns WHERE table_name = '{table}'")
            } else {
                format!("SELECT name FROM pragma_table_info('{table}')")
            };
            let rows = db
                .query_all_raw(sea_orm::Statement::from_string(
                    db.get_database_backend(),
                    sql,
                ))
                .await
                .unwrap_or_default();
            let mut names: Vec<String> = rows
                .iter()
                .filter_map(|r| r.try_get::<String>("", "name").ok())
                .collect();
            names.sort();
            names
        }
    };
    assert_eq!(
        columns("ballot_box").await,
        // `pending` / `counted_option_ids`: what the counters hold of this choice (no time).
        vec![
            "area",
            "ballot_id",
            "counted_option_ids",
            "id",
            "option_ids",
            "pending",
            "receipt_hash"
        ]
    );
    assert_eq!(
        columns("ballot_participation").await,
        vec!["ballot_id", "cast_by", "channel", "id", "voter_id"]
    );
    // Receipts are stored only as hashes.
    let stored = entity::ballot_box::Entity::find()
        .all(app.db())
        .await
        .unwrap_or_default();
    for r in &receipts {
        assert!(stored
            .iter()
            .all(|s| &s.receipt_hash != r && !s.option_ids.contains(r.as_str())));
    }

    let closed = close(&app, v.token(&phone(1)), &id).await;
    assert_eq!(option_result(&closed, "APPROVE")["votes"], 4);
    assert_eq!(option_result(&closed, "OPPOSE")["votes"], 3);
    // At closing the box was rewritten with fresh ids in random order.
    let after: Vec<String> = entity::ballot_box::Entity::find()
        .filter(entity::ballot_box::Column::BallotId.eq(id.clone()))
        .all(app.db())
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(after.len(), 7);
    assert!(
        after.iter().all(|a| !before.contains(a)),
        "box ids survived the close"
    );
}

#[tokio::test]
async fn a_receipt_changes_a_vote_before_closing_and_verifies_it_after() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(&app, &v, &BallotSpec::motion(&topic).secret(true)).await;
    let id = b["id"].as_str().unwrap_or_default().to_owned();
    let (yes, no) = (option_id(&b, "APPROVE"), option_id(&b, "OPPOSE"));
    let token = v.token(&phone(6)).to_owned();
    let receipt = vote(&app, &token, &id, std::slice::from_ref(&yes)).await["data"]["castVote"]
        ["receipt"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(receipt.len(), 20);
    // A second vote without the receipt is refused; with a wrong receipt too.
    assert_eq!(
        error_code(&vote(&app, &token, &id, std::slice::from_ref(&no)).await),
        "CONFLICT"
    );
    let change = "mutation($b:ID!,$o:[ID!]!,$r:String){ castVote(ballotId:$b, optionIds:$o, receipt:$r){ receipt } }";
    let wrong = app
        .gql(
            Some(&token),
            change,
            json!({"b": id, "o": [no], "r": "WRONGWRONGWRONGWRONG"}),
        )
        .await;
    assert_eq!(error_code(&wrong), "BAD_USER_INPUT");
    assert_eq!(wrong["errors"][0]["extensions"]["field"], "receipt");
    let changed = app
        .ok(
            Some(&token),
            change,
            json!({"b": id, "o": [no], "r": receipt}),
        )
        .await;
    assert_eq!(changed["castVote"]["receipt"], receipt.as_str());
    // The bulletin is published only after closing.
    let bulletin = "query($b:ID!){ bulletin(ballotId:$b){ receiptHash optionIds area } }";
    assert_eq!(
        app.err_code(Some(&token), bulletin, json!({"b": id})).await,
        "INVALID_STATE"
    );
    for i in [1, 2, 3, 7, 8] {
        vote(&app, v.token(&phone(i)), &id, std::slice::from_ref(&yes)).await;
    }

    let closed = close(&app, &token, &id).await;
    assert_eq!(option_result(&closed, "OPPOSE")["votes"], 1);
    assert_eq!(option_result(&closed, "OPPOSE")["area"], "150.00");
    let check = app
        .ok(
            Some(&token),
            "query($b:ID!,$r:String!){ verifyReceipt(ballotId:$b, receipt:$r){ found optionIds } }",
            json!({"b": id, "r": receipt}),
        )
        .await;
    assert_eq!(
        check["verifyReceipt"],
        json!({"found": true, "optionIds": [no]})
    );
    let check = app
        .ok(
            Some(&token),
            "query($b:ID!,$r:String!){ verifyReceipt(ballotId:$b, receipt:$r){ found } }",
            json!({"b": id, "r": "NOTAVOTENOTAVOTENOTA"}),
        )
        .await;
    assert_eq!(check["verifyReceipt"]["found"], false);

    // Anyone in the community can recount the published tally from the bulletin.
    let entries = app
        .ok(Some(v.token(&phone(2))), bulletin, json!({"b": id}))
        .await["bulletin"]
        .clone();
    let entries = entries.as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 6, "one entry per vote cast");
    let mut recount: HashMap<String, (i64, i64)> = HashMap::new();
    for e in &entries {
        let area_centi = centi(&e["area"]);
        for o in e["optionIds"].as_array().cloned().unwrap_or_default() {
            let slot = recount
                .entry(o.as_str().unwrap_or_default().to_owned())
                .or_default();
            slot.0 += 1;
            slot.1 += area_centi;
        }
    }
    for o in closed["result"]["options"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        let (votes, area) = recount
            .get(o["id"].as_str().unwrap_or_default())
            .copied()
            .unwrap_or_default();
        let published = centi(&o["area"]);
        assert_eq!(
            (votes, area),
            (o["votes"].as_i64().unwrap_or(-1), published),
            "{o}"
        );
    }
    let hash = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(receipt.as_bytes()))
    };
    assert!(entries
        .iter()
        .any(|e| e["receiptHash"] == hash.as_str() && e["optionIds"] == json!([no])));
}

#[tokio::test]
async fn a_paper_ballot_counts_once_and_blocks_a_later_online_vote() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
    let id = b["id"].as_str().unwrap_or_default().to_owned();
    let yes = option_id(&b, "APPROVE");
    let paper = "mutation($b:ID!,$v:ID!,$o:[ID!]!){ recordPaperBallot(ballotId:$b, voterId:$v, optionIds:$o) }";
    let household = v.household(&phone(4)).to_owned();
    // Only the committee records paper ballots.
    assert_eq!(
        app.err_code(
            Some(v.token(&phone(2))),
            paper,
            json!({"b": id, "v": household, "o": [yes]})
        )
        .await,
        "FORBIDDEN"
    );
    let ok = app
        .ok(
            Some(v.token(COMMITTEE_PHONE)),
            paper,
            json!({"b": id, "v": household, "o": [yes]}),
        )
        .await;
    assert_eq!(ok["recordPaperBallot"], true);
    assert_eq!(
        error_code(&vote(&app, v.token(&phone(4)), &id, std::slice::from_ref(&yes)).await),
        "CONFLICT"
    );
    let again = app
        .err_code(
            Some(v.token(COMMITTEE_PHONE)),
            paper,
            json!({"b": id, "v": household, "o": [yes]}),
        )
        .await;
    assert_eq!(again, "CONFLICT");
    // The tenant's household is not in an OWNERS electorate.
    let tenant = app
        .gql(
            Some(v.token(COMMITTEE_PHONE)),
            paper,
            json!({"b": id, "v": v.household(&phone(10)), "o": [yes]}),
        )
        .await;
    assert_eq!(error_code(&tenant), "BAD_USER_INPUT");
    assert_eq!(tenant["errors"][0]["extensions"]["field"], "voterId");
    let live = read_ballot(&app, v.token(&phone(1)), &id).await;
    assert_eq!(
        (live["turnoutCount"].clone(), live["turnoutArea"].clone()),
        (json!(1), json!("100.00"))
    );
    // Audited, without the choice.
    let audit = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq("ballot.paper"))
        .all(app.db())
        .await
        .unwrap_or_default();
    assert_eq!(audit.len(), 1);
    assert!(
        !audit[0].details.contains(&yes),
        "the audit log records the choice"
    );
}

#[tokio::test]
async fn a_vote_after_closing_is_invalid_state() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
    let id = b["id"].as_str().unwrap_or_default().to_owned();
    close(&app, v.token(&phone(1)), &id).await;
    let r = vote(&app, v.token(&phone(2)), &id, &[option_id(&b, "APPROVE")]).await;
    assert_eq!(error_code(&r), "INVALID_STATE");
}

#[tokio::test]
async fn a_ballot_closes_once_even_when_two_replicas_race_to_close_it() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let other = app.replica().await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
    let id = b["id"].as_str().unwrap_or_default().to_owned();
    vote(&app, v.token(&phone(1)), &id, &[option_id(&b, "APPROVE")]).await;
    let_voting_time_pass(&app, &id).await;
    let mut tries = Vec::new();
    for _ in 0..4 {
        tries.push(api::domain::ballot::service::close_one(&app.state, &id));
        tries.push(api::domain::ballot::service::close_one(&other.state, &id));
    }
    let closed: Vec<bool> = futures_util::future::join_all(tries)
        .await
        .into_iter()
        .map(|r| r.unwrap_or_else(|e| panic!("close failed: {}", e.describe())))
        .collect();
    assert_eq!(closed.iter().filter(|c| **c).count(), 1, "{closed:?}");
    let audits = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq("ballot.close"))
        .all(app.db())
        .await
        .unwrap_or_default();
    assert_eq!(audits.len(), 1);
    let results = entity::notification::Entity::find()
        .filter(entity::notification::Column::Kind.eq("BALLOT_RESULT"))
        .all(app.db())
        .await
        .unwrap_or_default();
    let mut accounts: Vec<String> = results.iter().map(|n| n.account_id.clone()).collect();
    let n = accounts.len();
    accounts.dedup();
    assert!(
        n > 0 && accounts.len() == n,
        "result notifications duplicated or missing: {n}"
    );
}

#[tokio::test]
async fn a_ballot_closes_at_its_time_without_anyone_acting() {
    let app = TestApp::spawn_with(|s| s.job_interval_ms = 100).await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
    let id = b["id"].as_str().unwrap_or_default().to_owned();
    let_voting_time_pass(&app, &id).await;
    // Nobody reads the ballot: the background job closes it.
    let mut status = None;
    for _ in 0..100 {
        let row = entity::ballot::Entity::find_by_id(id.clone())
            .one(app.db())
            .await
            .ok()
            .flatten();
        status = row.map(|r| r.status);
        if status == Some(BallotStatus::Closed) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, Some(BallotStatus::Closed));
}

#[tokio::test]
async fn only_the_committee_opens_ballots_and_only_members_vote() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let input = json!({"i": {
        "topicId": topic, "question": "是否同意？", "kind": "MOTION", "electorate": "OWNERS",
        "rule": "OWNERS_ORDINARY", "secret": false,
        "closesAt": (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339(),
    }});
    let q = "mutation($i:OpenBallotInput!){ openBallot(input:$i){ id } }";
    assert_eq!(
        app.err_code(Some(v.token(&phone(2))), q, input.clone())
            .await,
        "FORBIDDEN"
    );
    let mut wrong = input.clone();
    wrong["i"]["electorate"] = json!("RESIDENTS");
    let resp = app.gql(Some(v.token(COMMITTEE_PHONE)), q, wrong).await;
    assert_eq!(error_code(&resp), "BAD_USER_INPUT");
    assert_eq!(resp["errors"][0]["extensions"]["field"], "rule");
    let b = open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
    let id = b["id"].as_str().unwrap_or_default().to_owned();
    // A second ballot on a topic already voting is a wrong step.
    assert_eq!(
        app.err_code(Some(v.token(COMMITTEE_PHONE)), q, input).await,
        "INVALID_STATE"
    );
    // Someone from another community does not see the ballot at all.
    let w2 = app.create_community(&v.admin, "别的社区").await;
    let other = app
        .import_roster(
            &v.admin,
            &w2,
            "building,unit,area_m2,owner,name,phone,roles\n9栋,101,90,true,外人,13800000999,\n",
        )
        .await;
    let (outsider, _) = app
        .claim(
            other["data"]["importRoster"]["invites"][0]["code"]
                .as_str()
                .unwrap_or_default(),
            PASSWORD,
        )
        .await;
    assert_eq!(
        error_code(&vote(&app, &outsider, &id, &[option_id(&b, "APPROVE")]).await),
        "NOT_FOUND"
    );
    assert_eq!(
        app.err_code(
            Some(&outsider),
            "query($id:ID!){ ballot(id:$id){ id } }",
            json!({"id": id})
        )
        .await,
        "NOT_FOUND"
    );
    // An option of another ballot, or two options on a SINGLE ballot, is bad input: the ballot
    // says so itself (one tick), so a form need not know the method's rule.
    assert_eq!(b["choiceLimit"], 1, "{b}");
    let two = vote(
        &app,
        v.token(&phone(1)),
        &id,
        &[option_id(&b, "APPROVE"), option_id(&b, "OPPOSE")],
    )
    .await;
    assert_eq!(error_code(&two), "BAD_USER_INPUT");
    assert_eq!(two["errors"][0]["extensions"]["field"], "optionIds");
}

#[tokio::test]
async fn an_approval_choice_adopts_each_option_over_the_threshold() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(
        &app,
        &v,
        &BallotSpec::motion(&topic)
            .by(Electorate::Residents, DecisionRule::ResidentsMeeting)
            .choice(
                VoteMethod::Approval,
                2,
                &[
                    ("增设充电桩", false),
                    ("修缮凉亭", false),
                    ("增加绿化", false),
                    ("弃权", true),
                ],
            ),
    )
    .await;
    let id = b["id"].as_str().unwrap_or_default().to_owned();
    let opts: Vec<String> = b["options"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|o| o["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    // 8 of 10 residents vote: 6 approve A and B, 1 approves C, 1 abstains.
    for i in 1..=6 {
        assert!(vote(&app, v.token(&phone(i)), &id, &opts[0..2])
            .await
            .get("errors")
            .is_none());
    }
    vote(&app, v.token(&phone(7)), &id, &opts[2..3]).await;
    vote(&app, v.token(&phone(8)), &id, &opts[3..4]).await;
    // Abstention is exclusive; three choices exceed maxChoices. The ballot states both, so a
    // form offers what the server accepts.
    assert_eq!(b["choiceLimit"], 2, "{b}");
    let alone: Vec<Value> = b["options"]
        .as_array()
        .map(|o| o.iter().map(|o| o["standsAlone"].clone()).collect())
        .unwrap_or_default();
    assert_eq!(alone, [false, false, false, true].map(Value::from));
    assert_eq!(
        error_code(
            &vote(
                &app,
                v.token(&phone(9)),
                &id,
                &[opts[0].clone(), opts[3].clone()]
            )
            .await
        ),
        "BAD_USER_INPUT"
    );
    assert_eq!(
        error_code(&vote(&app, v.token(&phone(9)), &id, &opts[0..3]).await),
        "BAD_USER_INPUT"
    );
    let closed = close(&app, v.token(&phone(1)), &id).await;
    assert_eq!(closed["result"]["outcome"], "DECIDED");
    let adopted: Vec<bool> = closed["result"]["options"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|o| o["adopted"].as_bool().unwrap_or(false))
        .collect();
    assert_eq!(adopted, vec![true, true, false, false]);
}

async fn subscribe_tally(app: &TestApp, token: &str, ballot: &str) -> Ws {
    let mut ws = ws_connect(app.port, token).await;
    ws_subscribe(
        &mut ws,
        "subscription($b:ID!){ ballotTally(ballotId:$b){ turnoutCount result { options { role votes } } } }",
        json!({"b": ballot}),
    )
    .await;
    ws
}

#[tokio::test]
async fn the_live_tally_moves_for_an_open_ballot_and_shows_only_turnout_for_a_secret_one() {
    for secret in [false, true] {
        let app = TestApp::spawn().await;
        let v = voters(&app, &OWNERS_ROSTER).await;
        let topic = deliberating_topic(&app, &v).await;
        let b = open_ballot(&app, &v, &BallotSpec::motion(&topic).secret(secret)).await;
        let id = b["id"].as_str().unwrap_or_default().to_owned();
        let mut ws = subscribe_tally(&app, v.token(&phone(9)), &id).await;
        vote(&app, v.token(&phone(2)), &id, &[option_id(&b, "APPROVE")]).await;
        let msg = ws_next(&mut ws).await;
        let tally = &msg["payload"]["data"]["ballotTally"];
        assert_eq!(tally["turnoutCount"], 1, "secret={secret}: {msg}");
        if secret {
            assert!(
                tally["result"].is_null(),
                "a secret ballot's counts leaked: {msg}"
            );
        } else {
            let approve = tally["result"]["options"]
                .as_array()
                .and_then(|o| o.iter().find(|o| o["role"] == "APPROVE"))
                .cloned();
            assert_eq!(approve.map(|a| a["votes"].clone()), Some(json!(1)));
        }
    }
}

#[tokio::test]
async fn voters_are_told_when_a_ballot_opens_when_it_closes_soon_and_of_its_result() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(
        &app,
        &v,
        &BallotSpec::motion(&topic).closes_in(chrono::Duration::hours(20)),
    )
    .await;
    let id = b["id"].as_str().unwrap_or_default().to_owned();
    let kinds = |token: String| {
        let app = &app;
        async move {
            let data = app
                .ok(
                    Some(&token),
                    "{ notifications(first: 50){ nodes { kind } } }",
                    json!({}),
                )
                .await;
            data["notifications"]["nodes"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|n| n["kind"].as_str().unwrap_or_default().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert!(kinds(v.token(&phone(3)).to_owned())
        .await
        .contains(&"BALLOT_OPENED".to_owned()));
    assert!(
        !kinds(v.token(&phone(10)).to_owned())
            .await
            .contains(&"BALLOT_OPENED".to_owned()),
        "the tenant is no owner"
    );
    vote(&app, v.token(&phone(3)), &id, &[option_id(&b, "APPROVE")]).await;
    // Closing within 24 hours: those who have not voted are reminded, once.
    let sent = api::domain::ballot::service::send_reminders(&app.state)
        .await
        .unwrap_or_default();
    let again = api::domain::ballot::service::send_reminders(&app.state)
        .await
        .unwrap_or_default();
    assert_eq!((sent, again), (1, 0));
    assert!(kinds(v.token(&phone(4)).to_owned())
        .await
        .contains(&"BALLOT_CLOSING_SOON".to_owned()));
    assert!(!kinds(v.token(&phone(3)).to_owned())
        .await
        .contains(&"BALLOT_CLOSING_SOON".to_owned()));
    close(&app, v.token(&phone(3)), &id).await;
    assert!(kinds(v.token(&phone(3)).to_owned())
        .await
        .contains(&"BALLOT_RESULT".to_owned()));
}

#[tokio::test]
async fn parallel_changes_with_one_receipt_leave_exactly_one_vote() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
    let id = b["id"].as_str().unwrap_or_default().to_owned();
    let (yes, no, abstain) = (
        option_id(&b, "APPROVE"),
        option_id(&b, "OPPOSE"),
        option_id(&b, "ABSTAIN"),
    );
    let token = v.token(&phone(7)).to_owned();
    let receipt = vote(&app, &token, &id, std::slice::from_ref(&yes)).await["data"]["castVote"]
        ["receipt"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let change = "mutation($b:ID!,$o:[ID!]!,$r:String){ castVote(ballotId:$b, optionIds:$o, receipt:$r){ receipt } }";
    let choices = [&no, &abstain, &yes];
    let tries = (0..12).map(|i| {
        app.gql(
            Some(&token),
            change,
            json!({"b": id, "o": [choices[i % 3]], "r": receipt}),
        )
    });
    let results = futures_util::future::join_all(tries).await;
    assert!(
        results.iter().all(|r| r.get("errors").is_none()),
        "{results:?}"
    );
    let live = read_ballot(&app, &token, &id).await;
    let total: i64 = live["result"]["options"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|o| o["votes"].as_i64().unwrap_or(0))
        .sum();
    let area: i64 = live["result"]["options"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|o| centi(&o["area"]))
        .sum();
    assert_eq!(
        (total, area, live["turnoutCount"].clone()),
        (1, 15_000, json!(1)),
        "{live}"
    );
}

#[tokio::test]
async fn needs_me_lists_ballots_to_vote_in_and_topics_to_cosign() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
    let id = b["id"].as_str().unwrap_or_default().to_owned();
    let proposed = app
        .ok(
            Some(v.token(&phone(2))),
            "mutation($c:ID!){ proposeTopic(communityId:$c, title:\"增设快递柜\", body:\"快递经常丢失，建议在门口增设智能快递柜。\", category: SERVICES){ id } }",
            json!({"c": v.community_id}),
        )
        .await["proposeTopic"]["id"]
        .clone();
    let q = "query($c:ID!){ needsMe(communityId:$c){ ballots { nodes { id } } topicsToCosign { nodes { id } } } }";
    let needs = |token: String| {
        let app = &app;
        let c = v.community_id.clone();
        async move { app.ok(Some(&token), q, json!({"c": c})).await["needsMe"].clone() }
    };
    // An owner who has not voted sees the ballot and the topic to co-sign.
    let n = needs(v.token(&phone(3)).to_owned()).await;
    assert_eq!(n["ballots"]["nodes"], json!([{"id": id}]));
    assert_eq!(n["topicsToCosign"]["nodes"], json!([{"id": proposed}]));
    // The proposer has co-signed already; the tenant is not in the OWNERS electorate.
    assert_eq!(
        needs(v.token(&phone(2)).to_owned()).await["topicsToCosign"]["nodes"],
        json!([])
    );
    assert_eq!(
        needs(v.token(&phone(10)).to_owned()).await["ballots"]["nodes"],
        json!([])
    );
    // After voting the ballot no longer needs them.
    vote(&app, v.token(&phone(3)), &id, &[option_id(&b, "APPROVE")]).await;
    assert_eq!(
        needs(v.token(&phone(3)).to_owned()).await["ballots"]["nodes"],
        json!([])
    );
}

#[tokio::test]
async fn the_committee_sees_the_frozen_electorate_and_who_has_not_voted() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
    let id = b["id"].as_str().unwrap_or_default().to_owned();
    vote(&app, v.token(&phone(2)), &id, &[option_id(&b, "APPROVE")]).await;
    let q = "query($b:ID!,$s:String,$n:Boolean){ ballot(id:$b){ voters(search:$s, notVoted:$n, first: 100){ totalCount nodes { voterId label area voted channel } } } }";
    let all = app
        .ok(Some(v.token(COMMITTEE_PHONE)), q, json!({"b": id}))
        .await["ballot"]["voters"]["nodes"]
        .clone();
    let all = all.as_array().cloned().unwrap_or_default();
    assert_eq!(all.len(), 9, "the owners only");
    let voted: Vec<&Value> = all.iter().filter(|e| e["voted"] == true).collect();
    assert_eq!(voted.len(), 1);
    assert_eq!(voted[0]["voterId"], v.household(&phone(2)));
    assert_eq!(voted[0]["channel"], "ONLINE");
    let waiting = app
        .ok(
            Some(v.token(COMMITTEE_PHONE)),
            q,
            json!({"b": id, "n": true}),
        )
        .await["ballot"]["voters"]["nodes"]
        .clone();
    assert_eq!(waiting.as_array().map(Vec::len), Some(8));
    let found = app
        .ok(
            Some(v.token(COMMITTEE_PHONE)),
            q,
            json!({"b": id, "s": "业主九"}),
        )
        .await["ballot"]["voters"]["nodes"]
        .clone();
    assert_eq!(found.as_array().map(Vec::len), Some(1));
    assert_eq!(found[0]["area"], "150.00");
    assert!(found[0]["label"]
        .as_str()
        .unwrap_or_default()
        .contains("2栋"));
    // Residents do not see the electorate.
    assert_eq!(
        app.err_code(Some(v.token(&phone(3))), q, json!({"b": id}))
            .await,
        "FORBIDDEN"
    );
}

// ---------------------------------------------------------------------------------------------
// Issue 7, section 4: the corrected rules (DESIGN §4)
// ---------------------------------------------------------------------------------------------

const TOPIC_BALLOTS: &str = "query($t:ID!){ topic(id:$t){ status ballot { id status }
    ballots { id status cancelReason result { outcome } } viewerCan { openBallot openBallotRules { electorate rules } } } }";

async fn topic_ballots(app: &TestApp, token: &str, topic: &str) -> Value {
    app.ok(Some(token), TOPIC_BALLOTS, json!({"t": topic}))
        .await["topic"]
        .clone()
}

fn str_of(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

async fn notification_kinds(app: &TestApp, token: &str) -> Vec<String> {
    app.ok(
        Some(token),
        "{ notifications(first: 50){ nodes { kind } } }",
        json!({}),
    )
    .await["notifications"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|n| str_of(&n["kind"]))
        .collect()
}

#[tokio::test]
async fn a_households_meeting_needs_more_than_half_and_no_quorum_allows_a_new_ballot() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let meeting =
        BallotSpec::motion(&topic).by(Electorate::Households, DecisionRule::ResidentsMeeting);
    // Ten households. Five of them (exactly half) is no quorum.
    let first = open_ballot(&app, &v, &meeting).await;
    assert_eq!(first["eligibleCount"], 10);
    let first_id = str_of(&first["id"]);
    for i in 1..=5 {
        vote(
            &app,
            v.token(&phone(i)),
            &first_id,
            &[option_id(&first, "APPROVE")],
        )
        .await;
    }
    let closed = close(&app, v.token(COMMITTEE_PHONE), &first_id).await;
    assert_eq!(closed["result"]["outcome"], "NO_QUORUM");
    // NO_QUORUM sends the topic back to deliberation, from where a new ballot opens: the
    // committee is told it may open one (the portal shows the form beside the old result).
    let t = topic_ballots(&app, v.token(&phone(2)), &topic).await;
    assert_eq!(t["status"], "DELIBERATING");
    assert_eq!(t["viewerCan"]["openBallot"], false, "a resident: {t}");
    assert_eq!(t["viewerCan"]["openBallotRules"], json!([]));
    let t = topic_ballots(&app, v.token(COMMITTEE_PHONE), &topic).await;
    assert_eq!(t["viewerCan"]["openBallot"], true, "the committee: {t}");
    // The rules it may choose, per electorate: the Civil Code's for owners only.
    assert_eq!(
        t["viewerCan"]["openBallotRules"],
        json!([
            { "electorate": "HOUSEHOLDS", "rules": ["RESIDENTS_MEETING", "PLURALITY"] },
            { "electorate": "RESIDENTS", "rules": ["RESIDENTS_MEETING", "PLURALITY"] },
            { "electorate": "OWNERS",
              "rules": ["RESIDENTS_MEETING", "OWNERS_ORDINARY", "OWNERS_MAJOR", "PLURALITY"] },
        ])
    );
    let second = open_ballot(&app, &v, &meeting).await;
    let second_id = str_of(&second["id"]);
    // Six of ten households (more than half, less than two thirds) is a quorum; 4 of 6 adopt.
    for i in 1..=4 {
        vote(
            &app,
            v.token(&phone(i)),
            &second_id,
            &[option_id(&second, "APPROVE")],
        )
        .await;
    }
    for i in 5..=6 {
        vote(
            &app,
            v.token(&phone(i)),
            &second_id,
            &[option_id(&second, "OPPOSE")],
        )
        .await;
    }
    let closed = close(&app, v.token(COMMITTEE_PHONE), &second_id).await;
    assert_eq!(closed["result"]["quorumMet"], true);
    assert_eq!(closed["result"]["outcome"], "ADOPTED");
    // Topic.ballot is the latest; Topic.ballots lists both, oldest first, each with its result.
    let t = topic_ballots(&app, v.token(&phone(2)), &topic).await;
    assert_eq!(t["status"], "ADOPTED");
    assert_eq!(t["ballot"]["id"], second_id.as_str());
    let all: Vec<(String, String)> = t["ballots"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|b| (str_of(&b["id"]), str_of(&b["result"]["outcome"])))
        .collect();
    assert_eq!(
        all,
        vec![
            (first_id.clone(), "NO_QUORUM".to_owned()),
            (second_id.clone(), "ADOPTED".to_owned())
        ]
    );
    // A topic that reached a decision is not put to another ballot.
    let t = topic_ballots(&app, v.token(COMMITTEE_PHONE), &topic).await;
    assert_eq!(t["viewerCan"]["openBallot"], false, "{t}");
    let resp = app
        .gql(
            Some(v.token(COMMITTEE_PHONE)),
            "mutation($i:OpenBallotInput!){ openBallot(input:$i){ id } }",
            json!({"i": {
                "topicId": topic, "question": "再表决一次？", "kind": "MOTION",
                "electorate": "HOUSEHOLDS", "rule": "RESIDENTS_MEETING", "secret": false,
                "closesAt": (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339(),
            }}),
        )
        .await;
    assert_eq!(error_code(&resp), "INVALID_STATE");
}

#[tokio::test]
async fn a_tie_sends_the_topic_back_to_deliberation() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(
        &app,
        &v,
        &BallotSpec::motion(&topic).by(Electorate::Residents, DecisionRule::Plurality),
    )
    .await;
    let id = str_of(&b["id"]);
    vote(&app, v.token(&phone(1)), &id, &[option_id(&b, "APPROVE")]).await;
    vote(&app, v.token(&phone(2)), &id, &[option_id(&b, "OPPOSE")]).await;
    assert_eq!(
        close(&app, v.token(&phone(3)), &id).await["result"]["outcome"],
        "TIE"
    );
    let t = topic_ballots(&app, v.token(&phone(3)), &topic).await;
    assert_eq!(t["status"], "DELIBERATING");
    let again = open_ballot(
        &app,
        &v,
        &BallotSpec::motion(&topic).by(Electorate::Residents, DecisionRule::Plurality),
    )
    .await;
    assert_eq!(again["status"], "OPEN");
}

#[tokio::test]
async fn every_owner_household_counts_and_one_without_an_active_resident_votes_on_paper() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    // 业主二 moves out: their owner household keeps its vote, on paper only.
    let resident = v
        .people
        .get(&phone(2))
        .map(|p| p.1.clone())
        .unwrap_or_default();
    app.ok(
        Some(v.token(COMMITTEE_PHONE)),
        "mutation($r:ID!){ deactivateResident(residentId:$r){ id active } }",
        json!({"r": resident}),
    )
    .await;
    let b = open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
    assert_eq!(b["eligibleCount"], 9, "every owner household on the roster");
    assert_eq!(b["eligibleArea"], "1100.00");
    let id = str_of(&b["id"]);
    // Nobody can vote online for it: its only resident's sessions ended with the move.
    assert_eq!(
        error_code(&vote(&app, v.token(&phone(2)), &id, &[option_id(&b, "APPROVE")]).await),
        "UNAUTHENTICATED"
    );
    let household = v.household(&phone(2)).to_owned();
    let listed = app
        .ok(
            Some(v.token(COMMITTEE_PHONE)),
            "query($b:ID!){ ballot(id:$b){ voters(notVoted: true, first: 100){ nodes { voterId } } } }",
            json!({"b": id}),
        )
        .await;
    assert!(listed["ballot"]["voters"]["nodes"]
        .as_array()
        .is_some_and(|n| n.iter().any(|m| m["voterId"] == household.as_str())));
    app.ok(
        Some(v.token(COMMITTEE_PHONE)),
        "mutation($b:ID!,$v:ID!,$o:[ID!]!){ recordPaperBallot(ballotId:$b, voterId:$v, optionIds:$o) }",
        json!({"b": id, "v": household, "o": [option_id(&b, "APPROVE")]}),
    )
    .await;
    let read = read_ballot(&app, v.token(COMMITTEE_PHONE), &id).await;
    assert_eq!(
        (read["turnoutCount"].clone(), read["turnoutArea"].clone()),
        (json!(1), json!("100.00"))
    );
}

#[tokio::test]
async fn a_ballot_scoped_to_buildings_freezes_only_their_voters_and_judges_within_them() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let data = app
        .ok(
            Some(v.token(&phone(3))),
            "query($c:ID!){ community(id:$c){ buildings { id name } } }",
            json!({"c": v.community_id}),
        )
        .await;
    let buildings = data["community"]["buildings"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let names: Vec<String> = buildings.iter().map(|b| str_of(&b["name"])).collect();
    assert_eq!(names, vec!["1栋", "2栋"]);
    let two = str_of(&buildings[1]["id"]);
    // Another community's building is bad input naming the field; so is an empty list.
    let w2 = app.create_community(&v.admin, "别的社区").await;
    app.import_roster(
        &v.admin,
        &w2,
        "building,unit,area_m2,owner,name,phone,roles\n9栋,101,90,true,外人,13800000999,\n",
    )
    .await;
    let theirs = app
        .ok(
            Some(&v.admin),
            "query($c:ID!){ community(id:$c){ buildings { id } } }",
            json!({"c": w2}),
        )
        .await["community"]["buildings"][0]["id"]
        .clone();
    let q = "mutation($i:OpenBallotInput!){ openBallot(input:$i){ id } }";
    for bad in [json!([two, theirs]), json!([])] {
        let resp = app
            .gql(
                Some(v.token(COMMITTEE_PHONE)),
                q,
                json!({"i": {
                    "topicId": topic, "question": "2栋加装电梯？", "kind": "MOTION",
                    "electorate": "OWNERS", "rule": "OWNERS_ORDINARY", "secret": false,
                    "closesAt": (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339(),
                    "buildingIds": bad,
                }}),
            )
            .await;
        assert_eq!(error_code(&resp), "BAD_USER_INPUT", "{resp}");
        assert_eq!(resp["errors"][0]["extensions"]["field"], "buildingIds");
    }
    // 2栋 alone: four owner households of 150 m² (the tenant is no owner).
    let b = open_ballot(&app, &v, &BallotSpec::motion(&topic).buildings(&[&two])).await;
    assert_eq!(b["eligibleCount"], 4);
    assert_eq!(b["eligibleArea"], "600.00");
    let id = str_of(&b["id"]);
    let scope = app
        .ok(
            Some(v.token(&phone(6))),
            "query($b:ID!){ ballot(id:$b){ scope { name } viewerEligible } }",
            json!({"b": id}),
        )
        .await;
    assert_eq!(scope["ballot"]["scope"], json!([{"name": "2栋"}]));
    assert_eq!(scope["ballot"]["viewerEligible"], true);
    // An owner of 1栋 is not in this electorate.
    assert_eq!(
        error_code(&vote(&app, v.token(&phone(1)), &id, &[option_id(&b, "APPROVE")]).await),
        "FORBIDDEN"
    );
    // 3 of 4 owners with 450 of 600 m² is two thirds and more of the scope, not of the community.
    for i in 6..=8 {
        vote(&app, v.token(&phone(i)), &id, &[option_id(&b, "APPROVE")]).await;
    }
    let closed = close(&app, v.token(&phone(6)), &id).await;
    assert_eq!(closed["result"]["quorumMet"], true);
    assert_eq!(closed["result"]["outcome"], "ADOPTED");
}

const AMEND_FIELDS: &str = "id status question closesAt extendedAt extendReason cancelReason";

#[tokio::test]
async fn the_committee_corrects_before_votes_then_only_extends_once_or_cancels() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
    let id = str_of(&b["id"]);
    let committee = v.token(COMMITTEE_PHONE);
    let in_days = |d: i64| (chrono::Utc::now() + chrono::Duration::days(d)).to_rfc3339();
    let update = format!(
        "mutation($b:ID!,$q:String,$c:DateTime){{ updateBallot(ballotId:$b, question:$q, closesAt:$c){{ {AMEND_FIELDS} }} }}"
    );
    let extend = format!(
        "mutation($b:ID!,$c:DateTime!,$r:String!){{ extendBallot(ballotId:$b, closesAt:$c, reason:$r){{ {AMEND_FIELDS} }} }}"
    );
    let cancel = format!(
        "mutation($b:ID!,$r:String!){{ cancelBallot(ballotId:$b, reason:$r){{ {AMEND_FIELDS} }} }}"
    );
    // Before any vote: the question is corrected and closesAt moves later, never earlier.
    let fixed = app
        .ok(
            Some(committee),
            &update,
            json!({"b": id, "q": "是否同意使用维修资金更换1栋和2栋电梯？", "c": in_days(8)}),
        )
        .await;
    assert_eq!(
        fixed["updateBallot"]["question"],
        "是否同意使用维修资金更换1栋和2栋电梯？"
    );
    let resp = app
        .gql(Some(committee), &update, json!({"b": id, "c": in_days(2)}))
        .await;
    assert_eq!(error_code(&resp), "BAD_USER_INPUT");
    assert_eq!(resp["errors"][0]["extensions"]["field"], "closesAt");
    // A resident is FORBIDDEN before any rule on the input is judged.
    for (q, vars) in [
        (&update, json!({"b": id, "c": in_days(2)})),
        (&extend, json!({"b": id, "c": in_days(1), "r": ""})),
        (&cancel, json!({"b": id, "r": ""})),
    ] {
        assert_eq!(
            app.err_code(Some(v.token(&phone(2))), q, vars).await,
            "FORBIDDEN"
        );
    }
    // Once a vote exists, no more corrections.
    vote(&app, v.token(&phone(1)), &id, &[option_id(&b, "APPROVE")]).await;
    assert_eq!(
        app.err_code(
            Some(committee),
            &update,
            json!({"b": id, "q": "换个问题行不行？"})
        )
        .await,
        "INVALID_STATE"
    );
    // One extension, with a public reason; a second is refused.
    let resp = app
        .gql(
            Some(committee),
            &extend,
            json!({"b": id, "c": in_days(10), "r": "否"}),
        )
        .await;
    assert_eq!(resp["errors"][0]["extensions"]["field"], "reason");
    let ext = app
        .ok(
            Some(committee),
            &extend,
            json!({"b": id, "c": in_days(10), "r": "春节期间不少业主不在家"}),
        )
        .await["extendBallot"]
        .clone();
    assert_eq!(ext["extendReason"], "春节期间不少业主不在家");
    assert!(ext["extendedAt"].is_string());
    assert!(kinds_contain(&app, v.token(&phone(3)), "BALLOT_EXTENDED").await);
    assert_eq!(
        app.err_code(
            Some(committee),
            &extend,
            json!({"b": id, "c": in_days(12), "r": "再延一次"})
        )
        .await,
        "INVALID_STATE"
    );
    // Cancelled with a reason: nothing counted, every voter told, the topic deliberates again.
    let c = app
        .ok(
            Some(committee),
            &cancel,
            json!({"b": id, "r": "表决事项表述有误，重新表决"}),
        )
        .await["cancelBallot"]
        .clone();
    assert_eq!(c["status"], "CANCELLED");
    assert_eq!(c["cancelReason"], "表决事项表述有误，重新表决");
    let read = app
        .ok(
            Some(v.token(&phone(4))),
            "query($b:ID!){ ballot(id:$b){ status cancelReason result { outcome } notice { outcome } } }",
            json!({"b": id}),
        )
        .await;
    assert_eq!(
        read["ballot"],
        json!({"status": "CANCELLED", "cancelReason": "表决事项表述有误，重新表决", "result": null, "notice": null})
    );
    for p in [phone(1), phone(4)] {
        assert!(
            kinds_contain(&app, v.token(&p), "BALLOT_CANCELLED").await,
            "{p}"
        );
    }
    assert_eq!(
        error_code(&vote(&app, v.token(&phone(5)), &id, &[option_id(&b, "APPROVE")]).await),
        "INVALID_STATE"
    );
    for q in [&cancel, &extend] {
        let vars = json!({"b": id, "c": in_days(20), "r": "再试一次看看"});
        assert_eq!(
            app.err_code(Some(committee), q, vars).await,
            "INVALID_STATE"
        );
    }
    let audited = app
        .db()
        .query_all_raw(sea_orm::Statement::from_string(
            app.db().get_database_backend(),
            "SELECT action FROM audit_log ORDER BY seq".to_owned(),
        ))
        .await
        .unwrap_or_default()
        .iter()
        .filter_map(|r| r.try_get::<String>("", "action").ok())
        .collect::<Vec<_>>();
    for action in ["ballot.correct", "ballot.extend", "ballot.cancel"] {
        assert!(
            audited.iter().any(|a| a == action),
            "{action} in {audited:?}"
        );
    }
    let t = topic_ballots(&app, v.token(&phone(4)), &topic).await;
    assert_eq!(t["status"], "DELIBERATING");
    let again = open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
    let t = topic_ballots(&app, v.token(&phone(4)), &topic).await;
    let statuses: Vec<String> = t["ballots"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|b| str_of(&b["status"]))
        .collect();
    assert_eq!(statuses, vec!["CANCELLED", "OPEN"]);
    assert_eq!(t["ballot"]["id"], again["id"]);
}

async fn kinds_contain(app: &TestApp, token: &str, kind: &str) -> bool {
    notification_kinds(app, token)
        .await
        .iter()
        .any(|k| k == kind)
}

#[tokio::test]
async fn a_resident_opening_a_ballot_is_forbidden_before_its_input_is_judged() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let too_soon = json!({"i": {
        "topicId": topic, "question": "是否同意？", "kind": "MOTION", "electorate": "RESIDENTS",
        "rule": "OWNERS_MAJOR", "secret": false,
        "closesAt": (chrono::Utc::now() + chrono::Duration::seconds(5)).to_rfc3339(),
    }});
    let q = "mutation($i:OpenBallotInput!){ openBallot(input:$i){ id } }";
    assert_eq!(
        app.err_code(Some(v.token(&phone(2))), q, too_soon.clone())
            .await,
        "FORBIDDEN"
    );
    let resp = app.gql(Some(v.token(COMMITTEE_PHONE)), q, too_soon).await;
    assert_eq!(error_code(&resp), "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_closed_ballot_has_a_printable_notice_with_its_thresholds_and_the_bulletin_digest() {
    use sha2::Digest;
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(&app, &v, &BallotSpec::motion(&topic).secret(true)).await;
    let id = str_of(&b["id"]);
    let notice_q = "query($b:ID!){ ballot(id:$b){ notice {
        ballotId communityName topicTitle question kind rule electorate secret scope { name }
        eligibleCount eligibleArea turnoutCount turnoutArea
        options { label role votes area adopted }
        thresholds { stage optionLabel measure comparison fraction base required achieved met }
        quorumMet outcome bulletinDigest bulletinEntries } } }";
    let open = app
        .ok(Some(v.token(&phone(3))), notice_q, json!({"b": id}))
        .await;
    assert_eq!(
        open["ballot"]["notice"],
        Value::Null,
        "no notice while open"
    );
    // 5 small owners for (500 m²), 3 large against (450 m²).
    for i in 1..=5 {
        vote(&app, v.token(&phone(i)), &id, &[option_id(&b, "APPROVE")]).await;
    }
    for i in 6..=8 {
        vote(&app, v.token(&phone(i)), &id, &[option_id(&b, "OPPOSE")]).await;
    }
    close(&app, v.token(&phone(3)), &id).await;
    let n = app
        .ok(Some(v.token(&phone(9))), notice_q, json!({"b": id}))
        .await["ballot"]["notice"]
        .clone();
    assert_eq!(n["communityName"], "表决社区");
    assert_eq!(n["topicTitle"], "更换电梯");
    assert_eq!(n["rule"], "OWNERS_ORDINARY");
    assert_eq!(n["scope"], Value::Null);
    assert_eq!(
        (
            n["eligibleCount"].clone(),
            n["eligibleArea"].clone(),
            n["turnoutCount"].clone(),
            n["turnoutArea"].clone()
        ),
        (json!(9), json!("1100.00"), json!(8), json!("950.00"))
    );
    assert_eq!(
        n["options"][0],
        json!({"label": "赞成", "role": "APPROVE", "votes": 5, "area": "500.00", "adopted": true})
    );
    let lines: Vec<Value> = n["thresholds"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        lines,
        vec![
            json!({"stage": "TURNOUT", "optionLabel": null, "measure": "COUNT", "comparison": "AT_LEAST",
                   "fraction": "2/3", "base": "9", "required": "6", "achieved": "8", "met": true}),
            json!({"stage": "TURNOUT", "optionLabel": null, "measure": "AREA", "comparison": "AT_LEAST",
                   "fraction": "2/3", "base": "1100.00", "required": "733.34", "achieved": "950.00", "met": true}),
            json!({"stage": "APPROVAL", "optionLabel": "赞成", "measure": "COUNT", "comparison": "MORE_THAN",
                   "fraction": "1/2", "base": "8", "required": "5", "achieved": "5", "met": true}),
            json!({"stage": "APPROVAL", "optionLabel": "赞成", "measure": "AREA", "comparison": "MORE_THAN",
                   "fraction": "1/2", "base": "950.00", "required": "475.01", "achieved": "500.00", "met": true}),
        ]
    );
    assert_eq!(
        (n["quorumMet"].clone(), n["outcome"].clone()),
        (json!(true), json!("ADOPTED"))
    );
    assert_eq!(n["bulletinEntries"], 8);
    // The digest is SHA-256 of the bulletin exactly as downloaded.
    let csv = app
        .http
        .get(format!("{}/ballots/{id}/bulletin.csv", app.address))
        .bearer_auth(v.token(&phone(9)))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .bytes()
        .await
        .unwrap_or_default();
    assert_eq!(n["bulletinDigest"], hex::encode(sha2::Sha256::digest(&csv)));
}

/// `Ballot.result.thresholds` is how the server reached the outcome, live while the ballot is
/// open and the stored figures once it closes (then the same lines as the notice's): the portal
/// renders these and judges no threshold itself (DESIGN §12).
#[tokio::test]
async fn a_result_states_each_threshold_live_and_after_closing() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
    let id = str_of(&b["id"]);
    let q = "query($b:ID!){ ballot(id:$b){ result { quorumMet outcome
        thresholds { stage optionLabel measure comparison fraction base required achieved met } }
        notice { thresholds { stage optionLabel measure comparison fraction base required achieved met } } } }";
    let line = |stage: &str,
                label: Option<&str>,
                measure: &str,
                cmp: &str,
                fraction: &str,
                base: &str,
                required: &str,
                achieved: &str,
                met: bool| {
        json!({"stage": stage, "optionLabel": label, "measure": measure, "comparison": cmp,
               "fraction": fraction, "base": base, "required": required, "achieved": achieved, "met": met})
    };

    // Two owners for (200 m²) of nine (1,100 m²): turnout is short on both counts.
    for i in 1..=2 {
        vote(&app, v.token(&phone(i)), &id, &[option_id(&b, "APPROVE")]).await;
    }
    let live = app.ok(Some(v.token(&phone(9))), q, json!({"b": id})).await["ballot"].clone();
    assert_eq!(live["notice"], Value::Null);
    assert_eq!(live["result"]["quorumMet"], json!(false));
    assert_eq!(
        live["result"]["thresholds"],
        json!([
            line("TURNOUT", None, "COUNT", "AT_LEAST", "2/3", "9", "6", "2", false),
            line("TURNOUT", None, "AREA", "AT_LEAST", "2/3", "1100.00", "733.34", "200.00", false),
            line(
                "APPROVAL",
                Some("赞成"),
                "COUNT",
                "MORE_THAN",
                "1/2",
                "2",
                "2",
                "2",
                true
            ),
            line(
                "APPROVAL",
                Some("赞成"),
                "AREA",
                "MORE_THAN",
                "1/2",
                "200.00",
                "100.01",
                "200.00",
                true
            ),
        ]),
        "the live thresholds"
    );

    // Six more against (750 m²): quorum met, approval fails.
    for i in 3..=8 {
        vote(&app, v.token(&phone(i)), &id, &[option_id(&b, "OPPOSE")]).await;
    }
    close(&app, v.token(&phone(9)), &id).await;
    let closed = app.ok(Some(v.token(&phone(9))), q, json!({"b": id})).await["ballot"].clone();
    assert_eq!(
        (
            closed["result"]["quorumMet"].clone(),
            closed["result"]["outcome"].clone()
        ),
        (json!(true), json!("NOT_ADOPTED"))
    );
    assert_eq!(
        closed["result"]["thresholds"],
        json!([
            line("TURNOUT", None, "COUNT", "AT_LEAST", "2/3", "9", "6", "8", true),
            line("TURNOUT", None, "AREA", "AT_LEAST", "2/3", "1100.00", "733.34", "950.00", true),
            line(
                "APPROVAL",
                Some("赞成"),
                "COUNT",
                "MORE_THAN",
                "1/2",
                "8",
                "5",
                "2",
                false
            ),
            line(
                "APPROVAL",
                Some("赞成"),
                "AREA",
                "MORE_THAN",
                "1/2",
                "950.00",
                "475.01",
                "200.00",
                false
            ),
        ]),
        "the stored thresholds"
    );
    assert_eq!(
        closed["result"]["thresholds"], closed["notice"]["thresholds"],
        "the result and the notice tell the same thresholds"
    );
}

/// `Ballot.viewerCan` says what each mutation allows: the committee records paper ballots,
/// extends once and cancels while the ballot is open, and reads the named roll once a named
/// vote has closed; a resident may do none of it; and each act answers as its flag said.
#[tokio::test]
async fn what_the_viewer_may_do_with_a_ballot_is_what_its_acts_allow() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let committee = v.token(COMMITTEE_PHONE);
    let resident = v.token(&phone(2));
    const CAN: &str =
        "query($b:ID!){ ballot(id:$b){ viewerCan { recordPaperBallot extend cancel namedRoll } } }";
    let can = |token: &str, id: &str| {
        let (app, id, token) = (&app, id.to_owned(), token.to_owned());
        async move {
            let seen = app.ok(Some(&token), CAN, json!({"b": id})).await;
            let c = &seen["ballot"]["viewerCan"];
            [
                c["recordPaperBallot"] == true,
                c["extend"] == true,
                c["cancel"] == true,
                c["namedRoll"] == true,
            ]
        }
    };
    let topic = deliberating_topic(&app, &v).await;
    let named = str_of(&open_ballot(&app, &v, &BallotSpec::motion(&topic)).await["id"]);
    assert_eq!(can(committee, &named).await, [true, true, true, false]);
    assert_eq!(can(resident, &named).await, [false; 4]);
    // The resident's refusals match: FORBIDDEN for each act the flags deny.
    let in_days = |d: i64| (chrono::Utc::now() + chrono::Duration::days(d)).to_rfc3339();
    const EXTEND: &str = "mutation($b:ID!,$c:DateTime!,$r:String!){ extendBallot(ballotId:$b, closesAt:$c, reason:$r){ id } }";
    assert_eq!(
        app.err_code(
            Some(resident),
            EXTEND,
            json!({"b": named, "c": in_days(10), "r": "业主外出较多，延长表决"})
        )
        .await,
        "FORBIDDEN"
    );
    // Extended once: no second extension offered, and a second is refused.
    app.ok(
        Some(committee),
        EXTEND,
        json!({"b": named, "c": in_days(10), "r": "业主外出较多，延长表决"}),
    )
    .await;
    assert_eq!(can(committee, &named).await, [true, false, true, false]);
    assert_eq!(
        app.err_code(
            Some(committee),
            EXTEND,
            json!({"b": named, "c": in_days(12), "r": "再延一次表决时间"})
        )
        .await,
        "INVALID_STATE"
    );
    // Closed: the named roll is the committee's, and nothing else is offered.
    close(&app, committee, &named).await;
    assert_eq!(can(committee, &named).await, [false, false, false, true]);
    assert_eq!(can(resident, &named).await, [false; 4]);
    let roll = "query($b:ID!){ ballot(id:$b){ namedRoll { voterId } } }";
    assert!(
        app.ok(Some(committee), roll, json!({"b": named})).await["ballot"]["namedRoll"].is_array()
    );
    assert_eq!(
        app.err_code(Some(resident), roll, json!({"b": named}))
            .await,
        "FORBIDDEN"
    );
    // A secret ballot never has a roll, not even for the committee once closed.
    let topic = deliberating_topic(&app, &v).await;
    let secret =
        str_of(&open_ballot(&app, &v, &BallotSpec::motion(&topic).secret(true)).await["id"]);
    close(&app, committee, &secret).await;
    assert_eq!(can(committee, &secret).await, [false; 4]);
}
