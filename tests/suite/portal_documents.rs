//! Every GraphQL document the portal sends passes the server's request limits (depth,
//! complexity, fields, aliases): a list page that asks for too much fails here, not on a
//! resident's phone with "Query is too complex".

use serde_json::json;

use crate::harness::*;

#[tokio::test]
async fn every_portal_document_is_within_the_servers_limits() {
    let app = TestApp::spawn().await;
    let w = app.community().await;
    let documents = portal::api::documents();
    assert!(documents.len() > 60, "found {} documents", documents.len());
    let mut refused = Vec::new();
    for (name, document) in documents {
        // No variables: the limits are checked before any resolver runs, so a document within
        // them fails later (a missing variable, NOT_FOUND…), never on a limit.
        let r = app
            .gql(Some(w.token(COMMITTEE)), &document, json!({}))
            .await;
        let text = r["errors"].to_string().to_lowercase();
        if ["too complex", "too deep", "too many"]
            .iter()
            .any(|limit| text.contains(limit))
        {
            refused.push(format!("{name}: {}", r["errors"]));
        }
    }
    assert!(refused.is_empty(), "{}", refused.join("\n"));
}
