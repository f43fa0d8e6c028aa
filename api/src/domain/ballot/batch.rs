//! Ballot reads for many at once, so that a list page costs a constant number of statements
//! (the DataLoaders in `graphql::loaders` call these).

use std::collections::{HashMap, HashSet};

use entity::{ballot, ballot_option, ballot_participation, ballot_voter, resident};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::rules::VoterId;
use super::service::{close_one, is_due};
use crate::domain::now;
use crate::error::AppResult;
use crate::state::Services;

/// The latest ballot of each topic (the one its row names: `topics.latest_ballot_id`), closed
/// first if its time has come, as a single read does.
pub async fn latest_for_topics(
    state: &Services,
    topic_ids: &[String],
) -> AppResult<HashMap<String, ballot::Model>> {
    use sea_orm::{QuerySelect, QueryTrait};
    let named = entity::topic::Entity::find()
        .select_only()
        .column(entity::topic::Column::LatestBallotId)
        .filter(entity::topic::Column::Id.is_in(topic_ids.iter().cloned()))
        .into_query();
    let mut latest: HashMap<String, ballot::Model> = HashMap::new();
    for b in ballot::Entity::find()
        .filter(ballot::Column::Id.in_subquery(named))
        .all(&state.db)
        .await?
    {
        if let Some(topic) = b.topic_id.clone() {
            latest.insert(topic, b);
        }
    }
    settle_due(state, &mut latest).await?;
    Ok(latest)
}

/// Every ballot of each topic, oldest first, each closed first if its time has come (one
/// statement for any number of topics: a topic holds at most `rules::MAX_BALLOTS`). The caller
/// has checked that the viewer may see the topics.
pub async fn all_for_topics(
    state: &Services,
    topic_ids: &[String],
) -> AppResult<HashMap<String, Vec<ballot::Model>>> {
    let mut found = ballot::Entity::find()
        .filter(ballot::Column::TopicId.is_in(topic_ids.iter().cloned()))
        .order_by_asc(ballot::Column::OpenedAt)
        .order_by_asc(ballot::Column::Id)
        .all(&state.db)
        .await?;
    close_due_in(state, found.iter_mut()).await?;
    let mut out: HashMap<String, Vec<ballot::Model>> =
        topic_ids.iter().map(|t| (t.clone(), Vec::new())).collect();
    for b in found {
        if let Some(list) = b.topic_id.as_ref().and_then(|t| out.get_mut(t)) {
            list.push(b);
        }
    }
    Ok(out)
}

/// A topic's latest ballot read with its topic row (one statement for a list page), and its
/// turnout not folded in yet, from the same snapshot.
#[derive(Clone, Debug)]
pub struct Latest {
    pub ballot: ballot::Model,
    /// Pending first votes: (count, area). Changed votes add no turnout.
    pub pending_turnout: (i64, i64),
}

/// Column prefix of the joined ballot in a topic statement.
const JOINED: &str = "lb_";

/// Adds each topic's latest ballot (the one `topics.latest_ballot_id` names, by primary key;
/// LEFT JOIN: topics without one keep a row) to a SELECT over
/// `topics`: the columns in `cols` (the id, status and closing time always: a list's ballots
/// are closed when due), and the pending turnout count or area when `cols` has the turnout
/// column it adds to. Read the row back with [`Latest::from_row`] and the same `cols`.
pub fn join_latest(stmt: &mut sea_orm::sea_query::SelectStatement, cols: Columns) {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType};
    let lb = Alias::new("lb");
    crate::db::select_prefixed_only::<ballot::Entity>(stmt, &lb, JOINED, with_core(cols));
    stmt.join_as(
        JoinType::LeftJoin,
        ballot::Entity,
        lb.clone(),
        Expr::col((lb, ballot::Column::Id))
            .equals((entity::topic::Entity, entity::topic::Column::LatestBallotId)),
    );
    let pending = |what: &str| {
        Expr::cust(format!(
            "(SELECT CAST(COALESCE({what}, 0) AS BIGINT) FROM ballot_box x \
             WHERE x.ballot_id = lb.id AND x.pending AND x.counted_option_ids IS NULL)"
        ))
    };
    if cols.has(ballot::Column::TurnoutCount) {
        stmt.expr_as(
            pending("COUNT(*)"),
            Alias::new(format!("{JOINED}pending_count")),
        );
    }
    if cols.has(ballot::Column::TurnoutArea) {
        stmt.expr_as(
            pending("SUM(x.area)"),
            Alias::new(format!("{JOINED}pending_area")),
        );
    }
}

/// Which of a ballot row's columns a read selects.
pub type Columns = crate::db::Columns<ballot::Entity>;

/// `cols` with what every read of a list's ballots uses: the id, and the status and closing
/// time (`settle_due`, the turnout's source).
fn with_core(mut cols: Columns) -> Columns {
    use ballot::Column as C;
    cols.add(&[C::Id, C::Status, C::ClosesAt]);
    cols
}

impl Latest {
    /// The joined ballot of a row read with [`join_latest`] and the same `cols`, if the topic
    /// has one: its selected columns are the next ones of `cols` (after the topic's), read by
    /// position, then the pending turnout; every other field holds a placeholder (the topic's
    /// id for `topic_id`: a topic's `latest_ballot_id` names a ballot on that topic, as
    /// `topic::service::start_voting` sets it).
    /// `reads::a_list_reads_each_topic_and_ballot_field_as_a_read_of_one_does` compares each
    /// field, selected alone in a list, with a read of one topic.
    pub fn from_row(
        row: &mut crate::db::Positional<'_>,
        cols: Columns,
        topic_id: &str,
    ) -> Result<Option<Self>, sea_orm::DbErr> {
        use ballot::Column as C;
        use entity::ballot::{BallotKind, DecisionRule, Electorate, VoteMethod};
        let cols = with_core(cols);
        let Some(id) = row.take::<Option<String>>()? else {
            // The other selected columns of a missing ballot are NULL; nothing more is read.
            return Ok(None);
        };
        let at = |c: C| cols.has_at(c as u32);
        // Fields in declaration order, which is the SELECT's (`select_prefixed_only`): a
        // struct expression evaluates its fields in the order written.
        let ballot = ballot::Model {
            id,
            community_id: row.take_if(at(C::CommunityId), String::new())?,
            topic_id: row.take_if(at(C::TopicId), Some(topic_id.to_owned()))?,
            campaign_id: row.take_if(at(C::CampaignId), None)?,
            question: row.take_if(at(C::Question), String::new())?,
            kind: row.take_if(at(C::Kind), BallotKind::Motion)?,
            method: row.take_if(at(C::Method), VoteMethod::Single)?,
            max_choices: row.take_if(at(C::MaxChoices), 1)?,
            electorate: row.take_if(at(C::Electorate), Electorate::Households)?,
            rule: row.take_if(at(C::Rule), DecisionRule::Plurality)?,
            secret: row.take_if(at(C::Secret), false)?,
            status: row.take()?,
            opened_by: row.take_if(at(C::OpenedBy), String::new())?,
            opened_at: row.take_if(at(C::OpenedAt), Default::default())?,
            closes_at: row.take()?,
            closed_at: row.take_if(at(C::ClosedAt), None)?,
            eligible_count: row.take_if(at(C::EligibleCount), 0)?,
            eligible_area: row.take_if(at(C::EligibleArea), 0)?,
            turnout_count: row.take_if(at(C::TurnoutCount), 0)?,
            turnout_area: row.take_if(at(C::TurnoutArea), 0)?,
            quorum_met: row.take_if(at(C::QuorumMet), None)?,
            outcome: row.take_if(at(C::Outcome), None)?,
            reminder_sent: row.take_if(at(C::ReminderSent), false)?,
            scope: row.take_if(at(C::Scope), None)?,
            extended_at: row.take_if(at(C::ExtendedAt), None)?,
            extend_reason: row.take_if(at(C::ExtendReason), None)?,
            cancelled_at: row.take_if(at(C::CancelledAt), None)?,
            cancel_reason: row.take_if(at(C::CancelReason), None)?,
            category_id: row.take_if(at(C::CategoryId), None)?,
        };
        Ok(Some(Self {
            ballot,
            pending_turnout: (
                row.take_if(at(C::TurnoutCount), 0)?,
                row.take_if(at(C::TurnoutArea), 0)?,
            ),
        }))
    }

    /// The turnout as of the read (roll-up plus pending first votes), for an open ballot.
    pub fn turnout(&self) -> (i64, i64) {
        (
            self.ballot.turnout_count + self.pending_turnout.0,
            self.ballot.turnout_area + self.pending_turnout.1,
        )
    }
}

/// Closes the ballots among these whose time has come (as any read of one does) and puts their
/// closed rows in place.
pub async fn settle_due(
    state: &Services,
    latest: &mut HashMap<String, ballot::Model>,
) -> AppResult<()> {
    close_due_in(state, latest.values_mut()).await
}

/// [`settle_due`] for any collection of ballot rows.
async fn close_due_in<'a>(
    state: &Services,
    ballots: impl IntoIterator<Item = &'a mut ballot::Model>,
) -> AppResult<()> {
    let at = now();
    let mut due: Vec<&mut ballot::Model> = ballots.into_iter().filter(|b| is_due(b, at)).collect();
    if due.is_empty() {
        return Ok(());
    }
    for b in &due {
        close_one(state, &b.id).await?;
    }
    let mut closed: HashMap<String, ballot::Model> = ballot::Entity::find()
        .filter(ballot::Column::Id.is_in(due.iter().map(|b| b.id.clone())))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|b| (b.id.clone(), b))
        .collect();
    for b in &mut due {
        if let Some(c) = closed.remove(&b.id) {
            **b = c;
        }
    }
    Ok(())
}

/// The options of each ballot, in order.
pub async fn options_for<C: ConnectionTrait>(
    conn: &C,
    ballot_ids: &[String],
) -> AppResult<HashMap<String, Vec<ballot_option::Model>>> {
    let mut out: HashMap<String, Vec<ballot_option::Model>> = HashMap::new();
    for o in ballot_option::Entity::find()
        .filter(ballot_option::Column::BallotId.is_in(ballot_ids.iter().cloned()))
        .order_by_asc(ballot_option::Column::Position)
        .all(conn)
        .await?
    {
        out.entry(o.ballot_id.clone()).or_default().push(o);
    }
    Ok(out)
}

/// The viewer's voter on a ballot, from the viewer's live places (loaded once per request).
pub fn voter_among(b: &ballot::Model, places: &[resident::Model]) -> Option<VoterId> {
    places
        .iter()
        .find(|p| p.community_id == b.community_id)
        .map(|p| VoterId::of(b.electorate, p))
}

/// Which (ballot, voter) pairs are in the ballot's frozen electorate.
pub async fn eligible_pairs<C: ConnectionTrait>(
    conn: &C,
    pairs: &[(String, String)],
) -> AppResult<HashSet<(String, String)>> {
    let wanted: HashSet<&(String, String)> = pairs.iter().collect();
    Ok(ballot_voter::Entity::find()
        .filter(ballot_voter::Column::BallotId.is_in(pairs.iter().map(|p| p.0.clone())))
        .filter(ballot_voter::Column::VoterId.is_in(pairs.iter().map(|p| p.1.clone())))
        .all(conn)
        .await?
        .into_iter()
        .map(|v| (v.ballot_id, v.voter_id))
        .filter(|p| wanted.contains(p))
        .collect())
}

/// Which (ballot, voter) pairs have taken part (online or on paper).
pub async fn participated_pairs<C: ConnectionTrait>(
    conn: &C,
    pairs: &[(String, String)],
) -> AppResult<HashSet<(String, String)>> {
    let wanted: HashSet<&(String, String)> = pairs.iter().collect();
    Ok(ballot_participation::Entity::find()
        .filter(ballot_participation::Column::BallotId.is_in(pairs.iter().map(|p| p.0.clone())))
        .filter(ballot_participation::Column::VoterId.is_in(pairs.iter().map(|p| p.1.clone())))
        .all(conn)
        .await?
        .into_iter()
        .map(|v| (v.ballot_id, v.voter_id))
        .filter(|p| wanted.contains(p))
        .collect())
}
