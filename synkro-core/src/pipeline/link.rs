//! Joining chats to deals by phone.
//!
//! Phones on both sides are normalized to E.164 with [`normalize::phone`](crate::pipeline::normalize::phone) in the tenant's default
//! region. When several chats share a phone (one client writing to several connections, or an old
//! chat left over), the most recently active one is linked and the others are listed as shadowed,
//! so the report's data-quality section can say what was left out and why.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::model::{Chat, ChatId, Contact, ContactId, Deal, DealId};
use crate::pipeline::normalize::PhoneBook;

/// The result of [`by_phone`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LinkResult {
    /// The chat linked to each deal that has one.
    pub links: BTreeMap<DealId, ChatId>,
    /// Chats no deal links to.
    pub unmatched_chats: Vec<ChatId>,
    /// Deals with no usable phone on the deal or its contacts.
    pub deals_without_phone: Vec<DealId>,
    /// Deals with a usable phone that no chat has.
    #[serde(default)]
    pub deals_without_chat: Vec<DealId>,
    /// Chats with no phone, or a phone that is not a valid number (also in `unmatched_chats`).
    #[serde(default)]
    pub chats_without_phone: Vec<ChatId>,
    /// Chats that share a phone with a more recently active chat, which won the link (also in
    /// `unmatched_chats`).
    #[serde(default)]
    pub shadowed_chats: Vec<ChatId>,
}

/// The normalized phones of a deal: those on the deal and on its contacts.
#[must_use]
pub fn deal_phones(
    deal: &Deal,
    contacts: &HashMap<&ContactId, &Contact>,
    region: &str,
) -> BTreeSet<String> {
    deal_phones_in(&mut PhoneBook::new(region), deal, contacts)
}

/// [`deal_phones`], normalizing with `book` (each spelling is parsed once per book).
#[must_use]
pub fn deal_phones_in(
    book: &mut PhoneBook,
    deal: &Deal,
    contacts: &HashMap<&ContactId, &Contact>,
) -> BTreeSet<String> {
    let on_contacts = deal
        .contacts
        .iter()
        .filter_map(|id| contacts.get(id))
        .flat_map(|c| c.phones.iter());
    deal.phones
        .iter()
        .chain(on_contacts)
        .filter_map(|p| book.get(p).map(str::to_owned))
        .collect()
}

/// Links each deal to one chat by normalized phone (the old service's rule): among the chats
/// whose phone is one of the deal's phones, the most recently active one wins (latest last
/// message, then latest update, then the greatest id, so the choice is deterministic).
#[must_use]
pub fn by_phone(deals: &[Deal], contacts: &[Contact], chats: &[Chat], region: &str) -> LinkResult {
    by_phone_in(&mut PhoneBook::new(region), deals, contacts, chats)
}

/// [`by_phone`], normalizing with `book`: a run that keeps one book parses each spelling once for
/// linking, attaching calls and the metrics.
#[must_use]
pub fn by_phone_in(
    book: &mut PhoneBook,
    deals: &[Deal],
    contacts: &[Contact],
    chats: &[Chat],
) -> LinkResult {
    let contacts: HashMap<&ContactId, &Contact> = contacts.iter().map(|c| (&c.id, c)).collect();
    let activity = |c: &Chat| (c.last_message_at, c.updated_at, c.id.clone());
    let mut best_by_phone: HashMap<String, &Chat> = HashMap::new();
    let mut out = LinkResult::default();
    let mut phoned: Vec<(&Chat, String)> = Vec::new();
    for chat in chats {
        let Some(p) = chat
            .phone
            .as_deref()
            .and_then(|p| book.get(p).map(str::to_owned))
        else {
            out.chats_without_phone.push(chat.id.clone());
            continue;
        };
        phoned.push((chat, p.clone()));
        best_by_phone
            .entry(p)
            .and_modify(|cur| {
                if activity(chat) > activity(cur) {
                    *cur = chat;
                }
            })
            .or_insert(chat);
    }

    out.shadowed_chats = phoned
        .iter()
        .filter(|(chat, p)| best_by_phone.get(p).is_some_and(|best| best.id != chat.id))
        .map(|(chat, _)| chat.id.clone())
        .collect();
    for deal in deals {
        let phones = deal_phones_in(book, deal, &contacts);
        if phones.is_empty() {
            out.deals_without_phone.push(deal.id.clone());
            continue;
        }
        if let Some(chat) = phones
            .iter()
            .filter_map(|p| best_by_phone.get(p))
            .max_by_key(|c| activity(c))
        {
            out.links.insert(deal.id.clone(), chat.id.clone());
        } else {
            out.deals_without_chat.push(deal.id.clone());
        }
    }
    let linked: BTreeSet<&ChatId> = out.links.values().collect();
    out.unmatched_chats = chats
        .iter()
        .map(|c| &c.id)
        .filter(|id| !linked.contains(id))
        .cloned()
        .collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{self, at};
    use crate::model::{Channel, ChatKind};

    fn deal(id: &str, contacts: &[&str], phones: &[&str]) -> Deal {
        Deal {
            contacts: contacts.iter().map(|c| ContactId::new(*c)).collect(),
            phones: phones.iter().map(|p| (*p).to_owned()).collect(),
            ..fixtures::deal(id)
        }
    }

    fn contact(id: &str, phones: &[&str]) -> Contact {
        Contact {
            id: id.into(),
            name: id.into(),
            responsible: None,
            phones: phones.iter().map(|p| (*p).to_owned()).collect(),
            updated_at: at("2026-01-01T00:00:00Z"),
            custom_fields: serde_json::Value::Null,
        }
    }

    fn chat(id: &str, phone: Option<&str>, last: &str) -> Chat {
        Chat {
            id: id.into(),
            channel: Channel::Whatsapp,
            kind: ChatKind::Direct,
            connection: None,
            phone: phone.map(str::to_owned),
            contact_name: None,
            last_message_at: Some(at(last)),
            updated_at: at(last),
        }
    }

    #[test]
    fn most_recently_active_chat_wins_and_leftovers_are_listed() {
        let deals = [
            deal("d1", &["c1"], &[]),
            deal("d2", &[], &["8 (916) 000-00-02"]),
            deal("d3", &["c3"], &[]),
            deal("d4", &[], &["+7 916 000-00-77"]),
        ];
        let contacts = [contact("c1", &["+7 916 000-00-01"]), contact("c3", &[])];
        let chats = [
            chat("old", Some("79160000001"), "2026-01-01T10:00:00Z"),
            chat("new", Some("9160000001"), "2026-01-02T10:00:00Z"),
            chat("two", Some("+79160000002"), "2026-01-01T10:00:00Z"),
            chat("stray", Some("+79160000099"), "2026-01-01T10:00:00Z"),
            chat("nophone", None, "2026-01-01T10:00:00Z"),
            chat("badphone", Some("12-34"), "2026-01-01T10:00:00Z"),
        ];
        let r = by_phone(&deals, &contacts, &chats, "RU");
        assert_eq!(r.links.get(&DealId::new("d1")), Some(&ChatId::new("new")));
        assert_eq!(r.links.get(&DealId::new("d2")), Some(&ChatId::new("two")));
        assert_eq!(r.links.len(), 2);
        assert_eq!(r.deals_without_phone, vec![DealId::new("d3")]);
        let unmatched: Vec<&str> = r.unmatched_chats.iter().map(ChatId::as_str).collect();
        assert_eq!(unmatched, ["old", "stray", "nophone", "badphone"]);
        assert_eq!(r.deals_without_chat, vec![DealId::new("d4")]);
        assert_eq!(
            r.chats_without_phone,
            vec![ChatId::new("nophone"), ChatId::new("badphone")]
        );
        assert_eq!(r.shadowed_chats, vec![ChatId::new("old")]);
    }
}
