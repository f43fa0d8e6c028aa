//! Awards (DESIGN §6): a nomination awaiting its nominee's consent, or declined, is NOT_FOUND
//! on every path for everyone but its nominator, its nominee and the committee (HTTP and the
//! WebSocket); campaigns are for their community's residents; the committee's acts are the
//! committee's; nominating and endorsing are rate limited; nominee searches are bounded.

use serde_json::{json, Value};

use crate::awards::*;
use crate::harness::*;

/// A campaign with a nomination of 张伟's household awaiting consent; the stranger lives in
/// another community (and sits on its committee).
async fn private_nomination(app: &TestApp) -> (Campaign, String, String) {
    let c = campaign(app, 1).await;
    let home = c.w.person(NOMINEE).household_id.clone();
    let r = nominate(app, c.t(NOMINATOR), &c, &c.household, &home, STORY).await;
    assert_eq!(r["data"]["nominate"]["status"], "AWAITING_CONSENT", "{r}");
    let id = s(&r["data"]["nominate"]["id"]);
    let (stranger, _) = stranger(app, &c.w).await;
    (c, id, stranger)
}

fn code_of(r: &Value) -> String {
    error_code(r)
}

#[tokio::test]
async fn a_nomination_before_consent_is_not_found_on_every_path_for_everyone_else() {
    let app = TestApp::spawn().await;
    let (c, id, stranger) = private_nomination(&app).await;
    let paths: Vec<(&str, Value)> = vec![
        (
            "query($n:ID!){ nomination(id:$n){ id story } }",
            json!({ "n": id }),
        ),
        (
            "mutation($n:ID!){ endorse(nominationId:$n){ id } }",
            json!({ "n": id }),
        ),
        (
            "mutation($n:ID!){ consentToNomination(nominationId:$n, consent:true){ id } }",
            json!({ "n": id }),
        ),
        (
            "mutation($n:ID!){ shortlistNomination(nominationId:$n, note:\"好\"){ id } }",
            json!({ "n": id }),
        ),
    ];
    for (who, token) in [
        ("a neighbour", c.t(NEIGHBOUR).to_owned()),
        ("another community", stranger.clone()),
    ] {
        for (query, vars) in &paths {
            let r = app.gql(Some(&token), query, vars.clone()).await;
            assert_eq!(code_of(&r), "NOT_FOUND", "{who}: {query}: {r}");
            assert!(!r.to_string().contains("独居老人"), "{r}");
        }
    }
    // Not in any list a neighbour reads: the campaign's nominations, Home, the honour roll.
    let lists = app
        .ok(
            Some(c.t(NEIGHBOUR)),
            "query($c:ID!,$w:ID!){ awardCampaign(id:$c){ nominations(first:50){ nodes { id } } } \
             needsMe(communityId:$w){ nominations { id } } honourRoll(communityId:$w){ id } }",
            json!({ "c": c.id, "w": c.w.community_id }),
        )
        .await;
    assert!(!lists.to_string().contains(&id), "{lists}");
    // The nominator, the nominee and the committee read it.
    for phone in [NOMINATOR, NOMINEE, COMMITTEE] {
        let r = get(&app, c.t(phone), &id).await;
        assert_eq!(r["data"]["nomination"]["id"], id.as_str(), "{phone}: {r}");
    }
    // Anyone living in a nominee household reads it and may answer (李秀英 lives with 王建国).
    let home = c.w.person(RESIDENT).household_id.clone();
    let r = nominate(&app, c.t(NOMINATOR), &c, &c.household, &home, STORY).await;
    let theirs = s(&r["data"]["nominate"]["id"]);
    let r = get(&app, c.t(RESIDENT), &theirs).await;
    assert_eq!(r["data"]["nomination"]["viewerCan"]["consent"], true, "{r}");
    assert_eq!(
        error_code(&get(&app, c.t(NEIGHBOUR), &theirs).await),
        "NOT_FOUND"
    );
    // The campaign itself is NOT_FOUND outside its community.
    let r = app
        .gql(
            Some(&stranger),
            "query($c:ID!){ awardCampaign(id:$c){ id } }",
            json!({ "c": c.id }),
        )
        .await;
    assert_eq!(code_of(&r), "NOT_FOUND", "{r}");
    let r = app
        .gql(
            Some(&stranger),
            "query($w:ID!){ awardCampaigns(communityId:$w){ nodes { id } } }",
            json!({ "w": c.w.community_id }),
        )
        .await;
    assert_eq!(code_of(&r), "NOT_FOUND", "{r}");
}

#[tokio::test]
async fn over_the_websocket_a_neighbour_reads_nothing_of_a_private_nomination() {
    let app = TestApp::spawn().await;
    let (c, id, _) = private_nomination(&app).await;
    let mut ws = ws_connect(app.port, c.t(NEIGHBOUR)).await;
    ws_subscribe(
        &mut ws,
        "query($n:ID!){ nomination(id:$n){ id story } }",
        json!({ "n": id }),
    )
    .await;
    let msg = ws_next(&mut ws).await;
    let code = ws_error_code(&msg);
    assert_eq!(code, "NOT_FOUND", "{msg}");
    assert!(!msg.to_string().contains("独居老人"), "{msg}");
}

#[tokio::test]
async fn only_the_nominee_is_asked_and_no_notice_carries_the_story_or_a_name() {
    let app = TestApp::spawn().await;
    let (c, _, stranger) = private_nomination(&app).await;
    let inbox = "{ notifications(first:100){ nodes { kind params } } }";
    for token in [
        c.t(NEIGHBOUR).to_owned(),
        c.t(RESIDENT).to_owned(),
        stranger,
    ] {
        let r = app.ok(Some(&token), inbox, json!({})).await;
        assert!(!r.to_string().contains("NOMINATION_"), "{r}");
    }
    let r = app.ok(Some(c.t(NOMINEE)), inbox, json!({})).await;
    let text = r.to_string();
    assert!(text.contains("NOMINATION_CONSENT_REQUESTED"), "{r}");
    assert!(!text.contains("独居老人") && !text.contains("陈静"), "{r}");
}

#[tokio::test]
async fn the_committee_s_acts_are_refused_to_residents_and_to_other_communities() {
    let app = TestApp::spawn().await;
    let (c, _, stranger) = private_nomination(&app).await;
    let acts: Vec<(&str, Value)> = vec![
        (
            "mutation($c:ID!){ advanceCampaign(campaignId:$c){ id } }",
            json!({ "c": c.id }),
        ),
        (
            "mutation($c:ID!){ announceAwards(campaignId:$c, nominationIds:[]){ id } }",
            json!({ "c": c.id }),
        ),
    ];
    for (query, vars) in &acts {
        let r = app.gql(Some(c.t(NEIGHBOUR)), query, vars.clone()).await;
        assert_eq!(code_of(&r), "FORBIDDEN", "{query}: {r}");
        let r = app.gql(Some(&stranger), query, vars.clone()).await;
        assert_eq!(code_of(&r), "NOT_FOUND", "{query}: {r}");
    }
    let r = app
        .ok(
            Some(c.t(COMMITTEE)),
            "query($c:ID!){ awardCampaign(id:$c){ phase } }",
            json!({ "c": c.id }),
        )
        .await;
    assert_eq!(
        r["awardCampaign"]["phase"], "NOMINATING",
        "nothing changed: {r}"
    );
}

#[tokio::test]
async fn nominating_and_endorsing_are_rate_limited_per_account() {
    let app = TestApp::spawn_with(|s| {
        s.proposal_limit.max = 2;
        s.write_limit.max = 2;
    })
    .await;
    let c = campaign(&app, 100).await;
    let mut codes = Vec::new();
    for phone in [NOMINATOR, NEIGHBOUR, RESIDENT] {
        let me = c.w.person(phone).resident_id.clone();
        // Each nominates once: the limit is per account, so none is limited.
        let r = nominate(&app, c.t(phone), &c, &c.resident, &me, STORY).await;
        codes.push(error_code(&r));
    }
    assert_eq!(codes, ["<no error>"; 3]);
    let mut codes = Vec::new();
    for (building, _) in buildings(&app, &c.w).await.into_iter().take(2) {
        codes.push(error_code(
            &nominate(&app, c.t(NOMINATOR), &c, &c.building, &building, STORY).await,
        ));
    }
    assert_eq!(
        codes.last().map(String::as_str),
        Some("RATE_LIMITED"),
        "{codes:?}"
    );
    // Endorsing: the neighbour endorses two, then is limited on the third.
    let list = app
        .ok(Some(c.t(NEIGHBOUR)), "query($c:ID!){ awardCampaign(id:$c){ nominations(first:10){ nodes { id viewerCan { endorse } } } } }", json!({ "c": c.id }))
        .await;
    let endorsable: Vec<String> = list["awardCampaign"]["nominations"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|n| n["viewerCan"]["endorse"] == true)
        .map(|n| s(&n["id"]))
        .collect();
    assert!(endorsable.len() >= 3, "{list}");
    let mut codes = Vec::new();
    for id in endorsable.iter().take(3) {
        codes.push(error_code(&endorse(&app, c.t(NEIGHBOUR), id).await));
    }
    assert_eq!(codes, ["<no error>", "<no error>", "RATE_LIMITED"]);
}

#[tokio::test]
async fn nominee_searches_are_for_residents_bounded_and_counted() {
    let app = TestApp::spawn().await;
    let c = campaign(&app, 1).await;
    // Searches: residents only, 1–20 characters.
    let search = "query($w:ID!,$k:NomineeKind!,$s:String!){ nominees(communityId:$w, kind:$k, search:$s){ id name } }";
    let r = app
        .gql(
            Some(c.t(NEIGHBOUR)),
            search,
            json!({ "w": c.w.community_id, "k": "RESIDENT", "s": "张" }),
        )
        .await;
    assert_eq!(r["data"]["nominees"][0]["name"], "张伟（1栋 102）", "{r}");
    let r = app
        .gql(
            Some(c.t(NEIGHBOUR)),
            search,
            json!({ "w": c.w.community_id, "k": "RESIDENT", "s": "张".repeat(21) }),
        )
        .await;
    assert_eq!(error_code(&r), "BAD_USER_INPUT", "{r}");
    let r = app
        .gql(
            Some(c.t(NEIGHBOUR)),
            search,
            json!({ "w": c.w.community_id, "k": "HOUSEHOLD", "s": "" }),
        )
        .await;
    assert_eq!(error_code(&r), "BAD_USER_INPUT", "{r}");
    // A wildcard is no search: it would list the roster.
    let r = app
        .gql(
            Some(c.t(NEIGHBOUR)),
            search,
            json!({ "w": c.w.community_id, "k": "RESIDENT", "s": "%" }),
        )
        .await;
    assert_eq!(error_code(&r), "BAD_USER_INPUT", "{r}");
    let r = app
        .gql(
            Some(c.t(NEIGHBOUR)),
            search,
            json!({ "w": c.w.community_id, "k": "BUILDING", "s": "" }),
        )
        .await;
    assert_eq!(
        r["data"]["nominees"].as_array().map(Vec::len),
        Some(2),
        "both buildings: {r}"
    );
    let (stranger, _) = stranger(&app, &c.w).await;
    let r = app
        .gql(
            Some(&stranger),
            search,
            json!({ "w": c.w.community_id, "k": "RESIDENT", "s": "张" }),
        )
        .await;
    assert_eq!(error_code(&r), "NOT_FOUND", "{r}");
    // Counted: a resident cannot page through the roster without limit.
    let mut last = String::new();
    for _ in 0..70 {
        let r = app
            .gql(
                Some(c.t(NEIGHBOUR)),
                search,
                json!({ "w": c.w.community_id, "k": "RESIDENT", "s": "王" }),
            )
            .await;
        last = error_code(&r);
    }
    assert_eq!(last, "RATE_LIMITED");
}

/// Each public vote tells every voter and `AwardCampaign.votes` lists every one, so opening and
/// cancelling in a loop would grow both without end: a category has at most 20 ballots, the
/// campaign stops offering it (`openBallotCategoryIds`) at the cap, and the next opening
/// answers INVALID_STATE.
#[tokio::test]
async fn a_campaign_category_has_at_most_twenty_ballots_and_says_so() {
    const MAX: u64 = api::domain::ballot::rules::MAX_BALLOTS;
    let app = TestApp::spawn().await;
    let c = campaign(&app, 1).await;
    let ids = qualified_households(
        &app,
        &c,
        &[
            (NOMINATOR, NOMINEE, NEIGHBOUR),
            (NEIGHBOUR, NOMINATOR, NOMINEE),
        ],
    )
    .await;
    advance(&app, &c).await;
    advance(&app, &c).await;
    for id in &ids {
        shortlist(&app, &c, id, "").await;
    }
    let input = json!({ "i": {
        "campaignId": c.id, "categoryId": c.household, "question": "文明家庭评选",
        "kind": "CHOICE", "electorate": "RESIDENTS", "rule": "PLURALITY", "secret": true,
        "closesAt": (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339(),
    } });
    let open = "mutation($i:OpenBallotInput!){ openBallot(input:$i){ id } }";
    let cancel = "mutation($b:ID!){ cancelBallot(ballotId:$b, reason:\"候选名单有误，重新投票\"){ status } }";
    let offered = || async {
        app.ok(
            Some(c.t(COMMITTEE)),
            "query($c:ID!){ awardCampaign(id:$c){ viewerCan { openBallotCategoryIds } votes { id } } }",
            json!({ "c": c.id }),
        )
        .await["awardCampaign"]
            .clone()
    };
    for _ in 0..MAX {
        assert_eq!(
            offered().await["viewerCan"]["openBallotCategoryIds"],
            json!([c.household])
        );
        let b = app.ok(Some(c.t(COMMITTEE)), open, input.clone()).await;
        app.ok(
            Some(c.t(COMMITTEE)),
            cancel,
            json!({ "b": s(&b["openBallot"]["id"]) }),
        )
        .await;
    }
    let now = offered().await;
    assert_eq!(now["viewerCan"]["openBallotCategoryIds"], json!([]));
    assert_eq!(now["votes"].as_array().map(Vec::len), Some(MAX as usize));
    let r = app.gql(Some(c.t(COMMITTEE)), open, input).await;
    assert_eq!(code_of(&r), "INVALID_STATE", "{r}");
    assert_eq!(
        offered().await["votes"].as_array().map(Vec::len),
        Some(MAX as usize)
    );
}
