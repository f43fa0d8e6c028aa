//! Settings of one `jiayuan` process. Every setting can come from the environment; see the
//! configuration table in README.md.

use std::path::PathBuf;

#[derive(Clone, Debug)]
pub struct Settings {
    pub database_url: String,
    /// PostgreSQL connections the pool keeps at most (SQLite has one).
    pub db_pool_size: u32,
    pub bind: String,
    /// HMAC secret for access tokens; when absent one is generated once and kept in the database.
    pub jwt_secret: Option<String>,
    /// Key sealing the audit log (`JIAYUAN_AUDIT_KEY`, shared by all replicas, never stored in the
    /// database). When absent: SQLite keeps one in a key file beside the database file;
    /// PostgreSQL refuses to start.
    pub audit_key: Option<String>,
    /// Folder holding the built portal (index.html, portal.js, portal_bg.wasm, …).
    pub portal_dir: PathBuf,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted reverse proxy).
    pub trust_proxy: bool,
    /// Behind a trusted proxy: how many proxies append to `X-Forwarded-For` (the client address is
    /// that many entries from the right).
    pub proxy_hops: usize,
    /// Lifetimes, in seconds.
    pub access_ttl_secs: i64,
    pub refresh_ttl_secs: i64,
    pub invite_ttl_secs: i64,
    /// Rate limit of failed sign-ins: at most this many failures per phone / per client address
    /// within `rate_window_secs`.
    pub max_failures_per_phone: i32,
    pub max_failures_per_ip: i32,
    pub rate_window_secs: i64,
    /// Password hashing cost; OWASP parameters by default. Tests may lower it.
    pub argon2_memory_kib: u32,
    /// How often background jobs (closing ballots, reminders, the outbox) run, in milliseconds.
    pub job_interval_ms: u64,
    /// How often votes cast since the last fold are added to their ballots' counters, in
    /// milliseconds (a tally read adds the votes not folded yet, so this bounds its cost, not its
    /// correctness).
    pub fold_interval_ms: u64,
    /// The shortest voting period a ballot may be opened with, in seconds.
    pub min_ballot_secs: i64,
    /// Writes by one account (README, "Limits"): comments and replies; topic proposals; every
    /// other act a resident may repeat (co-signs, reports, ratings, withdrawals, votes).
    pub comment_limit: WriteLimit,
    pub proposal_limit: WriteLimit,
    pub write_limit: WriteLimit,
}

/// At most `max` writes of one kind per account within `window_secs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteLimit {
    pub max: i32,
    pub window_secs: i64,
}

impl Settings {
    pub fn default_portal_dir() -> PathBuf {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../portal/dist"))
    }

    /// Settings for a given database with every other value at its default.
    pub fn for_database(database_url: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            db_pool_size: crate::db::DEFAULT_POOL_SIZE,
            bind: "127.0.0.1:8080".into(),
            jwt_secret: None,
            audit_key: None,
            portal_dir: Self::default_portal_dir(),
            trust_proxy: false,
            proxy_hops: 1,
            access_ttl_secs: 15 * 60,
            refresh_ttl_secs: 30 * 24 * 3600,
            invite_ttl_secs: 30 * 24 * 3600,
            max_failures_per_phone: 5,
            max_failures_per_ip: 30,
            rate_window_secs: 15 * 60,
            argon2_memory_kib: 19 * 1024,
            job_interval_ms: 5_000,
            fold_interval_ms: 1_000,
            min_ballot_secs: 600,
            comment_limit: WriteLimit {
                max: 30,
                window_secs: 10 * 60,
            },
            proposal_limit: WriteLimit {
                max: 10,
                window_secs: 60 * 60,
            },
            write_limit: WriteLimit {
                max: 60,
                window_secs: 10 * 60,
            },
        }
    }
}
