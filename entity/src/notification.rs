use sea_orm::entity::prelude::*;

/// An inbox item. `kind` and `params` (JSON) let each client render it in its own language.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub account_id: String,
    pub community_id: Option<String>,
    pub kind: NotificationKind,
    pub params: String,
    pub created_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
}

/// What a notification is about: a closed set, stored as its name (the column stays text, so
/// adding a kind needs no migration). The API publishes it as the `NotificationKind` enum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NotificationKind {
    #[sea_orm(string_value = "ROLE_GRANTED")]
    RoleGranted,
    #[sea_orm(string_value = "ROLE_REVOKED")]
    RoleRevoked,
    #[sea_orm(string_value = "TOPIC_UNDER_REVIEW")]
    TopicUnderReview,
    #[sea_orm(string_value = "TOPIC_ACCEPTED")]
    TopicAccepted,
    #[sea_orm(string_value = "TOPIC_REJECTED")]
    TopicRejected,
    #[sea_orm(string_value = "TOPIC_VOTING")]
    TopicVoting,
    #[sea_orm(string_value = "TOPIC_COMPLETED")]
    TopicCompleted,
    #[sea_orm(string_value = "COMMENT_HIDDEN")]
    CommentHidden,
    #[sea_orm(string_value = "BALLOT_OPENED")]
    BallotOpened,
    #[sea_orm(string_value = "BALLOT_CLOSING_SOON")]
    BallotClosingSoon,
    #[sea_orm(string_value = "BALLOT_EXTENDED")]
    BallotExtended,
    #[sea_orm(string_value = "BALLOT_CANCELLED")]
    BallotCancelled,
    #[sea_orm(string_value = "BALLOT_RESULT")]
    BallotResult,
    #[sea_orm(string_value = "CASE_FILED")]
    CaseFiled,
    #[sea_orm(string_value = "CASE_CONSENT_REQUESTED")]
    CaseConsentRequested,
    #[sea_orm(string_value = "CASE_ACCEPTED")]
    CaseAccepted,
    #[sea_orm(string_value = "CASE_DECLINED")]
    CaseDeclined,
    #[sea_orm(string_value = "CASE_ASSIGNED")]
    CaseAssigned,
    #[sea_orm(string_value = "CASE_RESPONDENT_DECLINED")]
    CaseRespondentDeclined,
    #[sea_orm(string_value = "CASE_IN_MEDIATION")]
    CaseInMediation,
    #[sea_orm(string_value = "CASE_SESSION_SCHEDULED")]
    CaseSessionScheduled,
    #[sea_orm(string_value = "CASE_SESSION_REMINDER")]
    CaseSessionReminder,
    #[sea_orm(string_value = "CASE_MESSAGE")]
    CaseMessage,
    #[sea_orm(string_value = "CASE_AGREEMENT_READY")]
    CaseAgreementReady,
    #[sea_orm(string_value = "CASE_AGREED")]
    CaseAgreed,
    #[sea_orm(string_value = "CASE_FAILED")]
    CaseFailed,
    #[sea_orm(string_value = "CASE_WITHDRAWN")]
    CaseWithdrawn,
    #[sea_orm(string_value = "CASE_FOLLOW_UP_DUE")]
    CaseFollowUpDue,
    #[sea_orm(string_value = "CASE_CLOSED")]
    CaseClosed,
    #[sea_orm(string_value = "NOMINATION_CONSENT_REQUESTED")]
    NominationConsentRequested,
    #[sea_orm(string_value = "NOMINATION_PUBLIC")]
    NominationPublic,
    #[sea_orm(string_value = "NOMINATION_DECLINED")]
    NominationDeclined,
    #[sea_orm(string_value = "NOMINATION_QUALIFIED")]
    NominationQualified,
    #[sea_orm(string_value = "NOMINATION_SHORTLISTED")]
    NominationShortlisted,
    #[sea_orm(string_value = "NOMINATION_AWARDED")]
    NominationAwarded,
    #[sea_orm(string_value = "EVENT_CONFIRMED")]
    EventConfirmed,
    #[sea_orm(string_value = "EVENT_WAITLISTED")]
    EventWaitlisted,
    #[sea_orm(string_value = "EVENT_PROMOTED")]
    EventPromoted,
    #[sea_orm(string_value = "EVENT_CHANGED")]
    EventChanged,
    #[sea_orm(string_value = "EVENT_CANCELLED")]
    EventCancelled,
    #[sea_orm(string_value = "EVENT_REMINDER")]
    EventReminder,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
