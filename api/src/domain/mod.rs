//! Domain logic per module: `rules` (pure functions, unit-tested beside them) and `service`
//! (async, takes a connection). GraphQL resolvers call exactly one service function each.

pub mod audit;
pub mod awards;
pub mod ballot;
pub mod community;
pub mod events;
pub mod identity;
pub mod mediation;
pub mod notify;
pub mod rate_limit;
pub mod roles;
pub mod roster;
pub mod secrets;
pub mod text;
pub mod topic;

use chrono::{DateTime, SubsecRound, Utc};

/// Now, in UTC, truncated to microseconds so that it survives a round trip through either database.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// A new random id (UUID v4: no order or time leaks from it).
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
