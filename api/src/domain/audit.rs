//! The append-only audit log. Each row's seal is an HMAC-SHA256, under a key kept outside the
//! database, over the previous row's seal and the row's own content: altering, deleting or
//! reordering any row breaks the chain at that row, and someone with write access to the
//! database alone cannot recompute the chain. Cutting off the newest rows (and moving the head
//! back) needs no key; a published anchor (`jiayuan audit anchor`) catches that.
//!
//! The key: `JIAYUAN_AUDIT_KEY` (shared by all replicas); for a SQLite file database without it,
//! a key file beside the database (`<db>.audit-key`, mode 0600), created on first start. A
//! PostgreSQL deployment must set the variable: the key is never stored in the database.
//!
//! Rows written before the key existed were chained with plain SHA-256. The first start with a
//! key verifies that legacy chain and re-seals every row under the key, once (the marker is the
//! `audit_chain` setting); a broken legacy chain is left as it is, with a warning.

pub use entity::audit_log::AuditAction;
use sea_orm::ActiveEnum;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, SecondsFormat, Utc};
use entity::{audit_head, audit_log, setting};
use hmac::{Hmac, Mac};
use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use sha2::{Digest, Sha256};

use crate::domain::now;
use crate::error::AppResult;

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The environment variable holding the audit key.
pub const KEY_ENV: &str = "JIAYUAN_AUDIT_KEY";
/// Appended to a SQLite database file's path to name its key file.
pub const KEY_FILE_SUFFIX: &str = ".audit-key";
/// The shortest key accepted, in characters.
pub const MIN_KEY_LEN: usize = 32;

/// The `settings` row that records that the chain is sealed with the key.
const CHAIN_SETTING: &str = "audit_chain";
const CHAIN_KEYED: &str = "hmac-sha256";

/// The secret that seals the chain. Its text (trimmed) is the HMAC key, so the key file's
/// content can be moved into `JIAYUAN_AUDIT_KEY` as it is.
#[derive(Clone)]
pub struct AuditKey(Arc<[u8]>);

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuditKey(..)")
    }
}

impl AuditKey {
    pub fn from_secret(secret: &str) -> anyhow::Result<Self> {
        let secret = secret.trim();
        anyhow::ensure!(
            secret.chars().count() >= MIN_KEY_LEN,
            "the audit key must have at least {MIN_KEY_LEN} characters (e.g. `openssl rand -hex 32`)"
        );
        Ok(Self(Arc::from(secret.as_bytes())))
    }

    /// A fresh random key: 32 random bytes, hex.
    pub fn generate() -> Self {
        use rand::RngCore;
        let mut buf = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut buf);
        Self(Arc::from(hex::encode(buf).as_bytes()))
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC takes a key of any length; this cannot fail.
        <Hmac<Sha256> as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!())
    }
}

/// The key file of a SQLite file database (`sqlite://FILE?…`), `None` for other databases and
/// for an in-memory SQLite database.
pub fn key_file_for(database_url: &str) -> Option<PathBuf> {
    let rest = database_url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" || path.starts_with("file::memory:") {
        return None;
    }
    Some(PathBuf::from(format!("{path}{KEY_FILE_SUFFIX}")))
}

fn is_sqlite(database_url: &str) -> bool {
    database_url.starts_with("sqlite:")
}

/// The key for `serve`: the configured one; else, for a SQLite file database, the key file
/// beside it (created with a random key on first start); an in-memory SQLite database gets a
/// throw-away key. PostgreSQL without a configured key is refused.
pub fn key_for_serving(database_url: &str, configured: Option<&str>) -> anyhow::Result<AuditKey> {
    if let Some(secret) = configured.filter(|s| !s.trim().is_empty()) {
        return AuditKey::from_secret(secret).with_context(|| format!("{KEY_ENV} is not usable"));
    }
    match key_file_for(database_url) {
        Some(file) => read_or_create_key_file(&file),
        None if is_sqlite(database_url) => Ok(AuditKey::generate()),
        None => anyhow::bail!(
            "{KEY_ENV} is not set. The audit log is sealed with a secret kept outside the \
             database; with PostgreSQL, set {KEY_ENV} (or --audit-key) to the same value on every \
             replica, e.g. the output of `openssl rand -hex 32`, and keep a copy: without it the \
             audit log cannot be verified."
        ),
    }
}

/// The key for `audit verify` / `audit anchor`: the configured one, else an existing key file
/// beside a SQLite database. Never creates a key.
pub fn key_for_checking(database_url: &str, configured: Option<&str>) -> anyhow::Result<AuditKey> {
    if let Some(secret) = configured.filter(|s| !s.trim().is_empty()) {
        return AuditKey::from_secret(secret).with_context(|| format!("{KEY_ENV} is not usable"));
    }
    if let Some(file) = key_file_for(database_url) {
        if file.exists() {
            return read_key_file(&file);
        }
        anyhow::bail!(
            "no audit key: {KEY_ENV} is not set and the key file {} does not exist. The audit log \
             can only be verified with the key it was sealed with.",
            file.display()
        );
    }
    anyhow::bail!(
        "no audit key: set {KEY_ENV} (or --audit-key) to the key the servers use. The audit log \
         can only be verified with the key it was sealed with."
    )
}

fn read_key_file(file: &Path) -> anyhow::Result<AuditKey> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("reading the audit key file {}", file.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(file) {
            if meta.permissions().mode() & 0o077 != 0 {
                tracing::warn!(
                    file = %file.display(),
                    "the audit key file is readable by other users; `chmod 600` it"
                );
            }
        }
    }
    AuditKey::from_secret(&text)
        .with_context(|| format!("the audit key file {} is not usable", file.display()))
}

/// Creates the key file atomically (written under a temporary name, then hard-linked into
/// place, which fails if another process got there first), or reads the existing one.
fn read_or_create_key_file(file: &Path) -> anyhow::Result<AuditKey> {
    if file.exists() {
        return read_key_file(file);
    }
    let key = AuditKey::generate();
    let tmp = PathBuf::from(format!(
        "{}.{}.tmp",
        file.display(),
        uuid::Uuid::new_v4().simple()
    ));
    let written = write_private(&tmp, &key.0);
    let linked = written.and_then(|()| std::fs::hard_link(&tmp, file));
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            tracing::warn!(
                file = %file.display(),
                "created the audit key file: back it up with the database; without it the audit \
                 log cannot be verified"
            );
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_key_file(file),
        Err(e) => Err(e).with_context(|| format!("creating the audit key file {}", file.display())),
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.write_all(b"\n")?;
    f.sync_all()
}

/// An act to record. `details` must hold no secret (no password, token or code).
pub struct Entry<'a> {
    pub actor_id: Option<&'a str>,
    pub community_id: Option<&'a str>,
    pub action: AuditAction,
    pub subject: &'a str,
    pub details: serde_json::Value,
}

/// How a row is sealed: the current keyed MAC, or the legacy plain hash (read only).
#[derive(Clone, Copy)]
enum Seal<'a> {
    Keyed(&'a AuditKey),
    Legacy,
}

/// Feeds every part length-prefixed, so no two different rows encode alike.
trait Feed {
    fn feed(&mut self, bytes: &[u8]);
}

impl Feed for Sha256 {
    fn feed(&mut self, bytes: &[u8]) {
        Digest::update(self, bytes);
    }
}

impl Feed for Hmac<Sha256> {
    fn feed(&mut self, bytes: &[u8]) {
        Mac::update(self, bytes);
    }
}

#[allow(clippy::too_many_arguments)]
fn feed_row(
    h: &mut impl Feed,
    seq: i64,
    at: &DateTime<Utc>,
    actor: Option<&str>,
    community: Option<&str>,
    action: &str,
    subject: &str,
    details: &str,
    prev: &str,
) {
    for part in [
        seq.to_string().as_str(),
        at.to_rfc3339_opts(SecondsFormat::Micros, true).as_str(),
        actor.unwrap_or(""),
        community.unwrap_or(""),
        action,
        subject,
        details,
        prev,
    ] {
        h.feed(&(part.len() as u64).to_be_bytes());
        h.feed(part.as_bytes());
    }
}

#[allow(clippy::too_many_arguments)]
fn chain_hash(
    seal: Seal<'_>,
    seq: i64,
    at: &DateTime<Utc>,
    actor: Option<&str>,
    community: Option<&str>,
    action: &str,
    subject: &str,
    details: &str,
    prev: &str,
) -> String {
    match seal {
        Seal::Keyed(key) => {
            let mut h = key.mac();
            // Domain separation: a keyed seal never equals a legacy hash of the same row.
            h.feed(b"jiayuan-audit-v2");
            feed_row(
                &mut h, seq, at, actor, community, action, subject, details, prev,
            );
            hex::encode(h.finalize().into_bytes())
        }
        Seal::Legacy => {
            let mut h = Sha256::new();
            feed_row(
                &mut h, seq, at, actor, community, action, subject, details, prev,
            );
            hex::encode(h.finalize())
        }
    }
}

/// The seal of a stored row, given the seal it should link to.
fn row_hash(seal: Seal<'_>, row: &audit_log::Model, prev: &str) -> String {
    chain_hash(
        seal,
        row.seq,
        &row.at,
        row.actor_id.as_deref(),
        row.community_id.as_deref(),
        &row.action,
        &row.subject,
        &row.details,
        prev,
    )
}

/// Appends one entry. Call inside the transaction of the act itself, so both land or neither.
/// The head row is updated first: its row lock (PostgreSQL) or the single writer (SQLite)
/// serialises appenders, so the chain never forks.
pub async fn append<C: ConnectionTrait>(
    conn: &C,
    key: &AuditKey,
    entry: Entry<'_>,
) -> AppResult<i64> {
    let head = lock_head(conn).await?;
    let at = now();
    let details = entry.details.to_string();
    let action = entry.action.to_value();
    let hash = chain_hash(
        Seal::Keyed(key),
        head.seq,
        &at,
        entry.actor_id,
        entry.community_id,
        &action,
        entry.subject,
        &details,
        &head.hash,
    );
    audit_log::ActiveModel {
        seq: Set(head.seq),
        at: Set(at),
        actor_id: Set(entry.actor_id.map(str::to_owned)),
        community_id: Set(entry.community_id.map(str::to_owned)),
        action: Set(action),
        subject: Set(entry.subject.to_owned()),
        details: Set(details),
        prev_hash: Set(head.hash.clone()),
        hash: Set(hash.clone()),
    }
    .insert(conn)
    .await?;
    let seq = head.seq;
    let mut head: audit_head::ActiveModel = head.into();
    head.hash = Set(hash);
    head.update(conn).await?;
    Ok(seq)
}

/// Moves the head's sequence on by one (taking its row lock) and returns the head.
async fn lock_head<C: ConnectionTrait>(conn: &C) -> anyhow::Result<audit_head::Model> {
    audit_head::Entity::update_many()
        .col_expr(
            audit_head::Column::Seq,
            Expr::col(audit_head::Column::Seq).add(1),
        )
        .filter(audit_head::Column::Id.eq(1))
        .exec(conn)
        .await?;
    audit_head::Entity::find_by_id(1)
        .one(conn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("audit head row missing"))
}

/// What start-up did about a chain sealed before the key existed.
#[derive(Debug, PartialEq, Eq)]
pub enum Upgrade {
    /// The chain was already sealed with the key (or is new).
    AlreadyKeyed,
    /// Every legacy row verified and is now sealed with the key.
    Sealed(u64),
    /// The legacy chain is broken at this row; nothing was re-sealed.
    LegacyBroken(i64),
}

/// At start-up: if the chain is not yet sealed with the key, verify the legacy (unkeyed) chain
/// and re-seal every row with the key, in one transaction that holds the head's lock (so two
/// replicas starting together do it once). A broken legacy chain is not sealed (that would
/// launder the tampering); it is logged, and `audit verify` keeps naming the broken row.
pub async fn seal_legacy(db: &DatabaseConnection, key: &AuditKey) -> anyhow::Result<Upgrade> {
    let marker = setting::Entity::find_by_id(CHAIN_SETTING.to_owned())
        .one(db)
        .await?;
    if marker.is_some_and(|m| m.value == CHAIN_KEYED) {
        return Ok(Upgrade::AlreadyKeyed);
    }
    let txn = db.begin().await?;
    // Take the head's lock without changing it.
    audit_head::Entity::update_many()
        .col_expr(
            audit_head::Column::Seq,
            Expr::col(audit_head::Column::Seq).add(0),
        )
        .filter(audit_head::Column::Id.eq(1))
        .exec(&txn)
        .await?;
    let marker = setting::Entity::find_by_id(CHAIN_SETTING.to_owned())
        .one(&txn)
        .await?;
    if marker.is_some_and(|m| m.value == CHAIN_KEYED) {
        txn.commit().await?;
        return Ok(Upgrade::AlreadyKeyed);
    }
    let legacy = walk(&txn, Seal::Legacy, &[]).await?;
    if let Some(bad) = legacy.first_bad {
        txn.rollback().await?;
        tracing::warn!(
            seq = bad.seq,
            reason = bad.reason,
            "the audit log's legacy (unkeyed) chain is broken; it was NOT re-sealed with the \
             audit key. Investigate: `jiayuan audit verify` names the row."
        );
        return Ok(Upgrade::LegacyBroken(bad.seq));
    }
    let mut prev = GENESIS.to_owned();
    let mut sealed = 0u64;
    let mut next = 1i64;
    loop {
        let page = audit_log::Entity::find()
            .filter(audit_log::Column::Seq.gte(next))
            .order_by_asc(audit_log::Column::Seq)
            .limit(1000)
            .all(&txn)
            .await?;
        let Some(last) = page.last() else { break };
        next = last.seq + 1;
        for row in page {
            let hash = row_hash(Seal::Keyed(key), &row, &prev);
            let mut active: audit_log::ActiveModel = row.into();
            active.prev_hash = Set(prev.clone());
            active.hash = Set(hash.clone());
            active.update(&txn).await?;
            prev = hash;
            sealed += 1;
        }
    }
    audit_head::Entity::update_many()
        .col_expr(audit_head::Column::Hash, Expr::value(prev))
        .filter(audit_head::Column::Id.eq(1))
        .exec(&txn)
        .await?;
    setting::Entity::insert(setting::ActiveModel {
        key: Set(CHAIN_SETTING.into()),
        value: Set(CHAIN_KEYED.into()),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::column(setting::Column::Key)
            .update_column(setting::Column::Value)
            .to_owned(),
    )
    .exec(&txn)
    .await?;
    txn.commit().await?;
    if sealed > 0 {
        tracing::warn!(
            entries = sealed,
            "sealed the audit log's legacy entries with the audit key; publish a fresh anchor \
             (`jiayuan audit anchor`)"
        );
    }
    Ok(Upgrade::Sealed(sealed))
}

#[derive(Debug)]
pub struct BadEntry {
    pub seq: i64,
    pub reason: &'static str,
}

#[derive(Debug)]
pub struct VerifyReport {
    pub checked: u64,
    pub first_bad: Option<BadEntry>,
    /// The seal of the last entry checked.
    pub last_hash: String,
}

impl VerifyReport {
    /// The anchor to publish: the head of an intact, non-empty chain.
    pub fn anchor(&self) -> Option<Anchor> {
        (self.first_bad.is_none() && self.checked > 0).then(|| Anchor {
            hash: self.last_hash.clone(),
            count: self.checked as i64,
        })
    }
}

/// A published point of the chain: the seal of entry `count` (the head when it was taken).
/// Written `HASH:COUNT`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anchor {
    pub hash: String,
    pub count: i64,
}

impl fmt::Display for Anchor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.hash, self.count)
    }
}

impl FromStr for Anchor {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad =
            || format!("an anchor is HASH:COUNT (64 hex digits, a colon, a count), not {s:?}");
        let (hash, count) = s.trim().split_once(':').ok_or_else(bad)?;
        let hash = hash.trim().to_ascii_lowercase();
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let count: i64 = count.trim().parse().map_err(|_| bad())?;
        if count < 1 {
            return Err(bad());
        }
        Ok(Self { hash, count })
    }
}

/// Walks the chain in order and names the first entry that does not fit. Every entry must be
/// sealed with `key`.
pub async fn verify(db: &DatabaseConnection, key: &AuditKey) -> anyhow::Result<VerifyReport> {
    verify_with_anchors(db, key, &[]).await
}

/// As `verify`, and the chain must still hold each anchor at its position: catches the newest
/// entries cut off, or the chain rewritten, since the anchor was published.
pub async fn verify_with_anchors(
    db: &DatabaseConnection,
    key: &AuditKey,
    anchors: &[Anchor],
) -> anyhow::Result<VerifyReport> {
    walk(db, Seal::Keyed(key), anchors).await
}

async fn walk<C: ConnectionTrait>(
    conn: &C,
    seal: Seal<'_>,
    anchors: &[Anchor],
) -> anyhow::Result<VerifyReport> {
    let mut prev = GENESIS.to_owned();
    let mut expected_seq = 1i64;
    let mut checked = 0u64;
    let mut anchor_bad: Option<BadEntry> = None;
    loop {
        let page = audit_log::Entity::find()
            .filter(audit_log::Column::Seq.gte(expected_seq))
            .order_by_asc(audit_log::Column::Seq)
            .limit(1000)
            .all(conn)
            .await?;
        if page.is_empty() {
            break;
        }
        for row in page {
            let report = |reason| {
                Ok(VerifyReport {
                    checked,
                    first_bad: Some(BadEntry {
                        seq: row.seq,
                        reason,
                    }),
                    last_hash: prev.clone(),
                })
            };
            if row.seq != expected_seq {
                return report("sequence gap: an entry was removed or inserted");
            }
            if row.prev_hash != prev {
                return report("does not link to the previous entry");
            }
            if row_hash(seal, &row, &row.prev_hash) != row.hash {
                return report(match seal {
                    Seal::Keyed(_) if row_hash(Seal::Legacy, &row, &row.prev_hash) == row.hash => {
                        "sealed without the audit key: a recomputed entry, or a legacy one not \
                         yet sealed by `jiayuan serve`"
                    }
                    Seal::Keyed(_) => {
                        "content does not match its seal (altered, or sealed with another key)"
                    }
                    Seal::Legacy => "content does not match its hash",
                });
            }
            if anchor_bad.is_none()
                && anchors
                    .iter()
                    .any(|a| a.count == row.seq && a.hash != row.hash)
            {
                anchor_bad = Some(BadEntry {
                    seq: row.seq,
                    reason: "differs from the published anchor: the chain was rewritten",
                });
            }
            prev = row.hash.clone();
            expected_seq += 1;
            checked += 1;
        }
    }
    let head = audit_head::Entity::find_by_id(1).one(conn).await?;
    let mut first_bad = None;
    if let Some(head) = head {
        if head.seq != expected_seq - 1 || head.hash != prev {
            first_bad = Some(BadEntry {
                seq: expected_seq,
                reason: "the last entries were removed",
            });
        }
    }
    if first_bad.is_none() {
        first_bad = anchor_bad;
    }
    if first_bad.is_none() && anchors.iter().any(|a| a.count > checked as i64) {
        first_bad = Some(BadEntry {
            seq: expected_seq,
            reason: "the chain ends before a published anchor: its newest entries were removed",
        });
    }
    Ok(VerifyReport {
        checked,
        first_bad,
        last_hash: prev,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_files_sit_beside_sqlite_files_only() {
        assert_eq!(
            key_file_for("sqlite://jiayuan.db?mode=rwc"),
            Some(PathBuf::from("jiayuan.db.audit-key"))
        );
        assert_eq!(
            key_file_for("sqlite:///var/lib/jiayuan/j.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/jiayuan/j.db.audit-key"))
        );
        assert_eq!(
            key_file_for("sqlite:data.db"),
            Some(PathBuf::from("data.db.audit-key"))
        );
        assert_eq!(key_file_for("sqlite::memory:"), None);
        assert_eq!(key_file_for("postgres://u@h/db"), None);
    }

    #[test]
    fn postgres_without_a_key_is_refused_and_short_keys_too() {
        let err = key_for_serving("postgres://u@h/db", None)
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_default();
        assert!(err.contains(KEY_ENV), "{err}");
        assert!(key_for_serving("postgres://u@h/db", Some("short")).is_err());
        assert!(key_for_serving("postgres://u@h/db", Some(&"k".repeat(32))).is_ok());
        assert!(key_for_checking("postgres://u@h/db", None).is_err());
    }

    #[test]
    fn anchors_parse_and_print_alike() {
        let a: Anchor = format!("{}:42", "Ab".repeat(32))
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.count, 42);
        assert_eq!(a.to_string(), format!("{}:42", "ab".repeat(32)));
        for bad in [
            "",
            "abc:1",
            &format!("{}:0", "a".repeat(64)),
            &"a".repeat(64),
        ] {
            assert!(bad.parse::<Anchor>().is_err(), "{bad}");
        }
    }

    #[test]
    fn keyed_seals_depend_on_the_key_and_differ_from_legacy_hashes() {
        let at = Utc::now();
        let k1 = AuditKey::generate();
        let k2 = AuditKey::generate();
        let h = |seal| chain_hash(seal, 1, &at, None, None, "a", "s", "{}", GENESIS);
        assert_eq!(h(Seal::Keyed(&k1)), h(Seal::Keyed(&k1)));
        assert_ne!(h(Seal::Keyed(&k1)), h(Seal::Keyed(&k2)));
        assert_ne!(h(Seal::Keyed(&k1)), h(Seal::Legacy));
        assert_eq!(h(Seal::Legacy).len(), 64);
        assert_eq!(h(Seal::Keyed(&k1)).len(), 64);
    }
}
