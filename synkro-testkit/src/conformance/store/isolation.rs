//! Tenant isolation: no method reads or changes another tenant's rows, and unknown tenants are
//! refused.

use chrono::Duration;
use serde_json::json;
use synkro_core::Secret;
use synkro_core::error::StoreError;
use synkro_core::model::{
    ContactId, DealId, IntegrationConfig, IntegrationKind, NewRunEvent, ReportStatus, RunOutcome,
    RunState, TenantRuntimeConfig,
};
use synkro_core::store::{CursorAdvance, CursorKey, KeyRing, SealingKey, Store, SyncBatch};

use super::fixtures::{
    GHOST, all_time, apply, assert_not_found, audit, new_report, new_run, report_message,
    small_batch, snapshot, t0, tenant,
};

/// Every store method scoped by tenant: tenant B can neither read nor change tenant A's rows.
pub async fn no_method_lets_one_tenant_read_or_change_anothers_rows(store: &dyn Store) {
    let a = tenant(store, "iso-a").await;
    let b = tenant(store, "iso-b").await;
    apply(store, a.id, "amocrm", &small_batch()).await;
    store
        .apply_with_cursors(
            a.id,
            "amocrm",
            &SyncBatch::default(),
            &[CursorAdvance {
                stream: "deals".into(),
                scope: String::new(),
                at: t0(),
                position: None,
            }],
        )
        .await
        .unwrap();
    store.record_sync(a.id, "amocrm", t0()).await.unwrap();
    let ring = KeyRing::new("k", SealingKey::generate()).unwrap();
    store
        .put_integration(
            &IntegrationConfig::sealed(
                a.id,
                IntegrationKind::Telegram,
                json!({}),
                &Secret::new("bot".into()),
                &ring,
            )
            .unwrap(),
        )
        .await
        .unwrap();
    store
        .put_runtime_config(a.id, &TenantRuntimeConfig::default())
        .await
        .unwrap();
    store.append_audit(&audit(a.id, "x", t0())).await.unwrap();
    let run = store.create_run(&new_run(a.id, "iso"), t0()).await.unwrap();
    let run_id = run.run().id;
    store.start_run(a.id, run_id, t0()).await.unwrap();
    store
        .record_event(a.id, run_id, &NewRunEvent::info("s", "m"), t0())
        .await
        .unwrap();
    let report = store
        .save_report(&new_report(a.id, run_id, "a"), t0())
        .await
        .unwrap();
    store
        .add_report_message(&report_message(a.id, report.id, "q", "a", t0()))
        .await
        .unwrap();
    let before = snapshot(store, a.id).await;

    // Reads as B see nothing of A.
    let empty = snapshot(store, b.id).await;
    for table in [
        "managers",
        "pipelines",
        "deals",
        "chats",
        "messages",
        "calls",
        "stage_changes",
        "activities",
    ] {
        assert_eq!(empty[table], json!([]), "{table} leaked to another tenant");
    }
    let a_deals = store.deals(a.id).await.unwrap();
    let a_deal_ids: Vec<DealId> = a_deals.iter().map(|d| d.id.clone()).collect();
    let a_contact_ids: Vec<ContactId> = a_deals.into_iter().flat_map(|d| d.contacts).collect();
    assert!(
        store
            .deals_by_ids(b.id, &a_deal_ids)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .deals_updated(b.id, &all_time())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .activities_in(b.id, &all_time(), &a_deal_ids, &a_contact_ids)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .cursor(&CursorKey::new(b.id, "amocrm", "deals"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.last_sync(b.id, "amocrm").await.unwrap(), None);
    assert!(store.integrations(b.id).await.unwrap().is_empty());
    assert_eq!(store.runtime_config(b.id).await.unwrap(), None);
    assert!(store.audit_log(b.id, 10).await.unwrap().is_empty());
    assert_eq!(store.run(b.id, run_id).await.unwrap(), None);
    assert!(store.runs(b.id, 10).await.unwrap().is_empty());
    assert!(store.run_events(b.id, run_id).await.unwrap().is_empty());
    assert_eq!(store.report(b.id, report.id).await.unwrap(), None);
    assert!(store.reports(b.id, 10).await.unwrap().is_empty());
    assert!(
        store
            .report_messages(b.id, report.id)
            .await
            .unwrap()
            .is_empty()
    );

    // Changes as B to A's rows are refused and change nothing.
    let nf = |r: Result<(), StoreError>, what: &str| {
        assert!(
            matches!(r, Err(StoreError::NotFound { .. })),
            "{what}: {r:?}"
        );
    };
    nf(
        store.start_run(b.id, run_id, t0()).await.map(|_| ()),
        "start_run",
    );
    nf(
        store
            .record_event(b.id, run_id, &NewRunEvent::info("evil", "x"), t0())
            .await,
        "record_event",
    );
    nf(
        store
            .finish_run(b.id, run_id, &RunOutcome::Cancelled, t0())
            .await
            .map(|_| ()),
        "finish_run",
    );
    nf(
        store
            .request_cancel(b.id, run_id, None, t0())
            .await
            .map(|_| ()),
        "request_cancel",
    );
    nf(
        store.cancel_requested(b.id, run_id).await.map(|_| ()),
        "cancel_requested",
    );
    nf(
        store
            .set_report_status(b.id, report.id, ReportStatus::Failed)
            .await,
        "set_report_status",
    );
    nf(
        store
            .add_report_message(&report_message(b.id, report.id, "q", "a", t0()))
            .await,
        "add_report_message",
    );
    nf(
        store
            .save_report(&new_report(b.id, run_id, "b"), t0())
            .await
            .map(|_| ()),
        "save_report",
    );
    // B writing the same natural ids creates B's own rows, leaving A's untouched.
    let mut batch = small_batch();
    for d in &mut batch.deals {
        d.name = "overwritten by B".into();
        d.updated_at += Duration::days(1);
    }
    apply(store, b.id, "amocrm", &batch).await;
    assert_eq!(snapshot(store, a.id).await, before);
    let a_run = store.run(a.id, run_id).await.unwrap().unwrap();
    assert_eq!(a_run.state, RunState::Running);
    assert_eq!(a_run.current_step.as_deref(), Some("s"));
    assert!(!store.cancel_requested(a.id, run_id).await.unwrap());
    assert_eq!(store.run_events(a.id, run_id).await.unwrap().len(), 1);
    assert_eq!(
        store
            .report(a.id, report.id)
            .await
            .unwrap()
            .map(|r| r.status),
        Some(ReportStatus::Ready)
    );
    assert_eq!(
        store.report_messages(a.id, report.id).await.unwrap().len(),
        1
    );
}

/// Writes naming a tenant that does not exist fail with `NotFound` and store nothing.
pub async fn unknown_tenants_are_rejected_and_nothing_is_written(store: &dyn Store) {
    assert_not_found(&store.apply(GHOST, "amocrm", &small_batch()).await);
    assert!(store.deals(GHOST).await.unwrap().is_empty());
    assert_not_found(&store.create_run(&new_run(GHOST, "ghost"), t0()).await);
    assert!(store.runs(GHOST, 10).await.unwrap().is_empty());
    assert_not_found(&store.record_sync(GHOST, "amocrm", t0()).await);
    assert_not_found(&store.append_audit(&audit(GHOST, "x", t0())).await);
    assert!(store.audit_log(GHOST, 10).await.unwrap().is_empty());
}
