//! Civility awards (DESIGN §6): a campaign from nominations to the honour roll, the nominee's
//! consent and who sees what before it, endorsements and the threshold, phases, the shortlist,
//! the public vote over a shortlist, the announcement, bad input, and what a list costs. The
//! races are in `concurrency.rs`.

use chrono::{Duration, Utc};
use serde_json::{json, Value};

use crate::harness::*;

/// 陈静 (2栋102) nominates; 张伟 (1栋102) is nominated; 刘芳 (2栋101) is a neighbour;
/// 李秀英 lives with 王建国 (committee) in 1栋101.
pub const NOMINATOR: &str = "13800000005";
pub const NOMINEE: &str = "13800000003";
pub const NEIGHBOUR: &str = "13800000004";

pub const NOMINATION: &str = "id status endorsementCount story shortlistNote viewerEndorsed \
    nominee { kind id name } category { id name nomineeKind } nominator { id name } \
    viewerCan { consent endorse shortlist }";

pub const STORY: &str = "张伟一家常年照顾楼里的独居老人，义务打扫楼道，邻里都很感激。";

pub fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

/// A campaign of the test community with three categories (文明家庭: households, 文明楼栋:
/// buildings, 好邻里: residents; one winner each) in its nominating window.
pub struct Campaign {
    pub w: World,
    pub id: String,
    pub household: String,
    pub building: String,
    pub resident: String,
}

impl Campaign {
    pub fn t(&self, phone: &str) -> &str {
        self.w.token(phone)
    }
}

pub async fn create(app: &TestApp, token: &str, community_id: &str, threshold: i32) -> Value {
    let now = Utc::now();
    app.gql(
        Some(token),
        "mutation($i:AwardCampaignInput!){ createAwardCampaign(input:$i){ id title year phase \
         categories { id name nomineeKind winners } viewerCan { nominate advance announce } } }",
        json!({ "i": {
            "communityId": community_id,
            "title": "2026 年度文明评选",
            "year": 2026,
            "endorsementThreshold": threshold,
            "categories": [
                { "name": "文明家庭", "nomineeKind": "HOUSEHOLD", "winners": 1 },
                { "name": "文明楼栋", "nomineeKind": "BUILDING", "winners": 1 },
                { "name": "好邻里", "nomineeKind": "RESIDENT", "winners": 1 },
            ],
            "nominateUntil": (now + Duration::days(7)).to_rfc3339(),
            "endorseUntil": (now + Duration::days(14)).to_rfc3339(),
            "reviewUntil": (now + Duration::days(21)).to_rfc3339(),
        }}),
    )
    .await
}

pub async fn campaign_in(app: &TestApp, w: World, threshold: i32) -> Campaign {
    let r = create(app, w.token(COMMITTEE), &w.community_id, threshold).await;
    let c = &r["data"]["createAwardCampaign"];
    assert_eq!(c["phase"], "NOMINATING", "{r}");
    let cat = |i: usize| s(&c["categories"][i]["id"]);
    Campaign {
        id: s(&c["id"]),
        household: cat(0),
        building: cat(1),
        resident: cat(2),
        w,
    }
}

pub async fn campaign(app: &TestApp, threshold: i32) -> Campaign {
    let w = app.community().await;
    campaign_in(app, w, threshold).await
}

pub async fn nominate(
    app: &TestApp,
    token: &str,
    c: &Campaign,
    category: &str,
    nominee: &str,
    story: &str,
) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($c:ID!,$k:ID!,$n:ID!,$s:String!){{ nominate(campaignId:$c, categoryId:$k, \
             nomineeId:$n, story:$s){{ {NOMINATION} }} }}"
        ),
        json!({ "c": c.id, "k": category, "n": nominee, "s": story }),
    )
    .await
}

/// Qualified household nominations in `c`, one for each (nominator, nominee, endorser): each
/// nominated, consented to by its nominee and endorsed once (threshold 1). Their ids, in order.
pub async fn qualified_households(
    app: &TestApp,
    c: &Campaign,
    trios: &[(&str, &str, &str)],
) -> Vec<String> {
    let mut ids = Vec::new();
    for (nominator, nominee, endorser) in trios {
        let home = c.w.person(nominee).household_id.clone();
        let r = nominate(app, c.t(nominator), c, &c.household, &home, STORY).await;
        let id = s(&r["data"]["nominate"]["id"]);
        consent(app, c.t(nominee), &id, true).await;
        let r = endorse(app, c.t(endorser), &id).await;
        assert_eq!(r["data"]["endorse"]["status"], "QUALIFIED", "{r}");
        ids.push(id);
    }
    ids
}

pub async fn endorse(app: &TestApp, token: &str, id: &str) -> Value {
    app.gql(
        Some(token),
        &format!("mutation($n:ID!){{ endorse(nominationId:$n){{ {NOMINATION} }} }}"),
        json!({ "n": id }),
    )
    .await
}

pub async fn consent(app: &TestApp, token: &str, id: &str, yes: bool) -> Value {
    app.gql(
        Some(token),
        &format!(
            "mutation($n:ID!,$y:Boolean!){{ consentToNomination(nominationId:$n, consent:$y){{ {NOMINATION} }} }}"
        ),
        json!({ "n": id, "y": yes }),
    )
    .await
}

pub async fn get(app: &TestApp, token: &str, id: &str) -> Value {
    app.gql(
        Some(token),
        &format!("query($n:ID!){{ nomination(id:$n){{ {NOMINATION} }} }}"),
        json!({ "n": id }),
    )
    .await
}

pub async fn advance(app: &TestApp, c: &Campaign) -> Value {
    app.gql(
        Some(c.t(COMMITTEE)),
        "mutation($c:ID!){ advanceCampaign(campaignId:$c){ id phase viewerCan { nominate advance shortlist openBallot announce } } }",
        json!({ "c": c.id }),
    )
    .await
}

pub async fn shortlist(app: &TestApp, c: &Campaign, id: &str, note: &str) -> Value {
    app.gql(
        Some(c.t(COMMITTEE)),
        &format!(
            "mutation($n:ID!,$t:String){{ shortlistNomination(nominationId:$n, note:$t){{ {NOMINATION} }} }}"
        ),
        json!({ "n": id, "t": note }),
    )
    .await
}

pub async fn announce(app: &TestApp, c: &Campaign, ids: &[&str]) -> Value {
    app.gql(
        Some(c.t(COMMITTEE)),
        "mutation($c:ID!,$n:[ID!]!){ announceAwards(campaignId:$c, nominationIds:$n){ id phase announcedAt } }",
        json!({ "c": c.id, "n": ids }),
    )
    .await
}

pub async fn buildings(app: &TestApp, w: &World) -> Vec<(String, String)> {
    let r = app
        .ok(
            Some(w.token(COMMITTEE)),
            "query($c:ID!){ community(id:$c){ buildings { id name } } }",
            json!({ "c": w.community_id }),
        )
        .await;
    r["community"]["buildings"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|b| (s(&b["id"]), s(&b["name"])))
        .collect()
}

pub async fn kinds_for(app: &TestApp, token: &str) -> Vec<String> {
    let r = app
        .ok(
            Some(token),
            "{ notifications(first:100){ nodes { kind } } }",
            json!({}),
        )
        .await;
    r["notifications"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|n| s(&n["kind"]))
        .collect()
}

/// The committee member of another community (13700000001): (token, household id).
pub async fn stranger(app: &TestApp, w: &World) -> (String, String) {
    let other = app.create_community(&w.admin, "别的社区").await;
    let resp = app
        .import_roster(
            &w.admin,
            &other,
            "building,unit,area_m2,owner,name,phone,roles\n9栋,901,60.00,true,外区人,13700000001,COMMITTEE\n",
        )
        .await;
    let invite = &resp["data"]["importRoster"]["invites"][0];
    let (token, _) = app.claim(&s(&invite["code"]), PASSWORD).await;
    (token, s(&invite["householdId"]))
}

fn ids_in(list: &Value) -> Vec<String> {
    node_ids(list)
}

async fn listed(app: &TestApp, token: &str, c: &Campaign) -> Vec<String> {
    let r = app
        .ok(
            Some(token),
            "query($c:ID!){ awardCampaign(id:$c){ nominations(first:50){ nodes { id } } } }",
            json!({ "c": c.id }),
        )
        .await;
    ids_in(&r["awardCampaign"]["nominations"])
}

#[tokio::test]
async fn a_campaign_runs_from_nomination_and_consent_to_the_honour_roll() {
    let app = TestApp::spawn().await;
    let c = campaign(&app, 2).await;
    let nominee_home = c.w.person(NOMINEE).household_id.clone();

    // 陈静 nominates 张伟's household: it waits for consent and only the nominator, the
    // nominee and the committee see it.
    let r = nominate(&app, c.t(NOMINATOR), &c, &c.household, &nominee_home, STORY).await;
    let n = &r["data"]["nominate"];
    assert_eq!(n["status"], "AWAITING_CONSENT", "{r}");
    assert_eq!(n["endorsementCount"], 0, "nominating is not endorsing");
    assert_eq!(n["nominee"]["name"], "1栋 102", "{r}");
    let id = s(&n["id"]);
    assert_eq!(
        error_code(&get(&app, c.t(NEIGHBOUR), &id).await),
        "NOT_FOUND"
    );
    assert!(!listed(&app, c.t(NEIGHBOUR), &c).await.contains(&id));
    assert!(listed(&app, c.t(COMMITTEE), &c).await.contains(&id));
    assert!(kinds_for(&app, c.t(NOMINEE))
        .await
        .contains(&"NOMINATION_CONSENT_REQUESTED".into()));

    // The nominee finds it on Home and agrees: public, listed for neighbours.
    let home = app
        .ok(
            Some(c.t(NOMINEE)),
            "query($c:ID!){ needsMe(communityId:$c){ nominations { id viewerCan { consent } } } }",
            json!({ "c": c.w.community_id }),
        )
        .await;
    assert_eq!(
        home["needsMe"]["nominations"][0]["id"],
        id.as_str(),
        "{home}"
    );
    assert_eq!(
        home["needsMe"]["nominations"][0]["viewerCan"]["consent"],
        true
    );
    let r = consent(&app, c.t(NOMINEE), &id, true).await;
    assert_eq!(r["data"]["consentToNomination"]["status"], "OPEN", "{r}");
    assert!(listed(&app, c.t(NEIGHBOUR), &c).await.contains(&id));
    assert!(kinds_for(&app, c.t(NOMINATOR))
        .await
        .contains(&"NOMINATION_PUBLIC".into()));

    // Two endorsements reach the threshold: QUALIFIED, the nominator and the nominee told.
    let r = endorse(&app, c.t(NEIGHBOUR), &id).await;
    assert_eq!(r["data"]["endorse"]["endorsementCount"], 1, "{r}");
    assert_eq!(r["data"]["endorse"]["viewerEndorsed"], true);
    assert_eq!(r["data"]["endorse"]["viewerCan"]["endorse"], false);
    let r = endorse(&app, c.t(NOMINATOR), &id).await;
    assert_eq!(r["data"]["endorse"]["status"], "QUALIFIED", "{r}");
    assert_eq!(r["data"]["endorse"]["endorsementCount"], 2);
    assert!(kinds_for(&app, c.t(NOMINEE))
        .await
        .contains(&"NOMINATION_QUALIFIED".into()));

    // A building needs no consent.
    let (building, _) = buildings(&app, &c.w).await.remove(0);
    let r = nominate(&app, c.t(NEIGHBOUR), &c, &c.building, &building, STORY).await;
    assert_eq!(r["data"]["nominate"]["status"], "OPEN", "{r}");
    let other = s(&r["data"]["nominate"]["id"]);

    // The committee ends nominating and endorsing early; a third advance is refused.
    let r = advance(&app, &c).await;
    assert_eq!(r["data"]["advanceCampaign"]["phase"], "ENDORSING", "{r}");
    let r = advance(&app, &c).await;
    assert_eq!(r["data"]["advanceCampaign"]["phase"], "REVIEWING", "{r}");
    assert_eq!(r["data"]["advanceCampaign"]["viewerCan"]["announce"], true);
    assert_eq!(error_code(&advance(&app, &c).await), "INVALID_STATE");

    // Shortlist with a note, then announce: AWARDED, the rest NOT_SELECTED, told, once.
    let r = shortlist(&app, &c, &id, "多年如一日照顾独居老人。").await;
    assert_eq!(
        r["data"]["shortlistNomination"]["status"], "SHORTLISTED",
        "{r}"
    );
    assert_eq!(
        error_code(&shortlist(&app, &c, &other, "").await),
        "INVALID_STATE"
    );
    let r = announce(&app, &c, &[&id]).await;
    assert_eq!(r["data"]["announceAwards"]["phase"], "ANNOUNCED", "{r}");
    assert_eq!(
        error_code(&announce(&app, &c, &[&id]).await),
        "INVALID_STATE"
    );
    let won = get(&app, c.t(NEIGHBOUR), &id).await;
    assert_eq!(won["data"]["nomination"]["status"], "AWARDED", "{won}");
    let lost = get(&app, c.t(NEIGHBOUR), &other).await;
    assert_eq!(
        lost["data"]["nomination"]["status"], "NOT_SELECTED",
        "{lost}"
    );
    for phone in [NOMINATOR, NOMINEE] {
        assert!(kinds_for(&app, c.t(phone))
            .await
            .contains(&"NOMINATION_AWARDED".into()));
    }

    // The honour roll, for every resident: the award with its category, year and community.
    let roll = app
        .ok(
            Some(c.t(RESIDENT)),
            "query($c:ID!){ honourRoll(communityId:$c){ id year campaignTitle category { name } \
             nominee { kind name } community { name } nomination { id status } } \
             none: honourRoll(communityId:$c, year:2025){ id } }",
            json!({ "c": c.w.community_id }),
        )
        .await;
    let awards = roll["honourRoll"].as_array().cloned().unwrap_or_default();
    assert_eq!(awards.len(), 1, "{roll}");
    assert_eq!(awards[0]["id"], id.as_str());
    assert_eq!(awards[0]["year"], 2026);
    assert_eq!(awards[0]["category"]["name"], "文明家庭");
    assert_eq!(awards[0]["nominee"]["name"], "1栋 102");
    assert_eq!(awards[0]["community"]["name"], "测试社区");
    assert_eq!(roll["none"], json!([]));

    // Audited: creation, both advances, the shortlist, the announcement.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let audited: Vec<String> = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::CommunityId.eq(c.w.community_id.clone()))
        .all(app.db())
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|a| a.action)
        .collect();
    for (action, n) in [
        ("campaign.create", 1),
        ("campaign.advance", 2),
        ("nomination.shortlist", 1),
        ("awards.announce", 1),
    ] {
        assert_eq!(
            audited.iter().filter(|a| a.as_str() == action).count(),
            n,
            "{action}: {audited:?}"
        );
    }
}

#[tokio::test]
async fn bad_nominations_and_endorsements_get_coded_errors_and_change_nothing() {
    let app = TestApp::spawn().await;
    let c = campaign(&app, 5).await;
    let nominee_home = c.w.person(NOMINEE).household_id.clone();
    let field = |r: &Value| s(&r["errors"][0]["extensions"]["field"]);

    // The story: 20–2,000 characters, counted as characters (each of these is 3 bytes).
    let r = nominate(
        &app,
        c.t(NOMINATOR),
        &c,
        &c.household,
        &nominee_home,
        &"好".repeat(19),
    )
    .await;
    assert_eq!(
        (error_code(&r), field(&r)),
        ("BAD_USER_INPUT".into(), "story".into()),
        "{r}"
    );
    let r = nominate(
        &app,
        c.t(NOMINATOR),
        &c,
        &c.household,
        &nominee_home,
        &"好".repeat(2_001),
    )
    .await;
    assert_eq!(field(&r), "story", "{r}");

    // A nominee of another community, and a nominee of the wrong kind for the category.
    let (stranger, foreign) = stranger(&app, &c.w).await;
    let r = nominate(&app, c.t(NOMINATOR), &c, &c.household, &foreign, STORY).await;
    assert_eq!(
        (error_code(&r), field(&r)),
        ("BAD_USER_INPUT".into(), "nomineeId".into()),
        "{r}"
    );
    let resident = c.w.person(NOMINEE).resident_id.clone();
    let r = nominate(&app, c.t(NOMINATOR), &c, &c.household, &resident, STORY).await;
    assert_eq!(field(&r), "nomineeId", "a resident is not a household: {r}");
    let r = nominate(
        &app,
        c.t(NOMINATOR),
        &c,
        "no-such-category",
        &nominee_home,
        STORY,
    )
    .await;
    assert_eq!(field(&r), "categoryId", "{r}");
    // Nothing was written.
    assert!(listed(&app, c.t(COMMITTEE), &c).await.is_empty());

    // A second nomination of the nominee: CONFLICT, naming the first once it is public.
    let first = nominate(&app, c.t(NOMINATOR), &c, &c.household, &nominee_home, STORY).await;
    let id = s(&first["data"]["nominate"]["id"]);
    let r = nominate(&app, c.t(NEIGHBOUR), &c, &c.household, &nominee_home, STORY).await;
    assert_eq!(error_code(&r), "CONFLICT", "{r}");
    assert!(
        r["errors"][0]["extensions"].get("existingId").is_none(),
        "a nomination awaiting consent is not revealed: {r}"
    );
    consent(&app, c.t(NOMINEE), &id, true).await;
    let r = nominate(&app, c.t(NEIGHBOUR), &c, &c.household, &nominee_home, STORY).await;
    assert_eq!(error_code(&r), "CONFLICT", "{r}");
    assert_eq!(
        r["errors"][0]["extensions"]["existingId"],
        id.as_str(),
        "{r}"
    );

    // The nominee's own household cannot endorse (the nominee, or anyone living with them).
    assert_eq!(
        error_code(&endorse(&app, c.t(NOMINEE), &id).await),
        "FORBIDDEN"
    );
    // Twice is a CONFLICT; the count stays exact.
    endorse(&app, c.t(NEIGHBOUR), &id).await;
    assert_eq!(
        error_code(&endorse(&app, c.t(NEIGHBOUR), &id).await),
        "CONFLICT"
    );
    // Only the nominee consents, and only once.
    assert_eq!(
        error_code(&consent(&app, c.t(NEIGHBOUR), &id, true).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&consent(&app, c.t(NOMINEE), &id, false).await),
        "INVALID_STATE"
    );
    // Residents do not shortlist, announce, advance or create campaigns.
    assert_eq!(
        error_code(
            &app.gql(
                Some(c.t(NEIGHBOUR)),
                "mutation($c:ID!){ advanceCampaign(campaignId:$c){ id } }",
                json!({ "c": c.id })
            )
            .await
        ),
        "FORBIDDEN"
    );
    let r = create(&app, c.t(NEIGHBOUR), &c.w.community_id, 5).await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");
    let r = create(&app, &stranger, &c.w.community_id, 5).await;
    assert_eq!(
        error_code(&r),
        "NOT_FOUND",
        "another community's committee: {r}"
    );
    // Another community's residents do not find the campaign or the nomination.
    let stranger = stranger.as_str();
    assert_eq!(
        error_code(
            &app.gql(
                Some(stranger),
                "query($c:ID!){ awardCampaign(id:$c){ id } }",
                json!({ "c": c.id })
            )
            .await
        ),
        "NOT_FOUND"
    );
    assert_eq!(error_code(&get(&app, stranger, &id).await), "NOT_FOUND");
    assert_eq!(error_code(&endorse(&app, stranger, &id).await), "NOT_FOUND");

    // Outside the windows: nominating while endorsing, endorsing while reviewing.
    advance(&app, &c).await;
    let late = nominate(&app, c.t(NEIGHBOUR), &c, &c.resident, &resident, STORY).await;
    assert_eq!(error_code(&late), "INVALID_STATE", "{late}");
    advance(&app, &c).await;
    assert_eq!(
        error_code(&endorse(&app, c.t(NOMINATOR), &id).await),
        "INVALID_STATE"
    );
    let after = get(&app, c.t(COMMITTEE), &id).await;
    assert_eq!(
        after["data"]["nomination"]["endorsementCount"], 1,
        "{after}"
    );
    // Winners must be qualified or shortlisted (this one has 1 of 5 endorsements).
    let r = announce(&app, &c, &[&id]).await;
    assert_eq!(field(&r), "nominationIds", "{r}");
}

#[tokio::test]
async fn a_declined_nomination_stays_private_and_blocks_a_second_nomination() {
    let app = TestApp::spawn().await;
    let c = campaign(&app, 1).await;
    let resident = c.w.person(NOMINEE).resident_id.clone();
    let r = nominate(&app, c.t(NOMINATOR), &c, &c.resident, &resident, STORY).await;
    let id = s(&r["data"]["nominate"]["id"]);
    let r = consent(&app, c.t(NOMINEE), &id, false).await;
    assert_eq!(
        r["data"]["consentToNomination"]["status"], "DECLINED",
        "{r}"
    );
    assert!(kinds_for(&app, c.t(NOMINATOR))
        .await
        .contains(&"NOMINATION_DECLINED".into()));
    assert_eq!(
        error_code(&get(&app, c.t(NEIGHBOUR), &id).await),
        "NOT_FOUND"
    );
    assert_eq!(
        error_code(&endorse(&app, c.t(NEIGHBOUR), &id).await),
        "NOT_FOUND"
    );
    let again = nominate(&app, c.t(NEIGHBOUR), &c, &c.resident, &resident, STORY).await;
    assert_eq!(error_code(&again), "CONFLICT", "{again}");
    assert!(again["errors"][0]["extensions"].get("existingId").is_none());
    // A self-nomination needs no consent.
    let me = c.w.person(NEIGHBOUR).resident_id.clone();
    let r = nominate(&app, c.t(NEIGHBOUR), &c, &c.resident, &me, STORY).await;
    assert_eq!(r["data"]["nominate"]["status"], "OPEN", "{r}");
}

#[tokio::test]
async fn the_public_vote_is_an_approval_ballot_over_a_category_shortlist() {
    let app = TestApp::spawn().await;
    let c = campaign(&app, 1).await;
    // Two qualified households, both shortlisted.
    let ids = qualified_households(
        &app,
        &c,
        &[
            (NOMINATOR, NOMINEE, NEIGHBOUR),
            (NEIGHBOUR, NOMINATOR, NOMINEE),
            (NOMINATOR, RESIDENT, NEIGHBOUR),
        ],
    )
    .await;
    let open = |extra: Value| {
        let mut input = json!({
            "campaignId": c.id, "categoryId": c.household, "question": "文明家庭评选",
            "kind": "CHOICE", "electorate": "RESIDENTS", "rule": "PLURALITY", "secret": true,
            "closesAt": (Utc::now() + Duration::days(3)).to_rfc3339(),
        });
        if let (Some(i), Some(e)) = (input.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                i.insert(k.clone(), v.clone());
            }
        }
        input
    };
    const OPEN: &str = "mutation($i:OpenBallotInput!){ openBallot(input:$i){ id method maxChoices \
        campaignId categoryId options { id label nominationId } } }";
    // The server states where a vote may be opened; the portal shows the button from it.
    let openable = |who: &'static str| {
        let (app, c) = (&app, &c);
        async move {
            let r = app
                .ok(
                    Some(c.t(who)),
                    "query($c:ID!){ awardCampaign(id:$c){ viewerCan { openBallot openBallotCategoryIds } } }",
                    json!({ "c": c.id }),
                )
                .await;
            r["awardCampaign"]["viewerCan"]["openBallotCategoryIds"].clone()
        }
    };
    // Not before REVIEWING, and not before two are shortlisted.
    let r = app
        .gql(Some(c.t(COMMITTEE)), OPEN, json!({ "i": open(json!({})) }))
        .await;
    assert_eq!(error_code(&r), "INVALID_STATE", "{r}");
    assert_eq!(openable(COMMITTEE).await, json!([]));
    advance(&app, &c).await;
    advance(&app, &c).await;
    shortlist(&app, &c, &ids[0], "").await;
    // The nominator and the nominee's household are told.
    for who in [NOMINATOR, NOMINEE] {
        assert!(
            kinds_for(&app, c.t(who))
                .await
                .contains(&"NOMINATION_SHORTLISTED".to_owned()),
            "{who}"
        );
    }
    assert!(!kinds_for(&app, c.t(RESIDENT))
        .await
        .contains(&"NOMINATION_SHORTLISTED".to_owned()));
    let r = app
        .gql(Some(c.t(COMMITTEE)), OPEN, json!({ "i": open(json!({})) }))
        .await;
    assert_eq!(error_code(&r), "INVALID_STATE", "one shortlisted: {r}");
    assert_eq!(openable(COMMITTEE).await, json!([]));
    shortlist(&app, &c, &ids[1], "邻里评价很高").await;
    assert_eq!(openable(COMMITTEE).await, json!([c.household]));
    assert_eq!(openable(NEIGHBOUR).await, json!([]));
    // The options are the server's; the method is APPROVAL.
    let r = app
        .gql(
            Some(c.t(COMMITTEE)),
            OPEN,
            json!({ "i": open(json!({ "options": [{ "label": "甲" }, { "label": "乙" }] })) }),
        )
        .await;
    assert_eq!(s(&r["errors"][0]["extensions"]["field"]), "options", "{r}");
    let r = app
        .gql(
            Some(c.t(COMMITTEE)),
            OPEN,
            json!({ "i": open(json!({ "method": "SINGLE" })) }),
        )
        .await;
    assert_eq!(s(&r["errors"][0]["extensions"]["field"]), "method", "{r}");
    let r = app
        .gql(Some(c.t(RESIDENT)), OPEN, json!({ "i": open(json!({})) }))
        .await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");
    let r = app
        .gql(Some(c.t(COMMITTEE)), OPEN, json!({ "i": open(json!({})) }))
        .await;
    let b = &r["data"]["openBallot"];
    assert_eq!(b["method"], "APPROVAL", "{r}");
    assert_eq!(b["maxChoices"], 1, "the category's winners");
    assert_eq!(b["campaignId"], c.id.as_str());
    let mut options: Vec<String> = b["options"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|o| s(&o["nominationId"]))
        .collect();
    options.sort();
    let mut expected = ids[..2].to_vec();
    expected.sort();
    assert_eq!(options, expected, "{r}");
    // A vote's options are fixed: nothing is shortlisted into its category while it is open.
    let r = shortlist(&app, &c, &ids[2], "").await;
    assert_eq!(error_code(&r), "INVALID_STATE", "{r}");
    // One open vote per category; no announcement while it is open.
    let again = app
        .gql(Some(c.t(COMMITTEE)), OPEN, json!({ "i": open(json!({})) }))
        .await;
    assert_eq!(error_code(&again), "CONFLICT", "{again}");
    assert_eq!(openable(COMMITTEE).await, json!([]));
    // Every resident is told the vote is open, with the campaign it belongs to.
    let told = app
        .ok(
            Some(c.t(NEIGHBOUR)),
            "{ notifications(first:50){ nodes { kind params } } }",
            json!({}),
        )
        .await;
    let opened: Vec<&Value> = told["notifications"]["nodes"]
        .as_array()
        .map(|n| n.iter().filter(|n| n["kind"] == "BALLOT_OPENED").collect())
        .unwrap_or_default();
    assert_eq!(opened.len(), 1, "{told}");
    let params: Value = match &opened[0]["params"] {
        Value::String(text) => serde_json::from_str(text).unwrap_or_default(),
        other => other.clone(),
    };
    assert_eq!(params["campaignId"], c.id.as_str(), "{params}");
    assert_eq!(params["ballotId"], b["id"], "{params}");
    assert_eq!(
        error_code(&announce(&app, &c, &[&ids[0]]).await),
        "INVALID_STATE"
    );
    // Residents vote on it like on any ballot.
    let option = s(&b["options"][0]["id"]);
    let ballot = s(&b["id"]);
    let vote = app
        .gql(
            Some(c.t(NEIGHBOUR)),
            "mutation($b:ID!,$o:[ID!]!){ castVote(ballotId:$b, optionIds:$o){ receipt } }",
            json!({ "b": ballot, "o": [option] }),
        )
        .await;
    assert!(vote.get("errors").is_none(), "{vote}");
    let votes = app
        .ok(
            Some(c.t(NEIGHBOUR)),
            "query($c:ID!){ awardCampaign(id:$c){ votes { id categoryId status } } }",
            json!({ "c": c.id }),
        )
        .await;
    assert_eq!(
        votes["awardCampaign"]["votes"][0]["id"],
        ballot.as_str(),
        "{votes}"
    );
    assert_eq!(
        votes["awardCampaign"]["votes"][0]["categoryId"],
        c.household.as_str()
    );
}

/// Five nominations in `c`: a building, three residents who nominate themselves, then the
/// nominee's household (waiting for its consent: public to no one else yet).
async fn five_nominations(app: &TestApp, c: &Campaign) {
    let (building, _) = buildings(app, &c.w).await.remove(0);
    let r = nominate(app, c.t(NOMINATOR), c, &c.building, &building, STORY).await;
    assert!(r.get("errors").is_none(), "{r}");
    for phone in [NOMINATOR, NEIGHBOUR, RESIDENT] {
        let me = c.w.person(phone).resident_id.clone();
        let r = nominate(app, c.t(phone), c, &c.resident, &me, STORY).await;
        assert!(r.get("errors").is_none(), "{r}");
    }
    let home = c.w.person(NOMINEE).household_id.clone();
    let r = nominate(app, c.t(NOMINATOR), c, &c.household, &home, STORY).await;
    assert!(r.get("errors").is_none(), "{r}");
}

#[tokio::test]
async fn a_page_of_nominations_costs_the_same_statements_whatever_its_size() {
    // No background job runs while statements are counted (its statements would land in a
    // request's window: seen once on PostgreSQL under load).
    let app = TestApp::spawn_quiet().await;
    let c = campaign(&app, 1).await;
    five_nominations(&app, &c).await;
    let query = |first: i32| {
        format!(
            "{{ awardCampaign(id:\"{}\"){{ nominations(first:{first}){{ nodes {{ {NOMINATION} }} }} }} }}",
            c.id
        )
    };
    // Two rows already name a building and a resident (the most lookups a page makes).
    let (small, one) = app
        .statements_of(Some(c.t(NEIGHBOUR)), &query(2), json!({}))
        .await;
    let (large, all) = app
        .statements_of(Some(c.t(NEIGHBOUR)), &query(50), json!({}))
        .await;
    let nodes = |r: &Value| {
        r["data"]["awardCampaign"]["nominations"]["nodes"]
            .as_array()
            .map(Vec::len)
    };
    // The household's nomination waits for its consent: not listed for a neighbour.
    assert_eq!((nodes(&one), nodes(&all)), (Some(2), Some(4)), "{all}");
    assert_eq!(
        small.len(),
        large.len(),
        "first: 2 ran {} statements, first: 50 ran {}:\n{}",
        small.len(),
        large.len(),
        large.join("\n")
    );

    // Every field of a nomination, not only the portal's: for a neighbour and the committee.
    let types = crate::reads::schema_types(&app, c.t(NEIGHBOUR)).await;
    let cases: Vec<(String, String)> = crate::reads::field_selections(&types, "Nomination", 2)
        .into_iter()
        .map(|(n, s)| (format!("Nomination.{n}"), s))
        .collect();
    assert!(cases.len() >= 10, "{cases:?}");
    let list = format!(
        "query($n:Int){{ awardCampaign(id:\"{}\"){{ nominations(first:$n){{ nodes {{ id {{sel}} }} }} }} }}",
        c.id
    );
    let mut differ = Vec::new();
    for (token, sizes) in [(c.t(NEIGHBOUR), (2, 4)), (c.t(COMMITTEE), (2, 5))] {
        let (grows, bounded) =
            crate::reads::per_item_statements(&app, token, &list, &json!({}), &cases, sizes).await;
        differ.extend(grows);
        assert!(bounded.is_empty(), "{bounded:?}");
    }
    assert!(
        differ.is_empty(),
        "per-nomination statements:\n{}",
        differ.join("\n")
    );
}

/// The committee's list of campaigns says where each one may open a public vote, in the same
/// statements for one campaign under review as for three (their shortlists and open votes are
/// read together), and nothing for a resident.
#[tokio::test]
async fn where_votes_may_open_costs_the_same_statements_for_one_campaign_as_for_three() {
    let app = TestApp::spawn_quiet().await;
    let first = campaign(&app, 1).await;
    let committee = first.t(COMMITTEE).to_owned();
    let reviewing = |id: String| {
        let (app, committee) = (&app, committee.clone());
        async move {
            for _ in 0..2 {
                app.ok(
                    Some(&committee),
                    "mutation($c:ID!){ advanceCampaign(campaignId:$c){ phase } }",
                    json!({ "c": id }),
                )
                .await;
            }
        }
    };
    reviewing(first.id.clone()).await;
    let q = "query($c:ID!){ awardCampaigns(communityId:$c, first:20){ nodes { id \
             viewerCan { openBallot openBallotCategoryIds } } } }";
    let vars = json!({ "c": first.w.community_id });
    let (one, r) = app.statements_of(Some(&committee), q, vars.clone()).await;
    let nodes = &r["data"]["awardCampaigns"]["nodes"];
    assert_eq!(nodes.as_array().map(Vec::len), Some(1), "{r}");
    assert_eq!(nodes[0]["viewerCan"]["openBallot"], true, "{r}");
    assert_eq!(
        nodes[0]["viewerCan"]["openBallotCategoryIds"],
        json!([]),
        "{r}"
    );
    for _ in 0..2 {
        let made = create(&app, &committee, &first.w.community_id, 1).await;
        reviewing(s(&made["data"]["createAwardCampaign"]["id"])).await;
    }
    let (three, r) = app.statements_of(Some(&committee), q, vars.clone()).await;
    assert_eq!(
        r["data"]["awardCampaigns"]["nodes"]
            .as_array()
            .map(Vec::len),
        Some(3),
        "{r}"
    );
    assert_eq!(
        one.len(),
        three.len(),
        "one campaign ran {one:#?}\nthree ran {three:#?}"
    );
    let (_, r) = app.statements_of(Some(first.t(RESIDENT)), q, vars).await;
    for n in r["data"]["awardCampaigns"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
    {
        assert_eq!(n["viewerCan"]["openBallotCategoryIds"], json!([]), "{r}");
    }

    // Every field of a campaign, not only the portal's, in a list of four: for the committee
    // and for a resident.
    create(&app, &committee, &first.w.community_id, 1).await;
    let types = crate::reads::schema_types(&app, &committee).await;
    let cases: Vec<(String, String)> = crate::reads::field_selections(&types, "AwardCampaign", 2)
        .into_iter()
        .map(|(n, s)| (format!("AwardCampaign.{n}"), s))
        .collect();
    assert!(cases.len() >= 10, "{cases:?}");
    let list =
        "query($c:ID!,$n:Int){ awardCampaigns(communityId:$c, first:$n){ nodes { id {sel} } } }";
    let vars = json!({ "c": first.w.community_id });
    let mut differ = Vec::new();
    for token in [committee.as_str(), first.t(RESIDENT)] {
        let (grows, bounded) =
            crate::reads::per_item_statements(&app, token, list, &vars, &cases, (2, 4)).await;
        differ.extend(grows);
        assert!(bounded.is_empty(), "{bounded:?}");
    }
    assert!(
        differ.is_empty(),
        "per-campaign statements:\n{}",
        differ.join("\n")
    );
}

#[tokio::test]
async fn the_demo_seeds_a_campaign_in_its_endorsing_window_and_one_on_the_honour_roll() {
    let app = TestApp::spawn_with(|s| s.job_interval_ms = 3_600_000).await;
    api::demo::seed_and_print(&app.state, app.port)
        .await
        .unwrap_or_else(|e| panic!("demo seed: {e}"));
    let resident = app.sign_in("13800000009", api::demo::DEMO_PASSWORD).await;
    let community = app
        .ok(Some(&resident), "{ communities { id } }", json!({}))
        .await["communities"][0]["id"]
        .clone();
    let r = app
        .ok(
            Some(&resident),
            "query($w:ID!){ awardCampaigns(communityId:$w, first:5){ nodes { title year phase \
             nominations(first:20){ nodes { status endorsementCount } } } } \
             honourRoll(communityId:$w){ year category { name } nominee { name } } \
             needsMe(communityId:$w){ nominations { id viewerCan { consent } } } }",
            json!({ "w": community }),
        )
        .await;
    let campaigns = r["awardCampaigns"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let phases: Vec<(i64, String)> = campaigns
        .iter()
        .map(|c| (c["year"].as_i64().unwrap_or(0), s(&c["phase"])))
        .collect();
    assert_eq!(
        phases,
        [
            (2026, "ENDORSING".to_owned()),
            (2025, "ANNOUNCED".to_owned())
        ],
        "{r}"
    );
    let open: Vec<String> = campaigns[0]["nominations"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|n| s(&n["status"]))
        .collect();
    assert!(
        open.contains(&"OPEN".to_owned()) && open.contains(&"QUALIFIED".to_owned()),
        "{r}"
    );
    let roll = r["honourRoll"].as_array().cloned().unwrap_or_default();
    assert_eq!(roll.len(), 3, "{r}");
    assert!(roll.iter().all(|a| a["year"] == 2025));
    // 周强 is asked for his consent on Home.
    assert_eq!(
        r["needsMe"]["nominations"][0]["viewerCan"]["consent"], true,
        "{r}"
    );
}

/// Campaigns listed with their nominations show, campaign by campaign, what a read of that
/// campaign alone shows: its own nominations, oldest first, a page's worth with whether more
/// follow, and a nomination still waiting for its nominee's consent only to the nominator, the
/// nominee and the committee.
#[tokio::test]
async fn campaigns_listed_with_their_nominations_show_what_each_campaign_alone_shows() {
    let app = TestApp::spawn_quiet().await;
    let c = campaign(&app, 1).await;
    let home = c.w.person(NOMINEE).household_id.clone();
    five_nominations(&app, &c).await;
    // A second campaign: the household first (waiting), then one resident.
    let second = create(&app, c.t(COMMITTEE), &c.w.community_id, 1).await;
    let made = &second["data"]["createAwardCampaign"];
    for (category, nominee, token) in [
        (
            s(&made["categories"][0]["id"]),
            home.clone(),
            c.t(NOMINATOR),
        ),
        (
            s(&made["categories"][2]["id"]),
            c.w.person(NEIGHBOUR).resident_id.clone(),
            c.t(NEIGHBOUR),
        ),
    ] {
        let r = app
            .gql(
                Some(token),
                "mutation($c:ID!,$k:ID!,$n:ID!,$s:String!){ nominate(campaignId:$c, categoryId:$k, nomineeId:$n, story:$s){ id } }",
                json!({ "c": made["id"], "k": category, "n": nominee, "s": STORY }),
            )
            .await;
        assert!(r.get("errors").is_none(), "{r}");
    }
    const PAGE: &str = "nominations(first: 3) { pageInfo { hasNextPage } nodes { id status nominee { name } viewerIsNominee viewerEndorsed } }";
    let viewers = [NEIGHBOUR, NOMINEE, NOMINATOR, COMMITTEE];
    let mut alone_lists = Vec::new();
    for phone in viewers {
        let listed = app
            .ok(
                Some(c.t(phone)),
                &format!("query($w:ID!){{ awardCampaigns(communityId:$w, first: 5){{ nodes {{ id {PAGE} }} }} }}"),
                json!({ "w": c.w.community_id }),
            )
            .await;
        let nodes = listed["awardCampaigns"]["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(nodes.len(), 2, "{listed}");
        for n in &nodes {
            let alone = app
                .ok(
                    Some(c.t(phone)),
                    &format!("query($c:ID!){{ awardCampaign(id:$c){{ id {PAGE} }} }}"),
                    json!({ "c": n["id"] }),
                )
                .await;
            assert_eq!(n, &alone["awardCampaign"], "{phone}");
        }
        // The newest campaign first: its waiting household is shown to the nominator, the
        // nominee and the committee only.
        let waiting = nodes[0]["nominations"]["nodes"].as_array().map_or(0, |l| {
            l.iter()
                .filter(|x| x["status"] == "AWAITING_CONSENT")
                .count()
        });
        let sees = phone != NEIGHBOUR;
        assert_eq!(waiting, usize::from(sees), "{phone}: {listed}");
        assert_eq!(
            nodes[1]["nominations"]["pageInfo"]["hasNextPage"], true,
            "{phone}: {listed}"
        );
        alone_lists.push(listed);
    }
    // The four at once (the loaders serve every request: their keys may share a batch), each
    // shown what it is shown alone.
    let q = format!(
        "query($w:ID!){{ awardCampaigns(communityId:$w, first: 5){{ nodes {{ id {PAGE} }} }} }}"
    );
    for _ in 0..5 {
        let together = futures_util::future::join_all(
            viewers
                .iter()
                .map(|phone| app.ok(Some(c.t(phone)), &q, json!({ "w": c.w.community_id }))),
        )
        .await;
        assert_eq!(together, alone_lists);
    }
}
