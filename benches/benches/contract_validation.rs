//! What the contract check costs beside plain parsing: one Kore.ai start-voice body (the page-000
//! sample) parsed with `serde_json::from_slice`, validated against its compiled schema (formats
//! and patterns asserted), and both together, in one run.
//!
//! `cargo bench -j2 -p campaign-benches --bench contract_validation`
//!
//! Quote the ratio validate / parse from the same run; the target is at most 3x.

use campaign_schema::SchemaRegistry;
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::Value;
use std::hint::black_box;
use std::time::Duration;

const BODY: &[u8] = br#"{
    "status": "Active",
    "message": "Campaign Started",
    "totalCallsCompleted": 0,
    "updatedAt": "2025-06-27T07:01:45.416Z",
    "campaignInstanceId": "cid-dbb5e25-605e-4556-8912-9292181axxxx"
}"#;

fn kore_start_body(c: &mut Criterion) {
    let registry = SchemaRegistry::load_default().expect("schemas/ loads");
    let schema = registry
        .get("kore/voice-start.200.json")
        .expect("the voice start schema");
    let parsed: Value = serde_json::from_slice(BODY).expect("the sample parses");
    assert!(schema.is_valid(&parsed), "the sample is valid");

    let mut g = c.benchmark_group("kore_voice_start_body");
    g.bench_function("parse (serde_json::from_slice)", |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(BODY)).expect("parses"))
    });
    g.bench_function("validate (compiled schema, is_valid)", |b| {
        b.iter(|| schema.is_valid(black_box(&parsed)))
    });
    g.bench_function("validate with findings (iter_errors)", |b| {
        b.iter(|| schema.violations(black_box(&parsed)))
    });
    g.bench_function("parse + validate", |b| {
        b.iter(|| {
            let v: Value = serde_json::from_slice(black_box(BODY)).expect("parses");
            schema.is_valid(&v)
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500));
    targets = kore_start_body
}
criterion_main!(benches);
