//! A list read with its viewer (`Reader::viewer_and_page`): on PostgreSQL the page and the
//! viewer's account come from one statement, and the rows reach no one whose session has ended
//! (signed out, or its epoch moved by a password reset), who is not a
//! member, or who has no token at all, over HTTP or the WebSocket; nor does a page kept in
//! memory. A vote reads its viewer in its own transaction.

use serde_json::{json, Value};

use super::websocket::{operation, ws_error_code};
use crate::ballots::{
    deliberating_topic, open_ballot, option_id, phone, vote, voters, OWNERS_ROSTER,
};
use crate::build::BallotSpec;
use crate::harness::*;

const LIST: &str = "query($c:ID!, $s:[TopicStatus!]){ topics(communityId:$c, status:$s, first: 20){ nodes { id title } } }";

fn titles(resp: &Value) -> Vec<String> {
    resp["data"]["topics"]["nodes"]
        .as_array()
        .map(|n| {
            n.iter()
                .map(|t| t["title"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The refusal `resp` must be: its code, and no topic in it.
fn refused(resp: &Value, code: &str, who: &str) {
    assert_eq!(error_code(resp), code, "{who}: {resp}");
    assert!(
        resp["data"].is_null() || resp["data"]["topics"].is_null(),
        "{who} sees the page: {resp}"
    );
}

#[tokio::test]
async fn a_list_read_with_its_viewer_shows_nothing_to_an_ended_session_or_an_outsider() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let c = w.community_id.clone();
    app.ok(
        Some(w.token(RESIDENT)),
        "mutation($c:ID!){ proposeTopic(communityId:$c, title:\"楼道灯不亮\", body:\"三楼的灯坏了一个星期了\", category: FACILITIES){ id } }",
        json!({ "c": c }),
    )
    .await;
    let all = json!({ "c": c, "s": null });

    // A member's session reads the page, and an empty page still finds its viewer.
    let session = app.sign_in_full(RESIDENT, PASSWORD).await;
    let token = session["accessToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let resp = app.gql(Some(&token), LIST, all.clone()).await;
    assert_eq!(titles(&resp), ["楼道灯不亮"], "{resp}");
    // The page is now kept in memory (`domain::topic::pages`): every refusal below is of a
    // request for a kept page, which is used only after its viewer is allowed.
    let kept = app.state.topic_pages.size().0;
    assert!(kept >= 1, "the page was not kept");
    let none = app
        .gql(Some(&token), LIST, json!({ "c": c, "s": ["COMPLETED"] }))
        .await;
    assert!(none.get("errors").is_none(), "{none}");
    assert_eq!(titles(&none), Vec::<String>::new(), "{none}");
    // With `me` beside it (the viewer read by either field first).
    let both = app
        .gql(
            Some(&token),
            "query($c:ID!){ me { id } topics(communityId:$c, first: 5){ nodes { title } } }",
            json!({ "c": c }),
        )
        .await;
    assert!(both.get("errors").is_none(), "{both}");
    assert_eq!(titles(&both), ["楼道灯不亮"], "{both}");

    // No token, or a forged one.
    refused(
        &app.gql(None, LIST, all.clone()).await,
        "UNAUTHENTICATED",
        "anonymous",
    );
    let forged = format!("{}x", &token[..token.len() - 1]);
    refused(
        &app.gql(Some(&forged), LIST, all.clone()).await,
        "UNAUTHENTICATED",
        "forged",
    );

    // A member of another community only (its committee).
    let (_, outsider) = super::takeover::community_b(&app, &w.admin).await;
    refused(
        &app.gql(Some(&outsider), LIST, all.clone()).await,
        "NOT_FOUND",
        "outsider",
    );
    // The outsider's own community changed nothing of this one's kept page.
    let mark = app.statement_mark();
    let resp = app.gql(Some(&token), LIST, all.clone()).await;
    assert_eq!(titles(&resp), ["楼道灯不亮"], "{resp}");
    assert!(
        !crate::pages::read_topic_rows(&app.whole_statements_since(mark)),
        "the refusals above were not of a kept page"
    );

    // A resident who moved out (deactivated): their sessions end with their last place.
    let moved = w.person("13800000005").clone();
    app.ok(
        Some(w.token(COMMITTEE)),
        "mutation($r:ID!){ deactivateResident(residentId:$r){ id } }",
        json!({ "r": moved.resident_id }),
    )
    .await;
    refused(
        &app.gql(Some(&moved.token), LIST, all.clone()).await,
        "UNAUTHENTICATED",
        "moved out",
    );

    // A signed-out session: its access token reads nothing, over HTTP or the WebSocket.
    let mut ws = ws_connect(app.port, &token).await;
    let before = operation(&mut ws, "1", LIST, all.clone()).await;
    assert_eq!(before["type"], "next", "{before}");
    app.ok(
        None,
        "mutation($r:String!){ signOut(refreshToken:$r) }",
        json!({ "r": session["refreshToken"] }),
    )
    .await;
    refused(
        &app.gql(Some(&token), LIST, all.clone()).await,
        "UNAUTHENTICATED",
        "signed out",
    );
    let after = operation(&mut ws, "2", LIST, all.clone()).await;
    assert_eq!(ws_error_code(&after), "UNAUTHENTICATED", "{after}");
    assert!(after["payload"]["data"]["topics"].is_null(), "{after}");
    // With an empty page (the join's one row of NULLs), and before an input error.
    let empty = json!({ "c": c, "s": ["COMPLETED"] });
    refused(
        &app.gql(Some(&token), LIST, empty.clone()).await,
        "UNAUTHENTICATED",
        "signed out, empty page",
    );
    let bad = "query($c:ID!){ topics(communityId:$c, first: 0){ nodes { id } } }";
    let live = app
        .gql(Some(w.token(RESIDENT)), bad, json!({ "c": c }))
        .await;
    assert_eq!(error_code(&live), "BAD_USER_INPUT", "{live}");
    refused(
        &app.gql(Some(&token), bad, json!({ "c": c })).await,
        "UNAUTHENTICATED",
        "signed out, bad input",
    );
    // The member's other session is untouched.
    assert_eq!(
        titles(&app.gql(Some(w.token(RESIDENT)), LIST, all.clone()).await),
        ["楼道灯不亮"]
    );

    // A moved session epoch alone (as a password reset moves it) ends every token of the
    // account, the session itself still alive.
    let mediator = w.token(MEDIATOR).to_owned();
    let me = app.ok(Some(&mediator), "{ me { id } }", json!({})).await;
    assert_eq!(
        titles(&app.gql(Some(&mediator), LIST, all.clone()).await),
        ["楼道灯不亮"]
    );
    {
        use entity::account::{Column, Entity};
        use sea_orm::sea_query::{Expr, ExprTrait};
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let moved = Entity::update_many()
            .col_expr(Column::SessionEpoch, Expr::col(Column::SessionEpoch).add(1))
            .filter(Column::Id.eq(me["me"]["id"].as_str().unwrap_or_default()))
            .exec(app.db())
            .await
            .unwrap_or_else(|e| panic!("move the epoch: {e}"));
        assert_eq!(moved.rows_affected, 1);
    }
    refused(
        &app.gql(Some(&mediator), LIST, all).await,
        "UNAUTHENTICATED",
        "epoch moved",
    );
    refused(
        &app.gql(Some(&mediator), LIST, empty).await,
        "UNAUTHENTICATED",
        "epoch moved, empty page",
    );
}

const CAST: &str = "mutation($b:ID!,$o:[ID!]!){ castVote(ballotId:$b, optionIds:$o){ receipt } }";

/// A vote reads its viewer inside its own transaction (`Reader::viewer_on`): an ended session or
/// no token gets UNAUTHENTICATED and records nothing, over HTTP or the WebSocket.
#[tokio::test]
async fn a_vote_read_with_its_viewer_in_its_transaction_refuses_an_ended_session() {
    let app = TestApp::spawn().await;
    let v = voters(&app, &OWNERS_ROSTER).await;
    let topic = deliberating_topic(&app, &v).await;
    let b = open_ballot(&app, &v, &BallotSpec::motion(&topic)).await;
    let id = b["id"].as_str().unwrap_or_default().to_owned();
    let choice = json!({ "b": id, "o": [option_id(&b, "APPROVE")] });

    let session = app.sign_in_full(&phone(2), PASSWORD).await;
    let token = session["accessToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut ws = ws_connect(app.port, &token).await;
    app.ok(
        None,
        "mutation($r:String!){ signOut(refreshToken:$r) }",
        json!({ "r": session["refreshToken"] }),
    )
    .await;
    let resp = app.gql(Some(&token), CAST, choice.clone()).await;
    assert_eq!(error_code(&resp), "UNAUTHENTICATED", "{resp}");
    let resp = operation(&mut ws, "1", CAST, choice.clone()).await;
    assert_eq!(ws_error_code(&resp), "UNAUTHENTICATED", "{resp}");
    let resp = app.gql(None, CAST, choice.clone()).await;
    assert_eq!(error_code(&resp), "UNAUTHENTICATED", "{resp}");

    // Nothing was recorded: the household votes once, with its live session.
    let turnout = "query($b:ID!){ ballot(id:$b){ turnoutCount } }";
    let data = app
        .ok(Some(v.token(&phone(2))), turnout, json!({ "b": id }))
        .await;
    assert_eq!(data["ballot"]["turnoutCount"], 0, "{data}");
    let voted = vote(&app, v.token(&phone(2)), &id, &[option_id(&b, "APPROVE")]).await;
    assert!(voted["data"]["castVote"]["receipt"].is_string(), "{voted}");
    let data = app
        .ok(Some(v.token(&phone(2))), turnout, json!({ "b": id }))
        .await;
    assert_eq!(data["ballot"]["turnoutCount"], 1, "{data}");
}
