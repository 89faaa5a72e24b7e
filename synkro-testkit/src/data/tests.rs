//! The generator's properties: determinism, consistency, working hours, scale.

use chrono::{DateTime, Timelike, Utc};
use synkro_core::model::{AuthorKind, Call, Direction};

use super::{Dataset, DatasetSpec};

fn end() -> DateTime<Utc> {
    "2026-03-11T00:00:00Z".parse().unwrap()
}

#[test]
fn same_seed_same_data_other_seed_other_data() {
    let a = Dataset::generate(&DatasetSpec::small(7, end()));
    let b = Dataset::generate(&DatasetSpec::small(7, end()));
    let c = Dataset::generate(&DatasetSpec::small(8, end()));
    assert_eq!(a.messages, b.messages);
    assert_eq!(a.deals, b.deals);
    assert_eq!(a.activities, b.activities);
    assert_ne!(a.messages, c.messages);
    assert_ne!(a.activities, c.activities);
}

#[test]
fn data_is_consistent_and_inside_the_period() {
    let d = Dataset::generate(&DatasetSpec::small(1, end()));
    let start = d.start();
    assert!(d.contacts.len() >= 30);
    assert_eq!(d.deals.len(), d.contacts.len());
    assert!(d.chats.len() >= d.contacts.len());
    assert_eq!(d.messages.len(), 600, "the asked-for size, exactly");
    assert!(
        d.messages
            .iter()
            .all(|m| m.created_at >= start && m.created_at < d.spec.end)
    );
    let ids: std::collections::HashSet<_> = d.messages.iter().map(|m| &m.id).collect();
    assert_eq!(ids.len(), d.messages.len(), "message ids are unique");
    for chat in &d.chats {
        let msgs = d.messages_of(&chat.id);
        assert!(msgs.iter().all(|m| m.chat == chat.id));
        assert!(msgs.windows(2).all(|w| w[0].created_at <= w[1].created_at));
        assert_eq!(chat.last_message_at, msgs.last().map(|m| m.created_at));
    }
    assert!(d.messages.iter().any(|m| m.author_kind == AuthorKind::Bot));
    assert!(
        d.messages
            .iter()
            .any(|m| m.direction == Direction::Outbound && m.author_id.is_none())
    );
    assert!(d.calls.iter().any(Call::is_missed));
    assert!(!d.stage_changes.is_empty());
}

#[test]
fn manager_replies_at_night_wait_for_the_morning() {
    let d = Dataset::generate(&DatasetSpec::small(3, end()));
    let tz = d.spec.timezone;
    let mut night_waits = 0;
    for chat in &d.chats {
        for w in d.messages_of(&chat.id).windows(2) {
            let (client, reply) = (&w[0], &w[1]);
            let local = client.created_at.with_timezone(&tz);
            if client.direction == Direction::Inbound
                && reply.author_kind == AuthorKind::Manager
                && (local.hour() < 6 || local.hour() >= 21)
            {
                let reply_local = reply.created_at.with_timezone(&tz);
                assert!(
                    (9..11).contains(&reply_local.hour()),
                    "night message answered at {reply_local}"
                );
                night_waits += 1;
            }
        }
    }
    assert!(night_waits > 0, "the dataset has night messages");
}

#[test]
fn sizes_scale_to_large_tenants() {
    let d = Dataset::generate(&DatasetSpec::with_messages(5, end(), 50_000));
    assert!(d.deals.len() >= 1000);
    assert_eq!(d.messages.len(), 50_000);
}

#[test]
fn deleted_deals_change_only_those_deals_and_go_into_the_batch_deleted() {
    let base = Dataset::generate(&DatasetSpec::small(7, end()));
    assert_eq!(base.deleted_deals().count(), 0, "none by default");
    let spec = DatasetSpec {
        deleted_deals: 4,
        ..DatasetSpec::small(7, end())
    };
    let with = Dataset::generate(&spec);
    assert_eq!(with.deals, Dataset::generate(&spec).deals, "deterministic");
    assert_eq!(with.deleted_deals().count(), 4);
    // Everything else is the data of the same seed without deletions.
    assert_eq!(with.messages, base.messages);
    assert_eq!(with.chats, base.chats);
    assert_eq!(with.contacts, base.contacts);
    assert_eq!(with.calls, base.calls);
    assert_eq!(with.stage_changes, base.stage_changes);
    assert_eq!(with.activities, base.activities);
    assert_eq!(with.deals.len(), base.deals.len());
    for (w, b) in with.deals.iter().zip(&base.deals) {
        match w.deleted_at {
            None => assert_eq!(w, b),
            Some(at) => {
                // Deleted 0 to 120 minutes after its last update, before the end of the data.
                assert_eq!(w.updated_at, at);
                assert!(at >= b.updated_at && at <= b.updated_at + chrono::Duration::hours(2));
                assert!(at < with.spec.end);
                let live = synkro_core::model::Deal {
                    deleted_at: None,
                    updated_at: b.updated_at,
                    ..w.clone()
                };
                assert_eq!(&live, b);
            }
        }
    }
    // The batch carries them deleted.
    let batch = with.to_batch();
    assert_eq!(batch.deals.iter().filter(|d| d.is_deleted()).count(), 4);
    assert!(batch.deleted_deals.is_empty());
}
