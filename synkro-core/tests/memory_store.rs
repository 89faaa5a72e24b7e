//! The in-memory store: tenant isolation, idempotent newer-wins upserts, run lifecycle.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use synkro_core::model::{
    NewRun, NewRunEvent, RunOutcome, RunState, TenantRuntimeConfig, Trigger, Window,
};
use synkro_core::store::{CreateRun, DataStore, MemoryStore, RunStore, SyncBatch};
use synkro_testkit::{Dataset, DatasetSpec};

fn now() -> DateTime<Utc> {
    "2026-03-11T00:00:00Z".parse().unwrap()
}

fn new_run(tenant: synkro_core::model::TenantId) -> NewRun {
    let window = Window {
        start: now() - Duration::days(1),
        end: now(),
    };
    NewRun {
        tenant,
        job_type: "report".into(),
        mode: "radist_only".into(),
        trigger: Trigger::Manual,
        window,
        requested_by: None,
        idempotency_key: NewRun::idempotency_key_for(
            tenant,
            Trigger::Manual,
            "radist_only",
            &window,
        ),
        metadata: serde_json::json!({}),
    }
}

#[tokio::test]
async fn one_tenant_never_sees_or_changes_another_tenants_rows() {
    let store = MemoryStore::new();
    let cfg = TenantRuntimeConfig::default();
    let a = synkro_testkit::tenant::create_tenant(&store, "a", &cfg)
        .await
        .unwrap();
    let b = synkro_testkit::tenant::create_tenant(&store, "b", &cfg)
        .await
        .unwrap();
    let data = Dataset::generate(&DatasetSpec::small(1, now()));
    store.apply(a.id, "radist", &data.to_batch()).await.unwrap();
    let all = Window {
        start: now() - Duration::days(30),
        end: now(),
    };
    assert!(!store.messages_in(a.id, &all).await.unwrap().is_empty());
    assert!(store.messages_in(b.id, &all).await.unwrap().is_empty());
    assert!(store.deals(b.id).await.unwrap().is_empty());
    assert!(store.chats(b.id).await.unwrap().is_empty());

    let run = store
        .create_run(&new_run(a.id), now())
        .await
        .unwrap()
        .run()
        .clone();
    assert!(store.run(b.id, run.id).await.unwrap().is_none());
    assert!(store.runs(b.id, 10).await.unwrap().is_empty());
    assert!(store.start_run(b.id, run.id, now()).await.is_err());
    assert!(
        store
            .record_event(b.id, run.id, &NewRunEvent::info("x", "y"), now())
            .await
            .is_err()
    );
    assert!(
        store
            .request_cancel(b.id, run.id, None, now())
            .await
            .is_err()
    );
    assert_eq!(
        store.run(a.id, run.id).await.unwrap().unwrap().state,
        RunState::Queued
    );
}

#[tokio::test]
async fn applying_a_batch_again_changes_nothing_and_older_data_never_wins() {
    let store = Arc::new(MemoryStore::new());
    let t =
        synkro_testkit::tenant::create_tenant(store.as_ref(), "a", &TenantRuntimeConfig::default())
            .await
            .unwrap();
    let data = Dataset::generate(&DatasetSpec::small(2, now()));
    let batch = data.to_batch();
    let first = store.apply(t.id, "amocrm", &batch).await.unwrap();
    assert_eq!(first.inserted as usize, batch.len());
    for _ in 0..2 {
        let again = store.apply(t.id, "amocrm", &batch).await.unwrap();
        assert_eq!(
            (again.inserted, again.updated, again.unchanged as usize),
            (0, 0, batch.len())
        );
    }
    let deal = data.deals[0].clone();
    let mut newer = deal.clone();
    newer.name = "renamed".into();
    newer.updated_at += Duration::minutes(5);
    let mut older = deal.clone();
    older.name = "stale".into();
    older.updated_at -= Duration::minutes(5);
    let r = store
        .apply(
            t.id,
            "amocrm",
            &SyncBatch {
                deals: vec![newer.clone()],
                ..SyncBatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(r.updated, 1);
    let r = store
        .apply(
            t.id,
            "amocrm",
            &SyncBatch {
                deals: vec![older],
                ..SyncBatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(r.unchanged, 1);
    let stored = store
        .deals_by_ids(t.id, std::slice::from_ref(&deal.id))
        .await
        .unwrap();
    assert_eq!(stored, vec![newer]);
}

#[tokio::test]
async fn a_run_goes_queued_running_finished_and_duplicates_are_refused() {
    let store = MemoryStore::new();
    let t = synkro_testkit::tenant::create_tenant(&store, "a", &TenantRuntimeConfig::default())
        .await
        .unwrap();
    let created = store.create_run(&new_run(t.id), now()).await.unwrap();
    let CreateRun::Created(run) = created else {
        panic!("expected a new run")
    };
    assert!(
        matches!(store.create_run(&new_run(t.id), now()).await.unwrap(), CreateRun::Existing(r) if r.id == run.id)
    );
    let started = store.start_run(t.id, run.id, now()).await.unwrap().unwrap();
    assert_eq!((started.state, started.attempt), (RunState::Running, 1));
    assert!(
        store
            .start_run(t.id, run.id, now())
            .await
            .unwrap()
            .is_none(),
        "a running run is not started twice"
    );
    store
        .record_event(
            t.id,
            run.id,
            &NewRunEvent::info("sync", "syncing").progress(40),
            now(),
        )
        .await
        .unwrap();
    let r = store.run(t.id, run.id).await.unwrap().unwrap();
    assert_eq!((r.current_step.as_deref(), r.progress), (Some("sync"), 40));
    let done = store
        .finish_run(
            t.id,
            run.id,
            &RunOutcome::Failed {
                kind: "unavailable".into(),
                message: "boom".into(),
            },
            now(),
        )
        .await
        .unwrap();
    assert_eq!(done.state, RunState::Failed);
    assert!(
        store
            .finish_run(t.id, run.id, &RunOutcome::Cancelled, now())
            .await
            .is_err(),
        "terminal runs stay terminal"
    );
    assert_eq!(
        store
            .request_cancel(t.id, run.id, None, now())
            .await
            .unwrap(),
        RunState::Failed
    );
}
