use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::ChatId;

/// The messenger a chat runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Channel {
    /// WhatsApp (personal or business app).
    Whatsapp,
    /// WhatsApp Business API.
    Waba,
    /// A Telegram user account.
    Telegram,
    /// A Telegram bot.
    TelegramBot,
    /// MAX messenger.
    Max,
    /// Anything else.
    Other,
}

impl Channel {
    /// The snake_case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Whatsapp => "whatsapp",
            Self::Waba => "waba",
            Self::Telegram => "telegram",
            Self::TelegramBot => "telegram_bot",
            Self::Max => "max",
            Self::Other => "other",
        }
    }
}

/// Whether a chat has one client or several participants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChatKind {
    /// One client and the company.
    Direct,
    /// A group chat.
    Group,
}

/// A messenger conversation with one client (or a group).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chat {
    /// Chat id.
    pub id: ChatId,
    /// Messenger.
    pub channel: Channel,
    /// Direct or group.
    pub kind: ChatKind,
    /// The company's connection (phone number or bot account) the chat belongs to.
    pub connection: Option<String>,
    /// The client's phone, raw, when the messenger gives it.
    pub phone: Option<String>,
    /// The client's display name in the messenger.
    pub contact_name: Option<String>,
    /// Time of the last message, as the messenger reports it.
    pub last_message_at: Option<DateTime<Utc>>,
    /// Source update time.
    pub updated_at: DateTime<Utc>,
}
