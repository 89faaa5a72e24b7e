//! CRM activities: outgoing-chat-message events, closed chats and manual notes.

use chrono::Duration;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use synkro_core::model::{ActivityKind, AuthorKind, CrmActivity, Direction, EventId, ManagerId};

use super::ROBOT_AUTHOR_ID;
use super::generator::Generator;

/// Share of linked chats whose conversations the CRM closes (`ChatClosed` after the last message,
/// and between exchanges separated by a long pause).
const CLOSED_CHAT_SHARE: f64 = 0.4;
/// Share of deals with a manual note.
const NOTE_SHARE: f64 = 0.2;
/// Largest gap, in seconds either way, between a staff message and its CRM event.
const EVENT_JITTER_S: i64 = 3;
/// The first CRM talk (conversation) id of generated activities.
const FIRST_TALK_ID: u64 = 80_000_001;
/// The first numeric id of generated manual notes (`note:<id>`).
const FIRST_NOTE_ID: u64 = 9_000_001;
/// Mixed into the seed for the activities' own random stream, so adding activities left every
/// other generated record as it was.
const ACTIVITY_SEED_SALT: u64 = 0xAC71_71E5_0000_0001;

impl Generator<'_> {
    /// CRM activities of every client, from a random stream of their own (see
    /// [`Dataset::activities`](super::Dataset::activities)).
    pub(super) fn activities(&mut self) {
        let mut rng = ChaCha8Rng::seed_from_u64(self.spec.seed ^ ACTIVITY_SEED_SALT);
        let last_instant = self.spec.end - Duration::seconds(1);
        let mut talk = FIRST_TALK_ID;
        let mut note = FIRST_NOTE_ID;
        let mut event = 0u64;
        let mut out = Vec::new();
        let mut next_event_id = || {
            event += 1;
            EventId::new(format!("01ACT{event:021}"))
        };
        for client in &self.clients {
            if client.linked {
                for chat in &client.chats {
                    let msgs = self
                        .out
                        .chat_messages
                        .get(chat)
                        .map_or(&[][..], |r| &self.out.messages[r.clone()]);
                    let closes = rng.random_bool(CLOSED_CHAT_SHARE);
                    let activity = |id: EventId, kind, at, by: &str, talk: u64| CrmActivity {
                        id,
                        kind,
                        at,
                        by: Some(ManagerId::new(by)),
                        deal: Some(client.deal.clone()),
                        contact: None,
                        talk: Some(talk.to_string()),
                    };
                    for (j, m) in msgs.iter().enumerate() {
                        if m.direction != Direction::Outbound
                            || m.author_kind != AuthorKind::Manager
                        {
                            continue;
                        }
                        // The CRM saw the staff message too, by its real author: also when the
                        // messenger lost the author (typed on the manager's phone), which is what
                        // rule O0 recovers.
                        let jitter = rng.random_range(-EVENT_JITTER_S..=EVENT_JITTER_S);
                        let at = (m.created_at + Duration::seconds(jitter))
                            .clamp(self.start, last_instant);
                        let by = m.author_id.as_deref().unwrap_or(client.manager.as_str());
                        out.push(activity(
                            next_event_id(),
                            ActivityKind::OutgoingChatMessage,
                            at,
                            by,
                            talk,
                        ));
                        // A long pause after a manager's message: the manager may close the talk.
                        let pause = msgs
                            .get(j + 1)
                            .map(|n| n.created_at - m.created_at)
                            .filter(|p| *p > Duration::hours(3));
                        if closes && pause.is_some() && rng.random_bool(0.5) {
                            let at = m.created_at + Duration::minutes(rng.random_range(5..60));
                            out.push(activity(
                                next_event_id(),
                                ActivityKind::ChatClosed,
                                at,
                                client.manager.as_str(),
                                talk,
                            ));
                            talk += 1;
                        }
                    }
                    if let Some(last) = msgs.last().filter(|_| closes) {
                        let at = last.created_at + Duration::minutes(rng.random_range(10..180));
                        // Most are closed by the manager, some by the CRM's robot.
                        let by = if rng.random_bool(0.8) {
                            client.manager.as_str()
                        } else {
                            ROBOT_AUTHOR_ID
                        };
                        if at < self.spec.end {
                            out.push(activity(
                                next_event_id(),
                                ActivityKind::ChatClosed,
                                at,
                                by,
                                talk,
                            ));
                        }
                    }
                    talk += 1;
                }
            }
            if rng.random_bool(NOTE_SHARE) {
                let f: f64 = rng.random();
                let at = self.at_fraction(f).min(last_instant);
                let on_contact = rng.random_bool(0.3);
                out.push(CrmActivity {
                    id: EventId::new(format!("note:{note}")),
                    kind: ActivityKind::Note,
                    at,
                    by: Some(client.manager.clone()),
                    deal: (!on_contact).then(|| client.deal.clone()),
                    contact: on_contact.then(|| client.contact.clone()),
                    talk: None,
                });
                note += 1;
            }
        }
        self.out.activities = out;
    }
}
