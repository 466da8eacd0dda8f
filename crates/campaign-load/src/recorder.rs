//! What every request of a run took, kept as it happens: per request name and per second of
//! the run, both latencies as histograms, the answer's class, and for an open-model run how late
//! each arrival went out.
//!
//! Two latencies, after Gil Tene's terms:
//! - *service time*: from sending the request to the first byte of the answer (what Goose
//!   times);
//! - *response time*: from the arrival's due time on the schedule to the first byte: what a
//!   caller arriving at that rate sees, the wait for a free user included. In a closed-model run
//!   (no schedule) the two are the same.
//!
//! Goose keeps its own metrics too (its console, its dashboard); the verdicts and reports are
//! made from these, which hold both latencies and merge across workers.

use crate::accounting::Fate;
use crate::histogram::Histogram;
use crate::pacing::{LATE_AFTER, Schedule};
use crate::summary::{Arrivals, RequestStats, Second, StageStats};
use campaign_api::lock_unpoisoned;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// One request as measured.
#[derive(Debug, Clone)]
pub struct Sample<'a> {
    /// The request's name (`kore voice-start-v1`).
    pub name: &'a str,
    /// What became of it.
    pub fate: &'a Fate,
    /// Status code, if an answer came.
    pub status: Option<u16>,
    /// When it was sent.
    pub sent: Instant,
    /// When it was due (the send instant in a closed-model run).
    pub due: Instant,
    /// Send to first byte (send to failure when no answer came).
    pub service: Duration,
}

#[derive(Debug, Default)]
struct Inner {
    requests: BTreeMap<String, RequestStats>,
    seconds: Vec<Second>,
    stage_sent: Vec<u64>,
    scheduled_sent: u64,
    late: u64,
    lateness: Histogram,
    first: Option<Instant>,
    last: Option<Instant>,
}

/// The run's measurements, shared by every user.
#[derive(Debug)]
pub struct Recorder {
    /// The run's zero: the schedule's start (or the first request, if nothing set it).
    zero: std::sync::OnceLock<Instant>,
    schedule: Option<Schedule>,
    inner: Mutex<Inner>,
    /// Live metrics, when the run serves them.
    metrics: Option<std::sync::Arc<crate::metrics::LoadMetrics>>,
}

impl Recorder {
    /// A recorder; `schedule` for an open-model run.
    pub fn new(schedule: Option<Schedule>) -> Recorder {
        let stages = schedule.as_ref().map_or(0, |s| s.stage_count());
        Recorder {
            zero: std::sync::OnceLock::new(),
            schedule,
            inner: Mutex::new(Inner {
                stage_sent: vec![0; stages],
                ..Inner::default()
            }),
            metrics: None,
        }
    }

    /// Also feeds `metrics` with every request.
    pub fn with_metrics(
        mut self,
        metrics: std::sync::Arc<crate::metrics::LoadMetrics>,
    ) -> Recorder {
        self.metrics = Some(metrics);
        self
    }

    /// Sets the run's zero (the instant the schedule's clock started), once; seconds and
    /// stages count from it.
    pub fn start(&self, zero: Instant) {
        let _ = self.zero.set(zero);
    }

    /// Records one request.
    pub fn record(&self, s: &Sample<'_>) {
        let zero = *self.zero.get_or_init(|| s.sent);
        let first_byte = s.sent + s.service;
        let response = first_byte.saturating_duration_since(s.due);
        let late = s.sent.saturating_duration_since(s.due);
        let at = s.sent.saturating_duration_since(zero).as_secs_f64();
        // A transport failure is counted, never timed: its "latency" is how fast the failure
        // came, not how fast the host answers.
        let answered = !matches!(s.fate, Fate::Transport(_) | Fate::Cancelled);
        let times = answered.then_some((s.service, response));
        if let Some(m) = &self.metrics {
            m.observe(s.name, s.fate.class(), times, late > LATE_AFTER);
            if let Some(schedule) = &self.schedule {
                m.set_target_rate(schedule.rate_at(at));
            }
        }
        let mut g = lock_unpoisoned(&self.inner);
        let g = &mut *g;
        g.first = Some(g.first.map_or(s.sent, |f| f.min(s.sent)));
        g.last = Some(g.last.map_or(first_byte, |l| l.max(first_byte)));
        // Looked up by the borrowed name first: a String is made once per request name, not
        // once per request.
        if !g.requests.contains_key(s.name) {
            g.requests
                .insert(s.name.to_string(), RequestStats::default());
        }
        if let Some(r) = g.requests.get_mut(s.name) {
            r.add(s.fate.is_success(), s.status, times);
        }
        let second = at as usize;
        if g.seconds.len() <= second {
            g.seconds.resize_with(second + 1, Second::default);
        }
        let sec = &mut g.seconds[second];
        sec.sent += 1;
        match sec.classes.get_mut(s.fate.class()) {
            Some(n) => *n += 1,
            None => {
                sec.classes.insert(s.fate.class().to_string(), 1);
            }
        }
        if answered {
            sec.service.record(s.service);
            sec.response.record(response);
        }
        if let Some(schedule) = &self.schedule {
            g.scheduled_sent += 1;
            if late > Duration::ZERO {
                g.lateness.record(late);
            }
            if late > LATE_AFTER {
                g.late += 1;
            }
            if let Some(i) = schedule.stage_at(at) {
                g.stage_sent[i] += 1;
            }
        }
    }

    /// The run's zero, once set.
    pub fn zero(&self) -> Option<Instant> {
        self.zero.get().copied()
    }

    /// The requests sent in the last `span` before `now`, in whole seconds of the run (so
    /// `span` and up to one second more: the second under way is included), as one request's
    /// figures, with their classes and the seconds they cover. `None` until the run's zero, or
    /// while less than `span` of the run has passed when `full` is asked for.
    pub fn window(&self, now: Instant, span: Duration, full: bool) -> Option<Window> {
        let zero = self.zero()?;
        let elapsed = now.checked_duration_since(zero)?;
        if full && elapsed < span {
            return None;
        }
        let from = elapsed.saturating_sub(span).as_secs() as usize;
        let g = lock_unpoisoned(&self.inner);
        let mut w = Window {
            secs: (elapsed.as_secs_f64() - from as f64).max(0.001),
            elapsed,
            late: g.late,
            ..Window::default()
        };
        let to = elapsed.as_secs() as usize;
        for sec in g.seconds.iter().take(to + 1).skip(from) {
            for (class, n) in &sec.classes {
                *w.classes.entry(class.clone()).or_default() += n;
            }
            w.stats.service.merge(&sec.service);
            w.stats.response.merge(&sec.response);
            w.stats.count += sec.sent;
        }
        let succeeded = crate::accounting::succeeded_in(&w.classes);
        w.stats.success = succeeded;
        w.stats.fail = w.stats.count.saturating_sub(succeeded);
        w.stats.unanswered = ["transport", "cancelled"]
            .iter()
            .filter_map(|c| w.classes.get(*c))
            .sum();
        Some(w)
    }

    /// The figures so far. `end` is when the run stopped sending; `went` is how many arrivals
    /// a user came for: arrivals due by the end that no user came for are dropped. `users` is
    /// the concurrency cap.
    pub fn finish(&self, end: Instant, users: usize, went: u64) -> Finished {
        let g = lock_unpoisoned(&self.inner);
        let zero = self.zero.get().copied().unwrap_or(end);
        let mut seconds = g.seconds.clone();
        let arrivals = self.schedule.as_ref().map(|schedule| {
            let until = end
                .saturating_duration_since(zero)
                .min(schedule.duration())
                .as_secs_f64();
            let due = schedule.count_due_by(until);
            // Seconds of the schedule up to where it ended get their targets, whether or not
            // anything was sent (a run stopped early is not padded to its whole schedule).
            let whole = until.ceil() as usize;
            if seconds.len() < whole {
                seconds.resize_with(whole, Second::default);
            }
            for (i, sec) in seconds.iter_mut().enumerate() {
                let from = i as f64;
                sec.target = Some(schedule.due_by(from + 1.0) - schedule.due_by(from));
            }
            Arrivals {
                users,
                // A stage is judged on the part of it the run lasted: a run stopped at 10 s of
                // a 1 h stage is held to 10 s of arrivals, over 10 s; stages it never reached
                // are left out.
                stages: schedule
                    .stages()
                    .iter()
                    .zip(&g.stage_sent)
                    .filter(|(st, _)| st.from < until || st.from == 0.0)
                    .map(|(st, sent)| {
                        let end = st.until.min(until);
                        StageStats {
                            from_s: st.from,
                            until_s: end,
                            start_rate: st.start_rate,
                            end_rate: schedule.rate_at(end.min(st.until - 1e-9).max(st.from)),
                            target: (schedule.due_by(end) - st.before).max(0.0),
                            sent: *sent,
                        }
                    })
                    .collect(),
                due,
                sent: g.scheduled_sent,
                late: g.late,
                late_after_us: LATE_AFTER.as_micros() as u64,
                lateness: g.lateness.clone(),
                dropped: due.saturating_sub(went.max(g.scheduled_sent)),
            }
        });
        let duration = match &self.schedule {
            Some(s) => end
                .saturating_duration_since(zero)
                .min(s.duration())
                .max(Duration::from_millis(1)),
            None => match (g.first, g.last) {
                (Some(a), Some(b)) if b > a => b - a,
                _ => Duration::ZERO,
            },
        };
        Finished {
            requests: g.requests.clone(),
            seconds,
            arrivals,
            duration,
            zero: self.zero.get().copied(),
        }
    }
}

/// The last seconds of a run, as [`Recorder::window`] reads them.
#[derive(Debug, Clone, Default)]
pub struct Window {
    /// Every request sent in them, as one request's figures (both latencies of the answered).
    pub stats: RequestStats,
    /// Answer class (`ok`, `transport`, …) → count.
    pub classes: BTreeMap<String, u64>,
    /// The seconds they cover.
    pub secs: f64,
    /// How far into the run the window ends.
    pub elapsed: Duration,
    /// Arrivals sent late since the run began (open model).
    pub late: u64,
}

/// A recorder's figures at the end of a run.
#[derive(Debug, Clone)]
pub struct Finished {
    /// Per request name.
    pub requests: BTreeMap<String, RequestStats>,
    /// Per second of the run.
    pub seconds: Vec<Second>,
    /// The schedule's account (open model).
    pub arrivals: Option<Arrivals>,
    /// The run's length: the schedule's (up to where it was stopped) for an open model, first
    /// send to last answer for a closed one.
    pub duration: Duration,
    /// The run's zero, its seconds counted from it (`None`: nothing was sent).
    pub zero: Option<Instant>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pacing::Stage;

    #[test]
    fn response_time_counts_from_the_due_time_and_late_ones_are_counted() {
        let zero = Instant::now();
        let schedule = Schedule::constant(10.0, Duration::from_secs(2));
        let r = Recorder::new(Some(schedule));
        r.start(zero);
        let ms = Duration::from_millis;
        // Arrival 0 on time, 20 ms service; arrival 1 (due 100 ms) sent 900 ms late.
        r.record(&Sample {
            name: "a",
            fate: &Fate::Ok,
            status: Some(200),
            sent: zero,
            due: zero,
            service: ms(20),
        });
        r.record(&Sample {
            name: "a",
            fate: &Fate::Unavailable(503),
            status: Some(503),
            sent: zero + ms(1000),
            due: zero + ms(100),
            service: ms(20),
        });
        let f = r.finish(zero + ms(2000), 1, 2);
        let a = &f.requests["a"];
        assert_eq!(a.service.max_us, 20_000);
        assert_eq!(a.response.max_us, 920_000);
        assert_eq!(a.count, 2);
        assert_eq!(a.fail, 1);
        let arr = f.arrivals.expect("open model");
        assert_eq!(arr.due, 20);
        assert_eq!(arr.sent, 2);
        assert_eq!(arr.late, 1);
        assert_eq!(arr.dropped, 18);
        assert_eq!(arr.lateness.max_us, 900_000);
        assert_eq!(f.seconds.len(), 2);
        assert_eq!(f.seconds[1].sent, 1);
        assert_eq!(f.seconds[1].classes["unavailable"], 1);
        assert_eq!(f.seconds[0].target, Some(10.0));
        assert_eq!(f.duration, Duration::from_secs(2));
    }

    #[test]
    fn a_run_stopped_early_is_judged_on_the_part_it_lasted() {
        let zero = Instant::now();
        let r = Recorder::new(Some(Schedule::ramping(
            10.0,
            &[
                crate::pacing::Stage {
                    target: 10.0,
                    duration: Duration::from_secs(3600),
                },
                crate::pacing::Stage {
                    target: 100.0,
                    duration: Duration::from_secs(3600),
                },
            ],
        )));
        r.start(zero);
        for i in 0..100u64 {
            r.record(&Sample {
                name: "a",
                fate: &Fate::Ok,
                status: Some(200),
                sent: zero + Duration::from_millis(i * 100),
                due: zero + Duration::from_millis(i * 100),
                service: Duration::from_millis(1),
            });
        }
        let f = r.finish(zero + Duration::from_secs(10), 1, 100);
        let a = f.arrivals.expect("open");
        // Only the first stage, cut at 10 s: 100 arrivals due over 10 s, all sent.
        assert_eq!(a.stages.len(), 1);
        assert!((a.stages[0].target - 100.0).abs() < 1e-6);
        assert!((a.stages[0].until_s - 10.0).abs() < 1e-9);
        assert_eq!(a.stages[0].shortfall(), 0.0);
        assert_eq!(f.seconds.len(), 10);
    }

    #[test]
    fn sends_count_toward_the_stage_they_went_out_in() {
        let zero = Instant::now();
        let schedule = Schedule::ramping(
            0.0,
            &[
                Stage {
                    target: 10.0,
                    duration: Duration::from_secs(1),
                },
                Stage {
                    target: 10.0,
                    duration: Duration::from_secs(1),
                },
            ],
        );
        let r = Recorder::new(Some(schedule));
        r.start(zero);
        for at in [100u64, 900, 1000, 1500, 2500] {
            r.record(&Sample {
                name: "a",
                fate: &Fate::Ok,
                status: Some(200),
                sent: zero + Duration::from_millis(at),
                due: zero,
                service: Duration::from_millis(1),
            });
        }
        let f = r.finish(zero + Duration::from_secs(3), 4, 5);
        let arr = f.arrivals.expect("open");
        assert_eq!(arr.stages[0].sent, 2);
        // 2,500 ms is past the schedule: it counts toward the last stage.
        assert_eq!(arr.stages[1].sent, 3);
        assert!((arr.stages[0].target - 5.0).abs() < 1e-9);
        assert!((arr.stages[1].target - 10.0).abs() < 1e-9);
        assert_eq!(arr.due, 15);
    }
}
