//! The append-only audit log (DESIGN §2): sensitive acts are recorded with their actor, the hash
//! chain verifies, and tampering is named by `audit::verify` and by `jiayuan audit verify`. The
//! key that seals the chain, anchors and the legacy upgrade: `security::audit_key`.

use std::path::PathBuf;

use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};
use serde_json::{json, Value};

use crate::harness::*;

const NEIGHBOUR: &str = "13800000005";
const GRANT: &str = "mutation($r:ID!,$role:Role!){ grantRole(residentId:$r, role:$role){ id } }";
const REVOKE: &str = "mutation($r:ID!,$role:Role!){ revokeRole(residentId:$r, role:$role){ id } }";

pub(crate) async fn rows(app: &TestApp) -> Vec<entity::audit_log::Model> {
    entity::audit_log::Entity::find()
        .order_by_asc(entity::audit_log::Column::Seq)
        .all(app.db())
        .await
        .unwrap_or_else(|e| panic!("reading the audit log: {e}"))
}

pub(crate) async fn verify(app: &TestApp) -> api::domain::audit::VerifyReport {
    api::domain::audit::verify(app.db(), &app.state.audit)
        .await
        .unwrap_or_else(|e| panic!("verify failed to run: {e:#}"))
}

async fn account_id(app: &TestApp, token: &str) -> String {
    app.ok(Some(token), "{ me { id } }", json!({})).await["me"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

pub(crate) async fn exec(app: &TestApp, sql: &str) {
    app.db()
        .execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A world with a few audited acts beyond the set-up ones.
pub(crate) async fn busy_world(app: &TestApp) -> World {
    let w = app.community().await;
    let r = w.person(RESIDENT).resident_id.clone();
    let committee = w.token(COMMITTEE).to_owned();
    app.ok(
        Some(&committee),
        GRANT,
        json!({ "r": r, "role": "ORGANIZER" }),
    )
    .await;
    app.ok(
        Some(&committee),
        REVOKE,
        json!({ "r": r, "role": "ORGANIZER" }),
    )
    .await;
    app.ok(
        Some(&committee),
        "mutation($r:ID!){ issueInvite(residentId:$r){ code } }",
        json!({ "r": r }),
    )
    .await;
    w
}

#[tokio::test]
async fn sensitive_acts_are_audited_with_their_actor() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let admin_id = account_id(&app, &w.admin).await;
    let committee = w.token(COMMITTEE).to_owned();
    let committee_id = account_id(&app, &committee).await;
    let li = w.person(RESIDENT).resident_id.clone();
    let chen = w.person(NEIGHBOUR).resident_id.clone();

    app.ok(
        Some(&committee),
        GRANT,
        json!({ "r": li, "role": "MEDIATOR" }),
    )
    .await;
    app.ok(
        Some(&committee),
        REVOKE,
        json!({ "r": li, "role": "MEDIATOR" }),
    )
    .await;
    let invite = app
        .ok(
            Some(&committee),
            "mutation($r:ID!){ issueInvite(residentId:$r){ code } }",
            json!({ "r": li }),
        )
        .await["issueInvite"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    app.ok(
        Some(&committee),
        "mutation($r:ID!){ deactivateResident(residentId:$r){ id } }",
        json!({ "r": chen }),
    )
    .await;

    let log = rows(&app).await;
    let actions: Vec<&str> = log.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        vec![
            "community.create",
            "roster.import",
            "role.grant",
            "role.revoke",
            "invite.issue",
            "resident.deactivate"
        ]
    );
    let expect = [
        (&admin_id, w.community_id.as_str()),
        (&admin_id, w.community_id.as_str()),
        (&committee_id, li.as_str()),
        (&committee_id, li.as_str()),
        (&committee_id, li.as_str()),
        (&committee_id, chen.as_str()),
    ];
    for (row, (actor, subject)) in log.iter().zip(expect) {
        assert_eq!(row.actor_id.as_deref(), Some(actor.as_str()), "{row:?}");
        assert_eq!(row.subject, subject, "{row:?}");
        assert_eq!(row.community_id.as_deref(), Some(w.community_id.as_str()));
    }
    let grant: Value = serde_json::from_str(&log[2].details).unwrap_or_default();
    assert_eq!(grant["role"], "MEDIATOR");
    let import: Value = serde_json::from_str(&log[1].details).unwrap_or_default();
    assert_eq!(import["created"], 5);
    // No secret is written to the log.
    for row in &log {
        assert!(
            !row.details.contains(&invite),
            "an invite code is in the log"
        );
        assert!(!row.details.contains(PASSWORD));
    }
    // Acts that change nothing record nothing: granting a role already held.
    app.ok(
        Some(&committee),
        GRANT,
        json!({ "r": w.person(MEDIATOR).resident_id, "role": "MEDIATOR" }),
    )
    .await;
    assert_eq!(rows(&app).await.len(), log.len());
}

#[tokio::test]
async fn an_untouched_chain_verifies() {
    let app = TestApp::spawn().await;
    let _w = busy_world(&app).await;
    let count = rows(&app).await.len() as u64;

    let report = verify(&app).await;

    assert!(report.first_bad.is_none(), "{report:?}");
    assert_eq!(report.checked, count);
    assert!(count >= 5);
}

#[tokio::test]
async fn altering_one_row_is_detected_at_that_row() {
    let app = TestApp::spawn().await;
    let _w = busy_world(&app).await;
    let log = rows(&app).await;
    let victim = log[log.len() / 2].seq;

    exec(
        &app,
        &format!(
            "UPDATE audit_log SET details = '{{\"role\":\"COMMITTEE\"}}' WHERE seq = {victim}"
        ),
    )
    .await;

    let report = verify(&app).await;
    let bad = report
        .first_bad
        .unwrap_or_else(|| panic!("an altered row went unnoticed"));
    assert_eq!(bad.seq, victim);
    assert_eq!(report.checked, (victim - 1) as u64);
}

#[tokio::test]
async fn altering_the_actor_or_time_of_a_row_is_detected() {
    let app = TestApp::spawn().await;
    let w = busy_world(&app).await;
    let log = rows(&app).await;
    let last = log[log.len() - 1].seq;
    let someone = account_id(&app, w.token(RESIDENT)).await;

    exec(
        &app,
        &format!("UPDATE audit_log SET actor_id = '{someone}' WHERE seq = 2"),
    )
    .await;
    assert_eq!(verify(&app).await.first_bad.map(|b| b.seq), Some(2));

    let original = log[1].actor_id.clone().unwrap_or_default();
    exec(
        &app,
        &format!("UPDATE audit_log SET actor_id = '{original}' WHERE seq = 2"),
    )
    .await;
    assert!(
        verify(&app).await.first_bad.is_none(),
        "restoring the row restores the chain"
    );

    exec(
        &app,
        &format!("UPDATE audit_log SET action = 'role.revoke' WHERE seq = {last}"),
    )
    .await;
    assert_eq!(verify(&app).await.first_bad.map(|b| b.seq), Some(last));
}

#[tokio::test]
async fn deleting_the_last_row_is_detected() {
    let app = TestApp::spawn().await;
    let _w = busy_world(&app).await;
    let last = rows(&app).await.last().map(|r| r.seq).unwrap_or_default();

    exec(&app, &format!("DELETE FROM audit_log WHERE seq = {last}")).await;

    let bad = verify(&app)
        .await
        .first_bad
        .unwrap_or_else(|| panic!("a deleted last row went unnoticed"));
    assert_eq!(bad.seq, last);
}

#[tokio::test]
async fn deleting_a_middle_row_is_detected() {
    let app = TestApp::spawn().await;
    let _w = busy_world(&app).await;

    exec(&app, "DELETE FROM audit_log WHERE seq = 3").await;

    assert_eq!(verify(&app).await.first_bad.map(|b| b.seq), Some(4));
}

/// `target/debug/jiayuan`, built by the runner (`cargo build -p api`).
pub(crate) fn cli_binary() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target")));
    let bin = target.join("debug").join("jiayuan");
    assert!(
        bin.is_file(),
        "the jiayuan binary is missing at {}: run `cargo build -p api --bin jiayuan` first",
        bin.display()
    );
    bin
}

/// Runs `jiayuan audit verify` against the test database: (exit code, stdout + stderr).
async fn cli_verify(app: &TestApp) -> (i32, String) {
    cli(
        app,
        &["audit", "verify"],
        app.state.settings.audit_key.as_deref(),
    )
    .await
}

/// Runs `jiayuan ARGS` against the test database with `JIAYUAN_AUDIT_KEY` set to `key` (unset
/// when `None`; a SQLite database then has its key file): (exit code, stdout + stderr).
pub(crate) async fn cli(app: &TestApp, args: &[&str], key: Option<&str>) -> (i32, String) {
    let bin = cli_binary();
    let url = app.state.settings.database_url.clone();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let key = key.map(str::to_owned);
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = std::process::Command::new(bin);
        cmd.args(args)
            .env("DATABASE_URL", url)
            .env("RUST_LOG", "warn")
            .env_remove("JIAYUAN_AUDIT_KEY");
        if let Some(key) = key {
            cmd.env("JIAYUAN_AUDIT_KEY", key);
        }
        cmd.output()
    })
    .await
    .unwrap_or_else(|e| panic!("join: {e}"))
    .unwrap_or_else(|e| panic!("cannot run jiayuan: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[tokio::test]
async fn the_cli_reports_an_intact_chain_and_names_an_altered_row() {
    let app = TestApp::spawn().await;
    let _w = busy_world(&app).await;
    let count = rows(&app).await.len();

    let (code, text) = cli_verify(&app).await;
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("intact"), "{text}");
    assert!(text.contains(&count.to_string()), "{text}");

    exec(
        &app,
        "UPDATE audit_log SET subject = 'someone else' WHERE seq = 3",
    )
    .await;

    let (code, text) = cli_verify(&app).await;
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("seq 3"), "{text}");
    assert!(!text.contains("intact"), "{text}");
}

#[tokio::test]
async fn concurrent_role_changes_keep_the_chain_intact() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let c = app.create_community(&admin, "东营社区").await;
    let mut csv = String::from("building,unit,area_m2,owner,name,phone,roles\n");
    csv.push_str("1栋,100,80.00,true,主任,13800000100,COMMITTEE\n");
    for i in 1..=10 {
        csv.push_str(&format!(
            "1栋,{},80.00,true,居民{i},138000001{i:02},MEDIATOR\n",
            100 + i
        ));
    }
    let resp = app.import_roster(&admin, &c, &csv).await;
    assert!(resp.get("errors").is_none(), "{resp}");
    let invites = resp["data"]["importRoster"]["invites"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let committee_code = invites
        .iter()
        .find(|i| i["phone"] == "13800000100")
        .map(|i| i["code"].as_str().unwrap_or_default().to_owned())
        .unwrap_or_default();
    let (committee, _) = app.claim(&committee_code, PASSWORD).await;
    let ids: Vec<String> = invites
        .iter()
        .filter(|i| i["phone"] != "13800000100")
        .map(|i| i["residentId"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(ids.len(), 10);
    let before = rows(&app).await.len();

    // 10 grants of ORGANIZER and 10 revocations of MEDIATOR, all at once.
    let calls = ids.iter().flat_map(|r| {
        [
            app.gql(
                Some(&committee),
                GRANT,
                json!({ "r": r, "role": "ORGANIZER" }),
            ),
            app.gql(
                Some(&committee),
                REVOKE,
                json!({ "r": r, "role": "MEDIATOR" }),
            ),
        ]
    });
    let results = futures_util::future::join_all(calls).await;

    for r in &results {
        assert!(r.get("errors").is_none(), "{r}");
    }
    let log = rows(&app).await;
    assert_eq!(log.len(), before + 20);
    let seqs: Vec<i64> = log.iter().map(|r| r.seq).collect();
    let expected: Vec<i64> = (1..=log.len() as i64).collect();
    assert_eq!(seqs, expected, "the sequence has a gap or a duplicate");
    for pair in log.windows(2) {
        assert_eq!(
            pair[1].prev_hash, pair[0].hash,
            "the chain forks at {}",
            pair[1].seq
        );
    }
    let report = verify(&app).await;
    assert!(report.first_bad.is_none(), "{report:?}");
    assert_eq!(report.checked, log.len() as u64);
    let grants = log.iter().filter(|r| r.action == "role.grant").count();
    let revokes = log.iter().filter(|r| r.action == "role.revoke").count();
    assert_eq!((grants, revokes), (10, 10));
}
