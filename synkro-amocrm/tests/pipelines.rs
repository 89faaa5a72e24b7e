//! `GET /api/v4/leads/pipelines`.
mod common;

use common::*;
use serde_json::json;
use synkro_core::model::StageKind;
use synkro_core::source::CrmSource;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn pipelines_come_with_ordered_stages_and_system_statuses_close_deals() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/leads/pipelines"))
        .respond_with(hal(json!({"_total_items": 1, "_embedded": {"pipelines": [
            {"id": 1, "name": "Продажи", "sort": 1, "is_main": true, "_embedded": {"statuses": [
                {"id": 143, "name": "Закрыто", "sort": 11000, "type": 0},
                {"id": 11, "name": "Переговоры", "sort": 20, "color": "#fff"},
                {"id": 10, "name": "Новая", "sort": "10", "type": 1},
                {"id": 142, "name": "Успешно", "sort": 10000}
            ]}}
        ]}})))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let p = client(&server.uri()).fetch_sales_pipelines().await.unwrap();
    let names: Vec<_> = p[0].stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Новая", "Переговоры", "Успешно", "Закрыто"]);
    assert_eq!(p[0].stages[2].kind, StageKind::Won);
    assert_eq!(p[0].stages[3].kind, StageKind::Lost);
    assert!(p[0].is_main);
}

#[tokio::test]
async fn no_pipelines_is_204_and_an_empty_list() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v4/leads/pipelines"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    catch_all(&server).await;
    assert!(
        client(&server.uri())
            .fetch_sales_pipelines()
            .await
            .unwrap()
            .is_empty()
    );
}
