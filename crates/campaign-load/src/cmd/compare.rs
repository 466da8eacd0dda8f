//! `campaign-load compare`: a run against its baseline, as a table and a gate.

use crate::cli::CompareArgs;
use crate::compare::{Options, Rule, compare, html, junit, markdown, text};
use crate::exit::Exit;
use crate::summary::Summary;
use std::path::PathBuf;

/// One way of writing a comparison down.
type Render = fn(&crate::compare::Comparison) -> String;

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
    let outputs: [(&Option<PathBuf>, Render); 3] = [
        (&a.markdown, markdown),
        (&a.junit, junit),
        (&a.json, |c| {
            serde_json::to_string_pretty(c).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
        }),
    ];
    let page = a.html.as_ref().map(|_| html(&c, &base, &new));
    print!("{}", text(&c));
    if let (Some(p), Some(page)) = (&a.html, page)
        && let Err(e) = std::fs::write(p, page)
    {
        return super::could_not_start(format!("{}: cannot write: {e}", p.display()));
    }
    for (path, render) in outputs {
        if let Some(p) = path
            && let Err(e) = std::fs::write(p, render(&c))
        {
            return super::could_not_start(format!("{}: cannot write: {e}", p.display()));
        }
    }
    if c.passed {
        Exit::Pass
    } else {
        Exit::ThresholdFailed
    }
}
