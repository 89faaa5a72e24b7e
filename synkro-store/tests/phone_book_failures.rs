//! A tenant's phone book that cannot be loaded or saved costs parsing, never the run: a real run
//! on SQLite succeeds, with a `phones` warning naming what failed and what it means, and the
//! report is the one a working book gives.

mod common;

use std::sync::Arc;

use synkro_core::analytics::MetricsSection;
use synkro_core::clock::ManualClock;
use synkro_core::model::{EventLevel, RunEvent, RunState, TenantRuntimeConfig, Trigger};
use synkro_core::pipeline::{Adapters, Engine, RunResult, TriggerRequest};
use synkro_core::store::{DataStore, RunStore};
use synkro_store::SqliteStore;
use synkro_testkit::{Dataset, DatasetSpec, FakeCrm, FakeMessenger};
use tokio_util::sync::CancellationToken;

/// One scheduled `amocrm_radist` run of a small generated tenant on `store`, with its events.
async fn run(store: Arc<SqliteStore>, slug: &str) -> (RunResult, Vec<RunEvent>) {
    let end = "2026-03-11T00:00:00Z".parse().unwrap();
    let data = Arc::new(Dataset::generate(&DatasetSpec::small(5, end)));
    let clock = Arc::new(ManualClock::new(end + chrono::Duration::hours(1)));
    let tenant = synkro_testkit::tenant::create_tenant(
        store.as_ref(),
        slug,
        &TenantRuntimeConfig::default(),
    )
    .await
    .unwrap();
    let engine = Engine::builder(store.clone())
        .clock(clock)
        .section(Arc::new(MetricsSection::new()))
        .build();
    let adapters = Adapters::sources(
        Arc::new(FakeCrm::new(data.clone())),
        Arc::new(FakeMessenger::new(data)),
    );
    let res = engine
        .run(
            &TriggerRequest::new(tenant.id, Trigger::Schedule),
            &adapters,
            CancellationToken::new(),
        )
        .await
        .unwrap();
    let events = store.run_events(tenant.id, res.run.id).await.unwrap();
    (res, events)
}

/// The run's `phones` events: (level, message, data).
fn phones(events: &[RunEvent]) -> Vec<(EventLevel, String, serde_json::Value)> {
    events
        .iter()
        .filter(|e| e.event.step == "phones")
        .map(|e| (e.event.level, e.event.message.clone(), e.event.data.clone()))
        .collect()
}

/// Checks a `phones` event is a warning whose message has that start and end, naming the
/// region and the kind of store error.
fn check_warning(event: &(EventLevel, String, serde_json::Value), starts: &str, ends: &str) {
    let (level, message, data) = event;
    assert_eq!(*level, EventLevel::Warn, "{message}");
    assert!(
        message.starts_with(starts) && message.ends_with(ends),
        "{message}"
    );
    assert_eq!(data["region"], "RU", "{data}");
    assert!(data["error_kind"].is_string(), "{data}");
}

/// The numbers of a run's report: its summary and every section's data (not the ids and
/// instants that differ from run to run).
fn metrics(res: &RunResult) -> serde_json::Value {
    let doc = &res.report.as_ref().expect("a report").document;
    let sections: Vec<&serde_json::Value> = doc.sections.iter().map(|s| &s.data).collect();
    serde_json::json!({ "summary": doc.summary, "sections": sections })
}

#[tokio::test]
async fn a_phone_book_that_cannot_be_read_or_written_is_a_warning_and_the_run_succeeds() {
    // A working book, for the report to compare with.
    let working = common::sqlite_temp("phone-book-working").await;
    let (good, events) = run(working.clone(), "working").await;
    assert_eq!(good.run.state, RunState::Succeeded, "{:?}", good.run.error);
    assert!(
        phones(&events)
            .iter()
            .all(|(l, _, _)| *l == EventLevel::Info),
        "{:?}",
        phones(&events)
    );

    // The table is gone: neither loading nor saving works.
    let broken = common::sqlite_temp("phone-book-gone").await;
    sqlx::query("DROP TABLE phone_spelling")
        .execute(broken.pool())
        .await
        .unwrap();
    let (res, events) = run(broken.clone(), "gone").await;
    assert_eq!(res.run.state, RunState::Succeeded, "{:?}", res.run.error);
    let got = phones(&events);
    assert_eq!(got.len(), 2, "{got:?}");
    check_warning(
        &got[0],
        "could not load the tenant's phone book (",
        "every phone is parsed afresh in this run",
    );
    check_warning(&got[1], "could not save ", "the next run parses them again");
    assert_eq!(
        metrics(&res),
        metrics(&good),
        "the metrics are those a working book gives"
    );
    assert!(
        res.report
            .as_ref()
            .unwrap()
            .document
            .sections
            .iter()
            .any(|s| s.id.starts_with("metrics")),
        "the metrics section is there"
    );
}

#[tokio::test]
async fn a_phone_book_that_loads_but_cannot_be_saved_warns_at_the_end_only() {
    let store = common::sqlite_temp("phone-book-read-only").await;
    sqlx::query(
        "CREATE TRIGGER phone_spelling_read_only BEFORE INSERT ON phone_spelling \
         BEGIN SELECT RAISE(ABORT, 'phone_spelling is read-only in this test'); END",
    )
    .execute(store.pool())
    .await
    .unwrap();
    let (res, events) = run(store.clone(), "read-only").await;
    assert_eq!(res.run.state, RunState::Succeeded, "{:?}", res.run.error);
    let got = phones(&events);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].0, EventLevel::Info);
    assert_eq!(got[0].2["phone_spellings"], 0, "an empty book loaded");
    check_warning(&got[1], "could not save ", "the next run parses them again");
    let tenant = res.run.tenant;
    assert!(
        store
            .phone_spellings(tenant, "RU")
            .await
            .unwrap()
            .is_empty(),
        "nothing was saved"
    );
}
