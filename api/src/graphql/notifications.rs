//! The inbox: notifications connection, unread count, mark read, live subscription.

use async_graphql::connection::{Connection, Edge, OpaqueCursor};
use async_graphql::{Context, Object, Subscription, ID};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};

use super::enums::NotificationKind;
use super::paging;
use crate::auth::{app_state, require_viewer};
use crate::bus::BusEvent;
use crate::domain::notify;
use crate::error::GqlResult;

pub struct Notification(entity::notification::Model);

#[Object]
impl Notification {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// What happened; clients render it in their own language with `params`.
    async fn kind(&self) -> NotificationKind {
        self.0.kind.into()
    }
    /// A JSON object with the values the message names.
    async fn params(&self) -> &str {
        &self.0.params
    }
    async fn community_id(&self) -> Option<ID> {
        self.0.community_id.clone().map(ID)
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn read(&self) -> bool {
        self.0.read_at.is_some()
    }
}

type Cursor = OpaqueCursor<(DateTime<Utc>, String)>;

#[derive(Default)]
pub struct NotificationQuery;

#[Object]
impl NotificationQuery {
    /// The viewer's inbox, newest first.
    #[graphql(complexity = "paging::cost(first, paging::INBOX, child_complexity)")]
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, Notification>> {
        let viewer = require_viewer(ctx).await?;
        let first = paging::first(first, paging::INBOX)?;
        let after = paging::key_after(after.as_deref())?.map(|k| (k.at, k.id));
        let has_prev = after.is_some();
        let (rows, more) = notify::inbox(&app_state(ctx)?.db, viewer.id(), first, after).await?;
        let mut conn = Connection::new(has_prev, more);
        conn.edges.extend(
            rows.into_iter()
                .map(|n| Edge::new(OpaqueCursor((n.created_at, n.id.clone())), Notification(n))),
        );
        Ok(conn)
    }

    async fn unread_notification_count(&self, ctx: &Context<'_>) -> GqlResult<u64> {
        let viewer = require_viewer(ctx).await?;
        Ok(notify::unread_count(&app_state(ctx)?.db, viewer.id()).await?)
    }
}

#[derive(Default)]
pub struct NotificationMutation;

#[Object]
impl NotificationMutation {
    async fn mark_notification_read(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Notification> {
        let viewer = require_viewer(ctx).await?;
        Ok(Notification(
            notify::mark_read(&app_state(ctx)?.db, viewer.id(), &id).await?,
        ))
    }

    /// Marks every unread notification read; returns how many were.
    async fn mark_all_notifications_read(&self, ctx: &Context<'_>) -> GqlResult<u64> {
        let viewer = require_viewer(ctx).await?;
        Ok(notify::mark_all_read(&app_state(ctx)?.db, viewer.id()).await?)
    }
}

#[derive(Default)]
pub struct NotificationSubscription;

#[Subscription]
impl NotificationSubscription {
    /// The viewer's new notifications as they arrive.
    async fn notification_added(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Notification>, async_graphql::Error> {
        let viewer = require_viewer(ctx).await?;
        let state = app_state(ctx)?.clone();
        let me = viewer.id().to_owned();
        let events = tokio_stream::wrappers::BroadcastStream::new(state.bus.subscribe());
        // The viewer's own notifications of each event (one event carries many accounts').
        let own = events.flat_map(move |event| {
            let ids: Vec<String> = match event {
                Ok(BusEvent::Notifications { items }) => items
                    .into_iter()
                    .filter(|(account_id, _)| *account_id == me)
                    .map(|(_, notification_id)| notification_id)
                    .collect(),
                _ => Vec::new(),
            };
            futures_util::stream::iter(ids)
        });
        let me = viewer.id().to_owned();
        Ok(own.filter_map(move |notification_id| {
            let (state, me) = (state.clone(), me.clone());
            async move {
                notify::find_own(&state.db, &me, &notification_id)
                    .await
                    .ok()
                    .map(Notification)
            }
        }))
    }
}
