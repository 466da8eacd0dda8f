//! The guard against a plain-socket Kore.ai host of the test's own that counts what reached
//! it, path by path: starts that never reached the host, shared campaigns, leftovers named and
//! not named.

use super::*;
use crate::client::ClientConfig;
use crate::credential::Credential;
use crate::target::Campaigns;
use secrecy::SecretString;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};

/// Requests that reached the host, by request line (`POST /campaign/… HTTP/1.1`).
type Seen = Arc<Mutex<HashMap<String, usize>>>;

/// A Kore.ai host answering every stop with the documented stop answer and every status read
/// with `Stopped`; 127.0.0.1 only, threads that end with the test process.
fn kore_host() -> (Target, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let seen: Seen = Arc::default();
    let counted = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let counted = Arc::clone(&counted);
            std::thread::spawn(move || serve(stream, &counted));
        }
    });
    let target = Target::new(
        Vendor::Kore,
        crate::target::parse_base_url("KORE_BASE_URL", &format!("http://127.0.0.1:{port}"))
            .expect("url"),
        Credential::KoreJwt(SecretString::from("guard.unit.jwt")),
    )
    .with_kore_ids("acc-u", "st-u", None);
    (target, seen)
}

fn serve(stream: TcpStream, seen: &Mutex<HashMap<String, usize>>) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let mut head = Vec::new();
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) if line == "\r\n" => break,
                Ok(_) => head.push(line),
            }
        }
        let length = head
            .iter()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let request = head.first().map(|l| l.trim_end().to_string());
        let request = request.unwrap_or_default();
        *lock(seen).entry(request.clone()).or_default() += 1;
        let body = if request.contains("/status?") {
            r#"{"status":"success","data":{"id":"cd-1","status":"Stopped","name":"u"}}"#
        } else {
            r#"{"status":"Stopped","message":"Campaign Stopped","updatedAt":"2025-06-27T07:13:51.444Z","campaignInstanceId":"cid-1"}"#
        };
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        if writer.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}

/// Requests to `campaign` that reached the host.
fn reached(seen: &Seen, campaign: &str) -> usize {
    lock(seen)
        .iter()
        .filter(|(line, _)| line.contains(&format!("/campaign/{campaign}")))
        .map(|(_, n)| n)
        .sum()
}

fn guard() -> CleanupGuard {
    CleanupGuard::new(
        Client::new(ClientConfig::default()).expect("client"),
        "guard-unit",
    )
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("guard-unit-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn lifecycle() -> Arc<Lifecycle> {
    Arc::new(Lifecycle::embedded(Vendor::Kore).expect("rules"))
}

const STOP: OperationId = OperationId::KoreVoiceStopV1;

#[tokio::test]
async fn a_campaign_no_start_reached_is_not_stopped_and_is_settled_as_never_started() {
    // Arrange: two starts to cmp-a, both refused at connect; the journal holds it.
    let (target, seen) = kore_host();
    let dir = temp_dir("never");
    let guard = guard().with_journal(dir.clone());
    let rules = lifecycle();
    for _ in 0..2 {
        guard.started(&target, STOP, &rules, "cmp-a").unwrap();
        guard.start_not_sent(Vendor::Kore, "cmp-a");
    }

    // Act
    let out = guard.finish_pending().await;

    // Assert: reported never started, nothing sent, and the journal settled (removed).
    assert_eq!(out.len(), 1, "{out:?}");
    let s = &out[0];
    assert!(s.never_started && s.halted, "{s:?}");
    assert_eq!(s.calls, 0);
    assert_eq!(
        s.line,
        "kore cmp-a: never started: no start reached the host"
    );
    assert_eq!(reached(&seen, "cmp-a"), 0, "{:?}", lock(&seen));
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
    assert!(left.is_empty(), "journal kept: {left:?}");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn a_shared_campaign_one_user_reached_is_stopped_whatever_order_the_others_failed_in() {
    // Arrange: user A's start to the shared cmp-x is refused while user B's connects; the
    // refusal is noted before B's start in one guard, after it in the other.
    let (target, seen) = kore_host();
    let rules = lifecycle();
    let refused_first = guard();
    refused_first
        .started(&target, STOP, &rules, "cmp-x")
        .unwrap();
    refused_first.start_not_sent(Vendor::Kore, "cmp-x");
    refused_first
        .started(&target, STOP, &rules, "cmp-x")
        .unwrap();
    let refused_last = guard();
    refused_last
        .started(&target, STOP, &rules, "cmp-y")
        .unwrap();
    refused_last
        .started(&target, STOP, &rules, "cmp-y")
        .unwrap();
    refused_last.start_not_sent(Vendor::Kore, "cmp-y");

    // Act
    let x = refused_first.finish_pending().await;
    let y = refused_last.finish_pending().await;

    // Assert: each stopped and read once, confirmed halted, not taken for never started.
    for (out, id) in [(&x, "cmp-x"), (&y, "cmp-y")] {
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(out[0].halted && !out[0].never_started, "{out:?}");
        assert_eq!(out[0].calls, 2, "{out:?}");
        assert_eq!(reached(&seen, id), 2, "{id}: {:?}", lock(&seen));
    }
}

#[tokio::test]
async fn not_sent_for_a_campaign_never_noted_changes_nothing_and_a_sent_one_is_stopped() {
    // Arrange: cmp-b started and sent; a stray not-sent for an id never under the guard.
    let (target, seen) = kore_host();
    let guard = guard();
    guard.started(&target, STOP, &lifecycle(), "cmp-b").unwrap();
    guard.start_not_sent(Vendor::Kore, "cmp-other");

    // Act
    let out = guard.finish_pending().await;

    // Assert
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(out[0].halted && !out[0].never_started, "{out:?}");
    assert_eq!(reached(&seen, "cmp-b"), 2);
    assert_eq!(reached(&seen, "cmp-other"), 0);
}

#[tokio::test]
async fn leftovers_not_named_are_left_alone_and_kept_in_the_journal() {
    // Arrange: an ended run's journal with three leftovers; the target names two of them.
    let (target, seen) = kore_host();
    let dir = temp_dir("named");
    let ended = Journal::open(&dir, Vendor::Kore, &target.host_label()).unwrap();
    for id in ["cmp-1", "cmp-2", "cmp-3"] {
        ended.started(id, STOP).unwrap();
    }
    drop(ended); // its lock goes with it, as with a run that has ended
    let named = target.clone().with_campaigns(Campaigns {
        voice: vec![
            CampaignId::new("cmp-1").unwrap(),
            CampaignId::new("cmp-3").unwrap(),
        ],
        sms: Vec::new(),
    });
    let guard = guard().with_journal(dir.clone());

    // Act
    let found = guard.stop_leftovers(&named, &lifecycle()).await.unwrap();
    let later = guard.pending_ids();
    drop(guard);

    // Assert: the named two stopped (one stop and one read each), cmp-2 untouched and still
    // journaled for a cleanup that names it.
    let ids = |v: &[CampaignId]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
    assert_eq!(ids(&found.campaigns), ["cmp-1", "cmp-3"]);
    assert_eq!(ids(&found.left_alone), ["cmp-2"]);
    assert!(found.stopped.iter().all(|s| s.halted), "{found:?}");
    assert_eq!(reached(&seen, "cmp-1"), 2);
    assert_eq!(reached(&seen, "cmp-3"), 2);
    assert_eq!(reached(&seen, "cmp-2"), 0, "{:?}", lock(&seen));
    assert!(later.is_empty(), "{later:?}");
    assert!(
        found.to_string().contains("1 left started by an earlier run is not among the campaigns named here (cmp-2): left alone, kept in the journal"),
        "{found}"
    );
    // The guard's file is unlocked when the guard drops; a process another test spawns at that
    // moment (`mkfifo`) holds a copy of the descriptor, and so the lock, until it execs. A locked
    // journal is one in use: read again until it is free, within a bound.
    let next = Journal::open(&dir, Vendor::Kore, &target.host_label()).unwrap();
    let bound = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let kept: Vec<String> = loop {
        let orphans = next.orphans().unwrap();
        let kept: Vec<String> = orphans
            .iter()
            .flat_map(|(_, left)| left.iter().map(|l| l.campaign.to_string()))
            .collect();
        if !kept.is_empty() || std::time::Instant::now() > bound {
            break kept;
        }
        drop(orphans);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    };
    assert_eq!(kept, ["cmp-2"]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn progress_reads_as_a_person_says_it() {
    let p = CleanupProgress {
        done: 1000,
        total: 3000,
        elapsed: Duration::from_millis(12_400),
    };
    assert_eq!(p.to_string(), "1000 of 3000 stopped, 12 s");
}
