//! The built-in pipeline modes, and the dialog-building helpers they share with custom modes.
//!
//! | mode | sync reads | dialogs |
//! |---|---|---|
//! | `amocrm_radist` | CRM (pipelines, managers, deals updated in the window and their contacts, deals deleted in it (marked in the store), calls, stage and responsible changes, CRM activities); messenger chats whose phone matches a deal's phone, and their messages in the window and after it up to A ([`RunContext::message_range`]) | each deal linked by phone to a chat with messages in the window, with at least `min_dialogs_for_report` messages, and its calls, stage changes and activities |
//! | `radist_only` | messenger chats active in the window and their messages in the window and after it up to A | one dialog per chat with a synthetic deal (stable id `radist:<chat id>`), with at least `min_dialogs_for_report` messages |
//! | `amocrm_only` | CRM only | each deal updated in the window, with its calls, stage changes and activities |
//!
//! Every dialog also carries what happened after the window up to the run's knowledge cut-off A
//! ([`Dialog::after`]: [`attach_crm_activity`] for the CRM's items, [`attach_after`] for the
//! chat's messages), and its stored history before the window back to the metrics'
//! `history_lookback`: the CRM modes the deal's calls, stage changes and activities
//! ([`Dialog::crm_history`], by [`attach_crm_activity`]), the chat modes the chat's messages
//! ([`Dialog::history`], by [`attach_history`]).

mod amocrm_only;
mod amocrm_radist;
mod radist_only;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

pub use amocrm_only::AmocrmOnly;
pub use amocrm_radist::AmocrmRadist;
pub use radist_only::RadistOnly;

use crate::error::RunError;
use crate::model::{
    Call, ChatId, Contact, ContactId, CrmActivity, Deal, DealId, EventId, Message, StageChange,
    Window,
};
use crate::pipeline::normalize::PhoneBook;
use crate::pipeline::{Dialog, RunContext, link};

/// The window's messages grouped by chat, each group oldest first.
///
/// # Errors
/// [`RunError::Store`].
pub async fn messages_by_chat(cx: &RunContext) -> Result<BTreeMap<ChatId, Vec<Message>>, RunError> {
    stored_messages_by_chat(cx, cx.window()).await
}

/// The calls, stage changes and CRM activities stored in one range.
struct CrmItems {
    calls: Vec<Call>,
    /// Stage changes by deal, oldest first.
    changes: HashMap<DealId, Vec<StageChange>>,
    activities: Vec<CrmActivity>,
}

impl CrmItems {
    async fn read(
        cx: &RunContext,
        range: &Window,
        deals: &[DealId],
        contacts: &[ContactId],
    ) -> Result<Self, RunError> {
        let (store, tenant) = (cx.store(), cx.tenant().id);
        let mut changes: HashMap<DealId, Vec<StageChange>> = HashMap::new();
        for c in store.stage_changes_in(tenant, range).await? {
            changes.entry(c.deal.clone()).or_default().push(c);
        }
        Ok(Self {
            calls: store.calls_in(tenant, range).await?,
            changes,
            activities: store.activities_in(tenant, range, deals, contacts).await?,
        })
    }

    /// Every call's phone, normalized once through the run's book. Only the phones of calls
    /// linked to neither a deal nor a contact decide where a call goes ([`of`](Self::of)), but
    /// every one goes through the book: the metrics then find call phones known instead of
    /// parsing them, and the tenant's persisted book keeps them for later runs.
    fn call_phones(&self, book: &mut PhoneBook) -> Vec<Option<String>> {
        self.calls
            .iter()
            .map(|c| {
                c.phone
                    .as_deref()
                    .and_then(|p| book.get(p).map(str::to_owned))
            })
            .collect()
    }

    /// The items of `deal` (whose normalized phones are `phones`): calls by explicit deal link,
    /// else by explicit contact link, else by phone; stage changes of the deal; activities of the
    /// deal or its contacts ([`activities_of`]).
    fn of(
        &self,
        deal: &Deal,
        phones: &BTreeSet<String>,
        call_phones: &[Option<String>],
    ) -> (Vec<Call>, Vec<StageChange>, Vec<CrmActivity>) {
        let belongs = |c: &Call, phone: &Option<String>| match (&c.deal, &c.contact) {
            (Some(d), _) => d == &deal.id,
            (None, Some(contact)) => deal.contacts.contains(contact),
            (None, None) => phone.as_ref().is_some_and(|p| phones.contains(p)),
        };
        let calls = self
            .calls
            .iter()
            .zip(call_phones)
            .filter(|(c, p)| belongs(c, p))
            .map(|(c, _)| c.clone())
            .collect();
        let changes = self.changes.get(&deal.id).cloned().unwrap_or_default();
        (calls, changes, activities_of(deal, &self.activities))
    }
}

/// Attaches contacts, calls, stage changes and CRM activities of the window to each dialog: calls
/// by explicit deal link, else by explicit contact link, else by phone; activities when they name
/// the dialog's deal or one of its contacts, oldest first, each id once. Those before the window,
/// back to the history start of [`attach_history`], go the same way to
/// [`Dialog::crm_history`], so the metrics can rebuild the state the window starts in (metrics.md
/// C7: a conversation closed in the CRM before the window, a lead's last call, a missed-call
/// episode begun before it). Those after the window, up to the run's knowledge cut-off
/// ([`RunContext::after_window`]), go the same way to [`Dialog::after`], so the metrics can end
/// the items that start in the window with them.
///
/// # Errors
/// [`RunError::Store`].
pub async fn attach_crm_activity(cx: &RunContext, dialogs: &mut [Dialog]) -> Result<(), RunError> {
    let store = cx.store();
    let tenant = cx.tenant().id;
    let contact_ids: Vec<ContactId> = dialogs
        .iter()
        .flat_map(|d| d.deal.contacts.iter().cloned())
        .collect();
    let contacts: HashMap<ContactId, Contact> = store
        .contacts_by_ids(tenant, &contact_ids)
        .await?
        .into_iter()
        .map(|c| (c.id.clone(), c))
        .collect();
    let deal_ids: Vec<DealId> = dialogs.iter().map(|d| d.deal.id.clone()).collect();
    let window = CrmItems::read(cx, cx.window(), &deal_ids, &contact_ids).await?;
    let history = match history_range(cx) {
        Some(range) => Some(CrmItems::read(cx, &range, &deal_ids, &contact_ids).await?),
        None => None,
    };
    let after = match cx.after_window() {
        Some(range) => Some(CrmItems::read(cx, &range, &deal_ids, &contact_ids).await?),
        None => None,
    };

    // No `.await` from here on: the run's phone book stays locked while dialogs are filled.
    let mut book = cx.phones();
    let window_phones = window.call_phones(&mut book);
    let history_phones = history
        .as_ref()
        .map(|h| h.call_phones(&mut book))
        .unwrap_or_default();
    let after_phones = after
        .as_ref()
        .map(|a| a.call_phones(&mut book))
        .unwrap_or_default();
    for d in dialogs.iter_mut() {
        d.contacts = d
            .deal
            .contacts
            .iter()
            .filter_map(|id| contacts.get(id).cloned())
            .collect();
        let contact_refs: HashMap<&ContactId, &Contact> =
            d.contacts.iter().map(|c| (&c.id, c)).collect();
        let phones = link::deal_phones_in(&mut book, &d.deal, &contact_refs);
        (d.calls, d.stage_changes, d.activities) = window.of(&d.deal, &phones, &window_phones);
        if let Some(history) = &history {
            let (calls, changes, activities) = history.of(&d.deal, &phones, &history_phones);
            d.crm_history.calls = calls;
            d.crm_history.stage_changes = changes;
            d.crm_history.activities = activities;
        }
        if let Some(after) = &after {
            let (calls, changes, activities) = after.of(&d.deal, &phones, &after_phones);
            d.after.calls = calls;
            d.after.stage_changes = changes;
            d.after.activities = activities;
        }
    }
    Ok(())
}

/// The activities that name `deal` or one of its contacts, oldest first (by time, then id), each
/// id once: an id stored under several sources keeps its oldest copy.
fn activities_of(deal: &Deal, activities: &[CrmActivity]) -> Vec<CrmActivity> {
    let mut mine: Vec<&CrmActivity> = activities
        .iter()
        .filter(|a| {
            a.deal.as_ref() == Some(&deal.id)
                || a.contact
                    .as_ref()
                    .is_some_and(|c| deal.contacts.contains(c))
        })
        .collect();
    // Stable: among equal (time, id), the store's order (by source) stays.
    mine.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    let mut seen: HashSet<&EventId> = HashSet::new();
    mine.into_iter()
        .filter(|a| seen.insert(&a.id))
        .cloned()
        .collect()
}

/// The history before the window the metrics rebuild state from (metrics.md C7): from
/// `history_lookback` (the metrics setting in `metadata.metrics`; 30 days when it is not set or
/// not valid) before the window's start up to it. `None` when the lookback is not positive.
fn history_range(cx: &RunContext) -> Option<Window> {
    let lookback = crate::analytics::MetricsConfig::from_metadata(&cx.config().metadata).map_or(
        crate::analytics::MetricsConfig::default().history_lookback,
        |c| c.history_lookback,
    );
    let start = cx.window().start;
    Window::new(start - chrono::Duration::seconds(lookback), start).ok()
}

/// Attaches to each dialog with a chat the chat's stored messages from `history_lookback` (the
/// metrics setting in `metadata.metrics`; 30 days when it is not set or not valid) before the
/// window up to the window's start (`Dialog::history`), so the metrics can rebuild sessions and
/// waits that began before the window (metrics.md C7).
///
/// # Errors
/// [`RunError::Store`].
pub async fn attach_history(cx: &RunContext, dialogs: &mut [Dialog]) -> Result<(), RunError> {
    let Some(range) = history_range(cx) else {
        return Ok(());
    };
    let by_chat = stored_messages_by_chat(cx, &range).await?;
    for d in dialogs.iter_mut() {
        if let Some(chat) = &d.chat {
            d.history = by_chat.get(&chat.id).cloned().unwrap_or_default();
        }
    }
    Ok(())
}

/// Attaches to each dialog with a chat the chat's stored messages after the window, up to the
/// run's knowledge cut-off A and no further than [`RunContext::message_range`]'s end
/// (`Dialog::after.messages`), so the metrics can end the waits and sessions that start in the
/// window with them (a reply at 00:10 to a question asked at 23:50; metrics.md C3). They are not
/// messages of the window: [`with_enough_messages`] and the report's counts do not see them.
/// Nothing is attached when A is not after the window's end.
///
/// # Errors
/// [`RunError::Store`].
pub async fn attach_after(cx: &RunContext, dialogs: &mut [Dialog]) -> Result<(), RunError> {
    let Ok(range) = Window::new(cx.window().end, cx.message_range().end) else {
        return Ok(());
    };
    let by_chat = stored_messages_by_chat(cx, &range).await?;
    for d in dialogs.iter_mut() {
        if let Some(chat) = &d.chat {
            d.after.messages = by_chat.get(&chat.id).cloned().unwrap_or_default();
        }
    }
    Ok(())
}

/// The tenant's stored messages in `range`, grouped by chat, each group oldest first.
async fn stored_messages_by_chat(
    cx: &RunContext,
    range: &Window,
) -> Result<BTreeMap<ChatId, Vec<Message>>, RunError> {
    let mut by_chat: BTreeMap<ChatId, Vec<Message>> = BTreeMap::new();
    for m in cx.store().messages_in(cx.tenant().id, range).await? {
        by_chat.entry(m.chat.clone()).or_default().push(m);
    }
    Ok(by_chat)
}

/// Keeps the dialogs with at least `min_dialogs_for_report` messages.
#[must_use]
pub fn with_enough_messages(cx: &RunContext, dialogs: Vec<Dialog>) -> Vec<Dialog> {
    let min = cx.config().min_dialogs_for_report as usize;
    dialogs
        .into_iter()
        .filter(|d| d.messages.len() >= min)
        .collect()
}

/// Deals ordered by id, deduplicated.
fn sorted_deals(mut deals: Vec<Deal>) -> Vec<Deal> {
    deals.sort_by(|a, b| a.id.cmp(&b.id));
    deals.dedup_by(|a, b| a.id == b.id);
    deals
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use async_trait::async_trait;

    use super::*;
    use crate::error::SourceError;
    use crate::model::fixtures::{self, at, client_message};
    use crate::model::{
        ActivityKind, AuthorKind, CallId, CallStatus, Channel, Chat, ChatKind, CrmActivity,
        Direction, EventLevel, Manager, ResponsibleChange, SalesPipeline, StageId,
    };
    use crate::pipeline::PipelineMode;
    use crate::pipeline::context::testing::{context, with_run};
    use crate::report::SourceState;
    use crate::source::{
        ActivityQuery, ChatQuery, ContactQuery, CrmCapabilities, CrmSource, Cursor, DealQuery,
        MessageQuery, MessengerCapabilities, MessengerSource, Page,
    };
    use crate::store::SyncBatch;

    fn deal(id: &str, contact: &str) -> Deal {
        Deal {
            contacts: vec![ContactId::new(contact)],
            ..fixtures::deal(id)
        }
    }

    fn contact(id: &str, phone: &str) -> Contact {
        Contact {
            id: ContactId::new(id),
            name: format!("contact {id}"),
            responsible: None,
            phones: vec![phone.to_owned()],
            updated_at: at("2026-03-10T12:00:00Z"),
            custom_fields: serde_json::Value::Null,
        }
    }

    fn activity(id: &str, when: &str, deal: Option<&str>, contact: Option<&str>) -> CrmActivity {
        CrmActivity {
            id: EventId::new(id),
            kind: if id.starts_with("note:") {
                ActivityKind::Note
            } else {
                ActivityKind::IncomingChatMessage
            },
            at: at(when),
            by: None,
            deal: deal.map(DealId::new),
            contact: contact.map(ContactId::new),
            talk: None,
        }
    }

    /// A CRM with two deals, their contacts and activities, served two activities a page; its
    /// activity listing fails once `fail_activities` is set.
    #[derive(Debug)]
    struct TestCrm {
        deals: Vec<Deal>,
        contacts: Vec<Contact>,
        activities: Vec<CrmActivity>,
        fail_activities: AtomicBool,
    }

    impl TestCrm {
        fn new() -> Self {
            Self {
                deals: vec![deal("d1", "c1"), deal("d2", "c2")],
                contacts: vec![contact("c1", "+79001112233"), contact("c2", "+79004445566")],
                activities: vec![
                    // Read (in the lookback) but before the window: stored, not in a dialog.
                    activity("e0", "2026-03-09T23:55:00Z", Some("d1"), None),
                    activity("e1", "2026-03-10T02:00:00Z", Some("d1"), None),
                    activity("note:1", "2026-03-10T01:00:00Z", None, Some("c1")),
                    activity("e2", "2026-03-10T03:00:00Z", Some("d1"), Some("c1")),
                    activity("e3", "2026-03-10T04:00:00Z", Some("d2"), None),
                    activity("x1", "2026-03-10T05:00:00Z", Some("d9"), Some("c9")),
                    // After the window (2026-03-10): read only when the run's clock is later.
                    activity("e4", "2026-03-11T02:00:00Z", Some("d1"), None),
                    activity("e5", "2026-03-11T12:30:00Z", Some("d1"), None),
                ],
                fail_activities: AtomicBool::new(false),
            }
        }
    }

    #[async_trait]
    impl CrmSource for TestCrm {
        fn backend(&self) -> &'static str {
            "testcrm"
        }
        fn capabilities(&self) -> CrmCapabilities {
            CrmCapabilities::full(50).with_activities()
        }
        async fn fetch_sales_pipelines(&self) -> Result<Vec<SalesPipeline>, SourceError> {
            Ok(Vec::new())
        }
        async fn fetch_managers(&self) -> Result<Vec<Manager>, SourceError> {
            Ok(Vec::new())
        }
        async fn fetch_deals<'a>(
            &self,
            q: &DealQuery,
            _page: Option<&'a Cursor>,
        ) -> Result<Page<Deal>, SourceError> {
            let range = q.updated.expect("deals are asked for by update time");
            Ok(Page::last(
                self.deals
                    .iter()
                    .filter(|d| range.contains(d.updated_at))
                    .cloned()
                    .collect(),
            ))
        }
        async fn fetch_contacts<'a>(
            &self,
            q: &ContactQuery,
            _page: Option<&'a Cursor>,
        ) -> Result<Page<Contact>, SourceError> {
            Ok(Page::last(
                self.contacts
                    .iter()
                    .filter(|c| q.ids.contains(&c.id))
                    .cloned()
                    .collect(),
            ))
        }
        async fn fetch_calls<'a>(
            &self,
            _q: &ActivityQuery,
            _page: Option<&'a Cursor>,
        ) -> Result<Page<Call>, SourceError> {
            Ok(Page::last(Vec::new()))
        }
        async fn fetch_stage_changes<'a>(
            &self,
            _q: &ActivityQuery,
            _page: Option<&'a Cursor>,
        ) -> Result<Page<StageChange>, SourceError> {
            Ok(Page::last(Vec::new()))
        }
        async fn fetch_responsible_changes<'a>(
            &self,
            _q: &ActivityQuery,
            _page: Option<&'a Cursor>,
        ) -> Result<Page<ResponsibleChange>, SourceError> {
            Ok(Page::last(Vec::new()))
        }
        async fn fetch_activities<'a>(
            &self,
            q: &ActivityQuery,
            page: Option<&'a Cursor>,
        ) -> Result<Page<CrmActivity>, SourceError> {
            if self.fail_activities.load(Ordering::SeqCst) {
                return Err(SourceError::Unavailable {
                    backend: "testcrm",
                    operation: "GET /events".into(),
                    source: None,
                });
            }
            let all: Vec<CrmActivity> = self
                .activities
                .iter()
                .filter(|a| q.range.contains(a.at))
                .cloned()
                .collect();
            let from: usize = page.map_or(0, |c| c.as_str().parse().expect("an offset"));
            let to = (from + 2).min(all.len());
            Ok(Page {
                items: all[from..to].to_vec(),
                next: (to < all.len()).then(|| Cursor::new(to.to_string())),
            })
        }
    }

    /// A messenger with one chat on contact c1's phone (another spelling) and its messages in the
    /// asked range: the client's m1 in the window (2026-03-10), the manager's reply m2 the next
    /// night and m3 the next afternoon.
    #[derive(Debug)]
    struct TestMessenger;

    #[async_trait]
    impl MessengerSource for TestMessenger {
        fn backend(&self) -> &'static str {
            "testmsg"
        }
        fn capabilities(&self) -> MessengerCapabilities {
            MessengerCapabilities::unordered(50)
        }
        async fn fetch_chats<'a>(
            &self,
            _q: &ChatQuery,
            _page: Option<&'a Cursor>,
        ) -> Result<Page<Chat>, SourceError> {
            Ok(Page::last(vec![Chat {
                id: ChatId::new("ch1"),
                channel: Channel::Whatsapp,
                kind: ChatKind::Direct,
                connection: None,
                phone: Some("8 (900) 111-22-33".into()),
                contact_name: None,
                last_message_at: Some(at("2026-03-10T10:00:00Z")),
                updated_at: at("2026-03-10T10:00:00Z"),
            }]))
        }
        async fn fetch_messages<'a>(
            &self,
            chat: &ChatId,
            q: &MessageQuery,
            _page: Option<&'a Cursor>,
        ) -> Result<Page<Message>, SourceError> {
            let all = [
                client_message("m1", chat.as_str(), "2026-03-10T10:00:00Z"),
                staff_message("m2", chat.as_str(), "2026-03-11T01:00:00Z"),
                staff_message("m3", chat.as_str(), "2026-03-11T13:00:00Z"),
            ];
            Ok(Page::last(
                all.into_iter()
                    .filter(|m| q.range.contains(m.created_at))
                    .collect(),
            ))
        }
    }

    /// A manager's (CRM user 7) text message in a chat.
    fn staff_message(id: &str, chat: &str, t: &str) -> Message {
        Message {
            direction: Direction::Outbound,
            author_kind: AuthorKind::Manager,
            author_id: Some("7".into()),
            text: Some("Here you are".into()),
            ..client_message(id, chat, t)
        }
    }

    fn message_ids(m: &[Message]) -> Vec<&str> {
        m.iter().map(|m| m.id.as_str()).collect()
    }

    fn ids(d: &Dialog) -> Vec<&str> {
        d.activities.iter().map(|a| a.id.as_str()).collect()
    }

    #[tokio::test]
    async fn amocrm_only_dialogs_carry_the_activities_of_their_deal_and_contacts() {
        let crm: Arc<dyn CrmSource> = Arc::new(TestCrm::new());
        let cx = context(Some(crm), None).await;
        with_run(&cx).await;
        AmocrmOnly.sync(&cx).await.expect("sync succeeds");
        // The same event under a second source name: a dialog lists it once.
        let copy = activity("e1", "2026-03-10T02:00:00Z", Some("d1"), None);
        cx.store()
            .apply(
                cx.tenant().id,
                "kommo",
                &SyncBatch {
                    activities: vec![copy],
                    ..SyncBatch::default()
                },
            )
            .await
            .expect("store writes");

        let dialogs = AmocrmOnly.dialogs(&cx).await.expect("dialogs");
        let by_deal: Vec<(&str, Vec<&str>)> = dialogs
            .iter()
            .map(|d| (d.deal.id.as_str(), ids(d)))
            .collect();
        assert_eq!(
            by_deal,
            [("d1", vec!["note:1", "e1", "e2"]), ("d2", vec!["e3"]),],
            "the deal's and its contacts' activities in the window, oldest first, each id once"
        );
        let e2 = &dialogs[0].activities[2];
        assert_eq!(e2.contact, Some(ContactId::new("c1")), "field for field");
        assert_eq!(e2.kind, ActivityKind::IncomingChatMessage);
        // What was read before the window is stored, not attached.
        let stored = cx
            .store()
            .activities_in(cx.tenant().id, &cx.read_range(), &[DealId::new("d1")], &[])
            .await
            .expect("store reads");
        assert_eq!(stored.first().map(|a| a.id.as_str()), Some("e0"));
    }

    #[tokio::test]
    async fn dialogs_carry_their_chats_stored_history_back_to_the_lookback() {
        let crm: Arc<dyn CrmSource> = Arc::new(TestCrm::new());
        let messenger: Arc<dyn MessengerSource> = Arc::new(TestMessenger);
        let cx = context(Some(crm), Some(messenger)).await;
        with_run(&cx).await;
        AmocrmRadist.sync(&cx).await.expect("sync succeeds");
        let messages = vec![
            // The evening before the window (2026-03-10): history.
            client_message("h1", "ch1", "2026-03-09T20:00:00Z"),
            // Older than the 30-day lookback: left out.
            client_message("h0", "ch1", "2026-01-05T10:00:00Z"),
            // Another chat's history: not this dialog's.
            client_message("x1", "ch2", "2026-03-09T21:00:00Z"),
        ];
        cx.store()
            .apply(
                cx.tenant().id,
                "radist",
                &SyncBatch {
                    messages,
                    ..SyncBatch::default()
                },
            )
            .await
            .expect("store writes");
        let dialogs = AmocrmRadist.dialogs(&cx).await.expect("dialogs");
        let history: Vec<&str> = dialogs[0].history.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(history, ["h1"]);
        // The window's messages are unchanged.
        let window: Vec<&str> = dialogs[0].messages.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(window, ["m1"]);
    }

    /// A call of deal `deal` at `when` (a missed inbound one).
    fn deal_call(id: &str, deal: &str, when: &str) -> Call {
        Call {
            id: CallId::new(id),
            direction: Direction::Inbound,
            started_at: at(when),
            talk_s: 0,
            status: CallStatus::NoAnswer,
            manager: None,
            phone: None,
            deal: Some(DealId::new(deal)),
            contact: None,
            updated_at: at(when),
        }
    }

    /// Deal `deal` moves from stage s1 to s2 at `when`.
    fn stage_change(id: &str, deal: &str, when: &str) -> StageChange {
        StageChange {
            id: EventId::new(id),
            deal: DealId::new(deal),
            at: at(when),
            from_pipeline: None,
            from_stage: Some(StageId::new("s1")),
            to_pipeline: None,
            to_stage: Some(StageId::new("s2")),
            by: None,
        }
    }

    /// The ids of a dialog's CRM history: (calls, stage changes, activities).
    fn crm_history_ids(d: &Dialog) -> (Vec<&str>, Vec<&str>, Vec<&str>) {
        let h = &d.crm_history;
        (
            h.calls.iter().map(|c| c.id.as_str()).collect(),
            h.stage_changes.iter().map(|c| c.id.as_str()).collect(),
            h.activities.iter().map(|a| a.id.as_str()).collect(),
        )
    }

    #[tokio::test]
    async fn dialogs_carry_their_deals_stored_crm_history_back_to_the_lookback() {
        let crm: Arc<dyn CrmSource> = Arc::new(TestCrm::new());
        let messenger: Arc<dyn MessengerSource> = Arc::new(TestMessenger);
        let cx = context(Some(crm), Some(messenger)).await;
        with_run(&cx).await;
        AmocrmRadist.sync(&cx).await.expect("sync succeeds");
        // Stored by earlier runs: the window is 2026-03-10, the history starts 30 days before.
        let batch = SyncBatch {
            calls: vec![
                deal_call("k1", "d1", "2026-03-09T10:00:00Z"),
                // Older than the lookback: left out.
                deal_call("k0", "d1", "2026-01-05T10:00:00Z"),
                // Another deal's: not d1's.
                deal_call("kx", "d2", "2026-03-09T11:00:00Z"),
                // The window's: in `calls`, not in the history.
                deal_call("k2", "d1", "2026-03-10T09:00:00Z"),
            ],
            stage_changes: vec![
                stage_change("sc1", "d1", "2026-02-20T10:00:00Z"),
                stage_change("sc0", "d1", "2026-01-20T10:00:00Z"),
            ],
            activities: vec![activity("e00", "2026-02-15T10:00:00Z", None, Some("c1"))],
            ..SyncBatch::default()
        };
        cx.store()
            .apply(cx.tenant().id, "testcrm", &batch)
            .await
            .expect("store writes");

        for dialogs in [
            AmocrmRadist.dialogs(&cx).await.expect("dialogs"),
            AmocrmOnly.dialogs(&cx).await.expect("dialogs"),
        ] {
            let d1 = dialogs
                .iter()
                .find(|d| d.deal.id.as_str() == "d1")
                .expect("d1");
            assert_eq!(
                crm_history_ids(d1),
                (vec!["k1"], vec!["sc1"], vec!["e00", "e0"]),
                "the deal's calls, stage changes and activities (also its contact's) from the \
                 history start up to the window, oldest first"
            );
            // The window's items are unchanged.
            let calls: Vec<&str> = d1.calls.iter().map(|c| c.id.as_str()).collect();
            assert_eq!(calls, ["k2"]);
            assert!(d1.stage_changes.is_empty());
            assert_eq!(ids(d1), ["note:1", "e1", "e2"]);
        }
    }

    #[tokio::test]
    async fn dialogs_carry_what_happened_after_the_window_up_to_the_runs_cut_off() {
        let crm: Arc<dyn CrmSource> = Arc::new(TestCrm::new());
        let messenger: Arc<dyn MessengerSource> = Arc::new(TestMessenger);
        let mut cx = context(Some(crm), Some(messenger)).await;
        // The report on 2026-03-10 runs the next day at 14:00 with A = 12:00.
        cx.clock = Arc::new(crate::clock::ManualClock::new(at("2026-03-11T14:00:00Z")));
        cx.as_of = at("2026-03-11T12:00:00Z");
        assert_eq!(
            cx.message_range(),
            crate::model::Window {
                start: at("2026-03-10T00:00:00Z"),
                end: at("2026-03-11T12:00:00.000001Z"),
            },
            "messages are read from the window's start up to A"
        );
        with_run(&cx).await;
        AmocrmRadist.sync(&cx).await.expect("sync succeeds");
        // m3 (13:00) is after A: not read by the sync, and left out when stored all the same.
        cx.store()
            .apply(
                cx.tenant().id,
                "radist",
                &SyncBatch {
                    messages: vec![staff_message("m3", "ch1", "2026-03-11T13:00:00Z")],
                    ..SyncBatch::default()
                },
            )
            .await
            .expect("store writes");

        let dialogs = AmocrmRadist.dialogs(&cx).await.expect("dialogs");
        assert_eq!(dialogs.len(), 1);
        let d = &dialogs[0];
        assert_eq!(message_ids(&d.messages), ["m1"], "the window's messages");
        assert_eq!(
            message_ids(&d.after.messages),
            ["m2"],
            "after the window, up to A"
        );
        assert_eq!(ids(d), ["note:1", "e1", "e2"], "the window's activities");
        let after: Vec<&str> = d.after.activities.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(after, ["e4"], "e5 (12:30) is after A");

        // The report's counts are the window's; the metrics close m1's wait with m2.
        let summary = crate::report::SummaryNumbers::from_dialogs(&dialogs, &[], &[], cx.as_of());
        assert_eq!(
            (
                summary.messages,
                summary.messages_inbound,
                summary.messages_outbound
            ),
            (1, 1, 0)
        );
        let input = crate::report::SectionInput {
            tenant: cx.tenant(),
            config: cx.config(),
            window: cx.window(),
            as_of: cx.as_of(),
            dialogs: &dialogs,
            pipelines: &[],
            managers: &[],
            phones: None,
        };
        let m = crate::analytics::MetricsSection::new()
            .report(&input)
            .expect("metrics");
        assert_eq!(m.as_of, at("2026-03-11T12:00:00Z"));
        let w = &m.totals.waits;
        assert_eq!((w.total, w.answered, w.open_at_end), (1, 1, 1));
        assert_eq!(
            w.reply.calendar.max,
            Some(54_000.0),
            "10:00 to 01:00 the next day"
        );
        assert_eq!(
            (m.totals.messages.inbound, m.totals.messages.out_human),
            (1, 0),
            "m2 is not a message of the window"
        );

        // With A at the window's end nothing after it is attached.
        cx.as_of = cx.window().end - chrono::Duration::hours(1);
        let dialogs = AmocrmRadist.dialogs(&cx).await.expect("dialogs");
        assert!(dialogs[0].after.is_empty(), "{:?}", dialogs[0].after);
        assert_eq!(message_ids(&dialogs[0].messages), ["m1"]);
    }

    #[tokio::test]
    async fn radist_only_dialogs_carry_the_chats_messages_after_the_window() {
        let messenger: Arc<dyn MessengerSource> = Arc::new(TestMessenger);
        let mut cx = context(None, Some(messenger)).await;
        cx.clock = Arc::new(crate::clock::ManualClock::new(at("2026-03-11T14:00:00Z")));
        cx.as_of = at("2026-03-11T12:00:00Z");
        with_run(&cx).await;
        RadistOnly.sync(&cx).await.expect("sync succeeds");
        let dialogs = RadistOnly.dialogs(&cx).await.expect("dialogs");
        assert_eq!(message_ids(&dialogs[0].messages), ["m1"]);
        assert_eq!(message_ids(&dialogs[0].after.messages), ["m2"]);
        // The synthetic deal is dated by the window's messages only.
        assert_eq!(dialogs[0].deal.updated_at, at("2026-03-10T10:00:00Z"));
    }

    #[tokio::test]
    async fn amocrm_radist_dialogs_keep_stored_activities_when_the_crm_fails() {
        let crm = Arc::new(TestCrm::new());
        let dyn_crm: Arc<dyn CrmSource> = crm.clone();
        let messenger: Arc<dyn MessengerSource> = Arc::new(TestMessenger);
        let cx = context(Some(dyn_crm), Some(messenger)).await;
        with_run(&cx).await;

        AmocrmRadist.sync(&cx).await.expect("sync succeeds");
        let dialogs = AmocrmRadist.dialogs(&cx).await.expect("dialogs");
        assert_eq!(
            dialogs.len(),
            1,
            "only d1 is linked to a chat with messages"
        );
        assert_eq!(dialogs[0].deal.id.as_str(), "d1");
        assert_eq!(dialogs[0].messages.len(), 1);
        assert_eq!(ids(&dialogs[0]), ["note:1", "e1", "e2"]);

        // The next run's CRM fails on activities: the run goes on with what is stored.
        crm.fail_activities.store(true, Ordering::SeqCst);
        AmocrmRadist
            .sync(&cx)
            .await
            .expect("stored data carries the run");
        let events = cx
            .store()
            .run_events(cx.tenant().id, cx.run_id())
            .await
            .expect("reads");
        assert!(
            events
                .iter()
                .any(|e| e.event.level == EventLevel::Warn
                    && e.event.step == "sync.testcrm.activities"),
            "a warning names the failed sub-step"
        );
        let crm_states: Vec<bool> = cx
            .lock()
            .sources
            .iter()
            .filter(|s| s.source == "testcrm")
            .map(|s| matches!(s.state, SourceState::Failed { .. }))
            .collect();
        assert_eq!(
            crm_states,
            [false, true],
            "fresh, then failed on stored data"
        );
        let again = AmocrmRadist.dialogs(&cx).await.expect("dialogs");
        assert_eq!(again.len(), 1);
        assert_eq!(ids(&again[0]), ["note:1", "e1", "e2"]);
    }
}
