//! A seeded, deterministic generator of a tenant's data.

mod generator;
mod spec;
mod vocab;

pub use generator::{Dataset, ROBOT_AUTHOR_ID};
pub use spec::DatasetSpec;
