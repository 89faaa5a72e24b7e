//! A client: contact, chats (with an older duplicate for some) and deal.

use chrono::Duration;
use rand::RngExt;
use synkro_core::model::{Channel, Chat, ChatId, ChatKind, Contact, ContactId, DealId};

use super::generator::{ClientLinks, Generator};
use super::phones::phone_in_format;
use super::vocab::{COMPANIES, FIRST_NAMES, SURNAMES, full_name};

impl Generator<'_> {
    pub(super) fn client(&mut self, i: usize, n_messages: usize) {
        let manager = self.out.managers[self.rng.random_range(0..self.out.managers.len())]
            .id
            .clone();
        let number = i as u64;
        let contact_id = ContactId::new((500_000 + i).to_string());
        let deal_id = DealId::new((300_000 + i).to_string());
        let has_phone = !self.rng.random_bool(self.spec.deals_without_phone_share);
        let unmatched = self.rng.random_bool(self.spec.unmatched_chat_share);
        let created = self.start - Duration::hours(self.rng.random_range(1..24 * 20));
        let company = COMPANIES[i % COMPANIES.len()];
        let person = full_name(
            self.rng.random_range(0..FIRST_NAMES.len()),
            self.rng.random_range(0..SURNAMES.len()),
        );
        let contact_style = self.rng.random_range(0..6u8);
        self.out.contacts.push(Contact {
            id: contact_id.clone(),
            name: format!("{person} ({company})"),
            responsible: Some(manager.clone()),
            phones: if has_phone {
                vec![phone_in_format(number, contact_style)]
            } else {
                Vec::new()
            },
            updated_at: created,
            custom_fields: serde_json::json!({ "company": company }),
        });

        let chat_phone = if unmatched {
            5_000_000 + number
        } else {
            number
        };
        let channel = match self.rng.random_range(0..20) {
            0..12 => Channel::Whatsapp,
            12..17 => Channel::Waba,
            _ => Channel::Telegram,
        };
        let chat_id = ChatId::new(format!("chat-{i:06}"));
        let chat_style = self.rng.random_range(0..6u8);
        // An older chat on the same phone takes two of the client's messages.
        let duplicate = n_messages > 2 && self.rng.random_bool(self.spec.duplicate_chat_share);
        let own = if duplicate {
            n_messages - 2
        } else {
            n_messages
        };
        let last = self.conversation(&chat_id, channel, &manager, own, false);
        let mut links = ClientLinks {
            deal: deal_id.clone(),
            contact: contact_id.clone(),
            manager: manager.clone(),
            linked: has_phone && !unmatched,
            chats: vec![chat_id.clone()],
        };
        self.out.chats.push(Chat {
            id: chat_id,
            channel,
            kind: ChatKind::Direct,
            connection: Some(format!("conn-{}", channel.as_str())),
            phone: Some(phone_in_format(chat_phone, chat_style)),
            contact_name: Some(person.clone()),
            last_message_at: last,
            updated_at: last.unwrap_or(created),
        });
        if duplicate {
            // An older chat on the same phone: less recently active, so the join must not pick it.
            let old_id = ChatId::new(format!("chat-{i:06}-old"));
            let last_old = self.conversation(&old_id, Channel::Whatsapp, &manager, 2, true);
            links.chats.push(old_id.clone());
            self.out.chats.push(Chat {
                id: old_id,
                channel: Channel::Whatsapp,
                kind: ChatKind::Direct,
                connection: Some("conn-whatsapp-old".into()),
                phone: Some(phone_in_format(chat_phone, chat_style + 1)),
                contact_name: Some(person),
                last_message_at: last_old,
                updated_at: last_old.unwrap_or(created),
            });
        }
        self.clients.push(links);
        self.deal(
            deal_id, contact_id, &manager, created, last, number, has_phone,
        );
    }
}
