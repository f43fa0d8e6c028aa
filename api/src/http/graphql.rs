//! GraphQL over HTTP: reads the token and client address, applies `limits` (the same checks as
//! the WebSocket), executes, and makes sure every error leaves with an `extensions.code` and no
//! internal text.

use std::time::Instant;

use actix_web::{http::header, web, HttpRequest, HttpResponse};

use super::limits;
use crate::auth::{AuthState, ClientAddr, ViewerCell};
use crate::graphql::AppSchema;
use crate::startup::AppState;

pub fn auth_state_from_header(value: Option<&str>, state: &AppState) -> AuthState {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return AuthState::Anonymous;
    };
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .unwrap_or(value);
    match state.keys.verify(token.trim()) {
        Some(claims) => AuthState::Token(claims),
        None => AuthState::Invalid,
    }
}

pub async fn execute(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
) -> HttpResponse {
    let started = Instant::now();
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(_) => {
            return HttpResponse::BadRequest().json(limits::refusal(
                "the body must be a GraphQL request in JSON",
                None,
            ))
        }
    };
    let label = state.metrics.label_for(&request);
    let mut resp = match limits::check_request(&request) {
        Err(refused) => refused.response(),
        Ok(()) => {
            let header = req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok());
            let request = request
                .data(auth_state_from_header(header, &state))
                .data(ClientAddr(limits::client_addr(&req, &state.settings)))
                .data(ViewerCell::default());
            // Introspection-only documents (GraphiQL's docs) get their own depth limit.
            crate::graphql::introspection::schema_for(&request, &schema)
                .execute(request)
                .await
        }
    };
    let codes = limits::finalize_errors(&mut resp);
    state
        .metrics
        .observe(label, started.elapsed().as_secs_f64(), &codes);
    HttpResponse::Ok()
        .content_type("application/json")
        .body(limits::bounded_json(&resp))
}
