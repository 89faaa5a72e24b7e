//! `GET /api/v4/contacts`.
mod common;

use common::*;
use serde_json::json;
use synkro_core::model::ContactId;
use synkro_core::source::{ContactQuery, CrmSource};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer};

#[tokio::test]
async fn contacts_by_id_use_filter_id_and_extract_phones() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/contacts"))
        .and(query_param("filter[id][]", "500001"))
        .and(query_param("limit", "250"))
        .respond_with(hal(json!({"_page": 1, "_embedded": {"contacts": [
            {"id": 500001, "name": "", "first_name": "Иван", "last_name": "Петров",
             "responsible_user_id": 1001, "updated_at": 1773100000,
             "custom_fields_values": [
                {"field_id": 3, "field_code": "PHONE", "field_type": "multitext",
                 "values": [{"value": "+7 (900) 000-00-01", "enum_code": "WORK"}, {"value": "8 900 000 00 02", "enum_code": "MOB"}]},
                {"field_id": 4, "field_code": "EMAIL", "values": [{"value": "x@example.invalid"}]}
             ]},
            {"id": 500002, "name": "Без телефона", "updated_at": "1773100001", "custom_fields_values": null, "_embedded": []}
        ]}})))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let page = client(&server.uri())
        .fetch_contacts(
            &ContactQuery::by_ids(vec![ContactId::new("500001"), ContactId::new("500002")]),
            None,
        )
        .await
        .unwrap();
    assert_eq!(page.items[0].name, "Иван Петров");
    assert_eq!(
        page.items[0].phones,
        ["+7 (900) 000-00-01", "8 900 000 00 02"]
    );
    assert!(page.items[1].phones.is_empty());
    let req = &server.received_requests().await.unwrap()[0];
    assert_eq!(
        req.url
            .query_pairs()
            .filter(|(k, _)| k == "filter[id][]")
            .count(),
        2
    );
}

#[tokio::test]
async fn many_contact_ids_take_one_request_per_250_never_one_per_contact() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v4/contacts"))
        .respond_with(hal(json!({"_embedded": {"contacts": []}})))
        .expect(3)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let ids: Vec<i64> = (1..=600).collect();
    let got = client(&server.uri()).contacts_by_ids(&ids).await.unwrap();
    assert!(got.is_empty());
}
