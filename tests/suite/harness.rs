//! Starts the real application in-process on port 0 with a fresh database per test:
//! SQLite (a temporary file) by default, PostgreSQL when `JIAYUAN_TEST_PG` names a server
//! (e.g. `postgres://postgres@127.0.0.1:5432`): a template database is migrated once per run
//! and every test gets its own copy (`CREATE DATABASE … TEMPLATE …`).

use std::path::PathBuf;

use api::config::Settings;
use api::startup::{AppState, Application};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{json, Value};

pub const PASSWORD: &str = "correct horse battery";
/// The audit key PostgreSQL runs use (SQLite runs use the key file beside the database).
pub const TEST_AUDIT_KEY: &str = "test-audit-key-0123456789abcdef0123456789abcdef";

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub state: AppState,
    pub http: reqwest::Client,
    /// SQL statements the application has run so far (a sea-orm metric hook).
    pub statements: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// The start of each statement's SQL, in order (to show what a request ran).
    pub sql_log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    /// Each statement whole, with its values (to EXPLAIN what a request ran).
    pub statement_log: std::sync::Arc<std::sync::Mutex<Vec<sea_orm::Statement>>>,
    sqlite_file: Option<PathBuf>,
    /// (server, database) of a PostgreSQL database this app created: dropped with it.
    pg_database: Option<(String, String)>,
}

/// Which database this run uses, for test names in failure output.
pub fn backend() -> &'static str {
    if pg_server().is_some() {
        "postgres"
    } else {
        "sqlite"
    }
}

fn pg_server() -> Option<String> {
    std::env::var("JIAYUAN_TEST_PG")
        .ok()
        .filter(|s| !s.is_empty())
}

static TEMPLATE: tokio::sync::Mutex<Option<String>> = tokio::sync::Mutex::const_new(None);

async fn admin_conn(server: &str) -> DatabaseConnection {
    Database::connect(format!("{}/postgres", server.trim_end_matches('/')))
        .await
        .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {server}: {e}"))
}

/// A fresh PostgreSQL database copied from the migrated template.
async fn fresh_pg_database(server: &str) -> String {
    let mut tpl = TEMPLATE.lock().await;
    let admin = admin_conn(server).await;
    if tpl.is_none() {
        let name = format!("jiayuan_test_tpl_{}", std::process::id());
        let _ = admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
            .await;
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap_or_else(|e| panic!("create template: {e}"));
        let db = Database::connect(format!("{}/{name}", server.trim_end_matches('/')))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        api::db::migrate(&db)
            .await
            .unwrap_or_else(|e| panic!("migrate template: {e}"));
        db.close().await.unwrap_or_else(|e| panic!("{e}"));
        *tpl = Some(name);
    }
    let tpl_name = tpl.clone().unwrap_or_default();
    let name = format!("jiayuan_test_{}", uuid::Uuid::new_v4().simple());
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name} TEMPLATE {tpl_name}"))
        .await
        .unwrap_or_else(|e| panic!("create test database: {e}"));
    let _ = admin.close().await;
    format!("{}/{name}", server.trim_end_matches('/'))
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Starts the app with adjusted settings (e.g. a lower rate limit).
    /// An app whose background job and tally fold run only when the test calls them (so that
    /// a count of statements, or a kept page, is the test's own).
    pub async fn spawn_quiet() -> TestApp {
        Self::spawn_with(|s| {
            s.job_interval_ms = 3_600_000;
            s.fold_interval_ms = 3_600_000;
        })
        .await
    }

    pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let (url, sqlite_file) = match pg_server() {
            Some(server) => (fresh_pg_database(&server).await, None),
            None => {
                let file = std::env::temp_dir()
                    .join(format!("jiayuan-test-{}.db", uuid::Uuid::new_v4().simple()));
                (format!("sqlite://{}?mode=rwc", file.display()), Some(file))
            }
        };
        let pg_database = pg_server().and_then(|server| {
            url.rsplit('/')
                .next()
                .map(|name| (server.trim_end_matches('/').to_owned(), name.to_owned()))
        });
        let mut app = Self::spawn_on(url, sqlite_file, adjust).await;
        app.pg_database = pg_database;
        app
    }

    /// A second application instance on the same database (a replica).
    pub async fn replica(&self) -> TestApp {
        Self::spawn_on(self.state.settings.database_url.clone(), None, |_| {}).await
    }

    async fn spawn_on(
        url: String,
        sqlite_file: Option<PathBuf>,
        adjust: impl FnOnce(&mut Settings),
    ) -> TestApp {
        let mut settings = Settings::for_database(url);
        settings.bind = "127.0.0.1:0".into();
        // Cheaper hashing keeps the suite fast; production parameters are tested in unit tests.
        settings.argon2_memory_kib = 1024;
        if !settings.database_url.starts_with("sqlite:") {
            settings.audit_key = Some(TEST_AUDIT_KEY.into());
        }
        adjust(&mut settings);
        // Exactly what `Application::build` does, with a statement counter on the connection.
        let mut db = api::db::connect_with(&settings.database_url, settings.db_pool_size)
            .await
            .unwrap_or_else(|e| panic!("connect: {e:#}"));
        let statements = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counter = statements.clone();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let sql_log = log.clone();
        let whole = std::sync::Arc::new(std::sync::Mutex::new(Vec::<sea_orm::Statement>::new()));
        let whole_log = whole.clone();
        db.set_metric_callback(move |info| {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if let Ok(mut l) = sql_log.lock() {
                l.push(info.statement.sql.chars().take(120).collect());
            }
            if let Ok(mut l) = whole_log.lock() {
                l.push(info.statement.clone());
            }
        });
        api::db::migrate(&db)
            .await
            .unwrap_or_else(|e| panic!("migrate: {e:#}"));
        let app = Application::build_with_db(settings, db)
            .await
            .unwrap_or_else(|e| panic!("app failed to start: {e:#}"));
        let port = app.port();
        let state = app.state().clone();
        tokio::spawn(app.into_server());
        TestApp {
            address: format!("http://127.0.0.1:{port}"),
            port,
            state,
            http: reqwest::Client::new(),
            statements,
            sql_log: log,
            statement_log: whole,
            sqlite_file,
            pg_database: None,
        }
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// A mark in the log of whole statements, for [`TestApp::whole_statements_since`].
    pub fn statement_mark(&self) -> usize {
        self.statement_log.lock().map(|l| l.len()).unwrap_or(0)
    }

    /// Each statement run since `mark`, whole, with its values.
    pub fn statements_since(&self, mark: usize) -> Vec<sea_orm::Statement> {
        self.statement_log
            .lock()
            .map(|l| l[mark.min(l.len())..].to_vec())
            .unwrap_or_default()
    }

    /// The SQL of each statement run since `mark`, whole.
    pub fn whole_statements_since(&self, mark: usize) -> Vec<String> {
        self.statements_since(mark)
            .into_iter()
            .map(|s| s.sql)
            .collect()
    }

    /// The text `/metrics` answers now.
    pub async fn metrics_text(&self) -> String {
        self.http
            .get(format!("{}/metrics", self.address))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET /metrics: {e}"))
            .text()
            .await
            .unwrap_or_default()
    }

    /// The SQL statements one request runs (background jobs should be slowed by the test).
    pub async fn statements_of(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (Vec<String>, Value) {
        let start = self.sql_log.lock().map(|l| l.len()).unwrap_or(0);
        let resp = self.gql(token, query, variables).await;
        // The bus's relay announces tally events in the background, coalesced: its notify
        // belongs to no request, and may land in any request's window.
        let ran = self
            .sql_log
            .lock()
            .map(|l| {
                l[start..]
                    .iter()
                    .filter(|s| !s.contains("pg_notify("))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        (ran, resp)
    }

    /// POST /graphql; returns the whole JSON response.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req = self
            .http
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("request failed: {e}"));
        resp.json()
            .await
            .unwrap_or_else(|e| panic!("response is not JSON: {e}"))
    }

    /// Data of a request that must succeed.
    pub async fn ok(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let resp = self.gql(token, query, variables).await;
        assert!(resp.get("errors").is_none(), "unexpected errors: {resp}");
        resp["data"].clone()
    }

    /// `extensions.code` of the first error of a request that must fail.
    pub async fn err_code(&self, token: Option<&str>, query: &str, variables: Value) -> String {
        let resp = self.gql(token, query, variables).await;
        error_code(&resp)
    }

    /// Creates a platform admin and signs in; returns the access token.
    pub async fn admin_token(&self) -> String {
        api::domain::identity::service::create_admin(
            self.db(),
            &self.state.hasher,
            "13900000000",
            PASSWORD,
            "管理员",
        )
        .await
        .unwrap_or_else(|e| panic!("create admin: {}", e.describe()));
        self.sign_in("13900000000", PASSWORD).await
    }

    pub async fn sign_in(&self, phone: &str, password: &str) -> String {
        let data = self
            .ok(
                None,
                "mutation($p:String!,$w:String!){ signIn(phone:$p,password:$w){ accessToken } }",
                json!({ "p": phone, "w": password }),
            )
            .await;
        data["signIn"]["accessToken"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub async fn sign_in_full(&self, phone: &str, password: &str) -> Value {
        let data = self
            .ok(
                None,
                "mutation($p:String!,$w:String!){ signIn(phone:$p,password:$w){ accessToken refreshToken viewer { id name } } }",
                json!({ "p": phone, "w": password }),
            )
            .await;
        data["signIn"].clone()
    }

    pub async fn create_community(&self, admin: &str, name: &str) -> String {
        let data = self
            .ok(
                Some(admin),
                "mutation($n:String!){ createCommunity(name:$n){ id } }",
                json!({ "n": name }),
            )
            .await;
        data["createCommunity"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub async fn import_roster(&self, token: &str, community_id: &str, csv: &str) -> Value {
        self.gql(
            Some(token),
            "mutation($c:ID!,$csv:String!){ importRoster(communityId:$c, csv:$csv){ created updated unchanged invites { phone code residentId householdId name building unit } } }",
            json!({ "c": community_id, "csv": csv }),
        )
        .await
    }

    /// Claims an invite and returns (accessToken, refreshToken).
    pub async fn claim(&self, code: &str, password: &str) -> (String, String) {
        let data = self
            .ok(
                None,
                "mutation($c:String!,$w:String!){ claimInvite(code:$c,password:$w){ accessToken refreshToken } }",
                json!({ "c": code, "w": password }),
            )
            .await;
        (
            data["claimInvite"]["accessToken"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            data["claimInvite"]["refreshToken"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    }

    /// A community with `ROSTER` imported by the admin and every invite claimed with `PASSWORD`.
    pub async fn community(&self) -> World {
        let admin = self.admin_token().await;
        let community_id = self.create_community(&admin, "测试社区").await;
        let resp = self.import_roster(&admin, &community_id, ROSTER).await;
        assert!(resp.get("errors").is_none(), "roster import failed: {resp}");
        let mut people = std::collections::HashMap::new();
        for inv in resp["data"]["importRoster"]["invites"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let phone = inv["phone"].as_str().unwrap_or_default().to_owned();
            let (token, refresh) = self
                .claim(inv["code"].as_str().unwrap_or_default(), PASSWORD)
                .await;
            people.insert(
                phone.clone(),
                Person {
                    phone,
                    token,
                    refresh,
                    resident_id: inv["residentId"].as_str().unwrap_or_default().to_owned(),
                    household_id: inv["householdId"].as_str().unwrap_or_default().to_owned(),
                },
            );
        }
        World {
            admin,
            community_id,
            people,
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(file) = &self.sqlite_file {
            for suffix in ["", "-wal", "-shm", ".audit-key"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
        // A plain `cargo test` leaves no test database behind: drop it (its connections too) on
        // a thread of its own, since the test's runtime is shutting down.
        if let Some((server, name)) = self.pg_database.take() {
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async move {
                    let admin = admin_conn(&server).await;
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    let _ = admin.close().await;
                });
            })
            .join();
        }
    }
}

/// The `extensions.code` of a WebSocket answer's first error (a `next` with errors, or an
/// `error` message), or `<none>`.
pub fn ws_error_code(msg: &Value) -> String {
    msg["payload"]["errors"][0]["extensions"]["code"]
        .as_str()
        .or(msg["payload"][0]["extensions"]["code"].as_str())
        .unwrap_or("<none>")
        .to_owned()
}

pub fn error_code(resp: &Value) -> String {
    resp["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<no error>")
        .to_owned()
}

/// Four households in two buildings; 13800000001 is on the committee, 13800000003 a mediator.
pub const ROSTER: &str = "building,unit,area_m2,owner,name,phone,roles
1栋,101,88.50,true,王建国,13800000001,COMMITTEE
1栋,101,88.50,true,李秀英,13800000002,
1栋,102,92.00,true,张伟,13800000003,MEDIATOR
2栋,101,120.00,false,刘芳,13800000004,ORGANIZER
2栋,102,75.25,true,陈静,13800000005,
";

pub const COMMITTEE: &str = "13800000001";
pub const RESIDENT: &str = "13800000002";
pub const MEDIATOR: &str = "13800000003";

#[derive(Clone, Debug)]
pub struct Person {
    pub phone: String,
    pub token: String,
    pub refresh: String,
    pub resident_id: String,
    pub household_id: String,
}

pub struct World {
    pub admin: String,
    pub community_id: String,
    pub people: std::collections::HashMap<String, Person>,
}

impl World {
    pub fn person(&self, phone: &str) -> &Person {
        self.people
            .get(phone)
            .unwrap_or_else(|| panic!("no person {phone} in the roster"))
    }
    pub fn token(&self, phone: &str) -> &str {
        &self.person(phone).token
    }
}

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a graphql-transport-ws connection to `/graphql/ws` with the token in `connection_init`
/// and waits (bounded) for `connection_ack`.
pub async fn ws_connect(port: u16, token: &str) -> Ws {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::{client::IntoClientRequest, Message};
    let mut req = format!("ws://127.0.0.1:{port}/graphql/ws")
        .into_client_request()
        .unwrap_or_else(|e| panic!("{e}"));
    req.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws"
            .parse()
            .unwrap_or_else(|e| panic!("{e}")),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(req)
        .await
        .unwrap_or_else(|e| panic!("ws connect: {e}"));
    let init =
        json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}});
    ws.send(Message::Text(init.to_string().into()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut acked = false;
    while let Ok(Some(Ok(msg))) =
        tokio::time::timeout(std::time::Duration::from_secs(10), ws.next()).await
    {
        if matches!(&msg, Message::Text(t) if t.contains("connection_ack")) {
            acked = true;
            break;
        }
    }
    assert!(acked, "no connection_ack");
    ws
}

/// Starts a subscription. The protocol does not confirm one, so this gives the server a moment
/// to register it (a bound, not an assertion on speed).
pub async fn ws_subscribe(ws: &mut Ws, query: &str, variables: Value) {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    let sub = json!({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}});
    ws.send(Message::Text(sub.to_string().into()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
}

/// The next `next` (or `error`) message within 15 s, else `Null`.
pub async fn ws_next(ws: &mut Ws) -> Value {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    while let Ok(Some(Ok(msg))) =
        tokio::time::timeout(std::time::Duration::from_secs(15), ws.next()).await
    {
        if let Message::Text(t) = msg {
            let v: Value = serde_json::from_str(&t).unwrap_or_default();
            if v["type"] == "next" || v["type"] == "error" {
                return v;
            }
        }
    }
    Value::Null
}

/// The ids of a connection's nodes (`{ nodes { id } }`), in order.
pub fn node_ids(connection: &Value) -> Vec<String> {
    connection["nodes"]
        .as_array()
        .map(|nodes| {
            nodes
                .iter()
                .map(|n| n["id"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}
