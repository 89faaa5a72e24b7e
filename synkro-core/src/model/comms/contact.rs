use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{ContactId, ManagerId};

/// A CRM contact: a person at a client company.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    /// Contact id.
    pub id: ContactId,
    /// Display name.
    pub name: String,
    /// Responsible manager.
    pub responsible: Option<ManagerId>,
    /// Phone numbers as the CRM holds them (raw; normalized when linking).
    pub phones: Vec<String>,
    /// Source update time.
    pub updated_at: DateTime<Utc>,
    /// Source custom fields, loosely typed.
    pub custom_fields: serde_json::Value,
}
