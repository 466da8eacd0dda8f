//! Merging workers' summaries into the fleet's: counts add, microsecond histograms merge,
//! percentiles are recomputed, and every rule is judged again on the merged figures (a fleet's
//! p99, rate, shortfall and late share are the fleet's, not a vote of its workers).

use crate::error::LoadError;
use crate::summary::{Summary, SummaryFileError, SummaryProblem};
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

/// The largest summary file read. A summary keeps a latency histogram per second: a 60 s run of
/// `scenarios/voice-start-stop.toml` (32 users, 3,500 requests a second, six request names)
/// wrote 683 KB, about 4.7 KB a second of run, so this holds some fifteen hours of such a run,
/// while `merge /dev/zero` or a mistyped path to a disk image stops here.
pub const MAX_SUMMARY_BYTES: u64 = 256 * campaign_api::MIB;

/// The fleet's summary, judged.
#[derive(Debug)]
pub struct Merged {
    /// The merged summary, with its thresholds judged.
    pub summary: Summary,
    /// True when every threshold held.
    pub passed: bool,
}

/// Merges the summaries at `inputs`, and judges `fleet_rules` on the result (the workers' own
/// rules when none are given). Refuses the same summary twice, runs of different models or
/// schedules, and (unless `partial`) worker slices that do not make one whole test.
pub fn merge(
    inputs: &[PathBuf],
    fleet_rules: &[String],
    partial: bool,
) -> Result<Merged, LoadError> {
    // Summary::default() has 0 workers: merging the first input takes its scenario and host.
    let mut merged = Summary::default();
    // Each input read once; what is kept to find the same summary twice is its canonical path
    // and a digest of its text (a match is confirmed on the texts), not the text itself.
    let mut seen: Vec<(PathBuf, u64, &Path)> = Vec::new();
    for p in inputs {
        let text = read(p)?;
        let real = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
        let digest = {
            let mut h = DefaultHasher::new();
            text.hash(&mut h);
            h.finish()
        };
        for (r, d, first) in &seen {
            let same = *r == real || (*d == digest && read(first)? == text);
            if same {
                return Err(LoadError::SameSummary {
                    path: p.clone(),
                    first: first.to_path_buf(),
                });
            }
        }
        seen.push((real, digest, p));
        let s = Summary::parse(p, &text)?;
        merged
            .mergeable(&s)
            .map_err(|source| LoadError::Unmergeable {
                path: p.clone(),
                source,
            })?;
        merged.merge(&s);
    }
    crate::worker::check_fleet(&merged.slices, partial)?;
    let rules = if fleet_rules.is_empty() {
        merged.rules()
    } else {
        fleet_rules.to_vec()
    };
    let from = if fleet_rules.is_empty() {
        inputs.first().map_or_else(String::new, |p| display(p))
    } else {
        "--threshold".to_string()
    };
    let rules = crate::threshold::with_defaults(&rules, merged.arrivals.is_some())
        .map_err(|source| LoadError::Threshold { from, source })?;
    let passed = crate::threshold::judge(&mut merged, &rules);
    Ok(Merged {
        summary: merged,
        passed,
    })
}

/// The text of a summary file, capped ([`MAX_SUMMARY_BYTES`]) and only from a regular file.
pub(crate) fn read(p: &Path) -> Result<String, SummaryFileError> {
    campaign_api::read_capped(p, MAX_SUMMARY_BYTES, "summary file").map_err(|e| SummaryFileError {
        path: p.to_path_buf(),
        problem: SummaryProblem::Read(e.problem.to_string()),
    })
}

fn display(p: &Path) -> String {
    p.display().to_string()
}
