//! Dispute mediation (DESIGN §5): the lifecycle end to end, every transition and wrong step,
//! bad input, the agreement's signatures, lists, statistics, overdue flags, reminders and the
//! statements a list costs. The privacy matrix is in `security/mediation.rs`; the races are in
//! `concurrency.rs`.

use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};

use crate::harness::*;

pub const APPLICANT: &str = "13800000005";
pub const RESPONDENT: &str = "13800000002";
pub const OTHER: &str = "13800000004";

pub const CASE: &str = "id number status category fulfilled outsideParty description desiredOutcome \
    declineReason suggestedChannel overdue viewerRoles viewerRating \
    applicant { id name } respondents { id name consent } mediators { id name } \
    agreement { terms version signatures { signerId signedAt } signers { id signedAt } outsidePartySigns outsidePartySignedAt } \
    sessions { id startsAt place } \
    viewerCan { accept decline assign respond withdraw draft sign schedule message note fail followUp close rate recordOutsideConsent recordOutsideSignature }";

pub fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

pub fn q(op: &str) -> String {
    format!("{op}{{ {CASE} }} }}")
}

/// A case in the test community: the applicant (陈静) names 李秀英 as respondent.
pub struct Dispute {
    pub w: World,
    pub id: String,
}

impl Dispute {
    pub fn t(&self, phone: &str) -> &str {
        self.w.token(phone)
    }
    pub fn rid(&self, phone: &str) -> String {
        self.w.person(phone).resident_id.clone()
    }
}

pub async fn file(
    app: &TestApp,
    token: &str,
    community: &str,
    respondents: &[String],
    outside: Option<&str>,
) -> Value {
    app.gql(
        Some(token),
        &q("mutation($i:FileCaseInput!){ fileCase(input:$i)"),
        json!({ "i": {
            "communityId": community,
            "respondentIds": respondents,
            "outsideParty": outside,
            "category": "NOISE",
            "description": "楼上每晚十一点后拖动家具，噪音很大，影响老人休息。",
            "desiredOutcome": "晚上十点后保持安静。",
        }}),
    )
    .await
}

pub async fn dispute(app: &TestApp) -> Dispute {
    let w = app.community().await;
    let respondent = w.person(RESPONDENT).resident_id.clone();
    let resp = file(
        app,
        w.token(APPLICANT),
        &w.community_id,
        &[respondent],
        None,
    )
    .await;
    assert!(resp.get("errors").is_none(), "{resp}");
    Dispute {
        id: s(&resp["data"]["fileCase"]["id"]),
        w,
    }
}

pub async fn get(app: &TestApp, token: &str, id: &str) -> Value {
    app.gql(
        Some(token),
        &q("query($id:ID!){ mediationCase(id:$id)"),
        json!({ "id": id }),
    )
    .await
}

pub async fn accept(app: &TestApp, d: &Dispute) -> Value {
    app.gql(
        Some(d.t(COMMITTEE)),
        &q("mutation($c:ID!,$m:[ID!]!){ acceptCase(caseId:$c, mediatorIds:$m)"),
        json!({ "c": d.id, "m": [d.rid(MEDIATOR)] }),
    )
    .await
}

pub async fn respond(app: &TestApp, token: &str, id: &str, consent: bool) -> Value {
    app.gql(
        Some(token),
        &q("mutation($c:ID!,$y:Boolean!){ respondToCase(caseId:$c, consent:$y)"),
        json!({ "c": id, "y": consent }),
    )
    .await
}

pub async fn draft(app: &TestApp, token: &str, id: &str, terms: &str) -> Value {
    app.gql(
        Some(token),
        &q("mutation($c:ID!,$t:String!){ draftAgreement(caseId:$c, terms:$t)"),
        json!({ "c": id, "t": terms }),
    )
    .await
}

pub async fn sign(app: &TestApp, token: &str, id: &str, version: Option<i64>) -> Value {
    app.gql(
        Some(token),
        &q("mutation($c:ID!,$v:Int){ signAgreement(caseId:$c, version:$v)"),
        json!({ "c": id, "v": version }),
    )
    .await
}

pub async fn simple(app: &TestApp, token: &str, mutation: &str, id: &str) -> Value {
    app.gql(
        Some(token),
        &q(&format!("mutation($c:ID!){{ {mutation}(caseId:$c)")),
        json!({ "c": id }),
    )
    .await
}

/// A case IN_MEDIATION with drafted terms (version 1).
pub async fn in_mediation_with_terms(app: &TestApp) -> Dispute {
    let d = dispute(app).await;
    assert!(accept(app, &d).await.get("errors").is_none());
    let r = respond(app, d.t(RESPONDENT), &d.id, true).await;
    assert_eq!(r["data"]["respondToCase"]["status"], "IN_MEDIATION", "{r}");
    let r = draft(
        app,
        d.t(MEDIATOR),
        &d.id,
        "一、楼上住户晚上十点后不拖动家具。",
    )
    .await;
    assert_eq!(
        r["data"]["draftAgreement"]["agreement"]["version"], 1,
        "{r}"
    );
    d
}

/// The audit actions recorded about a case, oldest first.
async fn audited(app: &TestApp, case_id: &str) -> Vec<String> {
    use sea_orm::QueryOrder;
    entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Subject.eq(case_id))
        .order_by_asc(entity::audit_log::Column::Seq)
        .all(app.db())
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|a| a.action)
        .collect()
}

/// The applicant signs the drafted terms (version 1): one signature.
async fn applicant_signs_first(app: &TestApp, d: &Dispute) {
    let r = sign(app, d.t(APPLICANT), &d.id, Some(1)).await;
    assert_eq!(
        r["data"]["signAgreement"]["agreement"]["signatures"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "{r}"
    );
}

async fn kinds_for(app: &TestApp, token: &str) -> Vec<String> {
    let r = app
        .ok(
            Some(token),
            "{ notifications(first:100){ nodes { kind params } } }",
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

#[tokio::test]
async fn a_case_goes_from_filing_through_consent_and_signatures_to_a_fulfilled_close_and_ratings() {
    let app = TestApp::spawn().await;
    let d = dispute(&app).await;
    let year = Utc::now().format("%Y").to_string();

    let filed = get(&app, d.t(APPLICANT), &d.id).await;
    let c = &filed["data"]["mediationCase"];
    assert_eq!(c["status"], "SUBMITTED");
    assert_eq!(c["number"], format!("{year}-001"));
    assert_eq!(c["applicant"]["id"], d.rid(APPLICANT));
    assert_eq!(c["respondents"][0]["id"], d.rid(RESPONDENT));
    assert_eq!(c["viewerRoles"], json!(["APPLICANT"]));
    assert_eq!(c["viewerCan"]["withdraw"], true);
    assert_eq!(c["viewerCan"]["accept"], false);
    assert!(kinds_for(&app, d.t(COMMITTEE))
        .await
        .contains(&"CASE_FILED".to_owned()));

    // The committee sees it may accept; it accepts with a mediator.
    let seen = get(&app, d.t(COMMITTEE), &d.id).await;
    assert_eq!(seen["data"]["mediationCase"]["viewerCan"]["accept"], true);
    let r = accept(&app, &d).await;
    assert_eq!(r["data"]["acceptCase"]["status"], "ACCEPTED", "{r}");
    assert_eq!(
        r["data"]["acceptCase"]["mediators"][0]["id"],
        d.rid(MEDIATOR)
    );
    assert!(kinds_for(&app, d.t(RESPONDENT))
        .await
        .contains(&"CASE_CONSENT_REQUESTED".to_owned()));
    assert!(kinds_for(&app, d.t(MEDIATOR))
        .await
        .contains(&"CASE_ASSIGNED".to_owned()));
    assert!(kinds_for(&app, d.t(APPLICANT))
        .await
        .contains(&"CASE_ACCEPTED".to_owned()));

    // The respondent consents: mediation starts.
    let mine = get(&app, d.t(RESPONDENT), &d.id).await;
    assert_eq!(mine["data"]["mediationCase"]["viewerCan"]["respond"], true);
    let r = respond(&app, d.t(RESPONDENT), &d.id, true).await;
    assert_eq!(r["data"]["respondToCase"]["status"], "IN_MEDIATION", "{r}");
    assert_eq!(
        r["data"]["respondToCase"]["respondents"][0]["consent"],
        true
    );

    // A session, a message, a private note.
    let at = (Utc::now() + Duration::days(3)).to_rfc3339();
    let r = app
        .gql(
            Some(d.t(MEDIATOR)),
            &q("mutation($c:ID!,$at:DateTime!){ scheduleCaseSession(caseId:$c, startsAt:$at, place:\"社区调解室\")"),
            json!({ "c": d.id, "at": at }),
        )
        .await;
    assert_eq!(
        r["data"]["scheduleCaseSession"]["sessions"][0]["place"], "社区调解室",
        "{r}"
    );
    assert!(kinds_for(&app, d.t(APPLICANT))
        .await
        .contains(&"CASE_SESSION_SCHEDULED".to_owned()));
    let r = app
        .gql(
            Some(d.t(RESPONDENT)),
            &q("mutation($c:ID!){ postCaseMessage(caseId:$c, body:\"我愿意调整作息。\")"),
            json!({ "c": d.id }),
        )
        .await;
    assert!(r.get("errors").is_none(), "{r}");
    let r = app
        .gql(
            Some(d.t(MEDIATOR)),
            &q("mutation($c:ID!){ addCaseNote(caseId:$c, body:\"双方态度良好。\")"),
            json!({ "c": d.id }),
        )
        .await;
    assert!(r.get("errors").is_none(), "{r}");
    let tl = app
        .ok(
            Some(d.t(APPLICANT)),
            "query($id:ID!){ mediationCase(id:$id){ timeline(first:50){ nodes { kind body author { id } } } notes { body } } }",
            json!({ "id": d.id }),
        )
        .await;
    let kinds: Vec<String> = tl["mediationCase"]["timeline"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|n| s(&n["kind"]))
        .collect();
    assert_eq!(
        kinds,
        [
            "FILED",
            "ACCEPTED",
            "MEDIATORS_ASSIGNED",
            "CONSENTED",
            "MEDIATION_STARTED",
            "SESSION_SCHEDULED",
            "MESSAGE"
        ]
    );
    assert_eq!(
        tl["mediationCase"]["notes"],
        Value::Null,
        "a party never reads notes"
    );

    // The agreement: drafted, signed by all three; the last signature makes it AGREED.
    let r = draft(&app, d.t(MEDIATOR), &d.id, "一、晚上十点后不拖动家具。").await;
    let version = r["data"]["draftAgreement"]["agreement"]["version"].as_i64();
    assert_eq!(version, Some(1), "{r}");
    assert!(kinds_for(&app, d.t(APPLICANT))
        .await
        .contains(&"CASE_AGREEMENT_READY".to_owned()));
    for phone in [APPLICANT, RESPONDENT] {
        let r = sign(&app, d.t(phone), &d.id, version).await;
        assert_eq!(r["data"]["signAgreement"]["status"], "IN_MEDIATION", "{r}");
    }
    let r = sign(&app, d.t(MEDIATOR), &d.id, version).await;
    let c = &r["data"]["signAgreement"];
    assert_eq!(c["status"], "AGREED", "{r}");
    assert_eq!(
        c["agreement"]["signatures"].as_array().map(Vec::len),
        Some(3)
    );
    assert!(c["agreement"]["signers"]
        .as_array()
        .is_some_and(|v| v.iter().all(|s| !s["signedAt"].is_null())));

    // Follow-up: fulfilled; then closed; then each party rates once.
    let r = app
        .gql(
            Some(d.t(MEDIATOR)),
            &q("mutation($c:ID!){ followUpCase(caseId:$c, fulfilled:true, note:\"回访：已履行。\")"),
            json!({ "c": d.id }),
        )
        .await;
    assert_eq!(r["data"]["followUpCase"]["status"], "FULFILLED", "{r}");
    assert_eq!(r["data"]["followUpCase"]["fulfilled"], true);
    let r = simple(&app, d.t(COMMITTEE), "closeCase", &d.id).await;
    assert_eq!(r["data"]["closeCase"]["status"], "CLOSED", "{r}");
    assert_eq!(
        r["data"]["closeCase"]["fulfilled"], true,
        "a closed case keeps it"
    );
    let rate = q("mutation($c:ID!,$n:Int!){ rateCase(caseId:$c, stars:$n)");
    let r = app
        .gql(Some(d.t(APPLICANT)), &rate, json!({ "c": d.id, "n": 5 }))
        .await;
    assert_eq!(r["data"]["rateCase"]["viewerRating"], 5, "{r}");
    assert_eq!(
        app.err_code(Some(d.t(APPLICANT)), &rate, json!({ "c": d.id, "n": 4 }))
            .await,
        "CONFLICT"
    );
    assert_eq!(
        app.err_code(Some(d.t(MEDIATOR)), &rate, json!({ "c": d.id, "n": 4 }))
            .await,
        "FORBIDDEN"
    );

    // Audited: accept and every outcome.
    let actions: Vec<String> = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Subject.eq(d.id.clone()))
        .all(app.db())
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert_eq!(
        actions,
        ["case.accept", "case.outcome", "case.outcome", "case.close"]
    );
}

#[tokio::test]
async fn wrong_steps_answer_invalid_state_and_change_nothing() {
    let app = TestApp::spawn().await;
    let d = dispute(&app).await;
    // Before acceptance: no consent, no drafting, no follow-up, no rating, no closing.
    assert_eq!(
        error_code(&respond(&app, d.t(RESPONDENT), &d.id, true).await),
        "INVALID_STATE"
    );
    assert_eq!(
        error_code(&draft(&app, d.t(COMMITTEE), &d.id, "条款").await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&simple(&app, d.t(COMMITTEE), "closeCase", &d.id).await),
        "INVALID_STATE"
    );
    accept(&app, &d).await;
    // Accepting twice, declining an accepted case.
    assert_eq!(error_code(&accept(&app, &d).await), "INVALID_STATE");
    let decline = q("mutation($c:ID!){ declineCase(caseId:$c, reason:\"已转派出所\")");
    assert_eq!(
        app.err_code(Some(d.t(COMMITTEE)), &decline, json!({ "c": d.id }))
            .await,
        "INVALID_STATE"
    );
    // Drafting before mediation starts.
    assert_eq!(
        error_code(&draft(&app, d.t(MEDIATOR), &d.id, "条款").await),
        "INVALID_STATE"
    );
    respond(&app, d.t(RESPONDENT), &d.id, true).await;
    // Answering twice.
    assert_eq!(
        error_code(&respond(&app, d.t(RESPONDENT), &d.id, false).await),
        "INVALID_STATE"
    );
    // Signing before terms exist.
    assert_eq!(
        error_code(&sign(&app, d.t(APPLICANT), &d.id, None).await),
        "INVALID_STATE"
    );
    // Following up before an agreement.
    let follow = q("mutation($c:ID!){ followUpCase(caseId:$c, fulfilled:true, note:\"回访\")");
    assert_eq!(
        app.err_code(Some(d.t(MEDIATOR)), &follow, json!({ "c": d.id }))
            .await,
        "INVALID_STATE"
    );
    // Failing it: the mediator names the channel; then no withdrawal, no messages.
    let fail = q("mutation($c:ID!){ failCase(caseId:$c, suggestedChannel:\"建议向人民法院起诉\")");
    let r = app
        .gql(Some(d.t(MEDIATOR)), &fail, json!({ "c": d.id }))
        .await;
    assert_eq!(r["data"]["failCase"]["status"], "FAILED", "{r}");
    assert_eq!(
        r["data"]["failCase"]["suggestedChannel"],
        "建议向人民法院起诉"
    );
    assert_eq!(
        error_code(&simple(&app, d.t(APPLICANT), "withdrawCase", &d.id).await),
        "INVALID_STATE"
    );
    let after = get(&app, d.t(APPLICANT), &d.id).await;
    assert_eq!(after["data"]["mediationCase"]["status"], "FAILED");
    assert_eq!(
        after["data"]["mediationCase"]["viewerCan"]["message"],
        false
    );
    assert!(kinds_for(&app, d.t(APPLICANT))
        .await
        .contains(&"CASE_FAILED".to_owned()));
}

#[tokio::test]
async fn a_declined_case_and_a_refused_one_end_and_close() {
    let app = TestApp::spawn().await;
    let d = dispute(&app).await;
    let decline = q("mutation($c:ID!,$r:String!){ declineCase(caseId:$c, reason:$r)");
    assert_eq!(
        app.err_code(
            Some(d.t(COMMITTEE)),
            &decline,
            json!({ "c": d.id, "r": "  " })
        )
        .await,
        "BAD_USER_INPUT"
    );
    let r = app
        .gql(
            Some(d.t(COMMITTEE)),
            &decline,
            json!({ "c": d.id, "r": "涉及治安，已转派出所处理" }),
        )
        .await;
    assert_eq!(r["data"]["declineCase"]["status"], "DECLINED", "{r}");
    let seen = get(&app, d.t(APPLICANT), &d.id).await;
    assert_eq!(
        seen["data"]["mediationCase"]["declineReason"],
        "涉及治安，已转派出所处理"
    );
    assert!(kinds_for(&app, d.t(APPLICANT))
        .await
        .contains(&"CASE_DECLINED".to_owned()));
    assert!(
        !kinds_for(&app, d.t(RESPONDENT))
            .await
            .contains(&"CASE_DECLINED".to_owned()),
        "the respondent, never asked, is not told of a declined request"
    );
    let r = simple(&app, d.t(COMMITTEE), "closeCase", &d.id).await;
    assert_eq!(r["data"]["closeCase"]["status"], "CLOSED", "{r}");
    assert_eq!(audited(&app, &d.id).await, ["case.decline", "case.close"]);

    // A refusal by a respondent ends the second case.
    let second = file(
        &app,
        d.t(APPLICANT),
        &d.w.community_id,
        &[d.rid(RESPONDENT)],
        None,
    )
    .await;
    let id = s(&second["data"]["fileCase"]["id"]);
    assert!(s(&second["data"]["fileCase"]["number"]).ends_with("-002"));
    let d2 = Dispute { w: d.w, id };
    accept(&app, &d2).await;
    let r = respond(&app, d2.t(RESPONDENT), &d2.id, false).await;
    assert_eq!(
        r["data"]["respondToCase"]["status"], "RESPONDENT_DECLINED",
        "{r}"
    );
    assert!(kinds_for(&app, d2.t(APPLICANT))
        .await
        .contains(&"CASE_RESPONDENT_DECLINED".to_owned()));
}

const ASSIGN: &str = "mutation($c:ID!,$m:[ID!]!){ assignMediators(caseId:$c, mediatorIds:$m)";
const ROLE: &str = "mutation($r:ID!,$role:Role!,$grant:Boolean!){ \
    g: grantRole(residentId:$r, role:$role) @include(if:$grant) { id } \
    r: revokeRole(residentId:$r, role:$role) @skip(if:$grant) { id } }";

async fn set_mediator(app: &TestApp, d: &Dispute, phone: &str, grant: bool) {
    app.ok(
        Some(d.t(COMMITTEE)),
        ROLE,
        json!({ "r": d.rid(phone), "role": "MEDIATOR", "grant": grant }),
    )
    .await;
}

/// The committee replaces a case's mediators while it is open: only MEDIATOR role holders, never
/// a party; the change voids every signature of the drafted terms (they are signed again under
/// the new mediator), the new mediator is told and reads the case, the old one no longer does,
/// and the change is audited. A case with an outcome is not reassigned.
#[tokio::test]
async fn the_committee_reassigns_mediators_which_voids_signatures_and_is_audited() {
    let app = TestApp::spawn().await;
    let d = in_mediation_with_terms(&app).await;
    applicant_signs_first(&app, &d).await;
    let assign = q(ASSIGN);
    let refused = |r: &Value, code: &str| {
        assert_eq!(r["errors"][0]["extensions"]["code"], code, "{r}");
    };
    // 刘芳 does not hold the MEDIATOR role yet; a party never mediates; a party never assigns.
    let other = d.rid(OTHER);
    let r = app
        .gql(
            Some(d.t(COMMITTEE)),
            &assign,
            json!({ "c": d.id, "m": [other] }),
        )
        .await;
    refused(&r, "BAD_USER_INPUT");
    assert_eq!(r["errors"][0]["extensions"]["field"], "mediatorIds", "{r}");
    let r = app
        .gql(
            Some(d.t(COMMITTEE)),
            &assign,
            json!({ "c": d.id, "m": [d.rid(RESPONDENT)] }),
        )
        .await;
    refused(&r, "BAD_USER_INPUT");
    let r = app
        .gql(
            Some(d.t(APPLICANT)),
            &assign,
            json!({ "c": d.id, "m": [other] }),
        )
        .await;
    refused(&r, "FORBIDDEN");
    let unchanged = get(&app, d.t(COMMITTEE), &d.id).await;
    let case = &unchanged["data"]["mediationCase"];
    assert_eq!(case["mediators"][0]["id"], d.rid(MEDIATOR).as_str());
    assert_eq!(case["agreement"]["version"], 1);

    set_mediator(&app, &d, OTHER, true).await;
    let r = app
        .gql(
            Some(d.t(COMMITTEE)),
            &assign,
            json!({ "c": d.id, "m": [other] }),
        )
        .await;
    let case = &r["data"]["assignMediators"];
    assert_eq!(case["mediators"][0]["name"], "刘芳", "{r}");
    assert_eq!(case["mediators"].as_array().map(Vec::len), Some(1));
    // The applicant's signature belonged to terms signed with another mediator.
    assert_eq!(case["agreement"]["version"], 2, "{r}");
    assert_eq!(case["agreement"]["signatures"], json!([]), "{r}");
    assert_eq!(
        case["agreement"]["terms"],
        "一、楼上住户晚上十点后不拖动家具。"
    );
    assert!(kinds_for(&app, d.t(OTHER))
        .await
        .contains(&"CASE_ASSIGNED".to_owned()));
    let seen = get(&app, d.t(OTHER), &d.id).await;
    assert_eq!(
        seen["data"]["mediationCase"]["viewerCan"]["draft"], true,
        "{seen}"
    );
    let gone = get(&app, d.t(MEDIATOR), &d.id).await;
    assert_eq!(
        gone["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{gone}"
    );
    // The parties sign again, then the new mediator: agreed.
    for who in [APPLICANT, RESPONDENT, OTHER] {
        let r = sign(&app, d.t(who), &d.id, Some(2)).await;
        assert!(r.get("errors").is_none(), "{who}: {r}");
    }
    let agreed = get(&app, d.t(COMMITTEE), &d.id).await;
    assert_eq!(agreed["data"]["mediationCase"]["status"], "AGREED");
    // An agreed case may get a new mediator for its follow-up; the signed agreement stays.
    let r = app
        .gql(
            Some(d.t(COMMITTEE)),
            &assign,
            json!({ "c": d.id, "m": [d.rid(MEDIATOR)] }),
        )
        .await;
    let case = &r["data"]["assignMediators"];
    assert_eq!(case["status"], "AGREED", "{r}");
    assert_eq!(case["agreement"]["version"], 2, "{r}");
    assert_eq!(
        case["agreement"]["signatures"].as_array().map(Vec::len),
        Some(3),
        "{r}"
    );
    let seen = get(&app, d.t(MEDIATOR), &d.id).await;
    assert_eq!(
        seen["data"]["mediationCase"]["viewerCan"]["followUp"], true,
        "{seen}"
    );
    // An agreed case closes only after its follow-up.
    let r = simple(&app, d.t(COMMITTEE), "closeCase", &d.id).await;
    refused(&r, "INVALID_STATE");
    assert_eq!(
        audited(&app, &d.id).await,
        ["case.accept", "case.assign", "case.outcome", "case.assign"]
    );
}

/// A respondent who moves out before answering cannot hold a case in ACCEPTED for ever: its
/// mediator ends it without agreement, naming the channel, and the committee closes it. A
/// mediator whose MEDIATOR role is revoked no longer reads or acts on the cases assigned to them
/// (NOT_FOUND, and gone from their list) until the role is granted again or the committee
/// reassigns the case.
#[tokio::test]
async fn a_case_whose_respondent_moved_out_ends_and_a_revoked_mediator_loses_the_case() {
    let app = TestApp::spawn().await;
    let d = dispute(&app).await;
    assert!(accept(&app, &d).await.get("errors").is_none());
    let seen = get(&app, d.t(MEDIATOR), &d.id).await;
    assert_eq!(seen["data"]["mediationCase"]["status"], "ACCEPTED");
    assert_eq!(
        seen["data"]["mediationCase"]["viewerCan"]["fail"], true,
        "{seen}"
    );
    let applicant = get(&app, d.t(APPLICANT), &d.id).await;
    assert_eq!(
        applicant["data"]["mediationCase"]["viewerCan"]["fail"],
        false
    );

    app.ok(
        Some(d.t(COMMITTEE)),
        "mutation($r:ID!){ deactivateResident(residentId:$r){ id } }",
        json!({ "r": d.rid(RESPONDENT) }),
    )
    .await;
    let fail = q("mutation($c:ID!,$s:String!){ failCase(caseId:$c, suggestedChannel:$s)");
    let r = app
        .gql(
            Some(d.t(APPLICANT)),
            &fail,
            json!({ "c": d.id, "s": "向人民法院起诉" }),
        )
        .await;
    assert_eq!(r["errors"][0]["extensions"]["code"], "FORBIDDEN", "{r}");
    let r = app
        .gql(
            Some(d.t(MEDIATOR)),
            &fail,
            json!({ "c": d.id, "s": "被申请人已搬离，建议向人民法院起诉" }),
        )
        .await;
    assert_eq!(r["data"]["failCase"]["status"], "FAILED", "{r}");
    assert_eq!(
        r["data"]["failCase"]["suggestedChannel"],
        "被申请人已搬离，建议向人民法院起诉"
    );
    assert!(kinds_for(&app, d.t(APPLICANT))
        .await
        .contains(&"CASE_FAILED".to_owned()));
    let r = simple(&app, d.t(COMMITTEE), "closeCase", &d.id).await;
    assert_eq!(r["data"]["closeCase"]["status"], "CLOSED", "{r}");

    // A second case, with 刘芳 as respondent, mediated by 张伟 until his role is revoked.
    let second = file(
        &app,
        d.t(APPLICANT),
        &d.w.community_id,
        &[d.rid(OTHER)],
        None,
    )
    .await;
    let d2 = Dispute {
        id: s(&second["data"]["fileCase"]["id"]),
        w: d.w,
    };
    assert!(accept(&app, &d2).await.get("errors").is_none());
    let assigned = "query($c:ID!){ assignedCases(communityId:$c, first:10){ nodes { id } } }";
    let listed = |r: Value| node_ids(&r["assignedCases"]);
    let vars = json!({ "c": d2.w.community_id });
    assert!(listed(app.ok(Some(d2.t(MEDIATOR)), assigned, vars.clone()).await).contains(&d2.id));

    set_mediator(&app, &d2, MEDIATOR, false).await;
    let gone = get(&app, d2.t(MEDIATOR), &d2.id).await;
    assert_eq!(
        gone["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{gone}"
    );
    let r = app
        .gql(
            Some(d2.t(MEDIATOR)),
            &fail,
            json!({ "c": d2.id, "s": "建议向人民法院起诉" }),
        )
        .await;
    assert_eq!(r["errors"][0]["extensions"]["code"], "NOT_FOUND", "{r}");
    assert!(listed(app.ok(Some(d2.t(MEDIATOR)), assigned, vars.clone()).await).is_empty());
    // He is no longer among the case's mediators, nor told of what happens in it; the
    // committee sees a case without a mediator and may reassign it.
    let queue = get(&app, d2.t(COMMITTEE), &d2.id).await;
    let case = &queue["data"]["mediationCase"];
    assert_eq!(case["status"], "ACCEPTED");
    assert_eq!(case["mediators"], json!([]), "{queue}");
    assert_eq!(case["viewerCan"]["assign"], true, "{queue}");
    let before = kinds_for(&app, d2.t(MEDIATOR)).await.len();
    let r = app
        .gql(
            Some(d2.t(APPLICANT)),
            &q("mutation($c:ID!){ postCaseMessage(caseId:$c, body:\"请调解员尽快联系我们。\")"),
            json!({ "c": d2.id }),
        )
        .await;
    assert!(r.get("errors").is_none(), "{r}");
    assert_eq!(kinds_for(&app, d2.t(MEDIATOR)).await.len(), before);
    assert!(kinds_for(&app, d2.t(OTHER))
        .await
        .contains(&"CASE_MESSAGE".to_owned()));

    set_mediator(&app, &d2, MEDIATOR, true).await;
    let back = get(&app, d2.t(MEDIATOR), &d2.id).await;
    assert_eq!(
        back["data"]["mediationCase"]["viewerCan"]["fail"], true,
        "{back}"
    );
}

/// A long case never hides its latest notes: the mediator reads the newest 200, oldest first.
#[tokio::test]
async fn a_mediator_reads_the_newest_notes_of_a_long_case() {
    use sea_orm::EntityTrait;
    let app = TestApp::spawn().await;
    let d = in_mediation_with_terms(&app).await;
    let start = Utc::now() - Duration::days(10);
    let rows: Vec<entity::case_note::ActiveModel> = (0..205)
        .map(|i| entity::case_note::ActiveModel {
            id: sea_orm::Set(uuid::Uuid::new_v4().to_string()),
            case_id: sea_orm::Set(d.id.clone()),
            author_id: sea_orm::Set(d.rid(MEDIATOR)),
            body: sea_orm::Set(format!("记录 {i:03}")),
            created_at: sea_orm::Set(start + Duration::minutes(i)),
        })
        .collect();
    entity::case_note::Entity::insert_many(rows)
        .exec(app.db())
        .await
        .unwrap_or_else(|e| panic!("notes: {e}"));
    let r = app
        .ok(
            Some(d.t(MEDIATOR)),
            "mutation($c:ID!){ addCaseNote(caseId:$c, body:\"今天双方同意再谈一次。\"){ notes { body } } }",
            json!({ "c": d.id }),
        )
        .await;
    let bodies: Vec<String> = r["addCaseNote"]["notes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|n| s(&n["body"]))
        .collect();
    assert_eq!(bodies.len(), 200);
    assert_eq!(bodies[0], "记录 006", "the oldest six are left out");
    assert_eq!(bodies[198], "记录 204");
    assert_eq!(bodies[199], "今天双方同意再谈一次。");
}

#[tokio::test]
async fn an_outside_party_needs_no_consent_in_the_app_but_its_paper_signature_is_recorded() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let r = file(
        &app,
        w.token(APPLICANT),
        &w.community_id,
        &[],
        Some("小区外商铺老板（烧烤店）"),
    )
    .await;
    let id = s(&r["data"]["fileCase"]["id"]);
    assert_eq!(
        r["data"]["fileCase"]["outsideParty"], "小区外商铺老板（烧烤店）",
        "{r}"
    );
    let d = Dispute { w, id };
    let r = accept(&app, &d).await;
    assert_eq!(
        r["data"]["acceptCase"]["status"], "IN_MEDIATION",
        "no resident to consent: {r}"
    );
    // Nothing is drafted before the outside party's written consent is recorded.
    let early = draft(&app, d.t(MEDIATOR), &d.id, "烧烤店晚十点后停止营业。").await;
    assert_eq!(error_code(&early), "INVALID_STATE", "{early}");
    let r = simple(&app, d.t(MEDIATOR), "recordOutsidePartyConsent", &d.id).await;
    assert_eq!(
        r["data"]["recordOutsidePartyConsent"]["viewerCan"]["recordOutsideConsent"], false,
        "{r}"
    );
    assert_eq!(
        error_code(&simple(&app, d.t(MEDIATOR), "recordOutsidePartyConsent", &d.id).await),
        "CONFLICT"
    );
    draft(&app, d.t(MEDIATOR), &d.id, "烧烤店晚十点后停止营业。").await;
    sign(&app, d.t(APPLICANT), &d.id, Some(1)).await;
    let r = sign(&app, d.t(MEDIATOR), &d.id, Some(1)).await;
    assert_eq!(
        r["data"]["signAgreement"]["status"], "IN_MEDIATION",
        "the outside party has not signed: {r}"
    );
    assert_eq!(
        r["data"]["signAgreement"]["viewerCan"]["recordOutsideSignature"],
        true
    );
    let r = simple(&app, d.t(MEDIATOR), "recordOutsidePartySignature", &d.id).await;
    assert_eq!(
        r["data"]["recordOutsidePartySignature"]["status"], "AGREED",
        "{r}"
    );
    assert!(
        !r["data"]["recordOutsidePartySignature"]["agreement"]["outsidePartySignedAt"].is_null()
    );
    // A resident-only case cannot record an outside party.
    let other = dispute(&app).await;
    accept(&app, &other).await;
    assert_eq!(
        error_code(
            &simple(
                &app,
                other.t(MEDIATOR),
                "recordOutsidePartyConsent",
                &other.id
            )
            .await
        ),
        "INVALID_STATE"
    );
}

#[tokio::test]
async fn a_redraft_voids_every_signature_and_stale_terms_are_never_signed() {
    let app = TestApp::spawn().await;
    let d = in_mediation_with_terms(&app).await;
    applicant_signs_first(&app, &d).await;
    // Signing twice.
    assert_eq!(
        error_code(&sign(&app, d.t(APPLICANT), &d.id, Some(1)).await),
        "CONFLICT"
    );
    // The mediator changes the terms: the applicant's signature is void.
    let r = draft(
        &app,
        d.t(MEDIATOR),
        &d.id,
        "一、晚上九点半后不拖动家具。二、铺设地垫。",
    )
    .await;
    let a = &r["data"]["draftAgreement"]["agreement"];
    assert_eq!(a["version"], 2, "{r}");
    assert_eq!(a["signatures"], json!([]));
    // The respondent read version 1: the changed terms are not signed for them.
    let r = sign(&app, d.t(RESPONDENT), &d.id, Some(1)).await;
    assert_eq!(error_code(&r), "INVALID_STATE");
    let now = get(&app, d.t(RESPONDENT), &d.id).await;
    assert_eq!(
        now["data"]["mediationCase"]["agreement"]["signatures"],
        json!([]),
        "nothing signed"
    );
    assert_eq!(now["data"]["mediationCase"]["viewerCan"]["sign"], true);
    // Everyone signs version 2.
    for phone in [APPLICANT, RESPONDENT] {
        sign(&app, d.t(phone), &d.id, Some(2)).await;
    }
    let r = sign(&app, d.t(MEDIATOR), &d.id, Some(2)).await;
    assert_eq!(r["data"]["signAgreement"]["status"], "AGREED", "{r}");
    // An agreed case's terms cannot change.
    assert_eq!(
        error_code(&draft(&app, d.t(MEDIATOR), &d.id, "三、").await),
        "INVALID_STATE"
    );
}

#[tokio::test]
async fn bad_input_is_refused_with_its_field_and_files_nothing() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let other = app.create_community(&w.admin, "别的社区").await;
    let resp = app
        .import_roster(
            &w.admin,
            &other,
            "building,unit,area_m2,owner,name,phone,roles\n9栋,901,60.00,true,外区人,13700000001,\n",
        )
        .await;
    let stranger = s(&resp["data"]["importRoster"]["invites"][0]["residentId"]);
    let me = w.person(APPLICANT).resident_id.clone();
    let neighbour = w.person(RESPONDENT).resident_id.clone();
    let field = |r: &Value| s(&r["errors"][0]["extensions"]["field"]);
    let tok = w.token(APPLICANT);
    let c = &w.community_id;

    let r = file(&app, tok, c, &[stranger], None).await;
    assert_eq!(
        (error_code(&r), field(&r)),
        ("BAD_USER_INPUT".into(), "respondentIds".into())
    );
    let r = file(&app, tok, c, &[me], None).await;
    assert_eq!(
        (error_code(&r), field(&r)),
        ("BAD_USER_INPUT".into(), "respondentIds".into())
    );
    let r = file(&app, tok, c, &[], None).await;
    assert_eq!(
        (error_code(&r), field(&r)),
        ("BAD_USER_INPUT".into(), "respondentIds".into())
    );
    let r = file(&app, tok, c, &["not-an-id".into()], None).await;
    assert_eq!(
        (error_code(&r), field(&r)),
        ("BAD_USER_INPUT".into(), "respondentIds".into())
    );
    let r = file(&app, tok, c, &[], Some(&"外".repeat(201))).await;
    assert_eq!(
        (error_code(&r), field(&r)),
        ("BAD_USER_INPUT".into(), "outsideParty".into())
    );
    let long = app
        .gql(
            Some(tok),
            &q("mutation($i:FileCaseInput!){ fileCase(input:$i)"),
            json!({ "i": {
                "communityId": c, "respondentIds": [neighbour], "category": "LEAKS",
                "description": "漏".repeat(2001), "desiredOutcome": "修好",
            }}),
        )
        .await;
    assert_eq!(
        (error_code(&long), field(&long)),
        ("BAD_USER_INPUT".into(), "description".into())
    );
    // 2,000 Chinese characters (6,000 bytes) are within bounds.
    let fits = app
        .gql(
            Some(tok),
            &q("mutation($i:FileCaseInput!){ fileCase(input:$i)"),
            json!({ "i": {
                "communityId": c, "respondentIds": [neighbour], "category": "LEAKS",
                "description": "漏".repeat(2000), "desiredOutcome": "修好",
            }}),
        )
        .await;
    assert!(fits.get("errors").is_none(), "{fits}");
    let filed = entity::mediation_case::Entity::find()
        .count(app.db())
        .await
        .unwrap_or(0);
    assert_eq!(filed, 1, "only the valid case was filed");

    // Mediators: one without the role, a party, nobody.
    let d = Dispute {
        id: s(&fits["data"]["fileCase"]["id"]),
        w,
    };
    let accept_with = q("mutation($c:ID!,$m:[ID!]!){ acceptCase(caseId:$c, mediatorIds:$m)");
    for m in [vec![d.rid(OTHER)], vec![d.rid(RESPONDENT)], vec![]] {
        let r = app
            .gql(
                Some(d.t(COMMITTEE)),
                &accept_with,
                json!({ "c": d.id, "m": m }),
            )
            .await;
        assert_eq!(
            (error_code(&r), field(&r)),
            ("BAD_USER_INPUT".into(), "mediatorIds".into()),
            "{r}"
        );
    }
    let still = get(&app, d.t(APPLICANT), &d.id).await;
    assert_eq!(still["data"]["mediationCase"]["status"], "SUBMITTED");
    assert_eq!(still["data"]["mediationCase"]["mediators"], json!([]));
    // Over-long terms and messages, a session in the past, stars out of range.
    accept(&app, &d).await;
    respond(&app, d.t(RESPONDENT), &d.id, true).await;
    let r = draft(&app, d.t(MEDIATOR), &d.id, &"款".repeat(5001)).await;
    assert_eq!(
        (error_code(&r), field(&r)),
        ("BAD_USER_INPUT".into(), "terms".into())
    );
    let r = app
        .gql(
            Some(d.t(MEDIATOR)),
            &q("mutation($c:ID!,$at:DateTime!){ scheduleCaseSession(caseId:$c, startsAt:$at, place:\"调解室\")"),
            json!({ "c": d.id, "at": (Utc::now() - Duration::hours(1)).to_rfc3339() }),
        )
        .await;
    assert_eq!(
        (error_code(&r), field(&r)),
        ("BAD_USER_INPUT".into(), "startsAt".into())
    );
    let r = app
        .gql(
            Some(d.t(APPLICANT)),
            &q("mutation($c:ID!,$b:String!){ postCaseMessage(caseId:$c, body:$b)"),
            json!({ "c": d.id, "b": "话".repeat(1001) }),
        )
        .await;
    assert_eq!(
        (error_code(&r), field(&r)),
        ("BAD_USER_INPUT".into(), "body".into())
    );
}

#[tokio::test]
async fn the_committee_queue_flags_overdue_cases_and_statistics_name_nobody() {
    let app = TestApp::spawn().await;
    let d = dispute(&app).await;
    let second = file(
        &app,
        d.t(APPLICANT),
        &d.w.community_id,
        &[d.rid(RESPONDENT)],
        None,
    )
    .await;
    let old_id = s(&second["data"]["fileCase"]["id"]);
    // The second case was filed 40 days ago.
    let mut old: entity::mediation_case::ActiveModel =
        entity::mediation_case::Entity::find_by_id(old_id.clone())
            .one(app.db())
            .await
            .ok()
            .flatten()
            .map(Into::into)
            .unwrap_or_else(|| panic!("case stored"));
    old.created_at = sea_orm::Set(api::domain::now() - Duration::days(40));
    sea_orm::ActiveModelTrait::update(old, app.db()).await.ok();

    let queue = "query($c:ID!,$o:Boolean){ communityCases(communityId:$c, overdue:$o){ nodes { id overdue } } }";
    let all = app
        .ok(
            Some(d.t(COMMITTEE)),
            queue,
            json!({ "c": d.w.community_id }),
        )
        .await;
    assert_eq!(
        all["communityCases"]["nodes"].as_array().map(Vec::len),
        Some(2)
    );
    let overdue = app
        .ok(
            Some(d.t(COMMITTEE)),
            queue,
            json!({ "c": d.w.community_id, "o": true }),
        )
        .await;
    assert_eq!(
        overdue["communityCases"]["nodes"],
        json!([{ "id": old_id, "overdue": true }])
    );
    // Members off the committee are refused the queue and the statistics.
    assert_eq!(
        app.err_code(Some(d.t(MEDIATOR)), queue, json!({ "c": d.w.community_id }))
            .await,
        "FORBIDDEN"
    );
    let stats = "query($c:ID!){ caseStatistics(communityId:$c){ total overdue overdueDays medianDaysToClose byCategory { category count } byStatus { status count } byMonth { month count } } }";
    assert_eq!(
        app.err_code(
            Some(d.t(APPLICANT)),
            stats,
            json!({ "c": d.w.community_id })
        )
        .await,
        "FORBIDDEN"
    );
    let r = app
        .ok(
            Some(d.t(COMMITTEE)),
            stats,
            json!({ "c": d.w.community_id }),
        )
        .await;
    let st = &r["caseStatistics"];
    assert_eq!(st["total"], 2);
    assert_eq!(st["overdue"], 1);
    assert_eq!(st["overdueDays"], 30);
    assert_eq!(st["medianDaysToClose"], Value::Null);
    assert_eq!(
        st["byCategory"],
        json!([{ "category": "NOISE", "count": 2 }])
    );
    assert_eq!(
        st["byStatus"],
        json!([{ "status": "SUBMITTED", "count": 2 }])
    );
    assert!(
        !st.to_string().contains("陈静"),
        "statistics name nobody: {st}"
    );

    // A longer setting clears the flag; bad settings are refused.
    let set = "mutation($c:ID!,$d:Int!){ setCaseOverdueDays(communityId:$c, days:$d) }";
    assert_eq!(
        app.err_code(
            Some(d.t(COMMITTEE)),
            set,
            json!({ "c": d.w.community_id, "d": 0 })
        )
        .await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.err_code(
            Some(d.t(APPLICANT)),
            set,
            json!({ "c": d.w.community_id, "d": 60 })
        )
        .await,
        "FORBIDDEN"
    );
    app.ok(
        Some(d.t(COMMITTEE)),
        set,
        json!({ "c": d.w.community_id, "d": 60 }),
    )
    .await;
    let overdue = app
        .ok(
            Some(d.t(COMMITTEE)),
            queue,
            json!({ "c": d.w.community_id, "o": true }),
        )
        .await;
    assert_eq!(overdue["communityCases"]["nodes"], json!([]));
}

#[tokio::test]
async fn sessions_are_reminded_the_day_before_and_follow_ups_when_due_once_each() {
    let app = TestApp::spawn_with(|s| s.job_interval_ms = 3_600_000).await;
    let d = in_mediation_with_terms(&app).await;
    let at = (Utc::now() + Duration::hours(20)).to_rfc3339();
    app.ok(
        Some(d.t(MEDIATOR)),
        "mutation($c:ID!,$at:DateTime!){ scheduleCaseSession(caseId:$c, startsAt:$at, place:\"调解室\"){ id } }",
        json!({ "c": d.id, "at": at }),
    )
    .await;
    let far = (Utc::now() + Duration::days(5)).to_rfc3339();
    app.ok(
        Some(d.t(MEDIATOR)),
        "mutation($c:ID!,$at:DateTime!){ scheduleCaseSession(caseId:$c, startsAt:$at, place:\"调解室\"){ id } }",
        json!({ "c": d.id, "at": far }),
    )
    .await;
    let services: &api::state::Services = &app.state;
    // The session 20 hours ahead was just announced: no "tomorrow" reminder for it.
    let sent = api::domain::mediation::jobs::remind_sessions(services)
        .await
        .ok();
    assert_eq!(
        sent,
        Some(0),
        "a session scheduled inside the window is not reminded"
    );
    // Four days later the one scheduled five days ahead is within a day (time moved in the
    // database).
    use sea_orm::QueryOrder;
    let later = entity::case_session::Entity::find()
        .order_by_desc(entity::case_session::Column::StartsAt)
        .one(app.db())
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("session stored"));
    let mut moved: entity::case_session::ActiveModel = later.into();
    moved.starts_at = sea_orm::Set(api::domain::now() + Duration::hours(23));
    moved.created_at = sea_orm::Set(api::domain::now() - Duration::days(4));
    sea_orm::ActiveModelTrait::update(moved, app.db())
        .await
        .ok();
    let sent = api::domain::mediation::jobs::remind_sessions(services)
        .await
        .ok();
    assert_eq!(sent, Some(1), "only the session now within a day");
    let again = api::domain::mediation::jobs::remind_sessions(services)
        .await
        .ok();
    assert_eq!(again, Some(0), "never twice");
    let count = |k: Vec<String>, kind: &str| k.iter().filter(|x| *x == kind).count();
    assert_eq!(
        count(
            kinds_for(&app, d.t(APPLICANT)).await,
            "CASE_SESSION_REMINDER"
        ),
        1
    );
    assert_eq!(
        count(kinds_for(&app, d.t(OTHER)).await, "CASE_SESSION_REMINDER"),
        0
    );

    for phone in [APPLICANT, RESPONDENT, MEDIATOR] {
        sign(&app, d.t(phone), &d.id, Some(1)).await;
    }
    assert_eq!(
        api::domain::mediation::jobs::follow_ups_due(services)
            .await
            .ok(),
        Some(0)
    );
    let mut c: entity::mediation_case::ActiveModel =
        entity::mediation_case::Entity::find_by_id(d.id.clone())
            .one(app.db())
            .await
            .ok()
            .flatten()
            .map(Into::into)
            .unwrap_or_else(|| panic!("case stored"));
    c.resolved_at = sea_orm::Set(Some(api::domain::now() - Duration::days(15)));
    sea_orm::ActiveModelTrait::update(c, app.db()).await.ok();
    assert_eq!(
        api::domain::mediation::jobs::follow_ups_due(services)
            .await
            .ok(),
        Some(1)
    );
    assert_eq!(
        api::domain::mediation::jobs::follow_ups_due(services)
            .await
            .ok(),
        Some(0)
    );
    assert_eq!(
        count(kinds_for(&app, d.t(MEDIATOR)).await, "CASE_FOLLOW_UP_DUE"),
        1
    );
    assert_eq!(
        count(kinds_for(&app, d.t(APPLICANT)).await, "CASE_FOLLOW_UP_DUE"),
        0
    );
}

#[tokio::test]
async fn a_case_list_runs_the_same_statements_for_five_cases_as_for_fifty() {
    let app = TestApp::spawn_with(|s| {
        s.job_interval_ms = 3_600_000;
        s.fold_interval_ms = 3_600_000;
        s.proposal_limit.max = 1_000;
    })
    .await;
    let w = app.community().await;
    let respondent = w.person(RESPONDENT).resident_id.clone();
    for _ in 0..12 {
        file(
            &app,
            w.token(APPLICANT),
            &w.community_id,
            std::slice::from_ref(&respondent),
            None,
        )
        .await;
    }
    let list = "query($c:ID!,$n:Int){ myCases(communityId:$c, first:$n){ nodes { id number status category applicant { name } respondents { name consent } mediators { name } agreement { version } sessions { startsAt } viewerCan { withdraw sign } overdue } pageInfo { hasNextPage } } }";
    let (few, r5) = app
        .statements_of(
            Some(w.token(APPLICANT)),
            list,
            json!({ "c": w.community_id, "n": 2 }),
        )
        .await;
    assert_eq!(
        r5["data"]["myCases"]["nodes"].as_array().map(Vec::len),
        Some(2),
        "{r5}"
    );
    let (many, r50) = app
        .statements_of(
            Some(w.token(APPLICANT)),
            list,
            json!({ "c": w.community_id, "n": 50 }),
        )
        .await;
    assert_eq!(
        r50["data"]["myCases"]["nodes"].as_array().map(Vec::len),
        Some(12)
    );
    assert_eq!(few.len(), many.len(), "{few:#?}\n{many:#?}");
    // The respondent's list and the committee's queue show the same cases.
    let theirs = app
        .ok(
            Some(w.token(RESPONDENT)),
            list,
            json!({ "c": w.community_id, "n": 50 }),
        )
        .await;
    assert_eq!(
        theirs["myCases"]["nodes"].as_array().map(Vec::len),
        Some(12)
    );
    let numbers: std::collections::BTreeSet<String> = r50["data"]["myCases"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|n| s(&n["number"]))
        .collect();
    assert_eq!(numbers.len(), 12, "numbers are unique");

    // Every field of a case, not only the portal's: for a party, for the committee, and for
    // the mediator of every case (who reads its private notes too).
    let mut notes: std::collections::HashMap<String, Vec<Value>> = Default::default();
    for n in r50["data"]["myCases"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        let id = s(&n["id"]);
        let r = app
            .gql(
                Some(w.token(COMMITTEE)),
                &q("mutation($c:ID!,$m:[ID!]!){ acceptCase(caseId:$c, mediatorIds:$m)"),
                json!({ "c": id, "m": [w.person(MEDIATOR).resident_id] }),
            )
            .await;
        assert!(r.get("errors").is_none(), "{r}");
        // One to three notes a case, each case's own.
        let mut bodies = Vec::new();
        for k in 0..=(notes.len() % 3) {
            let body = format!("记录 {}-{k}", notes.len());
            let r = app
                .gql(
                    Some(w.token(MEDIATOR)),
                    &q("mutation($c:ID!,$b:String!){ addCaseNote(caseId:$c, body:$b)"),
                    json!({ "c": id, "b": body }),
                )
                .await;
            assert!(r.get("errors").is_none(), "{r}");
            bodies.push(json!(body));
        }
        notes.insert(id, bodies);
    }
    let types = crate::reads::schema_types(&app, w.token(APPLICANT)).await;
    let cases: Vec<(String, String)> = crate::reads::field_selections(&types, "MediationCase", 2)
        .into_iter()
        .map(|(n, s)| (format!("MediationCase.{n}"), s))
        .collect();
    assert!(cases.len() >= 15, "{cases:?}");
    let c = json!({ "c": w.community_id });
    let mut differ = Vec::new();
    for (token, list) in [
        (
            w.token(APPLICANT),
            "query($c:ID!,$n:Int){ myCases(communityId:$c, first:$n){ nodes { id {sel} } } }",
        ),
        (
            w.token(COMMITTEE),
            "query($c:ID!,$n:Int){ communityCases(communityId:$c, first:$n){ nodes { id {sel} } } }",
        ),
        (
            w.token(MEDIATOR),
            "query($c:ID!,$n:Int){ assignedCases(communityId:$c, first:$n){ nodes { id {sel} } } }",
        ),
    ] {
        let (grows, bounded) =
            crate::reads::per_item_statements(&app, token, list, &c, &cases, (1, 12)).await;
        differ.extend(grows);
        assert!(bounded.is_empty(), "{bounded:?}");
    }
    assert!(
        differ.is_empty(),
        "per-case statements:\n{}",
        differ.join("\n")
    );
    // Read together, each case's timeline and notes are its own, as a read of one shows them.
    const PART: &str = "id notes { id body author { name } } timeline(first: 2) { pageInfo { hasNextPage } nodes { id kind body author { name } } }";
    let listed = app
        .ok(
            Some(w.token(MEDIATOR)),
            &format!("query($c:ID!){{ assignedCases(communityId:$c, first: 12){{ nodes {{ {PART} }} }} }}"),
            json!({ "c": w.community_id }),
        )
        .await;
    let nodes = listed["assignedCases"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(nodes.len(), 12);
    for n in &nodes {
        let alone = app
            .ok(
                Some(w.token(MEDIATOR)),
                &format!("query($id:ID!){{ mediationCase(id:$id){{ {PART} }} }}"),
                json!({ "id": n["id"] }),
            )
            .await;
        assert_eq!(n, &alone["mediationCase"]);
        let bodies: Vec<Value> = n["notes"]
            .as_array()
            .map(|l| l.iter().map(|x| x["body"].clone()).collect())
            .unwrap_or_default();
        assert_eq!(
            Some(&bodies),
            notes.get(&s(&n["id"])),
            "oldest first, its own: {n}"
        );
        assert_eq!(n["timeline"]["pageInfo"]["hasNextPage"], true, "{n}");
    }
}

#[tokio::test]
async fn neighbours_are_found_by_name_or_unit_without_phones() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let nb = "query($c:ID!,$s:String!){ neighbours(communityId:$c, search:$s){ id name building unit } }";
    let r = app
        .ok(
            Some(w.token(APPLICANT)),
            nb,
            json!({ "c": w.community_id, "s": "李" }),
        )
        .await;
    assert_eq!(
        r["neighbours"],
        json!([{ "id": w.person(RESPONDENT).resident_id, "name": "李秀英", "building": "1栋", "unit": "101" }])
    );
    let r = app
        .ok(
            Some(w.token(APPLICANT)),
            nb,
            json!({ "c": w.community_id, "s": "102" }),
        )
        .await;
    let names: Vec<String> = r["neighbours"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|n| s(&n["name"]))
        .collect();
    assert_eq!(names, ["张伟"], "the viewer (陈静, 2栋102) is left out");
    assert_eq!(
        app.err_code(
            Some(w.token(APPLICANT)),
            nb,
            json!({ "c": w.community_id, "s": " " })
        )
        .await,
        "BAD_USER_INPUT"
    );
    let outsider = app.create_community(&w.admin, "别处").await;
    assert_eq!(
        app.err_code(
            Some(w.token(APPLICANT)),
            nb,
            json!({ "c": outsider, "s": "李" })
        )
        .await,
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn the_demo_seeds_a_case_in_every_status_with_a_signed_agreement() {
    use sea_orm::QuerySelect;
    let app = TestApp::spawn_with(|s| s.job_interval_ms = 3_600_000).await;
    api::demo::seed_and_print(&app.state, app.port)
        .await
        .unwrap_or_else(|e| panic!("demo seed: {e}"));
    let statuses: std::collections::BTreeSet<String> = entity::mediation_case::Entity::find()
        .select_only()
        .column(entity::mediation_case::Column::Status)
        .into_tuple::<entity::mediation_case::CaseStatus>()
        .all(app.db())
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|s| sea_orm::ActiveEnum::to_value(&s))
        .collect();
    assert_eq!(
        statuses.into_iter().collect::<Vec<_>>(),
        [
            "ACCEPTED",
            "AGREED",
            "CLOSED",
            "DECLINED",
            "FAILED",
            "FULFILLED",
            "IN_MEDIATION",
            "RESPONDENT_DECLINED",
            "SUBMITTED",
            "WITHDRAWN"
        ]
    );
    // The mediator signs in and sees their cases; the committee's queue flags the overdue one.
    let mediator = app.sign_in("13800000003", api::demo::DEMO_PASSWORD).await;
    let committee = app.sign_in("13800000001", api::demo::DEMO_PASSWORD).await;
    let community = app
        .ok(Some(&committee), "{ communities { id } }", json!({}))
        .await["communities"][0]["id"]
        .clone();
    let mine = app
        .ok(
            Some(&mediator),
            "query($c:ID!){ assignedCases(communityId:$c){ nodes { status agreement { signatures { signerId } } } } }",
            json!({ "c": community }),
        )
        .await;
    let agreed = mine["assignedCases"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .find(|n| n["status"] == "AGREED")
        .unwrap_or_default();
    assert_eq!(
        agreed["agreement"]["signatures"].as_array().map(Vec::len),
        Some(3)
    );
    let overdue = app
        .ok(
            Some(&committee),
            "query($c:ID!){ communityCases(communityId:$c, overdue:true){ nodes { status } } }",
            json!({ "c": community }),
        )
        .await;
    assert_eq!(
        overdue["communityCases"]["nodes"],
        json!([{ "status": "IN_MEDIATION" }])
    );
}

#[tokio::test]
async fn home_lists_open_cases_with_what_waits_for_the_viewer_and_the_committee_lists_mediators() {
    let app = TestApp::spawn().await;
    let d = dispute(&app).await;
    accept(&app, &d).await;
    let home = "query($c:ID!){ needsMe(communityId:$c){ cases(first:10){ nodes { id viewerCan { respond sign } } } } }";
    let r = app
        .ok(
            Some(d.t(RESPONDENT)),
            home,
            json!({ "c": d.w.community_id }),
        )
        .await;
    assert_eq!(
        r["needsMe"]["cases"]["nodes"],
        json!([{ "id": d.id, "viewerCan": { "respond": true, "sign": false } }])
    );
    let r = app
        .ok(Some(d.t(MEDIATOR)), home, json!({ "c": d.w.community_id }))
        .await;
    assert_eq!(r["needsMe"]["cases"]["nodes"][0]["id"], d.id);
    let r = app
        .ok(Some(d.t(OTHER)), home, json!({ "c": d.w.community_id }))
        .await;
    assert_eq!(r["needsMe"]["cases"]["nodes"], json!([]));
    // A closed case leaves Home.
    let decline_me = file(
        &app,
        d.t(APPLICANT),
        &d.w.community_id,
        &[d.rid(RESPONDENT)],
        None,
    )
    .await;
    let id = s(&decline_me["data"]["fileCase"]["id"]);
    app.ok(
        Some(d.t(COMMITTEE)),
        "mutation($c:ID!){ declineCase(caseId:$c, reason:\"转交物业\"){ id } }",
        json!({ "c": id }),
    )
    .await;
    simple(&app, d.t(COMMITTEE), "closeCase", &id).await;
    let r = app
        .ok(Some(d.t(APPLICANT)), home, json!({ "c": d.w.community_id }))
        .await;
    assert_eq!(
        r["needsMe"]["cases"]["nodes"].as_array().map(Vec::len),
        Some(1)
    );

    let mediators = "query($c:ID!){ communityMediators(communityId:$c){ id name } }";
    let r = app
        .ok(
            Some(d.t(COMMITTEE)),
            mediators,
            json!({ "c": d.w.community_id }),
        )
        .await;
    assert_eq!(
        r["communityMediators"],
        json!([{ "id": d.rid(MEDIATOR), "name": "张伟" }])
    );
    assert_eq!(
        app.err_code(
            Some(d.t(APPLICANT)),
            mediators,
            json!({ "c": d.w.community_id })
        )
        .await,
        "FORBIDDEN"
    );
}
