use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{TenantId, Window};
use crate::report::{Section, SummaryNumbers};

/// Version of the [`ReportDocument`] JSON shape. Bumped on any incompatible change.
pub const REPORT_SCHEMA_VERSION: u32 = 1;

/// The structured report. Its JSON form is versioned by `schema_version`.
///
/// Deserializing does not compare `schema_version` with [`REPORT_SCHEMA_VERSION`]: a document
/// of another version is read if its JSON fits this shape (so stored reports stay readable), and
/// fails with serde's error otherwise. A reader that depends on the exact shape compares
/// `schema_version` itself. The metrics section inside is checked when read
/// ([`MetricsReport::from_section_data`](crate::analytics::MetricsReport::from_section_data)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportDocument {
    /// [`REPORT_SCHEMA_VERSION`] at the time of writing.
    pub schema_version: u32,
    /// The tenant.
    pub tenant: TenantId,
    /// The tenant's display name.
    pub tenant_name: String,
    /// The pipeline mode that produced the data.
    pub mode: String,
    /// The window covered.
    pub window: Window,
    /// IANA zone the local dates are in.
    pub timezone: String,
    /// First local date covered.
    pub period_start: NaiveDate,
    /// Last local date covered.
    pub period_end: NaiveDate,
    /// When the report was built.
    pub generated_at: DateTime<Utc>,
    /// The summary numbers.
    pub summary: SummaryNumbers,
    /// The state and freshness of every source the mode reads.
    pub sources: Vec<SourceStatus>,
    /// Sections from the registered section builders, in order.
    pub sections: Vec<Section>,
    /// The narrative.
    pub narrative: Narrative,
}

impl ReportDocument {
    /// Sources that failed in this run (the report is built on their stored data).
    pub fn failed_sources(&self) -> impl Iterator<Item = &SourceStatus> {
        self.sources
            .iter()
            .filter(|s| matches!(s.state, SourceState::Failed { .. }))
    }
}

/// Whether a source was synced in this run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SourceState {
    /// Synced in this run.
    Fresh,
    /// The sync failed; the report uses data stored by an earlier run.
    Failed {
        /// Stable error label.
        error_kind: String,
        /// Redacted error message.
        error: String,
    },
}

/// The state and freshness of one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceStatus {
    /// Source name, e.g. `amocrm`.
    pub source: String,
    /// The sync step, e.g. `sync.amocrm`.
    pub step: String,
    /// Fresh or failed.
    pub state: SourceState,
    /// The last successful sync of this source, in this run or earlier.
    pub last_synced_at: Option<DateTime<Utc>>,
    /// Age of the data at report time, in seconds (`None` when never synced).
    pub stale_for_s: Option<i64>,
}

/// The report's prose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Narrative {
    /// The text (Markdown).
    pub text: String,
    /// Analyzer backend, if one wrote it.
    pub provider: Option<String>,
    /// Analyzer model, if one wrote it.
    pub model: Option<String>,
    /// Whether the analyzer failed and this is the plain fallback.
    pub fallback: bool,
}
