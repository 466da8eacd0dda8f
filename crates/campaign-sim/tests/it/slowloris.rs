//! Attacks from outside on the simulator's connections: silent connections past the cap, a
//! slowloris that keeps reopening them, a head trickled a byte at a time, a body that never
//! comes, and kept-alive connections left idle. Every assertion is on answers and counters;
//! time bounds are only safety nets ([`SAFETY`](crate::support::SAFETY)) that turn a hang into a failure.

use crate::support::*;
use campaign_sim::DOC_SAMPLE_VOICEGENIE_ID;
use campaign_sim::{Limits, SimConfig};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const CAP: usize = 16;

fn limited(header: Duration, idle: Duration) -> SimConfig {
    SimConfig {
        limits: Limits {
            header_timeout: header,
            idle_timeout: idle,
            max_connections: CAP,
            // No new connection takes an old one's place: only the cap acts.
            eviction_grace: Some(Duration::from_secs(3600)),
            ..Limits::default()
        },
        ..SimConfig::default()
    }
}

async fn silent(addr: std::net::SocketAddr, n: usize) -> Vec<TcpStream> {
    let mut open = Vec::new();
    for _ in 0..n {
        open.push(TcpStream::connect(addr).await.expect("connect"));
    }
    open
}

/// Waits (at most [`SAFETY`]) until `expected` of `streams` have been closed by the server, then
/// says how many are closed: never fewer than `expected` (that panics), more if the server
/// closed some it should have kept.
async fn closed_among(streams: &mut [TcpStream], expected: usize) -> usize {
    let give_up = tokio::time::Instant::now() + SAFETY;
    let mut closed = vec![false; streams.len()];
    loop {
        for (s, c) in streams.iter().zip(closed.iter_mut()) {
            let mut probe = [0u8; 1];
            match s.try_read(&mut probe) {
                Ok(0) => *c = true,
                Ok(_) => panic!("the server sent bytes on a silent connection"),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => *c = true,
            }
        }
        let n = closed.iter().filter(|c| **c).count();
        if n >= expected {
            return n;
        }
        assert!(
            tokio::time::Instant::now() < give_up,
            "{n} of {expected} connections closed within {SAFETY:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A normal client's status read, retried while the simulator closes its connection unanswered
/// (refused at the cap); panics if no answer comes within [`SAFETY`]. The attempts made.
async fn read_until_answered(addr: std::net::SocketAddr) -> (u16, usize) {
    let give_up = tokio::time::Instant::now() + SAFETY;
    let mut attempts = 0;
    loop {
        attempts += 1;
        let got = one_shot(addr, &vg_read_and_close(DOC_SAMPLE_VOICEGENIE_ID), false).await;
        if let Some(status) = got.as_deref().ok().and_then(status_of) {
            return (status, attempts);
        }
        assert!(
            tokio::time::Instant::now() < give_up,
            "no answer in {attempts} attempts over {SAFETY:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_cap_are_closed_at_once_and_counted() {
    // Arrange: a header timeout far beyond the test, so only the cap acts.
    let sim = sim(limited(Duration::from_secs(600), Duration::from_secs(600))).await;
    let addr = sim.addr();

    // Act: more silent connections than the cap.
    let mut held = silent(addr, CAP + 8).await;
    let after_flood = counters_until(&sim, "every connection accepted or refused", |c| {
        c.connections.accepted + c.connections.refused == (CAP + 8) as u64
    })
    .await;
    let turned_away = one_shot(addr, &vg_read_and_close(DOC_SAMPLE_VOICEGENIE_ID), false)
        .await
        .unwrap_or_default();

    // Assert: the cap holds, the extra ones were closed without a byte, and so is a normal
    // client's while the cap is full.
    let c = &after_flood.connections;
    assert_eq!((c.accepted, c.refused, c.open), (CAP as u64, 8, CAP as u64));
    let closed = closed_among(&mut held, 8).await;
    assert_eq!(
        closed, 8,
        "exactly the connections past the cap were closed"
    );
    assert!(
        turned_away.is_empty(),
        "a refused connection gets no answer: {:?}",
        String::from_utf8_lossy(&turned_away)
    );
    assert_eq!(sim.counters().connections.refused, 9);

    // Act: the silent clients leave.
    held.clear();
    counters_until(&sim, "slots freed", |c| c.connections.open == 0).await;
    let (status, attempts) = read_until_answered(addr).await;

    // Assert: the freed slots serve the next client on its first try.
    assert_eq!((status, attempts), (200, 1));
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_connection_takes_the_place_of_the_longest_silent_one_when_the_cap_is_full() {
    // Arrange: the cap held by silent connections, a header timeout far beyond the test, and no
    // grace: a new connection may take the place of any silent one.
    let mut config = limited(Duration::from_secs(600), Duration::from_secs(600));
    config.limits.eviction_grace = Some(Duration::ZERO);
    let sim = sim(config).await;
    let addr = sim.addr();
    let mut held = silent(addr, CAP).await;
    counters_until(&sim, "the cap is full", |c| {
        c.connections.open == CAP as u64
    })
    .await;

    // Act: 8 more silent connections, then a normal client, five times.
    let mut more = silent(addr, 8).await;
    counters_until(&sim, "each newcomer took an old one's place", |c| {
        c.connections.evicted == 8
    })
    .await;
    let mut attempts = Vec::new();
    for _ in 0..5 {
        let (status, tries) = read_until_answered(addr).await;
        assert_eq!(status, 200);
        attempts.push(tries);
        // The client sees the close a moment before the server's task gives its slot back; the
        // next client must find that slot free, or it evicts one more (a race the one test
        // binary, running every test at once, made visible).
        counters_until(&sim, "the normal client's slot is back", |c| {
            c.connections.open == CAP as u64 - 1
        })
        .await;
    }

    // Assert: the oldest were closed for the newcomers (8 silent ones, then one for the normal
    // client's first connection; each later one took the slot its predecessor freed), never
    // the newest; the normal client got in on its first try each time; nothing was refused.
    assert_eq!(closed_among(&mut held, 8 + 1).await, 8 + 1);
    assert_eq!(closed_among(&mut more, 0).await, 0, "a newcomer was closed");
    assert_eq!(attempts, [1; 5]);
    let c = sim.counters().connections;
    assert_eq!((c.refused, c.evicted), (0, 8 + 1), "{c:?}");
    assert!(c.open <= CAP as u64, "{c:?}");
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slowloris_that_reconnects_at_once_starves_no_normal_client() {
    // Arrange: a short header timeout and its default grace (75 ms); an attacker that holds
    // more silent connections than the cap and opens a new one whenever one is closed.
    let mut config = limited(Duration::from_millis(300), Duration::from_secs(60));
    config.limits.eviction_grace = None;
    let sim = sim(config).await;
    let addr = sim.addr();
    let stop = Arc::new(AtomicBool::new(false));
    let attackers: Vec<_> = (0..CAP * 2)
        .map(|_| {
            let stop = stop.clone();
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let Ok(mut s) = TcpStream::connect(addr).await else {
                        continue;
                    };
                    // Silent until the simulator closes it, or the attack ends.
                    let mut buf = [0u8; 1];
                    tokio::select! {
                        _ = tokio::io::AsyncReadExt::read(&mut s, &mut buf) => {}
                        _ = async { while !stop.load(Ordering::Relaxed) {
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        } } => {}
                    }
                }
            })
        })
        .collect();
    counters_until(&sim, "the attack fills the cap", |c| {
        c.connections.open == CAP as u64 && c.connections.evicted + c.connections.refused > 0
    })
    .await;

    // Act: a normal client reads the campaign five times while the attack goes on.
    let mut answers = Vec::new();
    let mut attempts = Vec::new();
    for _ in 0..5 {
        let (status, tries) = read_until_answered(addr).await;
        answers.push(status);
        attempts.push(tries);
    }
    stop.store(true, Ordering::Relaxed);
    for a in attackers {
        a.await.expect("attacker");
    }

    // Assert: every read answered; silent connections made room for newcomers.
    let end = sim.counters();
    eprintln!(
        "normal client's attempts per answer: {attempts:?}; {c:?}",
        c = end.connections
    );
    assert_eq!(answers, [200; 5]);
    assert!(end.connections.evicted >= 1, "{:?}", end.connections);
    assert_eq!(end.get("voicegenie campaign", "200"), 5);
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_head_trickled_a_byte_at_a_time_is_cut_off_at_the_header_timeout() {
    // Arrange
    let sim = sim(limited(Duration::from_millis(300), Duration::from_secs(60))).await;
    let mut s = TcpStream::connect(sim.addr()).await.expect("connect");
    let head = vg_read(DOC_SAMPLE_VOICEGENIE_ID);

    // Act: one byte every 20 ms, never the end of the head, until the simulator hangs up.
    let mut sent = 0;
    let give_up = tokio::time::Instant::now() + SAFETY;
    let mut closed = false;
    while tokio::time::Instant::now() < give_up {
        let byte = head[sent % (head.len() - 4)];
        if s.write_all(&[byte]).await.is_err() {
            closed = true;
            break;
        }
        sent += 1;
        let mut probe = [0u8; 64];
        match s.try_read(&mut probe) {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Ok(0) | Err(_) => {
                closed = true;
                break;
            }
            Ok(_) => panic!("the simulator answered a head that never ended"),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Assert: the bytes kept coming, yet the head timer was not reset by them.
    assert!(closed, "still open after {sent} bytes over {SAFETY:?}");
    let c = counters_until(&sim, "the cut counted", |c| {
        c.connections.header_timeouts == 1
    })
    .await
    .connections;
    assert_eq!((c.accepted, c.header_timeouts, c.idle_timeouts), (1, 1, 0));
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_never_comes_gets_a_408_and_frees_the_connection() {
    // Arrange: a start that promises 100 bytes of body and sends 2.
    let sim = sim(limited(Duration::from_millis(300), Duration::from_secs(60))).await;
    let request = String::from_utf8(kore_trigger("demo-voice", "play"))
        .expect("utf-8")
        .replace("content-length: 2", "content-length: 100");

    // Act
    let mut s = TcpStream::connect(sim.addr()).await.expect("connect");
    s.write_all(request.as_bytes()).await.expect("write");
    let got = closed_by_server(&mut s).await;

    // Assert: told why, then closed; the campaign untouched.
    assert_eq!(
        status_of(&got),
        Some(408),
        "{}",
        String::from_utf8_lossy(&got)
    );
    assert_eq!(body_of(&got)["error"], "BODY_TIMEOUT");
    let c = sim.counters();
    assert_eq!((c.connections.body_timeouts, c.connections.open), (1, 0));
    let read = one_shot(
        sim.addr(),
        &vg_read_and_close(DOC_SAMPLE_VOICEGENIE_ID),
        false,
    )
    .await;
    assert_eq!(read.ok().as_deref().and_then(status_of), Some(200));
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_kept_alive_connection_is_closed_after_the_idle_timeout() {
    // Arrange: a header timeout beyond the test, so only the idle timeout can close it.
    let sim = sim(limited(
        Duration::from_secs(600),
        Duration::from_millis(300),
    ))
    .await;
    let mut s = TcpStream::connect(sim.addr()).await.expect("connect");

    // Act: one request on a kept-alive connection, then silence.
    s.write_all(&vg_read(DOC_SAMPLE_VOICEGENIE_ID))
        .await
        .expect("write");
    let got = closed_by_server(&mut s).await;

    // Assert: answered, then closed by the idle timeout.
    assert_eq!(status_of(&got), Some(200));
    let c = counters_until(&sim, "the close counted", |c| {
        c.connections.idle_timeouts == 1
    })
    .await
    .connections;
    assert_eq!((c.idle_timeouts, c.header_timeouts), (1, 0));
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_header_timeout_spares_a_quiet_kept_alive_connection() {
    // Arrange: a short header timeout, a long idle one.
    let sim = sim(limited(
        Duration::from_millis(200),
        Duration::from_secs(600),
    ))
    .await;
    let mut s = TcpStream::connect(sim.addr()).await.expect("connect");
    let read = vg_read(DOC_SAMPLE_VOICEGENIE_ID);

    // Act: a request, then a quiet gap ten header timeouts long (hyper's own header timer,
    // which runs in that gap too, would close the connection in it), then another. The gap is
    // the scenario, not a wait for something to happen.
    let first = exchange_on(&mut s, &read).await;
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let second = exchange_on(&mut s, &read).await;

    // Assert: both answered on the one connection.
    assert_eq!(
        (status_of(&first), status_of(&second)),
        (Some(200), Some(200))
    );
    assert_eq!(sim.counters().connections.accepted, 1);
    assert_eq!(sim.counters().connections.header_timeouts, 0);
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_head_on_a_kept_alive_connection_is_timed_from_its_first_byte() {
    // Arrange: a short header timeout, a long idle one, and one request already answered on
    // the connection.
    let sim = sim(limited(
        Duration::from_millis(200),
        Duration::from_secs(600),
    ))
    .await;
    let mut s = TcpStream::connect(sim.addr()).await.expect("connect");
    let first = exchange_on(&mut s, &vg_read(DOC_SAMPLE_VOICEGENIE_ID)).await;
    assert_eq!(status_of(&first), Some(200));

    // Act: the first byte of a second request, and no more.
    s.write_all(b"G").await.expect("write");
    let got = closed_by_server(&mut s).await;

    // Assert: that head is timed from its first byte by the header timeout, not the idle one.
    assert!(got.is_empty(), "{:?}", String::from_utf8_lossy(&got));
    let c = counters_until(&sim, "the cut counted", |c| {
        c.connections.header_timeouts == 1
    })
    .await
    .connections;
    assert_eq!((c.header_timeouts, c.idle_timeouts), (1, 0));
    sim.stop().await;
}

/// Writes `request` on a kept-alive connection and reads one `content-length`-framed answer.
async fn exchange_on(s: &mut TcpStream, request: &[u8]) -> Vec<u8> {
    use tokio::io::AsyncReadExt;
    s.write_all(request).await.expect("write");
    let mut got = Vec::new();
    let read = async {
        loop {
            let mut chunk = [0u8; 4096];
            let n = s.read(&mut chunk).await.expect("read");
            assert!(
                n > 0,
                "closed mid-answer: {:?}",
                String::from_utf8_lossy(&got)
            );
            got.extend_from_slice(&chunk[..n]);
            if let Some(at) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                let len: usize = header_of(&got, "content-length")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                if got.len() >= at + 4 + len {
                    return;
                }
            }
        }
    };
    tokio::time::timeout(SAFETY, read)
        .await
        .expect("answered within SAFETY");
    got
}
