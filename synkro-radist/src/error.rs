//! The adapter's private failure type, the one `classify` function that maps an HTTP answer onto
//! it, and the conversion to [`SourceError`] at the trait boundary. The statuses, transport
//! failures and decode failures every source shares are [`HttpFailure`]s.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use synkro_core::error::SourceError;
use synkro_core::source::http_failure::{HttpFailure, StatusClass, classify_status};

use crate::dto::{Detail, ErrorBody};

/// The backend name in every error.
pub(crate) const BACKEND: &str = "radist";

/// The field errors of a 422 answer: which parameter and what was wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationDetails {
    /// The HTTP status (422, or 400).
    pub status: u16,
    /// `loc: msg` per field, e.g. `query.chat_id: field required`.
    pub fields: Vec<String>,
}

impl fmt::Display for ValidationDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "radist refused the request ({})", self.status)?;
        if !self.fields.is_empty() {
            write!(f, ": {}", self.fields.join("; "))?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationDetails {}

/// What went wrong with one request, before it is named for the engine.
#[derive(Debug)]
pub(crate) enum Failure {
    /// 401.
    Unauthenticated,
    /// 402 / 403, with the server's `detail` when it is short text.
    Forbidden(String),
    /// 400 / 422 with the field errors.
    Rejected(ValidationDetails),
    /// 404, 429, 408, 425, 5xx, connect errors, timeouts, resets, body read errors, 2xx bodies
    /// that do not match the schema, and any other status.
    Http(HttpFailure),
}

impl Failure {
    pub(crate) fn is_retryable(&self) -> bool {
        matches!(self, Self::Http(f) if f.is_retryable())
    }

    pub(crate) fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Http(f) => f.retry_after(),
            _ => None,
        }
    }

    /// Names the failure for the engine; `operation` is a path template such as
    /// `GET /companies/{company_id}/messaging/messages/`.
    pub(crate) fn into_source(self, operation: &str) -> SourceError {
        let operation = operation.to_owned();
        match self {
            Self::Unauthenticated => SourceError::Unauthenticated {
                backend: BACKEND,
                operation,
            },
            Self::Forbidden(reason) => SourceError::Forbidden {
                backend: BACKEND,
                operation,
                reason,
            },
            Self::Rejected(details) => SourceError::Other {
                backend: BACKEND,
                operation,
                source: Box::new(details),
            },
            Self::Http(f) => f.into_source(BACKEND, operation),
        }
    }
}

/// The `detail` of an error body as one short line, when it is text (FastAPI's
/// `{"detail": "Not enough permissions"}`); never the raw body.
fn detail_text(body: &[u8]) -> Option<String> {
    match serde_json::from_slice::<ErrorBody>(body).ok()?.detail? {
        Detail::Text(t) => Some(t.chars().take(200).collect()),
        _ => None,
    }
}

fn validation_fields(body: &[u8]) -> Vec<String> {
    let Some(detail) = serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .and_then(|b| b.detail)
    else {
        return Vec::new();
    };
    match detail {
        Detail::Items(items) => items
            .into_iter()
            .map(|i| {
                let loc: Vec<String> = i
                    .loc
                    .iter()
                    .map(|v| match v {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect();
                format!("{}: {}", loc.join("."), i.msg)
            })
            .collect(),
        Detail::Text(t) => vec![t.chars().take(200).collect()],
        Detail::Other(_) => Vec::new(),
    }
}

/// Maps a non-2xx answer onto a [`Failure`]: the only place that reads statuses.
/// `retry_after` is the raw `Retry-After` header; `body_prefix` the start of the body.
pub(crate) fn classify(
    status: u16,
    retry_after: Option<&str>,
    body_prefix: &[u8],
    now: DateTime<Utc>,
) -> Failure {
    if status == 425 {
        // 425 Too Early: unavailable for now, as 408 and 5xx are for every source.
        return Failure::Http(HttpFailure::unavailable_status(status));
    }
    match classify_status(status, retry_after, now) {
        StatusClass::Unauthenticated => Failure::Unauthenticated,
        StatusClass::PaymentRequired | StatusClass::Forbidden => {
            Failure::Forbidden(detail_text(body_prefix).unwrap_or_else(|| {
                "the API key lacks a scope or permission for this call; give the key the \
                 `messaging` and `connections` scopes in Radist"
                    .to_owned()
            }))
        }
        StatusClass::Rejected => Failure::Rejected(ValidationDetails {
            status,
            fields: validation_fields(body_prefix),
        }),
        StatusClass::Failure(f) => Failure::Http(f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_maps_to_the_documented_variant() {
        let now: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        let op = "GET /companies/{company_id}/messaging/messages/";
        /// status, Retry-After, body, kind, retryable, retry_after seconds.
        type Row<'a> = (u16, Option<&'a str>, &'a [u8], &'a str, bool, Option<u64>);
        let table: &[Row<'_>] = &[
            (401, None, b"", "unauthenticated", false, None),
            (403, None, br#"{"detail":"Not enough permissions"}"#, "forbidden", false, None),
            (402, None, b"", "forbidden", false, None),
            (404, None, b"", "not_found", false, None),
            (429, Some("7"), b"", "rate_limited", true, Some(7)),
            (429, None, b"<html>", "rate_limited", true, None),
            (429, Some("Thu, 01 Jan 2026 00:00:30 GMT"), b"", "rate_limited", true, Some(30)),
            (408, None, b"", "unavailable", true, None),
            (425, None, b"", "unavailable", true, None),
            (500, None, b"", "unavailable", true, None),
            (502, None, b"", "unavailable", true, None),
            (503, None, b"", "unavailable", true, None),
            (504, None, b"", "unavailable", true, None),
            (422, None, br#"{"detail":[{"loc":["query","chat_id"],"msg":"field required","type":"missing"}]}"#, "other", false, None),
            (400, None, b"", "other", false, None),
            (418, None, b"", "other", false, None),
        ];
        for (status, ra, body, kind, retryable, after) in table {
            let f = classify(*status, *ra, body, now);
            assert_eq!(f.is_retryable(), *retryable, "{status}");
            let e = f.into_source(op);
            assert_eq!(e.kind(), *kind, "{status}");
            assert_eq!(e.retry_after().map(|d| d.as_secs()), *after, "{status}");
            assert_eq!(e.backend(), "radist");
        }
    }

    #[test]
    fn validation_errors_name_the_field_and_forbidden_keeps_the_reason() {
        let now = Utc::now();
        let body =
            br#"{"detail":[{"loc":["query","chat_id"],"msg":"field required","type":"missing"}]}"#;
        let e = classify(422, None, body, now).into_source("GET /x");
        let chain = synkro_core::error::chain(&e);
        assert!(chain.contains("query.chat_id: field required"), "{chain}");
        let e = classify(403, None, br#"{"detail":"Not enough permissions"}"#, now)
            .into_source("GET /x");
        assert!(e.to_string().contains("Not enough permissions"), "{e}");
        let e = classify(403, None, b"<html>blocked</html>", now).into_source("GET /x");
        assert!(e.to_string().contains("scope"), "{e}");
    }
}
