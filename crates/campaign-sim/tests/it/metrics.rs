//! `/__sim/metrics` read back over HTTP with an independent parser (`prometheus-parse`, which
//! shares no code with the prometheus-client encoder that writes it), and held to the JSON the
//! simulator serves for the same moment: `/__sim/counters` for counts, `/__sim/config` for
//! campaigns. Every request is answered (awaited) before a scrape, so nothing is in flight.

use crate::support::*;
use campaign_api::OperationId::*;
use campaign_sim::INJECTED;
use campaign_sim::{CountersSnapshot, Lifecycles, RunningSim, SimConfig};
use campaign_sim::{OPENMETRICS_CONTENT_TYPE, PROMETHEUS_TEXT_CONTENT_TYPE};
use prometheus_parse::{LineInfo, Sample, Scrape, Value};
use serde_json::{Value as Json, json};
use std::collections::BTreeMap;

/// Admin requests on a client that keeps no idle connection: each opens one, so the scrape's
/// own connection is exactly one more `accepted` than `/__sim/counters` read just before.
fn admin() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client")
}

async fn put_faults(sim: &RunningSim, faults: Json) {
    let r = admin()
        .put(format!("{}/__sim/faults", sim.base_url()))
        .json(&faults)
        .send()
        .await
        .expect("PUT /__sim/faults");
    assert_eq!(r.status(), 200, "{faults}");
}

async fn get_json<T: serde::de::DeserializeOwned>(sim: &RunningSim, route: &str) -> T {
    admin()
        .get(format!("{}/__sim/{route}", sim.base_url()))
        .send()
        .await
        .expect("admin GET")
        .json()
        .await
        .expect("JSON answer")
}

/// A scrape: its content type, its text, and what the parser made of it.
struct Metrics {
    content_type: String,
    text: String,
    samples: Vec<Sample>,
}

impl Metrics {
    /// The value of the one sample of `metric` whose labels are exactly `labels`.
    fn value(&self, metric: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let found: Vec<f64> = self
            .series(metric)
            .filter(|s| {
                s.labels.len() == labels.len()
                    && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v))
            })
            .map(|s| match &s.value {
                Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
                other => panic!("{metric}: not a single value: {other:?}"),
            })
            .collect();
        assert!(
            found.len() <= 1,
            "{metric} {labels:?} twice:\n{}",
            self.text
        );
        found.first().copied()
    }

    fn series<'a>(&'a self, metric: &'a str) -> impl Iterator<Item = &'a Sample> + 'a {
        self.samples.iter().filter(move |s| s.metric == metric)
    }

    /// `(le, cumulative count)` of the histogram series of `operation`.
    fn buckets(&self, operation: &str) -> Option<Vec<(f64, f64)>> {
        self.series("campaign_sim_request_duration_seconds")
            .find(|s| s.labels.get("operation") == Some(operation))
            .map(|s| match &s.value {
                Value::Histogram(b) => b.iter().map(|b| (b.less_than, b.count)).collect(),
                other => panic!("not a histogram: {other:?}"),
            })
    }
}

/// Scrapes `/__sim/metrics` (asking for `accept`, if given) and parses it, failing on any line
/// the parser would skip: prometheus-parse ignores what it cannot read, so a line it does not
/// recognise would otherwise go unseen.
async fn scrape(sim: &RunningSim, accept: Option<&str>) -> Metrics {
    let mut request = admin().get(format!("{}/__sim/metrics", sim.base_url()));
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    let r = request.send().await.expect("GET /__sim/metrics");
    assert_eq!(r.status(), 200);
    let content_type = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let text = r.text().await.expect("body");
    for line in text.lines() {
        let known = match LineInfo::parse(line) {
            LineInfo::Doc { .. } | LineInfo::Type { .. } | LineInfo::Sample { .. } => true,
            // OpenMetrics only: its end marker and the unit of a metric.
            LineInfo::Ignored => line == "# EOF" || line.starts_with("# UNIT "),
            LineInfo::Empty => false,
        };
        assert!(known, "a line the parser does not read: {line:?}\n{text}");
    }
    let samples = Scrape::parse(text.lines().map(|l| Ok(l.to_string())))
        .expect("parses")
        .samples;
    Metrics {
        content_type,
        text,
        samples,
    }
}

/// The campaign states each vendor dials in, from the rule files.
fn dialing() -> Vec<(&'static str, String)> {
    let lifecycles = Lifecycles::embedded().expect("rule files");
    campaign_api::Vendor::ALL
        .into_iter()
        .flat_map(|v| {
            lifecycles
                .get(v)
                .states()
                .filter(|(_, s)| s.dialing)
                .map(move |(_, s)| (v.slug(), s.name.clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Every counter `/__sim/counters` has, in the scrape with the same number.
fn assert_counts_agree(m: &Metrics, c: &CountersSnapshot) {
    let mut pairs = 0;
    for (operation, statuses) in &c.routes {
        for (status, n) in statuses {
            pairs += 1;
            let labels = [
                ("operation", operation.as_str()),
                ("status", status.as_str()),
            ];
            assert_eq!(
                m.value("campaign_sim_requests_total", &labels),
                Some(*n as f64),
                "{labels:?}\n{}",
                m.text
            );
        }
    }
    assert_eq!(
        m.series("campaign_sim_requests_total").count(),
        pairs,
        "a request series /__sim/counters does not have:\n{}",
        m.text
    );
    for kind in INJECTED {
        assert_eq!(
            m.value("campaign_sim_faults_injected_total", &[("kind", kind)]),
            Some(c.injected(kind) as f64),
            "{kind}"
        );
    }
    let k = &c.connections;
    let single = |name: &str| m.value(name, &[]).map(|v| v as u64);
    // The scrape came on a connection of its own, accepted after /__sim/counters answered.
    assert_eq!(
        single("campaign_sim_connections_accepted_total"),
        Some(k.accepted + 1)
    );
    assert_eq!(
        single("campaign_sim_connections_refused_total"),
        Some(k.refused)
    );
    assert_eq!(
        single("campaign_sim_connections_evicted_total"),
        Some(k.evicted)
    );
    assert_eq!(
        single("campaign_sim_tls_handshake_failures_total"),
        Some(k.tls_handshake_failures)
    );
    assert!(
        single("campaign_sim_connections_open") >= Some(1),
        "{}",
        m.text
    );
    for (timeout, n) in [
        ("header", k.header_timeouts),
        ("body", k.body_timeouts),
        ("idle", k.idle_timeouts),
    ] {
        assert_eq!(
            m.value(
                "campaign_sim_connection_timeouts_total",
                &[("timeout", timeout)]
            ),
            Some(n as f64),
            "{timeout}"
        );
    }
    for (reason, n) in [
        ("id_too_long", c.campaigns.id_too_long),
        ("store_full", c.campaigns.store_full),
    ] {
        assert_eq!(
            m.value(
                "campaign_sim_campaign_refusals_total",
                &[("reason", reason)]
            ),
            Some(n as f64),
            "{reason}"
        );
    }
}

/// Each operation's histogram counts its answers (every status but `dropped`), and only
/// operations answered have one. Returns the answers the histograms hold.
fn assert_histograms_count_answers(m: &Metrics, c: &CountersSnapshot) -> u64 {
    let mut total = 0;
    for (operation, statuses) in &c.routes {
        let answered: u64 = statuses
            .iter()
            .filter(|(status, _)| *status != "dropped")
            .map(|(_, n)| n)
            .sum();
        let labels = [("operation", operation.as_str())];
        let count = m.value("campaign_sim_request_duration_seconds_count", &labels);
        if answered == 0 {
            assert_eq!(count, None, "{operation}: only dropped, yet a histogram");
            assert!(m.buckets(operation).is_none());
            continue;
        }
        assert_eq!(count, Some(answered as f64), "{operation}\n{}", m.text);
        let buckets = m.buckets(operation).expect("buckets");
        assert_eq!(buckets.len(), 14, "13 bounds and +Inf: {buckets:?}");
        assert!(buckets.windows(2).all(|w| w[0].1 <= w[1].1), "{buckets:?}");
        assert_eq!(buckets.last(), Some(&(f64::INFINITY, answered as f64)));
        assert!(
            m.value("campaign_sim_request_duration_seconds_sum", &labels) >= Some(0.0),
            "{operation}"
        );
        total += answered;
    }
    assert_eq!(
        m.series("campaign_sim_request_duration_seconds").count(),
        m.series("campaign_sim_request_duration_seconds_count")
            .count(),
        "a histogram for an operation /__sim/counters does not have:\n{}",
        m.text
    );
    total
}

/// The campaigns gauge, as `(vendor, state) → campaigns`.
fn campaigns(m: &Metrics) -> BTreeMap<(String, String), u64> {
    m.series("campaign_sim_campaigns")
        .map(|s| {
            let label = |k| s.labels.get(k).unwrap_or_default().to_string();
            let n = match s.value {
                Value::Gauge(v) => v as u64,
                ref other => panic!("campaigns: not a gauge: {other:?}"),
            };
            ((label("vendor"), label("state")), n)
        })
        .collect()
}

#[tokio::test]
async fn metrics_agree_with_the_counters_and_the_config_and_reset_with_them() {
    // Arrange
    let sim = sim(SimConfig::default()).await;
    let (kore, vg) = (kore_jwt(&sim), voicegenie(&sim, "k"));
    let doc_id = "550e8400-e29b-41d4-a716-446655440000";

    // Act: successes, a lifecycle refusal, an unknown campaign, an unknown route, and faults
    // (an answer instead, a dropped connection, a delay), each awaited before the next.
    let mut answered = 0;
    let mut expect = |got: u16, want: u16| {
        assert_eq!(got, want);
        answered += 1;
    };
    expect(
        call(&kore, KoreVoiceStartV1, "demo-voice")
            .await
            .status
            .as_u16(),
        200,
    );
    expect(
        call(&kore, KoreVoiceStartV1, "demo-voice")
            .await
            .status
            .as_u16(),
        400,
    );
    expect(
        call(&kore, KoreStatusV1, "demo-voice")
            .await
            .status
            .as_u16(),
        200,
    );
    expect(
        call(&vg, VoiceGenieStart, "load-1").await.status.as_u16(),
        200,
    );
    expect(
        call(&kore, KoreStatusV1, "nobody").await.status.as_u16(),
        404,
    );
    let nope = reqwest::get(format!("{}/nope", sim.base_url()))
        .await
        .expect("an answer");
    expect(nope.status().as_u16(), 404);
    put_faults(&sim, json!({"error_rate_503": 1.0})).await;
    expect(
        call(&kore, KoreStatusV1, "demo-sms").await.status.as_u16(),
        503,
    );
    put_faults(&sim, json!({"drop_connection_rate": 1.0})).await;
    let dropped = reqwest::Client::new()
        .get(format!("{}/pauseTheCampaign/{doc_id}", sim.base_url()))
        .header("x-api-key", "k")
        .send()
        .await;
    assert!(dropped.is_err(), "{dropped:?}");
    put_faults(&sim, json!({"latency": "fixed 100ms"})).await;
    expect(
        call(&vg, VoiceGenieCampaign, "load-1")
            .await
            .status
            .as_u16(),
        200,
    );
    put_faults(&sim, json!({})).await;

    // Assert: the counts, read at one moment through both routes.
    let counters: CountersSnapshot = get_json(&sim, "counters").await;
    let m = scrape(&sim, None).await;
    assert_eq!(m.content_type, PROMETHEUS_TEXT_CONTENT_TYPE);
    assert_eq!(m.content_type, "text/plain; version=0.0.4; charset=utf-8");
    // What the test did is what the counters say (so the comparisons below compare something).
    let kore_start = KoreVoiceStartV1.to_string();
    let vg_pause = VoiceGeniePause.to_string();
    assert_eq!(counters.get(&kore_start, "400"), 1, "{counters:?}");
    assert_eq!(counters.get("unmatched", "404"), 1);
    assert_eq!(counters.get(&KoreStatusV1.to_string(), "404"), 1);
    assert_eq!(counters.get(&KoreStatusV1.to_string(), "503"), 1);
    assert_eq!(counters.get(&vg_pause, "dropped"), 1);
    assert_eq!(
        [
            counters.injected("instead"),
            counters.injected("dropped"),
            counters.injected("delayed")
        ],
        [1, 1, 1]
    );
    assert_eq!(counters.total, answered + 1, "every answer and the drop");
    assert_counts_agree(&m, &counters);
    assert!(matches!(
        m.series("campaign_sim_requests_total")
            .next()
            .map(|s| &s.value),
        Some(Value::Counter(_))
    ));
    assert_eq!(
        m.value(
            "campaign_sim_requests_total",
            &[("operation", &kore_start), ("status", "400")]
        ),
        Some(1.0)
    );

    // The histograms hold every answer, the dropped connection in none.
    assert_eq!(assert_histograms_count_answers(&m, &counters), answered);
    assert!(
        m.buckets(&vg_pause).is_none(),
        "a drop has no answer to time"
    );
    // The delayed answer waited 100 ms or more (a sleep never ends early), ten times the
    // 10 ms bucket it must stay out of: a lower bound only, never an upper one.
    let delayed = m.buckets(&VoiceGenieCampaign.to_string()).expect("timed");
    let le_10ms = delayed.iter().find(|(le, _)| *le == 0.01).map(|(_, n)| *n);
    assert_eq!(le_10ms, Some(0.0), "{delayed:?}");

    // Campaigns by state: as many as /__sim/config holds, as many dialing as it says.
    let config: Json = get_json(&sim, "config").await;
    let by_state = campaigns(&m);
    let held: u64 = by_state.values().sum();
    assert_eq!(Some(held), config["campaigns_now"].as_u64(), "{by_state:?}");
    let dialing = dialing();
    let active: u64 = by_state
        .iter()
        .filter(|((v, s), _)| dialing.iter().any(|(dv, ds)| dv == v && ds == s))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(Some(active), config["active_now"].as_u64());
    assert_eq!(active, 2, "demo-voice and load-1 dial: {by_state:?}");

    // Act: a reset.
    let r = admin()
        .post(format!("{}/__sim/reset", sim.base_url()))
        .send()
        .await
        .expect("reset");
    assert_eq!(r.status(), 200);

    // Assert: both routes start again together; the campaigns are /__sim/config's seeds.
    let counters: CountersSnapshot = get_json(&sim, "counters").await;
    let m = scrape(&sim, None).await;
    assert_eq!(counters.total, 0);
    assert_counts_agree(&m, &counters);
    assert_eq!(
        m.series("campaign_sim_requests_total").count(),
        0,
        "{}",
        m.text
    );
    assert_eq!(assert_histograms_count_answers(&m, &counters), 0);
    assert_eq!(
        m.series("campaign_sim_request_duration_seconds_count")
            .count(),
        0
    );
    let lifecycles = Lifecycles::embedded().expect("rule files");
    let mut seeded: BTreeMap<(String, String), u64> = BTreeMap::new();
    for v in campaign_api::Vendor::ALL {
        for (_, s) in lifecycles.get(v).states() {
            seeded.insert((v.slug().to_string(), s.name.clone()), 0);
        }
    }
    for c in config["campaigns"].as_array().expect("campaigns") {
        let vendor = c["vendor"].as_str().expect("vendor");
        let lifecycle = lifecycles.get(campaign_api::Vendor::from_slug(vendor).expect("vendor"));
        let state = c["state"].as_str().map_or_else(
            || lifecycle.state(lifecycle.entry()[0]).name.clone(),
            String::from,
        );
        *seeded.entry((vendor.to_string(), state)).or_insert(0) += 1;
    }
    assert_eq!(campaigns(&m), seeded);
}

#[tokio::test]
async fn openmetrics_when_the_scraper_asks_for_it_with_the_same_numbers() {
    // Arrange
    let sim = sim(SimConfig::default()).await;
    let status = call(&kore_jwt(&sim), KoreStatusV1, "demo-voice")
        .await
        .status;
    assert_eq!(status, 200);

    // Act: Prometheus's own Accept, then none.
    let open = scrape(
        &sim,
        Some(
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;\
             version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
        ),
    )
    .await;
    let classic = scrape(&sim, None).await;

    // Assert
    assert_eq!(open.content_type, OPENMETRICS_CONTENT_TYPE);
    assert_eq!(
        open.content_type,
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    assert!(open.text.ends_with("# EOF\n"), "{}", open.text);
    assert!(!classic.text.contains("# EOF"));
    let labels = [("operation", "kore status-v1"), ("status", "200")];
    assert_eq!(
        open.value("campaign_sim_requests_total", &labels),
        Some(1.0)
    );
    assert_eq!(
        classic.value("campaign_sim_requests_total", &labels),
        Some(1.0)
    );
    let op = [("operation", "kore status-v1")];
    for m in [&open, &classic] {
        assert_eq!(
            m.value("campaign_sim_request_duration_seconds_count", &op),
            Some(1.0),
            "{}",
            m.text
        );
    }
    assert_eq!(
        open.buckets("kore status-v1"),
        classic.buckets("kore status-v1")
    );
}
