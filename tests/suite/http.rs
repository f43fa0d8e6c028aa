//! The HTTP surface (DESIGN §9): health, metrics (every family from the first scrape), GraphiQL,
//! request limits, error codes, and the portal fallback with its Content-Security-Policy. The
//! GraphQL-over-HTTP protocol itself is `graphql_http`.

use std::io::{Read, Write};

use serde_json::{json, Value};

use crate::build::BallotSpec;
use crate::harness::*;

const CODES: [&str; 8] = [
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "BAD_USER_INPUT",
    "CONFLICT",
    "INVALID_STATE",
    "RATE_LIMITED",
    "INTERNAL",
];

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.http
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

/// POSTs a raw body to /graphql: (status, JSON body or Null).
async fn post_raw(app: &TestApp, body: impl Into<reqwest::Body>) -> (u16, Value) {
    let resp = app
        .http
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST /graphql: {e}"));
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn post_json(app: &TestApp, token: Option<&str>, body: Value) -> Value {
    let mut req = app
        .http
        .post(format!("{}/graphql", app.address))
        .json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send()
        .await
        .unwrap_or_else(|e| panic!("POST /graphql: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("not JSON: {e}"))
}

async fn metrics(app: &TestApp) -> String {
    let resp = get(app, "/metrics").await;
    assert_eq!(resp.status().as_u16(), 200);
    resp.text().await.unwrap_or_default()
}

/// The value of one sample line (`name{labels} value`), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series))
        .and_then(|rest| rest.trim().parse().ok())
}

/// Every error of a response carries a known `extensions.code`.
fn assert_all_errors_coded(resp: &Value) {
    let errors = resp["errors"].as_array().cloned().unwrap_or_default();
    assert!(!errors.is_empty(), "expected errors: {resp}");
    for e in errors {
        let code = e["extensions"]["code"].as_str().unwrap_or("<none>");
        assert!(CODES.contains(&code), "error without a known code: {e}");
    }
}

fn introspection_of_depth(depth: usize) -> String {
    // __schema(1) types(2) fields(3) type(4), then ofType levels, then name. `me` beside it keeps
    // the document under the normal limit (introspection alone has its own: security::graphiql).
    let of_types = depth - 5;
    format!(
        "{{ me {{ id }} __schema {{ types {{ fields {{ type {{ {}name{} }} }} }} }} }}",
        "ofType { ".repeat(of_types),
        " }".repeat(of_types)
    )
}

#[tokio::test]
async fn health_and_readiness_answer_200() {
    let app = TestApp::spawn().await;
    for path in ["/healthz", "/readyz"] {
        let resp = get(&app, path).await;
        assert_eq!(resp.status().as_u16(), 200, "{path}");
    }
}

#[tokio::test]
async fn metrics_count_requests_by_operation_and_errors_by_code() {
    let app = TestApp::spawn().await;
    let w = app.community().await;

    for _ in 0..2 {
        let resp = post_json(
            &app,
            Some(w.token(RESIDENT)),
            json!({ "query": "query JiayuanProbe { me { id } }", "operationName": "JiayuanProbe" }),
        )
        .await;
        assert!(resp.get("errors").is_none(), "{resp}");
    }
    let before = sample(
        &metrics(&app).await,
        "jiayuan_graphql_errors_total{code=\"UNAUTHENTICATED\"}",
    )
    .unwrap_or(0.0);
    let failed = app.gql(None, "{ communities { id } }", json!({})).await;
    assert_eq!(error_code(&failed), "UNAUTHENTICATED");

    let text = metrics(&app).await;
    assert_eq!(
        sample(&text, "jiayuan_graphql_requests_total{operation=\"me\"}"),
        Some(2.0),
        "{text}"
    );
    assert!(
        text.contains("jiayuan_graphql_request_duration_seconds_bucket{operation=\"me\""),
        "{text}"
    );
    assert!(
        !text.contains("JiayuanProbe"),
        "client names are no labels: {text}"
    );
    assert_eq!(
        sample(
            &text,
            "jiayuan_graphql_errors_total{code=\"UNAUTHENTICATED\"}"
        ),
        Some(before + 1.0),
        "{text}"
    );
}

/// Every family is on the first scrape of a fresh server, before any GraphQL request.
#[tokio::test]
async fn the_first_scrape_of_a_fresh_server_has_every_family() {
    let app = TestApp::spawn().await;

    let text = metrics(&app).await;

    let mut families = vec![
        "jiayuan_build_info",
        "jiayuan_db_pool_connections",
        "jiayuan_db_pool_idle_connections",
        "jiayuan_db_pool_max_connections",
        "jiayuan_graphql_requests_total",
        "jiayuan_graphql_request_duration_seconds",
        "jiayuan_graphql_failed_requests_total",
        "jiayuan_graphql_errors_total",
        "jiayuan_votes_cast_total",
        "jiayuan_vote_changes_total",
        "jiayuan_event_signups_total",
    ];
    if cfg!(target_os = "linux") {
        families.extend([
            "process_resident_memory_bytes",
            "process_cpu_seconds_total",
            "process_open_fds",
            "process_max_fds",
        ]);
    }
    for family in families {
        assert!(
            text.contains(&format!("# TYPE {family} ")),
            "{family} is missing: {text}"
        );
    }
    let version = format!(
        "jiayuan_build_info{{version=\"{}\"}}",
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(sample(&text, &version), Some(1.0), "{text}");
    // Known operations and codes start at zero.
    for series in [
        "jiayuan_graphql_requests_total{operation=\"castVote\"}",
        "jiayuan_graphql_requests_total{operation=\"other\"}",
        "jiayuan_graphql_failed_requests_total{operation=\"topics\"}",
        "jiayuan_graphql_request_duration_seconds_count{operation=\"me\"}",
        "jiayuan_graphql_errors_total{code=\"INTERNAL\"}",
        "jiayuan_votes_cast_total{channel=\"online\"}",
        "jiayuan_votes_cast_total{channel=\"paper\"}",
        "jiayuan_vote_changes_total",
        "jiayuan_event_signups_total{status=\"CONFIRMED\"}",
        "jiayuan_event_signups_total{status=\"WAITLISTED\"}",
    ] {
        assert_eq!(sample(&text, series), Some(0.0), "{series}: {text}");
    }
    // The pool is read at scrape time: at least one connection, never more than the maximum.
    let open = sample(&text, "jiayuan_db_pool_connections").unwrap_or(0.0);
    let max = sample(&text, "jiayuan_db_pool_max_connections").unwrap_or(0.0);
    let idle = sample(&text, "jiayuan_db_pool_idle_connections").unwrap_or(-1.0);
    assert!(
        open >= 1.0 && open <= max && idle >= 0.0 && idle <= open,
        "{text}"
    );
    if cfg!(target_os = "linux") {
        let rss = sample(&text, "process_resident_memory_bytes").unwrap_or(0.0);
        assert!(rss > 1_000_000.0, "{text}");
        assert!(
            sample(&text, "process_open_fds").unwrap_or(0.0) >= 3.0,
            "{text}"
        );
    }
}

/// `--db-pool-size` bounds the PostgreSQL pool (SQLite keeps its one connection), and the
/// metrics say so. The smallest pool, two, still serves: the bus's listener holds one
/// connection of it, and requests and the background jobs share the other.
#[tokio::test]
async fn the_pool_size_setting_bounds_the_database_pool() {
    let app = TestApp::spawn_with(|s| s.db_pool_size = api::db::MIN_POOL_SIZE).await;
    let admin = app.admin_token().await;
    let id = app.create_community(&admin, "小池社区").await;
    let found = app
        .ok(
            Some(&admin),
            "query($c:ID!){ community(id:$c){ name } }",
            json!({"c": id}),
        )
        .await;
    assert_eq!(found["community"]["name"], "小池社区", "{found}");
    let text = metrics(&app).await;
    let want = match backend() {
        "postgres" => f64::from(api::db::MIN_POOL_SIZE),
        _ => 1.0,
    };
    assert_eq!(
        sample(&text, "jiayuan_db_pool_max_connections"),
        Some(want),
        "{text}"
    );
}

/// A vote moves `jiayuan_votes_cast_total{channel="online"}`; a changed vote is counted apart;
/// a paper ballot moves `{channel="paper"}`; a refused vote moves none.
#[tokio::test]
async fn votes_move_the_votes_counter() {
    use crate::ballots::{
        deliberating_topic, open_ballot, option_id, vote, voters, COMMITTEE_PHONE, OWNERS_ROSTER,
    };
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let ballot = open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
    let id = ballot["id"].as_str().unwrap_or_default().to_owned();
    let yes = option_id(&ballot, "APPROVE");
    let no = option_id(&ballot, "OPPOSE");
    let counters = |text: &str| {
        (
            sample(text, "jiayuan_votes_cast_total{channel=\"online\"}"),
            sample(text, "jiayuan_vote_changes_total"),
            sample(text, "jiayuan_votes_cast_total{channel=\"paper\"}"),
        )
    };
    assert_eq!(
        counters(&metrics(&app).await),
        (Some(0.0), Some(0.0), Some(0.0))
    );

    let first = vote(
        &app,
        v.token("13800000102"),
        &id,
        std::slice::from_ref(&yes),
    )
    .await;
    let receipt = first["data"]["castVote"]["receipt"]
        .as_str()
        .unwrap_or_else(|| panic!("{first}"))
        .to_owned();
    let again = vote(
        &app,
        v.token("13800000102"),
        &id,
        std::slice::from_ref(&yes),
    )
    .await;
    assert_eq!(error_code(&again), "CONFLICT");
    let text = metrics(&app).await;
    assert_eq!(counters(&text), (Some(1.0), Some(0.0), Some(0.0)), "{text}");
    assert_eq!(
        sample(
            &text,
            "jiayuan_graphql_requests_total{operation=\"castVote\"}"
        ),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "jiayuan_graphql_failed_requests_total{operation=\"castVote\"}"
        ),
        Some(1.0),
        "{text}"
    );

    let changed = app
        .gql(
            Some(v.token("13800000102")),
            "mutation($b:ID!,$o:[ID!]!,$r:String){ castVote(ballotId:$b, optionIds:$o, receipt:$r){ receipt } }",
            json!({ "b": id, "o": [no], "r": receipt }),
        )
        .await;
    assert!(changed.get("errors").is_none(), "{changed}");
    let paper = app
        .gql(
            Some(v.token(COMMITTEE_PHONE)),
            "mutation($b:ID!,$v:ID!,$o:[ID!]!){ recordPaperBallot(ballotId:$b, voterId:$v, optionIds:$o) }",
            json!({ "b": id, "v": v.household("13800000103"), "o": [yes] }),
        )
        .await;
    assert!(paper.get("errors").is_none(), "{paper}");
    let text = metrics(&app).await;
    assert_eq!(counters(&text), (Some(1.0), Some(1.0), Some(1.0)), "{text}");
}

/// Operations are counted under the root field they call, whatever the client names them (or
/// not): the portal's `query PortalStyleProbe { me … }` counts as `me`.
#[tokio::test]
async fn a_named_operation_is_counted_under_the_field_it_calls() {
    let app = TestApp::spawn().await;

    let resp = app
        .gql(None, "query PortalStyleProbe { me { id } }", json!({}))
        .await;
    assert!(resp.get("errors").is_none(), "{resp}");

    let text = metrics(&app).await;
    assert_eq!(
        sample(&text, "jiayuan_graphql_requests_total{operation=\"me\"}"),
        Some(1.0),
        "{text}"
    );
}

#[tokio::test]
async fn graphiql_is_served_on_get() {
    let app = TestApp::spawn().await;

    let resp = get(&app, "/graphql").await;

    assert_eq!(resp.status().as_u16(), 200);
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(ct.starts_with("text/html"), "{ct}");
    let body = resp.text().await.unwrap_or_default();
    assert!(body.to_lowercase().contains("graphiql"), "{body}");
    assert!(
        body.contains("/graphql/ws"),
        "GraphiQL knows the subscription endpoint"
    );
}

#[tokio::test]
async fn a_query_nested_deeper_than_twelve_levels_is_refused() {
    let app = TestApp::spawn().await;

    let ok = app.gql(None, &introspection_of_depth(12), json!({})).await;
    assert!(ok.get("errors").is_none(), "depth 12 is allowed: {ok}");
    let deep = app.gql(None, &introspection_of_depth(13), json!({})).await;

    assert_eq!(error_code(&deep), "BAD_USER_INPUT", "{deep}");
    assert!(deep["data"].is_null(), "{deep}");
    assert_all_errors_coded(&deep);
}

#[tokio::test]
async fn a_query_over_complexity_2000_is_refused() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    // Each spread costs 5 (me + 4 fields), without a single alias.
    let query = |spreads: usize| {
        format!(
            "query {{ {} }} fragment F on Query {{ me {{ id name phone isAdmin }} }}",
            "...F ".repeat(spreads)
        )
    };

    let fine = app
        .gql(Some(w.token(RESIDENT)), &query(10), json!({}))
        .await;
    assert!(fine.get("errors").is_none(), "{fine}");
    let heavy = app
        .gql(Some(w.token(RESIDENT)), &query(401), json!({}))
        .await;

    assert_eq!(error_code(&heavy), "BAD_USER_INPUT", "{heavy}");
    assert!(heavy["data"].is_null(), "{heavy}");
    assert_all_errors_coded(&heavy);
}

#[tokio::test]
async fn more_than_thirty_aliases_are_refused() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let query = |n: usize| {
        let fields: String = (0..n).map(|i| format!("a{i}: me {{ id }} ")).collect();
        format!("{{ {fields} }}")
    };

    let thirty = app
        .gql(Some(w.token(RESIDENT)), &query(30), json!({}))
        .await;
    assert!(thirty.get("errors").is_none(), "{thirty}");
    assert!(thirty["data"]["a29"]["id"].is_string());
    let many = app
        .gql(Some(w.token(RESIDENT)), &query(31), json!({}))
        .await;

    assert_eq!(error_code(&many), "BAD_USER_INPUT", "{many}");
    assert!(many["data"].is_null(), "{many}");
    // Aliases hidden in a fragment count too.
    let fragment_fields: String = (0..31).map(|i| format!("b{i}: id ")).collect();
    let hidden = app
        .gql(
            Some(w.token(RESIDENT)),
            &format!("{{ me {{ ...V }} }} fragment V on Viewer {{ {fragment_fields} }}"),
            json!({}),
        )
        .await;
    assert_eq!(error_code(&hidden), "BAD_USER_INPUT", "{hidden}");
}

#[tokio::test]
async fn a_body_over_two_mebibytes_is_refused_and_the_server_keeps_working() {
    let app = TestApp::spawn().await;
    let pad = "x".repeat(3 * 1024 * 1024);
    let body = json!({ "query": "{ me { id } }", "variables": { "pad": pad } }).to_string();

    let sent = app
        .http
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await;

    match sent {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap_or_default();
            if status != 413 {
                let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                assert!(
                    v.get("errors").is_some() && v["data"].is_null(),
                    "an oversized body was accepted: {status} {text}"
                );
                assert_all_errors_coded(&v);
            }
        }
        // The server may answer 413 and close before the client finished sending.
        Err(e) => assert!(!e.is_timeout(), "the server hung on a large body: {e}"),
    }
    assert_eq!(get(&app, "/healthz").await.status().as_u16(), 200);
    let data = app.ok(None, "{ me { id } }", json!({})).await;
    assert!(data["me"].is_null());
    // Just under the limit is still served.
    let near = json!({ "query": "{ me { id } }", "variables": { "pad": "y".repeat(1024 * 1024) } });
    let resp = post_json(&app, None, near).await;
    assert!(resp.get("errors").is_none(), "{resp}");
}

#[tokio::test]
async fn a_malformed_json_body_is_bad_user_input() {
    let app = TestApp::spawn().await;
    for body in ["{not json", "", "[1,2,3]", "{\"variables\":{}}"] {
        let (status, resp) = post_raw(&app, body).await;
        assert!(status == 200 || status == 400, "{body:?}: {status}");
        assert_eq!(error_code(&resp), "BAD_USER_INPUT", "{body:?}: {resp}");
        assert_all_errors_coded(&resp);
    }
    assert_eq!(get(&app, "/healthz").await.status().as_u16(), 200);
}

#[tokio::test]
async fn every_error_in_every_response_has_a_code() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let r = w.token(RESIDENT).to_owned();
    let cases: Vec<(Option<&str>, &str, Value)> = vec![
        (None, "{ me { id ", json!({})),
        (None, "{ nope }", json!({})),
        (Some(&r), "{ me { nope } }", json!({})),
        (Some(&r), "{ community { id } }", json!({})),
        (Some(&r), "query($c:ID!){ community(id:$c){ id } }", json!({})),
        (Some(&r), "query($c:Int!){ community(id:$c){ id } }", json!({ "c": 1 })),
        (Some(&r), "query A { me { id } } query B { me { id } }", json!({})),
        (Some(&r), "subscription { notificationAdded { id } }", json!({})),
        (None, "{ communities { id } }", json!({})),
        (Some("garbage"), "{ me { id } }", json!({})),
        (
            Some(&r),
            "mutation { createCommunity(name: \"x社区\") { id } }",
            json!({}),
        ),
        (
            Some(&r),
            "query($c:ID!){ community(id:$c){ id } }",
            json!({ "c": "no-such-community" }),
        ),
        (
            None,
            "mutation { signIn(phone: \"12\", password: \"whatever1\") { accessToken } }",
            json!({}),
        ),
        (
            Some(&w.admin),
            "mutation { createCommunity(name: \"x\") { id } }",
            json!({}),
        ),
        (
            Some(&r),
            "{ a: me { id } b: communities { id } c: community(id: \"nope\") { id } d: residents(communityId: \"nope\") { totalCount } }",
            json!({}),
        ),
    ];

    for (token, query, vars) in cases {
        let resp = app.gql(token, query, vars).await;
        assert_all_errors_coded(&resp);
        for e in resp["errors"].as_array().cloned().unwrap_or_default() {
            let msg = e["message"].as_str().unwrap_or_default().to_lowercase();
            assert!(
                !msg.contains("sqlx") && !msg.contains("sqlite") && !msg.contains("postgres"),
                "database text leaked: {e}"
            );
        }
    }
    // Errors in one field do not hide the others (and each still has a code).
    let partial = app
        .gql(
            Some(&r),
            "{ me { id } community(id: \"nope\") { id } }",
            json!({}),
        )
        .await;
    assert!(partial["data"]["me"]["id"].is_string(), "{partial}");
    assert_eq!(error_code(&partial), "NOT_FOUND");
}

#[tokio::test]
async fn an_invalid_enum_or_id_argument_is_bad_user_input() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let c = w.token(COMMITTEE).to_owned();
    let rid = w.person(RESIDENT).resident_id.clone();
    let cases: Vec<(String, Value)> = vec![
        (
            format!("mutation {{ grantRole(residentId: \"{rid}\", role: KING) {{ id }} }}"),
            json!({}),
        ),
        (
            "mutation($r:ID!,$role:Role!){ grantRole(residentId:$r, role:$role){ id } }".into(),
            json!({ "r": rid, "role": "KING" }),
        ),
        (
            "mutation { grantRole(residentId: true, role: MEDIATOR) { id } }".into(),
            json!({}),
        ),
        (
            "mutation($r:ID!){ grantRole(residentId:$r, role: MEDIATOR){ id } }".into(),
            json!({ "r": { "id": 1 } }),
        ),
        (
            "mutation($r:ID!){ grantRole(residentId:$r, role: MEDIATOR){ id } }".into(),
            json!({ "r": null }),
        ),
        (
            "query($f:Int){ residents(communityId: \"x\", first: $f){ totalCount } }".into(),
            json!({ "f": "ten" }),
        ),
    ];

    for (query, vars) in cases {
        let resp = app.gql(Some(&c), &query, vars.clone()).await;
        assert_eq!(
            error_code(&resp),
            "BAD_USER_INPUT",
            "{query} {vars}: {resp}"
        );
        assert_all_errors_coded(&resp);
    }
    // Nothing was granted.
    let roles = app
        .ok(
            Some(w.token(RESIDENT)),
            "query($c:ID!){ me { roles(communityId:$c) } }",
            json!({ "c": w.community_id }),
        )
        .await;
    assert_eq!(roles["me"]["roles"], json!(["RESIDENT"]));
}

fn csp(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn client_routes_fall_back_to_the_portal_under_a_strict_csp() {
    let app = TestApp::spawn().await;

    for path in ["/some/client/route", "/", "/topics/123"] {
        let resp = get(&app, path).await;
        let status = resp.status().as_u16();
        let policy = csp(&resp);
        let body = resp.text().await.unwrap_or_default();

        assert!(
            policy.contains("script-src 'self'"),
            "{path}: CSP {policy:?}"
        );
        assert!(
            !policy.contains("'unsafe-inline'"),
            "{path}: CSP {policy:?}"
        );
        match status {
            200 => assert!(
                body.to_lowercase().contains("<html") || body.to_lowercase().contains("<!doctype"),
                "{path}: {body}"
            ),
            503 => assert!(body.contains("portal has not been built"), "{path}: {body}"),
            other => panic!("{path}: unexpected status {other}: {body}"),
        }
    }
}

#[tokio::test]
async fn a_missing_static_file_is_404() {
    let app = TestApp::spawn().await;
    for path in ["/nope.js", "/assets/missing.wasm", "/nope.css"] {
        let resp = get(&app, path).await;
        assert_eq!(resp.status().as_u16(), 404, "{path}");
        assert!(csp(&resp).contains("script-src 'self'"), "{path}");
    }
}

/// Sends a request line as-is (no client-side path normalisation): (status, whole response).
fn raw_get(port: u16, target: &str) -> (u16, String) {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))
        .unwrap_or_else(|e| panic!("connect: {e}"));
    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(10)));
    let req = format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    stream
        .write_all(req.as_bytes())
        .unwrap_or_else(|e| panic!("write: {e}"));
    let mut buf = Vec::new();
    let _ = stream.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

#[tokio::test]
async fn path_traversal_does_not_escape_the_portal_folder() {
    let app = TestApp::spawn().await;

    let resp = get(&app, "/..%2f..%2f..%2f..%2fetc/passwd").await;
    let status = resp.status().as_u16();
    let body = resp.text().await.unwrap_or_default();
    assert!(
        !(status == 200 && body.contains("root:")),
        "/etc/passwd was served"
    );

    let port = app.port;
    for target in [
        "/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/..%5c..%5c..%5c..%5cetc/passwd",
        "/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/assets/../../../../../etc/passwd",
    ] {
        let (status, text) = tokio::task::spawn_blocking(move || raw_get(port, target))
            .await
            .unwrap_or_else(|e| panic!("join: {e}"));
        assert!(status != 0, "{target}: no HTTP answer");
        assert!(
            !text.contains("root:x:") && !text.contains("root:*:"),
            "{target}: /etc/passwd was served ({status})"
        );
    }
    assert_eq!(get(&app, "/healthz").await.status().as_u16(), 200);
}

/// The build's precompressed copies are sent as they are to a browser that accepts them (brotli
/// first, then gzip), with the original file's type and no download prompt; hashed assets are
/// cached for a year as immutable, while index.html (and every client route) is revalidated.
#[tokio::test]
async fn assets_are_served_precompressed_and_cached_as_immutable() {
    let dir =
        std::env::temp_dir().join(format!("jiayuan-portal-{}", uuid::Uuid::new_v4().simple()));
    let assets = dir.join("assets").join("0123abcd");
    std::fs::create_dir_all(&assets).unwrap_or_else(|e| panic!("{e}"));
    let write = |path: std::path::PathBuf, body: &[u8]| {
        std::fs::write(path, body).unwrap_or_else(|e| panic!("{e}"))
    };
    write(dir.join("index.html"), b"<!doctype html><html>plain</html>");
    write(dir.join("index.html.br"), b"BROTLI-INDEX");
    write(assets.join("portal.js"), b"export const plain = 1;");
    write(assets.join("portal.js.br"), b"BROTLI-JS");
    write(assets.join("portal.js.gz"), b"GZIP-JS");
    write(assets.join("portal_bg.wasm"), b"\0asm plain");
    let portal = dir.clone();
    let app = TestApp::spawn_with(move |s| s.portal_dir = portal).await;
    let fetch = |path: &'static str, accept: Option<&'static str>| {
        let mut req = app.http.get(format!("{}{path}", app.address));
        if let Some(accept) = accept {
            req = req.header("accept-encoding", accept);
        }
        async move {
            let resp = req
                .send()
                .await
                .unwrap_or_else(|e| panic!("GET {path}: {e}"));
            let header = |name: &str| {
                resp.headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned()
            };
            let head = (
                resp.status().as_u16(),
                header("content-encoding"),
                header("content-type"),
                header("cache-control"),
                header("content-disposition"),
            );
            let body = resp.bytes().await.unwrap_or_default().to_vec();
            (head, String::from_utf8_lossy(&body).into_owned())
        }
    };
    const YEAR: &str = "public, max-age=31536000, immutable";

    let ((status, enc, ty, cache, disposition), body) =
        fetch("/assets/0123abcd/portal.js", Some("gzip, deflate, br")).await;
    assert_eq!(
        (status, enc.as_str(), body.as_str()),
        (200, "br", "BROTLI-JS")
    );
    assert!(
        ty.starts_with("text/javascript") || ty.starts_with("application/javascript"),
        "{ty}"
    );
    assert_eq!(cache, YEAR);
    assert!(!disposition.contains("attachment"), "{disposition}");

    let ((_, enc, _, _, _), body) = fetch("/assets/0123abcd/portal.js", Some("gzip")).await;
    assert_eq!((enc.as_str(), body.as_str()), ("gzip", "GZIP-JS"));
    for refusal in ["br;q=0, gzip", "br; Q=0.0, gzip"] {
        let ((_, enc, _, _, _), body) = fetch("/assets/0123abcd/portal.js", Some(refusal)).await;
        assert_eq!(
            (enc.as_str(), body.as_str()),
            ("gzip", "GZIP-JS"),
            "{refusal} refuses brotli"
        );
    }
    let vary = app
        .http
        .get(format!("{}/assets/0123abcd/portal.js", app.address))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .headers()
        .get("vary")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(vary.contains("accept-encoding"), "Vary: {vary}");
    // A path under /assets/ that is not a built file is a 404, never the app shell cached for
    // a year.
    for missing in [
        "/assets/0123abcd/",
        "/assets/nothing",
        "/assets/0123abcd/gone",
    ] {
        let ((status, _, _, cache, _), _) = fetch(missing, Some("br")).await;
        assert_eq!(status, 404, "{missing}");
        assert!(!cache.contains("immutable"), "{missing}: {cache}");
    }
    let ((_, enc, _, _, _), body) = fetch("/assets/0123abcd/portal.js", None).await;
    assert_eq!(
        (enc.as_str(), body.as_str()),
        ("", "export const plain = 1;")
    );

    // No copy: the file itself (the server may still compress it on the fly), still immutable,
    // with its own type.
    let ((status, _, ty, cache, _), _) =
        fetch("/assets/0123abcd/portal_bg.wasm", Some("identity")).await;
    assert_eq!(
        (status, ty.as_str(), cache.as_str()),
        (200, "application/wasm", YEAR)
    );

    // index.html and client routes: revalidated on every visit, precompressed too.
    for path in ["/", "/topics/abc"] {
        let ((status, enc, ty, cache, disposition), body) = fetch(path, Some("br")).await;
        assert_eq!(
            (status, enc.as_str(), cache.as_str(), body.as_str()),
            (200, "br", "no-cache", "BROTLI-INDEX"),
            "{path}"
        );
        assert!(ty.starts_with("text/html"), "{path}: {ty}");
        assert!(!disposition.contains("attachment"), "{path}: {disposition}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
