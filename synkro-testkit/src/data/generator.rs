//! The generator's state and its passes in order: reference data, clients, CRM activities, the
//! final ordering, and the deals deleted in the CRM.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use synkro_core::model::{ChatId, ContactId, DealId, ManagerId};

use super::{Dataset, DatasetSpec};

pub(super) struct Generator<'a> {
    pub(super) spec: &'a DatasetSpec,
    pub(super) rng: ChaCha8Rng,
    pub(super) start: DateTime<Utc>,
    pub(super) out: Dataset,
    /// Every client, in generation order (what the CRM knows about their chats).
    pub(super) clients: Vec<ClientLinks>,
}

/// A client's CRM records and chats, for the activities pass.
pub(super) struct ClientLinks {
    pub(super) deal: DealId,
    pub(super) contact: ContactId,
    pub(super) manager: ManagerId,
    /// The chats' phone matches the contact's, so the CRM's chat integration sees them.
    pub(super) linked: bool,
    pub(super) chats: Vec<ChatId>,
}

impl<'a> Generator<'a> {
    pub(super) fn new(spec: &'a DatasetSpec) -> Self {
        let out = Dataset {
            spec: spec.clone(),
            managers: Vec::new(),
            sales_pipelines: Vec::new(),
            deals: Vec::new(),
            contacts: Vec::new(),
            chats: Vec::new(),
            messages: Vec::with_capacity(spec.messages + spec.messages / 10),
            calls: Vec::new(),
            stage_changes: Vec::new(),
            responsible_changes: Vec::new(),
            activities: Vec::new(),
            chat_messages: HashMap::new(),
        };
        Self {
            spec,
            rng: ChaCha8Rng::seed_from_u64(spec.seed),
            start: spec.end - Duration::days(i64::from(spec.days.max(1))),
            out,
            clients: Vec::new(),
        }
    }

    pub(super) fn run(mut self) -> Dataset {
        self.reference();
        let chats_total = self.spec.clients.max(1);
        let base = self.spec.messages / chats_total;
        let mut remainder = self.spec.messages % chats_total;
        let mut jitter = 0i64;
        for i in 0..self.spec.clients {
            // Pairs of chats get +d and -d, so the total stays exact.
            let mut n = base as i64;
            if i % 2 == 0 {
                jitter = if base > 1 {
                    self.rng.random_range(0..=(base as i64 / 2))
                } else {
                    0
                };
                if i + 1 < self.spec.clients {
                    n += jitter;
                }
            } else {
                n -= jitter;
            }
            if remainder > 0 {
                n += 1;
                remainder -= 1;
            }
            self.client(i, n.max(0) as usize);
        }
        // Conversations cut short by the end of the period leave a shortfall: more clients make it
        // up, so the message count is exactly the one asked for.
        let mut i = self.spec.clients;
        let limit = self.spec.clients.saturating_mul(4) + 10;
        while self.out.messages.len() < self.spec.messages && i < limit {
            let want = (self.spec.messages - self.out.messages.len()).min(base.max(1));
            self.client(i, want);
            i += 1;
        }
        self.activities();
        let mut out = self.finish();
        super::deals::delete_some(&mut out);
        out
    }

    fn finish(mut self) -> Dataset {
        let out = &mut self.out;
        out.calls
            .sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
        out.stage_changes
            .sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
        out.responsible_changes
            .sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
        out.activities
            .sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
        out.deals.sort_by(|a, b| a.id.cmp(&b.id));
        out.contacts.sort_by(|a, b| a.id.cmp(&b.id));
        // Chats and their message ranges: reorder messages to follow chat-id order.
        out.chats.sort_by(|a, b| a.id.cmp(&b.id));
        let mut messages = Vec::with_capacity(out.messages.len());
        let mut index = HashMap::with_capacity(out.chats.len());
        for chat in &out.chats {
            let range = out.chat_messages.get(&chat.id).cloned().unwrap_or(0..0);
            let begin = messages.len();
            messages.extend_from_slice(&out.messages[range]);
            index.insert(chat.id.clone(), begin..messages.len());
        }
        out.messages = messages;
        out.chat_messages = index;
        self.out
    }
}
