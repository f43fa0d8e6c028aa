use sea_orm::entity::prelude::*;

/// A comment, threaded one level deep; hidden comments are kept.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "topic_comments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub topic_id: String,
    pub author_id: String,
    pub parent_id: Option<String>,
    pub body: String,
    pub created_at: DateTimeUtc,
    pub hidden_at: Option<DateTimeUtc>,
    pub hidden_reason: Option<String>,
    pub hidden_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
