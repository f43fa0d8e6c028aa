//! Ballots and votes (DESIGN §4).

pub mod live;
pub mod named;
pub mod rules;
pub mod service;
