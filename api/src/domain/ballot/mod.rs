//! Ballots and votes (DESIGN §4).

pub mod amend;
pub mod batch;
pub mod cast;
pub mod close;
pub mod live;
pub mod named;
pub mod notice;
pub mod rules;
pub mod service;
pub mod tally;
