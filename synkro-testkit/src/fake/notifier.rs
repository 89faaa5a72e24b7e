use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use synkro_core::error::NotifyError;
use synkro_core::notify::{
    InboundBatch, InboundOffset, Notifier, NotifierLimits, OutboundMessage, SentMessage,
};

/// A notifier that records what it is asked to send.
#[derive(Debug)]
pub struct RecordingNotifier {
    max_chars: usize,
    failing: bool,
    sent: Mutex<Vec<OutboundMessage>>,
}

impl RecordingNotifier {
    /// A notifier accepting messages up to `max_chars` characters (Telegram: 4096).
    #[must_use]
    pub fn new(max_chars: usize) -> Self {
        Self {
            max_chars,
            failing: false,
            sent: Mutex::new(Vec::new()),
        }
    }

    /// A notifier whose every send fails as forbidden (bot removed from the chat).
    #[must_use]
    pub fn failing(max_chars: usize) -> Self {
        Self {
            failing: true,
            ..Self::new(max_chars)
        }
    }

    /// Messages sent so far.
    #[must_use]
    pub fn sent(&self) -> Vec<OutboundMessage> {
        self.sent.lock().map(|g| g.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl Notifier for RecordingNotifier {
    fn backend(&self) -> &'static str {
        "recording"
    }

    fn limits(&self) -> NotifierLimits {
        NotifierLimits::new(self.max_chars)
    }

    async fn send(&self, msg: &OutboundMessage) -> Result<SentMessage, NotifyError> {
        if self.failing {
            return Err(NotifyError::Forbidden {
                backend: "recording",
            });
        }
        if msg.text.chars().count() > self.max_chars {
            return Err(NotifyError::Rejected {
                backend: "recording",
                description: "message is too long".into(),
            });
        }
        let mut g = self
            .sent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        g.push(msg.clone());
        Ok(SentMessage {
            external_id: g.len().to_string(),
        })
    }

    async fn poll_inbound(
        &self,
        _offset: Option<InboundOffset>,
        _wait: Duration,
    ) -> Result<InboundBatch, NotifyError> {
        Ok(InboundBatch {
            messages: Vec::new(),
            next: None,
        })
    }
}
