//! The API's closed sets. Each mirrors a domain or entity enum of the same values through
//! `#[graphql(remote = …)]`, so a stored value, the domain's rule and the schema name one type:
//! a resolver converts with `.into()` and never spells a value out.

use async_graphql::Enum;

/// A motion (赞成 / 反对 / 弃权) or a choice among named options.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::ballot::BallotKind")]
pub enum BallotKind {
    Motion,
    Choice,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::ballot::VoteMethod")]
pub enum VoteMethod {
    Single,
    Approval,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::ballot::Electorate")]
pub enum Electorate {
    /// Each active resident on the roster, one vote.
    Residents,
    /// One vote per household; any member may cast it.
    Households,
    /// One vote per owner household, carrying its floor area.
    Owners,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::ballot::DecisionRule")]
pub enum DecisionRule {
    /// No quorum; most votes wins.
    Plurality,
    /// 居民会议: turnout > 1/2 of the electorate (residents or households); adopted by > 1/2 of
    /// those who voted.
    ResidentsMeeting,
    /// Civil Code art. 278 ordinary matters: turnout ≥ 2/3 by count and area; adopted by > 1/2
    /// of participants by count and by area.
    OwnersOrdinary,
    /// Civil Code art. 278 items 6–8: same turnout; adopted by ≥ 3/4 by count and by area.
    OwnersMajor,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::ballot_option::OptionRole")]
pub enum OptionRole {
    Approve,
    Oppose,
    Abstain,
    Choice,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::ballot::Outcome")]
pub enum Outcome {
    Adopted,
    NotAdopted,
    NoQuorum,
    Decided,
    Tie,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::ballot::BallotStatus")]
pub enum BallotStatus {
    Open,
    Closed,
    /// Cancelled by the committee with a public reason (`cancelReason`); nothing was counted.
    Cancelled,
}

/// How a vote reached the ballot box.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::ballot_participation::VoteChannel")]
pub enum VoteChannel {
    Online,
    Paper,
}

/// Which part of a ballot a threshold judges: turnout against the frozen electorate, or one
/// option's support among those who took part.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::domain::ballot::rules::ThresholdStage")]
pub enum ThresholdStage {
    Turnout,
    Approval,
}

/// What a threshold counts: voters (heads or households) or the floor area they carry.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::domain::ballot::rules::Measure")]
pub enum ThresholdMeasure {
    Count,
    Area,
}

/// "过半数" (more than, strict) or "以上" (at least, inclusive; Civil Code art. 1259).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::domain::ballot::rules::Comparison")]
pub enum ThresholdComparison {
    MoreThan,
    AtLeast,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::topic::TopicCategory")]
pub enum TopicCategory {
    Facilities,
    Safety,
    Environment,
    Finance,
    Services,
    Other,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::topic::TopicStatus")]
pub enum TopicStatus {
    /// Collecting co-signatures (附议).
    Proposed,
    /// The co-signature threshold is met; the committee decides.
    UnderReview,
    /// Accepted by the committee (or proposed by it).
    Deliberating,
    /// Refused by the committee, with a public reason.
    Rejected,
    /// Withdrawn by the proposer before voting.
    Withdrawn,
    /// A ballot on it is open.
    Voting,
    Adopted,
    NotAdopted,
    /// Progress updates are being posted.
    Implementing,
    /// Done; residents rate the implementation.
    Completed,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::role_grant::Role")]
pub enum Role {
    Resident,
    Committee,
    Mediator,
    Organizer,
    Admin,
}

/// What a notification is about (stored by the entity's enum of the same values).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::notification::NotificationKind")]
pub enum NotificationKind {
    RoleGranted,
    RoleRevoked,
    TopicUnderReview,
    TopicAccepted,
    TopicRejected,
    TopicVoting,
    TopicCompleted,
    CommentHidden,
    BallotOpened,
    BallotClosingSoon,
    BallotExtended,
    BallotCancelled,
    BallotResult,
    CaseFiled,
    CaseConsentRequested,
    CaseAccepted,
    CaseDeclined,
    CaseAssigned,
    CaseRespondentDeclined,
    CaseInMediation,
    CaseSessionScheduled,
    CaseSessionReminder,
    CaseMessage,
    CaseAgreementReady,
    CaseAgreed,
    CaseFailed,
    CaseWithdrawn,
    CaseFollowUpDue,
    CaseClosed,
    NominationConsentRequested,
    NominationPublic,
    NominationDeclined,
    NominationQualified,
    NominationShortlisted,
    NominationAwarded,
    /// Your sign-up is confirmed.
    EventConfirmed,
    /// Your sign-up is on the waitlist.
    EventWaitlisted,
    /// A seat freed up: your waitlisted sign-up is now confirmed.
    EventPromoted,
    /// The event's capacity, time or place changed.
    EventChanged,
    /// The organizer cancelled the event.
    EventCancelled,
    /// The event starts within a day.
    EventReminder,
}

/// What a dispute is about (DESIGN §10).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::mediation_case::CaseCategory")]
pub enum CaseCategory {
    Noise,
    Leaks,
    Parking,
    Pets,
    Fees,
    Family,
    Other,
}

/// Where a mediation case stands (DESIGN §5, §10).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::mediation_case::CaseStatus")]
pub enum CaseStatus {
    /// Filed; the committee has not decided yet.
    Submitted,
    /// Accepted with mediators; waiting for the resident respondents' consent.
    Accepted,
    /// Declined by the committee with a reason (`declineReason`).
    Declined,
    /// A resident respondent refused mediation.
    RespondentDeclined,
    InMediation,
    /// Every party and mediator signed the agreement; the follow-up is due.
    Agreed,
    /// No agreement; `suggestedChannel` says where to go next.
    Failed,
    /// Withdrawn by the applicant.
    Withdrawn,
    /// The follow-up found the agreement fulfilled.
    Fulfilled,
    /// Finished; `fulfilled` keeps what the follow-up found.
    Closed,
}

/// A line of a case's timeline.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::case_entry::CaseEntryKind")]
pub enum CaseEntryKind {
    Message,
    Filed,
    Accepted,
    Declined,
    MediatorsAssigned,
    Consented,
    Refused,
    OutsideConsent,
    MediationStarted,
    SessionScheduled,
    AgreementDrafted,
    Signed,
    OutsideSigned,
    Agreed,
    Failed,
    Withdrawn,
    FollowedUp,
    Closed,
}

/// How the viewer stands in a case (what they see and may do follows from it).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::domain::mediation::rules::CaseRole")]
pub enum CaseRole {
    Applicant,
    Respondent,
    Mediator,
    Committee,
}

/// What a category's nominees are (DESIGN §10).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::award_category::NomineeKind")]
pub enum NomineeKind {
    Household,
    Building,
    Resident,
}

/// Where a nomination stands (DESIGN §6, §10).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::nomination::NominationStatus")]
pub enum NominationStatus {
    /// Waiting for the nominee's consent; seen only by the nominator, the nominee and the
    /// committee.
    AwaitingConsent,
    /// Public and open for endorsements.
    Open,
    /// The nominee declined.
    Declined,
    /// Reached the campaign's endorsement threshold.
    Qualified,
    /// On the committee's shortlist.
    Shortlisted,
    Awarded,
    NotSelected,
}

/// Where a campaign stands (DESIGN §6, §10).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::award_campaign::CampaignPhase")]
pub enum CampaignPhase {
    /// Nominating and endorsing, until `nominateUntil`.
    Nominating,
    /// Endorsing only, until `endorseUntil`.
    Endorsing,
    /// The committee shortlists, may open a public vote, and announces.
    Reviewing,
    Announced,
}

/// What an event is (DESIGN §7, §10).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::event::EventKind")]
pub enum EventKind {
    Cultural,
    Volunteer,
    Education,
    Health,
    Safety,
    Other,
}

/// Where a registration stands (DESIGN §7, §10).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::registration::RegistrationStatus")]
pub enum RegistrationStatus {
    /// A seat is held for the party.
    Confirmed,
    /// In the queue (`waitlistPosition`); promoted when a seat that fits frees up.
    Waitlisted,
    Cancelled,
    /// Checked in at the event.
    Attended,
    /// Confirmed but not checked in by the end.
    NoShow,
}

/// Where an event stands, from its times.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::domain::events::rules::EventPhase")]
pub enum EventPhase {
    /// Sign-up has not opened yet (`signupOpensAt`).
    Upcoming,
    SignupOpen,
    /// Sign-up has closed; the event has not started.
    SignupClosed,
    Ongoing,
    Ended,
    Cancelled,
}

/// Converts each element (a list of domain values to their API enum, or back).
pub fn all<A, B: From<A>>(v: Vec<A>) -> Vec<B> {
    v.into_iter().map(B::from).collect()
}

#[cfg(test)]
mod tests {
    use async_graphql::resolver_utils::EnumType;
    use sea_orm::ActiveEnum;

    /// Each value's GraphQL name is the name the database stores and the name JSON (notification
    /// params, audit details) carries: one spelling everywhere.
    fn same_names<L, R>()
    where
        L: EnumType + Copy + Into<R>,
        R: ActiveEnum<Value = String> + serde::Serialize,
    {
        for item in L::items() {
            let stored: R = item.value.into();
            assert_eq!(stored.to_value(), item.name);
            assert_eq!(serde_json::to_value(&stored).ok(), Some(item.name.into()));
        }
    }

    #[test]
    fn every_stored_enum_has_one_spelling_in_storage_json_and_the_schema() {
        same_names::<super::BallotKind, entity::ballot::BallotKind>();
        same_names::<super::VoteMethod, entity::ballot::VoteMethod>();
        same_names::<super::Electorate, entity::ballot::Electorate>();
        same_names::<super::DecisionRule, entity::ballot::DecisionRule>();
        same_names::<super::Outcome, entity::ballot::Outcome>();
        same_names::<super::BallotStatus, entity::ballot::BallotStatus>();
        same_names::<super::OptionRole, entity::ballot_option::OptionRole>();
        same_names::<super::VoteChannel, entity::ballot_participation::VoteChannel>();
        same_names::<super::TopicCategory, entity::topic::TopicCategory>();
        same_names::<super::NomineeKind, entity::award_category::NomineeKind>();
        same_names::<super::NominationStatus, entity::nomination::NominationStatus>();
        same_names::<super::CampaignPhase, entity::award_campaign::CampaignPhase>();
        same_names::<super::TopicStatus, entity::topic::TopicStatus>();
        same_names::<super::Role, entity::role_grant::Role>();
        same_names::<super::NotificationKind, entity::notification::NotificationKind>();
        same_names::<super::CaseCategory, entity::mediation_case::CaseCategory>();
        same_names::<super::CaseStatus, entity::mediation_case::CaseStatus>();
        same_names::<super::CaseEntryKind, entity::case_entry::CaseEntryKind>();
        same_names::<super::EventKind, entity::event::EventKind>();
        same_names::<super::RegistrationStatus, entity::registration::RegistrationStatus>();
    }
}
