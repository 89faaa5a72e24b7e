#![doc = include_str!("../README.md")]

pub mod analytics;
pub mod analyze;
pub mod clock;
pub mod error;
pub mod model;
pub mod notify;
pub mod pipeline;
pub mod ratelimit;
pub mod report;
pub mod retry;
pub mod schedule;
mod secret;
pub mod source;
pub mod store;

pub use secret::Secret;

/// The types most code needs.
pub mod prelude {
    pub use crate::analyze::Analyzer;
    pub use crate::clock::{Clock, ManualClock, SystemClock};
    pub use crate::error::{RunError, SourceError, StoreError};
    pub use crate::model::*;
    pub use crate::notify::Notifier;
    pub use crate::pipeline::{
        Adapters, Dialog, Engine, ModeRegistry, PipelineMode, RunContext, TriggerRequest,
    };
    pub use crate::source::{CrmSource, CrmSourceExt, MessengerSource, MessengerSourceExt};
    pub use crate::store::{MemoryStore, Store};
}

/// Compile-time guard: every port stays dyn-compatible.
#[allow(dead_code)]
fn _assert_dyn(
    _: &dyn source::CrmSource,
    _: &dyn source::MessengerSource,
    _: &dyn analyze::Analyzer,
    _: &dyn notify::Notifier,
    _: &dyn store::Store,
    _: &dyn pipeline::PipelineMode,
    _: &dyn report::SectionBuilder,
) {
}
