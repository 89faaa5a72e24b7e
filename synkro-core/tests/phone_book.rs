//! The tenant's persisted phone book: a run starts from the spellings earlier runs of the tenant
//! saved, and saves the ones it learned.

mod common;

use common::env;
use synkro_core::model::{RunEvent, RunState, Trigger};
use synkro_core::pipeline::{RunResult, TriggerRequest};
use synkro_core::store::{DataStore, RunStore, TenantStore};
use tokio_util::sync::CancellationToken;

/// The `data` field `key` of the run's `phones` events, in order.
fn phones_data(events: &[RunEvent], key: &str) -> Vec<u64> {
    events
        .iter()
        .filter(|ev| ev.event.step == "phones")
        .filter_map(|ev| ev.event.data.get(key).and_then(serde_json::Value::as_u64))
        .collect()
}

async fn forced(
    e: &common::Env,
    tenant: synkro_core::model::TenantId,
    like: &RunResult,
) -> RunResult {
    let req = TriggerRequest {
        tenant,
        trigger: Trigger::Forced,
        window: Some(like.run.window),
        requested_by: None,
        as_of: None,
    };
    e.engine
        .run(&req, &e.adapters(), CancellationToken::new())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_second_run_starts_from_the_spellings_the_first_saved_and_other_tenants_see_none() {
    let e = env("amocrm_radist").await;
    let first = e.run(&e.adapters()).await;
    assert_eq!(
        first.run.state,
        RunState::Succeeded,
        "{:?}",
        first.run.error
    );
    let events = e.events(&first).await;
    assert_eq!(
        phones_data(&events, "phone_spellings"),
        [0],
        "an empty book at first"
    );
    let stored = e.store.phone_spellings(e.tenant.id, "RU").await.unwrap();
    assert!(
        stored.len() > 10,
        "the run saved what it parsed: {}",
        stored.len()
    );
    assert_eq!(phones_data(&events, "saved"), [stored.len() as u64]);
    // Every call phone of the window went through the book, linked calls too.
    let window = first.run.window;
    for c in e
        .data
        .calls
        .iter()
        .filter(|c| window.contains(c.started_at))
    {
        if let Some(p) = &c.phone {
            assert!(
                stored.iter().any(|s| &s.spelling == p),
                "call {:?} phone {p:?} is in the book",
                c.id
            );
        }
    }
    // Each stored form is what `phone` gives.
    for s in &stored {
        assert_eq!(
            s.e164,
            synkro_core::pipeline::normalize::phone(&s.spelling, "RU"),
            "{:?}",
            s.spelling
        );
    }
    assert!(stored.iter().any(|s| s.e164.is_some()));

    // The same tenant again: the book starts with every saved spelling and learns nothing new.
    let second = forced(&e, e.tenant.id, &first).await;
    assert_eq!(
        second.run.state,
        RunState::Succeeded,
        "{:?}",
        second.run.error
    );
    assert_ne!(second.run.id, first.run.id);
    let events = e.events(&second).await;
    assert_eq!(
        phones_data(&events, "phone_spellings"),
        [stored.len() as u64]
    );
    assert_eq!(phones_data(&events, "saved"), Vec::<u64>::new());
    assert_eq!(
        e.store
            .phone_spellings(e.tenant.id, "RU")
            .await
            .unwrap()
            .len(),
        stored.len()
    );

    // Another tenant of the same store starts empty, and saves its own book.
    let cfg = e
        .store
        .runtime_config(e.tenant.id)
        .await
        .unwrap()
        .expect("the tenant's config");
    let other = synkro_testkit::tenant::create_tenant(e.store.as_ref(), "other", &cfg)
        .await
        .unwrap();
    assert_eq!(
        e.store.phone_spellings(other.id, "RU").await.unwrap(),
        vec![]
    );
    let run = forced(&e, other.id, &first).await;
    assert_eq!(run.run.state, RunState::Succeeded, "{:?}", run.run.error);
    let events = e.store.run_events(other.id, run.run.id).await.unwrap();
    assert_eq!(phones_data(&events, "phone_spellings"), [0]);
    let theirs = e.store.phone_spellings(other.id, "RU").await.unwrap();
    assert_eq!(phones_data(&events, "saved"), [theirs.len() as u64]);
    assert_eq!(
        theirs.len(),
        stored.len(),
        "the same data, the same spellings"
    );
    // The first tenant's book is unchanged.
    assert_eq!(
        e.store
            .phone_spellings(e.tenant.id, "RU")
            .await
            .unwrap()
            .len(),
        stored.len()
    );
}
