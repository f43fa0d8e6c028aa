//! Ballot reads for many at once, so that a list page costs a constant number of statements
//! (the DataLoaders in `graphql::loaders` call these).

use std::collections::{HashMap, HashSet};

use entity::{ballot, ballot_option, ballot_participation, ballot_voter, resident};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::rules::Electorate;
use super::service::{close_one, electorate_of, is_due};
use crate::domain::now;
use crate::error::AppResult;
use crate::startup::AppState;

/// The latest ballot of each topic (closed first if its time has come, as a single read does).
pub async fn latest_for_topics(
    state: &AppState,
    topic_ids: &[String],
) -> AppResult<HashMap<String, ballot::Model>> {
    let mut latest: HashMap<String, ballot::Model> = HashMap::new();
    for b in ballot::Entity::find()
        .filter(ballot::Column::TopicId.is_in(topic_ids.iter().cloned()))
        .order_by_asc(ballot::Column::OpenedAt)
        .all(&state.db)
        .await?
    {
        if let Some(topic) = b.topic_id.clone() {
            latest.insert(topic, b);
        }
    }
    let due: Vec<String> = latest
        .values()
        .filter(|b| is_due(b, now()))
        .map(|b| b.id.clone())
        .collect();
    if !due.is_empty() {
        for id in &due {
            close_one(state, id).await?;
        }
        for b in ballot::Entity::find()
            .filter(ballot::Column::Id.is_in(due))
            .all(&state.db)
            .await?
        {
            if let Some(topic) = b.topic_id.clone() {
                latest.insert(topic, b);
            }
        }
    }
    Ok(latest)
}

/// The options of each ballot, in order.
pub async fn options_for<C: ConnectionTrait>(
    conn: &C,
    ballot_ids: &[String],
) -> AppResult<HashMap<String, Vec<ballot_option::Model>>> {
    let mut out: HashMap<String, Vec<ballot_option::Model>> = HashMap::new();
    for o in ballot_option::Entity::find()
        .filter(ballot_option::Column::BallotId.is_in(ballot_ids.iter().cloned()))
        .order_by_asc(ballot_option::Column::Position)
        .all(conn)
        .await?
    {
        out.entry(o.ballot_id.clone()).or_default().push(o);
    }
    Ok(out)
}

/// Who votes for this place on this ballot: the resident (RESIDENTS) or their household.
pub fn voter_for(b: &ballot::Model, place: &resident::Model) -> AppResult<String> {
    Ok(match electorate_of(b)? {
        Electorate::Residents => place.id.clone(),
        _ => place.household_id.clone(),
    })
}

/// The viewer's voter id on a ballot, from the viewer's live places (loaded once per request).
pub fn voter_among(b: &ballot::Model, places: &[resident::Model]) -> AppResult<Option<String>> {
    places
        .iter()
        .find(|p| p.community_id == b.community_id)
        .map(|p| voter_for(b, p))
        .transpose()
}

/// Which (ballot, voter) pairs are in the ballot's frozen electorate.
pub async fn eligible_pairs<C: ConnectionTrait>(
    conn: &C,
    pairs: &[(String, String)],
) -> AppResult<HashSet<(String, String)>> {
    let wanted: HashSet<&(String, String)> = pairs.iter().collect();
    Ok(ballot_voter::Entity::find()
        .filter(ballot_voter::Column::BallotId.is_in(pairs.iter().map(|p| p.0.clone())))
        .filter(ballot_voter::Column::VoterId.is_in(pairs.iter().map(|p| p.1.clone())))
        .all(conn)
        .await?
        .into_iter()
        .map(|v| (v.ballot_id, v.voter_id))
        .filter(|p| wanted.contains(p))
        .collect())
}

/// Which (ballot, voter) pairs have taken part (online or on paper).
pub async fn participated_pairs<C: ConnectionTrait>(
    conn: &C,
    pairs: &[(String, String)],
) -> AppResult<HashSet<(String, String)>> {
    let wanted: HashSet<&(String, String)> = pairs.iter().collect();
    Ok(ballot_participation::Entity::find()
        .filter(ballot_participation::Column::BallotId.is_in(pairs.iter().map(|p| p.0.clone())))
        .filter(ballot_participation::Column::VoterId.is_in(pairs.iter().map(|p| p.1.clone())))
        .all(conn)
        .await?
        .into_iter()
        .map(|v| (v.ballot_id, v.voter_id))
        .filter(|p| wanted.contains(p))
        .collect())
}
