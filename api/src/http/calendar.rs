//! Calendars and the attendee export (DESIGN §7, §10).
//!
//! - `GET /events/{id}.ics?token=…` and `GET /communities/{id}/events.ics?token=…`: RFC 5545
//!   calendars for calendar apps, which cannot send a bearer token, so the viewer's feed token
//!   (from `Event.calendarUrl` / `Community.calendarUrl`) rides in the URL. A missing, forged or
//!   retired token is 401; an event or community the account does not belong to is 404.
//! - `GET /events/{id}/attendees.csv` with the access token in the `Authorization` header: the
//!   event's registrations for its organizer, its group's leader and the committee (404 for
//!   anyone else), UTF-8 with a byte-order mark so that Excel opens Chinese text correctly.
//!   Cells that a spreadsheet would read as a formula are prefixed with `'`.

use actix_web::{http::header, web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::graphql::auth_state_from_header;
use crate::auth::load_viewer;
use crate::domain::events::{calendar, read};
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Deserialize)]
pub struct Feed {
    token: Option<String>,
}

fn plain(status: actix_web::http::StatusCode, body: &'static str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/plain; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

fn failure(e: AppError) -> HttpResponse {
    use actix_web::http::StatusCode;
    match e {
        AppError::Unauthenticated => plain(StatusCode::UNAUTHORIZED, "authentication required"),
        AppError::NotFound | AppError::Forbidden => plain(StatusCode::NOT_FOUND, "not found"),
        AppError::RateLimited => plain(StatusCode::TOO_MANY_REQUESTS, "too many requests"),
        e => {
            tracing::warn!(code = e.code(), "calendar or export failed");
            plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}

fn ics(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .body(body)
}

pub async fn event_ics(
    path: web::Path<String>,
    query: web::Query<Feed>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let Some(token) = query.token.as_deref() else {
        return failure(AppError::Unauthenticated);
    };
    match calendar::event_ics(&state, token, &path.into_inner()).await {
        Ok(body) => ics(body),
        Err(e) => failure(e),
    }
}

pub async fn community_ics(
    path: web::Path<String>,
    query: web::Query<Feed>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let Some(token) = query.token.as_deref() else {
        return failure(AppError::Unauthenticated);
    };
    match calendar::community_ics(&state, token, &path.into_inner()).await {
        Ok(body) => ics(body),
        Err(e) => failure(e),
    }
}

/// A cell a spreadsheet will not run as a formula.
fn cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

pub const ATTENDEES_HEADER: [&str; 7] = [
    "序号 No.",
    "姓名 Name",
    "住址 Address",
    "同行人数 Companions",
    "状态 Status",
    "候补位次 Waitlist",
    "签到时间 Checked in (UTC)",
];

/// The export's bytes: a byte-order mark, the header, one line per registration.
pub fn attendees_csv(
    rows: &[(crate::domain::events::service::RegistrationView, String)],
) -> anyhow::Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::from(&b"\xEF\xBB\xBF"[..]));
    out.write_record(ATTENDEES_HEADER)?;
    for (i, (r, place)) in rows.iter().enumerate() {
        let status = serde_json::to_value(r.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        out.write_record([
            (i + 1).to_string(),
            cell(&r.resident.name),
            cell(place),
            r.registration.companions.to_string(),
            status,
            r.position.map(|p| p.to_string()).unwrap_or_default(),
            r.registration
                .checked_in_at
                .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default(),
        ])?;
    }
    out.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

pub async fn attendees(
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
    let event_id = path.into_inner();
    let (_, rows) = match read::attendees(&state.db, &viewer, &event_id).await {
        Ok(found) => found,
        Err(e) => return failure(e),
    };
    match attendees_csv(&rows) {
        Ok(body) => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"attendees-{}.csv\"",
                    event_id
                        .chars()
                        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                        .collect::<String>()
                ),
            ))
            .body(body),
        Err(e) => failure(AppError::Internal(e)),
    }
}
