//! The audit log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{TenantId, UserId};

/// One audit log entry: who did what to which tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// The tenant concerned.
    pub tenant: TenantId,
    /// The acting user; `None` for the system (scheduler, worker).
    pub actor: Option<UserId>,
    /// Dotted action name, e.g. `run.queued`, `run.succeeded`, `config.updated`.
    pub action: String,
    /// A short human-readable message, redacted.
    pub message: String,
    /// Structured details.
    pub metadata: serde_json::Value,
    /// Client IP address, for cabinet actions.
    pub ip_address: Option<String>,
    /// When it happened.
    pub at: DateTime<Utc>,
}
