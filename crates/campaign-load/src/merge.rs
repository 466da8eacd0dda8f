//! Merging workers' summaries into the fleet's: counts add, microsecond histograms merge,
//! percentiles are recomputed, and every rule is judged again on the merged figures (a fleet's
//! p99, rate, shortfall and late share are the fleet's, not a vote of its workers).

use crate::error::LoadError;
use crate::summary::Summary;
use std::path::{Path, PathBuf};

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
    let mut seen: Vec<(PathBuf, String)> = Vec::new();
    for p in inputs {
        // The same worker twice would count its requests twice.
        let real = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
        let text = std::fs::read_to_string(p).unwrap_or_default();
        if let Some((first, _)) = seen
            .iter()
            .find(|(r, t)| *r == real || (!t.is_empty() && *t == text))
        {
            return Err(LoadError::SameSummary {
                path: p.clone(),
                first: first.clone(),
            });
        }
        seen.push((real, text));
        let s = Summary::read(p)?;
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

fn display(p: &Path) -> String {
    p.display().to_string()
}
