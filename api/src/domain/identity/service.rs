//! Sign-in, invite claims and refresh-token rotation.

use chrono::{DateTime, Utc};
use entity::{account, invite, refresh_token, resident};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, Set, TransactionTrait,
};

use super::{normalize_phone, validate_password, PasswordHasher};
use crate::bus::BusEvent;
use crate::domain::roster::service::{invite_power, InvitePower};
use crate::domain::{new_id, now, rate_limit};
use crate::error::{AppError, AppResult};
use crate::state::Services;

/// What a successful sign-in, claim or refresh hands to the client.
#[derive(Clone, Debug)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_at: DateTime<Utc>,
    pub account: account::Model,
}

async fn hash_password(hasher: &PasswordHasher, password: &str) -> AppResult<String> {
    let password = password.to_owned();
    hasher
        .run(move |h| h.hash(&password))
        .await?
        .map_err(AppError::Internal)
}

async fn verify_password(
    hasher: &PasswordHasher,
    password: &str,
    stored: Option<String>,
) -> AppResult<bool> {
    let password = password.to_owned();
    hasher
        .run(move |h| match stored {
            Some(stored) => h.verify(&password, &stored),
            None => {
                h.burn(&password);
                false
            }
        })
        .await
}

/// Creates a session (a new refresh-token family unless one is given) for the account.
async fn open_session<C: ConnectionTrait>(
    conn: &C,
    state: &Services,
    account: account::Model,
    family_id: Option<String>,
) -> AppResult<Session> {
    let now = now();
    let refresh = crate::auth::tokens::random_token(32);
    let family_id = family_id.unwrap_or_else(new_id);
    refresh_token::ActiveModel {
        id: Set(new_id()),
        account_id: Set(account.id.clone()),
        family_id: Set(family_id.clone()),
        token_hash: Set(crate::auth::tokens::sha256_hex(&refresh)),
        created_at: Set(now),
        expires_at: Set(now + chrono::Duration::seconds(state.settings.refresh_ttl_secs)),
        used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(conn)
    .await?;
    let (access_token, expires_at) =
        state
            .keys
            .issue(&account.id, account.session_epoch, &family_id, now)?;
    Ok(Session {
        access_token,
        refresh_token: refresh,
        expires_at,
        account,
    })
}

/// May this account sign in at all? Admins always; residents while on some roster.
async fn may_sign_in<C: ConnectionTrait>(conn: &C, account: &account::Model) -> AppResult<bool> {
    if account.is_admin {
        return Ok(true);
    }
    let active = resident::Entity::find()
        .filter(resident::Column::AccountId.eq(account.id.clone()))
        .filter(crate::domain::roles::live_place())
        .count(conn)
        .await?;
    Ok(active > 0)
}

/// The two sign-in counters of an attempt: per phone and per client address.
struct Attempt {
    phone_key: String,
    ip_key: String,
}

impl Attempt {
    /// Reserves the attempt on both counters *before* any password is hashed, so a parallel
    /// burst is cut off at the limit rather than all checked.
    async fn reserve(state: &Services, phone: &str, client: &str) -> AppResult<Self> {
        let s = &state.settings;
        let attempt = Self {
            phone_key: rate_limit::key("signin-phone", phone),
            ip_key: rate_limit::key("signin-ip", client),
        };
        rate_limit::take(
            &state.db,
            &attempt.ip_key,
            s.max_failures_per_ip,
            s.rate_window_secs,
        )
        .await?;
        rate_limit::take(
            &state.db,
            &attempt.phone_key,
            s.max_failures_per_phone,
            s.rate_window_secs,
        )
        .await?;
        Ok(attempt)
    }

    /// The attempt succeeded: it was no failure.
    async fn succeeded(self, db: &DatabaseConnection) -> AppResult<()> {
        rate_limit::clear(db, &self.phone_key).await?;
        rate_limit::release(db, &self.ip_key).await
    }

    /// The attempt was turned away before any password was checked: give both counts back.
    async fn released(self, db: &DatabaseConnection) -> AppResult<()> {
        rate_limit::release(db, &self.phone_key).await?;
        rate_limit::release(db, &self.ip_key).await
    }
}

pub async fn sign_in(
    state: &Services,
    phone: &str,
    password: &str,
    client: &str,
) -> AppResult<Session> {
    let db = &state.db;
    let phone_norm = normalize_phone(phone)
        .ok_or_else(|| AppError::bad_input("phone", "not a mainland mobile number"))?;
    let attempt = Attempt::reserve(state, &phone_norm, client).await?;
    let account = account::Entity::find()
        .filter(account::Column::Phone.eq(phone_norm))
        .one(db)
        .await?;
    let stored = account.as_ref().and_then(|a| a.password_hash.clone());
    let ok = match verify_password(&state.hasher, password, stored).await {
        Ok(ok) => ok,
        Err(AppError::RateLimited) => {
            // No password was checked: the attempt was no failure.
            attempt.released(db).await?;
            return Err(AppError::RateLimited);
        }
        Err(e) => return Err(e),
    };
    let account = match account {
        Some(a) if ok && may_sign_in(db, &a).await? => a,
        _ => {
            tracing::info!("sign-in refused");
            return Err(AppError::Unauthenticated);
        }
    };
    attempt.succeeded(db).await?;
    open_session(db, state, account, None).await
}

fn bad_code() -> AppError {
    AppError::bad_input("code", "invalid or expired invite code")
}

/// Claims an invite. When this community alone controls the account (`invite_power`), the code
/// sets its password (first claim, or a forgotten password) and ends its other sessions. When
/// the account exists elsewhere, `password` must be its current password and the code only
/// links the new roster place; a wrong password leaves the code unused.
pub async fn claim_invite(
    state: &Services,
    code: &str,
    password: &str,
    client: &str,
) -> AppResult<Session> {
    let s = &state.settings;
    let ip_key = rate_limit::key("claim-ip", client);
    rate_limit::take(
        &state.db,
        &ip_key,
        s.max_failures_per_ip,
        s.rate_window_secs,
    )
    .await?;
    let code_hash = crate::auth::tokens::sha256_hex(&crate::auth::tokens::normalize_code(code));
    let now = now();
    let found = invite::Entity::find()
        .filter(invite::Column::CodeHash.eq(code_hash))
        .one(&state.db)
        .await?;
    let usable =
        found.filter(|i| i.used_at.is_none() && i.revoked_at.is_none() && i.expires_at > now);
    let Some(inv) = usable else {
        return Err(bad_code());
    };
    let place = resident::Entity::find_by_id(inv.resident_id.clone())
        .one(&state.db)
        .await?
        .filter(|r| r.active)
        .ok_or_else(bad_code)?;
    let acc = account::Entity::find_by_id(place.account_id.clone())
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    // Checked the same way on both paths, so a weak password says nothing about which applies.
    validate_password(password).map_err(|m| AppError::bad_input("password", m))?;
    let power = invite_power(&state.db, &acc, &place.community_id).await?;
    let new_hash = match power {
        InvitePower::SetPassword => Some(hash_password(&state.hasher, password).await?),
        InvitePower::LinkOnly => {
            // Guessing the account's password through a claim counts like a sign-in.
            let phone_key = rate_limit::key("signin-phone", &acc.phone);
            rate_limit::take(
                &state.db,
                &phone_key,
                s.max_failures_per_phone,
                s.rate_window_secs,
            )
            .await?;
            if !verify_password(&state.hasher, password, acc.password_hash.clone()).await? {
                return Err(AppError::bad_input(
                    "password",
                    "this phone already has an account: enter its current password",
                ));
            }
            rate_limit::clear(&state.db, &phone_key).await?;
            None
        }
    };
    let txn = state.db.begin().await?;
    // Use the invite exactly once, even when claimed twice at the same moment.
    let used = invite::Entity::update_many()
        .col_expr(invite::Column::UsedAt, Expr::value(now))
        .filter(invite::Column::Id.eq(inv.id.clone()))
        .filter(invite::Column::UsedAt.is_null())
        .filter(invite::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if used.rows_affected != 1 {
        return Err(bad_code());
    }
    // The place is now its account holder's.
    resident::Entity::update_many()
        .col_expr(resident::Column::LinkedAt, Expr::value(now))
        .filter(resident::Column::Id.eq(place.id.clone()))
        .filter(resident::Column::Active.eq(true))
        .filter(resident::Column::LinkedAt.is_null())
        .exec(&txn)
        .await?;
    let new_hash_set = new_hash.is_some();
    let acc = match new_hash {
        Some(hash) => {
            // A new password ends every other session of the account.
            let acc = account::Entity::find_by_id(acc.id.clone())
                .one(&txn)
                .await?
                .ok_or(AppError::NotFound)?;
            let epoch = acc.session_epoch + 1;
            let mut active: account::ActiveModel = acc.into();
            active.password_hash = Set(Some(hash));
            active.session_epoch = Set(epoch);
            let acc = active.update(&txn).await?;
            revoke_all_refresh_tokens(&txn, &acc.id).await?;
            acc
        }
        None => acc,
    };
    let sessions_ended = new_hash_set.then(|| acc.id.clone());
    let session = open_session(&txn, state, acc, None).await?;
    txn.commit().await?;
    if let Some(account_id) = sessions_ended {
        state
            .bus
            .publish(BusEvent::SessionsEnded { account_id })
            .await;
    }
    rate_limit::release(&state.db, &ip_key).await?;
    Ok(session)
}

pub async fn revoke_all_refresh_tokens<C: ConnectionTrait>(
    conn: &C,
    account_id: &str,
) -> AppResult<()> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now()))
        .filter(refresh_token::Column::AccountId.eq(account_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

async fn revoke_family<C: ConnectionTrait>(conn: &C, family_id: &str) -> AppResult<()> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now()))
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Rotates a refresh token. A token used twice (stolen and replayed, or raced) revokes its whole
/// family: both holders must sign in again.
pub async fn refresh(state: &Services, token: &str) -> AppResult<Session> {
    let hash = crate::auth::tokens::sha256_hex(token);
    let now = now();
    let txn = state.db.begin().await?;
    let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash))
        .one(&txn)
        .await?
    else {
        return Err(AppError::Unauthenticated);
    };
    if row.revoked_at.is_some() || row.expires_at <= now {
        return Err(AppError::Unauthenticated);
    }
    let claimed = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(row.id.clone()))
        .filter(refresh_token::Column::UsedAt.is_null())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        revoke_family(&txn, &row.family_id).await?;
        txn.commit().await?;
        tracing::warn!("refresh token reused; its session family was revoked");
        return Err(AppError::Unauthenticated);
    }
    let acc = account::Entity::find_by_id(row.account_id.clone())
        .one(&txn)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if !may_sign_in(&txn, &acc).await? {
        return Err(AppError::Unauthenticated);
    }
    let session = open_session(&txn, state, acc, Some(row.family_id)).await?;
    txn.commit().await?;
    Ok(session)
}

/// Ends the session the refresh token belongs to. Unknown tokens are answered the same way.
pub async fn sign_out(state: &Services, token: &str) -> AppResult<bool> {
    let hash = crate::auth::tokens::sha256_hex(token);
    if let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash))
        .one(&state.db)
        .await?
    {
        revoke_family(&state.db, &row.family_id).await?;
        // Live subscriptions of this session end at once, on every replica.
        state
            .bus
            .publish(BusEvent::SessionEnded {
                session_id: row.family_id,
            })
            .await;
    }
    Ok(true)
}

/// Creates a platform administrator, or resets an existing account's password and makes it admin.
/// Returns true when a new account was created.
pub async fn create_admin(
    db: &DatabaseConnection,
    hasher: &PasswordHasher,
    phone: &str,
    password: &str,
    name: &str,
) -> AppResult<bool> {
    let phone = normalize_phone(phone)
        .ok_or_else(|| AppError::bad_input("phone", "not a mainland mobile number"))?;
    validate_password(password).map_err(|m| AppError::bad_input("password", m))?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 50 {
        return Err(AppError::bad_input("name", "must have 1 to 50 characters"));
    }
    let hash = hash_password(hasher, password).await?;
    let existing = account::Entity::find()
        .filter(account::Column::Phone.eq(phone.clone()))
        .one(db)
        .await?;
    match existing {
        Some(acc) => {
            let epoch = acc.session_epoch + 1;
            let mut active: account::ActiveModel = acc.into();
            active.password_hash = Set(Some(hash));
            active.is_admin = Set(true);
            active.session_epoch = Set(epoch);
            active.update(db).await?;
            Ok(false)
        }
        None => {
            account::ActiveModel {
                id: Set(new_id()),
                phone: Set(phone),
                name: Set(name.to_owned()),
                password_hash: Set(Some(hash)),
                is_admin: Set(true),
                session_epoch: Set(0),
                created_at: Set(now()),
            }
            .insert(db)
            .await?;
            Ok(true)
        }
    }
}
