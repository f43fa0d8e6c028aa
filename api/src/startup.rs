//! `Application::build(settings)`: connect, migrate, load the signing secret and the audit key,
//! build the schema and bind the HTTP server. Tests call exactly this.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::{dev::Server, middleware, web, App, HttpServer};
use anyhow::Context;
use sea_orm::DatabaseConnection;

use crate::auth::tokens::TokenKeys;
use crate::bus::Bus;
use crate::config::Settings;
use crate::domain::ballot::live::TallyHub;
use crate::domain::identity::PasswordHasher;
use crate::graphql::AppSchema;
use crate::http::metrics::Metrics;
use crate::http::ws::WsLimits;
use crate::state::Services;

/// Everything a request needs, shared by all workers: the domain's [`Services`] (which it
/// dereferences to) and what only the HTTP layer uses.
#[derive(Clone)]
pub struct AppState {
    pub services: Services,
    pub metrics: Metrics,
    /// Live tallies, loaded once per change for all subscribers of this replica.
    pub tallies: TallyHub,
    /// WebSocket connection and subscription counters of this replica.
    pub ws: WsLimits,
}

impl std::ops::Deref for AppState {
    type Target = Services;
    fn deref(&self) -> &Services {
        &self.services
    }
}

pub struct Application {
    port: u16,
    state: AppState,
    server: Server,
}

/// Largest request body accepted (a roster of several thousand households fits).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = crate::db::connect_with(&settings.database_url, settings.db_pool_size).await?;
        crate::db::migrate(&db).await?;
        Self::build_with_db(settings, db).await
    }

    pub async fn build_with_db(settings: Settings, db: DatabaseConnection) -> anyhow::Result<Self> {
        let secret =
            crate::domain::secrets::jwt_secret(&db, settings.jwt_secret.as_deref()).await?;
        let audit = crate::domain::audit::key_for_serving(
            &settings.database_url,
            settings.audit_key.as_deref(),
        )?;
        crate::domain::audit::seal_legacy(&db, &audit)
            .await
            .context("sealing the audit log with the audit key")?;
        let bus = Bus::for_database(&db).await?;
        let tallies = TallyHub::start(db.clone(), &bus);
        let state = AppState {
            metrics: Metrics::new(crate::http::metrics::root_fields_of(&crate::graphql::sdl()))?,
            tallies,
            ws: WsLimits::default(),
            services: Services {
                keys: TokenKeys::new(&secret, settings.access_ttl_secs),
                audit,
                hasher: PasswordHasher::new(settings.argon2_memory_kib),
                db,
                bus,
                topic_pages: Default::default(),
                settings: Arc::new(settings),
            },
        };
        let listener = TcpListener::bind(&state.settings.bind)
            .with_context(|| format!("binding {}", state.settings.bind))?;
        let port = listener.local_addr()?.port();
        let schema = crate::graphql::build_schema(state.clone());
        let server = run(listener, state.clone(), schema)?;
        crate::http::background::spawn(state.clone());
        Ok(Self {
            port,
            state,
            server,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }

    /// For tests: the server as a future to spawn.
    pub fn into_server(self) -> Server {
        self.server
    }
}

fn run(listener: TcpListener, state: AppState, schema: AppSchema) -> anyhow::Result<Server> {
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .min(4);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(state.clone()))
            .app_data(web::Data::new(schema.clone()))
            .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
            .wrap(middleware::Compress::default())
            .wrap(
                middleware::DefaultHeaders::new()
                    .add(("X-Content-Type-Options", "nosniff"))
                    .add(("Referrer-Policy", "no-referrer")),
            )
            .configure(crate::http::routes)
    })
    .workers(workers)
    .listen(listener)?
    .run();
    Ok(server)
}
