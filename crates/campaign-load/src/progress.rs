//! The line a person watches while a run lasts: every few seconds (`--progress-interval`, off
//! with `--quiet`), from campaign-load's own figures over the last interval: elapsed and
//! remaining time, achieved against target rate, both latencies' p50 and p99, errors by class,
//! requests in flight, and for an open-model run the late and not-yet-sent arrivals.
//!
//! On a terminal the line is redrawn in place; anywhere else (CI logs, a pipe) each is a plain
//! line of its own, as k6 and oha do.

use crate::pacing::Schedule;
use crate::recorder::Window;
use crate::report::fmt_us;
use std::fmt::Write as _;
use std::time::Duration;

/// The default interval between progress lines.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);

/// What a progress line knows of the run beyond its window.
#[derive(Debug, Clone)]
pub(crate) struct Progress {
    /// How long the run lasts, when a time bounds it (not for iterations).
    pub total: Option<Duration>,
    /// The open model's schedule.
    pub schedule: Option<Schedule>,
    /// Redraw in place (a terminal) rather than print a line each time.
    pub redraw: bool,
}

/// Counts read off the run at the moment of the line.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Now {
    /// Requests sent and not yet answered.
    pub in_flight: u64,
    /// Arrivals a user has come for so far (open model).
    pub went: u64,
}

impl Progress {
    /// The line for window `w`.
    pub fn line(&self, w: &Window, now: Now) -> String {
        let mut out = String::new();
        let elapsed = w.elapsed.as_secs_f64();
        let _ = match self.total {
            Some(t) => write!(
                out,
                "[{:>5.0}s / {:.0}s, {:.0}s left]",
                elapsed,
                t.as_secs_f64(),
                (t.as_secs_f64() - elapsed).max(0.0)
            ),
            None => write!(out, "[{elapsed:>5.0}s]"),
        };
        let achieved = w.stats.count as f64 / w.secs;
        let _ = match &self.schedule {
            Some(s) => write!(
                out,
                " {achieved:.1} of {:.1} req/s",
                s.rate_at(elapsed.min(s.duration().as_secs_f64()))
            ),
            None => write!(out, " {achieved:.1} req/s"),
        };
        let s = &w.stats;
        if s.answered() > 0 {
            let _ = write!(
                out,
                " | service p50 {} p99 {} | response p50 {} p99 {}",
                fmt_us(s.service.percentile_us(0.5)),
                fmt_us(s.service.percentile_us(0.99)),
                fmt_us(s.response.percentile_us(0.5)),
                fmt_us(s.response.percentile_us(0.99)),
            );
        } else {
            out.push_str(" | no answers");
        }
        let errors: Vec<String> = w
            .classes
            .iter()
            .filter(|(c, _)| !crate::accounting::SUCCESS_CLASSES.contains(&c.as_str()))
            .map(|(c, n)| format!("{c} {n}"))
            .collect();
        let _ = write!(
            out,
            " | errors {} | in flight {}",
            if errors.is_empty() {
                "0".to_string()
            } else {
                errors.join(", ")
            },
            now.in_flight
        );
        if let Some(schedule) = &self.schedule {
            let due = schedule.count_due_by(elapsed);
            let _ = write!(
                out,
                " | late {} | unsent {}",
                w.late,
                due.saturating_sub(now.went)
            );
        }
        out
    }

    /// `line` as it goes to stderr: redrawn over the last one on a terminal.
    pub fn print(&self, line: &str) {
        if self.redraw {
            eprint!("\r\x1b[2K{line}");
        } else {
            eprintln!("{line}");
        }
    }

    /// Ends a redrawn line before anything else is printed.
    pub fn finish(&self) {
        if self.redraw {
            eprintln!();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::RequestStats;

    #[test]
    fn a_line_says_time_rate_latencies_errors_and_schedule() {
        let mut stats = RequestStats::default();
        for ms in [1u64, 2, 3, 4] {
            let d = Duration::from_millis(ms);
            stats.add(true, Some(200), Some((d, d * 2)));
        }
        stats.add(false, None, None);
        let w = Window {
            stats,
            classes: [("ok".to_string(), 4), ("transport".to_string(), 1)].into(),
            secs: 5.0,
            elapsed: Duration::from_secs(10),
            late: 2,
        };
        let p = Progress {
            total: Some(Duration::from_secs(30)),
            schedule: Some(Schedule::constant(2.0, Duration::from_secs(30))),
            redraw: false,
        };
        // 21 arrivals due by 10 s (one at 0 s), 18 taken.
        let line = p.line(
            &w,
            Now {
                in_flight: 3,
                went: 18,
            },
        );
        assert_eq!(
            line,
            "[   10s / 30s, 20s left] 1.0 of 2.0 req/s | service p50 2.0ms p99 4.0ms | response p50 4.0ms p99 8.0ms | errors transport 1 | in flight 3 | late 2 | unsent 3"
        );
    }
}
