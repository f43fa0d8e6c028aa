//! The portal's navigation: the current path and query as signals, links followed without a
//! page load, and the browser's back and forward buttons.
//!
//! The portal used `leptos_router` for this. Its routes had already gone down to five (sign-in,
//! claim, sign-out, Home and one route for every module page, which [`crate::modules`] names),
//! yet with its matching and view machinery the first screen was 240,282 bytes (brotli) and
//! without it 197,029 (BENCHMARKS.md, 2026-12-06, session 16). What the app needs of a router is here
//! instead, with the names the pages used: [`use_location`], [`use_navigate`],
//! [`use_query_map`].
//!
//! Links are plain `<a href>`: one listener on the window follows a click in place when the link
//! goes to a page of the portal ([`crate::modules::is_portal_path`]). The browser follows it
//! when a modifier key or another button is used, when the link has `download`, a `target`
//! other than `_self` or `rel="external"`, when it goes to another origin or to a path the server
//! answers itself (`/events/<id>.ics`), and when it only jumps within the page (`#main`).

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The current path and query string (`?a=b`, or empty).
#[derive(Clone, Copy)]
pub struct Location {
    pub pathname: ReadSignal<String>,
    pub search: ReadSignal<String>,
    set_pathname: WriteSignal<String>,
    set_search: WriteSignal<String>,
}

impl Location {
    /// Takes the path and query from the browser's address.
    fn sync(&self) {
        let Some(location) = web_sys::window().map(|w| w.location()) else {
            return;
        };
        let pathname = location.pathname().unwrap_or_else(|_| "/".into());
        let search = location.search().unwrap_or_default();
        if self.pathname.with_untracked(|p| *p != pathname) {
            self.set_pathname.set(pathname);
        }
        if self.search.with_untracked(|s| *s != search) {
            self.set_search.set(search);
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct NavigateOptions {
    /// Replace the current history entry instead of adding one.
    pub replace: bool,
    /// Scroll to the top of the new page.
    pub scroll: bool,
}

impl Default for NavigateOptions {
    fn default() -> Self {
        NavigateOptions {
            replace: false,
            scroll: true,
        }
    }
}

/// The query string's values by name (`?status=open` → `get("status") == Some("open")`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Query(Vec<(String, String)>);

impl Query {
    fn parse(search: &str) -> Query {
        let decode = |s: &str| {
            let s = s.replace('+', " ");
            js_sys::decode_uri_component(&s)
                .ok()
                .and_then(|d| d.as_string())
                .unwrap_or(s)
        };
        Query(
            search
                .trim_start_matches('?')
                .split('&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                    (decode(name), decode(value))
                })
                .collect(),
        )
    }

    /// The first value given for `name`.
    pub fn get(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }
}

/// Starts following the address: provides the [`Location`] and listens for link clicks and the
/// back and forward buttons. Called once, by the app.
pub fn provide_location() -> Location {
    let (pathname, set_pathname) = signal(String::new());
    let (search, set_search) = signal(String::new());
    let location = Location {
        pathname,
        search,
        set_pathname,
        set_search,
    };
    location.sync();
    provide_context(location);
    let _ = window_event_listener_untyped("popstate", move |_| location.sync());
    let _ = window_event_listener(leptos::ev::click, move |ev| follow_link(location, ev));
    location
}

pub fn use_location() -> Location {
    expect_context::<Location>()
}

/// Goes to `path` in place, as a followed link does.
pub fn use_navigate() -> impl Fn(&str, NavigateOptions) + Clone {
    let location = use_location();
    move |path, options| go(location, path, options)
}

/// The query string, parsed; follows the address.
pub fn use_query_map() -> Memo<Query> {
    let location = use_location();
    Memo::new(move |_| location.search.with(|s| Query::parse(s)))
}

/// A path of this origin: `/…`, and neither `//host…` nor `/\host…` (which a browser reads as
/// another origin).
fn is_local(path: &str) -> bool {
    path.starts_with('/') && !path[1..].starts_with(['/', '\\'])
}

fn go(location: Location, path: &str, options: NavigateOptions) {
    let Some(window) = web_sys::window() else {
        return;
    };
    if !is_local(path) {
        return;
    }
    let Ok(history) = window.history() else {
        return;
    };
    let url = Some(path);
    let done = if options.replace {
        history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", url)
    } else {
        history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", url)
    };
    if done.is_err() {
        return;
    }
    location.sync();
    if options.scroll {
        window.scroll_to_with_x_and_y(0.0, 0.0);
    }
}

/// A click on a link to a page of the portal: shown in place. Everything else is the browser's.
fn follow_link(location: Location, ev: web_sys::MouseEvent) {
    if ev.default_prevented()
        || ev.button() != 0
        || ev.meta_key()
        || ev.alt_key()
        || ev.ctrl_key()
        || ev.shift_key()
    {
        return;
    }
    let Some(link) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|e| e.closest("a[href]").ok().flatten())
    else {
        return;
    };
    let target = link.get_attribute("target").unwrap_or_default();
    if link.has_attribute("download")
        || link
            .get_attribute("rel")
            .is_some_and(|r| r.split_whitespace().any(|r| r == "external"))
        || !(target.is_empty() || target == "_self")
    {
        return;
    }
    let (Some(href), Some(window)) = (link.get_attribute("href"), web_sys::window()) else {
        return;
    };
    let here = window.location();
    let Ok(base) = here.href() else {
        return;
    };
    let Ok(url) = web_sys::Url::new_with_base(&href, &base) else {
        return;
    };
    if Ok(url.origin()) != here.origin() {
        return;
    }
    let (path, search, hash) = (url.pathname(), url.search(), url.hash());
    if !crate::modules::is_portal_path(&path) {
        return;
    }
    // A jump within the page (`#main`) is the browser's.
    if !hash.is_empty()
        && Ok(&path) == here.pathname().as_ref()
        && Ok(&search) == here.search().as_ref()
    {
        return;
    }
    ev.prevent_default();
    go(
        location,
        &format!("{path}{search}{hash}"),
        NavigateOptions::default(),
    );
}
