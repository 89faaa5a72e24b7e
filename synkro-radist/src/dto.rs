//! Wire shapes of the Radist v2 API (schemas of `radist-openapi.json`), lenient: anything the spec
//! does not require is optional or defaulted, unknown fields are ignored and enums have an
//! `Unknown` arm, so a growing API does not break a sync.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// `GET /users/me` (schema `User`).
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct User {
    /// User id (uuid).
    pub id: String,
    /// The key's scopes (`messaging`, `connections`, …).
    #[serde(default, deserialize_with = "null_as_default")]
    pub scopes: Vec<String>,
    /// Roles.
    #[serde(default, deserialize_with = "null_as_default")]
    pub roles: Vec<String>,
    /// Company ids the key can read.
    #[serde(default, deserialize_with = "null_as_default")]
    pub companies: Vec<i64>,
    /// Whether the user is an API integration.
    #[serde(default)]
    pub is_integration: bool,
}

/// `GET /companies/` (schema `CompaniesOut`).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CompaniesOut {
    #[serde(default)]
    pub(crate) count: Option<i64>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) companies: Vec<Company>,
}

/// A company (schema `CompanyOut`).
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct Company {
    /// Company id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// IANA time zone, e.g. `Europe/Moscow`.
    #[serde(default)]
    pub timezone: Option<String>,
    /// Whether payments are locked (messaging may stop).
    #[serde(default)]
    pub payments_locked: bool,
}

/// A messenger channel of the company (schema `ChatSource`).
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct ChatSource {
    /// Connection id: the key of chats and messages.
    pub connection_id: i64,
    /// Name shown in Radist.
    #[serde(default)]
    pub name: String,
    /// Channel type (`whatsapp`, `waba`, `telegram`, …).
    #[serde(rename = "type")]
    pub kind: String,
}

/// A connection (one of the spec's `Connection*Response` variants, read loosely).
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct Connection {
    /// Connection id.
    pub id: i64,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Type (`whatsapp`, `waba`, `amocrm`, …).
    #[serde(rename = "type")]
    pub kind: String,
    /// Last health status, if reported.
    #[serde(default)]
    pub last_status: Option<ConnectionStatus>,
}

/// `Connection.last_status` (schema `ConnectionLastStatusOut`).
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct ConnectionStatus {
    /// `good` or `bad`.
    #[serde(default)]
    pub status_type: Option<String>,
    /// e.g. `whatsapp_qr_not_scanned`.
    #[serde(default)]
    pub status_subtype: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ConnectionsOut {
    #[serde(default)]
    pub(crate) count: Option<i64>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) connections: Vec<Connection>,
}

/// `GET …/messaging/chats/with_contacts/` (schema `ContactsWithChatsResponse`).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ContactsWithChats {
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) data: Vec<ContactWithChats>,
    #[serde(default)]
    pub(crate) response_metadata: Option<ResponseMetadata>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ResponseMetadata {
    #[serde(default)]
    pub(crate) next_cursor: Option<String>,
}

/// One contact with its chats (schema `ContactWithChats`).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ContactWithChats {
    #[serde(default)]
    pub(crate) contact_name: Option<String>,
    #[serde(default)]
    pub(crate) is_group: bool,
    #[serde(default, deserialize_with = "crate::time::optional_instant")]
    pub(crate) last_chat_updated_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) chats: Vec<Chat>,
}

/// A chat (schema `Chat`).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Chat {
    pub(crate) connection_id: i64,
    pub(crate) chat_id: i64,
    #[serde(default)]
    pub(crate) phone: Option<String>,
    #[serde(default)]
    pub(crate) username: Option<String>,
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default)]
    pub(crate) last_message: Option<Box<Message>>,
    #[serde(default)]
    pub(crate) is_group: bool,
}

/// A message (schema `Message`). Content objects are all optional: the list endpoint omits the
/// unused ones, the embedded `last_message` sends them as `null`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Message {
    pub(crate) message_id: String,
    #[serde(default)]
    pub(crate) direction: Option<String>,
    #[serde(default)]
    pub(crate) message_type: Option<String>,
    #[serde(default)]
    pub(crate) author: Option<Author>,
    /// When it was sent, and whether Radist wrote it without an offset.
    #[serde(deserialize_with = "crate::time::stamp")]
    pub(crate) created_at: crate::time::Stamp,
    #[serde(default, deserialize_with = "crate::time::optional_instant")]
    pub(crate) delivered_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::time::optional_instant")]
    pub(crate) read_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::time::optional_instant")]
    pub(crate) error_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub(crate) error_type: Option<String>,
    #[serde(default)]
    pub(crate) text: Option<TextContent>,
    #[serde(default)]
    pub(crate) file: Option<MediaContent>,
    #[serde(default)]
    pub(crate) image: Option<MediaContent>,
    #[serde(default)]
    pub(crate) audio: Option<MediaContent>,
    #[serde(default)]
    pub(crate) video: Option<MediaContent>,
    #[serde(default)]
    pub(crate) voice: Option<MediaContent>,
    #[serde(default)]
    pub(crate) waba_template: Option<TemplateContent>,
    #[serde(default)]
    pub(crate) waba_interactive: Option<InteractiveContent>,
    #[serde(default)]
    pub(crate) radist_order: Option<OrderContent>,
    #[serde(default)]
    pub(crate) waba_order: Option<OrderContent>,
    /// Not in the spec; decoded when a newer API sends it.
    #[serde(default)]
    pub(crate) location: Option<LocationContent>,
    /// Not in the spec; decoded when a newer API sends it.
    #[serde(default)]
    pub(crate) contact: Option<ContactCardContent>,
    /// Every other key, so the payload of an unknown content type is kept.
    #[serde(flatten)]
    pub(crate) other: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Author {
    #[serde(default)]
    pub(crate) id: Option<String>,
    #[serde(default)]
    pub(crate) user_id: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct TextContent {
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) text: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct MediaContent {
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) caption: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) size: u64,
    #[serde(default)]
    pub(crate) mime_type: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct TemplateContent {
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) text: String,
    #[serde(default)]
    pub(crate) template_name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct InteractiveContent {
    #[serde(default)]
    pub(crate) body: Option<serde_json::Value>,
    #[serde(default)]
    pub(crate) header: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct OrderContent {
    #[serde(default)]
    pub(crate) currency: Option<String>,
    #[serde(default)]
    pub(crate) amount: Option<serde_json::Value>,
    #[serde(default)]
    pub(crate) comment: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct LocationContent {
    #[serde(default)]
    pub(crate) latitude: Option<f64>,
    #[serde(default)]
    pub(crate) longitude: Option<f64>,
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default)]
    pub(crate) address: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ContactCardContent {
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default)]
    pub(crate) phone: Option<String>,
}

/// `GET …/connections/{id}/stats/total` (schema `MessagesStats`).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct MessagesStats {
    pub(crate) stats: Totals,
}

/// Message totals of a connection over a period (schema `Totals`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Totals {
    /// Client → company.
    pub total_inbound: u64,
    /// Company → client.
    pub total_outbound: u64,
}

/// A 422 body (schema `HTTPValidationError`); `detail` may also be a plain string.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub(crate) detail: Option<Detail>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum Detail {
    Text(String),
    Items(Vec<ValidationItem>),
    Other(serde::de::IgnoredAny),
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ValidationItem {
    #[serde(default)]
    pub(crate) loc: Vec<serde_json::Value>,
    #[serde(default)]
    pub(crate) msg: String,
}
