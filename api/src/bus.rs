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
