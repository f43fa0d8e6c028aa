use sea_orm::entity::prelude::*;

/// A person who can sign in: one phone, one password, possibly on several community rosters.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Normalised 11-digit mainland mobile number.
    #[sea_orm(unique)]
    pub phone: String,
    pub name: String,
    pub password_hash: Option<String>,
    pub is_admin: bool,
    /// Bumped to end every session at once (deactivation, password reset); access tokens carry it.
    pub session_epoch: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
