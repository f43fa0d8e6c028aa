//! Mediation's shared types, the access rule and the views.
//!
//! Confidentiality (DESIGN §5): a case is readable only by its parties (the applicant and the
//! resident respondents), its assigned mediators and the committee of its community, each as a
//! live resident there. Everyone else, platform admins included, gets NOT_FOUND for the case on
//! every path (reads, acts) and never finds it in a list; the committee's community-wide lists
//! answer other members (and admins off the roster) FORBIDDEN. Every act locks the case row first (`lock`), so acts on one case run one
//! at a time on PostgreSQL as they do on SQLite's single writer: two signatures at the same
//! moment, or a withdrawal racing an acceptance, see each other's result.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use entity::{
    case_entry, case_mediator, case_party, case_rating, case_session, case_signature, community,
    mediation_case,
};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Set, UpdateMany,
};

use super::rules::{self, Act, CaseEntryKind, CaseRole, CaseStatus, Facts, PartyRole, Standing};
use crate::auth::Viewer;
use crate::domain::notify::{self, NotificationKind, Pending};
use crate::domain::roles::{self, Role};
use crate::domain::topic::service::{active_accounts, people, person};
use crate::domain::{new_id, now};
use crate::error::{AppError, AppResult};

pub use crate::domain::topic::service::Person;

/// Of these residents, those who act as mediators now: a live place, and the MEDIATOR role
/// granted to their account in that place's community. One statement.
pub(super) async fn current_mediators<C: ConnectionTrait>(
    conn: &C,
    resident_ids: impl IntoIterator<Item = String>,
) -> AppResult<BTreeSet<String>> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    let ids: BTreeSet<String> = resident_ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(BTreeSet::new());
    }
    let holders = entity::role_grant::Entity::find()
        .select_only()
        .column(entity::role_grant::Column::AccountId)
        .column(entity::role_grant::Column::CommunityId)
        .filter(entity::role_grant::Column::Role.eq(Role::Mediator))
        .into_query();
    let found: Vec<String> = entity::resident::Entity::find()
        .select_only()
        .column(entity::resident::Column::Id)
        .filter(entity::resident::Column::Id.is_in(ids))
        .filter(roles::live_place())
        .filter(
            Expr::tuple([
                Expr::col(entity::resident::Column::AccountId),
                Expr::col(entity::resident::Column::CommunityId),
            ])
            .in_subquery(holders),
        )
        .into_tuple()
        .all(conn)
        .await?;
    Ok(found.into_iter().collect())
}

/// The viewer in one community: their live place, whether they sit on its committee and
/// whether they hold the MEDIATOR role there now (an assigned mediator whose role was revoked
/// no longer stands in the case: the committee reassigns it).
#[derive(Clone, Debug, Default)]
pub struct Viewing {
    pub resident_id: Option<String>,
    pub committee: bool,
    pub mediator: bool,
}

pub async fn viewing<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    community_id: &str,
) -> AppResult<Viewing> {
    let resident_id = roles::active_resident(conn, viewer, community_id)
        .await?
        .map(|r| r.id);
    let held = match resident_id {
        Some(_) => roles::viewer_roles(conn, viewer, community_id).await?,
        None => Vec::new(),
    };
    Ok(Viewing {
        resident_id,
        committee: held.contains(&Role::Committee),
        mediator: held.contains(&Role::Mediator),
    })
}

/// A resident party as the case shows them.
#[derive(Clone, Debug)]
pub struct PartyView {
    pub person: Person,
    pub role: PartyRole,
    pub consent: Option<bool>,
    pub responded_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug)]
pub struct SignatureView {
    pub signer: Person,
    pub signed_at: DateTime<Utc>,
}

/// A case as one viewer sees it.
#[derive(Clone, Debug)]
pub struct CaseView {
    pub case: mediation_case::Model,
    /// The applicant first, then the respondents.
    pub parties: Vec<PartyView>,
    pub mediators: Vec<Person>,
    /// Signatures of the current terms (earlier versions' are void).
    pub signatures: Vec<SignatureView>,
    pub sessions: Vec<case_session::Model>,
    pub standing: Standing,
    pub overdue: bool,
    pub overdue_days: i32,
    /// The case's community's name.
    pub community_name: String,
    pub viewer_rating: Option<i32>,
    /// The viewer's resident id in the case's community.
    pub me: Option<String>,
}

impl CaseView {
    pub fn facts(&self) -> Facts {
        Facts {
            has_terms: self.case.terms.is_some(),
            has_outside_party: self.case.outside_party.is_some(),
            outside_consented: self.case.outside_consent_at.is_some(),
            outside_signed: self.case.outside_signed_at.is_some(),
            sessions: self.sessions.len(),
        }
    }

    /// What the viewer may do now (the same check every act runs).
    pub fn actions(&self) -> Vec<Act> {
        rules::actions(self.case.status, &self.facts(), &self.standing)
    }

    pub fn require(&self, act: Act) -> AppResult<()> {
        rules::check(act, self.case.status, &self.facts(), &self.standing).map_err(Into::into)
    }

    pub fn applicant(&self) -> Option<&PartyView> {
        self.parties.iter().find(|p| p.role == PartyRole::Applicant)
    }

    pub fn respondents(&self) -> impl Iterator<Item = &PartyView> {
        self.parties
            .iter()
            .filter(|p| p.role == PartyRole::Respondent)
    }

    /// Resident ids of the parties.
    pub fn party_ids(&self) -> Vec<String> {
        self.parties.iter().map(|p| p.person.id.clone()).collect()
    }

    pub fn mediator_ids(&self) -> Vec<String> {
        self.mediators.iter().map(|m| m.id.clone()).collect()
    }

    /// The parties and the mediators (everyone a step of the mediation concerns).
    pub fn everyone(&self) -> Vec<String> {
        self.party_ids()
            .into_iter()
            .chain(self.mediator_ids())
            .collect()
    }

    /// Everyone who signs the agreement in the app: the parties and the mediators.
    pub fn signers(&self) -> BTreeSet<String> {
        self.party_ids()
            .into_iter()
            .chain(self.mediator_ids())
            .collect()
    }

    /// The viewer's resident id (every reader has one: readers are live residents).
    pub fn me(&self) -> AppResult<String> {
        self.me.clone().ok_or(AppError::NotFound)
    }

    pub fn is_mediator(&self) -> bool {
        self.standing.roles.contains(&CaseRole::Mediator)
    }

    /// The key to read the mediators' private notes of this case with: an assigned mediator's
    /// only (parties and the committee never read them).
    pub fn notes_key(&self) -> Option<NotesOf> {
        self.is_mediator().then(|| NotesOf(self.case.id.clone()))
    }
}

/// A case whose private notes its viewer may read (only [`CaseView::notes_key`] makes one).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NotesOf(String);

impl NotesOf {
    pub fn case_id(&self) -> &str {
        &self.0
    }
}

/// Views of `cases` for a viewer, with what each shows, in a constant number of statements
/// however many cases there are. Cases the viewer may not read come back with no roles
/// (callers drop them or answer NOT_FOUND).
pub async fn views<C: ConnectionTrait>(
    conn: &C,
    viewing: &Viewing,
    cases: Vec<mediation_case::Model>,
) -> AppResult<Vec<CaseView>> {
    if cases.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = cases.iter().map(|c| c.id.clone()).collect();
    let parties = case_party::Entity::find()
        .filter(case_party::Column::CaseId.is_in(ids.clone()))
        .order_by_asc(case_party::Column::CreatedAt)
        .order_by_asc(case_party::Column::Id)
        .all(conn)
        .await?;
    let mut mediators = case_mediator::Entity::find()
        .filter(case_mediator::Column::CaseId.is_in(ids.clone()))
        .order_by_asc(case_mediator::Column::AssignedAt)
        .order_by_asc(case_mediator::Column::Id)
        .all(conn)
        .await?;
    // An assigned mediator who no longer holds the role (or moved out) is no longer one of the
    // case's mediators: not shown, not a signer, not told; the committee reassigns.
    let current = current_mediators(conn, mediators.iter().map(|m| m.resident_id.clone())).await?;
    mediators.retain(|m| current.contains(&m.resident_id));
    // Signatures of each case's current terms only: every new draft voids the earlier ones,
    // which stay stored, so the earlier versions' grow with every draft.
    let current_terms = cases.iter().fold(sea_orm::Condition::any(), |any, c| {
        any.add(
            sea_orm::Condition::all()
                .add(case_signature::Column::CaseId.eq(c.id.clone()))
                .add(case_signature::Column::Version.eq(c.terms_version)),
        )
    });
    let signatures = case_signature::Entity::find()
        .filter(current_terms)
        .order_by_asc(case_signature::Column::SignedAt)
        .all(conn)
        .await?;
    let sessions = case_session::Entity::find()
        .filter(case_session::Column::CaseId.is_in(ids.clone()))
        .order_by_asc(case_session::Column::StartsAt)
        .all(conn)
        .await?;
    let ratings: HashMap<String, i32> = match &viewing.resident_id {
        Some(me) => case_rating::Entity::find()
            .filter(case_rating::Column::CaseId.is_in(ids.clone()))
            .filter(case_rating::Column::ResidentId.eq(me.clone()))
            .all(conn)
            .await?
            .into_iter()
            .map(|r| (r.case_id, r.stars))
            .collect(),
        None => HashMap::new(),
    };
    let community_ids: BTreeSet<String> = cases.iter().map(|c| c.community_id.clone()).collect();
    let communities: HashMap<String, community::Model> = community::Entity::find()
        .filter(community::Column::Id.is_in(community_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id.clone(), c))
        .collect();
    let names = people(
        conn,
        parties
            .iter()
            .map(|p| p.resident_id.clone())
            .chain(mediators.iter().map(|m| m.resident_id.clone())),
    )
    .await?;
    let at = now();
    let me = viewing.resident_id.as_deref();
    Ok(cases
        .into_iter()
        .map(|c| {
            let mine: Vec<&case_party::Model> =
                parties.iter().filter(|p| p.case_id == c.id).collect();
            let assigned: Vec<&case_mediator::Model> =
                mediators.iter().filter(|m| m.case_id == c.id).collect();
            let signed: Vec<&case_signature::Model> = signatures
                .iter()
                .filter(|s| s.case_id == c.id && s.version == c.terms_version)
                .collect();
            let mut standing = Standing::default();
            if let Some(me) = me {
                for p in mine.iter().filter(|p| p.resident_id == me) {
                    match p.role {
                        PartyRole::Applicant => {
                            standing.roles.insert(CaseRole::Applicant);
                        }
                        PartyRole::Respondent => {
                            standing.roles.insert(CaseRole::Respondent);
                            standing.consent = p.consent;
                        }
                    }
                }
                if viewing.mediator && assigned.iter().any(|m| m.resident_id == me) {
                    standing.roles.insert(CaseRole::Mediator);
                }
                if viewing.committee {
                    standing.roles.insert(CaseRole::Committee);
                }
                standing.signed = signed.iter().any(|s| s.signer_id == me);
                standing.rated = ratings.contains_key(&c.id);
            }
            let mut party_views: Vec<PartyView> = mine
                .iter()
                .map(|p| PartyView {
                    person: person(&names, &p.resident_id),
                    role: p.role,
                    consent: p.consent,
                    responded_at: p.responded_at,
                })
                .collect();
            party_views.sort_by_key(|p| p.role != PartyRole::Applicant);
            let home = communities.get(&c.community_id);
            let days = home
                .map(|h| h.case_overdue_days)
                .unwrap_or(rules::DEFAULT_OVERDUE_DAYS);
            CaseView {
                parties: party_views,
                mediators: assigned
                    .iter()
                    .map(|m| person(&names, &m.resident_id))
                    .collect(),
                signatures: signed
                    .iter()
                    .map(|s| SignatureView {
                        signer: person(&names, &s.signer_id),
                        signed_at: s.signed_at,
                    })
                    .collect(),
                sessions: sessions
                    .iter()
                    .filter(|s| s.case_id == c.id)
                    .cloned()
                    .collect(),
                overdue: rules::is_overdue(c.status, c.created_at, at, days),
                overdue_days: days,
                community_name: home.map(|h| h.name.clone()).unwrap_or_default(),
                viewer_rating: ratings.get(&c.id).copied(),
                me: me.map(str::to_owned),
                standing,
                case: c,
            }
        })
        .collect())
}

/// The case as the viewer sees it inside an act's transaction, its row locked until commit:
/// NOT_FOUND unless the viewer may read it.
pub(super) async fn lock<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    case_id: &str,
) -> AppResult<CaseView> {
    let c = mediation_case::Entity::find_by_id(case_id.to_owned())
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let viewing = viewing(conn, viewer, &c.community_id).await?;
    readable(views(conn, &viewing, vec![c]).await?.pop())
}

/// NOT_FOUND unless the view exists and the viewer stands in it.
pub(super) fn readable(view: Option<CaseView>) -> AppResult<CaseView> {
    match view {
        Some(v) if !v.standing.roles.is_empty() => Ok(v),
        _ => Err(AppError::NotFound),
    }
}

/// The conditional update of a status change; `rows_affected` 0 means another act moved the
/// case first. Sets `resolved_at` / `closed_at` when the target is one.
pub(super) fn transition(
    case_id: &str,
    from: &[CaseStatus],
    to: CaseStatus,
) -> UpdateMany<mediation_case::Entity> {
    let at = now();
    let mut u = mediation_case::Entity::update_many()
        .col_expr(mediation_case::Column::Status, Expr::value(to))
        .col_expr(mediation_case::Column::UpdatedAt, Expr::value(at))
        .filter(mediation_case::Column::Id.eq(case_id))
        .filter(mediation_case::Column::Status.is_in(from.iter().copied()));
    if rules::is_resolved(to) && to != CaseStatus::Closed && to != CaseStatus::Fulfilled {
        u = u.col_expr(mediation_case::Column::ResolvedAt, Expr::value(at));
    }
    if to == CaseStatus::Closed {
        u = u.col_expr(mediation_case::Column::ClosedAt, Expr::value(at));
    }
    u
}

pub(super) async fn apply<C: ConnectionTrait>(
    conn: &C,
    update: UpdateMany<mediation_case::Entity>,
) -> AppResult<()> {
    if update.exec(conn).await?.rows_affected == 1 {
        Ok(())
    } else {
        Err(AppError::invalid_state(
            "the case was changed meanwhile; reload it",
        ))
    }
}

/// Touches the case's `updated_at` (the lists' "latest activity").
pub(super) async fn touch<C: ConnectionTrait>(conn: &C, case_id: &str) -> AppResult<()> {
    mediation_case::Entity::update_many()
        .col_expr(mediation_case::Column::UpdatedAt, Expr::value(now()))
        .filter(mediation_case::Column::Id.eq(case_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// A line on the case's timeline.
pub(super) async fn entry<C: ConnectionTrait>(
    conn: &C,
    case_id: &str,
    kind: CaseEntryKind,
    author_id: Option<&str>,
    body: Option<String>,
) -> AppResult<()> {
    case_entry::ActiveModel {
        id: Set(new_id()),
        case_id: Set(case_id.to_owned()),
        kind: Set(kind),
        author_id: Set(author_id.map(str::to_owned)),
        body: Set(body),
        created_at: Set(now()),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Tells residents (those still on the roster, never the actor) about the case. The message
/// carries the case's id and number only: no names, no text (it may go out by SMS).
pub(super) async fn tell<C: ConnectionTrait>(
    conn: &C,
    viewer: &Viewer,
    case: &mediation_case::Model,
    residents: impl IntoIterator<Item = String>,
    kind: NotificationKind,
    extra: Option<(&str, serde_json::Value)>,
) -> AppResult<Vec<Pending>> {
    let accounts: Vec<String> = active_accounts(conn, residents)
        .await?
        .into_iter()
        .filter(|a| a != viewer.id())
        .collect();
    tell_accounts(conn, case, &accounts, kind, extra).await
}

pub(super) async fn tell_accounts<C: ConnectionTrait>(
    conn: &C,
    case: &mediation_case::Model,
    accounts: &[String],
    kind: NotificationKind,
    extra: Option<(&str, serde_json::Value)>,
) -> AppResult<Vec<Pending>> {
    if accounts.is_empty() {
        return Ok(Vec::new());
    }
    let mut params = serde_json::json!({ "caseId": case.id, "number": case.number });
    if let (Some((k, v)), Some(map)) = (extra, params.as_object_mut()) {
        map.insert(k.to_owned(), v);
    }
    notify::emit_many(conn, accounts, Some(&case.community_id), kind, params).await
}

/// Ends an act: commits, announces the notifications, and answers with the case as the viewer
/// now sees it.
pub(super) async fn done(
    state: &crate::state::Services,
    txn: sea_orm::DatabaseTransaction,
    viewer: &Viewer,
    case_id: &str,
    pending: Vec<Pending>,
) -> AppResult<CaseView> {
    txn.commit().await?;
    notify::publish(&state.bus, pending).await;
    super::read::get(&state.db, viewer, case_id).await
}

/// The case's row as it is now (after an act's updates).
pub(super) async fn reload<C: ConnectionTrait>(
    conn: &C,
    case_id: &str,
) -> AppResult<mediation_case::Model> {
    mediation_case::Entity::find_by_id(case_id.to_owned())
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Live residents of a community among `ids` (BAD_USER_INPUT on `field` otherwise: the same
/// answer for an id of another community and an id that names nobody).
pub(super) async fn residents_of<C: ConnectionTrait>(
    conn: &C,
    community_id: &str,
    ids: &BTreeSet<String>,
    field: &'static str,
) -> AppResult<Vec<entity::resident::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let found = entity::resident::Entity::find()
        .filter(entity::resident::Column::Id.is_in(ids.iter().cloned()))
        .filter(entity::resident::Column::CommunityId.eq(community_id))
        .filter(roles::live_place())
        .all(conn)
        .await?;
    if found.len() != ids.len() {
        return Err(AppError::bad_input(
            field,
            "not a resident of this community (describe someone from outside as an outside party)",
        ));
    }
    Ok(found)
}

/// Whether each of `residents` acts as a mediator now (`current_mediators`; BAD_USER_INPUT on
/// `mediatorIds` otherwise).
pub(super) async fn require_mediators<C: ConnectionTrait>(
    conn: &C,
    residents: &[entity::resident::Model],
) -> AppResult<()> {
    let current = current_mediators(conn, residents.iter().map(|r| r.id.clone())).await?;
    if residents.iter().all(|r| current.contains(&r.id)) {
        Ok(())
    } else {
        Err(AppError::bad_input(
            "mediatorIds",
            "every mediator must hold the MEDIATOR role in this community",
        ))
    }
}
