//! `GET /api/v4/talks/{id}`.
mod common;

use common::*;
use serde_json::json;
use synkro_core::error::SourceError;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn talks_are_read_by_id_and_unknown_ids_are_skipped() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/talks/7"))
        .respond_with(hal(
            json!({"talk_id": 7, "created_at": 1773101000, "contact_id": 500001,
            "chat_id": "c-1", "entity_id": 300001, "entity_type": "lead", "is_in_work": false,
            "is_read": true, "origin": "telegram", "missed_at": null, "rate": null}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/v4/talks/8"))
        .respond_with(problem(404, "Talk not found"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/v4/talks/9"))
        .respond_with(ResponseTemplate::new(204))
        .expect(2)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let c = client(&server.uri());
    let talks = c.talks(&[7, 8, 9]).await.unwrap();
    assert_eq!(talks.len(), 1);
    assert_eq!(talks[0].origin.as_deref(), Some("telegram"));
    assert_eq!(talks[0].is_in_work, Some(false));
    assert!(matches!(c.talk(9).await, Err(SourceError::NotFound { .. })));
}
