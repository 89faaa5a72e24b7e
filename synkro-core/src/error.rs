//! Errors of every layer, shared by the engine and the adapters.
//!
//! One `#[non_exhaustive]` enum per layer. Each has `kind()`, a stable snake_case label used in run
//! events and metrics, and `is_retryable()`. `Display` never repeats the source error: print the
//! whole chain with [`chain`]. No variant ever holds a secret or a response body.

use std::error::Error as StdError;
use std::fmt::Write as _;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// A boxed, thread-safe error used as the `#[source]` of transport and driver failures, so that
/// core depends on no HTTP or database crate.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Renders an error and its whole `source()` chain as `outer: inner: innermost`.
///
/// Use it wherever an error is shown to a person (run events, the CLI, logs).
#[must_use]
pub fn chain(err: &(dyn StdError + 'static)) -> String {
    let mut out = err.to_string();
    let mut cur = err.source();
    while let Some(e) = cur {
        let _ = write!(out, ": {e}");
        cur = e.source();
    }
    out
}

/// A failure of a CRM or messenger source.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The credentials were refused (bad or expired token, bad API key).
    #[error("{backend}: authentication failed on {operation}; check the integration's credentials")]
    Unauthenticated {
        /// Source backend, e.g. `amocrm`.
        backend: &'static str,
        /// The operation that failed, e.g. `GET /api/v4/leads`.
        operation: String,
    },
    /// Access is denied, including a blocked account.
    #[error("{backend}: access denied on {operation}: {reason}")]
    Forbidden {
        /// Source backend.
        backend: &'static str,
        /// The operation that failed.
        operation: String,
        /// What the source said, in words a user can act on.
        reason: String,
    },
    /// The resource does not exist (wrong subdomain, wrong company id, deleted entity).
    #[error("{backend}: not found on {operation}")]
    NotFound {
        /// Source backend.
        backend: &'static str,
        /// The operation that failed.
        operation: String,
    },
    /// The source's rate limit was hit and the retry budget is spent.
    #[error("{backend}: rate limited on {operation}")]
    RateLimited {
        /// Source backend.
        backend: &'static str,
        /// The operation that failed.
        operation: String,
        /// How long the source asked to wait, if it said.
        retry_after: Option<Duration>,
    },
    /// The source is temporarily unreachable: 5xx, timeout, connection reset, truncated body.
    #[error("{backend}: unavailable on {operation}")]
    Unavailable {
        /// Source backend.
        backend: &'static str,
        /// The operation that failed.
        operation: String,
        /// The transport failure.
        #[source]
        source: Option<BoxError>,
    },
    /// A response could not be decoded. Holds the JSON path and body size, never the body.
    #[error("{backend}: cannot decode the response of {operation} at `{path}` ({body_len} bytes)")]
    Decode {
        /// Source backend.
        backend: &'static str,
        /// The operation that failed.
        operation: String,
        /// JSON path of the offending value.
        path: String,
        /// Length of the body in bytes.
        body_len: usize,
    },
    /// The adapter is misconfigured.
    #[error("{backend}: invalid configuration")]
    InvalidConfig {
        /// Source backend.
        backend: &'static str,
        /// What is wrong.
        #[source]
        source: ConfigError,
    },
    /// The source does not support this operation.
    #[error("{backend}: {operation} is not supported by this source")]
    Unsupported {
        /// Source backend.
        backend: &'static str,
        /// The operation that was asked for.
        operation: String,
    },
    /// Anything else.
    #[error("{backend}: {operation} failed")]
    Other {
        /// Source backend.
        backend: &'static str,
        /// The operation that failed.
        operation: String,
        /// The underlying error.
        #[source]
        source: BoxError,
    },
}

impl SourceError {
    /// The backend that produced the error.
    #[must_use]
    pub fn backend(&self) -> &'static str {
        match self {
            Self::Unauthenticated { backend, .. }
            | Self::Forbidden { backend, .. }
            | Self::NotFound { backend, .. }
            | Self::RateLimited { backend, .. }
            | Self::Unavailable { backend, .. }
            | Self::Decode { backend, .. }
            | Self::InvalidConfig { backend, .. }
            | Self::Unsupported { backend, .. }
            | Self::Other { backend, .. } => backend,
        }
    }

    /// A stable snake_case label.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Unauthenticated { .. } => "unauthenticated",
            Self::Forbidden { .. } => "forbidden",
            Self::NotFound { .. } => "not_found",
            Self::RateLimited { .. } => "rate_limited",
            Self::Unavailable { .. } => "unavailable",
            Self::Decode { .. } => "decode",
            Self::InvalidConfig { .. } => "invalid_config",
            Self::Unsupported { .. } => "unsupported",
            Self::Other { .. } => "other",
        }
    }

    /// Whether trying again later may succeed.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::RateLimited { .. } | Self::Unavailable { .. })
    }

    /// The wait the source asked for, if any.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// A failure of a storage backend.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database is temporarily unavailable (pool timeout, I/O, busy, serialization failure).
    #[error("store unavailable during {operation}")]
    Unavailable {
        /// The store operation.
        operation: &'static str,
        /// The driver error.
        #[source]
        source: BoxError,
    },
    /// A record that must exist does not (for this tenant).
    #[error("{what} not found")]
    NotFound {
        /// What was looked for, e.g. `run 42 of tenant 7`.
        what: String,
    },
    /// A uniqueness rule was violated.
    #[error("conflict: {what}")]
    Conflict {
        /// What collided.
        what: String,
    },
    /// A stored row could not be decoded.
    #[error("corrupt stored data: {what}")]
    Corrupt {
        /// Which row and field.
        what: String,
    },
    /// A sealed secret could not be opened or sealed.
    #[error("secret of {what} cannot be opened; re-enter it or check the key ring")]
    Crypto {
        /// Which tenant and integration.
        what: String,
    },
    /// A migration failed.
    #[error("migration failed")]
    Migration {
        /// The driver error.
        #[source]
        source: BoxError,
    },
    /// Anything else.
    #[error("store operation {operation} failed")]
    Other {
        /// The store operation.
        operation: &'static str,
        /// The underlying error.
        #[source]
        source: BoxError,
    },
}

impl StoreError {
    /// A stable snake_case label.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Unavailable { .. } => "store_unavailable",
            Self::NotFound { .. } => "not_found",
            Self::Conflict { .. } => "conflict",
            Self::Corrupt { .. } => "corrupt",
            Self::Crypto { .. } => "crypto",
            Self::Migration { .. } => "migration",
            Self::Other { .. } => "store_other",
        }
    }

    /// Whether trying again later may succeed.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }
}

/// A failure of an LLM analyzer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnalyzeError {
    /// The API key was refused.
    #[error("{backend}: authentication failed; check the AI integration's API key")]
    Unauthenticated {
        /// Analyzer backend.
        backend: &'static str,
    },
    /// The account's quota is spent.
    #[error("{backend}: quota exceeded")]
    QuotaExceeded {
        /// Analyzer backend.
        backend: &'static str,
    },
    /// Rate limited.
    #[error("{backend}: rate limited")]
    RateLimited {
        /// Analyzer backend.
        backend: &'static str,
        /// How long the provider asked to wait.
        retry_after: Option<Duration>,
    },
    /// The provider is unavailable.
    #[error("{backend}: unavailable")]
    Unavailable {
        /// Analyzer backend.
        backend: &'static str,
        /// The transport failure.
        #[source]
        source: Option<BoxError>,
    },
    /// The model refused (safety block).
    #[error("{backend}: the model refused to answer")]
    Refused {
        /// Analyzer backend.
        backend: &'static str,
    },
    /// The output did not match the expected schema.
    #[error("{backend}: invalid model output at `{path}`")]
    InvalidOutput {
        /// Analyzer backend.
        backend: &'static str,
        /// JSON path of the mismatch.
        path: String,
    },
    /// Misconfigured analyzer.
    #[error("{backend}: invalid configuration")]
    InvalidConfig {
        /// Analyzer backend.
        backend: &'static str,
        /// What is wrong.
        #[source]
        source: ConfigError,
    },
    /// Anything else.
    #[error("{backend}: analysis failed")]
    Other {
        /// Analyzer backend.
        backend: &'static str,
        /// The underlying error.
        #[source]
        source: BoxError,
    },
}

impl AnalyzeError {
    /// A stable snake_case label.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Unauthenticated { .. } => "unauthenticated",
            Self::QuotaExceeded { .. } => "quota_exceeded",
            Self::RateLimited { .. } => "rate_limited",
            Self::Unavailable { .. } => "unavailable",
            Self::Refused { .. } => "refused",
            Self::InvalidOutput { .. } => "invalid_output",
            Self::InvalidConfig { .. } => "invalid_config",
            Self::Other { .. } => "other",
        }
    }

    /// Whether trying again later may succeed.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::RateLimited { .. } | Self::Unavailable { .. })
    }
}

/// A failure of a notifier (report delivery).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// The bot token was refused.
    #[error("{backend}: authentication failed; check the bot token")]
    Unauthenticated {
        /// Notifier backend.
        backend: &'static str,
    },
    /// The bot was blocked or removed from the chat.
    #[error("{backend}: the bot may not write to this chat")]
    Forbidden {
        /// Notifier backend.
        backend: &'static str,
    },
    /// The destination chat does not exist.
    #[error("{backend}: chat not found")]
    ChatNotFound {
        /// Notifier backend.
        backend: &'static str,
    },
    /// Rate limited.
    #[error("{backend}: rate limited")]
    RateLimited {
        /// Notifier backend.
        backend: &'static str,
        /// How long the provider asked to wait.
        retry_after: Option<Duration>,
    },
    /// The provider is unavailable; the message may or may not have been delivered.
    #[error("{backend}: unavailable")]
    Unavailable {
        /// Notifier backend.
        backend: &'static str,
        /// Whether the request may have reached the provider.
        maybe_delivered: bool,
        /// The transport failure.
        #[source]
        source: Option<BoxError>,
    },
    /// The provider rejected the message.
    #[error("{backend}: message rejected: {description}")]
    Rejected {
        /// Notifier backend.
        backend: &'static str,
        /// The provider's description.
        description: String,
    },
    /// Anything else.
    #[error("{backend}: delivery failed")]
    Other {
        /// Notifier backend.
        backend: &'static str,
        /// The underlying error.
        #[source]
        source: BoxError,
    },
}

impl NotifyError {
    /// A stable snake_case label.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Unauthenticated { .. } => "unauthenticated",
            Self::Forbidden { .. } => "forbidden",
            Self::ChatNotFound { .. } => "chat_not_found",
            Self::RateLimited { .. } => "rate_limited",
            Self::Unavailable { .. } => "unavailable",
            Self::Rejected { .. } => "rejected",
            Self::Other { .. } => "other",
        }
    }

    /// Whether trying again later may succeed.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::RateLimited { .. } | Self::Unavailable { .. })
    }
}

/// A configuration value is missing or invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required value is absent.
    #[error("`{field}` is required")]
    Missing {
        /// The configuration key.
        field: String,
    },
    /// A value is present but unusable.
    #[error("`{field}` is invalid: {reason}")]
    Invalid {
        /// The configuration key.
        field: String,
        /// What is wrong and what is accepted.
        reason: String,
    },
    /// An integration kind no connector knows.
    #[error("unknown integration kind `{kind}`")]
    UnknownKind {
        /// The kind as configured.
        kind: String,
    },
}

impl ConfigError {
    /// Shorthand for [`ConfigError::Invalid`].
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`ConfigError::Missing`].
    pub fn missing(field: impl Into<String>) -> Self {
        Self::Missing {
            field: field.into(),
        }
    }
}

/// A requested report window is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WindowError {
    /// The end is not after the start.
    #[error("window end {end} is not after its start {start}")]
    EndBeforeStart {
        /// Requested start.
        start: DateTime<Utc>,
        /// Requested end.
        end: DateTime<Utc>,
    },
    /// The window is longer than the tenant allows.
    #[error(
        "window of {hours} h is longer than the allowed {max_hours} h; split it into shorter runs"
    )]
    TooLong {
        /// Requested length in whole hours (rounded up).
        hours: i64,
        /// The limit (`max_force_window_hours`).
        max_hours: u32,
    },
    /// The window starts further back than the tenant allows.
    #[error(
        "window start {start} is more than {max_days} days ago; the earliest allowed start is {earliest}"
    )]
    TooOld {
        /// Requested start.
        start: DateTime<Utc>,
        /// The limit (`max_force_lookback_days`).
        max_days: u32,
        /// The earliest acceptable start at the time of the check.
        earliest: DateTime<Utc>,
    },
    /// The window ends in the future, so its data is not complete yet.
    #[error("window end {end} is in the future (now {now}); choose an end in the past")]
    InFuture {
        /// Requested end.
        end: DateTime<Utc>,
        /// The time of the check.
        now: DateTime<Utc>,
    },
    /// The knowledge cut-off lies in the future: a re-run with it would not give the same numbers.
    #[error(
        "as_of {as_of} is in the future (now {now}); choose an instant in the past, or none for the run's start"
    )]
    AsOfInFuture {
        /// Requested cut-off.
        as_of: DateTime<Utc>,
        /// The time of the check.
        now: DateTime<Utc>,
    },
    /// The knowledge cut-off lies before the window: nothing in the window would be known.
    #[error("as_of {as_of} is before the window start {start}; choose an instant at or after it")]
    AsOfBeforeStart {
        /// Requested cut-off.
        as_of: DateTime<Utc>,
        /// The window's start.
        start: DateTime<Utc>,
    },
}

/// A failure of a pipeline run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// A source failed in a step and no stored data could stand in for it.
    #[error("step `{step}` failed and there is no stored data to fall back on")]
    Source {
        /// The step, e.g. `sync.amocrm`.
        step: String,
        /// The source failure.
        #[source]
        source: SourceError,
    },
    /// The store failed.
    #[error("store failure")]
    Store(#[from] StoreError),
    /// The analyzer failed (only when no fallback applies).
    #[error("analysis failed")]
    Analyze(#[from] AnalyzeError),
    /// Delivery failed.
    #[error("delivery failed")]
    Notify(#[from] NotifyError),
    /// The tenant's configuration is unusable.
    #[error("invalid configuration")]
    Config(#[from] ConfigError),
    /// The requested window is not acceptable.
    #[error("invalid window")]
    InvalidWindow(#[from] WindowError),
    /// The mode needs an integration the tenant has not configured.
    #[error(
        "mode `{mode}` needs the `{kind}` integration, which is not configured for this tenant"
    )]
    MissingIntegration {
        /// The mode id.
        mode: String,
        /// The integration kind.
        kind: String,
    },
    /// No registered mode has this id.
    #[error("unknown pipeline mode `{id}`; registered modes: {known}")]
    UnknownMode {
        /// The id asked for.
        id: String,
        /// Comma-separated registered ids.
        known: String,
    },
    /// The run was cancelled.
    #[error("run cancelled")]
    Cancelled,
    /// A step failed for a mode-specific reason.
    #[error("step `{step}` failed")]
    Step {
        /// The step.
        step: String,
        /// The cause.
        #[source]
        source: BoxError,
    },
}

impl RunError {
    /// A stable snake_case label.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Source { source, .. } => source.kind(),
            Self::Store(e) => e.kind(),
            Self::Analyze(e) => e.kind(),
            Self::Notify(e) => e.kind(),
            Self::Config(_) => "invalid_config",
            Self::InvalidWindow(_) => "invalid_window",
            Self::MissingIntegration { .. } => "missing_integration",
            Self::UnknownMode { .. } => "unknown_mode",
            Self::Cancelled => "cancelled",
            Self::Step { .. } => "step_failed",
        }
    }

    /// Whether re-running later may succeed.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Source { source, .. } => source.is_retryable(),
            Self::Store(e) => e.is_retryable(),
            Self::Analyze(e) => e.is_retryable(),
            Self::Notify(e) => e.is_retryable(),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_prints_every_cause_once() {
        let err = RunError::Source {
            step: "sync.amocrm".into(),
            source: SourceError::Unavailable {
                backend: "amocrm",
                operation: "GET /api/v4/leads".into(),
                source: Some("connection reset".into()),
            },
        };
        assert_eq!(
            chain(&err),
            "step `sync.amocrm` failed and there is no stored data to fall back on: \
             amocrm: unavailable on GET /api/v4/leads: connection reset"
        );
        assert_eq!(err.kind(), "unavailable");
        assert!(err.is_retryable());
    }

    #[test]
    fn retryability_follows_the_variant() {
        let limited = SourceError::RateLimited {
            backend: "radist",
            operation: "GET /chats".into(),
            retry_after: Some(Duration::from_secs(3)),
        };
        assert!(limited.is_retryable());
        assert_eq!(limited.retry_after(), Some(Duration::from_secs(3)));
        let denied = SourceError::Forbidden {
            backend: "amocrm",
            operation: "GET /api/v4/leads".into(),
            reason: "account blocked".into(),
        };
        assert!(!denied.is_retryable());
        assert_eq!(denied.retry_after(), None);
    }
}
