//! The store conformance suite against `SqliteStore`, a fresh database file per test.

mod common;

use std::sync::Arc;

use synkro_store::SqliteStore;

async fn setup(test: &'static str) -> Option<Arc<SqliteStore>> {
    Some(common::sqlite_temp(test).await)
}

synkro_testkit::store_conformance!(setup);
