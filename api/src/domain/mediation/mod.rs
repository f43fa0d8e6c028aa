//! Dispute mediation (矛盾调处, DESIGN §5): confidential cases from filing to a signed agreement
//! and its follow-up. `rules` are pure; `service` holds the shared types, the access rule and
//! the views; `act` the parties' acts, `mediator` the mediators', `committee` the committee's;
//! `read` the reads and lists; `jobs` the reminders.

pub mod act;
pub mod committee;
pub mod jobs;
pub mod mediator;
pub mod read;
pub mod rules;
pub mod service;
