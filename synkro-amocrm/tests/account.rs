//! `GET /api/v4/account`.
mod common;

use common::*;
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer};

#[tokio::test]
async fn account_reads_the_time_zone_and_teams_and_sends_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/account"))
        .and(query_param("with", "datetime_settings,users_groups"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(hal(json!({
            "id": 31000001, "name": "Acme", "subdomain": "acme", "current_user_id": 1001,
            "some_future_field": {"x": 1},
            "_embedded": {"datetime_settings": {"timezone": "Asia/Yekaterinburg", "timezone_offset": "+05:00"},
                "users_groups": [{"id": 1, "name": "Отдел продаж"}]}
        })))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let a = client(&server.uri()).account().await.unwrap();
    assert_eq!(a.id, 31_000_001);
    assert_eq!(a.timezone, Some(chrono_tz::Asia::Yekaterinburg));
    assert_eq!(a.users_groups[0].name.as_deref(), Some("Отдел продаж"));
    assert!(a.raw.extra.contains_key("some_future_field"));
    assert_reads_only(&server).await;
}

#[tokio::test]
async fn an_account_with_missing_settings_and_an_unknown_zone_still_reads() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v4/account"))
        .respond_with(hal(json!({"id": "5", "_embedded": []})))
        .mount(&server)
        .await;
    catch_all(&server).await;
    let a = client(&server.uri()).account().await.unwrap();
    assert_eq!((a.id, a.timezone, a.name.as_str()), (5, None, ""));
}
