//! What the checks share: the fixed instants, fresh tenants, the records and requests they write,
//! and the assertions they repeat.

use std::cmp::Ordering;
use std::fmt::Debug;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use synkro_core::error::StoreError;
use synkro_core::model::{
    ActivityKind, AuditEntry, ContactId, CrmActivity, Deal, DealId, EventId, ManagerId, NewRun,
    ReportId, ReportKind, ReportMessage, RunId, Tenant, TenantId, TenantStatus, Trigger, Window,
};
use synkro_core::report::{Narrative, REPORT_SCHEMA_VERSION, ReportDocument, SummaryNumbers};
use synkro_core::store::{ApplyReport, NewReport, NewTenant, Store, SyncBatch, Versioned};

use crate::{Dataset, DatasetSpec};

/// A tenant id no store has.
pub(super) const GHOST: TenantId = TenantId(987_654);

/// The instant every check is built around.
pub(super) fn t0() -> DateTime<Utc> {
    "2026-03-11T00:00:00Z".parse().expect("valid instant")
}

/// Twenty years around [`t0`]: everything.
pub(super) fn all_time() -> Window {
    Window {
        start: t0() - Duration::days(3650),
        end: t0() + Duration::days(3650),
    }
}

/// The day before [`t0`].
pub(super) fn day() -> Window {
    Window {
        start: t0() - Duration::days(1),
        end: t0(),
    }
}

/// A new active tenant `slug`.
pub(super) async fn tenant(store: &dyn Store, slug: &str) -> Tenant {
    store
        .create_tenant(&NewTenant {
            name: format!("Company {slug}"),
            slug: slug.to_owned(),
            status: TenantStatus::Active,
            timezone: chrono_tz::Europe::Moscow,
        })
        .await
        .expect("a fresh store accepts a new tenant")
}

/// A manual report run over [`day`], idempotent by `key`.
pub(super) fn new_run(tenant: TenantId, key: &str) -> NewRun {
    NewRun {
        tenant,
        job_type: "report".into(),
        mode: "amocrm_radist".into(),
        trigger: Trigger::Manual,
        window: day(),
        requested_by: None,
        idempotency_key: format!("{key}:{tenant}"),
        metadata: json!({ "reason": "conformance" }),
    }
}

/// A report document over [`day`].
pub(super) fn document(tenant: TenantId) -> ReportDocument {
    ReportDocument {
        schema_version: REPORT_SCHEMA_VERSION,
        tenant,
        tenant_name: "Company".into(),
        mode: "amocrm_radist".into(),
        window: day(),
        timezone: "Europe/Moscow".into(),
        period_start: (t0() - Duration::days(1)).date_naive(),
        period_end: t0().date_naive(),
        generated_at: t0(),
        summary: SummaryNumbers::default(),
        sources: Vec::new(),
        sections: Vec::new(),
        narrative: Narrative {
            text: "Всё хорошо — 5 сделок 👍".into(),
            provider: None,
            model: None,
            fallback: true,
        },
    }
}

/// A daily report of `run` with [`document`], `summary_text` and no follow-up deadline.
pub(super) fn new_report(tenant: TenantId, run: RunId, summary_text: &str) -> NewReport {
    NewReport {
        tenant,
        run,
        kind: ReportKind::Daily,
        document: document(tenant),
        summary_text: summary_text.into(),
        followup_deadline_at: None,
    }
}

/// A follow-up question about `report`, asked by nobody in particular.
pub(super) fn report_message(
    tenant: TenantId,
    report: ReportId,
    question: &str,
    answer: &str,
    at: DateTime<Utc>,
) -> ReportMessage {
    ReportMessage {
        report,
        tenant,
        actor: None,
        question: question.into(),
        answer: answer.into(),
        at,
    }
}

/// A deal `id` named `name`, updated at `updated_at`.
pub(super) fn deal(id: &str, updated_at: DateTime<Utc>, name: &str) -> Deal {
    Deal {
        id: DealId::new(id),
        name: name.to_owned(),
        pipeline: None,
        stage: None,
        responsible: None,
        price: Some(1000),
        contacts: vec![ContactId::new("c1")],
        phones: vec!["+7 900 000-00-01".into()],
        loss_reason: None,
        created_at: updated_at - Duration::days(1),
        updated_at,
        closed_at: None,
        custom_fields: json!({ "utm": "test" }),
        synthetic: false,
        deleted_at: None,
    }
}

/// A CRM activity of manager `m1` in talk `talk-1`.
pub(super) fn activity(
    id: &str,
    kind: ActivityKind,
    at: DateTime<Utc>,
    deal: Option<&str>,
    contact: Option<&str>,
) -> CrmActivity {
    CrmActivity {
        id: EventId::new(id),
        kind,
        at,
        by: Some(ManagerId::new("m1")),
        deal: deal.map(DealId::new),
        contact: contact.map(ContactId::new),
        talk: Some("talk-1".into()),
    }
}

pub(super) fn activity_ids(activities: &[CrmActivity]) -> Vec<&str> {
    activities.iter().map(|a| a.id.as_str()).collect()
}

/// An audit entry `action` of `tenant` at `at`.
pub(super) fn audit(tenant: TenantId, action: &str, at: DateTime<Utc>) -> AuditEntry {
    AuditEntry {
        tenant,
        actor: None,
        action: action.into(),
        message: format!("{action} happened"),
        metadata: json!({ "n": 1 }),
        ip_address: Some("127.0.0.1".into()),
        at,
    }
}

/// The generator's small data set (seed 7) as one batch.
pub(super) fn small_batch() -> SyncBatch {
    Dataset::generate(&DatasetSpec::small(7, t0())).to_batch()
}

/// An otherwise empty batch that `fill` fills.
pub(super) fn batch(fill: impl FnOnce(&mut SyncBatch)) -> SyncBatch {
    let mut batch = SyncBatch::default();
    fill(&mut batch);
    batch
}

/// Applies `batch` to `tenant` as `source`, which must succeed.
pub(super) async fn apply(
    store: &dyn Store,
    tenant: TenantId,
    source: &str,
    batch: &SyncBatch,
) -> ApplyReport {
    store.apply(tenant, source, batch).await.unwrap()
}

/// `items` by their natural id.
pub(super) fn by_id<T: Versioned>(mut items: Vec<T>) -> Vec<T> {
    items.sort_by(|a, b| a.natural_id().cmp(b.natural_id()));
    items
}

/// The `items` whose `at` falls inside `w`, ordered by `cmp`.
pub(super) fn inside<T: Clone>(
    items: &[T],
    w: &Window,
    at: impl Fn(&T) -> DateTime<Utc>,
    cmp: impl FnMut(&T, &T) -> Ordering,
) -> Vec<T> {
    let mut found: Vec<T> = items
        .iter()
        .filter(|x| w.contains(at(x)))
        .cloned()
        .collect();
    found.sort_by(cmp);
    found
}

/// Everything the data readers return for a tenant, in a comparable, order-independent form.
pub(super) async fn snapshot(store: &dyn Store, tenant: TenantId) -> serde_json::Value {
    let w = all_time();
    let managers = by_id(store.managers(tenant).await.expect("managers"));
    let pipelines = by_id(store.sales_pipelines(tenant).await.expect("pipelines"));
    let deals = by_id(store.deals(tenant).await.expect("deals"));
    let contact_ids: Vec<ContactId> = deals.iter().flat_map(|d| d.contacts.clone()).collect();
    let contacts = by_id(
        store
            .contacts_by_ids(tenant, &contact_ids)
            .await
            .expect("contacts"),
    );
    let chats = by_id(store.chats(tenant).await.expect("chats"));
    let mut messages = store.messages_in(tenant, &w).await.expect("messages");
    messages.sort_by(|a, b| (&a.chat, &a.id).cmp(&(&b.chat, &b.id)));
    let calls = store.calls_in(tenant, &w).await.expect("calls");
    let changes = store.stage_changes_in(tenant, &w).await.expect("changes");
    let deal_ids: Vec<DealId> = deals.iter().map(|d| d.id.clone()).collect();
    let activities = store
        .activities_in(tenant, &w, &deal_ids, &contact_ids)
        .await
        .expect("activities");
    json!({
        "managers": managers, "pipelines": pipelines, "deals": deals, "contacts": contacts,
        "chats": chats, "messages": messages, "calls": calls, "stage_changes": changes,
        "activities": activities,
    })
}

/// The error with its sources, as one line.
pub(super) fn chain(err: &StoreError) -> String {
    synkro_core::error::chain(err)
}

#[track_caller]
pub(super) fn assert_not_found<T: Debug>(r: &Result<T, StoreError>) {
    assert!(matches!(r, Err(StoreError::NotFound { .. })), "{r:?}");
}

#[track_caller]
pub(super) fn assert_conflict<T: Debug>(r: &Result<T, StoreError>) {
    assert!(matches!(r, Err(StoreError::Conflict { .. })), "{r:?}");
}
