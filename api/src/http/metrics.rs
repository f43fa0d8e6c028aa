//! Prometheus metrics: GraphQL requests and latency per operation, errors per code.
//!
//! Operations are labelled by the root field they call (`topics`, `castVote`…), a fixed set read
//! from the schema; anything else is `other`. Client-chosen operation names never become labels,
//! so no request can grow the metrics.

use std::collections::HashSet;
use std::sync::Arc;

use actix_web::{web, HttpResponse};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};

use crate::startup::AppState;

#[derive(Clone)]
pub struct Metrics {
    known: Arc<HashSet<String>>,
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    errors: IntCounterVec,
}

impl Metrics {
    /// `known`: the labels that may appear (the schema's root fields).
    pub fn new(known: HashSet<String>) -> anyhow::Result<Self> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "jiayuan_graphql_requests_total",
                "GraphQL requests by operation name",
            ),
            &["operation"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "jiayuan_graphql_request_duration_seconds",
                "GraphQL request latency by operation name",
            )
            .buckets(vec![
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["operation"],
        )?;
        let errors = IntCounterVec::new(
            Opts::new("jiayuan_graphql_errors_total", "GraphQL errors by code"),
            &["code"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(errors.clone()))?;
        Ok(Self {
            known: Arc::new(known),
            registry,
            requests,
            latency,
            errors,
        })
    }

    /// The label of a request: its first root field when the schema has it, else `other`.
    pub fn label_for(&self, request: &async_graphql::Request) -> &str {
        let Ok(doc) = async_graphql::parser::parse_query(&request.query) else {
            return "other";
        };
        let roots = super::limits::root_fields(&doc, request.operation_name.as_deref());
        roots
            .iter()
            .find_map(|f| self.known.get(*f))
            .map(String::as_str)
            .unwrap_or("other")
    }

    pub fn observe(&self, operation: &str, seconds: f64, error_codes: &[String]) {
        self.requests.with_label_values(&[operation]).inc();
        self.latency
            .with_label_values(&[operation])
            .observe(seconds);
        for code in error_codes {
            self.errors.with_label_values(&[code.as_str()]).inc();
        }
    }

    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        if TextEncoder::new()
            .encode(&self.registry.gather(), &mut buf)
            .is_err()
        {
            return String::new();
        }
        String::from_utf8(buf).unwrap_or_default()
    }
}

pub async fn render(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render())
}

/// The root field names of a schema's SDL (queries, mutations, subscriptions).
pub fn root_fields_of(sdl: &str) -> HashSet<String> {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let Ok(doc) = async_graphql::parser::parse_schema(sdl) else {
        return HashSet::new();
    };
    doc.definitions
        .iter()
        .filter_map(|d| match d {
            TypeSystemDefinition::Type(t)
                if matches!(
                    t.node.name.node.as_str(),
                    "QueryRoot"
                        | "Query"
                        | "MutationRoot"
                        | "Mutation"
                        | "SubscriptionRoot"
                        | "Subscription"
                ) =>
            {
                match &t.node.kind {
                    TypeKind::Object(o) => Some(
                        o.fields
                            .iter()
                            .map(|f| f.node.name.node.to_string())
                            .collect::<Vec<_>>(),
                    ),
                    _ => None,
                }
            }
            _ => None,
        })
        .flatten()
        .collect()
}
