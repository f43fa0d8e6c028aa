//! Civility awards (文明评选, DESIGN §6): campaigns with categories and windows, nominations
//! with the nominee's consent, endorsements, the committee's shortlist, an optional public vote
//! and the announcement; the honour roll. `rules` are pure; `service` holds the views and the
//! access rule; `act` the residents' acts, `committee` the committee's; `read` the reads.

pub mod act;
pub mod committee;
pub mod read;
pub mod rules;
pub mod service;
