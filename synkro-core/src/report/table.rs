//! The columns of the metrics exports, shared by CSV, XLSX and HTML so every format shows the
//! same numbers.

use crate::analytics::{
    DialogRow, METRICS_SECTION_ID, ManagerRow, MetricsReport, SlaStatus, WaitRow,
};
use crate::report::ReportDocument;

/// One exported cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A number; `None` is an empty cell (a statistic over no items, rule C6).
    Num(Option<f64>),
}

impl Cell {
    /// The cell as CSV/HTML text: numbers in their shortest exact form, empty for `None`.
    #[must_use]
    pub fn text(&self) -> String {
        match self {
            Self::Text(s) => s.clone(),
            Self::Num(None) => String::new(),
            Self::Num(Some(v)) => format_num(*v),
        }
    }

    /// The cell as a CSV field: [`text`](Self::text), except that a text cell starting with
    /// `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'` so that a spreadsheet
    /// opening the file shows it as text instead of evaluating it as a formula (OWASP CSV
    /// injection). Names and ids come from CRM and messenger data, which anyone can write to.
    /// Numbers, negative ones included, stay numbers.
    #[must_use]
    pub fn csv_text(&self) -> String {
        match self {
            Self::Text(s) if s.starts_with(['=', '+', '-', '@', '\t', '\r']) => format!("'{s}"),
            _ => self.text(),
        }
    }
}

/// A number as text: integers without a fraction, others rounded to 6 decimals.
#[must_use]
pub fn format_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

fn n(v: u64) -> Cell {
    Cell::Num(Some(v as f64))
}
fn o(v: Option<f64>) -> Cell {
    Cell::Num(v)
}
fn t(s: &str) -> Cell {
    Cell::Text(s.to_owned())
}

type ManagerCol = (&'static str, fn(&ManagerRow) -> Cell);
type DialogCol = (&'static str, fn(&DialogRow) -> Cell);
type WaitCol = (&'static str, fn(&WaitRow) -> Cell);

fn opt_time(at: Option<chrono::DateTime<chrono::Utc>>) -> Cell {
    t(&at.map(|e| e.to_rfc3339()).unwrap_or_default())
}

/// The fixed columns of the per-manager export; four columns per reply-SLA target follow them
/// (see [`managers_csv`](crate::report::managers_csv)).
pub const MANAGER_COLUMNS: &[ManagerCol] = &[
    ("manager", |m| t(&m.manager)),
    ("name", |m| t(&m.name)),
    ("messages_in", |m| n(m.values.messages.inbound)),
    ("messages_out_human", |m| n(m.values.messages.out_human)),
    ("messages_out_bot", |m| n(m.values.messages.out_bot)),
    ("message_ratio", |m| o(m.values.messages.ratio)),
    ("dialogs_new", |m| n(m.values.dialogs.new)),
    ("dialogs_participation", |m| {
        n(m.values.dialogs.participation)
    }),
    ("waits", |m| n(m.values.waits.total)),
    ("waits_answered", |m| n(m.values.waits.answered)),
    ("first_response_n", |m| {
        n(m.values.waits.first_response.business.n)
    }),
    ("first_response_p50_calendar_s", |m| {
        o(m.values.waits.first_response.calendar.p50)
    }),
    ("first_response_p50_business_s", |m| {
        o(m.values.waits.first_response.business.p50)
    }),
    ("reply_n", |m| n(m.values.waits.reply.business.n)),
    ("reply_mean_calendar_s", |m| {
        o(m.values.waits.reply.calendar.mean)
    }),
    ("reply_mean_business_s", |m| {
        o(m.values.waits.reply.business.mean)
    }),
    ("reply_p50_calendar_s", |m| {
        o(m.values.waits.reply.calendar.p50)
    }),
    ("reply_p50_business_s", |m| {
        o(m.values.waits.reply.business.p50)
    }),
    ("reply_p90_calendar_s", |m| {
        o(m.values.waits.reply.calendar.p90)
    }),
    ("reply_p90_business_s", |m| {
        o(m.values.waits.reply.business.p90)
    }),
    ("reply_max_calendar_s", |m| {
        o(m.values.waits.reply.calendar.max)
    }),
    ("reply_max_business_s", |m| {
        o(m.values.waits.reply.business.max)
    }),
    ("open_at_end", |m| n(m.values.waits.open_at_end)),
    ("never_answered_lost", |m| {
        n(m.values.dialogs.never_answered_expired + m.values.dialogs.never_answered_closed)
    }),
    ("never_answered_awaiting", |m| {
        n(m.values.dialogs.never_answered_awaiting)
    }),
    ("calls_in", |m| n(m.values.calls.inbound)),
    ("calls_out", |m| n(m.values.calls.outbound)),
    ("calls_missed", |m| n(m.values.calls.missed)),
    ("callback_p50_business_s", |m| {
        o(m.values.calls.callback.business.p50)
    }),
    ("speed_to_lead_p50_business_s", |m| {
        o(m.values.leads.speed_to_lead.business.p50)
    }),
    ("won", |m| n(m.values.leads.won)),
    ("lost", |m| n(m.values.leads.lost)),
    ("win_rate", |m| o(m.values.leads.win_rate)),
    ("won_amount", |m| {
        Cell::Num(Some(m.values.leads.won_amount as f64))
    }),
    ("followup_stale", |m| n(m.values.leads.followup_stale)),
];

/// Columns of the per-dialog export.
pub const DIALOG_COLUMNS: &[DialogCol] = &[
    ("chat", |d| t(&d.chat)),
    ("session_no", |d| n(u64::from(d.session_no))),
    ("lead", |d| t(d.lead.as_deref().unwrap_or(""))),
    ("channel", |d| t(&d.channel)),
    ("chat_kind", |d| t(&d.chat_kind)),
    ("start", |d| t(&d.start.to_rfc3339())),
    ("end", |d| {
        t(&d.end.map(|e| e.to_rfc3339()).unwrap_or_default())
    }),
    ("end_reason", |d| t(&d.end_reason)),
    ("initiator", |d| t(&d.initiator)),
    ("responsible", |d| t(&d.responsible)),
    ("client_messages", |d| n(u64::from(d.client_messages))),
    ("client_substantive", |d| n(u64::from(d.client_substantive))),
    ("human_messages", |d| n(u64::from(d.human_messages))),
    ("bot_messages", |d| n(u64::from(d.bot_messages))),
    ("waits", |d| n(u64::from(d.waits))),
    ("answered_waits", |d| n(u64::from(d.answered_waits))),
    ("first_response_calendar_s", |d| {
        o(d.first_response_calendar_s)
    }),
    ("first_response_business_s", |d| {
        o(d.first_response_business_s)
    }),
    ("never_answered", |d| {
        t(d.never_answered.as_deref().unwrap_or(""))
    }),
    ("outcome", |d| t(&d.outcome)),
    ("pipeline", |d| t(d.pipeline.as_deref().unwrap_or(""))),
    ("unknown_messages", |d| n(u64::from(d.unknown_messages))),
    ("first_wait", |d| t(d.first_wait.as_deref().unwrap_or(""))),
];

/// The fixed columns of the per-wait export (§2.4); a column `sla_<target>` per SLA target,
/// then a column `due_<target>` per SLA target follow them.
pub const WAIT_COLUMNS: &[WaitCol] = &[
    ("chat", |w| t(&w.chat)),
    ("session_no", |w| n(u64::from(w.session_no))),
    ("first", |w| t(if w.first { "yes" } else { "no" })),
    ("start", |w| t(&w.start.to_rfc3339())),
    ("last_client_message", |w| {
        t(&w.last_client_message.to_rfc3339())
    }),
    ("end", |w| opt_time(w.end)),
    ("outcome", |w| t(&w.outcome)),
    ("closed_by", |w| t(w.closed_by.as_deref().unwrap_or(""))),
    ("reply_author", |w| {
        t(w.reply_author.as_deref().unwrap_or(""))
    }),
    ("reply_channel", |w| {
        t(w.reply_channel.as_deref().unwrap_or(""))
    }),
    ("calendar_s", |w| Cell::Num(Some(w.calendar_s))),
    ("business_s", |w| Cell::Num(Some(w.business_s))),
    ("calendar", |w| t(&w.calendar)),
    ("in_hours", |w| t(if w.in_hours { "yes" } else { "no" })),
    ("manager", |w| t(&w.manager)),
    ("owner_at_start", |w| {
        t(w.owner_at_start.as_deref().unwrap_or(""))
    }),
    ("owner_at_end", |w| {
        t(w.owner_at_end.as_deref().unwrap_or(""))
    }),
    ("lead", |w| t(w.lead.as_deref().unwrap_or(""))),
    ("pipeline", |w| t(w.pipeline.as_deref().unwrap_or(""))),
    ("channel", |w| t(&w.channel)),
    ("connection", |w| t(w.connection.as_deref().unwrap_or(""))),
];

fn sla_text(s: SlaStatus) -> &'static str {
    match s {
        SlaStatus::Hit => "hit",
        SlaStatus::Miss => "miss",
        SlaStatus::Pending => "pending",
        SlaStatus::Excluded => "excluded",
    }
}

/// The metrics report inside a document, if its metrics section is there.
///
/// # Errors
/// When the section's data is not a metrics report of this schema version
/// ([`MetricsReport::from_section_data`]: another `schema_version` is refused with a message
/// naming the found and the expected version).
pub fn metrics_of(doc: &ReportDocument) -> Result<Option<MetricsReport>, serde_json::Error> {
    doc.sections
        .iter()
        .find(|s| s.id == METRICS_SECTION_ID)
        .map(|s| MetricsReport::from_section_data(&s.data))
        .transpose()
}

/// The reply-SLA targets of the report (seconds), in ascending order (the configuration sorts
/// them): the targets of the totals, which list every configured one.
fn sla_targets(r: &MetricsReport) -> Vec<i64> {
    r.totals.waits.sla.iter().map(|s| s.target_s).collect()
}

/// The per-manager table: [`MANAGER_COLUMNS`], then per reply-SLA target `sla_<target>_hits`,
/// `sla_<target>_misses`, `sla_<target>_pending` and `sla_<target>_hit_rate` (target in seconds).
/// No targets, no SLA columns; a manager without counters for a target has empty cells there.
pub(crate) fn manager_table(r: &MetricsReport) -> (Vec<String>, Vec<Vec<Cell>>) {
    const SLA: [&str; 4] = ["hits", "misses", "pending", "hit_rate"];
    let targets = sla_targets(r);
    let header = MANAGER_COLUMNS
        .iter()
        .map(|c| c.0.to_owned())
        .chain(
            targets
                .iter()
                .flat_map(|t| SLA.iter().map(move |k| format!("sla_{t}_{k}"))),
        )
        .collect();
    let rows = r
        .managers
        .iter()
        .map(|m| {
            let sla = targets.iter().flat_map(|target| {
                let s = m.values.waits.sla.iter().find(|s| s.target_s == *target);
                [
                    o(s.map(|s| s.hits as f64)),
                    o(s.map(|s| s.misses as f64)),
                    o(s.map(|s| s.pending as f64)),
                    o(s.and_then(|s| s.hit_rate)),
                ]
            });
            MANAGER_COLUMNS
                .iter()
                .map(|c| (c.1)(m))
                .chain(sla)
                .collect()
        })
        .collect();
    (header, rows)
}

pub(crate) fn dialog_table(r: &MetricsReport) -> (Vec<&'static str>, Vec<Vec<Cell>>) {
    (
        DIALOG_COLUMNS.iter().map(|c| c.0).collect(),
        r.dialogs
            .iter()
            .map(|d| DIALOG_COLUMNS.iter().map(|c| (c.1)(d)).collect())
            .collect(),
    )
}

/// The per-wait table: [`WAIT_COLUMNS`], then `sla_<target>` (the wait's status) per reply-SLA
/// target of the report, then `due_<target>` (its `due_at`, §3.3, RFC 3339) per target; empty
/// where a row has no status or no `due_at` for a target.
pub(crate) fn wait_table(r: &MetricsReport) -> (Vec<String>, Vec<Vec<Cell>>) {
    let targets = sla_targets(r);
    let header = WAIT_COLUMNS
        .iter()
        .map(|c| c.0.to_owned())
        .chain(targets.iter().map(|t| format!("sla_{t}")))
        .chain(targets.iter().map(|t| format!("due_{t}")))
        .collect();
    let rows = r
        .waits
        .iter()
        .map(|w| {
            WAIT_COLUMNS
                .iter()
                .map(|c| (c.1)(w))
                .chain(targets.iter().map(|target| {
                    w.sla
                        .iter()
                        .find(|(ts, _)| ts == target)
                        .map_or_else(|| t(""), |(_, st)| t(sla_text(*st)))
                }))
                .chain(targets.iter().map(|target| {
                    opt_time(
                        w.due_at
                            .iter()
                            .find(|(ts, _)| ts == target)
                            .and_then(|(_, due)| *due),
                    )
                }))
                .collect()
        })
        .collect();
    (header, rows)
}
