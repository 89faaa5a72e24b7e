use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{ContactId, DealId, EventId, ManagerId, SalesPipelineId, StageId};

/// A deal moved between stages (amoCRM `lead_status_changed`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageChange {
    /// Event id.
    pub id: EventId,
    /// The deal.
    pub deal: DealId,
    /// When it moved.
    pub at: DateTime<Utc>,
    /// Pipeline before.
    pub from_pipeline: Option<SalesPipelineId>,
    /// Stage before.
    pub from_stage: Option<StageId>,
    /// Pipeline after.
    pub to_pipeline: Option<SalesPipelineId>,
    /// Stage after.
    pub to_stage: Option<StageId>,
    /// Who moved it (`None` or robot for automations).
    pub by: Option<ManagerId>,
}

/// The entity whose responsible manager changed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EntityRef {
    /// A deal.
    Deal(DealId),
    /// A contact.
    Contact(ContactId),
}

/// The responsible manager of a deal or contact changed (amoCRM `entity_responsible_changed`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponsibleChange {
    /// Event id.
    pub id: EventId,
    /// The deal or contact.
    pub entity: EntityRef,
    /// When it changed.
    pub at: DateTime<Utc>,
    /// Responsible before.
    pub from: Option<ManagerId>,
    /// Responsible after.
    pub to: Option<ManagerId>,
    /// Who changed it.
    pub by: Option<ManagerId>,
}
