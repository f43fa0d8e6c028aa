use sea_orm::entity::prelude::*;

/// A mediation session: a time and a place.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub case_id: String,
    pub starts_at: DateTimeUtc,
    pub place: String,
    pub note: Option<String>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    /// When the day-before reminder was claimed (sent once).
    pub reminded_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
