//! Every value a run uses is checked here once, wherever it came from (the scenario file or a
//! flag), before a request is built: an error names the key to fix.

use super::{CampaignChoice, ClientKind, Load, Scenario};
use std::time::Duration;

/// The most concurrent users a run may ask for. Each Goose user holds a task, an HTTP client and
/// a connection of its own: a million users ran out of memory at 47 s on this 24 GiB machine,
/// and a loopback host or a vendor sandbox long before that runs out of descriptors and
/// sockets. Beyond this, scale out (`deploy/kubernetes`).
pub const MAX_USERS: usize = 10_000;

/// The largest campaigns list file read (`[campaigns] file`): a list of ids, not data.
pub const MAX_LIST_FILE_BYTES: u64 = 1024 * 1024;

/// The largest scenario file read: the shipped ones are under 2 KiB; a scenario is settings and
/// a few flows, so anything near this is a wrong path (a log, an image, a device).
pub const MAX_SCENARIO_BYTES: u64 = 1024 * 1024;

/// Goose counts run time in whole seconds: a shorter one would silently run a full second.
pub const MIN_RUN_TIME: Duration = Duration::from_secs(1);

/// The slowest constant arrival rate (`[load] rate`, `--rate`): below one a second, a run of a
/// few seconds sends nothing or one request, and its shortfall and late shares mean nothing.
pub const MIN_RATE: f64 = 1.0;

/// The fastest arrival rate one process is asked for (a constant rate, a stage's target or its
/// start rate, after a worker's slice): the lean client peaks near 50,000 requests a second on
/// this project's 2-core reference machine, so beyond twice that a schedule could only go late
/// (a rate of 1e300 once read "0 arrivals due"). Beyond it, scale out with workers.
pub const MAX_RATE: f64 = 100_000.0;

/// A value a run cannot use, found before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// Nothing bounds the run. A scenario file may leave the bound to a flag, so reading a file
    /// lets this one pass; the check of the run as it will go does not.
    #[error(
        "refusing to run without a bound: set [load] run_time, iterations, test_plan or [[load.stage]] (or --run-time / --iterations)"
    )]
    Unbounded,
    /// A scenario with nothing to do.
    #[error("needs at least one [[flow]] with steps")]
    NoFlow,
    /// The value under `key` (the file's key, and its flag where it has one) cannot be used;
    /// `fix` says what to give instead.
    #[error("{key}: {fix}")]
    Bad {
        /// Where the value came from: `[load] users (-u)`.
        key: String,
        /// What to give instead.
        fix: String,
    },
}

/// A [`ValueError::Bad`].
pub(crate) fn bad(key: impl Into<String>, fix: impl Into<String>) -> ValueError {
    ValueError::Bad {
        key: key.into(),
        fix: fix.into(),
    }
}

impl Load {
    /// Checks every value before Goose sees it, wherever it came from (the scenario file or a
    /// flag): an error names the key.
    pub fn check(&self) -> Result<(), ValueError> {
        self.check_values()?;
        if self.run_time.is_none()
            && self.iterations.is_none()
            && self.test_plan.is_none()
            && self.stages.is_empty()
        {
            return Err(ValueError::Unbounded);
        }
        self.check_open_model()
    }

    /// The fastest whole-test arrival rate: [`MAX_RATE`] for each worker the test is split
    /// between (the schedule deals each an equal share).
    fn most_rate(&self) -> f64 {
        MAX_RATE * f64::from(self.worker.count)
    }

    /// Every value on its own, before the bound and the open model's rules.
    fn check_values(&self) -> Result<(), ValueError> {
        const USERS: &str = "[load] users (-u)";
        match self.users {
            Some(0) => return Err(bad(USERS, "at least 1")),
            Some(n) if n > MAX_USERS => {
                return Err(bad(
                    USERS,
                    format!(
                        "{n} is over the limit of {MAX_USERS} per process (each user holds a client and a connection); scale out with more workers"
                    ),
                ));
            }
            _ => {}
        }
        if let Some(r) = &self.hatch_rate {
            match r.trim().parse::<f64>() {
                Ok(v) if v > 0.0 && v.is_finite() => {}
                _ => {
                    return Err(bad(
                        "[load] hatch_rate (--hatch-rate)",
                        format!("{r:?} is not a positive number of users per second"),
                    ));
                }
            }
        }
        if let Some(t) = self.run_time
            && t < MIN_RUN_TIME
        {
            return Err(bad(
                "[load] run_time (--run-time)",
                format!(
                    "{} ms is under {}s; Goose counts whole seconds",
                    t.as_millis(),
                    MIN_RUN_TIME.as_secs()
                ),
            ));
        }
        if self.iterations == Some(0) {
            return Err(bad(
                "[load] iterations (--iterations)",
                "0 would run unbounded; give at least 1",
            ));
        }
        if self.throttle == Some(0) {
            return Err(bad(
                "[load] throttle (--throttle)",
                "0 requests per second would send nothing; give at least 1 or leave it out",
            ));
        }
        let most = self.most_rate();
        if let Some(r) = self.rate
            && !(MIN_RATE..=most).contains(&r)
        {
            return Err(bad(
                "[load] rate (--rate)",
                format!(
                    "{} is outside {MIN_RATE} to {most} requests per second ({MAX_RATE} per process; scale out with more workers beyond it)",
                    if (1e-3..1e9).contains(&r) {
                        r.to_string()
                    } else {
                        format!("{r:e}")
                    }
                ),
            ));
        }
        if self.iterations.is_some() && self.run_time.is_some() {
            return Err(bad(
                "[load] iterations and run_time",
                "give one bound: Goose runs either a number of iterations per user or for a time (--iterations replaces the file's run_time)",
            ));
        }
        if let Some(t) = self.timeout
            && t.is_zero()
        {
            return Err(bad(
                "[load] timeout",
                "a request timeout must be longer than 0s",
            ));
        }
        Ok(())
    }

    fn check_open_model(&self) -> Result<(), ValueError> {
        let most = self.most_rate();
        let rate_ok = |r: f64| (0.0..=most).contains(&r);
        if let Some(r) = self.start_rate {
            if !rate_ok(r) {
                return Err(bad(
                    format!("[load] start_rate = {r}"),
                    format!("a rate from 0 to {most} requests per second"),
                ));
            }
            if self.stages.is_empty() {
                return Err(bad(
                    "[load] start_rate",
                    "only [[load.stage]] ramps from it; give stages, or use rate for a constant rate",
                ));
            }
        }
        if (self.rate.is_some() || !self.stages.is_empty())
            && (self.hatch_rate.is_some() || self.test_plan.is_some())
        {
            return Err(bad(
                "[load] hatch_rate / test_plan",
                "an arrival-rate run starts all its users (the concurrency cap) before its schedule; leave them out",
            ));
        }
        if (self.rate.is_some() || !self.stages.is_empty()) && self.users.is_none() {
            return Err(bad(
                "[load] users (-u)",
                "an arrival-rate run needs its concurrency cap: the most requests in flight at once",
            ));
        }
        if self.stages.is_empty() {
            if self.rate.is_some() && self.run_time.is_none() {
                return Err(bad(
                    "[load] rate (--rate)",
                    "an arrival rate runs for a time; give run_time (--run-time) rather than iterations or a test plan",
                ));
            }
            return Ok(());
        }
        if self.rate.is_some() {
            return Err(bad(
                "[load] rate and [[load.stage]]",
                "give one; a constant rate is one stage",
            ));
        }
        if self.run_time.is_some() || self.iterations.is_some() || self.test_plan.is_some() {
            return Err(bad(
                "[[load.stage]]",
                "the stages set the run time; leave out run_time, iterations and test_plan",
            ));
        }
        if self.throttle.is_some() {
            return Err(bad(
                "[load] throttle",
                "an arrival-rate run paces itself; leave the throttle out",
            ));
        }
        for (i, st) in self.stages.iter().enumerate() {
            if !rate_ok(st.target) {
                return Err(bad(
                    format!("[[load.stage]] #{}", i + 1),
                    format!(
                        "target = {}: a rate from 0 to {most} requests per second",
                        st.target
                    ),
                ));
            }
            if st.duration.is_zero() {
                return Err(bad(
                    format!("[[load.stage]] #{}", i + 1),
                    "duration must be longer than 0s",
                ));
            }
        }
        let total: Duration = self.stages.iter().map(|s| s.duration).sum();
        if total < MIN_RUN_TIME {
            return Err(bad(
                "[[load.stage]]",
                format!(
                    "the stages last {} ms; at least {}s",
                    total.as_millis(),
                    MIN_RUN_TIME.as_secs()
                ),
            ));
        }
        if self.stages.iter().all(|s| s.target == 0.0) && self.start_rate.unwrap_or(0.0) == 0.0 {
            return Err(bad(
                "[[load.stage]]",
                "every target is 0; nothing would be sent",
            ));
        }
        Ok(())
    }
}

impl CampaignChoice {
    /// Checks every id (and a per-user prefix) the way campaign-api will when it renders a
    /// request, wherever it came from.
    pub fn check(&self) -> Result<(), ValueError> {
        match self {
            CampaignChoice::PerUser { prefix } if prefix.is_empty() => Err(bad(
                "[campaigns] prefix (--campaign-prefix)",
                "must not be empty",
            )),
            CampaignChoice::PerUser { prefix } => check_prefix(prefix)
                .map_err(|e| bad("[campaigns] prefix (--campaign-prefix)", e.to_string())),
            CampaignChoice::Shared { id } => campaign_api::CampaignId::new(id.as_str())
                .map(|_| ())
                .map_err(|e| bad("[campaigns] id", e.to_string())),
            CampaignChoice::List { ids } => ids.iter().try_for_each(|id| {
                campaign_api::CampaignId::new(id.as_str())
                    .map(|_| ())
                    .map_err(|e| bad("[campaigns]", e.to_string()))
            }),
        }
    }
}

/// Checks a per-user prefix: `<prefix>0` must be a campaign id campaign-api accepts.
pub(crate) fn check_prefix(prefix: &str) -> Result<(), campaign_api::CampaignIdError> {
    campaign_api::CampaignId::new(format!("{prefix}0")).map(|_| ())
}

impl Scenario {
    /// Checks the scenario as it will run (after flags override the file): every load value,
    /// every campaign id, the client and its trust settings. The one place values are checked
    /// before Goose sees them.
    pub fn check(&self) -> Result<(), ValueError> {
        self.load.check()?;
        if self.load.throttle.is_some() && self.transport.client == Some(ClientKind::Lean) {
            return Err(bad(
                "[load] throttle",
                "Goose's throttle paces only Goose's own client; use client = \"goose\" (--client goose) or an arrival rate",
            ));
        }
        self.transport
            .trust
            .check()
            .map_err(|e| bad("--ca-file / --insecure", e.to_string()))?;
        self.campaigns.check()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::worker::WorkerSlice;

    #[test]
    fn a_rate_is_bounded_per_process_so_a_fleet_may_ask_n_times_more() {
        let load = |rate: f64, worker: WorkerSlice| Load {
            users: Some(4),
            run_time: Some(Duration::from_secs(5)),
            rate: Some(rate),
            worker,
            ..Load::default()
        };
        let whole = WorkerSlice::WHOLE;
        assert!(load(MIN_RATE, whole).check().is_ok());
        assert!(load(MAX_RATE, whole).check().is_ok());
        for bad in [0.5, MAX_RATE + 1.0, 1e300, f64::NAN] {
            let e = load(bad, whole).check().expect_err("out of bounds");
            assert!(e.to_string().starts_with("[load] rate (--rate): "), "{e}");
        }
        let half = WorkerSlice::parse("0/2", "--worker").expect("slice");
        assert!(load(2.0 * MAX_RATE, half).check().is_ok());
        assert!(load(2.0 * MAX_RATE + 1.0, half).check().is_err());
    }
}
