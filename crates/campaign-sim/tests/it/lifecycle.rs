//! The simulator's state machine, driven over real HTTP with campaign-api's client.

use crate::support::*;
use campaign_api::OperationId::*;
use campaign_api::body::*;
use campaign_sim::SimConfig;

#[tokio::test]
async fn kore_voice_start_start_stop_stop_restart() {
    // Arrange
    let sim = sim(SimConfig::default()).await;
    let t = kore_jwt(&sim);

    // Act + Assert, step by step.
    let x = call(&t, KoreVoiceStartV1, "demo-voice").await;
    assert_eq!(x.status, 200);
    assert!(x.is_json());
    let started: KoreVoiceStarted = x.json().expect("typed body");
    assert_eq!(started.status, KoreCampaignStatus::Active);
    assert_eq!(started.message, "Campaign Started");
    assert_eq!(started.total_calls_completed, 0);
    assert!(started.campaign_instance_id.starts_with("cid-"));

    let x = call(&t, KoreVoiceStartV1, "demo-voice").await;
    assert_eq!(x.status, 400);
    assert_eq!(
        x.json::<KoreError>().expect("error body").code,
        kore_codes::ALREADY_ACTIVE
    );

    let x = call(&t, KoreStatusV1, "demo-voice").await;
    assert_eq!(
        x.json::<KoreStatusRead>().expect("status").data.status,
        KoreCampaignStatus::Active
    );

    let x = call(&t, KoreVoiceStopV1, "demo-voice").await;
    assert_eq!(x.status, 200);
    let stopped: KoreVoiceStopped = x.json().expect("typed body");
    assert_eq!(stopped.status, KoreCampaignStatus::Stopped);
    assert_eq!(stopped.campaign_instance_id, started.campaign_instance_id);

    let x = call(&t, KoreVoiceStopV1, "demo-voice").await;
    assert_eq!(x.status, 400);
    assert_eq!(
        x.json::<KoreError>().expect("error body").code,
        kore_codes::NOT_ACTIVE
    );

    let x = call(&t, KoreStatusV2, "demo-voice").await;
    assert_eq!(
        x.json::<KoreStatusRead>().expect("status").data.status,
        KoreCampaignStatus::Stopped
    );

    let again: KoreVoiceStarted = call(&t, KoreVoiceStartV2, "demo-voice")
        .await
        .json()
        .expect("typed");
    assert_ne!(
        again.campaign_instance_id, started.campaign_instance_id,
        "a fresh instance per start"
    );
    assert_eq!(again.total_calls_completed, 1);
    sim.stop().await;
}

#[tokio::test]
async fn kore_sms_v1_and_v2_share_one_campaign_state() {
    let sim = sim(SimConfig::default()).await;
    let t = kore_jwt(&sim);
    let x = call(&t, KoreSmsStartV1, "demo-sms").await;
    let body: KoreSmsStarted = x.json().expect("typed");
    assert_eq!(body.status, KoreCampaignStatus::Active);
    assert_eq!(call(&t, KoreSmsStartV2, "demo-sms").await.status, 400);
    let stopped: KoreSmsStopped = call(&t, KoreSmsStopV2, "demo-sms")
        .await
        .json()
        .expect("typed");
    assert_eq!(stopped.campaign_execution_type, "NORMAL");
    assert_eq!(call(&t, KoreSmsStopV1, "demo-sms").await.status, 400);
}

#[tokio::test]
async fn voicegenie_start_start_pause_pause_resume() {
    let sim = sim(SimConfig::default()).await;
    let t = voicegenie(&sim, "k");
    let id = campaign_sim::DOC_SAMPLE_VOICEGENIE_ID;

    let x = call(&t, VoiceGenieCampaign, id).await;
    assert_eq!(
        x.json::<VgCampaign>().expect("typed").data.campaign_status,
        "scheduled"
    );

    let started: VgStarted = call(&t, VoiceGenieStart, id).await.json().expect("typed");
    assert!(started.success);
    assert_eq!(started.data.status, "running");
    assert_eq!(started.data.campaign_id, id);

    let x = call(&t, VoiceGenieStart, id).await;
    assert_eq!(x.status, 400);
    assert_eq!(
        x.json::<VgError>().expect("typed").error,
        vg_codes::ALREADY_RUNNING
    );

    let x = call(&t, VoiceGenieCampaign, id).await;
    assert_eq!(
        x.json::<VgCampaign>().expect("typed").data.campaign_status,
        "running"
    );

    let paused: VgPaused = call(&t, VoiceGeniePause, id).await.json().expect("typed");
    assert_eq!(paused.data.status, "paused");

    let x = call(&t, VoiceGeniePause, id).await;
    assert_eq!(x.status, 400);
    assert_eq!(
        x.json::<VgError>().expect("typed").error,
        vg_codes::NOT_RUNNING
    );

    assert_eq!(
        call(&t, VoiceGenieStart, id).await.status,
        200,
        "start resumes a paused campaign"
    );
}

#[tokio::test]
async fn unknown_campaigns_are_404_and_unconfigured_ones_422() {
    let sim = sim(SimConfig::default()).await;
    let x = call(&kore_jwt(&sim), KoreVoiceStartV1, "no-such-campaign").await;
    assert_eq!(x.status, 404);
    assert_eq!(
        x.json::<KoreError>().expect("typed").code,
        kore_codes::NOT_FOUND
    );
    let vg = voicegenie(&sim, "k");
    for op in [VoiceGenieStart, VoiceGeniePause, VoiceGenieCampaign] {
        let x = call(&vg, op, "no-such-campaign").await;
        assert_eq!(x.status, 404, "{op}");
        assert_eq!(
            x.json::<VgError>().expect("typed").error,
            vg_codes::NOT_FOUND
        );
    }
    let x = call(&vg, VoiceGenieStart, "vg-missing-config").await;
    assert_eq!(x.status, 422);
    let e: VgError = x.json().expect("typed");
    assert_eq!(e.error, vg_codes::INVALID_STATE);
    assert_eq!(
        e.details.expect("details").missing,
        vec!["script_id", "contacts"]
    );
    let x = call(&vg, VoiceGenieCampaign, "vg-missing-config").await;
    assert_eq!(
        x.json::<VgCampaign>().expect("typed").data.campaign_status,
        "draft",
        "422 changed nothing: the campaign is still a draft"
    );
}

#[tokio::test]
async fn auto_provisioning_gives_each_load_user_its_own_campaign() {
    let sim = sim(SimConfig::default()).await;
    let t = kore_jwt(&sim);
    for i in 0..5 {
        assert_eq!(
            call(&t, KoreVoiceStartV1, &format!("load-{i}"))
                .await
                .status,
            200
        );
    }
    assert_eq!(call(&t, KoreVoiceStartV1, "load-0").await.status, 400);
    assert_eq!(call(&t, KoreVoiceStartV1, "other-0").await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_starts_of_one_campaign_give_exactly_one_success() {
    let sim = sim(SimConfig::default()).await;
    let t = kore_jwt(&sim);
    let c = client();
    let calls = (0..50).map(|_| {
        let (c, t) = (c.clone(), t.clone());
        async move { c.call(&t, KoreVoiceStartV1, "demo-voice").await }
    });
    let results = join_all(calls).await;
    let mut ok = 0;
    let mut already = 0;
    for r in results {
        match r.expect("answered").status.as_u16() {
            200 => ok += 1,
            400 => already += 1,
            s => panic!("unexpected status {s}"),
        }
    }
    assert_eq!((ok, already), (1, 49));
    assert_eq!(sim.counters().get("kore voice-start-v1", "200"), 1);
    assert_eq!(sim.counters().get("kore voice-start-v1", "400"), 49);
}

/// `join_all` without pulling in the futures crate: spawn each call on the runtime.
async fn join_all<F, T>(futs: impl Iterator<Item = F>) -> Vec<T>
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = futs.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("task"));
    }
    out
}

#[test]
fn the_simulator_refuses_a_broken_rule_file_naming_file_and_rule() {
    let dir = std::env::temp_dir().join(format!("sim-rules-{}", uuid::Uuid::new_v4()));
    let schemas = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas");
    for vendor in ["kore", "voicegenie"] {
        std::fs::create_dir_all(dir.join(vendor)).expect("mkdir");
        for e in std::fs::read_dir(schemas.join(vendor)).expect("schemas") {
            let e = e.expect("entry");
            std::fs::copy(e.path(), dir.join(vendor).join(e.file_name())).expect("copy");
        }
        let text = std::fs::read_to_string(schemas.join(vendor).join("lifecycle.toml"))
            .expect("committed rules");
        // VoiceGenie's pause when running goes nowhere the file knows.
        let text = text.replace("next = \"paused\" }]", "next = \"halted\" }]");
        std::fs::write(dir.join(vendor).join("lifecycle.toml"), text).expect("write");
    }
    let e = SimConfig::default()
        .load_lifecycles(&dir)
        .expect_err("refused");
    let _ = std::fs::remove_dir_all(&dir);
    let msg = e.to_string();
    assert!(
        msg.contains("voicegenie") && msg.contains("lifecycle.toml"),
        "{msg}"
    );
    assert!(
        msg.contains("rule [running, pause]: outcome 200 goes to unknown state \"halted\""),
        "{msg}"
    );
}

/// A campaign seeded already dialing (`state = "Active"` in a campaigns file) is in a run: its
/// stop answers that run's `cid-` instance, as one started here would, never an empty one
/// (Schemathesis's stateful phase found the empty id against the stop's schema).
#[tokio::test]
async fn a_campaign_seeded_active_stops_with_its_instance() {
    let seeded = campaign_sim::CampaignSeed {
        vendor: campaign_api::Vendor::Kore,
        id: "seeded-active".into(),
        name: None,
        state: Some("Active".into()),
        missing: Vec::new(),
    };
    let sim = sim(SimConfig {
        campaigns: vec![seeded],
        ..SimConfig::default()
    })
    .await;
    let x = call(&kore_jwt(&sim), KoreVoiceStopV1, "seeded-active").await;
    assert_eq!(x.status, 200);
    let body = json(&x);
    assert!(
        body["campaignInstanceId"]
            .as_str()
            .is_some_and(|id| id.starts_with("cid-") && id.len() > 4),
        "{body}"
    );
}
