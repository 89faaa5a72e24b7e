use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// What to generate. Every field is a parameter; the same spec always gives the same data.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetSpec {
    /// RNG seed.
    pub seed: u64,
    /// Data ends at this instant (exclusive).
    pub end: DateTime<Utc>,
    /// How many days of activity before `end`.
    pub days: u32,
    /// The tenant's zone: working hours, nights and weekends are local.
    pub timezone: Tz,
    /// CRM users who sell.
    pub managers: usize,
    /// Client conversations (each client has a contact, a deal and a chat). More are added when
    /// the period is too short to hold `messages` in this many conversations.
    pub clients: usize,
    /// Messages in all chats together, exactly (unless `clients` × 4 conversations cannot hold
    /// them).
    pub messages: usize,
    /// Share of chats whose phone matches no CRM contact.
    pub unmatched_chat_share: f64,
    /// Share of clients with a second, older chat on the same phone.
    pub duplicate_chat_share: f64,
    /// Share of deals whose contact has no phone.
    pub deals_without_phone_share: f64,
    /// Share of conversations opened by an auto-reply bot message.
    pub bot_share: f64,
    /// Average calls per deal.
    pub calls_per_deal: f64,
    /// Deals deleted in the CRM after their last activity (0 by default). They are chosen, and
    /// their deletion times drawn, by a generator of their own, so every other generated value is
    /// the same as with none: a spec with deletions is the same tenant after those deletions.
    pub deleted_deals: usize,
}

impl DatasetSpec {
    /// A small tenant: 4 managers, 30 clients, about 600 messages over 3 days.
    #[must_use]
    pub fn small(seed: u64, end: DateTime<Utc>) -> Self {
        Self {
            seed,
            end,
            days: 3,
            timezone: chrono_tz::Europe::Moscow,
            managers: 4,
            clients: 30,
            messages: 600,
            unmatched_chat_share: 0.1,
            duplicate_chat_share: 0.1,
            deals_without_phone_share: 0.05,
            bot_share: 0.3,
            calls_per_deal: 1.0,
            deleted_deals: 0,
        }
    }

    /// A tenant sized by message count, with a client per 50 messages and a manager per 100
    /// clients (at least 3).
    #[must_use]
    pub fn with_messages(seed: u64, end: DateTime<Utc>, messages: usize) -> Self {
        let clients = (messages / 50).max(1);
        Self {
            messages,
            clients,
            managers: (clients / 100).max(3),
            days: 14,
            ..Self::small(seed, end)
        }
    }
}
