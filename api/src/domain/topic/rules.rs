//! Pure rules of the topic lifecycle (DESIGN §3): statuses, which act is allowed from which
//! status, input bounds, and the rating average. No I/O here; the service applies these through
//! conditional updates (`… WHERE status IN (allowed_from)`), so a transition happens at most once.
//!
//! ```text
//! PROPOSED ──(co-signatures reach the threshold)──▶ UNDER_REVIEW ──accept──▶ DELIBERATING
//!    │ └──────────────reject──────────────┬──────────────┘ reject                 │ ballot opens
//!    ▼                                    ▼                                         ▼
//! (withdraw from PROPOSED, UNDER_REVIEW, DELIBERATING → WITHDRAWN)  REJECTED      VOTING
//!                                                       ADOPTED ◀──result──┴──▶ NOT_ADOPTED
//!                                 ADOPTED ──first progress update──▶ IMPLEMENTING ──complete──▶ COMPLETED
//! ```
//! A topic proposed by a committee member starts at DELIBERATING. A ballot that ends without a
//! decision (NO_QUORUM or TIE), or that the committee cancels, sends the topic from VOTING back
//! to DELIBERATING, from where a new ballot may open (the earlier ballots stay readable).

use crate::error::{AppError, AppResult};

pub use entity::topic::{TopicCategory, TopicStatus};

/// The acts that move a topic from one status to another.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Transition {
    /// The co-signature threshold is met.
    ReachThreshold,
    /// The committee accepts the topic for deliberation.
    Accept,
    /// The committee rejects it, with a reason.
    Reject,
    /// The proposer withdraws it.
    Withdraw,
    /// A ballot on it opens.
    StartVoting,
    /// The ballot's result.
    Finish { adopted: bool },
    /// The ballot ended without a decision (NO_QUORUM, TIE) or was cancelled: deliberate again.
    Reconsider,
    /// The committee posts a progress update (the first one starts the implementation).
    Progress,
    /// The committee declares the implementation complete.
    Complete,
}

impl Transition {
    /// The statuses this act may start from.
    pub fn allowed_from(self) -> &'static [TopicStatus] {
        use TopicStatus::*;
        match self {
            Transition::ReachThreshold => &[Proposed],
            Transition::Accept => &[UnderReview],
            Transition::Reject => &[Proposed, UnderReview],
            Transition::Withdraw => &[Proposed, UnderReview, Deliberating],
            Transition::StartVoting => &[Deliberating],
            Transition::Finish { .. } => &[Voting],
            Transition::Reconsider => &[Voting],
            Transition::Progress => &[Adopted, Implementing],
            Transition::Complete => &[Implementing],
        }
    }

    /// Where the act leads.
    pub fn target(self) -> TopicStatus {
        match self {
            Transition::ReachThreshold => TopicStatus::UnderReview,
            Transition::Accept => TopicStatus::Deliberating,
            Transition::Reject => TopicStatus::Rejected,
            Transition::Withdraw => TopicStatus::Withdrawn,
            Transition::StartVoting => TopicStatus::Voting,
            Transition::Finish { adopted: true } => TopicStatus::Adopted,
            Transition::Finish { adopted: false } => TopicStatus::NotAdopted,
            Transition::Reconsider => TopicStatus::Deliberating,
            Transition::Progress => TopicStatus::Implementing,
            Transition::Complete => TopicStatus::Completed,
        }
    }

    pub fn allows(self, from: TopicStatus) -> bool {
        self.allowed_from().contains(&from)
    }

    /// The status after the act, or `None` when the act is not allowed from `from`.
    pub fn apply(self, from: TopicStatus) -> Option<TopicStatus> {
        self.allows(from).then(|| self.target())
    }
}

/// The status a new topic starts in. The proposer's own co-signature counts, so a topic starts
/// with one; a committee member's topic goes straight to deliberation.
pub fn initial_status(proposed_by_committee: bool, threshold: i32) -> TopicStatus {
    if proposed_by_committee {
        TopicStatus::Deliberating
    } else {
        next_after_cosign(1, threshold)
    }
}

/// The status of a PROPOSED topic holding `count` co-signatures.
pub fn next_after_cosign(count: i32, threshold: i32) -> TopicStatus {
    if count >= threshold {
        TopicStatus::UnderReview
    } else {
        TopicStatus::Proposed
    }
}

/// Co-signing is open while the topic collects co-signatures, once per active resident.
pub fn can_cosign(status: TopicStatus, is_active_resident: bool, has_cosigned: bool) -> bool {
    status == TopicStatus::Proposed && is_active_resident && !has_cosigned
}

pub fn can_withdraw(status: TopicStatus) -> bool {
    Transition::Withdraw.allows(status)
}

/// Discussion stays open for the whole life of a topic except once it is rejected or withdrawn.
pub fn can_comment(status: TopicStatus) -> bool {
    !matches!(status, TopicStatus::Rejected | TopicStatus::Withdrawn)
}

/// Residents rate the implementation of a completed topic (评议监督).
pub fn can_rate(status: TopicStatus) -> bool {
    status == TopicStatus::Completed
}

/// Who the viewer is to a topic, as far as its acts are concerned.
#[derive(Copy, Clone, Debug, Default)]
pub struct Standing {
    /// An active resident of the topic's community (co-signing, commenting, rating).
    pub resident: bool,
    /// That resident proposed the topic (withdrawing).
    pub proposer: bool,
    /// The community's committee or a platform admin (reviewing, ballots, progress).
    pub moderator: bool,
}

/// What a viewer may do with a topic now: the checks the acts themselves make (besides
/// input bounds), so the portal shows a button exactly when the act would be allowed.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct TopicActions {
    pub withdraw: bool,
    pub accept: bool,
    pub reject: bool,
    pub open_ballot: bool,
    pub post_progress: bool,
    pub complete: bool,
    pub comment: bool,
    pub rate: bool,
}

pub fn actions(status: TopicStatus, who: Standing) -> TopicActions {
    let committee = |t: Transition| who.moderator && t.allows(status);
    TopicActions {
        withdraw: who.resident && who.proposer && can_withdraw(status),
        accept: committee(Transition::Accept),
        reject: committee(Transition::Reject),
        open_ballot: committee(Transition::StartVoting),
        post_progress: committee(Transition::Progress),
        complete: committee(Transition::Complete),
        comment: who.resident && can_comment(status),
        rate: who.resident && can_rate(status),
    }
}

/// A hidden comment's text is shown only to those who moderate.
pub fn comment_body_visible(hidden: bool, moderator: bool) -> bool {
    !hidden || moderator
}

pub const TITLE_CHARS: (usize, usize) = (4, 100);
pub const BODY_CHARS: (usize, usize) = (10, 5000);
pub const REASON_CHARS: (usize, usize) = (2, 500);
pub const COMMENT_CHARS: (usize, usize) = (1, 2000);
pub const NOTE_CHARS: (usize, usize) = (1, 1000);
pub const THRESHOLD_RANGE: (i32, i32) = (1, 100);

/// Trims `raw` and checks its length in characters (not bytes: titles are mostly Chinese).
fn text(field: &'static str, raw: &str, (min, max): (usize, usize)) -> AppResult<String> {
    let s = raw.trim();
    let len = s.chars().count();
    if len < min || len > max {
        return Err(AppError::bad_input(
            field,
            format!("must have {min} to {max} characters"),
        ));
    }
    Ok(s.to_owned())
}

pub fn title(raw: &str) -> AppResult<String> {
    text("title", raw, TITLE_CHARS)
}

pub fn body(raw: &str) -> AppResult<String> {
    text("body", raw, BODY_CHARS)
}

/// A reason for rejecting a topic, hiding or reporting a comment.
pub fn reason(raw: &str) -> AppResult<String> {
    text("reason", raw, REASON_CHARS)
}

pub fn comment_body(raw: &str) -> AppResult<String> {
    text("body", raw, COMMENT_CHARS)
}

pub fn note(raw: &str) -> AppResult<String> {
    text("note", raw, NOTE_CHARS)
}

/// A progress percentage: 0–100 and never below the last one posted.
pub fn percent(percent: i32, last: i32) -> AppResult<i32> {
    if !(0..=100).contains(&percent) {
        return Err(AppError::bad_input("percent", "must be between 0 and 100"));
    }
    if percent < last {
        return Err(AppError::bad_input(
            "percent",
            format!("must not be below the last update ({last})"),
        ));
    }
    Ok(percent)
}

pub fn stars(stars: i32) -> AppResult<i32> {
    if !(1..=5).contains(&stars) {
        return Err(AppError::bad_input("stars", "must be between 1 and 5"));
    }
    Ok(stars)
}

pub fn cosign_threshold(n: i32) -> AppResult<i32> {
    let (min, max) = THRESHOLD_RANGE;
    if !(min..=max).contains(&n) {
        return Err(AppError::bad_input(
            "cosignThreshold",
            format!("must be between {min} and {max}"),
        ));
    }
    Ok(n)
}

/// The mean of `count` ratings summing to `sum`, with two decimals rounded half up, computed in
/// integers ("4.50", "4.33", "4.67"); `None` without ratings.
pub fn format_average(sum: i64, count: i64) -> Option<String> {
    if count <= 0 || sum < 0 {
        return None;
    }
    let hundredths = (sum * 200 + count) / (count * 2);
    Some(format!("{}.{:02}", hundredths / 100, hundredths % 100))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::Iterable;
    use TopicStatus::*;

    fn field(r: AppResult<impl std::fmt::Debug>) -> &'static str {
        match r {
            Err(AppError::BadInput { field, .. }) => field,
            other => panic!("expected BAD_USER_INPUT, got {other:?}"),
        }
    }

    #[test]
    fn statuses_and_categories_round_trip_through_their_stored_names() {
        use sea_orm::ActiveEnum;
        for s in TopicStatus::iter() {
            assert_eq!(TopicStatus::try_from_value(&s.to_value()).ok(), Some(s));
        }
        for c in TopicCategory::iter() {
            assert_eq!(TopicCategory::try_from_value(&c.to_value()).ok(), Some(c));
        }
        assert_eq!(TopicStatus::Proposed.to_value(), "PROPOSED");
        assert_eq!(TopicStatus::NotAdopted.to_value(), "NOT_ADOPTED");
        assert!(TopicStatus::try_from_value(&"proposed".to_owned()).is_err());
        assert!(TopicCategory::try_from_value(&"PARKING".to_owned()).is_err());
    }

    #[test]
    fn what_a_viewer_may_do_follows_the_status_and_who_the_viewer_is() {
        let resident = Standing {
            resident: true,
            ..Standing::default()
        };
        let proposer = Standing {
            proposer: true,
            ..resident
        };
        let committee = Standing {
            moderator: true,
            ..Standing::default()
        };
        let none = TopicActions::default();
        // (status, standing, expected)
        let cases = [
            (
                Proposed,
                proposer,
                TopicActions {
                    withdraw: true,
                    comment: true,
                    ..none
                },
            ),
            (
                Proposed,
                resident,
                TopicActions {
                    comment: true,
                    ..none
                },
            ),
            (
                Proposed,
                committee,
                TopicActions {
                    reject: true,
                    ..none
                },
            ),
            (
                UnderReview,
                committee,
                TopicActions {
                    accept: true,
                    reject: true,
                    ..none
                },
            ),
            (
                Deliberating,
                committee,
                TopicActions {
                    open_ballot: true,
                    ..none
                },
            ),
            (
                Deliberating,
                proposer,
                TopicActions {
                    withdraw: true,
                    comment: true,
                    ..none
                },
            ),
            (
                Voting,
                proposer,
                TopicActions {
                    comment: true,
                    ..none
                },
            ),
            (Voting, committee, none),
            (
                Adopted,
                committee,
                TopicActions {
                    post_progress: true,
                    ..none
                },
            ),
            (
                Implementing,
                committee,
                TopicActions {
                    post_progress: true,
                    complete: true,
                    ..none
                },
            ),
            (
                Completed,
                resident,
                TopicActions {
                    comment: true,
                    rate: true,
                    ..none
                },
            ),
            (Completed, committee, none),
            (Rejected, proposer, none),
            (Withdrawn, proposer, none),
            (
                NotAdopted,
                resident,
                TopicActions {
                    comment: true,
                    ..none
                },
            ),
            // A proposer who has since moved out is no longer a resident: no act at all.
            (
                Proposed,
                Standing {
                    proposer: true,
                    ..Standing::default()
                },
                none,
            ),
        ];
        for (status, who, expected) in cases {
            assert_eq!(actions(status, who), expected, "{status:?} as {who:?}");
        }
    }

    #[test]
    fn a_new_topic_counts_its_proposer_and_a_committee_topic_starts_deliberating() {
        assert_eq!(initial_status(false, 5), Proposed);
        assert_eq!(initial_status(false, 2), Proposed);
        assert_eq!(initial_status(false, 1), UnderReview);
        assert_eq!(initial_status(true, 5), Deliberating);
        assert_eq!(initial_status(true, 1), Deliberating);
    }

    #[test]
    fn the_threshold_is_met_at_exactly_the_threshold() {
        assert_eq!(next_after_cosign(4, 5), Proposed);
        assert_eq!(next_after_cosign(5, 5), UnderReview);
        assert_eq!(next_after_cosign(6, 5), UnderReview);
    }

    #[test]
    fn every_transition_is_allowed_only_from_its_listed_statuses() {
        let table: [(Transition, &[TopicStatus], TopicStatus); 10] = [
            (Transition::ReachThreshold, &[Proposed], UnderReview),
            (Transition::Accept, &[UnderReview], Deliberating),
            (Transition::Reject, &[Proposed, UnderReview], Rejected),
            (
                Transition::Withdraw,
                &[Proposed, UnderReview, Deliberating],
                Withdrawn,
            ),
            (Transition::StartVoting, &[Deliberating], Voting),
            (Transition::Finish { adopted: true }, &[Voting], Adopted),
            (Transition::Finish { adopted: false }, &[Voting], NotAdopted),
            (Transition::Reconsider, &[Voting], Deliberating),
            (Transition::Progress, &[Adopted, Implementing], Implementing),
            (Transition::Complete, &[Implementing], Completed),
        ];
        for (t, from, to) in table {
            for s in TopicStatus::iter() {
                let expected = from.contains(&s).then_some(to);
                assert_eq!(t.apply(s), expected, "{t:?} from {s:?}");
            }
        }
    }

    #[test]
    fn ended_topics_allow_no_further_transition() {
        let all = [
            Transition::ReachThreshold,
            Transition::Accept,
            Transition::Reject,
            Transition::Withdraw,
            Transition::StartVoting,
            Transition::Finish { adopted: true },
            Transition::Reconsider,
            Transition::Progress,
            Transition::Complete,
        ];
        for end in [Rejected, Withdrawn, NotAdopted, Completed] {
            assert!(all.iter().all(|t| t.apply(end).is_none()), "{end:?}");
        }
    }

    #[test]
    fn an_inconclusive_or_cancelled_ballot_lets_the_topic_be_put_to_a_new_ballot() {
        // VOTING → DELIBERATING → (a new ballot) VOTING; nothing else leads back.
        let back = Transition::Reconsider.apply(Voting);
        assert_eq!(back, Some(Deliberating));
        assert_eq!(
            back.and_then(|s| Transition::StartVoting.apply(s)),
            Some(Voting)
        );
        for s in TopicStatus::iter().filter(|s| *s != Voting) {
            assert_eq!(Transition::Reconsider.apply(s), None, "{s:?}");
        }
    }

    #[test]
    fn withdrawing_is_possible_only_before_voting() {
        let allowed: Vec<_> = TopicStatus::iter().filter(|s| can_withdraw(*s)).collect();
        assert_eq!(allowed, vec![Proposed, UnderReview, Deliberating]);
    }

    #[test]
    fn co_signing_needs_a_proposed_topic_an_active_resident_and_no_earlier_signature() {
        assert!(can_cosign(Proposed, true, false));
        assert!(!can_cosign(Proposed, true, true));
        assert!(!can_cosign(Proposed, false, false));
        for s in TopicStatus::iter().filter(|s| *s != Proposed) {
            assert!(!can_cosign(s, true, false), "{s:?}");
        }
    }

    #[test]
    fn comments_close_on_rejected_and_withdrawn_topics_and_ratings_open_on_completion() {
        for s in TopicStatus::iter() {
            assert_eq!(can_comment(s), !matches!(s, Rejected | Withdrawn), "{s:?}");
            assert_eq!(can_rate(s), s == Completed, "{s:?}");
        }
    }

    #[test]
    fn a_hidden_comment_shows_its_body_to_moderators_only() {
        assert!(comment_body_visible(false, false));
        assert!(comment_body_visible(false, true));
        assert!(comment_body_visible(true, true));
        assert!(!comment_body_visible(true, false));
    }

    #[test]
    fn text_lengths_are_counted_in_characters_and_trimmed() {
        assert_eq!(title("  修路灯  ").ok(), None, "3 characters");
        assert_eq!(title("修理路灯").ok().as_deref(), Some("修理路灯"));
        assert_eq!(title(&"路".repeat(100)).ok().map(|s| s.len()), Some(300));
        assert_eq!(field(title(&"路".repeat(101))), "title");
        assert_eq!(field(body("太短了")), "body");
        assert!(body("一二三四五六七八九十").is_ok());
        assert_eq!(field(body(&"字".repeat(5001))), "body");
        assert_eq!(field(reason("否")), "reason");
        assert!(reason("重复").is_ok());
        assert_eq!(field(reason(&"x".repeat(501))), "reason");
        assert_eq!(field(comment_body("   ")), "body");
        assert!(comment_body("好").is_ok());
        assert_eq!(field(comment_body(&"x".repeat(2001))), "body");
        assert_eq!(field(note("")), "note");
        assert_eq!(field(note(&"x".repeat(1001))), "note");
    }

    #[test]
    fn percent_stays_within_bounds_and_never_goes_back() {
        assert_eq!(percent(0, 0).ok(), Some(0));
        assert_eq!(percent(100, 40).ok(), Some(100));
        assert_eq!(percent(40, 40).ok(), Some(40));
        assert_eq!(field(percent(39, 40)), "percent");
        assert_eq!(field(percent(-1, 0)), "percent");
        assert_eq!(field(percent(101, 0)), "percent");
    }

    #[test]
    fn stars_and_thresholds_have_bounds() {
        assert_eq!(field(stars(0)), "stars");
        assert_eq!(field(stars(6)), "stars");
        assert!((1..=5).all(|n| stars(n).is_ok()));
        assert_eq!(field(cosign_threshold(0)), "cosignThreshold");
        assert_eq!(field(cosign_threshold(101)), "cosignThreshold");
        assert!(cosign_threshold(1).is_ok() && cosign_threshold(100).is_ok());
    }

    #[test]
    fn the_average_has_two_decimals_rounded_half_up_in_integers() {
        assert_eq!(format_average(0, 0), None);
        assert_eq!(format_average(9, 2).as_deref(), Some("4.50"));
        assert_eq!(format_average(5, 1).as_deref(), Some("5.00"));
        assert_eq!(format_average(13, 3).as_deref(), Some("4.33"));
        assert_eq!(format_average(14, 3).as_deref(), Some("4.67"));
        assert_eq!(
            format_average(1, 8).as_deref(),
            Some("0.13"),
            "0.125 rounds up"
        );
        assert_eq!(format_average(11, 6).as_deref(), Some("1.83"));
        assert_eq!(
            format_average(2_000_000 * 5, 2_000_000).as_deref(),
            Some("5.00")
        );
    }
}
