//! Sign-in bursts: the attempt limit holds under parallel requests, and password hashing never
//! runs more than one per core however many sign-ins arrive at once.

use futures_util::future::join_all;
use serde_json::json;

use super::server::RealServer;
use crate::harness::*;

const SIGN_IN: &str =
    "mutation($p:String!,$w:String!){ signIn(phone:$p,password:$w){ accessToken } }";

/// 60 wrong passwords for one phone sent at once, then the right one: at most the limit (5) of
/// them are checked, and the right password sent after the burst does not get in.
#[tokio::test]
async fn a_parallel_burst_of_wrong_passwords_is_cut_off_at_the_limit() {
    // The address limit is raised so that the per-phone limit is the one under test.
    let app = TestApp::spawn_with(|s| s.max_failures_per_ip = 1000).await;
    let w = app.community().await;

    let burst = (0..60).map(|i| {
        let app = &app;
        async move {
            app.gql(
                None,
                SIGN_IN,
                json!({ "p": RESIDENT, "w": format!("wrong password {i}") }),
            )
            .await
        }
    });
    let answers: Vec<String> = join_all(burst).await.iter().map(error_code).collect();
    let checked = answers.iter().filter(|c| *c == "UNAUTHENTICATED").count();
    let limited = answers.iter().filter(|c| *c == "RATE_LIMITED").count();
    assert!(
        checked <= 5,
        "{checked} wrong passwords were checked: {answers:?}"
    );
    assert_eq!(checked + limited, 60, "{answers:?}");

    let right = app
        .gql(None, SIGN_IN, json!({ "p": RESIDENT, "w": PASSWORD }))
        .await;
    assert_eq!(error_code(&right), "RATE_LIMITED", "{right}");
    // Another resident is not affected.
    let other = app
        .gql(None, SIGN_IN, json!({ "p": COMMITTEE, "w": PASSWORD }))
        .await;
    assert!(other.get("errors").is_none(), "{other}");
    let _ = w;
}

/// A successful sign-in is not counted as a failure of its address: a household behind one
/// address signs in many times.
#[tokio::test]
async fn successful_sign_ins_do_not_use_up_the_address_limit() {
    let app = TestApp::spawn_with(|s| s.max_failures_per_ip = 3).await;
    let _w = app.community().await;
    for _ in 0..6 {
        let ok = app
            .gql(None, SIGN_IN, json!({ "p": RESIDENT, "w": PASSWORD }))
            .await;
        assert!(ok.get("errors").is_none(), "{ok}");
    }
}

/// 150 sign-ins for different phones from different (proxied) addresses at once, each needing
/// a 19 MiB argon2 hash: hashing is bounded (one per core plus a short queue; the rest answer
/// RATE_LIMITED at once), so the server's memory grows by far less than 150 × 19 MiB.
#[tokio::test]
async fn a_burst_of_sign_ins_cannot_exhaust_memory() {
    let server = RealServer::start(&["--trust-proxy"]).await;
    let http = reqwest::Client::new();
    let before = server.peak_rss_mib();
    let burst = (0..150).map(|i| {
        let http = http.clone();
        let url = format!("{}/graphql", server.base);
        async move {
            let resp = http
                .post(url)
                .header(
                    "X-Forwarded-For",
                    format!("10.9.{}.{}", i / 200, i % 200 + 1),
                )
                .json(&json!({
                    "query": SIGN_IN,
                    "variables": { "p": format!("135{:08}", i), "w": "some password" }
                }))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let body: serde_json::Value = resp.json().await.unwrap_or_default();
            error_code(&body)
        }
    });
    let answers = join_all(burst).await;
    let grown = server.peak_rss_mib().saturating_sub(before);
    assert!(
        answers
            .iter()
            .all(|c| c == "UNAUTHENTICATED" || c == "RATE_LIMITED"),
        "{answers:?}"
    );
    assert!(
        answers.iter().any(|c| c == "RATE_LIMITED"),
        "no sign-in was turned away by the hashing queue: {answers:?}"
    );
    assert!(
        grown < 600,
        "peak memory grew by {grown} MiB during the burst"
    );
}
