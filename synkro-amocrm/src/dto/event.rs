use serde::Deserialize;
use serde_json::Value;

use super::note::open_enum;
use super::{Extra, lenient};

open_enum!(
    /// An event's `type`.
    EventType {
        /// A client wrote in a chat.
        IncomingChatMessage = "incoming_chat_message",
        /// A manager (or bot) wrote in a chat.
        OutgoingChatMessage = "outgoing_chat_message",
        /// Inbound call.
        IncomingCall = "incoming_call",
        /// Outbound call.
        OutgoingCall = "outgoing_call",
        /// Inbound SMS.
        IncomingSms = "incoming_sms",
        /// Outbound SMS.
        OutgoingSms = "outgoing_sms",
        /// Inbound e-mail.
        IncomingMail = "incoming_mail",
        /// Outbound e-mail.
        OutgoingMail = "outgoing_mail",
        /// A lead moved between stages.
        LeadStatusChanged = "lead_status_changed",
        /// The responsible user changed.
        EntityResponsibleChanged = "entity_responsible_changed",
        /// A lead was created.
        LeadAdded = "lead_added",
        /// A conversation started.
        TalkCreated = "talk_created",
        /// A conversation was closed.
        TalkClosed = "talk_closed",
        /// A conversation was answered.
        ConversationAnswered = "conversation_answered",
        /// Nobody answered a conversation in time.
        TalkMissedEvent = "talk_missed_event",
        /// NPS rate.
        NpsRateAdded = "nps_rate_added",
    }
);

/// An event of the audit feed, `GET /api/v4/events`.
#[derive(Debug, Clone, Deserialize)]
pub struct Event {
    /// Event id (a string, not an integer).
    #[serde(deserialize_with = "lenient::string_id")]
    pub id: String,
    /// Type.
    #[serde(rename = "type")]
    pub kind: EventType,
    /// The entity it happened to.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub entity_id: Option<i64>,
    /// `lead`, `contact`, `company`, …
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub entity_type: Option<String>,
    /// Author (0 = robot).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub created_by: Option<i64>,
    /// Unix seconds.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub created_at: Option<i64>,
    /// Before, as sent (see [`Event::before`]); any shape is accepted.
    #[serde(default, deserialize_with = "lenient::values")]
    pub value_before: Vec<Value>,
    /// After, as sent (see [`Event::after`]); any shape is accepted.
    #[serde(default, deserialize_with = "lenient::values")]
    pub value_after: Vec<Value>,
    /// Account id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub account_id: Option<i64>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One decoded element of `value_before` / `value_after`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EventValue {
    /// `lead_status{id, pipeline_id}`.
    LeadStatus {
        /// Status id.
        status_id: Option<i64>,
        /// Pipeline id.
        pipeline_id: Option<i64>,
    },
    /// `responsible_user{id}`.
    ResponsibleUser {
        /// User id.
        user_id: Option<i64>,
    },
    /// `message{id, talk_id?, origin?}` of chat events (no text).
    Message {
        /// Message id.
        id: Option<String>,
        /// Talk id, when sent.
        talk_id: Option<i64>,
        /// Channel, when sent.
        origin: Option<String>,
    },
    /// `note{id}`.
    Note {
        /// Note id.
        id: Option<i64>,
    },
    /// `talk{id}`.
    Talk {
        /// Talk id.
        id: Option<i64>,
    },
    /// Any other shape, as sent.
    Unknown(Value),
}

fn field_i64(v: &Value, key: &str) -> Option<i64> {
    match v.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn field_str(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl EventValue {
    fn decode(v: &Value) -> Self {
        if let Some(s) = v.get("lead_status") {
            return Self::LeadStatus {
                status_id: field_i64(s, "id"),
                pipeline_id: field_i64(s, "pipeline_id"),
            };
        }
        if let Some(s) = v.get("responsible_user") {
            return Self::ResponsibleUser {
                user_id: field_i64(s, "id"),
            };
        }
        if let Some(s) = v.get("message") {
            return Self::Message {
                id: field_str(s, "id"),
                talk_id: field_i64(s, "talk_id"),
                origin: field_str(s, "origin"),
            };
        }
        if let Some(s) = v.get("note") {
            return Self::Note {
                id: field_i64(s, "id"),
            };
        }
        if let Some(s) = v.get("talk") {
            return Self::Talk {
                id: field_i64(s, "id"),
            };
        }
        Self::Unknown(v.clone())
    }
}

impl Event {
    /// `value_before`, decoded.
    #[must_use]
    pub fn before(&self) -> Vec<EventValue> {
        self.value_before.iter().map(EventValue::decode).collect()
    }

    /// `value_after`, decoded.
    #[must_use]
    pub fn after(&self) -> Vec<EventValue> {
        self.value_after.iter().map(EventValue::decode).collect()
    }
}
