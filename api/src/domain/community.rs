//! Communities: creation by a platform admin, visibility, counts.

use entity::{building, community, household, resident};
use std::collections::{BTreeSet, HashMap};

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};

use crate::auth::Viewer;
use crate::domain::{audit, new_id, now, roles};
use crate::error::{AppError, AppResult};

pub const DEFAULT_COSIGN_THRESHOLD: i32 = 5;

pub async fn create(
    db: &DatabaseConnection,
    audit_key: &audit::AuditKey,
    viewer: &Viewer,
    name: &str,
) -> AppResult<community::Model> {
    roles::can_create_community(viewer)?;
    let name = name.trim();
    let len = name.chars().count();
    if !(2..=100).contains(&len) {
        return Err(AppError::bad_input("name", "must have 2 to 100 characters"));
    }
    let txn = db.begin().await?;
    let c = community::ActiveModel {
        id: Set(new_id()),
        name: Set(name.to_owned()),
        cosign_threshold: Set(DEFAULT_COSIGN_THRESHOLD),
        case_overdue_days: Set(30),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        audit_key,
        audit::Entry {
            actor_id: Some(viewer.id()),
            community_id: Some(&c.id),
            action: audit::AuditAction::CommunityCreate,
            subject: &c.id,
            details: serde_json::json!({ "name": c.name }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(c)
}

/// A community the viewer may see, else `NOT_FOUND`.
pub async fn get(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: &str,
) -> AppResult<community::Model> {
    roles::can_see_community(db, viewer, id).await?;
    community::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Admins see every community; others the ones where they are active residents.
pub async fn visible(db: &DatabaseConnection, viewer: &Viewer) -> AppResult<Vec<community::Model>> {
    if viewer.is_admin() {
        return Ok(community::Entity::find()
            .order_by_asc(community::Column::Name)
            .all(db)
            .await?);
    }
    let ids: Vec<String> = resident::Entity::find()
        .filter(resident::Column::AccountId.eq(viewer.id()))
        .filter(crate::domain::roles::live_place())
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.community_id)
        .collect();
    Ok(community::Entity::find()
        .filter(community::Column::Id.is_in(ids))
        .order_by_asc(community::Column::Name)
        .all(db)
        .await?)
}

pub async fn counts(db: &DatabaseConnection, id: &str) -> AppResult<(u64, u64)> {
    let residents = resident::Entity::find()
        .filter(resident::Column::CommunityId.eq(id))
        .filter(resident::Column::Active.eq(true))
        .count(db)
        .await?;
    let households = household::Entity::find()
        .filter(household::Column::CommunityId.eq(id))
        .count(db)
        .await?;
    Ok((residents, households))
}

/// A community's buildings by name (for ballot scopes and nominations). The caller has shown
/// the community to the viewer.
pub async fn buildings(db: &DatabaseConnection, id: &str) -> AppResult<Vec<building::Model>> {
    Ok(building::Entity::find()
        .filter(building::Column::CommunityId.eq(id))
        .order_by_asc(building::Column::Name)
        .order_by_asc(building::Column::Id)
        .all(db)
        .await?)
}

/// Homes as residents name them ("1栋 101"), by household id, with the names of `more_buildings`
/// by building id: two statements however many (none for none).
pub async fn place_labels<C: ConnectionTrait>(
    conn: &C,
    household_ids: BTreeSet<String>,
    more_buildings: BTreeSet<String>,
) -> AppResult<HashMap<String, String>> {
    let households: Vec<household::Model> = if household_ids.is_empty() {
        Vec::new()
    } else {
        household::Entity::find()
            .filter(household::Column::Id.is_in(household_ids))
            .all(conn)
            .await?
    };
    let building_ids: BTreeSet<String> = more_buildings
        .into_iter()
        .chain(households.iter().map(|h| h.building_id.clone()))
        .collect();
    let buildings: HashMap<String, String> = if building_ids.is_empty() {
        HashMap::new()
    } else {
        building::Entity::find()
            .filter(building::Column::Id.is_in(building_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|b| (b.id, b.name))
            .collect()
    };
    let mut out = HashMap::new();
    for h in households {
        let name = buildings.get(&h.building_id).cloned().unwrap_or_default();
        out.insert(h.id, format!("{name} {}", h.unit));
    }
    out.extend(buildings);
    Ok(out)
}
