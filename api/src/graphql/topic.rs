//! Deliberation topics: transport only.

use async_graphql::Object;

#[derive(Default)]
pub struct TopicQuery;

#[Object]
impl TopicQuery {
    /// Placeholder until the topic module lands.
    async fn topics_placeholder(&self) -> bool {
        true
    }
}

#[derive(Default)]
pub struct TopicMutation;

#[Object]
impl TopicMutation {
    /// Placeholder until the topic module lands.
    async fn topics_placeholder_mutation(&self) -> bool {
        true
    }
}
