//! Storage shapes of Jiayuan, one module per table. These are never the API types:
//! the GraphQL layer in `api` defines its own objects, so a column added here is not a field published.
//!
//! Conventions: ids are random UUID strings (no order leaks), times are UTC, floor areas are
//! integer hundredths of a square metre (`area_centi`), never floats.

pub mod account;
pub mod audit_head;
pub mod audit_log;
pub mod award_campaign;
pub mod award_category;
pub mod ballot;
pub mod ballot_box;
pub mod ballot_named_vote;
pub mod ballot_option;
pub mod ballot_participation;
pub mod ballot_voter;
pub mod building;
pub mod case_entry;
pub mod case_mediator;
pub mod case_note;
pub mod case_party;
pub mod case_rating;
pub mod case_session;
pub mod case_signature;
pub mod comment_report;
pub mod community;
pub mod endorsement;
pub mod event;
pub mod household;
pub mod invite;
pub mod mediation_case;
pub mod nomination;
pub mod notification;
pub mod outbox;
pub mod rate_limit;
pub mod refresh_token;
pub mod registration;
pub mod resident;
pub mod role_grant;
pub mod setting;
pub mod topic;
pub mod topic_comment;
pub mod topic_cosign;
pub mod topic_rating;
pub mod topic_update;
pub mod volunteer_group;
pub mod volunteer_group_member;
pub mod volunteer_hours_entry;
