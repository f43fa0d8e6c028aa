//! Who is asking: access tokens (JWT, HS256) and the signed-in viewer of a request.
//!
//! Resolvers call `require_viewer(ctx)`; per-record permissions live in `domain::*::policy`.

pub mod tokens;

use async_graphql::Context;
use sea_orm::{DatabaseConnection, EntityTrait};

use crate::error::{AppError, AppResult};

/// What the request's `Authorization` header said, before any database look-up.
#[derive(Clone, Debug)]
pub enum AuthState {
    Anonymous,
    /// A header was sent but the token was bad (forged, expired, tampered, wrong audience…).
    Invalid,
    Token(tokens::Claims),
}

/// The signed-in account of this request (loaded once per request and checked still valid).
#[derive(Clone, Debug)]
pub struct Viewer {
    pub account: entity::account::Model,
}

impl Viewer {
    pub fn id(&self) -> &str {
        &self.account.id
    }
    pub fn is_admin(&self) -> bool {
        self.account.is_admin
    }
}

/// The client address of this request (for rate limits); never logged.
#[derive(Clone, Debug)]
pub struct ClientAddr(pub String);

/// Resolve the auth state to a live account: the token must name an existing account whose
/// session epoch has not moved (deactivation and password resets end sessions at once).
pub async fn load_viewer(db: &DatabaseConnection, state: &AuthState) -> AppResult<Option<Viewer>> {
    match state {
        AuthState::Anonymous => Ok(None),
        AuthState::Invalid => Err(AppError::Unauthenticated),
        AuthState::Token(claims) => {
            let account = entity::account::Entity::find_by_id(claims.sub.clone())
                .one(db)
                .await?;
            match account {
                Some(account)
                    if account.session_epoch == claims.epoch
                        && session_alive(db, &claims.sid).await? =>
                {
                    Ok(Some(Viewer { account }))
                }
                _ => Err(AppError::Unauthenticated),
            }
        }
    }
}

/// A session (refresh-token family) is alive while one of its tokens is not revoked: signing
/// out revokes them all, so the session's access tokens stop working at once too.
async fn session_alive(db: &DatabaseConnection, session_id: &str) -> AppResult<bool> {
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
    if session_id.is_empty() {
        // A token from before sessions were named: its epoch alone decides.
        return Ok(true);
    }
    Ok(entity::refresh_token::Entity::find()
        .filter(entity::refresh_token::Column::FamilyId.eq(session_id))
        .filter(entity::refresh_token::Column::RevokedAt.is_null())
        .count(db)
        .await?
        > 0)
}

/// Per-request cache of the viewer and of the viewer's live places on rosters, so the resolvers
/// of one request share one look-up each.
#[derive(Default)]
pub struct ViewerCell(
    pub tokio::sync::OnceCell<Option<Viewer>>,
    tokio::sync::OnceCell<std::sync::Arc<Vec<entity::resident::Model>>>,
);

/// The viewer, or `None` for an anonymous request. A bad token is `UNAUTHENTICATED`.
pub async fn optional_viewer(ctx: &Context<'_>) -> AppResult<Option<Viewer>> {
    let state = app_state(ctx)?;
    let auth = ctx
        .data_opt::<AuthState>()
        .cloned()
        .unwrap_or(AuthState::Anonymous);
    match ctx.data_opt::<ViewerCell>() {
        // Only a successful look-up is kept; a failure is answered (and retried) per resolver.
        Some(cell) => cell
            .0
            .get_or_try_init(|| load_viewer(&state.db, &auth))
            .await
            .cloned(),
        None => load_viewer(&state.db, &auth).await,
    }
}

/// The viewer's live places on every roster, loaded once per request.
pub async fn viewer_places(
    ctx: &Context<'_>,
    viewer: &Viewer,
) -> AppResult<std::sync::Arc<Vec<entity::resident::Model>>> {
    let db = &app_state(ctx)?.db;
    let load = || async {
        crate::domain::roles::live_places(db, viewer)
            .await
            .map(std::sync::Arc::new)
    };
    match ctx.data_opt::<ViewerCell>() {
        Some(cell) => cell.1.get_or_try_init(load).await.cloned(),
        None => load().await,
    }
}

/// The signed-in viewer, else `UNAUTHENTICATED`.
pub async fn require_viewer(ctx: &Context<'_>) -> AppResult<Viewer> {
    optional_viewer(ctx).await?.ok_or(AppError::Unauthenticated)
}

/// The application state, from a resolver's context.
pub fn app_state<'a>(ctx: &Context<'a>) -> AppResult<&'a crate::startup::AppState> {
    ctx.data::<crate::startup::AppState>()
        .map_err(|_| AppError::Internal(anyhow::anyhow!("application state missing")))
}
