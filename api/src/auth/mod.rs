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

/// The signed-in account of this request (loaded once per request and checked still valid), and
/// its access — live places on rosters and granted roles — each read at most once per request,
/// and only when a check needs it.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub account: entity::account::Model,
    access: std::sync::Arc<std::sync::Mutex<AccessCache>>,
}

type Places = std::sync::Arc<Vec<entity::resident::Model>>;
type Grants = std::sync::Arc<Vec<entity::role_grant::Model>>;

#[derive(Debug, Default)]
struct AccessCache {
    places: Option<Places>,
    grants: Option<Grants>,
}

impl Viewer {
    pub fn new(account: entity::account::Model) -> Self {
        Self {
            account,
            access: Default::default(),
        }
    }
    pub fn id(&self) -> &str {
        &self.account.id
    }
    pub fn is_admin(&self) -> bool {
        self.account.is_admin
    }

    /// The viewer's live places (active and linked) on every roster, read on `conn` (pass the
    /// transaction when in one: SQLite's pool has one connection) the first time the request
    /// needs them, then shared by every resolver and service of the request.
    pub async fn places<C: sea_orm::ConnectionTrait>(&self, conn: &C) -> AppResult<Places> {
        use sea_orm::{ColumnTrait, QueryFilter};
        if let Some(found) = self.cache().places.clone() {
            return Ok(found);
        }
        let places = std::sync::Arc::new(
            entity::resident::Entity::find()
                .filter(entity::resident::Column::AccountId.eq(self.id()))
                .filter(crate::domain::roles::live_place())
                .all(conn)
                .await?,
        );
        self.cache().places = Some(places.clone());
        Ok(places)
    }

    /// The roles granted to the viewer in every community (they count only where the viewer has
    /// a live place: `domain::roles`), read once per request like `places`.
    pub async fn grants<C: sea_orm::ConnectionTrait>(&self, conn: &C) -> AppResult<Grants> {
        use sea_orm::{ColumnTrait, QueryFilter};
        if let Some(found) = self.cache().grants.clone() {
            return Ok(found);
        }
        let grants = std::sync::Arc::new(
            entity::role_grant::Entity::find()
                .filter(entity::role_grant::Column::AccountId.eq(self.id()))
                .all(conn)
                .await?,
        );
        self.cache().grants = Some(grants.clone());
        Ok(grants)
    }

    /// Call after changing places or roles that may be the viewer's own (roster import,
    /// deactivation, role changes): the rest of the request reads them again.
    pub fn forget_access(&self) {
        *self.cache() = AccessCache::default();
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, AccessCache> {
        self.access.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The client address of this request (for rate limits); never logged.
#[derive(Clone, Debug)]
pub struct ClientAddr(pub String);

/// Resolve the auth state to a live account: the token must name an existing account whose
/// session epoch has not moved (deactivation and password resets end sessions at once) and whose
/// session is alive. One statement: the account row with its session's liveness.
pub async fn load_viewer(db: &DatabaseConnection, state: &AuthState) -> AppResult<Option<Viewer>> {
    match state {
        AuthState::Anonymous => Ok(None),
        AuthState::Invalid => Err(AppError::Unauthenticated),
        AuthState::Token(claims) => {
            let found = account_with_session(db, &claims.sub, &claims.sid).await?;
            match found {
                Some(f) if f.account.session_epoch == claims.epoch && f.alive => {
                    Ok(Some(Viewer::new(f.account)))
                }
                _ => Err(AppError::Unauthenticated),
            }
        }
    }
}

struct AccountSession {
    account: entity::account::Model,
    alive: bool,
}

impl sea_orm::FromQueryResult for AccountSession {
    fn from_query_result(res: &sea_orm::QueryResult, pre: &str) -> Result<Self, sea_orm::DbErr> {
        Ok(Self {
            account: entity::account::Model::from_query_result(res, pre)?,
            alive: res.try_get(pre, "session_alive")?,
        })
    }
}

/// The account and whether the session (refresh-token family) is alive: while one of its
/// tokens is not revoked. Signing out revokes them all, so the session's access tokens stop
/// working at once too. A token from before sessions were named (empty id) is decided by its
/// epoch alone.
async fn account_with_session(
    db: &DatabaseConnection,
    account_id: &str,
    session_id: &str,
) -> AppResult<Option<AccountSession>> {
    use entity::refresh_token;
    use sea_orm::sea_query::{Expr, Query};
    use sea_orm::{ColumnTrait, QuerySelect};
    let alive = if session_id.is_empty() {
        Expr::val(true)
    } else {
        Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(refresh_token::Entity)
                .and_where(refresh_token::Column::FamilyId.eq(session_id))
                .and_where(refresh_token::Column::RevokedAt.is_null())
                .to_owned(),
        )
    };
    Ok(entity::account::Entity::find_by_id(account_id.to_owned())
        .expr_as(alive, "session_alive")
        .into_model::<AccountSession>()
        .one(db)
        .await?)
}

/// Per-request cache of the viewer (whose access is cached with it), so the resolvers of one
/// request share one look-up each.
#[derive(Default)]
pub struct ViewerCell(pub tokio::sync::OnceCell<Option<Viewer>>);

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

/// The viewer's live places on every roster, read once per request.
pub async fn viewer_places(
    ctx: &Context<'_>,
    viewer: &Viewer,
) -> AppResult<std::sync::Arc<Vec<entity::resident::Model>>> {
    viewer.places(&app_state(ctx)?.db).await
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
