//! The failures of an HTTP request that every source adapter names the same way, and their
//! conversion to [`SourceError`]: what a status says ([`classify_status`]: 401, 402, 403, 404, 429
//! with its `Retry-After`, 408 and 5xx, 400 and 422), transport failures such as timeouts and
//! resets ([`HttpFailure::transport`]), and JSON bodies that do not decode ([`decode_json`]).
//!
//! No HTTP types: an adapter passes the status as a number and the `Retry-After` header as text,
//! so core depends on no HTTP client. What a body says (a 401's reason, a 403's page, a 422's
//! field errors) is the adapter's to read; nothing here keeps a body: a decode failure holds the
//! JSON path and the body's length, a status failure the status.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;

use crate::error::{BoxError, SourceError};
use crate::retry::parse_retry_after;

/// A failed request that every adapter names the same way. Adapters wrap it in their own failure
/// type next to what only they can tell (a blocked account, a refused token grant, …).
#[derive(Debug)]
#[non_exhaustive]
pub enum HttpFailure {
    /// 404, or an empty answer where one item was asked for.
    NotFound,
    /// 429, with the `Retry-After` wait when the server sent one.
    RateLimited(Option<Duration>),
    /// 408, 5xx, connect errors, timeouts, resets, truncated bodies: another attempt may succeed.
    /// The source must not hold a credential (send a URL that carries one without it).
    Unavailable(Option<BoxError>),
    /// A 2xx body that does not match the schema: the JSON path of the first misfit and the
    /// body's length, never the body.
    Decode {
        /// JSON path of the offending value, e.g. `items[1].id`.
        path: String,
        /// Length of the body in bytes.
        body_len: usize,
    },
    /// Any status no other rule covers.
    Status(u16),
}

impl HttpFailure {
    /// A transport failure (connect error, timeout, reset, a body cut off while reading): the
    /// source is unavailable.
    pub fn transport(err: impl Into<BoxError>) -> Self {
        Self::Unavailable(Some(err.into()))
    }

    /// A `status` that says the source is unavailable for now (408, 5xx), with the status as the
    /// source of the failure.
    #[must_use]
    pub fn unavailable_status(status: u16) -> Self {
        Self::Unavailable(Some(Box::new(HttpStatus(status))))
    }

    /// Whether the request may be sent again.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::RateLimited(_) | Self::Unavailable(_))
    }

    /// The wait the server asked for.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited(r) => *r,
            _ => None,
        }
    }

    /// Names the failure for the engine: `backend` is e.g. `amocrm`, `operation` e.g.
    /// `GET /api/v4/leads`.
    #[must_use]
    pub fn into_source(self, backend: &'static str, operation: String) -> SourceError {
        match self {
            Self::NotFound => SourceError::NotFound { backend, operation },
            Self::RateLimited(retry_after) => SourceError::RateLimited {
                backend,
                operation,
                retry_after,
            },
            Self::Unavailable(source) => SourceError::Unavailable {
                backend,
                operation,
                source,
            },
            Self::Decode { path, body_len } => SourceError::Decode {
                backend,
                operation,
                path,
                body_len,
            },
            Self::Status(status) => SourceError::Other {
                backend,
                operation,
                source: Box::new(HttpStatus(status)),
            },
        }
    }
}

/// What a non-2xx status says before the adapter reads the body. Exhaustive on purpose: a new
/// class is one every adapter has to handle.
#[derive(Debug)]
pub enum StatusClass {
    /// 401: the credentials were refused.
    Unauthenticated,
    /// 402: the account is not paid.
    PaymentRequired,
    /// 403: access is denied.
    Forbidden,
    /// 400 or 422: the request is wrong; sending it again does not help.
    Rejected,
    /// Every other status, named without the body: 404, 429, 408 and 5xx, anything else.
    Failure(HttpFailure),
}

/// Classifies a non-2xx `status`. `retry_after` is the raw `Retry-After` header, read only for a
/// 429, as delta seconds or an HTTP date relative to `now`; an unreadable one is no wait.
#[must_use]
pub fn classify_status(status: u16, retry_after: Option<&str>, now: DateTime<Utc>) -> StatusClass {
    match status {
        401 => StatusClass::Unauthenticated,
        402 => StatusClass::PaymentRequired,
        403 => StatusClass::Forbidden,
        400 | 422 => StatusClass::Rejected,
        404 => StatusClass::Failure(HttpFailure::NotFound),
        429 => StatusClass::Failure(HttpFailure::RateLimited(
            retry_after.and_then(|v| parse_retry_after(v, now)),
        )),
        408 | 500 | 502 | 503 | 504 => {
            StatusClass::Failure(HttpFailure::unavailable_status(status))
        }
        s => StatusClass::Failure(HttpFailure::Status(s)),
    }
}

/// A JSON body that did not decode: where, and how long the body was, never the body itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MalformedBody {
    /// JSON path of the first value that does not fit, e.g. `items[1].id`.
    pub path: String,
    /// Length of the body in bytes.
    pub body_len: usize,
    /// Whether the JSON stopped in the middle, as a truncated transfer does.
    pub ended_early: bool,
}

impl MalformedBody {
    /// The failure it is when a body that ended early counts as a truncated transfer
    /// ([`HttpFailure::Unavailable`], so retried) and anything else as a schema mismatch
    /// ([`HttpFailure::Decode`]).
    #[must_use]
    pub fn into_failure(self) -> HttpFailure {
        if self.ended_early {
            HttpFailure::Unavailable(Some(Box::new(TruncatedBody {
                body_len: self.body_len,
            })))
        } else {
            self.into_decode()
        }
    }

    /// The failure as a schema mismatch ([`HttpFailure::Decode`]), whether or not the body ended
    /// early.
    #[must_use]
    pub fn into_decode(self) -> HttpFailure {
        HttpFailure::Decode {
            path: self.path,
            body_len: self.body_len,
        }
    }
}

/// Decodes a JSON body into `T`, naming the path of the first value that does not fit. What
/// follows the first JSON value is not read.
///
/// # Errors
///
/// [`MalformedBody`] when `body` is not JSON of the shape of `T`, with `ended_early` when the
/// JSON stopped in the middle.
pub fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, MalformedBody> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize::<_, T>(&mut de).map_err(|e| MalformedBody {
        path: e.path().to_string(),
        body_len: body.len(),
        ended_early: e.inner().is_eof(),
    })
}

/// An HTTP status as the source of a failure: of an unavailable source, or a status no rule covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct HttpStatus(u16);

impl fmt::Display for HttpStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP status {}", self.0)
    }
}

impl std::error::Error for HttpStatus {}

/// A response body that was cut short (the JSON ended early).
#[derive(Debug, Clone, Copy)]
struct TruncatedBody {
    body_len: usize,
}

impl fmt::Display for TruncatedBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the response body ended early after {} bytes",
            self.body_len
        )
    }
}

impl std::error::Error for TruncatedBody {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::chain;

    fn now() -> DateTime<Utc> {
        "2026-01-01T00:00:00Z".parse().unwrap()
    }

    /// A label of the class, with the wait of a 429 in seconds.
    fn label(c: &StatusClass) -> String {
        match c {
            StatusClass::Unauthenticated => "unauthenticated".into(),
            StatusClass::PaymentRequired => "payment_required".into(),
            StatusClass::Forbidden => "forbidden".into(),
            StatusClass::Rejected => "rejected".into(),
            StatusClass::Failure(HttpFailure::NotFound) => "not_found".into(),
            StatusClass::Failure(HttpFailure::RateLimited(r)) => format!(
                "rate_limited:{}",
                r.map_or("none".to_owned(), |d| d.as_secs().to_string())
            ),
            StatusClass::Failure(HttpFailure::Unavailable(_)) => "unavailable".into(),
            StatusClass::Failure(HttpFailure::Status(s)) => format!("status:{s}"),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn every_status_maps_to_its_class() {
        let table: &[(u16, Option<&str>, &str)] = &[
            (400, None, "rejected"),
            (401, None, "unauthenticated"),
            (402, None, "payment_required"),
            (403, None, "forbidden"),
            (404, None, "not_found"),
            (408, None, "unavailable"),
            (418, None, "status:418"),
            (422, None, "rejected"),
            (425, None, "status:425"),
            (429, None, "rate_limited:none"),
            (429, Some("7"), "rate_limited:7"),
            (429, Some(" 2 "), "rate_limited:2"),
            (
                429,
                Some("Thu, 01 Jan 2026 00:00:30 GMT"),
                "rate_limited:30",
            ),
            (429, Some("Wed, 31 Dec 2025 23:00:00 GMT"), "rate_limited:0"),
            (429, Some("soon"), "rate_limited:none"),
            (500, None, "unavailable"),
            (501, None, "status:501"),
            (502, None, "unavailable"),
            (503, Some("7"), "unavailable"),
            (504, None, "unavailable"),
        ];
        for (status, retry_after, want) in table {
            let got = label(&classify_status(*status, *retry_after, now()));
            assert_eq!(got, *want, "status {status}, Retry-After {retry_after:?}");
        }
    }

    #[test]
    fn failures_become_source_errors_of_the_same_kind() {
        let op = || "GET /api/v4/leads".to_owned();
        let table: Vec<(HttpFailure, &str, bool, Option<u64>, &str)> = vec![
            (
                HttpFailure::NotFound,
                "not_found",
                false,
                None,
                "amocrm: not found on GET /api/v4/leads",
            ),
            (
                HttpFailure::RateLimited(Some(Duration::from_secs(3))),
                "rate_limited",
                true,
                Some(3),
                "amocrm: rate limited on GET /api/v4/leads",
            ),
            (
                HttpFailure::unavailable_status(502),
                "unavailable",
                true,
                None,
                "amocrm: unavailable on GET /api/v4/leads: HTTP status 502",
            ),
            (
                HttpFailure::transport("connection reset"),
                "unavailable",
                true,
                None,
                "amocrm: unavailable on GET /api/v4/leads: connection reset",
            ),
            (
                HttpFailure::Decode {
                    path: "items[1].id".into(),
                    body_len: 31,
                },
                "decode",
                false,
                None,
                "amocrm: cannot decode the response of GET /api/v4/leads at `items[1].id` \
                 (31 bytes)",
            ),
            (
                HttpFailure::Status(418),
                "other",
                false,
                None,
                "amocrm: GET /api/v4/leads failed: HTTP status 418",
            ),
        ];
        for (failure, kind, retryable, after, text) in table {
            assert_eq!(failure.is_retryable(), retryable, "{failure:?}");
            let wait = failure.retry_after();
            let e = failure.into_source("amocrm", op());
            assert_eq!(
                (e.kind(), e.backend(), e.is_retryable()),
                (kind, "amocrm", retryable)
            );
            assert_eq!(e.retry_after(), wait);
            assert_eq!(e.retry_after().map(|d| d.as_secs()), after);
            assert_eq!(chain(&e), text);
        }
    }

    #[derive(serde::Deserialize, Debug)]
    struct Row {
        #[allow(dead_code)]
        id: i64,
    }

    #[test]
    fn a_malformed_body_names_the_path_and_size_and_never_its_values() {
        let bad = br#"[{"id":1},{"id":"token-s3cr3t"}]"#;
        let err = decode_json::<Vec<Row>>(bad).unwrap_err();
        assert_eq!(
            err,
            MalformedBody {
                path: "[1].id".into(),
                body_len: bad.len(),
                ended_early: false,
            }
        );
        let failure = err.clone().into_failure();
        assert!(!failure.is_retryable());
        let debug = format!("{failure:?} {err:?}");
        assert!(!debug.contains("s3cr3t"), "{debug}");
        assert_eq!(
            chain(&failure.into_source("amocrm", "GET /api/v4/leads".into())),
            format!(
                "amocrm: cannot decode the response of GET /api/v4/leads at `[1].id` ({} \
                 bytes)",
                bad.len()
            )
        );
        assert!(matches!(
            err.into_decode(),
            HttpFailure::Decode { path, body_len } if path == "[1].id" && body_len == bad.len()
        ));
    }

    #[test]
    fn a_body_that_ends_early_is_a_truncated_transfer_or_a_decode_failure() {
        let cut = br#"[{"id":1},{"id""#;
        let err = decode_json::<Vec<Row>>(cut).unwrap_err();
        assert!(err.ended_early, "{err:?}");
        let failure = err.clone().into_failure();
        assert!(failure.is_retryable(), "{failure:?}");
        assert_eq!(
            chain(&failure.into_source("amocrm", "GET /api/v4/leads".into())),
            format!(
                "amocrm: unavailable on GET /api/v4/leads: the response body ended early after \
                 {} bytes",
                cut.len()
            )
        );
        assert!(!err.into_decode().is_retryable());
        let ok: Vec<Row> = decode_json(br#"[{"id":1}] trailing"#).unwrap();
        assert_eq!(ok.len(), 1);
    }
}
