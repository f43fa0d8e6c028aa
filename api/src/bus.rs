//! In-process event bus feeding GraphQL subscriptions. Events carry ids only; subscribers load
//! what they may see. (Across replicas, events will be relayed through PostgreSQL LISTEN/NOTIFY.)

use tokio::sync::broadcast;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BusEvent {
    Notification {
        account_id: String,
        notification_id: String,
    },
}

#[derive(Clone)]
pub struct Bus {
    tx: broadcast::Sender<BusEvent>,
}

impl Default for Bus {
    fn default() -> Self {
        Self::new()
    }
}

impl Bus {
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(1024);
        Self { tx }
    }

    pub fn publish(&self, event: BusEvent) {
        // No subscriber is not an error.
        let _ = self.tx.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<BusEvent> {
        self.tx.subscribe()
    }
}
