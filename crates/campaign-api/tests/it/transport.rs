//! Transport failures come back typed, never as a panic: each case is a real socket that
//! misbehaves in one way.

use campaign_api::{Client, ClientConfig, Credential, OperationId, Target, TransportError, Vendor};
use secrecy::SecretString;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn target(port: u16) -> Target {
    Target::new(
        Vendor::VoiceGenie,
        campaign_api::parse_base_url("VOICEGENIE_BASE_URL", &format!("http://127.0.0.1:{port}"))
            .expect("url"),
        Credential::ApiKey(SecretString::from("SECRET-transport-key")),
    )
}

fn client(timeout_ms: u64) -> Client {
    Client::new(ClientConfig {
        timeout: Duration::from_millis(timeout_ms),
        ..ClientConfig::default()
    })
    .expect("client")
}

/// Serves every connection with `reply` after reading the request head.
async fn serve(reply: impl Fn() -> Option<Vec<u8>> + Send + Sync + 'static) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let reply = std::sync::Arc::new(reply);
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let reply = reply.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let _ = s.read(&mut buf).await;
                match reply() {
                    Some(bytes) => {
                        let _ = s.write_all(&bytes).await;
                        let _ = s.shutdown().await;
                    }
                    None => tokio::time::sleep(Duration::from_secs(30)).await,
                }
            });
        }
    });
    port
}

async fn call(port: u16, timeout_ms: u64) -> Result<campaign_api::Exchange, TransportError> {
    match client(timeout_ms)
        .call(&target(port), OperationId::VoiceGenieStart, "c1")
        .await
    {
        Ok(x) => Ok(x),
        Err(campaign_api::CallError::Transport(t)) => Err(t),
        Err(other) => panic!("not a transport error: {other}"),
    }
}

fn assert_no_secret(e: &TransportError) {
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains("SECRET-transport-key"), "{shown}");
    assert!(
        shown.contains("voicegenie start"),
        "error names the operation: {shown}"
    );
}

#[tokio::test]
async fn refused() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let e = call(port, 2000).await.expect_err("nothing listens");
    assert!(matches!(e, TransportError::Refused { .. }), "{e:?}");
    assert_eq!(e.class(), campaign_api::TransportClass::Refused);
    assert_no_secret(&e);
}

#[tokio::test]
async fn timeout() {
    let port = serve(|| None).await;
    let e = call(port, 300).await.expect_err("no answer");
    assert!(matches!(e, TransportError::Timeout { .. }), "{e:?}");
    assert!(e.to_string().contains("127.0.0.1"), "{e}");
    assert_no_secret(&e);
}

#[tokio::test]
async fn closed_before_answering_is_a_reset() {
    let port = serve(|| Some(Vec::new())).await;
    let e = call(port, 2000).await.expect_err("closed");
    assert!(matches!(e, TransportError::Reset { .. }), "{e:?}");
    assert_no_secret(&e);
}

#[tokio::test]
async fn truncated_body_is_a_body_read_failure() {
    let port = serve(|| Some(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"success\":tr".to_vec())).await;
    let e = call(port, 2000).await.expect_err("short body");
    match &e {
        TransportError::BodyRead { read, .. } => assert_eq!(*read, 13),
        other => panic!("{other:?}"),
    }
    assert_no_secret(&e);
}

#[tokio::test]
async fn oversized_body_is_cut_off_and_reported() {
    let big = 2 * 1024 * 1024;
    let port = serve(move || {
        let mut r = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {big}\r\n\r\n"
        )
        .into_bytes();
        r.extend(std::iter::repeat_n(b' ', big));
        Some(r)
    })
    .await;
    let e = call(port, 5000).await.expect_err("too large");
    assert!(
        matches!(
            e,
            TransportError::TooLarge {
                status: 200,
                limit: 1_048_576,
                ..
            }
        ),
        "{e:?}"
    );
    assert_no_secret(&e);
}

#[tokio::test]
async fn garbage_instead_of_http_is_an_error_not_a_panic() {
    let port = serve(|| Some(b"SSH-2.0-OpenSSH_9.2\r\n\r\n".to_vec())).await;
    let e = call(port, 2000).await.expect_err("not HTTP");
    assert_no_secret(&e);
}

#[tokio::test]
async fn a_complete_answer_is_returned_raw() {
    let port = serve(|| Some(b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: 17\r\n\r\n{\"error\":\"NOPE\"}\n".to_vec())).await;
    let x = call(port, 2000).await.expect("answer");
    assert_eq!(x.status.as_u16(), 404);
    assert!(x.is_json());
    assert_eq!(&x.body[..], b"{\"error\":\"NOPE\"}\n");
    assert_eq!(x.operation, OperationId::VoiceGenieStart);
}
