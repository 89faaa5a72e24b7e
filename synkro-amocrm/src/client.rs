//! [`AmoCrmClient`] and its builder.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use synkro_core::Secret;
use synkro_core::error::{ConfigError, SourceError};
use synkro_core::ratelimit::RateLimiter;
use synkro_core::retry::RetryPolicy;
use url::Url;

use crate::auth::AmoAuth;
use crate::error::BACKEND;
use crate::host;
use crate::transport::{CONNECT_TIMEOUT, ClientStats, Counters, REQUEST_TIMEOUT, Transport};

/// The default request rate: amoCRM allows 7 requests per second per integration.
pub const DEFAULT_MAX_RPS: f64 = 7.0;
/// The hard cap on the request rate.
pub const MAX_RPS_CAP: f64 = 7.0;

/// A read-only amoCRM / Kommo API v4 client for one account.
///
/// Cheap to clone: clones share the connection pool, the rate limiter, the OAuth session and the
/// "account blocked" stop flag.
#[derive(Clone)]
pub struct AmoCrmClient {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) t: Transport,
    pub(crate) concurrency: usize,
    pub(crate) max_pages: usize,
    pub(crate) phone_field_ids: Vec<i64>,
    pub(crate) note_update_slack: chrono::Duration,
}

impl fmt::Debug for AmoCrmClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AmoCrmClient")
            .field("base_url", &self.inner.t.base.as_str())
            .field("auth", &self.inner.t.auth)
            .field("limiter", &self.inner.t.limiter)
            .field("concurrency", &self.inner.concurrency)
            .finish_non_exhaustive()
    }
}

impl AmoCrmClient {
    /// A builder.
    #[must_use]
    pub fn builder() -> AmoCrmClientBuilder {
        AmoCrmClientBuilder::default()
    }

    /// The account's base URL (`https://acme.amocrm.ru/`).
    #[must_use]
    pub fn base_url(&self) -> &Url {
        &self.inner.t.base
    }

    /// Request counters of this client and its clones.
    #[must_use]
    pub fn stats(&self) -> ClientStats {
        self.inner.t.stats()
    }

    /// Whether the account's API access was found blocked (every later request fails at once).
    #[must_use]
    pub fn is_blocked(&self) -> bool {
        self.inner
            .t
            .blocked
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The shared rate limiter.
    #[must_use]
    pub fn rate_limiter(&self) -> &RateLimiter {
        &self.inner.t.limiter
    }

    /// Exchanges an OAuth authorization code (from the consent redirect) for a token pair and
    /// stores it through the session's token store.
    ///
    /// # Errors
    /// [`SourceError::Unsupported`] with a long-lived token; [`SourceError::Unauthenticated`] when
    /// the code is refused (wrong, used, or older than 20 minutes); `Other` when the store fails.
    pub async fn authorize(&self, code: Secret<String>) -> Result<(), SourceError> {
        const OP: &str = "POST /oauth2/access_token";
        match &self.inner.t.auth {
            AmoAuth::OAuth(session) => session
                .authorize(&self.inner.t, &code)
                .await
                .map_err(|f| f.into_source(OP)),
            AmoAuth::LongLived(_) => Err(SourceError::Unsupported {
                backend: BACKEND,
                operation: "authorization-code exchange with a long-lived token".into(),
            }),
        }
    }
}

/// Builds an [`AmoCrmClient`]. Needs an account (`subdomain` or `base_url`) and `auth`.
#[derive(Default)]
pub struct AmoCrmClientBuilder {
    base: Option<Result<Url, ConfigError>>,
    auth: Option<AmoAuth>,
    limiter: Option<RateLimiter>,
    max_rps: Option<f64>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    http: Option<reqwest::Client>,
    concurrency: Option<usize>,
    max_pages: Option<usize>,
    phone_field_ids: Vec<i64>,
    note_update_slack: Option<Duration>,
}

impl fmt::Debug for AmoCrmClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AmoCrmClientBuilder")
            .field("auth", &self.auth)
            .field("max_rps", &self.max_rps)
            .finish_non_exhaustive()
    }
}

impl AmoCrmClientBuilder {
    /// The account `subdomain` under `domain` (`amocrm.ru`, `kommo.com` or `amocrm.com`).
    #[must_use]
    pub fn subdomain(mut self, subdomain: &str, domain: &str) -> Self {
        self.base = Some(host::account_url(subdomain, domain));
        self
    }

    /// Any base URL (a test server, a proxy). HTTPS is required except on loopback hosts.
    #[must_use]
    pub fn base_url(mut self, url: &str) -> Self {
        self.base = Some(host::checked_base(url, false));
        self
    }

    /// A base URL that must be an allow-listed account host (`https://acme.amocrm.ru`), as read
    /// from user configuration.
    #[must_use]
    pub fn account_url(mut self, url: &str) -> Self {
        self.base = Some(host::checked_base(url, true));
        self
    }

    /// The credentials.
    #[must_use]
    pub fn auth(mut self, auth: AmoAuth) -> Self {
        self.auth = Some(auth);
        self
    }

    /// Requests per second (default 7, at most 7). Ignored when [`rate_limiter`](Self::rate_limiter)
    /// is given.
    #[must_use]
    pub fn max_rps(mut self, rps: f64) -> Self {
        self.max_rps = Some(rps);
        self
    }

    /// A limiter shared with every other client of the same account.
    #[must_use]
    pub fn rate_limiter(mut self, limiter: RateLimiter) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// Total timeout of one attempt (default 30 s).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Connect timeout (default 10 s).
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Retry policy of reads (the token request is never retried).
    #[must_use]
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// A `reqwest` client to share a connection pool (its timeouts then apply).
    #[must_use]
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Pages of one listing in flight at once (default 3); the limiter still spaces them.
    #[must_use]
    pub fn concurrency(mut self, pages: usize) -> Self {
        self.concurrency = Some(pages);
        self
    }

    /// The most pages one listing may take before it fails (default 10 000).
    #[must_use]
    pub fn max_pages(mut self, pages: usize) -> Self {
        self.max_pages = Some(pages);
        self
    }

    /// Ids of user-created custom fields that hold phone numbers (besides `PHONE`).
    #[must_use]
    pub fn phone_field_ids(mut self, ids: Vec<i64>) -> Self {
        self.phone_field_ids = ids;
        self
    }

    /// How long after a call or a manual note its note may still be updated (default 7 days):
    /// notes can only be filtered by update time, so call and activity listings read notes
    /// updated up to this long after the range and keep those created in it.
    #[must_use]
    pub fn note_update_slack(mut self, slack: Duration) -> Self {
        self.note_update_slack = Some(slack);
        self
    }

    /// Validates and builds.
    ///
    /// # Errors
    /// [`ConfigError`] naming the setting: no account, no auth, a bad URL, a rate above 7/s,
    /// zero concurrency, or an HTTP client that cannot be built.
    pub fn build(self) -> Result<AmoCrmClient, ConfigError> {
        let base = self
            .base
            .ok_or_else(|| ConfigError::missing("base_url"))??;
        let auth = self.auth.ok_or_else(|| ConfigError::missing("auth"))?;
        if let AmoAuth::LongLived(t) = &auth
            && t.expose().trim().is_empty()
        {
            return Err(ConfigError::invalid(
                "token",
                "the long-lived token is empty",
            ));
        }
        let limiter = match self.limiter {
            Some(l) => l,
            None => {
                let rps = self.max_rps.unwrap_or(DEFAULT_MAX_RPS);
                if !(rps > 0.0 && rps <= MAX_RPS_CAP) {
                    return Err(ConfigError::invalid(
                        "max_rps",
                        format!(
                            "{rps} requests/s is outside (0, {MAX_RPS_CAP}]: amoCRM allows 7 \
                             requests per second per integration and blocks accounts that exceed it"
                        ),
                    ));
                }
                RateLimiter::per_second(rps)?
            }
        };
        let concurrency = self.concurrency.unwrap_or(3);
        if concurrency == 0 {
            return Err(ConfigError::invalid("concurrency", "must be at least 1"));
        }
        let http = match self.http {
            Some(h) => h,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout.unwrap_or(CONNECT_TIMEOUT))
                .timeout(self.timeout.unwrap_or(REQUEST_TIMEOUT))
                .user_agent(concat!("synkro-amocrm/", env!("CARGO_PKG_VERSION")))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| ConfigError::invalid("http_client", e.to_string()))?,
        };
        let slack = self
            .note_update_slack
            .unwrap_or(Duration::from_secs(7 * 86_400));
        Ok(AmoCrmClient {
            inner: Arc::new(Inner {
                t: Transport {
                    http,
                    base,
                    limiter,
                    retry: self.retry.unwrap_or_default(),
                    auth,
                    blocked: AtomicBool::new(false),
                    counters: Counters::default(),
                },
                concurrency,
                max_pages: self.max_pages.unwrap_or(10_000).max(1),
                phone_field_ids: self.phone_field_ids,
                note_update_slack: chrono::Duration::from_std(slack)
                    .unwrap_or_else(|_| chrono::Duration::days(7)),
            }),
        })
    }
}
