use sea_orm::entity::prelude::*;

/// A category of a campaign (文明家庭, 文明楼栋, 好邻里 …): who can be nominated in it and how
/// many win.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "award_categories")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub campaign_id: String,
    /// Its place in the campaign's list.
    pub position: i32,
    pub name: String,
    pub nominee_kind: NomineeKind,
    pub winners: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// What a category's nominees are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NomineeKind {
    #[sea_orm(string_value = "HOUSEHOLD")]
    Household,
    #[sea_orm(string_value = "BUILDING")]
    Building,
    #[sea_orm(string_value = "RESIDENT")]
    Resident,
}
