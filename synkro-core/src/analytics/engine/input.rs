//! What the engine takes: the report context, one chat, one lead.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::analytics::calendar::Micros;
use crate::analytics::config::MetricsConfig;
use crate::analytics::lead::{ContactView, LeadView, ReferenceData};
use crate::model::{Call, Chat, CrmActivity, Message, Window};

/// What the engine needs besides the data.
#[derive(Debug, Clone)]
pub struct MetricsContext {
    /// The metric settings.
    pub config: MetricsConfig,
    /// The report period [from, to).
    pub period: Window,
    /// The knowledge cut-off A.
    pub as_of: DateTime<Utc>,
    /// Zone of the day and hour buckets.
    pub report_tz: Tz,
    /// ISO region whose calling code completes phones written without one (L1), e.g. `RU` → 7.
    pub phone_region: String,
    /// Pipelines, responsible history, lead creators.
    pub reference: ReferenceData,
}

/// One chat for [`MetricsEngine::add_chat`](crate::analytics::MetricsEngine::add_chat).
#[derive(Debug, Clone, Copy)]
pub struct ChatInput<'a, 'l> {
    /// The chat.
    pub chat: &'a Chat,
    /// Its messages (any order; ordered by rule C5 inside).
    pub messages: &'a [Message],
    /// Its messages before `messages` (the history before the window, C7; any order): sessions
    /// and waits that began before the period are rebuilt from them. Messages before the history
    /// start (`history_lookback` before the period) only feed `dq.truncated_history`.
    pub history: &'a [Message],
    /// Its messages after `messages` (after the period, up to A, C3; any order): the waits and
    /// sessions that start in the period end with them. Like every message outside the period,
    /// they are not counted as messages, dialogs or waits of the period.
    pub after: &'a [Message],
    /// The leads linked to the chat's contacts (L3 candidates), without deleted ones (L3:
    /// [`compute`](crate::analytics::compute) leaves them out; `lead_at` never picks one).
    pub leads: &'l [LeadView<'a>],
    /// The chat's contacts (L2: those holding its phone; for a chat without one, its dialogs'
    /// contacts), sorted by id: when no lead of the chat answers for an instant, the first of them
    /// with a responsible does (L4).
    pub contacts: &'l [ContactView<'a>],
    /// Calls with the chat's phone (used only when `reply_channels` has `call`). Like the
    /// activities, any instant up to A: those before the period only rebuild the state it starts
    /// in (C7).
    pub calls: &'a [Call],
    /// CRM activities of the chat's leads and contacts: a `ChatClosed` ends the session and any
    /// open wait (S3 a, W5); `OutgoingChatMessage` events name authors (O0); notes close waits when
    /// `reply_channels` has `note` (W7). Any instant up to A: a close before the period ends a
    /// wait or session of the history (C7), so the period's next message starts a new one.
    pub activities: &'a [CrmActivity],
}

/// A human touch of a client: a manager's message or a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Touch {
    /// When.
    pub at: Micros,
    /// Who: the engine's interned manager id (0: unknown author). Valid for the engine that
    /// returned it.
    pub manager: u32,
}

/// One lead for [`MetricsEngine::add_lead`](crate::analytics::MetricsEngine::add_lead).
#[derive(Debug, Clone, Copy)]
pub struct LeadInput<'a, 'l> {
    /// The lead.
    pub lead: &'l LeadView<'a>,
    /// Human chat messages in the lead's chats (from
    /// [`MetricsEngine::add_chat`](crate::analytics::MetricsEngine::add_chat)); touches when
    /// `stl_touch_channels` has `chat`.
    pub chat_touches: &'l [Touch],
    /// The lead's calls; touches when `stl_touch_channels` has `call` (outbound: per
    /// `stl_call_rule`; inbound: connected only).
    pub calls: &'a [Call],
    /// The lead's CRM activities and its contacts' (a manager's note, `by` a known manager, is a
    /// touch when `stl_touch_channels` has `note`; notes on another deal are not).
    pub activities: &'a [CrmActivity],
    /// The lead's valid phones, normalized (L1): on the deal and on its linked contacts. Empty
    /// counts the lead in `dq.leads_without_phone` when it is open at E.
    pub phones: &'l [String],
}

/// Marks an event index that points into [`ChatInput::history`] rather than `messages`.
const HISTORY: u32 = 1 << 30;
/// Marks an event index that points into [`ChatInput::after`] rather than `messages`.
const AFTER: u32 = 1 << 29;

impl<'a> ChatInput<'a, '_> {
    /// The message of an event index from [`indexed`](Self::indexed).
    pub(crate) fn message(&self, idx: u32) -> &'a Message {
        if idx & HISTORY != 0 {
            &self.history[(idx & !HISTORY) as usize]
        } else if idx & AFTER != 0 {
            &self.after[(idx & !AFTER) as usize]
        } else {
            &self.messages[idx as usize]
        }
    }

    /// Every message, history first, then the period's, then those after it, with its event
    /// index.
    pub(crate) fn indexed(&self) -> impl Iterator<Item = (u32, &'a Message)> + use<'a> {
        let history = self.history.iter().enumerate();
        let messages = self.messages.iter().enumerate();
        let after = self.after.iter().enumerate();
        history
            .map(|(i, m)| (i as u32 | HISTORY, m))
            .chain(messages.map(|(i, m)| (i as u32, m)))
            .chain(after.map(|(i, m)| (i as u32 | AFTER, m)))
    }
}
