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
    pub category: TopicCategory,
    pub status: TopicStatus,
    pub cosign_count: i32,
    pub reject_reason: Option<String>,
    pub progress: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The topic's latest ballot (`Topic.ballot`): set when a ballot opens on it, in the same
    /// UPDATE that moves it to VOTING.
    pub latest_ballot_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// What a topic is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TopicCategory {
    #[sea_orm(string_value = "FACILITIES")]
    Facilities,
    #[sea_orm(string_value = "SAFETY")]
    Safety,
    #[sea_orm(string_value = "ENVIRONMENT")]
    Environment,
    #[sea_orm(string_value = "FINANCE")]
    Finance,
    #[sea_orm(string_value = "SERVICES")]
    Services,
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// Where a topic stands in its lifecycle (DESIGN §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TopicStatus {
    #[sea_orm(string_value = "PROPOSED")]
    Proposed,
    #[sea_orm(string_value = "UNDER_REVIEW")]
    UnderReview,
    #[sea_orm(string_value = "DELIBERATING")]
    Deliberating,
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
    #[sea_orm(string_value = "WITHDRAWN")]
    Withdrawn,
    #[sea_orm(string_value = "VOTING")]
    Voting,
    #[sea_orm(string_value = "ADOPTED")]
    Adopted,
    #[sea_orm(string_value = "NOT_ADOPTED")]
    NotAdopted,
    #[sea_orm(string_value = "IMPLEMENTING")]
    Implementing,
    #[sea_orm(string_value = "COMPLETED")]
    Completed,
}
