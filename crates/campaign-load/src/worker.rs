//! Scale-out: one test split between N workers, so that their union is the whole test, exactly.
//!
//! Goose 0.19 has no distributed mode; this is k6's execution segments, in campaign-load's
//! terms. Worker `I/N` (from 0) runs its slice of the scenario as written for the whole fleet:
//! - **open model:** the arrivals whose index is ≡ I (mod N) of the single-machine schedule,
//!   at the single-machine due times (so N workers send every arrival once, none twice);
//! - **users** (the closed model's load, the open model's concurrency cap), the hatch rate and
//!   Goose's throttle: split as evenly as the counts allow, the first `total mod N` workers
//!   taking one more;
//! - **campaigns:** per-user ids get a prefix of their own (`load-` → `load-w1-`); a list of ids
//!   (named ones on a configured host among them) is cut into N contiguous blocks, and no id
//!   goes to two workers. A shared campaign cannot be split, and a Goose test plan is not.
//!
//! The merge refuses a fleet whose slices do not add up to the whole (see
//! [`crate::merge::merge`]).

use crate::scenario::{CampaignChoice, Scenario};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Range;
use std::str::FromStr;

/// The variable `--worker` may come from.
pub const WORKER_VAR: &str = "CAMPAIGN_LOAD_WORKER";
/// Kubernetes' index of an Indexed Job's pod, the `I` of `--workers N`.
pub const INDEX_VAR: &str = "JOB_COMPLETION_INDEX";
/// More workers than this is a typo, not a fleet.
pub const MAX_WORKERS: u32 = 10_000;

/// Worker `index` of `count` (`1/3`): the part of one test a run covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct WorkerSlice {
    /// From 0.
    pub index: u32,
    /// How many workers share the test.
    pub count: u32,
}

/// A worker slice that cannot be used, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkerError {
    /// Not `I/N` with 0 ≤ I < N ≤ [`MAX_WORKERS`].
    #[error(
        "{from} = {value:?}: give the worker as I/N, from 0: 0/3, 1/3 and 2/3 are the three workers of one test (N at most {MAX_WORKERS})"
    )]
    Malformed {
        /// The flag or variable.
        from: String,
        /// What it said.
        value: String,
    },
    /// `--workers N` without Kubernetes' index.
    #[error(
        "--workers {count} takes this worker's index from {INDEX_VAR} (an Indexed Job sets it), which is not set: give --worker I/{count} instead"
    )]
    NoIndex {
        /// N.
        count: u32,
    },
    /// The slice would get none of something the run needs.
    #[error(
        "worker {slice} gets none of the scenario's {total} {what}: a fleet of {count} needs at least {count} (or run fewer workers)",
        count = slice.count
    )]
    Empty {
        /// The slice.
        slice: WorkerSlice,
        /// Users, ids, …
        what: &'static str,
        /// How many there are for the whole test.
        total: usize,
    },
    /// Fewer ids in the worker's block than its users.
    #[error(
        "worker {slice} drives {users} user(s), each on a campaign of its own, but its block of the {total} named campaign(s) holds {block}: name one campaign per user of the whole fleet (the scenario's users; each worker's block then holds its users), or run fewer users"
    )]
    TooFewIds {
        /// The slice.
        slice: WorkerSlice,
        /// Its users.
        users: usize,
        /// Ids named for the whole fleet.
        total: usize,
        /// Ids in this worker's block.
        block: usize,
    },
    /// Something the slices cannot share.
    #[error("worker {slice}: {what} cannot be split between workers: {fix}")]
    Unsplittable {
        /// The slice.
        slice: WorkerSlice,
        /// What.
        what: &'static str,
        /// What to do instead.
        fix: &'static str,
    },
}

impl WorkerSlice {
    /// The whole test: one worker.
    pub const WHOLE: WorkerSlice = WorkerSlice { index: 0, count: 1 };

    /// Whether this is the whole test.
    pub fn is_whole(&self) -> bool {
        self.count == 1
    }

    /// Parses `I/N`, naming `from` (a flag or variable) when it cannot.
    pub fn parse(value: &str, from: &str) -> Result<WorkerSlice, WorkerError> {
        let bad = || WorkerError::Malformed {
            from: from.to_string(),
            value: value.chars().take(40).collect(),
        };
        let (i, n) = value.trim().split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || count > MAX_WORKERS || index >= count {
            return Err(bad());
        }
        Ok(WorkerSlice { index, count })
    }

    /// `--workers N`: the index from [`INDEX_VAR`].
    pub fn from_index_var(count: u32) -> Result<WorkerSlice, WorkerError> {
        let index = std::env::var(INDEX_VAR).map_err(|_| WorkerError::NoIndex { count })?;
        WorkerSlice::parse(
            &format!("{index}/{count}"),
            &format!("{INDEX_VAR} with --workers"),
        )
    }

    /// This worker's share of `total` things split evenly: `total / N`, plus one for the first
    /// `total mod N` workers. The shares of all N add up to `total`.
    pub fn share(&self, total: usize) -> usize {
        let (n, i) = (self.count as usize, self.index as usize);
        total / n + usize::from(i < total % n)
    }

    /// This worker's contiguous block of a list of `len` items: the blocks of all N cover the
    /// list once, their sizes as [`WorkerSlice::share`] gives them.
    pub fn block(&self, len: usize) -> Range<usize> {
        let (n, i) = (self.count as usize, self.index as usize);
        let start = i * (len / n) + i.min(len % n);
        start..start + self.share(len)
    }

    /// Of the single-machine schedule's first `due` arrivals (numbered from 0), how many are
    /// this worker's (those numbered ≡ index mod count).
    pub fn arrivals_of(&self, due: u64) -> u64 {
        let (n, i) = (u64::from(self.count), u64::from(self.index));
        if due > i { (due - i - 1) / n + 1 } else { 0 }
    }

    /// The single-machine number of this worker's arrival `k`.
    pub fn arrival(&self, k: u64) -> u64 {
        k * u64::from(self.count) + u64::from(self.index)
    }
}

impl Default for WorkerSlice {
    fn default() -> Self {
        WorkerSlice::WHOLE
    }
}

impl fmt::Display for WorkerSlice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for WorkerSlice {
    type Err = WorkerError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        WorkerSlice::parse(s, "--worker")
    }
}

/// Lays `slice` over `scenario`, written for the whole test: its users, hatch rate, throttle
/// and campaigns become this worker's share, and its schedule deals this worker its arrivals.
/// Refused when a share would be empty, or for what cannot be split.
pub(crate) fn slice_scenario(s: &mut Scenario, slice: WorkerSlice) -> Result<(), WorkerError> {
    s.load.worker = slice;
    if slice.is_whole() {
        return Ok(());
    }
    if s.load.test_plan.is_some() {
        return Err(WorkerError::Unsplittable {
            slice,
            what: "a Goose test plan",
            fix: "give users and hatch_rate (or a rate) instead",
        });
    }
    let users = s.load.users.unwrap_or(1);
    match slice.share(users) {
        0 => {
            return Err(WorkerError::Empty {
                slice,
                what: "users",
                total: users,
            });
        }
        n => s.load.users = Some(n),
    }
    if let Some(r) = s
        .load
        .hatch_rate
        .as_deref()
        .and_then(|r| r.parse::<f64>().ok())
    {
        s.load.hatch_rate = Some((r / f64::from(slice.count)).to_string());
    }
    if let Some(t) = s.load.throttle {
        match slice.share(t) {
            0 => {
                return Err(WorkerError::Empty {
                    slice,
                    what: "requests per second of the throttle",
                    total: t,
                });
            }
            n => s.load.throttle = Some(n),
        }
    }
    match &mut s.campaigns {
        CampaignChoice::PerUser { prefix } => *prefix = format!("{prefix}w{}-", slice.index),
        CampaignChoice::List { ids } => {
            let block: Vec<String> = ids[slice.block(ids.len())].to_vec();
            if block.is_empty() {
                return Err(WorkerError::Empty {
                    slice,
                    what: "campaign ids of its list",
                    total: ids.len(),
                });
            }
            *ids = block;
        }
        CampaignChoice::Shared { .. } => {
            return Err(WorkerError::Unsplittable {
                slice,
                what: "a shared campaign",
                fix: "every worker would start the same one; give each user its own (mode = \"per-user\", or a list)",
            });
        }
    }
    Ok(())
}

/// How a fleet's slices fall short of the whole test.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FleetError {
    /// Slices of fleets of different sizes.
    #[error(
        "slices of different fleets: {first} and {other} (every worker of one test runs with the same N)"
    )]
    Sizes {
        /// One slice.
        first: WorkerSlice,
        /// Another, of another N.
        other: WorkerSlice,
    },
    /// The same slice twice.
    #[error(
        "worker {0} appears twice: one test's slice run twice would count its arrivals twice; pass --partial to merge separate runs anyway"
    )]
    Duplicate(WorkerSlice),
    /// Slices missing.
    #[error(
        "the fleet of {count} is missing worker(s) {}: merge every worker's summary, or pass --partial to merge what there is (its figures are then a part of the test, not the whole)",
        missing.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
    )]
    Missing {
        /// N.
        count: u32,
        /// The indexes not there.
        missing: Vec<u32>,
    },
}

/// Checks that `slices` make one whole test: one N, and (unless `partial`) each index once.
/// `partial` merges what there is: some workers of a fleet, or separate runs of one slice.
pub fn check_fleet(slices: &[WorkerSlice], partial: bool) -> Result<(), FleetError> {
    let Some(first) = slices.first() else {
        return Ok(());
    };
    let mut seen = vec![false; first.count as usize];
    for s in slices {
        if s.count != first.count {
            return Err(FleetError::Sizes {
                first: *first,
                other: *s,
            });
        }
        if std::mem::replace(&mut seen[s.index as usize], true) && !partial {
            return Err(FleetError::Duplicate(*s));
        }
    }
    let missing: Vec<u32> = (0..first.count).filter(|i| !seen[*i as usize]).collect();
    if !missing.is_empty() && !partial {
        return Err(FleetError::Missing {
            count: first.count,
            missing,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(i: u32, n: u32) -> WorkerSlice {
        WorkerSlice { index: i, count: n }
    }

    #[test]
    fn slices_parse_and_refuse_what_is_not_one() {
        assert_eq!("1/3".parse::<WorkerSlice>(), Ok(w(1, 3)));
        assert_eq!(w(2, 3).to_string(), "2/3");
        for bad in ["3/3", "1", "a/3", "0/0", "-1/3", "1/100001", ""] {
            let e = bad.parse::<WorkerSlice>().expect_err(bad);
            assert!(e.to_string().contains("--worker"), "{e}");
        }
    }

    #[test]
    fn shares_and_blocks_add_up_to_the_whole() {
        for n in 1..=7u32 {
            for total in 0..=23usize {
                let mut covered = Vec::new();
                let mut sum = 0;
                for i in 0..n {
                    let s = w(i, n);
                    sum += s.share(total);
                    assert_eq!(s.block(total).len(), s.share(total));
                    covered.extend(s.block(total));
                    let sh = s.share(total);
                    assert!(sh == total / n as usize || sh == total / n as usize + 1);
                }
                assert_eq!(sum, total);
                assert_eq!(covered, (0..total).collect::<Vec<_>>(), "{n} {total}");
            }
        }
    }

    #[test]
    fn arrivals_are_dealt_by_index_mod_n() {
        for n in 1..=5u32 {
            for due in 0..=40u64 {
                let total: u64 = (0..n).map(|i| w(i, n).arrivals_of(due)).sum();
                assert_eq!(total, due, "{n} {due}");
                for i in 0..n {
                    let s = w(i, n);
                    let mine = (0..due)
                        .filter(|a| a % u64::from(n) == u64::from(i))
                        .count();
                    assert_eq!(s.arrivals_of(due), mine as u64);
                    for k in 0..s.arrivals_of(due) {
                        assert_eq!(s.arrival(k) % u64::from(n), u64::from(i));
                    }
                }
            }
        }
    }

    #[test]
    fn a_fleet_is_whole_only_with_every_slice_once() {
        assert_eq!(check_fleet(&[w(0, 3), w(2, 3), w(1, 3)], false), Ok(()));
        assert_eq!(
            check_fleet(&[w(0, 3), w(2, 3)], false),
            Err(FleetError::Missing {
                count: 3,
                missing: vec![1]
            })
        );
        assert_eq!(check_fleet(&[w(0, 3), w(2, 3)], true), Ok(()));
        assert_eq!(
            check_fleet(&[w(0, 3), w(0, 3), w(1, 3), w(2, 3)], false),
            Err(FleetError::Duplicate(w(0, 3)))
        );
        assert_eq!(check_fleet(&[w(0, 3), w(0, 3)], true), Ok(()));
        assert!(matches!(
            check_fleet(&[w(0, 3), w(1, 2)], true),
            Err(FleetError::Sizes { .. })
        ));
        assert_eq!(
            check_fleet(&[WorkerSlice::WHOLE, WorkerSlice::WHOLE], false),
            Err(FleetError::Duplicate(WorkerSlice::WHOLE))
        );
    }
}
