//! GraphQL over WebSocket (graphql-transport-ws) at `/graphql/ws`, with the same protections as
//! HTTP and its own:
//! - frames and messages are capped (`MAX_WS_MESSAGE`); a bigger one closes the socket (1009);
//! - connections per client address are capped; a socket that has not sent `connection_init`
//!   within `INIT_TIMEOUT` is closed (4408), and one without a valid token is closed after
//!   `ANONYMOUS_IDLE` without a message;
//! - every operation passes `limits::check_request`, runs with the client address (so sign-in
//!   limits are per address, as over HTTP) and leaves with the same error codes;
//! - subscriptions are capped per connection and per account, and end when the token expires,
//!   at once on sign-out and when the account's sessions are ended (the client reconnects with a
//!   fresh token).

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use actix_web::{web, HttpRequest, HttpResponse};
use async_graphql::http::{WebSocket, WebSocketProtocols as Protocols, WsMessage};
use async_graphql::parser::types::OperationType;
use async_graphql::{Data, Executor, Response};
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use futures_util::{FutureExt, StreamExt};

use super::graphql::auth_state_from_header;
use super::limits;
use crate::auth::{AuthState, ClientAddr, ViewerCell};
use crate::bus::{self, BusEvent};
use crate::graphql::AppSchema;
use crate::startup::AppState;

/// Largest frame and largest (reassembled) message a client may send.
pub const MAX_WS_MESSAGE: usize = 64 * 1024;
/// Open sockets per client address, per replica.
pub const MAX_WS_PER_ADDRESS: usize = 16;
/// Operations in flight per connection (live subscriptions included), and live subscriptions
/// per account on one replica.
pub const MAX_SUBS_PER_CONNECTION: usize = 20;
pub const MAX_SUBS_PER_ACCOUNT: usize = 50;
/// A socket must send `connection_init` this soon.
pub const INIT_TIMEOUT: Duration = Duration::from_secs(5);
/// A socket without a valid token is closed after this long without a message.
pub const ANONYMOUS_IDLE: Duration = Duration::from_secs(15);

/// Counters shared by the sockets of one replica.
#[derive(Clone, Default)]
pub struct WsLimits {
    per_address: Arc<Mutex<HashMap<String, usize>>>,
    per_account: Arc<Mutex<HashMap<String, usize>>>,
}

/// Holds one unit of a counter; gives it back when dropped.
struct Slot {
    map: Arc<Mutex<HashMap<String, usize>>>,
    key: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = map.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(&self.key);
            }
        }
    }
}

fn take_slot(map: &Arc<Mutex<HashMap<String, usize>>>, key: &str, max: usize) -> Option<Slot> {
    let mut m = map.lock().unwrap_or_else(|p| p.into_inner());
    let n = m.entry(key.to_owned()).or_insert(0);
    if *n >= max {
        return None;
    }
    *n += 1;
    Some(Slot {
        map: map.clone(),
        key: key.to_owned(),
    })
}

impl WsLimits {
    /// Live subscriptions of an account on this replica (for tests).
    pub fn subscriptions_of(&self, account_id: &str) -> usize {
        self.per_account
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(account_id)
            .copied()
            .unwrap_or(0)
    }
}

/// Runs the operations of one socket.
#[derive(Clone)]
struct Guarded {
    schema: AppSchema,
    state: AppState,
    addr: String,
    auth: Arc<OnceLock<AuthState>>,
    subscriptions: Arc<AtomicUsize>,
}

struct ConnectionSub(Arc<AtomicUsize>);

impl Drop for ConnectionSub {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Guarded {
    fn auth(&self) -> AuthState {
        self.auth.get().cloned().unwrap_or(AuthState::Anonymous)
    }

    fn prepare(&self, request: async_graphql::Request) -> async_graphql::Request {
        request
            .data(ClientAddr(self.addr.clone()))
            .data(ViewerCell::default())
    }

    /// Admits an operation under the per-connection cap (every operation in flight counts) and,
    /// for a subscription, the per-account cap; `None` beyond them.
    fn admit(&self, subscription: bool) -> Option<(ConnectionSub, Option<Slot>)> {
        if self.subscriptions.fetch_add(1, Ordering::SeqCst) >= MAX_SUBS_PER_CONNECTION {
            self.subscriptions.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        let conn = ConnectionSub(self.subscriptions.clone());
        if !subscription {
            return Some((conn, None));
        }
        let account = match self.auth() {
            AuthState::Token(claims) => Some(take_slot(
                &self.state.ws.per_account,
                &claims.sub,
                MAX_SUBS_PER_ACCOUNT,
            )?),
            _ => None,
        };
        Some((conn, account))
    }
}

fn is_subscription(
    request: &async_graphql::Request,
    doc: Option<&async_graphql::parser::types::ExecutableDocument>,
) -> bool {
    limits::operation_type(request, doc) == Some(OperationType::Subscription)
}

/// Resolves when the session behind `auth` ends: its token expires, it signs out, or every
/// session of its account is ended. Never for an anonymous socket.
fn session_end(state: &AppState, auth: &AuthState) -> BoxFuture<'static, ()> {
    let AuthState::Token(claims) = auth else {
        return std::future::pending().boxed();
    };
    let events = state.bus.subscribe();
    let (account, sid) = (claims.sub.clone(), claims.sid.clone());
    let left = (claims.exp - chrono::Utc::now().timestamp()).max(0);
    let expiry = tokio::time::sleep(Duration::from_secs(left.unsigned_abs()));
    let revoked = bus::wait_for(events, move |e| match e {
        BusEvent::SessionsEnded { account_id } => *account_id == account,
        BusEvent::SessionEnded { session_id } => !sid.is_empty() && *session_id == sid,
        _ => false,
    });
    async move {
        tokio::select! {
            () = expiry => {}
            () = revoked => {}
        }
    }
    .boxed()
}

impl Executor for Guarded {
    async fn execute(&self, request: async_graphql::Request) -> Response {
        let doc = limits::parse(&request);
        if let Err(refused) = limits::check_request(&request, doc.as_ref()) {
            return refused.response();
        }
        let request = limits::with_document(request, doc);
        let mut resp = self.schema.execute(self.prepare(request)).await;
        limits::finalize_errors(&mut resp);
        resp
    }

    fn execute_stream(
        &self,
        request: async_graphql::Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let doc = limits::parse(&request);
        let label = self
            .state
            .metrics
            .label_for(&request, doc.as_ref())
            .to_owned();
        if let Err(refused) = limits::check_request(&request, doc.as_ref()) {
            let mut refused = refused.response();
            let codes = limits::finalize_errors(&mut refused);
            self.state.metrics.observe(&label, 0.0, &codes);
            return futures_util::stream::once(async move { refused }).boxed();
        }
        let subscription = is_subscription(&request, doc.as_ref());
        let guards = {
            match self.admit(subscription) {
                Some(g) => g,
                None => {
                    self.state
                        .metrics
                        .observe(&label, 0.0, &["RATE_LIMITED".into()]);
                    let refused = limits::error_response(
                        "RATE_LIMITED",
                        "too many live subscriptions; close some first",
                        None,
                    );
                    return futures_util::stream::once(async move { refused }).boxed();
                }
            }
        };
        let end = session_end(&self.state, &self.auth());
        let metrics = self.state.metrics.clone();
        let request = self.prepare(limits::with_document(request, doc));
        let responses = match session_data {
            Some(data) => self.schema.execute_stream_with_session_data(request, data),
            None => self.schema.execute_stream(request),
        }
        .map(move |mut resp| {
            // The guards live as long as the stream.
            let _ = &guards;
            let codes = limits::finalize_errors(&mut resp);
            metrics.observe(&label, 0.0, &codes);
            limits::bounded(resp)
        });
        if !subscription {
            // A query or mutation runs to its end (a vote committing as the token expires is
            // answered, not cut off).
            return responses.boxed();
        }
        bus::until(
            responses,
            end,
            limits::error_response(
                "UNAUTHENTICATED",
                "the session has ended; reconnect with a fresh access token",
                None,
            ),
        )
    }
}

/// The WebSocket endpoint.
pub async fn subscriptions(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
) -> actix_web::Result<HttpResponse> {
    let state = state.get_ref().clone();
    let addr = limits::client_addr(&req, &state.settings);
    let Some(address_slot) = take_slot(&state.ws.per_address, &addr, MAX_WS_PER_ADDRESS) else {
        return Ok(HttpResponse::TooManyRequests()
            .content_type("text/plain; charset=utf-8")
            .body("too many connections from this address"));
    };
    let protocol = req
        .headers()
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok())
        .and_then(|list| {
            list.split(',')
                .find_map(|p| Protocols::from_str(p.trim()).ok())
        })
        .unwrap_or(Protocols::GraphQLWS);
    let (mut response, mut session, stream) = actix_ws::handle(&req, payload)?;
    if let Ok(v) = actix_web::http::header::HeaderValue::from_str(protocol.sec_websocket_protocol())
    {
        response
            .headers_mut()
            .insert(actix_web::http::header::SEC_WEBSOCKET_PROTOCOL, v);
    }
    let mut incoming = stream
        .max_frame_size(MAX_WS_MESSAGE)
        .aggregate_continuations()
        .max_continuation_size(MAX_WS_MESSAGE);

    let auth = Arc::new(OnceLock::new());
    let socket_auth = auth.clone();
    let initialised = Arc::new(AtomicBool::new(false));
    let executor = Guarded {
        schema: AppSchema::clone(&schema),
        state: state.clone(),
        addr,
        auth: auth.clone(),
        subscriptions: Arc::new(AtomicUsize::new(0)),
    };
    let (to_graphql, from_client) = tokio::sync::mpsc::channel::<Vec<u8>>(16);
    let init_state = state.clone();
    let init_flag = initialised.clone();
    let mut graphql = WebSocket::new(
        executor,
        tokio_stream::wrappers::ReceiverStream::new(from_client),
        protocol,
    )
    .on_connection_init(move |value: serde_json::Value| async move {
        let token = ["Authorization", "authorization", "token", "accessToken"]
            .iter()
            .find_map(|k| value.get(*k).and_then(|v| v.as_str()).map(str::to_owned));
        // A bad token is kept as such: every operation answers UNAUTHENTICATED, as over HTTP,
        // and the socket counts as anonymous (closed when idle).
        let auth_state = auth_state_from_header(token.as_deref(), &init_state);
        let _ = auth.set(auth_state.clone());
        init_flag.store(true, Ordering::SeqCst);
        let mut data = Data::default();
        data.insert(auth_state);
        Ok(data)
    });

    actix_web::rt::spawn(async move {
        let _address_slot = address_slot;
        let opened = tokio::time::Instant::now();
        let mut last_message = opened;
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        let close = loop {
            tokio::select! {
                msg = incoming.recv() => {
                    // Never wait inside this arm: the queue empties only when the loop polls
                    // `graphql` below, so a full queue means a client flooding messages.
                    let queued = match msg {
                        Some(Ok(actix_ws::AggregatedMessage::Text(ref text))) => {
                            Some(to_graphql.try_send(text.as_bytes().to_vec()))
                        }
                        Some(Ok(actix_ws::AggregatedMessage::Binary(ref bin))) => {
                            Some(to_graphql.try_send(bin.to_vec()))
                        }
                        _ => None,
                    };
                    match queued {
                        Some(Ok(())) => {
                            // Only operations count as activity (not pings).
                            last_message = tokio::time::Instant::now();
                            continue;
                        }
                        Some(Err(tokio::sync::mpsc::error::TrySendError::Full(_))) => {
                            break Some((actix_ws::CloseCode::Policy, "too many messages"));
                        }
                        Some(Err(tokio::sync::mpsc::error::TrySendError::Closed(_))) => break None,
                        None => {}
                    }
                    match msg {
                        Some(Ok(actix_ws::AggregatedMessage::Text(_)))
                        | Some(Ok(actix_ws::AggregatedMessage::Binary(_))) => {}
                        Some(Ok(actix_ws::AggregatedMessage::Ping(p))) => {
                            if session.pong(&p).await.is_err() {
                                break None;
                            }
                        }
                        Some(Ok(actix_ws::AggregatedMessage::Pong(_))) => {}
                        Some(Ok(actix_ws::AggregatedMessage::Close(_))) | None => break None,
                        // Oversized frames or messages, or a broken protocol.
                        Some(Err(_)) => break Some((actix_ws::CloseCode::Size, "message too big")),
                    }
                }
                out = graphql.next() => match out {
                    Some(WsMessage::Text(text)) => {
                        if session.text(text).await.is_err() {
                            break None;
                        }
                    }
                    Some(WsMessage::Close(code, reason)) => {
                        let _ = session
                            .clone()
                            .close(Some(actix_ws::CloseReason {
                                code: actix_ws::CloseCode::Other(code),
                                description: Some(reason),
                            }))
                            .await;
                        return;
                    }
                    None => break None,
                },
                _ = tick.tick() => {
                    let now = tokio::time::Instant::now();
                    if !initialised.load(Ordering::SeqCst) {
                        if now - opened >= INIT_TIMEOUT {
                            break Some((actix_ws::CloseCode::Other(4408), "connection initialisation timeout"));
                        }
                    } else if !matches!(socket_auth.get(), Some(AuthState::Token(_)))
                        && now - last_message >= ANONYMOUS_IDLE
                    {
                        break Some((actix_ws::CloseCode::Other(4401), "idle without sign-in"));
                    }
                }
            }
        };
        let reason = close.map(|(code, text)| actix_ws::CloseReason {
            code,
            description: Some(text.to_owned()),
        });
        let _ = session.close(reason).await;
    });
    Ok(response)
}
