//! Notifications (DESIGN §8): the inbox row, the outbox row for SMS/e-mail, and the live event.
//! Modules only call `emit` inside their transaction and `publish` after it commits.

pub use entity::notification::NotificationKind;
use entity::outbox::OutboxStatus;
use entity::{notification, outbox};
use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Set,
};

use crate::bus::Bus;
use crate::domain::{new_id, now};
use crate::error::AppResult;

/// A notification written but not yet announced (announce after commit).
#[derive(Clone, Debug)]
pub struct Pending {
    pub account_id: String,
    pub notification_id: String,
}

pub async fn emit<C: ConnectionTrait>(
    conn: &C,
    account_id: &str,
    community_id: Option<&str>,
    kind: NotificationKind,
    params: serde_json::Value,
) -> AppResult<Pending> {
    let mut one = emit_many(conn, &[account_id.to_owned()], community_id, kind, params).await?;
    one.pop()
        .ok_or_else(|| anyhow::anyhow!("no notification written").into())
}

/// The same notification to many accounts (e.g. every eligible voter), inserted in batches.
pub async fn emit_many<C: ConnectionTrait>(
    conn: &C,
    account_ids: &[String],
    community_id: Option<&str>,
    kind: NotificationKind,
    params: serde_json::Value,
) -> AppResult<Vec<Pending>> {
    let at = now();
    let params = params.to_string();
    let mut pending = Vec::with_capacity(account_ids.len());
    for chunk in account_ids.chunks(200) {
        let mut notes = Vec::with_capacity(chunk.len());
        let mut outs = Vec::with_capacity(chunk.len());
        for account_id in chunk {
            let id = new_id();
            notes.push(notification::ActiveModel {
                id: Set(id.clone()),
                account_id: Set(account_id.clone()),
                community_id: Set(community_id.map(str::to_owned)),
                kind: Set(kind),
                params: Set(params.clone()),
                created_at: Set(at),
                read_at: Set(None),
            });
            outs.push(outbox::ActiveModel {
                id: Set(new_id()),
                notification_id: Set(id.clone()),
                channel: Set("SMS".into()),
                status: Set(OutboxStatus::Pending),
                attempts: Set(0),
                created_at: Set(at),
                sent_at: Set(None),
            });
            pending.push(Pending {
                account_id: account_id.clone(),
                notification_id: id,
            });
        }
        notification::Entity::insert_many(notes).exec(conn).await?;
        outbox::Entity::insert_many(outs).exec(conn).await?;
    }
    Ok(pending)
}

/// Announces notifications written by a committed transaction: packed into a few events (a
/// ballot opened for 20,000 households is about 230 events, in 3 statements on PostgreSQL).
pub async fn publish(bus: &Bus, pending: impl IntoIterator<Item = Pending>) {
    let events = crate::bus::notification_events(
        pending
            .into_iter()
            .map(|p| (p.account_id, p.notification_id)),
    );
    bus.publish_all(events).await;
}

/// Outbox rows one statement claims, and statements per run of the background job: a run
/// delivers up to 10,000 messages (opening a ballot for 20,000 households queues one each), and
/// a larger backlog waits for the next run rather than holding up the job's other work.
const OUTBOX_BATCH: u64 = 500;
const OUTBOX_BATCHES_PER_RUN: usize = 20;

/// Delivers pending outbox rows, oldest first. The default sender only logs (ids and kinds, never
/// phones or text). Rows are claimed `OUTBOX_BATCH` at a time by one conditional update that
/// returns them: a row still PENDING when the update reaches it is claimed, so two replicas
/// running at once never send one twice (on PostgreSQL the second waits for the first's row
/// locks, sees SENT and skips the row; a run that claims less than a batch stops, leaving the
/// rest to the run that is ahead of it). A claimed row is marked SENT before it is handed to the
/// sender: a real sender must put back (to PENDING) the rows it could not deliver, or a failure
/// mid-batch loses up to a batch of messages.
pub async fn deliver_outbox(db: &DatabaseConnection) -> AppResult<usize> {
    let mut sent = 0;
    for _ in 0..OUTBOX_BATCHES_PER_RUN {
        let oldest = outbox::Entity::find()
            .select_only()
            .column(outbox::Column::Id)
            .filter(outbox::Column::Status.eq(OutboxStatus::Pending))
            .order_by_asc(outbox::Column::CreatedAt)
            .limit(OUTBOX_BATCH)
            .into_query();
        let claimed = outbox::Entity::update_many()
            .col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Sent))
            .col_expr(
                outbox::Column::Attempts,
                Expr::col(outbox::Column::Attempts).add(1),
            )
            .col_expr(outbox::Column::SentAt, Expr::value(now()))
            .filter(outbox::Column::Id.in_subquery(oldest))
            .filter(outbox::Column::Status.eq(OutboxStatus::Pending))
            .exec_with_returning(db)
            .await?;
        for row in &claimed {
            tracing::info!(outbox_id = %row.id, channel = %row.channel, "log sender: message delivered");
        }
        sent += claimed.len();
        if (claimed.len() as u64) < OUTBOX_BATCH {
            break;
        }
    }
    Ok(sent)
}

/// The inbox, newest first: at most `first` items after the cursor, and whether more follow.
pub async fn inbox(
    db: &DatabaseConnection,
    account_id: &str,
    first: u64,
    after: Option<(chrono::DateTime<chrono::Utc>, String)>,
) -> AppResult<(Vec<notification::Model>, bool)> {
    let q = notification::Entity::find().filter(notification::Column::AccountId.eq(account_id));
    let rows = crate::db::descending_after(
        q,
        (notification::Column::CreatedAt, notification::Column::Id),
        after.as_ref(),
        first,
    )
    .all(db)
    .await?;
    Ok(crate::db::split_page(rows, first))
}

pub async fn unread_count(db: &DatabaseConnection, account_id: &str) -> AppResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(notification::Entity::find()
        .filter(notification::Column::AccountId.eq(account_id))
        .filter(notification::Column::ReadAt.is_null())
        .count(db)
        .await?)
}

/// Another account's notification is answered as not found.
pub async fn find_own(
    db: &DatabaseConnection,
    account_id: &str,
    id: &str,
) -> AppResult<notification::Model> {
    notification::Entity::find_by_id(id.to_owned())
        .filter(notification::Column::AccountId.eq(account_id))
        .one(db)
        .await?
        .ok_or(crate::error::AppError::NotFound)
}

pub async fn mark_read(
    db: &DatabaseConnection,
    account_id: &str,
    id: &str,
) -> AppResult<notification::Model> {
    let n = find_own(db, account_id, id).await?;
    if n.read_at.is_some() {
        return Ok(n);
    }
    let mut active: notification::ActiveModel = n.into();
    active.read_at = Set(Some(now()));
    Ok(active.update(db).await?)
}

pub async fn mark_all_read(db: &DatabaseConnection, account_id: &str) -> AppResult<u64> {
    let res = notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(now()))
        .filter(notification::Column::AccountId.eq(account_id))
        .filter(notification::Column::ReadAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}
