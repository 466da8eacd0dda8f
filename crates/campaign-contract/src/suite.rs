//! The lifecycle suite: drives each vendor's campaigns through their documented lifecycle and
//! checks every answer against the contract.
//!
//! Against a sandbox it touches only the campaigns named in env, refuses to touch one that is
//! already running, and stops (VoiceGenie: pauses) everything it started, also when a step fails
//! or the suite panics ([`CleanupGuard`]).

use crate::check::{Assumptions, Checker, is_unavailable_status};
use crate::environment::{Environment, Kind, VendorTarget};
use crate::finding::{Class, Finding, describe};
use crate::report::{Report, StepResult, TargetLine};
use campaign_api::{
    CallError, CampaignId, Channel, Client, ClientConfig, OperationId, RenderedRequest, Source,
    Target, Vendor,
};
use http::HeaderValue;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What a step expects back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// This exact, documented status.
    Status(u16),
    /// Any 4xx with a JSON body: the vendor documents nothing more.
    Undocumented4xx,
}

/// How a step alters the rendered request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tamper {
    /// Send as rendered.
    None,
    /// Remove the credential header.
    NoCredential,
    /// Replace the credential with a wrong one.
    WrongCredential,
}

/// An exchange kept for snapshots.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Whose API.
    pub vendor: Vendor,
    /// The operation.
    pub operation: OperationId,
    /// The step.
    pub step: String,
    /// Simulator or sandbox.
    pub kind: Kind,
    /// Response status.
    pub status: u16,
    /// True when the vendor documents this status's body.
    pub documented: bool,
    /// The body, when it was JSON.
    pub body: Option<Value>,
}

/// What a run produced.
#[derive(Debug)]
pub struct Outcome {
    /// The drift report.
    pub report: Report,
    /// Every exchange with a response, for snapshots.
    pub exchanges: Vec<Recorded>,
}

struct Started {
    target: Target,
    stop: OperationId,
    campaign: CampaignId,
}

/// Stops every campaign the suite started and has not stopped yet: explicitly through
/// [`CleanupGuard::finish`], or on drop (a panic in a test) from a thread of its own.
pub struct CleanupGuard {
    client: Client,
    started: Arc<Mutex<Vec<Started>>>,
}

impl std::fmt::Debug for CleanupGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.started.lock().map(|s| s.len()).unwrap_or(0);
        f.debug_struct("CleanupGuard").field("pending", &n).finish()
    }
}

async fn stop_all(client: &Client, pending: Vec<Started>) -> Vec<String> {
    let mut lines = Vec::new();
    for s in pending {
        let label = format!("{} {}", s.target.vendor, s.campaign);
        // A stop that meets a 5xx or 429 is retried a few times: leaving a campaign dialing is
        // the one outcome the suite must avoid.
        let mut outcome = String::new();
        for attempt in 0..4 {
            match client.call(&s.target, s.stop, s.campaign.as_str()).await {
                Ok(x) if is_unavailable_status(x.status.as_u16()) && attempt < 3 => {
                    tokio::time::sleep(Duration::from_millis(500 * (attempt + 1))).await;
                }
                Ok(x) => {
                    let status = x.status.as_u16();
                    // 2xx stopped it; 400 is the "not running" answer (documented for
                    // VoiceGenie, assumed for Kore.ai); anything else leaves it uncertain.
                    let verdict = if x.status.is_success() || status == 400 {
                        ""
                    } else {
                        " -- STOP IT BY HAND"
                    };
                    outcome = format!("{label}: {} answered {status}{verdict}", s.stop);
                    break;
                }
                Err(e) if attempt < 3 => {
                    outcome = format!("{label}: {} failed: {e}", s.stop);
                    tokio::time::sleep(Duration::from_millis(500 * (attempt + 1))).await;
                }
                Err(e) => {
                    outcome = format!("{label}: {} failed: {e} -- STOP IT BY HAND", s.stop);
                }
            }
        }
        lines.push(outcome);
    }
    lines
}

impl CleanupGuard {
    fn new(client: Client) -> CleanupGuard {
        CleanupGuard {
            client,
            started: Arc::new(Mutex::new(Vec::new())),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Started>> {
        match self.started.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    fn started(&self, target: &Target, stop: OperationId, campaign: &CampaignId) {
        let mut list = self.lock();
        if !list
            .iter()
            .any(|s| s.campaign == *campaign && s.target.vendor == target.vendor)
        {
            list.push(Started {
                target: target.clone(),
                stop,
                campaign: campaign.clone(),
            });
        }
    }

    fn stopped(&self, vendor: Vendor, campaign: &CampaignId) {
        self.lock()
            .retain(|s| !(s.campaign == *campaign && s.target.vendor == vendor));
    }

    /// Stops whatever is still running; returns one line per campaign.
    pub async fn finish(self) -> Vec<String> {
        let pending = std::mem::take(&mut *self.lock());
        stop_all(&self.client, pending).await
    }
}

impl Drop for CleanupGuard {
    fn drop(&mut self) {
        let pending = std::mem::take(&mut *self.lock());
        if pending.is_empty() {
            return;
        }
        let client = self.client.clone();
        // Drop cannot await, and may run inside a runtime: stop from a thread with its own.
        let handle = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            match rt {
                Ok(rt) => {
                    for line in rt.block_on(stop_all(&client, pending)) {
                        eprintln!("campaign-contract cleanup: {line}");
                    }
                }
                Err(e) => eprintln!(
                    "campaign-contract cleanup: no runtime ({e}); campaigns may still run"
                ),
            }
        });
        let _ = handle.join();
    }
}

/// Runs the suite against every target of `env`.
pub async fn run(env: &Environment, checker: &Checker, strict: bool) -> Outcome {
    let client = match Client::new(ClientConfig::default()) {
        Ok(c) => c,
        Err(e) => {
            let mut report = Report {
                strict,
                ..Report::default()
            };
            report
                .cleanup
                .push(format!("could not build the HTTP client: {e}"));
            return Outcome {
                report,
                exchanges: Vec::new(),
            };
        }
    };
    let mut run = Run {
        client: client.clone(),
        checker,
        guard: CleanupGuard::new(client),
        report: Report {
            strict,
            ..Report::default()
        },
        exchanges: Vec::new(),
    };
    for vt in &env.targets {
        let mut line = TargetLine {
            vendor: vt.target.vendor.slug().into(),
            kind: vt.kind.label().into(),
            host: vt.target.host_label(),
            skipped: None,
        };
        let skipped = match vt.target.vendor {
            Vendor::Kore => run.kore(vt).await,
            Vendor::VoiceGenie => run.voicegenie(vt).await,
        };
        if !skipped.is_empty() {
            line.skipped = Some(skipped.join("; "));
        }
        run.report.targets.push(line);
    }
    let Run {
        guard,
        mut report,
        exchanges,
        ..
    } = run;
    report.cleanup.extend(guard.finish().await);
    report.redact(&env.secret_values());
    Outcome { report, exchanges }
}

struct Run<'a> {
    client: Client,
    checker: &'a Checker,
    guard: CleanupGuard,
    report: Report,
    exchanges: Vec<Recorded>,
}

fn tamper(request: &mut RenderedRequest, how: Tamper) {
    use campaign_api::credential::{AUTH, X_API_KEY};
    let names = [&AUTH, &X_API_KEY, &http::header::COOKIE];
    match how {
        Tamper::None => {}
        Tamper::NoCredential => {
            for n in names {
                request.headers.remove(n);
            }
        }
        Tamper::WrongCredential => {
            for n in names {
                if let Some(v) = request.headers.get_mut(n) {
                    let mut wrong = HeaderValue::from_static(if *n == http::header::COOKIE {
                        "token=invalid.credential.harness"
                    } else {
                        "invalid.credential.harness"
                    });
                    wrong.set_sensitive(true);
                    *v = wrong;
                }
            }
        }
    }
}

impl Run<'_> {
    #[allow(clippy::too_many_arguments)]
    async fn step(
        &mut self,
        vt: &VendorTarget,
        op: OperationId,
        label: &str,
        campaign: &str,
        expect: Expect,
        how: Tamper,
    ) -> Option<(u16, Option<Value>)> {
        let spec = op.spec();
        let assumptions = match vt.kind {
            Kind::Simulator => Assumptions::Enforce,
            Kind::Sandbox => Assumptions::JsonOnly,
        };
        let result = match op.render(&vt.target, campaign) {
            Ok(mut request) => {
                tamper(&mut request, how);
                self.client
                    .send(request)
                    .await
                    .map_err(CallError::Transport)
            }
            Err(e) => Err(CallError::Render(e)),
        };
        let mut findings = self.checker.check_result(op, label, &result, assumptions);
        let (status, body, elapsed) = match &result {
            Ok(x) => (
                Some(x.status.as_u16()),
                serde_json::from_slice::<Value>(&x.body).ok(),
                x.elapsed,
            ),
            Err(_) => (None, None, Duration::ZERO),
        };
        let already_flagged = findings.iter().any(|f| f.rule == "status");
        if let Some(s) = status
            && !already_flagged
            && !is_unavailable_status(s)
        {
            let (ok, want) = match expect {
                Expect::Status(want) => (s == want, want.to_string()),
                Expect::Undocumented4xx => ((400..500).contains(&s), "4xx".to_string()),
            };
            if !ok {
                findings.push(Finding {
                    vendor: spec.vendor.slug().into(),
                    operation: spec.qualified_name(),
                    step: label.into(),
                    status: Some(s),
                    pointer: String::new(),
                    rule: "status".into(),
                    expected: format!("{want} ({label})"),
                    actual: s.to_string(),
                    class: Class::Breaking,
                    source: spec
                        .response(s)
                        .map_or(spec.source, |r| r.source)
                        .to_string(),
                });
            }
        }
        let undocumented = expect == Expect::Undocumented4xx
            || status
                .and_then(|s| spec.response(s))
                .is_some_and(|r| r.source == Source::Assumption);
        if let Some(s) = status {
            self.exchanges.push(Recorded {
                vendor: spec.vendor,
                operation: op,
                step: label.into(),
                kind: vt.kind,
                status: s,
                documented: spec.response(s).is_some_and(|r| r.source.is_documented()),
                body: body.clone(),
            });
        }
        self.report.steps.push(StepResult {
            vendor: spec.vendor.slug().into(),
            operation: spec.qualified_name(),
            source: spec.source.to_string(),
            step: label.into(),
            expected: match expect {
                Expect::Status(s) => s.to_string(),
                Expect::Undocumented4xx => "4xx".into(),
            },
            status,
            undocumented,
            elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            findings,
        });
        status.map(|s| (s, body))
    }

    /// A start step. The campaign goes under the cleanup guard before the request is sent: a
    /// start whose answer is lost (timeout, reset, 5xx) may still have started it.
    async fn start(
        &mut self,
        vt: &VendorTarget,
        op: OperationId,
        stop: OperationId,
        label: &str,
        campaign: &CampaignId,
        expect: Expect,
    ) {
        self.guard.started(&vt.target, stop, campaign);
        self.step(vt, op, label, campaign.as_str(), expect, Tamper::None)
            .await;
    }

    /// A stop step: on success the campaign leaves the cleanup guard.
    async fn stop(
        &mut self,
        vt: &VendorTarget,
        op: OperationId,
        label: &str,
        campaign: &CampaignId,
        expect: Expect,
    ) {
        if let Some((200, _)) = self
            .step(vt, op, label, campaign.as_str(), expect, Tamper::None)
            .await
        {
            self.guard.stopped(vt.target.vendor, campaign);
        }
    }

    /// A status read that must report `want` at `pointer`.
    async fn state(
        &mut self,
        vt: &VendorTarget,
        op: OperationId,
        label: &str,
        campaign: &CampaignId,
        pointer: &str,
        want: &str,
    ) {
        let Some((200, Some(body))) = self
            .step(
                vt,
                op,
                label,
                campaign.as_str(),
                Expect::Status(200),
                Tamper::None,
            )
            .await
        else {
            return;
        };
        let got = body.pointer(pointer);
        if got.and_then(Value::as_str) != Some(want)
            && let Some(step) = self.report.steps.last_mut()
        {
            let spec = op.spec();
            step.findings.push(Finding {
                vendor: spec.vendor.slug().into(),
                operation: spec.qualified_name(),
                step: label.into(),
                status: Some(200),
                pointer: pointer.into(),
                rule: "lifecycle".into(),
                expected: format!("{want:?}"),
                actual: describe(got),
                class: Class::Breaking,
                source: spec.source.to_string(),
            });
        }
    }

    /// Reads the campaign's state first: the suite never touches a campaign that is running.
    async fn is_idle(
        &mut self,
        vt: &VendorTarget,
        op: OperationId,
        campaign: &CampaignId,
        pointer: &str,
        running: &str,
    ) -> Result<(), String> {
        match self
            .step(
                vt,
                op,
                "state before the run",
                campaign.as_str(),
                Expect::Status(200),
                Tamper::None,
            )
            .await
        {
            Some((200, Some(body)))
                if body.pointer(pointer).and_then(Value::as_str) == Some(running) =>
            {
                Err(format!(
                    "campaign {campaign} is already {running}; the suite does not touch a running campaign"
                ))
            }
            Some((200, _)) => Ok(()),
            Some((s, _)) => Err(format!(
                "could not read the state of campaign {campaign} (status {s}); not touching it"
            )),
            None => Err(format!(
                "could not read the state of campaign {campaign}; not touching it"
            )),
        }
    }

    async fn kore(&mut self, vt: &VendorTarget) -> Vec<String> {
        use OperationId::*;
        let mut skipped = Vec::new();
        let loose = Expect::Undocumented4xx;
        match vt.target.campaigns.for_channel(Channel::Voice).cloned() {
            Some(c) => match self
                .is_idle(vt, KoreStatusV1, &c, "/data/status", "Active")
                .await
            {
                Ok(()) => {
                    self.start(
                        vt,
                        KoreVoiceStartV1,
                        KoreVoiceStopV1,
                        "start",
                        &c,
                        Expect::Status(200),
                    )
                    .await;
                    self.state(
                        vt,
                        KoreStatusV1,
                        "state after start",
                        &c,
                        "/data/status",
                        "Active",
                    )
                    .await;
                    self.start(
                        vt,
                        KoreVoiceStartV1,
                        KoreVoiceStopV1,
                        "start again",
                        &c,
                        loose,
                    )
                    .await;
                    self.stop(vt, KoreVoiceStopV1, "stop", &c, Expect::Status(200))
                        .await;
                    self.state(
                        vt,
                        KoreStatusV2,
                        "state after stop",
                        &c,
                        "/data/status",
                        "Stopped",
                    )
                    .await;
                    self.stop(vt, KoreVoiceStopV1, "stop again", &c, loose)
                        .await;
                    self.start(
                        vt,
                        KoreVoiceStartV2,
                        KoreVoiceStopV2,
                        "start after stop",
                        &c,
                        Expect::Status(200),
                    )
                    .await;
                    self.stop(vt, KoreVoiceStopV2, "stop", &c, Expect::Status(200))
                        .await;
                }
                Err(why) => skipped.push(format!("voice: {why}")),
            },
            None => skipped.push("voice: KORE_VOICE_CAMPAIGN_ID not set".into()),
        }
        match vt.target.campaigns.for_channel(Channel::Sms).cloned() {
            Some(c) => match self
                .is_idle(vt, KoreStatusV2, &c, "/data/status", "Active")
                .await
            {
                Ok(()) => {
                    self.start(
                        vt,
                        KoreSmsStartV1,
                        KoreSmsStopV1,
                        "start",
                        &c,
                        Expect::Status(200),
                    )
                    .await;
                    self.start(vt, KoreSmsStartV2, KoreSmsStopV2, "start again", &c, loose)
                        .await;
                    self.stop(vt, KoreSmsStopV2, "stop", &c, Expect::Status(200))
                        .await;
                    self.start(
                        vt,
                        KoreSmsStartV2,
                        KoreSmsStopV2,
                        "start after stop",
                        &c,
                        Expect::Status(200),
                    )
                    .await;
                    self.stop(vt, KoreSmsStopV1, "stop", &c, Expect::Status(200))
                        .await;
                    self.stop(vt, KoreSmsStopV1, "stop again", &c, loose).await;
                }
                Err(why) => skipped.push(format!("sms: {why}")),
            },
            None => skipped.push("sms: KORE_SMS_CAMPAIGN_ID not set".into()),
        }
        // Read-only negatives: nothing here can start a campaign.
        let unknown = format!("harness-unknown-{}", uuid::Uuid::new_v4());
        self.step(
            vt,
            KoreStatusV1,
            "unknown campaign",
            &unknown,
            loose,
            Tamper::None,
        )
        .await;
        let any = vt
            .target
            .campaigns
            .voice
            .clone()
            .or(vt.target.campaigns.sms.clone())
            .map_or(unknown, |c| c.to_string());
        self.step(
            vt,
            KoreStatusV1,
            "missing credentials",
            &any,
            loose,
            Tamper::NoCredential,
        )
        .await;
        self.step(
            vt,
            KoreStatusV1,
            "wrong credentials",
            &any,
            loose,
            Tamper::WrongCredential,
        )
        .await;
        skipped
    }

    async fn voicegenie(&mut self, vt: &VendorTarget) -> Vec<String> {
        use OperationId::*;
        let mut skipped = Vec::new();
        let status = "/data/campaign_status";
        match vt.target.campaigns.voice.clone() {
            Some(c) => match self
                .is_idle(vt, VoiceGenieCampaign, &c, status, "running")
                .await
            {
                Ok(()) => {
                    self.start(
                        vt,
                        VoiceGenieStart,
                        VoiceGeniePause,
                        "start",
                        &c,
                        Expect::Status(200),
                    )
                    .await;
                    self.state(
                        vt,
                        VoiceGenieCampaign,
                        "state after start",
                        &c,
                        status,
                        "running",
                    )
                    .await;
                    self.start(
                        vt,
                        VoiceGenieStart,
                        VoiceGeniePause,
                        "start again",
                        &c,
                        Expect::Status(400),
                    )
                    .await;
                    self.stop(vt, VoiceGeniePause, "pause", &c, Expect::Status(200))
                        .await;
                    self.state(
                        vt,
                        VoiceGenieCampaign,
                        "state after pause",
                        &c,
                        status,
                        "paused",
                    )
                    .await;
                    self.stop(vt, VoiceGeniePause, "pause again", &c, Expect::Status(400))
                        .await;
                }
                Err(why) => skipped.push(why),
            },
            None => skipped.push("VOICEGENIE_CAMPAIGN_ID not set".into()),
        }
        let unknown = uuid::Uuid::new_v4().to_string();
        self.step(
            vt,
            VoiceGenieCampaign,
            "unknown campaign",
            &unknown,
            Expect::Status(404),
            Tamper::None,
        )
        .await;
        if vt.kind == Kind::Simulator {
            // Safe only where no one can be dialled: a start on an unknown id and on a campaign
            // lacking configuration exercise the documented 404 and 422.
            self.step(
                vt,
                VoiceGenieStart,
                "start unknown campaign",
                &unknown,
                Expect::Status(404),
                Tamper::None,
            )
            .await;
            self.step(
                vt,
                VoiceGenieStart,
                "start unconfigured campaign",
                "vg-missing-config",
                Expect::Status(422),
                Tamper::None,
            )
            .await;
        }
        let any = vt
            .target
            .campaigns
            .voice
            .clone()
            .map_or(unknown, |c| c.to_string());
        self.step(
            vt,
            VoiceGenieCampaign,
            "missing credentials",
            &any,
            Expect::Status(401),
            Tamper::NoCredential,
        )
        .await;
        self.step(
            vt,
            VoiceGenieCampaign,
            "wrong credentials",
            &any,
            Expect::Status(401),
            Tamper::WrongCredential,
        )
        .await;
        skipped
    }
}
