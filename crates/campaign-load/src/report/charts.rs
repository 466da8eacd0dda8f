//! The HTML report's charts, drawn as SVG by plotters into the page itself.
//!
//! Goose's HTML report loads ECharts from a CDN, so its charts are blank wherever there is no
//! network (an air-gapped CI artifact store). These need nothing but the file: the rate achieved
//! against the target, both latencies' percentiles, and errors by class, second by second.

use crate::summary::{Second, Summary};
use plotters::prelude::*;

const WIDTH: u32 = 1000;
const HEIGHT: u32 = 300;

/// One series: a name, a colour and a point per second.
struct Series {
    name: String,
    color: RGBColor,
    dashed: bool,
    points: Vec<(f64, f64)>,
}

/// Every chart of the report, each an SVG inside a `<figure>`. Empty without a timeline.
pub fn all(s: &Summary) -> Vec<String> {
    if s.timeline.is_empty() {
        return Vec::new();
    }
    let t = &s.timeline;
    let x = |i: usize| i as f64 + 0.5;
    let mut charts = Vec::new();
    // Rate: achieved (sent per second) against the schedule's target.
    let mut rate = vec![Series {
        name: "achieved (sent per second)".into(),
        color: RGBColor(31, 119, 180),
        dashed: false,
        points: t
            .iter()
            .enumerate()
            .map(|(i, s)| (x(i), s.sent as f64))
            .collect(),
    }];
    if t.iter().any(|s| s.target.is_some()) {
        rate.push(Series {
            name: "target (the schedule)".into(),
            color: RGBColor(214, 39, 40),
            dashed: true,
            points: t
                .iter()
                .enumerate()
                .map(|(i, s)| (x(i), s.target.unwrap_or(0.0)))
                .collect(),
        });
    }
    charts.push(figure(
        "Rate: achieved against target",
        "req/s",
        &rate,
        SeriesLabelPosition::UpperLeft,
    ));
    // Latency percentiles per second, both latencies, in milliseconds.
    let pct = |f: fn(&Second) -> &crate::histogram::Histogram, p: f32| -> Vec<(f64, f64)> {
        t.iter()
            .enumerate()
            .filter(|(_, s)| s.sent > 0)
            .map(|(i, s)| (x(i), f(s).percentile_us(p) as f64 / 1000.0))
            .collect()
    };
    let lat = vec![
        Series {
            name: "service p50".into(),
            color: RGBColor(44, 160, 44),
            dashed: false,
            points: pct(|s| &s.service, 0.5),
        },
        Series {
            name: "service p99".into(),
            color: RGBColor(23, 100, 23),
            dashed: false,
            points: pct(|s| &s.service, 0.99),
        },
        Series {
            name: "response p50 (from the schedule)".into(),
            color: RGBColor(255, 127, 14),
            dashed: true,
            points: pct(|s| &s.response, 0.5),
        },
        Series {
            name: "response p99 (from the schedule)".into(),
            color: RGBColor(180, 60, 0),
            dashed: true,
            points: pct(|s| &s.response, 0.99),
        },
    ];
    charts.push(figure(
        "Latency percentiles per second (service: send → first byte; response: due → first byte)",
        "ms",
        &lat,
        SeriesLabelPosition::LowerRight,
    ));
    // Errors by class per second: every class but ok and expected.
    let mut classes: Vec<&String> = t
        .iter()
        .flat_map(|s| s.classes.keys())
        .filter(|c| !crate::accounting::SUCCESS_CLASSES.contains(&c.as_str()))
        .collect();
    classes.sort();
    classes.dedup();
    let palette = [
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
        RGBColor(188, 189, 34),
        RGBColor(23, 190, 207),
    ];
    let errors: Vec<Series> = classes
        .iter()
        .enumerate()
        .map(|(k, c)| Series {
            name: (*c).clone(),
            color: palette[k % palette.len()],
            dashed: false,
            points: t
                .iter()
                .enumerate()
                .map(|(i, s)| (x(i), s.classes.get(*c).copied().unwrap_or(0) as f64))
                .collect(),
        })
        .collect();
    if errors.is_empty() {
        charts.push(
            "<figure><figcaption>Errors by class per second: none (every answer ok or expected)</figcaption></figure>"
                .into(),
        );
    } else {
        charts.push(figure(
            "Errors by class per second",
            "requests",
            &errors,
            SeriesLabelPosition::UpperRight,
        ));
    }
    charts
}

/// Two runs drawn over each other for `compare --html`: the rate, and service p50 and p99 per
/// second, the baseline dashed and grey-toned under the new run.
pub fn overlay(base: &Summary, new: &Summary) -> Vec<String> {
    let x = |i: usize| i as f64 + 0.5;
    let rate = |s: &Summary| -> Vec<(f64, f64)> {
        s.timeline
            .iter()
            .enumerate()
            .map(|(i, s)| (x(i), s.sent as f64))
            .collect()
    };
    let pct = |s: &Summary, p: f32| -> Vec<(f64, f64)> {
        s.timeline
            .iter()
            .enumerate()
            .filter(|(_, s)| s.service.count > 0)
            .map(|(i, s)| (x(i), s.service.percentile_us(p) as f64 / 1000.0))
            .collect()
    };
    let line = |name: &str, color: RGBColor, dashed: bool, points: Vec<(f64, f64)>| Series {
        name: name.into(),
        color,
        dashed,
        points,
    };
    vec![
        figure(
            "Rate per second: baseline (dashed) against new",
            "req/s",
            &[
                line("baseline", RGBColor(120, 120, 120), true, rate(base)),
                line("new", RGBColor(31, 119, 180), false, rate(new)),
            ],
            SeriesLabelPosition::LowerRight,
        ),
        figure(
            "Service latency per second: baseline (dashed) against new",
            "ms",
            &[
                line(
                    "baseline p50",
                    RGBColor(150, 150, 150),
                    true,
                    pct(base, 0.5),
                ),
                line("baseline p99", RGBColor(90, 90, 90), true, pct(base, 0.99)),
                line("new p50", RGBColor(44, 160, 44), false, pct(new, 0.5)),
                line("new p99", RGBColor(214, 39, 40), false, pct(new, 0.99)),
            ],
            SeriesLabelPosition::UpperRight,
        ),
    ]
}

/// A line chart of `series` against seconds, as a `<figure>` holding an inline SVG. A drawing
/// error (which plotters reports only for a backend failure) leaves a caption saying so rather
/// than a broken page.
fn figure(title: &str, unit: &str, series: &[Series], legend: SeriesLabelPosition) -> String {
    let esc = |s: &str| html_escape::encode_text(s).into_owned();
    match svg(title, unit, series, legend) {
        Ok(svg) => format!("<figure>{svg}</figure>"),
        Err(e) => format!(
            "<figure><figcaption>{}: not drawn ({})</figcaption></figure>",
            esc(title),
            esc(&e.to_string())
        ),
    }
}

fn svg(
    title: &str,
    unit: &str,
    series: &[Series],
    legend: SeriesLabelPosition,
) -> Result<String, DrawingAreaErrorKind<std::io::Error>> {
    let x_max = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .fold(1.0_f64, f64::max)
        .ceil();
    let y_max = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .fold(0.0_f64, f64::max);
    let y_max = if y_max > 0.0 { y_max * 1.1 } else { 1.0 };
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(8)
            .x_label_area_size(32)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..x_max, 0.0..y_max)?;
        chart
            .configure_mesh()
            .x_desc("seconds into the run")
            .y_desc(unit)
            .light_line_style(WHITE.mix(0.0))
            .draw()?;
        for s in series {
            let color = s.color;
            let style = ShapeStyle::from(&color).stroke_width(2);
            let drawn = if s.dashed {
                chart.draw_series(DashedLineSeries::new(s.points.iter().copied(), 6, 4, style))
            } else {
                chart.draw_series(LineSeries::new(s.points.iter().copied(), style))
            };
            drawn?.label(s.name.as_str()).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
            });
        }
        chart
            .configure_series_labels()
            .position(legend)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .draw()?;
        root.present()?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_every_series_as_svg_with_no_script_and_no_link() {
        let mut s = Summary::default();
        for i in 0..10u64 {
            let mut sec = Second {
                sent: 50 + i * 10,
                target: Some(50.0 + i as f64 * 10.0),
                ..Second::default()
            };
            sec.service.record_us(20_000 + i);
            sec.response.record_us(30_000 + i);
            if i == 4 {
                sec.classes.insert("unavailable".into(), 3);
            }
            s.timeline.push(sec);
        }
        let charts = all(&s);
        assert_eq!(charts.len(), 3);
        for c in &charts {
            assert!(c.contains("<svg"), "{c}");
            assert!(!c.contains("<script"));
            // The only address is the SVG namespace: nothing is fetched.
            assert_eq!(
                c.matches("http").count(),
                c.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
            );
        }
        assert!(charts[0].contains("target (the schedule)"));
        assert!(charts[1].contains("response p99"));
        assert!(charts[2].contains("unavailable"));
        // A polyline per series: achieved and target.
        assert!(charts[0].matches("<polyline").count() >= 2, "{}", charts[0]);
    }
}
