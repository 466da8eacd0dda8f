//! Each figure's row: the change from the baseline, its bootstrap interval (over seconds for the
//! whole run, over requests for one request name; see [`super::stats`]) and its verdict.

use super::stats::{self, Interval, Rng};
use super::{Basis, Metric, Options, Row, Verdict};
use crate::histogram::Histogram;
use crate::summary::{RequestStats, Second, Summary};

/// A figure of each of [`Metric::ALL`], in that order; `None` where there is nothing to read.
type Values = [Option<f64>; Metric::ALL.len()];

/// The figures of a set of requests that the rows compare.
#[derive(Debug, Default)]
struct Figures {
    service: Histogram,
    response: Histogram,
    sent: u64,
    failed: u64,
    seconds: usize,
}

impl Figures {
    /// Every figure, each histogram's three percentiles read in one pass.
    fn values(&self) -> Values {
        let percents = [0.50, 0.95, 0.99];
        let read = |h: &Histogram| {
            let p = h.percentiles_us(percents);
            p.map(|us| (h.count > 0).then_some(us as f64))
        };
        let (service, response) = (read(&self.service), read(&self.response));
        Metric::ALL.map(|m| match m {
            Metric::Service(p) => service[position(p)],
            Metric::Response(p) => response[position(p)],
            Metric::ErrorRate => {
                (self.sent > 0).then(|| self.failed as f64 * 100.0 / self.sent as f64)
            }
            Metric::Rate => (self.seconds > 0).then(|| self.sent as f64 / self.seconds as f64),
        })
    }
}

/// Where percentile `p` stands among the three read.
fn position(p: u8) -> usize {
    match p {
        50 => 0,
        95 => 1,
        _ => 2,
    }
}

/// The change from `a` to `b` in `m`'s unit; `None` when one has no figure or the baseline's
/// is 0 for a relative change.
fn change(m: Metric, a: Option<f64>, b: Option<f64>) -> Option<f64> {
    let (a, b) = (a?, b?);
    if m.in_points() {
        Some(b - a)
    } else if a > 0.0 {
        Some(b / a - 1.0)
    } else {
        None
    }
}

fn verdict(m: Metric, interval: Option<Interval>, opts: &Options) -> Verdict {
    let Some(i) = interval else {
        return Verdict::NoData;
    };
    let noise = if m.in_points() {
        opts.noise_pp
    } else {
        opts.noise
    };
    let (worse, better) = if m.higher_is_worse() {
        (i.lo > noise, i.hi < -noise)
    } else {
        (i.hi < -noise, i.lo > noise)
    };
    if worse {
        Verdict::Regressed
    } else if better {
        Verdict::Improved
    } else {
        Verdict::NoSignificantChange
    }
}

/// A second of a run, with its failures counted once (a resample reads it many times).
struct Block<'a> {
    second: &'a Second,
    failed: u64,
}

fn blocks(s: &Summary) -> Vec<Block<'_>> {
    s.timeline
        .iter()
        .map(|second| Block {
            second,
            failed: second
                .sent
                .saturating_sub(crate::accounting::succeeded_in(&second.classes)),
        })
        .collect()
}

fn block_figures(blocks: &[&Block]) -> Figures {
    let mut f = Figures {
        seconds: blocks.len(),
        ..Figures::default()
    };
    for b in blocks {
        f.service.merge(&b.second.service);
        f.response.merge(&b.second.response);
        f.sent += b.second.sent;
        f.failed += b.failed;
    }
    f
}

/// The whole run's rows: a bootstrap over seconds.
pub(super) fn whole_run(base: &Summary, new: &Summary, opts: &Options, rng: &mut Rng) -> Vec<Row> {
    let (a_blocks, b_blocks) = (blocks(base), blocks(new));
    let every = |b: &[Block<'_>]| -> Figures { block_figures(&b.iter().collect::<Vec<_>>()) };
    let (a, b) = (every(&a_blocks), every(&b_blocks));
    let comparable = !a_blocks.is_empty() && !b_blocks.is_empty();
    let (mut pick_a, mut pick_b) = (Vec::new(), Vec::new());
    resampled_rows("all", (&a, &b), Basis::Seconds, opts, comparable, || {
        pick_a.clear();
        pick_b.clear();
        stats::resample_seconds(&a_blocks, rng, |s| pick_a.push(s));
        stats::resample_seconds(&b_blocks, rng, |s| pick_b.push(s));
        (block_figures(&pick_a), block_figures(&pick_b))
    })
}

/// Every figure's row for `scope`: the change from `a` to `b`, and its interval from
/// [`stats::RESAMPLES`] draws of `resample` (none when not `comparable`).
fn resampled_rows(
    scope: &str,
    (a, b): (&Figures, &Figures),
    basis: Basis,
    opts: &Options,
    comparable: bool,
    mut resample: impl FnMut() -> (Figures, Figures),
) -> Vec<Row> {
    let mut draws: Vec<Vec<f64>> = vec![Vec::with_capacity(stats::RESAMPLES); Metric::ALL.len()];
    if comparable {
        for _ in 0..stats::RESAMPLES {
            let (ra, rb) = resample();
            let (va, vb) = (ra.values(), rb.values());
            for (i, m) in Metric::ALL.iter().enumerate() {
                if let Some(c) = change(*m, va[i], vb[i]) {
                    draws[i].push(c);
                }
            }
        }
    }
    let (va, vb) = (a.values(), b.values());
    Metric::ALL
        .iter()
        .enumerate()
        .map(|(i, m)| row(scope, *m, (va[i], vb[i]), &mut draws[i], basis, opts))
        .collect()
}

fn row(
    scope: &str,
    m: Metric,
    (a, b): (Option<f64>, Option<f64>),
    draws: &mut [f64],
    basis: Basis,
    opts: &Options,
) -> Row {
    let point = change(m, a, b);
    // An interval needs most resamples to give a figure (a run with one answered request in
    // its only second gives none half the time).
    let interval = point
        .filter(|_| draws.len() * 2 > stats::RESAMPLES)
        .map(|_| stats::percentile_interval(draws, opts.confidence));
    Row {
        scope: scope.to_string(),
        metric: m,
        base: a.unwrap_or(0.0),
        new: b.unwrap_or(0.0),
        change: point.unwrap_or(0.0),
        interval,
        basis,
        verdict: verdict(m, interval, opts),
    }
}

/// One request name's rows: a Poisson bootstrap over its requests (its figures are kept as one
/// histogram for the run, not per second). No rate row: its seconds are not kept apart.
pub(super) fn one_operation(
    name: &str,
    a: &RequestStats,
    b: &RequestStats,
    opts: &Options,
    rng: &mut Rng,
) -> Vec<Row> {
    let figures = |r: &RequestStats| Figures {
        service: r.service.clone(),
        response: r.response.clone(),
        sent: r.count,
        failed: r.fail,
        seconds: 0,
    };
    let (fa, fb) = (figures(a), figures(b));
    let redraw = |r: &RequestStats, rng: &mut Rng| {
        let failed = rng.poisson(r.fail as f64);
        Figures {
            service: stats::poisson_resample(&r.service, rng),
            response: stats::poisson_resample(&r.response, rng),
            sent: rng.poisson(r.success as f64) + failed,
            failed,
            seconds: 0,
        }
    };
    let comparable = a.count > 0 && b.count > 0;
    let mut rows = resampled_rows(name, (&fa, &fb), Basis::Requests, opts, comparable, || {
        (redraw(a, rng), redraw(b, rng))
    });
    rows.retain(|r| r.metric != Metric::Rate);
    rows
}
