//! Live metrics of a run, in the OpenMetrics text format, for Prometheus and Grafana to watch a
//! long run as it goes (`--metrics-addr 127.0.0.1:9464`, `GET /metrics`).
//!
//! Both latencies of the [`recorder`](crate::recorder) as histograms, requests by operation and
//! answer class, late arrivals, and the schedule's target rate, so a dashboard can draw achieved
//! against target. The end-of-run summary stays the verdict: these are for watching, encoded by
//! the `prometheus-client` crate rather than by hand.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

/// Labels of a request: its operation and answer class.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// `kore voice-start-v1`.
    pub operation: String,
    /// `ok`, `unavailable`, `transport`, …
    pub class: String,
}

/// Labels of a latency: its operation.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OperationLabels {
    /// `kore voice-start-v1`.
    pub operation: String,
}

fn latency_histogram() -> Histogram {
    // The simulator's buckets (1 ms to 10 s), so a dashboard sets its scrape and ours `le` for `le`.
    Histogram::new(campaign_sim::LATENCY_BUCKETS_SECONDS.iter().copied())
}

/// The run's live metrics.
#[derive(Debug)]
pub struct LoadMetrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    service: Family<OperationLabels, Histogram, fn() -> Histogram>,
    response: Family<OperationLabels, Histogram, fn() -> Histogram>,
    late: Counter,
    target_rate: Gauge<f64, AtomicU64>,
}

impl Default for LoadMetrics {
    fn default() -> Self {
        LoadMetrics::new()
    }
}

impl LoadMetrics {
    /// Registered and zero.
    pub fn new() -> LoadMetrics {
        let mut registry = Registry::with_prefix("campaign_load");
        let requests = Family::<RequestLabels, Counter>::default();
        let service = Family::<OperationLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        let response =
            Family::<OperationLabels, Histogram, fn() -> Histogram>::new_with_constructor(
                latency_histogram,
            );
        let late = Counter::default();
        let target_rate = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "requests",
            "Requests sent, by operation and answer class",
            requests.clone(),
        );
        registry.register(
            "service_seconds",
            "Service time: request sent to first byte of the answer",
            service.clone(),
        );
        registry.register(
            "response_seconds",
            "Response time: the arrival's due time on the schedule to first byte (the closed model: as service time)",
            response.clone(),
        );
        registry.register(
            "late_arrivals",
            "Arrivals sent more than 10 ms after their due time: every user was busy",
            late.clone(),
        );
        registry.register(
            "target_rate",
            "The schedule's arrival rate now, requests per second (0 in the closed model)",
            target_rate.clone(),
        );
        LoadMetrics {
            registry,
            requests,
            service,
            response,
            late,
            target_rate,
        }
    }

    /// One request; `times` (service, response) when an answer came: a transport failure is
    /// counted, not timed.
    pub fn observe(
        &self,
        operation: &str,
        class: &str,
        times: Option<(Duration, Duration)>,
        late: bool,
    ) {
        self.requests
            .get_or_create(&RequestLabels {
                operation: operation.to_string(),
                class: class.to_string(),
            })
            .inc();
        if let Some((service, response)) = times {
            let op = OperationLabels {
                operation: operation.to_string(),
            };
            self.service
                .get_or_create(&op)
                .observe(service.as_secs_f64());
            self.response
                .get_or_create(&op)
                .observe(response.as_secs_f64());
        }
        if late {
            self.late.inc();
        }
    }

    /// The schedule's rate now.
    pub fn set_target_rate(&self, rate: f64) {
        self.target_rate.set(rate);
    }

    /// The exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// The content type of [`LoadMetrics::encode`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Serves `GET /metrics` on `addr` until the returned handle is dropped or aborted. The socket
/// is bound before this returns, so a taken port is an error before anything is sent.
pub async fn serve(
    addr: SocketAddr,
    metrics: Arc<LoadMetrics>,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let metrics = Arc::clone(&metrics);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req: http::Request<_>| {
                    let metrics = Arc::clone(&metrics);
                    async move {
                        let _: &hyper::body::Incoming = req.body();
                        if req.uri().path() == "/metrics" {
                            http::Response::builder()
                                .header(http::header::CONTENT_TYPE, CONTENT_TYPE)
                                .body(http_body_util::Full::new(bytes::Bytes::from(
                                    metrics.encode(),
                                )))
                        } else {
                            http::Response::builder()
                                .status(http::StatusCode::NOT_FOUND)
                                .body(http_body_util::Full::new(bytes::Bytes::from_static(
                                    b"campaign-load serves /metrics\n",
                                )))
                        }
                    }
                });
                let io = hyper_util::rt::TokioIo::new(stream);
                // A scraper that never finishes its request head is dropped (hyper's header
                // timeout needs a timer).
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(Duration::from_secs(10))
                    .serve_connection(io, service)
                    .await;
            });
        }
    });
    Ok((bound, task))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_carries_both_latencies_and_the_counts() {
        let m = LoadMetrics::new();
        m.observe(
            "kore voice-start-v1",
            "ok",
            Some((Duration::from_millis(20), Duration::from_millis(1500))),
            true,
        );
        m.set_target_rate(250.0);
        let text = m.encode();
        assert!(
            text.contains(
                "campaign_load_requests_total{operation=\"kore voice-start-v1\",class=\"ok\"} 1"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "campaign_load_service_seconds_count{operation=\"kore voice-start-v1\"} 1"
            ),
            "{text}"
        );
        // 1.5 s is above the 1 s bucket and within the 2.5 s one (the simulator's buckets).
        assert!(text.contains("campaign_load_response_seconds_bucket{le=\"1.0\",operation=\"kore voice-start-v1\"} 0"), "{text}");
        assert!(text.contains("campaign_load_response_seconds_bucket{le=\"2.5\",operation=\"kore voice-start-v1\"} 1"), "{text}");
        assert!(
            text.contains("campaign_load_late_arrivals_total 1"),
            "{text}"
        );
        assert!(text.contains("campaign_load_target_rate 250"), "{text}");
        assert!(text.ends_with("# EOF\n"));
    }
}
