//! The security suite: every attack an outside attack run found (and the rule that stops it),
//! kept as a permanent test. Each file is one area; each test is one attack. Attacks on memory
//! run against the real `jiayuan` binary (`RealServer`) and bound the growth of its peak RSS.
mod audit_key;
mod awards;
mod ballots;
mod events;
mod floods;
mod graphiql;
mod mediation;
mod reads;
pub(crate) mod server;
mod signin;
mod takeover;
mod transport;
mod websocket;
