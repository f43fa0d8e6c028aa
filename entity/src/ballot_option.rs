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
    pub role: OptionRole,
    pub votes: i64,
    pub area: i64,
    pub adopted: Option<bool>,
    /// A campaign ballot's option: the shortlisted nomination it stands for.
    pub nomination_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// What an option stands for: a motion's three answers, or one of a choice's options.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OptionRole {
    #[sea_orm(string_value = "APPROVE")]
    Approve,
    #[sea_orm(string_value = "OPPOSE")]
    Oppose,
    #[sea_orm(string_value = "ABSTAIN")]
    Abstain,
    #[sea_orm(string_value = "CHOICE")]
    Choice,
}
