#![doc = include_str!("../README.md")]

pub use synkro_core::*;

/// The read-only amoCRM/Kommo API v4 client.
#[cfg(feature = "amocrm")]
pub use synkro_amocrm as amocrm;

/// The Radist.Online messenger client.
#[cfg(feature = "radist")]
pub use synkro_radist as radist;

/// SQLite and PostgreSQL storage backends.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use synkro_store as storage;

/// The test kit: a seeded generator of tenant data, in-memory and HTTP fakes (not a stable API).
#[cfg(feature = "testkit")]
pub use synkro_testkit as testkit;
