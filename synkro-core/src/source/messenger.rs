use std::fmt;

use async_trait::async_trait;
use futures::{Stream, StreamExt, TryStreamExt};

use crate::error::SourceError;
use crate::model::{Chat, ChatId, Message};
use crate::source::{ChatQuery, Cursor, MessageQuery, MessengerCapabilities, Page, paginate};

/// Read-only access to one messenger account.
///
/// # Contract
/// - Reads only; it never sends a message.
/// - Each `fetch_*` call is one upstream request (plus the adapter's retries).
/// - A listing ends only when a page's `next` is `None`.
/// - Messages of one chat are returned without duplicates (the adapter de-duplicates by message
///   id across pages), each created inside `q.range`.
/// - Chats need not come in activity order unless
///   [`capabilities`](Self::capabilities) says so; the engine must not stop paging on a date bound
///   otherwise.
///
/// # Errors
/// [`SourceError`], classified as for [`CrmSource`](crate::source::CrmSource).
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait MessengerSource: Send + Sync + fmt::Debug {
    /// Backend name, e.g. `radist`; also the source name under which data is stored.
    fn backend(&self) -> &'static str;

    /// What the engine may rely on.
    fn capabilities(&self) -> MessengerCapabilities;

    /// One page of chats matching `q`.
    async fn fetch_chats<'a>(
        &self,
        q: &ChatQuery,
        page: Option<&'a Cursor>,
    ) -> Result<Page<Chat>, SourceError>;

    /// One page of a chat's messages created in `q.range`.
    async fn fetch_messages<'a>(
        &self,
        chat: &ChatId,
        q: &MessageQuery,
        page: Option<&'a Cursor>,
    ) -> Result<Page<Message>, SourceError>;
}

/// Streams over [`MessengerSource`] listings. Blanket-implemented; do not implement it.
pub trait MessengerSourceExt: MessengerSource {
    /// Every page of chats matching `q`.
    fn chat_pages(
        &self,
        q: ChatQuery,
    ) -> impl Stream<Item = Result<Page<Chat>, SourceError>> + Send + '_ {
        paginate(move |c| {
            let q = q.clone();
            async move { self.fetch_chats(&q, c.as_ref()).await }
        })
    }

    /// Every chat matching `q`.
    fn chats(&self, q: ChatQuery) -> impl Stream<Item = Result<Chat, SourceError>> + Send + '_ {
        self.chat_pages(q)
            .map_ok(|p| futures::stream::iter(p.items.into_iter().map(Ok)))
            .try_flatten()
    }

    /// Every page of a chat's messages in `q.range`.
    fn message_pages(
        &self,
        chat: ChatId,
        q: MessageQuery,
    ) -> impl Stream<Item = Result<Page<Message>, SourceError>> + Send + '_ {
        paginate(move |c| {
            let (chat, q) = (chat.clone(), q.clone());
            async move { self.fetch_messages(&chat, &q, c.as_ref()).await }
        })
    }

    /// Every message of a chat in `q.range`.
    fn messages(
        &self,
        chat: ChatId,
        q: MessageQuery,
    ) -> impl Stream<Item = Result<Message, SourceError>> + Send + '_ {
        self.message_pages(chat, q)
            .map_ok(|p| futures::stream::iter(p.items.into_iter().map(Ok)))
            .try_flatten()
    }
}

impl<T: MessengerSource + ?Sized> MessengerSourceExt for T {}

/// Ensures the extension trait stays usable on `dyn`.
#[allow(dead_code)]
fn _assert_messenger_ext_on_dyn(
    s: &dyn MessengerSource,
) -> impl Stream<Item = Result<Chat, SourceError>> + Send + '_ {
    s.chats(ChatQuery::default()).boxed()
}
