use sea_orm::entity::prelude::*;

/// A deliberation topic (议事).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "topics")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub community_id: String,
    pub proposer_id: String,
    pub title: String,
    pub body: String,
    pub category: String,
    pub status: String,
    pub cosign_count: i32,
    pub reject_reason: Option<String>,
    pub progress: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
