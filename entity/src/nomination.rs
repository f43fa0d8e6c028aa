use sea_orm::entity::prelude::*;

pub use crate::award_category::NomineeKind;

/// A nomination: one nominee in one category of a campaign, with the nominator's story.
/// Public to the community once OPEN; before that (and when DECLINED) only the nominator, the
/// nominee and the committee may read it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "nominations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub campaign_id: String,
    pub category_id: String,
    pub community_id: String,
    pub nominee_kind: NomineeKind,
    /// A household's, a building's or a resident's id, as `nominee_kind` says.
    pub nominee_id: String,
    /// The household that may not endorse: the nominee household itself, or the nominee
    /// resident's household; null for a building.
    pub nominee_household_id: Option<String>,
    /// The nominator's resident id.
    pub nominator_id: String,
    pub story: String,
    pub status: NominationStatus,
    pub endorsement_count: i32,
    pub shortlist_note: Option<String>,
    pub consented_at: Option<DateTimeUtc>,
    pub qualified_at: Option<DateTimeUtc>,
    /// When it was shortlisted, awarded or not selected (the latest of these).
    pub decided_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Where a nomination stands (DESIGN §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NominationStatus {
    #[sea_orm(string_value = "AWAITING_CONSENT")]
    AwaitingConsent,
    #[sea_orm(string_value = "OPEN")]
    Open,
    #[sea_orm(string_value = "DECLINED")]
    Declined,
    #[sea_orm(string_value = "QUALIFIED")]
    Qualified,
    #[sea_orm(string_value = "SHORTLISTED")]
    Shortlisted,
    #[sea_orm(string_value = "AWARDED")]
    Awarded,
    #[sea_orm(string_value = "NOT_SELECTED")]
    NotSelected,
}

impl NominationStatus {
    /// Whether the community may see it.
    pub fn is_public(self) -> bool {
        !matches!(self, Self::AwaitingConsent | Self::Declined)
    }
}
