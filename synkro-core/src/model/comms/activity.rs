use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{ContactId, DealId, EventId, ManagerId};

/// What a CRM activity records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ActivityKind {
    /// A client's chat message as the CRM saw it (amoCRM `incoming_chat_message`): a timestamp,
    /// never an item of its own (metrics.md §1.2).
    IncomingChatMessage,
    /// A staff chat message as the CRM saw it (amoCRM `outgoing_chat_message`); its `by` can name
    /// the author of a messenger message that arrived without one (rule O0).
    OutgoingChatMessage,
    /// A conversation was closed in the CRM (amoCRM `talk_closed`): ends a session and any open
    /// wait (rules S3 a, W5).
    ChatClosed,
    /// A manual note on a deal or contact (amoCRM `common` note): a touch or a reply only where
    /// the tenant configures it (W7, §3.6).
    Note,
}

impl ActivityKind {
    /// The snake_case name, as stored and as serialized.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IncomingChatMessage => "incoming_chat_message",
            Self::OutgoingChatMessage => "outgoing_chat_message",
            Self::ChatClosed => "chat_closed",
            Self::Note => "note",
        }
    }
}

/// A CRM activity that is neither a deal field nor a call: chat-message events, closed
/// conversations and manual notes. The CRM never holds chat text (amocrm-api.md §9); these only
/// carry who and when, tied to a deal and/or a contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrmActivity {
    /// The source's id (an event id, or `note:<id>` for notes).
    pub id: EventId,
    /// What happened.
    pub kind: ActivityKind,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (amoCRM `created_by`; `0` is the CRM robot). `None` when the source does not say.
    pub by: Option<ManagerId>,
    /// The deal it belongs to, if any.
    pub deal: Option<DealId>,
    /// The contact it belongs to, if any.
    pub contact: Option<ContactId>,
    /// The CRM conversation id (amoCRM `talk_id`), if known.
    pub talk: Option<String>,
}
