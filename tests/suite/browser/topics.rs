//! Topics and ballots in the browser (DESIGN §3, §4, §12): a resident proposes, neighbours
//! co-sign, the committee accepts and opens a ballot, votes arrive in a second browser live, and
//! the closed ballot's result is explained in plain words. Plus the phone-layout audit of the
//! topic, ballot, review and receipt pages.

use crate::build::BallotSpec;
use std::collections::HashMap;
use std::time::Duration;

use serde_json::{json, Value};

use super::{audit, browser, browser_sized, Browser};
use crate::ballots::{self, phone, Voters, COMMITTEE_PHONE, OWNERS_ROSTER};
use crate::harness::*;

/// The community `ballots::voters` creates.
const COMMUNITY: &str = "表决社区";

/// How long a second browser may take to see a vote: the live tally is pushed over the
/// subscription, and re-queried every 15 s when the socket does not get through.
const LIVE_PATIENCE: Duration = Duration::from_secs(40);
const PATIENCE: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(200);

const TOPIC: &str = "query($id:ID!){ topic(id:$id){ id title body category status cosignCount cosignThreshold ballot { id } } }";
const PROPOSE: &str = "mutation($c:ID!,$t:String!,$b:String!){ proposeTopic(communityId:$c, title:$t, body:$b, category: ENVIRONMENT){ id status } }";
const COSIGN: &str = "mutation($t:ID!){ cosignTopic(topicId:$t){ id status cosignCount } }";
const COMMENT: &str =
    "mutation($t:ID!,$b:String!,$p:ID){ commentOnTopic(topicId:$t, body:$b, parentId:$p){ id } }";
const BALLOT: &str =
    "query($id:ID!){ ballot(id:$id){ id topicId status secret kind electorate rule closesAt
    eligibleCount eligibleArea turnoutCount turnoutArea options { id role }
    result { final quorumMet outcome options { id role votes area } } } }";
const VERIFY: &str =
    "query($b:ID!,$r:String!){ verifyReceipt(ballotId:$b, receipt:$r){ found optionIds } }";

// ---- helpers ---------------------------------------------------------------------------------

async fn topic(app: &TestApp, token: &str, id: &str) -> Value {
    app.ok(Some(token), TOPIC, json!({ "id": id })).await["topic"].clone()
}

async fn ballot(app: &TestApp, token: &str, id: &str) -> Value {
    app.ok(Some(token), BALLOT, json!({ "id": id })).await["ballot"].clone()
}

/// Proposes a topic through the API; returns its id.
async fn propose(app: &TestApp, v: &Voters, who: &str, title: &str) -> String {
    let data = app
        .ok(
            Some(v.token(who)),
            PROPOSE,
            json!({ "c": v.community_id, "t": title, "b": "楼道堆放杂物，影响消防通道，建议统一清理。" }),
        )
        .await;
    data["proposeTopic"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn cosign(app: &TestApp, v: &Voters, who: &str, topic_id: &str) -> Value {
    app.ok(Some(v.token(who)), COSIGN, json!({ "t": topic_id }))
        .await["cosignTopic"]
        .clone()
}

async fn comment(
    app: &TestApp,
    v: &Voters,
    who: &str,
    topic_id: &str,
    body: &str,
    parent: Option<&str>,
) -> String {
    app.ok(
        Some(v.token(who)),
        COMMENT,
        json!({ "t": topic_id, "b": body, "p": parent }),
    )
    .await["commentOnTopic"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Casts a vote for the option with `role` through the API; it must succeed.
async fn vote_for(app: &TestApp, token: &str, b: &Value, role: &str) {
    let id = b["id"].as_str().unwrap_or_default();
    let option = ballots::option_id(b, role);
    let resp = ballots::vote(app, token, id, std::slice::from_ref(&option)).await;
    assert!(
        resp.get("errors").is_none(),
        "castVote({role}) failed: {resp}"
    );
}

/// The value of `attr` on the first element matching `css` (None when there is none).
async fn attr(b: &Browser, css: &str, attr: &str) -> Option<String> {
    b.client
        .execute(
            "const el = document.querySelector(arguments[0]); \
             return el ? el.getAttribute(arguments[1]) : null;",
            vec![json!(css), json!(attr)],
        )
        .await
        .unwrap_or_else(|e| panic!("read {attr} of {css}: {e}"))
        .as_str()
        .map(str::to_owned)
}

/// Waits (bounded) until `attr` of the element matching `css` is `expected`.
async fn wait_attr(b: &Browser, css: &str, name: &str, expected: &str) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let mut last = None;
    while tokio::time::Instant::now() < deadline {
        last = attr(b, css, name).await;
        if last.as_deref() == Some(expected) {
            return;
        }
        tokio::time::sleep(POLL).await;
    }
    panic!("{css} never had {name}={expected:?}; last: {last:?}");
}

/// Waits (bounded by `patience`) until the element's trimmed text is exactly `expected`.
async fn wait_text_is(b: &Browser, css: &str, expected: &str, patience: Duration) {
    let deadline = tokio::time::Instant::now() + patience;
    let mut last = String::new();
    while tokio::time::Instant::now() < deadline {
        if let Ok(el) = b.client.find(fantoccini::Locator::Css(css)).await {
            last = el.text().await.unwrap_or_default().trim().to_owned();
            if last == expected {
                return;
            }
        }
        tokio::time::sleep(POLL).await;
    }
    panic!("{css} never read {expected:?} within {patience:?}; last text: {last:?}");
}

async fn text_of(b: &Browser, css: &str) -> String {
    b.find(css)
        .await
        .text()
        .await
        .unwrap_or_else(|e| panic!("text of {css}: {e}"))
}

async fn scroll_to(b: &Browser, css: &str) {
    b.client
        .execute(
            "const el = document.querySelector(arguments[0]); \
             if (el) { el.scrollIntoView({block: 'start'}); window.scrollBy(0, -60); } return null;",
            vec![json!(css)],
        )
        .await
        .unwrap_or_else(|e| panic!("scroll to {css}: {e}"));
}

/// Waits until the page is a topic page (`/topics/<id>`) and returns the id.
async fn wait_topic_path(b: &Browser) -> String {
    b.wait_until(
        "location.pathname.startsWith('/topics/') && location.pathname !== '/topics/new' \
         && location.pathname.split('/').length === 3",
    )
    .await;
    b.path()
        .await
        .trim_start_matches("/topics/")
        .trim_end_matches('/')
        .to_owned()
}

/// Floor area in hundredths of a m², and whether the household owns, for each roster phone.
fn roster_areas(roster: &str) -> HashMap<String, (i64, bool)> {
    roster
        .lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split(',').collect();
            let (area, owner, phone) = (cols.get(2)?, cols.get(3)?, cols.get(5)?);
            let (whole, cents) = area.split_once('.').unwrap_or((area, "0"));
            let centi = whole.parse::<i64>().ok()? * 100 + cents.parse::<i64>().ok()?;
            Some(((*phone).to_owned(), (centi, *owner == "true")))
        })
        .collect()
}

/// 110000 → "1,100"; 8850 → "88.50" (as the portal writes areas).
fn format_area(centi: i64) -> String {
    let digits = (centi / 100).to_string();
    let mut whole = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            whole.push(',');
        }
        whole.push(c);
    }
    match centi % 100 {
        0 => whole,
        cents => format!("{whole}.{cents:02}"),
    }
}

/// `part / whole` ≥ 2/3 (以上, the boundary included).
fn at_least_two_thirds(part: i64, whole: i64) -> bool {
    whole > 0 && part * 3 >= whole * 2
}

/// `part / whole` > 1/2 (过半数, the boundary excluded).
fn more_than_half(part: i64, whole: i64) -> bool {
    whole > 0 && part * 2 > whole
}

fn mark(met: bool) -> &'static str {
    if met {
        "✓"
    } else {
        "✗"
    }
}

// ---- the whole way, from a proposal to a result ----------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_proposes_neighbours_cosign_the_committee_opens_a_ballot_and_a_second_browser_sees_the_tally_and_the_result(
) {
    // Arrange: nine owner households (one resident each) and a tenant; 13800000101 on the
    // committee. The proposer is 102; 103–105 co-sign through the API, 106 in a second browser.
    let app = TestApp::spawn().await;
    let v = ballots::voters(&app, &OWNERS_ROSTER).await;
    let base = app.address.clone();
    let proposer = phone(2);
    let neighbour = phone(6);
    let title = "楼道堆物清理";
    let body = "3栋楼道长期堆放杂物，堵住消防通道，建议全体业主统一清理并设置定期检查。";
    let a = browser().await;

    // Act: the resident proposes a topic in browser A.
    a.sign_in(&base, &proposer, PASSWORD, COMMUNITY).await;
    a.goto(&format!("{base}/topics/new")).await;
    a.fill("#topic-title", title).await;
    a.fill("#topic-body", body).await;
    a.set_value("#topic-category", "SAFETY").await;
    a.click("[data-testid=propose-submit]").await;

    // Assert: on the new topic's page, collecting co-signatures; the proposer's own counts.
    let topic_id = wait_topic_path(&a).await;
    wait_attr(&a, "[data-testid=topic-status]", "data-status", "PROPOSED").await;
    a.wait_text("h1", title).await;
    a.wait_text("[data-testid=topic-body]", body).await;
    wait_text_is(&a, "[data-testid=cosign-progress]", "1 / 5", PATIENCE).await;
    let proposed = topic(&app, v.token(&proposer), &topic_id).await;
    assert_eq!(
        (
            proposed["title"].clone(),
            proposed["category"].clone(),
            proposed["status"].clone(),
            proposed["cosignCount"].clone(),
            proposed["cosignThreshold"].clone(),
        ),
        (
            json!(title),
            json!("SAFETY"),
            json!("PROPOSED"),
            json!(1),
            json!(5)
        ),
        "the proposal as the API sees it: {proposed}"
    );

    // Act: three neighbours co-sign through the API, the fourth in browser B.
    for i in 3..=5 {
        cosign(&app, &v, &phone(i), &topic_id).await;
    }
    let b = browser().await;
    b.sign_in(&base, &neighbour, PASSWORD, COMMUNITY).await;
    b.goto(&format!("{base}/topics/{topic_id}")).await;
    wait_text_is(&b, "[data-testid=cosign-progress]", "4 / 5", PATIENCE).await;
    wait_attr(&b, "[data-testid=topic-status]", "data-status", "PROPOSED").await;
    b.click("[data-testid=cosign]").await;

    // Assert: the threshold is met; the topic goes to the committee.
    wait_text_is(&b, "[data-testid=cosign-progress]", "5 / 5", PATIENCE).await;
    wait_attr(
        &b,
        "[data-testid=topic-status]",
        "data-status",
        "UNDER_REVIEW",
    )
    .await;
    b.find("[data-testid=cosigned]").await;
    assert!(
        !b.exists("[data-testid=cosign]").await,
        "the co-sign button is still offered after co-signing"
    );
    let reviewed = topic(&app, v.token(&neighbour), &topic_id).await;
    assert_eq!(
        (reviewed["status"].clone(), reviewed["cosignCount"].clone()),
        (json!("UNDER_REVIEW"), json!(5)),
        "{reviewed}"
    );
    a.goto(&format!("{base}/topics/{topic_id}")).await;
    wait_text_is(&a, "[data-testid=cosign-progress]", "5 / 5", PATIENCE).await;
    wait_attr(
        &a,
        "[data-testid=topic-status]",
        "data-status",
        "UNDER_REVIEW",
    )
    .await;

    // Act: browser A becomes the committee member, who accepts the topic from the review queue.
    a.sign_out().await;
    a.sign_in(&base, COMMITTEE_PHONE, PASSWORD, COMMUNITY).await;
    a.goto(&format!("{base}/committee/review")).await;
    a.find(&format!(
        "[data-testid=review-current][data-topic-id='{topic_id}']"
    ))
    .await;
    a.wait_text("[data-testid=review-current]", title).await;
    a.click("[data-testid=review-current] [data-testid=accept-topic]")
        .await;
    a.wait_text("[data-testid=review-done]", title).await;

    // Assert: deliberating, with the committee's open-ballot form.
    a.goto(&format!("{base}/topics/{topic_id}")).await;
    wait_attr(
        &a,
        "[data-testid=topic-status]",
        "data-status",
        "DELIBERATING",
    )
    .await;
    a.find("[data-testid=open-ballot]").await;

    // Act: open a motion for the owners, by the Civil Code's ordinary rule, open (not secret),
    // closing in a week in the browser's own time.
    a.set_value("#ballot-kind", "MOTION").await;
    a.set_value("#ballot-electorate", "OWNERS").await;
    a.wait_until("document.querySelector('#ballot-rule option[value=OWNERS_ORDINARY]')")
        .await;
    a.set_value("#ballot-rule", "OWNERS_ORDINARY").await;
    a.wait_until("document.querySelector('#ballot-rule').value === 'OWNERS_ORDINARY'")
        .await;
    assert_eq!(
        a.eval("return document.querySelector('#ballot-secret').checked;")
            .await,
        json!(false),
        "a new ballot starts secret"
    );
    let before_open = chrono::Utc::now();
    let week_ahead = a
        .eval(
            "const d = new Date(Date.now() + 7 * 24 * 3600 * 1000); \
             const p = (n) => String(n).padStart(2, '0'); \
             return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + 'T' \
               + p(d.getHours()) + ':' + p(d.getMinutes());",
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned();
    a.set_value("#ballot-closes-at", &week_ahead).await;
    a.click("[data-testid=open-ballot-submit]").await;

    // Assert: the ballot card, open; the API has the ballot as chosen.
    wait_attr(&a, "[data-testid=ballot]", "data-status", "OPEN").await;
    a.find("[data-testid=ballot-option][data-role=APPROVE]")
        .await;
    let after_open = chrono::Utc::now();
    let voting = topic(&app, v.token(COMMITTEE_PHONE), &topic_id).await;
    assert_eq!(voting["status"], "VOTING", "{voting}");
    let ballot_id = voting["ballot"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("the topic has no ballot: {voting}"))
        .to_owned();
    let opened = ballot(&app, v.token(COMMITTEE_PHONE), &ballot_id).await;
    assert_eq!(
        (
            opened["kind"].clone(),
            opened["electorate"].clone(),
            opened["rule"].clone(),
            opened["secret"].clone(),
            opened["eligibleCount"].clone(),
            opened["eligibleArea"].clone(),
        ),
        (
            json!("MOTION"),
            json!("OWNERS"),
            json!("OWNERS_ORDINARY"),
            json!(false),
            json!(9),
            json!("1100.00")
        ),
        "{opened}"
    );
    let closes_at = chrono::DateTime::parse_from_rfc3339(opened["closesAt"].as_str().unwrap_or(""))
        .unwrap_or_else(|e| panic!("closesAt {}: {e}", opened["closesAt"]));
    let week = chrono::Duration::days(7);
    // The input has minutes only: up to a minute earlier than a week from the moment it was set.
    assert!(
        closes_at >= before_open + week - chrono::Duration::seconds(61)
            && closes_at <= after_open + week,
        "the ballot closes at {closes_at}, not a week after {before_open} (input {week_ahead:?}, \
         browser UTC offset {} min)",
        a.eval("return -new Date().getTimezoneOffset();").await
    );

    // Act: the resident in browser B opens the topic page and watches the tally.
    b.goto(&format!("{base}/topics/{topic_id}")).await;
    wait_attr(&b, "[data-testid=ballot]", "data-status", "OPEN").await;
    wait_attr(&b, "[data-testid=topic-status]", "data-status", "VOTING").await;
    b.find("[data-testid=tally]").await;
    wait_text_is(&b, "[data-testid=turnout]", "0 / 9", PATIENCE).await;
    // A mark that a reload would wipe out.
    b.eval("window.__stillTheSamePage = true; return null;")
        .await;

    // Act: the committee member votes APPROVE in browser A.
    a.click("[data-testid=ballot-option][data-role=APPROVE]")
        .await;
    a.click("[data-testid=cast-vote]").await;

    // Assert: the receipt, shown once in a dialog; the ballot box holds the vote under it.
    a.wait_until("document.querySelector('[data-testid=receipt-dialog]').open")
        .await;
    let receipt = text_of(&a, "[data-testid=receipt]").await.trim().to_owned();
    assert!(
        receipt.chars().count() == 20 && receipt.chars().all(|c| c.is_ascii_alphanumeric()),
        "the receipt is not 20 letters and digits: {receipt:?}"
    );
    let check = app
        .ok(
            Some(v.token(COMMITTEE_PHONE)),
            VERIFY,
            json!({ "b": ballot_id, "r": receipt }),
        )
        .await;
    assert_eq!(
        check["verifyReceipt"],
        json!({ "found": true, "optionIds": [ballots::option_id(&opened, "APPROVE")] }),
        "the shown receipt does not name the vote just cast"
    );
    a.click("[data-testid=receipt-close]").await;
    a.wait_until("!document.querySelector('[data-testid=receipt-dialog]').open")
        .await;
    a.find("[data-testid=voted]").await;

    // Assert: browser B sees the vote without reloading.
    wait_text_is(&b, "[data-testid=turnout]", "1 / 9", LIVE_PATIENCE).await;
    wait_text_is(
        &b,
        "[data-testid=tally-votes][data-role=APPROVE]",
        "1",
        LIVE_PATIENCE,
    )
    .await;

    // Act: the other owners vote through the API: 102–105 for (100 m² each), 107 and 108
    // against (150 m² each). 106 (browser B) and 109 do not vote.
    let approvers: Vec<String> = std::iter::once(COMMITTEE_PHONE.to_owned())
        .chain((2..=5).map(phone))
        .collect();
    let opponents: Vec<String> = (7..=8).map(phone).collect();
    for who in approvers.iter().skip(1) {
        vote_for(&app, v.token(who), &opened, "APPROVE").await;
    }
    for who in &opponents {
        vote_for(&app, v.token(who), &opened, "OPPOSE").await;
    }

    // Assert: browser B's live tally moves, still without a reload.
    let turnout = approvers.len() + opponents.len();
    wait_text_is(
        &b,
        "[data-testid=turnout]",
        &format!("{turnout} / 9"),
        LIVE_PATIENCE,
    )
    .await;
    wait_text_is(
        &b,
        "[data-testid=tally-votes][data-role=APPROVE]",
        &approvers.len().to_string(),
        LIVE_PATIENCE,
    )
    .await;
    wait_text_is(
        &b,
        "[data-testid=tally-votes][data-role=OPPOSE]",
        &opponents.len().to_string(),
        LIVE_PATIENCE,
    )
    .await;
    assert_eq!(
        b.eval("return window.__stillTheSamePage === true;").await,
        json!(true),
        "browser B reloaded the page to see the votes"
    );
    let live_mode = attr(&b, "[data-testid=live-mode]", "data-mode").await;
    scroll_to(&b, "[data-testid=tally]").await;
    b.screenshot("topic-live-tally").await;

    // Act: the closing time passes (moved into the past); the next read closes the ballot.
    let closed = ballots::close(&app, v.token(&neighbour), &ballot_id).await;
    assert_eq!(closed["status"], "CLOSED", "{closed}");
    let outcome = closed["result"]["outcome"].as_str().unwrap_or_default();

    // The expected numbers, from the votes cast and the roster.
    let areas = roster_areas(&OWNERS_ROSTER);
    let area_of = |who: &String| areas.get(who).map(|a| a.0).unwrap_or(0);
    let eligible = areas.values().filter(|a| a.1).count() as i64;
    let eligible_area: i64 = areas.values().filter(|a| a.1).map(|a| a.0).sum();
    let yes = approvers.len() as i64;
    let yes_area: i64 = approvers.iter().map(area_of).sum();
    let took_part = turnout as i64;
    let took_part_area: i64 = yes_area + opponents.iter().map(area_of).sum::<i64>();
    let quorum = at_least_two_thirds(took_part, eligible)
        && at_least_two_thirds(took_part_area, eligible_area);
    let approved = more_than_half(yes, took_part) && more_than_half(yes_area, took_part_area);
    let expected_outcome = match (quorum, approved) {
        (false, _) => "NO_QUORUM",
        (true, true) => "ADOPTED",
        (true, false) => "NOT_ADOPTED",
    };
    assert_eq!(
        outcome, expected_outcome,
        "the API's outcome is not what DESIGN §4 gives for these votes: {closed}"
    );

    // Assert: browser B, reloaded, shows the result in plain words.
    b.goto(&format!("{base}/topics/{topic_id}")).await;
    wait_attr(&b, "[data-testid=ballot]", "data-status", "CLOSED").await;
    b.find("[data-testid=ballot-outcome]").await;
    assert_eq!(
        attr(&b, "[data-testid=ballot-outcome]", "data-outcome")
            .await
            .as_deref(),
        Some(outcome),
        "the page's outcome differs from the API's"
    );
    let word = if outcome == "ADOPTED" {
        "通过"
    } else {
        "未通过"
    };
    let explanation = text_of(&b, "[data-testid=result-explanation]").await;
    let expected_parts = [
        format!(
            "参与表决 {took_part}/{eligible} 户（≥2/3 {}）",
            mark(at_least_two_thirds(took_part, eligible))
        ),
        format!(
            "面积 {}/{} m²（≥2/3 {}）",
            format_area(took_part_area),
            format_area(eligible_area),
            mark(at_least_two_thirds(took_part_area, eligible_area))
        ),
        format!(
            "赞成 {yes}/{took_part} 户 {}",
            mark(more_than_half(yes, took_part))
        ),
        format!(
            "{}/{} m² {}",
            format_area(yes_area),
            format_area(took_part_area),
            mark(more_than_half(yes_area, took_part_area))
        ),
    ];
    for part in &expected_parts {
        assert!(
            explanation.contains(part.as_str()),
            "the explanation lacks {part:?}: {explanation:?}"
        );
    }
    assert!(
        explanation.trim_end().ends_with(&format!("→ {word}")),
        "the explanation does not end with the outcome {word:?}: {explanation:?}"
    );
    wait_text_is(
        &b,
        "[data-testid=turnout]",
        &format!("{turnout} / 9"),
        PATIENCE,
    )
    .await;
    scroll_to(&b, "[data-testid=ballot]").await;
    b.screenshot("topic-result").await;

    // Assert: the topic's status follows the outcome.
    let decided = topic(&app, v.token(&neighbour), &topic_id).await;
    let expected_status = if outcome == "ADOPTED" {
        "ADOPTED"
    } else {
        "NOT_ADOPTED"
    };
    assert_eq!(decided["status"], expected_status, "{decided}");
    wait_attr(
        &b,
        "[data-testid=topic-status]",
        "data-status",
        expected_status,
    )
    .await;

    // Act: browser B opens the printable result notice (公示) from the ballot.
    b.click("[data-testid=notice-link]").await;
    b.find("[data-testid=notice-outcome]").await;

    // Assert: the notice tells the server's outcome, the owners' four thresholds (turnout by
    // count and by area, approval by count and by area) and the bulletin's fingerprint.
    assert_eq!(
        attr(&b, "[data-testid=notice-outcome]", "data-outcome")
            .await
            .as_deref(),
        Some(outcome),
        "the notice's outcome differs from the API's"
    );
    assert_eq!(b.texts("[data-testid=notice-threshold]").await.len(), 4);
    let met: Vec<String> = b
        .eval(
            "return Array.from(document.querySelectorAll('[data-testid=notice-threshold]'))
               .map((r) => r.dataset.met)",
        )
        .await
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect();
    let expected_met = vec![
        at_least_two_thirds(took_part, eligible).to_string(),
        at_least_two_thirds(took_part_area, eligible_area).to_string(),
        more_than_half(yes, took_part).to_string(),
        more_than_half(yes_area, took_part_area).to_string(),
    ];
    assert_eq!(met, expected_met, "the notice's verdicts");
    let digest = text_of(&b, "[data-testid=notice-digest]").await;
    assert!(
        digest.len() == 64 && digest.chars().all(|c| c.is_ascii_hexdigit()),
        "{digest:?}"
    );
    b.screenshot("result-notice").await;

    eprintln!("browser B's live tally ran in mode {live_mode:?}");
    a.close().await;
    b.close().await;
}

// ---- phone layout ----------------------------------------------------------------------------

/// The topics a layout audit looks at, set up through the API.
struct Pages {
    /// VOTING, with comments (and a reply) and an open owners' ballot.
    voting: String,
    voting_ballot: String,
    /// PROPOSED, collecting co-signatures (proposed by 107).
    proposed: String,
    /// DELIBERATING without a ballot: the committee's open-ballot form.
    deliberating: String,
    /// NOT_ADOPTED or ADOPTED: a closed ballot with its result.
    decided: String,
    decided_ballot: String,
}

/// Audits the current page and keeps a screenshot of it (the viewport) for looking at by eye.
/// `focus` is scrolled into view for the screenshot, after the audit.
async fn look(b: &Browser, page: &str, focus: &str) -> Vec<String> {
    let problems = audit(b, page).await;
    let name = page
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    scroll_to(b, focus).await;
    b.screenshot(&format!("layout-{name}")).await;
    problems
}

async fn layout_pages(app: &TestApp, v: &Voters) -> Pages {
    let committee = v.token(COMMITTEE_PHONE);
    // VOTING, with comments.
    let voting = propose(app, v, COMMITTEE_PHONE, "更换2栋电梯").await;
    let first = comment(
        app,
        v,
        &phone(2),
        &voting,
        "电梯经常停运，老人上下楼很困难，支持尽快更换。",
        None,
    )
    .await;
    comment(
        app,
        v,
        &phone(3),
        &voting,
        "同意，另外希望公布维修资金的使用明细。",
        Some(&first),
    )
    .await;
    comment(
        app,
        v,
        COMMITTEE_PHONE,
        &voting,
        "报价单已贴在1栋公告栏，欢迎查看。",
        None,
    )
    .await;
    let open = ballots::open_ballot(app, v, &BallotSpec::motion(&voting)).await;
    vote_for(app, v.token(&phone(2)), &open, "APPROVE").await;
    vote_for(app, v.token(&phone(7)), &open, "OPPOSE").await;
    // UNDER_REVIEW: the review queue has it.
    let review = propose(app, v, &phone(2), "小区东门加装照明").await;
    for i in 3..=6 {
        cosign(app, v, &phone(i), &review).await;
    }
    assert_eq!(
        topic(app, committee, &review).await["status"],
        "UNDER_REVIEW"
    );
    // PROPOSED.
    let proposed = propose(app, v, &phone(7), "增设电动自行车充电桩").await;
    // DELIBERATING.
    let deliberating = propose(app, v, COMMITTEE_PHONE, "调整垃圾分类投放时间").await;
    // Decided: a closed ballot.
    let decided = propose(app, v, COMMITTEE_PHONE, "外墙翻新").await;
    let done = ballots::open_ballot(app, v, &BallotSpec::motion(&decided)).await;
    for i in 1..=5 {
        vote_for(app, v.token(&phone(i)), &done, "APPROVE").await;
    }
    for i in 6..=8 {
        vote_for(app, v.token(&phone(i)), &done, "OPPOSE").await;
    }
    let decided_ballot = done["id"].as_str().unwrap_or_default().to_owned();
    let closed = ballots::close(app, committee, &decided_ballot).await;
    assert_eq!(closed["status"], "CLOSED", "{closed}");
    Pages {
        voting,
        voting_ballot: open["id"].as_str().unwrap_or_default().to_owned(),
        proposed,
        deliberating,
        decided,
        decided_ballot,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_topic_and_ballot_pages_fit_a_360_px_phone_with_large_tap_targets() {
    // Arrange: topics in every state the pages show, and one owner per run who has not voted
    // yet (each votes in the browser, so both the vote form and the "voted" card are seen).
    let app = TestApp::spawn().await;
    let v = ballots::voters(&app, &OWNERS_ROSTER).await;
    let p = layout_pages(&app, &v).await;
    let base = app.address.clone();
    let mut problems = Vec::new();
    let mut next_voter = 3..=6;

    for (width, height) in [(360, 740), (390, 844)] {
        let b = browser_sized(width, height).await;
        b.goto(&format!("{base}/signin")).await;
        b.find("#phone").await;
        assert_eq!(
            b.eval("return document.documentElement.clientWidth;").await,
            json!(width),
            "the phone emulation did not take"
        );
        for lang in ["zh-CN", "en"] {
            let at = |page: &str| format!("{page} at {width} px ({lang})");
            let voter = phone(next_voter.next().unwrap_or(9));

            // A resident who has not voted.
            b.goto(&format!("{base}/signin")).await;
            b.choose_lang(lang).await;
            b.sign_in(&base, &voter, PASSWORD, COMMUNITY).await;
            assert_eq!(
                b.html_lang().await,
                lang,
                "the language did not stay chosen"
            );

            b.goto(&format!("{base}/topics")).await;
            b.find("[data-testid=topic-item]").await;
            b.find("[data-testid=status-filter]").await;
            problems.extend(look(&b, &at("topics"), "h1").await);

            b.goto(&format!("{base}/topics/new")).await;
            b.find("[data-testid=propose-submit]").await;
            problems.extend(look(&b, &at("propose"), "h1").await);

            b.goto(&format!("{base}/topics/{}", p.proposed)).await;
            b.find("[data-testid=cosign]").await;
            problems.extend(
                look(
                    &b,
                    &at("topic collecting co-signatures"),
                    "[data-testid=cosign-progress]",
                )
                .await,
            );

            b.goto(&format!("{base}/topics/{}", p.voting)).await;
            b.find("[data-testid=cast-vote]").await;
            b.find("[data-testid=tally-votes]").await;
            b.find("[data-testid=comment].reply").await;
            b.click("[data-testid=comment-reply]").await;
            b.find("[data-testid=comment-act-submit]").await;
            problems.extend(
                look(
                    &b,
                    &at("topic with an open ballot, not voted"),
                    "[data-testid=ballot]",
                )
                .await,
            );

            b.click("[data-testid=ballot-option][data-role=APPROVE]")
                .await;
            b.click("[data-testid=cast-vote]").await;
            b.wait_until("document.querySelector('[data-testid=receipt-dialog]').open")
                .await;
            b.find("[data-testid=receipt]").await;
            problems.extend(look(&b, &at("receipt dialog"), "[data-testid=receipt]").await);
            b.click("[data-testid=receipt-close]").await;
            b.wait_until("!document.querySelector('[data-testid=receipt-dialog]').open")
                .await;
            b.find("[data-testid=voted]").await;
            b.click("[data-testid=change-vote-open]").await;
            b.find("[data-testid=change-vote]").await;
            problems.extend(
                look(
                    &b,
                    &at("topic with an open ballot, voted"),
                    "[data-testid=voted]",
                )
                .await,
            );

            b.goto(&format!("{base}/ballots/{}/receipt", p.voting_ballot))
                .await;
            b.find("[data-testid=verify-receipt]").await;
            problems.extend(look(&b, &at("receipt check (open)"), "h1").await);

            b.goto(&format!("{base}/topics/{}", p.decided)).await;
            b.find("[data-testid=result-explanation]").await;
            b.find("[data-testid=ballot-outcome]").await;
            problems.extend(
                look(
                    &b,
                    &at("topic with a closed ballot"),
                    "[data-testid=ballot-outcome]",
                )
                .await,
            );

            b.goto(&format!("{base}/ballots/{}/notice", p.decided_ballot))
                .await;
            b.find("[data-testid=notice-digest]").await;
            problems
                .extend(look(&b, &at("result notice"), "[data-testid=notice-thresholds]").await);

            b.goto(&format!("{base}/ballots/{}/receipt", p.decided_ballot))
                .await;
            b.click("[data-testid=show-bulletin]").await;
            b.find("[data-testid=recount-match]").await;
            problems.extend(
                look(
                    &b,
                    &at("receipt check and recount (closed)"),
                    "[data-testid=recount-match]",
                )
                .await,
            );

            b.sign_out().await;

            // The committee member.
            b.sign_in(&base, COMMITTEE_PHONE, PASSWORD, COMMUNITY).await;
            b.goto(&format!("{base}/committee/review")).await;
            b.find("[data-testid=review-current] [data-testid=accept-topic]")
                .await;
            problems.extend(look(&b, &at("review queue"), "[data-testid=review-current]").await);

            b.goto(&format!("{base}/topics/{}", p.deliberating)).await;
            b.find("[data-testid=open-ballot-submit]").await;
            problems.extend(
                look(
                    &b,
                    &at("open-ballot form (motion)"),
                    "[data-testid=open-ballot]",
                )
                .await,
            );
            b.set_value("#ballot-kind", "CHOICE").await;
            b.find("#ballot-option-2").await;
            b.set_value("#ballot-method", "APPROVAL").await;
            b.find("#ballot-max-choices").await;
            problems.extend(look(&b, &at("open-ballot form (choice)"), "#ballot-option-1").await);

            b.goto(&format!("{base}/topics/{}", p.voting)).await;
            b.find("[data-testid=comment-hide]").await;
            b.click("[data-testid=paper-open]").await;
            b.find("[data-testid=paper-submit]").await;
            problems.extend(
                look(
                    &b,
                    &at("topic with an open ballot, committee"),
                    "[data-testid=paper-open]",
                )
                .await,
            );

            b.sign_out().await;
        }
        b.close().await;
    }

    assert!(
        problems.is_empty(),
        "{} layout problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// A ballot the committee cancels sends the topic back to deliberation. Its page keeps the
/// cancelled ballot and shows the committee, and only the committee, the form for a new one;
/// the form offers the counting rules the server allows for each electorate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_cancelled_ballot_the_committee_is_offered_a_new_one_and_a_resident_is_not() {
    // Arrange: a ballot on a deliberating topic, cancelled through the API.
    let app = TestApp::spawn().await;
    let v = ballots::voters(&app, &OWNERS_ROSTER).await;
    let topic_id = ballots::deliberating_topic(&app, &v).await;
    let open = ballots::open_ballot(&app, &v, &BallotSpec::motion(&topic_id)).await;
    let cancelled = app
        .ok(
            Some(v.token(COMMITTEE_PHONE)),
            "mutation($b:ID!,$r:String!){ cancelBallot(ballotId:$b, reason:$r){ id status } }",
            json!({ "b": open["id"], "r": "表决事项表述有误，重新表决" }),
        )
        .await;
    assert_eq!(cancelled["cancelBallot"]["status"], "CANCELLED");
    let page = format!("{}/topics/{topic_id}", app.address);
    let b = browser().await;

    // Act: the committee opens the topic page.
    b.sign_in(&app.address, COMMITTEE_PHONE, PASSWORD, COMMUNITY)
        .await;
    b.goto(&page).await;

    // Assert: the cancelled ballot with the committee's reason, and the form for a new one.
    wait_attr(&b, "[data-testid=ballot]", "data-status", "CANCELLED").await;
    let banner = text_of(&b, "[data-testid=ballot-cancelled]").await;
    assert!(banner.contains("表决事项表述有误，重新表决"), "{banner}");
    b.find("[data-testid=open-ballot]").await;
    // Households: no Civil Code rule on offer; owners: both of them.
    b.set_value("#ballot-electorate", "HOUSEHOLDS").await;
    b.wait_until(
        "document.querySelector('#ballot-rule option[value=RESIDENTS_MEETING]') \
         && !document.querySelector('#ballot-rule option[value=OWNERS_ORDINARY]')",
    )
    .await;
    b.set_value("#ballot-electorate", "OWNERS").await;
    b.wait_until(
        "document.querySelector('#ballot-rule option[value=OWNERS_ORDINARY]') \
         && document.querySelector('#ballot-rule option[value=OWNERS_MAJOR]')",
    )
    .await;

    // A resident sees the cancelled ballot, but no form.
    b.sign_out().await;
    b.sign_in(&app.address, &phone(2), PASSWORD, COMMUNITY)
        .await;
    b.goto(&page).await;
    wait_attr(&b, "[data-testid=ballot]", "data-status", "CANCELLED").await;
    b.find("[data-testid=topic-body]").await;
    assert!(
        !b.exists("[data-testid=open-ballot]").await,
        "a resident was offered the committee's form"
    );
    b.close().await;
}

/// On a slow network, choosing another status filter shows "loading" under the new chip until
/// that filter's first page arrives, never the previous filter's topics or their count; then
/// the new filter's own list.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_filter_shows_loading_not_the_previous_filters_topics() {
    // Arrange: one topic collecting co-signatures, listed under "all" and not under "voting".
    let app = TestApp::spawn().await;
    let v = ballots::voters(&app, &OWNERS_ROSTER).await;
    propose(&app, &v, &phone(2), "楼道杂物清理").await;
    let b = browser().await;
    b.sign_in(&app.address, &phone(2), PASSWORD, COMMUNITY)
        .await;
    b.goto(&format!("{}/topics", app.address)).await;
    b.find("[data-testid=topic-item]").await;
    b.wait_until("document.querySelector('[data-testid=topics-total]').innerText.length > 0")
        .await;
    // The answer to a filtered list waits until the test lets it through.
    b.hold_requests_containing("\"status\":[").await;

    // Act: the resident chooses "voting".
    b.click("[data-testid=status-filter][data-filter=voting]")
        .await;
    b.wait_until("window.__held.length === 1").await;

    // Assert: while its page is on its way, neither the "all" list nor its count is shown.
    assert!(
        !b.exists("[data-testid=topic-item]").await,
        "the previous filter's topics are shown under the new filter"
    );
    assert_eq!(
        text_of(&b, "[data-testid=topics-total]").await,
        "",
        "the previous filter's count is shown under the new filter"
    );
    assert!(!b.exists("[data-testid=topics-empty]").await);
    // Then the page arrives: no topic is voting.
    b.release_held().await;
    b.find("[data-testid=topics-empty]").await;
    assert!(!b.exists("[data-testid=topic-item]").await);
    b.close().await;
}
