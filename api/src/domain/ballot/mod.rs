//! Ballots and votes (DESIGN §4).

pub mod rules;
pub mod service;
