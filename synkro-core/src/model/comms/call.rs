use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::comms::Direction;
use crate::model::{CallId, ContactId, DealId, ManagerId};

/// How a call ended, as the source says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CallStatus {
    /// Answered (amoCRM `call_status` 4).
    Answered,
    /// Not answered / could not get through (amoCRM 6).
    NoAnswer,
    /// Busy (amoCRM 7).
    Busy,
    /// Any other or missing status.
    Unknown,
}

/// A phone call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    /// Call id.
    pub id: CallId,
    /// Inbound or outbound.
    pub direction: Direction,
    /// When it started ringing.
    pub started_at: DateTime<Utc>,
    /// Talk time in seconds.
    pub talk_s: u32,
    /// Status as the source gives it.
    pub status: CallStatus,
    /// The staff member who made or took it.
    pub manager: Option<ManagerId>,
    /// The client's phone, raw.
    pub phone: Option<String>,
    /// Explicitly linked deal.
    pub deal: Option<DealId>,
    /// Explicitly linked contact.
    pub contact: Option<ContactId>,
    /// Source update time.
    pub updated_at: DateTime<Utc>,
}

impl Call {
    /// Whether the call was answered (metrics.md §1.3): the source's status when it says, else
    /// talk time above zero.
    #[must_use]
    pub fn answered(&self) -> bool {
        match self.status {
            CallStatus::Answered => true,
            CallStatus::NoAnswer | CallStatus::Busy => false,
            CallStatus::Unknown => self.talk_s > 0,
        }
    }

    /// An inbound call nobody answered.
    #[must_use]
    pub fn is_missed(&self) -> bool {
        self.direction == Direction::Inbound && !self.answered()
    }
}
