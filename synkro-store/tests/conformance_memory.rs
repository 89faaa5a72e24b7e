//! The store conformance suite against `MemoryStore`, the reference backend.

use std::sync::Arc;

use synkro_core::store::MemoryStore;

async fn setup(_test: &'static str) -> Option<Arc<MemoryStore>> {
    Some(Arc::new(MemoryStore::new()))
}

synkro_testkit::store_conformance!(setup);
