//! The store conformance suite against `PgStore`, a fresh schema per test (parallel-safe).
//!
//! Needs `SYNKRO_TEST_POSTGRES_URL`; without it every test prints
//! `skipped: SYNKRO_TEST_POSTGRES_URL not set`, unless `SYNKRO_REQUIRE_POSTGRES=1` makes that a
//! failure.

mod common;

use std::sync::Arc;

use synkro_store::PgStore;

async fn setup(test: &'static str) -> Option<Arc<PgStore>> {
    common::postgres_schema(test).await
}

synkro_testkit::store_conformance!(setup);
