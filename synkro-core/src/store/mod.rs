//! Store ports: what the engine persists, split by concern, and [`MemoryStore`], the in-memory
//! reference backend.
//!
//! # Tenant isolation
//! Every method that touches tenant data takes the [`TenantId`] and must only read or change that
//! tenant's rows: asking for tenant A's run with tenant B's id returns `None`, never A's row.

mod memory;
mod versioned;

use std::fmt;

use async_trait::async_trait;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::StoreError;
use crate::model::{
    AuditEntry, Call, Chat, Contact, ContactId, CrmActivity, Deal, DealId, DeletedDeal,
    IntegrationConfig, IntegrationKind, JobRun, Manager, Membership, Message, NewRun, NewRunEvent,
    Report, ReportId, ReportKind, ReportMessage, ReportStatus, ResponsibleChange, RunEvent, RunId,
    RunOutcome, RunState, SalesPipeline, StageChange, Tenant, TenantId, TenantRuntimeConfig,
    TenantStatus, Timestamp, User, UserId, Window,
};
use crate::report::ReportDocument;

pub use crate::secret::{KEY_LEN, KeyRing, SealingKey};
pub use memory::MemoryStore;
pub use versioned::Versioned;

/// A password hash in PHC string format (`$argon2id$v=19$...`), as the store keeps it.
///
/// Hashing and verifying belong to the store crate (argon2); core only carries the string. `Debug`
/// shows the algorithm, never the hash.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a PHC string.
    pub fn new(phc: impl Into<String>) -> Self {
        Self(phc.into())
    }

    /// The PHC string.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The algorithm the PHC string names, e.g. `argon2id`.
    #[must_use]
    pub fn algorithm(&self) -> &str {
        self.0
            .trim_start_matches('$')
            .split('$')
            .next()
            .unwrap_or("")
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PasswordHash({}, [redacted])", self.algorithm())
    }
}

/// Identifies one sync cursor: per tenant, source, stream and scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CursorKey {
    /// Owning tenant.
    pub tenant: TenantId,
    /// Source backend, e.g. `amocrm`.
    pub source: String,
    /// Stream within the source, e.g. `deals`.
    pub stream: String,
    /// Sub-key such as a chat id, or empty.
    pub scope: String,
}

impl CursorKey {
    /// A cursor key with an empty scope.
    pub fn new(tenant: TenantId, source: impl Into<String>, stream: impl Into<String>) -> Self {
        Self {
            tenant,
            source: source.into(),
            stream: stream.into(),
            scope: String::new(),
        }
    }

    /// The same key with a scope.
    #[must_use]
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = scope.into();
        self
    }
}

/// How far a stream has been synced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncCursor {
    /// The newest source update time among committed rows.
    pub cursor_at: Timestamp,
    /// An opaque extra position, for sources whose progress is not a timestamp.
    pub position: Option<String>,
    /// When the cursor last moved.
    pub updated_at: Timestamp,
}

/// One phone spelling as the tenant's persisted phone book keeps it (see
/// [`DataStore::phone_spellings`]): the text as a source wrote it and its E.164 form in the book's
/// region, `None` when it is not a valid phone number there.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PhoneSpelling {
    /// The phone as written (`8 (916) 123-45-67`), byte for byte.
    pub spelling: String,
    /// Its E.164 form (`+79161234567`), or `None` for a spelling that is not a valid number.
    pub e164: Option<String>,
}

/// A cursor advance committed together with a batch (see [`DataStore::apply_with_cursors`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CursorAdvance {
    /// Stream within the batch's source.
    pub stream: String,
    /// Sub-key, or empty.
    pub scope: String,
    /// The new cursor value; the stored cursor becomes the greater of both.
    pub at: Timestamp,
    /// A new opaque position, replacing the stored one when `at` moves the cursor or is equal.
    pub position: Option<String>,
}

/// A tenant to create.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewTenant {
    /// Display name.
    pub name: String,
    /// Unique short name.
    pub slug: String,
    /// Initial status.
    pub status: TenantStatus,
    /// IANA zone.
    pub timezone: Tz,
}

/// A user to create.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewUser {
    /// Unique login.
    pub login: String,
    /// Contact phone.
    pub phone: Option<String>,
    /// Display zone.
    pub timezone: Option<Tz>,
}

/// Tenants, their configuration, users and memberships.
#[async_trait]
pub trait TenantStore: Send + Sync {
    /// Creates a tenant.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the slug is taken.
    async fn create_tenant(&self, t: &NewTenant) -> Result<Tenant, StoreError>;

    /// A tenant by id.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] and other backend failures.
    async fn tenant(&self, id: TenantId) -> Result<Option<Tenant>, StoreError>;

    /// Every tenant, by id.
    ///
    /// # Errors
    /// Backend failures.
    async fn tenants(&self) -> Result<Vec<Tenant>, StoreError>;

    /// Stores a tenant's runtime configuration after validating it.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown tenant; [`StoreError::Other`] wrapping the
    /// [`ConfigError`](crate::error::ConfigError) of an invalid config.
    async fn put_runtime_config(
        &self,
        tenant: TenantId,
        cfg: &TenantRuntimeConfig,
    ) -> Result<(), StoreError>;

    /// A tenant's runtime configuration; `None` if never set (use the defaults).
    ///
    /// # Errors
    /// Backend failures.
    async fn runtime_config(
        &self,
        tenant: TenantId,
    ) -> Result<Option<TenantRuntimeConfig>, StoreError>;

    /// Inserts or replaces the tenant's integration of `cfg.kind`.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown tenant.
    async fn put_integration(&self, cfg: &IntegrationConfig) -> Result<(), StoreError>;

    /// The tenant's integrations (secrets still sealed).
    ///
    /// # Errors
    /// Backend failures.
    async fn integrations(&self, tenant: TenantId) -> Result<Vec<IntegrationConfig>, StoreError>;

    /// Creates a user.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the login is taken.
    async fn create_user(&self, u: &NewUser) -> Result<User, StoreError>;

    /// Inserts or replaces the membership of (user, tenant).
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown user or tenant.
    async fn put_membership(&self, m: &Membership) -> Result<(), StoreError>;

    /// A user's memberships.
    ///
    /// # Errors
    /// Backend failures.
    async fn memberships(&self, user: UserId) -> Result<Vec<Membership>, StoreError>;

    /// A user by id.
    ///
    /// # Errors
    /// Backend failures.
    async fn user(&self, id: UserId) -> Result<Option<User>, StoreError>;

    /// A user by login.
    ///
    /// # Errors
    /// Backend failures.
    async fn user_by_login(&self, login: &str) -> Result<Option<User>, StoreError>;

    /// Sets a user's password hash (computed by the caller, e.g. argon2 in `synkro-store`).
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown user.
    async fn set_password_hash(&self, user: UserId, hash: &PasswordHash) -> Result<(), StoreError>;

    /// A user's password hash; `None` when no password is set.
    ///
    /// # Errors
    /// Backend failures.
    async fn password_hash(&self, user: UserId) -> Result<Option<PasswordHash>, StoreError>;
}

/// Everything read from one source in one page or step, written idempotently.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SyncBatch {
    /// CRM users.
    pub managers: Vec<Manager>,
    /// Sales pipelines with stages.
    pub sales_pipelines: Vec<SalesPipeline>,
    /// Deals.
    pub deals: Vec<Deal>,
    /// Contacts.
    pub contacts: Vec<Contact>,
    /// Chats.
    pub chats: Vec<Chat>,
    /// Messages.
    pub messages: Vec<Message>,
    /// Calls.
    pub calls: Vec<Call>,
    /// Stage changes.
    pub stage_changes: Vec<StageChange>,
    /// Responsible changes.
    pub responsible_changes: Vec<ResponsibleChange>,
    /// CRM activities (chat-message events, closed conversations, notes).
    #[serde(default)]
    pub activities: Vec<CrmActivity>,
    /// Deals the CRM reports deleted: each marks the stored deal of its id (after the batch's
    /// `deals`), see [`DataStore::apply`]. Not a record of its own.
    #[serde(default)]
    pub deleted_deals: Vec<DeletedDeal>,
}

impl SyncBatch {
    /// Number of records in the batch.
    #[must_use]
    pub fn len(&self) -> usize {
        self.managers.len()
            + self.sales_pipelines.len()
            + self.deals.len()
            + self.contacts.len()
            + self.chats.len()
            + self.messages.len()
            + self.calls.len()
            + self.stage_changes.len()
            + self.responsible_changes.len()
            + self.activities.len()
            + self.deleted_deals.len()
    }

    /// Whether the batch holds nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What [`DataStore::apply`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ApplyReport {
    /// New records.
    pub inserted: u64,
    /// Records replaced by a newer version.
    pub updated: u64,
    /// Records equal to, or older than, what was stored.
    pub unchanged: u64,
}

impl std::ops::AddAssign for ApplyReport {
    fn add_assign(&mut self, rhs: Self) {
        self.inserted += rhs.inserted;
        self.updated += rhs.updated;
        self.unchanged += rhs.unchanged;
    }
}

/// Communication data synced from sources.
#[async_trait]
pub trait DataStore: Send + Sync {
    /// Upserts every record of `batch` under (tenant, source, id), atomically.
    ///
    /// - Idempotent: applying the same batch again changes nothing.
    /// - Older data never overwrites newer: a record whose [`Versioned::source_updated_at`] is
    ///   older than the stored one is left out; an equal time replaces it only when the content
    ///   differs.
    /// - Child sets (a pipeline's stages, a contact's phones) are replaced with their parent.
    /// - Deleted deals (`batch.deleted_deals`, applied after `batch.deals`) mark the stored deal
    ///   of (tenant, source, id) as [`DeletedDeal::apply_to`] says: `deleted_at` and the update
    ///   time become the deletion's instant, unless the stored deal was updated after it. Each
    ///   counts as `updated` when it marks a deal, else `unchanged`; a deal that is not stored is
    ///   not created. A deal applied later with a newer update time and no `deleted_at` (the CRM
    ///   lists it again: restored) replaces the mark like any newer record; one with the same
    ///   update time as the mark does not (it is a copy from before the deletion,
    ///   [`Versioned::marks_deletion`]). A deal deleted twice in one batch, the second time
    ///   later, counts as `updated` twice.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown tenant; backend failures. On error nothing of the
    /// batch is written.
    async fn apply(
        &self,
        tenant: TenantId,
        source: &str,
        batch: &SyncBatch,
    ) -> Result<ApplyReport, StoreError> {
        self.apply_with_cursors(tenant, source, batch, &[]).await
    }

    /// [`DataStore::apply`], and advances the `source`'s cursors in the same transaction.
    ///
    /// Cursors only move forward: each becomes the greater of its stored and its new value.
    ///
    /// # Errors
    /// As [`DataStore::apply`]; on error neither rows nor cursors are written.
    async fn apply_with_cursors(
        &self,
        tenant: TenantId,
        source: &str,
        batch: &SyncBatch,
        cursors: &[CursorAdvance],
    ) -> Result<ApplyReport, StoreError>;

    /// A stream's sync cursor; `None` before the first advance.
    ///
    /// # Errors
    /// Backend failures.
    async fn cursor(&self, key: &CursorKey) -> Result<Option<SyncCursor>, StoreError>;

    /// Records a completed sync of `source` at `at` (never moves backwards).
    ///
    /// # Errors
    /// Backend failures.
    async fn record_sync(
        &self,
        tenant: TenantId,
        source: &str,
        at: Timestamp,
    ) -> Result<(), StoreError>;

    /// When `source` last completed a sync for the tenant; `None` if never.
    ///
    /// # Errors
    /// Backend failures.
    async fn last_sync(
        &self,
        tenant: TenantId,
        source: &str,
    ) -> Result<Option<Timestamp>, StoreError>;

    /// Every stored manager.
    ///
    /// # Errors
    /// Backend failures.
    async fn managers(&self, tenant: TenantId) -> Result<Vec<Manager>, StoreError>;

    /// Every stored sales pipeline.
    ///
    /// # Errors
    /// Backend failures.
    async fn sales_pipelines(&self, tenant: TenantId) -> Result<Vec<SalesPipeline>, StoreError>;

    /// Deals updated in `range`, by id (deleted ones too, with `deleted_at` set).
    ///
    /// # Errors
    /// Backend failures.
    async fn deals_updated(
        &self,
        tenant: TenantId,
        range: &Window,
    ) -> Result<Vec<Deal>, StoreError>;

    /// Every stored deal, by id (deleted ones too, with `deleted_at` set).
    ///
    /// # Errors
    /// Backend failures.
    async fn deals(&self, tenant: TenantId) -> Result<Vec<Deal>, StoreError>;

    /// The deals with these ids that exist.
    ///
    /// # Errors
    /// Backend failures.
    async fn deals_by_ids(&self, tenant: TenantId, ids: &[DealId])
    -> Result<Vec<Deal>, StoreError>;

    /// The contacts with these ids that exist.
    ///
    /// # Errors
    /// Backend failures.
    async fn contacts_by_ids(
        &self,
        tenant: TenantId,
        ids: &[ContactId],
    ) -> Result<Vec<Contact>, StoreError>;

    /// Every stored chat, by id.
    ///
    /// # Errors
    /// Backend failures.
    async fn chats(&self, tenant: TenantId) -> Result<Vec<Chat>, StoreError>;

    /// Messages created in `range`, ordered by chat, then time, then id.
    ///
    /// # Errors
    /// Backend failures.
    async fn messages_in(
        &self,
        tenant: TenantId,
        range: &Window,
    ) -> Result<Vec<Message>, StoreError>;

    /// Calls started in `range`, by time.
    ///
    /// # Errors
    /// Backend failures.
    async fn calls_in(&self, tenant: TenantId, range: &Window) -> Result<Vec<Call>, StoreError>;

    /// Stage changes in `range`, by time.
    ///
    /// # Errors
    /// Backend failures.
    async fn stage_changes_in(
        &self,
        tenant: TenantId,
        range: &Window,
    ) -> Result<Vec<StageChange>, StoreError>;

    /// CRM activities at an instant in `range` that belong to one of `deals` or to one of
    /// `contacts` (an activity tied to both matches when either does), of every source, oldest
    /// first (by time, then id, then source). Empty `deals` and `contacts` match nothing.
    ///
    /// # Errors
    /// Backend failures.
    async fn activities_in(
        &self,
        tenant: TenantId,
        range: &Window,
        deals: &[DealId],
        contacts: &[ContactId],
    ) -> Result<Vec<CrmActivity>, StoreError>;

    /// Every phone spelling stored for the tenant in `region` (an ISO 3166 code such as `RU`),
    /// in no particular order: the tenant's persisted phone book, from which a run's
    /// [`PhoneBook`](crate::pipeline::normalize::PhoneBook) starts. Another tenant's or region's
    /// spellings are never returned.
    ///
    /// # Errors
    /// Backend failures.
    async fn phone_spellings(
        &self,
        tenant: TenantId,
        region: &str,
    ) -> Result<Vec<PhoneSpelling>, StoreError>;

    /// Stores `entries` under (tenant, `region`, spelling), atomically; a spelling already stored
    /// keeps its stored form (insert, ignore existing: normalization is deterministic, so the two
    /// agree). Returns how many spellings were new. A spelling given twice counts once.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown tenant; backend failures. On error nothing is
    /// written.
    async fn save_phone_spellings(
        &self,
        tenant: TenantId,
        region: &str,
        entries: &[PhoneSpelling],
    ) -> Result<u64, StoreError>;
}

/// What [`RunStore::create_run`] did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum CreateRun {
    /// A new run was queued.
    Created(JobRun),
    /// A run with the same idempotency key already exists; nothing was created.
    Existing(JobRun),
}

impl CreateRun {
    /// The run, new or existing.
    #[must_use]
    pub fn run(&self) -> &JobRun {
        match self {
            Self::Created(r) | Self::Existing(r) => r,
        }
    }
}

/// Job runs and their step log.
#[async_trait]
pub trait RunStore: Send + Sync {
    /// Queues a run unless one with the same idempotency key exists.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown tenant.
    async fn create_run(&self, run: &NewRun, now: Timestamp) -> Result<CreateRun, StoreError>;

    /// A run of the tenant.
    ///
    /// # Errors
    /// Backend failures.
    async fn run(&self, tenant: TenantId, id: RunId) -> Result<Option<JobRun>, StoreError>;

    /// The tenant's runs, newest first, at most `limit`.
    ///
    /// # Errors
    /// Backend failures.
    async fn runs(&self, tenant: TenantId, limit: u32) -> Result<Vec<JobRun>, StoreError>;

    /// Moves a queued run to running and counts the attempt. Returns the run as it now is;
    /// `Ok(None)` when the run is not queued (taken, finished or cancelled).
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when the tenant has no such run.
    async fn start_run(
        &self,
        tenant: TenantId,
        id: RunId,
        now: Timestamp,
    ) -> Result<Option<JobRun>, StoreError>;

    /// Appends an event to a run's step log and, when it carries one, sets the run's current step
    /// and progress.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when the tenant has no such run.
    async fn record_event(
        &self,
        tenant: TenantId,
        run: RunId,
        event: &NewRunEvent,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// A run's step log, in order.
    ///
    /// # Errors
    /// Backend failures.
    async fn run_events(&self, tenant: TenantId, run: RunId) -> Result<Vec<RunEvent>, StoreError>;

    /// Ends a running run.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when the tenant has no such run; [`StoreError::Conflict`] when the
    /// run is not running.
    async fn finish_run(
        &self,
        tenant: TenantId,
        run: RunId,
        outcome: &RunOutcome,
        now: Timestamp,
    ) -> Result<JobRun, StoreError>;

    /// Asks a run to stop. A queued run is cancelled at once; a running run gets a cancel flag that
    /// the engine checks between steps; a finished run is left as it is. Returns the state after the
    /// call.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when the tenant has no such run.
    async fn request_cancel(
        &self,
        tenant: TenantId,
        run: RunId,
        by: Option<UserId>,
        now: Timestamp,
    ) -> Result<RunState, StoreError>;

    /// Whether a cancel was requested for the run.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when the tenant has no such run.
    async fn cancel_requested(&self, tenant: TenantId, run: RunId) -> Result<bool, StoreError>;
}

/// A report to store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewReport {
    /// Owning tenant.
    pub tenant: TenantId,
    /// The producing run.
    pub run: RunId,
    /// Daily or forced.
    pub kind: ReportKind,
    /// The structured report.
    pub document: ReportDocument,
    /// Its Markdown rendering.
    pub summary_text: String,
    /// Follow-ups are accepted until then.
    pub followup_deadline_at: Option<Timestamp>,
}

/// Reports and their follow-up messages.
#[async_trait]
pub trait ReportStore: Send + Sync {
    /// Stores a report as `ready`.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when the tenant has no such run.
    async fn save_report(&self, report: &NewReport, now: Timestamp) -> Result<Report, StoreError>;

    /// A report of the tenant.
    ///
    /// # Errors
    /// Backend failures.
    async fn report(&self, tenant: TenantId, id: ReportId) -> Result<Option<Report>, StoreError>;

    /// The tenant's reports, newest first, at most `limit`.
    ///
    /// # Errors
    /// Backend failures.
    async fn reports(&self, tenant: TenantId, limit: u32) -> Result<Vec<Report>, StoreError>;

    /// Sets a report's delivery state.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when the tenant has no such report.
    async fn set_report_status(
        &self,
        tenant: TenantId,
        id: ReportId,
        status: ReportStatus,
    ) -> Result<(), StoreError>;

    /// Appends a follow-up question and answer.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when the tenant has no such report.
    async fn add_report_message(&self, msg: &ReportMessage) -> Result<(), StoreError>;

    /// A report's follow-ups, oldest first.
    ///
    /// # Errors
    /// Backend failures.
    async fn report_messages(
        &self,
        tenant: TenantId,
        report: ReportId,
    ) -> Result<Vec<ReportMessage>, StoreError>;
}

/// The audit log.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends an entry.
    ///
    /// # Errors
    /// Backend failures.
    async fn append_audit(&self, entry: &AuditEntry) -> Result<(), StoreError>;

    /// The tenant's entries, newest first, at most `limit`.
    ///
    /// # Errors
    /// Backend failures.
    async fn audit_log(&self, tenant: TenantId, limit: u32) -> Result<Vec<AuditEntry>, StoreError>;
}

/// Re-seals, under the ring's active key, every integration secret of `tenant` that an older key
/// sealed, and stores it. Returns how many were re-sealed. Run it for every tenant after
/// [`KeyRing::rotate`]; then the old key can be removed from the ring.
///
/// # Errors
/// [`StoreError::Crypto`] naming the tenant and integration whose secret does not open (nothing is
/// changed for it; integrations re-sealed before it stay re-sealed); backend failures.
pub async fn reseal_integrations(
    store: &dyn Store,
    tenant: TenantId,
    ring: &KeyRing,
) -> Result<usize, StoreError> {
    let mut count = 0;
    for mut cfg in store.integrations(tenant).await? {
        if let Some(sealed) = ring.reseal(cfg.tenant, &cfg.kind, &cfg.secret)? {
            cfg.secret = sealed;
            store.put_integration(&cfg).await?;
            count += 1;
        }
    }
    Ok(count)
}

/// A complete storage backend.
///
/// # Contract
/// Implements every sub-trait with the semantics documented there, scopes every query by tenant,
/// and passes the store conformance suite.
#[async_trait]
pub trait Store:
    TenantStore + DataStore + RunStore + ReportStore + AuditStore + fmt::Debug
{
    /// Backend name: `memory`, `sqlite`, `postgres`.
    fn backend(&self) -> &'static str;

    /// Looks up an integration of a tenant by kind.
    ///
    /// # Errors
    /// Backend failures.
    async fn integration(
        &self,
        tenant: TenantId,
        kind: &IntegrationKind,
    ) -> Result<Option<IntegrationConfig>, StoreError> {
        Ok(self
            .integrations(tenant)
            .await?
            .into_iter()
            .find(|i| &i.kind == kind))
    }
}
