//! [`MetricsSection`]: the metrics as a report section, and its Markdown.

use chrono::{DateTime, Utc};

use crate::analytics::config::MetricsConfig;
use crate::analytics::engine::{MetricsContext, compute_with_phones};
use crate::analytics::lead::ReferenceData;
use crate::analytics::report::{DurationMetric, MetricsReport, Sla};
use crate::error::BoxError;
use crate::report::blocks::{Block, Frag, Line, blocks_markdown, name, text};
use crate::report::{Section, SectionBuilder, SectionInput};

/// The section id.
pub const METRICS_SECTION_ID: &str = "metrics.communication";

/// The communication metrics as a [`SectionBuilder`]. Its `Section.data` is a [`MetricsReport`]
/// (read it back with [`MetricsReport::from_section_data`]); the settings come from the tenant
/// runtime config's `metadata.metrics` (metrics.md §7 defaults when absent).
///
/// The period is the run's window and the knowledge cut-off A is the run's
/// ([`SectionInput::as_of`]: the trigger's `as_of`, else the instant the run started), so a wait
/// asked at 23:50 and answered at 00:10 after the window is reported answered after 20 minutes
/// (and open in the snapshot at E = min(window end, A)). [`as_of`](Self::as_of) fixes another A;
/// one later than the run's finds nothing more in the dialogs, which hold what happened up to the
/// run's A.
#[derive(Debug, Clone, Default)]
pub struct MetricsSection {
    reference: ReferenceData,
    as_of: Option<DateTime<Utc>>,
}

impl MetricsSection {
    /// A section with no reference data; A = the run's ([`SectionInput::as_of`]).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Pipelines, responsible history and lead creators for the lead metrics.
    #[must_use]
    pub fn reference(mut self, reference: ReferenceData) -> Self {
        self.reference = reference;
        self
    }

    /// A fixed knowledge cut-off A instead of the run's ([`SectionInput::as_of`]).
    #[must_use]
    pub fn as_of(mut self, as_of: DateTime<Utc>) -> Self {
        self.as_of = Some(as_of);
        self
    }

    /// Computes the report for a section input.
    ///
    /// # Errors
    /// [`crate::analytics::MetricsError`] for an invalid `metadata.metrics` or calendar.
    pub fn report(
        &self,
        input: &SectionInput<'_>,
    ) -> Result<MetricsReport, crate::analytics::MetricsError> {
        let mut config = MetricsConfig::from_metadata(&input.config.metadata)?;
        // CRM users name the per-manager rows and give their teams, unless the tenant's
        // `metadata.metrics` says otherwise.
        for m in input.managers {
            let id = m.id.as_str().to_owned();
            config
                .manager_names
                .entry(id.clone())
                .or_insert_with(|| m.name.clone());
            if let Some(team) = &m.team {
                config
                    .manager_teams
                    .entry(id)
                    .or_insert_with(|| team.clone());
            }
        }
        let mut reference = self.reference.clone();
        if reference.pipelines.is_empty() {
            reference.pipelines = input.pipelines.to_vec();
        }
        let ctx = MetricsContext {
            config,
            period: *input.window,
            as_of: self.as_of.unwrap_or(input.as_of),
            report_tz: input.config.timezone,
            phone_region: input.config.default_phone_region.clone(),
            reference,
        };
        compute_with_phones(ctx, input.dialogs, input.phones)
    }
}

impl SectionBuilder for MetricsSection {
    fn id(&self) -> &str {
        METRICS_SECTION_ID
    }

    fn build(&self, input: &SectionInput<'_>) -> Result<Section, BoxError> {
        let report = self.report(input)?;
        Ok(Section {
            id: METRICS_SECTION_ID.to_owned(),
            title: "Communication metrics".to_owned(),
            data: serde_json::to_value(&report)?,
            markdown: metrics_markdown(&report),
        })
    }
}

/// Seconds as a human duration, the one duration format of every report (Markdown, HTML).
///
/// The seconds are rounded to whole seconds first, so a value and its rounding read the same
/// (59.6 s and 60 s are both `1 min`). Below an hour it is exact to the second (`45 s`,
/// `1 min 5 s`, `59 min 59 s`); from an hour on it is rounded to the minute and names days,
/// hours and minutes (`1 h`, `2 h 5 min`, `2 d 15 h 40 min`). Zero parts are left out, zero is
/// `0 s`, and no value (or one that is not finite) is `—`.
#[must_use]
pub fn human(secs: Option<f64>) -> String {
    let Some(s) = secs.filter(|s| s.is_finite()) else {
        return "—".to_owned();
    };
    // Saturates far beyond any real duration.
    let total = s.abs().round() as u64;
    let parts = if total < 3600 {
        [(0, "d"), (total / 60, "min"), (total % 60, "s")]
    } else {
        let minutes = (total + 30) / 60;
        [
            (minutes / 1440, "d"),
            (minutes % 1440 / 60, "h"),
            (minutes % 60, "min"),
        ]
    };
    let text: Vec<String> = parts
        .iter()
        .filter(|(v, _)| *v > 0)
        .map(|(v, unit)| format!("{v} {unit}"))
        .collect();
    match (text.is_empty(), s < 0.0) {
        (true, _) => "0 s".to_owned(),
        (false, true) => format!("-{}", text.join(" ")),
        (false, false) => text.join(" "),
    }
}

/// A share as a percentage with one decimal, or `—`.
#[must_use]
pub fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_owned(), |v| format!("{:.1} %", v * 100.0))
}

/// A ratio with two decimals, or `—`.
fn ratio(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_owned(), |v| format!("{v:.2}"))
}

fn duration_row(label: &str, d: &DurationMetric) -> Vec<Line> {
    let pair = |c: Option<f64>, b: Option<f64>| text(format!("{} / {}", human(c), human(b)));
    vec![
        text(label),
        text(d.business.n.to_string()),
        pair(d.calendar.mean, d.business.mean),
        pair(d.calendar.p50, d.business.p50),
        pair(d.calendar.p90, d.business.p90),
        pair(d.calendar.max, d.business.max),
    ]
}

fn sla_text(s: &[Sla]) -> String {
    if s.is_empty() {
        return "no targets configured".to_owned();
    }
    s.iter()
        .map(|x| {
            format!(
                "{} within {} ({} hit, {} miss, {} pending)",
                pct(x.hit_rate),
                human(Some(x.target_s as f64)),
                x.hits,
                x.misses,
                x.pending
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The Markdown of a metrics report (the section body, without its heading). Names from the
/// CRM (managers, funnels, stages, loss reasons) are escaped with
/// [`escape_markdown`](crate::report::escape_markdown), as in the report's own tables. The HTML
/// page renders the same blocks (`metrics_blocks`).
#[must_use]
pub fn metrics_markdown(r: &MetricsReport) -> String {
    let mut md = String::new();
    blocks_markdown(&mut md, &metrics_blocks(r));
    md
}

/// The metrics report as blocks, the one source of its Markdown and of its part of the HTML page.
pub(crate) fn metrics_blocks(r: &MetricsReport) -> Vec<Block> {
    let t = &r.totals;
    let mut out = vec![Block::Para(text(format!(
        "Period {} – {} UTC, as of {} UTC, buckets in {}.",
        r.period_from.format("%Y-%m-%d %H:%M"),
        r.period_to.format("%Y-%m-%d %H:%M"),
        r.as_of.format("%Y-%m-%d %H:%M"),
        r.report_tz
    )))];
    out.push(Block::Table {
        header: [
            "Duration (calendar / business)",
            "n",
            "mean",
            "p50",
            "p90",
            "max",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows: vec![
            duration_row("First response", &t.waits.first_response),
            duration_row("Reply time", &t.waits.reply),
            duration_row("Speed to lead", &t.leads.speed_to_lead),
            duration_row("Callback time", &t.calls.callback),
            duration_row("Sales cycle", &t.leads.cycle),
        ],
    });
    let mut items = vec![
        text(format!("Reply SLA: {}", sla_text(&t.waits.sla))),
        text(format!(
            "First-response SLA: {}",
            sla_text(&t.waits.sla_first)
        )),
        text(format!("Speed-to-lead SLA: {}", sla_text(&t.leads.stl_sla))),
        text(format!("Callback SLA: {}", sla_text(&t.calls.callback_sla))),
        text(format!(
            "Waits: {} ({} answered, {} open, {} closed unanswered, {} expired); unanswered at period end: {}",
            t.waits.total,
            t.waits.answered,
            t.waits.open,
            t.waits.closed,
            t.waits.expired,
            t.waits.open_at_end
        )),
    ];
    if r.open_at_end_by_day.len() > 1 {
        let days: Vec<String> = r
            .open_at_end_by_day
            .iter()
            .map(|d| format!("{} {}", d.day, d.open))
            .collect();
        items.push(text(format!(
            "Unanswered at each day's end: {}",
            days.join(", ")
        )));
    }
    items.push(text(format!(
        "Dialogs: {} new, {} outreach, {} active; never answered: {} lost ({} expired, {} closed), {} awaiting, rate {}",
        t.dialogs.new,
        t.dialogs.outreach,
        t.dialogs.active,
        t.dialogs.never_answered_expired + t.dialogs.never_answered_closed,
        t.dialogs.never_answered_expired,
        t.dialogs.never_answered_closed,
        t.dialogs.never_answered_awaiting,
        pct(t.dialogs.never_answered_rate)
    )));
    items.push(text(format!(
        "Messages: {} from clients ({} substantive, {} acks), {} from managers ({} undelivered), {} bot; manager/client ratio {}",
        t.messages.inbound,
        t.messages.inbound_substantive,
        t.messages.inbound_ack,
        t.messages.out_human,
        t.messages.out_undelivered,
        t.messages.out_bot,
        ratio(t.messages.ratio)
    )));
    items.push(text(format!(
        "Calls: {} in, {} out, {} connected, {} missed in {} episodes",
        t.calls.inbound, t.calls.outbound, t.calls.connected, t.calls.missed, t.calls.episodes
    )));
    items.push(text(format!(
        "Leads: win rate {} ({} won, {} lost, won amount {}); follow-up: {} of {} open leads stale ({} never touched)",
        pct(t.leads.win_rate),
        t.leads.won,
        t.leads.lost,
        t.leads.won_amount,
        t.leads.followup_stale,
        t.leads.followup_considered,
        t.leads.followup_never_touched
    )));
    out.push(Block::List(items));
    if !r.managers.is_empty() {
        out.push(Block::Heading(text("By manager")));
        // One SLA column per reply-SLA target, named by it.
        let targets: Vec<i64> = t.waits.sla.iter().map(|s| s.target_s).collect();
        let mut header: Vec<String> = ["Manager", "Msgs out", "Waits"].map(str::to_owned).to_vec();
        header.extend(["Reply p50 (bus)", "Reply p90 (bus)"].map(str::to_owned));
        header.extend(
            targets
                .iter()
                .map(|x| format!("SLA ≤ {}", human(Some(*x as f64)))),
        );
        header.extend(["Never answered", "Win rate"].map(str::to_owned));
        let rows = r
            .managers
            .iter()
            .map(|m| {
                let v = &m.values;
                let mut row = vec![
                    name(&m.name),
                    text(v.messages.out_human.to_string()),
                    text(v.waits.total.to_string()),
                    text(human(v.waits.reply.business.p50)),
                    text(human(v.waits.reply.business.p90)),
                ];
                row.extend(targets.iter().map(|x| {
                    let rate = v.waits.sla.iter().find(|s| s.target_s == *x);
                    text(pct(rate.and_then(|s| s.hit_rate)))
                }));
                row.push(text(
                    (v.dialogs.never_answered_expired + v.dialogs.never_answered_closed)
                        .to_string(),
                ));
                row.push(text(pct(v.leads.win_rate)));
                row
            })
            .collect();
        out.push(Block::Table { header, rows });
    }
    for f in &r.funnels {
        out.push(Block::Heading(vec![
            Frag::Text("Funnel ".to_owned()),
            Frag::Name(f.name.clone()),
        ]));
        let rows = f
            .steps
            .iter()
            .map(|s| {
                vec![
                    vec![
                        Frag::Name(s.from.clone()),
                        Frag::Text(" → ".to_owned()),
                        Frag::Name(s.to.clone()),
                    ],
                    text(s.cohort.to_string()),
                    text(s.converted.to_string()),
                    text(pct(s.rate)),
                ]
            })
            .collect();
        out.push(Block::Table {
            header: ["Step", "Cohort", "Converted", "Rate"]
                .map(str::to_owned)
                .to_vec(),
            rows,
        });
    }
    if !r.loss_reasons.is_empty() {
        out.push(Block::Heading(text("Loss reasons")));
        out.push(Block::List(
            r.loss_reasons
                .iter()
                .map(|l| {
                    vec![
                        Frag::Name(l.reason.clone()),
                        Frag::Text(format!(": {} ({})", l.count, pct(l.share))),
                    ]
                })
                .collect(),
        ));
    }
    out.push(Block::Heading(text("Data quality")));
    out.push(Block::List(
        r.data_quality
            .iter()
            .map(|d| {
                vec![
                    Frag::Code(d.id.clone()),
                    Frag::Text(format!(
                        ": {} of {} ({})",
                        d.count,
                        d.denominator,
                        pct(d.share)
                    )),
                ]
            })
            .collect(),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_human(secs: f64, want: &str) {
        assert_eq!(human(Some(secs)), want, "{secs} s");
    }

    #[test]
    fn durations_are_consistent_at_unit_boundaries() {
        check_human(0.0, "0 s");
        check_human(0.4, "0 s");
        check_human(45.0, "45 s");
        check_human(59.4, "59 s");
        // A value and its rounding read the same.
        check_human(59.6, "1 min");
        check_human(60.0, "1 min");
        check_human(65.0, "1 min 5 s");
        check_human(119.6, "2 min");
        check_human(120.0, "2 min");
        check_human(3_599.0, "59 min 59 s");
        check_human(3_599.6, "1 h");
        check_human(3_600.0, "1 h");
        // From an hour on, to the minute (half a minute rounds up).
        check_human(3_629.0, "1 h");
        check_human(3_630.0, "1 h 1 min");
        check_human(7_500.0, "2 h 5 min");
        check_human(86_399.0, "1 d");
        check_human(86_400.0, "1 d");
        check_human(90_000.0, "1 d 1 h");
        check_human(86_460.0, "1 d 1 min");
        // E2: 2 d 15 h 40 min, not "2.7 d".
        check_human(229_200.0, "2 d 15 h 40 min");
        check_human(-90.0, "-1 min 30 s");
        assert_eq!(human(None), "—");
        assert_eq!(human(Some(f64::NAN)), "—");
    }
}
