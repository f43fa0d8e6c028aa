//! Events' timed work, run by every replica (`http::background`): each pass over an event is
//! claimed by one conditional update, so it happens once however many replicas run it.

use chrono::Duration;
use entity::{event, registration};
use sea_orm::{
    sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};

use super::rules::RegistrationStatus;
use super::service::tell;
use crate::domain::notify::{self, NotificationKind};
use crate::domain::now;
use crate::error::AppResult;
use crate::state::Services;

/// The day-before reminder of each event starting within 24 hours, to its confirmed
/// registrants. An event created less than a day ahead was just announced: none.
pub async fn remind(state: &Services) -> AppResult<usize> {
    let at = now();
    let due = event::Entity::find()
        .filter(event::Column::RemindedAt.is_null())
        .filter(event::Column::CancelledAt.is_null())
        .filter(event::Column::StartsAt.gt(at))
        .filter(event::Column::StartsAt.lte(at + Duration::hours(24)))
        .order_by_asc(event::Column::StartsAt)
        .limit(100)
        .all(&state.db)
        .await?;
    let mut sent = 0;
    for e in due {
        let txn = state.db.begin().await?;
        let claimed = event::Entity::update_many()
            .col_expr(event::Column::RemindedAt, Expr::value(Some(at)))
            .filter(event::Column::Id.eq(e.id.clone()))
            .filter(event::Column::RemindedAt.is_null())
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
        let fresh = e.starts_at - e.created_at <= Duration::hours(24);
        if !claimed || fresh {
            txn.commit().await?;
            continue;
        }
        let confirmed: Vec<String> = registration::Entity::find()
            .select_only()
            .column(registration::Column::ResidentId)
            .filter(registration::Column::EventId.eq(e.id.clone()))
            .filter(registration::Column::Status.eq(RegistrationStatus::Confirmed))
            .into_tuple()
            .all(&txn)
            .await?;
        let pending = tell(
            &txn,
            &e,
            confirmed,
            NotificationKind::EventReminder,
            serde_json::json!({}),
        )
        .await?;
        txn.commit().await?;
        notify::publish(&state.bus, pending).await;
        sent += 1;
    }
    Ok(sent)
}

/// After an event ends, its unchecked confirmed registrations become NO_SHOW (once).
pub async fn close_ended(state: &Services) -> AppResult<usize> {
    let at = now();
    let due = event::Entity::find()
        .filter(event::Column::ClosedAt.is_null())
        .filter(event::Column::EndsAt.lte(at))
        .limit(100)
        .all(&state.db)
        .await?;
    let mut closed = 0;
    for e in due {
        let txn = state.db.begin().await?;
        let claimed = event::Entity::update_many()
            .col_expr(event::Column::ClosedAt, Expr::value(Some(at)))
            .filter(event::Column::Id.eq(e.id.clone()))
            .filter(event::Column::ClosedAt.is_null())
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
        if claimed {
            registration::Entity::update_many()
                .col_expr(
                    registration::Column::Status,
                    Expr::value(RegistrationStatus::NoShow),
                )
                .col_expr(registration::Column::UpdatedAt, Expr::value(at))
                .filter(registration::Column::EventId.eq(e.id.clone()))
                .filter(registration::Column::Status.eq(RegistrationStatus::Confirmed))
                .exec(&txn)
                .await?;
            closed += 1;
        }
        txn.commit().await?;
    }
    Ok(closed)
}
