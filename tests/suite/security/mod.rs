//! The security suite: every attack an outside attack run found (and the rule that stops it),
//! kept as a permanent test. Each file is one area; each test is one attack.

mod ballots;
mod floods;
mod audit_key;
mod graphiql;
