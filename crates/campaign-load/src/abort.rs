//! Abort rules, judged while the run lasts: a sandbox that has started failing is not hammered
//! until the run time ends (k6's `abortOnFail` with `delayAbortEval`).
//!
//! A rule marked `:abort` is judged on a sliding window of the run's last `abort_after`, first
//! once that much of the run has passed (so a rule is never judged on its first request alone),
//! then every tick of the run's watch. The window is read from the recorder's seconds, the same
//! figures the end-of-run verdict uses, so a window judged here means what the same rule means
//! at the end.

use crate::recorder::Recorder;
use crate::summary::{Aborted, Summary};
use crate::threshold::Threshold;
use std::time::Duration;
use tokio::time::Instant;

/// The abort rules of a run, each with its window.
#[derive(Debug, Default)]
pub(crate) struct AbortRules {
    rules: Vec<(Threshold, Duration)>,
}

impl AbortRules {
    /// The rules of `rules` marked to abort; `default` is the window of those that give none.
    pub fn of(rules: &[Threshold], default: Duration) -> AbortRules {
        AbortRules {
            rules: rules
                .iter()
                .filter_map(|r| r.abort_window(default).map(|w| (r.clone(), w)))
                .collect(),
        }
    }

    /// True when no rule aborts.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// `error-rate<5% on the last 10 s` for each rule, for the banner.
    pub fn describe(&self) -> Vec<String> {
        self.rules
            .iter()
            .map(|(r, w)| format!("{} on the last {} s", r.text(), w.as_secs()))
            .collect()
    }

    /// The first rule broken on its window at `now`, if any. A window with nothing sent in it
    /// is not judged (there is nothing to judge).
    pub fn check(&self, recorder: &Recorder, now: Instant) -> Option<Aborted> {
        for (rule, window) in &self.rules {
            let Some(w) = recorder.window(now, *window, true) else {
                continue;
            };
            if w.stats.count == 0 {
                continue;
            }
            let summary = Summary {
                duration_secs: w.secs,
                requests: [("window".to_string(), w.stats)].into(),
                ..Summary::default()
            };
            let line = rule.judge(&summary);
            if !line.passed {
                return Some(Aborted {
                    rule: rule.text().to_string(),
                    at_secs: w.elapsed.as_secs_f64(),
                    window_secs: window.as_secs(),
                    observed: line.observed,
                });
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounting::Fate;
    use crate::recorder::Sample;
    use campaign_api::TransportClass;

    fn record(r: &Recorder, zero: Instant, at_ms: u64, fate: &Fate) {
        r.record(&Sample {
            name: "a",
            fate,
            status: None,
            sent: zero + Duration::from_millis(at_ms),
            due: zero + Duration::from_millis(at_ms),
            service: Duration::from_millis(1),
        });
    }

    #[test]
    fn a_rule_is_judged_on_its_window_once_the_window_has_passed() {
        let rules = crate::threshold::parse_all(&["error-rate<5%:abort=2s".into()]).expect("rule");
        let aborts = AbortRules::of(&rules, Duration::from_secs(10));
        assert_eq!(
            aborts.describe(),
            ["error-rate<5%:abort=2s on the last 2 s"]
        );
        let zero = Instant::now();
        let r = Recorder::new(None);
        r.start(zero);
        // Seconds 0–3 all ok, then from 3 s every request fails.
        for ms in (0..3000).step_by(10) {
            record(&r, zero, ms, &Fate::Ok);
        }
        for ms in (3000..4000).step_by(10) {
            record(&r, zero, ms, &Fate::Unavailable(503));
        }
        let at = |ms: u64| zero + Duration::from_millis(ms);
        // Before 2 s the window has not passed: not judged, though nothing failed anyway.
        assert!(aborts.check(&r, at(1500)).is_none());
        // At 2.9 s the window (seconds 0–2) holds only oks.
        assert!(aborts.check(&r, at(2900)).is_none());
        // At 3.5 s the window is seconds 1–3: 100 of 300 failed.
        let a = aborts.check(&r, at(3500)).expect("broken");
        assert_eq!(a.rule, "error-rate<5%:abort=2s");
        assert_eq!(a.window_secs, 2);
        assert!((a.at_secs - 3.5).abs() < 1e-9);
        assert!(
            a.observed.starts_with("error rate 33.33% (100 of 300)"),
            "{}",
            a.observed
        );
    }

    #[test]
    fn a_window_of_transport_failures_breaks_a_latency_rule() {
        let rules = crate::threshold::parse_all(&["p95<250ms:abort".into()]).expect("rule");
        let aborts = AbortRules::of(&rules, Duration::from_secs(1));
        let zero = Instant::now();
        let r = Recorder::new(None);
        r.start(zero);
        for ms in (0..1500).step_by(100) {
            record(&r, zero, ms, &Fate::Transport(TransportClass::Refused));
        }
        let a = aborts
            .check(&r, zero + Duration::from_millis(1500))
            .expect("no answer is not fast");
        assert!(
            a.observed.contains("no request got an answer"),
            "{}",
            a.observed
        );
        // A rule not marked to abort is not judged while the run lasts.
        let plain = crate::threshold::parse_all(&["p95<250ms".into()]).expect("rule");
        assert!(AbortRules::of(&plain, Duration::from_secs(1)).is_empty());
    }
}
