//! Casting and changing votes, and paper ballots: append-only (no counter is updated; `tally`
//! folds the box rows in), under the ballot row's shared lock, so closing orders against them.

use super::rules::VoterId;
use entity::ballot_participation::VoteChannel;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{ballot, ballot_box, ballot_option, ballot_participation, ballot_voter};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
    TransactionTrait,
};

use super::rules::{self, VoteMethod};
use super::service::*;
use crate::auth::{Reader, Viewer};
use crate::bus::BusEvent;
use crate::domain::{audit, new_id, now, rate_limit, roles};
use crate::error::{AppError, AppResult};
use crate::state::Services;

/// Checks a choice against the ballot's method; returns the option ids sorted (pure).
pub fn validate_choice(
    method: VoteMethod,
    max_choices: i32,
    options: &[ballot_option::Model],
    chosen: &[String],
) -> AppResult<Vec<String>> {
    let bad = |m: &str| AppError::bad_input("optionIds", m.to_owned());
    let mut ids: Vec<String> = chosen.to_vec();
    ids.sort();
    ids.dedup();
    if ids.is_empty() || ids.len() != chosen.len() {
        return Err(bad("choose at least one option, each once"));
    }
    let by_id: HashMap<&str, &ballot_option::Model> =
        options.iter().map(|o| (o.id.as_str(), o)).collect();
    let mut alone = false;
    for id in &ids {
        let o = by_id
            .get(id.as_str())
            .ok_or_else(|| bad("not an option of this ballot"))?;
        alone |= rules::stands_alone(o.role);
    }
    if alone && ids.len() > 1 {
        return Err(bad("an abstention cannot be combined with other options"));
    }
    let limit = rules::choice_limit(method, max_choices);
    if ids.len() > limit {
        return Err(bad(&format!("choose at most {limit} option(s)")));
    }
    Ok(ids)
}

/// The one place that decides whether a ballot takes votes and changes: OPEN, before `closesAt`.
pub fn is_open(b: &ballot::Model, now: DateTime<Utc>) -> bool {
    open_at(b.status, b.closes_at, now)
}

/// [`is_open`] for a read of a ballot's status and closing time alone.
pub fn open_at(status: BallotStatus, closes_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    status == BallotStatus::Open && closes_at > now
}

/// OPEN but past `closesAt`: the next read closes it.
pub fn is_due(b: &ballot::Model, now: DateTime<Utc>) -> bool {
    b.status == BallotStatus::Open && b.closes_at <= now
}

/// The one answer to an act on a ballot that no longer takes it (closed, cancelled or past
/// `closesAt`): INVALID_STATE.
pub fn not_open() -> AppError {
    AppError::invalid_state("the ballot is no longer open")
}

/// Reads a ballot the viewer may see with its row locked SHARED for the rest of the transaction
/// (PostgreSQL; SQLite runs one transaction at a time): votes on one ballot run side by side,
/// while closing, cancelling and folding, which take it exclusively, wait for them and are waited
/// for. NOT_FOUND when invisible, then INVALID_STATE when it no longer takes votes.
async fn lock_open_ballot<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    ballot_id: &str,
) -> AppResult<ballot::Model> {
    let b = ballot::Entity::find_by_id(ballot_id.to_owned())
        .lock_shared()
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    roles::can_see_community(conn, viewer, &b.community_id).await?;
    if !is_open(&b, now()) {
        return Err(not_open());
    }
    Ok(b)
}

/// What a vote needs of its ballot, read in one statement: the ballot with its row locked
/// SHARED for the rest of the transaction (PostgreSQL), the voter rows among the viewer's
/// places and their households ([`candidates`]: the ballot's electorate says which one votes)
/// and its options in order.
struct ForVote {
    ballot: ballot::Model,
    voters: Vec<ballot_voter::Model>,
    options: Vec<ballot_option::Model>,
}

/// `voter_id` among the voter rows a vote may use: the account's live places and their
/// households, read in the vote's own statement (ids are random: no other community's can
/// match). `voter_id_of` then picks the voter from the viewer's places, and it must be among
/// the rows found: these only narrow the choice. When the request read its viewer before, they
/// are read afresh while the viewer's places are the request's: a place lost in between is a
/// FORBIDDEN, never a vote it should not be.
fn candidates(account_id: &str, voter_id: sea_orm::sea_query::Expr) -> sea_orm::sea_query::Expr {
    use entity::resident;
    use sea_orm::sea_query::{ExprTrait, Query, UnionType};
    let places = |col: resident::Column| {
        let mut q = Query::select();
        q.column(col)
            .from(resident::Entity)
            .and_where(resident::Column::AccountId.eq(account_id))
            .cond_where(roles::live_place());
        q
    };
    let mut ids = places(resident::Column::Id);
    ids.union(UnionType::All, places(resident::Column::HouseholdId));
    voter_id.in_subquery(ids)
}

/// What a vote reads before it writes, in one round trip: the viewer (unless the request read
/// it before), the vote counted against the viewer's write limit (its count, for
/// [`rate_limit::verdict`]), and [`ForVote`] (`None`: no such ballot). Nothing is decided
/// here; the caller checks them in that order.
///
/// PostgreSQL: one statement. The count is a common table expression, and so is the ballot
/// locked FOR SHARE, joined to the count's one row so that a count comes back even when the
/// ballot does not; the account statement is a third, materialized (its subqueries run once),
/// and its columns (`viewer_…`) sit beside each row. SQLite has no INSERT in a WITH: the
/// count, the account statement and the read are one command of three statements
/// ([`crate::db::sqlite_batch`]).
async fn read_for_vote<C: ConnectionTrait>(
    conn: &C,
    reader: &Reader<'_>,
    limit: &crate::config::WriteLimit,
    ballot_id: &str,
) -> AppResult<(Viewer, i32, Option<ForVote>)> {
    use crate::auth::ViewerRead;
    use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, JoinType, LockType, Query};
    let backend = conn.get_database_backend();
    let account_id = reader.account_id()?;
    let count =
        rate_limit::count_statement(&rate_limit::key("write", account_id), limit.window_secs);
    let (known, account) = match reader.viewer_read(backend)? {
        ViewerRead::Known(viewer) => (Some(viewer), None),
        ViewerRead::Statement(stmt) => (None, Some(stmt)),
    };
    if backend == sea_orm::DbBackend::Postgres {
        let (b, counted, viewer) = (Alias::new("b"), Alias::new("counted"), Alias::new("viewer"));
        let mut locked = Query::select();
        locked
            .column(Asterisk)
            .from(ballot::Entity)
            .and_where(Expr::col((ballot::Entity, ballot::Column::Id)).eq(ballot_id))
            .lock(LockType::Share);
        let mut q = for_vote_select(account_id, |q| {
            q.expr_as(
                Expr::col((counted.clone(), entity::rate_limit::Column::Count)),
                Alias::new("write_count"),
            )
            .from(counted.clone())
            .join(JoinType::LeftJoin, b.clone(), Expr::cust("TRUE"));
        });
        let mut ctes = vec![crate::db::cte(counted, count), crate::db::cte(b, locked)];
        if let Some(mut account) = account.map(|a| *a) {
            account.limit(1);
            let mut cte = crate::db::cte(viewer.clone(), account);
            cte.materialized(true);
            ctes.push(cte);
            q.column((viewer.clone(), Asterisk)).join(
                JoinType::LeftJoin,
                viewer,
                Expr::cust("TRUE"),
            );
        }
        let rows = conn
            .query_all_raw(backend.build(&crate::db::with_query(ctes, q)))
            .await?;
        let first = rows
            .first()
            .ok_or_else(|| anyhow::anyhow!("the vote's statement returned no row"))?;
        let count = first.try_get::<i32>("", "write_count")?;
        let viewer = match known {
            Some(viewer) => viewer,
            None => reader.viewer_from_joined_row(first)?,
        };
        return Ok((viewer, count, for_vote(&rows)?));
    }
    let q = for_vote_select(account_id, |q| {
        q.from_as(ballot::Entity, Alias::new("b"))
            .and_where(Expr::col((Alias::new("b"), ballot::Column::Id)).eq(ballot_id));
    });
    let batch = crate::db::sqlite_batch(
        [
            Some(backend.build(&count)),
            account.map(|a| backend.build(&*a)),
            Some(backend.build(&q)),
        ]
        .into_iter()
        .flatten(),
    );
    let rows = conn.query_all_raw(batch).await?;
    // The count's one row, the viewer's (unless read before, or the account is gone), then
    // the read's.
    let (count_row, rest) = rows
        .split_first()
        .ok_or_else(|| anyhow::anyhow!("the write limit's count returned no row"))?;
    let count = count_row.try_get_by_index::<i32>(0)?;
    let (viewer, rest) = match known {
        Some(viewer) => (viewer, rest),
        None => match rest.split_first() {
            Some((row, rest)) if Reader::is_viewer_row(row) => {
                (reader.viewer_from_row(Some(row))?, rest)
            }
            _ => (reader.viewer_from_row(None)?, rest),
        },
    };
    Ok((viewer, count, for_vote(rest)?))
}

/// The vote's read of its ballot `b`, voter rows `v` and options `o`, their columns prefixed
/// with `b_`, `v_` and `o_`; `from` names where the ballot comes from (before the joins).
fn for_vote_select(
    account_id: &str,
    from: impl FnOnce(&mut sea_orm::sea_query::SelectStatement),
) -> sea_orm::sea_query::SelectStatement {
    use crate::db::select_prefixed;
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Order, Query};
    let (b, v, o) = (Alias::new("b"), Alias::new("v"), Alias::new("o"));
    let mut q = Query::select();
    select_prefixed::<ballot::Entity>(&mut q, &b, "b_");
    select_prefixed::<ballot_voter::Entity>(&mut q, &v, "v_");
    select_prefixed::<ballot_option::Entity>(&mut q, &o, "o_");
    from(&mut q);
    q.join_as(
        JoinType::LeftJoin,
        ballot_voter::Entity,
        v.clone(),
        Expr::col((v.clone(), ballot_voter::Column::BallotId))
            .equals((b.clone(), ballot::Column::Id))
            .and(candidates(
                account_id,
                Expr::col((v.clone(), ballot_voter::Column::VoterId)),
            )),
    );
    q.join_as(
        JoinType::LeftJoin,
        ballot_option::Entity,
        o.clone(),
        Expr::col((o.clone(), ballot_option::Column::BallotId))
            .equals((b.clone(), ballot::Column::Id)),
    );
    q.order_by((o.clone(), ballot_option::Column::Position), Order::Asc);
    q
}

/// [`ForVote`] from the rows of [`for_vote_select`] (`None`: no ballot).
fn for_vote(rows: &[sea_orm::QueryResult]) -> AppResult<Option<ForVote>> {
    use sea_orm::FromQueryResult;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    if first.try_get::<Option<String>>("b_", "id")?.is_none() {
        return Ok(None);
    }
    let ballot = ballot::Model::from_query_result(first, "b_")?;
    let mut voters: Vec<ballot_voter::Model> = Vec::new();
    let mut options: Vec<ballot_option::Model> = Vec::new();
    for row in rows {
        if row.try_get::<Option<String>>("v_", "id")?.is_some() {
            let voter = ballot_voter::Model::from_query_result(row, "v_")?;
            if !voters.iter().any(|x| x.id == voter.id) {
                voters.push(voter);
            }
        }
        if row.try_get::<Option<String>>("o_", "id")?.is_some() {
            let option = ballot_option::Model::from_query_result(row, "o_")?;
            if !options.iter().any(|x| x.id == option.id) {
                options.push(option);
            }
        }
    }
    Ok(Some(ForVote {
        ballot,
        voters,
        options,
    }))
}

/// Records a vote: participation (who) and the ballot box (what) in one transaction, with no
/// shared key, under the ballot's shared lock (`read_for_vote`, `lock_open_ballot`).
/// Append-only: no counter is updated; the box row is `pending` until a fold counts it
/// (`tally`). A named vote also records whose box row it is (`named`). On PostgreSQL the rows
/// go in one statement (the participation and the named row as common tables of the box's
/// INSERT); SQLite has no INSERT in a WITH and takes one each, sent as one command
/// ([`crate::db::sqlite_batch`]). Returns the receipt code, shown once.
async fn record<C: ConnectionTrait>(
    conn: &C,
    b: &ballot::Model,
    voter: &ballot_voter::Model,
    channel: VoteChannel,
    cast_by: &str,
    option_ids: &[String],
) -> AppResult<String> {
    use sea_orm::sea_query::Alias;
    use sea_orm::QueryTrait;
    let already = || crate::db::on_unique("this voter has already voted");
    let participation = ballot_participation::Entity::insert(ballot_participation::ActiveModel {
        id: Set(new_id()),
        ballot_id: Set(b.id.clone()),
        voter_id: Set(voter.voter_id.clone()),
        channel: Set(channel),
        cast_by: Set(cast_by.to_owned()),
    })
    .into_query();
    let receipt = crate::auth::tokens::random_code(RECEIPT_LEN);
    let box_id = new_id();
    let ballot_box = ballot_box::Entity::insert(ballot_box::ActiveModel {
        id: Set(box_id.clone()),
        ballot_id: Set(b.id.clone()),
        receipt_hash: Set(crate::auth::tokens::sha256_hex(&receipt)),
        option_ids: Set(option_ids.join(",")),
        area: Set(voter.area),
        pending: Set(true),
        counted_option_ids: Set(None),
    })
    .into_query();
    // A named vote (non-secret ballot) records whose choice this is; a secret one never does.
    let named = rules::is_named(b.secret)
        .then(|| super::named::record_statement(&b.id, &voter.voter_id, &box_id));
    let backend = conn.get_database_backend();
    if backend == sea_orm::DbBackend::Postgres {
        let mut ctes = vec![crate::db::cte(Alias::new("participation"), participation)];
        if let Some(named) = named {
            ctes.push(crate::db::cte(Alias::new("named"), named));
        }
        // The box's and the named row's unique indexes (a receipt per ballot, a voter per named
        // roll) cannot be broken by a voter who has not voted: 20 random characters, and one
        // participation per voter first.
        conn.execute_raw(backend.build(&crate::db::with_query(ctes, ballot_box)))
            .await
            .map_err(already())?;
    } else {
        // One command: participation first, so that a second vote fails there, before the box.
        let batch = crate::db::sqlite_batch(
            [Some(participation), Some(ballot_box), named]
                .into_iter()
                .flatten()
                .map(|stmt| backend.build(&stmt)),
        );
        conn.execute_raw(batch).await.map_err(already())?;
    }
    Ok(receipt)
}

/// Casts the viewer's vote, or with a receipt replaces the vote that receipt belongs to.
pub async fn cast(
    state: &Services,
    reader: &Reader<'_>,
    ballot_id: &str,
    option_ids: &[String],
    receipt: Option<&str>,
) -> AppResult<String> {
    // One transaction from the start, the viewer's account read in it too: each statement
    // outside it would queue for a pooled connection again (SQLite has one), which costs more
    // under a rush than the statements.
    let txn = state.db.begin().await?;
    // Votes and vote changes share a resident's write budget (each one moves every live tally),
    // counted in the statement that takes the ballot's shared lock: it stays taken until this
    // transaction ends.
    let limit = state.settings.write_limit;
    let (viewer, count, found) = read_for_vote(&txn, reader, &limit, ballot_id).await?;
    let viewer = &viewer;
    rate_limit::verdict(count, limit.max)?;
    let found = found.ok_or(AppError::NotFound)?;
    let b = found.ballot;
    roles::can_see_community(&txn, viewer, &b.community_id).await?;
    if !is_open(&b, now()) {
        return Err(not_open());
    }
    let voter_id = voter_id_of(&txn, viewer, &b)
        .await?
        .ok_or(AppError::Forbidden)?;
    let voter = found
        .voters
        .into_iter()
        .find(|v| v.voter_id == voter_id.as_str())
        .ok_or(AppError::Forbidden)?;
    let options = found.options;
    let chosen = validate_choice(b.method, b.max_choices, &options, option_ids)?;
    let receipt = match receipt {
        None => record(&txn, &b, &voter, VoteChannel::Online, viewer.id(), &chosen).await?,
        Some(code) => {
            let code = crate::auth::tokens::normalize_code(code);
            let no_such =
                || AppError::bad_input("receipt", "no vote on this ballot has this receipt");
            if !has_participated(&txn, &b.id, &voter.voter_id).await? {
                return Err(AppError::bad_input(
                    "receipt",
                    "you have not voted on this ballot yet",
                ));
            }
            // The box row locked, so two changes with one receipt apply one after the other.
            let row = ballot_box::Entity::find()
                .filter(ballot_box::Column::BallotId.eq(b.id.clone()))
                .filter(ballot_box::Column::ReceiptHash.eq(crate::auth::tokens::sha256_hex(&code)))
                .lock_exclusive()
                .one(&txn)
                .await?
                .ok_or_else(no_such)?;
            // A named vote is changed only by its own voter, so the named roll stays right.
            if rules::is_named(b.secret)
                && !super::named::is_voters_box(&txn, &b.id, &voter.voter_id, &row.id).await?
            {
                return Err(no_such());
            }
            // The counters keep what they counted (`counted_option_ids`) until the next fold.
            // A row already folded holds what the counters hold; say so explicitly (a row written
            // before append-only votes has no `counted_option_ids` yet is counted).
            let counted = match row.pending {
                false => Some(row.option_ids.clone()),
                true => row.counted_option_ids.clone(),
            };
            let mut active: ballot_box::ActiveModel = row.into();
            active.option_ids = Set(chosen.join(","));
            active.counted_option_ids = Set(counted);
            active.pending = Set(true);
            active.update(&txn).await?;
            code
        }
    };
    txn.commit().await?;
    state
        .bus
        .publish(BusEvent::BallotTally {
            ballot_id: b.id.clone(),
        })
        .await;
    Ok(receipt)
}

/// The committee records a paper ballot for an eligible voter who has not voted online.
pub async fn record_paper(
    state: &Services,
    viewer: &Viewer,
    ballot_id: &str,
    voter_id: &str,
    option_ids: &[String],
) -> AppResult<()> {
    let txn = state.db.begin().await?;
    let b = visible(&txn, viewer, ballot_id).await?;
    roles::can_manage_roster(&txn, viewer, &b.community_id).await?;
    let b = lock_open_ballot(&txn, viewer, &b.id).await?;
    let voter = eligible_voter(
        &txn,
        &b.id,
        &VoterId::stored(b.electorate, voter_id.to_owned()),
    )
    .await?
    .ok_or_else(|| AppError::bad_input("voterId", "not in this ballot's electorate"))?;
    let options = options_of(&txn, &b.id).await?;
    let chosen = validate_choice(b.method, b.max_choices, &options, option_ids)?;
    // The paper's receipt is not handed to anyone; its hash still enters the bulletin.
    record(&txn, &b, &voter, VoteChannel::Paper, viewer.id(), &chosen).await?;
    audit::append(
        &txn,
        &state.audit,
        audit::Entry {
            actor_id: Some(viewer.id()),
            community_id: Some(&b.community_id),
            action: audit::AuditAction::BallotPaper,
            subject: &b.id,
            details: serde_json::json!({ "voterId": voter_id }),
        },
    )
    .await?;
    txn.commit().await?;
    state
        .bus
        .publish(BusEvent::BallotTally {
            ballot_id: b.id.clone(),
        })
        .await;
    Ok(())
}
