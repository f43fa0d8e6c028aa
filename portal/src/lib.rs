//! Jiayuan's web portal: a Leptos client-side single-page app, compiled to wasm32 and served
//! by the API server at `/`.
//!
//! Reading order: [`app`] (router, header, shared state) → `pages/` (one file per page) →
//! [`api`] (one GraphQL client function and one file per module) → [`i18n`].
//!
//! Invariants:
//! - the portal never depends on `entity` or `sea-orm`: it knows the server only through GraphQL;
//! - every user-visible string comes from `locales/*.json` through `t("key")` / `tf("key", …)`;
//! - `i18n`, `storage`, `session`, `tally` and `api` compile on the host too, so `cargo test -p portal`
//!   runs natively; the UI (`app`, `pages`, `components`) exists only on wasm32.

pub mod api;
pub mod i18n;
pub mod session;
pub mod storage;
pub mod tally;

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod components;
#[cfg(target_arch = "wasm32")]
mod pages;

/// Entry point, run by `init()` in `boot.js` once the module is instantiated.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    // The static "loading" note in index.html is for slow networks only.
    if let Some(note) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("boot-loading"))
    {
        note.remove();
    }
    leptos::mount::mount_to_body(app::App);
}
