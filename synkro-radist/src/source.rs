//! `impl MessengerSource for RadistClient`.

use async_trait::async_trait;
use synkro_core::error::SourceError;
use synkro_core::model::{Chat, ChatId, Message};
use synkro_core::source::{
    ChatQuery, Cursor, MessageQuery, MessengerCapabilities, MessengerSource, Page,
};

use crate::client::RadistClient;
use crate::convert::parse_chat_id;
use crate::error::BACKEND;
use crate::paging::UntilPager;

const CHATS_OP: &str = "GET /companies/{company_id}/messaging/chats/with_contacts/";
const MESSAGES_OP: &str = "GET /companies/{company_id}/messaging/messages/";

fn bad_cursor(
    operation: &str,
    source: impl std::error::Error + Send + Sync + 'static,
) -> SourceError {
    SourceError::Other {
        backend: BACKEND,
        operation: operation.to_owned(),
        source: Box::new(source),
    }
}

#[async_trait]
impl MessengerSource for RadistClient {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    /// Radist lists chats unanswered first, not by activity; the client filters on
    /// `active_since` itself after reading each page.
    fn capabilities(&self) -> MessengerCapabilities {
        let mut c = MessengerCapabilities::unordered(self.inner.page_size);
        c.filters_chats_by_activity = true;
        c
    }

    /// One page of the contact listing; the cursor is Radist's `next_cursor`.
    async fn fetch_chats<'a>(
        &self,
        q: &ChatQuery,
        page: Option<&'a Cursor>,
    ) -> Result<Page<Chat>, SourceError> {
        let cursor = match page {
            Some(c) => Some(
                c.as_str()
                    .strip_prefix("c1:")
                    .ok_or_else(|| bad_cursor(CHATS_OP, crate::paging::BadCursor))?,
            ),
            None => None,
        };
        let p = self.chat_page(cursor).await?;
        let items = p
            .chats
            .into_iter()
            .filter(|c| q.channels.is_empty() || q.channels.contains(&c.channel))
            .filter(|c| {
                q.active_since
                    .is_none_or(|s| c.last_message_at.is_some_and(|t| t >= s))
            })
            .collect();
        Ok(Page {
            items,
            next: p.next_cursor.map(|n| Cursor::new(format!("c1:{n}"))),
        })
    }

    /// One page of a chat's messages, paged backwards with `until`; the cursor carries the
    /// `until` instant and the ids seen at the page boundary.
    async fn fetch_messages<'a>(
        &self,
        chat: &ChatId,
        q: &MessageQuery,
        page: Option<&'a Cursor>,
    ) -> Result<Page<Message>, SourceError> {
        let (conn, id) = parse_chat_id(chat).ok_or_else(|| SourceError::NotFound {
            backend: BACKEND,
            operation: MESSAGES_OP.into(),
        })?;
        let mut pager = match page {
            Some(c) => UntilPager::from_cursor(c).map_err(|e| bad_cursor(MESSAGES_OP, e))?,
            None => {
                let limit = q
                    .page_size
                    .map_or(self.inner.page_size, |s| s.clamp(1, 100));
                UntilPager::new(q.range, limit as usize, self.inner.trust_short_page)
            }
        };
        let mut items = self.message_page(conn, id, &mut pager).await?;
        items.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(Page {
            items,
            next: pager.to_cursor(),
        })
    }
}
