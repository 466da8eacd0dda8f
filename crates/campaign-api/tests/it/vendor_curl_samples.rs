//! Each operation, rendered, equals the request in the vendor docs' curl sample: method, path,
//! query, header names and body. The expected requests below are transcribed from the vendor
//! pages `docs/operations.md` cites, with their placeholders filled in.

use campaign_api::{Credential, OperationId, Target, Vendor, parse_base_url};
use secrecy::SecretString;

const IID: &str = "st-0603182c-7ffb-53c3-b307-47ca14b9xxxx";
const ACCOUNT: &str = "67777ce93e25326494e9xxxx";

fn kore() -> Target {
    Target::new(
        Vendor::Kore,
        parse_base_url("KORE_BASE_URL", "https://platform.kore.ai").expect("url"),
        Credential::KoreJwt(SecretString::from("<token>")),
    )
    .with_kore_ids(ACCOUNT, IID, None)
}

fn voicegenie() -> Target {
    Target::new(
        Vendor::VoiceGenie,
        parse_base_url(
            "VOICEGENIE_BASE_URL",
            "https://seamless-sandbox-dev-cm.oriserve.com",
        )
        .expect("url"),
        Credential::ApiKey(SecretString::from("your-api-key-here")),
    )
}

struct Sample {
    op: OperationId,
    method: &'static str,
    url: String,
    headers: &'static [&'static str],
    body: Option<&'static str>,
}

fn kore_sample(op: OperationId, path_and_query: String) -> Sample {
    Sample {
        op,
        method: "POST",
        url: format!("https://platform.kore.ai{path_and_query}"),
        // Header names are case-insensitive; `http` sends them in lower case.
        headers: &["auth", "content-type", "iid", "accountid"],
        body: Some("{}"),
    }
}

fn samples() -> Vec<Sample> {
    let c = "cmp-1";
    vec![
        // Page 000: curl --location 'https://{{host}}/campaign/api/v1/public/{{IID}}/campaign/{{campaignId}}?campaignType={{campaignType}}&trigger={{trigger}}'
        kore_sample(
            OperationId::KoreVoiceStartV1,
            format!("/campaign/api/v1/public/{IID}/campaign/{c}?campaignType=voice&trigger=play"),
        ),
        // Page 003: same URL with trigger=stop.
        kore_sample(
            OperationId::KoreVoiceStopV1,
            format!("/campaign/api/v1/public/{IID}/campaign/{c}?campaignType=voice&trigger=stop"),
        ),
        // Page 002: v1 SMS, streamId (defaults to the app id) in the path.
        kore_sample(
            OperationId::KoreSmsStartV1,
            format!("/campaign/api/v1/public/{IID}/campaign/{c}?campaignType=sms&trigger=play"),
        ),
        // Page 001: v2 SMS.
        kore_sample(
            OperationId::KoreSmsStartV2,
            format!("/campaign/api/v2/public/{IID}/campaign/{c}?campaignType=sms&trigger=play"),
        ),
        // The pages beyond the five whose curl samples are in the contract tests: stop SMS v1 / v2,
        // voice v2, status v1 / v2.
        kore_sample(
            OperationId::KoreSmsStopV1,
            format!("/campaign/api/v1/public/{IID}/campaign/{c}?campaignType=sms&trigger=stop"),
        ),
        kore_sample(
            OperationId::KoreSmsStopV2,
            format!("/campaign/api/v2/public/{IID}/campaign//trigger/{c}?accountId={ACCOUNT}&campaignType=sms&trigger=stop"),
        ),
        kore_sample(
            OperationId::KoreVoiceStartV2,
            format!("/api/v2/public/{IID}/campaign/trigger/{c}?accountId={ACCOUNT}&campaignType=voice&trigger=play"),
        ),
        kore_sample(
            OperationId::KoreVoiceStopV2,
            format!("/api/v2/public/{IID}/campaign/trigger/{c}?accountId={ACCOUNT}&campaignType=voice&trigger=stop"),
        ),
        // Kore.ai's "Get Campaign Status API" pages (v1 and v2): Method POST, Content-Type
        // application/json (`curl --request POST …` on v1, `--data '{}'` on v2).
        kore_sample(
            OperationId::KoreStatusV1,
            format!("/agentassist/api/v1/public/{IID}/campaign/{c}/status?view=status"),
        ),
        kore_sample(
            OperationId::KoreStatusV2,
            format!("/campaign/api/v2/public/{IID}/campaign/{c}/status?accountId={ACCOUNT}&view=status"),
        ),
        // Page 004: curl --request GET --url 'https://seamless-sandbox-dev-cm.oriserve.com/startCampaign/550e…' --header 'x-api-key: …'
        Sample {
            op: OperationId::VoiceGenieStart,
            method: "GET",
            url: "https://seamless-sandbox-dev-cm.oriserve.com/startCampaign/550e8400-e29b-41d4-a716-446655440000".into(),
            headers: &["x-api-key"],
            body: None,
        },
        Sample {
            op: OperationId::VoiceGeniePause,
            method: "GET",
            url: "https://seamless-sandbox-dev-cm.oriserve.com/pauseTheCampaign/550e8400-e29b-41d4-a716-446655440000".into(),
            headers: &["x-api-key"],
            body: None,
        },
        Sample {
            op: OperationId::VoiceGenieCampaign,
            method: "GET",
            url: "https://seamless-sandbox-dev-cm.oriserve.com/campaign/550e8400-e29b-41d4-a716-446655440000".into(),
            headers: &["x-api-key"],
            body: None,
        },
    ]
}

#[test]
fn every_operation_renders_its_documented_request() {
    let samples = samples();
    let mut covered: Vec<OperationId> = samples.iter().map(|s| s.op).collect();
    covered.sort();
    assert_eq!(
        covered,
        OperationId::ALL.to_vec(),
        "every operation has a documented sample"
    );
    for s in samples {
        let (target, campaign) = match s.op.spec().vendor {
            Vendor::Kore => (kore(), "cmp-1"),
            Vendor::VoiceGenie => (voicegenie(), "550e8400-e29b-41d4-a716-446655440000"),
        };
        let r = s.op.render(&target, campaign).expect("renders");
        let name = s.op.to_string();
        assert_eq!(r.method.as_str(), s.method, "{name}: method");
        assert_eq!(r.url.as_str(), s.url, "{name}: URL");
        let mut got: Vec<&str> = r.headers.keys().map(|k| k.as_str()).collect();
        let mut want = s.headers.to_vec();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want, "{name}: header names");
        assert_eq!(r.body.as_deref(), s.body.map(str::as_bytes), "{name}: body");
        if s.op.spec().vendor == Vendor::Kore {
            assert_eq!(r.headers["iid"], IID);
            assert_eq!(r.headers["accountid"], ACCOUNT);
            assert_eq!(r.headers["auth"], "<token>");
        } else {
            assert_eq!(r.headers["x-api-key"], "your-api-key-here");
        }
    }
}

#[test]
fn campaign_ids_are_encoded_or_refused_before_sending() {
    let t = voicegenie();
    let r = OperationId::VoiceGenieStart
        .render(&t, "a b#c%d")
        .expect("renders");
    assert_eq!(r.url.path(), "/startCampaign/a%20b%23c%25d");
    for bad in ["", "a/b", "a?b", "a\nb", "\u{7}"] {
        let e = OperationId::VoiceGenieStart.render(&t, bad).expect_err(bad);
        assert!(
            matches!(e, campaign_api::RenderError::CampaignId { .. }),
            "{bad:?}: {e}"
        );
    }
    let e = OperationId::KoreVoiceStartV1
        .render(&t, "x")
        .expect_err("wrong vendor");
    assert!(matches!(e, campaign_api::RenderError::WrongVendor { .. }));
}

#[test]
fn session_token_is_sent_as_the_token_cookie() {
    let mut t = voicegenie();
    t.credential = Credential::SessionToken(SecretString::from("jwt-session"));
    let r = OperationId::VoiceGenieStart
        .render(&t, "x")
        .expect("renders");
    assert_eq!(r.headers["cookie"], "token=jwt-session");
    assert!(r.headers.get("x-api-key").is_none());
}

#[test]
fn base_url_path_prefix_is_kept() {
    let t = Target::new(
        Vendor::VoiceGenie,
        parse_base_url("VOICEGENIE_BASE_URL", "http://127.0.0.1:9000/vg/").expect("url"),
        Credential::ApiKey(SecretString::from("k")),
    );
    let r = OperationId::VoiceGenieStart
        .render(&t, "x")
        .expect("renders");
    assert_eq!(r.url.as_str(), "http://127.0.0.1:9000/vg/startCampaign/x");
}
