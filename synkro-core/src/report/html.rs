//! A self-contained HTML page for a whole [`ReportDocument`]: summary, data freshness, the
//! metrics with inline SVG charts (reply-time distribution, volumes by day, hour-of-day heatmap;
//! a note instead of a chart whose breakdown is not configured) and the per-manager table, every
//! other section, and the narrative. No external assets. The numbers come from the same blocks
//! as the Markdown's (`report::blocks`), so both formats show them alike.

use std::fmt::Write as _;

use crate::analytics::{Dimension, MetricsReport, human, metrics_blocks};
use crate::report::blocks::blocks_html;
use crate::report::render::{period_text, stored_data_text, summary_blocks};
use crate::report::table::manager_table;
use crate::report::{ReportDocument, SourceState};

/// Escapes text for HTML element content and attribute values.
#[must_use]
pub fn escape_html(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1d2430;max-width:1200px}\
table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.85rem}th,td{border:1px solid #d5d9e0;padding:.25rem .5rem;text-align:right}\
th{background:#f2f4f7}td:first-child,th:first-child{text-align:left}.wrap{overflow-x:auto}.warn{background:#fff4e5;border:1px solid #f0b35b;padding:.5rem 1rem}\
pre{white-space:pre-wrap;background:#f7f8fa;padding:.75rem}.note{color:#5a6270;font-style:italic}svg text{font-size:11px;fill:#1d2430}";

/// The document as one HTML page, with every number of the Markdown ([`to_markdown`]): the header,
/// the data freshness, the summary and its tables, every section (the metrics from the same
/// blocks as their Markdown, with charts and the per-manager table of every column), and the
/// narrative. When the metrics section is unreadable the page says so and shows its Markdown.
///
/// [`to_markdown`]: crate::report::to_markdown
#[must_use]
pub fn to_html(doc: &ReportDocument) -> String {
    let mut h = String::new();
    let title = format!("Report for {}: {}", doc.tenant_name, period_text(doc));
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>",
        escape_html(&title)
    );
    let _ = write!(
        h,
        "<h1>{}</h1><p>Mode <code>{}</code>; window {} – {} UTC ({}).</p>",
        escape_html(&title),
        escape_html(&doc.mode),
        doc.window.start.format("%Y-%m-%d %H:%M"),
        doc.window.end.format("%Y-%m-%d %H:%M"),
        escape_html(&doc.timezone)
    );
    let failed: Vec<_> = doc.failed_sources().collect();
    if !failed.is_empty() {
        let _ = write!(h, "<h2>⚠ Data freshness</h2><ul class=\"warn\">");
        for s in failed {
            if let SourceState::Failed { error, .. } = &s.state {
                let _ = write!(
                    h,
                    "<li><b>{}</b> failed in this run ({}); {}.</li>",
                    escape_html(&s.source),
                    escape_html(error),
                    escape_html(&stored_data_text(s))
                );
            }
        }
        let _ = write!(h, "</ul>");
    }
    let _ = write!(h, "<h2>Summary</h2>");
    blocks_html(&mut h, &summary_blocks(&doc.summary));
    for sec in &doc.sections {
        let _ = write!(h, "<h2>{}</h2>", escape_html(&sec.title));
        if sec.id != crate::analytics::METRICS_SECTION_ID {
            let _ = write!(h, "<pre>{}</pre>", escape_html(&sec.markdown));
            continue;
        }
        match MetricsReport::from_section_data(&sec.data) {
            Ok(m) => metrics_html(&mut h, &m),
            Err(e) => {
                let _ = write!(
                    h,
                    "<p class=\"warn\">The metrics section could not be read: {}</p><pre>{}</pre>",
                    escape_html(&e.to_string()),
                    escape_html(&sec.markdown)
                );
            }
        }
    }
    let _ = write!(h, "<h2>Analysis</h2>");
    if doc.narrative.fallback {
        let _ = write!(
            h,
            "<p><i>The AI analysis failed; this is the plain summary.</i></p>"
        );
    }
    let _ = write!(
        h,
        "<pre>{}</pre></body></html>",
        escape_html(&doc.narrative.text)
    );
    h
}

/// The metrics: the blocks of their Markdown, the charts, and the per-manager table of every
/// exported column.
fn metrics_html(h: &mut String, m: &MetricsReport) {
    blocks_html(h, &metrics_blocks(m));
    histogram_svg(h, m);
    by_day_svg(h, m);
    heatmap_svg(h, m);
    let (header, rows) = manager_table(m);
    let _ = write!(
        h,
        "<h3>By manager, every column</h3><div class=\"wrap\"><table id=\"managers\"><tr>"
    );
    for c in &header {
        let _ = write!(h, "<th>{}</th>", escape_html(c));
    }
    let _ = write!(h, "</tr>");
    for r in rows {
        let _ = write!(h, "<tr>");
        for c in r {
            let _ = write!(h, "<td>{}</td>", escape_html(&c.text()));
        }
        let _ = write!(h, "</tr>");
    }
    let _ = write!(h, "</table></div>");
}

/// A chart left out, and why.
fn chart_note(h: &mut String, title: &str, why: &str) {
    let _ = write!(
        h,
        "<h3>{}</h3><p class=\"note\">Chart not shown: {}.</p>",
        escape_html(title),
        escape_html(why)
    );
}

fn histogram_svg(h: &mut String, m: &MetricsReport) {
    let b = &m.reply_histogram;
    let max = b
        .iter()
        .map(|x| x.calendar.max(x.business))
        .max()
        .unwrap_or(0)
        .max(1);
    let (w, ht, bw) = (60 + b.len() * 80, 220, 30);
    let _ = write!(
        h,
        "<h3>Reply-time distribution</h3><svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"reply-time distribution\" width=\"{w}\" height=\"{ht}\">"
    );
    for (i, x) in b.iter().enumerate() {
        let x0 = 40 + i * 80;
        for (j, (v, color)) in [(x.calendar, "#9db4d6"), (x.business, "#2f6db5")]
            .iter()
            .enumerate()
        {
            let bh = (*v as f64 / max as f64 * 160.0).round() as i64;
            let _ = write!(
                h,
                "<rect x=\"{}\" y=\"{}\" width=\"{bw}\" height=\"{bh}\" fill=\"{color}\"><title>{v}</title></rect><text x=\"{}\" y=\"{}\">{v}</text>",
                x0 + j * bw,
                180 - bh,
                x0 + j * bw + 4,
                175 - bh
            );
        }
        let label = x.le_s.map_or_else(
            || "more".to_owned(),
            |s| format!("≤{}", human(Some(s as f64))),
        );
        let _ = write!(
            h,
            "<text x=\"{}\" y=\"200\">{}</text>",
            x0,
            escape_html(&label)
        );
    }
    let _ = write!(
        h,
        "<text x=\"40\" y=\"215\">light: calendar, dark: business</text></svg>"
    );
}

fn by_day_svg(h: &mut String, m: &MetricsReport) {
    const TITLE: &str = "Volumes by day";
    let Some(days) = m.breakdown(&[Dimension::Day]) else {
        return chart_note(
            h,
            TITLE,
            "the metrics settings have no [\"day\"] breakdown (metadata.metrics.breakdowns)",
        );
    };
    let rows: Vec<_> = days.rows.iter().collect();
    if rows.is_empty() {
        return chart_note(h, TITLE, "no messages in the period");
    }
    let max = rows
        .iter()
        .map(|r| r.values.messages.inbound.max(r.values.messages.out_human))
        .max()
        .unwrap_or(0)
        .max(1);
    let step = 36;
    let w = 60 + rows.len() * step;
    let _ = write!(
        h,
        "<h3>{TITLE}</h3><svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"messages by day\" width=\"{w}\" height=\"230\">"
    );
    for (i, r) in rows.iter().enumerate() {
        let x0 = 40 + i * step;
        for (j, (v, color)) in [
            (r.values.messages.inbound, "#e08a3c"),
            (r.values.messages.out_human, "#2f6db5"),
        ]
        .iter()
        .enumerate()
        {
            let bh = (*v as f64 / max as f64 * 160.0).round() as i64;
            let _ = write!(
                h,
                "<rect x=\"{}\" y=\"{}\" width=\"14\" height=\"{bh}\" fill=\"{color}\"><title>{} {v}</title></rect>",
                x0 + j * 14,
                180 - bh,
                escape_html(&r.key[0])
            );
        }
        let label = r.key[0].get(5..).unwrap_or(&r.key[0]);
        let _ = write!(
            h,
            "<text x=\"{x0}\" y=\"198\">{}</text>",
            escape_html(label)
        );
    }
    let _ = write!(
        h,
        "<text x=\"40\" y=\"220\">orange: from clients, blue: from managers</text></svg>"
    );
}

fn heatmap_svg(h: &mut String, m: &MetricsReport) {
    const TITLE: &str = "Client messages by weekday and hour";
    let Some(b) = m.breakdown(&[Dimension::Weekday, Dimension::Hour]) else {
        return chart_note(
            h,
            TITLE,
            "the metrics settings have no [\"weekday\", \"hour\"] breakdown (metadata.metrics.breakdowns)",
        );
    };
    let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let mut grid = [[0u64; 24]; 7];
    for r in &b.rows {
        let (Some(d), Ok(hr)) = (
            days.iter().position(|x| *x == r.key[0]),
            r.key[1].parse::<usize>(),
        ) else {
            continue;
        };
        if hr < 24 {
            grid[d][hr] += r.values.messages.inbound;
        }
    }
    let max = grid.iter().flatten().copied().max().unwrap_or(0).max(1);
    let _ = write!(
        h,
        "<h3>{TITLE}</h3><svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"hour-of-day heatmap\" width=\"{}\" height=\"{}\">",
        40 + 24 * 22,
        30 + 7 * 22
    );
    for hr in 0..24 {
        let _ = write!(h, "<text x=\"{}\" y=\"12\">{hr}</text>", 42 + hr * 22);
    }
    for (d, row) in grid.iter().enumerate() {
        let _ = write!(h, "<text x=\"0\" y=\"{}\">{}</text>", 32 + d * 22, days[d]);
        for (hr, v) in row.iter().enumerate() {
            let a = *v as f64 / max as f64;
            let _ = write!(
                h,
                "<rect x=\"{}\" y=\"{}\" width=\"20\" height=\"20\" fill=\"rgb({},{},{})\"><title>{} {hr}:00 — {v}</title></rect>",
                40 + hr * 22,
                18 + d * 22,
                (240.0 - 200.0 * a) as u8,
                (244.0 - 150.0 * a) as u8,
                (250.0 - 70.0 * a) as u8,
                days[d]
            );
        }
    }
    let _ = write!(h, "</svg>");
}
