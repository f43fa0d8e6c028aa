//! Ballots: the stored shapes and their codecs, opening (the electorate frozen), reading, the
//! electorate for paper ballots, receipts and the bulletin. Casting lives in `cast.rs`, closing in
//! `close.rs`, counting an append-only box in `tally.rs`.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{
    ballot, ballot_box, ballot_option, ballot_participation, ballot_voter, household, resident,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};

use super::rules::{self, BallotKind, DecisionRule, Electorate, OptionRole, VoteMethod, VoterId};
use crate::auth::Viewer;
use crate::domain::notify::{self};
use crate::domain::{audit, new_id, now, roles, topic};
use crate::error::{AppError, AppResult};
use crate::state::Services;

pub use entity::ballot::BallotStatus;
pub const MAX_OPTIONS: usize = 20;
pub const RECEIPT_LEN: usize = 20;
pub const MAX_BALLOT_DAYS: i64 = 90;

/// What the committee asks for when opening a ballot.
#[derive(Clone, Debug)]
pub struct OpenBallot {
    pub topic_id: Option<String>,
    pub campaign_id: Option<String>,
    /// A campaign ballot's category (with `campaign_id`).
    pub category_id: Option<String>,
    pub question: String,
    pub kind: BallotKind,
    /// (label, abstain)
    pub options: Option<Vec<(String, bool)>>,
    pub method: Option<VoteMethod>,
    pub max_choices: Option<i32>,
    pub electorate: Electorate,
    pub rule: DecisionRule,
    pub secret: bool,
    pub closes_at: DateTime<Utc>,
    /// Narrows the electorate to these buildings (`None`: the whole community).
    pub building_ids: Option<Vec<String>>,
}

/// A validated ballot shape: options (label, role), method and max choices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    pub options: Vec<(String, OptionRole)>,
    pub method: VoteMethod,
    pub max_choices: i32,
}

/// Validates the committee's input into a ballot shape (pure).
pub fn shape(input: &OpenBallot, now: DateTime<Utc>, min_secs: i64) -> AppResult<Shape> {
    rules::question(&input.question)?;
    if !rules::rules_for(input.electorate).contains(&input.rule) {
        return Err(AppError::bad_input(
            "rule",
            "OWNERS_ORDINARY and OWNERS_MAJOR need the OWNERS electorate",
        ));
    }
    if input.closes_at < now + chrono::Duration::seconds(min_secs) {
        return Err(AppError::bad_input(
            "closesAt",
            format!("must be at least {min_secs} seconds from now"),
        ));
    }
    if input.closes_at > now + chrono::Duration::days(MAX_BALLOT_DAYS) {
        return Err(AppError::bad_input("closesAt", "must be within 90 days"));
    }
    match input.kind {
        BallotKind::Motion => {
            if input.options.as_ref().is_some_and(|o| !o.is_empty()) {
                return Err(AppError::bad_input(
                    "options",
                    "a MOTION has the fixed options 赞成 / 反对 / 弃权",
                ));
            }
            if input.method.is_some_and(|m| m != VoteMethod::Single) {
                return Err(AppError::bad_input(
                    "method",
                    "a MOTION is voted with SINGLE",
                ));
            }
            if input.max_choices.is_some_and(|m| m != 1) {
                return Err(AppError::bad_input(
                    "maxChoices",
                    "a MOTION allows one choice",
                ));
            }
            Ok(Shape {
                options: vec![
                    ("赞成".into(), OptionRole::Approve),
                    ("反对".into(), OptionRole::Oppose),
                    ("弃权".into(), OptionRole::Abstain),
                ],
                method: VoteMethod::Single,
                max_choices: 1,
            })
        }
        BallotKind::Choice => {
            let given = input.options.clone().unwrap_or_default();
            let mut options = Vec::new();
            let mut seen = HashSet::new();
            for (label, abstain) in given {
                let label = label.trim().to_owned();
                let n = label.chars().count();
                if !(1..=100).contains(&n) {
                    return Err(AppError::bad_input(
                        "options",
                        "each option needs a label of 1 to 100 characters",
                    ));
                }
                if !seen.insert(label.clone()) {
                    return Err(AppError::bad_input("options", "option labels must differ"));
                }
                options.push((
                    label,
                    if abstain {
                        OptionRole::Abstain
                    } else {
                        OptionRole::Choice
                    },
                ));
            }
            let choices = options
                .iter()
                .filter(|(_, r)| *r == OptionRole::Choice)
                .count();
            let abstains = options.len() - choices;
            if choices < 2 || options.len() > MAX_OPTIONS {
                return Err(AppError::bad_input(
                    "options",
                    "a CHOICE needs 2 to 20 options",
                ));
            }
            if abstains > 1 {
                return Err(AppError::bad_input("options", "at most one abstain option"));
            }
            let method = input.method.unwrap_or(VoteMethod::Single);
            let max_choices = match method {
                VoteMethod::Single => {
                    if input.max_choices.is_some_and(|m| m != 1) {
                        return Err(AppError::bad_input(
                            "maxChoices",
                            "SINGLE allows one choice",
                        ));
                    }
                    1
                }
                VoteMethod::Approval => {
                    let m = input.max_choices.unwrap_or(choices as i32);
                    // A campaign's vote allows as many choices as the category has winners
                    // (DESIGN §10), even over a shorter shortlist.
                    let over = input.campaign_id.is_none() && m as usize > choices;
                    if m < 1 || over {
                        return Err(AppError::bad_input(
                            "maxChoices",
                            "must be between 1 and the number of options",
                        ));
                    }
                    m
                }
            };
            Ok(Shape {
                options,
                method,
                max_choices,
            })
        }
    }
}

/// The frozen electorate: (voter id, area carried), within the scope's buildings if any.
///
/// RESIDENTS: every active resident. HOUSEHOLDS: every household with an active resident.
/// OWNERS: every owner household on the roster, whether or not anyone of it is active or has
/// claimed an account (an absent owner is still an owner, art. 278): such a household can only
/// vote on paper.
async fn electorate_members<C: ConnectionTrait>(
    conn: &C,
    community_id: &str,
    electorate: Electorate,
    scope: Option<&[String]>,
) -> AppResult<Vec<(String, i64)>> {
    let households: HashMap<String, household::Model> = household::Entity::find()
        .filter(household::Column::CommunityId.eq(community_id))
        .all(conn)
        .await?
        .into_iter()
        .filter(|h| scope.is_none_or(|s| s.contains(&h.building_id)))
        .map(|h| (h.id.clone(), h))
        .collect();
    let residents = resident::Entity::find()
        .filter(resident::Column::CommunityId.eq(community_id))
        .filter(resident::Column::Active.eq(true))
        .all(conn)
        .await?
        .into_iter()
        .filter(|r| households.contains_key(&r.household_id));
    let mut members: Vec<(String, i64)> = match electorate {
        Electorate::Residents => residents.map(|r| (r.id, 0)).collect(),
        Electorate::Households => {
            let occupied: HashSet<String> = residents.map(|r| r.household_id).collect();
            occupied.into_iter().map(|h| (h, 0)).collect()
        }
        Electorate::Owners => households
            .into_values()
            .filter(|h| h.owner)
            .map(|h| (h.id, h.area_centi))
            .collect(),
    };
    members.sort();
    Ok(members)
}

/// The building ids of a community (for a ballot's scope).
async fn building_ids<C: ConnectionTrait>(conn: &C, community_id: &str) -> AppResult<Vec<String>> {
    Ok(entity::building::Entity::find()
        .filter(entity::building::Column::CommunityId.eq(community_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|b| b.id)
        .collect())
}

/// The buildings of a ballot's scope, by name; `None` for the whole community.
pub async fn scope_buildings<C: ConnectionTrait>(
    conn: &C,
    b: &ballot::Model,
) -> AppResult<Option<Vec<entity::building::Model>>> {
    let Some(ids) = scope_of(b) else {
        return Ok(None);
    };
    Ok(Some(
        entity::building::Entity::find()
            .filter(entity::building::Column::Id.is_in(ids))
            .order_by_asc(entity::building::Column::Name)
            .all(conn)
            .await?,
    ))
}

/// A ballot's scope as stored: the building ids, or `None` for the whole community.
pub fn scope_of(b: &ballot::Model) -> Option<Vec<String>> {
    b.scope.as_deref().map(|s| {
        s.split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    })
}

/// Accounts to notify for a set of voters (residents, or every active member of a household).
pub(super) async fn voter_accounts<C: ConnectionTrait>(
    conn: &C,
    community_id: &str,
    voters: &[VoterId],
) -> AppResult<Vec<String>> {
    let mut wanted_resident: HashSet<&str> = HashSet::new();
    let mut wanted_household: HashSet<&str> = HashSet::new();
    for v in voters {
        match v {
            VoterId::Resident(id) => wanted_resident.insert(id.as_str()),
            VoterId::Household(id) => wanted_household.insert(id.as_str()),
        };
    }
    let residents = resident::Entity::find()
        .filter(resident::Column::CommunityId.eq(community_id))
        .filter(crate::domain::roles::live_place())
        .all(conn)
        .await?;
    let mut accounts: Vec<String> = residents
        .into_iter()
        .filter(|r| {
            wanted_resident.contains(r.id.as_str())
                || wanted_household.contains(r.household_id.as_str())
        })
        .map(|r| r.account_id)
        .collect();
    accounts.sort();
    accounts.dedup();
    Ok(accounts)
}

/// What a ballot decides: a topic, or a campaign category's shortlist.
enum Subject {
    Topic(String),
    Campaign(crate::domain::awards::committee::CampaignBallot),
}

/// The community a ballot belongs to and what it decides. A topic's ballot is for the committee
/// (or an admin); a campaign's is for the committee in REVIEWING, over two or more shortlisted
/// nominations of one category, which become its options (the input names none).
async fn subject_of_input<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    input: &mut OpenBallot,
) -> AppResult<(String, Subject)> {
    if let Some(campaign_id) = input.campaign_id.clone() {
        if input.topic_id.is_some() {
            return Err(AppError::bad_input(
                "topicId",
                "a ballot is for a topic or for a campaign, not both",
            ));
        }
        let found = crate::domain::awards::committee::ballot_for(
            conn,
            viewer,
            &campaign_id,
            input.category_id.as_deref(),
        )
        .await?;
        if input.kind != BallotKind::Choice {
            return Err(AppError::bad_input("kind", "a campaign ballot is a CHOICE"));
        }
        if input.options.as_ref().is_some_and(|o| !o.is_empty()) {
            return Err(AppError::bad_input(
                "options",
                "a campaign ballot's options are its shortlisted nominations",
            ));
        }
        if input.method.is_some_and(|m| m != VoteMethod::Approval) {
            return Err(AppError::bad_input(
                "method",
                "a campaign ballot is voted with APPROVAL",
            ));
        }
        // DESIGN §10: as many choices as the category has winners (a shortlist shorter than
        // that lets a voter approve every nominee on it).
        let max = found.winners;
        if input.max_choices.is_some_and(|m| m != max) {
            return Err(AppError::bad_input(
                "maxChoices",
                "a campaign ballot allows as many choices as the category has winners",
            ));
        }
        input.options = Some(
            found
                .options
                .iter()
                .map(|(label, _)| (label.clone(), false))
                .collect(),
        );
        input.method = Some(VoteMethod::Approval);
        input.max_choices = Some(max);
        return Ok((found.community_id.clone(), Subject::Campaign(found)));
    }
    if input.category_id.is_some() {
        return Err(AppError::bad_input(
            "categoryId",
            "a category belongs with a campaignId",
        ));
    }
    let topic_id = input
        .topic_id
        .clone()
        .ok_or_else(|| AppError::bad_input("topicId", "a ballot belongs to a topic"))?;
    let t = entity::topic::Entity::find_by_id(topic_id.clone())
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    // Who may open comes before what is asked: a resident learns nothing about the input's rules.
    roles::can_manage_roster(conn, viewer, &t.community_id).await?;
    Ok((t.community_id, Subject::Topic(topic_id)))
}

pub async fn open(
    state: &Services,
    viewer: &Viewer,
    mut input: OpenBallot,
) -> AppResult<ballot::Model> {
    let now = now();
    let txn = state.db.begin().await?;
    let (community_id, subject) = subject_of_input(&txn, viewer, &mut input).await?;
    let shape = shape(&input, now, state.settings.min_ballot_secs)?;
    let (topic_id, campaign) = match subject {
        Subject::Topic(id) => (Some(id), None),
        Subject::Campaign(c) => (None, Some(c)),
    };
    let scope = rules::scope(
        input.building_ids.as_deref(),
        &building_ids(&txn, &community_id).await?,
    )?;
    let ballot_id = new_id();
    let mut pending = match &topic_id {
        Some(topic_id) => {
            let told =
                topic::service::start_voting(&txn, topic_id, &community_id, &ballot_id).await?;
            // Counted after `start_voting`'s update, which holds the topic row until commit:
            // every ballot an earlier holder of that lock opened is committed and counted, so
            // openings at once (or an opening, a cancel and another opening) cannot pass the cap.
            rules::another_ballot(
                "a topic",
                ballot::Entity::find()
                    .filter(ballot::Column::TopicId.eq(topic_id.clone()))
                    .count(&txn)
                    .await?,
            )?;
            told
        }
        None => Vec::new(),
    };

    let members =
        electorate_members(&txn, &community_id, input.electorate, scope.as_deref()).await?;
    let eligible_area: i64 = members.iter().map(|(_, a)| a).sum();
    let b = ballot::ActiveModel {
        id: Set(ballot_id),
        community_id: Set(community_id.clone()),
        topic_id: Set(topic_id.clone()),
        campaign_id: Set(campaign.as_ref().map(|c| c.campaign_id.clone())),
        question: Set(input.question.trim().to_owned()),
        kind: Set(input.kind),
        method: Set(shape.method),
        max_choices: Set(shape.max_choices),
        electorate: Set(input.electorate),
        rule: Set(input.rule),
        secret: Set(input.secret),
        status: Set(BallotStatus::Open),
        opened_by: Set(viewer.id().to_owned()),
        opened_at: Set(now),
        closes_at: Set(input.closes_at),
        closed_at: Set(None),
        eligible_count: Set(members.len() as i64),
        eligible_area: Set(eligible_area),
        turnout_count: Set(0),
        turnout_area: Set(0),
        quorum_met: Set(None),
        outcome: Set(None),
        reminder_sent: Set(false),
        scope: Set(scope.as_ref().map(|s| s.join(","))),
        extended_at: Set(None),
        extend_reason: Set(None),
        cancelled_at: Set(None),
        cancel_reason: Set(None),
        category_id: Set(campaign.as_ref().map(|c| c.category_id.clone())),
    }
    .insert(&txn)
    .await?;
    let options: Vec<ballot_option::ActiveModel> = shape
        .options
        .iter()
        .enumerate()
        .map(|(i, (label, role))| ballot_option::ActiveModel {
            id: Set(new_id()),
            ballot_id: Set(b.id.clone()),
            position: Set(i as i32),
            label: Set(label.clone()),
            role: Set(*role),
            votes: Set(0),
            area: Set(0),
            adopted: Set(None),
            nomination_id: Set(campaign
                .as_ref()
                .and_then(|c| c.options.get(i))
                .map(|(_, nomination)| nomination.clone())),
        })
        .collect();
    ballot_option::Entity::insert_many(options)
        .exec(&txn)
        .await?;
    for chunk in members.chunks(500) {
        let rows: Vec<ballot_voter::ActiveModel> = chunk
            .iter()
            .map(|(voter, area)| ballot_voter::ActiveModel {
                id: Set(new_id()),
                ballot_id: Set(b.id.clone()),
                voter_id: Set(voter.clone()),
                area: Set(*area),
            })
            .collect();
        if !rows.is_empty() {
            ballot_voter::Entity::insert_many(rows).exec(&txn).await?;
        }
    }
    audit::append(
        &txn,
        &state.audit,
        audit::Entry {
            actor_id: Some(viewer.id()),
            community_id: Some(&community_id),
            action: audit::AuditAction::BallotOpen,
            subject: &b.id,
            details: serde_json::json!({
                "topicId": topic_id, "campaignId": b.campaign_id, "categoryId": b.category_id,
                "kind": b.kind, "electorate": b.electorate, "rule": b.rule,
                "secret": b.secret, "eligibleCount": b.eligible_count, "eligibleArea": b.eligible_area,
                "closesAt": b.closes_at.to_rfc3339(), "buildingIds": scope,
            }),
        },
    )
    .await?;
    let voters: Vec<VoterId> = members
        .into_iter()
        .map(|(v, _)| VoterId::stored(input.electorate, v))
        .collect();
    let accounts = voter_accounts(&txn, &community_id, &voters).await?;
    pending.extend(
        notify::emit_many(
            &txn,
            &accounts,
            Some(&community_id),
            notify::NotificationKind::BallotOpened,
            serde_json::json!({
                "ballotId": b.id, "topicId": topic_id, "campaignId": b.campaign_id,
                "question": b.question, "closesAt": b.closes_at.to_rfc3339(),
            }),
        )
        .await?,
    );
    txn.commit().await?;
    notify::publish(&state.bus, pending).await;
    Ok(b)
}

/// A ballot the viewer may see (members of its community and admins), else NOT_FOUND.
pub async fn visible<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    ballot_id: &str,
) -> AppResult<ballot::Model> {
    let b = ballot::Entity::find_by_id(ballot_id.to_owned())
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    roles::can_see_community(conn, viewer, &b.community_id).await?;
    Ok(b)
}

/// Reads a ballot; one whose closing time has passed is closed first (idempotent), so every
/// reader, on every replica, sees it closed from `closesAt` on.
pub async fn get(state: &Services, viewer: &Viewer, ballot_id: &str) -> AppResult<ballot::Model> {
    let b = visible(&state.db, viewer, ballot_id).await?;
    if is_due(&b, now()) {
        close_one(state, &b.id).await?;
        return ballot::Entity::find_by_id(b.id)
            .one(&state.db)
            .await?
            .ok_or(AppError::NotFound);
    }
    Ok(b)
}

pub async fn options_of<C: ConnectionTrait>(
    conn: &C,
    ballot_id: &str,
) -> AppResult<Vec<ballot_option::Model>> {
    Ok(ballot_option::Entity::find()
        .filter(ballot_option::Column::BallotId.eq(ballot_id))
        .order_by_asc(ballot_option::Column::Position)
        .all(conn)
        .await?)
}

/// Who votes for the viewer on this ballot: their resident id, or their household's id.
pub async fn voter_id_of<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    b: &ballot::Model,
) -> AppResult<Option<VoterId>> {
    Ok(roles::active_resident(conn, viewer, &b.community_id)
        .await?
        .map(|r| VoterId::of(b.electorate, &r)))
}

pub(super) async fn eligible_voter<C: ConnectionTrait>(
    conn: &C,
    ballot_id: &str,
    voter: &VoterId,
) -> AppResult<Option<ballot_voter::Model>> {
    Ok(ballot_voter::Entity::find()
        .filter(ballot_voter::Column::BallotId.eq(ballot_id))
        .filter(ballot_voter::Column::VoterId.eq(voter.as_str()))
        .one(conn)
        .await?)
}

/// Has this voter (resident or household) taken part?
pub async fn has_participated<C: ConnectionTrait>(
    conn: &C,
    ballot_id: &str,
    voter_id: &str,
) -> AppResult<bool> {
    Ok(ballot_participation::Entity::find()
        .filter(ballot_participation::Column::BallotId.eq(ballot_id))
        .filter(ballot_participation::Column::VoterId.eq(voter_id))
        .one(conn)
        .await?
        .is_some())
}

pub use super::cast::{cast, is_due, is_open, not_open, open_at, record_paper, validate_choice};
pub(super) use super::close::shuffle_box;
pub use super::close::{close_due, close_one, decide, send_reminders, thresholds};

/// Open ballots of a community in which the viewer (or their household) may still vote.
pub async fn awaiting_vote(
    db: &DatabaseConnection,
    viewer: &Viewer,
    community_id: &str,
    after: Option<&(DateTime<Utc>, String)>,
    limit: u64,
    with_total: bool,
) -> AppResult<AwaitingPage> {
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    roles::can_see_community(db, viewer, community_id).await?;
    let Some(place) = roles::active_resident(db, viewer, community_id).await? else {
        return Ok(AwaitingPage {
            rows: Vec::new(),
            has_next: false,
            total: Some(0),
        });
    };
    // The viewer's voter id on each ballot: the resident on a RESIDENTS ballot, else their
    // household (`rules::VoterId::of`), decided per row by the ballot's electorate.
    let voter = || {
        Expr::case(
            Expr::col((ballot::Entity, ballot::Column::Electorate)).eq(Electorate::Residents),
            place.id.clone(),
        )
        .finally(place.household_id.clone())
    };
    let in_electorate = Query::select()
        .expr(Expr::val(1))
        .from(ballot_voter::Entity)
        .and_where(
            Expr::col((ballot_voter::Entity, ballot_voter::Column::BallotId))
                .equals((ballot::Entity, ballot::Column::Id)),
        )
        .and_where(Expr::col((ballot_voter::Entity, ballot_voter::Column::VoterId)).eq(voter()))
        .to_owned();
    let took_part = Query::select()
        .expr(Expr::val(1))
        .from(ballot_participation::Entity)
        .and_where(
            Expr::col((
                ballot_participation::Entity,
                ballot_participation::Column::BallotId,
            ))
            .equals((ballot::Entity, ballot::Column::Id)),
        )
        .and_where(
            Expr::col((
                ballot_participation::Entity,
                ballot_participation::Column::VoterId,
            ))
            .eq(voter()),
        )
        .to_owned();
    let q = ballot::Entity::find()
        .filter(ballot::Column::CommunityId.eq(community_id))
        .filter(ballot::Column::Status.eq(BallotStatus::Open))
        .filter(ballot::Column::ClosesAt.gt(now()))
        .filter(Expr::exists(in_electorate))
        .filter(Expr::not_exists(took_part));
    let total = match with_total {
        true => Some(sea_orm::PaginatorTrait::count(q.clone(), db).await?),
        false => None,
    };
    // Closing soonest first.
    let found = crate::db::ascending_after(
        q,
        (ballot::Column::ClosesAt, ballot::Column::Id),
        after,
        limit,
    )
    .all(db)
    .await?;
    let (rows, has_next) = crate::db::split_page(found, limit);
    Ok(AwaitingPage {
        rows,
        has_next,
        total,
    })
}

/// One keyset page of the ballots awaiting the viewer's vote, closing soonest first.
pub struct AwaitingPage {
    pub rows: Vec<ballot::Model>,
    pub has_next: bool,
    /// When asked for (`totalCount` selected).
    pub total: Option<u64>,
}

/// One member of a ballot's frozen electorate, as the committee sees it for paper ballots.
#[derive(Clone, Debug)]
pub struct ElectorateEntry {
    pub voter_id: String,
    /// The resident's name, or the household's building and unit with its members' names.
    pub label: String,
    pub area: i64,
    /// "ONLINE" or "PAPER" once the voter has taken part (never what they chose).
    pub channel: Option<String>,
}

/// The frozen electorate with who has taken part, for the committee (paper ballot entry).
/// Filtered by a search over the labels and, optionally, to those who have not voted.
pub async fn electorate(
    db: &DatabaseConnection,
    viewer: &Viewer,
    ballot_id: &str,
    filter: ElectorateFilter<'_>,
    after: Option<&str>,
    limit: u64,
) -> AppResult<ElectoratePage> {
    let b = visible(db, viewer, ballot_id).await?;
    roles::can_manage_roster(db, viewer, &b.community_id).await?;
    let residents = b.electorate == Electorate::Residents;
    // One page in one statement, whatever the electorate's size: by building and unit (by name
    // for a RESIDENTS ballot), after the cursor's voter, whose sort key is looked up in the same
    // statement (a cursor carries only the voter id, never a name).
    let (from, keys, search, after_key) = match residents {
        true => (
            "JOIN residents r ON r.id = v.voter_id",
            "r.name AS k1, '' AS k2",
            "r.name LIKE $4",
            "(r.name, v.voter_id) > (SELECT x.name, x.id FROM residents x WHERE x.id = $5)",
        ),
        false => (
            "JOIN households h ON h.id = v.voter_id LEFT JOIN buildings bd ON bd.id = h.building_id",
            "COALESCE(bd.name, '') AS k1, h.unit AS k2",
            "(COALESCE(bd.name, '') LIKE $4 OR h.unit LIKE $4 OR EXISTS (SELECT 1 FROM residents m \
             WHERE m.household_id = h.id AND m.active AND m.name LIKE $4))",
            "(COALESCE(bd.name, ''), h.unit, v.voter_id) > (SELECT COALESCE(xb.name, ''), x.unit, \
             x.id FROM households x LEFT JOIN buildings xb ON xb.id = x.building_id WHERE x.id = $5)",
        ),
    };
    let base = format!(
        "FROM ballot_voters v {from} \
         LEFT JOIN ballot_participation p ON p.ballot_id = v.ballot_id AND p.voter_id = v.voter_id \
         WHERE v.ballot_id = $1 AND ($2 = 0 OR p.voter_id IS NULL) AND ($3 = '' OR {search})"
    );
    let needle = filter
        .search
        .map(str::trim)
        .unwrap_or_default()
        .replace(['%', '_'], "");
    let values = |with_after: bool| {
        let mut v: Vec<sea_orm::Value> = vec![
            b.id.clone().into(),
            i32::from(filter.not_voted).into(),
            needle.clone().into(),
            format!("%{needle}%").into(),
        ];
        if with_after {
            v.push(after.unwrap_or_default().to_owned().into());
        }
        v
    };
    let backend = db.get_database_backend();
    let total = match filter.with_total {
        true => {
            let sql = format!("SELECT COUNT(*) AS n {base}");
            let row = db
                .query_one_raw(sea_orm::Statement::from_sql_and_values(
                    backend,
                    crate::db::portable(backend, &sql),
                    values(false),
                ))
                .await?;
            let n: i64 = row.map(|r| r.try_get("", "n")).transpose()?.unwrap_or(0);
            Some(u64::try_from(n).unwrap_or(0))
        }
        false => None,
    };
    let sql = format!(
        "SELECT v.voter_id AS voter_id, v.area AS area, p.channel AS channel, {keys} {base} \
         AND ($5 = '' OR {after_key}) ORDER BY k1, k2, v.voter_id LIMIT {}",
        limit.saturating_add(1)
    );
    let rows = <EntryRow as sea_orm::FromQueryResult>::find_by_statement(
        sea_orm::Statement::from_sql_and_values(
            backend,
            crate::db::portable(backend, &sql),
            values(true),
        ),
    )
    .all(db)
    .await?;
    let (rows, has_next) = crate::db::split_page(rows, limit);
    // Labels for this page only: a resident's name, or a household's building, unit and the
    // names of its active members.
    let mut members: HashMap<String, Vec<String>> = HashMap::new();
    if !residents && !rows.is_empty() {
        for r in resident::Entity::find()
            .filter(resident::Column::HouseholdId.is_in(rows.iter().map(|r| r.voter_id.clone())))
            .filter(resident::Column::Active.eq(true))
            .order_by_asc(resident::Column::Name)
            .all(db)
            .await?
        {
            members.entry(r.household_id).or_default().push(r.name);
        }
    }
    let entries = rows
        .into_iter()
        .map(|r| {
            let label = match residents {
                true => r.k1,
                false => {
                    let names = members
                        .get(&r.voter_id)
                        .map(|m| m.join("、"))
                        .unwrap_or_default();
                    format!("{} {} {names}", r.k1, r.k2).trim().to_owned()
                }
            };
            ElectorateEntry {
                label,
                channel: r.channel,
                area: r.area,
                voter_id: r.voter_id,
            }
        })
        .collect();
    Ok(ElectoratePage {
        rows: entries,
        has_next,
        total,
    })
}

/// Which members of an electorate a page shows.
#[derive(Clone, Copy, Debug, Default)]
pub struct ElectorateFilter<'a> {
    /// Part of a name, a building or a unit.
    pub search: Option<&'a str>,
    pub not_voted: bool,
    /// Count the matching members (`totalCount` selected).
    pub with_total: bool,
}

/// One keyset page of a ballot's electorate.
pub struct ElectoratePage {
    pub rows: Vec<ElectorateEntry>,
    pub has_next: bool,
    pub total: Option<u64>,
}

#[derive(sea_orm::FromQueryResult)]
struct EntryRow {
    voter_id: String,
    area: i64,
    channel: Option<String>,
    k1: String,
    k2: String,
}

/// Does the bulletin hold a vote under this receipt, and with which options?
pub async fn verify_receipt(
    state: &Services,
    viewer: &Viewer,
    ballot_id: &str,
    receipt: &str,
) -> AppResult<Option<Vec<String>>> {
    let b = get(state, viewer, ballot_id).await?;
    let hash = crate::auth::tokens::sha256_hex(&crate::auth::tokens::normalize_code(receipt));
    let row = ballot_box::Entity::find()
        .filter(ballot_box::Column::BallotId.eq(b.id))
        .filter(ballot_box::Column::ReceiptHash.eq(hash))
        .one(&state.db)
        .await?;
    Ok(row.map(|r| r.option_ids.split(',').map(str::to_owned).collect()))
}

/// After closing: every receipt hash with its choice (and the area it carries), so anyone can
/// recount the published tally.
pub async fn bulletin(
    state: &Services,
    viewer: &Viewer,
    ballot_id: &str,
) -> AppResult<Vec<ballot_box::Model>> {
    let b = get(state, viewer, ballot_id).await?;
    if b.status != BallotStatus::Closed {
        return Err(AppError::invalid_state(
            "the bulletin is published when the ballot closes (a cancelled ballot has none)",
        ));
    }
    Ok(ballot_box::Entity::find()
        .filter(ballot_box::Column::BallotId.eq(b.id))
        .order_by_asc(ballot_box::Column::ReceiptHash)
        .all(&state.db)
        .await?)
}

/// What the viewer may do with this ballot now (`Ballot.viewerCan`), from the viewer's roles in
/// its community (read once per request with the viewer: no statement of its own).
pub async fn viewer_acts<C: sea_orm::ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    b: &ballot::Model,
) -> AppResult<rules::BallotActs> {
    let held = roles::viewer_roles(conn, viewer, &b.community_id).await?;
    Ok(rules::ballot_acts(
        roles::moderates(&held),
        is_open(b, now()),
        b.extended_at.is_some(),
        b.secret,
        b.status == BallotStatus::Closed,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(kind: BallotKind) -> OpenBallot {
        OpenBallot {
            topic_id: Some("t".into()),
            campaign_id: None,
            category_id: None,
            question: "是否同意更换电梯？".into(),
            kind,
            options: None,
            method: None,
            max_choices: None,
            electorate: Electorate::Owners,
            rule: DecisionRule::OwnersMajor,
            secret: true,
            closes_at: Utc::now() + chrono::Duration::days(7),
            building_ids: None,
        }
    }

    fn field(r: AppResult<Shape>) -> &'static str {
        match r {
            Err(AppError::BadInput { field, .. }) => field,
            Err(_) => "other error",
            Ok(_) => "ok",
        }
    }

    #[test]
    fn a_motion_gets_the_three_fixed_options() {
        let s = shape(&input(BallotKind::Motion), Utc::now(), 600);
        let roles: Vec<OptionRole> = s
            .map(|s| s.options.into_iter().map(|(_, r)| r).collect())
            .unwrap_or_default();
        assert_eq!(
            roles,
            vec![OptionRole::Approve, OptionRole::Oppose, OptionRole::Abstain]
        );
    }

    #[test]
    fn bad_ballot_shapes_name_their_field() {
        let mut i = input(BallotKind::Motion);
        i.options = Some(vec![("A".into(), false)]);
        assert_eq!(field(shape(&i, Utc::now(), 600)), "options");
        let mut i = input(BallotKind::Motion);
        i.electorate = Electorate::Households;
        assert_eq!(field(shape(&i, Utc::now(), 600)), "rule");
        let mut i = input(BallotKind::Motion);
        i.closes_at = Utc::now() + chrono::Duration::seconds(30);
        assert_eq!(field(shape(&i, Utc::now(), 600)), "closesAt");
        let mut i = input(BallotKind::Choice);
        i.options = Some(vec![("A".into(), false), ("A".into(), false)]);
        assert_eq!(field(shape(&i, Utc::now(), 600)), "options");
        let mut i = input(BallotKind::Choice);
        i.options = Some(vec![("A".into(), false), ("B".into(), false)]);
        i.method = Some(VoteMethod::Approval);
        i.max_choices = Some(3);
        assert_eq!(field(shape(&i, Utc::now(), 600)), "maxChoices");
        i.max_choices = Some(2);
        assert_eq!(field(shape(&i, Utc::now(), 600)), "ok");
        // A campaign's vote: as many choices as winners, over a shorter shortlist too.
        i.campaign_id = Some("c".into());
        i.max_choices = Some(5);
        assert_eq!(field(shape(&i, Utc::now(), 600)), "ok");
        i.max_choices = Some(0);
        assert_eq!(field(shape(&i, Utc::now(), 600)), "maxChoices");
    }

    fn opt(id: &str, role: OptionRole) -> ballot_option::Model {
        ballot_option::Model {
            id: id.into(),
            ballot_id: "b".into(),
            position: 0,
            label: id.into(),
            role,
            votes: 0,
            area: 0,
            adopted: None,
            nomination_id: None,
        }
    }

    #[test]
    fn choices_follow_the_method() {
        let opts = vec![
            opt("a", OptionRole::Choice),
            opt("b", OptionRole::Choice),
            opt("c", OptionRole::Choice),
            opt("x", OptionRole::Abstain),
        ];
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(validate_choice(VoteMethod::Single, 1, &opts, &ids(&["a"])).is_ok());
        assert!(validate_choice(VoteMethod::Single, 1, &opts, &ids(&["a", "b"])).is_err());
        assert!(validate_choice(VoteMethod::Approval, 2, &opts, &ids(&["b", "a"])).is_ok());
        assert!(validate_choice(VoteMethod::Approval, 2, &opts, &ids(&["a", "b", "c"])).is_err());
        assert!(
            validate_choice(VoteMethod::Approval, 2, &opts, &ids(&["a", "x"])).is_err(),
            "abstain is exclusive"
        );
        assert!(
            validate_choice(VoteMethod::Approval, 2, &opts, &ids(&["a", "a"])).is_err(),
            "each option once"
        );
        assert!(validate_choice(VoteMethod::Single, 1, &opts, &ids(&["zzz"])).is_err());
        assert!(validate_choice(VoteMethod::Single, 1, &opts, &[]).is_err());
    }
}
