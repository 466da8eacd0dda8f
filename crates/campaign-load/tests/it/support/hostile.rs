//! Hosts that misbehave on purpose, written as plain sockets on 127.0.0.1 (threads that die with
//! the test process): each takes every connection it is offered and does one bad thing with it.
//! A run against any of them must still end within its bound, fail, and keep its credentials.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;
use tokio_rustls::rustls;

/// What a hostile host does with each connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hostile {
    /// Accepts, reads whatever is sent, never answers.
    Stall,
    /// Accepts, then resets the connection at once (`SO_LINGER` 0: an RST, not a FIN).
    Reset,
    /// Answers `200` with a chunked body that never ends.
    EndlessBody,
    /// Sends the head of a `200` one byte every 500 ms.
    Drip,
    /// Answers every request `429` with `Retry-After: 1`.
    Storm429,
    /// Answers every request with bytes that are not HTTP, then closes.
    Garbage,
    /// Answers `200` with a 2 MiB header before its (small, valid) body.
    HugeHeader,
}

/// Serves `kind` on a port of 127.0.0.1; its port.
pub fn serve(kind: Hostile) -> u16 {
    if kind == Hostile::Reset {
        return resets();
    }
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || connection(kind, stream));
        }
    });
    port
}

fn connection(kind: Hostile, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(stream);
    match kind {
        Hostile::Stall => {
            // Reads until the client gives up, answering nothing.
            let mut sink = [0u8; 4096];
            while matches!(reader.read(&mut sink), Ok(n) if n > 0) {}
        }
        Hostile::Reset => {}
        Hostile::EndlessBody => {
            if !read_request(&mut reader) {
                return;
            }
            let s = reader.get_mut();
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
            if s.write_all(head.as_bytes()).is_err() {
                return;
            }
            // 16 KiB of JSON whitespace a chunk, for as long as the client reads.
            let chunk = format!("4000\r\n{}\r\n", " ".repeat(0x4000));
            while s.write_all(chunk.as_bytes()).is_ok() {}
        }
        Hostile::Drip => {
            if !read_request(&mut reader) {
                return;
            }
            let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
            for byte in head.iter().cycle() {
                if reader.get_mut().write_all(&[*byte]).is_err() {
                    return;
                }
                // The drip itself: the host's pace, not a test's synchronisation.
                std::thread::sleep(Duration::from_millis(500));
            }
        }
        Hostile::Storm429 => answer_each(
            &mut reader,
            b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
        ),
        Hostile::Garbage => {
            if !read_request(&mut reader) {
                return;
            }
            let _ = reader.get_mut().write_all(&garbage(4096));
        }
        Hostile::HugeHeader => {
            let answer = format!(
                "HTTP/1.1 200 OK\r\nX-Huge: {}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}",
                "a".repeat(2 << 20)
            );
            answer_each(&mut reader, answer.as_bytes());
        }
    }
}

/// Accepts and resets each connection at once: `SO_LINGER` 0, then close, sends an RST. Tokio's
/// socket is used for the option std lacks; the runtime lives on the host's own thread.
fn resets() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    listener.set_nonblocking(true).expect("nonblocking");
    std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
        else {
            return;
        };
        rt.block_on(async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                return;
            };
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_zero_linger();
                drop(stream);
            }
        });
    });
    port
}

/// Serves HTTPS with the certificate and key given (PEM), answering every request `302` to a
/// port nothing listens on; its port.
pub fn tls_redirect(cert_pem: &str, key_pem: &str) -> u16 {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let chain = vec![CertificateDer::from_pem_slice(cert_pem.as_bytes()).expect("a PEM cert")];
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).expect("a PEM key");
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("a matching pair"),
    );
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let config = Arc::clone(&config);
            std::thread::spawn(move || {
                let Ok(conn) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut reader = BufReader::new(rustls::StreamOwned::new(conn, stream));
                answer_each(
                    &mut reader,
                    b"HTTP/1.1 302 Found\r\nLocation: https://127.0.0.1:9/elsewhere\r\nContent-Length: 0\r\n\r\n",
                );
            });
        }
    });
    port
}

/// Answers each request on the connection with `answer`, until the client goes.
fn answer_each<S: Read + Write>(reader: &mut BufReader<S>, answer: &[u8]) {
    while read_request(reader) {
        if reader.get_mut().write_all(answer).is_err() || reader.get_mut().flush().is_err() {
            return;
        }
    }
}

/// Reads one request (head, then a body of its `Content-Length`); false once the client goes.
fn read_request<S: Read>(reader: &mut BufReader<S>) -> bool {
    let mut length = 0;
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return false,
            Ok(_) => {}
        }
        if line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse::<usize>().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).is_ok()
}

/// `n` bytes that are not HTTP (xorshift, a fixed seed: the same every run), none of them a
/// letter that could start a status line.
fn garbage(n: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let b = (x >> 24) as u8;
            if b.is_ascii_alphabetic() { b | 0x80 } else { b }
        })
        .collect()
}
