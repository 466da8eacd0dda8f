//! Criterion benches of the request model: rendering every operation, and Kore.ai JWT signing.
//!
//! `cargo bench -j2 -p campaign-benches --bench request_model`
//!
//! Absolute figures depend on the machine; compare operations (or a change) within one run.

use campaign_api::{
    Credential, JwtOptions, JwtSigner, OperationId, Target, Vendor, parse_base_url,
};
use criterion::{Criterion, criterion_group, criterion_main};
use secrecy::SecretString;
use std::hint::black_box;
use std::time::Duration;

/// The campaign id every render uses.
const CAMPAIGN: &str = "cmp-1";
/// A JWT-shaped placeholder (never verified here).
const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJiZW5jaCIsImFwcElkIjoiY3MtYmVuY2gifQ.c2lnbmF0dXJl";
const ACCOUNT_ID: &str = "67777ce93e25326494e9xxxx";
const APP_ID: &str = "st-0603182c-7ffb-53c3-b307-47ca14b9xxxx";

fn kore_target(credential: Credential) -> Target {
    Target::new(
        Vendor::Kore,
        parse_base_url("KORE_BASE_URL", "http://127.0.0.1:8080").expect("constant base URL parses"),
        credential,
    )
    .with_kore_ids(ACCOUNT_ID, APP_ID, None)
}

fn voicegenie_target() -> Target {
    Target::new(
        Vendor::VoiceGenie,
        parse_base_url("VOICEGENIE_BASE_URL", "http://127.0.0.1:8080")
            .expect("constant base URL parses"),
        Credential::ApiKey(SecretString::from("bench-api-key")),
    )
}

fn signer() -> JwtSigner {
    JwtSigner::new(
        "cs-5250bdc9-6bfe-5ece-92c9-ab54aa2d4285",
        SecretString::from("bench-client-secret"),
        JwtOptions::default(),
    )
}

/// One bench per operation: `OperationId::render` against a target of the operation's vendor.
fn render(c: &mut Criterion) {
    let kore = kore_target(Credential::KoreJwt(SecretString::from(JWT)));
    let voicegenie = voicegenie_target();
    let mut group = c.benchmark_group("render");
    for id in OperationId::ALL {
        let spec = id.spec();
        let target = match spec.vendor {
            Vendor::Kore => &kore,
            Vendor::VoiceGenie => &voicegenie,
        };
        // Fail before measuring if an operation does not render at all.
        id.render(target, CAMPAIGN)
            .expect("every operation renders against its vendor's target");
        group.bench_function(spec.qualified_name(), |b| {
            b.iter(|| black_box(id).render(black_box(target), black_box(CAMPAIGN)))
        });
    }
    group.finish();
}

/// Kore.ai JWT: signing afresh vs the cached token, and a render that signs through the cache.
fn kore_jwt(c: &mut Criterion) {
    let mut group = c.benchmark_group("kore_jwt");
    let s = signer();
    group.bench_function("sign_fresh", |b| b.iter(|| black_box(&s).sign()));
    let cached = signer();
    cached.token().expect("HS256 signing succeeds");
    group.bench_function("reused", |b| b.iter(|| black_box(&cached).token()));
    let target = kore_target(Credential::KoreClient(signer()));
    OperationId::KoreVoiceStartV1
        .render(&target, CAMPAIGN)
        .expect("renders with client credentials");
    group.bench_function("render_with_client_credentials", |b| {
        b.iter(|| {
            black_box(OperationId::KoreVoiceStartV1).render(black_box(&target), black_box(CAMPAIGN))
        })
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .measurement_time(Duration::from_millis(1500))
        .warm_up_time(Duration::from_millis(300))
}

criterion_group! {
    name = benches;
    config = config();
    targets = render, kore_jwt
}
criterion_main!(benches);
