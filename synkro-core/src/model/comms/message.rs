use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::comms::Channel;
use crate::model::{ChatId, MessageId};

/// Which way a message went, as the transport reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Direction {
    /// Towards the company.
    Inbound,
    /// From the company.
    Outbound,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuthorKind {
    /// The client.
    Client,
    /// A member of staff.
    Manager,
    /// An automation (CRM robot, Salesbot, auto-reply, broadcast).
    Bot,
    /// A service message of the messenger.
    System,
    /// Not known.
    Unknown,
}

/// What a message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MessageKind {
    /// Plain text.
    Text,
    /// A picture.
    Image,
    /// A document.
    File,
    /// A voice note.
    Voice,
    /// An audio file.
    Audio,
    /// A video.
    Video,
    /// A sticker.
    Sticker,
    /// A pre-approved template.
    Template,
    /// Buttons or lists.
    Interactive,
    /// An order.
    Order,
    /// A location.
    Location,
    /// A contact card.
    ContactCard,
    /// Anything else.
    Other,
}

/// A file attached to a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// What it is.
    pub kind: MessageKind,
    /// MIME type, if known.
    pub mime_type: Option<String>,
    /// Size in bytes, if known.
    pub size: Option<u64>,
    /// File name, if known.
    pub name: Option<String>,
}

/// One messenger message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Message id; the de-duplication key within its source.
    pub id: MessageId,
    /// The chat.
    pub chat: ChatId,
    /// Messenger.
    pub channel: Channel,
    /// Inbound or outbound.
    pub direction: Direction,
    /// Who wrote it.
    pub author_kind: AuthorKind,
    /// CRM user id for staff, participant id in group chats.
    pub author_id: Option<String>,
    /// What it carries.
    pub kind: MessageKind,
    /// Body, caption or template body.
    pub text: Option<String>,
    /// Attached files.
    pub attachments: Vec<Attachment>,
    /// A pre-approved (WABA) template.
    pub is_template: bool,
    /// Sent by a mass-mailing feature.
    pub is_broadcast: bool,
    /// When it was sent.
    pub created_at: DateTime<Utc>,
    /// The source wrote `created_at` without an offset and it was read as UTC (metrics.md C1);
    /// the metrics count it in `dq.timestamp_anomalies`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub naive_time: bool,
    /// When it was delivered (outbound only).
    pub delivered_at: Option<DateTime<Utc>>,
    /// When it was read (outbound only).
    pub read_at: Option<DateTime<Utc>>,
    /// When delivery failed (outbound only).
    pub error_at: Option<DateTime<Utc>>,
    /// The delivery error, if any.
    pub error_type: Option<String>,
    /// The source's payload of a content type the adapter does not know, kept as it came so that
    /// nothing is lost; `None` for known types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<serde_json::Value>,
}

impl Message {
    /// Outbound, failed, and neither delivered nor read (metrics.md §1.2).
    #[must_use]
    pub fn is_undelivered(&self) -> bool {
        self.direction == Direction::Outbound
            && (self.error_at.is_some() || self.error_type.is_some())
            && self.delivered_at.is_none()
            && self.read_at.is_none()
    }

    /// The latest time the source touched the message (for newer-wins upserts).
    #[must_use]
    pub fn updated_at(&self) -> DateTime<Utc> {
        [self.delivered_at, self.read_at, self.error_at]
            .into_iter()
            .flatten()
            .fold(self.created_at, DateTime::max)
    }
}

#[cfg(test)]
mod tests {
    use crate::model::fixtures::client_message;

    use super::Message;

    /// Stored messages are JSON documents: one written before `naive_time` existed reads as
    /// not naive, and `false` is not written (an unchanged message keeps an identical document,
    /// so a re-sync does not rewrite it).
    #[test]
    fn naive_time_is_absent_when_false_and_false_when_absent() {
        let m = client_message("m1", "c1", "2026-03-02T10:00:00Z");
        let json = serde_json::to_value(&m).unwrap();
        assert!(json.get("naive_time").is_none(), "{json}");
        let read: Message = serde_json::from_value(json.clone()).unwrap();
        assert!(!read.naive_time);
        assert_eq!(read, m);
        let naive = Message {
            naive_time: true,
            ..m
        };
        let json = serde_json::to_value(&naive).unwrap();
        assert_eq!(json["naive_time"], true);
        assert_eq!(serde_json::from_value::<Message>(json).unwrap(), naive);
    }
}
