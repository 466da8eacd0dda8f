//! The lifecycle suite: walks each vendor's lifecycle rules (`schemas/{vendor}/lifecycle.toml`)
//! against its sandbox or the embedded simulator and checks every answer against the contract.
//!
//! For each campaign it may touch, the suite reads the campaign's state, refuses it if it is
//! dialing, then takes the actions that exercise every rule reachable from there (start, start
//! twice, stop, stop twice, start after stop, pause when not running, …), reads the state back
//! after every change, and ends with the campaign halted. Then it sends the checks that must
//! fail (an unknown campaign, missing or wrong credentials).
//!
//! One job per module:
//! - this one loops over vendors and their campaigns and collects the report;
//! - [`walk`] plans the walk through the rules and executes it, one action at a time;
//! - `call` sends one call, retrying noise, and checks whether a lost change took effect;
//! - `judge` turns an answer into findings against the operation table or a rule;
//! - `negatives` holds the checks that must fail.
//!
//! Noise is not drift ([`crate::retry`]): unavailable answers are retried within a per-vendor
//! call budget, and a vendor still unavailable is reported as such, not as drift.
//!
//! Against a sandbox it touches only the campaigns named in env and stops (VoiceGenie: pauses)
//! everything it started, also when a step fails or the suite panics: campaign-api's
//! [`CleanupGuard`] confirms each stop by a status read.

mod call;
mod judge;
mod negatives;
mod untouched;
mod walk;

pub use judge::Recorded;

use crate::environment::Environment;
use crate::report::{Report, TargetLine};
use crate::retry::{Budget, CallPolicy};
use campaign_api::{
    CampaignId, Channel, CleanupGuard, Client, ClientConfig, HostKind, Vendor, VendorTarget,
};
use campaign_schema::Checker;
use std::sync::Arc;

/// What a suite run produced.
#[derive(Debug)]
pub struct SuiteRun {
    /// The drift report.
    pub report: Report,
    /// Every exchange with a response, for snapshots and for recording what a host answered
    /// (`check --record`).
    pub exchanges: Vec<Recorded>,
}

/// Runs the suite against every target of `env`.
pub async fn run_suite(env: &Environment, checker: &Checker, strict: bool) -> SuiteRun {
    let client = match Client::new(ClientConfig {
        trust: env.trust.clone(),
        ..ClientConfig::default()
    }) {
        Ok(c) => c,
        Err(e) => {
            let mut report = Report {
                strict,
                ..Report::default()
            };
            report.unavailable.push(e.to_string());
            return SuiteRun {
                report,
                exchanges: Vec::new(),
            };
        }
    };
    // Campaigns on a sandbox are journaled before their first start; the embedded simulator's
    // end with the run.
    let mut guard = CleanupGuard::new(client.clone(), "campaign-contract")
        .with_journal(env.journal_dir.clone());
    for vt in env.targets.iter().filter(|t| t.kind == HostKind::Simulator) {
        guard = guard.without_journal_for(vt.target.host_label());
    }
    let mut run = Run {
        client: client.clone(),
        checker,
        policy: env.policy,
        guard,
        report: Report {
            strict,
            ..Report::default()
        },
        exchanges: Vec::new(),
        budget: Budget::new(env.policy.max_calls),
        down: None,
        refused: Vec::new(),
        observed: None,
    };
    for vt in &env.targets {
        run.budget = Budget::new(env.policy.max_calls);
        run.down = None;
        run.recover(vt).await;
        run.observed = env
            .observed
            .get(&vt.target.vendor)
            .map(|(path, record)| (path.display().to_string(), record.clone()));
        let skipped = run.vendor(vt).await;
        let host = vt.target.host_label();
        let vendor = vt.target.vendor;
        // Each vendor's campaigns are halted before the next vendor's walk begins.
        for s in run.guard.finish_pending().await {
            if !s.halted {
                run.report
                    .unavailable
                    .push(format!("{vendor} at {host}: cleanup: {}", s.line));
            }
            run.report.cleanup.push(s.line);
        }
        if let Some(why) = run.down.take() {
            run.report
                .unavailable
                .push(format!("{vendor} at {host}: {why}"));
        }
        for why in std::mem::take(&mut run.refused) {
            run.report
                .unavailable
                .push(format!("{vendor} at {host}: {why}"));
        }
        run.report.targets.push(TargetLine {
            vendor: vendor.slug().into(),
            kind: vt.kind.label().into(),
            host,
            skipped: (!skipped.is_empty()).then(|| skipped.join("; ")),
            calls: run.budget.used(),
            max_calls: run.budget.limit(),
        });
    }
    let Run {
        mut report,
        exchanges,
        ..
    } = run;
    report.redact(&env.secret_values());
    SuiteRun { report, exchanges }
}

/// The state of one suite run, shared by the call, judge, walk and negatives modules.
struct Run<'a> {
    client: Client,
    checker: &'a Checker,
    policy: CallPolicy,
    guard: CleanupGuard,
    report: Report,
    exchanges: Vec<Recorded>,
    /// Calls left to the vendor being checked.
    budget: Budget,
    /// Why the vendor being checked is unavailable, once it is: no further step is sent.
    down: Option<String>,
    /// Campaigns of the vendor being checked that were not walked for a reason that leaves the
    /// run proving nothing about them (already dialing, a state the rules do not know, …).
    refused: Vec<String>,
    /// What the vendor's host answered before where the docs are silent (its file, shown as a
    /// finding's source, and the record): those steps are held to it.
    observed: Option<(String, campaign_api::HostRecord)>,
}

/// One campaign the suite may walk, and the variable that names it.
struct Named {
    /// `voice`, `sms`, `draft`.
    name: &'static str,
    channel: Option<Channel>,
    campaign: Option<CampaignId>,
    /// The variable that names it (empty for the simulator's own draft campaign).
    var: &'static str,
}

impl Run<'_> {
    /// Stops, before anything else, what an earlier run (killed, or aborted in its cleanup) left
    /// started on this host, as its journal shows; says so in the report's cleanup lines.
    async fn recover(&mut self, vt: &VendorTarget) {
        let lifecycle = Arc::new(self.checker.registry().lifecycle(vt.target.vendor).clone());
        match self.guard.stop_leftovers(&vt.target, &lifecycle).await {
            Ok(left) if left.is_empty() => {}
            Ok(left) => {
                self.report.cleanup.push(left.to_string());
                for s in left.stopped {
                    if !s.halted {
                        self.report
                            .unavailable
                            .push(format!("earlier run's leftover: {}", s.line));
                    }
                    self.report.cleanup.push(s.line);
                }
            }
            Err(e) => self.report.unavailable.push(format!("{e}")),
        }
    }

    /// Walks the vendor's campaigns, then the checks that must fail. Returns why campaigns were
    /// skipped; the reasons that leave the run proving nothing also go to `refused`.
    async fn vendor(&mut self, vt: &VendorTarget) -> Vec<String> {
        let vendor = vt.target.vendor;
        let lifecycle = Arc::new(self.checker.registry().lifecycle(vendor).clone());
        let mut skipped = Vec::new();
        for named in campaigns(vt) {
            match named.campaign {
                Some(c) => {
                    if let Err(why) = self.walk(vt, &lifecycle, named.channel, &c).await {
                        skipped.push(format!("{}: {why}", named.name));
                        self.refused.push(format!("{}: {why}", named.name));
                    }
                }
                None => skipped.push(format!("{}: {} not set", named.name, named.var)),
            }
        }
        self.negatives(vt).await;
        skipped
    }
}

/// The campaigns of `vt` the suite may walk: only those named in env, plus, on the simulator
/// alone (where no one can be dialled), VoiceGenie's draft campaign for the documented 422.
fn campaigns(vt: &VendorTarget) -> Vec<Named> {
    let c = &vt.target.campaigns;
    let mut out = match vt.target.vendor {
        Vendor::Kore => vec![
            Named {
                name: "voice",
                channel: Some(Channel::Voice),
                campaign: c.voice.first().cloned(),
                var: "KORE_VOICE_CAMPAIGN_ID",
            },
            Named {
                name: "sms",
                channel: Some(Channel::Sms),
                campaign: c.sms.first().cloned(),
                var: "KORE_SMS_CAMPAIGN_ID",
            },
        ],
        Vendor::VoiceGenie => vec![Named {
            name: "voice",
            channel: None,
            campaign: c.voice.first().cloned(),
            var: "VOICEGENIE_CAMPAIGN_ID",
        }],
    };
    if vt.kind == HostKind::Simulator && vt.target.vendor == Vendor::VoiceGenie {
        out.push(Named {
            name: "draft",
            channel: None,
            campaign: CampaignId::new(campaign_sim::DRAFT_VOICEGENIE_ID).ok(),
            var: "",
        });
    }
    out
}
