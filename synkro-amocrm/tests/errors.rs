//! Error classification end to end: problem+json, HTML blocks, 401, 402, 404, malformed bodies.
mod common;

use common::*;
use serde_json::json;
use synkro_core::error::SourceError;
use synkro_core::source::CrmSource;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn server_answering(t: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/api/v4/leads/pipelines"))
        .respond_with(t)
        .mount(&server)
        .await;
    catch_all(&server).await;
    server
}

#[tokio::test]
async fn a_401_with_a_long_lived_token_is_unauthenticated_and_not_retried() {
    let server = server_answering(problem(401, "Unauthorized")).await;
    let err = client(&server.uri())
        .fetch_sales_pipelines()
        .await
        .unwrap_err();
    assert!(
        matches!(err, SourceError::Unauthenticated { .. }),
        "{err:?}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert!(!err.to_string().contains(TOKEN));
}

#[tokio::test]
async fn a_402_says_the_account_is_not_paid() {
    let server = server_answering(problem(402, "Payment Required")).await;
    let err = client(&server.uri())
        .fetch_sales_pipelines()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not paid"), "{err}");
}

#[tokio::test]
async fn a_404_is_not_found_and_a_400_problem_keeps_its_detail() {
    let server = server_answering(problem(404, "Not found")).await;
    let err = client(&server.uri())
        .fetch_sales_pipelines()
        .await
        .unwrap_err();
    assert!(matches!(err, SourceError::NotFound { .. }));
    let server = server_answering(ResponseTemplate::new(400).set_body_raw(
        json!({"title": "Bad Request", "status": 400, "detail": "Request validation failed",
            "validation-errors": [{"request_id": "0", "errors": [{"code": "NotSupportedChoice", "path": "filter.id"}]}]})
        .to_string(),
        "application/problem+json",
    ))
    .await;
    let err = client(&server.uri())
        .fetch_sales_pipelines()
        .await
        .unwrap_err();
    let text = synkro_core::error::chain(&err);
    assert!(text.contains("filter.id: NotSupportedChoice"), "{text}");
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "400 is not retried"
    );
}

#[tokio::test]
async fn an_html_403_is_the_account_block_and_stops_every_later_request() {
    let server = server_answering(ResponseTemplate::new(403).set_body_raw(
        "<html><head><title>403 Forbidden</title></head><body>nginx</body></html>",
        "text/html",
    ))
    .await;
    let c = client(&server.uri());
    let err = c.fetch_sales_pipelines().await.unwrap_err();
    let SourceError::Forbidden { reason, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(
        reason.contains("blocked") && reason.contains("support"),
        "{reason}"
    );
    assert!(!err.is_retryable());
    assert!(c.is_blocked());
    let again = c.clone().fetch_managers().await.unwrap_err();
    assert!(matches!(again, SourceError::Forbidden { .. }));
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "after the block, nothing more is sent"
    );
}

#[tokio::test]
async fn html_in_a_200_is_a_decode_error_without_the_body() {
    let server = server_answering(
        ResponseTemplate::new(200)
            .set_body_raw("<html>maintenance +79001112233</html>", "text/html"),
    )
    .await;
    let err = client(&server.uri())
        .fetch_sales_pipelines()
        .await
        .unwrap_err();
    assert!(matches!(err, SourceError::Decode { .. }), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("+7900"));
}

#[tokio::test]
async fn a_foreign_next_link_is_refused_before_the_token_goes_there() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v4/users"))
        .respond_with(hal(
            json!({"_links": {"next": {"href": "https://evil.example/api/v4/users?page=2"}},
            "_embedded": {"users": [{"id": 1}]}}),
        ))
        .mount(&server)
        .await;
    catch_all(&server).await;
    let err = client(&server.uri()).fetch_managers().await.unwrap_err();
    assert!(
        synkro_core::error::chain(&err).contains("another host"),
        "{err}"
    );
}

#[tokio::test]
async fn the_builder_refuses_plain_http_off_loopback_and_rates_above_seven() {
    use synkro_amocrm::{AmoAuth, AmoCrmClient};
    use synkro_core::Secret;
    let auth = || AmoAuth::long_lived(Secret::new("t".into()));
    let err = AmoCrmClient::builder()
        .base_url("http://crm.example.com")
        .auth(auth())
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("https"), "{err}");
    let err = AmoCrmClient::builder()
        .subdomain("acme", "amocrm.ru")
        .auth(auth())
        .max_rps(8.0)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("max_rps"), "{err}");
    assert!(
        AmoCrmClient::builder()
            .subdomain("acme", "amocrm.ru")
            .build()
            .is_err(),
        "auth is required"
    );
}
