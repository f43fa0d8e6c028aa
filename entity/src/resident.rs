use sea_orm::entity::prelude::*;

/// An account's place on one community's roster.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "residents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub account_id: String,
    pub community_id: String,
    pub household_id: String,
    pub name: String,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub deactivated_at: Option<DateTimeUtc>,
    /// When the account holder took this place (see migration 000003); only linked places
    /// give access.
    pub linked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
