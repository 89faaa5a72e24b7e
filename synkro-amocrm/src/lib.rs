#![doc = include_str!("../README.md")]

mod api;
mod auth;
mod check;
mod client;
mod config;
pub mod convert;
pub mod dto;
mod error;
pub mod host;
mod paging;
mod source;
mod transport;

pub use api::{
    AccountInfo, ContactFilter, DealsWithContacts, EVENTS_LIMIT, EventFilter, ID_BATCH, LeadFilter,
    MAX_LIMIT, NoteEntity, NoteFilter,
};
pub use auth::{
    AmoAuth, FileTokenStore, MemoryTokenStore, OAuthApp, OAuthSession, OAuthTokens, TokenStore,
};
pub use check::{ConnectionProblem, ConnectionReport};
pub use client::{AmoCrmClient, AmoCrmClientBuilder, DEFAULT_MAX_RPS, MAX_RPS_CAP};
pub use config::{AmoCrmConfig, ENV_VARS, OAuthConfig};
pub use error::Problem;
pub use transport::ClientStats;
