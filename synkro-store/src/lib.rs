#![doc = include_str!("../README.md")]

pub mod client_data;
mod error;
mod password;
mod rows;

#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;
#[cfg(feature = "supabase")]
pub mod supabase;

use std::sync::Arc;

use synkro_core::error::{ConfigError, StoreError};
use synkro_core::store::Store;

pub use client_data::{ClientDataSink, ClientDeal, ClientReport};
pub use password::{hash_password, verify_password};
#[cfg(feature = "postgres")]
pub use postgres::{PgOptions, PgStore};
#[cfg(feature = "sqlite")]
pub use sqlite::{SqliteOptions, SqliteStore};
#[cfg(feature = "supabase")]
pub use supabase::SupabaseSink;

/// Opens a store by URL scheme and applies pending migrations.
///
/// - `sqlite::memory:`, `sqlite:path.db`, `sqlite://path.db` → [`SqliteStore`];
/// - `postgres://…`, `postgresql://…` → [`PgStore`].
///
/// # Errors
/// [`StoreError::Other`] wrapping a [`ConfigError`] for an unknown scheme or a backend not
/// compiled in; the backend's errors when it cannot connect or migrate.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    let scheme = url.split(':').next().unwrap_or("");
    match scheme {
        #[cfg(feature = "sqlite")]
        "sqlite" => Ok(Arc::new(SqliteStore::connect(url).await?)),
        #[cfg(feature = "postgres")]
        "postgres" | "postgresql" => Ok(Arc::new(PgStore::connect(url).await?)),
        other => Err(StoreError::Other {
            operation: "connect",
            source: Box::new(ConfigError::invalid(
                "store_url",
                format!(
                    "unsupported scheme `{other}`; use sqlite: or postgres: (with the matching \
                     `sqlite`/`postgres` feature)"
                ),
            )),
        }),
    }
}
