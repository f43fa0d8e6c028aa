//! Event bus feeding GraphQL subscriptions. Events carry ids only; subscribers load what they
//! may see. On PostgreSQL every event goes through `pg_notify`, and each replica LISTENs and
//! rebroadcasts locally, so a subscriber connected to any replica sees events from all of them.
//! On SQLite (one process) the bus is in-process.
//!
//! Tally events coalesce on their way to PostgreSQL: a rush of votes on one ballot is one
//! `pg_notify` per round trip of the relay, not one per vote (each notify is a statement, and
//! PostgreSQL serialises the commits that notify). A live tally is loaded after its event
//! arrives, so it always shows the latest committed votes.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use tokio::sync::{broadcast, Notify};

pub const CHANNEL: &str = "jiayuan_bus";

/// At most this many tally events in one `pg_notify` statement.
const RELAY_BATCH: usize = 100;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum BusEvent {
    /// Notifications stored for accounts, as (account id, notification id): as many as fit in
    /// one `pg_notify` payload ([`notification_events`]), so that a notice to every household
    /// of a large community is a few hundred events, not one per household (which overran every
    /// replica's local channel and ended every live socket).
    Notifications { items: Vec<(String, String)> },
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

/// An event as the version before packed notifications sent it: one notice per event.
#[derive(Deserialize)]
#[serde(tag = "type")]
enum EarlierEvent {
    Notification {
        account_id: String,
        notification_id: String,
    },
}

impl BusEvent {
    /// An event from another replica's payload. During a rolling upgrade the replicas of the
    /// version before still send one `Notification` per notice; it is read as a packed event
    /// of one, so their live notices still reach this replica's sockets.
    pub fn decode(payload: &str) -> Result<BusEvent, serde_json::Error> {
        serde_json::from_str::<BusEvent>(payload).or_else(|e| {
            match serde_json::from_str::<EarlierEvent>(payload) {
                Ok(EarlierEvent::Notification {
                    account_id,
                    notification_id,
                }) => Ok(BusEvent::Notifications {
                    items: vec![(account_id, notification_id)],
                }),
                Err(_) => Err(e),
            }
        })
    }
}

#[derive(Clone)]
pub struct Bus {
    tx: broadcast::Sender<BusEvent>,
    relay: Option<DatabaseConnection>,
    /// Ballots whose tally changed and that the relay has not announced yet (PostgreSQL).
    tallies: Arc<PendingTallies>,
}

#[derive(Default)]
struct PendingTallies {
    ballots: Mutex<BTreeSet<String>>,
    wake: Notify,
}

impl PendingTallies {
    fn add(&self, ballot_id: String) {
        self.ballots
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(ballot_id);
        // A permit is kept when the relay is busy: it looks again once it is done.
        self.wake.notify_one();
    }

    fn take(&self) -> BTreeSet<String> {
        std::mem::take(&mut *self.ballots.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl Bus {
    /// A bus for this database: relayed through PostgreSQL when there is one. Returns once the
    /// replica is listening, so no event published after start-up is missed.
    pub async fn for_database(db: &DatabaseConnection) -> anyhow::Result<Self> {
        let (tx, _) = broadcast::channel(1024);
        let tallies = Arc::new(PendingTallies::default());
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(Self {
                tx,
                relay: None,
                tallies,
            });
        }
        let mut listener =
            sea_orm::sqlx::postgres::PgListener::connect_with(db.get_postgres_connection_pool())
                .await?;
        listener.listen(CHANNEL).await?;
        let local = tx.clone();
        tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(n) => match BusEvent::decode(n.payload()) {
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
        // The relay of tally events: whatever ballots changed while it was announcing the last
        // ones, it announces next, once each, in one statement per hundred ballots.
        let pending = tallies.clone();
        let (relay_db, relay_tx) = (db.clone(), tx.clone());
        tokio::spawn(async move {
            loop {
                pending.wake.notified().await;
                let changed: Vec<BusEvent> = pending
                    .take()
                    .into_iter()
                    .map(|ballot_id| BusEvent::BallotTally { ballot_id })
                    .collect();
                for batch in changed.chunks(RELAY_BATCH) {
                    relay(&relay_db, &relay_tx, batch.to_vec()).await;
                }
            }
        });
        Ok(Self {
            tx,
            relay: Some(db.clone()),
            tallies,
        })
    }

    /// Publishes an event to every replica. A tally event on PostgreSQL returns at once and is
    /// announced by the relay, coalesced with others for the same ballot; every other event is
    /// announced before this returns.
    pub async fn publish(&self, event: BusEvent) {
        match (&self.relay, event) {
            (Some(_), BusEvent::BallotTally { ballot_id }) => self.tallies.add(ballot_id),
            (Some(db), event) => relay(db, &self.tx, vec![event]).await,
            // No subscriber is not an error.
            (None, event) => {
                let _ = self.tx.send(event);
            }
        }
    }

    /// Publishes many events to every replica: on PostgreSQL in one statement per hundred
    /// events rather than one round trip each. Tally events take [`Bus::publish`]'s way.
    pub async fn publish_all(&self, events: Vec<BusEvent>) {
        let Some(db) = &self.relay else {
            for event in events {
                let _ = self.tx.send(event);
            }
            return;
        };
        let mut others = Vec::with_capacity(events.len());
        for event in events {
            match event {
                BusEvent::BallotTally { ballot_id } => self.tallies.add(ballot_id),
                other => others.push(other),
            }
        }
        for batch in others.chunks(RELAY_BATCH) {
            relay(db, &self.tx, batch.to_vec()).await;
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<BusEvent> {
        self.tx.subscribe()
    }
}

/// PostgreSQL refuses a `pg_notify` payload of 8,000 bytes or more; an event of notifications
/// stays under this many.
const PAYLOAD_MAX: usize = 7_000;

/// Events announcing these (account id, notification id) pairs, in order: each as many pairs
/// as keep its payload under [`PAYLOAD_MAX`] bytes.
pub fn notification_events(items: impl IntoIterator<Item = (String, String)>) -> Vec<BusEvent> {
    // `{"type":"Notifications","items":[]}` (35 bytes), and `["…","…"],` per pair: 8 bytes and
    // the ids, which are ours (UUIDs: nothing to escape; an escape would make the payload longer
    // than counted, and the limit keeps 1,000 bytes below PostgreSQL's).
    const WRAPPER: usize = 40;
    let mut events = Vec::new();
    let (mut batch, mut size) = (Vec::new(), WRAPPER);
    for (account_id, notification_id) in items {
        let item = account_id.len() + notification_id.len() + 8;
        if !batch.is_empty() && size + item > PAYLOAD_MAX {
            events.push(BusEvent::Notifications {
                items: std::mem::take(&mut batch),
            });
            size = WRAPPER;
        }
        size += item;
        batch.push((account_id, notification_id));
    }
    if !batch.is_empty() {
        events.push(BusEvent::Notifications { items: batch });
    }
    events
}

/// Announces events through PostgreSQL, in one statement (every replica's listener rebroadcasts
/// them locally); when that fails, to this replica's subscribers only.
async fn relay(
    db: &DatabaseConnection,
    local: &broadcast::Sender<BusEvent>,
    events: Vec<BusEvent>,
) {
    if events.is_empty() {
        return;
    }
    let mut sql = String::from("SELECT ");
    let mut values: Vec<sea_orm::Value> = vec![CHANNEL.into()];
    for (i, event) in events.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("pg_notify($1, ${})", i + 2));
        values.push(serde_json::to_string(event).unwrap_or_default().into());
    }
    let stmt = Statement::from_sql_and_values(DbBackend::Postgres, sql, values);
    match db.execute_raw(stmt).await {
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(error = %e, "pg_notify failed; delivering locally only");
            for event in events {
                let _ = local.send(event);
            }
        }
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
    use super::{notification_events, BusEvent, PAYLOAD_MAX};
    use futures_util::StreamExt;

    #[test]
    fn notifications_travel_in_events_under_postgres_payload_limit_in_order() {
        let id = |n: usize| format!("{n:08}-0000-4000-8000-000000000000");
        let items: Vec<(String, String)> = (0..20_000).map(|n| (id(n), id(n + 1))).collect();
        let events = notification_events(items.clone());
        // About ninety to an event: 20,000 notices are a few hundred events, well inside the
        // local channel's 1,024.
        assert!(events.len() > 150 && events.len() < 300, "{}", events.len());
        let mut back = Vec::new();
        for e in &events {
            let payload = serde_json::to_string(e).unwrap_or_default();
            assert!(payload.len() < PAYLOAD_MAX, "{}", payload.len());
            let BusEvent::Notifications { items } = e else {
                panic!("{e:?}");
            };
            back.extend(items.iter().cloned());
        }
        assert_eq!(back, items);
        assert!(notification_events(Vec::new()).is_empty());
        assert_eq!(notification_events(vec![(id(1), id(2))]).len(), 1);
    }

    #[test]
    fn an_event_from_the_version_before_packed_notifications_is_still_read() {
        let earlier = r#"{"type":"Notification","account_id":"a1","notification_id":"n1"}"#;
        assert_eq!(
            BusEvent::decode(earlier).ok(),
            Some(BusEvent::Notifications {
                items: vec![("a1".into(), "n1".into())]
            })
        );
        let tally = BusEvent::BallotTally {
            ballot_id: "b1".into(),
        };
        let payload = serde_json::to_string(&tally).unwrap_or_default();
        assert_eq!(BusEvent::decode(&payload).ok(), Some(tally));
        assert!(BusEvent::decode(r#"{"type":"Notification","account_id":"a1"}"#).is_err());
        assert!(BusEvent::decode("not json").is_err());
    }

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
