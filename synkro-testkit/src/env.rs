//! Environment switches of the test suites, handled in one place (not a stable API).
//!
//! - `SYNKRO_TEST_POSTGRES_URL`: the PostgreSQL server PostgreSQL tests run against. Unset: each
//!   such test prints `skipped: SYNKRO_TEST_POSTGRES_URL not set` and returns.
//! - `SYNKRO_REQUIRE_POSTGRES=1`: a missing or unreachable server **fails** the test instead (CI
//!   sets both).

/// The variable naming the test server.
pub const POSTGRES_URL_VAR: &str = "SYNKRO_TEST_POSTGRES_URL";
/// The variable that makes a missing or unreachable server a failure.
pub const REQUIRE_POSTGRES_VAR: &str = "SYNKRO_REQUIRE_POSTGRES";

/// Whether PostgreSQL tests must run (`SYNKRO_REQUIRE_POSTGRES` is `1` or `true`).
#[must_use]
pub fn postgres_required() -> bool {
    std::env::var(REQUIRE_POSTGRES_VAR)
        .map(|v| matches!(v.trim(), "1" | "true" | "yes"))
        .unwrap_or(false)
}

/// The PostgreSQL URL for tests, or `None` after printing why the test is skipped.
///
/// # Panics
/// When `SYNKRO_REQUIRE_POSTGRES=1` and no URL is set: a required backend that is missing is a
/// test failure, never a silent skip.
#[must_use]
pub fn postgres_url() -> Option<String> {
    decide(
        std::env::var(POSTGRES_URL_VAR)
            .ok()
            .filter(|u| !u.trim().is_empty()),
        postgres_required(),
    )
}

/// Call when the server named by [`postgres_url`] cannot be reached: returns `None` after printing
/// a skip notice, or panics when PostgreSQL is required.
///
/// # Panics
/// When `SYNKRO_REQUIRE_POSTGRES=1`.
pub fn postgres_unreachable<T>(error: &dyn std::fmt::Display) -> Option<T> {
    assert!(
        !postgres_required(),
        "{REQUIRE_POSTGRES_VAR}=1 but the PostgreSQL server at {POSTGRES_URL_VAR} is unreachable: {error}"
    );
    println!("skipped: PostgreSQL at {POSTGRES_URL_VAR} is unreachable: {error}");
    None
}

fn decide(url: Option<String>, required: bool) -> Option<String> {
    match url {
        Some(url) => Some(url),
        None => {
            assert!(
                !required,
                "{REQUIRE_POSTGRES_VAR}=1 but {POSTGRES_URL_VAR} is not set; point it at a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/test"
            );
            println!("skipped: {POSTGRES_URL_VAR} not set");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_url_skips_unless_required() {
        assert_eq!(decide(None, false), None);
        assert_eq!(
            decide(Some("postgres://x".into()), true).as_deref(),
            Some("postgres://x")
        );
        let required = std::panic::catch_unwind(|| decide(None, true));
        assert!(required.is_err(), "a required but missing server must fail");
    }
}
