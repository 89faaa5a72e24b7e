use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{ContactId, DealId, ManagerId, SalesPipelineId, StageId};

/// A deal: an amoCRM lead, or a synthetic deal built from a chat in `radist_only` mode.
#[doc(alias = "lead")]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deal {
    /// Lead id, or the synthetic id derived from the chat.
    pub id: DealId,
    /// Deal name.
    pub name: String,
    /// Sales pipeline.
    pub pipeline: Option<SalesPipelineId>,
    /// Current stage.
    pub stage: Option<StageId>,
    /// Responsible manager.
    pub responsible: Option<ManagerId>,
    /// Deal value in the account's currency.
    pub price: Option<i64>,
    /// Linked contacts.
    pub contacts: Vec<ContactId>,
    /// Phone numbers written on the deal itself (phone custom fields), raw.
    pub phones: Vec<String>,
    /// Loss reason, for lost deals.
    pub loss_reason: Option<String>,
    /// When the deal was created.
    pub created_at: DateTime<Utc>,
    /// Source update time.
    pub updated_at: DateTime<Utc>,
    /// When the deal was closed, if it was.
    pub closed_at: Option<DateTime<Utc>>,
    /// Source custom fields, loosely typed.
    pub custom_fields: serde_json::Value,
    /// Whether the deal was synthesized from a chat (no CRM behind it).
    pub synthetic: bool,
}
