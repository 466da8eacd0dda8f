//! Open-model load: arrivals on the clock, whatever the answers do.
//!
//! A [`Schedule`] is an arrival rate over time: constant, or stages that ramp linearly from one
//! rate to the next (k6's ramping-arrival-rate). Arrival `n` (from 0) is due at the instant the
//! schedule's cumulative count reaches `n`, measured from the run's start; due times are
//! computed from `n` alone, never summed, so errors do not add up.
//!
//! The [`Pacer`] hands arrivals to whichever user is free, in order. The users are the
//! concurrency cap: when every one of them is waiting for an answer, the next arrival's due time
//! passes with nobody to send it, and the user that comes free next sends it *late* (as wrk2
//! does, not dropped as k6 does: the caller it stands for is still waiting, and what it sees,
//! the response time measured from the due time, includes the wait). How late each one went is
//! kept. Arrivals whose due time passed but that no user came free for before the run ended are
//! *dropped*, counted at the end. Timing a request from its due time rather than from when it
//! was finally sent is what keeps a slow host from hiding its slowness (coordinated omission).
//!
//! Goose's own `--throttle-requests` is a cap, not a schedule, and its refill loop falls short
//! (measured: 178 req/s for a cap of 200).

use crate::worker::WorkerSlice;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// An arrival later than this after its due time counts as late: beyond a timer's jitter, it
/// waited for a free user.
pub const LATE_AFTER: Duration = Duration::from_millis(10);

/// One stage: the rate ramps linearly to `target` over `duration` from where the previous stage
/// ended (or the schedule's start rate).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stage {
    /// Requests per second at the stage's end.
    pub target: f64,
    /// How long the stage lasts.
    pub duration: Duration,
}

/// A stage placed on the run's clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlacedStage {
    /// Seconds from the run's start.
    pub from: f64,
    /// Seconds from the run's start.
    pub until: f64,
    /// Rate at `from`, req/s.
    pub start_rate: f64,
    /// Rate at `until`, req/s.
    pub end_rate: f64,
    /// Arrivals due before `from`.
    pub before: f64,
}

impl PlacedStage {
    fn len(&self) -> f64 {
        self.until - self.from
    }

    /// Arrivals due in the stage up to `t` seconds into it.
    fn count_at(&self, t: f64) -> f64 {
        let t = t.clamp(0.0, self.len());
        let slope = if self.len() > 0.0 {
            (self.end_rate - self.start_rate) / self.len()
        } else {
            0.0
        };
        self.start_rate * t + slope * t * t / 2.0
    }

    /// Arrivals due in the whole stage.
    pub fn arrivals(&self) -> f64 {
        self.count_at(self.len())
    }

    /// Seconds into the stage at which `m` arrivals are due (`m` ≤ [`PlacedStage::arrivals`]):
    /// the root of `a t² + b t = m`, in the form that stays exact when `a` is 0 (a constant rate)
    /// or `b` is 0 (a ramp from zero).
    fn time_of(&self, m: f64) -> f64 {
        if m <= 0.0 {
            return 0.0;
        }
        let a = if self.len() > 0.0 {
            (self.end_rate - self.start_rate) / self.len() / 2.0
        } else {
            0.0
        };
        let b = self.start_rate;
        let d = (b * b + 4.0 * a * m).max(0.0).sqrt();
        if b + d > 0.0 {
            (2.0 * m / (b + d)).min(self.len())
        } else {
            self.len()
        }
    }
}

/// Arrival rates over a run, or one worker's slice of them ([`Schedule::for_worker`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// The whole test's stages (a slice's figures are derived from them, never stored apart).
    stages: Vec<PlacedStage>,
    slice: WorkerSlice,
}

impl Schedule {
    /// A constant `rate` for `duration`.
    pub fn constant(rate: f64, duration: Duration) -> Schedule {
        Schedule::ramping(
            rate,
            &[Stage {
                target: rate,
                duration,
            }],
        )
    }

    /// Stages ramping from `start_rate`.
    pub fn ramping(start_rate: f64, stages: &[Stage]) -> Schedule {
        let mut placed = Vec::with_capacity(stages.len());
        let (mut from, mut before, mut rate) = (0.0, 0.0, start_rate.max(0.0));
        for s in stages {
            let p = PlacedStage {
                from,
                until: from + s.duration.as_secs_f64(),
                start_rate: rate,
                end_rate: s.target.max(0.0),
                before,
            };
            before += p.arrivals();
            from = p.until;
            rate = p.end_rate;
            placed.push(p);
        }
        Schedule {
            stages: placed,
            slice: WorkerSlice::WHOLE,
        }
    }

    /// Worker `slice`'s part of this schedule: the arrivals numbered ≡ index (mod count), at
    /// the whole schedule's due times; its rates and targets are its share of the whole's.
    pub fn for_worker(mut self, slice: WorkerSlice) -> Schedule {
        self.slice = slice;
        self
    }

    /// How many stages the schedule has.
    pub fn stage_count(&self) -> usize {
        self.stages.len()
    }

    /// The stage (from 0) that `t` seconds from the start falls in; past the end, the last.
    pub fn stage_at(&self, t: f64) -> Option<usize> {
        self.stages
            .iter()
            .position(|st| t >= st.from && t < st.until)
            .or_else(|| self.stages.len().checked_sub(1))
    }

    /// The slice of the whole test this schedule is.
    pub fn slice(&self) -> WorkerSlice {
        self.slice
    }

    /// The slice's share of the whole schedule's rates and counts.
    fn share(&self) -> f64 {
        1.0 / f64::from(self.slice.count)
    }

    /// The stages on the run's clock, with the slice's share of their rates and arrivals.
    pub fn stages(&self) -> Vec<PlacedStage> {
        let k = self.share();
        self.stages
            .iter()
            .map(|s| PlacedStage {
                start_rate: s.start_rate * k,
                end_rate: s.end_rate * k,
                before: s.before * k,
                ..*s
            })
            .collect()
    }

    /// How long the schedule lasts.
    pub fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.stages.last().map_or(0.0, |s| s.until))
    }

    /// How many of the slice's arrivals are due at or before `t` seconds: arrival `n` of the
    /// whole is due when the integral reaches `n`, so arrival 0 is due at once.
    pub fn count_due_by(&self, t: f64) -> u64 {
        if t < 0.0 {
            return 0;
        }
        let total = self.whole_due_by(f64::MAX).ceil() as u64;
        let whole = ((self.whole_due_by(t) + 1e-9).floor() as u64 + 1).min(total);
        self.slice.arrivals_of(whole)
    }

    /// The slice's share of the arrivals due in the first `t` seconds (a real number: the
    /// integral of the rate).
    pub fn due_by(&self, t: f64) -> f64 {
        self.whole_due_by(t) * self.share()
    }

    fn whole_due_by(&self, t: f64) -> f64 {
        match self.stages.iter().find(|s| t < s.until) {
            Some(s) => s.before + s.count_at(t - s.from),
            None => self.stages.last().map_or(0.0, |s| s.before + s.arrivals()),
        }
    }

    /// The slice's arrival rate `t` seconds into the schedule, req/s (0 past its end).
    pub fn rate_at(&self, t: f64) -> f64 {
        match self.stages.iter().find(|s| t >= s.from && t < s.until) {
            Some(s) => {
                (s.start_rate
                    + (s.end_rate - s.start_rate) * (t - s.from) / s.len().max(f64::MIN_POSITIVE))
                    * self.share()
            }
            None => 0.0,
        }
    }

    /// Seconds from the start at which the slice's arrival `k` (from 0) is due, or `None` past
    /// the end: the due time of the whole's arrival [`WorkerSlice::arrival`]`(k)`.
    pub fn due(&self, k: u64) -> Option<f64> {
        let n = self.slice.arrival(k) as f64;
        let s = self
            .stages
            .iter()
            .find(|s| n < s.before + s.arrivals() && s.arrivals() > 0.0)?;
        Some(s.from + s.time_of(n - s.before))
    }
}

/// What a user got from the pacer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Turn {
    /// Send now: arrival `n`, due at `due`.
    Go {
        /// The arrival's number, from 0.
        n: u64,
        /// When it was due.
        due: Instant,
    },
    /// The schedule is over (or the run was stopped): nothing more to send.
    Over,
}

/// Hands a schedule's arrivals to the users, in order, shared by every user.
///
/// The schedule's clock starts once every user is ready ([`Pacer::ready`]), as k6 allocates its
/// VUs before an arrival-rate scenario starts: users that are still being launched (Goose starts
/// them one by one, each building an HTTP client) would otherwise make the first arrivals late
/// for a reason that has nothing to do with the host.
#[derive(Debug)]
pub struct Pacer {
    schedule: Schedule,
    users: usize,
    ready: AtomicU64,
    first_ready: OnceLock<Instant>,
    started: tokio::sync::Notify,
    start: OnceLock<Instant>,
    next: AtomicU64,
    /// Turns handed out to go (each one a user that came for an arrival).
    went: AtomicU64,
    stopped: AtomicBool,
    stopped_at: OnceLock<Instant>,
}

/// The longest a waiting user sleeps before looking at the stop flag again.
const WAKE_EVERY: Duration = Duration::from_millis(100);

/// How long the clock waits for the last users to get ready after the first is: past it the
/// schedule starts with the users it has.
pub const READY_BOUND: Duration = Duration::from_secs(10);

impl Pacer {
    /// A pacer for `schedule` shared by `users` users; its clock starts when all of them are
    /// [ready](Pacer::ready), or at [`Pacer::start`].
    pub fn new(schedule: Schedule, users: usize) -> Pacer {
        Pacer {
            schedule,
            users: users.max(1),
            ready: AtomicU64::new(0),
            first_ready: OnceLock::new(),
            started: tokio::sync::Notify::new(),
            start: OnceLock::new(),
            next: AtomicU64::new(0),
            went: AtomicU64::new(0),
            stopped: AtomicBool::new(false),
            stopped_at: OnceLock::new(),
        }
    }

    /// Starts the clock now (if it has not started), and returns its zero.
    pub fn start(&self) -> Instant {
        let zero = *self.start.get_or_init(Instant::now);
        self.started.notify_waiters();
        zero
    }

    /// Fixes the clock's zero at `zero` (`--start-at`): the users wait for it, however soon
    /// they are ready, and arrival times count from it.
    pub fn start_at(&self, zero: Instant) {
        let _ = self.start.set(zero);
        self.started.notify_waiters();
    }

    /// One user is ready to send; the last one starts the clock.
    pub fn ready(&self) {
        let _ = self.first_ready.set(Instant::now());
        if self.ready.fetch_add(1, Ordering::SeqCst) + 1 >= self.users as u64 {
            self.start();
        }
    }

    /// Waits for the clock to start (all users ready, or [`READY_BOUND`] after the first).
    async fn started(&self) -> Option<Instant> {
        loop {
            if let Some(z) = self.zero() {
                return Some(z);
            }
            if self.stopped.load(Ordering::SeqCst) {
                return None;
            }
            let first = *self.first_ready.get_or_init(Instant::now);
            if first.elapsed() >= READY_BOUND {
                return Some(self.start());
            }
            let wake = self.started.notified();
            let _ = tokio::time::timeout(Duration::from_millis(10), wake).await;
        }
    }

    /// The clock's zero, once started.
    pub fn zero(&self) -> Option<Instant> {
        self.start.get().copied()
    }

    /// Ends the schedule early (the run was stopped): waiting users give up their turn.
    #[cfg(test)]
    pub fn stop(&self) {
        self.stop_at(Instant::now());
    }

    /// Ends the schedule as of `at` (when the interrupt came, which may be a moment before
    /// the pacer hears of it).
    pub fn stop_at(&self, at: Instant) {
        let _ = self.stopped_at.set(at);
        self.stopped.store(true, Ordering::SeqCst);
    }

    /// Arrivals a user came for and was sent off with: those due that no user came for before
    /// the end are the dropped ones.
    pub fn went(&self) -> u64 {
        self.went.load(Ordering::SeqCst)
    }

    /// When the schedule was first ended early ([`Pacer::stop_at`]).
    pub fn stopped_at(&self) -> Option<Instant> {
        self.stopped_at.get().copied()
    }

    /// Arrivals handed out so far (each sent, or on its way).
    #[cfg(test)]
    pub fn handed_out(&self) -> u64 {
        let n = self.next.load(Ordering::SeqCst);
        let total = self.schedule.due_by(f64::MAX).ceil() as u64;
        n.min(total)
    }

    /// Takes the next arrival and waits for its due time. A user that comes after the due time
    /// goes at once: the arrival is late by the difference. Once the schedule's time is up,
    /// every turn is over.
    pub async fn turn(&self) -> Turn {
        let Some(zero) = self.started().await else {
            return Turn::Over;
        };
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        let Some(at) = self.schedule.due(n) else {
            return Turn::Over;
        };
        let due = zero + Duration::from_secs_f64(at);
        // The run's time is up: what is still due was never sent (dropped), however long
        // Goose keeps its users.
        if Instant::now() >= zero + self.schedule.duration() {
            return Turn::Over;
        }
        loop {
            if self.stopped.load(Ordering::SeqCst) {
                return Turn::Over;
            }
            let now = Instant::now();
            if now >= due {
                self.went.fetch_add(1, Ordering::SeqCst);
                return Turn::Go { n, due };
            }
            tokio::time::sleep_until(due.min(now + WAKE_EVERY)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn a_constant_rate_puts_arrival_n_at_n_over_rate() {
        let s = Schedule::constant(500.0, secs(2));
        for n in [0u64, 1, 7, 499, 500, 999] {
            let t = s.due(n).expect("within the schedule");
            assert!((t - n as f64 / 500.0).abs() < 1e-9, "{n}: {t}");
        }
        assert_eq!(s.due(1000), None);
        assert_eq!(s.count_due_by(0.0), 1);
        assert_eq!(s.count_due_by(0.003), 2);
        assert_eq!(s.count_due_by(2.0), 1000);
        assert_eq!(s.count_due_by(100.0), 1000);
        assert!((s.due_by(1.0) - 500.0).abs() < 1e-9);
        assert_eq!(s.duration(), secs(2));
    }

    #[test]
    fn the_slices_of_a_schedule_are_the_whole_dealt_out() {
        // A ramp, so due times are uneven: every arrival of the whole is one worker's, at the
        // whole's due time, and the counts and targets of the three add up to the whole's.
        let whole = Schedule::ramping(
            10.0,
            &[
                Stage {
                    target: 300.0,
                    duration: secs(3),
                },
                Stage {
                    target: 300.0,
                    duration: secs(2),
                },
            ],
        );
        let n = 3;
        let slices: Vec<Schedule> = (0..n)
            .map(|i| whole.clone().for_worker(WorkerSlice { index: i, count: n }))
            .collect();
        let mut dealt: Vec<(u64, f64)> = Vec::new();
        for (i, s) in slices.iter().enumerate() {
            let mut k = 0;
            while let Some(t) = s.due(k) {
                dealt.push((k * u64::from(n) + i as u64, t));
                k += 1;
            }
            assert_eq!(k, s.count_due_by(100.0), "worker {i}");
        }
        dealt.sort_by_key(|d| d.0);
        let mut m = 0;
        while let Some(t) = whole.due(m) {
            assert_eq!(dealt[m as usize], (m, t), "arrival {m}");
            m += 1;
        }
        assert_eq!(dealt.len() as u64, m, "nothing doubled or lost");
        for t in [0.0, 0.05, 1.0, 2.5, 3.0, 4.99, 5.0, 9.0] {
            let counts: u64 = slices.iter().map(|s| s.count_due_by(t)).sum();
            assert_eq!(counts, whole.count_due_by(t), "at {t}");
            let targets: f64 = slices.iter().map(|s| s.due_by(t)).sum();
            assert!((targets - whole.due_by(t)).abs() < 1e-6, "at {t}");
            let rates: f64 = slices.iter().map(|s| s.rate_at(t)).sum();
            assert!((rates - whole.rate_at(t)).abs() < 1e-6, "at {t}");
        }
        let stage_rates: f64 = slices.iter().map(|s| s.stages()[1].start_rate).sum();
        assert!((stage_rates - 300.0).abs() < 1e-9);
    }

    #[test]
    fn a_ramp_follows_the_integral_of_its_rate() {
        // 50 → 500 req/s over 30 s, then 500 for 30 s: 8,250 + 15,000 arrivals.
        let s = Schedule::ramping(
            50.0,
            &[
                Stage {
                    target: 500.0,
                    duration: secs(30),
                },
                Stage {
                    target: 500.0,
                    duration: secs(30),
                },
            ],
        );
        assert!((s.due_by(30.0) - 8_250.0).abs() < 1e-6);
        assert!((s.due_by(60.0) - 23_250.0).abs() < 1e-6);
        // Rate at 15 s is 275: arrivals in [15, 16) ≈ 275 + 7.5 (the rate keeps rising).
        assert!((s.due_by(16.0) - s.due_by(15.0) - 282.5).abs() < 1e-6);
        assert!((s.rate_at(15.0) - 275.0).abs() < 1e-9);
        assert!((s.rate_at(45.0) - 500.0).abs() < 1e-9);
        assert_eq!(s.rate_at(60.0), 0.0);
        // Every arrival's due time maps back to its number, and due times never go backwards.
        let mut last = -1.0;
        for n in (0..23_250u64).step_by(37) {
            let t = s.due(n).expect("due");
            assert!(t >= last, "{n}");
            assert!((s.due_by(t) - n as f64).abs() < 1e-6, "{n}: {t}");
            last = t;
        }
        assert_eq!(s.due(23_250), None);
    }

    #[test]
    fn ramps_from_zero_and_down_and_pauses() {
        let s = Schedule::ramping(
            0.0,
            &[
                Stage {
                    target: 100.0,
                    duration: secs(10),
                },
                Stage {
                    target: 0.0,
                    duration: secs(5),
                },
                Stage {
                    target: 0.0,
                    duration: secs(5),
                },
                Stage {
                    target: 10.0,
                    duration: secs(1),
                },
            ],
        );
        // 500 up, 250 down, none in the pause, 5 in the last second.
        assert!((s.due_by(21.0) - 755.0).abs() < 1e-6);
        assert_eq!(s.due(0), Some(0.0));
        // The 750th arrival (the first after the pause) is in the last stage.
        let t = s.due(750).expect("due");
        assert!((20.0..21.0).contains(&t), "{t}");
        for n in 1..755u64 {
            let t = s.due(n).expect("due");
            assert!((s.due_by(t) - n as f64).abs() < 1e-6, "{n}: {t}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_arrival_goes_before_its_due_time_and_late_ones_go_at_once() {
        // 500 per second for 1 s, shared by 4 tasks.
        let p = std::sync::Arc::new(Pacer::new(Schedule::constant(500.0, secs(1)), 4));
        let zero = p.start();
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let p = p.clone();
            tasks.push(tokio::spawn(async move {
                let mut early = 0;
                let mut sent = 0;
                while let Turn::Go { n, due } = p.turn().await {
                    if Instant::now() < due {
                        early += 1;
                    }
                    assert_eq!(due, zero + Duration::from_secs_f64(n as f64 / 500.0));
                    sent += 1;
                }
                (early, sent)
            }));
        }
        let all = async {
            let mut total = 0;
            for task in tasks {
                let (early, sent) = task.await.expect("task");
                assert_eq!(early, 0);
                total += sent;
            }
            total
        };
        let sent = tokio::time::timeout(secs(60), all)
            .await
            .expect("500 turns at 500/s are handed out well within a minute");
        assert_eq!(sent, 500);
        assert_eq!(p.handed_out(), 500);
    }

    #[test]
    fn the_clock_starts_when_the_last_user_is_ready() {
        let p = Pacer::new(Schedule::constant(10.0, secs(1)), 3);
        p.ready();
        p.ready();
        assert_eq!(p.zero(), None, "two of three users ready: no clock yet");
        p.ready();
        assert!(p.zero().is_some());
    }

    #[tokio::test]
    async fn a_stopped_pacer_ends_every_wait() {
        let p = std::sync::Arc::new(Pacer::new(Schedule::constant(0.01, secs(1000)), 1));
        p.ready();
        assert!(matches!(p.turn().await, Turn::Go { n: 0, .. }));
        let waiting = {
            let p = p.clone();
            tokio::spawn(async move { p.turn().await })
        };
        p.stop();
        let t = tokio::time::timeout(secs(60), waiting)
            .await
            .expect("a stopped pacer lets its waiters go within a wake-up")
            .expect("task");
        assert_eq!(t, Turn::Over);
    }
}
