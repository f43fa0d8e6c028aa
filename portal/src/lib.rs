//! Jiayuan's web portal: a Leptos client-side single-page app, compiled to wasm32 and served
//! by the API server at `/`.
//!
//! Reading order: [`app`] (what the address shows, header, shared state) and `nav` (the address) → `pages/` (one file per page) →
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
mod modules;
#[cfg(target_arch = "wasm32")]
mod nav;
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                out.push((path.display().to_string(), text));
            }
        }
    }

    /// The build compiles `{:?}` to nothing (`-Zfmt-debug=none`, scripts/build-portal.sh), so
    /// no code outside tests may show or compare Debug output: a `data-mode` attribute built
    /// with `format!("{:?}", …)` would be empty in the browser.
    #[test]
    fn nothing_outside_tests_formats_with_debug() {
        let mut files = Vec::new();
        sources(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        assert!(files.len() > 10, "found too few sources");
        let mut found = Vec::new();
        for (file, text) in files {
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (n, line) in code.lines().enumerate() {
                let line = line.trim_start();
                if line.starts_with("//") {
                    continue;
                }
                if line.contains(":?}") || line.contains(":#?}") {
                    found.push(format!("{file}:{}", n + 1));
                }
            }
        }
        assert!(
            found.is_empty(),
            "Debug formatting outside tests: {found:?}"
        );
    }
}
