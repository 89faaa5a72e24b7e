//! Job runs, their step log and report windows.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::WindowError;
use crate::model::{ReportId, RunId, TenantId, UserId};

/// A half-open interval of instants `[start, end)`: the period a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Window {
    /// First instant inside the window.
    pub start: DateTime<Utc>,
    /// First instant after the window.
    pub end: DateTime<Utc>,
}

impl Window {
    /// A window from `start` (inclusive) to `end` (exclusive).
    ///
    /// # Errors
    /// [`WindowError::EndBeforeStart`] when `end <= start`.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Self, WindowError> {
        if end <= start {
            return Err(WindowError::EndBeforeStart { start, end });
        }
        Ok(Self { start, end })
    }

    /// Whether `t` lies inside the window.
    #[must_use]
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.start <= t && t < self.end
    }

    /// The window's length.
    #[must_use]
    pub fn duration(&self) -> chrono::Duration {
        self.end - self.start
    }
}

/// Where a run is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RunState {
    /// Waiting to be executed.
    Queued,
    /// Being executed.
    Running,
    /// Finished and produced its report.
    Succeeded,
    /// Finished with an error; see `error`.
    Failed,
    /// Stopped on request; no report.
    Cancelled,
}

impl RunState {
    /// Whether the run has ended.
    #[must_use]
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Cancelled)
    }
}

/// Why a run exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Trigger {
    /// The daily schedule.
    Schedule,
    /// A user asked for the usual window.
    Manual,
    /// A user forced a window of their choice.
    Forced,
    /// The system (a retry, a re-sync).
    System,
}

impl Trigger {
    /// The snake_case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Schedule => "schedule",
            Self::Manual => "manual",
            Self::Forced => "forced",
            Self::System => "system",
        }
    }
}

/// A request to create a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewRun {
    /// Owning tenant.
    pub tenant: TenantId,
    /// Job type; the report pipeline is `report`.
    pub job_type: String,
    /// Pipeline mode id at trigger time.
    pub mode: String,
    /// Why the run exists.
    pub trigger: Trigger,
    /// The report window.
    pub window: Window,
    /// The user who asked, for manual and forced runs.
    pub requested_by: Option<UserId>,
    /// Unique key that prevents a second run for the same purpose.
    pub idempotency_key: String,
    /// Free-form metadata.
    pub metadata: serde_json::Value,
}

impl NewRun {
    /// The standard idempotency key: trigger, tenant, mode and window.
    #[must_use]
    pub fn idempotency_key_for(
        tenant: TenantId,
        trigger: Trigger,
        mode: &str,
        window: &Window,
    ) -> String {
        format!(
            "{}:{}:{}:{}:{}",
            trigger.as_str(),
            tenant,
            mode,
            window.start.to_rfc3339(),
            window.end.to_rfc3339()
        )
    }
}

/// A stored run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRun {
    /// Store-assigned id.
    pub id: RunId,
    /// Owning tenant.
    pub tenant: TenantId,
    /// Job type.
    pub job_type: String,
    /// Pipeline mode id.
    pub mode: String,
    /// Why the run exists.
    pub trigger: Trigger,
    /// Current state.
    pub state: RunState,
    /// The step being executed (or the last one).
    pub current_step: Option<String>,
    /// Progress, 0 to 100.
    pub progress: u8,
    /// Stable label of the failure, when failed.
    pub error_kind: Option<String>,
    /// The failure, redacted, when failed.
    pub error: Option<String>,
    /// The report window.
    pub window: Window,
    /// The user who asked.
    pub requested_by: Option<UserId>,
    /// The unique key.
    pub idempotency_key: String,
    /// Execution attempts so far.
    pub attempt: u32,
    /// Free-form metadata.
    pub metadata: serde_json::Value,
    /// The report produced, once committed.
    pub report: Option<ReportId>,
    /// When the run was created.
    pub created_at: DateTime<Utc>,
    /// When execution started.
    pub started_at: Option<DateTime<Utc>>,
    /// When the run ended.
    pub finished_at: Option<DateTime<Utc>>,
}

/// Severity of a run event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventLevel {
    /// Progress.
    Info,
    /// Something went wrong but the run continues.
    Warn,
    /// The run failed here.
    Error,
}

/// A run event to record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewRunEvent {
    /// Severity.
    pub level: EventLevel,
    /// Dotted step name, e.g. `sync.amocrm`.
    pub step: String,
    /// A short, redacted message.
    pub message: String,
    /// Run progress after this event, 0 to 100, if it moves.
    pub progress: Option<u8>,
    /// Structured details (counts, error kind; never a response body or a secret).
    pub data: serde_json::Value,
}

impl NewRunEvent {
    /// An info event.
    pub fn info(step: impl Into<String>, message: impl Into<String>) -> Self {
        Self::with_level(EventLevel::Info, step, message)
    }

    /// A warning event.
    pub fn warn(step: impl Into<String>, message: impl Into<String>) -> Self {
        Self::with_level(EventLevel::Warn, step, message)
    }

    /// An error event.
    pub fn error(step: impl Into<String>, message: impl Into<String>) -> Self {
        Self::with_level(EventLevel::Error, step, message)
    }

    fn with_level(level: EventLevel, step: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            level,
            step: step.into(),
            message: message.into(),
            progress: None,
            data: serde_json::Value::Null,
        }
    }

    /// Sets the progress value.
    #[must_use]
    pub fn progress(mut self, progress: u8) -> Self {
        self.progress = Some(progress.min(100));
        self
    }

    /// Sets the structured details.
    #[must_use]
    pub fn data(mut self, data: serde_json::Value) -> Self {
        self.data = data;
        self
    }
}

/// A recorded run event: one line of the step log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunEvent {
    /// Store-assigned, increasing within a run.
    pub id: i64,
    /// The run.
    pub run: RunId,
    /// Owning tenant.
    pub tenant: TenantId,
    /// When it was recorded.
    pub at: DateTime<Utc>,
    /// The event.
    #[serde(flatten)]
    pub event: NewRunEvent,
}

/// How a run ended, as told to the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum RunOutcome {
    /// The report was committed.
    Succeeded {
        /// The report.
        report: ReportId,
    },
    /// The run failed.
    Failed {
        /// Stable error label.
        kind: String,
        /// Redacted message naming the step and the error.
        message: String,
    },
    /// The run was cancelled.
    Cancelled,
}

impl RunOutcome {
    /// The state this outcome leads to.
    #[must_use]
    pub fn state(&self) -> RunState {
        match self {
            Self::Succeeded { .. } => RunState::Succeeded,
            Self::Failed { .. } => RunState::Failed,
            Self::Cancelled => RunState::Cancelled,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn window_is_half_open() {
        let s = Utc.with_ymd_and_hms(2026, 3, 10, 0, 0, 0).unwrap();
        let e = Utc.with_ymd_and_hms(2026, 3, 11, 0, 0, 0).unwrap();
        let w = Window::new(s, e).unwrap();
        assert!(w.contains(s));
        assert!(!w.contains(e));
        assert_eq!(w.duration(), chrono::Duration::hours(24));
        assert_eq!(
            Window::new(e, s),
            Err(WindowError::EndBeforeStart { start: e, end: s })
        );
        assert!(Window::new(s, s).is_err());
    }
}
