//! GraphQL over HTTP: reads the token and client address, enforces the alias limit, executes,
//! and makes sure every error leaves with an `extensions.code` and no internal text.

use std::time::Instant;

use actix_web::{http::header, web, HttpRequest, HttpResponse};
use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Data, ServerError};
use async_graphql_actix_web::GraphQLSubscription;

use crate::auth::{AuthState, ClientAddr, ViewerCell};
use crate::graphql::{AppSchema, MAX_ALIASES};
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

fn client_addr(req: &HttpRequest, trust_proxy: bool) -> String {
    if trust_proxy {
        if let Some(ip) = req.connection_info().realip_remote_addr() {
            return ip.to_owned();
        }
    }
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default()
}

fn count_aliases(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|s| match &s.node {
            Selection::Field(f) => {
                usize::from(f.node.alias.is_some()) + count_aliases(&f.node.selection_set.node)
            }
            Selection::InlineFragment(f) => count_aliases(&f.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

fn total_aliases(doc: &ExecutableDocument) -> usize {
    let ops: usize = doc
        .operations
        .iter()
        .map(|(_, op)| count_aliases(&op.node.selection_set.node))
        .sum();
    let frags: usize = doc
        .fragments
        .values()
        .map(|f| count_aliases(&f.node.selection_set.node))
        .sum();
    ops + frags
}

/// A label for metrics: the operation name if it is a plain identifier.
fn operation_label(name: Option<&str>) -> String {
    match name {
        Some(n)
            if !n.is_empty()
                && n.len() <= 64
                && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
        {
            n.to_owned()
        }
        _ => "anonymous".to_owned(),
    }
}

/// The name of the document's only operation, when it has exactly one and it is named.
fn single_operation_name(doc: Option<&ExecutableDocument>) -> Option<&str> {
    let mut ops = doc?.operations.iter();
    match (ops.next(), ops.next()) {
        (Some((Some(name), _)), None) => Some(name.as_str()),
        _ => None,
    }
}

fn bad_request(message: &str) -> async_graphql::Response {
    let mut err = ServerError::new(message, None);
    let mut ext = async_graphql::ErrorExtensionValues::default();
    ext.set("code", "BAD_USER_INPUT");
    err.extensions = Some(ext);
    async_graphql::Response::from_errors(vec![err])
}

/// Every error gets a code; an execution error without one is an unexpected failure whose text
/// is logged and replaced.
fn finalize_errors(resp: &mut async_graphql::Response) -> Vec<String> {
    let mut codes = Vec::new();
    for err in &mut resp.errors {
        let code = err
            .extensions
            .as_ref()
            .and_then(|e| e.get("code"))
            .and_then(|v| {
                if let async_graphql::Value::String(s) = v {
                    Some(s.clone())
                } else {
                    None
                }
            });
        let code = match code {
            Some(c) => c,
            None => {
                let client_fault = err.path.is_empty()
                    || err.message.starts_with("Failed to parse")
                    || err.message.starts_with("Invalid value");
                let code = if client_fault {
                    "BAD_USER_INPUT"
                } else {
                    "INTERNAL"
                };
                if !client_fault {
                    tracing::error!(error = %err.message, "unexpected resolver error");
                    err.message = "internal error".into();
                }
                let mut ext = err.extensions.take().unwrap_or_default();
                ext.set("code", code);
                err.extensions = Some(ext);
                code.to_owned()
            }
        };
        codes.push(code);
    }
    codes
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
            return HttpResponse::BadRequest()
                .json(bad_request("the body must be a GraphQL request in JSON"))
        }
    };
    let parsed = async_graphql::parser::parse_query(&request.query);
    let label = operation_label(
        request
            .operation_name
            .as_deref()
            .or_else(|| single_operation_name(parsed.as_ref().ok())),
    );
    let mut resp = match parsed {
        Ok(doc) if total_aliases(&doc) > MAX_ALIASES => {
            bad_request(&format!("too many aliases (at most {MAX_ALIASES})"))
        }
        _ => {
            let header = req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok());
            let request = request
                .data(auth_state_from_header(header, &state))
                .data(ClientAddr(client_addr(&req, state.settings.trust_proxy)))
                .data(ViewerCell::default());
            // Introspection-only documents (GraphiQL's docs) get their own depth limit.
            crate::graphql::introspection::schema_for(&request, &schema)
                .execute(request)
                .await
        }
    };
    let codes = finalize_errors(&mut resp);
    state
        .metrics
        .observe(&label, started.elapsed().as_secs_f64(), &codes);
    HttpResponse::Ok().json(resp)
}

pub async fn graphiql() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(
            GraphiQLSource::build()
                .endpoint("/graphql")
                .subscription_endpoint("/graphql/ws")
                .finish(),
        )
}

/// graphql-transport-ws; the access token comes in the `connection_init` payload as
/// `{"Authorization": "Bearer …"}` (or `authorization`, or `token`).
pub async fn subscriptions(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
) -> actix_web::Result<HttpResponse> {
    let state = state.get_ref().clone();
    GraphQLSubscription::new(AppSchema::clone(&schema))
        .on_connection_init(move |value: serde_json::Value| async move {
            let token = ["Authorization", "authorization", "token", "accessToken"]
                .iter()
                .find_map(|k| value.get(*k).and_then(|v| v.as_str()).map(str::to_owned));
            let mut data = Data::default();
            data.insert(auth_state_from_header(token.as_deref(), &state));
            Ok(data)
        })
        .start(&req, payload)
}
