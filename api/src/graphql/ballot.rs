//! Ballots and votes: transport only.

use async_graphql::Object;

#[derive(Default)]
pub struct BallotQuery;

#[Object]
impl BallotQuery {
    /// Placeholder until the ballot module lands.
    async fn ballots_placeholder(&self) -> bool {
        true
    }
}

#[derive(Default)]
pub struct BallotMutation;

#[Object]
impl BallotMutation {
    /// Placeholder until the ballot module lands.
    async fn ballots_placeholder_mutation(&self) -> bool {
        true
    }
}
