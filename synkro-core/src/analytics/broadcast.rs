//! Rule O4 by text (metrics.md §1.6): the same normalized text sent from one connection to at
//! least `broadcast_min_chats` distinct chats within `broadcast_window` is a broadcast, whoever
//! sent it. Detection needs every chat at once, so it is a pre-pass over the outbound messages;
//! the engine then classifies the detected messages as bots (reason `broadcast`).

use rustc_hash::{FxHashMap, FxHashSet};

use crate::analytics::ack::normalize;
use crate::analytics::config::MetricsConfig;
use crate::model::{AuthorKind, Direction, Message};

/// One send of a text: (instant in µs, chat id, message id).
type Send<'m> = (i64, &'m str, &'m str);

/// The ids of messages detected as broadcasts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Broadcasts {
    ids: FxHashSet<String>,
}

impl Broadcasts {
    /// Whether a message id was detected.
    #[must_use]
    pub fn contains(&self, id: &str) -> bool {
        self.ids.contains(id)
    }

    /// How many messages were detected.
    #[must_use]
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether none was detected.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Detects broadcasts among `messages` (outbound, non-system, with a text and a connection;
    /// `connection_of` names a message's connection). Returns an empty set when
    /// `broadcast_detection` is off.
    pub fn detect<'m, I, F>(cfg: &MetricsConfig, messages: I, connection_of: F) -> Self
    where
        I: IntoIterator<Item = &'m Message>,
        F: Fn(&'m Message) -> Option<&'m str>,
    {
        let mut out = Self::default();
        if !cfg.broadcast_detection {
            return out;
        }
        let window = cfg.broadcast_window * 1_000_000;
        let mut groups: FxHashMap<(&str, String), Vec<Send<'m>>> = FxHashMap::default();
        for m in messages {
            if m.direction != Direction::Outbound || m.author_kind == AuthorKind::System {
                continue;
            }
            let (Some(text), Some(conn)) = (m.text.as_deref(), connection_of(m)) else {
                continue;
            };
            let t = normalize(text);
            let t = t.trim();
            if t.is_empty() {
                continue;
            }
            groups.entry((conn, t.to_owned())).or_default().push((
                m.created_at.timestamp_micros(),
                m.chat.as_str(),
                m.id.as_str(),
            ));
        }
        for sends in groups.values_mut() {
            if sends.len() < cfg.broadcast_min_chats {
                continue;
            }
            sends.sort_unstable();
            // Sliding window [sends[i].0, sends[j].0] of at most `window`, counting distinct chats.
            let mut per_chat: FxHashMap<&str, usize> = FxHashMap::default();
            let (mut i, mut marked) = (0, 0);
            for j in 0..sends.len() {
                *per_chat.entry(sends[j].1).or_insert(0) += 1;
                while sends[j].0 - sends[i].0 > window {
                    let c = sends[i].1;
                    if let Some(n) = per_chat.get_mut(c) {
                        *n -= 1;
                        if *n == 0 {
                            per_chat.remove(c);
                        }
                    }
                    i += 1;
                }
                if per_chat.len() >= cfg.broadcast_min_chats {
                    for s in &sends[i.max(marked)..=j] {
                        out.ids.insert(s.2.to_owned());
                    }
                    marked = j + 1;
                }
            }
        }
        out
    }
}
