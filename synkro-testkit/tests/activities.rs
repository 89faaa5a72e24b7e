//! Generated CRM activities and the in-memory `FakeCrm` serving them.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use futures::TryStreamExt;
use synkro_core::model::{
    ActivityKind, AuthorKind, ChatId, ContactId, CrmActivity, DealId, Direction, ManagerId, Window,
};
use synkro_core::source::{ActivityQuery, CrmSource, Cursor, paginate};
use synkro_testkit::data::ROBOT_AUTHOR_ID;
use synkro_testkit::{Dataset, DatasetSpec, FakeCrm, Fault};

fn end() -> DateTime<Utc> {
    "2026-03-11T00:00:00Z".parse().unwrap()
}

/// The last ten digits of a phone, whatever its format.
fn phone_key(p: &str) -> String {
    let digits: String = p.chars().filter(char::is_ascii_digit).collect();
    digits[digits.len().saturating_sub(10)..].to_owned()
}

/// Each chat whose phone matches its client's contact, with that client's deal and manager.
fn linked_chats(d: &Dataset) -> HashMap<ChatId, (DealId, ManagerId)> {
    let mut by_phone: HashMap<String, (&ContactId, &ManagerId)> = HashMap::new();
    for c in &d.contacts {
        for p in &c.phones {
            by_phone.insert(phone_key(p), (&c.id, c.responsible.as_ref().unwrap()));
        }
    }
    let deal_of: HashMap<&ContactId, &DealId> = d
        .deals
        .iter()
        .flat_map(|deal| deal.contacts.iter().map(move |c| (c, &deal.id)))
        .collect();
    d.chats
        .iter()
        .filter_map(|chat| {
            let (contact, manager) = by_phone.get(&phone_key(chat.phone.as_deref()?))?;
            Some((
                chat.id.clone(),
                ((*deal_of.get(contact)?).clone(), (*manager).clone()),
            ))
        })
        .collect()
}

fn of_kind(d: &Dataset, kind: ActivityKind) -> Vec<&CrmActivity> {
    d.activities.iter().filter(|a| a.kind == kind).collect()
}

#[test]
fn activities_are_deterministic_sorted_unique_and_inside_the_period() {
    let a = Dataset::generate(&DatasetSpec::small(31, end()));
    let b = Dataset::generate(&DatasetSpec::small(31, end()));
    let c = Dataset::generate(&DatasetSpec::small(32, end()));
    assert_eq!(a.activities, b.activities);
    assert_ne!(a.activities, c.activities);
    assert!(
        a.activities
            .windows(2)
            .all(|w| (w[0].at, &w[0].id) < (w[1].at, &w[1].id)),
        "sorted by time, then id"
    );
    let ids: HashSet<_> = a.activities.iter().map(|x| &x.id).collect();
    assert_eq!(ids.len(), a.activities.len(), "ids are unique");
    assert!(
        a.activities
            .iter()
            .all(|x| x.at >= a.start() && x.at < a.spec.end)
    );
    let outgoing = of_kind(&a, ActivityKind::OutgoingChatMessage).len();
    let closed = of_kind(&a, ActivityKind::ChatClosed).len();
    let notes = of_kind(&a, ActivityKind::Note).len();
    assert!(outgoing > 50, "{outgoing}");
    assert!(closed >= 3, "{closed}");
    assert!((1..=a.deals.len()).contains(&notes), "{notes}");
    assert!(of_kind(&a, ActivityKind::IncomingChatMessage).is_empty());
    assert_eq!(a.to_batch().activities, a.activities);
}

#[test]
fn every_staff_message_of_a_linked_chat_has_one_crm_event_by_its_author() {
    let d = Dataset::generate(&DatasetSpec::small(33, end()));
    let linked = linked_chats(&d);
    assert!(!linked.is_empty() && linked.len() < d.chats.len());
    let mut events_of_deal: HashMap<&DealId, Vec<&CrmActivity>> = HashMap::new();
    for e in of_kind(&d, ActivityKind::OutgoingChatMessage) {
        assert!(e.contact.is_none() && e.talk.is_some());
        events_of_deal
            .entry(e.deal.as_ref().expect("events are on the chat's deal"))
            .or_default()
            .push(e);
    }
    let mut staff = 0;
    let mut without_author = 0;
    for m in d
        .messages
        .iter()
        .filter(|m| m.direction == Direction::Outbound && m.author_kind == AuthorKind::Manager)
    {
        let Some((deal, manager)) = linked.get(&m.chat) else {
            continue;
        };
        staff += 1;
        // Rule O0: exactly one event of the deal within ± 10 s, by the message's author.
        let near: Vec<_> = events_of_deal
            .get(deal)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter(|e| (e.at - m.created_at).abs() <= Duration::seconds(10))
            .collect();
        assert_eq!(near.len(), 1, "message {} has one event near it", m.id);
        assert!((near[0].at - m.created_at).abs() <= Duration::seconds(3));
        let author = m.author_id.as_deref().unwrap_or(manager.as_str());
        assert_eq!(near[0].by.as_ref().map(ManagerId::as_str), Some(author));
        if m.author_id.is_none() {
            without_author += 1;
        }
    }
    assert_eq!(
        staff,
        of_kind(&d, ActivityKind::OutgoingChatMessage).len(),
        "one event per staff message of a linked chat, none for unlinked chats"
    );
    assert!(
        without_author > 0,
        "some staff messages lack their author in the messenger: O0 has work"
    );
}

#[test]
fn closed_chats_end_their_talk_on_the_chats_deal() {
    let d = Dataset::generate(&DatasetSpec::small(34, end()));
    let closes = of_kind(&d, ActivityKind::ChatClosed);
    let talks: HashSet<_> = closes.iter().map(|c| c.talk.clone().unwrap()).collect();
    assert_eq!(talks.len(), closes.len(), "a talk is closed once");
    assert!(
        closes
            .iter()
            .any(|c| c.by.as_ref().map(ManagerId::as_str) == Some(ROBOT_AUTHOR_ID))
            || closes.len() < 5,
        "some talks are closed by the robot"
    );
    for close in &closes {
        assert!(close.deal.is_some() && close.contact.is_none());
        // Nothing more is said in a closed talk.
        let later = d.activities.iter().filter(|a| {
            a.kind == ActivityKind::OutgoingChatMessage && a.talk == close.talk && a.at > close.at
        });
        assert_eq!(later.count(), 0);
        // The close follows the talk's last message event.
        let last = d
            .activities
            .iter()
            .filter(|a| a.kind == ActivityKind::OutgoingChatMessage && a.talk == close.talk)
            .map(|a| a.at)
            .max();
        assert!(last.is_none_or(|l| l < close.at));
    }
    let notes = of_kind(&d, ActivityKind::Note);
    assert!(notes.iter().all(|n| {
        n.id.as_str().starts_with("note:")
            && n.talk.is_none()
            && (n.deal.is_some() != n.contact.is_some())
    }));
}

#[test]
fn the_exact_message_count_still_holds_with_activities() {
    for (seed, n) in [(35, 1_000), (36, 5_000)] {
        let d = Dataset::generate(&DatasetSpec::with_messages(seed, end(), n));
        assert_eq!(d.messages.len(), n);
        assert!(!of_kind(&d, ActivityKind::OutgoingChatMessage).is_empty());
        assert!(!of_kind(&d, ActivityKind::ChatClosed).is_empty());
    }
}

#[tokio::test]
async fn fake_crm_pages_activities_of_a_range_and_can_fail() {
    let data = Arc::new(Dataset::generate(&DatasetSpec::small(37, end())));
    let crm = FakeCrm::new(data.clone()).page_size(9);
    assert!(crm.capabilities().activities);
    let range = Window::new(end() - Duration::days(1), end()).unwrap();
    let q = ActivityQuery::in_range(range);
    let pages: Vec<_> = paginate(|c: Option<Cursor>| {
        let crm = crm.clone();
        let q = q.clone();
        async move { crm.fetch_activities(&q, c.as_ref()).await }
    })
    .try_collect()
    .await
    .unwrap();
    assert!(pages.len() > 1);
    assert!(pages.iter().all(|p| p.items.len() <= 9));
    let got: Vec<_> = pages.into_iter().flat_map(|p| p.items).collect();
    let want: Vec<_> = data
        .activities
        .iter()
        .filter(|a| range.contains(a.at))
        .cloned()
        .collect();
    assert!(!want.is_empty() && want.len() < data.activities.len());
    assert_eq!(got, want);
    let ops: HashSet<_> = crm.requests().iter().map(|r| r.operation.clone()).collect();
    assert_eq!(ops, HashSet::from(["activities".to_owned()]));

    crm.fail(Fault::Unavailable, Some("activities"), 0);
    assert!(crm.fetch_activities(&q, None).await.is_err());
    crm.heal();
    assert!(crm.fetch_activities(&q, None).await.is_ok());
}
