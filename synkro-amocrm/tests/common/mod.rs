//! Shared helpers of the integration tests.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use synkro_amocrm::{AmoAuth, AmoCrmClient, AmoCrmClientBuilder};
use synkro_core::Secret;
use synkro_core::model::Window;
use synkro_core::ratelimit::RateLimiter;
use synkro_core::retry::RetryPolicy;
use synkro_testkit::fake::amocrm_server::{DEFAULT_TOKEN, FakeAmoCrm, FakeAmoCrmOptions};
use synkro_testkit::{Dataset, DatasetSpec};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub const TOKEN: &str = "test-token-123";

/// A client for `base` with a long-lived token, a fast limiter and a millisecond retry policy.
pub fn client(base: &str) -> AmoCrmClient {
    client_with(base, TOKEN)
}

pub fn client_with(base: &str, token: &str) -> AmoCrmClient {
    builder_with(base, token)
        .rate_limiter(RateLimiter::per_second(500.0).unwrap())
        .retry(RetryPolicy::fast())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// A builder for `base` with a long-lived `token` and nothing else set.
pub fn builder_with(base: &str, token: &str) -> AmoCrmClientBuilder {
    AmoCrmClient::builder()
        .base_url(base)
        .auth(AmoAuth::long_lived(Secret::new(token.to_owned())))
}

/// 2020 to 2030: a window around every generated dataset.
pub fn all_time() -> Window {
    Window::new(
        "2020-01-01T00:00:00Z".parse().unwrap(),
        "2030-01-01T00:00:00Z".parse().unwrap(),
    )
    .unwrap()
}

/// Mounts, last, a mock answering 500 that names the unmatched method and path.
pub async fn catch_all(server: &MockServer) {
    Mock::given(any())
        .respond_with(|req: &Request| {
            ResponseTemplate::new(500).set_body_string(format!(
                "no mock for {} {}",
                req.method,
                req.url.path()
            ))
        })
        .with_priority(u8::MAX)
        .mount(server)
        .await;
}

/// A HAL JSON answer.
pub fn hal(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.to_string(), "application/hal+json")
}

/// A problem+json answer.
pub fn problem(status: u16, detail: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(
        serde_json::json!({"title": "Error", "type": format!("https://httpstatus.es/{status}"),
            "status": status, "detail": detail})
        .to_string(),
        "application/problem+json",
    )
}

/// Every request the mock server saw was a GET under /api/v4/ (or the token POST).
pub async fn assert_reads_only(server: &MockServer) {
    for r in server.received_requests().await.unwrap_or_default() {
        let ok = (r.method.as_str() == "GET" && r.url.path().starts_with("/api/v4/"))
            || (r.method.as_str() == "POST" && r.url.path() == "/oauth2/access_token");
        assert!(
            ok,
            "a non-read request was sent: {} {}",
            r.method,
            r.url.path()
        );
    }
}

pub fn dataset(seed: u64) -> Arc<Dataset> {
    let end = "2026-03-11T00:00:00Z".parse().unwrap();
    Arc::new(Dataset::generate(&DatasetSpec::small(seed, end)))
}

pub async fn fake(data: Arc<Dataset>, options: FakeAmoCrmOptions) -> FakeAmoCrm {
    FakeAmoCrm::start(data, options).await.unwrap()
}

/// A fake over `data` that serves at most `max_limit` items a page.
pub async fn fake_paged(data: Arc<Dataset>, max_limit: usize) -> FakeAmoCrm {
    fake(
        data,
        FakeAmoCrmOptions {
            max_limit,
            ..FakeAmoCrmOptions::default()
        },
    )
    .await
}

/// A client of the fake: its token, a fast limiter and a millisecond retry policy.
pub fn fake_client(fake: &FakeAmoCrm) -> AmoCrmClient {
    client_with(fake.base_url(), DEFAULT_TOKEN)
}

/// A builder for the fake with its token and nothing else set.
pub fn fake_builder(fake: &FakeAmoCrm) -> AmoCrmClientBuilder {
    builder_with(fake.base_url(), DEFAULT_TOKEN)
}

/// The fake saw nothing but reads and token requests.
pub fn assert_fake_read_only(fake: &FakeAmoCrm) {
    let bad = fake.non_read_requests();
    assert!(
        bad.is_empty(),
        "non-read requests reached the fake: {bad:?}"
    );
}
