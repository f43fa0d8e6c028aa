//! Attacks on the request itself, over HTTP: metrics cardinality, control characters, fragment
//! floods, forged forwarded-for addresses, and input errors that must name their field.

use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::harness::*;

async fn post(app: &TestApp, token: Option<&str>, body: Value, forwarded: Option<&str>) -> Value {
    let mut req = app
        .http
        .post(format!("{}/graphql", app.address))
        .json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(f) = forwarded {
        req = req.header("X-Forwarded-For", f);
    }
    req.send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_default()
}

async fn metrics_text(app: &TestApp) -> String {
    app.http
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .text()
        .await
        .unwrap_or_default()
}

/// 300 requests with random operation names (and garbage documents) add no label to /metrics:
/// its size stays what a handful of known operations make it.
#[tokio::test]
async fn random_operation_names_do_not_grow_the_metrics() {
    let app = TestApp::spawn().await;
    let _ = app.gql(None, "{ me { id } }", json!({})).await;
    let before = metrics_text(&app).await.len();
    let flood = (0..300).map(|i| {
        let app = &app;
        async move {
            let name = format!("Op{}x{}", uuid::Uuid::new_v4().simple(), i);
            let body = if i % 3 == 0 {
                json!({ "query": format!("query {name} {{ me {{ id }} }}"), "operationName": name })
            } else if i % 3 == 1 {
                json!({ "query": "{ me { id } }", "operationName": name })
            } else {
                json!({ "query": format!("query {name} {{ nosuchfield{i} }}") })
            };
            post(app, None, body, None).await
        }
    });
    join_all(flood).await;
    let text = metrics_text(&app).await;
    assert!(!text.contains("Op"), "a client name became a label");
    assert!(
        !text.contains("nosuchfield"),
        "an unknown field became a label"
    );
    assert!(
        text.len() < before + 4096,
        "metrics grew from {before} to {} bytes",
        text.len()
    );
}

/// A NUL (or any other control character) in an id, a title, a comment, a name or a search is
/// BAD_USER_INPUT naming the field, on both databases, and nothing is written.
#[tokio::test]
async fn control_characters_are_refused_at_the_boundary() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let token = w.token(COMMITTEE);
    let c = w.community_id.as_str();
    let cases: Vec<(&str, &str, Value, &str)> = vec![
        (
            "proposeTopic title",
            "mutation($c:ID!,$t:String!){ proposeTopic(communityId:$c,title:$t,body:\"正文内容足够长\",category:OTHER){ id } }",
            json!({ "c": c, "t": "标题\u{0}" }),
            "t",
        ),
        (
            "topic id",
            "query($id:ID!){ topic(id:$id){ id } }",
            json!({ "id": "abc\u{0}" }),
            "id",
        ),
        (
            "residents search",
            "query($c:ID!,$s:String){ residents(communityId:$c, search:$s){ totalCount } }",
            json!({ "c": c, "s": "王\u{0}" }),
            "s",
        ),
        (
            "inline literal",
            "query { topic(id: \"x\\u0000\") { id } }",
            json!({}),
            "id",
        ),
        (
            "escape character",
            "mutation($c:ID!,$t:String!){ proposeTopic(communityId:$c,title:$t,body:\"正文内容足够长\",category:OTHER){ id } }",
            json!({ "c": c, "t": "标题\u{1b}[31m" }),
            "t",
        ),
    ];
    for (label, query, vars, field) in cases {
        let resp = app.gql(Some(token), query, vars).await;
        assert_eq!(error_code(&resp), "BAD_USER_INPUT", "{label}: {resp}");
        assert_eq!(
            resp["errors"][0]["extensions"]["field"], field,
            "{label}: {resp}"
        );
    }
    let topics = app
        .ok(
            Some(token),
            "query($c:ID!){ topics(communityId:$c, first: 50){ nodes { title } } }",
            json!({ "c": c }),
        )
        .await;
    assert!(
        !topics.to_string().contains("标题"),
        "a refused topic was written: {topics}"
    );
    // Line breaks and tabs in text are fine.
    let ok = app
        .gql(
            Some(token),
            "mutation($c:ID!,$b:String!){ proposeTopic(communityId:$c,title:\"换行与制表符\",body:$b,category:OTHER){ id } }",
            json!({ "c": c, "b": "第一行\n第二行\t缩进，足够长的正文" }),
        )
        .await;
    assert!(ok.get("errors").is_none(), "{ok}");
}

/// A fragment spread many times multiplies its fields: the limits count them after expansion.
#[tokio::test]
async fn fragments_cannot_multiply_fields_past_the_limits() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    // 10 aliases in a fragment, spread 5 times: 50 aliases once expanded.
    let aliases: String = (0..10).map(|i| format!("a{i}: me {{ id }} ")).collect();
    let spreads = "...F ".repeat(5);
    let q = format!("query {{ {spreads} }} fragment F on Query {{ {aliases} }}");
    let resp = app.gql(Some(w.token(RESIDENT)), &q, json!({})).await;
    assert_eq!(error_code(&resp), "BAD_USER_INPUT", "{resp}");
    assert!(
        resp.get("data").is_none() || resp["data"].is_null(),
        "{resp}"
    );

    // Nested fragments without aliases: 3 × 3 × 3 × 20 fields.
    let leaf: String = (0..20).map(|_| "id name ").collect();
    let q = format!(
        "query {{ me {{ ...A ...A ...A }} }} \
         fragment A on Viewer {{ ...B ...B ...B }} \
         fragment B on Viewer {{ ...C ...C ...C }} \
         fragment C on Viewer {{ {leaf} }}"
    );
    let resp = app.gql(Some(w.token(RESIDENT)), &q, json!({})).await;
    assert_eq!(error_code(&resp), "BAD_USER_INPUT", "{resp}");

    // A fragment used once is fine.
    let q = "query { ...F } fragment F on Query { a: me { id } b: me { id } }";
    let resp = app.gql(Some(w.token(RESIDENT)), q, json!({})).await;
    assert!(resp.get("errors").is_none(), "{resp}");
}

/// Behind a trusted proxy the client controls the left of X-Forwarded-For; the address the
/// proxy appended (the right-most) is the one limited. 40 failures from "different" spoofed
/// addresses through one proxy hop are all one address.
#[tokio::test]
async fn a_spoofed_forwarded_for_does_not_escape_the_address_limit() {
    let app = TestApp::spawn_with(|s| {
        s.trust_proxy = true;
        s.max_failures_per_ip = 10;
        s.max_failures_per_phone = 1000;
    })
    .await;
    let _w = app.community().await;
    let mut codes = Vec::new();
    for i in 0..20 {
        let resp = post(
            &app,
            None,
            json!({
                "query": "mutation($p:String!,$w:String!){ signIn(phone:$p,password:$w){ accessToken } }",
                "variables": { "p": RESIDENT, "w": "wrong" }
            }),
            Some(&format!("203.0.113.{i}, 198.51.100.7")),
        )
        .await;
        codes.push(error_code(&resp));
    }
    let checked = codes.iter().filter(|c| *c == "UNAUTHENTICATED").count();
    assert_eq!(checked, 10, "{codes:?}");
    assert_eq!(codes.last().map(String::as_str), Some("RATE_LIMITED"));

    // Another client behind the same proxy (another appended address) is not limited.
    let other = post(
        &app,
        None,
        json!({
            "query": "mutation($p:String!,$w:String!){ signIn(phone:$p,password:$w){ accessToken } }",
            "variables": { "p": RESIDENT, "w": PASSWORD }
        }),
        Some("198.51.100.8"),
    )
    .await;
    assert!(other.get("errors").is_none(), "{other}");
}

/// An argument of the wrong type is BAD_USER_INPUT naming the argument.
#[tokio::test]
async fn type_coercion_errors_name_their_field() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let resp = app
        .gql(
            Some(w.token(RESIDENT)),
            "query($f:Int){ topics(communityId:\"x\", first:$f){ nodes { id } } }",
            json!({ "f": "many" }),
        )
        .await;
    assert_eq!(error_code(&resp), "BAD_USER_INPUT", "{resp}");
    assert_eq!(resp["errors"][0]["extensions"]["field"], "first", "{resp}");
    for e in resp["errors"].as_array().cloned().unwrap_or_default() {
        assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT", "{resp}");
    }

    let resp = app
        .gql(
            Some(w.token(RESIDENT)),
            "query { topics(communityId:\"x\", first:\"many\"){ nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&resp), "BAD_USER_INPUT", "{resp}");
    assert_eq!(resp["errors"][0]["extensions"]["field"], "first", "{resp}");
}

/// Fragments that double at each level (2^40 fields once expanded) are measured once each and
/// refused at once, instead of being walked for minutes before any limit applies.
#[tokio::test]
async fn a_fragment_bomb_is_refused_at_once() {
    let app = TestApp::spawn().await;
    let mut q = String::from("query { ...F0 }");
    for i in 0..40 {
        q.push_str(&format!(
            " fragment F{i} on Query {{ ...F{} ...F{} }}",
            i + 1,
            i + 1
        ));
    }
    q.push_str(" fragment F40 on Query { __typename }");
    // A bound, not a speed target: the unmemoised walk took minutes here.
    let resp = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        app.gql(None, &q, json!({})),
    )
    .await
    .unwrap_or_else(|_| panic!("the server is still walking the fragments"));
    assert_eq!(error_code(&resp), "BAD_USER_INPUT", "{resp}");
}
