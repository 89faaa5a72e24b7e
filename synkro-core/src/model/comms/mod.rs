//! The communication model: what managers and clients did, as read from CRMs and messengers.
//!
//! Every entity carries the source's natural id; `updated_at` is the source's own update time and
//! guards stores against older data overwriting newer.

mod activity;
mod call;
mod change;
mod chat;
mod contact;
mod deal;
mod manager;
mod message;
mod sales_pipeline;

pub use activity::{ActivityKind, CrmActivity};
pub use call::{Call, CallStatus};
pub use change::{EntityRef, ResponsibleChange, StageChange};
pub use chat::{Channel, Chat, ChatKind};
pub use contact::Contact;
pub use deal::{Deal, DeletedDeal};
pub use manager::Manager;
pub use message::{Attachment, AuthorKind, Direction, Message, MessageKind};
pub use sales_pipeline::{SalesPipeline, Stage, StageKind};
