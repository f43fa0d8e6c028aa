//! The GraphQL schema: transport only. One merged part per module; each resolver takes the
//! viewer and connection, turns input into domain types, calls one service function and maps
//! the result. Errors pass through `crate::error` (never `?` on a foreign error type here).

mod awards;
mod ballot;
mod enums;
mod events;
mod home;
mod identity;
pub mod introspection;
mod loaders;
mod mediation;
mod notifications;
mod paging;
mod roster;
mod topic;
mod types;

use async_graphql::{MergedObject, MergedSubscription, Schema};

use crate::startup::AppState;

pub use loaders::Loaders;

#[derive(MergedObject, Default)]
pub struct Query(
    home::HomeQuery,
    identity::IdentityQuery,
    roster::RosterQuery,
    notifications::NotificationQuery,
    topic::TopicQuery,
    ballot::BallotQuery,
    mediation::MediationQuery,
    awards::AwardsQuery,
    events::EventsQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    identity::IdentityMutation,
    roster::RosterMutation,
    notifications::NotificationMutation,
    topic::TopicMutation,
    ballot::BallotMutation,
    mediation::MediationMutation,
    awards::AwardsMutation,
    events::EventsMutation,
);

#[derive(MergedSubscription, Default)]
pub struct Subscription(
    notifications::NotificationSubscription,
    ballot::BallotSubscription,
);

pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// Query limits (DESIGN §9). Aliases and expanded fields are limited in `http::limits` before
/// execution, on both transports.
pub const MAX_DEPTH: usize = 12;
pub const MAX_COMPLEXITY: usize = 2_000;
pub const MAX_ALIASES: usize = 30;
/// Fields selected once fragments are expanded (`http::limits`).
pub const MAX_FIELDS: usize = 400;

fn builder() -> async_graphql::SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY)
    .limit_recursive_depth(32)
}

pub fn build_schema(state: AppState) -> AppSchema {
    // The loaders keep no cache (DataLoader::new), so one set serves every request and only batches.
    builder().data(Loaders::new(&state)).data(state).finish()
}

/// The SDL as `jiayuan export-schema` prints it and `api/schema.graphql` holds it.
pub fn sdl() -> String {
    builder().finish().sdl()
}
