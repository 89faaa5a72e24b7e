use serde::{Deserialize, Serialize};

use crate::model::{SalesPipelineId, StageId};

/// Whether a stage is open or closes the deal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum StageKind {
    /// The deal is in progress.
    Open,
    /// Closed as won (amoCRM status 142).
    Won,
    /// Closed as lost (amoCRM status 143).
    Lost,
}

/// A stage of a sales pipeline (amoCRM "status").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    /// Stage id.
    pub id: StageId,
    /// Display name.
    pub name: String,
    /// Position in the pipeline.
    pub sort: i32,
    /// Open, won or lost.
    pub kind: StageKind,
}

/// A CRM sales funnel with its stages in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SalesPipeline {
    /// Pipeline id.
    pub id: SalesPipelineId,
    /// Display name.
    pub name: String,
    /// Position among pipelines.
    pub sort: i32,
    /// Whether it is the account's main pipeline.
    pub is_main: bool,
    /// Stages in sort order.
    pub stages: Vec<Stage>,
}

impl SalesPipeline {
    /// The stage with this id, if it belongs to the pipeline.
    #[must_use]
    pub fn stage(&self, id: &StageId) -> Option<&Stage> {
        self.stages.iter().find(|s| &s.id == id)
    }
}
