//! Requests no vendor operation accepts get a clear JSON 4xx, and none of them changes state.

use crate::support::*;
use campaign_api::OperationId::*;
use campaign_sim::SimConfig;

async fn raw(
    method: reqwest::Method,
    url: String,
    headers: &[(&str, &[u8])],
    body: Vec<u8>,
) -> (u16, Option<String>, serde_json::Value) {
    let mut map = reqwest::header::HeaderMap::new();
    for (k, v) in headers {
        map.insert(
            reqwest::header::HeaderName::from_bytes(k.as_bytes()).expect("name"),
            reqwest::header::HeaderValue::from_bytes(v).expect("value"),
        );
    }
    let r = reqwest::Client::new()
        .request(method, url)
        .headers(map)
        .body(body)
        .send()
        .await
        .expect("answer");
    let status = r.status().as_u16();
    let allow = r
        .headers()
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let body = r.bytes().await.expect("body");
    (
        status,
        allow,
        serde_json::from_slice(&body).unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}")),
    )
}

const KORE_HEADERS: &[(&str, &[u8])] = &[("auth", b"jwt"), ("iid", b"st"), ("accountId", b"acc")];

/// A simulator and the Kore.ai v1 voice start URL of `demo-voice` on it (query left to add).
async fn kore_start() -> (campaign_sim::RunningSim, String) {
    let sim = sim(SimConfig::default()).await;
    let start = format!(
        "{}/campaign/api/v1/public/st/campaign/demo-voice",
        sim.base_url()
    );
    (sim, start)
}

/// The bad request touched no campaign: `demo-voice` still reads `Ready`, and starts.
async fn assert_untouched(sim: &campaign_sim::RunningSim) {
    let t = kore_jwt(sim);
    let x = call(&t, KoreStatusV1, "demo-voice").await;
    assert_eq!(json(&x)["data"]["status"], "Ready");
    assert_eq!(call(&t, KoreVoiceStartV1, "demo-voice").await.status, 200);
}

#[tokio::test]
async fn an_unknown_route_is_a_json_404() {
    let sim = sim(SimConfig::default()).await;
    let (s, _, b) = raw(
        reqwest::Method::GET,
        format!("{}/no/such/route", sim.base_url()),
        &[],
        vec![],
    )
    .await;
    assert_eq!((s, b["error"].as_str()), (404, Some("UNKNOWN_ROUTE")));
    assert_eq!(sim.counters().get("unmatched", "404"), 1);
    assert_untouched(&sim).await;
}

#[tokio::test]
async fn a_wrong_method_is_a_405_naming_the_right_one() {
    let (sim, start) = kore_start().await;
    let (s, allow, b) = raw(
        reqwest::Method::DELETE,
        format!("{start}?campaignType=voice&trigger=play"),
        KORE_HEADERS,
        vec![],
    )
    .await;
    assert_eq!(
        (s, b["error"].as_str(), allow.as_deref()),
        (405, Some("METHOD_NOT_ALLOWED"), Some("POST"))
    );
    assert_eq!(sim.counters().get("unmatched", "405"), 1);
    assert_untouched(&sim).await;
}

#[tokio::test]
async fn a_query_value_no_operation_takes_is_a_kore_400() {
    let (sim, start) = kore_start().await;
    let (s, _, b) = raw(
        reqwest::Method::POST,
        format!("{start}?campaignType=fax&trigger=play"),
        KORE_HEADERS,
        b"{}".to_vec(),
    )
    .await;
    // A Kore.ai path answers in the Kore.ai error shape we assume ({msg, code}).
    assert_eq!((s, b["code"].as_u64()), (400, Some(4000)), "{b}");
    assert!(
        b["msg"]
            .as_str()
            .is_some_and(|m| m.contains("campaignType") && m.contains("voice")),
        "{b}"
    );
    assert_eq!(sim.counters().get("unmatched", "400"), 1);
    assert_untouched(&sim).await;
}

#[tokio::test]
async fn a_missing_query_key_is_a_kore_400_naming_it() {
    let (sim, start) = kore_start().await;
    let (s, _, b) = raw(
        reqwest::Method::POST,
        format!("{start}?campaignType=voice"),
        KORE_HEADERS,
        b"{}".to_vec(),
    )
    .await;
    assert_eq!((s, b["code"].as_u64()), (400, Some(4000)), "{b}");
    assert!(
        b["msg"].as_str().is_some_and(|m| m.contains("trigger")),
        "{b}"
    );
    assert_eq!(sim.counters().get("unmatched", "400"), 1);
    assert_untouched(&sim).await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413() {
    let (sim, start) = kore_start().await;
    let (s, _, b) = raw(
        reqwest::Method::POST,
        format!("{start}?campaignType=voice&trigger=play"),
        KORE_HEADERS,
        vec![b' '; 64 * 1024 + 1],
    )
    .await;
    assert_eq!((s, b["error"].as_str()), (413, Some("BODY_TOO_LARGE")));
    assert_eq!(sim.counters().get("kore voice-start-v1", "413"), 1);
    assert_untouched(&sim).await;
}

#[tokio::test]
async fn a_header_that_is_not_utf8_is_a_400_naming_it() {
    let (sim, start) = kore_start().await;
    let latin1: &[(&str, &[u8])] = &[
        ("auth", b"jwt"),
        ("iid", b"st"),
        ("accountId", b"acc"),
        ("x-note", b"caf\xe9"),
    ];
    let (s, _, b) = raw(
        reqwest::Method::POST,
        format!("{start}?campaignType=voice&trigger=play"),
        latin1,
        b"{}".to_vec(),
    )
    .await;
    assert_eq!((s, b["error"].as_str()), (400, Some("BAD_HEADER")));
    assert!(
        b["message"].as_str().is_some_and(|m| m.contains("x-note")),
        "{b}"
    );
    assert_eq!(
        sim.counters().get("kore voice-start-v1", "400"),
        1,
        "the non-UTF-8 header"
    );
    assert_untouched(&sim).await;
}

#[tokio::test]
async fn an_id_that_is_not_utf8_matches_no_route() {
    let sim = sim(SimConfig::default()).await;
    let (s, _, _) = raw(
        reqwest::Method::GET,
        format!("{}/startCampaign/%FF%FE", sim.base_url()),
        &[("x-api-key", b"k")],
        vec![],
    )
    .await;
    assert_eq!(s, 404, "an id that is not UTF-8 matches no route");
    assert_eq!(sim.counters().get("unmatched", "404"), 1);
    assert_untouched(&sim).await;
}

#[tokio::test]
async fn admin_routes_report_counters_and_config_and_reset() {
    let sim = sim(SimConfig::default()).await;
    let t = kore_jwt(&sim);
    call(&t, KoreVoiceStartV1, "demo-voice").await;
    call(&t, KoreVoiceStartV1, "demo-voice").await;
    let http = reqwest::Client::new();
    let counters: serde_json::Value = http
        .get(format!("{}/__sim/counters", sim.base_url()))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(counters["total"], 2);
    assert_eq!(counters["routes"]["kore voice-start-v1"]["200"], 1);
    assert_eq!(counters["routes"]["kore voice-start-v1"]["400"], 1);
    let config: serde_json::Value = http
        .get(format!("{}/__sim/config", sim.base_url()))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(config["auto_provision_prefix"], "load-");
    assert_eq!(config["active_now"], 1);
    let r = http
        .post(format!("{}/__sim/reset", sim.base_url()))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 200);
    assert_eq!(sim.counters().total, 0);
    assert_eq!(
        call(&t, KoreVoiceStartV1, "demo-voice").await.status,
        200,
        "reset put the campaign back to Ready"
    );
}

#[tokio::test]
async fn an_id_the_client_would_refuse_is_refused_here_too() {
    // `..` and `.` reach a host only from a client that does not normalise URLs (reqwest's
    // `url` turns `/x/%2E%2E` into `/`): written raw, on a socket, the simulator refuses them as
    // campaign-api does, in the vendor's own error shape (Schemathesis's negative mode holds it
    // to the documents): VoiceGenie's 404 NOT_FOUND, Kore.ai's 400 {msg, code}.
    let sim = sim(SimConfig::default()).await;
    let base = sim.base_url();
    for path in [
        "/startCampaign/%2E%2E",
        "/campaign/%2e",
        "/pauseTheCampaign/load-%0A1",
    ] {
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: sim\r\nx-api-key: any\r\nConnection: close\r\n\r\n"
        );
        let got = one_shot(sim.addr(), request.as_bytes(), false)
            .await
            .expect("an answer");
        let text = String::from_utf8_lossy(&got);
        assert_eq!(status_of(&got), Some(404), "{path}: {text}");
        assert!(text.contains("\"error\":\"NOT_FOUND\""), "{path}: {text}");
        assert!(text.contains("\"success\":false"), "{path}: {text}");
    }
    let kore = "POST /campaign/api/v1/public/st-1/campaign/%2E%2E?campaignType=voice&trigger=play HTTP/1.1\r\nHost: sim\r\nauth: any\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    let got = one_shot(sim.addr(), kore.as_bytes(), false)
        .await
        .expect("an answer");
    let text = String::from_utf8_lossy(&got);
    assert_eq!(status_of(&got), Some(400), "{text}");
    assert!(text.contains("\"code\":4000"), "{text}");
    assert!(text.contains("\"msg\":"), "{text}");
    let (s, _, b) = raw(
        reqwest::Method::GET,
        format!("{base}/campaign/load-ok-1"),
        &[("x-api-key", b"any")],
        vec![],
    )
    .await;
    assert_eq!(
        s, 404,
        "a valid id that does not exist is unknown, not refused: {b}"
    );
}

#[tokio::test]
async fn a_body_that_does_not_read_is_named_for_what_it_is() {
    // A chunk size that is not hex: not "too large", a body that does not read.
    let sim = sim(SimConfig::default()).await;
    let request = "POST /campaign/api/v1/public/st/campaign/demo-voice?campaignType=voice&trigger=play HTTP/1.1\r\n\
                   Host: sim\r\nauth: x\r\niid: st\r\naccountId: acc\r\nContent-Type: application/json\r\n\
                   Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n";
    let got = one_shot(sim.addr(), request.as_bytes(), false)
        .await
        .expect("an answer");
    let text = String::from_utf8_lossy(&got);
    assert_eq!(status_of(&got), Some(400), "{text}");
    assert!(text.contains("\"BAD_BODY\""), "{text}");
    assert!(!text.contains("exceeds"), "{text}");
    // What /__sim/config shows for Retry-After is what a 429 carries.
    let config: serde_json::Value = reqwest::get(format!("{}/__sim/config", sim.base_url()))
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(config["faults"]["retry_after_secs"], 1, "{config}");
}

/// A head past hyper's buffer (2 and 8 MiB of one header) is answered 431, and a client that
/// writes its whole request before it reads still reads that answer: the close after the 431
/// leaves unread bytes (so the kernel resets), and the answer must arrive ahead of the reset.
#[tokio::test]
async fn a_huge_request_header_is_answered_431_not_reset() {
    let (sim, start) = kore_start().await;
    for mib in [2, 8] {
        let big = vec![b'a'; mib << 20];
        let r = reqwest::Client::new()
            .post(format!("{start}?campaignType=voice&trigger=play"))
            .header(
                "x-big",
                reqwest::header::HeaderValue::from_bytes(&big).expect("value"),
            )
            .body("{}")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{mib} MiB header: no answer read: {e:?}"));
        assert_eq!(r.status(), 431, "{mib} MiB header");
    }
    assert_untouched(&sim).await;
}
