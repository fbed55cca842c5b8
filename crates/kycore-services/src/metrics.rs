//! The process's Prometheus metrics: owns the registry and every metric kycore exports, and
//! renders them for `GET /metrics`. The use cases update the metrics where things happen
//! (a failed watchlist refresh, a load); the HTTP edge only asks for the text.
//!
//! Metrics are per process: with several servers, Prometheus scrapes each and sums.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use kycore_store::Store;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::Services;
use crate::time_format::now_millis;
use crate::worker::WorkerHealth;

/// The content type of [`Services::metrics_text`]: the OpenMetrics text format, which
/// Prometheus scrapes natively.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct SourceLabel {
    /// A configured list source: a path, or a URL without credentials or query. Sources come
    /// from `kycore.toml`, so the label's values are few.
    pub source: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct ListLabel {
    pub list: String,
}

/// Why the HTTP edge refused a request before it reached a use case.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum Refusal {
    /// An API key sent more requests than its rate allows.
    KeyRateLimit,
    /// A client address failed authentication too often.
    AuthFailures,
}

impl Refusal {
    fn as_str(self) -> &'static str {
        match self {
            Refusal::KeyRateLimit => "key_rate_limit",
            Refusal::AuthFailures => "auth_failures",
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct DeliveryResultLabel {
    /// `delivered`, `retrying` or `failed`.
    pub result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EndpointLabel {
    endpoint_id: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RefusalLabel {
    reason: &'static str,
}

pub(crate) struct Metrics {
    registry: Registry,
    pub refresh_failures: Family<SourceLabel, Counter>,
    pub load_failures: Counter,
    pub loaded_entities: Gauge,
    pub last_success: Family<ListLabel, Gauge<f64, AtomicU64>>,
    jobs_pending: Gauge,
    jobs_running: Gauge,
    jobs_failed: Gauge,
    refused_requests: Family<RefusalLabel, Counter>,
    /// Webhook attempts by how they ended.
    pub webhook_attempts: Family<DeliveryResultLabel, Counter>,
    /// Webhook attempts' durations, seconds.
    pub webhook_latency: Histogram,
    webhook_backlog: Family<EndpointLabel, Gauge>,
}

/// Reads the store writers' and the job worker's health at each scrape.
#[derive(Debug)]
struct HealthCollector {
    store: Store,
    worker: Arc<WorkerHealth>,
}

impl HealthCollector {
    fn counter(
        encoder: &mut DescriptorEncoder,
        name: &str,
        help: &str,
        value: u64,
    ) -> Result<(), std::fmt::Error> {
        let metric = ConstCounter::new(value);
        metric.encode(encoder.encode_descriptor(name, help, None, metric.metric_type())?)
    }
}

impl Collector for HealthCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let writers = self.store.writer_status();
        let connected = ConstGauge::new(i64::try_from(writers.connected).unwrap_or(i64::MAX));
        connected.encode(encoder.encode_descriptor(
            "store_writers_connected",
            "Store writer tasks holding a working database connection (of store_writers)",
            None,
            connected.metric_type(),
        )?)?;
        let total = ConstGauge::new(i64::try_from(writers.writers).unwrap_or(i64::MAX));
        total.encode(encoder.encode_descriptor(
            "store_writers",
            "Store writer tasks this process runs",
            None,
            total.metric_type(),
        )?)?;
        Self::counter(
            &mut encoder,
            "store_writer_restarts",
            "Store writers replaced after dying or losing their connection",
            writers.restarts,
        )?;
        Self::counter(
            &mut encoder,
            "store_panicked_units",
            "Units of work that panicked and were rolled back alone (their request got a 500)",
            writers.panicked_units,
        )?;
        Self::counter(
            &mut encoder,
            "worker_restarts",
            "Times the job worker's loop panicked and was restarted",
            self.worker.restarts(),
        )
    }
}

impl Metrics {
    pub(crate) fn new(store: Store, worker: Arc<WorkerHealth>) -> Self {
        let mut registry = Registry::with_prefix("kycore");
        registry.register_collector(Box::new(HealthCollector { store, worker }));
        let refresh_failures = Family::<SourceLabel, Counter>::default();
        registry.register(
            "watchlist_refresh_failures",
            "Scheduled imports of a configured list source that failed (download, missing file, parse); the last good version stays served",
            refresh_failures.clone(),
        );
        let load_failures = Counter::default();
        registry.register(
            "watchlist_load_failures",
            "Imported list versions that failed to load into the screener; the list's previous version stays served",
            load_failures.clone(),
        );
        let loaded_entities = Gauge::default();
        registry.register(
            "watchlist_loaded_entities",
            "Entities in the screener this process serves",
            loaded_entities.clone(),
        );
        let last_success = Family::<ListLabel, Gauge<f64, AtomicU64>>::default();
        registry.register(
            "watchlist_last_success_timestamp_seconds",
            "When a list was last refreshed (imported or found unchanged) or loaded successfully, Unix seconds",
            last_success.clone(),
        );
        let jobs_pending = Gauge::default();
        registry.register(
            "jobs_pending",
            "Background jobs due and not yet done",
            jobs_pending.clone(),
        );
        let jobs_running = Gauge::default();
        registry.register(
            "jobs_running",
            "Background jobs a worker is running now (their lease has not run out)",
            jobs_running.clone(),
        );
        let jobs_failed = Gauge::default();
        registry.register(
            "jobs_failed",
            "Background jobs that used up their attempts (kept 30 days)",
            jobs_failed.clone(),
        );
        let refused_requests = Family::<RefusalLabel, Counter>::default();
        registry.register(
            "http_requests_refused",
            "Requests answered 429 before reaching a use case, by reason (key_rate_limit, auth_failures)",
            refused_requests.clone(),
        );
        let webhook_attempts = Family::<DeliveryResultLabel, Counter>::default();
        registry.register(
            "webhook_attempts",
            "Webhook delivery attempts by result: delivered, retrying (failed, will be retried) or failed (attempts used up)",
            webhook_attempts.clone(),
        );
        let webhook_latency = Histogram::new([
            0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0,
        ]);
        registry.register(
            "webhook_attempt_duration_seconds",
            "How long webhook attempts took, from sending to the answer (or the error)",
            webhook_latency.clone(),
        );
        let webhook_backlog = Family::<EndpointLabel, Gauge>::default();
        registry.register(
            "webhook_backlog",
            "Webhook deliveries not yet delivered, per endpoint (due now or waiting for a retry)",
            webhook_backlog.clone(),
        );
        Metrics {
            registry,
            webhook_attempts,
            webhook_latency,
            webhook_backlog,
            refused_requests,
            refresh_failures,
            load_failures,
            loaded_entities,
            last_success,
            jobs_pending,
            jobs_running,
            jobs_failed,
        }
    }

    /// Marks `list` as refreshed or loaded now.
    pub fn list_succeeded(&self, list: &str) {
        #[allow(clippy::cast_precision_loss)] // milliseconds since 1970 fit an f64 exactly
        let seconds = now_millis() as f64 / 1000.0;
        self.last_success
            .get_or_create(&ListLabel {
                list: list.to_owned(),
            })
            .set(seconds);
    }
}

impl Services {
    /// Every metric in the OpenMetrics text format ([`CONTENT_TYPE`]). The job counts are read
    /// now, one small query; if the database does not answer they keep their last value (the
    /// readiness probe reports the database).
    pub async fn metrics_text(&self) -> String {
        let metrics = &self.inner.metrics;
        match kycore_store::jobs::counts(self.store().reader(), now_millis()).await {
            Ok(counts) => {
                metrics.jobs_pending.set(counts.pending);
                metrics.jobs_running.set(counts.running);
                metrics.jobs_failed.set(counts.failed);
            }
            Err(e) => tracing::warn!(error = %e, "cannot count the jobs for /metrics"),
        }
        match kycore_store::webhooks::backlog(self.store().reader()).await {
            Ok(backlog) => {
                // Endpoints whose backlog emptied drop out rather than stay at their last value.
                metrics.webhook_backlog.clear();
                for (endpoint_id, count) in backlog {
                    metrics
                        .webhook_backlog
                        .get_or_create(&EndpointLabel { endpoint_id })
                        .set(count);
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot count the webhook backlog for /metrics"),
        }
        let mut text = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut text, &metrics.registry) {
            // Writing to a String cannot fail; a metric's own encoder could, in theory.
            tracing::warn!(error = %e, "cannot encode the metrics");
        }
        text
    }

    /// Counts a request the HTTP edge refused.
    pub fn count_refused_request(&self, reason: Refusal) {
        self.inner
            .metrics
            .refused_requests
            .get_or_create(&RefusalLabel {
                reason: reason.as_str(),
            })
            .inc();
    }

    pub(crate) fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }
}
