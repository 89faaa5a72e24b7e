#![allow(dead_code, unreachable_pub)]
//! Isolated stores for tests: shared by the test targets of this crate.
//!
//! - [`sqlite_temp`]: a fresh SQLite file per test, under the system temp directory.
//! - [`postgres_schema`]: a fresh PostgreSQL schema per test on the server named by
//!   `SYNKRO_TEST_POSTGRES_URL` (see `synkro_testkit::env`); tests in parallel never share rows.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use synkro_store::{PgOptions, PgStore, SqliteStore};

/// A migrated SQLite store in a new file named after the test.
///
/// # Panics
/// When the file cannot be created or migrated: a test setup failure.
pub async fn sqlite_temp(test: &str) -> Arc<SqliteStore> {
    let dir = std::env::temp_dir().join("synkro-store-tests");
    std::fs::create_dir_all(&dir).expect("the temp dir is writable");
    let path = dir.join(format!("{test}-{}.db", uuid::Uuid::new_v4().simple()));
    Arc::new(
        SqliteStore::open(&path)
            .await
            .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display())),
    )
}

/// A schema name unique to this process and test: `t_<test>_<pid>_<n>`, at most 63 bytes.
#[must_use]
pub fn schema_name(test: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let clean: String = test
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    format!("t_{clean}_{}_{n}", std::process::id())
}

/// A migrated PostgreSQL store in a fresh schema, or `None` (after the skip notice) when no
/// server is configured or it is unreachable and PostgreSQL is not required.
///
/// # Panics
/// When `SYNKRO_REQUIRE_POSTGRES=1` and the server is missing or unreachable.
pub async fn postgres_schema(test: &str) -> Option<Arc<PgStore>> {
    let url = synkro_testkit::env::postgres_url()?;
    let schema = schema_name(test);
    // Drop leftovers of an earlier run with the same name first.
    match PgStore::connect_with(
        &url,
        PgOptions::default().schema(schema.clone()).migrate(false),
    )
    .await
    {
        Ok(s) => {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE"
            )))
            .execute(s.pool())
            .await;
            s.pool().close().await;
        }
        Err(e) => return synkro_testkit::env::postgres_unreachable(&e),
    }
    let opts = PgOptions::default().schema(schema).max_connections(4);
    match PgStore::connect_with(&url, opts).await {
        Ok(s) => Some(Arc::new(s)),
        Err(e) => synkro_testkit::env::postgres_unreachable(&synkro_core::error::chain(&e)),
    }
}
