//! Stored reports and their follow-up messages.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{ReportId, RunId, TenantId, UserId, Window};
use crate::report::ReportDocument;

/// Why a report was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReportKind {
    /// The daily report of a business day.
    Daily,
    /// A report for a window a user forced.
    Forced,
}

/// A report's delivery state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReportStatus {
    /// Being built.
    Draft,
    /// Committed, not delivered (no notifier, or delivery pending).
    Ready,
    /// Delivered.
    Sent,
    /// Delivery failed.
    Failed,
}

/// A stored report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Store-assigned id.
    pub id: ReportId,
    /// Owning tenant.
    pub tenant: TenantId,
    /// The run that produced it.
    pub run: RunId,
    /// Daily or forced.
    pub kind: ReportKind,
    /// Delivery state.
    pub status: ReportStatus,
    /// First local date covered.
    pub period_start: NaiveDate,
    /// Last local date covered.
    pub period_end: NaiveDate,
    /// The exact window.
    pub window: Window,
    /// The report as Markdown.
    pub summary_text: String,
    /// The structured report.
    pub document: ReportDocument,
    /// When it was committed.
    pub created_at: DateTime<Utc>,
    /// Follow-up questions are accepted until then.
    pub followup_deadline_at: Option<DateTime<Utc>>,
}

/// A follow-up question about a report, with its answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportMessage {
    /// The report.
    pub report: ReportId,
    /// Owning tenant.
    pub tenant: TenantId,
    /// The asking user, if known.
    pub actor: Option<UserId>,
    /// The question.
    pub question: String,
    /// The answer.
    pub answer: String,
    /// When it was answered.
    pub at: DateTime<Utc>,
}
