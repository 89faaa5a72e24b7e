//! The metrics section through the engine, period-split/merge agreement, and the same numbers
//! in JSON, Markdown, HTML, CSV and XLSX.

mod analytics_support;
mod common;

use std::io::Cursor;
use std::sync::Arc;

use calamine::{Data, Reader, Xlsx};
use common::{data_end, env_with};
use synkro_core::analytics::*;
use synkro_core::model::{RunState, Window};
use synkro_core::pipeline::{Dialog, Engine};
use synkro_core::report::*;
use synkro_testkit::{Dataset, DatasetSpec};

/// A name with every character an export has to quote or escape: `,` `"` `|` `<` `=` (a formula
/// start) and a line break.
const HOSTILE: &str = "=Petrov, \"Boss\" | <b>\nSales";

/// The generated tenant's first CRM user, whom [`metrics_doc`] names [`HOSTILE`].
fn hostile_manager() -> String {
    let data = Dataset::generate(&DatasetSpec::small(11, data_end()));
    data.managers[0].id.as_str().to_owned()
}

async fn metrics_doc() -> ReportDocument {
    let names = serde_json::json!({ hostile_manager(): HOSTILE });
    let e = env_with("amocrm_radist", |c| {
        c.metadata =
            serde_json::json!({"metrics": {"sla_targets": [900, 3600], "manager_names": names}});
    })
    .await;
    let engine = Engine::builder(e.store.clone())
        .clock(e.clock.clone())
        .section(Arc::new(MetricsSection::new()))
        .build();
    let res = engine
        .run(&e.daily(), &e.adapters(), Default::default())
        .await
        .unwrap();
    assert_eq!(res.run.state, RunState::Succeeded, "{:?}", res.run);
    res.report.unwrap().document
}

#[tokio::test]
async fn the_metrics_are_as_of_the_runs_cut_off() {
    let e = env_with("amocrm_radist", |_| {}).await;
    let engine = Engine::builder(e.store.clone())
        .clock(e.clock.clone())
        .section(Arc::new(MetricsSection::new()))
        .build();
    let metrics = |res: &synkro_core::pipeline::RunResult| {
        assert_eq!(res.run.state, RunState::Succeeded, "{:?}", res.run);
        let doc = &res.report.as_ref().unwrap().document;
        metrics_of(doc).unwrap().expect("metrics section")
    };
    // By default A is the run's start, an hour after the window's data ends; E is the window end.
    let res = engine
        .run(&e.daily(), &e.adapters(), Default::default())
        .await
        .unwrap();
    let m = metrics(&res);
    assert_eq!(Some(m.as_of), res.run.started_at);
    assert_eq!(m.as_of, data_end() + chrono::Duration::hours(1));
    assert_eq!(m.snapshot_at, res.run.window.end);
    // A requested cut-off inside the window is the metrics' A and E.
    let a = res.run.window.end - chrono::Duration::hours(2);
    let req = synkro_core::pipeline::TriggerRequest {
        as_of: Some(a),
        ..e.daily()
    };
    let res = engine
        .run(&req, &e.adapters(), Default::default())
        .await
        .unwrap();
    let m = metrics(&res);
    assert_eq!((m.as_of, m.snapshot_at), (a, a));
    // A section with a fixed A keeps it.
    let fixed = Engine::builder(e.store.clone())
        .clock(e.clock.clone())
        .section(Arc::new(MetricsSection::new().as_of(data_end())))
        .build();
    let req = synkro_core::pipeline::TriggerRequest {
        trigger: synkro_core::model::Trigger::System,
        ..e.daily()
    };
    let res = fixed
        .run(&req, &e.adapters(), Default::default())
        .await
        .unwrap();
    assert_eq!(metrics(&res).as_of, data_end());
}

#[tokio::test]
async fn the_metrics_section_is_typed_and_additive() {
    let doc = metrics_doc().await;
    let m = metrics_of(&doc).unwrap().expect("metrics section");
    assert_eq!(m.schema_version, METRICS_SCHEMA_VERSION);
    let t = &m.totals;
    assert!(t.messages.inbound > 0 && t.waits.total > 0, "{t:?}");
    assert_eq!(t.waits.sla.len(), 2);
    // P2: additive measures add up over every breakdown.
    for b in &m.breakdowns {
        let sum = |f: fn(&MetricValues) -> u64| b.rows.iter().map(|r| f(&r.values)).sum::<u64>();
        assert_eq!(
            sum(|v| v.messages.inbound),
            t.messages.inbound,
            "{:?}",
            b.dimensions
        );
        assert_eq!(
            sum(|v| v.messages.out_human),
            t.messages.out_human,
            "{:?}",
            b.dimensions
        );
        assert_eq!(sum(|v| v.waits.total), t.waits.total, "{:?}", b.dimensions);
        assert_eq!(
            sum(|v| v.waits.sla[0].hits),
            t.waits.sla[0].hits,
            "{:?}",
            b.dimensions
        );
        assert_eq!(sum(|v| v.dialogs.new), t.dialogs.new, "{:?}", b.dimensions);
        assert_eq!(
            sum(|v| v.calls.missed),
            t.calls.missed,
            "{:?}",
            b.dimensions
        );
    }
    assert_eq!(m.dialogs.len() as u64, t.dialogs.new);
    assert!(m.dq("dq.msg_without_lead").is_some());
    let md = to_markdown(&doc);
    assert!(md.contains("## Communication metrics"), "{md}");
    assert!(
        md.contains(&format!("| Reply time | {} |", t.waits.reply.business.n)),
        "{md}"
    );
}

/// The manager's exported cells computed from the typed row: [`MANAGER_COLUMNS`], then hits,
/// misses, pending and hit rate for every reply-SLA target of the report.
fn manager_cells(m: &MetricsReport, mgr: &ManagerRow) -> (Vec<String>, Vec<Cell>) {
    let mut header: Vec<String> = MANAGER_COLUMNS.iter().map(|c| c.0.to_owned()).collect();
    let mut cells: Vec<Cell> = MANAGER_COLUMNS.iter().map(|c| c.1(mgr)).collect();
    for target in m.totals.waits.sla.iter().map(|s| s.target_s) {
        let s = mgr
            .values
            .waits
            .sla
            .iter()
            .find(|s| s.target_s == target)
            .unwrap();
        for k in ["hits", "misses", "pending", "hit_rate"] {
            header.push(format!("sla_{target}_{k}"));
        }
        cells.extend([
            Cell::Num(Some(s.hits as f64)),
            Cell::Num(Some(s.misses as f64)),
            Cell::Num(Some(s.pending as f64)),
            Cell::Num(s.hit_rate),
        ]);
    }
    (header, cells)
}

/// An XLSX cell read back equals the exported cell: the same text, the same number, or empty.
fn check_xlsx_cell(name: &str, want: &Cell, got: Option<&Data>) {
    match (want, got) {
        (Cell::Text(s), Some(Data::String(x))) => assert_eq!(s, x, "{name}"),
        (Cell::Text(s), None | Some(Data::Empty)) if s.is_empty() => {}
        (Cell::Num(Some(v)), Some(Data::Float(x))) => assert_eq!(v, x, "{name}"),
        (Cell::Num(Some(v)), Some(Data::Int(x))) => assert_eq!(*v, *x as f64, "{name}"),
        (Cell::Num(None), None | Some(Data::Empty)) => {}
        (want, got) => panic!("{name}: {want:?} vs {got:?}"),
    }
}

#[tokio::test]
async fn every_format_shows_the_same_numbers() {
    let doc = metrics_doc().await;
    let m = metrics_of(&doc).unwrap().unwrap();
    assert!(!m.managers.is_empty());
    assert_eq!(m.totals.waits.sla.len(), 2, "both targets are exported");
    // CSV, per manager: every cell equals the typed value.
    let csv = managers_csv(&m).unwrap();
    let mut rd = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = rd.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header, manager_cells(&m, &m.managers[0]).0);
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), m.managers.len());
    for (rec, mgr) in rows.iter().zip(&m.managers) {
        let (names, cells) = manager_cells(&m, mgr);
        assert_eq!(rec.len(), cells.len());
        for (i, cell) in cells.iter().enumerate() {
            assert_eq!(rec[i], cell.csv_text(), "{} of {}", names[i], mgr.manager);
        }
        let waits: u64 = rec[8].parse().unwrap();
        assert_eq!(waits, mgr.values.waits.total);
    }
    // The hostile name came through the engine; give a dialog row a hostile lead id too (CRM ids
    // are free text) so that both tables carry one.
    let hostile = m
        .managers
        .iter()
        .find(|r| r.name == HOSTILE)
        .expect("named manager");
    assert_eq!(hostile.manager, hostile_manager());
    let mut m = m;
    m.dialogs[0].lead = Some(HOSTILE.to_owned());
    // CSV, per dialog: every cell of every row equals the typed value.
    let dcsv = dialogs_csv(&m).unwrap();
    let mut rd = csv::Reader::from_reader(dcsv.as_bytes());
    let header: Vec<String> = rd.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(
        header,
        DIALOG_COLUMNS.iter().map(|c| c.0).collect::<Vec<_>>()
    );
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), m.dialogs.len());
    for (rec, d) in rows.iter().zip(&m.dialogs) {
        assert_eq!(rec.len(), DIALOG_COLUMNS.len());
        for (i, (name, f)) in DIALOG_COLUMNS.iter().enumerate() {
            assert_eq!(
                rec[i],
                f(d).csv_text(),
                "{name} of {} #{}",
                d.chat,
                d.session_no
            );
        }
    }
    assert_eq!(
        &rows[0][2],
        format!("'{HOSTILE}"),
        "neutralized, quoted, whole"
    );
    // XLSX: read back, same cells.
    let bytes = metrics_xlsx(&m).unwrap();
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    let sheet = wb.worksheet_range("Managers").unwrap();
    assert_eq!(sheet.width(), manager_cells(&m, &m.managers[0]).0.len());
    for (r, mgr) in m.managers.iter().enumerate() {
        let (names, cells) = manager_cells(&m, mgr);
        for (c, cell) in cells.iter().enumerate() {
            check_xlsx_cell(&names[c], cell, sheet.get_value(((r + 1) as u32, c as u32)));
        }
    }
    let dialogs = wb.worksheet_range("Dialogs").unwrap();
    assert_eq!(
        (dialogs.height(), dialogs.width()),
        (m.dialogs.len() + 1, DIALOG_COLUMNS.len())
    );
    for (c, (name, _)) in DIALOG_COLUMNS.iter().enumerate() {
        assert_eq!(
            dialogs.get_value((0, c as u32)),
            Some(&Data::String((*name).into()))
        );
    }
    for (r, d) in m.dialogs.iter().enumerate() {
        for (c, (name, f)) in DIALOG_COLUMNS.iter().enumerate() {
            check_xlsx_cell(name, &f(d), dialogs.get_value(((r + 1) as u32, c as u32)));
        }
    }
    assert_eq!(
        dialogs.get_value((1, 2)),
        Some(&Data::String(HOSTILE.into()))
    );
    // Markdown: the name stays in its cell (eight columns and one SLA column per target).
    let md = to_markdown(&doc);
    check_row(&md, escape_markdown(HOSTILE).trim(), 9);
    // HTML: self-contained, with the charts and the same manager cells.
    let html = to_html(&doc);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script") && !html.contains("href=\"http") && !html.contains("src="));
    for label in [
        "reply-time distribution",
        "messages by day",
        "hour-of-day heatmap",
    ] {
        assert!(html.contains(label), "{label}");
    }
    let table = &html[html.find("<table id=\"managers\">").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    for mgr in &m.managers {
        let row: String = manager_cells(&m, mgr)
            .1
            .iter()
            .map(|c| format!("<td>{}</td>", escape_html(&c.text())))
            .collect();
        assert!(
            table.contains(&format!("<tr>{row}</tr>")),
            "{}",
            mgr.manager
        );
    }
    // HTML: every line of the Markdown with a number in it is a line of the HTML with the same
    // text (a table row cell by cell): the summary and its tables, the durations with the sales
    // cycle, every SLA, the totals, both manager tables, funnels, loss reasons, data quality.
    let doc = with_every_part(doc, m);
    let md = to_markdown(&doc);
    for line in [
        "Stage changes",
        "Deals deleted in the CRM (not counted above) | 3",
        "By stage",
        "By responsible manager",
        "Sales cycle",
        "Reply SLA: ",
        "First-response SLA: ",
        "Speed-to-lead SLA: ",
        "Callback SLA: ",
        "Messages: ",
        "Calls: ",
        "Dialogs: ",
        "Step | Cohort | Converted | Rate",
        "new → won | 4 | 1 | 25.0 %",
        "Price: 2 (66.7 %)",
        "radist failed in this run (unavailable); this report uses its data from the last successful sync at",
        "(2 d 15 h 40 min old).",
    ] {
        assert!(
            markdown_lines(&md).iter().any(|l| l.contains(line)),
            "{line:?} in\n{md}"
        );
    }
    check_html_has_markdown_numbers(&md, &to_html(&doc));
    // JSON round trip.
    let back: ReportDocument = serde_json::from_str(&to_json(&doc).unwrap()).unwrap();
    assert_eq!(metrics_of(&back).unwrap(), metrics_of(&doc).unwrap());
}

/// Puts `m` in `doc`'s metrics section, as data and as its Markdown.
fn set_metrics(doc: &mut ReportDocument, m: &MetricsReport) {
    let s = doc
        .sections
        .iter_mut()
        .find(|s| s.id == METRICS_SECTION_ID)
        .unwrap();
    s.markdown = metrics_markdown(m);
    s.data = serde_json::to_value(m).unwrap();
}

/// The document with every optional part of the report: a funnel, loss reasons, deals deleted in
/// the CRM and a failed source (stale for E2's 229 200 s).
fn with_every_part(mut doc: ReportDocument, mut m: MetricsReport) -> ReportDocument {
    m.funnels.push(Funnel {
        pipeline: "p".into(),
        name: "Sales <main>".into(),
        steps: vec![FunnelStep {
            from: "new".into(),
            to: "won".into(),
            cohort: 4,
            converted: 1,
            rate: Some(0.25),
        }],
        by_manager: Default::default(),
    });
    for (reason, count, share) in [("Price", 2, 2.0 / 3.0), ("No | answer", 1, 1.0 / 3.0)] {
        m.loss_reasons.push(LossReason {
            reason: reason.into(),
            count,
            share: Some(share),
            by_manager: Default::default(),
            by_stage: Default::default(),
        });
    }
    set_metrics(&mut doc, &m);
    doc.summary.deleted_deals = 3;
    assert!(!doc.summary.by_stage.is_empty() && !doc.summary.by_manager.is_empty());
    doc.sources.push(SourceStatus {
        source: "radist".into(),
        step: "sync.radist".into(),
        state: SourceState::Failed {
            error_kind: "unavailable".into(),
            error: "unavailable".into(),
        },
        last_synced_at: Some(doc.window.start),
        stale_for_s: Some(229_200),
    });
    doc
}

/// Markdown without its markup: the text of `\\`-escaped characters, no `` ` `` or `**`.
fn markdown_text(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            '`' => {}
            _ => out.push(c),
        }
    }
    out.replace("**", "").trim().to_owned()
}

/// The lines of the Markdown up to the narrative, as text: headings and list items without their
/// markers, a table row as its cells joined by ` | `, separator rows and blank lines left out.
fn markdown_lines(md: &str) -> Vec<String> {
    let body = &md[..md.find("\n## Analysis").unwrap()];
    body.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("|---"))
        .map(|l| {
            if l.starts_with('|') {
                table_cells(l)
                    .iter()
                    .map(|c| markdown_text(c))
                    .collect::<Vec<_>>()
                    .join(" | ")
            } else {
                markdown_text(l.trim_start_matches(['#', '-', ' ']))
            }
        })
        .collect()
}

/// The lines of an HTML page as text: one per paragraph, heading, list item and table row (its
/// cells joined by ` | `), tags left out and entities decoded; the page's body only.
fn html_lines(html: &str) -> Vec<String> {
    let body = &html[html.find("<body>").unwrap()..];
    let mut s = body.replace("</td><td>", " | ").replace("</th><th>", " | ");
    for end in [
        "</tr>", "</li>", "</p>", "</h1>", "</h2>", "</h3>", "</pre>", "<ul", "</ul>", "<table",
        "</table>", "<svg", "</svg>",
    ] {
        s = s.replace(end, &format!("\n{end}"));
    }
    let mut text = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
        .lines()
        .map(|l| l.trim().to_owned())
        .collect()
}

/// Every line of the Markdown with a number in it (up to the narrative) is a line of the HTML.
fn check_html_has_markdown_numbers(md: &str, html: &str) {
    let html = html_lines(html);
    let lines: Vec<String> = markdown_lines(md)
        .into_iter()
        .filter(|l| l.contains(|c: char| c.is_ascii_digit()))
        .collect();
    assert!(lines.len() > 30, "{lines:#?}");
    for l in lines {
        assert!(html.contains(&l), "{l:?} not in the HTML:\n{html:#?}");
    }
}

#[tokio::test]
async fn a_chart_whose_breakdown_is_not_configured_is_a_note() {
    let mut doc = metrics_doc().await;
    let mut m = metrics_of(&doc).unwrap().unwrap();
    m.breakdowns
        .retain(|b| b.dimensions != [Dimension::Day] && b.dimensions.len() < 2);
    let s = doc
        .sections
        .iter_mut()
        .find(|s| s.id == METRICS_SECTION_ID)
        .unwrap();
    s.data = serde_json::to_value(&m).unwrap();
    let html = to_html(&doc);
    assert!(html.contains("reply-time distribution"));
    for (label, note) in [
        (
            "messages by day",
            "<h3>Volumes by day</h3><p class=\"note\">Chart not shown: the metrics settings have no [&quot;day&quot;] breakdown",
        ),
        (
            "hour-of-day heatmap",
            "<h3>Client messages by weekday and hour</h3><p class=\"note\">Chart not shown: the metrics settings have no [&quot;weekday&quot;, &quot;hour&quot;] breakdown",
        ),
    ] {
        assert!(!html.contains(label), "{label}");
        assert!(html.contains(note), "{note}");
    }
}

fn dialogs_of(data: &Dataset) -> Vec<Dialog> {
    data.deals
        .iter()
        .map(|deal| {
            let mut d = Dialog::new(deal.clone());
            // One chat per deal, matched by the generated phone shape (the deal's contact).
            let phones: Vec<String> = data
                .contacts
                .iter()
                .filter(|c| deal.contacts.contains(&c.id))
                .flat_map(|c| c.phones.iter().map(|p| common::tail10(p)))
                .collect();
            if let Some(chat) = data.chats.iter().find(|c| {
                c.phone
                    .as_deref()
                    .is_some_and(|p| phones.contains(&common::tail10(p)))
            }) {
                d.messages = data.messages_of(&chat.id).to_vec();
                d.chat = Some(chat.clone());
            }
            d.calls = data
                .calls
                .iter()
                .filter(|c| c.deal.as_ref() == Some(&deal.id))
                .cloned()
                .collect();
            d.stage_changes = data
                .stage_changes
                .iter()
                .filter(|s| s.deal == deal.id)
                .cloned()
                .collect();
            d
        })
        .collect()
}

#[test]
fn splitting_the_period_and_merging_gives_the_same_counts_and_percentiles() {
    let data = Dataset::generate(&DatasetSpec::small(5, data_end()));
    let dialogs = dialogs_of(&data);
    let end = data_end();
    let mid = end - chrono::Duration::days(1);
    let start = end - chrono::Duration::days(3);
    let ctx = |from, to| MetricsContext {
        config: MetricsConfig::default(),
        period: Window::new(from, to).unwrap(),
        as_of: end,
        report_tz: chrono_tz::Europe::Moscow,
        phone_region: "RU".into(),
        reference: ReferenceData {
            pipelines: data.sales_pipelines.clone(),
            ..ReferenceData::default()
        },
    };
    let whole = compute(ctx(start, end), &dialogs).unwrap();
    let feed = |c: MetricsContext| {
        let mut e = MetricsEngine::new(c).unwrap();
        for d in &dialogs {
            let lead = LeadView::new(&d.deal, d.stage_changes.iter(), []);
            let leads = [lead];
            if let Some(chat) = &d.chat {
                e.add_chat(&ChatInput {
                    chat,
                    messages: &d.messages,
                    history: &[],
                    after: &[],
                    leads: &leads,
                    contacts: &[],
                    calls: &[],
                    activities: &[],
                });
            }
        }
        e
    };
    let mut a = feed(ctx(start, mid));
    let b = feed(ctx(mid, end));
    a.merge(b);
    let merged = a.finish();
    let (w, m) = (&whole.totals, &merged.totals);
    assert!(w.waits.total > 10, "{w:?}");
    assert_eq!(m.messages, w.messages);
    assert_eq!(
        (m.waits.total, m.waits.answered, &m.waits.sla),
        (w.waits.total, w.waits.answered, &w.waits.sla)
    );
    assert_eq!(m.waits.reply, w.waits.reply);
    assert_eq!(m.dialogs.new, w.dialogs.new);
}

#[test]
fn phones_known_from_linking_give_the_same_report_without_parsing_again() {
    let data = Dataset::generate(&DatasetSpec::small(11, data_end()));
    let end = data_end();
    let mut book = synkro_core::pipeline::normalize::PhoneBook::new("RU");
    let links = synkro_core::pipeline::link::by_phone_in(
        &mut book,
        &data.deals,
        &data.contacts,
        &data.chats,
    );
    assert!(!links.links.is_empty(), "the generated deals link to chats");
    let known = book.len();
    assert!(known > 0, "linking normalized phones");
    let mut dialogs = dialogs_of(&data);
    for d in &mut dialogs {
        d.contacts = data
            .contacts
            .iter()
            .filter(|c| d.deal.contacts.contains(&c.id))
            .cloned()
            .collect();
    }
    let ctx = |region: &str| MetricsContext {
        config: MetricsConfig::default(),
        period: Window::new(end - chrono::Duration::days(3), end).unwrap(),
        as_of: end,
        report_tz: chrono_tz::Europe::Moscow,
        phone_region: region.into(),
        reference: ReferenceData {
            pipelines: data.sales_pipelines.clone(),
            ..ReferenceData::default()
        },
    };
    let cold = compute(ctx("RU"), &dialogs).unwrap();
    let warm = compute_with_phones(ctx("RU"), &dialogs, Some(&book)).unwrap();
    assert_eq!(
        serde_json::to_value(&cold).unwrap(),
        serde_json::to_value(&warm).unwrap()
    );
    let invalid = cold.dq("dq.invalid_phone").expect("phones were read");
    assert!(invalid.denominator > 0, "{invalid:?}");
    assert_eq!(book.len(), known, "the metrics only read the book");
    // A book for another region (where `8 900 …` reads differently) is not used.
    let mut other = synkro_core::pipeline::normalize::PhoneBook::new("BY");
    let _ = synkro_core::pipeline::link::by_phone_in(
        &mut other,
        &data.deals,
        &data.contacts,
        &data.chats,
    );
    assert_eq!(other.len(), known);
    let by = compute_with_phones(ctx("RU"), &dialogs, Some(&other)).unwrap();
    assert_eq!(
        serde_json::to_value(&cold).unwrap(),
        serde_json::to_value(&by).unwrap()
    );
}

/// The cells of a Markdown table row, split where GFM splits them: at `|` not escaped by a
/// backslash (a backslash escapes the character after it, a backslash included).
fn table_cells(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut chars = line.trim().trim_start_matches('|').chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                cells.last_mut().unwrap().push(c);
                cells.last_mut().unwrap().extend(chars.next());
            }
            '|' => cells.push(String::new()),
            _ => cells.last_mut().unwrap().push(c),
        }
    }
    if cells.last().is_some_and(String::is_empty) {
        cells.pop();
    }
    cells
}

/// The table row of `md` whose first cell is `first`, split into cells, asserting it exists and has
/// `n` cells.
fn check_row(md: &str, first: &str, n: usize) -> Vec<String> {
    let row = md
        .lines()
        .filter(|l| l.starts_with('|'))
        .map(table_cells)
        .find(|c| c.first().map(|s| s.trim()) == Some(first))
        .unwrap_or_else(|| panic!("no row {first:?} in\n{md}"));
    assert_eq!(row.len(), n, "{row:?}");
    row
}

#[tokio::test]
async fn hostile_names_are_escaped_in_the_markdown() {
    const IMG: &str = "<img src=x onerror=alert(1)>";
    let mut doc = metrics_doc().await;
    let mut m = metrics_of(&doc).unwrap().unwrap();
    m.managers[0].name = "A\\|B".into();
    m.managers[1].name = IMG.into();
    m.funnels = vec![Funnel {
        pipeline: "p".into(),
        name: format!("{IMG}|x"),
        steps: vec![FunnelStep {
            from: "<b>new</b>".into(),
            to: "won\\|".into(),
            cohort: 2,
            converted: 1,
            rate: Some(0.5),
        }],
        by_manager: Default::default(),
    }];
    m.loss_reasons = vec![LossReason {
        reason: "<script>x</script>".into(),
        count: 1,
        share: Some(1.0),
        by_manager: Default::default(),
        by_stage: Default::default(),
    }];
    set_metrics(&mut doc, &m);
    doc.summary.by_manager[0].label = "C\\|D".into();
    let md = to_markdown(&doc);
    // No raw HTML gets through: every `<` is escaped.
    for (i, _) in md.match_indices('<') {
        assert!(md[..i].ends_with('\\'), "raw `<` at {i}:\n{md}");
    }
    assert!(md.contains("\\<img src=x onerror=alert(1)\\>"), "{md}");
    assert!(md.contains("- \\<script\\>x\\</script\\>: 1"), "{md}");
    assert!(md.contains("### Funnel \\<img"), "{md}");
    // A backslash before `|` does not end the cell: the rows keep their number of cells (eight,
    // and one SLA column per target: 900 and 3600 s).
    check_row(&md, "A\\\\\\|B", 9);
    check_row(&md, "\\<img src=x onerror=alert(1)\\>", 9);
    check_row(&md, "C\\\\\\|D", 3);
    check_row(&md, "\\<b\\>new\\</b\\> → won\\\\\\|", 4);
}

#[test]
fn a_metrics_section_of_another_schema_version_is_refused_with_both_versions() {
    use analytics_support::{answered, fixture_config, run};
    let r = run(
        fixture_config(),
        &[answered(
            "a",
            "2025-11-11 12:00:00",
            "boris",
            "2025-11-11 12:05:00",
        )],
        "2025-11-11",
        "2025-11-12",
    );
    let mut data = serde_json::to_value(&r).unwrap();
    assert_eq!(MetricsReport::from_section_data(&data).unwrap(), r);
    let next = METRICS_SCHEMA_VERSION + 1;
    data["schema_version"] = next.into();
    let err = MetricsReport::from_section_data(&data)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!("schema_version {next}"))
            && err.contains(&format!("reads version {METRICS_SCHEMA_VERSION}"))
            && err.contains("run the report again"),
        "{err}"
    );
    data.as_object_mut().unwrap().remove("schema_version");
    let err = MetricsReport::from_section_data(&data)
        .unwrap_err()
        .to_string();
    assert!(err.contains("no numeric schema_version"), "{err}");
}
