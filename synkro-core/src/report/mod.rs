//! The report: a typed, versioned document, the sections that fill it, and its renderings.
//!
//! The engine builds a [`ReportDocument`] from the summary numbers ([`SummaryNumbers::from_dialogs`]),
//! the state of every source ([`SourceStatus`]), one [`Section`] per registered [`SectionBuilder`],
//! and a narrative (from the analyzer, or a plain fallback). Communication metrics plug in as a
//! section builder; nothing else changes.

mod document;
mod narrative;
mod render;
mod section;
mod summary;

pub use document::{Narrative, REPORT_SCHEMA_VERSION, ReportDocument, SourceState, SourceStatus};
pub use narrative::plain_narrative;
pub use render::{to_json, to_markdown};
pub use section::{Section, SectionBuilder, SectionInput};
pub use summary::{CountRow, SummaryNumbers};
