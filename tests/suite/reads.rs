//! Reads batch: a list page runs a constant number of SQL statements, whatever its size
//! (issue 7). The statements are counted by a hook on the application's connection.

use serde_json::json;

use crate::ballots::{
    deliberating_topic, open_ballot, option_id, phone, vote, voters, COMMITTEE_PHONE, OWNERS_ROSTER,
};
use crate::harness::*;

/// The portal's topic list (with each topic's ballot and the viewer's part in it) plus the
/// rating fields: as many statements for 50 topics as for 5.
const LIST: &str = "query($c:ID!,$first:Int){ topics(communityId:$c, first:$first){ totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id title category status cosignCount cosignThreshold proposer { id name } createdAt
            viewerCanCosign viewerHasCosigned rating { average count } viewerRating
            ballot { id status closesAt turnoutCount viewerEligible viewerHasVoted options { id label role } } } } }";

#[tokio::test]
async fn a_topic_list_page_runs_as_many_statements_for_fifty_topics_as_for_five() {
    let app = TestApp::spawn_with(|s| {
        s.proposal_limit.max = 1000;
        s.write_limit.max = 1000;
        // No background job runs between the two counts.
        s.job_interval_ms = 3_600_000;
        s.fold_interval_ms = 3_600_000;
    })
    .await;
    let v = voters(&app, OWNERS_ROSTER).await;
    for i in 0..60 {
        let topic = deliberating_topic(&app, &v).await;
        if i % 2 == 0 {
            let b = open_ballot(&app, &v, &topic, json!({})).await;
            if i % 4 == 0 {
                let id = b["id"].as_str().unwrap_or_default();
                vote(&app, v.token(&phone(2)), id, &[option_id(&b, "APPROVE")]).await;
            }
        }
    }
    let viewer = v.token(&phone(2));
    let vars = |first: i64| json!({ "c": v.community_id, "first": first });

    // Warm up once (the first request of a connection may prepare statements).
    let _ = app.statements_of(Some(viewer), LIST, vars(5)).await;
    let (five, resp5) = app.statements_of(Some(viewer), LIST, vars(5)).await;
    let (fifty, resp50) = app.statements_of(Some(viewer), LIST, vars(50)).await;
    assert!(resp5.get("errors").is_none(), "{resp5}");
    assert!(resp50.get("errors").is_none(), "{resp50}");
    let nodes = resp50["data"]["topics"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(nodes.len(), 50);
    assert!(
        nodes
            .iter()
            .filter(|n| n["ballot"]["id"].is_string())
            .count()
            >= 20,
        "the page holds topics with ballots"
    );
    assert!(
        nodes.iter().any(|n| n["ballot"]["viewerHasVoted"] == true),
        "the viewer's own votes are found"
    );
    assert_eq!(
        fifty.len(),
        five.len(),
        "first: 50 ran {fifty:#?}\nfirst: 5 ran {five:#?}"
    );
    // And the committee's view of the same page, too.
    let committee = v.token(COMMITTEE_PHONE);
    let (c5, _) = app.statements_of(Some(committee), LIST, vars(5)).await;
    let (c50, _) = app.statements_of(Some(committee), LIST, vars(50)).await;
    assert_eq!(
        c50.len(),
        c5.len(),
        "first: 50 ran {c50:#?}\nfirst: 5 ran {c5:#?}"
    );
}
