//! The residents' acts: sign up and cancel. Each runs in one transaction that first locks the
//! event's row, so sign-ups and cancellations of one event take turns and its counters are
//! exact: capacity is never exceeded, waitlist positions never gap or repeat.

use entity::{event, registration};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QuerySelect, Set, TransactionTrait,
};

use super::rules::{self, EventAct, RegistrationStatus};
use super::service::{self, promote, tell, RegistrationView};
use crate::auth::tokens::random_code;
use crate::auth::Viewer;
use crate::domain::notify::{self, NotificationKind, Pending};
use crate::domain::{new_id, now, rate_limit};
use crate::error::{AppError, AppResult};
use crate::state::Services;

/// A check-in code not used yet in the event; the caller holds the event's lock, so no other
/// sign-up of the event can take it meanwhile.
async fn fresh_code<C: ConnectionTrait>(conn: &C, event_id: &str) -> AppResult<String> {
    for _ in 0..8 {
        let code = random_code(rules::CODE_LEN);
        let taken = registration::Entity::find()
            .filter(registration::Column::EventId.eq(event_id))
            .filter(registration::Column::CheckInCode.eq(code.clone()))
            .one(conn)
            .await?
            .is_some();
        if !taken {
            return Ok(code);
        }
    }
    Err(AppError::Internal(anyhow::anyhow!(
        "no free check-in code after 8 tries"
    )))
}

/// Signs the viewer up: CONFIRMED while the party (the resident and their companions) fits the
/// seats left, else WAITLISTED at the end of the queue. A second sign-up returns the active
/// registration unchanged (and `false`: nothing new).
pub async fn sign_up(
    state: &Services,
    viewer: &Viewer,
    event_id: &str,
    companions: Option<i32>,
) -> AppResult<(RegistrationView, bool)> {
    rate_limit::take(
        &state.db,
        &rate_limit::key("signup", viewer.id()),
        state.settings.write_limit.max,
        state.settings.write_limit.window_secs,
    )
    .await?;
    // Under the event's lock only what the decision needs (a rush queues on this row): the
    // event, the viewer's place, and their registrations for it (at most `MAX_SIGN_UPS`).
    let txn = state.db.begin().await?;
    let e = event::Entity::find_by_id(event_id.to_owned())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let Some(me) = crate::domain::roles::active_resident(&txn, viewer, &e.community_id).await?
    else {
        return Err(AppError::NotFound);
    };
    let mine = registration::Entity::find()
        .filter(registration::Column::ResidentId.eq(me.id.clone()))
        .filter(registration::Column::EventId.eq(e.id.clone()))
        .all(&txn)
        .await?;
    if let Some(r) = mine.iter().find(|r| r.active_key.is_some()) {
        txn.commit().await?;
        return Ok((
            service::registration(&state.db, viewer, &r.id).await?,
            false,
        ));
    }
    let standing = rules::Standing {
        member: true,
        manager: false,
        sign_ups: mine.len(),
    };
    rules::check_event(EventAct::SignUp, &e, now(), standing)?;
    let companions = rules::companions(companions, e.companions_allowed)?;
    let e = &e;
    let party = 1 + companions;
    let confirmed = rules::fits(e.capacity, e.seats_taken, party);
    let status = if confirmed {
        RegistrationStatus::Confirmed
    } else {
        RegistrationStatus::Waitlisted
    };
    let at = now();
    let code = fresh_code(&txn, &e.id).await?;
    let r: registration::Model = registration::ActiveModel {
        id: Set(new_id()),
        event_id: Set(e.id.clone()),
        community_id: Set(e.community_id.clone()),
        resident_id: Set(me.id.clone()),
        companions: Set(companions),
        status: Set(status),
        seq: Set(e.next_seq),
        active_key: Set(Some(me.id.clone())),
        check_in_code: Set(code),
        confirmed_at: Set(confirmed.then_some(at)),
        checked_in_at: Set(None),
        checked_in_by: Set(None),
        cancelled_at: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(&txn)
    .await
    .map_err(crate::db::on_unique("you are already signed up"))?;
    let (seats, waiting) = if confirmed {
        (e.seats_taken + party, e.waitlist_count)
    } else {
        (e.seats_taken, e.waitlist_count + 1)
    };
    event::Entity::update_many()
        .col_expr(event::Column::SeatsTaken, Expr::value(seats))
        .col_expr(event::Column::WaitlistCount, Expr::value(waiting))
        .col_expr(event::Column::NextSeq, Expr::value(e.next_seq + 1))
        .col_expr(event::Column::UpdatedAt, Expr::value(at))
        .filter(event::Column::Id.eq(e.id.clone()))
        .exec(&txn)
        .await?;
    // The counters are exact under the lock: a new waitlisted registration is the last in line.
    let position = (!confirmed).then_some(waiting);
    let written = event::Model {
        seats_taken: seats,
        waitlist_count: waiting,
        next_seq: e.next_seq + 1,
        updated_at: at,
        ..e.clone()
    };
    let kind = if confirmed {
        NotificationKind::EventConfirmed
    } else {
        NotificationKind::EventWaitlisted
    };
    let pending = service::tell_accounts(
        &txn,
        e,
        &[viewer.id().to_owned()],
        kind,
        serde_json::json!({}),
    )
    .await?;
    txn.commit().await?;
    notify::publish(&state.bus, pending).await;
    // The answer is built from what the act holds (a rush answers thousands of these).
    let view = service::fresh_registration(&state.db, viewer, me, written, r, position).await?;
    Ok((view, true))
}

/// The registrant cancels before the event starts: a confirmed party's seats go to the earliest
/// waitlisted parties that fit (each told); a waitlisted one leaves the queue.
pub async fn cancel(
    state: &Services,
    viewer: &Viewer,
    registration_id: &str,
) -> AppResult<RegistrationView> {
    let found = service::registration(&state.db, viewer, registration_id).await?;
    if !found.own {
        return Err(AppError::Forbidden);
    }
    let txn = state.db.begin().await?;
    let v = service::event(&txn, viewer, &found.event.event.id, true).await?;
    // Locked: a check-in of the same registration (which locks only this row) waits, or has
    // happened and is seen here.
    let r = registration::Entity::find_by_id(registration_id.to_owned())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    rules::check_cancel(r.status, &v.event, v.at)?;
    let at = now();
    registration::Entity::update_many()
        .col_expr(
            registration::Column::Status,
            Expr::value(RegistrationStatus::Cancelled),
        )
        .col_expr(registration::Column::ActiveKey, Expr::value(None::<String>))
        .col_expr(registration::Column::CancelledAt, Expr::value(Some(at)))
        .col_expr(registration::Column::UpdatedAt, Expr::value(at))
        .filter(registration::Column::Id.eq(r.id.clone()))
        .exec(&txn)
        .await?;
    let e = &v.event;
    let (seats, waiting) = if r.status == RegistrationStatus::Confirmed {
        ((e.seats_taken - r.party()).max(0), e.waitlist_count)
    } else {
        (e.seats_taken, (e.waitlist_count - 1).max(0))
    };
    let promoted = promote(&txn, e, seats, waiting).await?;
    let pending = tell(
        &txn,
        e,
        promoted.into_iter().map(|p| p.resident_id),
        NotificationKind::EventPromoted,
        serde_json::json!({}),
    )
    .await?;
    done(state, txn, viewer, registration_id, pending).await
}

/// Ends an act: commits, announces the notifications, and answers with the registration as the
/// viewer now sees it.
pub(super) async fn done(
    state: &Services,
    txn: sea_orm::DatabaseTransaction,
    viewer: &Viewer,
    registration_id: &str,
    pending: Vec<Pending>,
) -> AppResult<RegistrationView> {
    txn.commit().await?;
    notify::publish(&state.bus, pending).await;
    service::registration(&state.db, viewer, registration_id).await
}
