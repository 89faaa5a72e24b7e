#![doc = include_str!("../README.md")]

pub mod conformance;
pub mod data;
pub mod env;
pub mod fake;
pub mod tenant;

pub use data::{Dataset, DatasetSpec};
pub use fake::{FakeAnalyzer, FakeCrm, FakeMessenger, Fault, RecordingNotifier, Request};
