use serde::Deserialize;

use super::{Extra, lenient};

/// A conversation, `GET /api/v4/talks/{id}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Talk {
    /// Talk id.
    #[serde(deserialize_with = "lenient::id")]
    pub talk_id: i64,
    /// Unix seconds.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub created_at: Option<i64>,
    /// Unix seconds.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub updated_at: Option<i64>,
    /// NPS / CSAT rate.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub rate: Option<i64>,
    /// Contact.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub contact_id: Option<i64>,
    /// Chat id in the chat service.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub chat_id: Option<String>,
    /// Linked lead or customer.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub entity_id: Option<i64>,
    /// `lead` or `customer`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub entity_type: Option<String>,
    /// Not closed yet.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_in_work: Option<bool>,
    /// Read.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_read: Option<bool>,
    /// Channel, e.g. `telegram`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub origin: Option<String>,
    /// Unix seconds; set when nobody answered in time.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub missed_at: Option<i64>,
    /// Account id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub account_id: Option<i64>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}
