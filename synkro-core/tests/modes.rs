//! Each built-in mode: which sources it calls, what it joins, which dialogs it keeps.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use synkro_core::clock::Clock as _;

use common::{env, env_with, ops, tail10};
use synkro_core::model::{Direction, RunState, Window};
use synkro_core::pipeline::modes::RadistOnly;

fn window_of(res: &synkro_core::pipeline::RunResult) -> Window {
    res.run.window
}

#[tokio::test]
async fn amocrm_radist_reads_both_sources_and_joins_chats_to_deals_by_phone() {
    let e = env("amocrm_radist").await;
    let res = e.run(&e.adapters()).await;
    assert_eq!(res.run.state, RunState::Succeeded, "{:?}", res.run.error);
    let w = window_of(&res);
    let report = res.report.expect("a report");
    let read_from = w.start - chrono::Duration::minutes(10);
    // The read range runs to the run's "now": later updates of a deal worked on in the window.
    let read_to = w.end.max(e.clock.now());

    let crm_ops = ops(&e.crm.requests());
    for op in [
        "sales_pipelines",
        "managers",
        "deals",
        "contacts",
        "calls",
        "stage_changes",
        "responsible_changes",
    ] {
        assert!(crm_ops.contains(op), "CRM {op} not read: {crm_ops:?}");
    }
    assert_eq!(
        ops(&e.messenger.requests()),
        BTreeSet::from(["chats".to_owned(), "messages".to_owned()])
    );

    // Independent expectation: deals updated in the read range; their contacts' phones (last ten
    // digits); the chats on those phones with messages in the window, the latest active winning.
    let deals: Vec<_> = e
        .data
        .deals
        .iter()
        .filter(|d| d.updated_at >= read_from && d.updated_at < read_to)
        .collect();
    let contacts: BTreeMap<_, _> = e.data.contacts.iter().map(|c| (&c.id, c)).collect();
    let mut best: BTreeMap<String, &synkro_core::model::Chat> = BTreeMap::new();
    for chat in &e.data.chats {
        let in_window = e
            .data
            .messages_of(&chat.id)
            .iter()
            .any(|m| w.contains(m.created_at));
        if !in_window {
            continue;
        }
        let key = tail10(chat.phone.as_deref().unwrap());
        let cur = best.entry(key).or_insert(chat);
        if chat.last_message_at > cur.last_message_at {
            *cur = chat;
        }
    }
    let mut expected = BTreeMap::new();
    for d in &deals {
        let phones: Vec<String> = d
            .contacts
            .iter()
            .flat_map(|c| contacts[c].phones.iter())
            .map(|p| tail10(p))
            .collect();
        if let Some(chat) = phones.iter().find_map(|p| best.get(p)) {
            expected.insert(d.id.clone(), chat.id.clone());
        }
    }
    assert!(!expected.is_empty(), "the dataset links some deals");
    assert_eq!(report.document.summary.deals, expected.len() as u64);
    // Per responsible manager, deals and messages match the expected join exactly.
    let mut per_manager: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for d in &deals {
        if let Some(chat) = expected.get(&d.id) {
            let n = e
                .data
                .messages_of(chat)
                .iter()
                .filter(|m| w.contains(m.created_at))
                .count() as u64;
            let row = per_manager
                .entry(d.responsible.as_ref().unwrap().to_string())
                .or_default();
            row.0 += 1;
            row.1 += n;
        }
    }
    let got: BTreeMap<String, (u64, u64)> = report
        .document
        .summary
        .by_manager
        .iter()
        .map(|r| (r.key.clone(), (r.deals, r.messages)))
        .collect();
    assert_eq!(got, per_manager);
    let expected_messages: u64 = per_manager.values().map(|v| v.1).sum();
    assert_eq!(report.document.summary.messages, expected_messages);

    // Only chats on a deal's phone had their messages fetched.
    let synced_chats: HashSet<_> = e
        .store
        .chats(e.tenant.id)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    let deal_phones: HashSet<String> = deals
        .iter()
        .flat_map(|d| d.contacts.iter().flat_map(|c| contacts[c].phones.iter()))
        .map(|p| tail10(p))
        .collect();
    for chat in e.data.chats.iter().filter(|c| synced_chats.contains(&c.id)) {
        assert!(
            deal_phones.contains(&tail10(chat.phone.as_deref().unwrap())),
            "chat {} synced without a deal",
            chat.id
        );
    }
}

use synkro_core::store::DataStore;

#[tokio::test]
async fn amocrm_radist_drops_deals_below_min_dialogs_for_report() {
    let all = env("amocrm_radist").await;
    let all = all.run(&all.adapters()).await.report.unwrap();
    let strict = env_with("amocrm_radist", |c| c.min_dialogs_for_report = 6).await;
    let res = strict.run(&strict.adapters()).await;
    let doc = res.report.unwrap().document;
    assert!(
        doc.summary.deals < all.document.summary.deals,
        "some deals have fewer than 6 messages"
    );
    assert!(doc.summary.deals > 0);
    for row in &doc.summary.by_manager {
        assert!(row.messages >= 6 * row.deals, "{row:?}");
    }
}

#[tokio::test]
async fn radist_only_never_calls_the_crm_and_makes_one_synthetic_deal_per_chat() {
    let e = env("radist_only").await;
    let res = e.run(&e.adapters()).await;
    assert_eq!(res.run.state, RunState::Succeeded, "{:?}", res.run.error);
    assert!(
        e.crm.requests().is_empty(),
        "radist_only read the CRM: {:?}",
        e.crm.requests()
    );
    let w = res.run.window;
    let active: Vec<_> = e
        .data
        .chats
        .iter()
        .filter(|c| {
            e.data
                .messages_of(&c.id)
                .iter()
                .any(|m| w.contains(m.created_at))
        })
        .collect();
    let doc = res.report.unwrap().document;
    assert_eq!(doc.summary.deals, active.len() as u64);
    assert_eq!(doc.summary.deals_with_dialogs, active.len() as u64);
    let inbound: usize = active
        .iter()
        .map(|c| {
            e.data
                .messages_of(&c.id)
                .iter()
                .filter(|m| w.contains(m.created_at) && m.direction == Direction::Inbound)
                .count()
        })
        .sum();
    assert_eq!(doc.summary.messages_inbound, inbound as u64);
    // Synthetic ids are derived from the chat alone, so they are the same in every run.
    let chat = active[0];
    assert_eq!(
        RadistOnly::deal_id(chat).as_str(),
        format!("radist:{}", chat.id)
    );
    let again = RadistOnly::synthetic_deal(chat, e.data.messages_of(&chat.id));
    assert_eq!(again.id, RadistOnly::deal_id(chat));
    assert!(again.synthetic);
}

#[tokio::test]
async fn amocrm_only_never_calls_the_messenger_and_reports_deals_with_calls() {
    let e = env("amocrm_only").await;
    let res = e.run(&e.adapters()).await;
    assert_eq!(res.run.state, RunState::Succeeded, "{:?}", res.run.error);
    assert!(e.messenger.requests().is_empty());
    let w = res.run.window;
    let doc = res.report.unwrap().document;
    let deals: HashSet<_> = e
        .data
        .deals
        .iter()
        .filter(|d| w.contains(d.updated_at))
        .map(|d| &d.id)
        .collect();
    assert_eq!(doc.summary.deals, deals.len() as u64);
    assert_eq!(doc.summary.messages, 0);
    let calls = e
        .data
        .calls
        .iter()
        .filter(|c| w.contains(c.started_at) && c.deal.as_ref().is_some_and(|d| deals.contains(d)))
        .count();
    assert_eq!(doc.summary.calls, calls as u64);
    assert!(calls > 0);
}

#[tokio::test]
async fn contacts_are_fetched_in_batches_not_one_request_each() {
    let e = env("amocrm_only").await;
    let res = e.run(&e.adapters()).await;
    assert_eq!(res.run.state, RunState::Succeeded);
    let contact_requests = e
        .crm
        .requests()
        .iter()
        .filter(|r| r.operation == "contacts")
        .count();
    let linked: HashSet<_> = e
        .data
        .deals
        .iter()
        .filter(|d| {
            d.updated_at >= res.run.window.start - chrono::Duration::minutes(10)
                && d.updated_at < res.run.window.end.max(e.clock.now())
        })
        .flat_map(|d| d.contacts.iter())
        .collect();
    // Page size 7: one request per batch of 7 ids.
    assert_eq!(contact_requests, linked.len().div_ceil(7));
}
