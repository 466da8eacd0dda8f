//! Shared arrange steps: a simulator on a real socket and targets that point at it.

use campaign_api::{Client, ClientConfig, Credential, Exchange, OperationId, Target, Vendor};
use campaign_sim::{RunningSim, SimConfig};
use secrecy::SecretString;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// A simulator with `config` on a real loopback socket.
pub async fn sim(config: SimConfig) -> RunningSim {
    campaign_sim::start(config).await.expect("simulator starts")
}

/// A Kore.ai target on `sim`, sending `credential`.
pub fn kore(sim: &RunningSim, credential: Credential) -> Target {
    Target::new(
        Vendor::Kore,
        campaign_api::parse_base_url("KORE_BASE_URL", &sim.base_url()).expect("url"),
        credential,
    )
    .with_kore_ids("acc-test", "st-test", None)
}

/// A Kore.ai target on `sim` with a ready JWT (the simulator accepts any when unconfigured).
pub fn kore_jwt(sim: &RunningSim) -> Target {
    kore(
        sim,
        Credential::KoreJwt(SecretString::from("any.jwt.value")),
    )
}

/// A VoiceGenie target on `sim` sending `key` as `x-api-key`.
pub fn voicegenie(sim: &RunningSim, key: &str) -> Target {
    Target::new(
        Vendor::VoiceGenie,
        campaign_api::parse_base_url("VOICEGENIE_BASE_URL", &sim.base_url()).expect("url"),
        Credential::ApiKey(SecretString::from(key.to_string())),
    )
}

/// One client per tokio runtime: building a client loads the TLS roots, and pooled connections
/// belong to the runtime that opened them.
pub fn client() -> Client {
    static CLIENTS: OnceLock<Mutex<HashMap<tokio::runtime::Id, Client>>> = OnceLock::new();
    let id = tokio::runtime::Handle::current().id();
    let mut map = CLIENTS
        .get_or_init(Default::default)
        .lock()
        .expect("client cache");
    map.entry(id)
        .or_insert_with(|| Client::new(ClientConfig::default()).expect("client"))
        .clone()
}

/// The client that waits 1 s for an answer: held against a delay of 60 s or more, so a test
/// asserts that the answer was held back (the client gave up), never how long anything took.
pub fn impatient_client() -> Client {
    Client::new(ClientConfig {
        timeout: IMPATIENCE,
        ..ClientConfig::default()
    })
    .expect("client")
}

/// How long [`impatient_client`] waits.
pub const IMPATIENCE: std::time::Duration = std::time::Duration::from_secs(1);

/// A delay [`impatient_client`] never sees the end of (60 times its patience).
pub const HELD_BACK: &str = "fixed 60s";

/// True when the call ended because the client stopped waiting.
pub fn timed_out(e: &campaign_api::CallError) -> bool {
    matches!(
        e,
        campaign_api::CallError::Transport(campaign_api::TransportError::Timeout { .. })
    )
}

/// Sends `op` for `campaign`; panics naming both if no answer came.
pub async fn call(target: &Target, op: OperationId, campaign: &str) -> Exchange {
    client()
        .call(target, op, campaign)
        .await
        .unwrap_or_else(|e| panic!("{op} {campaign}: {e}"))
}

/// The exchange's body as JSON; panics with the body if it is not.
pub fn json(x: &Exchange) -> serde_json::Value {
    serde_json::from_slice(&x.body)
        .unwrap_or_else(|e| panic!("{}: body is not JSON ({e}): {:?}", x.operation, x.body))
}

/// Safety bound on every raw socket wait in the attack tests: never an assertion about timing,
/// only a guard so a broken server fails the test instead of hanging it.
pub const SAFETY: std::time::Duration = std::time::Duration::from_secs(20);

/// A VoiceGenie status read of `campaign` as raw HTTP/1.1 bytes.
pub fn vg_read(campaign: &str) -> Vec<u8> {
    format!("GET /campaign/{campaign} HTTP/1.1\r\nhost: sim\r\nx-api-key: k\r\n\r\n").into_bytes()
}

/// A Kore.ai v1 voice start (`trigger=play`) or stop of `campaign` as raw HTTP/1.1 bytes, with
/// its `{}` body.
pub fn kore_trigger(campaign: &str, trigger: &str) -> Vec<u8> {
    format!(
        "POST /campaign/api/v1/public/st/campaign/{campaign}?campaignType=voice&trigger={trigger} HTTP/1.1\r\n\
         host: sim\r\nauth: jwt\r\niid: st\r\naccountId: acc\r\ncontent-type: application/json\r\n\
         content-length: 2\r\n\r\n{{}}"
    )
    .into_bytes()
}

/// Writes `request` on a fresh connection to `addr`, shuts the write half down at once when
/// `half_close` (the client's FIN right behind its request), and reads until the server closes
/// (bounded by [`SAFETY`]). What came back, possibly nothing.
pub async fn one_shot(
    addr: std::net::SocketAddr,
    request: &[u8],
    half_close: bool,
) -> std::io::Result<Vec<u8>> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    s.write_all(request).await?;
    if half_close {
        s.shutdown().await?;
    }
    let mut got = Vec::new();
    match tokio::time::timeout(SAFETY, s.read_to_end(&mut got)).await {
        Ok(Ok(_)) => Ok(got),
        // A reset after some bytes still leaves what arrived.
        Ok(Err(e)) if got.is_empty() => Err(e),
        Ok(Err(_)) => Ok(got),
        Err(_) => Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!("no close within {SAFETY:?}"),
        )),
    }
}

/// The status of the first HTTP/1.1 response in `bytes`, if one is there.
pub fn status_of(bytes: &[u8]) -> Option<u16> {
    let line = bytes.split(|b| *b == b'\n').next()?;
    let line = std::str::from_utf8(line).ok()?;
    let mut words = line.split_whitespace();
    (words.next()? == "HTTP/1.1").then_some(())?;
    words.next()?.parse().ok()
}

/// The value of header `name` in the first response in `bytes`.
pub fn header_of(bytes: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    let head = text.split("\r\n\r\n").next()?;
    head.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_string())
    })
}

/// The JSON body of the (single, `content-length`-framed) response in `bytes`.
pub fn body_of(bytes: &[u8]) -> serde_json::Value {
    let at = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no head end in {:?}", String::from_utf8_lossy(bytes)));
    serde_json::from_slice(&bytes[at + 4..]).unwrap_or_else(|e| {
        panic!(
            "body is not JSON ({e}): {:?}",
            String::from_utf8_lossy(&bytes[at + 4..])
        )
    })
}

/// A VoiceGenie status read that asks the server to close the connection after answering.
pub fn vg_read_and_close(campaign: &str) -> Vec<u8> {
    format!(
        "GET /campaign/{campaign} HTTP/1.1\r\nhost: sim\r\nx-api-key: k\r\nconnection: close\r\n\r\n"
    )
    .into_bytes()
}

/// Polls the simulator's counters (in-process) until `done` holds; panics with the last
/// snapshot if it does not within [`SAFETY`].
pub async fn counters_until(
    sim: &RunningSim,
    what: &str,
    done: impl Fn(&campaign_sim::CountersSnapshot) -> bool,
) -> campaign_sim::CountersSnapshot {
    let give_up = tokio::time::Instant::now() + SAFETY;
    loop {
        let now = sim.counters();
        if done(&now) {
            return now;
        }
        if tokio::time::Instant::now() > give_up {
            panic!("{what}: not within {SAFETY:?}; counters {now:#?}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

/// Waits (at most [`SAFETY`]) for the server to close `stream`; what it sent before closing.
/// Panics if it stays open.
pub async fn closed_by_server(stream: &mut tokio::net::TcpStream) -> Vec<u8> {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    match tokio::time::timeout(SAFETY, stream.read_to_end(&mut got)).await {
        Ok(_) => got,
        Err(_) => panic!(
            "the server kept the connection open for {SAFETY:?} (got {} bytes)",
            got.len()
        ),
    }
}
