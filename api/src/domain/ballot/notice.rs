//! The result notice (公示) of a closed ballot (DESIGN §4): everything a committee posts on the
//! notice board, computed here so that no client re-implements a rule: the question, rule,
//! electorate and scope, eligible and participating counts and areas, each option's votes and
//! area, every threshold with what was required, what was achieved and whether it was met, the
//! outcome, and the SHA-256 digest of the bulletin (the exact bytes of
//! `GET /ballots/{id}/bulletin.csv`, so anyone can check a download with `sha256sum`).

use entity::{ballot, ballot_box, ballot_option, building, community, topic};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::rules::{Outcome, Threshold};
use super::service::{self, BallotStatus};
use crate::auth::Viewer;
use crate::domain::roster::rules::format_area;
use crate::error::{AppError, AppResult};
use crate::state::Services;

/// The bulletin's header line (CSV).
pub const BULLETIN_HEADER: &str = "receipt_hash,option_ids,area";

/// The canonical bulletin: CSV `receipt_hash,option_ids,area` with CRLF line ends, one line per
/// vote sorted by receipt hash; several options of one vote are joined by `;`; the area is m²
/// as a decimal string. The notice's digest is over exactly these bytes.
pub fn bulletin_csv(rows: &[ballot_box::Model]) -> String {
    let mut out = String::with_capacity(32 + rows.len() * 120);
    out.push_str(BULLETIN_HEADER);
    out.push_str("\r\n");
    for r in rows {
        out.push_str(&r.receipt_hash);
        out.push(',');
        out.push_str(&r.option_ids.replace(',', ";"));
        out.push(',');
        out.push_str(&format_area(r.area));
        out.push_str("\r\n");
    }
    out
}

/// A closed ballot's notice.
#[derive(Clone, Debug)]
pub struct Notice {
    pub ballot: ballot::Model,
    pub community_name: String,
    pub topic_title: Option<String>,
    /// The buildings of the scope, by name; `None`: the whole community.
    pub scope: Option<Vec<building::Model>>,
    pub options: Vec<ballot_option::Model>,
    pub thresholds: Vec<Threshold>,
    pub quorum_met: bool,
    pub outcome: Outcome,
    /// Lowercase hex SHA-256 of `bulletin_csv`.
    pub bulletin_digest: String,
    pub bulletin_entries: usize,
}

/// The notice of a ballot the viewer may see: `None` until it has closed (and for a cancelled
/// ballot, which has no result).
pub async fn notice(
    state: &Services,
    viewer: &Viewer,
    ballot_id: &str,
) -> AppResult<Option<Notice>> {
    let b = service::get(state, viewer, ballot_id).await?;
    if b.status != BallotStatus::Closed {
        return Ok(None);
    }
    let db = &state.db;
    let options = service::options_of(db, &b.id).await?;
    let thresholds = super::close::thresholds(&b, &options);
    let (Some(outcome), Some(quorum_met)) = (b.outcome, b.quorum_met) else {
        return Err(AppError::Internal(anyhow::anyhow!(
            "closed ballot {} has no stored result",
            b.id
        )));
    };
    let community_name = community::Entity::find_by_id(b.community_id.clone())
        .one(db)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    let topic_title = match &b.topic_id {
        Some(t) => topic::Entity::find_by_id(t.clone())
            .one(db)
            .await?
            .map(|t| t.title),
        None => None,
    };
    let scope = service::scope_buildings(db, &b).await?;
    let rows = ballot_box::Entity::find()
        .filter(ballot_box::Column::BallotId.eq(b.id.clone()))
        .order_by_asc(ballot_box::Column::ReceiptHash)
        .all(db)
        .await?;
    let bulletin_digest = crate::auth::tokens::sha256_hex(&bulletin_csv(&rows));
    Ok(Some(Notice {
        outcome,
        quorum_met,
        community_name,
        topic_title,
        scope,
        options,
        thresholds,
        bulletin_digest,
        bulletin_entries: rows.len(),
        ballot: b,
    }))
}
