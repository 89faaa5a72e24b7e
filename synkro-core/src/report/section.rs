use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::BoxError;
use crate::model::{Manager, SalesPipeline, Tenant, TenantRuntimeConfig, Timestamp, Window};
use crate::pipeline::Dialog;
use crate::pipeline::normalize::PhoneBook;

/// One section of a report: structured data plus its Markdown rendering.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// Stable id, e.g. `metrics.response_times`.
    pub id: String,
    /// Heading.
    pub title: String,
    /// The section's numbers, as JSON.
    pub data: serde_json::Value,
    /// The section rendered as Markdown (without its heading).
    pub markdown: String,
}

/// What a section builder sees.
#[derive(Debug, Clone, Copy)]
pub struct SectionInput<'a> {
    /// The tenant.
    pub tenant: &'a Tenant,
    /// Its runtime configuration.
    pub config: &'a TenantRuntimeConfig,
    /// The report window.
    pub window: &'a Window,
    /// The run's knowledge cut-off A (metrics.md C3,
    /// [`RunContext::as_of`](crate::pipeline::RunContext::as_of)): the dialogs hold what happened
    /// up to it, including after the window ([`Dialog::after`]) when it is later than the window's
    /// end.
    pub as_of: Timestamp,
    /// The dialogs of the window.
    pub dialogs: &'a [Dialog],
    /// The CRM's sales pipelines with their stages (empty without a CRM).
    pub pipelines: &'a [SalesPipeline],
    /// The CRM's users (names, teams; empty without a CRM).
    pub managers: &'a [Manager],
    /// Phones the run has already normalized (linking chats to deals, attaching calls), so a
    /// section that normalizes phones parses each spelling once per run; `None`: none known.
    pub phones: Option<&'a PhoneBook>,
}

/// Builds one report section from the window's dialogs. This is the seam through which analytics
/// (communication metrics, custom KPIs) enter a report.
///
/// # Contract
/// - Deterministic: the same input gives the same section.
/// - Pure: no I/O; the engine may call it on a blocking thread.
pub trait SectionBuilder: Send + Sync + fmt::Debug {
    /// The section id.
    fn id(&self) -> &str;

    /// Builds the section.
    ///
    /// # Errors
    /// Any error fails the run's `report` step, naming the section.
    fn build(&self, input: &SectionInput<'_>) -> Result<Section, BoxError>;
}
