//! `GET /api/v4/{leads,contacts}/notes`: calls.
mod common;

use common::*;
use serde_json::json;
use synkro_core::model::{CallStatus, DealId, Direction, Window};
use synkro_core::source::{ActivityQuery, CrmSource};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn calls_come_from_lead_notes_then_contact_notes_and_keep_only_the_range() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/leads/notes"))
        .and(query_param("filter[note_type][]", "call_in"))
        .and(query_param("filter[updated_at][from]", "1773100800"))
        .respond_with(hal(json!({"_embedded": {"notes": [
            {"id": 1, "entity_id": 300001, "note_type": "call_in", "created_at": 1773101000,
             "updated_at": 1773101100, "responsible_user_id": 1001,
             "params": {"duration": 0, "call_status": 6, "phone": "+79000000001", "link": "https://x.invalid/r.mp3"}},
            {"id": 2, "entity_id": 300001, "note_type": "call_out", "created_at": 1773102000,
             "params": {"duration": "125", "call_status": "4"}},
            {"id": 3, "entity_id": 300001, "note_type": "call_out", "created_at": 1773000000,
             "params": {"duration": 30}},
            {"id": 4, "entity_id": 300001, "note_type": "call_in", "created_at": 1773103000,
             "params": {"duration": 12, "call_status": 99}}
        ]}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/contacts/notes"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let c = client(&server.uri());
    let range = Window::new(
        "2026-03-10T00:00:00Z".parse().unwrap(),
        "2026-03-11T00:00:00Z".parse().unwrap(),
    )
    .unwrap();
    let q = ActivityQuery::in_range(range);
    let first = c.fetch_calls(&q, None).await.unwrap();
    let ids: Vec<_> = first
        .items
        .iter()
        .map(|c| c.id.as_str().to_owned())
        .collect();
    assert_eq!(
        ids,
        ["1", "2", "4"],
        "the call from before the range is dropped"
    );
    let missed = &first.items[0];
    assert_eq!(
        (missed.direction, missed.status),
        (Direction::Inbound, CallStatus::NoAnswer)
    );
    assert!(missed.is_missed());
    assert_eq!(missed.deal, Some(DealId::new("300001")));
    assert_eq!(first.items[1].talk_s, 125);
    assert!(first.items[1].answered());
    assert_eq!(first.items[2].status, CallStatus::Unknown);
    assert!(
        first.items[2].answered(),
        "unknown status: talk time decides"
    );
    let next = first.next.expect("contact notes follow");
    let second = c.fetch_calls(&q, Some(&next)).await.unwrap();
    assert!(second.items.is_empty() && second.next.is_none());
}
