//! Generated deletions and the in-memory `FakeCrm` serving them like amoCRM's `with=only_deleted`.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use synkro_core::model::{DealId, DeletedDeal, Window};
use synkro_core::source::{CrmSource, CrmSourceExt, DealQuery};
use synkro_testkit::{Dataset, DatasetSpec, FakeCrm};

fn end() -> DateTime<Utc> {
    "2026-03-11T00:00:00Z".parse().unwrap()
}

#[tokio::test]
async fn the_fake_crm_lists_deleted_deals_only_as_deleted_paged_and_filtered() {
    let data = Arc::new(Dataset::generate(&DatasetSpec {
        deleted_deals: 5,
        ..DatasetSpec::small(41, end())
    }));
    let crm = FakeCrm::new(data.clone()).page_size(2);
    assert!(crm.capabilities().deleted_deals);

    let pages: Vec<_> = crm
        .deleted_deal_pages(DealQuery::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        pages.iter().map(|p| p.items.len()).collect::<Vec<_>>(),
        [2, 2, 1]
    );
    let got: Vec<DeletedDeal> = pages.into_iter().flat_map(|p| p.items).collect();
    let mut want: Vec<DeletedDeal> = data
        .deleted_deals()
        .map(|d| DeletedDeal::new(d.id.clone(), d.deleted_at.unwrap()))
        .collect();
    want.sort_by(|a, b| (a.deleted_at, &a.id).cmp(&(b.deleted_at, &b.id)));
    assert_eq!(got, want, "by deletion time");
    assert_eq!(crm.requests().len(), 3);
    assert!(
        crm.requests()
            .iter()
            .all(|r| r.operation == "deleted_deals")
    );

    // By deletion time: [second, fourth).
    let range = Window::new(want[1].deleted_at, want[3].deleted_at).unwrap();
    let got: Vec<DeletedDeal> = crm
        .deleted_deal_pages(DealQuery::updated_in(range))
        .map_ok(|p| p.items)
        .try_concat()
        .await
        .unwrap();
    assert_eq!(got, want[1..3]);

    // The deals listing never has them.
    let live: Vec<_> = crm.deals(DealQuery::default()).try_collect().await.unwrap();
    assert_eq!(live.len(), data.deals.len() - 5);
    let deleted: HashSet<&DealId> = want.iter().map(|d| &d.id).collect();
    assert!(
        live.iter()
            .all(|d| !deleted.contains(&d.id) && !d.is_deleted())
    );
}
