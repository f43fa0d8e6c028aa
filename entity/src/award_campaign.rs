use sea_orm::entity::prelude::*;

/// An awards campaign (文明评选, DESIGN §6). Its phase follows from the window ends and
/// `announced_at`: before `nominate_until` NOMINATING, then ENDORSING until `endorse_until`,
/// then REVIEWING until announced (`review_until` is the committee's target, not a cut-off).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "award_campaigns")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub community_id: String,
    pub title: String,
    pub year: i32,
    /// Endorsements at which a nomination becomes QUALIFIED.
    pub endorsement_threshold: i32,
    pub nominate_until: DateTimeUtc,
    pub endorse_until: DateTimeUtc,
    pub review_until: DateTimeUtc,
    pub announced_at: Option<DateTimeUtc>,
    /// The account that created it.
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Where a campaign stands (DESIGN §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CampaignPhase {
    #[sea_orm(string_value = "NOMINATING")]
    Nominating,
    #[sea_orm(string_value = "ENDORSING")]
    Endorsing,
    #[sea_orm(string_value = "REVIEWING")]
    Reviewing,
    #[sea_orm(string_value = "ANNOUNCED")]
    Announced,
}
