//! A seeded, deterministic generator of a tenant's data.

mod activities;
mod calls;
mod clients;
mod clock;
mod conversations;
mod dataset;
mod deals;
mod generator;
mod phones;
mod reference;
mod spec;
#[cfg(test)]
mod tests;
mod vocab;

pub use dataset::{Dataset, ROBOT_AUTHOR_ID};
pub use spec::DatasetSpec;
