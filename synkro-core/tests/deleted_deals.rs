//! Deals deleted in the CRM through a whole run: the sync marks the stored deals the CRM lists as
//! deleted in the read range, and a deal the CRM lists again (restored) comes back live.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::Duration;
use common::{data_end, env, ops};
use synkro_core::clock::Clock as _;
use synkro_core::model::{DealId, RunState, Window};
use synkro_core::pipeline::Adapters;
use synkro_core::report::{plain_narrative, to_markdown};
use synkro_core::store::DataStore;
use synkro_testkit::{Dataset, DatasetSpec, FakeAnalyzer, FakeCrm};

/// The env's tenant (seed 11) after `n` of its deals were deleted in the CRM.
fn after_deletions(n: usize) -> Dataset {
    Dataset::generate(&DatasetSpec {
        deleted_deals: n,
        ..DatasetSpec::small(11, data_end())
    })
}

fn crm_only(crm: &FakeCrm) -> Adapters {
    Adapters {
        crm: Some(Arc::new(crm.clone())),
        ..Adapters::default()
    }
}

async fn deleted_ids(e: &common::Env) -> BTreeSet<DealId> {
    e.store
        .deals(e.tenant.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|d| d.is_deleted())
        .map(|d| d.id)
        .collect()
}

#[tokio::test]
async fn a_run_marks_the_deals_deleted_in_its_read_range_and_a_restored_deal_comes_back() {
    let e = env("amocrm_only").await;
    // Every deal was stored live by earlier syncs.
    e.store
        .apply(e.tenant.id, "amocrm", &e.data.to_batch())
        .await
        .unwrap();
    let mut after = after_deletions(6);
    assert_eq!(after.deleted_deals().count(), 6);
    // The run's window is the last closed business day, 9 Mar 22:01 to 10 Mar 22:01 Moscow time;
    // it reads from 10 minutes before it up to now.
    let read = Window::new("2026-03-09T18:51:00Z".parse().unwrap(), e.clock.now()).unwrap();
    // One deletion happened before the read range: this run does not see it.
    let early = after.deals.iter_mut().find(|d| d.is_deleted()).unwrap();
    let early_at = read.start - Duration::hours(1);
    early.deleted_at = Some(early_at);
    early.updated_at = early_at;
    let early = early.id.clone();
    let after = Arc::new(after);
    let crm = FakeCrm::new(after.clone()).page_size(7);
    let analyzer = Arc::new(FakeAnalyzer::new());
    let res = e
        .run(&Adapters {
            analyzer: Some(analyzer.clone()),
            ..crm_only(&crm)
        })
        .await;
    assert_eq!(res.run.state, RunState::Succeeded, "{:?}", res.run.error);
    assert_eq!(res.run.window.start - Duration::minutes(10), read.start);
    assert!(ops(&crm.requests()).contains("deleted_deals"));

    // Independent expectation: the deletions inside the read range.
    let in_range: BTreeSet<DealId> = after
        .deleted_deals()
        .filter(|d| d.deleted_at.is_some_and(|t| read.contains(t)))
        .map(|d| d.id.clone())
        .collect();
    assert_eq!(in_range.len(), 5);
    assert!(!in_range.contains(&early));
    assert_eq!(deleted_ids(&e).await, in_range);
    let stored = e.store.deals(e.tenant.id).await.unwrap();
    assert_eq!(
        stored.len(),
        e.data.deals.len(),
        "nothing created or dropped"
    );
    for d in stored.iter().filter(|d| d.is_deleted()) {
        let source = after.deals.iter().find(|x| x.id == d.id).unwrap();
        assert_eq!(d.deleted_at, source.deleted_at);
        assert_eq!(d.updated_at, source.updated_at, "the deletion's instant");
    }

    // The report counts the deals deleted in its window apart from the live ones (their dialogs
    // stay in the run), in its numbers and in its text.
    let window = res.run.window;
    let (live, gone): (Vec<_>, Vec<_>) = stored
        .iter()
        .filter(|d| window.contains(d.updated_at))
        .partition(|d| !d.is_deleted());
    assert!(!gone.is_empty(), "some deletions fall in the window");
    let doc = &res.report.as_ref().expect("a report").document;
    assert_eq!(doc.summary.deals, live.len() as u64);
    assert_eq!(doc.summary.deleted_deals, gone.len() as u64);
    assert!(to_markdown(doc).contains(&format!(
        "| Deals deleted in the CRM (not counted above) | {} |",
        gone.len()
    )));
    assert!(plain_narrative(&doc.summary).contains(&format!(
        "{} dialogs belong to deals deleted in the CRM",
        gone.len()
    )));
    // The AI is told which dialogs those are.
    let context = &analyzer.requests()[0].context;
    assert!(context.contains(&format!(
        "{} more dialogs belong to deals deleted in the CRM",
        gone.len()
    )));
    let marked: BTreeSet<&str> = context
        .lines()
        .filter(|l| l.ends_with("(deleted in the CRM)"))
        .filter_map(|l| l.strip_prefix("## Deal ")?.split(' ').next())
        .collect();
    let expected: BTreeSet<&str> = gone.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(marked, expected);

    // The next day the CRM lists one of them again, changed after its deletion: restored.
    let back = in_range.iter().next().unwrap().clone();
    let mut restored = (*after).clone();
    let deal = restored.deals.iter_mut().find(|d| d.id == back).unwrap();
    deal.deleted_at = None;
    deal.updated_at = data_end() + Duration::minutes(30);
    let deal = deal.clone();
    e.clock.advance(Duration::days(1));
    let crm = FakeCrm::new(Arc::new(restored)).page_size(7);
    let res = e.run(&crm_only(&crm)).await;
    assert_eq!(res.run.state, RunState::Succeeded, "{:?}", res.run.error);
    let mut still: BTreeSet<DealId> = in_range.clone();
    still.remove(&back);
    assert_eq!(deleted_ids(&e).await, still);
    assert_eq!(
        e.store.deals_by_ids(e.tenant.id, &[back]).await.unwrap(),
        vec![deal]
    );
}
