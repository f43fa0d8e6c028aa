//! Logs never contain passwords, tokens, invite codes or phone numbers, even at trace level.
//! Runs the real `jiayuan` binary (built by `./dev test` before the suites).

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

use crate::harness::error_code;

pub fn jiayuan_binary() -> std::path::PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let bin = target.join("debug/jiayuan");
    assert!(
        bin.is_file(),
        "{} is missing: run `cargo build -p api` first",
        bin.display()
    );
    bin
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

async fn gql(
    http: &reqwest::Client,
    base: &str,
    token: Option<&str>,
    query: &str,
    vars: Value,
) -> Value {
    let mut req = http
        .post(format!("{base}/graphql"))
        .json(&json!({"query": query, "variables": vars}));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    match req.send().await {
        Ok(r) => r.json().await.unwrap_or_default(),
        Err(e) => panic!("request failed: {e}"),
    }
}

#[tokio::test]
async fn no_secret_or_phone_number_reaches_the_logs() {
    let dir = std::env::temp_dir().join(format!("jiayuan-logs-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let db = format!("sqlite://{}/j.db?mode=rwc", dir.display());
    let admin_pw = "admin-secret-pw-1";
    let resident_pw = "resident-secret-pw-2";
    let wrong_pw = "wrong-secret-pw-3";

    let out = Command::new(jiayuan_binary())
        .args([
            "admin",
            "create",
            "--phone",
            "13900000009",
            "--password",
            admin_pw,
        ])
        .env("DATABASE_URL", &db)
        .env("RUST_LOG", "trace")
        .output()
        .unwrap_or_else(|e| panic!("cannot run jiayuan: {e}"));
    assert!(
        out.status.success(),
        "admin create failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut logs =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);

    let port = free_port();
    let log_path = dir.join("serve.log");
    let log_file = std::fs::File::create(&log_path).unwrap_or_else(|e| panic!("{e}"));
    let err_file = log_file.try_clone().unwrap_or_else(|e| panic!("{e}"));
    let mut child = Command::new(jiayuan_binary())
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", &db)
        .env("RUST_LOG", "trace")
        .stdout(Stdio::from(log_file))
        .stderr(Stdio::from(err_file))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start jiayuan serve: {e}"));
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let mut up = false;
    for _ in 0..200 {
        if http.get(format!("{base}/healthz")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "the server did not come up");

    let sign_in = "mutation($p:String!,$w:String!){ signIn(phone:$p,password:$w){ accessToken refreshToken } }";
    let admin = gql(
        &http,
        &base,
        None,
        sign_in,
        json!({"p": "13900000009", "w": admin_pw}),
    )
    .await;
    let admin_token = admin["data"]["signIn"]["accessToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!admin_token.is_empty(), "admin sign-in failed: {admin}");
    let c = gql(
        &http,
        &base,
        Some(&admin_token),
        "mutation{ createCommunity(name:\"日志社区\"){ id } }",
        json!({}),
    )
    .await;
    let cid = c["data"]["createCommunity"]["id"].clone();
    let csv = "building,unit,area_m2,owner,name,phone,roles\n1栋,101,88.50,true,王建国,13800000071,COMMITTEE\n";
    let imp = gql(
        &http,
        &base,
        Some(&admin_token),
        "mutation($c:ID!,$csv:String!){ importRoster(communityId:$c,csv:$csv){ invites { code } } }",
        json!({"c": cid, "csv": csv}),
    )
    .await;
    let code = imp["data"]["importRoster"]["invites"][0]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!code.is_empty(), "import failed: {imp}");
    let claim = gql(
        &http,
        &base,
        None,
        "mutation($c:String!,$w:String!){ claimInvite(code:$c,password:$w){ accessToken refreshToken } }",
        json!({"c": code, "w": resident_pw}),
    )
    .await;
    let refresh = claim["data"]["claimInvite"]["refreshToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let access = claim["data"]["claimInvite"]["accessToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let rotated = gql(
        &http,
        &base,
        None,
        "mutation($r:String!){ refreshSession(refreshToken:$r){ refreshToken } }",
        json!({"r": refresh}),
    )
    .await;
    let refresh2 = rotated["data"]["refreshSession"]["refreshToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let wrong = gql(
        &http,
        &base,
        None,
        sign_in,
        json!({"p": "13800000071", "w": wrong_pw}),
    )
    .await;
    assert_eq!(error_code(&wrong), "UNAUTHENTICATED");
    // An internal failure path is logged too; it must not carry the token either.
    let _ = gql(&http, &base, Some(&access), "{ me { id name } }", json!({})).await;

    let _ = child.kill();
    let _ = child.wait();
    let mut served = String::new();
    std::fs::File::open(&log_path)
        .and_then(|mut f| f.read_to_string(&mut served))
        .unwrap_or_else(|e| panic!("{e}"));
    logs.push_str(&served);
    assert!(
        logs.contains("serving"),
        "expected the server's own logs, got: {logs}"
    );
    for (what, secret) in [
        ("admin password", admin_pw.to_owned()),
        ("resident password", resident_pw.to_owned()),
        ("wrong password", wrong_pw.to_owned()),
        ("invite code", code.clone()),
        ("access token", admin_token.clone()),
        ("resident access token", access.clone()),
        ("refresh token", refresh.clone()),
        ("rotated refresh token", refresh2.clone()),
        ("resident phone", "13800000071".to_owned()),
        ("admin phone", "13900000009".to_owned()),
    ] {
        assert!(!secret.is_empty(), "{what} was not obtained");
        assert!(!logs.contains(&secret), "the logs contain the {what}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
