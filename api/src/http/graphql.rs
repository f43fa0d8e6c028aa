//! GraphQL over HTTP, as the GraphQL-over-HTTP specification has it: reads the request (a JSON
//! POST, or a GET with URL parameters for queries), applies `limits` (the same checks as the
//! WebSocket), executes, makes sure every error leaves with an `extensions.code` and no internal
//! text, and answers in the media type the client accepts.
//!
//! - `application/graphql-response+json` when the client lists it (at least as high as
//!   `application/json`): a request that does not execute (unparsable or invalid document,
//!   variables that do not coerce, a document our limits refuse) is `400` without a `data` entry.
//! - `application/json` otherwise (no `Accept`, `*/*`): such a request is `200` with `errors` and
//!   no `data`, as before the specification's watershed. An `Accept` naming neither is `406`.
//! - Either way a body that is not JSON, or parameters of the wrong type, are `400`; a POST
//!   without a JSON content type is `415`; a mutation over GET is `405` and does not run.
//! - Batches (a JSON array of requests) are refused with `400`: one operation per request.

use std::collections::HashMap;
use std::time::Instant;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use async_graphql::parser::types::OperationType;
use serde_json::{Map, Value};

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

/// The media type of a GraphQL response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Media {
    GraphqlResponse,
    Json,
}

impl Media {
    fn content_type(self) -> &'static str {
        match self {
            Media::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            Media::Json => "application/json; charset=utf-8",
        }
    }
}

/// The media type to answer in, from the `Accept` header(s); `None` when the client accepts
/// neither. No `Accept` means `application/json`; a wildcard matches `application/json` only, so
/// `application/graphql-response+json` is sent to the clients that name it.
pub fn negotiate<'a>(accept: impl Iterator<Item = &'a str>) -> Option<Media> {
    let mut any = false;
    let (mut graphql, mut json, mut wildcard) = (None::<f32>, None::<f32>, None::<f32>);
    for item in accept.flat_map(|v| v.split(',')) {
        let mut parts = item.split(';');
        let ty = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        if ty.is_empty() {
            continue;
        }
        any = true;
        let q = parts
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
            .and_then(|(_, v)| v.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let slot = match ty.as_str() {
            "application/graphql-response+json" => &mut graphql,
            "application/json" => &mut json,
            "*/*" | "application/*" => &mut wildcard,
            _ => continue,
        };
        *slot = Some(slot.map_or(q, |old: f32| old.max(q)));
    }
    if !any {
        return Some(Media::Json);
    }
    let graphql = graphql.unwrap_or(0.0);
    // The more specific entry decides for application/json (`*/*, application/json;q=0` refuses it).
    let json = json.or(wildcard).unwrap_or(0.0);
    if graphql > 0.0 && graphql >= json {
        Some(Media::GraphqlResponse)
    } else if json > 0.0 {
        Some(Media::Json)
    } else {
        None
    }
}

/// Whether a request body is declared as JSON in UTF-8 (`application/json`, any charset given
/// must be UTF-8).
pub fn is_json_content_type(value: Option<&str>) -> bool {
    let Some(value) = value else {
        return false;
    };
    let mut parts = value.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
        && parts.filter_map(|p| p.split_once('=')).all(|(k, v)| {
            !k.trim().eq_ignore_ascii_case("charset")
                || v.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        })
}

/// A request refused before it reached the executor, with its status.
struct Refused {
    status: StatusCode,
    message: &'static str,
    field: Option<&'static str>,
}

impl Refused {
    fn new(status: StatusCode, message: &'static str, field: Option<&'static str>) -> Self {
        Self {
            status,
            message,
            field,
        }
    }

    fn bad(message: &'static str, field: Option<&'static str>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message, field)
    }
}

/// An optional parameter: its name, its type test, and the message when it fails.
type ParamCheck = (&'static str, fn(&Value) -> bool, &'static str);

/// The GraphQL request in a JSON object's parameters (`query`, `operationName`, `variables`,
/// `extensions`), each checked for its type; unknown keys are ignored.
fn request_from_params(mut params: Map<String, Value>) -> Result<async_graphql::Request, Refused> {
    match params.get("query") {
        Some(Value::String(_)) => {}
        _ => return Err(Refused::bad("`query` must be a string", Some("query"))),
    }
    let checks: [ParamCheck; 3] = [
        (
            "operationName",
            Value::is_string,
            "`operationName` must be a string or null",
        ),
        (
            "variables",
            Value::is_object,
            "`variables` must be an object or null",
        ),
        (
            "extensions",
            Value::is_object,
            "`extensions` must be an object or null",
        ),
    ];
    for (key, ok, message) in checks {
        match params.get(key) {
            None => {}
            Some(Value::Null) => {
                params.remove(key);
            }
            Some(v) if ok(v) => {}
            Some(_) => return Err(Refused::bad(message, Some(key))),
        }
    }
    let known = ["query", "operationName", "variables", "extensions"];
    params.retain(|k, _| known.contains(&k.as_str()));
    serde_json::from_value(Value::Object(params))
        .map_err(|_| Refused::bad("the GraphQL request's parameters are malformed", None))
}

/// A POST body: one JSON object (a batch, a JSON array, is refused).
fn request_from_body(body: &[u8]) -> Result<async_graphql::Request, Refused> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(params)) => request_from_params(params),
        Ok(Value::Array(_)) => Err(Refused::bad(
            "batched requests are not supported: send one operation per request",
            None,
        )),
        Ok(_) | Err(_) => Err(Refused::bad(
            "the body must be a GraphQL request in JSON",
            None,
        )),
    }
}

/// GET parameters: `query` and `operationName` as they are, `variables` and `extensions` as JSON
/// text. Empty values count as absent.
fn request_from_query(params: HashMap<String, String>) -> Result<async_graphql::Request, Refused> {
    let mut map = Map::new();
    for (key, value) in params {
        if value.is_empty() && key != "query" {
            continue;
        }
        let value = match key.as_str() {
            "variables" | "extensions" => serde_json::from_str(&value).map_err(|_| {
                Refused::bad(
                    "`variables` and `extensions` must be JSON objects",
                    Some(if key == "variables" {
                        "variables"
                    } else {
                        "extensions"
                    }),
                )
            })?,
            _ => Value::String(value),
        };
        map.insert(key, value);
    }
    request_from_params(map)
}

fn reply(status: StatusCode, media: Media, body: Vec<u8>) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(media.content_type())
        .body(body)
}

/// A refused request's answer (never executed: no `data`), counted as `other`.
fn refuse(state: &AppState, media: Media, started: Instant, refused: &Refused) -> HttpResponse {
    let mut resp = limits::refusal(refused.message, refused.field);
    let codes = limits::finalize_errors(&mut resp);
    state
        .metrics
        .observe("other", started.elapsed().as_secs_f64(), &codes);
    reply(
        refused.status,
        media,
        without_data(limits::bounded_json(&resp)),
    )
}

/// The body without its `data` entry (for a request that never executed).
fn without_data(body: Vec<u8>) -> Vec<u8> {
    match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(mut map)) => {
            map.remove("data");
            serde_json::to_vec(&map).unwrap_or(body)
        }
        _ => body,
    }
}

fn accepted(req: &HttpRequest) -> Option<Media> {
    negotiate(
        req.headers()
            .get_all(header::ACCEPT)
            .filter_map(|v| v.to_str().ok()),
    )
}

/// `POST /graphql`.
pub async fn execute(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
) -> HttpResponse {
    let started = Instant::now();
    let Some(media) = accepted(&req) else {
        return refuse(&state, Media::Json, started, &not_acceptable());
    };
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if !is_json_content_type(content_type) {
        let refused = Refused::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the body must be JSON: send `Content-Type: application/json`",
            None,
        );
        return refuse(&state, media, started, &refused);
    }
    match request_from_body(&body) {
        Ok(request) => {
            let doc = limits::parse(&request);
            run(&req, request, doc, media, started, &state, &schema).await
        }
        Err(refused) => refuse(&state, media, started, &refused),
    }
}

fn not_acceptable() -> Refused {
    Refused::new(
        StatusCode::NOT_ACCEPTABLE,
        "GraphQL responses are application/graphql-response+json or application/json",
        None,
    )
}

/// `GET /graphql`: with a `query` parameter, runs a query (never a mutation); without one,
/// GraphiQL.
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
) -> HttpResponse {
    let started = Instant::now();
    let params = web::Query::<HashMap<String, String>>::from_query(req.query_string())
        .map(web::Query::into_inner);
    let params = match params {
        Ok(p) if !p.contains_key("query") => return super::graphiql::page().await,
        Err(_) if !req.query_string().contains("query") => return super::graphiql::page().await,
        other => other,
    };
    let Some(media) = accepted(&req) else {
        return refuse(&state, Media::Json, started, &not_acceptable());
    };
    let request = match params {
        Ok(params) => request_from_query(params),
        Err(_) => Err(Refused::bad("the URL parameters are malformed", None)),
    };
    let request = match request {
        Ok(r) => r,
        Err(refused) => return refuse(&state, media, started, &refused),
    };
    let doc = limits::parse(&request);
    match limits::operation_type(&request, doc.as_ref()) {
        Some(OperationType::Mutation | OperationType::Subscription) => {
            let refused = Refused::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "only queries run over GET: send mutations with POST",
                None,
            );
            let mut resp = refuse(&state, media, started, &refused);
            resp.headers_mut()
                .insert(header::ALLOW, header::HeaderValue::from_static("GET, POST"));
            resp
        }
        _ => run(&req, request, doc, media, started, &state, &schema).await,
    }
}

/// Limits, execution, error codes, metrics and the answer, for both methods.
async fn run(
    req: &HttpRequest,
    request: async_graphql::Request,
    doc: Option<async_graphql::parser::types::ExecutableDocument>,
    media: Media,
    started: Instant,
    state: &AppState,
    schema: &AppSchema,
) -> HttpResponse {
    let label = state.metrics.label_for(&request, doc.as_ref());
    let mut resp = match limits::check_request(&request, doc.as_ref()) {
        Err(refused) => refused.response(),
        Ok(()) => {
            let header = req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok());
            let request = request
                .data(auth_state_from_header(header, state))
                .data(ClientAddr(limits::client_addr(req, &state.settings)))
                .data(crate::auth::RequestOrigin({
                    let info = req.connection_info();
                    format!("{}://{}", info.scheme(), info.host())
                }))
                .data(ViewerCell::default());
            // Introspection-only documents (GraphiQL's docs) get their own depth limit.
            let schema = crate::graphql::introspection::schema_for(&request, doc.as_ref(), schema);
            schema.execute(limits::with_document(request, doc)).await
        }
    };
    let codes = limits::finalize_errors(&mut resp);
    state
        .metrics
        .observe(label, started.elapsed().as_secs_f64(), &codes);
    // Execution always yields data (null only when a non-null root field failed, and then the
    // error has a path). Errors without data and without a path come from before execution:
    // parsing, validation, variable coercion, our limits.
    let executed =
        resp.data != async_graphql::Value::Null || resp.errors.iter().any(|e| !e.path.is_empty());
    let body = limits::bounded_json(&resp);
    if executed {
        reply(StatusCode::OK, media, body)
    } else {
        let status = match media {
            Media::GraphqlResponse => StatusCode::BAD_REQUEST,
            Media::Json => StatusCode::OK,
        };
        reply(status, media, without_data(body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn media(accept: &[&str]) -> Option<Media> {
        negotiate(accept.iter().copied())
    }

    #[test]
    fn the_accept_header_chooses_the_media_type() {
        assert_eq!(media(&[]), Some(Media::Json));
        assert_eq!(media(&[""]), Some(Media::Json));
        assert_eq!(media(&["*/*"]), Some(Media::Json));
        assert_eq!(media(&["application/json"]), Some(Media::Json));
        assert_eq!(
            media(&["application/graphql-response+json"]),
            Some(Media::GraphqlResponse)
        );
        assert_eq!(
            media(&["application/graphql-response+json, application/json;q=0.9"]),
            Some(Media::GraphqlResponse)
        );
        assert_eq!(
            media(&["application/json, application/graphql-response+json;q=0.5"]),
            Some(Media::Json)
        );
        assert_eq!(
            media(&["application/graphql-response+json, application/json, multipart/mixed"]),
            Some(Media::GraphqlResponse)
        );
        assert_eq!(
            media(&["text/html,application/xhtml+xml,*/*;q=0.8"]),
            Some(Media::Json)
        );
        assert_eq!(media(&["text/html"]), None);
        assert_eq!(media(&["*/*, application/json;q=0"]), None);
    }

    #[test]
    fn only_json_bodies_are_taken() {
        assert!(is_json_content_type(Some("application/json")));
        assert!(is_json_content_type(Some(
            "Application/JSON; charset=UTF-8"
        )));
        assert!(!is_json_content_type(Some(
            "application/json; charset=latin1"
        )));
        assert!(!is_json_content_type(Some("text/plain;charset=UTF-8")));
        assert!(!is_json_content_type(Some(
            "application/x-www-form-urlencoded"
        )));
        assert!(!is_json_content_type(None));
    }

    #[test]
    fn parameters_of_the_wrong_type_are_refused() {
        let params = |v: Value| match v {
            Value::Object(m) => request_from_params(m),
            _ => panic!("not an object"),
        };
        assert!(params(serde_json::json!({ "query": "{ me { id } }" })).is_ok());
        let nulls = serde_json::json!({
            "query": "{ me { id } }", "operationName": null, "variables": null, "extensions": null
        });
        assert!(params(nulls).is_ok());
        for bad in [
            serde_json::json!({ "qeury": "{ me { id } }" }),
            serde_json::json!({ "query": 0 }),
            serde_json::json!({ "query": "{ a }", "variables": "x" }),
            serde_json::json!({ "query": "{ a }", "variables": [] }),
            serde_json::json!({ "query": "{ a }", "operationName": false }),
            serde_json::json!({ "query": "{ a }", "extensions": 0 }),
        ] {
            assert!(params(bad.clone()).is_err(), "{bad}");
        }
        assert!(request_from_body(b"[{\"query\":\"{ a }\"}]").is_err());
        assert!(request_from_body(b"").is_err());
    }

    #[test]
    fn the_operation_type_is_read_from_the_chosen_operation() {
        let op =
            |req: &async_graphql::Request| limits::operation_type(req, limits::parse(req).as_ref());
        let req = async_graphql::Request::new("mutation B { b }");
        assert_eq!(op(&req), Some(OperationType::Mutation));
        // Two operations and no name: none is chosen (it used to be whichever came first out
        // of the document's hash map, so this test passed or failed by chance).
        let req = async_graphql::Request::new("query A { a } mutation B { b }");
        assert_eq!(op(&req), None);
        let req = req.operation_name("B");
        assert_eq!(op(&req), Some(OperationType::Mutation));
        let req = async_graphql::Request::new("{");
        assert_eq!(op(&req), None);
    }
}
