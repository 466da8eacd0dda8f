//! The HTML report: one page that needs no network.

use crate::summary::Summary;
use std::fmt::Write as _;

/// A self-contained HTML page: its charts are SVG drawn into the page, so it renders with no
/// network (an air-gapped CI artifact store, a laptop on a plane).
pub(crate) fn render(s: &Summary) -> String {
    let esc = |s: &str| html_escape::encode_text(s).into_owned();
    let table = |head: &[&str], rows: Vec<Vec<String>>| -> String {
        let mut t = String::from("<table><tr>");
        for h in head {
            let _ = write!(t, "<th>{}</th>", esc(h));
        }
        t.push_str("</tr>");
        for r in rows {
            t.push_str("<tr>");
            for c in r {
                let _ = write!(t, "<td>{}</td>", esc(&c));
            }
            t.push_str("</tr>");
        }
        t.push_str("</table>");
        t
    };
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>campaign-load: {}</h1><p>Host {}, {} worker(s), {:.1} s; {}.</p>",
        esc(&s.scenario),
        esc(&s.host),
        s.workers,
        s.duration_secs,
        esc(&s.model_line())
    );
    if !s.thresholds.is_empty() {
        let failed = s.thresholds.iter().filter(|t| !t.passed).count();
        let _ = write!(
            body,
            "<p class=\"{}\"><b>{}</b></p>",
            if failed == 0 { "pass" } else { "fail" },
            if failed == 0 {
                "PASS: every threshold held".to_string()
            } else {
                format!("FAIL: {failed} threshold(s) failed")
            }
        );
    }
    for chart in super::charts::all(s) {
        body.push_str(&chart);
    }
    let stages = s.stage_rows();
    if !stages.is_empty() {
        body.push_str("<h2>Rate</h2>");
        body.push_str(&table(
            &["stage", "window", "target", "achieved", "short"],
            stages.into_iter().map(Vec::from).collect(),
        ));
        if let Some(l) = s.arrivals_line() {
            let _ = write!(body, "<p>{}</p>", esc(&l));
        }
    }
    body.push_str("<h2>Latency</h2>");
    body.push_str(&table(
        &Summary::HEAD,
        s.rows()
            .into_iter()
            .map(|(n, r)| std::iter::once(n).chain(s.cells(&r)).collect())
            .collect(),
    ));
    body.push_str("<h2>Accounting</h2>");
    let mut acc: Vec<Vec<String>> = s
        .accounting
        .classes
        .iter()
        .map(|(k, v)| vec![k.clone(), v.to_string()])
        .collect();
    acc.push(vec!["sent".into(), s.accounting.sent.to_string()]);
    body.push_str(&table(&["class", "count"], acc));
    if !s.thresholds.is_empty() {
        body.push_str("<h2>Thresholds</h2>");
        body.push_str(&table(
            &["threshold", "observed", "result"],
            s.thresholds
                .iter()
                .map(|t| {
                    vec![
                        t.rule.clone(),
                        t.observed.clone(),
                        if t.passed { "pass" } else { "FAIL" }.into(),
                    ]
                })
                .collect(),
        ));
    }
    let _ = write!(
        body,
        "<p>Campaigns stopped at the end: {}.</p>",
        s.campaigns_stopped_at_end
    );
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>campaign-load: {name}</title>\
         <style>body{{font-family:sans-serif;max-width:1100px;margin:1em auto}}table{{border-collapse:collapse;margin:0.5em 0}}td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}td:first-child,th:first-child{{text-align:left}}.pass{{color:#060}}.fail{{color:#b00}}figure{{margin:0.5em 0}}</style></head>\
         <body>{body}</body></html>\n",
        name = esc(&s.scenario),
    )
}
