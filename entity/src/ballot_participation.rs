use sea_orm::entity::prelude::*;

/// Who voted (never what).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ballot_participation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub ballot_id: String,
    pub voter_id: String,
    pub channel: VoteChannel,
    pub cast_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// How a vote arrived: cast in the app, or a paper ballot recorded by the committee.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VoteChannel {
    #[sea_orm(string_value = "ONLINE")]
    Online,
    #[sea_orm(string_value = "PAPER")]
    Paper,
}
