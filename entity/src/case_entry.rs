use sea_orm::entity::prelude::*;

/// One line of a case's timeline, seen by its parties and mediators: a message or a step.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub case_id: String,
    pub kind: CaseEntryKind,
    /// The resident who wrote or did it (null for steps the server took).
    pub author_id: Option<String>,
    /// A message's text, or a step's reason (decline reason, suggested channel, follow-up note).
    pub body: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CaseEntryKind {
    #[sea_orm(string_value = "MESSAGE")]
    Message,
    #[sea_orm(string_value = "FILED")]
    Filed,
    #[sea_orm(string_value = "ACCEPTED")]
    Accepted,
    #[sea_orm(string_value = "DECLINED")]
    Declined,
    #[sea_orm(string_value = "MEDIATORS_ASSIGNED")]
    MediatorsAssigned,
    #[sea_orm(string_value = "CONSENTED")]
    Consented,
    #[sea_orm(string_value = "REFUSED")]
    Refused,
    #[sea_orm(string_value = "OUTSIDE_CONSENT")]
    OutsideConsent,
    #[sea_orm(string_value = "MEDIATION_STARTED")]
    MediationStarted,
    #[sea_orm(string_value = "SESSION_SCHEDULED")]
    SessionScheduled,
    #[sea_orm(string_value = "AGREEMENT_DRAFTED")]
    AgreementDrafted,
    #[sea_orm(string_value = "SIGNED")]
    Signed,
    #[sea_orm(string_value = "OUTSIDE_SIGNED")]
    OutsideSigned,
    #[sea_orm(string_value = "AGREED")]
    Agreed,
    #[sea_orm(string_value = "FAILED")]
    Failed,
    #[sea_orm(string_value = "WITHDRAWN")]
    Withdrawn,
    #[sea_orm(string_value = "FOLLOWED_UP")]
    FollowedUp,
    #[sea_orm(string_value = "CLOSED")]
    Closed,
}
