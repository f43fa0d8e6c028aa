//! Live tallies. A ballot's tally is loaded once per change and shared by every subscriber of
//! that ballot on this replica (a `watch` channel per watched ballot), however many there are.
//! Bursts coalesce: the events waiting when the hub wakes are handled together, one load per
//! ballot.

use entity::ballot::BallotStatus;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use entity::{ballot, ballot_option};
use sea_orm::{DatabaseConnection, EntityTrait};
use tokio::sync::{broadcast, watch};

use crate::bus::{Bus, BusEvent};
use crate::error::AppResult;

/// A ballot row and its options as of one change (an open ballot's counts include its votes not
/// folded in yet).
#[derive(Debug)]
pub struct TallySnapshot {
    pub ballot: ballot::Model,
    pub options: Vec<ballot_option::Model>,
}

type Watchers = HashMap<String, watch::Sender<Option<Arc<TallySnapshot>>>>;

#[derive(Clone)]
pub struct TallyHub {
    watchers: Arc<Mutex<Watchers>>,
}

impl TallyHub {
    /// Starts the hub's task on this replica's bus.
    pub fn start(db: DatabaseConnection, bus: &Bus) -> Self {
        let hub = Self {
            watchers: Arc::new(Mutex::new(HashMap::new())),
        };
        let mut events = bus.subscribe();
        let task_hub = hub.clone();
        tokio::spawn(async move {
            loop {
                let mut dirty = BTreeSet::new();
                match events.recv().await {
                    Ok(e) => note(&mut dirty, e),
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        dirty.extend(task_hub.watched());
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                }
                loop {
                    match events.try_recv() {
                        Ok(e) => note(&mut dirty, e),
                        Err(broadcast::error::TryRecvError::Lagged(_)) => {
                            dirty.extend(task_hub.watched());
                        }
                        Err(_) => break,
                    }
                }
                for id in dirty {
                    task_hub.refresh(&db, &id).await;
                }
            }
        });
        hub
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Watchers> {
        self.watchers.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn watched(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }

    /// The changes of a ballot's tally from now on (`None` until the first change).
    pub fn watch(&self, ballot_id: &str) -> watch::Receiver<Option<Arc<TallySnapshot>>> {
        let mut map = self.lock();
        // Ballots nobody watches any more are forgotten here too, not only on their next change.
        map.retain(|_, tx| tx.receiver_count() > 0);
        map.entry(ballot_id.to_owned())
            .or_insert_with(|| watch::channel(None).0)
            .subscribe()
    }

    /// Ballots watched right now on this replica (for tests and metrics).
    pub fn watched_count(&self) -> usize {
        self.lock().len()
    }

    async fn refresh(&self, db: &DatabaseConnection, ballot_id: &str) {
        {
            let mut map = self.lock();
            match map.get(ballot_id) {
                Some(tx) if tx.receiver_count() > 0 => {}
                Some(_) => {
                    map.remove(ballot_id);
                    return;
                }
                None => return,
            }
        }
        match load(db, ballot_id).await {
            Ok(Some(snapshot)) => {
                if let Some(tx) = self.lock().get(ballot_id) {
                    tx.send_replace(Some(Arc::new(snapshot)));
                }
            }
            Ok(None) => {}
            Err(_) => tracing::warn!("a live tally could not be loaded"),
        }
    }
}

fn note(dirty: &mut BTreeSet<String>, event: BusEvent) {
    if let BusEvent::BallotTally { ballot_id } = event {
        dirty.insert(ballot_id);
    }
}

async fn load(db: &DatabaseConnection, ballot_id: &str) -> AppResult<Option<TallySnapshot>> {
    let Some(ballot) = ballot::Entity::find_by_id(ballot_id.to_owned())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let mut ballot = ballot;
    let mut options = super::service::options_of(db, ballot_id).await?;
    if ballot.status == BallotStatus::Open {
        if let Some(counts) = super::tally::read(db, &[ballot.id.clone()])
            .await?
            .get(&ballot.id)
        {
            counts.apply(&mut ballot, &mut options);
        }
    }
    Ok(Some(TallySnapshot { ballot, options }))
}
