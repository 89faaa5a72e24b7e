use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::ManagerId;

/// A CRM user: a sales manager or another member of staff.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manager {
    /// CRM user id.
    pub id: ManagerId,
    /// Display name.
    pub name: String,
    /// E-mail, when the CRM gives it.
    pub email: Option<String>,
    /// Team (CRM user group), if any.
    pub team: Option<String>,
    /// Whether the user is active in the CRM.
    pub active: bool,
    /// Source update time, if known.
    pub updated_at: Option<DateTime<Utc>>,
}
