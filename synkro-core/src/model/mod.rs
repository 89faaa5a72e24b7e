//! The domain model: tenancy, users, integrations, runs, reports, audit, and communications.

mod audit;
pub mod comms;
#[cfg(test)]
pub(crate) mod fixtures;
mod ids;
mod integration;
mod report;
mod run;
mod tenant;
mod user;

pub use audit::AuditEntry;
pub use comms::*;
pub use ids::*;
pub use integration::{IntegrationConfig, IntegrationKind, IntegrationStatus, SealedSecret};
pub use report::{Report, ReportKind, ReportMessage, ReportStatus};
pub use run::{
    EventLevel, JobRun, NewRun, NewRunEvent, RunEvent, RunOutcome, RunState, Trigger, Window,
};
pub use tenant::{Tenant, TenantRuntimeConfig, TenantStatus};
pub use user::{Membership, Role, User};

/// An instant; every instant in Synkro is UTC.
pub type Timestamp = chrono::DateTime<chrono::Utc>;
