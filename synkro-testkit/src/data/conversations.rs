//! A chat's conversation: client messages, bot auto-replies and manager replies.

use chrono::{DateTime, Duration, Utc};
use rand::RngExt;
use rand::seq::IndexedRandom;
use synkro_core::model::{
    Attachment, AuthorKind, Channel, ChatId, Direction, ManagerId, Message, MessageId, MessageKind,
};

use super::ROBOT_AUTHOR_ID;
use super::generator::Generator;
use super::vocab::{BOT_REPLIES, CLIENT_ACKS, CLIENT_FOLLOWUPS, CLIENT_OPENERS, MANAGER_REPLIES};

impl Generator<'_> {
    /// Writes a chat's messages; returns the last message time.
    pub(super) fn conversation(
        &mut self,
        chat: &ChatId,
        channel: Channel,
        manager: &ManagerId,
        n: usize,
        early: bool,
    ) -> Option<DateTime<Utc>> {
        if n == 0 {
            return None;
        }
        let first = self.out.messages.len();
        // An exchange averages about 2.6 messages; gaps leave room for overnight reply delays.
        let exchanges = (n as f64 / 2.6).max(1.0);
        let span = if early { 0.2 } else { 0.7 };
        let mean_gap = span / exchanges;
        let first_at = self.rng.random_range(0.0..mean_gap.min(1.0));
        let mut t = self.at_fraction(first_at);
        let mut k = 0usize;
        let mut opened = false;
        while k < n && t < self.spec.end {
            // The client writes one or two messages.
            let opener = if opened {
                CLIENT_FOLLOWUPS
            } else {
                CLIENT_OPENERS
            };
            self.push(
                chat,
                channel,
                &mut k,
                t,
                Direction::Inbound,
                AuthorKind::Client,
                None,
                opener,
            );
            if k < n && self.rng.random_bool(0.25) {
                t += Duration::seconds(self.rng.random_range(10..90));
                self.push(
                    chat,
                    channel,
                    &mut k,
                    t,
                    Direction::Inbound,
                    AuthorKind::Client,
                    None,
                    CLIENT_FOLLOWUPS,
                );
            }
            if !opened && k < n && self.rng.random_bool(self.spec.bot_share) {
                let bt = t + Duration::seconds(self.rng.random_range(1..5));
                self.push(
                    chat,
                    channel,
                    &mut k,
                    bt,
                    Direction::Outbound,
                    AuthorKind::Bot,
                    Some(ROBOT_AUTHOR_ID),
                    BOT_REPLIES,
                );
            }
            opened = true;
            if k < n && self.rng.random_bool(0.85) {
                t = self.reply_at(t);
                // 10% are typed on the manager's phone: outbound with no author.
                let author = (!self.rng.random_bool(0.1)).then(|| manager.as_str().to_owned());
                self.push(
                    chat,
                    channel,
                    &mut k,
                    t,
                    Direction::Outbound,
                    AuthorKind::Manager,
                    author.as_deref(),
                    MANAGER_REPLIES,
                );
                if k < n && self.rng.random_bool(0.3) {
                    t += Duration::seconds(self.rng.random_range(20..300));
                    self.push(
                        chat,
                        channel,
                        &mut k,
                        t,
                        Direction::Outbound,
                        AuthorKind::Manager,
                        author.as_deref(),
                        MANAGER_REPLIES,
                    );
                }
                if k < n && self.rng.random_bool(0.3) {
                    t += Duration::seconds(self.rng.random_range(60..1200));
                    self.push(
                        chat,
                        channel,
                        &mut k,
                        t,
                        Direction::Inbound,
                        AuthorKind::Client,
                        None,
                        CLIENT_ACKS,
                    );
                }
            }
            // Spread the remaining exchanges over the remaining time, so the count stays close to
            // the target despite overnight reply delays.
            let left_exchanges = ((n.saturating_sub(k)) as f64 / 2.6).max(1.0);
            let left_secs = (self.spec.end - t).num_seconds().max(0) as f64;
            let horizon = if early {
                left_secs.min(span * (self.spec.end - self.start).num_seconds() as f64)
            } else {
                left_secs
            };
            let gap = self.rng.random_range(0.3..1.7) * 0.8 * horizon / left_exchanges;
            t += Duration::seconds(gap as i64 + 60);
        }
        let msgs = &mut self.out.messages[first..];
        msgs.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        let last = msgs.last().map(|m| m.created_at);
        let end = self.out.messages.len();
        self.out.chat_messages.insert(chat.clone(), first..end);
        last
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        chat: &ChatId,
        channel: Channel,
        k: &mut usize,
        at: DateTime<Utc>,
        direction: Direction,
        author_kind: AuthorKind,
        author_id: Option<&str>,
        texts: &[&str],
    ) {
        if at >= self.spec.end {
            *k = usize::MAX;
            return;
        }
        let text = texts
            .choose(&mut self.rng)
            .copied()
            .unwrap_or("…")
            .to_owned();
        let mut attachments = Vec::new();
        let mut kind = MessageKind::Text;
        if self.rng.random_bool(0.05) {
            let (ak, name, mime) = if direction == Direction::Inbound {
                (
                    MessageKind::Image,
                    format!("photo_{}.jpg", *k),
                    "image/jpeg",
                )
            } else {
                (
                    MessageKind::File,
                    format!("Счёт_{}.pdf", *k),
                    "application/pdf",
                )
            };
            kind = ak;
            attachments.push(Attachment {
                kind: ak,
                mime_type: Some(mime.into()),
                size: Some(120_000),
                name: Some(name),
            });
        }
        let outbound = direction == Direction::Outbound;
        let failed = outbound && self.rng.random_bool(0.01);
        let delivered_at =
            (outbound && !failed).then(|| at + Duration::seconds(self.rng.random_range(1..5)));
        let read_at = delivered_at
            .filter(|_| self.rng.random_bool(0.8))
            .map(|d| d + Duration::minutes(self.rng.random_range(0..120)));
        self.out.messages.push(Message {
            id: MessageId::new(format!("{chat}-{:05}", *k)),
            chat: chat.clone(),
            channel,
            direction,
            author_kind,
            author_id: author_id.map(str::to_owned),
            kind,
            text: Some(text),
            attachments,
            is_template: outbound && channel == Channel::Waba && author_kind == AuthorKind::Bot,
            is_broadcast: false,
            created_at: at,
            naive_time: false,
            delivered_at,
            read_at: read_at.filter(|r| *r < self.spec.end),
            error_at: failed.then_some(at + Duration::seconds(2)),
            error_type: failed.then(|| "131047".to_owned()),
            raw: None,
        });
        *k += 1;
    }
}
