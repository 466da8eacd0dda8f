//! `GET /__sim/metrics`: what `/__sim/counters` counts, plus the latency of answers, in the
//! Prometheus exposition format, so a Prometheus (or Grafana Agent, or campaign-load) can scrape
//! the simulator during a load run without knowing its JSON.
//!
//! | metric                                            | type      | labels                  |
//! |---------------------------------------------------|-----------|-------------------------|
//! | `campaign_sim_requests_total`                     | counter   | `operation`, `status`   |
//! | `campaign_sim_request_duration_seconds`           | histogram | `operation`             |
//! | `campaign_sim_campaigns`                          | gauge     | `vendor`, `state`       |
//! | `campaign_sim_faults_injected_total`              | counter   | `kind`                  |
//! | `campaign_sim_window_requests_total`              | counter   | `window`                |
//! | `campaign_sim_connections_open`                   | gauge     |                         |
//! | `campaign_sim_connections_accepted_total`         | counter   |                         |
//! | `campaign_sim_connections_refused_total`          | counter   |                         |
//! | `campaign_sim_connections_evicted_total`          | counter   |                         |
//! | `campaign_sim_connection_timeouts_total`          | counter   | `timeout`               |
//! | `campaign_sim_tls_handshake_failures_total`       | counter   |                         |
//! | `campaign_sim_campaign_refusals_total`            | counter   | `reason`                |
//!
//! Label values are the ones `/__sim/counters` uses: `operation` is the route's name
//! (`"kore voice-start-v1"`, `"unmatched"`), `status` the HTTP status or `"dropped"`, `kind` a
//! fault kind ([`INJECTED`]).
//!
//! **One set of counts.** Every count is read, at scrape time, from the same atomics
//! `/__sim/counters` reads (one [`Shared::snapshot`] per scrape, handed to a
//! prometheus-client [`Collector`] in a registry made for that scrape): the two routes cannot
//! disagree, and `/__sim/reset` zeroes both at once. The campaigns gauge visits the store at
//! scrape time, so the request path keeps no per-state bookkeeping.
//!
//! **The latency histogram** is the one thing only this route has. The handler observes each
//! answer's time with [`Latency::observe`]: a bucket found among [`LATENCY_BUCKETS_SECONDS`] and two
//! relaxed atomic adds (the bucket and the sum); the count is the buckets' sum, read at scrape
//! time, so count and buckets cannot disagree. prometheus-client's own `Histogram` takes a lock
//! per observation, which the hot path of a load target should not. A dropped connection has no
//! answer and is not observed: its time would be the injected delay alone, and would make the
//! answers' percentiles lie.
//!
//! **Formats.** The classic Prometheus text format (`text/plain; version=0.0.4`), which every
//! scraper and `curl` reads; OpenMetrics (`application/openmetrics-text; version=1.0.0`) when
//! the request's `Accept` names it, as Prometheus's does. Both are written by prometheus-client's
//! encoders, never by hand.

use crate::counters::{CountersSnapshot, INJECTED};
use crate::shared::Shared;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use campaign_api::{OperationId, Vendor};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, MetricEncoder, NoLabelSet};
use prometheus_client::encoding::{prometheus_text, text};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::{Registry, Unit};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds (seconds) of the latency histogram's buckets: 1 ms to 10 s.
///
/// Prometheus's default buckets (5 ms … 10 s, steps of 1–2.5–5 per decade) extended down to
/// 1 ms. The simulator's own work is well under 1 ms, so the low end separates "answered at
/// once" from the injected latencies (`fixed 20ms`, `lognormal p50=40ms p99=250ms`), which fall
/// in the middle decades at a resolution of at most 2.5×; the top, 10 s, is the default header
/// timeout, past which a client has given up anyway (slower answers still count in `+Inf`).
/// Keeping the default's bounds means a dashboard can set these buckets beside another
/// service's, or campaign-load's, `le` for `le`.
pub const LATENCY_BUCKETS_SECONDS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Content type of the OpenMetrics text format, as the OpenMetrics 1.0 spec names it.
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Content type of the classic Prometheus text format (version 0.0.4).
pub const PROMETHEUS_TEXT_CONTENT_TYPE: &str = prometheus_text::CONTENT_TYPE;

/// One row per operation, and one for unmatched paths (as the counter grid has).
const ROWS: usize = OperationId::ALL.len() + 1;

/// One column per bound, and one for answers slower than the last (`+Inf` only).
const COLUMNS: usize = LATENCY_BUCKETS_SECONDS.len() + 1;

#[derive(Debug)]
struct Row {
    /// Answers per bucket, not cumulative (the encoder accumulates).
    buckets: [AtomicU64; COLUMNS],
    /// Sum of the answers' times, in nanoseconds (584 years before it wraps).
    sum_ns: AtomicU64,
}

/// The latency histogram of answers, by operation: fixed atomics, no lock.
#[derive(Debug)]
pub(crate) struct Latency {
    rows: [Row; ROWS],
}

impl Default for Latency {
    fn default() -> Self {
        Latency {
            rows: std::array::from_fn(|_| Row {
                buckets: std::array::from_fn(|_| AtomicU64::new(0)),
                sum_ns: AtomicU64::new(0),
            }),
        }
    }
}

/// One operation's histogram as read at scrape time.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LatencyRead {
    /// The route's name, as `/__sim/counters` names it.
    pub(crate) operation: String,
    /// `(upper bound, answers in that bucket alone)`, one per [`LATENCY_BUCKETS_SECONDS`] entry and
    /// `+Inf` last: the OpenMetrics encoder writes only the buckets it is given, and a
    /// histogram without `+Inf` is not valid OpenMetrics (the classic encoder adds none when
    /// one is there).
    pub(crate) buckets: Vec<(f64, u64)>,
    /// Answers observed (the `+Inf` bucket).
    pub(crate) count: u64,
    /// Sum of their times, in seconds.
    pub(crate) sum: f64,
}

impl Latency {
    /// Observes one answer to `op` (`None`: an unmatched path) that took `elapsed`.
    pub(crate) fn observe(&self, op: Option<OperationId>, elapsed: Duration) {
        let Some(row) = self.rows.get(op.map_or(ROWS - 1, |o| o as usize)) else {
            return;
        };
        let secs = elapsed.as_secs_f64();
        // The first bound at or above the time: a bucket counts answers `<= le`.
        let col = LATENCY_BUCKETS_SECONDS.partition_point(|le| *le < secs);
        if let Some(bucket) = row.buckets.get(col) {
            bucket.fetch_add(1, Ordering::Relaxed);
        }
        let ns = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        row.sum_ns.fetch_add(ns, Ordering::Relaxed);
    }

    /// Sets every bucket and sum to zero (`/__sim/reset`).
    pub(crate) fn reset(&self) {
        for row in &self.rows {
            for b in &row.buckets {
                b.store(0, Ordering::Relaxed);
            }
            row.sum_ns.store(0, Ordering::Relaxed);
        }
    }

    /// The operations with at least one answer observed (an operation never answered has no
    /// series, as it has no entry in `/__sim/counters`).
    pub(crate) fn read(&self) -> Vec<LatencyRead> {
        self.rows
            .iter()
            .enumerate()
            .filter_map(|(r, row)| {
                let counts: Vec<u64> = row
                    .buckets
                    .iter()
                    .map(|b| b.load(Ordering::Relaxed))
                    .collect();
                let count = counts.iter().sum();
                if count == 0 {
                    return None;
                }
                let operation = OperationId::ALL
                    .get(r)
                    .map_or_else(|| "unmatched".to_string(), |o| o.to_string());
                Some(LatencyRead {
                    operation,
                    buckets: LATENCY_BUCKETS_SECONDS
                        .iter()
                        .copied()
                        .chain([f64::INFINITY])
                        .zip(counts)
                        .collect(),
                    count,
                    sum: row.sum_ns.load(Ordering::Relaxed) as f64 / 1e9,
                })
            })
            .collect()
    }
}

/// Everything one scrape serves, read once at its start.
#[derive(Debug)]
struct Scrape {
    counters: CountersSnapshot,
    latency: Vec<LatencyRead>,
    /// `(vendor, state, campaigns)`, every state of each vendor's lifecycle, zeros included.
    campaigns: Vec<(&'static str, String, u64)>,
}

impl Scrape {
    fn take(shared: &Shared) -> Scrape {
        let counters = shared.snapshot();
        let latency = shared.latency.read();
        let store = &shared.store;
        let campaigns = Vendor::ALL
            .into_iter()
            .flat_map(|vendor| {
                let held = store.by_state(vendor);
                store
                    .lifecycles()
                    .get(vendor)
                    .states()
                    .map(|(id, state)| {
                        let n = held.get(&id).copied().unwrap_or(0);
                        (vendor.slug(), state.name.clone(), n)
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        Scrape {
            counters,
            latency,
            campaigns,
        }
    }
}

/// A counter sample with these labels.
fn counter(m: &mut MetricEncoder, labels: &impl EncodeLabelSet, n: u64) -> std::fmt::Result {
    m.encode_family(labels)?
        .encode_counter::<NoLabelSet, _, u64>(&n, None)
}

/// A family-less counter: its descriptor and one sample.
fn single_counter(e: &mut DescriptorEncoder, name: &str, help: &str, n: u64) -> std::fmt::Result {
    e.encode_descriptor(name, help, None, MetricType::Counter)?
        .encode_counter::<NoLabelSet, _, u64>(&n, None)
}

impl Collector for Scrape {
    fn encode(&self, mut e: DescriptorEncoder) -> std::fmt::Result {
        let c = &self.counters;
        {
            let mut m = e.encode_descriptor(
                "requests",
                "Vendor requests answered or dropped, by operation and status (as /__sim/counters counts them).",
                None,
                MetricType::Counter,
            )?;
            for (operation, statuses) in &c.routes {
                for (status, n) in statuses {
                    let labels = [
                        ("operation", operation.as_str()),
                        ("status", status.as_str()),
                    ];
                    counter(&mut m, &labels, *n)?;
                }
            }
        }
        {
            let mut m = e.encode_descriptor(
                "request_duration",
                "Time from a vendor request reaching the handler to its answer, by operation (dropped connections excluded).",
                Some(&Unit::Seconds),
                MetricType::Histogram,
            )?;
            for h in &self.latency {
                m.encode_family(&[("operation", h.operation.as_str())])?
                    .encode_histogram::<NoLabelSet>(h.sum, h.count, &h.buckets, None)?;
            }
        }
        {
            let mut m = e.encode_descriptor(
                "campaigns",
                "Campaigns held now, by vendor and lifecycle state.",
                None,
                MetricType::Gauge,
            )?;
            for (vendor, state, n) in &self.campaigns {
                m.encode_family(&[("vendor", *vendor), ("state", state.as_str())])?
                    .encode_gauge(n)?;
            }
        }
        {
            let mut m = e.encode_descriptor(
                "faults_injected",
                "Injected faults that took effect, by kind.",
                None,
                MetricType::Counter,
            )?;
            for kind in INJECTED {
                counter(&mut m, &[("kind", kind)], c.injected(kind))?;
            }
        }
        {
            let mut m = e.encode_descriptor(
                "window_requests",
                "Requests decided inside each window of the fault schedule in force, by its index.",
                None,
                MetricType::Counter,
            )?;
            for (i, n) in c.windows.iter().enumerate() {
                counter(&mut m, &[("window", i.to_string())], *n)?;
            }
        }
        let k = &c.connections;
        e.encode_descriptor(
            "connections_open",
            "Connections open now.",
            None,
            MetricType::Gauge,
        )?
        .encode_gauge(&k.open)?;
        single_counter(
            &mut e,
            "connections_accepted",
            "Connections accepted and served.",
            k.accepted,
        )?;
        single_counter(
            &mut e,
            "connections_refused",
            "Connections closed at once, unanswered, because max_connections were open.",
            k.refused,
        )?;
        single_counter(
            &mut e,
            "connections_evicted",
            "Connections closed to make room for a new one (the longest silent).",
            k.evicted,
        )?;
        {
            let mut m = e.encode_descriptor(
                "connection_timeouts",
                "Connections closed on a timeout: a request head (header), a request body (body, answered 408), or no request (idle).",
                None,
                MetricType::Counter,
            )?;
            counter(&mut m, &[("timeout", "header")], k.header_timeouts)?;
            counter(&mut m, &[("timeout", "body")], k.body_timeouts)?;
            counter(&mut m, &[("timeout", "idle")], k.idle_timeouts)?;
        }
        single_counter(
            &mut e,
            "tls_handshake_failures",
            "TLS handshakes that failed (the connection is closed).",
            k.tls_handshake_failures,
        )?;
        let mut m = e.encode_descriptor(
            "campaign_refusals",
            "Requests refused to keep the campaign store bounded: an id over max_id_bytes (400) or a start with max_campaigns held (503).",
            None,
            MetricType::Counter,
        )?;
        counter(
            &mut m,
            &[("reason", "id_too_long")],
            c.campaigns.id_too_long,
        )?;
        counter(&mut m, &[("reason", "store_full")], c.campaigns.store_full)
    }
}

/// True when the scraper's `Accept` names OpenMetrics (Prometheus's does, first). The q-values
/// are not weighed: no scraper names OpenMetrics only to refuse it.
fn wants_openmetrics(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|range| {
            range.split(';').next().is_some_and(|t| {
                t.trim()
                    .eq_ignore_ascii_case("application/openmetrics-text")
            })
        })
}

/// The exposition of `shared` now, in OpenMetrics or the classic text format, with its content
/// type.
pub(crate) fn exposition(
    shared: &Shared,
    openmetrics: bool,
) -> Result<(String, &'static str), std::fmt::Error> {
    let mut registry = Registry::with_prefix("campaign_sim");
    registry.register_collector(Box::new(Scrape::take(shared)));
    let mut body = String::new();
    if openmetrics {
        text::encode(&mut body, &registry)?;
        Ok((body, OPENMETRICS_CONTENT_TYPE))
    } else {
        prometheus_text::encode(&mut body, &registry)?;
        Ok((body, PROMETHEUS_TEXT_CONTENT_TYPE))
    }
}

/// `GET /__sim/metrics`: the counters, the latency histogram and the campaigns by state, in the
/// format the scraper asks for (see the module docs).
pub(crate) async fn metrics(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    match exposition(&shared, wants_openmetrics(&headers)) {
        Ok((body, content_type)) => (
            [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
            body,
        )
            .into_response(),
        // Writing to a String does not fail; an encoder refusing a value would.
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_lands_in_the_first_bucket_at_or_above_its_time() {
        let l = Latency::default();
        let op = Some(OperationId::ALL[0]);
        l.observe(op, Duration::from_micros(50));
        l.observe(op, Duration::from_millis(1)); // on a bound: that bound's bucket
        l.observe(op, Duration::from_millis(30));
        l.observe(op, Duration::from_secs(11)); // past the last bound: only +Inf
        let read = l.read();
        assert_eq!(read.len(), 1);
        let h = &read[0];
        assert_eq!(h.count, 4);
        let per_bucket: Vec<u64> = h.buckets.iter().map(|(_, n)| *n).collect();
        assert_eq!(per_bucket, [2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(h.buckets.last().map(|(le, _)| *le), Some(f64::INFINITY));
        assert!((h.sum - 11.03105).abs() < 1e-9, "{}", h.sum);
        l.reset();
        assert!(l.read().is_empty());
    }

    #[test]
    fn openmetrics_only_when_asked_for() {
        let mut h = HeaderMap::new();
        assert!(!wants_openmetrics(&h));
        h.insert(
            header::ACCEPT,
            HeaderValue::from_static("text/plain;version=0.0.4"),
        );
        assert!(!wants_openmetrics(&h));
        h.insert(
            header::ACCEPT,
            HeaderValue::from_static(
                "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5",
            ),
        );
        assert!(wants_openmetrics(&h));
    }
}
