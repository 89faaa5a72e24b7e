use std::fmt;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::error::RunError;
use crate::pipeline::{Dialog, RunContext};

/// Which adapters a mode needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ModeRequirements {
    /// The mode reads a CRM.
    pub crm: bool,
    /// The mode reads a messenger.
    pub messenger: bool,
}

impl ModeRequirements {
    /// Requirements with these flags.
    #[must_use]
    pub fn new(crm: bool, messenger: bool) -> Self {
        Self { crm, messenger }
    }
}

/// A pipeline mode decides which sources a run reads and how stored data becomes dialogs.
///
/// Built-ins: `amocrm_radist`, `radist_only`, `amocrm_only`
/// (see [`modes`](crate::pipeline::modes)). Users write their own and register them in a
/// [`ModeRegistry`](crate::pipeline::ModeRegistry); the tenant's runtime config names the mode by
/// [`id`](Self::id).
///
/// # Contract
/// - [`sync`](Self::sync) reads sources through the [`RunContext`] and writes what it reads with
///   [`RunContext::apply`]; it wraps each source in [`RunContext::sync_source`] so that a failing
///   source follows the engine's policy (continue on stored data with a warning, or fail the run
///   naming the step when nothing is stored).
/// - [`dialogs`](Self::dialogs) reads only the store, never a source, so a run whose sources
///   failed still reports on stored data.
/// - Both are deterministic for the same stored data.
///
/// # Cancellation
/// Call [`RunContext::checkpoint`] before every page request and between units of work; it
/// returns [`RunError::Cancelled`] once the run is stopped, and the mode must return it as is.
///
/// # Errors
/// [`RunError`]; source failures as [`RunError::Source`] naming the step.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait PipelineMode: Send + Sync + fmt::Debug {
    /// The id stored in the tenant's runtime config (snake_case, unique in a registry).
    fn id(&self) -> &str;

    /// Which adapters the mode needs.
    fn requirements(&self) -> ModeRequirements;

    /// Fetches from the sources and stores what it read.
    async fn sync(&self, cx: &RunContext) -> Result<(), RunError>;

    /// Builds the dialogs of the run's window from stored data.
    async fn dialogs(&self, cx: &RunContext) -> Result<Vec<Dialog>, RunError>;
}
