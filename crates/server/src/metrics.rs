//! Operators' metrics: `GET /metrics` (a key of the platform's own organisation) in the OpenMetrics text format that
//! Prometheus scrapes.
//!
//! What an operator watches a bank-facing service by: requests answered and their latency by route and status
//! (both connection paths: the look-ups answered before hyper and everything hyper answers), the connections open,
//! screening decisions by outcome and the audit writer's backlog (a decision is acknowledged before it is stored),
//! the analyzer's verdicts, the reputation index's size and version, the request-log lines dropped, and the
//! process's memory, open files and start time. No label ever holds a request's path, query, body or key: routes
//! are the router's templates, methods outside the standard ones count as `other`.
//!
//! Counting sits on the look-up path (tens of thousands a second), so it is a few relaxed atomic additions into
//! fixed arrays, with no lock and no allocation once a route has been seen; `prometheus-client` only writes the
//! text when scraped.

use crate::AppState;
use canhgiac_analyzer::analyze::MessageVerdict;
use parking_lot::RwLock;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeGaugeValue, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::{Registry, Unit};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The content type of the answer: OpenMetrics text, which Prometheus asks for and reads.
pub const METRICS_CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Upper bounds of the latency histogram's buckets, in seconds: from a look-up (tens of microseconds) to an
/// evidence upload (seconds).
const LATENCY_BOUNDS_SECONDS: [f64; 14] =
    [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Status codes counted one by one: every code HTTP defines (100-599; one outside, never sent, counts as the nearest).
const FIRST_STATUS: u16 = 100;
const STATUS_SLOTS: usize = 500;

/// Methods kept as they are; any other counts as `other`, so that a client cannot make new series without end.
const STANDARD_METHODS: [&str; 9] = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"];

/// Copies of a route's counts, one per few threads, so that the two workers answering look-ups do not take turns
/// owning one cache line on each (a cost no instruction count shows; the wall-clock A/B in bench/RESULTS.md, issue
/// 4's seventeenth run, could not tell either version from none). A thread adds to its own; a scrape adds them up.
const STRIPES: usize = 8;

/// The latency part of one stripe, a cache line apart from the others.
#[repr(align(128))]
struct LatencyStripe {
    /// Answers per latency bucket (not cumulative; the last is above every bound).
    buckets: [AtomicU64; LATENCY_BOUNDS_SECONDS.len() + 1],
    nanos_sum: AtomicU64,
}

/// The counts of one method and route.
struct RouteStats {
    method: &'static str,
    route: Box<str>,
    /// `STRIPES` rows of `STATUS_SLOTS` counts: a stripe's row is 4,000 bytes, so rows never share a cache line.
    statuses: Box<[AtomicU64]>,
    latency: [LatencyStripe; STRIPES],
}

/// This thread's stripe, given out in turn as threads first count something.
fn stripe() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static STRIPE: usize = NEXT.fetch_add(1, Ordering::Relaxed) % STRIPES;
    }
    STRIPE.with(|stripe| *stripe)
}

impl RouteStats {
    fn new(method: &'static str, route: &str) -> RouteStats {
        RouteStats {
            method,
            route: route.into(),
            statuses: (0..STRIPES * STATUS_SLOTS).map(|_| AtomicU64::new(0)).collect(),
            latency: std::array::from_fn(|_| LatencyStripe {
                buckets: std::array::from_fn(|_| AtomicU64::new(0)),
                nanos_sum: AtomicU64::new(0),
            }),
        }
    }

    fn record(&self, status: u16, latency: Duration) {
        let stripe = stripe();
        let slot = usize::from(status.clamp(FIRST_STATUS, FIRST_STATUS + STATUS_SLOTS as u16 - 1) - FIRST_STATUS);
        self.statuses[stripe * STATUS_SLOTS + slot].fetch_add(1, Ordering::Relaxed);
        let seconds = latency.as_secs_f64();
        let bucket =
            LATENCY_BOUNDS_SECONDS.iter().position(|&bound| seconds <= bound).unwrap_or(LATENCY_BOUNDS_SECONDS.len());
        let latency_stripe = &self.latency[stripe];
        latency_stripe.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        latency_stripe.nanos_sum.fetch_add(nanos, Ordering::Relaxed);
    }

    /// The answers with status `FIRST_STATUS + slot`, all stripes together.
    fn status_count(&self, slot: usize) -> u64 {
        (0..STRIPES).map(|stripe| self.statuses[stripe * STATUS_SLOTS + slot].load(Ordering::Relaxed)).sum()
    }

    /// The answers in each latency bucket (not cumulative), all stripes together.
    fn latency_buckets(&self) -> [u64; LATENCY_BOUNDS_SECONDS.len() + 1] {
        std::array::from_fn(|bucket| {
            self.latency.iter().map(|stripe| stripe.buckets[bucket].load(Ordering::Relaxed)).sum()
        })
    }

    fn latency_seconds_sum(&self) -> f64 {
        let nanos: u64 = self.latency.iter().map(|stripe| stripe.nanos_sum.load(Ordering::Relaxed)).sum();
        nanos as f64 / 1e9
    }
}

/// Every method and route answered since the process started, by `"METHOD route"`.
static ROUTES: LazyLock<RwLock<HashMap<Box<str>, Arc<RouteStats>>>> = LazyLock::new(Default::default);
/// The look-up route's counts, found without the map: it is nearly all of the traffic.
static CHECK_STATS: OnceLock<Arc<RouteStats>> = OnceLock::new();

fn standard_method(method: &str) -> &'static str {
    STANDARD_METHODS.iter().find(|standard| **standard == method).copied().unwrap_or("other")
}

fn route_stats(method: &str, route: &str) -> Arc<RouteStats> {
    let method = standard_method(method);
    // The key is built on the stack: a route template is short; a longer one is cut (it still counts).
    let mut key_bytes = [0u8; 160];
    let key = {
        let mut length = 0;
        for part in [method.as_bytes(), b" ", route.as_bytes()] {
            let take = part.len().min(key_bytes.len() - length);
            key_bytes[length..length + take].copy_from_slice(&part[..take]);
            length += take;
        }
        // Cut on a character boundary.
        match std::str::from_utf8(&key_bytes[..length]) {
            Ok(key) => key,
            Err(error) => std::str::from_utf8(&key_bytes[..error.valid_up_to()]).unwrap_or(method),
        }
    };
    if let Some(stats) = ROUTES.read().get(key) {
        return stats.clone();
    }
    ROUTES.write().entry(key.into()).or_insert_with(|| Arc::new(RouteStats::new(method, route))).clone()
}

/// Counts one answered request (the request log calls it for every answer, whatever the log filter).
pub(crate) fn record_answer(method: &str, route: &str, status: u16, latency: Duration) {
    if method == "GET" && route == crate::app::CHECK_ROUTE {
        CHECK_STATS.get_or_init(|| route_stats("GET", crate::app::CHECK_ROUTE)).record(status, latency);
    } else {
        route_stats(method, route).record(status, latency);
    }
}

/// Connections accepted, and open now.
static CONNECTIONS_ACCEPTED: AtomicU64 = AtomicU64::new(0);
static CONNECTIONS_OPEN: AtomicI64 = AtomicI64::new(0);

/// Held by a connection while it is open.
pub(crate) struct OpenConnection(());

impl OpenConnection {
    pub(crate) fn opened() -> OpenConnection {
        CONNECTIONS_ACCEPTED.fetch_add(1, Ordering::Relaxed);
        CONNECTIONS_OPEN.fetch_add(1, Ordering::Relaxed);
        OpenConnection(())
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        CONNECTIONS_OPEN.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The analyzer's verdicts given by `POST /v1/analyze`, counted in the order of [`ANALYZE_VERDICTS`].
static ANALYZE_VERDICT_COUNTS: [AtomicU64; 3] = [const { AtomicU64::new(0) }; 3];
const ANALYZE_VERDICTS: [MessageVerdict; 3] = [MessageVerdict::Safe, MessageVerdict::Suspicious, MessageVerdict::Scam];

pub(crate) fn record_analyze_verdict(verdict: MessageVerdict) {
    if let Some(slot) = ANALYZE_VERDICTS.iter().position(|counted| *counted == verdict) {
        ANALYZE_VERDICT_COUNTS[slot].fetch_add(1, Ordering::Relaxed);
    }
}

/// When the server started, in Unix seconds: when it began to open its store (or to serve, for a server given its
/// state), which is within a second of the process's start.
static STARTED_AT: LazyLock<f64> =
    LazyLock::new(|| SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |since| since.as_secs_f64()));

/// Notes the start time (the first call counts).
pub(crate) fn note_start() {
    LazyLock::force(&STARTED_AT);
}

/// The metrics text for `state`'s server: what `GET /metrics` answers.
pub(crate) fn render(state: &AppState) -> String {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(PlatformCollector { state: state.clone() }));
    let mut text = String::with_capacity(16 * 1024);
    // Writing into a `String` cannot fail.
    let _ = prometheus_client::encoding::text::encode(&mut text, &registry);
    text
}

#[derive(Debug)]
struct PlatformCollector {
    state: AppState,
}

impl Collector for PlatformCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        encode_build_info(&mut encoder)?;
        encode_http(&mut encoder)?;
        counter(
            &mut encoder,
            "canhgiac_http_connections_accepted",
            "Connections accepted.",
            CONNECTIONS_ACCEPTED.load(Ordering::Relaxed),
        )?;
        gauge(
            &mut encoder,
            "canhgiac_http_connections_open",
            "Connections open now.",
            CONNECTIONS_OPEN.load(Ordering::Relaxed),
        )?;
        counter(
            &mut encoder,
            "canhgiac_request_log_dropped_lines",
            "Request-log lines dropped because standard error did not keep up.",
            crate::access_log::dropped_lines(),
        )?;
        encode_index(&mut encoder, &self.state)?;
        encode_analyzer(&mut encoder)?;
        if let Some(screening) = self.state.screening() {
            screening.encode_metrics(&mut encoder)?;
        }
        encode_process(&mut encoder)
    }
}

fn encode_build_info(encoder: &mut DescriptorEncoder) -> Result<(), std::fmt::Error> {
    let mut metric = encoder.encode_descriptor("canhgiac_build", "The server's version.", None, MetricType::Info)?;
    metric.encode_info(&[("version", env!("CARGO_PKG_VERSION"))])
}

fn encode_http(encoder: &mut DescriptorEncoder) -> Result<(), std::fmt::Error> {
    let mut routes: Vec<Arc<RouteStats>> = ROUTES.read().values().cloned().collect();
    routes.sort_by(|a, b| (&a.route, a.method).cmp(&(&b.route, b.method)));
    {
        let mut metric = encoder.encode_descriptor(
            "canhgiac_http_requests",
            "Requests answered, by method, route template and status.",
            None,
            MetricType::Counter,
        )?;
        for stats in &routes {
            for slot in 0..STATUS_SLOTS {
                let count = stats.status_count(slot);
                if count == 0 {
                    continue;
                }
                let status = itoa::Buffer::new().format(FIRST_STATUS as usize + slot).to_string();
                let labels = [("method", stats.method), ("route", &*stats.route), ("status", status.as_str())];
                ConstCounter::new(count).encode(metric.encode_family(&labels)?)?;
            }
        }
    }
    let mut metric = encoder.encode_descriptor(
        "canhgiac_http_request_duration",
        "Time from a request's arrival to its answer's head, by method and route template.",
        Some(&Unit::Seconds),
        MetricType::Histogram,
    )?;
    for stats in &routes {
        // Each bucket's own count: the encoder adds them up. `f64::MAX` is how it names the `+Inf` bucket.
        let buckets: Vec<(f64, u64)> = stats
            .latency_buckets()
            .into_iter()
            .enumerate()
            .map(|(index, count)| (LATENCY_BOUNDS_SECONDS.get(index).copied().unwrap_or(f64::MAX), count))
            .collect();
        let count = buckets.iter().map(|(_, count)| count).sum();
        let sum = stats.latency_seconds_sum();
        let labels = [("method", stats.method), ("route", &*stats.route)];
        metric
            .encode_family(&labels)?
            .encode_histogram::<prometheus_client::encoding::NoLabelSet>(sum, count, &buckets, None)?;
    }
    Ok(())
}

fn encode_index(encoder: &mut DescriptorEncoder, state: &AppState) -> Result<(), std::fmt::Error> {
    let index = state.index();
    gauge(encoder, "canhgiac_index_contacts", "Contacts in the reputation index.", index.len() as i64)?;
    gauge(
        encoder,
        "canhgiac_index_version",
        "The reputation index's version: it grows with every change published to readers.",
        i64::try_from(index.version()).unwrap_or(i64::MAX),
    )?;
    let Some(updates) = state.intake().ok().and_then(|intake| intake.index_updates()) else { return Ok(()) };
    let progress = updates.progress();
    let sent = progress.sent.load(Ordering::Relaxed);
    let settled = progress.settled.load(Ordering::Relaxed);
    gauge(
        encoder,
        "canhgiac_index_updates_backlog",
        "Contacts changed by reports, listings and appeals and not yet updated in the index.",
        i64::try_from(sent.saturating_sub(settled)).unwrap_or(i64::MAX),
    )?;
    counter(
        encoder,
        "canhgiac_index_updates",
        "Contacts changed by reports, listings and appeals that the index's updater has taken (applied or given up).",
        settled,
    )?;
    counter(
        encoder,
        "canhgiac_index_updates_failed",
        "Contacts left as they were in the index because the store could not be read (until the next refresh).",
        progress.failed.load(Ordering::Relaxed),
    )?;
    gauge(
        encoder,
        "canhgiac_index_whole_store_read_timestamp_seconds",
        "When the index was last built or refreshed from the whole store (hourly), in Unix seconds.",
        progress.whole_store_read_at.load(Ordering::Relaxed) as f64 / 1000.0,
    )
}

fn encode_analyzer(encoder: &mut DescriptorEncoder) -> Result<(), std::fmt::Error> {
    let mut metric = encoder.encode_descriptor(
        "canhgiac_analyze_verdicts",
        "Messages analysed by POST /v1/analyze, by verdict.",
        None,
        MetricType::Counter,
    )?;
    for (verdict, count) in ANALYZE_VERDICTS.iter().zip(&ANALYZE_VERDICT_COUNTS) {
        let labels = [("verdict", verdict.as_str())];
        ConstCounter::new(count.load(Ordering::Relaxed)).encode(metric.encode_family(&labels)?)?;
    }
    Ok(())
}

fn encode_process(encoder: &mut DescriptorEncoder) -> Result<(), std::fmt::Error> {
    gauge(encoder, "process_start_time_seconds", "When the server started, in Unix seconds.", *STARTED_AT)?;
    if let Some(bytes) = resident_memory_bytes() {
        gauge(encoder, "process_resident_memory_bytes", "Resident memory of the process.", bytes)?;
    }
    if let Ok(entries) = std::fs::read_dir("/proc/self/fd") {
        gauge(encoder, "process_open_fds", "Files and sockets the process holds open.", entries.count() as i64)?;
    }
    Ok(())
}

/// Resident memory from `/proc/self/statm` (Linux); `None` elsewhere.
fn resident_memory_bytes() -> Option<i64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: i64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // The page size of every Linux this runs on but a few arm64 kernels; close enough for a gauge there.
    Some(pages * 4096)
}

/// Writes one metric without labels.
fn unlabelled(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    metric: impl EncodeMetric,
) -> Result<(), std::fmt::Error> {
    metric.encode(encoder.encode_descriptor(name, help, None, metric.metric_type())?)
}

/// Writes one counter without labels.
pub(crate) fn counter(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    value: u64,
) -> Result<(), std::fmt::Error> {
    unlabelled(encoder, name, help, ConstCounter::new(value))
}

/// Writes one gauge without labels (whole, or a number of seconds).
pub(crate) fn gauge<Value: EncodeGaugeValue + Send + Sync + std::fmt::Debug>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    value: Value,
) -> Result<(), std::fmt::Error> {
    unlabelled(encoder, name, help, ConstGauge::new(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_methods_count_as_other() {
        assert_eq!(standard_method("GET"), "GET");
        assert_eq!(standard_method("get"), "other");
        assert_eq!(standard_method("BREW"), "other");
    }

    #[test]
    fn a_route_counts_each_status_and_latency_bucket() {
        let stats = RouteStats::new("POST", "/v1/test-metrics");
        stats.record(200, Duration::from_micros(300));
        stats.record(200, Duration::from_millis(3));
        stats.record(422, Duration::from_secs(60));
        stats.record(42, Duration::ZERO);
        assert_eq!(stats.status_count(100), 2);
        assert_eq!(stats.status_count(322), 1);
        // A status below 100 is never sent; were it, it would count as 100 rather than be lost.
        assert_eq!(stats.status_count(0), 1);
        let buckets = stats.latency_buckets();
        assert_eq!(buckets[0], 2, "0.3 ms and 0 s are under 0.5 ms");
        assert_eq!(buckets[3], 1, "3 ms is under 5 ms");
        assert_eq!(buckets[LATENCY_BOUNDS_SECONDS.len()], 1, "a minute is above every bound");
    }

    #[test]
    fn a_long_route_is_cut_on_a_character_boundary() {
        let route = format!("/{}", "ư".repeat(100));
        let stats = route_stats("GET", &route);
        assert_eq!(&*stats.route, route.as_str());
        assert!(Arc::ptr_eq(&stats, &route_stats("GET", &route)));
    }
}
