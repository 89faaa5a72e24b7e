//! The adapter's private failure type, the one [`classify`] function that maps an HTTP answer onto
//! it, and the conversion to [`SourceError`] at the trait boundary. The statuses, transport
//! failures and decode failures every source shares are [`HttpFailure`]s.

use std::fmt;
use std::time::Duration;

use chrono::Utc;
use reqwest::header::{CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use serde::Deserialize;
use synkro_core::error::{BoxError, ConfigError, SourceError};
use synkro_core::source::http_failure::{HttpFailure, StatusClass, classify_status};

/// The backend name in every error.
pub(crate) const BACKEND: &str = "amocrm";

/// What amoCRM tells a user whose account's API access was blocked.
pub(crate) const BLOCKED_REASON: &str = "amoCRM has blocked API access for this account (HTTP 403 \
     with an HTML page instead of JSON), usually after repeated rate-limit violations; Synkro \
     stopped every request to this account. Ask amoCRM support to lift the block (tell them the \
     account subdomain and this server's IP address), then run again";

/// What amoCRM tells a user whose account is not paid.
pub(crate) const UNPAID_REASON: &str = "the amoCRM account is not paid (HTTP 402); renew the \
     subscription, then run again";

/// The fields of a problem+json error body that are safe to show: short server texts and the
/// paths and codes of validation errors (never their values).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problem {
    /// HTTP status.
    pub status: u16,
    /// `title`, shortened.
    pub title: Option<String>,
    /// `detail`, shortened.
    pub detail: Option<String>,
    /// `hint` (OAuth errors), shortened.
    pub hint: Option<String>,
    /// `path: code` of each validation error.
    pub validation: Vec<String>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "amocrm answered HTTP {}", self.status)?;
        for part in [&self.title, &self.detail, &self.hint]
            .into_iter()
            .flatten()
        {
            write!(f, "; {part}")?;
        }
        if !self.validation.is_empty() {
            write!(f, "; invalid: {}", self.validation.join(", "))?;
        }
        Ok(())
    }
}

impl std::error::Error for Problem {}

#[derive(Deserialize)]
struct RawProblem {
    title: Option<serde_json::Value>,
    detail: Option<serde_json::Value>,
    hint: Option<serde_json::Value>,
    #[serde(rename = "validation-errors")]
    validation_errors: Option<Vec<RawValidation>>,
}

#[derive(Deserialize)]
struct RawValidation {
    #[serde(default)]
    errors: Vec<RawFieldError>,
}

#[derive(Deserialize)]
struct RawFieldError {
    code: Option<String>,
    path: Option<String>,
}

fn short(v: Option<serde_json::Value>) -> Option<String> {
    let text = match v? {
        serde_json::Value::String(s) => s,
        serde_json::Value::Null => return None,
        other => other.to_string(),
    };
    Some(text.chars().take(200).collect())
}

impl Problem {
    /// Reads the safe parts of a problem+json body; an unreadable body gives just the status.
    pub(crate) fn parse(status: u16, body: &[u8]) -> Self {
        let Ok(raw) = serde_json::from_slice::<RawProblem>(body) else {
            return Self {
                status,
                ..Self::default()
            };
        };
        let validation = raw
            .validation_errors
            .unwrap_or_default()
            .into_iter()
            .flat_map(|v| v.errors)
            .map(|e| {
                format!(
                    "{}: {}",
                    e.path.unwrap_or_else(|| "?".into()),
                    e.code.unwrap_or_else(|| "?".into())
                )
            })
            .take(20)
            .collect();
        Self {
            status,
            title: short(raw.title),
            detail: short(raw.detail),
            hint: short(raw.hint),
            validation,
        }
    }
}

/// The token store failed; the newest OAuth pair may be lost.
#[derive(Debug)]
pub(crate) struct TokenStoreFailed(pub(crate) BoxError);

impl fmt::Display for TokenStoreFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "the OAuth token store failed; fix the store, and if a refresh was under way, \
             authorize the integration again",
        )
    }
}

impl std::error::Error for TokenStoreFailed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.0.as_ref())
    }
}

/// What went wrong with one request, before it is named for the engine.
#[derive(Debug)]
pub(crate) enum Failure {
    /// 401: token missing, wrong, expired or revoked.
    Unauthenticated(Option<Problem>),
    /// 402: the account is not paid.
    PaymentRequired,
    /// 403 with a JSON body: the token's user lacks a right.
    Forbidden(Problem),
    /// 403 with an HTML (or otherwise non-JSON) body: the account's API access is blocked.
    AccountBlocked,
    /// 400 / 422: the request is wrong; retrying does not help.
    Rejected(Problem),
    /// A misuse caught before sending (bad cursor, foreign next link, page guard).
    Invalid(ConfigError),
    /// The token store failed to load or save the OAuth pair.
    TokenStore(BoxError),
    /// 404 (or 204 on a by-id read), 429, 408 / 5xx, connect errors, timeouts, resets, truncated
    /// bodies, 2xx bodies that do not match the schema, and any other status.
    Http(HttpFailure),
}

impl Failure {
    /// Whether the request may be sent again.
    pub(crate) fn is_retryable(&self) -> bool {
        matches!(self, Self::Http(f) if f.is_retryable())
    }

    /// The wait the server asked for.
    pub(crate) fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Http(f) => f.retry_after(),
            _ => None,
        }
    }

    /// Names the failure for the engine; `operation` is e.g. `GET /api/v4/leads`.
    pub(crate) fn into_source(self, operation: &str) -> SourceError {
        let operation = operation.to_owned();
        match self {
            Self::Unauthenticated(problem) => SourceError::Unauthenticated {
                backend: BACKEND,
                operation: match problem.and_then(|p| p.hint.or(p.detail)) {
                    Some(said) => format!("{operation} ({said})"),
                    None => operation,
                },
            },
            Self::PaymentRequired => SourceError::Forbidden {
                backend: BACKEND,
                operation,
                reason: UNPAID_REASON.to_owned(),
            },
            Self::Forbidden(problem) => SourceError::Forbidden {
                backend: BACKEND,
                operation,
                reason: forbidden_reason(&problem),
            },
            Self::AccountBlocked => SourceError::Forbidden {
                backend: BACKEND,
                operation,
                reason: BLOCKED_REASON.to_owned(),
            },
            Self::Rejected(problem) => SourceError::Other {
                backend: BACKEND,
                operation,
                source: Box::new(problem),
            },
            Self::Invalid(source) => SourceError::InvalidConfig {
                backend: BACKEND,
                source,
            },
            Self::TokenStore(source) => SourceError::Other {
                backend: BACKEND,
                operation,
                source: Box::new(TokenStoreFailed(source)),
            },
            Self::Http(f) => f.into_source(BACKEND, operation),
        }
    }
}

fn forbidden_reason(problem: &Problem) -> String {
    let said = problem
        .detail
        .as_deref()
        .or(problem.title.as_deref())
        .unwrap_or("access denied");
    format!(
        "amoCRM refused this request ({said}); the token's user lacks the right to read this \
         data: use a token of an account administrator"
    )
}

/// Whether a response is JSON, by its `Content-Type` or, without one, by its first byte.
fn is_json(headers: &HeaderMap, body_prefix: &[u8]) -> bool {
    match headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
        Some(ct) => ct.to_ascii_lowercase().contains("json"),
        None => body_prefix
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'{' || *b == b'['),
    }
}

/// Maps a non-2xx answer onto a [`Failure`]: the only place that reads statuses.
///
/// `body_prefix` is the start of the body (at most a few KB); only safe parts of it are kept.
pub(crate) fn classify(status: u16, headers: &HeaderMap, body_prefix: &[u8]) -> Failure {
    let retry_after = headers.get(RETRY_AFTER).and_then(|v| v.to_str().ok());
    match classify_status(status, retry_after, Utc::now()) {
        StatusClass::Unauthenticated => Failure::Unauthenticated(
            is_json(headers, body_prefix).then(|| Problem::parse(status, body_prefix)),
        ),
        StatusClass::PaymentRequired => Failure::PaymentRequired,
        StatusClass::Forbidden if is_json(headers, body_prefix) => {
            Failure::Forbidden(Problem::parse(status, body_prefix))
        }
        StatusClass::Forbidden => Failure::AccountBlocked,
        StatusClass::Rejected => Failure::Rejected(Problem::parse(status, body_prefix)),
        StatusClass::Failure(f) => Failure::Http(f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(ct: Option<&str>, retry_after: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(ct) = ct {
            h.insert(CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
        }
        if let Some(r) = retry_after {
            h.insert(RETRY_AFTER, HeaderValue::from_str(r).unwrap());
        }
        h
    }

    const PROBLEM: &str = "application/problem+json";
    const HTML: &str = "text/html; charset=utf-8";

    #[test]
    fn every_status_maps_to_the_documented_variant() {
        let json_403 = br#"{"title":"Forbidden","status":403,"detail":"No rights"}"#;
        let html = b"<html><body><center><h1>403 Forbidden</h1></center>nginx</body></html>";
        let html_429 = b"<html><head><title>429 Too Many Requests</title></head></html>";
        type Row<'a> = (u16, Option<&'a str>, Option<&'a str>, &'a [u8], &'a str);
        let table: Vec<Row<'_>> = vec![
            (
                401,
                Some(PROBLEM),
                None,
                br#"{"title":"Unauthorized"}"#,
                "unauthenticated",
            ),
            (401, None, None, b"", "unauthenticated"),
            (402, Some(PROBLEM), None, b"{}", "unpaid"),
            (403, Some(PROBLEM), None, json_403, "forbidden"),
            (403, None, None, json_403, "forbidden"),
            (403, Some(HTML), None, html, "blocked"),
            (403, None, None, html, "blocked"),
            (403, None, None, b"", "blocked"),
            (404, Some(PROBLEM), None, b"{}", "not_found"),
            (429, Some(HTML), None, html_429, "rate_limited:none"),
            (429, None, Some("7"), b"", "rate_limited:7"),
            (429, Some(PROBLEM), Some("2"), b"{}", "rate_limited:2"),
            (429, Some(HTML), Some("soon"), html_429, "rate_limited:none"),
            (408, None, None, b"", "unavailable"),
            (500, Some(HTML), None, b"<html>", "unavailable"),
            (502, None, None, b"", "unavailable"),
            (503, None, None, b"", "unavailable"),
            (504, None, None, b"", "unavailable"),
            (400, Some(PROBLEM), None, b"{}", "rejected"),
            (422, Some(PROBLEM), None, b"{}", "rejected"),
            (418, None, None, b"", "other:418"),
        ];
        for (status, ct, ra, body, want) in table {
            let got = match classify(status, &headers(ct, ra), body) {
                Failure::Unauthenticated(_) => "unauthenticated".to_owned(),
                Failure::PaymentRequired => "unpaid".to_owned(),
                Failure::Forbidden(_) => "forbidden".to_owned(),
                Failure::AccountBlocked => "blocked".to_owned(),
                Failure::Http(HttpFailure::NotFound) => "not_found".to_owned(),
                Failure::Http(HttpFailure::RateLimited(r)) => format!(
                    "rate_limited:{}",
                    r.map_or("none".to_owned(), |d| d.as_secs().to_string())
                ),
                Failure::Http(HttpFailure::Unavailable(_)) => "unavailable".to_owned(),
                Failure::Rejected(_) => "rejected".to_owned(),
                Failure::Http(HttpFailure::Status(s)) => format!("other:{s}"),
                other => format!("{other:?}"),
            };
            assert_eq!(got, want, "status {status} ct {ct:?} retry-after {ra:?}");
        }
    }

    #[test]
    fn retry_after_as_an_http_date_is_honoured() {
        let at = (Utc::now() + chrono::Duration::seconds(30)).to_rfc2822();
        match classify(429, &headers(None, Some(&at)), b"") {
            Failure::Http(HttpFailure::RateLimited(Some(d))) => {
                assert!(d.as_secs() >= 28 && d.as_secs() <= 30)
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn validation_errors_keep_paths_and_codes_only() {
        let body = br#"{"title":"Bad Request","type":"https://httpstatus.es/400","status":400,
            "detail":"Request validation failed","validation-errors":[{"request_id":"0","errors":[
            {"code":"NotSupportedChoice","path":"custom_fields_values.0.field_id","detail":"+7 900 000-00-00"}]}]}"#;
        let Failure::Rejected(p) = classify(400, &headers(Some(PROBLEM), None), body) else {
            panic!("not rejected");
        };
        assert_eq!(
            p.validation,
            ["custom_fields_values.0.field_id: NotSupportedChoice"]
        );
        let text = p.to_string();
        assert!(text.contains("Request validation failed"), "{text}");
        assert!(
            !text.contains("+7 900"),
            "values never reach the error: {text}"
        );
    }

    #[test]
    fn the_block_and_unpaid_reasons_tell_the_user_what_to_do() {
        let blocked = Failure::AccountBlocked.into_source("GET /api/v4/leads");
        assert!(!blocked.is_retryable());
        let text = blocked.to_string();
        assert!(
            text.contains("blocked") && text.contains("support"),
            "{text}"
        );
        let unpaid = Failure::PaymentRequired.into_source("GET /api/v4/leads");
        assert!(unpaid.to_string().contains("not paid"));
        let denied = Failure::Forbidden(Problem {
            status: 403,
            detail: Some("No rights".into()),
            ..Problem::default()
        })
        .into_source("GET /api/v4/users");
        assert!(denied.to_string().contains("administrator"), "{denied}");
    }
}
