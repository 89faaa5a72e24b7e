//! `sqlx::Error` → [`StoreError`]: the one place driver errors are classified.

use synkro_core::error::StoreError;

/// Classifies a driver error for `operation`.
///
/// - pool timeouts, I/O, TLS and protocol failures, SQLite `BUSY`/`LOCKED`, and PostgreSQL
///   serialization failures, deadlocks, shutdowns, connection errors and too-many-connections are
///   [`StoreError::Unavailable`] (retryable);
/// - unique violations are [`StoreError::Conflict`];
/// - undecodable rows are [`StoreError::Corrupt`];
/// - anything else is [`StoreError::Other`], with the driver error as its source.
pub(crate) fn classify(operation: &'static str, err: sqlx::Error) -> StoreError {
    match &err {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable {
            operation,
            source: Box::new(err),
        },
        sqlx::Error::ColumnDecode { .. }
        | sqlx::Error::Decode(_)
        | sqlx::Error::ColumnNotFound(_) => StoreError::Corrupt {
            what: format!("{operation}: {err}"),
        },
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            let transient = matches!(code.as_str(), "5" | "6" | "261" | "262" | "517")
                || matches!(
                    code.as_str(),
                    "40001" | "40P01" | "57P01" | "57P02" | "57P03" | "53300"
                )
                || code.starts_with("08");
            if transient {
                StoreError::Unavailable {
                    operation,
                    source: Box::new(err),
                }
            } else if db.is_unique_violation() {
                StoreError::Conflict {
                    what: format!("{operation}: {}", db.message()),
                }
            } else {
                StoreError::Other {
                    operation,
                    source: Box::new(err),
                }
            }
        }
        _ => StoreError::Other {
            operation,
            source: Box::new(err),
        },
    }
}

/// A `map_err` adapter: `.map_err(db("op"))`.
pub(crate) fn db(operation: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| classify(operation, e)
}

/// A stored value that does not decode.
pub(crate) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        what: what.to_string(),
    }
}

pub(crate) fn not_found(what: impl Into<String>) -> StoreError {
    StoreError::NotFound { what: what.into() }
}
