#![doc = include_str!("../README.md")]

mod api;
mod client;
mod config;
mod convert;
pub mod dto;
mod error;
mod fetch;
pub mod paging;
mod source;
mod time;
mod webhook;

pub use api::{ChatPage, ConnectionReport, REQUIRED_SCOPES};
pub use client::{RadistClient, channel_of};
pub use config::{DEFAULT_BASE_URL, RadistConfig};
pub use convert::{DeliveryStatus, chat_id, delivery_status, parse_chat_id};
pub use error::ValidationDetails;
pub use fetch::{Fetched, SyncCursor};
pub use paging::UntilPager;
pub use webhook::{MessageCreated, WebhookError, WebhookEvent, parse_webhook};
