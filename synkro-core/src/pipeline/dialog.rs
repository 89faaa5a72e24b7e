//! [`Dialog`]: what a mode hands to analysis — one deal with everything said and done about it.

use serde::{Deserialize, Serialize};

use crate::model::{Call, Chat, Contact, CrmActivity, Deal, Direction, Message, StageChange};

/// One deal with its contacts, its messenger chat and messages, its calls, stage changes and CRM
/// activities, restricted to the run's window (messages, calls, changes, activities) by the mode
/// that built it. What lies outside the window is kept apart, for the metrics only: the chat's
/// messages before the window in [`history`](Self::history), the deal's CRM items before it in
/// [`crm_history`](Self::crm_history), and what happened after it, up to the run's knowledge
/// cut-off, in [`after`](Self::after).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dialog {
    /// The deal (a synthetic one in `radist_only`).
    pub deal: Deal,
    /// The deal's contacts.
    pub contacts: Vec<Contact>,
    /// The chat linked to the deal, if any.
    pub chat: Option<Chat>,
    /// The chat's messages in the window, oldest first.
    pub messages: Vec<Message>,
    /// The deal's calls in the window, oldest first.
    pub calls: Vec<Call>,
    /// The deal's stage changes in the window, oldest first.
    pub stage_changes: Vec<StageChange>,
    /// CRM activities of the deal and its contacts (chat-message events, closed conversations,
    /// notes) in the window, oldest first, each id once. Empty when the CRM source has none (and
    /// in `radist_only`, which has no CRM).
    #[serde(default)]
    pub activities: Vec<CrmActivity>,
    /// The chat's stored messages before the window, back to the metrics' `history_lookback`,
    /// oldest first: the metrics rebuild sessions and waits that began before the window from
    /// them (metrics.md C7). Not counted anywhere else. Empty when none are stored.
    #[serde(default)]
    pub history: Vec<Message>,
    /// The deal's calls, stage changes and CRM activities before the window, back to the same
    /// history start as [`history`](Self::history): the metrics rebuild from them the state the
    /// window starts in (a conversation closed in the CRM before the window ends its wait, a call
    /// before it is a lead's last touch, a missed-call episode begun before it keeps the window's
    /// missed calls, the stages a lead passed before it; metrics.md C7, S3, W5, §3.7, §3.11,
    /// §3.12). Not counted anywhere else. Empty when none are stored.
    #[serde(default, skip_serializing_if = "CrmHistory::is_empty")]
    pub crm_history: CrmHistory,
    /// What happened after the window, up to the run's knowledge cut-off A
    /// ([`RunContext::as_of`](crate::pipeline::RunContext::as_of)): the metrics close the waits,
    /// sessions, speed-to-lead and callback items that start in the window with it (metrics.md
    /// C3). Not counted anywhere else. Empty when A is not after the window's end.
    #[serde(default, skip_serializing_if = "AfterWindow::is_empty")]
    pub after: AfterWindow,
}

/// A dialog's items after the window `[from, to)` and at or before the run's knowledge cut-off A,
/// each list oldest first ([`Dialog::after`]). The metrics read them only to end the items that
/// start in the window (a reply at 00:10 to a question asked at 23:50); none of them is a message,
/// call, stage change or activity of the window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AfterWindow {
    /// The chat's messages in [to, A].
    #[serde(default)]
    pub messages: Vec<Message>,
    /// The deal's calls in [to, A].
    #[serde(default)]
    pub calls: Vec<Call>,
    /// The deal's stage changes in [to, A].
    #[serde(default)]
    pub stage_changes: Vec<StageChange>,
    /// CRM activities of the deal and its contacts in [to, A], each id once.
    #[serde(default)]
    pub activities: Vec<CrmActivity>,
}

/// A deal's CRM items before the window `[from, to)`, from the metrics' history start
/// (`from − history_lookback`), each list oldest first ([`Dialog::crm_history`]). The metrics read
/// them only to rebuild the state the window starts in; none of them is a call, stage change or
/// activity of the window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CrmHistory {
    /// The deal's calls in [history start, from).
    #[serde(default)]
    pub calls: Vec<Call>,
    /// The deal's stage changes in [history start, from).
    #[serde(default)]
    pub stage_changes: Vec<StageChange>,
    /// CRM activities of the deal and its contacts in [history start, from), each id once.
    #[serde(default)]
    pub activities: Vec<CrmActivity>,
}

impl CrmHistory {
    /// Whether nothing is attached.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.calls.is_empty() && self.stage_changes.is_empty() && self.activities.is_empty()
    }
}

impl AfterWindow {
    /// Whether nothing is attached.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
            && self.calls.is_empty()
            && self.stage_changes.is_empty()
            && self.activities.is_empty()
    }
}

impl Dialog {
    /// A dialog of a deal with nothing attached yet.
    #[must_use]
    pub fn new(deal: Deal) -> Self {
        Self {
            deal,
            contacts: Vec::new(),
            chat: None,
            messages: Vec::new(),
            calls: Vec::new(),
            stage_changes: Vec::new(),
            activities: Vec::new(),
            history: Vec::new(),
            crm_history: CrmHistory::default(),
            after: AfterWindow::default(),
        }
    }

    /// Every call attached, oldest lists first: before the window ([`crm_history`](Self::crm_history)),
    /// of the window, after it ([`after`](Self::after)).
    pub fn known_calls(&self) -> impl Iterator<Item = &Call> {
        self.crm_history
            .calls
            .iter()
            .chain(&self.calls)
            .chain(&self.after.calls)
    }

    /// Every stage change attached: before the window, of the window, after it.
    pub fn known_stage_changes(&self) -> impl Iterator<Item = &StageChange> {
        self.crm_history
            .stage_changes
            .iter()
            .chain(&self.stage_changes)
            .chain(&self.after.stage_changes)
    }

    /// Every CRM activity attached: before the window, of the window, after it.
    pub fn known_activities(&self) -> impl Iterator<Item = &CrmActivity> {
        self.crm_history
            .activities
            .iter()
            .chain(&self.activities)
            .chain(&self.after.activities)
    }

    /// Whether the deal has at least one message.
    #[must_use]
    pub fn has_messages(&self) -> bool {
        !self.messages.is_empty()
    }

    /// Messages written towards the company.
    #[must_use]
    pub fn inbound_count(&self) -> usize {
        self.messages
            .iter()
            .filter(|m| m.direction == Direction::Inbound)
            .count()
    }

    /// Messages written by the company.
    #[must_use]
    pub fn outbound_count(&self) -> usize {
        self.messages
            .iter()
            .filter(|m| m.direction == Direction::Outbound)
            .count()
    }
}
