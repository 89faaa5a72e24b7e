use std::sync::Arc;

use async_trait::async_trait;
use synkro_core::error::SourceError;
use synkro_core::model::{Chat, ChatId, Message};
use synkro_core::source::{
    ChatQuery, Cursor, MessageQuery, MessengerCapabilities, MessengerSource, Page,
};

use crate::data::Dataset;
use crate::fake::log::{FaultPlan, Recorder};
use crate::fake::{Fault, Request, page_of};

/// A messenger over a dataset. Like Radist, it lists every chat (no activity filter, no activity
/// order) and pages a chat's messages within the asked range. Requests are logged; faults and a
/// hook can be planned.
#[derive(Debug, Clone)]
pub struct FakeMessenger {
    data: Arc<Dataset>,
    page_size: usize,
    recorder: Recorder,
}

impl FakeMessenger {
    /// A fake messenger serving `data`.
    #[must_use]
    pub fn new(data: Arc<Dataset>) -> Self {
        Self {
            data,
            page_size: 100,
            recorder: Recorder::default(),
        }
    }

    /// Sets the largest page served.
    #[must_use]
    pub fn page_size(mut self, size: usize) -> Self {
        self.page_size = size.max(1);
        self
    }

    /// Every request so far.
    #[must_use]
    pub fn requests(&self) -> Vec<Request> {
        self.recorder.requests()
    }

    /// Fails every request of `operation` (or every request) from the `after`-th one on.
    pub fn fail(&self, fault: Fault, operation: Option<&str>, after: usize) {
        self.recorder.set_fault(Some(FaultPlan {
            fault,
            operation: operation.map(str::to_owned),
            after,
        }));
    }

    /// Stops failing.
    pub fn heal(&self) {
        self.recorder.set_fault(None);
    }

    /// Calls `hook` on every request, before it is answered.
    pub fn on_request(&self, hook: impl Fn(&Request) + Send + Sync + 'static) {
        self.recorder.set_hook(Arc::new(hook));
    }

    fn size(&self, asked: Option<u32>) -> usize {
        asked.map_or(self.page_size, |s| (s as usize).min(self.page_size))
    }
}

#[async_trait]
impl MessengerSource for FakeMessenger {
    fn backend(&self) -> &'static str {
        "radist"
    }

    fn capabilities(&self) -> MessengerCapabilities {
        MessengerCapabilities::unordered(self.page_size as u32)
    }

    async fn fetch_chats<'a>(
        &self,
        q: &ChatQuery,
        page: Option<&'a Cursor>,
    ) -> Result<Page<Chat>, SourceError> {
        self.recorder
            .record("radist", "chats", page.map(Cursor::as_str))?;
        let chats: Vec<Chat> = self
            .data
            .chats
            .iter()
            .filter(|c| q.channels.is_empty() || q.channels.contains(&c.channel))
            .cloned()
            .collect();
        Ok(page_of(&chats, page, self.size(q.page_size)))
    }

    async fn fetch_messages<'a>(
        &self,
        chat: &ChatId,
        q: &MessageQuery,
        page: Option<&'a Cursor>,
    ) -> Result<Page<Message>, SourceError> {
        self.recorder
            .record("radist", "messages", page.map(Cursor::as_str))?;
        let msgs: Vec<Message> = self
            .data
            .messages_of(chat)
            .iter()
            .filter(|m| q.range.contains(m.created_at))
            .cloned()
            .collect();
        Ok(page_of(&msgs, page, self.size(q.page_size)))
    }
}
