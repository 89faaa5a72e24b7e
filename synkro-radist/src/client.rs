//! [`RadistClient`] and its one request path: auth header, rate limits, timeout, `classify`,
//! retries with backoff and `Retry-After`, decoding through [`decode_json`].

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::BuildHasher;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::de::DeserializeOwned;
use synkro_core::Secret;
use synkro_core::error::{ConfigError, SourceError};
use synkro_core::model::Channel;
use synkro_core::ratelimit::RateLimiter;
use synkro_core::retry::{RetryDecision, RetryPolicy};
use synkro_core::source::http_failure::{HttpFailure, decode_json};
use tokio::sync::{Mutex, OnceCell};
use tracing::Instrument;
use url::Url;

use crate::config::RadistConfig;
use crate::dto::ChatSource;
use crate::error::{BACKEND, Failure, classify};

/// Read-only Radist.Online v2 client for one API key and company. Cheap to clone: clones share
/// the rate limits, the connection pool and the cached channel list.
#[derive(Clone)]
pub struct RadistClient {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) base: Url,
    pub(crate) key: Secret<String>,
    pub(crate) company_id: i64,
    pub(crate) channels: Vec<Channel>,
    pub(crate) overall: RateLimiter,
    pub(crate) listing: RateLimiter,
    pub(crate) retry: RetryPolicy,
    pub(crate) page_size: u32,
    pub(crate) concurrency: usize,
    pub(crate) trust_short_page: bool,
    pub(crate) sources: OnceCell<Vec<ChatSource>>,
    /// Every request waits until this instant (set by a 429), so a storm slows the whole client.
    hold_until: Mutex<Option<tokio::time::Instant>>,
    requests: AtomicU64,
    jitter: RandomState,
}

impl fmt::Debug for RadistClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RadistClient")
            .field("base_url", &self.inner.base.as_str())
            .field("company_id", &self.inner.company_id)
            .field("channels", &self.inner.channels)
            .field("overall", &self.inner.overall)
            .field("listing", &self.inner.listing)
            .finish_non_exhaustive()
    }
}

/// Maps a Radist channel type (`ChatSourceType`) to the model's channel.
#[must_use]
pub fn channel_of(kind: &str) -> Channel {
    match kind {
        "whatsapp" => Channel::Whatsapp,
        "waba" => Channel::Waba,
        "telegram" => Channel::Telegram,
        "telegram_bot" => Channel::TelegramBot,
        "max_personal" | "max_bot" => Channel::Max,
        _ => Channel::Other,
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

impl RadistClient {
    /// A client from a tenant's configuration, with the default retry policy.
    ///
    /// # Errors
    /// [`ConfigError`] for a bad value: a base URL that is not https (plain http is allowed only
    /// for loopback hosts), a rate or page size out of range, an empty key.
    pub fn from_config(cfg: &RadistConfig) -> Result<Self, ConfigError> {
        Self::with_policy(cfg, RetryPolicy::default())
    }

    /// A client for a stored integration and its unsealed key.
    ///
    /// # Errors
    /// As [`RadistConfig::from_integration`] and [`from_config`](Self::from_config).
    pub fn from_integration(
        integration: &synkro_core::model::IntegrationConfig,
        api_key: &Secret<String>,
    ) -> Result<Self, ConfigError> {
        Self::from_config(&RadistConfig::from_integration(integration, api_key)?)
    }

    /// As [`from_config`](Self::from_config), with a retry policy of your own (tests use
    /// [`RetryPolicy::fast`]).
    ///
    /// # Errors
    /// As [`from_config`](Self::from_config).
    pub fn with_policy(cfg: &RadistConfig, retry: RetryPolicy) -> Result<Self, ConfigError> {
        cfg.validate()?;
        let mut base = Url::parse(cfg.base_url.trim()).map_err(|e| {
            ConfigError::invalid("base_url", format!("`{}` is not a URL: {e}", cfg.base_url))
        })?;
        if base.scheme() != "https" && !(base.scheme() == "http" && is_loopback(&base)) {
            return Err(ConfigError::invalid(
                "base_url",
                "use https (plain http is accepted only for 127.0.0.1/localhost)",
            ));
        }
        if !base.username().is_empty() || base.password().is_some() || base.query().is_some() {
            return Err(ConfigError::invalid(
                "base_url",
                "must not carry credentials or a query string",
            ));
        }
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(cfg.timeout())
            .user_agent(concat!("synkro-radist/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ConfigError::invalid("http_client", e.to_string()))?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base,
                key: cfg.api_key.clone(),
                company_id: cfg.company_id,
                channels: cfg.channels.clone(),
                overall: RateLimiter::with_burst(cfg.requests_per_second, cfg.burst)?,
                listing: RateLimiter::per_second(cfg.listing_requests_per_second)?,
                retry,
                page_size: cfg.page_size,
                concurrency: cfg.concurrency,
                trust_short_page: cfg.trust_short_page,
                sources: OnceCell::new(),
                hold_until: Mutex::new(None),
                requests: AtomicU64::new(0),
                jitter: RandomState::new(),
            }),
        })
    }

    /// The company this client reads.
    #[must_use]
    pub fn company_id(&self) -> i64 {
        self.inner.company_id
    }

    /// HTTP requests sent so far (retries included), by this client and its clones.
    #[must_use]
    pub fn request_count(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    fn uniform(&self) -> f64 {
        let n = self.inner.requests.load(Ordering::Relaxed);
        (self.inner.jitter.hash_one(n) % 1_000_000) as f64 / 1_000_000.0
    }

    /// One GET through the full request path. `template` names the operation in errors and
    /// traces (never the URL with its ids); `path` is relative to the base URL.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        template: &'static str,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, SourceError> {
        let operation = format!("GET {template}");
        let url = self.inner.base.join(path).map_err(|e| SourceError::Other {
            backend: BACKEND,
            operation: operation.clone(),
            source: Box::new(e),
        })?;
        let listing = template.contains("/messaging/chats/") || template.contains("/contacts/");
        let started = tokio::time::Instant::now();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let span = tracing::debug_span!("radist.request", op = %operation, attempt);
            let result = self
                .attempt::<T>(&url, query, listing)
                .instrument(span)
                .await;
            let failure = match result {
                Ok(v) => return Ok(v),
                Err(f) => f,
            };
            if !failure.is_retryable() {
                return Err(failure.into_source(&operation));
            }
            let decision = self.inner.retry.decide(
                attempt,
                started.elapsed(),
                failure.retry_after(),
                self.uniform(),
            );
            match decision {
                RetryDecision::RetryAfter(wait) => {
                    tracing::debug!(op = %operation, attempt, ?wait, "radist: retrying");
                    if matches!(failure, Failure::Http(HttpFailure::RateLimited(_))) {
                        let until = tokio::time::Instant::now() + wait;
                        let mut hold = self.inner.hold_until.lock().await;
                        *hold = Some(hold.map_or(until, |h| h.max(until)));
                    }
                    tokio::time::sleep(wait).await;
                }
                _ => {
                    tracing::warn!(op = %operation, attempt, "radist: giving up");
                    return Err(failure.into_source(&operation));
                }
            }
        }
    }

    async fn attempt<T: DeserializeOwned>(
        &self,
        url: &Url,
        query: &[(&str, String)],
        listing: bool,
    ) -> Result<T, Failure> {
        let hold = *self.inner.hold_until.lock().await;
        if let Some(h) = hold {
            tokio::time::sleep_until(h).await;
        }
        if listing {
            self.inner.listing.acquire().await;
        }
        self.inner.overall.acquire().await;
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
        let resp = self
            .inner
            .http
            .get(url.clone())
            .header("X-Api-Key", self.inner.key.expose())
            .header(reqwest::header::ACCEPT, "application/json")
            .query(query)
            .send()
            .await
            .map_err(|e| Failure::Http(HttpFailure::transport(e.without_url())))?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = resp
            .bytes()
            .await
            .map_err(|e| Failure::Http(HttpFailure::transport(e.without_url())))?;
        tracing::debug!(status, bytes = body.len(), "radist: answer");
        if !(200..300).contains(&status) {
            let prefix = &body[..body.len().min(4096)];
            return Err(classify(
                status,
                retry_after.as_deref(),
                prefix,
                chrono::Utc::now(),
            ));
        }
        // A body that ends early is a decode failure here, not a truncated transfer.
        decode_json(&body).map_err(|e| Failure::Http(e.into_decode()))
    }
}
