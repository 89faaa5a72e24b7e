use std::fmt::Write as _;

use crate::report::SummaryNumbers;

/// The plain narrative used without an analyzer, or when it fails: the summary in sentences.
#[must_use]
pub fn plain_narrative(s: &SummaryNumbers) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "{} deals in the period, {} of them with dialogs; {} messages ({} from clients, {} from the company)",
        s.deals, s.deals_with_dialogs, s.messages, s.messages_inbound, s.messages_outbound
    );
    if s.calls > 0 {
        let _ = write!(
            out,
            "; {} calls, {} of them missed",
            s.calls, s.missed_calls
        );
    }
    out.push('.');
    if s.deleted_deals > 0 {
        let _ = write!(
            out,
            " {} dialogs belong to deals deleted in the CRM and are not counted.",
            s.deleted_deals
        );
    }
    if let Some(top) = s.by_manager.first() {
        let _ = write!(
            out,
            " Most deals: {} ({} deals, {} messages).",
            top.label, top.deals, top.messages
        );
    }
    out
}
