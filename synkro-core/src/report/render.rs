use std::fmt::Write as _;

use crate::analytics::human;
use crate::report::blocks::{Block, Line, blocks_markdown, name, text};
use crate::report::{CountRow, ReportDocument, SourceState, SourceStatus, SummaryNumbers};

/// The report as pretty-printed JSON (the versioned [`ReportDocument`] shape).
///
/// # Errors
/// Only if serialization fails, which the document's types do not allow in practice.
pub fn to_json(doc: &ReportDocument) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(doc)
}

/// The report as Markdown: header, data-freshness warnings, summary numbers, tables per stage and
/// per manager, every section, then the narrative.
#[must_use]
pub fn to_markdown(doc: &ReportDocument) -> String {
    let mut md = String::new();
    let period = period_text(doc);
    let _ = writeln!(
        md,
        "# Report for {}: {period}",
        escape_markdown(&doc.tenant_name)
    );
    let _ = writeln!(md);
    let _ = writeln!(
        md,
        "Mode `{}`; window {} – {} UTC ({}).",
        doc.mode,
        doc.window.start.format("%Y-%m-%d %H:%M"),
        doc.window.end.format("%Y-%m-%d %H:%M"),
        doc.timezone
    );
    let _ = writeln!(md);

    let failed: Vec<_> = doc.failed_sources().collect();
    if !failed.is_empty() {
        let _ = writeln!(md, "## ⚠ Data freshness");
        let _ = writeln!(md);
        for s in failed {
            if let SourceState::Failed { error, .. } = &s.state {
                let _ = writeln!(
                    md,
                    "- **{}** failed in this run ({}); {}.",
                    s.source,
                    escape_markdown(error),
                    stored_data_text(s)
                );
            }
        }
        let _ = writeln!(md);
    }

    let _ = writeln!(md, "## Summary");
    let _ = writeln!(md);
    blocks_markdown(&mut md, &summary_blocks(&doc.summary));

    for section in &doc.sections {
        let _ = writeln!(md, "## {}", escape_markdown(&section.title));
        let _ = writeln!(md);
        let _ = writeln!(md, "{}", section.markdown.trim_end());
        let _ = writeln!(md);
    }

    let _ = writeln!(md, "## Analysis");
    let _ = writeln!(md);
    if doc.narrative.fallback {
        let _ = writeln!(md, "_The AI analysis failed; this is the plain summary._");
        let _ = writeln!(md);
    }
    let _ = writeln!(md, "{}", doc.narrative.text.trim_end());
    md
}

/// What a failed source's report uses instead: its last synced data and its age, or none.
pub(crate) fn stored_data_text(s: &SourceStatus) -> String {
    match (s.last_synced_at, s.stale_for_s) {
        (Some(at), Some(secs)) => format!(
            "this report uses its data from the last successful sync at {} UTC ({} old)",
            at.format("%Y-%m-%d %H:%M"),
            human(Some(secs as f64))
        ),
        _ => "no earlier data was available".to_owned(),
    }
}

/// The period of the report: one day, or `start – end`.
pub(crate) fn period_text(doc: &ReportDocument) -> String {
    if doc.period_start == doc.period_end {
        doc.period_start.to_string()
    } else {
        format!("{} – {}", doc.period_start, doc.period_end)
    }
}

/// The summary numbers as blocks, the one source of the summary in Markdown and in HTML: the
/// counts (deals deleted in the CRM when there are any), then the tables per stage and per
/// manager.
pub(crate) fn summary_blocks(s: &SummaryNumbers) -> Vec<Block> {
    let mut rows: Vec<Vec<Line>> = [
        ("Deals", s.deals),
        ("Deals with dialogs", s.deals_with_dialogs),
        ("Messages", s.messages),
        ("— from clients", s.messages_inbound),
        ("— from the company", s.messages_outbound),
        ("Calls", s.calls),
        ("— missed", s.missed_calls),
        ("Stage changes", s.stage_changes),
    ]
    .iter()
    .map(|(label, value)| vec![text(*label), text(value.to_string())])
    .collect();
    if s.deleted_deals > 0 {
        rows.push(vec![
            text("Deals deleted in the CRM (not counted above)"),
            text(s.deleted_deals.to_string()),
        ]);
    }
    let mut out = vec![Block::Table {
        header: vec![String::new(), String::new()],
        rows,
    }];
    count_blocks(&mut out, "By stage", "Stage", &s.by_stage);
    count_blocks(&mut out, "By responsible manager", "Manager", &s.by_manager);
    out
}

fn count_blocks(out: &mut Vec<Block>, title: &str, column: &str, rows: &[CountRow]) {
    if rows.is_empty() {
        return;
    }
    out.push(Block::Heading(text(title)));
    out.push(Block::Table {
        header: vec![column.to_owned(), "Deals".to_owned(), "Messages".to_owned()],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    name(&r.label),
                    text(r.deals.to_string()),
                    text(r.messages.to_string()),
                ]
            })
            .collect(),
    });
}

/// Escapes text from outside (names of tenants, managers, funnels, stages, loss reasons) for
/// Markdown: a backslash before every character that would end a table cell (`|`), start markup
/// (`*` `_` `` ` `` `[` `]` `#`) or raw HTML (`<` `>`), and before a backslash itself, so that
/// `A\|B` stays in one cell; line breaks become spaces. Used by the report's own tables and by
/// every section's Markdown ([`crate::analytics::metrics_markdown`]).
#[must_use]
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '\\' | '|' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' => {
                out.push('\\');
                out.push(ch);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(ch),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_table_and_markup_characters() {
        assert_eq!(escape_markdown("a|b *c*\nd"), "a\\|b \\*c\\* d");
        assert_eq!(escape_markdown("Ольга"), "Ольга");
        assert_eq!(escape_markdown("A\\|B <b>"), "A\\\\\\|B \\<b\\>");
    }
}
