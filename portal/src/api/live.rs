//! Live updates over WebSocket at `/graphql/ws`, speaking graphql-transport-ws: send
//! `connection_init` with `{"Authorization": "Bearer …"}`, wait for `connection_ack`, send one
//! `subscribe`, read `next` messages (answer `ping` with `pong`).
//!
//! The messages are built and read here on every target (unit-tested natively); the socket
//! itself ([`Live`], wasm32 only) carries one [`Feed`] (a ballot's tally, the viewer's new
//! notifications), reconnects quietly when it closes and, while it cannot get through, calls
//! the feed's poll every 15 seconds instead.

use super::ErrorCode;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

/// Where the server takes subscriptions (same origin as the portal).
pub const PATH: &str = "/graphql/ws";
/// The WebSocket sub-protocol.
pub const PROTOCOL: &str = "graphql-transport-ws";
/// The one subscription a socket carries.
pub const SUBSCRIPTION_ID: &str = "1";
/// How often the fallback re-queries.
pub const POLL_MS: i32 = 15_000;

/// The first message: the access token, as the HTTP header would carry it.
pub fn init_message(token: Option<&str>) -> String {
    let payload = match token {
        Some(token) => json!({ "Authorization": format!("Bearer {token}") }),
        None => json!({}),
    };
    json!({ "type": "connection_init", "payload": payload }).to_string()
}

pub fn subscribe_message(query: &str, variables: Value) -> String {
    json!({
        "id": SUBSCRIPTION_ID,
        "type": "subscribe",
        "payload": { "query": query, "variables": variables },
    })
    .to_string()
}

pub fn pong_message() -> String {
    json!({ "type": "pong" }).to_string()
}

/// A message from the server, with a `next` payload's data decoded as `T`.
#[derive(Debug, PartialEq)]
pub enum ServerMessage<T> {
    Ack,
    Next(T),
    /// A `next` carrying errors, or data the portal cannot read.
    BadNext,
    /// The subscription was refused (e.g. `UNAUTHENTICATED` for an expired token).
    Error(ErrorCode),
    Complete,
    Ping,
    Other,
}

#[derive(Deserialize)]
struct Kind {
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct NextMessage<T> {
    payload: NextPayload<T>,
}

#[derive(Deserialize)]
struct NextPayload<T> {
    #[serde(default = "none")]
    data: Option<T>,
    #[serde(default)]
    errors: Vec<WireError>,
}

fn none<T>() -> Option<T> {
    None
}

#[derive(Deserialize)]
struct ErrorMessage {
    #[serde(default)]
    payload: Vec<WireError>,
}

#[derive(Deserialize)]
struct WireError {
    #[serde(default)]
    extensions: Option<WireExtensions>,
}

#[derive(Deserialize)]
struct WireExtensions {
    #[serde(default)]
    code: Option<String>,
}

fn first_code(errors: &[WireError]) -> Option<ErrorCode> {
    errors
        .first()
        .and_then(|e| e.extensions.as_ref())
        .and_then(|e| e.code.as_deref())
        .map(ErrorCode::from_wire)
}

/// Reads one text frame.
pub fn parse<T: DeserializeOwned>(text: &str) -> ServerMessage<T> {
    let Ok(Kind { kind }) = serde_json::from_str::<Kind>(text) else {
        return ServerMessage::Other;
    };
    match kind.as_str() {
        "connection_ack" => ServerMessage::Ack,
        "ping" => ServerMessage::Ping,
        "complete" => ServerMessage::Complete,
        "next" => match serde_json::from_str::<NextMessage<T>>(text) {
            Ok(NextMessage {
                payload:
                    NextPayload {
                        data: Some(data),
                        errors,
                    },
            }) if errors.is_empty() => ServerMessage::Next(data),
            // The server ends a live subscription whose session ended (token expired, signed
            // out) with UNAUTHENTICATED: the client refreshes and subscribes again.
            Ok(NextMessage {
                payload: NextPayload { errors, .. },
            }) if first_code(&errors) == Some(ErrorCode::Unauthenticated) => {
                ServerMessage::Error(ErrorCode::Unauthenticated)
            }
            _ => ServerMessage::BadNext,
        },
        "error" => {
            let code = serde_json::from_str::<ErrorMessage>(text)
                .ok()
                .and_then(|m| first_code(&m.payload))
                .unwrap_or(ErrorCode::Internal);
            ServerMessage::Error(code)
        }
        _ => ServerMessage::Other,
    }
}

/// The wait before reconnecting after `failures` failed tries in a row: 1 s, 2 s, 4 s … 60 s.
pub fn backoff_ms(failures: u32) -> i32 {
    let exp = failures.saturating_sub(1).min(6);
    (1000i32 << exp).min(60_000)
}

/// `ws://host/graphql/ws` for an `http:` page, `wss://…` for `https:`.
pub fn socket_url(protocol: &str, host: &str) -> String {
    let scheme = if protocol == "https:" { "wss" } else { "ws" };
    format!("{scheme}://{host}{PATH}")
}

/// How the live view is getting its numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveMode {
    Connecting,
    Live,
    /// The socket does not get through: re-querying every 15 s.
    Polling,
}

impl LiveMode {
    /// The mode's name, as the page's `data-mode` attribute shows it.
    pub fn as_str(self) -> &'static str {
        match self {
            LiveMode::Connecting => "connecting",
            LiveMode::Live => "live",
            LiveMode::Polling => "polling",
        }
    }
}

#[cfg(target_arch = "wasm32")]
pub use socket::{Feed, Live};

#[cfg(target_arch = "wasm32")]
mod socket {
    use super::*;
    use crate::session;
    use std::cell::RefCell;
    use std::rc::{Rc, Weak};
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    use web_sys::{CloseEvent, MessageEvent, WebSocket};

    type OnMode = Rc<dyn Fn(LiveMode)>;

    /// What a socket subscribes to and what to do with it.
    pub struct Feed {
        pub query: crate::api::Document,
        pub variables: Value,
        /// A `next` frame, as text: the feed decodes it with [`parse`] into its own type.
        pub on_next: Rc<dyn Fn(&str)>,
        /// Called every [`POLL_MS`] while the socket does not get through (re-query instead).
        pub on_poll: Rc<dyn Fn()>,
        pub on_mode: OnMode,
    }

    struct Inner {
        feed: Feed,
        socket: Option<WebSocket>,
        // The socket's handlers: kept alive while it is open.
        on_open: Option<Closure<dyn FnMut()>>,
        on_message: Option<Closure<dyn FnMut(MessageEvent)>>,
        on_close: Option<Closure<dyn FnMut(CloseEvent)>>,
        /// Handlers of a closed socket. One of them may be running when the socket is closed,
        /// so they are dropped later, when the next socket opens.
        retired: Vec<Box<dyn std::any::Any>>,
        poll: Option<(i32, Closure<dyn FnMut()>)>,
        retry: Option<i32>,
        failures: u32,
        refreshed: bool,
        /// The access token the socket was opened with.
        sent_token: Option<String>,
        stopped: bool,
    }

    /// One live subscription; dropping it does not stop it: call [`Live::stop`].
    pub struct Live(Rc<RefCell<Inner>>);

    impl Live {
        pub fn start(feed: Feed) -> Live {
            let inner = Rc::new(RefCell::new(Inner {
                feed,
                socket: None,
                on_open: None,
                on_message: None,
                on_close: None,
                retired: Vec::new(),
                poll: None,
                retry: None,
                failures: 0,
                refreshed: false,
                sent_token: None,
                stopped: false,
            }));
            connect(&inner);
            Live(inner)
        }

        /// Closes the socket and stops every timer.
        pub fn stop(&self) {
            let mut inner = self.0.borrow_mut();
            inner.stopped = true;
            close_socket(&mut inner);
            stop_polling(&mut inner);
            if let (Some(id), Some(window)) = (inner.retry.take(), web_sys::window()) {
                window.clear_timeout_with_handle(id);
            }
        }
    }

    fn close_socket(inner: &mut Inner) {
        if let Some(socket) = inner.socket.take() {
            socket.set_onopen(None);
            socket.set_onmessage(None);
            socket.set_onclose(None);
            let _ = socket.close();
        }
        if let Some(c) = inner.on_open.take() {
            inner.retired.push(Box::new(c));
        }
        if let Some(c) = inner.on_message.take() {
            inner.retired.push(Box::new(c));
        }
        if let Some(c) = inner.on_close.take() {
            inner.retired.push(Box::new(c));
        }
    }

    fn stop_polling(inner: &mut Inner) {
        if let (Some((id, _)), Some(window)) = (inner.poll.take(), web_sys::window()) {
            window.clear_interval_with_handle(id);
        }
    }

    fn set_mode(inner: &Rc<RefCell<Inner>>, mode: LiveMode) {
        let on_mode = inner.borrow().feed.on_mode.clone();
        on_mode(mode);
    }

    fn connect(inner: &Rc<RefCell<Inner>>) {
        inner.borrow_mut().retired.clear();
        let Some(window) = web_sys::window() else {
            return;
        };
        let location = window.location();
        let url = socket_url(
            &location.protocol().unwrap_or_default(),
            &location.host().unwrap_or_default(),
        );
        let socket = match WebSocket::new_with_str(&url, PROTOCOL) {
            Ok(socket) => socket,
            Err(_) => {
                failed(inner);
                return;
            }
        };
        let weak = Rc::downgrade(inner);
        let on_open = Closure::<dyn FnMut()>::new({
            let weak = weak.clone();
            move || {
                if let Some(inner) = weak.upgrade() {
                    let token = session::access_token();
                    inner.borrow_mut().sent_token = token.clone();
                    send(&inner, &init_message(token.as_deref()));
                }
            }
        });
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new({
            let weak = weak.clone();
            move |event: MessageEvent| {
                if let (Some(inner), Some(text)) = (weak.upgrade(), event.data().as_string()) {
                    received(&inner, &text);
                }
            }
        });
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |_: CloseEvent| {
            if let Some(inner) = weak.upgrade() {
                failed(&inner);
            }
        });
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        let mut state = inner.borrow_mut();
        state.socket = Some(socket);
        state.on_open = Some(on_open);
        state.on_message = Some(on_message);
        state.on_close = Some(on_close);
    }

    fn send(inner: &Rc<RefCell<Inner>>, text: &str) {
        if let Some(socket) = inner.borrow().socket.as_ref() {
            let _ = socket.send_with_str(text);
        }
    }

    fn received(inner: &Rc<RefCell<Inner>>, text: &str) {
        match parse::<serde::de::IgnoredAny>(text) {
            ServerMessage::Ack => {
                let message = {
                    let state = inner.borrow();
                    subscribe_message(&state.feed.query.text(), state.feed.variables.clone())
                };
                send(inner, &message);
                {
                    let mut state = inner.borrow_mut();
                    state.failures = 0;
                    stop_polling(&mut state);
                }
                set_mode(inner, LiveMode::Live);
            }
            ServerMessage::Next(_) => {
                // The session works: a later expiry may refresh again.
                inner.borrow_mut().refreshed = false;
                let on_next = inner.borrow().feed.on_next.clone();
                on_next(text);
            }
            ServerMessage::Ping => send(inner, &pong_message()),
            ServerMessage::Error(ErrorCode::Unauthenticated) if !inner.borrow().refreshed => {
                // The token expired: get a fresh one, then start over.
                inner.borrow_mut().refreshed = true;
                let weak = Rc::downgrade(inner);
                // Another request (or tab) may already have renewed the pair since this socket
                // opened: then reconnect with it, and do not rotate it again (a second rotation
                // would refuse the token other requests are using right now).
                let renewed = {
                    let current = session::access_token();
                    current.is_some() && current != inner.borrow().sent_token
                };
                wasm_bindgen_futures::spawn_local(async move {
                    if !renewed {
                        let _ = crate::api::client::refresh().await;
                    }
                    if let Some(inner) = weak.upgrade() {
                        close_socket(&mut inner.borrow_mut());
                        if !inner.borrow().stopped {
                            connect(&inner);
                        }
                    }
                });
            }
            ServerMessage::Error(_) | ServerMessage::Complete => {
                // Refused or ended by the server: keep the numbers coming by re-querying.
                close_socket(&mut inner.borrow_mut());
                start_polling(inner);
            }
            ServerMessage::BadNext | ServerMessage::Other => {}
        }
    }

    /// The socket closed or could not open: poll meanwhile, and try again after a while.
    fn failed(inner: &Rc<RefCell<Inner>>) {
        let delay = {
            let mut state = inner.borrow_mut();
            if state.stopped {
                return;
            }
            close_socket(&mut state);
            state.failures += 1;
            backoff_ms(state.failures)
        };
        start_polling(inner);
        let weak: Weak<RefCell<Inner>> = Rc::downgrade(inner);
        let retry = Closure::once_into_js(move || {
            if let Some(inner) = weak.upgrade() {
                inner.borrow_mut().retry = None;
                if !inner.borrow().stopped {
                    connect(&inner);
                }
            }
        });
        if let Some(window) = web_sys::window() {
            if let Ok(id) = window
                .set_timeout_with_callback_and_timeout_and_arguments_0(retry.unchecked_ref(), delay)
            {
                inner.borrow_mut().retry = Some(id);
            }
        }
    }

    fn start_polling(inner: &Rc<RefCell<Inner>>) {
        if inner.borrow().poll.is_some() || inner.borrow().stopped {
            return;
        }
        set_mode(inner, LiveMode::Polling);
        let weak = Rc::downgrade(inner);
        let tick = Closure::<dyn FnMut()>::new(move || {
            let Some(inner) = weak.upgrade() else {
                return;
            };
            let on_poll = inner.borrow().feed.on_poll.clone();
            on_poll();
        });
        let Some(window) = web_sys::window() else {
            return;
        };
        if let Ok(id) = window.set_interval_with_callback_and_timeout_and_arguments_0(
            tick.as_ref().unchecked_ref(),
            POLL_MS,
        ) {
            inner.borrow_mut().poll = Some((id, tick));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ballots::{BallotStatus, TallyData};

    #[test]
    fn the_handshake_carries_the_bearer_token() {
        let init: Value = serde_json::from_str(&init_message(Some("abc"))).unwrap_or_default();
        assert_eq!(
            init,
            json!({ "type": "connection_init", "payload": { "Authorization": "Bearer abc" } })
        );
        let sub: Value =
            serde_json::from_str(&subscribe_message("subscription { x }", json!({ "a": 1 })))
                .unwrap_or_default();
        assert_eq!(sub["type"], "subscribe");
        assert_eq!(sub["id"], SUBSCRIPTION_ID);
        assert_eq!(sub["payload"]["variables"]["a"], 1);
    }

    #[test]
    fn server_messages_are_told_apart() {
        assert_eq!(
            parse::<TallyData>(r#"{"type":"connection_ack"}"#),
            ServerMessage::Ack
        );
        assert_eq!(
            parse::<TallyData>(r#"{"type":"ping"}"#),
            ServerMessage::Ping
        );
        assert_eq!(
            parse::<TallyData>(r#"{"id":"1","type":"complete"}"#),
            ServerMessage::Complete
        );
        assert_eq!(parse::<TallyData>("not json"), ServerMessage::Other);
        let refused = r#"{"id":"1","type":"error","payload":[{"message":"x","extensions":{"code":"UNAUTHENTICATED"}}]}"#;
        assert_eq!(
            parse::<TallyData>(refused),
            ServerMessage::Error(ErrorCode::Unauthenticated)
        );
        let failed =
            r#"{"id":"1","type":"next","payload":{"data":null,"errors":[{"message":"x"}]}}"#;
        assert_eq!(parse::<TallyData>(failed), ServerMessage::BadNext);
        let ended = r#"{"id":"1","type":"next","payload":{"data":null,"errors":[{"message":"x","extensions":{"code":"UNAUTHENTICATED"}}]}}"#;
        assert_eq!(
            parse::<TallyData>(ended),
            ServerMessage::Error(ErrorCode::Unauthenticated)
        );
    }

    #[test]
    fn a_next_message_carries_the_tally() {
        let text = r#"{"id":"1","type":"next","payload":{"data":{"ballotTally":{"id":"b","status":"OPEN",
            "closedAt":null,"eligibleCount":9,"eligibleArea":"0.00","turnoutCount":3,"turnoutArea":"0.00",
            "result":null}}}}"#;
        match parse::<TallyData>(text) {
            ServerMessage::Next(data) => {
                assert_eq!(data.ballot_tally.turnout_count, 3);
                assert_eq!(data.ballot_tally.status, BallotStatus::Open);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reconnecting_backs_off_to_a_minute() {
        assert_eq!(backoff_ms(1), 1000);
        assert_eq!(backoff_ms(2), 2000);
        assert_eq!(backoff_ms(4), 8000);
        assert_eq!(backoff_ms(30), 60_000);
    }

    #[test]
    fn the_socket_follows_the_page_scheme() {
        assert_eq!(
            socket_url("https:", "jiayuan.example"),
            "wss://jiayuan.example/graphql/ws"
        );
        assert_eq!(
            socket_url("http:", "127.0.0.1:8080"),
            "ws://127.0.0.1:8080/graphql/ws"
        );
    }
}
