//! Hostile hosts, each run against by both clients (`--client lean`, `--client goose`): a host
//! that stalls, resets, streams an endless body, drips its head, answers 429 to everything,
//! answers garbage, sends a 2 MiB header, or (over TLS) redirects everything. Each is a
//! configured Kore.ai host (`--host` with `KORE_*` set: named campaign, JWT), driven by a tiny
//! voice start/stop scenario with no thresholds line, so the harness's defaults judge it.
//!
//! Every run must:
//! - **end within its stated bound**, [`bound`]: Goose launches the users over
//!   `users / hatch_rate` ([`RAMP`], 1 s), runs for `run_time` ([`RUN_TIME`], 2 s), then waits
//!   for each user's transaction in flight, which one request timeout ([`TIMEOUT`], 1 s) ends;
//!   the cleanup then takes at most [`campaign_api::CLEANUP_BOUND`] (10 s). That is 14 s, plus
//!   [`SLACK`] for the process starting, loading its schemas and writing its reports on a busy
//!   machine. The bound is an upper limit only: nothing here says how fast a run must be;
//! - **exit non-zero**: nothing was answered well (a campaign the run may have started that no
//!   status read confirmed halted is exit 3; a failed threshold exit 1);
//! - **never print `PASS`**: a run with no error rule is judged by `error-rate<1%`, and a run in
//!   which no request got an answer has nothing to pass on;
//! - **keep its credential**: the JWT is in none of stdout, stderr or the report files.

use crate::support::hostile::{self, Hostile};
use crate::support::{Tmp, Watched, bin, tmp};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A JWT that is not one (no host checks it here), and its signature on its own: neither may
/// leave the run.
const JWT: &str =
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJob3N0aWxlLXRlc3QifQ.aG9zdGlsZS1zaWduYXR1cmUtNzc0Mg";
const JWT_SIGNATURE: &str = "aG9zdGlsZS1zaWduYXR1cmUtNzc0Mg";

/// The scenario's `run_time`.
const RUN_TIME: Duration = Duration::from_secs(2);
/// The scenario's `[load] timeout`.
const TIMEOUT: Duration = Duration::from_secs(1);
/// Goose launching the scenario's 2 users at `hatch_rate = 2`, before its run time counts.
const RAMP: Duration = Duration::from_secs(1);
/// Room for the process itself (start, schemas, reports) on a machine shared with builders.
const SLACK: Duration = Duration::from_secs(6);

/// The bound a run must end within (see the module's doc): 20 s.
fn bound() -> Duration {
    RAMP + RUN_TIME + TIMEOUT + campaign_api::CLEANUP_BOUND + SLACK
}

/// The host a case runs against.
#[derive(Debug, Clone, Copy)]
enum Host {
    Plain(Hostile),
    /// HTTPS (trusted through `--ca-file`), every answer a 302.
    TlsRedirect,
}

/// What a run came to.
struct Ran {
    elapsed: Duration,
    code: Option<i32>,
    /// stdout and stderr, line by line as they came.
    text: String,
    /// The report files' contents, each with its name.
    reports: Vec<(String, String)>,
}

impl Ran {
    /// The verdict line (`PASS: …` / `FAIL: …`), if it printed one.
    fn verdict(&self) -> Option<&str> {
        self.text
            .lines()
            .rev()
            .find(|l| l.starts_with("PASS") || l.starts_with("FAIL"))
    }
}

/// The scenario, its reports in `dir`.
fn scenario(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join("hostile.toml");
    let report = |ext: &str| dir.join(format!("hostile.{ext}")).display().to_string();
    std::fs::write(
        &path,
        format!(
            r#"name = "hostile-{name}"
description = "a hostile host: it must not hold the run past its bound, nor pass it"
vendor = "kore"

[[flow]]
name = "start-stop"
steps = ["voice-start-v1", "voice-stop-v1"]

[campaigns]
mode = "shared"
id = "cmp-hostile-1"

[load]
users = 2
hatch_rate = 2
run_time = "{run}s"
timeout = "{timeout}s"

[report]
html = '{html}'
markdown = '{md}'
summary = '{summary}'
junit = '{junit}'
"#,
            run = RUN_TIME.as_secs(),
            timeout = TIMEOUT.as_secs(),
            html = report("html"),
            md = report("md"),
            summary = report("summary.json"),
            junit = report("junit.xml"),
        ),
    )
    .expect("scenario");
    path
}

/// Runs the scenario against `host` with `client` (`lean` or `goose`), in a folder of its own
/// (kept, if the test fails, while the caller holds it).
fn run(host: Host, client: &str) -> (Tmp, Ran) {
    let name = match host {
        Host::Plain(kind) => format!("{kind:?}-{client}").to_lowercase(),
        Host::TlsRedirect => format!("tlsredirect-{client}"),
    };
    let dir = tmp(&format!("hostile-{name}"));
    let (base, ca) = start(host, &dir);
    let ran = run_against(&dir, &name, &base, ca.as_deref(), client);
    // One row of the table a reader of `--nocapture` gets.
    eprintln!(
        "hostile {name}: ended in {:.1} s (bound {} s), exit {:?}, verdict {:?}",
        ran.elapsed.as_secs_f64(),
        bound().as_secs(),
        ran.code,
        ran.verdict().unwrap_or("(none)")
    );
    (dir, ran)
}

/// Starts `host`; its base URL, and the CA file that trusts it (HTTPS only), written in `dir`.
fn start(host: Host, dir: &Path) -> (String, Option<PathBuf>) {
    match host {
        Host::Plain(kind) => (format!("http://127.0.0.1:{}", hostile::serve(kind)), None),
        Host::TlsRedirect => {
            let pair = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()])
                .expect("rcgen makes a certificate");
            let (cert, key) = (pair.cert.pem(), pair.signing_key.serialize_pem());
            let ca = dir.join("host-cert.pem");
            std::fs::write(&ca, &cert).expect("write cert");
            let port = hostile::tls_redirect(&cert, &key);
            (format!("https://127.0.0.1:{port}"), Some(ca))
        }
    }
}

/// Runs the scenario, its files and journal in `dir`, against the configured host `base`.
fn run_against(dir: &Path, name: &str, base: &str, ca: Option<&Path>, client: &str) -> Ran {
    let path = scenario(dir, name);
    let mut command = bin(dir);
    if let Some(ca) = ca {
        command.arg("--ca-file").arg(ca);
    }
    command
        .envs([
            ("KORE_BASE_URL", base),
            ("KORE_JWT", JWT),
            ("KORE_ACCOUNT_ID", "acc-hostile"),
            ("KORE_APP_ID", "st-hostile"),
            ("KORE_VOICE_CAMPAIGN_ID", "cmp-hostile-1"),
        ])
        .args(["--host", base, "--client", client, "--scenario"])
        .arg(&path);

    let started = Instant::now();
    let mut child = Watched::spawn(&mut command);
    // Ten times the bound turns a hang into a failure with what it printed; the bound itself is
    // asserted by the caller, on the time measured.
    let status = child.wait_for_exit(10 * bound());
    let elapsed = started.elapsed();
    let mut reports = Vec::new();
    for ext in ["html", "md", "summary.json", "junit.xml"] {
        let file = format!("hostile.{ext}");
        if let Ok(text) = std::fs::read_to_string(dir.join(&file)) {
            reports.push((file, text));
        }
    }
    Ran {
        elapsed,
        code: status.code(),
        text: child.text(),
        reports,
    }
}

/// Runs `client` against `host` and holds the run to what every hostile host must not change
/// (see the module's doc); every broken promise is named at once, then what the run printed.
fn assert_held(host: Host, client: &str) -> (Tmp, Ran) {
    // Act
    let (dir, ran) = run(host, client);

    // Assert
    let t = &ran.text;
    let mut broken = Vec::new();
    if ran.elapsed > bound() {
        broken.push(format!(
            "ended in {:.1} s, past its bound of {} s",
            ran.elapsed.as_secs_f64(),
            bound().as_secs()
        ));
    }
    if ran.code.is_none_or(|c| c == 0) {
        broken.push(format!("exit {:?}", ran.code));
    }
    if t.lines().any(|l| l.contains("PASS")) {
        broken.push("a hostile host passed".into());
    }
    if ran.verdict().is_none() {
        broken.push("no verdict line".into());
    }
    if ran.reports.is_empty() {
        broken.push("no report was written".into());
    }
    for secret in [JWT, JWT_SIGNATURE] {
        if t.contains(secret) {
            broken.push("the credential reached the output".into());
        }
        for (file, text) in &ran.reports {
            if text.contains(secret) {
                broken.push(format!("the credential reached {file}"));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "{host:?} --client {client}: {}:\n{t}",
        broken.join("; ")
    );
    (dir, ran)
}

/// A run on a host that never confirms a stop leaves its campaign in the journal; the next run
/// against that host stops it first, which may take one more [`campaign_api::CLEANUP_BOUND`]
/// before its own run begins. Its bound is [`bound`] plus that; nothing else may be added (a
/// probe that ran `--client goose` after `--client lean` on one stalling host, with the default
/// journal, measured 40 s against 30 s: this, not the client).
#[test]
fn a_second_run_on_a_host_that_never_confirms_stops_the_leftover_first_within_one_more_cleanup_bound()
 {
    // Arrange: one stalling host, one journal, a first run that leaves its campaign there.
    let dir = tmp("hostile-leftover");
    let (base, _) = start(Host::Plain(Hostile::Stall), &dir);
    let first = run_against(&dir, "leftover-1", &base, None, "lean");
    assert!(first.text.contains("CHECK IT BY HAND"), "{}", first.text);

    // Act
    let second = run_against(&dir, "leftover-2", &base, None, "goose");
    eprintln!(
        "hostile leftover: the second run ended in {:.1} s (bound {} s + one cleanup bound), exit {:?}",
        second.elapsed.as_secs_f64(),
        bound().as_secs(),
        second.code
    );

    // Assert: it said what it did first, and ended within the bound plus that one cleanup.
    let t = &second.text;
    assert!(
        t.contains("an earlier run left 1 started (cmp-hostile-1); stopped first"),
        "{t}"
    );
    let stated = bound() + campaign_api::CLEANUP_BOUND;
    assert!(
        second.elapsed <= stated,
        "ended in {:.1} s, past {} s:\n{t}",
        second.elapsed.as_secs_f64(),
        stated.as_secs()
    );
    assert!(second.code.is_some_and(|c| c != 0), "{t}");
}

/// Every hostile host × both clients, run at once (each run is a process of its own, mostly
/// waiting on its host): one test, so the suite pays for the slowest case, not for the sum. A
/// case that breaks its promises panics in its thread, keeping its folder; every broken case is
/// named together.
#[test]
fn every_hostile_host_is_held_by_both_clients() {
    let hosts = [
        Host::Plain(Hostile::Stall),
        Host::Plain(Hostile::Reset),
        Host::Plain(Hostile::EndlessBody),
        Host::Plain(Hostile::Drip),
        Host::Plain(Hostile::Storm429),
        Host::Plain(Hostile::Garbage),
        Host::Plain(Hostile::HugeHeader),
        Host::TlsRedirect,
    ];
    let failures: Vec<String> = std::thread::scope(|scope| {
        let cases: Vec<_> = hosts
            .iter()
            .flat_map(|h| ["lean", "goose"].map(|c| (*h, c)))
            .map(|(host, client)| {
                scope.spawn(move || {
                    let (_dir, ran) = assert_held(host, client);
                    // Both clients read a body no further than campaign-api's limit: a host
                    // streaming without end costs each request its limit, not its timeout.
                    if matches!(host, Host::Plain(Hostile::EndlessBody)) {
                        assert!(ran.text.contains("transport too-large"), "{}", ran.text);
                        assert!(!ran.text.contains("transport timeout"), "{}", ran.text);
                    }
                })
            })
            .collect();
        cases
            .into_iter()
            .filter_map(|case| case.join().err())
            .map(|e| {
                e.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "a case panicked".into())
            })
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
