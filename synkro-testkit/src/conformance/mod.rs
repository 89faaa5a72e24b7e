//! Conformance suites that every implementation of a port must pass (not a stable API).
//!
//! - [`store`]: the store traits, with [`store_conformance!`](crate::store_conformance) expanding
//!   to one test per check.

pub mod store;
