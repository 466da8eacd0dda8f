//! `campaign-load compare`: a run against its baseline, as a table and a gate.

use crate::cli::CompareArgs;
use crate::compare::{Options, Rule, compare, html, junit, markdown, text};
use crate::exit::Exit;
use crate::summary::Summary;
use std::path::PathBuf;

/// The options checked once, where they enter: every value in range before anything is read.
fn options(a: &CompareArgs) -> Result<Options, String> {
    if !(a.noise.is_finite() && (0.0..=100.0).contains(&a.noise)) {
        return Err(format!("--noise {}: a percentage from 0 to 100", a.noise));
    }
    if !(a.noise_pp.is_finite() && (0.0..=100.0).contains(&a.noise_pp)) {
        return Err(format!(
            "--noise-pp {}: percentage points from 0 to 100",
            a.noise_pp
        ));
    }
    if !(a.confidence.is_finite() && a.confidence >= 50.0 && a.confidence < 100.0) {
        return Err(format!(
            "--confidence {}: a percentage from 50 to under 100, e.g. 95",
            a.confidence
        ));
    }
    let rules = a
        .fail_on
        .iter()
        .map(|r| Rule::parse(r))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Options {
        noise: a.noise / 100.0,
        noise_pp: a.noise_pp,
        confidence: a.confidence / 100.0,
        seed: a.seed,
        rules,
        force: a.force,
    })
}

pub(super) fn main(a: &CompareArgs) -> Exit {
    let opts = match options(a) {
        Ok(o) => o,
        Err(e) => return super::could_not_start(e),
    };
    let read =
        |p: &PathBuf, which: &str| Summary::read(p).map_err(|e| format!("the {which} summary {e}"));
    let (base, new) = match (read(&a.baseline, "baseline"), read(&a.new, "new")) {
        (Ok(b), Ok(n)) => (b, n),
        (Err(e), _) | (_, Err(e)) => return super::could_not_start(e),
    };
    let c = match compare(&base, &new, &opts) {
        Ok(c) => c,
        Err(why) => {
            return super::could_not_start(format!(
                "{} and {} are not runs of the same test: {}; --force compares them anyway",
                a.baseline.display(),
                a.new.display(),
                why.join("; ")
            ));
        }
    };
    let mut files: Vec<(&PathBuf, String)> = Vec::new();
    if let Some(p) = &a.markdown {
        files.push((p, markdown(&c)));
    }
    if let Some(p) = &a.junit {
        files.push((p, junit(&c)));
    }
    if let Some(p) = &a.html {
        files.push((p, html(&c, &base, &new)));
    }
    if let Some(p) = &a.json {
        match serde_json::to_string_pretty(&c) {
            Ok(j) => files.push((p, j)),
            Err(e) => {
                return super::could_not_start(format!(
                    "{}: the comparison does not encode as JSON: {e}",
                    p.display()
                ));
            }
        }
    }
    print!("{}", text(&c));
    for (p, body) in files {
        if let Err(e) = std::fs::write(p, body) {
            return super::could_not_start(format!("{}: cannot write: {e}", p.display()));
        }
    }
    if c.passed {
        Exit::Pass
    } else {
        Exit::ThresholdFailed
    }
}
