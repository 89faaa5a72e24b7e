//! The typed, versioned metrics report (serde JSON): totals, breakdowns, pipeline metrics,
//! data quality and the row-level exports.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::analytics::config::Dimension;
use crate::analytics::stats::{SlaCounts, Stats};

/// Version of the [`MetricsReport`] JSON shape. Bumped on any incompatible change;
/// [`MetricsReport::from_section_data`] refuses data of another version.
pub const METRICS_SCHEMA_VERSION: u32 = 1;

/// A duration metric: statistics over calendar and business values (§5.1).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DurationMetric {
    /// `calendar_s` statistics.
    pub calendar: Stats,
    /// `business_s` statistics.
    pub business: Stats,
}

/// SLA counters of one target with its hit rate.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Sla {
    /// Target in seconds.
    pub target_s: i64,
    /// Hits.
    pub hits: u64,
    /// Misses.
    pub misses: u64,
    /// Pending (open, not yet over the target).
    pub pending: u64,
    /// Excluded (ended unanswered within the target).
    pub excluded: u64,
    /// hits / (hits + misses), `null` when empty.
    pub hit_rate: Option<f64>,
}

impl From<&SlaCounts> for Sla {
    fn from(c: &SlaCounts) -> Self {
        Self {
            target_s: c.target_s,
            hits: c.hits,
            misses: c.misses,
            pending: c.pending,
            excluded: c.excluded,
            hit_rate: c.hit_rate(),
        }
    }
}

/// Message volumes (§3.8) and the manager/client ratio (§3.10).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MessageMetrics {
    /// `msg.in`.
    pub inbound: u64,
    /// `msg.in.substantive`.
    pub inbound_substantive: u64,
    /// `msg.in.ack`.
    pub inbound_ack: u64,
    /// `msg.out.human`.
    pub out_human: u64,
    /// `msg.out.undelivered`.
    pub out_undelivered: u64,
    /// `msg.out.bot`.
    pub out_bot: u64,
    /// `msg.out.bot` by bot reason.
    pub out_bot_by_reason: BTreeMap<String, u64>,
    /// `msg.out.unknown`.
    pub out_unknown: u64,
    /// `msg.ratio` (K6).
    pub ratio: Option<f64>,
    /// `msg.char_ratio`.
    pub char_ratio: Option<f64>,
}

/// Wait metrics (§3.1–§3.4).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WaitMetrics {
    /// Waits anchored in the period.
    pub total: u64,
    /// Answered.
    pub answered: u64,
    /// Open at A.
    pub open: u64,
    /// Closed in CRM unanswered.
    pub closed: u64,
    /// Expired.
    pub expired: u64,
    /// Group-chat waits left out (G4).
    pub group_excluded: u64,
    /// `wait.reply`.
    pub reply: DurationMetric,
    /// `wait.first_response`.
    pub first_response: DurationMetric,
    /// `wait.next_reply`.
    pub next_reply: DurationMetric,
    /// `wait.sla` per target.
    pub sla: Vec<Sla>,
    /// `wait.sla.first` per target.
    pub sla_first: Vec<Sla>,
    /// `wait.open_at_end`: count. In a row of a breakdown over days, the snapshot at that day's
    /// end (§3.4, P2); elsewhere the snapshot at E.
    pub open_at_end: u64,
    /// `wait.open_at_end`: ages at E.
    pub open_at_end_age: DurationMetric,
    /// `wait.open_at_end`: overdue per target (target_s, count).
    pub open_at_end_overdue: Vec<(i64, u64)>,
}

/// Session and dialog counts (§3.5, §3.9).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DialogMetrics {
    /// Sessions starting in the period.
    pub sessions: u64,
    /// `dialog.new`.
    pub new: u64,
    /// `dialog.new` by initiator.
    pub new_by_initiator: BTreeMap<String, u64>,
    /// `dialog.outreach`.
    pub outreach: u64,
    /// Ack-only sessions.
    pub ack_only: u64,
    /// `dialog.active` (distinct).
    pub active: u64,
    /// `dialog.participation` (multi-credit).
    pub participation: u64,
    /// `dialog.never_answered` lost_expired.
    pub never_answered_expired: u64,
    /// lost_closed.
    pub never_answered_closed: u64,
    /// awaiting.
    pub never_answered_awaiting: u64,
    /// Headline rate = (expired + closed) / dialogs (K9).
    pub never_answered_rate: Option<f64>,
}

/// Calls (§3.7).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CallMetrics {
    /// Inbound calls.
    pub inbound: u64,
    /// Outbound calls (= attempts).
    pub outbound: u64,
    /// Connected calls.
    pub connected: u64,
    /// Talk seconds, sum.
    pub talk_s_sum: u64,
    /// Talk seconds, mean over all calls (K13).
    pub talk_s_mean: Option<f64>,
    /// `call.missed`.
    pub missed: u64,
    /// Missed-call episodes.
    pub episodes: u64,
    /// Episodes by outcome.
    pub episode_outcomes: BTreeMap<String, u64>,
    /// `call.callback`.
    pub callback: DurationMetric,
    /// Callback SLA per target.
    pub callback_sla: Vec<Sla>,
}

/// Lead metrics (§3.6, §3.11, §3.13, §3.14).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LeadMetrics {
    /// Leads in the speed-to-lead item set.
    pub stl_items: u64,
    /// `lead.speed_to_lead`.
    pub speed_to_lead: DurationMetric,
    /// STL SLA per target.
    pub stl_sla: Vec<Sla>,
    /// STL outcomes.
    pub stl_outcomes: BTreeMap<String, u64>,
    /// `lead.stl.excluded_manual`.
    pub stl_excluded_manual: u64,
    /// Won items.
    pub won: u64,
    /// Lost items.
    pub lost: u64,
    /// `lead.win_rate`.
    pub win_rate: Option<f64>,
    /// `lead.won_amount`.
    pub won_amount: i64,
    /// `lead.cycle`.
    pub cycle: DurationMetric,
    /// Follow-up: open leads considered at E.
    pub followup_considered: u64,
    /// Follow-up: stale.
    pub followup_stale: u64,
    /// Follow-up: stale share.
    pub followup_stale_share: Option<f64>,
    /// Follow-up: never touched (sub-count of stale).
    pub followup_never_touched: u64,
}

/// Every metric of one row (the totals or a breakdown row).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MetricValues {
    /// Messages.
    pub messages: MessageMetrics,
    /// Waits.
    pub waits: WaitMetrics,
    /// Dialogs.
    pub dialogs: DialogMetrics,
    /// Calls.
    pub calls: CallMetrics,
    /// Leads.
    pub leads: LeadMetrics,
}

/// One breakdown row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BreakdownRow {
    /// The row's value per dimension, in the table's dimension order, labelled as `filters` take
    /// them (see [`Dimension`]; `outcome` rows are `-` for the items without an outcome).
    pub key: Vec<String>,
    /// Its metrics.
    pub values: MetricValues,
}

/// A breakdown by one or more combined dimensions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    /// The dimensions.
    pub dimensions: Vec<Dimension>,
    /// Rows sorted by key.
    pub rows: Vec<BreakdownRow>,
}

/// One step of a funnel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunnelStep {
    /// From stage (id).
    pub from: String,
    /// To stage (id, or `won`).
    pub to: String,
    /// Cohort size.
    pub cohort: u64,
    /// Converted.
    pub converted: u64,
    /// converted / cohort.
    pub rate: Option<f64>,
}

/// Funnel conversion of one pipeline (§3.12).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Funnel {
    /// Pipeline id.
    pub pipeline: String,
    /// Pipeline name.
    pub name: String,
    /// Consecutive steps, then first stage → every stage and → won.
    pub steps: Vec<FunnelStep>,
    /// The same steps per manager: each cohort of stage X goes to the responsible at the lead's
    /// pass of X (§5.5).
    #[serde(default)]
    pub by_manager: BTreeMap<String, Vec<FunnelStep>>,
}

/// Time in one stage (§3.13).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageTime {
    /// Pipeline id.
    pub pipeline: String,
    /// Stage id.
    pub stage: String,
    /// Completed stays.
    pub completed: DurationMetric,
    /// Stays open at A: count and ages.
    pub open: DurationMetric,
    /// The same per responsible at entry (§5.5).
    #[serde(default)]
    pub by_manager: BTreeMap<String, StageStays>,
}

/// The stays of one stage attributed to one manager.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageStays {
    /// Completed stays.
    pub completed: DurationMetric,
    /// Stays open at A: count and ages.
    pub open: DurationMetric,
}

/// One loss reason (§3.14).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LossReason {
    /// Reason, `(none)` when empty.
    pub reason: String,
    /// Count.
    pub count: u64,
    /// Share among lost items.
    pub share: Option<f64>,
    /// Count per attributed manager.
    pub by_manager: BTreeMap<String, u64>,
    /// Count per stage at loss (the stage id the lead was lost from; `(none)` when unknown).
    #[serde(default)]
    pub by_stage: BTreeMap<String, u64>,
}

/// One data-quality counter (§3.15).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DqCounter {
    /// Id, e.g. `dq.msg_without_lead`.
    pub id: String,
    /// Count.
    pub count: u64,
    /// Denominator.
    pub denominator: u64,
    /// count / denominator.
    pub share: Option<f64>,
    /// Up to `dq_sample_size` example ids.
    pub samples: Vec<String>,
}

/// One bucket of a duration histogram.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistogramBucket {
    /// Upper bound in seconds (inclusive); `null` for the last, open bucket.
    pub le_s: Option<i64>,
    /// Items by calendar value.
    pub calendar: u64,
    /// Items by business value.
    pub business: u64,
}

/// One S5 dialog, exported as a row (§2.4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DialogRow {
    /// Chat id.
    pub chat: String,
    /// Session number within the chat (1-based, from the loaded history).
    pub session_no: u32,
    /// Lead at session start.
    pub lead: Option<String>,
    /// Channel.
    pub channel: String,
    /// Direct or group.
    pub chat_kind: String,
    /// Session start.
    pub start: DateTime<Utc>,
    /// Session end (`None`: ongoing).
    pub end: Option<DateTime<Utc>>,
    /// `crm_close`, `gap` or `ongoing`.
    pub end_reason: String,
    /// Initiator.
    pub initiator: String,
    /// Responsible at start.
    pub responsible: String,
    /// Client messages.
    pub client_messages: u32,
    /// Substantive client messages.
    pub client_substantive: u32,
    /// Human staff messages.
    pub human_messages: u32,
    /// Bot messages.
    pub bot_messages: u32,
    /// Waits.
    pub waits: u32,
    /// Answered waits.
    pub answered_waits: u32,
    /// First response, calendar seconds.
    pub first_response_calendar_s: Option<f64>,
    /// First response, business seconds.
    pub first_response_business_s: Option<f64>,
    /// Never-answered status: `lost_expired`, `lost_closed`, `awaiting`, or `null`.
    pub never_answered: Option<String>,
    /// The session's `outcome` (§6, [`Dimension::Outcome`](crate::analytics::Dimension::Outcome)):
    /// its never-answered status, `answered`, or `-`; the row label of its breakdown rows. A
    /// report saved without it reads `-`.
    #[serde(default = "no_outcome")]
    pub outcome: String,
    /// The lead's pipeline at session start (L5; `None` without a lead or pipeline).
    #[serde(default)]
    pub pipeline: Option<String>,
    /// Outbound messages of unknown authorship (O7).
    #[serde(default)]
    pub unknown_messages: u32,
    /// The id of the message that opened the session's first wait (W10), if it had one.
    #[serde(default)]
    pub first_wait: Option<String>,
}

/// The `outcome` of a dialog row saved before the field existed.
fn no_outcome() -> String {
    "-".to_owned()
}

/// One manager, exported as a row: the manager breakdown flattened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManagerRow {
    /// Manager id (`unassigned` for none).
    pub manager: String,
    /// Display name.
    pub name: String,
    /// Metrics attributed to the manager.
    pub values: MetricValues,
}

/// The metrics report: what [`crate::analytics::MetricsSection`] puts into `Section.data`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsReport {
    /// [`METRICS_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Period start (inclusive).
    pub period_from: DateTime<Utc>,
    /// Period end (exclusive).
    pub period_to: DateTime<Utc>,
    /// Knowledge cut-off A.
    pub as_of: DateTime<Utc>,
    /// Snapshot instant E = min(to, A).
    pub snapshot_at: DateTime<Utc>,
    /// IANA zone of the buckets.
    pub report_tz: String,
    /// Every metric over the whole period.
    pub totals: MetricValues,
    /// Breakdowns.
    pub breakdowns: Vec<Breakdown>,
    /// Funnels per pipeline.
    pub funnels: Vec<Funnel>,
    /// Time in stage.
    pub stage_times: Vec<StageTime>,
    /// Loss reasons.
    pub loss_reasons: Vec<LossReason>,
    /// Distribution of reply times (all answered waits of the period).
    pub reply_histogram: Vec<HistogramBucket>,
    /// Data quality.
    pub data_quality: Vec<DqCounter>,
    /// One row per dialog (S5) starting in the period.
    pub dialogs: Vec<DialogRow>,
    /// One row per manager.
    pub managers: Vec<ManagerRow>,
    /// `wait.open_at_end` as a per-day series (§3.4): the snapshot at each day bucket's end that
    /// falls in the period, up to E.
    #[serde(default)]
    pub open_at_end_by_day: Vec<OpenAtDayEnd>,
    /// One row per wait starting in the period (§2.4), when `export_waits` is on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waits: Vec<WaitRow>,
}

/// One wait (§2.2, §2.4), with what is needed to recompute its aggregates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaitRow {
    /// Chat id.
    pub chat: String,
    /// Session number within the chat (as in [`DialogRow`]).
    pub session_no: u32,
    /// The session's first wait.
    pub first: bool,
    /// Wait start: its first substantive client message.
    pub start: DateTime<Utc>,
    /// Its last substantive client message before the end.
    pub last_client_message: DateTime<Utc>,
    /// End (`None`: still open at A).
    pub end: Option<DateTime<Utc>>,
    /// `answered`, `open`, `closed` or `expired`.
    pub outcome: String,
    /// Who answered (manager id), when known.
    pub reply_author: Option<String>,
    /// `message`, `call` or `note`, for an answered wait.
    pub reply_channel: Option<String>,
    /// Who closed the conversation in the CRM (manager id), for a wait closed there.
    pub closed_by: Option<String>,
    /// Duration (answered, closed, expired) or age at A (open), calendar seconds, from the
    /// configured anchor (`wait_anchor`).
    pub calendar_s: f64,
    /// The same in business seconds, in the attributed manager's calendar.
    pub business_s: f64,
    /// Id of the calendar that measured `business_s`, `in_hours` and the business `due_at`: the
    /// attributed manager's, else their team's, else the tenant calendar (§4.2). Empty in rows
    /// written before it was recorded.
    #[serde(default)]
    pub calendar: String,
    /// The start fell in the attributed manager's working hours.
    pub in_hours: bool,
    /// The manager the wait is attributed to under the configured `attribution`.
    pub manager: String,
    /// Responsible of the chat's lead at the start (`owner_at_start`).
    pub owner_at_start: Option<String>,
    /// Responsible at the end, or at A while open (`owner_at_end`).
    pub owner_at_end: Option<String>,
    /// SLA status per target: (target_s, status).
    pub sla: Vec<(i64, crate::analytics::SlaStatus)>,
    /// `due_at` per SLA target (§3.3): (target_s, the earliest instant at which the SLA measure
    /// reaches the target). On business time (`sla_basis = business`) the target's working time
    /// is added to the measured start in [`calendar`](Self::calendar); otherwise calendar time.
    /// The wait is a miss once its age exceeds the target, i.e. only after this instant. `None`
    /// when the calendar has no working time within reach (`dq.calendar_empty`). Empty in rows
    /// written before it was recorded.
    #[serde(default)]
    pub due_at: Vec<(i64, Option<DateTime<Utc>>)>,
    /// Lead at the start.
    pub lead: Option<String>,
    /// Pipeline at the start.
    pub pipeline: Option<String>,
    /// Channel.
    pub channel: String,
    /// Connection (the company's number or bot), if known.
    pub connection: Option<String>,
}

/// The waits open at one day bucket's end (§3.4 per-day series).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenAtDayEnd {
    /// The day bucket (report zone, `report_day_end`).
    pub day: NaiveDate,
    /// Its end: the snapshot instant.
    pub at: DateTime<Utc>,
    /// Waits started before `at` and not answered, closed or expired at or before it.
    pub open: u64,
    /// Of those, overdue per SLA target (age at `at` > target): (target_s, count).
    pub overdue: Vec<(i64, u64)>,
}

impl MetricsReport {
    /// The breakdown over exactly these dimensions, if published.
    #[must_use]
    pub fn breakdown(&self, dims: &[Dimension]) -> Option<&Breakdown> {
        self.breakdowns.iter().find(|b| b.dimensions == dims)
    }

    /// The manager row of an id (`unassigned` for none).
    #[must_use]
    pub fn manager(&self, id: &str) -> Option<&ManagerRow> {
        self.managers.iter().find(|m| m.manager == id)
    }

    /// A data-quality counter by id.
    #[must_use]
    pub fn dq(&self, id: &str) -> Option<&DqCounter> {
        self.data_quality.iter().find(|d| d.id == id)
    }

    /// The funnel of a pipeline.
    #[must_use]
    pub fn funnel(&self, pipeline: &str) -> Option<&Funnel> {
        self.funnels.iter().find(|f| f.pipeline == pipeline)
    }

    /// Reads the report back from a section's data.
    ///
    /// # Errors
    /// When the data has no numeric `schema_version` or another one than
    /// [`METRICS_SCHEMA_VERSION`] (the message names both versions), or is otherwise not a metrics
    /// report of this schema.
    pub fn from_section_data(data: &serde_json::Value) -> Result<Self, serde_json::Error> {
        use serde::de::Error as _;
        match data
            .get("schema_version")
            .and_then(serde_json::Value::as_u64)
        {
            Some(v) if v == u64::from(METRICS_SCHEMA_VERSION) => {
                serde_json::from_value(data.clone())
            }
            Some(v) => Err(serde_json::Error::custom(format!(
                "the metrics section has schema_version {v}, this build reads version \
                 {METRICS_SCHEMA_VERSION}; read it with the synkro version that wrote it, or \
                 run the report again to rebuild it with this one"
            ))),
            None => Err(serde_json::Error::custom(format!(
                "the metrics section has no numeric schema_version (this build reads version \
                 {METRICS_SCHEMA_VERSION}); it is not a metrics report: check that the section \
                 id {:?} was written by the metrics section builder",
                crate::analytics::METRICS_SECTION_ID
            ))),
        }
    }
}
