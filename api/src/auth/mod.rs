//! Who is asking: access tokens (JWT, HS256) and the signed-in viewer of a request.
//!
//! Resolvers call `require_viewer(ctx)`, or take a [`Reader`] when a list's page can come with
//! the viewer or a write reads the viewer in its own transaction; per-record permissions live in
//! `domain::*::policy`.

pub mod tokens;

use async_graphql::Context;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult};

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

    /// A viewer whose places and grants were read with the account (the account statement:
    /// [`load_viewer`], [`Reader::viewer_on`], [`Reader::viewer_and_page`]).
    fn with_access(
        account: entity::account::Model,
        places: Vec<entity::resident::Model>,
        grants: Vec<entity::role_grant::Model>,
    ) -> Self {
        Self {
            account,
            access: std::sync::Arc::new(std::sync::Mutex::new(AccessCache {
                places: Some(std::sync::Arc::new(places)),
                grants: Some(std::sync::Arc::new(grants)),
            })),
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

/// The origin (`scheme://host`) the request came to, for absolute URLs given back to the client
/// (calendar feeds); absent over the WebSocket, where URLs stay relative.
pub struct RequestOrigin(pub String);

/// Resolve the auth state to a live account: the token must name an existing account whose
/// session epoch has not moved (deactivation and password resets end sessions at once) and whose
/// session is alive. One statement: the account row with its session's liveness and the
/// viewer's access (live places and granted roles), which nearly every request checks.
pub async fn load_viewer(db: &DatabaseConnection, state: &AuthState) -> AppResult<Option<Viewer>> {
    match state {
        AuthState::Anonymous => Ok(None),
        AuthState::Invalid => Err(AppError::Unauthenticated),
        AuthState::Token(claims) => viewer_on(db, claims).await.map(Some),
    }
}

/// The viewer of a token, read on `conn` (the account statement).
async fn viewer_on<C: ConnectionTrait>(conn: &C, claims: &tokens::Claims) -> AppResult<Viewer> {
    let backend = conn.get_database_backend();
    let stmt = viewer_statement(backend, &claims.sub, &claims.sid);
    let found = conn.query_one_raw(backend.build(&stmt)).await?;
    viewer_of_row(found.as_ref(), claims)
}

/// The viewer of a token from the account statement's row, if it returned one.
fn viewer_of_row(row: Option<&sea_orm::QueryResult>, claims: &tokens::Claims) -> AppResult<Viewer> {
    let found = row
        .map(|row| AccountSession::from_query_result(row, VIEWER))
        .transpose()?;
    viewer_of(found, claims)
}

/// How a write reads its viewer in its own transaction ([`Reader::viewer_read`]).
pub enum ViewerRead {
    /// The request has read it already.
    Known(Viewer),
    /// The account statement, still to run: [`Reader::viewer_from_row`] takes its row. A write
    /// may send it together with its own statements (SQLite: one hand-off to the connection's
    /// worker instead of one each), or join it to its own (PostgreSQL: one round trip,
    /// [`Reader::viewer_from_joined_row`]).
    Statement(Box<sea_orm::sea_query::SelectStatement>),
}

/// The viewer of a token from its account statement's row (`None`: no such account): the
/// session must be alive and the epoch unchanged, else UNAUTHENTICATED.
fn viewer_of(found: Option<AccountSession>, claims: &tokens::Claims) -> AppResult<Viewer> {
    match found {
        Some(f) if f.account.session_epoch == claims.epoch && f.alive => {
            Ok(match (f.places, f.grants) {
                (Some(places), Some(grants)) => Viewer::with_access(f.account, places, grants),
                // Rows the JSON reading does not understand are read again, lazily, by the
                // ordinary queries (`Viewer::places`, `Viewer::grants`).
                _ => Viewer::new(f.account),
            })
        }
        _ => Err(AppError::Unauthenticated),
    }
}

/// The prefix of the account statement's columns (so that they can sit beside a page's own
/// columns in one row: [`Reader::viewer_and_page`]).
const VIEWER: &str = "viewer_";

struct AccountSession {
    account: entity::account::Model,
    alive: bool,
    /// `None` when the JSON could not be read (then read again by the ordinary queries).
    places: Option<Vec<entity::resident::Model>>,
    grants: Option<Vec<entity::role_grant::Model>>,
}

/// Rows of one JSON array column, or `None` (logged, without the rows) when they do not parse.
fn access_column<T: serde::de::DeserializeOwned>(
    res: &sea_orm::QueryResult,
    pre: &str,
    column: &str,
) -> Result<Option<Vec<T>>, sea_orm::DbErr> {
    let json: String = res.try_get(pre, column)?;
    Ok(match access_rows::parse(&json) {
        Ok(rows) => Some(rows),
        Err(e) => {
            tracing::warn!(column, error = %e, "viewer access read again by the row queries");
            None
        }
    })
}

impl sea_orm::FromQueryResult for AccountSession {
    fn from_query_result(res: &sea_orm::QueryResult, pre: &str) -> Result<Self, sea_orm::DbErr> {
        let account = entity::account::Model::from_query_result(res, pre)?;
        let places: Option<Vec<access_rows::Place>> = access_column(res, pre, "places")?;
        let grants: Option<Vec<access_rows::Grant>> = access_column(res, pre, "grants")?;
        Ok(Self {
            alive: res.try_get(pre, "session_alive")?,
            places: places.map(|p| p.into_iter().map(|p| p.into_model(&account.id)).collect()),
            grants: grants.map(|g| g.into_iter().map(|g| g.into_model(&account.id)).collect()),
            account,
        })
    }
}

/// The account statement: the account's columns and whether the session (refresh-token family)
/// is alive, while one of its tokens is not revoked. Signing out revokes them all, so the
/// session's access tokens stop working at once too. A token from before sessions were named
/// (empty id) is decided by its epoch alone. The viewer's live places and grants come along as
/// JSON arrays, so that a request costs one statement before its own reads. Every column is
/// named with the [`VIEWER`] prefix.
fn viewer_statement(
    backend: sea_orm::DbBackend,
    account_id: &str,
    session_id: &str,
) -> sea_orm::sea_query::SelectStatement {
    use entity::{account, refresh_token};
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
    use sea_orm::ColumnTrait;
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
    let mut stmt = Query::select();
    stmt.from(account::Entity);
    crate::db::select_prefixed_only::<account::Entity>(
        &mut stmt,
        &Alias::new("accounts"),
        VIEWER,
        crate::db::Columns::all(),
    );
    stmt.expr_as(alive, Alias::new(format!("{VIEWER}session_alive")))
        .expr_as(
            Expr::cust(access_rows::places_sql(backend)),
            Alias::new(format!("{VIEWER}places")),
        )
        .expr_as(
            Expr::cust(access_rows::grants_sql(backend)),
            Alias::new(format!("{VIEWER}grants")),
        )
        .and_where(Expr::col((account::Entity, account::Column::Id)).eq(account_id));
    stmt
}

/// The viewer's places and grants as JSON arrays inside the account statement: SQLite's
/// `json_group_array` and PostgreSQL's `json_agg`, over the same columns, parsed back into rows.
mod access_rows {
    use chrono::{DateTime, NaiveDateTime, Utc};
    use sea_orm::DbBackend;
    use serde::Deserialize;

    const PLACE_COLUMNS: &[&str] = &[
        "id",
        "community_id",
        "household_id",
        "name",
        "active",
        "created_at",
        "deactivated_at",
        "linked_at",
    ];
    const GRANT_COLUMNS: &[&str] = &["id", "community_id", "role", "granted_at"];

    /// A JSON array of `cols` of `table`'s rows of the outer account that match `filter`.
    fn array_sql(backend: DbBackend, table: &str, cols: &[&str], filter: &str) -> String {
        let pairs = cols
            .iter()
            .map(|c| format!("'{c}', x.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let (object, array, empty) = match backend {
            DbBackend::Postgres => ("json_build_object", "json_agg", "'[]'::json"),
            _ => ("json_object", "json_group_array", "'[]'"),
        };
        let cast = match backend {
            DbBackend::Postgres => "::text",
            _ => "",
        };
        format!(
            "(SELECT COALESCE({array}({object}({pairs})), {empty}){cast} FROM {table} x \
             WHERE x.account_id = \"accounts\".\"id\"{filter})"
        )
    }

    /// Live places: active and linked (`domain::roles::live_place`).
    pub fn places_sql(backend: DbBackend) -> String {
        array_sql(
            backend,
            "residents",
            PLACE_COLUMNS,
            " AND x.active AND x.linked_at IS NOT NULL",
        )
    }

    pub fn grants_sql(backend: DbBackend) -> String {
        array_sql(backend, "role_grants", GRANT_COLUMNS, "")
    }

    pub fn parse<T: serde::de::DeserializeOwned>(json: &str) -> Result<Vec<T>, sea_orm::DbErr> {
        serde_json::from_str(json)
            .map_err(|e| sea_orm::DbErr::Type(format!("viewer access rows: {e}")))
    }

    /// SQLite keeps booleans as 0/1 and times as text; PostgreSQL writes JSON booleans and
    /// ISO 8601 times with the session's offset.
    fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Flag {
            B(bool),
            N(i64),
        }
        Ok(match Flag::deserialize(d)? {
            Flag::B(b) => b,
            Flag::N(n) => n != 0,
        })
    }

    fn time_of(s: &str) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(s)
            .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%:z"))
            .map(|t| t.with_timezone(&Utc))
            .ok()
            .or_else(|| {
                NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")
                    .ok()
                    .map(|t| t.and_utc())
            })
    }

    fn time<'de, D: serde::Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        time_of(&s).ok_or_else(|| serde::de::Error::custom(format!("not a time: {s}")))
    }

    fn role<'de, D: serde::Deserializer<'de>>(d: D) -> Result<entity::role_grant::Role, D::Error> {
        use sea_orm::ActiveEnum;
        let s = String::deserialize(d)?;
        entity::role_grant::Role::try_from_value(&s)
            .map_err(|_| serde::de::Error::custom(format!("not a role: {s}")))
    }

    fn maybe_time<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(s) => time_of(&s)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("not a time: {s}"))),
        }
    }

    #[derive(Deserialize)]
    pub struct Place {
        id: String,
        community_id: String,
        household_id: String,
        name: String,
        #[serde(deserialize_with = "flag")]
        active: bool,
        #[serde(deserialize_with = "time")]
        created_at: DateTime<Utc>,
        #[serde(deserialize_with = "maybe_time")]
        deactivated_at: Option<DateTime<Utc>>,
        #[serde(deserialize_with = "maybe_time")]
        linked_at: Option<DateTime<Utc>>,
    }

    impl Place {
        pub fn into_model(self, account_id: &str) -> entity::resident::Model {
            entity::resident::Model {
                id: self.id,
                account_id: account_id.to_owned(),
                community_id: self.community_id,
                household_id: self.household_id,
                name: self.name,
                active: self.active,
                created_at: self.created_at,
                deactivated_at: self.deactivated_at,
                linked_at: self.linked_at,
            }
        }
    }

    #[derive(Deserialize)]
    pub struct Grant {
        id: String,
        community_id: String,
        #[serde(deserialize_with = "role")]
        role: entity::role_grant::Role,
        #[serde(deserialize_with = "time")]
        granted_at: DateTime<Utc>,
    }

    impl Grant {
        pub fn into_model(self, account_id: &str) -> entity::role_grant::Model {
            entity::role_grant::Model {
                id: self.id,
                account_id: account_id.to_owned(),
                community_id: self.community_id,
                role: self.role,
                granted_at: self.granted_at,
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn times_read_in_every_form_the_databases_write() {
            let want = "2026-12-02T15:33:15.250Z".parse::<DateTime<Utc>>().ok();
            for s in [
                "2026-12-02T15:33:15.25+00:00",
                "2026-12-02T23:33:15.25+08:00",
                "2026-12-02 15:33:15.25+00:00",
                "2026-12-02 15:33:15.25",
            ] {
                assert_eq!(time_of(s), want, "{s}");
            }
            assert_eq!(time_of("yesterday"), None);
        }

        #[test]
        fn places_parse_from_either_database() {
            let sqlite = r#"[{"id":"r","community_id":"c","household_id":"h","name":"王","active":1,"created_at":"2026-12-02T15:33:15+00:00","deactivated_at":null,"linked_at":"2026-12-02T15:33:15+00:00"}]"#;
            let pg = sqlite.replace("\"active\":1", "\"active\":true");
            for json in [sqlite.to_owned(), pg] {
                let places: Result<Vec<Place>, _> = parse(&json);
                let models: Vec<_> = places
                    .unwrap_or_default()
                    .into_iter()
                    .map(|p| p.into_model("a"))
                    .collect();
                assert_eq!(models.len(), 1, "{json}");
                for m in models {
                    assert!(m.active && m.linked_at.is_some() && m.deactivated_at.is_none());
                    assert_eq!((m.account_id.as_str(), m.name.as_str()), ("a", "王"));
                }
            }
        }
    }
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

/// Who asks, for a read that can bring the viewer along: on PostgreSQL a list whose statement
/// does not depend on who reads it runs as one statement with the viewer's (the request's usual
/// first one), and access is decided on the viewer before any row is returned
/// ([`Reader::viewer_and_page`]); a write reads the viewer in its own transaction
/// ([`Reader::viewer_on`]).
pub struct Reader<'a> {
    db: &'a DatabaseConnection,
    auth: AuthState,
    cell: Option<&'a ViewerCell>,
    /// A viewer read before (`Reader::known`).
    known: Option<Viewer>,
}

impl<'a> Reader<'a> {
    /// The reader of a resolver's request.
    pub fn of(ctx: &Context<'a>) -> AppResult<Self> {
        Ok(Self {
            db: &app_state(ctx)?.db,
            auth: ctx
                .data_opt::<AuthState>()
                .cloned()
                .unwrap_or(AuthState::Anonymous),
            cell: ctx.data_opt::<ViewerCell>(),
            known: None,
        })
    }

    /// The reader of a viewer already read (background work, the demo's data).
    pub fn known(db: &'a DatabaseConnection, viewer: Viewer) -> Self {
        Self {
            db,
            auth: AuthState::Anonymous,
            cell: None,
            known: Some(viewer),
        }
    }

    /// The viewer when the request has read it: `Some(None)` for an anonymous one.
    fn read_before(&self) -> Option<Option<&Viewer>> {
        match &self.known {
            Some(v) => Some(Some(v)),
            None => self.cell.and_then(|c| c.0.get()).map(Option::as_ref),
        }
    }

    /// UNAUTHENTICATED for a request without a token or with a bad one (checked without the
    /// database; whether its session is alive is read later, with the account statement).
    pub fn signed_in(&self) -> AppResult<()> {
        match (self.read_before(), &self.auth) {
            (Some(Some(_)), _) | (None, AuthState::Token(_)) => Ok(()),
            _ => Err(AppError::Unauthenticated),
        }
    }

    /// The signed-in viewer (else UNAUTHENTICATED), read on `conn` when the request has not
    /// read it yet: a write reads it inside its own transaction, which on SQLite's one
    /// connection saves a turn at the pool.
    pub async fn viewer_on<C: ConnectionTrait>(&self, conn: &C) -> AppResult<Viewer> {
        let backend = conn.get_database_backend();
        match self.viewer_read(backend)? {
            ViewerRead::Known(viewer) => Ok(viewer),
            ViewerRead::Statement(stmt) => {
                let row = conn.query_one_raw(backend.build(&*stmt)).await?;
                self.viewer_from_row(row.as_ref())
            }
        }
    }

    /// The viewer as read before, or the statement that reads it ([`Reader::viewer_on`] runs
    /// it alone); UNAUTHENTICATED without a token.
    pub fn viewer_read(&self, backend: sea_orm::DbBackend) -> AppResult<ViewerRead> {
        match (self.read_before(), &self.auth) {
            (Some(Some(viewer)), _) => Ok(ViewerRead::Known(viewer.clone())),
            (Some(None), _) | (None, AuthState::Anonymous | AuthState::Invalid) => {
                Err(AppError::Unauthenticated)
            }
            (None, AuthState::Token(claims)) => Ok(ViewerRead::Statement(Box::new(
                viewer_statement(backend, &claims.sub, &claims.sid),
            ))),
        }
    }

    /// The viewer from the row of [`ViewerRead::Statement`] (`None`: it returned none), kept
    /// for the rest of the request; UNAUTHENTICATED when the session or the account is gone.
    pub fn viewer_from_row(&self, row: Option<&sea_orm::QueryResult>) -> AppResult<Viewer> {
        let AuthState::Token(claims) = &self.auth else {
            return Err(AppError::Unauthenticated);
        };
        let viewer = viewer_of_row(row, claims)?;
        self.keep(&viewer);
        Ok(viewer)
    }

    /// [`Reader::viewer_from_row`] for a row that holds the account statement's columns beside
    /// a statement's own (joined to them): they are NULL when the account is gone.
    pub fn viewer_from_joined_row(&self, row: &sea_orm::QueryResult) -> AppResult<Viewer> {
        let id = row.try_get::<Option<String>>("", &format!("{VIEWER}id"))?;
        self.viewer_from_row(id.is_some().then_some(row))
    }

    /// Whether `row` is the account statement's (its first column is the viewer's id), among
    /// the rows of several statements sent together.
    pub fn is_viewer_row(row: &sea_orm::QueryResult) -> bool {
        row.column_names()
            .first()
            .is_some_and(|c| c.strip_prefix(VIEWER) == Some("id"))
    }

    /// The id of the account the request is signed in as (its token's subject, or the viewer
    /// read before), before the account is read; UNAUTHENTICATED without one.
    pub fn account_id(&self) -> AppResult<&str> {
        match (self.read_before(), &self.auth) {
            (Some(Some(viewer)), _) => Ok(viewer.id()),
            (None, AuthState::Token(claims)) => Ok(&claims.sub),
            _ => Err(AppError::Unauthenticated),
        }
    }

    /// Keeps the viewer for the rest of the request. Another resolver of the request may have
    /// read it meanwhile: either is current.
    fn keep(&self, viewer: &Viewer) {
        if let Some(cell) = self.cell {
            let _ = cell.0.set(Some(viewer.clone()));
        }
    }

    /// The database the reader reads.
    pub fn db(&self) -> &'a DatabaseConnection {
        self.db
    }

    /// The signed-in viewer's access (else UNAUTHENTICATED), as `allowed` decides it on the
    /// viewer (its error, such as NOT_FOUND, is the answer), and the rows of `page`, in `order`
    /// (the page's own ORDER BY, as column names of its SELECT). No row is returned unless
    /// `allowed` said yes.
    ///
    /// When the request has read its viewer already, or on SQLite (which runs in the process:
    /// a second statement costs no round trip; the joined statement of session 18, which
    /// copied the account into each row, measured slower there: BENCHMARKS.md), `allowed`
    /// runs first and the page is read only when it says yes. Otherwise, on
    /// PostgreSQL, the account statement and the page are one statement,
    /// `SELECT p.*, v.* FROM (page) p FULL JOIN (account statement LIMIT 1) v ON FALSE
    /// ORDER BY p…`: each row holds the page's columns first, by position, then the viewer's
    /// (named with the `viewer_` prefix). A join on FALSE pairs nothing: the account is one row
    /// of its own (every page column NULL) and each page row has NULL viewer columns, so the
    /// account is sent once, not copied into every row (and sorted with it). The viewer is
    /// checked (`viewer_of`) and kept for the rest of the request, then `allowed` runs.
    /// `page`'s first column must be a non-NULL id: the row where it is NULL is the account's.
    pub async fn viewer_and_page<T>(
        &self,
        page: sea_orm::sea_query::SelectStatement,
        order: &[(&str, sea_orm::sea_query::Order)],
        allowed: impl AsyncFnOnce(&Viewer) -> AppResult<T>,
    ) -> AppResult<(T, Vec<sea_orm::QueryResult>)> {
        use sea_orm::sea_query::{Alias, Asterisk, Expr, JoinType, Query};
        let backend = self.db.get_database_backend();
        let joined = backend == sea_orm::DbBackend::Postgres && self.read_before().is_none();
        let (true, AuthState::Token(claims)) = (joined, &self.auth) else {
            // The viewer as read before (or now, alone), UNAUTHENTICATED without one.
            let viewer = self.viewer_on(self.db).await?;
            let access = allowed(&viewer).await?;
            let rows = self.db.query_all_raw(backend.build(&page)).await?;
            return Ok((access, rows));
        };
        let (v, p) = (Alias::new("v"), Alias::new("p"));
        // LIMIT 1 (an account is one row anyway) keeps the planner from merging the account
        // statement into the join (`reads::a_topic_page_reads_rows_in_order_…` checks that its
        // subqueries run once). For a session that has ended, or an account that is gone, the
        // page's rows still reach this process, and are dropped below before anything reads them.
        let mut account = viewer_statement(backend, &claims.sub, &claims.sid);
        account.limit(1);
        let mut stmt = Query::select();
        stmt.column((p.clone(), Asterisk))
            .column((v.clone(), Asterisk))
            .from_subquery(page, p.clone())
            .join_subquery(JoinType::FullOuterJoin, account, v, Expr::cust("FALSE"));
        for (col, o) in order {
            stmt.order_by((p.clone(), Alias::new(*col)), o.clone());
        }
        let rows = self.db.query_all_raw(backend.build(&stmt)).await?;
        let mut account_row = None;
        let mut page_rows = Vec::with_capacity(rows.len());
        for r in rows {
            match r.try_get_by_index::<Option<String>>(0)? {
                Some(_) => page_rows.push(r),
                None => account_row = Some(r),
            }
        }
        let found = account_row
            .map(|r| AccountSession::from_query_result(&r, VIEWER))
            .transpose()?;
        let viewer = viewer_of(found, claims)?;
        self.keep(&viewer);
        let access = allowed(&viewer).await?;
        Ok((access, page_rows))
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
