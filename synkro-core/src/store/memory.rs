//! [`MemoryStore`]: every store trait over maps under one mutex. The reference backend for tests
//! and demos; nothing survives the process.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;

use crate::error::StoreError;
use crate::model::{
    AuditEntry, Call, Chat, Contact, ContactId, CrmActivity, Deal, DealId, DeletedDeal,
    IntegrationConfig, JobRun, Manager, Membership, Message, NewRun, NewRunEvent, Report, ReportId,
    ReportMessage, ReportStatus, RunEvent, RunId, RunOutcome, RunState, SalesPipeline, StageChange,
    Tenant, TenantId, TenantRuntimeConfig, Timestamp, User, UserId, Window,
};
use crate::store::{
    ApplyReport, AuditStore, CreateRun, CursorAdvance, CursorKey, DataStore, NewReport, NewTenant,
    NewUser, PasswordHash, PhoneSpelling, ReportStore, RunStore, Store, SyncBatch, SyncCursor,
    TenantStore, Versioned,
};

/// Rows keyed by (tenant, source, natural id).
type Table<T> = BTreeMap<(TenantId, String, String), T>;

#[derive(Debug, Default)]
struct Inner {
    tenants: BTreeMap<TenantId, Tenant>,
    runtime: HashMap<TenantId, TenantRuntimeConfig>,
    integrations: BTreeMap<(TenantId, String), IntegrationConfig>,
    users: BTreeMap<UserId, User>,
    memberships: BTreeMap<(UserId, Option<TenantId>), Membership>,
    passwords: HashMap<UserId, PasswordHash>,
    managers: Table<Manager>,
    pipelines: Table<SalesPipeline>,
    deals: Table<Deal>,
    contacts: Table<Contact>,
    chats: Table<Chat>,
    messages: Table<Message>,
    calls: Table<Call>,
    stage_changes: Table<StageChange>,
    responsible_changes: Table<crate::model::ResponsibleChange>,
    activities: Table<CrmActivity>,
    syncs: HashMap<(TenantId, String), Timestamp>,
    cursors: BTreeMap<CursorKey, SyncCursor>,
    /// The persisted phone books: (tenant, region, spelling) to E.164 (`None`: not a number).
    phone_spellings: BTreeMap<(TenantId, String, String), Option<String>>,
    runs: BTreeMap<RunId, JobRun>,
    cancel_flags: HashMap<RunId, Timestamp>,
    events: BTreeMap<RunId, Vec<RunEvent>>,
    next_event: i64,
    reports: BTreeMap<ReportId, Report>,
    report_messages: BTreeMap<ReportId, Vec<ReportMessage>>,
    audit: Vec<AuditEntry>,
}

/// The in-memory store.
///
/// ```
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use synkro_core::store::{MemoryStore, NewTenant, TenantStore};
/// use synkro_core::model::TenantStatus;
/// let store = MemoryStore::new();
/// let t = store
///     .create_tenant(&NewTenant {
///         name: "Acme".into(),
///         slug: "acme".into(),
///         status: TenantStatus::Active,
///         timezone: chrono_tz::Europe::Moscow,
///     })
///     .await?;
/// assert_eq!(store.tenant(t.id).await?.map(|t| t.slug), Some("acme".to_owned()));
/// # Ok(()) }
/// ```
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

impl MemoryStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave a map half-written (every mutation is a
        // single insert), so a poisoned lock is still consistent.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn next_id<K: Ord, V>(map: &BTreeMap<K, V>, key: impl Fn(&K) -> i64) -> i64 {
    map.keys().next_back().map_or(1, |k| key(k) + 1)
}

fn not_found(what: impl Into<String>) -> StoreError {
    StoreError::NotFound { what: what.into() }
}

/// Newer-wins upsert of one record.
fn upsert<T: Versioned + Clone + PartialEq>(
    table: &mut Table<T>,
    tenant: TenantId,
    source: &str,
    item: &T,
    report: &mut ApplyReport,
) {
    let key = (tenant, source.to_owned(), item.natural_id().to_owned());
    match table.get(&key) {
        None => {
            table.insert(key, item.clone());
            report.inserted += 1;
        }
        Some(old) => {
            if !item.supersedes(old) || old == item {
                report.unchanged += 1;
            } else {
                table.insert(key, item.clone());
                report.updated += 1;
            }
        }
    }
}

/// Marks the stored deal of a deletion (see [`DeletedDeal::apply_to`]).
fn mark_deleted(
    table: &mut Table<Deal>,
    tenant: TenantId,
    source: &str,
    deletion: &DeletedDeal,
    report: &mut ApplyReport,
) {
    let key = (tenant, source.to_owned(), deletion.id.as_str().to_owned());
    match table.get(&key).and_then(|d| deletion.apply_to(d)) {
        Some(marked) => {
            table.insert(key, marked);
            report.updated += 1;
        }
        None => report.unchanged += 1,
    }
}

fn tenant_rows<T: Clone>(table: &Table<T>, tenant: TenantId) -> impl Iterator<Item = &T> {
    table
        .range((tenant, String::new(), String::new())..)
        .take_while(move |((t, _, _), _)| *t == tenant)
        .map(|(_, v)| v)
}

#[async_trait]
impl TenantStore for MemoryStore {
    async fn create_tenant(&self, t: &NewTenant) -> Result<Tenant, StoreError> {
        let mut g = self.lock();
        if g.tenants.values().any(|x| x.slug == t.slug) {
            return Err(StoreError::Conflict {
                what: format!("tenant slug `{}` is taken", t.slug),
            });
        }
        let id = TenantId(next_id(&g.tenants, |k| k.0));
        let tenant = Tenant {
            id,
            name: t.name.clone(),
            slug: t.slug.clone(),
            status: t.status,
            timezone: t.timezone,
        };
        g.tenants.insert(id, tenant.clone());
        Ok(tenant)
    }

    async fn tenant(&self, id: TenantId) -> Result<Option<Tenant>, StoreError> {
        Ok(self.lock().tenants.get(&id).cloned())
    }

    async fn tenants(&self) -> Result<Vec<Tenant>, StoreError> {
        Ok(self.lock().tenants.values().cloned().collect())
    }

    async fn put_runtime_config(
        &self,
        tenant: TenantId,
        cfg: &TenantRuntimeConfig,
    ) -> Result<(), StoreError> {
        cfg.validate().map_err(|e| StoreError::Other {
            operation: "put_runtime_config",
            source: Box::new(e),
        })?;
        let mut g = self.lock();
        if !g.tenants.contains_key(&tenant) {
            return Err(not_found(format!("tenant {tenant}")));
        }
        g.runtime.insert(tenant, cfg.clone());
        Ok(())
    }

    async fn runtime_config(
        &self,
        tenant: TenantId,
    ) -> Result<Option<TenantRuntimeConfig>, StoreError> {
        Ok(self.lock().runtime.get(&tenant).cloned())
    }

    async fn put_integration(&self, cfg: &IntegrationConfig) -> Result<(), StoreError> {
        let mut g = self.lock();
        if !g.tenants.contains_key(&cfg.tenant) {
            return Err(not_found(format!("tenant {}", cfg.tenant)));
        }
        g.integrations
            .insert((cfg.tenant, cfg.kind.as_str().to_owned()), cfg.clone());
        Ok(())
    }

    async fn integrations(&self, tenant: TenantId) -> Result<Vec<IntegrationConfig>, StoreError> {
        let g = self.lock();
        Ok(g.integrations
            .iter()
            .filter(|((t, _), _)| *t == tenant)
            .map(|(_, v)| v.clone())
            .collect())
    }

    async fn create_user(&self, u: &NewUser) -> Result<User, StoreError> {
        let mut g = self.lock();
        if g.users.values().any(|x| x.login == u.login) {
            return Err(StoreError::Conflict {
                what: format!("login `{}` is taken", u.login),
            });
        }
        let id = UserId(next_id(&g.users, |k| k.0));
        let user = User {
            id,
            login: u.login.clone(),
            phone: u.phone.clone(),
            timezone: u.timezone,
        };
        g.users.insert(id, user.clone());
        Ok(user)
    }

    async fn put_membership(&self, m: &Membership) -> Result<(), StoreError> {
        let mut g = self.lock();
        if !g.users.contains_key(&m.user) {
            return Err(not_found(format!("user {}", m.user)));
        }
        if let Some(t) = m.tenant
            && !g.tenants.contains_key(&t)
        {
            return Err(not_found(format!("tenant {t}")));
        }
        g.memberships.insert((m.user, m.tenant), m.clone());
        Ok(())
    }

    async fn memberships(&self, user: UserId) -> Result<Vec<Membership>, StoreError> {
        let g = self.lock();
        Ok(g.memberships
            .iter()
            .filter(|((u, _), _)| *u == user)
            .map(|(_, v)| v.clone())
            .collect())
    }

    async fn user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        Ok(self.lock().users.get(&id).cloned())
    }

    async fn user_by_login(&self, login: &str) -> Result<Option<User>, StoreError> {
        Ok(self
            .lock()
            .users
            .values()
            .find(|u| u.login == login)
            .cloned())
    }

    async fn set_password_hash(&self, user: UserId, hash: &PasswordHash) -> Result<(), StoreError> {
        let mut g = self.lock();
        if !g.users.contains_key(&user) {
            return Err(not_found(format!("user {user}")));
        }
        g.passwords.insert(user, hash.clone());
        Ok(())
    }

    async fn password_hash(&self, user: UserId) -> Result<Option<PasswordHash>, StoreError> {
        Ok(self.lock().passwords.get(&user).cloned())
    }
}

#[async_trait]
impl DataStore for MemoryStore {
    async fn apply_with_cursors(
        &self,
        tenant: TenantId,
        source: &str,
        batch: &SyncBatch,
        cursors: &[CursorAdvance],
    ) -> Result<ApplyReport, StoreError> {
        let mut g = self.lock();
        if !g.tenants.contains_key(&tenant) {
            return Err(not_found(format!("tenant {tenant}")));
        }
        let mut r = ApplyReport::default();
        let g = &mut *g;
        batch
            .managers
            .iter()
            .for_each(|x| upsert(&mut g.managers, tenant, source, x, &mut r));
        batch
            .sales_pipelines
            .iter()
            .for_each(|x| upsert(&mut g.pipelines, tenant, source, x, &mut r));
        batch
            .deals
            .iter()
            .for_each(|x| upsert(&mut g.deals, tenant, source, x, &mut r));
        batch
            .deleted_deals
            .iter()
            .for_each(|x| mark_deleted(&mut g.deals, tenant, source, x, &mut r));
        batch
            .contacts
            .iter()
            .for_each(|x| upsert(&mut g.contacts, tenant, source, x, &mut r));
        batch
            .chats
            .iter()
            .for_each(|x| upsert(&mut g.chats, tenant, source, x, &mut r));
        batch
            .messages
            .iter()
            .for_each(|x| upsert(&mut g.messages, tenant, source, x, &mut r));
        batch
            .calls
            .iter()
            .for_each(|x| upsert(&mut g.calls, tenant, source, x, &mut r));
        batch
            .stage_changes
            .iter()
            .for_each(|x| upsert(&mut g.stage_changes, tenant, source, x, &mut r));
        batch
            .responsible_changes
            .iter()
            .for_each(|x| upsert(&mut g.responsible_changes, tenant, source, x, &mut r));
        batch
            .activities
            .iter()
            .for_each(|x| upsert(&mut g.activities, tenant, source, x, &mut r));
        let now = chrono::Utc::now();
        for c in cursors {
            let key = CursorKey {
                tenant,
                source: source.to_owned(),
                stream: c.stream.clone(),
                scope: c.scope.clone(),
            };
            match g.cursors.get_mut(&key) {
                Some(cur) if c.at < cur.cursor_at => {}
                Some(cur) => {
                    cur.cursor_at = c.at;
                    cur.position.clone_from(&c.position);
                    cur.updated_at = now;
                }
                None => {
                    g.cursors.insert(
                        key,
                        SyncCursor {
                            cursor_at: c.at,
                            position: c.position.clone(),
                            updated_at: now,
                        },
                    );
                }
            }
        }
        Ok(r)
    }

    async fn cursor(&self, key: &CursorKey) -> Result<Option<SyncCursor>, StoreError> {
        Ok(self.lock().cursors.get(key).cloned())
    }

    async fn record_sync(
        &self,
        tenant: TenantId,
        source: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut g = self.lock();
        if !g.tenants.contains_key(&tenant) {
            return Err(not_found(format!("tenant {tenant}")));
        }
        let slot = g.syncs.entry((tenant, source.to_owned())).or_insert(at);
        *slot = (*slot).max(at);
        Ok(())
    }

    async fn last_sync(
        &self,
        tenant: TenantId,
        source: &str,
    ) -> Result<Option<Timestamp>, StoreError> {
        Ok(self.lock().syncs.get(&(tenant, source.to_owned())).copied())
    }

    async fn managers(&self, tenant: TenantId) -> Result<Vec<Manager>, StoreError> {
        Ok(tenant_rows(&self.lock().managers, tenant)
            .cloned()
            .collect())
    }

    async fn sales_pipelines(&self, tenant: TenantId) -> Result<Vec<SalesPipeline>, StoreError> {
        Ok(tenant_rows(&self.lock().pipelines, tenant)
            .cloned()
            .collect())
    }

    async fn deals_updated(
        &self,
        tenant: TenantId,
        range: &Window,
    ) -> Result<Vec<Deal>, StoreError> {
        Ok(tenant_rows(&self.lock().deals, tenant)
            .filter(|d| range.contains(d.updated_at))
            .cloned()
            .collect())
    }

    async fn deals(&self, tenant: TenantId) -> Result<Vec<Deal>, StoreError> {
        Ok(tenant_rows(&self.lock().deals, tenant).cloned().collect())
    }

    async fn deals_by_ids(
        &self,
        tenant: TenantId,
        ids: &[DealId],
    ) -> Result<Vec<Deal>, StoreError> {
        let ids: std::collections::HashSet<&DealId> = ids.iter().collect();
        Ok(tenant_rows(&self.lock().deals, tenant)
            .filter(|d| ids.contains(&d.id))
            .cloned()
            .collect())
    }

    async fn contacts_by_ids(
        &self,
        tenant: TenantId,
        ids: &[ContactId],
    ) -> Result<Vec<Contact>, StoreError> {
        let ids: std::collections::HashSet<&ContactId> = ids.iter().collect();
        Ok(tenant_rows(&self.lock().contacts, tenant)
            .filter(|c| ids.contains(&c.id))
            .cloned()
            .collect())
    }

    async fn chats(&self, tenant: TenantId) -> Result<Vec<Chat>, StoreError> {
        Ok(tenant_rows(&self.lock().chats, tenant).cloned().collect())
    }

    async fn messages_in(
        &self,
        tenant: TenantId,
        range: &Window,
    ) -> Result<Vec<Message>, StoreError> {
        let mut out: Vec<Message> = tenant_rows(&self.lock().messages, tenant)
            .filter(|m| range.contains(m.created_at))
            .cloned()
            .collect();
        out.sort_by(|a, b| (&a.chat, a.created_at, &a.id).cmp(&(&b.chat, b.created_at, &b.id)));
        Ok(out)
    }

    async fn calls_in(&self, tenant: TenantId, range: &Window) -> Result<Vec<Call>, StoreError> {
        let mut out: Vec<Call> = tenant_rows(&self.lock().calls, tenant)
            .filter(|c| range.contains(c.started_at))
            .cloned()
            .collect();
        out.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
        Ok(out)
    }

    async fn stage_changes_in(
        &self,
        tenant: TenantId,
        range: &Window,
    ) -> Result<Vec<StageChange>, StoreError> {
        let mut out: Vec<StageChange> = tenant_rows(&self.lock().stage_changes, tenant)
            .filter(|c| range.contains(c.at))
            .cloned()
            .collect();
        out.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
        Ok(out)
    }

    async fn activities_in(
        &self,
        tenant: TenantId,
        range: &Window,
        deals: &[DealId],
        contacts: &[ContactId],
    ) -> Result<Vec<CrmActivity>, StoreError> {
        let deals: std::collections::HashSet<&DealId> = deals.iter().collect();
        let contacts: std::collections::HashSet<&ContactId> = contacts.iter().collect();
        let g = self.lock();
        let mut out: Vec<(&str, &CrmActivity)> = g
            .activities
            .range((tenant, String::new(), String::new())..)
            .take_while(|((t, _, _), _)| *t == tenant)
            .filter(|(_, a)| {
                range.contains(a.at)
                    && (a.deal.as_ref().is_some_and(|d| deals.contains(d))
                        || a.contact.as_ref().is_some_and(|c| contacts.contains(c)))
            })
            .map(|((_, source, _), a)| (source.as_str(), a))
            .collect();
        out.sort_by(|(sa, a), (sb, b)| (a.at, &a.id, sa).cmp(&(b.at, &b.id, sb)));
        Ok(out.into_iter().map(|(_, a)| a.clone()).collect())
    }

    async fn phone_spellings(
        &self,
        tenant: TenantId,
        region: &str,
    ) -> Result<Vec<PhoneSpelling>, StoreError> {
        let g = self.lock();
        let from = (tenant, region.to_owned(), String::new());
        Ok(g.phone_spellings
            .range(from..)
            .take_while(|((t, r, _), _)| *t == tenant && r == region)
            .map(|((_, _, spelling), e164)| PhoneSpelling {
                spelling: spelling.clone(),
                e164: e164.clone(),
            })
            .collect())
    }

    async fn save_phone_spellings(
        &self,
        tenant: TenantId,
        region: &str,
        entries: &[PhoneSpelling],
    ) -> Result<u64, StoreError> {
        let mut g = self.lock();
        if !g.tenants.contains_key(&tenant) {
            return Err(not_found(format!("tenant {tenant}")));
        }
        let mut inserted = 0;
        for e in entries {
            let key = (tenant, region.to_owned(), e.spelling.clone());
            if let std::collections::btree_map::Entry::Vacant(slot) = g.phone_spellings.entry(key) {
                slot.insert(e.e164.clone());
                inserted += 1;
            }
        }
        Ok(inserted)
    }
}

fn tenant_run(g: &mut Inner, tenant: TenantId, id: RunId) -> Result<&mut JobRun, StoreError> {
    g.runs
        .get_mut(&id)
        .filter(|r| r.tenant == tenant)
        .ok_or_else(|| not_found(format!("run {id} of tenant {tenant}")))
}

#[async_trait]
impl RunStore for MemoryStore {
    async fn create_run(&self, run: &NewRun, now: Timestamp) -> Result<CreateRun, StoreError> {
        let mut g = self.lock();
        if !g.tenants.contains_key(&run.tenant) {
            return Err(not_found(format!("tenant {}", run.tenant)));
        }
        if let Some(existing) = g
            .runs
            .values()
            .find(|r| r.idempotency_key == run.idempotency_key)
        {
            return Ok(CreateRun::Existing(existing.clone()));
        }
        let id = RunId(next_id(&g.runs, |k| k.0));
        let job = JobRun {
            id,
            tenant: run.tenant,
            job_type: run.job_type.clone(),
            mode: run.mode.clone(),
            trigger: run.trigger,
            state: RunState::Queued,
            current_step: None,
            progress: 0,
            error_kind: None,
            error: None,
            window: run.window,
            requested_by: run.requested_by,
            idempotency_key: run.idempotency_key.clone(),
            attempt: 0,
            metadata: run.metadata.clone(),
            report: None,
            created_at: now,
            started_at: None,
            finished_at: None,
        };
        g.runs.insert(id, job.clone());
        Ok(CreateRun::Created(job))
    }

    async fn run(&self, tenant: TenantId, id: RunId) -> Result<Option<JobRun>, StoreError> {
        Ok(self
            .lock()
            .runs
            .get(&id)
            .filter(|r| r.tenant == tenant)
            .cloned())
    }

    async fn runs(&self, tenant: TenantId, limit: u32) -> Result<Vec<JobRun>, StoreError> {
        let g = self.lock();
        Ok(g.runs
            .values()
            .rev()
            .filter(|r| r.tenant == tenant)
            .take(limit as usize)
            .cloned()
            .collect())
    }

    async fn start_run(
        &self,
        tenant: TenantId,
        id: RunId,
        now: Timestamp,
    ) -> Result<Option<JobRun>, StoreError> {
        let mut g = self.lock();
        let run = tenant_run(&mut g, tenant, id)?;
        if run.state != RunState::Queued {
            return Ok(None);
        }
        run.state = RunState::Running;
        run.attempt += 1;
        run.started_at.get_or_insert(now);
        Ok(Some(run.clone()))
    }

    async fn record_event(
        &self,
        tenant: TenantId,
        run: RunId,
        event: &NewRunEvent,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut g = self.lock();
        let job = tenant_run(&mut g, tenant, run)?;
        if event.progress.is_some() || job.current_step.is_none() {
            job.current_step = Some(event.step.clone());
        }
        if let Some(p) = event.progress {
            job.progress = job.progress.max(p);
        }
        g.next_event += 1;
        let id = g.next_event;
        g.events.entry(run).or_default().push(RunEvent {
            id,
            run,
            tenant,
            at: now,
            event: event.clone(),
        });
        Ok(())
    }

    async fn run_events(&self, tenant: TenantId, run: RunId) -> Result<Vec<RunEvent>, StoreError> {
        let g = self.lock();
        Ok(g.events
            .get(&run)
            .map(|v| v.iter().filter(|e| e.tenant == tenant).cloned().collect())
            .unwrap_or_default())
    }

    async fn finish_run(
        &self,
        tenant: TenantId,
        id: RunId,
        outcome: &RunOutcome,
        now: Timestamp,
    ) -> Result<JobRun, StoreError> {
        let mut g = self.lock();
        let run = tenant_run(&mut g, tenant, id)?;
        if run.state != RunState::Running {
            return Err(StoreError::Conflict {
                what: format!("run {id} is {:?}, not running", run.state),
            });
        }
        run.state = outcome.state();
        run.finished_at = Some(now);
        match outcome {
            RunOutcome::Succeeded { report } => {
                run.report = Some(*report);
                run.progress = 100;
            }
            RunOutcome::Failed { kind, message } => {
                run.error_kind = Some(kind.clone());
                run.error = Some(message.clone());
            }
            RunOutcome::Cancelled => {}
        }
        Ok(run.clone())
    }

    async fn request_cancel(
        &self,
        tenant: TenantId,
        id: RunId,
        _by: Option<UserId>,
        now: Timestamp,
    ) -> Result<RunState, StoreError> {
        let mut g = self.lock();
        let run = tenant_run(&mut g, tenant, id)?;
        match run.state {
            RunState::Queued => {
                run.state = RunState::Cancelled;
                run.finished_at = Some(now);
            }
            RunState::Running => {
                g.cancel_flags.entry(id).or_insert(now);
            }
            _ => {}
        }
        Ok(g.runs.get(&id).map_or(RunState::Cancelled, |r| r.state))
    }

    async fn cancel_requested(&self, tenant: TenantId, id: RunId) -> Result<bool, StoreError> {
        let mut g = self.lock();
        tenant_run(&mut g, tenant, id)?;
        Ok(g.cancel_flags.contains_key(&id))
    }
}

#[async_trait]
impl ReportStore for MemoryStore {
    async fn save_report(&self, r: &NewReport, now: Timestamp) -> Result<Report, StoreError> {
        let mut g = self.lock();
        tenant_run(&mut g, r.tenant, r.run)?;
        let id = ReportId(next_id(&g.reports, |k| k.0));
        let report = Report {
            id,
            tenant: r.tenant,
            run: r.run,
            kind: r.kind,
            status: ReportStatus::Ready,
            period_start: r.document.period_start,
            period_end: r.document.period_end,
            window: r.document.window,
            summary_text: r.summary_text.clone(),
            document: r.document.clone(),
            created_at: now,
            followup_deadline_at: r.followup_deadline_at,
        };
        g.reports.insert(id, report.clone());
        Ok(report)
    }

    async fn report(&self, tenant: TenantId, id: ReportId) -> Result<Option<Report>, StoreError> {
        Ok(self
            .lock()
            .reports
            .get(&id)
            .filter(|r| r.tenant == tenant)
            .cloned())
    }

    async fn reports(&self, tenant: TenantId, limit: u32) -> Result<Vec<Report>, StoreError> {
        let g = self.lock();
        Ok(g.reports
            .values()
            .rev()
            .filter(|r| r.tenant == tenant)
            .take(limit as usize)
            .cloned()
            .collect())
    }

    async fn set_report_status(
        &self,
        tenant: TenantId,
        id: ReportId,
        status: ReportStatus,
    ) -> Result<(), StoreError> {
        let mut g = self.lock();
        let r = g
            .reports
            .get_mut(&id)
            .filter(|r| r.tenant == tenant)
            .ok_or_else(|| not_found(format!("report {id} of tenant {tenant}")))?;
        r.status = status;
        Ok(())
    }

    async fn add_report_message(&self, msg: &ReportMessage) -> Result<(), StoreError> {
        let mut g = self.lock();
        if g.reports
            .get(&msg.report)
            .is_none_or(|r| r.tenant != msg.tenant)
        {
            return Err(not_found(format!(
                "report {} of tenant {}",
                msg.report, msg.tenant
            )));
        }
        g.report_messages
            .entry(msg.report)
            .or_default()
            .push(msg.clone());
        Ok(())
    }

    async fn report_messages(
        &self,
        tenant: TenantId,
        report: ReportId,
    ) -> Result<Vec<ReportMessage>, StoreError> {
        let g = self.lock();
        Ok(g.report_messages
            .get(&report)
            .map(|v| v.iter().filter(|m| m.tenant == tenant).cloned().collect())
            .unwrap_or_default())
    }
}

#[async_trait]
impl AuditStore for MemoryStore {
    async fn append_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let mut g = self.lock();
        if !g.tenants.contains_key(&entry.tenant) {
            return Err(not_found(format!("tenant {}", entry.tenant)));
        }
        g.audit.push(entry.clone());
        Ok(())
    }

    async fn audit_log(&self, tenant: TenantId, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        let g = self.lock();
        Ok(g.audit
            .iter()
            .rev()
            .filter(|e| e.tenant == tenant)
            .take(limit as usize)
            .cloned()
            .collect())
    }
}

#[async_trait]
impl Store for MemoryStore {
    fn backend(&self) -> &'static str {
        "memory"
    }
}
