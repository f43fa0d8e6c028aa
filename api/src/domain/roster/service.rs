//! Roster import and resident management, each in one transaction with its audit entry.

use std::collections::HashMap;

use entity::{account, building, household, invite, resident, role_grant};
use sea_orm::ActiveEnum;
use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set, TransactionTrait,
};

use super::rules::{self, RosterRow};
use crate::auth::Viewer;
use crate::bus::BusEvent;
use crate::domain::identity::service::revoke_all_refresh_tokens;
use crate::domain::roles::{self, Role};
use crate::domain::{audit, new_id, notify, now};
use crate::error::{AppError, AppResult};
use crate::state::Services;

/// An invite code in clear: returned once, never stored.
#[derive(Clone, Debug)]
pub struct IssuedInvite {
    pub code: String,
    pub phone: String,
    pub name: String,
    pub resident_id: String,
    pub household_id: String,
    pub building: String,
    pub unit: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Clone, Debug, Default)]
pub struct ImportOutcome {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub invites: Vec<IssuedInvite>,
}

pub const INVITE_CODE_LEN: usize = 10;

async fn new_invite<C: ConnectionTrait>(
    conn: &C,
    state: &Services,
    resident_id: &str,
) -> AppResult<(String, chrono::DateTime<chrono::Utc>)> {
    let code = crate::auth::tokens::random_code(INVITE_CODE_LEN);
    let now = now();
    let expires_at = now + chrono::Duration::seconds(state.settings.invite_ttl_secs);
    // Earlier unused codes of this resident stop working.
    invite::Entity::update_many()
        .col_expr(invite::Column::RevokedAt, Expr::value(now))
        .filter(invite::Column::ResidentId.eq(resident_id))
        .filter(invite::Column::UsedAt.is_null())
        .filter(invite::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    invite::ActiveModel {
        id: Set(new_id()),
        resident_id: Set(resident_id.to_owned()),
        code_hash: Set(crate::auth::tokens::sha256_hex(&code)),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok((code, expires_at))
}

async fn grant<C: ConnectionTrait>(
    conn: &C,
    account_id: &str,
    community_id: &str,
    role: Role,
) -> AppResult<bool> {
    let exists = role_grant::Entity::find()
        .filter(role_grant::Column::AccountId.eq(account_id))
        .filter(role_grant::Column::CommunityId.eq(community_id))
        .filter(role_grant::Column::Role.eq(role))
        .count(conn)
        .await?
        > 0;
    if exists {
        return Ok(false);
    }
    role_grant::ActiveModel {
        id: Set(new_id()),
        account_id: Set(account_id.to_owned()),
        community_id: Set(community_id.to_owned()),
        role: Set(role),
        granted_at: Set(now()),
    }
    .insert(conn)
    .await?;
    Ok(true)
}

pub async fn import(
    state: &Services,
    viewer: &Viewer,
    community_id: &str,
    csv: &str,
) -> AppResult<ImportOutcome> {
    let db = &state.db;
    roles::can_manage_roster(db, viewer, community_id).await?;
    let rows = rules::parse(csv).map_err(|rows| AppError::BadRows { field: "csv", rows })?;
    let txn = db.begin().await?;
    let outcome = import_rows(&txn, state, community_id, &rows).await?;
    audit::append(
        &txn,
        &state.audit,
        audit::Entry {
            actor_id: Some(viewer.id()),
            community_id: Some(community_id),
            action: audit::AuditAction::RosterImport,
            subject: community_id,
            details: serde_json::json!({
                "rows": rows.len(), "created": outcome.created, "updated": outcome.updated, "unchanged": outcome.unchanged
            }),
        },
    )
    .await?;
    txn.commit().await?;
    // The viewer may have changed their own place or roles.
    viewer.forget_access();
    tracing::info!(
        created = outcome.created,
        updated = outcome.updated,
        unchanged = outcome.unchanged,
        "roster imported"
    );
    Ok(outcome)
}

async fn import_rows<C: ConnectionTrait>(
    conn: &C,
    state: &Services,
    community_id: &str,
    rows: &[RosterRow],
) -> AppResult<ImportOutcome> {
    let mut buildings: HashMap<String, building::Model> = building::Entity::find()
        .filter(building::Column::CommunityId.eq(community_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|b| (b.name.clone(), b))
        .collect();
    let mut households: HashMap<(String, String), household::Model> = household::Entity::find()
        .filter(household::Column::CommunityId.eq(community_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|h| ((h.building_id.clone(), h.unit.clone()), h))
        .collect();
    let residents: HashMap<String, resident::Model> = resident::Entity::find()
        .filter(resident::Column::CommunityId.eq(community_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.account_id.clone(), r))
        .collect();
    let mut accounts: HashMap<String, account::Model> = HashMap::new();
    for chunk in rows.chunks(500) {
        let phones: Vec<String> = chunk.iter().map(|r| r.phone.clone()).collect();
        for a in account::Entity::find()
            .filter(account::Column::Phone.is_in(phones))
            .all(conn)
            .await?
        {
            accounts.insert(a.phone.clone(), a);
        }
    }

    let mut out = ImportOutcome::default();
    for row in rows {
        // Building and household.
        let b = match buildings.get(&row.building) {
            Some(b) => b.clone(),
            None => {
                let b = building::ActiveModel {
                    id: Set(new_id()),
                    community_id: Set(community_id.to_owned()),
                    name: Set(row.building.clone()),
                }
                .insert(conn)
                .await?;
                buildings.insert(row.building.clone(), b.clone());
                b
            }
        };
        let hkey = (b.id.clone(), row.unit.clone());
        let mut household_changed = false;
        let h = match households.get(&hkey) {
            Some(h) if h.area_centi == row.area_centi && h.owner == row.owner => h.clone(),
            Some(h) => {
                let mut active: household::ActiveModel = h.clone().into();
                active.area_centi = Set(row.area_centi);
                active.owner = Set(row.owner);
                let h = active.update(conn).await?;
                households.insert(hkey, h.clone());
                household_changed = true;
                h
            }
            None => {
                let h = household::ActiveModel {
                    id: Set(new_id()),
                    community_id: Set(community_id.to_owned()),
                    building_id: Set(b.id.clone()),
                    unit: Set(row.unit.clone()),
                    area_centi: Set(row.area_centi),
                    owner: Set(row.owner),
                }
                .insert(conn)
                .await?;
                households.insert(hkey, h.clone());
                h
            }
        };

        // Account (one per phone, across communities). An account this community does not
        // control alone is not renamed here; its new place stays unlinked until its holder claims
        // the invite with the account's current password (`invite_power`).
        let (acc, new_account) = match accounts.get(&row.phone) {
            Some(a) => {
                let power = invite_power(conn, a, community_id).await?;
                if power == InvitePower::SetPassword && a.name != row.name {
                    let mut active: account::ActiveModel = a.clone().into();
                    active.name = Set(row.name.clone());
                    let a = active.update(conn).await?;
                    accounts.insert(row.phone.clone(), a.clone());
                    (a, false)
                } else {
                    (a.clone(), false)
                }
            }
            None => {
                let a = account::ActiveModel {
                    id: Set(new_id()),
                    phone: Set(row.phone.clone()),
                    name: Set(row.name.clone()),
                    password_hash: Set(None),
                    is_admin: Set(false),
                    session_epoch: Set(0),
                    created_at: Set(now()),
                }
                .insert(conn)
                .await?;
                accounts.insert(row.phone.clone(), a.clone());
                (a, true)
            }
        };

        // The resident on this community's roster.
        let mut roles_changed = false;
        for role in &row.roles {
            roles_changed |= grant(conn, &acc.id, community_id, *role).await?;
        }
        match residents.get(&acc.id) {
            Some(r) => {
                let same = r.name == row.name && r.household_id == h.id && r.active;
                if same {
                    if household_changed || roles_changed {
                        out.updated += 1;
                    } else {
                        out.unchanged += 1;
                    }
                } else {
                    let mut active: resident::ActiveModel = r.clone().into();
                    active.name = Set(row.name.clone());
                    active.household_id = Set(h.id.clone());
                    active.active = Set(true);
                    active.deactivated_at = Set(None);
                    active.update(conn).await?;
                    out.updated += 1;
                }
            }
            None => {
                let r = resident::ActiveModel {
                    id: Set(new_id()),
                    account_id: Set(acc.id.clone()),
                    community_id: Set(community_id.to_owned()),
                    household_id: Set(h.id.clone()),
                    name: Set(row.name.clone()),
                    active: Set(true),
                    created_at: Set(now()),
                    deactivated_at: Set(None),
                    // An account made by this import exists nowhere else: its place is its own.
                    linked_at: Set(new_account.then(now)),
                }
                .insert(conn)
                .await?;
                out.created += 1;
                // Every new place gets an invite, whether or not the phone is known elsewhere,
                // so the answer never tells the committee which phones are registered.
                let (code, expires_at) = new_invite(conn, state, &r.id).await?;
                out.invites.push(IssuedInvite {
                    code,
                    phone: row.phone.clone(),
                    name: row.name.clone(),
                    resident_id: r.id,
                    household_id: h.id.clone(),
                    building: row.building.clone(),
                    unit: row.unit.clone(),
                    expires_at,
                });
            }
        }
    }
    Ok(out)
}

/// What an invite code of this community may do for an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvitePower {
    /// The community alone controls the account: the code sets (or resets) its password.
    SetPassword,
    /// The account is a platform admin or holds a live place elsewhere: the code only links the
    /// new place, and claiming it needs the account's current password.
    LinkOnly,
}

/// The one rule for invites, used by the import, `claimInvite` and deactivation: a community
/// controls an account alone when it is no platform admin, has no live (active, linked) place
/// on another community's roster, and either has no password yet or has taken this community's
/// place already (a place the committee made for an account with a password is not its own
/// until the holder claims it with that password).
pub async fn invite_power<C: ConnectionTrait>(
    conn: &C,
    account: &account::Model,
    community_id: &str,
) -> AppResult<InvitePower> {
    if account.is_admin {
        return Ok(InvitePower::LinkOnly);
    }
    let places = resident::Entity::find()
        .filter(resident::Column::AccountId.eq(account.id.clone()))
        .all(conn)
        .await?;
    let live_elsewhere = places
        .iter()
        .any(|p| p.community_id != community_id && p.active && p.linked_at.is_some());
    let own_here = places
        .iter()
        .any(|p| p.community_id == community_id && p.linked_at.is_some());
    Ok(
        if !live_elsewhere && (account.password_hash.is_none() || own_here) {
            InvitePower::SetPassword
        } else {
            InvitePower::LinkOnly
        },
    )
}

/// Holds the community's row lock for the rest of the transaction (PostgreSQL; SQLite has one
/// writer anyway), so checks such as "the last committee member" cannot race.
async fn lock_community<C: ConnectionTrait>(conn: &C, community_id: &str) -> AppResult<()> {
    entity::community::Entity::update_many()
        .col_expr(
            entity::community::Column::CosignThreshold,
            Expr::col(entity::community::Column::CosignThreshold),
        )
        .filter(entity::community::Column::Id.eq(community_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Takes the community's lock, then checks again that the viewer manages its roster, with
/// access read inside the transaction: two committee members revoking each other at the same
/// moment cannot both pass on access read before either committed.
async fn lock_managed<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    community_id: &str,
) -> AppResult<()> {
    lock_community(conn, community_id).await?;
    viewer.forget_access();
    roles::can_manage_roster(conn, viewer, community_id).await
}

/// A resident of a community the viewer manages; else NOT_FOUND / FORBIDDEN.
async fn managed_resident<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    resident_id: &str,
) -> AppResult<resident::Model> {
    let r = resident::Entity::find_by_id(resident_id.to_owned())
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    roles::can_manage_roster(conn, viewer, &r.community_id).await?;
    Ok(r)
}

pub async fn issue_invite(
    state: &Services,
    viewer: &Viewer,
    resident_id: &str,
) -> AppResult<IssuedInvite> {
    let txn = state.db.begin().await?;
    let r = managed_resident(&txn, viewer, resident_id).await?;
    if !r.active {
        return Err(AppError::invalid_state("the resident has been deactivated"));
    }
    let acc = account::Entity::find_by_id(r.account_id.clone())
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let h = household::Entity::find_by_id(r.household_id.clone())
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let b = building::Entity::find_by_id(h.building_id.clone())
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let (code, expires_at) = new_invite(&txn, state, &r.id).await?;
    audit::append(
        &txn,
        &state.audit,
        audit::Entry {
            actor_id: Some(viewer.id()),
            community_id: Some(&r.community_id),
            action: audit::AuditAction::InviteIssue,
            subject: &r.id,
            details: serde_json::json!({}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(IssuedInvite {
        code,
        phone: acc.phone,
        name: r.name,
        resident_id: r.id,
        household_id: h.id,
        building: b.name,
        unit: h.unit,
        expires_at,
    })
}

/// How many active places of the community carry COMMITTEE (its last one cannot be removed).
pub async fn active_committee_count<C: ConnectionTrait>(
    conn: &C,
    community_id: &str,
) -> AppResult<u64> {
    let grants = role_grant::Entity::find()
        .filter(role_grant::Column::CommunityId.eq(community_id))
        .filter(role_grant::Column::Role.eq(Role::Committee))
        .all(conn)
        .await?;
    let ids: Vec<String> = grants.into_iter().map(|g| g.account_id).collect();
    Ok(resident::Entity::find()
        .filter(resident::Column::CommunityId.eq(community_id))
        // Active places, linked or not: counting only linked ones would tell the committee
        // which imported phones are registered elsewhere.
        .filter(resident::Column::Active.eq(true))
        .filter(resident::Column::AccountId.is_in(ids))
        .count(conn)
        .await?)
}

async fn holds_committee<C: ConnectionTrait>(conn: &C, r: &resident::Model) -> AppResult<bool> {
    Ok(role_grant::Entity::find()
        .filter(role_grant::Column::AccountId.eq(r.account_id.clone()))
        .filter(role_grant::Column::CommunityId.eq(r.community_id.clone()))
        .filter(role_grant::Column::Role.eq(Role::Committee))
        .count(conn)
        .await?
        > 0)
}

/// A resident who moved out: kept on record, off the roster, this community's access ended at
/// once (and every session of the account when this community alone controls it).
pub async fn deactivate(
    state: &Services,
    viewer: &Viewer,
    resident_id: &str,
) -> AppResult<resident::Model> {
    let txn = state.db.begin().await?;
    let r = managed_resident(&txn, viewer, resident_id).await?;
    lock_managed(&txn, viewer, &r.community_id).await?;
    if !r.active {
        return Err(AppError::invalid_state(
            "the resident is already deactivated",
        ));
    }
    if holds_committee(&txn, &r).await? && active_committee_count(&txn, &r.community_id).await? <= 1
    {
        return Err(AppError::invalid_state(
            "the community's last committee member cannot be removed",
        ));
    }
    let now = now();
    let mut active: resident::ActiveModel = r.clone().into();
    active.active = Set(false);
    active.deactivated_at = Set(Some(now));
    let updated = active.update(&txn).await?;
    invite::Entity::update_many()
        .col_expr(invite::Column::RevokedAt, Expr::value(now))
        .filter(invite::Column::ResidentId.eq(r.id.clone()))
        .filter(invite::Column::UsedAt.is_null())
        .filter(invite::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    // The account's sessions end only when this community alone controls it; otherwise the
    // place is closed and with it this community's access (checked on every request).
    let acc = account::Entity::find_by_id(r.account_id.clone())
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let ends_sessions =
        invite_power(&txn, &acc, &r.community_id).await? == InvitePower::SetPassword;
    if ends_sessions {
        account::Entity::update_many()
            .col_expr(
                account::Column::SessionEpoch,
                Expr::col(account::Column::SessionEpoch).add(1),
            )
            .filter(account::Column::Id.eq(r.account_id.clone()))
            .exec(&txn)
            .await?;
        revoke_all_refresh_tokens(&txn, &r.account_id).await?;
    }
    audit::append(
        &txn,
        &state.audit,
        audit::Entry {
            actor_id: Some(viewer.id()),
            community_id: Some(&r.community_id),
            action: audit::AuditAction::ResidentDeactivate,
            subject: &r.id,
            details: serde_json::json!({}),
        },
    )
    .await?;
    txn.commit().await?;
    // The viewer may have changed their own place or roles.
    viewer.forget_access();
    let event = if ends_sessions {
        BusEvent::SessionsEnded {
            account_id: r.account_id.clone(),
        }
    } else {
        BusEvent::PlaceClosed {
            account_id: r.account_id.clone(),
            community_id: r.community_id.clone(),
        }
    };
    state.bus.publish(event).await;
    Ok(updated)
}

pub async fn set_role(
    state: &Services,
    viewer: &Viewer,
    resident_id: &str,
    role: Role,
    on: bool,
) -> AppResult<resident::Model> {
    if !roles::is_grantable(role) {
        return Err(AppError::bad_input(
            "role",
            "only COMMITTEE, MEDIATOR and ORGANIZER can be granted or revoked",
        ));
    }
    let txn = state.db.begin().await?;
    let r = managed_resident(&txn, viewer, resident_id).await?;
    lock_managed(&txn, viewer, &r.community_id).await?;
    if !r.active {
        return Err(AppError::invalid_state("the resident has been deactivated"));
    }
    let changed = if on {
        grant(&txn, &r.account_id, &r.community_id, role).await?
    } else {
        if role == Role::Committee
            && holds_committee(&txn, &r).await?
            && active_committee_count(&txn, &r.community_id).await? <= 1
        {
            return Err(AppError::invalid_state(
                "the community's last committee member cannot be removed",
            ));
        }
        let res = role_grant::Entity::delete_many()
            .filter(role_grant::Column::AccountId.eq(r.account_id.clone()))
            .filter(role_grant::Column::CommunityId.eq(r.community_id.clone()))
            .filter(role_grant::Column::Role.eq(role))
            .exec(&txn)
            .await?;
        res.rows_affected > 0
    };
    let mut pending = Vec::new();
    if changed {
        let action = if on {
            audit::AuditAction::RoleGrant
        } else {
            audit::AuditAction::RoleRevoke
        };
        audit::append(
            &txn,
            &state.audit,
            audit::Entry {
                actor_id: Some(viewer.id()),
                community_id: Some(&r.community_id),
                action,
                subject: &r.id,
                details: serde_json::json!({ "role": role.to_value() }),
            },
        )
        .await?;
        let community = entity::community::Entity::find_by_id(r.community_id.clone())
            .one(&txn)
            .await?;
        let kind = if on {
            notify::NotificationKind::RoleGranted
        } else {
            notify::NotificationKind::RoleRevoked
        };
        pending.push(
            notify::emit(
                &txn,
                &r.account_id,
                Some(&r.community_id),
                kind,
                serde_json::json!({ "role": role.to_value(), "community": community.map(|c| c.name).unwrap_or_default() }),
            )
            .await?,
        );
    }
    txn.commit().await?;
    // The viewer may have changed their own place or roles.
    viewer.forget_access();
    notify::publish(&state.bus, pending).await;
    Ok(r)
}

/// The community's residents for the committee, by building, unit and name; how many match
/// in all only when `with_total` (0 otherwise: one COUNT over the whole filter saved).
#[allow(clippy::too_many_arguments)]
pub async fn list(
    db: &DatabaseConnection,
    viewer: &Viewer,
    community_id: &str,
    search: Option<&str>,
    include_inactive: bool,
    after: Option<&str>,
    limit: u64,
    with_total: bool,
) -> AppResult<ResidentPage> {
    roles::can_manage_roster(db, viewer, community_id).await?;
    let mut q = resident::Entity::find().filter(resident::Column::CommunityId.eq(community_id));
    if !include_inactive {
        q = q.filter(resident::Column::Active.eq(true));
    }
    if let Some(s) = search.map(str::trim).filter(|s| !s.is_empty()) {
        let like = format!("%{}%", s.replace(['%', '_'], ""));
        // Phones are matched inside the query (a capped list of matching accounts across every
        // community could leave out this community's residents).
        let phone_matches = account::Entity::find()
            .select_only()
            .column(account::Column::Id)
            .filter(account::Column::Phone.like(like.clone()))
            .into_query();
        q = q.filter(
            sea_orm::Condition::any()
                .add(resident::Column::Name.like(like))
                .add(resident::Column::AccountId.in_subquery(phone_matches)),
        );
    }
    let total = match with_total {
        true => q.clone().count(db).await?,
        false => 0,
    };
    // By (name, id) after the cursor's row, whose name is looked up in the same statement (a
    // cursor from another community finds no name there: an empty page).
    if let Some(id) = after {
        let name_of = || {
            sea_orm::sea_query::SimpleExpr::SubQuery(
                None,
                Box::new(
                    resident::Entity::find()
                        .select_only()
                        .column(resident::Column::Name)
                        .filter(resident::Column::Id.eq(id))
                        .filter(resident::Column::CommunityId.eq(community_id))
                        .into_query()
                        .into(),
                ),
            )
        };
        q = q.filter(
            sea_orm::Condition::any()
                .add(Expr::col(resident::Column::Name).gt(name_of()))
                .add(
                    sea_orm::Condition::all()
                        .add(Expr::col(resident::Column::Name).eq(name_of()))
                        .add(resident::Column::Id.gt(id)),
                ),
        );
    }
    let found = q
        .order_by_asc(resident::Column::Name)
        .order_by_asc(resident::Column::Id)
        .limit(limit.saturating_add(1))
        .all(db)
        .await?;
    let (rows, has_next) = crate::db::split_page(found, limit);
    Ok(ResidentPage {
        rows,
        has_next,
        total,
    })
}

/// One keyset page of a roster, by name.
pub struct ResidentPage {
    pub rows: Vec<resident::Model>,
    pub has_next: bool,
    pub total: u64,
}

/// Households by id, each with its building's name (two statements for any number: a roster
/// page, a neighbour search).
pub async fn households_with_buildings<C: ConnectionTrait>(
    conn: &C,
    ids: Vec<String>,
) -> AppResult<HashMap<String, (household::Model, String)>> {
    let households = household::Entity::find()
        .filter(household::Column::Id.is_in(ids))
        .all(conn)
        .await?;
    let names: HashMap<String, String> = building::Entity::find()
        .filter(building::Column::Id.is_in(households.iter().map(|h| h.building_id.clone())))
        .all(conn)
        .await?
        .into_iter()
        .map(|b| (b.id, b.name))
        .collect();
    Ok(households
        .into_iter()
        .map(|h| {
            let name = names.get(&h.building_id).cloned().unwrap_or_default();
            (h.id.clone(), (h, name))
        })
        .collect())
}
