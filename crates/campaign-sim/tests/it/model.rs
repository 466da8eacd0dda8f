//! Property: random sequences of start/stop/pause/status on random ids never panic the
//! simulator, and its answers and state always equal those of a plain model.

use crate::support::*;
use campaign_api::{Action, OperationId, Vendor};
use campaign_sim::SimConfig;
use proptest::prelude::*;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum M {
    Ready,
    Active,
    Stopped,
    Paused,
}

fn ops() -> Vec<OperationId> {
    OperationId::ALL.to_vec()
}

/// What the model expects: status code, and the state afterwards.
fn model(state: Option<M>, id: &str, op: OperationId) -> (u16, Option<M>) {
    let spec = op.spec();
    let state = match state {
        Some(s) => s,
        // Only a start makes an auto-provisioned campaign exist.
        None if id.starts_with("load-") && spec.action == Action::Start => M::Ready,
        None => return (404, None),
    };
    let (status, next) = match (spec.action, state) {
        (Action::Start, M::Active) => (400, M::Active),
        (Action::Start, _) => (200, M::Active),
        (Action::Stop, M::Active) => (200, M::Stopped),
        (Action::Stop, s) => (400, s),
        (Action::Pause, M::Active) => (200, M::Paused),
        (Action::Pause, s) => (400, s),
        (Action::Status, s) => (200, s),
    };
    (status, Some(next))
}

fn ids() -> impl Strategy<Value = String> {
    prop_oneof![
        (0..4u8).prop_map(|n| format!("load-{n}")),
        Just("unknown-1".to_string()),
        Just("load- spaced é".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn simulator_matches_the_model(steps in prop::collection::vec((0..13usize, ids()), 1..40)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async move {
            let sim = sim(SimConfig { campaigns: vec![], ..SimConfig::default() }).await;
            let kore = kore_jwt(&sim);
            let vg = voicegenie(&sim, "k");
            let mut state: HashMap<(Vendor, String), M> = HashMap::new();
            for (i, id) in &steps {
                let op = ops()[*i];
                let vendor = op.spec().vendor;
                let target = if vendor == Vendor::Kore { &kore } else { &vg };
                let key = (vendor, id.clone());
                let (want, next) = model(state.get(&key).copied(), id, op);
                let x = call(target, op, id).await;
                prop_assert_eq!(x.status.as_u16(), want, "{} on {:?}", op, id);
                prop_assert!(x.is_json());
                if let Some(next) = next {
                    state.insert(key, next);
                }
            }
            // Final state of every id the model knows, read back through the status operations.
            for ((vendor, id), m) in &state {
                let (target, op) = if *vendor == Vendor::Kore { (&kore, OperationId::KoreStatusV2) } else { (&vg, OperationId::VoiceGenieCampaign) };
                let body = json(&call(target, op, id).await);
                let got = if *vendor == Vendor::Kore { body["data"]["status"].clone() } else { body["data"]["campaign_status"].clone() };
                let want = match (vendor, m) {
                    (Vendor::Kore, M::Ready) => "Ready", (Vendor::Kore, M::Active) => "Active",
                    (Vendor::Kore, M::Stopped) => "Stopped", (Vendor::Kore, M::Paused) => "Paused",
                    (Vendor::VoiceGenie, M::Ready) => "scheduled", (Vendor::VoiceGenie, M::Active) => "running",
                    (Vendor::VoiceGenie, M::Stopped) => "completed", (Vendor::VoiceGenie, M::Paused) => "paused",
                };
                prop_assert_eq!(got, serde_json::json!(want), "{} {}", vendor, id);
            }
            let served = sim.counters().total;
            prop_assert_eq!(served, (steps.len() + state.len()) as u64);
            sim.stop().await;
            Ok(())
        })?;
    }
}
