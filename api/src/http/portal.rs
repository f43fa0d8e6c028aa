//! Serves the built portal: files from the portal folder, and `index.html` for every client-side
//! route, with a strict Content-Security-Policy (no inline script or style).
//!
//! The build (`portal-pack`) puts every asset under `/assets/<content hash>/` and writes a brotli
//! (`.br`) and a gzip (`.gz`) copy beside each file. Those copies are sent as they are when the
//! browser accepts them (nothing is compressed per request), and files under `/assets/` are
//! cached for a year as immutable: their URL changes whenever their content does. `index.html`
//! is `no-cache`, so a new build is picked up on the next visit.

use std::path::{Component, Path, PathBuf};

use actix_files::NamedFile;
use actix_web::http::header::{self, ContentEncoding};
use actix_web::{web, HttpRequest, HttpResponse};

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
        // Under /assets/ only built files exist; never the app shell (it would be cached as
        // immutable for a year under that URL).
        Some(_) if looks_like_file || path.starts_with("/assets/") => {
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
    let immutable = path.starts_with("/assets/") && file.is_file();
    let (served, encoding) = precompressed(&req, &file);
    match NamedFile::open(&served) {
        Ok(f) => {
            let mut f = f.use_etag(true).use_last_modified(true);
            if let Some(encoding) = encoding {
                // The copy's type is the original file's, not "application/x-brotli".
                f = f
                    .set_content_type(mime_guess::from_path(&file).first_or_octet_stream())
                    .set_content_encoding(encoding)
                    // Not "attachment; filename=index.html.br".
                    .disable_content_disposition();
            }
            let mut resp = f.into_response(&req);
            let headers = resp.headers_mut();
            headers.insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static(if immutable {
                    "public, max-age=31536000, immutable"
                } else {
                    "no-cache"
                }),
            );
            headers.insert(
                header::VARY,
                header::HeaderValue::from_static("accept-encoding"),
            );
            with_csp(resp)
        }
        Err(_) => with_csp(
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain; charset=utf-8")
                .body("The portal has not been built. Run ./dev portal (see README.md)."),
        ),
    }
}

/// The build's precompressed copy of `file` that the browser accepts (brotli first, then gzip),
/// or the file itself.
fn precompressed(req: &HttpRequest, file: &Path) -> (PathBuf, Option<ContentEncoding>) {
    let accepted = req
        .headers()
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|item| {
            let mut parts = item.split(';');
            let name = parts.next()?.trim().to_ascii_lowercase();
            // "br;q=0" refuses brotli.
            let refused = parts.any(|p| {
                let (key, value) = p.split_once('=').unwrap_or((p, ""));
                key.trim().eq_ignore_ascii_case("q")
                    && value.trim().parse::<f32>().is_ok_and(|q| q <= 0.0)
            });
            (!refused).then_some(name)
        })
        .collect::<Vec<_>>();
    for (name, ext, encoding) in [
        ("br", "br", ContentEncoding::Brotli),
        ("gzip", "gz", ContentEncoding::Gzip),
    ] {
        if accepted.iter().any(|a| a == name) {
            let mut copy = file.as_os_str().to_owned();
            copy.push(".");
            copy.push(ext);
            let copy = PathBuf::from(copy);
            if copy.is_file() {
                return (copy, Some(encoding));
            }
        }
    }
    (file.to_path_buf(), None)
}

fn with_csp(mut resp: HttpResponse) -> HttpResponse {
    resp.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(CSP),
    );
    resp
}
