use serde::{Deserialize, Serialize};

/// What the engine may rely on from a CRM source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CrmCapabilities {
    /// Deals come in ascending `updated_at` order.
    pub deals_ordered_by_updated_at: bool,
    /// The source has calls.
    pub calls: bool,
    /// The source has stage changes.
    pub stage_changes: bool,
    /// The source has responsible changes.
    pub responsible_changes: bool,
    /// The source has [`CrmActivity`](crate::model::CrmActivity) records (chat-message events,
    /// closed conversations, notes).
    #[serde(default)]
    pub activities: bool,
    /// The source lists deals deleted in the CRM
    /// ([`CrmSource::fetch_deleted_deals`](crate::source::CrmSource::fetch_deleted_deals)).
    #[serde(default)]
    pub deleted_deals: bool,
    /// The largest page the source serves.
    pub max_page_size: u32,
}

impl CrmCapabilities {
    /// A source with deals in `updated_at` order, calls, stage changes and responsible changes,
    /// serving pages of up to `max_page_size`. CRM activities and deleted deals are off: a source
    /// that implements [`CrmSource::fetch_activities`](crate::source::CrmSource::fetch_activities)
    /// or [`CrmSource::fetch_deleted_deals`](crate::source::CrmSource::fetch_deleted_deals) says so
    /// with [`with_activities`](Self::with_activities) or
    /// [`with_deleted_deals`](Self::with_deleted_deals), so a source written before they existed
    /// is never asked for them.
    #[must_use]
    pub fn full(max_page_size: u32) -> Self {
        Self {
            deals_ordered_by_updated_at: true,
            calls: true,
            stage_changes: true,
            responsible_changes: true,
            activities: false,
            deleted_deals: false,
            max_page_size,
        }
    }

    /// The same capabilities, with CRM activities.
    #[must_use]
    pub fn with_activities(self) -> Self {
        Self {
            activities: true,
            ..self
        }
    }

    /// The same capabilities, with the listing of deleted deals.
    #[must_use]
    pub fn with_deleted_deals(self) -> Self {
        Self {
            deleted_deals: true,
            ..self
        }
    }
}

/// What the engine may rely on from a messenger source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MessengerCapabilities {
    /// Chats come ordered by last activity, newest first, so paging may stop at a date bound.
    pub chats_ordered_by_activity: bool,
    /// The source honours [`ChatQuery::active_since`](crate::source::ChatQuery).
    pub filters_chats_by_activity: bool,
    /// The largest page the source serves.
    pub max_page_size: u32,
}

impl MessengerCapabilities {
    /// A source with no ordering or filtering guarantees.
    #[must_use]
    pub fn unordered(max_page_size: u32) -> Self {
        Self {
            chats_ordered_by_activity: false,
            filters_chats_by_activity: false,
            max_page_size,
        }
    }
}
