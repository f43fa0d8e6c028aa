//! Calendars (DESIGN §7, §10): one event's `.ics` and a community's feed, RFC 5545 through the
//! `icalendar` crate. Calendar apps cannot send a bearer token, so both are fetched with the
//! viewer's feed token in the URL (`TokenKeys::feed_token`); it reads only the calendars of the
//! account's own communities, and a password reset or deactivation retires it.

use chrono::Duration;
use entity::{account, community, event};
use icalendar::{Calendar, Component, EventLike, EventStatus};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::auth::tokens::TokenKeys;
use crate::auth::Viewer;
use crate::domain::{now, roles};
use crate::error::{AppError, AppResult};
use crate::state::Services;

/// How far back and how many events a community feed carries.
pub const FEED_PAST_DAYS: i64 = 90;
pub const FEED_MAX: u64 = 500;

/// The viewer a feed token stands for: UNAUTHENTICATED for a token that is malformed, forged,
/// or retired by a password reset or deactivation.
pub async fn feed_viewer(state: &Services, token: &str) -> AppResult<Viewer> {
    let id = TokenKeys::feed_account(token).ok_or(AppError::Unauthenticated)?;
    let a = account::Entity::find_by_id(id.to_owned())
        .one(&state.db)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if !state.keys.feed_token_valid(token, &a.id, a.session_epoch) {
        return Err(AppError::Unauthenticated);
    }
    Ok(Viewer::new(a))
}

/// The path of an event's calendar for an account, with its feed token.
pub fn event_path(keys: &TokenKeys, account: &account::Model, event_id: &str) -> String {
    format!(
        "/events/{event_id}.ics?token={}",
        keys.feed_token(&account.id, account.session_epoch)
    )
}

/// The path of a community's calendar feed for an account, with its feed token.
pub fn community_path(keys: &TokenKeys, account: &account::Model, community_id: &str) -> String {
    format!(
        "/communities/{community_id}/events.ics?token={}",
        keys.feed_token(&account.id, account.session_epoch)
    )
}

fn render(name: &str, events: &[event::Model]) -> String {
    let mut cal = Calendar::new();
    cal.name(name);
    for e in events {
        let mut item = icalendar::Event::new();
        item.uid(&format!("{}@jiayuan", e.id))
            .summary(&e.title)
            .location(&e.place)
            .starts(e.starts_at)
            .ends(e.ends_at)
            .timestamp(e.updated_at)
            .status(if e.cancelled_at.is_some() {
                EventStatus::Cancelled
            } else {
                EventStatus::Confirmed
            });
        if !e.description.is_empty() {
            item.description(&e.description);
        }
        cal.push(item.done());
    }
    cal.done().to_string()
}

/// One event's calendar: NOT_FOUND unless the token's account lives in its community.
pub async fn event_ics(state: &Services, token: &str, event_id: &str) -> AppResult<String> {
    let viewer = feed_viewer(state, token).await?;
    let v = super::service::event(&state.db, &viewer, event_id, false).await?;
    let title = v.event.title.clone();
    Ok(render(&title, &[v.event]))
}

/// A community's feed: its events from 90 days ago on, soonest first (cancelled ones marked
/// CANCELLED, so calendars drop them); NOT_FOUND unless the token's account lives there.
pub async fn community_ics(state: &Services, token: &str, community_id: &str) -> AppResult<String> {
    let viewer = feed_viewer(state, token).await?;
    if roles::active_resident(&state.db, &viewer, community_id)
        .await?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    let name = community::Entity::find_by_id(community_id.to_owned())
        .one(&state.db)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    let events = event::Entity::find()
        .filter(event::Column::CommunityId.eq(community_id))
        .filter(event::Column::EndsAt.gt(now() - Duration::days(FEED_PAST_DAYS)))
        .order_by_asc(event::Column::StartsAt)
        .limit(FEED_MAX)
        .all(&state.db)
        .await?;
    Ok(render(&name, &events))
}
