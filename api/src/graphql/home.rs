//! What needs the viewer now, in one community (the portal's home page).

use async_graphql::{Context, Object, ID};

use super::ballot::Ballot;
use super::paging::{self, Totals};
use super::topic::TopicConnection;
use crate::auth::{app_state, require_viewer};
use crate::domain::ballot::service as ballots;
use crate::domain::topic::service as topics;
use crate::error::GqlResult;

/// The community whose needs are asked for; each list is read when selected.
pub struct NeedsMe {
    community_id: ID,
}

#[Object]
impl NeedsMe {
    /// Open ballots the viewer (or their household) has not voted in yet, closing soonest first.
    #[graphql(complexity = "paging::cost(first, paging::LIST, child_complexity)")]
    async fn ballots(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<paging::KeyConnection<Ballot>> {
        let page = paging::KeyPage::new(first, after.as_deref(), paging::LIST)?;
        let viewer = require_viewer(ctx).await?;
        let after = page.after.as_ref().map(|k| (k.at, k.id.clone()));
        let found = ballots::awaiting_vote(
            &app_state(ctx)?.db,
            &viewer,
            &self.community_id,
            after.as_ref(),
            page.limit,
            ctx.look_ahead().field("totalCount").exists(),
        )
        .await?;
        let keyed = found
            .rows
            .into_iter()
            .map(|b| {
                let key = paging::Key {
                    at: b.closes_at,
                    id: b.id.clone(),
                };
                (key, Ballot::new(b))
            })
            .collect();
        Ok(page.connection(
            keyed,
            found.has_next,
            Totals {
                total_count: found.total.unwrap_or(0),
            },
        ))
    }

    /// Topics collecting co-signatures that the viewer can still co-sign, newest first.
    #[graphql(complexity = "paging::cost(first, paging::LIST, child_complexity)")]
    async fn topics_to_cosign(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<TopicConnection> {
        let page = paging::KeyPage::new(first, after.as_deref(), paging::LIST)?;
        let viewer = require_viewer(ctx).await?;
        let after = page.after.as_ref().map(|k| (k.at, k.id.clone()));
        let found = topics::to_cosign(
            &app_state(ctx)?.db,
            &viewer,
            &self.community_id,
            after.as_ref(),
            page.limit,
            super::topic::list_needs(ctx),
        )
        .await?;
        let preload = super::topic::ListPreload::load(
            ctx,
            super::topic::nodes_of(ctx),
            &found.rows,
            found.ballots,
        )
        .await?;
        let topics = super::topic::ListPreload::attach(preload, found.rows);
        Ok(super::topic::topic_connection(
            &page,
            topics,
            found.has_next,
            found.total,
        ))
    }

    /// The viewer's next events (up to five): confirmed or waitlisted sign-ups of events not
    /// ended, soonest first.
    async fn events(&self, ctx: &Context<'_>) -> GqlResult<Vec<super::events::Registration>> {
        super::events::next_events(ctx, &self.community_id).await
    }

    /// Nominations of the viewer (or their household) waiting for their consent.
    async fn nominations(&self, ctx: &Context<'_>) -> GqlResult<Vec<super::awards::Nomination>> {
        super::awards::consent_requests(ctx, &self.community_id).await
    }

    /// The viewer's cases that are not closed yet, as a party or a mediator, newest first; each
    /// case's `viewerCan` tells whether it waits for the viewer (an answer, a signature).
    #[graphql(complexity = "paging::cost(first, paging::LIST, child_complexity)")]
    async fn cases(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<super::mediation::MediationCaseConnection> {
        super::mediation::mine(
            ctx,
            self.community_id.clone(),
            crate::domain::mediation::read::Mine::Open,
            first,
            after,
        )
        .await
    }
}

#[derive(Default)]
pub struct HomeQuery;

#[Object]
impl HomeQuery {
    async fn needs_me(&self, ctx: &Context<'_>, community_id: ID) -> GqlResult<NeedsMe> {
        let viewer = require_viewer(ctx).await?;
        crate::domain::roles::can_see_community(&app_state(ctx)?.db, &viewer, &community_id)
            .await?;
        Ok(NeedsMe { community_id })
    }
}
