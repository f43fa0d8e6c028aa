use sea_orm::entity::prelude::*;

/// An option with its live counters (votes, area in hundredths of m²).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ballot_options")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub ballot_id: String,
    pub position: i32,
    pub label: String,
    pub role: String,
    pub votes: i64,
    pub area: i64,
    pub adopted: Option<bool>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
