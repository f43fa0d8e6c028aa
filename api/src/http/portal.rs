//! Serves the built portal: files from the portal folder, and `index.html` for every client-side
//! route, with a strict Content-Security-Policy (no inline script or style).

use std::path::{Component, Path, PathBuf};

use actix_files::NamedFile;
use actix_web::{http::header, web, HttpRequest, HttpResponse};

use crate::startup::AppState;

pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; \
                       connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

fn safe_join(root: &Path, url_path: &str) -> Option<PathBuf> {
    let rel = Path::new(url_path.trim_start_matches('/'));
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    Some(root.join(rel))
}

pub async fn serve(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if req.method() != actix_web::http::Method::GET && req.method() != actix_web::http::Method::HEAD
    {
        return HttpResponse::MethodNotAllowed().finish();
    }
    let root = &state.settings.portal_dir;
    let path = req.path();
    let looks_like_file = path
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains('.'));
    let file = match safe_join(root, path) {
        Some(p) if p.is_file() => p,
        Some(_) if looks_like_file => {
            return with_csp(
                HttpResponse::NotFound()
                    .content_type("text/plain")
                    .body("not found"),
            )
        }
        None => {
            return with_csp(
                HttpResponse::NotFound()
                    .content_type("text/plain")
                    .body("not found"),
            )
        }
        _ => root.join("index.html"),
    };
    match NamedFile::open(&file) {
        Ok(f) => {
            let mut resp = f.use_etag(true).use_last_modified(true).into_response(&req);
            resp.headers_mut().insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-cache"),
            );
            with_csp(resp)
        }
        Err(_) => with_csp(
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain; charset=utf-8")
                .body("The portal has not been built. Run ./dev build (see README.md)."),
        ),
    }
}

fn with_csp(mut resp: HttpResponse) -> HttpResponse {
    resp.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(CSP),
    );
    resp
}
