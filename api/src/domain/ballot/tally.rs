//! Counting an append-only ballot box.
//!
//! Casting a vote inserts a box row marked `pending` and updates no counter, so voters on one
//! ballot never queue on a shared row. The counters on the ballot (turnout) and on its options
//! (votes, area) are a roll-up: [`fold`] adds the pending rows to them and clears the mark. It
//! runs in the background every job tick, when a ballot closes and when it is cancelled, always
//! under the ballot row's exclusive lock, which every vote takes shared first: a fold never sees a
//! half-written vote, and nothing is written after closing has counted.
//!
//! A tally of an open ballot is [`read`] as the roll-up plus its pending rows, in ONE statement,
//! so a fold committing in between can neither hide nor double-count a vote. Its cost follows the
//! number of votes since the last fold, not the size of the box. A closed ballot has no pending
//! rows: its counters are final.

use entity::ballot::BallotStatus;
use std::collections::HashMap;

use entity::{ballot, ballot_option};
use sea_orm::{ConnectionTrait, FromQueryResult, Statement, Value};

use crate::error::AppResult;

/// A ballot's counts as of one read: turnout and, per option id, (votes, area).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub turnout_count: i64,
    pub turnout_area: i64,
    pub options: HashMap<String, (i64, i64)>,
}

impl Counts {
    /// Writes these counts over a ballot row and its options (copies read a moment earlier).
    pub fn apply(&self, b: &mut ballot::Model, options: &mut [ballot_option::Model]) {
        b.turnout_count = self.turnout_count;
        b.turnout_area = self.turnout_area;
        for o in options {
            if let Some((votes, area)) = self.options.get(&o.id) {
                o.votes = *votes;
                o.area = *area;
            }
        }
    }
}

/// One pending box row: what it chooses now and what the counters hold for it.
struct Pending<'a> {
    option_ids: &'a str,
    counted: Option<&'a str>,
    area: i64,
}

fn split(ids: &str) -> impl Iterator<Item = &str> {
    ids.split(',').filter(|s| !s.is_empty())
}

/// What folding these rows changes: turnout (count, area) and per option (votes, area). Pure.
fn deltas<'a>(
    rows: impl IntoIterator<Item = Pending<'a>>,
) -> ((i64, i64), HashMap<String, (i64, i64)>) {
    let mut turnout = (0, 0);
    let mut options: HashMap<String, (i64, i64)> = HashMap::new();
    for r in rows {
        match r.counted {
            None => {
                turnout.0 += 1;
                turnout.1 += r.area;
            }
            Some(old) => {
                for id in split(old) {
                    let e = options.entry(id.to_owned()).or_default();
                    e.0 -= 1;
                    e.1 -= r.area;
                }
            }
        }
        for id in split(r.option_ids) {
            let e = options.entry(id.to_owned()).or_default();
            e.0 += 1;
            e.1 += r.area;
        }
    }
    options.retain(|_, d| *d != (0, 0));
    (turnout, options)
}

#[derive(FromQueryResult)]
struct Row {
    k: String,
    ballot_id: String,
    r: String,
    prev: Option<String>,
    n: i64,
    a: i64,
}

/// `$1, $2, …, $n`.
fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The counts of these ballots (roll-up plus pending rows), in one statement. Ballots that do
/// not exist are left out.
pub async fn read<C: ConnectionTrait>(
    conn: &C,
    ballot_ids: &[String],
) -> AppResult<HashMap<String, Counts>> {
    if ballot_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let ids = placeholders(ballot_ids.len());
    let sql = format!(
        "SELECT 'B' AS k, id AS ballot_id, id AS r, CAST(NULL AS TEXT) AS prev, \
                turnout_count AS n, turnout_area AS a FROM ballots WHERE id IN ({ids}) \
         UNION ALL \
         SELECT 'O', ballot_id, id, CAST(NULL AS TEXT), votes, area \
                FROM ballot_options WHERE ballot_id IN ({ids}) \
         UNION ALL \
         SELECT 'P', ballot_id, option_ids, counted_option_ids, CAST(1 AS BIGINT), area \
                FROM ballot_box WHERE ballot_id IN ({ids}) AND pending"
    );
    let backend = conn.get_database_backend();
    let rows = Row::find_by_statement(Statement::from_sql_and_values(
        backend,
        crate::db::portable(backend, &sql),
        ballot_ids.iter().map(|id| Value::from(id.clone())),
    ))
    .all(conn)
    .await?;
    let mut out: HashMap<String, Counts> = HashMap::new();
    let mut pending: HashMap<String, Vec<(String, Option<String>, i64)>> = HashMap::new();
    for row in rows {
        match row.k.as_str() {
            "B" => {
                let c = out.entry(row.ballot_id).or_default();
                c.turnout_count += row.n;
                c.turnout_area += row.a;
            }
            "O" => {
                out.entry(row.ballot_id)
                    .or_default()
                    .options
                    .insert(row.r, (row.n, row.a));
            }
            _ => pending
                .entry(row.ballot_id)
                .or_default()
                .push((row.r, row.prev, row.a)),
        }
    }
    for (ballot_id, rows) in pending {
        let Some(c) = out.get_mut(&ballot_id) else {
            continue;
        };
        let ((count, area), options) = deltas(rows.iter().map(|(ids, prev, area)| Pending {
            option_ids: ids,
            counted: prev.as_deref(),
            area: *area,
        }));
        c.turnout_count += count;
        c.turnout_area += area;
        for (id, (v, a)) in options {
            let e = c.options.entry(id).or_default();
            e.0 += v;
            e.1 += a;
        }
    }
    Ok(out)
}

#[derive(FromQueryResult)]
struct PendingRow {
    option_ids: String,
    counted_option_ids: Option<String>,
    area: i64,
}

/// Adds a ballot's pending box rows to its counters and clears their mark. The caller holds the
/// ballot row exclusively (closing's claim, cancelling, or [`lock_for_fold`]) in the same
/// transaction. Returns how many rows it folded.
pub async fn fold<C: ConnectionTrait>(conn: &C, ballot_id: &str) -> AppResult<usize> {
    let backend = conn.get_database_backend();
    let stmt = |sql: &str, values: Vec<Value>| {
        Statement::from_sql_and_values(backend, crate::db::portable(backend, sql), values)
    };
    let rows = PendingRow::find_by_statement(stmt(
        "SELECT option_ids, counted_option_ids, area FROM ballot_box \
         WHERE ballot_id = $1 AND pending",
        vec![ballot_id.into()],
    ))
    .all(conn)
    .await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let ((count, area), options) = deltas(rows.iter().map(|r| Pending {
        option_ids: &r.option_ids,
        counted: r.counted_option_ids.as_deref(),
        area: r.area,
    }));
    if (count, area) != (0, 0) {
        conn.execute_raw(stmt(
            "UPDATE ballots SET turnout_count = turnout_count + $1, \
             turnout_area = turnout_area + $2 WHERE id = $3",
            vec![count.into(), area.into(), ballot_id.into()],
        ))
        .await?;
    }
    let mut options: Vec<(String, (i64, i64))> = options.into_iter().collect();
    options.sort();
    for (id, (votes, area)) in options {
        conn.execute_raw(stmt(
            "UPDATE ballot_options SET votes = votes + $1, area = area + $2 \
             WHERE id = $3 AND ballot_id = $4",
            vec![votes.into(), area.into(), id.into(), ballot_id.into()],
        ))
        .await?;
    }
    conn.execute_raw(stmt(
        "UPDATE ballot_box SET pending = $1, counted_option_ids = option_ids \
         WHERE ballot_id = $2 AND pending",
        vec![false.into(), ballot_id.into()],
    ))
    .await?;
    Ok(rows.len())
}

/// Takes an OPEN ballot's row exclusively for a fold (waits for the votes in flight on it);
/// false when it is not open (closing and cancelling fold in their own transaction).
async fn lock_for_fold<C: ConnectionTrait>(conn: &C, ballot_id: &str) -> AppResult<bool> {
    use sea_orm::{EntityTrait, QuerySelect};
    Ok(ballot::Entity::find_by_id(ballot_id.to_owned())
        .lock_exclusive()
        .one(conn)
        .await?
        .is_some_and(|b| b.status == BallotStatus::Open))
}

/// Background job: folds every open ballot that has pending rows (at most 100 per tick), one
/// short transaction each. Safe on several replicas at once: the ballot lock orders them, and a
/// second fold finds nothing left. A ballot that fails is logged and left for the next tick.
pub async fn fold_due(db: &sea_orm::DatabaseConnection) -> AppResult<usize> {
    use sea_orm::TransactionTrait;
    #[derive(FromQueryResult)]
    struct Due {
        ballot_id: String,
    }
    let due = Due::find_by_statement(Statement::from_string(
        db.get_database_backend(),
        "SELECT DISTINCT p.ballot_id FROM ballot_box p JOIN ballots b ON b.id = p.ballot_id \
         WHERE p.pending AND b.status = 'OPEN' ORDER BY p.ballot_id LIMIT 100",
    ))
    .all(db)
    .await?;
    let mut folded = 0;
    for d in due {
        let one = async {
            let txn = db.begin().await?;
            let n = match lock_for_fold(&txn, &d.ballot_id).await? {
                true => fold(&txn, &d.ballot_id).await?,
                false => 0,
            };
            txn.commit().await?;
            AppResult::Ok(n)
        };
        match one.await {
            Ok(n) => folded += n,
            Err(e) => tracing::warn!(
                code = e.code(),
                "a ballot's votes could not be folded; will retry"
            ),
        }
    }
    Ok(folded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::ballot::{BallotKind, DecisionRule, Electorate, VoteMethod};

    fn p<'a>(ids: &'a str, counted: Option<&'a str>, area: i64) -> Pending<'a> {
        Pending {
            option_ids: ids,
            counted,
            area,
        }
    }

    #[test]
    fn a_new_vote_adds_turnout_and_its_options() {
        let (turnout, options) = deltas([p("a,b", None, 9000), p("a", None, 1000)]);
        assert_eq!(turnout, (2, 10_000));
        assert_eq!(options.get("a"), Some(&(2, 10_000)));
        assert_eq!(options.get("b"), Some(&(1, 9000)));
    }

    #[test]
    fn a_changed_vote_moves_its_weight_and_leaves_turnout() {
        let (turnout, options) = deltas([p("b", Some("a"), 7000)]);
        assert_eq!(turnout, (0, 0));
        assert_eq!(options.get("a"), Some(&(-1, -7000)));
        assert_eq!(options.get("b"), Some(&(1, 7000)));
    }

    #[test]
    fn a_vote_changed_back_changes_nothing() {
        let (turnout, options) = deltas([p("a", Some("a"), 7000)]);
        assert_eq!(turnout, (0, 0));
        assert!(options.is_empty());
    }

    #[test]
    fn counts_are_written_over_stale_rows() {
        let mut b = ballot::Model {
            turnout_count: 1,
            turnout_area: 100,
            ..test_ballot()
        };
        let mut opts = vec![ballot_option::Model {
            id: "a".into(),
            votes: 1,
            area: 100,
            ..test_option()
        }];
        let c = Counts {
            turnout_count: 3,
            turnout_area: 300,
            options: HashMap::from([("a".to_owned(), (2, 200))]),
        };
        c.apply(&mut b, &mut opts);
        assert_eq!((b.turnout_count, b.turnout_area), (3, 300));
        assert_eq!((opts[0].votes, opts[0].area), (2, 200));
    }

    fn test_ballot() -> ballot::Model {
        let now = chrono::Utc::now();
        ballot::Model {
            id: "b".into(),
            community_id: "c".into(),
            topic_id: None,
            campaign_id: None,
            question: "q".into(),
            kind: BallotKind::Motion,
            method: VoteMethod::Single,
            max_choices: 1,
            electorate: Electorate::Owners,
            rule: DecisionRule::OwnersOrdinary,
            secret: true,
            status: BallotStatus::Open,
            opened_at: now,
            closes_at: now,
            closed_at: None,
            eligible_count: 10,
            eligible_area: 1000,
            turnout_count: 0,
            turnout_area: 0,
            quorum_met: None,
            outcome: None,
            opened_by: "x".into(),
            reminder_sent: false,
            scope: None,
            extended_at: None,
            extend_reason: None,
            cancelled_at: None,
            cancel_reason: None,
            category_id: None,
        }
    }

    fn test_option() -> ballot_option::Model {
        ballot_option::Model {
            id: "a".into(),
            ballot_id: "b".into(),
            position: 0,
            label: "l".into(),
            role: entity::ballot_option::OptionRole::Approve,
            votes: 0,
            area: 0,
            adopted: None,
            nomination_id: None,
        }
    }
}
