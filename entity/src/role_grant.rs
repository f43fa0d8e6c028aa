use sea_orm::entity::prelude::*;

/// A community role beyond RESIDENT (COMMITTEE, MEDIATOR, ORGANIZER) held by an account.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "role_grants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub account_id: String,
    pub community_id: String,
    pub role: Role,
    pub granted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// A community role. RESIDENT comes with a roster place and ADMIN from the command line; the
/// others are granted (and stored here).
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
pub enum Role {
    #[sea_orm(string_value = "RESIDENT")]
    Resident,
    #[sea_orm(string_value = "COMMITTEE")]
    Committee,
    #[sea_orm(string_value = "MEDIATOR")]
    Mediator,
    #[sea_orm(string_value = "ORGANIZER")]
    Organizer,
    #[sea_orm(string_value = "ADMIN")]
    Admin,
}
