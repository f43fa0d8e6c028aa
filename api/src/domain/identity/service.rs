//! Sign-in, invite claims and refresh-token rotation.

use chrono::{DateTime, Utc};
use entity::{account, invite, refresh_token, resident};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, Set, TransactionTrait,
};

use super::{normalize_phone, validate_password, PasswordHasher};
use crate::domain::{new_id, now, rate_limit};
use crate::error::{AppError, AppResult};
use crate::startup::AppState;

/// What a successful sign-in, claim or refresh hands to the client.
#[derive(Clone, Debug)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_at: DateTime<Utc>,
    pub account: account::Model,
}

async fn hash_password(hasher: &PasswordHasher, password: &str) -> AppResult<String> {
    let hasher = hasher.clone();
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hasher.hash(&password))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(AppError::Internal)
}

async fn verify_password(
    hasher: &PasswordHasher,
    password: &str,
    stored: Option<String>,
) -> AppResult<bool> {
    let hasher = hasher.clone();
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || match stored {
        Some(stored) => hasher.verify(&password, &stored),
        None => {
            hasher.burn(&password);
            false
        }
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))
}

/// Creates a session (a new refresh-token family unless one is given) for the account.
async fn open_session<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    account: account::Model,
    family_id: Option<String>,
) -> AppResult<Session> {
    let now = now();
    let refresh = crate::auth::tokens::random_token(32);
    refresh_token::ActiveModel {
        id: Set(new_id()),
        account_id: Set(account.id.clone()),
        family_id: Set(family_id.unwrap_or_else(new_id)),
        token_hash: Set(crate::auth::tokens::sha256_hex(&refresh)),
        created_at: Set(now),
        expires_at: Set(now + chrono::Duration::seconds(state.settings.refresh_ttl_secs)),
        used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(conn)
    .await?;
    let (access_token, expires_at) = state.keys.issue(&account.id, account.session_epoch, now)?;
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
        .filter(resident::Column::Active.eq(true))
        .count(conn)
        .await?;
    Ok(active > 0)
}

pub async fn sign_in(
    state: &AppState,
    phone: &str,
    password: &str,
    client: &str,
) -> AppResult<Session> {
    let db = &state.db;
    let phone_norm = normalize_phone(phone)
        .ok_or_else(|| AppError::bad_input("phone", "not a mainland mobile number"))?;
    let phone_key = rate_limit::key("signin-phone", &phone_norm);
    let ip_key = rate_limit::key("signin-ip", client);
    let s = &state.settings;
    rate_limit::check(db, &phone_key, s.max_failures_per_phone, s.rate_window_secs).await?;
    rate_limit::check(db, &ip_key, s.max_failures_per_ip, s.rate_window_secs).await?;

    let account = account::Entity::find()
        .filter(account::Column::Phone.eq(phone_norm))
        .one(db)
        .await?;
    let stored = account.as_ref().and_then(|a| a.password_hash.clone());
    let ok = verify_password(&state.hasher, password, stored).await?;
    let account = match account {
        Some(a) if ok && may_sign_in(db, &a).await? => a,
        _ => {
            rate_limit::record_failure(db, &phone_key, s.rate_window_secs).await?;
            rate_limit::record_failure(db, &ip_key, s.rate_window_secs).await?;
            tracing::info!("sign-in refused");
            return Err(AppError::Unauthenticated);
        }
    };
    rate_limit::clear(db, &phone_key).await?;
    open_session(db, state, account, None).await
}

pub async fn claim_invite(
    state: &AppState,
    code: &str,
    password: &str,
    client: &str,
) -> AppResult<Session> {
    validate_password(password).map_err(|m| AppError::bad_input("password", m))?;
    let s = &state.settings;
    let ip_key = rate_limit::key("claim-ip", client);
    rate_limit::check(
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
        rate_limit::record_failure(&state.db, &ip_key, s.rate_window_secs).await?;
        return Err(AppError::bad_input(
            "code",
            "invalid or expired invite code",
        ));
    };
    let password_hash = hash_password(&state.hasher, password).await?;
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
        return Err(AppError::bad_input(
            "code",
            "invalid or expired invite code",
        ));
    }
    let res = resident::Entity::find_by_id(inv.resident_id.clone())
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if !res.active {
        return Err(AppError::bad_input(
            "code",
            "invalid or expired invite code",
        ));
    }
    let acc = account::Entity::find_by_id(res.account_id.clone())
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    // A claim sets a new password and ends every other session of the account.
    let epoch = acc.session_epoch + 1;
    let mut active: account::ActiveModel = acc.into();
    active.password_hash = Set(Some(password_hash));
    active.session_epoch = Set(epoch);
    let acc = active.update(&txn).await?;
    revoke_all_refresh_tokens(&txn, &acc.id).await?;
    let session = open_session(&txn, state, acc, None).await?;
    txn.commit().await?;
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
pub async fn refresh(state: &AppState, token: &str) -> AppResult<Session> {
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
pub async fn sign_out(db: &DatabaseConnection, token: &str) -> AppResult<bool> {
    let hash = crate::auth::tokens::sha256_hex(token);
    if let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash))
        .one(db)
        .await?
    {
        revoke_family(db, &row.family_id).await?;
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
