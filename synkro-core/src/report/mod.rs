//! The report: a typed, versioned document, the sections that fill it, and its renderings.
//!
//! The engine builds a [`ReportDocument`] from the summary numbers ([`SummaryNumbers::from_dialogs`]),
//! the state of every source ([`SourceStatus`]), one [`Section`] per registered [`SectionBuilder`],
//! and a narrative (from the analyzer, or a plain fallback). Communication metrics plug in as a
//! section builder; nothing else changes.

pub(crate) mod blocks;
mod csv;
mod document;
mod html;
mod narrative;
mod render;
mod section;
mod summary;
mod table;
mod xlsx;

pub use csv::{dialogs_csv, managers_csv, waits_csv};
pub use document::{Narrative, REPORT_SCHEMA_VERSION, ReportDocument, SourceState, SourceStatus};
pub use html::{escape_html, to_html};
pub use narrative::plain_narrative;
pub use render::{escape_markdown, to_json, to_markdown};
pub use section::{Section, SectionBuilder, SectionInput};
pub use summary::{CountRow, SummaryNumbers};
pub use table::{Cell, DIALOG_COLUMNS, MANAGER_COLUMNS, WAIT_COLUMNS, format_num, metrics_of};
pub use xlsx::metrics_xlsx;
