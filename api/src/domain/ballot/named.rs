//! Named votes (记名表决, DESIGN §4): a non-secret ballot records which voter made each choice,
//! and once it has closed the committee can read (and print) the named roll. Secret ballots never
//! record it (`rules::is_named`), so for them nothing joins participation to choices.
//!
//! Storage: one `ballot_named_votes` row per vote of a non-secret ballot, pointing at the voter's
//! `ballot_box` row. A vote change updates that box row in place (and only its own voter may
//! change it), a paper ballot is recorded through the same path as an online vote, so the roll
//! always reads the choice as counted.

use std::collections::HashMap;

use entity::{
    ballot, ballot_box, ballot_named_vote, ballot_option, ballot_participation, building,
    household, resident,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use super::rules::{self, Electorate, NamedRollAccess};
use super::service::{options_of, visible, BallotStatus};
use crate::auth::Viewer;
use crate::domain::{new_id, roles};
use crate::error::{AppError, AppResult};
use entity::ballot_participation::VoteChannel;

/// The row that records whose vote a box row of a named vote is (run inside the vote's
/// transaction, by `cast::record`).
pub(super) fn record_statement(
    ballot_id: &str,
    voter_id: &str,
    box_id: &str,
) -> sea_orm::sea_query::InsertStatement {
    use sea_orm::QueryTrait;
    ballot_named_vote::Entity::insert(ballot_named_vote::ActiveModel {
        id: Set(new_id()),
        ballot_id: Set(ballot_id.to_owned()),
        voter_id: Set(voter_id.to_owned()),
        box_id: Set(box_id.to_owned()),
    })
    .into_query()
}

/// Is this box row of a named vote the given voter's own?
pub(super) async fn is_voters_box<C: ConnectionTrait>(
    conn: &C,
    ballot_id: &str,
    voter_id: &str,
    box_id: &str,
) -> AppResult<bool> {
    Ok(ballot_named_vote::Entity::find()
        .filter(ballot_named_vote::Column::BallotId.eq(ballot_id))
        .filter(ballot_named_vote::Column::VoterId.eq(voter_id))
        .filter(ballot_named_vote::Column::BoxId.eq(box_id))
        .one(conn)
        .await?
        .is_some())
}

/// Where a voter lives and who they are, as the committee reads them on the roll.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Place {
    /// The resident's name (RESIDENTS), or the household's active members' names (households).
    pub name: String,
    pub building: String,
    pub unit: String,
}

/// One line of the named roll.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedVote {
    /// The resident's id (RESIDENTS) or the household's id (HOUSEHOLDS, OWNERS).
    pub voter_id: String,
    pub place: Place,
    pub channel: VoteChannel,
    /// The options chosen, in the ballot's option order.
    pub options: Vec<ballot_option::Model>,
    /// The floor area the vote carries (OWNERS), hundredths of a m².
    pub area: i64,
}

/// The places of a community's voters for a ballot's electorate, by voter id.
async fn places<C: ConnectionTrait>(
    conn: &C,
    b: &ballot::Model,
) -> AppResult<HashMap<String, Place>> {
    let buildings: HashMap<String, String> = building::Entity::find()
        .filter(building::Column::CommunityId.eq(b.community_id.clone()))
        .all(conn)
        .await?
        .into_iter()
        .map(|x| (x.id, x.name))
        .collect();
    let households: HashMap<String, household::Model> = household::Entity::find()
        .filter(household::Column::CommunityId.eq(b.community_id.clone()))
        .all(conn)
        .await?
        .into_iter()
        .map(|h| (h.id.clone(), h))
        .collect();
    let residents = resident::Entity::find()
        .filter(resident::Column::CommunityId.eq(b.community_id.clone()))
        .all(conn)
        .await?;
    let place_of = |household_id: &str, name: String| {
        let h = households.get(household_id);
        Place {
            name,
            building: h
                .and_then(|h| buildings.get(&h.building_id))
                .cloned()
                .unwrap_or_default(),
            unit: h.map(|h| h.unit.clone()).unwrap_or_default(),
        }
    };
    Ok(match b.electorate {
        Electorate::Residents => residents
            .into_iter()
            .map(|r| (r.id.clone(), place_of(&r.household_id, r.name)))
            .collect(),
        Electorate::Households | Electorate::Owners => {
            let mut members: HashMap<String, Vec<String>> = HashMap::new();
            for r in residents.into_iter().filter(|r| r.active) {
                members.entry(r.household_id).or_default().push(r.name);
            }
            households
                .keys()
                .map(|id| {
                    let names = members.get(id).map(|m| m.join("、")).unwrap_or_default();
                    (id.clone(), place_of(id, names))
                })
                .collect()
        }
    })
}

/// The named roll of a ballot (`rules::named_roll_access`): `None` for a secret ballot (for
/// anyone) and for a named vote still open; FORBIDDEN for anyone but the committee of the
/// ballot's community (or an admin); NOT_FOUND for a ballot the viewer may not see. Sorted by
/// building, unit and name.
pub async fn roll(
    db: &DatabaseConnection,
    viewer: &Viewer,
    ballot_id: &str,
) -> AppResult<Option<Vec<NamedVote>>> {
    let b = visible(db, viewer, ballot_id).await?;
    let committee = if rules::is_named(b.secret) {
        match roles::can_manage_roster(db, viewer, &b.community_id).await {
            Ok(()) => true,
            Err(AppError::Forbidden) => false,
            Err(e) => return Err(e),
        }
    } else {
        false
    };
    match rules::named_roll_access(b.secret, b.status == BallotStatus::Closed, committee) {
        NamedRollAccess::NoRoll => return Ok(None),
        NamedRollAccess::Forbidden => return Err(AppError::Forbidden),
        NamedRollAccess::Show => {}
    }
    let named = ballot_named_vote::Entity::find()
        .filter(ballot_named_vote::Column::BallotId.eq(b.id.clone()))
        .all(db)
        .await?;
    let boxes: HashMap<String, ballot_box::Model> = ballot_box::Entity::find()
        .filter(ballot_box::Column::BallotId.eq(b.id.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect();
    let channels: HashMap<String, VoteChannel> = ballot_participation::Entity::find()
        .filter(ballot_participation::Column::BallotId.eq(b.id.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.voter_id, p.channel))
        .collect();
    let options = options_of(db, &b.id).await?;
    let places = places(db, &b).await?;
    let mut roll = Vec::with_capacity(named.len());
    for n in named {
        let row = boxes.get(&n.box_id).ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("named vote without its ballot-box row"))
        })?;
        let chosen: Vec<&str> = row.option_ids.split(',').collect();
        roll.push(NamedVote {
            place: places.get(&n.voter_id).cloned().unwrap_or_default(),
            channel: *channels.get(&n.voter_id).ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!("named vote without its participation row"))
            })?,
            options: options
                .iter()
                .filter(|o| chosen.contains(&o.id.as_str()))
                .cloned()
                .collect(),
            area: row.area,
            voter_id: n.voter_id,
        });
    }
    roll.sort_by(|a, b| {
        (&a.place.building, &a.place.unit, &a.place.name, &a.voter_id).cmp(&(
            &b.place.building,
            &b.place.unit,
            &b.place.name,
            &b.voter_id,
        ))
    });
    Ok(Some(roll))
}
