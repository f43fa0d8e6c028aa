//! The one GraphQL client function, with the session's refresh logic.
//!
//! `graphql` sends the stored access token. When the server answers `UNAUTHENTICATED` it
//! refreshes the session once (`refreshSession` rotates the pair: the new pair is stored) and
//! retries; when that fails the session ends (tokens cleared, the app sends the viewer to the
//! sign-in page). Concurrent requests that hit an expired token share one refresh, because a
//! rotated refresh token works only once.

use super::documents::session as doc;
use super::{decode, ApiError, Document, ErrorCode};
use crate::session;
use futures::future::{FutureExt, LocalBoxFuture, Shared};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use std::cell::RefCell;

/// Where the server listens (same origin as the portal).
pub const ENDPOINT: &str = "/graphql";

/// A request on behalf of the signed-in viewer: sends the token, refreshes once if needed.
///
/// Every tab of the browser shares the stored pair and any of them may rotate it, which retires
/// the access token the others were sending. So a refused request is sent again whenever the
/// stored access token is newer than the one it carried (another tab, or another request of
/// this one, renewed it meanwhile), and this tab refreshes at most once per request; only a
/// refusal of the newest token after that ends the session.
pub async fn graphql<T: DeserializeOwned>(
    query: Document,
    variables: Value,
) -> Result<T, ApiError> {
    let body = request_body(query, variables);
    let mut refreshed = false;
    for _ in 0..RETRIES {
        let sent_token = session::access_token();
        let error = match send(&body, sent_token.as_deref()).await {
            Err(e) if e.is(ErrorCode::Unauthenticated) && session::has_tokens() => e,
            other => return other,
        };
        let current = session::access_token();
        if current.is_some() && current != sent_token {
            continue;
        }
        if refreshed {
            session::end();
            return Err(error);
        }
        match refresh().await {
            Ok(()) => refreshed = true,
            Err(e) if e.is(ErrorCode::Network) => return Err(e),
            Err(_) => {
                session::end();
                return Err(error);
            }
        }
    }
    // Renewed by other tabs on every try: give up this once, keep the session.
    Err(ApiError::new(ErrorCode::Network))
}

/// How many times one request is sent at most.
const RETRIES: usize = 4;

/// A request that must not carry or refresh a session: sign in, claim an invite, refresh.
pub async fn graphql_anonymous<T: DeserializeOwned>(
    query: Document,
    variables: Value,
) -> Result<T, ApiError> {
    send(&request_body(query, variables), None).await
}

/// A request that carries the token if there is one but never refreshes or ends the session
/// (signing out must not spend the refresh token it is about to revoke).
pub async fn graphql_no_refresh<T: DeserializeOwned>(
    query: Document,
    variables: Value,
) -> Result<T, ApiError> {
    send(
        &request_body(query, variables),
        session::access_token().as_deref(),
    )
    .await
}

fn request_body(query: Document, variables: Value) -> String {
    json!({ "query": query.text(), "variables": variables }).to_string()
}

async fn send<T: DeserializeOwned>(body: &str, token: Option<&str>) -> Result<T, ApiError> {
    let text = transport::post(body, token).await?;
    decode(&text)
}

/// The refresh under way, which every request that needs one awaits.
type SharedRefresh = Shared<LocalBoxFuture<'static, Result<(), ApiError>>>;

thread_local! {
    static REFRESHING: RefCell<Option<SharedRefresh>> = const { RefCell::new(None) };
}

/// Refreshes the session, joining a refresh already under way. `Ok` means a new pair is stored.
pub async fn refresh() -> Result<(), ApiError> {
    let shared = REFRESHING.with(|cell| {
        let mut slot = cell.borrow_mut();
        match slot.as_ref() {
            Some(running) => running.clone(),
            None => {
                let started = refresh_tokens().boxed_local().shared();
                *slot = Some(started.clone());
                started
            }
        }
    });
    let result = shared.clone().await;
    REFRESHING.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.as_ref().is_some_and(|running| running.ptr_eq(&shared)) {
            *slot = None;
        }
    });
    result
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RefreshData {
    refresh_session: TokenPair,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenPair {
    access_token: String,
    refresh_token: String,
}

/// Rotates the pair once for every tab of this browser: the tabs share the stored pair, and a
/// rotated refresh token works only once, so two tabs refreshing at the same moment must not
/// both spend it (the second would be refused and sign both out). The browser's Web Locks
/// (`navigator.locks`) let one tab refresh at a time; a tab that gets the lock after another
/// tab rotated the pair finds a new refresh token stored and uses it as it is.
async fn refresh_tokens() -> Result<(), ApiError> {
    let seen = session::refresh_token();
    #[cfg(target_arch = "wasm32")]
    if let Some(result) =
        transport::with_lock("jiayuan.refresh", rotate_unless_rotated(seen.clone())).await
    {
        return result;
    }
    rotate_unless_rotated(seen).await
}

/// Rotates the pair, unless the stored refresh token is no longer `seen` (another tab
/// rotated it meanwhile: the stored pair is already the new one).
///
/// localStorage reaches the other tabs late (each renderer keeps a copy, updated after the
/// fact), so a tab that gets the refresh lock right after another tab rotated the pair may
/// still read the spent token; spending it again would make the server revoke the session
/// (a reused refresh token means theft). The browser's lock manager answers for every tab at
/// once, so the tab that rotates holds a marker lock named after the spent token for a while,
/// and a tab that finds the marker waits for the new pair instead of spending the old one.
async fn rotate_unless_rotated(seen: Option<String>) -> Result<(), ApiError> {
    let token =
        session::refresh_token().ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated))?;
    if seen.as_deref() != Some(token.as_str()) {
        return Ok(());
    }
    #[cfg(target_arch = "wasm32")]
    if transport::lock_held(&spent_marker(&token)).await {
        return await_new_pair(&token).await;
    }
    let data: RefreshData =
        graphql_anonymous(doc::REFRESH_SESSION, json!({ "refreshToken": token })).await?;
    // Signed out (in this tab or another) while the refresh was on the way: the new pair is
    // not stored, so a signed-out browser never holds a session again.
    if session::refresh_token().as_deref() != Some(token.as_str()) {
        return Err(ApiError::new(ErrorCode::Unauthenticated));
    }
    session::store(
        &data.refresh_session.access_token,
        &data.refresh_session.refresh_token,
    );
    // Held before the refresh lock is released, so the next tab to get that lock sees it.
    #[cfg(target_arch = "wasm32")]
    transport::hold_lock(spent_marker(&token), SPENT_MARKER_MS).await;
    Ok(())
}

/// How long a tab that rotated the pair says so (far longer than localStorage takes to reach
/// the other tabs).
#[cfg(target_arch = "wasm32")]
const SPENT_MARKER_MS: i32 = 30_000;

/// The marker lock's name for a spent refresh token (a hash: lock names are listed to every
/// script of the origin).
#[cfg(any(target_arch = "wasm32", test))]
fn spent_marker(token: &str) -> String {
    let hash = token.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("jiayuan.spent.{hash}")
}

/// Another tab spent `spent` and stored the new pair, which this tab does not see yet: waits
/// (5 s by the clock: a hidden tab's timers run late) until it does. Gone meanwhile means
/// signed out; still not there keeps the session and reports a network failure (the next
/// request tries again).
#[cfg(target_arch = "wasm32")]
async fn await_new_pair(spent: &str) -> Result<(), ApiError> {
    let until = js_sys::Date::now() + 5_000.0;
    while js_sys::Date::now() < until {
        match session::refresh_token() {
            None => return Err(ApiError::new(ErrorCode::Unauthenticated)),
            Some(t) if t != spent => return Ok(()),
            Some(_) => transport::sleep(50).await,
        }
    }
    Err(ApiError::new(ErrorCode::Network))
}

#[cfg(target_arch = "wasm32")]
mod transport {
    use super::{ApiError, ErrorCode, ENDPOINT};
    use gloo_net::http::Request;
    use std::cell::RefCell;
    use std::future::Future;
    use std::rc::Rc;
    use wasm_bindgen::{closure::Closure, JsCast, JsValue};

    /// Runs `work` holding the browser-wide Web Lock `name` (one holder at a time across the
    /// tabs of this origin). `None` when the browser has no Web Locks: the caller runs `work`
    /// without one.
    pub async fn with_lock<T: 'static>(
        name: &str,
        work: impl Future<Output = T> + 'static,
    ) -> Option<T> {
        let locks = locks()?;
        let request = method(&locks, "request")?;
        let out: Rc<RefCell<Option<T>>> = Rc::new(RefCell::new(None));
        let slot = out.clone();
        let work = RefCell::new(Some(work));
        // The lock is held until the promise this callback returns settles.
        let callback = Closure::<dyn FnMut(JsValue) -> js_sys::Promise>::new(move |_lock| {
            let slot = slot.clone();
            let work = work.borrow_mut().take();
            wasm_bindgen_futures::future_to_promise(async move {
                if let Some(work) = work {
                    *slot.borrow_mut() = Some(work.await);
                }
                Ok(JsValue::UNDEFINED)
            })
        });
        let promise = request
            .call2(
                &locks,
                &JsValue::from_str(name),
                callback.as_ref().unchecked_ref(),
            )
            .ok()?
            .dyn_into::<js_sys::Promise>()
            .ok()?;
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        drop(callback);
        let result = out.borrow_mut().take();
        result
    }

    /// Whether a tab of this origin holds the Web Lock `name` now (the lock manager's
    /// snapshot, the same for every tab).
    pub async fn lock_held(name: &str) -> bool {
        let Some(locks) = locks() else {
            return false;
        };
        let Some(query) = method(&locks, "query") else {
            return false;
        };
        let Some(promise) = query
            .call0(&locks)
            .ok()
            .and_then(|p| p.dyn_into::<js_sys::Promise>().ok())
        else {
            return false;
        };
        let Ok(snapshot) = wasm_bindgen_futures::JsFuture::from(promise).await else {
            return false;
        };
        js_sys::Reflect::get(&snapshot, &JsValue::from_str("held"))
            .ok()
            .and_then(|h| h.dyn_into::<js_sys::Array>().ok())
            .is_some_and(|held| {
                held.iter().any(|l| {
                    js_sys::Reflect::get(&l, &JsValue::from_str("name"))
                        .ok()
                        .and_then(|n| n.as_string())
                        .as_deref()
                        == Some(name)
                })
            })
    }

    /// Takes the Web Lock `name` and keeps it for `ms` milliseconds in the background; returns
    /// once the lock manager lists it as held (after at most about a second; at once without
    /// Web Locks).
    pub async fn hold_lock(name: String, ms: i32) {
        if locks().is_none() {
            return;
        }
        let held = name.clone();
        wasm_bindgen_futures::spawn_local(async move {
            with_lock(&name, sleep(ms)).await;
        });
        // By the clock: a hidden tab's timers run late.
        let until = js_sys::Date::now() + 1_000.0;
        while js_sys::Date::now() < until {
            if lock_held(&held).await {
                return;
            }
            sleep(10).await;
        }
    }

    /// Resolves after `ms` milliseconds.
    pub async fn sleep(ms: i32) {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            if let Some(w) = web_sys::window() {
                let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
            }
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }

    fn locks() -> Option<JsValue> {
        web_sys::window()
            .map(|w| w.navigator())
            .and_then(|n| js_sys::Reflect::get(&n, &JsValue::from_str("locks")).ok())
            .filter(|l| !l.is_undefined() && !l.is_null())
    }

    fn method(target: &JsValue, name: &str) -> Option<js_sys::Function> {
        js_sys::Reflect::get(target, &JsValue::from_str(name))
            .ok()?
            .dyn_into::<js_sys::Function>()
            .ok()
    }

    pub async fn post(body: &str, token: Option<&str>) -> Result<String, ApiError> {
        let mut request = Request::post(ENDPOINT).header("Content-Type", "application/json");
        if let Some(token) = token {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        let network = |_| ApiError::new(ErrorCode::Network);
        let response = request
            .body(body.to_string())
            .map_err(network)?
            .send()
            .await
            .map_err(network)?;
        let status = response.status();
        let text = response.text().await.map_err(network)?;
        // A GraphQL error body is decoded whatever the status; anything else is judged by it.
        if !(200..300).contains(&status) && !text.trim_start().starts_with('{') {
            let code = match status {
                429 => ErrorCode::RateLimited,
                401 => ErrorCode::Unauthenticated,
                502..=504 => ErrorCode::Network,
                _ => ErrorCode::Internal,
            };
            return Err(ApiError::new(code));
        }
        Ok(text)
    }
}

/// On the host target there is no browser: tests install a fake server.
#[cfg(not(target_arch = "wasm32"))]
pub mod transport {
    use super::{ApiError, ErrorCode};
    use std::cell::RefCell;

    type Handler = Box<dyn FnMut(&str, Option<&str>) -> Result<String, ApiError>>;

    thread_local! {
        static HANDLER: RefCell<Option<Handler>> = RefCell::new(None);
    }

    /// Answers every request with `handler(body, bearer_token)`.
    pub fn install(handler: impl FnMut(&str, Option<&str>) -> Result<String, ApiError> + 'static) {
        HANDLER.with(|h| *h.borrow_mut() = Some(Box::new(handler)));
    }

    /// Like a real request, the answer comes on a later poll, so concurrent requests interleave.
    pub async fn post(body: &str, token: Option<&str>) -> Result<String, ApiError> {
        YieldOnce(false).await;
        HANDLER.with(|h| match h.borrow_mut().as_mut() {
            Some(handler) => handler(body, token),
            None => Err(ApiError::new(ErrorCode::Network)),
        })
    }

    struct YieldOnce(bool);

    impl std::future::Future for YieldOnce {
        type Output = ();

        fn poll(
            mut self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<()> {
            if self.0 {
                std::task::Poll::Ready(())
            } else {
                self.0 = true;
                cx.waker().wake_by_ref();
                std::task::Poll::Pending
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A document of the tests' own (the fake transport answers it).
    const ME: Document = Document {
        operation: "{ me }",
        fragments: &[],
    };
    use crate::storage;
    use std::cell::Cell;
    use std::future::Future;
    use std::pin::pin;
    use std::rc::Rc;
    use std::task::{Context, Poll, Waker};

    /// The fake transport answers at once, so one poll finishes any of these futures.
    fn block_on<F: Future>(future: F) -> F::Output {
        let mut future = pin!(future);
        let mut cx = Context::from_waker(Waker::noop());
        for _ in 0..1000 {
            if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                return out;
            }
        }
        panic!("future did not finish");
    }

    const UNAUTHENTICATED: &str =
        r#"{"errors":[{"message":"expired","extensions":{"code":"UNAUTHENTICATED"}}]}"#;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Me {
        me: String,
    }

    /// A server whose valid access token is `valid`, which rotates `r1` → (`valid`, `r2`).
    fn install_server(refreshes: Rc<Cell<u32>>, refresh_works: bool) {
        transport::install(move |body, token| {
            if body.contains("refreshSession") {
                refreshes.set(refreshes.get() + 1);
                assert_eq!(token, None, "a refresh must not send the old access token");
                return Ok(if refresh_works && body.contains("\"r1\"") {
                    r#"{"data":{"refreshSession":{"accessToken":"valid","refreshToken":"r2"}}}"#
                        .into()
                } else {
                    UNAUTHENTICATED.into()
                });
            }
            Ok(match token {
                Some("valid") => r#"{"data":{"me":"Wang"}}"#.into(),
                _ => UNAUTHENTICATED.into(),
            })
        });
    }

    /// The server's answer to a refresh: the new pair.
    fn new_pair(access: &str, refresh: &str) -> Result<String, ApiError> {
        Ok(format!(
            r#"{{"data":{{"refreshSession":{{"accessToken":"{access}","refreshToken":"{refresh}"}}}}}}"#
        ))
    }

    fn session_ended_counter() -> Rc<Cell<u32>> {
        let ended = Rc::new(Cell::new(0));
        let seen = ended.clone();
        session::on_ended(move || seen.set(seen.get() + 1));
        ended
    }

    #[test]
    fn a_valid_token_is_sent_as_is() {
        let refreshes = Rc::new(Cell::new(0));
        install_server(refreshes.clone(), true);
        session::store("valid", "r1");
        assert_eq!(
            block_on(graphql::<Me>(ME, json!({}))),
            Ok(Me { me: "Wang".into() })
        );
        assert_eq!(refreshes.get(), 0);
    }

    #[test]
    fn an_expired_token_is_refreshed_once_rotated_and_the_request_retried() {
        let refreshes = Rc::new(Cell::new(0));
        install_server(refreshes.clone(), true);
        let ended = session_ended_counter();
        session::store("expired", "r1");
        assert_eq!(
            block_on(graphql::<Me>(ME, json!({}))),
            Ok(Me { me: "Wang".into() })
        );
        assert_eq!(refreshes.get(), 1);
        assert_eq!(
            storage::get(storage::ACCESS_TOKEN).as_deref(),
            Some("valid")
        );
        assert_eq!(storage::get(storage::REFRESH_TOKEN).as_deref(), Some("r2"));
        assert_eq!(ended.get(), 0);
    }

    #[test]
    fn a_failed_refresh_ends_the_session() {
        let refreshes = Rc::new(Cell::new(0));
        install_server(refreshes.clone(), false);
        let ended = session_ended_counter();
        session::store("expired", "r1");
        let result = block_on(graphql::<Me>(ME, json!({})));
        assert_eq!(
            result.err().map(|e| e.code),
            Some(ErrorCode::Unauthenticated)
        );
        assert_eq!(refreshes.get(), 1);
        assert_eq!(ended.get(), 1);
        assert!(!session::has_tokens());
    }

    #[test]
    fn concurrent_requests_share_one_refresh() {
        let refreshes = Rc::new(Cell::new(0));
        let expired_sends = Rc::new(Cell::new(0));
        let (refreshed, expired) = (refreshes.clone(), expired_sends.clone());
        transport::install(move |body, token| {
            if body.contains("refreshSession") {
                refreshed.set(refreshed.get() + 1);
                return new_pair("valid", "r2");
            }
            if token == Some("expired") {
                expired.set(expired.get() + 1);
            }
            Ok(match token {
                Some("valid") => r#"{"data":{"me":"Wang"}}"#.into(),
                _ => UNAUTHENTICATED.into(),
            })
        });
        session::store("expired", "r1");
        let both =
            futures::future::join(graphql::<Me>(ME, json!({})), graphql::<Me>(ME, json!({})));
        let (a, b) = block_on(both);
        assert!(a.is_ok() && b.is_ok(), "{a:?} {b:?}");
        assert_eq!(
            expired_sends.get(),
            2,
            "both requests went out with the old token"
        );
        assert_eq!(refreshes.get(), 1);
    }

    #[test]
    fn anonymous_requests_neither_send_nor_refresh_tokens() {
        let refreshes = Rc::new(Cell::new(0));
        install_server(refreshes.clone(), true);
        let ended = session_ended_counter();
        session::store("expired", "r1");
        let result = block_on(graphql_anonymous::<Me>(ME, json!({})));
        assert_eq!(
            result.err().map(|e| e.code),
            Some(ErrorCode::Unauthenticated)
        );
        assert_eq!(refreshes.get(), 0);
        assert_eq!(ended.get(), 0);
        assert!(session::has_tokens());
    }

    #[test]
    fn a_network_failure_keeps_the_session() {
        transport::install(|_, _| Err(ApiError::new(ErrorCode::Network)));
        session::store("expired", "r1");
        let result = block_on(graphql::<Me>(ME, json!({})));
        assert_eq!(result.err().map(|e| e.code), Some(ErrorCode::Network));
        assert!(session::has_tokens());
    }

    #[test]
    fn a_retry_refused_because_another_tab_rotated_meanwhile_is_sent_again_not_signed_out() {
        // This tab refreshes to `a1`; before its retry lands, another tab rotates the pair to
        // `a2` (which retires `a1`). The retry is refused, and sent once more with `a2`.
        let refreshes = Rc::new(Cell::new(0));
        let (counted, sends) = (refreshes.clone(), Rc::new(Cell::new(0)));
        let seen = sends.clone();
        transport::install(move |body, token| {
            if body.contains("refreshSession") {
                counted.set(counted.get() + 1);
                return new_pair("a1", "r1");
            }
            seen.set(seen.get() + 1);
            if token == Some("a1") {
                // The other tab's rotation lands while this request is on the way.
                session::store("a2", "r2");
            }
            Ok(match token {
                Some("a2") => r#"{"data":{"me":"Wang"}}"#.into(),
                _ => UNAUTHENTICATED.into(),
            })
        });
        let ended = session_ended_counter();
        session::store("expired", "r0");
        assert_eq!(
            block_on(graphql::<Me>(ME, json!({}))),
            Ok(Me { me: "Wang".into() })
        );
        assert_eq!(refreshes.get(), 1, "this tab rotated once");
        assert_eq!(sends.get(), 3, "expired, a1, a2");
        assert_eq!(ended.get(), 0, "the session survived");
        assert_eq!(storage::get(storage::REFRESH_TOKEN).as_deref(), Some("r2"));
    }

    #[test]
    fn a_refused_retry_with_the_newest_token_ends_the_session() {
        // The refresh worked but the server refuses the new token too (the session was ended
        // on the server): one refresh, one retry, then signed out; no loop.
        let refreshes = Rc::new(Cell::new(0));
        let counted = refreshes.clone();
        transport::install(move |body, _| {
            if body.contains("refreshSession") {
                counted.set(counted.get() + 1);
                return new_pair("a1", "r1");
            }
            Ok(UNAUTHENTICATED.into())
        });
        let ended = session_ended_counter();
        session::store("expired", "r0");
        let result = block_on(graphql::<Me>(ME, json!({})));
        assert_eq!(
            result.err().map(|e| e.code),
            Some(ErrorCode::Unauthenticated)
        );
        assert_eq!(refreshes.get(), 1);
        assert_eq!(ended.get(), 1);
    }

    #[test]
    fn a_sign_out_during_a_refresh_is_not_undone_by_its_answer() {
        let refreshes = Rc::new(Cell::new(0));
        let counted = refreshes.clone();
        transport::install(move |body, _| {
            if body.contains("refreshSession") {
                counted.set(counted.get() + 1);
                // Another tab signs out while this answer is on the way.
                session::clear();
                return new_pair("a1", "r1");
            }
            Ok(UNAUTHENTICATED.into())
        });
        session::store("expired", "r0");
        let result = block_on(graphql::<Me>(ME, json!({})));
        assert_eq!(
            result.err().map(|e| e.code),
            Some(ErrorCode::Unauthenticated)
        );
        assert_eq!(refreshes.get(), 1);
        assert!(
            !session::has_tokens(),
            "the signed-out browser holds no session"
        );
    }

    #[test]
    fn each_refresh_token_has_its_own_spent_marker_which_does_not_show_the_token() {
        let first = spent_marker("r0-secret");
        assert_eq!(
            first,
            spent_marker("r0-secret"),
            "tabs must agree on the name"
        );
        assert_ne!(first, spent_marker("r1-secret"));
        assert!(first.starts_with("jiayuan.spent.") && !first.contains("secret"));
    }

    #[test]
    fn a_tab_that_finds_the_pair_rotated_by_another_tab_does_not_spend_it_again() {
        let refreshes = Rc::new(Cell::new(0));
        install_server(refreshes.clone(), true);
        // This tab saw r0; another tab has since rotated the stored pair to (valid, r1).
        session::store("valid", "r1");
        assert_eq!(block_on(rotate_unless_rotated(Some("r0".into()))), Ok(()));
        assert_eq!(
            refreshes.get(),
            0,
            "the rotated refresh token was spent twice"
        );
        assert_eq!(storage::get(storage::REFRESH_TOKEN).as_deref(), Some("r1"));
        // The tab that saw r1 rotates it.
        assert_eq!(block_on(rotate_unless_rotated(Some("r1".into()))), Ok(()));
        assert_eq!(refreshes.get(), 1);
        assert_eq!(storage::get(storage::REFRESH_TOKEN).as_deref(), Some("r2"));
    }
}
