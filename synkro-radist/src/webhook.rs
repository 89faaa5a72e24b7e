//! Parsing Radist webhook payloads (`messages.create`) for near-real-time ingestion.
//!
//! The payload is not in the spec; its shape is reconstructed from two production handlers
//! (radist-api.md §9): `{"event_type": "...", "event": {connection_id, chat_id (numeric),
//! contact_id, chat: {phone, name, username, profile_link}, message: Message}}`.

use serde::Deserialize;
use synkro_core::model::{Channel, ChatId, Message};

use crate::convert;
use crate::dto;

/// A webhook body that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("radist webhook: cannot decode the payload at `{path}` ({body_len} bytes)")]
pub struct WebhookError {
    /// JSON path of the offending value.
    pub path: String,
    /// Body length.
    pub body_len: usize,
}

/// A parsed webhook.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum WebhookEvent {
    /// `messages.create`: a message was sent or received (both directions).
    MessageCreated(Box<MessageCreated>),
    /// Any other event (`messages.delivery.*`, `connections.status_changed`, …), kept raw.
    Other {
        /// The event type.
        event_type: String,
        /// The `event` object as sent.
        event: serde_json::Value,
    },
}

/// The body of a `messages.create` event.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MessageCreated {
    /// Connection (channel) id.
    pub connection_id: i64,
    /// Numeric Radist chat id.
    pub chat_id: i64,
    /// Radist contact id, if sent.
    pub contact_id: Option<i64>,
    /// The client's phone as Radist stores it.
    pub phone: Option<String>,
    /// The chat's display name.
    pub name: Option<String>,
    message: dto::Message,
    /// The message object exactly as sent, for re-parsing when the schema grows.
    pub raw_message: serde_json::Value,
}

impl MessageCreated {
    /// The model chat id (`<connection_id>:<chat_id>`), as the client's listings write it.
    #[must_use]
    pub fn chat(&self) -> ChatId {
        convert::chat_id(self.connection_id, self.chat_id)
    }

    /// The message in the model, on `channel` (the connection's channel, from
    /// [`RadistClient::wanted_connections`](crate::RadistClient::wanted_connections)).
    #[must_use]
    pub fn message(&self, channel: Channel) -> Message {
        convert::message(&self.message, &self.chat(), channel)
    }
}

#[derive(Deserialize)]
struct Envelope {
    event_type: String,
    #[serde(default)]
    event: serde_json::Value,
}

#[derive(Deserialize)]
struct CreatedEvent {
    connection_id: i64,
    chat_id: i64,
    #[serde(default)]
    contact_id: Option<i64>,
    #[serde(default)]
    chat: Option<ChatInfo>,
    message: serde_json::Value,
}

#[derive(Deserialize)]
struct ChatInfo {
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

fn decode<T: serde::de::DeserializeOwned>(
    v: serde_json::Value,
    prefix: &str,
    body_len: usize,
) -> Result<T, WebhookError> {
    serde_path_to_error::deserialize(v).map_err(|e| WebhookError {
        path: format!("{prefix}{}", e.path()),
        body_len,
    })
}

/// Parses a webhook body.
///
/// # Errors
/// [`WebhookError`] with the JSON path when the body is not JSON or a `messages.create` event
/// lacks a required field.
pub fn parse_webhook(body: &[u8]) -> Result<WebhookEvent, WebhookError> {
    let body_len = body.len();
    let de = &mut serde_json::Deserializer::from_slice(body);
    let env: Envelope = serde_path_to_error::deserialize(de).map_err(|e| WebhookError {
        path: e.path().to_string(),
        body_len,
    })?;
    if env.event_type != "messages.create" {
        return Ok(WebhookEvent::Other {
            event_type: env.event_type,
            event: env.event,
        });
    }
    let ev: CreatedEvent = decode(env.event, "event.", body_len)?;
    let message: dto::Message = decode(ev.message.clone(), "event.message.", body_len)?;
    let chat = ev.chat.unwrap_or(ChatInfo {
        phone: None,
        name: None,
    });
    Ok(WebhookEvent::MessageCreated(Box::new(MessageCreated {
        connection_id: ev.connection_id,
        chat_id: ev.chat_id,
        contact_id: ev.contact_id,
        phone: chat.phone,
        name: chat.name,
        message,
        raw_message: ev.message,
    })))
}
