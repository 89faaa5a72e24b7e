//! Job runs: idempotent creation, the lifecycle, events, listing and cancelling.

use chrono::Duration;
use serde_json::json;
use synkro_core::model::{NewRunEvent, RunOutcome, RunState};
use synkro_core::store::{CreateRun, Store};

use super::fixtures::{assert_conflict, new_run, t0, tenant};

/// Runs: idempotency key, queued → running → finished, events and progress, listing.
pub async fn run_lifecycle_is_enforced(store: &dyn Store) {
    let t = tenant(store, "runs").await;
    let req = new_run(t.id, "k1");
    let created = store.create_run(&req, t0()).await.unwrap();
    let CreateRun::Created(run) = created else {
        panic!("first create must create: {created:?}");
    };
    assert_eq!(run.state, RunState::Queued);
    assert_eq!(run.attempt, 0);
    assert_eq!(run.window, req.window);
    assert_eq!(run.metadata, req.metadata);
    let again = store.create_run(&req, t0()).await.unwrap();
    assert!(
        matches!(&again, CreateRun::Existing(r) if r.id == run.id),
        "{again:?}"
    );

    let started = store
        .start_run(t.id, run.id, t0() + Duration::seconds(1))
        .await
        .unwrap()
        .expect("queued run starts");
    assert_eq!(started.state, RunState::Running);
    assert_eq!(started.attempt, 1);
    assert_eq!(started.started_at, Some(t0() + Duration::seconds(1)));
    assert_eq!(store.start_run(t.id, run.id, t0()).await.unwrap(), None);

    for (event, at) in [
        (NewRunEvent::info("prepare", "config ok").progress(10), t0()),
        (
            NewRunEvent::warn("sync.radist", "stale").data(json!({"error_kind": "unavailable"})),
            t0() + Duration::seconds(2),
        ),
        (NewRunEvent::info("analyze", "ok").progress(60), t0()),
    ] {
        store.record_event(t.id, run.id, &event, at).await.unwrap();
    }
    let events = store.run_events(t.id, run.id).await.unwrap();
    assert_eq!(
        events
            .iter()
            .map(|e| e.event.step.as_str())
            .collect::<Vec<_>>(),
        ["prepare", "sync.radist", "analyze"]
    );
    assert!(events.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(events[1].event.data, json!({"error_kind": "unavailable"}));
    assert_eq!(events[1].at, t0() + Duration::seconds(2));
    let now_run = store.run(t.id, run.id).await.unwrap().unwrap();
    assert_eq!(now_run.current_step.as_deref(), Some("analyze"));
    assert_eq!(now_run.progress, 60);

    let failed = store
        .finish_run(
            t.id,
            run.id,
            &RunOutcome::Failed {
                kind: "source_unavailable".into(),
                message: "radist: unavailable on GET /chats".into(),
            },
            t0() + Duration::minutes(1),
        )
        .await
        .unwrap();
    assert_eq!(failed.state, RunState::Failed);
    assert_eq!(failed.error_kind.as_deref(), Some("source_unavailable"));
    assert_eq!(failed.finished_at, Some(t0() + Duration::minutes(1)));
    let twice = store
        .finish_run(t.id, run.id, &RunOutcome::Cancelled, t0())
        .await;
    assert_conflict(&twice);
    assert_eq!(store.run(t.id, run.id).await.unwrap(), Some(failed.clone()));

    let second = store.create_run(&new_run(t.id, "k2"), t0()).await.unwrap();
    let third = store.create_run(&new_run(t.id, "k3"), t0()).await.unwrap();
    let listed: Vec<_> = store
        .runs(t.id, 2)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(listed, vec![third.run().id, second.run().id]);
}

/// Cancel: a queued run is cancelled at once, a running run gets a flag, a finished run stays.
pub async fn cancel_stops_queued_runs_and_flags_running_ones(store: &dyn Store) {
    let t = tenant(store, "cancel").await;
    let cancel = async |run| store.request_cancel(t.id, run, None, t0()).await.unwrap();
    let q = store.create_run(&new_run(t.id, "q"), t0()).await.unwrap();
    assert_eq!(cancel(q.run().id).await, RunState::Cancelled);
    let q_now = store.run(t.id, q.run().id).await.unwrap().unwrap();
    assert_eq!(q_now.state, RunState::Cancelled);
    assert_eq!(q_now.finished_at, Some(t0()));
    assert_eq!(store.start_run(t.id, q.run().id, t0()).await.unwrap(), None);

    let r = store.create_run(&new_run(t.id, "r"), t0()).await.unwrap();
    store.start_run(t.id, r.run().id, t0()).await.unwrap();
    assert!(!store.cancel_requested(t.id, r.run().id).await.unwrap());
    assert_eq!(cancel(r.run().id).await, RunState::Running);
    assert!(store.cancel_requested(t.id, r.run().id).await.unwrap());
    let done = store
        .finish_run(t.id, r.run().id, &RunOutcome::Cancelled, t0())
        .await
        .unwrap();
    assert_eq!(done.state, RunState::Cancelled);
    assert_eq!(cancel(r.run().id).await, RunState::Cancelled);
}
