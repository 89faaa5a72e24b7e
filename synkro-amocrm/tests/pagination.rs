//! Paging: `_links.next` and 204 are the only ends; short pages are not; page guards error.
mod common;

use common::*;
use futures::TryStreamExt;
use serde_json::{Value, json};
use synkro_amocrm::{AmoAuth, AmoCrmClient, EventFilter, LeadFilter};
use synkro_core::Secret;
use synkro_core::error::SourceError;
use synkro_core::source::{CrmSourceExt, DealQuery};
use wiremock::matchers::{path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn leads(ids: std::ops::Range<i64>) -> Vec<Value> {
    ids.map(|i| json!({"id": i, "updated_at": 1773100000 + i}))
        .collect()
}

fn page(server: &MockServer, n: u32, items: Vec<Value>, next: Option<u32>) -> ResponseTemplate {
    let mut links = json!({"self": {"href": format!("{}/api/v4/leads?page={n}", server.uri())}});
    if let Some(nx) = next {
        links["next"] = json!({"href": format!("{}/api/v4/leads?page={nx}&limit=250&with=contacts&order%5Bupdated_at%5D=asc", server.uri())});
    }
    hal(json!({"_page": n, "_links": links, "_embedded": {"leads": items}}))
}

#[tokio::test]
async fn a_short_page_with_a_next_link_is_not_the_end() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v4/leads"))
        .and(query_param("page", "1"))
        .respond_with(page(&server, 1, leads(0..3), Some(2)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/v4/leads"))
        .and(query_param("page", "2"))
        .respond_with(page(&server, 2, leads(3..5), Some(3)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/v4/leads"))
        .and(query_param("page", "3"))
        .respond_with(page(&server, 3, leads(5..6), None))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let c = client(&server.uri());
    let deals: Vec<_> = c.deals(DealQuery::default()).try_collect().await.unwrap();
    assert_eq!(deals.len(), 6);
    let pages: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter_map(|r| {
            r.url
                .query_pairs()
                .find(|(k, _)| k == "page")
                .map(|(_, v)| v.into_owned())
        })
        .collect();
    assert_eq!(pages, ["1", "2", "3"]);
}

#[tokio::test]
async fn a_204_ends_the_listing_and_full_pages_are_fetched_ahead() {
    let server = MockServer::start().await;
    for n in 1..=3u32 {
        let start = i64::from(n - 1) * 250;
        Mock::given(path("/api/v4/leads"))
            .and(query_param("page", n.to_string().as_str()))
            .respond_with(page(&server, n, leads(start..start + 250), Some(n + 1)))
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(path("/api/v4/leads"))
        .and(query_param("page", "4"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    // Requested ahead while page 4 was still unknown; answered 204 and dropped.
    Mock::given(path("/api/v4/leads"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    catch_all(&server).await;
    let c = client(&server.uri());
    let pages: Vec<_> = c.leads(&LeadFilter::default()).try_collect().await.unwrap();
    let total: usize = pages.iter().map(Vec::len).sum();
    assert_eq!(total, 750);
    let ids: std::collections::HashSet<i64> = pages.iter().flatten().map(|l| l.id).collect();
    assert_eq!(ids.len(), 750, "no duplicates");
}

#[tokio::test]
async fn events_ask_100_per_page_and_follow_links_when_the_server_caps_pages() {
    let server = MockServer::start().await;
    let ev = |r: std::ops::Range<i64>| -> Vec<Value> {
        r.map(|i| json!({"id": format!("e{i}"), "type": "lead_added", "created_at": 1773100000}))
            .collect()
    };
    let next = format!("{}/api/v4/events?limit=100&page=2", server.uri());
    Mock::given(path("/api/v4/events"))
        .and(query_param("page", "1"))
        .and(query_param("limit", "100"))
        .respond_with(hal(
            json!({"_links": {"next": {"href": next}}, "_embedded": {"events": ev(0..50)}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/v4/events"))
        .and(query_param("page", "2"))
        .respond_with(hal(json!({"_embedded": {"events": ev(50..80)}})))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let events: Vec<_> = client(&server.uri())
        .events(&EventFilter::default())
        .try_concat()
        .await
        .unwrap();
    assert_eq!(events.len(), 80);
}

#[tokio::test]
async fn a_listing_longer_than_the_page_guard_errors_instead_of_truncating() {
    let server = MockServer::start().await;
    let base = server.uri();
    Mock::given(path("/api/v4/leads"))
        .respond_with(move |req: &wiremock::Request| {
            let n: u32 = req
                .url
                .query_pairs()
                .find(|(k, _)| k == "page")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(1);
            let next = format!("{base}/api/v4/leads?page={}", n + 1);
            hal(json!({"_links": {"next": {"href": next}}, "_embedded": {"leads": [{"id": n}]}}))
        })
        .mount(&server)
        .await;
    catch_all(&server).await;
    let c = AmoCrmClient::builder()
        .base_url(&server.uri())
        .auth(AmoAuth::long_lived(Secret::new(TOKEN.into())))
        .rate_limiter(synkro_core::ratelimit::RateLimiter::per_second(500.0).unwrap())
        .max_pages(5)
        .build()
        .unwrap();
    let err = c
        .leads(&LeadFilter::default())
        .try_concat()
        .await
        .unwrap_err();
    assert!(matches!(err, SourceError::InvalidConfig { .. }), "{err:?}");
    let text = synkro_core::error::chain(&err);
    assert!(text.contains("max_pages"), "{text}");
}
