use sea_orm::entity::prelude::*;

/// Append-only audit trail; `hash` = SHA-256 over `prev_hash` and this row's content.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    pub at: DateTimeUtc,
    pub actor_id: Option<String>,
    pub community_id: Option<String>,
    /// An `AuditAction`'s stored name. Kept as text when read: `verify` must report a row whose
    /// action was tampered with, not fail to decode it.
    pub action: String,
    pub subject: String,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// What an audit entry records, stored as its dotted name (which the entry's hash covers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum AuditAction {
    #[sea_orm(string_value = "community.create")]
    CommunityCreate,
    #[sea_orm(string_value = "community.settings")]
    CommunitySettings,
    #[sea_orm(string_value = "roster.import")]
    RosterImport,
    #[sea_orm(string_value = "invite.issue")]
    InviteIssue,
    #[sea_orm(string_value = "resident.deactivate")]
    ResidentDeactivate,
    #[sea_orm(string_value = "role.grant")]
    RoleGrant,
    #[sea_orm(string_value = "role.revoke")]
    RoleRevoke,
    #[sea_orm(string_value = "topic.accept")]
    TopicAccept,
    #[sea_orm(string_value = "topic.reject")]
    TopicReject,
    #[sea_orm(string_value = "comment.hide")]
    CommentHide,
    #[sea_orm(string_value = "ballot.open")]
    BallotOpen,
    #[sea_orm(string_value = "ballot.paper")]
    BallotPaper,
    #[sea_orm(string_value = "ballot.correct")]
    BallotCorrect,
    #[sea_orm(string_value = "ballot.extend")]
    BallotExtend,
    #[sea_orm(string_value = "ballot.cancel")]
    BallotCancel,
    #[sea_orm(string_value = "ballot.close")]
    BallotClose,
    #[sea_orm(string_value = "case.accept")]
    CaseAccept,
    #[sea_orm(string_value = "case.decline")]
    CaseDecline,
    #[sea_orm(string_value = "case.assign")]
    CaseAssign,
    #[sea_orm(string_value = "case.outcome")]
    CaseOutcome,
    #[sea_orm(string_value = "case.close")]
    CaseClose,
    #[sea_orm(string_value = "campaign.create")]
    CampaignCreate,
    #[sea_orm(string_value = "campaign.advance")]
    CampaignAdvance,
    #[sea_orm(string_value = "nomination.shortlist")]
    NominationShortlist,
    #[sea_orm(string_value = "awards.announce")]
    AwardsAnnounce,
    #[sea_orm(string_value = "event.cancel")]
    EventCancel,
    #[sea_orm(string_value = "hours.correct")]
    HoursCorrect,
    #[sea_orm(string_value = "group.leader")]
    GroupLeader,
}
