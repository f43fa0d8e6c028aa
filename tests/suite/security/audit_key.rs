//! The audit chain is sealed with a key kept outside the database (issue 6, item 14). Attacks:
//! someone with write access to the database recomputes the chain (with plain SHA-256, as it
//! was before, or with a key of their own), or cuts off its newest entries and moves the head
//! back. Also: the key's sources (SQLite key file, `JIAYUAN_AUDIT_KEY`), and the one-time
//! upgrade of a legacy (unkeyed) chain.

use api::domain::audit::{self, Anchor, AuditKey, Upgrade};
use chrono::SecondsFormat;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::audit::{busy_world, cli, exec, rows, verify};
use crate::harness::*;

/// A row's hash as the chain was computed before the key: plain SHA-256, length-prefixed parts.
fn legacy_hash(row: &entity::audit_log::Model, prev: &str) -> String {
    let mut h = Sha256::new();
    for part in [
        row.seq.to_string().as_str(),
        row.at.to_rfc3339_opts(SecondsFormat::Micros, true).as_str(),
        row.actor_id.as_deref().unwrap_or(""),
        row.community_id.as_deref().unwrap_or(""),
        &row.action,
        &row.subject,
        &row.details,
        prev,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// What an attacker with database access (and no key) can do: rewrite every row with a fresh,
/// consistent unkeyed chain, move the head along, and drop the "sealed with the key" marker.
/// It is also exactly what a database from before the key looks like.
async fn rewrite_unkeyed(app: &TestApp) {
    let mut prev = audit::GENESIS.to_owned();
    for row in rows(app).await {
        let hash = legacy_hash(&row, &prev);
        let mut active: entity::audit_log::ActiveModel = row.into();
        active.prev_hash = Set(prev.clone());
        active.hash = Set(hash.clone());
        active
            .update(app.db())
            .await
            .unwrap_or_else(|e| panic!("rewriting a row: {e}"));
        prev = hash;
    }
    exec(
        app,
        &format!("UPDATE audit_head SET hash = '{prev}' WHERE id = 1"),
    )
    .await;
    exec(app, "DELETE FROM settings WHERE key = 'audit_chain'").await;
}

/// The anchor line printed by `jiayuan audit anchor`.
async fn cli_anchor(app: &TestApp) -> Anchor {
    let (code, text) = cli(app, &["audit", "anchor"], key_env(app)).await;
    assert_eq!(code, 0, "{text}");
    text.lines()
        .find_map(|l| l.strip_prefix("anchor:"))
        .unwrap_or_else(|| panic!("no anchor line in {text}"))
        .trim()
        .parse()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// `JIAYUAN_AUDIT_KEY` for the CLI as the servers have it (SQLite: none, the key file serves).
fn key_env(app: &TestApp) -> Option<&str> {
    app.state.settings.audit_key.as_deref()
}

#[tokio::test]
async fn a_chain_recomputed_without_the_key_fails_verify() {
    let app = TestApp::spawn().await;
    let _w = busy_world(&app).await;
    assert!(verify(&app).await.first_bad.is_none());

    // Falsify an entry, then make the whole chain consistent again, without the key.
    exec(
        &app,
        "UPDATE audit_log SET details = '{\"role\":\"COMMITTEE\"}' WHERE seq = 3",
    )
    .await;
    rewrite_unkeyed(&app).await;

    let bad = verify(&app)
        .await
        .first_bad
        .unwrap_or_else(|| panic!("a chain recomputed without the key went unnoticed"));
    assert_eq!(bad.seq, 1);
    assert!(bad.reason.contains("without the audit key"), "{bad:?}");
    let (code, text) = cli(&app, &["audit", "verify"], key_env(&app)).await;
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("seq 1"), "{text}");
}

#[tokio::test]
async fn a_chain_recomputed_with_another_key_fails_verify() {
    let app = TestApp::spawn().await;
    let _w = busy_world(&app).await;

    exec(
        &app,
        "UPDATE audit_log SET subject = 'someone else' WHERE seq = 2",
    )
    .await;
    rewrite_unkeyed(&app).await;
    // The attacker seals the falsified chain with a key of their own.
    let theirs = AuditKey::generate();
    let upgrade = audit::seal_legacy(app.db(), &theirs)
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    assert!(
        matches!(upgrade, Upgrade::Sealed(n) if n >= 5),
        "{upgrade:?}"
    );
    assert!(audit::verify(app.db(), &theirs)
        .await
        .unwrap_or_else(|e| panic!("{e:#}"))
        .first_bad
        .is_none());

    let bad = verify(&app)
        .await
        .first_bad
        .unwrap_or_else(|| panic!("a chain sealed with another key went unnoticed"));
    assert_eq!(bad.seq, 1);
    assert!(bad.reason.contains("another key"), "{bad:?}");

    // And the CLI with a wrong key does not pass a genuine chain.
    let app = TestApp::spawn().await;
    let _w = busy_world(&app).await;
    let wrong = "a-wrong-key-that-is-long-enough-0123456789";
    let (code, text) = cli(&app, &["audit", "verify"], Some(wrong)).await;
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("another key"), "{text}");
}

#[tokio::test]
async fn a_truncated_tail_fails_verify_against_an_anchor() {
    let app = TestApp::spawn().await;
    let w = busy_world(&app).await;
    let anchor = cli_anchor(&app).await;
    let log = rows(&app).await;
    assert_eq!(anchor.count, log.len() as i64);
    assert_eq!(Some(&anchor.hash), log.last().map(|r| &r.hash));
    let arg = anchor.to_string();

    // The anchor still holds as the chain grows.
    app.ok(
        Some(w.token(COMMITTEE)),
        "mutation($r:ID!){ issueInvite(residentId:$r){ code } }",
        json!({ "r": w.person(RESIDENT).resident_id }),
    )
    .await;
    let (code, text) = cli(&app, &["audit", "verify", "--anchor", &arg], key_env(&app)).await;
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("1 anchor(s) held"), "{text}");

    // Cut off the newest three entries and move the head back: no key is needed for that.
    let keep = anchor.count - 2;
    let kept_hash = log[(keep - 1) as usize].hash.clone();
    exec(&app, &format!("DELETE FROM audit_log WHERE seq > {keep}")).await;
    exec(
        &app,
        &format!("UPDATE audit_head SET seq = {keep}, hash = '{kept_hash}' WHERE id = 1"),
    )
    .await;
    // Without an anchor the shorter chain is self-consistent...
    assert!(verify(&app).await.first_bad.is_none());
    // ...against the published anchor it is not.
    let report =
        audit::verify_with_anchors(app.db(), &app.state.audit, std::slice::from_ref(&anchor))
            .await
            .unwrap_or_else(|e| panic!("{e:#}"));
    let bad = report
        .first_bad
        .unwrap_or_else(|| panic!("a truncated chain passed its anchor"));
    assert!(bad.reason.contains("anchor"), "{bad:?}");
    let (code, text) = cli(&app, &["audit", "verify", "--anchor", &arg], key_env(&app)).await;
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("ALTERED") && text.contains("anchor"),
        "{text}"
    );
}

#[tokio::test]
async fn an_anchor_catches_a_rewritten_chain_even_after_a_legacy_reseal() {
    // Known limit: an attacker who drops the marker and leaves a consistent unkeyed chain gets
    // it sealed at the next start (that is how a pre-key database is upgraded). A published
    // anchor still tells.
    let app = TestApp::spawn().await;
    let _w = busy_world(&app).await;
    let anchor = verify(&app)
        .await
        .anchor()
        .unwrap_or_else(|| panic!("no anchor for an intact chain"));

    exec(
        &app,
        "UPDATE audit_log SET subject = 'someone else' WHERE seq = 2",
    )
    .await;
    rewrite_unkeyed(&app).await;
    let restarted = app.replica().await;

    assert!(verify(&restarted).await.first_bad.is_none());
    let bad = audit::verify_with_anchors(app.db(), &app.state.audit, std::slice::from_ref(&anchor))
        .await
        .unwrap_or_else(|e| panic!("{e:#}"))
        .first_bad
        .unwrap_or_else(|| panic!("a rewritten chain passed its anchor"));
    assert_eq!(bad.seq, anchor.count);
    assert!(bad.reason.contains("rewritten"), "{bad:?}");
}

#[tokio::test]
async fn a_legacy_chain_is_sealed_once_at_start_up_and_a_broken_one_is_not() {
    let app = TestApp::spawn().await;
    let _w = busy_world(&app).await;
    let count = rows(&app).await.len() as u64;
    rewrite_unkeyed(&app).await; // a database from before the key
    assert!(verify(&app).await.first_bad.is_some());

    let restarted = app.replica().await;
    let report = verify(&restarted).await;
    assert!(report.first_bad.is_none(), "{report:?}");
    assert_eq!(report.checked, count);
    // Once only: the next start changes nothing.
    let before = rows(&app).await;
    let again = audit::seal_legacy(app.db(), &app.state.audit)
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(again, Upgrade::AlreadyKeyed);
    assert_eq!(rows(&app).await, before);

    // A legacy chain that was tampered with is not laundered by the upgrade.
    let app = TestApp::spawn().await;
    let _w = busy_world(&app).await;
    rewrite_unkeyed(&app).await;
    exec(
        &app,
        "UPDATE audit_log SET subject = 'someone else' WHERE seq = 3",
    )
    .await;
    let restarted = app.replica().await;
    let bad = verify(&restarted)
        .await
        .first_bad
        .unwrap_or_else(|| panic!("a broken legacy chain was sealed"));
    assert_eq!(bad.seq, 1, "{bad:?}");
    assert_eq!(
        audit::seal_legacy(app.db(), &app.state.audit)
            .await
            .unwrap_or_else(|e| panic!("{e:#}")),
        Upgrade::LegacyBroken(3)
    );
}

#[tokio::test]
async fn verify_without_the_key_fails_clearly() {
    let app = TestApp::spawn().await;
    let _w = busy_world(&app).await;
    // SQLite: take the key file away for a moment (it is the only key there is).
    let key_file = audit::key_file_for(&app.state.settings.database_url);
    let aside = key_file.as_ref().map(|f| f.with_extension("moved"));
    if let (Some(f), Some(a)) = (&key_file, &aside) {
        std::fs::rename(f, a).unwrap_or_else(|e| panic!("{e}"));
    }

    for args in [["audit", "verify"], ["audit", "anchor"]] {
        let (code, text) = cli(&app, &args, None).await;
        assert_eq!(code, 2, "{text}");
        assert!(text.contains("no audit key"), "{text}");
        assert!(text.contains("JIAYUAN_AUDIT_KEY"), "{text}");
        assert!(!text.contains("intact"), "{text}");
    }

    if let (Some(f), Some(a)) = (&key_file, &aside) {
        std::fs::rename(a, f).unwrap_or_else(|e| panic!("{e}"));
    }
    let (code, text) = cli(&app, &["audit", "verify"], key_env(&app)).await;
    assert_eq!(code, 0, "{text}");

    // PostgreSQL: the server itself refuses to start without the key.
    if backend() == "postgres" {
        let mut settings = api::config::Settings::for_database(&app.state.settings.database_url);
        settings.bind = "127.0.0.1:0".into();
        let err = api::startup::Application::build(settings)
            .await
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_else(|| panic!("PostgreSQL started without an audit key"));
        assert!(err.contains("JIAYUAN_AUDIT_KEY"), "{err}");
    }
}

#[tokio::test]
async fn the_sqlite_key_file_is_created_once_and_reused_across_restarts() {
    if backend() != "sqlite" {
        return;
    }
    let app = TestApp::spawn().await;
    let w = busy_world(&app).await;
    let file = audit::key_file_for(&app.state.settings.database_url)
        .unwrap_or_else(|| panic!("no key file for a SQLite file database"));
    let key = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(key.trim().len(), 64, "{key}");
    assert!(key.trim().bytes().all(|b| b.is_ascii_hexdigit()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file)
            .unwrap_or_else(|e| panic!("{e}"))
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }

    // A restart (a second process on the same file) reuses the key and extends the chain.
    let restarted = app.replica().await;
    restarted
        .ok(
            Some(w.token(COMMITTEE)),
            "mutation($r:ID!){ issueInvite(residentId:$r){ code } }",
            json!({ "r": w.person(RESIDENT).resident_id }),
        )
        .await;
    assert_eq!(
        std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{e}")),
        key
    );
    assert!(verify(&app).await.first_bad.is_none());
    assert!(verify(&restarted).await.first_bad.is_none());
    let (code, text) = cli(&app, &["audit", "verify"], None).await;
    assert_eq!(code, 0, "{text}");

    // The file's content works as JIAYUAN_AUDIT_KEY (moving from the file to the environment).
    let (code, text) = cli(&app, &["audit", "verify"], Some(key.trim())).await;
    assert_eq!(code, 0, "{text}");
}
