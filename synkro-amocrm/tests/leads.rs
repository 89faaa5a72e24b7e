//! `GET /api/v4/leads`.
mod common;

use common::*;
use futures::TryStreamExt;
use serde_json::json;
use synkro_amocrm::LeadFilter;
use synkro_core::error::SourceError;
use synkro_core::model::{ContactId, DealId, Window};
use synkro_core::source::{CrmSource, DealQuery};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn window() -> Window {
    Window::new(
        "2026-03-10T00:00:00Z".parse().unwrap(),
        "2026-03-11T00:00:00Z".parse().unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn deals_in_a_window_are_asked_by_updated_at_with_contacts() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/leads"))
        .and(query_param("filter[updated_at][from]", "1773100800"))
        .and(query_param("filter[updated_at][to]", "1773187199"))
        .and(query_param("order[updated_at]", "asc"))
        .and(query_param("with", "contacts"))
        .and(query_param("limit", "250"))
        .and(query_param("page", "1"))
        .respond_with(hal(json!({"_page": 1, "_links": {"self": {"href": "x"}}, "_embedded": {"leads": [
            {"id": 300001, "name": "Заказ", "price": 1000, "responsible_user_id": 1001,
             "status_id": 10, "pipeline_id": 1, "created_at": 1773100000, "updated_at": 1773101000,
             "custom_fields_values": null,
             "_embedded": {"contacts": [{"id": 500001, "is_main": true}], "tags": [{"id": 1, "name": "vip"}]}},
            {"id": 300002, "updated_at": 1773102000, "unknown_field": [1, 2],
             "custom_fields_values": [{"field_id": 5, "field_code": "PHONE", "values": [{"value": 79000000002u64}]}]}
        ]}})))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let page = client(&server.uri())
        .fetch_deals(&DealQuery::updated_in(window()), None)
        .await
        .unwrap();
    assert!(page.next.is_none(), "no _links.next: the last page");
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.items[0].contacts, [ContactId::new("500001")]);
    assert_eq!(
        page.items[1].name, "",
        "missing fields are empty, not fatal"
    );
    assert_eq!(page.items[1].phones, ["79000000002"]);
    assert_eq!(page.items[1].created_at, page.items[1].updated_at);
    assert_reads_only(&server).await;
}

#[tokio::test]
async fn deals_by_id_are_batched_by_250() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v4/leads"))
        .respond_with(ResponseTemplate::new(204))
        .expect(2)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let c = client(&server.uri());
    let mut q = DealQuery::default();
    q.ids = (1..=300).map(|i| DealId::new(i.to_string())).collect();
    let first = c.fetch_deals(&q, None).await.unwrap();
    assert!(first.items.is_empty());
    let next = first.next.expect("a second batch follows");
    let second = c.fetch_deals(&q, Some(&next)).await.unwrap();
    assert!(second.next.is_none());
    let reqs = server.received_requests().await.unwrap();
    let ids = |i: usize| {
        reqs[i]
            .url
            .query_pairs()
            .filter(|(k, _)| k == "filter[id][]")
            .count()
    };
    assert_eq!((ids(0), ids(1)), (250, 50));
}

#[tokio::test]
async fn a_non_numeric_deal_id_is_a_config_error_before_any_request() {
    let server = MockServer::start().await;
    catch_all(&server).await;
    let mut q = DealQuery::default();
    q.ids = vec![DealId::new("chat-1")];
    let err = client(&server.uri())
        .fetch_deals(&q, None)
        .await
        .unwrap_err();
    assert!(matches!(err, SourceError::InvalidConfig { .. }), "{err:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_lead_with_a_wrongly_typed_id_names_the_json_path_and_not_the_body() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v4/leads"))
        .respond_with(hal(
            json!({"_embedded": {"leads": [{"id": 1}, {"id": {"no": "+79001234567"}}]}}),
        ))
        .mount(&server)
        .await;
    catch_all(&server).await;
    let err = client(&server.uri())
        .leads(&LeadFilter::default())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    let SourceError::Decode { path, body_len, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(path, "_embedded.leads[1].id");
    assert!(*body_len > 0);
    assert!(!err.to_string().contains("+7900"), "{err}");
}
