//! The one `send()` path. It can make exactly two kinds of request: a `GET` under the account's
//! `/api/v4/`, and the OAuth token `POST`. No other method is representable: [`Outgoing`] has no
//! other variant, and nothing else in the crate touches `reqwest::Client`.
//!
//! Order per request: auth header, the shared rate limiter, the per-request timeout, [`classify`],
//! the retry loop ([`RetryPolicy::decide`], `Retry-After` honoured), decoding through
//! [`decode_json`].

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Serialize;
use serde::de::DeserializeOwned;
use synkro_core::Secret;
use synkro_core::error::BoxError;
use synkro_core::ratelimit::RateLimiter;
use synkro_core::retry::{RetryDecision, RetryPolicy};
use synkro_core::source::http_failure::{HttpFailure, decode_json};
use tracing::Instrument as _;
use url::Url;

use crate::auth::{AmoAuth, OAuthApp, OAuthTokens};
use crate::error::{Failure, classify};

/// The only requests the crate can send.
enum Outgoing<'a> {
    /// A read: `GET` of a URL already checked to be on the account host under `/api/v4/`.
    Read(&'a Url, &'a Secret<String>),
    /// The OAuth token request: `POST /oauth2/access_token`.
    Token(&'a TokenBody<'a>),
}

/// What an OAuth token request asks for.
pub(crate) enum TokenGrant<'a> {
    /// A code from the consent redirect.
    AuthorizationCode(&'a Secret<String>),
    /// A refresh token (single use).
    RefreshToken(&'a Secret<String>),
}

#[derive(Serialize)]
struct TokenBody<'a> {
    client_id: &'a str,
    client_secret: &'a str,
    grant_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<&'a str>,
    redirect_uri: &'a str,
}

#[derive(serde::Deserialize)]
struct TokenAnswer {
    access_token: String,
    refresh_token: String,
    expires_in: i64,
}

/// Request counters, for tests, benchmarks and run events.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) requests: AtomicU64,
    pub(crate) rate_limited: AtomicU64,
    pub(crate) retries: AtomicU64,
    pub(crate) token_requests: AtomicU64,
}

/// A snapshot of a client's request counters (shared by its clones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ClientStats {
    /// Requests sent (every attempt, token requests included).
    pub requests: u64,
    /// HTTP 429 answers received.
    pub rate_limited: u64,
    /// Attempts that were retries.
    pub retries: u64,
    /// OAuth token requests sent.
    pub token_requests: u64,
}

/// A raw answer.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// The HTTP machinery of one client (shared by its clones).
#[derive(Debug)]
pub(crate) struct Transport {
    pub(crate) http: reqwest::Client,
    pub(crate) base: Url,
    pub(crate) limiter: RateLimiter,
    pub(crate) retry: RetryPolicy,
    pub(crate) auth: AmoAuth,
    pub(crate) blocked: AtomicBool,
    pub(crate) counters: Counters,
}

impl Transport {
    pub(crate) fn stats(&self) -> ClientStats {
        let c = &self.counters;
        ClientStats {
            requests: c.requests.load(Ordering::Relaxed),
            rate_limited: c.rate_limited.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
            token_requests: c.token_requests.load(Ordering::Relaxed),
        }
    }

    /// Sends one request after taking a slot from the shared limiter: the single place that
    /// builds an HTTP request.
    async fn send(&self, out: Outgoing<'_>) -> Result<Answer, BoxError> {
        self.limiter.acquire().await;
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        let req = match out {
            Outgoing::Read(url, bearer) => self
                .http
                .get(url.clone())
                .bearer_auth(bearer.expose())
                .header(
                    reqwest::header::ACCEPT,
                    "application/hal+json, application/json",
                ),
            Outgoing::Token(body) => {
                self.counters.token_requests.fetch_add(1, Ordering::Relaxed);
                let mut url = self.base.clone();
                url.set_path("/oauth2/access_token");
                self.http.post(url).json(body)
            }
        };
        let resp = req.send().await?;
        let status = resp.status();
        if status == StatusCode::TOO_MANY_REQUESTS {
            self.counters.rate_limited.fetch_add(1, Ordering::Relaxed);
        }
        let headers = resp.headers().clone();
        let body = resp.bytes().await?.to_vec();
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    async fn bearer(&self) -> Result<Secret<String>, Failure> {
        match &self.auth {
            AmoAuth::LongLived(t) => Ok(t.clone()),
            AmoAuth::OAuth(s) => s.access_token(self).await,
        }
    }

    /// GETs `url` and decodes the JSON body; `Ok(None)` for 204 No Content. Retries 429, 5xx,
    /// timeouts, resets and truncated bodies within the retry policy; refreshes an OAuth token
    /// once after a 401; a blocked account stops every later request of this client.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        url: &Url,
        operation: &str,
    ) -> Result<Option<T>, Failure> {
        let span = tracing::debug_span!("amocrm.get", operation, status = tracing::field::Empty);
        self.get_json_inner(url).instrument(span).await
    }

    async fn get_json_inner<T: DeserializeOwned>(&self, url: &Url) -> Result<Option<T>, Failure> {
        let started = tokio::time::Instant::now();
        let mut attempt = 0u32;
        let mut refreshed = false;
        loop {
            if self.blocked.load(Ordering::SeqCst) {
                return Err(Failure::AccountBlocked);
            }
            attempt += 1;
            if attempt > 1 {
                self.counters.retries.fetch_add(1, Ordering::Relaxed);
            }
            let bearer = self.bearer().await?;
            let failure = match self.send(Outgoing::Read(url, &bearer)).await {
                Err(e) => Failure::Http(HttpFailure::transport(e)),
                Ok(a) => {
                    tracing::Span::current().record("status", a.status.as_u16());
                    match a.status.as_u16() {
                        204 => return Ok(None),
                        200..=299 => match decode::<T>(&a.body) {
                            Ok(v) => return Ok(Some(v)),
                            Err(f) => f,
                        },
                        status => {
                            let prefix = &a.body[..a.body.len().min(4096)];
                            classify(status, &a.headers, prefix)
                        }
                    }
                }
            };
            match failure {
                Failure::Unauthenticated(_) if !refreshed => {
                    if let AmoAuth::OAuth(session) = &self.auth {
                        refreshed = true;
                        attempt -= 1;
                        session.refresh(self, Some(&bearer)).await?;
                        continue;
                    }
                    return Err(failure);
                }
                Failure::AccountBlocked => {
                    self.blocked.store(true, Ordering::SeqCst);
                    tracing::error!("amocrm: the account's API access is blocked; stopping");
                    return Err(failure);
                }
                ref f if f.is_retryable() => {
                    let decision = self.retry.decide(
                        attempt,
                        started.elapsed(),
                        f.retry_after(),
                        rand::random::<f64>(),
                    );
                    match decision {
                        RetryDecision::RetryAfter(wait) => {
                            tracing::debug!(attempt, ?wait, "amocrm: retrying");
                            tokio::time::sleep(wait).await;
                        }
                        _ => return Err(failure),
                    }
                }
                _ => return Err(failure),
            }
        }
    }

    /// Sends the OAuth token request once (never retried: a lost answer may have spent the
    /// refresh token).
    pub(crate) async fn token_request(
        &self,
        app: &OAuthApp,
        grant: TokenGrant<'_>,
    ) -> Result<OAuthTokens, Failure> {
        if self.blocked.load(Ordering::SeqCst) {
            return Err(Failure::AccountBlocked);
        }
        let (grant_type, code, refresh_token) = match grant {
            TokenGrant::AuthorizationCode(c) => {
                ("authorization_code", Some(c.expose().as_str()), None)
            }
            TokenGrant::RefreshToken(r) => ("refresh_token", None, Some(r.expose().as_str())),
        };
        let body = TokenBody {
            client_id: &app.client_id,
            client_secret: app.client_secret.expose(),
            grant_type,
            code,
            refresh_token,
            redirect_uri: &app.redirect_uri,
        };
        let answer = self
            .send(Outgoing::Token(&body))
            .await
            .map_err(|e| Failure::Http(HttpFailure::transport(e)))?;
        let status = answer.status.as_u16();
        if !answer.status.is_success() {
            let prefix = &answer.body[..answer.body.len().min(4096)];
            return Err(match classify(status, &answer.headers, prefix) {
                // A refused grant is an authorization problem, whatever the status.
                Failure::Rejected(p) => Failure::Unauthenticated(Some(p)),
                Failure::Http(HttpFailure::NotFound) => Failure::Unauthenticated(None),
                Failure::AccountBlocked => {
                    self.blocked.store(true, Ordering::SeqCst);
                    Failure::AccountBlocked
                }
                other => other,
            });
        }
        let t: TokenAnswer = decode(&answer.body)?;
        Ok(OAuthTokens {
            access_token: Secret::new(t.access_token),
            refresh_token: Secret::new(t.refresh_token),
            expires_at: Utc::now()
                + chrono::Duration::seconds(t.expires_in.clamp(0, 10 * 365 * 86_400)),
        })
    }
}

/// Decodes a JSON body, naming the failing path; a body that ends early is a truncated transfer
/// (retryable), anything else a schema mismatch.
pub(crate) fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, Failure> {
    decode_json(body).map_err(|e| Failure::Http(e.into_failure()))
}

/// The default request timeouts.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default total timeout of one attempt.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    struct Page {
        #[allow(dead_code)]
        items: Vec<Item>,
    }
    #[derive(serde::Deserialize, Debug)]
    struct Item {
        #[allow(dead_code)]
        id: i64,
    }

    #[test]
    fn decode_names_the_path_and_size_and_truncation_is_retryable() {
        let bad = br#"{"items":[{"id":1},{"id":"x"}]}"#;
        match decode::<Page>(bad) {
            Err(Failure::Http(HttpFailure::Decode { path, body_len })) => {
                assert_eq!(path, "items[1].id");
                assert_eq!(body_len, bad.len());
            }
            other => panic!("{other:?}"),
        }
        let cut = br#"{"items":[{"id":1},{"id""#;
        let f = decode::<Page>(cut).unwrap_err();
        assert!(f.is_retryable(), "{f:?}");
    }
}
