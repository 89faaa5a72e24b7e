//! The [`Notifier`] port: delivery of reports (Telegram) and intake of follow-up questions.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::error::NotifyError;

/// What a notifier accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NotifierLimits {
    /// The longest text one message may hold, in characters.
    pub max_text_chars: usize,
}

impl NotifierLimits {
    /// Limits with this maximum message length.
    #[must_use]
    pub fn new(max_text_chars: usize) -> Self {
        Self { max_text_chars }
    }
}

/// One message to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundMessage {
    /// Destination (a chat id).
    pub destination: String,
    /// The text, within [`NotifierLimits::max_text_chars`].
    pub text: String,
    /// Provider message id this one replies to.
    pub reply_to: Option<String>,
}

/// A message the provider accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentMessage {
    /// The provider's message id.
    pub external_id: String,
}

/// A position in the inbound stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InboundOffset(pub i64);

/// A message someone sent to the bot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundMessage {
    /// Where it was written.
    pub source: String,
    /// Provider message id.
    pub external_id: String,
    /// The text.
    pub text: String,
    /// The provider message id it replies to, if any.
    pub reply_to: Option<String>,
    /// Whether it addresses the bot (a mention or a reply to the bot).
    pub addressed_to_bot: bool,
}

/// Inbound messages and the offset to poll from next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundBatch {
    /// The messages.
    pub messages: Vec<InboundMessage>,
    /// The next offset.
    pub next: Option<InboundOffset>,
}

/// A delivery channel.
///
/// # Contract
/// - [`send`](Self::send) is exactly one provider request; the notifier does not split text (core
///   chunks within [`limits`](Self::limits)).
/// - [`poll_inbound`](Self::poll_inbound) returns messages after `offset` and waits at most `wait`.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait Notifier: Send + Sync + fmt::Debug {
    /// Backend name, e.g. `telegram`.
    fn backend(&self) -> &'static str;

    /// What one message may hold.
    fn limits(&self) -> NotifierLimits;

    /// Sends one message.
    ///
    /// # Errors
    /// [`NotifyError`] as classified by the backend.
    async fn send(&self, msg: &OutboundMessage) -> Result<SentMessage, NotifyError>;

    /// Inbound messages after `offset`, long-polling up to `wait`.
    ///
    /// # Errors
    /// [`NotifyError`] as classified by the backend.
    async fn poll_inbound(
        &self,
        offset: Option<InboundOffset>,
        wait: Duration,
    ) -> Result<InboundBatch, NotifyError>;
}

/// Splits `text` into parts of at most `max_chars` characters, preferring line breaks, then
/// spaces; never cuts inside a character and never drops text.
#[must_use]
pub fn chunk_text(text: &str, max_chars: usize) -> Vec<String> {
    let max_chars = max_chars.max(1);
    let mut parts = Vec::new();
    let mut rest = text;
    while rest.chars().count() > max_chars {
        let limit = rest
            .char_indices()
            .nth(max_chars)
            .map_or(rest.len(), |(i, _)| i);
        let head = &rest[..limit];
        let cut = head
            .rfind('\n')
            .or_else(|| head.rfind(' '))
            .filter(|&i| i > 0)
            .map_or(limit, |i| i + 1);
        parts.push(rest[..cut].to_owned());
        rest = &rest[cut..];
    }
    if !rest.is_empty() || parts.is_empty() {
        parts.push(rest.to_owned());
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn chunking_prefers_line_breaks() {
        let parts = chunk_text("alpha beta\ngamma delta", 12);
        assert_eq!(
            parts,
            vec!["alpha beta\n".to_owned(), "gamma delta".to_owned()]
        );
    }

    proptest! {
        #[test]
        fn chunking_keeps_text_intact_and_under_the_limit(text in "[а-яa-z \\n🙂]{0,300}", max in 1usize..50) {
            let parts = chunk_text(&text, max);
            prop_assert_eq!(parts.concat(), text);
            for p in &parts {
                prop_assert!(p.chars().count() <= max);
            }
        }
    }
}
