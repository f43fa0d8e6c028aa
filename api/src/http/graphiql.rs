//! `GET /graphql`: GraphiQL, served entirely from the binary (no CDN: `api/assets/graphiql/`,
//! see its README), under a strict CSP and never inside a frame. Assets are addressed with a
//! content hash (`?v=`), so they can be cached for a year.

use std::sync::LazyLock;

use actix_web::{http::header, web, HttpResponse};
use sha2::{Digest, Sha256};

/// `script-src 'self'` only (the bootstrap is `init.js`, not inline; no `'unsafe-eval'`).
/// Inline styles: GraphiQL injects a few `<style>` elements at run time.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

macro_rules! asset {
    ($name:literal, $ty:expr) => {
        Asset {
            name: $name,
            content_type: $ty,
            body: include_bytes!(concat!("../../assets/graphiql/", $name)),
        }
    };
}

const ASSETS: &[Asset] = &[
    asset!("react.production.min.js", JS),
    asset!("react-dom.production.min.js", JS),
    asset!("graphiql.min.js", JS),
    asset!("graphiql.min.css", CSS),
    asset!("init.js", JS),
    asset!("page.css", CSS),
    asset!("LICENSE-graphiql", TEXT),
    asset!("LICENSE-react", TEXT),
    asset!("LICENSE-react-dom", TEXT),
];

/// Where an asset is served, with its content hash (changes whenever the file does).
fn url(name: &str) -> String {
    let hash = ASSETS
        .iter()
        .find(|a| a.name == name)
        .map(|a| hex::encode(&Sha256::digest(a.body)[..8]))
        .unwrap_or_default();
    format!("/graphql/assets/{name}?v={hash}")
}

static PAGE: LazyLock<String> = LazyLock::new(|| {
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Jiayuan GraphQL</title>
<link rel="stylesheet" href="{graphiql_css}">
<link rel="stylesheet" href="{page_css}">
</head>
<body>
<div id="graphiql" data-endpoint="/graphql" data-subscriptions="/graphql/ws">Loading GraphiQL…</div>
<script src="{react}"></script>
<script src="{react_dom}"></script>
<script src="{graphiql}"></script>
<script src="{init}"></script>
</body>
</html>
"#,
        graphiql_css = url("graphiql.min.css"),
        page_css = url("page.css"),
        react = url("react.production.min.js"),
        react_dom = url("react-dom.production.min.js"),
        graphiql = url("graphiql.min.js"),
        init = url("init.js"),
    )
});

/// `GET /graphql`: the GraphiQL page (endpoint `/graphql`, subscriptions `/graphql/ws`).
pub async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(PAGE.as_str())
}

/// `GET /graphql/assets/{name}`: a vendored file; 404 for any other name.
pub async fn asset(name: web::Path<String>) -> HttpResponse {
    match ASSETS.iter().find(|a| a.name == name.as_str()) {
        Some(a) => HttpResponse::Ok()
            .content_type(a.content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
            .body(a.body),
        None => HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("not found"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_only_its_own_assets() {
        assert!(!PAGE.contains("https://") && !PAGE.contains("http://") && !PAGE.contains("//cdn"));
        for a in ASSETS.iter().filter(|a| a.name.ends_with(".js")) {
            if a.name != "init.js" {
                assert!(PAGE.contains(&url(a.name)), "{}", a.name);
            }
        }
        assert!(PAGE.contains(&url("init.js")));
        assert!(!PAGE.contains("<script>"), "no inline script");
        assert!(ASSETS.iter().all(|a| !a.body.is_empty()));
    }
}
