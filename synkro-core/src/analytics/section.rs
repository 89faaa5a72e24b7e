//! [`MetricsSection`]: the metrics as a report section, and its Markdown.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use crate::analytics::config::MetricsConfig;
use crate::analytics::engine::{MetricsContext, compute_with_phones};
use crate::analytics::lead::ReferenceData;
use crate::analytics::report::{DurationMetric, MetricsReport, Sla};
use crate::error::BoxError;
use crate::report::{Section, SectionBuilder, SectionInput, escape_markdown as esc};

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

/// Seconds as a short human duration (`450 s`, `12 min`, `3.5 h`, `2.1 d`).
#[must_use]
pub fn human(secs: Option<f64>) -> String {
    match secs {
        None => "—".to_owned(),
        Some(s) if s < 120.0 => format!("{s:.0} s"),
        Some(s) if s < 7200.0 => format!("{:.1} min", s / 60.0),
        Some(s) if s < 172_800.0 => format!("{:.1} h", s / 3600.0),
        Some(s) => format!("{:.1} d", s / 86_400.0),
    }
}

/// A share as a percentage with one decimal, or `—`.
#[must_use]
pub fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_owned(), |v| format!("{:.1} %", v * 100.0))
}

fn duration_row(md: &mut String, label: &str, d: &DurationMetric) {
    let _ = writeln!(
        md,
        "| {label} | {} | {} / {} | {} / {} | {} / {} | {} / {} |",
        d.business.n,
        human(d.calendar.mean),
        human(d.business.mean),
        human(d.calendar.p50),
        human(d.business.p50),
        human(d.calendar.p90),
        human(d.business.p90),
        human(d.calendar.max),
        human(d.business.max),
    );
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
/// [`escape_markdown`](crate::report::escape_markdown), as in the report's own tables.
#[must_use]
pub fn metrics_markdown(r: &MetricsReport) -> String {
    let t = &r.totals;
    let mut md = String::new();
    let _ = writeln!(
        md,
        "Period {} – {} UTC, as of {} UTC, buckets in {}.",
        r.period_from.format("%Y-%m-%d %H:%M"),
        r.period_to.format("%Y-%m-%d %H:%M"),
        r.as_of.format("%Y-%m-%d %H:%M"),
        r.report_tz
    );
    let _ = writeln!(md);
    let _ = writeln!(
        md,
        "| Duration (calendar / business) | n | mean | p50 | p90 | max |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|---:|---:|");
    duration_row(&mut md, "First response", &t.waits.first_response);
    duration_row(&mut md, "Reply time", &t.waits.reply);
    duration_row(&mut md, "Speed to lead", &t.leads.speed_to_lead);
    duration_row(&mut md, "Callback time", &t.calls.callback);
    duration_row(&mut md, "Sales cycle", &t.leads.cycle);
    let _ = writeln!(md);
    let _ = writeln!(md, "- Reply SLA: {}", sla_text(&t.waits.sla));
    let _ = writeln!(md, "- First-response SLA: {}", sla_text(&t.waits.sla_first));
    let _ = writeln!(md, "- Speed-to-lead SLA: {}", sla_text(&t.leads.stl_sla));
    let _ = writeln!(md, "- Callback SLA: {}", sla_text(&t.calls.callback_sla));
    let _ = writeln!(
        md,
        "- Waits: {} ({} answered, {} open, {} closed unanswered, {} expired); unanswered at period end: {}",
        t.waits.total,
        t.waits.answered,
        t.waits.open,
        t.waits.closed,
        t.waits.expired,
        t.waits.open_at_end
    );
    if r.open_at_end_by_day.len() > 1 {
        let days: Vec<String> = r
            .open_at_end_by_day
            .iter()
            .map(|d| format!("{} {}", d.day, d.open))
            .collect();
        let _ = writeln!(md, "- Unanswered at each day's end: {}", days.join(", "));
    }
    let _ = writeln!(
        md,
        "- Dialogs: {} new, {} outreach, {} active; never answered: {} lost ({} expired, {} closed), {} awaiting, rate {}",
        t.dialogs.new,
        t.dialogs.outreach,
        t.dialogs.active,
        t.dialogs.never_answered_expired + t.dialogs.never_answered_closed,
        t.dialogs.never_answered_expired,
        t.dialogs.never_answered_closed,
        t.dialogs.never_answered_awaiting,
        pct(t.dialogs.never_answered_rate)
    );
    let _ = writeln!(
        md,
        "- Messages: {} from clients ({} substantive, {} acks), {} from managers ({} undelivered), {} bot; manager/client ratio {}",
        t.messages.inbound,
        t.messages.inbound_substantive,
        t.messages.inbound_ack,
        t.messages.out_human,
        t.messages.out_undelivered,
        t.messages.out_bot,
        t.messages
            .ratio
            .map_or("—".to_owned(), |x| format!("{x:.2}"))
    );
    let _ = writeln!(
        md,
        "- Calls: {} in, {} out, {} connected, {} missed in {} episodes",
        t.calls.inbound, t.calls.outbound, t.calls.connected, t.calls.missed, t.calls.episodes
    );
    let _ = writeln!(
        md,
        "- Leads: win rate {} ({} won, {} lost, won amount {}); follow-up: {} of {} open leads stale ({} never touched)",
        pct(t.leads.win_rate),
        t.leads.won,
        t.leads.lost,
        t.leads.won_amount,
        t.leads.followup_stale,
        t.leads.followup_considered,
        t.leads.followup_never_touched
    );
    let _ = writeln!(md);
    if !r.managers.is_empty() {
        let _ = writeln!(md, "### By manager");
        let _ = writeln!(md);
        // One SLA column per reply-SLA target, named by it.
        let targets: Vec<i64> = t.waits.sla.iter().map(|s| s.target_s).collect();
        let sla_head: String = targets
            .iter()
            .map(|x| format!(" SLA ≤ {} |", human(Some(*x as f64))))
            .collect();
        let _ = writeln!(
            md,
            "| Manager | Msgs out | Waits | Reply p50 (bus) | Reply p90 (bus) |{sla_head} Never answered | Win rate |"
        );
        let _ = writeln!(
            md,
            "|---|---:|---:|---:|---:|{}---:|---:|",
            "---:|".repeat(targets.len())
        );
        for m in &r.managers {
            let v = &m.values;
            let sla: String = targets
                .iter()
                .map(|x| {
                    let rate = v.waits.sla.iter().find(|s| s.target_s == *x);
                    format!(" {} |", pct(rate.and_then(|s| s.hit_rate)))
                })
                .collect();
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} |{sla} {} | {} |",
                esc(&m.name),
                v.messages.out_human,
                v.waits.total,
                human(v.waits.reply.business.p50),
                human(v.waits.reply.business.p90),
                v.dialogs.never_answered_expired + v.dialogs.never_answered_closed,
                pct(v.leads.win_rate)
            );
        }
        let _ = writeln!(md);
    }
    for f in &r.funnels {
        let _ = writeln!(md, "### Funnel {}", esc(&f.name));
        let _ = writeln!(md);
        let _ = writeln!(md, "| Step | Cohort | Converted | Rate |");
        let _ = writeln!(md, "|---|---:|---:|---:|");
        for s in &f.steps {
            let _ = writeln!(
                md,
                "| {} → {} | {} | {} | {} |",
                esc(&s.from),
                esc(&s.to),
                s.cohort,
                s.converted,
                pct(s.rate)
            );
        }
        let _ = writeln!(md);
    }
    if !r.loss_reasons.is_empty() {
        let _ = writeln!(md, "### Loss reasons");
        let _ = writeln!(md);
        for l in &r.loss_reasons {
            let _ = writeln!(md, "- {}: {} ({})", esc(&l.reason), l.count, pct(l.share));
        }
        let _ = writeln!(md);
    }
    let _ = writeln!(md, "### Data quality");
    let _ = writeln!(md);
    for d in &r.data_quality {
        let _ = writeln!(
            md,
            "- `{}`: {} of {} ({})",
            d.id,
            d.count,
            d.denominator,
            pct(d.share)
        );
    }
    md
}
