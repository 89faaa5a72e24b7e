//! The report prompt and the context the analyzer gets.

use std::fmt::Write as _;

use crate::model::{AuthorKind, Direction, Timestamp};
use crate::pipeline::Dialog;
use crate::report::ReportDocument;

/// The default report prompt: a structured report on dialogs and deals.
pub const DEFAULT_REPORT_PROMPT: &str = "You are a sales-communication analyst. From the numbers and the dialogs \
below, write a structured report for the head of sales: results of the period, risks (unanswered clients, slow \
replies, stalled deals), strengths of the team, and concrete recommendations per manager. Quote dialogs briefly \
where it helps. Answer in the language of the dialogs.";

/// The context of a report: its summary numbers and every dialog's transcript, in full; a dialog
/// whose deal was deleted in the CRM by the run's cut-off `as_of` is marked so.
#[must_use]
pub fn report_context(doc: &ReportDocument, dialogs: &[Dialog], as_of: Timestamp) -> String {
    let mut out = String::new();
    let s = &doc.summary;
    let _ = writeln!(
        out,
        "Period {} – {} ({}); deals {}, with dialogs {}, messages {} ({} in, {} out), calls {} ({} missed).",
        doc.period_start,
        doc.period_end,
        doc.timezone,
        s.deals,
        s.deals_with_dialogs,
        s.messages,
        s.messages_inbound,
        s.messages_outbound,
        s.calls,
        s.missed_calls
    );
    if s.deleted_deals > 0 {
        let _ = writeln!(
            out,
            "{} more dialogs belong to deals deleted in the CRM (marked below; not counted above).",
            s.deleted_deals
        );
    }
    for d in dialogs {
        let deleted = if d.deal.is_deleted_at(as_of) {
            " (deleted in the CRM)"
        } else {
            ""
        };
        let _ = writeln!(out, "\n## Deal {} «{}»{deleted}", d.deal.id, d.deal.name);
        for m in &d.messages {
            let who = match (m.direction, m.author_kind) {
                (_, AuthorKind::Bot) => "bot",
                (_, AuthorKind::System) => "system",
                (Direction::Inbound, _) => "client",
                (Direction::Outbound, _) => "agent",
            };
            let _ = writeln!(
                out,
                "[{}] {who}: {}",
                m.created_at.format("%Y-%m-%d %H:%M"),
                m.text.as_deref().unwrap_or("")
            );
        }
    }
    out
}
