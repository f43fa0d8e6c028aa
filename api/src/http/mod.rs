//! HTTP routes: GraphQL (POST; GET runs queries, or serves GraphiQL without a `query`;
//! WebSocket), health, metrics, and the portal.

pub mod background;
pub mod bulletin;
pub mod calendar;
pub mod graphiql;
pub mod graphql;
pub mod limits;
pub mod metrics;
pub mod portal;
pub mod ws;

use actix_web::{web, HttpResponse};

use crate::startup::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/graphql", web::post().to(graphql::execute))
        .route("/graphql", web::get().to(graphql::get))
        .route("/graphql/assets/{name}", web::get().to(graphiql::asset))
        .route("/graphql/ws", web::get().to(ws::subscriptions))
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics::render))
        .route(
            "/ballots/{id}/bulletin.csv",
            web::get().to(bulletin::download),
        )
        .route("/events/{id}.ics", web::get().to(calendar::event_ics))
        .route(
            "/communities/{id}/events.ics",
            web::get().to(calendar::community_ics),
        )
        .route(
            "/events/{id}/attendees.csv",
            web::get().to(calendar::attendees),
        )
        .default_service(web::to(portal::serve));
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok")
}

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match state.db.ping().await {
        Ok(()) => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("ready"),
        Err(e) => {
            tracing::warn!(error = %e, "database not reachable");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain; charset=utf-8")
                .body("database unreachable")
        }
    }
}
