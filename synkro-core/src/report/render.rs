use std::fmt::Write as _;

use crate::analytics::human;
use crate::report::{CountRow, ReportDocument, SourceState};

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
    let period = if doc.period_start == doc.period_end {
        doc.period_start.to_string()
    } else {
        format!("{} – {}", doc.period_start, doc.period_end)
    };
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
                let age = match (s.last_synced_at, s.stale_for_s) {
                    (Some(at), Some(secs)) => format!(
                        "this report uses its data from the last successful sync at {} UTC ({} old)",
                        at.format("%Y-%m-%d %H:%M"),
                        human(Some(secs as f64))
                    ),
                    _ => "no earlier data was available".to_owned(),
                };
                let _ = writeln!(
                    md,
                    "- **{}** failed in this run ({}); {age}.",
                    s.source,
                    escape_markdown(error)
                );
            }
        }
        let _ = writeln!(md);
    }

    let s = &doc.summary;
    let _ = writeln!(md, "## Summary");
    let _ = writeln!(md);
    let _ = writeln!(md, "| | |");
    let _ = writeln!(md, "|---|---:|");
    for (label, value) in [
        ("Deals", s.deals),
        ("Deals with dialogs", s.deals_with_dialogs),
        ("Messages", s.messages),
        ("— from clients", s.messages_inbound),
        ("— from the company", s.messages_outbound),
        ("Calls", s.calls),
        ("— missed", s.missed_calls),
        ("Stage changes", s.stage_changes),
    ] {
        let _ = writeln!(md, "| {label} | {value} |");
    }
    if s.deleted_deals > 0 {
        let _ = writeln!(
            md,
            "| Deals deleted in the CRM (not counted above) | {} |",
            s.deleted_deals
        );
    }
    let _ = writeln!(md);
    count_table(&mut md, "By stage", "Stage", &s.by_stage);
    count_table(&mut md, "By responsible manager", "Manager", &s.by_manager);

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

fn count_table(md: &mut String, title: &str, column: &str, rows: &[CountRow]) {
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(md, "### {title}");
    let _ = writeln!(md);
    let _ = writeln!(md, "| {column} | Deals | Messages |");
    let _ = writeln!(md, "|---|---:|---:|");
    for r in rows {
        let _ = writeln!(
            md,
            "| {} | {} | {} |",
            escape_markdown(&r.label),
            r.deals,
            r.messages
        );
    }
    let _ = writeln!(md);
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
