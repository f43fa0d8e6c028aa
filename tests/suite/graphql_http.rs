//! The GraphQL-over-HTTP specification (DESIGN §9): media types, status codes, GET, and the
//! `graphql-http` package's server audit run against the real binary.

use std::path::PathBuf;
use std::process::Command;

use serde_json::{json, Value};

use crate::harness::*;
use crate::security::server::RealServer;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
/// The audit package and the GraphQL.js it needs, pinned (also installed by `./dev setup`).
const GRAPHQL_HTTP: &str = "graphql-http@1.23.1";
const GRAPHQL_JS: &str = "graphql@16.15.0";

struct Answer {
    status: u16,
    content_type: String,
    body: Value,
    allow: String,
}

async fn answer(resp: reqwest::Response) -> Answer {
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (content_type, allow) = (header("content-type"), header("allow"));
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    Answer {
        status,
        content_type,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        allow,
    }
}

/// POSTs `body` as JSON with the given `Accept` (none when `None`).
async fn post(app: &TestApp, accept: Option<&str>, token: Option<&str>, body: Value) -> Answer {
    let mut req = app
        .http
        .post(format!("{}/graphql", app.address))
        .json(&body);
    if let Some(a) = accept {
        req = req.header("accept", a);
    }
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    answer(
        req.send()
            .await
            .unwrap_or_else(|e| panic!("POST /graphql: {e}")),
    )
    .await
}

async fn get(
    app: &TestApp,
    accept: Option<&str>,
    token: Option<&str>,
    params: &[(&str, &str)],
) -> Answer {
    let mut req = app
        .http
        .get(format!("{}/graphql", app.address))
        .query(params);
    if let Some(a) = accept {
        req = req.header("accept", a);
    }
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    answer(
        req.send()
            .await
            .unwrap_or_else(|e| panic!("GET /graphql: {e}")),
    )
    .await
}

#[tokio::test]
async fn the_media_type_follows_the_accept_header() {
    let app = TestApp::spawn().await;
    let query = json!({ "query": "{ __typename }" });

    for (accept, expected) in [
        (None, "application/json"),
        (Some("*/*"), "application/json"),
        (Some("application/json"), "application/json"),
        (Some(GRAPHQL_RESPONSE), GRAPHQL_RESPONSE),
        (
            Some("application/graphql-response+json, application/json;q=0.9"),
            GRAPHQL_RESPONSE,
        ),
    ] {
        let a = post(&app, accept, None, query.clone()).await;
        assert_eq!(a.status, 200, "{accept:?}");
        assert!(
            a.content_type.starts_with(expected),
            "{accept:?}: {}",
            a.content_type
        );
        assert_eq!(a.body["data"]["__typename"], "Query", "{accept:?}");
    }
    let refused = post(&app, Some("text/html"), None, query).await;
    assert_eq!(refused.status, 406);
    assert_eq!(error_code(&refused.body), "BAD_USER_INPUT");
}

/// Requests that never execute: 400 and no `data` under graphql-response+json; 200 (and no
/// `data` either) under application/json, as the specification's legacy rules have it.
#[tokio::test]
async fn requests_that_do_not_execute_are_4xx_without_data_for_graphql_response_clients() {
    let app = TestApp::spawn().await;
    let aliases: String = (0..31).map(|i| format!("a{i}: __typename ")).collect();
    let cases = [
        ("unparsable", json!({ "query": "{" })),
        ("invalid", json!({ "query": "{ noSuchField }" })),
        (
            "variable coercion",
            json!({ "query": "query($id: ID!){ __typename }", "variables": { "id": null } }),
        ),
        (
            "our alias limit",
            json!({ "query": format!("{{ {aliases} }}") }),
        ),
        (
            "a control character",
            json!({ "query": "query($t: String){ __type(name: $t) { name } }", "variables": { "t": "a\u{0}" } }),
        ),
    ];
    for (what, body) in cases {
        let a = post(&app, Some(GRAPHQL_RESPONSE), None, body.clone()).await;
        assert_eq!(a.status, 400, "{what}: {}", a.body);
        assert!(a.content_type.starts_with(GRAPHQL_RESPONSE), "{what}");
        assert!(a.body.get("data").is_none(), "{what}: {}", a.body);
        assert_eq!(error_code(&a.body), "BAD_USER_INPUT", "{what}: {}", a.body);

        let legacy = post(&app, Some("application/json"), None, body).await;
        assert_eq!(legacy.status, 200, "{what}: {}", legacy.body);
        assert!(legacy.content_type.starts_with("application/json"));
        assert!(legacy.body.get("data").is_none(), "{what}: {}", legacy.body);
        assert_eq!(error_code(&legacy.body), "BAD_USER_INPUT", "{what}");
    }
    // Field errors execute: 200 with data under either media type.
    let w = app.community().await;
    let partial = post(
        &app,
        Some(GRAPHQL_RESPONSE),
        Some(w.token(RESIDENT)),
        json!({ "query": "{ me { id } community(id: \"nope\") { id } }" }),
    )
    .await;
    assert_eq!(partial.status, 200, "{}", partial.body);
    assert!(partial.body["data"]["me"]["id"].is_string());
    assert_eq!(error_code(&partial.body), "NOT_FOUND");
    let denied = post(
        &app,
        Some(GRAPHQL_RESPONSE),
        None,
        json!({ "query": "{ communities { id } }" }),
    )
    .await;
    assert_eq!(denied.status, 200, "{}", denied.body);
    assert_eq!(error_code(&denied.body), "UNAUTHENTICATED");
    assert!(denied.body.get("data").is_some(), "{}", denied.body);
}

#[tokio::test]
async fn malformed_requests_are_400_whatever_the_client_accepts() {
    let app = TestApp::spawn().await;
    let bodies = [
        json!({ "qeury": "{ __typename }" }),
        json!({ "query": { "obj": "ect" } }),
        json!({ "query": "{ __typename }", "variables": "string" }),
        json!({ "query": "{ __typename }", "variables": ["array"] }),
        json!({ "query": "{ __typename }", "operationName": 0 }),
        json!({ "query": "{ __typename }", "extensions": false }),
        json!([{ "query": "{ __typename }" }, { "query": "{ __typename }" }]),
    ];
    for accept in [None, Some(GRAPHQL_RESPONSE)] {
        for body in &bodies {
            let a = post(&app, accept, None, body.clone()).await;
            assert_eq!(a.status, 400, "{accept:?} {body}: {}", a.body);
            assert_eq!(error_code(&a.body), "BAD_USER_INPUT", "{body}");
            assert!(a.body.get("data").is_none(), "{body}");
        }
    }
    // Null parameters are the same as absent ones.
    let nulls = json!({ "query": "{ __typename }", "operationName": null, "variables": null, "extensions": null });
    let a = post(&app, Some(GRAPHQL_RESPONSE), None, nulls).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.body.get("errors").is_none(), "{}", a.body);
}

#[tokio::test]
async fn a_post_without_a_json_content_type_is_415_and_does_not_run() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let body =
        json!({ "query": "mutation { createCommunity(name: \"表单社区\") { id } }" }).to_string();

    for content_type in [
        None,
        Some("text/plain;charset=UTF-8"),
        Some("application/x-www-form-urlencoded"),
        Some("application/json; charset=latin1"),
    ] {
        let mut req = app
            .http
            .post(format!("{}/graphql", app.address))
            .bearer_auth(&admin)
            .body(body.clone());
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let a = answer(req.send().await.unwrap_or_else(|e| panic!("{e}"))).await;
        assert_eq!(a.status, 415, "{content_type:?}: {}", a.body);
        assert_eq!(error_code(&a.body), "BAD_USER_INPUT");
    }
    let communities = app
        .ok(Some(&admin), "{ communities { name } }", json!({}))
        .await;
    assert_eq!(communities["communities"], json!([]), "nothing was created");
    // `application/json; charset=utf-8` is JSON.
    let a = answer(
        app.http
            .post(format!("{}/graphql", app.address))
            .header("content-type", "application/json; charset=utf-8")
            .body(json!({ "query": "{ __typename }" }).to_string())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
}

#[tokio::test]
async fn get_runs_queries_but_never_mutations_and_still_serves_graphiql() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let token = w.token(RESIDENT);

    let q = get(&app, None, Some(token), &[("query", "{ me { id } }")]).await;
    assert_eq!(q.status, 200, "{}", q.body);
    assert!(q.content_type.starts_with("application/json"));
    assert!(q.body["data"]["me"]["id"].is_string(), "{}", q.body);
    let vars = get(
        &app,
        Some(GRAPHQL_RESPONSE),
        None,
        &[
            (
                "query",
                "query T($name: String!) { __type(name: $name) { name } }",
            ),
            ("variables", "{\"name\":\"Topic\"}"),
            ("operationName", "T"),
        ],
    )
    .await;
    assert_eq!(vars.status, 200, "{}", vars.body);
    assert!(vars.content_type.starts_with(GRAPHQL_RESPONSE));
    assert_eq!(vars.body["data"]["__type"]["name"], "Topic");
    let bad_vars = get(
        &app,
        None,
        None,
        &[("query", "{ __typename }"), ("variables", "{nope")],
    )
    .await;
    assert_eq!(bad_vars.status, 400, "{}", bad_vars.body);

    // A mutation over GET is 405 and does not run, whatever the client accepts.
    let admin = app.admin_token().await;
    let mutation = "mutation { createCommunity(name: \"GET社区\") { id } }";
    for accept in [None, Some(GRAPHQL_RESPONSE)] {
        let m = get(&app, accept, Some(&admin), &[("query", mutation)]).await;
        assert_eq!(m.status, 405, "{}", m.body);
        assert!(m.allow.contains("POST"), "{}", m.allow);
        assert!(m.body.get("data").is_none());
        assert_eq!(error_code(&m.body), "BAD_USER_INPUT");
    }
    let chosen = get(
        &app,
        None,
        Some(&admin),
        &[
            ("query", &format!("query A {{ __typename }} {mutation}")),
            ("operationName", ""),
        ],
    )
    .await;
    assert_ne!(
        chosen.status, 405,
        "operation A is not chosen by an empty name"
    );
    let named = get(
        &app,
        None,
        Some(&admin),
        &[
            (
                "query",
                "query A { __typename } mutation B { createCommunity(name: \"B社区\") { id } }",
            ),
            ("operationName", "B"),
        ],
    )
    .await;
    assert_eq!(named.status, 405, "{}", named.body);
    let names = app
        .ok(Some(&admin), "{ communities { name } }", json!({}))
        .await;
    let names = names["communities"].to_string();
    assert!(
        !names.contains("GET社区") && !names.contains("B社区"),
        "{names}"
    );

    // Without a `query` parameter GET /graphql is still GraphiQL.
    for params in [vec![], vec![("tab", "docs")]] {
        let page = app
            .http
            .get(format!("{}/graphql", app.address))
            .query(&params)
            .header("accept", "text/html")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(page.status().as_u16(), 200);
        let ct = page
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(ct.starts_with("text/html"), "{params:?}: {ct}");
    }
}

/// Where the audit package is installed (as `./dev setup` does): `$JIAYUAN_TOOLS/graphql-http`,
/// by default `~/.cache/jiayuan/graphql-http`.
fn audit_tools() -> PathBuf {
    let tools = std::env::var("JIAYUAN_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/tmp".into()))
                .join(".cache/jiayuan")
        });
    tools.join("graphql-http")
}

/// Installs `graphql-http` once (a no-op when the pinned version is there). Fails the test, with
/// what to do, when it cannot.
fn install_audit_package() -> PathBuf {
    let dir = audit_tools();
    let installed = std::fs::read_to_string(dir.join("node_modules/graphql-http/package.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .and_then(|p| p["version"].as_str().map(str::to_owned));
    let wanted = GRAPHQL_HTTP.split('@').nth(1).unwrap_or_default();
    if installed.as_deref() == Some(wanted) {
        return dir;
    }
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let out = Command::new("npm")
        .args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"])
        .arg(&dir)
        .args([GRAPHQL_HTTP, GRAPHQL_JS])
        .output()
        .unwrap_or_else(|e| {
            panic!("npm is needed for the GraphQL-over-HTTP audit (`./dev setup` installs it): {e}")
        });
    assert!(
        out.status.success(),
        "could not install {GRAPHQL_HTTP} into {} (run `./dev setup` with network access): {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// The `graphql-http` package's server audits (every MUST, SHOULD and MAY of the specification
/// that it checks), run against the real `jiayuan` binary: every one is ok.
#[tokio::test]
async fn the_graphql_http_server_audit_is_all_ok() {
    let tools = install_audit_package();
    let server = RealServer::start(&[]).await;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("graphql-http-audit.mjs");
    let url = format!("{}/graphql", server.base);

    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .arg(url)
            .env("NODE_PATH", tools.join("node_modules"))
            .output()
    })
    .await
    .unwrap_or_else(|e| panic!("join: {e}"))
    .unwrap_or_else(|e| panic!("node is needed for the GraphQL-over-HTTP audit: {e}"));
    assert!(
        out.status.success(),
        "the audit script failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "the audit printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });

    let not_ok: Vec<&Value> = results.iter().filter(|r| r["status"] != "ok").collect();
    assert!(
        not_ok.is_empty(),
        "{} of {} audits are not ok:\n{}",
        not_ok.len(),
        results.len(),
        not_ok
            .iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
    // graphql-http 1.23.1 has 61 server audits; fewer means the script stopped early.
    assert!(results.len() >= 61, "only {} audits ran", results.len());
}
