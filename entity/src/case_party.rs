use sea_orm::entity::prelude::*;

/// A resident party to a case: the applicant, or a respondent with their consent.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_parties")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub case_id: String,
    pub resident_id: String,
    pub role: PartyRole,
    /// A respondent's answer: null until given (the applicant's is always null).
    pub consent: Option<bool>,
    pub responded_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PartyRole {
    #[sea_orm(string_value = "APPLICANT")]
    Applicant,
    #[sea_orm(string_value = "RESPONDENT")]
    Respondent,
}
