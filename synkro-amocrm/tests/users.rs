//! `GET /api/v4/users`.
mod common;

use common::*;
use serde_json::json;
use synkro_core::error::SourceError;
use synkro_core::source::CrmSource;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer};

#[tokio::test]
async fn users_become_managers_with_teams_and_active_flags() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/users"))
        .and(query_param("with", "group"))
        .and(query_param("limit", "250"))
        .respond_with(hal(json!({"_page": 1, "_links": {}, "_embedded": {"users": [
            {"id": 1001, "name": "Анна", "email": "a@example.invalid",
             "rights": {"is_active": true, "group_id": 7}, "_embedded": {"groups": [{"id": 7, "name": "Team A"}]}},
            {"id": "1002", "name": "Борис", "email": "", "rights": [], "new_field": 1},
            {"id": 1003, "name": "Вера", "rights": {"is_active": 0}}
        ]}})))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let managers = client(&server.uri()).fetch_managers().await.unwrap();
    assert_eq!(managers.len(), 3);
    assert_eq!(managers[0].team.as_deref(), Some("Team A"));
    assert_eq!(managers[1].email, None);
    assert!(managers[1].active, "no rights object: assume active");
    assert!(!managers[2].active);
}

#[tokio::test]
async fn a_non_admin_token_gets_a_forbidden_error_that_says_what_to_do() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v4/users"))
        .respond_with(problem(403, "Access denied"))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let err = client(&server.uri()).fetch_managers().await.unwrap_err();
    let SourceError::Forbidden { reason, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(reason.contains("administrator"), "{reason}");
    assert!(!err.is_retryable());
}
