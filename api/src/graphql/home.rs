//! What needs the viewer now, in one community (the portal's home page).

use async_graphql::{Context, Object, SimpleObject, ID};

use super::ballot::Ballot;
use super::topic::Topic;
use crate::auth::{app_state, require_viewer};
use crate::domain::ballot::service as ballots;
use crate::domain::topic::{rules::TopicStatus, service as topics};
use crate::error::GqlResult;

#[derive(SimpleObject)]
pub struct NeedsMe {
    /// Open ballots the viewer (or their household) has not voted in yet, closing soonest first.
    pub ballots: Vec<Ballot>,
    /// Topics collecting co-signatures that the viewer can still co-sign.
    pub topics_to_cosign: Vec<Topic>,
}

#[derive(Default)]
pub struct HomeQuery;

#[Object]
impl HomeQuery {
    async fn needs_me(&self, ctx: &Context<'_>, community_id: ID) -> GqlResult<NeedsMe> {
        let viewer = require_viewer(ctx).await?;
        let db = &app_state(ctx)?.db;
        let ballots = ballots::awaiting_vote(db, &viewer, &community_id).await?;
        let (proposed, _) = topics::list(
            db,
            &viewer,
            &community_id,
            Some(&[TopicStatus::Proposed]),
            0,
            500,
        )
        .await?;
        Ok(NeedsMe {
            ballots: ballots.into_iter().map(Ballot::new).collect(),
            topics_to_cosign: proposed
                .into_iter()
                .filter(|t| t.viewer_can_cosign())
                .map(Topic)
                .collect(),
        })
    }
}
