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
    pub kind: BallotKind,
    pub method: VoteMethod,
    pub max_choices: i32,
    pub electorate: Electorate,
    pub rule: DecisionRule,
    pub secret: bool,
    pub status: BallotStatus,
    pub opened_by: String,
    pub opened_at: DateTimeUtc,
    pub closes_at: DateTimeUtc,
    pub closed_at: Option<DateTimeUtc>,
    pub eligible_count: i64,
    pub eligible_area: i64,
    pub turnout_count: i64,
    pub turnout_area: i64,
    pub quorum_met: Option<bool>,
    pub outcome: Option<Outcome>,
    pub reminder_sent: bool,
    /// The buildings the electorate was narrowed to (ids joined by `,`); null: the whole community.
    pub scope: Option<String>,
    /// The one extension of `closes_at` once votes exist, with its public reason.
    pub extended_at: Option<DateTimeUtc>,
    pub extend_reason: Option<String>,
    /// A cancelled ballot (status `CANCELLED`) and its public reason.
    pub cancelled_at: Option<DateTimeUtc>,
    pub cancel_reason: Option<String>,
    /// A campaign ballot's category (with `campaign_id`).
    pub category_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Open until closed (counted) or cancelled (never counted).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BallotStatus {
    #[sea_orm(string_value = "OPEN")]
    Open,
    #[sea_orm(string_value = "CLOSED")]
    Closed,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

/// A motion (赞成 / 反对 / 弃权) or a choice among named options.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BallotKind {
    #[sea_orm(string_value = "MOTION")]
    Motion,
    #[sea_orm(string_value = "CHOICE")]
    Choice,
}

/// One option, or any number up to `max_choices`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VoteMethod {
    #[sea_orm(string_value = "SINGLE")]
    Single,
    #[sea_orm(string_value = "APPROVAL")]
    Approval,
}

/// Who votes: each resident, each household, or each owner household with its floor area.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Electorate {
    #[sea_orm(string_value = "RESIDENTS")]
    Residents,
    #[sea_orm(string_value = "HOUSEHOLDS")]
    Households,
    #[sea_orm(string_value = "OWNERS")]
    Owners,
}

/// The thresholds a ballot is judged by (DESIGN §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DecisionRule {
    #[sea_orm(string_value = "PLURALITY")]
    Plurality,
    #[sea_orm(string_value = "RESIDENTS_MEETING")]
    ResidentsMeeting,
    #[sea_orm(string_value = "OWNERS_ORDINARY")]
    OwnersOrdinary,
    #[sea_orm(string_value = "OWNERS_MAJOR")]
    OwnersMajor,
}

/// A closed ballot's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    #[sea_orm(string_value = "ADOPTED")]
    Adopted,
    #[sea_orm(string_value = "NOT_ADOPTED")]
    NotAdopted,
    #[sea_orm(string_value = "NO_QUORUM")]
    NoQuorum,
    #[sea_orm(string_value = "DECIDED")]
    Decided,
    #[sea_orm(string_value = "TIE")]
    Tie,
}
