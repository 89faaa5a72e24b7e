//! `CrmSource::fetch_deleted_deals`: `GET /api/v4/leads?with=only_deleted`, paged and filtered
//! like the leads listing, against the fake amoCRM and over the wire.
mod common;

use std::collections::HashSet;
use std::sync::Arc;

use common::*;
use futures::TryStreamExt;
use serde_json::json;
use synkro_amocrm::AmoCrmClient;
use synkro_core::error::SourceError;
use synkro_core::model::{DealId, DeletedDeal, Window};
use synkro_core::source::{CrmSource, CrmSourceExt, DealQuery, Page};
use synkro_testkit::{Dataset, DatasetSpec};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer};

/// The small dataset of `seed` with five of its deals deleted in the CRM.
fn with_deletions(seed: u64) -> Arc<Dataset> {
    let end = "2026-03-11T00:00:00Z".parse().unwrap();
    Arc::new(Dataset::generate(&DatasetSpec {
        deleted_deals: 5,
        ..DatasetSpec::small(seed, end)
    }))
}

fn deals_query(range: Window, page_size: u32) -> DealQuery {
    let mut q = DealQuery::updated_in(range);
    q.page_size = Some(page_size);
    q
}

/// The dataset's deletions, by time then id.
fn expected(data: &Dataset, range: Window) -> Vec<DeletedDeal> {
    let mut v: Vec<DeletedDeal> = data
        .deleted_deals()
        .filter_map(|d| d.deleted_at.map(|at| DeletedDeal::new(d.id.clone(), at)))
        .filter(|d| range.contains(d.deleted_at))
        .collect();
    v.sort_by(|a, b| (a.deleted_at, &a.id).cmp(&(b.deleted_at, &b.id)));
    v
}

async fn all_pages(c: &AmoCrmClient, q: DealQuery) -> Vec<Page<DeletedDeal>> {
    c.deleted_deal_pages(q).try_collect().await.unwrap()
}

#[tokio::test]
async fn deleted_leads_come_from_only_deleted_page_by_page_and_never_with_the_leads() {
    let data = with_deletions(31);
    assert_eq!(data.deleted_deals().count(), 5);
    let fake = fake_paged(data.clone(), 2).await;
    let c = fake_client(&fake);
    assert!(c.capabilities().deleted_deals);

    let pages = all_pages(&c, deals_query(all_time(), 2)).await;
    let sizes: Vec<usize> = pages.iter().map(|p| p.items.len()).collect();
    assert_eq!(sizes, [2, 2, 1]);
    let got: Vec<DeletedDeal> = pages.into_iter().flat_map(|p| p.items).collect();
    assert_eq!(
        got,
        expected(&data, all_time()),
        "ids and deletion instants"
    );
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 3, "one request a page");
    for r in &reqs {
        assert_eq!(
            (r.method.as_str(), r.path.as_str()),
            ("GET", "/api/v4/leads")
        );
        assert_eq!(r.param("with").as_deref(), Some("only_deleted"));
        assert_eq!(r.param("order[updated_at]").as_deref(), Some("asc"));
        assert!(r.param("filter[updated_at][from]").is_some(), "{r:?}");
    }

    // The leads listing has every other deal and none of the deleted ones.
    let live: Vec<_> = c
        .deals(deals_query(all_time(), 250))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(live.len(), data.deals.len() - 5);
    let deleted: HashSet<DealId> = got.iter().map(|d| d.id.clone()).collect();
    assert!(live.iter().all(|d| !deleted.contains(&d.id)));
    assert!(live.iter().all(|d| d.deleted_at.is_none()));
    assert_fake_read_only(&fake);
}

#[tokio::test]
async fn deleted_leads_are_filtered_by_their_update_time_and_by_id() {
    let data = with_deletions(32);
    let fake = fake_paged(data.clone(), 250).await;
    let c = fake_client(&fake);
    let all = expected(&data, all_time());
    assert_eq!(all.len(), 5);
    // From the second deletion (inclusive) to the fourth (exclusive).
    let range = Window::new(all[1].deleted_at, all[3].deleted_at).unwrap();
    let got: Vec<DeletedDeal> = c
        .deleted_deal_pages(deals_query(range, 250))
        .map_ok(|p| p.items)
        .try_concat()
        .await
        .unwrap();
    assert_eq!(got, expected(&data, range));
    assert_eq!(got.len(), 2);

    let mut by_id = DealQuery::default();
    by_id.ids = vec![all[4].id.clone(), data.deals[0].id.clone()];
    let got: Vec<DeletedDeal> = c
        .deleted_deal_pages(by_id)
        .map_ok(|p| p.items)
        .try_concat()
        .await
        .unwrap();
    let want: Vec<&DeletedDeal> = all
        .iter()
        .filter(|d| d.id == all[4].id || d.id == data.deals[0].id)
        .collect();
    assert_eq!(got.iter().collect::<Vec<_>>(), want);
}

#[tokio::test]
async fn cursors_of_the_leads_listing_and_the_deleted_listing_are_not_interchangeable() {
    let data = with_deletions(33);
    let fake = fake_paged(data, 2).await;
    let c = fake_client(&fake);
    let q = deals_query(all_time(), 2);
    let leads_cursor = c.fetch_deals(&q, None).await.unwrap().next.unwrap();
    let err = c
        .fetch_deleted_deals(&q, Some(&leads_cursor))
        .await
        .unwrap_err();
    assert!(matches!(err, SourceError::InvalidConfig { .. }), "{err:?}");
    let deleted_cursor = c.fetch_deleted_deals(&q, None).await.unwrap().next.unwrap();
    let err = c.fetch_deals(&q, Some(&deleted_cursor)).await.unwrap_err();
    assert!(matches!(err, SourceError::InvalidConfig { .. }), "{err:?}");
    // Its own cursor resumes the listing.
    let second = c
        .fetch_deleted_deals(&q, Some(&deleted_cursor))
        .await
        .unwrap();
    assert_eq!(second.items.len(), 2);
}

#[tokio::test]
async fn over_the_wire_a_lead_not_flagged_deleted_is_skipped_and_a_missing_time_fails() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/leads"))
        .and(query_param("with", "only_deleted"))
        .and(query_param("page", "1"))
        .respond_with(hal(json!({"_page": 1, "_embedded": {"leads": [
            {"id": 11, "updated_at": 1_773_100_800, "is_deleted": true},
            {"id": "12", "updated_at": "1773104400"},
            {"id": 13, "updated_at": 1_773_108_000, "is_deleted": false},
        ]}})))
        .mount(&server)
        .await;
    catch_all(&server).await;
    let page = client(&server.uri())
        .fetch_deleted_deals(&DealQuery::default(), None)
        .await
        .unwrap();
    assert_eq!(
        page.items,
        [
            DeletedDeal::new("11", "2026-03-10T00:00:00Z".parse().unwrap()),
            DeletedDeal::new("12", "2026-03-10T01:00:00Z".parse().unwrap()),
        ]
    );
    assert_eq!(page.next, None, "no _links.next: the end");
    assert_reads_only(&server).await;

    let server = MockServer::start().await;
    Mock::given(path("/api/v4/leads"))
        .respond_with(hal(json!({"_page": 1, "_embedded": {"leads": [
            {"id": 21, "is_deleted": true},
        ]}})))
        .mount(&server)
        .await;
    catch_all(&server).await;
    let err = client(&server.uri())
        .fetch_deleted_deals(&DealQuery::default(), None)
        .await
        .unwrap_err();
    match &err {
        SourceError::Decode {
            path, operation, ..
        } => {
            assert_eq!(path, "leads[id=21].updated_at");
            assert!(operation.contains("/api/v4/leads"), "{operation}");
        }
        other => panic!("{other:?}"),
    }
}
