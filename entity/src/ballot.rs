use sea_orm::entity::prelude::*;

/// A ballot with its frozen electorate size, live turnout counters and stored result.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ballots")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub community_id: String,
    pub topic_id: Option<String>,
    pub campaign_id: Option<String>,
    pub question: String,
    pub kind: String,
    pub method: String,
    pub max_choices: i32,
    pub electorate: String,
    pub rule: String,
    pub secret: bool,
    pub status: String,
    pub opened_by: String,
    pub opened_at: DateTimeUtc,
    pub closes_at: DateTimeUtc,
    pub closed_at: Option<DateTimeUtc>,
    pub eligible_count: i64,
    pub eligible_area: i64,
    pub turnout_count: i64,
    pub turnout_area: i64,
    pub quorum_met: Option<bool>,
    pub outcome: Option<String>,
    pub reminder_sent: bool,
    /// The buildings the electorate was narrowed to (ids joined by `,`); null: the whole community.
    pub scope: Option<String>,
    /// The one extension of `closes_at` once votes exist, with its public reason.
    pub extended_at: Option<DateTimeUtc>,
    pub extend_reason: Option<String>,
    /// A cancelled ballot (status `CANCELLED`) and its public reason.
    pub cancelled_at: Option<DateTimeUtc>,
    pub cancel_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
