use serde::{Deserialize, Serialize};

use crate::model::{Channel, ContactId, DealId, Timestamp, Window};

/// Which deals to list.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DealQuery {
    /// Deals whose source update time is in this range.
    pub updated: Option<Window>,
    /// Only these deals (empty = no id filter).
    pub ids: Vec<DealId>,
    /// Page size asked of the source (`None` = the source's maximum).
    pub page_size: Option<u32>,
}

impl DealQuery {
    /// Deals updated in `range`.
    #[must_use]
    pub fn updated_in(range: Window) -> Self {
        Self {
            updated: Some(range),
            ..Self::default()
        }
    }
}

/// Which contacts to list.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContactQuery {
    /// Only these contacts. Sources fetch them in batches, never one request per contact.
    pub ids: Vec<ContactId>,
    /// Contacts whose source update time is in this range.
    pub updated: Option<Window>,
    /// Page size asked of the source.
    pub page_size: Option<u32>,
}

impl ContactQuery {
    /// The contacts with these ids.
    #[must_use]
    pub fn by_ids(ids: Vec<ContactId>) -> Self {
        Self {
            ids,
            ..Self::default()
        }
    }
}

/// Which calls, stage changes or responsible changes to list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ActivityQuery {
    /// Activities whose instant is in this range.
    pub range: Window,
    /// Page size asked of the source.
    pub page_size: Option<u32>,
}

impl ActivityQuery {
    /// Activities in `range`.
    #[must_use]
    pub fn in_range(range: Window) -> Self {
        Self {
            range,
            page_size: None,
        }
    }
}

/// Which chats to list.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChatQuery {
    /// Chats with a message at or after this instant. A source that cannot filter lists every chat
    /// (see [`MessengerCapabilities::filters_chats_by_activity`](crate::source::MessengerCapabilities)).
    pub active_since: Option<Timestamp>,
    /// Channels to include (empty = all).
    pub channels: Vec<Channel>,
    /// Page size asked of the source.
    pub page_size: Option<u32>,
}

/// Which messages of a chat to list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MessageQuery {
    /// Messages created in this range.
    pub range: Window,
    /// Page size asked of the source.
    pub page_size: Option<u32>,
}

impl MessageQuery {
    /// Messages created in `range`.
    #[must_use]
    pub fn in_range(range: Window) -> Self {
        Self {
            range,
            page_size: None,
        }
    }
}
