//! Sign-in, invite claims, refresh rotation, sign-out and access-token checks (DESIGN §2).

use base64::Engine;
use serde_json::json;

use crate::harness::*;

const ME: &str = "{ me { id name phone household { id unit } communities { id name } } }";

#[tokio::test]
async fn a_resident_claims_an_invite_and_is_signed_in() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let c = app.create_community(&admin, "东营社区").await;
    let resp = app.import_roster(&admin, &c, ROSTER).await;
    let invite = resp["data"]["importRoster"]["invites"][1].clone();
    assert_eq!(invite["phone"], RESIDENT);

    let (token, _) = app
        .claim(invite["code"].as_str().unwrap_or_default(), PASSWORD)
        .await;
    let me = app.ok(Some(&token), ME, json!({})).await;
    assert_eq!(me["me"]["name"], "李秀英");
    assert_eq!(me["me"]["household"]["unit"], "101");
    assert_eq!(me["me"]["communities"][0]["id"], c.as_str());

    // The code is one-time: a second claim is refused and changes nothing.
    let again = app
        .err_code(None, "mutation($c:String!){ claimInvite(code:$c,password:\"another password\"){ accessToken } }", json!({"c": invite["code"]}))
        .await;
    assert_eq!(again, "BAD_USER_INPUT");
    app.sign_in(RESIDENT, PASSWORD).await;
}

#[tokio::test]
async fn invite_codes_are_stored_only_as_hashes() {
    use sea_orm::EntityTrait;
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let c = app.create_community(&admin, "东营社区").await;
    let resp = app.import_roster(&admin, &c, ROSTER).await;
    let codes: Vec<String> = resp["data"]["importRoster"]["invites"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|i| i["code"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(codes.len(), 5);
    let stored = entity::invite::Entity::find()
        .all(app.db())
        .await
        .unwrap_or_default();
    assert_eq!(stored.len(), 5);
    for inv in stored {
        assert!(!codes.contains(&inv.code_hash), "a code is stored in clear");
    }
}

#[tokio::test]
async fn a_short_password_is_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let c = app.create_community(&admin, "东营社区").await;
    let resp = app.import_roster(&admin, &c, ROSTER).await;
    let code = resp["data"]["importRoster"]["invites"][0]["code"].clone();
    let resp = app
        .gql(
            None,
            "mutation($c:String!){ claimInvite(code:$c,password:\"short\"){ accessToken } }",
            json!({"c": code}),
        )
        .await;
    assert_eq!(error_code(&resp), "BAD_USER_INPUT");
    assert_eq!(resp["errors"][0]["extensions"]["field"], "password");
    // Nothing changed: the code still works.
    app.claim(code.as_str().unwrap_or_default(), PASSWORD).await;
}

#[tokio::test]
async fn a_wrong_password_or_unknown_phone_is_unauthenticated() {
    let app = TestApp::spawn().await;
    let _w = app.community().await;
    for (phone, pw) in [(RESIDENT, "wrong password"), ("13700000000", PASSWORD)] {
        let code = app
            .err_code(
                None,
                "mutation($p:String!,$w:String!){ signIn(phone:$p,password:$w){ accessToken } }",
                json!({"p": phone, "w": pw}),
            )
            .await;
        assert_eq!(code, "UNAUTHENTICATED");
    }
    let resp = app
        .gql(
            None,
            "mutation{ signIn(phone:\"12345\",password:\"whatever1\"){ accessToken } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&resp), "BAD_USER_INPUT");
    assert_eq!(resp["errors"][0]["extensions"]["field"], "phone");
}

#[tokio::test]
async fn phones_are_matched_in_any_common_format() {
    let app = TestApp::spawn().await;
    let _w = app.community().await;
    let token = app.sign_in("+86 138-0000-0002", PASSWORD).await;
    assert!(!token.is_empty());
}

#[tokio::test]
async fn repeated_failures_for_one_phone_are_rate_limited() {
    let app = TestApp::spawn_with(|s| s.max_failures_per_phone = 3).await;
    let _w = app.community().await;
    let q = "mutation($p:String!,$w:String!){ signIn(phone:$p,password:$w){ accessToken } }";
    for _ in 0..3 {
        assert_eq!(
            app.err_code(None, q, json!({"p": RESIDENT, "w": "wrong password"}))
                .await,
            "UNAUTHENTICATED"
        );
    }
    // Even the right password is refused while limited; another phone is not affected.
    assert_eq!(
        app.err_code(None, q, json!({"p": RESIDENT, "w": PASSWORD}))
            .await,
        "RATE_LIMITED"
    );
    app.sign_in(MEDIATOR, PASSWORD).await;
}

#[tokio::test]
async fn repeated_failures_from_one_address_are_rate_limited() {
    let app = TestApp::spawn_with(|s| s.max_failures_per_ip = 4).await;
    let _w = app.community().await;
    let q = "mutation($p:String!,$w:String!){ signIn(phone:$p,password:$w){ accessToken } }";
    for phone in ["13800000002", "13800000003", "13800000004", "13800000005"] {
        assert_eq!(
            app.err_code(None, q, json!({"p": phone, "w": "wrong password"}))
                .await,
            "UNAUTHENTICATED"
        );
    }
    assert_eq!(
        app.err_code(None, q, json!({"p": COMMITTEE, "w": PASSWORD}))
            .await,
        "RATE_LIMITED"
    );
}

#[tokio::test]
async fn a_refresh_token_rotates_and_a_reused_one_is_refused() {
    let app = TestApp::spawn().await;
    let _w = app.community().await;
    let first = app.sign_in_full(RESIDENT, PASSWORD).await;
    let q = "mutation($r:String!){ refreshSession(refreshToken:$r){ accessToken refreshToken } }";
    let second =
        app.ok(None, q, json!({"r": first["refreshToken"]})).await["refreshSession"].clone();
    assert_ne!(second["refreshToken"], first["refreshToken"]);
    let me = app.ok(second["accessToken"].as_str(), ME, json!({})).await;
    assert_eq!(me["me"]["name"], "李秀英");

    // Replaying the first token is refused, and revokes the rotated one too.
    assert_eq!(
        app.err_code(None, q, json!({"r": first["refreshToken"]}))
            .await,
        "UNAUTHENTICATED"
    );
    assert_eq!(
        app.err_code(None, q, json!({"r": second["refreshToken"]}))
            .await,
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn concurrent_refreshes_with_one_token_yield_at_most_one_session() {
    let app = TestApp::spawn().await;
    let _w = app.community().await;
    let first = app.sign_in_full(RESIDENT, PASSWORD).await;
    let q = "mutation($r:String!){ refreshSession(refreshToken:$r){ refreshToken } }";
    let tasks = (0..8).map(|_| app.gql(None, q, json!({"r": first["refreshToken"]})));
    let results = futures_util::future::join_all(tasks).await;
    let ok = results.iter().filter(|r| r.get("errors").is_none()).count();
    assert!(ok <= 1, "{ok} refreshes succeeded with one token");
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = TestApp::spawn().await;
    let _w = app.community().await;
    let s = app.sign_in_full(RESIDENT, PASSWORD).await;
    let out = app
        .ok(
            None,
            "mutation($r:String!){ signOut(refreshToken:$r) }",
            json!({"r": s["refreshToken"]}),
        )
        .await;
    assert_eq!(out["signOut"], true);
    let code = app
        .err_code(
            None,
            "mutation($r:String!){ refreshSession(refreshToken:$r){ accessToken } }",
            json!({"r": s["refreshToken"]}),
        )
        .await;
    assert_eq!(code, "UNAUTHENTICATED");
}

#[tokio::test]
async fn me_is_null_without_a_token() {
    let app = TestApp::spawn().await;
    let data = app.ok(None, "{ me { id } }", json!({})).await;
    assert!(data["me"].is_null());
}

fn b64(v: &serde_json::Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

#[tokio::test]
async fn forged_expired_tampered_and_unsigned_tokens_are_unauthenticated() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let good = w.token(RESIDENT).to_owned();
    let parts: Vec<&str> = good.split('.').collect();
    let payload: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .unwrap_or_default(),
    )
    .unwrap_or_default();

    // alg: none with the same claims.
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        parts[1]
    );
    // Tampered: another subject, old signature.
    let mut other = payload.clone();
    other["sub"] = json!(w.person(COMMITTEE).resident_id);
    let tampered = format!("{}.{}.{}", parts[0], b64(&other), parts[2]);
    // Forged: signed with a guessed secret.
    let forged = {
        use jsonwebtoken::{encode, EncodingKey, Header};
        encode(
            &Header::default(),
            &payload,
            &EncodingKey::from_secret(b"guessed-secret-guessed-secret-xx"),
        )
        .unwrap_or_default()
    };
    // Expired: signed with the server's own secret (from the database) but in the past.
    let expired = {
        let secret = api::domain::secrets::jwt_secret(app.db(), None)
            .await
            .unwrap_or_default();
        let keys = api::auth::tokens::TokenKeys::new(&secret, 900);
        let sub = payload["sub"].as_str().unwrap_or_default();
        let epoch = payload["epoch"].as_i64().unwrap_or_default() as i32;
        keys.issue(
            sub,
            epoch,
            "s",
            chrono::Utc::now() - chrono::Duration::hours(2),
        )
        .map(|t| t.0)
        .unwrap_or_default()
    };
    // Wrong audience, right secret.
    let wrong_aud = {
        use jsonwebtoken::{encode, EncodingKey, Header};
        let secret = api::domain::secrets::jwt_secret(app.db(), None)
            .await
            .unwrap_or_default();
        let mut p = payload.clone();
        p["aud"] = json!("someone-else");
        encode(&Header::default(), &p, &EncodingKey::from_secret(&secret)).unwrap_or_default()
    };
    assert!(app.ok(Some(&good), "{ me { id } }", json!({})).await["me"]["id"].is_string());
    for (what, token) in [
        ("none", none),
        ("tampered", tampered),
        ("forged", forged),
        ("expired", expired),
        ("audience", wrong_aud),
    ] {
        assert_eq!(
            app.err_code(Some(&token), "{ me { id } }", json!({})).await,
            "UNAUTHENTICATED",
            "{what}"
        );
    }
}
