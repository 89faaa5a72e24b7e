//! The run pipeline: [`PipelineMode`] (which sources a run reads and how stored data becomes
//! dialogs), the built-in modes, the [`Engine`] that runs a mode's steps for a tenant and a window,
//! and the reusable pieces (sync helpers, phone normalization, linking) a custom mode calls.

mod context;
mod dialog;
mod engine;
pub mod link;
mod mode;
pub mod modes;
pub mod normalize;
mod registry;
pub mod sync;

pub use context::{RunContext, SourceOutcome};
pub use dialog::{AfterWindow, CrmHistory, Dialog};
pub use engine::{Adapters, Delivery, Engine, EngineBuilder, RunResult, TriggerRequest};
pub use mode::{ModeRequirements, PipelineMode};
pub use registry::ModeRegistry;
