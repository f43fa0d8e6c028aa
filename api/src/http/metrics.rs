//! Prometheus metrics, every family present from the first scrape: GraphQL requests, latency and
//! requests with errors per operation, errors per code, process metrics (Linux), build info, the
//! database pool (read at scrape time) and domain counters (votes).
//!
//! Operations are labelled by the root field they call (`topics`, `castVote`…), a fixed set read
//! from the schema; anything else is `other`. Client-chosen operation names never become labels,
//! so no request can grow the metrics. Every known label starts at zero.

use std::collections::HashSet;
use std::sync::Arc;

use actix_web::{web, HttpResponse};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};
use sea_orm::{DatabaseConnection, DatabaseConnectionType};

use crate::startup::AppState;

#[derive(Clone)]
pub struct Metrics {
    known: Arc<HashSet<String>>,
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    errors: IntCounterVec,
    failed: IntCounterVec,
    pool_open: IntGauge,
    pool_idle: IntGauge,
    pool_max: IntGauge,
    votes: IntCounterVec,
    vote_changes: IntCounter,
    signups: IntCounterVec,
    topic_pages: IntCounterVec,
    topic_pages_kept: IntGauge,
    /// Held while `read_pages` brings the counters up: two scrapes at once would each add the
    /// same difference.
    pages_read: Arc<std::sync::Mutex<()>>,
}

/// Every `extensions.code` an error can carry (DESIGN §9).
const CODES: [&str; 8] = [
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "BAD_USER_INPUT",
    "CONFLICT",
    "INVALID_STATE",
    "RATE_LIMITED",
    "INTERNAL",
];

/// The labels of `jiayuan_topic_page_reads_total`, in the order of `PageReads`' fields.
const PAGE_RESULTS: [&str; 3] = ["served", "stale", "read"];

pub use entity::ballot_participation::VoteChannel;

/// A vote channel's metric label.
fn channel_label(channel: VoteChannel) -> &'static str {
    match channel {
        VoteChannel::Online => "online",
        VoteChannel::Paper => "paper",
    }
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
        let failed = IntCounterVec::new(
            Opts::new(
                "jiayuan_graphql_failed_requests_total",
                "GraphQL requests answered with at least one error, by operation name",
            ),
            &["operation"],
        )?;
        let build = IntGaugeVec::new(
            Opts::new("jiayuan_build_info", "The running build (always 1)"),
            &["version"],
        )?;
        build.with_label_values(&[env!("CARGO_PKG_VERSION")]).set(1);
        let pool_open = IntGauge::new(
            "jiayuan_db_pool_connections",
            "Database connections open in the pool (in use and idle)",
        )?;
        let pool_idle = IntGauge::new(
            "jiayuan_db_pool_idle_connections",
            "Database connections open and idle in the pool",
        )?;
        let pool_max = IntGauge::new(
            "jiayuan_db_pool_max_connections",
            "The most connections the pool opens",
        )?;
        let votes = IntCounterVec::new(
            Opts::new(
                "jiayuan_votes_cast_total",
                "Votes cast (a voter's first vote on a ballot), by channel",
            ),
            &["channel"],
        )?;
        let vote_changes = IntCounter::new(
            "jiayuan_vote_changes_total",
            "Votes replaced by their voter (castVote with a receipt)",
        )?;
        let signups = IntCounterVec::new(
            Opts::new(
                "jiayuan_event_signups_total",
                "Event sign-ups taken, by the status they got (CONFIRMED or WAITLISTED)",
            ),
            &["status"],
        )?;
        for status in ["CONFIRMED", "WAITLISTED"] {
            signups.with_label_values(&[status]);
        }
        let topic_pages = IntCounterVec::new(
            Opts::new(
                "jiayuan_topic_page_reads_total",
                "Topic list pages asked for, by how they were found: served (kept in memory, \
                 unchanged), stale (kept, changed since: read again) or read (not kept)",
            ),
            &["result"],
        )?;
        for result in PAGE_RESULTS {
            topic_pages.with_label_values(&[result]);
        }
        let topic_pages_kept = IntGauge::new(
            "jiayuan_topic_pages_kept",
            "Topic list pages kept in memory by this process",
        )?;
        registry.register(Box::new(topic_pages.clone()))?;
        registry.register(Box::new(topic_pages_kept.clone()))?;
        registry.register(Box::new(signups.clone()))?;
        // Known labels start at zero, so every family is there from the first scrape.
        for op in known.iter().map(String::as_str).chain(["other"]) {
            requests.with_label_values(&[op]);
            latency.with_label_values(&[op]);
            failed.with_label_values(&[op]);
        }
        for code in CODES {
            errors.with_label_values(&[code]);
        }
        for channel in [VoteChannel::Online, VoteChannel::Paper] {
            votes.with_label_values(&[channel_label(channel)]);
        }
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(errors.clone()))?;
        registry.register(Box::new(failed.clone()))?;
        registry.register(Box::new(build))?;
        registry.register(Box::new(pool_open.clone()))?;
        registry.register(Box::new(pool_idle.clone()))?;
        registry.register(Box::new(pool_max.clone()))?;
        registry.register(Box::new(votes.clone()))?;
        registry.register(Box::new(vote_changes.clone()))?;
        // Resident memory, CPU seconds, open and maximum file descriptors, threads, start time.
        #[cfg(target_os = "linux")]
        registry.register(Box::new(
            prometheus::process_collector::ProcessCollector::for_self(),
        ))?;
        Ok(Self {
            known: Arc::new(known),
            registry,
            requests,
            latency,
            errors,
            failed,
            pool_open,
            pool_idle,
            pool_max,
            votes,
            vote_changes,
            signups,
            topic_pages,
            topic_pages_kept,
            pages_read: Arc::default(),
        })
    }

    /// A new event sign-up, by the status it got.
    pub fn signed_up(&self, confirmed: bool) {
        self.signups
            .with_label_values(&[if confirmed { "CONFIRMED" } else { "WAITLISTED" }])
            .inc();
    }

    /// A vote taken (`changed`: it replaced the voter's earlier vote).
    pub fn vote_cast(&self, channel: VoteChannel, changed: bool) {
        if changed {
            self.vote_changes.inc();
        } else {
            self.votes
                .with_label_values(&[channel_label(channel)])
                .inc();
        }
    }

    /// Brings the topic page counters up to the process's (called at each scrape).
    pub fn read_pages(&self, pages: &crate::domain::topic::pages::Pages) {
        let _one = self.pages_read.lock().unwrap_or_else(|e| e.into_inner());
        let r = pages.reads();
        for (result, total) in PAGE_RESULTS.into_iter().zip([r.served, r.stale, r.read]) {
            let counter = self.topic_pages.with_label_values(&[result]);
            counter.inc_by(total.saturating_sub(counter.get()));
        }
        self.topic_pages_kept
            .set(i64::try_from(pages.size().0).unwrap_or(i64::MAX));
    }

    /// Reads the pool's use now (called at each scrape).
    pub fn read_pool(&self, db: &DatabaseConnection) {
        let (open, idle, max) = match &db.inner {
            DatabaseConnectionType::SqlxPostgresPoolConnection(_) => {
                let pool = db.get_postgres_connection_pool();
                (
                    pool.size(),
                    pool.num_idle(),
                    pool.options().get_max_connections(),
                )
            }
            DatabaseConnectionType::SqlxSqlitePoolConnection(_) => {
                let pool = db.get_sqlite_connection_pool();
                (
                    pool.size(),
                    pool.num_idle(),
                    pool.options().get_max_connections(),
                )
            }
            _ => return,
        };
        self.pool_open.set(i64::from(open));
        self.pool_idle.set(i64::try_from(idle).unwrap_or(i64::MAX));
        self.pool_max.set(i64::from(max));
    }

    /// The label of a request: its first root field when the schema has it, else `other`.
    pub fn label_for(
        &self,
        request: &async_graphql::Request,
        doc: Option<&async_graphql::parser::types::ExecutableDocument>,
    ) -> &str {
        let Some(doc) = doc else {
            return "other";
        };
        let roots = super::limits::root_fields(doc, request.operation_name.as_deref());
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
        if !error_codes.is_empty() {
            self.failed.with_label_values(&[operation]).inc();
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
    state.metrics.read_pool(&state.db);
    state.metrics.read_pages(&state.topic_pages);
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
