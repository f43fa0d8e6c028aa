use sea_orm::entity::prelude::*;

/// A mediation case (矛盾调处, DESIGN §5). Confidential: only its parties, its assigned
/// mediators and the community's committee may read it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mediation_cases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub community_id: String,
    /// Human-readable and unique in the community: the year and the case's place in it, "2026-017".
    pub number: String,
    pub year: i32,
    pub seq: i32,
    /// The applicant's resident id.
    pub applicant_id: String,
    /// A respondent from outside the roster, described in text.
    pub outside_party: Option<String>,
    pub category: CaseCategory,
    pub description: String,
    pub desired_outcome: String,
    pub status: CaseStatus,
    /// Whether an agreement was fulfilled; null until the follow-up.
    pub fulfilled: Option<bool>,
    pub decline_reason: Option<String>,
    /// For a FAILED case: the channel the mediator suggested (court, police, …).
    pub failure_channel: Option<String>,
    pub follow_up_note: Option<String>,
    /// When the mediator recorded the outside party's consent (given on paper).
    pub outside_consent_at: Option<DateTimeUtc>,
    /// The agreement's terms; null until first drafted.
    pub terms: Option<String>,
    /// Incremented by every draft: a signature counts only for the version it was given to.
    pub terms_version: i32,
    pub terms_drafted_at: Option<DateTimeUtc>,
    /// When the mediator recorded the outside party's paper signature of the current terms.
    pub outside_signed_at: Option<DateTimeUtc>,
    pub accepted_at: Option<DateTimeUtc>,
    /// When the case reached AGREED, FAILED, WITHDRAWN, DECLINED or RESPONDENT_DECLINED.
    pub resolved_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    /// When the mediators were told an agreement's follow-up is due (claimed once).
    pub follow_up_notified_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// What a dispute is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CaseCategory {
    #[sea_orm(string_value = "NOISE")]
    Noise,
    #[sea_orm(string_value = "LEAKS")]
    Leaks,
    #[sea_orm(string_value = "PARKING")]
    Parking,
    #[sea_orm(string_value = "PETS")]
    Pets,
    #[sea_orm(string_value = "FEES")]
    Fees,
    #[sea_orm(string_value = "FAMILY")]
    Family,
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// Where a case stands (DESIGN §5).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CaseStatus {
    #[sea_orm(string_value = "SUBMITTED")]
    Submitted,
    #[sea_orm(string_value = "ACCEPTED")]
    Accepted,
    #[sea_orm(string_value = "DECLINED")]
    Declined,
    #[sea_orm(string_value = "RESPONDENT_DECLINED")]
    RespondentDeclined,
    #[sea_orm(string_value = "IN_MEDIATION")]
    InMediation,
    #[sea_orm(string_value = "AGREED")]
    Agreed,
    #[sea_orm(string_value = "FAILED")]
    Failed,
    #[sea_orm(string_value = "WITHDRAWN")]
    Withdrawn,
    #[sea_orm(string_value = "FULFILLED")]
    Fulfilled,
    #[sea_orm(string_value = "CLOSED")]
    Closed,
}
