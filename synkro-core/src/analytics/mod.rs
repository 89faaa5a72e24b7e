//! Communication analytics (metrics.md v1): sessions and waits, first response and reply times,
//! SLA, unanswered and never-answered dialogs, speed to lead, missed calls and callbacks,
//! volumes, ratios, follow-up discipline, funnel conversion, time in stage, win rate and loss
//! reasons, and data-quality diagnostics — each duration in calendar and business time, each
//! aggregate with count, mean, p50, p90, max and share within target, broken down by combinable
//! dimensions (§6: manager, team, channel, connection, pipeline, stage, day, hour, weekday, chat
//! kind, initiator, working time and the item's outcome as of A, see [`Dimension`]) and
//! filtered by the same values.
//!
//! The [`MetricsEngine`] streams: it takes one chat (with its messages) at a time, then the calls
//! grouped by phone, then the leads, and folds everything into mergeable aggregates; nothing
//! keeps all messages in memory. [`MetricsSection`] plugs it into a report as a
//! [`SectionBuilder`](crate::report::SectionBuilder).

mod ack;
mod agg;
mod broadcast;
mod calendar;
mod calls;
mod config;
mod engine;
mod lead;
mod leads;
mod report;
mod section;
mod sketch;
mod stats;

use std::fmt;

pub use ack::{AckMemo, AckRules};
pub use agg::{
    Accumulator, Agg, BOT_REASONS, Filter, Key, MAX_DIMS, MsgCounts, Pair, RowKey, Targets,
};
pub use broadcast::Broadcasts;
pub use calendar::{
    Calendar, CalendarIndex, CalendarSet, CalendarSpec, CalendarVersionSpec, ExtraWorkingDate,
    Micros, RangeText, from_micros,
};
pub use config::{
    Attribution, Basis, CallRule, CallbackAttribution, DEFAULT_ACK_PHRASES, Dimension, FunnelMode,
    MetricsConfig, StageTimeUnit, StlAttribution, UnknownOutboundAs, WaitAnchor, WinAttribution,
};
pub use engine::{
    ChatInput, LeadInput, MetricsContext, MetricsEngine, Touch, compute, compute_with_phones,
};
pub use lead::{ContactView, LOST_STATUS, LeadView, ReferenceData, WON_STATUS, lead_at};
pub use report::{
    Breakdown, BreakdownRow, CallMetrics, DialogMetrics, DialogRow, DqCounter, DurationMetric,
    Funnel, FunnelStep, HistogramBucket, LeadMetrics, LossReason, METRICS_SCHEMA_VERSION,
    ManagerRow, MessageMetrics, MetricValues, MetricsReport, OpenAtDayEnd, Sla, StageTime,
    WaitMetrics, WaitRow,
};
pub(crate) use section::metrics_blocks;
pub use section::{METRICS_SECTION_ID, MetricsSection, human, metrics_markdown, pct};
pub use sketch::{ALPHA, DdSketch, GAMMA, bucket_index, bucket_value};
pub use stats::{Durations, ItemState, SlaCounts, SlaStatus, Stats, classify, percentile_sorted};

/// A metrics error.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MetricsError {
    /// A configuration value is wrong.
    Config {
        /// The key, e.g. `metadata.metrics.sla_targets` or `calendars.MSK.weekly.mon`.
        key: String,
        /// What is wrong and what is accepted.
        message: String,
    },
}

impl MetricsError {
    pub(crate) fn config(key: &str, message: impl Into<String>) -> Self {
        Self::Config {
            key: key.to_owned(),
            message: message.into(),
        }
    }
}

impl fmt::Display for MetricsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Config { key, message } => {
                write!(f, "metrics configuration `{key}` is invalid: {message}")
            }
        }
    }
}

impl std::error::Error for MetricsError {}
