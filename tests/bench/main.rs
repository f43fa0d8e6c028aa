//! `jiayuan-bench`: seeds a realistic community (20,000 owner households) and prints, for SQLite
//! and (with `--pg`) PostgreSQL:
//! - castVote throughput, p50/p99 latency and the first and last quarter's rates with 64
//!   concurrent voters over HTTP (every household votes once: 20,000 votes);
//! - on PostgreSQL, the same vote transaction run by `pgbench` (64 clients, `pgbench/*.sql`: the
//!   append-only transaction castVote runs and, for comparison, the earlier one with counters)
//!   and the ratio of the HTTP figure to it;
//! - a list page against `me` on the same server;
//! - the sign-up rush: 2,000 residents signing up for 50 seats through 64 connections
//!   (throughput, p50/p99, confirmed seats, waitlist positions 1..N);
//! - tally read latency (`ballot { result }` over HTTP) at 1,000 and 100,000 votes.
//!
//! Run it through `./dev bench` (release build). Figures go to BENCHMARKS.md by hand.

// The server runs in this process: the same allocator as the `jiayuan` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::time::{Duration, Instant};

use api::config::Settings;
use api::startup::{AppState, Application};
use sea_orm::{ConnectionTrait, Database, EntityTrait, Set};
use serde_json::{json, Value};

struct Args {
    pg: Option<String>,
    households: usize,
    concurrency: usize,
    /// Only this phase: votes (HTTP and pgbench), reads, rush or tallies.
    only: Option<String>,
    /// Skip the SQLite run (with `--pg`: PostgreSQL only).
    no_sqlite: bool,
}

fn args() -> Args {
    let mut a = Args {
        pg: None,
        households: 20_000,
        concurrency: 64,
        only: None,
        no_sqlite: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--pg" => a.pg = it.next(),
            "--households" => {
                a.households = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(a.households)
            }
            "--only" => a.only = it.next(),
            "--no-sqlite" => a.no_sqlite = true,
            "--concurrency" => {
                a.concurrency = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(a.concurrency)
            }
            other => {
                eprintln!("unknown argument {other}; usage: jiayuan-bench [--pg postgres://USER@HOST:PORT] [--households N] [--concurrency N] [--only votes|reads|rush|tallies] [--no-sqlite]");
                std::process::exit(2);
            }
        }
    }
    a
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

struct Seeded {
    community: String,
    committee_token: String,
    voters: Vec<(String, String, String)>, // (access token, household id, account id)
}

async fn seed(state: &AppState, households: usize) -> anyhow::Result<Seeded> {
    use entity::*;
    let db = &state.db;
    let now = api::domain::now();
    let community = api::domain::new_id();
    community::Entity::insert(community::ActiveModel {
        id: Set(community.clone()),
        name: Set("基准社区".into()),
        cosign_threshold: Set(5),
        case_overdue_days: Set(30),
        created_at: Set(now),
    })
    .exec(db)
    .await?;
    let buildings: Vec<String> = (0..households.div_ceil(100))
        .map(|_| api::domain::new_id())
        .collect();
    building::Entity::insert_many(buildings.iter().enumerate().map(|(i, id)| {
        building::ActiveModel {
            id: Set(id.clone()),
            community_id: Set(community.clone()),
            name: Set(format!("{}栋", i + 1)),
        }
    }))
    .exec(db)
    .await?;
    let mut voters = Vec::with_capacity(households);
    let mut committee_token = String::new();
    let ids: Vec<(String, String, String)> = (0..households)
        .map(|_| {
            (
                api::domain::new_id(),
                api::domain::new_id(),
                api::domain::new_id(),
            )
        })
        .collect();
    for (chunk_no, chunk) in ids.chunks(500).enumerate() {
        let base = chunk_no * 500;
        household::Entity::insert_many(chunk.iter().enumerate().map(|(j, (h, _, _))| {
            let i = base + j;
            household::ActiveModel {
                id: Set(h.clone()),
                community_id: Set(community.clone()),
                building_id: Set(buildings[i / 100].clone()),
                unit: Set(format!("{}", 101 + i % 100)),
                area_centi: Set(6_000 + (i as i64 * 37) % 9_000),
                owner: Set(true),
            }
        }))
        .exec(db)
        .await?;
        account::Entity::insert_many(chunk.iter().enumerate().map(|(j, (_, a, _))| {
            account::ActiveModel {
                id: Set(a.clone()),
                phone: Set(format!("139{:08}", base + j)),
                name: Set(format!("居民{}", base + j)),
                password_hash: Set(None),
                is_admin: Set(false),
                session_epoch: Set(0),
                created_at: Set(now),
            }
        }))
        .exec(db)
        .await?;
        resident::Entity::insert_many(chunk.iter().enumerate().map(|(j, (h, a, r))| {
            resident::ActiveModel {
                id: Set(r.clone()),
                account_id: Set(a.clone()),
                community_id: Set(community.clone()),
                household_id: Set(h.clone()),
                name: Set(format!("居民{}", base + j)),
                active: Set(true),
                created_at: Set(now),
                deactivated_at: Set(None),
                linked_at: Set(Some(now)),
            }
        }))
        .exec(db)
        .await?;
        for (h, a, _) in chunk {
            let (token, _) = state.keys.issue(a, 0, "", now)?;
            voters.push((token, h.clone(), a.clone()));
        }
    }
    // The first resident is on the committee.
    let (_, first_account, _) = &ids[0];
    role_grant::Entity::insert(role_grant::ActiveModel {
        id: Set(api::domain::new_id()),
        account_id: Set(first_account.clone()),
        community_id: Set(community.clone()),
        role: Set(role_grant::Role::Committee),
        granted_at: Set(now),
    })
    .exec(db)
    .await?;
    committee_token.push_str(&voters[0].0);
    Ok(Seeded {
        community,
        committee_token,
        voters,
    })
}

async fn gql(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    query: &str,
    vars: Value,
) -> anyhow::Result<Value> {
    let v: Value = http
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(&json!({"query": query, "variables": vars}))
        .send()
        .await?
        .json()
        .await?;
    if let Some(e) = v.get("errors") {
        anyhow::bail!("GraphQL error: {e}");
    }
    Ok(v["data"].clone())
}

async fn open_motion(
    http: &reqwest::Client,
    base: &str,
    s: &Seeded,
    title: &str,
) -> anyhow::Result<(String, String)> {
    let t = gql(
        http,
        base,
        &s.committee_token,
        "mutation($c:ID!,$t:String!){ proposeTopic(communityId:$c, title:$t, body:\"基准测试用的议题正文内容。\", category: OTHER){ id } }",
        json!({"c": s.community, "t": title}),
    )
    .await?;
    let topic = t["proposeTopic"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let b = gql(
        http,
        base,
        &s.committee_token,
        "mutation($i:OpenBallotInput!){ openBallot(input:$i){ id options { id role } } }",
        json!({"i": {"topicId": topic, "question": "基准表决：是否同意？", "kind": "MOTION", "electorate": "OWNERS",
                      "rule": "OWNERS_ORDINARY", "secret": true,
                      "closesAt": (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339()}}),
    )
    .await?;
    let ballot = b["openBallot"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let yes = b["openBallot"]["options"]
        .as_array()
        .and_then(|o| o.iter().find(|o| o["role"] == "APPROVE"))
        .and_then(|o| o["id"].as_str())
        .unwrap_or_default()
        .to_owned();
    Ok((ballot, yes))
}

/// Topics in the list community (issue 7's setting: 500 topics, each with a ballot).
const LIST_TOPICS: usize = 500;

/// Adds `n` older topics to the community of `ballot`'s topic, each with a closed ballot: copies
/// of that topic and ballot with new ids, an hour apart before it (inserted directly; the API
/// would take minutes). They are filler for the list's size only: no options, electorate or
/// votes, and nothing reads them but the list statement, which never shows them.
async fn backfill_topics(state: &AppState, ballot: &str, n: usize) -> anyhow::Result<()> {
    use entity::*;
    use sea_orm::IntoActiveModel;
    let db = &state.db;
    let b = ballot::Entity::find_by_id(ballot.to_owned())
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("ballot {ballot} not found"))?;
    let topic_id = b.topic_id.clone().unwrap_or_default();
    let t = topic::Entity::find_by_id(topic_id.clone())
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("topic {topic_id} not found"))?;
    for start in (0..n).step_by(250) {
        let mut topics = Vec::new();
        let mut ballots = Vec::new();
        for i in start..(start + 250).min(n) {
            let at = t.created_at - chrono::Duration::hours(i as i64 + 1);
            let topic_id = api::domain::new_id();
            let ballot_id = api::domain::new_id();
            topics.push(
                topic::Model {
                    id: topic_id.clone(),
                    title: format!("往期议题 {i}"),
                    status: topic::TopicStatus::Adopted,
                    created_at: at,
                    updated_at: at,
                    latest_ballot_id: Some(ballot_id.clone()),
                    ..t.clone()
                }
                .into_active_model(),
            );
            ballots.push(
                ballot::Model {
                    id: ballot_id,
                    topic_id: Some(topic_id),
                    status: ballot::BallotStatus::Closed,
                    opened_at: at,
                    closes_at: at + chrono::Duration::minutes(30),
                    closed_at: Some(at + chrono::Duration::minutes(30)),
                    quorum_met: Some(true),
                    outcome: Some(ballot::Outcome::Adopted),
                    ..b.clone()
                }
                .into_active_model(),
            );
        }
        topic::Entity::insert_many(topics).exec(db).await?;
        ballot::Entity::insert_many(ballots).exec(db).await?;
    }
    Ok(())
}

/// Fills a ballot's box with `n` synthetic votes directly (participation, box, counters), the
/// way `n` cast votes would leave it, to measure reads at that size.
async fn stuff_ballot(state: &AppState, ballot: &str, yes: &str, n: usize) -> anyhow::Result<()> {
    use entity::*;
    let db = &state.db;
    for start in (0..n).step_by(1000) {
        let end = (start + 1000).min(n);
        ballot_participation::Entity::insert_many((start..end).map(|i| {
            ballot_participation::ActiveModel {
                id: Set(api::domain::new_id()),
                ballot_id: Set(ballot.to_owned()),
                voter_id: Set(format!("synthetic-{i}")),
                channel: Set(entity::ballot_participation::VoteChannel::Paper),
                cast_by: Set("bench".into()),
            }
        }))
        .exec(db)
        .await?;
        ballot_box::Entity::insert_many((start..end).map(|_| ballot_box::ActiveModel {
            id: Set(api::domain::new_id()),
            ballot_id: Set(ballot.to_owned()),
            receipt_hash: Set(
                api::domain::new_id().replace('-', "") + &api::domain::new_id().replace('-', "")
            ),
            option_ids: Set(yes.to_owned()),
            area: Set(10_000),
            pending: Set(false),
            counted_option_ids: Set(Some(yes.to_owned())),
        }))
        .exec(db)
        .await?;
    }
    let backend = db.get_database_backend();
    let n = n as i64;
    db.execute_raw(sea_orm::Statement::from_sql_and_values(
        backend,
        api::db::portable(
            backend,
            "UPDATE ballot_options SET votes = votes + $1, area = area + $2 WHERE id = $3",
        ),
        [n.into(), (n * 10_000).into(), yes.into()],
    ))
    .await?;
    db.execute_raw(sea_orm::Statement::from_sql_and_values(
        backend,
        api::db::portable(
            backend,
            "UPDATE ballots SET turnout_count = turnout_count + $1, turnout_area = turnout_area + $2 WHERE id = $3",
        ),
        [n.into(), (n * 10_000).into(), ballot.into()],
    ))
    .await?;
    Ok(())
}

async fn tally_latency(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    ballot: &str,
    reads: usize,
) -> anyhow::Result<Vec<Duration>> {
    let mut lat = Vec::with_capacity(reads);
    for _ in 0..reads {
        let t = Instant::now();
        gql(http, base, token, "query($b:ID!){ ballot(id:$b){ turnoutCount turnoutArea result { outcome options { votes area } } } }", json!({"b": ballot}))
            .await?;
        lat.push(t.elapsed());
    }
    lat.sort();
    Ok(lat)
}

/// CPU seconds used so far by this process (the server and the bench client) and by
/// PostgreSQL, from `/proc` (clock ticks of 1/100 s). PostgreSQL's is every `postgres`
/// process's own time plus the time of its ended children (a pgbench run's backends end with
/// it, and their time moves to the postmaster's children's time).
fn cpu_seconds() -> (f64, f64) {
    /// A process's command name, its own CPU time and its ended children's.
    fn ticks(stat: &str) -> Option<(String, f64, f64)> {
        // `pid (comm) state …`: utime, stime, cutime and cstime are the 14th to 17th fields.
        let (head, rest) = stat.rsplit_once(')')?;
        let comm = head.split_once('(')?.1.to_owned();
        let fields: Vec<f64> = rest
            .split_whitespace()
            .skip(11)
            .take(4)
            .map(|f| f.parse().unwrap_or(0.0))
            .collect();
        let [utime, stime, cutime, cstime] = fields[..] else {
            return None;
        };
        Some((comm, (utime + stime) / 100.0, (cutime + cstime) / 100.0))
    }
    let own = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| ticks(&s))
        .map_or(0.0, |(_, t, _)| t);
    let mut pg = 0.0;
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            if let Some((comm, t, children)) = std::fs::read_to_string(entry.path().join("stat"))
                .ok()
                .and_then(|s| ticks(&s))
            {
                if comm == "postgres" {
                    pg += t + children;
                }
            }
        }
    }
    (own, pg)
}

/// What one query's load measured: requests per second, and the CPU time each request cost in
/// this process (server and bench client) and in PostgreSQL. CPU per request moves less than
/// the rate when the shared machine is slower or faster from one window to the next.
#[derive(Clone, Copy)]
struct Load {
    per_sec: f64,
    own_us: f64,
    /// `None` on SQLite, which runs in the server.
    pg_us: Option<f64>,
}

impl std::fmt::Display for Load {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.0}/s (CPU per request: {:.0} µs server and client",
            self.per_sec, self.own_us
        )?;
        match self.pg_us {
            Some(pg) => write!(f, ", {pg:.0} µs PostgreSQL)"),
            None => write!(f, ")"),
        }
    }
}

/// Requests per second that `clients` concurrent clients get for one query over 5 seconds
/// (after a 1-second warm-up), with their CPU cost. Any error fails the run.
async fn throughput(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    query: &str,
    vars: Value,
    clients: usize,
    pg: bool,
) -> anyhow::Result<Load> {
    // The load generator shares the machine with the server: each request's body is written
    // once, and an answer is only checked for errors, not built into a JSON tree (a 20-topic
    // page cost the client several times what `me` did).
    let body = serde_json::to_vec(&json!({"query": query, "variables": vars}))?;
    let mut last = None;
    for window in [Duration::from_secs(1), Duration::from_secs(5)] {
        let cpu_before = cpu_seconds();
        let until = Instant::now() + window;
        let mut tasks = Vec::new();
        for _ in 0..clients {
            let (http, url, token, body) = (
                http.clone(),
                format!("{base}/graphql"),
                token.to_owned(),
                body.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let mut n = 0u64;
                while Instant::now() < until {
                    answered(&http, &url, &token, body.clone()).await?;
                    n += 1;
                }
                anyhow::Ok(n)
            }));
        }
        let mut total = 0u64;
        for t in tasks {
            total += t.await??;
        }
        let cpu_after = cpu_seconds();
        let per_request = |before: f64, after: f64| (after - before) * 1e6 / total.max(1) as f64;
        last = Some(Load {
            per_sec: total as f64 / window.as_secs_f64(),
            own_us: per_request(cpu_before.0, cpu_after.0),
            pg_us: pg.then(|| per_request(cpu_before.1, cpu_after.1)),
        });
    }
    last.ok_or_else(|| anyhow::anyhow!("no window measured"))
}

/// POSTs a GraphQL request body; an error unless the answer has data and no errors.
async fn answered(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    body: Vec<u8>,
) -> anyhow::Result<()> {
    #[derive(serde::Deserialize)]
    struct Answer {
        data: Option<serde::de::IgnoredAny>,
        errors: Option<Value>,
    }
    let bytes = http
        .post(url)
        .bearer_auth(token)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await?
        .bytes()
        .await?;
    let answer: Answer = serde_json::from_slice(&bytes)?;
    match (answer.data, answer.errors) {
        (_, Some(e)) => anyhow::bail!("GraphQL error: {e}"),
        (None, None) => anyhow::bail!("no data"),
        (Some(_), None) => Ok(()),
    }
}

/// Copies of the statements the server runs while a request is measured (a sea-orm metric
/// hook; on PostgreSQL only). Off, it costs the server one atomic load per statement.
#[derive(Clone, Default)]
struct Capture {
    on: Arc<std::sync::atomic::AtomicBool>,
    kept: Arc<std::sync::Mutex<Vec<sea_orm::Statement>>>,
}

impl Capture {
    fn keep(&self, stmt: &sea_orm::Statement) {
        if self.on.load(std::sync::atomic::Ordering::Relaxed) {
            if let Ok(mut kept) = self.kept.lock() {
                kept.push(stmt.clone());
            }
        }
    }

    /// The one statement that read the viewer while `request` ran (a read's budget is one
    /// statement on PostgreSQL, the viewer's account with the page; a background job's
    /// statements in the same window read no viewer).
    async fn during(
        &self,
        request: impl std::future::Future<Output = anyhow::Result<Value>>,
    ) -> anyhow::Result<sea_orm::Statement> {
        use std::sync::atomic::Ordering;
        if let Ok(mut kept) = self.kept.lock() {
            kept.clear();
        }
        self.on.store(true, Ordering::Relaxed);
        let answered = request.await;
        self.on.store(false, Ordering::Relaxed);
        answered?;
        let kept = self
            .kept
            .lock()
            .map_err(|_| anyhow::anyhow!("the statement copies were poisoned"))?;
        let mut viewer = kept.iter().filter(|s| s.sql.contains("viewer_places"));
        match (viewer.next(), viewer.next()) {
            (Some(one), None) => Ok(one.clone()),
            _ => anyhow::bail!(
                "expected one statement reading the viewer, the request ran: {:?}",
                kept.iter().map(|s| &s.sql).collect::<Vec<_>>()
            ),
        }
    }
}

/// A statement as a pgbench script run with `-M prepared`: each `$n` becomes `:pn`, and the
/// values become `-D pn=…` (sent as text, their types inferred by PostgreSQL as for sqlx's).
fn pgbench_script(stmt: &sea_orm::Statement) -> anyhow::Result<(String, Vec<(String, String)>)> {
    use sea_orm::Value as V;
    let mut vars = Vec::new();
    for (i, v) in stmt.values.iter().flat_map(|v| v.0.iter()).enumerate() {
        let text = match v {
            V::String(Some(s)) => s.to_string(),
            V::Bool(Some(b)) => b.to_string(),
            V::TinyInt(Some(n)) => n.to_string(),
            V::SmallInt(Some(n)) => n.to_string(),
            V::Int(Some(n)) => n.to_string(),
            V::BigInt(Some(n)) => n.to_string(),
            V::TinyUnsigned(Some(n)) => n.to_string(),
            V::SmallUnsigned(Some(n)) => n.to_string(),
            V::Unsigned(Some(n)) => n.to_string(),
            V::BigUnsigned(Some(n)) => n.to_string(),
            other => anyhow::bail!("pgbench cannot be given {other:?}"),
        };
        vars.push((format!("p{}", i + 1), text));
    }
    let mut sql = String::with_capacity(stmt.sql.len() + 16);
    let mut chars = stmt.sql.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('$', Some(d)) if d.is_ascii_digit() => sql.push_str(":p"),
            _ => sql.push(c),
        }
    }
    Ok((format!("{sql};\n"), vars))
}

/// Runs a pgbench script (`clients` clients, 2 threads, 10 s, no vacuum) with these variables
/// and returns its transactions per second and PostgreSQL's CPU time per transaction in µs
/// (every `postgres` process's, [`cpu_seconds`]). `mode` is pgbench's query mode: `prepared`
/// for a script that mirrors what sqlx sends (parameters, prepared statements), `simple` for
/// one that writes its values into the SQL. It connects as the server does
/// (`api::db::connection_url`: no TLS to this machine unless the URL asks for it).
fn pgbench(
    url: &str,
    clients: u32,
    mode: &str,
    script: &str,
    vars: &[(&str, &str)],
) -> anyhow::Result<(f64, f64)> {
    let url = api::db::connection_url(url, std::env::var("PGSSLMODE").ok().as_deref());
    let file = std::env::temp_dir().join(format!("jiayuan-pgbench-{}.sql", uuid::Uuid::new_v4()));
    std::fs::write(&file, script)?;
    let pg_before = cpu_seconds().1;
    let mut cmd = std::process::Command::new("pgbench");
    cmd.args(["-n", "-j", "2", "-T", "10", "-M", mode])
        .arg("-c")
        .arg(clients.to_string())
        .arg("-f")
        .arg(&file);
    for (k, v) in vars {
        cmd.arg("-D").arg(format!("{k}={v}"));
    }
    let out = cmd.arg(&url).output();
    // JIAYUAN_BENCH_KEEP=1 keeps the script beside the database, to run it again by hand.
    match std::env::var_os("JIAYUAN_BENCH_KEEP") {
        Some(_) => println!("(kept {} with {vars:?})", file.display()),
        None => {
            let _ = std::fs::remove_file(&file);
        }
    }
    let out = out.map_err(|e| {
        anyhow::anyhow!("pgbench could not run ({e}); is postgresql-client installed?")
    })?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let failed = text
        .lines()
        .find(|l| l.starts_with("number of failed transactions"))
        .unwrap_or_default()
        .to_owned();
    let tps = text
        .lines()
        .find(|l| l.starts_with("tps = "))
        .and_then(|l| l.trim_start_matches("tps = ").split_whitespace().next())
        .and_then(|n| n.parse::<f64>().ok());
    match tps {
        Some(t)
            if out.status.success() && failed.starts_with("number of failed transactions: 0 ") =>
        {
            // pgbench's backends end with it; the postmaster counts them once it has reaped
            // them.
            std::thread::sleep(Duration::from_millis(500));
            Ok((t, (cpu_seconds().1 - pg_before) * 1e6 / (t * 10.0).max(1.0)))
        }
        _ => anyhow::bail!(
            "pgbench failed: {}\n{}",
            text,
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

async fn run(label: &str, url: String, a: &Args) -> anyhow::Result<()> {
    let pg_url = url.starts_with("postgres").then(|| url.clone());
    let pg = pg_url.is_some();
    let mut settings = Settings::for_database(url);
    settings.bind = "127.0.0.1:0".into();
    // PostgreSQL needs an audit key kept outside the database; the bench makes a throw-away one.
    settings.audit_key = Some(format!("bench-{}", uuid::Uuid::new_v4().simple()).repeat(2));
    // The committee opens many topics; voters vote once each.
    settings.proposal_limit.max = 1_000_000;
    // Every voter's access token is minted once, at seeding, and must outlast every phase
    // however slow the machine: the usual 15 minutes may not (a run under a profiler had its
    // later rounds' votes refused). A day outlasts any run.
    settings.access_ttl_secs = 24 * 3600;
    // The pool as the server would have it (`JIAYUAN_DB_POOL_SIZE`, within the bounds
    // `jiayuan serve` takes).
    if let Ok(v) = std::env::var("JIAYUAN_DB_POOL_SIZE") {
        match v.parse::<u32>() {
            Ok(n) if (api::db::MIN_POOL_SIZE..=1000).contains(&n) => settings.db_pool_size = n,
            _ => anyhow::bail!(
                "JIAYUAN_DB_POOL_SIZE must be {}–1000, not {v}",
                api::db::MIN_POOL_SIZE
            ),
        }
    }
    if pg_url.is_some() {
        println!(
            "[{label}] server pool: {} connections",
            settings.db_pool_size
        );
    }
    // The server as `Application::build` makes it, with a hook that can copy the statements it
    // runs (for pgbench to run the reads' statements on their own, below); it copies nothing
    // until asked.
    let pool_size = settings.db_pool_size;
    let mut db = api::db::connect_with(&settings.database_url, pool_size).await?;
    let capture = Capture::default();
    if pg {
        let c = capture.clone();
        db.set_metric_callback(move |info| c.keep(info.statement));
    }
    api::db::migrate(&db).await?;
    let app = Application::build_with_db(settings, db).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    let state = app.state().clone();
    tokio::spawn(app.into_server());
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(a.concurrency)
        .build()?;

    let t = Instant::now();
    let s = Arc::new(seed(&state, a.households).await?);
    println!(
        "[{label}] seeded {} owner households in {:.1} s",
        a.households,
        t.elapsed().as_secs_f64()
    );

    let want = |phase: &str| a.only.as_deref().is_none_or(|o| o == phase);
    if want("votes") {
        votes(
            label,
            &http,
            &base,
            &state,
            &s,
            a.concurrency,
            pg_url.as_deref(),
        )
        .await?;
    }

    // A list page against a trivial query on the same server (issue 7: at least 0.5×).
    if want("reads") {
        // What a committee waits for: opening a ballot freezes the electorate and tells every
        // voter (a notification and an SMS outbox row each).
        let mut opens = Vec::new();
        let mut first = None;
        for i in 0..20 {
            let t = Instant::now();
            let (ballot, _) = open_motion(&http, &base, &s, &format!("列表议题 {i}")).await?;
            opens.push(t.elapsed());
            first.get_or_insert(ballot);
        }
        // Issue 7's setting: the community holds 500 topics, each with a ballot; the page shows
        // the 20 newest (open) ones.
        if let Some(ballot) = first {
            backfill_topics(&state, &ballot, LIST_TOPICS - 20).await?;
        }
        // The openings queued an SMS per voter; the reads are measured once the background
        // job has sent them (which is a figure of its own).
        drain_outbox(label, &state).await?;
        opens.sort();
        println!(
            "[{label}] proposeTopic + openBallot for {} households: median {}, slowest {} (20 ballots)",
            s.voters.len(),
            ms(percentile(&opens, 0.50)),
            ms(percentile(&opens, 1.0))
        );
        let voter = &s.voters[0].0;
        // One query's load: 32 clients, the first voter's token.
        let (h, b) = (&http, &base);
        let read =
            move |query: &'static str, vars: Value| throughput(h, b, voter, query, vars, 32, pg);
        let me = read("query { me { id } }", json!({})).await?;
        println!("[{label}] reads, 32 concurrent clients for 5 s: me {me}");
        // Where a list page's cost goes: the community check and one row, twenty rows, and
        // twenty rows with their ballots' turnout (the target).
        let list_q = "query($c:ID!){ topics(communityId:$c, first: 20){ nodes { id title ballot { turnoutCount } } } }";
        for (name, query) in [
            (
                "1-topic list",
                "query($c:ID!){ topics(communityId:$c, first: 1){ nodes { id } } }",
            ),
            (
                "20-topic list without ballots",
                "query($c:ID!){ topics(communityId:$c, first: 20){ nodes { id title } } }",
            ),
            ("20-topic list with ballots", list_q),
        ] {
            let load = read(query, json!({"c": s.community})).await?;
            println!(
                "[{label}] reads, 32 concurrent clients for 5 s: {name} {load} ({:.2}× me)",
                load.per_sec / me.per_sec
            );
        }
        // The target: `me` and the list with ballots alternate three times, and the ratio is
        // the median round's, so that a shared machine's drift between two 5 s windows moves
        // both sides of a round alike.
        let mut rounds = Vec::new();
        for round in 1..=3 {
            let me = read("query { me { id } }", json!({})).await?;
            let list = read(list_q, json!({"c": s.community})).await?;
            println!(
                "[{label}] reads, round {round}: me {me}, 20-topic list with ballots {list}, ratio {:.2}",
                list.per_sec / me.per_sec
            );
            rounds.push((list.per_sec / me.per_sec, me, list));
        }
        let pages = state.topic_pages.reads();
        println!(
            "[{label}] topic pages: {} served from memory, {} kept but changed, {} read",
            pages.served, pages.stale, pages.read
        );
        rounds.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (ratio, me, list) = rounds[1];
        println!(
            "[{label}] reads, 32 concurrent clients for 5 s each: me {:.0}/s, 20-topic list with ballots {:.0}/s, ratio {ratio:.2} (the median of 3 alternating rounds; target ≥ 0.5)",
            me.per_sec, list.per_sec
        );
        // PostgreSQL's own share of that ratio: the one statement each request ran, copied as
        // the server sent it (parameters and all), run by pgbench alone on the same database,
        // with as many clients as the server's pool has connections.
        if let Some(pg_url) = &pg_url {
            let mut runs = Vec::new();
            for (name, query, vars) in [
                ("me", "query { me { id } }", json!({})),
                ("the list", list_q, json!({"c": s.community})),
            ] {
                let stmt = capture
                    .during(gql(&http, &base, voter, query, vars))
                    .await?;
                let (script, vars) = pgbench_script(&stmt)?;
                let vars: Vec<(&str, &str)> =
                    vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let (tps, pg_us) = pgbench(pg_url, pool_size, "prepared", &script, &vars)?;
                println!(
                    "[{label}] pgbench, {name}'s statement alone (prepared, {pool_size} clients, 10 s): {tps:.0}/s ({pg_us:.0} µs PostgreSQL CPU each)"
                );
                runs.push(tps);
            }
            if let [me_tps, list_tps] = runs[..] {
                println!(
                    "[{label}] pgbench, the list's statement / me's = {:.2} (PostgreSQL's own ratio for the two requests; HTTP's above: {ratio:.2})",
                    list_tps / me_tps
                );
            }
        }
    }

    if want("rush") {
        rush(label, &http, &base, &state, &s, a.concurrency).await?;
    }

    // Tally reads at 1k and 100k votes.
    for n in [1_000usize, 100_000] {
        if !want("tallies") {
            break;
        }
        let (ballot, yes) = open_motion(&http, &base, &s, &format!("基准议题 {n}")).await?;
        stuff_ballot(&state, &ballot, &yes, n).await?;
        let lat = tally_latency(&http, &base, &s.committee_token, &ballot, 200).await?;
        println!(
            "[{label}] tally read at {n:>6} votes: p50 {}, p99 {} (200 reads)",
            ms(percentile(&lat, 0.50)),
            ms(percentile(&lat, 0.99))
        );
    }
    Ok(())
}

/// Waits (at most 5 minutes) until the background job has sent every queued message, and
/// prints how many there were and how long it took.
async fn drain_outbox(label: &str, state: &AppState) -> anyhow::Result<()> {
    let drain = Instant::now();
    let pending = || {
        use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
        entity::outbox::Entity::find()
            .filter(entity::outbox::Column::Status.eq(entity::outbox::OutboxStatus::Pending))
            .count(&state.db)
    };
    let queued = pending().await?;
    while pending().await? > 0 && drain.elapsed() < Duration::from_secs(300) {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    println!(
        "[{label}] outbox: {queued} queued messages sent in {} (left: {})",
        ms(drain.elapsed()),
        pending().await?
    );
    Ok(())
}

/// castVote under a rush (issue 7 §2): every household votes once on a ballot of its own,
/// `concurrency` at a time, over HTTP. On PostgreSQL, pgbench runs the same vote transaction
/// (`pgbench/vote_append.sql`) after each HTTP round, on a ballot of its own, and the ratio
/// printed against the target is the median of three alternating rounds, so that the
/// machine's drift between two windows moves both sides of a round alike (one pair of windows
/// moved by ±0.04 from run to run). Every ballot is opened first, and the SMS that each
/// opening queues are sent before any window is measured: the background job that sends them
/// is not part of a vote, and it used to run through the first HTTP window and pgbench's.
async fn votes(
    label: &str,
    http: &reqwest::Client,
    base: &str,
    state: &AppState,
    s: &Arc<Seeded>,
    concurrency: usize,
    pg_url: Option<&str>,
) -> anyhow::Result<()> {
    let rounds = if pg_url.is_some() { 3 } else { 1 };
    let mut ballots = Vec::new();
    for round in 1..=rounds {
        ballots.push(open_motion(http, base, s, &format!("基准议题 {round}")).await?);
    }
    let mut scripts = Vec::new();
    if pg_url.is_some() {
        for (name, mode, script) in [
            (
                "append-only (today)",
                "prepared",
                include_str!("pgbench/vote_append.sql"),
            ),
            (
                "with counters (before)",
                "simple",
                include_str!("pgbench/vote_counters.sql"),
            ),
        ] {
            let ballot = open_motion(http, base, s, name).await?;
            scripts.push((name, mode, script, ballot));
        }
    }
    drain_outbox(label, state).await?;
    let voter = &s.voters[1];
    let run_pgbench = |url: &str, mode: &str, script: &str, (ballot, option): &(String, String)| {
        pgbench(
            url,
            64,
            mode,
            script,
            &[
                ("account", &voter.2),
                ("community", &s.community),
                ("ballot", ballot),
                ("household", &voter.1),
                ("option", option),
                ("session", "pgbench"),
            ],
        )
    };
    let mut pairs = Vec::new();
    for (round, (ballot, yes)) in ballots.iter().enumerate() {
        let rate = cast_all(
            label,
            http,
            base,
            s,
            concurrency,
            ballot,
            yes,
            round == 0,
            pg_url.is_some(),
        )
        .await?;
        if let (Some(url), Some((name, mode, script, pb))) = (pg_url, scripts.first()) {
            let (tps, pg_us) = run_pgbench(url, mode, script, pb)?;
            println!(
                "[{label}] round {}: castVote {rate:.0} votes/s; pgbench, vote transaction {name}: {tps:.0} transactions/s (64 clients, 10 s; {pg_us:.0} µs PostgreSQL CPU each); HTTP castVote / this = {:.2}",
                round + 1,
                rate / tps
            );
            pairs.push((rate / tps, rate, tps));
        }
    }
    let Some(url) = pg_url else {
        return Ok(());
    };
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let Some(&(ratio, rate, tps)) = pairs.get(pairs.len() / 2) else {
        return Ok(());
    };
    println!(
        "[{label}] castVote {rate:.0} votes/s, pgbench's vote transaction append-only (today) {tps:.0} transactions/s: HTTP castVote / pgbench = {ratio:.2} (the median of {} alternating rounds; target ≥ 0.6)",
        pairs.len()
    );
    if let Some((name, mode, script, pb)) = scripts.get(1) {
        let (tps, pg_us) = run_pgbench(url, mode, script, pb)?;
        println!(
            "[{label}] pgbench, vote transaction {name}: {tps:.0} transactions/s (64 clients, 10 s; {pg_us:.0} µs PostgreSQL CPU each); HTTP castVote (the median round) / this = {:.2}",
            rate / tps
        );
    }
    Ok(())
}

/// One call of [`fan_out`]: how long it took, when it finished (since the start) and what it
/// answered.
struct Call<T> {
    latency: Duration,
    finished: Duration,
    answer: T,
}

/// Runs `op(i)` once for every `i` of `items`, `concurrency` at a time (a worker takes the next
/// item as soon as its call is answered); returns every call and the time the whole took.
async fn fan_out<T, F, Fut>(
    items: Vec<usize>,
    concurrency: usize,
    op: F,
) -> anyhow::Result<(Vec<Call<T>>, Duration)>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = T> + Send,
{
    let queue = Arc::new(tokio::sync::Mutex::new(items));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (queue, op) = (queue.clone(), op.clone());
        workers.push(tokio::spawn(async move {
            let mut calls = Vec::new();
            loop {
                let Some(i) = queue.lock().await.pop() else {
                    break;
                };
                let t = Instant::now();
                let answer = op(i).await;
                calls.push(Call {
                    latency: t.elapsed(),
                    finished: started.elapsed(),
                    answer,
                });
            }
            calls
        }));
    }
    let mut calls = Vec::new();
    for w in workers {
        calls.extend(w.await?);
    }
    Ok((calls, started.elapsed()))
}

/// Every voter votes once on `ballot`, `concurrency` at a time; returns the votes per second.
/// `detail`: also prints latency, the first and last quarter's rates, CPU and the turnout.
#[allow(clippy::too_many_arguments)]
async fn cast_all(
    label: &str,
    http: &reqwest::Client,
    base: &str,
    s: &Arc<Seeded>,
    concurrency: usize,
    ballot: &str,
    yes: &str,
    detail: bool,
    pg: bool,
) -> anyhow::Result<f64> {
    let cpu_before = cpu_seconds();
    let each = (
        http.clone(),
        base.to_owned(),
        ballot.to_owned(),
        yes.to_owned(),
        s.clone(),
    );
    let (calls, elapsed) = fan_out((0..s.voters.len()).collect(), concurrency, move |i| {
        let (http, base, ballot, yes, voters) = each.clone();
        async move {
            gql(
                &http,
                &base,
                &voters.voters[i].0,
                "mutation($b:ID!,$o:[ID!]!){ castVote(ballotId:$b, optionIds:$o){ receipt } }",
                json!({"b": ballot, "o": [yes]}),
            )
            .await
            .is_ok()
        }
    })
    .await?;
    let cpu_after = cpu_seconds();
    let errors = calls.iter().filter(|c| !c.answer).count();
    let mut lat: Vec<Duration> = calls.iter().map(|c| c.latency).collect();
    let mut done: Vec<Duration> = calls.iter().map(|c| c.finished).collect();
    lat.sort();
    done.sort();
    // Only the votes that counted: a round whose votes failed fast must not look fast.
    let rate = (lat.len() - errors) as f64 / elapsed.as_secs_f64();
    if !detail {
        println!(
            "[{label}] castVote: {} votes, {concurrency} concurrent, {rate:.0} votes/s, p99 {}, errors {errors}",
            lat.len(),
            ms(percentile(&lat, 0.99)),
        );
        return Ok(rate);
    }
    // Votes per second over the first and the last quarter of the votes (decay shows here).
    let q = done.len() / 4;
    let (first_q, last_q) = if q > 0 {
        (
            q as f64 / done[q - 1].as_secs_f64(),
            q as f64 / (done[done.len() - 1] - done[done.len() - 1 - q]).as_secs_f64(),
        )
    } else {
        (0.0, 0.0)
    };
    println!(
        "[{label}] castVote: {} votes, {} concurrent, {:.0} votes/s, p50 {}, p99 {}, errors {}",
        lat.len(),
        concurrency,
        lat.len() as f64 / elapsed.as_secs_f64(),
        ms(percentile(&lat, 0.50)),
        ms(percentile(&lat, 0.99)),
        errors
    );
    println!(
    "[{label}] castVote rate: first quarter {first_q:.0} votes/s, last quarter {last_q:.0} votes/s"
);
    let per_vote = |before: f64, after: f64| (after - before) * 1e6 / lat.len().max(1) as f64;
    let pg_part = match pg {
        true => format!(", {:.0} µs PostgreSQL", per_vote(cpu_before.1, cpu_after.1)),
        false => String::new(),
    };
    println!(
        "[{label}] castVote CPU per vote: {:.0} µs server and client{pg_part}",
        per_vote(cpu_before.0, cpu_after.0),
    );
    let check = gql(
        http,
        base,
        &s.committee_token,
        "query($b:ID!){ ballot(id:$b){ turnoutCount } }",
        json!({"b": ballot}),
    )
    .await?;
    println!(
        "[{label}] turnout after the run: {} (expected {})",
        check["ballot"]["turnoutCount"],
        s.voters.len() - errors
    );
    Ok(rate)
}

/// The sign-up rush (issue 11): 2,000 residents sign up for 50 seats at once through
/// `concurrency` connections. Prints throughput, p50/p99, the confirmed seats (must be exactly
/// 50) and whether the waitlist positions answered are exactly 1..N.
async fn rush(
    label: &str,
    http: &reqwest::Client,
    base: &str,
    state: &AppState,
    s: &Arc<Seeded>,
    concurrency: usize,
) -> anyhow::Result<()> {
    const RESIDENTS: usize = 2_000;
    const SEATS: i64 = 50;
    let starts = chrono::Utc::now() + chrono::Duration::days(3);
    let created = gql(
        http,
        base,
        &s.committee_token,
        "mutation($i:EventInput!){ createEvent(input:$i){ id } }",
        json!({ "i": {
            "communityId": s.community,
            "title": "重阳节联欢会（基准）",
            "kind": "CULTURAL",
            "place": "社区活动中心",
            "startsAt": starts.to_rfc3339(),
            "endsAt": (starts + chrono::Duration::hours(2)).to_rfc3339(),
            "capacity": SEATS,
            "companionsAllowed": 0,
        }}),
    )
    .await?;
    let event = created["createEvent"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let n = RESIDENTS.min(s.voters.len().saturating_sub(1));
    let each = (http.clone(), base.to_owned(), s.clone(), event.clone());
    let (calls, elapsed) = fan_out((1..=n).collect(), concurrency, move |i| {
        let (http, base, voters, ev) = each.clone();
        async move {
            gql(
                &http,
                &base,
                &voters.voters[i].0,
                "mutation($e:ID!){ signUp(eventId:$e){ status waitlistPosition } }",
                json!({ "e": ev }),
            )
            .await
            .ok()
            .map(|v| v["signUp"].clone())
        }
    })
    .await?;
    let errors = calls.iter().filter(|c| c.answer.is_none()).count();
    let mut lat: Vec<Duration> = calls.iter().map(|c| c.latency).collect();
    let answers: Vec<Value> = calls.into_iter().filter_map(|c| c.answer).collect();
    lat.sort();
    let confirmed = answers
        .iter()
        .filter(|a| a["status"] == "CONFIRMED")
        .count() as i64;
    let mut positions: Vec<i64> = answers
        .iter()
        .filter_map(|a| a["waitlistPosition"].as_i64())
        .collect();
    positions.sort_unstable();
    let expected: Vec<i64> = (1..=positions.len() as i64).collect();
    // What the database holds, not only what was answered.
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
    let stored = entity::registration::Entity::find()
        .filter(entity::registration::Column::EventId.eq(event.clone()))
        .filter(
            entity::registration::Column::Status
                .eq(entity::registration::RegistrationStatus::Confirmed),
        )
        .count(&state.db)
        .await? as i64;
    println!(
        "[{label}] sign-up rush: {n} residents for {SEATS} seats, {concurrency} connections: {:.0} sign-ups/s, p50 {}, p99 {}, {errors} errors",
        n as f64 / elapsed.as_secs_f64(),
        ms(percentile(&lat, 0.50)),
        ms(percentile(&lat, 0.99)),
    );
    println!(
        "[{label}] sign-up rush: confirmed {confirmed} answered / {stored} stored (seats {SEATS}; oversold {}), waitlist positions 1..{} {}",
        (stored - SEATS).max(0),
        positions.len(),
        if positions == expected { "with no gap or duplicate" } else { "WITH GAPS OR DUPLICATES" }
    );
    if stored > SEATS || confirmed != SEATS || positions != expected || errors > 0 {
        anyhow::bail!("the sign-up rush broke an invariant");
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = args();
    println!(
        "jiayuan-bench: {} households, {} concurrent voters, {} cores",
        a.households,
        a.concurrency,
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );
    if !a.no_sqlite {
        let file = std::env::temp_dir().join(format!("jiayuan-bench-{}.db", std::process::id()));
        let r = run(
            "sqlite",
            format!("sqlite://{}?mode=rwc", file.display()),
            &a,
        )
        .await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
        r?;
    }
    if let Some(server) = &a.pg {
        let server = server.trim_end_matches('/');
        let name = format!("jiayuan_bench_{}", std::process::id());
        let admin = Database::connect(format!("{server}/postgres")).await?;
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await?;
        let r = run("postgres", format!("{server}/{name}"), &a).await;
        // JIAYUAN_BENCH_KEEP=1 keeps the database for EXPLAIN ANALYZE afterwards.
        if std::env::var("JIAYUAN_BENCH_KEEP").is_ok_and(|v| v == "1") {
            println!("[postgres] kept the database {name}");
        } else {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
        }
        r?;
    }
    Ok(())
}
