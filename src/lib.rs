#![doc = include_str!("../README.md")]

pub use synkro_core::*;

/// The test kit: a seeded generator of tenant data and in-memory source fakes (not a stable API).
#[cfg(feature = "testkit")]
pub use synkro_testkit as testkit;
