//! DataLoaders: every to-one and to-many field of a list batches its look-ups, so a list page
//! costs a constant number of statements. One set serves all requests; they keep no cache and
//! only batch (a viewer-specific key carries the viewer's voter id).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use entity::{account, building, household};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::domain::awards::read as awards;
use crate::domain::ballot::batch;
use crate::domain::mediation::read as mediation;
use crate::domain::mediation::service::NotesOf;
use crate::domain::topic::service as topic_service;
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Clone)]
pub struct DbLoader {
    db: DatabaseConnection,
}

/// Errors are logged by `AppError` and surface as INTERNAL.
pub type LoadError = std::sync::Arc<String>;

fn fail(e: sea_orm::DbErr) -> LoadError {
    tracing::error!(error = %e, "loader query failed");
    std::sync::Arc::new("internal error".to_owned())
}

/// One loader per entity kind (each `Loader<String>` impl needs its own type).
pub struct Loaders {
    pub households: Batched<HouseholdLoader>,
    pub buildings: Batched<BuildingLoader>,
    pub accounts: Batched<AccountLoader>,
    /// A topic's latest ballot, by topic id.
    pub topic_ballots: Batched<TopicBallotLoader>,
    /// A ballot's options, by ballot id.
    pub ballot_options: Batched<BallotOptionsLoader>,
    /// An open ballot's counts (roll-up plus votes not folded in yet), by ballot id.
    pub tallies: Batched<TallyLoader>,
    /// Whether (ballot, voter) is in the frozen electorate / has taken part.
    pub eligible: Batched<EligibleLoader>,
    pub participated: Batched<ParticipatedLoader>,
    /// A topic's rating summary, by topic id; a resident's own rating, by (topic, resident).
    pub topic_ratings: Batched<TopicRatingLoader>,
    pub own_ratings: Batched<OwnRatingLoader>,
    /// A campaign's shortlists, open votes and ballots per category, by campaign id.
    pub campaign_votes: Batched<CampaignVotesLoader>,
    /// Every ballot of a topic, oldest first, by topic id.
    pub topic_all_ballots: Batched<TopicBallotsLoader>,
    /// A page of a comment thread (a topic's comments, a comment's replies), as its viewer
    /// sees it.
    pub comment_pages: Batched<CommentPagesLoader>,
    /// A page of a topic's progress updates.
    pub update_pages: Batched<UpdatePagesLoader>,
    /// A page of a mediation case's timeline.
    pub case_timelines: Batched<CaseTimelineLoader>,
    /// A mediation case's private notes (keys only its mediators' views make).
    pub case_notes: Batched<CaseNotesLoader>,
    /// An award campaign's public votes, by campaign id.
    pub campaign_ballots: Batched<CampaignBallotsLoader>,
    /// A page of a campaign's nominations, as its reader may read them.
    pub nomination_pages: Batched<NominationPagesLoader>,
}

pub struct NominationPagesLoader(DbLoader);

impl Loader<awards::NominationsKey> for NominationPagesLoader {
    type Value = awards::NominationPage;
    type Error = LoadError;
    async fn load(
        &self,
        keys: &[awards::NominationsKey],
    ) -> Result<HashMap<awards::NominationsKey, Self::Value>, Self::Error> {
        awards::nomination_pages(&self.0.db, keys)
            .await
            .map_err(app_fail)
    }
}

pub struct CampaignBallotsLoader(DbLoader);

impl Loader<String> for CampaignBallotsLoader {
    type Value = Vec<entity::ballot::Model>;
    type Error = LoadError;
    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        awards::votes_of(&self.0.db, keys).await.map_err(app_fail)
    }
}

pub struct CaseTimelineLoader(DbLoader);
pub struct CaseNotesLoader(DbLoader);

impl Loader<mediation::TimelineKey> for CaseTimelineLoader {
    type Value = mediation::TimelinePage;
    type Error = LoadError;
    async fn load(
        &self,
        keys: &[mediation::TimelineKey],
    ) -> Result<HashMap<mediation::TimelineKey, Self::Value>, Self::Error> {
        mediation::timelines(&self.0.db, keys)
            .await
            .map_err(app_fail)
    }
}

impl Loader<NotesOf> for CaseNotesLoader {
    type Value = Vec<(
        entity::case_note::Model,
        crate::domain::topic::service::Person,
    )>;
    type Error = LoadError;
    async fn load(&self, keys: &[NotesOf]) -> Result<HashMap<NotesOf, Self::Value>, Self::Error> {
        mediation::notes_of(&self.0.db, keys)
            .await
            .map_err(app_fail)
    }
}

pub struct TopicBallotsLoader(AppState);
pub struct CommentPagesLoader(DbLoader);
pub struct UpdatePagesLoader(DbLoader);

impl Loader<String> for TopicBallotsLoader {
    type Value = Vec<entity::ballot::Model>;
    type Error = LoadError;
    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        batch::all_for_topics(&self.0, keys).await.map_err(app_fail)
    }
}

impl Loader<topic_service::ThreadKey> for CommentPagesLoader {
    type Value = topic_service::CommentPage;
    type Error = LoadError;
    async fn load(
        &self,
        keys: &[topic_service::ThreadKey],
    ) -> Result<HashMap<topic_service::ThreadKey, Self::Value>, Self::Error> {
        topic_service::comment_pages(&self.0.db, keys)
            .await
            .map_err(app_fail)
    }
}

impl Loader<topic_service::UpdatesKey> for UpdatePagesLoader {
    type Value = topic_service::UpdatePage;
    type Error = LoadError;
    async fn load(
        &self,
        keys: &[topic_service::UpdatesKey],
    ) -> Result<HashMap<topic_service::UpdatesKey, Self::Value>, Self::Error> {
        topic_service::update_pages(&self.0.db, keys)
            .await
            .map_err(app_fail)
    }
}

pub struct CampaignVotesLoader(DbLoader);

impl Loader<String> for CampaignVotesLoader {
    type Value = crate::domain::awards::committee::VoteState;
    type Error = LoadError;
    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        crate::domain::awards::committee::vote_states(&self.0.db, keys)
            .await
            .map_err(app_fail)
    }
}

pub struct TopicRatingLoader(DbLoader);
pub struct OwnRatingLoader(DbLoader);

impl Loader<String> for TopicRatingLoader {
    type Value = topic_service::RatingSummary;
    type Error = LoadError;
    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        topic_service::ratings_for(&self.0.db, keys)
            .await
            .map_err(app_fail)
    }
}

impl Loader<(String, String)> for OwnRatingLoader {
    type Value = i32;
    type Error = LoadError;
    async fn load(
        &self,
        keys: &[(String, String)],
    ) -> Result<HashMap<(String, String), i32>, Self::Error> {
        topic_service::own_ratings(&self.0.db, keys)
            .await
            .map_err(app_fail)
    }
}

pub struct TopicBallotLoader(AppState);
pub struct BallotOptionsLoader(DbLoader);
pub struct TallyLoader(DbLoader);
pub struct EligibleLoader(DbLoader);
pub struct ParticipatedLoader(DbLoader);

fn app_fail(e: AppError) -> LoadError {
    std::sync::Arc::new(e.describe())
}

impl Loader<String> for TopicBallotLoader {
    type Value = entity::ballot::Model;
    type Error = LoadError;
    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        batch::latest_for_topics(&self.0, keys)
            .await
            .map_err(app_fail)
    }
}

impl Loader<String> for BallotOptionsLoader {
    type Value = Vec<entity::ballot_option::Model>;
    type Error = LoadError;
    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        let mut found = batch::options_for(&self.0.db, keys)
            .await
            .map_err(app_fail)?;
        Ok(keys
            .iter()
            .map(|k| (k.clone(), found.remove(k).unwrap_or_default()))
            .collect())
    }
}

impl Loader<String> for TallyLoader {
    type Value = crate::domain::ballot::tally::Counts;
    type Error = LoadError;
    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        crate::domain::ballot::tally::read(&self.0.db, keys)
            .await
            .map_err(app_fail)
    }
}

/// (ballot id, voter id) → true when the set holds it.
macro_rules! pair_loader {
    ($name:ident, $f:path) => {
        impl Loader<(String, String)> for $name {
            type Value = bool;
            type Error = LoadError;
            async fn load(
                &self,
                keys: &[(String, String)],
            ) -> Result<HashMap<(String, String), bool>, Self::Error> {
                let found = $f(&self.0.db, keys).await.map_err(app_fail)?;
                Ok(keys
                    .iter()
                    .map(|k| (k.clone(), found.contains(k)))
                    .collect())
            }
        }
    };
}

pair_loader!(EligibleLoader, batch::eligible_pairs);
pair_loader!(ParticipatedLoader, batch::participated_pairs);

pub struct HouseholdLoader(DbLoader);
pub struct BuildingLoader(DbLoader);
pub struct AccountLoader(DbLoader);

macro_rules! loader {
    ($name:ident, $entity:ident) => {
        impl Loader<String> for $name {
            type Value = $entity::Model;
            type Error = LoadError;
            async fn load(
                &self,
                keys: &[String],
            ) -> Result<HashMap<String, Self::Value>, Self::Error> {
                let rows = $entity::Entity::find()
                    .filter($entity::Column::Id.is_in(keys.iter().cloned()))
                    .all(&self.0.db)
                    .await
                    .map_err(fail)?;
                Ok(rows.into_iter().map(|r| (r.id.clone(), r)).collect())
            }
        }
    };
}

loader!(HouseholdLoader, household);
loader!(BuildingLoader, building);
loader!(AccountLoader, account);

/// A DataLoader whose batch waits for the rest of a page's keys.
///
/// async-graphql resolves a list of more than 30 items through `FuturesUnordered`, which stops
/// polling them (returns to the scheduler) as soon as two items' own field futures have woken
/// themselves, as every object's fields do: so a page's items ask for their keys two at a
/// time, one scheduler turn after another. A loader that loads as soon as the scheduler lets
/// it (no delay) took the first two keys, and a page of 50 residents ran 25 statements for
/// their accounts. A fixed delay (async-graphql's default is 1 ms) would add that much to every
/// single read. So the batch task yields to the scheduler as long as keys keep arriving, and
/// loads on the first turn in which none did: the request that asked resolves its next items in
/// each of those turns. The loaders serve every request, so under steady traffic other
/// requests' keys keep arriving too (they join the same batch): the wait ends after
/// [`MAX_TURNS`] turns or [`MAX_WAIT`], whichever comes first.
pub struct Batched<L: Send + Sync + 'static> {
    loader: DataLoader<L>,
    asked: Arc<AtomicU64>,
}

/// Scheduler turns a batch waits for more keys at most (a page of 100 asks in 50).
const MAX_TURNS: u32 = 64;
/// How long a batch waits for more keys at most (async-graphql's own fixed delay is 1 ms).
const MAX_WAIT: std::time::Duration = std::time::Duration::from_millis(1);

impl<L: Send + Sync + 'static> Batched<L> {
    fn new(loader: L) -> Self {
        let asked = Arc::new(AtomicU64::new(0));
        let counted = asked.clone();
        let spawn = move |batch: futures_util::future::BoxFuture<'static, ()>| {
            let asked = counted.clone();
            tokio::spawn(async move {
                let started = std::time::Instant::now();
                for _ in 0..MAX_TURNS {
                    let seen = asked.load(Ordering::Relaxed);
                    tokio::task::yield_now().await;
                    if asked.load(Ordering::Relaxed) == seen || started.elapsed() >= MAX_WAIT {
                        break;
                    }
                }
                batch.await;
            })
        };
        Self {
            loader: DataLoader::new(loader, spawn).delay(std::time::Duration::ZERO),
            asked,
        }
    }
}

impl Loaders {
    pub fn new(state: &AppState) -> Self {
        let l = || DbLoader {
            db: state.db.clone(),
        };
        Self {
            households: Batched::new(HouseholdLoader(l())),
            buildings: Batched::new(BuildingLoader(l())),
            accounts: Batched::new(AccountLoader(l())),
            topic_ballots: Batched::new(TopicBallotLoader(state.clone())),
            ballot_options: Batched::new(BallotOptionsLoader(l())),
            tallies: Batched::new(TallyLoader(l())),
            eligible: Batched::new(EligibleLoader(l())),
            participated: Batched::new(ParticipatedLoader(l())),
            topic_ratings: Batched::new(TopicRatingLoader(l())),
            own_ratings: Batched::new(OwnRatingLoader(l())),
            campaign_votes: Batched::new(CampaignVotesLoader(l())),
            topic_all_ballots: Batched::new(TopicBallotsLoader(state.clone())),
            comment_pages: Batched::new(CommentPagesLoader(l())),
            update_pages: Batched::new(UpdatePagesLoader(l())),
            case_timelines: Batched::new(CaseTimelineLoader(l())),
            case_notes: Batched::new(CaseNotesLoader(l())),
            campaign_ballots: Batched::new(CampaignBallotsLoader(l())),
            nomination_pages: Batched::new(NominationPagesLoader(l())),
        }
    }
}

impl Loaders {
    /// The loaders, from a resolver's context.
    pub fn of<'a>(ctx: &async_graphql::Context<'a>) -> Result<&'a Loaders, AppError> {
        ctx.data::<Loaders>()
            .map_err(|_| AppError::Internal(anyhow::anyhow!("loaders missing")))
    }
}

/// One value through a loader; a failed batch is INTERNAL (its cause was logged).
pub async fn one<K, L>(loader: &Batched<L>, key: K) -> Result<Option<L::Value>, AppError>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    L: Loader<K, Error = LoadError>,
{
    loader.asked.fetch_add(1, Ordering::Relaxed);
    loader
        .loader
        .load_one(key)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("batched look-up failed: {e}")))
}
