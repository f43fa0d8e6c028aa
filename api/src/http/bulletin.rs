//! `GET /ballots/{id}/bulletin.csv`: a closed ballot's bulletin as a CSV download, so anyone in
//! the community can recount it with a spreadsheet (DESIGN §10).
//!
//! The same rule as the GraphQL `bulletin` field, through the same domain function
//! (`ballot::service::bulletin`): the access token comes in the `Authorization` header (never in
//! the URL, which ends up in logs and browser history); without one, or with a bad one, 401; a
//! ballot the viewer may not see is 404 (its existence does not leak); an open ballot is 409.
//!
//! Columns: `receipt_hash,option_ids,area`, one line per vote, sorted by receipt hash as the
//! GraphQL list is. A vote with several options (APPROVAL) lists them separated by `;`, so no
//! field ever needs quoting; `area` is m² as a decimal string ("88.50").

use actix_web::{http::header, web, HttpRequest, HttpResponse};

use super::graphql::auth_state_from_header;
use crate::auth::load_viewer;
use crate::domain::ballot::service;
use crate::error::AppError;
use crate::startup::AppState;

pub const HEADER: &str = crate::domain::ballot::notice::BULLETIN_HEADER;

/// The CSV text of a bulletin (rows as `service::bulletin` returns them): the canonical bulletin
/// whose SHA-256 the result notice (公示) publishes.
pub fn render(rows: &[entity::ballot_box::Model]) -> String {
    crate::domain::ballot::notice::bulletin_csv(rows)
}

fn plain(status: actix_web::http::StatusCode, body: &'static str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/plain; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

pub async fn download(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    use actix_web::http::StatusCode;
    let auth = auth_state_from_header(
        req.headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok()),
        &state,
    );
    let viewer = match load_viewer(&state.db, &auth).await {
        Ok(Some(v)) => v,
        Ok(None) | Err(AppError::Unauthenticated) => {
            return plain(StatusCode::UNAUTHORIZED, "authentication required")
        }
        Err(e) => return failure(e),
    };
    let ballot_id = path.into_inner();
    match service::bulletin(&state, &viewer, &ballot_id).await {
        Ok(rows) => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"bulletin-{}.csv\"",
                    ballot_id
                        .chars()
                        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                        .collect::<String>()
                ),
            ))
            .body(render(&rows)),
        Err(e) => failure(e),
    }
}

fn failure(e: AppError) -> HttpResponse {
    use actix_web::http::StatusCode;
    match e {
        AppError::Unauthenticated => plain(StatusCode::UNAUTHORIZED, "authentication required"),
        AppError::NotFound | AppError::Forbidden => plain(StatusCode::NOT_FOUND, "not found"),
        AppError::InvalidState(_) => plain(
            StatusCode::CONFLICT,
            "the bulletin is published when the ballot closes",
        ),
        AppError::Internal(e) => {
            tracing::error!(error = format!("{e:#}"), "bulletin download failed");
            plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
        other => {
            tracing::error!(code = other.code(), "bulletin download failed");
            plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_vote_with_options_separated_by_semicolons() {
        let row = |hash: &str, options: &str, area: i64| entity::ballot_box::Model {
            id: "x".into(),
            ballot_id: "b".into(),
            receipt_hash: hash.into(),
            option_ids: options.into(),
            area,
            pending: false,
            counted_option_ids: Some(options.into()),
        };
        let csv = render(&[row("aa", "o1", 8850), row("bb", "o1,o2", 0)]);
        assert_eq!(
            csv,
            "receipt_hash,option_ids,area\r\naa,o1,88.50\r\nbb,o1;o2,0.00\r\n"
        );
    }
}
