//! Event bus feeding GraphQL subscriptions. Events carry ids only; subscribers load what they
//! may see. On PostgreSQL every event goes through `pg_notify`, and each replica LISTENs and
//! rebroadcasts locally, so a subscriber connected to any replica sees events from all of them.
//! On SQLite (one process) the bus is in-process.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

pub const CHANNEL: &str = "jiayuan_bus";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum BusEvent {
    Notification {
        account_id: String,
        notification_id: String,
    },
    /// A ballot's counters or status changed.
    BallotTally { ballot_id: String },
    /// Every session of the account ended (deactivated by the community that alone controls
    /// it, or a new password): its live subscriptions end.
    SessionsEnded { account_id: String },
    /// One session ended (sign-out of this refresh-token family).
    SessionEnded { session_id: String },
    /// The account's place on one community's roster was closed: that community's live
    /// subscriptions end, others go on.
    PlaceClosed {
        account_id: String,
        community_id: String,
    },
}

#[derive(Clone)]
pub struct Bus {
    tx: broadcast::Sender<BusEvent>,
    relay: Option<DatabaseConnection>,
}

impl Bus {
    /// A bus for this database: relayed through PostgreSQL when there is one. Returns once the
    /// replica is listening, so no event published after start-up is missed.
    pub async fn for_database(db: &DatabaseConnection) -> anyhow::Result<Self> {
        let (tx, _) = broadcast::channel(1024);
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(Self { tx, relay: None });
        }
        let mut listener =
            sea_orm::sqlx::postgres::PgListener::connect_with(db.get_postgres_connection_pool())
                .await?;
        listener.listen(CHANNEL).await?;
        let local = tx.clone();
        tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(n) => match serde_json::from_str::<BusEvent>(n.payload()) {
                        Ok(event) => {
                            let _ = local.send(event);
                        }
                        Err(e) => tracing::warn!(error = %e, "unreadable bus event"),
                    },
                    Err(e) => {
                        tracing::warn!(error = %e, "bus listener lost its connection; reconnecting");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Ok(Self {
            tx,
            relay: Some(db.clone()),
        })
    }

    pub async fn publish(&self, event: BusEvent) {
        if let Some(db) = &self.relay {
            let payload = serde_json::to_string(&event).unwrap_or_default();
            let stmt = Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_notify($1, $2)",
                [CHANNEL.into(), payload.into()],
            );
            match db.execute_raw(stmt).await {
                Ok(_) => return,
                Err(e) => tracing::warn!(error = %e, "pg_notify failed; delivering locally only"),
            }
        }
        // No subscriber is not an error.
        let _ = self.tx.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<BusEvent> {
        self.tx.subscribe()
    }
}

/// Resolves when the bus carries an event `ends` accepts. The receiver must be taken before the
/// work it guards starts (`Bus::subscribe`), so that no event is missed.
pub async fn wait_for(mut events: broadcast::Receiver<BusEvent>, ends: impl Fn(&BusEvent) -> bool) {
    loop {
        match events.recv().await {
            Ok(e) if ends(&e) => return,
            Ok(_) => {}
            // Events were missed (a slow reader); one of them may have been the end, so end
            // now: the client reconnects and is checked afresh. A closed bus means the process
            // is stopping.
            Err(_) => return,
        }
    }
}

/// The items of `stream` until `end` resolves; then `last` (e.g. an error saying why) and no
/// more. A stream that ends by itself ends without `last`.
pub fn until<T: Send + 'static>(
    stream: impl futures_util::Stream<Item = T> + Send + 'static,
    end: impl std::future::Future<Output = ()> + Send + 'static,
    last: T,
) -> futures_util::stream::BoxStream<'static, T> {
    use futures_util::StreamExt;
    use std::task::Poll;
    let mut stream = Box::pin(stream);
    let mut end = Box::pin(end);
    let mut last = Some(last);
    futures_util::stream::poll_fn(move |cx| {
        if last.is_none() {
            return Poll::Ready(None);
        }
        if end.as_mut().poll(cx).is_ready() {
            return Poll::Ready(last.take());
        }
        match stream.as_mut().poll_next(cx) {
            Poll::Ready(None) => {
                last = None;
                Poll::Ready(None)
            }
            other => other,
        }
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt;

    #[tokio::test]
    async fn a_stream_ends_with_its_last_item_when_the_end_comes() {
        let never = futures_util::stream::pending::<u32>();
        let end = tokio::time::sleep(std::time::Duration::from_millis(20));
        let items: Vec<u32> = super::until(never, end, 7).collect().await;
        assert_eq!(items, vec![7]);

        let some = futures_util::stream::iter([1, 2]);
        let items: Vec<u32> = super::until(some, std::future::pending(), 7)
            .collect()
            .await;
        assert_eq!(
            items,
            vec![1, 2],
            "a stream that ends by itself gets no last item"
        );
    }
}
