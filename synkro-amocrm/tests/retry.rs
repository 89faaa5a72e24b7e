//! Retries: 429 with and without `Retry-After`, 5xx, resets, truncated bodies; budgets.
mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;
use synkro_core::error::SourceError;
use synkro_core::source::CrmSource;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn pipelines_ok() -> ResponseTemplate {
    hal(json!({"_embedded": {"pipelines": [{"id": 1, "name": "P"}]}}))
}

/// Answers the scripted templates in turn, then 200.
fn script(
    steps: Vec<ResponseTemplate>,
) -> (impl Fn(&Request) -> ResponseTemplate, Arc<AtomicUsize>) {
    let n = Arc::new(AtomicUsize::new(0));
    let counter = n.clone();
    (
        move |_: &Request| {
            let i = counter.fetch_add(1, Ordering::SeqCst);
            steps.get(i).cloned().unwrap_or_else(pipelines_ok)
        },
        n,
    )
}

#[tokio::test]
async fn retry_after_is_honoured_then_503_is_retried_then_success() {
    let server = MockServer::start().await;
    let (responder, attempts) = script(vec![
        ResponseTemplate::new(429).insert_header("Retry-After", "1"),
        ResponseTemplate::new(503),
    ]);
    Mock::given(path("/api/v4/leads/pipelines"))
        .respond_with(responder)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let c = client(&server.uri());
    let started = Instant::now();
    let p = c.fetch_sales_pipelines().await.unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!(attempts.load(Ordering::SeqCst), 3);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited for Retry-After"
    );
    let stats = c.stats();
    assert_eq!(
        (stats.requests, stats.rate_limited, stats.retries),
        (3, 1, 2)
    );
}

#[tokio::test]
async fn an_html_429_without_retry_after_backs_off_and_retries() {
    let server = MockServer::start().await;
    let (responder, attempts) = script(vec![
        ResponseTemplate::new(429).set_body_raw("<html>429 Too Many Requests</html>", "text/html"),
        ResponseTemplate::new(429).set_body_raw("<html>429 Too Many Requests</html>", "text/html"),
    ]);
    Mock::given(path("/api/v4/leads/pipelines"))
        .respond_with(responder)
        .mount(&server)
        .await;
    catch_all(&server).await;
    assert!(client(&server.uri()).fetch_sales_pipelines().await.is_ok());
    assert_eq!(attempts.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_429_storm_spends_the_attempts_and_reports_rate_limited_with_the_wait() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v4/leads/pipelines"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
        .expect(5)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let err = client(&server.uri())
        .fetch_sales_pipelines()
        .await
        .unwrap_err();
    assert!(matches!(err, SourceError::RateLimited { .. }), "{err:?}");
    assert_eq!(err.retry_after(), Some(Duration::ZERO));
    assert!(err.is_retryable(), "the run may be re-queued");
}

#[tokio::test]
async fn a_retry_after_longer_than_the_policy_allows_returns_at_once() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v4/leads/pipelines"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3600"))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let err = client(&server.uri())
        .fetch_sales_pipelines()
        .await
        .unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
}

#[tokio::test]
async fn a_truncated_body_is_retried_like_a_reset() {
    let server = MockServer::start().await;
    let (responder, attempts) = script(vec![ResponseTemplate::new(200).set_body_raw(
        r#"{"_embedded":{"pipelines":[{"id":1,"na"#,
        "application/hal+json",
    )]);
    Mock::given(path("/api/v4/leads/pipelines"))
        .respond_with(responder)
        .mount(&server)
        .await;
    catch_all(&server).await;
    assert!(client(&server.uri()).fetch_sales_pipelines().await.is_ok());
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_slow_server_times_out_and_is_unavailable_after_the_attempts() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v4/leads/pipelines"))
        .respond_with(pipelines_ok().set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    catch_all(&server).await;
    let c = synkro_amocrm::AmoCrmClient::builder()
        .base_url(&server.uri())
        .auth(synkro_amocrm::AmoAuth::long_lived(
            synkro_core::Secret::new(TOKEN.into()),
        ))
        .timeout(Duration::from_millis(100))
        .retry(synkro_core::retry::RetryPolicy::fast().max_attempts(2))
        .build()
        .unwrap();
    let err = c.fetch_sales_pipelines().await.unwrap_err();
    assert!(matches!(err, SourceError::Unavailable { .. }), "{err:?}");
    assert_eq!(c.stats().requests, 2);
}

#[tokio::test]
async fn the_limiter_is_shared_by_clients_of_one_account() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v4/leads/pipelines"))
        .respond_with(pipelines_ok())
        .mount(&server)
        .await;
    catch_all(&server).await;
    let limiter = synkro_core::ratelimit::RateLimiter::per_second(20.0).unwrap();
    let make = || {
        synkro_amocrm::AmoCrmClient::builder()
            .base_url(&server.uri())
            .auth(synkro_amocrm::AmoAuth::long_lived(
                synkro_core::Secret::new(TOKEN.into()),
            ))
            .rate_limiter(limiter.clone())
            .build()
            .unwrap()
    };
    let (a, b) = (make(), make());
    let started = Instant::now();
    let (ra, rb) = tokio::join!(
        async {
            for _ in 0..5 {
                a.fetch_sales_pipelines().await.unwrap();
            }
        },
        async {
            for _ in 0..5 {
                b.fetch_sales_pipelines().await.unwrap();
            }
        }
    );
    assert_eq!((ra, rb), ((), ()));
    // 10 requests at 20/s: 9 gaps of 50 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(440),
        "{:?}",
        started.elapsed()
    );
}
