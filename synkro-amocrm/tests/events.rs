//! `GET /api/v4/events`.
mod common;

use common::*;
use futures::TryStreamExt;
use serde_json::json;
use synkro_amocrm::EventFilter;
use synkro_amocrm::dto::{EventType, EventValue};
use synkro_core::model::{EntityRef, ManagerId, StageId, Window};
use synkro_core::source::{ActivityQuery, CrmSource};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer};

fn range() -> Window {
    Window::new(
        "2026-03-10T00:00:00Z".parse().unwrap(),
        "2026-03-11T00:00:00Z".parse().unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn stage_changes_are_read_by_type_and_created_at_100_per_page() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/events"))
        .and(query_param("filter[type][]", "lead_status_changed"))
        .and(query_param("filter[created_at][from]", "1773100800"))
        .and(query_param("limit", "100"))
        .respond_with(hal(json!({"_embedded": {"events": [
            {"id": "01JABC", "type": "lead_status_changed", "entity_id": 300001, "entity_type": "lead",
             "created_by": 1001, "created_at": 1773101000,
             "value_before": [{"lead_status": {"id": 10, "pipeline_id": 1}}],
             "value_after": [{"lead_status": {"id": 143, "pipeline_id": 1}}]}
        ]}})))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let page = client(&server.uri())
        .fetch_stage_changes(&ActivityQuery::in_range(range()), None)
        .await
        .unwrap();
    assert_eq!(page.items[0].to_stage, Some(StageId::new("143")));
    assert_eq!(page.items[0].by, Some(ManagerId::new("1001")));
}

#[tokio::test]
async fn responsible_changes_of_leads_and_contacts() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v4/events"))
        .and(query_param("filter[type][]", "entity_responsible_changed"))
        .respond_with(hal(json!({"_embedded": {"events": [
            {"id": "a", "type": "entity_responsible_changed", "entity_id": 1, "entity_type": "lead",
             "created_at": 1773101000, "value_before": [{"responsible_user": {"id": 1001}}],
             "value_after": [{"responsible_user": {"id": 1002}}]},
            {"id": "b", "type": "entity_responsible_changed", "entity_id": 2, "entity_type": "company",
             "created_at": 1773101000}
        ]}})))
        .mount(&server)
        .await;
    catch_all(&server).await;
    let page = client(&server.uri())
        .fetch_responsible_changes(&ActivityQuery::in_range(range()), None)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1, "companies are not deals or contacts");
    assert!(matches!(page.items[0].entity, EntityRef::Deal(_)));
    assert_eq!(page.items[0].to, Some(ManagerId::new("1002")));
}

#[tokio::test]
async fn communication_events_keep_unknown_types_and_values() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v4/events"))
        .and(query_param("filter[type][]", "incoming_chat_message"))
        .respond_with(hal(json!({"_embedded": {"events": [
            {"id": "m1", "type": "incoming_chat_message", "entity_id": 1, "entity_type": "lead",
             "created_by": 0, "created_at": 1773101000,
             "value_after": [{"message": {"id": "abc", "talk_id": 77, "origin": "telegram"}}]},
            {"id": "m2", "type": "brand_new_type", "created_at": 1773101001, "value_after": null,
             "value_before": {"0": {"odd": true}}}
        ]}})))
        .mount(&server)
        .await;
    catch_all(&server).await;
    let events: Vec<_> = client(&server.uri())
        .events(&EventFilter::communications_in(range()))
        .try_concat()
        .await
        .unwrap();
    assert_eq!(events[0].kind, EventType::IncomingChatMessage);
    assert_eq!(
        events[0].after(),
        [EventValue::Message {
            id: Some("abc".into()),
            talk_id: Some(77),
            origin: Some("telegram".into())
        }]
    );
    assert_eq!(events[1].kind, EventType::Other("brand_new_type".into()));
    assert!(matches!(events[1].before()[0], EventValue::Unknown(_)));
}
